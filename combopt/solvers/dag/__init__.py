"""DAG-learning solvers: ``topo`` (topological swaps with an exact least-squares fit per order).

Holds the inner fit for an order (``fit``), the Numba kernels (``kernels``)
and the search with its registration (``topo``). It may import
:mod:`combopt.core`, :mod:`combopt.problems.dag`, :mod:`combopt.solvers.common`
and (lazily, for ``device="gpu"``) :mod:`combopt.gpu.dag`.
"""

from . import topo  # noqa: F401  (registers the solver)
from .fit import fit_order, heuristic_order, order_loss, threshold_and_refit
from .topo import topo_search

__all__ = ["fit_order", "heuristic_order", "order_loss", "threshold_and_refit", "topo_search"]
