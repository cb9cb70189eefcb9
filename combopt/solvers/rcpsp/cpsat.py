"""OR-Tools CP-SAT model of RCPSP with its extensions (optional: ``pip install combopt[cp]``).

One interval variable per task (start domain ``[release, deadline - p]``), a
cumulative constraint per resource in which each downtime segment is a fixed
interval occupying the capacity it removes, a no-overlap constraint per
disjunctive pair, precedence as linear inequalities, and the makespan as the
maximum of the end times. The search is warm-started with the best
priority-rule schedule (a solution hint). CP-SAT's proven lower bound is
returned with the result; ``OPTIMAL`` and ``INFEASIBLE`` are proofs.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import MissingDependencyError
from ...core.registry import register_solver
from ...problems.rcpsp.sgs import rule_lists
from ..common import flag, positive_int, reject_unknown, run_bound, run_interruptible
from .decoder import BatchDecoder
from .sgs import bound_info, finish_info, pop_best_known


def _import_cp_model():
    try:
        from ortools.sat.python import cp_model
    except ImportError:
        raise MissingDependencyError("solver 'rcpsp-cpsat' needs OR-Tools: pip install 'combopt[cp]' "
                                     "(or pip install ortools)") from None
    return cp_model


def cpsat_model(problem, horizon: int | None = None, lb: float | None = None):
    """Build the CP-SAT model; returns ``(model, starts, makespan)`` (the start and makespan variables).

    ``horizon`` caps every finish time (default: the instance's safe horizon); ``lb``, a proven lower bound on the
    makespan (default: the problem's own).
    """
    cp_model = _import_cp_model()
    P = problem
    H = int(P.horizon if horizon is None else horizon)
    m = cp_model.CpModel()
    starts, ends, intervals = [], [], []
    for i in range(P.n):
        p = int(P.durations[i])
        lo = int(P.release[i])
        hi = int(min(P.deadline[i], H)) - p
        if hi < lo:
            hi = lo  # the model is then infeasible through the makespan bound or the deadline itself
        s = m.new_int_var(lo, hi, f"s_{i}")
        e = m.new_int_var(lo + p, hi + p, f"e_{i}")
        intervals.append(m.new_interval_var(s, p, e, f"iv_{i}"))
        starts.append(s)
        ends.append(e)
    for i, j in P.edges:
        m.add(starts[j] >= ends[i])
    for r in range(P.num_resources):
        ivs, dem = [], []
        for i in range(P.n):
            q = int(P.demands[i, r])
            if q > 0 and P.durations[i] > 0:
                ivs.append(intervals[i])
                dem.append(q)
        if not ivs:
            continue
        c = int(P.capacities[r])
        for a, b, lvl in P.capacity_segments(r):
            ivs.append(m.new_fixed_size_interval_var(a, b - a, f"down_{r}_{a}"))
            dem.append(c - lvl)
        m.add_cumulative(ivs, dem, c)
    for i, j in P.disjunctive:
        if P.durations[i] > 0 and P.durations[j] > 0:
            m.add_no_overlap([intervals[i], intervals[j]])
    lb = int(P.bound() if lb is None else lb)
    mk = m.new_int_var(min(lb, H), H, "makespan")
    m.add_max_equality(mk, ends)
    m.minimize(mk)
    return m, starts, mk


#: CP-SAT's search workers are threads: more than this is a typo, not a machine
MAX_WORKERS = 1024


@register_solver(
    "rcpsp-cpsat",
    problems=("rcpsp",),
    exact=True,
    description="OR-Tools CP-SAT: intervals, cumulative with downtime, no-overlap, windows (needs ortools)",
    params=("num_workers", "hint", "log", "best_known"),
)
def rcpsp_cpsat(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_workers`` (default: CPU count, at most 8), ``hint``
    (warm start from the priority rules, default true), ``log`` (CP-SAT's
    search log on stdout, default false), ``best_known`` (a makespan to report the
    gap to; default: the instance's own)."""
    cp_model = _import_cp_model()
    # CP-SAT takes an int32 and truncated nothing itself: 2.7, True and "3" ran, 10**10 was a TypeError traceback
    workers = positive_int(params, "num_workers", min(8, os.cpu_count() or 1), hi=MAX_WORKERS)
    hint = flag(params, "hint", True)
    log = flag(params, "log", False)
    best_known = pop_best_known(params, problem)
    reject_unknown(params, "rcpsp-cpsat")
    P = problem
    horizon = P.horizon
    hint_starts = None
    if hint:
        starts, info = BatchDecoder(P).decode(rule_lists(P), fbi=True)
        ok = (info[:, 0] >= 0) & (info[:, 1] == 0)
        if ok.any():
            k = int(np.argmin(np.where(ok, info[:, 0], np.iinfo(np.int64).max)))
            hint_starts = starts[k].astype(np.int64)
            if P.evaluate(hint_starts).feasible:
                ctx.state.report(float(info[k, 0]), hint_starts)
                horizon = int(info[k, 0])  # no better schedule needs a longer time axis
            else:
                hint_starts = None
    model, svars, mk = cpsat_model(P, horizon, run_bound(P, ctx))
    if hint_starts is not None:
        for v, s in zip(svars, hint_starts, strict=True):
            model.add_hint(v, int(s))
    solver = cp_model.CpSolver()
    limit = ctx.time_left
    if math.isfinite(limit):
        solver.parameters.max_time_in_seconds = max(0.05, float(limit))
    solver.parameters.num_workers = workers
    solver.parameters.log_search_progress = log
    solver.parameters.random_seed = int(ctx.seed % (2**31 - 1))

    class _Callback(cp_model.CpSolverSolutionCallback):
        def __init__(self):
            super().__init__()

        def on_solution_callback(self):
            s = np.array([self.value(v) for v in svars], dtype=np.int64)
            ev = P.evaluate(s)
            if ev.feasible:
                ctx.state.report(ev.objective, s)
            if ctx.state.should_stop():
                self.stop_search()

    solver.parameters.catch_sigint_signal = False  # Ctrl-C is ours: it stops the search, the incumbent stays
    status, interrupted = run_interruptible(lambda: solver.solve(model, _Callback()), solver.stop_search)
    ctx.state.next_iteration()
    name = solver.status_name(status)
    info = bound_info(P, best_known)
    info.update({"cpsat_status": name, "num_workers": workers, "wall_s": round(solver.wall_time, 4)})
    if interrupted:
        info["interrupted"] = True
    sol = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        sol = np.array([solver.value(v) for v in svars], dtype=np.int64)
    bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        bound = float(math.ceil(solver.best_objective_bound - 1e-9))
    infeasible = False
    if status == cp_model.INFEASIBLE:
        if horizon == P.horizon or hint_starts is None:
            infeasible = True  # on the safe horizon: a proof that no schedule exists
            info["infeasibility"] = (f"CP-SAT proved its model infeasible: no schedule within the time axis "
                                     f"[0, {int(P.horizon)}), which holds a schedule whenever one exists, meets "
                                     "every window, precedence, capacity and disjunctive pair")
        # with a horizon from the hint, INFEASIBLE cannot happen (the hint is a solution)
    return SolverOutput(solution=sol, bound=bound, proven_optimal=status == cp_model.OPTIMAL,
                        infeasible=infeasible, info=finish_info(P, info, ctx.state.best))
