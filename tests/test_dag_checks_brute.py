"""The DAG family's correctness checks against brute force: acyclicity (``topological_order``, ``find_cycle``,
``is_dag``), the structure metrics (``count_accuracy``) and ``DAGProblem.evaluate`` / ``bound``.

Every graph on 3 nodes (self-loops included: 2**9 of them) and random graphs on 5 nodes are checked against the
definition of a DAG (some order of the nodes puts every edge forward); the metrics against their definitions
written out pair by pair; the score against per-node residual sums and the bound against the best DAG found by
trying every order (mutation-testing target ``dag-acyclicity-metrics`` / ``dag-evaluate``)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from combopt.problems.dag import DAGProblem, count_accuracy, find_cycle, is_dag, topological_order
from combopt.problems.dag.metrics import support


def _brute_is_dag(A: np.ndarray) -> bool:
    d = A.shape[0]
    return any(all(pos[i] < pos[j] for i, j in zip(*np.nonzero(A), strict=True))
               for pos in (dict(zip(p, range(d), strict=True)) for p in itertools.permutations(range(d))))


def _brute_smallest_order(A: np.ndarray) -> list[int] | None:
    """The lexicographically smallest topological order (Kahn's with the smallest ready node first finds it)."""
    d = A.shape[0]
    for p in itertools.permutations(range(d)):  # permutations come in lexicographic order
        pos = {v: k for k, v in enumerate(p)}
        if all(pos[i] < pos[j] for i, j in zip(*np.nonzero(A), strict=True)):
            return list(p)
    return None


def _graphs():
    for bits in range(2 ** 9):
        yield np.array([(bits >> k) & 1 for k in range(9)]).reshape(3, 3)
    rng = np.random.default_rng(7)
    for _ in range(300):
        d = int(rng.integers(4, 6))
        A = (rng.random((d, d)) < rng.choice([0.15, 0.3, 0.5])).astype(int)
        if rng.random() < 0.7:
            np.fill_diagonal(A, 0)
        yield A * rng.choice([1.0, -0.5, 2.5])  # weighted: any non-zero entry is an edge


def test_acyclicity_checks_match_brute_force():
    for A in _graphs():
        dag = _brute_is_dag(A)
        assert is_dag(A) == dag, A
        order = topological_order(A)
        assert order == _brute_smallest_order(A), A
        cyc = find_cycle(A)
        if dag:
            assert cyc is None, A
        else:
            # a closed walk along edges of A, every node on it once (a simple cycle)
            assert cyc is not None and len(cyc) >= 2 and cyc[0] == cyc[-1], (A, cyc)
            assert len(set(cyc[:-1])) == len(cyc) - 1, (A, cyc)
            assert all(A[u, v] != 0 for u, v in itertools.pairwise(cyc)), (A, cyc)


def test_find_cycle_finds_a_cycle_reached_late_in_the_search():
    # 0 -> 1 -> 2 -> 3 -> 4 -> 2: the cycle is entered from a path, and node 0's search finds it at depth 4
    A = np.zeros((5, 5))
    for i, j in [(0, 1), (1, 2), (2, 3), (3, 4), (4, 2)]:
        A[i, j] = 1
    assert find_cycle(A) == [2, 3, 4, 2]
    # explored-and-finished nodes (colour 2) are not cycles: a diamond 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3
    D = np.zeros((4, 4))
    for i, j in [(0, 1), (0, 2), (1, 3), (2, 3)]:
        D[i, j] = 1
    assert find_cycle(D) is None and topological_order(D) == [0, 1, 2, 3]


def test_support_is_the_entries_above_tol():
    W = np.array([[0.0, -0.3, 1e-12], [0.5, 0.0, -2.0], [0.3, 0.0, 0.0]])
    assert support(W).tolist() == [[0, 1, 1], [1, 0, 1], [1, 0, 0]]
    assert support(W, 0.3).tolist() == [[0, 0, 0], [1, 0, 1], [0, 0, 0]]  # |w| > tol, strictly
    assert support(W).dtype == np.int64


def _metrics_by_definition(T: np.ndarray, E: np.ndarray) -> dict:
    d = T.shape[0]
    tp = rev = fp = miss = extra_sk = 0
    for i in range(d):
        for j in range(d):
            if E[i, j]:
                if T[i, j]:
                    tp += 1
                elif T[j, i]:
                    rev += 1
                else:
                    fp += 1
    for i in range(d):
        for j in range(i):  # skeleton pairs
            t, e = T[i, j] or T[j, i], E[i, j] or E[j, i]
            miss += bool(t and not e)
            extra_sk += bool(e and not t)
    pred, cond = int(E.sum()), int(T.sum())
    return {"shd": extra_sk + miss + rev, "tpr": tp / max(cond, 1), "fdr": (rev + fp) / max(pred, 1),
            "fpr": (rev + fp) / max(d * (d - 1) / 2 - cond, 1), "nnz": pred, "true_edges": cond,
            "true_positive": tp, "reversed": rev, "false_positive": fp, "missing": miss}


def test_count_accuracy_matches_the_definitions():
    rng = np.random.default_rng(11)
    for _ in range(300):
        d = int(rng.integers(2, 7))
        perm = rng.permutation(d)
        # a random DAG truth and a random DAG estimate (upper triangular in random orders)
        T = np.triu(rng.random((d, d)) < rng.uniform(0.1, 0.9), 1)[np.ix_(perm, perm)].astype(int)
        perm2 = rng.permutation(d) if rng.random() < 0.5 else perm
        E = np.triu(rng.random((d, d)) < rng.uniform(0.1, 0.9), 1)[np.ix_(perm2, perm2)].astype(int)
        got = count_accuracy(T, E * rng.choice([1.0, -0.7]))
        want = _metrics_by_definition(T, E)
        assert got.keys() == want.keys()
        for k, v in want.items():
            assert got[k] == pytest.approx(v, abs=1e-12), (k, T, E)
    with pytest.raises(ValueError):
        count_accuracy(np.zeros((3, 3)), np.zeros((3, 4)))


# -- DAGProblem.evaluate and bound --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def prob():
    rng = np.random.default_rng(5)
    n, d = 40, 4
    X = rng.normal(size=(n, d))
    X[:, 1] += 0.8 * X[:, 0]
    X[:, 3] += 0.5 * X[:, 1] - 0.7 * X[:, 2]
    return DAGProblem(X + 3.0)  # an offset: the score is on centred data


def _score_by_loops(X: np.ndarray, W: np.ndarray) -> float:
    n, d = X.shape
    Xc = X - X.mean(axis=0)
    total = 0.0
    for j in range(d):
        r = Xc[:, j] - sum(Xc[:, i] * W[i, j] for i in range(d))
        total += float(r @ r)
    return total / (2 * n)


def test_evaluate_matches_brute_force_score_and_acyclicity(prob):
    rng = np.random.default_rng(2)
    X = prob.Xc + 3.0
    d = prob.d
    for _ in range(150):
        A = (rng.random((d, d)) < 0.35).astype(float)
        if rng.random() < 0.8:
            np.fill_diagonal(A, 0)
        W = A * rng.normal(size=(d, d))
        ev = prob.evaluate(W)
        assert ev.objective == pytest.approx(_score_by_loops(X, W), rel=1e-12)
        assert ev.feasible == _brute_is_dag(W)
        assert ev.feasible == (not ev.violations)
        if np.any(np.diag(W)):
            assert all("self-loop" in v for v in ev.violations)
            assert len(ev.violations) == int(np.count_nonzero(np.diag(W)))
        elif not ev.feasible:
            assert len(ev.violations) == 1 and "directed cycle" in ev.violations[0]


def test_evaluate_rejects_bad_shapes_and_values(prob):
    d = prob.d
    assert not prob.evaluate(np.zeros((d, d + 1))).feasible
    assert prob.evaluate(np.zeros((d, d + 1))).objective is None
    W = np.zeros((d, d))
    W[0, 1] = np.nan
    assert not prob.evaluate(W).feasible and prob.evaluate(W).objective is None
    W[0, 1] = np.inf
    assert not prob.evaluate(W).feasible
    assert not prob.evaluate("abc").feasible
    empty = prob.evaluate(np.zeros((d, d)))
    assert empty.feasible and empty.objective == pytest.approx(0.5 * np.trace(prob.S), rel=1e-12)


def test_bound_is_the_all_other_variables_residual_and_below_the_brute_force_optimum(prob):
    Xc, n, d = prob.Xc, prob.n, prob.d
    expect = 0.0
    for j in range(d):
        others = [i for i in range(d) if i != j]
        beta, *_ = np.linalg.lstsq(Xc[:, others], Xc[:, j], rcond=None)
        r = Xc[:, j] - Xc[:, others] @ beta
        expect += float(r @ r) / (2 * n)
    b = prob.bound()
    assert b == pytest.approx(expect, rel=1e-8) and b < expect
    # the optimum over all DAGs: for each order, every node regressed on all its predecessors
    best = np.inf
    for order in itertools.permutations(range(d)):
        W = np.zeros((d, d))
        for k, j in enumerate(order):
            pa = list(order[:k])
            if pa:
                W[pa, j] = np.linalg.lstsq(Xc[:, pa], Xc[:, j], rcond=None)[0]
        best = min(best, prob.evaluate(W).objective)
    assert b <= best


def test_count_accuracy_of_a_complete_truth_and_of_self_loops():
    # a complete DAG truth leaves no true negatives: the FPR's denominator is floored at 1, never 0
    T = np.triu(np.ones((4, 4), dtype=int), 1)
    E = T.T.copy()  # every edge reversed
    m = count_accuracy(T, E)
    assert (m["shd"], m["reversed"], m["fpr"], m["tpr"], m["fdr"]) == (6, 6, 6.0, 0.0, 1.0)
    assert count_accuracy(T, T)["fpr"] == 0.0
    # self-loops are not skeleton pairs: they count as predicted false positives, never in the SHD
    E = T.copy()
    E[2, 2] = 1
    m = count_accuracy(T, E)
    assert (m["shd"], m["nnz"], m["false_positive"], m["true_positive"]) == (0, 7, 1, 6)
    T2 = T.copy()
    T2[1, 1] = 1
    m = count_accuracy(T2, T)
    assert (m["shd"], m["missing"], m["tpr"]) == (0, 0, pytest.approx(6 / 7))
