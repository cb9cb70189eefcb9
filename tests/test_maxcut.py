"""Maximum cut (kind ``maxcut``): rudy / G-set files, exact agreement, the eigenvalue bound, honest status."""

from __future__ import annotations

import itertools
import json
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

