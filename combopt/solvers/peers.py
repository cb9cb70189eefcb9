"""Peer solvers from other projects, registered so that suites compare "ours against theirs".

``dwave-sa`` and ``dwave-tabu`` run D-Wave's ``dwave-samplers`` (C++ simulated annealing and
tabu search) on the QUBO of any kind with the ``qubo`` capability; their samples are decoded,
repaired and evaluated by the problem exactly like combopt's own ``sa`` / ``tabu`` samples
(:func:`combopt.solvers.common.offer_samples`), so the comparison is on the same footing.
dimod and dwave-samplers are imported when a peer runs, never at registration: without them
``combopt solvers`` still lists the peers, and running one raises a one-line
:class:`~combopt.core.errors.MissingDependencyError` with the install command.

Other peers are existing solvers with a back-end parameter: OR-Tools CP-SAT on RCPSP is
``rcpsp-cpsat``; HiGHS on every MILP-capable kind is ``milp`` with ``backend = "highs"``.

Why here and not in ``combopt/bench``: a peer is a solver like any other (``combopt solve
--solver dwave-sa`` works too), and the registry loads solvers from this package.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..core.context import SolveContext, SolverOutput
from ..core.errors import MissingDependencyError
from ..core.registry import register_solver
from .common import offer_samples, positive_int, qubo_params, reject_unknown

INSTALL_HINT = "pip install 'combopt[bench]' (or pip install dwave-samplers dimod)"


def _import_dwave():
    try:
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler, TabuSampler
    except ImportError:
        raise MissingDependencyError(f"the dwave-sa / dwave-tabu peers need dwave-samplers and dimod: {INSTALL_HINT}"
                                     ) from None
    return dimod, SimulatedAnnealingSampler, TabuSampler


def qubo_to_bqm(model):
    """The combopt QUBO (``E = offset + h.x + x.W.x / 2``, W symmetric) as a BINARY dimod BQM on ``0..n-1``."""
    dimod, _, _ = _import_dwave()
    U = sp.triu(sp.csr_matrix(model.W), 1).tocoo()
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        np.asarray(model.h, dtype=np.float64),
        (U.row.astype(np.int64), U.col.astype(np.int64), U.data.astype(np.float64)),
        float(model.offset), dimod.BINARY)


def _samples(sampleset, n: int) -> np.ndarray:
    order = np.asarray(list(sampleset.variables), dtype=np.int64)
    X = np.zeros((len(sampleset.record), n), dtype=np.int8)
    X[:, order] = sampleset.record.sample
    return X


def _seed(ctx: SolveContext) -> int:
    return int(ctx.rng.integers(0, 2**31 - 1))


@register_solver(
    "dwave-sa",
    problems=("+qubo",),
    description="peer: D-Wave dwave-samplers simulated annealing (C++) on the QUBO (needs dwave-samplers)",
)
def dwave_sa(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_reads`` per iteration (default 32), ``num_sweeps`` (default 1000),
    ``beta_range`` ([hot, cold], default dwave's own), ``penalty`` (QUBO reduction)."""
    _, SA, _ = _import_dwave()
    model = problem.to_qubo(**qubo_params(params))
    reads = positive_int(params, "num_reads", 32)
    sweeps = positive_int(params, "num_sweeps", 1000)
    beta_range = params.pop("beta_range", None)
    reject_unknown(params, "dwave-sa")
    bqm = qubo_to_bqm(model)
    sampler = SA()
    kw = {"num_reads": reads, "num_sweeps": sweeps}
    if beta_range is not None:
        kw["beta_range"] = [float(b) for b in beta_range]
    while not ctx.state.should_stop():
        ss = sampler.sample(bqm, seed=_seed(ctx), interrupt_function=lambda: ctx.time_left <= 0, **kw)
        offer_samples(problem, ctx, _samples(ss, model.n))
        ctx.state.next_iteration()
    return SolverOutput(info={"num_reads": reads, "num_sweeps": sweeps, "qubo_variables": model.n})


@register_solver(
    "dwave-tabu",
    problems=("+qubo",),
    description="peer: D-Wave dwave-samplers tabu search (C++, MST2 restarts) on the QUBO (needs dwave-samplers)",
)
def dwave_tabu(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_reads`` per iteration (default 8), ``timeout`` per read in ms (default 20;
    shortened to the time left), ``tenure`` (default dwave's), ``penalty`` (QUBO reduction)."""
    _, _, Tabu = _import_dwave()
    model = problem.to_qubo(**qubo_params(params))
    reads = positive_int(params, "num_reads", 8)
    timeout = positive_int(params, "timeout", 20)
    tenure = params.pop("tenure", None)
    reject_unknown(params, "dwave-tabu")
    bqm = qubo_to_bqm(model)
    sampler = Tabu()
    while not ctx.state.should_stop():
        left_ms = ctx.time_left * 1000.0 / reads
        kw = {"num_reads": reads, "timeout": int(max(1, min(timeout, left_ms)))}
        if tenure is not None:
            kw["tenure"] = int(tenure)
        ss = sampler.sample(bqm, seed=_seed(ctx), **kw)
        offer_samples(problem, ctx, _samples(ss, model.n))
        ctx.state.next_iteration()
    return SolverOutput(info={"num_reads": reads, "timeout_ms": timeout, "qubo_variables": model.n})
