"""The DMMV scoring kernel under Numba's CUDA simulator, against the CPU batch kernel.

Needs ``NUMBA_ENABLE_CUDASIM=1`` before Numba is imported, so it runs in a
subprocess started by ``tests/test_gpu_kernels.py``; run it directly with
``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") != "1":
    pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (run through tests/test_gpu_kernels.py)", allow_module_level=True)

import combopt  # noqa: E402
from combopt.gpu.dmmv import CudaScorer, score_batch_gpu  # noqa: E402
from combopt.models.dmmv import DMMV, uniform_domains  # noqa: E402
from combopt.problems.dmmv import DMMVInstance  # noqa: E402
from combopt.solvers.dmmv import kernels as K  # noqa: E402
from combopt.solvers.dmmv.search import DMMVSearch  # noqa: E402


def _model(seed, m, n, dense):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, n))
    if not dense:
        A[rng.random((m, n)) < 0.6] = 0.0
    ptr, vals = uniform_domains(-1.0, 0.5, 5, n)
    return DMMV.with_targets(A, rng.normal(size=m), ptr, vals, rng.uniform(0.5, 2, m))


def _batch(model, seed):
    S = DMMVSearch(model, np.random.default_rng(seed).integers(0, 5, model.n), 17 + seed, {"top_rows": 3})
    return (S, *S.candidate_batch(2, 1000, True, 4))


def _score(fn, S, cnt, ntop, theta, linf):
    out_l = np.full(cnt, -1.0)
    out_d = np.full(cnt, -1.0)
    fn(cnt, S.ci, S.cdvi, S.cj, S.cdvj, S.cptr, S.crow, S.cval, S.s, S.lower, S.upper, S.w, S.v, S.top, ntop, theta,
       S.Atop, linf, S.tol, out_l, out_d)
    return out_l, out_d


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "sparse"])
def test_simulator_scores_match_cpu(dense):
    model = _model(3, 9, 5, dense)
    S, cnt, ntop, theta, linf = _batch(model, 1)
    assert cnt > 10
    cpu = _score(K.score_batch_cpu, S, cnt, ntop, theta, linf)
    gpu = _score(score_batch_gpu, S, cnt, ntop, theta, linf)
    np.testing.assert_array_equal(np.isinf(gpu[1]), np.isinf(cpu[1]))
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=1e-13, atol=1e-13)
    fin = np.isfinite(cpu[1])
    np.testing.assert_allclose(gpu[1][fin], cpu[1][fin], rtol=1e-12, atol=1e-12)


def test_simulator_several_blocks(monkeypatch):
    import combopt.gpu.dmmv as gd

    monkeypatch.setattr(gd, "THREADS_PER_BLOCK", 8)  # several blocks, the last one partial
    model = _model(4, 7, 4, True)
    S, cnt, ntop, theta, linf = _batch(model, 2)
    assert cnt % 8 != 0 and cnt > 8
    cpu = _score(K.score_batch_cpu, S, cnt, ntop, theta, linf)
    gpu = _score(score_batch_gpu, S, cnt, ntop, theta, linf)
    np.testing.assert_allclose(gpu[0], cpu[0], rtol=1e-13, atol=1e-13)


def test_search_with_cuda_scorer_follows_cpu_driver():
    model = _model(5, 8, 5, False)
    k0 = np.zeros(model.n, dtype=np.int64)
    cpu = DMMVSearch(model, k0, 99, {})
    gpu = DMMVSearch(model, k0, 99, {}, CudaScorer(model))
    cpu.run(3)
    gpu.run(3)
    assert gpu.best_objective == pytest.approx(cpu.best_objective, abs=1e-12)
    assert gpu.best_k.tolist() == cpu.best_k.tolist()
    assert gpu.moves_scored == cpu.moves_scored


def test_solver_on_gpu_device_under_simulator():
    model = _model(6, 6, 4, True)
    res = combopt.solve(DMMVInstance(model), "dmmv", device="gpu", max_iterations=1, rounds=2, gpu_backend="cuda")
    ref = combopt.solve(DMMVInstance(model), "dmmv", device="cpu", max_iterations=1, rounds=2)
    assert res.device == "gpu" and res.info["backend"] == "cuda"
    assert res.objective == pytest.approx(ref.objective, abs=1e-12)
