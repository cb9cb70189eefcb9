"""Re-check what a result file claims against the instance (``combopt check``).

A result written by ``combopt solve --out`` makes claims besides its solution:
the problem kind and sense, feasibility, the objective, a status, a bound and
a gap. :func:`check_claims` recomputes each from the instance and the solution
alone and returns one line per claim that does not hold. Claims the file does
not make are not checked (a bare solution list makes none).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .problem import Evaluation, Problem, objective_scale
from .status import meet_tolerance, meets, relative_gap, right_side

#: the status values a result may carry
STATUSES = ("optimal", "feasible", "infeasible", "unbounded", "unknown")


def evaluate_finite(problem: Problem, solution: Any) -> Evaluation:
    """``problem.evaluate(solution)``, except that a non-finite objective is never feasible.

    An instance with NaN or infinite data (a NaN weight, say) must not accept a
    solution whose objective cannot be compared with anything.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, not warned about
        ev = problem.evaluate(solution)
    if ev.feasible and (ev.objective is None or not math.isfinite(ev.objective)):
        return Evaluation(ev.objective, False, list(ev.violations) + [
            f"the objective is {ev.objective!r}, not a finite number (NaN or infinite values in the instance, or "
            "values in the solution so large that it overflows)"])
    return ev


def _number(data: dict, key: str, out: list[str]) -> tuple[bool, float | None]:
    """``(present, value)`` of a numeric claim; a non-number is a mismatch."""
    if key not in data or data[key] is None:
        return False, None
    v = data[key]
    f = math.nan
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            f = float(v)
        except OverflowError:  # a 400-digit integer
            out.append(f"{key}: the result claims an integer beyond the range of a float (about 1.8e308)")
            return False, None
    if not math.isfinite(f):
        out.append(f"{key}: the result claims {v!r}, which is not a finite number")
        return False, None
    return True, f


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= max(meet_tolerance(b), 1e-12)


def check_claims_without_solution(problem: Problem, data: dict, kind_given: bool = False) -> list[str]:
    """:func:`check_claims` for a result without a solution: a run that found none can claim the status unknown,
    or infeasible / unbounded (a proof), and neither an objective nor a gap nor feasibility."""
    out = check_claims(problem, {k: v for k, v in data.items() if k in ("problem", "sense")},
                       Evaluation(None, False, []), kind_given)
    status = data.get("status")
    if status is not None and status not in STATUSES:
        out.append(f"status: {status!r} is not one of {', '.join(STATUSES)}")
    elif status in ("optimal", "feasible"):
        out.append(f"status: the result claims {status}, but it holds no solution")
    if data.get("feasible"):
        out.append("feasible: the result claims True, but it holds no solution")
    for key in ("objective", "gap"):
        if data.get(key) is not None:
            out.append(f"{key}: the result claims {data[key]!r}, but it holds no solution")
    _number(data, "bound", out)  # a bound without a solution cannot be checked against one, but must be a number
    out.extend(_witness_claims(problem, data))
    # the problem's own refutations that need no solution (a DAG bound above the best order's score, say); the
    # objective was reported above
    out.extend(problem.solution_claims({k: v for k, v in data.items() if k != "objective"}))
    return out


def _witness_claims(problem: Problem, data: dict) -> list[str]:
    """The claims a feasible solution refutes (one the instance carries, :meth:`Problem.known_solution`, else the
    problem's quick construction): an infeasible (or unbounded) status, a bound on the wrong side of its objective."""
    known, what = problem.known_solution(), "the instance's own witness solution"
    if known is None:  # else the problem's quick construction: any tour, the empty clique, an empty knapsack, ...
        from .errors import CombOptError

        try:
            known, what = problem.construct(), "a solution combopt constructs for the instance"
        except (CombOptError, ArithmeticError, ValueError, MemoryError):
            known = None
    return refuted_by(problem, data, known, what) if known is not None else []


def refuted_by(problem: Problem, data: dict, solution: Any, what: str) -> list[str]:
    """The claims of ``data`` that the feasible ``solution`` (described as ``what``) refutes: an infeasible (or
    unbounded) status, a bound on the wrong side of its objective; none when it is not feasible."""
    ev = evaluate_finite(problem, solution)
    if not ev.feasible:
        return []
    out = []
    status = data.get("status")
    obj = ev.objective + 0.0  # (no "-0")
    if status in ("infeasible", "unbounded"):
        out.append(f"status: the result claims the problem {status}, but {what} is feasible (objective {obj:g})")
    ok, bound = _number(data, "bound", [])
    if ok and not right_side(ev.objective, bound, problem.sense, objective_scale(problem)):
        side = "below" if problem.sense == "max" else "above"
        out.append(f"bound: the result claims {bound:g}, {side} the objective {obj:g} of {what}")
    return out


def check_claims(problem: Problem, data: Any, ev: Evaluation, kind_given: bool = False) -> list[str]:
    """Lines naming every claim of the result ``data`` that the instance and the solution do not support.

    Parameters
    ----------
    problem
        The instance, read with the kind from ``--kind`` or from the file itself.
    data
        The parsed result file (a dict as written by ``combopt solve --out``;
        anything else makes no claims).
    ev
        The independent evaluation of the result's solution (see :func:`evaluate_finite`).
    kind_given
        Whether the kind came from ``--kind`` (only changes the wording).
    """
    out: list[str] = []
    if not isinstance(data, dict):
        return out
    claimed_kind = data.get("problem")
    if claimed_kind is not None and claimed_kind != problem.kind:
        where = "--kind" if kind_given else "the instance file"
        out.append(f"problem: the result is for {claimed_kind!r}, but {where} makes this a {problem.kind!r} instance "
                   f"(pass --kind {claimed_kind} to check it as one)")
    sense = data.get("sense")
    if sense is not None and sense != problem.sense:
        out.append(f"sense: the result claims {sense!r}, the {problem.kind} instance is a "
                   f"{'maximisation' if problem.sense == 'max' else 'minimisation'} ({problem.sense!r})")
    feasible = bool(ev.feasible)
    obj = ev.objective if feasible else None

    claimed_feasible = data.get("feasible")
    if "feasible" in data and not isinstance(claimed_feasible, bool):  # "yes", 5, null: no claim we can read
        out.append(f"feasible: {claimed_feasible!r} is not true or false")
    elif claimed_feasible is not None and claimed_feasible != feasible:
        out.append(f"feasible: the result claims {bool(claimed_feasible)}, the solution is "
                   f"{'feasible' if feasible else 'infeasible'}")

    has_obj, claimed_obj = _number(data, "objective", out)
    real_obj = ev.objective if ev.objective is not None and math.isfinite(ev.objective) else None
    if has_obj:
        if real_obj is None:
            out.append(f"objective: the result claims {claimed_obj:g}, the solution has no objective "
                       f"({'; '.join(ev.violations[:1]) or 'infeasible'})")
        elif not _same(claimed_obj, real_obj):
            out.append(f"objective: the result claims {claimed_obj:g}, the solution's objective is {real_obj:g}")
    elif feasible and "objective" in data and data["objective"] is None:  # an invalid number was reported above
        out.append(f"objective: the result claims none, the solution's objective is {obj:g}")

    has_bound, bound = _number(data, "bound", out)
    if has_bound and obj is not None and not right_side(obj, bound, problem.sense, objective_scale(problem)):
        side = "below" if problem.sense == "max" else "above"
        out.append(f"bound: the result claims {bound:g}, {side} the solution's objective {obj:g} "
                   f"(a {'maximisation' if problem.sense == 'max' else 'minimisation'} bound must be "
                   f"{'at least' if problem.sense == 'max' else 'at most'} every feasible objective)")

    status = data.get("status")
    if "status" in data and status is None:
        out.append(f"status: null is not one of {', '.join(STATUSES)}")
    if status is not None:
        if not isinstance(status, str) or status not in STATUSES:
            out.append(f"status: {status!r} is not one of {', '.join(STATUSES)}")
        elif status == "optimal":
            if obj is None:
                out.append("status: the result claims optimal, but the solution is infeasible")
            elif not has_bound:
                out.append(f"status: the result claims optimal without a bound to prove it (objective {obj:g})")
            elif not meets(obj, bound, problem.sense, objective_scale(problem)):
                out.append(f"status: the result claims optimal, but its bound {bound:g} does not equal the "
                           f"solution's objective {obj:g}")
        elif status == "feasible" and not feasible:
            out.append("status: the result claims feasible, but the solution is infeasible")
        elif status == "unknown" and feasible:
            out.append(f"status: the result claims unknown (no feasible solution), but its solution is feasible "
                       f"(objective {obj:g})")
        elif status in ("infeasible", "unbounded") and feasible:
            out.append(f"status: the result claims the problem {status}, but its solution is feasible "
                       f"(objective {obj:g})")

    has_gap, gap = _number(data, "gap", out)
    if has_gap:
        if not has_bound:
            out.append(f"gap: the result claims {gap:g} without a bound")
        elif obj is not None:
            real = relative_gap(obj, bound, problem.sense, objective_scale(problem))
            if real is None:  # a zero objective and a bound away from it: no gap is right (the result writes null)
                out.append(f"gap: the result claims {gap:g}, but with the solution's objective {obj:g} and the bound "
                           f"{bound:g} the gap is undefined (null)")
            elif abs(real - gap) > 1e-6 * max(1.0, abs(real)):
                out.append(f"gap: the result claims {gap:g}, the bound {bound:g} and the solution's objective "
                           f"{obj:g} give {real:g}")
    out.extend(problem.solution_claims(data))
    out.extend(w for w in _witness_claims(problem, data) if not (w.startswith("status") and feasible))
    return out
