"""Numba kernels for maximum cut: one-flip gains and breakout local search (Benlic and Hao 2013).

A side vector ``x`` (0/1 per vertex) and the symmetric CSR adjacency ``indptr, indices, w`` (each edge in both
rows). ``gain[i]`` is what flipping ``i`` adds to the cut: ``sum_j w_ij (+1 if x_i == x_j else -1)``; a flip
updates the gains of ``i``'s neighbours only.

Breakout local search: steepest ascent to a local optimum, then a perturbation of ``L`` moves and ascent again.
``L`` grows by one each time the search falls back into the local optimum it left (same cut), and returns to
``L0`` otherwise. A perturbation is *directed* with probability ``max(exp(-omega / T), p0)`` (``omega``: local
optima since the last improvement of the walk's best): each move flips the best vertex that is not tabu (or one
that beats the best cut), and the flipped vertex stays tabu for a random 3..n/10 moves; otherwise it flips
random vertices. After ``T`` local optima without improvement a strong random perturbation of ``Lmax`` moves.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ...core.rng import randbelow, uniform


@njit(cache=True)
def cut_and_gains(indptr, indices, w, x):
    n = x.shape[0]
    gain = np.zeros(n)
    cut = 0.0
    for i in range(n):
        g = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            if x[i] == x[j]:
                g += w[k]
            else:
                g -= w[k]
                cut += w[k]
        gain[i] = g
    return cut / 2.0, gain


@njit(inline="always", cache=True)
def flip(indptr, indices, w, x, gain, i):
    xi = x[i]
    for k in range(indptr[i], indptr[i + 1]):
        j = indices[k]
        if x[j] == xi:  # the edge ij becomes cut: flipping j would now uncut it
            gain[j] -= 2.0 * w[k]
        else:
            gain[j] += 2.0 * w[k]
    gain[i] = -gain[i]
    x[i] = 1 - xi


@njit(cache=True)
def ascend(indptr, indices, w, x, gain, cut, eps):
    """Steepest ascent: flip the vertex of largest gain while that gain is above ``eps``; returns the cut."""
    n = x.shape[0]
    while True:
        best, bi = eps, -1
        for i in range(n):
            if gain[i] > best:
                best, bi = gain[i], i
        if bi < 0:
            return cut
        cut += best
        flip(indptr, indices, w, x, gain, bi)


@njit(cache=True)
def bls(indptr, indices, w, x, iters, seed, L0, Lmax, p0, T, eps):
    """Breakout local search from ``x`` for ``iters`` perturbation moves; ``x`` ends as the walk's best side
    vector, whose cut is returned."""
    n = x.shape[0]
    state = np.array([seed], dtype=np.uint64)
    cut, gain = cut_and_gains(indptr, indices, w, x)
    cut = ascend(indptr, indices, w, x, gain, cut, eps)
    best = cut
    best_x = x.copy()
    prev = cut
    L = L0
    omega = 0
    tabu = np.zeros(n, dtype=np.int64)
    hi = max(4, n // 10)
    it = 0
    while it < iters:
        if omega > T:  # stuck for long: a strong random jump
            for _ in range(Lmax):
                i = randbelow(state, n)
                cut += gain[i]
                flip(indptr, indices, w, x, gain, i)
                tabu[i] = it + 3 + randbelow(state, hi - 2)
            omega = 0
            it += Lmax
        else:
            if abs(cut - prev) <= eps:  # fell back into the local optimum it left
                L = min(L + 1, Lmax)
            else:
                L = L0
            prev = cut
            directed = uniform(state) < max(math.exp(-omega / T), p0)
            for _ in range(L):
                if directed:
                    bg, bi = -np.inf, -1
                    for i in range(n):
                        g = gain[i]
                        if g > bg and (tabu[i] <= it or cut + g > best + eps):
                            bg, bi = g, i
                    if bi < 0:
                        bi = randbelow(state, n)
                else:
                    bi = randbelow(state, n)
                cut += gain[bi]
                flip(indptr, indices, w, x, gain, bi)
                tabu[bi] = it + 3 + randbelow(state, hi - 2)
                it += 1
        cut = ascend(indptr, indices, w, x, gain, cut, eps)
        if cut > best + eps:
            best = cut
            best_x[:] = x
            omega = 0
        else:
            omega += 1
    x[:] = best_x
    return best


@njit(parallel=True, cache=True)
def bls_batch(indptr, indices, w, X, iters, seeds, L0, Lmax, p0, T, eps):
    """One breakout walk per row of ``X`` (in parallel); each row ends as its walk's best; returns the cuts."""
    R = X.shape[0]
    out = np.zeros(R)
    for r in prange(R):
        out[r] = bls(indptr, indices, w, X[r], iters, seeds[r], L0, Lmax, p0, T, eps)
    return out
