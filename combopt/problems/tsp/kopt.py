"""TSP tour primitives and the sequential k-opt moves (Numba): reversals with a journal, the work queue, the
sequential 3-opt move (Lin-Kernighan depth 3) and a Lin-Kernighan chain of 3-opt steps.

The tour is an array of cities with its inverse ``pos``; a 2-opt move is one reversal of the shorter side
(:func:`_reverse`), so a move costs at most ``n / 2`` swaps. See :mod:`combopt.problems.tsp.local` for the local
searches built on these moves.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .metric import _d, plain


@njit(cache=True)
def _tour_len(tour, D):
    n = tour.shape[0]
    s = _d(D, tour[n - 1], tour[0])
    for k in range(n - 1):
        s += _d(D, tour[k], tour[k + 1])
    return s


@njit(cache=True)
def _reverse(tour, pos, i, j):
    """Reverse the cyclic stretch of positions ``i..j``; the shorter side is reversed
    (the other orientation of the same tour)."""
    n = tour.shape[0]
    inner = (j - i + n) % n + 1
    if 2 * inner > n:
        i, j = (j + 1) % n, (i - 1 + n) % n
        inner = n - inner
    for _ in range(inner // 2):
        a = tour[i]
        b = tour[j]
        tour[i] = b
        pos[b] = i
        tour[j] = a
        pos[a] = j
        i += 1
        if i == n:
            i = 0
        j -= 1
        if j < 0:
            j = n - 1


@njit(cache=True)
def _journal(qs, s, L):
    """Note that tour positions ``s..s+L-1`` (cyclic) changed, when ``qs`` carries a journal (its length above
    2: ``qs[2]`` entries ``(start, length)`` from ``qs[3]``; one past its capacity means "overflowed")."""
    if qs.shape[0] > 2:
        c = qs[2]
        cap = (qs.shape[0] - 3) // 2
        if c < cap:
            qs[3 + 2 * c] = s
            qs[4 + 2 * c] = L
            qs[2] = c + 1
        else:
            qs[2] = cap + 1


@njit(cache=True)
def _reverse_j(tour, pos, i, j, qs):
    """:func:`_reverse`, noting the positions it changes in the journal of ``qs``."""
    n = tour.shape[0]
    inner = (j - i + n) % n + 1
    if 2 * inner > n:
        _journal(qs, (j + 1) % n, n - inner)
    else:
        _journal(qs, i, inner)
    _reverse(tour, pos, i, j)


@njit(cache=True)
def _push(queue, inq, qs, x):
    if not inq[x]:
        n = queue.shape[0]
        queue[(qs[0] + qs[1]) % n] = x
        qs[1] += 1
        inq[x] = True


@njit(cache=True)
def _move2(tour, pos, a, b, c, d, qs):
    """2-opt move: ``b`` follows ``a`` and ``d`` follows ``c`` (in one direction); edges
    ``(a, b), (c, d)`` out, ``(a, c), (b, d)`` in (noted in the journal of ``qs``, if any)."""
    n = tour.shape[0]
    if tour[(pos[a] + 1) % n] == b:
        _reverse_j(tour, pos, pos[b], pos[c], qs)
    else:
        _reverse_j(tour, pos, pos[c], pos[b], qs)


@njit(cache=True)
def _try_three_opt(tour, pos, D, nbr, t1, queue, inq, qs, eps):
    """First improving 3-opt move from ``t1`` (see the module docstring of ``local.py``); returns the change: the
    first step of :func:`_try_lk`, which is the chain of depth 1."""
    return _try_lk(tour, pos, D, nbr, t1, queue, inq, qs, eps, plain(1))


# ------------------------------------------------------------------------------- Lin-Kernighan chains
# A chain's tentative steps are not applied to the tour array: they rearrange a short list of segments of it (the
# "virtual" tour, city t1 at virtual position 0), so a step costs O(segments) instead of reversals of O(n) cities,
# and a chain that finds nothing costs no undo. Only an improving chain is applied, by replaying its 2-opt moves.
# ``seg[i] = (lo, hi, rev)``: offsets ``lo..hi`` from t1's position in the tour array, walked backwards if ``rev``.

@njit(cache=True)
def _vpos(tour, pos, p1, seg, S, x):
    """Virtual position of city ``x``."""
    n = tour.shape[0]
    o = pos[x] - p1
    if o < 0:
        o += n
    c = 0
    for i in range(S):
        lo = seg[i, 0]
        hi = seg[i, 1]
        if lo <= o <= hi:
            return c + (hi - o if seg[i, 2] else o - lo)
        c += hi - lo + 1
    return -1


@njit(cache=True)
def _vcity(tour, p1, seg, S, v):
    """City at virtual position ``v`` (``0 <= v < n``)."""
    n = tour.shape[0]
    c = 0
    for i in range(S):
        L = seg[i, 1] - seg[i, 0] + 1
        if v < c + L:
            o = seg[i, 1] - (v - c) if seg[i, 2] else seg[i, 0] + (v - c)
            o += p1
            if o >= n:
                o -= n
            return tour[o]
        c += L
    return -1


@njit(cache=True)
def _vsplit(seg, S, v):
    """Split so that virtual position ``v`` starts a segment; returns ``(S, index of that segment)`` (``S`` when
    ``v`` is one past the end)."""
    c = 0
    for i in range(S):
        L = seg[i, 1] - seg[i, 0] + 1
        if v == c:
            return S, i
        if v < c + L:
            k = v - c
            for m in range(S, i + 1, -1):
                seg[m, 0] = seg[m - 1, 0]
                seg[m, 1] = seg[m - 1, 1]
                seg[m, 2] = seg[m - 1, 2]
            lo = seg[i, 0]
            hi = seg[i, 1]
            if seg[i, 2]:  # virtual order hi, hi-1, ..., lo: the first k are hi-k+1..hi
                seg[i, 0] = hi - k + 1
                seg[i + 1, 0] = lo
                seg[i + 1, 1] = hi - k
                seg[i + 1, 2] = 1
            else:
                seg[i, 1] = lo + k - 1
                seg[i + 1, 0] = lo + k
                seg[i + 1, 1] = hi
                seg[i + 1, 2] = 0
            return S + 1, i + 1
        c += L
    return S, S


@njit(cache=True)
def _vmove2(tour, pos, p1, seg, S, a, b, c, d):
    """:func:`_move2` on the virtual tour (the side without position 0 is reversed); returns the new ``S``."""
    n = tour.shape[0]
    va = _vpos(tour, pos, p1, seg, S, a) + 1
    if va == n:
        va = 0
    if _vcity(tour, p1, seg, S, va) == b:
        i = _vpos(tour, pos, p1, seg, S, b)
        j = _vpos(tour, pos, p1, seg, S, c)
    else:
        i = _vpos(tour, pos, p1, seg, S, c)
        j = _vpos(tour, pos, p1, seg, S, b)
    if i == 0:
        i, j = j + 1, n - 1
    elif i > j:
        i, j = j + 1, i - 1
    if i >= j:
        return S
    S, x = _vsplit(seg, S, i)
    S, y = _vsplit(seg, S, j + 1)
    lo = x
    hi = y - 1
    while lo < hi:
        for col in range(3):
            tmp = seg[lo, col]
            seg[lo, col] = seg[hi, col]
            seg[hi, col] = tmp
        lo += 1
        hi -= 1
    for m in range(x, y):
        seg[m, 2] = 1 - seg[m, 2]
    return S


@njit(cache=True)
def _num_moves(mode):
    """How many 2-opt moves make reconnection ``mode`` (-1: the 2-opt move ``(t4, t1)``; 0, 1, 2: the 3-opt
    reconnections of :func:`_try_three_opt`)."""
    return 1 if mode == -1 else (3 if mode == 1 else 2)


@njit(cache=True)
def _move_of(mode, e, t1, t2, t3, t4, t5, t6):
    """The ``e``-th 2-opt move ``(a, b, c, d)`` (for :func:`_move2`) of reconnection ``mode``."""
    if mode == -1 or (mode == 0 and e == 0):
        return t1, t2, t4, t3
    if mode == 0:
        return t1, t4, t6, t5
    if mode == 1:
        if e == 0:
            return t1, t2, t3, t4
        if e == 1:
            return t1, t3, t6, t5
        return t3, t5, t2, t4
    if e == 0:
        return t1, t2, t6, t5
    return t2, t5, t3, t4


@njit(cache=True)
def _vstep3(tour, pos, p1, seg, S, t1, t2, t3, t4, t5, t6, mode, moves, nm):
    """Reconnection ``mode`` on the virtual tour, each 2-opt move noted in ``moves`` for the replay; returns
    ``(S, nm)``."""
    for e in range(_num_moves(mode)):
        a, b, c, d = _move_of(mode, e, t1, t2, t3, t4, t5, t6)
        S = _vmove2(tour, pos, p1, seg, S, a, b, c, d)
        moves[nm, 0] = a
        moves[nm, 1] = b
        moves[nm, 2] = c
        moves[nm, 3] = d
        nm += 1
    return S, nm


@njit(cache=True)
def _is_added(added, nadd, a, b):
    for e in range(nadd):
        if (added[e, 0] == a and added[e, 1] == b) or (added[e, 0] == b and added[e, 1] == a):
            return True
    return False


@njit(cache=True)
def _try_lk(tour, pos, D, nbr, t1, queue, inq, qs, eps, depth):
    """A Lin-Kernighan chain of sequential 3-opt steps from ``t1`` (the move of LKH with ``MOVE_TYPE = 3``).

    Each step is the 3-opt move of ``local.py``'s module docstring from the edge ``(t1, t2)`` (depth 1: that move
    alone, :func:`_try_three_opt`). An improving step ends the chain: its
    moves are applied to the tour and the change returned. Otherwise the step with the largest gain before its
    closing edge ``(t6, t1)`` is taken tentatively (on the virtual tour; only where some next step can still pass
    the gain criterion), and the next step starts by removing that closing edge again (``t2 = t6``) with the gain
    accumulated so far; no step removes an edge an earlier step of the chain added. After ``depth`` steps without an
    improvement the tour array is as it was. On a Jonker-Volgenant transformation of an asymmetric instance the
    valid steps are the directed 3-opt exchanges, so the chain reaches directed moves deeper than three arcs."""
    n = tour.shape[0]
    K = nbr.shape[1]
    zero = 0.0
    if n < 5:
        return zero
    seg = np.empty((6 * depth + 2, 3), dtype=np.int64)
    moves = np.empty((3 * depth, 4), dtype=np.int64)
    added = np.empty((2 * depth, 2), dtype=np.int64)
    touched = np.empty(6 * depth, dtype=np.int64)
    p1 = pos[t1]
    for side in range(2):
        seg[0, 0] = 0
        seg[0, 1] = n - 1
        seg[0, 2] = 0
        S = plain(1)  # (plain: one compiled version of the helpers, not one more for the literal)
        nm = plain(0)
        t2 = tour[(p1 + 1) % n] if side == 0 else tour[(p1 - 1 + n) % n]
        base = _d(D, t1, t2)
        nadd = plain(0)
        ntouch = 0
        for level in range(depth):
            step = 1 if _vcity(tour, p1, seg, S, plain(1)) == t2 else -1
            best_open = eps
            bt3 = bt4 = bt5 = bt6 = -1
            bmode = 0
            gain = zero
            done = False
            for k3 in range(K):
                t3 = nbr[t2, k3]
                g1 = base - _d(D, t2, t3)
                if g1 <= eps:
                    break
                r3 = (_vpos(tour, pos, p1, seg, S, t3) * step + n) % n  # steps from t1 along the walk
                if r3 <= 2:  # t1, t2 or the city after t2 (the edge (t2, t3) is in the tour)
                    continue
                for choice in range(2):
                    # choice 0: t4 before t3 (t1 [t2..t4] [t3..]: closing (t4, t1) is a 2-opt move);
                    # choice 1: t4 after t3 ([t2..t3] becomes a cycle, t5 t6 must cut it)
                    r4 = r3 - 1 if choice == 0 else r3 + 1
                    t4 = _vcity(tour, p1, seg, S, ((step * r4) % n + n) % n)
                    if nadd and _is_added(added, nadd, t3, t4):
                        continue
                    g2 = g1 + _d(D, t3, t4)
                    if choice == 0:
                        g = g2 - _d(D, t4, t1)
                        if g > eps:
                            bt3, bt4, bmode, gain, done = t3, t4, -1, g, True
                            break
                    for k5 in range(K):
                        t5 = nbr[t4, k5]
                        g3 = g2 - _d(D, t4, t5)
                        if g3 <= eps:
                            break
                        r5 = (_vpos(tour, pos, p1, seg, S, t5) * step + n) % n
                        for alt in range(2):
                            if choice == 0:
                                if alt == 1 or r5 == 0 or r5 == r3 or r5 == r4 - 1:
                                    continue
                                r6 = r5 + 1 if r5 < r4 else r5 - 1
                                mode = 0
                            else:
                                if r5 == 0 or r5 >= r3:
                                    continue
                                if alt == 0:
                                    r6 = r5 + 1
                                    mode = 1
                                else:
                                    if r5 < 2:
                                        continue
                                    r6 = r5 - 1
                                    mode = 2
                            t6 = _vcity(tour, p1, seg, S, ((step * r6) % n + n) % n)
                            if nadd and _is_added(added, nadd, t5, t6):
                                continue
                            gopen = g3 + _d(D, t5, t6)
                            g = gopen - _d(D, t6, t1)
                            if g > eps:
                                bt3, bt4, bt5, bt6, bmode, gain, done = t3, t4, t5, t6, mode, g, True
                                break
                            if level + 1 < depth and gopen > best_open:
                                # a tentative step only where a next one can pass the gain criterion
                                nxt = _vpos(tour, pos, p1, seg, S, t6)
                                a = _vcity(tour, p1, seg, S, (nxt + 1) % n)
                                b = _vcity(tour, p1, seg, S, (nxt - 1 + n) % n)
                                for k in range(K):
                                    y = nbr[t6, k]
                                    if y != a and y != b:
                                        if gopen - _d(D, t6, y) > eps:
                                            best_open = gopen
                                            bt3, bt4, bt5, bt6, bmode = t3, t4, t5, t6, mode
                                        break
                        if done:
                            break
                    if done:
                        break
                if done:
                    break
            if done:
                S, nm = _vstep3(tour, pos, p1, seg, S, t1, t2, bt3, bt4, bt5, bt6, bmode, moves, nm)
                for e in range(nm):
                    _move2(tour, pos, moves[e, 0], moves[e, 1], moves[e, 2], moves[e, 3], qs)
                for e in range(ntouch):
                    _push(queue, inq, qs, touched[e])
                _push(queue, inq, qs, t1)
                _push(queue, inq, qs, t2)
                _push(queue, inq, qs, bt3)
                _push(queue, inq, qs, bt4)
                if bmode >= 0:
                    _push(queue, inq, qs, bt5)
                    _push(queue, inq, qs, bt6)
                return -gain
            if bt3 < 0:
                break
            S, nm = _vstep3(tour, pos, p1, seg, S, t1, t2, bt3, bt4, bt5, bt6, bmode, moves, nm)
            added[nadd, 0] = t2
            added[nadd, 1] = bt3
            added[nadd + 1, 0] = bt4
            added[nadd + 1, 1] = bt5
            nadd += 2
            touched[ntouch] = t2
            touched[ntouch + 1] = bt3
            touched[ntouch + 2] = bt4
            touched[ntouch + 3] = bt5
            touched[ntouch + 4] = bt6
            ntouch += 5
            base = best_open
            t2 = bt6
    return zero
