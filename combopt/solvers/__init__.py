"""Solver algorithms; importing this package registers them."""

# entropy-bounded coupling (issue 12)
from . import (  # noqa: F401
    anneal,
    coupling,  # noqa: E402,F401
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
