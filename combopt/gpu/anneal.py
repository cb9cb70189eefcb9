"""Numba CUDA simulated annealing: one replica per GPU thread.

The per-replica logic lives in :func:`combopt.solvers.kernels.anneal_replica`
(the single source of truth shared with the CPU kernel); :func:`anneal_kernel`
only maps a thread to a replica and calls it. :func:`anneal_batch_gpu` has the
signature and in-place semantics of
:func:`combopt.solvers.kernels.anneal_batch_cpu`, so the ``sa`` solver can use
either one. For a given seed array both produce the same trajectories, up to
ulp-level differences of ``exp`` on the device.

Under Numba's CUDA simulator (``NUMBA_ENABLE_CUDASIM=1``) the kernel runs as
Python and calls ``anneal_replica.py_func``, because an ``njit`` function cannot
take the simulator's array stand-ins. Nothing is compiled at import time, so
this module imports on machines without a GPU; :func:`ptx_for_sm90` compiles the
kernel to PTX without needing a device.

Memory layout: by default (``layout="replica"``, :func:`anneal_kernel`) the device holds
states and fields as the host does, one row per replica. ``layout="spin"``
(:func:`anneal_kernel_t`) holds them spin-major, ``(n, R)``, one column per thread, so
that the threads of a warp touch neighbouring addresses. Both run the same per-replica
code and give the same trajectories. On an H200 (``benchmarks/gpu_check.py``, 100
sweeps) spin-major was 1.24x faster on a sparse n=10,000 QUBO at 1,024 replicas but
0.56x and 0.78x on a dense n=1,000 one at 8,192 and 32,768 replicas, where the GPU
beats the CPU (replica-major 1.22x and 2.75x a 16-core CPU), so rows stay the default.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import cuda, types

from ..core.device import cuda_simulator
from ..solvers.kernels import anneal_replica

__all__ = ["LAYOUTS", "THREADS_PER_BLOCK", "anneal_batch_gpu", "anneal_kernel", "anneal_kernel_t", "kernel_signature",
           "ptx_for_sm90"]

THREADS_PER_BLOCK = 128
LAYOUTS = ("spin", "replica")

_SIMULATOR = cuda_simulator()
_replica = anneal_replica.py_func if _SIMULATOR else anneal_replica


def _anneal_kernel(indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init):
    r = cuda.grid(1)
    if r < X.shape[0]:
        de = _replica(indptr, indices, data, h, betas, sweeps_per_beta, X[r], F[r], states, r, init)
        if init == 1:
            energies[r] = de
        else:
            energies[r] += de


def _anneal_kernel_t(indptr, indices, data, h, betas, sweeps_per_beta, XT, FT, states, energies, init):
    r = cuda.grid(1)
    if r < XT.shape[1]:
        de = _replica(indptr, indices, data, h, betas, sweeps_per_beta, XT[:, r], FT[:, r], states, r, init)
        if init == 1:
            energies[r] = de
        else:
            energies[r] += de


# launch: anneal_kernel[blocks, threads](indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init)
anneal_kernel = cuda.jit(_anneal_kernel)
# the same on spin-major (n, R) states and fields: one column per thread
anneal_kernel_t = cuda.jit(_anneal_kernel_t)


def kernel_signature():
    """The argument types a launch from :func:`anneal_batch_gpu` specialises to.

    Arrays are C-contiguous device arrays (the wrapper guarantees it) and the two
    integer scalars are Python ints, which Numba types as ``int64``.
    """
    return (
        types.int64[::1],  # indptr
        types.int32[::1],  # indices
        types.float64[::1],  # data
        types.float64[::1],  # h
        types.float64[::1],  # betas
        types.int64,  # sweeps_per_beta
        types.int8[:, ::1],  # X
        types.float64[:, ::1],  # F
        types.uint64[::1],  # states
        types.float64[::1],  # energies
        types.int64,  # init
    )


def ptx_for_sm90(layout: str = "replica") -> str:
    """PTX of :func:`anneal_kernel` (``layout="spin"``: :func:`anneal_kernel_t`) for compute capability 9.0
    (no GPU needed; the two take the same argument types).

    Raises ``RuntimeError`` under the CUDA simulator, which cannot compile.
    """
    if _SIMULATOR or getattr(cuda, "compile_ptx", None) is None:
        raise RuntimeError("PTX compilation is unavailable under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
    fn = _anneal_kernel_t if _check_layout(layout) == "spin" else _anneal_kernel
    ptx, _ = cuda.compile_ptx(fn, kernel_signature(), cc=(9, 0))
    return ptx


def _check_layout(layout: str) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    return layout


def _device_array(a, dtype):
    return cuda.to_device(np.ascontiguousarray(a, dtype=dtype))


def _copy_back(d_ary, host):
    if host.flags.c_contiguous:
        d_ary.copy_to_host(host)
    else:
        host[...] = d_ary.copy_to_host()


def anneal_batch_gpu(indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init,
                     layout: str = "replica", threads: int | None = None):
    """GPU twin of :func:`combopt.solvers.kernels.anneal_batch_cpu`.

    Every replica (row of the host array ``X``) runs the schedule ``betas`` with
    ``sweeps_per_beta`` sweeps per temperature. ``X``, ``F``, ``states`` and
    ``energies`` are host arrays updated in place; with ``init`` 1 the replicas
    start from random states and ``energies`` is overwritten, with ``init`` 0 the
    energy changes are added to it. ``layout``: how the device holds ``X`` and ``F``
    (``replica``: as the host does; ``spin``: transposed, see the module docstring). ``threads``: threads per
    block (default :data:`THREADS_PER_BLOCK`); fewer spread a small batch over more multiprocessors
    (1,024 replicas in blocks of 128 occupy 8 of an H200's 132), which ``benchmarks/gpu_check.py
    --threads`` measures.
    """
    tpb = THREADS_PER_BLOCK if threads is None else int(threads)
    if not 1 <= tpb <= 1024:
        raise ValueError(f"threads per block must be in 1..1024, got {threads!r}")
    R = X.shape[0]
    if R == 0:
        return
    if _check_layout(layout) == "spin":
        XT, FT = np.ascontiguousarray(X.T, dtype=np.int8), np.ascontiguousarray(F.T, dtype=np.float64)
        _launch(anneal_kernel_t, tpb, indptr, indices, data, h, betas, sweeps_per_beta, XT, FT, states, energies,
                init)
        X[...] = XT.T
        F[...] = FT.T
        return
    _launch(anneal_kernel, tpb, indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init)


def _launch(kernel, tpb, indptr, indices, data, h, betas, sweeps_per_beta, X, F, states, energies, init):
    R = states.shape[0]
    d_indptr = _device_array(indptr, np.int64)
    d_indices = _device_array(indices, np.int32)
    d_data = _device_array(data, np.float64)
    d_h = _device_array(h, np.float64)
    d_betas = _device_array(betas, np.float64)
    d_X = _device_array(X, np.int8)
    d_F = _device_array(F, np.float64)
    d_states = _device_array(states, np.uint64)
    d_E = _device_array(energies, np.float64)
    blocks = (R + tpb - 1) // tpb
    args = (d_indptr, d_indices, d_data, d_h, d_betas, int(sweeps_per_beta), d_X, d_F, d_states, d_E, int(init))
    if _SIMULATOR:
        # the Python fallback does uint64 arithmetic on NumPy scalars, which
        # wraps as intended but warns about it
        with np.errstate(over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            kernel[blocks, tpb](*args)
    else:
        kernel[blocks, tpb](*args)
        cuda.synchronize()
    _copy_back(d_X, X)
    _copy_back(d_F, F)
    _copy_back(d_states, states)
    _copy_back(d_E, energies)
