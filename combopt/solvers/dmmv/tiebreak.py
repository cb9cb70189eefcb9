"""Plausibility polish: the third criterion after (max violation, L2).

Among the solutions whose maximum violation does not rise and whose sum of
squared violations does not rise, prefer a lower regulariser
``R(x) = sum_edges w_ij |x_i - x_j| + mu * sum_i (x_i - ref_i)^2`` (see
:class:`combopt.models.dmmv.TieBreak`). With row bounds that contain the noise
(tomography with ``noise_bound``) many images reach violation 0; the polish
then moves the image toward homogeneous regions and the continuous reference
instead of leaving the pixels wherever the search happened to put them.

Moves: one variable by one grid step, and a pair joined by an edge moved one
step each in opposite directions (a boundary shifts by one pixel). A move is
taken when every row it touches stays at most ``linf``, the L2 change is
at most ``eps2`` and ``R`` drops by more than ``1e-12``. Compiled with Numba;
it does not touch the scoring kernel shared with the GPU.
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from ...core.rng import uniform as rand_uniform
from ...models.dmmv import DMMV, TieBreak
from . import kernels as K


@njit(cache=True)
def _reg_single(i, xn, x, gptr, gidx, gw, ref, refw):
    """Change of ``R`` when ``x_i`` becomes ``xn`` (the others fixed)."""
    xi = x[i]
    d = 0.0
    for p in range(gptr[i], gptr[i + 1]):
        xj = x[gidx[p]]
        d += gw[p] * (abs(xn - xj) - abs(xi - xj))
    if ref.shape[0] > 0:
        d += refw * ((xn - ref[i]) ** 2 - (xi - ref[i]) ** 2)
    return d


@njit(cache=True)
def _rows_ok(i, di, j, dj, cptr, crow, cval, s, lower, upper, w, v, limit):
    """``(ok, dl2)``: every touched row stays at most ``limit``; the L2 change."""
    pa = cptr[i]
    ea = cptr[i + 1]
    pb = 0
    eb = 0
    if j >= 0:
        pb = cptr[j]
        eb = cptr[j + 1]
    dl2 = 0.0
    while pa < ea or pb < eb:
        if pb >= eb or (pa < ea and crow[pa] < crow[pb]):
            r = crow[pa]
            d = di * cval[pa]
            pa += 1
        elif pa >= ea or crow[pb] < crow[pa]:
            r = crow[pb]
            d = dj * cval[pb]
            pb += 1
        else:
            r = crow[pa]
            d = di * cval[pa] + dj * cval[pb]
            pa += 1
            pb += 1
        ns = s[r] + d
        nv = 0.0
        if ns > upper[r]:
            nv = w[r] * (ns - upper[r])
        elif ns < lower[r]:
            nv = w[r] * (lower[r] - ns)
        if nv > limit:
            return False, 0.0
        dl2 += nv * nv - v[r] * v[r]
    return True, dl2


@njit(cache=True)
def polish_cpu(max_passes, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v, linf, l2, tol, eps2, gptr,
               gidx, gw, ref, refw, movable, rng, perm):
    """Passes of first-improvement moves on ``R`` until none is left or ``max_passes``.

    Returns ``(l2, moves taken)``; the maximum violation never rises above ``linf + tol``.
    """
    n = k.shape[0]
    limit = linf  # not + tol: the polished solution must not score worse on the problem's own evaluation
    moves = 0
    for _ in range(max_passes):
        for a in range(n):
            perm[a] = a
        for a in range(n - 1, 0, -1):
            b = int(rand_uniform(rng) * (a + 1))
            if b > a:
                b = a
            t = perm[a]
            perm[a] = perm[b]
            perm[b] = t
        taken = 0
        for a in range(n):
            i = perm[a]
            if not movable[i]:
                continue
            si = dptr[i + 1] - dptr[i]
            done = False
            for sign in (-1, 1):
                kn = k[i] + sign
                if kn < 0 or kn >= si:
                    continue
                xn = dvals[dptr[i] + kn]
                if _reg_single(i, xn, x, gptr, gidx, gw, ref, refw) >= -1e-12:
                    continue
                ok, dl2 = _rows_ok(i, xn - x[i], -1, 0.0, cptr, crow, cval, s, lower, upper, w, v, limit)
                if ok and dl2 <= eps2:
                    l2 += K.set_index(i, kn, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
                    taken += 1
                    done = True
                    break
            if done:
                continue
            for p in range(gptr[i], gptr[i + 1]):
                j = gidx[p]
                if not movable[j]:
                    continue
                sj = dptr[j + 1] - dptr[j]
                for sign in (-1, 1):
                    ki = k[i] + sign
                    kj = k[j] - sign
                    if ki < 0 or ki >= si or kj < 0 or kj >= sj:
                        continue
                    xi = x[i]
                    xj = x[j]
                    xin = dvals[dptr[i] + ki]
                    xjn = dvals[dptr[j] + kj]
                    dr = _reg_single(i, xin, x, gptr, gidx, gw, ref, refw) + \
                        _reg_single(j, xjn, x, gptr, gidx, gw, ref, refw)
                    # the edge {i, j} itself was counted from both ends with the other end unmoved
                    dr += gw[p] * (abs(xin - xjn) - abs(xin - xj) - abs(xjn - xi) + abs(xi - xj))
                    if dr >= -1e-12:
                        continue
                    if i < j:
                        ok, dl2 = _rows_ok(i, xin - xi, j, xjn - xj, cptr, crow, cval, s, lower, upper, w, v, limit)
                    else:
                        ok, dl2 = _rows_ok(j, xjn - xj, i, xin - xi, cptr, crow, cval, s, lower, upper, w, v, limit)
                    if ok and dl2 <= eps2:
                        l2 += K.set_index(i, ki, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
                        l2 += K.set_index(j, kj, cptr, crow, cval, dptr, dvals, lower, upper, w, k, x, s, v)
                        taken += 1
                        done = True
                        break
                if done:
                    break
        moves += taken
        if taken == 0:
            break
    return l2, moves


def polish(model: DMMV, tb: TieBreak, k, seed: int = 1, max_passes: int = 200,
           movable: np.ndarray | None = None, seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Polish the index vector ``k`` on ``tb`` without raising (max violation, L2); returns ``(k, moves)``.

    ``movable`` (boolean per variable, default all) limits the moves to those variables. ``seconds`` caps the
    time: one pass is timed and the others fit the rest (200 passes took 2 s of a 2 s run on a 512 x 512
    tomography).
    """
    k = np.array(k, dtype=np.int64)
    mov = np.ones(model.n, dtype=np.bool_) if movable is None else np.ascontiguousarray(movable, dtype=np.bool_)
    cptr, crow, cval = model.csc_arrays()
    x = model.values(k).copy()
    s = np.zeros(model.m)
    v = np.zeros(model.m)
    linf, l2 = K.recompute(cptr, crow, cval, x, model.lower, model.upper, model.weights, s, v)
    tol = model.tolerance()
    eps2 = tol * tol
    rng = np.array([np.uint64(seed) | np.uint64(1)], dtype=np.uint64)
    perm = np.zeros(model.n, dtype=np.int64)
    passes, done = int(max_passes), 0
    if seconds is not None and passes > 1:
        t0 = time.perf_counter()
        _, done = polish_cpu(1, cptr, crow, cval, model.dom_ptr, model.dom_vals, model.lower, model.upper,
                             model.weights, k, x, s, v, linf, l2, tol, eps2, tb.ptr, tb.idx, tb.w, tb.ref,
                             float(tb.ref_weight), mov, rng, perm)
        took = time.perf_counter() - t0
        passes = 0 if done == 0 else min(passes - 1, int(max(0.0, seconds - took) / max(took, 1e-9)))
        if passes <= 0:
            return k, int(done)
        # go on from where the pass left off (no higher a maximum than before it: the bound only tightens)
        linf, l2 = K.recompute(cptr, crow, cval, x, model.lower, model.upper, model.weights, s, v)
    _, moves = polish_cpu(passes, cptr, crow, cval, model.dom_ptr, model.dom_vals, model.lower, model.upper,
                          model.weights, k, x, s, v, linf, l2, tol, eps2, tb.ptr, tb.idx, tb.w, tb.ref,
                          float(tb.ref_weight), mov, rng, perm)
    return k, int(done + moves)
