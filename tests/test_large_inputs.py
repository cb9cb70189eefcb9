"""Large instances: the work a solver does per call stays bounded, and models too large to build are refused.

Found by running every solver at 1 s and 5 s on instances far larger than the benchmarks' (5 x 5000 and
2 x 20000 knapsacks, a 3000-vertex graph, 10,000-variable QUBOs, 400 and 2000-city TSPs, 2000 x 2000
couplings): the knapsack polish ran 21 s past a 5 s limit, a 400-city TSP Lagrangian run built a 7 GB
QUBO, mec-exact died of a RecursionError. These tests check the mechanisms (work budgets, chunking,
refusals with a clear message), never timings.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.budget import StepBudget
from combopt.core.errors import ParameterError
from combopt.generators.mdkp import chu_beasley
from combopt.problems.graph.mis import MAX_BOUND_COMPLEMENT_EDGES, IndependentSet
from combopt.problems.mdkp.local import SWAP_WORK
from combopt.problems.tsp.model import MAX_QUBO_COUPLINGS, TSP, max_qubo_cities


def user_error(capsys, *args) -> str:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    _, err = capsys.readouterr()
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("combopt: error:") and "Traceback" not in err, err
    return lines[0]


def independent_feasible(p, x) -> bool:
    x = np.asarray(x)
    return bool(np.all(p.A @ x <= p.b + 1e-9) and set(np.unique(x)) <= {0, 1})


# ----------------------------------------------------------------------------- knapsack local search
def test_repair_on_a_huge_knapsack_is_feasible_and_maximal():
    """2 x 20000: one round of the swap search is 10^8 pairs, beyond SWAP_WORK, so the repair is the greedy
    drop/add alone (before the budget it ran for minutes); its answer is feasible and no item still fits."""
    p = chu_beasley(20000, 2, 0.5, seed=3)
    assert (p.n // 2) ** 2 > SWAP_WORK
    x = p.repair(np.ones(p.n, dtype=np.int8))
    assert independent_feasible(p, x)
    load = p.A @ x
    free = np.flatnonzero(x == 0)
    fits = np.all(load[:, None] + p.A[:, free] <= p.b[:, None] + 1e-9, axis=0)
    assert not fits.any()


def test_repair_keeps_its_swaps_on_benchmark_sizes():
    """On a 30 x 500 instance the budget never binds: the repair still ends with no improving 1-1 swap."""
    p = chu_beasley(500, 30, 0.5, seed=1)
    x = p.repair(np.zeros(p.n, dtype=np.int8))
    assert independent_feasible(p, x)
    load = p.A @ x
    ins, outs = np.flatnonzero(x == 1), np.flatnonzero(x == 0)
    for i in ins[:60]:
        gain = p.p[outs] - p.p[i]
        ok = np.all(load[:, None] - p.A[:, [i]] + p.A[:, outs] <= p.b[:, None] + 1e-9, axis=0)
        assert not np.any(ok & (gain > 1e-9))


class _Ctx:
    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def uint64_seeds(self, k):
        return self.rng.integers(1, 2**63 - 1, size=k, dtype=np.uint64)


@pytest.mark.parametrize("seconds", [0.0, 0.05])
def test_timed_polish_runs_in_chunks_and_never_loses(seconds):
    """A polish whose expected time exceeds ``seconds`` runs in chunks (at least one iteration): every end point
    is feasible and none is worse than the start."""
    from combopt.problems.mdkp.model import walk_seconds

    p = chu_beasley(3000, 5, 0.5, seed=2)
    x = p.repair(np.zeros(p.n, dtype=np.int8))
    assert walk_seconds(p.n, p.m, 100) > 0.05  # the chunked path
    ends = p.polish(x, _Ctx(), iters=100, walks=2, seconds=seconds)
    assert ends
    for y in ends:
        assert independent_feasible(p, y)
        assert p.p @ y >= p.p @ x - 1e-9


def test_untimed_polish_is_unchanged():
    """Without ``seconds`` (and with a budget it fits in) the polish is the one call it always was."""
    p = chu_beasley(100, 5, 0.5, seed=4)
    x = p.repair(np.zeros(p.n, dtype=np.int8))
    a = p.polish(x, _Ctx(7), iters=50, walks=4)
    b = p.polish(x, _Ctx(7), iters=50, walks=4, seconds=1e6)
    assert [list(v) for v in a] == [list(v) for v in b]


def test_mdkp_core_on_a_large_instance_answers_feasibly():
    p = chu_beasley(5000, 5, 0.5, seed=3)
    r = combopt.solve(p, time_limit=2.0, seed=0)
    assert r.feasible and independent_feasible(p, r.solution)
    assert r.bound >= r.objective and r.status.value != "optimal"


# ----------------------------------------------------------------------------- step budget
def test_step_budget_fits_calls_into_the_time_left():
    b = StepBudget(lambda: 1.0, 10_000, prior_s=1e-3, share=0.5)
    assert b.next() == 100  # sized by the prior alone: PRIOR_SHARE (0.1) of 1 s / 1 ms
    assert b.next(cap=50) == 50
    b2 = StepBudget(lambda: math.inf, 10_000, prior_s=1.0)
    assert b2.next() == 10_000  # untimed: every step
    b3 = StepBudget(lambda: 100.0, 10_000, prior_s=1e-6)
    assert b3.next() == 10_000  # fits: unchanged
    b4 = StepBudget(lambda: 0.0, 10_000, prior_s=1e-3, least=20)
    assert b4.next() == 20  # out of time: the least call
    b5 = StepBudget(lambda: 1.0, 10_000)  # no prior: the first call runs in full, then it is measured
    assert b5.next() == 10_000
    b5.start(10)
    b5.done()
    assert b5.per_step > 0


def test_step_budget_separates_a_fixed_set_up_from_the_cost_of_a_step(monkeypatch):
    import combopt.core.budget as budget

    clock = [0.0]
    monkeypatch.setattr(budget.time, "perf_counter", lambda: clock[0])
    b = StepBudget(lambda: 10.0, 10**9, share=0.9, least=50)

    def call(steps):  # a kernel with 0.35 s of set-up and 10 us a step
        b.start(steps)
        clock[0] += 0.35 + 1e-5 * steps
        b.done()

    call(50)
    assert b.per_step == pytest.approx(0.3505 / 50)  # one call: its time per step, on the short side
    second = b.next()
    assert second == int(9.0 / (0.3505 / 50))
    call(second)
    assert b.per_step == pytest.approx(1e-5) and b.overhead == pytest.approx(0.35)
    assert abs(b.next() - (9.0 - 0.35) / 1e-5) <= 1  # the rest of the time, net of the set-up
    call(50)
    assert b.per_step == pytest.approx(1e-5) and b.overhead == pytest.approx(0.35)
    b.start(50)  # two calls of one length: no line through them, the plain rate
    clock[0] += 0.0001
    b.done()
    assert b.overhead == 0.0 and b.per_step == pytest.approx(0.0001 / 50)


# ----------------------------------------------------------------------------- refusals
def test_tsp_qubo_too_large_is_refused_with_a_clear_message(tmp_path, capsys):
    n = max_qubo_cities()
    m = n - 1
    assert 2 * m * (m - 1) ** 2 <= MAX_QUBO_COUPLINGS < 2 * n * (n - 1) ** 2
    rng = np.random.default_rng(0)
    big = TSP.from_coords(rng.uniform(0, 1000, (n + 1, 2)))
    with pytest.raises(ParameterError, match="tsp-ls"):
        big.lagrangian_model()
    path = tmp_path / "big.tsp"
    lines = ["NAME : big", "TYPE : TSP", f"DIMENSION : {n + 1}", "EDGE_WEIGHT_TYPE : EUC_2D", "NODE_COORD_SECTION"]
    lines += [f"{i + 1} {x:.1f} {y:.1f}" for i, (x, y) in enumerate(rng.uniform(0, 1000, (n + 1, 2)))]
    path.write_text("\n".join(lines + ["EOF", ""]))
    for solver in ("lagrangian", "sa"):
        line = user_error(capsys, "solve", path, "-s", solver, "-t", "1", "-q")
        assert f"at most {n} cities" in line


def test_mec_exact_refuses_large_marginals(capsys, tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "big.coupling.json"
    import json

    path.write_text(json.dumps({"marginals": [rng.dirichlet(np.ones(150)).tolist(),
                                              rng.dirichlet(np.ones(100)).tolist()]}))
    line = user_error(capsys, "solve", path, "-s", "mec-exact", "-t", "5", "-q")
    assert "at most 200 symbols" in line and "mec-ls" in line


def test_milp_refuses_models_too_large_to_build(capsys, tmp_path):
    q = combopt.QUBO.random(40, 1.0, seed=1)
    assert q.milp_terms() > 100
    with pytest.raises(ParameterError, match="max_terms"):
        combopt.solve(q, "milp", max_terms=100)
    r = combopt.solve(combopt.QUBO.random(8, 1.0, seed=1), "milp", max_terms=1000)
    assert r.status.value == "optimal"


def test_milp_does_not_start_the_back_end_when_building_the_model_used_the_time(monkeypatch):
    """A model whose build takes the whole limit ends there (CBC would get at least its grace period more), and one
    whose size says it could not be built within the limit is not built at all."""
    import time
    from pathlib import Path

    from combopt.solvers import milp as milp_mod

    p = combopt.read(Path(__file__).parent / "data" / "C125.9.clq")
    build = p.to_pulp

    def slow_build():  # a build that outlasts the limit, whatever the machine's speed
        time.sleep(0.6)
        return build()

    monkeypatch.setattr(p, "to_pulp", slow_build)
    r = combopt.solve(p, "milp", time_limit=0.5)
    assert r.info["milp_status"] == "time_limit" and "while the model was built" in r.info["milp_detail"]
    # the answer is the problem's quick construction (greedy), checked by evaluate; nothing is claimed proven
    assert r.solution is not None and p.evaluate(r.solution).feasible and r.status.value == "feasible"
    assert r.objective == r.info["construction"] and r.objective <= 34
    assert r.bound is not None and r.bound >= 34  # the problem's own bound stays on its side (clique number 34)
    monkeypatch.setattr(p, "to_pulp", build)
    monkeypatch.setattr(milp_mod, "PULP_TERMS_PER_S", 1.0)  # ~1,700 terms at one a second: far beyond 5 s
    r = combopt.solve(p, "milp", time_limit=5.0)
    assert r.info["milp_status"] == "time_limit" and "would take longer" in r.info["milp_detail"]
    assert "milp_variables" not in r.info  # never built
    assert r.solution is not None and p.evaluate(r.solution).feasible and r.status.value == "feasible"
    monkeypatch.undo()
    r = combopt.solve(p, "milp", time_limit=0.8)  # a short limit the back end does get (CBC's -sec below 1 s)
    assert r.solution is not None and p.evaluate(r.solution).feasible and r.bound >= r.objective


def test_cbc_stopped_by_its_deadline_reads_as_a_time_limit():
    import pulp

    from combopt.solvers.milp import _read_cbc

    prob = pulp.LpProblem("t", pulp.LpMinimize)
    solver = SimpleNamespace(log_text="Result - Stopped on ctrl-c\n", first_line="Stopped on ctrl-c",
                             interrupted=False, overran=True)
    assert _read_cbc(prob, solver).status == "time_limit"
    solver.overran, solver.interrupted = False, True
    assert _read_cbc(prob, solver).status == "interrupted"
    # after our signal CBC wrote "Integer infeasible" for j1201_1 at a 3 s limit: not a proof of infeasibility
    for overran, interrupted in ((True, False), (False, True)):
        solver = SimpleNamespace(log_text="Result - Integer infeasible\n", first_line="Integer infeasible - objective "
                                 "value 99.36", interrupted=interrupted, overran=overran)
        run = _read_cbc(prob, solver)
        assert not run.infeasible and run.status in ("time_limit", "interrupted")
    solver = SimpleNamespace(log_text="", first_line="Integer infeasible", interrupted=False, overran=False)
    assert _read_cbc(prob, solver).infeasible  # a search CBC ended on its own: its proof stands
    solver.timeLimit, solver.elapsed = 1.0, 0.2
    assert _read_cbc(prob, solver).infeasible  # ... well inside its time limit
    # a run that reached its limit without our signal (CI, j3013_1 with a feasible warm start at 1 s) proves nothing,
    # nor one whose result line says it stopped on time
    solver.elapsed = 1.05
    run = _read_cbc(prob, solver)
    assert not run.infeasible and run.status == "time_limit"
    solver.elapsed, solver.log_text = 0.2, "Result - Stopped on time limit\n"
    run = _read_cbc(prob, solver)
    assert not run.infeasible and run.status == "time_limit"


def test_independent_set_bound_skips_dense_complements():
    big = IndependentSet.from_networkx(nx.empty_graph(1500))
    assert 1500 * 1499 // 2 > MAX_BOUND_COMPLEMENT_EDGES
    assert "colouring" not in big.bounds()  # the complement's colouring is skipped; the clique cover is exact here
    assert big.bound() == 1500
    small = IndependentSet.from_networkx(nx.cycle_graph(9))
    assert small.bound() is not None and small.bound() >= 4


# ----------------------------------------------------------------------------- tomography baselines on a deadline
def test_tomography_baselines_stop_at_a_deadline_and_are_rebuilt_in_full():
    """SART, SIRT and DART run fixed iteration counts (14 s on a 256 x 256 image): a deadline cuts them, the cut is
    noted, the cut set is not cached, and the next call without a deadline builds every baseline in full."""
    import time
    from pathlib import Path

    p = combopt.read(Path(__file__).parent / "data" / "dmmv" / "tomo_sl32_noisy.toml")
    st = p.starts(time.monotonic() - 1.0)  # already past: no iteration at all
    assert set(st) == {"sart", "sirt", "dart"}
    notes = p.start_notes()
    assert notes["sirt_cut"].startswith("0 of ") and notes["dart_cut"].startswith("0 of ")
    assert p.__dict__.get("_starts") is None
    full = p.starts()
    assert not any(k.endswith("_cut") for k in p.start_notes())
    assert p.__dict__.get("_starts") is full
    r = combopt.solve(p, "dmmv", time_limit=5, seed=0)
    assert r.feasible and not any(k.endswith("_cut") for k in r.info)


def test_cold_start_construction_of_tomography_stops_at_the_deadline():
    """The construction a cold run answers with (the baseline start) takes the run's end as its deadline."""
    import time
    from pathlib import Path

    from combopt.core.context import SolveContext
    from combopt.core.stopping import SearchState, make_criteria
    from combopt.core.warm import report_construction

    p = combopt.read(Path(__file__).parent / "data" / "dmmv" / "tomo_sl32_noisy.toml")
    state = SearchState(sense=p.sense, criterion=make_criteria(0.5))
    state.start = time.perf_counter() - 1.0  # the run's time is already up
    ctx = SolveContext(0, "cpu", state, np.random.default_rng(0))
    out = report_construction(p, ctx)
    assert out["construction"] is not None  # a feasible image all the same (SART's start snapped)
    assert any(k.endswith("_cut") for k in p.start_notes())
