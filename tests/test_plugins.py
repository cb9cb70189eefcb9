"""A family from another package, through the entry-point group ``combopt.families``.

``tests/plugin_example`` holds a tiny plugin (kind ``pickk``) with its entry-point metadata; with
that folder on ``PYTHONPATH`` the installed combopt finds it like any pip-installed plugin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "plugin_example"


def _run(*args, tmp_path, extra_path=EXAMPLE):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(extra_path), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "combopt", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)


def test_plugin_family_solves_and_checks_through_the_cli(tmp_path):
    out = tmp_path / "r.json"
    p = _run("solve", str(EXAMPLE / "five.pickk"), "--out", str(out), "-q", tmp_path=tmp_path)
    assert p.returncode == 0, p.stderr
    res = json.loads(out.read_text())
    assert res["problem"] == "pickk" and res["solver"] == "pickk-sort"
    assert res["objective"] == 9 + 7 + 5 and res["status"] == "optimal"
    assert sorted(res["solution"]) == [0, 2, 4]
    listed = _run("solvers", "pickk", tmp_path=tmp_path)
    assert listed.returncode == 0 and "pickk-sort" in listed.stdout


def test_plugin_reader_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.pickk"
    bad.write_text("2\n1\nzwei\n")
    p = _run("solve", str(bad), tmp_path=tmp_path)
    assert p.returncode == 2
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "bad.pickk:3:" in lines[0] and "expected a number" in lines[0]


def test_a_broken_plugin_warns_and_combopt_still_works(tmp_path):
    broken = tmp_path / "site"
    info = broken / "broken_family-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-family\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[combopt.families]\nbroken = no_such_module_for_combopt\n")
    p = _run("solvers", "mis", tmp_path=tmp_path, extra_path=broken)
    assert p.returncode == 0
    assert "ils" in p.stdout
    assert "broken" in p.stderr and "failed to load" in p.stderr


def test_without_the_plugin_the_kind_is_unknown(tmp_path):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    p = subprocess.run([sys.executable, "-m", "combopt", "solve", str(EXAMPLE / "five.pickk")], capture_output=True,
                       text=True, env=env, cwd=tmp_path, timeout=120)
    assert p.returncode == 2 and "pickk" not in p.stdout
