"""Cardinality (hyperplane) decomposition of the multidimensional knapsack (after Vasquez and Hao 2001;
Boussier, Vasquez, Vimont et al. 2010), all exact.

Every 0/1 solution lies on one hyperplane ``sum x = k``. The LP relaxation restricted to the
hyperplane has a bound ``z_k`` (concave in ``k``), and a solution of profit at least ``need``
can only lie on a hyperplane with ``z_k >= need``: those ``k`` form an interval, found with two LPs
(the least and the largest ``sum x`` over the LP relaxation with the cut ``p.x >= need``). Each
viable hyperplane's own reduced costs fix items more strongly than the plain LP's (its bound is
closer to the incumbent), and an item fixed to the same side on every viable hyperplane is fixed
for the whole search.
"""

from __future__ import annotations

import math

import numpy as np


def cardinality_range(p: np.ndarray, A: np.ndarray, b: np.ndarray, need: float, free=None, fixed_one=None):
    """``(k_lo, k_hi)``: every 0/1 solution of profit >= ``need`` has ``k_lo <= sum x <= k_hi``; None when the
    LP relaxation with the cut ``p.x >= need`` is infeasible (then no solution reaches ``need``).

    ``free`` (indices) and ``fixed_one`` (indices) restrict the LPs to the free items, the others held at 0 or
    1; the range is then that of the whole ``sum x`` (fixed ones included)."""
    from scipy.optimize import linprog

    n = p.size
    free = np.arange(n) if free is None else np.asarray(free)
    ones = np.zeros(0, dtype=np.int64) if fixed_one is None else np.asarray(fixed_one)
    if free.size == 0:
        ok = float(p[ones].sum()) >= need - 1e-9 and np.all(A[:, ones].sum(axis=1) <= b + 1e-9)
        return (ones.size, ones.size) if ok else None
    cap = b - A[:, ones].sum(axis=1)
    rest = float(p[ones].sum())
    A_ub = np.vstack([A[:, free], -p[free]])
    b_ub = np.append(cap, -(need - rest))
    ends = []
    for sign in (1.0, -1.0):
        res = linprog(sign * np.ones(free.size), A_ub=A_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
        if res.status == 2:
            return None
        if res.status != 0:  # numerical trouble: no restriction
            return 0, n
        ends.append(sign * float(res.fun))
    lo, hi = ends
    return ones.size + max(0, math.ceil(lo - 1e-6)), ones.size + min(free.size, math.floor(hi + 1e-6))


def hyperplane_lp(p: np.ndarray, A: np.ndarray, b: np.ndarray, k: int):
    """``(z_k, x_k, d_k)`` of ``max p.x, A x <= b, sum x = k, 0 <= x <= 1`` with ``d_k >= 0`` the absolute
    reduced costs (the bound falls by at least ``d_kj`` when item j leaves its LP bound), or None when
    infeasible."""
    from scipy.optimize import linprog

    n = p.size
    res = linprog(-p, A_ub=A, b_ub=b, A_eq=np.ones((1, n)), b_eq=[float(k)], bounds=(0, 1), method="highs")
    if res.status != 0:
        return None
    d = np.abs(np.asarray(res.lower.marginals)) + np.abs(np.asarray(res.upper.marginals))
    return float(-res.fun), np.asarray(res.x, dtype=np.float64), d


def reduced_cost_fixing(z: float, x: np.ndarray, d: np.ndarray, need: float):
    """``(fix0, fix1)`` masks: items that keep their LP side (0 or 1) in every solution of profit >= ``need``
    within the LP whose bound is ``z``, solution ``x`` and absolute reduced costs ``d``."""
    slack = z - need + 1e-6 * max(1.0, abs(z))
    out = d > slack
    return out & (x < 0.5), out & (x >= 0.5)


def hyperplane_fixing(p: np.ndarray, A: np.ndarray, b: np.ndarray, need: float, k_range, max_planes: int = 64):
    """Items fixed on every viable hyperplane ``k_lo..k_hi``: ``(fix0, fix1, planes)`` with ``planes`` a list of
    ``(k, floor or exact z_k)`` for the hyperplanes still viable (``z_k >= need``). None masks when the range
    holds more than ``max_planes`` hyperplanes (too many LPs)."""
    n = p.size
    k_lo, k_hi = k_range
    if k_hi - k_lo + 1 > max_planes:
        return None, None, []
    fix0 = np.ones(n, dtype=bool)
    fix1 = np.ones(n, dtype=bool)
    planes = []
    for k in range(k_lo, k_hi + 1):
        lp = hyperplane_lp(p, A, b, k)
        if lp is None or lp[0] < need - 1e-6 * max(1.0, abs(need)):
            continue  # nothing reaching need on this hyperplane
        z, x, d = lp
        f0, f1 = reduced_cost_fixing(z, x, d, need)
        fix0 &= f0
        fix1 &= f1
        planes.append((k, z))
    if not planes:  # no hyperplane is viable: nothing reaches need
        return fix0, fix1, []
    return fix0, fix1, planes
