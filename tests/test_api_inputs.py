"""The Python API as a notebook user calls it (found by a sweep over the in-memory constructors and parameters):
a MILP stop inside a positive gap is not a proof, problems never share the caller's arrays, and wrong inputs or
parameter values are one clear :class:`combopt.CombOptError`, not an exception from deep inside numpy or a solver.
Strict bounds are on (conftest): a bound on the wrong side raises."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

import combopt
from combopt.core.errors import CombOptError, ParameterError
from combopt.models.dmmv import DMMV
from combopt.models.qubo import QUBO
from combopt.problems.dmmv.quantization import QuantizationLayer
from combopt.problems.graph.maxcut import MaxCut
from combopt.problems.mdkp.model import MultiKnapsack
from combopt.problems.rcpsp import RCPSP


def _knapsack_optimum(P: MultiKnapsack) -> float:
    return max(float(P.p @ x) for x in map(np.array, itertools.product((0, 1), repeat=P.n))
               if np.all(P.A @ x <= P.b + 1e-9))


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_milp_stopping_inside_a_positive_gap_claims_no_optimum(backend):
    """CBC's "Optimal solution found (within gap tolerance)" was read as a proof: `gap=0.5` answered 17 as optimal
    with bound 17 where the optimum is 18."""
    rng = np.random.default_rng(5)
    cases = [MultiKnapsack([10, 7, 5, 3, 9], [[3, 2, 2, 1, 4], [1, 3, 2, 2, 2]], [6, 5])]
    for _ in range(10):
        n, m = int(rng.integers(5, 10)), int(rng.integers(1, 3))
        cases.append(MultiKnapsack(rng.integers(1, 20, n).tolist(), rng.integers(1, 8, (m, n)).tolist(),
                                   rng.integers(5, 15, m).tolist()))
    below = 0
    for P in cases:
        opt = _knapsack_optimum(P)
        r = combopt.solve(P, "milp", gap=0.5, backend=backend)
        assert P.evaluate(r.solution).feasible and r.objective <= opt + 1e-9
        assert r.bound is None or r.bound >= opt - 1e-9, (backend, r.bound, opt)
        assert r.status != "optimal" or r.objective == opt, (backend, r.objective, opt)
        below += r.objective < opt
        exact = combopt.solve(P, "milp", backend=backend)
        assert exact.status == "optimal" and exact.objective == opt
    if backend == "cbc":
        assert below  # the case above stops inside the gap: the claim is tested, not only the objective


def test_problems_keep_their_own_copies_of_the_callers_arrays():
    """A notebook that changes an array after building a problem: evaluations by content gave stale objectives
    (quantization), and RCPSP solves failed ("parallel SGS ran past the instance's time axis")."""
    rng = np.random.default_rng(0)
    W, X = rng.normal(size=(4, 8)), rng.normal(size=(32, 8))
    a = QuantizationLayer(W, X, 3)
    Q = np.full(W.shape, 3)
    before = combopt.evaluate(a, Q).objective
    X *= 10
    W += 1
    assert combopt.evaluate(a, Q).objective == before
    assert combopt.evaluate(QuantizationLayer(W, X, 3), Q).objective != before

    dur, cap = np.array([2, 3, 4]), np.array([1])
    p = RCPSP(dur, [[1], [1], [1]], cap, [[1], [2], []])
    first = combopt.solve(p, "rcpsp-sgs", time_limit=2)
    dur[0], cap[0] = 10, 0
    again = combopt.solve(p, "rcpsp-sgs", time_limit=2)
    assert first.objective == again.objective == 9

    prof, wts = np.array([3.0, 4.0]), np.asfortranarray([[1.0, 2.0], [2.0, 1.0]])
    mk = MultiKnapsack(prof, wts, [2.0, 2.0])
    wts[:] = 9
    prof[:] = -1
    r = combopt.solve(mk, "milp")
    assert r.objective == 4 and mk.evaluate(r.solution).feasible

    e, w = np.array([[0, 1], [1, 2]]), np.array([1.0, 2.0])
    mc = MaxCut(3, e, w)
    e[:] = 0
    w[:] = 5
    assert combopt.solve(mc, "milp").objective == 3

    data = rng.normal(size=(50, 3))
    from combopt.problems.dag.model import DAGProblem
    d = DAGProblem(data)
    data[:] = 0
    assert np.any(d.Xc != 0)

    # a DMMV model and a QUBO leave the caller's sparse matrices as they were (they sort and clean their own)
    A = sp.csc_matrix((np.array([2.0, 1.0]), np.array([1, 0]), np.array([0, 2])), shape=(2, 1))
    assert not A.has_sorted_indices
    DMMV.with_targets(A, np.array([1.0, 2.0]), *_grid(1))
    assert list(A.indices) == [1, 0]
    C = sp.csr_matrix((np.array([0.0, 1.0, 1.0]), np.array([0, 1, 0]), np.array([0, 2, 3])), shape=(2, 2))
    QUBO(np.zeros(2), C)  # a stored zero on the diagonal is cleaned in the QUBO's own copy (a non-zero is refused)
    assert C.nnz == 3 and list(C.indices) == [0, 1, 0]
    # a clean caller matrix is not copied twice, but the QUBO still owns its couplings (changing C changes nothing)
    C = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    q = QUBO(np.zeros(2), C)
    C.data[:] = 7.0
    assert q.energy(np.array([1, 1])) == 1.0 and not np.shares_memory(q.W.data, C.data)
    for sense in ("min", "max"):
        q = QUBO(np.zeros(2), C, sense=sense)
        assert not np.shares_memory(q.W.data, C.data) and not np.shares_memory(q.W.indices, C.indices)


def _grid(n):
    from combopt.models.dmmv import uniform_domains

    return uniform_domains(-1.0, 0.5, 5, n)


def test_graph_inputs_are_checked():
    for bad in (lambda: combopt.Graph.from_edges(-2, []), lambda: combopt.Graph.from_edges(2.7, []),
                lambda: combopt.Graph.from_edges(3, [(0, 5)]), lambda: combopt.Graph.from_edges(3, [(0.5, 1)]),
                lambda: MaxCut(3, [(0.5, 1), (1.9, 2)]), lambda: MaxCut("3", [(0, 1)]),
                lambda: MaxCut(3, [(0, 1)], ["a"]), lambda: combopt.IndependentSet([(0, 1)])):
        with pytest.raises(ParameterError):
            bad()
    # a networkx graph is taken where a Graph is expected (it was an AttributeError)
    r = combopt.solve(combopt.IndependentSet(nx.petersen_graph()), "milp")
    assert r.status == "optimal" and r.objective == 4
    with pytest.raises(ParameterError, match="at least one item"):
        MultiKnapsack([], [[]], [3])


def test_qubo_inputs_are_checked():
    with pytest.raises(ParameterError, match="must be a vector"):
        QUBO(np.zeros((2, 2)), np.zeros((4, 4)))  # was read as 4 variables
    with pytest.raises(ParameterError):
        QUBO.from_matrix("abc")
    with pytest.raises(ParameterError):
        QUBO.random(-1)
    assert QUBO(np.zeros((3, 1)), np.zeros((3, 3))).n == 3  # a column vector is a vector


def test_solver_parameter_values_are_checked():
    m = MultiKnapsack([10, 7, 5, 3, 9], [[3, 2, 2, 1, 4], [1, 3, 2, 2, 2]], [6, 5])
    g = combopt.IndependentSet(nx.petersen_graph())
    bad = [(m, "lagrangian", {"multipliers": 1.0}), (m, "lagrangian", {"multipliers": [1, 2, 3]}),
           (m, "lagrangian", {"multipliers": [1, float("nan")]}), (m, "slack-penalty", {"inner_params": 5}),
           (g, "sa-ils", {"ils_share": float("nan")}), (g, "sa-ils", {"phased_share": float("inf")}),
           (g, "sa-ils", {"num_phased": "abc"}), (g, "sa-ils", {"ils_share": -1.0}), (g, "sa-ils", {"penalty": 1})]
    for prob, solver, params in bad:
        with pytest.raises(ParameterError):
            combopt.solve(prob, solver, max_iterations=2, **params)
    # None is the default, for every parameter (theta=None was a TypeError)
    r = combopt.solve(m, "lagrangian", max_iterations=3, theta=None, polish_iters=None, multipliers=[0.5, 0.5])
    assert m.evaluate(r.solution).feasible
    assert combopt.solve(m, "mdkp-core", time_limit=2, core=None, full=None, node_limit=None).objective == 18


def test_wrong_constructor_inputs_raise_combopt_errors():
    from combopt.problems.coupling.model import MEC

    with pytest.raises(CombOptError, match="normalize=True"):
        MEC([[0.5, 0.4, 0.11], [0.6, 0.2, 0.2]])
