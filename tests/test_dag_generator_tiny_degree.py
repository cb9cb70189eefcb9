"""Edges per node that round to an edgeless ER graph, or up to one edge per node in SF, are refused, not drawn."""

import pytest

from combopt.core.errors import ParameterError
from combopt.generators.dag import simulate_dag


@pytest.mark.parametrize(("d", "k", "graph", "needle"), [
    (10, 0.01, "ER", "rounds to no edges"), (10, 0.05, "ER", "more than 0.05"),
    (10, 0.3, "SF", "one edge per node"), (3, 0.2, "SF", "at least 0.5"),
])
def test_degree_that_rounds_away_is_refused(d, k, graph, needle):
    with pytest.raises(ParameterError, match=needle):
        simulate_dag(d, k, graph, 0)


def test_smallest_accepted_degrees_draw_what_they_say():
    assert simulate_dag(10, 0.06, "ER", 0).sum() == 1  # round(0.6) edges
    assert simulate_dag(10, 0.5, "SF", 0).sum() == 9  # one edge from each of the 9 later nodes
