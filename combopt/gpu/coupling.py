"""Numba CUDA greedy coupling of many marginal tuples at once: one tuple (e.g. one pair) per GPU thread.

The per-tuple logic is :func:`combopt.solvers.coupling.kernels._greedy_k`
(shared with the CPU batch :func:`~combopt.solvers.coupling.kernels.greedy_batch`);
:func:`greedy_kernel` maps a thread to a batch row and calls its inlined build.
Under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) the kernel calls the
same function as Python (``.py_func``). Nothing is compiled at import time;
:func:`ptx_for_sm90` compiles the kernel to PTX without a device.

Each thread owns its remainder heap and output rows in device memory, so a
batch of ``B`` tuples of ``k`` marginals over ``L`` symbols needs about
``B * k * L * (32 + 8 k + 8)`` bytes.
"""

from __future__ import annotations

import numpy as np
from numba import cuda, types

from ..core.device import cuda_simulator
from ..solvers.coupling.kernels import batch_workspace, greedy_k_device, sort_batch

__all__ = ["THREADS_PER_BLOCK", "greedy_batch_gpu", "greedy_kernel", "kernel_signature", "ptx_for_sm90"]

THREADS_PER_BLOCK = 64

_SIMULATOR = cuda_simulator()
_greedy = greedy_k_device.py_func if _SIMULATOR else greedy_k_device


def _greedy_kernel(V, VI, lens, RH, RHI, rsizes, ptr, out_idx, out_mass, nnz):
    b = cuda.grid(1)
    if b < V.shape[0]:
        nnz[b] = _greedy(V[b], VI[b], lens[b], RH[b], RHI[b], rsizes[b], ptr[b], out_idx[b], out_mass[b])


greedy_kernel = cuda.jit(_greedy_kernel)


def kernel_signature():
    """Argument types of a launch (C-contiguous device arrays)."""
    f3 = types.float64[:, :, ::1]
    i3 = types.int64[:, :, ::1]
    i2 = types.int64[:, ::1]
    return (f3, i3, i2, f3, i3, i2, i2, i3, types.float64[:, ::1], types.int64[::1])


def ptx_for_sm90() -> str:
    """PTX of :func:`greedy_kernel` for compute capability 9.0 (no GPU needed)."""
    if _SIMULATOR or getattr(cuda, "compile_ptx", None) is None:
        raise RuntimeError("PTX compilation is unavailable under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
    ptx, _ = cuda.compile_ptx(_greedy_kernel, kernel_signature(), cc=(9, 0))
    return ptx


def greedy_batch_gpu(P: np.ndarray, lens: np.ndarray | None = None):
    """GPU twin of :func:`combopt.solvers.coupling.kernels.greedy_batch`: ``(out_idx, out_mass, nnz)`` on the host.

    ``P`` is a ``(B, k, L)`` batch (row ``s`` of tuple ``b`` holds ``lens[b, s]`` masses). The rows are
    sorted on the host (numpy), as for the CPU batch, so both paths see the same input.
    """
    V, VI, ln = sort_batch(P, lens)
    host = batch_workspace(V)
    if V.shape[0] == 0:
        return host[4], host[5], host[6]
    d_in = [cuda.to_device(a) for a in (V, VI, ln)]
    d_ws = [cuda.to_device(a) for a in host[:4]]
    d_out = [cuda.device_array(a.shape, dtype=a.dtype) for a in host[4:]]
    B = V.shape[0]
    blocks = (B + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    greedy_kernel[blocks, THREADS_PER_BLOCK](*d_in, *d_ws, *d_out)
    if not _SIMULATOR:
        cuda.synchronize()
    return tuple(d.copy_to_host() for d in d_out)
