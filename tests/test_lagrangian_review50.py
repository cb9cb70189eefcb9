"""What an outside reviewer found in the slack-free Lagrangian family and its inner solvers (session 50)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

import combopt
import combopt.api as api
from combopt.models.qubo import QUBO


def _brute_qubo(q: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=q.n)), dtype=np.int8)
    return float(q.energies(X).min())


def test_qaoa_on_aer_takes_a_qubo_with_a_tiny_negative_term():
    """Multipliers of 1.0000000000000004 leave -1.1e-16 on a linear Pauli term; Aer's estimator failed on the
    ansatz built from it (OverflowError: can't convert negative int to unsigned)."""
    pytest.importorskip("qiskit")
    pytest.importorskip("qiskit_aer")
    q = QUBO(np.array([-0.5, -1.0]), np.array([[0.0, 1.0000000000000004], [1.0000000000000004, 0.0]]))
    r = combopt.solve(q, "qaoa", reps=1, restarts=1, backend="aer", seed=0)
    assert r.objective == pytest.approx(_brute_qubo(q))


def test_lagrangian_with_inner_qaoa_runs_where_its_multipliers_round(monkeypatch):
    """The bundle method's multipliers on this 7-vertex graph end at 1 + 4e-16: the inner QAOA (Aer) raised."""
    pytest.importorskip("qiskit")
    pytest.importorskip("qiskit_aer")
    monkeypatch.setattr(api, "_cheap_bound", lambda p, s=math.inf: None)
    G = nx.gnp_random_graph(7, 0.4, seed=2)
    alpha = max(len(c) for c in nx.find_cliques(nx.complement(G)))
    r = combopt.solve(G, "lagrangian", inner="qaoa", method="bundle", max_iterations=4,
                      inner_params={"restarts": 1, "backend": "aer"})
    assert r.objective == alpha and r.bound >= alpha


def _mdkp(p, A, b):
    from combopt.problems.mdkp.model import MultiKnapsack

    return MultiKnapsack(np.asarray(p, float), np.asarray(A, float), np.asarray(b, float))


P6, A6, B6 = [10, 7, 5, 3, 9, 4], [[3, 2, 2, 1, 4, 2], [1, 2, 1, 2, 3, 1]], [7, 5]


@pytest.mark.parametrize("params", [{"theta": 1e300}, {"theta": 2.5}, {"method": "bundle", "m_serious": 5.0},
                                    {"method": "augmented", "rho": -0.5}])
def test_method_parameters_outside_their_range_are_refused(params):
    """theta=1e300 sent the Polyak multipliers to NaN (written as null) with the trivial bound; m_serious above 1
    asks a serious step for more than the predicted increase; rho=-0.5 was replaced by the default in silence."""
    from combopt.core.errors import ParameterError

    name = next(k for k in params if k != "method")
    with pytest.raises(ParameterError, match=name):
        combopt.solve(_mdkp(P6, A6, B6), "lagrangian", max_iterations=3, **params)


def test_method_parameters_at_their_limits_are_taken():
    best = max(sum(P6[i] for i in range(6) if x[i]) for x in itertools.product([0, 1], repeat=6)
               if all(sum(A6[r][i] * x[i] for i in range(6)) <= B6[r] for r in range(2)))
    for params in ({"theta": 2.0}, {"method": "bundle", "m_serious": 1.0}, {"method": "augmented", "rho": 0.0}):
        r = combopt.solve(_mdkp(P6, A6, B6), "lagrangian", max_iterations=20, **params)
        assert r.objective == best and r.bound >= best


@pytest.mark.parametrize("params", [{"method": "augmented", "multipliers": [1e308, 1e308]},
                                    {"method": "augmented", "rho": 1e308},
                                    {"multipliers": [1e308, 1e308]}])
def test_multipliers_whose_relaxed_qubo_overflows_are_refused(params):
    """multipliers=[1e308, 1e308] (finite) made the relaxed QUBO's coefficients infinite: the inner sa raised a
    ValueError from numpy's geomspace (a traceback from the CLI), or the multipliers went to NaN."""
    from combopt.core.errors import ParameterError

    with pytest.raises(ParameterError, match="multipliers|rho"):
        combopt.solve(_mdkp(P6, A6, B6), "lagrangian", max_iterations=3, **params)


def test_bundle_primal_master_stops_at_its_deadline_with_a_valid_model_value():
    """The master over up to 100 multipliers had no deadline (100 multipliers and 100 cuts: 10 s a master, a -t 3
    bundle run on a 60 x 100 knapsack took 5.1 s); past its deadline it returns the point it reached, with the
    cutting-plane model's value there."""
    import time

    from combopt.solvers.lagrangian import _bundle_step_primal, _cut_arrays

    rng = np.random.default_rng(0)
    m = 30
    cuts = [(float(rng.normal() * 100), rng.normal(size=m) * 100, rng.uniform(0, 1, m)) for _ in range(20)]
    centre, lo, hi = rng.uniform(0, 2, m), np.zeros(m), np.ones(m)
    lam, value = _bundle_step_primal(cuts, centre, 0.01, lo, hi, deadline=time.perf_counter())
    a, G = _cut_arrays(cuts)
    assert np.array_equal(lam, np.clip(centre, lo, hi)) and value == pytest.approx(float(np.min(a + G @ lam)))
    lam, value = _bundle_step_primal(cuts, centre, 0.01, lo, hi)  # no deadline: the master's optimum
    assert np.all((lo <= lam) & (lam <= hi)) and value == pytest.approx(float(np.min(a + G @ lam)))


def test_cutting_plane_runs_where_the_default_box_passed_the_lp_solvers_infinity(monkeypatch):
    """Profits of 3e13-6e13 and one weight of 1e-9 made the default box 1.2e23, which HiGHS takes as infinite: the
    Kelley LP was unbounded and the run a user error ("cutting-plane LP failed; give a finite box")."""
    from combopt.core.errors import ParameterError

    monkeypatch.setattr(api, "_cheap_bound", lambda p, s=math.inf: None)
    p, A, b = [3e13, 4e13, 5e13, 6e13], [[2, 3, 4, 1e-9], [5, 4, 3, 2]], [7, 7]
    best = max(sum(p[i] for i in range(4) if x[i]) for x in itertools.product([0, 1], repeat=4)
               if all(sum(A[r][i] * x[i] for i in range(4)) <= b[r] for r in range(2)))
    r = combopt.solve(_mdkp(p, A, b), "lagrangian", method="cutting-plane", max_iterations=10)
    assert r.objective == best and r.bound >= best
    with pytest.raises(ParameterError, match="box"):
        combopt.solve(_mdkp(p, A, b), "lagrangian", method="cutting-plane", box=1e300, max_iterations=3)


def test_a_negative_multiplier_on_an_inequality_is_refused():
    """multipliers=[-5, 3] on a knapsack's two rows (a <= 0 each) was set to [0, 3] in silence."""
    from combopt.core.errors import ParameterError

    with pytest.raises(ParameterError, match="multiplier 0 .row0. is -5"):
        combopt.solve(_mdkp(P6, A6, B6), "lagrangian", multipliers=[-5, 3], max_iterations=3)
    r = combopt.solve(_mdkp(P6, A6, B6), "lagrangian", multipliers=[0, 3], max_iterations=20)
    assert r.objective == 22 and r.bound >= 22  # the optimum, by enumeration


def test_the_inner_parameter_check_runs_on_a_sliver_of_time(monkeypatch):
    """The check of inner_params ran the inner solver with a 1 s budget: with qaoa it took 1.07 s of a -t 1 run and
    left no outer iteration. A knapsack's relaxed QUBOs are separable, so the check is the only inner call."""
    import combopt.solvers.lagrangian as L

    real = L.get_solver("sa", "qubo")
    budgets = []

    class Spy:
        name, exact = "sa", False

        @staticmethod
        def func(q, ctx, **p):
            budgets.append(ctx.state.time_left)
            return real.func(q, ctx, **p)

    monkeypatch.setattr(L, "get_solver", lambda name, kind: Spy)
    r = combopt.solve(_mdkp(P6, A6, B6), "lagrangian", inner_params={"num_reads": 4}, time_limit=30, max_iterations=20)
    assert len(budgets) == 1 and budgets[0] <= 0.05 and r.objective == 22
