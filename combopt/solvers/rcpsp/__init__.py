"""RCPSP solvers: ``rcpsp-ga`` (activity-list GA, default), ``rcpsp-sgs`` (priority-rule
passes) and ``rcpsp-cpsat`` (OR-Tools CP-SAT); the GA's operators in :mod:`.operators`.
Imports: core, generic solver helpers, combopt.problems.rcpsp and combopt.gpu."""

from . import cpsat, ga, sgs  # noqa: F401  (register the solvers)
