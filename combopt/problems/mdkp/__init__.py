"""Multidimensional knapsack (kind ``mdkp``).

* :mod:`.model` -- :class:`MultiKnapsack`, the OR-Library ``mknap`` reader, the LP bound, the
  QUBO, Lagrangian and MILP reductions;
* :mod:`.local` -- Numba kernels: greedy repair and the drop/add local search guided by the
  multipliers.

Imports: combopt.core, combopt.models and this package only.
"""

from .model import MultiKnapsack, read_orlib_mknap

__all__ = ["MultiKnapsack", "read_orlib_mknap"]
