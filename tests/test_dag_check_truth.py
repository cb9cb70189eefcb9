"""`combopt check` on a DAG result's truth claims: SHD/TPR/FDR, the true edges and the true graph's scores.

The metrics of a result were printed by `solve --truth` and written to its JSON, but `check` never looked at them:
a result could say SHD 0 against any graph."""

from __future__ import annotations

import json

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.generators.dag import simulate, write_dataset
from combopt.problems.dag.metrics import count_accuracy


@pytest.fixture
def case(tmp_path):
    """Two datasets of d = 6 (different truths) and a topo result on the first, solved with its truth."""
    folders = []
    for seed in (1, 2):
        X, W = simulate(6, 1.5, 300, "ER", "gauss", seed)
        write_dataset(X, W, tmp_path / f"g{seed}")
        folders.append(tmp_path / f"g{seed}")
    p = combopt.read(folders[0] / "data.csv", "dag")
    p.set_truth(folders[0] / "edges.csv")
    res = combopt.solve(p, "topo", time_limit=2, seed=0)
    out = tmp_path / "r.json"
    out.write_text(json.dumps(res.to_dict()))
    return folders, out, res


def _check(folder, result, *extra):
    return main(["check", str(folder / "data.csv"), str(result), "-k", "dag", *extra])


def test_true_metrics_hold_with_and_without_the_truth_file(case, capsys):
    folders, out, res = case
    W = np.asarray(res.solution)
    truth = combopt.read(folders[0] / "data.csv", "dag").set_truth(folders[0] / "edges.csv").truth
    assert res.solution_json["metrics"] == count_accuracy(truth, W != 0)  # independent recount
    capsys.readouterr()
    assert _check(folders[0], out) == 0
    assert _check(folders[0], out, "--truth", str(folders[0] / "edges.csv")) == 0
    text = capsys.readouterr().out
    assert f"SHD {res.solution_json['metrics']['shd']} " in text and "claims: all hold" in text


def test_a_false_shd_is_refuted_from_the_results_own_true_edges(case, capsys):
    folders, out, res = case
    data = json.loads(out.read_text())
    real = data["solution"]["metrics"]["shd"]
    data["solution"]["metrics"]["shd"] = real + 3
    data["solution"]["metrics"]["tpr"] = 0.5 if data["solution"]["metrics"]["tpr"] != 0.5 else 0.25
    out.write_text(json.dumps(data))
    capsys.readouterr()
    assert _check(folders[0], out) == 1
    text = capsys.readouterr().out
    assert f"shd {real + 3} (is {real})" in text and "tpr" in text


def test_the_truth_file_refutes_a_result_made_against_another_truth(case, capsys):
    folders, out, _ = case
    capsys.readouterr()
    assert _check(folders[0], out, "--truth", str(folders[1] / "edges.csv")) == 1
    text = capsys.readouterr().out
    assert "truth_edges: the result's truth is not" in text and "truth_score" in text


def test_true_edges_and_metrics_rewritten_consistently_are_caught_by_the_truth_file(case, capsys):
    """A result whose truth_edges lost one true edge (metrics recomputed to match) holds by itself; the truth file
    refutes it."""
    folders, out, res = case
    data = json.loads(out.read_text())
    sol = data["solution"]
    W = np.asarray(res.solution)
    assert len(sol["truth_edges"]) >= 2
    c, e = sol["truth_edges"].pop(0)
    claimed = np.zeros_like(W)
    names = sol["names"]
    for a, b in sol["truth_edges"]:
        claimed[names.index(a), names.index(b)] = 1
    sol["metrics"] = count_accuracy(claimed, W != 0)
    for key in ("truth_score", "truth_refit_score"):
        sol.pop(key)
    out.write_text(json.dumps(data))
    capsys.readouterr()
    assert _check(folders[0], out) == 0  # consistent with itself
    assert _check(folders[0], out, "--truth", str(folders[0] / "edges.csv")) == 1
    assert f"in the truth only: [('{c}', '{e}')]" in capsys.readouterr().out


def test_a_result_without_true_edges_says_its_metrics_went_unchecked(case, capsys):
    folders, out, _ = case
    data = json.loads(out.read_text())
    del data["solution"]["truth_edges"]
    out.write_text(json.dumps(data))
    capsys.readouterr()
    assert _check(folders[0], out) == 0
    assert "metrics are not checked" in capsys.readouterr().out


def test_truth_on_another_kind_is_one_line(tmp_path, capsys):
    inst = tmp_path / "k.txt"
    inst.write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"problem": "mis", "solution": [0, 2]}))
    assert main(["check", str(inst), str(res), "-k", "mis", "--truth", str(inst)]) == 2
    assert "--truth applies to DAG-learning instances" in capsys.readouterr().err


def test_check_without_the_truth_file_says_the_true_score_went_unchecked(case, capsys):
    """The result's truth_edges carry no weights, so its truth_score cannot be recomputed without the truth file: a
    changed value passed with "claims: all hold" and no word."""
    folders, out, res = case
    data = json.loads(out.read_text())
    assert data["solution"]["truth_score"] is not None
    data["solution"]["truth_score"] += 5.0
    out.write_text(json.dumps(data))
    capsys.readouterr()
    assert _check(folders[0], out) == 0
    assert "note: the result's truth_score is not checked" in capsys.readouterr().out
    assert _check(folders[0], out, "--truth", str(folders[0] / "edges.csv")) == 1
    assert "truth_score: the result claims" in capsys.readouterr().out
