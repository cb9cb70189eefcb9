"""A GPU path that fails inside the CUDA stack is a GPUError: one line naming the solver, the library and the way out.

The first run of combopt's kernels on a real GPU (an H200, numba-cuda 0.30.4 with NumPy 2.5) died with an
AttributeError from deep inside the kernel compiler; a user of the CLI got a traceback. Here the same kind of
failure is produced without a GPU: the GPU is reported visible, so ``device="gpu"`` is accepted, and the CUDA
driver (absent here) fails at the first launch.
"""

from __future__ import annotations

import pytest

import combopt
from combopt.core import device
from combopt.core.errors import GPUError, ParameterError


def _raise_from(filename: str, exc: BaseException):
    """Raise ``exc`` from a frame whose file is ``filename`` (a library's path)."""
    code = compile("def f(e):\n    raise e\n", filename, "exec")
    ns: dict = {}
    exec(code, ns)
    ns["f"](exc)


@pytest.mark.parametrize("path,lib", [
    ("/venv/lib/python3.12/site-packages/numba_cuda/numba/cuda/np/arrayobj.py", "numba-cuda"),
    ("/venv/lib/python3.12/site-packages/numba/cuda/cudadrv/driver.py", "numba.cuda"),
    ("/venv/lib/python3.12/site-packages/cupy/_core/core.py", "CuPy"),
    ("/venv/lib/python3.12/site-packages/cupy_backends/cuda/api/runtime.py", "CuPy"),
])
def test_failures_inside_the_cuda_stack_are_recognised(path, lib):
    with pytest.raises(AttributeError) as e:
        _raise_from(path, AttributeError("module 'numpy' has no attribute 'row_stack'"))
    assert device.gpu_stack_of(e.value) == lib


def test_failures_elsewhere_are_not_blamed_on_the_gpu():
    with pytest.raises(ValueError) as e:
        _raise_from("/venv/lib/python3.12/site-packages/numpy/core/fromnumeric.py", ValueError("shapes"))
    assert device.gpu_stack_of(e.value) is None
    # raised in combopt's own code after a CUDA call returned: combopt's, not the stack's
    with pytest.raises(ParameterError) as e:
        _raise_from("/repo/combopt/solvers/anneal.py", ParameterError("num_reads must be positive"))
    assert device.gpu_stack_of(e.value) is None


@pytest.fixture
def pretend_gpu(monkeypatch):
    """Without a GPU: report one visible, and the missing CUDA driver fails at the first launch. With a real GPU
    (whose driver would not fail): the annealing launch raises the driver's error from a frame of numba.cuda."""
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    if device.gpu_available():
        from numba.cuda.cudadrv.error import CudaSupportError

        import combopt.gpu.anneal as gpu_anneal

        def broken(*args, **kwargs):
            _raise_from("/venv/lib/python3.12/site-packages/numba/cuda/cudadrv/driver.py",
                        CudaSupportError("Error at driver init: CUDA driver library cannot be found"))

        monkeypatch.setattr(gpu_anneal, "anneal_batch_gpu", broken)
    monkeypatch.setattr(device, "gpu_available", lambda: True)


def test_solve_on_a_broken_gpu_raises_gpu_error(pretend_gpu):
    q = combopt.QUBO.random(10, 1.0, seed=1)
    with pytest.raises(GPUError, match=r"sa on the GPU failed inside numba\.cuda: CudaSupportError") as e:
        combopt.solve(q, "sa", device="gpu", max_iterations=1)
    assert "--device cpu" in str(e.value)
    assert e.value.__cause__ is not None  # the library's exception stays chained for a developer
    # the CPU path of the same call is unaffected
    assert combopt.solve(q, "sa", device="cpu", max_iterations=1, seed=0).feasible


def test_cli_on_a_broken_gpu_exits_2_with_one_line(pretend_gpu, tmp_path, capsys):
    from combopt.cli.app import main

    f = tmp_path / "q.qubo.json"
    combopt.QUBO.random(10, 1.0, seed=1).write_json(f)
    rc = main(["solve", str(f), "--device", "gpu", "--max-iterations", "1", "-q"])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("combopt: error: sa on the GPU failed inside numba.cuda") and "--device cpu" in err
