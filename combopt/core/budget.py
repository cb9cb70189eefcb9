"""Fitting the steps of a kernel call into the time that is left (shared by solvers and problem adapters)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

#: share of the time left that a call sized by the prior cost alone may take (see :meth:`StepBudget.next`)
PRIOR_SHARE = 0.1


class StepBudget:
    """Fits the steps of the next call of a kernel (one that runs ``steps`` steps per call and cannot look at the
    clock) into ``share`` of the time left (``time_left()``, seconds; infinite for an untimed run), so that a
    timed run ends on time on large instances too.

    Before anything is measured a step is taken to cost ``prior_s`` seconds (0: no estimate, the first call runs
    in full); afterwards the cost is measured on every call. Untimed runs always get ``steps``, and so do
    calls whose full length fits: small instances run exactly as without a budget.

    A call may also cost a fixed set-up (a kernel that first re-optimises its start: 0.35 s a walk on a
    200,000-vertex graph, against microseconds a step). Once two calls of different lengths are measured, a
    call is modelled as ``overhead + per_step * steps`` (the line through the last two); before that, time per
    step of the last call, which overstates the cost of a step and so errs on the short side.
    """

    def __init__(self, time_left: Callable[[], float], steps: int, prior_s: float = 0.0, share: float = 0.9,
                 least: int = 1):
        self.time_left, self.steps, self.share, self.least = time_left, int(steps), float(share), int(least)
        self.per_step = float(prior_s)
        self.overhead = 0.0
        self._t, self._steps = 0.0, 1
        self._last: tuple[int, float] | None = None  # (steps, seconds) of the call before

    def next(self, cap: int | None = None) -> int:
        """Steps of the next call: ``steps`` (or ``cap`` when smaller), fewer when they would not fit."""
        steps = self.steps if cap is None else min(self.steps, int(cap))
        left = self.time_left()
        if not math.isfinite(left) or self.per_step <= 0.0:
            return steps
        # the prior is a cost measured on an idle machine: on a loaded one a step costs several times more, so the
        # call it sizes (the only one not sized from a measurement) gets at most PRIOR_SHARE of the time left
        share = self.share if self._last is not None else min(self.share, PRIOR_SHARE)
        room = share * max(left, 0.0) - self.overhead
        return int(max(min(self.least, steps), min(steps, room / self.per_step)))

    def start(self, steps: int) -> None:
        self._steps = max(1, int(steps))
        self._t = time.perf_counter()

    def done(self) -> None:
        took = time.perf_counter() - self._t
        self.per_step, self.overhead = took / self._steps, 0.0
        if self._last is not None and self._last[0] != self._steps:
            (s0, t0), s1 = self._last, self._steps
            slope = (took - t0) / (s1 - s0)
            overhead = took - slope * s1
            if slope > 0.0 and 0.0 <= overhead < took:
                self.per_step, self.overhead = slope, overhead
        self._last = (self._steps, took)
