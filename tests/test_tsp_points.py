"""TSP without a distance matrix: coordinate instances above 10,000 cities (or ``dense=False``).

The kernels' point distances must equal the TSPLIB matrix entry by entry for every coordinate type; the
spanning-tree bound must equal the minimum spanning tree of the full matrix (a valid lower bound); tsp-ls on
points must reach the known optima of small TSPLIB files; the reader must take a coordinate file above the
matrix limit and refuse an explicit one, and every solver that needs the matrix must say so in one line.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.csgraph import minimum_spanning_tree

import combopt
from combopt import ParameterError
from combopt.cli.app import main
from combopt.problems.tsp import TSP, tsplib_distances
from combopt.problems.tsp.bound import tour_length
from combopt.problems.tsp.local import METRIC_CODES, _point_distance
from combopt.problems.tsp.model import hilbert_order, spanning_tree_bound
from combopt.problems.tsp.tsplib import MAX_COORD_MATRIX, MAX_DIMENSION, metric_points

DATA = Path(__file__).parent / "data" / "tsp"


def optima() -> dict[str, int]:
    with open(DATA / "optima.csv") as f:
        return {r["instance"]: int(r["optimal_length"]) for r in csv.DictReader(f)}


def coords_for(kind: str, rng, n: int) -> np.ndarray:
    if kind == "GEO":  # DDD.MM latitude and longitude
        lat = rng.integers(-80, 80, n) + rng.integers(0, 60, n) / 100.0
        lon = rng.integers(-179, 179, n) + rng.integers(0, 60, n) / 100.0
        return np.column_stack([lat, lon])
    c = rng.uniform(0, 500, (n, 2)).round(1)
    c[5] = c[3]  # a duplicate city
    return c


@pytest.mark.parametrize("kind", sorted(METRIC_CODES))
def test_point_distances_equal_the_tsplib_matrix(kind):
    rng = np.random.default_rng(len(kind))
    c = coords_for(kind, rng, 40)
    D = tsplib_distances(c, kind)
    P = metric_points(c, kind)
    code = METRIC_CODES[kind]
    kern = np.array([[_point_distance(P, code, a, b) for b in range(40)] for a in range(40)])
    assert np.array_equal(kern, D)
    p = TSP.from_coords(c, kind, dense=False)
    a, b = np.indices((40, 40))
    assert np.array_equal(p.edge_lengths(a.ravel(), b.ravel()).reshape(40, 40), D)
    t = rng.permutation(40)
    assert p.evaluate(t).objective == TSP(D).evaluate(t).objective == p.tour_length(t)


@pytest.mark.parametrize("kind", ["EUC_2D", "CEIL_2D", "ATT"])
def test_spanning_tree_bound_is_the_minimum_spanning_tree_of_the_matrix(kind):
    rng = np.random.default_rng(7)
    for n in (3, 12, 150):
        c = rng.uniform(0, 60, (n, 2)).round()  # coarse: many equal lengths and some length-0 pairs
        if n > 3:
            c[1] = c[0]
        D = tsplib_distances(c, kind)
        full = minimum_spanning_tree(D + 1.0 - np.eye(n)).sum() - (n - 1)  # +1: a length 0 is still an edge
        assert spanning_tree_bound(metric_points(c, kind), kind) == pytest.approx(full)


def test_spanning_tree_bound_declines_where_it_would_not_hold():
    c = np.random.default_rng(0).uniform(0, 100, (30, 2))
    for kind in ("GEO", "MAN_2D", "MAX_2D"):
        assert spanning_tree_bound(metric_points(c, kind), kind) is None
    line = np.column_stack([np.arange(10.0), np.zeros(10)])
    assert spanning_tree_bound(line, "EUC_2D") is None  # no triangulation: no claim


@pytest.mark.parametrize("name", ["eil51", "att48", "ulysses22"])
def test_tsp_ls_on_points_reaches_known_optima(name):
    dense = combopt.read(DATA / f"{name}.tsp")
    p = TSP.from_coords(dense.coords, dense.edge_weight_type, name=name, dense=False)
    assert not p.dense
    r = combopt.solve(p, "tsp-ls", max_iterations=20, seed=0)
    assert r.info["distances"] == "points" and r.feasible
    assert dense.evaluate(r.solution).objective == r.objective  # the matrix agrees with the points
    assert r.objective == optima()[name]
    if p.edge_weight_type != "GEO":
        assert r.bound is not None and r.bound <= optima()[name]


def test_hilbert_order_is_a_permutation_and_far_better_than_random():
    c = np.random.default_rng(3).uniform(0, 1000, (5000, 2))
    p = TSP.from_coords(c, dense=False)
    h = hilbert_order(c)
    assert np.array_equal(np.sort(h), np.arange(5000))
    assert np.array_equal(p.construct(), h)
    assert p.tour_length(h) < 0.2 * p.tour_length(np.random.default_rng(0).permutation(5000))


def test_points_option_on_a_matrix_instance_and_its_refusals():
    p = combopt.read(DATA / "eil51.tsp")
    r = combopt.solve(p, "tsp-ls", max_iterations=20, seed=1, distances="points")
    assert r.info["distances"] == "points" and r.objective == optima()["eil51"]
    with pytest.raises(ParameterError, match="coordinate EDGE_WEIGHT_TYPE"):
        combopt.solve(combopt.read(DATA / "gr17.tsp"), "tsp-ls", max_iterations=1, distances="points")
    q = TSP.from_coords(p.coords, "EUC_2D", dense=False)
    # a problem kept as coordinates builds its matrix when asked (and stays on the points by default)
    r = combopt.solve(q, "tsp-ls", max_iterations=20, seed=1, distances="matrix")
    assert r.info["distances"] == "matrix" and r.objective == optima()["eil51"] and not q.dense
    assert np.array_equal(q.D, p.D) and q.held_karp().bound == p.held_karp().bound
    big = TSP.from_coords(np.random.default_rng(2).uniform(0, 1e4, (MAX_DIMENSION + 1, 2)))
    with pytest.raises(ParameterError, match="keeps no distance matrix"):
        combopt.solve(big, "tsp-ls", max_iterations=1, distances="matrix")
    with pytest.raises(ParameterError, match="use tsp-ls"):
        big.held_karp()


def write_coords(path: Path, c: np.ndarray, kind: str = "EUC_2D") -> Path:
    lines = [f"NAME : {path.stem}", "TYPE : TSP", f"DIMENSION : {len(c)}", f"EDGE_WEIGHT_TYPE : {kind}",
             "NODE_COORD_SECTION"]
    lines += [f"{i + 1} {x:.0f} {y:.0f}" for i, (x, y) in enumerate(c)]
    path.write_text("\n".join(lines + ["EOF", ""]))
    return path


def one_line_error(capsys, *args) -> str:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("combopt: error:"), err
    return err[0]


def test_a_file_above_the_matrix_limit_is_solved_from_its_coordinates(tmp_path, capsys):
    n = MAX_DIMENSION + 1
    c = np.random.default_rng(11).uniform(0, 1e6, (n, 2)).round()
    path = write_coords(tmp_path / "big.tsp", c)
    p = combopt.read(path)
    assert not p.dense and p.n == n and p.describe() == f"tsp big: {n} cities, EUC_2D"
    r = combopt.solve(p, "tsp-ls", max_iterations=2, seed=0)
    assert r.feasible and r.status.value == "feasible"
    assert r.objective == p.tour_length(r.solution) < 0.8 * p.tour_length(hilbert_order(c))
    assert r.bound is not None and r.bound < r.objective
    out = tmp_path / "big.json"
    assert main(["solve", str(path), "-t", "20", "--max-iterations", "1", "-q", "-o", str(out)]) == 0
    assert main(["check", str(path), str(out)]) == 0
    for solver, needle in (("milp", "nonzero terms"), ("lagrangian", "use tsp-ls"), ("sa", "use tsp-ls")):
        assert needle in one_line_error(capsys, "solve", path, "-s", solver, "-t", "1", "-q")


def test_an_explicit_matrix_above_the_limit_is_refused_at_its_dimension(tmp_path, capsys):
    n = MAX_DIMENSION + 1
    path = tmp_path / "explicit.tsp"
    path.write_text(f"NAME : x\nTYPE : TSP\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
                    "EDGE_WEIGHT_FORMAT : UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2 3\nEOF\n")
    line = one_line_error(capsys, "solve", path, "-q")
    assert "explicit.tsp:3:" in line and f"explicit matrix of {n} cities" in line


def test_coordinate_files_keep_a_matrix_up_to_the_limit_and_build_one_when_a_solver_asks(tmp_path):
    rng = np.random.default_rng(5)
    small = combopt.read(write_coords(tmp_path / "small.tsp", rng.uniform(0, 1e4, (MAX_COORD_MATRIX, 2)).round()))
    c = rng.uniform(0, 1e4, (MAX_COORD_MATRIX + 1, 2)).round()
    p = combopt.read(write_coords(tmp_path / "large.tsp", c))
    assert small.dense and not p.dense and p._lazy_D is None
    r = combopt.solve(p, "tsp-ls", max_iterations=1, seed=0)
    assert r.info["distances"] == "points" and p._lazy_D is None  # tsp-ls never built the matrix
    assert np.array_equal(p.D, TSP.from_coords(c).D) and not p.dense  # built on demand, equal to the reader's
    assert p.tour_length(r.solution) == int(tour_length(r.solution, p.D)) == r.objective


def test_matrix_instances_above_3000_cities_get_the_spanning_tree_bound_only_from_their_coordinates():
    c = np.random.default_rng(4).uniform(0, 1e5, (3001, 2))
    p = TSP.from_coords(c)
    assert p.dense and p.metric_from_coords
    q = TSP.from_coords(c, dense=False)
    assert p.bound() == q.bound() == spanning_tree_bound(c, "EUC_2D")
    r = combopt.solve(p, "tsp-ls", max_iterations=1, seed=0)
    assert p.bound() < r.bound < r.objective  # the solver's alpha ascent raises it (Held-Karp on the matrix)
    # a matrix handed over with coordinates need not be their distances: no bound is taken from them
    other = TSP(p.D // 2, coords=c, edge_weight_type="EUC_2D")
    assert not other.metric_from_coords and other.bound() is None


def test_delaunay_candidates_hold_the_triangulation_edges_and_stay_sorted():
    from scipy.spatial import Delaunay

    rng = np.random.default_rng(9)
    c = np.vstack([rng.normal(0, 1, (150, 2)), rng.normal(40, 1, (150, 2))]) * 100  # two far clusters
    p = TSP.from_coords(c, dense=False)
    nbr = p.delaunay_candidates(10)
    n = len(c)
    assert nbr.shape == (n, 10) and all(len(set(r)) == 10 and i not in r for i, r in enumerate(nbr))
    d = p.edge_lengths(np.arange(n).repeat(10), nbr.ravel()).reshape(n, 10)
    assert np.all(np.diff(d, axis=1) >= 0)
    near = p.neighbours(10)
    cross = lambda lists: sum((a < 150) != (b < 150) for a, r in enumerate(lists) for b in r)  # noqa: E731
    assert cross(near) == 0 < cross(nbr)  # only the triangulation joins the clusters
    tri = Delaunay(c).simplices
    for a, b in {(int(x), int(y)) for t in tri for x, y in ((t[0], t[1]), (t[1], t[2]), (t[0], t[2]))}:
        da = p.edge_lengths([a], [b])[0]
        # a Delaunay edge is a candidate unless the city has 10 shorter candidates
        assert b in nbr[a] or d[a, -1] <= da
    r = combopt.solve(p, "tsp-ls", max_iterations=5, seed=0, candidates="delaunay")
    assert r.info["candidates"] == "5 nearest + Delaunay neighbours" and r.feasible
    dense = TSP.from_coords(c)
    r2 = combopt.solve(dense, "tsp-ls", max_iterations=5, seed=0, candidates="delaunay")
    assert r2.info["candidates"] == "5 nearest + Delaunay neighbours" and r2.feasible
    with pytest.raises(ParameterError, match="coordinates"):
        combopt.solve(combopt.read(DATA / "gr17.tsp"), "tsp-ls", max_iterations=1, candidates="delaunay")
    geo = TSP.from_coords(coords_for("GEO", rng, 50), "GEO", dense=False)
    assert geo.delaunay_candidates(8) is geo.neighbours(8)  # not the plane's triangulation: the nearest


def test_a_distance_matrix_past_the_memory_limit_is_refused_naming_the_file(tmp_path):
    """`combopt --max-memory 512M solve c10000.tsp -p distances=matrix` built a 1.77 GB matrix: the limit did not
    cover the distance matrix a coordinate instance builds on demand."""
    from combopt.core.limits import set_max_memory

    rng = np.random.default_rng(0)
    path = tmp_path / "c5001.tsp"  # above 5000 cities a coordinate file is read without its matrix
    pts = rng.integers(0, 10000, (5001, 2))
    path.write_text("NAME: c5001\nTYPE: TSP\nDIMENSION: 5001\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                    + "".join(f"{i + 1} {x} {y}\n" for i, (x, y) in enumerate(pts)) + "EOF\n")
    p = combopt.read(path)
    assert not p.dense
    set_max_memory("64M")  # the matrix of 5001 cities: 200 MB, about 440 MB to build
    try:
        with pytest.raises(combopt.InputError, match=r"c5001.tsp: the distance matrix of 5001 cities needs about"):
            _ = p.D
        r = combopt.solve(p, "tsp-ls", time_limit=1)  # the points path needs no matrix
        assert r.feasible and p.evaluate(r.solution).feasible
    finally:
        set_max_memory(None)
