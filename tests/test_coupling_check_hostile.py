"""Hostile result files for ``combopt check`` on the coupling kinds (mec, ebim, mecb).

A malformed result is one line and exit 2 naming the result file; a claim (objective, bound, entropies, ``info``)
that is false or not a finite number, a 400-digit integer included, is a line of its own and exit 1; an
infeasible solution is exit 1 with its violations. Never a traceback, never terabytes allocated.
"""

from __future__ import annotations

import json
import warnings

import pytest
from test_hostile import run_cli, user_error

HUGE = 10**400

INSTANCES = {
    "mec": {"marginals": [[0.5, 0.4, 0.1], [0.6, 0.2, 0.2]]},
    "ebim": {"kind": "ebim", "marginals": [[0.7, 0.2, 0.1]], "rate": 0.5},
    "mecb": {"kind": "mecb", "marginals": [[0.5, 0.4, 0.1], [0.6, 0.2, 0.2]], "rate": 1.0},
}


@pytest.fixture
def solved(tmp_path, capsys):
    """``solved(kind)``: the instance path and the parsed result of ``combopt solve`` on it."""

    def make(kind):
        inst = tmp_path / f"{kind}.coupling.json"
        inst.write_text(json.dumps(INSTANCES[kind]))
        out = tmp_path / f"{kind}.r.json"
        rc, _, err = run_cli(capsys, "solve", inst, "-q", "-o", out, "--force")
        assert rc == 0, err
        return inst, json.loads(out.read_text())

    return make


def check(tmp_path, capsys, inst, data) -> tuple[int, str, str, str]:
    res = tmp_path / "mutated.json"
    res.write_text(json.dumps(data))
    rc, out, err = run_cli(capsys, "check", inst, res)
    return rc, out, err, str(res)


def claim_rejected(rc: int, out: str, err: str, *needles: str) -> None:
    """Exit 1, no traceback and nothing on stderr, every needle on stdout."""
    assert rc == 1, (out, err)
    assert "Traceback" not in err and not err.strip(), err
    for needle in needles:
        assert needle in out, (needle, out)


@pytest.mark.parametrize("kind", ["mec", "ebim", "mecb"])
@pytest.mark.parametrize("key", ["objective", "bound"])
def test_huge_objective_or_bound_is_a_mismatch(tmp_path, capsys, solved, kind, key):
    inst, data = solved(kind)
    data[key] = HUGE
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, f"mismatch: {key}: the result claims an integer beyond the range of a float")


@pytest.mark.parametrize("kind,key,value", [
    ("mec", "H", HUGE), ("ebim", "I_XT", HUGE), ("ebim", "H_T", HUGE), ("mecb", "I_XY", HUGE),
    ("mecb", "I_XY", "x"), ("mecb", "H_T", [1]), ("mec", "H", "x"), ("ebim", "H_T", True),
])
def test_entropy_claim_that_is_not_a_number_is_reported(tmp_path, capsys, solved, kind, key, value):
    inst, data = solved(kind)
    data["solution"]["entropies"][key] = value
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, f"reported {key} = ", "not a finite number")


@pytest.mark.parametrize("kind,key", [("mec", "profile_bound"), ("mec", "majorization_bound"), ("ebim", "H_X"),
                                      ("ebim", "h_p2"), ("mecb", "I_XY"), ("mecb", "H_T")])
def test_huge_info_value_is_a_mismatch(tmp_path, capsys, solved, kind, key):
    inst, data = solved(kind)
    data["info"][key] = HUGE
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, f"mismatch: info.{key}: the result claims an integer of 401 digits (beyond the range")


def test_huge_info_greedy_of_mec_is_not_a_crash(tmp_path, capsys, solved):
    inst, data = solved("mec")
    data["info"]["greedy"] = -HUGE
    data["objective"] = HUGE
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, "mismatch: objective")


@pytest.mark.parametrize("mass", [HUGE, "x", None])
def test_mecb_stored_joint_with_a_mass_that_is_not_a_number(tmp_path, capsys, solved, mass):
    inst, data = solved("mecb")
    data["solution"]["joint"] = {"shape": [3, 3], "cells": [[0, 0, mass]]}
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, "mismatch: solution.joint: cell 0 mass must be a finite number")


def test_mecb_encoder_of_2_to_the_40_rows_with_a_joint_is_infeasible_not_terabytes(tmp_path, capsys, solved):
    inst, data = solved("mecb")
    data["solution"]["encoder"]["shape"][0] = 2**40
    assert "joint" in data["solution"]
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, "infeasible", "axis 0 has 1099511627776 states, expected 3")


def test_mecb_code_alphabet_of_2_to_the_40_is_infeasible_not_terabytes(tmp_path, capsys, solved):
    inst, data = solved("mecb")
    data["solution"]["encoder"]["shape"][1] = 2**40
    data["solution"]["decoder"]["shape"][0] = 2**40
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, "infeasible", "code words")


def test_ebim_code_alphabet_of_2_to_the_40_is_infeasible_not_terabytes(tmp_path, capsys, solved):
    inst, data = solved("ebim")
    data["solution"]["shape"][1] = 2**40
    rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, "infeasible", "code words")


@pytest.mark.parametrize("kind", ["mec", "ebim", "mecb"])
@pytest.mark.parametrize("value", ["maybe", [1], 2])
def test_params_normalize_that_is_not_a_bool_names_the_result_file(tmp_path, capsys, solved, kind, value):
    inst, data = solved(kind)
    data["params"] = {"normalize": value}
    rc, _, err, res = check(tmp_path, capsys, inst, data)
    user_error(rc, err, res, "normalize must be true or false")


@pytest.mark.parametrize("kind,where", [("mecb", "encoder"), ("mecb", "decoder")])
def test_masses_of_1e308_give_violations_without_runtime_warnings(tmp_path, capsys, solved, kind, where):
    inst, data = solved(kind)
    sol = data["solution"][where] if where else data["solution"]
    sol["cells"] = [[*cell[:-1], 1e308] for cell in sol["cells"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rc, out, err, _ = check(tmp_path, capsys, inst, data)
    claim_rejected(rc, out, err, "infeasible")
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)], [str(w.message) for w in caught]
