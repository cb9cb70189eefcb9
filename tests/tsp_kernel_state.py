"""Shared by the TSP kernel tests: a tour's length and edge set by hand, and the arrays the move kernels take."""

from __future__ import annotations

import numpy as np


def length(t, D) -> float:
    """Closed-tour length, summed in Python (independent of the kernels' ``_tour_len``)."""
    n = len(t)
    return float(sum(D[t[i], t[(i + 1) % n]] for i in range(n)))


def edges(t) -> set:
    """The tour's undirected edges."""
    n = len(t)
    return {frozenset((int(t[i]), int(t[(i + 1) % n]))) for i in range(n)}


def kernel_state(tour):
    """``(tour, pos, queue, inq, qs)`` as the move kernels take them: an int64 copy of ``tour``, its positions, and
    an empty don't-look queue."""
    t = np.array(tour, dtype=np.int64)
    n = t.size
    pos = np.empty(n, dtype=np.int64)
    pos[t] = np.arange(n)
    return t, pos, np.empty(n, dtype=np.int64), np.zeros(n, dtype=np.bool_), np.zeros(2, dtype=np.int64)
