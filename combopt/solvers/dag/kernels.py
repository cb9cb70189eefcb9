"""Numba kernels of the TOPO solver: swap scoring on the Cholesky factor, lasso coordinate descent.

Swapping positions ``a < b`` of an order changes only the regressions of the
positions ``a .. b``: the set of predecessors of every later node is the same.
The covariance of the block given the first ``a`` positions is
``Lab Lab^T`` with ``Lab = L[a:b+1, a:b+1]``; permuting its first and last rows
and taking one small Cholesky gives the new residual variances, so a
candidate costs O((b - a)^3), not O(d^3).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["swap_deltas", "lasso_cd"]


@njit(cache=True, nogil=True)
def swap_deltas(L, ca, cb):  # pragma: no cover - compiled
    """Score change ``0.5 * (new - old)`` of each swap ``(ca[c], cb[c])``; ``inf`` if numerically not PD."""
    d = L.shape[0]
    C = len(ca)
    out = np.empty(C)
    M = np.empty((d, d))
    rows = np.empty(d, dtype=np.int64)
    for c in range(C):
        a = ca[c]
        b = cb[c]
        m = b - a + 1
        for k in range(m):
            rows[k] = a + k
        rows[0] = b
        rows[m - 1] = a
        old = 0.0
        for k in range(a, b + 1):
            old += L[k, k] * L[k, k]
        # M = Lp Lp^T (lower part), Lp[k, l] = L[rows[k], a + l]
        for i in range(m):
            ri = rows[i]
            for j in range(i + 1):
                rj = rows[j]
                lim = min(ri, rj) - a + 1
                s = 0.0
                for l in range(lim):
                    s += L[ri, a + l] * L[rj, a + l]
                M[i, j] = s
        new = 0.0
        ok = True
        for j in range(m):
            s = M[j, j]
            for l in range(j):
                s -= M[j, l] * M[j, l]
            if s <= 0.0:
                ok = False
                break
            new += s
            r = np.sqrt(s)
            M[j, j] = r
            for i in range(j + 1, m):
                t = M[i, j]
                for l in range(j):
                    t -= M[i, l] * M[j, l]
                M[i, j] = t / r
        out[c] = 0.5 * (new - old) if ok else np.inf
    return out


@njit(cache=True, nogil=True)
def lasso_cd(A, c, beta, lam, tol, max_sweeps):  # pragma: no cover - compiled
    """Coordinate descent for ``min 0.5 b^T A b - c^T b + lam |b|_1`` (``A`` positive definite)."""
    k = len(c)
    g = A @ beta - c
    for _ in range(max_sweeps):
        delta = 0.0
        for i in range(k):
            aii = A[i, i]
            z = beta[i] - g[i] / aii
            t = lam / aii
            nb = 0.0
            if z > t:
                nb = z - t
            elif z < -t:
                nb = z + t
            step = nb - beta[i]
            if step != 0.0:
                for r in range(k):
                    g[r] += A[r, i] * step
                beta[i] = nb
                if abs(step) > delta:
                    delta = abs(step)
        if delta < tol:
            break
    return beta
