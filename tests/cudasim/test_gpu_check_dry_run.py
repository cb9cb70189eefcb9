"""benchmarks/gpu_check.py end to end under the CUDA simulator, the CPU standing in for the GPU.

Device time is scarce (minutes a session, when one is lent at all): a section that fails for a reason a CPU
could have shown (a typo, a changed signature, an input file moved) must fail here first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def gpu_check(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    sys.modules.pop("gpu_check", None)
    import gpu_check

    monkeypatch.setattr(gpu_check, "GPU", "cpu")
    return gpu_check


def test_every_section_runs_and_agrees(gpu_check, tmp_path):
    rc = gpu_check.main(["--tiny", "--replicas", "3", "5", "--sweeps", "3", "--solve-seconds", "0.3",
                         "--only", "sa,coupling,dag,solves", "--out-dir", str(tmp_path)])
    data = json.loads((tmp_path / "gpu_check.json").read_text())
    names = [r["name"] for r in data["results"]]
    assert rc == 0, [(r["name"], r["problems"]) for r in data["results"] if not r["ok"]]
    # 2 QUBOs x 2 replica counts x 2 layouts, one coupling batch, one DAG, four end-to-end solves
    assert len(names) == 8 + 1 + 1 + 4
    assert sum("spin-major" in n for n in names) == 4 and sum("replica-major" in n for n in names) == 4
    assert all(r["ok"] for r in data["results"])
    md = (tmp_path / "gpu_check.md").read_text()
    assert md.count("| OK |") == len(names)


def test_a_failing_section_is_reported_and_the_rest_still_run(gpu_check, tmp_path, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("kernel launch failed")

    monkeypatch.setattr(gpu_check, "check_coupling", boom)
    rc = gpu_check.main(["--tiny", "--replicas", "3", "--sweeps", "2", "--only", "coupling,dag",
                         "--out-dir", str(tmp_path)])
    data = json.loads((tmp_path / "gpu_check.json").read_text())
    assert rc == 1
    by_name = {r["name"]: r for r in data["results"]}
    assert not by_name["coupling 256"]["ok"] and "kernel launch failed" in by_name["coupling 256"]["problems"][0]
    assert any(n.startswith("dag topo") and r["ok"] for n, r in by_name.items())


def test_block_sizes_and_layouts_multiply(gpu_check, tmp_path):
    rc = gpu_check.main(["--tiny", "--replicas", "5", "--sweeps", "2", "--only", "sa", "--layouts", "replica",
                         "--threads", "2", "4", "--out-dir", str(tmp_path)])
    data = json.loads((tmp_path / "gpu_check.json").read_text())
    assert rc == 0
    # 2 QUBOs x 1 layout x 2 block sizes, every one agreeing with the CPU
    assert sorted(r["threads_per_block"] for r in data["results"]) == [2, 2, 4, 4]
    assert all(r["ok"] and r["layout"] == "replica" and "threads/block" in r["name"] for r in data["results"])


def test_unknown_section_is_refused(gpu_check, tmp_path):
    with pytest.raises(SystemExit):
        gpu_check.main(["--only", "sa,tsp", "--out-dir", str(tmp_path)])


def test_gpu_work_counts_the_cupy_scorers_and_restores_them(gpu_check):
    """``Result.device`` is the device asked for: the solves section counts what ran on the GPU instead."""
    import numpy as np

    from combopt.gpu.dag import XPSwapScorer, swap_deltas_xp

    before = XPSwapScorer.__call__
    L = np.linalg.cholesky(np.array([[2.0, 0.5, 0.1], [0.5, 1.5, 0.2], [0.1, 0.2, 1.0]]))
    with gpu_check.GPUWork() as work:
        assert work.launches == 0
        out = XPSwapScorer(np)(L, np.array([0, 1]), np.array([1, 2]))
    assert work.launches == 1 and XPSwapScorer.__call__ is before
    np.testing.assert_allclose(out, swap_deltas_xp(np, L, np.array([0, 1]), np.array([1, 2])))
