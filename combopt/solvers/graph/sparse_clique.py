"""``clique-cores``: exact maximum clique of sparse graphs by core numbers (:mod:`combopt.problems.graph.cores`).

Vertices are taken in decreasing core number; each ``v`` whose core number plus one can beat the incumbent gets an
exact colouring branch and bound on its later neighbours of large enough core number (at most the degeneracy of
them), under a node budget. The run is proven optimal when every vertex was either searched to the end or ruled
out by its core number; otherwise the bound is the largest ``core + 1`` (or candidate count + 1) left unsettled.
``sa-ils`` and ``ils`` hand kind ``clique`` over to it where the complement graph would be large
(``IndependentSet.sparse_clique``), as the independent-set route needs the complement.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from ...core.context import SolveContext, SolverOutput
from ...core.registry import register_solver
from ...problems.graph.cores import later_neighbours, max_clique_bb
from ..common import deferred_interrupt, positive_int, reject_unknown

#: seconds one call of the branch and bound may take at most when a search cut short is retried (``retry``): a
#: Ctrl-C is acted on after it, and a vertex that needs more is out of reach (:attr:`CliqueProof.stuck`)
RETRY_CALL_S = 1.0
#: branch-and-bound nodes per vertex's search (a search that runs out leaves that vertex unsettled); under a time
#: limit each search also gets at most :data:`SEARCH_SHARE` of the time left, by the measured rate (nodes times
#: candidates per second, :data:`PRIOR_RATE` before the first measurement), and at least :data:`MIN_NODES`
NODE_BUDGET = 1_000_000
SEARCH_SHARE = 0.5
PRIOR_RATE = 5e6
MIN_NODES = 100


@njit(cache=True)
def _sub_adjacency(indptr, indices, C, k, where):
    """Boolean adjacency matrix of the graph induced by ``C[:k]`` (``where``: all -1 on entry and on exit)."""
    adj = np.zeros((k, k), dtype=np.bool_)
    for i in range(k):
        where[C[i]] = i
    for i in range(k):
        v = C[i]
        for t in range(indptr[v], indptr[v + 1]):
            j = where[indices[t]]
            if j >= 0:
                adj[i, j] = True
    for i in range(k):
        where[C[i]] = -1
    return adj


class CliqueProof:
    """The search of the module on ``problem`` (an ``IndependentSet`` of kind clique), resumable: :meth:`run` takes
    up where the last call stopped. Vertices go in decreasing core number; each ``v`` whose core number (and count of
    later neighbours) plus one can beat the incumbent gets the colouring branch and bound on its later neighbours.
    With ``retry`` a search cut short by its node budget is tried again (twice the budget) by the next call, so that
    the proof completes given time; without it the vertex is left unsettled and counts in :meth:`bound`."""

    def __init__(self, problem):
        self.problem = problem
        self.indptr, self.indices = problem.graph_csr()
        self.core, order = problem.cores()
        n = problem.n
        self.rank = np.empty(n, dtype=np.int64)
        self.rank[order] = np.arange(n)
        self.by_core = np.argsort(-self.core, kind="stable")
        self.buf = np.empty(max(int(np.diff(self.indptr).max(initial=0)), 1), dtype=np.int64)
        self.where = np.full(n, -1, dtype=np.int64)
        self.i = 0  # the next vertex of ``by_core`` to search
        self.unsettled = 0  # the largest clique size a vertex searched only in part could still reach
        self.rate = PRIOR_RATE  # search nodes times candidates per second
        self.nodes_x_candidates, self.search_s = 0, 0.0  # search work and seconds so far (the measured rate)
        self.stuck = False  # ``retry``: a vertex's search could not get a larger budget (see :meth:`run`)
        self.searched = self.cut_short = 0
        self.last_budget = 0  # the node budget of the search of vertex ``i`` that was cut short (``retry``)
        self.complete = n == 0
        self.run_s = 0.0  # seconds spent in :meth:`run`

    def seconds_to_finish(self, best: int) -> float:
        """The seconds the proof would still take at the pace of its calls so far (vertices settled per second,
        among those whose core number can still beat ``best``); infinite before any vertex is settled."""
        if self.complete:
            return 0.0
        todo = int(np.count_nonzero(self.core[self.by_core[self.i:]] + 1 > best))
        return math.inf if self.i == 0 else self.run_s * todo / self.i

    def top(self) -> float:
        """The largest core number plus one: a bound before any search."""
        return float(self.core.max()) + 1.0 if self.problem.n else 0.0

    def bound(self, best: int) -> float:
        """What the searches so far prove: ``best`` once complete, else also the next vertex's ``core + 1`` and the
        unsettled vertices'."""
        if self.complete:
            return float(max(best, self.unsettled))
        return float(max(best, self.unsettled, int(self.core[self.by_core[self.i]]) + 1))

    def run(self, ctx: SolveContext, node_budget: int = NODE_BUDGET, seconds: float | None = None,
            retry: bool = False) -> None:
        """Search vertices until the proof is complete, the run should stop or ``seconds`` have passed; cliques
        larger than the incumbent are reported to ``ctx.state``."""
        t_start = time.perf_counter()
        try:
            self._run(ctx, node_budget, t_start + seconds if seconds is not None else math.inf, retry)
        finally:
            self.run_s += time.perf_counter() - t_start

    def _run(self, ctx: SolveContext, node_budget: int, end: float, retry: bool) -> None:
        core, by_core, buf = self.core, self.by_core, self.buf
        while not self.complete:
            best = 0 if ctx.state.best is None else int(ctx.state.best)
            if self.i >= by_core.size or core[by_core[self.i]] + 1 <= best:
                self.complete = True  # every later vertex has a core number at most this one's
                break
            left = min(ctx.time_left, end - time.perf_counter())
            if ctx.state.should_stop() or left <= 0:
                break
            v = int(by_core[self.i])
            k = later_neighbours(self.indptr, self.indices, self.rank, core, v, best, buf)
            if k + 1 <= best:
                self.i += 1
                self.last_budget = 0
                continue
            adj = _sub_adjacency(self.indptr, self.indices, buf, k, self.where)
            kk = max(k, 1)  # (no incumbent: a vertex without later neighbours is searched too)
            budget = node_budget
            if math.isfinite(left):  # fitted to a share of the time left, by the rate measured so far
                budget = min(node_budget, max(MIN_NODES, int(self.rate * SEARCH_SHARE * left / kk)))
            if retry:  # twice the budget that ran out, even past ``seconds``, but one call within RETRY_CALL_S
                cap = max(MIN_NODES, int(self.rate * min(RETRY_CALL_S, SEARCH_SHARE * ctx.time_left) / kk))
                if self.last_budget >= cap:  # (of the run's time share): a Ctrl-C waits for one call at most
                    self.stuck = True  # it cannot grow: this vertex is out of reach, and so is the proof
                    break
                budget = max(budget, min(2 * self.last_budget, cap))
            t0 = time.perf_counter()
            with deferred_interrupt():  # a Ctrl-C during the search is raised after its clique is reported
                size, members, finished, nodes = max_clique_bb(adj, best - 1, budget)
                if size + 1 > best:
                    clique = np.sort(np.append(buf[:k][members], v))
                    ev = self.problem.evaluate(clique)
                    if ev.feasible:
                        ctx.state.report(ev.objective, clique)
            self.nodes_x_candidates += nodes * k
            self.search_s += time.perf_counter() - t0
            if self.search_s > 0.01:
                self.rate = self.nodes_x_candidates / self.search_s
            self.searched += 1
            if not finished:
                self.cut_short += 1
                if retry:
                    self.last_budget = budget
                    continue  # the same vertex again, with twice the budget, while time is left
                self.unsettled = max(self.unsettled, min(k + 1, int(core[v]) + 1))
            self.i += 1
            self.last_budget = 0


def sparse_clique_search(problem, ctx: SolveContext, node_budget: int = NODE_BUDGET) -> SolverOutput:
    """The search of the module on ``problem`` (an ``IndependentSet`` of kind clique), one pass: a vertex whose
    search runs out of nodes is left unsettled."""
    proof = CliqueProof(problem)
    if problem.n == 0:
        ctx.state.report(0.0, np.zeros(0, dtype=np.int64))
        return SolverOutput(bound=0.0, proven_optimal=True, info={"mode": "clique-cores"})
    ctx.state.offer_bound(proof.top())
    start = problem.construct()
    ctx.state.report(float(start.size), start)
    proof.run(ctx, node_budget)
    ctx.state.next_iteration()  # one search (the vertices are its parts: a max_iterations limit does not cut them)
    best = int(ctx.state.best)
    bound = proof.bound(best)
    info = {"mode": "clique-cores", "max_core": int(proof.top()) - 1, "vertices_searched": proof.searched,
            "searches_cut_short": proof.cut_short, "stopped_early": not proof.complete}
    return SolverOutput(bound=bound, proven_optimal=bound <= best, info=info)


@register_solver(
    "clique-cores",
    problems=("clique",),
    exact=True,
    description="exact maximum clique of sparse graphs: core numbers, then a colouring branch and bound per vertex "
                "on its later neighbours (no complement graph)",
    params=("node_budget",),
)
def clique_cores(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``node_budget`` branch-and-bound nodes per vertex (default :data:`NODE_BUDGET`)."""
    budget = positive_int(params, "node_budget", NODE_BUDGET)
    reject_unknown(params, "clique-cores")
    return sparse_clique_search(problem, ctx, budget)
