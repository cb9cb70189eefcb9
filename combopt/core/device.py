"""Device selection: ``cpu``, ``gpu`` or ``auto``."""

from __future__ import annotations

import functools
import os
import traceback

from .errors import ParameterError

DEVICES = ("cpu", "gpu", "auto")


def cuda_simulator() -> bool:
    """True when Numba's CUDA simulator is switched on (``NUMBA_ENABLE_CUDASIM=1``)."""
    return os.environ.get("NUMBA_ENABLE_CUDASIM", "0") == "1"


@functools.cache
def gpu_available() -> bool:
    """True when CuPy or Numba sees a real CUDA device."""
    if cuda_simulator():
        return False
    try:
        import cupy  # type: ignore[import-not-found]

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return True
    except Exception:  # noqa: BLE001 - any failure means no usable GPU
        pass
    try:
        from numba import cuda

        return bool(cuda.is_available())
    except Exception:  # noqa: BLE001
        return False


def resolve_device(device: str, supported: tuple[str, ...] = ("cpu",), auto_gpu: bool = False,
                   solver: str = "this solver", gpu_solvers: tuple[str, ...] = ()) -> str:
    """Turn ``cpu|gpu|auto`` into the device a solver will really use.

    ``auto`` takes the GPU when one is visible, the solver has a GPU path and ``auto_gpu`` (the solver's
    GPU path was measured faster than its CPU path; see ``SolverInfo.auto_gpu``); else the CPU.
    ``gpu`` is an error when no GPU (nor the CUDA simulator) is present or the
    solver has no GPU path (the message names ``solver`` and the kind's ``gpu_solvers``, the way out).
    """
    if device not in DEVICES:
        raise ParameterError(f"device must be one of cpu, gpu, auto; got {device!r}")
    if device == "cpu":
        return "cpu"
    has_gpu = gpu_available() or cuda_simulator()
    if device == "auto":
        return "gpu" if (auto_gpu and "gpu" in supported and gpu_available()) else "cpu"
    if "gpu" not in supported:
        alt = f", or a solver that has one (--solver {' or '.join(gpu_solvers)})" if gpu_solvers else ""
        raise ParameterError(f"{solver} has no GPU path; use --device cpu or auto (device= in Python){alt}")
    if not has_gpu:
        raise ParameterError("no CUDA GPU is visible (and NUMBA_ENABLE_CUDASIM is not set); use device cpu "
                             "(--device cpu, or device=\"cpu\" in Python)")
    return "gpu"


# where a failure inside the CUDA stack comes from: (path fragment of a frame's file, library named to the user)
_GPU_STACK = (("numba_cuda", "numba-cuda"), ("numba/cuda", "numba.cuda"), ("cupy_backends", "CuPy"), ("cupy", "CuPy"),
              ("cuda/bindings", "cuda-python"), ("cuda/core", "cuda-python"))


def gpu_stack_of(exc: BaseException) -> str | None:
    """The GPU library an exception was raised in (the innermost frame of one wins), or ``None``.

    Exceptions raised in combopt's own frames (a bad parameter, a bug) are not the CUDA stack's, so
    only the frames of the traceback *below* the last combopt frame are looked at.
    """
    frames = [f.filename.replace(os.sep, "/") for f in traceback.extract_tb(exc.__traceback__)]
    mod = type(exc).__module__ or ""
    for frag, lib in _GPU_STACK:
        if mod.startswith(frag.replace("/", ".")):
            return lib
    last_ours = max((i for i, f in enumerate(frames) if "/combopt/" in f), default=-1)
    for f in reversed(frames[last_ours + 1:]):
        for frag, lib in _GPU_STACK:
            if f"/{frag}/" in f:
                return lib
    return None
