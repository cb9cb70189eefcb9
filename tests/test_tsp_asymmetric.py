"""Asymmetric TSP (TSPLIB ATSP): reading, directed evaluation, the Jonker-Volgenant transformation, the assignment
bound, and every solver route against brute force and the published optima of br17 and ftv33."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.problems.tsp import TSP
from combopt.problems.tsp.asymmetric import (
    SHIFT_EXPLAINED,
    assignment_bound,
    from_jv,
    improve_directed,
    jv_matrix,
    potential_shifted,
    potential_slack,
    symmetric_route,
    to_jv,
)

DATA = Path(__file__).parent / "data" / "tsp"
#: TSPLIB's published optimal tour lengths (benchmarks/data/atsp/optima.csv)
OPTIMA = {"br17": 39, "ftv33": 1286}


def directed_length(tour, D) -> int:
    """The closed directed tour's length, written out independently of the package."""
    return sum(int(D[tour[k]][tour[(k + 1) % len(tour)]]) for k in range(len(tour)))


def brute_force(D) -> int:
    n = len(D)
    return min(directed_length((0, *p), D) for p in itertools.permutations(range(1, n)))


def random_arcs(n: int, seed: int, lo: int = 1, hi: int = 100) -> np.ndarray:
    D = np.random.default_rng(seed).integers(lo, hi, (n, n))
    np.fill_diagonal(D, 0)
    return D


# ----------------------------------------------------------------------------- reading and evaluation
@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_tsplib_atsp_files(name):
    p = combopt.read(DATA / f"{name}.atsp")
    assert p.kind == "tsp" and p.name == name and p.asymmetric
    assert "asymmetric" in p.describe()
    D = np.asarray(p.D)
    assert D.shape == ({"br17": 17, "ftv33": 34}[name],) * 2 and np.all(np.diag(D) == 0)
    assert not np.array_equal(D, D.T)
    # the first row of the file is the arcs out of city 1
    text = (DATA / f"{name}.atsp").read_text().split("EDGE_WEIGHT_SECTION")[1].split()
    assert [int(v) for v in text[1:p.n]] == D[0, 1:].tolist()


def test_evaluation_is_directed():
    D = np.array([[0, 1, 10], [10, 0, 1], [1, 10, 0]])
    p = TSP(D)
    assert p.asymmetric
    assert p.evaluate([0, 1, 2]).objective == 3  # 0 -> 1 -> 2 -> 0
    assert p.evaluate([0, 2, 1]).objective == 30  # the other direction
    assert TSP(D + D.T).asymmetric is False


def test_type_tsp_with_an_asymmetric_matrix_is_refused(read_error):
    read_error("x.tsp", "TYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
               "EDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 4 0\n", 5, "or TYPE: ATSP for an asymmetric TSP")


def test_cli_reads_atsp_and_writes_a_directed_tour(tmp_path, capsys):
    out = tmp_path / "r.json"
    code = main(["solve", str(DATA / "br17.atsp"), "-t", "5", "-q", "-o", str(out)])
    assert code == 0
    r = json.loads(out.read_text())
    p = combopt.read(DATA / "br17.atsp")
    tour = p.solution_from_json(r["solution"])  # TSPLIB numbering (1..n) in the file
    assert r["objective"] == directed_length(tour, p.D) == OPTIMA["br17"]


# ----------------------------------------------------------------------------- the transformation
def test_transformation_maps_tours_both_ways():
    D = random_arcs(7, 0)
    S, M = jv_matrix(D)
    n = 7
    assert np.array_equal(S, S.T) and S.shape == (14, 14) and M >= 1
    tour = np.array([0, 3, 1, 6, 2, 5, 4])
    T = to_jv(tour, n)
    sym = sum(int(S[T[k], T[(k + 1) % 14]]) for k in range(14))
    assert sym == directed_length(tour, D) + n * M  # every ghost edge, n arcs shifted by M
    # back: the cities in tour order, in the shorter of the two directions (the tour itself unless its reverse is
    # shorter); the symmetric tour walked backwards gives the same
    back = np.roll(tour[::-1], 1)  # the reverse, city 0 first
    best = tour if directed_length(tour, D) <= directed_length(back, D) else back
    assert from_jv(T, D).tolist() == best.tolist() == from_jv(T[::-1], D).tolist()
    assert directed_length(back, D) != directed_length(tour, D)  # the instance tells the directions apart
    # any tour of the transformed instance maps to a valid directed tour
    rng = np.random.default_rng(1)
    for _ in range(20):
        t = from_jv(rng.permutation(2 * n), D)
        assert sorted(t.tolist()) == list(range(n)) and t[0] == 0


def test_directed_polish_never_lengthens():
    D = random_arcs(12, 3)
    rng = np.random.default_rng(0)
    for _ in range(5):
        t = rng.permutation(12)
        new = improve_directed(t, D)
        assert sorted(new.tolist()) == list(range(12))
        assert directed_length(new, D) <= directed_length(t, D)


# ----------------------------------------------------------------------------- bounds and solvers
@pytest.mark.parametrize("seed", range(4))
def test_bounds_and_tsp_ls_against_brute_force(seed):
    n = 9 if seed % 2 else 10
    D = random_arcs(n, seed, lo=0 if seed == 2 else 1, hi=30 if seed == 3 else 1000)  # zeros, many ties
    opt = brute_force(D)
    assert assignment_bound(D) <= opt
    p = TSP(D, name=f"r{seed}")
    assert p.bound() <= opt
    r = combopt.solve(p, "tsp-ls", time_limit=3, seed=seed, target=opt)
    assert r.objective == opt == directed_length(r.solution, D)
    assert r.bound is not None and r.bound <= opt  # the Held-Karp bound of the transformation, shifted back
    assert (r.status == "optimal") == (r.bound == opt or n <= 9)


def tilted(n: int, seed: int, side: int = 10**6) -> np.ndarray:
    """Uniform points where moving up costs twice the vertical distance and down once, plus the horizontal one,
    rounded to integers (the DIMACS ``rtilt`` geometry): symmetric up to a potential, less the rounding."""
    xy = np.random.default_rng(seed).uniform(0, side, (n, 2))
    dx = np.abs(xy[:, None, 0] - xy[None, :, 0])
    dy = xy[None, :, 1] - xy[:, None, 1]
    return np.rint(dx + np.where(dy > 0, 2.0 * dy, -dy)).astype(np.int64)


def test_symmetric_up_to_a_potential():
    rng = np.random.default_rng(4)
    n = 11
    S = rng.integers(1, 500, (n, n))
    S = S + S.T
    pot = rng.integers(-300, 300, n)
    D = S + pot[None, :] - pot[:, None]  # asymmetric, negative arcs too
    np.fill_diagonal(D, 0)
    assert not np.array_equal(D, D.T)
    slack, scale = potential_slack(D)
    assert slack < 1e-6 and scale > 0
    S2, s2 = symmetric_route(D)
    assert S2 is not None and s2 == slack and np.array_equal(S2, S2.T)
    for _ in range(20):  # every directed tour is half its length under D + D.T, either way round
        t = rng.permutation(n)
        assert 2 * directed_length(t, D) == 2 * directed_length(t[::-1], D) == directed_length(t, S2)
    opt = brute_force(D)
    r = combopt.solve(TSP(D), "tsp-ls", time_limit=3, seed=0, target=opt)
    assert r.objective == opt == directed_length(r.solution, D)
    assert r.info["transformation"].startswith("symmetric part") and r.bound <= opt
    # random arcs are far from a potential: the Jonker-Volgenant route
    D = random_arcs(n, 0)
    assert symmetric_route(D)[0] is None and potential_slack(D)[0] > 1e-3 * potential_slack(D)[1]
    full, part = potential_slack(D, tile=3), potential_slack(D, tile=3, give_up=1e-3)  # stops after 3 rows
    assert part[0] < full[0] and part[1] < full[1] and part[0] > 1e-3 * part[1]
    assert potential_slack(S2 // 2, tile=3, give_up=1e-3)[0] < 1e-6  # no early stop on a symmetric matrix
    assert combopt.solve(TSP(D), "tsp-ls", time_limit=1, seed=0).info["transformation"] == "Jonker-Volgenant"


@pytest.mark.parametrize("seed", range(3))
def test_tilted_instances_against_brute_force(seed):
    D = tilted(10, seed)
    slack, scale = potential_slack(D)
    assert 0 < slack < 1e-4 * scale  # the rounding leaves a remainder of at most 1/2 per arc
    hand = sum(np.abs(0.5 * (D[i] - D[:, i]) - (((D.sum(0) - D.sum(1)) / 20.0) - (D[:, i].sum() - D[i].sum()) / 20.0)
                      ).max() for i in range(10))  # the remainder written out for city i's arcs
    assert hand - 1e-9 <= slack <= hand + 1e-4  # plus a margin for the float64 sums
    opt = brute_force(D)
    assert assignment_bound(D) <= TSP(D).bound() <= opt  # the problem's own bound: the symmetric one where higher
    r = combopt.solve(TSP(D), "tsp-ls", time_limit=2, seed=seed, target=opt)
    assert r.info["transformation"].startswith("symmetric part")
    assert r.objective == directed_length(r.solution, D)
    # the walks minimise the symmetric part: within twice the slack of the optimum, whatever the rounding
    assert opt <= r.objective <= opt + 2 * slack
    assert r.bound is not None and r.bound <= opt
    assert (r.status == "optimal") == (r.bound is not None and math.ceil(r.bound - 1e-9) >= r.objective)


def test_a_tilted_instance_has_the_symmetric_bound_for_every_solver():
    """On a tilted instance the assignment bound is far below the tours; the problem's own bound (which every solver's
    result carries, e.g. ``milp``'s or the ``lkh`` peer's) is the symmetric one, within a few % of a good tour."""
    D = tilted(60, 7)
    p = TSP(D)
    ap, b = assignment_bound(D), p.bound()
    r = combopt.solve(TSP(D), "tsp-ls", time_limit=2, seed=0)
    assert ap < 0.95 * r.objective and b > ap and r.objective - b < 0.05 * r.objective
    m = combopt.solve(TSP(D), "milp", time_limit=5)
    assert m.bound is not None and b <= m.bound <= min(m.objective, r.objective)


def test_potential_shifted_lengths_keep_every_tour():
    """The transformation's lengths shifted by the rounded least-squares potential: every directed tour keeps its
    length exactly; the share the potential explains is near 1 when the asymmetry is mostly a potential, near 0 on
    random arcs; tsp-ls takes the shift only above SHIFT_EXPLAINED and still reaches the brute-force optimum."""
    rng = np.random.default_rng(9)
    n = 10
    S = rng.integers(0, 300, (n, n))
    S = S + S.T
    D = S + rng.integers(-500, 500, n)[None, :] + rng.integers(-3, 4, (n, n))  # a potential, a little noise
    np.fill_diagonal(D, 0)
    Dp, explained = potential_shifted(D)
    assert explained > 0.9 and np.abs(Dp - Dp.T).sum() < 0.2 * np.abs(D - D.T).sum()
    for _ in range(20):
        t = rng.permutation(n)
        assert directed_length(t, Dp) == directed_length(t, D)
    R = random_arcs(n, 4)
    assert potential_shifted(R)[1] < SHIFT_EXPLAINED
    for M, shifted in ((D, True), (R, False)):
        opt = brute_force(M)
        r = combopt.solve(TSP(M), "tsp-ls", time_limit=3, seed=0, target=opt)
        assert r.objective == opt == directed_length(r.solution, M) and r.bound <= opt
        assert (r.info["potential_explained"] >= SHIFT_EXPLAINED) == shifted


def test_negative_arcs():
    D = random_arcs(10, 7, lo=-50, hi=50)
    opt = brute_force(D)
    r = combopt.solve(TSP(D), "tsp-ls", time_limit=3, target=opt)
    assert r.objective == opt and r.bound <= opt


@pytest.mark.parametrize("solver", ["milp", "sa", "exhaustive"])
def test_milp_and_qubo_routes_are_directed(solver):
    n = 6 if solver == "exhaustive" else 8  # exhaustive: (n-1)^2 = 25 binaries
    D = random_arcs(n, 11)
    opt = brute_force(D)
    r = combopt.solve(TSP(D), solver, time_limit=10, seed=0, **({"target": opt} if solver == "sa" else {}))
    assert r.objective == opt == directed_length(r.solution, D)


def test_published_optima_are_reached():
    for name, opt in OPTIMA.items():
        p = combopt.read(DATA / f"{name}.atsp")
        r = combopt.solve(p, "tsp-ls", time_limit=20, seed=0, target=opt)
        assert r.objective == opt, name
        assert r.bound <= opt
    assert combopt.solve(combopt.read(DATA / "br17.atsp"), "milp", time_limit=60).objective == OPTIMA["br17"]


def test_tsp_ls_refuses_point_options_on_an_asymmetric_instance():
    p = TSP(random_arcs(12, 0))
    with pytest.raises(combopt.ParameterError, match="no coordinates"):
        combopt.solve(p, "tsp-ls", time_limit=1, distances="points")


def test_held_karp_of_the_matrix_is_refused():
    with pytest.raises(combopt.ParameterError, match="assignment_bound"):
        TSP(random_arcs(5, 0)).held_karp()


def test_lkh_peer(monkeypatch):
    import sys

    from combopt.core.errors import MissingDependencyError

    p = combopt.read(DATA / "br17.atsp")
    monkeypatch.setitem(sys.modules, "elkai", None)
    with pytest.raises(MissingDependencyError, match="pip install"):
        combopt.solve(p, "lkh")
    monkeypatch.undo()
    pytest.importorskip("elkai")
    r = combopt.solve(p, "lkh")
    assert r.objective == OPTIMA["br17"] == directed_length(r.solution, p.D)
    sym = combopt.read(DATA / "gr17.tsp")
    assert combopt.solve(sym, "lkh", runs=2).objective == 2085  # TSPLIB's optimum of gr17


def test_hostile_arc_lengths_give_an_answer_or_a_clear_error(tmp_path):
    rng = np.random.default_rng(5)
    for k, hi in enumerate([1, 2, 10**6, 10**11, 10**13]):
        n = int(rng.integers(10, 16))
        D = rng.integers(-hi, hi + 1, (n, n))
        body = "\n".join(" ".join(str(v) for v in row) for row in D)
        f = tmp_path / f"h{k}.atsp"
        f.write_text(f"NAME: h{k}\nTYPE: ATSP\nDIMENSION: {n}\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                     f"EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n{body}\nEOF\n")
        try:
            p = combopt.read(f)
            r = combopt.solve(p, "tsp-ls", time_limit=0.5)
        except (combopt.InputError, combopt.ParameterError) as e:
            assert str(e)  # a message, not a crash
            continue
        assert r.feasible and r.objective == directed_length(r.solution, p.D)
        assert r.bound is None or r.bound <= r.objective


def test_size_limit_of_the_transformation(monkeypatch):
    import combopt.problems.tsp.asymmetric as asym

    monkeypatch.setattr(asym, "JV_MAX", 11)
    p = TSP(random_arcs(12, 0))
    with pytest.raises(combopt.ParameterError, match="at most 11"):
        combopt.solve(p, "tsp-ls", time_limit=1)
    assert p.evaluate(p.construct()).feasible  # the construction needs no transformation


def test_assignment_bound_with_negative_arcs():
    for seed in range(20):
        D = random_arcs(7, seed, lo=-100, hi=20)
        assert assignment_bound(D) <= brute_force(D)
        assert TSP(D).bound() <= brute_force(D)


def test_the_assignment_bound_is_left_out_of_a_run_too_short_for_it():
    D = np.random.default_rng(3).integers(1, 1000, (600, 600))
    p = TSP(D)
    assert p.asymmetric and p.bound_within(1e-3) is None and p._bound is None  # 600 cities: about 0.009 s
    b = p.bound_within(1.0)
    assert b is not None and b == p.bound() and p.bound_within(0.0) == b  # computed: then free
