"""DAG structure learning (kind ``dag``, solver ``topo``): math, search, readers, CLI, notebook."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import InputError, ParameterError
from combopt.generators.dag import generate_dag, simulate, simulate_dag, write_dataset
from combopt.gpu.dag import swap_deltas_xp
from combopt.problems.dag import (
    DAGProblem,
    count_accuracy,
    find_cycle,
    is_dag,
    read_data,
    read_graph,
    topological_order,
)
from combopt.solvers.dag.fit import (
    default_search_sizes,
    fit_order,
    heuristic_order,
    order_cholesky,
    order_loss,
    rank_swaps,
    threshold_and_refit,
)
from combopt.solvers.dag.kernels import swap_deltas
from combopt.solvers.dag.topo import topo_search

DATA = Path(__file__).parent / "data"
SACHS = DATA / "sachs_head500.csv"
SACHS_TRUTH = DATA / "sachs_consensus.csv"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def per_node_lstsq(X: np.ndarray, order: np.ndarray) -> tuple[np.ndarray, float]:
    """Independent reference: one least-squares regression per node on its predecessors."""
    Xc = X - X.mean(axis=0)
    n, d = Xc.shape
    W = np.zeros((d, d))
    loss = 0.0
    for k, j in enumerate(order):
        pa = order[:k]
        if k:
            beta, *_ = np.linalg.lstsq(Xc[:, pa], Xc[:, j], rcond=None)
            W[pa, j] = beta
        r = Xc[:, j] - Xc @ W[:, j]
        loss += 0.5 / n * r @ r
    return W, loss


# -- metrics -------------------------------------------------------------------------------------------------------

def test_count_accuracy_counts_reversed_extra_and_missing():
    T = np.zeros((4, 4), int)
    T[0, 1] = T[1, 2] = T[2, 3] = 1            # chain 0 -> 1 -> 2 -> 3
    E = np.zeros((4, 4), int)
    E[0, 1] = 1                                # correct
    E[2, 1] = 1                                # reversed
    E[0, 3] = 1                                # extra
    m = count_accuracy(T, E)                   # 2 -> 3 missing
    assert (m["shd"], m["nnz"], m["true_positive"], m["reversed"], m["false_positive"]) == (3, 3, 1, 1, 1)
    assert m["tpr"] == pytest.approx(1 / 3)
    assert m["fdr"] == pytest.approx(2 / 3)
    assert m["fpr"] == pytest.approx(2 / (6 - 3))
    assert count_accuracy(T, T)["shd"] == 0


def test_cycle_detection():
    B = np.zeros((4, 4))
    B[0, 1] = B[1, 2] = B[2, 0] = 1
    cyc = find_cycle(B)
    assert not is_dag(B) and cyc[0] == cyc[-1] and set(cyc) == {0, 1, 2}
    assert all(B[u, v] for u, v in itertools.pairwise(cyc))
    B[2, 0] = 0
    assert is_dag(B) and find_cycle(B) is None


# -- the inner fit and the swap scoring ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small():
    return generate_dag(d=8, edges_per_node=2, n=300, graph="ER", noise="gauss", seed=3)


def test_order_fit_matches_per_node_regressions(small):
    rng = np.random.default_rng(0)
    X = small.Xc + 5.0  # any offset: the problem centres
    for _ in range(3):
        order = rng.permutation(small.d)
        W, loss = fit_order(small.S, order)
        W_ref, loss_ref = per_node_lstsq(X, order)
        np.testing.assert_allclose(W, W_ref, atol=1e-9)
        assert loss == pytest.approx(loss_ref, rel=1e-10)
        assert small.evaluate(W).objective == pytest.approx(loss_ref, rel=1e-10)


def test_swap_deltas_match_full_refits(small):
    order = np.random.default_rng(1).permutation(small.d)
    L = order_cholesky(small.S, order)
    base = order_loss(small.S, order)
    ca, cb = np.triu_indices(small.d, 1)
    deltas = swap_deltas(L, ca.astype(np.int64), cb.astype(np.int64))
    for a, b, dl in zip(ca, cb, deltas, strict=True):
        o = order.copy()
        o[a], o[b] = o[b], o[a]
        assert dl == pytest.approx(order_loss(small.S, o) - base, abs=1e-10)
    # the batched xp path (numpy here, CuPy on a GPU) gives the same numbers, in small chunks too
    for chunk in (1 << 24, 50):
        np.testing.assert_allclose(swap_deltas_xp(np, L, ca, cb, chunk_elems=chunk), deltas, atol=1e-10)


def test_xp_swap_deltas_keep_small_terms_beside_a_huge_column():
    """The xp path took the old diagonals as a difference of prefix sums over the whole diagonal: beside a column
    in units 3e8 times the others the swaps after it were scored +0.98 where the CPU (and a refit) say -0.015."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    X[:, 0] *= 3e8
    X[:, 1] += 0.5 * X[:, 2]
    S = X.T @ X / 200
    L = np.linalg.cholesky(S)
    ca, cb = (a.astype(np.int64) for a in np.triu_indices(4, 1))
    cpu = swap_deltas(L, ca, cb)
    xp_ = swap_deltas_xp(np, L, ca, cb)
    for i in range(len(ca)):
        if ca[i] >= 1:  # the swaps away from the huge column: the scale of their own terms
            assert xp_[i] == pytest.approx(cpu[i], abs=1e-9), (ca[i], cb[i])
    assert np.argmin(xp_[ca >= 1]) == np.argmin(cpu[ca >= 1]) and cpu[(ca == 1) & (cb == 2)][0] < 0


def test_xp_swap_chunks_keep_to_their_element_bound():
    """A chunk was sized by its smallest block: 50 swaps of size 2 and one of 60 made a (51, 60, 60) stack against
    a bound of 1000 elements."""
    from combopt.gpu.dag import _chunk

    rng = np.random.default_rng(3)
    for _ in range(200):
        ordered = np.sort(rng.integers(1, 70, size=rng.integers(1, 80)))
        bound = int(rng.integers(1, 20_000))
        pos = 0
        while pos < ordered.size:
            n = _chunk(ordered, pos, bound)
            assert n >= 1 and (n == 1 or n * int(ordered[pos + n - 1]) ** 2 <= bound)
            assert pos + n == ordered.size or (n + 1) * int(ordered[pos + n]) ** 2 > bound
            pos += n
    d = 60
    A = rng.normal(size=(d, d))
    L = np.linalg.cholesky(A @ A.T + d * np.eye(d))
    ca = np.r_[np.arange(50), 0].astype(np.int64)
    cb = np.r_[np.arange(50) + 1, 59].astype(np.int64)
    np.testing.assert_allclose(swap_deltas_xp(np, L, ca, cb, chunk_elems=1000), swap_deltas(L, ca, cb), atol=1e-9)


def test_rank_swaps_puts_path_free_pairs_first(small):
    order = heuristic_order(small.S)
    L = order_cholesky(small.S, order)
    P = small.S[np.ix_(order, order)]
    ca, cb = rank_swaps(L, P, 28)
    assert len(ca) == 28 and np.all(ca < cb)
    assert len(set(zip(ca.tolist(), cb.tolist(), strict=True))) == 28


def test_default_search_sizes_are_the_reference_ones():
    assert [default_search_sizes(d) for d in (10, 20, 50, 100)] == [(15, 28), (30, 110), (75, 588), (150, 1980)]


def test_search_ends_in_a_swap_local_minimum(small):
    start = np.random.default_rng(5).permutation(small.d)
    out = topo_search(small.S, start, size_small=10, size_large=28, rtol=1e-9)
    assert out.converged
    assert out.loss == pytest.approx(order_loss(small.S, out.order))
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(out.loss_trace))  # never worse
    L = order_cholesky(small.S, out.order)
    ca, cb = np.triu_indices(small.d, 1)
    assert swap_deltas(L, ca.astype(np.int64), cb.astype(np.int64)).min() > -1e-9 * out.loss


def test_threshold_refit_keeps_a_dag_with_weights_above_threshold(small):
    W, _ = fit_order(small.S, np.random.default_rng(2).permutation(small.d))
    Wt, cut = threshold_and_refit(small.S, W, 0.3)
    assert is_dag(Wt) and not cut
    assert np.all(np.abs(Wt[Wt != 0]) >= 0.3)
    assert set(zip(*np.nonzero(Wt), strict=True)) <= set(zip(*np.nonzero(W), strict=True))


# -- the solver --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("noise", ["gauss", "exp"])
def test_topo_recovers_a_small_er_graph(noise):
    p = generate_dag(d=10, edges_per_node=2, n=600, graph="ER", noise=noise, seed=1)
    res = combopt.solve(p)
    assert res.solver == "topo" and res.feasible
    assert res.info["shd"] == 0
    assert res.objective <= res.info["truth_score"] + 1e-9
    assert res.bound <= res.objective
    # the least-squares fit on the true edges, by one regression per node on its true parents: the best score the
    # true graph allows (at most the generating weights' score); with SHD 0 topo's refit graph scores exactly that
    R = p.Xc.copy()
    for j in range(p.d):
        parents = np.flatnonzero(p.truth[:, j])
        if parents.size:
            coef = np.linalg.lstsq(p.Xc[:, parents], p.Xc[:, j], rcond=None)[0]
            R[:, j] -= p.Xc[:, parents] @ coef
    refit = 0.5 * (R * R).sum() / p.n
    assert res.info["truth_refit_score"] == pytest.approx(refit, rel=1e-9)
    assert refit <= res.info["truth_score"] + 1e-12
    assert res.objective == pytest.approx(refit, rel=1e-9)
    # objective recomputed independently from the data
    W = np.asarray(res.solution)
    R = p.Xc - p.Xc @ W
    assert res.objective == pytest.approx(0.5 * (R * R).sum() / p.n, rel=1e-10)
    js = res.to_dict()["solution"]
    assert js["is_dag"] and js["metrics"]["shd"] == 0 and len(js["edges"]) == int((W != 0).sum())


def test_random_restarts_run_in_parallel_and_are_reproducible():
    p = generate_dag(d=10, edges_per_node=2, n=200, graph="ER", noise="gauss", seed=4)
    r1 = combopt.solve(p, init="random", restarts=3, workers=2, seed=7)
    r2 = combopt.solve(p, init="random", restarts=3, workers=1, seed=7)
    assert len(r1.info["start_scores"]) == 3 == r1.info["starts"]
    np.testing.assert_array_equal(r1.solution, r2.solution)
    assert r1.objective == pytest.approx(min(r1.info["start_scores"]))


def test_post_processing_improves_a_wrong_dag(tmp_path):
    p = generate_dag(d=10, edges_per_node=2, n=600, graph="ER", noise="gauss", seed=2)
    wrong = p.truth.T  # every edge reversed: a DAG with the wrong order
    f = tmp_path / "wrong.csv"
    f.write_text("cause,effect\n" + "".join(f"{p.names[i]},{p.names[j]}\n" for i, j in zip(*np.nonzero(wrong),
                                                                                            strict=True)))
    res = combopt.solve(p, init=str(f), threshold=0.3)
    start_score = order_loss(p.S, np.asarray(topological_order(wrong)))
    assert res.info["order_score"] <= start_score
    assert res.info["shd"] < count_accuracy(p.truth, wrong)["shd"]


def test_l1_gives_sparser_graphs():
    p = generate_dag(d=10, edges_per_node=2, n=300, graph="ER", noise="gauss", seed=0)
    plain = combopt.solve(p, threshold=0.0, refit=False)
    sparse = combopt.solve(p, threshold=0.0, refit=False, l1=0.2)
    assert sparse.feasible and int((sparse.solution != 0).sum()) < int((plain.solution != 0).sum())


@pytest.mark.parametrize("kw", [{"threshold": 0.0}, {"threshold": 0.0, "l1": 0.5}, {"threshold": 5.0}])
def test_extreme_thresholds_still_give_dags(kw):
    p = generate_dag(d=6, edges_per_node=2, n=100, seed=2)
    res = combopt.solve(p, **kw)
    W = np.asarray(res.solution)
    assert res.feasible and is_dag(W)
    if kw["threshold"] == 0.0 and "l1" not in kw:
        assert int((W != 0).sum()) == 15  # the full order: every pair has a (non-zero) least-squares weight
    if kw["threshold"] == 5.0:
        assert not W.any() and res.objective == pytest.approx(0.5 * np.trace(p.S))


def test_bad_parameters_are_parameter_errors():
    p = generate_dag(d=5, edges_per_node=1, n=50, seed=0)
    with pytest.raises(ParameterError):
        combopt.solve(p, threshold=-1)
    with pytest.raises(ParameterError):
        combopt.solve(p, init="nonsense-order")
    with pytest.raises(ParameterError):
        combopt.solve(p, thresold=0.3)


def test_evaluate_rejects_cycles_and_self_loops(small):
    W = np.zeros((small.d, small.d))
    W[0, 1] = W[1, 0] = 1.0
    ev = small.evaluate(W)
    assert not ev.feasible and "cycle" in ev.violations[0]
    W = np.eye(small.d)
    assert "self-loop" in small.evaluate(W).violations[0]


# -- generator -----------------------------------------------------------------------------------------------------

def test_generator_follows_the_protocol():
    B = simulate_dag(30, 2, "ER", 0)
    assert B.sum() == 60 and is_dag(B)
    Bs = simulate_dag(30, 4, "SF", 0)
    assert is_dag(Bs) and Bs.sum() > 0
    X, W = simulate(d=15, edges_per_node=2, n=200, noise="exp", seed=3)
    w = np.abs(W[W != 0])
    assert X.shape == (200, 15) and w.min() >= 0.5 and w.max() <= 2.0
    assert X.mean() > 0.5  # exponential noise is not centred: the solver must centre
    assert simulate_dag(5, 2, "ER", 0).sum() == 10  # the complete DAG is still exactly k d edges
    with pytest.raises(ParameterError, match="at most 10"):
        simulate_dag(5, 100, "ER", 0)  # 500 edges cannot be placed: an error, not a quiet ER100 with 10 edges


# -- readers -------------------------------------------------------------------------------------------------------

def test_readers_csv_npy_npz_agree(tmp_path):
    X, W = simulate(d=5, edges_per_node=1, n=40, seed=0)
    write_dataset(X, W, tmp_path / "ds")
    a = read_data(tmp_path / "ds" / "data.csv")
    np.save(tmp_path / "x.npy", X)
    with pytest.raises(InputError, match="several problem kinds"):
        combopt.read(tmp_path / "x.npy")  # .npy is also a coupling format: the kind must be said
    b = combopt.read(tmp_path / "x.npy", kind="dag")
    np.savez(tmp_path / "x.npz", X=X, names=np.array(a.names))
    c = combopt.read(tmp_path / "x.npz", kind="dag")
    (tmp_path / "nohead.csv").write_text("\n".join(";".join(f"{v:.10g}" for v in r) for r in X))
    e = combopt.read(tmp_path / "nohead.csv", kind="dag")
    for q in (b, c, e):
        assert q.kind == "dag" and q.names == a.names
        np.testing.assert_allclose(q.S, a.S, rtol=1e-8)
    B1, W1 = read_graph(tmp_path / "ds" / "edges.csv", a.names)
    B2, W2 = read_graph(tmp_path / "ds" / "W_true.csv", a.names)
    np.testing.assert_array_equal(B1, (W != 0).astype(int))
    np.testing.assert_array_equal(B1, B2)
    np.testing.assert_allclose(W1, W, rtol=1e-9)
    (tmp_path / "idx.csv").write_text("0,3\n1,4\n")
    B3, W3 = read_graph(tmp_path / "idx.csv", a.names)
    assert B3[0, 3] == B3[1, 4] == 1 and B3.sum() == 2 and W3 is None


def test_sachs_consensus_reads_by_name():
    p = read_data(SACHS)
    B, _ = read_graph(SACHS_TRUTH, p.names)
    assert p.d == 11 and p.n == 500 and B.sum() == 18
    assert B[p.names.index("plcg"), p.names.index("PIP2")] == 1


def test_npz_with_object_arrays_is_refused(tmp_path):
    f = tmp_path / "obj.npz"
    np.savez(f, X=np.array([[1, "a"], [2, "b"]], dtype=object))
    with pytest.raises(InputError):
        combopt.read(f, kind="dag")


def test_dependent_columns_are_refused():
    X = np.random.default_rng(0).normal(size=(50, 3))
    X[:, 2] = X[:, 0] + X[:, 1]
    with pytest.raises(InputError, match="linearly dependent"):
        DAGProblem(X)


# -- command line ----------------------------------------------------------------------------------------------

def test_cli_generate_solve_check(capsys, tmp_path):
    folder = tmp_path / "gen"
    rc, _, err = run_cli(capsys, "generate", "dag", "--graph", "ER", "--d", "8", "--edges-per-node", "2", "--n",
                         "400", "--noise", "gauss", "--seed", "0", "--out", folder)
    assert rc == 0 and (folder / "data.csv").exists() and (folder / "edges.csv").exists()
    rc, _, err = run_cli(capsys, "generate", "dag", "--d", "8", "--out", folder)
    assert rc == 2 and "--force" in err
    out = tmp_path / "res.json"
    rc, text, _ = run_cli(capsys, "solve", folder / "data.csv", "--kind", "dag", "--truth", folder / "edges.csv",
                          "-q", "-o", out)
    assert rc == 0 and "SHD 0" in text
    res = json.loads(out.read_text())
    sol = res["solution"]
    assert res["problem"] == "dag" and sol["is_dag"] and sol["metrics"]["shd"] == 0
    assert {e["cause"] for e in sol["edges"]} <= set(sol["names"])
    rc, text, _ = run_cli(capsys, "check", folder / "data.csv", out)
    assert rc == 0 and f"{res['objective']:g}" in text
    # a result is also a valid init graph (post-processing chains), and --out is not overwritten
    rc, _, err = run_cli(capsys, "solve", folder / "data.csv", "--kind", "dag", "-p", f"init={out}", "-q", "-o", out)
    assert rc == 2 and "--force" in err
    rc, text, _ = run_cli(capsys, "solve", folder / "data.csv", "--kind", "dag", "-p", f"init={out}", "-q",
                          "--truth", folder / "W_true.csv")
    assert rc == 0 and "SHD 0" in text
    # a tampered result with a cycle is caught by check
    A = np.asarray(sol["adjacency"])
    i, j = map(int, np.argwhere(A != 0)[0])
    A[j, i] = 0.7
    sol["adjacency"] = A.tolist()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(res))
    rc, text, _ = run_cli(capsys, "check", folder / "data.csv", bad)
    assert rc == 1 and "cycle" in text


def test_cli_sachs_end_to_end(capsys, tmp_path):
    out = tmp_path / "sachs.json"
    rc, text, _ = run_cli(capsys, "solve", SACHS, "--kind", "dag", "--truth", SACHS_TRUTH, "-q", "-o", out)
    assert rc == 0
    sol = json.loads(out.read_text())["solution"]
    assert sol["is_dag"] and sol["metrics"]["true_edges"] == 18
    assert f"SHD {sol['metrics']['shd']}" in text


def test_csv_is_not_sniffed_as_dag(capsys):
    rc, _, err = run_cli(capsys, "solve", SACHS, "-q")
    assert rc == 2 and "--kind" in err


BAD_CASES = {
    "non_numeric": ("a,b,c\n1,2,3\n4,x,6\n7,8,9\n1,5,2\n", "line 3", "not a number"),
    "constant": ("a,b,c\n1,2,3\n4,2,6\n7,2,9\n1,2,2\n5,2,1\n", "b", "constant"),
    "nan": ("a,b,c\n1,2,3\n4,nan,6\n7,8,9\n1,5,2\n", "line 3", "finite"),
    "few_rows": ("a,b,c,d\n1,2,3,4\n4,5,6,1\n", "2 rows and 4 columns", "more rows"),
    "ragged": ("a,b,c\n1,2,3\n4,5\n", "line 3", "expected 3"),
}


def _good_data(tmp_path) -> Path:
    X, W = simulate(d=4, edges_per_node=1, n=60, seed=0)
    write_dataset(X, W, tmp_path / "good")
    return tmp_path / "good" / "data.csv"


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_cli_bad_data_is_one_line_exit_2(capsys, tmp_path, case):
    text, where, what = BAD_CASES[case]
    f = tmp_path / f"{case}.csv"
    f.write_text(text)
    rc, _, err = run_cli(capsys, "solve", f, "--kind", "dag", "-q")
    assert rc == 2
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert where.replace("line ", ":") in line or where in line
    assert what in line


def test_cli_truth_with_unknown_variable_exit_2(capsys, tmp_path):
    data = _good_data(tmp_path)
    t = tmp_path / "truth.csv"
    t.write_text("cause,effect\nX0,X1\nX2,NOPE\n")
    rc, _, err = run_cli(capsys, "solve", data, "--kind", "dag", "--truth", t, "-q")
    assert rc == 2 and "NOPE" in err and ":3:" in err and err.strip().count("\n") == 0


def test_cli_cyclic_init_exit_2(capsys, tmp_path):
    data = _good_data(tmp_path)
    g = tmp_path / "cyclic.csv"
    g.write_text("X0,X1\nX1,X2\nX2,X0\n")
    rc, _, err = run_cli(capsys, "solve", data, "--kind", "dag", "-p", f"init={g}", "-q")
    assert rc == 2 and "cycle" in err and err.strip().count("\n") == 0


def test_result_plots(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    p = generate_dag(d=6, edges_per_node=1, n=200, seed=0)
    res = combopt.solve(p)
    ax = res.plot_graph()
    assert ax.get_legend() is not None and "SHD" in ax.get_title()
    from combopt.problems.dag.plots import plot_score_trace

    assert plot_score_trace(res).get_xlabel() == "swap round"


def test_dag_notebook_executes(run_notebook):
    outputs, text = run_notebook("dag.ipynb")
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert "SHD 0" in text


@pytest.mark.parametrize("args", [["--noise", "cauchy"], ["--graph", "XY"], ["--d", "10", "--n", "5"]])
def test_cli_generate_bad_options_exit_2(capsys, tmp_path, args):
    rc, _, err = run_cli(capsys, "generate", "dag", *args, "--out", tmp_path / "g")
    assert rc == 2 and err.strip().count("\n") == 0 and "error" in err
    assert not (tmp_path / "g").exists()


def test_time_limit_still_returns_a_dag():
    p = generate_dag(d=30, edges_per_node=2, n=300, seed=1)
    res = combopt.solve(p, init="random", time_limit=0.05)
    assert res.feasible and res.solution_json["is_dag"]


def test_xp_scorer_drives_the_same_search(small):
    from combopt.gpu.dag import XPSwapScorer

    start = np.random.default_rng(9).permutation(small.d)
    cpu = topo_search(small.S, start, size_small=10, size_large=28)
    xp = topo_search(small.S, start, size_small=10, size_large=28, scorer=XPSwapScorer(np))
    np.testing.assert_array_equal(cpu.order, xp.order)
    np.testing.assert_allclose(cpu.loss_trace, xp.loss_trace, rtol=1e-12)


@pytest.mark.gpu
def test_gpu_topo_matches_cpu():
    p = generate_dag(d=40, edges_per_node=2, n=1000, seed=0)
    cpu = combopt.solve(p, device="cpu", init="random")
    gpu = combopt.solve(p, device="gpu", init="random")
    assert gpu.device == "gpu"
    np.testing.assert_allclose(gpu.solution, cpu.solution, atol=1e-8)


# -- fuzzing: every malformed file is an InputError naming the file -------------------------------------------------

def test_files_of_empty_cells_only_are_input_errors(tmp_path):
    base = read_data(SACHS)
    f = tmp_path / "empty-cells.csv"
    f.write_text(",\n,,\n")
    with pytest.raises(InputError, match="every cell is empty") as e:
        combopt.read(f, kind="dag")
    assert Path(e.value.path).name == "empty-cells.csv"
    with pytest.raises(InputError, match="every cell is empty") as e:
        read_graph(f, base.names)
    assert Path(e.value.path).name == "empty-cells.csv"

_CELLS = ["1", "2.5", "-3e2", "x", "", "nan", "inf", "1e999", '"a"', "X0", "X1", "cause", "effect", "0", "#"]


def _fuzz_text(draw_cells, seps):
    import hypothesis.strategies as st

    row = st.lists(st.sampled_from(draw_cells), min_size=0, max_size=5).map(lambda r: seps.join(r))
    return st.lists(row, min_size=0, max_size=8).map("\n".join)


def test_fuzzed_data_and_graph_files(tmp_path):
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    base = read_data(SACHS)

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.one_of(_fuzz_text(_CELLS, ","), _fuzz_text(_CELLS, ";"), _fuzz_text(_CELLS, " ")),
           st.sampled_from(["data", "graph"]))
    @example(",", "data")  # lines of empty cells only: found by this test (StopIteration, IndexError before)
    @example(",", "graph")
    def check(text, what):
        f = tmp_path / "fuzz.csv"
        f.write_text(text)
        try:
            if what == "data":
                combopt.read(f, kind="dag")
            else:
                read_graph(f, base.names)
        except InputError as e:
            assert e.path is not None and Path(e.path).name == "fuzz.csv", str(e)

    check()


# ------------------------------------------------ the numpy fast path of CSV data agrees with the row reader
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import combopt.problems.dag.readers as dag_readers  # noqa: E402

_CELL = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
                  st.integers(-5, 5).map(str),
                  st.sampled_from(["", " 1", "nan", "inf", "x", "1e3", "1_0", "#", '"2"', "0x1", "+3", "-0"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(d=st.integers(1, 4), header=st.booleans(), rows=st.lists(st.lists(_CELL, min_size=1, max_size=5), max_size=6),
       sep=st.sampled_from([",", ";", "\t", " "]), blank=st.sampled_from(["", "\n", "\r\n", ",,\n"]))
def test_csv_fast_path_agrees_with_the_row_reader(tmp_path, d, header, rows, sep, blank):
    """Wherever numpy's parser answers, the row-by-row reader reads the same numbers; where the row reader
    rejects the file, the fast path leaves it to it (so the error names the same line)."""
    lines = [sep.join(f"v{j}" for j in range(d))] if header else []
    lines += [sep.join(r) for r in rows]
    text = "\n".join(lines) + "\n" + blank
    f = tmp_path / "x.csv"
    f.write_text(text, encoding="utf-8")
    saved = dag_readers._numbers_fast
    calls = []

    def spy(*a):
        out = saved(*a)
        calls.append(out)
        return out

    dag_readers._numbers_fast = lambda *a: None
    try:
        slow = dag_readers.read_csv_table(f)
    except InputError:
        slow = None
    finally:
        dag_readers._numbers_fast = spy
    try:
        fast = dag_readers.read_csv_table(f)
    except InputError:
        fast = None
    finally:
        dag_readers._numbers_fast = saved
    if slow is None:
        assert fast is None and all(c is None for c in calls)
    else:
        assert fast is not None and np.array_equal(fast[0], slow[0]) and fast[1] == slow[1]


def test_csv_fast_path_takes_the_common_layout(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("a,b,c\n1,2.5,-3\n4e-1, 5 ,6\n\n")
    X = dag_readers._numbers_fast(f.read_text(), ",", 3, 1, 100)
    assert X is not None and X.tolist() == [[1, 2.5, -3], [0.4, 5, 6]]
    assert dag_readers.read_csv_table(f)[1] == ["a", "b", "c"]


def test_check_refutes_an_edge_list_is_dag_or_order_the_adjacency_does_not_bear_out(tmp_path, capsys):
    """The edges, is_dag and order a result states beside its adjacency passed `check` whatever they said (a cycle
    closed by an extra listed edge, is_dag false, a reversed order); people read those lists, not the matrix."""
    X, W = simulate(d=8, edges_per_node=1.5, n=300, seed=3)
    write_dataset(X, W, tmp_path)
    data_file = tmp_path / "data.csv"
    res = combopt.solve(combopt.read(data_file, "dag"), "topo", time_limit=2)
    good = res.to_dict()
    sol = good["solution"]
    assert sol["edges"] and sol["is_dag"]
    out = tmp_path / "r.json"

    def check(result) -> tuple[int, str]:
        out.write_text(json.dumps(result))
        capsys.readouterr()
        rc = main(["check", str(data_file), str(out), "--kind", "dag"])
        return rc, capsys.readouterr().out

    assert check(good)[0] == 0
    e0 = sol["edges"][0]
    reverse = {"cause": e0["effect"], "effect": e0["cause"], "weight": 1.0}  # closes a 2-cycle
    for edit, needle in (({"edges": [*sol["edges"], reverse]}, "edge list is not its adjacency's"),
                         ({"edges": sol["edges"][1:]}, "edge list is not its adjacency's"),
                         ({"edges": [{**e0, "weight": e0["weight"] * 2}, *sol["edges"][1:]]}, "edge weights"),
                         ({"is_dag": False}, "is_dag: the result claims False"),
                         ({"order": sol["order"][::-1]}, "order: the result's order is not a topological order")):
        rc, text = check({**good, "solution": {**sol, **edit}})
        assert rc == 1 and needle in text, (edit, text)
