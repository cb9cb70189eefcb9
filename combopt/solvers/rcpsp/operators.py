"""Genetic operators of the RCPSP GA on activity lists (Numba): biased sampling of
precedence-feasible lists, two-point crossover, swap and shift mutation, and the
justification moves (pull earlier, push later) that repair lists after mutation.

Imports: numpy, numba and the shared xorshift stream (combopt.core.rng).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...core.rng import uniform


@njit(cache=True, parallel=True)
def sample_lists(prio, pred_ptr, pred_idx, succ_ptr, succ_idx, states, alpha, out):
    """Regret-based biased random sampling of activity lists (Drexl 1991).

    Among the eligible tasks ``E`` (all predecessors listed), task ``j`` is drawn
    with probability proportional to ``(max_E prio - prio_j + 1) ** alpha``:
    small priority values (e.g. latest finish times) are preferred. ``alpha=0``
    draws uniformly among eligible tasks. The lists are sampled in parallel (70-150 ms a list at 5,000
    tasks).
    """
    B, n = out.shape
    for b in prange(B):  # one list per thread at a time, each from its own random stream (same lists as in turn)
        indeg = np.empty(n, dtype=np.int64)
        elig = np.empty(n, dtype=np.int64)
        w = np.empty(n, dtype=np.float64)
        ne = 0
        for j in range(n):
            indeg[j] = pred_ptr[j + 1] - pred_ptr[j]
            if indeg[j] == 0:
                elig[ne] = j
                ne += 1
        for pos in range(n):
            mx = -1e300
            for e in range(ne):
                if prio[elig[e]] > mx:
                    mx = prio[elig[e]]
            tot = 0.0
            for e in range(ne):
                w[e] = (mx - prio[elig[e]] + 1.0) ** alpha
                tot += w[e]
            u = uniform(states[b:b + 1]) * tot
            pick = ne - 1
            acc = 0.0
            for e in range(ne):
                acc += w[e]
                if u < acc:
                    pick = e
                    break
            j = elig[pick]
            elig[pick] = elig[ne - 1]
            ne -= 1
            out[b, pos] = j
            for e in range(succ_ptr[j], succ_ptr[j + 1]):
                s = succ_idx[e]
                indeg[s] -= 1
                if indeg[s] == 0:
                    elig[ne] = s
                    ne += 1


@njit(cache=True)
def crossover_batch(pop, mothers, fathers, cut1, cut2, children):
    """Two-point crossover of activity lists (Hartmann 1998); keeps precedence feasibility.

    Child ``b`` takes positions ``[0, cut1)`` from its mother, then the father's
    tasks not yet taken in the father's order until position ``cut2``, then the
    mother's remaining tasks in the mother's order.
    """
    B = children.shape[0]
    n = pop.shape[1]
    for b in range(B):
        taken = np.zeros(n, dtype=np.bool_)
        mo = pop[mothers[b]]
        fa = pop[fathers[b]]
        pos = 0
        for k in range(cut1[b]):
            children[b, pos] = mo[k]
            taken[mo[k]] = True
            pos += 1
        k = 0
        while pos < cut2[b] and k < n:
            t = fa[k]
            if not taken[t]:
                children[b, pos] = t
                taken[t] = True
                pos += 1
            k += 1
        for k in range(n):
            t = mo[k]
            if not taken[t]:
                children[b, pos] = t
                taken[t] = True
                pos += 1


@njit(cache=True)
def peak_crossover_batch(pop, starts, mothers, fathers, width, dur, dem, cap, children):
    """Peak crossover (after Valls, Ballestin & Quintanilla 2008): the child keeps the mother's best-packed stretch.

    For child ``b``: the mother's schedule ``starts[mothers[b]]`` gives each time unit a resource utilisation
    (the sum over resources of usage / capacity); the window of ``width[b]`` times the mother's makespan with the
    highest utilisation is her peak. The child lists the tasks that start before the peak in the father's order,
    then those starting inside it in the mother's order, then the rest in the father's order. A predecessor ends
    before its successor starts in the mother's schedule, so it never falls in a later group: the child is
    precedence feasible when both parents are.
    """
    B = children.shape[0]
    n = pop.shape[1]
    H, R = cap.shape
    for b in range(B):
        mo = pop[mothers[b]]
        fa = pop[fathers[b]]
        S = starts[mothers[b]]
        T = 0
        for t in range(n):
            T = max(T, S[t] + dur[t])
        T = min(T, H)
        U = np.zeros(max(T, 1))
        for t in range(n):
            for tt in range(max(S[t], 0), min(S[t] + dur[t], T)):
                for r in range(R):
                    if dem[t, r] > 0 and cap[tt, r] > 0:
                        U[tt] += dem[t, r] / cap[tt, r]
        w = min(max(1, int(width[b] * T)), max(T, 1))
        acc = 0.0
        for tt in range(w):
            acc += U[tt]
        best, lo = acc, 0
        for a in range(1, T - w + 1):
            acc += U[a + w - 1] - U[a - 1]
            if acc > best + 1e-12:
                best, lo = acc, a
        hi = lo + w
        pos = 0
        for k in range(n):
            t = fa[k]
            if S[t] < lo:
                children[b, pos] = t
                pos += 1
        for k in range(n):
            t = mo[k]
            if lo <= S[t] < hi:
                children[b, pos] = t
                pos += 1
        for k in range(n):
            t = fa[k]
            if S[t] >= hi:
                children[b, pos] = t
                pos += 1


@njit(cache=True)
def _is_pred(a, c, pred_ptr, pred_idx):
    for e in range(pred_ptr[c], pred_ptr[c + 1]):
        if pred_idx[e] == a:
            return True
    return False


@njit(cache=True)
def mutate_batch(children, u, pm, shift_u, shift_pos, pred_ptr, pred_idx, succ_ptr, succ_idx):
    """Mutation of activity lists that keeps precedence feasibility.

    * swap: for each position ``i``, with probability ``pm`` (``u[b, i] < pm``)
      exchange the tasks at ``i`` and ``i + 1`` unless the first precedes the second;
    * shift: when ``shift_u[b] >= 0``, move the task at ``shift_pos[b]`` to a
      position drawn (by ``shift_u[b]`` in ``[0, 1)``) between its last
      predecessor and its first successor in the list.
    """
    B, n = children.shape
    for b in range(B):
        c = children[b]
        for i in range(n - 1):
            if u[b, i] < pm:
                x = c[i]
                y = c[i + 1]
                if not _is_pred(x, y, pred_ptr, pred_idx):
                    c[i] = y
                    c[i + 1] = x
        if shift_u[b] >= 0.0:
            i = shift_pos[b]
            t = c[i]
            lo = 0
            hi = n - 1
            for k in range(i - 1, -1, -1):
                if _is_pred(c[k], t, pred_ptr, pred_idx):
                    lo = k + 1
                    break
            for k in range(i + 1, n):
                if _is_pred(t, c[k], pred_ptr, pred_idx):
                    hi = k - 1
                    break
            dest = lo + int(shift_u[b] * (hi - lo + 1))
            if dest > hi:
                dest = hi
            if dest < i:
                for k in range(i, dest, -1):
                    c[k] = c[k - 1]
                c[dest] = t
            elif dest > i:
                for k in range(i, dest):
                    c[k] = c[k + 1]
                c[dest] = t


@njit(cache=True)
def _closure(t, ptr, idx, member, stack):
    """Mark in ``member`` task ``t`` and everything reachable from it along the CSR arcs
    ``ptr``/``idx`` (all predecessors, or all successors); ``stack`` is workspace."""
    member[:] = False
    member[t] = True
    top = 0
    stack[top] = t
    top += 1
    while top > 0:
        top -= 1
        j = stack[top]
        for e in range(ptr[j], ptr[j + 1]):
            i2 = idx[e]
            if not member[i2]:
                member[i2] = True
                stack[top] = i2
                top += 1


@njit(cache=True)
def pull_earlier(children, tasks, u, pred_ptr, pred_idx):
    """Move task ``tasks[b]`` of child ``b`` (when ``>= 0``) and all its ancestors up the list.

    With ``S`` the task and its (transitive) predecessors and ``i`` the task's
    position, a position ``d = floor(u[b] * (i + 1))`` is drawn; the members of
    ``S`` found at or after ``d`` are moved, in their order, to start at ``d``.
    ``S`` is closed under predecessors, so the list stays precedence feasible.
    A repair move for tasks that finish too late: earlier in the list, earlier
    in the serial schedule, and so are the tasks it waits for.
    """
    B, n = children.shape
    inS = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    tmp = np.empty(n, dtype=children.dtype)
    for b in range(B):
        t = tasks[b]
        if t < 0:
            continue
        c = children[b]
        _closure(t, pred_ptr, pred_idx, inS, stack)
        pos = 0
        while c[pos] != t:
            pos += 1
        d = int(u[b] * (pos + 1))
        if d > pos:
            d = pos
        k = 0
        for q in range(d, n):
            if inS[c[q]]:
                tmp[k] = c[q]
                k += 1
        for q in range(d, n):
            if not inS[c[q]]:
                tmp[k] = c[q]
                k += 1
        for q in range(n - d):
            c[d + q] = tmp[q]


@njit(cache=True)
def push_later(children, tasks, anchors, succ_ptr, succ_idx):
    """Move task ``tasks[b]`` of child ``b`` and all its descendants to just after task ``anchors[b]``.

    For a task that blocks a late task (the anchor) from an earlier slot. The
    members of ``D`` (the task and its transitive successors) found before the
    anchor's position are moved, in their order, to just after the anchor;
    ``D`` is closed under successors, so the list stays precedence feasible
    (the anchor must not be in ``D``). Children with ``tasks[b] < 0`` or with
    the task already after its anchor are left alone.
    """
    B, n = children.shape
    inD = np.zeros(n, dtype=np.bool_)
    stack = np.empty(n, dtype=np.int64)
    tmp = np.empty(n, dtype=children.dtype)
    for b in range(B):
        t = tasks[b]
        a = anchors[b]
        if t < 0 or a < 0:
            continue
        c = children[b]
        _closure(t, succ_ptr, succ_idx, inD, stack)
        if inD[a]:
            continue
        pa = 0
        while c[pa] != a:
            pa += 1
        k = 0
        for q in range(pa + 1):
            if not inD[c[q]]:
                tmp[k] = c[q]
                k += 1
        for q in range(pa + 1):
            if inD[c[q]]:
                tmp[k] = c[q]
                k += 1
        for q in range(k):
            c[q] = tmp[q]
