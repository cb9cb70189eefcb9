"""Numba CUDA decoding of RCPSP activity lists: one list per GPU thread.

The per-list logic is :func:`combopt.problems.rcpsp.kernels.decode_list` (the
single source of truth shared with :func:`~combopt.problems.rcpsp.kernels.decode_batch_cpu`);
:func:`decode_kernel` maps a thread to a list and calls its inlined build
``decode_list_device``. Under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``)
the kernel calls the same function as Python (``.py_func``).
Nothing is compiled at import time; :func:`ptx_for_sm90` compiles the kernel to
PTX without a device.

Each thread owns a slice of a ``(B, H, R)`` int32 usage workspace in device
memory; the kernel leaves it zero, so it is allocated once per batch size and
reused across calls.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import cuda, types

from ..core.device import cuda_simulator
from ..problems.rcpsp.kernels import INFO_COLUMNS, decode_list_device

__all__ = ["THREADS_PER_BLOCK", "GpuDecoder", "decode_batch_gpu", "decode_kernel", "kernel_signature", "ptx_for_sm90"]

THREADS_PER_BLOCK = 64

_SIMULATOR = cuda_simulator()
_decode = decode_list_device.py_func if _SIMULATOR else decode_list_device


def _decode_kernel(lists, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                   release, deadline, rank, fbi, usage, st, st2, lst, key, out_start, info):
    b = cuda.grid(1)
    if b < lists.shape[0]:
        _decode(lists[b], dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                release, deadline, rank, fbi, usage[b], st[b], st2[b], lst[b], key[b], out_start[b], info, b)


decode_kernel = cuda.jit(_decode_kernel)


def kernel_signature():
    """Argument types of a launch from :class:`GpuDecoder` (C-contiguous device arrays)."""
    i32v = types.int32[::1]
    i32m = types.int32[:, ::1]
    return (
        i32m,  # lists
        i32v,  # dur
        i32m,  # dem
        i32m,  # cap
        i32v, i32v, i32v, i32v, i32v, i32v,  # pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx
        i32v, i32v, i32v,  # release, deadline, rank
        types.int64,  # fbi
        types.int32[:, :, ::1],  # usage
        i32m, i32m, i32m,  # st, st2, lst
        types.int64[:, ::1],  # key
        i32m,  # out_start
        types.int64[:, ::1],  # info
    )


def ptx_for_sm90() -> str:
    """PTX of :func:`decode_kernel` for compute capability 9.0 (no GPU needed)."""
    if _SIMULATOR or getattr(cuda, "compile_ptx", None) is None:
        raise RuntimeError("PTX compilation is unavailable under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
    ptx, _ = cuda.compile_ptx(_decode_kernel, kernel_signature(), cc=(9, 0))
    return ptx


_ARRAY_NAMES = ("dur", "dem", "cap", "pred_ptr", "pred_idx", "succ_ptr", "succ_idx", "disj_ptr", "disj_idx",
                "release", "deadline", "rank")


class GpuDecoder:
    """Problem arrays and workspaces kept on the device between launches."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self.host = arrays
        self.dev = [cuda.to_device(np.ascontiguousarray(arrays[k])) for k in _ARRAY_NAMES]
        self.n = arrays["dur"].shape[0]
        self.H, self.R = arrays["cap"].shape
        self._ws: dict | None = None
        self._cap_B = 0

    def _workspace(self, B: int) -> dict:
        if self._ws is None or self._cap_B < B:
            n = self.n
            self._ws = {
                "usage": cuda.to_device(np.zeros((B, self.H, self.R), dtype=np.int32)),
                "st": cuda.device_array((B, n), dtype=np.int32),
                "st2": cuda.device_array((B, n), dtype=np.int32),
                "lst": cuda.device_array((B, n), dtype=np.int32),
                "key": cuda.device_array((B, n), dtype=np.int64),
            }
            self._cap_B = B
        return self._ws

    def decode(self, lists: np.ndarray, fbi: int, starts: np.ndarray, info: np.ndarray) -> None:
        """Decode ``lists`` (host, int32 ``(B, n)``) into ``starts`` and ``info`` (host, in place).

        ``fbi`` justifies the schedules whose first-pass makespan is at most this value.
        """
        B = lists.shape[0]
        if B == 0:
            return
        ws = self._workspace(B)
        d_lists = cuda.to_device(np.ascontiguousarray(lists, dtype=np.int32))
        d_out = cuda.device_array((B, self.n), dtype=np.int32)
        d_info = cuda.to_device(np.zeros((B, INFO_COLUMNS), dtype=np.int64))
        # slices of the cached workspace: contiguous leading-axis views
        args = (d_lists, *self.dev, int(fbi), ws["usage"][:B], ws["st"][:B], ws["st2"][:B], ws["lst"][:B],
                ws["key"][:B], d_out, d_info)
        blocks = (B + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
        if _SIMULATOR:
            with np.errstate(over="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                decode_kernel[blocks, THREADS_PER_BLOCK](*args)
        else:
            decode_kernel[blocks, THREADS_PER_BLOCK](*args)
            cuda.synchronize()
        starts[...] = d_out.copy_to_host()
        info[...] = d_info.copy_to_host()


def decode_batch_gpu(lists, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                     release, deadline, rank, fbi, usage, st, st2, lst, key, out_start, info):
    """GPU twin of :func:`combopt.problems.rcpsp.kernels.decode_batch_cpu` (host arrays, in place).

    The host workspaces are accepted for signature compatibility; device
    workspaces are allocated for the call.
    """
    arrays = dict(zip(_ARRAY_NAMES, (dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, disj_ptr, disj_idx,
                                     release, deadline, rank), strict=True))
    GpuDecoder(arrays).decode(lists, int(fbi), out_start, info)  # fbi: a makespan limit, as on the CPU
