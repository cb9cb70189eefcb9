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
    finite_float,
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
    description="iterated single-flip tabu search with aspiration: parallel walks, each restarted from its best state "
                "with random flips (Numba CPU)",
)
def tabu_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_restarts`` walks per iteration (default 16), ``tabu_iters``
    steps per walk (default ``max(1000, 20 n)``), ``tenure`` (default
    ``min(20, n // 4) + 1``), ``perturb`` (default 0.1: from the second iteration on each walk starts from its
    best state so far with about this share of its variables flipped at random, an iterated tabu search as
    Palubeckis's for unconstrained binary quadratic programs; 0: a new random state each iteration, as before),
    ``penalty``."""
    qp = qubo_params(params)
    R = positive_int(params, "num_restarts", 16)
    iters = positive_int(params, "tabu_iters", None)
    tenure = positive_int(params, "tenure", None)
    perturb = finite_float(params, "perturb", PERTURB, lo=0.0, hi=1.0)
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
    elite_x, elite_e = None, None
    while not ctx.state.should_stop():
        states = ctx.uint64_seeds(R)
        if elite_x is None or perturb == 0.0:  # random start states (no sweeps: empty schedule)
            kernels.anneal_batch_cpu(indptr, indices, data, h, empty, 1, X, F, states, E, 1)
        else:
            _perturbed(model, elite_x, perturb, ctx.rng, X, F, E)
        steps = budget.next()  # all of ``iters`` unless that would not fit in half the time left
        budget.start(steps)
        with deferred_interrupt():  # a Ctrl-C during the walks ends the run after their best states are offered
            kernels.tabu_batch(indptr, indices, data, h, X, F, states, steps, tenure, BX, BE, E)
            budget.done()
            offer_samples(problem, ctx, BX)
        elite_x, elite_e = _keep_best(elite_x, elite_e, BX, BE)
        ctx.state.next_iteration()
    return SolverOutput(info={**first, "num_restarts": R, "tabu_iters": iters, "tenure": tenure, "perturb": perturb,
                              "qubo_variables": n})


#: share of the variables flipped at random in a walk's best state before its next iteration. Measured on the six
#: max-cut classes of benchmarks/maxcut.py at 5 s on seeds 5 and 6 (not its table's; side runs): against random
#: restarts, 0.1 cut the +-1 tori 476 -> 508, 502 -> 526 (20 x 40) and 1144 -> 1250, 1130 -> 1246 (50 x 40), planar
#: 1582 -> 1590, 1581 -> 1589, sparse random 13221 -> 13263, 13208 -> 13218; the dense classes level but one cut
#: of 2216 -> 2215; 0.05 and 0.2 between the two
PERTURB = 0.1


def _keep_best(elite_x, elite_e, X, E) -> tuple[np.ndarray, np.ndarray]:
    """Each walk's best state and energy so far (``None``: the first)."""
    if elite_x is None:
        return X.copy(), E.copy()
    better = E < elite_e - 1e-12
    elite_x[better] = X[better]
    elite_e[better] = E[better]
    return elite_x, elite_e


def _perturbed(model, elite_x, share: float, rng: np.random.Generator, X, F, E) -> None:
    """``X`` = each walk's best state with ``max(1, round(share n))`` random variables flipped; ``F`` its local fields
    ``h + W x`` and ``E`` its energy less the offset (as the kernels keep them)."""
    R, n = X.shape
    k = max(1, min(n, int(round(share * n))))
    X[:] = elite_x
    rows = np.repeat(np.arange(R), k)
    cols = np.argsort(rng.random((R, n)), axis=1)[:, :k].ravel()
    X[rows, cols] = 1 - X[rows, cols]
    Xf = X.astype(np.float64)
    WX = np.asarray((model.W @ Xf.T).T)
    F[:] = model.h + WX
    E[:] = Xf @ model.h + 0.5 * np.einsum("ij,ij->i", Xf, WX)
