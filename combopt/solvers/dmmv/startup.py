"""The ``dmmv`` solvers' set-up: time shares, the warm start, the focus restriction and the answer of a run that has
no start yet (a model that cannot be built in time, Ctrl-C during the set-up)."""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...models.dmmv import DMMV

#: share of the time left that the warm starts (SART, DART, GPTQ, ...) may take in a timed ``dmmv`` run; the rest is
#: the search's set-up and search (a 512 x 512 tomography's SART took all of a 2 s limit and the set-up came on top)
START_SHARE = 0.5
#: share of the time left by which the models must be built, else the run answers with the problem's cheapest
#: start (an order-2000 FIR filter's model took 4-5 s at a 2 s limit)
BUILD_SHARE = 0.5
#: final evaluations after the search (the result's re-evaluation, the report) the search leaves time for, in units
#: of the measured time of one (an order-2000 FIR filter's takes 0.7-1.4 s), at most this share of the limit
EVALS_AFTER, EVALS_SHARE = 2.0, 0.3
#: an entry visit of the local search's first pass (a sweep of single moves, then up to 64 pair steps), in entry
#: visits of one pass over the matrix. Measured from poor starts (pass / one pass over the matrix): 512 x 512
#: tomography, 128 angles: 90 (2.2 s), estimated 80; 256 x 256, 64 angles: 240, est. 200; order-2000 FIR: 25, est. 50
PASS_VISIT_RECOMPUTE = 10.0


def deadline_at(ctx: SolveContext | None, share: float = 1.0) -> float | None:
    """``time.monotonic()`` at ``share`` of ``ctx``'s time left (``None`` without a time limit)."""
    left = math.inf if ctx is None else ctx.time_left
    return time.monotonic() + share * left if math.isfinite(left) else None


def pick_start(problem, name: str | None, fallback: str = "auto", ctx: SolveContext | None = None,
                share: float = 1.0) -> tuple[str, list[np.ndarray], str | None]:
    """``(name, index vectors, note)`` of the requested start; an optional start that cannot be built
    (e.g. the FIR lattice start without fpylll) falls back to ``fallback`` with a note. Iterative baselines
    (tomography's SART, SIRT, DART; GPTQ) stop at ``share`` of ``ctx``'s time left."""
    deadline = deadline_at(ctx, share)
    starts = problem.starts(deadline)
    optional = tuple(getattr(problem, "optional_starts", ()))
    note = None
    if name is not None and name != "auto":
        if name in optional:
            ks = problem.start_named(name, deadline)
            if ks is not None:
                return name, ks, None
            note = f"start {name!r} unavailable, fell back to {fallback}"
            if fallback in starts:
                return fallback, starts[fallback], note
        elif name not in starts and name == getattr(problem, "baseline_start", None):
            why = "no time for it" if f"{name}_cut" in problem.start_notes() else \
                "Remez did not converge?" if name == "remez" else "it failed on this instance"
            note = f"start {name!r} unavailable ({why}), the best other start used"
        elif name not in starts:
            raise ParameterError(f"unknown start {name!r} for {problem.kind}; expected one of: auto, "
                                 f"{', '.join([*starts, *(o for o in optional if o not in starts)])}")
        else:
            return name, starts[name], None
    preferred = getattr(problem, "preferred_start", None)
    if preferred in starts:
        return preferred, starts[preferred], note
    best = None
    for key, ks in starts.items():
        if key in optional:
            continue
        val = problem.block_objective(ks)
        if best is None or val < best[0]:
            best = (val, key, ks)
    assert best is not None
    return best[1], best[2], note


def restrict(model: DMMV, k0: np.ndarray, free: np.ndarray) -> DMMV:
    """The model over the ``free`` variables only, the others fixed at ``k0`` (their sums moved into the bounds)."""
    idx = np.flatnonzero(free)
    x0 = model.values(k0)
    # the fixed columns' sums as one product with the free values zeroed: the same sums (zero terms change none),
    # without copying the fixed columns (63 million entries and 1.7 s on a noisy 512 x 512 tomography)
    xz = x0.copy()
    xz[idx] = 0.0
    sfix = model.A @ xz
    sizes = model.domain_sizes[idx]
    ptr = np.zeros(idx.size + 1, dtype=np.int64)
    np.cumsum(sizes, out=ptr[1:])
    owner = np.repeat(idx, sizes)
    vals = model.dom_vals[model.dom_ptr[owner] + (np.arange(int(ptr[-1])) - np.repeat(ptr[:-1], sizes))]
    return DMMV(model.A[:, idx], model.lower - sfix, model.upper - sfix, ptr, vals, model.weights,
                f"{model.name}[focus]")


def fallback_answer(problem, ctx: SolveContext, why: str, interrupted: bool = False) -> SolverOutput:
    """The problem's cheapest valid answer (:meth:`fallback_start`: a rounding), offered and returned with ``why`` in
    ``info["fallback"]``: for a run with no start yet (Ctrl-C during the set-up, a model that cannot be built in
    time). A second Ctrl-C waits until the answer is offered."""
    from ..common import deferred_interrupt

    with deferred_interrupt():
        name, ks = problem.fallback_start()
        sol = problem.solution_from_blocks([np.array(k, dtype=np.int64) for k in ks])
        ev = problem.evaluate(sol)
        if ev.feasible:
            ctx.state.report(ev.objective, sol)
    ctx.state.next_iteration()
    info = {"start": name, "fallback": why, **problem.start_notes()}
    if interrupted:
        info["interrupted"] = ctx.state.interrupted = True
    return SolverOutput(solution=sol, info=finish_info(problem, sol, info))


def finish_info(problem, solution, info: dict) -> dict:
    if solution is not None:
        try:
            info.update(problem.report(solution))
        except Exception as exc:  # noqa: BLE001 - a report must never lose the solution
            info["report_error"] = str(exc)[:200]
    return info
