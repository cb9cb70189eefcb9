"""Multidimensional knapsack instances generated the Chu-Beasley way (OR-Library ``mknapcb``).

Chu and Beasley (1997): weights ``a_ij`` uniform integers in ``0..1000``, capacities
``b_i = alpha * sum_j a_ij`` (rounded down) with tightness ``alpha`` in {0.25, 0.5, 0.75}, and
correlated profits ``p_j = sum_i a_ij / m + 500 q_j`` with ``q_j`` uniform in ``(0, 1)``, rounded
down to integers. The OR-Library files hold 30 instances per (m, n) class: ten per tightness.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from ..problems.mdkp.model import MultiKnapsack


def chu_beasley(n: int, m: int, alpha: float, seed: int = 0, name: str | None = None) -> MultiKnapsack:
    """One instance with ``n`` items, ``m`` constraints and tightness ``alpha``."""
    if n < 1 or m < 1:
        raise ParameterError(f"n and m must be positive, got n={n}, m={m}")
    if not 0.0 < alpha < 1.0:
        raise ParameterError(f"tightness alpha must be in (0, 1), got {alpha}")
    rng = np.random.default_rng(seed)
    A = rng.integers(0, 1001, size=(m, n)).astype(np.float64)
    b = np.floor(alpha * A.sum(axis=1))
    p = np.floor(A.sum(axis=0) / m + 500.0 * rng.random(n))
    return MultiKnapsack(p, A, b, name=name or f"cb-{m}x{n}-a{alpha:g}-s{seed}")


def chu_beasley_class(n: int, m: int, count: int = 30, seed: int = 0) -> list[MultiKnapsack]:
    """``count`` instances of one class, tightness 0.25 / 0.5 / 0.75 by thirds as in the OR-Library."""
    out = []
    for k in range(count):
        alpha = (0.25, 0.5, 0.75)[min(2, 3 * k // max(count, 1))]
        out.append(chu_beasley(n, m, alpha, seed * 1000 + k, name=f"cb-{m}x{n}#{k}"))
    return out
