"""Iterated local search for maximum independent set / clique (ARW 2012)."""

from __future__ import annotations

import numpy as np

from ...core.budget import StepBudget
from ...core.context import SolveContext, SolverOutput
from ...core.registry import register_solver
from ...problems.graph.local import ils_batch
from ..common import deferred_interrupt, positive_int, reject_unknown, replica_memory


@register_solver(
    "ils",
    problems=("mis", "clique"),
    description="iterated local search with (1,2)-swaps (Andrade-Resende-Werneck), parallel walks (Numba CPU)",
)
def iterated_local_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_walks`` independent walks (default 8), ``ils_iters`` steps
    per walk and outer iteration (default ``max(1000, 10 n)``)."""
    n = problem.n
    R = positive_int(params, "num_walks", 8)
    iters = positive_int(params, "ils_iters", max(1000, 10 * n))
    reject_unknown(params, "ils")
    replica_memory(R, n, "num_walks", 2)
    X = np.zeros((R, n), dtype=np.int8)
    target = n + 1
    first = True
    budget = StepBudget(lambda: ctx.time_left, iters, least=50)  # a timed run's calls end about when its time does
    while not ctx.state.should_stop():
        if first or ctx.state.best_solution is None:
            X[:] = 0
        else:
            X[:] = 0
            X[:, ctx.state.best_solution] = 1
        seeds = ctx.uint64_seeds(R)
        its = budget.next(50 if first else None)  # short first call absorbs compilation; then it is measured
        budget.start(its)
        with deferred_interrupt():  # a Ctrl-C during the walks ends the run after their sets are offered
            ils_batch(problem.indptr, problem.indices, X, its, seeds, target)
            budget.done()
            first = False
            for x in np.unique(X, axis=0):
                S = np.flatnonzero(x)
                ev = problem.evaluate(S)
                if ev.feasible:
                    ctx.state.report(ev.objective, S)
        ctx.state.next_iteration()
    return SolverOutput(info={"num_walks": R, "ils_iters": iters})
