"""Solver algorithms; importing this package registers them."""

from . import (  # noqa: F401
    anneal,
    dag,  # noqa: F401,E402  (DAG learning: the topo solver)
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
