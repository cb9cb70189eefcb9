"""``exhaustive`` says why it stopped before trying every assignment: a path's independent set meets the problem's
bound long before the 2^n assignments are through; the info said "stopped at the time limit or the target" of an
untimed run without a target."""

import networkx as nx

import combopt
from combopt.problems import IndependentSet


def test_an_enumeration_ended_by_the_bound_says_so():
    P = IndependentSet.from_networkx(nx.path_graph(16))
    r = combopt.solve(P, "exhaustive")
    assert r.status == combopt.Status.OPTIMAL and r.objective == r.bound == 8
    assert r.info["enumerated"] == ("stopped early (the best found meets the problem's bound): not every assignment "
                                    "was tried")
    assert "qubo_minimum" not in r.info  # the enumeration did not finish: its best is no proven QUBO minimum
