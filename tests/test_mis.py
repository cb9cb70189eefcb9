"""Maximum independent set / clique on real DIMACS graphs."""

import csv

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.problems.graph import read_dimacs


def clique_numbers(data_dir):
    with open(data_dir / "clique-numbers.csv") as f:
        return {r["instance"]: int(r["clique_number"]) for r in csv.DictReader(f)}


def independent_clique_check(path, labels):
    """Parse the file ourselves and check that ``labels`` is a clique."""
    edges = set()
    for line in open(path):
        t = line.split()
        if t and t[0] == "e":
            u, v = int(t[1]), int(t[2])
            edges.add((min(u, v), max(u, v)))
    labels = sorted(labels)
    return all((a, b) in edges for i, a in enumerate(labels) for b in labels[i + 1:])


@pytest.mark.parametrize("name", ["johnson8-2-4", "MANN_a9", "hamming6-2", "C125.9", "johnson16-2-4", "hamming8-4"])
def test_default_solver_reaches_clique_number(data_dir, name):
    omega = clique_numbers(data_dir)[name]
    path = data_dir / f"{name}.clq"
    res = combopt.solve(path, time_limit=30, target=omega, seed=1)
    assert res.problem == "clique" and res.solver == "sa-ils"
    assert res.feasible and res.objective == omega
    assert independent_clique_check(path, res.solution_json)
    assert res.bound is None or res.bound >= omega


@pytest.mark.parametrize("solver", ["ils", "tabu", "pt"])
def test_other_heuristics_on_c125(data_dir, solver):
    res = combopt.solve(data_dir / "C125.9.clq", solver, time_limit=30, target=34, seed=0)
    assert res.objective == 34 and res.feasible


def test_milp_is_exact_on_small_graphs(data_dir):
    for name, omega in [("johnson8-2-4", 4), ("MANN_a9", 16)]:
        res = combopt.solve(data_dir / f"{name}.clq", "milp", time_limit=60)
        assert res.status == combopt.Status.OPTIMAL and res.objective == omega


def test_exact_and_heuristic_agree_on_random_graphs():
    for seed in range(6):
        G = nx.gnp_random_graph(18, 0.3, seed=seed)
        alpha = len(nx.max_weight_clique(nx.complement(G), weight=None)[0])
        prob = combopt.IndependentSet.from_networkx(G, "mis")
        for solver in ("exhaustive", "milp"):
            r = combopt.solve(prob, solver)
            assert r.objective == alpha and r.status == combopt.Status.OPTIMAL
        r = combopt.solve(prob, "sa", max_iterations=3, num_reads=8, num_sweeps=100, seed=seed)
        assert r.objective == alpha
        omega = len(nx.max_weight_clique(G, weight=None)[0])
        clique = combopt.solve(combopt.IndependentSet.from_networkx(G, "clique"), "ils", max_iterations=3)
        assert clique.objective == omega


def test_evaluate_reports_violations(data_dir):
    prob = combopt.read(data_dir / "johnson8-2-4.clq")
    g = read_dimacs(data_dir / "johnson8-2-4.clq")
    u, v = g.edges[0]
    adj = set(map(tuple, g.edges.tolist()))
    w = next(w for w in range(g.n) if w not in (u, v) and (min(u, w), max(u, w)) not in adj)
    ev = prob.evaluate(np.array([u, w]))
    assert not ev.feasible and "not adjacent" in ev.violations[0]
    assert prob.evaluate(np.array([u, v])).feasible
    mis = combopt.read(data_dir / "johnson8-2-4.clq", kind="mis")
    ev = mis.evaluate(np.array([u, v]))
    assert not ev.feasible and "adjacent" in ev.violations[0]


def test_every_returned_set_is_independent_even_with_weak_penalty(data_dir):
    # a QUBO penalty barely above 1 leaves many conflicts in raw samples: repair must fix them all
    prob = combopt.read(data_dir / "hamming6-2.clq")
    res = combopt.solve(prob, "sa", max_iterations=2, penalty=1.01, num_reads=8, num_sweeps=5)
    assert res.feasible


def test_qubo_reduction_minimisers_are_maximum_sets():
    G = nx.cycle_graph(7)
    prob = combopt.IndependentSet.from_networkx(G, "mis")
    q = prob.to_qubo()
    assert q.n == 7 and q.num_interactions == 7
    res = combopt.solve(q, "exhaustive")
    assert res.objective == -3
    with pytest.raises(combopt.ParameterError):
        prob.to_qubo(penalty=0.5)


def test_solve_accepts_networkx_graph():
    res = combopt.solve(nx.petersen_graph(), "sa", max_iterations=2, num_reads=8, num_sweeps=50)
    assert res.problem == "mis" and res.objective == 4


def _csr(n, edges):
    import scipy.sparse as sp

    e = np.array(edges, dtype=np.int64).reshape(-1, 2)
    a = sp.coo_matrix((np.ones(2 * len(e)), (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(n, n)).tocsr()
    return a.indptr.astype(np.int64), a.indices.astype(np.int64)


def _greedy(n, edges, start=(), seed=0):
    from combopt.problems.graph.local import greedy_complete, tightness

    indptr, indices = _csr(n, edges)
    x = np.zeros(n, dtype=np.int8)
    x[list(start)] = 1
    tight = tightness(indptr, indices, x)
    greedy_complete(indptr, indices, x, tight, np.array([seed + 1], dtype=np.uint64))
    return x, tight


def _tree_mis(n, edges):
    """Maximum independent set size of a forest by dynamic programming (independent of the solver)."""
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    total = 0
    for comp in nx.connected_components(g):
        root = next(iter(comp))
        inn, out = {}, {}
        for v in reversed(list(nx.dfs_preorder_nodes(g, root))):
            kids = [u for u in g[v] if u in inn]
            inn[v] = 1 + sum(out[u] for u in kids)
            out[v] = sum(max(inn[u], out[u]) for u in kids)
        total += max(inn[root], out[root])
    return total


def test_greedy_completion_on_a_star_takes_every_leaf():
    n = 50
    x, _ = _greedy(n, [(0, i) for i in range(1, n)])
    assert x[0] == 0 and x[1:].all()


@pytest.mark.parametrize("seed", range(6))
def test_greedy_completion_is_independent_maximal_and_keeps_its_start(seed):
    rng = np.random.default_rng(seed)
    n = 120
    g = nx.gnp_random_graph(n, 0.05 + 0.05 * seed, seed=seed)
    edges = list(g.edges())
    start = [0] if seed % 2 else []
    x, tight = _greedy(n, edges, start, seed=int(rng.integers(1000)))
    S = set(np.flatnonzero(x))
    assert set(start) <= S
    assert all(not (u in S and v in S) for u, v in edges)
    assert all(v in S or any(u in S for u in g[v]) for v in range(n))  # maximal: nothing can be added
    assert np.array_equal(tight, [sum(u in S for u in g[v]) for v in range(n)])


@pytest.mark.parametrize("seed", range(5))
def test_greedy_completion_is_optimal_on_forests(seed):
    # the fewest-free-neighbours rule always takes a leaf or an isolated vertex of a forest, which is safe
    n = 200
    g = nx.random_labeled_tree(n, seed=seed) if hasattr(nx, "random_labeled_tree") else nx.random_tree(n, seed=seed)
    g.remove_edges_from(list(g.edges())[::7])  # a forest
    edges = list(g.edges())
    x, _ = _greedy(n, edges, seed=seed)
    assert x.sum() == _tree_mis(n, edges)


def test_repair_drops_the_most_conflicted_vertex_first():
    from combopt.problems.graph.local import repair

    n = 30  # a star with every vertex chosen: dropping the centre alone leaves 29 leaves
    indptr, indices = _csr(n, [(0, i) for i in range(1, n)])
    x = np.ones(n, dtype=np.int8)
    repair(indptr, indices, x)
    assert x[0] == 0 and x[1:].all()


@pytest.mark.parametrize("seed", range(8))
def test_repair_leaves_an_independent_subset(seed):
    from combopt.problems.graph.local import repair

    n = 80
    g = nx.gnp_random_graph(n, 0.05 + 0.04 * seed, seed=seed)
    indptr, indices = _csr(n, list(g.edges()))
    x0 = (np.random.default_rng(seed).random(n) < 0.6).astype(np.int8)
    x = x0.copy()
    repair(indptr, indices, x)
    S = set(np.flatnonzero(x))
    assert S <= set(np.flatnonzero(x0))
    assert all(not (u in S and v in S) for u, v in g.edges())
    # a vertex is dropped only while it has a conflict: each dropped one had a chosen neighbour in x0
    assert all(any(x0[u] for u in g[v]) for v in set(np.flatnonzero(x0)) - S)


def test_the_greedy_construction_takes_isolated_vertices_at_once_and_is_unchanged():
    """Each vertex was a Python step, so 10,000,000 isolated vertices took 20 s of a 5 s run; the isolated ones are
    now taken at once, and the construction is the smallest-degree-first greedy as before."""
    from combopt.problems.graph.mis import IndependentSet

    rng = np.random.default_rng(4)
    for n in (1, 7, 60):
        edges = rng.integers(0, n, (n, 2))
        edges = edges[edges[:, 0] != edges[:, 1]][: n // 2]
        p = IndependentSet(combopt.Graph.from_edges(n, edges))
        indptr, indices = p.indptr, p.indices
        blocked, chosen = np.zeros(n, dtype=bool), []
        for v in np.argsort(np.diff(indptr), kind="stable").tolist():  # the reference greedy
            if not blocked[v]:
                chosen.append(v)
                blocked[v] = True
                blocked[indices[indptr[v]:indptr[v + 1]]] = True
        x = p.construct()
        assert list(x) == sorted(chosen) and p.evaluate(x).feasible


def test_clique_construction_before_the_complement_is_the_complement_greedy():
    """A clique search's construction works on the file's graph until the complement is built (a sparse graph's
    complement took seconds to build inside a timed run's answer); it is the same greedy as on the complement
    (largest degree first, ties by vertex), so answers do not depend on whether the complement exists yet."""
    from combopt.problems.graph.mis import IndependentSet

    rng = np.random.default_rng(5)
    for n, p_edge in ((1, 0.5), (6, 0.9), (40, 0.3), (40, 0.8), (70, 0.5)):
        iu = np.triu_indices(n, 1)
        keep = rng.random(iu[0].size) < p_edge
        edges = np.stack([iu[0][keep], iu[1][keep]], axis=1)
        cold = IndependentSet(combopt.Graph.from_edges(n, edges), kind="clique")
        x = cold.construct()
        assert cold._csr is None  # the complement was not built for it
        warm = IndependentSet(combopt.Graph.from_edges(n, edges), kind="clique")
        _ = warm.indptr  # the complement's adjacency: the construction is the greedy on it
        y = warm.construct()
        assert list(x) == list(y) and cold.evaluate(x).feasible
        pairs = {(int(u), int(v)) for u, v in edges}
        assert all((int(u), int(v)) in pairs for i, u in enumerate(x) for v in x[i + 1:])  # a clique of the file's
