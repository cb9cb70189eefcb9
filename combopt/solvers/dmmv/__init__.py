"""DMMV solvers: ``dmmv`` (local search with large neighbourhoods, CPU and GPU) and
``dmmv-round`` (rounding baselines); the Numba kernels shared with the CUDA path in
:mod:`.kernels`; the CPU-only tie-break polish in :mod:`.tiebreak`.
Imports: core, models, generic solver helpers, combopt.problems.dmmv, combopt.gpu."""

from . import search  # noqa: F401  (registers the solvers)
