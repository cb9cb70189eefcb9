"""Review 50 of the DMMV core: generic instance files and the solvers on tiny instances checked by enumeration."""

from __future__ import annotations

import json

import numpy as np
import pytest

import combopt

A = np.array([[1.0, 2.0]])


@pytest.mark.parametrize("extra, message", [
    ({"weight": np.array([5.0])}, "unknown array 'weight'"),
    ({"values": np.array([[0.0], [1.0]])}, "both 'values' and 'count'"),
    ({"A_data": np.array([1.0])}, "both 'A' and 'A_data'"),
])
def test_npz_unknown_or_second_form_refused(tmp_path, extra, message):
    """A misspelt 'weight' was dropped (the weights silently 1), and a 'values' beside the grid replaced it: the
    grid 0..2 has optimum 0 for x0 + 2 x1 = 3, the values {0} x {1} gave 1, without a word."""
    p = tmp_path / "inst.npz"
    np.savez(p, A=A, b=np.array([3.0]), lo=0.0, step=1.0, count=3, **extra)
    with pytest.raises(combopt.InputError, match=message):
        combopt.read(p)


@pytest.mark.parametrize("domain, where, message", [
    ('"domain": {"values": [0],\n "lo": 0, "step": 1, "count": 3}', 4, "'domain' gives both 'values' and 'lo'"),
    ('"domains": [{"lo": 0, "step": 1, "count": 2},\n {"values": [0],\n "lo": 1}]', 5,
     "'domains\\[1\\]' gives both 'values' and 'lo'"),
    ('"domain": {"lo": 0,\n "step": 1}', 3, "'domain' has no 'count'"),
])
def test_json_domain_with_both_forms_refused(tmp_path, domain, where, message):
    """A domain object with 'values' and a grid key used the values and dropped the grid (objective 3 where the grid
    reaches 0); a grid without 'count' said 'domain count must be a positive integer' of a count not there."""
    p = tmp_path / "d.dmmv.json"
    p.write_text('{"format": "dmmv",\n "A": [[1, 2]], "b": [3],\n ' + domain + "}")
    json.loads(p.read_text())
    with pytest.raises(combopt.InputError, match=message) as e:
        combopt.read(p)
    assert e.value.line == where


def _dense_gaussian(m: int = 200, n: int = 150):
    from combopt.models.dmmv import DMMV, uniform_domains

    r = np.random.default_rng(1)
    ptr, vals = uniform_domains(-3.0, 0.5, 13, n)
    return DMMV.with_targets(r.normal(size=(m, n)), 5 * r.normal(size=m), ptr, vals)


def test_lp_start_keeps_the_deadline():
    """The generic instance's LP start ignored the start's deadline: the LP of a dense Gaussian 600 x 400 model took
    4.4 s (its estimate, from FIR designs, 0.7 s), and dmmv -t 1 answered after 4.6 s with the rounded LP, no move
    searched. HiGHS now stops at the deadline; a cut LP is not kept, so a run with time solves it."""
    import time

    from combopt.problems.dmmv import DMMVInstance

    model = _dense_gaussian()
    assert model.lp_relaxation(seconds=1e-3) is None and not model.lp_solved()
    p = DMMVInstance(model, "g")
    starts = p.starts(time.monotonic())  # a deadline already passed
    assert "lp" not in starts and "ls" in starts
    assert "lp_cut" in p.start_notes() and p.start_notes_cut()
    full = p.starts(None)  # the cut set was not kept: without a deadline the LP is solved
    assert "lp" in full and "lp_cut" not in p.start_notes()
    bound, x = model.lp_relaxation()
    assert model.lp_solved() and bound > 0 and x.shape == (model.n,)
    assert p.bound() == pytest.approx(bound)


def test_round_note_names_the_reason_not_remez():
    """dmmv-round on a generic instance whose LP start was not built said "start 'lp' unavailable on this instance
    (Remez did not converge?)": generic instances have no Remez; the note now says the LP had no time."""
    from combopt.problems.dmmv import DMMVInstance

    r = combopt.solve(DMMVInstance(_dense_gaussian(), "g"), "dmmv-round", time_limit=0.01)
    assert r.feasible and r.info["start"] == "ls"
    assert "Remez" not in r.info["start_note"] and "no time" in r.info["start_note"]


@pytest.mark.parametrize("name", ["null", "5", "[1, 2]"])
def test_json_name_must_be_a_string(tmp_path, name):
    """'name': null named the instance "None" (and 5 "5", [1, 2] "[1, 2]") without a word; the DMMV specs refuse a
    name that is not a string, and so does the JSON now, at its line."""
    p = tmp_path / "d.dmmv.json"
    p.write_text('{"format": "dmmv",\n "name": ' + name + ',\n "A": [[1, 2]], "b": [3], "domain": {"values": [0, 1]}}')
    with pytest.raises(combopt.InputError, match="'name' must be a string") as e:
        combopt.read(p)
    assert e.value.line == 2
    p.write_text('{"format": "dmmv", "name": "ok", "A": [[1, 2]], "b": [3], "domain": {"values": [0, 1]}}')
    assert combopt.read(p).name == "ok"


@pytest.mark.parametrize("key", ["weights", "lower", "upper"])
def test_one_entry_list_for_many_rows_refused(tmp_path, key):
    """'weights': [2] for a matrix of two rows weighted both rows 2 (and 'lower' / 'upper' likewise) without a word,
    where 'b': [3] is refused; a list must have one entry per row. A scalar still applies to every row."""
    other = {"weights": '"b": [3, 0]', "lower": '"upper": [3, 1]', "upper": '"lower": [3, 0]'}[key]
    p = tmp_path / "d.dmmv.json"
    p.write_text('{"format": "dmmv", "A": [[1, 2], [1, 0]], ' + other + f', "{key}": [2], "domain": {{"values": '
                 '[0, 1]}}')
    with pytest.raises(combopt.InputError, match="entries"):
        combopt.read(p)
    q = tmp_path / "d.npz"
    np.savez(q, A=np.array([[1.0, 2.0], [1.0, 0.0]]), b=np.array([3.0, 0.0]), weights=np.array([2.0]),
             values=np.array([[0.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(combopt.InputError, match="'weights' must have 2 entries"):
        combopt.read(q)
    np.savez(q, A=np.array([[1.0, 2.0], [1.0, 0.0]]), b=np.array([3.0, 0.0]), weights=np.float64(2.0),
             values=np.array([[0.0, 1.0], [0.0, 1.0]]))
    assert list(combopt.read(q).model.weights) == [2.0, 2.0]
