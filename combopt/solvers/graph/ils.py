"""Iterated local search for maximum independent set / clique (ARW 2012)."""

from __future__ import annotations

import math
import time

import numba
import numpy as np

from ...core.budget import StepBudget
from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...core.warm import report_construction
from ...problems.graph.local import ils_batch
from ..common import deferred_interrupt, flag, positive_int, reject_unknown, replica_memory
from .exact import exact_kernel_phase
from .sparse_clique import sparse_clique_search

#: share of the time left at a graph solver's start that the problem's bounds still missing may take (the API's
#: own call gives them a fixed fraction of a second: :data:`combopt.problems.graph.mis.BOUND_S`)
BOUND_SHARE = 0.1
#: share of the time left at the search's start that the Lovasz theta bound (:mod:`combopt.problems.graph.theta`) may
#: take at most: it stops once its integer part is final, and where it meets the incumbent the run ends proven
#: optimal (see benchmarks/clique_bounds.py); at a tenth, DIMACS clique graphs of 400-500 vertices could not start it
#: in a 5 s run
THETA_SHARE = 0.25
#: share of the time limit after which the theta bound starts even while the search still improves (:class:`ThetaLater`)
THETA_LATEST = 0.5
#: share of the time left that the theta bound may take at most when it starts (:class:`ThetaLater`)
THETA_LEFT = 0.5
#: rounds in a row without a new incumbent after which the theta bound starts (:class:`ThetaLater`)
THETA_STALL = 3
#: share of the time left at a graph solver's start that the exact reductions may take (by their estimated cost,
#: :func:`combopt.problems.graph.reduce.worth_trying`, and as their deadline); the search then runs on the kernel.
#: Every vertex they remove is settled exactly, which is worth more than search time (the Python version of the rules
#: needed 3.4 s on a 700 x 700 grid with 20 % of its vertices deleted, and at 10 s a fifth of the time cut them short
#: at a kernel of 197,000 vertices where they end at 40,600; the Numba kernel needs 0.2 s), and the rules stop at
#: their fixpoint, so the share is a deadline, not a cost
REDUCE_SHARE = 0.4
#: above this many adjacency entries the greedy construction is reported before the reductions (0.05-0.15 s per
#: million entries), so that a Ctrl-C during them still has a solution to show
CONSTRUCT_FIRST_NNZ = 5_000_000


def start_search(problem, ctx: SolveContext, reduce: bool = True, exact: bool = True, info: dict | None = None):
    """The problem a graph solver searches: the kernel of ``problem``'s exact reductions where they fit
    :data:`REDUCE_SHARE` of the time left and cut the graph (``IndependentSet.search_space``), else ``problem``
    (also with ``reduce=False``). The bounds of ``problem``, the kernel's among them, are offered
    (:func:`offer_bound`), and a kernel the rules emptied is answered at once (its lifted set meets the bound:
    proven optimal).
    With ``exact`` a kernel then gets the exact phase of :mod:`.exact` (HiGHS for a share of the time); what it
    did goes into ``info``."""
    left = ctx.time_left
    budget = REDUCE_SHARE * left if math.isfinite(left) else math.inf
    if reduce and ctx.state.best_solution is None and problem.indices.size > CONSTRUCT_FIRST_NNZ:
        report_construction(problem, ctx, iteration=False)  # an answer for a Ctrl-C during seconds of reductions
    searched = problem.search_space(budget) if reduce else problem
    if searched.n == 0:
        offer_largest(searched, ctx, np.zeros((1, 0), dtype=np.int8))
    offer_bound(problem, ctx)  # its bounds include the kernel's plus the offset (``bounds()["kernel"]``)
    if reduce and exact and not ctx.state.should_stop():
        (info if info is not None else {}).update(exact_kernel_phase(searched, ctx, offer_largest))
    return searched


def sparse_clique_instead(problem, ctx: SolveContext, params: dict, name: str) -> SolverOutput:
    """A clique search on a graph whose complement is large runs the ``clique-cores`` search (the independent-set
    route would build the complement, quadratic in the vertices); ``name``'s own parameters do not apply there."""
    if params:
        raise ParameterError(f"{name} searches this clique problem with clique-cores ({problem.n} vertices, a large "
                             f"complement), which takes none of {', '.join(sorted(params))}; run -s clique-cores "
                             f"(parameter node_budget)")
    out = sparse_clique_search(problem, ctx)
    out.info["mode"] = f"clique-cores ({problem.n} vertices, sparse)"
    return out


def offer_bound(problem, ctx: SolveContext) -> None:
    """Complete the problem's bounds but theta within :data:`BOUND_SHARE` of the time left and hand the best to the
    search, which stops once its incumbent meets it; the theta bound comes later (:class:`ThetaLater`). Without a
    time limit: all of them, theta included."""
    if not hasattr(problem, "bound_info"):  # not an IndependentSet: its bound() takes no time budget
        return
    left = ctx.time_left
    if not math.isfinite(left):  # no clock to keep: theta too (a run stopped by max_iterations would never stall)
        ctx.state.offer_bound(problem.bound(math.inf))
        return
    ctx.state.offer_bound(problem.bound(BOUND_SHARE * left, theta_seconds=0.0))


class ThetaLater:
    """The theta bound of ``problem`` (the original of the searched graph), offered once the search stalls: called
    after each of its rounds, it starts theta after :data:`THETA_STALL` rounds in a row without a new incumbent (or
    once :data:`THETA_LATEST` of the time limit has passed), and only where the incumbent does not meet the cheap
    bounds (:func:`offer_bound`) already: within :data:`THETA_SHARE` of the time the search started with, at most
    :data:`THETA_LEFT` of the time left (a quarter of the time left then started it on fewer graphs: p_hat500-1 kept
    its colouring bound 32 in a 5 s run instead of theta's 13, benchmarks/clique_bounds.py). Before the search, theta
    would delay every set the first round finds (the clique graphs of benchmarks/mis_quality.py reached their clique
    number at about 0.8 s of a 3 s run instead of 0.01-0.05 s), and while the search still improves, the sets it
    finds (after one round without a new incumbent, a generated brock graph's clique came at 0.9 s instead of 0.2 s);
    where the search finds the optimum, the bound can only end the run sooner."""

    def __init__(self, problem, ctx: SolveContext):
        self.problem = problem
        self.ctx = ctx
        # not an IndependentSet, or untimed (:func:`offer_bound` ran theta already)
        self.done = not hasattr(problem, "bound_info") or not math.isfinite(ctx.time_left)
        self.start = time.perf_counter()
        self.latest = THETA_LATEST * ctx.time_left
        self.share = THETA_SHARE * ctx.time_left  # of the time at the search's start

    def __call__(self) -> None:
        if self.done:
            return
        ctx = self.ctx
        # rounds since the one that found the incumbent (the state's count, as for the no_improvement criterion;
        # called after ``next_iteration``, the improving round itself counts 1)
        stalled = ctx.state.iterations - ctx.state.best_iteration - 1
        if stalled < THETA_STALL and time.perf_counter() - self.start < self.latest:
            return  # the search still improves
        self.done = True
        if ctx.state.proven_optimal or ctx.state.should_stop():
            return
        left = ctx.time_left
        ctx.state.offer_bound(self.problem.bound(BOUND_SHARE * left, theta_seconds=min(self.share, THETA_LEFT * left)))


def bound_info(problem) -> dict:
    """The problem's bounds and the seconds they took, for the result's ``info`` (see ``IndependentSet.bound_info``)."""
    return problem.bound_info() if hasattr(problem, "bound_info") else {}


def offer_largest(problem, ctx: SolveContext, X: np.ndarray) -> None:
    """Offer the largest rows of ``X`` (sets of ``problem``'s working graph, lifted to the original problem's when
    it is a kernel) that could beat the incumbent (the objective is the set's size), each
    checked by the original problem's ``evaluate``, largest first, until one is feasible. (Offering every distinct row
    took 0.7 s a call on a 200,000-vertex graph: a sort of the rows and an evaluation each.)"""
    sizes = X.sum(axis=1, dtype=np.int64) + problem.offset
    best = ctx.state.best
    for r in np.argsort(-sizes, kind="stable"):
        if best is not None and sizes[r] <= best:
            return
        S = problem.lift(np.flatnonzero(X[r]))  # a kernel's set, as a set of the file's graph
        ev = problem.original.evaluate(S)
        if ev.feasible:
            ctx.state.report(ev.objective, S)
            return


@register_solver(
    "ils",
    problems=("mis", "clique"),
    description="iterated local search with (1,2)-swaps (Andrade-Resende-Werneck), parallel walks (Numba CPU)",
)
def iterated_local_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_walks`` independent walks (default 8; on graphs above 20,000 vertices one per Numba
    thread, as the steps each walk gets count for more than their number there: at 5 s, two walks against eight,
    a random geometric graph of 30,000 vertices 5,022 against 4,990, Barabasi-Albert 50,000 vertices 22,893
    against 22,884, a random graph of 200,000 vertices at 10 s 62,363 against 62,023), ``ils_iters`` steps
    per walk and outer iteration (default ``max(1000, 10 n)``), ``reduce`` (default true: search the kernel of the
    exact reductions of :mod:`combopt.problems.graph.reduce`, see :func:`start_search`), ``exact`` (default true:
    HiGHS on that kernel for a share of the time first, :mod:`.exact`)."""
    if problem.sparse_clique:
        return sparse_clique_instead(problem, ctx, params, "ils")
    extra: dict = {}
    problem = start_search(problem, ctx, flag(params, "reduce", True), flag(params, "exact", True), extra)
    n = problem.n
    if n == 0:  # the reductions solved the graph
        return SolverOutput(info={**bound_info(problem), **extra})
    R = positive_int(params, "num_walks", 8 if n <= 20_000 else max(2, numba.get_num_threads()))
    iters = positive_int(params, "ils_iters", max(1000, 10 * n))
    reject_unknown(params, "ils")
    replica_memory(R, n, "num_walks", 2)
    X = np.zeros((R, n), dtype=np.int8)
    target = n + 1
    first = True
    theta = ThetaLater(problem.original, ctx)
    # a timed run's calls end about when its time does; each takes half of what is left, so that a rate that
    # drifts (steps slow down as the set grows, a loaded machine) costs a fraction of the limit, not all of it
    budget = StepBudget(lambda: ctx.time_left, iters, share=0.5, least=50)
    # the budget fits every call into the time left; the first (the walks' start sets) runs whenever there is no
    # solution yet, as when the problem's bound took the time of a very short limit
    while (first and ctx.state.best_solution is None and not ctx.state.interrupted) or \
            not ctx.state.should_stop(sized=True):
        if first or ctx.state.best_solution is None:
            X[:] = 0
        else:
            X[:] = 0
            X[:, problem.restrict(ctx.state.best_solution)] = 1
        seeds = ctx.uint64_seeds(R)
        if first:  # no steps: each walk's start set (greedy, (1,2)-swaps) and compilation, not timed as steps
            its = 0
        else:  # a short call measures the rate before the budget sizes the others
            its = budget.next(1000 if budget.per_step == 0.0 and math.isfinite(ctx.time_left) else None)
        budget.start(its)
        with deferred_interrupt():  # a Ctrl-C during the walks ends the run after their sets are offered
            ils_batch(problem.indptr, problem.indices, X, its, seeds, target)
            if not first:
                budget.done()
            offer_largest(problem, ctx, X)
        if first:
            ctx.state.begin_iterations()  # the start sets are no iteration (max_iterations counts ILS calls)
            first = False
        else:
            ctx.state.next_iteration()
        theta()
    return SolverOutput(info={"num_walks": R, "ils_iters": iters, **bound_info(problem), **extra})
