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
from ...core.warm import compile_seconds, report_construction
from ...problems.graph.local import ils_batch
from ..common import deferred_interrupt, flag, positive_int, reject_unknown, replica_memory
from .exact import exact_kernel_phase
from .sparse_clique import CliqueProof, sparse_clique_search

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
#: seconds of the exact clique proof (:class:`~.sparse_clique.CliqueProof`, :class:`ThetaLater`) per second of search:
#: its first slice at the stall as long as the search had run, then after each round; the heuristics find the clique
#: number of the DIMACS graphs of 125-300 vertices within 0.1 s, and the colouring branch and bound, started from it,
#: proves it in 0.05-1.8 s (sanr200_0.7, brock200_1, p_hat300-2, C125.9), where theta stays 4-6 above
PROOF_RATIO = 1.0
#: the proof is given up (the search keeps all the time) once, at the pace of its slices so far, it would need
#: more than this many times the time left to settle the vertices still open
PROOF_HOPE = 1.0
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
    where the search finds the optimum, the bound can only end the run sooner.

    A clique search (and an independent-set search on up to about 1400 vertices, as a clique search of the
    complement) first gives the stall an exact proof, the colouring branch and bound of
    ``clique-cores`` started from the incumbent, for as long as the search has run (at most theta's time): where it
    completes, the incumbent is proven optimal and the run ends without theta. Else theta runs, and the proof goes
    on after each later round where it stopped (:data:`PROOF_RATIO` of the round's time), until it completes or its
    pace says it cannot (:data:`PROOF_HOPE`)."""

    def __init__(self, problem, ctx: SolveContext):
        self.problem = problem
        self.ctx = ctx
        # not an IndependentSet, or untimed (:func:`offer_bound` ran theta already)
        self.done = not hasattr(problem, "bound_info") or not math.isfinite(ctx.time_left)
        self.start = time.perf_counter()
        self.latest = THETA_LATEST * ctx.time_left
        self.share = THETA_SHARE * ctx.time_left  # of the time at the search's start
        self.proof: CliqueProof | None = None
        self.proving = not self.done and _proof_fits(problem)
        self.round_end = self.start
        self.searched_s = self.proved_s = 0.0  # seconds of search rounds after theta, and of the proof
        self.gave_up = False

    def __call__(self) -> None:
        """After a round of the search (after its ``next_iteration``): theta or a slice of the proof, timed outside
        the search's iterations."""
        t0, compiled = time.perf_counter(), compile_seconds()
        try:
            self._after_round()
        finally:
            self.ctx.state.outside_iterations(time.perf_counter() - t0, compile_seconds() - compiled)

    def _after_round(self) -> None:
        if self.done:
            self._prove()
            return
        ctx = self.ctx
        # rounds since the one that found the incumbent (the state's count, as for the no_improvement criterion;
        # called after ``next_iteration``, the improving round itself counts 1)
        stalled = ctx.state.iterations - ctx.state.best_iteration - 1
        if stalled < THETA_STALL and time.perf_counter() - self.start < self.latest:
            return  # the search still improves
        self.done = True
        if self.proving:  # the exact proof first, as long as the search has run (at most theta's time): where it
            # completes, no theta; where it is out of reach, it cost little (:data:`PROOF_HOPE`)
            self._prove(min(self.share, THETA_LEFT * ctx.time_left, PROOF_RATIO * (time.perf_counter() - self.start)))
        if ctx.state.proven_optimal or ctx.state.should_stop():
            return
        left = ctx.time_left
        ctx.state.offer_bound(self.problem.bound(BOUND_SHARE * left, theta_seconds=min(self.share, THETA_LEFT * left)))
        self.round_end = time.perf_counter()

    def _prove(self, seconds: float | None = None) -> None:
        """A slice of the exact proof: ``seconds``, else the proof's share (:data:`PROOF_RATIO`) of the search time
        since the stall less what its slices took, at most half the time left; a complete proof is offered as the
        bound (the incumbent then meets it)."""
        ctx = self.ctx
        if not self.proving or ctx.state.proven_optimal or ctx.state.should_stop():
            return
        now = time.perf_counter()
        per_round = seconds is None
        if per_round:
            # the proof's share of the search time since the stall, less what its slices took (a retry with twice
            # the nodes can run past its slice; the next ones wait)
            self.searched_s += now - self.round_end
            seconds = min(PROOF_RATIO * self.searched_s - self.proved_s, 0.5 * ctx.time_left)
        if seconds > 0:
            if self.proof is None:  # an independent set is a clique of the complement (same vertices and size)
                self.proof = CliqueProof(self.problem.clique_view())
            self.proof.run(ctx, seconds=seconds, retry=True)
            best = 0 if ctx.state.best is None else int(ctx.state.best)
            if self.proof.complete:
                self.proving = False
                ctx.state.offer_bound(self.proof.bound(best))
            elif self.proof.stuck or self.proof.seconds_to_finish(best) > PROOF_HOPE * ctx.time_left:
                self.proving = False  # out of reach at its pace: the search gets the time (brock400_1: 4 of 400
                self.gave_up = True  # vertices settled in its first 0.7 s)
        self.round_end = time.perf_counter()
        if per_round:
            self.proved_s += self.round_end - now

    def info(self) -> dict:
        """What the proof did, for the result's ``info`` (empty where none ran)."""
        p = self.proof
        if p is None:
            return {}
        return {"clique_proof": {"complete": p.complete, "given_up": self.gave_up, "vertices_searched": p.searched,
                                 "retries": p.cut_short, "seconds": round(p.run_s, 3)}}


def _proof_fits(problem) -> bool:
    """Whether a graph solver's stall gets the exact proof (:class:`ThetaLater`): every clique search, and an
    independent-set search whose complement graph, the proof's graph, has at most
    :data:`~combopt.problems.graph.mis.MAX_BOUND_COMPLEMENT_EDGES` edges (about 1400 vertices):
    ``IndependentSet.has_clique_view``."""
    return hasattr(problem, "has_clique_view") and problem.has_clique_view()


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
    params=("reduce", "exact", "num_walks", "ils_iters"),
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
    reduce, exact = flag(params, "reduce", True), flag(params, "exact", True)
    walks = positive_int(params, "num_walks", None)
    iters = positive_int(params, "ils_iters", None)
    # before the reductions: a graph they solve took any parameter
    reject_unknown(params, "ils")
    problem = start_search(problem, ctx, reduce, exact, extra)
    n = problem.n
    if n == 0:  # the reductions solved the graph
        return SolverOutput(info={**bound_info(problem), **extra})
    R = walks if walks is not None else 8 if n <= 20_000 else max(2, numba.get_num_threads())
    iters = iters if iters is not None else max(1000, 10 * n)
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
    return SolverOutput(info={"num_walks": R, "ils_iters": iters, **bound_info(problem), **theta.info(), **extra})
