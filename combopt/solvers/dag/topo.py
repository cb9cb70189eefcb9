"""TOPO: DAG learning by swaps of a topological order (Deng, Bello, Ravikumar, Aragam, ICML 2023).

The outer level searches topological orders by swapping pairs of positions;
the inner level fits, for an order, the best linear least-squares weights
(exactly, from the permuted covariance and one Cholesky: see :mod:`.fit`).

One round:

1. rank the position pairs by the gradient of the log-det acyclicity function
   (:func:`.fit.rank_swaps`) and score the ``size_small`` best swaps (a swap of
   ``a < b`` refits only the positions ``a .. b``; :mod:`.kernels`, or one
   batched Cholesky on the GPU: :mod:`combopt.gpu.dag`);
2. when none improves by more than ``rtol`` times the score, try the next
   candidates up to ``size_large`` (at most ``no_large_search`` times in a run);
   when none of those improves either, stop (a local minimum of the swap
   neighbourhood);
3. apply the improving swaps best first, skipping any whose position interval
   overlaps one already taken (disjoint intervals: the gains add up), and
   refactorise.

At the end the weights of the order (least squares, or a lasso per node with
``l1 > 0``) are thresholded at ``threshold`` and, with ``refit``, refitted by
least squares on the kept support until every kept weight passes the
threshold. The output is always a DAG (a subgraph of a full order).

Beyond the paper: centred data (the reference code does not centre), a
relative tolerance and a round cap, restarts run in parallel threads, a
greedy start order (``init="heuristic"``), post-processing of another
method's DAG (``init=FILE``), an l1 option and the refit.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...core.stopping import MaxIterations
from ...problems.dag.model import DAGProblem
from ...problems.dag.readers import read_graph
from ..common import flag, positive_int, reject_unknown
from .fit import (
    cov_score,
    default_search_sizes,
    fit_order,
    heuristic_order,
    lasso_given_order,
    order_cholesky,
    order_from_graph,
    rank_swaps,
    threshold_and_refit,
)
from .kernels import swap_deltas

__all__ = ["topo", "topo_search", "SearchOutcome"]


@dataclass
class SearchOutcome:
    """One run of the swap search from one start order."""

    order: np.ndarray
    loss: float
    loss_trace: list[float] = field(default_factory=list)
    rounds: int = 0
    swaps: int = 0
    large_searches: int = 0
    evaluated: int = 0
    converged: bool = False


def topo_search(S: np.ndarray, order: np.ndarray, *, size_small: int, size_large: int, no_large_search: int = 1,
                rtol: float = 1e-5, max_iter: int = 1000, scorer=None, should_stop=None) -> SearchOutcome:
    """Swap search from ``order`` on the covariance ``S`` (see the module doc).

    ``scorer(L, ca, cb) -> deltas`` scores candidate swaps (default: the Numba
    kernel); ``should_stop()`` is polled once per round (time limit, Ctrl-C).
    """
    scorer = scorer or swap_deltas
    order = np.asarray(order, dtype=np.int64).copy()
    d = order.size
    pairs = d * (d - 1) // 2
    size_small = min(size_small, pairs)
    size_large = min(max(size_large, size_small), pairs)
    L = order_cholesky(S, order)
    loss = float(0.5 * np.sum(np.diag(L) ** 2))
    out = SearchOutcome(order, loss, [loss])
    while out.rounds < max_iter:
        if should_stop is not None and should_stop():
            break
        P = S[np.ix_(order, order)]
        ca, cb = rank_swaps(L, P, size_small)
        deltas = scorer(L, ca, cb)
        out.evaluated += len(ca)
        tol = rtol * max(abs(loss), 1e-300)
        good = np.flatnonzero(deltas < -tol)
        if good.size == 0 and out.large_searches < no_large_search and size_large > size_small:
            out.large_searches += 1
            ca, cb = rank_swaps(L, P, size_large, start=size_small)
            deltas = scorer(L, ca, cb)
            out.evaluated += len(ca)
            good = np.flatnonzero(deltas < -tol)
        if good.size == 0:
            out.converged = True
            break
        taken: list[tuple[int, int]] = []
        for c in good[np.argsort(deltas[good], kind="stable")]:
            a, b = int(ca[c]), int(cb[c])
            if any(not (b < x or a > y) for x, y in taken):
                continue
            taken.append((a, b))
            order[a], order[b] = order[b], order[a]
        out.swaps += len(taken)
        L = order_cholesky(S, order)
        loss = float(0.5 * np.sum(np.diag(L) ** 2))
        out.rounds += 1
        out.loss_trace.append(loss)
    out.order = order
    out.loss = loss
    return out


def _start_orders(problem: DAGProblem, init, k: int, rng: np.random.Generator, first_batch: bool) -> list:
    d = problem.d
    starts = []
    for r in range(k):
        if first_batch and r == 0 and isinstance(init, np.ndarray):
            starts.append(init.copy())
        elif first_batch and r == 0 and init == "heuristic":
            starts.append(heuristic_order(problem.S))
        else:
            starts.append(rng.permutation(d).astype(np.int64))
    return starts


def _parse_init(problem: DAGProblem, init):
    if init is None or (isinstance(init, str) and init == "heuristic"):
        return "heuristic"
    if isinstance(init, str) and init == "random":
        return "random"
    if isinstance(init, (str, Path)):
        if not Path(init).is_file():
            raise ParameterError(f"init must be 'heuristic', 'random' or a DAG file (edge list or adjacency); "
                                 f"no file named {str(init)[:80]!r}")
        B, _ = read_graph(init, problem.names)
        return order_from_graph(B, problem.names, str(init))
    try:
        A = np.asarray(init, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError("init must be 'heuristic', 'random', a graph file or a d x d adjacency") from None
    if A.shape == (problem.d, problem.d):
        return order_from_graph(A != 0, problem.names, "init")
    if A.shape == (problem.d,) and sorted(A.astype(np.int64).tolist()) == list(range(problem.d)):
        return A.astype(np.int64)  # an order
    raise ParameterError(f"init must be 'heuristic', 'random', a graph file, a {problem.d} x {problem.d} adjacency "
                         "or an order (a permutation of 0..d-1)")


def _number(params: dict, key: str, default: float, lo: float = 0.0, strict: bool = False) -> float:
    v = params.pop(key, default)
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {key} must be a number, got {v!r}") from None
    if not math.isfinite(f) or f < lo or (strict and f == lo):
        raise ParameterError(f"parameter {key} must be a finite number {'>' if strict else '>='} {lo}, got {v!r}")
    return f


@register_solver("topo", problems=("dag",), devices=("cpu", "gpu"), default_for=("dag",),
                 default_stop=MaxIterations(1),
                 description="DAG learning by topological swaps (TOPO, ICML 2023): exact least squares per order")
def topo(problem: DAGProblem, ctx: SolveContext, **params) -> SolverOutput:
    """Learn a DAG by swaps of a topological order.

    Parameters (``-p key=value``)
    ----------
    threshold : float, default 0.3
        Edges with ``|weight| < threshold`` are dropped.
    refit : bool, default true
        Least-squares refit on the thresholded support.
    l1 : float, default 0
        Lasso penalty of each node's regression given the final order.
    init : ``heuristic`` (default) | ``random`` | FILE | array
        Start order: greedy minimum conditional variance, random, or the
        topological order of a DAG given as a file (post-processing mode).
    restarts : int, default 1
        Start orders per outer iteration, run in parallel threads (the first
        from ``init``, the others random).
    workers : int, default min(restarts, CPUs)
    size_small, size_large, no_large_search
        Candidate set sizes (defaults of the reference implementation) and
        how many times the large set may be tried.
    rtol : float, default 1e-5
        A swap must improve the score by more than ``rtol`` times the score.
    max_iter : int, default 1000
        Swap rounds per start.
    truth : FILE | array
        Ground truth for metrics (attached to the problem).

    One outer iteration is one batch of ``restarts`` starts; by default one
    batch runs. With a time limit and no iteration limit, batches of random
    starts repeat until the time is spent.
    """
    if not isinstance(problem, DAGProblem):  # pragma: no cover - the registry only hands over dag problems
        raise ParameterError("topo solves dag problems")
    d = problem.d
    ds, dl = default_search_sizes(d)
    threshold = _number(params, "threshold", 0.3)
    refit = flag(params, "refit", True)
    l1 = _number(params, "l1", 0.0)
    restarts = positive_int(params, "restarts", 1)
    workers = positive_int(params, "workers", min(restarts, os.cpu_count() or 1))
    size_small = positive_int(params, "size_small", ds)
    size_large = positive_int(params, "size_large", dl)
    no_large_search = int(_number(params, "no_large_search", 1))
    rtol = _number(params, "rtol", 1e-5)
    max_iter = positive_int(params, "max_iter", 1000)
    truth = params.pop("truth", None)
    init_raw = params.pop("init", "heuristic")
    reject_unknown(params, "topo")
    if truth is not None:
        problem.set_truth(truth)
    init = _parse_init(problem, init_raw)
    S = problem.S

    scorer = None
    if ctx.device == "gpu":
        from ...gpu.dag import XPSwapScorer

        try:
            import cupy as xp  # type: ignore[import-not-found]
        except ImportError:  # pragma: no cover - no GPU stack here
            from ...core.errors import MissingDependencyError

            raise MissingDependencyError("the GPU path of topo needs CuPy: pip install 'combopt[gpu]'") from None
        scorer = XPSwapScorer(xp)

    state = ctx.state
    limit = state.criterion.time_limit()

    def should_stop() -> bool:
        return state.interrupted or state.elapsed >= limit

    def run(start: np.ndarray) -> SearchOutcome:
        return topo_search(S, start, size_small=size_small, size_large=size_large, no_large_search=no_large_search,
                           rtol=rtol, max_iter=max_iter, scorer=scorer, should_stop=should_stop)

    best = None  # (score, W, outcome, restart index)
    scores: list[float] = []
    first = True
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 and restarts > 1 else None
    try:
        while True:
            starts = _start_orders(problem, init, restarts, ctx.rng, first)
            outs = list(pool.map(run, starts)) if pool is not None else [run(s) for s in starts]
            for o in outs:
                W_order, _ = fit_order(S, o.order)
                W0 = lasso_given_order(S, o.order, l1) if l1 > 0 else W_order
                W = threshold_and_refit(S, W0, threshold, refit)
                sc = cov_score(S, W)
                scores.append(sc)
                if best is None or sc < best[0] - 1e-12:
                    best = (sc, W, o, len(scores) - 1, cov_score(S, W0))
                state.report(sc, W)
            first = False
            state.next_iteration()
            if state.should_stop():
                break
    finally:
        if pool is not None:
            pool.shutdown()
    sc, W, o, idx, raw = best
    info = {
        "order": [problem.names[i] for i in o.order],
        "order_score": o.loss,
        "unthresholded_score": raw,
        "loss_trace": o.loss_trace,
        "rounds": o.rounds,
        "swaps": o.swaps,
        "large_searches": o.large_searches,
        "swaps_evaluated": o.evaluated,
        "converged": o.converged,
        "best_start": idx,
        "start_scores": scores,
        "init": init_raw if isinstance(init_raw, str) else "array",
        "threshold": threshold,
        "l1": l1,
        "size_small": min(size_small, d * (d - 1) // 2),
        "size_large": min(max(size_large, size_small), d * (d - 1) // 2),
        "edges": int(np.count_nonzero(W)),
    }
    m = problem.metrics(W)
    if m is not None:
        info.update({k: m[k] for k in ("shd", "tpr", "fdr", "fpr", "nnz")})
        info["truth_score"] = problem.truth_score()
    return SolverOutput(solution=W, info=info)
