"""Problem adapters; importing this package registers their readers and kinds."""

from . import (  # noqa: F401
    dmmv_family,
    mdkp,
    mis,
    qubo_file,
    rcpsp,
    tsp,
)
# entropy-bounded coupling (issue 12)
from . import coupling  # noqa: E402,F401
from .graph import Graph
from .mis import IndependentSet

__all__ = ["Graph", "IndependentSet"]
