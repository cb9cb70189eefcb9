"""Cardinality (hyperplane) decomposition of the MDKP: every claim checked against brute force."""

import itertools

import numpy as np
import pytest

import combopt
from combopt.generators.mdkp import chu_beasley
from combopt.problems.mdkp.model import lp_relaxation
from combopt.solvers.mdkp.hyperplane import (
    cardinality_range,
    hyperplane_fixing,
    hyperplane_lp,
    reduced_cost_fixing,
)

CASES = [(16, 3, 0.25, 0), (16, 5, 0.5, 1), (15, 4, 0.75, 2), (16, 2, 0.25, 3), (14, 10, 0.5, 4)]


def all_feasible(inst):
    """Every feasible 0/1 vector (rows), its profit and its cardinality, by enumeration."""
    X = np.array(list(itertools.product((0, 1), repeat=inst.n)), dtype=np.int8)
    ok = np.all(X @ inst.A.T <= inst.b + 1e-9, axis=1)
    X = X[ok]
    return X, X @ inst.p, X.sum(axis=1)


@pytest.mark.parametrize("n,m,alpha,seed", CASES)
def test_hyperplane_bound_is_above_every_solution_on_it(n, m, alpha, seed):
    inst = chu_beasley(n, m, alpha, seed=seed)
    X, val, card = all_feasible(inst)
    for k in range(n + 1):
        lp = hyperplane_lp(inst.p, inst.A, inst.b, k)
        on = card == k
        if lp is None:
            assert not on.any()  # an infeasible hyperplane LP holds no 0/1 point
            continue
        z, x, d = lp
        assert abs(x.sum() - k) < 1e-6 and np.all(inst.A @ x <= inst.b + 1e-6)
        if on.any():
            assert z >= val[on].max() - 1e-6


@pytest.mark.parametrize("n,m,alpha,seed", CASES)
@pytest.mark.parametrize("below", [0, 1, 30, 200])
def test_cardinality_range_and_fixing_keep_every_solution_reaching_need(n, m, alpha, seed, below):
    inst = chu_beasley(n, m, alpha, seed=seed)
    X, val, card = all_feasible(inst)
    opt = val.max()
    need = opt - below
    good = val >= need
    rng = cardinality_range(inst.p, inst.A, inst.b, need)
    assert rng is not None
    assert card[good].min() >= rng[0] and card[good].max() <= rng[1]
    fix0, fix1, planes = hyperplane_fixing(inst.p, inst.A, inst.b, need, rng)
    viable = {k for k, _ in planes}
    # discarded hyperplanes (z_k < need) hold no solution reaching need; viable ones are in the range
    assert set(card[good].tolist()) <= viable
    assert all(rng[0] <= k <= rng[1] for k in viable)
    # items fixed on every viable hyperplane keep their side in every solution reaching need
    assert not np.any(X[good][:, fix0] == 1) and not np.any(X[good][:, fix1] == 0)
    # per hyperplane: its own reduced-cost fixing keeps every solution of that hyperplane reaching need
    for k in viable:
        z, x, d = hyperplane_lp(inst.p, inst.A, inst.b, k)
        f0, f1 = reduced_cost_fixing(z, x, d, need)
        on = good & (card == k)
        assert not np.any(X[on][:, f0] == 1) and not np.any(X[on][:, f1] == 0)
    # the plain LP's reduced costs, as the core search uses them
    z_lp, x_lp, u, rc = lp_relaxation(inst.p, inst.A, inst.b)
    f0, f1 = reduced_cost_fixing(z_lp, x_lp, np.abs(rc), need)
    assert not np.any(X[good][:, f0] == 1) and not np.any(X[good][:, f1] == 0)


@pytest.mark.parametrize("n,m,alpha,seed", CASES)
def test_hyperplane_bounds_never_exceed_the_lp_bound(n, m, alpha, seed):
    """Each hyperplane LP is the plain LP with one more constraint: its bound is never weaker."""
    inst = chu_beasley(n, m, alpha, seed=seed)
    z_lp = inst.lp_bound()
    zs = [lp[0] for k in range(n + 1) if (lp := hyperplane_lp(inst.p, inst.A, inst.b, k)) is not None]
    assert max(zs) <= z_lp + 1e-6 and max(zs) >= z_lp - 1e-6 * z_lp - max(inst.p)  # z_lp lies between two planes


def test_nothing_reaches_a_need_above_the_optimum():
    inst = chu_beasley(16, 3, 0.5, seed=5)
    X, val, card = all_feasible(inst)
    need = val.max() + 1
    rng = cardinality_range(inst.p, inst.A, inst.b, need)
    if rng is not None:  # the LP may still reach need; then no hyperplane's 0/1 points do
        _, _, planes = hyperplane_fixing(inst.p, inst.A, inst.b, need, rng)
        assert not np.any(np.isin(card[val >= need], [k for k, _ in planes]))
    assert cardinality_range(inst.p, inst.A, inst.b, inst.lp_bound() + 1) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_whole_problem_phase_proves_the_optimum(seed):
    """A timed run that ends with HiGHS on the whole problem (within the viable hyperplanes) reaches the
    enumerated optimum and proves it; the proof only comes with the optimum."""
    inst = chu_beasley(16, 4, 0.25 + 0.25 * seed, seed=20 + seed)
    X, val, card = all_feasible(inst)
    for first in (False, True):
        res = combopt.solve(inst, "mdkp-core", time_limit=5.0, seed=0, full=0.5, full_first=first)
        x = np.asarray(res.solution)
        assert np.all(inst.A @ x <= inst.b + 1e-9)
        assert float(inst.p @ x) == val.max()
        assert res.status == combopt.Status.OPTIMAL and res.bound == val.max()


def test_the_whole_problem_phase_is_chosen_by_class_and_time_only():
    from combopt.solvers.mdkp.core import FULL_SHARE, full_share_for

    assert full_share_for(30, 500, 60.0) == FULL_SHARE
    assert full_share_for(30, 500, 10.0) == 0.0  # short runs: the core search alone
    assert full_share_for(10, 500, 60.0) == 0.0 and full_share_for(30, 250, 60.0) == 0.0
    assert full_share_for(30, 500, float("inf")) == 0.0
