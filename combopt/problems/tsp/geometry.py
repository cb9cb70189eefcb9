"""Geometry of TSP instances kept as points: a Hilbert-curve order, the Delaunay edges and the spanning-tree bound."""

from __future__ import annotations

import numpy as np

from .tsplib import _distance_pairs


def hilbert_order(coords, bits: int = 16) -> np.ndarray:
    """The cities in the order of a Hilbert curve through the bounding box (a tour about 25 % above optimal on
    uniform points, in O(n log n))."""
    c = np.asarray(coords, dtype=np.float64)
    lo = c.min(axis=0)
    span = float(max(np.max(c.max(axis=0) - lo), 1e-300))
    side = 1 << bits
    q = np.minimum(((c - lo) / span * side).astype(np.int64), side - 1)
    x, y = q[:, 0].copy(), q[:, 1].copy()
    d = np.zeros(c.shape[0], dtype=np.int64)
    s = side >> 1
    while s > 0:
        rx = (x & s) > 0
        ry = (y & s) > 0
        d += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        flip = ~ry & rx
        x[flip] = side - 1 - x[flip]
        y[flip] = side - 1 - y[flip]
        swap = ~ry
        x[swap], y[swap] = y[swap], x[swap].copy()
        s >>= 1
    return np.argsort(d, kind="stable").astype(np.int64)


def delaunay_edges(points) -> np.ndarray | None:
    """``(m, 2)`` int64: the edges of the Delaunay triangulation of the points, each once (smaller index first);
    ``None`` for fewer than three points or points without a triangulation (all on one line)."""
    from scipy.spatial import Delaunay, QhullError

    if len(points) < 3:
        return None
    try:
        tri = Delaunay(points).simplices
    except QhullError:
        return None
    e = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]])
    return np.unique(np.sort(e, axis=1), axis=0).astype(np.int64)


def spanning_tree_bound(points, kind: str) -> float | None:
    """Weight of a minimum spanning tree of the cities: a lower bound on every tour (drop one edge of a tour and
    a spanning path is left). For EUC_2D, CEIL_2D and ATT the distance is a non-decreasing function of the
    Euclidean one, so a Euclidean minimum spanning tree, which lies on the Delaunay triangulation's edges, is a
    minimum one for the metric as well: only those edges are needed. ``None`` for the other types and for
    point sets without a triangulation (fewer than three distinct points, or all on one line)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree

    if kind not in ("EUC_2D", "CEIL_2D", "ATT"):
        return None
    uniq = np.unique(np.asarray(points, dtype=np.float64), axis=0)  # duplicates join at length 0
    u = uniq.shape[0]
    e = delaunay_edges(uniq)
    if e is None:
        return None
    w = _distance_pairs(kind, uniq[e[:, 0]], uniq[e[:, 1]])
    # +1 on every edge: the tree has u - 1 edges whatever it is, and a weight of 0 would read as no edge
    T = minimum_spanning_tree(coo_matrix((w + 1.0, (e[:, 0], e[:, 1])), shape=(u, u)).tocsr())
    if T.nnz != u - 1:
        return None
    return float(T.sum() - (u - 1))
