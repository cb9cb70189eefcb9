"""Maximum cut (kind ``maxcut``): split the vertices in two to maximise the weight of the edges between the sides.

The canonical QUBO benchmark (the G-set of Helmberg and Rendl, made with Rinaldi's ``rudy``; Ising models,
VLSI via minimisation). Files: ``rudy``/G-set format (``.rud``, ``.gset``, ``.mc``, or no extension, as the
G-set's ``G1`` ... ``G81``): the first line ``n m``, then ``m`` lines ``i j w`` (1-based vertices; ``w`` may be
negative or fractional; a missing ``w`` is 1). Lines starting with ``#``, ``c`` or ``%`` are comments.

A solution is the set ``S`` of vertices on one side (JSON: the 1-based vertex numbers); its value is
``sum_{ij in E, |S cap {i, j}| = 1} w_ij``. The QUBO minimises ``-cut(x) = sum_ij w_ij (2 x_i x_j - x_i - x_j)``,
exact (every minimiser is a maximum cut), so every QUBO solver handles the kind; the MILP is the usual
linearisation (``y_e`` per edge), with vertex 1 fixed on the outside (the cut's symmetry).

Bound: the certified eigenvalue bound of :mod:`combopt.models.maxcut_bound` (Mohar and Poljak's, at the dual point of
the semidefinite relaxation's low-rank solution), rounded down for integral weights; where it gives nothing in the
bound's time, the sum of the positive weights (which it never exceeds: the smaller of the two is kept).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...core.errors import InputError, NoSuchInstance, ParameterError
from ...core.io import register_reader
from ...core.problem import Evaluation, Problem, coefficient_scale, index_list, short_repr
from ...core.registry import register_kind
from ...models.maxcut_bound import adjacency, cut_bound
from ...models.qubo import QUBO
from .graph import edge_pairs, vertex_count

register_kind("maxcut", ("qubo", "milp"))

MAX_VERTICES = 10_000_000
MAX_EDGES = 200_000_000
#: largest |edge weight|: beyond it the cut values, QUBO coefficients and MILP rows lose their meaning (sums
#: overflow at 1e308, and HiGHS reads coefficients from 1e20 on as infinite)
MAX_WEIGHT = 1e12


class MaxCut(Problem):
    """Weighted maximum cut on ``n`` vertices and the edges ``edges[k] = (i, j)`` (0-based) of weight ``weights[k]``.

    Parallel edges add up; self-loops are refused (they are never cut).
    """

    kind = "maxcut"
    sense = "max"
    qubo_is_exact = True

    def __init__(self, n: int, edges, weights=None, name: str = "maxcut", source: str | None = None):
        n = vertex_count(n, 1, MAX_VERTICES)
        e = edge_pairs(n, edges)  # copies: the caller's arrays may change after this
        try:
            w = np.ones(len(e)) if weights is None else np.array(weights, dtype=np.float64).ravel()
        except (TypeError, ValueError, OverflowError):
            raise ParameterError("weights must be numbers, one per edge") from None
        if w.shape != (len(e),):
            raise ParameterError(f"{len(e)} edges but {w.size} weights")
        if np.any(e[:, 0] == e[:, 1]):
            raise ParameterError("self-loop: an edge joins a vertex to itself (it is never cut)")
        if not np.all(np.isfinite(w)):
            raise ParameterError("edge weights must be finite numbers")
        if w.size and float(np.abs(w).max()) > MAX_WEIGHT:
            raise ParameterError(f"edge weight {float(np.abs(w).max()):g} is larger than {MAX_WEIGHT:g} in magnitude; "
                                 "rescale the weights")
        lo, hi = np.minimum(e[:, 0], e[:, 1]), np.maximum(e[:, 0], e[:, 1])
        # parallel edges add up (G-set files have none; other rudy graphs may)
        A = sp.coo_matrix((w, (lo, hi)), shape=(n, n)).tocsr()
        A.sum_duplicates()
        A.eliminate_zeros()
        U = A.tocoo()
        self.n = int(n)
        self.edges = np.stack([U.row, U.col], axis=1).astype(np.int64)
        self.weights = U.data.astype(np.float64)
        self.name = name
        self.source = source

    # -- basics -------------------------------------------------------------------------
    @property
    def num_variables(self) -> int:
        return self.n

    @property
    def m(self) -> int:
        return len(self.edges)

    def describe(self) -> str:
        return f"maxcut on {self.name}: {self.n} vertices, {self.m} edges"

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Symmetric adjacency ``(indptr, indices, weights)``, each edge in both rows (the search kernels')."""
        if "_csr" not in self.__dict__:
            A = adjacency(self.n, self.edges, self.weights)
            self.__dict__["_csr"] = (A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data.astype(np.float64))
        return self.__dict__["_csr"]

    def integral_objective(self) -> bool:
        return bool(np.all(self.weights == np.round(self.weights)))

    def objective_scale(self) -> float:
        return coefficient_scale(self.weights)

    def side_vector(self, S) -> np.ndarray:
        x = np.zeros(self.n, dtype=np.int8)
        x[np.asarray(S, dtype=np.int64)] = 1
        return x

    def cut_value(self, x) -> float:
        x = np.asarray(x, dtype=np.int8)
        across = x[self.edges[:, 0]] != x[self.edges[:, 1]]
        return float(self.weights[across].sum())

    def evaluate(self, solution) -> Evaluation:
        S, viol = index_list(solution, self.n)  # None, "abc", [1.5], [[1, 2], [3]], [10**30]: named, infeasible
        if S is None:
            return Evaluation(None, False, viol)
        if S.size > 1 and np.count_nonzero(np.bincount(S, minlength=self.n) > 1):  # (np.unique hashes: slow)
            return Evaluation(None, False, ["a vertex appears twice"])
        return Evaluation(self.cut_value(self.side_vector(S)), True, [])

    # -- reductions ---------------------------------------------------------------------
    def qubo_terms(self, lagrangian: bool = False) -> int:
        return 2 * self.m

    def to_qubo(self) -> QUBO:
        """``-cut(x) = sum_ij w_ij (2 x_i x_j - x_i - x_j)``: ``h_i = -`` (weighted degree), ``J_ij = 2 w_ij``."""
        n, e, w = self.n, self.edges, self.weights
        h = -(np.bincount(e[:, 0], w, n) + np.bincount(e[:, 1], w, n))
        rows = np.concatenate([e[:, 0], e[:, 1]])
        cols = np.concatenate([e[:, 1], e[:, 0]])
        W = sp.coo_matrix((np.concatenate([2 * w, 2 * w]), (rows, cols)), shape=(n, n)).tocsr()
        return QUBO(h, W, name=f"maxcut-{self.name}")

    def qubo_variable_names(self, **reduction) -> list[str]:
        return [f"x{i + 1}" for i in range(self.n)]  # vertex i + 1 of the file: 1 on the cut's second side

    def from_qubo_samples(self, X, rng=None, **hints) -> list:
        X = np.unique(np.asarray(X, dtype=np.int8), axis=0)
        return [np.flatnonzero(x).astype(np.int64) for x in X]

    def from_qubo_sample(self, x, rng=None):
        return np.flatnonzero(np.asarray(x)).astype(np.int64)

    def milp_terms(self) -> int:
        return int(self.n + 4 * self.m)

    def to_pulp(self):
        import pulp

        from ...models.milp import binary_var

        prob = pulp.LpProblem(re.sub(r"[^A-Za-z0-9_]", "_", f"maxcut_{self.name}"), pulp.LpMaximize)
        x = [binary_var(prob, f"x{i + 1}") for i in range(self.n)]  # vertex i + 1 of the file
        prob += x[0] == 0  # the cut's symmetry: vertex 1 stays outside S
        y = [prob.add_variable(f"y{k + 1}", 0, 1) for k in range(self.m)]  # edge k + 1
        prob += pulp.lpSum(float(w) * yk for w, yk in zip(self.weights, y, strict=True))
        for (i, j), w, yk in zip(self.edges, self.weights, y, strict=True):
            if w > 0:  # y = [x_i != x_j] from above
                prob += yk <= x[i] + x[j]
                prob += yk <= 2 - x[i] - x[j]
            else:  # from below
                prob += yk >= x[i] - x[j]
                prob += yk >= x[j] - x[i]
        return prob, lambda: np.array([i for i in range(self.n) if (x[i].value() or 0) > 0.5], dtype=np.int64)

    def construct(self) -> np.ndarray:
        """Greedy: vertices by decreasing weighted degree, each to the side that cuts more of its placed edges."""
        n = self.n
        indptr, indices, data = self.csr()
        deg = np.bincount(np.repeat(np.arange(n), np.diff(indptr)), np.abs(data), n)
        side = np.full(n, -1, dtype=np.int8)
        for v in np.argsort(-deg, kind="stable").tolist():
            nb, wt = indices[indptr[v]:indptr[v + 1]], data[indptr[v]:indptr[v + 1]]
            placed = side[nb]
            to_in = wt[placed == 0].sum()  # cut if v goes to side 1
            to_out = wt[placed == 1].sum()
            side[v] = 1 if to_in > to_out else 0
        return np.flatnonzero(side == 1).astype(np.int64)

    # -- bound --------------------------------------------------------------------------
    def bound(self, seconds: float | None = None) -> float | None:
        info = self.bound_info(seconds)
        return info["bound"]

    def bound_within(self, seconds: float) -> float | None:
        """The bound with ``seconds`` for its eigenvalue steps (a run's share; the positive weights if none fit)."""
        return self.bound(seconds)

    def bound_info(self, seconds: float | None = None) -> dict:
        """``{"bound", "positive_weights", "eigenvalue", "eigenvalue_steps", "relaxation_sweeps"}`` (see the module
        documentation)."""
        if "_bound" in self.__dict__:
            return self.__dict__["_bound"]
        with np.errstate(over="ignore"):  # a sum beyond the float range: no bound (below)
            pos = float(self.weights[self.weights > 0].sum())
        info = {"bound": pos, "positive_weights": pos, "eigenvalue": None, "eigenvalue_steps": 0,
                "relaxation_sweeps": 0}
        if self.n >= 2 and self.m:
            eig, steps, sweeps = cut_bound(self.n, self.edges, self.weights, seconds)
            info.update(eigenvalue=eig, eigenvalue_steps=steps, relaxation_sweeps=sweeps)
            if eig is not None:
                info["bound"] = min(pos, eig)
        if not math.isfinite(info["bound"]):  # weights near the float range: their sum overflows, no bound
            info["bound"] = None
        elif self.integral_objective():
            info["bound"] = float(math.floor(info["bound"] + 1e-9))
        self.__dict__["_bound"] = info
        return info

    # -- JSON ---------------------------------------------------------------------------
    def solution_to_json(self, solution):
        return [int(i) + 1 for i in np.sort(np.asarray(solution, dtype=np.int64))]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            if "solution" not in data:
                raise InputError(path, "expected a JSON object with a 'solution' list of vertices (1-based)")
            data = data["solution"]
        if not isinstance(data, list):
            raise InputError(path, "expected 'solution' to be a list of 1-based vertex numbers")
        for v in data:
            if not isinstance(v, int) or isinstance(v, bool):
                raise InputError(path, f"vertex {short_repr(v)} is not an integer; expected 1-based vertex numbers")
        for v in data:  # in the file's numbering: evaluate's 0-based "out of range 0..n-1" would call 0 in range
            if not 1 <= v <= self.n:
                raise InputError(path, f"vertex {short_repr(v)} is out of range 1..{self.n}; expected 1-based "
                                       "vertex numbers")
        return np.asarray(data, dtype=np.int64) - 1


# ----------------------------------------------------------------------------------------- reader

_INT = re.compile(r"[+-]?[0-9]+")


def _comment(toks: list[str]) -> bool:
    return toks[0][0] in "#c%"


def sniff_rudy(head: str) -> bool:
    """``n m`` on the first data line, then lines of two integers and a number."""
    lines = [t for t in (line.split() for line in head.splitlines()) if t and not _comment(t)][:4]
    if len(lines) < 2 or len(lines[0]) != 2 or not all(_INT.fullmatch(t) for t in lines[0]):
        return False
    return all(len(t) in (2, 3) and _INT.fullmatch(t[0]) and _INT.fullmatch(t[1]) for t in lines[1:])


def read_rudy(path: str | Path) -> MaxCut:
    """A rudy / G-set file (see the module documentation); every error names its line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is no part of the header
    except UnicodeDecodeError:
        raise InputError(path, "not a text file; expected a rudy / G-set max-cut file ('n m', then 'i j w')") from None
    header = None
    rows: list[tuple[int, int, float]] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        toks = line.split()
        if not toks or _comment(toks):
            continue
        if header is None:
            if len(toks) != 2 or not all(_INT.fullmatch(t) for t in toks):
                raise InputError(path, f"expected the header 'n m' (vertex and edge counts), got {line.strip()[:60]!r}",
                                 lineno)
            n, m = int(toks[0]), int(toks[1])
            if not 1 <= n <= MAX_VERTICES or not 0 <= m <= MAX_EDGES:
                raise InputError(path, f"'n m' = {n} {m}; expected 1..{MAX_VERTICES} vertices and 0..{MAX_EDGES} "
                                       "edges", lineno)
            header = (n, m, lineno)
            continue
        if len(toks) not in (2, 3) or not (_INT.fullmatch(toks[0]) and _INT.fullmatch(toks[1])):
            raise InputError(path, f"expected an edge 'i j w' (integers i, j), got {line.strip()[:60]!r}", lineno)
        i, j = int(toks[0]), int(toks[1])
        try:
            wt = float(toks[2]) if len(toks) == 3 else 1.0
        except ValueError:
            raise InputError(path, f"edge weight {toks[2]!r} is not a number", lineno) from None
        if not math.isfinite(wt):
            raise InputError(path, f"edge weight {toks[2]!r} is not a finite number", lineno)
        if abs(wt) > MAX_WEIGHT:
            raise InputError(path, f"edge weight {toks[2]!r} is larger than {MAX_WEIGHT:g} in magnitude; expected "
                                   "weights the cut's sums can hold (rescale them)", lineno)
        n = header[0]
        if not (1 <= i <= n and 1 <= j <= n):
            raise InputError(path, f"edge {i} {j}: vertices are numbered 1..{n}", lineno)
        if i == j:
            raise InputError(path, f"edge {i} {j} joins a vertex to itself; expected two different vertices", lineno)
        rows.append((i - 1, j - 1, wt))
        if len(rows) > header[1]:
            raise InputError(path, f"more edges than the {header[1]} the header declares", lineno)
    if header is None:
        raise InputError(path, "empty; expected a rudy / G-set max-cut file ('n m', then 'i j w' lines)")
    n, m, hline = header
    if len(rows) != m:
        raise InputError(path, f"the header declares {m} edges; the file holds {len(rows)} (truncated?)", hline)
    arr = np.array([(i, j) for i, j, _ in rows], dtype=np.int64).reshape(-1, 2)
    w = np.array([wt for _, _, wt in rows], dtype=np.float64)
    name = path.stem if path.suffix.lower() in (".rud", ".gset", ".mc", ".txt") else path.name
    return MaxCut(n, arr, w, name=name, source=str(path))


@register_reader("rudy", kinds=("maxcut",), extensions=(".rud", ".gset", ".mc"), sniff=sniff_rudy)
def _read(path: Path, kind: str, index: int | None):
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single graph; #{index} does not exist")
    return read_rudy(path)
