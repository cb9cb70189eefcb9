"""Entropies, mutual information and the lower bounds of minimum-entropy coupling (bits).

Everything here is plain numpy on probability vectors or on the masses of a
sparse coupling; nothing depends on a solver.
"""

from __future__ import annotations

import numpy as np

__all__ = ["binary_entropy", "entropy", "majorization_bound", "majorization_meet", "profile_bound", "rate_limit"]

#: H(T) may exceed a rate R by this share of R (rounding) ...
RATE_RTOL = 1e-9
#: ... plus this much (bits): the rounding of an entropy near 0
RATE_ATOL = 1e-14


def rate_limit(rate: float, rtol: float = RATE_RTOL) -> float:
    """The largest ``H(T)`` taken as within the rate ``rate`` (bits): ``rate`` plus ``rtol`` of it plus
    :data:`RATE_ATOL`. The solvers aim inside ``rtol = 1e-12``; :meth:`EBIM.evaluate` accepts :data:`RATE_RTOL`.
    The slack was an absolute 1e-9 bits: at R = 5e-10 an encoder of H(T) = 2.9 R passed as feasible, with three
    times the I(X;T) any encoder within the rate reaches."""
    return rate + rtol * rate + RATE_ATOL


def entropy(p) -> float:
    """Shannon entropy in bits of the non-negative masses ``p`` (``0 log 0 = 0``; no renormalisation)."""
    p = np.asarray(p, dtype=np.float64).ravel()
    p = p[p > 0]
    if p.size == 0:
        return 0.0
    return float(-np.dot(p, np.log2(p)))


def binary_entropy(x: float) -> float:
    """``h(x) = -x log2 x - (1 - x) log2 (1 - x)``."""
    x = float(x)
    if x <= 0.0 or x >= 1.0:
        return 0.0
    return float(-x * np.log2(x) - (1 - x) * np.log2(1 - x))


def majorization_meet(marginals, ascending: bool = False) -> np.ndarray:
    """The greatest lower bound ``p1 ∧ p2 ∧ ...`` in the majorization lattice.

    Each marginal is sorted in decreasing order; with prefix sums ``P_k(i)`` the
    meet has prefix sums ``min_k P_k(i)`` (a concave sequence, so the result is
    sorted too). Every coupling, read as one vector of masses, is majorized by
    it, hence ``H(coupling) >= H(meet)``. ``ascending``: the marginals are already sorted in increasing order
    (a problem's kept sort, :meth:`MEC.ascending`), so none is sorted again.
    """
    arrs = [np.asarray(p, dtype=np.float64).ravel() for p in marginals]
    return _meet_sorted(arrs if ascending else [np.sort(a) for a in arrs])


def _meet_sorted(ascending: list[np.ndarray]) -> np.ndarray:
    """:func:`majorization_meet` of marginals already sorted in increasing order (each sorted once, shared with
    :func:`profile_bound`)."""
    L = max(a.size for a in ascending)
    m = None
    for a in ascending:
        c = np.cumsum(a[::-1])
        if c.size and c[-1] > 0:
            c /= c[-1]
        if c.size < L:
            c = np.concatenate([c, np.full(L - c.size, c[-1] if c.size else 1.0)])
        m = c if m is None else np.minimum(m, c, out=m)
    return np.maximum(np.diff(m, prepend=0.0), 0.0)


def majorization_bound(marginals, ascending: bool = False) -> float:
    """``H(p1 ∧ p2 ∧ ...)``: a lower bound on the entropy of every coupling (bits); ``ascending`` as in
    :func:`majorization_meet`."""
    return entropy(majorization_meet(marginals, ascending))


def profile_bound(marginals, ascending: bool = False) -> float:
    """A lower bound on the entropy of every coupling from its mass profile (bits).

    Write ``F(t)`` for the mass a coupling puts in cells of value at least ``t``.
    Then ``H = ∫_0^1 (1 - F(t)) / (t ln 2) dt``, and ``F(t)`` is at most

    - ``min_k sum_{i: p_k(i) >= t} p_k(i)`` (a cell of value ``>= t`` lies in a
      line of every marginal whose mass is ``>= t``), and
    - ``S(floor(1 / t))``, the mass of the ``floor(1/t)`` largest entries of the
      majorization meet (at most ``1/t`` cells reach ``t``; the largest cells of
      a coupling weigh no more than the meet's largest entries).

    Putting the smaller of the two into the integral gives the bound. It is
    a profile-type bound in the spirit of Compton et al. (2023), not their
    exact construction, and it is often stronger than ``H(p ∧ q)``
    (for ``p = [.5, .4, .1]``, ``q = [.6, .2, .2]``: 1.661 bits against 1.485).
    The solvers report ``max(majorization, profile)``. ``ascending``: the marginals are already sorted in
    increasing order (as in :func:`majorization_meet`).
    """
    arrs = [np.asarray(p, dtype=np.float64).ravel() for p in marginals]
    arrs = [a[a > 0] / a.sum() for a in arrs if a.sum() > 0]
    if not arrs:
        return 0.0
    srt = arrs if ascending else [np.sort(a) for a in arrs]  # increasing; once for the meet and the suffix sums
    meet = _meet_sorted(srt)
    S = np.concatenate([[0.0], np.cumsum(meet)])
    L = meet.size
    # breakpoints: every marginal value and 1/k for k = 1..L+1
    # sorted runs: a stable (merge) sort of their concatenation is about linear
    vals = np.sort(np.concatenate([*srt, (1.0 / np.arange(1, L + 2))[::-1], [1.0]]), kind="stable")
    vals = vals[np.concatenate([[True], vals[1:] != vals[:-1]])]
    vals = vals[(vals > 0) & (vals <= 1.0)]
    tmin = min(a[0] for a in srt)
    vals = vals[vals >= tmin]
    if vals.size < 2:
        return 0.0
    lo, hi = vals[:-1], vals[1:]
    mid = 0.5 * (lo + hi)  # on (lo, hi] every step function is constant; evaluate just above lo
    g = np.ones_like(mid)
    for s in srt:
        suffix = np.concatenate([np.cumsum(s[::-1])[::-1], [0.0]])  # suffix[i] = sum of s[i:]
        g = np.minimum(g, suffix[np.searchsorted(s, mid, side="left")])
    with np.errstate(over="ignore", divide="ignore"):  # 1 / subnormal overflows to inf: capped at L
        k = np.floor(np.minimum(1.0 / mid, float(L))).astype(np.int64)
    F = np.minimum(np.minimum(g, S[k]), 1.0)
    w = 1.0 - F
    use = w > 0
    # log2(hi) - log2(lo), not log2(hi / lo): the ratio overflows to inf when lo is subnormal (5e-324)
    return float(np.sum(w[use] * (np.log2(hi[use]) - np.log2(lo[use]))))
