"""Status, bound and gap are claims (issue 8): they must hold for every solver, in both senses.

Exact solvers run on a maximisation and a minimisation under a time limit that
stops them early; the tests assert the status, the side of the bound and the
gap, recomputed independently. Ctrl-C is sent to a real ``combopt`` process.
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import combopt
from combopt.cli.app import main
from combopt.core import status as status_mod
from combopt.core.status import BoundViolation, integral_bound, relative_gap, settle
from combopt.core.stopping import MaxIterations, SearchState

DATA = Path(__file__).parent / "data"
# OR-Library mknapcb4 instance #0 (10 constraints x 100 items): best known 23064 (Chu & Beasley),
# LP bound 23480.64; neither CBC nor HiGHS proves it in seconds, so a 1 s limit always stops them early.
MDKP_HARD = DATA / "mdkp" / "mknapcb4_0.txt"
MDKP_EASY = f"{DATA / 'mdkp' / 'mknap1.txt'}#2"  # optimum 4015 (mknap1-optima.csv)
TSP_HARD = DATA / "tsp" / "att48.tsp"  # optimum 10628
TSP_EASY = DATA / "tsp" / "burma14.tsp"  # optimum 3323
BACKENDS = ["cbc", "highs"]


def assert_honest(res, known_optimum: float | None = None) -> None:
    """The invariants of every result, checked from its own numbers and the problem's evaluate."""
    assert res.feasible, res
    if res.bound is not None:
        if res.sense == "max":
            assert res.bound >= res.objective - 1e-6 * max(1.0, abs(res.objective)), res
        else:
            assert res.bound <= res.objective + 1e-6 * max(1.0, abs(res.objective)), res
        assert res.gap == pytest.approx(relative_gap(res.objective, res.bound, res.sense), abs=1e-12)
        assert res.gap >= 0
    if res.status == combopt.Status.OPTIMAL:
        assert res.bound == res.objective and res.gap == 0, res
        assert "proved_optimal_at_s" in res.info and 0 <= res.info["proved_optimal_at_s"] <= res.runtime
        if known_optimum is not None:
            assert res.objective == known_optimum
    if known_optimum is not None and res.bound is not None:
        # a proven bound is never on the wrong side of the true optimum either
        if res.sense == "max":
            assert res.bound >= known_optimum - 1e-6
        else:
            assert res.bound <= known_optimum + 1e-6
    assert "warnings" not in res.info


# ------------------------------------------------------------------------------ relative_gap / settle


finite = st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False)


@given(obj=finite, bound=finite, sense=st.sampled_from(["min", "max"]))
@settings(max_examples=300, deadline=None)
def test_relative_gap_never_clamps(obj, bound, sense):
    g = relative_gap(obj, bound, sense)
    diff = (bound - obj) if sense == "max" else (obj - bound)
    if abs(obj) < 1e-9 and abs(diff) > 1e-9:  # a zero objective has no relative gap to a bound away from it
        assert g is None
        return
    assert g is not None and math.isfinite(g)
    # sign: positive with the bound on the right side, negative on the wrong side, zero when they meet
    assert np.sign(g) == np.sign(diff)
    assert g * max(abs(obj), 1e-9) == pytest.approx(diff, rel=1e-9, abs=1e-12)
    # the two senses mirror each other
    assert relative_gap(obj, bound, "min") == -relative_gap(obj, bound, "max") or diff == 0


@given(x=st.one_of(st.none(), st.just(math.nan), st.just(math.inf), st.just(-math.inf)), y=finite)
def test_relative_gap_of_missing_or_non_finite_is_none(x, y):
    assert relative_gap(x, y, "min") is None and relative_gap(y, x, "max") is None


@given(obj=finite, slack=st.floats(min_value=0, max_value=1e6), sense=st.sampled_from(["min", "max"]))
@settings(max_examples=200, deadline=None)
def test_settle_keeps_right_side_bounds_and_calls_optimal_only_when_they_meet(obj, slack, sense):
    bound = obj + slack if sense == "max" else obj - slack
    c = settle(sense, obj, True, [("test", bound)])
    if abs(obj) < 1e-9 and abs(bound - obj) > 1e-9:
        assert c.gap is None and c.bound == bound  # no relative gap to a zero objective; the bound stays
        return
    assert c.gap is not None and c.gap >= 0
    if c.status == "optimal":
        assert c.bound == obj and c.gap == 0
        assert slack <= 1e-9 * max(1.0, abs(obj)) + 1e-6 * max(1.0, abs(obj))
    else:
        assert c.status == "feasible" and c.bound == bound and slack > 0


@pytest.mark.parametrize("sense,obj,bound", [("max", 23050.0, -23429.0), ("min", 2085.0, 2100.0)])
def test_wrong_side_bound_raises_in_tests_and_is_dropped_in_a_release(monkeypatch, sense, obj, bound):
    with pytest.raises(BoundViolation, match="bound"):
        settle(sense, obj, True, [("solver 'x'", bound)])
    monkeypatch.setattr(status_mod, "STRICT", False)
    c = settle(sense, obj, True, [("solver 'x'", bound)])
    assert c.status == "feasible" and c.bound is None and c.gap is None
    assert len(c.warnings) == 1 and str(bound).rstrip("0").rstrip(".") in c.warnings[0]
    # a wrong bound never turns into "optimal", even next to a proof claim
    c = settle(sense, obj, True, [("solver 'x'", bound)], proven_optimal=False)
    assert c.status != "optimal"


def test_false_optimal_and_false_infeasible_claims(monkeypatch):
    with pytest.raises(BoundViolation):
        settle("max", 10.0, True, [("lp", 12.0)], proven_optimal=True)
    with pytest.raises(BoundViolation):
        settle("min", 10.0, True, [], infeasible=True)
    monkeypatch.setattr(status_mod, "STRICT", False)
    c = settle("max", 10.0, True, [("lp", 12.0)], proven_optimal=True)
    assert c.status == "feasible" and c.bound == 12.0 and c.gap == pytest.approx(0.2) and c.warnings
    c = settle("min", 10.0, True, [], infeasible=True)
    assert c.status == "feasible" and c.warnings
    # the tightest of several right-side bounds is kept
    assert settle("max", 10.0, True, [("a", 15.0), ("b", 12.0), ("c", None)]).bound == 12.0
    assert settle("min", 10.0, True, [("a", 5.0), ("b", 8.0)]).bound == 8.0
    assert settle("min", None, False, [("a", 5.0)]).status == "unknown"


def test_release_mode_result_carries_the_warning(monkeypatch):
    """End to end: a solver whose bound is on the wrong side gets feasible, no bound, a warning in info."""
    from combopt.core import registry
    from combopt.core.context import SolverOutput

    monkeypatch.setattr(status_mod, "STRICT", False)

    @registry.register_solver("test-wrong-bound", problems=("mdkp",), exact=True, description="test only")
    def wrong(problem, ctx, **params):
        x = np.zeros(problem.n, dtype=np.int8)
        ctx.state.report(problem.evaluate(x).objective, x)
        return SolverOutput(bound=-1.0, proven_optimal=False)

    try:
        res = combopt.solve(MDKP_EASY, "test-wrong-bound")
    finally:
        registry._SOLVERS.pop("test-wrong-bound", None)
    assert res.status == combopt.Status.FEASIBLE
    # the problem's own bound remains (rounded down: its profits are whole numbers)
    assert res.bound == math.floor(combopt.read(MDKP_EASY).bound())
    assert any("-1" in w for w in res.info["warnings"])


# ------------------------------------------------------------------------------ exact solvers, both senses


@pytest.mark.parametrize("backend", BACKENDS)
def test_milp_max_stopped_early_is_feasible_with_an_upper_bound(backend):
    res = combopt.solve(MDKP_HARD, "milp", time_limit=1, backend=backend)
    assert res.status == combopt.Status.FEASIBLE, res.info
    assert res.info["milp_status"] == "time_limit"
    assert 0 < res.objective <= 23064  # best known
    lp = combopt.read(MDKP_HARD).lp_bound()
    assert res.objective < res.bound <= lp + 1e-6, (res.objective, res.bound, lp)
    assert res.gap > 0
    assert_honest(res)


@pytest.mark.parametrize("backend", BACKENDS)
def test_milp_min_stopped_early_is_feasible_with_a_lower_bound(backend):
    res = combopt.solve(TSP_HARD, "milp", time_limit=1, backend=backend)
    assert res.info["milp_status"] in ("time_limit", "not_solved"), res.info
    if res.feasible:
        assert res.status == combopt.Status.FEASIBLE
        assert res.bound < res.objective and res.gap > 0
        assert_honest(res, None)
        assert res.bound <= 10628
    else:
        assert res.status == combopt.Status.UNKNOWN


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("path,optimum", [(MDKP_EASY, 4015), (TSP_EASY, 3323)], ids=["max", "min"])
def test_milp_proves_small_instances_optimal(backend, path, optimum):
    res = combopt.solve(path, "milp", time_limit=60, backend=backend)
    assert res.status == combopt.Status.OPTIMAL and res.info["milp_status"] in ("optimal", "stopped")
    assert res.info["proved_optimal_by"] in ("solver 'milp'", "bound")
    if res.info["milp_status"] == "stopped":  # HiGHS's incumbent met the problem's own bound (burma14: 3323)
        assert backend == "highs" and res.info["proved_optimal_by"] == "bound"
    assert_honest(res, optimum)


@pytest.mark.parametrize("backend", BACKENDS)
def test_milp_statuses_from_the_back_end_infeasible_and_unbounded(backend):
    import pulp

    from combopt.solvers.milp import run_pulp

    prob = pulp.LpProblem("infeasible", pulp.LpMaximize)
    x = prob.add_variable("x", 0, 1, cat=pulp.LpInteger)
    prob += x
    prob += x >= 2
    r = run_pulp(prob, backend, 5)
    assert r.infeasible and r.status == "infeasible" and not r.proven and not r.has_solution

    prob = pulp.LpProblem("unbounded", pulp.LpMaximize)
    y = prob.add_variable("y", 0, None, cat=pulp.LpInteger)
    prob += y + 3
    prob += y >= 1
    r = run_pulp(prob, backend, 5)
    assert not r.proven and not r.infeasible
    assert r.status in ("unbounded", "unbounded_or_infeasible")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sense", ["max", "min"])
def test_milp_bound_sign_and_constant(backend, sense):
    """The back end's bound comes back in the model's own sense, constant included."""
    import pulp

    from combopt.solvers.milp import run_pulp

    prob = pulp.LpProblem("k", pulp.LpMaximize if sense == "max" else pulp.LpMinimize)
    w = [5, 7, 4, 3, 6]
    x = [prob.add_variable(f"x{i}", 0, 1, cat=pulp.LpInteger) for i in range(5)]
    sign = 1 if sense == "max" else -1
    prob += pulp.lpSum(sign * wi * xi for wi, xi in zip(w, x, strict=True)) + 100
    prob += pulp.lpSum(x) <= 2
    r = run_pulp(prob, backend, 10)
    assert r.proven and r.status == "optimal"
    assert r.bound == pytest.approx(100 + sign * 13)
    assert pulp.value(prob.objective) == pytest.approx(100 + sign * 13)


def test_milp_back_ends_get_only_the_time_left_after_the_model_is_handed_over(monkeypatch):
    """PuLP hands the model to HiGHS (a Python loop over the terms) and writes CBC's MPS file before the back end's
    own clock starts: the back end's limit is what is left of the run's, not the whole of it."""
    import subprocess

    import pulp

    from combopt.solvers import milp

    prob = pulp.LpProblem("k", pulp.LpMaximize)
    x = [prob.add_variable(f"x{i}", 0, 1, cat=pulp.LpInteger) for i in range(5)]
    prob += pulp.lpSum((i + 1) * xi for i, xi in enumerate(x))
    prob += pulp.lpSum(x) <= 2
    h = milp._make_solver("highs", 30.0, None, 0.0)
    h.deadline -= 25.0  # as if handing the model over had taken 25 s of the 30
    prob.solve(h)
    assert prob.solverModel.getOptionValue("time_limit")[1] <= 5.0

    seen = []
    real = subprocess.Popen

    def popen(args, *a, **k):
        seen.append(list(args))
        return real(args, *a, **k)

    monkeypatch.setattr(subprocess, "Popen", popen)
    clock = iter([0.0] + [20.0] * 1000)  # writing the MPS file "took" 20 s of the 30
    monkeypatch.setattr(milp.time, "monotonic", lambda: next(clock))
    cbc = milp._make_solver("cbc", 30.0, None, 0.0)
    prob.solve(cbc)
    sec = float(seen[0][seen[0].index("-sec") + 1])
    assert sec <= 10.0 + 1e-9 and pulp.value(prob.objective) == pytest.approx(9.0)


def test_milp_rcpsp_time_indexed_min():
    res = combopt.solve(DATA / "rcpsp" / "j301_1.sm", "milp", time_limit=60, backend="highs")
    assert res.status == combopt.Status.OPTIMAL
    assert_honest(res, 43)


def test_cpsat_min_stopped_early_and_proven():
    pytest.importorskip("ortools")
    res = combopt.solve(DATA / "rcpsp" / "j1201_1.sm", "rcpsp-cpsat", time_limit=1, num_workers=1)
    # stopped early (the priority-rule hint is the incumbent when CP-SAT has none of its own): feasible with
    # a lower bound below the makespan; optimal only on CP-SAT's own proof (best known 105, CPM bound 99)
    assert res.info["cpsat_status"] in ("FEASIBLE", "OPTIMAL", "UNKNOWN")
    assert (res.status == combopt.Status.OPTIMAL) == (res.info["cpsat_status"] == "OPTIMAL")
    if res.status == combopt.Status.FEASIBLE:
        assert res.bound < res.objective and res.gap > 0
    assert_honest(res)
    res = combopt.solve(DATA / "rcpsp" / "j301_1.sm", "rcpsp-cpsat", time_limit=30)
    assert res.status == combopt.Status.OPTIMAL and res.info["cpsat_status"] == "OPTIMAL"
    assert_honest(res, 43)


def test_exhaustive_both_senses():
    # max: maximum independent set of the 5-cycle (alpha = 2) through its exact QUBO
    import networkx as nx

    res = combopt.solve(nx.cycle_graph(5), "exhaustive")
    assert res.sense == "max" and res.status == combopt.Status.OPTIMAL
    assert_honest(res, 2)
    # min: a QUBO whose minimum is known by hand: E = -x0 - x1 + 3 x0 x1 -> -1
    from combopt.models.qubo import QUBO

    q = QUBO.from_dicts({0: -1.0, 1: -1.0}, {(0, 1): 3.0}, offset=0.5)
    res = combopt.solve(q, "exhaustive")
    assert res.sense == "min" and res.status == combopt.Status.OPTIMAL
    assert_honest(res, -0.5)


def test_heuristics_with_bounds_both_senses():
    res = combopt.solve(MDKP_HARD, "lagrangian", max_iterations=5)
    assert res.status == combopt.Status.FEASIBLE and res.bound > res.objective
    assert_honest(res)
    res = combopt.solve(DATA / "rcpsp" / "j3013_1.sm", "rcpsp-ga", max_iterations=3)
    assert_honest(res)


# ------------------------------------------------------------------------------ the shared stopping rule


def test_search_state_stops_when_the_incumbent_meets_the_bound():
    st_ = SearchState(sense="min", criterion=MaxIterations(10**9))
    st_.offer_bound(41.5)
    st_.report(50.0, "a")
    assert not st_.should_stop() and st_.proved_at is None
    st_.offer_bound(42.0)  # a tighter bound, still below
    st_.report(42.0, "b")
    assert st_.should_stop() and st_.proven_optimal and st_.proved_at is not None
    mx = SearchState(sense="max", criterion=MaxIterations(10**9))
    mx.report(7.0, "x")
    assert not mx.should_stop()
    mx.offer_bound(7.0)  # a bound arriving after the incumbent proves it too
    assert mx.should_stop() and mx.proved_at is not None


def test_tsp_ls_stops_once_proven_optimal():
    """gr17: the Held-Karp bound equals the optimum, so the search ends as soon as it finds 2085."""
    res = combopt.solve(DATA / "tsp" / "gr17.tsp", "tsp-ls", max_iterations=10**6)
    assert res.status == combopt.Status.OPTIMAL and res.objective == 2085
    assert res.iterations < 10**6  # stopped by the proof, not by the iteration limit
    assert res.info["proved_optimal_by"] == "bound"
    assert_honest(res, 2085)


def test_clique_heuristic_stops_at_the_colouring_bound():
    """hamming6-2 (omega = 32): the problem's colouring bound is 32, so the search ends at the first 32-clique."""
    res = combopt.solve(DATA / "hamming6-2.clq", "sa", max_iterations=10**6)
    assert res.status == combopt.Status.OPTIMAL and res.objective == 32
    assert res.iterations < 10**6 and res.info["proved_optimal_by"] == "bound"
    assert_honest(res, 32)


# ------------------------------------------------------------------------------ combopt check


def _solve_to(tmp_path: Path, name: str, *args: str) -> dict:
    out = tmp_path / f"{name}.json"
    rc = main(["solve", *[str(a) for a in args], "--quiet", "--out", str(out)])
    assert rc == 0
    return json.loads(out.read_text())


def _check(capsys, tmp_path, instance, data, *extra) -> tuple[int, str]:
    f = tmp_path / "claim.json"
    f.write_text(json.dumps(data))
    capsys.readouterr()
    rc = main(["check", str(instance), str(f), *extra])
    return rc, capsys.readouterr().out


@pytest.mark.parametrize("case", ["tsp", "rcpsp", "mdkp", "clique", "fir"])
def test_check_catches_every_false_claim(capsys, tmp_path, case):
    if case == "tsp":
        inst, args, lie = DATA / "tsp" / "gr17.tsp", ["-t", "5"], 1
    elif case == "rcpsp":
        inst, args, lie = DATA / "rcpsp" / "j301_1.sm", ["--max-iterations", "3"], 1
    elif case == "mdkp":
        inst, args, lie = MDKP_EASY, ["--max-iterations", "3"], 1e9
    elif case == "clique":
        inst, args, lie = DATA / "johnson8-2-4.clq", ["--target", "4", "-t", "10"], 99
    else:
        inst, args, lie = DATA / "dmmv" / "fir_f1.toml", ["--max-iterations", "2"], 0.0001
    data = _solve_to(tmp_path, case, inst, *args)
    rc, out = _check(capsys, tmp_path, inst, data)
    assert rc == 0, out
    assert "mismatch" not in out
    # the objective
    rc, out = _check(capsys, tmp_path, inst, {**data, "objective": lie})
    assert rc == 1 and "mismatch: objective: the result claims" in out, out
    assert out.count("mismatch:") == 1
    # optimal with a bound that does not equal the objective / a bound on the wrong side
    worse = data["objective"] * (0.5 if data["sense"] == "max" else 2)
    better = data["objective"] * (2 if data["sense"] == "max" else 0.5)
    rc, out = _check(capsys, tmp_path, inst, {**data, "status": "optimal", "bound": better, "gap": 0})
    assert rc == 1 and "mismatch: status: the result claims optimal, but its bound" in out, out
    assert "mismatch: gap:" in out
    rc, out = _check(capsys, tmp_path, inst, {**data, "status": "feasible", "bound": worse,
                                              "gap": relative_gap(data["objective"], worse, data["sense"])})
    assert rc == 1 and "mismatch: bound:" in out, out
    rc, out = _check(capsys, tmp_path, inst, {**data, "status": "infeasible"})
    assert rc == 1 and "mismatch: status: the result claims the problem infeasible" in out
    rc, out = _check(capsys, tmp_path, inst, {**data, "sense": "min" if data["sense"] == "max" else "max"})
    assert rc == 1 and "mismatch: sense:" in out


def test_check_rcpsp_finish_times(capsys, tmp_path):
    inst = DATA / "rcpsp" / "j301_1.sm"
    data = _solve_to(tmp_path, "r", inst, "--max-iterations", "3")
    sol = [dict(item) for item in data["solution"]]
    sol[5]["finish"] += 3
    rc, out = _check(capsys, tmp_path, inst, {**data, "solution": sol})
    assert rc == 1
    assert f"mismatch: solution[5]: task {sol[5]['task']} claims finish {sol[5]['finish']}" in out


def test_check_kind_comes_from_the_instance_or_kind_option(capsys, tmp_path):
    clq = DATA / "johnson8-2-4.clq"
    data = _solve_to(tmp_path, "mis", clq, "--kind", "mis", "--target", "7", "-t", "20")
    rc, out = _check(capsys, tmp_path, clq, data)
    assert rc == 1 and "mismatch: problem: the result is for 'mis'" in out
    rc, out = _check(capsys, tmp_path, clq, data, "--kind", "mis")
    assert rc == 0 and "mismatch" not in out
    rc, out = _check(capsys, tmp_path, clq, {**data, "problem": "clique"}, "--kind", "mis")
    assert rc == 1 and "--kind makes this a 'mis' instance" in out


def test_nan_weight_accepts_no_solution(capsys, tmp_path):
    from combopt.core.claims import evaluate_finite
    from combopt.problems.mdkp.model import MultiKnapsack

    p = MultiKnapsack([10, 20, 30], [[1, 1, 1]], [5])
    p.A[0, 1] = math.nan  # as a reader that let NaN through would leave it
    for sol in ([0, 0, 0], [1, 0, 1], [1, 1, 1]):
        assert not evaluate_finite(p, np.array(sol)).feasible
    p = MultiKnapsack([10, 20, 30], [[1, 1, 1]], [5])
    p.p[1] = math.nan
    ev = evaluate_finite(p, np.array([1, 1, 0]))
    assert not ev.feasible and "not a finite number" in ev.violations[-1]
    # through the CLI: either the reader rejects the file (exit 2, one line naming it) or check rejects the solution
    inst = tmp_path / "nan.mknap"
    inst.write_text("1\n3 1 0\n10 20 30\n1 nan 1\n5\n")
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"problem": "mdkp", "solution": [1, 0, 1]}))
    capsys.readouterr()
    rc = main(["check", str(inst), str(f)])
    out, err = capsys.readouterr()
    assert rc in (1, 2)
    if rc == 1:
        assert "infeasible" in out
    else:
        assert str(inst) in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("const", ["NaN", "Infinity", "-Infinity"])
def test_check_rejects_non_finite_numbers_in_a_result(capsys, tmp_path, const):
    f = tmp_path / "nan.json"
    f.write_text('{"problem": "tsp", "objective": ' + const + ', "solution": [1, 2, 3]}')
    capsys.readouterr()
    rc = main(["check", str(DATA / "tsp" / "gr17.tsp"), str(f)])
    err = capsys.readouterr().err
    assert rc == 2 and str(f) in err and const in err and len(err.strip().splitlines()) == 1


def test_check_unknown_status_and_claims_without_a_bound(capsys, tmp_path):
    inst = DATA / "tsp" / "gr17.tsp"
    data = _solve_to(tmp_path, "g", inst, "-t", "5")
    rc, out = _check(capsys, tmp_path, inst, {**data, "status": "solved"})
    assert rc == 1 and "mismatch: status: 'solved' is not one of" in out
    rc, out = _check(capsys, tmp_path, inst, {**data, "status": "optimal", "bound": None, "gap": None})
    assert rc == 1 and "without a bound" in out
    rc, out = _check(capsys, tmp_path, inst, {**data, "bound": None, "gap": 0.5, "status": "feasible"})
    assert rc == 1 and "mismatch: gap: the result claims 0.5 without a bound" in out


def test_check_a_result_without_a_solution(capsys, tmp_path):
    """A run that found nothing writes ``"solution": null`` with status unknown: ``check`` reads it (it was a bad-input
    error) and checks the claims that need no solution; a claim of a solution that is not there is a mismatch."""
    inst = DATA / "tsp" / "gr17.tsp"
    data = _solve_to(tmp_path, "g", inst, "-t", "5")
    empty = {**data, "solution": None, "objective": None, "gap": None, "feasible": False, "status": "unknown"}
    rc, out = _check(capsys, tmp_path, inst, empty)
    assert rc == 0 and "no solution in the result" in out and "claims: all hold" in out
    for lie, needle in (({"status": "optimal"}, "claims optimal, but it holds no solution"),
                        ({"status": "feasible"}, "claims feasible, but it holds no solution"),
                        ({"objective": 2085}, "objective: the result claims 2085"),
                        ({"feasible": True}, "feasible: the result claims True"),
                        ({"gap": 0.1}, "gap: the result claims 0.1"),
                        ({"status": "solved"}, "'solved' is not one of"),
                        ({"sense": "max"}, "sense: the result claims 'max'")):
        rc, out = _check(capsys, tmp_path, inst, {**empty, **lie})
        assert rc == 1 and needle in out, (lie, out)


@pytest.mark.parametrize("inst,sense", [(DATA / "tsp" / "burma14.tsp", "min"), (DATA / "johnson8-2-4.clq", "max"),
                                        (DATA / "qubo" / "bqp50_1.txt", "max"), (DATA / "rcpsp" / "j301_1.sm", "min"),
                                        (DATA / "mdkp" / "mknap1.txt", "max")])
def test_check_without_a_solution_refutes_infeasible_and_wrong_side_bounds_by_a_construction(capsys, tmp_path, inst,
                                                                                               sense):
    """A result holding no solution that calls a tour, a clique, a QUBO, a PSPLIB schedule or a knapsack infeasible
    (or unbounded), or puts its bound on the wrong side of what a quick construction reaches, passed `check`: only
    instances carrying a witness refuted it. The construction's objective is recomputed here by evaluate."""
    problem = combopt.read(inst)
    assert problem.sense == sense
    ev = problem.evaluate(problem.construct())
    assert ev.feasible
    empty = {"problem": problem.kind, "instance": problem.name, "sense": sense, "solution": None, "objective": None,
             "bound": None, "gap": None, "feasible": False, "status": "unknown"}
    assert _check(capsys, tmp_path, inst, empty)[0] == 0
    for status in ("infeasible", "unbounded"):
        rc, out = _check(capsys, tmp_path, inst, {**empty, "status": status})
        assert rc == 1 and f"claims the problem {status}, but a solution combopt constructs" in out, out
    wrong = ev.objective + (1.0 if sense == "min" else -1.0) * max(1.0, abs(ev.objective))
    rc, out = _check(capsys, tmp_path, inst, {**empty, "bound": wrong})
    assert rc == 1 and f"{'above' if sense == 'min' else 'below'} the objective {ev.objective + 0.0:g}" in out, out
    right = ev.objective - (1.0 if sense == "min" else -1.0) * max(1.0, abs(ev.objective))
    assert _check(capsys, tmp_path, inst, {**empty, "bound": right})[0] == 0


def test_check_unknown_status_with_a_feasible_solution(capsys, tmp_path):
    inst = DATA / "tsp" / "gr17.tsp"
    data = _solve_to(tmp_path, "g", inst, "-t", "5")
    rc, out = _check(capsys, tmp_path, inst, {**data, "status": "unknown", "bound": None, "gap": None})
    assert rc == 1 and "claims unknown (no feasible solution), but its solution is feasible" in out


def test_settle_unbounded_and_infeasible_statuses():
    assert settle("max", None, False, [], unbounded=True).status == "unbounded"
    c = settle("min", None, False, [("x", 3.0)], infeasible=True)
    assert c.status == "infeasible" and c.bound is None and c.gap is None


# ------------------------------------------------------------------------------ Ctrl-C


def _start(out: Path, *args) -> subprocess.Popen:
    if out.exists():
        out.unlink()
    env = dict(os.environ, COMBOPT_STRICT_BOUNDS="1")
    return subprocess.Popen([sys.executable, "-m", "combopt", "solve", *[str(a) for a in args], "--quiet",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


CTRL_C_RUNS = {
    "cbc": ("milp", "backend=cbc", MDKP_HARD),
    "highs": ("milp", "backend=highs", MDKP_HARD),
    "cpsat": ("rcpsp-cpsat", "num_workers=1", DATA / "rcpsp" / "j1201_1.sm"),
    "tsp-ls": ("tsp-ls", "num_walks=1", DATA / "tsp" / "att48.tsp"),
}


@pytest.mark.parametrize("name", sorted(CTRL_C_RUNS))
def test_ctrl_c_keeps_the_incumbent_and_exits_130(tmp_path, name):
    """SIGINT to a real ``combopt solve``: exit 130, the incumbent written, and the written result checks."""
    solver, param, inst = CTRL_C_RUNS[name]
    if solver == "rcpsp-cpsat":
        pytest.importorskip("ortools")
    out = tmp_path / f"{name}.json"
    wait, data = 4.0, None
    for _ in range(3):  # under load the interpreter may still be importing: wait longer and try again
        p = _start(out, inst, "-s", solver, "-p", param, "-t", "100")
        t0 = time.perf_counter()
        time.sleep(wait)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=120)
        took = time.perf_counter() - t0
        data = json.loads(out.read_text()) if out.exists() else None
        if data is None and p.returncode == -signal.SIGINT and "import" in err:
            wait *= 2  # Ctrl-C while Python was still importing (a shell sees 130 too)
            continue
        assert p.returncode == 130, err
        assert "Traceback" not in err and "interrupted" in err, err
        if data is not None and data["solution"] is not None:
            break
        wait *= 2  # interrupted before the first incumbent
    assert data is not None and data["solution"] is not None, "no incumbent before Ctrl-C"
    assert data["info"]["interrupted"] is True
    assert took < 60  # stopped by Ctrl-C, not by the 100 s limit
    assert data["feasible"] is True and data["status"] in ("feasible", "optimal")
    assert main(["check", str(inst), str(out)]) == 0  # the written result passes its own check


def test_ctrl_c_stops_cbc_inside_its_root_lp_without_a_time_limit(tmp_path):
    """CBC ignores the Ctrl-C signal inside its root LP (the time-indexed RCPSP model of a 120-task instance keeps it
    there for minutes): without a time limit one Ctrl-C must still end the run, as the limit does (signal, grace,
    then stopped outright), with exit 130 and a result file that says it was interrupted."""
    out = tmp_path / "cbc.json"
    wait = 5.0
    for _ in range(3):
        p = _start(out, DATA / "rcpsp" / "j1201_1.sm", "-s", "milp")
        time.sleep(wait)
        p.send_signal(signal.SIGINT)
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            pytest.fail("one Ctrl-C did not stop CBC within 60 s")
        if p.returncode == -signal.SIGINT and "import" in err:
            wait *= 2  # still importing: try again later
            continue
        break
    assert p.returncode == 130, err
    data = json.loads(out.read_text())
    assert data["info"]["interrupted"] is True and data["info"]["milp_status"] in ("interrupted", "not_solved")
    assert data["status"] in ("unknown", "feasible")


# ------------------------------------------------------------------------------ whole-number objectives


@pytest.mark.parametrize("bound,sense,expect", [
    (875248.66, "max", 875248.0), (875248.66, "min", 875249.0),
    (875249.0 - 1e-10, "max", 875249.0),  # numerical noise does not push it to the wrong whole number
    (423.0 + 1e-10, "min", 423.0),
    (-3.5, "max", -4.0), (-3.5, "min", -3.0), (7.0, "max", 7.0), (7.0, "min", 7.0),
])
def test_integral_bound_rounds_to_its_own_side(bound, sense, expect):
    assert integral_bound(bound, sense) == expect


@given(b=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False))
def test_integral_bound_never_cuts_off_a_whole_number_it_allowed(b):
    # every whole number on the feasible side of the raw bound stays on the feasible side of the rounded one
    up, down = integral_bound(b, "max"), integral_bound(b, "min")
    assert up == math.floor(up) and down == math.ceil(down)
    assert up >= math.floor(b) and down <= math.ceil(b)
    assert up <= b + max(1e-6, 1e-9 * abs(b)) and down >= b - max(1e-6, 1e-9 * abs(b))


def test_integral_bound_passes_missing_values_through():
    assert integral_bound(None, "max") is None and integral_bound(math.inf, "min") == math.inf


def test_a_whole_number_objective_is_proven_by_a_fractional_bound():
    from combopt.core.stopping import MaxIterations, SearchState
    from combopt.problems.mdkp.model import MultiKnapsack

    s = SearchState(sense="max", criterion=MaxIterations(5), integral=True)
    s.report(40.0, "x")
    s.offer_bound(40.7)  # a Lagrangian dual value: no whole number above 40 is below it
    assert s.bound == 40.0 and s.proven_optimal
    plain = SearchState(sense="max", criterion=MaxIterations(5))
    plain.report(40.0, "x")
    plain.offer_bound(40.7)
    assert not plain.proven_optimal
    claims = settle("max", 40.0, True, [("dual", integral_bound(40.7, "max"))])
    assert claims.status == "optimal" and claims.gap == 0.0
    assert MultiKnapsack([10, 20, 30], [[1, 2, 3]], [5]).integral_objective()
    assert not MultiKnapsack([10.5, 20, 30], [[1, 2, 3]], [5]).integral_objective()
    r = combopt.solve(MultiKnapsack([10, 20, 30], [[1, 2, 3], [4, 5, 6]], [5, 10]), "lagrangian", max_iterations=30,
                      seed=0)
    assert r.bound == math.floor(r.bound) and r.bound >= 40 and r.objective <= 40
