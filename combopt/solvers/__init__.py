"""Solver algorithms; importing this package registers them."""

from . import anneal, exhaustive, lagrangian, milp, mis, qaoa, tabu  # noqa: F401
from . import rcpsp_cpsat, rcpsp_ga, rcpsp_sgs  # noqa: F401
from . import dmmv  # noqa: F401
from . import tsp_local  # noqa: F401
