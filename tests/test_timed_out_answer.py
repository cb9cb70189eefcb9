"""A timed run that ends without any solution answers with the problem's quick construction (as an interrupted one
does), and Numba's one-off CPU-target set-up is no longer inside the first timed run's clock."""

import time
from pathlib import Path

import numpy as np

import combopt
from combopt.core import registry, warm
from combopt.core.context import SolverOutput

DATA = Path(__file__).parent / "data"


def _register(name, kind, body):
    registry.register_solver(name, problems=(kind,), description="test only")(body)


def test_a_timed_run_without_a_solution_answers_with_the_construction():
    def idle(problem, ctx, **params):
        while ctx.time_left > 0:
            time.sleep(0.01)
        return SolverOutput()

    _register("test-idle", "tsp", idle)
    try:
        p = combopt.read(DATA / "tsp" / "att48.tsp")
        r = combopt.solve(p, "test-idle", time_limit=0.2)
    finally:
        registry._SOLVERS.pop("test-idle", None)
    assert r.feasible and r.status == combopt.Status.FEASIBLE
    assert sorted(r.solution) == list(range(48))
    assert r.objective == p.evaluate(r.solution).objective
    assert r.info["answer"] == "the problem's quick construction (the time was up before the solver had a solution)"


def test_no_construction_where_the_solver_proved_infeasibility_or_ran_untimed():
    def nothing(problem, ctx, **params):
        return SolverOutput(infeasible=True, info={"infeasibility": "test"})

    _register("test-nothing", "mdkp", nothing)
    try:
        p = combopt.read(DATA / "mdkp" / "mknap1.txt")
        timed = combopt.solve(p, "test-nothing", time_limit=1)
        untimed = combopt.solve(p, "test-nothing", max_iterations=1)
    finally:
        registry._SOLVERS.pop("test-nothing", None)
    assert timed.solution is None and "answer" not in timed.info
    assert untimed.solution is None and "answer" not in untimed.info


def test_numba_target_is_ready_before_the_clock_of_a_timed_run(monkeypatch):
    calls = []
    monkeypatch.setattr(warm, "_numba_target_ready", False)
    real = warm.prepare_numba_target

    def spy():
        calls.append(time.perf_counter())
        real()

    monkeypatch.setattr(combopt.api, "prepare_numba_target", spy)
    p = combopt.read(DATA / "tsp" / "burma14.tsp")
    r = combopt.solve(p, "tsp-ls", time_limit=1, seed=0)
    assert len(calls) == 1 and r.feasible
    from numba.core.registry import cpu_target

    assert np.isfinite(r.objective) and cpu_target.target_context is not None
    combopt.solve(p, "tsp-ls", max_iterations=1, seed=0)  # untimed: not called
    assert len(calls) == 1
