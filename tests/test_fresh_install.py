"""What a base install (no extras) meets: found by installing the wheel into a fresh virtual environment."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import MissingDependencyError

ROOT = Path(__file__).resolve().parents[1]


def test_highs_is_a_base_dependency():
    """`mdkp-core`, the default MDKP solver, the DMMV window MILPs and the MIS reductions import highspy: on a base
    install the README's MDKP command ended in a ModuleNotFoundError traceback, and `combopt warmup` with it."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.replace(" ", "").startswith("highspy") for d in deps)


@pytest.mark.parametrize("phantom", ["shepp-logan", "blobs"])
def test_a_generated_phantom_without_scikit_image_is_one_line(tmp_path, monkeypatch, capsys, phantom):
    """The README's tomography spec on a base install was a traceback (`No module named 'skimage'`)."""
    monkeypatch.setitem(sys.modules, "skimage", None)
    monkeypatch.setitem(sys.modules, "skimage.data", None)
    monkeypatch.setitem(sys.modules, "skimage.transform", None)
    spec = tmp_path / "t.toml"
    spec.write_text(f'kind = "tomography"\nphantom = "{phantom}"\nsize = 8\nangles = 4\n')
    with pytest.raises(MissingDependencyError, match=r"scikit-image.*combopt\[dmmv\]"):
        combopt.read(spec)
    assert main(["solve", str(spec), "-t", "1"]) == 2
    err = capsys.readouterr().err
    assert "scikit-image" in err and "Traceback" not in err


def test_the_warmup_tomography_needs_no_optional_package(monkeypatch):
    """`combopt warmup` on a base install stopped at the dmmv family: its tomography file drew a Shepp-Logan."""
    monkeypatch.setitem(sys.modules, "skimage", None)
    p = combopt.read(ROOT / "combopt" / "data" / "warmup" / "tiny_tomo.toml")
    assert p.kind == "tomography" and p.phantom.shape == (8, 8)


def test_warmup_names_the_solvers_it_could_not_run_for_a_missing_package(monkeypatch):
    """`combopt warmup -s rcpsp-cpsat` without OR-Tools said "compiled the kernels of 1 solver(s)"."""
    from combopt import warmup

    todo = warmup.jobs(solver="rcpsp-cpsat")[:1] + warmup.jobs(solver="rcpsp-sgs")[:1]
    monkeypatch.setitem(sys.modules, "ortools", None)
    monkeypatch.setitem(sys.modules, "ortools.sat", None)
    monkeypatch.setitem(sys.modules, "ortools.sat.python", None)
    monkeypatch.setitem(sys.modules, "ortools.sat.python.cp_model", None)
    done = warmup.warm(todo)
    lines = warmup.summary(done, 1.0)
    assert lines[0].startswith("compiled the kernels of 1 solver(s)")
    assert len(lines) == 2 and lines[1].startswith("not compiled: rcpsp-cpsat:") and "ortools" in lines[1].lower()


def test_bench_of_a_missing_file_is_one_line_exit_2(tmp_path, capsys):
    """`combopt bench nosuch.toml` printed a table with one error row and exited 0."""
    assert main(["bench", str(tmp_path / "nosuch.toml")]) == 2
    assert "nosuch.toml: no such file or folder" in capsys.readouterr().err
    assert main(["bench", str(tmp_path / "nosuch.txt#2"), "-t", "1"]) == 2
    assert "nosuch.txt: no such file or folder" in capsys.readouterr().err
