"""Alpha-nearness candidate lists (combopt/problems/tsp/bound.py) against brute force, and tsp-ls with them.

``alpha(i, j)``: length of the minimum 1-tree (special city 0) that contains edge ``(i, j)`` minus the
minimum 1-tree length, both under ``D[i, j] + pi[i] + pi[j]``. The brute force below builds the forced
1-tree directly (Kruskal with the edge taken first, or at the special city the edge plus its cheapest
other edge), independently of the kernel's tree-path method.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt import ParameterError
from combopt.problems.tsp.bound import alpha_candidates, held_karp, one_tree
from combopt.problems.tsp.model import TSP

DATA = Path(__file__).parent / "data" / "tsp"


def mst(W, nodes, forced=()) -> float:
    root = {v: v for v in nodes}

    def find(x):
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    total = 0.0
    for a, b in forced:
        root[find(a)] = find(b)
        total += W[a, b]
    for w, a, b in sorted((W[a, b], a, b) for a, b in itertools.combinations(nodes, 2)):
        if find(a) != find(b):
            root[find(a)] = find(b)
            total += w
    return total


def brute_alpha(W) -> np.ndarray:
    n = W.shape[0]
    rest = list(range(1, n))
    tree = mst(W, rest)
    ends = sorted(W[0, v] for v in rest)
    best = tree + ends[0] + ends[1]
    A = np.zeros((n, n))
    for i, j in itertools.combinations(range(n), 2):
        if i == 0:
            forced = tree + W[0, j] + min(W[0, v] for v in rest if v != j)
        else:
            forced = mst(W, rest, [(i, j)]) + ends[0] + ends[1]
        A[i, j] = A[j, i] = forced - best
    return A


def full_alpha(D, pi):
    n = D.shape[0]
    nbr, al, used = alpha_candidates(D, n - 1, pi=pi)
    A = np.zeros((n, n))
    for i in range(n):
        A[i, nbr[i]] = al[i]
    return nbr, A, used


def instances():
    rng = np.random.default_rng(5)
    for t in range(12):
        n = int(rng.integers(4, 11))
        D = TSP.from_coords(rng.uniform(0, 100, (n, 2))).D.astype(np.float64)
        yield D, (rng.normal(0, 8, n) if t % 3 else np.zeros(n))
    g = np.array([(x, y) for x in range(3) for y in range(3)], dtype=np.float64) * 10  # many ties
    yield TSP.from_coords(g).D.astype(np.float64), np.zeros(9)
    yield TSP.from_coords(g).D.astype(np.float64), np.arange(9.0)


@pytest.mark.parametrize("case", range(14))
def test_alpha_matches_brute_force(case):
    D, pi = list(instances())[case]
    nbr, A, used = full_alpha(D, pi)
    np.testing.assert_array_equal(used, pi)
    W = D + pi[:, None] + pi[None, :]
    np.testing.assert_allclose(A, brute_alpha(W), atol=1e-7)
    n = D.shape[0]
    for i in range(n):  # every other city once, nearest first
        assert sorted(nbr[i].tolist()) == [j for j in range(n) if j != i]
        assert np.all(np.diff(D[i, nbr[i]]) >= 0)


def test_alpha_zero_on_one_tree_edges_and_lists_hold_tree_neighbours():
    rng = np.random.default_rng(2)
    D = TSP.from_coords(rng.uniform(0, 1000, (80, 2))).D.astype(np.float64)
    hk = held_karp(D, 30)
    _, A, pi = full_alpha(D, hk.pi)
    _, degree, edges = one_tree(D, pi)
    for a, b in edges:
        assert A[a, b] == 0.0 and A[b, a] == 0.0
    assert np.all(A >= 0)
    assert np.allclose(A, A.T, atol=1e-6)
    k = int(degree.max())
    nbr, al, _ = alpha_candidates(D, k, pi=pi)
    assert nbr.shape == (80, k) and np.all(al >= 0)
    for a, b in edges:
        assert b in nbr[a] and a in nbr[b]
    for i in range(80):
        assert i not in nbr[i] and len(set(nbr[i].tolist())) == k
        assert np.all(np.diff(D[i, nbr[i]]) >= 0)
        np.testing.assert_allclose(al[i], A[i, nbr[i]])
        # the kept ones are the k smallest alpha values of the row
        assert al[i].max() <= np.sort(np.delete(A[i], i))[k - 1] + 1e-9


def test_alpha_candidates_validation_and_deadline():
    D = TSP.from_coords(np.random.default_rng(0).uniform(0, 100, (12, 2))).D
    with pytest.raises(ParameterError):
        alpha_candidates(D[:2, :2])
    with pytest.raises(ParameterError):
        alpha_candidates(D, pi=np.zeros(5))
    with pytest.raises(ParameterError):
        alpha_candidates(D, special=12)
    assert held_karp(D, 50, deadline=0.0).iterations == 1  # a deadline in the past: one 1-tree
    nbr, al, pi = alpha_candidates(D, 40, iterations=5)
    assert nbr.shape == (12, 11) and pi.shape == (12,)


def test_tsp_ls_alpha_candidates_solve_eil51():
    res = combopt.solve(DATA / "eil51.tsp", "tsp-ls", time_limit=20, target=426, seed=1)
    assert res.info["candidates"] == "alpha" and res.info["neighbours"] == 5
    p = combopt.read(DATA / "eil51.tsp")
    ev = p.evaluate(res.solution)
    assert ev.feasible and ev.objective == res.objective == 426


def test_tsp_ls_candidates_parameter():
    path = DATA / "eil51.tsp"
    res = combopt.solve(path, "tsp-ls", max_iterations=2, seed=0, candidates="nearest")
    assert res.info["candidates"] == "nearest" and res.info["neighbours"] == 10
    assert combopt.read(path).evaluate(res.solution).objective == res.objective
    res = combopt.solve(path, "tsp-ls", max_iterations=2, seed=0, candidates="alpha", neighbours=6, ascent=3)
    assert res.info["candidates"] == "alpha" and res.info["neighbours"] == 6
    for bad in ({"candidates": "quadrant"}, {"candidates": 5}, {"ascent": 0}):
        with pytest.raises(ParameterError):
            combopt.solve(path, "tsp-ls", max_iterations=1, **bad)


def test_tsp_ls_alpha_falls_back_to_nearest_without_time(monkeypatch):
    from combopt.solvers.tsp import ils

    monkeypatch.setattr(ils, "ONE_TREE_S", 1.0)  # as if a 1-tree took a second per city pair
    res = combopt.solve(DATA / "eil51.tsp", "tsp-ls", time_limit=5, max_iterations=2, seed=0)
    assert res.info["candidates"] == "nearest"
