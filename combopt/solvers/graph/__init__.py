"""Solvers for maximum independent set and clique: ``ils`` (iterated local search with
(1,2)-swaps, Andrade-Resende-Werneck). Imports: core, generic solver helpers, combopt.problems.graph."""

from . import ils  # noqa: F401  (registers the solver)
