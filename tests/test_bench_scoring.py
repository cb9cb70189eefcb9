"""How a run is scored against its instance's reference values (``runner.score``) and how the report reads the
scores (``report``): at optimum, at best known, the gap, the deviation from a reference bound, head to head,
targets and time to target. Rows are written by hand; no suite is run."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from combopt.bench.refs import Reference
from combopt.bench.report import (
    _ok,
    bound_deviation,
    head_to_head,
    instance_values,
    row_contradictions,
    summarize,
    targets,
    time_to,
)
from combopt.bench.runner import score


def suite(ref, tol=1e-6, name="j301_1"):
    return SimpleNamespace(sets={"x": SimpleNamespace(refs={name: ref} if ref is not None else {}, tolerance=tol)})


def run(obj, sense="min", status="feasible", feasible=True, trace=None, **kw):
    return {"set": "x", "instance": "j301_1", "path": "data/j301_1.sm", "sense": sense, "objective": obj,
            "feasible": feasible, "status": status, "trace": trace or [], **kw}


# ---------------------------------------------------------------------------------------------- score


@pytest.mark.parametrize("sense", ["min", "max"])
def test_score_at_optimum_best_known_and_gap(sense):
    sign = 1.0 if sense == "min" else -1.0
    ref = Reference(optimum=100.0, best_known=100.0, bound=90.0 if sense == "min" else 110.0)
    r = score(run(100.0, sense), suite(ref))
    assert (r["optimum"], r["best_known"], r["reference_bound"]) == (100.0, 100.0, ref.bound)
    assert (r["at_optimum"], r["at_best"], r["gap_pct"], r["tolerance"]) == (True, True, 0.0, 1e-6)
    assert r["contradictions"] == []
    r = score(run(100.0 + sign * 5.0, sense), suite(ref))  # 5 worse: a gap of 5 %
    assert (r["at_optimum"], r["at_best"]) == (False, False)
    assert r["gap_pct"] == pytest.approx(5.0)
    r = score(run(100.0 + sign * 5e-5, sense), suite(ref))  # within tol * |ref| = 1e-4
    assert (r["at_optimum"], r["at_best"]) == (True, True)
    r = score(run(100.0 + sign * 2e-4, sense), suite(ref))  # beyond it
    assert (r["at_optimum"], r["at_best"]) == (False, False)
    r = score(run(100.0 + sign * 5.0, sense), suite(ref, tol=0.1))  # the set's tolerance: 10 units
    assert (r["at_optimum"], r["tolerance"]) == (True, 0.1)
    r = score(run(100.0 - sign * 5.0, sense), suite(ref))  # better than the optimum: reached, a contradiction
    assert r["at_optimum"] is True and r["gap_pct"] == pytest.approx(-5.0)
    assert r["contradictions"][0].startswith("objective 95" if sense == "min" else "objective 105")


def test_score_gap_is_against_the_best_known_value_and_relative_to_its_magnitude():
    r = score(run(-90.0), suite(Reference(optimum=None, best_known=-100.0)))
    assert r["gap_pct"] == pytest.approx(10.0) and r["at_optimum"] is None and r["at_best"] is False
    r = score(run(12.0), suite(Reference(optimum=10.0, best_known=11.0)))
    assert r["gap_pct"] == pytest.approx(100.0 / 11.0) and (r["at_optimum"], r["at_best"]) == (False, False)
    r = score(run(11.0), suite(Reference(optimum=10.0, best_known=11.0)))
    assert r["gap_pct"] == 0.0 and (r["at_optimum"], r["at_best"]) == (False, True)
    # a zero target has no relative gap: 100 % off it (dividing by a 1e-9 floor gave 5e10 %), 0 % within tolerance
    r = score(run(0.5), suite(Reference(optimum=0.0, best_known=0.0)))
    assert r["gap_pct"] == pytest.approx(100.0)
    assert score(run(-0.5, "max"), suite(Reference(optimum=0.0, best_known=0.0)))["gap_pct"] == pytest.approx(100.0)
    assert score(run(0.5e-6), suite(Reference(optimum=0.0, best_known=0.0)))["gap_pct"] == 0.0
    r = score(run(1e-12), suite(Reference(optimum=None, best_known=2e-12)))  # a tiny target is still relative
    assert r["gap_pct"] == pytest.approx(-50.0)
    # a reference value below 1 in magnitude: the slack is the tolerance itself, not tol * |ref|
    assert score(run(0.5e-6), suite(Reference(optimum=0.0)))["at_optimum"] is True
    assert score(run(2e-6), suite(Reference(optimum=0.0)))["at_optimum"] is False
    assert score(run(-1e6 + 0.5), suite(Reference(optimum=-1e6)))["at_optimum"] is True  # slack 1


def test_score_of_runs_without_a_feasible_solution_or_a_reference():
    ref = Reference(optimum=100.0, best_known=100.0)
    for r in (score(run(None), suite(ref)), score(run(100.0, feasible=False), suite(ref)),
              score(run(100.0, status="error"), suite(ref)), score(run(100.0, sense=None), suite(ref))):
        assert (r["at_optimum"], r["at_best"], r["gap_pct"], r["time_to_target_s"]) == (False, False, None, None)
    r = score(run(100.0), suite(Reference(best_known=100.0)))
    assert (r["at_optimum"], r["at_best"]) == (None, True)
    r = score(run(100.0), suite(None))  # no reference for the instance
    assert (r["optimum"], r["at_optimum"], r["at_best"], r["gap_pct"], r["contradictions"]) == (
        None, None, None, None, [])
    r = score(dict(run(100.0), set="other"), suite(ref))  # a set the suite does not have
    assert (r["tolerance"], r["at_optimum"], r["contradictions"]) == (1e-6, None, [])
    # found by the path's name when the instance has none of its own
    r = score(dict(run(100.0), instance=None), suite(ref))
    assert r["at_optimum"] is True


@pytest.mark.parametrize("sense", ["min", "max"])
def test_score_time_to_target_is_the_first_trace_point_at_the_target(sense):
    sign = 1.0 if sense == "min" else -1.0
    trace = [[0.5, 100.0 + sign * 10], [1.5, 100.0 + sign * 5e-5], [2.5, 100.0]]
    r = score(run(100.0, sense, trace=trace), suite(Reference(optimum=100.0)))
    assert r["time_to_target_s"] == 1.5
    r = score(run(100.0 + sign * 10, sense, trace=trace[:1]), suite(Reference(optimum=100.0)))
    assert r["time_to_target_s"] is None
    # a trace point without a value reaches nothing
    r = score(run(100.0, sense, trace=[[0.25, None], *trace]), suite(Reference(optimum=100.0)))
    assert r["time_to_target_s"] == 1.5


def test_score_at_exactly_the_slack_is_at_the_reference():
    # reference 0: the slack is tol * 1 = 1e-6 exactly
    assert score(run(1e-6, "min"), suite(Reference(optimum=0.0, best_known=0.0)))["at_optimum"] is True
    assert score(run(-1e-6, "max"), suite(Reference(optimum=0.0, best_known=0.0)))["at_best"] is True


# ---------------------------------------------------------------------------------------------- report


def row(label, obj, sense="min", status="feasible", feasible=True, path="p1", **kw):
    return {"set": "x", "path": path, "instance": path, "label": label, "solver": label, "seed": 0, "sense": sense,
            "status": status, "objective": obj, "feasible": feasible, **kw}


def test_ok_means_a_feasible_objective_of_a_run_that_did_not_fail():
    assert _ok(row("a", 1.0)) is True
    assert _ok(row("a", 0.0)) is True
    assert _ok(row("a", None)) is False
    assert _ok(row("a", 1.0, feasible=False)) is False
    assert _ok(row("a", 1.0, status="error")) is False
    assert _ok(row("a", 1.0, status="timeout")) is False


def test_bound_deviation_in_both_senses():
    assert bound_deviation(row("a", 120.0, reference_bound=100.0)) == pytest.approx(20.0)
    assert bound_deviation(row("a", 80.0, "max", reference_bound=100.0)) == pytest.approx(20.0)
    assert bound_deviation(row("a", -80.0, reference_bound=-100.0)) == pytest.approx(20.0)
    assert bound_deviation(row("a", 1.0, reference_bound=0.0)) == pytest.approx(100.0)  # no relative measure at 0
    assert bound_deviation(row("a", 0.0, reference_bound=0.0)) == 0.0
    assert bound_deviation(row("a", 120.0)) is None
    assert bound_deviation(row("a", 120.0, reference_bound=100.0, feasible=False)) is None


def test_row_contradictions_uses_the_recorded_list_else_checks_the_row():
    assert row_contradictions(row("a", 1.0, contradictions=["x"])) == ["x"]
    assert row_contradictions(row("a", 1.0, contradictions=[])) == []
    fresh = row("a", 90.0, optimum=100.0)
    assert row_contradictions(fresh) == ["objective 90 is better than the reference optimum 100"]


def test_instance_values_mean_over_seeds_and_a_failed_run_is_the_worst():
    rows = [row("c", 1.0, sense=None, path="p9"), row("a", 10.0), dict(row("a", 20.0), seed=1), row("b", 5.0, "max"),
            dict(row("b", None), seed=1)]
    v = instance_values(rows)
    assert v[("x", "p1", "a")] == (15.0, "min")
    assert v[("x", "p1", "b")] == (-math.inf, "max")
    assert ("x", "p9", "c") not in v  # no run of p9 says its sense (a timed-out run beside others: test_bench_review48)


def test_head_to_head_counts_wins_losses_and_ties_in_both_senses():
    rows = [row("a", 10.0, path="p1"), row("b", 11.0, path="p1"),
            row("a", 12.0, path="p2"), row("b", 11.0, path="p2"),
            row("a", 13.0, path="p3"), row("b", 13.0, path="p3"),
            row("a", 13.0, path="p4"), row("b", None, path="p4"),
            row("a", None, path="p5"), row("b", None, path="p5")]
    h = head_to_head(rows)["x"]
    assert h[("a", "b")] == (2, 1, 2) and h[("b", "a")] == (1, 2, 2)
    mx = [dict(r, sense="max") for r in rows]
    assert head_to_head(mx)["x"][("a", "b")] == (2, 1, 2)  # p1 a loses, p2 a wins, p4 a wins (b has none)
    # within the tolerance: relative to the larger magnitude (at least 1)
    near = [row("a", 1000.0, tolerance=1e-3), row("b", 1000.9, tolerance=1e-3)]
    assert head_to_head(near)["x"][("a", "b")] == (0, 0, 1)
    far = [row("a", 1000.0, tolerance=1e-3), row("b", 1001.1, tolerance=1e-3)]
    assert head_to_head(far)["x"][("a", "b")] == (1, 0, 0)
    small = [row("a", 0.0, tolerance=1e-3), row("b", 0.0009, tolerance=1e-3)]
    assert head_to_head(small)["x"][("a", "b")] == (0, 0, 1)
    edge = [row("a", 0.0, tolerance=1e-3), row("b", 0.001, tolerance=1e-3)]  # exactly the tolerance: level
    assert head_to_head(edge)["x"][("a", "b")] == (0, 0, 1)
    wide = [row("a", 0.0, tolerance=1e-3), row("b", 0.0015, tolerance=1e-3)]  # the floor of the scale is 1
    assert head_to_head(wide)["x"][("a", "b")] == (1, 0, 0)
    # rows that do not record a tolerance: 1e-6 relative
    old = [row("a", 1000.0), row("b", 1000.0005)]
    assert head_to_head(old)["x"][("a", "b")] == (0, 0, 1)
    old = [row("a", 1000.0), row("b", 1000.002)]
    assert head_to_head(old)["x"][("a", "b")] == (1, 0, 0)
    # an instance only one entry ran is not compared, and the instances after it still are
    assert head_to_head([row("a", 1.0, path="p1"), row("b", 1.0, path="p2")])["x"][("a", "b")] == (0, 0, 0)
    assert head_to_head([row("a", 1.0, path="p0"), row("a", 1.0, path="p1"),
                         row("b", 2.0, path="p1")])["x"][("a", "b")] == (1, 0, 0)


def test_summary_counts():
    rows = [row("a", 10.0, optimum=10.0, best_known=10.0, at_optimum=True, at_best=True, gap_pct=0.0,
                runtime_s=2.0, reference_bound=8.0),
            dict(row("a", 12.0, optimum=10.0, best_known=10.0, at_optimum=False, at_best=False, gap_pct=20.0,
                     runtime_s=4.0), seed=1),
            dict(row("a", None, status="error", runtime_s=9.0), seed=2),
            dict(row("a", 11.0, feasible=False, runtime_s=1.0, status="unknown"), seed=3),
            row("b", 11.0, status="optimal", optimum=10.0, best_known=None, runtime_s=1.0)]
    s = {x.label: x for x in summarize(rows)}
    a, b = s["a"], s["b"]
    assert (a.runs, a.failed, a.no_solution, a.feasible) == (4, 1, 1, 2)
    assert (a.with_optimum, a.at_optimum, a.with_best, a.at_best, a.with_bound) == (2, 1, 2, 1, 1)
    assert a.mean_gap_pct == pytest.approx(10.0)
    assert a.sgm_gap_pct == pytest.approx(math.sqrt(1.0 * 21.0) - 1.0)  # shift 1 point
    assert a.sgm_time_s == pytest.approx((3.0 * 5.0 * 2.0) ** (1 / 3) - 1.0)  # 2, 4 and 1 s, shift 1 s
    assert summarize(rows=rows) == summarize(rows)  # the rows may be passed by name
    assert a.mean_bound_dev_pct == pytest.approx(25.0)
    assert a.mean_time_s == pytest.approx(7.0 / 3)  # the failed run's time is not counted
    # a's runs without a solution count as the worst value, so its mean over seeds loses to b's 11
    assert (a.wins, a.losses, b.wins, b.losses) == (0, 1, 1, 0)
    assert (a.proven_optimal, b.proven_optimal) == (0, 1)
    assert (a.contradicted, b.contradicted) == (0, 1)  # b: optimal at 11, but the optimum is 10
    assert (b.with_optimum, b.with_best) == (1, 0)


def test_targets_best_known_else_optimum_else_the_best_objective():
    rows = [row("a", None, path="p0"),
            row("a", 12.0, path="p1", best_known=11.0, optimum=10.0),
            row("a", 12.0, path="p2", optimum=10.0),
            row("a", 12.0, path="p3"), row("b", 9.0, path="p3"), row("c", 1.0, path="p3", feasible=False),
            row("a", 12.0, "max", path="p4"), row("b", 9.0, "max", path="p4"),
            row("a", None, path="p5"), row("a", 4.0, "max", path="p6")]
    assert targets(rows) == {("x", "p1"): 11.0, ("x", "p2"): 10.0, ("x", "p3"): 9.0, ("x", "p4"): 12.0,
                             ("x", "p6"): 4.0}


@pytest.mark.parametrize("sense", ["min", "max"])
def test_time_to_target_from_the_trace_or_the_run_time(sense):
    s = 1.0 if sense == "min" else -1.0
    r = row("a", 100.0, sense, runtime_s=7.0, trace=[[0.5, 100 + s * 10], [None, None], [2.0, 100 + s * 5e-5],
                                                     [3.0, 100.0]])
    r["trace"] = [p for p in r["trace"] if p[0] is not None] + [[4.0, None]]
    assert time_to(r, 100.0) == 2.0
    assert time_to(r, 100.0 - s * 1.0) == math.inf  # never reached, nor by the final objective
    assert time_to(dict(r, trace=[[0.0001, 100.0]]), 100.0) == 1e-3  # floored at 1 ms
    assert time_to(dict(r, trace=[]), 100.0) == 7.0  # reached with no trace point: the run's time
    assert time_to(dict(r, trace=[], runtime_s=None), 100.0) == 1e-3
    assert time_to(dict(r, trace=[], runtime_s=0.0), 100.0) == 1e-3
    assert time_to(dict(r, trace=[], objective=100.0 + s * 5e-5), 100.0) == 7.0  # within tol * |target|
    assert time_to(dict(r, trace=[], objective=100.0 + s * 2e-4), 100.0) == math.inf
    assert time_to(dict(r, feasible=False), 100.0) == math.inf
    # exactly the slack (tol * 1 at a target 0) reaches the target, in the trace and at the end
    z = row("a", s * 1e-6, sense, runtime_s=7.0, trace=[[0.5, s * 1.0], [2.0, s * 1e-6]])
    assert time_to(z, 0.0) == 2.0
    assert time_to(dict(z, trace=[]), 0.0) == 7.0
    assert time_to(dict(z, objective=s * 1.5e-6, trace=[]), 0.0) == math.inf  # beyond it
    # a trace point without a value is skipped, not the end of the trace
    assert time_to(dict(r, trace=[[0.5, None], [2.0, 100.0]]), 100.0) == 2.0
