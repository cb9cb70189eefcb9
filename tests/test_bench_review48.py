"""What an outside reviewer found in suites and reports (session 48): timed-out runs left out of wins and losses,
the profile judging targets without the set's tolerance, references found through the file's own name missing from
timed-out rows and from ``stop_at_target``, suite mistakes without their line, one file run twice under two
spellings, conflicting best-known rows, and parameters taken unchecked where the reductions solve the graph."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import combopt
from combopt.bench.folder import load_best_known
from combopt.bench.report import head_to_head, instance_values, profile_costs
from combopt.bench.runner import score
from combopt.bench.suite import load_suite
from combopt.bench.worker import _failed
from combopt.core.errors import InputError, ParameterError


def row(label, obj, sense="min", status="feasible", path="p1", **kw):
    return {"set": "x", "path": path, "instance": path, "label": label, "solver": label, "seed": 0, "sense": sense,
            "status": status, "objective": obj, "feasible": obj is not None, **kw}


@pytest.mark.parametrize("sense", ["min", "max"])
def test_runs_that_timed_out_count_as_the_worst_value_in_wins_and_losses(sense):
    """A timed-out or killed run records no sense of its own: it dropped out, and 'good' had 0 wins against it."""
    rows = [row("good", 3.0, sense, path="g1"), row("hang", None, None, "timeout", path="g1"),
            row("good", 4.0, sense, path="g2"), row("hang", None, None, "killed", path="g2")]
    worst = math.inf if sense == "min" else -math.inf
    assert instance_values(rows)[("x", "g1", "hang")] == (worst, sense)
    h = head_to_head(rows)["x"]
    assert h[("good", "hang")] == (2, 0, 0) and h[("hang", "good")] == (0, 2, 0)
    # where no run of an instance has a sense, nothing is compared on it
    assert ("x", "g3", "a") not in instance_values([row("a", None, None, "timeout", path="g3")])


def test_the_profile_reaches_a_target_within_the_sets_tolerance():
    """``at_best`` and ``time_to_target_s`` use the set's tolerance; the profile used 1e-6 and said 'never'."""
    rows = [row("good", 3.0, "max", best_known=4.0, runtime_s=0.1, tolerance=0.35, trace=[[0.1, 3.0]]),
            row("late", 4.0, "max", best_known=4.0, runtime_s=0.7, tolerance=0.35, trace=[[0.5, 2.0], [0.7, 4.0]])]
    labels, probs, C = profile_costs(rows)
    assert labels == ["good", "late"] and probs == [("x", "p1")]
    assert C[0].tolist() == [0.1, 0.7]
    strict = [dict(r, tolerance=1e-6) for r in rows]
    assert profile_costs(strict)[2][0].tolist() == [math.inf, 0.7]


TSP = "NAME: bravo\nTYPE: TSP\nDIMENSION: 5\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n" \
      "1 0 0\n2 3 0\n3 3 4\n4 0 4\n5 1 2\nEOF\n"


def _suite(tmp_path: Path, sets: str, solvers: str = '[[solvers]]\nsolver = "tsp-ls"\nseeds = [0]\n',
           head: str = "") -> Path:
    p = tmp_path / "s.toml"
    p.write_text(f'[suite]\nname = "t"\ndata = "{tmp_path.as_posix()}"\n{head}\n{sets}\n{solvers}')
    return p


def test_a_reference_found_by_the_files_own_name_reaches_every_row_and_the_target(tmp_path):
    (tmp_path / "a.tsp").write_text(TSP)
    (tmp_path / "ref.csv").write_text("instance,optimum\nbravo,14\n")
    sets = '[sets.t]\nkind = "tsp"\ninstances = ["a.tsp"]\nreference = "ref.csv"\n'
    s = load_suite(_suite(tmp_path, sets, '[[solvers]]\nsolver = "tsp-ls"\nseeds = [0]\nstop_at_target = true\n'))
    (r,) = s.runs
    assert r.instance == "bravo" and r.target == 14.0
    failed = _failed(r.to_dict(), "timeout", "exceeded", 3.0)
    assert failed["instance"] == "bravo" and score(failed, s)["optimum"] == 14.0
    # found by the path: the row is named from the path as before
    (tmp_path / "ref.csv").write_text("instance,optimum\na,14\n")
    (r,) = load_suite(_suite(tmp_path, sets)).runs
    assert r.instance is None and _failed(r.to_dict(), "timeout", "x", 1.0)["instance"] == "a"


@pytest.mark.parametrize("inst, says, line", [
    ('["g1.clq",\n  "nope.clq"]', "nope.clq not found", 8),
    ('["g1.clq",\n  "zz*.clq"]', r"no files match 'zz\*.clq'", 8),
    ('["g1.clq",\n  7]', "non-empty strings, got 7", 7),
    ('["g1.clq",\n  "g1.clq#0..2"]', "#2 does not exist", 8),
])
def test_suite_instance_mistakes_name_their_line(tmp_path, inst, says, line):
    (tmp_path / "g1.clq").write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    p = _suite(tmp_path, f'[sets.c]\nkind = "clique"\ninstances = {inst}\n', '[[solvers]]\nsolver = "ils"\n')
    assert p.read_text().splitlines()[6].startswith("instances")
    with pytest.raises(InputError, match=says) as e:
        load_suite(p)
    assert e.value.line == line


def test_a_description_that_is_not_text_is_refused_at_its_line(tmp_path):
    (tmp_path / "g1.clq").write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    p = _suite(tmp_path, '[sets.c]\nkind = "clique"\ninstances = ["g1.clq"]\n', '[[solvers]]\nsolver = "ils"\n',
               head="description = 5")
    with pytest.raises(InputError, match="description must be a string") as e:
        load_suite(p)
    assert e.value.line == 4


def test_one_file_written_two_ways_is_one_instance(tmp_path):
    (tmp_path / "g1.clq").write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    (tmp_path / "sub").mkdir()
    s = load_suite(_suite(tmp_path, '[sets.c]\nkind = "clique"\ninstances = ["g1.clq", "./g1.clq", "sub/../g1.clq"]'
                                    '\n', '[[solvers]]\nsolver = "ils"\nseeds = [0]\n'))
    assert s.sets["c"].paths == ["g1.clq"] and len(s.runs) == 1


def test_conflicting_best_known_rows_are_refused_at_their_line(tmp_path):
    f = tmp_path / "bk.csv"
    f.write_text("instance,best_known\ng1,3\ng2,4\ng1,3\n")
    assert load_best_known(f) == {"g1": 3.0, "g2": 4.0}  # the same value again is harmless
    f.write_text("instance,best_known\ng1,3\ng1,5\n")
    with pytest.raises(InputError, match="'g1' is listed again with another value") as e:
        load_best_known(f)
    assert e.value.line == 3


@pytest.mark.parametrize("solver", ["ils", "sa-ils"])
def test_unknown_parameters_are_refused_where_the_reductions_solve_the_graph(tmp_path, solver):
    g = tmp_path / "g.clq"
    g.write_text("p edge 5 6\ne 1 2\ne 2 3\ne 1 3\ne 3 4\ne 4 5\ne 2 5\n")
    with pytest.raises(ParameterError, match="does not take parameter"):
        combopt.solve(str(g), solver, kind="clique", time_limit=2, bogus=1)
    r = combopt.solve(str(g), solver, kind="clique", time_limit=2, num_walks=2)  # its own parameters still go
    assert r.objective == 3 and r.status == "optimal"
