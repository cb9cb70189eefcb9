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
# entropy-bounded coupling (issue 12)
from . import coupling  # noqa: E402,F401
