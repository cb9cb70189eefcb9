"""Instance generators (feasible by construction where the family allows it).

* :mod:`combopt.generators.rcb`: R-ConstraintBench RCPSP ramps
  (``combopt generate rcpsp-rcb``).
* :mod:`combopt.generators.dag`: linear-SEM data for DAG learning with its true graph
  (``combopt generate dag``).
"""
