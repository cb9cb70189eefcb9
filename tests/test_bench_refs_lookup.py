"""The names a reference file is searched under, and the reference a run is scored against (bench/refs.py).

A wrong name list or lookup scores a run against no reference (no gap, no contradiction) or against
another instance's values; these tests pin the names and the order they are tried in.
"""

from __future__ import annotations

import pytest

from combopt.bench.refs import Reference, contradictions, instance_names, lookup, rounding


@pytest.mark.parametrize("spec,names", [
    ("dir/j301_1.sm", ["j301_1", "j301_1.sm"]),
    ("C125.9.clq", ["C125.9", "C125", "C125.9.clq"]),
    ("a.b.c.d", ["a.b.c", "a.b", "a", "a.b.c.d"]),
    ("noext", ["noext"]),
    (".hidden", [".hidden"]),
    ("f.txt#3", ["f#3", "f.txt#3"]),
    ("dir/mknap1.txt#0", ["mknap1#0", "mknap1.txt#0"]),
    ("x.tar.gz#12", ["x.tar#12", "x#12", "x.tar.gz#12"]),
])
def test_instance_names_longest_stem_first_and_never_the_plain_name_of_a_multi_instance_file(spec, names):
    assert instance_names(spec) == names


def test_lookup_tries_the_problems_own_name_first_then_the_path():
    refs = {"own": Reference(1.0, 1.0), "C125.9": Reference(34.0, 34.0), "C125": Reference(99.0, 99.0),
            "mknap1#2": Reference(4015.0, 4015.0), "mknap1": Reference(5.0, 5.0)}
    assert lookup(refs, "own", "C125.9.clq") == Reference(1.0, 1.0)
    assert lookup(refs, None, "data/C125.9.clq") == Reference(34.0, 34.0)  # the longer stem wins
    assert lookup(refs, "", "data/C125.9.clq") == Reference(34.0, 34.0)
    assert lookup(refs, "unknown", "data/C125.9.clq") == Reference(34.0, 34.0)
    assert lookup(refs, None, "mknap1.txt#2") == Reference(4015.0, 4015.0)
    assert lookup(refs, None, "mknap1.txt#3") is None  # never the file's values for one of its instances
    assert lookup(refs, None, "other.clq") is None
    assert lookup({}, "own", "own.clq") is None


def test_reference_target_is_the_best_known_else_the_optimum():
    assert Reference(10.0, 12.0).target == 12.0
    assert Reference(10.0, None).target == 10.0
    assert Reference(None, 12.0).target == 12.0
    assert Reference(None, None, 5.0).target is None
    assert Reference(0.0, None).target == 0.0  # a zero optimum is a target, not a missing one


def test_rounding_is_half_a_unit_of_the_last_decimal():
    assert rounding(12.5) == pytest.approx(0.05)
    assert rounding(123.456) == pytest.approx(5e-4)
    assert rounding(0.001) == pytest.approx(5e-4)
    assert (rounding(7.0), rounding(1e-5), rounding(1e20), rounding(float("inf"))) == (0.0, 0.0, 0.0, 0.0)


def _row(sense, obj, status="feasible", bound=None, opt=None, best=None, ref_bound=None, feasible=True):
    return {"sense": sense, "objective": obj, "status": status, "bound": bound, "optimum": opt,
            "best_known": best, "reference_bound": ref_bound, "feasible": feasible}


def test_contradictions_slack_is_relative_to_the_reference_and_at_least_absolute():
    # tol 1e-6 of |ref| = 1e6: slack 1; 1.5 better is a contradiction, 0.5 is not
    assert contradictions(_row("min", 1e6 - 0.5, opt=1e6)) == []
    assert contradictions(_row("min", 1e6 - 1.5, opt=1e6)) != []
    assert contradictions(_row("max", 1e6 + 0.5, opt=1e6)) == []
    assert contradictions(_row("max", 1e6 + 1.5, opt=1e6)) != []
    # a reference below 1 in magnitude: the slack is tol * 1, not tol * |ref|
    assert contradictions(_row("min", -0.5e-6, opt=0.0)) == []
    assert contradictions(_row("min", -2e-6, opt=0.0)) == ["objective -2e-06 is better than the reference optimum 0"]
    # a negative reference: the slack uses |ref|
    assert contradictions(_row("min", -1e6 - 0.5, opt=-1e6)) == []
    assert contradictions(_row("min", -1e6 - 1.5, opt=-1e6)) != []


def test_contradictions_with_only_a_best_known_value_or_a_non_finite_bound():
    # the best known value is no proven optimum: a better objective is no contradiction, a bound beyond it is
    assert contradictions(_row("min", 90.0, best=100.0)) == []
    assert contradictions(_row("max", 110.0, best=100.0)) == []
    assert contradictions(_row("min", 120.0, bound=101.0, best=100.0)) == [
        "bound 101 lies above the best known value 100"]
    # the optimum is preferred over a (stale) best known value
    assert contradictions(_row("min", 120.0, bound=101.0, opt=100.0, best=102.0)) == [
        "bound 101 lies above the reference optimum 100"]
    # an infinite bound claims nothing; a status infeasible needs a known value
    assert contradictions(_row("min", 120.0, bound=float("-inf"), opt=100.0)) == []
    assert contradictions(_row("max", 80.0, bound=float("inf"), opt=100.0)) == []
    assert contradictions(_row("min", None, "infeasible", feasible=False, ref_bound=3.0)) == []
    assert contradictions(_row("max", None, "infeasible", feasible=False, best=3.0)) == [
        "status infeasible, but the reference has a feasible value 3"]
    # no sense, no claims that can be judged
    assert contradictions(_row(None, 90.0, bound=200.0, opt=100.0)) == []
    # an objective without a feasible solution (or no objective) claims nothing about the optimum
    assert contradictions(_row("min", None, opt=100.0)) == []
    assert contradictions(_row("min", 90.0, "optimal", opt=100.0, feasible=False)) == []


def test_contradictions_in_a_maximisation_weigh_the_difference_once():
    # slack 1 at |ref| = 1e6: 0.7 above the optimum is within it, 1.3 is not
    assert contradictions(_row("max", 1e6 + 0.7, opt=1e6)) == []
    assert contradictions(_row("max", 1e6 - 5.0, bound=1e6 - 0.7, opt=1e6)) == []
    assert contradictions(_row("max", 1e6 + 1.3, opt=1e6)) != []


def test_contradictions_tolerance_is_at_least_1e_9():
    assert contradictions(_row("min", 1.0 - 5e-10, opt=1.0), tol=0.0) == []
    assert contradictions(_row("min", 1.0 - 5e-9, opt=1.0), tol=0.0) != []


def test_load_reference_errors_name_the_header_line(tmp_path):
    from combopt.bench.refs import load_reference
    from combopt.core.errors import InputError

    f = tmp_path / "refs.csv"
    cases = [("who,optimum\nx,3\n", {}, "expected a CSV header with an 'instance'"),
             ("instance,optimum\nx,3\n", {"optimum": "nope"},
              "optimum column 'nope' not in the header (instance, optimum)"),
             ("instance,optimum\nx,3\n", {"best_known": "bks"}, "best_known column 'bks' not in the header"),
             ("instance,optimum\nx,3\n", {"bound": "lb"}, "bound column 'lb' not in the header"),
             ("instance,size\nx,3\n", {}, "expected a value column")]
    for text, kw, needle in cases:
        f.write_text(text)
        with pytest.raises(InputError) as e:
            load_reference(f, **kw)
        assert e.value.line == 1 and needle in e.value.message, (text, kw, str(e.value))


def test_contradictions_at_exactly_the_slack_are_no_contradiction():
    # reference 0: the slack is exactly tol * 1 = 1e-6, and a run exactly that much better is level with it
    assert contradictions(_row("min", -1e-6, opt=0.0)) == []
    assert contradictions(_row("max", 1e-6, opt=0.0)) == []
    assert contradictions(_row("min", 5.0, bound=1e-6, opt=0.0)) == []


def test_load_reference_keeps_rows_with_any_value_and_skips_empty_ones(tmp_path):
    from combopt.bench.refs import load_reference

    f = tmp_path / "refs.csv"
    f.write_text("instance,optimum,best_known,bound\n"
                 "both,10,12,\n"
                 ",1,1,1\n"
                 "opt_only,7,,\n"
                 "empty,,,\n"
                 "best_only,,5,\n"
                 "bound_only,,,3\n")
    refs = load_reference(path=f)  # the path may be passed by name
    # a row without a name or without any value is skipped, and the rows after it are still read
    assert refs == {"both": Reference(10.0, 12.0, None), "opt_only": Reference(7.0, 7.0, None),
                    "best_only": Reference(None, 5.0, None), "bound_only": Reference(None, None, 3.0)}


def test_load_reference_without_a_value_column_names_the_columns_it_looks_for(tmp_path):
    from combopt.bench.refs import BEST_KNOWN_COLUMNS, OPTIMUM_COLUMNS, load_reference
    from combopt.core.errors import InputError

    f = tmp_path / "refs.csv"
    f.write_text("instance,bound\nx,3\n")
    with pytest.raises(InputError, match="expected a value column: one of optimum, optimal") as e:
        load_reference(f)
    assert ", ".join(OPTIMUM_COLUMNS + BEST_KNOWN_COLUMNS) in str(e.value)


def test_load_reference_size_limit_is_inclusive(tmp_path, monkeypatch):
    from combopt.bench import refs as refs_mod
    from combopt.core.errors import InputError

    f = tmp_path / "refs.csv"
    f.write_text("instance,optimum\nx,3\n")
    monkeypatch.setattr(refs_mod, "MAX_REFERENCE_BYTES", f.stat().st_size)
    assert refs_mod.load_reference(f) == {"x": Reference(3.0, 3.0, None)}  # a file of exactly the limit is read
    monkeypatch.setattr(refs_mod, "MAX_REFERENCE_BYTES", f.stat().st_size - 1)
    with pytest.raises(InputError, match="larger than"):
        refs_mod.load_reference(f)
