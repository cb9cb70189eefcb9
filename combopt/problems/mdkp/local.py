"""Multidimensional-knapsack repair and local search (Numba).

Drop items by worst profit / aggregated-weight ratio until every capacity
holds, add items greedily by best ratio, then apply improving 1-1 swaps (one
item out, one in) and greedy additions until none is left, or until the swap
search has used its work budget (``SWAP_WORK``, reached only on instances of
thousands of items). The aggregated
weight of item j is ``sum_i w_i A_ij`` with ``w`` the Lagrange multipliers
when available (the surrogate-duality ordering of Chu and Beasley), else the
reciprocal capacities. ``b``: the largest loads that fit (``MultiKnapsack.cap``, the capacities with their
rounding tolerance).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...core.rng import uniform

#: most (item out, item in) pairs that one call of the 1-1 swap search looks at, over all its rounds: a round
#: is a full scan of (chosen x unchosen) pairs, so on instances up to about a thousand items (at most 250,000
#: pairs a round) the search always runs to its end, while on tens of thousands of items, where one round
#: costs 10^8 pairs, a call stays within about a tenth of a second and the greedy repair still finishes
SWAP_WORK = 50_000_000


@njit(cache=True)
def _ratios(p, A, w):
    m, n = A.shape
    r = np.empty(n)
    for j in range(n):
        s = 0.0
        for i in range(m):
            s += w[i] * A[i, j]
        r[j] = p[j] / s if s > 1e-300 else 1e300
    return r


@njit(cache=True)
def _fits(A, load, b, j):
    for i in range(A.shape[0]):
        if load[i] + A[i, j] > b[i]:
            return False
    return True


@njit(cache=True)
def repair_and_improve(p, A, b, w, x):
    m, n = A.shape
    r = _ratios(p, A, w)
    order = np.argsort(r)  # ascending ratio: worst first
    load = np.zeros(m)
    for j in range(n):
        if p[j] < 0:  # weights are non-negative: an item of negative profit only ever lowers the objective
            x[j] = 0
        if x[j] == 1:
            for i in range(m):
                load[i] += A[i, j]
    # drop
    for t in range(n):
        over = False
        for i in range(m):
            if load[i] > b[i]:
                over = True
                break
        if not over:
            break
        j = order[t]
        if x[j] == 1:
            x[j] = 0
            for i in range(m):
                load[i] -= A[i, j]
    improved = True
    work = 0
    while improved:
        improved = False
        # add greedily, best ratio first
        for t in range(n - 1, -1, -1):
            j = order[t]
            if x[j] == 0 and p[j] >= 0 and _fits(A, load, b, j):
                x[j] = 1
                for i in range(m):
                    load[i] += A[i, j]
        # best improving 1-1 swap, while the work budget allows a full round
        chosen = 0
        for j in range(n):
            chosen += x[j]
        work += chosen * (n - chosen)
        if work > SWAP_WORK:
            break
        best_gain = 1e-9
        bi = -1
        bj = -1
        for i_out in range(n):
            if x[i_out] == 0:
                continue
            for j_in in range(n):
                if x[j_in] == 1 or p[j_in] - p[i_out] <= best_gain:
                    continue
                ok = True
                for i in range(m):
                    if load[i] - A[i, i_out] + A[i, j_in] > b[i]:
                        ok = False
                        break
                if ok:
                    best_gain = p[j_in] - p[i_out]
                    bi = i_out
                    bj = j_in
        if bi >= 0:
            x[bi] = 0
            x[bj] = 1
            for i in range(m):
                load[i] += A[i, bj] - A[i, bi]
            improved = True


@njit(parallel=True, cache=True)
def repair_batch(p, A, b, w, X):
    for r in prange(X.shape[0]):
        repair_and_improve(p, A, b, w, X[r])


@njit(cache=True, nogil=True)
def iterated_drop_add(p, A, b, w, x, iters, seed, max_drop):
    """Iterated local search on a feasible ``x`` (in place: ``x`` ends as the best found).

    Each step drops 1..max_drop random items of the current solution, forbids
    them for the step, refills greedily by ratio with random noise, applies the
    1-1 swap search and keeps the result when it is at least as good.
    """
    m, n = A.shape
    state = np.array([seed], dtype=np.uint64)
    r = _ratios(p, A, w)
    cur = x.copy()
    cur_val = 0.0
    for j in range(n):
        cur_val += p[j] * cur[j]
    best_val = cur_val
    trial = np.empty(n, dtype=np.int8)
    noisy = np.empty(n)
    load = np.zeros(m)
    banned = np.zeros(n, dtype=np.int8)
    for _ in range(iters):
        for j in range(n):
            trial[j] = cur[j]
            banned[j] = 0
        k = 1 + int(uniform(state) * max_drop)
        count = 0
        for j in range(n):
            count += trial[j]
        for _d in range(min(k, count)):
            # pick a random chosen item
            t = int(uniform(state) * count)
            for j in range(n):
                if trial[j] == 1:
                    if t == 0:
                        trial[j] = 0
                        banned[j] = 1
                        count -= 1
                        break
                    t -= 1
        for i in range(m):
            load[i] = 0.0
        for j in range(n):
            if trial[j] == 1:
                for i in range(m):
                    load[i] += A[i, j]
        for j in range(n):
            noisy[j] = r[j] * (0.8 + 0.4 * uniform(state))
        order = np.argsort(-noisy)
        for t in range(n):
            j = order[t]
            if trial[j] == 0 and banned[j] == 0 and _fits(A, load, b, j):
                trial[j] = 1
                for i in range(m):
                    load[i] += A[i, j]
        repair_and_improve(p, A, b, w, trial)
        val = 0.0
        for j in range(n):
            val += p[j] * trial[j]
        if val >= cur_val - 1e-9:
            for j in range(n):
                cur[j] = trial[j]
            cur_val = val
            if val > best_val + 1e-9:
                best_val = val
                for j in range(n):
                    x[j] = trial[j]


@njit(parallel=True, cache=True)
def iterated_drop_add_batch(p, A, b, w, X, iters, seeds, max_drops):
    """One walk per row of ``X``; walk ``r`` drops up to ``max_drops[r % len(max_drops)]`` items."""
    for r in prange(X.shape[0]):
        iterated_drop_add(p, A, b, w, X[r], iters, seeds[r], max_drops[r % max_drops.shape[0]])
