"""Classical reconstructions for discrete tomography: the parallel-beam projection matrix, SART, SIRT and DART
(Batenburg and Sijbers 2011), each with an optional deadline. The baselines and warm starts of
:mod:`combopt.problems.dmmv.tomography`."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from numba import njit


def snap(image, levels: np.ndarray) -> np.ndarray:
    """Each pixel replaced by the nearest level."""
    img = np.asarray(image, dtype=np.float64)
    idx = np.abs(img[..., None] - levels[None, None, :]).argmin(axis=-1)
    return levels[idx]


def projection_matrix(shape: tuple[int, int], angles_deg, return_angles: bool = False):
    """Parallel-beam projector (pixel-driven, linear interpolation), empty rays dropped, by rows (CSR).

    With ``return_angles`` also the angle index of every kept ray. See :func:`projection_matrices`.
    """
    A, _, ray_angle = projection_matrices(shape, angles_deg)
    return (A, ray_angle) if return_angles else A


@njit(cache=True)
def _entry(xp, yp, c, s, nd, j):
    """Detector bin (``-1`` when dropped: off the detector, or a weight of at most 1e-12) and weight of entry ``j``
    (0: the bin below the pixel's projection, 1: the one above) of the pixel at ``(xp, yp)`` at the angle of cosine
    ``c`` and sine ``s``."""
    t = xp * c + yp * s + (nd - 1) / 2.0
    b0 = math.floor(t)
    frac = t - b0
    b = int(b0) + j
    wt = 1.0 - frac if j == 0 else frac
    return (b if wt > 1e-12 and 0 <= b < nd else -1), wt


@njit(cache=True)
def _projector_counts(xc, yc, cos, sin, nd, counts, raycount):
    """Entries per pixel (``counts``) and per ray (``raycount``, angle-major) of the projector."""
    for p in range(xc.size):
        c = 0
        for a in range(cos.size):
            for j in range(2):
                b, _ = _entry(xc[p], yc[p], cos[a], sin[a], nd, j)
                if b >= 0:
                    c += 1
                    raycount[a * nd + b] += 1
        counts[p] = c


@njit(cache=True)
def _projector_fill(xc, yc, cos, sin, nd, renum, cptr, rptr, cidx, cdata, ridx, rdata):
    """Both layouts: the columns pixel by pixel (each column's rows ascend), the rows angle by angle (each row's
    columns in pixel order): every write then lands in one angle's few megabytes, where a pixel-by-pixel scatter
    into the rows took four times as long on a 512 x 512 scan."""
    for p in range(xc.size):
        k = cptr[p]
        for a in range(cos.size):
            for j in range(2):
                b, wt = _entry(xc[p], yc[p], cos[a], sin[a], nd, j)
                if b >= 0:
                    cidx[k] = renum[a * nd + b]
                    cdata[k] = wt
                    k += 1
    cursor = rptr[:-1].copy()
    for a in range(cos.size):
        for p in range(xc.size):
            for j in range(2):
                b, wt = _entry(xc[p], yc[p], cos[a], sin[a], nd, j)
                if b >= 0:
                    r = renum[a * nd + b]
                    ridx[cursor[r]] = p
                    rdata[cursor[r]] = wt
                    cursor[r] += 1


def _with_arrays(M, data, indices, indptr):
    """``M`` (an empty CSR or CSC matrix of the right shape) holding these arrays as they are: int64 indices that the
    search's kernels share with it (scipy's constructor would copy them into int32 ones; its products take either)."""
    M.data, M.indices, M.indptr = data, indices, indptr
    M.has_canonical_format = True  # sorted and without duplicates by construction
    M.check_format(full_check=False)
    return M


def projection_matrices(shape: tuple[int, int], angles_deg, index64: bool = False):
    """``(A by rows (CSR), A by columns (CSC), angle index of every kept ray)`` of the parallel-beam projector, and
    with ``index64`` the int64 index arrays ``(column pointers, column rows, row pointers, row columns)`` that the
    search's kernels take.

    Every pixel puts weight ``1 - frac`` and ``frac`` on the two detector bins nearest to its projection at every
    angle; weights of at most 1e-12 and bins off the detector are dropped, and so are rays that no pixel meets.
    Built pixel by pixel by two Numba passes (count, then fill both layouts), canonical (sorted, no duplicates) and
    equal bit for bit to what a COO assembly and a conversion give (512 x 512 pixels at 128 angles: 67 million
    entries; the COO assembly took 8-10 s and a later ``tocsc`` another 0.8-2.4 s; numpy by columns, one
    transposition and int64 copies of the index arrays for the search 5-9 s and 2.9 GB at peak; these passes, whose
    int64 index arrays the matrices and the search share, 1.3-7 s and 2.3 GB, most of it the first touch of fresh
    memory on the loaded 2-core machine).
    """
    h, w = shape
    nd = int(math.ceil(math.hypot(h, w))) + 1
    ys, xs = np.mgrid[0:h, 0:w]
    xc = (xs - (w - 1) / 2.0).ravel().astype(np.float64)
    yc = ((h - 1) / 2.0 - ys).ravel().astype(np.float64)
    n = h * w
    angles_deg = np.atleast_1d(np.asarray(angles_deg, dtype=np.float64))
    na = angles_deg.size
    theta = np.deg2rad(angles_deg)
    cos = np.array([math.cos(t) for t in theta], dtype=np.float64)  # math's, as every angle's own product always used
    sin = np.array([math.sin(t) for t in theta], dtype=np.float64)
    counts = np.zeros(n, dtype=np.int64)
    raycount = np.zeros(na * nd, dtype=np.int64)
    _projector_counts(xc, yc, cos, sin, nd, counts, raycount)
    met = raycount > 0
    nonempty = np.flatnonzero(met)
    m = nonempty.size
    renum = np.cumsum(met) - 1  # ray numbers once the empty rays are dropped
    cptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=cptr[1:])
    rptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(raycount[nonempty], out=rptr[1:])
    nnz = int(cptr[-1])
    cidx, ridx = np.empty(nnz, dtype=np.int64), np.empty(nnz, dtype=np.int64)
    cdata, rdata = np.empty(nnz), np.empty(nnz)
    _projector_fill(xc, yc, cos, sin, nd, renum, cptr, rptr, cidx, cdata, ridx, rdata)
    C = _with_arrays(sp.csc_matrix((m, n)), cdata, cidx, cptr)
    A = _with_arrays(sp.csr_matrix((m, n)), rdata, ridx, rptr)
    out = (A, C, nonempty // nd)
    return out + ((cptr, cidx, rptr, ridx),) if index64 else out


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _no_time_for(deadline: float | None, seconds: float) -> bool:
    """Past ``deadline``, or another step of ``seconds`` (the last one's) would end after it."""
    return deadline is not None and time.monotonic() + seconds >= deadline


def _timed_rounds(iterations: int, deadline: float | None, started: list):
    """Yield up to ``iterations`` times (one round of an iterative method each), ending before a round that, timed
    like the previous one, would end after ``deadline``; ``started[0]`` counts the rounds begun."""
    last = 0.0
    for _ in range(iterations):
        if _no_time_for(deadline, last):
            return
        t0 = time.monotonic()
        started[0] += 1
        yield
        last = time.monotonic() - t0


def backprojection(A: sp.csr_matrix, b, shape, lo: float, hi: float) -> np.ndarray:
    """Normalised back-projection ``C A^T R b`` (``R``, ``C``: inverse row and column sums), clipped to ``[lo, hi]``:
    the cheap stand-in for SART when the time limit leaves no sweep (one product each way)."""
    R = 1.0 / np.maximum(np.asarray(A.sum(axis=1)).ravel(), 1e-12)
    C = 1.0 / np.maximum(np.asarray(A.sum(axis=0)).ravel(), 1e-12)
    return np.clip(C * (A.T @ (R * np.asarray(b, dtype=np.float64))), lo, hi).reshape(shape)


def sart(A: sp.csr_matrix, b, shape, lo: float, hi: float, iterations: int = 100, relax: float = 0.5,
         blocks: list[np.ndarray] | None = None, seed: int = 0, deadline: float | None = None,
         stats: dict | None = None) -> np.ndarray:
    """SART: ray-block (one block per angle) simultaneous corrections, clipped to ``[lo, hi]``.

    ``deadline`` (``time.monotonic()``) ends the sweeps early: none starts once another like the last would end
    after it, and a sweep stops between two blocks at it; ``stats["iterations"]`` then tells how many ran (a cut
    sweep counts). Past the deadline at the call, the starting image (every pixel ``(lo + hi) / 2``) comes back
    with ``stats["iterations"] = 0``."""
    n = A.shape[1]
    x = np.full(n, 0.5 * (lo + hi))
    if blocks is None:
        blocks = [np.arange(A.shape[0])]
    rng = np.random.default_rng(seed)
    # each block sliced once (it was sliced twice), when the first sweep reaches it: the slices copy A (0.9 s for a
    # 512 x 512 image at 128 angles), a cut first sweep copies only what it uses. Column sums per sweep (n per
    # block: 128 blocks of a 512 x 512 image would hold 270 MB)
    sub: list = [None] * len(blocks)
    done = [0]
    for _ in _timed_rounds(iterations, deadline, done):
        for q in rng.permutation(len(sub)):
            if _out_of_time(deadline):
                break
            if sub[q] is None:
                Ab = A[blocks[q]]
                sub[q] = (Ab, np.maximum(np.asarray(Ab.sum(axis=1)).ravel(), 1e-12), blocks[q])
            Ab, rs, rows = sub[q]
            cs = np.maximum(np.asarray(Ab.sum(axis=0)).ravel(), 1e-12)
            r = (b[rows] - Ab @ x) / rs
            x += relax * (Ab.T @ r) / cs
            np.clip(x, lo, hi, out=x)
    if stats is not None:
        stats["iterations"] = done[0]
    return x.reshape(shape)


def sirt(A: sp.csr_matrix, b, shape, lo: float, hi: float, iterations: int = 500, relax: float = 1.0,
         deadline: float | None = None, stats: dict | None = None) -> np.ndarray:
    """SIRT: all rays at once, ``x += relax * C A^T R (b - A x)``, clipped to ``[lo, hi]`` (``deadline`` and
    ``stats`` as in :func:`sart`)."""
    n = A.shape[1]
    x = np.full(n, 0.5 * (lo + hi))
    done = [0]
    if not _out_of_time(deadline):  # the row and column sums cost two passes over A
        R = 1.0 / np.maximum(np.asarray(A.sum(axis=1)).ravel(), 1e-12)
        C = 1.0 / np.maximum(np.asarray(A.sum(axis=0)).ravel(), 1e-12)
        for _ in _timed_rounds(iterations, deadline, done):
            x += relax * C * (A.T @ (R * (b - A @ x)))
            np.clip(x, lo, hi, out=x)
    if stats is not None:
        stats["iterations"] = done[0]
    return x.reshape(shape)


def _sart_sweeps(blocks, b, x, lo: float, hi: float, sweeps: int, relax: float, rng,
                 deadline: float | None = None) -> None:
    """SART sweeps in place on precomputed ray blocks ``(A_block, 1/row sums, 1/column sums, rows)`` (a sweep stops
    between two blocks at ``deadline``)."""
    for _ in range(sweeps):
        for q in rng.permutation(len(blocks)):
            if _out_of_time(deadline):
                return
            Ab, rinv, cinv, rows = blocks[q]
            r = (b[rows] - Ab @ x) * rinv
            x += relax * (Ab.T @ r) * cinv
            np.clip(x, lo, hi, out=x)


def _sart_blocks(A: sp.csr_matrix, blocks: list[np.ndarray]) -> list:
    out = []
    for rows in blocks:
        Ab = A[rows]
        rs = np.asarray(Ab.sum(axis=1)).ravel()
        cs = np.asarray(Ab.sum(axis=0)).ravel()
        keep = rs > 1e-12
        Ab, rows, rs = Ab[keep], rows[keep], rs[keep]
        out.append((Ab.tocsr(), 1.0 / rs, np.where(cs > 1e-12, 1.0 / np.maximum(cs, 1e-12), 0.0), rows))
    return out


#: DART iterations of the baseline and of the ``dart`` start
DART_ITERATIONS = 30


def dart(A: sp.csr_matrix, b, shape, levels: np.ndarray, start=None, iterations: int = DART_ITERATIONS,
         sart_sweeps: int = 3,
         fix_prob: float = 0.9, smoothing: float = 0.2, relax: float = 0.5, blocks: list[np.ndarray] | None = None,
         seed: int = 0, deadline: float | None = None, stats: dict | None = None,
         A_csc: sp.csc_matrix | None = None) -> np.ndarray:
    """DART (Batenburg and Sijbers 2011): discrete algebraic reconstruction.

    From a continuous reconstruction ``start`` (SART when ``None``), each
    iteration segments the image to the grey levels (thresholds halfway), fixes
    the interior pixels (every 8-neighbour has the same level) except a random
    ``1 - fix_prob`` share of them, runs ``sart_sweeps`` SART sweeps on the free
    pixels only against the residual of the fixed ones, and smooths the boundary
    pixels (weight ``smoothing`` on the mean of their 8 neighbours). Returns the
    segmented image after ``iterations`` iterations (the continuous image is
    discarded). ``deadline`` and ``stats`` as in :func:`sart`.
    """
    from scipy.ndimage import maximum_filter, minimum_filter, uniform_filter

    h, w = shape
    lo, hi = float(levels[0]), float(levels[-1])
    rng = np.random.default_rng(seed)
    if blocks is None:
        blocks = [np.arange(A.shape[0])]
    x = np.asarray(start, dtype=np.float64).ravel().copy() if start is not None else \
        sart(A, b, shape, lo, hi, 30, relax, blocks, seed, deadline=deadline).ravel()
    Acsc = A_csc  # ``A`` by columns (a caller's cached copy; else made at the first iteration that runs)
    done = 0
    last = 0.0  # seconds of the last iteration: none starts that would end after the deadline
    for _ in range(iterations):
        if _no_time_for(deadline, last):
            break
        t0 = time.monotonic()
        if Acsc is None:
            Acsc = A.tocsc()
        done += 1
        seg = snap(x.reshape(shape), levels)
        boundary = (maximum_filter(seg, size=3, mode="nearest") != minimum_filter(seg, size=3, mode="nearest"))
        free = (boundary | (rng.random(shape) > fix_prob)).ravel()
        if not free.any():
            break
        fixed_vals = np.where(free, 0.0, seg.ravel())
        res_b = b - A @ fixed_vals
        fidx = np.flatnonzero(free)
        sub = _sart_blocks(Acsc[:, fidx].tocsr(), blocks)
        if _out_of_time(deadline):  # the free pixels' blocks took the time: this iteration leaves x as it was
            done -= 1
            break
        xf = x[fidx].copy()
        _sart_sweeps(sub, res_b, xf, lo, hi, sart_sweeps, relax, rng, deadline)
        x = seg.ravel().copy()
        x[fidx] = xf
        if smoothing > 0:
            img = x.reshape(shape)
            mean8 = (uniform_filter(img, size=3, mode="nearest") * 9.0 - img) / 8.0
            bnd = boundary.ravel()
            x[bnd] = (1.0 - smoothing) * x[bnd] + smoothing * mean8.ravel()[bnd]
        last = time.monotonic() - t0
    if stats is not None:
        stats["iterations"] = done
    return snap(x.reshape(shape), levels)
