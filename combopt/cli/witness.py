"""``combopt check``'s second witness: a short run of a family's fast heuristic, for the families whose quick
construction is too weak to refute a false bound (EBIM and MEC-B: a result that lowers its upper bound to what a
greedy encoder reaches, and calls that optimal, passed the check of the one-code-word construction)."""

from __future__ import annotations

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
    from ..core.claims import refuted_by

    res = solve(problem, name, time_limit=WITNESS_SECONDS, max_iterations=1, seed=0)
    if res.solution is None:
        return []
    return refuted_by(problem, data, res.solution, f"the solution combopt's {name} finds")
