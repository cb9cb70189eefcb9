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


def test_plain_npz_of_dag_data_hints_at_kind_dag(tmp_path):
    import numpy as np

    from combopt.core.errors import InputError
    from combopt.core.io import read

    path = tmp_path / "d.npz"
    np.savez(path, X=np.random.default_rng(0).normal(size=(20, 3)))
    with pytest.raises(InputError, match="add --kind dag"):
        read(path)
    assert read(path, "dag").d == 3
