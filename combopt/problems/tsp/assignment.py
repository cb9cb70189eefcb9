"""Tours of an asymmetric TSP from its assignment relaxation: Zhang's truncated depth-first branch and bound.

The assignment relaxation (one arc out of and one into every city) is a set of disjoint cycles; on random arc
lengths it is within a few tenths of a percent of the optimal tour (the DIMACS ATSP challenge's ``amat`` class, where
local searches on the Jonker-Volgenant transformation end about 1 % above LKH). Branching on the smallest cycle
(Carpaneto and Toth, "Some new branching and bounding criteria for the asymmetric travelling salesman problem",
Management Science 26(7), 1980): child ``r`` forbids the cycle's arc ``r`` and keeps its arcs ``0..r-1``. Zhang's
truncated branch and bound (W. Zhang, "Truncated and anytime depth-first branch and bound: a case study on the
asymmetric traveling salesman problem", AAAI Spring Symposium 1993; ``ZHANG1`` in Johnson, Gutin, McGeoch, Yeo,
Zhang and Zverovitch, "Experimental analysis of heuristics for the ATSP", 2002) follows the cheapest child down to
the first relaxation that is a single cycle: a tour. The cycles of every relaxation on the way, patched into a tour
(Karp's patching: the cheapest exchange of two arcs of different cycles), are tours too; the shortest of all is the
answer (on random arcs the root's patched cycles were shorter than the descent's tour on some instances).

Each child is one augmenting path from its parent's optimal assignment and duals (forbidding an arc frees one row;
keeping arcs only raises costs, so the duals stay feasible): ``O(n^2)`` instead of a new assignment. The root is
scipy's ``linear_sum_assignment``, its duals recovered by shortest paths over the rows. A descent cut short by its
deadline patches the cycles it has, so there is always a tour.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit


@njit(cache=True)
def _duals(C, col_of_row, rounds):
    """``(u, v, converged)``: ``C[i, j] - u[i] - v[j] >= 0``, equal on the assignment ``col_of_row`` (which must be
    optimal): row potentials from shortest paths over the rows (row ``i`` to row ``k`` costs ``C[i, col(k)] -
    C[k, col(k)]``; no negative cycle when the assignment is optimal), Bellman-Ford from a source at 0 to every
    row, at most ``rounds`` rounds of ``n^2`` steps (``converged`` False when they were not enough)."""
    n = C.shape[0]
    d = np.zeros(n)
    converged = False
    for _ in range(rounds):
        changed = False
        for k in range(n):
            j = col_of_row[k]
            best = d[k]
            ckj = C[k, j]
            for i in range(n):
                c = d[i] + C[i, j] - ckj
                if c < best:
                    best = c
            if best < d[k]:
                d[k] = best
                changed = True
        if not changed:
            converged = True
            break
    u = -d
    v = np.empty(n)
    for k in range(n):
        j = col_of_row[k]
        v[j] = C[k, j] - u[k]
    return u, v, converged


@njit(cache=True)
def _augment(C, u, v, row_of_col, col_of_row, i0, minv, way, used):
    """Assign the free row ``i0`` by one shortest augmenting path (Hungarian method, potentials ``u``, ``v``
    updated in place); ``row_of_col`` has ``n + 1`` entries (the last one a virtual column). False when no path."""
    n = C.shape[0]
    for j in range(n + 1):
        minv[j] = np.inf
        used[j] = False
        way[j] = -1
    row_of_col[n] = i0
    j0 = n
    while True:
        used[j0] = True
        i = row_of_col[j0]
        delta = np.inf
        j1 = -1
        for j in range(n):
            if not used[j]:
                cur = C[i, j] - u[i] - v[j]
                if cur < minv[j]:
                    minv[j] = cur
                    way[j] = j0
                if minv[j] < delta:
                    delta = minv[j]
                    j1 = j
        if j1 < 0:
            return False
        for j in range(n + 1):
            if used[j]:
                u[row_of_col[j]] += delta
                if j < n:
                    v[j] -= delta
            else:
                minv[j] -= delta
        j0 = j1
        if row_of_col[j0] < 0:
            break
    while j0 != n:
        jp = way[j0]
        row_of_col[j0] = row_of_col[jp]
        col_of_row[row_of_col[j0]] = j0
        j0 = jp
    return True


@njit(cache=True)
def _smallest_cycle(col_of_row, out):
    """The number of cycles of the successor array; the smallest one's cities, in order, in ``out[:size]``."""
    n = col_of_row.shape[0]
    seen = np.zeros(n, dtype=np.bool_)
    count = 0
    best_start = -1
    best_size = n + 1
    for s in range(n):
        if seen[s]:
            continue
        count += 1
        size = 0
        j = s
        while not seen[j]:
            seen[j] = True
            size += 1
            j = col_of_row[j]
        if size < best_size:
            best_size = size
            best_start = s
    j = best_start
    for k in range(best_size):
        out[k] = j
        j = col_of_row[j]
    return count, best_size


@njit(cache=True)
def _keep(C, a, b, big):
    """Force the arc ``a -> b``: every other arc out of ``a`` or into ``b`` costs ``big``."""
    n = C.shape[0]
    for j in range(n):
        if j != b:
            C[a, j] = big
    for i in range(n):
        if i != a:
            C[i, b] = big


@njit(cache=True)
def _branch(C, W, u, v, row_of_col, col_of_row, cycle, size, big, minv, way, used, bu, bv, brc, bcr):
    """Try every child of the node (the cycle ``cycle[:size]``); the cheapest one's duals and assignment in
    ``bu, bv, brc, bcr``; returns ``(its index or -1, its assignment's cost)``. ``W`` is scratch (``C``'s shape)."""
    n = C.shape[0]
    best = -1
    best_val = np.inf
    W[:, :] = C
    tu = np.empty(n)
    tv = np.empty(n)
    trc = np.empty(n + 1, dtype=np.int64)
    tcr = np.empty(n, dtype=np.int64)
    for r in range(size):
        if r > 0:  # child r keeps arcs 0..r-1: un-forbid arc r-1, keep it
            a = cycle[r - 1]
            W[a, col_of_row[a]] = C[a, col_of_row[a]]
            _keep(W, a, col_of_row[a], big)
        i = cycle[r]
        j = col_of_row[i]
        W[i, j] = big
        tu[:] = u
        tv[:] = v
        trc[:] = row_of_col
        tcr[:] = col_of_row
        trc[j] = -1
        tcr[i] = -1
        if not _augment(W, tu, tv, trc, tcr, i, minv, way, used):
            continue
        val = 0.0
        for k in range(n):
            val += W[k, tcr[k]]
        if val < best_val and val < big:
            best_val = val
            best = r
            bu[:] = tu
            bv[:] = tv
            brc[:] = trc
            bcr[:] = tcr
    return best, best_val


@njit(cache=True)
def _patch(D, succ):
    """Karp's patching: merge the cycles of ``succ`` (in place) into one, each time by the cheapest exchange of an
    arc of the largest cycle and an arc of another (``i -> s(i)``, ``j -> s(j)`` become ``i -> s(j)``,
    ``j -> s(i)``)."""
    n = succ.shape[0]
    lab = np.empty(n, dtype=np.int64)
    while True:
        lab[:] = -1
        count = 0
        for s in range(n):
            if lab[s] < 0:
                j = s
                while lab[j] < 0:
                    lab[j] = count
                    j = succ[j]
                count += 1
        if count == 1:
            return
        sizes = np.zeros(count, dtype=np.int64)
        for i in range(n):
            sizes[lab[i]] += 1
        big = np.argmax(sizes)
        bi, bj = -1, -1
        bd = np.inf
        for i in range(n):
            if lab[i] != big:
                continue
            si = succ[i]
            for j in range(n):
                if lab[j] == big:
                    continue
                sj = succ[j]
                d = D[i, sj] + D[j, si] - D[i, si] - D[j, sj]
                if d < bd:
                    bd = d
                    bi, bj = i, j
        si, sj = succ[bi], succ[bj]
        succ[bi] = sj
        succ[bj] = si


def assignment_descent(D, deadline: float | None = None) -> tuple[np.ndarray | None, dict]:
    """A directed tour (cities in order) of the ATSP ``D`` by Zhang's truncated branch and bound (module
    documentation), or the patched cycles of the deepest relaxation reached by ``deadline`` (``time.monotonic()``).
    Returns ``(tour or None, info)``; ``info``: ``nodes`` (relaxations solved), ``relaxation`` (the root's
    assignment cost: a lower bound), ``complete`` (the descent reached a single cycle) or ``patched`` (the cycles
    left at the deadline), ``patched_level`` (the tour is an earlier level's patched cycles, shorter than the
    last one)."""
    from .asymmetric import optimal_assignment

    A = np.ascontiguousarray(D, dtype=np.float64)  # C order: a Fortran-ordered matrix would compile a new kernel
    n = A.shape[0]
    info: dict = {"nodes": 0}
    if n < 3:
        return None, info
    C, col_of_row, value, big = optimal_assignment(A)  # big: more than any assignment without a forbidden arc
    row_of_col = np.full(n + 1, -1, dtype=np.int64)
    row_of_col[col_of_row] = np.arange(n)
    info["relaxation"] = value
    info["nodes"] = 1
    rounds = n + 1
    if deadline is not None:  # a round is about n^2 ns; the rest of the time goes to the descent
        rounds = min(rounds, max(2, int(0.5 * (deadline - time.monotonic()) / (1e-9 * n * n))))
    u, v, converged = _duals(C, col_of_row, rounds)
    W = np.empty_like(C)
    minv = np.empty(n + 1)
    way = np.empty(n + 1, dtype=np.int64)
    used = np.empty(n + 1, dtype=np.bool_)
    bu, bv = np.empty(n), np.empty(n)
    brc, bcr = np.empty(n + 1, dtype=np.int64), np.empty(n, dtype=np.int64)
    cycle = np.empty(n, dtype=np.int64)
    best, best_len = None, np.inf
    while True:
        count, size = _smallest_cycle(col_of_row, cycle)
        if count == 1:
            info["complete"] = True
            break
        succ = col_of_row.copy()  # every level's cycles, patched, are a tour too: sometimes the best one
        _patch(A, succ)
        length = float(A[np.arange(n), succ].sum())
        if length < best_len:
            best, best_len = succ, length
        if not converged or (deadline is not None and time.monotonic() >= deadline):
            info["patched"] = int(count)
            break
        r, _ = _branch(C, W, u, v, row_of_col, col_of_row, cycle, size, big, minv, way, used, bu, bv, brc, bcr)
        info["nodes"] += size
        if r < 0:  # no child without a forbidden arc (cannot happen with n >= 3 and a cycle cover of >= 2 cycles)
            info["patched"] = int(count)
            break
        for k in range(r):  # the chosen child's costs, then its assignment and duals
            a = cycle[k]
            _keep(C, a, col_of_row[a], big)
        C[cycle[r], col_of_row[cycle[r]]] = big
        u, v, row_of_col, col_of_row = bu.copy(), bv.copy(), brc.copy(), bcr.copy()
    succ = col_of_row.copy()
    if not info.get("complete"):
        _patch(A, succ)
    if best is not None and best_len < float(A[np.arange(n), succ].sum()):
        succ = best
        info["patched_level"] = True
    tour = np.empty(n, dtype=np.int64)
    j = 0
    for k in range(n):
        tour[k] = j
        j = succ[j]
    return tour, info
