"""MILP building blocks shared by the models and the problem adapters (PuLP 3 API).

Imports: numpy and pulp only. The `milp` solver (combopt.solvers.milp) solves what these build.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pulp


def binary_var(prob: pulp.LpProblem, name: str):
    """A binary variable attached to ``prob`` (PuLP 3.3+ API)."""
    return prob.add_variable(name, 0, 1, cat=pulp.LpBinary)



def qubo_to_pulp(model) -> tuple[pulp.LpProblem, Callable[[], np.ndarray]]:
    """Linearised MILP of a QUBO: ``y_ij`` replaces ``x_i x_j``.

    Positive couplings need only ``y >= x_i + x_j - 1``; negative ones only
    ``y <= x_i`` and ``y <= x_j`` (the objective pushes ``y`` the other way).
    """
    n = model.n
    prob = pulp.LpProblem(model.name.replace(" ", "_") or "qubo", pulp.LpMinimize)
    x = [binary_var(prob, f"x{i}") for i in range(n)]
    terms = [(x[i], float(model.h[i])) for i in range(n) if model.h[i] != 0]
    U = model.W.tocoo()
    for i, j, v in zip(U.row, U.col, U.data, strict=True):
        if i >= j or v == 0:
            continue
        y = prob.add_variable(f"y{i}_{j}", 0, 1)
        if v > 0:
            prob += y >= x[i] + x[j] - 1
        else:
            prob += y <= x[i]
            prob += y <= x[j]
        terms.append((y, float(v)))
    prob += pulp.LpAffineExpression(terms) + model.offset

    def decode() -> np.ndarray:
        return np.array([int(round(v.value() or 0)) for v in x], dtype=np.int8)

    return prob, decode
