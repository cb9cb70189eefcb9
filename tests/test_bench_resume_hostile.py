"""Benchmark suites against a reviewer's hostile use: --force that fails to start, --resume on rows of another suite
or an edited reference, on a file combopt never wrote, folders of CSV data, error lines, references with a byte-order
mark or conflicting rows, and what --warmup compiles."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from combopt.bench.refs import load_reference
from combopt.bench.results import ResultsWriter, read_results
from combopt.bench.suite import load_suite
from combopt.cli.app import main
from combopt.core.errors import InputError

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent


TWO_SETS = f"""[suite]
data = "{DATA.as_posix()}"
max_iterations = 1

[sets.c]
kind = "clique"
instances = ["johnson8-2-4.clq"]

[sets.t]
instances = ["tsp/burma14.tsp"]

[[solvers]]
solver = "ils"
sets = ["c"]
params = {{ num_walks = 2 }}

[[solvers]]
solver = "tsp-ls"
sets = ["t"]
params = PARAMS
"""  # a set with a kind and one without (its kind from its file)


def suite_file(tmp_path: Path, reference: str, name: str = "s", seeds: str = "[0]") -> Path:
    p = tmp_path / f"{name}.toml"
    p.write_text(f"""[suite]
name = "{name}"
data = "{tmp_path.as_posix()}"
max_iterations = 1
seeds = {seeds}

[sets.c]
kind = "clique"
instances = ["johnson8-2-4.clq"]
reference = "{reference}"

[[solvers]]
solver = "ils"
""")
    return p


@pytest.fixture
def clique_data(tmp_path):
    shutil.copy(DATA / "johnson8-2-4.clq", tmp_path / "johnson8-2-4.clq")
    (tmp_path / "ref4.csv").write_text("instance,optimum\njohnson8-2-4,4\n")
    return tmp_path


def err_lines(capsys) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


# -- --force: the old rows go only when a new row arrives ---

@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_force_replaces_the_old_rows_only_when_the_first_new_row_is_written(tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    row = {"key": "k1", "index": 0, "suite": "s", "set": "c", "path": "a.clq", "solver": "ils", "label": "ils",
           "status": "feasible", "objective": 3.0, "sense": "max", "feasible": True}
    with ResultsWriter(out, append=False) as w:
        w.write(row)
    before = out.read_bytes()
    ResultsWriter(out, append=False).close()  # a start that fails: opened, nothing written
    assert out.read_bytes() == before
    with ResultsWriter(out, append=False) as w:
        w.write(dict(row, key="k2", objective=4.0))
    rows = read_results([out])
    assert [r["key"] for r in rows] == ["k2"] and rows[0]["objective"] == 4.0


# -- --resume ---

def test_resume_rescores_recorded_rows_against_the_reference_as_it_is_now(clique_data, capsys):
    out = clique_data / "r.jsonl"
    assert main(["bench", str(suite_file(clique_data, "ref4.csv")), "--out", str(out)]) == 0
    (clique_data / "ref5.csv").write_text("instance,optimum\njohnson8-2-4,5\n")  # edited (and wrong) reference
    capsys.readouterr()
    p = suite_file(clique_data, "ref5.csv", seeds="[0, 1]")
    assert main(["bench", str(p), "--out", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "1 recorded row(s) were scored against other reference values" in err
    # both seeds claim the optimum 4 against the reference's 5: the contradiction is said for both, not seed 1 only
    for seed in (0, 1):
        assert f"seed {seed}: status optimal at 4, but the reference optimum is 5" in err, err


def test_resume_with_rows_of_another_suite_says_so(clique_data, capsys):
    out = clique_data / "r.jsonl"
    assert main(["bench", str(suite_file(clique_data, "ref4.csv", name="first")), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["bench", str(suite_file(clique_data, "ref4.csv", name="second")), "--out", str(out),
                 "--resume"]) == 0
    assert "1 recorded row(s) are runs of suite(s) first" in capsys.readouterr().err


@pytest.mark.parametrize("content,line", [("some notes, not results\n", 1),
                                          ('{"note": "mine"}\n{"note": "also mine"}\n', 1)])
def test_resume_refuses_a_jsonl_file_combopt_did_not_write(clique_data, capsys, content, line):
    out = clique_data / "notes.jsonl"
    out.write_text(content)
    assert main(["bench", str(suite_file(clique_data, "ref4.csv")), "--out", str(out), "--resume"]) == 2
    (msg,) = err_lines(capsys)
    assert f"notes.jsonl:{line}" in msg and "not a results file of `combopt bench`" in msg
    assert out.read_text() == content  # untouched


def test_resume_after_a_write_cut_short_still_appends(clique_data):
    out = clique_data / "r.jsonl"
    out.write_text('{"key": "abc", "ind')  # a killed first write: a partial row, no foreign content
    assert main(["bench", str(suite_file(clique_data, "ref4.csv")), "--out", str(out), "--resume"]) == 0
    assert len(read_results([out])) == 1


# -- what the suite file says, and where ---

def test_errors_name_the_line_inside_the_table_they_speak_of(clique_data, capsys):
    p = clique_data / "lines.toml"
    p.write_text(f"""[suite]
data = "{clique_data.as_posix()}"
time_limit = 1              # suite default

[sets.c]
kind = "clique"
instances = ["johnson8-2-4.clq"]

[[solvers]]
solver = "ils"

[[solvers]]
name = "ils-b"
solver = "ils"
time_limit = -1
""")
    assert main(["bench", str(p)]) == 2
    assert "lines.toml:15: [[solvers]] entry 2: time_limit" in err_lines(capsys)[0]
    p.write_text(p.read_text().replace("time_limit = -1", 'sets = ["d"]'))
    assert main(["bench", str(p)]) == 2  # "d" also appears in 'data = ' on line 2
    assert "lines.toml:15: [[solvers]] entry 2: unknown set 'd'" in err_lines(capsys)[0]
    p.write_text(p.read_text().replace('name = "ils-b"\n', "").replace('sets = ["d"]\n', ""))
    assert main(["bench", str(p)]) == 2  # the second entry with the same label: its own line
    assert "lines.toml:13: [[solvers]] entry 2: solver entry name 'ils' is used twice" in err_lines(capsys)[0]


def test_wall_limit_below_time_limit_and_missing_imports_are_refused_at_load(clique_data):
    p = suite_file(clique_data, "ref4.csv")
    text = p.read_text()
    p.write_text(text.replace("max_iterations = 1", "time_limit = 5\nwall_limit = 2"))
    with pytest.raises(InputError, match="wall_limit .2 s. must be above time_limit .5 s."):
        load_suite(p)
    p.write_text(text.replace("[suite]", '[suite]\nimports = ["no_such_module_xyz"]'))
    with pytest.raises(InputError, match="no module 'no_such_module_xyz'") as e:
        load_suite(p)
    assert e.value.line == 2


def test_a_folder_of_csv_data_is_a_set_for_a_kind_that_reads_csv_and_an_empty_folder_is_an_error(tmp_path):
    (tmp_path / "dags").mkdir()
    shutil.copy(REPO / "benchmarks" / "data" / "dag" / "er2-d10-s0.csv", tmp_path / "dags" / "er2.csv")
    (tmp_path / "empty").mkdir()
    p = tmp_path / "d.toml"
    body = f"""[suite]
data = "{tmp_path.as_posix()}"
max_iterations = 1
[sets.d]
kind = "KIND"
instances = ["FOLDER"]
[[solvers]]
solver = "SOLVER"
"""
    p.write_text(body.replace("KIND", "dag").replace("FOLDER", "dags").replace("SOLVER", "topo"))
    assert [r.path for r in load_suite(p).runs] == ["dags/er2.csv"]
    p.write_text(body.replace("KIND", "clique").replace("FOLDER", "dags").replace("SOLVER", "ils"))
    with pytest.raises(InputError, match="folder dags holds no instance files"):  # a clique set skips .csv tables
        load_suite(p)
    p.write_text(body.replace("KIND", "clique").replace("FOLDER", "empty").replace("SOLVER", "ils"))
    with pytest.raises(InputError, match="folder empty holds no instance files"):
        load_suite(p)


# -- reference files ---

def test_reference_with_a_byte_order_mark_and_conflicting_rows(tmp_path):
    f = tmp_path / "ref.csv"
    f.write_bytes("instance,optimum\njohnson8-2-4,4\n".encode("utf-8-sig"))  # as Excel saves it
    assert load_reference(f)["johnson8-2-4"].optimum == 4
    f.write_text("instance,optimum\njohnson8-2-4,4\nMANN_a9,16\njohnson8-2-4,4\n")  # the same row again: fine
    assert len(load_reference(f)) == 2
    f.write_text("instance,optimum\njohnson8-2-4,4\nMANN_a9,16\njohnson8-2-4,7\n")
    with pytest.raises(InputError, match="'johnson8-2-4' is listed again with other values") as e:
        load_reference(f)
    assert e.value.line == 4


# -- --warmup ---

def test_warmup_compiles_what_combopt_warmup_compiles_for_every_solver_and_kind(tmp_path, monkeypatch):
    """The one-iteration warm-up runs inside a 1 s limit had left recorded runs on a cold cache; --warmup now first
    runs `combopt warmup --solver S --kind K`'s jobs for each pair (kinds of sets without one from their files)."""
    import combopt.warmup as wu
    from combopt.bench import runner

    asked = []
    monkeypatch.setattr(wu, "jobs", lambda solver=None, kind=None, family=None: asked.append((solver, kind)) or [])
    p = tmp_path / "w.toml"
    p.write_text(TWO_SETS.replace("PARAMS", "{ num_walks = 2 }"))
    runner._compile_kernels(load_suite(p).runs)
    assert asked == [("ils", "clique"), ("tsp-ls", "tsp")]


def test_a_results_csv_with_a_damaged_value_is_refused_at_its_line_not_dropped(tmp_path):
    out = tmp_path / "r.csv"
    row = {"key": "k", "index": 0, "suite": "s", "set": "c", "path": "a.clq", "solver": "ils", "label": "ils",
           "status": "feasible", "objective": 3.0, "sense": "max", "feasible": True, "seed": 2}
    with ResultsWriter(out, append=False) as w:
        for i in range(3):
            w.write(dict(row, key=f"k{i}"))
    good = out.read_text()
    assert len(read_results([out])) == 3
    lines = good.splitlines()
    header = lines[0].split(",")
    for field, bad in (("objective", "abc"), ("seed", "2.7")):
        cells = lines[2].split(",")
        cells[header.index(field)] = bad
        out.write_text("\n".join([lines[0], lines[1], ",".join(cells), lines[3]]) + "\n")
        with pytest.raises(InputError, match=f"field '{field}' holds '{bad}'") as e:
            read_results([out])
        assert e.value.line == 3
    out.write_text(good + lines[1][:20])  # a row cut short by a killed write: skipped, and said
    with pytest.warns(UserWarning, match="line.s. 5 are not complete rows"):
        assert len(read_results([out])) == 3


def test_parameters_a_solver_does_not_take_are_refused_at_load(tmp_path):
    """They were refused by every run of the entry (an ERROR row each, exit 0); now the suite is refused at the line of
    the entry's params, found by a one-iteration solve of the kind's tiny warm-up instance (no kernel compiled)."""
    p = tmp_path / "p.toml"
    body = TWO_SETS
    p.write_text(body.replace("PARAMS", "{ num_walks = 2 }"))
    assert len(load_suite(p).runs) == 2  # names they take
    p.write_text(body.replace("PARAMS", "{ num_walks = 2, nosuchparam = 3 }"))  # a set without a kind: from its file
    with pytest.raises(InputError, match=r"entry 2: solver 'tsp-ls' does not take parameter\(s\): nosuchparam") as e:
        load_suite(p)
    assert e.value.line == 20


def test_resume_refuses_a_parquet_file_with_columns_its_user_added(tmp_path):
    """--resume rebuilt a .parquet file from its rows at the end, dropping a column its user had added to it (notes,
    a derived figure): refused now, naming the column, with the file and its journal as they were."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from combopt.bench.results import write_parquet

    names = {"set": "s", "path": "p", "solver": "sa", "label": "sa", "status": "feasible", "suite": "t",
             "instance": "p"}
    out = tmp_path / "r.parquet"
    write_parquet([{**names, "key": "k0"}], out)
    with ResultsWriter(out, append=True) as w:  # combopt's own columns only: resumed
        w.write({**names, "key": "k1"})
    table = pq.read_table(out)
    pq.write_table(table.append_column("note", pa.array(["mine", "also mine"])), out)
    before, journal = out.read_bytes(), (tmp_path / "r.parquet.jsonl").read_bytes()
    with pytest.raises(InputError, match=r"r\.parquet: has column\(s\) note that `combopt bench` did not write"):
        ResultsWriter(out, append=True)
    assert out.read_bytes() == before and (tmp_path / "r.parquet.jsonl").read_bytes() == journal
    with ResultsWriter(out, append=False) as w:  # --force replaces the file, as asked
        w.write({**names, "key": "k2"})
    assert [r["key"] for r in read_results([out])] == ["k2"] and "note" not in pq.read_schema(out).names
