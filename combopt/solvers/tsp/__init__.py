"""TSP solvers: ``tsp-ls`` (iterated 2-opt/Or-opt with double-bridge kicks). Imports: core,
generic solver helpers, combopt.problems.tsp."""

from . import ils  # noqa: F401  (registers the solver)
