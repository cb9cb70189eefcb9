"""Exact and heuristic QUBO solvers agree on random QUBOs up to 16 variables."""

import itertools
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.models.qubo import QUBO

DATA = Path(__file__).parent / "data"


def brute_force_minimum(model: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=model.n)))
    return float(model.energies(X).min())


def pair_sum_energy(model: QUBO, x) -> float:
    """offset + sum_i h_i x_i + sum_{i<j} J_ij x_i x_j, summed pair by pair (not through ``energy``)."""
    x = np.asarray(x, dtype=np.int64)
    assert set(np.unique(x)) <= {0, 1}
    Q = model.to_dense()
    e = model.offset + sum(model.h[i] for i in range(model.n) if x[i])
    on = np.flatnonzero(x)
    for a, i in enumerate(on):
        for j in on[a + 1:]:
            e += Q[i, j]
    return float(e)


CASES = [(n, d, s) for n, d, s in [(4, 1.0, 0), (8, 1.0, 1), (10, 0.4, 2), (12, 1.0, 3), (14, 0.3, 4), (16, 1.0, 5),
                                   (16, 0.5, 6)]]


@pytest.mark.parametrize("n,density,seed", CASES)
def test_exhaustive_matches_brute_force(n, density, seed):
    model = QUBO.random(n, density, seed)
    res = combopt.solve(model, "exhaustive")
    assert res.status == combopt.Status.OPTIMAL
    assert res.objective == pytest.approx(brute_force_minimum(model))
    assert res.objective == pytest.approx(pair_sum_energy(model, res.solution))


@pytest.mark.parametrize("solver,params", [
    ("sa", {"num_reads": 16, "num_sweeps": 200}),
    ("tabu", {"num_restarts": 4}),
    ("pt", {"num_replicas": 8, "rounds": 20}),
    ("milp", {}),
])
@pytest.mark.parametrize("n,density,seed", CASES)
def test_solvers_agree_with_exhaustive(solver, params, n, density, seed):
    model = QUBO.random(n, density, seed)
    opt = combopt.solve(model, "exhaustive").objective
    res = combopt.solve(model, solver, max_iterations=3, seed=seed, **params)
    assert res.feasible
    assert res.objective == pytest.approx(opt, abs=1e-7), f"{solver} missed the optimum"
    # the reported objective is the energy of the reported solution, summed pair by pair here
    assert res.objective == pytest.approx(pair_sum_energy(model, res.solution))


def test_milp_reports_proven_optimum_and_bound():
    model = QUBO.random(10, 1.0, seed=9)
    res = combopt.solve(model, "milp")
    assert res.status == combopt.Status.OPTIMAL
    assert res.bound == pytest.approx(res.objective)
    assert res.gap == pytest.approx(0.0)


def test_milp_highs_backend():
    pytest.importorskip("highspy")
    model = QUBO.random(10, 1.0, seed=8)
    res = combopt.solve(model, "milp", backend="highs")
    assert res.status == combopt.Status.OPTIMAL
    assert res.objective == pytest.approx(brute_force_minimum(model))


def test_same_seed_same_result():
    model = QUBO.random(60, 0.2, seed=1)
    a = combopt.solve(model, "sa", max_iterations=3, seed=7, num_reads=8, num_sweeps=50)
    b = combopt.solve(model, "sa", max_iterations=3, seed=7, num_reads=8, num_sweeps=50)
    assert np.array_equal(a.solution, b.solution) and a.objective == b.objective
    assert [v for _, v in a.trace] == [v for _, v in b.trace]


def test_stopping_criteria_combine():
    model = QUBO.random(20, 1.0, seed=2)
    res = combopt.solve(model, "sa", max_iterations=4, num_reads=4, num_sweeps=10)
    assert res.iterations == 4
    res = combopt.solve(model, "sa", stop=combopt.MaxIterations(50) | combopt.NoImprovement(2),
                        num_reads=4, num_sweeps=10)
    assert res.iterations <= 50
    opt = combopt.solve(model, "exhaustive").objective
    res = combopt.solve(model, "sa", target=opt, max_iterations=1000, num_reads=8, num_sweeps=100)
    assert res.objective == pytest.approx(opt) and res.iterations < 1000


def test_keyboard_interrupt_returns_best_so_far():
    model = QUBO.random(40, 1.0, seed=3)
    calls = {"n": 0}

    def cb(state):
        calls["n"] += 1
        if state.iterations >= 2:
            raise KeyboardInterrupt

    res = combopt.solve(model, "sa", max_iterations=100, num_reads=4, num_sweeps=20, callback=cb)
    assert res.info.get("interrupted") is True
    assert res.feasible and res.solution is not None
    assert res.objective == pytest.approx(pair_sum_energy(model, res.solution))
    assert res.iterations < 100


@pytest.mark.parametrize("solver", ["sa", "tabu", "pt"])
def test_ctrl_c_during_the_first_batch_keeps_that_batch(monkeypatch, solver):
    """Python raises a Ctrl-C that arrives inside a compiled kernel right after it returns: the batch the kernel
    just finished used to be lost (a 4 s annealing batch on a large graph, then status unknown with nothing)."""
    import os
    import signal

    from combopt.solvers import kernels

    name = {"sa": "greedy_descent_batch", "tabu": "tabu_batch", "pt": "tempering_round_cpu"}[solver]
    original = getattr(kernels, name)

    def kernel_then_ctrl_c(*args):
        out = original(*args)
        os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C while the kernel ran
        return out

    monkeypatch.setattr(kernels, name, kernel_then_ctrl_c)
    model = QUBO.random(30, 1.0, seed=3)
    res = combopt.solve(model, solver, max_iterations=100)  # no time limit: only the Ctrl-C stops it
    assert res.info.get("interrupted") is True and res.iterations == 0
    assert res.solution is not None and res.objective == pytest.approx(pair_sum_energy(model, res.solution))


def test_ctrl_c_during_ils_walks_keeps_their_sets(monkeypatch):
    import os
    import signal

    import networkx as nx

    from combopt.problems.graph import mis
    from combopt.problems.graph.mis import IndependentSet
    from combopt.solvers.graph import ils

    monkeypatch.setattr(mis, "MIN_KERNEL_CUT", 2.0)  # the walks on the file's graph (no kernel, no exact phase)

    original = ils.ils_batch

    def walks_then_ctrl_c(*args):
        out = original(*args)
        os.kill(os.getpid(), signal.SIGINT)
        return out

    monkeypatch.setattr(ils, "ils_batch", walks_then_ctrl_c)
    prob = IndependentSet.from_networkx(nx.gnp_random_graph(40, 0.2, seed=1), "mis")
    res = combopt.solve(prob, "ils", max_iterations=100)
    assert res.info.get("interrupted") is True and res.iterations == 0
    assert res.solution is not None and prob.evaluate(res.solution).feasible
    assert res.objective == len(res.solution)


def test_deferred_interrupt_raises_after_the_block():
    import os
    import signal

    from combopt.solvers.common import deferred_interrupt

    done = []
    with pytest.raises(KeyboardInterrupt):
        with deferred_interrupt():
            os.kill(os.getpid(), signal.SIGINT)
            done.append("after the signal")  # still runs: the interrupt waits for the end of the block
    assert done == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    with deferred_interrupt():
        pass  # no signal: nothing raised


def test_trace_is_monotone_and_ends_at_objective():
    model = QUBO.random(80, 0.1, seed=5)
    res = combopt.solve(model, "sa", max_iterations=5, num_reads=8, num_sweeps=50)
    values = [v for _, v in res.trace]
    assert values == sorted(values, reverse=True)
    assert values[-1] == pytest.approx(res.objective)


def test_exhaustive_refuses_large_models():
    with pytest.raises(combopt.ParameterError):
        combopt.solve(QUBO.random(40, 0.1, seed=1), "exhaustive")


def test_unknown_parameter_is_an_error():
    with pytest.raises(combopt.ParameterError):
        combopt.solve(QUBO.random(5, 1.0), "sa", max_iterations=1, numreads=3)


def test_gpu_request_without_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("NUMBA_ENABLE_CUDASIM", raising=False)
    from combopt.core import device

    if device.gpu_available():
        pytest.skip("a GPU is present")
    with pytest.raises(combopt.ParameterError, match="GPU"):
        combopt.solve(QUBO.random(5, 1.0), "sa", device="gpu", max_iterations=1)
    res = combopt.solve(QUBO.random(5, 1.0), "sa", device="auto", max_iterations=1)
    assert res.device == "cpu"


@pytest.mark.parametrize("solver,params", [("sa", {"num_sweeps": 2, "num_reads": 2}),
                                           ("tabu", {"num_restarts": 1, "tabu_iters": 5}),
                                           ("pt", {"num_replicas": 2, "rounds": 1, "sweeps_per_round": 1})])
def test_qubo_heuristics_are_never_worse_than_the_construction(solver, params):
    """tabu on the 5 x 5000 knapsack's slack-bit QUBO ended 12 % below the greedy packing; the QUBO heuristics now
    offer the problem's quick construction first. Here a few sweeps or steps on a knapsack QUBO."""
    from combopt.generators.mdkp import chu_beasley

    p = chu_beasley(60, 5, 0.5, seed=2)
    greedy = p.evaluate(p.construct())
    assert greedy.feasible
    r = combopt.solve(p, solver, max_iterations=1, seed=0, **params)
    assert r.info["construction"] == greedy.objective
    assert r.feasible and p.evaluate(r.solution).feasible and r.objective >= greedy.objective


@pytest.mark.parametrize("path, kind", [("C125.9.clq", "mis"), ("mdkp/mknap1.txt#6", None), ("tsp/eil51.tsp", None)])
def test_ctrl_c_before_any_solution_answers_with_the_construction(monkeypatch, path, kind):
    """A Ctrl-C during the API's own bound call (before the solver ran) used to leave no solution at all: the run now
    answers with the problem's quick construction, re-checked by its own evaluate, and says so."""
    problem = combopt.read(str(DATA / path), kind=kind)

    def ctrl_c(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(problem, "bound", ctrl_c)
    monkeypatch.setattr(problem, "bound_within", ctrl_c)  # (a timed run asks for the bound within its share)
    res = combopt.solve(problem, time_limit=5)
    assert res.info.get("interrupted") is True
    assert res.solution is not None and res.feasible
    ev = problem.evaluate(res.solution)
    assert ev.feasible and res.objective == pytest.approx(ev.objective)
    assert "construction" in res.info["answer"]
    assert res.status.value == "feasible"  # nothing was proven


def test_auto_takes_the_gpu_only_where_it_was_measured_faster(monkeypatch):
    """On an H200 the annealing kernel ran at 0.18-0.45x the 16-core CPU at sa's default 1024 GPU replicas
    (benchmarks/gpu_check.py): with a GPU visible, device="auto" keeps every solver on the CPU until one is
    registered with auto_gpu (measured faster end to end); device="gpu" still reaches every GPU path."""
    from combopt.core import device
    from combopt.core.registry import all_solvers, get_solver, register_solver

    monkeypatch.setattr(device, "gpu_available", lambda: True)
    gpu_solvers = [s for s in all_solvers() if "gpu" in s.devices]
    assert {"sa", "topo", "rcpsp-ga", "dmmv"} <= {s.name for s in gpu_solvers}
    for info in gpu_solvers:
        assert not info.auto_gpu, info.name
        assert device.resolve_device("auto", info.devices, info.auto_gpu) == "cpu"
        assert device.resolve_device("gpu", info.devices, info.auto_gpu) == "gpu"
    res = combopt.solve(QUBO.random(6, 1.0, seed=1), "sa", device="auto", max_iterations=1)
    assert res.device == "cpu"
    # a solver registered with auto_gpu goes to the GPU under auto, a CPU-only one never does
    from combopt.core import registry

    monkeypatch.setattr(registry, "_SOLVERS", dict(registry._SOLVERS))
    register_solver("fast-on-gpu", problems=("qubo",), devices=("cpu", "gpu"), auto_gpu=True)(lambda p, c: None)
    register_solver("cpu-only", problems=("qubo",), auto_gpu=True)(lambda p, c: None)
    fast, cpu_only = get_solver("fast-on-gpu", "qubo"), get_solver("cpu-only", "qubo")
    assert fast.auto_gpu and device.resolve_device("auto", fast.devices, fast.auto_gpu) == "gpu"
    assert not cpu_only.auto_gpu and device.resolve_device("auto", cpu_only.devices, cpu_only.auto_gpu) == "cpu"


def test_tabu_restarts_from_each_walks_best_with_consistent_fields():
    from combopt.solvers.tabu import _keep_best, _perturbed

    model = QUBO.random(40, 0.3, 7)
    rng = np.random.default_rng(0)
    elite = rng.integers(0, 2, (5, 40)).astype(np.int8)
    X = np.zeros_like(elite)
    F = np.zeros((5, 40))
    E = np.zeros(5)
    _perturbed(model, elite, 0.1, rng, X, F, E)
    assert ((X != elite).sum(axis=1) == 4).all()  # 10 % of 40 variables flipped in every walk
    for r in range(5):  # the kernels' convention: fields h + W x, energy less the offset
        assert np.allclose(F[r], model.h + model.W @ X[r].astype(float))
        assert E[r] == pytest.approx(model.energy(X[r]) - model.offset)
    ex, ee = _keep_best(None, None, X, E)
    worse, better = E + 1.0, E - 1.0
    Y = 1 - X
    ex, ee = _keep_best(ex, ee, Y, np.where(np.arange(5) % 2 == 0, better, worse))
    assert np.array_equal(ex[0], Y[0]) and np.array_equal(ex[1], X[1]) and ee[1] == E[1] and ee[0] == better[0]


@pytest.mark.parametrize("perturb", [0.0, 0.1, 1.0])
def test_iterated_tabu_finds_the_optimum_at_any_perturbation(perturb):
    model = QUBO.random(16, 0.5, 3)
    opt = combopt.solve(model, "exhaustive").objective
    res = combopt.solve(model, "tabu", max_iterations=4, seed=1, num_restarts=2, tabu_iters=50, perturb=perturb)
    assert res.objective == pytest.approx(opt) == pytest.approx(pair_sum_energy(model, res.solution))
    assert res.info["perturb"] == perturb
    with pytest.raises(combopt.ParameterError):
        combopt.solve(model, "tabu", max_iterations=1, perturb=1.5)


def test_tabu_on_a_sparse_model_picks_flips_in_trees_and_finds_the_bipartite_cut():
    """A 20 x 20 torus with unit weights is bipartite: its maximum cut takes all 800 edges. At 400 variables of
    degree 4 the walks use the tournament trees, with the longer tenure of sparse models."""
    import networkx as nx

    from combopt.problems.graph.maxcut import MaxCut
    from combopt.solvers.tabu import default_tenure

    G = nx.grid_2d_graph(20, 20, periodic=True)
    idx = {v: k for k, v in enumerate(sorted(G))}
    p = MaxCut(400, np.array([(idx[a], idx[b]) for a, b in G.edges()]))
    res = combopt.solve(p, "tabu", max_iterations=3, seed=2)
    assert res.info["flips"] == "trees" and res.info["tenure"] == default_tenure(400, 1600) == 41
    assert res.objective == 800 == p.evaluate(res.solution).objective
    dense = QUBO.random(20, 1.0, 4)
    res = combopt.solve(dense, "tabu", max_iterations=2, seed=2)
    assert res.info["flips"] == "scan" and res.info["tenure"] == 6  # min(20, n / 4) + 1 on dense models
    assert res.objective == pytest.approx(combopt.solve(dense, "exhaustive").objective)


def test_default_tenure_grows_on_sparse_models_only():
    from combopt.solvers.tabu import default_tenure

    assert default_tenure(1000, 1000 * 100) == 21  # Beasley-like UBQPs (density 0.1): Palubeckis's min(20, n / 4) + 1
    assert default_tenure(2500, 2500 * 250) == 33  # and n / 79 + 1, where n / 50 and below measured level
    assert default_tenure(2000, 8000) == 201  # a torus: n / 10 + 1
    assert default_tenure(2000, 2000 * 20) == 90
    assert default_tenure(8, 0) == 3  # tiny and empty models
