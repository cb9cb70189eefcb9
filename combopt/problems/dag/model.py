"""The DAG-learning instance: data, its covariance, the least-squares score and an optional truth.

Kind ``dag``, sense ``min``. A solution is a weighted adjacency matrix ``W``
(``d x d`` float64, ``W[i, j] != 0`` for an edge ``i -> j``). It is feasible
when it is finite, has a zero diagonal and its graph has no directed cycle.
Its objective is the linear least-squares score on the column-centred data

    Q(W) = 1/(2n) ||Xc - Xc W||_F^2,

recomputed here from the data (not from a solver's covariance bookkeeping).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ...core.errors import InputError, ParameterError
from ...core.problem import Evaluation, Problem, number_array, real_array
from ...core.registry import register_kind
from .metrics import count_accuracy, find_cycle, support, topological_order

register_kind("dag", ())

#: the covariance is d x d and every solver keeps a few of them
MAX_VARIABLES = 5000
#: n x d float64 cells kept in memory
MAX_CELLS = 100_000_000
MAX_VIOLATIONS_LISTED = 20
#: smallest column variance accepted: the fit works with residual variances down to 1e-10 of a variance (the
#: rank check) and products of them, which must stay clear of float64 underflow (1e-308). Data are never rescaled
#: here: the score is reported in the data's own units, and for such data it would underflow itself; the error
#: says to rescale instead (one common factor for every column leaves the learned DAG and its weights unchanged,
#: and the score scales by its square; a separate factor per column would change the problem)
MIN_VARIANCE = 1e-200


def centre(X: np.ndarray) -> np.ndarray:
    """Column-centred copy of ``X`` (float64)."""
    X = np.asarray(X, dtype=np.float64)
    return X - X.mean(axis=0, keepdims=True)


def ls_score(Xc: np.ndarray, W: np.ndarray) -> float:
    """``1/(2n) ||Xc - Xc W||_F^2`` computed from the (centred) data."""
    R = Xc - Xc @ W
    return float(0.5 / Xc.shape[0] * np.einsum("ij,ij->", R, R))


def refit_on_support(S: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Least-squares weights of each node on its parents ``B[:, j] != 0``, from the covariance ``S``."""
    return refit_nodes(S, B)[0]


def refit_nodes(S: np.ndarray, B: np.ndarray, current: np.ndarray | None = None,
                should_stop=None) -> tuple[np.ndarray, bool]:
    """:func:`refit_on_support` node by node while ``should_stop()`` (polled before each node with parents) is
    false; once it is true the nodes left keep ``current`` on their parents. Returns ``(weights, cut_short)``."""
    d = S.shape[0]
    W = np.zeros((d, d), dtype=np.float64)
    for j in range(d):
        pa = np.flatnonzero(B[:, j])
        if not pa.size:
            continue
        if should_stop is not None and current is not None and should_stop():
            W[:, j:] = np.where(B[:, j:] != 0, current[:, j:], 0.0)
            return W, True
        W[pa, j] = np.linalg.solve(S[np.ix_(pa, pa)], S[pa, j])
    return W, False


def order_score(S: np.ndarray, order) -> float:
    """The least-squares score of the full DAG on ``order`` (every node on all its predecessors), the best of any
    DAG that order allows: ``0.5 * sum(diag(L)**2)`` for the Cholesky factor ``L`` of the permuted covariance."""
    o = np.asarray(order, dtype=np.int64)
    L = np.linalg.cholesky(S[np.ix_(o, o)])
    return float(0.5 * np.sum(np.diag(L) ** 2))


#: up to this many variables :func:`best_order` is run by ``combopt check`` (2^d small inverses: 1024 at d = 10)
EXACT_ORDER_MAX = 10


def best_order(S: np.ndarray) -> np.ndarray:
    """The order whose full DAG scores least, which is the least score of any DAG: dynamic programming over the
    subsets ``U`` of the variables, ``f(U) = min_j f(U - j) + 0.5 / (S_UU^-1)_jj`` (the residual variance of ``j`` given
    the rest of ``U``, read off one inverse per subset). Exponential in ``d``: for small ``d`` only."""
    S = np.asarray(S, dtype=np.float64)
    d = S.shape[0]
    f = np.full(1 << d, np.inf)
    f[0] = 0.0
    last = np.zeros(1 << d, dtype=np.int64)
    bits = np.arange(d)
    for U in range(1, 1 << d):
        members = bits[(U >> bits) & 1 == 1]
        resid = 0.5 / np.diag(np.linalg.inv(S[np.ix_(members, members)]))
        cost = f[U ^ (1 << members)] + resid
        k = int(np.argmin(cost))
        f[U], last[U] = cost[k], members[k]
    order, U = [], (1 << d) - 1
    while U:
        order.append(int(last[U]))
        U ^= 1 << int(last[U])
    return np.asarray(order[::-1], dtype=np.int64)


def heuristic_order(S: np.ndarray, should_stop=None) -> np.ndarray:
    """Greedy order: repeatedly take the node with the smallest variance given those already taken.

    A pivoted Cholesky with the minimum pivot, O(d^3) flops as one
    matrix-vector product per step (about a second at d = 1000). Under equal
    noise variances this is the correct order in the large-sample limit;
    otherwise it is a cheap start. ``should_stop()`` is polled every few
    steps; once it is true the nodes not yet taken follow in increasing order
    of their variance given the taken ones (still a permutation).
    """
    S = np.asarray(S, dtype=np.float64)
    d = S.shape[0]
    var = np.diag(S).copy()  # variance of each node given the nodes taken so far
    left = np.ones(d, dtype=bool)
    order = np.empty(d, dtype=np.int64)
    H = np.zeros((d, d))  # rows: the columns of the pivoted Cholesky factor taken so far
    for k in range(d):
        if should_stop is not None and k % 16 == 0 and k and should_stop():
            rest = np.flatnonzero(left)
            order[k:] = rest[np.argsort(var[rest], kind="stable")]
            return order
        j = int(np.argmin(np.where(left, var, np.inf)))
        order[k] = j
        left[j] = False
        c = S[:, j] - H[:k, j] @ H[:k] if k else S[:, j].copy()
        piv = c[j]
        if piv > 0:
            H[k] = c / np.sqrt(piv)
            var -= H[k] ** 2
    return order


class DAGProblem(Problem):
    """Learn a DAG from data under the linear least-squares score.

    Parameters
    ----------
    X
        Data, ``n x d`` (rows are samples); it is centred per column here.
    names
        Variable names (default ``X0 .. X{d-1}``).
    name, source
        Instance name and the file it came from.
    truth
        Optional ground truth: a ``d x d`` (weighted) adjacency, see :meth:`set_truth`.

    Attributes
    ----------
    Xc, S
        Centred data and its covariance ``Xc^T Xc / n``.
    truth, truth_weights
        0/1 truth adjacency (or None) and its weights when the truth file had them.
    """

    kind = "dag"
    sense = "min"

    def __init__(self, X: np.ndarray, names: list[str] | None = None, name: str = "data", source: str | None = None,
                 truth: Any = None):
        X = number_array(X, "X (the data)")  # (kept centred in Xc: a copy, whatever the caller does after)
        if X.ndim != 2:
            raise InputError(source, f"data must be a 2-D table (rows = samples), got {X.ndim} dimension(s)")
        n, d = X.shape
        if names is None:
            names = [f"X{i}" for i in range(d)]
        if len(names) != d:
            raise InputError(source, f"{len(names)} names for {d} columns")
        validate_data(X, names, source)
        self.n, self.d = n, d
        self.names = [str(v) for v in names]
        self.name = name
        self.source = source
        self.Xc = centre(X)
        self.S = self.Xc.T @ self.Xc / n
        var = np.diag(self.S)
        low = np.flatnonzero(~(var >= MIN_VARIANCE))
        if low.size:
            j = int(low[0])
            raise InputError(source, f"column {self.names[j]!r} has variance {var[j]:.3g} (values up to "
                                     f"{np.abs(X[:, j]).max():.3g} in magnitude); expected a variance of at least "
                                     f"{MIN_VARIANCE:.0e}, as smaller ones underflow in float64: rescale the data "
                                     "(one factor for all columns leaves the learned DAG unchanged)")
        sd = np.sqrt(var)  # the correlation matrix (an outer product of variances overflows from 1e154 on)
        inv_diag = _inverse_diagonal(self.S / np.outer(sd, sd))
        if not _full_rank_of(inv_diag):
            raise InputError(source, "the columns are linearly dependent (e.g. a duplicated or derived variable); "
                                     "expected data of full column rank")
        #: each variable's residual variance given all the others, ``1 / (S^-1)_jj = var_j / (C^-1)_jj``: the terms of
        #: :meth:`bound`, read off the rank check's factor (a second inversion of S per bound took 5 s at d = 3000)
        self._resid_given_rest = var / inv_diag
        self.truth: np.ndarray | None = None
        self.truth_weights: np.ndarray | None = None
        self.truth_source: str | None = None
        if truth is not None:
            self.set_truth(truth)

    # -- truth --------------------------------------------------------------
    def set_truth(self, truth: Any) -> DAGProblem:
        """Attach a ground truth (in place; returns ``self``).

        ``truth`` is a file (edge-list CSV ``cause,effect[,weight]`` by name or
        0-based index, an adjacency CSV or ``.npy``) or a ``d x d`` array. A
        0/1 array is a graph; other values are weights.
        """
        from .readers import read_graph

        if isinstance(truth, (str, Path)):
            if not str(truth).strip():  # Path("") is ".", which was refused as ".: is a directory"
                raise ParameterError("truth must name a graph file (or be a d x d array), got an empty name")
            B, Wt = read_graph(truth, self.names)
            self.truth_source = str(truth)
        else:
            try:
                A = np.asarray(truth, dtype=np.float64)
            except (TypeError, ValueError):
                raise ParameterError("truth must be a file name or a d x d numeric array") from None
            if A.shape != (self.d, self.d) or not np.all(np.isfinite(A)):
                raise ParameterError(f"truth must be a finite {self.d} x {self.d} array, got shape {A.shape}")
            B = support(A)
            Wt = None if np.all((A == 0) | (A == 1)) else A.copy()
            self.truth_source = "array"
        self.truth = B
        self.truth_weights = Wt
        return self

    def truth_score(self) -> float | None:
        """Score of the true weights when known, else of the least-squares fit on the true graph (if a DAG)."""
        if self.truth is None:
            return None
        if self.truth_weights is not None:
            return ls_score(self.Xc, self.truth_weights)
        return self.truth_refit_score()

    def truth_refit_score(self) -> float | None:
        """Score of the least-squares fit on the true edges (if a DAG): the best any method can score with the true
        graph, at most :meth:`truth_score`, and the fair yardstick where the truth file's weights do not match the
        data's scale (standardised data)."""
        if self.truth is None:
            return None
        return self._refit_score(self.truth)

    def metrics(self, W: np.ndarray) -> dict[str, float] | None:
        """SHD, TPR, FDR, FPR, nnz of ``W != 0`` against the truth (None without one)."""
        if self.truth is None:
            return None
        return count_accuracy(self.truth, support(W))

    # -- Problem interface --------------------------------------------------
    @property
    def num_variables(self) -> int:
        return self.d * (self.d - 1)

    def score(self, W: np.ndarray) -> float:
        """The least-squares score ``1/(2n) ||Xc - Xc W||_F^2``."""
        return ls_score(self.Xc, np.asarray(W, dtype=np.float64))

    def construct(self) -> np.ndarray:
        """The empty graph: always a DAG (the cold-start answer)."""
        return np.zeros((self.d, self.d))

    def evaluate(self, solution: Any) -> Evaluation:
        W = real_array(solution)
        if W is None:
            return Evaluation(None, False, ["solution is not a matrix of real numbers"])
        if W.shape != (self.d, self.d):
            return Evaluation(None, False, [f"adjacency has shape {W.shape}, expected ({self.d}, {self.d})"])
        if not np.all(np.isfinite(W)):
            return Evaluation(None, False, ["adjacency has NaN or infinite weights"])
        violations = []
        for i in np.flatnonzero(np.diag(W))[:MAX_VIOLATIONS_LISTED]:
            violations.append(f"self-loop on {self.names[i]}")
        if not violations:
            cyc = find_cycle(W)
            if cyc is not None:
                violations.append("directed cycle " + " -> ".join(self.names[i] for i in cyc))
        return Evaluation(self.score(W), not violations, violations)

    def objective_scale(self) -> float:
        """The proven bound where it is below 1: scores of data measured in small units (1e-5) are of that size, and
        an absolute tolerance of 1e-9 proved a score of 1.5e-10 optimal against a bound of 9.8e-11."""
        kept = self.__dict__.get("_scale")
        if kept is None:
            b = self.bound()
            floor = 0.5 * float(np.min(np.diag(self.S)))  # (the size of the data's variances, were b None)
            kept = self.__dict__["_scale"] = min(1.0, b if b is not None and b > 0 else floor)
        return kept

    def bound(self) -> float | None:
        """A proven lower bound: each node's residual variance given *all* other variables.

        For any DAG, a node's least-squares residual given its parents is at
        least its residual given every other variable, ``1 / (S^-1)_jj``.
        """
        # a hair below, so that rounding never puts the bound above an exact optimum
        return float(0.5 * np.sum(self._resid_given_rest)) * (1.0 - 1e-9)

    def edges(self, W: np.ndarray) -> list[dict[str, Any]]:
        """The edges of ``W`` as ``{"cause", "effect", "weight"}`` records (by name)."""
        W = np.asarray(W, dtype=np.float64)
        ii, jj = np.nonzero(W)
        return [{"cause": self.names[i], "effect": self.names[j], "weight": float(W[i, j])}
                for i, j in zip(ii.tolist(), jj.tolist(), strict=True)]

    def solution_to_json(self, solution: Any) -> dict[str, Any]:
        W = np.asarray(solution, dtype=np.float64)
        order = topological_order(W)
        out: dict[str, Any] = {
            "names": list(self.names),
            "adjacency": W.tolist(),
            "edges": self.edges(W),
            "is_dag": order is not None,
            "order": None if order is None else [self.names[i] for i in order],
        }
        if self.truth is not None:
            out["metrics"] = self.metrics(W)
            out["truth_score"] = self.truth_score()
            out["truth_refit_score"] = self.truth_refit_score()
            ti, tj = np.nonzero(self.truth)
            out["truth_edges"] = [[self.names[i], self.names[j]] for i, j in zip(ti.tolist(), tj.tolist(),
                                                                                   strict=True)]
        return out

    def solution_claims(self, data: Any) -> list[str]:
        """What a result states beside its adjacency and the adjacency does not bear out: an ``edges`` list of other
        edges or weights, ``is_dag`` or an ``order`` that are not the adjacency's (the lists are what people read);
        and a claimed lower bound above the score of a DAG combopt builds: the full DAG (every node regressed on all
        its predecessors) on the solution's own order, at most the solution's score, on the greedy order of
        :func:`heuristic_order` (a claim of optimality for the full DAG on the worst order was taken) and, up to
        :data:`EXACT_ORDER_MAX` variables, on the best order of all (:func:`best_order`; at d = 5 a claim of
        optimality 12 % above the optimum passed both other witnesses). A result without a solution
        (``"solution": null``) has its bound checked against the last two."""
        if not isinstance(data, dict):
            return []
        order, out = None, []
        if data.get("solution") is not None:
            try:
                W = real_array(self.solution_from_json(data))
            except (InputError, ParameterError, ValueError, TypeError):
                return []
            if W is None or W.shape != (self.d, self.d):
                return []
            order = topological_order(W)
            sol = data.get("solution") if isinstance(data.get("solution"), dict) else {}
            out = self._stated_fields(sol, W, order) if "adjacency" in sol else []
            if "adjacency" in sol:
                out.extend(self._truth_claims(sol, W))
        bound = _as_float(data.get("bound"))
        if bound is None or not math.isfinite(bound):
            return out
        tol = 1e-9 * max(self.objective_scale(), abs(float(bound)))
        witnesses = [("the greedy order (smallest conditional variance first)", heuristic_order(self.S))]
        if self.d <= EXACT_ORDER_MAX:  # the least score of any DAG: a claimed optimum above it is refuted
            witnesses.append(("the best of all orders (found exactly)", best_order(self.S)))
        if order is not None:
            witnesses.insert(0, ("the solution's own order", order))
        for what, o in witnesses:
            try:
                full = order_score(self.S, o)
            except np.linalg.LinAlgError:  # pragma: no cover - the reader's rank check makes every order factor
                continue
            if full < float(bound) - tol:
                out.append(f"bound: the result claims {float(bound):.10g}, above the score {full:.10g} of the full DAG "
                           f"on {what} (every node on all its predecessors)")
                break
        return out

    def _truth_claims(self, sol: dict, W: np.ndarray) -> list[str]:
        """The result's truth metrics against the truth: the attached one (``combopt check --truth``), else the
        result's own ``truth_edges`` (then only that its metrics are those of its adjacency against them; the true
        graph's score needs the truth's weights, so only its refit score is checked)."""
        stated = sol.get("truth_edges")
        out: list[str] = []
        given = None
        if stated is not None:
            index = {v: i for i, v in enumerate(self.names)}
            pairs = stated if isinstance(stated, list) else None
            if pairs is None or not all(isinstance(e, list) and len(e) == 2 and all(
                    isinstance(v, str) and v in index for v in e) for e in pairs):
                return ["truth_edges: expected a list of [cause, effect] pairs of the data's column names"]
            given = np.zeros((self.d, self.d), dtype=np.int64)
            for c, e in pairs:
                given[index[c], index[e]] = 1
            if len({tuple(e) for e in pairs}) != len(pairs):
                out.append("truth_edges: the result lists an edge twice")
        truth = self.truth if self.truth is not None else given
        if truth is None:
            return out
        if self.truth is not None and given is not None and not np.array_equal(given != 0, self.truth != 0):
            extra = [(self.names[i], self.names[j]) for i, j in zip(*np.nonzero((given != 0) & (self.truth == 0)),
                                                                     strict=True)][:3]
            missing = [(self.names[i], self.names[j]) for i, j in zip(*np.nonzero((given == 0) & (self.truth != 0)),
                                                                       strict=True)][:3]
            out.append(f"truth_edges: the result's truth is not {self.truth_source}'s (in the result only: "
                       f"{extra or 'none'}; in the truth only: {missing or 'none'})")
        m = sol.get("metrics")
        if m is not None:
            real = count_accuracy(truth, support(W))
            if not isinstance(m, dict):
                out.append("metrics: expected an object of SHD, TPR, FDR, FPR, ...")
            else:
                wrong = [f"{k} {repr(m[k])[:40]} (is {real[k]:.6g})" for k in real if k in m and not (
                    (f := _as_float(m[k])) is not None and math.isclose(f, real[k], rel_tol=1e-9, abs_tol=1e-12))]
                if wrong:
                    out.append("metrics: the result's metrics are not its adjacency's against the truth: "
                               + ", ".join(wrong[:4]))
        scores = [("truth_refit_score", self._refit_score(truth))]
        if self.truth is not None:
            scores.append(("truth_score", self.truth_score()))
        for key, real_score in scores:
            claimed = sol.get(key)
            if claimed is None:
                continue
            f = _as_float(claimed)
            if (f is None or real_score is None
                    or not math.isclose(f, real_score, rel_tol=1e-9, abs_tol=1e-12 * self.objective_scale())):
                shown = "none (the truth is not a DAG)" if real_score is None else f"{real_score:.10g}"
                out.append(f"{key}: the result claims {repr(claimed)[:40]}, the truth's is {shown}")
        return out

    def _refit_score(self, truth: np.ndarray) -> float | None:
        """Score of the least-squares fit on ``truth``'s edges (None if it is not a DAG)."""
        if topological_order(truth) is None:
            return None
        return ls_score(self.Xc, refit_on_support(self.S, truth))

    def _stated_fields(self, sol: dict, W: np.ndarray, order) -> list[str]:
        out = []
        if "edges" in sol:
            stated = {(e.get("cause"), e.get("effect")): e.get("weight") for e in sol["edges"] if isinstance(e, dict)} \
                if isinstance(sol["edges"], list) else None
            real = {(e["cause"], e["effect"]): e["weight"] for e in self.edges(W)}
            records = sum(isinstance(e, dict) for e in sol["edges"]) if stated is not None else -1
            if stated is not None and set(stated) == set(real) and len(stated) < records == len(sol["edges"]):
                out.append("edges: the result lists an edge twice")
            elif stated is None or set(stated) != set(real) or len(stated) != len(sol["edges"]):
                extra = sorted(set(stated or ()) - set(real))[:3]
                missing = sorted(set(real) - set(stated or ()))[:3]
                out.append(f"edges: the result's edge list is not its adjacency's (listed but not in the adjacency: "
                           f"{extra or 'none'}; in the adjacency but not listed: {missing or 'none'})")
            elif any((f := _as_float(w)) is None or not math.isclose(f, real[k], rel_tol=1e-9, abs_tol=1e-12)
                     for k, w in stated.items()):
                out.append("edges: the result's edge weights are not its adjacency's")
        if "is_dag" in sol and sol["is_dag"] is not (order is not None):
            out.append(f"is_dag: the result claims {sol['is_dag']!r}, but its adjacency "
                       f"{'is' if order is not None else 'is not'} acyclic")
        if sol.get("order") is not None:
            stated_order = sol["order"]
            index = {v: i for i, v in enumerate(self.names)}
            ok = (isinstance(stated_order, list) and len(stated_order) == self.d
                  and all(isinstance(v, str) and v in index for v in stated_order)
                  and len(set(stated_order)) == self.d)
            if ok:
                pos = np.empty(self.d, dtype=np.int64)
                pos[[index[v] for v in stated_order]] = np.arange(self.d)
                ii, jj = np.nonzero(W)
                ok = bool(np.all(pos[ii] < pos[jj]))
            if not ok:
                out.append("order: the result's order is not a topological order of its adjacency")
        return out

    def solution_from_json(self, data: Any, path: str | None = None) -> np.ndarray:
        if isinstance(data, dict) and "solution" in data and isinstance(data["solution"], dict):
            data = data["solution"]
        if isinstance(data, dict) and "names" in data and data["names"] != self.names:
            # the adjacency is positional: a result for other columns (or another order of them) reads wrongly
            got = data["names"]
            shown = ", ".join(map(str, got[:5])) + (", ..." if len(got) > 5 else "") if isinstance(got, list) else got
            raise InputError(path, f"the result's variable names ({str(shown)[:80]}) are not the data's columns "
                                   f"({', '.join(self.names[:5])}{', ...' if self.d > 5 else ''}); expected a result "
                                   "of this data file")
        if isinstance(data, dict) and "adjacency" in data:
            A = data["adjacency"]
            if not isinstance(A, list) or len(A) != self.d or not all(isinstance(r, list) and len(r) == self.d
                                                                      for r in A):
                raise InputError(path, f"'adjacency' must be a {self.d} x {self.d} list of lists of numbers")
            for r, row in enumerate(A):
                for v in row:
                    if isinstance(v, bool) or not isinstance(v, (int, float)):
                        raise InputError(path, f"'adjacency' row {r} holds {str(v)[:40]!r}; expected numbers")
            return np.asarray(A, dtype=np.float64)
        if isinstance(data, dict) and "edges" in data and isinstance(data["edges"], list):
            W = np.zeros((self.d, self.d))
            index = {v: i for i, v in enumerate(self.names)}
            seen: set[tuple[int, int]] = set()
            for e in data["edges"]:
                if not isinstance(e, dict) or e.get("cause") not in index or e.get("effect") not in index:
                    raise InputError(path, f"edge {str(e)[:60]} does not name two variables of the data")
                w = e.get("weight", 1.0)
                if isinstance(w, bool) or not isinstance(w, (int, float)):
                    raise InputError(path, f"edge {str(e)[:60]} has a non-numeric weight")
                i, j = index[e["cause"]], index[e["effect"]]
                if W[i, j] != 0 or (i, j) in seen:  # a second weight for one edge: which one is the solution's?
                    raise InputError(path, f"edge {e['cause']} -> {e['effect']} is listed twice; expected each edge "
                                           "once")
                seen.add((i, j))
                W[i, j] = float(w)
            return W
        raise InputError(path, "expected a DAG result: a 'solution' object with an 'adjacency' matrix or 'edges'")

    def describe(self) -> str:
        return f"dag {self.name}: {self.n} samples x {self.d} variables"

    # -- plots --------------------------------------------------------------
    def figure(self, solution, label: str = "solution"):
        """The learned graph, with the truth overlaid when the problem has one."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(6.5, 6), layout="constrained")
        self.plot_graph(np.asarray(solution, dtype=np.float64), ax=fig.subplots())
        fig.suptitle(label, fontsize=9)
        return fig

    def plot_graph(self, W: np.ndarray, ax=None, **kw):
        """Draw ``W`` with the truth overlaid (see :func:`combopt.problems.dag.plots.plot_graph`)."""
        from .plots import plot_graph

        return plot_graph(W, self.names, truth=self.truth, ax=ax, title=self.name, **kw)


#: the least share of a variable's variance left unexplained by all the others (``1 / (C^-1)_jj`` of the correlation
#: matrix ``C``) in data combopt takes. It is the smallest squared pivot of the Cholesky factor over every order of the
#: variables (a pivot is the variance left given the variables before it, least when all others come first), so
#: TOPO's search factors every order it tries; the pivots of the file's own column order depended on that order (the
#: same columns were taken in one order and refused in another)
MIN_UNEXPLAINED = 1e-10


def _inverse_diagonal(C: np.ndarray) -> np.ndarray | None:
    """``diag(C^-1)`` of a positive definite ``C`` from one Cholesky factor and its triangular inverse (None when the
    factorisation fails)."""
    from scipy.linalg import solve_triangular

    try:
        L = np.linalg.cholesky(C)
    except np.linalg.LinAlgError:
        return None
    Linv = solve_triangular(L, np.eye(C.shape[0]), lower=True, check_finite=False)
    return np.einsum("ij,ij->j", Linv, Linv)  # diag(C^-1) = column norms of L^-1


def _full_rank_of(inv_diag: np.ndarray | None) -> bool:
    """True when no variable is explained by the others up to :data:`MIN_UNEXPLAINED` of its variance (whatever the
    order of the columns), from ``diag(C^-1)`` of the correlation matrix ``C``."""
    return inv_diag is not None and bool(np.all(np.isfinite(inv_diag)) and np.all(inv_diag * MIN_UNEXPLAINED <= 1.0))


def _as_float(v: Any) -> float | None:
    """A number a result file states, as a float; None for anything else (a bool, a string, an integer of hundreds of
    digits: float() of it raised OverflowError, a traceback from ``combopt check``)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        return float(v)
    except OverflowError:
        return None


def _at_row(e: InputError, r: int) -> InputError:
    """``e`` marked with the data row (0-based) it is about: a reader of a text file names that row's line."""
    e.row = int(r)
    return e


def validate_data(X: np.ndarray, names: list[str], source: str | None) -> None:
    """Shape, finiteness, constant columns and duplicate names; raises :class:`InputError`."""
    n, d = X.shape
    if d < 2:
        raise InputError(source, f"data has {d} column(s); expected at least 2 variables")
    if d > MAX_VARIABLES:
        raise InputError(source, f"data has {d} columns; combopt learns DAGs on at most {MAX_VARIABLES} variables")
    if n <= d:
        raise InputError(source, f"data has {n} rows and {d} columns; expected more rows (samples) than columns "
                                 "(variables)")
    bad = ~np.isfinite(X)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise _at_row(InputError(source, f"row {r + 1} column {names[c]!r} is {X[r, c]}; expected finite numbers "
                                         "(no NaN or missing values)"), r)
    big = math.sqrt(1e300 / n)  # the scores sum squares over the rows: larger values overflow to infinity
    over = np.abs(X) > big
    if over.any():
        r, c = np.argwhere(over)[0]
        raise _at_row(InputError(source, f"row {r + 1} column {names[c]!r} is {X[r, c]:.6g}; expected values of "
                                         f"magnitude below {big:.3g} (their squares summed over {n} rows must stay "
                                         "finite): rescale the data"), r)
    seen: set[str] = set()
    for v in names:
        if not v:
            raise InputError(source, "an empty variable name; expected a name for every column")
        if v in seen:
            raise InputError(source, f"variable name {v!r} appears twice; expected unique names")
        seen.add(v)
    span = X.max(axis=0) - X.min(axis=0)
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    const = np.flatnonzero(span <= 1e-12 * scale)
    if const.size:
        raise InputError(source, f"column {names[const[0]]!r} is constant; expected every variable to vary")
