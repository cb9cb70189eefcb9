"""Solver algorithms.

Generic engines live here, flat: ``anneal`` (``sa``, CPU and GPU), ``tabu``, ``exhaustive``,
``milp`` (PuLP: CBC, HiGHS), ``lagrangian`` (and ``slack-penalty``), ``qaoa`` (Qiskit), with
their shared helpers (``common``) and Numba kernels (``kernels``). Algorithms that fit one
family live in ``solvers/<family>/`` (``graph``: ``ils``; ``tsp``: ``tsp-ls``; ``rcpsp``: the
GA, SGS passes and CP-SAT; ``dmmv``: the DMMV local search and rounding baselines).

Imports: a solver may import :mod:`combopt.core`, :mod:`combopt.models`,
:mod:`combopt.problems` (its own family), the generic helpers of this package and
:mod:`combopt.gpu`; never the API, the benchmark runner or the CLI. Importing this package
registers nothing by itself: the registry imports what it lists.
"""
