"""The asymmetric TSP through the symmetric machinery: the Jonker-Volgenant transformation and the assignment bound.

An ATSP on ``n`` cities with arc lengths ``D[i, j]`` (``i -> j``) becomes a symmetric TSP on ``2n`` nodes (Jonker
and Volgenant, "Transforming asymmetric into symmetric traveling salesman problems", Operations Research Letters
2(4), 1983; the route LKH takes for ATSP files): city ``i`` and its copy ``n + i`` are joined by a *ghost* edge of
length 0, the copy ``n + i`` and the city ``j`` by an edge of length ``D[i, j] + M`` (the arc ``i -> j``), and two
cities, or two copies, by an edge longer than any of those. A symmetric tour that alternates cities and copies and
uses every ghost edge, ``i, n+i, j, n+j, ...``, is the directed tour ``i -> j -> ...`` and is ``n M`` longer. So
every bound of the symmetric instance, less ``n M``, bounds the ATSP, whatever ``M``; ``M`` only steers the search
(a tour that misses a ghost edge pays at least ``M`` more), and any symmetric tour maps back to a valid directed
tour (its cities in tour order, in the better of the two directions), so no choice of ``M`` can give a wrong answer.

The assignment bound (each city one arc out and one in, no tour constraint; scipy's ``linear_sum_assignment``) is
the classical ATSP lower bound; it is the problem's own bound, and ``tsp-ls`` adds the Held-Karp bound of the
transformed instance.
"""

from __future__ import annotations

import numpy as np

from ...core.errors import ParameterError, UnsuitedInstance

#: the transformed instance's lengths stay below this (float64 kernels add up ``2n`` of them exactly)
_SUM_LIMIT = 2**51
#: largest ATSP whose assignment bound is computed before a run (scipy's solver: about 1 s at 2000 cities)
ASSIGNMENT_MAX = 2000
#: largest ATSP the transformation is built for (a 2n x 2n matrix, built with its float64 copy and candidate lists
#: before the first kick: 2.9 s at 5000 cities, past a 1 s limit; about 1 s at 3000)
JV_MAX = 3000


def jv_offset(D: np.ndarray) -> int:
    """``M``: the offset on the arc edges. ``n (max - min) + 1`` arc lengths (with it an optimal symmetric tour
    uses every ghost edge), capped where the transformed lengths would lose exactness in float64, and at least
    ``1 - min`` so that every arc edge is positive."""
    n = D.shape[0]
    if n < 2:
        return 1
    off = D[~np.eye(n, dtype=bool)]
    lo, hi = int(off.min()), int(off.max())
    cap = _SUM_LIMIT // (8 * n) - max(hi, 0)
    M = min(n * (hi - lo) + 1, cap)
    if M < 1 - lo:
        raise ParameterError("arc lengths too large for the symmetric transformation of the asymmetric TSP")
    return int(M)


def jv_matrix(D: np.ndarray, M: int | None = None) -> tuple[np.ndarray, int]:
    """``(S, M)``: the ``2n x 2n`` symmetric int64 matrix of the transformation (see the module documentation)."""
    D = np.asarray(D, dtype=np.int64)
    n = D.shape[0]
    if n > JV_MAX:
        raise UnsuitedInstance(f"an asymmetric TSP of {n} cities: tsp-ls takes at most {JV_MAX} (its Jonker-Volgenant "
                             f"transformation has 2n nodes); the lkh peer takes more")
    M = jv_offset(D) if M is None else int(M)
    cross = D + M
    np.fill_diagonal(cross, 0)  # the ghost edges
    far = 2 * (int(cross.max()) + 1)  # city-city and copy-copy: longer than any arc edge
    S = np.full((2 * n, 2 * n), far, dtype=np.int64)
    S[n:, :n] = cross          # S[n + i, j] = D[i, j] + M: the arc i -> j
    S[:n, n:] = cross.T
    np.fill_diagonal(S, 0)
    return S, M


#: the symmetric route (:func:`potential_slack`) is taken when the asymmetric remainder can change no tour's length
#: by more than this share of a lower bound on every tour: 0.01 %, below the search's own spread between seeds
POTENTIAL_TOL = 1e-4


def _potential(D: np.ndarray) -> np.ndarray:
    """The least-squares potential of ``D``'s antisymmetric part: ``p[j]`` = mean over ``i`` of
    ``(D[i, j] - D[j, i]) / 2`` (summing to 0)."""
    n = max(D.shape[0], 1)
    return (D.sum(axis=0, dtype=np.float64) - D.sum(axis=1, dtype=np.float64)) / (2.0 * n)


def potential_slack(D: np.ndarray, tile: int = 512, give_up: float | None = None) -> tuple[float, float]:
    """``(slack, scale)`` of writing ``D`` as a symmetric matrix plus a potential: ``D[i, j] = (D[i, j] + D[j, i]) / 2
    + p[j] - p[i] + R[i, j]``. The potential ``p`` cancels around every cycle, so a directed tour and its reverse
    have the same length under ``(D + D.T) / 2`` as under ``D`` up to the remainder ``R``: at most ``slack`` =
    ``sum_i max_j |R[i, j]|`` (each city has one outgoing arc). ``p`` is the least-squares potential of the
    antisymmetric part (``p[j]`` = mean over ``i`` of ``(D[i, j] - D[j, i]) / 2``); the slack is exact for it, so
    the route stays valid whatever the fit. ``scale`` = ``sum_i min_j (D[i, j] + D[j, i]) / 2``, a lower bound on
    every tour's length under the symmetric part. Tilted costs (a symmetric part plus a charge per unit of height
    gained, another per unit lost: the tilted drilling machines of the DIMACS ATSP challenge's ``rtilt`` class)
    and arcs that charge a city-dependent amount on leaving and entering are symmetric up to a potential; random
    arcs, no-wait flow shops and TSPLIB's ATSP instances are not. ``give_up``: stop after a block of rows whose
    slack is already above this share of their scale, and return the sums so far (0.47 s on a 3000-city random
    matrix in full, a sixth of that with the early stop)."""
    D = np.asarray(D)
    n = D.shape[0]
    if n < 3:
        return 0.0, 0.0
    p = _potential(D)
    slack = scale = 0.0
    for a in range(0, n, tile):
        b = min(n, a + tile)
        blk = D[a:b].astype(np.float64)
        tr = D[:, a:b].T.astype(np.float64)
        R = np.abs(0.5 * (blk - tr) - (p[None, :] - p[a:b, None]))
        slack += float(R.max(axis=1).sum())
        sym = 0.5 * (blk + tr)
        sym[np.arange(b - a), np.arange(a, b)] = np.inf
        scale += float(sym.min(axis=1).sum())
        if give_up is not None and b < n and slack > give_up * max(scale, 0.0):
            return slack, scale
    # float64 error of the sums above (each |entry| below 2^53): a relative 1e-12 of the largest arc per city
    slack += 1e-12 * n * float(np.abs(D).max())
    return slack, scale


def symmetric_route(D: np.ndarray) -> tuple[np.ndarray | None, float]:
    """``(D + D.T, slack)`` where ``D`` is symmetric up to a potential within :data:`POTENTIAL_TOL` of its
    shortest tours (see :func:`potential_slack`) and the doubled lengths stay exact in float64 sums; else
    ``(None, slack)``."""
    D = np.asarray(D, dtype=np.int64)
    slack, scale = potential_slack(D, give_up=10 * POTENTIAL_TOL)  # far off on the first rows: the other route
    n = D.shape[0]
    if n < 3 or slack > POTENTIAL_TOL * scale or 2 * float(np.abs(D).max()) * n >= _SUM_LIMIT:
        return None, slack
    S2 = D + D.T
    np.fill_diagonal(S2, 0)
    return S2, slack


#: the transformation's search runs on the potential-shifted lengths (:func:`potential_shifted`) when the potential
#: explains at least this share of the antisymmetric part (in squares)
SHIFT_EXPLAINED = 0.5


def potential_shifted(D: np.ndarray, tile: int = 512) -> tuple[np.ndarray, float]:
    """``(D[i, j] - p[j] + p[i], explained)`` with ``p`` the least-squares potential (see :func:`potential_slack`)
    rounded to integers, and the share of the antisymmetric part's squares that ``p`` explains. Every directed
    tour keeps its length exactly (the potential cancels around a cycle); the asymmetry left is the least the
    potentials can leave. ``explained`` is ``2 n sum(p^2) / sum(A^2)`` (the least-squares remainder is orthogonal
    to the fitted part): 0.006 on random arcs, 0.6 on TSPLIB's ftv instances, 0.98 on no-wait flow shops, 0.93 on
    tilted costs under the maximum norm (DIMACS ``stilt``)."""
    D = np.asarray(D, dtype=np.int64)
    n = D.shape[0]
    pf = _potential(D)
    total = 0.0
    for a in range(0, n, tile):
        b = min(n, a + tile)
        total += float(np.square(0.5 * (D[a:b].astype(np.float64) - D[:, a:b].T)).sum())
    explained = 2.0 * n * float(pf @ pf) / total if total > 0 else 0.0
    p = np.rint(pf).astype(np.int64)
    out = D - p[None, :] + p[:, None]
    np.fill_diagonal(out, 0)
    return out, explained


def oriented(tour: np.ndarray, D: np.ndarray) -> np.ndarray:
    """``tour`` forwards or backwards, whichever is shorter under the arc lengths ``D``, city 0 first."""
    t = np.asarray(tour, dtype=np.int64)
    b = t[::-1]
    if D[b, np.roll(b, -1)].sum() < D[t, np.roll(t, -1)].sum():
        t = b
    k = int(np.argmin(t))
    return np.ascontiguousarray(np.roll(t, -k))


def to_jv(tour: np.ndarray, n: int) -> np.ndarray:
    """The symmetric tour ``i, n+i, j, n+j, ...`` of the directed tour ``i -> j -> ...``."""
    t = np.asarray(tour, dtype=np.int64)
    out = np.empty(2 * t.size, dtype=np.int64)
    out[0::2] = t
    out[1::2] = t + n
    return out


def from_jv(T: np.ndarray, D: np.ndarray) -> np.ndarray:
    """A directed tour from any tour ``T`` of the transformed instance: its cities (nodes below ``n``) in tour
    order, forwards or backwards, whichever is shorter under ``D`` (the proper direction when ``T`` uses every
    ghost edge)."""
    n = D.shape[0]
    T = np.asarray(T, dtype=np.int64)
    return oriented(T[T < n], D)


def assignment_time(n: int) -> float:
    """About how long scipy's assignment takes on an ``n x n`` matrix (4e-11 n^3 s: 0.04 s at 1000 cities)."""
    return 4e-11 * n**3


def optimal_assignment(D: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """``(C, cols, value, big)``: the cheapest set of arcs with one out of and one into every city (``n >= 2``), as
    ``i -> cols[i]``, on ``C`` (``D`` in float64, C order, loops costing ``big``: more than any assignment without
    one can cost, ``n`` arcs of at most ``max |D|`` each, whatever the signs). Shared by the bound and the
    assignment descent (:mod:`.assignment`), which raises ``C``'s entries further as it branches."""
    from scipy.optimize import linear_sum_assignment

    C = np.array(D, dtype=np.float64, order="C")  # a copy: the caller's matrix is never changed
    n = C.shape[0]
    big = 2.0 * float(np.abs(C).max()) * n + 1.0
    np.fill_diagonal(C, big)
    rows, cols = linear_sum_assignment(C)
    if np.any(rows == cols):  # cannot happen for n >= 2; never report a loop's cost as a bound
        raise ArithmeticError("the assignment chose a loop")
    return C, np.ascontiguousarray(cols, dtype=np.int64), float(C[rows, cols].sum()), big


def assignment_bound(D: np.ndarray) -> float:
    """The assignment lower bound: the cheapest set of arcs with one out of and one into every city (no loops)."""
    return 0.0 if np.asarray(D).shape[0] < 2 else optimal_assignment(D)[2]


def directed_bound(D: np.ndarray, iterations: int) -> float:
    """The assignment bound, or where ``D`` is symmetric up to a potential (:func:`symmetric_route`) the Held-Karp
    bound of ``D + D.T`` (``iterations`` 1-trees) halved, less the slack, if that is higher."""
    from .bound import held_karp

    ap = assignment_bound(D)
    S2, slack = symmetric_route(D)
    if S2 is None:
        return ap
    hk = held_karp(S2, iterations)
    return max(ap, 0.5 * hk.bound - slack - 1e-10 * abs(hk.bound))


def directed_polisher(D: np.ndarray, k: int = 10):
    """``polish(tour)``: a directed tour at least as short as ``tour``, by 2-opt and Or-opt on the transformed
    instance (the symmetric moves; a reversal there is not one in ``D``), mapped back. The transformation and its
    neighbour lists are built once, for every tour polished; above :data:`JV_MAX` cities tours pass unchanged."""
    from .local import improve_tour, neighbour_lists

    n = D.shape[0]
    if n == 3:  # two tours, each the other reversed (passed unchanged before: 140 kept where the other is 33)
        def shorter(tour):
            t = np.asarray(tour, dtype=np.int64)
            r = t[::-1].copy()
            return r if D[r, np.roll(r, -1)].sum() < D[t, np.roll(t, -1)].sum() else t.copy()

        return shorter
    if n < 4 or n > JV_MAX:
        return lambda tour: np.asarray(tour, dtype=np.int64).copy()
    S, _ = jv_matrix(D)
    nbr = neighbour_lists(S, min(2 * n - 1, k))

    def polish(tour: np.ndarray) -> np.ndarray:
        t = np.asarray(tour, dtype=np.int64)
        new = from_jv(improve_tour(to_jv(t, n), S, nbr), D)
        return new if D[new, np.roll(new, -1)].sum() < D[t, np.roll(t, -1)].sum() else t.copy()

    return polish


def improve_directed(tour: np.ndarray, D: np.ndarray, k: int = 10) -> np.ndarray:
    """One tour through :func:`directed_polisher` (which see; build the polisher once for many tours)."""
    return directed_polisher(D, k)(tour)
