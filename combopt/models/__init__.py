"""Shared optimisation models that many families reduce to.

* :mod:`.qubo` -- :class:`QUBO` (dense or CSR; energies, one-flip deltas, JSON files);
* :mod:`.dmmv` -- :class:`DMMV`, the discrete min-max violation model;
* :mod:`.lagrangian` -- :class:`LagrangianModel` (slack-free constraint terms) and the slack-bit
  penalty QUBO;
* :mod:`.milp` -- PuLP building blocks (binary variables, the linearised QUBO MILP).

Imports: combopt.core and third-party libraries only (never problems/ or solvers/).
"""
