"""Review 51 (solver parameters): contradicting parameter pairs, sizes an inner solver cannot take, parameters
refused under the name of the solver the user did not pick."""

from __future__ import annotations

from pathlib import Path

import pytest

import combopt
from combopt.core.errors import ParameterError
from combopt.solvers.dmmv.lns import lns_params
from combopt.solvers.dmmv.search import search_params

DATA = Path(__file__).resolve().parent / "data"


def test_dmmv_destroy_max_below_destroy_is_refused():
    """destroy_max < destroy was clamped to destroy + 2 variables without a word; now one ParameterError naming
    both. destroy alone above the default destroy_max takes it as its limit."""
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    with pytest.raises(ParameterError, match=r"destroy_max \(0.01\) must be at least destroy \(0.2\)"):
        combopt.solve(p, "dmmv", max_iterations=1, destroy=0.2, destroy_max=0.01)
    assert search_params({"destroy": 0.2})["destroy_max"] == 0.2
    assert search_params({"destroy": 0.01, "destroy_max": 0.01})["destroy_max"] == 0.01
    assert search_params({})["destroy_max"] == 0.05


def test_dmmv_lns_size_max_below_lns_size_is_refused():
    """lns_size_max < lns_size was raised to lns_size without a word; now refused. lns_size alone above the default
    limit (40) takes it as its limit."""
    with pytest.raises(ParameterError, match=r"lns_size_max \(4\) must be at least lns_size \(10\)"):
        lns_params({"milp_lns": True, "lns_size": 10, "lns_size_max": 4}, False)
    assert lns_params({"milp_lns": True, "lns_size": 60}, False)["lns_size_max"] == 60
    assert lns_params({"milp_lns": True, "lns_size": 10}, False)["lns_size_max"] == 40


def test_dmmv_lns_parameters_without_the_window_milp_are_refused():
    """lns_size, lns_window_s, ... with milp_lns off (the default) were taken and ignored: the window MILP never ran;
    now refused naming the parameter and milp_lns."""
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    with pytest.raises(ParameterError, match="lns_window_s tunes the window-MILP LNS, which is off"):
        combopt.solve(p, "dmmv", max_iterations=1, lns_window_s=0.5)
    with pytest.raises(ParameterError, match="milp_lns=1"):
        lns_params({"milp_lns": False, "lns_size": 4}, True)
    assert lns_params({"lns_size": 4}, True)["lns_size"] == 4  # on by the problem's default: taken
