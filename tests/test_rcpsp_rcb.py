"""R-ConstraintBench generator: exact non-redundant levels, nested ramps, extras, witness, solvability."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.generators.rcb import generate_ramp, generate_rcb, parse_resources
from combopt.problems.rcpsp import NO_DEADLINE, check_schedule


def _edges(p) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in p.edges}


@pytest.mark.parametrize("level", [0, 1, 7, 30, 60])
def test_level_adds_exactly_k_non_redundant_edges_between_layers(level):
    p = generate_rcb(tasks=30, layers=5, level=level, seed=3)
    e = _edges(p)
    assert len(e) == level == p.meta["precedence_edges"]
    layer = (np.arange(30) * 5) // 30
    assert all(layer[a] < layer[b] for a, b in e)
    G = nx.DiGraph(list(e))
    G.add_nodes_from(range(30))
    assert set(nx.transitive_reduction(G).edges()) == e  # no edge is implied by the others


def test_levels_form_a_nested_ramp():
    ramp = generate_ramp(range(1, 31), tasks=30, layers=5, seed=8, downtime=0.5, windows=0.5, disjunctive=0.5)
    for lo, hi in zip(ramp, ramp[1:], strict=False):
        assert _edges(lo) < _edges(hi) and len(_edges(hi)) == len(_edges(lo)) + 1
        np.testing.assert_array_equal(lo.durations, hi.durations)
        np.testing.assert_array_equal(lo.demands, hi.demands)
    for p in ramp:
        assert p.meta["feasible_by_construction"] and p.evaluate(p.witness).feasible


def test_too_many_edges_is_a_parameter_error():
    with pytest.raises(combopt.ParameterError, match="admits only 25"):
        generate_rcb(tasks=10, layers=2, level=26)


def test_same_seed_same_instance_and_extras_switch():
    from combopt.problems.rcpsp import rcpsp_to_json

    kw = dict(tasks=25, layers=5, level=12, resources="3", downtime=0.5, windows=0.5, disjunctive=0.5)
    assert rcpsp_to_json(generate_rcb(seed=4, **kw)) == rcpsp_to_json(generate_rcb(seed=4, **kw))
    assert rcpsp_to_json(generate_rcb(seed=4, **kw)) != rcpsp_to_json(generate_rcb(seed=5, **kw))
    none = generate_rcb(tasks=25, layers=5, level=12, seed=4)
    assert not none.downtime and not len(none.disjunctive)
    assert np.all(none.release == 0) and np.all(none.deadline == NO_DEADLINE)
    every = generate_rcb(tasks=25, layers=5, level=12, resources="3", downtime=1.0, windows=1.0, disjunctive=1.0,
                         seed=4)
    assert {d.resource for d in every.downtime} == {0, 1, 2}
    assert all(d.capacity < every.capacities[d.resource] for d in every.downtime)
    assert np.all(every.deadline < NO_DEADLINE)
    w, p = every.witness, every.durations
    assert np.all(every.release <= w) and np.all(w + p <= every.deadline)
    assert np.all(w - every.release <= p) and np.all(every.deadline - (w + p) <= p)  # slack at most the duration
    G = nx.DiGraph([tuple(e) for e in every.edges])
    for a, b in every.disjunctive:  # pairs are never precedence-related (that would be redundant)
        assert not (G.has_node(a) and G.has_node(b) and (nx.has_path(G, a, b) or nx.has_path(G, b, a)))
    assert len(every.disjunctive) >= 10


def test_datacentre_theme_and_resource_specs():
    p = generate_rcb(tasks=20, layers=4, level=10, resources="teams=4,forklifts=2", theme="datacentre", seed=1,
                     downtime=1.0)
    assert p.resource_names == ["teams", "forklifts"] and p.capacities.tolist() == [4, 2]
    assert p.names[0] == "drain rack 01" and all("rack" in nm for nm in p.names)
    assert len(set(p.names)) == 20
    names, caps = parse_resources("2", "datacentre")
    assert names == ["IT team", "forklift"] and all(2 <= c <= 8 for c in caps)
    for bad in ("0", "teams", "a=1,a=2", "x=0"):
        with pytest.raises(combopt.ParameterError):
            parse_resources(bad)
    for kw in ({"tasks": 1}, {"layers": 0}, {"level": -1}, {"windows": 2.0}, {"theme": "moon"}, {"seed": -1}):
        with pytest.raises(combopt.ParameterError):
            generate_rcb(**kw)


@pytest.mark.parametrize("level", [1, 10, 20, 30])
def test_solver_finds_a_feasible_schedule_with_every_constraint_type(level):
    p = generate_rcb(tasks=30, layers=5, level=level, resources="3", downtime=0.5, windows=0.5, disjunctive=0.5,
                     seed=100 + level)
    res = combopt.solve(p, "rcpsp-ga", schedules=5000, seed=0)
    assert res.feasible, res.violations[:5]
    assert check_schedule(p, res.solution) == []


def test_every_level_within_the_bound_is_generated_and_ramps_stay_nested():
    """Six tasks in six layers at level 9 (the bound: tasks 1-3 before 4-6) were refused on seeds 1-5 ("this layering
    admits only 7"): one random greedy pass had stopped short. Every level up to the most edges of a bipartite cut of
    the layers is reached now, each edge set transitively reduced, and a ramp whose top level needed more than one
    pass is still nested. Where no cut reaches the bound, the refusal does not claim the layering admits no more."""
    from combopt.generators.rcb import _best_cut_edges, level_bound

    for n in range(2, 9):
        for m in range(1, n + 1):
            layer = (np.arange(n) * m) // n
            top = len(_best_cut_edges(layer))
            assert top <= level_bound(n, m)
            for seed in range(3):
                p = generate_rcb(tasks=n, layers=m, level=top, seed=seed, resources=1)
                e = _edges(p)
                assert len(e) == top and all(layer[a] < layer[b] for a, b in e)
                G = nx.DiGraph(list(e))
                G.add_nodes_from(range(n))
                assert set(nx.transitive_reduction(G).edges()) == e, (n, m, seed)
    for seed in range(6):
        assert len(_edges(generate_rcb(tasks=6, layers=6, level=9, seed=seed, resources=1))) == 9
    # 2 + 2 + 2 tasks: 9 edges without a triangle on 6 tasks are K(3,3) alone (Mantel), which these layers rule out
    with pytest.raises(combopt.ParameterError, match="found at most 8 for this layering") as e:
        generate_rcb(tasks=6, layers=3, level=9, resources=1)
    assert "admits only" not in str(e.value)
    ramp = generate_ramp(range(0, 10), tasks=6, layers=6, seed=1, resources=1)
    for lo, hi in zip(ramp, ramp[1:], strict=False):
        assert _edges(lo) < _edges(hi) and len(_edges(hi)) == len(_edges(lo)) + 1
    assert ramp[-1].meta.get("ramp_top") is None and ramp[3].meta["ramp_top"] == 9
    # a level the first pass reaches is the instance it always was, standalone or in a ramp
    alone = generate_rcb(tasks=30, layers=5, level=7, seed=3)
    in_ramp = generate_ramp([7, 9], tasks=30, layers=5, seed=3)
    assert _edges(alone) == _edges(in_ramp[0]) and in_ramp[0].meta["ramp_top"] == 9
