"""TSP bounds and tour helpers: the 1-tree relaxation and its Held-Karp dual, alpha-nearness
candidate lists (Helsgaun 2000), nearest neighbour.

Imports: numpy, numba and this family's kernels (combopt.problems.tsp.local).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

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


def held_karp(D, iterations: int = 100, upper: float | None = None, pi0=None,
              deadline: float | None = None) -> HeldKarp:
    """Held-Karp 1-tree bound by projected subgradient on the node multipliers.

    ``w(pi) = min_1tree sum (d_ij + pi_i + pi_j) - 2 sum pi`` is a lower bound
    on the optimal tour for every ``pi``; the subgradient is ``degree - 2``.
    Steps are Polyak's ``theta (upper - w) / ||d||^2`` along the deflected
    subgradient ``d`` (``theta`` starts at 0.5 and shrinks by 0.7 after three
    steps without a better bound); ``upper`` defaults to the best of a few
    nearest-neighbour tours. Stops after ``iterations`` 1-trees, when a 1-tree is a tour, or after the
    first 1-tree that ends past ``deadline`` (``time.monotonic()``).
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
        if best >= upper - 1e-9 or (deadline is not None and time.monotonic() >= deadline):
            break
        d = 0.7 * g + 0.3 * g_prev  # Camerini-Fratta-Maffioli deflection
        g_prev = g
        if not d.any():
            d = g
        step = theta * (upper - w) / float(d @ d)
        pi = pi + step * d
    return HeldKarp(best, best_pi, best_deg, it, False)




# ------------------------------------------------------------------------------- alpha-nearness
@njit(cache=True)
def _w(D, pi, a, b):
    """``D[a, b] + pi[a] + pi[b]``, summed in one order for both orientations (tree edges get alpha 0 exactly)."""
    if a > b:
        a, b = b, a
    return D[a, b] + pi[a] + pi[b]


@njit(cache=True)
def _before(a, d, j, ca, cd, cj, r):
    """``(a, d, j)`` sorts before entry ``r`` of the kept (alpha, distance, city) triples."""
    return a < ca[r] or (a == ca[r] and (d < cd[r] or (d == cd[r] and j < cj[r])))


@njit(cache=True)
def alpha_kernel(D, pi, parent, special, m1, m2, out, out_alpha):
    """Alpha-nearness candidate lists from a minimum 1-tree (``parent``, ``special``, ``m1``, ``m2`` as
    :func:`one_tree_kernel` leaves them), O(n^2) time, O(n) extra memory.

    ``alpha(i, j)``: increase of the 1-tree length under ``D + pi`` when edge ``(i, j)`` is forced in;
    ``w(i, j) - beta(i, j)`` (``beta``: largest tree edge on the tree path, found for each ``i`` along
    one topological order of the tree), or at ``special`` ``w(special, j)`` minus its larger 1-tree edge.
    Row ``i`` of ``out`` (``(n, k)``): the ``k`` cities of smallest alpha (ties by distance, then index),
    ordered by distance; ``out_alpha`` their alpha values (clipped at 0).
    """
    n = D.shape[0]
    k = out.shape[1]
    start = np.zeros(n + 1, dtype=np.int64)  # children of each tree node (CSR), for a BFS order
    root = -1
    for v in range(n):
        if v != special:
            if parent[v] < 0:
                root = v
            else:
                start[parent[v] + 1] += 1
    for v in range(n):
        start[v + 1] += start[v]
    fill = start[:n].copy()
    kids = np.empty(n, dtype=np.int64)
    for v in range(n):
        if v != special and parent[v] >= 0:
            kids[fill[parent[v]]] = v
            fill[parent[v]] += 1
    order = np.empty(n - 1, dtype=np.int64)  # parents before children
    order[0] = root
    head, tail = 0, 1
    while head < tail:
        u = order[head]
        head += 1
        for e in range(start[u], start[u + 1]):
            order[tail] = kids[e]
            tail += 1
    up = np.zeros(n)  # weight of the edge to the parent
    for v in range(n):
        if v != special and parent[v] >= 0:
            up[v] = _w(D, pi, v, parent[v])
    w2 = max(_w(D, pi, special, m1), _w(D, pi, special, m2))
    beta = np.empty(n)
    mark = np.full(n, -1, dtype=np.int64)
    ca = np.empty(k)  # the row's best (alpha, distance, city), sorted
    cd = np.empty(k)
    cj = np.empty(k, dtype=np.int64)
    for i in range(n):
        m = 0
        if i != special:
            beta[i] = -np.inf
            mark[i] = i
            u = i
            while parent[u] >= 0:
                p = parent[u]
                beta[p] = max(beta[u], up[u])
                mark[p] = i
                u = p
        for t in range(n):
            if i == special:
                j = t
                if j == special:
                    continue
                a = 0.0 if j == m1 or j == m2 else _w(D, pi, i, j) - w2
            elif t == n - 1:
                j = special
                a = 0.0 if i == m1 or i == m2 else _w(D, pi, i, j) - w2
            else:
                j = order[t]
                if j == i:
                    continue
                if mark[j] != i:
                    beta[j] = max(beta[parent[j]], up[j])
                a = _w(D, pi, i, j) - beta[j]
            a = max(a, 0.0)
            d = D[i, j]
            if m == k and not _before(a, d, j, ca, cd, cj, k - 1):
                continue
            r = m if m < k else k - 1
            while r > 0 and _before(a, d, j, ca, cd, cj, r - 1):
                ca[r], cd[r], cj[r] = ca[r - 1], cd[r - 1], cj[r - 1]
                r -= 1
            ca[r], cd[r], cj[r] = a, d, j
            if m < k:
                m += 1
        for r in range(1, k):  # the kept cities by distance (the move kernels stop at the first far one)
            a, d, j = ca[r], cd[r], cj[r]
            s = r
            while s > 0 and (d < cd[s - 1] or (d == cd[s - 1] and j < cj[s - 1])):
                ca[s], cd[s], cj[s] = ca[s - 1], cd[s - 1], cj[s - 1]
                s -= 1
            ca[s], cd[s], cj[s] = a, d, j
        for r in range(k):
            out[i, r] = cj[r]
            out_alpha[i, r] = ca[r]


def alpha_candidates(D, k: int = 5, pi=None, iterations: int = 50, deadline: float | None = None,
                     special: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alpha-nearness candidate lists (LKH): the ``k`` cities of smallest alpha for each city, nearest first.

    ``pi``: node penalties (default: a Held-Karp subgradient ascent of ``iterations`` 1-trees, stopped
    at ``deadline``, from the nearest-neighbour tour length as the upper bound). Returns ``(nbr, alpha,
    pi)``: ``(n, k)`` int64 cities, their ``(n, k)`` alpha values and the penalties used.
    """
    from .local import _nearest_neighbour, dense_metric, one_tree_kernel

    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    if n < 3:
        raise ParameterError("alpha-nearness needs at least 3 cities")
    if not 0 <= special < n:
        raise ParameterError(f"special must be a city in 0..{n - 1}, got {special}")
    k = max(1, min(int(k), n - 1))
    if pi is None:
        upper = tour_length(_nearest_neighbour(dense_metric(D), 0), D)
        pi = held_karp(D, iterations, upper=upper, deadline=deadline).pi
    pi = np.ascontiguousarray(pi, dtype=np.float64)
    if pi.shape != (n,) or not np.all(np.isfinite(pi)):
        raise ParameterError(f"pi must be {n} finite numbers")
    degree = np.zeros(n, dtype=np.int64)
    parent = np.zeros(n, dtype=np.int64)
    _, m1, m2 = one_tree_kernel(D, pi, int(special), degree, parent)
    nbr = np.empty((n, k), dtype=np.int64)
    alpha = np.empty((n, k))
    alpha_kernel(D, pi, parent, int(special), m1, m2, nbr, alpha)
    return nbr, alpha, pi
