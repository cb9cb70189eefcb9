"""Graphs with a hidden clique of known size, for testing clique / independent-set solvers.

Three constructions, each returning a :class:`~combopt.problems.graph.graph.Graph` and the
size of the clique hidden in it:

* :func:`planted_clique`: an Erdos-Renyi graph ``G(n, p)`` plus a clique on ``k`` random
  vertices. The clique number is at least ``k`` (and equals it with high probability when
  ``k`` is well above the ``2 log n / log(1/p)`` of the random part).
* :func:`brock_graph`: after Brockington and Culberson's "camouflaged" graphs (the DIMACS
  ``brock`` family): a planted clique whose vertices get fewer edges outside the clique, so
  that their degrees are no larger (``camouflage=1``: equal in expectation; larger values:
  smaller) than those of the other vertices and degree-greedy methods are not drawn to them.
  Clique number at least ``k``.
* :func:`san_graph`: after Sanchis' construction (the DIMACS ``san`` family): the vertices are
  split into ``k`` independent colour classes, one vertex of each class forms the hidden
  clique, and further edges join different classes at random up to density ``p``, fewer at
  the clique's vertices (so they look like poor choices to a greedy method). The graph is
  ``k``-colourable, so the clique number is **exactly** ``k``.

All three take a ``seed`` and are deterministic for it.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import ParameterError
from ..problems.graph.graph import Graph


def _check(n: int, p: float, k: int) -> None:
    if n < 2:
        raise ParameterError(f"n must be at least 2, got {n}")
    if not 0.0 <= p <= 1.0:
        raise ParameterError(f"density p must be in [0, 1], got {p}")
    if not 1 <= k <= n:
        raise ParameterError(f"clique size k must be in 1..n, got {k}")


def _graph_from_upper(M: np.ndarray, name: str) -> Graph:
    iu, ju = np.nonzero(np.triu(M, 1))
    return Graph.from_edges(M.shape[0], np.stack([iu, ju], axis=1), name=name)


def _random_order(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(n)


def planted_clique(n: int, p: float, k: int, seed: int = 0) -> tuple[Graph, int]:
    """``G(n, p)`` with a clique planted on ``k`` random vertices; returns ``(graph, k)``."""
    _check(n, p, k)
    rng = np.random.default_rng(seed)
    M = rng.random((n, n)) < p
    C = _random_order(n, rng)[:k]
    M[np.ix_(C, C)] = True
    return _graph_from_upper(M, f"planted-{n}-{p:g}-{k}-s{seed}"), k


def brock_graph(n: int, p: float, k: int, seed: int = 0, camouflage: float = 1.0) -> tuple[Graph, int]:
    """A planted clique of size ``k`` hidden by degree camouflage; returns ``(graph, k)``.

    Outside the clique, the clique's vertices keep each edge with probability ``q`` chosen so
    that their expected degree is ``p (n - 1) - (camouflage - 1) * sqrt(p (1 - p) n)``, i.e. the
    average degree (``camouflage=1``) or that many standard deviations below it.
    """
    _check(n, p, k)
    if k >= n:
        return planted_clique(n, p, k, seed)
    rng = np.random.default_rng(seed)
    M = rng.random((n, n)) < p
    order = _random_order(n, rng)
    C, rest = order[:k], order[k:]
    target = p * (n - 1) - (camouflage - 1.0) * np.sqrt(p * (1.0 - p) * n)
    q = float(np.clip((target - (k - 1)) / (n - k), 0.0, 1.0))
    M[np.ix_(C, C)] = True
    keep = rng.random((k, n - k)) < q
    M[np.ix_(C, rest)] = keep
    M[np.ix_(rest, C)] = keep.T
    M = np.triu(M, 1) | np.triu(M, 1).T
    return _graph_from_upper(M, f"brock-{n}-{p:g}-{k}-s{seed}"), k


def san_graph(n: int, p: float, k: int, seed: int = 0, hide: float = 0.5) -> tuple[Graph, int]:
    """A ``k``-colourable graph of density about ``p`` holding a ``k``-clique; returns ``(graph, k)``.

    The clique number is exactly ``k``: the colour classes are independent, and the clique
    takes one vertex from each. ``hide`` (0..1) lowers the clique vertices' other edges
    relative to the rest (0: same probability as every other pair).
    """
    _check(n, p, k)
    if k < 2:
        raise ParameterError(f"san_graph needs k >= 2, got {k}")
    rng = np.random.default_rng(seed)
    order = _random_order(n, rng)
    colour = np.empty(n, dtype=np.int64)
    colour[order] = np.arange(n) % k  # classes of sizes floor/ceil(n / k)
    clique = order[:k]  # one vertex of each colour
    in_c = np.zeros(n, dtype=bool)
    in_c[clique] = True
    cross = colour[:, None] != colour[None, :]
    np.fill_diagonal(cross, False)
    pairs = n * (n - 1) / 2
    cross_pairs = cross.sum() / 2
    # edges needed besides the clique, spread over the cross-class pairs
    need = max(0.0, p * pairs - k * (k - 1) / 2)
    free = cross_pairs - k * (k - 1) / 2
    q = float(np.clip(need / max(free, 1.0), 0.0, 1.0))
    # clique vertices: lower probability q_c; others raised to keep the density
    touch = (in_c[:, None] | in_c[None, :]) & cross & ~(in_c[:, None] & in_c[None, :])
    t_pairs = touch.sum() / 2
    q_c = q * (1.0 - hide)
    o_pairs = free - t_pairs
    q_o = float(np.clip((need - q_c * t_pairs) / max(o_pairs, 1.0), 0.0, 1.0))
    U = rng.random((n, n))
    M = cross & (U < np.where(touch, q_c, q_o))
    M[np.ix_(clique, clique)] = True
    np.fill_diagonal(M, False)
    M = np.triu(M, 1)
    return _graph_from_upper(M | M.T, f"san-{n}-{p:g}-{k}-s{seed}"), k


def write_dimacs(graph: Graph, path, comment: str = "") -> None:
    """Write ``graph`` in DIMACS ``p edge`` format (1-based vertices)."""
    with open(path, "x") as fh:
        if comment:
            fh.write(f"c {comment}\n")
        fh.write(f"p edge {graph.n} {graph.m}\n")
        for u, v in graph.edges:
            fh.write(f"e {u + 1} {v + 1}\n")
