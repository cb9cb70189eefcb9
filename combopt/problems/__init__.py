"""Problem adapters; importing this package registers their readers and kinds."""

from . import (  # noqa: F401
    dag,  # noqa: F401  (DAG learning: kind "dag", its readers)
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
