"""Breakout local search for maximum cut (``maxcut-bls``; Benlic and Hao, "Breakout local search for the max-cut
problem", Engineering Applications of Artificial Intelligence 26, 2013), parallel walks on the Numba CPU threads."""

from __future__ import annotations

import math

import numba
import numpy as np

from ...core.budget import StepBudget
from ...core.context import SolveContext, SolverOutput
from ...core.registry import register_solver
from ...problems.graph.cutlocal import bls_batch
from ..common import deferred_interrupt, finite_float, positive_int, reject_unknown, replica_memory

#: perturbation strengths as shares of the vertices: L0 (the usual jump) and Lmax (the strong one), as in the paper
L0_SHARE, LMAX_SHARE = 0.01, 0.1
#: the paper's smallest probability of a directed (tabu) perturbation and its decay constant, in local optima
P0, T_DECAY = 0.8, 1000


@register_solver(
    "maxcut-bls",
    problems=("maxcut",),
    description="breakout local search (Benlic-Hao 2013): steepest ascent, tabu-directed or random jumps of "
                "adaptive size; parallel walks (Numba CPU)",
)
def breakout_local_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_walks`` (default: the Numba threads, at least 2), ``bls_iters`` perturbation moves per walk
    and call (default ``max(20000, 20 n)``), ``p0`` (0.8), ``T`` (1000). Each call continues every walk from its
    own best; the calls are sized to the time left."""
    n = problem.n
    R = positive_int(params, "num_walks", max(2, numba.get_num_threads()))
    iters = positive_int(params, "bls_iters", max(20_000, 20 * n))
    p0 = finite_float(params, "p0", P0, 0.0, 1.0)
    T = finite_float(params, "T", T_DECAY, 0.0, 1e12, open_lo=True)
    reject_unknown(params, "maxcut-bls")
    replica_memory(R, n, "num_walks", 1)
    indptr, indices, w = problem.csr()
    eps = 1e-9 * (float(np.abs(w).max()) if w.size else 1.0)
    L0 = max(1, int(L0_SHARE * n))
    Lmax = max(L0 + 1, int(LMAX_SHARE * n))
    rng = ctx.rng
    X = rng.integers(0, 2, size=(R, n)).astype(np.int8)
    ctx.state.offer_bound(problem.bound())
    start = problem.construct()
    X[0] = 0
    X[0, start] = 1
    first = True
    budget = StepBudget(lambda: ctx.time_left, iters, share=0.5, least=50)
    while (first and ctx.state.best_solution is None and not ctx.state.interrupted) or \
            not ctx.state.should_stop(sized=True):
        its = 0 if first else budget.next(2000 if budget.per_step == 0.0 and math.isfinite(ctx.time_left) else None)
        budget.start(its)
        with deferred_interrupt():
            cuts = bls_batch(indptr, indices, w, X, its, ctx.uint64_seeds(R), L0, Lmax, p0, T, eps)
            if not first:
                budget.done()
            r = int(np.argmax(cuts))
            S = np.flatnonzero(X[r]).astype(np.int64)
            ev = problem.evaluate(S)
            ctx.state.report(ev.objective, S)
        if first:
            ctx.state.begin_iterations()
            first = False
        else:
            ctx.state.next_iteration()
    return SolverOutput(info={"num_walks": R, "bls_iters": iters, "L0": L0, "Lmax": Lmax,
                              "bound": problem.bound_info()})
