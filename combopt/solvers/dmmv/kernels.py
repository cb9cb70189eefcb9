"""Numba kernels of the DMMV local search (one source of truth for CPU and GPU).

State of a search: domain indices ``k`` and values ``x`` of the variables, row
sums ``s = A x`` and weighted row violations ``v``, kept incrementally: moving
``x_i`` by ``d`` changes ``s`` by ``d * A[:, i]``.

The per-candidate scoring :func:`score_one` is a self-contained
``@njit(inline="always")`` function (it calls no other project function): the
parallel CPU batch :func:`score_batch_cpu` calls it once per candidate, the
Numba CUDA kernel of :mod:`combopt.gpu.dmmv` calls it once per thread, and the
CUDA simulator runs its ``.py_func``.

A candidate is ``(i, dv_i, j, dv_j)``: variable ``i`` moves by the value
``dv_i`` and, for a pair move, ``j >= 0`` by ``dv_j`` (``j = -1`` for a single
move). Scoring has two stages:

* screening: the new violation on the ``ntop`` most violated rows (dense
  ``Atop`` copy of those rows) is a lower bound of the new maximum; a candidate
  whose bound exceeds the current maximum plus ``tol`` is rejected with
  ``dl2 = inf``;
* exact scoring of survivors: the new violation of every row the move touches
  (merge of the two sorted CSC columns; stopped at the first row above the
  current maximum plus ``tol``), the largest untouched violation from the
  sorted ``top`` list (every row outside it is at most ``theta``), and the
  change of the sum of squared violations. The serial CPU driver also lowers
  the threshold to the best candidate scored so far.

Random numbers come from an xorshift64* stream in a one-element uint64 array,
so a run is fully determined by its seed.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from ...core.rng import uniform as rand_uniform  # shared xorshift64* stream


# ----------------------------------------------------------------------------------------
# per-candidate scoring (shared with the CUDA kernel)
# ----------------------------------------------------------------------------------------
@njit(inline="always", cache=True)
def score_one(c, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop,
              cur_linf, tol, out_linf, out_dl2):
    """Score candidate ``c``: write its new maximum violation and L2 change.

    A candidate whose new maximum would exceed ``cur_linf + tol`` is rejected:
    ``out_dl2[c]`` is ``inf`` and ``out_linf[c]`` a violation above that level
    (found by screening or by the exact pass, which stops at the first one).
    """
    i = ci[c]
    dvi = cdvi[c]
    j = cj[c]
    dvj = cdvj[c]
    # -- stage 1: screening on the top rows (dense Atop; empty for sparse models) --
    lb = 0.0
    nscreen = Atop.shape[0]
    for t in range(nscreen):
        r = top[t]
        ns = s[r] + dvi * Atop[t, i]
        if j >= 0:
            ns += dvj * Atop[t, j]
        nv = 0.0
        if ns > upper[r]:
            nv = w[r] * (ns - upper[r])
        elif ns < lower[r]:
            nv = w[r] * (lower[r] - ns)
        if nv > lb:
            lb = nv
    if lb > cur_linf + tol:
        out_linf[c] = lb
        out_dl2[c] = math.inf
        return
    # -- stage 2: exact on the touched rows (merge of two sorted columns) --
    linf = lb
    dl2 = 0.0
    touched = 0
    pa = cptr[i]
    ea = cptr[i + 1]
    pb = 0
    eb = 0
    if j >= 0:
        pb = cptr[j]
        eb = cptr[j + 1]
    while pa < ea or pb < eb:
        if pb >= eb or (pa < ea and crow[pa] < crow[pb]):
            r = crow[pa]
            d = dvi * cval[pa]
            pa += 1
        elif pa >= ea or crow[pb] < crow[pa]:
            r = crow[pb]
            d = dvj * cval[pb]
            pb += 1
        else:
            r = crow[pa]
            d = dvi * cval[pa] + dvj * cval[pb]
            pa += 1
            pb += 1
        ns = s[r] + d
        nv = 0.0
        if ns > upper[r]:
            nv = w[r] * (ns - upper[r])
        elif ns < lower[r]:
            nv = w[r] * (lower[r] - ns)
        if nv > cur_linf + tol:  # the maximum rises: rejected, no need to look further
            out_linf[c] = nv
            out_dl2[c] = math.inf
            return
        if nv > linf:
            linf = nv
        dl2 += nv * nv - v[r] * v[r]
        touched += 1
    # -- largest violation among the untouched rows (none when every row is touched) --
    rest = theta
    if touched == s.shape[0]:
        rest = 0.0
        ntop = 0
    for t in range(ntop):
        r = top[t]
        hit = False
        lo_ = cptr[i]
        hi_ = cptr[i + 1]
        while lo_ < hi_:
            mid = (lo_ + hi_) // 2
            if crow[mid] < r:
                lo_ = mid + 1
            else:
                hi_ = mid
        if lo_ < cptr[i + 1] and crow[lo_] == r:
            hit = True
        if not hit and j >= 0:
            lo_ = cptr[j]
            hi_ = cptr[j + 1]
            while lo_ < hi_:
                mid = (lo_ + hi_) // 2
                if crow[mid] < r:
                    lo_ = mid + 1
                else:
                    hi_ = mid
            if lo_ < cptr[j + 1] and crow[lo_] == r:
                hit = True
        if not hit:
            rest = v[r]
            break
    if rest > linf:
        linf = rest
    out_linf[c] = linf
    out_dl2[c] = dl2 if linf <= cur_linf + tol else math.inf


@njit(parallel=True, cache=True)
def score_batch_cpu(count, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop,
                    cur_linf, tol, out_linf, out_dl2):
    """Score candidates ``0..count-1`` in parallel (see :func:`score_one`)."""
    for c in prange(count):
        score_one(c, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop,
                  cur_linf, tol, out_linf, out_dl2)


# ----------------------------------------------------------------------------------------
# building blocks of the search (host side, shared by the CPU and GPU drivers)
# ----------------------------------------------------------------------------------------
@njit(cache=True)
def rand_int(rng, n):
    """Uniform integer in ``0..n-1``."""
    r = int(rand_uniform(rng) * n)
    return r if r < n else n - 1


@njit(cache=True)
def recompute(cptr, crow, cval, x, lower, upper, w, s, v):
    """Recompute ``s`` and ``v`` from scratch; return ``(linf, l2)``."""
    m = s.shape[0]
    n = x.shape[0]
    for r in range(m):
        s[r] = 0.0
    for i in range(n):
        xi = x[i]
        if xi != 0.0:
            for p in range(cptr[i], cptr[i + 1]):
                s[crow[p]] += xi * cval[p]
    linf = 0.0
    l2 = 0.0
    for r in range(m):
        nv = 0.0
        if s[r] > upper[r]:
            nv = w[r] * (s[r] - upper[r])
        elif s[r] < lower[r]:
            nv = w[r] * (lower[r] - s[r])
        v[r] = nv
        l2 += nv * nv
        if nv > linf:
            linf = nv
    return linf, l2


@njit(cache=True)
def set_index(i, knew, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v):
    """Move variable ``i`` to domain index ``knew``; return the change of L2."""
    xn = dvals[dptr[i] + knew]
    d = xn - x[i]
    k[i] = knew
    x[i] = xn
    dl2 = 0.0
    if d == 0.0:
        return 0.0
    for p in range(cptr[i], cptr[i + 1]):
        r = crow[p]
        ns = s[r] + d * cval[p]
        s[r] = ns
        nv = 0.0
        if ns > upper[r]:
            nv = w[r] * (ns - upper[r])
        elif ns < lower[r]:
            nv = w[r] * (lower[r] - ns)
        dl2 += nv * nv - v[r] * v[r]
        v[r] = nv
    return dl2


@njit(cache=True)
def max_of(v):
    m = 0.0
    for r in range(v.shape[0]):
        if v[r] > m:
            m = v[r]
    return m


@njit(cache=True)
def sweep(max_step, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v, linf, l2, tol, eps2, rng, perm):
    """One first-improvement pass of single moves in random order.

    A move of ``x_i`` by ``1..max_step`` grid steps is taken when the new
    violation of every row it touches stays at most ``linf + tol`` (so the
    maximum cannot rise) and the sum of squared violations drops by more than
    ``eps2``. Returns ``(moves taken, new l2, candidates scored)``.
    """
    n = k.shape[0]
    for a in range(n):
        perm[a] = a
    for a in range(n - 1, 0, -1):
        b = rand_int(rng, a + 1)
        t = perm[a]
        perm[a] = perm[b]
        perm[b] = t
    taken = 0
    scored = 0
    for a in range(n):
        i = perm[a]
        size = dptr[i + 1] - dptr[i]
        best_dl2 = -eps2
        best_k = -1
        for step in range(1, max_step + 1):
            for sign in (-1, 1):
                kn = k[i] + sign * step
                if kn < 0 or kn >= size:
                    continue
                d = dvals[dptr[i] + kn] - x[i]
                scored += 1
                dl2 = 0.0
                ok = True
                for p in range(cptr[i], cptr[i + 1]):
                    r = crow[p]
                    ns = s[r] + d * cval[p]
                    nv = 0.0
                    if ns > upper[r]:
                        nv = w[r] * (ns - upper[r])
                    elif ns < lower[r]:
                        nv = w[r] * (lower[r] - ns)
                    if nv > linf + tol:
                        ok = False
                        break
                    dl2 += nv * nv - v[r] * v[r]
                if ok and dl2 < best_dl2:
                    best_dl2 = dl2
                    best_k = kn
        if best_k >= 0:
            l2 += set_index(i, best_k, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
            taken += 1
    return taken, l2, scored


@njit(cache=True)
def rebuild_top(v, ntop_max, top):
    """Sorted (descending) indices of the ``ntop`` most violated rows; returns ``(ntop, theta)``.

    ``theta`` bounds the violation of every row outside the list (0 when the
    list holds every row).
    """
    m = v.shape[0]
    ntop = min(ntop_max, m)
    order = np.argsort(-v)
    for t in range(ntop):
        top[t] = order[t]
    theta = v[order[ntop]] if ntop < m else 0.0
    return ntop, theta


@njit(cache=True)
def fill_atop(Adense, top, ntop, Atop):
    """Copy the rows ``top[:ntop]`` of the dense matrix into ``Atop``."""
    n = Adense.shape[1]
    for t in range(ntop):
        r = top[t]
        for i in range(n):
            Atop[t, i] = Adense[r, i]


@njit(cache=True)
def gen_candidates(max_step, max_pairs, all_vars, screen_rows, cptr, crow, rptr, rcol, dptr, dvals, k, x, v, top,
                   ntop, linf, tol, rng, mark, rel, ci, cdvi, cki, cj, cdvj, ckj):
    """Fill the candidate arrays; returns the number of candidates.

    Relevant variables: all of them when ``all_vars`` (small or dense models),
    else those in the most violated rows (at most ``screen_rows`` rows at the
    maximum). Singles move one relevant variable by ``+-1..max_step`` steps;
    pairs move two by one step each (all four sign combinations), every pair
    when they fit in ``max_pairs``, else ``max_pairs`` sampled pairs whose
    second variable shares a row with the first.
    """
    n = k.shape[0]
    nrel = 0
    if all_vars:
        for i in range(n):
            rel[nrel] = i
            nrel += 1
    else:
        stamp = mark[n] + 1
        mark[n] = stamp
        rows = 0
        for t in range(ntop):
            r = top[t]
            if rows >= screen_rows or (rows > 0 and v[r] < linf - tol):
                break
            rows += 1
            for p in range(rptr[r], rptr[r + 1]):
                i = rcol[p]
                if mark[i] != stamp:
                    mark[i] = stamp
                    rel[nrel] = i
                    nrel += 1
    cnt = 0
    for a in range(nrel):
        i = rel[a]
        size = dptr[i + 1] - dptr[i]
        for step in range(1, max_step + 1):
            for sign in (-1, 1):
                kn = k[i] + sign * step
                if kn < 0 or kn >= size:
                    continue
                ci[cnt] = i
                cki[cnt] = kn
                cdvi[cnt] = dvals[dptr[i] + kn] - x[i]
                cj[cnt] = -1
                ckj[cnt] = 0
                cdvj[cnt] = 0.0
                cnt += 1
    npairs = nrel * (nrel - 1) * 2
    if npairs <= max_pairs:
        for a in range(nrel):
            i = rel[a]
            si = dptr[i + 1] - dptr[i]
            for b in range(a + 1, nrel):
                j = rel[b]
                sj = dptr[j + 1] - dptr[j]
                for combo in range(4):
                    di = 1 if combo < 2 else -1
                    dj = 1 if (combo % 2) == 0 else -1
                    ki = k[i] + di
                    kj = k[j] + dj
                    if ki < 0 or ki >= si or kj < 0 or kj >= sj:
                        continue
                    ci[cnt] = i
                    cki[cnt] = ki
                    cdvi[cnt] = dvals[dptr[i] + ki] - x[i]
                    cj[cnt] = j
                    ckj[cnt] = kj
                    cdvj[cnt] = dvals[dptr[j] + kj] - x[j]
                    cnt += 1
    elif nrel > 0:
        for _ in range(max_pairs):
            i = rel[rand_int(rng, nrel)]
            if all_vars:
                j = rand_int(rng, n)
            else:
                p0 = cptr[i]
                p1 = cptr[i + 1]
                if p1 == p0:
                    continue
                r = crow[p0 + rand_int(rng, p1 - p0)]
                q0 = rptr[r]
                q1 = rptr[r + 1]
                j = rcol[q0 + rand_int(rng, q1 - q0)]
            if j == i:
                continue
            di = 1 if rand_uniform(rng) < 0.5 else -1
            dj = 1 if rand_uniform(rng) < 0.5 else -1
            ki = k[i] + di
            kj = k[j] + dj
            if ki < 0 or ki >= dptr[i + 1] - dptr[i] or kj < 0 or kj >= dptr[j + 1] - dptr[j]:
                continue
            if i > j:
                i, j = j, i
                ki, kj = kj, ki
            ci[cnt] = i
            cki[cnt] = ki
            cdvi[cnt] = dvals[dptr[i] + ki] - x[i]
            cj[cnt] = j
            ckj[cnt] = kj
            cdvj[cnt] = dvals[dptr[j] + kj] - x[j]
            cnt += 1
    return cnt


@njit(cache=True)
def pick_best(count, out_linf, out_dl2, cur_linf, tol, eps2):
    """Best candidate in the order (max violation, L2 change); -1 when none improves."""
    best = -1
    bl = 0.0
    bd = 0.0
    for c in range(count):
        d = out_dl2[c]
        if d == math.inf:
            continue
        lf = out_linf[c]
        if best < 0 or lf < bl - tol or (lf <= bl + tol and d < bd):
            best = c
            bl = lf
            bd = d
    if best < 0:
        return -1
    if bl < cur_linf - tol or (bl <= cur_linf + tol and bd < -eps2):
        return best
    return -1


@njit(cache=True)
def apply_candidate(c, ci, cki, cj, ckj, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v):
    """Apply candidate ``c``; return the change of L2."""
    dl2 = set_index(ci[c], cki[c], cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
    if cj[c] >= 0:
        dl2 += set_index(cj[c], ckj[c], cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
    return dl2


@njit(cache=True)
def destroy(nd, from_row, cptr, crow, cval, rptr, rcol, dptr, dvals, lower, upper, w, k, x, s, v, top, ntop, rng):
    """Perturb ``nd`` variables by one grid step each (random sign, clamped).

    With ``from_row`` the variables come from one of the most violated rows,
    else uniformly from all. Returns the change of L2.
    """
    n = k.shape[0]
    dl2 = 0.0
    r = -1
    if from_row and ntop > 0:
        r = top[rand_int(rng, min(ntop, 8))]
        if rptr[r + 1] == rptr[r]:
            r = -1
    for _ in range(nd):
        if r >= 0:
            i = rcol[rptr[r] + rand_int(rng, rptr[r + 1] - rptr[r])]
        else:
            i = rand_int(rng, n)
        size = dptr[i + 1] - dptr[i]
        if size < 2:
            continue
        kn = k[i] + (1 if rand_uniform(rng) < 0.5 else -1)
        if kn < 0:
            kn = 1
        elif kn >= size:
            kn = size - 2
        dl2 += set_index(i, kn, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
    return dl2


# ----------------------------------------------------------------------------------------
# phases of the local search and of one LNS round (shared by the CPU and GPU drivers)
# ----------------------------------------------------------------------------------------
@njit(cache=True)
def ls_prepare(max_step, max_pairs, all_vars, screen_rows, cptr, crow, rptr, rcol, dptr, dvals, Adense, dense, k, x,
               v, tol, rng, mark, rel, top, Atop, ci, cdvi, cki, cj, cdvj, ckj):
    """Rebuild the top list (and its dense rows) and generate candidates.

    Returns ``(count, ntop, theta, linf)``.
    """
    ntop, theta = rebuild_top(v, top.shape[0], top)
    linf = v[top[0]] if ntop > 0 else 0.0
    if dense:
        fill_atop(Adense, top, ntop, Atop)
    cnt = gen_candidates(max_step, max_pairs, all_vars, screen_rows, cptr, crow, rptr, rcol, dptr, dvals, k, x, v,
                         top, ntop, linf, tol, rng, mark, rel, ci, cdvi, cki, cj, cdvj, ckj)
    return cnt, ntop, theta, linf


@njit(cache=True)
def ls_finish(cnt, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v, linf, l2, tol, eps2, ci, cki, cj,
              ckj, out_linf, out_dl2):
    """Pick the best scored candidate and apply it. Returns ``(index or -1, linf, l2)``."""
    b = pick_best(cnt, out_linf, out_dl2, linf, tol, eps2)
    if b >= 0:
        l2 += apply_candidate(b, ci, cki, cj, ckj, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
        linf = out_linf[b]
    return b, linf, l2


@njit(cache=True)
def round_begin(state, best_k, nd_max, restart_after, restart_frac, cptr, crow, cval, rptr, rcol, dptr, dvals,
                lower, upper, w, k, x, s, v, top, ntop, rng, save_k, save_x, save_s, save_v):
    """Save the current solution, then destroy (or restart from the best).

    ``state`` is ``[linf, l2, nd, fails, since_best, old_linf, old_l2]``.
    Returns ``(linf, l2)`` of the perturbed solution.
    """
    n = k.shape[0]
    for i in range(n):
        save_k[i] = k[i]
        save_x[i] = x[i]
    for r in range(s.shape[0]):
        save_s[r] = s[r]
        save_v[r] = v[r]
    state[5] = state[0]
    state[6] = state[1]
    l2 = state[1]
    if state[4] >= restart_after:
        for i in range(n):
            k[i] = best_k[i]
            x[i] = dvals[dptr[i] + best_k[i]]
        _, l2 = recompute(cptr, crow, cval, x, lower, upper, w, s, v)
        ntop, _ = rebuild_top(v, top.shape[0], top)
        nr = max(1, int(restart_frac * n))
        l2 += destroy(nr, False, cptr, crow, cval, rptr, rcol, dptr, dvals, lower, upper, w, k, x, s, v, top, ntop,
                      rng)
        state[4] = 0.0
        state[5] = math.inf  # a restart is always taken
    else:
        from_row = rand_uniform(rng) < 0.5
        l2 += destroy(int(state[2]), from_row, cptr, crow, cval, rptr, rcol, dptr, dvals, lower, upper, w, k, x, s,
                      v, top, ntop, rng)
    return max_of(v), l2


@njit(cache=True)
def round_end(rnd, state, best, best_k, nd_min, nd_max, linf, l2, cptr, crow, cval, dvals, dptr, lower, upper, w,
              k, x, s, v, top, tol, eps2, save_k, save_x, save_s, save_v):
    """Keep the repaired solution unless it is worse than the saved one; update the best.

    Returns ``(ntop, theta)`` of the current solution's top list.
    """
    n = k.shape[0]
    if (rnd & 31) == 31:  # wipe out drift of the incremental sums
        linf, l2 = recompute(cptr, crow, cval, x, lower, upper, w, s, v)
    old_linf = state[5]
    old_l2 = state[6]
    nd = int(state[2])
    fails = int(state[3])
    if linf > old_linf + tol or (linf >= old_linf - tol and l2 > old_l2 + eps2):
        for i in range(n):
            k[i] = save_k[i]
            x[i] = save_x[i]
        for r in range(s.shape[0]):
            s[r] = save_s[r]
            v[r] = save_v[r]
        linf = old_linf
        l2 = old_l2
        fails += 1
        if fails >= 8 and nd < nd_max:
            nd += 1
            fails = 0
    if linf < best[0] - tol or (linf <= best[0] + tol and l2 < best[1] - eps2):
        best[0] = linf
        best[1] = l2
        for i in range(n):
            best_k[i] = k[i]
        state[4] = 0.0
        nd = nd_min
        fails = 0
    else:
        state[4] += 1.0
    state[0] = linf
    state[1] = l2
    state[2] = nd
    state[3] = fails
    ntop, theta = rebuild_top(v, top.shape[0], top)
    return ntop, theta


# ----------------------------------------------------------------------------------------
# the CPU driver: local search + adaptive LNS, all compiled
# ----------------------------------------------------------------------------------------
@njit(cache=True)
def local_search_cpu(max_step, max_pairs, all_vars, screen_rows, max_moves, cptr, crow, cval, rptr, rcol, dptr,
                     dvals, lower, upper, w, Adense, dense, k, x, s, v, linf, l2, tol, eps2, rng, perm, mark, rel,
                     top, Atop, ci, cdvi, cki, cj, cdvj, ckj, out_linf, out_dl2, counters):
    """Sweeps of single moves plus best-improvement steps on the most violated rows.

    Stops at a local optimum (no candidate improves ``(max, L2)``) or after
    ``max_moves`` accepted moves. ``counters`` accumulates ``[candidates
    scored, moves accepted]``. Returns ``(linf, l2)``.
    """
    moves = 0
    while moves < max_moves:
        taken, l2, sc = sweep(max_step, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v, linf, l2, tol,
                              eps2, rng, perm)
        counters[0] += sc
        counters[1] += taken
        moves += taken
        improved = False
        for _ in range(64):
            cnt, ntop, theta, linf = ls_prepare(max_step, max_pairs, all_vars, screen_rows, cptr, crow, rptr, rcol,
                                                dptr, dvals, Adense, dense, k, x, v, tol, rng, mark, rel, top, Atop,
                                                ci, cdvi, cki, cj, cdvj, ckj)
            thr = linf  # tightened to the best candidate so far: worse ones are cut short
            for c in range(cnt):
                score_one(c, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop,
                          thr, tol, out_linf, out_dl2)
                if out_dl2[c] != math.inf and out_linf[c] < thr - tol:
                    thr = out_linf[c]
            counters[0] += cnt
            b, linf, l2 = ls_finish(cnt, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v, linf, l2, tol,
                                    eps2, ci, cki, cj, ckj, out_linf, out_dl2)
            if b < 0:
                break
            counters[1] += 1
            moves += 1
            improved = True
        if taken == 0 and not improved:
            break
    return max_of(v), l2


@njit(cache=True)
def lns_cpu(rounds, max_step, max_pairs, all_vars, screen_rows, max_moves, nd_min, nd_max, restart_after,
            restart_frac, target, cptr, crow, cval, rptr, rcol, dptr, dvals, lower, upper, w, Adense, dense, k, x, s,
            v, state, best_k, best, tol, eps2, rng, perm, mark, rel, top, Atop, ci, cdvi, cki, cj, cdvj, ckj,
            out_linf, out_dl2, counters, save_k, save_x, save_s, save_v, round0):
    """``rounds`` rounds of destroy (perturb ``nd`` variables) and repair (local search).

    A round's result replaces the current solution when it is not worse in
    (max, L2); after ``restart_after`` rounds without a new best the search
    restarts from the best solution with ``restart_frac`` of the variables
    perturbed. ``state`` and ``best`` as in :func:`round_begin` /
    :func:`round_end`. Stops early once the best reaches ``target``.
    Returns the rounds done.
    """
    ntop, theta = rebuild_top(v, top.shape[0], top)
    done = 0
    for rnd in range(round0, round0 + rounds):
        done += 1
        linf, l2 = round_begin(state, best_k, nd_max, restart_after, restart_frac, cptr, crow, cval, rptr, rcol,
                               dptr, dvals, lower, upper, w, k, x, s, v, top, ntop, rng, save_k, save_x, save_s,
                               save_v)
        linf, l2 = local_search_cpu(max_step, max_pairs, all_vars, screen_rows, max_moves, cptr, crow, cval, rptr,
                                    rcol, dptr, dvals, lower, upper, w, Adense, dense, k, x, s, v, linf, l2, tol,
                                    eps2, rng, perm, mark, rel, top, Atop, ci, cdvi, cki, cj, cdvj, ckj, out_linf,
                                    out_dl2, counters)
        ntop, theta = round_end(rnd, state, best, best_k, nd_min, nd_max, linf, l2, cptr, crow, cval, dvals, dptr,
                                lower, upper, w, k, x, s, v, top, tol, eps2, save_k, save_x, save_s, save_v)
        if best[0] <= target:
            break
    return done
