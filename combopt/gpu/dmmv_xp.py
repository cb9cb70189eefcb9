"""Batch scoring of DMMV move candidates written against an array namespace ``xp``.

``xp`` is CuPy on the GPU and NumPy in tests. For a dense model, the new row
sums of a batch of candidates are one gather-and-add, ``S + A[:, i] dv_i +
A[:, j] dv_j`` (an ``m x C`` block), so the whole batch is scored with a few
large array operations, in chunks that bound the memory. Scores match
:func:`combopt.solvers.dmmv.kernels.score_one`: candidates whose new maximum
exceeds ``cur_linf + tol`` are rejected (``dl2 = inf``), the others get their
exact new maximum violation and the change of the sum of squared violations.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["XPScorer", "score_candidates_xp"]


def _viol(xp, S, lower, upper, w):
    return w * xp.maximum(0.0, xp.maximum(S - upper, lower - S))


def score_candidates_xp(xp, A, s, lower, upper, w, v, top, ci, cdvi, cj, cdvj, cur_linf: float, tol: float,
                        chunk_elems: int = 1 << 24):
    """Scores ``(new max violation, L2 change)`` of candidates on a dense ``A`` (``xp`` arrays).

    ``cj < 0`` marks single moves. Returns two ``xp`` arrays.
    """
    m = A.shape[0]
    C = int(ci.shape[0])
    out_l = xp.empty(C, dtype=xp.float64)
    out_d = xp.empty(C, dtype=xp.float64)
    if C == 0:
        return out_l, out_d
    single = cj < 0
    cj0 = xp.where(single, 0, cj)
    dvj = xp.where(single, 0.0, cdvj)
    lo_c, up_c, w_c = lower[:, None], upper[:, None], w[:, None]
    v2 = (v * v)[:, None]
    step = max(1, chunk_elems // max(m, 1))
    ntop = int(top.shape[0])
    for a in range(0, C, step):
        b = min(C, a + step)
        i_, j_ = ci[a:b], cj0[a:b]
        di, dj = cdvi[a:b][None, :], dvj[a:b][None, :]
        if ntop:
            T = top
            St = s[T][:, None] + A[T][:, i_] * di + A[T][:, j_] * dj
            lb = _viol(xp, St, lower[T][:, None], upper[T][:, None], w[T][:, None]).max(axis=0)
        else:
            lb = xp.zeros(b - a, dtype=xp.float64)
        NS = s[:, None] + (A[:, i_] * di + A[:, j_] * dj)
        NV = _viol(xp, NS, lo_c, up_c, w_c)
        lf = NV.max(axis=0)
        dl2 = (NV * NV - v2).sum(axis=0)
        reject = (lb > cur_linf + tol) | (lf > cur_linf + tol)
        out_l[a:b] = xp.where(lb > cur_linf + tol, lb, lf)
        out_d[a:b] = xp.where(reject, math.inf, dl2)
    return out_l, out_d


class XPScorer:
    """Scorer of :class:`combopt.solvers.dmmv.DMMVSearch`'s host driver through ``xp`` (dense models).

    The dense matrix, bounds and weights are put on the device once.
    """

    def __init__(self, model, xp):
        if not model.is_dense():
            raise ValueError("XPScorer needs a dense model")
        self.xp = xp
        self.A = xp.asarray(model.dense())
        self.lower = xp.asarray(model.lower)
        self.upper = xp.asarray(model.upper)
        self.w = xp.asarray(model.weights)

    def __call__(self, S, cnt: int, ntop: int, theta: float, linf: float) -> None:
        if cnt <= 0:
            return
        xp = self.xp
        top = xp.asarray(S.top[:ntop]) if S.Atop.shape[0] else xp.zeros(0, dtype=xp.int64)
        lf, dl = score_candidates_xp(xp, self.A, xp.asarray(S.s), self.lower, self.upper, self.w, xp.asarray(S.v),
                                     top, xp.asarray(S.ci[:cnt]), xp.asarray(S.cdvi[:cnt]), xp.asarray(S.cj[:cnt]),
                                     xp.asarray(S.cdvj[:cnt]), float(linf), float(S.tol))
        S.out_linf[:cnt] = _host(xp, lf)
        S.out_dl2[:cnt] = _host(xp, dl)


def _host(xp, a):
    return a.get() if hasattr(a, "get") else np.asarray(a)
