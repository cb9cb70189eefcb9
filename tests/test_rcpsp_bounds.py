"""The destructive-improvement lower bound (combopt/problems/rcpsp/bounds.py): never above the optimum (CP-SAT on
random projects with downtime, windows and disjunctive pairs, built without combopt's bound; PSPLIB optima), never
refutes a makespan a schedule reaches, lifts the critical-path bound, and keeps to its time."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.problems.rcpsp import bounds as B
from combopt.problems.rcpsp.model import RCPSP, Downtime

cp_model = pytest.importorskip("ortools.sat.python.cp_model")
from combopt.solvers.rcpsp.cpsat import cpsat_model  # noqa: E402

DATA = Path(__file__).parent / "data" / "rcpsp"
OPTIMA = {r["instance"]: int(r["optimum"]) for r in csv.DictReader(open(DATA / "j30-optima.csv"))}


def random_project(rng, extras: bool) -> RCPSP:
    n = int(rng.integers(5, 10))
    dur = rng.integers(1, 6, n)
    R = int(rng.integers(1, 3))
    dem = rng.integers(0, 4, (n, R))
    cap = np.maximum(dem.max(axis=0), 1) + rng.integers(0, 3, R)
    succ = [[j for j in range(i + 1, n) if rng.random() < 0.25] for i in range(n)]
    kw = {}
    if extras:
        kw["release"] = [int(rng.integers(0, 6)) if rng.random() < 0.3 else None for _ in range(n)]
        kw["deadline"] = [int(rng.integers(12, 30)) if rng.random() < 0.2 else None for _ in range(n)]
        down = []
        for r in range(R):
            if rng.random() < 0.6:
                a = int(rng.integers(0, 10))
                down.append(Downtime(r, a, a + int(rng.integers(1, 5)), int(rng.integers(0, cap[r]))))
        kw["downtime"] = down
        kw["disjunctive"] = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.15]
    return RCPSP(dur.tolist(), dem.tolist(), cap.tolist(), succ, name="rand", **kw)


def exact(P: RCPSP) -> int | None:
    """The optimal makespan by CP-SAT on a model given no lower bound (None: no schedule exists)."""
    model, _, mk = cpsat_model(P, P.horizon, lb=0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 30.0
    solver.parameters.num_workers = 1
    st = solver.solve(model)
    assert st in (cp_model.OPTIMAL, cp_model.INFEASIBLE)
    return int(solver.value(mk)) if st == cp_model.OPTIMAL else None


def refutes(P: RCPSP, T: int) -> bool:
    pa, pb = B.disjoint_pairs(P)
    return B.refuted(T, P.durations, P.demands, P.capacity_profile(), P.pred_ptr, P.pred_idx, P.succ_ptr,
                     P.succ_idx, P.topo, P.release, P.deadline, pa, pb, True, B.SHAVE, B.MAX_ROUNDS,
                     10**12) == B.REFUTED


@pytest.mark.parametrize("extras", [False, True])
def test_never_above_the_optimum_and_never_refutes_it(extras):
    rng = np.random.default_rng(11 if extras else 7)
    checked = lifted = tight = 0
    for _ in range(60):
        P = random_project(rng, extras)
        opt = exact(P)
        if opt is None:
            continue
        base = max(P.critical_path_bound(), P.resource_bound())
        lb = P.bound()
        assert base <= lb <= opt, (lb, opt)
        assert not refutes(P, opt)  # a schedule of makespan opt exists: no rule may remove it
        assert refutes(P, int(lb) - 1) or lb == base  # and the bound's own step is a refutation
        checked += 1
        lifted += lb > base
        tight += lb == opt
    assert checked >= 40 and lifted >= 5 and tight > checked // 2, (checked, lifted, tight)


def test_psplib_instances_with_known_optima():
    """j30: the bound proves four of the five shipped optima (j3013_1: 52 against 58)."""
    for name, opt in OPTIMA.items():
        P = combopt.read(DATA / f"{name}.sm")
        lb = P.bound()
        assert P.critical_path_bound() <= lb <= opt
        assert (lb == opt) == (name != "j3013_1"), (name, lb, opt)
        assert P.bound_detail()["propagation_complete"]


def test_a_solve_is_proven_optimal_by_the_bound_and_says_so():
    res = combopt.solve(DATA / "j301_2.sm", "rcpsp-ga", time_limit=10, seed=0)
    assert res.status.value == "optimal" and res.objective == res.bound == OPTIMA["j301_2"]
    assert res.info["propagation_bound"] == 47 and res.info["cpm_bound"] == 42
    assert combopt.read(DATA / "j301_2.sm").evaluate(res.solution).feasible


def test_keeps_to_its_time_and_goes_on_with_more():
    P = combopt.read(DATA / "j1201_1.sm")
    base = max(P.critical_path_bound(), P.resource_bound())
    first = P.bound_within(0.0)  # one trial at most: the base, or one step above it
    assert base <= first and P.bound_detail()["propagation_trials"] <= 1
    assert P.bound_within(5.0) >= first and P.bound_detail()["propagation_complete"]
    assert P.bound() <= 105  # PSPLIB's best known makespan of j1201_1


def test_a_trial_out_of_steps_proves_nothing(monkeypatch):
    """A trial that runs out of its step budget is no refutation: the bound stays where the last proof left it."""
    P = combopt.read(DATA / "j301_1.sm")
    pa, pb = B.disjoint_pairs(P)
    args = (P.durations, P.demands, P.capacity_profile(), P.pred_ptr, P.pred_idx, P.succ_ptr, P.succ_idx, P.topo,
            P.release, P.deadline, pa, pb, True, B.SHAVE, B.MAX_ROUNDS)
    assert B.refuted(42, *args, 10**12) == B.REFUTED and B.refuted(43, *args, 10**12) == B.OPEN
    assert B.refuted(43, *args, 10) == B.OUT_OF_WORK  # "no schedule by 43" needs the full propagation to deny
    monkeypatch.setattr(B, "MIN_OPS", 10)
    monkeypatch.setattr(B, "OPS_PER_S", 1)
    assert B.destructive_bound(P, 43, 0.0) == (43, 1, False)  # out of steps at once: the start, not complete
    lb, trials, complete = B.destructive_bound(P, 38, 10.0)  # 39, 40, 42 refuted at once, 46 runs out of steps
    assert lb == 43 and trials == 5 and not complete


def test_a_large_project_keeps_a_short_limit():
    """5,000 tasks from the R-ConstraintBench generator: the first trial stops at its step budget."""
    import time

    from combopt.generators.rcb import generate_rcb

    P = generate_rcb(tasks=5000, layers=50, level=10, resources="4", windows=0.05, seed=1)  # as in time_limits.py
    t0 = time.perf_counter()
    P.bound_within(0.1)
    assert time.perf_counter() - t0 < 2.0
    assert P.bound() <= P.makespan(P.witness)


def test_long_projects_keep_the_base_bound(monkeypatch):
    monkeypatch.setattr(B, "MAX_CELLS", 10)
    P = combopt.read(DATA / "j301_1.sm")
    assert P.bound() == max(P.critical_path_bound(), P.resource_bound()) == 38
    assert P.bound_detail()["propagation_trials"] == 0 and math.isfinite(P.bound())


def _overload_by_brute_force(es, lf, T, dur, dem, cap, starts_only):
    """Whether some ``[t1, t2)`` needs more work on some resource than it offers (every ``t2``; ``t1`` over the
    earliest and latest starts when ``starts_only``, else every time)."""
    n, R = dem.shape
    t1s = sorted(set(es) | set(lf - dur)) if starts_only else range(T)
    for r in range(R):
        for t1 in t1s:
            if not 0 <= t1 < T:
                continue
            for t2 in range(t1 + 1, T + 1):
                least = [max(0, min(dur[j], t2 - t1, es[j] + dur[j] - t1, t2 - (lf[j] - dur[j]))) for j in range(n)]
                if sum(int(dem[j, r]) * least[j] for j in range(n)) > int(cap[t1:t2, r].sum()):
                    return True
    return False


def test_energetic_sweep_finds_exactly_the_overloads_of_its_intervals():
    """The sweep refutes exactly when an interval from an earliest or latest start to any later time is overloaded
    (brute force over those intervals), and never where no interval at all is (sound)."""
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(400):
        n, R, T = int(rng.integers(2, 9)), int(rng.integers(1, 3)), int(rng.integers(4, 20))
        dur = rng.integers(0, 6, n).astype(np.int64)
        dem = rng.integers(0, 4, (n, R)).astype(np.int64)
        cap = rng.integers(2, 6, (T, R)).astype(np.int64)  # time-varying, as with downtime
        es = rng.integers(0, T, n).astype(np.int64)
        es = np.minimum(es, T - dur).clip(0)
        lf = np.minimum(es + dur + rng.integers(0, 8, n), T).astype(np.int64)
        if (es + dur > lf).any():
            continue
        ops = np.array([0, 10**12], dtype=np.int64)
        got = B._energy_overload(es, lf, T, dur, dem, cap, ops) == B.REFUTED
        assert got == _overload_by_brute_force(es, lf, T, dur, dem, cap, True)
        if got:
            assert _overload_by_brute_force(es, lf, T, dur, dem, cap, False)
        found += got
    assert 50 < found < 350  # both answers were tested


def test_deadline_refutation_is_sound_and_goes_past_the_checkers_relaxations():
    """Tight deadlines on random projects: every refutation is an instance CP-SAT finds infeasible, and some are ones
    the checker's explained relaxations (critical path, pairs, energetic on the deadline tasks) cannot prove."""
    from combopt.problems.rcpsp.check import infeasibility_proof

    rng = np.random.default_rng(11)
    refuted_n = beyond = infeasible_n = 0
    for _ in range(60):
        free = random_project(rng, extras=False)
        n, es, dur = free.n, free.earliest_starts(), free.durations
        succ = [free.succ_idx[free.succ_ptr[j]:free.succ_ptr[j + 1]].tolist() for j in range(n)]
        deadline = [int(es[j] + dur[j] + rng.integers(0, 7)) if rng.random() < 0.6 else None for j in range(n)]
        P = RCPSP(dur.tolist(), free.demands.tolist(), free.capacities.tolist(), succ, deadline=deadline, name="due",
                  disjunctive=[(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.1])
        proof = B.deadline_refutation(P, 1.0)
        feasible = exact(P) is not None
        infeasible_n += not feasible
        if proof is not None:
            assert not feasible, proof
            assert "no schedule meets every deadline" in proof
            refuted_n += 1
            beyond += infeasibility_proof(P) is None
        assert P.infeasibility_proof(1.0) is None or not feasible
    # measured: 25 of the 25 infeasible ones refuted, 10 of them beyond the checker's relaxations (15)
    assert refuted_n >= 0.8 * infeasible_n >= 16 and beyond >= 4, (refuted_n, beyond, infeasible_n)
