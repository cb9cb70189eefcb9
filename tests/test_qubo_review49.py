"""Review 49 (QUBO engine and files): defects found by brute force and hostile input, each with its check."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError
from combopt.models.qubo import QUBO


def _brute(q: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=q.n)), dtype=np.float64)
    values = [q.objective(e) for e in q.energies(X)]
    return min(values) if q.model_sense == "min" else max(values)


@pytest.mark.parametrize("sense", ["min", "max"])
def test_exhaustive_finds_the_optimum_of_a_qubo_in_tiny_units(sense):
    # 13 variables: 3 of them are enumerated inside each of the 1024 prefix blocks, where an absolute margin of
    # 1e-12 hid every improvement (the all-zero vector was "optimal" at 0 against -4e-13)
    h = np.zeros(13)
    h[0], h[1] = -1e-13, -3e-13
    q = QUBO(h if sense == "min" else -h, np.zeros((13, 13)), sense=sense)
    r = combopt.solve(q, "exhaustive")
    assert r.status == "optimal"
    assert r.objective == pytest.approx(_brute(q), rel=1e-12, abs=0) and abs(r.objective) == pytest.approx(4e-13)
    rng = np.random.default_rng(1)
    q = QUBO.from_matrix(rng.integers(-5, 6, (13, 13)) * 1e-14, sense=sense)
    r = combopt.solve(q, "exhaustive")
    assert r.status == "optimal" and r.objective == pytest.approx(_brute(q), rel=1e-9, abs=0)


def test_the_default_annealing_schedule_does_not_depend_on_the_units():
    from combopt.solvers.common import default_beta_range

    rng = np.random.default_rng(1)
    Q = rng.integers(-5, 6, (16, 16)).astype(np.float64)
    hot, cold = default_beta_range(QUBO.from_matrix(Q))
    unit = 2.0 ** -46  # about 1.4e-14, and exact: every coefficient scales without rounding
    tiny = QUBO.from_matrix(Q * unit)
    # the cold end took coefficients below 1e-12 (absolute) as zero: beta 4.6 for every QUBO in units of 1e-14
    assert np.allclose(np.array(default_beta_range(tiny)) * unit, [hot, cold], rtol=1e-12)
    for solver in ("sa", "pt"):  # at beta 4.6 both stayed at infinite temperature: sa -67, pt -56 against -84
        r = combopt.solve(tiny, solver, seed=0, max_iterations=3)
        assert r.objective == pytest.approx(_brute(tiny), rel=1e-9, abs=0)


@pytest.mark.parametrize("text, line, what", [
    ('{"linear": {"x": -1},\n "quadratic": [],\n "offset": 0,\n "offset": 2}', 4, "'offset' appears twice"),
    ('{"linear": {"x": -1,\n "x": 5}, "quadratic": []}', 2, "'x' appears twice"),
    ('{"linear": [["x", -1],\n ["x", 5]], "quadratic": []}', 2, "variable 'x' has a linear term already"),
    ('{"linear": [["1", -1], [1, 5]], "quadratic": []}', 1, "variable '1' has a linear term already"),
])
def test_a_linear_term_or_key_given_twice_is_refused_with_its_line(tmp_path, capsys, text, line, what):
    # json.loads and dict() kept the last of the two: x = -1 then 5 read as 5 alone, the minimum 0 instead of -1
    from combopt.cli.app import main

    f = tmp_path / "twice.qubo.json"
    f.write_text(text)
    with pytest.raises(combopt.InputError, match=what):
        combopt.read(f)
    assert main(["solve", str(f), "-s", "exhaustive"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"combopt: error: {f}:{line}: ") and "\n" not in err and what in err


def test_parallel_tempering_with_a_huge_round_keeps_its_time_limit():
    # sweeps_per_round=10**9 went to the kernel in one call: a run with -t 0.5 did not come back (killed after 60 s);
    # the round's sweeps are now cut into calls between which the clock is read (a hang fails this test)
    rng = np.random.default_rng(4)
    q = QUBO.from_matrix(rng.integers(-5, 6, (8, 8)))
    combopt.solve(q, "pt", max_iterations=1, rounds=1)  # the kernels loaded before the clock
    r = combopt.solve(q, "pt", time_limit=0.5, seed=0, sweeps_per_round=10**9)
    assert r.objective == _brute(q) and r.info["swap_rate"] > 0


def test_qaoa_with_many_layers_keeps_its_time_limit():
    # every level 1..reps was built before the clock was first read: reps=1000 (500,000 layers) ran past 60 s at -t 1;
    # levels are now built as the layer-by-layer start reaches them (a hang fails this test)
    pytest.importorskip("qiskit")
    q = QUBO(np.array([-1.0, 2.0, -3.0]), np.array([[0, 1, 0], [1, 0, -2.5], [0, -2.5, 0]]))
    combopt.solve(q, "qaoa", max_iterations=1, reps=1)  # Qiskit imported before the clock
    r = combopt.solve(q, "qaoa", time_limit=1, seed=0, reps=1000)
    assert r.objective == _brute(q) and r.info["reps"] == 1000


def test_a_bqp_pair_whose_double_overflows_is_named_with_its_line(tmp_path):
    # every number of the file is finite, but x'Qx doubles q_ij: the reader said "must be finite numbers (no NaN or
    # infinity)" without a line
    f = tmp_path / "huge.bqp"
    f.write_text("1\n3 3\n1 1 5\n1 2 1e307\n2 3 1e308\n")
    with pytest.raises(combopt.InputError, match=r"huge\.bqp:5: problem #0, entry 3: q = 1e\+308 for the pair 2 3"):
        combopt.read(f)


def test_couplings_with_a_diagonal_are_refused_not_dropped():
    # QUBO(h, W) set W's diagonal to zero without a word: W_00 = -5 gave E([1, 0]) = 0 and a minimum of 0
    W = np.array([[-5.0, 1.0], [1.0, 0.0]])
    with pytest.raises(combopt.ParameterError, match=r"zero diagonal, got -5 at \(0, 0\)"):
        QUBO(np.zeros(2), W)
    q = QUBO.from_matrix(W)  # the way to give a diagonal: x'Wx = -5 x0 + 2 x0 x1
    assert q.energy([1, 0]) == -5.0 and _brute(q) == -5.0


def test_a_qubo_json_of_another_format_is_refused_at_its_line(tmp_path):
    """'"format": "other"' was read as a combopt QUBO without a word."""
    f = tmp_path / "q.qubo.json"
    f.write_text('{"linear": {"x": -1},\n "quadratic": [],\n "format": "other"}\n')
    with pytest.raises(InputError, match='"format" is "other"; expected "combopt-qubo"') as e:
        combopt.read(f)
    assert e.value.line == 3
    f.write_text('{"linear": {"x": -1},\n "quadratic": [],\n "format": "combopt-qubo"}\n')
    assert combopt.solve(f, "exhaustive").objective == -1
