"""The default MDKP solver (``mdkp-core``) and the Chu-Beasley generator."""

import math

import numpy as np
import pulp
import pytest

import combopt
from combopt.core.errors import ParameterError
from combopt.core.registry import get_solver
from combopt.generators.mdkp import chu_beasley, chu_beasley_class
from combopt.problems.mdkp.model import lp_relaxation


def exact_optimum(inst) -> float:
    prob, decode = inst.to_pulp()
    prob.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=60))
    assert pulp.LpStatus[prob.status] == "Optimal"
    return float(inst.p @ decode())


def test_generator_follows_chu_beasley():
    inst = chu_beasley(200, 5, 0.25, seed=3)
    assert inst.A.shape == (5, 200) and inst.A.min() >= 0 and inst.A.max() <= 1000
    assert np.allclose(inst.b, np.floor(0.25 * inst.A.sum(axis=1)))
    extra = inst.p - inst.A.sum(axis=0) / 5
    assert extra.min() > -1 and extra.max() < 500  # profits: mean weight plus U(0, 500), rounded down
    again = chu_beasley(200, 5, 0.25, seed=3)
    assert np.array_equal(inst.A, again.A) and np.array_equal(inst.p, again.p)
    cls = chu_beasley_class(50, 5, 6, seed=1)
    ratios = [inst.b[0] / inst.A[0].sum() for inst in cls]
    assert ratios[0] == pytest.approx(0.25, abs=0.01) and ratios[-1] == pytest.approx(0.75, abs=0.01)
    with pytest.raises(ParameterError):
        chu_beasley(10, 2, 1.5)


def test_default_for_mdkp_is_the_core_search():
    assert get_solver(None, "mdkp").name == "mdkp-core"


@pytest.mark.parametrize("seed,alpha", [(0, 0.25), (1, 0.5), (2, 0.75)])
def test_core_search_reaches_the_exact_optimum_on_small_instances(seed, alpha):
    inst = chu_beasley(30, 3, alpha, seed=seed)
    opt = exact_optimum(inst)
    res = combopt.solve(inst, max_iterations=20, seed=0)
    assert res.solver == "mdkp-core" and res.feasible
    x = np.asarray(res.solution)
    assert np.all(inst.A @ x <= inst.b + 1e-9)  # independent feasibility check
    assert float(inst.p @ x) == pytest.approx(opt)
    # the core search ends once a sub-problem over every item not fixed by reduced costs is finished:
    # that is a proof, and the status says so only with the exact optimum
    if res.status == combopt.Status.OPTIMAL:
        assert res.bound == pytest.approx(opt)
    else:  # otherwise the bound is the LP bound rounded down (integer profits): never below the optimum
        z_lp, x_lp, u, rc = lp_relaxation(inst.p, inst.A, inst.b)
        assert res.bound == math.floor(z_lp + 1e-6) and res.bound >= opt


def test_the_proof_comes_only_from_a_finished_search_of_the_whole_free_set():
    inst = chu_beasley(30, 3, 0.5, seed=4)
    opt = exact_optimum(inst)
    res = combopt.solve(inst, "mdkp-core", seed=0)  # no limit: the cores grow until the proof
    assert res.status == combopt.Status.OPTIMAL and res.objective == pytest.approx(opt)
    log = res.info["subproblem_log"]
    assert log[-1][4]  # the last sub-problem finished
    one = combopt.solve(inst, "mdkp-core", max_iterations=1, seed=0, core=0.0)  # one small core: no proof
    assert one.status != combopt.Status.OPTIMAL and one.bound >= opt


def test_reduced_costs_and_duals_are_consistent():
    inst = chu_beasley(60, 5, 0.5, seed=7)
    z_lp, x_lp, u, rc = lp_relaxation(inst.p, inst.A, inst.b)
    assert np.all(u >= 0)
    # LP duality: z_lp = u.b + sum of positive reduced costs
    assert z_lp == pytest.approx(u @ inst.b + np.maximum(rc, 0).sum(), rel=1e-7)
    # complementary slackness on the bounds
    assert np.all(x_lp[rc > 1e-7] > 1 - 1e-7) and np.all(x_lp[rc < -1e-7] < 1e-7)


def test_rejects_bad_parameters():
    inst = chu_beasley(20, 2, 0.5, seed=0)
    with pytest.raises(ParameterError):
        combopt.solve(inst, "mdkp-core", max_iterations=1, core=2.0)
    with pytest.raises(ParameterError):
        combopt.solve(inst, "mdkp-core", max_iterations=1, bogus=1)


@pytest.mark.parametrize("rins", [True, False])
def test_rins_cores_and_plain_cores_reach_the_exact_optimum(rins):
    inst = chu_beasley(40, 5, 0.25, seed=11)  # loose and 5 constraints: the LP gap is widest
    opt = exact_optimum(inst)
    res = combopt.solve(inst, "mdkp-core", max_iterations=30, seed=0, rins=rins, core=0.0)
    x = np.asarray(res.solution)
    assert np.all(inst.A @ x <= inst.b + 1e-9) and float(inst.p @ x) == pytest.approx(opt)
    with pytest.raises(ParameterError):
        combopt.solve(inst, "mdkp-core", max_iterations=1, rins="maybe")


def test_subproblem_log_accounts_for_every_sub_problem():
    inst = chu_beasley(40, 5, 0.5, seed=12)
    res = combopt.solve(inst, "mdkp-core", max_iterations=30, seed=0, core=0.0)
    log = res.info["subproblem_log"]
    assert len(log) == res.info["subproblems"] >= 1
    assert sum(1 for e in log if e[4]) == res.info["finished_subproblems"]
    starts = [e[0] for e in log]
    assert starts == sorted(starts) and all(e[3] >= 0 for e in log)
    sizes = [e[1] for e in log]
    assert sizes[0] >= inst.m + 10 and all(1 <= s <= inst.n for s in sizes)


@pytest.mark.parametrize("seed", [0, 7])
def test_the_run_seed_reaches_highs_and_changes_no_answer(seed, monkeypatch):
    """The run's seed is HiGHS's random_seed in every sub-problem (and the benchmark's peer takes the same seed):
    another seed is another search path, never another optimum or a false proof."""
    from combopt.solvers.mdkp import core
    from combopt.solvers.milp import run_pulp

    seen = []
    solve_core = core._solve_core

    def spy(*args, **kw):
        seen.append(kw.get("seed"))
        return solve_core(*args, **kw)

    monkeypatch.setattr(core, "_solve_core", spy)
    inst = chu_beasley(30, 3, 0.5, seed=4)
    opt = exact_optimum(inst)
    res = combopt.solve(inst, "mdkp-core", seed=seed)  # no limit: the cores grow until the proof
    assert res.status == combopt.Status.OPTIMAL and res.objective == pytest.approx(opt)
    assert seen and set(seen) == {seed}
    prob, decode = inst.to_pulp()
    run = run_pulp(prob, "highs", 30.0, seed=seed)
    assert run.proven and float(inst.p @ decode()) == pytest.approx(opt)
    value = prob.solverModel.getOptionValue("random_seed")
    assert (value[-1] if isinstance(value, tuple) else value) == seed


def test_the_local_search_phase_runs_only_where_the_class_asks_for_it():
    from combopt.solvers.mdkp.core import ILS_SHARE, ils_share_for

    assert ils_share_for(30, 100) == ILS_SHARE > 0
    assert ils_share_for(30, 250) == ils_share_for(10, 100) == ils_share_for(5, 500) == 0.0


def test_the_local_search_phase_keeps_answers_feasible_and_claims_honest():
    """On a 30-constraint class whose core MIPs run out of time, the local search gets its share between
    sub-problems; the answer is feasible by an independent check, and no optimality is claimed without
    a proof: the bound stays the LP bound rounded down."""
    inst = chu_beasley(100, 30, 0.25, seed=5)
    z_lp, _, _, _ = lp_relaxation(inst.p, inst.A, inst.b)
    res = combopt.solve(inst, "mdkp-core", time_limit=3.0, seed=0, walkers=0)  # one core: no local-search threads
    x = np.asarray(res.solution)
    assert np.all(inst.A @ x <= inst.b + 1e-9) and float(inst.p @ x) == res.objective
    assert res.info["finished_subproblems"] == 0 and res.info["ils_s"] > 0 and res.info["walkers"] == 0
    assert res.status != combopt.Status.OPTIMAL and res.bound == math.floor(z_lp + 1e-6) >= res.objective
    off = combopt.solve(inst, "mdkp-core", time_limit=1.0, seed=0, ils=0.0, walkers=0)
    assert off.info["ils_s"] == 0.0 and off.info["ils_improvements"] == 0
    with pytest.raises(ParameterError):
        combopt.solve(inst, "mdkp-core", time_limit=1.0, ils=1.0)


def test_walkers_run_beside_highs_and_keep_answers_feasible_and_claims_honest():
    """Local-search threads beside HiGHS (timed runs): they walk from the incumbent while the core MIPs run; the answer
    is feasible by an independent check and the bound stays the LP bound, rounded down, with no optimality claimed."""
    inst = chu_beasley(100, 30, 0.25, seed=5)
    z_lp, _, _, _ = lp_relaxation(inst.p, inst.A, inst.b)
    res = combopt.solve(inst, "mdkp-core", time_limit=2.0, seed=0, walkers=2)
    x = np.asarray(res.solution)
    assert np.all(inst.A @ x <= inst.b + 1e-9) and float(inst.p @ x) == res.objective
    assert res.info["walkers"] == 2 and res.info["walker_walks"] >= 2 and res.info["ils_s"] == 0.0
    assert res.status != combopt.Status.OPTIMAL and res.bound == math.floor(z_lp + 1e-6) >= res.objective
    assert res.info["walker_improvements"] <= res.info["walker_walks"]


def test_walkers_only_in_timed_runs_and_checked():
    inst = chu_beasley(40, 5, 0.5, seed=2)
    a = combopt.solve(inst, "mdkp-core", seed=0, walkers=3)  # untimed: deterministic, no threads
    b = combopt.solve(inst, "mdkp-core", seed=0, walkers=3)
    assert a.info["walkers"] == 0 and a.info["walker_walks"] == 0
    assert a.objective == b.objective and np.array_equal(a.solution, b.solution)
    off = combopt.solve(inst, "mdkp-core", time_limit=1.0, seed=0, walkers=0)
    assert off.info["walkers"] == 0 and off.info["walker_walks"] == 0
    for bad in (-1, 1.5, "two"):
        with pytest.raises(ParameterError):
            combopt.solve(inst, "mdkp-core", time_limit=1.0, walkers=bad)
        with pytest.raises(ParameterError):
            combopt.solve(inst, "mdkp-core", walkers=bad)


def test_a_failing_walker_is_not_silent(monkeypatch):
    inst = chu_beasley(100, 30, 0.25, seed=5)

    def broken(*args, **kwargs):
        raise RuntimeError("walker failed")

    monkeypatch.setattr(type(inst), "walk", broken)
    with pytest.raises(RuntimeError, match="walker failed"):
        combopt.solve(inst, "mdkp-core", time_limit=1.0, seed=0, walkers=1)


def test_one_walk_keeps_feasibility_never_loses_and_leaves_its_start_alone():
    inst = chu_beasley(100, 10, 0.5, seed=3)
    z_lp, x_lp, u, _ = lp_relaxation(inst.p, inst.A, inst.b)
    x0 = inst.repair((x_lp > 1 - 1e-9).astype(np.int8), weights=u)
    keep = x0.copy()
    best = None
    for seed in (1, 2, 3):
        y = inst.walk(x0, seed, weights=u, iters=300, max_drop=5)
        assert np.array_equal(x0, keep)
        assert np.all(inst.A @ y <= inst.b + 1e-9) and float(inst.p @ y) >= float(inst.p @ x0)
        best = float(inst.p @ y) if best is None else max(best, float(inst.p @ y))
    assert best > float(inst.p @ x0)  # the rounded LP solution is not a local optimum of 300 iterations here
    assert best <= math.floor(z_lp + 1e-6)


def test_a_run_whose_lp_does_not_fit_answers_on_time_without_a_bound(monkeypatch):
    """5 x 200,000 items at -t 5 ran 28 s: the LP bound (about 17 s) was solved twice, with no time limit, and
    Ctrl-C could not stop it. The LP now has a time limit and is solved once per instance; past it the run is local
    search from the greedy construction, with no bound."""
    import time

    import combopt
    from combopt.problems.mdkp.model import MultiKnapsack
    from combopt.solvers.mdkp import core

    rng = np.random.default_rng(3)
    A = rng.integers(1, 1000, (5, 30000)).astype(float)  # its LP: about 0.5 s, more than the bound's share of 1 s
    mk = MultiKnapsack(rng.integers(1, 1000, 30000).astype(float), A, A.sum(axis=1) / 2)
    assert mk.lp(1e-4) is None and mk.bound_within(1e-4) is None  # HiGHS stopped at its limit
    monkeypatch.setattr(core, "LP_SHARE", 1e-5)
    monkeypatch.setattr(combopt.api, "BOUND_SHARE", 1e-5)  # the problem's bound before the run: no LP either
    t0 = time.perf_counter()
    r = combopt.solve(mk, "mdkp-core", time_limit=1)
    assert time.perf_counter() - t0 < 3 and r.bound is None and r.status == "feasible"
    assert "local search" in r.info["lp"]
    assert r.objective >= mk.evaluate(mk.construct()).objective and mk.evaluate(r.solution).feasible
    z, x, _, _ = mk.lp()  # untimed: solved, then kept (read-only) for every later solve
    assert mk.lp(1e-4) is not None and not x.flags.writeable and z >= r.objective
    monkeypatch.setattr(core, "LP_SHARE", 0.5)
    r = combopt.solve(mk, "mdkp-core", time_limit=2)
    assert r.bound is not None and r.bound >= r.objective and r.info["lp_bound"] == z
