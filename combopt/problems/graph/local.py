"""Independent-set repair, greedy completion and local search (Numba).

* repair: drop the vertex with the most conflicts until the set is independent;
* greedy completion: add free vertices (no neighbour in the set), fewest free
  neighbours first;
* (1,2)-swap local search of Andrade, Resende and Werneck (2012): remove one
  vertex and insert two of its 1-tight, mutually non-adjacent neighbours;
* iterated local search (ARW's ILS): force a random vertex in, drop its
  neighbours, re-optimise, keep the result if it is not worse.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...core.rng import randbelow


@njit(cache=True)
def _bucket_unlink(head, nxt, prv, deg, i):
    p, q = prv[i], nxt[i]
    if p >= 0:
        nxt[p] = q
    else:
        head[deg[i]] = q
    if q >= 0:
        prv[q] = p


@njit(cache=True)
def _bucket_push(head, nxt, prv, deg, i):
    d = deg[i]
    nxt[i] = head[d]
    prv[i] = -1
    if head[d] >= 0:
        prv[head[d]] = i
    head[d] = i


@njit(cache=True)
def repair(indptr, indices, x):
    """Remove conflicting vertices (most conflicts first) until ``x`` is independent.

    Vertices sit in buckets by their number of conflicts (:func:`greedy_complete`'s bucket queue), so a repair
    costs ``O(n + m)`` however many vertices go; rescanning every vertex for each removal cost ``O(n)`` a
    removal (an annealed sample of 100,000 vertices can have thousands of conflicts).
    """
    n = x.shape[0]
    conf = np.zeros(n, dtype=np.int64)
    maxc = 0
    for v in range(n):
        if x[v] == 1:
            c = 0
            for k in range(indptr[v], indptr[v + 1]):
                if x[indices[k]] == 1 and indices[k] != v:
                    c += 1
            conf[v] = c
            if c > maxc:
                maxc = c
    if maxc == 0:
        return
    head = np.full(maxc + 1, -1, dtype=np.int64)
    nxt = np.empty(n, dtype=np.int64)
    prv = np.empty(n, dtype=np.int64)
    for v in range(n - 1, -1, -1):  # pushed last to first: ties go to the smallest index, as the scan did
        if x[v] == 1 and conf[v] > 0:
            _bucket_push(head, nxt, prv, conf, v)
    cur = maxc
    while True:
        while cur > 0 and head[cur] < 0:
            cur -= 1
        if cur == 0:
            return
        best = head[cur]
        _bucket_unlink(head, nxt, prv, conf, best)
        x[best] = 0
        conf[best] = 0
        for k in range(indptr[best], indptr[best + 1]):
            u = indices[k]
            if x[u] == 1 and conf[u] > 0:
                _bucket_unlink(head, nxt, prv, conf, u)
                conf[u] -= 1
                if conf[u] > 0:
                    _bucket_push(head, nxt, prv, conf, u)


@njit(cache=True)
def tightness(indptr, indices, x):
    n = x.shape[0]
    tight = np.zeros(n, dtype=np.int64)
    for v in range(n):
        if x[v] == 1:
            for k in range(indptr[v], indptr[v + 1]):
                tight[indices[k]] += 1
    return tight


@njit(cache=True)
def _insert(indptr, indices, x, tight, v):
    x[v] = 1
    for k in range(indptr[v], indptr[v + 1]):
        tight[indices[k]] += 1


@njit(cache=True)
def _remove(indptr, indices, x, tight, v):
    x[v] = 0
    for k in range(indptr[v], indptr[v + 1]):
        tight[indices[k]] -= 1


@njit(cache=True)
def greedy_complete(indptr, indices, x, tight, state):
    """Add free vertices, each time one with the fewest free neighbours (random ties).

    A bucket queue over the free vertices' free degrees: ``O(n + m)`` for the whole completion (an empty set
    on a million-vertex graph: a fraction of a second), where rescanning all vertices for every insertion
    took ``O(n |S|)``. Ties go to the most recently (re)bucketed vertex; the free vertices enter their
    buckets in random order.
    """
    n = x.shape[0]
    nfree = 0
    for v in range(n):
        if x[v] == 0 and tight[v] == 0:
            nfree += 1
    if nfree == 0:
        return
    cand = np.empty(nfree, dtype=np.int64)
    pos = np.full(n, -1, dtype=np.int64)  # local index of a vertex free at the start, -1 for the others
    c = 0
    for v in range(n):
        if x[v] == 0 and tight[v] == 0:
            cand[c] = v
            c += 1
    for i in range(nfree - 1, 0, -1):  # random bucket order = random ties
        j = randbelow(state, i + 1)
        cand[i], cand[j] = cand[j], cand[i]
    deg = np.zeros(nfree, dtype=np.int64)
    maxd = 0
    for i in range(nfree):
        v = cand[i]
        pos[v] = i
        d = 0
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if x[u] == 0 and tight[u] == 0 and u != v:
                d += 1
        deg[i] = d
        if d > maxd:
            maxd = d
    head = np.full(maxd + 1, -1, dtype=np.int64)
    nxt = np.empty(nfree, dtype=np.int64)
    prv = np.empty(nfree, dtype=np.int64)
    for i in range(nfree):
        _bucket_push(head, nxt, prv, deg, i)
    cur = 0
    while True:
        while cur <= maxd and head[cur] < 0:
            cur += 1
        if cur > maxd:
            return
        i = head[cur]
        _bucket_unlink(head, nxt, prv, deg, i)
        v = cand[i]
        _insert(indptr, indices, x, tight, v)
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            j = pos[u]
            if x[u] != 0 or j < 0 or deg[j] < 0:
                continue  # u was not free before v went in (or was reached already)
            _bucket_unlink(head, nxt, prv, deg, j)
            deg[j] = -1  # no longer free
            for kk in range(indptr[u], indptr[u + 1]):
                w = indices[kk]
                if x[w] == 0 and tight[w] == 0 and deg[pos[w]] > 0:  # still free: one free neighbour fewer
                    jw = pos[w]
                    _bucket_unlink(head, nxt, prv, deg, jw)
                    deg[jw] -= 1
                    _bucket_push(head, nxt, prv, deg, jw)
                    if deg[jw] < cur:
                        cur = deg[jw]


@njit(cache=True)
def _find_swap(indptr, indices, x, tight, v, cand, mark, stamp):
    """Two mutually non-adjacent 1-tight neighbours of the solution vertex ``v`` (their only solution neighbour is
    ``v``), or ``(-1, -1)``: the (1,2)-swap that takes ``v`` out and them in. ``stamp[0]`` counts marks."""
    c = 0
    for k in range(indptr[v], indptr[v + 1]):
        u = indices[k]
        if x[u] == 0 and tight[u] == 1:
            cand[c] = u
            c += 1
    for a in range(c - 1):
        u = cand[a]
        stamp[0] += 1
        for k in range(indptr[u], indptr[u + 1]):
            mark[indices[k]] = stamp[0]
        for b in range(a + 1, c):
            if mark[cand[b]] != stamp[0]:
                return u, cand[b]
    return -1, -1


@njit(cache=True)
def two_improvement(indptr, indices, x, tight, mark):
    """(1,2)-swaps until none applies. ``mark`` is an int64 scratch array of size n."""
    n = x.shape[0]
    improved = True
    stamp = np.array([mark.max() + 1], dtype=np.int64)
    cand = np.empty(n, dtype=np.int64)
    while improved:
        improved = False
        for v in range(n):
            if x[v] != 1:
                continue
            found_a, found_b = _find_swap(indptr, indices, x, tight, v, cand, mark, stamp)
            if found_a >= 0:
                _remove(indptr, indices, x, tight, v)
                _insert(indptr, indices, x, tight, found_a)
                _insert(indptr, indices, x, tight, found_b)
                # any further free vertex can go in as well
                for k in range(indptr[v], indptr[v + 1]):
                    u = indices[k]
                    if x[u] == 0 and tight[u] == 0:
                        _insert(indptr, indices, x, tight, u)
                improved = True


@njit(cache=True)
def improve(indptr, indices, x, state):
    """Repair, complete greedily and apply (1,2)-swaps to one 0/1 vector in place."""
    repair(indptr, indices, x)
    tight = tightness(indptr, indices, x)
    greedy_complete(indptr, indices, x, tight, state)
    mark = np.zeros(x.shape[0], dtype=np.int64)
    two_improvement(indptr, indices, x, tight, mark)
    return tight


@njit(parallel=True, cache=True)
def improve_batch(indptr, indices, X, seeds):
    for r in prange(X.shape[0]):
        st = seeds[r : r + 1].copy()
        improve(indptr, indices, X[r], st)


@njit(cache=True)
def _log(log, nlog, code):
    """Append ``code`` to the undo log (``log[0]`` holds the array; it doubles when full)."""
    if nlog[0] == log[0].shape[0]:
        bigger = np.empty(2 * log[0].shape[0], dtype=np.int64)
        bigger[: nlog[0]] = log[0]
        log[0] = bigger
    log[0][nlog[0]] = code
    nlog[0] += 1


@njit(cache=True)
def _ins(indptr, indices, x, tight, v, log, nlog):
    _insert(indptr, indices, x, tight, v)
    _log(log, nlog, 2 * v + 1)


@njit(cache=True)
def _rem(indptr, indices, x, tight, v, log, nlog):
    _remove(indptr, indices, x, tight, v)
    _log(log, nlog, 2 * v)


@njit(cache=True)
def _push(queue, q, inq, v):
    """Queue ``v`` (circular queue ``q = [head, count]``; a vertex is queued at most once at a time)."""
    if not inq[v]:
        inq[v] = True
        queue[(q[0] + q[1]) % queue.shape[0]] = v
        q[1] += 1


@njit(cache=True)
def _push_solution_neighbour(indptr, indices, x, u, queue, q, inq):
    """Queue the one solution neighbour of the 1-tight vertex ``u`` (a (1,2)-swap may now take it out)."""
    for k in range(indptr[u], indptr[u + 1]):
        s = indices[k]
        if x[s] == 1:
            _push(queue, q, inq, s)
            return


@njit(cache=True)
def _local_swaps(indptr, indices, x, tight, queue, q, inq, mark, stamp, cand, log, nlog):
    """(1,2)-swaps around the queued solution vertices, queueing what each swap changes, until the queue is
    empty; returns the size change. Only vertices near a change are looked at: the rest of the set was a
    (1,2)-swap local optimum already."""
    gain = 0
    while q[1] > 0:
        v = queue[q[0]]
        q[0] = (q[0] + 1) % queue.shape[0]
        q[1] -= 1
        inq[v] = False
        if x[v] != 1:
            continue
        found_a, found_b = _find_swap(indptr, indices, x, tight, v, cand, mark, stamp)
        if found_a < 0:
            continue
        _rem(indptr, indices, x, tight, v, log, nlog)
        _ins(indptr, indices, x, tight, found_a, log, nlog)
        _ins(indptr, indices, x, tight, found_b, log, nlog)
        gain += 1
        _push(queue, q, inq, found_a)
        _push(queue, q, inq, found_b)
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if x[u] == 0 and tight[u] == 0:  # free once v left: in it goes
                _ins(indptr, indices, x, tight, u, log, nlog)
                gain += 1
                _push(queue, q, inq, u)
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if x[u] == 0 and tight[u] == 1:
                _push_solution_neighbour(indptr, indices, x, u, queue, q, inq)
    return gain


@njit(cache=True)
def ils(indptr, indices, x, iters, seed, target):
    """ARW iterated local search from ``x``; returns the best set found (0/1 vector).

    Each step forces one random non-solution vertex in (two with small probability), drops its neighbours,
    fills the freed vertices around them in (fewest free neighbours first, random ties) and runs (1,2)-swaps
    around what changed; the new solution replaces the current one when it is not smaller (or, rarely, when
    it is one smaller, to escape plateaus), else the step is undone from its log. A step costs time in
    proportion to the neighbourhoods it touches, not to ``n`` (the incremental ILS of Andrade, Resende and
    Werneck): each step of the earlier version copied and rescanned all n vertices.
    """
    n = x.shape[0]
    state = np.array([seed], dtype=np.uint64)
    tight = improve(indptr, indices, x, state)
    size = 0
    for v in range(n):
        size += x[v]
    best = x.copy()
    best_size = size
    if size == n or n == 0:
        return best
    mark = np.zeros(n, dtype=np.int64)
    stamp = np.zeros(1, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    q = np.zeros(2, dtype=np.int64)
    cand = np.empty(n, dtype=np.int64)
    free = np.empty(n, dtype=np.int64)
    fdeg = np.empty(n, dtype=np.int64)
    seen = np.zeros(n, dtype=np.int64)  # step number + 1 at which a vertex entered ``free``
    log = [np.empty(64, dtype=np.int64)]
    nlog = np.zeros(1, dtype=np.int64)
    for step in range(iters):
        if best_size >= target:
            break
        nlog[0] = 0
        new_size = size
        k = 1
        if randbelow(state, 2 * max(size, 1)) == 0:
            k = 2
        nfree = 0
        for _ in range(k):
            v = -1
            tries = 0
            while tries < 4 * n:
                c = randbelow(state, n)
                tries += 1
                if x[c] == 0:
                    v = c
                    break
            if v < 0:
                break
            for kk in range(indptr[v], indptr[v + 1]):
                u = indices[kk]
                if x[u] == 1:
                    _rem(indptr, indices, x, tight, u, log, nlog)
                    new_size -= 1
                    for k2 in range(indptr[u], indptr[u + 1]):  # u's neighbours may be free or 1-tight now
                        w = indices[k2]
                        if seen[w] != step + 1:
                            seen[w] = step + 1
                            free[nfree] = w
                            nfree += 1
            _ins(indptr, indices, x, tight, v, log, nlog)
            new_size += 1
            _push(queue, q, inq, v)
        for i in range(nfree - 1, 0, -1):  # random order, so that the stable sort below breaks ties at random
            j = randbelow(state, i + 1)
            free[i], free[j] = free[j], free[i]
        for i in range(nfree):
            w = free[i]
            d = 0
            if x[w] == 0 and tight[w] == 0:
                for kk in range(indptr[w], indptr[w + 1]):
                    if x[indices[kk]] == 0 and tight[indices[kk]] == 0:
                        d += 1
            fdeg[i] = d
        order = np.argsort(fdeg[:nfree], kind="mergesort")
        for j in range(nfree):  # the freed vertices in, fewest free neighbours first
            w = free[order[j]]
            if x[w] == 0 and tight[w] == 0:
                _ins(indptr, indices, x, tight, w, log, nlog)
                new_size += 1
                _push(queue, q, inq, w)
        for i in range(nfree):  # a vertex left 1-tight: its solution neighbour may swap out
            w = free[i]
            if x[w] == 0 and tight[w] == 1:
                _push_solution_neighbour(indptr, indices, x, w, queue, q, inq)
        new_size += _local_swaps(indptr, indices, x, tight, queue, q, inq, mark, stamp, cand, log, nlog)
        accept = new_size >= size
        if not accept and new_size == size - 1:
            accept = randbelow(state, 1 + n) == 0
        if accept:
            size = new_size
            if size > best_size:
                best_size = size
                for v in range(n):
                    best[v] = x[v]
        else:  # undo the step, last change first
            lg = log[0]
            for i in range(nlog[0] - 1, -1, -1):
                code = lg[i]
                v = code >> 1
                if code & 1:
                    _remove(indptr, indices, x, tight, v)
                else:
                    _insert(indptr, indices, x, tight, v)
    return best


@njit(parallel=True, cache=True)
def ils_batch(indptr, indices, X, iters, seeds, target):
    for r in prange(X.shape[0]):
        b = ils(indptr, indices, X[r], iters, seeds[r], target)
        for v in range(X.shape[1]):
            X[r, v] = b[v]
