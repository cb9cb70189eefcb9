"""Zhang's truncated branch and bound on the assignment relaxation (combopt.problems.tsp.assignment), the start of
tsp-ls's Jonker-Volgenant route: checked against scipy's assignment solver and against enumeration."""

import itertools
import time

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

import combopt
from combopt.problems.tsp.assignment import _augment, _duals, assignment_descent
from combopt.problems.tsp.model import TSP


def _random_arcs(n, seed, hi=1000):
    D = np.random.default_rng(seed).integers(1, hi, (n, n))
    np.fill_diagonal(D, 0)
    return D


def _length(D, tour):
    return int(D[tour, np.roll(tour, -1)].sum())


def _brute_force(D):
    n = D.shape[0]
    return min(_length(D, np.array((0, *p))) for p in itertools.permutations(range(1, n)))


def _assignment(C):
    rows, cols = linear_sum_assignment(C)
    return np.ascontiguousarray(cols, dtype=np.int64), float(C[rows, cols].sum())


@pytest.mark.parametrize("seed", range(4))
def test_duals_are_feasible_and_tight_on_the_optimal_assignment(seed):
    C = np.random.default_rng(seed).uniform(0, 100, (40, 40))
    col, value = _assignment(C)
    u, v, converged = _duals(C, col, 41)
    assert converged
    reduced = C - u[:, None] - v[None, :]
    assert reduced.min() >= -1e-9
    assert np.abs(reduced[np.arange(40), col]).max() <= 1e-9
    assert u.sum() + v.sum() == pytest.approx(value)  # strong duality: the duals certify the optimum


@pytest.mark.parametrize("seed", range(6))
def test_one_augmenting_path_after_forbidding_an_arc_equals_a_new_assignment(seed):
    rng = np.random.default_rng(seed)
    n = 50
    C = rng.uniform(0, 100, (n, n))
    col, _ = _assignment(C)
    u, v, _ = _duals(C, col, 51)
    row_of_col = np.full(n + 1, -1, dtype=np.int64)
    row_of_col[col] = np.arange(n)
    i = int(rng.integers(n))
    j = int(col[i])
    W = C.copy()
    W[i, j] = 1e9  # forbidden
    col_of_row = col.copy()
    col_of_row[i], row_of_col[j] = -1, -1
    scratch = np.empty(n + 1), np.empty(n + 1, dtype=np.int64), np.empty(n + 1, dtype=np.bool_)
    assert _augment(W, u, v, row_of_col, col_of_row, i, *scratch)
    assert sorted(col_of_row.tolist()) == list(range(n)) and col_of_row[i] != j
    assert float(W[np.arange(n), col_of_row].sum()) == pytest.approx(_assignment(W)[1])
    assert (W - u[:, None] - v[None, :]).min() >= -1e-7  # the duals stay feasible for the next child


@pytest.mark.parametrize("seed", range(5))
def test_descent_tour_is_a_tour_between_the_relaxation_and_above_the_optimum(seed):
    D = _random_arcs(8, seed)
    tour, info = assignment_descent(D)
    assert sorted(tour.tolist()) == list(range(8))
    optimum = _brute_force(D)
    assert info["relaxation"] <= optimum <= _length(D, tour)  # a lower bound, a feasible tour
    assert info.get("complete") and info["nodes"] >= 1


def test_descent_cut_short_by_its_deadline_patches_its_cycles_into_a_tour():
    D = _random_arcs(300, 1, hi=10**6)
    tour, info = assignment_descent(D, deadline=time.monotonic() - 1.0)
    assert sorted(tour.tolist()) == list(range(300))
    assert info["patched"] >= 2 and info["nodes"] == 1  # the root only: patched, not descended
    full, info_full = assignment_descent(D)  # the best of every level's patched cycles and the descent's tour
    assert info_full.get("complete") and _length(D, full) <= _length(D, tour)


def test_descent_finds_a_hidden_cheap_cycle_and_tsp_ls_proves_it_optimal():
    """A Hamiltonian cycle of cheap arcs among expensive ones: the relaxation is that cycle, so the tour meets the
    assignment bound and the run may say optimal (the bound is on the right side: a min problem, bound <= tour)."""
    n = 40
    rng = np.random.default_rng(3)
    perm = rng.permutation(n)
    D = rng.integers(500, 1000, (n, n))
    D[perm, np.roll(perm, -1)] = rng.integers(1, 5, n)
    np.fill_diagonal(D, 0)
    tour, info = assignment_descent(D)
    assert _length(D, tour) == info["relaxation"] and info["nodes"] == 1
    res = combopt.solve(TSP(D, name="hidden"), "tsp-ls", time_limit=2.0, seed=0)
    assert res.objective == info["relaxation"] and res.status == "optimal" and res.bound == res.objective


@pytest.mark.parametrize("seed", range(3))
def test_tsp_ls_on_random_arcs_starts_from_the_descent_and_agrees_with_the_exact_milp(seed):
    D = _random_arcs(14, 10 + seed)  # above tsp-ls's own enumeration (9 cities)
    exact = combopt.solve(TSP(D, name="r"), "milp", time_limit=60.0)
    assert exact.status == "optimal"
    res = combopt.solve(TSP(D, name="r"), "tsp-ls", time_limit=2.0, seed=0)
    assert res.info["assignment_nodes"] >= 1
    assert res.objective == exact.objective and TSP(D).evaluate(res.solution).feasible
    tour, _ = assignment_descent(D)
    assert res.objective <= _length(D, tour)  # the descent's tour is reported: never worse than it


def test_the_walks_start_from_the_descent_only_where_the_relaxation_is_tight():
    """Random arcs (200 cities): the descent's tour is within DESCENT_TIGHT of the relaxation and the walks start
    from it; a symmetric random matrix with a small asymmetric part: the relaxation is loose (many 2-cycles), the
    walks start from nearest-neighbour tours as before, and the descent's tour is still reported."""
    from combopt.solvers.tsp.ils import DESCENT_TIGHT

    rng = np.random.default_rng(5)
    tight = _random_arcs(200, 5, hi=10**6)
    S = rng.integers(1, 10**6, (200, 200))
    loose = S + S.T + rng.integers(0, 10**4, (200, 200))
    np.fill_diagonal(loose, 0)
    for D, used in ((tight, True), (loose, False)):
        res = combopt.solve(TSP(D, name="a"), "tsp-ls", time_limit=3.0, seed=0)
        gap = res.info["assignment_gap"]
        assert (gap <= DESCENT_TIGHT) == used
        assert ("start" in res.info) == used
        tour, info = assignment_descent(D)
        assert res.objective <= _length(D, tour) and res.bound >= info["relaxation"]  # bound on the right side
        assert res.bound <= res.objective


def test_a_fortran_ordered_matrix_is_stored_in_c_order():
    """The kernels are compiled (and cached by `combopt warmup`) for C-ordered matrices; a Fortran-ordered one (the
    transpose of a generator's matrix) compiled new ones inside a timed run, which then ended on its first tour."""
    D = np.asfortranarray(_random_arcs(30, 2))
    tsp = TSP(D, name="f")
    assert tsp.D.flags.c_contiguous and np.array_equal(tsp.D, D)
    tour, _ = assignment_descent(D)  # the descent takes either order
    assert sorted(tour.tolist()) == list(range(30))
