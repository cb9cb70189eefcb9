"""Small and odd instances where a solver's answer or claim went wrong (found by a hostile-input sweep): negative
knapsack profits, three-city asymmetric tours, a constant QUBO under CBC, profits near 1e12, a penalty for a
reduction without constraints. Strict bounds are on (conftest): a bound on the wrong side raises."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import combopt
from combopt.problems.mdkp.model import MultiKnapsack
from combopt.problems.tsp.model import TSP


def _knapsack_optimum(P: MultiKnapsack) -> float:
    best = -np.inf
    for bits in itertools.product((0, 1), repeat=P.n):
        x = np.array(bits)
        if np.all(P.A @ x <= P.b + 1e-9):
            best = max(best, float(P.p @ x))
    return best


@pytest.mark.parametrize("solver", ["mdkp-core", "lagrangian", "slack-penalty", "exhaustive", "milp"])
def test_negative_profits_never_enter_and_optimal_means_optimal(solver):
    rng = np.random.default_rng(3)
    hits = 0
    for _ in range(8):
        n, m = int(rng.integers(3, 8)), int(rng.integers(1, 3))
        p = rng.integers(-9, 10, n)
        p[0] = -abs(int(p[0])) - 1  # at least one negative item
        A = rng.integers(0, 6, (m, n))
        P = MultiKnapsack(p.tolist(), A.tolist(), rng.integers(3, 12, m).tolist())
        opt = _knapsack_optimum(P)
        r = combopt.solve(P, solver, time_limit=2, seed=0)
        assert P.evaluate(r.solution).feasible and r.objective <= opt + 1e-9
        assert r.status != "optimal" or r.objective == opt, (solver, p, r.objective, opt)
        hits += r.objective == opt
    assert hits >= 7, (solver, hits)  # none of these adds a negative item to a packing


def test_mdkp_core_finds_the_packing_without_the_negative_item():
    P = MultiKnapsack([5, -3, 4], [[1, 1, 1]], [3])
    r = combopt.solve(P, "mdkp-core", time_limit=2)
    assert r.objective == 9 and r.status == "optimal" and list(r.solution) == [1, 0, 1]
    r = combopt.solve(MultiKnapsack([-5, -12, -14], [[1, 1, 1]], [3]), "mdkp-core", time_limit=2)
    assert r.objective == 0 and r.status == "optimal"


def test_lp_bound_of_profits_near_1e12_is_solved_and_on_the_right_side():
    rng = np.random.default_rng(14)
    p = 10**12 + rng.integers(0, 700, 11)
    A = rng.integers(5, 60, (2, 11))
    P = MultiKnapsack(p.tolist(), A.tolist(), [250, 313])
    opt = _knapsack_optimum(P)
    assert P.lp_bound() >= opt  # HiGHS failed on the unscaled LP ("numerical difficulties")
    r = combopt.solve(P, "mdkp-core", time_limit=2, seed=0)
    assert P.evaluate(r.solution).feasible and r.bound >= opt >= r.objective


@pytest.mark.parametrize("n", [3, 4, 5, 7])
def test_enumerated_asymmetric_tours_are_optimal_with_their_own_bound(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        D = rng.integers(1, 100, (n, n))
        np.fill_diagonal(D, 0)
        P = TSP(D)
        best = min(sum(D[t[i], t[(i + 1) % n]] for i in range(n)) for t in
                   ([0, *q] for q in itertools.permutations(range(1, n))))
        r = combopt.solve(P, "tsp-ls", time_limit=2, seed=0)
        assert r.objective == best and r.status == "optimal" and r.bound == best
    D = np.array([[0, 100, 1], [1, 0, 100], [100, 1, 0]])  # only the tour 1 -> 3 -> 2 is short
    r = combopt.solve(TSP(D), "tsp-ls", time_limit=1)
    assert r.objective == 3 and r.status == "optimal"


def test_a_constant_qubo_keeps_its_offset_under_cbc(tmp_path):
    f = tmp_path / "zero.qubo.json"
    f.write_text('{"format":"combopt-qubo","offset":-5,"linear":{"a":0,"b":0},"quadratic":[["a","b",0]]}')
    r = combopt.solve(combopt.read(f), "milp", backend="cbc", time_limit=5)
    assert r.objective == -5 and r.bound == -5 and r.status == "optimal" and not r.info.get("warnings")


@pytest.mark.parametrize("solver", ["tabu", "sa", "exhaustive"])
def test_a_penalty_for_a_reduction_without_constraints_is_refused(solver):
    g = combopt.read(combopt.__path__[0] + "/data/warmup/tiny.rud")
    with pytest.raises(combopt.ParameterError, match="penalty does not apply to a maxcut instance"):
        combopt.solve(g, solver, penalty=2.0, time_limit=1)


def test_exhaustive_stopped_by_its_time_limit_claims_nothing():
    from combopt.models.qubo import QUBO
    from combopt.solvers import kernels

    m = QUBO.random(28, 0.3, seed=2)  # 2^28 assignments: more than 0.3 s
    r = combopt.solve(m, "exhaustive", max_variables=28, time_limit=0.3)
    assert r.status == "feasible" and "enumerated" in r.info and (r.bound is None or r.bound < r.objective)
    m = QUBO.random(12, 0.5, seed=3)  # blocks run in two calls give what one call gives
    indptr, indices, data = m.csr_arrays()
    E1, C1 = np.zeros(16), np.zeros(16, dtype=np.int64)
    kernels.exhaustive_cpu(indptr, indices, data, m.h, 4, E1, C1)
    E2, C2 = np.zeros(16), np.zeros(16, dtype=np.int64)
    kernels.exhaustive_cpu(indptr, indices, data, m.h, 4, E2[:5], C2[:5], 0)
    kernels.exhaustive_cpu(indptr, indices, data, m.h, 4, E2[5:], C2[5:], 5)
    assert np.array_equal(E1, E2) and np.array_equal(C1, C2)
    assert combopt.solve(m, "exhaustive").status == "optimal"


@pytest.mark.parametrize("solver", ["milp", "sa", "lagrangian"])
def test_a_two_city_tour_for_a_solver_that_needs_three_names_the_file(tmp_path, capsys, solver):
    from combopt.cli.app import main

    f = tmp_path / "c2.tsp"
    f.write_text("NAME : c2\nTYPE : TSP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
                 "1 0 0\n2 3 4\nEOF\n")
    assert main(["solve", str(f), "-s", solver, "-t", "1", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"combopt: error: {f}: {solver}: ") and "at least 3 cities" in err and "\n" not in err
    assert combopt.solve(combopt.read(f), "tsp-ls").objective == 10  # the default solver takes it


def test_ebim_and_mecb_constructions_are_feasible_and_fill_the_rate():
    # the cold-start answer (no compiled kernel): a first run on a fresh machine returned no solution for mecb
    from combopt.problems.coupling.model import EBIM, MECB

    rng = np.random.default_rng(0)
    for _ in range(200):
        n, m = int(rng.integers(1, 12)), int(rng.integers(1, 8))
        p = rng.random(n) ** 3
        p[rng.random(n) < 0.2] = 0.0
        p[0] += 0.01
        p /= p.sum()
        q = rng.random(m) + 0.01
        q /= q.sum()
        R = float(rng.uniform(0.0, 4.0))
        e = EBIM([p], rate=R)
        ev = e.evaluate(e.construct())
        assert ev.feasible, ev.violations
        # largest k singletons within the rate: one more symbol split off would pass it
        s = np.sort(p[p > 0])[::-1]
        hs = [-(s[:k] * np.log2(s[:k])).sum() - (s[k:].sum() * np.log2(s[k:].sum()) if s[k:].sum() > 1e-15 else 0)
              for k in range(s.size + 1)]
        assert ev.objective == pytest.approx(max(h for h in hs if h <= R + 1e-12), abs=1e-9)
        b = MECB([p, q], rate=R)
        assert b.evaluate(b.construct()).feasible


def test_three_marginals_with_a_rate_are_a_mec_instance(tmp_path):
    f = tmp_path / "three.coupling.json"
    f.write_text('{"marginals": [[0.5, 0.5], [0.2, 0.8], [0.1, 0.9]], "rate": 0.5}')
    assert combopt.read(f).kind == "mec"
    f.write_text('{"marginals": [[0.5, 0.5], [0.2, 0.8]], "rate": 0.5}')
    assert combopt.read(f).kind == "mecb"


def test_check_refutes_a_dag_bound_above_the_full_dag_on_the_solutions_order(tmp_path, capsys):
    import json

    from combopt.cli.app import main

    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 3))  # independent columns: the answer prunes every edge, the full DAG fits noise
    f = tmp_path / "weak.csv"
    f.write_text("a,b,c\n" + "\n".join(",".join(f"{v:.6f}" for v in row) for row in X) + "\n")
    out = tmp_path / "r.json"
    assert main(["solve", str(f), "-k", "dag", "-t", "1", "-q", "--out", str(out)]) == 0
    assert main(["check", str(f), str(out), "-k", "dag"]) == 0  # the run's own bound holds
    data = json.loads(out.read_text())
    data.update(status="optimal", bound=data["objective"], gap=0.0)
    out.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["check", str(f), str(out), "-k", "dag"]) == 1
    assert "of the full DAG on the solution's own order" in capsys.readouterr().out


@pytest.mark.parametrize("body, message", [
    ('[sets.a]\nkind = "nosuchkind"\ninstances = ["g.clq"]\n[[solvers]]\nsolver = "sa"\n', "unknown kind 'nosuchkind'"),
    ('[sets.a]\nkind = "clique"\ninstances = ["g.clq"]\n[[solvers]]\nsolver = "nosuch"\n', "unknown solver 'nosuch'"),
    ('[sets.a]\nkind = "clique"\ninstances = ["g.clq"]\n[[solvers]]\nsolver = "tsp-ls"\n',
     "solver 'tsp-ls' does not handle kind 'clique'"),
])
def test_a_suite_naming_an_unknown_solver_or_kind_is_refused_when_loaded(tmp_path, capsys, body, message):
    from combopt.cli.app import main

    (tmp_path / "g.clq").write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    suite = tmp_path / "s.toml"
    suite.write_text(f'[suite]\nname = "s"\ndata = "{tmp_path}"\n' + body)
    assert main(["bench", str(suite), "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and not (tmp_path / "r.jsonl").exists()


def test_a_damaged_results_line_is_skipped_with_a_warning(tmp_path):
    import json

    from combopt.bench.results import read_results

    row = {"key": "k1", "suite": "s", "set": "a", "path": "i.clq", "instance": "i", "solver": "sa", "label": "sa",
           "seed": 0, "status": "feasible", "objective": 3.0, "sense": "max"}
    f = tmp_path / "r.jsonl"
    good = [json.dumps({**row, "key": f"k{i}", "instance": f"i{i}"}) for i in range(3)]
    f.write_text(good[0] + "\n" + good[1][:40] + "\n" + good[2] + "\n")
    with pytest.warns(UserWarning, match=r"line\(s\) 2 are not complete JSON rows"):
        rows = read_results([f])
    assert sorted(r["key"] for r in rows) == ["k0", "k2"]


def test_head_to_head_ties_within_the_sets_tolerance():
    from combopt.bench.report import head_to_head
    from combopt.bench.results import normalise

    def row(label, obj, tol):
        return normalise({"key": label, "suite": "s", "set": "a", "path": "burma14.tsp", "instance": "burma14",
                          "solver": "tsp-ls", "label": label, "seed": 0, "status": "feasible", "sense": "min",
                          "objective": obj, "feasible": True, "tolerance": tol})

    rows = [row("a", 3323.0, 0.05), row("b", 3340.0, 0.05)]  # 0.5 % apart: level within 5 %
    assert head_to_head(rows)["a"][("a", "b")] == (0, 0, 1)
    rows = [row("a", 3323.0, None), row("b", 3340.0, None)]  # rows without it: 1e-6, as before
    assert head_to_head(rows)["a"][("a", "b")] == (1, 0, 0)


@pytest.mark.parametrize("extra, message", [
    ({"weight": [100, 1]}, "unknown key 'weight'"),
    ({"domain": {"lo": 0, "step": 1, "count": 2, "bar": 3}}, "unknown key 'domain.bar'"),
    ({"b": ["1", 0]}, "'b\\[0\\]' holds \"1\"; expected a number"),
    ({"domain": {"lo": 0, "step": 1, "count": True}}, "'domain.count' holds true; expected a number"),
])
def test_dmmv_json_refuses_unknown_keys_and_numbers_as_text(tmp_path, extra, message):
    import json

    f = tmp_path / "m.dmmv.json"
    f.write_text(json.dumps({"format": "dmmv", "A": [[1, 1], [1, -1]], "b": [1, 0],
                             "domain": {"lo": 0, "step": 1, "count": 2}, **extra}))
    with pytest.raises(combopt.InputError, match=message):
        combopt.read(f)


def test_dmmv_json_mixes_the_two_domain_forms_and_open_rows_do_not_warn(tmp_path, recwarn):
    import json

    f = tmp_path / "m.dmmv.json"
    f.write_text(json.dumps({"format": "dmmv", "A": [[1, 2], [1, 0]], "lower": [1.4, None], "upper": [1.4, None],
                             "domains": [{"values": [0, 1]}, {"lo": 0, "step": 0.5, "count": 3}]}))
    P = combopt.read(f)
    best = min(abs(a + 2 * b - 1.4) for a in (0, 1) for b in (0, 0.5, 1.0))  # the second row is free
    for solver in ("dmmv", "dmmv-round", "milp"):
        r = combopt.solve(P, solver, time_limit=2, seed=0)
        assert r.objective == pytest.approx(best) or (solver == "dmmv-round" and r.objective >= best - 1e-9)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_a_suite_naming_an_instance_past_the_end_of_its_file_is_refused(tmp_path, capsys):
    from combopt.cli.app import main

    (tmp_path / "two.txt").write_text("2\n3 1 0\n5 4 3\n1 1 1\n2\n3 1 0\n1 2 3\n1 1 1\n1\n")
    suite = tmp_path / "s.toml"
    body = '[sets.a]\nkind = "mdkp"\ninstances = ["two.txt#{}"]\n[[solvers]]\nsolver = "mdkp-core"\n'
    suite.write_text(f'[suite]\nname = "s"\ndata = "{tmp_path}"\ntime_limit = 1\n' + body.format(5))
    assert main(["bench", str(suite), "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "#5 does not exist" in capsys.readouterr().err and not (tmp_path / "r.jsonl").exists()
    suite.write_text(f'[suite]\nname = "s"\ndata = "{tmp_path}"\ntime_limit = 1\n' + body.format(1))
    assert main(["bench", str(suite), "--out", str(tmp_path / "r.jsonl")]) == 0


def test_quantization_shape_message_knows_transpose_is_already_set(tmp_path):
    np.save(tmp_path / "w.npy", np.ones((1, 2)))
    np.save(tmp_path / "x.npy", np.ones((4, 2)))
    spec = tmp_path / "q.toml"
    spec.write_text('kind = "quantization"\nweights = "w.npy"\nactivations = "x.npy"\nbits = 3\ntranspose = true\n')
    with pytest.raises(combopt.InputError, match=r"with transpose = true the weights are read as in x out"):
        combopt.read(spec)
    spec.write_text('kind = "quantization"\nweights = "w.npy"\nactivations = "x.npy"\nbits = 3\n')
    assert combopt.read(spec).kind == "quantization"  # out x in as stored: 2 inputs, as the activations


def test_exhaustive_stops_at_a_reached_target_and_proves_nothing():
    """`exhaustive` enumerated every block even after its best met --target (a 12-item knapsack: the full 2 s)."""
    q = combopt.QUBO.random(24, 0.3, seed=1)
    full = combopt.solve(q, "exhaustive")
    assert full.status == "optimal" and full.iterations == 1
    goal = 0.0  # met by the all-zero assignment, in the first kernel call (4 of the 1,024 blocks): a stop by target
    r = combopt.solve(q, "exhaustive", target=goal)
    assert r.objective <= goal + 1e-9 and r.objective == pytest.approx(q.energy(r.solution))
    assert r.status != "optimal" or r.objective == pytest.approx(full.objective)
    assert "enumerated" in r.info and "qubo_best_enumerated" in r.info  # stopped early: not every block ran
    assert r.bound is None or r.bound <= full.objective + 1e-9


def test_ebim_exact_stops_at_a_target_its_greedy_start_meets():
    """`ebim-exact` reported nothing before its enumeration ended, so a --target the greedy encoder already met
    enumerated every partition anyway (4.2 million for 12 symbols)."""
    from combopt.problems.coupling.model import EBIM

    p = np.random.default_rng(2).dirichlet(np.ones(11))
    prob = EBIM([p], 1.5)
    greedy = combopt.solve(prob, "ebim-greedy")
    full = combopt.solve(prob, "ebim-exact", max_n=11)
    assert full.info["checked"] == full.info["partitions"] and full.objective >= greedy.objective - 1e-12
    r = combopt.solve(prob, "ebim-exact", max_n=11, target=greedy.objective)
    assert r.objective >= greedy.objective - 1e-12 and r.info["checked"] < r.info["partitions"]
    assert r.status != "optimal" or r.objective >= full.bound - 1e-9
    assert r.bound >= full.objective - 1e-9  # the upper bound still holds


def test_clique_cores_and_cpsat_stop_at_a_reached_target_and_claim_only_their_proofs():
    """The README said a --target does not end `clique-cores` or `rcpsp-cpsat`; both hand over their best as they go
    and stop at it (between vertices; at CP-SAT's first schedule that meets it), proving nothing by it."""
    import os

    g = combopt.read(os.path.join(os.path.dirname(__file__), "data", "C125.9.clq"), kind="clique")
    full = combopt.solve(g, "clique-cores", time_limit=20)
    r = combopt.solve(g, "clique-cores", time_limit=20, target=20)
    assert 20 <= r.objective <= full.objective and r.info["stopped_early"] and not full.info["stopped_early"]
    assert r.status != "optimal" and r.bound >= 34  # the clique number of C125.9 is 34
    pytest.importorskip("ortools")
    p = combopt.read(os.path.join(os.path.dirname(__file__), "data", "rcpsp", "j301_1.sm"))
    r = combopt.solve(p, "rcpsp-cpsat", time_limit=20, target=200, num_workers=1)
    assert r.objective <= 200 and r.status != "optimal" and r.bound <= 43  # j301_1's optimum is 43
    assert r.info["cpsat_status"] == "FEASIBLE"
    full = combopt.solve(p, "rcpsp-cpsat", time_limit=20, num_workers=1)
    assert full.status == "optimal" and full.objective == 43


def test_milp_on_highs_hands_over_incumbents_and_stops_at_a_target_in_both_senses():
    """HiGHS's improving incumbents reach the run as they are found (a trace before the end, so time to target is
    measured), and a reached --target stops the back end (status ``stopped``), claiming only what HiGHS proved."""
    import os

    pytest.importorskip("highspy")
    data = os.path.join(os.path.dirname(__file__), "data")
    g = combopt.read(os.path.join(data, "C125.9.clq"), kind="clique")  # max: the clique number is 34
    r = combopt.solve(g, "milp", backend="highs", time_limit=20, target=20)
    assert r.info["milp_status"] == "stopped" and r.status == "feasible" and r.objective >= 20
    assert r.bound >= 34 and r.objective == len(r.solution) and g.evaluate(r.solution).feasible
    assert r.trace and r.trace[-1][1] == r.objective
    p = combopt.read(os.path.join(data, "rcpsp", "j301_1.sm"))  # min: the optimum is 43
    r = combopt.solve(p, "milp", backend="highs", time_limit=20, target=200)
    assert r.info["milp_status"] == "stopped" and r.status == "feasible" and r.objective <= 200
    assert r.bound is None or r.bound <= 43
    full = combopt.solve(p, "milp", backend="highs", time_limit=20)
    assert full.status == "optimal" and full.objective == 43 and len(full.trace) >= 1
    assert all(b >= 43 for _, b in full.trace)  # every handed-over incumbent is a feasible schedule


@pytest.mark.parametrize("tiny", [1e-9, 1e-200])
def test_objectives_of_tiny_coefficients_are_not_proven_optimal_next_to_their_optimum(tiny):
    """Profits of 1e-9 were "optimal" at 2.005e-9 (mdkp-core) and at 0 (milp) against the optimum 3e-9, and a QUBO of
    1e-9 couplings "optimal" at 0 with bound 0 against -2e-9 (both back ends): the back ends stop at an absolute gap
    of 1e-6 and the claims' tolerance was absolute below 1. Both senses, every back end."""
    from combopt.core.status import meets

    mk = MultiKnapsack(np.array([1.0, 2.0, 0.005]) * tiny, np.ones((1, 3)), [2.0])
    assert mk.objective_scale() == pytest.approx(2 * tiny)
    for backend in ("cbc", "highs"):
        r = combopt.solve(mk, "milp", backend=backend, time_limit=20)
        assert r.status == "optimal" and r.objective == pytest.approx(3 * tiny) and r.bound >= r.objective
    for solver in ("mdkp-core", "lagrangian"):
        r = combopt.solve(mk, solver, time_limit=2)
        assert r.status != "optimal" or r.objective == pytest.approx(3 * tiny)
        assert r.bound is None or r.bound >= 3 * tiny * (1 - 1e-9)
    q = combopt.QUBO(np.array([-1.0, -2.0]) * tiny, np.array([[0.0, 5.0], [5.0, 0.0]]) * tiny)
    for backend in ("cbc", "highs"):
        r = combopt.solve(q, "milp", backend=backend, time_limit=20)
        assert r.status == "optimal" and r.objective == pytest.approx(-2 * tiny) and r.bound <= r.objective
    assert not meets(0.0, -2 * tiny, "min", q.objective_scale())
    assert not meets(2.005 * tiny, 3 * tiny, "max", mk.objective_scale()) and meets(2.005 * tiny, 3 * tiny, "max")


@pytest.mark.parametrize("tiny", [1e-9, 1e-200])
def test_mdkp_core_on_tiny_profits_claims_only_true_optima(tiny):
    """mdkp-core proved worse packings optimal on profits of 1e-200 (13 of 30 random 6-item instances): HiGHS's
    objective bound pruned with an absolute 1e-6, and the search took no improvement below 1e-12 as one."""
    rng = np.random.default_rng(0)
    for _ in range(8):
        p, A = rng.integers(1, 100, 6).astype(float), rng.integers(1, 20, (2, 6)).astype(float)
        mk = MultiKnapsack(p * tiny, A, A.sum(axis=1) / 2)
        opt = _knapsack_optimum(mk)
        r = combopt.solve(mk, "mdkp-core", time_limit=1, seed=0)
        assert r.status != "optimal" or r.objective == pytest.approx(opt, rel=1e-12)
        assert r.bound is None or r.bound >= opt * (1 - 1e-12)


def test_the_first_lp_of_a_process_counts_scipys_import():
    """A 0.3 s dmmv run in a fresh process spent 0.4 s on its LP bound, nearly all of it importing scipy's LP solver,
    which the estimate that decides whether the bound fits the run did not count."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from combopt.models.dmmv import lp_import_seconds, LP_IMPORT_S\n"
            "import combopt\n"
            "p = combopt.read(sys.argv[1])\n"
            "assert 'scipy.optimize._linprog_highs' not in sys.modules and lp_import_seconds() == LP_IMPORT_S\n"
            "assert p.bound_within(0.2) is None\n"  # a 2 s run's tenth: the import alone does not fit
            "assert p.bound_within(5.0) is not None and lp_import_seconds() == 0.0\n"
            "assert p.bound_within(0.2) is not None\n")  # solved once, kept
    spec = "combopt/data/warmup/tiny.dmmv.json"  # a generic model (reading a FIR spec imports scipy.signal, and with
    from pathlib import Path  # it the LP solver)

    root = Path(__file__).resolve().parent.parent
    r = subprocess.run([sys.executable, "-c", code, str(root / spec)], capture_output=True, text=True, cwd=root)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_milp_claims_no_whole_number_optimum_beyond_what_floating_point_tells_apart(backend):
    """CBC called a knapsack of profits near 1e13 optimal one unit below its optimum (40000000000012 against
    40000000000013), with the objective as its bound: on the wrong side. Past 1e11 neither back end's "optimal" is
    taken as a proof to the unit; the bound stays on the right side."""
    from combopt.solvers.milp import WHOLE_PROOF_LIMIT

    p = [10000000000000, 10000000000003, 10000000000002, 10000000000008, 10000000000009, 10000000000002,
         10000000000001, 10000000000008, 10000000000004]
    P = MultiKnapsack(p, [[1, 2, 2, 1, 8, 1, 5, 4, 5], [2, 3, 6, 5, 2, 3, 3, 5, 9]], [10, 13])
    opt = _knapsack_optimum(P)
    assert opt == 40000000000013
    r = combopt.solve(P, "milp", time_limit=5, backend=backend)
    assert P.evaluate(r.solution).feasible and r.objective <= opt <= r.bound
    assert r.status == "feasible" and r.gap > 0 and "not taken" in r.info["warnings"][0]
    small = MultiKnapsack([v - 10000000000000 + 7 for v in p], P.A.tolist(), P.b.tolist())  # the same choice, small
    assert WHOLE_PROOF_LIMIT > 1e6
    r = combopt.solve(small, "milp", time_limit=5, backend=backend)
    assert r.status == "optimal" and r.objective == _knapsack_optimum(small) == r.bound


def test_check_refutes_a_gap_claimed_where_it_is_undefined(tmp_path, capsys):
    """With a zero objective and a bound away from it the gap is undefined (null); `check` accepted any number."""
    import json

    from combopt.cli.app import main

    f = tmp_path / "zero.mknap"
    f.write_text("1\n3 1 0\n5 6 7\n9 9 9\n4\n")
    out = tmp_path / "z.json"
    assert main(["solve", str(f), "-k", "mdkp", "-s", "lagrangian", "-t", "1", "-q", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["objective"] == 0 and data["bound"] > 0 and data["gap"] is None
    assert main(["check", str(f), str(out), "-k", "mdkp"]) == 0
    for gap in (123.0, -5.0, 0.0):
        out.write_text(json.dumps({**data, "gap": gap}))
        capsys.readouterr()
        assert main(["check", str(f), str(out), "-k", "mdkp"]) == 1
        assert "the gap is undefined (null)" in capsys.readouterr().out
