"""Solver algorithms; importing this package registers them."""

from . import (  # noqa: F401  # noqa: F401
    anneal,
    dmmv,  # noqa: F401
    exhaustive,
    lagrangian,
    milp,
    mis,
    qaoa,
    rcpsp_cpsat,
    rcpsp_ga,
    rcpsp_sgs,
    tabu,
    tsp_local,  # noqa: F401
)
