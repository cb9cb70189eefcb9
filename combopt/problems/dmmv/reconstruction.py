"""Classical reconstructions for discrete tomography: the parallel-beam projection matrix, SART, SIRT and DART
(Batenburg and Sijbers 2011), each with an optional deadline. The baselines and warm starts of
:mod:`combopt.problems.dmmv.tomography`."""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp


def snap(image, levels: np.ndarray) -> np.ndarray:
    """Each pixel replaced by the nearest level."""
    img = np.asarray(image, dtype=np.float64)
    idx = np.abs(img[..., None] - levels[None, None, :]).argmin(axis=-1)
    return levels[idx]


def projection_matrix(shape: tuple[int, int], angles_deg, return_angles: bool = False):
    """Parallel-beam projector (pixel-driven, linear interpolation), empty rays dropped.

    With ``return_angles`` also the angle index of every kept ray.
    """
    h, w = shape
    nd = int(math.ceil(math.hypot(h, w))) + 1
    ys, xs = np.mgrid[0:h, 0:w]
    xc = (xs - (w - 1) / 2.0).ravel()
    yc = ((h - 1) / 2.0 - ys).ravel()
    pix = np.arange(h * w)
    rows, cols, vals = [], [], []
    angles_deg = np.atleast_1d(np.asarray(angles_deg, dtype=np.float64))
    for a, theta in enumerate(np.deg2rad(angles_deg)):
        t = xc * math.cos(theta) + yc * math.sin(theta) + (nd - 1) / 2.0
        b0 = np.floor(t).astype(np.int64)
        frac = t - b0
        for b, wt in ((b0, 1.0 - frac), (b0 + 1, frac)):
            keep = (wt > 1e-12) & (b >= 0) & (b < nd)
            rows.append(a * nd + b[keep])
            cols.append(pix[keep])
            vals.append(wt[keep])
    A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(angles_deg.size * nd, h * w)).tocsr()
    A.sum_duplicates()
    nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
    A = A[nonempty]
    return (A, nonempty // nd) if return_angles else A


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def sart(A: sp.csr_matrix, b, shape, lo: float, hi: float, iterations: int = 100, relax: float = 0.5,
         blocks: list[np.ndarray] | None = None, seed: int = 0, deadline: float | None = None,
         stats: dict | None = None) -> np.ndarray:
    """SART: ray-block (one block per angle) simultaneous corrections, clipped to ``[lo, hi]``.

    ``deadline`` (``time.monotonic()``) ends the sweeps early; ``stats["iterations"]`` then tells how many ran."""
    n = A.shape[1]
    x = np.full(n, 0.5 * (lo + hi))
    if blocks is None:
        blocks = [np.arange(A.shape[0])]
    rng = np.random.default_rng(seed)
    sub = []  # each block sliced once (it was sliced twice); column sums per sweep (n per block: 128 blocks of a
    for rows in blocks:  # 512 x 512 image would hold 270 MB)
        Ab = A[rows]
        sub.append((Ab, np.maximum(np.asarray(Ab.sum(axis=1)).ravel(), 1e-12), rows))
    done = 0
    for _ in range(iterations):
        if _out_of_time(deadline):
            break
        done += 1
        for q in rng.permutation(len(sub)):
            Ab, rs, rows = sub[q]
            cs = np.maximum(np.asarray(Ab.sum(axis=0)).ravel(), 1e-12)
            r = (b[rows] - Ab @ x) / rs
            x += relax * (Ab.T @ r) / cs
            np.clip(x, lo, hi, out=x)
    if stats is not None:
        stats["iterations"] = done
    return x.reshape(shape)


def sirt(A: sp.csr_matrix, b, shape, lo: float, hi: float, iterations: int = 500, relax: float = 1.0,
         deadline: float | None = None, stats: dict | None = None) -> np.ndarray:
    """SIRT: all rays at once, ``x += relax * C A^T R (b - A x)``, clipped to ``[lo, hi]`` (``deadline`` and
    ``stats`` as in :func:`sart`)."""
    n = A.shape[1]
    x = np.full(n, 0.5 * (lo + hi))
    R = 1.0 / np.maximum(np.asarray(A.sum(axis=1)).ravel(), 1e-12)
    C = 1.0 / np.maximum(np.asarray(A.sum(axis=0)).ravel(), 1e-12)
    done = 0
    for _ in range(iterations):
        if _out_of_time(deadline):
            break
        done += 1
        x += relax * C * (A.T @ (R * (b - A @ x)))
        np.clip(x, lo, hi, out=x)
    if stats is not None:
        stats["iterations"] = done
    return x.reshape(shape)


def _sart_sweeps(blocks, b, x, lo: float, hi: float, sweeps: int, relax: float, rng) -> None:
    """SART sweeps in place on precomputed ray blocks ``(A_block, 1/row sums, 1/column sums, rows)``."""
    for _ in range(sweeps):
        for q in rng.permutation(len(blocks)):
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
    for _ in range(iterations):
        if _out_of_time(deadline):
            break
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
        xf = x[fidx].copy()
        _sart_sweeps(sub, res_b, xf, lo, hi, sart_sweeps, relax, rng)
        x = seg.ravel().copy()
        x[fidx] = xf
        if smoothing > 0:
            img = x.reshape(shape)
            mean8 = (uniform_filter(img, size=3, mode="nearest") * 9.0 - img) / 8.0
            bnd = boundary.ravel()
            x[bnd] = (1.0 - smoothing) * x[bnd] + smoothing * mean8.ravel()[bnd]
    if stats is not None:
        stats["iterations"] = done
    return snap(x.reshape(shape), levels)
