"""Helpers shared by the QUBO solvers: schedules, sample hand-off, parameters."""

from __future__ import annotations

import math
import time

import numpy as np

from ..core.context import SolveContext
from ..core.errors import ParameterError
from ..models.qubo import QUBO


def default_beta_range(model: QUBO) -> tuple[float, float]:
    """Inverse-temperature range from the coefficients.

    Hot end: the largest possible one-flip energy increase is accepted with
    probability 1/2. Cold end: the smallest non-zero coefficient is accepted
    with probability 1/100.
    """
    absW = abs(model.W)
    row_sum = np.asarray(absW.sum(axis=1)).ravel() if model.W.nnz else np.zeros(model.n)
    max_delta = float(np.max(np.abs(model.h) + row_sum)) if model.n else 1.0
    coeffs = np.concatenate([np.abs(model.h), np.abs(model.W.data)])
    coeffs = coeffs[coeffs > 1e-12]
    min_delta = float(coeffs.min()) if coeffs.size else 1.0
    if max_delta <= 0:
        max_delta = 1.0
    hot = math.log(2.0) / max_delta
    cold = math.log(100.0) / min_delta
    return hot, max(cold, hot * 1.0001)


def geometric_betas(beta_range: tuple[float, float], steps: int) -> np.ndarray:
    b0, b1 = beta_range
    if steps <= 1:
        return np.array([b1], dtype=np.float64)
    return np.geomspace(b0, b1, steps).astype(np.float64)


def parse_beta_range(value, model: QUBO) -> tuple[float, float]:
    if value is None:
        return default_beta_range(model)
    try:
        b0, b1 = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(f"beta_range must be two numbers (hot, cold), got {value!r}") from None
    if not (0 < b0 < b1):
        raise ParameterError(f"beta_range must satisfy 0 < hot < cold, got {value!r}")
    return b0, b1


def positive_int(params: dict, key: str, default: int) -> int:
    v = params.pop(key, default)
    try:
        iv = int(v)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {key} must be an integer, got {v!r}") from None
    if iv < 1 or iv != float(v):
        raise ParameterError(f"parameter {key} must be a positive integer, got {v!r}")
    return iv


def reject_unknown(params: dict, solver: str) -> None:
    if params:
        raise ParameterError(f"solver {solver!r} does not take parameter(s): {', '.join(sorted(params))}")


def qubo_params(params: dict) -> dict:
    """Pop the reduction parameters (``penalty``, ...) that go to ``problem.to_qubo``."""
    out = {}
    for key in ("penalty",):
        if key in params:
            try:
                out[key] = float(params.pop(key))
            except (TypeError, ValueError):
                raise ParameterError(f"parameter {key} must be a number") from None
    return out


def offer_samples(problem, ctx: SolveContext, X: np.ndarray) -> int:
    """Decode, repair and evaluate QUBO samples; report feasible ones. Returns #feasible."""
    sols = problem.from_qubo_samples(X, ctx.rng)
    feasible = 0
    for sol in sols:
        ev = problem.evaluate(sol)
        if ev.feasible:
            feasible += 1
            ctx.state.report(ev.objective, sol)
    return feasible


class SweepBudget:
    """Fits the work of the next batch into the time that is left.

    Measures seconds per (replica x sweep) on each batch and shrinks the next
    batch's sweep count so that one batch uses at most ``share`` of the time
    left. The very first batch is a short calibration run (it also absorbs
    JIT compilation).
    """

    def __init__(self, ctx: SolveContext, replicas: int, sweeps: int, first: int = 8):
        self.ctx = ctx
        self.replicas = replicas
        self.sweeps = sweeps
        self.first = min(first, sweeps)
        self.per_unit: float | None = None
        self._t = 0.0

    def next_sweeps(self) -> int:
        left = self.ctx.time_left
        if self.per_unit is None:
            return self.first if math.isfinite(left) else self.sweeps
        if not math.isfinite(left):
            return self.sweeps
        fit = int(0.5 * left / max(self.per_unit * self.replicas, 1e-12))
        return max(1, min(self.sweeps, fit))

    def start(self) -> None:
        self._t = time.perf_counter()

    def done(self, sweeps: int, compiled_now: bool = False) -> None:
        dt = time.perf_counter() - self._t
        if compiled_now and self.per_unit is None:
            return  # first call includes compilation: measure again next time
        self.per_unit = dt / max(1, sweeps * self.replicas)
