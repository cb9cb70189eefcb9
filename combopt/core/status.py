"""The one place that turns a solver's output into status, bound and gap.

Status, bound and gap are claims users compare solvers by, so they obey
invariants checked here and nowhere else:

* a bound is on the right side of the objective: for a maximisation
  ``bound >= objective``, for a minimisation ``bound <= objective``, within
  :func:`side_tolerance`;
* ``optimal`` only with a feasible solution whose objective meets a proven
  bound (the back end's own proof or a bound given with the result), and the
  reported bound then equals the objective;
* :func:`relative_gap` never clamps: a negative gap can only come from a bound
  on the wrong side, which :func:`settle` never lets through.

A bound on the wrong side is a bug in a solver or a bound. In tests (``STRICT``,
set by ``COMBOPT_STRICT_BOUNDS=1`` or by assigning :data:`STRICT`) it raises
:class:`BoundViolation`; in a release it is dropped, a warning is kept in the
result's ``info["warnings"]``, and it never yields ``optimal``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

#: raise :class:`BoundViolation` instead of dropping a wrong claim (tests set this)
STRICT: bool = os.environ.get("COMBOPT_STRICT_BOUNDS", "").strip() not in ("", "0", "false", "no")

#: relative tolerance of "on the right side" (LP and MILP back ends work to about 1e-9..1e-6)
SIDE_RTOL = 1e-6
#: relative tolerance of "the bound meets the objective" (optimality)
MEET_RTOL = 1e-9


class BoundViolation(AssertionError):
    """A claim that contradicts a proof: a bound on the wrong side, a false 'optimal' or 'infeasible'."""


def _scale(objective: float, scale: float = 1.0) -> float:
    return max(scale, abs(float(objective)))


def side_tolerance(objective: float, scale: float = 1.0) -> float:
    """How far a bound may lie on the wrong side of ``objective`` and still count as numerical noise. ``scale``:
    the magnitude of the problem's objective coefficients where below 1 (:meth:`Problem.objective_scale`), so that
    a knapsack whose profits are 1e-9 is not proven optimal 1e-9 away from its optimum."""
    return SIDE_RTOL * _scale(objective, scale)


def meet_tolerance(objective: float, scale: float = 1.0) -> float:
    """How close a bound must be to ``objective`` to prove it optimal (``scale``: see :func:`side_tolerance`)."""
    return MEET_RTOL * _scale(objective, scale)


def _room(objective: float, bound: float, sense: str) -> float:
    """How far ``bound`` lies beyond ``objective`` on a bound's side (negative: on the wrong side)."""
    return (objective - bound) if sense == "min" else (bound - objective)


def relative_gap(objective: float | None, bound: float | None, sense: str, scale: float = 1.0) -> float | None:
    """Relative gap ``(bound - objective) / |objective|`` (maximisation) or ``(objective - bound) / |objective|``.

    Zero when they meet, positive while the bound is on the right side, and
    negative when it is on the wrong side (never clamped). ``None`` when
    either value is missing or not finite. ``|objective|`` below ``1e-9 * scale`` counts
    as that floor while the two differ by at most it; further apart, the gap to a zero
    objective is undefined and ``None`` (MILP solvers print it as infinite: dividing by
    the floor gave figures like 5e8 that looked measured). ``scale``: the problem's
    :meth:`~combopt.core.problem.Problem.objective_scale` (scores of data in small units, 1e-190, have a gap of 17 %,
    not 6e-182 against a floor of 1e-9).
    """
    if objective is None or bound is None:
        return None
    objective, bound = float(objective), float(bound)
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    diff = _room(objective, bound, sense)
    # at least the least float: 1e-9 of a subnormal scale (an EBIM rate of 1e-320) is 0, and a zero objective met
    # by its bound divided 0 by it (ZeroDivisionError from combopt solve)
    floor = max(1e-9 * min(1.0, scale), math.ulp(0.0)) if scale > 0 else 1e-9
    if abs(objective) < floor and abs(diff) > floor:
        return None
    return diff / max(abs(objective), floor)


def integral_bound(bound: float | None, sense: str) -> float | None:
    """``bound`` rounded to the whole number on its side (down for a maximisation, up for a minimisation) when
    every objective value is a whole number: still a bound, and a tighter one. A relative 1e-9 (at least 1e-6)
    is granted first, so that numerical noise (875249 - 1e-10) does not round a bound to the wrong whole
    number; missing or non-finite bounds pass through."""
    if bound is None or not math.isfinite(bound):
        return bound
    tol = max(1e-6, 1e-9 * abs(bound))
    return float(math.floor(bound + tol)) if sense == "max" else float(math.ceil(bound - tol))


def right_side(objective: float, bound: float, sense: str, scale: float = 1.0) -> bool:
    """True when ``bound`` is a possible bound for a solution of value ``objective`` (within tolerance)."""
    return _room(objective, bound, sense) >= -side_tolerance(objective, scale)


def meets(objective: float | None, bound: float | None, sense: str, scale: float = 1.0) -> bool:
    """True when ``bound`` proves ``objective`` optimal (right side and within :func:`meet_tolerance`)."""
    if objective is None or bound is None or not (math.isfinite(objective) and math.isfinite(bound)):
        return False
    return -side_tolerance(objective, scale) <= _room(objective, bound, sense) <= meet_tolerance(objective, scale)


def tighter(a: float | None, b: float | None, sense: str) -> float | None:
    """The tighter of two proven bounds (the smaller for a maximisation, the larger for a minimisation)."""
    if a is None or not math.isfinite(a):
        return b if b is not None and math.isfinite(b) else None
    if b is None or not math.isfinite(b):
        return a
    return min(a, b) if sense == "max" else max(a, b)


def violation(message: str, warnings: list[str]) -> None:
    """Raise :class:`BoundViolation` under :data:`STRICT`, else record ``message`` in ``warnings``."""
    if STRICT:
        raise BoundViolation(message)
    warnings.append(message)


@dataclass
class Claims:
    """Status, bound and gap after the invariants were applied."""

    status: str
    bound: float | None
    gap: float | None
    proved_by: str | None = None
    warnings: list[str] = field(default_factory=list)


def settle(
    sense: str,
    objective: float | None,
    feasible: bool,
    bounds: Iterable[tuple[str, float | None]] = (),
    proven_optimal: bool = False,
    infeasible: bool = False,
    prover: str = "solver",
    unbounded: bool = False,
    scale: float = 1.0,
) -> Claims:
    """Status, bound and gap of a run from what it found and what it proved.

    Parameters
    ----------
    sense
        ``"min"`` or ``"max"``.
    objective, feasible
        The incumbent's objective and feasibility, from the problem's own ``evaluate``.
    bounds
        ``(source, value)`` pairs: every proven bound the run has (the solver's,
        the problem's cheap one, ...). Missing or non-finite values are ignored;
        one on the wrong side of a feasible objective is a violation (see the
        module docstring) and is dropped.
    proven_optimal
        The back end's own proof that the incumbent is optimal (e.g. a MILP
        solver's "optimal" status with a zero gap).
    infeasible
        The back end's proof that no feasible solution exists.
    unbounded
        The back end's proof that the objective is unbounded (no finite optimum).
    prover
        Name used in the messages for the source of ``proven_optimal`` / ``infeasible``.
    scale
        The magnitude of the objective's coefficients where below 1 (see :func:`side_tolerance`).

    Returns
    -------
    Claims
        ``status`` is one of ``optimal``, ``feasible``, ``infeasible``, ``unbounded``, ``unknown``.
    """
    warnings: list[str] = []
    has_incumbent = bool(feasible) and objective is not None and math.isfinite(objective)
    if feasible and not has_incumbent:
        violation(f"a solution evaluated as feasible has the objective {objective!r}; treated as infeasible", warnings)
    if infeasible and has_incumbent:
        violation(f"{prover} claims the problem infeasible, but it returned a feasible solution "
                  f"(objective {objective:g}); the claim is dropped", warnings)
        infeasible = False
    if infeasible:
        return Claims("infeasible", None, None, prover, warnings)
    if unbounded:
        return Claims("unbounded", None, None, prover, warnings)

    bound: float | None = None
    for source, value in bounds:
        if value is None:
            continue
        value = float(value)
        if not math.isfinite(value):
            continue
        if has_incumbent and not right_side(objective, value, sense, scale):
            side = "below" if sense == "max" else "above"
            violation(f"{source} bound {value:g} is {side} the objective {objective:g} of a "
                      f"{'maximisation' if sense == 'max' else 'minimisation'}; the bound is dropped", warnings)
            continue
        bound = tighter(bound, value, sense)

    if not has_incumbent:
        if proven_optimal:
            violation(f"{prover} claims optimality without a feasible solution; the claim is dropped", warnings)
        return Claims("unknown", bound, None, None, warnings)

    proved_by = None
    if proven_optimal:
        # the proof stands unless a proven bound leaves room for a better solution beyond numerical noise
        if bound is not None and _room(objective, bound, sense) > side_tolerance(objective, scale):
            violation(f"{prover} claims {objective:g} optimal, but its bound {bound:g} does not meet it; "
                      f"reported as feasible", warnings)
        else:
            proved_by = prover
    if proved_by is None and meets(objective, bound, sense, scale):
        proved_by = "bound"
    if proved_by is not None:
        return Claims("optimal", float(objective), 0.0, proved_by, warnings)
    return Claims("feasible", bound, relative_gap(objective, bound, sense, scale), None, warnings)
