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
from ..common import positive_int, reject_unknown

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


def sparse_clique_search(problem, ctx: SolveContext, node_budget: int = NODE_BUDGET) -> SolverOutput:
    """The search of the module on ``problem`` (an ``IndependentSet`` of kind clique)."""
    indptr, indices = problem.graph_csr()
    n = problem.n
    core, order = problem.cores()
    if n == 0:
        ctx.state.report(0.0, np.zeros(0, dtype=np.int64))
        return SolverOutput(bound=0.0, proven_optimal=True, info={"mode": "clique-cores"})
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    top = int(core.max()) + 1
    ctx.state.offer_bound(float(top))
    start = problem.construct()
    ctx.state.report(float(start.size), start)
    best = int(start.size)
    by_core = np.argsort(-core, kind="stable")
    buf = np.empty(max(int(np.diff(indptr).max(initial=0)), 1), dtype=np.int64)
    where = np.full(n, -1, dtype=np.int64)
    unsettled = 0  # the largest clique size a vertex searched only in part could still reach
    rate = PRIOR_RATE  # search nodes times candidates per second
    spent = [0, 0.0]
    searched = cut_short = 0
    stopped_at = None
    for i, v in enumerate(by_core.tolist()):
        if core[v] + 1 <= best:
            break  # every later vertex has a core number at most this one's
        if ctx.state.should_stop():
            stopped_at = i
            break
        k = later_neighbours(indptr, indices, rank, core, v, best, buf)
        if k + 1 <= best:
            continue
        adj = _sub_adjacency(indptr, indices, buf, k, where)
        budget = node_budget
        if math.isfinite(ctx.time_left):  # fitted to half the time left, by the rate measured so far
            budget = min(node_budget, max(MIN_NODES, int(rate * SEARCH_SHARE * ctx.time_left / k)))
        t0 = time.perf_counter()
        size, members, finished, nodes = max_clique_bb(adj, best - 1, budget)
        spent[0] += nodes * k
        spent[1] += time.perf_counter() - t0
        if spent[1] > 0.01:
            rate = spent[0] / spent[1]
        searched += 1
        if size + 1 > best:
            clique = np.sort(np.append(buf[:k][members], v))
            ev = problem.evaluate(clique)
            if ev.feasible:
                ctx.state.report(ev.objective, clique)
                best = int(ev.objective)
        if not finished:
            cut_short += 1
            unsettled = max(unsettled, min(k + 1, int(core[v]) + 1))
    ctx.state.next_iteration()  # one search (the vertices are its parts: a max_iterations limit does not cut them)
    if stopped_at is not None:
        unsettled = max(unsettled, int(core[by_core[stopped_at]]) + 1)
    bound = float(max(best, unsettled))
    info = {"mode": "clique-cores", "max_core": top - 1, "vertices_searched": searched,
            "searches_cut_short": cut_short, "stopped_early": stopped_at is not None}
    return SolverOutput(bound=bound, proven_optimal=bound <= best, info=info)


@register_solver(
    "clique-cores",
    problems=("clique",),
    exact=True,
    description="exact maximum clique of sparse graphs: core numbers, then a colouring branch and bound per vertex "
                "on its later neighbours (no complement graph)",
)
def clique_cores(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``node_budget`` branch-and-bound nodes per vertex (default :data:`NODE_BUDGET`)."""
    budget = positive_int(params, "node_budget", NODE_BUDGET)
    reject_unknown(params, "clique-cores")
    return sparse_clique_search(problem, ctx, budget)
