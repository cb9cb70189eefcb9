"""TSP local search (Numba): 2-opt, Or-opt, 3-opt, iterated local search, assignment decoding.

Public building blocks (numpy in, numpy out; the input tour is not modified):

* :func:`two_opt`, :func:`or_opt`, :func:`improve_tour` -- local optima of
  2-opt, Or-opt (move a segment of 1..3 cities, either orientation) or both,
  searched with neighbour lists and don't-look bits (a queue of cities whose
  surroundings changed), repeated over all cities until a pass finds nothing.
  With full lists (``k >= n-1``) the result is a true local optimum;
* :func:`decode_assignment` -- an ``n x n`` (city x position) score matrix,
  real or 0/1, to a permutation by a maximum-weight linear assignment; the
  ``(n-1) x (n-1)`` form with city 0 fixed at position 0 is accepted too;
* :func:`nearest_neighbour`, :func:`tour_length`, :func:`neighbour_lists`,
  :func:`one_tree_kernel` (Prim 1-tree for the Held-Karp bound);
* :func:`ils_walk` / :func:`ils_batch` -- iterated local search (double-bridge
  kick, local search around the kick, accept when not worse, restart from a
  random nearest-neighbour tour after a stall); one walk, or several in
  parallel. The solver ``tsp-ls`` (default for kind ``tsp``) drives them.
* :func:`three_opt` -- a local optimum of the sequential 3-opt move (Lin-Kernighan depth 3; the
  kernels' third flag ``use_three``, used by ``tsp-ls``), alone or after 2-opt and Or-opt; with ``depth >= 2``
  (``use_three`` = the depth) Lin-Kernighan chains of 3-opt steps (``combopt.problems.tsp.kopt``).

The 3-opt move (Lin-Kernighan depth 3; ``kopt._try_three_opt``), from a city ``t1``: ``t2`` a tour neighbour of
``t1`` (both sides), ``t3`` in the neighbour list of
``t2`` with ``g1 = d(t1, t2) - d(t2, t3) > 0``, both tour neighbours ``t4`` of ``t3``, ``t5`` in the
neighbour list of ``t4`` with ``g1 + d(t3, t4) - d(t4, t5) > 0``, and every ``t6`` next to ``t5`` that
closes a tour with the edge ``(t6, t1)``: edges ``(t1, t2), (t3, t4), (t5, t6)`` out, ``(t2, t3),
(t4, t5), (t6, t1)`` in. Where ``t4`` closes a tour at once the 2-opt move ``(t4, t1)`` is tried
first, so the neighbourhood holds every 2-opt move as well. The first improving move is applied as
two or three reversals (:func:`_reverse`). By the gain criterion (every
improving sequential move has a rotation with positive partial gains) a tour with no improving
move from any city is a true 3-opt local optimum when the lists are full (``k >= n-1``).

The kernels take their distances as a matrix or as points with a TSPLIB rule (``combopt.problems.tsp.metric``:
large coordinate instances keep no matrix). The Python wrappers hand the kernels float64 matrices (one compiled version,
cached on disk): for integer distances moves must gain at least 1 (``eps =
0.5``), for real ones more than ``1e-12 max|D|``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ...core.errors import ParameterError
from .kopt import _journal, _move2, _push, _reverse, _reverse_j, _tour_len, _try_lk, _try_three_opt  # noqa: F401
from .metric import METRIC_CODES, _d, _point_distance, _size, dense_metric, point_metric  # noqa: F401

MAX_SEGMENT = 3  # Or-opt moves segments of 1..3 cities

# ------------------------------------------------------------------------------- helpers
@njit(cache=True)
def _try_two_opt(tour, pos, D, nbr, a, queue, inq, qs, eps):
    """First improving 2-opt move with a new edge (a, c), c a neighbour of a."""
    n = tour.shape[0]
    K = nbr.shape[1]
    zero = 0.0
    for direction in range(2):
        if direction == 0:
            b = tour[(pos[a] + 1) % n]
        else:
            b = tour[(pos[a] - 1 + n) % n]
        d_ab = _d(D, a, b)
        for k in range(K):
            c = nbr[a, k]
            d_ac = _d(D, a, c)
            if d_ac - d_ab >= -eps:
                break
            if direction == 0:
                d = tour[(pos[c] + 1) % n]
            else:
                d = tour[(pos[c] - 1 + n) % n]
            if c == b or d == a:
                continue
            delta = d_ac + _d(D, b, d) - d_ab - _d(D, c, d)
            if delta < -eps:
                if direction == 0:  # a b ... c d  ->  a c ... b d
                    _reverse_j(tour, pos, pos[b], pos[c], qs)
                else:  # b a ... d c  ->  b d ... a c
                    _reverse_j(tour, pos, pos[a], pos[d], qs)
                _push(queue, inq, qs, a)
                _push(queue, inq, qs, b)
                _push(queue, inq, qs, c)
                _push(queue, inq, qs, d)
                return delta
    return zero


@njit(cache=True)
def _move_segment(tour, pos, s, L, u, reverse, qs):
    """Move the segment at positions ``s..s+L-1`` to sit after city ``u`` (``u`` and the city after it
    outside the segment): two 2-opt moves (the segment lands reversed between ``u`` and ``v``), a third
    turns it back. Each reverses the shorter side, so the cost is the tour distance between the segment
    and ``u`` (at most ``n/2``), not a rebuild of the whole tour."""
    n = tour.shape[0]
    first = tour[s]
    last = tour[(s + L - 1) % n]
    p = tour[(s - 1 + n) % n]
    q = tour[(s + L) % n]
    v = tour[(pos[u] + 1) % n]
    # p [first..last] q ... u v  ->  p u ... q [last..first] v  ->  p q ... u [last..first] v
    _move2(tour, pos, p, first, u, v, qs)
    _move2(tour, pos, p, u, q, last, qs)
    if not reverse and L > 1:
        _move2(tour, pos, u, last, first, v, qs)


@njit(cache=True)
def _in_segment(pos, s, L, x, n):
    return (pos[x] - s + n) % n < L


@njit(cache=True)
def _or_move(tour, pos, D, s, L, u, eps, queue, inq, qs):
    """Try moving the segment at positions ``s..s+L-1`` between ``u`` and ``next(u)``
    (better orientation); applies it when it shortens the tour. Returns the change."""
    n = tour.shape[0]
    zero = 0.0
    v = tour[(pos[u] + 1) % n]
    if _in_segment(pos, s, L, u, n) or _in_segment(pos, s, L, v, n):
        return zero
    first = tour[s]
    last = tour[(s + L - 1) % n]
    p = tour[(s - 1 + n) % n]
    q = tour[(s + L) % n]
    g_rem = _d(D, p, first) + _d(D, last, q) - _d(D, p, q)
    c1 = _d(D, u, first) + _d(D, last, v) - _d(D, u, v)
    c2 = _d(D, u, last) + _d(D, first, v) - _d(D, u, v)
    rev = c2 < c1
    delta = (c2 if rev else c1) - g_rem
    if delta < -eps:
        _move_segment(tour, pos, s, L, u, rev, qs)
        _push(queue, inq, qs, p)
        _push(queue, inq, qs, q)
        _push(queue, inq, qs, first)
        _push(queue, inq, qs, last)
        _push(queue, inq, qs, u)
        _push(queue, inq, qs, v)
        return delta
    return zero


@njit(cache=True)
def _insert_near(tour, pos, D, nbr, x, bound, s, L, eps, queue, inq, qs):
    """Move the segment at ``s..s+L-1`` next to a neighbour ``c`` of ``x`` (after ``c`` or
    after its predecessor) for the neighbours with ``_d(D, x, c) < bound``; the first
    improving move is applied. Returns the change (zero when none improved)."""
    n = tour.shape[0]
    zero = 0.0
    for k in range(nbr.shape[1]):
        c = nbr[x, k]
        if _d(D, x, c) - bound >= -eps:
            break
        if _in_segment(pos, s, L, c, n):
            continue
        d = _or_move(tour, pos, D, s, L, c, eps, queue, inq, qs)
        if d < 0:
            return d
        d = _or_move(tour, pos, D, s, L, tour[(pos[c] - 1 + n) % n], eps, queue, inq, qs)
        if d < 0:
            return d
    return zero


@njit(cache=True)
def _try_or_opt(tour, pos, D, nbr, a, queue, inq, qs, eps):
    """First improving Or-opt move (a segment of 1..3 cities, either orientation) that
    ``a`` takes part in, with a new edge shorter than a removed one next to it:
    ``a`` as an end of the segment, as an end of the edge the segment goes into,
    or as the city before the segment (new edge to the city after it)."""
    n = tour.shape[0]
    K = nbr.shape[1]
    zero = 0.0
    pa = pos[a]
    # (A) a is an end of the segment; the new edge joins a to c
    for L in range(1, MAX_SEGMENT + 1):
        if n - L < 3:
            break
        for side in range(2):
            if L == 1 and side == 1:
                break
            s = pa if side == 0 else (pa - L + 1 + n) % n
            outside = tour[(s - 1 + n) % n] if side == 0 else tour[(s + L) % n]
            first = tour[s]
            last = tour[(s + L - 1) % n]
            p = tour[(s - 1 + n) % n]
            q = tour[(s + L) % n]
            bound = max(_d(D, a, outside), _d(D, p, first) + _d(D, last, q) - _d(D, p, q))
            d = _insert_near(tour, pos, D, nbr, a, bound, s, L, eps, queue, inq, qs)
            if d < 0:
                return d
    # (B) the segment goes into the edge (a, b); the new edge joins a to an end c of it
    for direction in range(2):
        b = tour[(pa + 1) % n] if direction == 0 else tour[(pa - 1 + n) % n]
        u = a if direction == 0 else b
        for k in range(K):
            c = nbr[a, k]
            if _d(D, a, c) - _d(D, a, b) >= -eps:
                break
            pc = pos[c]
            for L in range(1, MAX_SEGMENT + 1):
                if n - L < 3:
                    break
                for side in range(2):
                    if L == 1 and side == 1:
                        break
                    s = pc if side == 0 else (pc - L + 1 + n) % n
                    d = _or_move(tour, pos, D, s, L, u, eps, queue, inq, qs)
                    if d < 0:
                        return d
    # (C) a is just before the segment (in either direction); new edge (a, q)
    for direction in range(2):
        step = 1 if direction == 0 else n - 1
        f = tour[(pa + step) % n]
        for L in range(1, MAX_SEGMENT + 1):
            if n - L < 3:
                break
            q = tour[(pa + (L + 1) * step) % n]
            g1 = _d(D, a, f) - _d(D, a, q)
            if g1 <= eps:
                continue
            l_end = tour[(pa + L * step) % n]
            s = (pa + 1) % n if direction == 0 else (pa - L + n) % n
            bound = g1 + _d(D, l_end, q)
            d = _insert_near(tour, pos, D, nbr, l_end, bound, s, L, eps, queue, inq, qs)
            if d < 0:
                return d
    return zero


@njit(cache=True)
def _local_search(tour, pos, D, nbr, queue, inq, qs, use_two, use_or, eps, use_three=False):
    """Apply first-improvement moves to the queued cities until the queue is empty.

    Returns the total change of the tour length (<= 0).
    """
    n = tour.shape[0]
    total = 0.0
    if n < 4:
        while qs[1] > 0:
            inq[queue[qs[0]]] = False
            qs[0] = (qs[0] + 1) % n
            qs[1] -= 1
        return total
    while qs[1] > 0:
        a = queue[qs[0]]
        qs[0] = (qs[0] + 1) % n
        qs[1] -= 1
        inq[a] = False
        if use_two:
            d = _try_two_opt(tour, pos, D, nbr, a, queue, inq, qs, eps)
            if d < 0:
                total += d
                continue
        if use_or:
            d = _try_or_opt(tour, pos, D, nbr, a, queue, inq, qs, eps)
            if d < 0:
                total += d
                continue
        if use_three:
            if use_three >= 2:
                d = _try_lk(tour, pos, D, nbr, a, queue, inq, qs, eps, use_three)
            else:
                d = _try_three_opt(tour, pos, D, nbr, a, queue, inq, qs, eps)
            if d < 0:
                total += d
                continue
    return total


@njit(cache=True)
def _improve(tour, D, nbr, use_two, use_or, eps, use_three=False):
    """Local optimum of ``tour`` in place (repeated passes over all cities); returns its length."""
    n = tour.shape[0]
    pos = np.empty(n, dtype=np.int64)
    for k in range(n):
        pos[tour[k]] = k
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    qs = np.zeros(2, dtype=np.int64)
    while True:  # until a pass over all cities finds nothing (don't-look bits can miss moves)
        for k in range(n):
            _push(queue, inq, qs, tour[k])
        if not _local_search(tour, pos, D, nbr, queue, inq, qs, use_two, use_or, eps, use_three) < 0:
            break
    return _tour_len(tour, D)


@njit(cache=True)
def _nearest_neighbour(D, start):
    n = _size(D)
    tour = np.empty(n, dtype=np.int64)
    free = np.ones(n, dtype=np.bool_)
    cur = start
    for k in range(n):
        tour[k] = cur
        free[cur] = False
        best = -1
        for j in range(n):
            if free[j] and (best < 0 or _d(D, cur, j) < _d(D, cur, best)):
                best = j
        cur = best
    return tour


@njit(cache=True)
def one_tree_kernel(D, pi, special, degree, parent):
    """Minimum 1-tree under weights ``D[i, j] + pi[i] + pi[j]`` (Prim, O(n^2)).

    Spanning tree on all cities but ``special`` (``parent[v]`` its tree edge,
    -1 at the root and at ``special``) plus the two cheapest edges at
    ``special``. Fills ``degree``; returns ``(value, m1, m2)`` where ``m1``,
    ``m2`` are the two cities joined to ``special``. Needs ``n >= 3``.
    """
    n = D.shape[0]
    key = np.full(n, np.inf)
    done = np.zeros(n, dtype=np.bool_)
    for v in range(n):
        parent[v] = -1
        degree[v] = 0
    done[special] = True
    root = 1 if special == 0 else 0
    key[root] = 0.0
    total = 0.0
    for _ in range(n - 1):
        u = -1
        best = np.inf
        for v in range(n):
            if not done[v] and key[v] < best:
                best = key[v]
                u = v
        done[u] = True
        total += best
        for v in range(n):
            if not done[v]:
                w = D[u, v] + pi[u] + pi[v]
                if w < key[v]:
                    key[v] = w
                    parent[v] = u
    for v in range(n):
        if parent[v] >= 0:
            degree[v] += 1
            degree[parent[v]] += 1
    m1 = -1
    m2 = -1
    w1 = np.inf
    w2 = np.inf
    for v in range(n):
        if v == special:
            continue
        w = D[special, v] + pi[special] + pi[v]
        if w < w1:
            m2, w2 = m1, w1
            m1, w1 = v, w
        elif w < w2:
            m2, w2 = v, w
    total += w1 + w2
    degree[special] += 2
    degree[m1] += 1
    degree[m2] += 1
    return total, m1, m2


# ------------------------------------------------------------------------------- Python API
def neighbour_lists(D, k: int) -> np.ndarray:
    """``(n, k)`` int64: for each city its ``k`` nearest other cities, nearest first."""
    D = np.asarray(D)
    n = D.shape[0]
    k = max(0, min(int(k), n - 1))
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    out = np.empty((n, k), dtype=np.int64)
    for s in range(0, n, 512):  # row blocks keep the temporaries small for large n
        W = D[s:s + 512].astype(np.float64)
        W[np.arange(W.shape[0]), np.arange(s, s + W.shape[0])] = np.inf
        part = np.argpartition(W, k - 1, axis=1)[:, :k] if k < n - 1 else np.argsort(W, axis=1)[:, :k]
        order = np.argsort(np.take_along_axis(W, part, axis=1), axis=1, kind="stable")
        out[s:s + 512] = np.take_along_axis(part, order, axis=1)
    return out


def _prepare(tour, D, neighbours, k):
    D = np.asarray(D)
    if D.ndim != 2 or D.shape[0] != D.shape[1]:
        raise ParameterError(f"D must be a square matrix, got shape {D.shape}")
    if not np.issubdtype(D.dtype, np.number):
        raise ParameterError("D must be numeric")
    integral = np.issubdtype(D.dtype, np.integer)
    D = np.ascontiguousarray(D, dtype=np.float64)  # one compiled version of the kernels
    eps = 0.5 if integral else 1e-12 * max(1.0, float(np.abs(D).max()) if D.size else 1.0)
    n = D.shape[0]
    G = dense_metric(D)
    t = np.array(tour, dtype=np.int64).ravel()
    if t.size != n or np.any(t < 0) or np.any(t >= n) or np.unique(t).size != n:
        raise ParameterError(f"tour must be a permutation of 0..{n - 1}")
    if neighbours is None:
        neighbours = neighbour_lists(D, min(n - 1, k))
    nbr = np.ascontiguousarray(neighbours, dtype=np.int64)
    if nbr.ndim != 2 or nbr.shape[0] != n or (nbr.size and (nbr.min() < 0 or nbr.max() >= n)):
        raise ParameterError(f"neighbours must be an (n, k) array of city indices, got shape {nbr.shape}")
    return t, G, nbr, eps


def two_opt(tour, D, neighbours=None, k: int = 16) -> np.ndarray:
    """A 2-opt local optimum reached from ``tour`` (a new array).

    ``neighbours``: ``(n, k)`` candidate lists (default: the ``k`` nearest).
    With ``k >= n-1`` the result is a true 2-opt local optimum.
    """
    t, D, nbr, eps = _prepare(tour, D, neighbours, k)
    _improve(t, D, nbr, True, False, eps, 0)
    return t


def or_opt(tour, D, neighbours=None, k: int = 16) -> np.ndarray:
    """An Or-opt local optimum (segments of 1..3 cities, both orientations) from ``tour``."""
    t, D, nbr, eps = _prepare(tour, D, neighbours, k)
    _improve(t, D, nbr, False, True, eps, 0)
    return t


def improve_tour(tour, D, neighbours=None, k: int = 16) -> np.ndarray:
    """Local optimum under 2-opt and Or-opt together (a new array)."""
    t, D, nbr, eps = _prepare(tour, D, neighbours, k)
    _improve(t, D, nbr, True, True, eps, 0)
    return t


def three_opt(tour, D, neighbours=None, k: int = 16, two: bool = False, or_opt: bool = False,
              depth: int = 1) -> np.ndarray:
    """A 3-opt local optimum reached from ``tour`` (a new array); ``two`` / ``or_opt`` add the
    2-opt and Or-opt moves (tried first). With ``k >= n-1`` the result is a true
    local optimum of every 3-opt reconnection (2-opt moves included). ``depth >= 2``: Lin-Kernighan chains of
    up to ``depth`` 3-opt steps (:func:`combopt.problems.tsp.kopt._try_lk`), a local optimum of those as well."""
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 1:
        raise ParameterError(f"depth must be a positive integer, got {depth!r}")
    t, D, nbr, eps = _prepare(tour, D, neighbours, k)
    _improve(t, D, nbr, bool(two), bool(or_opt), eps, int(depth))
    return t


def tour_length(tour, D):
    """Length of the closed tour."""
    t = np.asarray(tour, dtype=np.int64)
    D = np.asarray(D)
    return D[t, np.roll(t, -1)].sum().item()


def nearest_neighbour(D, start: int = 0) -> np.ndarray:
    """Nearest-neighbour tour from city ``start``."""
    D = np.ascontiguousarray(D, dtype=np.float64)
    if not 0 <= start < D.shape[0]:
        raise ParameterError(f"start must be a city in 0..{D.shape[0] - 1}, got {start}")
    return _nearest_neighbour(dense_metric(D), int(start))


def decode_assignment(X, D=None) -> np.ndarray:
    """Permutation from a city x position score matrix by a maximum-weight assignment.

    Parameters
    ----------
    X
        ``(n, n)`` scores ``X[i, t]`` for city ``i`` at position ``t`` (0/1
        samples or real values such as relaxed or averaged solutions), or
        ``(n-1, n-1)`` with city 0 fixed at position 0 (``X[i-1, t-1]`` for
        city ``i`` at position ``t``; needs ``D`` to know ``n``). A flat vector
        is reshaped city-major (variable ``i * m + t``).
    D
        Optional distance matrix: tells the size ``n`` (so the fixed-start form
        is recognised). Use :func:`improve_tour` afterwards to polish the tour.

    Returns
    -------
    numpy.ndarray
        ``tour[t]`` = city at position ``t`` (int64 permutation of ``0..n-1``).
    """
    from scipy.optimize import linear_sum_assignment

    X = np.asarray(X, dtype=np.float64)
    n = None if D is None else np.asarray(D).shape[0]
    if X.ndim == 1:
        m = int(round(np.sqrt(X.size)))
        if m * m != X.size:
            raise ParameterError(f"a flat assignment vector must have a square length, got {X.size}")
        X = X.reshape(m, m)
    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise ParameterError(f"X must be a square city x position matrix, got shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise ParameterError("X must hold finite numbers")
    m = X.shape[0]
    if n is not None and m not in (n, n - 1):
        raise ParameterError(f"X must be {n} x {n} or {n - 1} x {n - 1} for {n} cities, got {m} x {m}")
    fixed = n is not None and m == n - 1
    if m == 0:
        return np.zeros(1 if fixed else 0, dtype=np.int64)
    rows, cols = linear_sum_assignment(X, maximize=True)
    order = np.empty(m, dtype=np.int64)
    order[cols] = rows
    if fixed:
        return np.concatenate([[0], order + 1]).astype(np.int64)
    return order
