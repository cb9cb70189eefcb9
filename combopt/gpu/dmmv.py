"""Numba CUDA scoring of DMMV move candidates: one candidate per GPU thread.

The per-candidate logic is :func:`combopt.solvers.dmmv.kernels.score_one`
(screening on the most violated rows, then exact scoring of the touched rows),
the same function the parallel CPU batch :func:`score_batch_cpu` calls; the
kernel only maps a thread to a candidate. Under Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) the kernel calls ``score_one.py_func``. Nothing is
compiled at import time; :func:`ptx_for_sm90` compiles the kernel to PTX
without a GPU.
"""

from __future__ import annotations

import numpy as np
from numba import cuda, types

from ..core.device import cuda_simulator
from ..solvers.dmmv.kernels import score_one

__all__ = ["THREADS_PER_BLOCK", "CudaScorer", "kernel_signature", "ptx_for_sm90", "score_batch_gpu", "score_kernel"]

THREADS_PER_BLOCK = 128

_SIMULATOR = cuda_simulator()
_score = score_one.py_func if _SIMULATOR else score_one


def _score_kernel(count, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop,
                  cur_linf, tol, out_linf, out_dl2):
    c = cuda.grid(1)
    if c < count:
        _score(c, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop, cur_linf, tol,
               out_linf, out_dl2)


score_kernel = cuda.jit(_score_kernel)


def kernel_signature():
    """Argument types of a launch from :class:`CudaScorer` (C-contiguous device arrays, int64/float64 scalars)."""
    i64, f64 = types.int64, types.float64
    return (
        i64,  # count
        i64[::1], f64[::1], i64[::1], f64[::1],  # ci, cdvi, cj, cdvj
        i64[::1], i64[::1], f64[::1],  # cptr, crow, cval
        f64[::1], f64[::1], f64[::1], f64[::1], f64[::1],  # s, lower, upper, w, v
        i64[::1], i64, f64, f64[:, ::1],  # top, ntop, theta, Atop
        f64, f64,  # cur_linf, tol
        f64[::1], f64[::1],  # out_linf, out_dl2
    )


def ptx_for_sm90() -> str:
    """PTX of :func:`score_kernel` for compute capability 9.0 (no GPU needed)."""
    if _SIMULATOR or getattr(cuda, "compile_ptx", None) is None:
        raise RuntimeError("PTX compilation is unavailable under the CUDA simulator (NUMBA_ENABLE_CUDASIM=1)")
    ptx, _ = cuda.compile_ptx(_score_kernel, kernel_signature(), cc=(9, 0))
    return ptx


def _dev(a, dtype):
    return cuda.to_device(np.ascontiguousarray(a, dtype=dtype))


def _launch(count, args):
    blocks = (count + THREADS_PER_BLOCK - 1) // THREADS_PER_BLOCK
    score_kernel[blocks, THREADS_PER_BLOCK](count, *args)
    if not _SIMULATOR:
        cuda.synchronize()


def score_batch_gpu(count, ci, cdvi, cj, cdvj, cptr, crow, cval, s, lower, upper, w, v, top, ntop, theta, Atop,
                    cur_linf, tol, out_linf, out_dl2):
    """GPU twin of :func:`combopt.solvers.dmmv.kernels.score_batch_cpu` (host arrays in and out)."""
    count = int(count)
    if count <= 0:
        return
    args = (_dev(ci, np.int64), _dev(cdvi, np.float64), _dev(cj, np.int64), _dev(cdvj, np.float64),
            _dev(cptr, np.int64), _dev(crow, np.int64), _dev(cval, np.float64), _dev(s, np.float64),
            _dev(lower, np.float64), _dev(upper, np.float64), _dev(w, np.float64), _dev(v, np.float64),
            _dev(top, np.int64), int(ntop), float(theta), _dev(Atop, np.float64), float(cur_linf), float(tol))
    d_l = _dev(out_linf, np.float64)
    d_d = _dev(out_dl2, np.float64)
    _launch(count, (*args, d_l, d_d))
    out_linf[:] = d_l.copy_to_host()
    out_dl2[:] = d_d.copy_to_host()


class CudaScorer:
    """Scorer of :class:`combopt.solvers.dmmv.DMMVSearch`'s host driver on the GPU.

    The model (CSC matrix, bounds, weights) is copied to the device once; each
    call copies the row sums, violations, top rows and the candidates in and
    the two score arrays out.
    """

    def __init__(self, model):
        cptr, crow, cval = model.csc_arrays()
        self.d_cptr = _dev(cptr, np.int64)
        self.d_crow = _dev(crow, np.int64)
        self.d_cval = _dev(cval, np.float64)
        self.d_lower = _dev(model.lower, np.float64)
        self.d_upper = _dev(model.upper, np.float64)
        self.d_w = _dev(model.weights, np.float64)

    def __call__(self, S, cnt: int, ntop: int, theta: float, linf: float) -> None:
        if cnt <= 0:
            return
        args = (_dev(S.ci[:cnt], np.int64), _dev(S.cdvi[:cnt], np.float64), _dev(S.cj[:cnt], np.int64),
                _dev(S.cdvj[:cnt], np.float64), self.d_cptr, self.d_crow, self.d_cval, _dev(S.s, np.float64),
                self.d_lower, self.d_upper, self.d_w, _dev(S.v, np.float64), _dev(S.top, np.int64), int(ntop),
                float(theta), _dev(S.Atop, np.float64), float(linf), float(S.tol))
        d_l = cuda.device_array(cnt, dtype=np.float64)
        d_d = cuda.device_array(cnt, dtype=np.float64)
        _launch(cnt, (*args, d_l, d_d))
        S.out_linf[:cnt] = d_l.copy_to_host()
        S.out_dl2[:cnt] = d_d.copy_to_host()
