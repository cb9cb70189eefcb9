"""``check_claims`` called directly (no solver run, no CLI): each claim a result makes, at the edges of its tolerance.

A toy problem makes every case exact: a solution is a number, its objective is the number itself and it is
feasible when it is not negative. The instance may carry a witness (``known``), and ``construct`` gives
another feasible solution (or fails). The real instances at the end check the wording the CLI prints.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import combopt
from combopt.core.claims import STATUSES, check_claims, check_claims_without_solution, evaluate_finite
from combopt.core.errors import CombOptError
from combopt.core.problem import Evaluation

DATA = Path(__file__).parent / "data"


class Toy:
    kind = "toy"

    def __init__(self, sense="min", known=None, constructed=None, scale=1.0):
        self.sense, self._known, self._constructed, self._scale = sense, known, constructed, scale

    def evaluate(self, x):
        x = float(x)
        return Evaluation(x, x >= 0, [] if x >= 0 else ["negative"])

    def known_solution(self):
        return self._known

    def construct(self):
        if self._constructed is None:
            raise CombOptError("no construction")
        return self._constructed

    def objective_scale(self):
        return self._scale

    def solution_claims(self, data):
        return []


def claims(problem, data, x=None, **kw):
    ev = evaluate_finite(problem, x) if x is not None else Evaluation(None, False, [])
    return check_claims(problem, data, ev, **kw)


# ---------------------------------------------------------------------------------------------- evaluate_finite


class Weird(Toy):
    def __init__(self, value):
        super().__init__()
        self.value = value

    def evaluate(self, x):
        return Evaluation(self.value, True, ["first"])


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, None])
def test_evaluate_finite_never_calls_a_non_finite_objective_feasible(value):
    ev = evaluate_finite(Weird(value), 0)
    assert ev.feasible is False
    assert ev.violations[0] == "first" and len(ev.violations) == 2
    assert ev.violations[1].startswith(f"the objective is {value!r}, not a finite number")


def test_evaluate_finite_passes_a_finite_objective_through():
    assert evaluate_finite(Weird(3.5), 0) == Evaluation(3.5, True, ["first"])
    assert evaluate_finite(Toy(), -2) == Evaluation(-2.0, False, ["negative"])


# ---------------------------------------------------------------------------------------------- kind, sense, data


def test_a_result_that_is_not_a_dict_makes_no_claims():
    assert claims(Toy(), [1, 2, 3], 5) == []
    assert claims(Toy(), None, 5) == []


def test_kind_and_sense_claims_and_their_wording():
    assert claims(Toy(), {"problem": "toy", "sense": "min"}, 5) == []
    assert claims(Toy(), {"problem": "tsp"}, 5) == [
        "problem: the result is for 'tsp', but the instance file makes this a 'toy' instance "
        "(pass --kind tsp to check it as one)"]
    assert claims(Toy(), {"problem": "tsp"}, 5, kind_given=True)[0].startswith(
        "problem: the result is for 'tsp', but --kind makes this")
    assert claims(Toy("min"), {"sense": "max"}, 5) == [
        "sense: the result claims 'max', the toy instance is a minimisation ('min')"]
    assert claims(Toy("max"), {"sense": "min"}, 5) == [
        "sense: the result claims 'min', the toy instance is a maximisation ('max')"]


# ---------------------------------------------------------------------------------------------- feasible


def test_feasible_claims():
    assert claims(Toy(), {"feasible": True}, 5) == []
    assert claims(Toy(), {"feasible": False}, -5) == []
    assert claims(Toy(), {"feasible": False}, 5) == ["feasible: the result claims False, the solution is feasible"]
    assert claims(Toy(), {"feasible": True}, -5) == ["feasible: the result claims True, the solution is infeasible"]
    for v in ("yes", 1, 0, None):
        assert claims(Toy(), {"feasible": v}, 5) == [f"feasible: {v!r} is not true or false"]


# ---------------------------------------------------------------------------------------------- objective


def test_objective_claims_within_and_beyond_the_meet_tolerance():
    assert claims(Toy(), {"objective": 5}, 5) == []
    assert claims(Toy(), {"objective": 5.0}, 5) == []
    # 1e-9 relative (at least 1e-9 absolute below |objective| 1) is the same objective; twice that is not
    assert claims(Toy(), {"objective": 1e6 + 5e-4}, 1e6) == []
    assert claims(Toy(), {"objective": 1e6 + 2e-3}, 1e6) == [
        "objective: the result claims 1e+06, the solution's objective is 1e+06"]
    assert claims(Toy(), {"objective": 1e6 - 2e-3}, 1e6) != []
    assert claims(Toy(), {"objective": 0.5 + 5e-10}, 0.5) == []
    assert claims(Toy(), {"objective": 0.5 + 2e-9}, 0.5) != []
    assert claims(Toy(), {"objective": 5e-13}, 0) == []
    assert claims(Toy(), {"objective": 1e-9}, 0) == []  # exactly the tolerance is still the same objective
    assert claims(Toy(), {"objective": 4}, 5) == ["objective: the result claims 4, the solution's objective is 5"]


def test_objective_claims_of_an_infeasible_solution_and_a_missing_objective():
    # the solution's objective is still compared when the evaluation gives one
    assert claims(Toy(), {"objective": -3}, -3) == []
    assert claims(Toy(), {"objective": -4}, -3) == ["objective: the result claims -4, the solution's objective is -3"]
    assert claims(Weird(math.nan), {"objective": 3}, 0) == [
        "objective: the result claims 3, the solution has no objective (first)"]
    assert claims(Toy(), {"objective": 3}) == ["objective: the result claims 3, the solution has no objective "
                                               "(infeasible)"]
    # null objective: a claim of none, refuted by a feasible solution only
    assert claims(Toy(), {"objective": None}, 5) == ["objective: the result claims none, the solution's objective is 5"]
    assert claims(Toy(), {"objective": None}, -5) == []
    assert claims(Toy(), {}, 5) == []


@pytest.mark.parametrize("value,line", [
    (True, "objective: the result claims True, which is not a finite number"),
    ("5", "objective: the result claims '5', which is not a finite number"),
    (10 ** 400, "objective: the result claims an integer beyond the range of a float (about 1.8e308)"),
    (math.inf, "objective: the result claims inf, which is not a finite number"),
])
def test_an_objective_that_is_no_finite_number_is_one_mismatch(value, line):
    assert claims(Toy(), {"objective": value}, 5) == [line]


# ---------------------------------------------------------------------------------------------- bound


@pytest.mark.parametrize("sense,good,edge,bad", [
    ("min", 4.0, 1000.0 + 5e-4, 1000.0 + 2e-3),
    ("max", 1e4, 1000.0 - 5e-4, 1000.0 - 2e-3),
])
def test_bound_side_with_the_side_tolerance(sense, good, edge, bad):
    p = Toy(sense)
    assert claims(p, {"bound": 1000.0}, 1000) == []  # at the objective
    assert claims(p, {"bound": good if sense == "max" else 4.0}, 1000) == []
    assert claims(p, {"bound": edge}, 1000) == []  # 1e-6 relative: numerical noise
    got = claims(p, {"bound": bad}, 1000)
    side, word, most = ("above", "minimisation", "at most") if sense == "min" else ("below", "maximisation", "at least")
    assert got == [f"bound: the result claims {bad:g}, {side} the solution's objective 1000 "
                   f"(a {word} bound must be {most} every feasible objective)"]


def test_bound_side_tolerance_scales_with_the_problems_objective_scale():
    # objective 1e-9 with coefficients of scale 1e-9: a bound 1e-10 beyond it is wrong, not noise
    assert claims(Toy("max", scale=1e-9), {"bound": 0.9e-9}, 1e-9) != []
    assert claims(Toy("max", scale=1.0), {"bound": 0.9e-9}, 1e-9) == []


def test_a_bound_is_not_checked_against_an_infeasible_solution():
    assert claims(Toy("min"), {"bound": 0.0}, -5) == []


# ---------------------------------------------------------------------------------------------- status


def test_status_values():
    assert STATUSES == ("optimal", "feasible", "infeasible", "unbounded", "unknown")
    assert claims(Toy(), {"status": None}, 5) == [
        "status: null is not one of optimal, feasible, infeasible, unbounded, unknown"]
    assert claims(Toy(), {"status": "solved"}, 5) == [
        "status: 'solved' is not one of optimal, feasible, infeasible, unbounded, unknown"]
    assert claims(Toy(), {"status": 3}, 5) == [
        "status: 3 is not one of optimal, feasible, infeasible, unbounded, unknown"]
    assert claims(Toy(), {"status": "feasible"}, 5) == []
    assert claims(Toy(), {"status": "feasible"}, -5) == ["status: the result claims feasible, but the solution is "
                                                         "infeasible"]
    assert claims(Toy(), {"status": "unknown"}, -5) == []
    assert claims(Toy(), {"status": "unknown"}, 5) == [
        "status: the result claims unknown (no feasible solution), but its solution is feasible (objective 5)"]
    for s in ("infeasible", "unbounded"):
        assert claims(Toy(), {"status": s}, -5) == []
        assert claims(Toy(), {"status": s}, 5) == [
            f"status: the result claims the problem {s}, but its solution is feasible (objective 5)"]


@pytest.mark.parametrize("sense", ["min", "max"])
def test_optimal_needs_a_feasible_solution_and_a_bound_that_meets_it(sense):
    p = Toy(sense)
    assert claims(p, {"status": "optimal", "bound": 1000.0}, 1000) == []
    assert claims(p, {"status": "optimal", "bound": 1000.0 + (-1 if sense == "min" else 1) * 5e-7}, 1000) == []
    far = 1000.0 + (-1 if sense == "min" else 1) * 2e-6
    assert claims(p, {"status": "optimal", "bound": far}, 1000) == [
        f"status: the result claims optimal, but its bound {far:g} does not equal the solution's objective 1000"]
    assert claims(p, {"status": "optimal"}, 1000) == [
        "status: the result claims optimal without a bound to prove it (objective 1000)"]
    assert claims(p, {"status": "optimal", "bound": 0.0}, -5) == [
        "status: the result claims optimal, but the solution is infeasible"]


# ---------------------------------------------------------------------------------------------- gap


def test_gap_claims():
    p = Toy("min")
    assert claims(p, {"bound": 800.0, "gap": 0.2}, 1000) == []
    assert claims(p, {"bound": 800.0, "gap": 0.2 + 5e-7}, 1000) == []
    assert claims(p, {"bound": 800.0, "gap": 0.2 + 2e-6}, 1000) == [
        "gap: the result claims 0.200002, the bound 800 and the solution's objective 1000 give 0.2"]
    assert claims(p, {"bound": 800.0, "gap": 0.2 - 2e-6}, 1000) != []
    assert claims(p, {"bound": 800.0, "gap": 0.2 + 1.5e-6}, 1000) != []  # below 1, the tolerance is 1e-6
    # a gap of many units: the tolerance is relative to it
    assert claims(p, {"bound": -2000.0, "gap": 3.0 + 2e-6}, 1000) == []
    assert claims(p, {"bound": -2000.0, "gap": 3.0 + 1e-5}, 1000) != []
    assert claims(Toy("max"), {"bound": 1200.0, "gap": 0.2}, 1000) == []
    assert claims(p, {"gap": 0.2}, 1000) == ["gap: the result claims 0.2 without a bound"]
    assert claims(p, {"bound": 1000.0, "gap": 1e-6}, 1000) == []  # exactly the tolerance off a zero gap
    assert claims(p, {"bound": 800.0, "gap": 0.2}, -5) == []  # no objective to check it against
    assert claims(p, {"gap": 0.2}, -5) == ["gap: the result claims 0.2 without a bound"]


# ---------------------------------------------------------------------------------------------- the witness


def test_the_instances_witness_refutes_infeasible_and_wrong_side_bounds():
    p = Toy("min", known=100, constructed=500)
    assert claims(p, {"status": "infeasible"}, -5) == [
        "status: the result claims the problem infeasible, but the instance's own witness solution is feasible "
        "(objective 100)"]
    assert claims(p, {"status": "unbounded"}, -5)[0].startswith("status: the result claims the problem unbounded")
    assert claims(p, {"bound": 150.0}, -5) == [
        "bound: the result claims 150, above the objective 100 of the instance's own witness solution"]
    assert claims(p, {"bound": 100.0}, -5) == []
    assert claims(p, {"bound": 90.0, "status": "feasible"}, -5) == [
        "status: the result claims feasible, but the solution is infeasible"]
    assert claims(Toy("max", known=100), {"bound": 50.0}, -5) == [
        "bound: the result claims 50, below the objective 100 of the instance's own witness solution"]
    # with a feasible solution its own status line is the one reported, once
    assert claims(p, {"status": "infeasible"}, 7) == [
        "status: the result claims the problem infeasible, but its solution is feasible (objective 7)"]


def test_without_a_witness_the_construction_refutes_and_an_infeasible_one_proves_nothing():
    p = Toy("min", constructed=300)
    assert claims(p, {"status": "infeasible"}, -5) == [
        "status: the result claims the problem infeasible, but a solution combopt constructs for the instance is "
        "feasible (objective 300)"]
    assert claims(Toy("min", constructed=-300), {"status": "infeasible", "bound": 1e9}, -5) == []
    assert claims(Toy("min"), {"status": "infeasible", "bound": 1e9}, -5) == []  # construct fails: no witness
    assert claims(Toy("min", known=-1, constructed=300), {"status": "infeasible"}, -5) == []  # the witness wins


def test_a_result_without_a_solution():
    p = Toy("min", constructed=300)
    assert check_claims_without_solution(p, {"status": "unknown", "problem": "toy", "sense": "min"}) == []
    assert check_claims_without_solution(p, {"status": None, "feasible": False, "objective": None, "gap": None}) == []
    assert check_claims_without_solution(p, {"status": "solved"}) == [
        "status: 'solved' is not one of optimal, feasible, infeasible, unbounded, unknown"]
    for s in ("optimal", "feasible"):
        assert check_claims_without_solution(p, {"status": s}) == [
            f"status: the result claims {s}, but it holds no solution"]
    assert check_claims_without_solution(p, {"feasible": True}) == [
        "feasible: the result claims True, but it holds no solution"]
    assert check_claims_without_solution(p, {"objective": 3, "gap": 0.5}) == [
        "objective: the result claims 3, but it holds no solution",
        "gap: the result claims 0.5, but it holds no solution"]
    assert check_claims_without_solution(p, {"bound": "x"}) == [
        "bound: the result claims 'x', which is not a finite number"]
    assert check_claims_without_solution(p, {"bound": 250.0}) == []
    assert check_claims_without_solution(p, {"bound": 350.0}) == [
        "bound: the result claims 350, above the objective 300 of a solution combopt constructs for the instance"]
    assert check_claims_without_solution(p, {"problem": "tsp"}) == [
        "problem: the result is for 'tsp', but the instance file makes this a 'toy' instance "
        "(pass --kind tsp to check it as one)"]
    assert check_claims_without_solution(p, {"sense": "max", "problem": "tsp"}, kind_given=True) == [
        "problem: the result is for 'tsp', but --kind makes this a 'toy' instance (pass --kind tsp to check it as one)",
        "sense: the result claims 'max', the toy instance is a minimisation ('min')"]


# ---------------------------------------------------------------------------------------------- real instances


def test_a_tour_and_a_clique_with_every_claim_at_once():
    tsp = combopt.read(DATA / "tsp" / "burma14.tsp")
    ev = evaluate_finite(tsp, tsp.construct())
    assert ev.feasible and ev.objective == 3371
    data = {"problem": "tsp", "sense": "min", "feasible": True, "objective": 3371, "bound": 3323.0,
            "gap": (3371 - 3323) / 3371, "status": "feasible"}
    assert check_claims(tsp, data, ev) == []
    assert check_claims(tsp, {**data, "status": "optimal"}, ev) == [
        "status: the result claims optimal, but its bound 3323 does not equal the solution's objective 3371"]
    assert check_claims(tsp, {**data, "bound": 3400.0, "gap": None}, ev) == [
        "bound: the result claims 3400, above the solution's objective 3371 (a minimisation bound must be at most "
        "every feasible objective)",
        "bound: the result claims 3400, above the objective 3371 of a solution combopt constructs for the instance"]
    clique = combopt.read(DATA / "johnson8-2-4.clq")
    ev = evaluate_finite(clique, clique.construct())
    assert ev.feasible and ev.objective == 4
    assert check_claims(clique, {"sense": "max", "objective": 4, "bound": 4.0, "gap": 0.0, "status": "optimal"},
                        ev) == []
    assert check_claims(clique, {"bound": 3.5}, ev) == [
        "bound: the result claims 3.5, below the solution's objective 4 (a maximisation bound must be at least every "
        "feasible objective)",
        "bound: the result claims 3.5, below the objective 4 of a solution combopt constructs for the instance"]
