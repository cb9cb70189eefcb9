"""What an outside reviewer found in the coupling family (session 48): "optimal" at tiny rates by an absolute
tolerance, typo'd keys and settings read silently, byte-order marks refused, numpy integers and booleans."""

from __future__ import annotations

import json

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import InputError, ParameterError
from combopt.problems.coupling.cells import Coupling
from combopt.problems.coupling.model import EBIM, MEC


@pytest.mark.parametrize("solver", ["ebim-greedy", "ebim-exact", "ebim"])
def test_a_tiny_rate_is_not_settled_to_optimal_by_an_absolute_tolerance(solver, tmp_path):
    """R = 5e-10 bits on a fair coin: an encoder sending x = 1 to T = 1 with probability 2a, h(a) = R, reaches
    about 1.5e-11 bits > 0, and the bound min(R, H) = 5e-10 was settled to an objective of 0 as 'optimal'."""
    p = EBIM([[0.5, 0.5]], rate=5e-10)
    assert p.objective_scale() == pytest.approx(5e-10)
    r = combopt.solve(p, solver, time_limit=2)
    assert r.feasible and r.objective < 5e-10
    if r.objective < 1e-11:  # below what is reachable: no proof
        assert r.status == "feasible" and r.bound == pytest.approx(5e-10)
    assert r.bound >= 1.3e-11  # above the reachable value, in both cases
    f = tmp_path / "r.json"
    f.write_text(json.dumps(r.to_dict()))
    src = tmp_path / "tiny.coupling.json"
    src.write_text(json.dumps({"marginals": [[0.5, 0.5]], "rate": 5e-10}))
    assert main(["check", str(src), str(f)]) == 0


def test_tiny_entropies_scale_the_mec_tolerance():
    p = MEC([[1 - 1e-12, 1e-12], [0.5, 0.5]])
    assert p.objective_scale() == 1.0  # the larger entropy is a bit
    q = MEC([[1 - 1e-9, 1e-9], [1 - 2e-9, 2e-9]])
    assert 0 < q.objective_scale() < 1e-7
    r = combopt.solve(q, "mec-exact", time_limit=2)
    assert r.status == "optimal" and r.objective == pytest.approx(6.268009570526067e-08, rel=1e-7)
    g = combopt.solve(q, "mec-greedy", time_limit=2)  # its own bound 1e-9 below: no longer within the tolerance
    assert g.status == "feasible" and g.bound <= r.objective


def test_unknown_json_keys_and_misspelt_csv_settings_are_refused_at_their_line(tmp_path):
    f = tmp_path / "typo.coupling.json"
    f.write_text('{"marginals": [[0.7, 0.2, 0.1],\n [0.6, 0.4]],\n "rtae": 0.8}')
    with pytest.raises(InputError, match="unknown key 'rtae'") as e:
        combopt.read(f)
    assert e.value.line == 3
    f.write_text('{"marginals": [[0.7, 0.3]], "rate": 0.5, "name": "x", "description": "a note"}')
    assert combopt.read(f).kind == "ebim"
    c = tmp_path / "t.marginals.csv"
    c.write_text("0.5,0.5\n#rate: 0.8\n0.3,0.7\n")
    with pytest.raises(InputError, match="looks like a setting") as e:
        combopt.read(c)
    assert e.value.line == 2
    c.write_text("# rated by hand\n0.5,0.5\n0.3,0.7\n")  # a comment that only starts like one is a comment
    assert combopt.read(c).kind == "mec"


def test_a_byte_order_mark_is_read(tmp_path):
    c = tmp_path / "bom.marginals.csv"
    c.write_bytes(b"\xef\xbb\xbf0.5,0.5\r\n0.3,0.7\r\n")
    p = combopt.read(c)
    assert p.kind == "mec" and p.marginals[0].tolist() == [0.5, 0.5]
    j = tmp_path / "bom.coupling.json"
    j.write_bytes(b"\xef\xbb\xbf" + json.dumps({"marginals": [[0.5, 0.5]], "rate": 0.5}).encode())
    assert combopt.read(j).kind == "ebim"


def test_numpy_integers_are_rates_and_booleans_are_no_probabilities():
    assert EBIM([[0.5, 0.5]], rate=np.int64(1)).rate == 1.0
    with pytest.raises(ParameterError, match="marginal 0 holds booleans"):
        MEC([[True, False], [0.5, 0.5]])
    with pytest.raises(ParameterError, match="marginal 1 holds booleans"):
        MEC([[0.5, 0.5], np.array([True, False])])


def test_a_fractional_cell_index_is_said_as_such():
    with pytest.raises(InputError, match=r"cell 0 index 0.0 is not a whole number; expected an index in 0..1"):
        Coupling.from_json({"shape": [2, 2], "cells": [[0.0, 1, 0.5], [1, 0, 0.5]]})
    with pytest.raises(InputError, match="cell 1 index 7 out of range 0..1"):
        Coupling.from_json({"shape": [2, 2], "cells": [[0, 1, 0.5], [7, 0, 0.5]]})


@pytest.mark.parametrize("solver", ["mec-greedy", "mec-exact", "mec-ls", "mec-auto"])
def test_remainders_of_a_millionth_of_a_millionth_are_kept(solver):
    """The greedy dropped a remainder below 1e-12 of its entry as rounding noise: 1e-12 of mass went missing (within
    the checker's absolute tolerance) and the coupling's entropy, 4.3e-11 bits, was below the least any coupling of
    these marginals has (8.2e-11, the larger marginal entropy)."""
    q = MEC([[1 - 1e-12, 1e-12], [1 - 2e-12, 2e-12]])
    r = combopt.solve(q, solver, time_limit=2)
    c = r.solution
    dense = np.zeros(c.shape)
    for (i, j), m in zip(c.index.tolist(), c.mass.tolist(), strict=True):
        dense[i, j] += m
    assert np.allclose(dense.sum(axis=1), q.marginals[0], rtol=0, atol=1e-15)
    assert np.allclose(dense.sum(axis=0), q.marginals[1], rtol=0, atol=1e-15)
    assert r.objective >= max(q.entropies) and r.objective == pytest.approx(8.261075060265986e-11, rel=1e-6)
