"""Solver algorithms; importing this package registers them."""

from . import (  # noqa: F401
    anneal,
    dmmv,
    exhaustive,
    lagrangian,
    milp,
    mis,
    peers,  # dwave-sa / dwave-tabu peers (issue 13; import dwave lazily)
    qaoa,
    rcpsp_cpsat,
    rcpsp_ga,
    rcpsp_sgs,
    tabu,
    tsp_local,
)
