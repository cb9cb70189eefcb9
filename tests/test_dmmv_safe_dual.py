"""The DMMV LP bound from the LP's dual multipliers (a safe dual bound): valid for any multipliers, and tight enough
that an incumbent meeting the LP optimum is proven optimal (the LP value lowered by 1e-7 never proved it)."""

import itertools
import json

import numpy as np
import pytest
import scipy.sparse as sp

import combopt
from combopt.models.dmmv import _safe_dual_bound


def _brute(A, b, values):
    return min(np.max(np.abs(A @ np.array(x) - b)) for x in itertools.product(values, repeat=A.shape[1]))


def test_an_lp_tight_optimum_is_proven_optimal(tmp_path):
    p = tmp_path / "t.dmmv.json"
    p.write_text(json.dumps({"format": "dmmv", "A": [[1, 0], [0, 1], [1, 1]], "b": [2, -1, 0.5],
                             "domain": {"lo": 0, "step": 1, "count": 2}}))
    prob = combopt.read(p)
    assert _brute(np.array([[1, 0], [0, 1], [1, 1]], float), np.array([2, -1, 0.5]), [0, 1]) == 1.0
    bound, _ = prob.model.lp_relaxation()
    assert 1.0 - 1e-10 < bound <= 1.0
    r = combopt.solve(prob, solver="dmmv", time_limit=2, seed=0)
    assert (r.status, r.objective, r.bound) == ("optimal", 1.0, 1.0)
    assert prob.evaluate(r.solution).objective == 1.0


@pytest.mark.parametrize("seed", range(12))
def test_the_bound_never_exceeds_the_discrete_optimum(seed, tmp_path):
    rng = np.random.default_rng(seed)
    m, n = rng.integers(2, 6), rng.integers(1, 4)
    A = rng.normal(size=(m, n)).round(3)
    b = rng.normal(size=m).round(3) * 2
    p = tmp_path / "r.dmmv.json"
    p.write_text(json.dumps({"format": "dmmv", "A": A.tolist(), "b": b.tolist(),
                             "domain": {"lo": -1, "step": 1, "count": 3}}))
    bound, _ = combopt.read(p).model.lp_relaxation()
    assert bound <= _brute(A, b, [-1, 0, 1]) + 1e-12


def test_any_multipliers_give_a_bound_below_the_lp_optimum():
    # min t s.t. |x1 + x2 - 0.5| <= t, |x1 - 2| <= t, x in [0, 1]^2: LP optimum 1 (x1 = 1)
    A_ub = sp.csr_matrix(np.array([[1, 1, -1], [-1, -1, -1], [1, 0, -1], [-1, 0, -1]], float))
    b_ub = np.array([0.5, -0.5, 2.0, -2.0])
    lo, hi = np.zeros(2), np.ones(2)
    rng = np.random.default_rng(0)
    for _ in range(200):
        y = rng.exponential(size=4) * rng.integers(0, 2, size=4)
        got = _safe_dual_bound(A_ub, b_ub, lo, hi, -y)
        assert got <= 1.0
    assert _safe_dual_bound(A_ub, b_ub, lo, hi, -np.array([0, 0, 0, 1.0])) == pytest.approx(1.0, abs=1e-11)
    assert _safe_dual_bound(A_ub, b_ub, lo, hi, None) == -np.inf
    assert _safe_dual_bound(A_ub, b_ub, lo, hi, np.array([np.nan, 0, 0, 0])) == -np.inf
