"""Problem adapters; importing this package registers their readers and kinds."""

# entropy-bounded coupling (issue 12)
from . import (  # noqa: F401
    coupling,  # noqa: E402,F401
    dmmv_family,
    mdkp,
    mis,
    qubo_file,
    rcpsp,
    tsp,
)
from .graph import Graph
from .mis import IndependentSet

__all__ = ["Graph", "IndependentSet"]
