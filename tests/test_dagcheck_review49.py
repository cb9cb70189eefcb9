"""Review 49 (dagcheck): `combopt check` on DAG results, against exact answers on tiny data."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from combopt.cli.app import main
from combopt.problems.dag.model import DAGProblem, best_order, heuristic_order, order_score, refit_on_support


def _unequal_noise_data(seed: int = 10, n: int = 300, d: int = 5) -> np.ndarray:
    """A random DAG with noise standard deviations U(0.2, 5): the greedy order is not the best one."""
    rng = np.random.default_rng(seed)
    X = np.zeros((n, d))
    sd = rng.uniform(0.2, 5, d)
    Wt = np.triu(rng.uniform(-2, 2, (d, d)) * (rng.random((d, d)) < 0.7), 1)
    for j in range(d):
        X[:, j] = X @ Wt[:, j] + rng.normal(0, sd[j], n)
    return X


def test_best_order_is_the_brute_force_optimum():
    rng = np.random.default_rng(3)
    for _ in range(20):
        d = int(rng.integers(2, 7))
        X = rng.normal(size=(80, d)) @ rng.normal(size=(d, d)) * rng.uniform(0.1, 5, d)
        S = DAGProblem(X).S
        brute = min(order_score(S, o) for o in itertools.permutations(range(d)))
        assert order_score(S, best_order(S)) == pytest.approx(brute, rel=1e-12)


def test_check_refutes_optimal_claimed_for_a_suboptimal_order_both_witnesses_allow(tmp_path, capsys):
    X = _unequal_noise_data()
    p = DAGProblem(X)
    d = p.d
    scores = {o: order_score(p.S, o) for o in itertools.permutations(range(d))}
    best = min(scores.values())
    greedy = scores[tuple(heuristic_order(p.S).tolist())]
    # an order above the optimum but below the greedy order's score: neither old witness refutes it
    o = next(o for o, s in sorted(scores.items(), key=lambda t: t[1]) if best * 1.05 < s < greedy * (1 - 1e-6))
    B = np.zeros((d, d), dtype=np.int64)
    for a, b in itertools.combinations(range(d), 2):
        B[o[a], o[b]] = 1
    W = refit_on_support(p.S, B)
    obj = p.score(W)
    assert obj == pytest.approx(scores[o], rel=1e-9) and obj > 1.05 * best
    np.savetxt(tmp_path / "data.csv", X, delimiter=",", header=",".join(p.names), comments="")
    res = {"problem": "dag", "sense": "min", "status": "optimal", "objective": obj, "bound": obj, "gap": 0.0,
           "feasible": True, "solution": {"names": p.names, "adjacency": W.tolist()}}
    (tmp_path / "r.json").write_text(json.dumps(res))
    rc = main(["check", str(tmp_path / "data.csv"), str(tmp_path / "r.json"), "-k", "dag"])
    out = capsys.readouterr().out
    assert rc == 1 and "best of all orders" in out
    # the exact optimum itself, claimed optimal with its own score as the bound, still passes
    ob = best_order(p.S)
    B = np.zeros((d, d), dtype=np.int64)
    for a, b in itertools.combinations(range(d), 2):
        B[ob[a], ob[b]] = 1
    W = refit_on_support(p.S, B)
    res.update(objective=p.score(W), bound=p.score(W) * (1 - 1e-12), solution={"adjacency": W.tolist()})
    (tmp_path / "r.json").write_text(json.dumps(res))
    rc = main(["check", str(tmp_path / "data.csv"), str(tmp_path / "r.json"), "-k", "dag"])
    assert rc == 0, capsys.readouterr().out


def test_truth_lines_of_solve_and_check_are_one_line_each(tmp_path, capsys):
    """The metrics lines were wrapped at 80 columns when piped: `... SHD` and `0 (TPR ...` on two lines."""
    from combopt.generators.dag import simulate, write_dataset

    X, W = simulate(5, 1, 200, "ER", "gauss", 0)
    folder = tmp_path / ("a_rather_long_folder_name_for_the_dataset_" * 2)
    write_dataset(X, W, folder)
    data, edges, out = str(folder / "data.csv"), str(folder / "edges.csv"), str(tmp_path / "r.json")
    capsys.readouterr()
    assert main(["solve", data, "-k", "dag", "--truth", edges, "-o", out]) == 0
    lines = capsys.readouterr().out.splitlines()
    summary = next(ln for ln in lines if ln.startswith("dag: "))
    assert "SHD " in summary and summary.endswith(")") and "true graph's score" in summary
    assert main(["check", data, out, "-k", "dag", "--truth", edges]) == 0
    lines = capsys.readouterr().out.splitlines()
    against = next(ln for ln in lines if ln.startswith("against "))
    assert against.endswith("true edges)") and edges in against
    sol = json.loads(open(out).read())
    sol["solution"].pop("truth_edges")
    (tmp_path / "r2.json").write_text(json.dumps(sol))
    main(["check", data, str(tmp_path / "r2.json"), "-k", "dag"])
    lines = capsys.readouterr().out.splitlines()
    assert any(ln.startswith("note: ") and ln.endswith("give --truth FILE") for ln in lines)


def test_no_large_search_must_be_a_whole_number():
    """no_large_search=1.5 ran as 1 (int() of the number) without a word; 0 (no large search) stays valid."""
    import combopt
    from combopt.core.errors import ParameterError

    X = _unequal_noise_data()
    for bad in (1.5, "0.5", -1):
        with pytest.raises(ParameterError, match="no_large_search"):
            combopt.solve(DAGProblem(X), "topo", no_large_search=bad, max_iterations=1)
    res = combopt.solve(DAGProblem(X), "topo", no_large_search=0, max_iterations=1)
    assert res.feasible and res.info["large_searches"] == 0


def _five(tmp_path):
    X = _unequal_noise_data()
    np.savetxt(tmp_path / "data.csv", X, delimiter=",", header="X0,X1,X2,X3,X4", comments="")
    return DAGProblem(X)


def test_truth_edge_listed_twice_with_two_weights_is_one_line(tmp_path, capsys):
    """`X0,X1,0.5` then `X0,X1,-2`: the last weight was taken silently (the true graph's score with -2)."""
    p = _five(tmp_path)
    (tmp_path / "t.csv").write_text("cause,effect,weight\nX0,X1,0.5\nX2,X3,1\nX0,X1,-2\n")
    from combopt.core.errors import InputError

    with pytest.raises(InputError, match=r"t\.csv:4: edge 'X0' -> 'X1' is listed again with weight -2"):
        p.set_truth(tmp_path / "t.csv")
    (tmp_path / "same.csv").write_text("X0,X1,0.5\nX0,X1,0.5\n")  # the same edge and weight twice: one edge
    p.set_truth(tmp_path / "same.csv")
    assert p.truth.sum() == 1 and p.truth_weights[0, 1] == 0.5


def test_truth_edge_list_mixing_weighted_and_unweighted_rows_is_one_line(tmp_path):
    """`X0,X1` among weighted rows weighed 1 in the true graph's score, a weight the file never gave."""
    from combopt.core.errors import InputError

    p = _five(tmp_path)
    (tmp_path / "t.csv").write_text("X0,X1,0.5\nX2,X3\n")
    with pytest.raises(InputError, match=r"t\.csv:2: 2 cells, where line 1 has 3; expected a weight on every edge"):
        p.set_truth(tmp_path / "t.csv")
    (tmp_path / "u.csv").write_text("cause,effect,weight\nX0,X1\nX2,X3\n")  # a header, then no weights: a graph
    p.set_truth(tmp_path / "u.csv")
    assert p.truth.sum() == 2 and p.truth_weights is None


def test_a_result_listing_an_edge_twice_is_refused_or_reported(tmp_path, capsys):
    """An edges-only solution with X0 -> X1 twice (weights 0.5 and 1.5) was checked with the last weight, exit 0;
    beside an adjacency the mismatch read 'listed but not in the adjacency: none; ... not listed: none'."""
    p = _five(tmp_path)
    W = np.zeros((5, 5))
    W[0, 1] = 0.5
    e = {"cause": "X0", "effect": "X1", "weight": 0.5}
    r = tmp_path / "r.json"
    r.write_text(json.dumps({"problem": "dag", "solution": {"edges": [e, dict(e, weight=1.5)]}}))
    assert main(["check", str(tmp_path / "data.csv"), str(r), "-k", "dag"]) == 2
    assert "edge X0 -> X1 is listed twice" in capsys.readouterr().err
    r.write_text(json.dumps({"problem": "dag", "objective": p.score(W),
                             "solution": {"adjacency": W.tolist(), "edges": [e, e]}}))
    assert main(["check", str(tmp_path / "data.csv"), str(r), "-k", "dag"]) == 1
    assert "mismatch: edges: the result lists an edge twice" in capsys.readouterr().out
    r.write_text(json.dumps({"problem": "dag", "objective": p.score(W),
                             "solution": {"adjacency": W.tolist(), "edges": [e, "X0->X1"]}}))
    assert main(["check", str(tmp_path / "data.csv"), str(r), "-k", "dag"]) == 1
    assert "is not its adjacency's" in capsys.readouterr().out


def test_npz_names_stored_as_bytes_are_the_names(tmp_path):
    """np.savez(names=np.array([b"p", ...])) gave the variables the names "b'p'", ... (and a truth naming p failed)."""
    from combopt.core.errors import InputError
    from combopt.problems.dag.readers import read_data

    X = _unequal_noise_data()[:, :3]
    np.savez(tmp_path / "d.npz", X=X, names=np.array([b"p", b"q", b"r"]))
    p = read_data(tmp_path / "d.npz")
    assert p.names == ["p", "q", "r"]
    (tmp_path / "t.csv").write_text("p,q\n")
    assert p.set_truth(tmp_path / "t.csv").truth[0, 1] == 1
    np.savez(tmp_path / "bad.npz", X=X, names=np.array([b"\xff", b"q", b"r"]))
    with pytest.raises(InputError, match="not UTF-8"):
        read_data(tmp_path / "bad.npz")


def test_adjacency_with_a_row_named_twice_is_one_line(tmp_path):
    """An adjacency CSV whose row X3 came twice (X1's row missing) was read with the second X3 row and no X1 row: a
    truth of 2 edges instead of 5, without a word; so was a named row overwritten by an unnamed row in its place."""
    from combopt.core.errors import InputError

    p = _five(tmp_path)
    (tmp_path / "a.csv").write_text(",X0,X1,X2,X3,X4\nX0,0,0,0.84,0,0\nX3,0,0,-0.5,1.81,0.59\nX2,0,0,0,0,0\n"
                                    "X3,0,0,0.8,0,0\nX4,0,0,0,0,0\n")
    with pytest.raises(InputError, match=r"a\.csv:5: a second row for 'X3' \(line 3 was one\)"):
        p.set_truth(tmp_path / "a.csv")
    (tmp_path / "b.csv").write_text("X0,X1,X2,X3,X4\nX2,0,0,0,0,0\nX0,0,0,1,0,0\n0,0,0,0,0\nX3,0,0,1,0,0\n"
                                    "X4,0,0,0,0,0\n")
    with pytest.raises(InputError, match=r"b\.csv:4: a second row for 'X2'"):
        p.set_truth(tmp_path / "b.csv")
    (tmp_path / "c.csv").write_text(",X3,X0,X4,X1,X2\nX4,0,0,0,0,0\nX0,0,0,0,0,0.8\nX1,1.8,0,0.6,0,-0.5\n"
                                    "X2,0,0,0,0,0\nX3,0,0,0,0,0.8\n")  # every row once, in any order: read by name
    t = p.set_truth(tmp_path / "c.csv").truth
    assert {(int(i), int(j)) for i, j in zip(*np.nonzero(t), strict=True)} == {(0, 2), (1, 3), (1, 4), (1, 2), (3, 2)}


def test_a_result_without_solution_has_its_bound_checked_against_the_best_order(tmp_path, capsys):
    """`"solution": null` with a bound of 20 on data whose best DAG scores 18.36 passed (only the empty graph, 0.5
    trace(S), was a witness without a solution)."""
    p = _five(tmp_path)
    opt = order_score(p.S, best_order(p.S))
    r = tmp_path / "r.json"
    for bound, rc in ((opt * 1.05, 1), (opt * 0.999, 0)):
        r.write_text(json.dumps({"problem": "dag", "sense": "min", "status": "unknown", "bound": bound,
                                 "solution": None}))
        assert main(["check", str(tmp_path / "data.csv"), str(r), "-k", "dag"]) == rc
        assert ("best of all orders" in capsys.readouterr().out) == (rc == 1)


def test_three_weighted_edges_by_index_on_three_variables_are_an_edge_list(tmp_path):
    """On d = 3, `0,1,0.8` `0,2,-0.9` `2,1,1.9` (three rows of three numbers) was read as a 3 x 3 adjacency and
    refused for its non-zero diagonal; a real 3 x 3 adjacency is still one."""
    from combopt.core.errors import InputError

    X = _unequal_noise_data()[:, :3]
    p = DAGProblem(X)
    (tmp_path / "e.csv").write_text("0,1,0.8\n0,2,-0.9\n2,1,1.9\n")
    p.set_truth(tmp_path / "e.csv")
    expect = np.zeros((3, 3))
    expect[0, 1], expect[0, 2], expect[2, 1] = 0.8, -0.9, 1.9
    assert np.array_equal(p.truth_weights, expect)
    (tmp_path / "a.csv").write_text("0,1,0\n0,0,1\n0,0,0\n")
    assert np.array_equal(p.set_truth(tmp_path / "a.csv").truth, [[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    (tmp_path / "s.csv").write_text("0,1,0\n0,1,1\n0,0,0\n")
    with pytest.raises(InputError, match="non-zero diagonal"):
        p.set_truth(tmp_path / "s.csv")
    (tmp_path / "two.csv").write_text("0,1\n1,2\n")
    assert p.set_truth(tmp_path / "two.csv").truth.sum() == 2
