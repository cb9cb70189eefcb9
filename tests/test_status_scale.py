"""The scale-aware claims of core/status.py (``side_tolerance``, ``meet_tolerance``, ``right_side``, ``meets``,
``settle(scale=)``) and core/problem.py's ``objective_scale`` / ``coefficient_scale``, at their edges: a tolerance is
``rtol * max(scale, |objective|)``, a bound is on the right side up to it, and one meets the objective when the
difference lies in ``[-side_tolerance, meet_tolerance]`` (mutation-testing target ``status-scale``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from combopt.core import status as status_mod
from combopt.core.problem import coefficient_scale, objective_scale
from combopt.core.status import (
    MEET_RTOL,
    SIDE_RTOL,
    BoundViolation,
    meet_tolerance,
    meets,
    right_side,
    settle,
    side_tolerance,
)

CASES = [(0.0, 1.0), (0.0, 1e-9), (0.5, 1.0), (-0.5, 1e-3), (3e-9, 2e-9), (-3e-9, 2e-9), (7.0, 1e-9),
         (-250.0, 1.0), (1e-200, 1e-200)]


@pytest.mark.parametrize("obj,scale", CASES)
def test_tolerances_are_relative_to_the_larger_of_scale_and_objective(obj, scale):
    mag = max(scale, abs(obj))
    assert side_tolerance(obj, scale) == pytest.approx(SIDE_RTOL * mag, rel=1e-12)
    assert meet_tolerance(obj, scale) == pytest.approx(MEET_RTOL * mag, rel=1e-12)
    assert side_tolerance(obj) == pytest.approx(SIDE_RTOL * max(1.0, abs(obj)), rel=1e-12)
    assert meet_tolerance(obj) == pytest.approx(MEET_RTOL * max(1.0, abs(obj)), rel=1e-12)


@pytest.mark.parametrize("obj,scale", CASES)
@pytest.mark.parametrize("sense", ["min", "max"])
def test_right_side_and_meets_at_the_edges_of_their_tolerances(obj, scale, sense):
    side, meet = SIDE_RTOL * max(scale, abs(obj)), MEET_RTOL * max(scale, abs(obj))
    sign = 1.0 if sense == "max" else -1.0  # a bound `sign * diff` away from the objective, on the right side

    def bound(diff):
        return obj + sign * diff

    for diff, on_right, meeting in [
        (0.0, True, True),
        (0.5 * meet, True, True),
        (2.0 * meet, True, False),
        (10.0 * side, True, False),
        (-0.5 * side, True, True),   # a hair on the wrong side: numerical noise, and it meets
        (-2.0 * side, False, False),
    ]:
        b = bound(diff)
        d = (b - obj) if sense == "max" else (obj - b)  # what the functions see after rounding
        if abs(abs(d) - abs(diff)) > 1e-3 * abs(diff):
            continue  # rounding moved the bound too far to test this edge
        assert right_side(obj, b, sense, scale) is on_right, (diff, b)
        assert meets(obj, b, sense, scale) is meeting, (diff, b)


@pytest.mark.parametrize("sense", ["min", "max"])
def test_meets_needs_finite_values(sense):
    for a, b in [(None, 1.0), (1.0, None), (math.nan, 1.0), (1.0, math.inf), (-math.inf, -math.inf)]:
        assert meets(a, b, sense) is False and meets(a, b, sense, 1e-9) is False
    assert meets(2.0, 2.0, sense) is True


@pytest.mark.parametrize("obj,scale", [(0.0, 1.0), (0.0, 0.5), (0.0, 1e-9), (0.0, 0.25)])
def test_a_bound_exactly_at_the_side_tolerance_is_on_the_right_side_and_meets(obj, scale):
    tol = side_tolerance(obj, scale)
    for sense, b in (("max", obj - tol), ("min", obj + tol)):
        if ((b - obj) if sense == "max" else (obj - b)) != -tol:
            continue  # rounding moved it off the edge
        assert right_side(obj, b, sense, scale) and meets(obj, b, sense, scale), (sense, b)
        c = settle(sense, obj, True, [("lp", b)], scale=scale)
        assert c.status == "optimal" and c.bound == obj


def test_tiny_objectives_are_judged_on_their_own_scale():
    # profits of 1e-9: 2.005e-9 is far from the bound 3e-9 on the problem's scale, noise on the default scale
    assert meets(2.005e-9, 3e-9, "max") and not meets(2.005e-9, 3e-9, "max", 2e-9)
    assert not meets(0.0, -0.5e-9, "min", 1e-9) and meets(0.0, -0.5e-9, "min")
    # a bound 1e-12 on the wrong side of a tiny objective is a violation on its scale, noise on the default one
    assert right_side(3e-9, 3e-9 - 1e-12, "max") and not right_side(3e-9, 3e-9 - 1e-12, "max", 1e-9)
    assert right_side(-3e-9, -3e-9 + 1e-12, "min") and not right_side(-3e-9, -3e-9 + 1e-12, "min", 1e-9)


def test_settle_uses_the_scale_for_optimality_and_the_side(monkeypatch):
    # default scale: a bound 5e-10 above a maximum of 2e-9 meets it; on the scale 1e-9 it does not
    c = settle("max", 2e-9, True, [("lp", 2.5e-9)])
    assert c.status == "optimal" and c.bound == 2e-9 and c.gap == 0.0 and c.proved_by == "bound"
    c = settle("max", 2e-9, True, [("lp", 2.5e-9)], scale=1e-9)
    assert c.status == "feasible" and c.bound == 2.5e-9 and c.gap == pytest.approx(0.25)
    c = settle("min", -2e-9, True, [("lp", -2.5e-9)], scale=1e-9)
    assert c.status == "feasible" and c.bound == -2.5e-9 and c.gap == pytest.approx(0.25)
    c = settle("min", -2e-9, True, [("lp", -2e-9 - 1e-19)], scale=1e-9)
    assert c.status == "optimal" and c.bound == -2e-9
    # a back end's proof with a bound leaving room beyond the side tolerance of the scale is refused
    with pytest.raises(BoundViolation):
        settle("max", 2e-9, True, [("lp", 3e-9)], proven_optimal=True, prover="milp", scale=1e-9)
    c = settle("max", 2e-9, True, [("lp", 3e-9)], proven_optimal=True, prover="milp")
    assert c.status == "optimal" and c.proved_by == "milp"
    c = settle("max", 2e-9, True, [("lp", 2e-9 + 1e-16)], proven_optimal=True, prover="milp", scale=1e-9)
    assert c.status == "optimal" and c.proved_by == "milp"  # within 1e-6 of the scale: noise
    # a bound on the wrong side of a tiny objective is a violation on its scale, kept as noise on the default one
    with pytest.raises(BoundViolation):
        settle("max", 3e-9, True, [("lp", 3e-9 - 1e-12)], scale=1e-9)
    with pytest.raises(BoundViolation):
        settle("min", 3e-9, True, [("lp", 3e-9 + 1e-12)], scale=1e-9)
    assert settle("max", 3e-9, True, [("lp", 3e-9 - 1e-12)]).status == "optimal"
    monkeypatch.setattr(status_mod, "STRICT", False)
    c = settle("max", 3e-9, True, [("lp", 3e-9 - 1e-12)], scale=1e-9)
    assert c.status == "feasible" and c.bound is None and len(c.warnings) == 1


def test_settle_side_and_meet_edges_on_a_large_objective():
    obj = 1e6  # side tolerance 1, meet tolerance 1e-3
    assert settle("max", obj, True, [("b", obj + 5e-4)]).status == "optimal"
    c = settle("max", obj, True, [("b", obj + 2e-3)])
    assert c.status == "feasible" and c.bound == obj + 2e-3
    assert settle("min", obj, True, [("b", obj + 0.5)]).status == "optimal"  # wrong side by less than 1: noise
    with pytest.raises(BoundViolation):
        settle("min", obj, True, [("b", obj + 2.0)])
    assert settle("max", obj, True, [("b", obj + 0.9)], proven_optimal=True).status == "optimal"
    with pytest.raises(BoundViolation):
        settle("max", obj, True, [("b", obj + 1.5)], proven_optimal=True)


def test_settle_needs_a_feasible_incumbent_and_skips_only_the_non_finite_bounds():
    # an infeasible solution's objective is no incumbent: nothing is proven, whatever bound meets it
    for sense in ("min", "max"):
        c = settle(sense, 10.0, False, [("lp", 10.0)])
        assert c.status == "unknown" and c.gap is None and c.proved_by is None
    with pytest.raises(BoundViolation):
        settle("max", 10.0, False, [("lp", 10.0)], proven_optimal=True)
    # a non-finite or missing bound is skipped, and the ones after it are still read
    for bad in (math.inf, -math.inf, math.nan, None):
        c = settle("max", 10.0, True, [("a", bad), ("b", 10.0)])
        assert c.status == "optimal" and c.proved_by == "bound", bad
        c = settle("min", 10.0, True, [("a", bad), ("b", 8.0)])
        assert c.status == "feasible" and c.bound == 8.0 and c.gap == pytest.approx(0.2), bad
    # a proof without any bound stands
    c = settle("min", 10.0, True, [], proven_optimal=True, prover="cp-sat")
    assert c.status == "optimal" and c.proved_by == "cp-sat"


@pytest.mark.parametrize("sense,bound,words", [("max", 9.0, "below the objective 10 of a maximisation"),
                                                ("min", 11.0, "above the objective 10 of a minimisation")])
def test_a_dropped_bound_names_its_side_and_the_sense(monkeypatch, sense, bound, words):
    monkeypatch.setattr(status_mod, "STRICT", False)
    c = settle(sense, 10.0, True, [("lp", bound)])
    assert c.bound is None and len(c.warnings) == 1 and words in c.warnings[0], c.warnings


def test_coefficient_scale():
    assert coefficient_scale(np.array([0.5, -0.7]), np.array([0.1])) == 0.7
    assert coefficient_scale(np.array([[1e-9, -2e-9]])) == 2e-9
    assert coefficient_scale(np.array([0.5]), np.array([-3.0])) == 1.0
    assert coefficient_scale(np.array([1.0])) == 1.0
    assert coefficient_scale(np.zeros(3)) == 1.0
    assert coefficient_scale(np.array([]), np.array([0.25])) == 0.25
    assert coefficient_scale() == 1.0


class _P:
    def __init__(self, value):
        self.value = value

    def objective_scale(self):
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


def test_objective_scale_accepts_only_numbers_in_zero_to_one():
    assert objective_scale(_P(0.25)) == 0.25
    assert objective_scale(_P(1.0)) == 1.0
    assert objective_scale(_P(1e-200)) == 1e-200
    for bad in (0.0, -0.5, 1.5, math.nan, math.inf, "x", None, ValueError("no"), TypeError("no")):
        assert objective_scale(_P(bad)) == 1.0
    assert objective_scale(object()) == 1.0
