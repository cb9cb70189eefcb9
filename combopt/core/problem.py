"""Base class of problem adapters and the evaluation record."""

from __future__ import annotations

import math
from collections.abc import Mapping
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
    #: files besides the instance file that it reads (a spec's weights, activations, phantom image): inputs that no
    #: output of a run may overwrite, even with --force
    input_files: tuple = ()

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

    def objective_scale(self) -> float:
        """The magnitude of the objective's coefficients where it is below 1, else 1 (the default): the tolerances
        with which a bound meets an objective or lies on its right side scale with it
        (:func:`combopt.core.status.side_tolerance`), and the ``milp`` solver hands its back end the objective
        divided by it. A knapsack whose profits are 1e-9 was proven optimal 1e-9 from its optimum."""
        return 1.0

    def solution_to_json(self, solution: Any) -> Any:
        return solution

    def solution_from_json(self, data: Any, path: str | None = None) -> Any:
        return data

    def known_solution(self) -> Any:
        """A feasible solution the instance file carries (a witness), or ``None``: ``combopt check`` refutes an
        "infeasible" status, and a bound on the wrong side of its objective, with it."""
        return None

    def solution_claims(self, data: Any) -> list[str]:
        """Mismatches between derived fields a result file states for its solution and the
        solution itself (e.g. RCPSP finish times that are not start + duration); one line each."""
        return []

    def qubo_variable_names(self, **reduction) -> list[str] | None:
        """Names for the variables of ``to_qubo(**reduction)`` in an export, counted from 1 as instance files count
        (``None``: ``x0``, ``x1``, ...)."""
        return None

    #: a fast heuristic whose answer ``combopt check`` also holds against a result's bound and status, for a
    #: family whose quick construction is too weak to refute them (EBIM, MEC-B)
    witness_solver: str | None = None

    #: what reading the instance changed in what it was given (one line each; ``combopt solve`` prints them as notes)
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"{self.kind} {self.name}"

    def figure(self, solution: Any, label: str = "solution"):
        """The family's picture of a solution, a matplotlib ``Figure`` (Gantt chart, frequency response,
        reconstruction, tour, graph, coupling), or ``None`` where the family has none: then
        :func:`combopt.api.figure` draws the run's progress instead. Built without pyplot (no global state, no
        backend switch), so it works the same in scripts, on servers and in notebooks (``display(fig)``)."""
        return None


def index_list(solution: Any, n: int, what: str = "vertex") -> tuple[Any, list[str]]:
    """``(int64 array, [])`` of a flat list of indices in ``0..n-1`` (a list, tuple or 1-D array of integers, or of
    floats with whole values); ``(None, [violation])`` for anything else, the violation saying what was expected:
    ``None``, a string, a dict, a single number, a ragged or nested list, booleans (a 0/1 mask is not a list of
    indices), NaN, fractions, and indices outside ``0..n-1`` (a huge one included: no overflow). Duplicates are
    left to the caller."""
    import numpy as np

    expected = f"expected a flat list of {what} indices (integers 0..{n - 1})"
    if solution is None or isinstance(solution, (str, bytes, Mapping)):
        return None, [f"the solution is {describe_value(solution)}; {expected}"]
    if isinstance(solution, (set, frozenset)):  # a set of indices is one (in no particular order)
        try:
            solution = sorted(solution)
        except TypeError:
            return None, [f"the solution is a set of mixed values; {expected}"]
    try:
        t = np.asarray(solution)
    except (TypeError, ValueError, OverflowError):  # a ragged list
        return None, [f"the solution is not a flat list of numbers (a ragged or nested list?); {expected}"]
    if t.ndim == 0:
        return None, [f"the solution is {describe_value(solution)}, not a list; {expected}"]
    if t.ndim != 1:
        return None, [f"the solution has shape {t.shape}; {expected}"]
    if t.size == 0:
        return np.zeros(0, dtype=np.int64), []
    if t.dtype == object:  # Python integers beyond int64, None, dicts, mixed objects
        values = t.tolist()
        for v in values:
            if not isinstance(v, (int, np.integer)) or isinstance(v, (bool, np.bool_)):
                return None, [f"{what} index {short_repr(v)} is not an integer; {expected}"]
        if any(not 0 <= int(v) < n for v in values):
            return None, [f"{what} index out of range 0..{n - 1}"]
        return np.asarray(values, dtype=np.int64), []
    if t.dtype.kind == "b":
        return None, [f"the solution holds booleans; {expected} (a 0/1 mask converts with numpy.flatnonzero)"]
    if t.dtype.kind == "f":
        finite = np.isfinite(t)
        if not finite.all():
            return None, [f"{what} index {short_repr(t[~finite][0])} is not a finite number; {expected}"]
        frac = t != np.round(t)
        if frac.any():
            return None, [f"{what} index {short_repr(t[frac][0])} is not an integer; {expected}"]
    elif t.dtype.kind not in "iu":  # strings, complex numbers, dates
        held = {"U": "strings", "S": "bytes", "c": "complex numbers"}.get(t.dtype.kind, f"{t.dtype} values")
        return None, [f"the solution holds {held}; {expected}"]
    if t.min() < 0 or t.max() >= n:  # before the cast: a float of 1e300 has no int64
        return None, [f"{what} index out of range 0..{n - 1}"]
    return t.astype(np.int64), []


def describe_value(value: Any) -> str:
    """``None``, ``a str 'abc'``, ``a dict``, ``an ndarray``: what a wrong value is, for a message."""
    if value is None:
        return "None"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" or name == "ndarray" else "a"
    if isinstance(value, (str, bytes, int, float)):
        return f"{article} {name} {short_repr(value)}"
    return f"{article} {name}"


def short_repr(value: Any, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters, for a message quoting a wrong value; a huge integer by its size
    (``repr`` refuses integers of over 4300 digits)."""
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalar: 3.5, not np.float64(3.5)
    if isinstance(value, int) and value.bit_length() > 128:
        return f"(an integer of about {int(value.bit_length() * math.log10(2))} digits)"
    if isinstance(value, tuple) and len(value) <= 4:  # a key such as (0, 10**5000)
        r = "(" + ", ".join(short_repr(v, width) for v in value) + ("," if len(value) == 1 else "") + ")"
        return r if len(r) <= width else r[:width - 3] + "..."
    try:
        r = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the message about the value
        r = f"<{type(value).__name__}>"
    return r if len(r) <= width else r[:width - 3] + "..."


def objective_scale(problem) -> float:
    """:meth:`Problem.objective_scale` of ``problem``; 1 where it fails or is not a number in (0, 1]."""
    from .errors import CombOptError

    try:
        s = float(problem.objective_scale())
    except (CombOptError, AttributeError, TypeError, ValueError):
        return 1.0
    return s if math.isfinite(s) and 0.0 < s <= 1.0 else 1.0


def coefficient_scale(*arrays) -> float:
    """:meth:`Problem.objective_scale` of an objective with these coefficients: their largest magnitude where it
    is below 1 (and not 0), else 1."""
    import numpy as np

    m = max((float(np.max(np.abs(a))) for a in arrays if np.size(a)), default=0.0)
    return m if 0.0 < m < 1.0 else 1.0


def integer_array(values: Any):
    """``values`` as a new int64 array (a copy: the caller's may change after): integers, or floats that are whole
    numbers (``2.0``; ``0.5``, NaN and inf are not); ``ValueError`` otherwise (the caller names the argument)."""
    import numpy as np

    try:
        a = np.asarray(values)
        if a.size and not np.issubdtype(a.dtype, np.integer):
            af = np.asarray(a, dtype=np.float64)
            if not np.all(np.isfinite(af)) or np.any(af != np.round(af)) or np.any(np.abs(af) >= 2.0**63):
                raise ValueError("not integers of 64 bits")
            a = af
        return np.array(a, dtype=np.int64)
    except (TypeError, OverflowError) as e:
        raise ValueError(str(e)) from None


def number_array(values: Any, what: str, order: str = "K"):
    """``values`` as a new float64 array for a problem built in code; :class:`ParameterError` naming ``what`` for text,
    ragged lists, complex numbers or integers beyond a float (numpy's own ValueError or TypeError otherwise)."""
    import numpy as np

    from .errors import ParameterError

    try:
        if np.iscomplexobj(values):
            raise TypeError("complex numbers")
        return np.array(values, dtype=np.float64, order=order)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{what} must be an array of real numbers (not text, a ragged list or complex numbers), "
                             f"got {short_repr(values)}") from None


def real_array(solution: Any):
    """``solution`` as a float64 array, or ``None`` where it holds no real numbers: text, a ragged list, an integer of
    400 digits, or complex numbers (which ``numpy.asarray(..., float64)`` would cut to their real parts with only a
    warning)."""
    import numpy as np

    try:
        if np.iscomplexobj(solution):
            return None
        return np.asarray(solution, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
