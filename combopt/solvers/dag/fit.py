"""The inner problem of TOPO: the best weights for a topological order, from the covariance.

With ``S = Xc^T Xc / n`` and an order ``pi``, let ``P = S[pi][:, pi] = L L^T``
(Cholesky). The residual variance of the node at position ``k`` regressed on
its predecessors is ``L[k, k]^2``, so the least-squares score of the order is
``0.5 * sum(diag(L)^2)``; with ``Lu = L diag(L)^-1`` (unit lower triangular)
the weights are ``B = I - Lu^-T`` (``B[j, k]`` from position ``j`` to ``k``).
One Cholesky and one triangular inverse per order: no per-node regression loop.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

from ...core.errors import InputError
from ...problems.dag.metrics import find_cycle, topological_order
from ...problems.dag.model import heuristic_order, refit_nodes, refit_on_support  # noqa: F401  (re-exported)
from ...problems.dag.model import order_score as order_loss  # the score of the best DAG an order allows

__all__ = [
    "order_cholesky", "order_loss", "weights_from_cholesky", "fit_order", "heuristic_order", "order_from_graph",
    "lasso_given_order", "threshold_and_refit", "rank_swaps", "cov_score", "default_search_sizes",
]


def default_search_sizes(d: int) -> tuple[int, int]:
    """``(size_small, size_large)`` of the reference implementation."""
    pairs = d * (d - 1) // 2
    mid = int(np.floor(np.sqrt(d) * (d - 1) * np.log10(d))) if d > 1 else 0
    small = min(int(np.floor(1.5 * d)), mid, pairs)
    large = max(int(np.floor(1.5 * d)), min(mid, pairs))
    return max(small, 1), max(min(large, pairs), 1)


def order_cholesky(S: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Cholesky factor of the covariance permuted by ``order``."""
    return np.linalg.cholesky(S[np.ix_(order, order)])


def weights_from_cholesky(L: np.ndarray) -> np.ndarray:
    """Weights ``B`` in order positions (strictly upper triangular) from the permuted Cholesky factor."""
    d = L.shape[0]
    Lu = L / np.diag(L)[None, :]
    Linv = solve_triangular(Lu, np.eye(d), lower=True, unit_diagonal=True, check_finite=False)
    B = np.eye(d) - Linv.T
    return np.triu(B, 1)


def fit_order(S: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, float]:
    """``(W, loss)``: the least-squares weights for ``order`` (in variable indices) and their score."""
    L = order_cholesky(S, order)
    B = weights_from_cholesky(L)
    d = S.shape[0]
    W = np.zeros((d, d))
    W[np.ix_(order, order)] = B
    return W, float(0.5 * np.sum(np.diag(L) ** 2))


def cov_score(S: np.ndarray, W: np.ndarray) -> float:
    """``0.5 tr((I - W)^T S (I - W))``: the least-squares score computed from the covariance."""
    M = np.eye(S.shape[0]) - W
    return float(0.5 * np.einsum("ij,ij->", M, S @ M))


def order_from_graph(B: np.ndarray, names: list[str], source: str | None = None) -> np.ndarray:
    """A topological order of the graph ``B`` (e.g. another method's output); a cycle is an InputError."""
    order = topological_order(B)
    if order is None:
        cyc = find_cycle(B)
        path = " -> ".join(names[i] for i in cyc) if cyc else "?"
        raise InputError(source, f"the init graph has a directed cycle ({path}); expected a DAG")
    return np.asarray(order, dtype=np.int64)


def lasso_given_order(S: np.ndarray, order: np.ndarray, lam: float, tol: float = 1e-8,
                      max_sweeps: int = 1000, W_ls: np.ndarray | None = None, should_stop=None) -> np.ndarray:
    """Per node, the lasso on its predecessors: ``min 0.5 r^T S r + lam |beta|_1`` by covariance coordinate descent.

    ``r = e_j - beta`` is the residual direction; warm started from least
    squares (``W_ls``, the weights of :func:`fit_order` for ``order``, when
    given). ``should_stop()`` is polled per node; once it is true the nodes
    left keep their least-squares weights (so ``W_ls`` is required with it).
    """
    from .kernels import lasso_cd

    d = S.shape[0]
    W = np.zeros((d, d))
    for k in range(1, d):
        j = order[k]
        pa = order[:k]
        if should_stop is not None and W_ls is not None and should_stop():
            W[:, order[k:]] = W_ls[:, order[k:]]
            break
        A = np.ascontiguousarray(S[np.ix_(pa, pa)])
        c = np.ascontiguousarray(S[pa, j])
        beta = np.ascontiguousarray(W_ls[pa, j]) if W_ls is not None else np.linalg.solve(A, c)
        beta = lasso_cd(A, c, beta, float(lam), tol, max_sweeps)
        W[pa, j] = beta
    return W


def threshold_and_refit(S: np.ndarray, W: np.ndarray, threshold: float, refit: bool = True,
                        max_passes: int = 20, should_stop=None) -> tuple[np.ndarray, bool]:
    """Drop ``|W| < threshold``; with ``refit``, least squares on the kept support, repeated until stable.

    The support only shrinks, so the result stays a DAG (a subgraph of ``W``'s). ``should_stop()`` is polled before
    each node's regression: once it is true the nodes left keep their earlier weights on the kept support (a pass at
    d = 1000, hundreds of parents a node, took 16 s of a 1 s run). Returns ``(weights, cut_short)``.
    """
    B = ((np.abs(W) >= threshold) & (W != 0)).astype(np.int64)
    np.fill_diagonal(B, 0)
    current = np.where(B != 0, W, 0.0)
    if not refit:
        return current, False
    for _ in range(max_passes):
        Wr, cut = refit_nodes(S, B, current, should_stop)
        if cut:
            return Wr, True
        keep = (np.abs(Wr) >= threshold) & (Wr != 0) & (B != 0)
        if keep.sum() == B.sum():
            return Wr, False
        B = keep.astype(np.int64)
        current = np.where(keep, Wr, 0.0)
    return refit_nodes(S, B, current, should_stop)


def rank_swaps(L: np.ndarray, P: np.ndarray, count: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Position pairs ``(a, b)``, ``a < b``, ranked for swapping; entries ``start .. count-1`` of the ranking.

    Key: the gradient of ``h(A) = -log det(I - A)``, ``A = |W|``, at the edge the
    current order forbids (``G[b, a] = [(I - A)^-1][a, b]``, the weighted paths
    from position ``a`` to ``b``): small means that reversing the order of the
    pair creates few cycles. Ties (e.g. no path at all) are broken by the
    largest magnitude of the score's gradient at that edge.
    """
    d = L.shape[0]
    B = weights_from_cholesky(L)
    A = np.abs(B)
    with np.errstate(over="ignore", invalid="ignore"):
        N = solve_triangular(np.eye(d) - A, np.eye(d), lower=False, unit_diagonal=True, check_finite=False)
    N = np.where(np.isfinite(N), N, np.inf)
    Gl = -(P @ (np.eye(d) - B))  # gradient of the score w.r.t. W in position coordinates
    ia, ib = np.triu_indices(d, 1)
    key1 = N[ia, ib]
    key2 = -np.abs(Gl[ib, ia])
    idx = np.lexsort((key2, key1))[start:count]
    return ia[idx].astype(np.int64), ib[idx].astype(np.int64)
