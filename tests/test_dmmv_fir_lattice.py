"""FIR lattice-reduction start (fpylll): feasibility, reference optima, fallback without fpylll."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.problems.dmmv.fir import amplitude
from combopt.problems.dmmv.fir_lattice import lattice_starts, response_columns

DATA = Path(__file__).resolve().parent / "data" / "dmmv"
FIR_OPTIMA = {"fir_f1": 0.20710, "fir_f2": 0.10207, "fir_f3": 0.03374}



def test_response_columns_match_the_amplitude_formula():
    p = combopt.read(DATA / "fir_f3.toml")
    s = p.spec
    rng = np.random.default_rng(0)
    half = rng.integers(-s.scale, s.scale, s.M + 1)
    f = np.linspace(0, 1, 37)
    full = np.concatenate([half, half[-2::-1]]) / s.scale
    assert np.allclose(response_columns(s.M, f, s.fs) @ (half / s.scale), amplitude(full, f, s.fs), atol=1e-12)


@pytest.mark.parametrize("name", sorted(FIR_OPTIMA))
def test_lattice_start_is_feasible_and_scored_by_evaluate(name):
    p = combopt.read(DATA / f"{name}.toml")
    s = p.spec
    lp = p.model().lp_relaxation()
    ks, info = lattice_starts(s, lp[1], keep=3)
    assert ks and info["lattice_candidates"] >= len(ks)
    for k in ks:
        assert k.dtype.kind == "i" and k.shape == (s.M + 1,)
        assert k.min() >= -s.scale and k.max() <= s.scale - 1
    full = np.concatenate([ks[0], ks[0][-2::-1]])
    ev = p.evaluate(full)
    assert ev.feasible and ev.objective == pytest.approx(info["lattice_ripple"], abs=1e-12)
    # the candidates are sorted by the design's objective, and none is below the LP bound
    vals = [p.evaluate(np.concatenate([k, k[-2::-1]])).objective for k in ks]
    assert vals == sorted(vals) and vals[0] >= lp[0] - 1e-12
    # the dmmv-round baseline with start=lattice returns the same taps
    r = combopt.solve(p, "dmmv-round", start="lattice")
    assert r.feasible and r.info["start"] == "lattice" and r.objective == pytest.approx(ev.objective, abs=1e-12)
    assert np.array_equal(np.asarray(r.solution), full)


def test_lattice_rounding_beats_naive_rounding_on_f1():
    # F1 (order 12, 4 bits): rounding Remez gives 0.26486; joint rounding by CVP finds the optimum 0.20710
    p = combopt.read(DATA / "fir_f1.toml")
    naive = combopt.solve(p, "dmmv-round").objective
    lat = combopt.solve(p, "dmmv-round", start="lattice").objective
    assert round(lat, 5) == FIR_OPTIMA["fir_f1"] < round(naive, 5)


@pytest.mark.parametrize("name", sorted(FIR_OPTIMA))
def test_dmmv_from_the_lattice_start_reaches_the_reference_optimum(name):
    p = combopt.read(DATA / f"{name}.toml")
    opt = FIR_OPTIMA[name]
    res = combopt.solve(p, "dmmv", seed=1, target=opt + 5e-6, time_limit=60, start="lattice")
    assert res.feasible and res.info["start"] == "lattice"
    assert round(res.objective, 5) == opt
    assert res.info["start_objective"] >= res.objective - 1e-12
    assert res.info["lattice_candidates"] > 0


def test_auto_start_does_not_build_the_lattice_start():
    p = combopt.read(DATA / "fir_f1.toml")
    res = combopt.solve(p, "dmmv", seed=0, max_iterations=2, rounds=2)
    assert res.info["start"] != "lattice" and "lattice_candidates" not in res.info


def test_fallback_without_fpylll(monkeypatch):
    real_import = builtins.__import__

    def no_fpylll(name, *args, **kwargs):
        if name == "fpylll" or name.startswith("fpylll."):
            raise ImportError("No module named 'fpylll'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fpylll)
    p = combopt.read(DATA / "fir_f1.toml")
    res = combopt.solve(p, "dmmv", seed=1, target=FIR_OPTIMA["fir_f1"] + 5e-6, time_limit=60, start="lattice")
    assert res.feasible and res.info["start"] == "remez"  # the old start: the best of rounded Remez and LP
    assert "fell back" in res.info["start_note"] and "fpylll" in res.info["lattice_note"]
    assert round(res.objective, 5) == FIR_OPTIMA["fir_f1"]
    r = combopt.solve(p, "dmmv-round", start="lattice")
    assert r.info["start"] == "remez" and r.objective == pytest.approx(0.26486, abs=5e-5)


def test_unknown_start_lists_the_lattice_option():
    p = combopt.read(DATA / "fir_f1.toml")
    with pytest.raises(combopt.ParameterError, match="lattice"):
        combopt.solve(p, "dmmv", max_iterations=1, start="nonsense")
