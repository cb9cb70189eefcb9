"""Per-replica annealing logic: one source of truth for CPU and GPU.

:func:`anneal_replica` is a plain function with no calls to other project
functions. It is compiled three ways:

* ``numba.njit`` (inlined into the parallel CPU batch kernels below),
* inside the Numba CUDA kernel of :mod:`combopt.gpu.anneal` (one replica per
  thread), where Numba compiles the same function for the device,
* as plain Python (``.py_func``) under the CUDA simulator.

Random numbers come from a per-replica xorshift64* stream kept in a uint64
array, so a replica's trajectory depends only on its seed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_MASK_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_EXP_CUTOFF = 40.0  # exp(-40) < 5e-18: treat as "never accept"
# above _BOUND_T: (1 + t) exp(-t) < 1 - 4e-9, so u (1 + t) > 1 + 1e-9 implies u > exp(-t); and
# exp(-t) > 1 - t + 3e-9, so u < 1 - t implies u < exp(-t) (both far beyond rounding errors)
_BOUND_T = 1e-4
_BOUND_MARGIN = 1.0 + 1e-9


@njit(inline="always", cache=True)
def anneal_replica(indptr, indices, data, h, betas, sweeps_per_beta, x, field, states, r, init):
    """Metropolis sweeps of one replica over a schedule of inverse temperatures.

    Parameters
    ----------
    indptr, indices, data
        CSR of the symmetric couplings (zero diagonal).
    h
        Linear coefficients.
    betas
        Inverse temperatures, applied in order, ``sweeps_per_beta`` sweeps each.
    x, field
        Replica state (int8 0/1) and local fields ``h + W x``; when ``init`` is
        1, ``x`` is drawn at random and ``field`` recomputed first.
    states
        uint64 xorshift states, one per replica; ``states[r]`` is advanced.
    r
        Replica index into ``states``.

    Returns
    -------
    float
        Energy change over the call (the full energy minus offset when
        ``init`` is 1).
    """
    n = h.shape[0]
    s = states[r]
    de_total = 0.0
    # dense rows (every row holds the n - 1 other columns in order): contiguous field updates
    dense = n > 1
    for i in range(n):
        if indptr[i + 1] - indptr[i] != n - 1:
            dense = False
            break
    if dense:
        for i in range(n):
            base = indptr[i]
            for j in range(n - 1):
                if indices[base + j] != (j if j < i else j + 1):
                    dense = False
                    break
            if not dense:
                break
    if init == 1:
        for i in range(n):
            s ^= s >> np.uint64(12)
            s ^= s << np.uint64(25)
            s ^= s >> np.uint64(27)
            u = ((s * np.uint64(2685821657736338717)) >> np.uint64(11)) * _MASK_INV53
            x[i] = 1 if u < 0.5 else 0
        e0 = 0.0
        for i in range(n):
            f = h[i]
            for k in range(indptr[i], indptr[i + 1]):
                f += data[k] * x[indices[k]]
            field[i] = f
        for i in range(n):
            if x[i] == 1:
                e0 += 0.5 * (field[i] + h[i])
        de_total = e0
    for b in range(betas.shape[0]):
        beta = betas[b]
        for _ in range(sweeps_per_beta):
            for i in range(n):
                d = 1.0 - 2.0 * x[i]  # +1 to switch on, -1 to switch off
                de = d * field[i]
                accept = de <= 0.0
                if not accept:
                    t = beta * de
                    if t < _EXP_CUTOFF:
                        s ^= s >> np.uint64(12)
                        s ^= s << np.uint64(25)
                        s ^= s >> np.uint64(27)
                        u = ((s * np.uint64(2685821657736338717)) >> np.uint64(11)) * _MASK_INV53
                        # 1 - t < exp(-t) < 1 / (1 + t), each by more than 3e-9 once t > 1e-4: most
                        # attempts are decided without calling exp, with the same outcome
                        if t > _BOUND_T and u * (1.0 + t) > _BOUND_MARGIN:
                            accept = False
                        elif t > _BOUND_T and u < 1.0 - t:
                            accept = True
                        else:
                            accept = u < math.exp(-t)
                if accept:
                    x[i] = 1 - x[i]
                    base = indptr[i]
                    if dense:
                        for j in range(i):
                            field[j] += d * data[base + j]
                        for j in range(i + 1, n):
                            field[j] += d * data[base + j - 1]
                    else:
                        for k in range(base, indptr[i + 1]):
                            field[indices[k]] += d * data[k]
                    de_total += de
    states[r] = s
    return de_total


@njit(parallel=True, cache=True)
def anneal_batch_cpu(indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init):
    """Run every replica (row of ``X``) through the schedule, in parallel."""
    R = X.shape[0]
    for r in prange(R):
        de = anneal_replica(indptr, indices, data, h, betas, sweeps_per_beta, X[r], F[r], states, r, init)
        if init == 1:
            energies[r] = de
        else:
            energies[r] += de


@njit(parallel=True, cache=True)
def tempering_round_cpu(indptr, indices, data, h, ladder, sweeps, X, F, states, energies):
    """One parallel-tempering round: ``sweeps`` sweeps of every replica at its own beta."""
    R = X.shape[0]
    for r in prange(R):
        one = ladder[r : r + 1]
        energies[r] += anneal_replica(indptr, indices, data, h, one, sweeps, X[r], F[r], states, r, 0)


@njit(cache=True)
def greedy_descent(indptr, indices, data, x, field):
    """Flip improving variables until none is left; returns the energy change."""
    n = x.shape[0]
    total = 0.0
    improved = True
    while improved:
        improved = False
        for i in range(n):
            de = -field[i] if x[i] == 1 else field[i]
            if de < -1e-12:
                d = -1.0 if x[i] == 1 else 1.0
                x[i] = 1 - x[i]
                for k in range(indptr[i], indptr[i + 1]):
                    field[indices[k]] += d * data[k]
                total += de
                improved = True
    return total


@njit(parallel=True, cache=True)
def greedy_descent_batch(indptr, indices, data, X, F, energies):
    for r in prange(X.shape[0]):
        energies[r] += greedy_descent(indptr, indices, data, X[r], F[r])


@njit(parallel=True, cache=True)
def tabu_batch(indptr, indices, data, h, X, F, states, iters, tenure_base, best_X, best_E, energies):
    """Independent single-flip tabu searches, one per row of ``X``.

    Each step takes the best non-tabu flip (a tabu flip is allowed when it
    reaches a new best energy: aspiration); the flipped variable is then tabu
    for ``tenure_base`` plus a random 0..tenure_base/2 steps.
    """
    R, n = X.shape
    for r in prange(R):
        x = X[r]
        f = F[r]
        bx = best_X[r]
        tabu_until = np.zeros(n, dtype=np.int64)
        e = energies[r]
        be = e
        for i in range(n):
            bx[i] = x[i]
        s = states[r]
        for it in range(1, iters + 1):
            best_i = -1
            best_de = 1e300
            for i in range(n):
                de = -f[i] if x[i] == 1 else f[i]
                if tabu_until[i] >= it and not (e + de < be - 1e-12):
                    continue
                if de < best_de:
                    best_de = de
                    best_i = i
            if best_i < 0:
                continue
            i = best_i
            d = -1.0 if x[i] == 1 else 1.0
            x[i] = 1 - x[i]
            for k in range(indptr[i], indptr[i + 1]):
                f[indices[k]] += d * data[k]
            e += best_de
            s ^= s >> np.uint64(12)
            s ^= s << np.uint64(25)
            s ^= s >> np.uint64(27)
            extra = np.int64(((s * np.uint64(2685821657736338717)) >> np.uint64(33)) % np.uint64(tenure_base // 2 + 1))
            tabu_until[i] = it + tenure_base + extra
            if e < be - 1e-12:
                be = e
                for j in range(n):
                    bx[j] = x[j]
        states[r] = s
        energies[r] = e
        best_E[r] = be


@njit(parallel=True, cache=True)
def exhaustive_cpu(indptr, indices, data, h, n_prefix_bits, best_E, best_code):
    """Gray-code enumeration of all 2^n assignments, split over prefix blocks.

    Block ``p`` fixes the top ``n_prefix_bits`` variables to the bits of ``p``
    and enumerates the rest in Gray-code order with local-field updates.
    """
    n = h.shape[0]
    m = n - n_prefix_bits
    blocks = 1 << n_prefix_bits
    for p in prange(blocks):
        x = np.zeros(n, dtype=np.int8)
        for b in range(n_prefix_bits):
            x[m + b] = (p >> b) & 1
        field = h.copy()
        e = 0.0
        for i in range(n):
            if x[i] == 1:
                for k in range(indptr[i], indptr[i + 1]):
                    field[indices[k]] += data[k]
        for i in range(n):
            if x[i] == 1:
                e += 0.5 * (field[i] + h[i])
        be = e
        bcode = np.int64(0)
        total = np.int64(1) << m
        for g in range(1, total):
            # bit to flip = index of the lowest set bit of g
            i = 0
            t = g
            while (t & 1) == 0:
                t >>= 1
                i += 1
            de = -field[i] if x[i] == 1 else field[i]
            d = -1.0 if x[i] == 1 else 1.0
            x[i] = 1 - x[i]
            for k in range(indptr[i], indptr[i + 1]):
                field[indices[k]] += d * data[k]
            e += de
            if e < be - 1e-12:
                be = e
                bcode = g ^ (g >> 1)
        best_E[p] = be
        best_code[p] = bcode
