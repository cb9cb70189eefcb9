"""Garbage given to the public Python API: every bad input gives a combopt error (or, for ``evaluate``, an infeasible
evaluation) whose message says what was expected, never a TypeError / ValueError / OverflowError from inside numpy.

``combopt.evaluate`` answers every solution (documented in :func:`combopt.api.evaluate`): a solution of the wrong
form is infeasible, without an objective, with a violation naming the form the kind expects; it raises only for a
``problem`` that is not a problem. The constructors and ``figure`` raise :class:`ParameterError`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError, ParameterError
from combopt.models.qubo import QUBO
from combopt.problems.coupling.model import make_problem

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[1]

GARBAGE = [
    None, "abc", 3.5, 7, True, [[1, 2], [3]], {"a": 1}, {"a": {"b": {"c": [1, 2]}}}, [1.5, 2], [-1], [10**30],
    [10**5000], [True, False], float("nan"), [float("nan")], [float("inf")], [None], ["a", "b"], [{"a": 1}],
    np.zeros((2, 3)), np.array(["x", "y"]), np.array([1 + 2j]), np.array([0.5]), np.array([1e300]), b"abc",
]


@pytest.fixture(scope="module")
def problems() -> dict:
    return {
        "mis": combopt.read(DATA / "johnson8-2-4.clq", "mis"),
        "clique": combopt.read(DATA / "johnson8-2-4.clq", "clique"),
        "maxcut": combopt.read(DATA / "maxcut" / "torus4x5.rud"),
        "ebim": make_problem("ebim", [[0.5, 0.25, 0.25]], rate=1.0),
        "mec": make_problem("mec", [[0.5, 0.5], [0.25, 0.75]]),
        "mecb": make_problem("mecb", [[0.5, 0.5], [0.25, 0.75]], rate=1.0),
        "tsp": combopt.read(DATA / "tsp" / "burma14.tsp"),
        "mdkp": combopt.read(str(DATA / "mdkp" / "mknap1.txt") + "#0"),
        "qubo": combopt.read(DATA / "qubo" / "bqp50_1.txt"),
        "rcpsp": combopt.read(DATA / "rcpsp" / "j301_1.sm"),
    }


# ------------------------------------------------------------------------------------------------ evaluate
@pytest.mark.parametrize("kind", ["mis", "clique", "maxcut", "ebim", "mec", "mecb", "tsp", "mdkp", "qubo", "rcpsp"])
def test_evaluate_answers_every_garbage_solution_as_infeasible(problems, kind):
    p = problems[kind]
    for bad in GARBAGE:
        ev = combopt.evaluate(p, bad)
        assert not ev.feasible and ev.objective is None and ev.violations, (kind, bad, ev)
        assert all(isinstance(v, str) and len(v) < 400 for v in ev.violations), (kind, bad, ev)


@pytest.mark.parametrize("kind", ["mis", "clique", "maxcut"])
@pytest.mark.parametrize(("bad", "needle"), [
    (None, "the solution is None; expected a flat list of vertex indices"),
    ("abc", "the solution is a str 'abc'; expected a flat list of vertex indices"),
    (3.5, "the solution is a float 3.5, not a list"),
    ([[1, 2], [3]], "not a flat list of numbers"),
    ({"a": 1}, "the solution is a dict"),
    ([1.5, 2], "vertex index 1.5 is not an integer"),
    ([-1], "vertex index out of range 0.."),
    ([10**30], "vertex index out of range 0.."),
    ([True, False], "the solution holds booleans"),
    (float("nan"), "the solution is a float nan"),
    ([float("nan")], "vertex index nan is not a finite number"),
    ([None], "vertex index None is not an integer"),
    (np.zeros((2, 3)), "the solution has shape (2, 3)"),
    (np.array(["x", "y"]), "the solution holds strings"),
])
def test_graph_kinds_name_what_they_expect(problems, kind, bad, needle):
    """mis / clique cast with int64 (3.5 and [1.5, 2] were feasible, None a TypeError, [10**30] an OverflowError);
    maxcut's rounding check raised TypeError on None, strings and objects."""
    ev = combopt.evaluate(problems[kind], bad)
    assert not ev.feasible and ev.objective is None
    assert needle in ev.violations[0], ev.violations


def test_graph_kinds_still_take_index_lists_arrays_and_sets(problems):
    p = problems["maxcut"]
    want = combopt.evaluate(p, [1, 4]).objective
    for same in ([1, 4], (1, 4), np.array([1, 4]), np.array([1.0, 4.0]), {4, 1}, np.array([1, 4], dtype=np.uint8)):
        ev = combopt.evaluate(p, same)
        assert ev.feasible and ev.objective == want, same
    assert combopt.evaluate(problems["mis"], []).feasible


@pytest.mark.parametrize(("bad", "needle"), [
    (None, "encoder: got None; expected the encoder as a Coupling or an array of masses"),
    ("abc", "encoder: got a str 'abc'"),
    (3.5, "encoder: got a single value 3.5"),
    ([[1, 2], [3]], "not a rectangular array of numbers"),
    ({"a": 1}, "encoder: got a dict"),
    ([[0.5, float("nan")], [0.25, 0.25]], "masses must be finite numbers"),
    ([[0.5, -0.1], [0.35, 0.25]], "negative mass -0.1 at cell [0, 1]"),
    ([[True, False]], "the array holds booleans"),
    ([["a", "b"]], "the array holds strings"),
    ([10**30], "the array holds values other than numbers"),
    ([0.5, 0.25, 0.25], "the encoder p(x, t) must have 2 axes (x, t), got 1"),
])
def test_ebim_names_what_it_expects(problems, bad, needle):
    """EBIM converted with np.asarray(dtype=float): a TypeError / ValueError for None, text, dicts and ragged lists,
    and 'cannot reshape array of size 0' for a single number."""
    ev = combopt.evaluate(problems["ebim"], bad)
    assert not ev.feasible and ev.objective is None
    assert needle in ev.violations[0], ev.violations


def test_ebim_dense_encoder_still_evaluates(problems):
    ev = combopt.evaluate(problems["ebim"], [[0.5, 0.0], [0.0, 0.25], [0.0, 0.25]])
    assert ev.feasible and ev.objective == pytest.approx(1.0)


def test_evaluate_with_a_non_problem_is_a_parameter_error():
    with pytest.raises(ParameterError, match="evaluate: problem must be a Problem"):
        combopt.evaluate(None, [1])
    with pytest.raises(ParameterError, match="got a str 'mis'"):
        combopt.evaluate("mis", [1])


def test_mecb_with_non_coupling_parts(problems):
    from combopt.problems.coupling.model import MECBSolution

    ev = combopt.evaluate(problems["mecb"], MECBSolution([[0.5]], None))
    assert not ev.feasible and "must be Coupling objects, got list and NoneType" in ev.violations[0]


# ------------------------------------------------------------------------------------------- solution_from_json
def test_maxcut_solution_from_json_beyond_int64_is_out_of_range(problems):
    """[10**30] was an OverflowError building maxcut's int64 array; now it is out of range, in the file's 1-based
    numbering (review 49: the evaluation's 0-based "out of range 0..19" called a vertex 0 in range)."""
    p = problems["maxcut"]
    with pytest.raises(InputError, match=r"vertex 10{30} is out of range 1\.\.20"):
        p.solution_from_json({"solution": [1, 10**30]}, "r.json")


@pytest.mark.parametrize(("kind", "data", "needle"), [
    ("maxcut", {"solution": [1.5]}, "vertex 1.5 is not an integer"),
    ("mis", {"solution": [10**5000]}, "(an integer of about 5000 digits) is not in the graph"),
    ("tsp", {"solution": [10**5000]}, "(an integer of about 5000 digits) is out of range 1..14"),
])
def test_solution_from_json_refuses_huge_and_fractional_numbers(problems, kind, data, needle):
    """10**5000 was a ValueError from str() (mis, tsp)."""
    with pytest.raises(InputError) as e:
        problems[kind].solution_from_json(data, "r.json")
    assert needle in str(e.value)


def test_tomography_solution_from_json_refuses_an_empty_image():
    p = combopt.read(DATA / "dmmv" / "tomo_sl32.toml")
    with pytest.raises(InputError, match="expected 'solution' to be an image"):
        p.solution_from_json({"solution": []}, "r.json")


def test_fir_solution_from_json_refuses_taps_beyond_int64():
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    with pytest.raises(InputError, match="far beyond the integer range"):
        p.solution_from_json({"solution": [10**30] * (p.spec.M + 1)}, "r.json")


# -------------------------------------------------------------------------------------------------- figure
@pytest.fixture(scope="module")
def solved(problems):
    p = problems["mis"]
    return p, combopt.solve(p, "sa", max_iterations=2, seed=0)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"result": None}, "figure: result must be a Result (from combopt.solve) or its JSON record"),
    ({"result": "abc"}, "result must be a Result"),
    ({"result": [1, 2]}, "result must be a Result"),
    ({"path": 5}, "figure: path must be a file name"),
    ({"force": "yes"}, "figure: force must be True or False"),
    ({"result": {"trace": 5}}, "result['trace'] must be a list of [time, objective] pairs"),
    ({"result": {"trace": [[1]]}}, "result['trace'] must be a list of [time, objective] pairs"),
    ({"result": {"trace": [["a", 1]]}}, "one entry is ['a', 1]"),
    ({"result": {"trace": [[0, 1]], "runtime_s": "x"}}, "result['runtime_s'] must be a finite number"),
    ({"result": {"info": []}}, "result['info'] must be a dict"),
    ({"result": {"info": {"iterations": [1, 2]}}}, "result['info']['iterations'] must be a list"),
])
def test_figure_argument_types(solved, kwargs, needle):
    """figure(p, None) was an AttributeError ('NoneType' has no attribute 'get'), a path of 5 a TypeError, a
    record's trace of 5 a TypeError."""
    p, res = solved
    args = {"result": res, **kwargs}
    with pytest.raises(ParameterError) as e:
        combopt.figure(p, **args)
    assert needle in str(e.value)


def test_figure_of_a_non_problem(solved):
    _, res = solved
    with pytest.raises(ParameterError, match="figure: problem must be a Problem"):
        combopt.figure(None, res)


def test_figure_of_a_garbage_solution_draws_the_progress(solved):
    p, res = solved
    for bad in ("abc", [10**30], {"a": 1}):
        assert combopt.figure(p, res, solution=bad).axes[0].get_xlabel() == "time [s]"


def test_figure_of_a_result_of_another_problem(problems):
    """A TSP result drawn on an RCPSP problem was a raw numpy ValueError inside the Gantt chart; a result of another
    instance of the same kind is evaluated on the problem given (here infeasible: drawn as the progress)."""
    tsp = combopt.solve(problems["tsp"], max_iterations=5, seed=0)
    rcpsp = combopt.read(DATA / "rcpsp" / "j301_1.sm")
    with pytest.raises(ParameterError, match="figure: the result is of a tsp problem .burma14., the problem given is "
                                             "rcpsp"):
        combopt.figure(rcpsp, tsp)
    other = combopt.read(DATA / "tsp" / "gr17.tsp")  # 17 cities: burma14's 14-city tour is no tour of it
    assert not combopt.evaluate(other, tsp.solution).feasible
    assert combopt.figure(other, tsp).axes[0].get_xlabel() == "time [s]"


def test_figure_from_a_result_record_still_draws(solved):
    p, res = solved
    rec = json.loads(res.to_json())  # the record `combopt solve --out` writes
    assert combopt.figure(p, rec, solution=res.solution).axes[0].get_xlabel() == "time [s]"


def test_figure_of_a_coupling_with_a_garbage_solution_falls_back(problems):
    p = problems["ebim"]
    res = combopt.solve(p, seed=0)
    assert combopt.figure(p, res, solution="abc").axes[0].get_xlabel() == "time [s]"


# ----------------------------------------------------------------------------------------------- QUBO.from_dicts
@pytest.mark.parametrize(("linear", "quadratic", "needle"), [
    ({}, {(0, 1, 2): 1.0}, "quadratic key (0, 1, 2) is not a pair (i, j)"),
    ({}, {(0,): 1.0}, "quadratic key (0,) is not a pair (i, j)"),
    ({}, {"ab": 1.0}, "quadratic key 'ab' is not a pair (i, j)"),
    ({}, {None: 1.0}, "quadratic key None is not a pair (i, j)"),
    ({"a": 1.0}, {}, "linear key 'a': variable index 'a' is not an integer"),
    ({1.5: 1.0}, {}, "linear key 1.5: variable index 1.5 is not an integer"),
    ({None: 1.0}, {}, "linear key None: variable index None is not an integer"),
    ({}, {(0, 1.5): 1.0}, "quadratic key (0, 1.5): variable index 1.5 is not an integer"),
    ({}, {(0, -3): 1.0}, "quadratic key (0, -3): variable index -3 out of range"),
    ({True: 1.0}, {}, "variable index True is not an integer"),
    ({0: "x"}, {}, "linear[0] = 'x' is not a number"),
    ({0: None}, {}, "linear[0] = None is not a number"),
    ({0: float("nan")}, {}, "linear[0] = nan is not a finite number"),
    ({}, {(0, 1): float("inf")}, "quadratic[(0, 1)] = inf is not a finite number"),
    ({0: 10**400}, {}, "linear[0] = (an integer of about 400 digits) is not a finite number"),
    ({0: [1]}, {}, "linear[0] = [1] is not a number"),
    (None, {}, "linear must be a dict, got None"),
    ({}, [((0, 1), 1.0)], "quadratic must be a dict, got a list"),
])
def test_qubo_from_dicts_malformed(linear, quadratic, needle):
    """Strings and None were a TypeError / ValueError from int(), a 3-tuple a ValueError from unpacking, 1.5
    silently became variable 1, NaN reached the constructor's generic message."""
    with pytest.raises(ParameterError) as e:
        QUBO.from_dicts(linear, quadratic)
    assert needle in str(e.value)


@pytest.mark.parametrize(("linear", "quadratic", "needle"), [
    ({}, {(0, 10**12): 1.0}, "key (0, 1000000000000) (variable index 1000000000000"),
    ({10**12: 1.0}, {}, "key 1000000000000 (variable index 1000000000000"),
    ({}, {(0, 10**5000): 1.0}, "(an integer of about 5000 digits)"),
])
def test_qubo_from_dicts_huge_index_is_checked_against_the_memory_limit(linear, quadratic, needle):
    """{(0, 10**12): 1.0} allocated np.zeros(10**12 + 1) (a MemoryError, or swapping); 10**5000 an OverflowError."""
    with pytest.raises(ParameterError) as e:
        QUBO.from_dicts(linear, quadratic)
    assert needle in str(e.value) and "more than the memory limit" in str(e.value)


def test_qubo_from_dicts_n_is_checked():
    with pytest.raises(ParameterError, match="n must be a non-negative integer"):
        QUBO.from_dicts({0: 1.0}, {}, n=1.5)
    with pytest.raises(ParameterError, match="n=10000000000000 variables needs about"):
        QUBO.from_dicts({0: 1.0}, {}, n=10**13)
    with pytest.raises(ParameterError, match="key 7: variable index 7 out of range: expected indices 0..4"):
        QUBO.from_dicts({0: 1.0, 7: 1.0}, {}, n=5)


def test_qubo_from_dicts_still_takes_numpy_scalars():
    q = QUBO.from_dicts({np.int64(0): np.float64(-1.0)}, {(np.int32(0), np.int64(1)): np.float32(2.0)})
    assert q.n == 2 and q.evaluate([1, 0]).objective == -1.0


# ------------------------------------------------------------------------------------------------ read / solve
@pytest.mark.parametrize("bad", [None, 5, b"abc", ["a"]])
def test_read_of_a_non_path(bad):
    with pytest.raises(ParameterError, match="read: path must be a file name"):
        combopt.read(bad)


def test_read_with_a_non_string_kind():
    with pytest.raises(ParameterError, match="read: kind must be a problem kind name"):
        combopt.read(DATA / "johnson8-2-4.clq", 5)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"seed": True}, "seed must be a non-negative integer, got True"),
    ({"time_limit": True}, "time_limit must be a positive, finite number"),
    ({"time_limit": 10**400}, "time_limit must be a positive, finite number"),
    ({"target": 10**400}, "target must be a finite number, got (an integer of about 400 digits)"),
    ({"max_iterations": True}, "max_iterations must be a positive integer, got True"),
    ({"no_improvement": False}, "no_improvement must be a positive integer, got False"),
])
def test_solve_refuses_booleans_and_huge_integers(problems, kwargs, needle):
    """True was one second / one iteration; target=10**400 an OverflowError from float()."""
    with pytest.raises(ParameterError) as e:
        combopt.solve(problems["mis"], "sa", **kwargs)
    assert needle in str(e.value)


def test_complex_images_and_matrices_are_not_cut_to_their_real_parts(tmp_path):
    """tomography and dag evaluate cast with float64: a complex array passed as its real part (numpy only warned)."""
    import warnings

    from combopt.generators.dag import generate_dag

    tomo = combopt.read(REPO / "examples" / "dmmv" / "tomo_sl32.toml")
    dag = generate_dag(d=5, edges_per_node=1, n=50, seed=0)
    for p, good in ((tomo, np.asarray(tomo.construct(), dtype=np.float64)), (dag, np.zeros((5, 5)))):
        assert combopt.evaluate(p, good).feasible
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no ComplexWarning either
            ev = combopt.evaluate(p, good.astype(complex))
        assert not ev.feasible and ev.objective is None and "real numbers" in ev.violations[0]


def test_plot_iterations_of_a_hand_built_result_says_what_the_rows_need():
    """Rows without 'iteration' raised KeyError."""
    res = combopt.solve(combopt.read(DATA / "tsp" / "gr17.tsp"), "lagrangian", max_iterations=2)
    res.info["iterations"] = [{"bound": 1.0}]
    with pytest.raises(ValueError, match="records of numbers"):
        res.plot_iterations()


def test_a_pasted_value_of_ten_thousand_characters_is_shortened_in_the_error_line(capsys):
    from combopt.cli.app import main

    assert main(["generate", "rcpsp-rcb", "--theme", "x" * 10_000]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--theme must be one of" in err and "(10002 characters)" in err
    assert len(err) < 400
