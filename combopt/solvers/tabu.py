"""Single-flip tabu search on QUBOs, many independent restarts in parallel."""

from __future__ import annotations

import numba
import numpy as np

from ..core.budget import StepBudget
from ..core.context import SolveContext, SolverOutput
from ..core.registry import register_solver
from . import kernels
from .common import (
    deferred_interrupt,
    offer_construction,
    offer_samples,
    positive_int,
    qubo_out_of_time,
    qubo_params,
    reject_unknown,
    replica_memory,
)


@register_solver(
    "tabu",
    problems=("+qubo",),
    description="single-flip tabu search with aspiration, parallel restarts (Numba CPU)",
)
def tabu_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_restarts`` walks per iteration (default 16), ``tabu_iters``
    steps per walk (default ``max(1000, 20 n)``), ``tenure`` (default
    ``min(20, n // 4) + 1``), ``penalty``."""
    qp = qubo_params(params)
    R = positive_int(params, "num_restarts", 16)
    iters = positive_int(params, "tabu_iters", None)
    tenure = positive_int(params, "tenure", None)
    reject_unknown(params, "tabu")
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    first = offer_construction(problem, ctx)  # never worse than the problem's quick construction
    model = problem.to_qubo(**qp)
    n = model.n
    iters = iters or max(1000, 20 * n)
    tenure = tenure or min(20, n // 4) + 1
    replica_memory(2 * R, n, "num_restarts")
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    BX = np.zeros_like(X)
    BE = np.zeros(R)
    empty = np.zeros(0, dtype=np.float64)
    # a step scans every variable and updates the fields along the flipped variable's row; the walks run on Numba's
    # threads (prior 1.3 ns an entry: measured 1.2-2 ns on dense and sparse models, 2 threads on 2 cores)
    per_walk_step = n + model.W.nnz / max(n, 1)
    budget = StepBudget(lambda: ctx.time_left, iters, prior_s=-(-R // numba.get_num_threads()) * per_walk_step * 1.3e-9,
                        share=0.5, least=100)
    while not ctx.state.should_stop():
        states = ctx.uint64_seeds(R)
        # random start states (no sweeps: empty schedule)
        kernels.anneal_batch_cpu(indptr, indices, data, h, empty, 1, X, F, states, E, 1)
        steps = budget.next()  # all of ``iters`` unless that would not fit in half the time left
        budget.start(steps)
        with deferred_interrupt():  # a Ctrl-C during the walks ends the run after their best states are offered
            kernels.tabu_batch(indptr, indices, data, h, X, F, states, steps, tenure, BX, BE, E)
            budget.done()
            offer_samples(problem, ctx, BX)
        ctx.state.next_iteration()
    return SolverOutput(info={**first, "num_restarts": R, "tabu_iters": iters, "tenure": tenure, "qubo_variables": n})
