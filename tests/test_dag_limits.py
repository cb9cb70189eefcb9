"""DAG learning under limits: stopping inside long phases, Ctrl-C, degenerate data, kind detection of ``.npy``."""

from __future__ import annotations

import signal
import threading

import numpy as np
import pytest

import combopt
import combopt.solvers.dag.topo as topo_mod
from combopt.cli.app import main
from combopt.core.errors import InputError
from combopt.generators.dag import generate_dag, simulate
from combopt.problems.dag import DAGProblem, is_dag
from combopt.solvers.dag.fit import (
    fit_order,
    heuristic_order,
    lasso_given_order,
    order_cholesky,
    order_loss,
    rank_swaps,
)
from combopt.solvers.dag.kernels import swap_deltas
from combopt.solvers.dag.topo import ScorePace, score_in_chunks, topo_search


@pytest.fixture(scope="module")
def mid():
    return generate_dag(d=30, edges_per_node=2, n=400, graph="ER", noise="gauss", seed=7)


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


class Polls:
    """``should_stop`` that turns true from its ``at``-th call on, counting the calls."""

    def __init__(self, at: int):
        self.at, self.calls = at, 0

    def __call__(self) -> bool:
        self.calls += 1
        return self.calls >= self.at


# -- A2: the clock is read inside a candidate evaluation ---------------------------------------------------------

def test_score_in_chunks_stops_between_chunks_and_scores_what_it_did(mid):
    order = np.random.default_rng(0).permutation(mid.d)
    L = order_cholesky(mid.S, order)
    ca, cb = rank_swaps(L, mid.S[np.ix_(order, order)], 200)
    full = swap_deltas(L, ca, cb)
    stop = Polls(at=3)  # two chunks, then stop
    deltas, done, stopped = score_in_chunks(swap_deltas, L, ca, cb, stop, chunk=25)
    assert (done, stopped) == (50, True)
    np.testing.assert_allclose(deltas[:50], full[:50])
    assert np.all(np.isinf(deltas[50:]))  # not scored: never taken as an improvement
    deltas, done, stopped = score_in_chunks(swap_deltas, L, ca, cb, None, ScorePace(seconds=0.0))
    assert (done, stopped) == (200, False)  # a zero budget still scores one candidate per chunk
    np.testing.assert_allclose(deltas, full)


def test_score_pace_grows_only_when_the_budget_cut_the_chunk(mid):
    order = np.arange(mid.d)
    L = order_cholesky(mid.S, order)
    ca, cb = rank_swaps(L, mid.S, 5)
    pace = ScorePace(seconds=0.2, rate=1e6)
    for _ in range(30):  # short lists scored whole in one quick chunk: no reason to plan larger chunks
        score_in_chunks(swap_deltas, L, ca, cb, None, pace)
    assert pace.rate == 1e6
    pace.update(1e3, 0.001, full=True)  # a quick chunk that the budget cut: the next one may be larger
    assert pace.rate == 4e6
    pace.update(2e6, 0.5)  # measured
    assert pace.rate == pytest.approx(4e6)


def test_topo_search_stops_inside_a_round_and_keeps_the_improvements_found(mid):
    start = np.random.default_rng(1).permutation(mid.d).astype(np.int64)
    start_loss = order_loss(mid.S, start)
    stop = Polls(at=3)  # round start, first chunk, then stop before the second chunk
    out = topo_search(mid.S, start, size_small=400, size_large=400, should_stop=stop, chunk=40)
    assert out.stopped and not out.converged
    assert out.evaluated == 40  # not the 400 candidates of the round: the clock was read in between
    assert out.swaps > 0 and out.rounds == 1  # improving swaps among the scored ones were applied
    assert sorted(out.order.tolist()) == list(range(mid.d))
    assert out.loss == pytest.approx(order_loss(mid.S, out.order), rel=1e-10)
    assert out.loss < start_loss


def test_topo_search_measures_the_round_overhead(mid):
    pace = ScorePace()
    out = topo_search(mid.S, np.arange(mid.d), size_small=50, size_large=100, pace=pace)
    assert out.converged and not out.stopped
    assert pace.overhead > 0 and pace.rate > 0


def _old_heuristic(S):
    C = np.array(S, dtype=np.float64, copy=True)
    d = C.shape[0]
    left = np.ones(d, dtype=bool)
    order = np.empty(d, dtype=np.int64)
    for k in range(d):
        j = int(np.argmin(np.where(left, np.diag(C), np.inf)))
        order[k] = j
        left[j] = False
        if C[j, j] > 0:
            c = C[:, j].copy()
            C -= np.outer(c, c) / C[j, j]
    return order


def test_heuristic_order_matches_the_outer_product_form_and_stops_with_a_permutation(mid):
    full = heuristic_order(mid.S)
    np.testing.assert_array_equal(full, _old_heuristic(mid.S))
    cut = heuristic_order(mid.S, should_stop=lambda: True)
    assert sorted(cut.tolist()) == list(range(mid.d))
    np.testing.assert_array_equal(cut[:16], full[:16])  # the first poll is after 16 steps


def test_lasso_warm_start_and_cut(mid):
    order = heuristic_order(mid.S)
    W_ls, _ = fit_order(mid.S, order)
    ref = lasso_given_order(mid.S, order, 0.05)
    np.testing.assert_allclose(lasso_given_order(mid.S, order, 0.05, W_ls=W_ls), ref, atol=1e-7)
    polls = Polls(at=11)  # the nodes at positions 1 .. 10 by the lasso (0 has no parents), the rest least squares
    W = lasso_given_order(mid.S, order, 0.05, W_ls=W_ls, should_stop=polls)
    np.testing.assert_allclose(W[:, order[:11]], ref[:, order[:11]], atol=1e-12)
    np.testing.assert_array_equal(W[:, order[11:]], W_ls[:, order[11:]])
    res = combopt.solve(mid, solver="topo", l1=0.05)
    assert res.feasible and res.info["l1_cut_short"] is False


def test_ctrl_c_during_swap_scoring_returns_the_best_dag(mid, monkeypatch):
    assert threading.current_thread() is threading.main_thread()  # pytest runs tests there: signals work
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's own handler, as in the CLI
    try:
        _interrupted_run(mid, monkeypatch)
    finally:
        signal.signal(signal.SIGINT, previous)


def _interrupted_run(mid, monkeypatch):
    calls = []

    def scorer(L, ca, cb):
        calls.append(len(ca))
        if len(calls) == 2:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C while the kernel runs
        return swap_deltas(L, ca, cb)

    monkeypatch.setattr(topo_mod, "swap_deltas", scorer)
    res = combopt.solve(mid, solver="topo", init="random", size_small=400, size_large=400, seed=3)
    assert res.info.get("interrupted") is True
    assert res.solution is not None and res.feasible
    assert is_dag(res.solution)
    assert res.info["stopped_early"] and not res.info["converged"]
    assert len(calls) == 2  # the search ended at its next check, not at the end of the run
    assert res.objective <= mid.score(np.zeros((mid.d, mid.d)))


# -- A7: degenerate data -----------------------------------------------------------------------------------------

def _data(seed=0):
    X, _ = simulate(d=6, edges_per_node=1.5, n=300, seed=seed)
    return X


def test_tiny_variances_are_a_clear_error_naming_the_column(tmp_path, capsys):
    X = _data()
    with pytest.raises(InputError, match="column 'X0' has variance 0 .*rescale the data"):
        DAGProblem(X * 1e-170, source="tiny.npy")
    f = tmp_path / "tiny.npy"
    np.save(f, X * 1e-170)
    rc, _, err = run_cli(capsys, "solve", f, "-k", "dag", "-q")
    assert rc == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "tiny.npy" in err and "variance" in err and "X0" in err


@pytest.mark.parametrize("factor", [1e-95, 1e90, 1e140])
def test_a_common_scale_factor_leaves_the_learned_dag_unchanged(factor):
    X = _data(seed=1)
    ref = combopt.solve(DAGProblem(X), solver="topo")
    res = combopt.solve(DAGProblem(X * factor), solver="topo")
    assert res.feasible
    np.testing.assert_allclose(res.solution, ref.solution, rtol=1e-6, atol=1e-9)
    assert res.objective == pytest.approx(ref.objective * factor ** 2, rel=1e-6)


@pytest.mark.parametrize("case", ["constant", "nan", "inf", "one_row", "one_row_csv", "nan_csv"])
def test_bad_data_is_one_line_naming_the_file(tmp_path, capsys, case):
    X = _data()
    if case == "constant":
        X[:, 2] = 4.0
        want = "column 'X2' is constant"
    elif case == "nan":
        X[7, 3] = np.nan
        want = "row 8 column 'X3' is nan"
    elif case == "inf":
        X[9, 1] = -np.inf
        want = "row 10 column 'X1' is -inf"
    elif case == "one_row":
        X = X[:1]
        want = "1 rows and 6 columns"
    if case.endswith("_csv"):
        f = tmp_path / "bad.csv"
        if case == "nan_csv":
            X[4, 5] = np.nan
            want = "bad.csv:6: cell 'nan' in column 'f'"
        else:
            X = X[:1]
            want = "1 rows and 6 columns"
        np.savetxt(f, X, delimiter=",", header="a,b,c,d,e,f", comments="")
    else:
        f = tmp_path / "bad.npy"
        np.save(f, X)
    rc, _, err = run_cli(capsys, "solve", f, "-k", "dag", "-q")
    assert rc == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f.name in err and want in err


# -- A8: .npy and the kind ---------------------------------------------------------------------------------------

def test_dag_npy_is_recognised_by_name_and_plain_npy_asks_for_the_kind(tmp_path, capsys):
    X = _data()
    f = tmp_path / "sample.dag.npy"
    np.save(f, X)
    p = combopt.read(f)
    assert p.kind == "dag" and p.name == "sample" and p.d == 6
    rc, out, _ = run_cli(capsys, "solve", f, "-q")
    assert rc == 0 and "is_dag True" in out
    g = tmp_path / "plain.npy"
    np.save(g, X)
    rc, _, err = run_cli(capsys, "solve", g, "-q")
    assert rc == 2 and "--kind" in err and "dag" in err
    rc, out, _ = run_cli(capsys, "solve", g, "-k", "dag", "-q")
    assert rc == 0 and "is_dag True" in out
