"""Annealing + iterated local search hybrid for maximum independent set / clique.

Each outer iteration runs three phases on ``num_walks`` parallel walks:

1. **anneal**: fresh replicas of simulated annealing on the MIS QUBO (``-sum x + P sum_E x_u x_v``)
   from random states; the sweep count cycles through ``sweeps * (1, 2, 4, 8) / 4``, so short
   and long schedules alternate (no single schedule suits every graph class).
2. **polish**: each annealed sample is repaired (most conflicted vertex out), completed
   greedily and improved by the ARW iterated local search ((1,2)-swaps, forced insertions,
   plateau moves) for ``ils_iters`` steps.
3. **intensify**: the ILS runs again from the incumbent for as many steps.

Annealing gives diverse starting points (it wins on the camouflaged ``brock``/``gen`` graphs),
ILS gives the plateau and swap moves annealing lacks (it wins on the ``san`` graphs, where the
optimum hides behind low-degree vertices). Under a time limit phases 2 and 3 get as much time as
phase 1 took, so neither side dominates the budget; without one (iteration or target limits
only) they take ``4 n`` steps each and a run is deterministic for its seed.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.registry import register_solver
from ...problems.graph.local import ils_batch
from .. import kernels
from ..common import geometric_betas, positive_int, reject_unknown

SWEEP_CYCLE = (1, 2, 4, 8)


def _report(problem, ctx: SolveContext, X: np.ndarray) -> None:
    for x in np.unique(X, axis=0):
        S = np.flatnonzero(x)
        ev = problem.evaluate(S)
        if ev.feasible:
            ctx.state.report(ev.objective, S)


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
    description="annealing restarts polished by iterated local search with (1,2)-swaps (Numba CPU)",
    default_for=("mis", "clique"),
)
def anneal_ils(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_walks`` parallel replicas (default: 2 per Numba thread, at least 4),
    ``num_sweeps`` longest annealing schedule (default 1000), ``ils_iters`` ILS steps per walk and
    phase (default: as long as the annealing phase took, at least ``n``), ``penalty`` (default 2).
    """
    n = problem.n
    R = positive_int(params, "num_walks", max(4, 2 * numba.get_num_threads()))
    sweeps_max = positive_int(params, "num_sweeps", 1000)
    fixed_iters = params.pop("ils_iters", None)
    iters_given = None if fixed_iters is None else positive_int({"ils_iters": fixed_iters}, "ils_iters", 1)
    penalty = float(params.pop("penalty", 2.0))
    reject_unknown(params, "sa-ils")
    if penalty <= 1.0:
        from ...core.errors import ParameterError

        raise ParameterError(f"penalty must be greater than 1, got {penalty}")
    model = problem.to_qubo(penalty=penalty)
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    beta_range = mis_beta_range(problem, penalty)
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    target = n + 1
    ils_rate = None  # seconds per ILS step per walk (measured)
    sa_rate = None  # seconds per replica-sweep (measured)
    k = 0
    sweeps_done = ils_done = 0
    while not ctx.state.should_stop():
        # 1. anneal
        sweeps = max(8, sweeps_max * SWEEP_CYCLE[k % len(SWEEP_CYCLE)] // SWEEP_CYCLE[-1])
        left = ctx.time_left
        if sa_rate is not None and np.isfinite(left):  # only under a time limit
            sweeps = max(4, min(sweeps, int(0.3 * left / (sa_rate * R))))
        t0 = time.perf_counter()
        betas = geometric_betas(beta_range, sweeps)
        kernels.anneal_batch_cpu(indptr, indices, data, h, betas, 1, X, F, ctx.uint64_seeds(R), E, 1)
        t_sa = time.perf_counter() - t0
        if k > 0:
            sa_rate = t_sa / (R * sweeps)
        sweeps_done += R * sweeps
        # 2. polish the samples, 3. intensify from the incumbent
        timed = np.isfinite(ctx.time_left)
        if iters_given is not None:
            iters = iters_given
        elif not timed:
            iters = 4 * n
        elif ils_rate is None:
            iters = 50  # first call absorbs compilation and measures the rate
        else:
            iters = max(n, int(t_sa / ils_rate))
            left = ctx.time_left
            if np.isfinite(left):
                iters = max(10, min(iters, int(0.3 * left / ils_rate)))
        t1 = time.perf_counter()
        ils_batch(problem.indptr, problem.indices, X, iters, ctx.uint64_seeds(R), target)
        t_ils = time.perf_counter() - t1
        _report(problem, ctx, X)
        if ctx.state.best_solution is not None and not ctx.state.should_stop():
            X[:] = 0
            X[:, ctx.state.best_solution] = 1
            t2 = time.perf_counter()
            ils_batch(problem.indptr, problem.indices, X, iters, ctx.uint64_seeds(R), target)
            t_ils += time.perf_counter() - t2
            _report(problem, ctx, X)
            steps = 2 * iters
        else:
            steps = iters
        ils_done += R * steps
        if k > 0 or iters_given is not None:
            ils_rate = max(t_ils / steps, 1e-9)
        k += 1
        ctx.state.next_iteration()
    return SolverOutput(info={"num_walks": R, "num_sweeps": sweeps_max, "sweeps_done": sweeps_done,
                              "ils_steps_done": ils_done, "beta_range": list(beta_range)})
