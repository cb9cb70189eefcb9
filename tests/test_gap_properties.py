"""``relative_gap`` tested directly: values, signs, both senses, and a bound on the wrong side.

The gap is ``(objective - bound) / |objective|`` for minimisation and ``(bound - objective) / |objective|``
for maximisation, zero when they meet, positive while the bound is on the right side and negative
when it is on the wrong side: it is never clamped (issue 8), so a bad bound shows instead of
looking like a proof of optimality. The wrong-side tests need the issue-8 fix (kept in this file so
the branches merge cleanly).
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from combopt.core.result import relative_gap

finite = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
# objectives away from zero: at zero the gap is undefined once the bound differs (tested on its own below)
nonzero = finite.filter(lambda v: abs(v) >= 1e-9)


@pytest.mark.parametrize("objective,bound,sense,gap", [
    (100.0, 90.0, "min", 0.10),     # min: bound below the objective
    (100.0, 110.0, "max", 0.10),    # max: bound above the objective
    (-50.0, -60.0, "min", 0.20),    # negative objectives: divide by |objective|
    (-50.0, -40.0, "max", 0.20),
    (3.0, 3.0, "min", 0.0),
    (3.0, 3.0, "max", 0.0),
    (200.0, 150.0, "min", 0.25),
    (16537.0, 16662.5, "max", 125.5 / 16537.0),
])
def test_values_on_the_right_side(objective, bound, sense, gap):
    assert relative_gap(objective, bound, sense) == pytest.approx(gap, rel=1e-12)


def test_zero_objective_uses_a_floor_not_a_division_by_zero():
    g = relative_gap(0.0, -1e-10, "min")
    assert g == pytest.approx(1e-10 / 1e-9)
    assert relative_gap(0.0, 0.0, "max") == 0.0


@pytest.mark.parametrize("bound,sense", [(-0.5, "min"), (0.5, "max"), (0.5, "min"), (-3.0, "max")])
def test_a_bound_away_from_a_zero_objective_has_no_relative_gap(bound, sense):
    # (bound - 0) / 1e-9 gave gaps like 5e8 that read as measurements; the relative gap is undefined there
    assert relative_gap(0.0, bound, sense) is None
    assert relative_gap(1e-12, bound, sense) is None


@pytest.mark.parametrize("objective,bound", [(None, 1.0), (1.0, None), (math.inf, 1.0), (1.0, -math.inf),
                                             (math.nan, 1.0), (1.0, math.nan), (None, None)])
def test_missing_or_non_finite_values_give_none(objective, bound):
    assert relative_gap(objective, bound, "min") is None
    assert relative_gap(objective, bound, "max") is None


@given(objective=nonzero, margin=st.floats(min_value=0.0, max_value=1e9, allow_nan=False))
def test_right_side_gap_is_non_negative_and_exact(objective, margin):
    scale = max(abs(objective), 1e-9)
    gmin = relative_gap(objective, objective - margin, "min")
    gmax = relative_gap(objective, objective + margin, "max")
    assert gmin >= 0 and gmax >= 0
    assert gmin == pytest.approx(((objective - (objective - margin))) / scale, rel=1e-9, abs=1e-12)
    assert gmax == pytest.approx(((objective + margin) - objective) / scale, rel=1e-9, abs=1e-12)


@given(objective=nonzero, bound=finite)
def test_the_two_senses_mirror_each_other(objective, bound):
    gmin = relative_gap(objective, bound, "min")
    gmax = relative_gap(objective, bound, "max")
    scale = max(abs(objective), 1e-9)
    # min measures (objective - bound), max (bound - objective): the two add up to zero
    assert gmin + gmax == pytest.approx(0.0, abs=1e-9 * max(1.0, abs(objective - bound) / scale))


# -- a bound on the wrong side is never hidden (needs the issue-8 fix) -------------------------------------
@pytest.mark.parametrize("objective,bound,sense", [
    (23050.0, -23445.0, "max"),  # the HiGHS sign bug of issue 8: a max bound below the objective
    (23050.0, 23000.0, "max"),
    (100.0, 120.0, "min"),       # a min bound above the objective
    (-5.0, -4.0, "min"),
])
def test_wrong_side_bound_gives_a_negative_gap(objective, bound, sense):
    g = relative_gap(objective, bound, sense)
    assert g is not None and g < 0, f"a bound on the wrong side must not look like a proof (gap {g})"
    diff = (objective - bound) if sense == "min" else (bound - objective)
    assert g == pytest.approx(diff / abs(objective))


@given(objective=nonzero, margin=st.floats(min_value=1e-3, max_value=1e9, allow_nan=False))
def test_wrong_side_is_never_clamped(objective, margin):
    assert relative_gap(objective, objective + margin, "min") < 0
    assert relative_gap(objective, objective - margin, "max") < 0
