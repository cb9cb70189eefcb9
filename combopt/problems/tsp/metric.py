"""The TSP kernels' distance argument: a full matrix, or points with a TSPLIB distance rule.

Imports: numpy and numba only.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import intrinsic, overload

#: the kernels' distance argument ``D`` is either the float64 matrix (the kernels then read ``D[a, b]``, compiled
#: exactly as before points existed) or a tuple ``(P, code)``: the distance of cities ``a``, ``b`` is computed from
#: the points ``P`` (``(n, 2)`` float64: the coordinates, GEO in radians) under the TSPLIB rule of ``code``, rounded
#: exactly as ``tsplib_distances`` rounds it. Each form is a separate compiled version of the kernels.
METRIC_CODES = {"EUC_2D": 1, "CEIL_2D": 2, "ATT": 3, "GEO": 4, "MAN_2D": 5, "MAX_2D": 6}
_GEO_RRR = 6378.388


def dense_metric(D) -> np.ndarray:
    """The kernels' distance argument for a full matrix (float64, C order)."""
    return np.ascontiguousarray(D, dtype=np.float64)


def point_metric(points, kind: str) -> tuple:
    """The kernels' distance argument computed from points (see :data:`METRIC_CODES`)."""
    return (np.ascontiguousarray(points, dtype=np.float64), METRIC_CODES[kind.upper()])


@njit(cache=True)
def _point_distance(P, code, a, b):
    if a == b:
        return 0.0
    if code == 4:  # GEO
        q1 = np.cos(P[a, 1] - P[b, 1])
        q2 = np.cos(P[a, 0] - P[b, 0])
        q3 = np.cos(P[a, 0] + P[b, 0])
        arg = min(1.0, max(-1.0, 0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)))
        return np.trunc(_GEO_RRR * np.arccos(arg) + 1.0)
    dx = P[a, 0] - P[b, 0]
    dy = P[a, 1] - P[b, 1]
    if code == 1:
        return np.floor(np.sqrt(dx * dx + dy * dy) + 0.5)
    if code == 2:
        return np.ceil(np.sqrt(dx * dx + dy * dy))
    if code == 3:
        r = np.sqrt((dx * dx + dy * dy) / 10.0)
        t = np.floor(r + 0.5)
        return t + 1.0 if t < r else t
    if code == 5:
        return np.floor(abs(dx) + abs(dy) + 0.5)
    return max(np.floor(abs(dx) + 0.5), np.floor(abs(dy) + 0.5))


def _d(D, a, b):
    """Distance of cities ``a`` and ``b`` (float64) under the distance argument ``D`` (see above)."""
    if isinstance(D, tuple):
        return float(_point_distance(D[0], D[1], a, b))
    return D[a, b]


def _size(D):
    return D[0].shape[0] if isinstance(D, tuple) else D.shape[0]


@overload(_d, inline="always")
def _d_overload(D, a, b):
    if isinstance(D, types.Array):
        return lambda D, a, b: D[a, b]
    return lambda D, a, b: _point_distance(D[0], D[1], a, b)


@overload(_size, inline="always")
def _size_overload(D):
    if isinstance(D, types.Array):
        return lambda D: D.shape[0]
    return lambda D: D[0].shape[0]


@intrinsic
def plain(typingctx, x):
    """``x`` typed without its literal value (inside kernels): a kernel called with a constant (``True``, ``1``) is
    otherwise compiled a second time for that literal, besides the version for the variable the other call sites
    pass (measured: ``tsp-ls``'s walk kernel compiled its restart, local search and Lin-Kernighan chain twice each,
    21 s of compilation on a cold cache)."""
    sig = types.unliteral(x)(x)

    def codegen(context, builder, signature, args):
        return context.cast(builder, args[0], signature.args[0], signature.return_type)

    return sig, codegen
