"""TSP through the position-based QUBO and the slack-free Lagrangian route."""

import csv
import itertools

import numpy as np
import pytest

import combopt
from combopt.problems.tsp import TSP


def random_tsp(n, seed):
    rng = np.random.default_rng(seed)
    return TSP.from_coords(rng.uniform(0, 100, (n, 2)), name=f"rand{n}")


def perm_vector(inst, perm):
    x = np.zeros((inst.n - 1) ** 2)
    for t in range(1, inst.n):
        x[inst.qubo_index(int(perm[t]), t)] = 1
    return x


def test_qubo_energy_equals_tour_length_on_every_permutation():
    inst = random_tsp(6, 1)
    q = inst.to_qubo()
    assert q.n == 25
    for rest in itertools.permutations(range(1, 6)):
        perm = np.array((0,) + rest)
        assert q.energy(perm_vector(inst, perm)) == pytest.approx(inst.evaluate(perm).objective)


def test_qubo_minimum_is_an_optimal_tour():
    inst = random_tsp(5, 2)
    opt = min(inst.evaluate(np.array((0,) + p)).objective for p in itertools.permutations(range(1, 5)))
    res = combopt.solve(inst.to_qubo(), "exhaustive")
    assert res.objective == pytest.approx(opt)
    model = inst.lagrangian_model()
    assert model.feasible_mask(res.solution[None, :])[0]


def test_lagrangian_dual_bounds_are_valid_with_exact_inner():
    inst = random_tsp(5, 3)
    opt = min(inst.evaluate(np.array((0,) + p)).objective for p in itertools.permutations(range(1, 5)))
    for method in ("subgradient", "bundle", "cutting-plane"):
        res = combopt.solve(inst, "lagrangian", method=method, inner="exhaustive", max_iterations=15)
        rows = res.info["iterations"]
        assert all(r["bound"] is None or r["bound"] <= opt + 1e-6 for r in rows)
        assert res.feasible and res.objective == pytest.approx(opt)


@pytest.mark.parametrize("name", ["burma14", "ulysses16", "gr17"])
@pytest.mark.parametrize("solver,params", [("lagrangian", {"method": "augmented"}), ("sa", {})])
def test_qubo_route_reaches_optimal_tour(data_dir, name, solver, params):
    with open(data_dir / "tsp" / "optima.csv") as f:
        opt = {r["instance"]: int(r["optimal_length"]) for r in csv.DictReader(f)}[name]
    inst = combopt.read(data_dir / "tsp" / f"{name}.tsp")
    res = combopt.solve(inst, solver, time_limit=60, target=opt, seed=0, **params)
    assert res.objective == opt
    tour = np.asarray(res.solution)
    assert sorted(tour.tolist()) == list(range(inst.n))
    assert sum(inst.D[tour[i], tour[(i + 1) % inst.n]] for i in range(inst.n)) == opt


def test_export_tsp_qubo_and_lp(data_dir, tmp_path):
    from combopt.cli.app import main

    path = str(data_dir / "tsp" / "burma14.tsp")
    assert main(["export", path, "--to", "qubo", "-o", str(tmp_path / "b.qubo.json")]) == 0
    q = combopt.read(tmp_path / "b.qubo.json")
    inst = combopt.read(path)
    perm = np.arange(inst.n)
    assert q.energy(perm_vector(inst, perm)) == pytest.approx(inst.evaluate(perm).objective)
    assert main(["export", path, "--to", "lp", "-o", str(tmp_path / "b.lp")]) == 0
    assert "Minimize" in (tmp_path / "b.lp").read_text()
    assert main(["export", path, "--to", "lp", "-o", str(tmp_path / "b.lp")]) == 2  # never overwrite silently
