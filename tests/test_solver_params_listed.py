"""Every solver declares the parameters it takes (register_solver(params=...)); ``combopt solvers NAME`` lists
them, and a misspelt one is refused with the closest of them. The parameter names were only in docstrings and in
the refusal of a typo."""

import re

import pytest
from test_cli import assert_user_error, run_cli

import combopt
from combopt.core.errors import ParameterError
from combopt.core.registry import all_solvers


def test_every_solver_declares_its_parameters():
    missing = [s.name for s in all_solvers() if not s.params]
    assert missing == []
    for s in all_solvers():
        assert len(set(s.params)) == len(s.params), s.name
        assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", p) for p in s.params), s.name


@pytest.mark.parametrize("name,expected", [("sa", "num_sweeps"), ("tsp-ls", "lk_depth"), ("dmmv", "destroy_max"),
                                           ("rcpsp-ga", "population")])
def test_combopt_solvers_name_lists_its_parameters(capsys, name, expected):
    rc, out, err = run_cli(capsys, "solvers", name)
    assert rc == 0, err
    flat = " ".join(re.sub(r"[│┃|]", " ", out).split())
    assert "parameters" in flat and expected in flat


def test_an_unknown_name_is_one_line(capsys):
    rc, out, err = run_cli(capsys, "solvers", "annealing")
    assert_user_error(rc, err, "unknown problem kind or solver 'annealing'", "tsp-ls")


def test_a_typo_is_refused_with_the_declared_names():
    with pytest.raises(ParameterError, match=r"num_read -> num_reads.*it takes: beta_range, num_reads"):
        combopt.solve("tests/data/qubo/bqp50_1.txt", "sa", max_iterations=1, num_read=5)


def test_an_empty_truth_name_is_named_as_such(tmp_path):
    import numpy as np

    data = tmp_path / "x.csv"
    np.savetxt(data, np.random.default_rng(0).normal(size=(50, 3)), delimiter=",")
    p = combopt.read(data, kind="dag")
    for empty in ("", "  "):
        with pytest.raises(ParameterError, match="truth must name a graph file.*empty name"):
            p.set_truth(empty)
