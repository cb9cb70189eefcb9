"""Batched schedule decoding on the CPU or the GPU, for the RCPSP solvers.

The CPU path is the family's own decoder (combopt.problems.rcpsp.sgs.CpuDecoder); the GPU path
runs the same device function as a CUDA kernel, one activity list per thread
(combopt.gpu.rcpsp). Imports: core, combopt.problems.rcpsp, combopt.gpu.
"""

from __future__ import annotations

import numpy as np

from ...core.errors import ParameterError
from ...problems.rcpsp.sgs import CpuDecoder, check_activity_list


class BatchDecoder(CpuDecoder):
    """Decode batches of activity lists of one problem on the CPU or the GPU (``device``)."""

    def __init__(self, problem, device: str = "cpu", threads: bool = True):
        if device not in ("cpu", "gpu"):
            raise ParameterError(f"device must be cpu or gpu, got {device!r}")
        super().__init__(problem, threads)
        self.device = device
        self._gpu = None
        if device == "gpu":
            from ...gpu.rcpsp import GpuDecoder

            self._gpu = GpuDecoder(self.arrays)

    def _decode(self, lists, limit, starts, info) -> None:
        if self._gpu is not None:
            # in chunks of max_batch lists, as on the CPU: the device's (B, H, R) usage workspace stays within
            # MAX_WORKSPACE (700 lists of a 1.4-million-unit horizon took 7.8 GB at once, the CPU 95 at a time)
            for lo in range(0, lists.shape[0], self.max_batch):
                hi = min(lists.shape[0], lo + self.max_batch)
                self._gpu.decode(lists[lo:hi], limit, starts[lo:hi], info[lo:hi])
        else:
            super()._decode(lists, limit, starts, info)


def serial_sgs(problem, order, fbi: bool = False, device: str = "cpu") -> np.ndarray:
    """Serial SGS of one activity list (``fbi``: with forward-backward improvement).

    Returns the int64 start times.
    """
    lst = check_activity_list(problem, order)
    starts, info = BatchDecoder(problem, device).decode(lst[None, :], fbi)
    if info[0, 0] < 0:
        raise ParameterError("the activity list could not be decoded within the instance's time axis")
    return starts[0].astype(np.int64)
