"""The two functions most users need: :func:`read` and :func:`solve`."""

from __future__ import annotations

import inspect
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .core.claims import evaluate_finite
from .core.context import SolveContext, SolverOutput
from .core.device import gpu_stack_of, resolve_device
from .core.errors import CombOptError, GPUError, NothingToDraw, ParameterError, UnsuitedInstance
from .core.io import read
from .core.problem import BOUND_SHARE, Evaluation, Problem, describe_value, objective_scale, short_repr
from .core.registry import get_solver, solvers_for
from .core.result import Result, Status, iteration_rows_ok
from .core.safeio import figure_format, json_number  # noqa: F401  (figure_format: re-exported)
from .core.status import integral_bound, settle
from .core.stopping import DEFAULT_HEURISTIC_STOP, SearchState, StoppingCriterion, interrupt_pending, make_criteria
from .core.warm import gated, prepare_numba_target, run_solver
from .solvers.common import wait_for_abandoned_builds

__all__ = ["figure", "read", "solve"]


def _as_problem(instance: Any, kind: str | None) -> Problem:
    if isinstance(instance, Problem):
        if kind is not None and kind != instance.kind:
            raise ParameterError(f"kind={kind!r} does not apply to a {instance.kind!r} problem object (kind is "
                                 "for reading files and graphs)")
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


def _whole(v, lo: int) -> bool:
    """``v`` is an integer (not a bool: ``seed=True`` is a slip, not 1) of at least ``lo``."""
    return not isinstance(v, bool) and isinstance(v, (int, np.integer)) and v >= lo


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
        Registered solver name (``combopt solvers`` lists them); ``None``
        takes the family's default.
    time_limit, max_iterations, target, no_improvement
        Stopping criteria, combined with "whichever comes first". ``stop``
        takes a ready-made criterion instead. With none given, heuristics stop
        after 10 outer iterations without improvement (at most 200), except
        where a solver sets its own default (``lagrangian`` 300 iterations,
        ``slack-penalty`` 20, ``topo`` 1); exact solvers run to a proof.
    seed
        Seed of every random choice: the same seed on the CPU gives the same
        result (for limits that do not depend on the clock).
    device
        ``"cpu"``, ``"gpu"`` or ``"auto"`` (GPU when one is visible and the
        solver's GPU path was measured faster than its CPU path end to end,
        ``SolverInfo.auto_gpu``: none yet; else the CPU).
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
    if solver is not None and not isinstance(solver, str):
        raise ParameterError(f"solver must be a solver name (see combopt.all_solvers()), got {solver!r}")
    if target is not None and json_number(target) is None:
        raise ParameterError(f"target must be a finite number, got {short_repr(target)}")
    if callback is not None and not callable(callback):
        raise ParameterError(f"callback must be a function of the search state, got {callback!r}")
    if stop is not None and not isinstance(stop, StoppingCriterion):
        raise ParameterError(f"stop must be a stopping criterion such as combopt.MaxRuntime(10), got {stop!r}")
    if clash := sorted(SOLVER_ARGUMENTS & set(params)):
        raise ParameterError(f"{clash[0]} is not a solver parameter")
    problem = _as_problem(instance, kind)
    info = get_solver(solver, problem.kind)
    if not _whole(seed, 0):
        raise ParameterError(f"seed must be a non-negative integer, got {short_repr(seed)}")
    # named: the solver may be the kind's default, which the caller did not pick ("this solver" named none)
    gpu_ones = tuple(s.name for s in solvers_for(problem.kind) if "gpu" in s.devices) if device == "gpu" else ()
    dev = resolve_device(device, info.devices, info.auto_gpu, f"solver {info.name!r}", gpu_ones)
    if time_limit is not None and not (json_number(time_limit) or 0) > 0:  # (True is not 1 s)
        raise ParameterError(f"time_limit must be a positive, finite number of seconds (None: no limit), got "
                             f"{short_repr(time_limit)}")
    for name, value in (("max_iterations", max_iterations), ("no_improvement", no_improvement)):
        if value is not None and not _whole(value, 1):
            raise ParameterError(f"{name} must be a positive integer, got {short_repr(value)}")
    default = info.default_stop or (None if info.exact else DEFAULT_HEURISTIC_STOP)
    # the limits as given, kept in the result: with its seed and params they repeat the run (a result file of
    # --max-iterations 3 --seed 5 said neither how many iterations nor what target it had been given)
    limits = {k: v for k, v in (("time_limit", time_limit), ("max_iterations", max_iterations), ("target", target),
                                ("no_improvement", no_improvement)) if v is not None}
    if stop is not None:
        limits["stop"] = repr(stop)
    if stop is None:
        stop = make_criteria(time_limit, max_iterations, target, no_improvement, default=default)
    elif any(v is not None for v in (time_limit, max_iterations, target, no_improvement)):
        stop = stop | make_criteria(time_limit, max_iterations, target, no_improvement)  # whichever comes first
    if not stop.ends_by_itself and default is not None:  # stop=TargetObjective(t) alone: as target=t
        stop = stop | default
    state = SearchState(sense=problem.sense, criterion=stop, callback=callback, integral=_integral(problem),
                        scale=objective_scale(problem))
    ctx = SolveContext(int(seed), dev, state, np.random.default_rng(int(seed)))
    waited, still = wait_for_abandoned_builds()  # an earlier run's model build, given up at its limit: not beside us
    if dev == "cpu" and math.isfinite(stop.time_limit()):
        prepare_numba_target()  # once per process, outside the clock as the imports are
    t0 = time.perf_counter()
    state.start = t0
    interrupted = False
    cheap = None
    out = SolverOutput()
    try:
        # inside the clock (at most about BOUND_SHARE of it); skipped when its kernel is not compiled yet
        cheap = gated(ctx, _cheap_bound, problem, BOUND_SHARE * ctx.state.criterion.time_limit())
        state.offer_bound(cheap)  # the shared stopping rule: stop once the incumbent meets it
        out = run_solver(info, problem, ctx, dict(params))  # compile gate: on time on a cold Numba cache
    except KeyboardInterrupt:
        interrupted = True
        state.interrupted = True
    except UnsuitedInstance as e:  # a valid file this solver cannot take: name the file
        src = getattr(problem, "source", None)
        raise UnsuitedInstance(f"{src}: {info.name}: {e}" if src else f"{info.name}: {e}") from None
    except Exception as e:
        if dev == "gpu" and (lib := gpu_stack_of(e)) is not None:
            raise GPUError(f"{info.name} on the GPU failed inside {lib}: {type(e).__name__}: {e}; "
                           "run with --device cpu (README, section GPU)") from e
        raise
    fallback = None
    timed_out = not interrupted and math.isfinite(stop.time_limit()) and not (out.infeasible or out.unbounded)
    if (interrupted or timed_out) and out.solution is None and state.best_solution is None:
        # Ctrl-C, or the time up, before any solution (the bound call, a set-up on a loaded machine)
        fallback = _construct_fallback(problem)
    runtime = time.perf_counter() - t0
    solution, objective, feasible, violations = _pick(problem, [out.solution, state.best_solution, fallback])
    whole = _integral(problem)
    claims = settle(problem.sense, objective, feasible,
                    [(source, integral_bound(b, problem.sense) if whole else b) for source, b in
                     ((f"solver {info.name!r}", out.bound), ("the problem's", cheap), ("the search's", state.bound))],
                    proven_optimal=out.proven_optimal, infeasible=out.infeasible, prover=f"solver {info.name!r}",
                    unbounded=out.unbounded, scale=state.scale)
    status = Status(claims.status)
    extra = dict(out.info)
    extra["limits"] = {k: v if isinstance(v, str) else float(v) if k in ("time_limit", "target") else int(v)
                       for k, v in limits.items()}
    if interrupted or extra.get("interrupted") or state.interrupted or interrupt_pending():
        extra["interrupted"] = True
    if waited >= 0.05 or still:
        extra["waited_for_earlier_build_s"] = round(waited, 3)  # before the clock started: not in the runtime
        if still:
            extra["warnings"] = [*extra.get("warnings", []), f"{still} model build(s) given up by earlier runs "
                                 f"still running after {waited:.0f} s: this run shared the CPU with them"]
    if fallback is not None and solution is fallback:
        why = "interrupted" if interrupted else "the time was up"
        extra["answer"] = f"the problem's quick construction ({why} before the solver had a solution)"
    if status is Status.OPTIMAL:
        extra["proved_optimal_by"] = claims.proved_by
        at = state.proved_at if (claims.proved_by == "bound" and state.proved_at is not None) else runtime
        extra["proved_optimal_at_s"] = min(at, runtime)
    if claims.warnings:
        extra["warnings"] = list(extra.get("warnings", [])) + claims.warnings
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
        bound=claims.bound,
        gap=claims.gap,
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


#: the keyword arguments of :func:`solve` itself: never solver parameters (``-p seed=5`` on the command line, or
#: ``params = { seed = 5 }`` in a suite, would pass ``seed`` twice)
SOLVE_OPTIONS = frozenset(inspect.signature(solve).parameters) - {"params"}
#: the arguments every solver function takes besides its parameters
SOLVER_ARGUMENTS = frozenset(("problem", "ctx"))


def _pick(problem: Problem, candidates: list) -> tuple[Any, float | None, bool, list[str]]:
    """Evaluate the candidates; return the best feasible one (else the first)."""
    best = None
    for k, sol in enumerate(candidates):
        if sol is None or any(sol is c for c in candidates[:k]):  # the solver's answer is often the incumbent itself
            continue
        ev = evaluate(problem, sol)
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


def _integral(problem: Problem) -> bool:
    try:
        return bool(problem.integral_objective())
    except CombOptError:
        return False


def _construct_fallback(problem: Problem) -> Any:
    """The problem's quick numpy construction (:meth:`Problem.construct`) as the answer of a run interrupted, or out
    of time, before any solution existed (its iterative parts, a tour's 2-opt, get 0.1 s); ``None`` when it has
    none, fails, or is interrupted itself."""
    import inspect

    try:
        build = problem.construct
        quick = "deadline" in inspect.signature(build).parameters
        return build(deadline=time.monotonic() + 0.1) if quick else build()
    except (KeyboardInterrupt, CombOptError):
        return None


def _cheap_bound(problem: Problem, seconds: float = math.inf) -> float | None:
    try:
        return problem.bound() if not math.isfinite(seconds) else problem.bound_within(seconds)
    except CombOptError:
        return None


def evaluate(problem: Problem, solution: Any) -> Evaluation:
    """Independent evaluation of ``solution`` (objective, feasibility, violations).

    A solution whose objective is not a finite number (NaN or infinite data in
    the instance) is never feasible. A solution of the wrong form (``None``, a
    string, a dict, a single number, a ragged list, fractions or booleans where
    indices are expected, NaN, indices out of range or beyond any integer type)
    is infeasible too, with no objective and a violation that says what the
    kind expects: ``evaluate`` answers every solution and raises for none.
    ``problem`` itself must be a :class:`Problem` (:class:`ParameterError`).
    """
    _require_problem(problem, "evaluate")
    return evaluate_finite(problem, solution)


def _require_problem(problem: Any, what: str) -> None:
    if not isinstance(problem, Problem):
        raise ParameterError(f"{what}: problem must be a Problem (from combopt.read or built in code), got "
                             f"{describe_value(problem)}")


def figure(problem: Problem, result: Result | dict, path: str | Path | None = None, *, force: bool = False,
           solution: Any = None):
    """The picture of a result, as a matplotlib ``Figure``; written to ``path`` (format from its extension)
    when given, atomically and only over an existing file with ``force``.

    The family's own picture of the solution where it has one (:meth:`Problem.figure`: RCPSP Gantt chart and
    resource profiles, FIR magnitude response beside the continuous Remez design, tomography reconstruction beside
    the phantom, TSP tour, learned DAG with its truth, coupling cells), else the outer iterations of a Lagrangian
    run (dual bound, dual value, best primal), else the best objective against time. ``result`` is a
    :class:`Result` or its JSON record (``combopt solve --out``; pass the parsed ``solution`` with it).
    """
    from types import SimpleNamespace

    import matplotlib

    from .core.safeio import save_figure, write_atomic

    _require_problem(problem, "figure")
    if not isinstance(result, (Result, dict)):
        raise ParameterError(f"figure: result must be a Result (from combopt.solve) or its JSON record (a dict, "
                             f"from combopt solve --out), got {describe_value(result)}")
    if path is not None and not isinstance(path, (str, Path)):
        raise ParameterError(f"figure: path must be a file name (str or pathlib.Path) or None, got "
                             f"{describe_value(path)}")
    if not isinstance(force, bool):
        raise ParameterError(f"figure: force must be True or False, got {describe_value(force)}")
    fmt = figure_format(path) if path is not None else None
    if isinstance(result, Result):
        if result.problem != problem.kind:
            raise ParameterError(f"figure: the result is of a {result.problem} problem ({result.instance}), the "
                                 f"problem given is {problem.kind} ({problem.name}); pass the problem it solved")
        rec = result
        feasible = result.feasible  # solve() re-checked it with the problem's evaluate
        if solution is None:
            solution = result.solution
        if solution is not result.solution or result.instance != problem.name:  # (another instance of the kind)
            feasible = evaluate(problem, solution).feasible
    else:  # a result file's record: the same fields the progress plots read from a Result
        rec = SimpleNamespace(problem=result.get("problem"), instance=result.get("instance"),
                              solver=result.get("solver"), sense=result.get("sense", problem.sense),
                              bound=_record_number(result, "bound"), runtime=_record_number(result, "runtime_s") or 0.0,
                              trace=_record_trace(result), info=_record_info(result),
                              objective=_record_number(result, "objective"))
        feasible = solution is not None and evaluate(problem, solution).feasible
    # names from files (an instance, a task, a variable: 'cost $^$') are text, not TeX: matplotlib's mathtext drew
    # '$..$' as a formula and refused an unbalanced one with a traceback when the figure was saved
    with matplotlib.rc_context({"text.parse_math": False}):
        fig = _figure_of(problem, rec, feasible, solution)
    if path is not None:
        write_atomic(path, lambda tmp: save_figure(fig, tmp, format=fmt, dpi=120), force, "--plot")
    return fig


def _figure_of(problem: Problem, rec, feasible: bool, solution: Any):
    """The figure of :func:`figure`: the family's picture of the solution, else the run's progress."""
    from matplotlib.figure import Figure

    from .core.result import _plot_iterations

    label = str(rec.solver or "solution")
    fig = None
    if solution is not None:
        if feasible:
            fig = problem.figure(solution, label)
        else:  # a broken answer is drawn where it can be (an RCPSP schedule with overlaps); else the progress
            try:
                fig = problem.figure(solution, label + " (infeasible)")
            except (ValueError, IndexError, TypeError, KeyError, CombOptError):
                fig = None
    if fig is None:
        fig = Figure(figsize=(7, 4), layout="constrained")
        ax = fig.subplots()
        if rec.info.get("iterations"):
            _plot_iterations(rec, ax)
        elif rec.trace:
            Result.plot_trace(rec, ax=ax)
        else:
            raise NothingToDraw(f"nothing to draw: {problem.kind} has no picture of a solution"
                                 + (" and the result has none" if solution is None else "")
                                 + ", and the result records no progress (trace)")
    return fig


def _record_number(result: dict, key: str) -> float | None:
    """A number of a result record (``None`` when absent); :class:`ParameterError` for a string, a list, NaN."""
    v = result.get(key)
    if v is None:
        return None
    f = json_number(v)
    if f is None:
        raise ParameterError(f"figure: result[{key!r}] must be a finite number, got {short_repr(v)}")
    return f


def _record_trace(result: dict) -> list[tuple[float, float]]:
    """The record's ``trace``: ``[time, objective]`` pairs of numbers (pairs without an objective are left out)."""
    trace = result.get("trace")
    if trace is None:
        return []
    expected = "a list of [time, objective] pairs of numbers"
    if not isinstance(trace, (list, tuple)):
        raise ParameterError(f"figure: result['trace'] must be {expected}, got {short_repr(trace)}")
    out = []
    for row in trace:
        if not (isinstance(row, (list, tuple)) and len(row) == 2):
            raise ParameterError(f"figure: result['trace'] must be {expected}; one entry is {short_repr(row)}")
        t, v = row
        if v is None:
            continue
        t, v = json_number(t), json_number(v)
        if t is None or v is None:
            raise ParameterError(f"figure: result['trace'] must be {expected}; one entry is {short_repr(row)}")
        out.append((t, v))
    return out


def _record_info(result: dict) -> dict:
    """The record's ``info`` (a dict); its ``iterations`` rows must be dicts with an ``iteration`` number."""
    info = result.get("info")
    if info is None:
        return {}
    if not isinstance(info, dict):
        raise ParameterError(f"figure: result['info'] must be a dict, got {short_repr(info)}")
    rows = info.get("iterations")
    if rows and not iteration_rows_ok(rows):
        raise ParameterError("figure: result['info']['iterations'] must be a list of {'iteration': k, 'bound': ..., "
                             "'primal': ..., 'dual_value': ...} records of numbers")
    return info
