"""Review 50 (results as files and pictures): pictures and reports of results say what the result says, and draw
the edge cases (a project without resources, names with dollar signs) without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from combopt.cli.app import main

PNG = b"\x89PNG\r\n\x1a\n"


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def rcpsp_file(tmp_path: Path, name: str, tasks: list[dict], resources: list[dict]) -> Path:
    p = tmp_path / f"{name}.rcpsp.json"
    p.write_text(json.dumps({"format": "combopt-rcpsp", "version": 1, "name": name, "resources": resources,
                             "tasks": tasks}))
    return p


def test_gantt_of_a_project_without_resources(tmp_path, capsys):
    """A project with no resources (one task of duration 2): --plot drew nothing and ended in a traceback (argmax of
    an empty row of demand shares), after writing the result; now the Gantt chart has the one grey bar [0, 2)."""
    inst = rcpsp_file(tmp_path, "nores", [{"name": "A", "duration": 2}], [])
    out, pic = tmp_path / "r.json", tmp_path / "g.png"
    rc, _, err = run_cli(capsys, "solve", inst, "-s", "rcpsp-sgs", "-q", "-o", out, "--plot", pic)
    assert rc == 0, err
    assert json.loads(out.read_text())["objective"] == 2
    assert pic.read_bytes().startswith(PNG)
    pic2 = tmp_path / "c.png"
    rc, _, err = run_cli(capsys, "check", inst, out, "--plot", pic2)
    assert rc == 0, err
    assert pic2.read_bytes().startswith(PNG)
    import combopt

    p = combopt.read(inst)
    fig = p.figure([0], "x")
    bars = [b for c in fig.axes[0].containers for b in c]
    assert [(b.get_x(), b.get_width()) for b in bars] == [(0, 2)]
    assert len(fig.axes) == 1  # no resource panels
