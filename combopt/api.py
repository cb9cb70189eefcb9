"""The two functions most users need: :func:`read` and :func:`solve`."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .core.context import SolveContext, SolverOutput
from .core.device import resolve_device
from .core.errors import CombOptError, ParameterError
from .core.io import read
from .core.problem import Problem
from .core.registry import get_solver
from .core.result import Result, Status, relative_gap
from .core.stopping import DEFAULT_HEURISTIC_STOP, SearchState, StoppingCriterion, make_criteria
from .core.warm import gated, run_solver

__all__ = ["read", "solve"]

#: what heuristics do when the caller gives no limit at all (deterministic: no clock)


def _as_problem(instance: Any, kind: str | None) -> Problem:
    if isinstance(instance, Problem):
        return instance
    if isinstance(instance, (str, Path)):
        return read(instance, kind)
    try:
        import networkx as nx

        if isinstance(instance, nx.Graph):
            from .problems.graph.mis import IndependentSet

            return IndependentSet.from_networkx(instance, kind or "mis")
    except ImportError:  # pragma: no cover
        pass
    raise ParameterError(f"cannot solve an object of type {type(instance).__name__}; pass a Problem or a file path")


def solve(
    instance: Problem | str | Path,
    solver: str | None = None,
    *,
    time_limit: float | None = None,
    seed: int = 0,
    device: str = "auto",
    max_iterations: int | None = None,
    target: float | None = None,
    no_improvement: int | None = None,
    stop: StoppingCriterion | None = None,
    kind: str | None = None,
    callback: Callable[[SearchState], None] | None = None,
    **params: Any,
) -> Result:
    """Solve a problem instance.

    Parameters
    ----------
    instance
        A problem (from :func:`read` or built in code), a file path, or a
        networkx graph (maximum independent set).
    solver
        Registered solver name (see :func:`combopt.solvers_table`); ``None``
        takes the family's default.
    time_limit, max_iterations, target, no_improvement
        Stopping criteria, combined with "whichever comes first". ``stop``
        takes a ready-made criterion instead. With none given, heuristics stop
        after 10 outer iterations without improvement (at most 200).
    seed
        Seed of every random choice: the same seed on the CPU gives the same
        result (for limits that do not depend on the clock).
    device
        ``"cpu"``, ``"gpu"`` or ``"auto"`` (GPU when one is visible and the
        solver has a GPU path).
    callback
        Called with the :class:`SearchState` on each improvement and iteration.
    **params
        Solver parameters (see each solver's documentation).

    Returns
    -------
    Result
        Objective and feasibility re-evaluated by the problem's ``evaluate``.

    Notes
    -----
    Ctrl-C (KeyboardInterrupt) during the search returns the best solution
    found so far, with ``info["interrupted"] = True``.
    """
    problem = _as_problem(instance, kind)
    info = get_solver(solver, problem.kind)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    dev = resolve_device(device, info.devices)
    if stop is None:
        stop = make_criteria(
            time_limit, max_iterations, target, no_improvement,
            default=info.default_stop or (None if info.exact else DEFAULT_HEURISTIC_STOP),
        )
    elif time_limit is not None:
        stop = stop | make_criteria(time_limit)
    state = SearchState(sense=problem.sense, criterion=stop, callback=callback)
    ctx = SolveContext(int(seed), dev, state, np.random.default_rng(int(seed)))
    t0 = time.perf_counter()
    state.start = t0
    interrupted = False
    try:
        cheap = gated(ctx, _cheap_bound, problem)  # inside the clock; skipped when its kernel is not compiled yet
        out = run_solver(info, problem, ctx, dict(params))  # compile gate: on time on a cold Numba cache
    except KeyboardInterrupt:
        interrupted = True
        out = SolverOutput()
        cheap = None
    runtime = time.perf_counter() - t0
    solution, objective, feasible, violations = _pick(problem, [out.solution, state.best_solution])
    bounds = [b for b in (out.bound, cheap) if b is not None and math.isfinite(b)]
    bound = None
    if bounds:
        bound = min(bounds) if problem.sense == "max" else max(bounds)
    if out.infeasible:
        status = Status.INFEASIBLE
    elif solution is None or not feasible:
        status = Status.UNKNOWN
    elif out.proven_optimal or (bound is not None and relative_gap(objective, bound, problem.sense) == 0.0):
        status = Status.OPTIMAL
        if bound is None or out.proven_optimal:
            bound = objective
    else:
        status = Status.FEASIBLE
    extra = dict(out.info)
    if interrupted:
        extra["interrupted"] = True
    trace = list(state.trace)
    return Result(
        problem=problem.kind,
        instance=problem.name,
        solver=info.name,
        solution=solution,
        objective=objective,
        sense=problem.sense,
        feasible=bool(feasible),
        status=status,
        bound=bound,
        gap=relative_gap(objective, bound, problem.sense) if feasible else None,
        runtime=runtime,
        iterations=state.iterations,
        trace=trace,
        params=dict(params),
        device=dev,
        seed=int(seed),
        violations=violations,
        info=extra,
        solution_json=problem.solution_to_json(solution) if solution is not None else None,
    )


def _pick(problem: Problem, candidates: list) -> tuple[Any, float | None, bool, list[str]]:
    """Evaluate the candidates; return the best feasible one (else the first)."""
    best = None
    for sol in candidates:
        if sol is None:
            continue
        ev = problem.evaluate(sol)
        if best is None:
            best = (sol, ev)
            continue
        b = best[1]
        if ev.feasible and (not b.feasible or (ev.objective > b.objective if problem.sense == "max"
                                                else ev.objective < b.objective)):
            best = (sol, ev)
    if best is None:
        return None, None, False, []
    sol, ev = best
    return sol, ev.objective, bool(ev.feasible), list(ev.violations)


def _cheap_bound(problem: Problem) -> float | None:
    try:
        return problem.bound()
    except CombOptError:
        return None


def evaluate(problem: Problem, solution: Any):
    """Independent evaluation of ``solution`` (objective, feasibility, violations)."""
    return problem.evaluate(solution)
