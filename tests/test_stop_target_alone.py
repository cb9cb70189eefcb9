"""A target alone (``stop=TargetObjective(t)``) ends a search that cannot reach it, like ``target=t``."""

import combopt
from combopt.core.stopping import DEFAULT_HEURISTIC_STOP, MaxIterations, MaxRuntime, NoImprovement, TargetObjective


def test_which_criteria_end_by_themselves():
    assert not TargetObjective(3).ends_by_itself
    assert MaxRuntime(1).ends_by_itself and MaxIterations(2).ends_by_itself and NoImprovement(2).ends_by_itself
    assert (TargetObjective(3) | MaxIterations(5)).ends_by_itself
    assert not (TargetObjective(3) | TargetObjective(4)).ends_by_itself
    assert DEFAULT_HEURISTIC_STOP.ends_by_itself


def test_unreachable_target_alone_stops_as_the_keyword_does():
    q = combopt.QUBO.random(12, seed=1)
    best = combopt.solve(q, "exhaustive").objective
    alone = combopt.solve(q, "sa", stop=combopt.TargetObjective(best - 100.0), seed=0)
    keyword = combopt.solve(q, "sa", target=best - 100.0, seed=0)
    assert alone.objective == keyword.objective
    assert alone.objective >= best - 1e-9  # it ended (before: it searched until Ctrl-C)


def test_reachable_target_alone_still_ends_the_search_at_the_target():
    q = combopt.QUBO.random(12, seed=2)
    best = combopt.solve(q, "exhaustive").objective
    res = combopt.solve(q, "sa", stop=combopt.TargetObjective(best + 1e6), seed=0)
    assert res.objective <= best + 1e6


def test_exact_solver_with_target_alone_runs_to_its_proof():
    q = combopt.QUBO.random(10, seed=3)
    res = combopt.solve(q, "exhaustive", stop=combopt.TargetObjective(-1e9))
    assert res.status == "optimal"


def test_random_qubo_refuses_a_negative_seed_or_scale():
    import pytest

    from combopt.core.errors import ParameterError
    for kw in ({"seed": -1}, {"seed": 1.5}, {"seed": True}, {"scale": -1.0}, {"scale": float("nan")}, {"scale": 0}):
        with pytest.raises(ParameterError, match="random QUBO"):
            combopt.QUBO.random(5, **kw)
    assert combopt.QUBO.random(5, seed=0, scale=2).n == 5
