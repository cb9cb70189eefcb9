"""Exhaustive enumeration of small QUBOs (Gray code, parallel over prefixes)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numba
import numpy as np

from ..core.context import SolveContext, SolverOutput
from ..core.errors import ParameterError, UnsuitedInstance
from ..core.registry import register_solver
from . import kernels
from .common import positive_int, qubo_params, reject_unknown

MAX_EXHAUSTIVE = 30


#: prefix bits of the blocks the enumeration is cut into (at most 1024 blocks: a run can stop between them)
PREFIX_BITS = 10
#: seconds one kernel call should take (its blocks are sized from the rate of the calls before)
CALL_S = 0.2


def exhaustive_minimum(model, deadline: float = math.inf,
                       stop: Callable[[float, np.ndarray], bool] | None = None) -> tuple[float, np.ndarray, bool]:
    """``(energy, minimiser, complete)`` of a QUBO with n <= 30: the minimum energy (including the offset) and
    one minimiser, or, when ``deadline`` (a ``time.monotonic()`` value) comes first, or ``stop(energy, x)`` of the
    best so far says so between kernel calls (a target reached), the best of the blocks enumerated so far with
    ``complete`` false."""
    n = model.n
    if n > MAX_EXHAUSTIVE:
        raise ParameterError(f"exhaustive enumeration handles at most {MAX_EXHAUSTIVE} variables, got {n}")
    if n == 0:
        return model.offset, np.zeros(0, dtype=np.int8), True
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    k = min(n, PREFIX_BITS)
    blocks = 1 << k
    best_E = np.full(blocks, np.inf)
    best_code = np.zeros(blocks, dtype=np.int64)

    def best(done: int) -> tuple[float, np.ndarray]:
        p = int(np.argmin(best_E[:done]))
        code, x = int(best_code[p]), np.zeros(n, dtype=np.int8)
        for b in range(n - k):
            x[b] = (code >> b) & 1
        for b in range(k):
            x[n - k + b] = (p >> b) & 1
        return float(best_E[p]) + model.offset, x

    done, chunk = 0, min(blocks, 2 * max(1, numba.get_num_threads()))  # the threads this run may use
    while done < blocks and (done == 0 or time.monotonic() < deadline):
        c = min(chunk, blocks - done)
        t0 = time.monotonic()
        kernels.exhaustive_cpu(indptr, indices, data, h, k, best_E[done:done + c], best_code[done:done + c], done)
        done += c
        dt = time.monotonic() - t0
        chunk = max(1, min(blocks, int(c * CALL_S / dt) if dt > 0 else 2 * c))
        if stop is not None and done < blocks and stop(*best(done)):
            break
    return (*best(done), done == blocks)


def variable_limit(params: dict) -> int:
    """The most variables a run with ``params`` enumerates: ``max_variables`` (26 by default, at most 30); pops it."""
    limit = positive_int(params, "max_variables", 26)
    if limit > MAX_EXHAUSTIVE:
        raise ParameterError(f"max_variables must be at most {MAX_EXHAUSTIVE} (each variable doubles the time), "
                             f"got {limit}")
    return limit


@register_solver(
    "exhaustive",
    problems=("+qubo",),
    exact=True,
    description=f"enumerate all 2^n assignments (Gray code, parallel), n <= {MAX_EXHAUSTIVE}",
    max_variables=lambda params: variable_limit(dict(params)),
    params=("penalty", "max_variables"),
)
def exhaustive(problem, ctx: SolveContext, **params) -> SolverOutput:
    qp = qubo_params(params, problem)
    limit = variable_limit(params)
    reject_unknown(params, "exhaustive")
    model = problem.to_qubo(**qp)
    if model.n > limit:
        more = f"; raise it with --param max_variables=N up to {MAX_EXHAUSTIVE}" if limit < MAX_EXHAUSTIVE else ""
        raise UnsuitedInstance(f"exhaustive enumeration of {model.n} variables is too large (limit {limit}{more})")
    def stop(energy: float, x: np.ndarray) -> bool:
        """Between kernel calls: the best so far is reported, so that a target reached ends the enumeration (decoded
        with a generator of its own: how often this runs depends on the clock, the run's answer must not)."""
        sol = problem.from_qubo_sample(x, np.random.default_rng(ctx.seed))
        ev = problem.evaluate(sol)
        if ev.feasible:
            ctx.state.report(ev.objective, sol)
        return ctx.state.should_stop()

    energy, x, complete = exhaustive_minimum(model, time.monotonic() + ctx.time_left, stop)
    sol = problem.from_qubo_sample(x, ctx.rng)
    ev = problem.evaluate(sol)
    ctx.state.next_iteration()
    if ev.feasible:
        ctx.state.report(ev.objective, sol)
    # The QUBO optimum is the problem optimum only when the reduction is exact.
    exact = getattr(problem, "qubo_is_exact", problem.kind == "qubo")
    # The bound is the problem's optimum, i.e. the decoded minimiser's own objective (the QUBO's
    # energy is in the QUBO's sense and units, e.g. -|S| for an independent set).
    # An enumeration cut short by the time limit proves nothing.
    proven = bool(exact and ev.feasible and complete)
    info = {"qubo_minimum" if complete else "qubo_best_enumerated": energy, "qubo_variables": model.n}
    if not complete:  # why it stopped, in the order should_stop checks
        why = "a Ctrl-C" if ctx.state.interrupted else \
            "the best found meets the problem's bound" if ctx.state.proven_optimal else \
            "the time limit or the target"
        info["enumerated"] = f"stopped early ({why}): not every assignment was tried"
    return SolverOutput(solution=sol, bound=ev.objective if proven else None, proven_optimal=proven, info=info)
