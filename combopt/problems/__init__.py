"""Problem adapters; importing this package registers their readers and kinds."""

from . import mis, qubo_file  # noqa: F401
from .graph import Graph
from .mis import IndependentSet

__all__ = ["Graph", "IndependentSet"]
