"""Exhaustive enumeration of small QUBOs (Gray code, parallel over prefixes)."""

from __future__ import annotations

import numpy as np

from ..core.context import SolveContext, SolverOutput
from ..core.errors import ParameterError
from ..core.registry import register_solver
from . import kernels
from .common import positive_int, qubo_params, reject_unknown

MAX_EXHAUSTIVE = 30


def exhaustive_minimum(model) -> tuple[float, np.ndarray]:
    """Minimum energy (including offset) and one minimiser of a QUBO with n <= 30."""
    n = model.n
    if n > MAX_EXHAUSTIVE:
        raise ParameterError(f"exhaustive enumeration handles at most {MAX_EXHAUSTIVE} variables, got {n}")
    if n == 0:
        return model.offset, np.zeros(0, dtype=np.int8)
    indptr, indices, data = model.csr_arrays()
    k = min(n, 6)
    best_E = np.empty(1 << k)
    best_code = np.empty(1 << k, dtype=np.int64)
    kernels.exhaustive_cpu(indptr, indices, data, np.ascontiguousarray(model.h), k, best_E, best_code)
    p = int(np.argmin(best_E))
    m = n - k
    x = np.zeros(n, dtype=np.int8)
    code = int(best_code[p])
    for b in range(m):
        x[b] = (code >> b) & 1
    for b in range(k):
        x[m + b] = (p >> b) & 1
    return float(best_E[p]) + model.offset, x


@register_solver(
    "exhaustive",
    problems=("+qubo",),
    exact=True,
    description=f"enumerate all 2^n assignments (Gray code, parallel), n <= {MAX_EXHAUSTIVE}",
    max_variables=MAX_EXHAUSTIVE,
)
def exhaustive(problem, ctx: SolveContext, **params) -> SolverOutput:
    qp = qubo_params(params, problem)
    limit = positive_int(params, "max_variables", 26)
    reject_unknown(params, "exhaustive")
    model = problem.to_qubo(**qp)
    if model.n > min(limit, MAX_EXHAUSTIVE):
        raise ParameterError(
            f"exhaustive enumeration of {model.n} variables is too large (limit {limit}; "
            f"raise it with --param max_variables=N up to {MAX_EXHAUSTIVE})"
        )
    energy, x = exhaustive_minimum(model)
    sol = problem.from_qubo_sample(x, ctx.rng)
    ev = problem.evaluate(sol)
    ctx.state.next_iteration()
    if ev.feasible:
        ctx.state.report(ev.objective, sol)
    # The QUBO optimum is the problem optimum only when the reduction is exact.
    exact = getattr(problem, "qubo_is_exact", problem.kind == "qubo")
    # The bound is the problem's optimum, i.e. the decoded minimiser's own objective (the QUBO's
    # energy is in the QUBO's sense and units, e.g. -|S| for an independent set).
    bound = ev.objective if exact and ev.feasible else None
    return SolverOutput(solution=sol, bound=bound, proven_optimal=bool(exact and ev.feasible),
                        info={"qubo_minimum": energy, "qubo_variables": model.n})
