"""TSP bounds and tour helpers: the 1-tree relaxation and its Held-Karp dual, nearest neighbour.

Imports: numpy and this family's kernels (combopt.problems.tsp.local).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...core.errors import ParameterError


# ------------------------------------------------------------------------------- bounds
def one_tree(D, pi=None, special: int = 0) -> tuple[float, np.ndarray, np.ndarray]:
    """Minimum 1-tree under the weights ``D[i, j] + pi[i] + pi[j]`` (any sign).

    A minimum spanning tree on all cities but ``special``, plus the two
    cheapest edges at ``special``. Every tour is a 1-tree, so
    ``value - 2 * sum(pi)`` is a lower bound on every tour length under ``D``.

    Returns
    -------
    (value, degree, edges)
        ``value`` under the modified weights; ``degree[i]``: degree of city
        ``i`` in the 1-tree; ``edges``: ``(n, 2)`` int64.
    """
    from .local import one_tree_kernel

    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    if n < 3:
        raise ParameterError("a 1-tree needs at least 3 cities")
    pi = np.zeros(n) if pi is None else np.ascontiguousarray(pi, dtype=np.float64)
    degree = np.zeros(n, dtype=np.int64)
    parent = np.zeros(n, dtype=np.int64)
    value, m1, m2 = one_tree_kernel(D, pi, int(special), degree, parent)
    kids = np.flatnonzero(parent >= 0)
    edges = np.concatenate([np.stack([parent[kids], kids], axis=1), [[special, m1], [special, m2]]]).astype(np.int64)
    return float(value), degree, edges


@dataclass
class HeldKarp:
    """Result of :func:`held_karp`: the best Lagrangian bound and its multipliers."""

    bound: float          # best w(pi) found (a float; ceil it for integer distances)
    pi: np.ndarray        # node multipliers that gave it
    degree: np.ndarray    # 1-tree degrees at those multipliers
    iterations: int
    is_tour: bool         # the 1-tree was a tour: the bound is the optimum


def nearest_neighbour_tour(D: np.ndarray, start: int = 0) -> np.ndarray:
    """Nearest-neighbour tour from ``start`` (numpy; O(n^2))."""
    D = np.asarray(D)
    n = D.shape[0]
    tour = np.empty(n, dtype=np.int64)
    free = np.ones(n, dtype=bool)
    cur = int(start)
    for k in range(n):
        tour[k] = cur
        free[cur] = False
        if k + 1 < n:
            cand = np.flatnonzero(free)
            cur = int(cand[np.argmin(D[cur, cand])])
    return tour


def tour_length(tour, D) -> int | float:
    """Length of the closed tour (numpy)."""
    t = np.asarray(tour, dtype=np.int64)
    return D[t, np.roll(t, -1)].sum().item()


def held_karp(D, iterations: int = 100, upper: float | None = None, pi0=None) -> HeldKarp:
    """Held-Karp 1-tree bound by projected subgradient on the node multipliers.

    ``w(pi) = min_1tree sum (d_ij + pi_i + pi_j) - 2 sum pi`` is a lower bound
    on the optimal tour for every ``pi``; the subgradient is ``degree - 2``.
    Steps are Polyak's ``theta (upper - w) / ||d||^2`` along the deflected
    subgradient ``d`` (``theta`` starts at 0.5 and shrinks by 0.7 after three
    steps without a better bound); ``upper`` defaults to the best of a few
    nearest-neighbour tours. Stops after ``iterations`` 1-trees or when a 1-tree is a tour.
    """
    if int(iterations) < 1:
        raise ParameterError(f"iterations must be at least 1, got {iterations}")
    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    if n < 3:
        val = 2.0 * D[0, 1] if n == 2 else 0.0
        return HeldKarp(val, np.zeros(n), np.full(n, 2 if n == 2 else 0), 0, True)
    if upper is None:
        starts = np.unique(np.linspace(0, n - 1, min(n, 5)).astype(int))
        upper = min(tour_length(nearest_neighbour_tour(D, s), D) for s in starts)
    from .local import one_tree_kernel

    pi = np.zeros(n) if pi0 is None else np.array(pi0, dtype=np.float64)
    deg = np.zeros(n, dtype=np.int64)
    parent = np.zeros(n, dtype=np.int64)
    best = -math.inf
    best_pi = pi.copy()
    best_deg = None
    theta = 0.5
    stall = 0
    patience = 3
    g_prev = np.zeros(n)
    it = 0
    for it in range(1, iterations + 1):
        w = one_tree_kernel(D, pi, 0, deg, parent)[0] - 2.0 * pi.sum()
        g = (deg - 2).astype(np.float64)
        if best_deg is None or w > best + 1e-9 * max(1.0, abs(best)):
            best, best_pi, best_deg = w, pi.copy(), deg.copy()
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                theta *= 0.7
                stall = 0
        if not g.any():
            return HeldKarp(w, pi, deg.copy(), it, True)
        if best >= upper - 1e-9:
            break
        d = 0.7 * g + 0.3 * g_prev  # Camerini-Fratta-Maffioli deflection
        g_prev = g
        if not d.any():
            d = g
        step = theta * (upper - w) / float(d @ d)
        pi = pi + step * d
    return HeldKarp(best, best_pi, best_deg, it, False)


