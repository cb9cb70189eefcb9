"""The TSP problem adapter: evaluation, bounds, the MILP and the position-based QUBO."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from ...core.errors import InputError, ParameterError, UnsuitedInstance
from ...core.limits import check_memory
from ...core.problem import Evaluation, Problem, number_array, short_repr
from ...core.registry import register_kind
from ...core.result import format_number
from ...core.safeio import save_figure
from ...models.qubo import QUBO
from .asymmetric import ASSIGNMENT_MAX, assignment_time
from .bound import HeldKarp, held_karp, tour_length
from .geometry import delaunay_edges, hilbert_order, spanning_tree_bound  # noqa: F401 (re-exported)
from .tsplib import (
    _LENGTH_LIMIT,
    COORD_TYPES,
    MAX_COORD_DIMENSION,
    MAX_COORD_MATRIX,
    MAX_DIMENSION,
    _distance_pairs,
    check_coordinate_range,
    metric_points,
    symmetric_matrix,
    tsplib_distances,
)

register_kind("tsp", ("milp", "qubo", "lagrangian"))

MAX_VIOLATIONS_LISTED = 20
#: above this many cities (without a matrix) :meth:`TSP.bound` does not build the spanning tree before a run
SPANNING_TREE_MAX = 50_000
#: the problem's own bound comes before every run, inside its limit (:meth:`TSP.bound`; 1-trees cost 4e-9 n^2 s each).
#: Before, 0.6 s at 1000 and 1.6 s at 2000 cities: a 1 s run there found no tour.
HK_BOUND_WORK = 3e7
HK_BOUND_MAX = 1000
HK_EXPLICIT_MAX = 3000
#: the position QUBO has 2 (n-1) (n-2)^2 tour coupling entries (both triangles), about 56 bytes each while it is
#: built (1 GB at 200 cities, 7 GB at 400): larger instances are refused with a clear error, not out of memory
MAX_QUBO_COUPLINGS = 30_000_000


def max_qubo_cities() -> int:
    """The most cities whose position-based QUBO stays within ``MAX_QUBO_COUPLINGS``."""
    n = 3
    while 2 * n * (n - 1) * (n - 1) <= MAX_QUBO_COUPLINGS:  # n + 1 cities: m = n
        n += 1
    return n

# ------------------------------------------------------------------------------- problem
DISTANCE_BUILD_FACTOR = 2.2  #: peak bytes of building a distance matrix, per byte of it (measured at 10,000 cities)


class TSP(Problem):
    """TSP on ``n`` cities with integer distance matrix ``D``: symmetric, or asymmetric (``D[i, j]`` the length of
    the arc ``i -> j``; :attr:`asymmetric`, TSPLIB's ``TYPE: ATSP``), which ``tsp-ls`` solves through the
    Jonker-Volgenant transformation (:mod:`.asymmetric`) and the MILP and QUBO routes directly.

    Parameters
    ----------
    D
        ``(n, n)`` integer matrix (the diagonal is ignored).
    name
        Instance name.
    coords
        Optional ``(n, 2)`` coordinates, used by :meth:`plot`.
    """

    kind = "tsp"
    sense = "min"
    #: ``D`` is not symmetric: tours are directed (``D[t[k], t[k + 1]]``), bounds come from the assignment relaxation
    #: and the transformed instance's Held-Karp ascent instead of 1-trees on ``D`` (instances without a matrix are
    #: built from coordinates, so never asymmetric)
    asymmetric = False

    def __init__(self, D, name: str = "tsp", coords=None, source: str | None = None,
                 edge_weight_type: str | None = None, copy: bool = True):
        """``copy=False`` hands ``D`` over (a reader's fresh int64 matrix: 800 MB at 10,000 cities need no
        second copy); the default copies, so that a caller's matrix and the problem never share memory."""
        try:
            A = np.asarray(D)
        except (TypeError, ValueError, OverflowError):  # a ragged list of rows
            raise ParameterError(f"D must be a square matrix of numbers, got {short_repr(D)}") from None
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 1:
            raise ParameterError(f"D must be a square matrix, got shape {A.shape}")
        if not np.issubdtype(A.dtype, np.number) or A.dtype.kind == "c":
            raise ParameterError("D must hold finite numbers")
        if A.dtype.kind == "f":  # integer matrices (every file reader's) need neither check
            if not np.all(np.isfinite(A)):
                raise ParameterError("D must hold finite numbers")
            if not np.all(A == np.round(A)):
                raise ParameterError("D must hold integer distances")
        if A.size and max(int(A.max()), -int(A.min())) >= _LENGTH_LIMIT / A.shape[0]:
            raise ParameterError("distances too large: tour lengths would overflow")
        A = A.astype(np.int64, order="C", copy=copy)  # C order: the kernels are compiled (and cached) for it
        self.asymmetric = not symmetric_matrix(A)
        np.fill_diagonal(A, 0)
        # not marked read-only: Numba compiles read-only arrays as a separate type
        self._D = A  # treat as immutable (bound and neighbour lists are cached)
        self.points = None
        #: D is ``tsplib_distances(coords, edge_weight_type)`` (set by the readers and :meth:`from_coords`): the
        #: spanning-tree bound may then be computed from the coordinates
        self.metric_from_coords = False
        self.name = name
        self.source = source
        self.edge_weight_type = edge_weight_type
        if coords is not None:
            coords = number_array(coords, "coords")
            if coords.shape != (A.shape[0], 2):
                raise ParameterError(f"coords must have shape ({A.shape[0]}, 2), got {coords.shape}")
        self.coords = coords
        self._bound: float | None = None
        self._nbr: dict[int, np.ndarray] = {}

    @classmethod
    def from_coords(cls, coords, edge_weight_type: str = "EUC_2D", name: str = "tsp", source: str | None = None,
                    dense: bool | None = None) -> TSP:
        """TSP of 2-D points under a TSPLIB ``EDGE_WEIGHT_TYPE``. ``dense`` (default: up to ``MAX_COORD_MATRIX``
        cities; allowed up to ``MAX_DIMENSION``) keeps the full distance matrix, which every solver works on;
        otherwise (up to ``MAX_COORD_DIMENSION`` cities) the problem keeps the points only and distances are
        computed from them when needed: ``tsp-ls`` runs on the points (candidate lists from a k-d tree), :attr:`D`
        is built when a solver asks for it (up to ``MAX_DIMENSION`` cities, else refused), and the bound is the
        minimum spanning tree of the Delaunay edges before the run; ``tsp-ls`` raises it with a Held-Karp ascent on
        sparse 1-trees (:mod:`combopt.problems.tsp.sparse_bound`)."""
        kind = str(edge_weight_type).upper()
        if kind not in COORD_TYPES:
            raise ParameterError(f"unknown EDGE_WEIGHT_TYPE {edge_weight_type!r}; expected one of "
                                 f"{', '.join(COORD_TYPES)}")
        c = number_array(coords, "coords")
        if c.ndim != 2 or c.shape[1] != 2 or c.shape[0] < 1:
            raise ParameterError(f"coords must have shape (n, 2) with n >= 1, got {c.shape}")
        if not np.all(np.isfinite(c)):
            raise ParameterError("coords must be finite numbers")
        n = c.shape[0]
        if dense is None:
            dense = n <= MAX_COORD_MATRIX
        if dense:
            if n > MAX_DIMENSION:
                raise ParameterError(f"a full distance matrix is kept for at most {MAX_DIMENSION} cities, got {n}")
            out = cls(tsplib_distances(c, kind), name=name, coords=c, source=source, edge_weight_type=kind,
                      copy=False)
            out.metric_from_coords = True
            return out
        if n > MAX_COORD_DIMENSION:
            raise ParameterError(f"{n} cities: combopt handles at most {MAX_COORD_DIMENSION}")
        points = metric_points(c, kind)
        check_coordinate_range(points, kind)
        self = cls.__new__(cls)
        self._D = None
        self._lazy_D = None
        self.points = points
        self.metric_from_coords = True
        self.name, self.source, self.edge_weight_type, self.coords = name, source, kind, c
        self._bound = None
        self._nbr = {}
        return self

    @property
    def dense(self) -> bool:
        """Whether the full distance matrix :attr:`D` is kept (else distances come from :attr:`points`)."""
        return self._D is not None

    @property
    def D(self) -> np.ndarray:
        """The ``(n, n)`` int64 distance matrix. A problem kept as coordinates (see :meth:`from_coords`) builds it on
        the first call and keeps it, up to ``MAX_DIMENSION`` cities (it stays :attr:`dense` ``False``: ``tsp-ls``
        keeps to the points); above that it is refused."""
        if self._D is not None:
            return self._D
        if self._lazy_D is None:
            if self.n > MAX_DIMENSION:
                raise ParameterError(f"{self.name}: {self.n} cities are kept as coordinates, without a distance "
                                     f"matrix (one is built for at most {MAX_DIMENSION} cities); use tsp-ls")
            check_memory(self.n * self.n * 8 * DISTANCE_BUILD_FACTOR, f"the distance matrix of {self.n} cities",
                         self.source)
            self._lazy_D = tsplib_distances(self.coords, self.edge_weight_type)
        return self._lazy_D

    def metric(self) -> tuple:
        """The local-search kernels' distance argument (see ``combopt.problems.tsp.local``)."""
        from .local import dense_metric, point_metric

        return dense_metric(self._D) if self.dense else point_metric(self.points, self.edge_weight_type)

    def edge_lengths(self, a, b) -> np.ndarray:
        """int64 distances of the city pairs ``(a[i], b[i])``."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        if self.dense:
            return self._D[a, b]
        d = _distance_pairs(self.edge_weight_type, self.points[a], self.points[b]).astype(np.int64)
        d[a == b] = 0
        return d

    @property
    def n(self) -> int:
        return self._D.shape[0] if self.dense else self.points.shape[0]

    @property
    def num_variables(self) -> int:
        return self.n

    def construct(self, deadline: float | None = None) -> np.ndarray:
        """Nearest-neighbour tour from city 0, then 2-opt (numpy only: one vectorised scan per city) until no
        move improves, ``deadline`` (``time.monotonic()``) passes, or, without one, 0.5 s. Asymmetric: the
        nearest-neighbour tour alone."""
        import time

        n = self.n
        if not self.dense:  # no matrix to scan: the order along a Hilbert curve (tsp-ls then improves it)
            return hilbert_order(self.coords)
        if self.asymmetric:  # directed: no 2-opt on D (a reversal changes the reversed arcs' lengths); tsp-ls polishes
            return self._nearest_tour()
        tour = self._nearest_tour()
        end = time.monotonic() + 0.5 if deadline is None else deadline
        D = self.D
        improved = n > 4
        while improved and time.monotonic() < end:
            improved = False
            for i in range(n - 2):
                a, b = tour[i], tour[i + 1]
                c = tour[i + 2:]
                d = np.roll(tour, -1)[i + 2:]  # successor of each c (city 0 after the last)
                gain = D[a, b] + D[c, d] - D[a, c] - D[b, d]
                if i == 0:
                    gain = gain[:-1]  # the last edge ends at a itself
                j = int(np.argmax(gain)) if gain.size else -1
                if j >= 0 and gain[j] > 0:
                    tour[i + 1:i + 3 + j] = tour[i + 1:i + 3 + j][::-1].copy()
                    improved = True
                if (i & 63) == 63 and time.monotonic() >= end:
                    break
        return tour

    def _nearest_tour(self) -> np.ndarray:
        """Nearest-neighbour tour from city 0 along the arcs out of each city."""
        n = self.n
        tour = np.empty(n, dtype=np.int64)
        free = np.ones(n, dtype=bool)
        cur = 0
        big = np.iinfo(np.int64).max
        for k in range(n):
            tour[k] = cur
            free[cur] = False
            if k + 1 < n:
                cur = int(np.argmin(np.where(free, self.D[cur], big)))
        return tour

    def describe(self) -> str:
        ewt = f", {self.edge_weight_type}" if self.edge_weight_type else ""
        kind = " (asymmetric)" if self.asymmetric else ""
        return f"tsp {self.name}: {self.n} cities{kind}{ewt}"

    def neighbours(self, k: int) -> np.ndarray:
        """``(n, k)`` int64: each city's ``k`` nearest other cities, nearest first (cached)."""
        from .local import neighbour_lists

        k = max(0, min(int(k), self.n - 1))
        if k not in self._nbr:
            wider = [j for j in self._nbr if isinstance(j, int) and j > k]  # its first k are k nearest too
            if wider:
                self._nbr[k] = np.ascontiguousarray(self._nbr[min(wider)][:, :k])
            else:
                self._nbr[k] = neighbour_lists(self._D, k) if self.dense else self._tree_neighbours(k)
        return self._nbr[k]

    def _tree_neighbours(self, k: int) -> np.ndarray:
        """Nearest cities by a k-d tree in a geometry whose distance order is the metric's (Euclidean for
        EUC_2D, CEIL_2D and ATT, L1 for MAN_2D, L-inf for MAX_2D, chords of the unit sphere for GEO)."""
        from scipy.spatial import cKDTree

        n = self.n
        if k == 0:
            return np.zeros((n, 0), dtype=np.int64)
        P, p = self.points, {"MAN_2D": 1, "MAX_2D": np.inf}.get(self.edge_weight_type, 2)
        if self.edge_weight_type == "GEO":
            lat, lon = P[:, 0], P[:, 1]
            P = np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
        _, idx = cKDTree(P).query(P, k=k + 1, p=p)
        idx = np.asarray(idx, dtype=np.int64).reshape(n, k + 1)
        own = idx == np.arange(n)[:, None]
        drop = np.where(own.any(axis=1), own.argmax(axis=1), k)  # a city's own entry (or the last, for duplicates)
        keep = np.ones_like(own)
        keep[np.arange(n), drop] = False
        return idx[keep].reshape(n, k)

    def delaunay_candidates(self, k: int, nearest: int = 5) -> np.ndarray:
        """``(n, k)`` int64 candidate lists from the points: each city's ``nearest`` nearest cities and its
        Delaunay neighbours (the edges that cross between clusters, which nearest-neighbour lists miss), the
        ``k`` shortest of them, filled up with further nearest cities; nearest first (cached). Falls back to
        :meth:`neighbours` for GEO, MAN_2D and MAX_2D (the plane's triangulation is not theirs) and for points
        without a triangulation."""
        n = self.n
        k = max(0, min(int(k), n - 1))
        key = ("delaunay", k, nearest)
        if key in self._nbr:
            return self._nbr[key]
        near = self.neighbours(k)
        e = delaunay_edges(self.coords) if self.edge_weight_type in ("EUC_2D", "CEIL_2D", "ATT") and k else None
        if e is None:
            return near
        m = min(nearest, k)
        rows = np.arange(n).repeat(k)
        src = np.concatenate([e[:, 0], e[:, 1], rows])
        dst = np.concatenate([e[:, 1], e[:, 0], near.ravel()])
        # priority 0: Delaunay neighbours and the first m nearest; 1: the rest of the nearest (filling up)
        pri = np.concatenate([np.zeros(2 * len(e), dtype=np.int64), (np.arange(n * k) % k >= m).astype(np.int64)])
        order = np.lexsort((pri, dst, src))
        src, dst, pri = src[order], dst[order], pri[order]
        first = np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])]  # each pair once, its best priority
        src, dst, pri = src[first], dst[first], pri[first]
        dist = self.edge_lengths(src, dst)
        order = np.lexsort((dist, pri, src))
        src, dst, dist = src[order], dst[order], dist[order]
        start = np.searchsorted(src, np.arange(n))
        rank = np.arange(src.size) - start[src]
        take = rank < k  # every city has at least k pairs: its k nearest
        out, d = dst[take].reshape(n, k), dist[take].reshape(n, k)
        out = np.take_along_axis(out, np.argsort(d, axis=1, kind="stable"), axis=1)
        self._nbr[key] = out
        return out

    # -- evaluation -------------------------------------------------------------------
    def integral_objective(self) -> bool:
        return True  # integer distances (the constructor requires them)

    def evaluate(self, solution) -> Evaluation:
        """Check that ``solution`` is a permutation of ``0..n-1``; objective = closed tour length."""
        n = self.n
        try:
            t = np.asarray(solution)
        except (TypeError, ValueError):
            return Evaluation(None, False, ["tour is not a list of city indices"])
        if t.ndim != 1:
            return Evaluation(None, False, [f"tour must be a flat list of cities, got shape {t.shape}"])
        if t.size and not (np.issubdtype(t.dtype, np.integer) or (np.issubdtype(t.dtype, np.floating) and
                                                                  np.all(np.isfinite(t) & (t == np.round(t))))):
            return Evaluation(None, False, ["tour entries must be integer city indices"])
        t = t.astype(np.int64) if t.size else np.zeros(0, dtype=np.int64)
        viol: list[str] = []
        if t.size != n:
            viol.append(f"tour has {t.size} cities, expected {n}")
        bad = t[(t < 0) | (t >= n)]
        for v in bad[:MAX_VIOLATIONS_LISTED]:
            viol.append(f"city {int(v) + 1} is out of range 1..{n}")
        ok = t[(t >= 0) & (t < n)]
        counts = np.bincount(ok, minlength=n)
        for c in np.flatnonzero(counts > 1)[:MAX_VIOLATIONS_LISTED]:
            viol.append(f"city {c + 1} appears {counts[c]} times")
        missing = np.flatnonzero(counts == 0)
        for c in missing[:MAX_VIOLATIONS_LISTED]:
            viol.append(f"city {c + 1} is missing")
        if missing.size > MAX_VIOLATIONS_LISTED:
            viol.append(f"... and {missing.size - MAX_VIOLATIONS_LISTED} more missing cities")
        if viol:
            return Evaluation(None, False, viol)
        return Evaluation(float(self.edge_lengths(t, np.roll(t, -1)).sum()), True, [])

    def tour_length(self, tour) -> int:
        if not self.dense:
            t = np.asarray(tour, dtype=np.int64)
            return int(self.edge_lengths(t, np.roll(t, -1)).sum())
        return int(tour_length(tour, self.D))

    # -- bounds and exact model -------------------------------------------------------
    def held_karp(self, iterations: int = 100, upper: float | None = None) -> HeldKarp:
        if self.asymmetric:
            raise ParameterError("the 1-tree bound needs a symmetric TSP; an asymmetric one has assignment_bound()")
        return held_karp(self.D, iterations, upper)

    def bound(self) -> float | None:
        """Held-Karp 1-tree bound, rounded up, cached: at most 100 1-trees (fewer above 547 cities, ``HK_BOUND_WORK``);
        above ``HK_BOUND_MAX`` cities with coordinates the minimum spanning tree (:meth:`spanning_tree_bound`; without
        a matrix up to ``SPANNING_TREE_MAX`` cities); none for an explicit matrix above ``HK_EXPLICIT_MAX``.
        Asymmetric: ``asymmetric.directed_bound`` up to ``ASSIGNMENT_MAX`` cities. ``tsp-ls`` raises each in its run."""
        if self._bound is None and self.asymmetric:
            if self.n > ASSIGNMENT_MAX:
                return None
            from .asymmetric import directed_bound

            ap = directed_bound(self.D, min(100, max(1, int(HK_BOUND_WORK / self.n**2))))
            self._bound = float(math.ceil(ap - 1e-7 * max(1.0, abs(ap))))
        if self._bound is None:
            if not self.dense:  # computed before every run: only where it is cheap (about 0.5 s at 50,000 cities)
                return self.spanning_tree_bound() if self.n <= SPANNING_TREE_MAX else None
            if self.metric_from_coords and self.coords is not None and self.n > HK_BOUND_MAX:
                return self.spanning_tree_bound()  # O(n log n) from the coordinates
            if self.n > HK_EXPLICIT_MAX:
                return None
            hk = held_karp(self.D, min(100, max(1, int(HK_BOUND_WORK / self.n**2))))
            self._bound = float(math.ceil(hk.bound - 1e-7 * max(1.0, abs(hk.bound))))
        return self._bound

    def bound_within(self, seconds: float) -> float | None:
        """:meth:`bound`; an asymmetric one not yet computed only where its assignment fits."""
        return None if self.asymmetric and self._bound is None and assignment_time(self.n) > seconds else self.bound()

    def spanning_tree_bound(self) -> float | None:
        """:func:`spanning_tree_bound` of the cities (cached; about 1e-5 s per city); ``None`` unless the
        distances are the coordinates' (:attr:`metric_from_coords`)."""
        if self._bound is None and self.metric_from_coords:
            self._bound = spanning_tree_bound(self.coords if self.points is None else self.points,
                                              self.edge_weight_type or "")
        return self._bound

    def milp_terms(self) -> int:
        """The flow formulation: about eight terms per arc (its cost, two assignment rows, the 2-cycle row, its
        flow variable's linking row and two conservation rows)."""
        return int(8 * self.n * self.n)

    def to_pulp(self, formulation: str = "flow"):
        """Exact MILP on directed arcs ``x_ij`` (one arc out of and into every city,
        no 2-cycles) with compact subtour elimination.

        ``formulation="flow"`` (default): single-commodity flow, city 0 sends one
        unit to every other city over the chosen arcs (Gavish-Graves); ``"mtz"``:
        Miller-Tucker-Zemlin order variables with the Desrochers-Laporte
        lifting (weaker here: CBC needs about 10x longer on burma14).
        """
        import pulp

        from ...models.milp import binary_var

        n = self.n
        if n < 3:
            raise UnsuitedInstance(f"the TSP MILP needs at least 3 cities, this instance has {self.n}")
        D = self.D
        label = re.sub(r"\W", "_", f"tsp_{self.name}")
        prob = pulp.LpProblem(label, pulp.LpMinimize)
        # names count cities from 1, as TSPLIB does: x3_7 is the arc from city 3 to city 7
        x = {(i, j): binary_var(prob, f"x{i + 1}_{j + 1}") for i in range(n) for j in range(n) if i != j}
        prob += pulp.LpAffineExpression([(x[a], float(D[a])) for a in x])
        for i in range(n):
            prob += pulp.lpSum(x[i, j] for j in range(n) if j != i) == 1
            prob += pulp.lpSum(x[j, i] for j in range(n) if j != i) == 1
        for i in range(n):
            for j in range(i + 1, n):
                prob += x[i, j] + x[j, i] <= 1
        if formulation == "mtz":
            u = {i: prob.add_variable(f"u{i + 1}", 1, n - 1) for i in range(1, n)}
            for i in range(1, n):
                for j in range(1, n):
                    if i != j:
                        prob += u[i] - u[j] + (n - 1) * x[i, j] + (n - 3) * x[j, i] <= n - 2
            for i in range(1, n):  # Desrochers-Laporte lifted bounds
                prob += u[i] >= 2 - x[0, i] + (n - 3) * x[i, 0]
                prob += u[i] <= n - 2 + x[i, 0] - (n - 3) * x[0, i]
        elif formulation == "flow":
            # city 0 sends one unit of flow to every other city along the chosen arcs
            f = {a: prob.add_variable(f"f{a[0] + 1}_{a[1] + 1}", 0, n - 1) for a in x if a[1] != 0}
            for (i, j), fa in f.items():
                prob += fa <= (n - 1 if i == 0 else n - 2) * x[i, j]
            for i in range(1, n):
                prob += pulp.lpSum(f[j, i] for j in range(n) if j != i) - \
                    pulp.lpSum(f[i, j] for j in range(1, n) if j != i) == 1
        else:
            raise ParameterError(f"unknown TSP formulation {formulation!r}; expected 'mtz' or 'flow'")

        def decode() -> np.ndarray:
            succ = np.full(n, -1, dtype=np.int64)
            for (i, j), var in x.items():
                if (var.value() or 0) > 0.5:
                    succ[i] = j
            tour = [0]
            while len(tour) < n:
                nxt = succ[tour[-1]]
                if nxt < 0 or nxt in tour:
                    break
                tour.append(int(nxt))
            return np.asarray(tour, dtype=np.int64)

        return prob, decode

    # -- picture ----------------------------------------------------------------------
    # -- QUBO and Lagrangian reductions (position-based, city 0 fixed at position 0) -----------
    def qubo_index(self, city: int, position: int) -> int:
        """Variable of "``city`` at ``position``" (both 1..n-1): city-major, ``(city-1)(n-1) + position-1``."""
        return (city - 1) * (self.n - 1) + (position - 1)

    def lagrangian_model(self):
        """Tour length over ``(n-1)^2`` binaries with two families of equalities (no slack at all).

        ``x[i, t] = 1`` when city ``i`` is visited at position ``t`` (i, t = 1..n-1;
        city 0 sits at position 0). Objective: ``sum_t d_ij x[i,t] x[j,t+1]`` plus the
        linear edges to and from city 0. Constraints: every city once
        (``sum_t x[i,t] - 1 = 0``) and every position once (``sum_i x[i,t] - 1 = 0``).
        """
        import scipy.sparse as sp

        from ...models.lagrangian import LagrangianModel

        self._check_qubo_size()
        n = self.n
        m = n - 1
        D = self.D.astype(np.float64)
        N = m * m
        h = np.zeros(N)
        cities = np.arange(1, n)
        h[(cities - 1) * m + 0] += D[0, cities]          # 0 -> city at position 1
        h[(cities - 1) * m + (m - 1)] += D[cities, 0]    # city at position n-1 -> 0
        rows, cols, vals = [], [], []
        ii, jj = np.meshgrid(cities, cities, indexing="ij")
        mask = ii != jj
        ii, jj = ii[mask], jj[mask]
        for t in range(1, m):  # position t -> t+1
            a = (ii - 1) * m + (t - 1)
            b = (jj - 1) * m + t
            rows += [a, b]
            cols += [b, a]
            vals += [D[ii, jj], D[ii, jj]]
        W = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N, N)).tocsr()
        f = QUBO(h, W, name=f"tsp-{self.name}")
        # equalities: rows 0..m-1 cities, rows m..2m-1 positions
        var = np.arange(N)
        city_of, pos_of = var // m, var % m
        G = sp.csr_matrix((np.ones(2 * N), (np.concatenate([city_of, m + pos_of]), np.concatenate([var, var]))),
                          shape=(2 * m, N))
        names = [f"city {i} once" for i in cities] + [f"position {t} once" for t in range(1, n)]
        return LagrangianModel(objective=f, G=G, c=-np.ones(2 * m), equality=np.ones(2 * m, dtype=bool), names=names)

    def _check_qubo_size(self) -> None:
        n = self.n
        if n < 3:
            raise UnsuitedInstance(f"the position-based TSP QUBO needs at least 3 cities, this instance has {self.n}")
        m = n - 1
        couplings = 2 * m * (m - 1) * (m - 1)
        if couplings > MAX_QUBO_COUPLINGS:
            raise UnsuitedInstance(
                f"the position-based TSP QUBO of {n} cities has {m * m:,} variables and {couplings:,} tour "
                f"couplings (about {couplings * 56 / 1e9:.0f} GB to build); the QUBO and Lagrangian solvers take "
                f"at most {max_qubo_cities()} cities: use tsp-ls")

    def qubo_terms(self, lagrangian: bool = False) -> int:
        """Couplings of the position QUBO: tour edges between neighbouring positions, and (penalty QUBO) pairs
        sharing a city or a position: ``2m(m-1)^2 + 2m^2(m-1)`` for ``m = n - 1``. Raises the same
        :class:`ParameterError` as building it where the model is over the solvers' size limit, so that the
        refusal does not depend on the time limit."""
        self._check_qubo_size()
        m = self.n - 1
        edges = 2 * m * (m - 1) * (m - 1)
        return edges if lagrangian else edges + 2 * m * m * (m - 1)

    def to_qubo(self, penalty: float | None = None) -> QUBO:
        """Penalty QUBO ``length + P * sum (one-hot violations)^2``; default ``P`` = 1.5 x the longest edge.

        Negative distances: the QUBO of the distances less the most negative one ``d`` (all >= 0), with ``n d`` in
        its offset, so that a tour's energy is its length and the minimum is a tour (the default ``P`` of the
        distances as they were, 1 when none is positive, made the all-ones assignment the minimum)."""
        off = ~np.eye(self.n, dtype=bool)
        low = float(self.D[off].min()) if self.n > 1 else 0.0
        if low < 0:
            import copy

            shifted = copy.copy(self)
            shifted._D = np.where(off, self.D - low, 0).astype(self.D.dtype)
            q = shifted.to_qubo(penalty)
            q.offset += self.n * low
            return q
        model = self.lagrangian_model()
        P = (float(self.D.max()) * 1.5 or 1.0) if penalty is None else float(penalty)  # 1: every distance is 0
        if not P > 0:
            raise ParameterError(f"penalty must be positive, got {penalty}")
        return model.relaxed_qubo(np.zeros(model.m), rho=2.0 * P)

    def qubo_variable_names(self, **reduction) -> list[str]:
        """``c<city>_p<position>`` (TSPLIB's numbering: city 1 sits at position 1), in :meth:`lagrangian_model`'s
        order: ``c5_p3`` is 1 when city 5 is visited third."""
        m = self.n - 1
        return [f"c{i + 2}_p{t + 2}" for i in range(m) for t in range(m)]

    def from_qubo_samples(self, X, rng=None, **hints) -> list:
        """Decode each sample to a tour (maximum-weight assignment on x), then 2-opt + Or-opt."""
        from .local import decode_assignment, improve_tour

        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        tours = {}
        if self.asymmetric:  # directed: polished on the transformation, built once for all the samples
            from .asymmetric import directed_polisher

            polish = directed_polisher(self.D)
        else:
            nbr = self.neighbours(min(16, self.n - 1))

            def polish(tour):
                return improve_tour(tour, self.D, nbr)
        for x in np.unique(X, axis=0):
            tour = polish(decode_assignment(x, self.D))
            k = int(np.argmin(tour))
            tour = np.roll(tour, -k)
            tours[tour.tobytes()] = tour
        return list(tours.values())

    def from_qubo_sample(self, x, rng=None):
        return self.from_qubo_samples(np.asarray(x)[None, :], rng)[0]

    def plot(self, tour, path: str | Path, title: str | None = None) -> Path:
        """Save a picture of the tour (PNG, PDF, SVG by extension); needs coordinates."""
        if self.coords is None:
            raise ParameterError(f"{self.name} has no coordinates to plot")
        ev = self.evaluate(tour)
        if not ev.feasible:
            raise ParameterError("cannot plot an invalid tour: " + "; ".join(ev.violations[:3]))
        path = Path(path)
        fig = self._tour_figure(tour, title or f"{self.name}: length {format_number(ev.objective)}")
        save_figure(fig, path, dpi=120)
        return path

    def figure(self, solution, label: str = "solution"):
        """The tour over the cities (``None`` without coordinates or for an invalid tour)."""
        if self.coords is None:
            return None
        ev = self.evaluate(solution)
        if not ev.feasible:
            return None
        return self._tour_figure(solution, f"{self.name}: {label}, length {format_number(ev.objective)}")

    def _tour_figure(self, tour, title: str):
        from matplotlib.figure import Figure

        t = np.asarray(tour, dtype=np.int64)
        xy = self.coords
        if self.edge_weight_type == "GEO":
            xy = xy[:, ::-1]  # latitude, longitude -> x = longitude, y = latitude
        closed = np.append(t, t[0])
        fig = Figure(figsize=(6, 6))
        ax = fig.add_subplot()
        small = t.size <= 2000  # beyond, thin lines and no city markers (they would cover the tour)
        ax.plot(xy[closed, 0], xy[closed, 1], "-", color="tab:blue", lw=1.2 if small else 0.3)
        if small:
            ax.plot(xy[:, 0], xy[:, 1], "o", color="tab:red", ms=3)
        ax.plot(xy[t[0], 0], xy[t[0], 1], "s", color="black", ms=6)
        ax.set_title(title)
        ax.set_aspect("equal", adjustable="datalim")
        return fig

    # -- JSON -------------------------------------------------------------------------
    def solution_to_json(self, solution):
        return [int(c) + 1 for c in np.asarray(solution, dtype=np.int64).ravel()]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            if "solution" not in data:
                raise InputError(path, "expected a JSON object with a 'solution' list of cities")
            data = data["solution"]
        if not isinstance(data, list):
            raise InputError(path, "expected 'solution' to be a list of 1-based city numbers")
        out = []
        for v in data:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
                raise InputError(path, f"city {str(v)[:40]!r} is not an integer city number")
            v = int(v)
            if not 1 <= v <= self.n:
                raise InputError(path, f"city {short_repr(v)} is out of range 1..{self.n}")
            out.append(v - 1)
        return np.asarray(out, dtype=np.int64)
