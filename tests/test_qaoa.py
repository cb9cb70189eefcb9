"""QAOA solver (Qiskit 2.x primitives): operator mapping, bit order, known outcomes."""

import sys

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.core.errors import MissingDependencyError, ParameterError
from combopt.models.qubo import QUBO

pytest.importorskip("qiskit")

from combopt.solvers.qaoa import MAX_QAOA_QUBITS, qubo_to_pauli  # noqa: E402


def all_states(n: int) -> np.ndarray:
    """Row k is the assignment with x_i = bit i of k (Qiskit's basis-state order)."""
    k = np.arange(1 << n)
    return ((k[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)


@pytest.mark.parametrize("n,seed,sense", [(1, 0, "min"), (3, 1, "min"), (4, 2, "max"), (5, 3, "min")])
def test_operator_diagonal_equals_qubo_energies(n, seed, sense):
    rng = np.random.default_rng(seed)
    U = np.triu(rng.normal(size=(n, n)), 1)
    U[rng.random((n, n)) < 0.3] = 0.0
    model = QUBO(rng.normal(size=n), U + U.T, offset=float(rng.normal()), sense=sense)
    H = qubo_to_pauli(model)
    assert H.num_qubits == n
    M = H.to_matrix()
    assert np.allclose(M, np.diag(np.diag(M))), "a QUBO operator is diagonal"
    assert np.allclose(np.diag(M).real, model.energies(all_states(n)))
    assert np.allclose(np.diag(M).imag, 0.0)


def test_operator_keeps_bit_order():
    # x_0 alone lowers the energy: the minimum must sit at basis state |0...01> (index 1)
    model = QUBO([-1.0, 0.0, 0.0], np.zeros((3, 3)))
    diag = qubo_to_pauli(model).to_matrix().diagonal().real
    assert int(np.argmin(diag)) == 1
    assert "IIZ" in qubo_to_pauli(model).paulis.to_labels()


def _is_maximum_independent_set(G, bits: str) -> bool:
    S = [i for i, b in enumerate(bits) if b == "1"]
    return len(S) == 2 and nx.is_empty(G.subgraph(S))


def test_qaoa_mis_5_cycle_reps2_concentrates_on_optimal_sets():
    G = nx.cycle_graph(5)
    problem = combopt.IndependentSet.from_networkx(G, "mis")
    assert problem.work.n == 5  # the QUBO variables are the cycle's vertices in order
    res = combopt.solve(problem, "qaoa", reps=2, restarts=1, backend="statevector", seed=0)
    assert res.feasible and res.objective == 2
    S = sorted(int(v) for v in res.solution)
    assert len(S) == 2 and not G.has_edge(*S)
    probs = res.info["probabilities"]
    assert all(len(k) == 5 and set(k) <= {"0", "1"} for k in probs)
    assert sum(probs.values()) <= 1.0 + 1e-9
    p_opt = sum(f for k, f in probs.items() if _is_maximum_independent_set(G, k))
    assert p_opt > 0.8, f"P(optimal) = {p_opt:.3f}"
    # the best sampled energy is -2 (a maximum independent set) and p_best counts exactly those
    assert res.info["best_sample_energy"] == pytest.approx(-2.0)
    assert res.info["p_best"] == pytest.approx(p_opt, abs=1e-9)
    assert res.info["num_qubits"] == 5
    par = res.info["parameters"]
    assert len(par["gamma"]) == len(par["beta"]) == 2
    assert res.info["expectation"] < -1.5  # uniform superposition would give -2.5 + 2.5 = 0


def test_qaoa_bit_order_of_samples():
    # independent variables, asymmetric optimum x = 1 0 1 0 0 0
    h = np.array([-1.0, 1.0, -1.0, 1.0, 1.0, 1.0])
    model = QUBO(h, np.zeros((6, 6)))
    res = combopt.solve(model, "qaoa", reps=1, restarts=1, backend="statevector", seed=1)
    assert list(res.solution) == [1, 0, 1, 0, 0, 0]
    top = max(res.info["probabilities"], key=res.info["probabilities"].get)
    assert top == "101000"


def test_qaoa_random_qubo_matches_exhaustive():
    model = QUBO.random(6, 1.0, seed=4)
    opt = combopt.solve(model, "exhaustive").objective
    res = combopt.solve(model, "qaoa", reps=2, restarts=1, backend="statevector", seed=3)
    assert res.feasible
    assert res.objective == pytest.approx(opt)
    assert res.info["best_sample_energy"] == pytest.approx(opt)
    assert res.objective == pytest.approx(model.energy(res.solution))
    assert res.info["p_best"] > 2 / 64  # at least twice the uniform distribution's 1/64


def test_qaoa_same_seed_same_result():
    model = QUBO.random(4, 1.0, seed=7)
    kw = dict(reps=1, restarts=2, maxiter=30, screen=8, shots=256, backend="statevector")
    a = combopt.solve(model, "qaoa", seed=5, **kw)
    b = combopt.solve(model, "qaoa", seed=5, **kw)
    assert a.info["probabilities"] == b.info["probabilities"]
    assert a.info["parameters"] == b.info["parameters"]
    assert list(a.solution) == list(b.solution)


def test_qaoa_respects_limits():
    model = QUBO.random(4, 1.0, seed=2)
    kw = dict(restarts=5, maxiter=30, screen=8, backend="statevector", seed=0)
    res = combopt.solve(model, "qaoa", reps=1, max_iterations=2, **kw)
    assert res.info["restarts_done"] == 2 and res.iterations == 2
    # out of time during the first start: each layer still gets one evaluation, then sampling
    res = combopt.solve(model, "qaoa", reps=2, time_limit=1e-3, **kw)
    assert res.info["restarts_done"] == 1
    assert res.feasible and len(res.info["parameters"]["gamma"]) == 2


def test_qaoa_target_ends_the_run_between_starts():
    """The samples came only after every start, so neither a reached target nor a proven bound could end the run
    (a 14-qubit MIS at --target 6 ran all three starts, 23 s)."""
    model = QUBO.random(6, 1.0, seed=4)
    opt = combopt.solve(model, "exhaustive").objective
    kw = dict(reps=2, restarts=4, maxiter=40, screen=8, backend="statevector", seed=3)
    free = combopt.solve(model, "qaoa", **kw)
    assert free.info["restarts_done"] == 4 and free.objective == pytest.approx(opt)
    res = combopt.solve(model, "qaoa", target=opt, **kw)
    assert res.objective == pytest.approx(opt) and res.info["restarts_done"] == 1
    assert res.objective == pytest.approx(model.energy(res.solution))


def test_qaoa_aer_backend():
    pytest.importorskip("qiskit_aer")
    G = nx.cycle_graph(5)
    res = combopt.solve(G, "qaoa", reps=1, restarts=1, backend="aer", seed=0)
    assert res.info["backend"] == "aer"
    assert res.objective == 2
    assert res.info["p_best"] > 0.4


def test_qaoa_missing_qiskit(monkeypatch):
    monkeypatch.setitem(sys.modules, "qiskit", None)  # makes `import qiskit...` raise ImportError
    with pytest.raises(MissingDependencyError, match=r"pip install 'combopt\[quantum\]'"):
        combopt.solve(QUBO.random(3, 1.0, seed=0), "qaoa")


def test_qaoa_refuses_large_models_and_bad_params():
    with pytest.raises(ParameterError, match="qubit"):
        combopt.solve(QUBO.random(MAX_QAOA_QUBITS + 1, 0.2, seed=0), "qaoa")
    with pytest.raises(ParameterError, match="backend"):
        combopt.solve(QUBO.random(3, 1.0, seed=0), "qaoa", backend="gpu")
    with pytest.raises(ParameterError, match="does not take"):
        combopt.solve(QUBO.random(3, 1.0, seed=0), "qaoa", depth=2)


def test_qaoa_listed_for_qubo_families():
    names = {s.name for s in combopt.core.registry.solvers_for("mis")}
    assert "qaoa" in names
    info = combopt.core.registry.get_solver("qaoa", "qubo")
    assert not info.exact and info.max_variables == MAX_QAOA_QUBITS and info.devices == ("cpu",)
