"""Solver algorithms; importing this package registers them."""

from . import (  # noqa: F401
    anneal,
    dmmv,
    exhaustive,
    lagrangian,
    milp,
    mis,
    qaoa,
    rcpsp_cpsat,
    rcpsp_ga,
    rcpsp_sgs,
    tabu,
    tsp_local,
)
from . import dag  # noqa: F401,E402  (DAG learning: the topo solver)
