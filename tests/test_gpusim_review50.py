"""Review 50 of the GPU code paths, checked without a GPU (the CUDA simulator in a subprocess, or the GPU classes
replaced by recording stand-ins that run the CPU twin)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from test_cli import assert_user_error, run_cli

import combopt
from combopt.problems.rcpsp.model import RCPSP

ROOT = Path(__file__).resolve().parent.parent


def _under_simulator(code: str) -> str:
    """Run ``code`` in a fresh interpreter with ``NUMBA_ENABLE_CUDASIM=1``; returns its stdout (fails on an error)."""
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _small_rcpsp():
    return RCPSP(durations=[4, 3, 5, 2], capacities=[2, 1], demands=[[1, 1], [1, 0], [2, 1], [1, 1]],
                 successors=[[2], [3], [], []])


def test_gpu_decoder_chunks_its_workspace_as_the_cpu_does(monkeypatch):
    """The GPU decoder took every list of a call at once: its (B, H, R) usage workspace was not bounded by
    MAX_WORKSPACE as the CPU's is (700 lists of a 1.4-million-unit horizon: 7.8 GB at once, the CPU 95 lists at a
    time, 1.06 GB). Here a recording stand-in for the device decoder runs the CPU kernel."""
    import combopt.gpu.rcpsp as gpu_rcpsp
    from combopt.problems.rcpsp import kernels as K
    from combopt.problems.rcpsp import sgs
    from combopt.solvers.rcpsp.decoder import BatchDecoder

    seen = []

    class Recording(gpu_rcpsp.GpuDecoder):
        def __init__(self, arrays):
            self.host = arrays
            self.n = arrays["dur"].shape[0]
            self.H, self.R = arrays["cap"].shape

        def decode(self, lists, fbi, starts, info):
            B = lists.shape[0]
            seen.append(B)
            a = self.host
            ws = [np.zeros((B, self.H, self.R), np.int32)] + [np.zeros((B, self.n), np.int32) for _ in range(3)]
            K.decode_batch_serial(np.ascontiguousarray(lists), a["dur"], a["dem"], a["cap"], a["pred_ptr"],
                                  a["pred_idx"], a["succ_ptr"], a["succ_idx"], a["disj_ptr"], a["disj_idx"],
                                  a["release"], a["deadline"], a["rank"], fbi, *ws, np.zeros((B, self.n), np.int64),
                                  starts, info)

    monkeypatch.setattr(gpu_rcpsp, "GpuDecoder", Recording)
    p = _small_rcpsp()
    monkeypatch.setattr(sgs, "MAX_WORKSPACE", 3 * p.horizon * 2)  # three lists' (H, R) usage at a time
    gpu = BatchDecoder(p, "gpu")
    assert gpu.max_batch == 3
    lists = np.array([[0, 1, 2, 3], [1, 0, 3, 2]] * 5, dtype=np.int32)
    starts, info = gpu.decode(lists, True)
    assert seen == [3, 3, 3, 1]
    cpu_starts, cpu_info = BatchDecoder(p, "cpu").decode(lists, True)
    np.testing.assert_array_equal(starts, cpu_starts)
    np.testing.assert_array_equal(info, cpu_info)
    ev = p.evaluate(starts[0].astype(np.int64))
    assert ev.feasible and ev.objective == info[0, 0] == 11


@pytest.mark.parametrize("device", ["cpu", "auto"])
@pytest.mark.parametrize("backend", ["cuda", "cupy"])
def test_gpu_backend_on_a_cpu_run_is_refused(capsys, device, backend):
    """``-p gpu_backend=cupy --device cpu`` ran the CPU search and said nothing: the parameter picks the GPU path's
    scorer. Now one line, exit 2; ``gpu_backend=auto`` (the default) still runs on the CPU."""

    fir = ROOT / "tests" / "data" / "dmmv" / "fir_f1.toml"
    rc, _, err = run_cli(capsys, "solve", fir, "-p", f"gpu_backend={backend}", "--device", device,
                         "--max-iterations", "1", "-q")
    assert_user_error(rc, err, f"gpu_backend={backend}", "--device gpu")
    with pytest.raises(combopt.ParameterError, match="GPU path"):
        combopt.solve(combopt.read(fir), "dmmv", device=device, gpu_backend=backend, max_iterations=1)
    res = combopt.solve(combopt.read(fir), "dmmv", device=device, gpu_backend="auto", max_iterations=1)
    assert res.device == "cpu" and res.feasible and res.info["backend"] == "numba-cpu"


def test_readme_names_the_solvers_that_run_with_device_gpu():
    """The README said "Every GPU path runs with `--device gpu`", but the couplings' GPU path (greedy_batch_gpu) is
    a function no solver calls: `combopt solve pair4.coupling.json --device gpu` says "this solver has no GPU path".
    The sentence now names the solvers, and they are the registry's."""
    import re

    from combopt.core.registry import all_solvers

    readme = (ROOT / "README.md").read_text()
    m = re.search(r"The GPU paths of ((?:`[a-z-]+`(?:, | and )?)+) run with\s+`--device gpu`", readme)
    assert m, "README: the sentence naming the solvers with a GPU path"
    named = set(re.findall(r"`([a-z-]+)`", m.group(1)))
    assert named == {s.name for s in all_solvers() if "gpu" in s.devices} == {"sa", "dmmv", "rcpsp-ga", "topo"}
    assert "Every GPU path runs with" not in readme
    assert not any("gpu" in s.devices for s in all_solvers() if s.name.startswith(("mec", "ebim")))


def test_simulated_gpu_decoder_keeps_its_workspace_to_max_batch():
    """The same under the CUDA simulator, through the real device decoder: its cached workspace holds at most
    ``max_batch`` lists, and the schedules are the CPU's."""
    out = _under_simulator("""
        import numpy as np
        from combopt.problems.rcpsp import sgs
        from combopt.problems.rcpsp.model import RCPSP
        from combopt.solvers.rcpsp.decoder import BatchDecoder

        p = RCPSP(durations=[4, 3, 5, 2], capacities=[2, 1], demands=[[1, 1], [1, 0], [2, 1], [1, 1]],
                  successors=[[2], [3], [], []])
        sgs.MAX_WORKSPACE = 3 * p.horizon * 2
        lists = np.array([[0, 1, 2, 3], [1, 0, 3, 2]] * 5, dtype=np.int32)
        gpu = BatchDecoder(p, "gpu")
        s, i = gpu.decode(lists, True)
        c = BatchDecoder(p, "cpu").decode(lists, True)
        print(gpu.max_batch, gpu._gpu._cap_B, gpu._gpu._ws["usage"].shape[0], np.array_equal(s, c[0]),
              np.array_equal(i, c[1]), int(i[:, 0].max()))
    """)
    assert out.split() == ["3", "3", "3", "True", "True", "11"]


def test_device_gpu_with_a_cpu_only_default_names_the_solver_and_the_way_out(capsys):
    """`combopt solve johnson8-2-4.clq --device gpu` said "this solver has no GPU path" though the user had named
    no solver (the clique default is sa-ils); the line now names it and the kind's solvers that have a GPU path."""
    clq = ROOT / "tests" / "data" / "johnson8-2-4.clq"
    rc, _, err = run_cli(capsys, "solve", clq, "--device", "gpu", "-t", "1", "-q")
    assert_user_error(rc, err, "solver 'sa-ils' has no GPU path", "--device cpu", "(--solver sa)")
    pair = ROOT / "tests" / "data" / "coupling" / "pair4.coupling.json"
    rc, _, err = run_cli(capsys, "solve", pair, "--device", "gpu", "-t", "1", "-q")
    assert_user_error(rc, err, "solver 'mec-auto' has no GPU path; use --device cpu or auto")
    assert "--solver" not in err  # no coupling solver has one
    with pytest.raises(combopt.ParameterError, match=r"solver 'pt' has no GPU path.*\(--solver sa\)"):
        combopt.solve(combopt.QUBO.random(5, 1.0, seed=1), "pt", device="gpu", max_iterations=1)


def test_sort_batch_breaks_ties_by_the_smaller_index():
    """numpy's default argsort (introsort) put index 399 first among 200 equal values of 0.2."""
    from combopt.solvers.coupling.kernels import sort_batch

    P = np.tile(np.array([0.1, 0.2] * 200), (1, 1, 1))
    _, VI, _ = sort_batch(P)
    assert list(VI[0, 0, :3]) == [1, 3, 5] and list(VI[0, 0, 200:203]) == [0, 2, 4]


def test_dag_scorer_asks_cupy_to_raise_on_a_failed_cholesky(monkeypatch):
    """CuPy ignores cuSOLVER's status unless told otherwise: a block that is not positive definite would score a
    finite swap. The scorer runs its factorisations inside ``cupyx.errstate(linalg="raise")`` when xp is CuPy."""
    import contextlib
    import types

    from combopt.gpu.dag import raising_linalg

    asked = []
    fake_cupyx = types.ModuleType("cupyx")
    fake_cupyx.errstate = lambda **kw: asked.append(kw) or contextlib.nullcontext()
    monkeypatch.setitem(sys.modules, "cupyx", fake_cupyx)
    fake_cupy = types.ModuleType("cupy")
    with raising_linalg(fake_cupy):
        assert asked == [{"linalg": "raise"}]  # entered: CuPy's errstate is in force inside
    with raising_linalg(np):  # numpy raises by itself: no errstate asked
        assert asked == [{"linalg": "raise"}]
