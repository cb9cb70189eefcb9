"""The annealing kernel's fast paths (dense rows, exp-free acceptance) take the same decisions
as the plain Metropolis rule with a CSR scatter, bit for bit."""

import math

import numpy as np
import pytest
import scipy.sparse as sp
from numba import njit

import combopt
from combopt.solvers.kernels import anneal_batch_cpu


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


def run_both(indptr, indices, data, h, betas, R=4, seed=3):
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
