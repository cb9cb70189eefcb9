"""Problem adapters; importing this package registers their readers and kinds."""

from . import (  # noqa: F401
    dmmv_family,  # noqa: F401
    mdkp,
    mis,
    qubo_file,
    rcpsp,  # noqa: F401
    tsp,
)
from .graph import Graph
from .mis import IndependentSet

__all__ = ["Graph", "IndependentSet"]
