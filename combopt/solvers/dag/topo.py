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

Time limit and Ctrl-C: the candidates of a round are scored in chunks of
about 0.2 s (:class:`ScorePace`, sized from the measured kernel rate; one
round of the large search takes ~10 s at d = 1000), and the clock is read
between chunks, every 16 steps of the greedy start and per node of the
lasso. The search stops early enough to leave time (measured from its own
rounds) for fitting the final order; improving swaps already scored are
applied. A Ctrl-C is held while the solver runs and acts like the time
limit: the best DAG so far is returned, with ``info["interrupted"]``.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import InputError, ParameterError
from ...core.registry import register_solver
from ...core.stopping import MaxIterations
from ...problems.dag.model import DAGProblem
from ...problems.dag.readers import read_graph
from ..common import deferred_interrupt, flag, positive_int, reject_unknown
from .fit import (
    cov_score,
    default_search_sizes,
    heuristic_order,
    lasso_given_order,
    order_cholesky,
    order_from_graph,
    rank_swaps,
    threshold_and_refit,
    weights_from_cholesky,
)
from .kernels import swap_deltas

__all__ = ["topo", "topo_search", "score_in_chunks", "ScorePace", "SearchOutcome"]


#: start scores kept in a result's info (``starts`` counts them all)
START_SCORES_KEPT = 100

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
    #: ``should_stop()`` ended the search (time limit, Ctrl-C), possibly inside a candidate evaluation
    stopped: bool = False
    #: Cholesky factor of the covariance permuted by ``order`` (saves a refactorisation when fitting it)
    cholesky: np.ndarray | None = None
    #: the lasso (``l1 > 0``) reached the time limit or a Ctrl-C: later nodes kept least-squares weights
    l1_cut_short: bool = False
    #: the refit after thresholding reached the time limit or a Ctrl-C: later nodes kept their unrefitted weights
    refit_cut_short: bool = False


class ScorePace:
    """Sizes the chunks of a candidate evaluation from the measured throughput of the scorer.

    A candidate swap ``(a, b)`` costs about ``(b - a + 1)^3`` work units (a
    Cholesky of the block). Each chunk is planned to take ``seconds`` at the
    rate measured so far (the first one starts from a cautious guess), so that
    the clock is read every ``seconds`` however large the candidates are; one
    candidate is the smallest chunk.
    """

    def __init__(self, seconds: float = 0.2, rate: float = 2e8):
        self.seconds = float(seconds)
        self.rate = float(rate)  # work units per second
        #: longest fixed part of a round seen (ranking the swaps, refactorising), in seconds: about what fitting,
        #: thresholding and scoring the final order costs, so a caller can stop the search that much earlier
        self.overhead = 0.0

    def update(self, work: float, dt: float, full: bool = True) -> None:
        """Record a chunk of ``work`` units that took ``dt`` seconds (``full``: it was cut by the budget)."""
        if dt >= 0.02:
            self.rate = max(work / dt, 1.0)
        elif full:  # too short to measure, and the budget was the limit: grow the next chunk
            self.rate *= 4.0


def score_in_chunks(scorer, L: np.ndarray, ca: np.ndarray, cb: np.ndarray, should_stop=None,
                    pace: ScorePace | None = None, chunk: int | None = None) -> tuple[np.ndarray, int, bool]:
    """Score the candidates ``(ca[c], cb[c])`` chunk by chunk, polling ``should_stop()`` before each chunk.

    Returns ``(deltas, evaluated, stopped)``: the candidates not scored when
    ``should_stop()`` turned true have ``inf`` (no improvement). ``chunk``
    fixes the number of candidates per chunk (else :class:`ScorePace`).
    """
    C = len(ca)
    deltas = np.full(C, np.inf)
    pace = pace or ScorePace()
    work = (cb - ca + 1).astype(np.float64) ** 3 + 64.0
    cum = np.cumsum(work)
    i = 0
    while i < C:
        if should_stop is not None and should_stop():
            return deltas, i, True
        if chunk is not None:
            j = min(C, i + max(int(chunk), 1))
        else:
            base = cum[i - 1] if i else 0.0
            j = int(np.searchsorted(cum, base + pace.rate * pace.seconds, side="right"))
            j = min(C, max(j, i + 1))
        t0 = time.perf_counter()
        deltas[i:j] = scorer(L, ca[i:j], cb[i:j])
        pace.update(float(cum[j - 1] - (cum[i - 1] if i else 0.0)), time.perf_counter() - t0, chunk is None and j < C)
        i = j
    return deltas, C, False


def topo_search(S: np.ndarray, order: np.ndarray, *, size_small: int, size_large: int, no_large_search: int = 1,
                rtol: float = 1e-5, max_iter: int = 1000, scorer=None, should_stop=None,
                chunk: int | None = None, pace: ScorePace | None = None) -> SearchOutcome:
    """Swap search from ``order`` on the covariance ``S`` (see the module doc).

    ``scorer(L, ca, cb) -> deltas`` scores candidate swaps (default: the Numba
    kernel). ``should_stop()`` (time limit, Ctrl-C) is polled at each round
    and between the chunks of a candidate evaluation (:func:`score_in_chunks`;
    ``chunk`` fixes their size): when it turns true inside an evaluation, the
    improving swaps found so far are still applied, and the search ends with
    the best order it has. ``pace`` (shared by the searches of one run)
    keeps the measured scorer rate and round overhead.
    """
    scorer = scorer or swap_deltas
    order = np.asarray(order, dtype=np.int64).copy()
    d = order.size
    pairs = d * (d - 1) // 2
    size_small = min(size_small, pairs)
    size_large = min(max(size_large, size_small), pairs)
    pace = pace or ScorePace()
    L = order_cholesky(S, order)
    loss = float(0.5 * np.sum(np.diag(L) ** 2))
    out = SearchOutcome(order, loss, [loss])
    while out.rounds < max_iter:
        if should_stop is not None and should_stop():
            out.stopped = True
            break
        t0 = time.perf_counter()
        P = S[np.ix_(order, order)]
        ca, cb = rank_swaps(L, P, size_small)
        pace.overhead = max(pace.overhead, time.perf_counter() - t0)
        deltas, k, stopped = score_in_chunks(scorer, L, ca, cb, should_stop, pace, chunk)
        out.evaluated += k
        tol = rtol * max(abs(loss), 1e-300)
        good = np.flatnonzero(deltas < -tol)
        if good.size == 0 and not stopped and out.large_searches < no_large_search and size_large > size_small:
            out.large_searches += 1
            t0 = time.perf_counter()
            ca, cb = rank_swaps(L, P, size_large, start=size_small)
            pace.overhead = max(pace.overhead, time.perf_counter() - t0)
            deltas, k, stopped = score_in_chunks(scorer, L, ca, cb, should_stop, pace, chunk)
            out.evaluated += k
            good = np.flatnonzero(deltas < -tol)
        out.stopped = stopped
        if good.size == 0:
            out.converged = not stopped
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
        if stopped:
            break
    out.order = order
    out.loss = loss
    out.cholesky = L
    return out


def _start_orders(problem: DAGProblem, init, k: int, rng: np.random.Generator, first_batch: bool,
                  should_stop=None):
    """The ``k`` start orders of a batch, drawn one at a time (a batch cut short by the limit draws no more)."""
    d = problem.d
    for r in range(k):
        if first_batch and r == 0 and isinstance(init, np.ndarray):
            yield init.copy()
        elif first_batch and r == 0 and init == "heuristic":
            yield heuristic_order(problem.S, should_stop)
        else:
            yield rng.permutation(d).astype(np.int64)


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
        if not np.all(np.isfinite(A)):  # (NaN != 0: it was taken as an edge; the truth array refuses it too)
            raise ParameterError(f"init must be a finite {problem.d} x {problem.d} adjacency; it has NaN or "
                                 "infinite entries")
        return order_from_graph(A != 0, problem.names, "init")
    if A.shape == (problem.d,) and np.all(A == np.round(A)) and sorted(A.astype(np.int64).tolist()) == \
            list(range(problem.d)):
        return A.astype(np.int64)  # an order
    raise ParameterError(f"init must be 'heuristic', 'random', a graph file, a {problem.d} x {problem.d} adjacency "
                         "or an order (a permutation of 0..d-1)")


def _number(params: dict, key: str, default: float, lo: float = 0.0, strict: bool = False) -> float:
    v = params.pop(key, default)
    try:
        if isinstance(v, (bool, np.bool_)):  # (threshold=True is a slip, not 1)
            raise TypeError
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"parameter {key} must be a number, got {v!r}") from None
    if not math.isfinite(f) or f < lo or (strict and f == lo):
        raise ParameterError(f"parameter {key} must be a finite number {'>' if strict else '>='} {lo}, got {v!r}")
    return f


@register_solver("topo", problems=("dag",), devices=("cpu", "gpu"), default_for=("dag",),
                 default_stop=MaxIterations(1),
                 description="DAG learning by topological swaps (TOPO, ICML 2023): exact least squares per order",
                 params=("threshold", "refit", "l1", "init", "restarts", "workers", "size_small", "size_large",
                         "no_large_search", "rtol", "max_iter", "truth"))
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
    large_given = params.get("size_large") is not None
    size_small = positive_int(params, "size_small", ds)
    size_large = positive_int(params, "size_large", dl)
    if large_given and size_large < size_small:  # (was raised to size_small without a word: no large search ran)
        raise ParameterError(f"parameter size_large ({size_large}) must be at least size_small ({size_small}): the "
                             "large search scores the candidates after the small set's")
    no_large_search = positive_int(params, "no_large_search", 1, lo=0)
    rtol = _number(params, "rtol", 1e-5)
    if rtol >= 1:  # a swap would have to lower the score below zero: no swap is ever taken
        raise ParameterError(f"parameter rtol must be below 1 (the share of the score a swap must gain), got {rtol:g}")
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

    pace = ScorePace()

    def run(start: np.ndarray, should_stop, hard_stop) -> tuple:
        """Search from ``start``, then fit, threshold and score its order: ``(score, W, outcome, raw score)``."""
        o = topo_search(S, start, size_small=size_small, size_large=size_large, no_large_search=no_large_search,
                        rtol=rtol, max_iter=max_iter, scorer=scorer, should_stop=should_stop, pace=pace)
        W_order = np.zeros((d, d))
        W_order[np.ix_(o.order, o.order)] = weights_from_cholesky(o.cholesky)  # = fit_order(S, o.order)[0]
        if l1 > 0:
            # the lasso may use the time the search left for fitting, up to the limit itself; nodes it has not
            # reached by then keep their least-squares weights (info["l1_cut_short"])
            cut: list[bool] = []

            def lasso_stop() -> bool:
                if not cut and hard_stop():
                    cut.append(True)
                return bool(cut)

            W0 = lasso_given_order(S, o.order, l1, W_ls=W_order, should_stop=lasso_stop)
            o.l1_cut_short = bool(cut)
            raw = cov_score(S, W0)
        else:
            W0, raw = W_order, o.loss
        W, o.refit_cut_short = threshold_and_refit(S, W0, threshold, refit, should_stop=hard_stop)
        return cov_score(S, W), W, o, raw

    best = None  # (score, W, outcome, restart index, unthresholded score)
    scores: list[float] = []
    first = True
    interrupted = False
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 and restarts > 1 else None
    try:
        # a Ctrl-C is held until the block ends: it makes should_stop() true, the searches end at their next check
        # (at most a chunk of candidates, ScorePace.seconds, away) and their DAGs are fitted and offered first
        with deferred_interrupt() as held:
            def hard_stop() -> bool:
                return bool(held) or state.interrupted or state.elapsed >= limit

            def should_stop() -> bool:
                # leave time to fit the final orders of the running starts: about 1.5 fixed parts of a round
                # (measured; before the first measurement, a few d^3 flops at a cautious 4 Gflop/s)
                reserve = 1.5 * pace.overhead if pace.overhead > 0 else d ** 3 / 4e9
                return hard_stop() or state.elapsed + reserve >= limit

            cut = False
            while not cut:
                starts = _start_orders(problem, init, restarts, ctx.rng, first, should_stop)
                # the starts run ``workers`` at a time, and none begins once the search must stop: each still
                # searched and fitted its order after the limit (restarts=20000 on 4 variables ran 120 s of 2)
                while not (cut := bool(scores) and should_stop()):
                    chunk = list(itertools.islice(starts, workers))
                    if not chunk:
                        break
                    if pool is not None:
                        outs = list(pool.map(lambda st: run(st, should_stop, hard_stop), chunk))
                    else:
                        outs = [run(st, should_stop, hard_stop) for st in chunk]
                    for sc, W, o, raw in outs:
                        scores.append(sc)
                        if best is None or sc < best[0] - 1e-12:
                            best = (sc, W, o, len(scores) - 1, raw)
                        state.report(sc, W)
                first = False
                state.next_iteration()
                cut = cut or bool(held) or state.should_stop()
    except KeyboardInterrupt:  # raised by deferred_interrupt() on leaving the block: the run was cut short
        interrupted = True
        state.interrupted = True
    except np.linalg.LinAlgError:  # pragma: no cover - the reader's rank check makes every order's Cholesky work
        raise InputError(problem.source, "the covariance is numerically singular for some order of the variables "
                                         "(nearly linearly dependent columns); expected data of full column "
                                         "rank") from None
    finally:
        if pool is not None:
            pool.shutdown()
    if best is None:  # pragma: no cover - a Ctrl-C that could not be held (not the main thread, own handler)
        raise KeyboardInterrupt
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
        # the first START_SCORES_KEPT (a timed run on two variables restarts thousands of times)
        "start_scores": scores[:START_SCORES_KEPT],
        "starts": len(scores),
        "init": init_raw if isinstance(init_raw, str) else "array",
        "threshold": threshold,
        "l1": l1,
        "size_small": min(size_small, d * (d - 1) // 2),
        "size_large": min(max(size_large, size_small), d * (d - 1) // 2),
        "edges": int(np.count_nonzero(W)),
        "stopped_early": o.stopped,
    }
    if l1 > 0:
        info["l1_cut_short"] = o.l1_cut_short
    if o.refit_cut_short:
        info["refit_cut_short"] = True
    if interrupted:
        info["interrupted"] = True
    m = problem.metrics(W)
    if m is not None:
        info.update({k: m[k] for k in ("shd", "tpr", "fdr", "fpr", "nnz")})
        info["truth_score"] = problem.truth_score()
        info["truth_refit_score"] = problem.truth_refit_score()
    return SolverOutput(solution=W, info=info)
