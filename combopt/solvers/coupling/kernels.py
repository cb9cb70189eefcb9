"""Numba kernels of the greedy minimum-entropy coupling (Kocaoglu et al. 2017).

``_greedy_k`` is the single source of truth: one plain function with no calls
to other functions, compiled by ``numba.njit`` for the CPU (:func:`greedy_k`,
the batch loops) and inlined into the CUDA kernel of :mod:`combopt.gpu.coupling`
as :data:`greedy_k_device` (one marginal tuple per thread).

Each marginal gets a max-heap (ties broken by the smaller index, so every
path gives the same coupling). Each round takes the largest remaining mass of
every marginal, puts their minimum ``m`` in the joint cell and subtracts it;
an exhausted entry leaves its heap. ``O(sum n_k log n_k)`` for ``k`` marginals,
at most ``sum n_k - k + 1`` cells.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

#: a remainder below this share of the entry it came from is rounding noise and is dropped
REL_EPS = 1e-12


def _greedy_k(P, lens, H, HI, sizes, out_idx, out_mass):
    """Greedy coupling of the rows of ``P`` (``(k, L)``, row ``s`` holds ``lens[s]`` masses).

    Workspaces ``H`` (float64 ``(k, L)``), ``HI`` (int64 ``(k, L)``), ``sizes``
    (int64 ``(k,)``); writes cells into ``out_idx`` (``(cap, k)``) and
    ``out_mass`` (``(cap,)``) and returns their number.
    """
    k = P.shape[0]
    for s in range(k):
        c = 0
        for i in range(lens[s]):
            v = P[s, i]
            if v > 0.0:
                H[s, c] = v
                HI[s, c] = i
                c += 1
        sizes[s] = c
        start = c // 2 - 1
        while start >= 0:  # Floyd's heapify, sift-down from ``start``
            pos = start
            v = H[s, pos]
            vi = HI[s, pos]
            while True:
                child = 2 * pos + 1
                if child >= c:
                    break
                r = child + 1
                if r < c and (H[s, r] > H[s, child] or (H[s, r] == H[s, child] and HI[s, r] < HI[s, child])):
                    child = r
                if H[s, child] > v or (H[s, child] == v and HI[s, child] < vi):
                    H[s, pos] = H[s, child]
                    HI[s, pos] = HI[s, child]
                    pos = child
                else:
                    break
            H[s, pos] = v
            HI[s, pos] = vi
            start -= 1
    cap = out_mass.shape[0]
    nnz = 0
    while nnz < cap:
        m = 3.0
        empty = False
        for s in range(k):
            if sizes[s] == 0:
                empty = True
            elif H[s, 0] < m:
                m = H[s, 0]
        if empty:
            break
        for s in range(k):
            out_idx[nnz, s] = HI[s, 0]
        out_mass[nnz] = m
        nnz += 1
        for s in range(k):
            top = H[s, 0]
            rest = top - m
            c = sizes[s]
            if rest > top * REL_EPS:
                v = rest
                vi = HI[s, 0]
            else:
                c -= 1
                sizes[s] = c
                if c == 0:
                    continue
                v = H[s, c]
                vi = HI[s, c]
            pos = 0
            while True:
                child = 2 * pos + 1
                if child >= c:
                    break
                r = child + 1
                if r < c and (H[s, r] > H[s, child] or (H[s, r] == H[s, child] and HI[s, r] < HI[s, child])):
                    child = r
                if H[s, child] > v or (H[s, child] == v and HI[s, child] < vi):
                    H[s, pos] = H[s, child]
                    HI[s, pos] = HI[s, child]
                    pos = child
                else:
                    break
            H[s, pos] = v
            HI[s, pos] = vi
    return nnz


#: the CPU build
greedy_k = njit(cache=True, nogil=True)(_greedy_k)
#: the device build, inlined into the CUDA kernel (PTX needs no GPU at compile time)
greedy_k_device = njit(inline="always")(_greedy_k)


@njit(cache=True, nogil=True)
def greedy_batch_serial(P, lens, H, HI, sizes, out_idx, out_mass, nnz):
    """Greedy coupling of every batch row ``P[b]`` (``(B, k, L)``) on the calling thread (no GIL)."""
    for b in range(P.shape[0]):
        nnz[b] = greedy_k(P[b], lens[b], H[b], HI[b], sizes[b], out_idx[b], out_mass[b])


_POOL: ThreadPoolExecutor | None = None


def greedy_batch_cpu(P, lens, H, HI, sizes, out_idx, out_mass, nnz) -> None:
    """:func:`greedy_batch_serial` split over Numba's thread count (disjoint row chunks)."""
    global _POOL
    B = P.shape[0]
    k = min(max(1, int(numba.config.NUMBA_NUM_THREADS)), B)
    if k <= 1:
        greedy_batch_serial(P, lens, H, HI, sizes, out_idx, out_mass, nnz)
        return
    if _POOL is None or _POOL._max_workers < k:
        _POOL = ThreadPoolExecutor(max_workers=k, thread_name_prefix="combopt-coupling")
    cuts = [(B * c) // k for c in range(k + 1)]
    futs = [_POOL.submit(greedy_batch_serial, P[a:b], lens[a:b], H[a:b], HI[a:b], sizes[a:b], out_idx[a:b],
                         out_mass[a:b], nnz[a:b]) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]
    for f in futs:
        f.result()


def pack(marginals) -> tuple[np.ndarray, np.ndarray]:
    """Pad marginals into a ``(k, L)`` array and their lengths."""
    L = max(len(p) for p in marginals)
    P = np.zeros((len(marginals), L))
    for s, p in enumerate(marginals):
        P[s, :len(p)] = p
    return P, np.array([len(p) for p in marginals], dtype=np.int64)


def greedy_arrays(marginals) -> tuple[np.ndarray, np.ndarray]:
    """Greedy coupling of the marginals as ``(index (nnz, k), mass (nnz,))``."""
    P, lens = pack(marginals)
    k, L = P.shape
    cap = int(lens.sum()) - k + 1
    idx = np.empty((cap, k), dtype=np.int64)
    mass = np.empty(cap)
    nnz = greedy_k(P, lens, np.empty((k, L)), np.empty((k, L), dtype=np.int64), np.empty(k, dtype=np.int64),
                   idx, mass)
    return idx[:nnz], mass[:nnz]


def batch_workspace(P: np.ndarray):
    """Workspaces and outputs for a ``(B, k, L)`` batch: ``H, HI, sizes, out_idx, out_mass, nnz``."""
    B, k, L = P.shape
    cap = k * L - k + 1
    return (np.empty((B, k, L)), np.empty((B, k, L), dtype=np.int64), np.empty((B, k), dtype=np.int64),
            np.empty((B, cap, k), dtype=np.int64), np.empty((B, cap)), np.zeros(B, dtype=np.int64))


def greedy_batch(P: np.ndarray, lens: np.ndarray | None = None):
    """Greedy couplings of a batch ``P`` (``(B, k, L)``): returns ``(out_idx, out_mass, nnz)`` (CPU)."""
    P = np.ascontiguousarray(P, dtype=np.float64)
    B, k, L = P.shape
    if lens is None:
        lens = np.full((B, k), L, dtype=np.int64)
    H, HI, sizes, oi, om, nnz = batch_workspace(P)
    greedy_batch_cpu(P, np.ascontiguousarray(lens, dtype=np.int64), H, HI, sizes, oi, om, nnz)
    return oi, om, nnz
