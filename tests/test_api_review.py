"""The notebook API against a reviewer's use: the same seed and an iteration limit give the same claims (the theta
bound ran on the wall clock), stopping criteria check their arguments as solve() does, problems built in code refuse
fractional indices and short label lists, a knapsack without constraint rows runs without a thread's traceback."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.core.stopping import MaxIterations, MaxRuntime, NoImprovement, TargetObjective
from combopt.problems.graph import Graph
from combopt.problems.mdkp import MultiKnapsack
from combopt.problems.rcpsp import RCPSP

DATA = Path(__file__).parent / "data"


def test_an_untimed_theta_bound_is_counted_not_timed_so_repeat_solves_claim_the_same():
    """hamming8-4 with sa-ils, seed 1, max_iterations=2: 'feasible, bound 24' in one process and 'optimal, 16' in
    another, and on one Problem object 24, 17, then 16 as each solve continued the last one's theta iterations."""
    p = combopt.read(DATA / "hamming8-4.clq", "clique")
    runs = []
    for _ in range(3):  # one Problem object, solved again as a notebook cell run again
        r = combopt.solve(p, "sa-ils", seed=1, max_iterations=2)
        runs.append((r.status.value, r.objective, r.bound, r.info["bounds"].get("theta")))
    other = combopt.solve(combopt.read(DATA / "hamming8-4.clq", "clique"), "sa-ils", seed=1, max_iterations=2)
    assert runs[0] == runs[1] == runs[2] == (other.status.value, other.objective, other.bound,
                                             other.info["bounds"].get("theta"))
    assert runs[0][2] >= runs[0][1]  # (hamming8-4's maximum clique is 16)


@pytest.mark.parametrize(("make", "value"), [
    (MaxIterations, 1.5), (MaxIterations, "3"), (MaxIterations, float("nan")), (MaxIterations, float("inf")),
    (MaxIterations, None), (NoImprovement, 2.9), (NoImprovement, "x"), (MaxRuntime, True), (MaxRuntime, "5"),
    (MaxRuntime, None), (MaxRuntime, 0), (TargetObjective, True), (TargetObjective, "abc"), (TargetObjective, None)])
def test_stopping_criteria_refuse_what_solve_refuses(make, value):
    with pytest.raises(combopt.ParameterError):
        make(value)


def test_stopping_criteria_take_numpy_numbers_and_combine_only_with_criteria():
    assert MaxIterations(np.int64(3)).n == 3 and MaxRuntime(np.float64(2.5)).seconds == 2.5
    assert NoImprovement(4.0).n == 4 and TargetObjective(np.int64(7)).target == 7.0
    with pytest.raises(combopt.ParameterError, match="combines with another one"):
        MaxRuntime(1) | 5
    stop = MaxRuntime(5) | MaxIterations(2)
    r = combopt.solve(combopt.read(DATA / "johnson8-2-4.clq", "clique"), "ils", stop=stop)
    assert r.feasible


@pytest.mark.parametrize("succ", [[[1.5], [], []], [[True], [], []], [[float("nan")], [], []], [["x"], [], []],
                                  None, [1, 0, 2]])
def test_rcpsp_built_in_code_refuses_successors_that_are_not_task_indices(succ):
    with pytest.raises(combopt.ParameterError):
        RCPSP([1, 1, 1], [[0], [0], [0]], [1], succ)


def test_rcpsp_takes_whole_numbers_of_any_type_and_refuses_a_fractional_disjunctive_pair():
    p = RCPSP([1, 1, 1], [[0], [0], [0]], [1], [[np.int64(1)], [2.0], []])
    assert p.edges.tolist() == [[0, 1], [1, 2]]
    with pytest.raises(combopt.ParameterError, match="disjunctive pair 0"):
        RCPSP([1, 1, 1], [[0], [0], [0]], [1], [[], [], []], disjunctive=[(0, 1.5)])


def test_graph_labels_name_every_vertex():
    with pytest.raises(combopt.ParameterError, match="labels must name each of the 3 vertices, got 1"):
        Graph.from_edges(3, [(0, 1)], labels=[1])
    g = Graph.from_edges(3, [(0, 1)], labels=["a", "b", "c"])
    assert g.n == 3


def test_a_knapsack_without_constraint_rows_runs_without_a_thread_error():
    seen = []
    hook = threading.excepthook
    threading.excepthook = lambda args: seen.append(args.exc_type)
    try:
        r = combopt.solve(MultiKnapsack([1, 2], np.zeros((0, 2)), []), time_limit=1)
    finally:
        threading.excepthook = hook
    assert seen == [] and r.objective == 3 and r.status == "optimal"


@pytest.mark.parametrize("build", [
    lambda: __import__("combopt.problems.tsp", fromlist=["TSP"]).TSP([[0, 1], [1]]),
    lambda: __import__("combopt.problems.tsp", fromlist=["TSP"]).TSP.from_coords([["a", "b"], [1, 1]]),
    lambda: MultiKnapsack(["a"], [[1]], [1]),
    lambda: MultiKnapsack([1j], [[1]], [1]),
    lambda: MultiKnapsack([1, 2], [[1, 2], [1]], [1, 1]),
    lambda: __import__("combopt.problems.dag", fromlist=["DAGProblem"]).DAGProblem([["a", "b"], ["c", "d"]]),
    lambda: __import__("combopt.problems.dag", fromlist=["DAGProblem"]).DAGProblem([[1, 2], [3]]),
    lambda: __import__("combopt.problems.coupling", fromlist=["MEC"]).MEC([["a"], [1.0]]),
    lambda: __import__("combopt.problems.coupling", fromlist=["MEC"]).MEC(None)])
def test_problems_built_in_code_from_text_ragged_or_complex_arrays_say_so(build):
    """numpy's own ValueError or TypeError came out of these constructors (inhomogeneous shape, could not convert
    string to float)."""
    with pytest.raises(combopt.ParameterError):
        build()
