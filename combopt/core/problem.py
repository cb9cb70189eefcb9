"""Base class of problem adapters and the evaluation record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Evaluation:
    """Independent evaluation of a solution: objective, feasibility, violations."""

    objective: float | None
    feasible: bool
    violations: list[str] = field(default_factory=list)


#: share of a timed run the problem's own bound may take (:meth:`Problem.bound_within`; ``combopt.solve`` computes it
#: before the solver starts): an LP bound of 0.9 s took most of a 1 s FIR run (order 200), which then answered with
#: the rounded Remez design
BOUND_SHARE = 0.1


class Problem:
    """A problem instance read from a file or built in code.

    Subclasses set ``kind``, ``name`` and ``sense`` and implement
    :meth:`evaluate`. Problems that can be solved through the QUBO engine
    implement :meth:`to_qubo` and :meth:`from_qubo_sample`; problems with an
    exact MILP implement :meth:`to_pulp`.
    """

    kind: str = "problem"
    name: str = "instance"
    sense: str = "min"
    source: str | None = None

    # -- required -----------------------------------------------------------
    def evaluate(self, solution: Any) -> Evaluation:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- optional hooks -------------------------------------------------------
    @property
    def num_variables(self) -> int:
        return 0

    def to_qubo(self, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.kind} has no QUBO reduction")

    def from_qubo_sample(self, x, rng=None):
        """Turn one QUBO sample into a (repaired, improved) solution."""
        return x

    def from_qubo_samples(self, X, rng=None, **hints) -> list:
        return [self.from_qubo_sample(x, rng) for x in X]

    def to_pulp(self):  # pragma: no cover - abstract
        """Return ``(pulp.LpProblem, decode)``; ``decode()`` reads the solution back."""
        raise NotImplementedError(f"{self.kind} has no MILP model")

    #: nonzero terms a second at which :meth:`to_pulp` builds its model, where it differs from the ``milp``
    #: solver's default (``None``: that default)
    milp_terms_per_s: float | None = None

    def milp_terms(self) -> int | None:
        """About how many nonzero terms :meth:`to_pulp` would build (objective and rows), without building it;
        ``None`` when not estimated. The ``milp`` solver refuses models far too large to build in PuLP."""
        return None

    #: QUBO couplings a second at which :meth:`to_qubo` / :meth:`lagrangian_model` build their models, where it
    #: differs from the QUBO solvers' default (``None``: that default)
    qubo_terms_per_s: float | None = None

    def qubo_terms(self, lagrangian: bool = False) -> int | None:
        """About how many couplings :meth:`to_qubo` (or, with ``lagrangian``, :meth:`lagrangian_model`'s
        objective) would store, without building it; ``None`` when not estimated or small. A timed run of a QUBO
        solver whose model could not be built within its limit answers with :meth:`construct` instead. Raises
        the :class:`ParameterError` building would raise where the model is over the problem's size limit."""
        return None

    def construct(self) -> Any:
        """A quick solution built with numpy alone (no Numba kernel), or ``None``.

        A time-limited run whose kernels are still compiling (first run on a fresh machine)
        returns it, so it should be feasible wherever that is cheap: greedy, nearest neighbour,
        a priority rule, rounding (see :mod:`combopt.core.warm`).
        """
        return None

    def bound(self) -> float | None:
        """A cheap proven bound on the optimum, when the problem has one."""
        return None

    def bound_within(self, seconds: float) -> float | None:
        """:meth:`bound` when it takes about ``seconds`` or less, else ``None``: ``combopt.solve`` computes it before
        a timed solver starts, inside the run's limit. Default: :meth:`bound` (problems whose bound can cost a
        large part of a short run, an LP, override this)."""
        return self.bound()

    def integral_objective(self) -> bool:
        """True when every feasible solution's objective is a whole number (set sizes, integer tour lengths,
        makespans, integer profits): a proven bound then rounds to the whole number on its side
        (:func:`combopt.core.status.integral_bound`), so that a Lagrangian bound of 875248.66 proves 875248."""
        return False

    def solution_to_json(self, solution: Any) -> Any:
        return solution

    def solution_from_json(self, data: Any, path: str | None = None) -> Any:
        return data

    def solution_claims(self, data: Any) -> list[str]:
        """Mismatches between derived fields a result file states for its solution and the
        solution itself (e.g. RCPSP finish times that are not start + duration); one line each."""
        return []

    def describe(self) -> str:
        return f"{self.kind} {self.name}"

    def figure(self, solution: Any, label: str = "solution"):
        """The family's picture of a solution, a matplotlib ``Figure`` (Gantt chart, frequency response,
        reconstruction, tour, graph, coupling), or ``None`` where the family has none: then
        :func:`combopt.api.figure` draws the run's progress instead. Built without pyplot (no global state, no
        backend switch), so it works the same in scripts, on servers and in notebooks (``display(fig)``)."""
        return None
