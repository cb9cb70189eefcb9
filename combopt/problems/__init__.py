"""Problem adapters, one subpackage per family.

Each family's subpackage holds its instance class (a :class:`combopt.core.problem.Problem`),
its readers and writers, its independent checker (``evaluate``) and its plots:

* :mod:`combopt.problems.graph` -- maximum independent set and maximum clique (DIMACS, edge lists);
* :mod:`combopt.problems.mdkp` -- multidimensional knapsack (OR-Library);
* :mod:`combopt.problems.tsp` -- symmetric TSP (TSPLIB), Held-Karp bound, 2-opt/Or-opt decoding;
* :mod:`combopt.problems.rcpsp` -- project scheduling (PSPLIB, Patterson, combopt JSON), checker, Gantt;
* :mod:`combopt.problems.dmmv` -- discrete min-max violation: generic files, FIR, tomography, quantization;
* :mod:`combopt.problems.qubo_file` -- plain QUBO files.

Imports: a problem module may import :mod:`combopt.core`, :mod:`combopt.models` and its own
family's modules; never :mod:`combopt.solvers`, another family, the API or the CLI
(``tests/test_layout.py`` enforces it). Importing this package registers nothing by itself: the
registry imports the families it lists (:data:`combopt.core.registry.BUILTIN_FAMILIES`).
"""

from .graph import Graph, IndependentSet

__all__ = ["Graph", "IndependentSet"]
