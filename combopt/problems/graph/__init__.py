"""Maximum independent set and maximum clique on graphs.

* :mod:`.graph` -- the :class:`Graph` type and its readers (DIMACS ``.clq``/``.col``, edge lists,
  anything networkx reads);
* :mod:`.mis` -- :class:`IndependentSet` (kinds ``mis`` and ``clique``; clique is MIS of the
  complement), the QUBO and MILP reductions, repair and the DSATUR bound;
* :mod:`.bounds` -- upper bounds for large sparse graphs: a greedy clique cover (Numba) and the edge LP
  ``n - nu_f`` (Hopcroft-Karp on the bipartite double cover), within size caps and a time budget;
* :mod:`.local` -- Numba kernels: repair, greedy completion, (1,2)-swaps (Andrade, Resende and
  Werneck), DSATUR colouring; the ``ils`` solver (combopt.solvers.graph) drives them.
* :mod:`.maxcut` -- :class:`MaxCut` (kind ``maxcut``), its rudy / G-set reader, QUBO and MILP reductions and the
  eigenvalue bound;
* :mod:`.phased` -- Numba kernel: phased local search (add / plateau-swap moves, random, penalty and
  degree selection; Pullan's PLS), whose walks run inside the ``sa-ils`` solver.

Imports: combopt.core, combopt.models and this package only.
"""

from .graph import Graph, read_dimacs, read_edge_list, read_networkx, sniff_dimacs
from .maxcut import MaxCut, read_rudy
from .mis import IndependentSet

__all__ = ["Graph", "IndependentSet", "MaxCut", "read_dimacs", "read_edge_list", "read_networkx", "read_rudy",
           "sniff_dimacs"]
