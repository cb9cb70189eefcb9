"""Peer solvers from other projects, registered so that suites compare "ours against theirs".

``dwave-sa`` and ``dwave-tabu`` run D-Wave's ``dwave-samplers`` (C++ simulated annealing and
tabu search) on the QUBO of any kind with the ``qubo`` capability; their samples are decoded,
repaired and evaluated by the problem exactly like combopt's own ``sa`` / ``tabu`` samples
(:func:`combopt.solvers.common.offer_samples`), so the comparison is on the same footing.
dimod and dwave-samplers are imported when a peer runs, never at registration: without them
``combopt solvers`` still lists the peers, and running one raises a one-line
:class:`~combopt.core.errors.MissingDependencyError` with the install command.

``dagma`` runs DAGMA (Bello, Aragam & Ravikumar, NeurIPS 2022; PyPI ``dagma``, its numpy
``DagmaLinear`` only) on the data of a ``dag`` instance and returns its weighted adjacency,
thresholded like ``topo`` (0.3); the DAG problem scores it with the same least-squares score.

Other peers are existing solvers with a back-end parameter: OR-Tools CP-SAT on RCPSP is
``rcpsp-cpsat``; HiGHS on every MILP-capable kind is ``milp`` with ``backend = "highs"``.

Why here and not in ``combopt/bench``: a peer is a solver like any other (``combopt solve
--solver dwave-sa`` works too), and the registry loads solvers from this package.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..core.context import SolveContext, SolverOutput
from ..core.errors import MissingDependencyError, ParameterError
from ..core.registry import register_solver
from .common import (
    build_in_time,
    finite_float,
    flag,
    offer_samples,
    parse_beta_range,
    positive_int,
    qubo_out_of_time,
    qubo_params,
    reject_unknown,
)

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
    params=("penalty", "num_reads", "num_sweeps", "beta_range"),
)
def dwave_sa(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_reads`` per iteration (default 32), ``num_sweeps`` (default 1000),
    ``beta_range`` ([hot, cold], default dwave's own), ``penalty`` (QUBO reduction)."""
    _, SA, _ = _import_dwave()
    qp = qubo_params(params, problem)
    reads = positive_int(params, "num_reads", 32)
    sweeps = positive_int(params, "num_sweeps", 1000)
    beta_range = params.pop("beta_range", None)
    beta_range = None if beta_range is None else list(parse_beta_range(beta_range, None))
    reject_unknown(params, "dwave-sa")
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    model, late = build_in_time(lambda: problem.to_qubo(**qp), problem, ctx, "QUBO")
    if late is not None:
        return SolverOutput(info=late)
    bqm = qubo_to_bqm(model)
    sampler = SA()
    kw = {"num_reads": reads, "num_sweeps": sweeps}
    if beta_range is not None:
        kw["beta_range"] = beta_range
    while not ctx.state.should_stop():
        ss = sampler.sample(bqm, seed=_seed(ctx), interrupt_function=lambda: ctx.time_left <= 0, **kw)
        offer_samples(problem, ctx, _samples(ss, model.n))
        ctx.state.next_iteration()
    return SolverOutput(info={"num_reads": reads, "num_sweeps": sweeps, "qubo_variables": model.n})


@register_solver(
    "dwave-tabu",
    problems=("+qubo",),
    description="peer: D-Wave dwave-samplers tabu search (C++, MST2 restarts) on the QUBO (needs dwave-samplers)",
    params=("penalty", "num_reads", "timeout", "tenure"),
)
def dwave_tabu(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_reads`` per iteration (default 8), ``timeout`` per read in ms (default 20;
    shortened to the time left), ``tenure`` (default dwave's), ``penalty`` (QUBO reduction)."""
    _, _, Tabu = _import_dwave()
    qp = qubo_params(params, problem)
    reads = positive_int(params, "num_reads", 8)
    timeout = positive_int(params, "timeout", 20)
    tenure = positive_int(params, "tenure", None, lo=0)  # (int() of it: 2.5 ran as 2, "abc" or -1 raised in dwave)
    reject_unknown(params, "dwave-tabu")
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    model, late = build_in_time(lambda: problem.to_qubo(**qp), problem, ctx, "QUBO")
    if late is not None:
        return SolverOutput(info=late)
    if tenure is not None and tenure > max(model.n - 1, 0):
        raise ParameterError(f"parameter tenure must be at most {max(model.n - 1, 0)} (the QUBO's {model.n} variables "
                             f"less one), got {tenure}")
    bqm = qubo_to_bqm(model)
    sampler = Tabu()
    while not ctx.state.should_stop():
        left_ms = ctx.time_left * 1000.0 / reads
        kw = {"num_reads": reads, "timeout": int(max(1, min(timeout, left_ms)))}
        if tenure is not None:
            kw["tenure"] = tenure
        ss = sampler.sample(bqm, seed=_seed(ctx), **kw)
        offer_samples(problem, ctx, _samples(ss, model.n))
        ctx.state.next_iteration()
    return SolverOutput(info={"num_reads": reads, "timeout_ms": timeout, "qubo_variables": model.n})


# -- DAGMA on DAG data ---------------------------------------------------------------------------

DAGMA_INSTALL_HINT = "pip install 'combopt[bench]' (or pip install dagma)"


def _import_dagma():
    try:
        from dagma.linear import DagmaLinear
    except ImportError:
        raise MissingDependencyError(f"the dagma peer needs DAGMA: {DAGMA_INSTALL_HINT}") from None
    return DagmaLinear


def break_cycles(W: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """Drop the weakest edge (smallest ``|w|``) of a directed cycle of ``W != 0`` until none is left.

    Returns the acyclic copy and the dropped edges ``(i, j, w)`` in the order they were dropped.
    """
    from ..problems.dag.metrics import find_cycle

    W = np.array(W, dtype=np.float64)
    dropped: list[tuple[int, int, float]] = [(int(i), int(i), float(W[i, i])) for i in np.flatnonzero(np.diag(W))]
    np.fill_diagonal(W, 0.0)  # self-loops (DAGMA returned W close to I on data in large units) are cycles too
    while (cyc := find_cycle(W)) is not None:
        i, j = min(zip(cyc[:-1], cyc[1:], strict=True), key=lambda e: abs(W[e]))
        dropped.append((int(i), int(j), float(W[i, j])))
        W[i, j] = 0.0
    return W, dropped


@register_solver(
    "dagma",
    problems=("dag",),
    description="peer: DAGMA (log-det acyclicity, NeurIPS 2022), linear l2 model, on the DAG data (needs dagma); "
                "ignores the time limit inside its fit",
    params=("lambda1", "threshold", "loss_type", "T", "warm_iter", "max_iter", "truth", "refit"),
)
def dagma(problem, ctx: SolveContext, **params) -> SolverOutput:
    """One ``DagmaLinear(loss_type).fit(X, lambda1)`` on the centred data (it cannot be interrupted:
    the time limit is not checked inside the fit), then edges with ``|w| < threshold`` are dropped.

    Parameters: ``lambda1`` (l1 weight, default 0.02: the setting of ``benchmarks/dag_topo.py``),
    ``threshold`` (default 0.3, as ``topo``), ``loss_type`` ("l2" or "logistic", default "l2"),
    ``T`` (outer iterations, default 5), ``warm_iter`` (default 30000), ``max_iter`` (default 60000),
    ``truth`` (a graph file or array for the structure metrics, as ``topo``), ``refit`` (default
    false: DAGMA's own l1-shrunk weights; true: least squares on its support, as ``topo`` does by
    default, so that the scores compare the graphs alone).
    DAGMA's own estimate is not always acyclic after thresholding; then the weakest edge of each
    remaining directed cycle is dropped until it is, and ``info["cycle_edges_dropped"]`` says how many
    (``info["dropped_edges"]`` lists them by name).
    """
    from ..problems.dag.metrics import find_cycle

    DagmaLinear = _import_dagma()
    lambda1 = finite_float(params, "lambda1", 0.02, 0.0)
    threshold = finite_float(params, "threshold", 0.3, 0.0)
    loss_type = str(params.pop("loss_type", "l2"))
    T = positive_int(params, "T", 5)
    warm_iter = positive_int(params, "warm_iter", 30000)
    max_iter = positive_int(params, "max_iter", 60000)
    truth = params.pop("truth", None)
    refit = flag(params, "refit", False)
    reject_unknown(params, "dagma")
    if loss_type not in ("l2", "logistic"):
        raise ParameterError(f"dagma: loss_type must be 'l2' or 'logistic', got {loss_type!r}")
    if truth is not None:
        problem.set_truth(truth)
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):  # its tqdm progress bar
        W_raw = DagmaLinear(loss_type=loss_type).fit(np.array(problem.Xc, dtype=np.float64), lambda1=lambda1,
                                                     w_threshold=0.0, T=T, warm_iter=warm_iter, max_iter=max_iter)
    W_raw = np.asarray(W_raw, dtype=np.float64)
    W = np.where(np.abs(W_raw) < threshold, 0.0, W_raw)
    W, dropped = break_cycles(W)
    if refit:
        from ..problems.dag.model import refit_on_support

        W = refit_on_support(problem.S, W != 0)
    ctx.state.report(problem.score(W), W)
    ctx.state.next_iteration()
    info = {
        "lambda1": lambda1, "threshold": threshold, "loss_type": loss_type, "refit": refit,
        # DAGMA's own weights, before thresholding and before cycles were broken: acyclic or not (no bound holds it)
        "unthresholded_score": problem.score(W_raw),
        "unthresholded_is_dag": bool(np.all(np.diag(W_raw) == 0)) and find_cycle(W_raw) is None,
        "edges": int(np.count_nonzero(W)),
        "cycle_edges_dropped": len(dropped),
        "dropped_edges": [[problem.names[i], problem.names[j], w] for i, j, w in dropped],
    }
    m = problem.metrics(W)
    if m is not None:
        info.update({k: m[k] for k in ("shd", "tpr", "fdr", "fpr", "nnz")})
    return SolverOutput(solution=W, info=info)


def _import_elkai():
    try:
        import elkai
    except ImportError:
        raise MissingDependencyError("the lkh peer needs elkai (LKH-3): pip install 'combopt[bench]' (or pip "
                                     "install elkai)") from None
    return elkai


@register_solver(
    "lkh",
    problems=("tsp",),
    description="peer: LKH-3 (Helsgaun) through elkai on the distance matrix, symmetric or asymmetric (needs elkai); "
                "ignores the time limit inside its runs",
    params=("runs",),
)
def lkh(problem, ctx: SolveContext, **params) -> SolverOutput:
    """``runs`` LKH runs (default 1) with elkai's defaults on the problem's integer distance matrix (an asymmetric
    one as well: LKH transforms it itself). LKH cannot be interrupted, so the time limit is not checked inside it;
    a problem kept as coordinates builds its matrix for LKH (``TSP.D``, up to 10,000 cities; larger refused)."""
    elkai = _import_elkai()
    runs = positive_int(params, "runs", 1)
    reject_unknown(params, "lkh")
    n = problem.n
    if n < 3:
        tour = np.arange(n, dtype=np.int64)
    else:
        raw = elkai.DistanceMatrix(np.asarray(problem.D, dtype=np.int64).tolist()).solve_tsp(runs=runs)
        tour = np.asarray(raw[:-1] if len(raw) == n + 1 else raw, dtype=np.int64)
    ev = problem.evaluate(tour)
    if ev.feasible:
        ctx.state.report(ev.objective, tour)
    ctx.state.next_iteration()
    return SolverOutput(solution=tour if ev.feasible else None, info={"runs": runs})
