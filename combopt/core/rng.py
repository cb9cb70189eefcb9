"""xorshift64* random streams for Numba CPU kernels.

A stream is a one-element uint64 array (so kernels can advance it in place);
seed it with a non-zero value, e.g. from :meth:`SolveContext.uint64_seeds`.
(The annealing kernel in :mod:`combopt.solvers.kernels` inlines the same
generator because its device version must not call other functions.)
"""

from __future__ import annotations

import numpy as np
from numba import njit

_INV53 = 1.0 / 9007199254740992.0  # 2**-53


@njit(inline="always", cache=True)
def next_u64(state):
    """Advance the stream and return 64 random bits (the top 53 are the best)."""
    s = state[0]
    s ^= s >> np.uint64(12)
    s ^= s << np.uint64(25)
    s ^= s >> np.uint64(27)
    state[0] = s
    return s * np.uint64(2685821657736338717)


@njit(inline="always", cache=True)
def uniform(state):
    """A float in [0, 1)."""
    return (next_u64(state) >> np.uint64(11)) * _INV53


@njit(inline="always", cache=True)
def randbelow(state, k):
    """An integer in 0..k-1 (k >= 1)."""
    return np.int64((next_u64(state) >> np.uint64(11)) % np.uint64(k))
