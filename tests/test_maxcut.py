"""Maximum cut (kind ``maxcut``): rudy / G-set files, exact agreement, the eigenvalue bound, honest status."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.problems.graph.maxcut import MaxCut, read_rudy

DATA = Path(__file__).parent / "data"
TORUS = DATA / "maxcut" / "torus4x5.rud"  # a 4 x 5 toroidal grid with +-1 weights (rudy's torus class), 20 vertices


def brute_force(p: MaxCut) -> float:
    """Every side vector with vertex 0 outside, the cut recomputed edge by edge from the lists."""
    best = -np.inf
    for bits in itertools.product((0, 1), repeat=p.n - 1):
        x = (0, *bits)
        cut = sum(w for (i, j), w in zip(p.edges.tolist(), p.weights.tolist(), strict=True) if x[i] != x[j])
        best = max(best, cut)
    return best


def random_graph(seed: int, n: int = 11, density: float = 0.5, weights=(-2, -1, 1, 3)) -> MaxCut:
    rng = np.random.default_rng(seed)
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < density]
    return MaxCut(n, pairs, rng.choice(weights, len(pairs)).astype(float), name=f"r{seed}")


def test_rudy_file_is_read_with_its_weights():
    p = combopt.read(TORUS)
    assert (p.kind, p.sense, p.n, p.m, p.name) == ("maxcut", "max", 20, 40, "torus4x5")
    rows = [tuple(map(int, line.split())) for line in TORUS.read_text().splitlines()[1:]]
    x = np.random.default_rng(0).integers(0, 2, 20)
    expected = sum(w for i, j, w in rows if x[i - 1] != x[j - 1])
    assert combopt.evaluate(p, np.flatnonzero(x)).objective == expected


@pytest.mark.parametrize("seed", range(6))
def test_exact_solvers_agree_with_brute_force_and_bound_holds(seed):
    p = random_graph(seed)
    opt = brute_force(p)
    for solver in ("exhaustive", "milp"):
        res = combopt.solve(p, solver, time_limit=60)
        assert res.status.value == "optimal" and res.objective == opt, solver
    info = p.bound_info()
    assert info["eigenvalue"] is not None and info["eigenvalue"] >= opt - 1e-9
    assert p.bound() >= opt and info["positive_weights"] >= opt
    for solver in ("sa", "pt"):
        heur = combopt.solve(p, solver, seed=seed, max_iterations=5)
        assert heur.objective <= opt
        assert heur.objective == opt, solver  # 11 vertices: every replica's basin is small


def test_heuristics_reach_the_torus_optimum():
    p = combopt.read(TORUS)
    opt = combopt.solve(p, "milp", time_limit=60)
    assert opt.status.value == "optimal"
    for solver in ("sa", "tabu", "pt"):
        assert combopt.solve(p, solver, seed=0, max_iterations=10).objective == opt.objective, solver


def test_eigenvalue_bound_is_tighter_than_positive_weights_and_valid_on_a_bipartite_graph():
    # a complete bipartite graph cuts every edge: the bound must not fall below that
    p = MaxCut(8, [(i, j) for i in range(4) for j in range(4, 8)])
    assert combopt.solve(p, "exhaustive").objective == 16
    assert p.bound() >= 16
    # a triangle-rich graph: at most 2 of each triangle's 3 edges are cut, the eigenvalue bound sees some of it
    q = MaxCut(9, [(i, j) for i in range(9) for j in range(i + 1, 9)])  # K9: max cut 20 of 36 edges
    assert combopt.solve(q, "exhaustive").objective == 20
    assert 20 <= q.bound() < 36


def test_status_is_not_optimal_without_a_proof():
    p = random_graph(3, n=24, density=0.4)
    res = combopt.solve(p, "sa", seed=0, max_iterations=2)
    assert res.bound is None or res.bound >= res.objective
    if res.status.value == "optimal":  # only when the bound meets the cut
        assert res.bound == res.objective


def test_cli_solve_and_check_round_trip(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["solve", str(TORUS), "-q", "--max-iterations", "5", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["problem"] == "maxcut" and data["solver"] == "sa"
    assert all(isinstance(v, int) and 1 <= v <= 20 for v in data["solution"])  # 1-based vertex numbers
    capsys.readouterr()
    assert main(["check", str(TORUS), str(out)]) == 0
    assert "claims: all hold" in capsys.readouterr().out


def test_extensionless_gset_name_is_recognised(tmp_path):
    g = tmp_path / "G1"
    g.write_text(TORUS.read_text())
    p = combopt.read(g)
    assert p.kind == "maxcut" and p.name == "G1"


@pytest.mark.parametrize(("text", "line", "needle"), [
    ("3\n1 2 1\n", 1, "header 'n m'"),
    ("3 2\n1 2 1\n", 1, "declares 2 edges"),
    ("3 1\n1 4 1\n", 2, "numbered 1..3"),
    ("3 1\n2 2 1\n", 2, "to itself"),
    ("3 1\n1 2 x\n", 2, "not a number"),
    ("3 1\n1 2 inf\n", 2, "not a finite number"),
    ("3 1\n1 2 1\n2 3 1\n", 3, "more edges"),
    ("3 1\n1 2.5 1\n", 2, "expected an edge"),
])
def test_rudy_errors_name_the_line(read_error, text, line, needle):
    read_error("bad.rud", text, line, needle, read=read_rudy)



@pytest.mark.parametrize("method", ["banded", "dense", "sparse"])
def test_lanczos_bound_is_certified_and_holds_against_brute_force(monkeypatch, method):
    """Above DENSE_EIGEN_VERTICES each step is a Lanczos estimate (from below); the bound must still hold, through
    the factorisation that certifies it (each of the three). The subgradient steps alone (no relaxation)."""
    from combopt.models import maxcut_bound as mb

    monkeypatch.setattr(mb, "RELAXATION_SHARE", 0.0)
    monkeypatch.setattr(mb, "DENSE_EIGEN_VERTICES", 4)
    monkeypatch.setattr(mb, "CERTIFICATES", (method,))
    bounds_hold_against_brute_force(lambda info: info["eigenvalue"] is not None and info["eigenvalue_steps"] > 1)


def bounds_hold_against_brute_force(route) -> None:
    """On four random 14-vertex graphs (weights of both signs): ``route(info)`` (the bound took the path meant),
    and the eigenvalue bound and the problem's bound at or above the brute-force optimum, below the positive
    weights."""
    for seed in range(4):
        p = random_graph(seed, n=14, density=0.5)
        opt = brute_force(p)
        info = p.bound_info(seconds=5.0)
        assert route(info), info
        assert opt <= info["eigenvalue"] and opt <= p.bound() <= info["positive_weights"]


@pytest.mark.parametrize(("n", "method"), [(30, "banded"), (30, "dense"), (30, "sparse"), (1200, "dense"),
                                           (7000, "banded"), (7000, "sparse")])
def test_below_certifies_the_largest_eigenvalue_from_both_sides(monkeypatch, n, method):
    import scipy.sparse as sp
    from scipy.sparse.linalg import eigsh

    from combopt.models import maxcut_bound as mb

    monkeypatch.setattr(mb, "CERTIFICATES", (method,))
    monkeypatch.setattr(mb, "MAX_DENSE_CERTIFICATE", 10_000)
    rng = np.random.default_rng(n)
    if n < 100:  # a random graph
        edges = np.unique(np.sort(rng.integers(0, n, (3 * n, 2)), axis=1), axis=0)
        edges = edges[edges[:, 0] != edges[:, 1]]
    else:  # a torus of rows of 100, whose factorisations stay small
        k = np.arange(n)
        edges = np.concatenate([np.c_[k, (k // 100) * 100 + (k + 1) % 100], np.c_[k, (k + 100) % n]])
    M = (mb.laplacian(n, edges, rng.choice([-1.0, 1.0], len(edges))) + sp.diags(rng.normal(0, 1, n))).tocsr()
    plan = mb.certificate_plan(M)
    assert plan[0] == method and plan[3] < (n if n < 100 else 250)
    lam = np.linalg.eigvalsh(M.toarray())[-1] if n < 100 else eigsh(M, k=1, which="LA", tol=1e-12)[0][0]
    gap = 1e-6 * abs(lam)
    assert mb.below(M, lam + gap) and not mb.below(M, lam - gap)


def test_the_certificate_plan_takes_the_band_for_grids_and_refuses_what_does_not_fit(monkeypatch):
    import networkx as nx

    from combopt.models import maxcut_bound as mb

    G = nx.grid_2d_graph(100, 100, periodic=True)
    idx = {v: k for k, v in enumerate(sorted(G))}
    L = mb.laplacian(10_000, np.array([(idx[a], idx[b]) for a, b in G.edges()]), np.ones(20_000))
    method, seconds, order, b = mb.certificate_plan(L)
    assert method == "banded" and b <= 202 and seconds < 0.5 and sorted(order.tolist()) == list(range(10_000))
    monkeypatch.setattr(mb, "CERTIFICATES", ("dense",))
    assert mb.certificate_plan(L)[:2] == ("", math.inf)  # 10,000 vertices: no dense certificate


def test_large_sparse_graph_gets_a_certified_eigenvalue_bound_within_its_share():
    """A 30 x 30 torus with unit weights is bipartite (every edge cut: 1800); a +-1 torus of 2000 vertices gets a
    bound well below its positive weights (was the positive weights above 1000 vertices); no time: the weights."""
    import networkx as nx

    G = nx.grid_2d_graph(30, 30, periodic=True)
    idx = {v: k for k, v in enumerate(sorted(G))}
    e = np.array([(idx[a], idx[b]) for a, b in G.edges()])
    p = MaxCut(900, e)
    assert p.bound_within(0.5) >= 1800
    G = nx.grid_2d_graph(50, 40, periodic=True)
    idx = {v: k for k, v in enumerate(sorted(G))}
    e = np.array([(idx[a], idx[b]) for a, b in G.edges()])
    w = np.random.default_rng(1).choice([-1.0, 1.0], len(e))
    q = MaxCut(2000, e, w)
    info = q.bound_info(seconds=0.5)
    assert info["eigenvalue"] is not None and info["bound"] < 0.9 * info["positive_weights"]
    cut = combopt.solve(q, "sa", seed=0, max_iterations=3).objective
    assert cut <= info["bound"]
    r = MaxCut(2000, e, w)
    assert r.bound_within(0.0) == r.bound_info()["positive_weights"] and r.bound_info()["eigenvalue"] is None


def test_arpack_failures_restart_or_leave_the_positive_weights(monkeypatch):
    import networkx as nx
    import scipy.sparse.linalg as sla

    G = nx.grid_2d_graph(20, 20, periodic=True)  # bipartite: the maximum cut takes all 800 edges
    idx = {v: k for k, v in enumerate(sorted(G))}
    e = np.array([(idx[a], idx[b]) for a, b in G.edges()])
    real, starts = sla.eigsh, []

    def from_a_vector_fails(A, **kw):
        starts.append(kw.get("v0") is not None)
        if kw.get("v0") is not None:
            raise sla.ArpackError(-9999)
        return real(A, **kw)

    from combopt.models import maxcut_bound as mb

    monkeypatch.setattr(sla, "eigsh", from_a_vector_fails)
    monkeypatch.setattr(mb, "RELAXATION_SHARE", 0.0)  # the subgradient steps' restarts
    info = MaxCut(400, e).bound_info(seconds=0.5)
    assert info["eigenvalue_steps"] > 2 and True in starts and 800 <= info["bound"] <= info["eigenvalue"] < 1000

    def always_fails(A, **kw):
        raise sla.ArpackError(-9999)

    monkeypatch.setattr(sla, "eigsh", always_fails)
    monkeypatch.setattr(mb, "RELAXATION_SHARE", 1.0)  # both routes fail: the relaxation's estimate and the steps
    info = MaxCut(400, e).bound_info(seconds=0.5)
    assert info["eigenvalue"] is None and info["bound"] == info["positive_weights"] == 800
