"""Maximum clique of sparse graphs without the complement: core numbers, the colouring branch and bound, and the
``clique-cores`` search that ``sa-ils`` / ``ils`` hand such graphs to."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.core.errors import ParameterError
from combopt.problems.graph.cores import core_numbers, later_neighbours, max_clique_bb
from combopt.problems.graph.graph import Graph
from combopt.problems.graph.mis import IndependentSet


def _omega_brute(n, A):
    best = 0
    for r in range(n, 0, -1):
        for S in itertools.combinations(range(n), r):
            if all(A[i, j] for i, j in itertools.combinations(S, 2)):
                return r
    return best


def _random_graph(rng, n_lo: int, n_hi: int, p_lo: float):
    """``(n, A, omega)``: a random graph's size, symmetric boolean adjacency and clique number (brute force)."""
    n = int(rng.integers(n_lo, n_hi))
    A = np.triu(rng.random((n, n)) < rng.uniform(p_lo, 0.9), 1)
    A = A | A.T
    return n, A, _omega_brute(n, A)


def test_branch_and_bound_finds_the_clique_number_of_small_graphs():
    rng = np.random.default_rng(0)
    for _ in range(150):
        n, A, w = _random_graph(rng, 0, 13, 0.2)
        size, members, finished, _ = max_clique_bb(A, 0, 10**9)
        assert finished and size == w
        assert all(A[i, j] for i, j in itertools.combinations(members.tolist(), 2))
        size, _, finished, _ = max_clique_bb(A, w, 10**9)  # nothing beats the clique number itself
        assert finished and size == 0
        if w > 1:
            size, _, _, _ = max_clique_bb(A, w - 1, 10**9)
            assert size == w


def test_core_numbers_and_degeneracy_order_match_networkx():
    for seed in range(6):
        G = nx.gnm_random_graph(300, 1500, seed=seed) if seed % 2 else nx.barabasi_albert_graph(300, 3, seed=seed)
        g = Graph.from_networkx(G)
        core, order = core_numbers(*g.csr())
        ref = nx.core_number(G)
        assert core.tolist() == [ref[v] for v in range(300)]
        assert sorted(order.tolist()) == list(range(300))
        rank = np.empty(300, dtype=np.int64)
        rank[order] = np.arange(300)
        for v in range(300):  # at removal, a vertex has at most its core number of later neighbours
            assert sum(rank[u] > rank[v] for u in G[v]) <= core[v]


def test_later_neighbours_are_the_later_ones_of_large_enough_core():
    G = nx.powerlaw_cluster_graph(400, 4, 0.5, seed=1)
    indptr, indices = Graph.from_networkx(G).csr()
    core, order = core_numbers(indptr, indices)
    rank = np.empty(400, dtype=np.int64)
    rank[order] = np.arange(400)
    out = np.empty(400, dtype=np.int64)
    for v in range(0, 400, 7):
        for least in range(0, int(core.max()) + 2):
            k = later_neighbours(indptr, indices, rank, core, v, least, out)
            assert sorted(out[:k].tolist()) == sorted(u for u in G[v] if rank[u] > rank[v] and core[u] >= least)


def _planted(n, m, k, seed):
    G = nx.barabasi_albert_graph(n, m, seed=seed)
    S = np.random.default_rng(seed).choice(n, k, replace=False)
    G.add_edges_from((int(a), int(b)) for i, a in enumerate(S) for b in S[i + 1:])
    return G


@pytest.mark.parametrize("solver", [None, "ils", "clique-cores"])
def test_sparse_clique_search_is_exact_and_never_builds_the_complement(solver):
    for seed in range(2):
        G = _planted(3000, 4, 14, seed)
        omega = max(len(c) for c in nx.find_cliques(G))
        P = IndependentSet.from_networkx(G, "clique")
        assert P.sparse_clique
        res = combopt.solve(P, solver, time_limit=60, seed=0)
        assert res.objective == omega and res.bound == omega and res.status == combopt.Status.OPTIMAL
        assert P.evaluate(res.solution).feasible and P._work is None
        assert P.bounds()["core"] >= omega


def test_a_search_cut_short_claims_no_proof_and_keeps_its_bound_above_the_clique_number():
    G = _planted(3000, 4, 14, 3)
    omega = max(len(c) for c in nx.find_cliques(G))
    P = IndependentSet.from_networkx(G, "clique")
    res = combopt.solve(P, "clique-cores", node_budget=1, seed=0)
    assert res.info["searches_cut_short"] > 0
    assert res.bound >= omega and res.objective <= omega and P.evaluate(res.solution).feasible
    assert (res.status == combopt.Status.OPTIMAL) == (res.objective == res.bound)


def test_hybrid_parameters_do_not_apply_to_the_sparse_route():
    P = IndependentSet.from_networkx(_planted(3000, 3, 8, 0), "clique")
    with pytest.raises(ParameterError, match="clique-cores"):
        combopt.solve(P, "sa-ils", time_limit=5, num_reads=8)


def test_dense_clique_graphs_keep_the_independent_set_route():
    G = nx.gnp_random_graph(200, 0.9, seed=1)
    P = IndependentSet.from_networkx(G, "clique")
    assert not P.sparse_clique
    res = combopt.solve(P, "sa-ils", max_iterations=2, seed=0)
    assert "mode" not in res.info or "clique-cores" not in res.info["mode"]


def test_a_cold_runs_warmer_compiles_the_sparse_route():
    from combopt.warmup import jobs

    assert {(j.solver, j.kind) for j in jobs(solver="sa-ils", kind="clique")} == {("sa-ils", "clique"),
                                                                               ("clique-cores", "clique")}


def test_the_resumable_proof_in_tiny_slices_settles_the_clique_number():
    """CliqueProof.run resumes where it stopped; with ``retry`` a search cut short by its node budget is tried again
    with twice the budget, so slices of a millisecond still complete the proof, at the clique number (brute force),
    and a proof started below it reports a larger clique on the way."""
    from types import SimpleNamespace

    from combopt.core.stopping import MaxIterations, SearchState
    from combopt.solvers.graph.sparse_clique import CliqueProof

    rng = np.random.default_rng(3)
    for _ in range(12):
        n, A, w = _random_graph(rng, 8, 14, 0.4)
        P = IndependentSet(Graph.from_edges(n, np.argwhere(np.triu(A))), "clique")
        state = SearchState(sense="max", criterion=MaxIterations(10**9))
        state.report(1.0, np.array([0]))  # a weak incumbent: the proof must find the rest
        proof = CliqueProof(P)
        assert proof.bound(1) >= w
        calls = 0
        while not proof.complete:
            proof.run(SimpleNamespace(state=state, time_left=100.0), node_budget=1, seconds=1e-3, retry=True)
            calls += 1
            assert calls < 10_000 and proof.bound(int(state.best)) >= w  # every step's bound is a bound
        assert state.best == w == proof.bound(int(state.best))
        assert all(A[i, j] for i, j in itertools.combinations(state.best_solution.tolist(), 2))


@pytest.mark.parametrize("solver", ["sa-ils", "ils"])
def test_graph_solvers_prove_dense_clique_numbers_once_the_search_stalls(solver):
    """sa-ils and ils on dense random graphs: once the search stalls, the colouring branch and bound from the
    incumbent proves the clique number (networkx's enumeration) and ends the run well before its limit; never an
    optimal claim above or below it."""
    for seed, (n, p) in enumerate(((90, 0.6), (120, 0.5))):
        G = nx.gnp_random_graph(n, p, seed=seed)
        omega = max(len(c) for c in nx.find_cliques(G))
        P = IndependentSet.from_networkx(G, "clique")
        res = combopt.solve(P, solver, time_limit=60, seed=0)
        assert res.objective == omega and P.evaluate(res.solution).feasible
        assert res.status == combopt.Status.OPTIMAL and res.bound == omega
        assert res.runtime < 30  # proven, not timed out (the limit is far above what the proof takes)
        assert res.info["clique_proof"]["complete"]


def test_work_outside_the_iterations_does_not_count_as_iteration_time():
    """A bound or proof slice between a search's rounds (SearchState.outside_iterations) is left out of the next
    round's time, so that the time-left guard does not stop a run because one round carried a long bound."""
    import time

    from combopt.core.stopping import MaxRuntime, SearchState

    state = SearchState(sense="max", criterion=MaxRuntime(3.0))
    state.begin_iterations()
    state.next_iteration()
    t0 = time.perf_counter()
    time.sleep(0.3)  # a slice of a proof
    state.outside_iterations(time.perf_counter() - t0)
    state.next_iteration()
    assert state.last_iteration_time < 0.1
    time.sleep(0.3)  # a round of the search itself counts
    state.next_iteration()
    assert state.last_iteration_time >= 0.29


def test_independent_set_searches_prove_small_graphs_through_the_complement():
    """kind mis on up to ~1400 vertices: the stall's exact proof is the clique proof of the complement (same vertices,
    same size); it ends the run optimal at the independence number (networkx's exact clique of the complement)."""
    for seed, (n, p) in enumerate(((70, 0.15), (90, 0.2))):
        G = nx.gnp_random_graph(n, p, seed=seed)
        alpha = nx.max_weight_clique(nx.complement(G), weight=None)[1]
        P = IndependentSet.from_networkx(G, "mis")
        res = combopt.solve(P, "sa-ils", time_limit=60, seed=0)
        assert res.objective == alpha and P.evaluate(res.solution).feasible
        assert res.status == combopt.Status.OPTIMAL and res.bound == alpha and res.runtime < 30
        assert res.info.get("clique_proof", {}).get("complete") or \
            res.info.get("exact_phase", {}).get("status") == "Optimal"  # (HiGHS on the reductions' kernel)


def test_the_proof_without_an_incumbent_searches_every_vertex():
    """With no incumbent (best 0) a vertex without later neighbours is searched too (its budget divided by zero
    candidates had raised): the proof completes at the clique number and reports a clique of that size."""
    from types import SimpleNamespace

    from combopt.core.stopping import MaxIterations, SearchState
    from combopt.solvers.graph.sparse_clique import CliqueProof

    for n, edges in ((5, np.zeros((0, 2), dtype=np.int64)), (4, np.array([[0, 1], [2, 3]]))):
        P = IndependentSet(Graph.from_edges(n, edges), "clique")
        state = SearchState(sense="max", criterion=MaxIterations(10**9))
        proof = CliqueProof(P)
        proof.run(SimpleNamespace(state=state, time_left=100.0), seconds=10.0, retry=True)
        w = 1 if edges.size == 0 else 2
        assert proof.complete and state.best == w == proof.bound(int(state.best))


def test_an_independent_set_search_builds_the_complement_once(monkeypatch):
    """The colouring bound and the exact proof of kind mis share one clique problem of the complement
    (IndependentSet.clique_view): the complement is built once per run."""
    from combopt.problems.graph import graph as graph_mod

    calls = []
    complement = graph_mod.Graph.complement

    def counted(self):
        calls.append(self.n)
        return complement(self)

    monkeypatch.setattr(graph_mod.Graph, "complement", counted)
    G = nx.gnp_random_graph(100, 0.15, seed=2)
    P = IndependentSet.from_networkx(G, "mis")
    res = combopt.solve(P, "sa-ils", time_limit=30, seed=0, reduce=False)
    assert res.status == combopt.Status.OPTIMAL and res.info["clique_proof"]["complete"]
    assert calls == [100]
