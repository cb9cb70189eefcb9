"""DAG structure learning (kind ``dag``): data, the least-squares score, metrics, readers and plots.

Holds :class:`DAGProblem` (``model``), the data and graph readers (``readers``:
CSV, ``.npy``, ``.npz``; truth / init graphs as edge lists or adjacencies), the
structure-recovery metrics (``metrics``: SHD, TPR, FDR, FPR, nnz) and the plots
(``plots``). It may import :mod:`combopt.core` only (plus numpy, networkx and
matplotlib); the ``topo`` solver lives in :mod:`combopt.solvers.dag`.
"""

from . import plots  # noqa: F401  (registers Result.plot_graph for dag)
from .metrics import count_accuracy, find_cycle, is_dag, topological_order
from .model import DAGProblem, centre, ls_score, refit_on_support
from .readers import read_data, read_graph

__all__ = [
    "DAGProblem",
    "centre",
    "count_accuracy",
    "find_cycle",
    "is_dag",
    "ls_score",
    "read_data",
    "read_graph",
    "refit_on_support",
    "topological_order",
]
