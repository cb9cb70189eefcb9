"""Upper bounds of kinds mis and clique (combopt.problems.graph.bounds): each bound is at least the independence
number on many small random graphs (brute force), equals it where it is known to be tight (Konig on bipartite
graphs for the edge LP, disjoint cliques for the clique cover), and large sparse graphs get one at all."""

from functools import cache

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import combopt
from combopt.core.warm import KernelsCold
from combopt.problems.graph import bounds as gb
from combopt.problems.graph.graph import Graph
from combopt.problems.graph.mis import IndependentSet


@pytest.fixture
def no_kernel(monkeypatch):
    """The bounds of the file's graph alone: no kernel (the exact reductions solve these small graphs outright, and
    their own tests are in tests/test_mis_reduce.py)."""
    from combopt.problems.graph import mis

    monkeypatch.setattr(mis, "MIN_KERNEL_CUT", 2.0)

def alpha_brute(n, edges):
    """Independence number by branching on the lowest vertex of a bitmask (fine up to ~20 vertices)."""
    nb = [0] * n
    for u, v in edges:
        nb[u] |= 1 << v
        nb[v] |= 1 << u

    @cache
    def best(mask):
        if mask == 0:
            return 0
        v = (mask & -mask).bit_length() - 1
        rest = mask & ~(1 << v)
        return max(best(rest), 1 + best(rest & ~nb[v]))

    return best((1 << n) - 1)


def csr(n, edges):
    e = np.asarray(list(edges), dtype=np.int64).reshape(-1, 2)
    A = sp.coo_matrix((np.ones(2 * len(e)), (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])), shape=(n, n)).tocsr()
    A.sort_indices()
    return A.indptr.astype(np.int64), A.indices.astype(np.int32)


def lp_optimum(n, edges):
    """The edge LP ``max sum x, x_u + x_v <= 1, 0 <= x <= 1`` solved by HiGHS (independent of the matching)."""
    if n == 0:
        return 0.0
    if not edges:
        return float(n)
    A = np.zeros((len(edges), n))
    for i, (u, v) in enumerate(edges):
        A[i, u] = A[i, v] = 1.0
    res = linprog(-np.ones(n), A_ub=A, b_ub=np.ones(len(edges)), bounds=[(0, 1)] * n, method="highs")
    assert res.status == 0
    return -res.fun


def cliques_of(group):
    out = {}
    for v, g in enumerate(group.tolist()):
        out.setdefault(g, []).append(v)
    return list(out.values())


def random_graphs(count, nmax=16, seed=0):
    rng = np.random.default_rng(seed)
    for i in range(count):
        n = int(rng.integers(0, nmax + 1))
        p = float(rng.choice([0.05, 0.15, 0.3, 0.5, 0.7, 0.9, rng.random()]))
        G = nx.gnp_random_graph(n, p, seed=int(rng.integers(1 << 30)))
        if i % 5 == 0 and n >= 6:  # some with cliques planted
            k = int(rng.integers(3, min(n, 7) + 1))
            G.add_edges_from((a, b) for a in range(k) for b in range(a + 1, k))
        yield G


def test_every_bound_is_at_least_the_independence_number_of_small_random_graphs():
    seen = set()
    for G in random_graphs(400):
        n, edges = G.number_of_nodes(), list(G.edges())
        alpha = alpha_brute(n, edges)
        comp = [(u, v) for u in range(n) for v in range(u + 1, n) if not G.has_edge(u, v)]
        omega = alpha_brute(n, comp)
        for kind, opt in (("mis", alpha), ("clique", omega)):
            P = IndependentSet.from_networkx(G, kind)
            parts = P.bounds()
            seen.update(parts)
            assert parts and all(b >= opt - 1e-9 for b in parts.values()), (kind, n, edges, parts, opt)
            assert P.bound() >= opt and P.bound() == int(min(parts.values()))
            if "cover_lp" in parts:
                assert parts["cover_lp"] <= parts["clique_cover"]
    assert {"colouring", "clique_cover", "cover_lp", "lp"} <= seen  # and "kernel" where the reductions cut


@pytest.mark.parametrize("limit", [0, 10**9])
def test_clique_cover_is_a_partition_into_cliques(limit):
    for G in random_graphs(300, nmax=30, seed=1):
        n, edges = G.number_of_nodes(), list(G.edges())
        indptr, indices = csr(n, edges)
        group, k = gb.greedy_clique_cover(indptr, indices, limit)
        assert group.shape == (n,) and (n == 0 or (group.min() == 0 and group.max() == k - 1))
        for c in cliques_of(group):
            assert all(G.has_edge(a, b) for i, a in enumerate(c) for b in c[i + 1:]), (edges, c)
        assert gb.is_clique_partition(indptr, indices, group)
        assert k >= alpha_brute(n, edges) if n <= 18 else True


def test_clique_cover_stays_a_partition_with_duplicated_entries_and_self_loops():
    rng = np.random.default_rng(5)
    for _ in range(100):
        G = nx.gnp_random_graph(int(rng.integers(2, 25)), float(rng.random()), seed=int(rng.integers(1 << 30)))
        n = G.number_of_nodes()
        rows, cols = [], []
        for v in range(n):
            nbrs = list(G[v]) + [v] * int(rng.integers(0, 2))  # a self-loop now and then
            nbrs += list(rng.choice(nbrs, size=len(nbrs) // 2)) if nbrs else []  # and duplicates
            rng.shuffle(nbrs)
            rows += [v] * len(nbrs)
            cols += nbrs
        indptr = np.searchsorted(np.asarray(rows, dtype=np.int64), np.arange(n + 1)).astype(np.int64)
        group, k = gb.greedy_clique_cover(indptr, np.asarray(cols, dtype=np.int64), 10**9)
        for c in cliques_of(group):
            assert all(G.has_edge(a, b) for i, a in enumerate(c) for b in c[i + 1:])


def test_partition_check_rejects_a_group_that_is_no_clique():
    indptr, indices = csr(3, [(0, 1), (1, 2)])
    assert gb.is_clique_partition(indptr, indices, np.array([0, 0, 1]))
    assert not gb.is_clique_partition(indptr, indices, np.array([0, 1, 0]))  # 0 and 2 are not adjacent
    assert not gb.is_clique_partition(indptr, indices, np.array([0, 0, -1]))  # vertex 2 in no clique


def test_lp_bound_is_the_edge_lp_optimum():
    """Both directions: the double-cover matching gives exactly n - nu_f, the LP optimum (HiGHS)."""
    for G in random_graphs(150, nmax=14, seed=2):
        n, edges = G.number_of_nodes(), list(G.edges())
        indptr, indices = csr(n, edges)
        lp = gb.lp_bound(gb._adjacency(indptr, indices))
        assert lp == pytest.approx(lp_optimum(n, edges), abs=1e-7), edges
        assert lp >= alpha_brute(n, edges)


def test_isolated_vertices_count_fully_and_odd_cycles_count_half(no_kernel, no_theta):
    P = IndependentSet.from_networkx(nx.empty_graph(7))
    assert P.bounds()["clique_cover"] == 7 and P.bound() == 7
    G = nx.disjoint_union_all([nx.cycle_graph(5)] * 3)  # alpha 6, edge LP 7.5, covers by cliques: 9
    P = IndependentSet.from_networkx(G)
    assert P.bounds()["cover_lp"] == 7.5 and P.bounds()["clique_cover"] == 9 and P.bound() == 7
    H = nx.union(nx.cycle_graph(5), nx.empty_graph(range(5, 8)))
    assert gb.lp_bound(gb._adjacency(*csr(8, list(H.edges())))) == 2.5 + 3


@pytest.mark.parametrize("seed", range(8))
def test_edge_lp_bound_is_tight_on_bipartite_graphs(seed):
    """Konig: alpha = n - nu on a bipartite graph, and the bound reaches it. Above 1,414 vertices (as here) the
    complement has over a million edges and the colouring bound is skipped: before the sparse bounds, none."""
    rng = np.random.default_rng(seed)
    a, b = int(rng.integers(700, 1500)), int(rng.integers(700, 1500))
    G = nx.bipartite.random_graph(a, b, float(rng.choice([0.0005, 0.001, 0.003, 0.01])), seed=seed)
    if seed % 2:  # trees, grids and even cycles as well
        G = nx.disjoint_union_all([G, nx.random_labeled_tree(50, seed=seed), nx.grid_2d_graph(7, 9),
                                   nx.cycle_graph(10)])
    G = nx.convert_node_labels_to_integers(G)
    side = nx.bipartite.color(G)
    nu = len(nx.bipartite.hopcroft_karp_matching(G, [v for v in G if side[v] == 0])) // 2
    alpha = G.number_of_nodes() - nu
    P = IndependentSet.from_networkx(G)
    assert "colouring" not in P.bounds() and P.bound() == alpha
    assert combopt.solve(P, "ils", max_iterations=3, seed=0).bound == alpha


def test_edge_lp_bound_is_tight_on_small_bipartite_graphs():
    for seed in range(40):
        G = nx.bipartite.random_graph(int(seed % 7) + 1, int(seed % 5) + 1, 0.4, seed=seed)
        n, edges = G.number_of_nodes(), list(G.edges())
        alpha = alpha_brute(n, edges)
        assert gb.lp_bound(gb._adjacency(*csr(n, edges))) == alpha
        assert IndependentSet.from_networkx(G).bound() == alpha


@pytest.mark.parametrize("seed", range(6))
def test_clique_cover_is_tight_on_disjoint_cliques(seed):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 12, size=int(rng.integers(1, 60)) if seed % 2 else 400)  # 400: no colouring bound
    G = nx.disjoint_union_all([nx.complete_graph(int(s)) for s in sizes])
    perm = rng.permutation(G.number_of_nodes())  # hide the blocks behind a random labelling
    G = nx.relabel_nodes(G, dict(enumerate(perm.tolist())))
    P = IndependentSet.from_networkx(G)
    assert P.bounds()["clique_cover"] == len(sizes) == P.bound()
    res = combopt.solve(P, "ils", max_iterations=5, seed=0)
    assert res.objective == len(sizes) and res.status == combopt.Status.OPTIMAL


def test_clique_kind_bounds_through_the_complement():
    """Kind clique bounds the clique number of the file's graph by bounding the independence number of its
    complement: a complete multipartite graph K(s1, ..., sk) has clique number k, and its complement is the
    disjoint union of cliques."""
    G = nx.complete_multipartite_graph(3, 1, 4, 2, 2)
    P = IndependentSet.from_networkx(G, "clique")
    assert P.bounds()["clique_cover"] == 5 and P.bound() == 5
    res = combopt.solve(P, "ils", max_iterations=3, seed=0)
    assert res.objective == 5 and res.status == combopt.Status.OPTIMAL


def test_exact_solver_agrees_with_the_bounds():
    for G in random_graphs(40, nmax=14, seed=3):
        if G.number_of_nodes() == 0:
            continue
        P = IndependentSet.from_networkx(G)
        res = combopt.solve(P, "exhaustive")
        assert res.status == combopt.Status.OPTIMAL
        assert min(P.bounds().values()) >= res.objective


def test_large_sparse_graph_gets_a_bound():
    """A random graph of 60,000 vertices and 180,000 edges: no colouring bound (its complement is far too large),
    but the sparse bounds give one, at least the objective, with a finite gap."""
    n, rng = 60_000, np.random.default_rng(1)
    e = rng.integers(0, n, (200_000, 2))
    P = IndependentSet(Graph.from_edges(n, e[e[:, 0] != e[:, 1]][:180_000]), "mis")
    res = combopt.solve(P, "sa-ils", max_iterations=2, seed=0)  # untimed: every part within its size cap
    parts = P.bounds()
    assert "colouring" not in parts and {"clique_cover", "cover_lp"} <= set(parts)
    assert n / 2 - 100 < P.bound() < n / 2 + 2000  # the edge LP of such a graph sits near n / 2
    assert res.bound == P.bound() and res.objective <= res.bound and res.gap is not None and res.gap > 0
    assert res.info["bounds"] == parts


def test_a_cold_cover_kernel_leaves_the_matching_bound_and_is_not_cached(monkeypatch, no_kernel, no_theta):
    """A time-limited run on a cold Numba cache must not compile the cover inside the clock: the compile gate
    raises KernelsCold there; the bound then comes from the matching alone and is computed again next time."""
    G = nx.disjoint_union_all([nx.complete_graph(4)] * 5)
    P = IndependentSet.from_networkx(G)

    def cold(*args):
        raise KernelsCold("greedy_clique_cover")

    monkeypatch.setattr(gb, "greedy_clique_cover", cold)
    assert P.bounds() == {"colouring": 5.0, "lp": 10.0}
    monkeypatch.undo()
    assert P.bounds()["clique_cover"] == 5 and P.bound() == 5


def test_caps_skip_the_matching_and_the_cover(monkeypatch):
    G = nx.disjoint_union_all([nx.path_graph(3)] * 4)
    indptr, indices = csr(G.number_of_nodes(), list(G.edges()))
    full, _ = gb.sparse_bounds(indptr, indices)
    assert full["cover_lp"] == 8 and full["clique_cover"] == 8
    monkeypatch.setattr(gb, "MAX_MATCHING_NNZ", 4)
    assert gb.sparse_bounds(indptr, indices)[0] == {"clique_cover": 8.0}
    monkeypatch.setattr(gb, "MAX_COVER_NNZ", 4)
    assert gb.sparse_bounds(indptr, indices)[0] == {}
    assert gb.best_bound({}) is None and gb.best_bound({"a": 7.5, "b": None, "c": 9.0}) == 7


def test_bounds_keep_to_their_time_budget_and_compute_each_part_once(monkeypatch, no_kernel, no_theta):
    G = nx.disjoint_union_all([nx.cycle_graph(5)] * 40 + [nx.complete_graph(4)] * 10)
    P = IndependentSet.from_networkx(G)
    calls = []
    kernel = gb.greedy_clique_cover

    def counting(*args):
        calls.append(1)
        return kernel(*args)

    monkeypatch.setattr(gb, "greedy_clique_cover", counting)
    assert "clique_cover" not in P.bounds(0.0) and not calls  # no time: no cover, no matching
    full = P.bounds(float("inf"))
    assert full["clique_cover"] == 130 and full["cover_lp"] == 110 and P.bound() == 110  # 40 * 2.5 + 10
    assert P.bounds(float("inf")) == full and P.bounds(0.0) == full and len(calls) == 1
    assert P.bound_info()["bounds"] == full


def test_graph_solvers_complete_the_bounds_the_api_call_skipped(monkeypatch):
    """The API's call (inside a time limit it does not know) gets BOUND_S; with none at all, the graph solvers
    compute the bounds themselves within a share of their time and stop at an incumbent that meets them."""
    from combopt.problems.graph import mis

    monkeypatch.setattr(mis, "BOUND_S", 0.0)
    monkeypatch.setattr(mis, "MAX_BOUND_COMPLEMENT_EDGES", 0)  # no colouring bound either
    monkeypatch.setattr(mis, "MIN_KERNEL_CUT", 2.0)  # no kernel (the reductions alone solve disjoint cliques)
    G = nx.disjoint_union_all([nx.complete_graph(int(s)) for s in np.random.default_rng(3).integers(1, 9, 40)])
    for solver, params in (("ils", {}), ("sa-ils", {}), ("sa-ils", {"hybrid": False})):
        P = IndependentSet.from_networkx(G)
        assert P.bound() is None  # no time for any part
        res = combopt.solve(P, solver, time_limit=60, seed=0, **params)
        assert res.bound == 40 and res.objective == 40 and res.status == combopt.Status.OPTIMAL
        assert res.info["proved_optimal_by"] == "bound" and res.info["bounds"]["clique_cover"] == 40
        untimed = combopt.solve(IndependentSet.from_networkx(G), solver, max_iterations=1, seed=0, **params)
        assert untimed.bound == 40


@pytest.mark.parametrize("solver,params", [("ils", {}), ("sa-ils", {}), ("sa-ils", {"hybrid": False})])
def test_a_bound_that_takes_the_whole_limit_still_leaves_a_solution(monkeypatch, solver, params):
    import time

    slow = IndependentSet.bound

    def sleepy(self, seconds=None, theta_seconds=None):
        time.sleep(0.2)
        return slow(self, seconds, theta_seconds)

    monkeypatch.setattr(IndependentSet, "bound", sleepy)
    P = IndependentSet.from_networkx(nx.gnp_random_graph(60, 0.1, seed=1))
    res = combopt.solve(P, solver, time_limit=0.05, seed=0, **params)
    assert res.feasible and res.objective is not None and res.objective >= 1


def test_every_bound_is_valid_on_the_dimacs_graphs():
    """Each named bound of ``clique`` is at least the proven clique number of the DIMACS graphs in tests/data (and of
    ``mis`` on the complement, the same problem): real instances, beside the random graphs above."""
    import csv
    import math
    from pathlib import Path

    data = Path(__file__).parent / "data"
    with open(data / "clique-numbers.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 6
    for r in rows:
        omega = int(r["clique_number"])
        problem = combopt.read(data / f"{r['instance']}.clq", "clique")
        named = problem.bounds(math.inf)
        assert named and all(v >= omega for v in named.values()), (r["instance"], named)
        assert problem.bound() >= omega


def test_bound_within_takes_the_runs_share_up_to_the_default(monkeypatch, no_kernel):
    """``combopt.solve`` asks for the problem's bound with a tenth of the run: a short run gives the sparse bounds
    less than BOUND_S (none at all here: only the colouring, still valid), a long one no more than BOUND_S."""
    from combopt.problems.graph import mis

    G = nx.disjoint_union_all([nx.cycle_graph(5)] * 40 + [nx.complete_graph(4)] * 10)
    asked = []
    bounds = mis.IndependentSet.bounds
    monkeypatch.setattr(mis.IndependentSet, "bounds",
                        lambda self, s=None, t=None: asked.append(s) or bounds(self, s, t))
    P = IndependentSet.from_networkx(G)
    assert P.bound_within(0.0) >= 90 and asked == [0.0] and "clique_cover" not in P.bounds(0.0)
    Q = IndependentSet.from_networkx(G)
    assert 110 <= Q.bound_within(60.0) <= 130 and asked[-1] == mis.BOUND_S  # the optimum is 110
