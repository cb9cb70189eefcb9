"""The CUDA RCPSP decoder under Numba's CUDA simulator, against the CPU decoder.

Needs ``NUMBA_ENABLE_CUDASIM=1`` set before Numba is imported: run through
``tests/test_gpu_kernels.py`` (a subprocess), or directly with
``NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cudasim``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") != "1":
    pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (run through tests/test_gpu_kernels.py)", allow_module_level=True)

import combopt  # noqa: E402
from combopt.generators.rcb import generate_rcb  # noqa: E402
from combopt.gpu.rcpsp import GpuDecoder, decode_batch_gpu, ptx_for_sm90  # noqa: E402
from combopt.problems.rcpsp.kernels import INFO_COLUMNS  # noqa: E402
from combopt.problems.rcpsp.sgs import priority_values  # noqa: E402
from combopt.solvers.rcpsp.decoder import BatchDecoder  # noqa: E402
from combopt.solvers.rcpsp.operators import sample_lists  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "data" / "rcpsp"


def _lists(problem, k, seed, alpha=1.0):
    a = problem.kernel_arrays()
    out = np.zeros((k, problem.n), dtype=np.int32)
    states = np.random.default_rng(seed).integers(1, 2**62, size=k).astype(np.uint64)
    sample_lists(priority_values(problem, "lft"), a["pred_ptr"], a["pred_idx"], a["succ_ptr"], a["succ_idx"],
                 states, alpha, out)
    return out


def _problems():
    return [
        combopt.read(DATA / "j301_1.sm"),
        generate_rcb(tasks=14, layers=3, level=8, resources="2", downtime=1.0, windows=0.4, disjunctive=0.5, seed=2,
                     max_duration=5),
    ]


@pytest.mark.parametrize("which", [0, 1], ids=["j301_1", "extended"])
@pytest.mark.parametrize("fbi", [False, True], ids=["sgs", "fbi"])
def test_simulated_gpu_decoder_matches_cpu(which, fbi):
    p = _problems()[which]
    lists = _lists(p, 5, seed=which + 3)  # fewer than a block: idle threads must leave everything alone
    cpu = BatchDecoder(p, "cpu").decode(lists, fbi)
    gpu = BatchDecoder(p, "gpu").decode(lists, fbi)
    np.testing.assert_array_equal(gpu[0], cpu[0])
    np.testing.assert_array_equal(gpu[1], cpu[1])
    for k in range(len(lists)):
        if gpu[1][k, 1] == 0:
            assert p.evaluate(gpu[0][k]).feasible
        assert gpu[1][k, 0] == p.makespan(gpu[0][k])


def test_simulated_gpu_several_blocks_and_reused_workspace(monkeypatch):
    import combopt.gpu.rcpsp as gpu_rcpsp

    monkeypatch.setattr(gpu_rcpsp, "THREADS_PER_BLOCK", 4)  # 10 lists: 3 blocks, the last one partial
    p = _problems()[1]
    lists = _lists(p, 10, seed=7)
    cpu = BatchDecoder(p, "cpu").decode(lists, True)
    dec = GpuDecoder(p.kernel_arrays())
    for _ in range(2):  # the second call reuses the device workspace, which the kernel must leave zero
        starts = np.empty((10, p.n), dtype=np.int32)
        info = np.zeros((10, INFO_COLUMNS), dtype=np.int64)
        dec.decode(lists, 2**62, starts, info)
        np.testing.assert_array_equal(starts, cpu[0])
        np.testing.assert_array_equal(info, cpu[1])


def test_simulated_gpu_function_twin_and_empty_batch():
    p = _problems()[0]
    a = p.kernel_arrays()
    lists = _lists(p, 3, seed=1)
    starts = np.empty((3, p.n), dtype=np.int32)
    info = np.zeros((3, INFO_COLUMNS), dtype=np.int64)
    ws = [np.zeros((3, *a["cap"].shape), dtype=np.int32)] + [np.zeros((3, p.n), dtype=np.int32)] * 3 + \
         [np.zeros((3, p.n), dtype=np.int64)]
    decode_batch_gpu(lists, a["dur"], a["dem"], a["cap"], a["pred_ptr"], a["pred_idx"], a["succ_ptr"], a["succ_idx"],
                     a["disj_ptr"], a["disj_idx"], a["release"], a["deadline"], a["rank"], 2**62, *ws, starts, info)
    cpu = BatchDecoder(p, "cpu").decode(lists, True)
    np.testing.assert_array_equal(starts, cpu[0])
    empty = BatchDecoder(p, "gpu").decode(np.zeros((0, p.n), dtype=np.int32))
    assert empty[0].shape == (0, p.n)


def test_ga_on_simulated_gpu_matches_cpu_run():
    p = _problems()[0]
    kw = dict(schedules=300, population=8, seed=3)
    gpu = combopt.solve(p, "rcpsp-ga", device="gpu", **kw)
    cpu = combopt.solve(p, "rcpsp-ga", device="cpu", **kw)
    assert gpu.device == "gpu" and gpu.feasible
    assert gpu.objective == cpu.objective
    np.testing.assert_array_equal(gpu.solution, cpu.solution)


def test_rcpsp_ptx_unavailable_under_simulator():
    with pytest.raises(RuntimeError, match="simulator"):
        ptx_for_sm90()
