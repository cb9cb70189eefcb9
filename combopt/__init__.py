"""combopt: hard combinatorial optimisation with one API, a CLI and GPU heuristics.

>>> import combopt
>>> inst = combopt.read("tests/data/C125.9.clq")          # doctest: +SKIP
>>> res = combopt.solve(inst, time_limit=10, target=34)    # doctest: +SKIP
>>> res.objective                                          # doctest: +SKIP
34.0

The names below are loaded on first use (PEP 562): ``import combopt`` itself only sets up the
kernel cache and the old module paths, so the ``combopt`` console script is inside its own
interrupt handling (:mod:`combopt.__main__`) before numpy, numba and the families load, and a
Ctrl-C in the first second ends with one line instead of a traceback.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

# first, before numba is imported: the kernels are cached per user, not beside the sources
from . import (
    _aliases,
    _cache,  # noqa: F401  (configures NUMBA_CACHE_DIR on import)
)

__version__ = "0.1.0"

_aliases.install()  # old module paths keep working, with a DeprecationWarning

#: public name -> the module that defines it
_EXPORTS = {
    "evaluate": "api", "figure": "api", "read": "api", "solve": "api",
    "CombOptError": "core.errors", "InputError": "core.errors", "ParameterError": "core.errors",
    "UnknownKindError": "core.errors", "UnknownSolverError": "core.errors",
    "all_solvers": "core.registry", "get_solver": "core.registry", "solvers_for": "core.registry",
    "Result": "core.result", "Status": "core.result",
    "MaxIterations": "core.stopping", "MaxRuntime": "core.stopping", "NoImprovement": "core.stopping",
    "TargetObjective": "core.stopping",
    "QUBO": "models.qubo",
    "Graph": "problems", "IndependentSet": "problems",
}

__all__ = [
    "CombOptError", "Graph", "IndependentSet", "InputError", "MaxIterations", "MaxRuntime", "NoImprovement",
    "ParameterError", "QUBO", "Result", "Status", "TargetObjective", "UnknownKindError", "UnknownSolverError",
    "all_solvers", "evaluate", "figure", "get_solver", "read", "solve", "solvers_for",
]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this function
        return value
    if not name.startswith("__"):
        try:  # a subpackage or module used as an attribute (combopt.api, combopt.problems, ...)
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


if TYPE_CHECKING:  # what static tools and editors see
    from .api import evaluate, figure, read, solve
    from .core.errors import CombOptError, InputError, ParameterError, UnknownKindError, UnknownSolverError
    from .core.registry import all_solvers, get_solver, solvers_for
    from .core.result import Result, Status
    from .core.stopping import MaxIterations, MaxRuntime, NoImprovement, TargetObjective
    from .models.qubo import QUBO
    from .problems import Graph, IndependentSet
