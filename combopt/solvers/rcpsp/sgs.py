"""The ``rcpsp-sgs`` solver (single priority-rule passes) and the bound/gap helpers every
RCPSP solver reports with.

Imports: core, generic solver helpers and combopt.problems.rcpsp.
"""

from __future__ import annotations

import math

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...problems.rcpsp.model import NO_DEADLINE
from ...problems.rcpsp.sgs import RULES, SCHEMES, parallel_sgs, priority_list, priority_values
from ..common import bound_share, flag, reject_unknown, run_bound
from .decoder import BatchDecoder


def pop_best_known(params: dict, problem) -> float | None:
    """The ``best_known`` solver parameter, else the instance's own best known value."""
    v = params.pop("best_known", None)
    if v is None:
        return problem.best_known
    try:
        if isinstance(v, (bool, np.bool_)):  # (True is not a makespan of 1)
            raise TypeError
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"best_known must be a number, got {v!r}") from None
    if not (f > 0 and math.isfinite(f)):
        raise ParameterError(f"best_known must be a positive, finite makespan, got {v!r}")
    return f


def bound_info(problem, best_known: float | None = None) -> dict:
    """The lower bounds reported with every RCPSP result, and the known best value."""
    out = {"cpm_bound": problem.critical_path_bound(), "resource_bound": problem.resource_bound(),
           **problem.bound_detail()}
    best_known = problem.best_known if best_known is None else best_known
    if best_known is not None:
        out["best_known"] = best_known
    return out


def finish_info(problem, info: dict, best: float | None) -> dict:
    """Add the gap to the known best value (``info["best_known"]``, when there is one)."""
    ref = info.get("best_known")
    if best is not None and ref is not None and ref > 0:
        info["gap_to_best_known_pct"] = round(100.0 * (best - ref) / ref, 6)
    return info


@register_solver(
    "rcpsp-sgs",
    problems=("rcpsp",),
    devices=("cpu",),
    description="serial and parallel schedule-generation schemes with priority rules LFT, LST, MTS, GRPW",
    params=("scheme", "rule", "fbi", "best_known"),
)
def rcpsp_sgs(problem, ctx: SolveContext, **params) -> SolverOutput:
    """One pass per (scheme, rule); the best schedule is kept.

    Parameters: ``scheme`` (``serial``, ``parallel`` or ``both``, default both),
    ``rule`` (``lft``, ``lst``, ``mts``, ``grpw`` or ``all``, default all),
    ``fbi`` (forward-backward improvement of serial schedules, default false),
    ``best_known`` (a makespan to report the gap to; default: the instance's own).
    """
    scheme = str(params.pop("scheme", "both")).lower()
    rule = str(params.pop("rule", "all")).lower()
    fbi = flag(params, "fbi", False)
    best_known = pop_best_known(params, problem)
    reject_unknown(params, "rcpsp-sgs")
    schemes = SCHEMES if scheme == "both" else (scheme,)
    if any(s not in SCHEMES for s in schemes):
        raise ParameterError(f"scheme must be serial, parallel or both, got {scheme!r}")
    rules = RULES if rule == "all" else (rule,)
    if any(r not in RULES for r in rules):
        raise ParameterError(f"rule must be one of {', '.join(RULES)} or all, got {rule!r}")
    table = {}
    decoder = BatchDecoder(problem, "cpu") if "serial" in schemes else None
    for r in rules:
        prio = priority_values(problem, r)
        for s in schemes:
            if ctx.state.should_stop() and table:
                break
            if s == "serial":
                starts, inf = decoder.decode(priority_list(problem, prio)[None, :], fbi)
                sched = starts[0].astype(np.int64)
            else:
                sched = parallel_sgs(problem, prio)
            ev = problem.evaluate(sched)
            table[f"{s}-{r}"] = ev.objective if ev.feasible else None
            if ev.feasible:
                ctx.state.report(ev.objective, sched)
            elif ctx.state.best_solution is None:
                ctx.state.best_solution = sched  # keep something to show the violations of
    ctx.state.next_iteration()
    info = bound_info(problem, best_known)
    info["makespans"] = table
    proof = None
    if ctx.state.best is None and np.any(problem.deadline < NO_DEADLINE):
        proof = problem.infeasibility_proof(bound_share(ctx))  # no schedule met the windows: is there one at all?
        if proof is not None:
            info["infeasibility"] = proof
    return SolverOutput(bound=None if proof else run_bound(problem, ctx), infeasible=proof is not None,
                        info=finish_info(problem, info, ctx.state.best))
