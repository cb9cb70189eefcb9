"""The ``dmmv`` solvers' set-up: the search parameters, time shares, the warm start, the focus restriction and the
answer of a run that has no start yet (a model that cannot be built in time, Ctrl-C during the set-up)."""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...models.dmmv import DMMV
from ..common import finite_float, positive_int

DEFAULTS = {
    "max_step": 2,  # single moves of 1..max_step grid steps
    "max_pairs": 8192,  # pair candidates per step (all pairs when they fit)
    "screen_rows": 8,  # rows at the maximum whose variables form the neighbourhood (sparse models)
    "top_rows": 32,  # rows kept sorted for screening and the untouched maximum
    "all_vars": 256,  # every variable is in the neighbourhood up to this many (always for dense models)
    "destroy": 0.005,  # fraction of variables perturbed per LNS round (at least 2)
    "destroy_max": 0.05,  # adaptive growth limit of the destroy size
    "restart_after": 300,  # LNS rounds without a new best before a restart
    "restart_frac": 0.15,  # fraction of variables re-randomised at a restart
    "deep_after": 0,  # LNS rounds without a new best of the trajectory before a fresh one from the start (0: never)
    "rounds": 200,  # LNS rounds per block and outer iteration when there is no time limit
    "max_moves": 1_000_000,  # accepted moves per local search
}


def search_params(params: dict, defaults: dict | None = None) -> dict:
    """Pop and check the local-search parameters (see ``DEFAULTS``); ``defaults`` (a problem class's
    ``search_defaults``) replace :data:`DEFAULTS` where the user gave no value."""
    params.update({key: v for key, v in (defaults or {}).items() if key not in params})
    out = {key: positive_int(params, key, DEFAULTS[key], lo=0 if key in ("all_vars", "deep_after") else 1)
           for key in ("max_step", "max_pairs", "screen_rows", "top_rows", "rounds", "max_moves", "all_vars",
                       "restart_after", "deep_after")}
    given_max = params.get("destroy_max") is not None
    out.update({key: finite_float(params, key, DEFAULTS[key], 0.0, 1.0)
                for key in ("destroy", "destroy_max", "restart_frac")})
    if out["destroy_max"] < out["destroy"]:  # the destroy size grows from destroy up to destroy_max
        if given_max:  # (was clamped to destroy + 2 variables without a word)
            raise ParameterError(f"parameter destroy_max ({out['destroy_max']:g}) must be at least destroy "
                                 f"({out['destroy']:g}): the destroy size grows from destroy up to destroy_max")
        out["destroy_max"] = out["destroy"]  # the default limit follows a larger destroy
    return out


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
