"""Review 50 (dagsolve): the DAG solvers on tiny data, against exact answers, and under hostile input."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import InputError, ParameterError
from combopt.problems.dag import DAGProblem, is_dag
from combopt.problems.dag.model import order_score


def _data(seed: int = 0, n: int = 40, d: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:, 1] += X[:, 0]
    X[:, 3] += 2 * X[:, 1]
    return X


def test_restarts_do_not_begin_once_the_time_limit_is_spent():
    # every start of a batch was searched and fitted after the limit: restarts=20000 on 4 variables ran 120 s at -t 2;
    # now the starts run `workers` at a time and none begins after the limit (the first batch of workers always runs)
    r = combopt.solve(DAGProblem(_data()), "topo", restarts=500, workers=2, time_limit=1e-6, seed=1)
    assert 1 <= r.info["starts"] <= 2
    assert r.feasible and is_dag(np.asarray(r.solution))


def test_restarts_without_a_limit_all_run_and_threads_do_not_change_the_answer():
    p = DAGProblem(_data(2))
    r1 = combopt.solve(p, "topo", init="random", restarts=7, workers=3, seed=5)
    r2 = combopt.solve(p, "topo", init="random", restarts=7, workers=1, seed=5)
    assert r1.info["starts"] == r2.info["starts"] == 7
    assert r1.info["start_scores"] == r2.info["start_scores"]
    assert r1.objective == r2.objective == pytest.approx(min(r1.info["start_scores"]), rel=1e-12)


@pytest.mark.parametrize("rtol", [1, 2, 1e9])
def test_an_rtol_no_swap_can_meet_is_refused(rtol):
    # a swap must lower the score by more than rtol times the score: from rtol = 1 on none can (the score is >= 0),
    # and rtol=2 ran the greedy start order unsearched without a word
    with pytest.raises(ParameterError, match="rtol must be below 1"):
        combopt.solve(DAGProblem(_data()), "topo", rtol=rtol)
    r = combopt.solve(DAGProblem(_data()), "topo", rtol=0.5, init="random", seed=3)
    assert r.feasible


def test_the_bound_is_read_off_the_rank_check_not_two_more_inversions(monkeypatch):
    # solve asked the problem for its bound twice (objective_scale and the cheap bound), each a fresh inverse of the
    # d x d covariance: 2 x 5.3 s of a 1 s run at d = 3000; the rank check's factor already has every term
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 5)) @ rng.normal(size=(5, 5)) * rng.uniform(0.1, 10, 5)
    p = DAGProblem(X)
    expected = 0.5 * float(np.sum(1.0 / np.diag(np.linalg.inv(p.S))))
    real_inv, sizes = np.linalg.inv, []
    monkeypatch.setattr(np.linalg, "inv", lambda a: sizes.append(np.shape(a)) or real_inv(a))
    r = combopt.solve(p, "topo", threshold=0)
    assert (5, 5) not in sizes
    assert r.bound == pytest.approx(expected, rel=1e-9) and r.bound <= expected
    best = min(order_score(p.S, o) for o in itertools.permutations(range(5)))
    assert r.bound <= best <= r.objective * (1 + 1e-12)


@pytest.mark.parametrize("where", ["edge_weight", "metric", "truth_refit_score", "bound"])
def test_check_of_a_result_stating_a_400_digit_integer_is_a_mismatch_not_a_traceback(tmp_path, capsys, where):
    # float() of a JSON integer of hundreds of digits raised OverflowError inside the dag claims: a traceback (exit 1)
    data, truth, res = tmp_path / "x.csv", tmp_path / "t.csv", tmp_path / "r.json"
    np.savetxt(data, _data(), delimiter=",", header="a,b,c,d", comments="")
    truth.write_text("a,b\nb,d\n")
    assert main(["solve", str(data), "--kind", "dag", "--truth", str(truth), "-o", str(res)]) == 0
    r = json.loads(res.read_text())
    huge = 10 ** 400
    if where == "edge_weight":
        r["solution"]["edges"][0]["weight"] = huge
    elif where == "metric":
        r["solution"]["metrics"]["shd"] = huge
    elif where == "truth_refit_score":
        r["solution"]["truth_refit_score"] = huge
    else:
        r["bound"] = huge
    res.write_text(json.dumps(r))
    capsys.readouterr()
    assert main(["check", str(data), str(res)]) == 1
    out = capsys.readouterr().out
    key = {"edge_weight": "edges:", "metric": "metrics:", "truth_refit_score": "truth_refit_score:",
           "bound": "bound:"}[where]
    assert f"mismatch: {key}" in out and "Traceback" not in out


@pytest.mark.parametrize("cell", ["1_0", "\u0661\u0662", "\uff11\uff12"])
def test_a_data_cell_python_alone_reads_as_a_number_is_refused_on_its_line(tmp_path, cell):
    # float() reads "1_0" as 10 and Arabic-Indic or fullwidth digits as 12: a typo became data without a word (the
    # fast numpy parser refuses them, the row reader took them); graph indices were already ASCII digits only
    X = _data()
    rows = ["a,b,c,d"] + [",".join(f"{v:.6f}" for v in r) for r in X]
    rows[3] = ",".join([cell] + rows[3].split(",")[1:])
    f = tmp_path / "x.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        combopt.read(str(f), kind="dag")
    assert e.value.line == 4 and "is not a number" in str(e.value)


def test_a_headerless_first_row_with_such_a_cell_is_refused_not_taken_for_names(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("\n".join(",".join(f"{v:.6f}" for v in r) for r in _data()).replace("0.", "0_0.", 1) + "\n")
    with pytest.raises(InputError) as e:
        combopt.read(str(f), kind="dag")
    assert e.value.line == 1 and "is not a number" in str(e.value)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_an_init_adjacency_with_nan_or_inf_is_refused(bad):
    # NaN != 0, so a NaN entry was an edge of the start graph, where the truth array refuses non-finite entries
    A = np.zeros((4, 4))
    A[0, 1] = bad
    with pytest.raises(ParameterError, match="finite 4 x 4 adjacency"):
        combopt.solve(DAGProblem(_data()), "topo", init=A)
    A[0, 1] = 1.0
    assert combopt.solve(DAGProblem(_data()), "topo", init=A).feasible
