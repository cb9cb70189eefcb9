"""The default mis/clique solver (``sa-ils``) on graphs with a hidden clique of known size."""

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.core.errors import ParameterError
from combopt.core.registry import get_solver
from combopt.generators.cliques import brock_graph, planted_clique, san_graph
from combopt.problems.graph.mis import IndependentSet


def exact_clique_number(g) -> int:
    G = nx.Graph()
    G.add_nodes_from(range(g.n))
    G.add_edges_from(map(tuple, g.edges))
    return len(nx.max_weight_clique(G, weight=None)[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_san_graph_clique_number_is_exactly_k(seed):
    g, k = san_graph(40, 0.6, 8, seed)
    assert exact_clique_number(g) == k
    assert abs(g.density - 0.6) < 0.08


def test_brock_graph_camouflages_the_clique_degrees():
    g, k = brock_graph(400, 0.7, 40, 0, camouflage=2.0)
    deg = g.degrees()
    # the hidden clique: the k vertices whose pairs are all edges, found from the planted seed's order
    order = np.random.default_rng(0)
    order.random((400, 400))
    C = order.permutation(400)[:k]
    E = {(int(u), int(v)) for u, v in g.edges}
    assert all((min(a, b), max(a, b)) in E for i, a in enumerate(C) for b in C[i + 1:])
    # camouflage: the clique's vertices are below the average degree, not above (a planted clique would be above)
    others = np.setdiff1d(np.arange(400), C)
    assert deg[C].mean() < deg[others].mean()
    g2, _ = planted_clique(400, 0.7, 40, 0)
    assert g2.degrees()[C].mean() > deg[C].mean()


def test_small_brock_graph_has_the_planted_clique_number():
    g, k = brock_graph(50, 0.5, 12, 1)
    assert exact_clique_number(g) == k


def test_generators_reject_bad_parameters():
    with pytest.raises(ParameterError):
        san_graph(10, 1.5, 3)
    with pytest.raises(ParameterError):
        planted_clique(10, 0.5, 11)


def test_default_for_mis_and_clique_is_the_hybrid():
    assert get_solver(None, "clique").name == "sa-ils"
    assert get_solver(None, "mis").name == "sa-ils"


GRAPHS = [
    ("san", lambda: san_graph(120, 0.7, 20, 11)),
    ("san-dense", lambda: san_graph(120, 0.9, 40, 12)),
    ("brock", lambda: brock_graph(120, 0.7, 16, 13, camouflage=2.0)),
    ("planted", lambda: planted_clique(150, 0.5, 16, 14)),
]


@pytest.mark.parametrize("name,make", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_default_finds_the_hidden_clique_within_an_iteration_budget(name, make):
    g, k = make()
    prob = IndependentSet(g, "clique")
    res = combopt.solve(prob, max_iterations=6, target=k, seed=0)
    assert res.solver == "sa-ils"
    assert res.feasible and res.objective >= k
    # independent check: every pair of the answer is an edge of the original graph
    S = np.sort(np.asarray(res.solution))
    E = {(int(u), int(v)) for u, v in g.edges}
    assert all((int(S[i]), int(S[j])) in E for i in range(len(S)) for j in range(i + 1, len(S)))


def test_iteration_limited_runs_are_deterministic():
    g, k = san_graph(80, 0.7, 14, 3)
    prob = IndependentSet(g, "clique")
    a = combopt.solve(prob, "sa-ils", max_iterations=2, seed=5)
    b = combopt.solve(prob, "sa-ils", max_iterations=2, seed=5)
    assert np.array_equal(np.sort(a.solution), np.sort(b.solution))


def test_mis_kind_on_a_sparse_graph_matches_the_exact_answer():
    G = nx.gnp_random_graph(30, 0.15, seed=4)
    alpha = len(nx.max_weight_clique(nx.complement(G), weight=None)[0])
    res = combopt.solve(IndependentSet.from_networkx(G, "mis"), max_iterations=3, seed=0)
    assert res.solver == "sa-ils" and res.objective == alpha


def test_rejects_bad_penalty():
    g, _ = san_graph(20, 0.5, 4, 0)
    with pytest.raises(ParameterError):
        combopt.solve(IndependentSet(g, "clique"), "sa-ils", max_iterations=1, penalty=1.0)


def test_large_graphs_run_the_ils_walks_alone(monkeypatch, no_theta):
    import combopt.solvers.graph.hybrid as hybrid
    from combopt.problems.graph import mis

    monkeypatch.setattr(mis, "MIN_KERNEL_CUT", 2.0)  # the phases on the file's graph (no kernel, no exact phase)
    G = nx.gnp_random_graph(60, 0.1, seed=7)
    alpha = len(nx.max_weight_clique(nx.complement(G), weight=None)[0])
    prob = IndependentSet.from_networkx(G, "mis")
    monkeypatch.setattr(hybrid, "ILS_ONLY_N", 50)  # 60 vertices count as a large graph
    res = combopt.solve(prob, "sa-ils", max_iterations=3, seed=0)
    assert res.info["mode"].startswith("ILS walks alone") and "sweeps_done" not in res.info
    assert res.objective == alpha and prob.evaluate(res.solution).feasible
    ils = combopt.solve(prob, "ils", max_iterations=3, seed=0)
    assert ils.objective == res.objective
    both = combopt.solve(prob, "sa-ils", max_iterations=3, seed=0, hybrid=True)  # every phase on request
    assert "mode" not in both.info and both.info["sweeps_done"] > 0 and both.objective == alpha
    with pytest.raises(ParameterError, match="num_reads"):  # a hybrid parameter where no hybrid runs
        combopt.solve(prob, "sa-ils", max_iterations=1, num_reads=4)
    monkeypatch.setattr(hybrid, "ILS_ONLY_N", 10**6)
    small = combopt.solve(prob, "sa-ils", max_iterations=3, seed=0, hybrid="false")
    assert small.info["mode"].startswith("ILS walks alone")


def test_phased_search_is_off_by_default_on_large_graphs(monkeypatch):
    import combopt.solvers.graph.hybrid as hybrid
    from combopt.problems.graph import mis

    monkeypatch.setattr(mis, "MIN_KERNEL_CUT", 2.0)  # the graph searched is the file's (60 vertices), not a kernel
    G = nx.gnp_random_graph(60, 0.1, seed=8)
    prob = IndependentSet.from_networkx(G, "mis")
    monkeypatch.setattr(hybrid, "PHASED_MAX_N", 50)
    res = combopt.solve(prob, "sa-ils", max_iterations=2, seed=0)
    assert res.info["num_phased"] == 0 and res.info["phased_steps_done"] == 0
    monkeypatch.setattr(hybrid, "PHASED_MAX_N", 10**6)
    assert combopt.solve(prob, "sa-ils", max_iterations=2, seed=0).info["phased_steps_done"] > 0
