"""Errors found after a file is read (a check across items of an RCPSP JSON file, a marginal's sum, a negative
probability) name the line of the item, as the errors found while reading do; the JSON walk that finds it."""

from __future__ import annotations

import json
import pickle

import pytest

import combopt
from combopt.core.errors import InputError
from combopt.core.jsonpos import line_of, parse_where


def test_line_of_walks_keys_and_indices_and_stops_at_the_deepest_part_that_exists():
    text = '{\n "a": [\n  1,\n  {"b": 2,\n   "c": [3,\n         4]}\n ],\n "a2": "x[1]{"\n}\n'
    assert json.loads(text)  # valid JSON
    assert line_of(text, ()) == 1
    assert line_of(text, ("a",)) == 2
    assert line_of(text, ("a", 0)) == 3
    assert line_of(text, ("a", 1, "c", 1)) == 6
    assert line_of(text, ("a", 1, "missing")) == 4  # the object that lacks it
    assert line_of(text, ("a", 7)) == 2  # no such index: the list
    assert line_of(text, ("a2",)) == 8  # brackets inside a string are text
    dup = '{"k": 1,\n "k": 2}'
    assert json.loads(dup)["k"] == 2 and line_of(dup, ("k",)) == 2  # the last duplicate, as json.loads reads it
    assert line_of("\ufeff{\n\"x\": 1}", ("x",)) == 2
    assert line_of("not json", ("x",)) == 1
    assert parse_where("tasks[3].demands.R") == ("tasks", 3, "demands", "R")


BASE = """{"format": "combopt-rcpsp", "version": 1, "name": "t1",
 "resources": [{"name": "R", "capacity": 2,
   "downtime": [{"start": 1, "end": 3, "capacity": 1}]}],
 "tasks": [{"name": "a", "duration": 3, "demands": {"R": 1}, "successors": ["c"]},
           {"name": "b", "duration": 2, "demands": {"R": 2}},
           {"name": "c", "duration": 2, "demands": {"R": 1}, "deadline": 9}],
 "disjunctive": [["a", "b"]]}
"""


@pytest.mark.parametrize(("old", "new", "line", "says"), [
    ('"start": 1, "end": 3', '"start": 5, "end": 3', 3, "downtime of R must end after it starts"),
    ('"end": 3, "capacity": 1', '"end": 3, "capacity": 3', 3, "downtime capacity of R must lie in 0..2"),
    ('[["a", "b"]]', '[["a", "b"],\n   ["b", "b"]]', 8, "disjunctive pair (b, b) names one task twice"),
    ('"deadline": 9}', '"deadline": 9, "successors": ["a"]}', 4,
     "the precedence relations contain a cycle: a -> c -> a"),
    ('"deadline": 9}', '"deadline": 9, "successors": ["c"]}', 6, "task c is its own successor"),
    ('"deadline": 9', '"release": 8, "deadline": 9', 6, "release 8 + duration 2 exceeds its deadline 9"),
    ('{"name": "b", "duration": 2,', '{"name": "b",', 5, "tasks[1].duration: expected an integer"),
    ('"demands": {"R": 2}}', '"demands": {\n   "R": -2}}', 6, "tasks[1].demands.R: expected an integer"),
])
def test_rcpsp_json_checks_across_items_name_the_line_of_the_item(tmp_path, old, new, line, says):
    assert old in BASE
    f = tmp_path / "t.rcpsp.json"
    f.write_text(BASE.replace(old, new, 1))
    with pytest.raises(InputError) as e:
        combopt.read(f)
    assert e.value.line == line and says in e.value.message, str(e.value)


def test_coupling_errors_name_the_line_of_the_marginal(tmp_path):
    f = tmp_path / "m.coupling.json"
    f.write_text('{\n "marginals": [\n  [0.5, 0.5],\n  [0.7,\n   0.4,\n   -0.1]\n ]\n}\n')
    with pytest.raises(InputError, match="negative entry at position 2") as e:
        combopt.read(f)
    assert e.value.line == 6
    f.write_text('{\n "marginals": [\n  [0.5, 0.5],\n  [0.3, 0.3]\n ],\n "kind":\n  "mecx"\n}\n')
    with pytest.raises(InputError, match="\"kind\" must be one of") as e:
        combopt.read(f)
    assert e.value.line == 7
    f.write_text('{\n "marginals": [\n  [0.5, 0.5],\n  [0.3, 0.3]\n ]\n}\n')
    problem = pickle.loads(pickle.dumps(combopt.read(f)))  # the sums are checked at the solve, maybe elsewhere
    with pytest.raises(InputError, match="marginal 1 sums to 0.6") as e:
        combopt.solve(problem, solver="mec-greedy", time_limit=1)
    assert e.value.line == 4 and e.value.path == str(f)
    c = tmp_path / "m.marginals.csv"
    c.write_text("0.5,0.5\n# a comment\n\n0.3,0.3\n")
    with pytest.raises(InputError, match="marginal 1 sums to 0.6") as e:
        combopt.solve(c, solver="mec-greedy", time_limit=1)
    assert e.value.line == 4


@pytest.mark.parametrize("body, line, says", [
    ('"A": [[1, 2],\n [3, 4]],\n "b": [1, 2],\n "weight": [1, 1],\n "domain": {"lo": 0, "step": 1, "count": 3}', 5,
     "unknown key 'weight'"),
    ('"A": [[1, 2],\n [3, 4]],\n "b": [1, 2],\n "domains": [{"lo": 0, "step": 1, "count": 3},\n'
     ' {"lo": 0, "step": 1, "count": 3, "extra": 1}]', 6, "unknown key 'domains[1].extra'"),
    ('"A": [[1, 2],\n [3, "4"]],\n "b": [1, 2],\n "domain": {"lo": 0, "step": 1, "count": 3}', 3,
     "'A[1][1]' holds \"4\""),
    ('"A": [[1, 2],\n [3, 4]],\n "b": [1, 2],\n "domains": [{"lo": 0, "step": 1, "count": 3},\n'
     ' {"lo": 0, "step": 1}]', 6, "'domains' entry 1 needs"),
    ('"A": [[1, 2],\n [3, 4]],\n "weights": [1, 2, 3],\n "b": [1, 2],\n "domain": {"values": [0, 1]}', 4,
     "'weights' must have 2 entries"),
    ('"A": {"shape": [2, 2],\n "rows": [0], "cols": [0], "values": [1]},\n "b": [1, 2],\n'
     ' "domain": {"lo": 0, "step": 1, "count": 0}', 5, "count"),
    ('"A": [[1, 2],\n [3, 4]],\n "b": [1, 2],\n "domains": [{"values": [0, 1]},\n {"values": []}]', 6,
     "variable 1 has an empty domain"),
    ('"A": [[1, 2],\n [3, 4]],\n "lower": [1, 2],\n "upper": [0, 3],\n "domain": {"values": [0, 1]}', 4,
     "lower <= upper"),
    # a list inside a row of A and a domain's values given as a number were numpy's words without a line
    ('"A": [[1, 2],\n [3, [4]]],\n "b": [1, 2],\n "domain": {"values": [0, 1]}', 3, "'A[1][1]' holds [4]"),
    ('"A": [[1, 2],\n [3, 4]],\n "b": [1, 2],\n "domains": [{"values": [0, 1]},\n {"values": 5}]', 6,
     "'domains[1].values' holds 5; expected a list of numbers"),
    ('"A": [[1, 2],\n [3, 4]],\n "lower": [1, 2],\n "upper":\n 7,\n "weights": [1,\n -2],'
     '\n "domain": {"values": [0, 1]}', 8, "row weights must be positive"),
    ('"A": 5,\n "b": [1, 2],\n "domain": {"values": [0, 1]}', 2, "'A' holds 5"),
    ('"A": [[1, 2],\n [3, 4]],\n "b": [1, 2],\n "domains": [{"values": [0, 1]},\n {"values": [2, 1, 2]},\n'
     ' {"values": [0]}]', 5, "'domains' must be a list of 2 objects"),
    ('"A": [[1, 2],\n [3, 4]],\n "lower": [1,\n 2],\n "upper": [3,\n 1],\n "domain": {"values": [0, 1]}', 5,
     "lower <= upper"),
])
def test_dmmv_json_errors_after_the_parse_name_the_line_of_their_key(tmp_path, body, line, says):
    """Checks that run on the parsed object (unknown keys, text where a number belongs, lengths, domain entries)
    said only the file."""
    f = tmp_path / "x.dmmv.json"
    f.write_text('{"format": "dmmv",\n ' + body + "}\n")
    with pytest.raises(InputError) as e:
        combopt.read(f)
    assert says in e.value.message, e.value.message
    assert e.value.line == line, (e.value.line, e.value.message)
