"""Benchmark suites: isolated runs, failures recorded, resume after a kill, Dask, reports."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from combopt.bench.refs import load_reference
from combopt.bench.report import html_report, performance_profile, sgm, summarize
from combopt.bench.results import ResultsWriter, read_results, recorded_keys
from combopt.bench.runner import run_suite
from combopt.bench.suite import load_suite
from combopt.cli.app import main
from combopt.core.errors import InputError, MissingDependencyError, ParameterError

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
REPO = TESTS.parent
# fields that depend on the clock or on where a run executed
TIMING = {"runtime_s", "wall_s", "time_to_best_s", "time_to_target_s", "trace"}


def write_suite(tmp_path: Path, body: str, name: str = "suite.toml", head: str = "") -> Path:
    text = f"""
[suite]
name = "t"
data = "{DATA.as_posix()}"
imports = ["bench_plugin"]
python_path = ["{TESTS.as_posix()}"]
{head}
{body}
"""
    p = tmp_path / name
    p.write_text(text)
    return p


CLIQUE_SET = """
[sets.clique]
kind = "clique"
instances = ["johnson8-2-4.clq", "MANN_a9.clq"]
reference = "clique-numbers.csv"
"""


def deterministic(rows):
    return sorted(({k: v for k, v in r.items() if k not in TIMING} for r in rows), key=lambda r: r["key"])


# -- the suite format -----------------------------------------------------------------------------

def test_suite_expands_globs_ranges_and_references(tmp_path):
    p = write_suite(tmp_path, """
[sets.mdkp]
kind = "mdkp"
instances = ["mdkp/mknap1.txt#1..3", "mdkp/mknap1.txt#0"]
reference = "mdkp/mknap1-optima.csv"

[sets.tsp]
instances = ["tsp/*1?.tsp"]
reference = { file = "tsp/optima.csv", optimum = "optimal_length" }

[[solvers]]
solver = "lagrangian"
sets = ["mdkp"]
seeds = [0, 1]
max_iterations = 3

[[solvers]]
name = "ls"
solver = "tsp-ls"
sets = ["tsp"]
time_limit = 1.5
""")
    s = load_suite(p)
    assert s.sets["mdkp"].paths == ["mdkp/mknap1.txt#1", "mdkp/mknap1.txt#2", "mdkp/mknap1.txt#3",
                                    "mdkp/mknap1.txt#0"]
    assert s.sets["tsp"].paths == ["tsp/burma14.tsp", "tsp/gr17.tsp", "tsp/ulysses16.tsp"]
    assert s.sets["mdkp"].refs["mknap1#1"].optimum == 8706.1
    assert s.sets["tsp"].refs["gr17"].optimum == 2085
    assert len(s.runs) == 4 * 2 + 3
    assert len({r.key for r in s.runs}) == len(s.runs)
    tsp = [r for r in s.runs if r.set == "tsp"]
    assert all(r.label == "ls" and r.time_limit == 1.5 and r.wall_limit == 2 * 1.5 + 30 for r in tsp)
    # the same suite gives the same keys (what --resume relies on); --data changes nothing in them
    assert [r.key for r in load_suite(p, DATA).runs] == [r.key for r in s.runs]


def test_range_past_the_end_of_its_file_is_an_error_of_the_suite(tmp_path):
    # mknap1.txt holds 7 instances: #0..6 is the whole file, #5..7 one too many (not 1 failed run per missing index)
    body = '[sets.m]\nkind = "mdkp"\ninstances = ["mdkp/mknap1.txt#{}"]\n[[solvers]]\nsolver = "mdkp-core"\n'
    assert len(load_suite(write_suite(tmp_path, body.format("0..6"))).runs) == 7
    with pytest.raises(InputError, match=r"range 'mdkp/mknap1.txt#5..7': holds 7 instances .*#7 does not exist"):
        load_suite(write_suite(tmp_path, body.format("5..7")))
    with pytest.raises(InputError, match="holds a single graph"):
        load_suite(write_suite(tmp_path, body.replace('kind = "mdkp"\n', "").replace("mdkp-core", "ils")
                               .format("").replace("mdkp/mknap1.txt#", "C125.9.clq#0..1")))


def test_suite_errors_name_the_file_and_line(tmp_path):
    p = write_suite(tmp_path, CLIQUE_SET + '[[solvers]]\nsolver = "ils"\nseeds = [0]\ntime_limt = 3\n')
    with pytest.raises(InputError) as e:
        load_suite(p)
    assert "time_limt" in str(e.value) and e.value.line == p.read_text().splitlines().index("time_limt = 3") + 1
    p = write_suite(tmp_path, CLIQUE_SET.replace("MANN_a9.clq", "nope/*.clq") + '[[solvers]]\nsolver = "ils"\n')
    with pytest.raises(InputError, match="no files match"):
        load_suite(p)
    p = write_suite(tmp_path, CLIQUE_SET + '[[solvers]]\nsolver = "ils"\nsets = ["cliques"]\n')
    with pytest.raises(InputError, match="unknown set 'cliques'"):
        load_suite(p)
    assert main(["bench", str(p)]) == 2


def test_reference_files_of_shared_data_layouts(tmp_path):
    f = tmp_path / "cb.csv"
    f.write_text("file,index,name,best_known,lp_bound\nmknapcb1,0,5.100-00,24381,24585.9\nmknapcb1,1,5.100-01,24274,"
                 "24538.2\n")
    refs = load_reference(f)
    assert refs["mknapcb1#1"].best_known == 24274 and refs["mknapcb1#1"].optimum is None
    g = tmp_path / "j120.csv"
    g.write_text("instance,lower_bound,upper_bound,optimum,cpm_bound\nj1201_1,104,105,,99\nj1201_2,109,109,109,86\n")
    refs = load_reference(g, best_known="upper_bound")
    assert refs["j1201_1"].optimum is None and refs["j1201_1"].best_known == 105
    assert refs["j1201_1"].bound == 99  # the critical-path bound, found by its column name
    assert load_reference(g, best_known="upper_bound", bound="lower_bound")["j1201_1"].bound == 104
    assert load_reference(f)["mknapcb1#0"].bound == pytest.approx(24585.9)
    assert refs["j1201_2"].optimum == 109 and refs["j1201_2"].target == 109
    g.write_text("instance,optimum\nx,12\ny,twelve\n")
    with pytest.raises(InputError) as e:
        load_reference(g)
    assert e.value.line == 3


# -- runs: local and Dask give the same rows --------------------------------------------------------

def _sigint_disposition() -> str:
    return str(signal.getsignal(signal.SIGINT))


def test_dask_workers_leave_ctrl_c_to_the_bench_process():
    """A Ctrl-C reaches the whole process group: the LocalCluster's worker processes start with SIGINT ignored (each
    printed a KeyboardInterrupt traceback), the bench process cancels the runs, and its own handler is restored."""
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    from combopt.bench.runner import _sigint_ignored

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (CI may ignore SIGINT)
    try:
        with _sigint_ignored():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                   silence_logs=40)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
    with cluster, Client(cluster) as client:
        assert set(client.run(_sigint_disposition).values()) == {str(signal.SIG_IGN)}


def test_local_and_dask_localcluster_record_identical_rows(tmp_path):
    pytest.importorskip("distributed")  # the dev extra installs it
    p = write_suite(tmp_path, CLIQUE_SET + """
[sets.qubo]
kind = "qubo"
instances = ["qubo/MANN_a9-clique.qubo.json"]
reference = "qubo/optima.csv"

[[solvers]]
solver = "ils"
sets = ["clique"]
max_iterations = 4

[[solvers]]
solver = "tabu"
sets = ["qubo"]
seeds = [0, 1]
max_iterations = 2
params = { num_restarts = 4 }
""")
    suite = load_suite(p)
    with ResultsWriter(tmp_path / "local.jsonl", append=False) as w:
        local = run_suite(suite, jobs=2, writer=w)
    with ResultsWriter(tmp_path / "dask.csv", append=False) as w:
        dask = run_suite(suite, jobs=2, writer=w, executor="dask")
    assert len(local) == len(dask) == 4
    assert deterministic(local) == deterministic(dask)
    # ... and the files hold the same rows as the runs returned (csv round trip included)
    assert deterministic(read_results([tmp_path / "local.jsonl"])) == deterministic(local)
    assert deterministic(read_results([tmp_path / "dask.csv"])) == deterministic(local)
    refs = {"johnson8-2-4": 4, "MANN_a9": 16, "MANN_a9-clique.qubo": -16}
    for r in local:
        assert r["status"] in ("feasible", "optimal") and r["feasible"]
        # a clique cannot beat the clique number; the QUBO energy cannot go below -omega
        ref = refs[r["instance"]]
        assert (r["objective"] <= ref) if r["sense"] == "max" else (r["objective"] >= ref)
        assert r["gap_pct"] == pytest.approx(100 * abs(r["objective"] - ref) / abs(ref))
        assert r["at_best"] == (r["objective"] == ref)


# -- failures are rows, and the suite goes on -------------------------------------------------------

def test_raise_hang_oom_and_killed_runs_are_recorded(tmp_path, capsys):
    p = write_suite(tmp_path, CLIQUE_SET.replace(', "MANN_a9.clq"', "") + """
[[solvers]]
solver = "test-raise"
[[solvers]]
solver = "test-hang"
wall_limit = 3
[[solvers]]
solver = "test-oom"
memory_mb = 2048
[[solvers]]
solver = "test-die"
[[solvers]]
solver = "ils"
max_iterations = 3
""")
    out = tmp_path / "r.jsonl"
    t0 = time.perf_counter()
    assert main(["bench", str(p), "--jobs", "2", "--out", str(out)]) == 0
    assert time.perf_counter() - t0 < 60
    printed = capsys.readouterr().out
    rows = {r["label"]: r for r in read_results([out])}
    assert len(rows) == 5
    assert rows["test-raise"]["status"] == "error"
    assert "RuntimeError: boom from test-raise" in rows["test-raise"]["error"]
    assert rows["test-hang"]["status"] == "timeout" and "wall limit of 3 s" in rows["test-hang"]["error"]
    assert 3 <= rows["test-hang"]["wall_s"] < 20
    assert rows["test-oom"]["status"] == "memory" and "2048 MiB" in rows["test-oom"]["error"]
    assert rows["test-die"]["status"] == "killed" and "SIGKILL" in rows["test-die"]["error"]
    assert rows["ils"]["status"] in ("feasible", "optimal") and rows["ils"]["objective"] == 4
    # stdout is not a terminal: one plain line per run, then the table
    assert printed.count("\n[") >= 4 and "TIMEOUT" in printed and "KILLED" in printed
    assert "4 failed" in printed


# -- resume after a kill ---------------------------------------------------------------------------

def test_resume_after_kill_neither_redoes_nor_duplicates(tmp_path, capsys):
    log = tmp_path / "executions.log"
    p = write_suite(tmp_path, f"""
[sets.clique]
kind = "clique"
instances = ["johnson8-2-4.clq", "MANN_a9.clq"]

[[solvers]]
solver = "test-sleep"
seeds = [0, 1, 2, 3]
params = {{ seconds = 0.3, log = "{log.as_posix()}" }}
""")
    out = tmp_path / "r.jsonl"
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "combopt", "bench", str(p), "--jobs", "2", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 3):
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its worker processes, like a lost terminal
        proc.wait()
    before = {r["key"]: r for r in read_results([out])}
    assert 3 <= len(before) < 8
    time.sleep(0.5)  # let an orphaned in-flight run (if any) finish writing its log line
    executed_before = log.read_text().splitlines()
    assert main(["bench", str(p), "--jobs", "2", "--out", str(out), "--resume"]) == 0
    assert f"{len(before)} already recorded" in capsys.readouterr().out
    lines = [json.loads(x) for x in out.read_text().splitlines() if x.strip()]
    rows = read_results([out])
    assert len(rows) == 8 and len(lines) == 8 and len({r["key"] for r in lines}) == 8
    for k, r in before.items():  # recorded rows are kept as they were
        assert next(x for x in lines if x["key"] == k) == r
    executed = log.read_text().splitlines()
    recorded_runs = {f"{r['instance']} {r['seed']}" for r in before.values()}
    for run in recorded_runs:
        assert executed.count(run) == 1, run  # not redone
    # at most the runs in flight at the kill (--jobs 2) ran twice
    assert len(executed) <= 8 + 2 and len(executed_before) >= len(before)
    assert all(r["status"] == "feasible" and r["objective"] == 1 for r in rows)
    # a third time there is nothing left to do
    assert main(["bench", str(p), "--out", str(out), "--resume"]) == 0
    assert "0 run(s) to do, 8 already recorded" in capsys.readouterr().out
    assert set(recorded_keys(out)) == {r["key"] for r in rows}


def test_resume_reruns_runs_whose_instance_file_changed(tmp_path, capsys):
    """The run key names the instance by its path under the data root: resuming with another data root holding
    other files of the same names said "already recorded" and kept the first root's results."""
    import shutil

    roots = [tmp_path / "a", tmp_path / "b"]
    for r in roots:
        r.mkdir()
    shutil.copy(DATA / "johnson8-2-4.clq", roots[0] / "g.clq")
    shutil.copy(DATA / "MANN_a9.clq", roots[1] / "g.clq")  # same name, other graph (clique number 16, not 4)
    shutil.copy(DATA / "johnson8-2-4.clq", roots[0] / "same.clq")
    shutil.copy(DATA / "johnson8-2-4.clq", roots[1] / "same.clq")
    p = write_suite(tmp_path, """
[sets.clique]
kind = "clique"
instances = ["g.clq", "same.clq"]

[[solvers]]
solver = "clique-cores"
time_limit = 10
""")
    out = tmp_path / "r.jsonl"
    assert main(["bench", str(p), "--data", str(roots[0]), "--out", str(out)]) == 0
    first = {r["path"]: r for r in read_results([out])}
    assert first["g.clq"]["objective"] == 4 and first["g.clq"]["instance_sha"]
    capsys.readouterr()
    assert main(["bench", str(p), "--data", str(roots[1]), "--out", str(out), "--resume"]) == 0
    assert "1 run(s) to do, 1 already recorded" in capsys.readouterr().out
    rows = {r["path"]: r for r in read_results([out])}
    assert len(rows) == 2 and rows["g.clq"]["objective"] == 16  # the new file's run replaced the old row
    assert rows["same.clq"] == first["same.clq"]
    assert main(["bench", str(p), "--data", str(roots[1]), "--out", str(out), "--resume"]) == 0
    assert "0 run(s) to do, 2 already recorded" in capsys.readouterr().out
    # two results files of the two roots: a report keeps both g.clq rows, one same.clq row
    out_a = tmp_path / "ra.jsonl"
    out_a.write_text(json.dumps(first["g.clq"]) + "\n" + json.dumps(first["same.clq"]) + "\n")
    both = read_results([out_a, out])
    g_rows = [r for r in both if r["path"].startswith("g.clq")]
    assert sorted(r["objective"] for r in g_rows) == [4, 16]
    assert len({r["path"] for r in g_rows}) == 2  # two instances for a report (g.clq@digest), not two seeds of one
    assert len([r for r in both if r["path"] == "same.clq"]) == 1
    from combopt.bench.report import instance_values

    means = [v[0] for (_, path, _), v in instance_values(both).items() if path.startswith("g.clq")]
    assert sorted(means) == [4.0, 16.0]  # was one instance with mean 10
    # a file that could not be read, fixed since, runs again (its error row has the digest of the broken file)
    broken = roots[1] / "g.clq"
    good = broken.read_bytes()
    broken.write_text("p edge 3 1\ne 1 9\n")
    out_b = tmp_path / "rb.jsonl"
    assert main(["bench", str(p), "--data", str(roots[1]), "--out", str(out_b)]) == 0
    assert next(r for r in read_results([out_b]) if r["path"] == "g.clq")["error"]
    broken.write_bytes(good)
    capsys.readouterr()
    assert main(["bench", str(p), "--data", str(roots[1]), "--out", str(out_b), "--resume"]) == 0
    assert "1 run(s) to do, 1 already recorded" in capsys.readouterr().out
    assert next(r for r in read_results([out_b]) if r["path"] == "g.clq")["objective"] == 16
    # rows of files written before rows had a digest: the key alone decides, as it did
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps({**r, "instance_sha": None}) + "\n" for r in first.values()))
    assert main(["bench", str(p), "--data", str(roots[1]), "--out", str(old), "--resume"]) == 0
    assert "0 run(s) to do, 2 already recorded" in capsys.readouterr().out


# -- reports ------------------------------------------------------------------------------------------

def _table(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if "combopt bench" in x and "┏" in lines[i + 1])
    return lines[start:]


def test_report_reproduces_the_table_printed_by_the_run(tmp_path, capsys):
    p = write_suite(tmp_path, CLIQUE_SET + """
[[solvers]]
solver = "ils"
max_iterations = 2
[[solvers]]
name = "sa-small"
solver = "sa"
params = { num_reads = 4, num_sweeps = 20 }
max_iterations = 1
[[solvers]]
solver = "test-raise"
""", head="warmup = true")
    out = tmp_path / "r.csv"
    assert main(["bench", str(p), "--jobs", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "compiled, then 3 run(s)" in " ".join(printed.split()) and "warm-up ERROR" in printed  # one per solver
    assert len(read_results([out])) == 6
    during = _table(printed)
    html = tmp_path / "r.html"
    assert main(["report", str(out), "--html", str(html), "--png", str(tmp_path / "png")]) == 0
    after = _table(capsys.readouterr().out)
    assert during == after and any("sa-small" in x for x in after)
    page = html.read_text()
    assert page.count("data:image/png;base64,") == 2 and "src='http" not in page and "boom from test-raise" in page
    assert (tmp_path / "png" / "profile-clique.png").stat().st_size > 1000
    assert main(["report", str(out), "--html", str(html)]) == 2  # never overwrite without --force
    md = tmp_path / "r.md"  # the Markdown table: the same cells as the printed table, one row a line
    assert main(["report", str(out), "--md", str(md)]) == 0
    lines = md.read_text().splitlines()
    assert lines[0].startswith("| set | solver | runs |") and len(lines) == 2 + sum(x.startswith("│") for x in after)
    assert any(line.startswith("| ") and "sa-small" in line for line in lines)
    assert main(["report", str(out), "--md", str(md)]) == 2
    md.write_text("old")  # --force replaces both files
    assert main(["report", str(out), "--md", str(md), "--html", str(html), "--force"]) == 0
    assert md.read_text().splitlines() == lines and html.read_text().startswith("<!doctype html>")


def test_report_keeps_sets_of_similar_names_and_warns_of_merged_ones(tmp_path, capsys):
    """Sets "x y" and "x_y" wrote their plots to the same file names (one set's plots silently replaced with
    --force); sets of two suites and kinds read together were reported as one without a word."""
    from combopt.bench.report import figures, mixed_sets

    row = {"index": 0, "instance": "i1", "path": "i1", "solver": "sa", "label": "A", "seed": 0, "status": "feasible",
           "sense": "min", "objective": 10.0, "feasible": True, "best_known": 10.0, "optimum": 10.0, "gap_pct": 0.0,
           "at_best": True, "at_optimum": True, "runtime_s": 2.0, "trace": [[0.5, 10.0]]}
    rows = [{**row, "key": "a", "suite": "s", "set": "x y", "kind": "tsp"},
            {**row, "key": "b", "suite": "s", "set": "x_y", "kind": "tsp"}]
    names = [n for n, _, _ in figures(rows)]
    assert len(names) == len(set(names)) == 4
    assert mixed_sets(rows) == []
    other = {**row, "key": "c", "suite": "t", "set": "x y", "kind": "mdkp", "sense": "max"}
    f = tmp_path / "r.jsonl"
    with ResultsWriter(f, append=False) as w:
        for r in [*rows, other]:
            w.write(r)
    assert main(["report", str(f)]) == 0
    err = capsys.readouterr().err
    assert "warning: set 'x y' holds rows of suites s, t and kinds mdkp, tsp" in err
    with open(f, "a") as fh:
        fh.write('{"key": "d", "suite": "s", "set": "x')  # killed mid-write: one warning line, not Python's two
    assert main(["report", str(f)]) == 0
    err = capsys.readouterr().err
    assert "combopt: warning:" in err and "not complete JSON rows" in err and "results.py" not in err


def test_report_of_a_partial_file(tmp_path):
    rows = [
        {"key": "a", "index": 0, "suite": "s", "set": "x", "instance": "i1", "path": "i1", "solver": "sa",
         "label": "A", "seed": 0, "status": "feasible", "sense": "min", "objective": 10.0, "feasible": True,
         "best_known": 10.0, "optimum": 10.0, "gap_pct": 0.0, "at_best": True, "at_optimum": True, "runtime_s": 2.0,
         "trace": [[0.5, 12.0], [1.0, 10.0]]},
        {"key": "b", "index": 1, "suite": "s", "set": "x", "instance": "i1", "path": "i1", "solver": "tabu",
         "label": "B", "seed": 0, "status": "feasible", "sense": "min", "objective": 11.0, "feasible": True,
         "best_known": 10.0, "optimum": 10.0, "gap_pct": 10.0, "at_best": False, "at_optimum": False,
         "runtime_s": 4.0, "trace": [[0.25, 11.0]]},
    ]
    f = tmp_path / "r.jsonl"
    with ResultsWriter(f, append=False) as w:
        for r in rows:
            w.write(r)
    with open(f, "a") as fh:
        fh.write('{"key": "c", "suite": "s", "set": "x", "inst')  # killed mid-write
    got = read_results([f])
    assert [r["key"] for r in got] == ["a", "b"]
    s = {x.label: x for x in summarize(got)}
    assert (s["A"].wins, s["A"].losses, s["B"].wins, s["B"].losses) == (1, 0, 0, 1)
    assert s["B"].mean_gap_pct == 10.0 and s["B"].sgm_gap_pct == pytest.approx(10.0)
    assert s["A"].at_optimum == 1 and s["B"].at_best == 0
    assert "<table>" in html_report(got, summarize(got), [str(f)])
    # appending after the partial line starts a new line
    with ResultsWriter(f, append=True) as w:
        w.write(dict(rows[0], key="d"))
    assert [r["key"] for r in read_results([f])] == ["a", "b", "d"]


def test_performance_profile_and_sgm_by_hand():
    def row(label, inst, t, reached=True):
        return {"key": label + inst, "set": "x", "instance": inst, "path": inst + ".txt", "label": label,
                "status": "feasible", "sense": "min", "feasible": True, "objective": 5.0 if reached else 6.0,
                "best_known": 5.0, "optimum": None, "runtime_s": 9.0, "trace": [[t, 5.0 if reached else 6.0]]}

    rows = [row("A", "p1", 1.0), row("B", "p1", 2.0), row("A", "p2", 4.0), row("B", "p2", 1.0),
            row("A", "p3", 1.0), row("B", "p3", 1.0, reached=False)]
    labels, taus, rho = performance_profile(rows, taus=np.array([1.0, 2.0, 4.0, 1e9]))
    assert labels == ["A", "B"]
    # A: ratios 1, 4, 1 -> B: ratios 2, 1, inf
    assert rho[:, 0].tolist() == pytest.approx([2 / 3, 2 / 3, 1.0, 1.0])
    assert rho[:, 1].tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3, 2 / 3])
    assert sgm([1.0, 3.0], 1.0) == pytest.approx(math.sqrt(2 * 4) - 1)
    assert sgm([], 1.0) is None


def test_results_csv_and_parquet_round_trip(tmp_path):
    row = {"key": "k1", "index": 0, "suite": "s", "set": "x", "instance": "a,b \"c\"", "path": "p", "solver": "sa",
           "label": "L", "params": {"num_reads": 4, "beta_range": [0.1, 3.0]}, "seed": 3, "status": "optimal",
           "sense": "max", "objective": 1.5, "feasible": True, "at_best": None, "trace": [[0.1, 1.0], [0.2, 1.5]],
           "error": None}
    for name in ("r.csv", "r.parquet"):
        if name.endswith(".parquet"):
            pytest.importorskip("pyarrow")
        f = tmp_path / name
        with ResultsWriter(f, append=False) as w:
            w.write(row)
        got = read_results([f])[0]
        for k, v in row.items():
            assert got[k] == v, (name, k)
    assert set(recorded_keys(tmp_path / "r.parquet")) == {"k1"}


def test_resume_appends_to_a_csv_with_older_columns(tmp_path):
    """A CSV written before a column was added keeps its header when --resume appends to it."""
    from combopt.bench.results import FIELDS

    f = tmp_path / "old.csv"
    old = [c for c in FIELDS if c != "reference_bound"]
    names = {"key": "k0", "set": "s", "path": "p", "solver": "sa", "label": "sa", "status": "feasible"}
    f.write_text(",".join(old) + "\n" + ",".join(names.get(c, "") for c in old) + "\n")
    with ResultsWriter(f, append=True) as w:
        w.write({**names, "key": "k1", "objective": 3.0, "reference_bound": 2.0})
    got = {r["key"]: r for r in read_results([f])}
    assert set(got) == {"k0", "k1"} and got["k1"]["objective"] == 3.0 and got["k1"]["reference_bound"] is None


# -- peers, and the folder form of `combopt bench` ---------------------------------------------------

def test_dwave_peers_on_the_qubo_and_a_clear_error_without_them(monkeypatch):
    import combopt

    pytest.importorskip("dwave.samplers")  # the dev extra installs it
    for name in ("dwave-sa", "dwave-tabu"):
        r = combopt.solve(DATA / "MANN_a9.clq", name, max_iterations=2, seed=0)
        assert r.feasible and r.objective <= 16  # independently evaluated clique
    monkeypatch.setitem(sys.modules, "dwave.samplers", None)
    with pytest.raises(MissingDependencyError, match="dwave-samplers"):
        combopt.solve(DATA / "MANN_a9.clq", "dwave-sa", max_iterations=1)



def test_dagma_peer_breaks_cycles_and_says_how_to_install(monkeypatch):
    """Without dagma (always): the cycle repair and the one-line install hint; with it: a scored DAG."""
    import combopt
    from combopt.problems.dag import is_dag
    from combopt.solvers.peers import break_cycles

    W = np.array([[0.0, 0.9, 0.0], [0.0, 0.0, 0.5], [0.4, 0.0, 0.0]])  # 0 -> 1 -> 2 -> 0, weakest 2 -> 0
    A, dropped = break_cycles(W)
    assert is_dag(A) and dropped == [(2, 0, 0.4)] and np.count_nonzero(A) == 2
    two = np.array([[0.0, 1.0, 0.3], [-0.8, 0.0, 0.0], [0.7, 0.0, 0.0]])  # two 2-cycles
    A, dropped = break_cycles(two)
    assert is_dag(A) and sorted(dropped) == [(0, 2, 0.3), (1, 0, -0.8)]
    A, dropped = break_cycles(np.eye(3) * 0.99 + W)  # DAGMA's W close to I on data in large units: self-loops count
    assert is_dag(A) and dropped[:3] == [(0, 0, 0.99), (1, 1, 0.99), (2, 2, 0.99)] and len(dropped) == 4
    data = REPO / "benchmarks" / "data" / "dag" / "er2-d10-s0.csv"
    problem = combopt.read(data, "dag")
    monkeypatch.setitem(sys.modules, "dagma.linear", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'combopt\[bench\]'"):
        combopt.solve(problem, "dagma")
    monkeypatch.undo()
    pytest.importorskip("dagma.linear")
    truth = str(data.with_name("er2-d10-s0.truth-edges.csv"))
    r = combopt.solve(problem, "dagma", truth=truth, max_iter=3000, warm_iter=1000, T=2)
    assert r.feasible and is_dag(np.asarray(r.solution)) and r.info["threshold"] == 0.3
    assert r.info["cycle_edges_dropped"] == len(r.info["dropped_edges"])
    assert abs(r.objective - problem.score(np.asarray(r.solution))) < 1e-12


def test_dag_suite_parses():
    s = load_suite(REPO / "benchmarks" / "suites" / "dag.toml")
    assert [st.kind for st in s.sets.values()] == ["dag"]
    assert {e.solver for e in s.solvers} == {"topo", "dagma"}

def test_folder_form_still_works(tmp_path, capsys):
    out = tmp_path / "rows.csv"
    assert main(["bench", str(DATA / "johnson8-2-4.clq"), "--best-known", str(DATA / "clique-numbers.csv"),
                 "--solver", "ils", "--time-limit", "2", "--out", str(out)]) == 0
    assert "combopt bench" in capsys.readouterr().out and "johnson8-2-4,ils" in out.read_text()
    assert main(["bench", str(DATA / "johnson8-2-4.clq"), "--jobs", "2"]) == 2  # suite-only option
    capsys.readouterr()
    for name in ("rows.jsonl", "rows.parquet"):  # the folder form writes .csv or .json only: refused, nothing written
        assert main(["bench", str(DATA / "johnson8-2-4.clq"), "-s", "ils", "-t", "1", "-o", str(tmp_path / name)]) == 2
        assert "writes .csv or .json" in capsys.readouterr().err and not (tmp_path / name).exists()


def test_folder_form_runs_each_solver_on_the_kinds_it_handles(tmp_path, capsys):
    """The README's `combopt bench examples/data ... -s sa -s ils` gave error rows for the folder's QUBO and max-cut
    files ("solver 'ils' does not handle 'qubo' problems"): such pairs are not run, and a line says so."""
    import shutil

    for f in ("johnson8-2-4.clq", "qubo/bqp50_1.txt", "maxcut/torus4x5.rud"):
        shutil.copy(DATA / f, tmp_path / Path(f).name)
    out = tmp_path / "rows.json"
    assert main(["bench", str(tmp_path), "-s", "milp", "-s", "ils", "-t", "5", "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "not run: ils (does not handle qubo) on bqp50_1" in err and "ils (does not handle maxcut) on torus4x5" in err
    rows = json.loads(out.read_text())
    assert sorted((r["instance"].split("#")[0], r["solver"]) for r in rows) == [
        ("bqp50_1", "milp"), ("johnson8-2-4", "ils"), ("johnson8-2-4", "milp"), ("torus4x5", "milp")]
    assert all(r["error"] is None and r["feasible"] for r in rows)
    # no -s solver handles any file: the mistake `combopt solve` refuses (was an empty table, exit 0)
    assert main(["bench", str(tmp_path / "johnson8-2-4.clq"), "-s", "tsp-ls", "-t", "1"]) == 2
    assert "no solver given with -s handles the kind of these files (clique)" in capsys.readouterr().err


def test_report_says_what_a_folder_form_table_is(tmp_path, capsys):
    out = tmp_path / "rows.csv"
    assert main(["bench", str(DATA / "johnson8-2-4.clq"), "-s", "ils", "-t", "1", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    assert "(the folder form), not suite results" in capsys.readouterr().err


def test_a_broken_or_empty_suite_file_is_a_user_error(tmp_path, capsys):
    """It was run as an instance of the folder form (exit 0, one error row)."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[suite]\nname = "x"\n[[solvers]\nsolver = "ils"\n')
    assert main(["bench", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.toml:3: not valid TOML" in err and len(err.strip().splitlines()) == 1
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert main(["bench", str(empty)]) == 2
    assert "empty.toml: empty; expected a benchmark suite" in capsys.readouterr().err


def test_quick_suite_parses_and_covers_every_family():
    from combopt.bench.refs import lookup

    s = load_suite(REPO / "benchmarks" / "suites" / "quick.toml")
    assert {st.kind for st in s.sets.values()} >= {"clique", "qubo", "mdkp", "tsp", "rcpsp", "fir", "dag", "mec",
                                                   "ebim"}
    for st in s.sets.values():  # every instance has a reference value, except DAG scores (optimum unknown)
        if st.kind != "dag":
            assert all(lookup(st.refs, None, p) is not None for p in st.paths), st.name


def test_quick_suite_coupling_references_are_exact():
    """The MEC optima of the quick suite are what mec-exact proves, and greedy misses one of them; the EBIM
    reference is the bound min(R, H(X)), which no encoder exceeds."""
    import combopt
    from combopt.bench.refs import lookup

    s = load_suite(REPO / "benchmarks" / "suites" / "quick.toml")
    gaps = []
    for p in s.sets["mec"].paths:
        problem = combopt.read(s.data_root / p)
        ref = lookup(s.sets["mec"].refs, problem.name, p)
        exact = combopt.solve(problem, "mec-exact")
        assert exact.status.value == "optimal" and exact.objective == pytest.approx(ref.optimum, abs=1e-12)
        gaps.append(combopt.solve(problem, "mec-greedy").objective - ref.optimum)
    assert min(gaps) == pytest.approx(0.0, abs=1e-12) and max(gaps) > 0.1
    (p,) = s.sets["ebim"].paths
    problem = combopt.read(s.data_root / p, kind="ebim")
    ref = lookup(s.sets["ebim"].refs, problem.name, p)
    assert ref.target is None and ref.bound == pytest.approx(min(problem.rate, _entropy_bits(problem.p)))
    for solver in ("ebim-greedy", "ebim", "ebim-exact"):
        assert combopt.solve(problem, solver).objective <= ref.bound + 1e-12


def _entropy_bits(p):
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def test_report_bound_deviation_and_proven_optimal_columns():
    from combopt.bench.report import markdown_table

    def row(key, label, obj, status, bound=None, sense="min"):
        return {"key": key, "index": 0, "set": "x", "instance": key, "path": key, "solver": label, "label": label,
                "seed": 0, "status": status, "sense": sense, "objective": obj, "feasible": True, "best_known": 110.0,
                "optimum": None, "reference_bound": bound, "runtime_s": 1.0, "trace": []}

    rows = [row("a", "A", 120.0, "feasible", 100.0), row("b", "A", 100.0, "optimal", 80.0),
            row("c", "B", 110.0, "feasible", 100.0)]
    s = {x.label: x for x in summarize(rows)}
    assert s["A"].mean_bound_dev_pct == pytest.approx((20.0 + 25.0) / 2) and s["A"].proven_optimal == 1
    assert s["B"].mean_bound_dev_pct == pytest.approx(10.0) and s["B"].proven_optimal == 0
    head, _, a, b = markdown_table(summarize(rows)).splitlines()
    cols = [c.strip() for c in head.strip("|").split("|")]
    assert cols.index("proven optimal") == cols.index("at optimum") + 1
    assert cols.index("mean dev. from bound %") == cols.index("SGM gap %") + 1
    assert a.split(" | ")[cols.index("mean dev. from bound %")] == "22.500"
    assert b.split(" | ")[cols.index("proven optimal")] == "0/1 0%"
    # maximisation: the bound is above; neither column without bounds or proofs
    m = summarize([row("d", "C", 90.0, "feasible", 100.0, sense="max")])
    assert m[0].mean_bound_dev_pct == pytest.approx(10.0)
    plain = markdown_table(summarize([row("e", "D", 110.0, "feasible")]))
    assert "proven optimal" not in plain and "bound" not in plain


def test_subprocess_launcher_gives_the_forkserver_row():
    """Dask workers that are daemonic launch runs as `python -m combopt.bench.worker`; that path must run
    the solver (it once failed on every run with a NameError) and record what the forkserver records."""
    from combopt.bench.suite import RunSpec
    from combopt.bench.worker import run_isolated

    spec = RunSpec(key="k", index=0, suite="t", set="clique", kind="clique", path="johnson8-2-4.clq",
                   file=str(DATA / "johnson8-2-4.clq"), label="ils", solver="ils", params={}, seed=0, time_limit=None,
                   max_iterations=1, device="cpu", threads=1, wall_limit=120.0, memory_mb=4096, target=4.0).to_dict()
    rows = {launcher: run_isolated(spec, launcher) for launcher in ("forkserver", "subprocess")}
    for row in rows.values():
        assert row["status"] in ("feasible", "optimal") and row["objective"] == 4 and row["error"] is None, row
    assert deterministic([rows["forkserver"]]) == deterministic([rows["subprocess"]])


def test_running_out_of_memory_while_reading_is_a_memory_row(monkeypatch):
    """A run whose memory_mb ran out while its instance was read was an error row blaming the instance ("instance
    too large for memory", for a 125-vertex graph), not the documented memory row."""
    from combopt.bench.suite import RunSpec
    from combopt.bench.worker import execute

    spec = RunSpec(key="k", index=0, suite="t", set="clique", kind="clique", path="johnson8-2-4.clq",
                   file=str(DATA / "johnson8-2-4.clq"), label="ils", solver="ils", params={}, seed=0, time_limit=None,
                   max_iterations=1, device="cpu", threads=1, wall_limit=120.0, memory_mb=None).to_dict()

    def short_of_memory(*args, **kw):
        raise MemoryError

    monkeypatch.setattr("combopt.problems.graph.graph.Graph.from_edges", short_of_memory)
    row = execute(spec)
    assert row["status"] == "memory" and "while reading" in row["error"], row
    monkeypatch.undo()
    assert execute(spec)["status"] in ("feasible", "optimal")


def test_stop_at_target_uses_the_sets_tolerance():
    """References are often rounded (FIR optima to 5 decimals): a run stops where the report counts it
    at the reference, in the problem's sense, with the report's slack tol * max(|ref|, 1)."""
    from combopt.bench.worker import _loosened

    assert _loosened(None, 1e-4, "min") is None
    assert _loosened(0.2071, 1e-4, "min") == pytest.approx(0.2071 + 1e-4)
    assert _loosened(0.2071, 1e-4, "min") > 0.207104  # the design's 0.207104 stops the run
    assert _loosened(1000.0, 1e-4, "max") == pytest.approx(999.9)
    assert _loosened(43.0, 0.0, "min") == 43.0


def test_contradictions_with_the_reference_in_both_senses():
    from combopt.bench.refs import contradictions

    def row(sense, obj, status="feasible", bound=None, opt=None, best=None, ref_bound=None, feasible=True):
        return {"sense": sense, "objective": obj, "status": status, "bound": bound, "optimum": opt,
                "best_known": best, "reference_bound": ref_bound, "feasible": feasible}

    # consistent claims, either sense, also at the tolerance's edge: nothing to report
    assert contradictions(row("min", 105.0, bound=99.0, opt=100.0, best=100.0, ref_bound=95.0)) == []
    assert contradictions(row("min", 100.0, "optimal", bound=100.0, opt=100.0, best=100.0)) == []
    assert contradictions(row("max", 95.0, bound=101.0, opt=100.0, best=100.0, ref_bound=103.0)) == []
    assert contradictions(row("max", 100.0, "optimal", bound=100.0, opt=100.0)) == []
    assert contradictions(row("min", 100.0 - 5e-4, opt=100.0), tol=1e-6) != []  # slack 1e-4
    assert contradictions(row("min", 100.0 - 5e-4, opt=100.0), tol=1e-5) == []  # slack 1e-3
    # minimisation: a lower bound above the optimum / best known, an objective below the optimum or the
    # reference bound, "optimal" above the optimum, "infeasible" where a feasible value is known
    got = contradictions(row("min", 90.0, bound=101.0, opt=100.0, ref_bound=95.0))
    assert got == ["objective 90 is better than the reference optimum 100",
                   "objective 90 is better than the reference bound 95",
                   "bound 101 lies above the reference optimum 100"]
    assert contradictions(row("min", 110.0, "optimal", bound=110.0, best=105.0)) == [
        "status optimal at 110, but the best known value is 105", "bound 110 lies above the best known value 105"]
    assert contradictions(row("min", None, "infeasible", feasible=False, opt=7.0)) == [
        "status infeasible, but the reference has a feasible value 7"]
    # maximisation: the mirror image (an upper bound below the optimum, an objective above it)
    got = contradictions(row("max", 110.0, bound=99.0, opt=100.0, ref_bound=105.0))
    assert got == ["objective 110 is better than the reference optimum 100",
                   "objective 110 is better than the reference bound 105",
                   "bound 99 lies below the reference optimum 100"]
    assert contradictions(row("max", 90.0, "optimal", bound=90.0, opt=100.0)) == [
        "status optimal at 90, but the reference optimum is 100", "bound 90 lies below the reference optimum 100"]
    # an infeasible run's objective is not a claim; failed runs claim nothing
    assert contradictions(row("max", 500.0, feasible=False, opt=100.0)) == []
    assert contradictions(row("min", 1.0, "error", opt=100.0)) == []


def test_bench_and_report_show_claims_that_contradict_the_reference(tmp_path, capsys):
    p = write_suite(tmp_path, CLIQUE_SET + """
[[solvers]]
solver = "ils"
max_iterations = 2
[[solvers]]
solver = "test-overclaim"
""")
    out = tmp_path / "r.jsonl"
    assert main(["bench", str(p), "--jobs", "2", "--out", str(out)]) == 0
    cap = capsys.readouterr()
    err = cap.err
    lines = [x for x in err.splitlines() if x.startswith("contradiction:")]
    # johnson8-2-4 (clique number 4) and MANN_a9 (16): a one-vertex clique "proven optimal"
    assert len(lines) == 4 and all("test-overclaim" in x for x in lines), err
    assert "CONTRADICTS THE REFERENCE: status optimal at 1" in cap.out  # the run's own progress line
    assert any("johnson8-2-4" in x and "status optimal at 1, but the reference optimum is 4" in x for x in lines)
    assert any("MANN_a9" in x and "bound 1 lies below the reference optimum 16" in x for x in lines)
    rows = read_results([out])
    assert {r["solver"]: r["contradictions"] for r in rows if r["solver"] == "ils"} == {"ils": []}
    s = {x.solver: x for x in summarize(rows)}
    assert (s["ils"].contradicted, s["test-overclaim"].contradicted) == (0, 2)
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    assert main(["report", str(out), "--md", str(md), "--html", str(html)]) == 0
    assert len([x for x in capsys.readouterr().err.splitlines() if x.startswith("contradiction:")]) == 4
    head, _, *body = md.read_text().splitlines()
    col = [c.strip() for c in head.strip("|").split("|")].index("contradictions")
    assert [b.strip("|").split("|")[col].strip() for b in body] == ["0", "2"]
    assert "Claims that contradict the reference values" in html.read_text()
    # a file written before the field existed: the report checks its rows itself
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps({k: v for k, v in r.items() if k != "contradictions"}) + "\n" for r in rows))
    assert [x.contradicted for x in summarize(read_results([old]))] == [0, 2]


def test_contradictions_allow_for_a_rounded_reference():
    """FIR optima are given to 4-5 decimals: 0.207104 sits at the reference 0.2071 (half a unit: 5e-5)."""
    from combopt.bench.refs import contradictions, rounding

    assert (rounding(0.2071), rounding(4.0), rounding(1e-20)) == (pytest.approx(5e-5), 0.0, 0.0)
    row = {"sense": "min", "objective": 0.207104, "status": "optimal", "bound": 0.207104, "optimum": 0.2071,
           "best_known": 0.2071, "reference_bound": None, "feasible": True}
    assert contradictions(row) == []
    assert contradictions(dict(row, objective=0.2072, bound=0.2072)) == [
        "status optimal at 0.2072, but the reference optimum is 0.2071",
        "bound 0.2072 lies above the reference optimum 0.2071"]
    # an integer reference is exact: a bound 0.4 below a clique number is wrong
    assert contradictions({"sense": "max", "objective": 3.0, "status": "feasible", "bound": 3.6, "optimum": 4.0,
                           "feasible": True}) == ["bound 3.6 lies below the reference optimum 4"]


def test_no_kept_suite_result_contradicts_its_reference():
    """The README says so of every results file in benchmarks/results/suites/."""
    from combopt.bench.report import contradiction_lines

    files = sorted((REPO / "benchmarks" / "results" / "suites").glob("*.jsonl"))
    assert len(files) >= 10
    rows = read_results(files)
    assert len(rows) > 1000 and contradiction_lines(rows) == []


# -- found by fuzzing `combopt bench` and `combopt report` (this stop) --------------------------------

@pytest.mark.parametrize("entry,needle", [
    ('sets = 3', "sets must be a set name or a list of them"),
    ('sets = [["clique"]]', "sets must be a set name or a list of them"),
    ('requires = 5', "requires must be a module name or a list of them"),
    ('requires = [1]', "requires must be a module name or a list of them"),
    ('params = { when = 1979-05-27 }', "no dates, times or non-finite numbers"),
    ('name = ["a"]', "name must be a non-empty string (the entry's label), got ['a']"),
    ('name = ""', "name must be a non-empty string"),
])
def test_suite_entry_fields_of_the_wrong_type(tmp_path, capsys, entry, needle):
    """Each was a TypeError / AttributeError traceback (a date in params failed only when the key was hashed)."""
    p = write_suite(tmp_path, CLIQUE_SET + f'[[solvers]]\nsolver = "ils"\n{entry}\n')
    assert main(["bench", str(p), "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "suite.toml:" in err[0], err


def test_suite_name_must_be_a_string(tmp_path, capsys):
    """name = ["a"] became the suite name "['a']" in every results row."""
    p = write_suite(tmp_path, CLIQUE_SET + '[[solvers]]\nsolver = "ils"\n')
    p.write_text(p.read_text().replace('name = "t"', 'name = ["a"]', 1))
    assert main(["bench", str(p), "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "[suite]: name must be a non-empty string, got ['a']" in err[0], err


def test_suite_instances_outside_the_data_root(tmp_path):
    """An absolute pattern outside the data root raised ValueError from relative_to; it now runs them."""
    p = write_suite(tmp_path, f'[sets.c]\nkind = "clique"\ninstances = ["{DATA.as_posix()}/johnson8-*.clq"]\n'
                              '[[solvers]]\nsolver = "ils"\nmax_iterations = 1\n', head=f'data = "{tmp_path}"')
    p.write_text(p.read_text().replace(f'data = "{DATA.as_posix()}"\n', "", 1))
    suite = load_suite(p)
    assert [r.path for r in suite.runs] == [f"{DATA.as_posix()}/johnson8-2-4.clq"]


def test_bench_out_never_an_input_a_link_or_a_pipe(tmp_path, capsys):
    """With --force the results went to the suite's reference file, through a symbolic link, or hung on a FIFO."""
    import os

    data = tmp_path / "data"
    data.mkdir()
    for f in ("johnson8-2-4.clq", "clique-numbers.csv"):
        (data / f).write_bytes((DATA / f).read_bytes())
    p = tmp_path / "s.toml"
    p.write_text(f'[suite]\nname = "s"\ndata = "{data.as_posix()}"\nmax_iterations = 1\n[sets.c]\nkind = "clique"\n'
                 'instances = ["johnson8-2-4.clq"]\nreference = "clique-numbers.csv"\n[[solvers]]\nsolver = "ils"\n')
    before = (data / "clique-numbers.csv").read_bytes()
    victim = tmp_path / "victim.jsonl"
    victim.write_text("mine\n")
    (tmp_path / "link.jsonl").symlink_to(victim)
    os.mkfifo(tmp_path / "fifo.jsonl")
    for out, needle in ((data / "clique-numbers.csv", "is the input file"), (tmp_path / "link.jsonl", "symbolic"),
                        (tmp_path / "fifo.jsonl", "not a regular file")):
        for mode in ("--force", "--resume"):
            assert main(["bench", str(p), "--out", str(out), mode]) == 2
            assert needle in capsys.readouterr().err
    assert (data / "clique-numbers.csv").read_bytes() == before and victim.read_text() == "mine\n"


@pytest.mark.parametrize("field,value,needle", [
    ("objective", "x", "field 'objective' holds \"x\"; expected a number"),
    ("set", 5, "field 'set' holds 5; expected a string"),
    ("suite", [1], "field 'suite' holds [1]"),
    ("gap_pct", "3", "expected a number"),
    ("params", [1], "expected an object"),
    ("key", None, "field 'key' holds null"),
])
def test_results_rows_with_fields_of_the_wrong_type(tmp_path, capsys, field, value, needle):
    """`combopt report` and `--resume` failed with TypeError / ValueError / rich errors on such rows."""
    row = {"key": "a", "index": 0, "suite": "s", "set": "x", "instance": "i", "path": "i", "solver": "sa",
           "label": "sa", "seed": 0, "status": "feasible", "sense": "min", "objective": 1.0, "feasible": True}
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps({**row, "key": "b"}) + "\n" + json.dumps({**row, field: value}) + "\n")
    assert main(["report", str(f)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "r.jsonl:2:" in err[0] and needle in err[0], err
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "\n")
    assert main(["report", str(deep)]) == 2 and "not usable JSON" in capsys.readouterr().err


def test_results_csv_with_an_infinite_integer_is_refused_at_its_line(tmp_path):
    f = tmp_path / "r.csv"
    with ResultsWriter(f, append=False) as w:
        w.write({"key": "a", "suite": "s", "set": "x", "path": "i", "solver": "sa", "label": "sa", "seed": 0,
                 "status": "feasible", "sense": "min", "objective": 1.0, "feasible": True})
    text = f.read_text().splitlines()
    f.write_text("\n".join([*text, text[1].replace(",a,", ",b,", 1).replace(",0,", ",inf,", 1)]) + "\n")
    with pytest.raises(InputError, match="field 'seed' holds 'inf'") as e:  # damage, not a write cut short
        read_results([f])
    assert e.value.line == 3


def test_report_outputs_never_through_a_link_and_never_one_file_twice(tmp_path, capsys):
    """--png --force wrote a plot through a symbolic link planted at its name; --html and --md naming one file
    wrote it and then failed."""
    row = {"key": "a", "index": 0, "suite": "s", "set": "x", "instance": "i", "path": "i", "solver": "sa",
           "label": "sa", "seed": 0, "status": "feasible", "sense": "min", "objective": 1.0, "feasible": True,
           "runtime_s": 1.0, "trace": [[0.5, 1.0]], "best_known": 1.0}
    f = tmp_path / "r.jsonl"
    f.write_text(json.dumps(row) + "\n")
    same = tmp_path / "same.out"
    assert main(["report", str(f), "--html", str(same), "--md", str(same)]) == 2
    assert "name the same file" in capsys.readouterr().err and not same.exists()
    png = tmp_path / "png"
    assert main(["report", str(f), "--png", str(png)]) == 0
    names = sorted(q.name for q in png.iterdir())
    victim = tmp_path / "victim.txt"
    victim.write_text("mine")
    (png / names[0]).unlink()
    (png / names[0]).symlink_to(victim)
    assert main(["report", str(f), "--png", str(png), "--force"]) == 2
    assert "symbolic link" in capsys.readouterr().err and victim.read_text() == "mine"


def test_report_of_a_pipe_rows_without_their_names_and_malformed_traces(tmp_path, capsys):
    """A FIFO hung `combopt report`; a row of a key alone and traces of other shapes crashed --html."""
    import os

    fifo = tmp_path / "p.jsonl"
    os.mkfifo(fifo)
    assert main(["report", str(fifo)]) == 2 and "not a regular file" in capsys.readouterr().err
    row = {"key": "a", "index": 0, "suite": "s", "set": "x", "instance": "i", "path": "i", "solver": "sa",
           "label": "sa", "seed": 0, "status": "feasible", "sense": "min", "objective": 1.0, "feasible": True}
    for bad, needle in (({"key": "only"}, "field 'set' holds null"), ({**row, "trace": [["a", "b"]]}, "'trace'"),
                        ({**row, "trace": [[1]]}, "'trace'"), ({**row, "trace": [[1, 2, 3]]}, "'trace'")):
        f = tmp_path / "r.jsonl"
        f.write_text(json.dumps(bad) + "\n")
        assert main(["report", str(f), "--html", str(tmp_path / "r.html"), "--force"]) == 2
        err = capsys.readouterr().err
        assert "r.jsonl:1:" in err and needle in err, err


def test_resume_refuses_a_csv_that_is_not_a_results_file(tmp_path, capsys):
    """--resume onto a CSV headed `key` (or `key,foo`) appended rows cut down to those columns: results lost."""
    p = write_suite(tmp_path, CLIQUE_SET + '[[solvers]]\nsolver = "ils"\nmax_iterations = 1\n')
    for text in ("key\nabc\n", "key,foo\n"):
        out = tmp_path / "r.csv"
        out.write_text(text)
        assert main(["bench", str(p), "--out", str(out), "--resume"]) == 2
        assert "combopt bench" in capsys.readouterr().err and out.read_text() == text


def test_suite_memory_limit_beyond_what_the_system_takes(tmp_path, capsys):
    """memory_mb = 2**63 - 1 passed the suite check; setrlimit then overflowed in every worker, recorded as
    "killed (out of memory)"."""
    p = write_suite(tmp_path, CLIQUE_SET + '[[solvers]]\nsolver = "ils"\n', head="memory_mb = 9223372036854775807")
    assert main(["bench", str(p), "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "memory_mb must be at most" in capsys.readouterr().err


@pytest.mark.parametrize("kw,needle", [({"solver": ["ils"]}, "solver must be a solver name"),
                                       ({"target": "x"}, "target must be a finite number"),
                                       ({"target": float("nan")}, "target must be a finite number"),
                                       ({"callback": 5}, "callback must be a function"),
                                       # booleans are ints to Python: seed=True ran as seed 1, time_limit=True 1 s
                                       ({"seed": True}, "seed must be a non-negative integer"),
                                       ({"time_limit": True}, "time_limit must be a positive"),
                                       ({"max_iterations": True}, "max_iterations must be a positive integer"),
                                       ({"no_improvement": True}, "no_improvement must be a positive integer")])
def test_api_arguments_of_the_wrong_type(kw, needle):
    """Each was a TypeError or ValueError from deep inside (the registry, the stopping rule, the first callback)."""
    import combopt

    with pytest.raises(combopt.ParameterError, match=needle):
        combopt.solve(combopt.read(DATA / "johnson8-2-4.clq"), **({"time_limit": 1} | kw))


def test_warmup_runs_compile_inline_and_cold_runs_are_flagged_and_run_again(tmp_path, capsys, monkeypatch):
    """`bench --warmup` on an empty cache compiled nothing: its warm-up runs were timed runs, which answer with the
    quick construction while the kernels compile elsewhere, and only one per solver (kernels are per solver and
    kind); the 22 cold rows that followed were recorded as the solvers' results, with nothing to tell them apart."""
    from combopt.bench.report import cold_runs
    from combopt.bench.results import recorded_keys
    from combopt.bench.suite import load_suite
    from combopt.bench.worker import run_isolated

    def execute(spec):  # in a child process: the plugin's solvers must never register in this one (a sweep of
        return run_isolated(spec, "subprocess")  # every registered solver would run test-die), started afresh

    log = tmp_path / "gate.log"
    p = write_suite(tmp_path, CLIQUE_SET + f"""
[sets.mis]
kind = "mis"
instances = ["johnson8-2-4.clq"]
[[solvers]]
solver = "sa"
params = {{ num_reads = 2 }}
[[solvers]]
name = "sa-4"
solver = "sa"
params = {{ num_reads = 4 }}
[[solvers]]
solver = "test-cold"
sets = ["clique"]
params = {{ log = "{log.as_posix()}" }}
""")
    suite = load_suite(p)
    warm = suite.warmup_runs()
    assert all(w.compile and w.max_iterations == 1 and w.key.startswith("warmup-") for w in warm)
    # sa: two parameter sets on two kinds; test-cold: one kind (clique only)
    assert sorted((w.solver, w.kind, w.params.get("num_reads")) for w in warm) == [
        ("sa", "clique", 2), ("sa", "clique", 4), ("sa", "mis", 2), ("sa", "mis", 4), ("test-cold", "clique", None)]
    monkeypatch.setenv("COMBOPT_COLD_START", "1")  # the gate on, as outside the tests
    spec = next(r for r in suite.runs if r.solver == "test-cold")
    cold = execute(spec.to_dict())
    warmed = execute(next(w for w in warm if w.solver == "test-cold").to_dict())
    assert log.read_text().split() == ["1", "0"]  # the warm-up run compiled inline (the gate off for it alone)
    assert cold["cold_start"] is True and warmed["cold_start"] is False and cold["status"] == "feasible"
    out = tmp_path / "r.jsonl"
    other = execute(next(r for r in suite.runs if r.solver == "test-cold" and r.key != spec.key).to_dict())
    out.write_text(json.dumps(cold) + "\n" + json.dumps({**other, "cold_start": False}) + "\n")
    assert set(recorded_keys(out)) == {other["key"]}  # --resume runs the cold one again
    assert cold_runs([cold, other]) and not cold_runs([{**other, "cold_start": False}])
    assert main(["report", str(out)]) == 0
    assert "1 run(s) of test-cold answered with a quick construction" in capsys.readouterr().err
    assert "bench_plugin" not in sys.modules  # its solvers (test-die, test-hang) stay out of this process


def test_a_second_bench_on_the_same_out_is_refused_before_it_touches_the_file(tmp_path, capsys):
    """Two `combopt bench` writing one --out at once (both --resume, or both --force) interleaved their lines, cut
    one in half and lost rows, and both exited 0."""
    from combopt.bench.results import ResultsWriter

    p = write_suite(tmp_path, CLIQUE_SET + '[[solvers]]\nsolver = "test-sleep"\n')
    out = tmp_path / "r.jsonl"
    with ResultsWriter(out, append=False) as first:
        first.write({"key": "k1", "suite": "t", "set": "clique", "instance": "x", "solver": "s", "label": "s",
                     "status": "feasible", "path": "x"})
        before = out.read_bytes()
        for flag in ("--force", "--resume"):
            assert main(["bench", str(p), "--out", str(out), flag]) == 2
            assert "another `combopt bench` is writing it now" in capsys.readouterr().err
            assert out.read_bytes() == before
        with pytest.raises(ParameterError, match="another `combopt bench`"):
            ResultsWriter(out, append=True)
    assert main(["bench", str(p), "--out", str(out), "--force"]) == 0  # free again once the first is done
    assert len(read_results([out])) == 2


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_runs_end_when_their_bench_is_killed(tmp_path, sig):
    """SIGTERM or SIGKILL of `combopt bench` left its runs going to their own limits (then a BrokenPipeError
    traceback each): a run now ends within a second of the process that waits for its row."""
    log = tmp_path / "pids"
    p = write_suite(tmp_path, CLIQUE_SET + f"""
[[solvers]]
solver = "test-linger"
params = {{ log = "{log.as_posix()}", seconds = 60 }}
wall_limit = 120
""")
    bench = subprocess.Popen([sys.executable, "-m", "combopt", "bench", str(p), "--jobs", "2", "--out",
                              str(tmp_path / "r.jsonl")], cwd=tmp_path, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not log.exists() or len(log.read_text().split()) < 2):
            time.sleep(0.2)
        runs = [int(x) for x in log.read_text().split()]
        assert len(runs) == 2 and all(_alive(pid) for pid in runs)
        bench.send_signal(sig)
        bench.wait(30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(pid) for pid in runs):
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in runs)
        assert "Traceback" not in bench.stderr.read()
    finally:
        if bench.poll() is None:
            bench.kill()
        for pid in [int(x) for x in log.read_text().split()] if log.exists() else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    from combopt.bench.worker import _running

    return _running(pid)  # a zombie (exited, not yet reaped by its parent) is not running


def test_resume_onto_old_results_keeps_every_row_and_says_what_it_cannot_mark(tmp_path):
    """A parquet file whose journal was gone lost its rows on --resume (the parquet was rebuilt from the new rows
    alone); a CSV written before `cold_start` silently dropped the flag of a cold row appended to it."""
    import warnings

    from combopt.bench.results import FIELDS, write_parquet

    pytest.importorskip("pyarrow")
    names = {"set": "s", "path": "p", "solver": "sa", "label": "sa", "status": "feasible", "suite": "t",
             "instance": "p"}
    pq = tmp_path / "r.parquet"
    write_parquet([{**names, "key": "k0"}, {**names, "key": "k1"}], pq)
    assert not (tmp_path / "r.parquet.jsonl").exists()
    with ResultsWriter(pq, append=True) as w:
        w.write({**names, "key": "k2"})
    assert sorted(r["key"] for r in read_results([pq])) == ["k0", "k1", "k2"]
    old = tmp_path / "old.csv"
    cols = [c for c in FIELDS if c != "cold_start"]
    old.write_text(",".join(cols) + "\n" + ",".join({**names, "key": "k0"}.get(c, "") for c in cols) + "\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ResultsWriter(old, append=True) as w:
            w.write({**names, "key": "k1", "cold_start": True})
            w.write({**names, "key": "k2", "cold_start": True})
    said = [str(c.message) for c in caught if "before results recorded cold_start" in str(c.message)]
    assert len(said) == 1 and sorted(recorded_keys(old)) == ["k0", "k1", "k2"]


def test_a_run_ends_when_its_bench_is_gone_or_a_zombie_and_not_while_it_lives():
    """The check `kill(pid, 0)` succeeds on a process that has exited but is not reaped yet (a bench started from a
    shell that has not waited for it): its runs went on to their limits."""
    from combopt.bench.worker import EXIT_ORPHANED

    code = ("import sys, time; from combopt.bench.worker import watch_parent; "
            "watch_parent(int(sys.argv[1]), 0.05); time.sleep(60)")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    while _alive(gone.pid):  # exited, not reaped: a zombie child of this test
        time.sleep(0.05)
    watcher = subprocess.Popen([sys.executable, "-c", code, str(gone.pid)])
    assert watcher.wait(60) == EXIT_ORPHANED
    gone.wait()
    alive = subprocess.Popen([sys.executable, "-c", code, str(os.getpid())])
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            alive.wait(3)  # its parent lives: it goes on
    finally:
        alive.kill()
        alive.wait()

