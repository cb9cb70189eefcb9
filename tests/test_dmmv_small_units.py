"""DMMV instances whose violations are tiny (rows of 1e-12, FIR band weights of 1e-7): proofs of optimality that an
absolute tolerance of 1e-9 or a back end's feasibility tolerance of 1e-7 made up, a bound 0 of HiGHS on a model
without integer columns, a solution scored off its domain, fractional sparse indices. Checked by enumeration."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError

TINY = {"format": "dmmv", "A": [[3e-12, 5e-12, 7e-12], [2e-12, -4e-12, 1e-12]], "b": [11e-12, -1e-12],
        "domain": {"lo": 0, "step": 1, "count": 4}}


def _brute(p) -> float:
    m = p.model
    return min(p.evaluate(np.array(x, dtype=float)).objective for x in itertools.product(
        *[m.dom_vals[m.dom_ptr[i]:m.dom_ptr[i + 1]] for i in range(m.n)]))


@pytest.mark.parametrize("scale", [1e-12, 1e-8, 1.0])
@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_milp_on_rows_of_tiny_coefficients_finds_and_proves_the_true_optimum(tmp_path, scale, backend):
    """CBC and HiGHS called x = 0 (1.1e-11) optimal where x = (2, 1, 0) reaches 1e-12: rows of 1e-12 are below
    their feasibility tolerances unless the model is built in the violations' own units."""
    data = json.loads(json.dumps(TINY))
    data["A"] = [[a / 1e-12 * scale for a in row] for row in data["A"]]
    data["b"] = [v / 1e-12 * scale for v in data["b"]]
    f = tmp_path / "t.dmmv.json"
    f.write_text(json.dumps(data))
    p = combopt.read(f)
    best = _brute(p)
    assert best == pytest.approx(1.0 * scale)
    r = combopt.solve(p, "milp", time_limit=10, backend=backend)
    assert r.status == "optimal" and r.objective == pytest.approx(best, rel=1e-9) and r.bound <= best * (1 + 1e-9)
    rr = combopt.solve(p, "dmmv-round", time_limit=5)
    assert rr.status != "optimal" or rr.objective == pytest.approx(best, rel=1e-9)


def test_fir_with_band_weights_of_1e7_is_solved_exactly_by_milp(tmp_path):
    """HiGHS answered taps of -8 (6e-7) as optimal; the optimum 2.68e-8 is the rounded-Remez start it was handed."""
    f = tmp_path / "fw.toml"
    f.write_text("order = 4\nbits = 4\nbands = [[0, 0.3], [0.6, 1]]\ngains = [1, 0]\nweights = [1e-7, 1e-7]\n")
    p = combopt.read(f)
    half = range(-8, 8)
    best = min(p.evaluate(np.array([a, b, c, b, a])).objective for a in half for b in half for c in half)
    for backend in ("cbc", "highs"):
        r = combopt.solve(p, "milp", time_limit=10, backend=backend)
        assert r.objective == pytest.approx(best, rel=1e-9) and r.status == "optimal", backend
    assert p.objective_scale() == pytest.approx(2e-7, rel=0.01)


def test_highs_without_integer_columns_proves_its_answer(tmp_path):
    f = tmp_path / "v.dmmv.json"
    f.write_text('{"format": "dmmv", "A": [[1]], "b": [5], "domain": {"lo": 0, "step": 1, "count": 1}}')
    r = combopt.solve(combopt.read(f), "milp", time_limit=3, backend="highs")
    assert r.status == "optimal" and r.objective == 5 == r.bound


def test_a_value_within_the_membership_tolerance_is_scored_at_the_domain_value(tmp_path):
    """x = 1 + 9e-10 was in the domain {0, 1} and scored 1.2e-7 on a row of 1e9, below the optimum 0.9."""
    f = tmp_path / "off.dmmv.json"
    f.write_text('{"format": "dmmv", "A": [[1e9]], "b": [1000000000.9], "domain": {"values": [0, 1]}}')
    p = combopt.read(f)
    near, exact = p.evaluate([1.0000000009]), p.evaluate([1.0])
    assert near.feasible and near.objective == exact.objective == pytest.approx(0.9, rel=1e-6)


def test_fractional_sparse_indices_are_refused(tmp_path):
    f = tmp_path / "fr.dmmv.json"
    f.write_text('{"format": "dmmv", "A": {"shape": [2, 2], "rows": [0.9, 1.99], "cols": [0, 1.7], "values": [1, 1]},'
                 ' "b": [1, 1], "domain": {"lo": 0, "step": 1, "count": 2}}')
    with pytest.raises(InputError, match="'A.rows' must be a list of whole-number indices"):
        combopt.read(f)


def test_both_domain_forms_at_once_are_refused_at_their_line(tmp_path):
    f = tmp_path / "two.dmmv.json"
    f.write_text('{"format": "dmmv", "A": [[1, 1]], "b": [1],\n "domain": {"lo": 0, "step": 1, "count": 2},\n'
                 ' "domains": [{"values": [0, 1]}, {"values": [0, 2]}]}')
    with pytest.raises(InputError, match="both 'domains'") as e:
        combopt.read(f)
    assert e.value.line == 3
