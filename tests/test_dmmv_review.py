"""DMMV review findings: hostile specs, huge values, large layers (each test failed before its fix)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError, ParameterError
from combopt.models.dmmv import DMMV, uniform_domains
from combopt.problems.dmmv.fir import FIRDesign, FIRSpec
from combopt.problems.dmmv.quantization import QuantizationLayer

FIR_HEAD = "order = 12\nbits = 4\n"


def _spec(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def _error(path) -> InputError:
    with pytest.raises(InputError) as e:
        combopt.read(path)
    return e.value


def test_single_zero_width_band_does_not_crash_the_interpreter(tmp_path):
    # scipy's remez segfaulted (exit -11 / 139) on one band of zero width: the CLI died without a word
    p = _spec(tmp_path, FIR_HEAD + "bands = [[0.3, 0.3]]\ngains = [1]\n")
    code = f"import combopt; d = combopt.read(r'{p}'); print(d.remez() is None, sorted(d.start_points()))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout.split()[0] == "True"
    assert "lp" in r.stdout


@pytest.mark.parametrize("extra, line, what", [
    ("gains = [1e308, 0]\n", 4, "gains"),
    ("gains = [1, 0]\nweights = [1e308, 1e308]\n", 5, "weights"),
    ("gains = [1, 0]\nweights = [1e-320, 1]\n", 5, "weights"),
])
def test_fir_absurd_gains_and_weights_are_input_errors(tmp_path, extra, line, what):
    # were accepted: overflow warnings, an objective of inf/garbage
    e = _error(_spec(tmp_path, FIR_HEAD + "bands = [[0, 0.4], [0.5, 1]]\n" + extra))
    assert e.line == line and what in str(e)
    with pytest.raises(ParameterError):
        FIRSpec(12, 4, [(0, 0.4), (0.5, 1)], [1e308, 0])


def test_fir_too_many_grid_values_names_bits_line(tmp_path):
    # was "domains hold 65601536 values in all; ..." without file or line
    e = _error(_spec(tmp_path, "order = 2000\nbits = 16\nbands = [[0, 0.2], [0.22, 1]]\ngains = [1, 0]\n"))
    assert e.line == 2 and e.path is not None and "bits" in str(e) and "65601536" in str(e)


def test_fir_report_check_grid_is_capped_for_long_filters():
    # the 32x check grid of an order-2000 filter took ~30 s after a 2 s run
    d = FIRDesign(FIRSpec(2000, 8, [(0.0, 0.2), (0.22, 1.0)], [1.0, 0.0], grid_density=2))
    rep = d.report(np.zeros(2001, dtype=np.int64))
    assert 2 <= rep["check_grid_density"] < 32 * 2
    assert rep["ripple_dense"] == pytest.approx(1.0)
    small = FIRDesign(FIRSpec(12, 4, [(0.0, 0.4), (0.5, 1.0)], [1.0, 0.0]))
    assert small.report(np.zeros(13, dtype=np.int64))["check_grid_density"] == 32 * 16


@pytest.mark.parametrize("extra, line, what", [
    ("noise = 1e308\n", 2, "'noise' must be between 0 and 1e+12"),  # was an OverflowError traceback
    ("noise = -1\n", 2, "'noise' must be between 0 and"),  # was "between 0.0 and None"
    ("noise_bound = 1e300\n", 2, "noise_bound"),
    ("levels = [0, 1e308]\n", 2, "grey levels"),  # was "a row target cannot be infinite", no file
])
def test_tomography_absurd_values_are_input_errors(tmp_path, extra, line, what):
    e = _error(_spec(tmp_path, 'kind = "tomography"\n' + extra + "size = 8\n"))
    assert e.line == line and what in str(e) and e.path is not None


def test_quantization_overflowing_weights_are_input_errors(tmp_path):
    # were accepted: overflow warnings and an infinite sse in the report
    rng = np.random.default_rng(0)
    np.save(tmp_path / "w.npy", rng.normal(size=(3, 5)) * 1e300)
    np.save(tmp_path / "x.npy", rng.normal(size=(7, 5)))
    e = _error(_spec(tmp_path, 'kind = "quantization"\nweights = "w.npy"\nactivations = "x.npy"\nbits = 3\n'))
    assert e.line == 2 and "overflow" in str(e)
    with pytest.raises(ParameterError):
        QuantizationLayer(rng.normal(size=(3, 5)) * 1e300, rng.normal(size=(7, 5)), 3)


def test_quantization_blocks_share_the_activations_and_match_fresh_models():
    # one private copy of X (CSC, CSR, dense) per row: 19 GB and > 2 min for 1024 x 1024 with 2048 samples
    rng = np.random.default_rng(1)
    W, X = rng.normal(size=(6, 9)) * 0.1, rng.normal(size=(20, 9))
    layer = QuantizationLayer(W, X, 3)
    blocks = layer.blocks()
    assert all(b.A is blocks[0].A for b in blocks)
    assert all(b.csc_arrays()[2] is blocks[0].csc_arrays()[2] for b in blocks)
    assert all(b.dense() is blocks[0].dense() for b in blocks)
    ks = [rng.integers(0, layer.maxq + 1, 9) for _ in range(6)]
    for r, (b, k) in enumerate(zip(blocks, ks, strict=True)):
        ptr, vals = uniform_domains(-layer.zero[r] * layer.scale[r], layer.scale[r], layer.maxq + 1, 9)
        fresh = DMMV.with_targets(X, X @ W[r], ptr, vals)
        assert np.array_equal(b.dom_vals, fresh.dom_vals) and np.allclose(b.lower, fresh.lower, rtol=1e-12, atol=1e-14)
        assert b.tolerance() == pytest.approx(fresh.tolerance(), rel=1e-12)
        assert b.objective(b.values(k)) == pytest.approx(fresh.objective(fresh.values(k)), rel=1e-12)
    # the dense block objective is the models' one and the evaluation's
    mean = np.mean([b.objective(b.values(k))[0] for b, k in zip(blocks, ks, strict=True)])
    assert layer.block_objective(ks)[0] == pytest.approx(mean, rel=1e-12)
    assert layer.evaluate(np.vstack(ks)).objective == pytest.approx(mean, rel=1e-12)
    res = combopt.solve(layer, "dmmv", max_iterations=3, seed=0)
    assert res.feasible and res.objective == pytest.approx(layer.evaluate(res.solution).objective)
