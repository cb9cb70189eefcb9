"""Lattice-basis-reduction starts for integer FIR design.

The method of Brisebarre, Filip and Hanrot ("A lattice basis reduction approach
for the design of finite wordlength FIR filters", IEEE Trans. Signal Processing
66(10), 2018): pick ``d >= M + 1`` frequencies ``f_1..f_d``; the responses of
the integer taps, ``sum_n k_n c_n(f_j) / 2**(B-1)`` (weighted by the band
weight), are the points of the lattice spanned by the per-coefficient columns
``c_n = (w_j 2 cos(pi f_j (M - n)))_j / 2**(B-1)``. The integer vector whose
response is closest (Euclidean, at the chosen frequencies) to the response of
the continuous minimax design is a closest-vector problem; after LLL (and
optionally BKZ) reduction Babai's nearest-plane algorithm solves it well. It
rounds the taps *jointly*, where naive rounding rounds each alone.

Randomised variants (point sets: the extremal frequencies of the continuous
design or Chebyshev nodes per band, jittered; the number of points; the block
size; a small pull toward the continuous taps; targets between the continuous
response and the desired gain) give a pool of candidates, each scored by the
design's own objective (peak weighted ripple on the design grid). Reduction and
CVP use the well-kept library `fpylll <https://github.com/fplll/fpylll>`_
(optional extra ``lattice``); without it :func:`lattice_starts` returns
``None`` and the FIR design falls back to its other starts.
"""

from __future__ import annotations

import time

import numpy as np

#: lattice dimension (M + 1) above which no lattice start is built (reduction time grows fast)
MAX_DIM = 400
#: fixed-point scale of the lattice basis (the responses are multiplied by 2**S_BITS before rounding)
S_BITS = 26


def available() -> bool:
    """Whether fpylll (and its runtime dependency cysignals) can be imported."""
    try:
        import fpylll  # noqa: F401
    except ImportError:
        return False
    return True


def response_columns(M: int, f: np.ndarray, fs: float) -> np.ndarray:
    """``(len(f), M + 1)``: the amplitude response of each half-tap (type-I symmetry) at ``f``."""
    om = 2.0 * np.pi * np.asarray(f, dtype=np.float64) / fs
    C = np.empty((om.size, M + 1))
    C[:, :M] = 2.0 * np.cos(np.outer(om, M - np.arange(M)))
    C[:, M] = 1.0
    return C


def _point_set(spec, f, d, w, err, rng, kind: str, factor: float):
    """Indices into the design grid (``kind="extremal"``) or new frequencies (``"chebyshev"``)."""
    n = spec.M + 1
    want = max(n, int(round(factor * n)))
    if kind == "extremal":
        a = np.abs(err)
        left = np.r_[True, a[1:] >= a[:-1]]
        right = np.r_[a[:-1] >= a[1:], True]
        idx = np.flatnonzero(left & right)
        idx = np.clip(idx + rng.integers(-2, 3, idx.size), 0, f.size - 1)
        rest = np.setdiff1d(np.arange(f.size), idx)
        if want > idx.size and rest.size:
            idx = np.concatenate([idx, rng.choice(rest, min(rest.size, want - idx.size), replace=False)])
        idx = np.unique(idx)
        return f[idx], d[idx], w[idx]
    widths = np.array([b - a for a, b in spec.bands])
    tw = float(widths.sum())
    fs_, ds_, ws_ = [], [], []
    for (a, b), wd, g, wt in zip(spec.bands, widths, spec.gains, spec.weights, strict=True):
        c = max(2, int(round(want * (wd / tw if tw > 0 else 1.0 / len(spec.bands)))))
        x = 0.5 * (1.0 - np.cos(np.pi * (np.arange(c) + 0.5) / c))
        x = np.clip(x + rng.normal(0.0, 0.3 / c, c), 0.0, 1.0)
        x[0], x[-1] = 0.0, 1.0  # the band edges, where the error of narrow transitions peaks
        fs_.append(a + (b - a) * x)
        ds_.append(np.full(c, g, dtype=np.float64))
        ws_.append(np.full(c, wt, dtype=np.float64))
    return np.concatenate(fs_), np.concatenate(ds_), np.concatenate(ws_)


def lattice_starts(spec, h_half: np.ndarray, *, seed: int = 0, sets: int = 12, targets: int = 4,
                   keep: int = 1, time_budget: float = 5.0):
    """Integer half-taps (``k[0..M]`` in ``[-2**(B-1), 2**(B-1) - 1]``) from lattice reduction + Babai CVP.

    ``h_half`` are the continuous half-taps (``h[0..M]``) of a minimax design.
    ``sets`` reductions (random point sets) with ``targets`` CVP targets each,
    stopping early once ``time_budget`` seconds are used. Returns
    ``(the keep best candidates by peak weighted ripple on the design grid, info)``,
    or ``(None, info)`` when fpylll is missing or the order is above :data:`MAX_DIM`.
    """
    info: dict = {"lattice_candidates": 0}
    n = spec.M + 1
    if n > MAX_DIM:
        info["lattice_note"] = f"no lattice start: dimension {n} > {MAX_DIM}"
        return None, info
    try:
        from fpylll import BKZ, GSO, LLL, IntegerMatrix
    except ImportError:
        info["lattice_note"] = "no lattice start: fpylll is not installed (pip install 'combopt[lattice]')"
        return None, info
    t0 = time.perf_counter()
    sc = spec.scale
    f, d, w = spec.grid()
    G = response_columns(spec.M, f, spec.fs)
    h = np.asarray(h_half, dtype=np.float64)
    err = w * (G @ h - d)
    rng = np.random.default_rng(seed)
    S = float(2 ** S_BITS)
    best: list[tuple[float, int, np.ndarray]] = []
    seen: set[bytes] = set()
    count = 0
    for it in range(sets):
        if it and time.perf_counter() - t0 > time_budget:
            info["lattice_note"] = f"stopped after {it} of {sets} reductions (time budget {time_budget:g} s)"
            break
        kind = "extremal" if it % 2 == 0 else "chebyshev"
        factor = float(rng.uniform(1.1, 2.0))
        block = (0, 10, 20)[it % 3]
        pull = (0.0, 0.3, 1.0, 3.0)[(it // 3) % 4]
        fp, dp, wp = _point_set(spec, f, d, w, err, rng, kind, factor)
        C = response_columns(spec.M, fp, spec.fs) * wp[:, None]
        B = np.rint(C.T * (S / sc)).astype(np.int64)  # rows: the lattice basis (one per half-tap)
        if pull > 0:  # identity columns: a small pull toward the continuous taps, and a full-rank basis
            B = np.hstack([B, np.eye(n, dtype=np.int64) * int(round(pull * S / sc))])
        A = IntegerMatrix.from_matrix(B.tolist())
        LLL.reduction(A)
        if block and n > block:
            BKZ.reduction(A, BKZ.Param(block_size=block, max_loops=4, flags=BKZ.AUTO_ABORT | BKZ.MAX_LOOPS))
        gso = GSO.Mat(A)
        gso.update_gso()
        Ar = np.array([[A[i, j] for j in range(A.ncols)] for i in range(A.nrows)], dtype=np.float64)
        back = np.linalg.pinv(B.astype(np.float64))  # lattice vector -> integer half-taps
        t_cont = C @ h
        t_des = wp * dp
        for q in range(targets):
            lam = 1.0 if q == 0 else float(rng.uniform(0.0, 1.0))
            t = S * (lam * t_cont + (1.0 - lam) * t_des)
            if pull > 0:
                t = np.concatenate([t, h * pull * S])
            coords = gso.babai([float(x) for x in t])
            k = np.rint((np.asarray(coords, dtype=np.float64) @ Ar) @ back).astype(np.int64)
            k = np.clip(k, -sc, sc - 1)
            count += 1
            key = k.tobytes()
            if key in seen:
                continue
            seen.add(key)
            val = float(np.max(w * np.abs(G @ (k / sc) - d)))
            best.append((val, count, k))
            best.sort(key=lambda e: (e[0], e[1]))
            del best[keep:]
    info["lattice_candidates"] = count
    info["lattice_time_s"] = round(time.perf_counter() - t0, 3)
    if best:
        info["lattice_ripple"] = best[0][0]
    return [k for _, _, k in best], info
