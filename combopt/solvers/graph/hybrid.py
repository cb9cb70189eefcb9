"""Annealing + iterated local search + phased local search hybrid for maximum independent set / clique.

Each outer iteration runs four phases:

1. **anneal**: ``num_reads`` fresh replicas of simulated annealing on the MIS QUBO
   (``-sum x + P sum_E x_u x_v``) from random states; the sweep count cycles through
   ``num_sweeps * (1, 2, 4, 8) / 8``, so short and long schedules alternate (no single schedule
   suits every graph class; on camouflaged graphs many short runs beat a few long ones).
2. **polish**: each annealed sample is repaired (most conflicted vertex out), completed
   greedily and improved by (1,2)-swaps.
3. **search**: ``num_walks`` walks of the ARW iterated local search ((1,2)-swaps, forced
   insertions, plateau moves). Walk 0 starts from the greedy set and runs on undisturbed (the
   plain ``ils`` solver inside the hybrid); the others start from the largest polished samples
   and continue from their best set in the next iteration, except the smallest of them, which
   restarts from the largest polished sample of that iteration.
4. **phased search** (run first in each iteration): ``num_phased`` walks of phased local search
   (:mod:`combopt.problems.graph.phased`: add and swap moves, random / penalty / degree selection
   in turn, perturbation after each plateau), each continuing from its own state, penalties
   included; they never take a start from the other phases, so they stay diverse.

Annealing gives diverse starting points (it wins on the camouflaged ``brock``/``gen`` graphs),
ILS gives the plateau and swap moves annealing lacks (it wins on the ``san`` graphs, where the
optimum hides behind low-degree vertices), phased search finds the cliques that degree camouflage
hides from both (``brock``: random and penalty selection ignore degrees). Under a time limit phase 3
gets ``ils_share`` (2) and phase 4 ``phased_share`` (3) times as much time as phases 1 and 2 took, so
no side starves; without one (iteration or target limits only) they take ``2 n`` and ``20 n`` steps
and a run is deterministic for its seed.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...core.warm import report_construction
from ...problems.graph.local import ils_batch, improve_batch
from ...problems.graph.phased import phased_batch
from .. import kernels
from ..common import (
    deferred_interrupt,
    finite_float,
    flag,
    geometric_betas,
    parse_beta_range,
    positive_int,
    reject_unknown,
    replica_memory,
)
from .ils import ThetaLater, bound_info, iterated_local_search, offer_largest, sparse_clique_instead, start_search

SWEEP_CYCLE = (1, 2, 4, 8)
# priors for the first timed calls, before a rate is measured (seconds; 2-core laptop, generous): a phased
# step of one walk per vertex of the graph, an annealing sweep of one replica per vertex and coupling
PHASED_PRIOR = 4e-9
SWEEP_PRIOR = 3e-9
#: above this many vertices phased search is off by default: each of its steps scans every vertex, so on a
#: 200,000-vertex graph (1M edges) its walks reached 58,013 in 20 s where ILS reached 60,249
PHASED_MAX_N = 50_000
#: above this many vertices sa-ils runs only its ILS walks (the ``ils`` solver), unless ``hybrid=true``: annealed
#: sets are worse starts than the greedy one there, and annealing R copies costs time the incremental ILS steps
#: use better. Measured with the incremental ILS (single runs, seed 0, not kept in a results file): at 5 s a
#: random geometric graph of 30,000 vertices 4,992 (ILS) against 4,933 (hybrid), Barabasi-Albert 50,000 vertices
#: 22,873 against 22,845; at 10 s G(n, 10/n) with 20,000 and 50,000 vertices equal; at 3 s on 2,000-5,000
#: vertices either way by a few vertices (G(2000, 0.01): hybrid 428, ILS 423; a geometric graph of 5,000: 819
#: against 821), so the hybrid keeps the smaller graphs, where DIMACS clique benchmarks need its annealing.
ILS_ONLY_N = 20_000


#: the parameters of ``sa-ils``
SA_ILS_PARAMS = ("reduce", "exact", "hybrid", "num_reads", "num_walks", "num_sweeps", "ils_iters", "penalty",
                 "beta_range", "ils_share", "num_phased", "phased_share", "penalty_delay")


def check_values(params: dict) -> None:
    """Refuse a nonsense value of an ``sa-ils`` parameter, or an unknown one, before the reductions (``params`` is
    left as it is): where they solve the graph no search parses them (``num_reads=0`` and ``penalty=0.5`` ran
    unremarked on such graphs and were refused on the others)."""
    p = dict(params)
    flag(p, "reduce", True), flag(p, "exact", True), flag(p, "hybrid", True)
    for key in ("num_reads", "num_walks", "num_sweeps", "ils_iters", "penalty_delay"):
        positive_int(p, key, None)
    positive_int(p, "num_phased", None, lo=0)
    finite_float(p, "penalty", None, 1.0, 1e15, open_lo=True)
    finite_float(p, "ils_share", None, 0.0, 1e6)
    finite_float(p, "phased_share", None, 0.0, 1e6)
    beta = p.pop("beta_range", None)
    if beta is not None:
        parse_beta_range(beta, None)
    reject_unknown(p, "sa-ils")


def rounds(k: int) -> int:
    """How many walks or replicas each Numba thread runs in turn when ``k`` run in parallel."""
    return -(-k // max(1, numba.get_num_threads()))


def mis_beta_range(problem, penalty: float) -> tuple[float, float]:
    """Schedule from the structure: hot enough that a vertex with a median number of
    conflicts leaves the set with probability 1/2, cold enough that a single conflict
    (energy ``penalty - 1``) survives with probability 1/100."""
    deg = np.diff(problem.indptr)
    med = float(np.median(deg)) if deg.size else 1.0
    hot = np.log(2.0) / max(1.0, penalty * med - 1.0)
    cold = np.log(100.0) / max(penalty - 1.0, 1e-3)
    return float(hot), float(max(cold, hot * 1.0001))


@register_solver(
    "sa-ils",
    problems=("mis", "clique"),
    description="annealing restarts polished by iterated local search with (1,2)-swaps, and phased local "
                "search walks (Numba CPU)",
    default_for=("mis", "clique"),
    params=SA_ILS_PARAMS,
)
def anneal_ils(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_reads`` annealing replicas per outer iteration (default: 8 per Numba
    thread, at least 16), ``num_walks`` ILS walks (default: 2 per thread, at least 4),
    ``num_sweeps`` longest annealing schedule (default 1000), ``ils_iters`` ILS steps per walk and
    iteration (default: as long as the annealing phase took, or ``2 n`` without a time limit),
    ``ils_share`` ILS time per annealing time under a time limit (default 2), ``num_phased`` phased
    local search walks (default: 2 per thread, at least 4; 0 turns phase 4 off), ``phased_share``
    their time per annealing time (default 3), ``penalty_delay`` of their penalty rule (default 2),
    ``penalty`` (default 2), ``beta_range`` (default from the degrees, see :func:`mis_beta_range`).
    Phased search is off by default above :data:`PHASED_MAX_N` vertices; above :data:`ILS_ONLY_N` the solver
    runs its ILS walks alone (the ``ils`` solver: ``num_walks``, ``ils_iters``) unless ``hybrid=true``;
    ``hybrid=false`` does that on any graph. ``reduce`` (default true): search the kernel of the exact reductions
    of :mod:`combopt.problems.graph.reduce` (see :func:`.ils.start_search`); ``exact`` (default true): HiGHS on that
    kernel for a share of the time first (:mod:`.exact`).
    """
    if problem.sparse_clique:
        return sparse_clique_instead(problem, ctx, params, "sa-ils")
    extra: dict = {}
    check_values(params)  # a graph the reductions solve parses none of them
    problem = start_search(problem, ctx, flag(params, "reduce", True), flag(params, "exact", True), extra)
    n = problem.n
    if n == 0:  # the reductions solved the graph
        return SolverOutput(info={**bound_info(problem), **extra})
    if not flag(params, "hybrid", n <= ILS_ONLY_N):
        if set(params) - {"num_walks", "ils_iters"}:
            raise ParameterError(f"sa-ils runs its ILS walks alone on this graph ({n} vertices, above "
                                 f"{ILS_ONLY_N}, or hybrid=false); it takes num_walks and ils_iters, got "
                                 f"{', '.join(sorted(set(params) - {'num_walks', 'ils_iters'}))} (hybrid=true runs "
                                 f"every phase)")
        out = iterated_local_search(problem, ctx, reduce=False, **params)  # reduced above (or not asked to)
        out.info["mode"] = f"ILS walks alone ({n} vertices)"
        out.info.update(extra)
        return out
    threads = numba.get_num_threads()
    R = positive_int(params, "num_reads", max(16, 8 * threads))
    W = positive_int(params, "num_walks", max(4, 2 * threads))
    sweeps_max = positive_int(params, "num_sweeps", 1000)
    fixed_iters = params.pop("ils_iters", None)
    iters_given = None if fixed_iters is None else positive_int({"ils_iters": fixed_iters}, "ils_iters", 1)
    penalty = finite_float(params, "penalty", 2.0, 1.0, 1e15, open_lo=True)
    beta_param = params.pop("beta_range", None)
    ils_share = finite_float(params, "ils_share", 2.0, 0.0, 1e6)
    D = positive_int(params, "num_phased", max(4, 2 * threads) if n <= PHASED_MAX_N else 0, lo=0)
    phased_share = finite_float(params, "phased_share", 3.0, 0.0, 1e6)
    pd = positive_int(params, "penalty_delay", 2)
    reject_unknown(params, "sa-ils")
    if D < 0:
        raise ParameterError(f"num_phased must be >= 0, got {D}")
    replica_memory(max(D, 1), n, "num_phased", bytes_per_entry=10)
    replica_memory(R, n, "num_reads")
    replica_memory(W, n, "num_walks", bytes_per_entry=1)
    if penalty <= 1.0:
        raise ParameterError(f"penalty must be greater than 1, got {penalty}")
    model = problem.to_qubo(penalty=penalty)
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    beta_range = mis_beta_range(problem, penalty) if beta_param is None else parse_beta_range(beta_param, model)
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    Y = np.zeros((W, n), dtype=np.int8)
    Z = np.zeros((D, n), dtype=np.int8)  # phased walks: current sets, penalties, counters, best sets
    PEN = np.zeros((D, n), dtype=np.int64)
    CNT = np.zeros((D, 2), dtype=np.int64)
    ZB = np.zeros((D, n), dtype=np.int8)
    phased_rate = None
    phased_done = 0
    t_sa = None
    target = n + 1
    ils_rate = None  # seconds per ILS step per walk (measured)
    sa_rate = None  # seconds per replica-sweep (measured)
    k = 0
    sweeps_done = ils_done = 0
    theta = ThetaLater(problem.original, ctx)
    while not ctx.state.should_stop():
        timed = np.isfinite(ctx.time_left)
        # 4. (first in each iteration, as it is the quickest to large sets) phased local search
        #    walks, each from its own state
        if D > 0:
            if not timed:
                steps = 20 * n if iters_given is None else iters_given
            elif phased_rate is None or t_sa is None:
                # 20 n steps measure the rate (a few milliseconds per walk on small graphs); a step scans all n
                # vertices, so on a large graph the first call is capped by a prior rate
                steps = min(20 * n, max(10, int(0.02 * ctx.time_left / (PHASED_PRIOR * n * rounds(D)))))
            else:
                steps = max(10, min(int(phased_share * t_sa / phased_rate), int(0.2 * ctx.time_left / phased_rate)))
            t2 = time.perf_counter()
            with deferred_interrupt():  # a Ctrl-C during a kernel ends the run after its sets are offered
                phased_batch(problem.indptr, problem.indices, Z, PEN, CNT, steps, ctx.uint64_seeds(D), pd, target, ZB)
                phased_rate = max((time.perf_counter() - t2) / steps, 1e-9)
                phased_done += D * steps
                offer_largest(problem, ctx, ZB)
            if ctx.state.should_stop():
                break
        # 1. anneal fresh replicas
        sweeps = max(8, sweeps_max * SWEEP_CYCLE[k % len(SWEEP_CYCLE)] // SWEEP_CYCLE[-1])
        if timed:  # measured after the first iteration; before it a prior per sweep and replica
            rate = sa_rate if sa_rate is not None else SWEEP_PRIOR * (n + indices.size) * rounds(R) / R
            sweeps = max(4, min(sweeps, int(0.1 * ctx.time_left / (rate * R))))
        t0 = time.perf_counter()
        betas = geometric_betas(beta_range, sweeps)
        with deferred_interrupt():
            kernels.anneal_batch_cpu(indptr, indices, data, h, betas, 1, X, F, ctx.uint64_seeds(R), E, 1)
            # 2. repair, complete and (1,2)-swap every sample
            improve_batch(problem.indptr, problem.indices, X, ctx.uint64_seeds(R))
            t_sa = time.perf_counter() - t0
            if k > 0:
                sa_rate = t_sa / (R * sweeps)
            sweeps_done += R * sweeps
            offer_largest(problem, ctx, X)
        if ctx.state.should_stop():
            break
        # 3. ILS walks: they continue from where they stopped; the smallest walk restarts from
        #    the largest annealed set (all walks start from annealed sets)
        order = np.argsort(-X.sum(axis=1), kind="stable")
        if k == 0:
            Y[:] = X[order[np.arange(W) % R]]
            Y[0] = 0  # walk 0 is a plain ILS from the greedy set, never replaced
        elif W > 1:
            Y[1 + int(np.argmin(Y[1:].sum(axis=1)))] = X[order[0]]
        if iters_given is not None:
            iters = iters_given
        elif not timed:
            iters = 2 * n
        elif ils_rate is None:
            iters = 50  # the first call absorbs compilation and measures the rate
        else:
            iters = max(10, min(int(ils_share * t_sa / ils_rate), int(0.2 * ctx.time_left / ils_rate)))
        t1 = time.perf_counter()
        with deferred_interrupt():
            ils_batch(problem.indptr, problem.indices, Y, iters, ctx.uint64_seeds(W), target)
            if k > 0 or iters_given is not None:
                ils_rate = max((time.perf_counter() - t1) / iters, 1e-9)
            ils_done += W * iters
            offer_largest(problem, ctx, Y)
        k += 1
        ctx.state.next_iteration()
        theta()
    if ctx.state.best_solution is None and not ctx.state.interrupted:  # the bound took a very short limit's time
        report_construction(problem.original, ctx, iteration=False)
    return SolverOutput(info={"num_reads": R, "num_walks": W, "num_sweeps": sweeps_max, "sweeps_done": sweeps_done,
                              "ils_steps_done": ils_done, "num_phased": D, "phased_steps_done": phased_done,
                              "beta_range": list(beta_range), **bound_info(problem), **theta.info(), **extra})
