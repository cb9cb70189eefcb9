"""Problem adapters; importing this package registers their readers and kinds."""

from . import mdkp, mis, qubo_file, tsp  # noqa: F401
from . import rcpsp  # noqa: F401
from . import dmmv_family  # noqa: F401
from .graph import Graph
from .mis import IndependentSet

__all__ = ["Graph", "IndependentSet"]
