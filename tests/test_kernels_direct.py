"""The CPU annealing / descent / tabu / enumeration kernels called directly, on small QUBOs.

Small enough to run as plain Python too (``NUMBA_DISABLE_JIT=1``, as the mutation run does), and
sharp: the random stream is reproduced bit for bit, the hot limit flips every variable once per
sweep, the cold limit never goes uphill, and the bookkeeping (energies, local fields) is compared
with the model after every call.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp

from combopt.models.qubo import QUBO
from combopt.solvers import kernels

MASK = (1 << 64) - 1


def xorshift_stream(seed: int):
    """Reference xorshift64* (Vigna): state update, then the output u in [0, 1) from the top 53 bits."""
    s = seed
    while True:
        s ^= s >> 12
        s ^= (s << 25) & MASK
        s ^= s >> 27
        yield s, (((s * 2685821657736338717) & MASK) >> 11) / 2.0**53


def arrays(model: QUBO):
    indptr, indices, data = model.csr_arrays()
    return indptr, indices, data, np.ascontiguousarray(model.h)


def fields(model: QUBO, X) -> np.ndarray:
    return model.h + (model.W @ np.atleast_2d(X).T.astype(np.float64)).T


def glass(L=6, seed=0) -> QUBO:
    rng = np.random.default_rng(seed)
    n = L * L
    r, c, J = [], [], []
    for i in range(L):
        for j in range(L):
            for b in (((i + 1) % L) * L + j, i * L + (j + 1) % L):
                r.append(i * L + j)
                c.append(b)
                J.append(rng.choice([-1.0, 1.0]))
    Jm = sp.coo_matrix((J, (r, c)), shape=(n, n)).tocsr()
    Jm = Jm + Jm.T
    return QUBO(2 * np.asarray(Jm.sum(axis=1)).ravel(), -4 * Jm, offset=-0.5 * Jm.sum())


def run_anneal(model, betas, R=4, seeds=None, X=None, init=1, sweeps_per_beta=1):
    indptr, indices, data, h = arrays(model)
    if X is None:
        X = np.zeros((R, model.n), dtype=np.int8)
        F = np.zeros((R, model.n))
        E = np.zeros(R)
    else:
        X = X.copy()
        F = fields(model, X)
        E = model.energies(X) - model.offset
    states = np.array(seeds if seeds is not None else [11 + 7 * r for r in range(R)], dtype=np.uint64)
    kernels.anneal_batch_cpu(indptr, indices, data, h, np.asarray(betas, dtype=np.float64), sweeps_per_beta, X, F,
                             states, E, init)
    return X, F, E, states


def test_random_start_follows_the_xorshift_stream():
    m = QUBO.random(20, 0.5, seed=1)
    seeds = [12345, 987654321]
    X, F, E, states = run_anneal(m, [], R=2, seeds=seeds)
    for r, seed in enumerate(seeds):
        gen = xorshift_stream(seed)
        draws = [next(gen) for _ in range(m.n)]
        np.testing.assert_array_equal(X[r], [1 if u < 0.5 else 0 for _, u in draws])
        assert int(states[r]) == draws[-1][0]  # the state is written back
    np.testing.assert_allclose(E, m.energies(X) - m.offset, atol=1e-9)  # init: the full energy minus offset
    np.testing.assert_allclose(F, fields(m, X), atol=1e-9)


def test_hot_limit_flips_every_variable_once_per_sweep():
    # beta = 0: every move is accepted (exp(0) = 1 > u), so one sweep complements the state
    m = QUBO.random(15, 0.6, seed=2)
    X0 = (np.random.default_rng(0).random((3, m.n)) < 0.5).astype(np.int8)
    X, F, E, _ = run_anneal(m, [0.0], R=3, X=X0, init=0)
    np.testing.assert_array_equal(X, 1 - X0)
    np.testing.assert_allclose(E, m.energies(X) - m.offset, atol=1e-9)
    np.testing.assert_allclose(F, fields(m, X), atol=1e-9)
    X, *_ = run_anneal(m, [0.0, 0.0], R=3, X=X0, init=0)  # two sweeps: back to the start
    np.testing.assert_array_equal(X, X0)
    X, *_ = run_anneal(m, [0.0], R=3, X=X0, init=0, sweeps_per_beta=3)  # three sweeps of one beta
    np.testing.assert_array_equal(X, 1 - X0)


def test_cold_limit_never_goes_uphill_and_ends_in_a_local_minimum():
    m = glass(6, seed=3)
    X0 = (np.random.default_rng(1).random((4, m.n)) < 0.5).astype(np.int8)
    e0 = m.energies(X0)
    X, F, E, _ = run_anneal(m, [1e6] * 40, R=4, X=X0, init=0)
    e = m.energies(X)
    np.testing.assert_allclose(E, e - m.offset, atol=1e-9)
    assert np.all(e <= e0 + 1e-9) and np.all(e < e0)  # started from random states: something improved
    # a local minimum: no single flip lowers the energy
    for r in range(4):
        de = np.where(X[r] == 1, -F[r], F[r])
        assert np.all(de >= -1e-9)


def test_a_finite_temperature_accepts_uphill_moves_at_the_metropolis_rate():
    # one variable with h = 1: from x = 0 the move costs 1; at beta = ln 2 it is accepted with probability 1/2
    m = QUBO(np.array([1.0]), sp.csr_matrix((1, 1)))
    R = 4000
    X0 = np.zeros((R, 1), dtype=np.int8)
    seeds = [((r + 1) * 0x9E3779B97F4A7C15) & MASK for r in range(R)]  # large seeds: every bit of the shifts counts
    X, F, E, st = run_anneal(m, [np.log(2.0)], R=R, X=X0, init=0, seeds=seeds)
    # exactly one draw per replica, from its own xorshift stream, accepted when u < exp(-beta * 1) = 1/2
    for r in range(0, R, 97):
        s, u = next(xorshift_stream(seeds[r]))
        assert int(st[r]) == s and X[r, 0] == (1 if u < 0.5 else 0)
    share = X.mean()
    assert abs(share - 0.5) < 0.04, share
    np.testing.assert_allclose(E, X[:, 0].astype(float))
    X, *_ = run_anneal(m, [np.log(4.0)], R=R, X=X0, init=0, seeds=list(range(1, R + 1)))
    assert abs(X.mean() - 0.25) < 0.04
    X, *_ = run_anneal(m, [50.0], R=R, X=X0, init=0, seeds=list(range(1, R + 1)))  # past the cut-off: never
    assert X.sum() == 0


def test_annealing_beats_descent_on_a_small_glass():
    m = glass(8, seed=0)
    indptr, indices, data, h = arrays(m)
    from combopt.solvers.common import default_beta_range, geometric_betas

    X, F, E, _ = run_anneal(m, geometric_betas(default_beta_range(m), 150), R=6)
    sa = (E + m.offset).min()
    rng = np.random.default_rng(5)
    Xd = (rng.random((300, m.n)) < 0.5).astype(np.int8)
    Fd = fields(m, Xd)
    Ed = m.energies(Xd)
    kernels.greedy_descent_batch(indptr, indices, data, Xd, Fd, Ed)
    np.testing.assert_allclose(Ed, m.energies(Xd), atol=1e-9)
    np.testing.assert_allclose(Fd, fields(m, Xd), atol=1e-9)
    assert sa <= Ed.min() - 6, (sa, Ed.min())  # 6 reads of annealing against 300 descents


def test_greedy_descent_reaches_a_local_minimum_and_reports_the_change():
    m = QUBO.random(25, 0.4, seed=6)
    indptr, indices, data, h = arrays(m)
    x = (np.random.default_rng(2).random(m.n) < 0.5).astype(np.int8)
    e0 = m.energy(x)
    f = fields(m, x)[0].copy()
    d = kernels.greedy_descent(indptr, indices, data, x, f)
    assert d < 0 and m.energy(x) == pytest.approx(e0 + d)
    np.testing.assert_allclose(f, fields(m, x)[0], atol=1e-9)
    for i in range(m.n):
        assert m.delta(x, i) >= -1e-9


def test_tempering_round_keeps_each_replica_at_its_own_beta():
    m = QUBO.random(12, 0.7, seed=3)
    indptr, indices, data, h = arrays(m)
    R = 3
    X0 = (np.random.default_rng(4).random((R, m.n)) < 0.5).astype(np.int8)
    X, F, E = X0.copy(), fields(m, X0), m.energies(X0) - m.offset
    ladder = np.array([0.0, 1e6, 0.0])
    kernels.tempering_round_cpu(indptr, indices, data, h, ladder, 1, X, F, np.arange(1, R + 1, dtype=np.uint64), E)
    np.testing.assert_array_equal(X[0], 1 - X0[0])  # hot replicas flip everything
    np.testing.assert_array_equal(X[2], 1 - X0[2])
    assert m.energy(X[1]) <= m.energy(X0[1])  # the cold one only goes down
    np.testing.assert_allclose(E, m.energies(X) - m.offset, atol=1e-9)
    np.testing.assert_allclose(F, fields(m, X), atol=1e-9)


def brute(m: QUBO):
    X = np.array(list(itertools.product([0, 1], repeat=m.n)), dtype=np.int8)
    E = m.energies(X)
    return E.min(), X[np.argmin(E)]


@pytest.mark.parametrize("prefix", [0, 1, 3])
def test_exhaustive_kernel_matches_brute_force(prefix):
    m = QUBO.random(10, 0.7, seed=8)
    indptr, indices, data, h = arrays(m)
    blocks = 1 << prefix
    best_E = np.zeros(blocks)
    best_code = np.zeros(blocks, dtype=np.int64)
    kernels.exhaustive_cpu(indptr, indices, data, h, prefix, best_E, best_code)
    emin, _ = brute(m)
    p = int(np.argmin(best_E))
    assert best_E[p] + m.offset == pytest.approx(emin)
    # decode block p's Gray code: low bits from the code, top bits from the block index
    mlow = m.n - prefix
    x = np.array([(int(best_code[p]) >> i) & 1 for i in range(mlow)] + [(p >> b) & 1 for b in range(prefix)])
    assert m.energy(x) == pytest.approx(emin)
    # every block's best is the minimum over its own prefix
    X = np.array(list(itertools.product([0, 1], repeat=m.n)), dtype=np.int8)[:, ::-1]  # x[0] fastest
    E = m.energies(X) - m.offset
    for q in range(blocks):
        sel = np.all(X[:, mlow:] == [(q >> b) & 1 for b in range(prefix)], axis=1) if prefix else slice(None)
        assert best_E[q] == pytest.approx(E[sel].min())


@pytest.mark.parametrize("trees", [False, True])
def test_tabu_kernel_finds_the_optimum_and_keeps_its_books(trees):
    m = QUBO.random(14, 0.6, seed=9)
    indptr, indices, data, h = arrays(m)
    R = 3
    X = (np.random.default_rng(0).random((R, m.n)) < 0.5).astype(np.int8)
    F = fields(m, X)
    E = m.energies(X) - m.offset
    best_X = np.zeros_like(X)
    best_E = np.zeros(R)
    kernels.tabu_batch(indptr, indices, data, h, X, F, np.arange(1, R + 1, dtype=np.uint64), 200, 4, best_X, best_E,
                       E, trees)
    emin, _ = brute(m)
    assert best_E.min() + m.offset == pytest.approx(emin)
    np.testing.assert_allclose(best_E, m.energies(best_X) - m.offset, atol=1e-9)
    np.testing.assert_allclose(E, m.energies(X) - m.offset, atol=1e-9)
    np.testing.assert_allclose(F, fields(m, X), atol=1e-9)
    assert np.all(best_E <= E + 1e-9)


@pytest.mark.parametrize("trees", [False, True])
def test_tabu_aspiration_tolerance_and_random_stream_on_one_variable(trees):
    """One variable, h = -1: the first step flips it (a new best); then it is tabu and flipping back is no new
    best, so nothing moves. The xorshift state advances once per move, the tenure draw uses it."""
    m = QUBO(np.array([-1.0]), sp.csr_matrix((1, 1)))
    indptr, indices, data, h = arrays(m)
    X = np.zeros((1, 1), dtype=np.int8)
    F = fields(m, X)
    E = np.zeros(1)
    best_X, best_E = np.zeros_like(X), np.zeros(1)
    seed = 987654321
    states = np.array([seed], dtype=np.uint64)
    kernels.tabu_batch(indptr, indices, data, h, X, F, states, 3, 4, best_X, best_E, E, trees)
    assert X[0, 0] == 1 and E[0] == -1.0 and best_E[0] == -1.0 and best_X[0, 0] == 1
    assert int(states[0]) == next(xorshift_stream(seed))[0]  # one move, one draw
    # an improvement of exactly the 1e-12 tolerance is not a new best
    m = QUBO(np.array([-1e-12]), sp.csr_matrix((1, 1)))
    indptr, indices, data, h = arrays(m)
    X = np.zeros((1, 1), dtype=np.int8)
    best_X, best_E, E = np.zeros_like(X), np.zeros(1), np.zeros(1)
    kernels.tabu_batch(indptr, indices, data, h, X, fields(m, X), np.array([5], dtype=np.uint64), 1, 4, best_X,
                       best_E, E, trees)
    assert X[0, 0] == 1 and E[0] == -1e-12 and best_E[0] == 0.0 and best_X[0, 0] == 0


@pytest.mark.parametrize("trees", [False, True])
def test_tabu_tenure_draws_from_the_stream(trees):
    """With two equal variables the tenure decides when the first may move again: the trajectory of energies
    over many steps depends on every draw, so it must match a Python re-implementation."""
    rng = np.random.default_rng(11)
    n = 6
    J = np.triu(rng.integers(-3, 4, size=(n, n)).astype(float), 1)
    m = QUBO(rng.integers(-3, 4, size=n).astype(float), J + J.T)
    indptr, indices, data, h = arrays(m)
    X = np.zeros((1, n), dtype=np.int8)
    F = fields(m, X)
    E = np.zeros(1)
    best_X, best_E = np.zeros_like(X), np.zeros(1)
    seed, iters, tenure = 424242, 40, 3
    kernels.tabu_batch(indptr, indices, data, h, X, F, np.array([seed], dtype=np.uint64), iters, tenure, best_X,
                       best_E, E, trees)
    # reference
    x = np.zeros(n, dtype=int)
    e = be = 0.0
    until = np.zeros(n, dtype=int)
    gen = xorshift_stream(seed)
    for it in range(1, iters + 1):
        f = m.local_fields(x)
        de = np.where(x == 1, -f, f)
        best_i, best_de = -1, 1e300
        for i in range(n):
            if until[i] >= it and not (e + de[i] < be - 1e-12):
                continue
            if de[i] < best_de:
                best_i, best_de = i, de[i]
        if best_i < 0:
            continue
        x[best_i] ^= 1
        e += best_de
        s, _ = next(gen)
        until[best_i] = it + tenure + (((s * 2685821657736338717) & MASK) >> 33) % (tenure // 2 + 1)
        be = min(be, e) if e < be - 1e-12 else be
    np.testing.assert_array_equal(X[0], x)
    assert E[0] == pytest.approx(e) and best_E[0] == pytest.approx(be)


@pytest.mark.parametrize("seed", range(8))
def test_tabu_trees_follow_the_scans_trajectory(seed):
    """The tournament trees pick the same flip as the scan at every step (ties to the lowest index, on integer
    weights with many ties), so both end in the same states, fields, energies, best states and random streams;
    the steps outnumber the variables, so the best state's flip log overflows into a full copy."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    J = np.triu(rng.integers(-3, 4, size=(n, n)) * (rng.random((n, n)) < rng.uniform(0.05, 0.6)), 1).astype(float)
    m = QUBO(rng.integers(-3, 4, size=n).astype(float), sp.csr_matrix(J + J.T))
    indptr, indices, data, h = arrays(m)
    X0 = (rng.random((3, n)) < 0.5).astype(np.int8)
    tenure, iters = int(rng.integers(1, 10)), int(rng.integers(5 * n, 60 * n))
    out = []
    for trees in (False, True):
        X, F, E = X0.copy(), fields(m, X0), m.energies(X0) - m.offset
        best_X, best_E, states = np.zeros_like(X), np.zeros(3), np.array([7, 8, 9], dtype=np.uint64)
        kernels.tabu_batch(indptr, indices, data, h, X, F, states, iters, tenure, best_X, best_E, E, trees)
        np.testing.assert_allclose(best_E, m.energies(best_X) - m.offset, atol=1e-9)
        np.testing.assert_allclose(F, fields(m, X), atol=1e-9)
        out.append((X, F, E, best_X, best_E, states))
    for a, b in zip(*out, strict=True):
        np.testing.assert_array_equal(a, b)


def test_tabu_takes_the_trees_on_sparse_models_only():
    from combopt.solvers.tabu import step_plan

    assert step_plan(2000, 8000)[0]  # a torus: degree 4
    assert step_plan(10_000, 40_000)[1] < step_plan(10_000, 40_000 * 400)[1]
    assert not step_plan(800, 800 * 48)[0]  # degree 48 at 800 variables: the scan
    assert not step_plan(30, 30 * 29)[0]  # dense
