"""The CUDA greedy coupling under Numba's CUDA simulator, against the CPU batch.

Needs ``NUMBA_ENABLE_CUDASIM=1`` set before Numba is imported: run through
``tests/test_gpu_kernels.py`` (a subprocess), or directly with
``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") != "1":
    pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (run through tests/test_gpu_kernels.py)", allow_module_level=True)

from combopt.gpu.coupling import greedy_batch_gpu, ptx_for_sm90  # noqa: E402
from combopt.problems.coupling import MEC, Coupling  # noqa: E402
from combopt.solvers.coupling.kernels import greedy_batch  # noqa: E402


def _batch(B, k, L, seed, ragged=False):
    rng = np.random.default_rng(seed)
    P = np.zeros((B, k, L))
    lens = np.full((B, k), L, dtype=np.int64)
    for b in range(B):
        for s in range(k):
            n = int(rng.integers(1, L + 1)) if ragged else L
            lens[b, s] = n
            P[b, s, :n] = rng.dirichlet(np.full(n, 0.7))
    return P, lens


@pytest.mark.parametrize("k,ragged", [(2, False), (2, True), (3, True)])
def test_simulated_gpu_greedy_matches_cpu(monkeypatch, k, ragged):
    import combopt.gpu.coupling as gc

    monkeypatch.setattr(gc, "THREADS_PER_BLOCK", 4)  # 10 tuples: 3 blocks, the last one partial
    P, lens = _batch(10, k, 7, seed=k + ragged, ragged=ragged)
    ci, cm, cn = greedy_batch(P, lens)
    gi, gm, gn = greedy_batch_gpu(P, lens)
    np.testing.assert_array_equal(gn, cn)
    for b in range(10):
        np.testing.assert_array_equal(gi[b, :gn[b]], ci[b, :cn[b]])
        np.testing.assert_array_equal(gm[b, :gn[b]], cm[b, :cn[b]])
        # and each GPU coupling is a coupling of its marginals (independent check)
        margs = [P[b, s, :lens[b, s]] for s in range(k)]
        c = Coupling(gi[b, :gn[b]], gm[b, :gn[b]], tuple(int(n) for n in lens[b]))
        assert MEC(margs).evaluate(c).feasible


def test_simulated_gpu_reference_pair_and_ptx_refused():
    P = np.array([[[.5, .4, .1], [.6, .2, .2]]])
    gi, gm, gn = greedy_batch_gpu(P)
    cells = {(int(i), int(j)): round(float(m), 12) for (i, j), m in zip(gi[0, :gn[0]], gm[0, :gn[0]], strict=True)}
    assert cells == {(0, 0): .5, (1, 1): .2, (1, 2): .2, (2, 0): .1}
    with pytest.raises(RuntimeError, match="simulator"):
        ptx_for_sm90()
