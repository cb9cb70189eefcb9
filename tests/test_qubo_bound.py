"""The QUBO model's proven bound: the max-cut reduction (checked identity by identity), the certified semidefinite
bound against brute force in both senses, whole-number rounding and the proof of optimality it allows."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import combopt
from combopt.models.qubo import QUBO
from combopt.problems.graph.maxcut import MaxCut

DATA = Path(__file__).parent / "data"


def random_qubo(seed: int, n: int = 12, sense: str = "min", integral: bool = False) -> QUBO:
    rng = np.random.default_rng(seed)
    U = np.triu(rng.normal(0, 1, (n, n)) * (rng.random((n, n)) < 0.5), 1)
    h = rng.normal(0, 1, n)
    if integral:
        U, h = np.round(3 * U), np.round(3 * h)
    return QUBO(h, U + U.T, offset=float(rng.integers(-5, 5)), sense=sense)


def brute(q: QUBO) -> float:
    X = np.array(list(itertools.product((0, 1), repeat=q.n)))
    values = [q.objective(e) for e in q.energies(X)]
    return min(values) if q.sense == "min" else max(values)


@pytest.mark.parametrize("seed", range(3))
def test_the_reduction_to_max_cut_holds_for_every_assignment(seed):
    """E(x) = C + sum(c) - 2 cut_c(S): x_i = 1 puts vertex i on the extra vertex n's side, for every x."""
    q = random_qubo(seed, n=9)
    n = q.n
    U = sp.triu(q.W, k=1).tocoo()
    fields = q.h / 2 + np.asarray(q.W.sum(axis=1)).ravel() / 4
    edges = np.concatenate([np.c_[U.row, U.col], np.c_[np.arange(n), np.full(n, n)]])
    c = np.concatenate([U.data / 4, fields])
    const = q.offset + q.h.sum() / 2 + U.data.sum() / 4
    g = MaxCut(n + 1, edges, c)
    for x in itertools.product((0, 1), repeat=n):
        x = np.array(x)
        assert q.energy(x) == pytest.approx(const + c.sum() - 2 * g.cut_value(np.r_[1 - x, 0]), abs=1e-9)


@pytest.mark.parametrize(("seed", "sense"), [(s, sense) for s in range(4) for sense in ("min", "max")])
def test_bound_is_on_the_right_side_of_the_optimum_and_tighter_than_the_trivial_one(seed, sense):
    q = random_qubo(seed, sense=sense)
    opt = brute(q)
    info = q.bound_info()
    assert info["cut_bound"] is not None and info["relaxation_sweeps"] > 0
    if sense == "min":
        assert info["trivial"] <= info["bound"] <= opt + 1e-9
    else:
        assert opt - 1e-9 <= info["bound"] <= info["trivial"]
    assert abs(info["bound"] - opt) < 0.5 * abs(info["trivial"] - opt)  # the relaxation, not the trivial bound


def test_whole_number_coefficients_round_the_bound_and_a_separable_qubo_is_proven_optimal():
    q = random_qubo(7, integral=True)
    assert q.integral_objective() and float(q.bound()).is_integer() and q.bound() <= brute(q)
    assert not random_qubo(7).integral_objective()
    sep = QUBO([1.0, -2.0, 3.0, -1.0], np.zeros((4, 4)))  # no couplings: the relaxation is exact
    res = combopt.solve(sep, "sa", seed=0, max_iterations=2)
    assert res.objective == res.bound == -3 and res.status.value == "optimal"


def test_orlib_bqp_bound_above_the_published_optimum():
    """bqp50 #1 (maximisation, published optimum 2098): an upper bound, whole, well below the trivial one."""
    p = combopt.read(DATA / "qubo" / "bqp50_1.txt")
    info = p.bound_info()
    assert p.sense == "max" and 2098 <= info["bound"] < 0.6 * info["trivial"] and float(info["bound"]).is_integer()
    res = combopt.solve(p, "tabu", seed=0, max_iterations=5)
    assert res.objective == 2098 and res.bound == info["bound"] and res.status.value == "feasible"
    assert res.gap == pytest.approx((info["bound"] - 2098) / 2098)


def test_no_time_leaves_the_trivial_bound():
    q = random_qubo(3, n=40)
    info = q.bound_info(0.0)
    assert info["cut_bound"] is None and info["bound"] == info["trivial"] <= brute_small_bound(q)


def brute_small_bound(q: QUBO) -> float:
    """Any energy is above the trivial bound: a random sample of 2000 assignments."""
    X = np.random.default_rng(0).integers(0, 2, (2000, q.n))
    return float(q.energies(X).min())


def test_coefficients_near_the_float_range_give_no_bound_rather_than_a_wrong_one():
    """A QUBO whose energies could overflow is refused (as the file readers refuse it); one just inside the range
    gets a finite bound below its optimum; a max-cut with weights whose sums would overflow is refused."""
    from combopt.core.errors import ParameterError

    with pytest.raises(ParameterError, match="too large"):
        QUBO([1e308, -1e308, 0.0], [[0, 1e308, 0], [1e308, 0, -1e308], [0, -1e308, 0]])
    q = QUBO([1e306, -1e306, 0.0], [[0, 1e306, 0], [1e306, 0, -1e306], [0, -1e306, 0]])
    assert q.bound() <= brute(q) and np.isfinite(q.bound())
    with pytest.raises(ParameterError, match="larger than"):  # weights whose cut values would overflow: refused
        MaxCut(3, [(0, 1), (1, 2)], [1e308, 1e308])
