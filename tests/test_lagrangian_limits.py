"""The augmented Lagrangian on large knapsacks: its dense (rho/2)|g|^2 QUBO is built once, and not at all when
it cannot be built within the time limit."""

from __future__ import annotations

import numpy as np

import combopt
from combopt.generators.mdkp import chu_beasley


def test_augmented_qubo_too_large_for_the_time_left_falls_back_to_the_plain_method():
    # 30 x 2500: 6.2 million couplings, over 1 s to build at 1 s. Before, it was built anyway (30 x 5000 at 2 s:
    # 7.2 s and 1.35 GB for one iteration); now the run says so and runs the plain slack-free method, whose QUBO
    # stays sparse (before that, it answered with the greedy construction alone)
    inst = chu_beasley(2500, 30, 0.5, seed=2)
    res = combopt.solve(inst, "lagrangian", time_limit=1.0, seed=0, method="augmented")
    assert "augmented Lagrangian QUBO" in res.info.get("method_fallback", "") and res.info["method"] == "subgradient"
    assert res.feasible and inst.evaluate(res.solution).objective == res.objective
    assert res.bound >= res.objective and res.status.value == "feasible"


def test_augmented_relaxed_qubo_is_exact_and_reused():
    inst = chu_beasley(40, 5, 0.5, seed=1)
    model = inst.lagrangian_model()
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, size=(16, inst.n))
    for lam, rho in ((rng.random(5), 0.3), (rng.random(5) * 2, 1.7)):  # the second call reuses G'G
        q = model.relaxed_qubo(lam, rho)
        g = model.g(X)
        want = -X @ inst.p + g @ lam + 0.5 * rho * np.sum(g * g, axis=1)
        assert np.allclose(q.energies(X), want)
    assert model._gtg is not None
    assert model.augmented_terms() >= model.relaxed_qubo(np.zeros(5), 1.0).W.nnz
