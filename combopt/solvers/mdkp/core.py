"""Core-problem search for the multidimensional knapsack (after Puchinger, Raidl and Pferschy 2010).

1. Solve the LP relaxation (HiGHS); its duals ``u`` are the multipliers that order the items
   (efficiency ``p_j / u.A_j``) and give the reduced costs ``rc_j = p_j - u.A_j``.
2. A first solution: the LP solution rounded down, repaired and completed greedily by dual
   efficiency, then the iterated drop/add local search of :mod:`combopt.problems.mdkp.local`.
3. Reduced-cost fixing (exact): an item whose reduced cost exceeds the gap between the LP bound
   and the incumbent cannot change sides in any better solution, so it is fixed at its LP value.
4. **Core search**: the ``c`` free items of smallest ``|rc_j|`` (the fractional ones first) form
   the core; with ``rins`` (default) the free items where the incumbent leaves its LP side join it
   (relaxation induced neighbourhood search: the sub-problem searches between the LP solution and
   the incumbent). Every other item keeps its LP value. The core problem is a small 0/1 MIP, solved by
   HiGHS under a share of the time left, with a cut asking for a strictly better profit. When
   HiGHS finishes (better solution or proof that the core holds none) the core grows by
   ``growth``; when it runs out of time the core grows more slowly. Improvements are polished by
   the local search, whose result seeds the next cut.

The bound reported is the LP bound (rounded down when the profits are integers). The status is
never "optimal": HiGHS solves sub-problems, not the whole problem.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ..common import finite_float, flag, reject_unknown


def lp_relaxation(p: np.ndarray, A: np.ndarray, b: np.ndarray):
    """``(z_lp, x_lp, duals, reduced_costs)`` of ``max p.x, A x <= b, 0 <= x <= 1`` (HiGHS)."""
    from scipy.optimize import linprog

    res = linprog(-p, A_ub=A, b_ub=b, bounds=(0, 1), method="highs")
    if res.status != 0:
        raise ParameterError(f"LP relaxation failed: {res.message}")
    u = np.maximum(-np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0)
    rc = p - u @ A
    return float(-res.fun), np.asarray(res.x, dtype=np.float64), u, rc


def _solve_core(p, A, b, core, fixed_one, need, time_limit, node_limit):
    """Best 0/1 vector over ``core`` (others as in ``fixed_one``) of profit >= ``need``, or None.

    HiGHS (highspy) with ``need`` as its objective bound (it prunes every node that cannot reach
    it) and no relative gap tolerance. Returns ``(x or None, finished)``, where ``finished``
    means HiGHS searched the whole core (optimal, or no solution reaching ``need``).
    """
    import highspy

    cap = b - A[:, fixed_one].sum(axis=1)
    pc = np.ascontiguousarray(p[core])
    Ac = np.asfortranarray(A[:, core])
    k, m = core.size, A.shape[0]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    rest = float(p[fixed_one].sum())
    if need is not None:
        h.setOptionValue("objective_bound", -(need - rest) + 1e-6)
    lp = highspy.HighsLp()
    lp.num_col_ = k
    lp.num_row_ = m
    lp.col_cost_ = -pc
    lp.col_lower_ = np.zeros(k)
    lp.col_upper_ = np.ones(k)
    lp.row_lower_ = np.full(m, -highspy.kHighsInf)
    lp.row_upper_ = cap
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, (k + 1) * m, m, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(m, dtype=np.int32), k)
    lp.a_matrix_.value_ = Ac.ravel(order="F")
    lp.integrality_ = [highspy.HighsVarType.kInteger] * k
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    finished = status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible,
                          highspy.HighsModelStatus.kObjectiveBound)
    sol = h.getSolution()
    if not sol.value_valid:
        return None, finished
    xc = np.round(np.asarray(sol.col_value)).astype(np.int8)
    x = np.zeros(p.size, dtype=np.int8)
    x[fixed_one] = 1
    x[core] = xc
    return x, finished


@register_solver(
    "mdkp-core",
    problems=("mdkp",),
    description="core-problem search: LP duals order the items, reduced-cost fixing, growing cores solved by "
                "HiGHS, drop/add local search",
    default_for=("mdkp",),
)
def mdkp_core(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``core`` initial core size as a share of the items (default 0.05, at least
    ``m + 10`` items), ``growth`` core growth factor after a finished sub-problem (default 1.5),
    ``share`` of the time left given to one sub-problem (default 0.3; the last one that fits gets
    all of it), ``polish_iters`` drop/add iterations per polish of a new incumbent (default 100),
    ``node_limit`` per sub-problem when there is no time limit (default 5000), ``rins`` (default
    true) adds the free items where the incumbent and the LP solution disagree to every core.

    ``info["subproblem_log"]`` lists each sub-problem as ``(start s, core size, time limit s,
    seconds used, finished)``: where a long run spends its time."""
    frac = finite_float(params, "core", 0.05, 0.0, 1.0)
    growth = finite_float(params, "growth", 1.5, 1.0)
    share = finite_float(params, "share", 0.3, 0.01, 1.0)
    polish_iters = int(finite_float(params, "polish_iters", 100, 0))
    node_limit = int(finite_float(params, "node_limit", 5000, 1))
    rins = flag(params, "rins", True)
    reject_unknown(params, "mdkp-core")
    p, A, b = problem.p, np.ascontiguousarray(problem.A), problem.b
    n, m = problem.n, problem.m
    integral = bool(np.all(p == np.round(p)))
    z_lp, x_lp, u, rc = lp_relaxation(p, A, b)
    bound = math.floor(z_lp + 1e-6) if integral else z_lp

    def offer(x) -> None:
        ev = problem.evaluate(x)
        if ev.feasible:
            ctx.state.report(ev.objective, np.asarray(x, dtype=np.int8).copy())

    def polish(x) -> None:
        if polish_iters > 0:
            for y in problem.polish(x, ctx, weights=u, iters=polish_iters):
                offer(y)

    x0 = problem.repair((x_lp > 1 - 1e-9).astype(np.int8), weights=u)
    offer(x0)
    polish(x0)
    ctx.state.next_iteration()  # the LP and the first solution are iteration 0
    order = np.argsort(np.abs(rc), kind="stable")
    at_one = x_lp > 0.5
    c = min(n, max(m + 10, int(round(frac * n))))
    subproblems = finished_count = 0
    last_dt = 0.0
    log = []  # per sub-problem: (start s, core size, time limit s, seconds used, finished)
    while not ctx.state.should_stop():
        inc = ctx.state.best if ctx.state.best is not None else -math.inf
        # reduced-cost fixing: |rc_j| > z_lp - (inc + 1) means x_j keeps its LP side in any better solution
        margin = z_lp - (inc + (1.0 if integral else 0.0)) + 1e-6 * max(1.0, abs(z_lp))
        free = order[np.abs(rc[order]) <= margin]
        if free.size == 0:
            break  # nothing can improve on the incumbent
        core = np.sort(free[: min(c, free.size)])
        in_core = np.zeros(n, dtype=bool)
        in_core[core] = True
        if rins and ctx.state.best_solution is not None:
            # free items where the incumbent leaves the LP side join the core (RINS): the
            # sub-problem searches between the LP solution and the incumbent
            inc_x = np.asarray(ctx.state.best_solution, dtype=np.int8)
            in_free = np.zeros(n, dtype=bool)
            in_free[free] = True
            in_core |= in_free & ((inc_x == 1) != at_one)
            core = np.flatnonzero(in_core)
        fixed_one = np.flatnonzero(at_one & ~in_core)
        left = ctx.time_left
        timed = math.isfinite(left)
        limit = share * left if timed else 60.0
        if timed and (1.0 - share) * left < 1.5 * last_dt:
            limit = 0.9 * left  # no room for another sub-problem after this one: use it all
        need = (inc + 1.0 if integral else inc + 1e-9) if math.isfinite(inc) else None
        t0 = time.perf_counter()
        x, finished = _solve_core(p, A, b, core, fixed_one, need, limit, None if timed else node_limit)
        subproblems += 1
        if x is not None:
            improved = problem.evaluate(x).feasible and ctx.state.is_better(float(p @ x))
            offer(x)
            if improved and ctx.time_left > 0.1 * limit:
                polish(x)
        last_dt = time.perf_counter() - t0
        log.append((round(ctx.state.elapsed - last_dt, 3), int(core.size), round(float(limit), 3),
                    round(last_dt, 3), bool(finished)))
        if finished:
            finished_count += 1
            if core.size >= free.size:
                break  # the whole free set was searched: no better solution exists (within HiGHS' tolerances)
            c = min(n, int(math.ceil(c * growth)))
        else:
            c = min(n, int(math.ceil(c * math.sqrt(growth))))
        ctx.state.next_iteration()
    return SolverOutput(bound=float(bound), info={"lp_bound": z_lp, "subproblems": subproblems,
                                                   "finished_subproblems": finished_count, "core_size": int(c),
                                                   "subproblem_log": log})
