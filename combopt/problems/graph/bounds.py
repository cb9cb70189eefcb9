"""Upper bounds on the independence number that stay cheap on large sparse graphs.

* :func:`greedy_clique_cover` (Numba, ``O(n + m)`` plus a capped amount of scoring work): a partition of the
  vertices into cliques. An independent set holds at most one vertex of each clique, so the number of
  cliques bounds it (tight on disjoint cliques; strong on geometric / unit-disk graphs).
* :func:`lp_bound` (scipy's Hopcroft-Karp): the optimum of the edge LP ``max sum x, x_u + x_v <= 1,
  0 <= x <= 1``, which is ``n - nu_f`` with ``nu_f`` the maximum fractional matching (its dual, a fractional
  edge cover, with isolated vertices covering themselves). ``nu_f`` is half the maximum matching of the
  bipartite double cover (``u_L v_R`` and ``v_L u_R`` for every edge ``uv``): any matching of the double cover
  halves into a fractional matching, so even a smaller matching would give a valid (weaker) bound. Tight on
  bipartite graphs (Konig: ``alpha = n - nu``).
* ``cover_lp`` (:func:`sparse_bounds`): both at once. The independence number is at most the sum of the independence
  numbers of the parts of any vertex partition, so the cliques of three or more vertices count one each and
  the vertices left (the cover's edges and single vertices) count their edge-LP optimum, which is never more
  than the number of those small cliques (they form a matching there).

:func:`sparse_bounds` runs them within size caps and a time budget, by estimated cost: the problem's own
``bound()`` runs before the solver, inside a time limit it does not know, so it gives them a fraction of a second
(:data:`combopt.problems.graph.mis.BOUND_S`); the graph solvers give the parts still missing a share of their time
left. On the 2-core development machine a random graph of 200,000 vertices and 1,000,000 edges took about 0.2 s
for the cover and 0.3 s for a matching.

Imports: numpy, scipy, numba and combopt.core only.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import maximum_bipartite_matching

from ...core.warm import KernelsCold
from .local import _bucket_push, _bucket_unlink

#: largest adjacency (entries, two per edge) Hopcroft-Karp runs on: 2,000,000 (a million edges) took 0.3-0.4 s
MAX_MATCHING_NNZ = 2_500_000
#: largest adjacency the clique cover runs on (its kernel is ``O(n + m)`` plus the scoring work below)
MAX_COVER_NNZ = 40_000_000
#: the cover scores candidates (neighbours inside the candidate set) while its scoring work stays below
#: ``SCORE_WORK_PER_ENTRY * (n + nnz) + SCORE_WORK_EXTRA`` steps; past it, it takes candidates in their order
SCORE_WORK_PER_ENTRY = 20
SCORE_WORK_EXTRA = 5_000_000
#: a matching runs only where it could lower the bound by this share of it (and by one at least)
MIN_MATCHING_GAIN = 1e-3
#: estimated seconds per vertex and adjacency entry of the cover (kernel and check) and per adjacency entry of a
#: matching, about 1.5 times what the 2-core development machine took on a random graph of 200,000 vertices and
#: 1,000,000 edges (0.2 s for the cover, 0.3 s for Hopcroft-Karp), for a part that must fit a time budget
COVER_S_PER_ENTRY = 1.5e-7
MATCH_S_PER_ENTRY = 2.5e-7
#: the parts :func:`sparse_bounds` computes
PARTS = ("clique_cover", "cover_lp", "lp")


def _cover_unless_cold(indptr, indices, work_limit):
    """:func:`greedy_clique_cover`, or ``None`` in a time-limited run on a cold Numba cache (no compiling inside
    the clock: the run's compile gate raises :class:`KernelsCold` before compiling starts)."""
    try:
        return greedy_clique_cover(indptr, indices, work_limit)
    except KernelsCold:
        return None


@njit(cache=True)
def greedy_clique_cover(indptr, indices, work_limit):
    """Partition into cliques: ``group[v]`` is the clique of ``v`` (``0..k-1``); returns ``(group, k)``.

    The uncovered vertex with the fewest uncovered neighbours (a bucket queue, as in a degeneracy order)
    seeds each clique; its uncovered neighbours join it, those with the most neighbours among them first,
    each when it is adjacent to every member so far. Scoring the candidates stops once ``work_limit`` steps are
    spent (candidates are then taken in adjacency order): the rest is ``O(n + m)``. Self-loops are ignored
    and a duplicated edge only makes a vertex join less often, so the groups are always cliques.
    """
    n = indptr.shape[0] - 1
    group = np.full(n, -1, dtype=np.int32)
    deg = np.zeros(n, dtype=np.int32)
    dmax = 0
    for v in range(n):
        deg[v] = indptr[v + 1] - indptr[v]
        if deg[v] > dmax:
            dmax = deg[v]
    head = np.full(dmax + 1, -1, dtype=np.int32)
    nxt = np.empty(n, dtype=np.int32)
    prv = np.empty(n, dtype=np.int32)
    for v in range(n - 1, -1, -1):  # pushed last to first: ties go to the smallest index
        _bucket_push(head, nxt, prv, deg, v)
    seed_of = np.full(n, -1, dtype=np.int32)  # the seed whose candidate a vertex is now
    cnt = np.zeros(n, dtype=np.int32)  # members adjacent to a candidate
    last = np.full(n, -1, dtype=np.int32)  # the member that counted last for a candidate (duplicated entries)
    cand = np.empty(max(dmax, 1), dtype=np.int32)
    score = np.empty(max(dmax, 1), dtype=np.int32)
    members = np.empty(dmax + 1, dtype=np.int32)
    work = 0
    k = 0
    d = 0
    covered = 0
    while covered < n:
        while head[d] < 0:
            d += 1
        v = head[d]
        nc = 0
        for p in range(indptr[v], indptr[v + 1]):
            u = indices[p]
            if u != v and group[u] < 0 and seed_of[u] != v:
                seed_of[u] = v
                cand[nc] = u
                nc += 1
        if nc > 1 and work < work_limit:
            for i in range(nc):
                u = cand[i]
                s = 0
                for p in range(indptr[u], indptr[u + 1]):
                    if seed_of[indices[p]] == v:
                        s += 1
                score[i] = s
                work += indptr[u + 1] - indptr[u]
            for i in range(1, nc):  # insertion sort, most neighbours among the candidates first (stable)
                u, s = cand[i], score[i]
                j = i - 1
                while j >= 0 and score[j] < s:
                    cand[j + 1], score[j + 1] = cand[j], score[j]
                    j -= 1
                cand[j + 1], score[j + 1] = u, s
                work += i - j
        group[v] = k
        members[0] = v
        size = 1
        for p in range(indptr[v], indptr[v + 1]):
            w = indices[p]
            if seed_of[w] == v and last[w] != v:
                last[w] = v
                cnt[w] += 1
        for i in range(nc):
            u = cand[i]
            if cnt[u] == size and group[u] < 0:
                group[u] = k
                members[size] = u
                size += 1
                for p in range(indptr[u], indptr[u + 1]):
                    w = indices[p]
                    if seed_of[w] == v and w != u and last[w] != u:
                        last[w] = u
                        cnt[w] += 1
        for i in range(nc):
            cnt[cand[i]] = 0
            last[cand[i]] = -1
            seed_of[cand[i]] = -1
        for i in range(size):  # the members leave the queue; their uncovered neighbours lose a degree
            x = members[i]
            _bucket_unlink(head, nxt, prv, deg, x)
        for i in range(size):
            x = members[i]
            for p in range(indptr[x], indptr[x + 1]):
                w = indices[p]
                if group[w] < 0 and deg[w] > 0:
                    _bucket_unlink(head, nxt, prv, deg, w)
                    deg[w] -= 1
                    _bucket_push(head, nxt, prv, deg, w)
                    if deg[w] < d:
                        d = deg[w]
        covered += size
        k += 1
    return group, k


def is_clique_partition(indptr: np.ndarray, indices: np.ndarray, group: np.ndarray) -> bool:
    """True when ``group`` labels every vertex and each group of ``s`` vertices holds all ``s (s - 1) / 2`` edges
    (numpy, ``O(n + m)``; the adjacency must be symmetric without duplicates)."""
    n = indptr.shape[0] - 1
    if group.shape[0] != n or (n and group.min() < 0):
        return False
    rows = np.repeat(np.arange(n), np.diff(indptr))
    same = (group[rows] == group[indices]) & (rows != indices)
    inside = np.bincount(group[rows[same]], minlength=int(group.max()) + 1 if n else 0)  # each edge twice
    size = np.bincount(group, minlength=inside.shape[0])
    return bool(np.array_equal(inside, size * (size - 1)))


def _adjacency(indptr: np.ndarray, indices: np.ndarray, keep: np.ndarray | None = None) -> sp.csr_matrix:
    """The (loop-free) adjacency matrix, or that of the subgraph induced by the vertices ``keep`` (boolean)."""
    n = indptr.shape[0] - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    cols = np.asarray(indices, dtype=np.int64)
    ok = rows != cols
    if keep is not None:
        ok &= keep[rows] & keep[cols]
        new = np.cumsum(keep) - 1
        rows, cols, n = new[rows[ok]], new[cols[ok]], int(keep.sum())
    elif not ok.all():
        rows, cols = rows[ok], cols[ok]
    else:
        return sp.csr_matrix((np.ones(cols.size, dtype=np.int8), cols, np.asarray(indptr, dtype=np.int64)),
                             shape=(n, n))
    return sp.csr_matrix((np.ones(cols.size, dtype=np.int8), (rows, cols)), shape=(n, n))


def lp_bound(A: sp.csr_matrix) -> float:
    """``n - nu_f``: the edge-LP optimum of the graph with (symmetric, loop-free) adjacency ``A``, from a maximum
    matching of its bipartite double cover (rows: left copies, columns: right copies)."""
    n = A.shape[0]
    if n == 0:
        return 0.0
    if A.nnz == 0:
        return float(n)
    match = maximum_bipartite_matching(A.tocsr(), perm_type="column")
    return n - float(np.count_nonzero(match >= 0)) / 2.0


def _worth(bound: float, least: float) -> bool:
    """Whether a matching whose result is at least ``least`` could lower ``bound`` by :data:`MIN_MATCHING_GAIN` of
    it, and by one at least."""
    return bound - math.floor(least + 1e-9) >= max(1.0, MIN_MATCHING_GAIN * bound)


def sparse_bounds(indptr: np.ndarray, indices: np.ndarray, seconds: float = math.inf,
                  memo: dict | None = None, virtual: bool = False) -> tuple[dict[str, float], bool]:
    """The bounds above by name (``clique_cover``, ``cover_lp``, ``lp``) that fit their size caps and, by their
    estimated cost, ``seconds``; and whether every part is settled (computed, or skipped for good: over a size
    cap, or unable to lower the bound enough). ``memo`` (a dict the caller keeps) holds what was computed, so a
    later call with more time only adds the parts still missing; a kernel stopped by a time-limited run's
    compile gate (a cold Numba cache) leaves its part unsettled as well. ``virtual``: ``seconds`` is a budget of
    estimated cost, not of the clock, so that the same graph gets the same parts in every process (the first call of
    a process, which also loads the kernels, left out ``cover_lp`` that later calls computed).

    ``cover_lp`` is never above ``clique_cover``. A matching runs only where it could lower the best bound so
    far by :data:`MIN_MATCHING_GAIN` of it (:func:`_worth`; an edge LP is at least half its vertices, ``x = 1/2``,
    isolated vertices counting fully): on a random graph of 200,000 vertices and a million edges, covered by
    about ``n / 2`` cliques, it could not, and the cover alone answers."""
    memo = {} if memo is None else memo
    out: dict[str, float] = memo.setdefault("bounds", {})
    done: set[str] = memo.setdefault("settled", set())
    n = int(indptr.shape[0]) - 1
    nnz = int(indptr[-1]) if n >= 0 else 0
    if n <= 0:
        out["clique_cover"] = 0.0
        done.update(PARTS)
        return dict(out), True
    end = time.perf_counter() + seconds
    spent = [0.0]

    def fits(cost: float) -> bool:
        if virtual:  # (a part that fits is computed: its estimate is spent)
            spent[0] += cost
            return spent[0] <= seconds
        return time.perf_counter() + cost <= end

    if "clique_cover" not in done:
        if nnz > MAX_COVER_NNZ:
            done.update(("clique_cover", "cover_lp"))
        elif fits(COVER_S_PER_ENTRY * (n + nnz)):
            cover = _cover_unless_cold(indptr, indices, SCORE_WORK_PER_ENTRY * (n + nnz) + SCORE_WORK_EXTRA)
            if cover is not None:  # else not settled: a later call (or a warm cache) computes it
                group, k = cover
                done.add("clique_cover")
                if is_clique_partition(indptr, indices, group):
                    out["clique_cover"] = float(k)
                    size = np.bincount(group, minlength=k)
                    memo["small"] = size[group] < 3  # the vertices of the cover's edges and single vertices
                    memo["big"] = int(np.count_nonzero(size >= 3))
                else:  # never seen; a kernel bug must not give a wrong bound
                    done.add("cover_lp")
    if "cover_lp" not in done and "small" in memo:
        small, big = memo["small"], memo["big"]
        rest = int(np.count_nonzero(small))
        entries = int(np.diff(indptr)[small].sum())  # at least the subgraph's adjacency
        if not rest or not _worth(out["clique_cover"], big + rest / 2.0) or entries > MAX_MATCHING_NNZ:
            done.add("cover_lp")
        elif fits(MATCH_S_PER_ENTRY * entries):
            out["cover_lp"] = big + lp_bound(_adjacency(indptr, indices, small))
            done.add("cover_lp")
        if big == 0 and "cover_lp" in done:
            done.add("lp")  # the whole graph's edge LP is that one
    if "lp" not in done:
        least = (n + int(np.count_nonzero(np.diff(indptr) == 0))) / 2.0
        best = min(out.values(), default=math.inf)
        if nnz > MAX_MATCHING_NNZ or (best < math.inf and not _worth(best, least)):
            done.add("lp")
        elif fits(MATCH_S_PER_ENTRY * nnz):
            out["lp"] = lp_bound(_adjacency(indptr, indices))
            done.add("lp")
    return dict(out), done >= set(PARTS)


def best_bound(bounds: dict[str, float | None]) -> float | None:
    """The smallest of the finite bounds, rounded down (each is at least the integral optimum), or ``None``."""
    vals = [b for b in bounds.values() if b is not None and math.isfinite(b)]
    return float(math.floor(min(vals) + 1e-9)) if vals else None
