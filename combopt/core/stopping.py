"""Composable stopping criteria and the search state solvers report to.

Criteria follow PyVRP's style: small callables combined with ``|``::

    stop = MaxRuntime(10) | NoImprovement(50) | TargetObjective(34)

A solver owns a :class:`SearchState`, calls :meth:`SearchState.report` with
each evaluated candidate objective and :meth:`SearchState.next_iteration`
after each outer iteration, and asks :meth:`SearchState.should_stop`.

The stopping rule every solver shares: the search stops as soon as the
incumbent meets a proven bound (the problem's cheap bound, given to the state
before the solver starts, or one the solver proves and hands over through
:meth:`SearchState.offer_bound`). The time of that proof is kept in
:attr:`SearchState.proved_at`.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ParameterError
from .status import integral_bound, meets, tighter


class StoppingCriterion:
    """Base class: ``criterion(state) -> bool`` says whether to stop."""

    def __call__(self, state: SearchState) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def time_limit(self) -> float:
        """Seconds this criterion allows at most (``inf`` when unbounded)."""
        return math.inf

    #: whether the criterion ends a search that never improves (a target alone does not: it waits for a solution
    #: that may not exist); a user's own criterion is trusted to
    ends_by_itself = True

    def __or__(self, other: StoppingCriterion) -> StoppingCriterion:
        if not isinstance(other, StoppingCriterion):
            raise ParameterError(f"a stopping criterion combines with another one (MaxRuntime, MaxIterations, "
                                 f"TargetObjective, NoImprovement), not with {type(other).__name__} {other!r:.40}")
        return AnyOf([self, other])


def _whole(v, what: str) -> int:
    """``v`` as a whole number of at least 1 (not 1.5, "3", True or NaN): :class:`ParameterError` otherwise."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v != int(v) or v < 1:
        raise ParameterError(f"{what} must be a whole number of at least 1, got {v!r:.40}")
    return int(v)


def _number(v, what: str) -> float:
    """``v`` as a finite number (not "5", True or None): :class:`ParameterError` otherwise."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(float(v)):
        raise ParameterError(f"{what} must be a finite number, got {v!r:.40}")
    return float(v)


class AnyOf(StoppingCriterion):
    """Stop as soon as any of the criteria says so."""

    def __init__(self, criteria: list[StoppingCriterion]):
        self.criteria: list[StoppingCriterion] = []
        for c in criteria:
            self.criteria.extend(c.criteria if isinstance(c, AnyOf) else [c])

    def __call__(self, state: SearchState) -> bool:
        return any(c(state) for c in self.criteria)

    def time_limit(self) -> float:
        return min((c.time_limit() for c in self.criteria), default=math.inf)

    @property
    def ends_by_itself(self) -> bool:  # type: ignore[override]
        return any(c.ends_by_itself for c in self.criteria)

    def __repr__(self) -> str:
        return " | ".join(repr(c) for c in self.criteria)


class MaxRuntime(StoppingCriterion):
    """Stop after ``seconds`` of wall-clock time (compile time included)."""

    def __init__(self, seconds: float):
        self.seconds = _number(seconds, "the time limit")
        if not self.seconds > 0:
            raise ParameterError(f"time limit must be positive, got {seconds}")

    def __call__(self, state: SearchState) -> bool:
        return state.elapsed >= self.seconds

    def time_limit(self) -> float:
        return self.seconds

    def __repr__(self) -> str:
        return f"MaxRuntime({self.seconds:g})"


class MaxIterations(StoppingCriterion):
    """Stop after ``n`` outer iterations."""

    def __init__(self, n: int):
        self.n = _whole(n, "the iteration limit")

    def __call__(self, state: SearchState) -> bool:
        return state.iterations >= self.n

    def __repr__(self) -> str:
        return f"MaxIterations({self.n})"


class TargetObjective(StoppingCriterion):
    """Stop once a feasible objective at least as good as ``target`` is found."""

    ends_by_itself = False

    def __init__(self, target: float):
        self.target = _number(target, "target")

    def __call__(self, state: SearchState) -> bool:
        b = state.best
        if b is None:
            return False
        return b <= self.target + 1e-9 if state.sense == "min" else b >= self.target - 1e-9

    def __repr__(self) -> str:
        return f"TargetObjective({self.target:g})"


class NoImprovement(StoppingCriterion):
    """Stop after ``n`` consecutive outer iterations without improvement."""

    def __init__(self, n: int):
        self.n = _whole(n, "the no-improvement limit")

    def __call__(self, state: SearchState) -> bool:
        return state.iterations - state.best_iteration >= self.n

    def __repr__(self) -> str:
        return f"NoImprovement({self.n})"


def make_criteria(
    time_limit: float | None = None,
    max_iterations: int | None = None,
    target: float | None = None,
    no_improvement: int | None = None,
    default: StoppingCriterion | None = None,
) -> StoppingCriterion:
    """Combine the usual keyword limits into one criterion.

    ``default`` is used when no limit at all is given.
    """
    parts: list[StoppingCriterion] = []
    if time_limit is not None:
        parts.append(MaxRuntime(time_limit))
    if max_iterations is not None:
        parts.append(MaxIterations(max_iterations))
    if no_improvement is not None:
        parts.append(NoImprovement(no_improvement))
    if not parts and default is not None:
        parts.append(default)
    if target is not None:
        parts.append(TargetObjective(target))
    if not parts:
        parts.append(MaxIterations(1))
    return AnyOf(parts)


#: what heuristics do when the caller gives no limit at all (deterministic: no clock)
DEFAULT_HEURISTIC_STOP = NoImprovement(10) | MaxIterations(200)


@dataclass
class SearchState:
    """What a running solver knows: time, iterations, incumbent, trace."""

    sense: str
    criterion: StoppingCriterion
    start: float = field(default_factory=time.perf_counter)
    iterations: int = 0
    best: float | None = None
    best_solution: object = None
    best_iteration: int = 0
    trace: list[tuple[float, float]] = field(default_factory=list)
    callback: Callable[[SearchState], None] | None = None
    interrupted: bool = False
    #: the incumbent meets :attr:`bound` (or a solver proved it optimal): the search stops
    proven_optimal: bool = False
    #: best proven bound on the optimum known to the search (in the problem's sense and units)
    bound: float | None = None
    #: seconds after :attr:`start` at which the incumbent was proved optimal
    proved_at: float | None = None
    #: every objective value is a whole number (:meth:`Problem.integral_objective`): offered bounds are rounded
    integral: bool = False
    #: the magnitude of the objective's coefficients where below 1 (:meth:`Problem.objective_scale`): the tolerance
    #: with which a bound meets the incumbent scales with it
    scale: float = 1.0
    #: seconds the last outer iteration took (used to avoid starting one that cannot finish in time)
    last_iteration_time: float = 0.0
    _iteration_started: float | None = None
    _compiled_at: float = 0.0  # the run's compile seconds when the current iteration started

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def time_left(self) -> float:
        return max(0.0, self.criterion.time_limit() - self.elapsed)

    def is_better(self, value: float) -> bool:
        if self.best is None:
            return True
        tol = 1e-12 * self.scale  # (profits of 1e-200 improve by 1e-200)
        return value < self.best - tol if self.sense == "min" else value > self.best + tol

    def report(self, value: float, solution: object) -> bool:
        """Offer a feasible candidate; returns True when it improved the incumbent."""
        if value is None or not math.isfinite(value) or not self.is_better(value):
            return False
        self.best = float(value)
        self.best_solution = solution
        self.best_iteration = self.iterations
        self.trace.append((self.elapsed, self.best))
        self._check_proof()
        if self.callback is not None:
            self.callback(self)
        return True

    def offer_bound(self, bound: float | None) -> None:
        """Hand over a proven bound; the search stops once the incumbent meets the tightest one."""
        if bound is None or not math.isfinite(bound):
            return
        if self.integral:
            bound = integral_bound(float(bound), self.sense)
        self.bound = tighter(self.bound, float(bound), self.sense)
        self._check_proof()

    def mark_proven(self) -> None:
        """Record that the incumbent was proved optimal (by the solver's own argument) now."""
        if not self.proven_optimal:
            self.proven_optimal = True
            self.proved_at = self.elapsed

    def _check_proof(self) -> None:
        if not self.proven_optimal and self.bound is not None and meets(self.best, self.bound, self.sense, self.scale):
            self.mark_proven()

    def begin_iterations(self) -> None:
        """The solver's set-up (start solutions, compilation) is over: the first iteration is timed from now,
        and the set-up does not count as one (so a long set-up does not stop the run as if every iteration
        took that long)."""
        self._iteration_started = self.elapsed
        self._compiled_at = _compile_seconds()

    def outside_iterations(self, seconds: float, compiled: float = 0.0) -> None:
        """``seconds`` just spent on work between a search's iterations (a bound, a slice of a proof), ``compiled`` of
        them compiling kernels: the current iteration's time leaves them out (the compile once, not again in
        :meth:`next_iteration`), so that one long bound does not make the next iteration look too long to fit the
        time left (a clique proof's 2.5 s slice ended a 10 s ``sa-ils`` run at 6.6 s)."""
        if self._iteration_started is not None:
            self._iteration_started += max(0.0, seconds)
        self._compiled_at += max(0.0, compiled)

    def next_iteration(self) -> None:
        now = self.elapsed
        start = self._iteration_started if self._iteration_started is not None else 0.0
        # Numba compiling inside the iteration (an in-process compile) is no part of the next one's time
        compiled = _compile_seconds()
        self.last_iteration_time = max(0.0, now - start - (compiled - self._compiled_at))
        self._compiled_at = compiled
        self._iteration_started = now
        self.iterations += 1
        if self.callback is not None:
            self.callback(self)

    def should_stop(self, sized: bool = False) -> bool:
        """True when a criterion is met, or when another iteration like the last (or, inside an iteration, the
        rest of one like the last) would overrun the time limit.

        ``sized=True``: the solver fits each call into the time left itself (:class:`~combopt.core.budget.StepBudget`),
        so the guard is not applied: it stopped ``ils`` after 6.9 s of 10 on a 200,000-vertex graph, where a call
        fitted to the 3 s left would have run."""
        if not self.proven_optimal and self.bound is not None:
            self._check_proof()  # a solver may assign ``bound`` directly
        if _PENDING_INTERRUPT[0]:
            self.interrupted = True
        if self.interrupted or self.proven_optimal or self.criterion(self):
            return True
        limit = self.criterion.time_limit()
        if self.iterations > 0 and math.isfinite(limit) and not sized:
            # the first iteration carries JIT compilation: judge by the last one only. Asked inside an
            # iteration (between the phases of a hybrid), what is left of one like the last counts, not a
            # whole one: sa-ils on a 200,000-vertex graph stopped after 13 s of 20 that way, between phases
            now = self.elapsed
            into = 0.0 if self._iteration_started is None else max(0.0, now - self._iteration_started)
            return now + max(0.0, self.last_iteration_time - into) > limit * 1.05
        return False



#: a Ctrl-C the CLI's handler saw (see :func:`request_interrupt`): kept even where its KeyboardInterrupt was lost
_PENDING_INTERRUPT = [False]


def request_interrupt() -> None:
    """Record a Ctrl-C. The CLI's SIGINT handler calls it before raising KeyboardInterrupt: raised inside a ctypes
    callback (llvmlite loading a kernel from Numba's cache) the exception is printed as "ignored" and dropped, and
    the run went on to its time limit and exited 0; every :meth:`SearchState.should_stop` now sees it."""
    _PENDING_INTERRUPT[0] = True


def raise_interrupt(signum, frame) -> None:
    """The CLI's SIGINT handler: :func:`request_interrupt`, then KeyboardInterrupt as Python's own handler raises it
    (:func:`~combopt.solvers.common.deferred_interrupt` holds it inside a kernel's block as it holds Python's)."""
    request_interrupt()
    raise KeyboardInterrupt


def interrupt_pending() -> bool:
    return _PENDING_INTERRUPT[0]


def clear_interrupt() -> None:
    _PENDING_INTERRUPT[0] = False


def _compile_seconds() -> float:
    """:func:`.warm.compile_seconds` (imported here when called: :mod:`.warm` imports this module's users)."""
    from .warm import compile_seconds

    return compile_seconds()
