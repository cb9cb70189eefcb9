"""Hostile QUBO JSON documents: one CLI line naming the file and what was expected (exit 2); nothing
silently dropped (a misspelt key) or invented (names outside the declared variables)."""

from __future__ import annotations

import json


def _qubo(tmp_path, **data) -> str:
    f = tmp_path / "m.qubo.json"
    f.write_text(json.dumps({"format": "combopt-qubo", **data}))
    return str(f)


def test_qubo_names_outside_the_declared_variables_are_refused(tmp_path, one_cli_error):
    # integer indices into a declared name list used to add variables "0" and "1": a 4-variable model
    f = _qubo(tmp_path, variables=["a", "b"], linear={"a": 1}, quadratic=[[0, 1, -2]])
    msg = one_cli_error(f)
    assert "m.qubo.json" in msg and "variable 0 is not among the 2 declared 'variables'" in msg, msg


def test_qubo_null_variable_name_is_refused(tmp_path, one_cli_error):
    f = _qubo(tmp_path, linear={"a": 1}, quadratic=[[None, "a", 1]])
    assert "expected a string or an integer" in one_cli_error(f)


def test_qubo_unknown_keys_are_refused(tmp_path, one_cli_error):
    # a misspelt "offset" was ignored: the model silently lost its constant
    f = _qubo(tmp_path, linear={"a": 1}, quadratic=[], offst=5)
    msg = one_cli_error(f)
    assert "unknown key(s) 'offst'" in msg and "offset" in msg, msg


def test_qubo_written_by_combopt_still_reads(tmp_path):
    import combopt

    q = combopt.QUBO.from_dicts({0: -1, 1: -1}, {(0, 1): 2})
    f = tmp_path / "w.qubo.json"
    q.write_json(f)
    back = combopt.read(f)
    assert back.n == 2 and combopt.solve(back, "exhaustive").objective == -1.0
