"""The CUDA annealing kernel under Numba's CUDA simulator, against the CPU kernel.

These tests need ``NUMBA_ENABLE_CUDASIM=1`` set before Numba is imported, so they
are run in a subprocess by ``tests/test_gpu_kernels.py``; run them directly with
``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") != "1":
    pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (run through tests/test_gpu_kernels.py)", allow_module_level=True)

import combopt  # noqa: E402
from combopt.gpu.anneal import anneal_batch_gpu, ptx_for_sm90  # noqa: E402
from combopt.solvers.kernels import anneal_batch_cpu  # noqa: E402


def _inputs(model, R, seed):
    indptr, indices, data = model.csr_arrays()
    h = np.ascontiguousarray(model.h, dtype=np.float64)
    rng = np.random.default_rng(seed)
    states = rng.integers(1, 2**63 - 1, size=R, dtype=np.int64).astype(np.uint64)
    X = np.zeros((R, model.n), dtype=np.int8)
    F = np.zeros((R, model.n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    return (indptr, indices, data, h), [X, F, states, E]


def _run(fn, csr, betas, sweeps, state, init, **kw):
    X, F, states, E = state
    fn(*csr, betas, sweeps, X, F, states, E, init, **kw)


def _assert_same(cpu, gpu):
    Xc, Fc, Sc, Ec = cpu
    Xg, Fg, Sg, Eg = gpu
    np.testing.assert_array_equal(Xg, Xc)
    np.testing.assert_array_equal(Sg, Sc)
    np.testing.assert_allclose(Eg, Ec, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(Fg, Fc, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layout", ["spin", "replica"])
@pytest.mark.parametrize(
    ("n", "density", "seed"),
    [(16, 1.0, 1), (20, 0.3, 2)],
    ids=["dense", "sparse"],
)
def test_simulator_kernel_matches_cpu(n, density, seed, layout):
    model = combopt.QUBO.random(n, density, seed=seed)
    R = 6  # fewer than a block: threads past R must leave the arrays alone
    csr, cpu = _inputs(model, R, seed)
    _, gpu = _inputs(model, R, seed)
    betas = np.geomspace(0.1, 3.0, 4)

    # init=1: random starts, energies overwritten
    gpu[3][:] = 123.0
    _run(anneal_batch_cpu, csr, betas, 2, cpu, 1)
    _run(anneal_batch_gpu, csr, betas, 2, gpu, 1, layout=layout)
    _assert_same(cpu, gpu)
    assert np.any(cpu[2] != _inputs(model, R, seed)[1][2])  # the RNG states moved
    np.testing.assert_allclose(gpu[3], model.energies(gpu[0]) - model.offset, rtol=1e-9, atol=1e-9)

    # init=0: continue from the current states, energies accumulated
    cold = np.array([4.0, 8.0])
    _run(anneal_batch_cpu, csr, cold, 1, cpu, 0)
    _run(anneal_batch_gpu, csr, cold, 1, gpu, 0, layout=layout)
    _assert_same(cpu, gpu)
    np.testing.assert_allclose(gpu[3], model.energies(gpu[0]) - model.offset, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("layout", ["spin", "replica"])
def test_simulator_several_blocks(monkeypatch, layout):
    import combopt.gpu.anneal as gpu_anneal

    monkeypatch.setattr(gpu_anneal, "THREADS_PER_BLOCK", 4)  # 10 replicas: 3 blocks, the last one partial
    model = combopt.QUBO.random(12, 0.5, seed=4)
    csr, cpu = _inputs(model, 10, 7)
    _, gpu = _inputs(model, 10, 7)
    betas = np.array([0.5, 2.0])
    _run(anneal_batch_cpu, csr, betas, 1, cpu, 1)
    _run(gpu_anneal.anneal_batch_gpu, csr, betas, 1, gpu, 1, layout=layout)
    _assert_same(cpu, gpu)


def test_simulator_zero_replicas():
    model = combopt.QUBO.random(12, 1.0, seed=5)
    csr, state = _inputs(model, 0, 0)
    _run(anneal_batch_gpu, csr, np.array([1.0]), 1, state, 1)  # nothing to launch
    assert state[0].shape == (0, 12)


def test_solve_sa_on_simulated_gpu_finds_optimum():
    model = combopt.QUBO.random(12, 1.0, seed=3)
    result = combopt.solve(model, "sa", device="gpu", max_iterations=2, num_reads=4, num_sweeps=20)
    exact = combopt.solve(model, "exhaustive")
    assert result.device == "gpu"
    assert result.objective == pytest.approx(exact.objective, abs=1e-9)


@pytest.mark.parametrize("threads", [1, 3, 64])
def test_any_block_size_gives_the_same_trajectories(threads):
    model = combopt.QUBO.random(10, 0.6, seed=8)
    csr, cpu = _inputs(model, 7, 2)
    _, gpu = _inputs(model, 7, 2)
    betas = np.array([0.3, 1.0, 3.0])
    _run(anneal_batch_cpu, csr, betas, 1, cpu, 1)
    _run(anneal_batch_gpu, csr, betas, 1, gpu, 1, threads=threads)
    _assert_same(cpu, gpu)


def test_block_size_out_of_range_is_refused():
    model = combopt.QUBO.random(4, 1.0, seed=5)
    csr, state = _inputs(model, 2, 0)
    with pytest.raises(ValueError, match="threads per block"):
        _run(anneal_batch_gpu, csr, np.array([1.0]), 1, state, 1, threads=2048)


def test_unknown_layout_is_refused():
    model = combopt.QUBO.random(4, 1.0, seed=5)
    csr, state = _inputs(model, 2, 0)
    with pytest.raises(ValueError, match="layout"):
        _run(anneal_batch_gpu, csr, np.array([1.0]), 1, state, 1, layout="column")


def test_ptx_unavailable_under_simulator():
    with pytest.raises(RuntimeError, match="simulator"):
        ptx_for_sm90()
