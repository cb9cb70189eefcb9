"""Maximum clique in large sparse graphs: core decomposition and a colouring branch and bound (Numba).

A clique of ``k + 1`` vertices lies inside the ``k``-core, and in a degeneracy order each clique has a first
vertex ``v`` with every other member among ``v``'s later neighbours ``N+(v)``, at most the degeneracy of them
(Rossi et al., "Parallel maximum clique algorithms with applications to network analysis", 2015). So the clique
number of a sparse graph is ``1 +`` the largest clique number of the small graphs ``G[N+(v)]``, each solved exactly
by :func:`max_clique_bb`, a branch and bound with greedy colouring bounds (Tomita and Seki's MCQ, 2003); ``v``
whose core number cannot beat the incumbent are skipped. This avoids the complement graph (quadratic in ``n``)
that the independent-set route builds.

* :func:`core_numbers` -- core number of every vertex and a degeneracy order (Batagelj-Zaversnik, ``O(n + m)``);
* :func:`later_neighbours` -- ``N+(v)`` restricted to vertices of core number at least a threshold;
* :func:`max_clique_bb` -- exact maximum clique of a small dense graph given as a boolean matrix, within a node
  budget (reports whether it finished).

Imports: numpy and numba only.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def core_numbers(indptr, indices):
    """``(core, order)``: core numbers and the degeneracy order (smallest remaining degree removed first)."""
    n = indptr.shape[0] - 1
    deg = np.empty(n, dtype=np.int64)
    md = 0
    for v in range(n):
        deg[v] = indptr[v + 1] - indptr[v]
        if deg[v] > md:
            md = deg[v]
    bins = np.zeros(md + 2, dtype=np.int64)
    for v in range(n):
        bins[deg[v]] += 1
    start = 0
    for d in range(md + 1):
        c = bins[d]
        bins[d] = start
        start += c
    pos = np.empty(n, dtype=np.int64)
    vert = np.empty(n, dtype=np.int64)
    for v in range(n):
        pos[v] = bins[deg[v]]
        vert[pos[v]] = v
        bins[deg[v]] += 1
    for d in range(md, 0, -1):
        bins[d] = bins[d - 1]
    bins[0] = 0
    for i in range(n):
        v = vert[i]
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if deg[u] > deg[v]:
                du = deg[u]
                pu = pos[u]
                pw = bins[du]
                w = vert[pw]
                if u != w:
                    pos[u] = pw
                    vert[pu] = w
                    pos[w] = pu
                    vert[pw] = u
                bins[du] += 1
                deg[u] -= 1
    return deg, vert


@njit(cache=True)
def later_neighbours(indptr, indices, rank, core, v, least, out):
    """Fill ``out`` with the neighbours ``u`` of ``v`` later in the degeneracy order (``rank[u] > rank[v]``) whose
    core number is at least ``least``; returns how many."""
    k = 0
    for t in range(indptr[v], indptr[v + 1]):
        u = indices[t]
        if rank[u] > rank[v] and core[u] >= least:
            out[k] = u
            k += 1
    return k


@njit(cache=True)
def _colour_sort(adj, P, np_, outP, outC):
    """Greedy colouring of the candidates ``P[:np_]`` in their order; ``outP`` gets them by colour class, ``outC``
    the class number (1-based) of each, non-decreasing: ``outC[i]`` bounds a clique within ``outP[:i + 1]``."""
    k = 0
    colour = 0
    left = np_
    rest = P[:np_].copy()
    while left > 0:
        colour += 1
        cls = np.empty(left, dtype=np.int64)
        nc = 0
        keep = 0
        for i in range(left):
            v = rest[i]
            ok = True
            for j in range(nc):
                if adj[v, cls[j]]:
                    ok = False
                    break
            if ok:
                cls[nc] = v
                nc += 1
                outP[k] = v
                outC[k] = colour
                k += 1
            else:
                rest[keep] = v
                keep += 1
        left = keep


@njit(cache=True)
def max_clique_bb(adj, lower, node_budget):
    """Maximum clique of the graph of the boolean matrix ``adj`` (symmetric, no loops) if it has more than ``lower``
    vertices: ``(size, vertices, finished, nodes)``; ``size`` is 0 (no vertices) when none beats ``lower``.
    ``finished`` is False when the ``node_budget`` ran out (the result is then only the best found); ``nodes`` is
    the number of search nodes used."""
    k = adj.shape[0]
    best = lower
    best_set = np.empty(k, dtype=np.int64)
    found = 0
    if k == 0:
        return 0, best_set[:0], True, 0
    Ps = np.empty((k + 1, k), dtype=np.int64)
    Cs = np.empty((k + 1, k), dtype=np.int64)
    size = np.zeros(k + 1, dtype=np.int64)
    at = np.zeros(k + 1, dtype=np.int64)
    R = np.empty(k + 1, dtype=np.int64)
    deg = np.zeros(k, dtype=np.int64)
    for i in range(k):
        for j in range(k):
            if adj[i, j]:
                deg[i] += 1
    init = np.argsort(-deg, kind="mergesort")
    _colour_sort(adj, init, k, Ps[0], Cs[0])
    size[0] = k
    at[0] = k - 1
    depth = 0
    nodes = 0
    tmp = np.empty(k, dtype=np.int64)
    while depth >= 0:
        i = at[depth]
        if i < 0 or depth + Cs[depth, i] <= best:
            depth -= 1
            continue
        at[depth] = i - 1
        v = Ps[depth, i]
        R[depth] = v
        nodes += 1
        if nodes > node_budget:
            return found, best_set[:found], False, nodes
        m = 0
        for t in range(i):
            u = Ps[depth, t]
            if adj[v, u]:
                tmp[m] = u
                m += 1
        if m == 0:
            if depth + 1 > best:
                best = depth + 1
                found = best
                for t in range(depth + 1):
                    best_set[t] = R[t]
            continue
        _colour_sort(adj, tmp, m, Ps[depth + 1], Cs[depth + 1])
        size[depth + 1] = m
        at[depth + 1] = m - 1
        depth += 1
    return found, best_set[:found], True, nodes
