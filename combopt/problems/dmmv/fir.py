"""Linear-phase FIR filter design with integer coefficients (kind ``fir``).

Type-I filter of even order ``N`` (``N + 1`` symmetric taps, ``M = N/2``). The
taps are ``h[n] = k[n] / 2**(B-1)`` with integers ``k[n]`` in
``[-2**(B-1), 2**(B-1) - 1]``; the amplitude response is
``A(w) = h[M] + 2 sum_{n<M} h[n] cos(w (M - n))``. The objective is the peak
weighted ripple ``max weight * |A(w) - gain|`` over a design grid of
``grid_density * N`` frequencies, split between the bands in proportion to
their widths (each band evenly spaced, edges included; the last band takes the
rounding rest). Frequencies are in the units of ``fs`` (default 2, so the
Nyquist frequency is 1 and ``w = pi f``).

Spec file (``.toml``)::

    kind = "fir"             # optional: .toml files are FIR specs by default
    order = 12               # even N; N + 1 taps
    bits = 4                 # B
    bands = [[0, 0.4], [0.5714285714285714, 1]]
    gains = [1, 0]
    weights = [1, 1]         # optional
    grid_density = 16        # optional
    fs = 2                   # optional

Solutions are the ``N + 1`` integer numerators ``k`` (JSON: a list of ints).
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from ...core.errors import InputError, ParameterError
from ...core.limits import check_memory
from ...core.problem import Evaluation
from ...core.registry import register_kind
from ...core.safeio import save_figure
from ...models.dmmv import (
    DMMV,
    LP_MAX_NNZ,
    LP_S_EACH,
    LP_S_PER_NNZ,
    lp_import_seconds,
    nearest_in_grid,
    to_db,
    uniform_domains,
)
from .base import DMMVBase, memo_by_content

register_kind("fir", ("milp",))

MAX_ORDER = 2000
MAX_BITS = 24
MAX_GRID_POINTS = 2_000_000
#: |gain| and band weights beyond this make the squared violations overflow (and mean nothing for a filter)
MAX_GAIN = 1e12
#: largest sampling frequency (the band edges are in its units; 2 pi f must stay finite)
MAX_FS = 1e12
#: the search keeps every tap's 2**bits grid values: (order/2 + 1) * 2**bits of them in all
MAX_GRID_VALUES = 50_000_000
#: cosine evaluations (check-grid points x taps) the report's denser check grid may cost: 32x the design grid of
#: an order-2000 filter took 30 s after a 2 s run; beyond this the check grid is thinned (at least the design grid)
MAX_CHECK_EVALS = 60_000_000
#: what the model's copies (column layout, dense copy) and the search's index arrays cost after its cosines, in units
#: of the cosines' time (measured on an order-2000 filter, 32 million entries: 0.4-1 s of cosines, then 2.3-3.3 s)
BUILD_REST = 3.0


@dataclass
class FIRSpec:
    """Design specification (see the module documentation)."""

    order: int
    bits: int
    bands: list[tuple[float, float]]
    gains: list[float]
    weights: list[float] = field(default_factory=list)
    grid_density: int = 16
    fs: float = 2.0
    name: str = "fir"

    def __post_init__(self):
        if self.order < 2 or self.order % 2 or self.order > MAX_ORDER:
            raise ParameterError(f"order must be an even number in 2..{MAX_ORDER}, got {self.order}")
        if not 2 <= self.bits <= MAX_BITS:
            raise ParameterError(f"bits must be in 2..{MAX_BITS}, got {self.bits}")
        if not 0 < self.fs <= MAX_FS:
            raise ParameterError(f"fs must be a positive number of at most {MAX_FS:g}, got {self.fs}")
        if not self.bands:
            raise ParameterError("at least one band is needed")
        nyq = self.fs / 2
        prev = -math.inf
        for a, b in self.bands:
            if not (0 <= a <= b <= nyq + 1e-12):
                raise ParameterError(f"band [{a}, {b}] must satisfy 0 <= start <= end <= fs/2 = {nyq:g}")
            if a <= prev and not (a == prev == 0):
                raise ParameterError("bands must be in increasing order and must not overlap")
            prev = b
        if len(self.gains) != len(self.bands):
            raise ParameterError(f"gains needs one entry per band ({len(self.bands)}), got {len(self.gains)}")
        if not self.weights:
            self.weights = [1.0] * len(self.bands)
        if len(self.weights) != len(self.bands):
            raise ParameterError(f"weights needs one entry per band ({len(self.bands)}), got {len(self.weights)}")
        if any(not (1.0 / MAX_GAIN <= w <= MAX_GAIN) for w in self.weights):
            raise ParameterError(f"band weights must be positive, between {1 / MAX_GAIN:g} and {MAX_GAIN:g}")
        if any(not abs(g) <= MAX_GAIN for g in self.gains):
            raise ParameterError(f"gains must be finite numbers of magnitude at most {MAX_GAIN:g}")
        if self.grid_density < 1 or self.grid_density * self.order > MAX_GRID_POINTS:
            raise ParameterError(f"grid_density * order must be in 1..{MAX_GRID_POINTS}")

    @property
    def M(self) -> int:
        return self.order // 2

    @property
    def scale(self) -> int:
        """``2**(B-1)``: taps are ``k / scale``."""
        return 2 ** (self.bits - 1)

    def grid(self, density: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(frequencies, desired gain, weight)`` of the design grid (or a denser one)."""
        total = (density or self.grid_density) * self.order
        widths = np.array([b - a for a, b in self.bands])
        tw = float(widths.sum())
        counts = []
        for q in range(len(self.bands)):
            if q == len(self.bands) - 1:
                counts.append(max(1, total - sum(counts)))
            else:
                c = int(math.floor(total * widths[q] / tw)) if tw > 0 else total // len(self.bands)
                counts.append(max(1, c))
        f, d, w = [], [], []
        for (a, b), c, g, wt in zip(self.bands, counts, self.gains, self.weights, strict=True):
            f.append(np.linspace(a, b, c))
            d.append(np.full(c, g, dtype=np.float64))
            w.append(np.full(c, wt, dtype=np.float64))
        return np.concatenate(f), np.concatenate(d), np.concatenate(w)


def _remez_grid_points(spec: FIRSpec) -> int:
    """About how many points ``scipy.signal.remez`` puts on its dense grid for ``spec`` (spacing ``0.5 / (grid_density
    r)`` in units of fs, ``r = M + 1`` extremal frequencies, at least one point per band)."""
    delf = 0.5 / (spec.grid_density * (spec.M + 1))
    return int(sum(math.floor((b - a) / spec.fs / delf) + 1 for a, b in spec.bands))


def amplitude(taps, freqs, fs: float = 2.0) -> np.ndarray:
    """Zero-phase amplitude ``sum_n h[n] cos(w (n - N/2))`` of real taps at ``freqs``.

    For an even order ``N`` the taps fold into a cosine series ``sum_m c_m cos(m w)``, ``m = |n - N/2|``, summed
    by Clenshaw's recurrence on ``x = cos w``: a few vector operations per coefficient instead of one cosine per
    tap and frequency (order 2000 on its 32,000-point grid: 0.1 s instead of 2 s); odd orders sum the cosines."""
    h = np.asarray(taps, dtype=np.float64)
    N = h.size - 1
    w = 2.0 * np.pi * np.asarray(freqs, dtype=np.float64) / fs
    if N % 2 == 0 and w.size:
        half = N // 2
        c = h[half:].copy()
        c[1:] += h[half - 1::-1] if half else 0.0
        x = np.cos(w)
        x2 = 2.0 * x
        b1 = np.zeros_like(x)
        b2 = np.zeros_like(x)
        for k in range(half, 0, -1):  # b_k = c_k + 2x b_{k+1} - b_{k+2}
            b1, b2 = c[k] + x2 * b1 - b2, b1
        return c[0] + x * b1 - b2
    n = np.arange(N + 1) - N / 2.0
    out = np.empty(w.size)
    step = max(1, 2_000_000 // max(N + 1, 1))  # chunks of ~16 MB: dense check grids of long filters fit
    for a in range(0, w.size, step):
        out[a:a + step] = np.cos(np.outer(w[a:a + step], n)) @ h
    return out


class FIRDesign(DMMVBase):
    """Integer-coefficient type-I FIR design (kind ``fir``)."""

    kind = "fir"
    baseline_start = "remez"
    #: ``start=lattice``: joint rounding by lattice reduction + CVP (:mod:`.fir_lattice`, needs fpylll)
    optional_starts = ("lattice",)
    #: the ``dmmv`` solver's defaults for this class (a user's ``-p`` still wins): restart from the best after 100
    #: rounds without a new best (300 elsewhere), with 30 % of the taps re-drawn (15 %). A FIR search reaches its
    #: funnel within seconds and then only restarts find better ones. Measured at 60 s (examples/dmmv, seeds 0-2):
    #: order 200 / 9 bits 0.03244 mean against 0.03336 (better on 3 of 3), order 300 / 10 bits better, equal and
    #: worse once each, orders 120 and 150 equal on all six runs.
    search_defaults = {"restart_after": 100, "restart_frac": 0.3}

    def __init__(self, spec: FIRSpec, source: str | None = None):
        self.spec = spec
        self.name = spec.name
        self.source = source
        self._model: DMMV | None = None
        # scipy.signal, for the Remez design every run starts from (or answers with, when the model does not fit its
        # limit): imported with the design, not in the first run's time limit (0.7-0.9 s, once per process)
        import scipy.signal  # noqa: F401

    # -- model -------------------------------------------------------------------------
    def model(self) -> DMMV:
        if self._model is None:
            self._model = self._build_model(None)
        return self._model

    def _build_model(self, deadline: float | None) -> DMMV | None:
        """The DMMV model, or ``None`` once it is clear that it would not be ready by ``deadline``
        (``time.monotonic()``): the cosines are computed tap by tap, and after every 32 taps the time they took
        projects the end of the build (the rest of them, then the model's copies: :data:`BUILD_REST`)."""
        sp_ = self.spec
        f, d, w = sp_.grid()
        M = sp_.M
        om = 2.0 * np.pi * f / sp_.fs
        AT = np.empty((M + 1, f.size))  # row n: column n of A (one contiguous row per tap)
        t0 = time.monotonic()
        for n in range(M):
            if deadline is not None and n and n % 32 == 0:
                now = time.monotonic()
                if now + (now - t0) / n * ((M - n) + BUILD_REST * M) > deadline:
                    return None
            AT[n] = 2.0 * np.cos(om * (M - n))
        AT[M] = 1.0
        ptr, vals = uniform_domains(-1.0, 1.0 / sp_.scale, 2 * sp_.scale, M + 1)
        return DMMV.with_targets(AT.T, d, ptr, vals, w, name=sp_.name)

    def prepare(self, deadline: float | None = None) -> str | None:
        """Build the model by ``deadline``; a reason when it would not be ready by then (see :meth:`_build_model`)."""
        if self._model is None:
            t0 = time.monotonic()
            model = self._build_model(deadline)
            if model is None:
                return (f"the model ({self._grid_points()} grid points x {self.spec.M + 1} taps) would not be built "
                        f"in the time left (stopped after {time.monotonic() - t0:.2f} s)")
            self._model = model
        return None

    def milp_terms(self) -> int:
        """:meth:`DMMVBase.milp_terms` without building the model: two rows per grid point, each over every tap and
        ``t`` (order 200: 0.65 million; order 1000: 16 million)."""
        return 2 * self._grid_points() * (self.spec.M + 2)

    def _grid_points(self) -> int:
        return int(self.spec.grid_density * self.spec.order)

    @property
    def num_variables(self) -> int:
        return self.spec.M + 1

    def bound(self) -> float | None:
        """The LP bound of small designs; ``None`` beyond the LP's size (:data:`~combopt.models.dmmv.LP_MAX_NNZ`; the
        model is a dense grid points x taps matrix) without building the model."""
        if self._model is None and self._grid_points() * (self.spec.M + 1) > LP_MAX_NNZ:
            return None
        return super().bound()

    def bound_within(self, seconds: float) -> float | None:
        """The LP bound when it is solved already or takes about ``seconds`` or less (estimated from the design grid
        without building the model; :meth:`bound` refuses a model beyond the LP's size the same way)."""
        return None if self._lp_seconds() > seconds else self.bound()

    def _lp_seconds(self) -> float:
        """About what the LP relaxation still costs (see :meth:`combopt.models.dmmv.DMMV.lp_seconds`)."""
        if self._model is not None:
            return self._model.lp_seconds() + (lp_import_seconds() if self._model.lp_seconds() else 0.0)
        return lp_import_seconds() + LP_S_EACH + LP_S_PER_NNZ * self._grid_points() * (self.spec.M + 1)

    def nearest_taps(self, h) -> np.ndarray:
        """Grid indices of the coefficients nearest to the real taps ``h`` (ties to the lower value): what the
        model's ``nearest_indices`` gives, without building the model (every tap has the same grid)."""
        s = self.spec
        _, grid = uniform_domains(-1.0, 1.0 / s.scale, 2 * s.scale, 1)
        return nearest_in_grid(grid, h)

    def blocks(self) -> list[DMMV]:
        return [self.model()]

    def objective_scale(self) -> float:
        """:meth:`DMMVBase.objective_scale` from the spec, without building the model: taps lie in [-1, 1) and enter
        the amplitude with factors of at most 2; the desired gains are the row targets."""
        s = self.spec
        top = float(np.max(s.weights)) * max(2.0, float(np.max(np.abs(s.gains))))
        return min(1.0, top) if top > 0 else 1.0

    def solution_from_blocks(self, ks):
        half = np.asarray(ks[0], dtype=np.int64) - self.spec.scale
        return np.concatenate([half, half[-2::-1]])

    def blocks_from_solution(self, solution):
        k = np.asarray(solution, dtype=np.int64)
        return [k[: self.spec.M + 1] + self.spec.scale]

    def describe(self) -> str:
        s = self.spec
        return (f"fir {s.name}: order {s.order}, {s.bits} bits, {len(s.bands)} bands, "
                f"{s.grid_density * s.order} grid points")

    def figure(self, solution, label: str = "solution"):
        """Magnitude response of the integer taps beside the continuous Remez design (:func:`plot_response`)."""
        designs = {label: np.asarray(solution, dtype=np.int64)}
        remez = self.remez()
        if remez is not None:
            designs["Remez (real taps)"] = np.asarray(remez, dtype=np.float64)
        return plot_response(self, designs)

    # -- baselines ----------------------------------------------------------------------
    def remez(self) -> np.ndarray | None:
        """Continuous equiripple taps from ``scipy.signal.remez`` (``None`` when it fails)."""
        if "_remez" not in self.__dict__:
            from scipy.signal import remez

            s = self.spec
            if _remez_grid_points(s) < s.M + 3:  # scipy's remez crashes the interpreter (SIGSEGV) when its grid has
                self.__dict__["_remez"] = None   # too few points for the extremal frequencies (all bands of zero or
                return None                      # tiny width against fs: fs = 1e20 with bands [0, 0.4], [0.57, 1])
            edges = [e for band in s.bands for e in band]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    h = remez(s.order + 1, edges, s.gains, weight=s.weights, fs=s.fs, grid_density=s.grid_density)
                self.__dict__["_remez"] = h if np.all(np.isfinite(h)) else None
            except (ValueError, RuntimeError):
                self.__dict__["_remez"] = None
        return self.__dict__["_remez"]

    def least_squares(self) -> np.ndarray | None:
        """Continuous least-squares taps (``scipy.signal.firls``, milliseconds at order 2000; ``None`` when it fails):
        the start where Remez does not converge (long filters with narrow transition bands: order 2000 with bands
        [0, 0.1] / [0.11, 1] raises "failure to converge", and the all-zero start it left has a ripple of 1)."""
        if "_firls" not in self.__dict__:
            from scipy.signal import firls

            s = self.spec
            h = None
            if all(b > a for a, b in s.bands):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        h = firls(s.order + 1, [e for band in s.bands for e in band],
                                  [g for g in s.gains for _ in range(2)], weight=s.weights, fs=s.fs)
                except (ValueError, np.linalg.LinAlgError):
                    h = None
            self.__dict__["_firls"] = h if h is not None and np.all(np.isfinite(h)) else None
        return self.__dict__["_firls"]

    def _continuous_start(self) -> tuple[str, np.ndarray] | None:
        """``(name, real taps)``: Remez, else least squares (see :meth:`least_squares`), else ``None``."""
        h = self.remez()
        if h is not None:
            return "remez", h
        h = self.least_squares()
        return None if h is None else ("firls", h)

    def start_points(self, deadline: float | None = None) -> dict[str, list[np.ndarray]]:
        out: dict[str, list[np.ndarray]] = {}
        cont = self._continuous_start()
        if cont is not None:
            out[cont[0]] = [self.nearest_taps(cont[1][: self.spec.M + 1])]
        # the LP only where it is solved: the model is not built for it beyond that (4-5 s at order 2000); and only
        # where it takes at most half the time to the deadline (else a short run answers with the rounded Remez
        # design, with no time left to search; the set is then not kept, so that a longer run solves the LP)
        lp = None
        if self._grid_points() * (self.spec.M + 1) <= LP_MAX_NNZ:
            if deadline is None or self._lp_seconds() <= 0.5 * (deadline - time.monotonic()):
                # HiGHS stops at the deadline: the estimate is FIR's own, and a loaded machine can be slower
                left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
                lp = self.model().lp_relaxation(seconds=left)
                if lp is None and not self.model().lp_solved():
                    self.__dict__.setdefault("_start_notes", {})["lp_cut"] = "no LP start: the LP ran out of time"
                else:
                    self.__dict__.get("_start_notes", {}).pop("lp_cut", None)
            else:
                self.__dict__.setdefault("_start_notes", {})["lp_cut"] = "no LP start: no time for the LP"
        if lp is not None:
            out["lp"] = [self.model().nearest_indices(lp[1])]
        if not out:
            out["zero"] = [self.nearest_taps(np.zeros(self.spec.M + 1))]
        return out

    def fallback_start(self) -> tuple[str, list[np.ndarray]]:
        """Rounded Remez (else rounded least squares, else every tap 0), without the model."""
        cont = self._continuous_start()
        if cont is not None:
            return cont[0], [self.nearest_taps(cont[1][: self.spec.M + 1])]
        return "zero", [self.nearest_taps(np.zeros(self.spec.M + 1))]

    def extra_start(self, name: str) -> list[np.ndarray] | None:
        if name != "lattice":
            return None
        from .fir_lattice import lattice_starts

        model = self.model()
        lp = model.lp_relaxation()
        h = self.remez()
        cont = lp[1] if lp is not None else (None if h is None else h[: self.spec.M + 1])
        notes = self.__dict__.setdefault("_start_notes", {})
        if cont is None:
            notes["lattice_note"] = "no lattice start: no continuous design (LP and Remez failed)"
            return None
        ks, info = lattice_starts(self.spec, cont)
        notes.update(info)
        if not ks:
            return None
        return [ks[0] + self.spec.scale]

    def rounded_remez(self) -> np.ndarray | None:
        """Integer taps of the rounded Remez design (the naive discrete baseline)."""
        st = self.starts()
        return None if "remez" not in st else self.solution_from_blocks(st["remez"])

    # -- evaluation (independent of the DMMV matrix) ---------------------------------------
    def ripple(self, k, density: int | None = None) -> float:
        """Peak weighted ripple of integer taps ``k`` on the design grid (or a denser one); the last few are kept
        (keyed by the taps and the density), since a run evaluates the same answer several times."""
        dens = int(density or self.spec.grid_density)
        h = np.asarray(k, dtype=np.float64)

        def compute() -> float:
            f, d, w = self.spec.grid(dens)
            return float(np.max(w * np.abs(amplitude(h / self.spec.scale, f, self.spec.fs) - d)))
        return memo_by_content(self, f"_ripples_{dens}", h, compute)

    def evaluate(self, solution) -> Evaluation:
        s = self.spec
        try:
            raw = np.asarray(solution)
        except (TypeError, ValueError):
            return Evaluation(None, False, ["solution is not a list of integers"])
        if raw.shape != (s.order + 1,):
            return Evaluation(None, False, [f"expected {s.order + 1} taps, got shape {raw.shape}"])
        if raw.dtype.kind == "f" and (not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw))):
            return Evaluation(None, False, ["taps must be integers (numerators of k / 2^(B-1))"])
        if raw.dtype.kind not in "iuf":
            return Evaluation(None, False, ["taps must be integers"])
        k = raw.astype(np.int64)
        viol = []
        lo, hi = -s.scale, s.scale - 1
        bad = np.flatnonzero((k < lo) | (k > hi))
        for n in bad[:10]:
            viol.append(f"tap {n} = {k[n]} is outside [{lo}, {hi}] ({s.bits} bits)")
        asym = [n for n in range(s.M) if k[n] != k[s.order - n]]
        for n in asym[:10]:
            viol.append(f"taps {n} and {s.order - n} differ ({k[n]} != {k[s.order - n]}): not linear phase")
        return Evaluation(self.ripple(k), not viol, viol)

    def report(self, solution) -> dict:
        k = np.asarray(solution, dtype=np.int64)
        r = self.ripple(k)
        s = self.spec
        density = max(s.grid_density, min(32 * s.grid_density, MAX_CHECK_EVALS // (s.order * (s.order + 1))))
        dense = self.ripple(k, density)
        return {
            "check_grid_density": density,
            "coefficients_int": k.tolist(),
            "coefficients": (k / self.spec.scale).tolist(),
            "ripple": r,
            "ripple_db": to_db(r),
            "ripple_dense": dense,
            "ripple_dense_db": to_db(dense),
        }

    # -- JSON --------------------------------------------------------------------------------
    def solution_to_json(self, solution):
        return [int(v) for v in np.asarray(solution, dtype=np.int64)]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            data = data.get("solution")
        if not isinstance(data, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in data):
            raise InputError(path, "expected 'solution' to be a list of integer taps")
        if any(abs(v) >= 2**62 for v in data):  # beyond int64 (no tap of a few bits comes near)
            raise InputError(path, "a tap in 'solution' is far beyond the integer range of the design's taps")
        if len(data) == self.spec.M + 1:  # the half: mirror it
            data = data + data[-2::-1]
        return np.asarray(data, dtype=np.int64)


def from_spec(spec) -> FIRDesign:
    """Build a FIR design from a parsed TOML spec (:class:`combopt.problems.spec.Spec`)."""
    spec.check_keys(("order", "bits", "bands", "gains", "weights", "grid_density", "fs"))
    order = spec.integer("order", lo=2, hi=MAX_ORDER)
    if order % 2:
        raise spec.error("order", f"'order' must be even (type-I linear phase), got {order}")
    bits = spec.integer("bits", lo=2, hi=MAX_BITS)
    raw = spec.data.get("bands")
    if raw is None:
        raise spec.error(None, "missing required key 'bands'")
    if not isinstance(raw, list) or not raw or not all(
            isinstance(b, list) and len(b) == 2 and all(isinstance(e, (int, float)) and not isinstance(e, bool)
                                                        and math.isfinite(e) for e in b) for b in raw):
        raise spec.error("bands", "'bands' must be a list of [start, end] pairs")
    bands = [(float(a), float(b)) for a, b in raw]
    if (order // 2 + 1) * 2**bits > MAX_GRID_VALUES:
        raise spec.error("bits", f"order {order} with {bits} bits gives {(order // 2 + 1) * 2**bits} coefficient "
                                 f"grid values ({order // 2 + 1} taps x 2^{bits}); at most {MAX_GRID_VALUES} are "
                                 f"supported: lower 'bits' or 'order'")
    gains = spec.numbers("gains", len(bands))
    weights = spec.numbers("weights", len(bands), default=[])
    gd = spec.integer("grid_density", 16, lo=1, hi=100_000)
    fs = spec.number("fs", 2.0, positive=True)
    name = spec.string("name", spec.path.stem)
    # the model is a dense (grid points x order/2) matrix, kept with an LP copy and a scratch copy
    try:
        check_memory(24.0 * gd * order * (order // 2 + 1), f"a FIR design with order {order} and grid_density {gd} "
                     f"({gd * order} grid points x {order // 2 + 1} taps)")
    except ParameterError as e:
        raise spec.error("grid_density", str(e)) from None
    try:
        fs_ = FIRSpec(order, bits, bands, gains, weights, gd, fs, name)
    except ParameterError as e:
        msg = str(e)  # each message of FIRSpec starts with what it is about: the line of that key
        starts = (("band weights", "weights"), ("weights", "weights"), ("gains", "gains"), ("grid", "grid_density"),
                  ("band", "bands"), ("at least one band", "bands"), ("fs", "fs"), ("bits", "bits"),
                  ("order", "order"))
        key = next((k for prefix, k in starts if msg.startswith(prefix)), None)
        raise spec.error(key, str(e)) from None
    return FIRDesign(fs_, str(spec.path))


def plot_response(design: FIRDesign, designs: dict, path=None):
    """Magnitude response (dB) and passband detail of several designs; saves to ``path``.

    ``designs`` maps a label to integer taps (numerators) or, for float arrays
    such as the Remez design, real taps. Returns the matplotlib Figure.
    """
    from matplotlib.figure import Figure

    s = design.spec
    f = np.linspace(0, s.fs / 2, 4096)
    fig = Figure(figsize=(8, 7))
    ax1, ax2 = fig.subplots(2, 1)
    fg, dg, wg = s.grid()
    for label, taps in designs.items():
        t = np.asarray(taps)
        h = t / s.scale if t.dtype.kind in "iu" else t.astype(np.float64)
        amp = amplitude(h, f, s.fs)
        rip = float(np.max(wg * np.abs(amplitude(h, fg, s.fs) - dg)))
        ax1.plot(f, 20 * np.log10(np.maximum(np.abs(amp), 1e-8)), label=f"{label} (ripple {rip:.5f})")
        ax2.plot(f, amp, label=label)
    for a, b in s.bands:
        for ax in (ax1, ax2):
            ax.axvspan(a, b, color="grey", alpha=0.12)
    ax1.set_ylabel("|A(f)| [dB]")
    ax1.set_ylim(-90, 10)
    ax1.set_title(f"{s.name}: order {s.order}, {s.bits}-bit coefficients")
    ax1.legend(loc="lower left", fontsize=8)
    ax2.set_xlabel(f"frequency (fs = {s.fs:g})")
    ax2.set_ylabel("A(f)")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    if path is not None:
        save_figure(fig, path, dpi=110)
    return fig
