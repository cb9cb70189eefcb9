"""Review 51, numerical extremes: the families' data multiplied by large and small factors, checked against
enumeration."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import combopt
from combopt.problems.mdkp import MultiKnapsack

DMMV_A = [[2.0, 3.0, -5.0, 3.0], [0.0, 0.0, 1.0, -2.0], [5.0, -5.0, -2.0, -1.0], [1.0, -1.0, -4.0, -5.0],
          [-5.0, -5.0, -4.0, 5.0]]
DMMV_B = [-5.0, 3.0, 4.0, -5.0, -4.0]
DMMV_W = [2.0, 1.0, 3.0, 1.0, 3.0]


def _dmmv_minimum(A, b, w) -> float:
    A, b, w = np.asarray(A), np.asarray(b), np.asarray(w)
    return min(float(np.max(w * np.abs(A @ np.array(x) - b))) for x in itertools.product(range(4), repeat=4))


@pytest.mark.parametrize("backend", ["cbc", "highs"])
@pytest.mark.parametrize("row_factor, weight_factor", [(1e12, 1.0), (1.0, 1e12), (1e15, 1.0), (1e-12, 1.0)])
def test_dmmv_milp_in_large_units(tmp_path, backend, row_factor, weight_factor):
    """The MILP's rows were divided by the violations' unit only where it is below 1: with rows (or weights) of 1e12
    CBC called a peak of 1.2e13 optimal where 1e13 is reachable, with rows of 1e15 CBC called the model infeasible
    and HiGHS ended in a traceback inside PuLP (IndexError); rows and objective now go over in the unit both ways."""
    A = (np.array(DMMV_A) * row_factor).tolist()
    b = (np.array(DMMV_B) * row_factor).tolist()
    w = (np.array(DMMV_W) * weight_factor).tolist()
    p = tmp_path / "big.dmmv.json"
    p.write_text(json.dumps({"format": "dmmv", "A": A, "b": b, "weights": w,
                             "domain": {"lo": 0, "step": 1, "count": 4}}))
    best = _dmmv_minimum(A, b, w)
    r = combopt.solve(combopt.read(p), "milp", time_limit=30, backend=backend)
    assert r.feasible and r.status == "optimal"
    assert r.objective == pytest.approx(best, rel=1e-9, abs=0)



def test_fir_mixed_band_weights_keep_their_rows(tmp_path):
    """Band weights of 1e-9 beside 1e9: rows are not divided by the largest weighted term (that put the passband rows
    at 5e-19 of a unit, lost in HiGHS's tolerances, and its bound 0.002 on the wrong side of the optimum 1e-9, the
    all-zero taps). CBC's bound on this model (0.0015) is on the wrong side with either unit: not covered here."""
    spec = tmp_path / "mix.toml"
    spec.write_text("order = 12\nbits = 4\nbands = [[0, 0.4], [0.5714285714285714, 1]]\ngains = [1, 0]\n"
                    "weights = [1e-9, 1e9]\n")
    r = combopt.solve(combopt.read(spec), "milp", time_limit=30, backend="highs")
    assert r.status == "optimal" and r.objective == pytest.approx(1e-9, rel=1e-9, abs=0) and r.bound == r.objective


def _knapsack_optimum(p, w, c) -> float:
    """Brute force over the 0/1 vectors, loads summed exactly (as fractions of the floats)."""
    from fractions import Fraction

    best = 0.0
    for x in itertools.product((0, 1), repeat=len(p)):
        if sum(Fraction(a) * b for a, b in zip(w, x, strict=True)) <= Fraction(c):
            best = max(best, float(np.dot(p, x)))
    return best


@pytest.mark.parametrize("p, w, c", [
    ([1.0] * 6, [1.0] + [1e-10] * 5, 1.0),        # mixed magnitudes: 1 beside 1e-10
    ([5.0, 5.0, 1.0], [3.0, 3.0000000001, 3.0], 6.0),  # a value near an integer
])
@pytest.mark.parametrize("solver", ["mdkp-core", "milp", "sa"])
def test_mdkp_fit_tolerance_is_relative(p, w, c, solver):
    """A load fitted 1e-9 past its capacity (absolute): the item of weight 1 and the five of 1e-10 (load
    1 + 5e-10 > 1) were a feasible packing of profit 6, called optimal by every solver where the optimum is 5;
    3 + 3.0000000001 fitted into 6 (10 'optimal' where 6 is). The tolerance is now a relative 2**-40, at most 1e-9."""
    mk = MultiKnapsack(p, [w], [c])
    assert not mk.evaluate(np.ones(len(p), dtype=int)).feasible
    best = _knapsack_optimum(p, w, c)
    r = combopt.solve(mk, solver, time_limit=5, seed=0)
    assert r.feasible and r.objective == best
    assert r.bound is None or r.bound >= best


@pytest.mark.parametrize("marginals, rate, kind", [
    ([[0.5, 0.5]], 5e-324, "ebim"),
    ([[0.5, 0.5], [0.5, 0.5]], 1e-320, "mecb"),
])
def test_subnormal_rate_has_a_gap(tmp_path, marginals, rate, kind):
    """A rate below the normal floats made the problem's scale subnormal, 1e-9 of it 0, and the gap of the zero
    objective 0 / 0: ZeroDivisionError from combopt.solve and a traceback from combopt solve. The answer is the
    zero-information encoder, feasible, its bound the rate."""
    p = tmp_path / "tiny.coupling.json"
    p.write_text(json.dumps({"marginals": marginals, "rate": rate}))
    problem = combopt.read(p)
    assert problem.kind == kind
    r = combopt.solve(problem, time_limit=5, seed=0)
    assert r.feasible and r.status == "feasible"
    assert r.objective == 0.0 and r.bound == rate
    assert r.gap is None or r.gap >= 0


@pytest.mark.parametrize("text, line", [
    ("p qubo 0 3 3 0\n0 0 1e308\n1 1 1e308\n2 2 -0.0\n", 3),                      # two linear terms of 1e308
    ("p qubo 0 3 3 1\n0 0 1e307\n1 1 1e307\n2 2 5e-324\n0 1 8.9e307\n", 5),     # a coupler counts twice
])
def test_qbsolv_overflowing_sum_names_its_line(tmp_path, text, line):
    """Finite coefficients whose sum overflows the float range were refused with no line ('h1.qubo: QUBO
    coefficients too large'); the reader now names the line where the sum passes it."""
    p = tmp_path / "h1.qubo"
    p.write_text(text)
    with pytest.raises(combopt.InputError) as e:
        combopt.read(p)
    assert e.value.line == line and "add up to more than a float holds" in str(e.value)


@pytest.mark.parametrize("weight", [1e-6, 1e-12])
def test_fir_lp_bound_scales_with_band_weights(tmp_path, weight):
    """The LP relaxation's bound of a FIR design with band weights of 1e-6 (or 1e-12) was 0: HiGHS solved the LP in
    absolute tolerances of 1e-7 and the bound stepped back by 1e-7; it is now the unweighted bound (0.0681) times the
    weight, below the design's optimum (0.2071 times the weight)."""
    text = "order = 12\nbits = 4\nbands = [[0, 0.4], [0.5714285714285714, 1]]\ngains = [1, 0]\n"
    plain, scaled = tmp_path / "plain.toml", tmp_path / "scaled.toml"
    plain.write_text(text)
    scaled.write_text(text + f"weights = [{weight!r}, {weight!r}]\n")
    reference = combopt.read(plain).bound()
    got = combopt.read(scaled).bound()
    assert reference == pytest.approx(0.0681, abs=1e-4)
    assert got == pytest.approx(reference * weight, rel=1e-5, abs=0) and got <= 0.20710 * weight


def test_subnormal_grey_levels_refused_at_their_line(tmp_path):
    """Grey levels [-0.0, 5e-324] were taken: dmmv claimed 2e-323 optimal beside the LP bound 0 (BoundViolation under
    strict bounds, a dropped claim and a warning otherwise); a nonzero level below 1e-100 is now refused at its line,
    and 1e-99 still solves."""
    spec = tmp_path / "tomo.toml"
    head = 'kind = "tomography"\nphantom = "shepp-logan"\nsize = 8\nangles = 4\n'
    spec.write_text(head + "levels = [-0.0, 5e-324]\n")
    with pytest.raises(combopt.InputError, match="at least 1e-100") as e:
        combopt.read(spec)
    assert e.value.line == 5
    spec.write_text(head + "levels = [0, 1e-99]\n")
    r = combopt.solve(combopt.read(spec), time_limit=5, seed=0)
    assert r.feasible and r.status == "optimal" and r.objective == 0.0
