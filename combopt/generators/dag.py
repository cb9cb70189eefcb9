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

import math
from pathlib import Path

import numpy as np

from ..core.errors import ParameterError
from ..core.limits import check_memory
from ..core.safeio import check_target, write_atomic
from ..problems.dag.metrics import topological_order
from ..problems.dag.model import MAX_CELLS, MAX_VARIABLES, DAGProblem

__all__ = ["simulate", "simulate_dag", "simulate_weights", "simulate_linear_sem", "generate_dag", "write_dataset",
           "GRAPHS", "NOISES"]

GRAPHS = ("ER", "SF")
NOISES = ("gauss", "exp", "gumbel", "uniform")
#: most edges of an SF graph (Barabasi-Albert draws its targets one at a time: about 20 s for a million)
MAX_SF_EDGES = 1_000_000
#: most samples times edges of the SEM (each sample of each variable sums over its parents): seconds, not hours
MAX_SEM_WORK = 2_000_000_000


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
    if not math.isfinite(edges_per_node * d):  # inf, 1e308: no number of edges
        raise ParameterError(f"edges per node must be a finite number (at most {(d - 1) / 2:g} for ER and below {d} "
                             f"for SF on d = {d}), got {edges_per_node}")
    pairs = d * (d - 1) // 2
    s0 = int(round(edges_per_node * d))
    B = np.zeros((d, d), dtype=np.int64)
    if s0 == 0 or (graph == "SF" and s0 < d / 2):  # rounding to no edges (ER) or up to 1 per node (SF) is not asked
        what, least = ("no edges", f"more than {0.5 / d:g}") if graph == "ER" else ("one edge per node", "at least 0.5")
        raise ParameterError(f"{graph}{edges_per_node:g} on d = {d} rounds to {what}: give edges per node {least}")
    if graph == "ER":
        if s0 > pairs:  # "exactly k d edges" cannot hold: say so rather than quietly give the complete DAG
            need = s0 if s0 < 10**15 else f"{float(s0):.3g}"
            raise ParameterError(f"ER{edges_per_node:g} on d = {d} would need {need} edges; a DAG on {d} variables has "
                                 f"at most {pairs} (edges per node at most {(d - 1) / 2:g})")
        ia, ib = np.tril_indices(d, -1)
        pick = rng.choice(pairs, size=s0, replace=False)
        B[ia[pick], ib[pick]] = 1  # lower triangle: i > j means i -> j in the order d-1, ..., 0
    else:
        m = max(1, int(round(s0 / d)))
        if m >= d:
            raise ParameterError(f"SF graphs need edges per node < d, got {edges_per_node} for d = {d}")
        if m * (d - m) > MAX_SF_EDGES:
            raise ParameterError(f"SF{edges_per_node:g} on d = {d} would draw about {m * (d - m)} edges; the SF "
                                 f"generator draws at most {MAX_SF_EDGES} (fewer edges per node, or ER)")
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
        parents = np.flatnonzero(W[:, j])  # a sum over the parents only: n d^2 work would be hours at d = 5000
        if noise == "gauss":
            z = rng.normal(scale=noise_scale, size=n)
        elif noise == "exp":
            z = rng.exponential(scale=noise_scale, size=n)
        elif noise == "gumbel":
            z = rng.gumbel(scale=noise_scale, size=n)
        else:
            z = rng.uniform(low=-noise_scale, high=noise_scale, size=n)
        X[:, j] = (X[:, parents] @ W[parents, j] if parents.size else 0.0) + z
    return X


def simulate(d: int = 20, edges_per_node: float = 2.0, n: int = 1000, graph: str = "ER", noise: str = "gauss",
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(X, W_true)``: ``n`` samples of a random linear SEM (see the module doc)."""
    if not isinstance(n, (int, np.integer)) or n <= d:
        raise ParameterError(f"n must be an integer larger than d = {d}, got {n}")
    if isinstance(d, (int, np.integer)) and 2 <= d <= MAX_VARIABLES and n * d <= MAX_CELLS:
        # the samples, and the d x d graph with the temporaries of its weights
        check_memory(8.0 * n * d + 48.0 * d * d, f"generating {n} samples of {d} variables")
    expected = edges_per_node * d if isinstance(d, (int, np.integer)) else math.nan  # edges (ER: exactly)
    if 0 < expected < math.inf and n * expected > MAX_SEM_WORK:  # said before the graph is drawn
        raise ParameterError(f"{n} samples of a graph of about {expected:.0f} edges is {n * expected:.3g} "
                             f"multiply-adds; the generator does at most {MAX_SEM_WORK} (fewer samples or edges)")
    rng = np.random.default_rng(seed)
    B = simulate_dag(d, edges_per_node, graph, rng)
    if n * int(B.sum()) > MAX_SEM_WORK:
        raise ParameterError(f"{n} samples of a graph of {int(B.sum())} edges is {n * int(B.sum())} multiply-adds; "
                             f"the generator does at most {MAX_SEM_WORK} (fewer samples or edges)")
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
    """Write ``data.csv``, ``W_true.csv`` and ``edges.csv`` into ``folder`` (names ``X0 .. X{d-1}``).

    Each file goes through :func:`~combopt.core.safeio.write_atomic` (a fresh temporary name; an existing file
    replaced only with ``force``, and then only a regular file), streamed row by row (no text of the whole data in
    memory). Every target is checked before the first is written."""
    folder = Path(folder)
    targets = [folder / "data.csv", folder / "W_true.csv", folder / "edges.csv"]
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"--out {folder} is a file; expected a folder")
    if not folder.absolute().parent.is_dir():
        raise ParameterError(f"--out {folder}: directory {folder.parent} does not exist")
    if folder.is_dir():  # a new folder holds nothing to clash with
        for t in targets:
            check_target(t, force, "output")
    folder.mkdir(exist_ok=True)
    names = [f"X{i}" for i in range(W.shape[0])]

    row_format = ",".join(["%.10g"] * len(names)) + "\n"  # the same text as f"{v:.10g}", about twice as fast

    def matrix(M: np.ndarray):
        def write(tmp: Path) -> None:
            with open(tmp, "w") as f:
                f.write(",".join(names) + "\n")
                for row in M:
                    f.write(row_format % tuple(row.tolist()))
        return write

    def edge_list(tmp: Path) -> None:
        with open(tmp, "w") as f:
            f.write("cause,effect,weight\n")
            for i, j in zip(*np.nonzero(W), strict=True):
                f.write(f"{names[i]},{names[j]},{W[i, j]:.10g}\n")

    for t, writer in zip(targets, (matrix(X), matrix(W), edge_list), strict=True):
        write_atomic(t, writer, force, "output")
    return targets
