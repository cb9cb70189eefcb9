"""The GPU paths that the other real-GPU tests do not cover (DMMV scoring, greedy couplings, whole solves),
on a real CUDA GPU against the CPU. Skipped without one (marked ``gpu``); ``benchmarks/gpu_check.py`` runs the
same comparisons at benchmark sizes and times them (all passed on an H200, 2026-12-04).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import combopt

pytestmark = pytest.mark.gpu
ROOT = Path(__file__).resolve().parents[1]


def _dmmv_batch(dense: bool, seed: int = 3):
    from combopt.models.dmmv import DMMV, uniform_domains
    from combopt.solvers.dmmv.search import DMMVSearch

    rng = np.random.default_rng(seed)
    A = rng.normal(size=(300, 60))
    if not dense:
        A[rng.random(A.shape) < 0.8] = 0.0
    ptr, vals = uniform_domains(-1.0, 0.25, 9, A.shape[1])
    model = DMMV.with_targets(A, rng.normal(size=A.shape[0]), ptr, vals, rng.uniform(0.5, 2, A.shape[0]))
    S = DMMVSearch(model, rng.integers(0, 9, model.n), 17 + seed, {"top_rows": 8})
    return (model, S, *S.candidate_batch(2, 5000, True, 8))


@pytest.mark.parametrize("dense", [True, False], ids=["dense", "sparse"])
def test_dmmv_scorers_match_the_cpu_kernel(dense):
    from combopt.gpu.dmmv import CudaScorer
    from combopt.gpu.dmmv_xp import XPScorer
    from combopt.solvers.dmmv.search import cpu_scorer

    model, S, cnt, ntop, theta, linf = _dmmv_batch(dense)
    assert cnt > 100
    cpu_scorer(S, cnt, ntop, theta, linf)
    ref_l, ref_d = S.out_linf[:cnt].copy(), S.out_dl2[:cnt].copy()
    scorers = [CudaScorer(model)]
    if dense:
        cupy = pytest.importorskip("cupy")
        scorers.append(XPScorer(model, cupy))
    fin = np.isfinite(ref_d)
    for sc in scorers:
        sc(S, cnt, ntop, theta, linf)
        np.testing.assert_array_equal(np.isfinite(S.out_dl2[:cnt]), fin)
        np.testing.assert_allclose(S.out_linf[:cnt][fin], ref_l[fin], rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(S.out_dl2[:cnt][fin], ref_d[fin], rtol=1e-7, atol=1e-7)


def test_greedy_couplings_match_the_cpu_batch():
    from combopt.gpu.coupling import greedy_batch_gpu
    from combopt.solvers.coupling.kernels import greedy_batch

    P = np.random.default_rng(0).dirichlet(np.ones(48), size=(4096, 2))
    ci, cm, cn = greedy_batch(P)
    gi, gm, gn = greedy_batch_gpu(P)
    np.testing.assert_array_equal(gn, cn)
    for b in range(0, 4096, 97):
        np.testing.assert_array_equal(gi[b, :gn[b]], ci[b, :cn[b]])
        np.testing.assert_allclose(gm[b, :gn[b]], cm[b, :cn[b]], rtol=0, atol=1e-15)
        for s in range(2):  # independent check: the coupling has the right marginals
            marg = np.bincount(gi[b, :gn[b], s], weights=gm[b, :gn[b]], minlength=48)
            np.testing.assert_allclose(marg, P[b, s], atol=1e-12)


@pytest.mark.parametrize("path,solver", [("examples/dmmv/fir_lowpass_n60.toml", "dmmv"),
                                         ("tests/data/rcpsp/j1201_1.sm", "rcpsp-ga")])
def test_whole_solves_on_the_gpu_pass_their_checks(path, solver):
    p = combopt.read(ROOT / path)
    res = combopt.solve(p, solver, device="gpu", time_limit=3, seed=0)
    assert res.device == "gpu" and res.feasible
    ev = p.evaluate(res.solution)
    assert ev.feasible and ev.objective == pytest.approx(res.objective, rel=1e-9, abs=1e-9)
