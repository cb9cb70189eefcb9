"""Batched scoring of TOPO swap candidates, written against an array namespace ``xp``.

``xp`` is CuPy on the GPU and NumPy in the tests. All candidates of a round
are scored in a few array operations: for each swap ``(a, b)`` the rows of
``L[a:b+1, a:b+1]`` are gathered with the first and last exchanged, padded to
the largest block of the chunk (identity in the padding), multiplied into
``Lp Lp^T`` and factorised by one batched Cholesky; the sum of the squared
diagonals minus the old one is the score change. Same numbers as
:func:`combopt.solvers.dag.kernels.swap_deltas` up to rounding.
"""

from __future__ import annotations

import contextlib

import numpy as np

__all__ = ["swap_deltas_xp", "XPSwapScorer"]


def swap_deltas_xp(xp, L, ca, cb, chunk_elems: int = 1 << 24):
    """Score changes ``0.5 * (new - old)`` of the swaps ``(ca[c], cb[c])`` (``xp`` arrays; returns host numpy)."""
    ca = np.asarray(ca, dtype=np.int64)
    cb = np.asarray(cb, dtype=np.int64)
    C = ca.shape[0]
    out = np.empty(C)
    if C == 0:
        return out
    dg2 = xp.diag(L) ** 2
    sizes = cb - ca + 1
    perm = np.argsort(sizes, kind="stable")  # similar sizes share a chunk: little padding
    ordered = sizes[perm]
    pos = 0
    while pos < C:
        step = _chunk(ordered, pos, chunk_elems)
        sel = perm[pos:pos + step]
        M = int(ordered[pos + step - 1])
        a = xp.asarray(ca[sel])
        b = xp.asarray(cb[sel])
        m = xp.asarray(sizes[sel])
        k = xp.arange(M)[None, :]
        valid = k < m[:, None]
        rows = a[:, None] + k
        rows = xp.where(k == 0, b[:, None], rows)
        rows = xp.where(k == (m[:, None] - 1), a[:, None], rows)
        rows = xp.where(valid, rows, 0)
        cols = xp.where(valid, a[:, None] + k, 0)
        Lp = L[rows[:, :, None], cols[:, None, :]]
        Lp = xp.where(valid[:, :, None] & valid[:, None, :], Lp, 0.0)
        G = Lp @ xp.swapaxes(Lp, 1, 2)
        G = G + xp.eye(M)[None, :, :] * (~valid)[:, :, None]
        new = xp.sum(xp.where(valid, _batched_chol_diag(xp, G) ** 2, 0.0), axis=1)
        # the old diagonals summed over the block itself: a difference of prefix sums over the whole diagonal lost
        # the block's small terms beside a huge one (a column in units 3e8 times the others)
        old = xp.sum(xp.where(valid, dg2[cols], 0.0), axis=1)
        delta = 0.5 * (new - old)
        delta = xp.where(xp.isfinite(delta), delta, xp.inf)
        out[sel] = delta.get() if hasattr(delta, "get") else np.asarray(delta)
        pos += len(sel)
    return out


def _chunk(ordered: np.ndarray, pos: int, chunk_elems: int) -> int:
    """How many of the blocks ``ordered[pos:]`` (ascending sizes) fit one chunk: ``count * M^2 <= chunk_elems``
    for the largest block ``M`` of the chunk (at least one). The count was sized by the smallest block, and one
    wide swap among many narrow ones made a stack 183 times the bound."""
    lo, hi = 1, ordered.shape[0] - pos
    while lo < hi:  # count * ordered[pos + count - 1]^2 rises with count
        mid = (lo + hi + 1) // 2
        if mid * int(ordered[pos + mid - 1]) ** 2 <= chunk_elems:
            lo = mid
        else:
            hi = mid - 1
    return lo


def raising_linalg(xp):
    """A context in which ``xp.linalg`` raises on a failed factorisation: numpy always does; CuPy by default does
    not (cuSOLVER's status is ignored and the factor holds what was left of the input), so a matrix that is not
    positive definite would score a finite, meaningless swap; ``cupyx.errstate(linalg="raise")`` makes it raise."""
    if getattr(xp, "__name__", "") == "cupy":
        import cupyx

        return cupyx.errstate(linalg="raise")
    return contextlib.nullcontext()


def _batched_chol_diag(xp, G):
    """Diagonals of the Cholesky factors of a stack; NaN for a matrix that is not numerically PD."""
    with raising_linalg(xp):
        try:
            return xp.diagonal(xp.linalg.cholesky(G), axis1=1, axis2=2)
        except Exception:  # noqa: BLE001 - numpy (and CuPy told to raise) refuse the whole stack when one fails
            out = []
            for g in G:
                try:
                    out.append(xp.diagonal(xp.linalg.cholesky(g)))
                except Exception:  # noqa: BLE001
                    out.append(xp.full(g.shape[0], xp.nan))
            return xp.stack(out)


class XPSwapScorer:
    """Callable ``(L, ca, cb) -> deltas`` that moves ``L`` to the device and scores there."""

    def __init__(self, xp):
        self.xp = xp

    def __call__(self, L: np.ndarray, ca: np.ndarray, cb: np.ndarray) -> np.ndarray:
        return swap_deltas_xp(self.xp, self.xp.asarray(L), ca, cb)
