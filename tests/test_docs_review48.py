"""What a newcomer checking the README found (session 48): mec-auto's choice by cells rather than the shape it
documents, size-limit errors of mec-exact, ebim-exact and qaoa that did not name the file, and a malformed
COMBOPT_MAX_MEMORY blamed on the instance."""

from __future__ import annotations

import json

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import ParameterError, UnsuitedInstance
from combopt.problems.coupling.model import MEC


def test_mec_auto_sends_only_small_shapes_to_the_exact_search(tmp_path):
    rng = np.random.default_rng(0)

    def m(n):
        x = rng.random(n)
        return (x / x.sum()).tolist()

    thin = MEC([m(2), m(12)])
    r = combopt.solve(thin, "mec-auto", time_limit=1)
    assert r.info["chosen"] == "mec-ls"
    small = MEC([m(5), m(5)])
    assert combopt.solve(small, "mec-auto", time_limit=5).info["chosen"] == "mec-exact"


def test_size_limits_of_exact_coupling_solvers_name_the_file(tmp_path, capsys):
    rng = np.random.default_rng(1)
    f = tmp_path / "big.coupling.json"
    f.write_text(json.dumps({"marginals": [(np.ones(101) / 101).tolist(), (np.ones(100) / 100).tolist()]}))
    assert main(["solve", str(f), "-s", "mec-exact", "-t", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert f"{f}: mec-exact: mec-exact searches marginals of at most 200 symbols" in err
    w = rng.random(11)
    g = tmp_path / "e.coupling.json"
    g.write_text(json.dumps({"marginals": [(w / w.sum()).tolist()], "rate": 1.0}))
    with pytest.raises(UnsuitedInstance, match=r"e.coupling.json: ebim-exact: .* 11 symbols is more than max_n=10"):
        combopt.solve(str(g), "ebim-exact", time_limit=1)


def test_a_malformed_memory_budget_is_not_blamed_on_the_instance(tmp_path, monkeypatch, capsys):
    g = tmp_path / "t.clq"
    g.write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    monkeypatch.setenv("COMBOPT_MAX_MEMORY", "garbage")
    with pytest.raises(ParameterError) as e:
        combopt.read(g)
    assert str(e.value).startswith("COMBOPT_MAX_MEMORY expects a size") and "t.clq" not in str(e.value)


def test_a_ctrl_c_lost_inside_a_callback_still_stops_the_run(tmp_path, monkeypatch, capsys):
    """A KeyboardInterrupt raised inside a ctypes callback (llvmlite loading a cached kernel) is printed as ignored
    and dropped: the run went on to its time limit and exited 0. The CLI's handler records the Ctrl-C as well."""
    import combopt.api as api
    from combopt.core.stopping import interrupt_pending, request_interrupt

    g = tmp_path / "t.tsp"
    g.write_text("NAME: t\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                 "1 0 0\n2 3 0\n3 3 4\n4 0 4\n5 1 2\nEOF\n")

    def lost(problem, seconds=None):  # the Ctrl-C arrives and its exception is swallowed
        request_interrupt()
        return None

    monkeypatch.setattr(api, "_cheap_bound", lost)
    out = tmp_path / "r.json"
    assert main(["solve", str(g), "-s", "tsp-ls", "-t", "30", "-q", "-o", str(out)]) == 130
    data = json.loads(out.read_text())
    assert data["info"]["interrupted"] is True and data["runtime_s"] < 10 and data["feasible"]
    assert "interrupted" in capsys.readouterr().err
    assert not interrupt_pending()  # cleared for the next command in this process
    monkeypatch.undo()
    assert main(["solve", str(g), "-s", "tsp-ls", "-t", "1", "-q"]) == 0
