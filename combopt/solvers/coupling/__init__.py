"""Solvers of the coupling family: MEC (greedy, exact, local search), EBIM and MEC-B.

:mod:`.kernels` holds the Numba greedy coupling (the single source shared with
the CUDA kernel of :mod:`combopt.gpu.coupling`); :mod:`.mec`, :mod:`.ebim` and
:mod:`.mecb` register the solvers. May import ``combopt.core``,
``combopt.problems.coupling`` and ``combopt.solvers.common``.
"""

from . import ebim, mec, mecb  # noqa: F401  (registers the solvers)
from .ebim import ebim_curve, ebim_greedy_encoder, improve_encoder
from .mec import exact_coupling, greedy_coupling, improve_coupling, lower_bounds

__all__ = ["ebim_curve", "ebim_greedy_encoder", "exact_coupling", "greedy_coupling", "improve_coupling",
           "improve_encoder", "lower_bounds"]
