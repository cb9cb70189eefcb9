"""Single-flip tabu search on QUBOs, many independent restarts in parallel."""

from __future__ import annotations

import math

import numba
import numpy as np

from ..core.budget import StepBudget
from ..core.context import SolveContext, SolverOutput
from ..core.registry import register_solver
from . import kernels
from .common import (
    build_in_time,
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
                "with random flips; sparse models pick flips in tournament trees (Numba CPU)",
    params=("penalty", "num_restarts", "tabu_iters", "tenure", "perturb"),
)
def tabu_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_restarts`` walks per iteration (default 16), ``tabu_iters``
    steps per walk (default ``max(1000, 20 n)``), ``tenure`` (default
    :func:`default_tenure`), ``perturb`` (default 0.1: from the second iteration on each walk starts from its
    best state so far with about this share of its variables flipped at random, an iterated tabu search as
    Palubeckis's for unconstrained binary quadratic programs; 0: a new random state each iteration, as before),
    ``penalty``."""
    qp = qubo_params(params, problem)
    R = positive_int(params, "num_restarts", 16)
    iters = positive_int(params, "tabu_iters", None)
    tenure = positive_int(params, "tenure", None)
    perturb = finite_float(params, "perturb", PERTURB, lo=0.0, hi=1.0)
    reject_unknown(params, "tabu")
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    first = offer_construction(problem, ctx)  # never worse than the problem's quick construction
    model, late = build_in_time(lambda: problem.to_qubo(**qp), problem, ctx, "QUBO")
    if late is not None:
        return SolverOutput(info=late)
    n = model.n
    iters = iters or max(1000, 20 * n)
    tenure = tenure or default_tenure(n, model.W.nnz)
    trees, step_s = step_plan(n, model.W.nnz)
    # a walk in the trees holds two trees of 2 x 2^ceil(log2 n) entries and its tabu books (about 150 bytes a
    # variable) on each of Numba's threads
    replica_memory(2 * R + (9 * numba.get_num_threads() if trees else 0), n, "num_restarts")
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    BX = np.zeros_like(X)
    BE = np.zeros(R)
    empty = np.zeros(0, dtype=np.float64)
    budget = StepBudget(lambda: ctx.time_left, iters, prior_s=-(-R // numba.get_num_threads()) * step_s,
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
            kernels.tabu_batch(indptr, indices, data, h, X, F, states, steps, tenure, BX, BE, E, trees)
            budget.done()
            offer_samples(problem, ctx, BX)
        elite_x, elite_e = _keep_best(elite_x, elite_e, BX, BE)
        ctx.state.next_iteration()
    return SolverOutput(info={**first, "num_restarts": R, "tabu_iters": iters, "tenure": tenure, "perturb": perturb,
                              "flips": "trees" if trees else "scan",
                              "qubo_variables": n})


#: seconds a walk's step costs on the 2-core machine (side runs of 16 walks x 20 n steps, 2 threads): the scan of
#: all n flip costs about 1.5-2.2 ns a variable (the row's field updates included); a step in the tournament trees
#: 6.6-10 ns per (row length + 2) x log2 n tree levels (+-1 tori of 800, 2000 and 10,000 vertices: 3.2, 7.6 and 41
#: times faster than the scan; a random graph of 2000 vertices and mean degree 20: 1.6 times; one of 800 and degree
#: 48: 3.4 times slower, so it keeps the scan)
SCAN_S_PER_VAR = 1.6e-9
TREE_S_PER_LEVEL = 8e-9


def step_plan(n: int, nnz: int) -> tuple[bool, float]:
    """``(trees, seconds a step)``: whether the walks pick their flips in tournament trees (sparse models) or by a
    scan of all ``n`` variables, whichever the measured rates above say is faster."""
    scan = SCAN_S_PER_VAR * (n + nnz / max(n, 1))
    tree = TREE_S_PER_LEVEL * (nnz / max(n, 1) + 2) * max(1, math.ceil(math.log2(max(n, 2))))
    return (True, tree) if tree < scan else (False, scan)


def default_tenure(n: int, nnz: int) -> int:
    """``max(min(20, n / 4), n / (5 sqrt(mean row length))) + 1``: Palubeckis's ``min(20, n / 4)`` for dense models,
    longer on sparse ones, where a flip changes few costs and a short tenure cycles on the plateaus. Measured at 5 s
    on graphs and seeds not in benchmarks/maxcut.py's table (side runs, 2026-12-05): +-1 tori of 2000 vertices
    (degree 4) went 1296 -> 1394 and 1320 -> 1414 at n / 10 (`sa` 1396, 1416), a random graph of 2000 vertices and
    degree 20 was best at n / 15 to n / 25 (13,242 -> 13,373), the +-1 800-vertex one of degree 48 at n / 25 (2213 ->
    2216); on Beasley-like UBQPs of density 0.1 (degree 100 and 250) n / 50 and below left 1000 and 2500 variables
    level and n / 12 lost 0.1 %."""
    deg = max(1.0, nnz / max(n, 1))
    return max(min(20, n // 4), int(round(n / (5.0 * math.sqrt(deg))))) + 1


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
