"""Structure-recovery metrics (SHD, TPR, FDR, FPR, nnz) and small graph helpers.

The definitions follow ``count_accuracy`` of the NOTEARS utilities, as
written in the reference note: with ``B_true`` and ``B_est`` 0/1 matrices
(``B[i, j] = 1`` for an edge ``i -> j``) and ``B_est`` a DAG,

* TPR = true positives / true edges;
* FDR = (reversed + false positives) / predicted edges;
* FPR = (reversed + false positives) / (d(d-1)/2 - true edges);
* SHD = extra + missing skeleton edges + reversed edges (a reversal counts once);
* nnz = predicted edges.
"""

from __future__ import annotations

import numpy as np

__all__ = ["count_accuracy", "is_dag", "find_cycle", "topological_order", "support"]


def support(W: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """0/1 int matrix of the entries with ``|W| > tol``."""
    return (np.abs(np.asarray(W, dtype=np.float64)) > tol).astype(np.int64)


def topological_order(B: np.ndarray) -> list[int] | None:
    """A topological order of the graph ``B != 0`` (Kahn, smallest index first), or None when cyclic."""
    A = np.asarray(B) != 0
    d = A.shape[0]
    indeg = A.sum(axis=0).astype(np.int64)
    ready = sorted(int(i) for i in np.flatnonzero(indeg == 0))
    order: list[int] = []
    import heapq

    heapq.heapify(ready)
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for j in np.flatnonzero(A[i]):
            indeg[j] -= 1
            if indeg[j] == 0:
                heapq.heappush(ready, int(j))
    return order if len(order) == d else None


def is_dag(B: np.ndarray) -> bool:
    """True when the graph ``B != 0`` has no directed cycle (self-loops are cycles)."""
    return topological_order(B) is not None


def find_cycle(B: np.ndarray) -> list[int] | None:
    """One directed cycle ``[v0, v1, ..., v0]`` of ``B != 0``, or None when there is none."""
    A = np.asarray(B) != 0
    d = A.shape[0]
    for i in range(d):
        if A[i, i]:
            return [i, i]
    color = np.zeros(d, dtype=np.int8)  # 0 new, 1 on stack, 2 done
    for s in range(d):
        if color[s]:
            continue
        stack = [(s, iter(np.flatnonzero(A[s])))]
        color[s] = 1
        while stack:
            v, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                color[v] = 2
                stack.pop()
                continue
            w = int(nxt)
            if color[w] == 0:
                color[w] = 1
                stack.append((w, iter(np.flatnonzero(A[w]))))
            elif color[w] == 1:
                path = [u for u, _ in stack]
                return path[path.index(w):] + [w]
    return None


def count_accuracy(B_true: np.ndarray, B_est: np.ndarray) -> dict[str, float]:
    """Compare an estimated graph with the true one.

    Parameters
    ----------
    B_true, B_est
        ``d x d`` matrices; non-zero entries are edges ``i -> j``.

    Returns
    -------
    dict
        ``shd``, ``tpr``, ``fdr``, ``fpr``, ``nnz`` and the counts ``true_positive``,
        ``reversed``, ``false_positive`` (skeleton extras), ``missing``, ``true_edges``.
    """
    T = np.asarray(B_true) != 0
    E = np.asarray(B_est) != 0
    d = T.shape[0]
    if T.shape != E.shape or T.shape != (d, d):
        raise ValueError(f"shape mismatch: truth {T.shape}, estimate {E.shape}")
    pred = E.sum()
    cond = T.sum()
    true_pos = np.sum(E & T)
    skeleton = T | T.T
    false_pos = np.sum(E & ~skeleton)
    extra = E & ~T
    reverse = np.sum(extra & T.T)
    cond_neg = 0.5 * d * (d - 1) - cond
    fdr = float(reverse + false_pos) / max(int(pred), 1)
    tpr = float(true_pos) / max(int(cond), 1)
    fpr = float(reverse + false_pos) / float(max(cond_neg, 1))
    Es = np.tril(E | E.T, -1)
    Ts = np.tril(T | T.T, -1)
    extra_lower = np.sum(Es & ~Ts)
    missing_lower = np.sum(Ts & ~Es)
    shd = int(extra_lower + missing_lower + reverse)
    return {
        "shd": shd,
        "tpr": tpr,
        "fdr": fdr,
        "fpr": fpr,
        "nnz": int(pred),
        "true_edges": int(cond),
        "true_positive": int(true_pos),
        "reversed": int(reverse),
        "false_positive": int(false_pos),
        "missing": int(missing_lower),
    }
