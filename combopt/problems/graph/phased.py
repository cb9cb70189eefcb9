"""Phased local search for maximum independent set / clique (after Pullan 2006, Pullan and Hoos 2006).

Written for independent sets of the conflict graph (a clique of ``G`` is an independent set of
its complement). One walk alternates two phases on the current independent set ``S``:

* **expand**: add a free vertex (no neighbour in ``S``) while there is one;
* **plateau**: swap in a 1-tight vertex (exactly one neighbour in ``S``, which leaves), never one
  that left during this plateau, until a free vertex appears (back to expand), no swap is left,
  or ``S`` no longer shares a vertex with the set the plateau started from.

Which candidate a step takes is the walk's *selection rule*: uniformly at random, the smallest
penalty (penalties count how often a vertex sat in a locally maximal set, and decay every ``pd``
updates: dynamic local search, DLS-MC), or the smallest conflict degree (the largest degree of
the clique graph). The rules cycle in phases of 50, 50 and 100 perturbations (PLS). Random and
penalty selection do not favour high-degree vertices, which is what finds cliques hidden by
degree camouflage (``brock`` graphs); degree selection is the greedy rule that suits ``p_hat``
and ``keller``-like graphs. After each plateau the set is perturbed: under the penalty rule it is
cut down to the last vertex added, under the others a random outside vertex is forced in and its
neighbours leave.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ...core.rng import randbelow
from .local import _insert as _add
from .local import _remove as _drop

RANDOM, PENALTY, DEGREE = 0, 1, 2
PHASE_LENGTHS = (50, 50, 100)  # perturbations per selection rule (random, penalty, degree)


@njit(cache=True)
def _select(indptr, x, tight, want, left, phase, pen, rule, state):
    """A vertex outside ``x`` with ``tight == want`` (and, for swaps, not ``left`` in this
    phase) chosen by ``rule`` (random ties), or -1."""
    n = x.shape[0]
    best = -1
    bkey = 1 << 62
    ties = 0
    for v in range(n):
        if x[v] != 0 or tight[v] != want or left[v] == phase:
            continue
        if rule == 1:
            key = pen[v]
        elif rule == 2:
            key = indptr[v + 1] - indptr[v]
        else:
            key = 0
        if key < bkey:
            bkey = key
            best = v
            ties = 1
        elif key == bkey:
            ties += 1
            if randbelow(state, ties) == 0:
                best = v
    return best


@njit(cache=True)
def _the_neighbour_in(indptr, indices, x, v):
    for k in range(indptr[v], indptr[v + 1]):
        if x[indices[k]] == 1:
            return indices[k]
    return -1


@njit(cache=True)
def phased_search(indptr, indices, x, pen, counters, steps, seed, pd, target, best):
    """Run ``steps`` add/swap steps of phased local search from ``x`` (kept as the walk's
    current set; ``pen`` and ``counters`` = [penalty updates, perturbations] also persist
    between calls). Writes the largest set seen into ``best`` and returns its size."""
    n = x.shape[0]
    state = np.array([seed], dtype=np.uint64)
    tight = np.zeros(n, dtype=np.int64)
    size = 0
    for v in range(n):
        if x[v] == 1:
            size += 1
            for k in range(indptr[v], indptr[v + 1]):
                tight[indices[k]] += 1
    for v in range(n):  # the input may be any set: make it independent first
        if x[v] == 1 and tight[v] > 0:
            _drop(indptr, indices, x, tight, v)
            size -= 1
    left = np.full(n, -1, dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    best_size = -1
    phase = 0
    last = -1
    cycle = PHASE_LENGTHS[0] + PHASE_LENGTHS[1] + PHASE_LENGTHS[2]
    done = 0
    while done < steps:
        c = counters[1] % cycle
        rule = 0 if c < PHASE_LENGTHS[0] else (1 if c < PHASE_LENGTHS[0] + PHASE_LENGTHS[1] else 2)
        phase += 1
        # the plateau may not wander off: it ends when no vertex of its start set is left
        shared = 0
        for v in range(n):
            if x[v] == 1:
                start[v] = phase
                shared += 1
        while done < steps:
            v = _select(indptr, x, tight, 0, left, -2, pen, rule, state)
            if v >= 0:  # expand
                _add(indptr, indices, x, tight, v)
                size += 1
                last = v
                done += 1
                continue
            v = _select(indptr, x, tight, 1, left, phase, pen, rule, state)
            if v < 0 or shared == 0:
                break
            u = _the_neighbour_in(indptr, indices, x, v)
            _drop(indptr, indices, x, tight, u)
            left[u] = phase
            if start[u] == phase:
                shared -= 1
            _add(indptr, indices, x, tight, v)
            last = v
            done += 1
        if size > best_size:
            best_size = size
            for v in range(n):
                best[v] = x[v]
            if best_size >= target:
                break
        if rule == 1:  # penalties: every vertex of the locally maximal set, decaying every pd updates
            for v in range(n):
                if x[v] == 1:
                    pen[v] += 1
            counters[0] += 1
            if counters[0] % pd == 0:
                for v in range(n):
                    if pen[v] > 0:
                        pen[v] -= 1
        counters[1] += 1
        if rule == 1 and last >= 0:  # cut down to the last vertex added
            for v in range(n):
                if x[v] == 1 and v != last:
                    _drop(indptr, indices, x, tight, v)
            size = 1
        else:  # force a random outside vertex in, its neighbours out
            v = randbelow(state, n)
            if x[v] == 0:
                for k in range(indptr[v], indptr[v + 1]):
                    u = indices[k]
                    if x[u] == 1:
                        _drop(indptr, indices, x, tight, u)
                        size -= 1
                _add(indptr, indices, x, tight, v)
                size += 1
                last = v
    return best_size


@njit(parallel=True, cache=True)
def phased_batch(indptr, indices, X, PEN, COUNTERS, steps, seeds, pd, target, BEST):
    """:func:`phased_search` for every row (walk) of ``X`` in parallel; returns the best sizes."""
    out = np.zeros(X.shape[0], dtype=np.int64)
    for r in prange(X.shape[0]):
        out[r] = phased_search(indptr, indices, X[r], PEN[r], COUNTERS[r], steps, seeds[r], pd, target, BEST[r])
    return out
