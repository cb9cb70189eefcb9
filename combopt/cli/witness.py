"""``combopt check``'s second witness: a short run of a family's fast heuristic, for the families whose quick
construction is too weak to refute a false bound (EBIM and MEC-B: a result that lowers its upper bound to what a
greedy encoder reaches, and calls that optimal, passed the check of the one-code-word construction)."""

from __future__ import annotations

import math
from typing import Any

#: seconds the witness run may take (a run of the solver's first iteration; a cold Numba cache answers with the
#: problem's construction instead)
WITNESS_SECONDS = 5.0


def solver_witness_claims(problem, data: Any) -> list[str]:
    """The claims (an infeasible status, a bound on the wrong side) that the answer of ``problem.witness_solver``,
    re-checked by the problem's ``evaluate``, refutes; none for a family without one."""
    name = getattr(problem, "witness_solver", None)
    if name is None or not isinstance(data, dict):
        return []
    from ..api import solve
    from ..core.claims import evaluate_finite
    from ..core.problem import objective_scale
    from ..core.status import right_side

    res = solve(problem, name, time_limit=WITNESS_SECONDS, max_iterations=1, seed=0)
    if res.solution is None:
        return []
    ev = evaluate_finite(problem, res.solution)
    if not ev.feasible:
        return []
    obj, what = ev.objective + 0.0, f"the solution combopt's {name} finds"
    out = []
    if data.get("status") in ("infeasible", "unbounded"):
        out.append(f"status: the result claims the problem {data['status']}, but {what} is feasible (objective "
                   f"{obj:g})")
    bound = data.get("bound")
    try:  # a non-number, or one beyond a float (a 400-digit integer), is the claims check's own mismatch
        bound = float(bound) if isinstance(bound, int | float) and not isinstance(bound, bool) else math.nan
    except OverflowError:
        bound = math.nan
    if math.isfinite(bound) and not right_side(ev.objective, bound, problem.sense, objective_scale(problem)):
        side = "below" if problem.sense == "max" else "above"
        out.append(f"bound: the result claims {bound:g}, {side} the objective {obj:g} of {what}")
    return out
