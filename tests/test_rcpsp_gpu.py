"""RCPSP GPU decoder: PTX for sm_90 (no GPU needed) and, on a real GPU, agreement with the CPU."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.core.device import cuda_simulator, gpu_available

DATA = Path(__file__).parent / "data" / "rcpsp"


@pytest.mark.skipif(cuda_simulator(), reason="the CUDA simulator cannot compile PTX")
def test_rcpsp_decode_kernel_compiles_to_sm90_ptx():
    from combopt.gpu.rcpsp import ptx_for_sm90

    ptx = ptx_for_sm90()
    assert ".target sm_90" in ptx
    entries = re.findall(r"\.entry\s+(\S+?)\(", ptx)
    assert len(entries) == 1 and "decode_kernel" in entries[0]
    # the per-list decoder is inlined into the kernel, not a separate device function
    assert "_decode_list" not in ptx


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA GPU visible")
def test_gpu_decoder_matches_cpu_on_j120():
    from combopt.problems.rcpsp.sgs import priority_values
    from combopt.solvers.rcpsp.decoder import BatchDecoder
    from combopt.solvers.rcpsp.operators import sample_lists

    p = combopt.read(DATA / "j1201_1.sm")
    a = p.kernel_arrays()
    lists = np.zeros((2048, p.n), dtype=np.int32)
    states = np.random.default_rng(0).integers(1, 2**62, size=len(lists)).astype(np.uint64)
    sample_lists(priority_values(p, "lft"), a["pred_ptr"], a["pred_idx"], a["succ_ptr"], a["succ_idx"], states, 1.0,
                 lists)
    for fbi in (False, True):
        cpu = BatchDecoder(p, "cpu").decode(lists, fbi)
        gpu = BatchDecoder(p, "gpu").decode(lists, fbi)
        np.testing.assert_array_equal(gpu[0], cpu[0])
        np.testing.assert_array_equal(gpu[1], cpu[1])
