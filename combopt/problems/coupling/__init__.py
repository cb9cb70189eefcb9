"""Entropy-bounded coupling: minimum-entropy coupling (MEC), EBIM and MEC-B.

Holds the problem adapters (:mod:`.model`: :class:`MEC`, :class:`EBIM`,
:class:`MECB`), the sparse :class:`Coupling` (:mod:`.cells`), the readers of marginals
(:mod:`.readers`), the information measures and lower bounds (:mod:`.measures`)
and the plots (:mod:`.plots`). May import ``combopt.core`` and numpy/scipy/
matplotlib only; never ``combopt.solvers``.
"""

from . import readers  # noqa: F401  (registers the readers)
from .measures import binary_entropy, entropy, majorization_bound, majorization_meet, profile_bound
from .model import EBIM, MEC, MECB, Coupling, CouplingProblem, MECBSolution, make_problem
from .plots import plot_coupling, plot_curve

__all__ = [
    "EBIM", "MEC", "MECB", "Coupling", "CouplingProblem", "MECBSolution", "binary_entropy", "entropy",
    "majorization_bound", "majorization_meet", "make_problem", "plot_coupling", "plot_curve", "profile_bound",
]
