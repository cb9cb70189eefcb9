"""The semidefinite (Goemans-Williamson) bound of a maximum cut, from a low-rank solution.

The relaxation ``max <L/4, X>`` over ``diag(X) = 1``, ``X`` positive semidefinite, has the dual ``min sum(y)`` over
``Diag(y) >= L/4``; any ``y`` gives the upper bound ``sum(y) + n lambda_max(L/4 - Diag(y))`` on every cut. With
``u = -4 y`` that is the eigenvalue bound of :mod:`.maxcut_bound`, ``n/4 lambda_max(L + diag(u)) - sum(u)/4``, so the
dual here is only a better ``u`` for the same certified bound.

``u`` comes from the primal: ``X = V V'`` with unit rows ``v_i`` of length ``r`` (Burer and Monteiro), improved by
the mixing method (Wang, Chang and Kolter 2017), block coordinate ascent that sets each ``v_i`` to the unit vector
along ``-sum_j w_ij v_j``, its best value with the others fixed. At a stationary point ``(L V)_i = 4 y_i v_i``
with ``y_i = v_i' (L V)_i / 4``: ``V``'s columns are eigenvectors of ``L + diag(u)`` for the eigenvalue 0, and at
the optimum 0 is the largest, so the bound meets the relaxation's value. For ``r >= sqrt(2 n)`` a generic problem's
low-rank landscape has no spurious local optima (Boumal, Voroninski and Bandeira 2016); :data:`MAX_RANK` caps ``r``.
Away from the optimum ``lambda_max`` is above 0 and the bound is simply weaker, never wrong: the caller certifies
``lambda_max`` by a factorisation (:func:`.maxcut_bound.below`).
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from numba import njit

#: largest rank of the low-rank solution (``ceil(sqrt(2 n))`` below it). Side runs (2026-12-05, 800-2000 vertices,
#: the classes of benchmarks/maxcut.py): rank 8 leaves the bound 0.5-3 % above the relaxation's value on the
#: denser graphs, rank 16 within 0.15 %, rank 32 within 0.01 % (500 sweeps, 0.03-0.2 s)
MAX_RANK = 32
#: bytes the low-rank solution may take (a smaller rank beyond)
MAX_BYTES = 1 << 28
#: sweeps at most, whatever the time (side runs: 400-5000 until they stall on 800-2000 vertices)
MAX_SWEEPS = 50_000
#: the sweeps stop when one chunk of them raises the primal value by less than this (relative)
TOLERANCE = 1e-7


@njit(cache=True)
def mixing_sweeps(indptr, indices, data, V, sweeps):
    """``sweeps`` rounds of the mixing method on the weighted adjacency (CSR) in place: ``v_i`` becomes the unit
    vector along ``-sum_j w_ij v_j`` (kept where that sum is 0). Raises the cut relaxation ``sum w_ij (1 - v_i'
    v_j) / 2`` at every update."""
    n, r = V.shape
    g = np.empty(r)
    for _ in range(sweeps):
        for i in range(n):
            for k in range(r):
                g[k] = 0.0
            for p in range(indptr[i], indptr[i + 1]):
                j = indices[p]
                if j == i:
                    continue
                wv = data[p]
                for k in range(r):
                    g[k] -= wv * V[j, k]
            nrm = 0.0
            for k in range(r):
                nrm += g[k] * g[k]
            if nrm > 0.0:
                nrm = math.sqrt(nrm)
                for k in range(r):
                    V[i, k] = g[k] / nrm


def rank_for(n: int) -> int:
    """The rank of the low-rank solution for ``n`` vertices (see :data:`MAX_RANK`, :data:`MAX_BYTES`)."""
    r = min(MAX_RANK, max(2, math.ceil(math.sqrt(2 * n))))
    return max(1, min(r, MAX_BYTES // (8 * max(1, n))))


def low_rank_dual(A: sp.csr_matrix, L: sp.csr_matrix, seconds: float, seed: int = 0, max_sweeps: int = MAX_SWEEPS
                  ) -> tuple[np.ndarray, np.ndarray, float, int]:
    """``(u, V, primal value, sweeps)``: mixing-method sweeps on the adjacency ``A`` (Laplacian ``L``) for about
    ``seconds`` (may be infinite: then the sweeps are the same on every machine) or until they stall (at most
    ``max_sweeps``), from a seeded random start, and the dual point ``u = -4 y`` they give.

    The sweeps run in chunks between checks, timed by the last chunk (about a tenth of ``seconds`` each)."""
    n = A.shape[0]
    rng = np.random.default_rng(seed)
    V = rng.standard_normal((n, rank_for(n)))
    V /= np.linalg.norm(V, axis=1)[:, None]
    indptr, indices, data = A.indptr, A.indices, A.data.astype(np.float64)
    # load the kernel before the clock starts: a process's first load of any cached Numba kernel sets up Numba's CPU
    # target (about 0.3 s), which the solver's kernels would pay next otherwise (compiling is gated by the caller)
    mixing_sweeps(indptr, indices, data, V, 0)
    end = time.perf_counter() + seconds
    sweeps, chunk, value = 0, 1, -math.inf
    while True:  # the chunks grow to about a tenth of ``seconds`` each, timed by the last one
        t1 = time.perf_counter()
        mixing_sweeps(indptr, indices, data, V, chunk)
        per = max(1e-9, (time.perf_counter() - t1) / chunk)
        sweeps += chunk
        LV = L @ V
        new = float((V * LV).sum()) / 4
        done = new - value <= TOLERANCE * max(1.0, abs(new))
        value = new
        chunk = max(1, min(4 * chunk, max_sweeps - sweeps, int(min(0.1 * seconds / per, max_sweeps))))
        if done or sweeps >= max_sweeps or time.perf_counter() + chunk * per > end:
            break
    y = (V * LV).sum(axis=1) / 4  # the last chunk's product: V has not moved since
    return -4.0 * y, V, value, sweeps


def top_eigenvalue(M: sp.csr_matrix, V: np.ndarray, scale: float, tol: float = 1e-6) -> float | None:
    """An estimate (a Ritz value: from below) of the largest eigenvalue of ``M`` by Lanczos (ARPACK) on
    ``M + scale I``, from a start vector in the span of ``V``'s columns (near the relaxation's optimum they span the
    top eigenspace). The shift matters: ARPACK's tolerance is relative to the eigenvalue, which is near 0 there, so
    unshifted it does not converge; shifted, ``tol`` is relative to ``scale`` (the matrix's norm or more). ``None``
    when ARPACK fails without an estimate."""
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, eigsh

    n = M.shape[0]
    v0 = V.sum(axis=1)
    if not np.any(v0):
        v0 = None
    try:
        vals = eigsh(M + scale * sp.identity(n, format="csr"), k=1, which="LA", tol=tol, v0=v0)[0]
    except ArpackNoConvergence as e:
        vals = e.eigenvalues
    except ArpackError:
        return None
    vals = np.asarray(vals, dtype=np.float64)
    return float(vals.max()) - scale if vals.size and np.all(np.isfinite(vals)) else None
