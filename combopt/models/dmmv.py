"""Discrete min-max violation (DMMV) model.

Minimise over ``x`` with ``x_i`` in a finite sorted domain ``D_i`` the peak
weighted violation::

    max_j  w_j * max(0, l_j - a_j.x, a_j.x - u_j)

with the sum of squared violations (L2) as the tie-break. Targets ``b`` are the
special case ``l = u = b``. Domains are uniform grids ``lo + k*step``
(``k = 0..count-1``) or explicit sorted value lists; internally every domain is
an explicit sorted list kept in one flat array (``dom_vals``) with offsets
(``dom_ptr``), and a solution is a vector of indices ``k`` into the domains.

The matrix is kept in CSC form (sorted row indices per column) because every
move of the local search changes one or two columns' worth of row sums.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..core.errors import ParameterError, located

#: refuse to expand domains into more values than this (memory guard)
MAX_DOMAIN_VALUES = 50_000_000


#: the LP relaxation (bound and start) is solved up to this many matrix entries (summed over a problem's blocks)
LP_MAX_NNZ = 400_000
#: about what the LP relaxation costs (HiGHS through scipy): seconds per matrix entry and per LP (measured on FIR
#: designs: 0.28 s for 117,000 entries at order 120, 0.75-0.89 s for 323,000 at order 200)
LP_S_PER_NNZ, LP_S_EACH = 3e-6, 2e-3
#: seconds of ``from scipy.optimize import linprog`` the first time in a process (0.26 s measured)
LP_IMPORT_S = 0.3


def lp_import_seconds() -> float:
    """What importing scipy's LP solver still costs in this process: :data:`LP_IMPORT_S` the first time, then 0
    (a 0.3 s run of a 4-variable model spent 0.4 s on its bound in a fresh process)."""
    return 0.0 if "scipy.optimize._linprog_highs" in sys.modules else LP_IMPORT_S


def uniform_domains(lo, step, count, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Flat ``(dom_ptr, dom_vals)`` of uniform grids ``lo_i + k*step_i``, ``k < count_i``.

    Scalars are broadcast to ``n`` variables.
    """
    lo = np.atleast_1d(np.asarray(lo, dtype=np.float64))
    step = np.atleast_1d(np.asarray(step, dtype=np.float64))
    count = np.atleast_1d(np.asarray(count))
    if n is None:
        n = max(lo.size, step.size, count.size)
    try:
        lo, step, count = (np.broadcast_to(a, (n,)) for a in (lo, step, count))
    except ValueError:
        raise located(ParameterError("domain lo, step and count must be scalars or have one entry per variable"),
                      "domain") from None
    if not np.all(np.isfinite(lo)) or not np.all(np.isfinite(step)):
        raise _domain_error("domain lo and step must be finite", ~(np.isfinite(lo) & np.isfinite(step)))
    if np.any(step <= 0):
        raise _domain_error("domain step must be positive", step <= 0)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(count) | (count != np.floor(count)) | (count < 1)
    if np.any(bad):
        raise _domain_error("domain count must be a positive integer", bad)
    if np.any(count > MAX_DOMAIN_VALUES):
        raise _domain_error(f"domain count must be at most {MAX_DOMAIN_VALUES}, got {float(np.max(count)):.17g}",
                            count > MAX_DOMAIN_VALUES)
    count = count.astype(np.int64)
    total = int(count.sum())
    if total > MAX_DOMAIN_VALUES:
        raise located(ParameterError(f"domains hold {total} values in all; at most {MAX_DOMAIN_VALUES} are "
                                     "supported"), "domain")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(count, out=ptr[1:])
    owner = np.repeat(np.arange(n), count)
    k = np.arange(total) - ptr[owner]
    vals = lo[owner] + step[owner] * k
    return ptr, vals.astype(np.float64)


def _domain_error(message: str, bad: np.ndarray) -> ParameterError:
    """``message`` about the domain of the first variable ``bad`` marks (all of them where every one is bad)."""
    first = np.flatnonzero(bad)
    at = ("domain",) if first.size == bad.size else ("domain", int(first[0]))
    return located(ParameterError(message), *at)


def nearest_in_grid(grid: np.ndarray, x) -> np.ndarray:
    """Index of the value of the sorted ``grid`` nearest to each ``x_i`` (ties to the lower value): one domain shared
    by every variable (:meth:`DMMV.nearest_indices` without a model, e.g. the taps of a long FIR filter)."""
    x = np.asarray(x, dtype=np.float64)
    pos = np.searchsorted(grid, x, side="left")  # first grid value >= x
    size = grid.size
    return _nearest_of(x, pos, size, grid[np.maximum(pos - 1, 0)], grid[np.minimum(pos, size - 1)])


def _nearest_of(x, p, sizes, left, right) -> np.ndarray:
    """The nearer of ``left`` (index ``p - 1``) and ``right`` (index ``p``, the first value >= ``x``) within domains
    of ``sizes`` values, ties to the lower one; ``p`` at either end takes the end value."""
    inner = (p > 0) & (p < sizes)
    pick_left = inner & ((x - left) <= (right - x))
    return np.where(p <= 0, 0, np.where(p >= sizes, sizes - 1, np.where(pick_left, p - 1, p))).astype(np.int64)


def list_domains(values: list) -> tuple[np.ndarray, np.ndarray]:
    """Flat ``(dom_ptr, dom_vals)`` of explicit value lists (sorted, duplicates removed)."""
    parts = []
    for i, v in enumerate(values):
        a = np.unique(np.asarray(v, dtype=np.float64).ravel())
        if a.size == 0:
            raise located(ParameterError(f"variable {i} has an empty domain"), "domain", i)
        if not np.all(np.isfinite(a)):
            raise located(ParameterError(f"variable {i} has a non-finite domain value"), "domain", i)
        parts.append(a)
    total = sum(a.size for a in parts)
    if total > MAX_DOMAIN_VALUES:
        raise located(ParameterError(f"domains hold {total} values in all; at most {MAX_DOMAIN_VALUES} are "
                                     "supported"), "domain")
    ptr = np.zeros(len(parts) + 1, dtype=np.int64)
    np.cumsum([a.size for a in parts], out=ptr[1:])
    vals = np.concatenate(parts) if parts else np.zeros(0)
    return ptr, vals


def dense_to_csc(D: np.ndarray) -> sp.csc_matrix:
    """``scipy.sparse.csc_matrix(D)`` of a 2-D array without scipy's COO detour (3.7 s for the 32 million entries of
    an order-2000 FIR filter): the same canonical arrays (explicit zeros, -0.0 included, left out)."""
    m, n = D.shape
    F = D.T  # column j of D is row j of F
    nz = F != 0
    idx = np.int32 if max(m, n, m * n) < 2**31 else np.int64  # scipy's choice: no downcasting copy
    if nz.all():
        data = np.ascontiguousarray(F).reshape(-1)
        indices = np.tile(np.arange(m, dtype=idx), n)
        indptr = np.arange(n + 1, dtype=np.int64) * m
    else:
        data = F[nz]
        indices = np.broadcast_to(np.arange(m, dtype=idx), (n, m))[nz]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.count_nonzero(nz, axis=1), out=indptr[1:])
    return sp.csc_matrix((data, indices, indptr), shape=(m, n))


#: what :meth:`DMMV._lp` returns for an LP its time limit cut short
_CUT = object()

#: the sum of squared weighted violations (the search's second criterion) must stay finite with room to spare
MAX_SQUARED = 1e300


def _safe_dual_bound(A_ub, b_ub, xlo, xhi, marginals) -> float:
    """A lower bound on ``min t`` s.t. ``A_ub (x, t) <= b_ub``, ``xlo <= x <= xhi``, ``t >= 0`` that any multipliers
    ``y >= 0`` give, exactly up to floating-point rounding (Neumaier and Shcherbina 2004): ``-b_ub.y`` plus each
    reduced cost times the end of its variable's range that minimises it, with ``y`` scaled so that ``t``'s reduced
    cost ``1 - sum(y)`` is not negative. The rounding of the sums is paid for by a margin of 1e-12 of their terms'
    magnitudes. ``-inf`` without usable multipliers."""
    if marginals is None:
        return -math.inf
    y = -np.asarray(marginals, dtype=np.float64)  # HiGHS's marginals of <= rows are <= 0
    if y.shape != b_ub.shape or not np.all(np.isfinite(y)):
        return -math.inf
    y = np.maximum(y, 0.0)
    total = float(y.sum())
    if total > 1.0:
        y = y / total
    r = A_ub.T @ y  # reduced costs of the x columns are r[:n]; t's is 1 + r[n] (its column holds -1 entries)
    rx = r[:-1]
    if 1.0 + r[-1] < 0.0:
        return -math.inf
    terms = np.concatenate([-b_ub * y, np.where(rx >= 0, rx * xlo, rx * xhi)])
    if not np.all(np.isfinite(terms)):
        return -math.inf
    mag = float(np.abs(b_ub) @ y + np.abs(A_ub).T @ y @ np.r_[np.maximum(np.abs(xlo), np.abs(xhi)), 0.0])
    # each reduced cost sums up to a column's entries, each term a few roundings: eps per entry, and 1e-12 besides
    return float(math.fsum(terms)) - (1e-12 + 4.5e-16 * sum(A_ub.shape)) * mag - 1e-300



@dataclass
class DMMV:
    """A discrete min-max violation instance.

    Parameters
    ----------
    A
        ``m x n`` matrix, dense array or any scipy sparse matrix.
    lower, upper
        Row bounds ``l <= A x <= u`` (``-inf`` / ``inf`` allowed on one side).
    dom_ptr, dom_vals
        Domains: variable ``i`` takes the values ``dom_vals[dom_ptr[i]:dom_ptr[i+1]]``
        (sorted ascending); see :func:`uniform_domains` and :func:`list_domains`.
    weights
        Positive row weights (default 1).
    name
        Instance name.
    """

    A: sp.csc_matrix
    lower: np.ndarray
    upper: np.ndarray
    dom_ptr: np.ndarray
    dom_vals: np.ndarray
    weights: np.ndarray = None  # type: ignore[assignment]
    name: str = "dmmv"
    _cache: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        A = self.A
        dense = None
        if sp.issparse(A):
            A = sp.csc_matrix(A, dtype=np.float64, copy=True)  # sorted in place below: never the caller's
        else:
            dense = np.asarray(A, dtype=np.float64)
            A = dense_to_csc(dense) if dense.ndim == 2 else sp.csc_matrix(dense)
        A.sum_duplicates()
        A.sort_indices()
        if A.ndim != 2:
            raise located(ParameterError("A must be a 2-D matrix"), "A")
        if not np.all(np.isfinite(A.data)):
            raise located(ParameterError("A has non-finite entries"), "A")
        self.A = A
        m, n = A.shape
        # own writeable copies: a contiguous (m,) input broadcast stays a read-only view, and the kernels were then
        # compiled once more for read-only arrays (three versions of each in the warm-up, 11 s of compilation)
        self.lower = np.array(np.broadcast_to(np.asarray(self.lower, dtype=np.float64), (m,)), order="C")
        self.upper = np.array(np.broadcast_to(np.asarray(self.upper, dtype=np.float64), (m,)), order="C")
        if self.weights is None:
            self.weights = np.ones(m)
        self.weights = np.array(np.broadcast_to(np.asarray(self.weights, dtype=np.float64), (m,)), order="C")
        for bad, what, part in ((np.isnan(self.lower), "row bounds must not be NaN", "lower"),
                                (np.isnan(self.upper), "row bounds must not be NaN", "upper"),
                                (self.lower > self.upper, "every row needs lower <= upper", "rows"),
                                (np.isinf(self.lower) & (self.lower == self.upper), "a row target cannot be infinite",
                                 "lower")):
            if np.any(bad):  # the part (lower, upper, or both: rows) and the row the message is about
                raise located(ParameterError(what), part, int(np.argmax(bad)))
        bad = ~np.isfinite(self.weights) | (self.weights <= 0)
        if np.any(bad):
            raise located(ParameterError("row weights must be positive and finite"), "weights", int(np.argmax(bad)))
        self.dom_ptr = np.ascontiguousarray(self.dom_ptr, dtype=np.int64)
        self.dom_vals = np.ascontiguousarray(self.dom_vals, dtype=np.float64)
        if self.dom_ptr.shape != (n + 1,):
            raise located(ParameterError(f"domains given for {self.dom_ptr.size - 1} variables, the matrix has {n} "
                                         "columns"), "domain")
        if self.dom_ptr[0] != 0 or self.dom_ptr[-1] != self.dom_vals.size or np.any(np.diff(self.dom_ptr) < 1):
            raise located(ParameterError("every variable needs a non-empty domain"), "domain")
        if not np.all(np.isfinite(self.dom_vals)):
            raise located(ParameterError("domain values must be finite"), "domain")
        d = np.diff(self.dom_vals)
        inner = np.ones(d.size, dtype=bool)
        inner[self.dom_ptr[1:-1] - 1] = False  # boundaries between variables
        if np.any(d[inner] <= 0):
            owner = np.searchsorted(self.dom_ptr, np.flatnonzero(inner & (d <= 0))[0], side="right") - 1
            raise located(ParameterError("every domain must be sorted ascending without duplicates"), "domain",
                          int(owner))
        self._check_magnitudes()
        if dense is not None and dense.ndim == 2 and self.is_dense():
            # the row-major copy that dense() would make from A (toarray took 1.4 s for an order-2000 FIR filter);
            # adding 0.0 turns -0.0 into the +0.0 that toarray writes for an entry A does not store
            self._cache["dense"] = np.add(dense, 0.0, order="C")

    def _check_magnitudes(self) -> None:
        """Refuse data whose violations could overflow: the largest weighted violation any point of the domains gives,
        squared and summed over the rows, must stay below ``MAX_SQUARED`` (1e308 entries made the objective inf). A
        loose bound from the largest entries first; the row-by-row bound only when that one fails."""
        m = self.m
        if m == 0:
            return
        xmax = np.maximum(np.abs(self.dom_vals[self.dom_ptr[:-1]]), np.abs(self.dom_vals[self.dom_ptr[1:] - 1]))
        ends = np.where(np.isfinite(self.lower), np.abs(self.lower), 0.0) + \
            np.where(np.isfinite(self.upper), np.abs(self.upper), 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            amax = float(np.abs(self.A.data).max(initial=0.0))
            loose = float(self.weights.max()) * (amax * float(xmax.sum()) + float(ends.max()))
            if math.isfinite(loose) and loose * loose * m <= MAX_SQUARED:
                return
            worst = self.weights * (abs(self.A) @ xmax + ends)
            total = float(np.sum(worst * worst))
        if not math.isfinite(total) or total > MAX_SQUARED:
            raise located(ParameterError(f"A, the row bounds and the weights are too large: a row's weighted "
                                         f"violation could reach {float(np.max(worst)):g}; the sum of squared "
                                         f"violations must stay below {MAX_SQUARED:g}"), "rows", int(np.argmax(worst)))

    # -- construction helpers -------------------------------------------------------
    @classmethod
    def with_targets(cls, A, b, dom_ptr, dom_vals, weights=None, name: str = "dmmv") -> DMMV:
        """``min max_j w_j |a_j.x - b_j|``."""
        b = np.asarray(b, dtype=np.float64)
        return cls(A, b, b.copy(), dom_ptr, dom_vals, weights, name)

    # -- shape ------------------------------------------------------------------------
    @property
    def m(self) -> int:
        return self.A.shape[0]

    @property
    def n(self) -> int:
        return self.A.shape[1]

    @property
    def domain_sizes(self) -> np.ndarray:
        return np.diff(self.dom_ptr)

    def domain(self, i: int) -> np.ndarray:
        return self.dom_vals[self.dom_ptr[i] : self.dom_ptr[i + 1]]

    def csc_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr int64, row indices int64 sorted per column, values float64)``."""
        c = self._cache.get("csc")
        if c is None:
            A = self.A
            c = (A.indptr.astype(np.int64), A.indices.astype(np.int64), np.ascontiguousarray(A.data, dtype=np.float64))
            self._cache["csc"] = c
        return c

    def use_arrays(self, csc=None, csr=None) -> None:
        """Hand over what :meth:`csc_arrays` / :meth:`csr_arrays` return, made by the caller with the matrix (int64
        ``indptr`` and indices, float64 values, equal to ``A``'s; checked for their shapes and types only): made in a
        solve, the 1 GB of fresh memory of a 512 x 512 tomography's index arrays took 1.5-3 s of its time limit."""
        m, n = self.A.shape
        for arrs, major in ((csc, n), (csr, m)):
            if arrs is None:
                continue
            ptr, idx, val = arrs
            if not (ptr.dtype == idx.dtype == np.int64 and val.dtype == np.float64 and ptr.shape == (major + 1,)
                    and idx.shape == val.shape == (self.A.nnz,)):
                raise ParameterError("use_arrays needs int64 indptr and indices and float64 values of A's shape")
        if csc is not None:
            self._cache["csc"] = tuple(np.ascontiguousarray(a) for a in csc)
        if csr is not None:
            self._cache["csr"] = tuple(np.ascontiguousarray(a) for a in csr)

    def csr_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr int64, column indices int64 sorted per row, values float64)``."""
        c = self._cache.get("csr")
        if c is None:
            m, n = self.A.shape
            D = self._cache.get("dense")
            if D is not None and self.A.nnz == m * n:  # every entry stored: the row layout is the dense copy itself
                c = (np.arange(m + 1, dtype=np.int64) * n, np.tile(np.arange(n, dtype=np.int64), m), D.ravel())
            else:
                R = self.A.tocsr()
                R.sort_indices()
                c = (R.indptr.astype(np.int64), R.indices.astype(np.int64),
                     np.ascontiguousarray(R.data, dtype=np.float64))
            self._cache["csr"] = c
        return c

    def is_dense(self) -> bool:
        """At least half of the entries are non-zero: kept as a dense copy for screening and CuPy."""
        return 2 * self.A.nnz >= self.m * self.n

    def dense(self) -> np.ndarray:
        """Row-major dense copy of ``A`` (cached)."""
        D = self._cache.get("dense")
        if D is None:
            D = np.ascontiguousarray(self.A.toarray())
            self._cache["dense"] = D
        return D

    # -- values and indices ----------------------------------------------------------
    def values(self, k) -> np.ndarray:
        """Domain values of the index vector ``k``."""
        k = np.asarray(k, dtype=np.int64)
        if k.shape != (self.n,):
            raise ParameterError(f"expected {self.n} indices, got shape {k.shape}")
        if np.any(k < 0) or np.any(k >= self.domain_sizes):
            raise ParameterError("domain index out of range")
        return self.dom_vals[self.dom_ptr[:-1] + k]

    def nearest_indices(self, x) -> np.ndarray:
        """Index of the domain value nearest to each ``x_i`` (ties to the lower value)."""
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (self.n,):
            raise ParameterError(f"expected {self.n} values, got shape {x.shape}")
        # a bisection of every variable's sorted domain at once (a loop over the variables took 3.2 s on a
        # 512 x 512 tomography)
        vals = self.dom_vals
        start, stop = self.dom_ptr[:-1].astype(np.int64), self.dom_ptr[1:].astype(np.int64)
        lo, hi = start.copy(), stop.copy()  # first position in [start, stop) whose value is >= x
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            below = active & (vals[np.minimum(mid, vals.size - 1)] < x)
            lo = np.where(below, mid + 1, lo)
            hi = np.where(active & ~below, mid, hi)
        left, right = vals[np.maximum(lo - 1, 0)], vals[np.minimum(lo, vals.size - 1)]
        return _nearest_of(x, lo - start, stop - start, left, right)

    def membership(self, x, rtol: float = 1e-9) -> np.ndarray:
        """Boolean per variable: is ``x_i`` one of its domain values (up to ``rtol``)?"""
        x = np.asarray(x, dtype=np.float64)
        k = self.nearest_indices(x)
        v = self.dom_vals[self.dom_ptr[:-1] + k]
        return np.abs(v - x) <= rtol * np.maximum(1.0, np.abs(v))

    # -- objective ------------------------------------------------------------------------
    def violations(self, x) -> np.ndarray:
        """Weighted violation of every row at the values ``x``."""
        s = self.A @ np.asarray(x, dtype=np.float64)
        return self.weights * np.maximum(0.0, np.maximum(self.lower - s, s - self.upper))

    def objective(self, x) -> tuple[float, float]:
        """``(max violation, sum of squared violations)`` at the values ``x``."""
        v = self.violations(x)
        return (float(v.max()) if v.size else 0.0), float(v @ v)

    def tolerance(self) -> float:
        """Absolute tolerance for comparing (weighted) violations: 1e-10 of the largest weighted row scale, each row's
        weight times the larger of its finite bounds and ``max |a| * max |value|`` (the largest target times the
        largest weight of another row made it 1000 on a FIR design whose objective was 3.45, and the search called a
        start 2.3 above its LP bound optimal)."""
        t = self._cache.get("tol")
        if t is None:
            d = self.A.data  # max |a| without a temporary of |A| (50 million entries on a 512 x 512 tomography)
            colmax = max(float(d.max()), -float(d.min())) if d.size else 0.0
            vmax = max(float(self.dom_vals.max()), -float(self.dom_vals.min())) if self.dom_vals.size else 0.0
            row = np.maximum(np.where(np.isfinite(self.lower), np.abs(self.lower), 0.0),
                             np.where(np.isfinite(self.upper), np.abs(self.upper), 0.0))
            scale = float(np.max(self.weights * np.maximum(row, colmax * vmax))) if row.size else 0.0
            t = 1e-10 * max(scale, 1e-300)
            self._cache["tol"] = t
        return t

    # -- bounds ------------------------------------------------------------------------
    def uniform_grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(lo, step, count)`` when every domain is a uniform grid (or a single value)."""
        sizes = self.domain_sizes
        lo = self.dom_vals[self.dom_ptr[:-1]]
        hi = self.dom_vals[self.dom_ptr[1:] - 1]
        step = np.where(sizes > 1, (hi - lo) / np.maximum(sizes - 1, 1), 1.0)
        owner = np.repeat(np.arange(self.n), sizes)
        k = np.arange(self.dom_vals.size) - self.dom_ptr[owner]
        expect = lo[owner] + step[owner] * k
        if not np.allclose(expect, self.dom_vals, rtol=1e-12, atol=1e-12 * max(1.0, float(np.max(np.abs(hi))))):
            return None
        return lo, step, sizes

    def lp_bound(self, max_nnz: int = LP_MAX_NNZ) -> float | None:
        """Lower bound from the continuous relaxation ``x_i in [min D_i, max D_i]``.

        Solved with scipy's HiGHS LP; ``None`` when the model is larger than
        ``max_nnz`` non-zeros or the LP fails.
        """
        res = self.lp_relaxation(max_nnz)
        return None if res is None else res[0]

    def lp_seconds(self) -> float:
        """About how long :meth:`lp_relaxation` takes (0 once solved: it is kept); without scipy's LP import, which
        :func:`lp_import_seconds` adds once for all the models of a problem."""
        return 0.0 if "lp" in self._cache else LP_S_EACH + LP_S_PER_NNZ * self.A.nnz

    def lp_relaxation(self, max_nnz: int = LP_MAX_NNZ, seconds: float | None = None
                      ) -> tuple[float, np.ndarray] | None:
        """``(lower bound, continuous minimiser)`` of the relaxation, or ``None`` (too large / failed / not solved
        within ``seconds``, HiGHS's time limit: an LP cut short is not kept, a later call with more time solves it).
        :meth:`lp_seconds` is an estimate from FIR designs; a dense Gaussian 600 x 400 model took 4.4 s, six times
        it, inside a 1 s run."""
        if "lp" in self._cache:
            return self._cache["lp"]
        if self.A.nnz > max_nnz:
            self._cache["lp"] = None
            return None
        if seconds is not None and seconds <= self._cache.get("lp_cut_within", 0.0):
            return None  # cut short before with at least this much time
        got = self._lp(seconds)
        if got is _CUT:
            self._cache["lp_cut_within"] = float(seconds)
            return None
        self._cache["lp"] = got
        return got

    def lp_solved(self) -> bool:
        """True once :meth:`lp_relaxation` has its answer (a result or a failure, not a cut by its time limit)."""
        return "lp" in self._cache

    def _lp(self, seconds: float | None = None):
        from scipy.optimize import linprog

        m, n = self.m, self.n
        xlo = self.dom_vals[self.dom_ptr[:-1]]
        xhi = self.dom_vals[self.dom_ptr[1:] - 1]
        up = np.isfinite(self.upper)
        lo = np.isfinite(self.lower)
        # the peak violation ``t`` in units of the largest weighted term where it is below 1: HiGHS's tolerances are
        # absolute, and a FIR of band weights 1e-6 had its LP bound (6.8e-8) lost in them and the step back below
        W = sp.diags(self.weights) @ self.A.tocsr()
        reach = float(np.max(np.maximum(np.abs(xlo), np.abs(xhi)), initial=0.0))
        unit = max([float(abs(W).max()) * reach if W.nnz else 0.0]
                   + [float(np.max(np.abs(self.weights[f] * side[f]))) for f, side in ((up, self.upper),
                                                                                     (lo, self.lower)) if f.any()])
        unit = unit if 0.0 < unit < 1.0 else 1.0
        W = W / unit
        rows, rhs = [], []
        one = sp.csr_matrix(np.ones((m, 1)))
        if up.any():
            rows.append(sp.hstack([W[up], -one[up]]))
            rhs.append(self.weights[up] * self.upper[up] / unit)
        if lo.any():
            rows.append(sp.hstack([-W[lo], -one[lo]]))
            rhs.append(-self.weights[lo] * self.lower[lo] / unit)
        if not rows:
            return 0.0, xlo.copy()
        A_ub = sp.vstack(rows).tocsc()
        b_ub = np.concatenate(rhs)
        c = np.zeros(n + 1)
        c[-1] = 1.0
        bounds = np.column_stack([np.r_[xlo, 0.0], np.r_[xhi, np.inf]])
        opts = {} if seconds is None else {"time_limit": max(float(seconds), 1e-3)}
        try:
            res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs", options=opts)
        except (ValueError, MemoryError):  # pragma: no cover - defensive
            return None
        if res.status == 1 and seconds is not None:
            return _CUT
        if res.status != 0:
            return None
        # the LP optimum is accurate to the solver's tolerance; step back by it so the bound stays valid, unless the
        # dual multipliers prove more (a bound that meets an LP-tight incumbent proves it optimal); both in the LP's
        # unit, scaled back
        bound = max(0.0, float(res.fun) - 1e-7 * max(1.0, abs(float(res.fun))))
        safe = _safe_dual_bound(A_ub, b_ub, xlo, xhi, getattr(getattr(res, "ineqlin", None), "marginals", None))
        return max(bound, min(safe, float(res.fun))) * unit, np.clip(res.x[:n], xlo, xhi)

    # -- exact MILP --------------------------------------------------------------------
    def to_pulp(self, name: str | None = None):
        """``min t`` s.t. ``w_j (a_j.x - u_j) <= t``, ``w_j (l_j - a_j.x) <= t``, integer domain indices.

        Uniform-grid domains become one integer variable per ``x_i``; explicit
        value lists a one-hot set of binaries. Returns ``(prob, decode)`` where
        ``decode()`` gives the index vector ``k``.
        """
        import pulp

        nm = (name or self.name or "dmmv").replace("-", "_").replace(".", "_").replace(" ", "_")
        prob = pulp.LpProblem(nm, pulp.LpMinimize)
        t = prob.add_variable("t", 0, None)
        prob += t
        decode = self.add_to_pulp(prob, t, "")
        return prob, decode

    def add_to_pulp(self, prob, t, prefix: str = "", unit: float = 1.0):
        """Add this model's variables and rows to ``prob`` with ``t`` as its peak violation in units of ``unit`` (the
        rows are divided by it: violations of 1e-11 are below the back ends' feasibility tolerances of 1e-7, which
        made every point feasible at t = 0).

        Returns ``decode()`` giving the index vector ``k`` after a solve.
        """
        import pulp

        from .milp import binary_var

        grid = self.uniform_grid()
        n = self.n
        xexpr: list[list[tuple]] = []
        xconst = np.zeros(n)
        decoders: list = []
        for i in range(n):
            d = self.domain(i)
            xconst[i] = d[0]
            if d.size == 1:
                xexpr.append([])
                decoders.append(None)
            elif grid is not None:
                k = prob.add_variable(f"{prefix}k{i}", 0, int(d.size) - 1, cat=pulp.LpInteger)
                xexpr.append([(k, float(grid[1][i]))])
                decoders.append(("int", k))
            else:
                z = [binary_var(prob, f"{prefix}z{i}_{q}") for q in range(d.size)]
                prob += pulp.lpSum(z) == 1
                xexpr.append([(z[q], float(d[q] - d[0])) for q in range(1, d.size)])
                decoders.append(("onehot", z))
        R = self.A.tocsr()
        R.sort_indices()
        base = R @ xconst
        for j in range(self.m):
            cols = R.indices[R.indptr[j] : R.indptr[j + 1]]
            coefs = R.data[R.indptr[j] : R.indptr[j + 1]]
            terms: dict = {}
            for i, a in zip(cols, coefs, strict=True):
                for var, c in xexpr[i]:
                    terms[var] = terms.get(var, 0.0) + float(a) * c
            w = float(self.weights[j]) / unit
            expr = pulp.LpAffineExpression([(var, w * c) for var, c in terms.items()])
            if np.isfinite(self.upper[j]):
                prob += expr - t <= w * (float(self.upper[j]) - float(base[j]))
            if np.isfinite(self.lower[j]):
                prob += -expr - t <= -w * (float(self.lower[j]) - float(base[j]))
        sizes = self.domain_sizes

        def decode() -> np.ndarray:
            k = np.zeros(n, dtype=np.int64)
            for i, dec in enumerate(decoders):
                if dec is None:
                    continue
                if dec[0] == "int":
                    k[i] = int(round(dec[1].value() or 0.0))
                else:
                    k[i] = int(np.argmax([zz.value() or 0.0 for zz in dec[1]]))
            return np.clip(k, 0, sizes - 1)

        return decode

    def pulp_values(self, k: np.ndarray, prefix: str = "") -> dict[str, float]:
        """The values of :meth:`add_to_pulp`'s variables (same ``prefix``) at the index vector ``k``: a MILP warm
        start."""
        grid = self.uniform_grid()
        out: dict[str, float] = {}
        for i in range(self.n):
            size = self.domain(i).size
            if size == 1:
                continue
            if grid is not None:
                out[f"{prefix}k{i}"] = float(k[i])
            else:
                out.update({f"{prefix}z{i}_{q}": float(q == k[i]) for q in range(size)})
        return out

    def describe(self) -> str:
        return f"DMMV {self.name}: {self.m} rows, {self.n} variables, {self.A.nnz} non-zeros"


def max_violation(model: DMMV, x) -> float:
    """Peak weighted violation of ``x`` (convenience wrapper)."""
    return model.objective(x)[0]


def to_db(value: float) -> float:
    """``20 log10(value)`` (``-inf`` for 0)."""
    return 20.0 * math.log10(value) if value > 0 else -math.inf


@dataclass
class TieBreak:
    """A regulariser that breaks ties among solutions of equal (max, L2) violation.

    ``R(x) = sum over edges {i, j} of w_ij |x_i - x_j|  +  ref_weight * sum_i (x_i - ref_i)^2``.
    The edges are kept as a symmetric CSR adjacency (``ptr``, ``idx``, ``w``: every
    edge appears once from each end). ``ref`` may be empty (no reference term).
    """

    ptr: np.ndarray
    idx: np.ndarray
    w: np.ndarray
    ref: np.ndarray
    ref_weight: float = 0.0

    @classmethod
    def from_pairs(cls, n: int, pairs, edge_weight: float = 1.0, ref=None, ref_weight: float = 0.0) -> TieBreak:
        """Edges ``pairs`` (``(E, 2)`` variable indices) of equal weight, optional reference ``ref``."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        if pairs.size and (pairs.min() < 0 or pairs.max() >= n):
            raise ParameterError("tie-break edges must join variables 0..n-1")
        if edge_weight < 0 or ref_weight < 0:
            raise ParameterError("tie-break weights must be >= 0")
        if edge_weight == 0:
            pairs = pairs[:0]
        a = np.concatenate([pairs[:, 0], pairs[:, 1]])
        b = np.concatenate([pairs[:, 1], pairs[:, 0]])
        order = np.lexsort((b, a))
        a, b = a[order], b[order]
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(a, minlength=n), out=ptr[1:])
        r = np.zeros(0) if ref is None or ref_weight == 0 else np.ascontiguousarray(ref, dtype=np.float64)
        if r.size not in (0, n):
            raise ParameterError(f"tie-break reference must have {n} entries")
        rw = float(ref_weight) if r.size else 0.0
        return cls(ptr, b.astype(np.int64), np.full(b.size, float(edge_weight)), r, rw)

    def value(self, x) -> float:
        """``R(x)``."""
        x = np.asarray(x, dtype=np.float64)
        owner = np.repeat(np.arange(self.ptr.size - 1), np.diff(self.ptr))
        tv = 0.5 * float(np.sum(self.w * np.abs(x[owner] - x[self.idx])))
        return tv + (self.ref_weight * float(np.sum((x - self.ref) ** 2)) if self.ref.size else 0.0)
