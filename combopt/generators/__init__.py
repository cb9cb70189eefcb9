"""Instance generators (feasible by construction where the family allows it).

* :mod:`combopt.generators.rcb`: R-ConstraintBench RCPSP ramps
  (``combopt generate rcpsp-rcb``).
"""
