"""Review 49 of the Python API as a notebook user touches it: each test fails on the code before its fix."""

from __future__ import annotations

import math

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError, ParameterError


def test_normalize_holds_for_its_own_solve_only(tmp_path):
    """``solve(P, normalize=True)`` set ``P.normalized`` for good: the next plain ``solve(P)`` of counts (sums 10)
    was accepted, and its result (no ``normalize`` in its params) was then refused by ``combopt check``."""
    path = tmp_path / "counts.marginals.csv"
    path.write_text("5,3,2\n6,4\n")
    problem = combopt.read(path, kind="mec")
    with pytest.raises(InputError, match="sums to 10"):
        combopt.solve(problem, "mec-exact")
    r = combopt.solve(problem, "mec-exact", normalize=True)
    assert r.status == "optimal" and r.params == {"normalize": True}
    with pytest.raises(InputError, match="sums to 10"):
        combopt.solve(problem, "mec-exact")


def _tiny_mis():
    from combopt.problems.graph.graph import Graph
    from combopt.problems.graph.mis import IndependentSet

    return IndependentSet(Graph.from_edges(5, [(0, 1), (1, 2), (2, 3), (3, 4)]), "mis")


@pytest.mark.parametrize("solver", ["lagrangian", "slack-penalty"])
@pytest.mark.parametrize("bad", [0, False, "", []])
def test_inner_params_that_are_no_object_are_refused(solver, bad):
    """``inner_params=0`` (or False, "", []) was read as "no inner parameters" (``or {}``) and the run went on."""
    with pytest.raises(ParameterError, match="inner_params"):
        combopt.solve(_tiny_mis(), solver, inner_params=bad, max_iterations=2)


@pytest.mark.parametrize("solver", ["lagrangian", "slack-penalty"])
def test_inner_params_still_reach_the_inner_solver(solver):
    r = combopt.solve(_tiny_mis(), solver, inner_params={"num_reads": 4}, max_iterations=2)
    assert r.feasible and r.objective == 3  # {0, 2, 4}
    with pytest.raises(ParameterError, match="num_reads"):
        combopt.solve(_tiny_mis(), solver, inner_params={"num_reads": 0}, max_iterations=2)


@pytest.mark.parametrize("solver", ["rcpsp-sgs", "rcpsp-ga"])
@pytest.mark.parametrize("bad", [math.inf, True, np.bool_(True), math.nan, 0, "x"])
def test_rcpsp_best_known_must_be_a_positive_finite_makespan(solver, bad):
    """``best_known=inf`` (``-p best_known=1e999`` on the command line) was taken: the result's info said
    ``best_known: null`` and ``gap_to_best_known_pct: null``; ``best_known=True`` was a makespan of 1 (gap 500 %)."""
    from combopt.problems.rcpsp import RCPSP

    p = RCPSP([2, 3, 4, 1], [[1], [1], [1], [2]], [2], [[1], [3], [3], []])
    with pytest.raises(ParameterError, match="best_known"):
        combopt.solve(p, solver, best_known=bad, max_iterations=2)
    r = combopt.solve(p, solver, best_known=5, max_iterations=2)
    assert r.objective == 6 and r.info["best_known"] == 5 and r.info["gap_to_best_known_pct"] == 20


@pytest.mark.parametrize("key", ["threshold", "l1", "rtol"])
def test_topo_numbers_refuse_booleans(key):
    """``threshold=True`` was a threshold of 1.0 (every weight below 1 cut away)."""
    from combopt.problems.dag.model import DAGProblem

    X = np.random.default_rng(1).normal(size=(50, 3))
    X[:, 1] += 2 * X[:, 0]
    with pytest.raises(ParameterError, match=key):
        combopt.solve(DAGProblem(X), "topo", **{key: True})


@pytest.mark.parametrize("kind", ["clqiue", 5])
def test_solvers_for_an_unknown_kind_says_so(kind):
    """``combopt.solvers_for("clqiue")`` was ``[]`` (as if the kind existed and had no solver) and
    ``get_solver("sa", "clqiue")`` said "try one of: " with nothing after it; ``combopt solvers clqiue`` already
    refused the kind (exit 2)."""
    from combopt.core.errors import UnknownKindError

    with pytest.raises(UnknownKindError, match="expected one of: clique, dag"):
        combopt.solvers_for(kind)
    with pytest.raises(UnknownKindError, match="unknown problem kind"):
        combopt.get_solver("sa", kind)
    assert {"sa-ils", "clique-cores"} <= {s.name for s in combopt.solvers_for("clique")}


def test_rcpsp_bound_takes_a_huge_time_limit():
    """``time_limit=1e300`` is a finite number and passes solve's check, but the RCPSP destructive bound made it a
    step budget of 2.5e307 for an int64 kernel argument: OverflowError and a traceback (``combopt solve -t 1e300``
    too); the budget is now capped."""
    from combopt.problems.rcpsp import RCPSP

    p = RCPSP([2, 3, 4, 1], [[1], [1], [1], [2]], [2], [[1], [3], [3], []])
    r = combopt.solve(p, "rcpsp-sgs", time_limit=1e300)
    assert r.status == "optimal" and r.objective == 6
