"""Resource-constrained project scheduling (kind ``rcpsp``) with downtime, windows and
disjunctive pairs.

* :mod:`.model` -- :class:`RCPSP` (validation, CPM and resource bounds, JSON solutions);
* :mod:`.check` -- :func:`check_schedule`, the independent checker behind ``evaluate`` and
  ``combopt check``: every violation by class, with tasks and times;
* :mod:`.formats` -- PSPLIB ``.sm``, Patterson ``.rcp`` and the ``combopt-rcpsp`` JSON format;
* :mod:`.kernels` and :mod:`.sgs` -- the schedule decoder: serial SGS with forward-backward
  justification compiled with Numba (batched on CPU threads; the same device function is the
  CUDA kernel in combopt.gpu.rcpsp), the parallel SGS and the priority rules;
* :mod:`.milp` -- the time-indexed MILP;
* :mod:`.plot` -- Gantt charts and resource profiles (``python -m combopt.problems.rcpsp.plot``).

Imports: combopt.core, combopt.models and this package only. The solvers (GA, SGS passes,
CP-SAT) live in combopt.solvers.rcpsp.
"""

from .check import VIOLATION_CLASSES, Violation, check_schedule
from .formats import rcpsp_to_json, read_patterson, read_psplib_sm, read_rcpsp_json, write_rcpsp_json
from .model import JSON_FORMAT, NO_DEADLINE, RCPSP, Downtime

__all__ = [
    "JSON_FORMAT", "NO_DEADLINE", "RCPSP", "VIOLATION_CLASSES", "Downtime", "Violation", "check_schedule",
    "rcpsp_to_json", "read_patterson", "read_psplib_sm", "read_rcpsp_json", "write_rcpsp_json",
]
