"""Simulated annealing and parallel tempering on QUBOs (and problems that reduce to one)."""

from __future__ import annotations

import time

import numpy as np

from ..core.context import SolveContext, SolverOutput
from ..core.registry import register_solver
from . import kernels
from .common import (
    SweepBudget,
    build_in_time,
    default_beta_range,
    deferred_interrupt,
    geometric_betas,
    offer_construction,
    offer_samples,
    parse_beta_range,
    positive_int,
    qubo_out_of_time,
    qubo_params,
    reject_unknown,
    replica_memory,
)

#: seconds a kernel call of parallel tempering should take at most (the sweeps of a round are cut to fit it)
CALL_S = 0.1


def _batch_runner(device: str):
    if device == "gpu":
        from ..gpu.anneal import anneal_batch_gpu

        return anneal_batch_gpu
    return kernels.anneal_batch_cpu


@register_solver(
    "sa",
    problems=("+qubo",),
    devices=("cpu", "gpu"),
    description="simulated annealing, many independent replicas (Numba CPU / Numba CUDA)",
    default_for=("qubo", "maxcut"),
    params=("penalty", "num_reads", "num_sweeps", "beta_range"),
)
def simulated_annealing(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Restarted simulated annealing.

    Parameters (``--param``): ``num_reads`` replicas per restart (default 64),
    ``num_sweeps`` sweeps per restart (default 1000), ``beta_range`` (hot,
    cold) inverse temperatures (default from the coefficients), ``penalty``
    for the problem's QUBO reduction.
    """
    qp = qubo_params(params, problem)
    reads = positive_int(params, "num_reads", 64 if ctx.device == "cpu" else 1024)
    sweeps = positive_int(params, "num_sweeps", 1000)
    beta_raw = params.pop("beta_range", None)
    beta_given = None if beta_raw is None else parse_beta_range(beta_raw, None)  # before any work: a run
    # answered by the construction (its QUBO too large for the time) took beta_range='abc' unremarked
    reject_unknown(params, "sa")
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    first = offer_construction(problem, ctx)  # never worse than the problem's quick construction
    model, late = build_in_time(lambda: problem.to_qubo(**qp), problem, ctx, "QUBO")
    if late is not None:
        return SolverOutput(info=late)
    beta_range = beta_given or default_beta_range(model)
    n = model.n
    replica_memory(reads, n, "num_reads")
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    X = np.zeros((reads, n), dtype=np.int8)
    F = np.zeros((reads, n), dtype=np.float64)
    E = np.zeros(reads, dtype=np.float64)
    run = _batch_runner(ctx.device)
    budget = SweepBudget(ctx, reads, sweeps, n, int(model.W.nnz))
    total_sweeps = 0
    while not ctx.state.should_stop():
        r, s = budget.next_batch()
        betas = geometric_betas(beta_range, s)
        states = ctx.uint64_seeds(r)
        # (no .signatures under NUMBA_DISABLE_JIT=1, as in the mutation run: nothing to compile then)
        cold = ctx.device == "cpu" and not getattr(kernels.anneal_batch_cpu, "signatures", True)
        budget.start(r, s)
        with deferred_interrupt():  # a Ctrl-C during the batch ends the run after the batch is offered
            run(indptr, indices, data, h, betas, 1, X[:r], F[:r], states, E[:r], 1)
            kernels.greedy_descent_batch(indptr, indices, data, X[:r], F[:r], E[:r])
            budget.done(compiled_now=cold)
            total_sweeps += s * r
            offer_samples(problem, ctx, X[:r])
        ctx.state.next_iteration()
    return SolverOutput(info={**first, "num_reads": reads, "num_sweeps": sweeps, "sweeps_done": total_sweeps,
                              "beta_range": list(beta_range), "qubo_variables": n})


@register_solver(
    "pt",
    problems=("+qubo",),
    description="parallel tempering (replica exchange) on a geometric temperature ladder (Numba CPU)",
    params=("penalty", "num_replicas", "sweeps_per_round", "rounds", "beta_range"),
)
def parallel_tempering(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Replica-exchange Monte Carlo.

    Parameters: ``num_replicas`` temperatures (default 32), ``sweeps_per_round``
    between exchanges (default 10), ``beta_range``, ``penalty``. One outer
    iteration is ``rounds`` rounds (default 100).
    """
    qp = qubo_params(params, problem)
    R = positive_int(params, "num_replicas", 32)
    sweeps = positive_int(params, "sweeps_per_round", 10)
    rounds = positive_int(params, "rounds", 100)
    beta_raw = params.pop("beta_range", None)
    beta_given = None if beta_raw is None else parse_beta_range(beta_raw, None)  # before any work
    reject_unknown(params, "pt")
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    first = offer_construction(problem, ctx)  # never worse than the problem's quick construction
    model, late = build_in_time(lambda: problem.to_qubo(**qp), problem, ctx, "QUBO")
    if late is not None:
        return SolverOutput(info=late)
    beta_range = beta_given or default_beta_range(model)
    n = model.n
    replica_memory(2 * R, n, "num_replicas")
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    ladder = geometric_betas(beta_range, R)
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    states = ctx.uint64_seeds(R)
    kernels.anneal_batch_cpu(indptr, indices, data, h, ladder[:0], 1, X, F, states, E, 1)
    swaps = attempts = 0
    chunk = min(sweeps, 10)  # sweeps a kernel call makes (a round of many sweeps is cut into calls of CALL_S)
    while not ctx.state.should_stop():
        # a Ctrl-C ends the rounds at the next one and the run after the replicas are offered
        with deferred_interrupt() as held:
            for _ in range(rounds):
                done = 0
                while done < sweeps:  # the same trajectory as one call: the sweeps at one beta just continue
                    c = min(chunk, sweeps - done)
                    t0 = time.perf_counter()
                    kernels.tempering_round_cpu(indptr, indices, data, h, ladder, c, X, F, states, E)
                    done += c
                    dt = time.perf_counter() - t0
                    chunk = max(1, min(sweeps, int(c * CALL_S / dt) if dt > 0 else 2 * c))
                    if done < sweeps and (held or ctx.state.should_stop()):
                        break  # a round of 10^9 sweeps ran past any time limit (-t 1 was not back after 60 s)
                # exchange neighbours (X, F, E travel with the configuration; betas stay)
                start = int(ctx.rng.integers(2))
                for k in range(start, R - 1, 2):
                    attempts += 1
                    delta = (ladder[k + 1] - ladder[k]) * (E[k + 1] - E[k])
                    if delta >= 0 or ctx.rng.random() < np.exp(delta):
                        swaps += 1
                        X[[k, k + 1]] = X[[k + 1, k]]
                        F[[k, k + 1]] = F[[k + 1, k]]
                        E[[k, k + 1]] = E[[k + 1, k]]
                if held or ctx.state.should_stop():
                    break
            Xq, Fq, Eq = X.copy(), F.copy(), E.copy()
            kernels.greedy_descent_batch(indptr, indices, data, Xq, Fq, Eq)
            offer_samples(problem, ctx, Xq)
        ctx.state.next_iteration()
    return SolverOutput(info={**first, "num_replicas": R, "swap_rate": swaps / max(attempts, 1), "qubo_variables": n})
