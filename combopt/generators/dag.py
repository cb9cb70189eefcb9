"""Synthetic DAG-learning data: the standard linear-SEM protocol of the NOTEARS utilities.

* ``ER``: exactly ``s0 = k * d`` edges placed uniformly among the ``d(d-1)/2``
  pairs, oriented along a random permutation ("ERk");
* ``SF``: Barabasi-Albert with ``m = round(s0 / d)`` edges per new node, each
  new node pointing at the nodes it attaches to, then randomly permuted;
* weights uniform in ``+-[0.5, 2]`` with random signs;
* ``X_j = X W_j + z_j`` in topological order with ``z`` Gaussian N(0, 1),
  exponential(1), Gumbel(0, 1) or uniform(-1, 1) (``noise_scale`` times).

``combopt generate dag`` writes ``data.csv`` (header ``X0 .. X{d-1}``),
``W_true.csv`` (the weighted adjacency with a header of names) and
``edges.csv`` (``cause,effect,weight``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.errors import ParameterError
from ..problems.dag.metrics import topological_order
from ..problems.dag.model import MAX_CELLS, MAX_VARIABLES, DAGProblem

__all__ = ["simulate", "simulate_dag", "simulate_weights", "simulate_linear_sem", "generate_dag", "write_dataset",
           "GRAPHS", "NOISES"]

GRAPHS = ("ER", "SF")
NOISES = ("gauss", "exp", "gumbel", "uniform")


def simulate_dag(d: int, edges_per_node: float, graph: str = "ER", rng: np.random.Generator | int = 0) -> np.ndarray:
    """0/1 adjacency of a random DAG (``B[i, j] = 1`` for ``i -> j``)."""
    rng = np.random.default_rng(rng)
    graph = graph.upper()
    if graph not in GRAPHS:
        raise ParameterError(f"graph must be one of {', '.join(GRAPHS)}, got {graph!r}")
    if not 2 <= d <= MAX_VARIABLES:
        raise ParameterError(f"d must be between 2 and {MAX_VARIABLES}, got {d}")
    if not edges_per_node > 0:
        raise ParameterError(f"edges per node must be positive, got {edges_per_node}")
    pairs = d * (d - 1) // 2
    s0 = int(round(edges_per_node * d))
    B = np.zeros((d, d), dtype=np.int64)
    if graph == "ER":
        if s0 > pairs:  # "exactly k d edges" cannot hold: say so rather than quietly give the complete DAG
            raise ParameterError(f"ER{edges_per_node:g} on d = {d} would need {s0} edges; a DAG on {d} variables has "
                                 f"at most {pairs} (edges per node at most {(d - 1) / 2:g})")
        ia, ib = np.tril_indices(d, -1)
        pick = rng.choice(pairs, size=s0, replace=False)
        B[ia[pick], ib[pick]] = 1  # lower triangle: i > j means i -> j in the order d-1, ..., 0
    else:
        m = max(1, int(round(s0 / d)))
        if m >= d:
            raise ParameterError(f"SF graphs need edges per node < d, got {edges_per_node} for d = {d}")
        # Barabasi-Albert, directed from each new node to the existing nodes it attaches to
        targets = list(range(m))
        repeated: list[int] = []
        for v in range(m, d):
            for t in set(targets):
                B[v, t] = 1
            repeated.extend(targets)
            repeated.extend([v] * m)
            chosen: set[int] = set()
            while len(chosen) < m:
                chosen.add(int(repeated[rng.integers(len(repeated))]))
            targets = list(chosen)
    perm = rng.permutation(d)
    return B[np.ix_(perm, perm)]


def simulate_weights(B: np.ndarray, rng: np.random.Generator | int = 0,
                     ranges: tuple[tuple[float, float], ...] = ((-2.0, -0.5), (0.5, 2.0))) -> np.ndarray:
    """Weights uniform in the ``ranges`` (default ``+-[0.5, 2]``) on the edges of ``B``."""
    rng = np.random.default_rng(rng)
    W = np.zeros(B.shape)
    S = rng.integers(len(ranges), size=B.shape)
    for i, (lo, hi) in enumerate(ranges):
        U = rng.uniform(lo, hi, size=B.shape)
        W += B * (S == i) * U
    return W


def simulate_linear_sem(W: np.ndarray, n: int, noise: str = "gauss", rng: np.random.Generator | int = 0,
                        noise_scale: float = 1.0) -> np.ndarray:
    """``n`` samples of the linear SEM ``X = X W + Z``, drawn in topological order."""
    rng = np.random.default_rng(rng)
    d = W.shape[0]
    if noise not in NOISES:
        raise ParameterError(f"noise must be one of {', '.join(NOISES)}, got {noise!r}")
    if n < 1 or n * d > MAX_CELLS:
        raise ParameterError(f"n must be between 1 and {MAX_CELLS // d} for d = {d}, got {n}")
    order = topological_order(W)
    if order is None:
        raise ParameterError("W must be a DAG")
    X = np.zeros((n, d))
    for j in order:
        if noise == "gauss":
            z = rng.normal(scale=noise_scale, size=n)
        elif noise == "exp":
            z = rng.exponential(scale=noise_scale, size=n)
        elif noise == "gumbel":
            z = rng.gumbel(scale=noise_scale, size=n)
        else:
            z = rng.uniform(low=-noise_scale, high=noise_scale, size=n)
        X[:, j] = X @ W[:, j] + z
    return X


def simulate(d: int = 20, edges_per_node: float = 2.0, n: int = 1000, graph: str = "ER", noise: str = "gauss",
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(X, W_true)``: ``n`` samples of a random linear SEM (see the module doc)."""
    if not isinstance(n, (int, np.integer)) or n <= d:
        raise ParameterError(f"n must be an integer larger than d = {d}, got {n}")
    rng = np.random.default_rng(seed)
    B = simulate_dag(d, edges_per_node, graph, rng)
    W = simulate_weights(B, rng)
    X = simulate_linear_sem(W, int(n), noise, rng)
    return X, W


def generate_dag(d: int = 20, edges_per_node: float = 2.0, n: int = 1000, graph: str = "ER", noise: str = "gauss",
                 seed: int = 0) -> DAGProblem:
    """A :class:`DAGProblem` of simulated data with its true weighted graph attached as the truth."""
    X, W = simulate(d, edges_per_node, n, graph, noise, seed)
    name = f"{graph.upper()}{edges_per_node:g}-d{d}-n{n}-{noise}-s{seed}"
    return DAGProblem(X, name=name, truth=W)


def write_dataset(X: np.ndarray, W: np.ndarray, folder: Path, force: bool = False) -> list[Path]:
    """Write ``data.csv``, ``W_true.csv`` and ``edges.csv`` into ``folder`` (names ``X0 .. X{d-1}``)."""
    folder = Path(folder)
    targets = [folder / "data.csv", folder / "W_true.csv", folder / "edges.csv"]
    clash = [t for t in targets if t.exists()]
    if clash and not force:
        raise ParameterError(f"{clash[0]} already exists; pass --force to overwrite it")
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"--out {folder} is a file; expected a folder")
    if not folder.absolute().parent.is_dir():
        raise ParameterError(f"--out {folder}: directory {folder.parent} does not exist")
    folder.mkdir(exist_ok=True)
    names = [f"X{i}" for i in range(W.shape[0])]
    texts = [
        ",".join(names) + "\n" + "\n".join(",".join(f"{v:.10g}" for v in row) for row in X) + "\n",
        ",".join(names) + "\n" + "\n".join(",".join(f"{v:.10g}" for v in row) for row in W) + "\n",
        "cause,effect,weight\n" + "".join(f"{names[i]},{names[j]},{W[i, j]:.10g}\n"
                                          for i, j in zip(*np.nonzero(W), strict=True)),
    ]
    for t, text in zip(targets, texts, strict=True):
        tmp = t.with_name(t.name + ".tmp")
        try:
            tmp.write_text(text)
            tmp.replace(t)
        except OSError as e:
            raise ParameterError(f"cannot write {t}: {e.strerror or e}") from None
    return targets
