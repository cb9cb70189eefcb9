"""What an outside reviewer found in the slack-free Lagrangian family and its inner solvers (session 50)."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

import combopt
import combopt.api as api
from combopt.models.qubo import QUBO


def _brute_qubo(q: QUBO) -> float:
    X = np.array(list(itertools.product([0, 1], repeat=q.n)), dtype=np.int8)
    return float(q.energies(X).min())


def test_qaoa_on_aer_takes_a_qubo_with_a_tiny_negative_term():
    """Multipliers of 1.0000000000000004 leave -1.1e-16 on a linear Pauli term; Aer's estimator failed on the
    ansatz built from it (OverflowError: can't convert negative int to unsigned)."""
    pytest.importorskip("qiskit")
    pytest.importorskip("qiskit_aer")
    q = QUBO(np.array([-0.5, -1.0]), np.array([[0.0, 1.0000000000000004], [1.0000000000000004, 0.0]]))
    r = combopt.solve(q, "qaoa", reps=1, restarts=1, backend="aer", seed=0)
    assert r.objective == pytest.approx(_brute_qubo(q))


def test_lagrangian_with_inner_qaoa_runs_where_its_multipliers_round(monkeypatch):
    """The bundle method's multipliers on this 7-vertex graph end at 1 + 4e-16: the inner QAOA (Aer) raised."""
    pytest.importorskip("qiskit")
    pytest.importorskip("qiskit_aer")
    monkeypatch.setattr(api, "_cheap_bound", lambda p, s=math.inf: None)
    G = nx.gnp_random_graph(7, 0.4, seed=2)
    alpha = max(len(c) for c in nx.find_cliques(nx.complement(G)))
    r = combopt.solve(G, "lagrangian", inner="qaoa", method="bundle", max_iterations=4,
                      inner_params={"restarts": 1, "backend": "aer"})
    assert r.objective == alpha and r.bound >= alpha
