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
