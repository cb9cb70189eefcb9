"""combopt: hard combinatorial optimisation with one API, a CLI and GPU heuristics.

>>> import combopt
>>> inst = combopt.read("tests/data/C125.9.clq")          # doctest: +SKIP
>>> res = combopt.solve(inst, time_limit=10, target=34)    # doctest: +SKIP
>>> res.objective                                          # doctest: +SKIP
34.0
"""

from __future__ import annotations

# first, before numba is imported: the kernels are cached per user, not beside the sources
from . import (
    _aliases,
    _cache,  # noqa: F401  (configures NUMBA_CACHE_DIR on import)
)
from .api import evaluate, figure, read, solve
from .core.errors import CombOptError, InputError, ParameterError, UnknownKindError, UnknownSolverError
from .core.registry import all_solvers, get_solver, solvers_for
from .core.result import Result, Status
from .core.stopping import MaxIterations, MaxRuntime, NoImprovement, TargetObjective
from .models.qubo import QUBO
from .problems import Graph, IndependentSet

__version__ = "0.1.0"

_aliases.install()  # old module paths keep working, with a DeprecationWarning

__all__ = [
    "CombOptError",
    "Graph",
    "IndependentSet",
    "InputError",
    "MaxIterations",
    "MaxRuntime",
    "NoImprovement",
    "ParameterError",
    "QUBO",
    "Result",
    "Status",
    "TargetObjective",
    "UnknownKindError",
    "UnknownSolverError",
    "all_solvers",
    "evaluate",
    "figure",
    "get_solver",
    "read",
    "solve",
    "solvers_for",
]
