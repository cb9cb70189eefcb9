"""Held-Karp bound without a distance matrix: 1-trees on a sparse edge set that stay valid for the full graph.

A 1-tree bound computed on candidate edges only (each city's nearest, the Delaunay edges) is not a bound: the
minimum 1-tree of a subgraph can be heavier than the full graph's. What keeps it one here is what is known about
every edge left out: each city ``i`` keeps all cities nearer than its ``k``-th nearest as candidates, so an
edge ``(i, j)`` that is no candidate is at least ``R_i`` long (``R_i``: the distance to that ``k``-th nearest,
less one unit against rounding), and at least ``R_j``. Under the multipliers ``pi`` its weight
``d_ij + pi_i + pi_j`` is then at least ``a_i = pi_i + max(R_i + min(pi), R_i / 2 + min_l (R_l / 2 + pi_l))``
(from ``d_ij >= R_i`` and ``pi_j >= min(pi)``, or from ``d_ij >= (R_i + R_j) / 2``), and at least ``a_j``.
The 1-tree is computed on the graph where every candidate edge has its weight and every other pair the
weight ``max(a_i, a_j)``, never more than its true one, so its value is a lower bound on the full graph's
minimum 1-tree and ``value - 2 sum(pi)`` a lower bound on every tour (Held and Karp 1970). That complete graph
needs no edges in memory: the cheapest of its edges between a tree and a city ``v`` outside it costs
``max(a_v, min of a over the tree)``. (The second form matters: with ``min(pi)`` alone, the most
negative multiplier pulled every ``a_i`` down and the bound stopped 4.6 % below the matrix ascent's on 2000
cities; with both, 0.2 % below with 12 neighbours, 0.03 % with 16.)

The multipliers follow the same projected subgradient as the matrix ascent
(:func:`combopt.problems.tsp.bound.held_karp`: Polyak steps toward an upper bound, deflected, shrinking
after steps without a better bound). On 20,000-200,000 uniform random cities this lifts the bound from the
minimum spanning tree's (about 10 % below the tours ``tsp-ls`` finds) to within about 1-2 % of them
(``benchmarks/tsp_points.py``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numba import njit

from ...core.errors import ParameterError


@njit(cache=True)
def _heap_push(hk, hv, size, key, v):
    i = size
    hk[i] = key
    hv[i] = v
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hv[p], hv[i] = hv[i], hv[p]
        i = p
    return size + 1


@njit(cache=True)
def _heap_pop(hk, hv, size):
    size -= 1
    hk[0] = hk[size]
    hv[0] = hv[size]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= size:
            break
        if c + 1 < size and hk[c + 1] < hk[c]:
            c += 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hv[c], hv[i] = hv[i], hv[c]
        i = c
    return size


@njit(cache=True)
def _activation(R, pi, degree):
    """``(a, min(pi))``: each city's lower bound ``a_i`` on the modified weight of its edges left out (see the
    module documentation); clears ``degree``."""
    n = pi.size
    pmin = np.inf
    psimin = np.inf
    for i in range(n):
        degree[i] = 0
        pmin = min(pmin, pi[i])
        psimin = min(psimin, 0.5 * R[i] + pi[i])
    a = np.empty(n)
    for i in range(n):
        a[i] = pi[i] + max(R[i] + pmin, 0.5 * R[i] + psimin)
    return a, pmin


@njit(cache=True)
def sparse_one_tree(ptr, nbr, cost, R, pi, special, degree):
    """Lower bound on the minimum 1-tree under ``d_ij + pi_i + pi_j`` (see the module documentation).

    ``ptr, nbr, cost``: the candidate edges as adjacency lists (CSR, each edge in both lists) and their lengths;
    ``R[i]``: a lower bound on the length of every edge at ``i`` that is not a candidate. Prim's algorithm from
    one city with a heap of candidate edges; a city outside the tree can also join through the lower-bound
    graph, at ``max(a_v, min of a over the tree)``, the cheapest such city being the outside one of smallest
    ``a`` (half the time of Kruskal's sort of every edge: 0.17-0.3 s against 0.33-0.51 s on 200,000 cities,
    same values). Fills ``degree`` (an edge of the lower-bound graph counts at the tree city of smallest ``a``)
    and returns the 1-tree's value under the modified weights."""
    n = pi.size
    a, _ = _activation(R, pi, degree)
    aorder = np.argsort(a)
    intree = np.zeros(n, dtype=np.bool_)
    intree[special] = True
    key = np.full(n, np.inf)
    parent = np.full(n, -1)
    hk = np.empty(ptr[n] + 1)
    hv = np.empty(ptr[n] + 1, dtype=np.int64)
    size = 0
    tree_a = np.inf  # the smallest a in the tree, and its city
    tree_v = -1
    ia = 0
    total = 0.0
    v = 1 if special == 0 else 0
    joined = 1
    while True:
        intree[v] = True
        if a[v] < tree_a:
            tree_a = a[v]
            tree_v = v
        if joined == n - 1:
            break
        for q in range(ptr[v], ptr[v + 1]):
            u = nbr[q]
            if not intree[u]:
                w = cost[q] + pi[v] + pi[u]
                if w < key[u]:
                    key[u] = w
                    parent[u] = v
                    size = _heap_push(hk, hv, size, w, u)
        while size > 0 and (intree[hv[0]] or hk[0] > key[hv[0]]):  # stale entries
            size = _heap_pop(hk, hv, size)
        while intree[aorder[ia]]:
            ia += 1
        out = aorder[ia]
        virtual = max(a[out], tree_a)
        if size > 0 and hk[0] <= virtual:
            v = hv[0]
            total += hk[0]
            degree[v] += 1
            degree[parent[v]] += 1
            size = _heap_pop(hk, hv, size)
        else:
            v = out
            total += virtual
            degree[v] += 1
            degree[tree_v] += 1
        joined += 1
    # the two cheapest edges at the special city: its candidates, or the lower bound a[special] of the others
    w1 = a[special]
    w2 = a[special]
    j1 = -1
    j2 = -1
    for q in range(ptr[special], ptr[special + 1]):
        w = cost[q] + pi[special] + pi[nbr[q]]
        if w < w1:
            w2, j2 = w1, j1
            w1, j1 = w, nbr[q]
        elif w < w2:
            w2, j2 = w, nbr[q]
    total += w1 + w2
    degree[special] += 2
    for j in (j1, j2):
        degree[j if j >= 0 else tree_v] += 1
    return total


@njit(cache=True)
def _find(uf, x):
    while uf[x] != x:
        uf[x] = uf[uf[x]]
        x = uf[x]
    return x


@njit(cache=True)
def _join(uf, u, v, degree):
    """Join the forest trees of ``u`` and ``v`` by the edge ``(u, v)`` (counting it in ``degree``); whether they
    were apart."""
    ru, rv = _find(uf, u), _find(uf, v)
    if ru == rv:
        return False
    uf[ru] = rv
    degree[u] += 1
    degree[v] += 1
    return True


@njit(cache=True)
def tree_one_tree(eu, ev, ec, R, tu, tv, tw, pi, special, degree):
    """:func:`sparse_one_tree` with the bottleneck bound as well: given a minimum spanning tree of the full graph
    (``tu, tv, tw``, sorted by ``tw``), an edge ``(i, j)`` left out is at least as long as the longest tree edge
    on the tree path between ``i`` and ``j`` (the cycle property), so its modified weight is at least
    ``max(a_i, a_j, B_ij + 2 min(pi))``. Kruskal's algorithm over three sorted event lists: candidate edges,
    cities activating at ``a_v`` (joining the activated cities of their tree component at that level), and
    tree edges at ``tw + 2 min(pi)`` (joining the activated cities of two components). Between clusters this is
    the distance between the clusters, where the radius alone is a city's own neighbourhood. ``eu, ev, ec``:
    the candidate edges, each once."""
    n = pi.size
    m = eu.size
    a, pmin = _activation(R, pi, degree)
    w = np.empty(m)
    for e in range(m):
        w[e] = ec[e] + pi[eu[e]] + pi[ev[e]]
    order = np.argsort(w)
    aorder = np.argsort(a)
    uf = np.arange(n)     # the 1-tree's forest
    comp = np.arange(n)   # the spanning tree's components at the current level
    hub = np.full(n, -1)  # an activated city of each component (all of them are in one forest tree)
    total = 0.0
    joined = 0
    ie = 0
    ia = 0
    it = 0
    nt = tu.size
    while joined < n - 2:
        ce = w[order[ie]] if ie < m else np.inf
        ca = a[aorder[ia]] if ia < n else np.inf
        ct = tw[it] + 2.0 * pmin if it < nt else np.inf
        if ie >= m and ia >= n and it >= nt:
            break
        if ce <= ca and ce <= ct:
            e = order[ie]
            ie += 1
            u, v = eu[e], ev[e]
            if u == special or v == special:
                continue
            if _join(uf, u, v, degree):
                total += ce
                joined += 1
        elif ca <= ct:
            v = aorder[ia]
            ia += 1
            if v == special:
                continue
            h = _find(comp, v)
            if hub[h] < 0:
                hub[h] = v
                continue
            if _join(uf, v, hub[h], degree):
                total += ca
                joined += 1
        else:
            hx, hy = _find(comp, tu[it]), _find(comp, tv[it])
            it += 1
            if hx == hy:
                continue
            comp[hx] = hy
            x, y = hub[hx], hub[hy]
            if x >= 0 and y >= 0 and _join(uf, x, y, degree):
                total += ct
                joined += 1
            if y < 0:
                hub[hy] = x
    w1 = a[special]
    w2 = a[special]
    j1 = -1
    j2 = -1
    for e in range(m):
        if eu[e] == special or ev[e] == special:
            j = ev[e] if eu[e] == special else eu[e]
            if w[e] < w1:
                w2, j2 = w1, j1
                w1, j1 = w[e], j
            elif w[e] < w2:
                w2, j2 = w[e], j
    total += w1 + w2
    degree[special] += 2
    anyhub = aorder[0] if aorder[0] != special else aorder[1]
    for j in (j1, j2):
        degree[j if j >= 0 else anyhub] += 1
    return total


@dataclass
class SparseHeldKarp:
    """Result of :func:`sparse_held_karp`."""

    bound: float        # best lower bound found (a float; ceil it for integer distances)
    pi: np.ndarray      # the multipliers that gave it
    iterations: int
    first: float        # the bound at pi = 0 (a 1-tree of the lengths themselves)


def candidate_graph(nbr: np.ndarray, lengths, extra: np.ndarray | None = None) -> tuple:
    """``(ptr, adj, cost, R)`` for :func:`sparse_one_tree` from each city's nearest cities ``nbr`` (``(n, k)``,
    nearest first, every city nearer than the last included) and optional extra edges ``(m, 2)`` (the Delaunay
    edges): every edge once in each end's list (CSR). ``lengths(a, b)`` gives the integer distances of city
    pairs. ``R[i]`` is the distance to city ``i``'s ``k``-th nearest less one (rounding ties between the k-d
    tree's geometry and the metric)."""
    n, k = nbr.shape
    if k < 1:
        raise ParameterError("the sparse 1-tree needs at least one neighbour per city")
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    e = np.stack([rows, nbr.reshape(-1)], axis=1)
    if extra is not None and len(extra):
        e = np.concatenate([e, np.asarray(extra, dtype=np.int64)])
    lo, hi = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
    key = np.unique((lo * n + hi)[lo != hi])  # one key per edge: a 1-D unique (an (m, 2) one is 5x slower)
    eu, ev = key // n, key % n
    ec = np.asarray(lengths(eu, ev), dtype=np.float64)
    R = np.asarray(lengths(np.arange(n, dtype=np.int64), nbr[:, -1]), dtype=np.float64) - 1.0
    src = np.concatenate([eu, ev])
    order = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=ptr[1:])
    adj = np.ascontiguousarray(np.concatenate([ev, eu])[order])
    cost = np.ascontiguousarray(np.concatenate([ec, ec])[order])
    return ptr, adj, cost, np.maximum(R, 0.0)


def sparse_held_karp(graph: tuple, upper: float, iterations: int = 1000, deadline: float | None = None,
                     special: int = 0, theta: float = 0.1, tree: tuple | None = None) -> SparseHeldKarp:
    """Held-Karp ascent on :func:`candidate_graph`'s graph: projected subgradient on the node multipliers
    (Polyak steps ``theta (upper - w) / ||d||^2`` along the deflected subgradient ``d = 0.7 g + 0.3 d_prev``,
    ``theta`` from 0.1, shrinking by 0.95 after ten steps without a better bound: on 20,000 uniform cities
    ``theta`` 1 stalled at 1.078 x the spanning tree after 25 steps, 0.1 reached 1.089 after 100), at most
    ``iterations`` 1-trees, stopping after the first that ends past ``deadline`` (``time.monotonic()``).
    ``upper``: a tour length (the target of the steps). ``tree``: a minimum spanning tree of the full graph
    (:func:`graph_spanning_tree`'s edges), for the bottleneck bound of :func:`tree_one_tree`."""
    ptr, adj, cost, R = graph
    if tree is not None:
        src = np.repeat(np.arange(R.size, dtype=np.int64), np.diff(ptr))
        once = src < adj
        eu, ev, ec = src[once], adj[once], cost[once]
        tu, tv, tw = tree
    n = R.size
    if n < 3:
        raise ParameterError("a 1-tree needs at least 3 cities")
    pi = np.zeros(n)
    deg = np.zeros(n, dtype=np.int64)
    best, first = -math.inf, None
    best_pi = pi.copy()
    stall = 0
    d_prev = np.zeros(n)
    it = 0
    while it < int(iterations):
        it += 1
        if tree is None:
            w = sparse_one_tree(ptr, adj, cost, R, pi, int(special), deg) - 2.0 * pi.sum()
        else:
            w = tree_one_tree(eu, ev, ec, R, tu, tv, tw, pi, int(special), deg) - 2.0 * pi.sum()
        if first is None:
            first = w
            best = w - 1.0
        if first == w or w > best + 1e-9 * max(1.0, abs(best)):
            best, best_pi, stall = w, pi.copy(), 0
        else:
            stall += 1
            if stall >= 10:
                theta *= 0.95
                stall = 0
        g = (deg - 2).astype(np.float64)
        if not g.any() or best >= upper - 1e-9 or (deadline is not None and time.monotonic() >= deadline):
            break
        d = 0.7 * g + 0.3 * d_prev
        d_prev = d
        pi = pi + theta * max(upper - w, 0.0) / float(d @ d) * d
    return SparseHeldKarp(best, best_pi, it, first)


def graph_spanning_tree(graph: tuple) -> tuple | None:
    """A minimum spanning tree of :func:`candidate_graph`'s edges: ``(weight, (tu, tv, tw))``, its edges sorted
    by length, or ``None`` when the edges do not connect the cities. A minimum spanning tree of the full graph
    (a lower bound on every tour, and the bottleneck bound of :func:`tree_one_tree`) only when the edges hold
    one: the Delaunay edges of distinct points under EUC_2D, CEIL_2D or ATT (see
    :func:`combopt.problems.tsp.model.spanning_tree_bound`)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree

    ptr, adj, cost, R = graph
    n = R.size
    # +1 on every edge: the tree has n - 1 edges whatever it is, and a weight of 0 would read as no edge
    T = minimum_spanning_tree(csr_matrix((cost + 1.0, adj, ptr), shape=(n, n))).tocoo()
    if T.nnz != n - 1:
        return None
    o = np.argsort(T.data, kind="stable")
    tw = T.data[o] - 1.0
    return float(tw.sum()), (T.row[o].astype(np.int64), T.col[o].astype(np.int64), np.ascontiguousarray(tw))


def pi_nearness(graph: tuple, pi: np.ndarray, k: int) -> np.ndarray:
    """``(n, k)`` int64 candidate lists: each city's ``k`` candidate-graph neighbours of smallest
    ``d_ij + pi_i + pi_j`` under the ascent's multipliers, smallest first (the penalised distance LKH's
    alpha-nearness builds on, without alpha's matrix 1-trees). Every city needs at least ``k`` neighbours in
    the graph (its nearest are there)."""
    ptr, adj, cost, R = graph
    n = R.size
    deg = np.diff(ptr)
    if k < 1 or deg.min() < k:
        raise ParameterError(f"pi-nearness candidates: every city needs {k} neighbours in the graph")
    src = np.repeat(np.arange(n, dtype=np.int64), deg)
    order = np.lexsort((cost + pi[src] + pi[adj], src))
    rank = np.arange(src.size) - ptr[src[order]]
    return np.ascontiguousarray(adj[order][rank < k].reshape(n, k))
