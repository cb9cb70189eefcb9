"""Exact MILP route through PuLP (CBC by default, HiGHS when installed).

PuLP reports a time-limited CBC run as "Optimal"; the status here is taken
from the solution status and the solver's own account of the stop, so a
timed-out run is reported as ``feasible`` with the bound the solver proved
(HiGHS) or no bound (CBC).
"""

from __future__ import annotations

import math
import warnings

import pulp

from ..core.context import SolveContext, SolverOutput
from ..core.errors import MissingDependencyError, ParameterError
from ..core.registry import register_solver
from ..models.milp import binary_var, qubo_to_pulp  # noqa: F401  (re-exported)
from .common import positive_int


def _cbc(kw):
    """CBC as bundled with PuLP 3 (its deprecation notice for PuLP 4 is silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**kw)


_BANNER_DONE = False


def _swallow_highs_banner() -> None:
    """HiGHS prints a copyright banner on its first instance in a process, even with output off.

    Create that first instance with the C-level stdout pointed at /dev/null so it
    never lands in a user's terminal or in JSON piped from the CLI.
    """
    global _BANNER_DONE
    if _BANNER_DONE:
        return
    _BANNER_DONE = True
    try:
        import os
        import sys

        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _backend(name: str, time_limit: float | None, threads: int | None):
    kw = {"msg": False}
    if time_limit is not None and math.isfinite(time_limit):
        kw["timeLimit"] = max(1.0, float(time_limit))
    if name == "cbc":
        if threads:
            kw["threads"] = threads
        return _cbc(kw)
    if name == "highs":
        _swallow_highs_banner()
        solver = pulp.HiGHS(**kw)
        if not solver.available():
            raise MissingDependencyError("HiGHS is not installed: pip install highspy (or use backend=cbc)")
        return solver
    raise ParameterError(f"unknown MILP backend {name!r}; expected cbc or highs")


def solve_pulp(prob: pulp.LpProblem, backend: str, time_limit: float | None, threads: int | None = None):
    """Solve and return ``(proven_optimal, infeasible, bound, has_solution)``.

    ``bound`` is in the model's own sense and units (objective of ``prob``).
    """
    solver = _backend(backend, time_limit, threads)
    status = prob.solve(solver)
    sol_status = getattr(prob, "sol_status", None)
    infeasible = status == pulp.LpStatusInfeasible
    has_solution = sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    proven = status == pulp.LpStatusOptimal and sol_status == pulp.LpSolutionOptimal
    bound = None
    if backend == "highs":
        model = getattr(prob, "solverModel", None)
        if model is not None:
            try:
                info = model.getInfo()
                raw = float(info.mip_dual_bound)
                if math.isfinite(raw):
                    bound = raw + float(prob.objective.constant or 0.0)
                gap = float(info.mip_gap)
                proven = proven and (not math.isfinite(gap) or gap <= 1e-6)
            except Exception:  # noqa: BLE001 - bound is optional
                pass
    if proven:
        bound = pulp.value(prob.objective)
    return proven, infeasible, bound, has_solution


@register_solver(
    "milp",
    problems=("+milp",),
    exact=True,
    description="exact MILP through PuLP (backend=cbc default, backend=highs when installed)",
)
def milp(problem, ctx: SolveContext, **params) -> SolverOutput:
    backend = str(params.pop("backend", "cbc")).lower()
    threads = positive_int(params, "threads", 0, hi=1024, lo=0) or None  # 0 / absent: the backend's default
    if params:
        raise ParameterError(f"solver 'milp' does not take parameter(s): {', '.join(sorted(params))}")
    prob, decode = problem.to_pulp()
    limit = ctx.time_left
    proven, infeasible, bound, has_solution = solve_pulp(
        prob, backend, None if not math.isfinite(limit) else limit, int(threads) if threads else None
    )
    ctx.state.next_iteration()
    sol = None
    if has_solution:
        sol = decode()
        ev = problem.evaluate(sol)
        if ev.feasible:
            ctx.state.report(ev.objective, sol)
    if bound is not None and getattr(prob, "sense", pulp.LpMinimize) == pulp.LpMinimize and problem.sense == "max":
        bound = -bound  # a maximisation modelled as a minimisation
    return SolverOutput(solution=sol, bound=bound, proven_optimal=proven and has_solution,
                        infeasible=infeasible, info={"backend": backend, "milp_variables": len(prob.variables()),
                                                     "milp_constraints": prob.numConstraints()})
