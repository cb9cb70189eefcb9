"""Solvers for maximum independent set and clique: ``ils`` (iterated local search with
(1,2)-swaps, Andrade-Resende-Werneck) and ``sa-ils`` (annealing restarts polished by that ILS,
the default for kinds mis and clique). Imports: core, generic solver helpers and kernels,
combopt.problems.graph."""

from . import hybrid, ils, sparse_clique  # noqa: F401  (registers the solvers)
