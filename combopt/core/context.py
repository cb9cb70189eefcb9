"""What a solver function receives and returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .stopping import SearchState


@dataclass
class SolveContext:
    """Run-time context handed to every solver function."""

    seed: int
    device: str
    state: SearchState
    rng: np.random.Generator
    progress: Any = None

    @property
    def time_left(self) -> float:
        return self.state.time_left

    def uint64_seeds(self, k: int) -> np.ndarray:
        """``k`` non-zero xorshift seeds drawn from the run's generator."""
        return self.rng.integers(1, 2**63 - 1, size=k, dtype=np.int64).astype(np.uint64)


@dataclass
class SolverOutput:
    """What a solver returns besides the incumbent kept in ``ctx.state``.

    ``solution`` overrides ``state.best_solution`` when given. ``bound`` is a
    proven bound in the problem's sense; ``proven_optimal`` marks an exact
    solver's proof; ``infeasible`` a proof that no feasible solution exists;
    ``unbounded`` a proof that the objective is unbounded. What these claims
    become in the result is decided in one place, :func:`combopt.core.status.settle`.
    """

    solution: Any = None
    bound: float | None = None
    proven_optimal: bool = False
    infeasible: bool = False
    unbounded: bool = False
    info: dict[str, Any] = field(default_factory=dict)
