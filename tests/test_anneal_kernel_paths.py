"""The annealing kernel's fast paths take the same decisions as the plain Metropolis rule with a CSR
scatter, bit for bit: the dense-row update and the exp-free acceptance test of ``anneal_replica``, and
the lock-step lanes (``anneal_block`` / ``anneal_lanes``: eight replicas at a time, branch-free
decisions through ``exp_bracket``) that ``anneal_batch_cpu`` uses for sparse models."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit

import combopt
from combopt.solvers import kernels
from combopt.solvers.kernels import LANES, anneal_batch_cpu


@njit(cache=False)
def reference(indptr, indices, data, h, betas, X, F, states, E):
    """Straightforward Metropolis: exp for every uphill move, CSR scatter for every flip."""
    R, n = X.shape
    for r in range(R):
        x = X[r]
        field = F[r]
        s = states[r]
        for i in range(n):
            s ^= s >> np.uint64(12)
            s ^= s << np.uint64(25)
            s ^= s >> np.uint64(27)
            u = ((s * np.uint64(2685821657736338717)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
            x[i] = 1 if u < 0.5 else 0
        for i in range(n):
            f = h[i]
            for k in range(indptr[i], indptr[i + 1]):
                f += data[k] * x[indices[k]]
            field[i] = f
        e = 0.0
        for i in range(n):
            if x[i] == 1:
                e += 0.5 * (field[i] + h[i])
        for b in range(betas.shape[0]):
            beta = betas[b]
            for i in range(n):
                de = -field[i] if x[i] == 1 else field[i]
                accept = de <= 0.0
                if not accept and beta * de < 40.0:
                    s ^= s >> np.uint64(12)
                    s ^= s << np.uint64(25)
                    s ^= s >> np.uint64(27)
                    u = ((s * np.uint64(2685821657736338717)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
                    accept = u < math.exp(-beta * de)
                if accept:
                    d = -1.0 if x[i] == 1 else 1.0
                    x[i] = 1 - x[i]
                    for k in range(indptr[i], indptr[i + 1]):
                        field[indices[k]] += d * data[k]
                    e += de
        states[r] = s
        E[r] = e


def run_both(indptr, indices, data, h, betas, R=LANES + 3, seed=3):
    n = h.size
    rng = np.random.default_rng(seed)
    states = rng.integers(1, 2**63 - 1, size=R, dtype=np.int64).astype(np.uint64)
    out = []
    for fn in ("kernel", "reference"):
        X = np.zeros((R, n), dtype=np.int8)
        F = np.zeros((R, n))
        E = np.zeros(R)
        st = states.copy()
        if fn == "kernel":
            anneal_batch_cpu(indptr, indices, data, h, betas, 1, X, F, st, E, 1)
        else:
            reference(indptr, indices, data, h, betas, X, F, st, E)
        out.append((X, F, st, E))
    return out


@pytest.mark.parametrize("n,density", [(60, 1.0), (200, 0.05)], ids=["dense", "sparse"])
def test_kernel_matches_plain_metropolis(n, density):
    model = combopt.QUBO.random(n, density, seed=n)
    indptr, indices, data = model.csr_arrays()
    betas = np.geomspace(0.01, 50.0, 300)  # hot to cold: every branch of the acceptance test is used
    (Xk, Fk, Sk, Ek), (Xr, Fr, Sr, Er) = run_both(indptr, indices, data, np.ascontiguousarray(model.h), betas)
    np.testing.assert_array_equal(Xk, Xr)
    np.testing.assert_array_equal(Sk, Sr)
    np.testing.assert_allclose(Fk, Fr, rtol=0, atol=1e-9)
    np.testing.assert_allclose(Ek, Er, rtol=0, atol=1e-9)


def test_full_rows_with_unsorted_columns_take_the_csr_path():
    """(and, being sparse for the kernel, the lock-step lanes)"""
    model = combopt.QUBO.random(30, 1.0, seed=1)
    W = model.W.tocsr()
    indptr = W.indptr.astype(np.int64)
    indices = W.indices.astype(np.int32).copy()
    data = W.data.astype(np.float64).copy()
    rng = np.random.default_rng(0)
    for i in range(30):  # shuffle the columns inside each row: still a valid CSR, no longer "dense order"
        a, b = indptr[i], indptr[i + 1]
        perm = rng.permutation(b - a)
        indices[a:b] = indices[a:b][perm]
        data[a:b] = data[a:b][perm]
    assert sp.csr_matrix((data, indices, indptr), shape=(30, 30)).toarray() == pytest.approx(W.toarray())
    betas = np.geomspace(0.05, 20.0, 200)
    (Xk, Fk, Sk, Ek), (Xr, Fr, Sr, Er) = run_both(indptr, indices, data, np.ascontiguousarray(model.h), betas)
    np.testing.assert_array_equal(Xk, Xr)
    np.testing.assert_allclose(Ek, Er, rtol=0, atol=1e-9)


def integer_qubo(n, density, seed):
    """Small integer coefficients: zero fields (moves that change nothing) happen all the time."""
    rng = np.random.default_rng(seed)
    U = sp.triu(sp.random(n, n, density=density, random_state=rng,
                          data_rvs=lambda k: rng.integers(-2, 3, k).astype(float)), 1)
    return combopt.QUBO(rng.integers(-2, 3, n).astype(float), (U + U.T).tocsr())


@pytest.mark.parametrize("density,integer", [(0.05, False), (0.6, False), (0.1, True)])
def test_lock_step_block_matches_plain_metropolis(density, integer):
    """anneal_block called directly (one block of LANES replicas, nothing else) against the plain rule."""
    model = integer_qubo(120, density, 7) if integer else combopt.QUBO.random(120, density, seed=7)
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    betas = np.geomspace(0.02, 60.0, 250)
    R, n = LANES, model.n
    states = np.random.default_rng(11).integers(1, 2**63 - 1, size=R, dtype=np.int64).astype(np.uint64)
    Xb, Fb, Eb, Sb = np.zeros((R, n), dtype=np.int8), np.zeros((R, n)), np.zeros(R), states.copy()
    kernels.anneal_block(indptr, indices, data, h, betas, 1, Xb, Fb, Sb, Eb, 1, 0)
    Xr, Fr, Er, Sr = np.zeros((R, n), dtype=np.int8), np.zeros((R, n)), np.zeros(R), states.copy()
    reference(indptr, indices, data, h, betas, Xr, Fr, Sr, Er)
    np.testing.assert_array_equal(Xb, Xr)
    np.testing.assert_array_equal(Sb, Sr)
    np.testing.assert_array_equal(Fb, Fr)
    np.testing.assert_array_equal(Eb, Er)
    np.testing.assert_allclose(Eb + model.offset, model.energies(Xb), rtol=0, atol=1e-9)


def test_lock_step_continuation_matches_one_replica_at_a_time():
    """init=0 continuation with several sweeps per beta: blocks + leftovers against single-replica calls."""
    model = combopt.QUBO.random(150, 0.08, seed=5)
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h)
    betas = np.geomspace(0.05, 30.0, 60)
    R, n = 2 * LANES + 2, model.n
    states = np.random.default_rng(2).integers(1, 2**63 - 1, size=R, dtype=np.int64).astype(np.uint64)
    runs = []
    for together in (True, False):
        X, F, E, S = np.zeros((R, n), dtype=np.int8), np.zeros((R, n)), np.zeros(R), states.copy()
        rows = [slice(0, R)] if together else [slice(r, r + 1) for r in range(R)]  # one replica: no block
        for sl in rows:
            anneal_batch_cpu(indptr, indices, data, h, betas[:30], 1, X[sl], F[sl], S[sl], E[sl], 1)
            anneal_batch_cpu(indptr, indices, data, h, betas[30:], 3, X[sl], F[sl], S[sl], E[sl], 0)
        runs.append((X, F, E, S))
    (Xa, Fa, Ea, Sa), (Xb, Fb, Eb, Sb) = runs
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(Sa, Sb)
    np.testing.assert_array_equal(Fa, Fb)
    np.testing.assert_array_equal(Ea, Eb)
    assert len(set(Sa.tolist())) == R  # every replica drew from its own stream
    np.testing.assert_allclose(Ea + model.offset, model.energies(Xa), rtol=0, atol=1e-9)


def test_exp_bracket_encloses_exp_tightly():
    t = np.concatenate([np.linspace(0.0, 40.0, 200_001), np.geomspace(1e-12, 40.0, 20_001),
                        40.0 - np.geomspace(1e-12, 1.0, 2_001)])
    lo = np.empty_like(t)
    hi = np.empty_like(t)
    bracket = njit(lambda t, lo, hi: _fill(t, lo, hi))
    bracket(t, lo, hi)
    e = np.exp(-t)
    assert np.all(lo * kernels._BRACKET_LO < e) and np.all(e < hi * kernels._BRACKET_HI)
    # and the gap (where the exact exp is called) is small: below 1e-4 relative
    assert np.max((hi - lo) / e) < 1e-4 and np.max(hi - lo) < 4e-14


@njit
def _fill(t, lo, hi):
    for k in range(t.shape[0]):
        lo[k], hi[k] = kernels.exp_bracket(t[k])


@njit
def _decide(t, u, acc, unsure):
    for k in range(t.shape[0]):
        acc[k], unsure[k] = kernels.lane_decision(t[k], u[k])


def test_lane_decision_is_the_metropolis_rule_or_defers_to_exp():
    rng = np.random.default_rng(0)
    t = np.concatenate([rng.uniform(-5.0, 45.0, 200_000), np.zeros(10), np.full(10, 40.0), np.full(10, -0.0),
                        rng.uniform(0.0, 40.0, 50_000)])
    u = rng.random(t.size)
    # adversarial draws just either side of exp(-t): within 1e-5 (decided or deferred), within 1e-11 (deferred)
    near = slice(t.size - 50_000, t.size)
    closest = slice(t.size - 25_000, t.size)
    scale = np.where(np.arange(50_000) < 25_000, 1e-5, 1e-11)
    u[near] = np.exp(-t[near]) * (1.0 + rng.choice([-1.0, 1.0], 50_000) * rng.uniform(0.0, 1.0, 50_000) * scale)
    acc = np.zeros(t.size, dtype=np.bool_)
    unsure = np.zeros(t.size, dtype=np.bool_)
    _decide(t, u, acc, unsure)
    plain = (t <= 0.0) | ((t < 40.0) & (u < np.exp(-t)))
    sure = ~unsure
    np.testing.assert_array_equal(acc[sure], plain[sure])
    # deferred only where u is within the bracket of exp(-t), and rarely for uniform draws
    assert np.all(np.abs(u[unsure] / np.exp(-t[unsure]) - 1.0) < 2e-4)
    assert unsure[closest].all()
    assert 0 < unsure[near].sum() < 50_000
    assert unsure[: 200_000].mean() < 1e-3
