"""Discrete min-max violation problems: the shared adapter base and generic instance files.

Kind ``dmmv``: bring your own ``min_x max_j w_j * viol_j(A x)`` with discrete
domains. Two file formats:

``.npz`` (``numpy.savez``; read with ``allow_pickle=False``)
    * the matrix: ``A`` (dense ``m x n``), or CSR parts ``A_data``, ``A_indices``,
      ``A_indptr``, ``A_shape``;
    * the rows: ``b`` (targets), or ``lower`` and/or ``upper`` (``-inf``/``inf``
      allowed); optional ``weights`` (positive);
    * the domains: ``lo``, ``step``, ``count`` (scalars or one per variable: the
      grid ``lo + k*step``, ``k < count``), or ``values`` (``n x K``, rows padded
      with NaN: explicit value lists).

``.dmmv.json`` (a JSON object with ``"format": "dmmv"``)
    ``{"format": "dmmv", "A": [[...], ...] or {"shape": [m, n], "rows": [...],
    "cols": [...], "values": [...]}, "b": [...] or "lower"/"upper" (``null`` for
    an open side), "weights": [...], "domain": {"lo": .., "step": .., "count": ..}
    or {"values": [...]}, or "domains": [one such object per variable]}``.

Solutions are the vector of values ``x`` (JSON: a list of numbers); the
objective is the peak weighted violation.
"""

from __future__ import annotations

import json
import math
import time
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...core.errors import InputError, NoSuchInstance, ParameterError, located
from ...core.io import register_reader
from ...core.limits import check_memory
from ...core.problem import Evaluation, Problem
from ...core.registry import register_kind
from ...core.safeio import NPY_ERRORS
from ...models.dmmv import DMMV, LP_MAX_NNZ, list_domains, lp_import_seconds, uniform_domains
from . import jsoncheck
from .jsoncheck import DOMAIN_KEYS, JSON_KEYS, known_keys, no_text_numbers, one_domain_form, with_located_line

register_kind("dmmv", ("milp",))

#: limits on what an instance file may ask us to allocate
MAX_DENSE_ENTRIES = 50_000_000
MAX_NNZ = 50_000_000
MAX_LISTED = 20
#: results kept per instance by :func:`memo_by_content`
MEMO_SIZE = 4


def memo_by_content(owner, slot: str, arr: np.ndarray, compute):
    """``compute()`` for the array ``arr``, kept in ``owner.__dict__[slot]`` for the last :data:`MEMO_SIZE` arrays and
    found again by content (dtype, shape and bytes, compared in full): a run evaluates its answer several times (the
    search's offer, the result's re-evaluation, the report), each a pass over a large instance (0.1 s for a 512 x 512
    tomography, about 1 s for an order-2000 FIR filter). Pure functions of ``arr`` only."""
    arr = np.ascontiguousarray(arr)
    key = (arr.dtype.str, arr.shape, arr.tobytes())
    memo = owner.__dict__.setdefault(slot, {})
    if key in memo:
        return memo[key]
    val = compute()
    while len(memo) >= MEMO_SIZE:
        memo.pop(next(iter(memo)))
    memo[key] = val
    return val


class DMMVBase(Problem):
    """Common machinery of the problems that reduce to one or more DMMV models.

    Subclasses provide :meth:`blocks` (independent DMMV models; most problems
    have one, weight quantization one per weight row), :meth:`solution_from_blocks`
    (index vectors to the problem's solution), :meth:`start_points` (named warm
    starts) and an independent :meth:`evaluate`. The objective of a
    multi-block problem is the mean of the blocks' peak violations.
    """

    sense = "min"
    #: name of the warm start the ``dmmv-round`` baseline uses by default
    baseline_start = "lp"
    #: warm start of ``dmmv`` with ``start=auto`` (``None``: the start of lowest objective)
    preferred_start: str | None = None
    #: warm starts built only when asked for by name (``start=NAME``), not offered to ``start=auto``
    optional_starts: tuple[str, ...] = ()

    # -- to implement ---------------------------------------------------------------
    def blocks(self) -> list[DMMV]:  # pragma: no cover - abstract
        raise NotImplementedError

    def solution_from_blocks(self, ks: list[np.ndarray]):  # pragma: no cover - abstract
        raise NotImplementedError

    def blocks_from_solution(self, solution) -> list[np.ndarray] | None:
        """Index vectors of a solution (``None`` when it is not on the grids)."""
        return None

    def start_points(self, deadline: float | None = None) -> dict[str, list[np.ndarray]]:
        """Named warm starts (index vectors per block); default: rounded LP and least squares. ``deadline``
        (``time.monotonic()``): families with iterative baselines stop them there (tomography)."""
        out: dict[str, list[np.ndarray]] = {}
        lp = self._lps(deadline)  # by the deadline: else a short run spent seconds on it and never searched
        notes = self.__dict__.setdefault("_start_notes", {})
        notes.pop("lp_cut", None)
        if all(r is not None for r in lp):
            out["lp"] = [b.nearest_indices(r[1]) for b, r in zip(self.blocks(), lp, strict=True)]
        elif not all(b.lp_solved() for b in self.blocks()):
            notes["lp_cut"] = "no LP start: the LP relaxation did not finish in the start's share of the time"
        out["ls"] = [b.nearest_indices(least_squares_start(b)) for b in self.blocks()]
        return out

    def construct(self, deadline: float | None = None):
        """The family's baseline warm start rounded to the grid (``baseline_start``, else any); iterative
        baselines stop at ``deadline`` (``time.monotonic()``; the cold-start path passes the run's end)."""
        starts = self.starts(deadline)
        name = self.baseline_start if self.baseline_start in starts else next(iter(starts), None)
        return None if name is None else self.solution_from_blocks([k.copy() for k in starts[name]])

    def prepare(self, deadline: float | None = None) -> str | None:
        """Build what the search needs (the models) by ``deadline`` (``time.monotonic()``): a reason when that does
        not fit (the ``dmmv`` solver then answers with :meth:`fallback_start`), else ``None``. Families whose model
        is costly to build check the clock while building it (FIR); the default builds the blocks."""
        self.blocks()
        return None

    def fallback_start(self) -> tuple[str, list[np.ndarray]]:
        """``(name, index vectors)`` of the cheapest valid answer, a rounding that needs no costly model: the answer
        of a run that has no start yet (Ctrl-C during the set-up, a model that cannot be built in time). Default:
        every variable at its domain value nearest to 0."""
        return "zero", [b.nearest_indices(np.zeros(b.n)) for b in self.blocks()]

    def report(self, solution) -> dict:
        """Family-specific metrics of a solution (added to the result's ``info``)."""
        return {}

    def focus_mask(self, ks: list[np.ndarray]) -> list[np.ndarray | None] | None:
        """Per block, the variables the ``dmmv`` search may move from the start ``ks`` (``None``: all)."""
        return None

    def tie_break(self):
        """A :class:`combopt.models.dmmv.TieBreak` for the ``dmmv`` solver's final polish (``None``: none)."""
        return None

    # -- shared ------------------------------------------------------------------------
    def starts(self, deadline: float | None = None) -> dict[str, list[np.ndarray]]:
        """Cached :meth:`start_points` (a set that the ``deadline`` cut short is not kept: the next call builds
        it again, in full when it has the time)."""
        cache = self.__dict__.setdefault("_starts", None)
        if cache is None:
            cache = self.start_points(deadline)
            if not self.start_notes_cut():
                self.__dict__["_starts"] = cache
        return cache

    def start_notes_cut(self) -> bool:
        """True when a start was cut short by a deadline (see :meth:`start_notes`)."""
        return any(k.endswith("_cut") for k in self.__dict__.get("_start_notes", {}))

    def extra_start(self, name: str) -> list[np.ndarray] | None:
        """Build the optional start ``name`` (one of :attr:`optional_starts`); ``None`` when unavailable."""
        return None

    def start_named(self, name: str, deadline: float | None = None) -> list[np.ndarray] | None:
        """The start ``name``: a cached :meth:`starts` entry, or an optional start built (and cached) now."""
        st = self.starts(deadline)
        if name not in st and name in self.optional_starts:
            ks = self.extra_start(name)
            if ks is not None:
                st[name] = ks
        return st.get(name)

    def start_notes(self) -> dict:
        """What building the starts reported (added to the solvers' ``info``)."""
        return dict(self.__dict__.get("_start_notes", {}))

    @property
    def num_variables(self) -> int:
        return sum(b.n for b in self.blocks())

    def block_objective(self, ks: list[np.ndarray]) -> tuple[float, float]:
        """``(aggregated peak violation, summed L2)`` of index vectors, via the models."""
        vals = [b.objective(b.values(k)) for b, k in zip(self.blocks(), ks, strict=True)]
        return float(np.mean([v[0] for v in vals])), float(sum(v[1] for v in vals))

    #: PuLP terms a second :meth:`to_pulp` builds (measured 1.8-2.0 million on the order-200 and order-400 FIR
    #: designs, 0.8 million on a 32x32 tomography, the warm start included)
    milp_terms_per_s = 1_000_000

    def milp_terms(self) -> int:
        """The nonzero terms :meth:`to_pulp` builds: per row and finite side, one term per variable it touches (per
        value but the first for value lists; none for a fixed variable) and ``t``; plus the value lists' one-hot
        rows."""
        total = 0
        for b in self.blocks():
            sides = np.isfinite(b.upper).astype(np.int64) + np.isfinite(b.lower)
            sizes = np.asarray(b.domain_sizes, dtype=np.int64)
            grid = b.uniform_grid() is not None
            w = (sizes > 1).astype(np.int64) if grid else sizes - 1
            per_row = (b.A != 0).astype(np.int64) @ w
            total += int(((per_row + 1) * sides).sum())
            if not grid:
                total += int(sizes[sizes > 1].sum())
        return total

    def to_pulp(self):
        """Exact MILP: ``min t`` (mean of ``t_b`` over the blocks) with integer domain indices, carrying
        :meth:`fallback_start` (the family's cheap rounding: rounded Remez for FIR) as the back end's warm start
        (:class:`~combopt.models.milp.WarmStartModel`), as a user handing the model to a MILP solver would: a MILP
        stopped before its own heuristics find anything then answers with that rounding (a 60 s HiGHS run on an
        order-1000 FIR design, still in its root LP, ended with a ripple of 995 without it)."""
        import pulp

        from ...models.milp import WarmStartModel

        blocks = self.blocks()
        prob = WarmStartModel(f"{self.kind}_{self.name}".replace("-", "_").replace(".", "_").replace(" ", "_"),
                              pulp.LpMinimize)
        # t in units of the violations' size: rows of 1e-12 are not lost in the back ends' tolerances, and rows all of
        # 1e12 and more are divided by the smallest of them (CBC called a peak of 1.2e13 optimal where 1e13 was
        # reachable), never below 1 (band weights of 1e-9 beside 1e9 would vanish in HiGHS's tolerances)
        unit = self.objective_scale()
        unit = max(1.0, self.violation_tops()[0]) if unit >= 1.0 else unit
        ts, decs = [], []
        for q, b in enumerate(blocks):
            t = prob.add_variable(f"t{q}" if len(blocks) > 1 else "t", 0, None)
            ts.append(t)
            decs.append(b.add_to_pulp(prob, t, f"b{q}_" if len(blocks) > 1 else "", unit=unit))
        prob += pulp.lpSum(ts) * (unit / len(blocks))
        prob.objective_unit = unit  # the back end gets the objective in these units too
        _, ks = self.fallback_start()
        warm: dict[str, float] = {}
        for q, (b, k, t) in enumerate(zip(blocks, ks, ts, strict=True)):
            warm[t.name] = b.objective(b.values(k))[0] / unit * (1.0 + 1e-9) + 1e-12
            warm.update(b.pulp_values(k, f"b{q}_" if len(blocks) > 1 else ""))
        prob.warm = warm
        return prob, lambda: self.solution_from_blocks([d() for d in decs])

    def violation_tops(self) -> tuple[float, float]:
        """``(smallest, largest)`` over the rows of a row's largest weighted term of a violation (``w_j |A_ji|
        max|x_i|``, ``w_j |l_j|``, ``w_j |u_j|``), rows without any left out; ``(0, 0)`` for a model without any."""
        kept = self.__dict__.get("_violation_tops")
        if kept is None:
            lo, hi = math.inf, 0.0
            for b in self.blocks():
                reach = np.zeros(b.A.shape[1])
                has = np.diff(b.dom_ptr) > 0
                if b.dom_vals.size:
                    reach[has] = np.maximum.reduceat(np.abs(b.dom_vals), b.dom_ptr[:-1][has])
                row = np.zeros(b.A.shape[0])
                if b.A.nnz:
                    row = np.asarray(abs(sp.csr_matrix(b.A)).multiply(reach[None, :]).max(axis=1).todense()).ravel()
                for side in (b.lower, b.upper):
                    fin = np.isfinite(side)
                    row[fin] = np.maximum(row[fin], np.abs(side[fin]))
                row = row * b.weights
                pos = row[row > 0]
                if pos.size:
                    lo, hi = min(lo, float(pos.min())), max(hi, float(pos.max()))
            kept = self.__dict__["_violation_tops"] = (lo if hi > 0 else 0.0, hi)
        return kept

    def objective_scale(self) -> float:
        """The largest of :meth:`violation_tops` where it is below 1: rows of coefficients near 1e-12 have violations
        of that size, and an absolute tolerance of 1e-9 proved 1.1e-11 optimal where 1e-12 was reachable
        (``dmmv-round``, and ``milp`` whose back ends stop at an absolute gap of 1e-6)."""
        top = self.violation_tops()[1]
        return min(1.0, top) if top > 0 else 1.0

    def bound_within(self, seconds: float) -> float | None:
        """:meth:`bound` when the blocks' LPs are solved already or take about ``seconds`` or less, and only what
        HiGHS solves in ``seconds`` (the estimate is from FIR designs: other models' LPs take several times it)."""
        if sum(b.A.nnz for b in self.blocks()) > LP_MAX_NNZ:
            return None
        if sum(b.lp_seconds() for b in self.blocks()) + lp_import_seconds() > seconds:
            return None
        return self._lp_mean(time.monotonic() + seconds)

    def bound(self) -> float | None:
        """Mean over the blocks of the continuous (LP) relaxation bound, for small models."""
        return None if sum(b.A.nnz for b in self.blocks()) > LP_MAX_NNZ else self._lp_mean(None)

    def _lps(self, deadline: float | None) -> list:
        """Each block's :meth:`~combopt.models.dmmv.DMMV.lp_relaxation`, HiGHS stopped at ``deadline``
        (``time.monotonic()``; ``None``: no limit)."""
        return [b.lp_relaxation(seconds=None if deadline is None else max(deadline - time.monotonic(), 1e-3))
                for b in self.blocks()]

    def _lp_mean(self, deadline: float | None) -> float | None:
        vals = self._lps(deadline)
        return None if any(v is None for v in vals) else float(np.mean([v[0] for v in vals]))


def least_squares_start(model: DMMV) -> np.ndarray:
    """Box-constrained least-squares fit of ``A x`` to the row targets (midpoints of finite bounds)."""
    from scipy.optimize import lsq_linear

    lo = model.dom_vals[model.dom_ptr[:-1]]
    hi = model.dom_vals[model.dom_ptr[1:] - 1]
    one_sided = np.where(np.isfinite(model.lower), model.lower, np.where(np.isfinite(model.upper), model.upper, 0.0))
    both = np.isfinite(model.lower) & np.isfinite(model.upper)
    tgt = one_sided.copy()  # (the midpoint only where both sides are finite: -inf + inf warns)
    tgt[both] = 0.5 * (model.lower[both] + model.upper[both])
    A = sp.diags(model.weights) @ model.A
    fixed = hi <= lo
    if np.all(fixed):
        return lo.copy()
    hi2 = np.where(fixed, lo + 1e-12, hi)
    try:
        res = lsq_linear(A, model.weights * tgt, bounds=(lo, hi2), lsmr_tol="auto", max_iter=200)
        return np.clip(res.x, lo, hi)
    except (ValueError, np.linalg.LinAlgError):  # pragma: no cover - defensive
        return 0.5 * (lo + hi)


class DMMVInstance(DMMVBase):
    """A generic DMMV instance (kind ``dmmv``); solutions are value vectors ``x``."""

    kind = "dmmv"

    def __init__(self, model: DMMV, name: str | None = None, source: str | None = None):
        self.model = model
        self.name = name or model.name
        self.source = source

    def blocks(self) -> list[DMMV]:
        return [self.model]

    def solution_from_blocks(self, ks):
        return self.model.values(ks[0])

    def blocks_from_solution(self, solution):
        x = np.asarray(solution, dtype=np.float64)
        if x.shape != (self.model.n,) or not np.all(self.model.membership(x)):
            return None
        return [self.model.nearest_indices(x)]

    def describe(self) -> str:
        return self.model.describe()

    def evaluate(self, solution) -> Evaluation:
        try:
            x = np.asarray(solution, dtype=np.float64)
        except (TypeError, ValueError):
            return Evaluation(None, False, ["solution is not a vector of numbers"])
        n = self.model.n
        if x.shape != (n,):
            return Evaluation(None, False, [f"expected {n} values, got shape {x.shape}"])
        if not np.all(np.isfinite(x)):
            return Evaluation(None, False, ["solution has non-finite values"])
        bad = np.flatnonzero(~self.model.membership(x))
        viol = [f"x[{i}] = {x[i]:g} is not in its domain" for i in bad[:MAX_LISTED]]
        if bad.size > MAX_LISTED:
            viol.append(f"... and {bad.size - MAX_LISTED} more")
        if bad.size == 0:  # within the membership tolerance: scored at the domain values themselves (1 + 9e-10
            # against a row of 1e9 scored 1.2e-7 where the domain allows 0.9 at best)
            x = self.model.dom_vals[self.model.dom_ptr[:-1] + self.model.nearest_indices(x)]
        # independent of the solvers' incremental sums: one sparse product from the data
        s = self.model.A.tocsr() @ x
        v = self.model.weights * np.maximum(0.0, np.maximum(self.model.lower - s, s - self.model.upper))
        return Evaluation(float(v.max()) if v.size else 0.0, bad.size == 0, viol)

    def report(self, solution) -> dict:
        x = np.asarray(solution, dtype=np.float64)
        linf, l2 = self.model.objective(x)
        return {"max_violation": linf, "sum_sq_violation": l2}

    def solution_to_json(self, solution):
        return [float(v) for v in np.asarray(solution, dtype=np.float64)]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            data = data.get("solution")
        if not isinstance(data, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 for v in data):
            raise InputError(path, "expected 'solution' to be a list of numbers (the values x)")
        return np.asarray(data, dtype=np.float64)


# ---------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------
def _num_array(path, name, a, ndim=None) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise InputError(path, f"array {name!r} must be numeric, got dtype {a.dtype}")
    if ndim is not None and a.ndim not in ((ndim,) if isinstance(ndim, int) else ndim):
        raise InputError(path, f"array {name!r} must have {ndim} dimension(s), got shape {a.shape}")
    return a.astype(np.float64) if a.dtype.kind != "f" else a.astype(np.float64, copy=False)


def _per_row(a, m: int) -> np.ndarray:
    """A scalar for every row, else the list as given (a list of one value for three rows broadcast without a word,
    where 'b' of one value is refused)."""
    a = np.asarray(a, dtype=np.float64)
    return np.full(m, float(a)) if a.ndim == 0 else a.ravel()


def _build(path, A, rows: dict, dom: dict, name: str) -> DMMV:
    """Validate the parts read from a file and build the model (every problem an InputError)."""
    m, n = A.shape
    if m < 1 or n < 1:
        raise located(InputError(path, f"the matrix must have at least one row and one column, got {m} x {n}"), "A")
    # per row and variable the model and the search keep a few dozen numbers: refuse before allocating
    check_memory(64.0 * (m + n) + 24.0 * (A.nnz if sp.issparse(A) else A.size), f"a DMMV instance of {m} x {n}",
                 path)
    b = rows.get("b")
    if b is not None:
        if "lower" in rows or "upper" in rows:
            raise located(InputError(path, "give either 'b' or 'lower'/'upper', not both"), "b")
        b = np.asarray(b, dtype=np.float64).ravel()
        if b.shape != (m,):
            raise located(InputError(path, f"'b' must have {m} entries (one per row), got {b.size}"), "b")
        if not np.all(np.isfinite(b)):
            raise located(InputError(path, "'b' must be finite"), "b", int(np.argmin(np.isfinite(b))))
        lower, upper = b, b.copy()
    else:
        if "lower" not in rows and "upper" not in rows:
            raise InputError(path, "missing the row targets: expected 'b', or 'lower' and/or 'upper'")
        lower = _per_row(rows.get("lower", -np.inf), m)
        upper = _per_row(rows.get("upper", np.inf), m)
        if lower.shape != (m,) or upper.shape != (m,):
            raise located(InputError(path, f"'lower' and 'upper' must have {m} entries (one per row)"),
                          "lower" if lower.shape != (m,) else "upper")
    weights = rows.get("weights")
    if weights is not None:
        weights = _per_row(weights, m)
        if weights.shape != (m,):
            raise located(InputError(path, f"'weights' must have {m} entries (one per row)"), "weights")
    try:
        if "values" in dom:
            vals = dom["values"]
            if isinstance(vals, np.ndarray) and vals.ndim == 2:
                if vals.shape[0] != n:
                    raise located(InputError(path, f"'values' must have {n} rows (one per variable), got "
                                                   f"{vals.shape[0]}"), "domain")
                lists = [r[~np.isnan(r)] for r in vals]
            elif isinstance(vals, list) and all(isinstance(v, list) for v in vals):
                if len(vals) != n:
                    raise located(InputError(path, f"'domains' must list {n} domains (one per variable), got "
                                                   f"{len(vals)}"), "domain")
                lists = vals
            else:
                lists = [np.asarray(vals, dtype=np.float64).ravel()] * n
            ptr, dv = list_domains(lists)
        elif all(key in dom for key in ("lo", "step", "count")):
            ptr, dv = uniform_domains(dom["lo"], dom["step"], dom["count"], n)
        else:
            raise located(InputError(path, "missing the domains: expected 'lo', 'step' and 'count', or 'values'"),
                          "domain")
        return DMMV(A, lower, upper, ptr, dv, weights, name)
    except (ParameterError, ValueError, TypeError) as e:
        raise located(InputError(path, f"invalid DMMV data: {e}"), *getattr(e, "at", ())) from None


@register_reader("dmmv-npz", kinds=("dmmv",), extensions=(".npz",),
                 sniff=lambda head: head.startswith("PK"))
def read_npz(path: Path, kind: str, index: int | None) -> DMMVInstance:
    """Read a generic DMMV instance from ``.npz`` (see the module documentation)."""
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single instance; #{index} does not exist")
    with open(path, "rb") as f:
        head = f.read(6)
    if not head.startswith(b"PK"):  # numpy reads anything else as .npy, or as a pickle it then refuses
        what = "a .npy array" if head.startswith(b"\x93NUMPY") else "not a zip archive"
        raise InputError(path, f"{what}; expected a .npz archive (numpy.savez) of the DMMV arrays: A (or A_data, "
                               "A_indices, A_indptr, A_shape), b or lower/upper, and the domain")
    try:
        z = np.load(path, allow_pickle=False)
    except NPY_ERRORS as e:
        raise InputError(path, f"not a readable .npz archive ({type(e).__name__}: {str(e)[:80]})") from None
    try:
        with z:
            keys = set(z.files)
            _npz_forms(path, keys)
            if "A" in keys:
                shape = _shape_of(z, "A")
                if len(shape) != 2:
                    raise InputError(path, f"'A' must be 2-D, got shape {shape}")
                if shape[0] * shape[1] > MAX_DENSE_ENTRIES:
                    raise InputError(path, f"dense 'A' of shape {shape} is too large (limit {MAX_DENSE_ENTRIES})")
                A = _num_array(path, "A", z["A"], 2)
                if not np.all(np.isfinite(A)):
                    raise located(InputError(path, "'A' has non-finite entries"), "A")
            elif {"A_data", "A_indices", "A_indptr", "A_shape"} <= keys:
                shp = _num_array(path, "A_shape", z["A_shape"], 1)
                if shp.size != 2 or np.any(shp < 1) or np.any(shp != np.floor(shp)) or np.any(shp > 2**31):
                    raise InputError(path, "'A_shape' must be two positive integers")
                m, n = int(shp[0]), int(shp[1])
                for key in ("A_data", "A_indices"):
                    if int(np.prod(_shape_of(z, key))) > MAX_NNZ:
                        raise InputError(path, f"{key!r} has more than {MAX_NNZ} entries")
                data = _num_array(path, "A_data", z["A_data"], 1)
                ind = np.asarray(z["A_indices"])
                ptr = np.asarray(z["A_indptr"])
                if ind.dtype.kind not in "iu" or ptr.dtype.kind not in "iu":
                    raise InputError(path, "'A_indices' and 'A_indptr' must be integer arrays")
                if ptr.shape != (m + 1,) or ptr[0] != 0 or np.any(np.diff(ptr) < 0) or ptr[-1] != data.size \
                        or ind.shape != data.shape:
                    raise InputError(path, "inconsistent CSR arrays (A_indptr must have m+1 non-decreasing entries "
                                           "from 0 to len(A_data); A_indices as long as A_data)")
                if ind.size and (ind.min() < 0 or ind.max() >= n):
                    raise InputError(path, f"'A_indices' out of range 0..{n - 1}")
                if not np.all(np.isfinite(data)):
                    raise InputError(path, "'A_data' has non-finite entries")
                if (twice := jsoncheck.first_repeat(np.repeat(np.arange(m), np.diff(ptr)), ind)) is not None:
                    i, j = twice
                    raise InputError(path, f"'A_indices' lists column {ind[j]} twice in row {np.sum(ptr <= j) - 1} "
                                           f"(positions {i} and {j}); give each place once (they would be summed)")
                A = sp.csr_matrix((data, ind.astype(np.int64), ptr.astype(np.int64)), shape=(m, n))
            else:
                raise InputError(path, "missing the matrix: expected 'A', or 'A_data', 'A_indices', 'A_indptr' "
                                       "and 'A_shape'")
            m = A.shape[0]
            rows = {}
            for key in ("b", "lower", "upper", "weights"):
                if key in keys:
                    if int(np.prod(_shape_of(z, key))) > max(m, 1):
                        raise InputError(path, f"{key!r} has more entries than A has rows ({m})")
                    rows[key] = _num_array(path, key, z[key], (0, 1))
            dom = {}
            for key in ("lo", "step", "count"):
                if key in keys:
                    if int(np.prod(_shape_of(z, key))) > A.shape[1]:
                        raise InputError(path, f"{key!r} has more entries than A has columns ({A.shape[1]})")
                    dom[key] = _num_array(path, key, z[key], (0, 1))
            if "values" in keys:
                shape = _shape_of(z, "values")
                if len(shape) != 2 or shape[0] * shape[1] > MAX_DENSE_ENTRIES:
                    raise InputError(path, "'values' must be a 2-D array (one padded row per variable) of "
                                           "moderate size")
                dom["values"] = _num_array(path, "values", z["values"], 2)
            return DMMVInstance(_build(path, A, rows, dom, path.stem), path.stem, str(path))
    except (*NPY_ERRORS, KeyError) as e:
        raise InputError(path, f"corrupt .npz member ({type(e).__name__}: {str(e)[:80]})") from None


#: the arrays a DMMV .npz may hold, and the forms of which it must hold one, not two
NPZ_KEYS = {"A", "A_data", "A_indices", "A_indptr", "A_shape", "b", "lower", "upper", "weights", "lo", "step",
            "count", "values"}
NPZ_EXCLUSIVE = (({"A"}, {"A_data", "A_indices", "A_indptr", "A_shape"}), ({"values"}, {"lo", "step", "count"}))


def _npz_forms(path: Path, keys: set[str]) -> None:
    """Refuse arrays the format does not have and two forms of one part: a misspelt 'weight' dropped the weights,
    and a grid beside 'values' (or CSR parts beside 'A') was dropped, each without a word."""
    unknown = sorted(keys - NPZ_KEYS)
    if unknown:
        hint = ("; an array 'X' or 'data' is DAG-learning data: add --kind dag (or name it *.dag.npz)"
                if keys & {"X", "data"} else "")
        raise InputError(path, f"unknown array {unknown[0]!r}; expected {', '.join(sorted(NPZ_KEYS))}{hint}")
    for one, other in NPZ_EXCLUSIVE:
        if keys & one and keys & other:
            raise InputError(path, f"both {sorted(keys & one)[0]!r} and {sorted(keys & other)[0]!r}; expected "
                                   f"{' and '.join(map(repr, sorted(one)))} or {', '.join(map(repr, sorted(other)))}")


def _shape_of(z, key) -> tuple:
    """Shape of an .npz member from its header, without loading the data."""
    from numpy.lib import format as npformat

    zf: zipfile.ZipFile = z.zip
    with zf.open(key + ".npy") as f:
        version = npformat.read_magic(f)
        if version == (1, 0):
            shape, _, _ = npformat.read_array_header_1_0(f)
        else:
            shape, _, _ = npformat.read_array_header_2_0(f)
    return tuple(int(s) for s in shape)


def _sniff_json(head: str) -> bool:
    h = head.lstrip()
    return h.startswith("{") and '"format"' in h and '"dmmv"' in h


def _grid_values(path: Path, i: int, d: dict) -> list[float]:
    lo, step, count = float(d["lo"]), float(d["step"]), d["count"]
    if not (isinstance(count, int) and 1 <= count <= MAX_DENSE_ENTRIES):
        raise located(InputError(path, f"'domains' entry {i}: count must be a positive integer, got {count!r}"),
                      "domains", i, "count")
    return [lo + step * k for k in range(count)]


@register_reader("dmmv-json", kinds=("dmmv",), extensions=(".dmmv.json",), sniff=_sniff_json)
def read_json(path: Path, kind: str, index: int | None) -> DMMVInstance:
    """Read a generic DMMV instance from ``.dmmv.json`` (see the module documentation)."""
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single instance; #{index} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InputError(path, "not a readable JSON text file") from None
    if not isinstance(data, dict) or data.get("format") != "dmmv":
        raise InputError(path, 'expected a JSON object with "format": "dmmv"')
    try:
        return _instance_from_json(path, data)
    except InputError as e:
        raise with_located_line(path, text, e, data) from None


def _instance_from_json(path: Path, data: dict) -> DMMVInstance:
    known_keys(path, data, JSON_KEYS, "")
    no_text_numbers(path, data)
    try:
        Araw = data.get("A")
        if isinstance(Araw, list):
            if not Araw or not all(isinstance(r, list) for r in Araw):
                raise located(InputError(path, "'A' must be a non-empty list of rows"), "A")
            width = len(Araw[0])
            if any(len(r) != width for r in Araw) or width == 0:
                raise located(InputError(path, "every row of 'A' must have the same, non-zero length"), "A")
            if len(Araw) * width > MAX_DENSE_ENTRIES:
                raise located(InputError(path, "'A' is too large"), "A")
            A = _num_array(path, "A", np.asarray(Araw, dtype=np.float64), 2)
        elif isinstance(Araw, dict):
            known_keys(path, Araw, {"shape", "rows", "cols", "values"}, "A.")
            shape = Araw.get("shape")
            if not (isinstance(shape, list) and len(shape) == 2 and all(isinstance(s, int) and s >= 1 for s in shape)):
                raise located(InputError(path, "'A.shape' must be two positive integers"), "A", "shape")
            # the declared shape, before anything of its size is allocated (a 150-byte file may declare 10^9 rows)
            check_memory(64.0 * (shape[0] + shape[1]), f"a DMMV instance of {shape[0]} x {shape[1]}", path)
            for key in ("rows", "cols"):  # whole numbers: int64 would truncate 1.99 to 1 without a word
                lst = Araw.get(key, [])
                if not isinstance(lst, list) or any(not isinstance(t, int) or isinstance(t, bool) for t in lst):
                    raise located(InputError(path, f"'A.{key}' must be a list of whole-number indices"), "A", key)
            r = np.asarray(Araw.get("rows", []), dtype=np.int64)
            c = np.asarray(Araw.get("cols", []), dtype=np.int64)
            v = np.asarray(Araw.get("values", []), dtype=np.float64)
            if not (r.ndim == c.ndim == v.ndim == 1 and r.size == c.size == v.size):
                raise located(InputError(path, "'A.rows', 'A.cols' and 'A.values' must be lists of the same "
                                               "length"), "A")
            if r.size and (r.min() < 0 or r.max() >= shape[0] or c.min() < 0 or c.max() >= shape[1]):
                raise located(InputError(path, "'A' entry index out of range"), "A")
            if (twice := jsoncheck.first_repeat(r, c)) is not None:
                i, j = twice
                raise located(InputError(path, f"'A' entry {j} (0-based) repeats row {r[j]}, column {c[j]} of entry "
                                               f"{i}; give each place once (repeated entries would be summed)"), "A")
            A = sp.coo_matrix((v, (r, c)), shape=tuple(shape)).tocsr()
        elif "A" in data:
            raise located(InputError(path, f"'A' holds {json.dumps(Araw)[:30]}; expected a list of rows, or "
                                           "{shape, rows, cols, values}"), "A")
        else:
            raise InputError(path, "missing 'A' (a list of rows, or {shape, rows, cols, values})")
        if not np.all(np.isfinite(A.data if sp.issparse(A) else A)):
            raise located(InputError(path, "'A' has non-finite entries"), "A")
        rows = {}
        for key in ("b", "lower", "upper", "weights"):
            if key in data:
                val = data[key]
                if isinstance(val, list):
                    val = [(-math.inf if key == "lower" else math.inf) if e is None else e for e in val]
                rows[key] = np.asarray(val, dtype=np.float64)
        if "domains" in data and "domain" in data:
            raise located(InputError(path, "both 'domains' (one per variable) and 'domain' (one for every "
                                           "variable); expected one of them"), "domains")
        if "domains" in data:
            doms = data["domains"]
            if not isinstance(doms, list) or len(doms) != A.shape[1]:
                raise located(InputError(path, f"'domains' must be a list of {A.shape[1]} objects (one per "
                                               "variable)"), "domains")
            for i, d in enumerate(doms):
                if not isinstance(d, dict) or not ("values" in d or {"lo", "step", "count"} <= set(d)):
                    raise located(InputError(path, f"'domains' entry {i} needs 'values', or 'lo', 'step' and "
                                                   "'count'"), "domains", i)
                known_keys(path, d, DOMAIN_KEYS, f"domains[{i}].")
                one_domain_form(path, d, f"domains[{i}]")
            if all("values" in d for d in doms):
                dom = {"values": [list(map(float, d["values"])) for d in doms]}
            elif all("values" not in d for d in doms):
                dom = {key: np.asarray([d[key] for d in doms], dtype=np.float64) for key in ("lo", "step", "count")}
            else:  # both forms: every grid written out as its values
                dom = {"values": [list(map(float, d["values"])) if "values" in d else
                                  _grid_values(path, i, d) for i, d in enumerate(doms)]}
        elif isinstance(data.get("domain"), dict):
            d = data["domain"]
            known_keys(path, d, DOMAIN_KEYS, "domain.")
            one_domain_form(path, d, "domain")
            if "values" in d:
                dom = {"values": np.asarray(d["values"], dtype=np.float64)}
            else:
                dom = {key: np.asarray(d.get(key, np.nan), dtype=np.float64) for key in ("lo", "step", "count")}
        else:
            raise InputError(path, "missing 'domain' (one for all variables) or 'domains' (one per variable)")
        name = data.get("name", path.name.split(".")[0])
        if not isinstance(name, str):  # null was the instance "None", a list "[1, 2]"
            raise located(InputError(path, f"'name' must be a string, got {json.dumps(name)[:30]}"), "name")
        name = name[:100]
        return DMMVInstance(_build(path, A, rows, dom, name), name, str(path))
    except (TypeError, ValueError) as e:
        raise InputError(path, f"malformed DMMV JSON ({str(e)[:100]})") from None
    except OverflowError:  # a 400-digit integer as a float, 10**30 as an index
        raise InputError(path, "a number is too large (expected floats within about 1e308 and indices within "
                               "int64)") from None
