"""Solver algorithms; importing this package registers them."""

from . import anneal, exhaustive, milp, mis, tabu  # noqa: F401
