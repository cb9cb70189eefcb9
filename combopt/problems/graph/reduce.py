"""Exact reductions for maximum independent set (the kernelization of KaMIS / ReduMIS, Lamm et al. 2017).

Each rule turns the graph ``G`` into a smaller ``G'`` with ``alpha(G) = alpha(G') + c`` and a map that lifts *any*
independent set of ``G'`` to one of ``G`` that is ``c`` larger, so that a search on the kernel loses nothing and an
upper bound on the kernel plus the offset bounds ``G``:

* **degree 0 / 1**: a vertex ``v`` with at most one neighbour is in some maximum independent set: take it, remove
  its closed neighbourhood (``c = 1``);
* **domination**: when ``N[v]`` is inside ``N[u]`` for a neighbour ``u`` of ``v``, some maximum independent set
  avoids ``u``: remove ``u`` (``c = 0``; a vertex whose neighbours form a clique, degree 2 in a triangle
  included, is dominated by each of them and ends with degree 0);
* **degree-2 folding**: a vertex ``v`` with two non-adjacent neighbours ``u``, ``w``: remove ``v`` and ``w``
  and give ``u`` the neighbours of both (``c = 1``). Lifting: when the merged vertex is in the set, ``u`` and
  ``w`` are; otherwise ``v`` is;
* **unconfined vertices** (Xiao and Nagamochi 2013, as in KaMIS): a vertex that some maximum independent set
  avoids, found by growing an independent set from it (:func:`_unconfined`; domination is the case of one step):
  remove it (``c = 0``). On a random geometric graph of 50,000 vertices it took the kernel from 17,586 vertices
  to 7,662;
* **twin** (Xiao and Nagamochi 2013, as in KaMIS): two vertices ``u``, ``v`` of degree 3 with the same neighbours
  ``a < b < c``. With an edge among those, some maximum independent set holds ``u`` and ``v``: take both, remove
  ``a, b, c`` (``c = 2``). Else fold: ``a`` takes the neighbours of ``b`` and ``c``, and ``u, v, b, c`` go
  (``c = 2``); lifting, the merged ``a`` in the set brings ``b`` and ``c``, else ``u`` and ``v`` join;
* **LP (Nemhauser-Trotter)**: once the other rules are done, a maximum matching of the kernel's bipartite double
  cover (scipy's Hopcroft-Karp) and Konig's cover from it give an optimal half-integral solution of the edge LP;
  some maximum independent set avoids every vertex at 0 in it, and those are removed (``c = 0``; the vertices at
  1 are then isolated and taken by the degree-0 rule); repeated with the other rules while it removes any and its
  estimated cost (``bounds.MATCH_S_PER_ENTRY`` an adjacency entry) fits the deadline. On a
  1200 x 1200 grid with 20 % of its vertices deleted the other rules leave 123,709 vertices, of which it removes
  50,202 at once (and takes 52,765).

The rules run to a fixpoint from a queue of vertices whose neighbourhood changed (smallest degree first), in a
Numba kernel over sorted adjacency segments in one growing pool (a vertex's entries stay where they are when a
neighbour dies, and are skipped by a liveness check; a fold writes the merged vertex a new segment and renames the
other end in its neighbours' segments, keeping them sorted, so that adjacency tests are binary searches). The kernel
runs in chunks of :data:`_CHECK_EVERY` queue pops between deadline checks: reductions applied before the deadline are
exact, so a cut-short run still gives a valid (larger) kernel. Domination is checked from vertices of degree at most
:data:`MAX_DOMINATION_DEGREE` (``O(d^2 log d')`` each), unconfinement from vertices of degree at most
:data:`MAX_UNCONFINED_DEGREE`. Where no vertex is that small the graph is left alone.

The independent sets of the kernel lift in reverse order of the rules (each lift only adds the vertices its own
rule removed). Imports: numpy, scipy, numba and the standard library.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import maximum_bipartite_matching

from ...core.limits import max_memory
from .bounds import MATCH_S_PER_ENTRY

#: domination is checked from vertices of at most this degree (each check costs up to ``d^2`` set lookups)
MAX_DOMINATION_DEGREE = 64
#: the unconfined rule is checked from vertices of at most this degree, growing its set ``S`` at most this often
MAX_UNCONFINED_DEGREE = 256
MAX_UNCONFINED_GROWTH = 16
#: twins of a degree-3 vertex are looked for among the neighbours of its smallest neighbour, up to this degree
MAX_TWIN_SCAN = 256
#: largest adjacency (entries, two per edge) reduced: the pool starts as a copy of it (8 bytes an entry) and grows
#: with the folds
MAX_REDUCE_NNZ = 60_000_000
#: memory of a run: the pool (1.25-1.5 copies of the adjacency, 8 bytes an entry) and twelve arrays over the
#: vertices (state, queue, marks, the rules' log of four columns); graphs over the memory budget are left alone
REDUCE_BYTES_PER_ENTRY = 16
REDUCE_BYTES_PER_VERTEX = 100
#: estimated seconds per vertex and adjacency entry (a pass of the rules: 0.06-0.12 us were measured on the 2-core
#: machine, on grids, random, geometric and power-law graphs of 0.5-1.3 million entries)
REDUCE_S_PER_ENTRY = 1.5e-7
#: the time check runs every this many queue pops (one pop costs at most ``MAX_DOMINATION_DEGREE^2`` binary searches)
_CHECK_EVERY = 4096
#: the give-up check of ``min_cut`` runs on graphs of at least this many vertices
_MIN_CHECKPOINT_N = 1024

_TAKE = 0
_FOLD = 1


@dataclass
class Reduction:
    """A kernel of the graph and how its independent sets lift back.

    ``vertices``: the original index of each kernel vertex (a folded vertex keeps the index of its ``u``);
    ``indptr`` / ``indices``: the kernel's adjacency over positions in ``vertices``; ``offset``: what every lifted
    set gains; ``complete``: whether the rules reached their fixpoint (else the deadline cut them short).
    """

    n: int
    vertices: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    offset: int
    ops: np.ndarray
    complete: bool
    seconds: float
    counts: dict

    @property
    def kernel_n(self) -> int:
        return int(self.vertices.size)

    def lift(self, kernel_set) -> np.ndarray:
        """Sorted original indices of the independent set of ``G`` lifted from ``kernel_set`` (positions in the
        kernel, an independent set of it): ``len(kernel_set) + offset`` vertices."""
        inside = np.zeros(self.n, dtype=np.bool_)
        inside[self.vertices[np.asarray(kernel_set, dtype=np.int64)]] = True
        _lift(inside, self.ops)
        return np.flatnonzero(inside)

    def info(self) -> dict:
        return {"kernel_vertices": self.kernel_n, "kernel_edges": int(self.indices.size // 2),
                "reduction_offset": self.offset, "reduction_complete": self.complete,
                "reduction_s": round(self.seconds, 3), "reductions": dict(self.counts)}


def worth_trying(indptr: np.ndarray, seconds: float = math.inf) -> bool:
    """Whether :func:`reduce_graph` may remove anything (some vertex is small enough for the local rules to start
    from) and fits its size cap, the memory budget and (by estimate) ``seconds``."""
    n = int(indptr.shape[0]) - 1
    nnz = int(indptr[-1]) if n > 0 else 0
    if n <= 0 or nnz > MAX_REDUCE_NNZ or REDUCE_S_PER_ENTRY * (n + nnz) > seconds:
        return False
    if REDUCE_BYTES_PER_VERTEX * n + REDUCE_BYTES_PER_ENTRY * nnz > max_memory():
        return False
    return int(np.diff(indptr).min()) <= max(MAX_DOMINATION_DEGREE, MAX_UNCONFINED_DEGREE)


# state slots of the kernel (one int64 array, so that a cut-short run resumes where it stopped)
_POOL_END, _QHEAD, _QCOUNT, _STAMP, _NOPS, _OFFSET, _POPS, _DEAD, _N01, _NDOM, _NFOLD, _NUNC, _NLP, _NTWIN = range(14)
_SLOTS = 14


@njit(cache=True)
def _lift(inside, ops):
    """Undo the rules on a membership mask, in reverse order (each adds the vertices its own rule removed)."""
    for k in range(ops.shape[0] - 1, -1, -1):
        if ops[k, 0] == _TAKE:
            inside[ops[k, 1]] = True
        elif inside[ops[k, 2]]:
            inside[ops[k, 3]] = True
        else:
            inside[ops[k, 1]] = True


@njit(cache=True)
def _lower(pool, s, length, x):
    """The first position of the sorted segment ``pool[s:s + length]`` whose entry is not below ``x``."""
    lo = s
    hi = s + length
    while lo < hi:
        mid = (lo + hi) >> 1
        if pool[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True)
def _has(pool, s, length, x):
    """Whether ``x`` is in the sorted segment ``pool[s:s + length]`` (dead entries included)."""
    p = _lower(pool, s, length, x)
    return p < s + length and pool[p] == x


@njit(cache=True)
def _push(queue, inq, st, x):
    if not inq[x]:
        inq[x] = True
        n = queue.shape[0]
        queue[(st[_QHEAD] + st[_QCOUNT]) % n] = x
        st[_QCOUNT] += 1


@njit(cache=True)
def _kill(x, pool, start, length, deg, alive, queue, inq, st):
    """Remove ``x``: its live neighbours lose a degree and are queued."""
    for i in range(start[x], start[x] + length[x]):
        y = pool[i]
        if alive[y]:
            deg[y] -= 1
            _push(queue, inq, st, y)
    alive[x] = False
    deg[x] = 0
    st[_DEAD] += 1


@njit(cache=True)
def _rename(pool, s, length, old, new):
    """Replace ``old`` by ``new < old`` in the sorted segment, keeping it sorted (the entries between move up)."""
    p = _lower(pool, s, length, old)
    while p > s and pool[p - 1] > new:
        pool[p] = pool[p - 1]
        p -= 1
    pool[p] = new


@njit(cache=True)
def _fold(v, u, w, pool, start, length, deg, alive, queue, inq, mark, st):
    """Fold the degree-2 vertex ``v`` with non-adjacent neighbours ``u < w``: ``u`` takes the neighbours of both,
    ``v`` and ``w`` go. Returns the pool (a new, larger one when the merged segment does not fit)."""
    alive[v] = False
    deg[v] = 0
    st[_DEAD] += 1
    return _merge(u, w, pool, start, length, deg, alive, queue, inq, mark, st)


@njit(cache=True)
def _merge(u, w, pool, start, length, deg, alive, queue, inq, mark, st):
    """``u`` takes the live neighbours of the non-adjacent ``w > u`` (a new sorted segment of ``u``; ``w``'s neighbours
    rename ``w`` to ``u``, or lose a degree where ``u`` is already there) and ``w`` goes. Returns the pool (a new,
    larger one when the merged segment does not fit)."""
    alive[w] = False
    st[_DEAD] += 1
    st[_STAMP] += 1
    stamp = st[_STAMP]
    su, lu, sw, lw = start[u], length[u], start[w], length[w]
    for i in range(su, su + lu):
        mark[pool[i]] = stamp
    need = deg[u] + deg[w]
    end = st[_POOL_END]
    if end + need > pool.shape[0]:
        grown = np.empty(max(pool.shape[0] + pool.shape[0] // 2, end + need), dtype=pool.dtype)
        grown[:end] = pool[:end]
        pool = grown
    # merge the two sorted live lists into the new segment of u
    i, j, k = su, sw, end
    while i < su + lu or j < sw + lw:
        if j >= sw + lw or (i < su + lu and pool[i] <= pool[j]):
            y = pool[i]
            i += 1
            if j < sw + lw and pool[j] == y:
                j += 1
        else:
            y = pool[j]
            j += 1
        if alive[y]:
            pool[k] = y
            k += 1
    for t in range(sw, sw + lw):  # w's neighbours: renamed to u, or a degree less where u was already there
        y = pool[t]
        if alive[y]:
            if mark[y] == stamp:
                deg[y] -= 1
            else:
                _rename(pool, start[y], length[y], w, u)
    start[u] = end
    length[u] = k - end
    deg[u] = k - end
    deg[w] = 0
    st[_POOL_END] = k
    _push(queue, inq, st, u)
    for t in range(end, k):
        _push(queue, inq, st, pool[t])
    return pool


@njit(cache=True)
def _dominator(v, d, pool, start, length, deg, alive, nb):
    """A live neighbour ``u`` of ``v`` with ``N[v]`` inside ``N[u]``, or -1; ``nb`` receives ``v``'s live
    neighbours."""
    c = 0
    for i in range(start[v], start[v] + length[v]):
        y = pool[i]
        if alive[y]:
            nb[c] = y
            c += 1
    for a in range(d):
        u = nb[a]
        if deg[u] < d:
            continue
        ok = True
        for b in range(d):
            if b != a and not _has(pool, start[u], length[u], nb[b]):
                ok = False
                break
        if ok:
            return u
    return -1


@njit(cache=True)
def _unconfined(v, pool, start, length, deg, alive, mark, smark, cnt, nsl, st, max_grow):
    """Whether ``v`` is unconfined (Xiao and Nagamochi 2013): grow an independent set ``S`` from ``{v}``; a *child*
    is a vertex ``u`` of ``N(S)`` with one neighbour in ``S``. A child with no neighbour outside ``N[S]`` makes ``v``
    unconfined (some maximum independent set avoids it); else a child with exactly one, ``w``, adds ``w`` to ``S``;
    else (or after ``max_grow`` additions) ``v`` is confined. ``mark`` flags ``N[S]``, ``smark`` flags ``S``,
    ``cnt`` counts neighbours in ``S``, ``nsl`` lists ``N(S)``."""
    st[_STAMP] += 1
    stamp = st[_STAMP]
    mark[v] = stamp
    smark[v] = stamp
    c = 0
    for i in range(start[v], start[v] + length[v]):
        y = pool[i]
        if alive[y]:
            mark[y] = stamp
            cnt[y] = 1
            nsl[c] = y
            c += 1
    for _ in range(max_grow + 1):
        best_out = 2
        best_w = -1
        for a in range(c):
            u = nsl[a]
            if cnt[u] != 1:
                continue
            out = 0
            w = -1
            for i in range(start[u], start[u] + length[u]):
                z = pool[i]
                if alive[z] and mark[z] != stamp:
                    out += 1
                    w = z
                    if out >= best_out:
                        break
            if out < best_out:
                best_out = out
                best_w = w
                if out == 0:
                    return True
        if best_out >= 2:
            return False
        w = best_w  # outside N[S]: S stays independent
        mark[w] = stamp
        smark[w] = stamp
        for i in range(start[w], start[w] + length[w]):
            z = pool[i]
            if alive[z]:
                if mark[z] != stamp:
                    mark[z] = stamp
                    cnt[z] = 1
                    nsl[c] = z
                    c += 1
                else:
                    cnt[z] += 1
    return False


@njit(cache=True)
def _twin(v, nb, pool, start, length, deg, alive, max_scan):
    """A twin of the degree-3 vertex ``v`` (live neighbours ``nb[0] < nb[1] < nb[2]``): another vertex of degree 3
    with the same neighbours, or -1. Looked for among the neighbours of the smallest of the three, when its degree is
    at most ``max_scan``."""
    x = nb[0]
    for t in range(1, 3):
        if deg[nb[t]] < deg[x]:
            x = nb[t]
    if deg[x] > max_scan:
        return -1
    for i in range(start[x], start[x] + length[x]):
        y = pool[i]
        if not alive[y] or y == v or deg[y] != 3 or y == nb[0] or y == nb[1] or y == nb[2]:
            continue
        s, ln = start[y], length[y]
        if _has(pool, s, ln, nb[0]) and _has(pool, s, ln, nb[1]) and _has(pool, s, ln, nb[2]):
            return y
    return -1


@njit(cache=True)
def _apply_twin(v, u, nb, pool, start, length, deg, alive, queue, inq, mark, ops, st):
    """The twin rule (Xiao and Nagamochi 2013, as in KaMIS) on the degree-3 twins ``u``, ``v`` with neighbours
    ``a < b < c`` (``nb``). With an edge among ``a, b, c`` some maximum independent set holds ``u`` and ``v``: take
    them, remove ``a, b, c``. Else fold: ``a`` takes the neighbours of ``b`` and ``c``, and ``u, v, b, c`` go
    (``c = 2``); lifting, the merged ``a`` in the set brings ``b`` and ``c``, else ``u`` and ``v`` join. Returns the
    pool."""
    a, b, c = nb[0], nb[1], nb[2]
    edge = _has(pool, start[a], length[a], b) or _has(pool, start[a], length[a], c) or \
        _has(pool, start[b], length[b], c)
    for x in (u, v):
        alive[x] = False
        deg[x] = 0
        k = st[_NOPS]
        ops[k, 0] = _TAKE if edge else _FOLD
        ops[k, 1] = x
        ops[k, 2] = a
        ops[k, 3] = b if x == u else c
        st[_NOPS] += 1
    st[_DEAD] += 2
    st[_OFFSET] += 2
    st[_NTWIN] += 1
    if edge:
        for x in (a, b, c):
            _kill(x, pool, start, length, deg, alive, queue, inq, st)
        return pool
    pool = _merge(a, b, pool, start, length, deg, alive, queue, inq, mark, st)
    return _merge(a, c, pool, start, length, deg, alive, queue, inq, mark, st)


@njit(cache=True)
def _run(pool, start, length, deg, alive, queue, inq, mark, smark, cnt, nsl, ops, st, max_pops, max_dom,
         max_unc, max_grow, max_twin):
    """Pop vertices and apply the first rule that fits until the queue is empty or ``max_pops`` pops in all; returns
    the pool (it may have grown)."""
    n = queue.shape[0]
    nb = np.empty(max_dom + 1, dtype=np.int64)
    while st[_QCOUNT] > 0 and st[_POPS] < max_pops:
        st[_POPS] += 1
        v = queue[st[_QHEAD]]
        st[_QHEAD] = (st[_QHEAD] + 1) % n
        st[_QCOUNT] -= 1
        inq[v] = False
        if not alive[v]:
            continue
        d = deg[v]
        if d <= 1:
            if d == 1:
                for i in range(start[v], start[v] + length[v]):
                    if alive[pool[i]]:
                        _kill(pool[i], pool, start, length, deg, alive, queue, inq, st)
                        break
            alive[v] = False
            deg[v] = 0
            st[_DEAD] += 1
            k = st[_NOPS]
            ops[k, 0] = _TAKE
            ops[k, 1] = v
            st[_NOPS] += 1
            st[_OFFSET] += 1
            st[_N01] += 1
            continue
        if d > max_dom:
            if d <= max_unc and _unconfined(v, pool, start, length, deg, alive, mark, smark, cnt, nsl, st, max_grow):
                _kill(v, pool, start, length, deg, alive, queue, inq, st)
                st[_NUNC] += 1
            continue
        u = _dominator(v, d, pool, start, length, deg, alive, nb)
        if u >= 0:
            _kill(u, pool, start, length, deg, alive, queue, inq, st)
            st[_NDOM] += 1
            _push(queue, inq, st, v)
            continue
        if d == 2:  # the two neighbours are not adjacent (else each dominates v); nb[0] < nb[1]
            k = st[_NOPS]
            ops[k, 0] = _FOLD
            ops[k, 1] = v
            ops[k, 2] = nb[0]
            ops[k, 3] = nb[1]
            st[_NOPS] += 1
            st[_OFFSET] += 1
            st[_NFOLD] += 1
            pool = _fold(v, nb[0], nb[1], pool, start, length, deg, alive, queue, inq, mark, st)
        elif d <= max_unc and _unconfined(v, pool, start, length, deg, alive, mark, smark, cnt, nsl, st, max_grow):
            _kill(v, pool, start, length, deg, alive, queue, inq, st)
            st[_NUNC] += 1
        elif d == 3 and max_twin > 0:
            u = _twin(v, nb, pool, start, length, deg, alive, max_twin)
            if u >= 0:
                pool = _apply_twin(v, u, nb, pool, start, length, deg, alive, queue, inq, mark, ops, st)
    return pool


@njit(cache=True)
def _kernel_csr(pool, start, length, alive):
    """The live vertices and their live adjacency (renumbered, still sorted)."""
    n = start.shape[0]
    pos = np.full(n, -1, dtype=np.int64)
    keep_n = 0
    for v in range(n):
        if alive[v]:
            pos[v] = keep_n
            keep_n += 1
    keep = np.empty(keep_n, dtype=np.int64)
    kp = np.zeros(keep_n + 1, dtype=np.int64)
    for v in range(n):
        if alive[v]:
            c = 0
            for i in range(start[v], start[v] + length[v]):
                if alive[pool[i]]:
                    c += 1
            keep[pos[v]] = v
            kp[pos[v] + 1] = c
    for r in range(keep_n):
        kp[r + 1] += kp[r]
    kx = np.empty(kp[keep_n], dtype=np.int64)
    for r in range(keep_n):
        v = keep[r]
        c = kp[r]
        for i in range(start[v], start[v] + length[v]):
            if alive[pool[i]]:
                kx[c] = pos[pool[i]]
                c += 1
    return keep, kp, kx


@njit(cache=True)
def _lp_cover(kp, kx, match):
    """Twice the half-integral optimum of the vertex-cover LP (0, 1 or 2 per vertex) that the maximum matching
    ``match`` (left copy -> right copy) of the bipartite double cover gives: Konig's cover ``(L - Z) + (R & Z)``,
    ``Z`` reachable from the unmatched left copies along alternating paths, counted per vertex over its two copies.
    A vertex at 2 is in some minimum vertex cover, so some maximum independent set avoids it (Nemhauser-Trotter)."""
    k = kp.shape[0] - 1
    mate = np.full(k, -1, dtype=np.int64)
    for v in range(k):
        if match[v] >= 0:
            mate[match[v]] = v
    seen_l = np.zeros(k, dtype=np.bool_)
    seen_r = np.zeros(k, dtype=np.bool_)
    queue = np.empty(k, dtype=np.int64)
    tail = 0
    for v in range(k):
        if match[v] < 0:
            seen_l[v] = True
            queue[tail] = v
            tail += 1
    head = 0
    while head < tail:
        v = queue[head]
        head += 1
        for i in range(kp[v], kp[v + 1]):
            y = kx[i]
            if not seen_r[y]:
                seen_r[y] = True
                u = mate[y]
                if u >= 0 and not seen_l[u]:
                    seen_l[u] = True
                    queue[tail] = u
                    tail += 1
    cover = np.empty(k, dtype=np.int8)
    for v in range(k):
        cover[v] = (0 if seen_l[v] else 1) + (1 if seen_r[v] else 0)
    return cover


def lp_cover(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Twice an optimal half-integral solution of the vertex-cover LP of the graph (see :func:`_lp_cover`): the edge
    LP bound on the independence number is ``n - cover.sum() / 2``."""
    n = indptr.shape[0] - 1
    A = sp.csr_matrix((np.ones(indices.size, dtype=np.int8), indices, indptr), shape=(n, n))
    match = np.asarray(maximum_bipartite_matching(A, perm_type="column"), dtype=np.int64)
    return _lp_cover(np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int64), match)


@njit(cache=True)
def _kill_all(vs, pool, start, length, deg, alive, queue, inq, st):
    for x in vs:
        _kill(x, pool, start, length, deg, alive, queue, inq, st)


def _lp_round(pool, start, length, deg, alive, queue, inq, st) -> int:
    """One Nemhauser-Trotter step on the live graph (see the module docstring); returns how many vertices went."""
    keep, kp, kx = _kernel_csr(pool, start, length, alive)
    if kx.size == 0:
        return 0
    out = keep[lp_cover(kp, kx) == 2]
    _kill_all(out, pool, start, length, deg, alive, queue, inq, st)
    st[_NLP] += out.size
    return int(out.size)


def reduce_graph(indptr: np.ndarray, indices: np.ndarray, seconds: float = math.inf,
                 min_cut: float = 0.0, unconfined: bool = True, lp: bool = True, twin: bool = True) -> Reduction | None:
    """Apply the rules of the module to the graph (CSR, both directions of each edge, sorted rows) within
    ``seconds``.

    ``min_cut`` > 0: give up (``None``) when, once the quarter of the vertices of smallest degree has been
    looked at (where the rules mostly apply), fewer than ``min_cut / 4`` of all vertices are gone: on a random
    graph of 200,000 vertices and a million edges the rules remove 6 % of the vertices, few of them early.
    ``unconfined=False``, ``lp=False`` and ``twin=False`` leave those rules out (the others are the previous Python
    version's, for comparison).
    """
    t0 = time.perf_counter()
    end = t0 + seconds
    n = int(indptr.shape[0]) - 1
    indptr = np.asarray(indptr, dtype=np.int64)
    pool = np.empty(max(16, indices.size + indices.size // 4), dtype=np.int64)
    pool[:indices.size] = indices
    pool[:indices.size] = _sorted_rows(indptr, pool[:indices.size])
    start = indptr[:-1].copy()
    length = np.diff(indptr)
    deg = length.copy()
    alive = np.ones(n, dtype=np.bool_)
    queue = np.argsort(deg, kind="stable").astype(np.int64)
    inq = np.ones(n, dtype=np.bool_)
    mark = np.full(n, -1, dtype=np.int64)
    smark = np.full(n, -1, dtype=np.int64)
    cnt = np.zeros(n, dtype=np.int64)
    nsl = np.empty(n, dtype=np.int64)
    ops = np.empty((n, 4), dtype=np.int64)
    st = np.zeros(_SLOTS, dtype=np.int64)
    st[_POOL_END] = indices.size
    st[_QCOUNT] = n
    checkpoint = n // 4 if min_cut > 0 and n >= _MIN_CHECKPOINT_N else -1
    complete = True
    while complete:
        while st[_QCOUNT] > 0:
            target = int(st[_POPS]) + _CHECK_EVERY
            if 0 < checkpoint and st[_POPS] < checkpoint:
                target = min(target, checkpoint)
            pool = _run(pool, start, length, deg, alive, queue, inq, mark, smark, cnt, nsl, ops, st, target,
                        MAX_DOMINATION_DEGREE, MAX_UNCONFINED_DEGREE if unconfined else 0, MAX_UNCONFINED_GROWTH,
                        MAX_TWIN_SCAN if twin else 0)
            if st[_POPS] == checkpoint and st[_DEAD] < min_cut * n / 4:
                return None
            if st[_QCOUNT] > 0 and time.perf_counter() > end:
                complete = False
                break
        if not complete or not lp or time.perf_counter() + MATCH_S_PER_ENTRY * int(deg.sum()) > end or \
                _lp_round(pool, start, length, deg, alive, queue, inq, st) == 0:
            break
    keep, kp, kx = _kernel_csr(pool, start, length, alive)
    counts = {"degree_0_1": int(st[_N01]), "domination": int(st[_NDOM]), "fold": int(st[_NFOLD]),
              "unconfined": int(st[_NUNC]), "lp": int(st[_NLP]), "twin": int(st[_NTWIN])}
    return Reduction(n, keep, kp, kx, int(st[_OFFSET]), ops[:st[_NOPS]].copy(), complete,
                     time.perf_counter() - t0, counts)


def _sorted_rows(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """The adjacency with every row sorted (a no-op copy check where it already is, the usual case)."""
    if indices.size < 2:
        return indices
    rows_break = np.zeros(indices.size, dtype=bool)
    rows_break[indptr[1:-1][indptr[1:-1] < indices.size]] = True
    if not np.any((np.diff(indices) < 0) & ~rows_break[1:]):
        return indices
    rows = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    return indices[np.lexsort((indices, rows))]
