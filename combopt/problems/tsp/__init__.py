"""Symmetric travelling salesman problem (kind ``tsp``).

A solution is a tour: a permutation of the cities ``0..n-1`` (numpy int64 array); its objective
is the length of the closed tour. In JSON a tour is the list of the file's 1-based city numbers.

* :mod:`.tsplib` -- :func:`read_tsplib` and :func:`tsplib_distances`, with the TSPLIB rounding
  conventions (EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D and EXPLICIT matrices in every layout);
* :mod:`.model` -- :class:`TSP`: evaluation, bound, the MILP, the position-based QUBO with
  city 0 fixed and the Lagrangian model, plots;
* :mod:`.bound` -- :func:`one_tree` and :func:`held_karp` (Held and Karp 1970), nearest neighbour;
* :mod:`.local` -- Numba 2-opt and Or-opt with neighbour lists and don't-look bits,
  :func:`decode_assignment`, the Prim 1-tree kernel. The ``tsp-ls`` solver
  (combopt.solvers.tsp) drives them.

Imports: combopt.core, combopt.models and this package only.
"""

from .bound import HeldKarp, held_karp, nearest_neighbour_tour, one_tree, tour_length
from .local import decode_assignment, improve_tour, neighbour_lists, or_opt, two_opt
from .model import TSP
from .tsplib import explicit_matrix, read_tsplib, sniff_tsplib, tsplib_distances

__all__ = [
    "TSP", "HeldKarp", "decode_assignment", "explicit_matrix", "held_karp", "improve_tour",
    "nearest_neighbour_tour", "neighbour_lists", "one_tree", "or_opt", "read_tsplib", "sniff_tsplib",
    "tour_length", "tsplib_distances", "two_opt",
]
