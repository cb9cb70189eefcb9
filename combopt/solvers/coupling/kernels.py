"""Numba kernels of the greedy minimum-entropy coupling (Kocaoglu et al. 2017).

``_greedy_k`` is the single source of truth: one plain function with no calls
to other functions, compiled by ``numba.njit`` for the CPU (:func:`greedy_k`,
the batch loops) and inlined into the CUDA kernel of :mod:`combopt.gpu.coupling`
as :data:`greedy_k_device` (one marginal tuple per thread).

Each round takes the largest remaining mass of every marginal, puts their
minimum ``m`` in the joint cell and subtracts it. The marginals arrive sorted
(numpy's argsort, ``O(n log n)`` in C): untouched entries are read in order,
and only partly used entries (remainders) go into a max-heap, which stays far
smaller than the alphabet. Ties follow the sort order, the same on every path.
``O(sum n_k log n_k)`` for ``k`` marginals, at most ``sum n_k - k + 1`` cells.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

#: a remainder below this share of the entry it came from is rounding noise and is dropped: 64 units of float64
#: rounding (at 1e-12 a marginal entry of 2e-12 beside one of 1 - 2e-12 lost half its mass, and the coupling's
#: entropy came out at 4.3e-11 bits, below the least any coupling of the marginals has, 8.2e-11)
REL_EPS = 64 * 2.0 ** -52


def _greedy_k(V, VI, lens, RH, RHI, rsizes, ptr, out_idx, out_mass):
    """Greedy coupling of ``k`` marginals given sorted: ``V[s, :lens[s]]`` decreasing (ties: smaller index first),
    ``VI`` their original indices. Each marginal's untouched entries are read in order from ``V`` (pointer
    ``ptr[s]``); partly used entries (remainders) live in a small max-heap ``RH``/``RHI`` (size ``rsizes[s]``).
    Writes cells to ``out_idx``/``out_mass``; returns their number."""
    k = V.shape[0]
    for s in range(k):
        rsizes[s] = 0
        c = 0
        while c < lens[s] and V[s, c] > 0.0:
            c += 1
        ptr[s] = 0
        lens[s] = c
    cap = out_mass.shape[0]
    nnz = 0
    while nnz < cap:
        m = 3.0
        empty = False
        for s in range(k):
            fresh = ptr[s] < lens[s]
            if not fresh and rsizes[s] == 0:
                empty = True
                break
            if rsizes[s] > 0:
                a = RH[s, 0]
                ai = RHI[s, 0]
                if fresh and (V[s, ptr[s]] > a or (V[s, ptr[s]] == a and VI[s, ptr[s]] < ai)):
                    a = V[s, ptr[s]]
                    ai = VI[s, ptr[s]]
            else:
                a = V[s, ptr[s]]
                ai = VI[s, ptr[s]]
            out_idx[nnz, s] = ai
            if a < m:
                m = a
        if empty:
            break
        out_mass[nnz] = m
        for s in range(k):
            ai = out_idx[nnz, s]
            # which structure holds the top: the fresh entry (if its index is the one chosen) or the heap root
            from_fresh = ptr[s] < lens[s] and VI[s, ptr[s]] == ai and (rsizes[s] == 0 or RHI[s, 0] != ai)
            top = V[s, ptr[s]] if from_fresh else RH[s, 0]
            rest = top - m
            keep = rest > top * REL_EPS
            c = rsizes[s]
            if from_fresh:
                ptr[s] += 1
                if not keep:
                    continue
                # push ``rest`` (sift up)
                pos = c
                rsizes[s] = c + 1
                while pos > 0:
                    par = (pos - 1) // 2
                    if RH[s, par] > rest or (RH[s, par] == rest and RHI[s, par] < ai):
                        break
                    RH[s, pos] = RH[s, par]
                    RHI[s, pos] = RHI[s, par]
                    pos = par
                RH[s, pos] = rest
                RHI[s, pos] = ai
                continue
            if keep:
                v = rest
                vi = ai
            else:
                c -= 1
                rsizes[s] = c
                if c == 0:
                    continue
                v = RH[s, c]
                vi = RHI[s, c]
            pos = 0
            while True:
                child = 2 * pos + 1
                if child >= c:
                    break
                r = child + 1
                if r < c and (RH[s, r] > RH[s, child] or (RH[s, r] == RH[s, child] and RHI[s, r] < RHI[s, child])):
                    child = r
                if RH[s, child] > v or (RH[s, child] == v and RHI[s, child] < vi):
                    RH[s, pos] = RH[s, child]
                    RHI[s, pos] = RHI[s, child]
                    pos = child
                else:
                    break
            RH[s, pos] = v
            RHI[s, pos] = vi
        nnz += 1
    return nnz


#: the CPU build
greedy_k = njit(cache=True, nogil=True)(_greedy_k)
#: the device build, inlined into the CUDA kernel (PTX needs no GPU at compile time)
greedy_k_device = njit(inline="always")(_greedy_k)


@njit(cache=True, nogil=True)
def greedy_batch_serial(V, VI, lens, RH, RHI, rsizes, ptr, out_idx, out_mass, nnz):
    """Greedy coupling of every sorted batch row ``V[b]`` (``(B, k, L)``) on the calling thread (no GIL)."""
    for b in range(V.shape[0]):
        nnz[b] = greedy_k(V[b], VI[b], lens[b], RH[b], RHI[b], rsizes[b], ptr[b], out_idx[b], out_mass[b])


_POOL: ThreadPoolExecutor | None = None


def greedy_batch_cpu(*arrays) -> None:
    """:func:`greedy_batch_serial` split over Numba's thread count (disjoint row chunks of every array)."""
    global _POOL
    B = arrays[0].shape[0]
    k = min(max(1, int(numba.config.NUMBA_NUM_THREADS)), B)
    if k <= 1:
        greedy_batch_serial(*arrays)
        return
    if _POOL is None or _POOL._max_workers < k:
        _POOL = ThreadPoolExecutor(max_workers=k, thread_name_prefix="combopt-coupling")
    cuts = [(B * c) // k for c in range(k + 1)]
    futs = [_POOL.submit(greedy_batch_serial, *(x[a:b] for x in arrays))
            for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    for f in futs:
        f.result()


def sort_batch(P: np.ndarray, lens: np.ndarray | None = None):
    """Sort a ``(B, k, L)`` batch for the kernel: ``(V, VI, lens)``, values decreasing, zero padding last."""
    P = np.asarray(P, dtype=np.float64)
    B, k, L = P.shape
    if lens is not None:
        lens = np.asarray(lens, dtype=np.int64)
        P = np.where(np.arange(L)[None, None, :] < lens[:, :, None], P, 0.0)
    VI = np.argsort(-P, axis=-1, kind="stable")  # ties: smaller index first, as the kernel documents
    V = np.take_along_axis(P, VI, axis=-1)
    return np.ascontiguousarray(V), np.ascontiguousarray(VI, dtype=np.int64), np.full((B, k), L, dtype=np.int64)


def batch_workspace(V: np.ndarray):
    """Workspaces and outputs for a sorted ``(B, k, L)`` batch: ``RH, RHI, rsizes, ptr, out_idx, out_mass, nnz``."""
    B, k, L = V.shape
    cap = max(k * L - k + 1, 1)
    return (np.empty((B, k, L)), np.empty((B, k, L), dtype=np.int64), np.zeros((B, k), dtype=np.int64),
            np.zeros((B, k), dtype=np.int64), np.empty((B, cap, k), dtype=np.int64), np.empty((B, cap)),
            np.zeros(B, dtype=np.int64))


def greedy_arrays(marginals, orders=None) -> tuple[np.ndarray, np.ndarray]:
    """Greedy coupling of the marginals as ``(index (nnz, k), mass (nnz,))``; ``orders``: each marginal's
    ``argsort(-p)`` when it is known already (a problem's kept sort)."""
    k = len(marginals)
    L = max(len(p) for p in marginals)
    V = np.zeros((k, L))
    VI = np.zeros((k, L), dtype=np.int64)
    for s, p in enumerate(marginals):
        p = np.asarray(p, dtype=np.float64)
        o = np.argsort(-p) if orders is None else orders[s]
        V[s, :p.size] = p[o]
        VI[s, :p.size] = o
    lens = np.array([len(p) for p in marginals], dtype=np.int64)
    cap = int(lens.sum()) - k + 1
    idx = np.empty((cap, k), dtype=np.int64)
    mass = np.empty(cap)
    nnz = greedy_k(V, VI, lens, np.empty((k, L)), np.empty((k, L), dtype=np.int64), np.zeros(k, dtype=np.int64),
                   np.zeros(k, dtype=np.int64), idx, mass)
    return idx[:nnz], mass[:nnz]


def greedy_batch(P: np.ndarray, lens: np.ndarray | None = None):
    """Greedy couplings of a batch ``P`` (``(B, k, L)``): returns ``(out_idx, out_mass, nnz)`` (CPU)."""
    V, VI, ln = sort_batch(P, lens)
    ws = batch_workspace(V)
    greedy_batch_cpu(V, VI, ln, *ws)
    return ws[4], ws[5], ws[6]
