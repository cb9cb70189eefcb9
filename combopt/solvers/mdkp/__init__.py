"""Solvers for the multidimensional knapsack: ``mdkp-core`` (LP-dual core-problem search with
HiGHS sub-problems and drop/add local search, the default for kind mdkp). Imports: core,
generic solver helpers, combopt.problems.mdkp (through the problem object)."""

from . import core  # noqa: F401  (registers the solver)
