"""``combopt solve --plot`` of a run that proves the project infeasible writes the result and notes that nothing
was drawn, as ``check --plot`` does; it exited 2 ("nothing to draw") after writing the result."""

import json

import pytest
from test_cli import run_cli

from combopt.problems.rcpsp.model import RCPSP, Downtime


def test_infeasible_solve_with_plot_exits_cleanly(tmp_path, capsys):
    pytest.importorskip("ortools")
    from combopt.problems.rcpsp.formats import rcpsp_to_json

    P = RCPSP([2], [[1]], [1], [[]], deadline=[4], downtime=[Downtime(0, 0, 5, 0)])
    inst = tmp_path / "x.rcpsp.json"
    inst.write_text(json.dumps(rcpsp_to_json(P)))
    out, pic = tmp_path / "r.json", tmp_path / "p.png"
    rc, _, err = run_cli(capsys, "solve", str(inst), "-s", "rcpsp-cpsat", "-t", "5", "-q", "-o", str(out),
                         "--plot", str(pic))
    assert rc == 0, err
    assert json.loads(out.read_text())["status"] == "infeasible"
    assert not pic.exists() and "not drawn" in " ".join(err.split())


def test_schedule_that_is_not_json_names_its_line(tmp_path, capsys):
    from pathlib import Path

    from combopt.problems.rcpsp.plot import main

    sm = Path(__file__).parent / "data" / "rcpsp" / "j301_1.sm"
    bad = tmp_path / "s.json"
    bad.write_text('{"start": [0, 1,\n 2,, 3]}\n')
    assert main([str(sm), str(bad), "--out", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err and "not a schedule JSON" in err
