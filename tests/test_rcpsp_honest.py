"""RCPSP answers that say what they found: the GA keeps its time limit while it builds its first
population, MILP runs return at least the heuristic schedule, infeasible runs carry no objective,
precedence cycles are named, and the generator's witness seeds the GA."""

from __future__ import annotations

import copy
import csv
from pathlib import Path

import numpy as np
import pulp
import pytest

import combopt
from combopt.generators.rcb import generate_rcb
from combopt.problems.rcpsp import RCPSP
from combopt.problems.rcpsp.check import infeasibility_proof
from combopt.problems.rcpsp.milp import heuristic_horizon, heuristic_schedule

DATA = Path(__file__).parent / "data" / "rcpsp"
OPTIMA = {r["instance"]: int(r["optimum"]) for r in csv.DictReader(open(DATA / "j30-optima.csv"))}
CPM = {r["instance"]: int(r["cpm_bound"]) for r in csv.DictReader(open(DATA / "j30-optima.csv"))}


# -- B2: the initial population is built by the clock ------------------------------------------
def test_ga_builds_a_smaller_initial_population_when_sampling_is_slow(monkeypatch):
    """Sampling that takes 50 ms a list: at a 0.5 s limit the GA samples a few lists, not all 76 (a timed
    run starts from the smallest population, 40), and still answers with the best schedule of the ones
    decoded."""
    import time

    import combopt.solvers.rcpsp.ga as ga

    real = ga.sample_lists
    sampled = []

    def slow(prio, pp, pi, sp_, si, seeds, alpha, out):
        time.sleep(0.05 * len(seeds))
        sampled.append(len(seeds))
        real(prio, pp, pi, sp_, si, seeds, alpha, out)

    monkeypatch.setattr(ga, "sample_lists", slow)
    p = combopt.read(DATA / "j301_1.sm")
    res = combopt.solve(p, "rcpsp-ga", time_limit=0.5, seed=0)
    assert res.feasible and p.evaluate(res.solution).feasible and res.objective >= OPTIMA["j301_1"]
    assert 0 < sum(sampled) < 40, sampled  # 76 were planned
    built, planned = res.info["initial_lists"].split(" (")[0].split(" of ")
    assert int(built) < int(planned) == 80


def test_ga_runs_generations_after_a_slow_initial_population(monkeypatch):
    """An initial population that takes half the limit (10 ms a sampled list) still leaves the rest of the
    limit to the generations (the population's time is set-up, not the time of a generation)."""
    import time

    import combopt.solvers.rcpsp.ga as ga

    real = ga.sample_lists

    def slow(prio, pp, pi, sp_, si, seeds, alpha, out):
        time.sleep(0.01 * len(seeds))
        real(prio, pp, pi, sp_, si, seeds, alpha, out)

    monkeypatch.setattr(ga, "sample_lists", slow)
    p = combopt.read(DATA / "j3013_1.sm")
    res = combopt.solve(p, "rcpsp-ga", time_limit=3, seed=0, stop_at_bound=False)
    assert res.feasible and "initial_lists" not in res.info and res.info["generations"] > 0


# -- B7: a MILP run returns at least the heuristic schedule -------------------------------------
@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_milp_returns_the_heuristic_schedule_at_a_short_limit(backend):
    if backend == "highs":
        pytest.importorskip("highspy")
    name = "j3013_1"  # CBC found no solution of its own within 3 s before the warm start
    p = combopt.read(DATA / f"{name}.sm")
    res = combopt.solve(p, "milp", time_limit=1, backend=backend)
    assert res.status.value in ("feasible", "optimal") and res.feasible, (res.status, res.info)
    assert p.evaluate(res.solution).feasible and res.objective == p.makespan(res.solution)
    assert OPTIMA[name] <= res.objective <= heuristic_horizon(p)
    assert CPM[name] <= res.bound <= OPTIMA[name]  # the larger of the MILP's and the critical-path bound


def test_a_back_end_infeasibility_claim_against_a_feasible_construction_is_dropped(monkeypatch):
    """CI once saw CBC end a 1 s run of j3013_1 on "infeasible" (the model has a feasible warm start): the claim is
    checked against the problem's own construction, which refutes it, and the construction is the answer."""
    from combopt.solvers import milp

    monkeypatch.setattr(milp, "run_pulp", lambda *a, **k: milp.MilpRun("infeasible", infeasible=True))
    p = combopt.read(DATA / "j3013_1.sm")
    res = combopt.solve(p, "milp", time_limit=5, backend="cbc")
    assert res.status.value == "feasible" and res.feasible and p.evaluate(res.solution).feasible
    assert any("reported the model infeasible" in w for w in res.info["warnings"])
    assert OPTIMA["j3013_1"] <= res.objective and CPM["j3013_1"] <= res.bound <= OPTIMA["j3013_1"]


def test_warm_start_model_answers_with_its_start_when_the_back_end_finds_nothing(no_solution_backend):
    p = combopt.read(DATA / "j3046_4.sm")
    prob, decode = p.to_pulp()
    prob.solve(no_solution_backend)
    assert prob.sol_status == pulp.LpSolutionIntegerFeasible
    s = decode()
    np.testing.assert_array_equal(s, heuristic_schedule(p))
    assert p.evaluate(s).feasible and p.makespan(s) == heuristic_horizon(p) >= OPTIMA["j3046_4"]


# -- B10: no objective without a feasible schedule; infeasible only when proven -----------------
def test_infeasible_schedule_has_no_objective():
    p = RCPSP([5, 5], [[1], [1]], [1], [[], []], deadline=[5, 5], name="clash")
    ev = p.evaluate([0, 0])
    assert not ev.feasible and ev.objective is None and any(v.startswith("resource") for v in ev.violations)
    assert p.evaluate([0, 5]).violations == ["window: task 2 finishes at 10, after its deadline 5"]


@pytest.mark.parametrize("solver", ["rcpsp-ga", "rcpsp-sgs"])
def test_proven_infeasible_windows_report_infeasible_without_objective(solver):
    # two tasks of 5 on a unit resource, both due by 5 (and a free third task): 10 units of work in [0, 5)
    p = RCPSP([5, 5, 3], [[1], [1], [0]], [1], [[2], [2], []], deadline=[5, 5, None], name="twoslots")
    res = combopt.solve(p, solver, time_limit=2)
    assert res.status.value == "infeasible" and res.objective is None and not res.feasible
    assert res.bound is None and res.gap is None
    assert "resource R1: tasks 1, 2 must run 10 units of work on it within [0, 5)" in res.info["infeasibility"]
    assert ("proof", res.info["infeasibility"]) in res.summary_rows()  # what the CLI's table shows
    assert any(v.startswith("window: task") for v in res.violations)  # the least late schedule, named


def test_unproven_infeasibility_is_unknown_without_objective():
    # three pairwise disjunctive tasks of 2, all due by 5: every pair fits, the three do not; the checker's
    # relaxations look at pairs only, but shaving does not: one task at its earliest start leaves the other two
    # no room, and so on
    p = RCPSP([2, 2, 2], [[], [], []], [], [[], [], []], deadline=[5, 5, 5], disjunctive=[(0, 1), (1, 2), (0, 2)],
              name="triple")
    assert infeasibility_proof(p) is None
    assert "no schedule meets every deadline" in p.infeasibility_proof()
    assert combopt.solve(p, "rcpsp-ga", time_limit=1).status.value == "infeasible"
    # five of them due by 9: with one task fixed the other four still fit pairwise, so shaving proves nothing
    # either, and the run cannot say more than that it found no schedule
    p = RCPSP([2] * 5, [[]] * 5, [], [[]] * 5, deadline=[9] * 5,
              disjunctive=[(i, j) for i in range(5) for j in range(i + 1, 5)], name="five")
    assert p.infeasibility_proof() is None
    res = combopt.solve(p, "rcpsp-ga", time_limit=1)
    assert res.status.value == "unknown" and "proof" not in dict(res.summary_rows())
    res = combopt.solve(p, "rcpsp-ga", time_limit=1)
    assert res.status.value == "unknown" and res.objective is None and not res.feasible
    assert res.gap is None and "no_feasible_schedule" in res.info
    assert any(v.startswith(("window:", "disjunctive:")) for v in res.violations)


def test_infeasibility_proof_never_fires_on_feasible_instances():
    for seed in range(25):
        p = generate_rcb(tasks=30, layers=5, level=40, downtime=0.5, windows=0.8, disjunctive=0.3, seed=seed)
        assert infeasibility_proof(p) is None, seed
        assert p.infeasibility_proof(0.5) is None, seed  # propagation too
    # and it fires on a window that the critical path cannot meet, and on a disjunctive pair without room
    p = RCPSP([5, 5], [[1], [1]], [1], [[1], []], deadline=[None, 8])
    assert infeasibility_proof(p).startswith("task 1 cannot meet its window")
    p = RCPSP([5, 5], [[], []], [], [[], []], deadline=[5, 9], disjunctive=[(0, 1)])
    assert infeasibility_proof(p).startswith("disjunctive tasks 1 and 2 run 5 + 5 one after the other")
    p = RCPSP([5, 5], [[], []], [], [[], []], deadline=[5, 10], disjunctive=[(0, 1)])
    assert infeasibility_proof(p) is None


# -- B12: a precedence cycle is named by the tasks on it ----------------------------------------
def test_sm_cycle_names_the_jobs_on_it_and_the_line(tmp_path):
    lines = (DATA / "j301_1.sm").read_text().splitlines()
    assert lines[37].split() == ["20", "1", "2", "23", "25"]
    lines[37] = "  20        1          3          23  25   5"  # 5 -> 20 (line 23) and now 20 -> 5
    f = tmp_path / "cyc.sm"
    f.write_text("\n".join(lines) + "\n")
    with pytest.raises(combopt.InputError) as e:
        combopt.read(f)
    msg = str(e.value)
    assert "jobs 5 -> 20 -> 5 (job 5 lists successor 20 on line 23)" in msg and "cyc.sm" in msg
    assert e.value.line == 23
    assert "23" not in msg.split("jobs ")[1].split(" (")[0]  # 23, 25, ... only follow the cycle


def test_patterson_cycle_names_the_jobs_on_it(tmp_path):
    f = tmp_path / "cyc.rcp"
    # 4 jobs, 1 resource: 1 -> 2 -> 3 -> 2, and 3 -> 4
    f.write_text("4 1\n2\n1 1 1 2\n1 1 1 3\n1 1 2 2 4\n1 1 0\n")
    with pytest.raises(combopt.InputError) as e:
        combopt.read(f)
    assert "jobs 2 -> 3 -> 2" in str(e.value) and e.value.line == 4


def test_model_cycle_names_only_the_tasks_on_it():
    with pytest.raises(combopt.ParameterError) as e:
        RCPSP([1, 1, 1, 1], [], [], [[1], [2], [1, 3], []], names=["a", "b", "c", "d"])
    assert str(e.value).endswith("cycle: b -> c -> b")


# -- B3: the witness schedule seeds the GA ------------------------------------------------------
def test_ga_starts_from_the_witness_under_tight_windows():
    p = generate_rcb(tasks=120, layers=8, level=150, resources="3", downtime=0.5, windows=0.9, disjunctive=0.2,
                     seed=0)
    res = combopt.solve(p, "rcpsp-ga", schedules=2000, seed=0)
    assert res.feasible and p.evaluate(res.solution).feasible
    assert res.objective <= p.meta["witness_makespan"]
    q = copy.copy(p)
    q.witness = np.zeros(p.n, dtype=np.int64)  # breaks every precedence: not used, not reported
    bad = combopt.solve(q, "rcpsp-ga", schedules=200, seed=0)
    assert bad.solution is not None and np.any(np.asarray(bad.solution) != 0)


def test_a_back_end_stopped_without_any_solution_still_answers_with_the_construction(monkeypatch):
    """CI saw CBC stop a 1 s run of j3013_1 at its limit with no solution at all (its warm start unread): the run
    ended 'unknown' with nothing. The problem's own construction now answers; nothing is claimed beyond it."""
    from combopt.solvers import milp

    monkeypatch.setattr(milp, "run_pulp", lambda *a, **k: milp.MilpRun("time_limit", bound=40.0))
    p = combopt.read(DATA / "j3013_1.sm")
    res = combopt.solve(p, "milp", time_limit=5, backend="cbc")
    assert res.status.value == "feasible" and res.feasible and p.evaluate(res.solution).feasible
    assert res.objective == p.makespan(res.solution) and OPTIMA["j3013_1"] <= res.objective
    assert res.info["construction"] == res.objective
