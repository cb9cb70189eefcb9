"""Instance generators (feasible by construction where the family allows it).

* :mod:`combopt.generators.rcb`: R-ConstraintBench RCPSP ramps
  (``combopt generate rcpsp-rcb``).
* :mod:`combopt.generators.dag`: linear-SEM data for DAG learning with its true graph
  (``combopt generate dag``).
* :mod:`combopt.generators.cliques`: graphs with a hidden clique of known size (planted,
  ``brock``-style camouflaged, ``san``-style k-colourable) for clique / MIS solvers.
* :mod:`combopt.generators.mdkp`: multidimensional knapsack instances the Chu-Beasley way.
"""
