"""Phased local search (PLS) kernel for MIS / clique: feasibility, exact answers on small graphs,
hidden cliques, and its walks inside ``sa-ils``."""

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.core.errors import ParameterError
from combopt.generators.cliques import brock_graph, san_graph
from combopt.problems.graph.mis import IndependentSet
from combopt.problems.graph.phased import phased_batch


def run_walks(prob, steps, walks=4, seed=0, pd=2, calls=1):
    n = prob.n
    X = np.zeros((walks, n), np.int8)
    PEN = np.zeros((walks, n), np.int64)
    CNT = np.zeros((walks, 2), np.int64)
    B = np.zeros((walks, n), np.int8)
    rng = np.random.default_rng(seed)
    best, best_set = -1, None
    for _ in range(calls):
        sizes = phased_batch(prob.indptr, prob.indices, X, PEN, CNT, steps,
                             rng.integers(1, 2**62, walks).astype(np.uint64), pd, n + 1, B)
        for r in range(walks):
            assert sizes[r] == int(B[r].sum())
            if sizes[r] > best:
                best, best_set = int(sizes[r]), np.flatnonzero(B[r])
    return best, best_set, X, CNT


def independent(G: nx.Graph, S) -> bool:
    S = [int(v) for v in S]
    return all(not G.has_edge(a, b) for i, a in enumerate(S) for b in S[i + 1:])


@pytest.mark.parametrize("seed", range(6))
def test_exact_independence_number_on_small_random_graphs(seed):
    G = nx.gnp_random_graph(35, 0.2, seed=seed)
    alpha = len(nx.max_weight_clique(nx.complement(G), weight=None)[0])
    prob = IndependentSet.from_networkx(G, "mis")
    best, S, X, CNT = run_walks(prob, 3000, seed=seed)
    assert best == alpha and independent(G, S)
    # the walks' current sets stay independent between calls, and all three selection rules ran
    for r in range(X.shape[0]):
        assert independent(G, np.flatnonzero(X[r]))
    assert CNT[:, 1].min() > 200  # perturbations: random, penalty and degree phases (50 + 50 + 100) visited


def test_finds_the_clique_hidden_by_degree_camouflage():
    g, k = brock_graph(150, 0.7, 18, 31, camouflage=2.0)
    prob = IndependentSet(g, "clique")
    best, S, _, _ = run_walks(prob, 20000, calls=3)
    assert best >= k
    E = {(int(u), int(v)) for u, v in g.edges}
    assert all((int(S[i]), int(S[j])) in E for i in range(len(S)) for j in range(i + 1, len(S)))


def test_san_clique_number_is_never_exceeded_and_reached():
    g, k = san_graph(100, 0.7, 16, 32)  # clique number exactly k
    best, _, _, _ = run_walks(IndependentSet(g, "clique"), 20000, calls=2)
    assert best == k


def test_a_start_set_with_conflicts_is_made_independent():
    G = nx.cycle_graph(9)
    prob = IndependentSet.from_networkx(G, "mis")
    X = np.ones((1, 9), np.int8)  # every vertex: all conflicting
    B = np.zeros((1, 9), np.int8)
    sizes = phased_batch(prob.indptr, prob.indices, X, np.zeros((1, 9), np.int64), np.zeros((1, 2), np.int64),
                         500, np.array([7], np.uint64), 2, 10, B)
    assert sizes[0] == 4 and independent(G, np.flatnonzero(B[0]))


def test_sa_ils_reports_phased_walks_and_can_turn_them_off():
    g, k = brock_graph(100, 0.7, 14, 33, camouflage=2.0)
    prob = IndependentSet(g, "clique")
    on = combopt.solve(prob, "sa-ils", max_iterations=2, seed=1)
    off = combopt.solve(prob, "sa-ils", max_iterations=2, seed=1, num_phased=0)
    assert on.info["num_phased"] >= 4 and on.info["phased_steps_done"] > 0
    assert off.info["phased_steps_done"] == 0 and off.feasible
    assert on.objective >= k
    with pytest.raises(ParameterError):
        combopt.solve(prob, "sa-ils", max_iterations=1, num_phased=-1)
