"""Per-replica annealing logic: one source of truth for CPU and GPU.

:func:`anneal_replica` is a plain function with no calls to other project
functions. It is compiled three ways:

* ``numba.njit`` (inlined into the parallel CPU batch kernels below),
* inside the Numba CUDA kernel of :mod:`combopt.gpu.anneal` (one replica per
  thread), where Numba compiles the same function for the device,
* as plain Python (``.py_func``) under the CUDA simulator.

Random numbers come from a per-replica xorshift64* stream kept in a uint64
array, so a replica's trajectory depends only on its seed.

On the CPU, :func:`anneal_batch_cpu` runs sparse models eight replicas at a time
in lock-step (:func:`anneal_lanes`): the eight replicas' attempts on one variable
are decided together without branches (so the compiler vectorises them) and the
accepted flips update the eight replicas' fields in one pass over the row. Each
replica still follows exactly the trajectory :func:`anneal_replica` gives it
(same random draws, same decisions, same field arithmetic);
``tests/test_anneal_kernel_paths.py`` checks this bit for bit.
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
# lock-step replicas per block (eight float64 lanes: two AVX2 / one AVX-512 register)
LANES = 8
# margins around the bracket of exp_bracket (its rounding errors stay below 1e-12 relative)
_BRACKET_LO = 1.0 - 1e-10
_BRACKET_HI = 1.0 + 1e-10
_U1 = np.uint64(1)


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
                        # zero-based slices: the loops carry no negative-index checks and vectorise
                        row = data[base : base + n - 1]
                        for j in range(i):
                            field[j] += d * row[j]
                        right = field[i + 1 :]
                        rrow = row[i:]
                        for j in range(n - 1 - i):
                            right[j] += d * rrow[j]
                    else:
                        # unsigned offsets and columns: no negative-index wrap-around per access
                        k = np.uint64(base)
                        end = np.uint64(indptr[i + 1])
                        while k < end:
                            field[np.uint64(indices[k])] += d * data[k]
                            k += np.uint64(1)
                    de_total += de
    states[r] = s
    return de_total


@njit(inline="always", cache=True)
def exp_bracket(t):
    """``(lo, hi)`` with ``lo <= exp(-t) <= hi`` for ``0 <= t <= 40``, branch-free.

    With ``y = t / 64`` the Taylor partial sums of ``exp(-y)`` of degree 7 and 8
    enclose it (alternating remainder); raising both to the 64th power by six
    squarings keeps the order. The gap is below 1e-4 relative and 4e-14 absolute;
    rounding errors stay below 1e-12 relative, well inside the ``_BRACKET_LO`` /
    ``_BRACKET_HI`` margins that callers apply.
    """
    y = t * (1.0 / 64.0)
    lo = 1.0 + y * (-1.0 + y * (0.5 + y * (-1.0 / 6.0 + y * (1.0 / 24.0 + y * (-1.0 / 120.0 + y * (
        1.0 / 720.0 + y * (-1.0 / 5040.0)))))))
    y2 = y * y
    y4 = y2 * y2
    hi = lo + (y4 * y4) * (1.0 / 40320.0)
    # six squarings written out: a loop here stops LLVM vectorising the lock-step lanes (sparse rate 2.2x -> 1.3x dwave)
    lo = lo * lo
    hi = hi * hi
    lo = lo * lo
    hi = hi * hi
    lo = lo * lo
    hi = hi * hi
    lo = lo * lo
    hi = hi * hi
    lo = lo * lo
    hi = hi * hi
    lo = lo * lo
    hi = hi * hi
    return lo, hi


@njit(inline="always", cache=True)
def lane_decision(t, u):
    """Metropolis decision for ``t = beta * delta_E`` and a uniform ``u`` (drawn only if ``0 < t < 40``).

    Returns ``(accept, unsure)``: ``accept`` is the decision when ``unsure`` is
    false; when ``unsure`` is true the caller decides ``u < exp(-t)`` itself.
    The same decisions as :func:`anneal_replica` (downhill: accept; ``t >= 40``:
    reject; else ``u < exp(-t)``), written with ``&`` / ``|`` so that a loop
    over lanes has no branches.
    """
    need = (t > 0.0) & (t < _EXP_CUTOFF)
    lo, hi = exp_bracket(min(max(t, 0.0), _EXP_CUTOFF))
    accept = (t <= 0.0) | (need & (u < lo * _BRACKET_LO))
    unsure = need & (u >= lo * _BRACKET_LO) & (u <= hi * _BRACKET_HI)
    return accept, unsure


@njit(inline="always", cache=True)
def anneal_lanes(indptr, indices, data, betas, sweeps_per_beta, D, FL, st, det, dsel, tt, uu, un):
    """:func:`anneal_replica`'s sweeps for ``B = D.shape[1]`` replicas in lock-step (CSR updates).

    ``D[i, l]`` is ``1 - 2 x_i`` of lane ``l`` (the sign of a flip's field
    change), ``FL[i, l]`` its local field, ``st[l]`` its xorshift state and
    ``det[l]`` accumulates its energy changes; ``dsel``, ``tt``, ``uu``, ``un``
    are scratch arrays of length ``B``. Variable ``i`` is decided for all lanes
    at once; a lane draws a random number exactly when ``anneal_replica`` would
    (uphill, ``t < 40``), and the fields of every lane are updated in one pass
    over row ``i`` (``+0`` for the lanes that did not flip). Chunks of eight
    variables where no lane can move (every ``t >= 40``) are skipped after one
    vectorised test, which is what the cold half of a schedule mostly is.
    """
    n, B = D.shape
    dflat = D.ravel()
    fflat = FL.ravel()
    for b in range(betas.shape[0]):
        beta = betas[b]
        for _ in range(sweeps_per_beta):
            c0 = 0
            while c0 < n:
                c1 = min(c0 + 8, n)
                movable = 0
                for q in range(c0 * B, c1 * B):
                    movable += beta * (dflat[q] * fflat[q]) < _EXP_CUTOFF
                if movable == 0:
                    c0 = c1
                    continue
                for i in range(c0, c1):
                    di = D[i]
                    fi = FL[i]
                    n_acc = 0
                    n_unsure = 0
                    for lane in range(B):
                        d = di[lane]
                        t = beta * (d * fi[lane])
                        s0 = st[lane]
                        s1 = s0 ^ (s0 >> np.uint64(12))
                        s1 ^= s1 << np.uint64(25)
                        s1 ^= s1 >> np.uint64(27)
                        st[lane] = s1 if (t > 0.0) & (t < _EXP_CUTOFF) else s0
                        u = ((s1 * np.uint64(2685821657736338717)) >> np.uint64(11)) * _MASK_INV53
                        acc, unsure = lane_decision(t, u)
                        dsel[lane] = d if acc else 0.0
                        tt[lane] = t
                        uu[lane] = u
                        un[lane] = unsure
                        n_acc += acc
                        n_unsure += unsure
                    if n_unsure:  # rare (< 2e-10 of the draws): u within the bracket's margins
                        for lane in range(B):
                            if un[lane] and uu[lane] < math.exp(-tt[lane]):
                                dsel[lane] = di[lane]
                                n_acc += 1
                    if n_acc:
                        for lane in range(B):
                            dl = dsel[lane]
                            det[lane] += dl * fi[lane]
                            di[lane] = di[lane] - 2.0 * dl
                        k = np.uint64(indptr[i])
                        end = np.uint64(indptr[i + 1])
                        while k < end:
                            w = data[k]
                            fj = FL[np.uint64(indices[k])]
                            for lane in range(B):
                                fj[lane] += dsel[lane] * w
                            k += _U1
                c0 = c1


@njit(cache=True)
def dense_rows(indptr, indices):
    """Whether every row of the CSR holds the ``n - 1`` other columns in order."""
    n = indptr.shape[0] - 1
    if n < 2:
        return False
    for i in range(n):
        if indptr[i + 1] - indptr[i] != n - 1:
            return False
    for i in range(n):
        base = indptr[i]
        for j in range(n - 1):
            if indices[base + j] != (j if j < i else j + 1):
                return False
    return True


@njit(cache=True)
def anneal_block(indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init, r0):
    """Replicas ``r0 .. r0 + LANES - 1`` through the schedule in lock-step (see :func:`anneal_lanes`)."""
    n = X.shape[1]
    # (LANES in practice; a bound the compiler cannot fold, so the lane loops stay loops and vectorise
    # instead of being unrolled into scalar code)
    B = min(LANES, X.shape[0] - r0)
    if init == 1:  # random start and fields, one replica at a time (the same code as anneal_replica's)
        for r in range(r0, r0 + B):
            energies[r] = anneal_replica(indptr, indices, data, h, betas[:0], 1, X[r], F[r], states, r, 1)
    D = np.empty((n, B))
    FL = np.empty((n, B))
    st = np.empty(B, dtype=np.uint64)
    det = np.empty(B)
    for lane in range(B):
        r = r0 + lane
        st[lane] = states[r]
        det[lane] = energies[r] if init == 1 else 0.0
        for i in range(n):
            D[i, lane] = 1.0 - 2.0 * X[r, i]
            FL[i, lane] = F[r, i]
    anneal_lanes(indptr, indices, data, betas, sweeps_per_beta, D, FL, st, det,
                 np.empty(B), np.empty(B), np.empty(B), np.empty(B, dtype=np.bool_))
    for lane in range(B):
        r = r0 + lane
        states[r] = st[lane]
        energies[r] = det[lane] if init == 1 else energies[r] + det[lane]
        for i in range(n):
            X[r, i] = 1 if D[i, lane] < 0.0 else 0
            F[r, i] = FL[i, lane]


@njit(parallel=True, cache=True)
def anneal_batch_cpu(indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init):
    """Run every replica (row of ``X``) through the schedule, in parallel.

    Sparse models: blocks of ``LANES`` replicas in lock-step (:func:`anneal_block`),
    the remaining ``R mod LANES`` one by one; dense models (where the field update
    is a contiguous row) and empty schedules: one replica at a time. Every path
    gives each replica the same trajectory.
    """
    R = X.shape[0]
    blocks = 0
    if betas.shape[0] > 0 and not dense_rows(indptr, indices):
        blocks = R // LANES
    for q in prange(blocks + R - blocks * LANES):
        if q < blocks:
            anneal_block(indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init, q * LANES)
        else:
            r = blocks * LANES + (q - blocks)
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
def tabu_batch(indptr, indices, data, h, X, F, states, iters, tenure_base, best_X, best_E, energies, trees=False):
    """Independent single-flip tabu searches, one per row of ``X``.

    Each step takes the best non-tabu flip (a tabu flip is allowed when it
    reaches a new best energy: aspiration); the flipped variable is then tabu
    for ``tenure_base`` plus a random 0..tenure_base/2 steps. Ties go to the
    lowest index.

    ``trees``: find the step's flip in two tournament trees over the flip
    costs (all variables, and the non-tabu ones) instead of scanning all n:
    a step then costs O((row length + 2) log n), for sparse models, with the
    same trajectory (:func:`tabu_walk_trees`).
    """
    R, n = X.shape
    for r in prange(R):
        if trees:
            s, e, be = tabu_walk_trees(indptr, indices, data, X[r], F[r], states[r], iters, tenure_base, best_X[r],
                                       energies[r])
            states[r] = s
            energies[r] = e
            best_E[r] = be
            continue
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


@njit(cache=True)
def _tree_set(key, arg, P, i, value):
    """Set leaf ``i`` of a min tournament tree (``key``/``arg`` of length 2P, leaves at P..2P-1) and replay its
    path to the root; ties keep the left (lower) index."""
    node = P + i
    key[node] = value
    node >>= 1
    while node >= 1:
        a = 2 * node
        b = a + 1
        if key[a] <= key[b]:
            key[node] = key[a]
            arg[node] = arg[a]
        else:
            key[node] = key[b]
            arg[node] = arg[b]
        node >>= 1


@njit(cache=True)
def tabu_walk_trees(indptr, indices, data, x, f, s, iters, tenure_base, bx, e):
    """One walk of :func:`tabu_batch` with its flips chosen in tournament trees: tree ``all`` holds every
    variable's flip cost, tree ``free`` the non-tabu ones (+inf for tabu). A step takes the overall best if it
    reaches a new best energy (aspiration; if it does not, no tabu flip does), else the best free one. The tabu
    variables sit in a calendar by the step their tenure ends, so a step frees exactly those whose tenure ended
    (O(1) a step whatever the tenure). The best state is brought up to date from the log of flips since it (a full
    copy when the log overflows n).
    Returns the xorshift state, the energy and the best energy."""
    n = x.shape[0]
    P = 1
    while P < n:
        P *= 2
    ka = np.full(2 * P, np.inf)
    aa = np.zeros(2 * P, dtype=np.int64)
    kf = np.full(2 * P, np.inf)
    af = np.zeros(2 * P, dtype=np.int64)
    for i in range(P):
        aa[P + i] = i
        af[P + i] = i
    for i in range(n):
        de = -f[i] if x[i] == 1 else f[i]
        ka[P + i] = de
        kf[P + i] = de
    for node in range(P - 1, 0, -1):
        a = 2 * node
        b = a if ka[a] <= ka[a + 1] else a + 1
        ka[node] = ka[b]
        aa[node] = aa[b]
        kf[node] = ka[b]
        af[node] = aa[b]
    tabu_until = np.zeros(n, dtype=np.int64)
    # the tabu variables in a calendar: slot ``until % span`` holds a doubly linked list of those tabu until then
    # (every ``until`` lies within ``span`` steps of the present, so a slot holds one ``until`` at a time)
    span = tenure_base + tenure_base // 2 + 2
    head = np.full(span, -1, dtype=np.int64)
    nxt = np.full(n, -1, dtype=np.int64)
    prv = np.full(n, -1, dtype=np.int64)
    in_active = np.zeros(n, dtype=np.bool_)
    log = np.zeros(n, dtype=np.int64)
    n_log = 0
    overflow = False
    be = e
    for i in range(n):
        bx[i] = x[i]
    for it in range(1, iters + 1):
        slot = (it - 1) % span  # expiries: tabu while tabu_until >= it, so those tabu until it - 1 are free now
        v = head[slot]
        head[slot] = -1
        while v >= 0:
            in_active[v] = False
            _tree_set(kf, af, P, v, -f[v] if x[v] == 1 else f[v])
            v = nxt[v]
        if e + ka[1] < be - 1e-12:
            i = aa[1]
            best_de = ka[1]
        elif kf[1] < np.inf:
            i = af[1]
            best_de = kf[1]
        else:
            continue
        d = -1.0 if x[i] == 1 else 1.0
        x[i] = 1 - x[i]
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            f[j] += d * data[k]
            if j != i:
                dj = -f[j] if x[j] == 1 else f[j]
                _tree_set(ka, aa, P, j, dj)
                if not in_active[j]:
                    _tree_set(kf, af, P, j, dj)
        _tree_set(ka, aa, P, i, -f[i] if x[i] == 1 else f[i])
        e += best_de
        s ^= s >> np.uint64(12)
        s ^= s << np.uint64(25)
        s ^= s >> np.uint64(27)
        extra = np.int64(((s * np.uint64(2685821657736338717)) >> np.uint64(33)) % np.uint64(tenure_base // 2 + 1))
        if in_active[i]:  # tabu already (an aspiration move): out of its old slot
            if prv[i] >= 0:
                nxt[prv[i]] = nxt[i]
            else:
                head[tabu_until[i] % span] = nxt[i]
            if nxt[i] >= 0:
                prv[nxt[i]] = prv[i]
        else:
            in_active[i] = True
            _tree_set(kf, af, P, i, np.inf)
        tabu_until[i] = it + tenure_base + extra
        slot = tabu_until[i] % span
        nxt[i] = head[slot]
        prv[i] = -1
        if head[slot] >= 0:
            prv[head[slot]] = i
        head[slot] = i
        if n_log < n:
            log[n_log] = i
            n_log += 1
        else:
            overflow = True
        if e < be - 1e-12:
            be = e
            if overflow:
                for j in range(n):
                    bx[j] = x[j]
            else:
                for k in range(n_log):
                    bx[log[k]] = 1 - bx[log[k]]
            n_log = 0
            overflow = False
    return s, e, be


@njit(parallel=True, cache=True)
def exhaustive_cpu(indptr, indices, data, h, n_prefix_bits, best_E, best_code, first_block=0):
    """Gray-code enumeration of all 2^n assignments, split over prefix blocks.

    Block ``p`` fixes the top ``n_prefix_bits`` variables to the bits of ``p``
    and enumerates the rest in Gray-code order with local-field updates. The call
    runs blocks ``first_block .. first_block + len(best_E) - 1`` (entry ``q`` of the
    outputs is block ``first_block + q``), so that a caller can stop between calls.
    """
    n = h.shape[0]
    m = n - n_prefix_bits
    blocks = best_E.shape[0]
    for q in prange(blocks):
        p = first_block + q
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
            if e < be:  # no absolute margin: a QUBO in units of 1e-13 has its minimum there too
                be = e
                bcode = g ^ (g >> 1)
        best_E[q] = be
        best_code[q] = bcode
