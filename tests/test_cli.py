"""End-to-end tests of the ``combopt`` command line (in-process and one real subprocess)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from combopt.cli.app import main

DATA = Path(__file__).parent / "data"
JOHNSON = DATA / "johnson8-2-4.clq"
RESULT_KEYS = {
    "problem", "instance", "solver", "status", "sense", "objective", "bound", "feasible",
    "runtime_s", "seed", "device", "solution", "trace",
}


def dimacs_edges(path: Path) -> tuple[int, set[frozenset[int]]]:
    """Parse a DIMACS file independently of combopt: (n, set of 1-based edges)."""
    n = 0
    edges: set[frozenset[int]] = set()
    for line in path.read_text().splitlines():
        tok = line.split()
        if tok and tok[0] == "p":
            n = int(tok[2])
        elif tok and tok[0] == "e":
            edges.add(frozenset((int(tok[1]), int(tok[2]))))
    return n, edges


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_user_error(rc: int, err: str, *needles: str) -> None:
    """Exit 2 and exactly one stderr line ``combopt: error: ...`` containing every needle."""
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("combopt: error:"), err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    """``combopt solve johnson8-2-4.clq --target 4 --out r.json`` run once for the module."""
    out = tmp_path_factory.mktemp("solve") / "r.json"
    rc = main(["solve", str(JOHNSON), "--target", "4", "--time-limit", "20", "--seed", "1", "--quiet",
               "--out", str(out)])
    assert rc == 0
    return out


# ----------------------------------------------------------------------------- solve / check


def test_solve_writes_result_json_with_a_clique(solved):
    data = json.loads(solved.read_text())
    assert RESULT_KEYS <= set(data)
    assert data["problem"] == "clique"
    assert data["instance"] == "johnson8-2-4"
    assert data["sense"] == "max"
    assert data["feasible"] is True
    assert data["objective"] == 4
    assert data["seed"] == 1
    assert data["device"] in ("cpu", "gpu")
    assert isinstance(data["runtime_s"], float | int) and data["runtime_s"] >= 0
    assert isinstance(data["trace"], list)
    assert data["bound"] is None or data["bound"] >= 4

    n, edges = dimacs_edges(JOHNSON)
    sol = data["solution"]
    assert isinstance(sol, list) and len(sol) == 4
    assert all(isinstance(v, int) and 1 <= v <= n for v in sol), sol  # 1-based file labels
    assert len(set(sol)) == len(sol)
    for u, v in itertools.combinations(sol, 2):
        assert frozenset((u, v)) in edges, (u, v)


def test_check_accepts_the_written_solution(capsys, solved):
    rc, out, err = run_cli(capsys, "check", JOHNSON, solved)
    assert rc == 0, err
    assert "feasible" in out and "4" in out


def test_check_rejects_a_tampered_solution(capsys, solved, tmp_path):
    data = json.loads(solved.read_text())
    n, edges = dimacs_edges(JOHNSON)
    sol = data["solution"]
    extra = next(w for w in range(1, n + 1) if w not in sol and any(frozenset((w, u)) not in edges for u in sol))
    data["solution"] = sol + [extra]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(data))
    rc, out, err = run_cli(capsys, "check", JOHNSON, bad)
    assert rc == 1
    assert "infeasible" in out
    missing = [u for u in sol if frozenset((extra, u)) not in edges]
    # every missing edge is named as a violation, with file labels
    for u in missing:
        a, b = sorted((u, extra))
        assert f"vertices {a} and {b} are not adjacent" in out, out
    assert "Traceback" not in err


def test_out_is_not_overwritten_without_force(capsys, tmp_path):
    out = tmp_path / "exists.json"
    out.write_text("keep me\n")
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "--target", "4", "--time-limit", "5", "--quiet", "--out", out)
    assert_user_error(rc, err, str(out), "--force")
    assert out.read_text() == "keep me\n"

    rc, _, err = run_cli(capsys, "solve", JOHNSON, "--target", "4", "--time-limit", "5", "--quiet",
                         "--out", out, "--force")
    assert rc == 0, err
    assert json.loads(out.read_text())["objective"] == 4


def test_no_improvement_is_a_solve_option(capsys, tmp_path):
    """The README names no_improvement among the stopping criteria; the CLI had no option for it and refused it as
    -p no_improvement=N ("it has no command-line option")."""
    out = tmp_path / "r.json"
    bqp = DATA / "qubo" / "bqp50_1.txt"  # no bound proves its optimum: the run ends by the criterion
    rc, _, err = run_cli(capsys, "solve", bqp, "-s", "sa", "--no-improvement", "3", "--quiet", "--out", out)
    assert rc == 0, err
    r = json.loads(out.read_text())
    import combopt

    api = combopt.solve(combopt.read(bqp), "sa", no_improvement=3, seed=0)
    assert r["iterations"] == api.iterations >= 3 and r["objective"] == api.objective
    assert r["status"] == "feasible"
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "-s", "sa", "-p", "no_improvement=3", "--quiet")
    assert_user_error(rc, err, "--no-improvement")
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "-s", "sa", "--no-improvement", "0", "--quiet")
    assert_user_error(rc, err, "no_improvement")


def test_check_of_a_result_of_another_kind_says_so(capsys, tmp_path):
    """A FIR result checked against a tomography spec said only "expected 'solution' to be an image"."""
    examples = Path(__file__).parent.parent / "examples" / "dmmv"
    res = tmp_path / "fir.json"
    res.write_text(json.dumps({"problem": "fir", "solution": [0] * 31}))
    rc, _, err = run_cli(capsys, "check", examples / "tomo_sl32.toml", res)
    assert_user_error(rc, err, "a fir result", "tomography instance")
    res.write_text(json.dumps({"problem": "tomography", "solution": [[0, 1], [1, 0]]}))
    rc, _, err = run_cli(capsys, "check", JOHNSON, res)
    assert_user_error(rc, err, "a tomography result", "clique instance")


def test_files_a_spec_reads_are_never_outputs(capsys, tmp_path):
    """`--out`/`--plot` with --force replaced the weights a quantization spec names, or the phantom image of a
    tomography spec: inputs of the run, which no output may overwrite."""
    import shutil

    warm = Path(__file__).parent.parent / "combopt" / "data" / "warmup"
    for f in ("tiny_quant.toml", "tiny_weights.npy", "tiny_calib.npy"):
        shutil.copy(warm / f, tmp_path / f)
    before = (tmp_path / "tiny_weights.npy").read_bytes()
    rc, _, err = run_cli(capsys, "solve", tmp_path / "tiny_quant.toml", "-t", "1", "-q", "-o",
                         tmp_path / "tiny_weights.npy", "--force")
    assert_user_error(rc, err, "--out", "tiny_weights.npy", "refusing to overwrite")
    assert (tmp_path / "tiny_weights.npy").read_bytes() == before
    import numpy as np
    from PIL import Image

    img = np.zeros((16, 16), np.uint8)
    img[4:12, 4:12] = 255
    Image.fromarray(img).save(tmp_path / "ph.png")
    (tmp_path / "tomo.toml").write_text('kind = "tomography"\nphantom = "ph.png"\nangles = 4\n')
    before = (tmp_path / "ph.png").read_bytes()
    rc, _, err = run_cli(capsys, "solve", tmp_path / "tomo.toml", "-t", "1", "-q", "--plot", tmp_path / "ph.png",
                         "--force")
    assert_user_error(rc, err, "--plot", "ph.png", "refusing to overwrite")
    assert (tmp_path / "ph.png").read_bytes() == before


@pytest.mark.parametrize("sense", ["min", "max"])
def test_export_lp_keeps_the_objectives_constant_and_sense(capsys, tmp_path, sense):
    """PuLP's .lp writer drops the objective's constant: a QUBO with offset 1 exported as an LP had the optimum -4,
    not -3. A maximisation was written as the minimisation of its negation: HiGHS reading it gave -10.5 for 10.5."""
    import highspy

    q = tmp_path / "q.qubo.json"
    q.write_text(json.dumps({"format": "combopt-qubo", "sense": sense, "variables": ["a", "b", "c", "d"],
                             "linear": {"a": -3, "b": 2, "c": -1, "d": 0.5}, "offset": 1,
                             "quadratic": [["a", "b", 4], ["b", "c", -2.5], ["a", "d", -1], ["c", "d", 3]]}))
    rc, _, err = run_cli(capsys, "export", q, "--to", "lp", "-o", tmp_path / "q.lp")
    assert rc == 0 and "objective_constant" in err, err
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(tmp_path / "q.lp"))
    h.run()
    import combopt

    exact = combopt.solve(combopt.read(q), "exhaustive")
    assert exact.sense == sense and exact.status == "optimal"
    assert h.getInfo().objective_function_value == pytest.approx(exact.objective)
    assert h.getLp().sense_ == (highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize)
    milp = combopt.solve(combopt.read(q), "milp", time_limit=20)  # the solver's own route through the same model
    assert milp.status == "optimal" and milp.objective == pytest.approx(exact.objective)
    assert milp.bound == pytest.approx(exact.objective)


def test_check_plot_of_a_result_without_solution_says_so(capsys, tmp_path):
    res = tmp_path / "none.json"
    res.write_text(json.dumps({"problem": "clique", "solution": None, "status": "unknown", "objective": None,
                               "bound": None, "gap": None, "feasible": False}))
    rc, _, err = run_cli(capsys, "check", JOHNSON, res, "--plot", tmp_path / "n.png")
    assert rc == 0 and "holds no solution" in err and not (tmp_path / "n.png").exists()


def test_kind_mis_on_a_clq_solves_the_graph_itself(capsys, tmp_path):
    n, edges = dimacs_edges(JOHNSON)
    G = nx.Graph()
    G.add_nodes_from(range(1, n + 1))
    G.add_edges_from(tuple(e) for e in edges)
    _, alpha = nx.max_weight_clique(nx.complement(G), weight=None)
    assert alpha == 7

    out = tmp_path / "mis.json"
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "--kind", "mis", "--target", str(alpha), "--time-limit", "20",
                         "--quiet", "--out", out)
    assert rc == 0, err
    data = json.loads(out.read_text())
    assert data["problem"] == "mis"
    assert data["feasible"] is True
    assert data["objective"] == alpha
    sol = data["solution"]
    assert len(sol) == alpha == len(set(sol))
    assert all(1 <= v <= n for v in sol)
    for u, v in itertools.combinations(sol, 2):
        assert frozenset((u, v)) not in edges, (u, v)

    # the instance file decides the kind: a .clq is a clique instance, so the "mis" result is reported
    rc, out_text, err = run_cli(capsys, "check", JOHNSON, out)
    assert rc == 1, err
    assert "mismatch: problem: the result is for 'mis'" in out_text
    # --kind decides it
    rc, out_text, err = run_cli(capsys, "check", JOHNSON, out, "--kind", "mis")
    assert rc == 0, err
    assert "feasible" in out_text and "mismatch" not in out_text


def test_solvers_lists_clique_solvers(capsys):
    rc, out, err = run_cli(capsys, "solvers", "clique")
    assert rc == 0, err
    # first cell of each table row (continuation lines of wrapped rows have an empty first cell)
    names = {m.group(1) for m in re.finditer(r"^[│|]\s*(\S+)\s*[│|]", out, flags=re.MULTILINE)}
    assert {"sa", "ils", "tabu", "pt", "milp", "exhaustive"} <= names, out
    assert "clique" in out


@pytest.mark.parametrize("width", [80, 160])
def test_solvers_table_fits_the_terminal(capsys, monkeypatch, width):
    """Six columns at 160 characters; at 80 each solver's facts stack in two columns, nothing cut off."""
    from combopt.cli import app as cli_app
    from combopt.core.registry import all_solvers

    monkeypatch.setattr(cli_app.out_console, "_width", width)
    rc, out, err = run_cli(capsys, "solvers")
    assert rc == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= width
    header = next(line for line in lines if line.startswith("┃"))
    assert ("description" in header) == (width == 160) and ("what" in header) == (width == 80)
    flat = " ".join(re.sub(r"[│┃|]", " ", out).split())
    for info in all_solvers():
        assert info.name in flat
        # the description survives the wrapping word for word
        assert " ".join(info.description.split()[:4]) in flat, info.name


# ----------------------------------------------------------------------------- user errors


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["solve", JOHNSON, "--solver", "nope", "--quiet"], ["nope"]),
        (["solve", JOHNSON, "--kind", "nope", "--quiet"], ["nope"]),
        (["solve", JOHNSON, "--param", "num_reads=-1", "--target", "4", "--time-limit", "2", "--quiet"],
         ["num_reads"]),
        (["solve", JOHNSON, "--param", "foo", "--quiet"], ["foo", "key=value"]),
        (["solve", JOHNSON, "--time-limit", "-1", "--quiet"], ["--time-limit"]),
        (["solve", JOHNSON, "--device", "tpu", "--target", "4", "--time-limit", "2", "--quiet"], ["tpu"]),
        (["solve", JOHNSON, "--no-such-option"], ["--no-such-option"]),
        (["solve", f"{JOHNSON}#3", "--quiet"], [str(JOHNSON), "#3"]),
        (["solvers", "nope"], ["nope"]),
    ],
    ids=["unknown-solver", "unknown-kind", "param-negative", "param-malformed", "bad-time-limit", "bad-device",
         "bad-option", "index-on-single-graph", "solvers-unknown-kind"],
)
def test_user_errors_exit_2_with_one_line(capsys, args, needles):
    rc, _, err = run_cli(capsys, *args)
    assert_user_error(rc, err, *needles)


def test_missing_file(capsys, tmp_path):
    missing = tmp_path / "missing.clq"
    rc, _, err = run_cli(capsys, "solve", missing)
    assert_user_error(rc, err, str(missing), "no such file")


def test_directory_instead_of_file(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "solve", tmp_path)
    assert_user_error(rc, err, str(tmp_path), "directory")


def test_file_name_too_long(capsys, tmp_path):
    long = tmp_path / ("x" * 300 + ".clq")
    rc, _, err = run_cli(capsys, "solve", long)
    assert_user_error(rc, err, long.name)
    rc, _, err = run_cli(capsys, "check", JOHNSON, long.with_suffix(".json"))
    assert_user_error(rc, err, long.with_suffix(".json").name)
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "--quiet", "--out", long.with_suffix(".json"))
    assert_user_error(rc, err, long.with_suffix(".json").name)


def test_empty_file(capsys, tmp_path):
    empty = tmp_path / "empty.clq"
    empty.write_text("")
    rc, _, err = run_cli(capsys, "solve", empty)
    assert_user_error(rc, err, str(empty), "empty")


def test_truncated_file(capsys, tmp_path):
    cut = tmp_path / "cut.clq"
    cut.write_bytes(JOHNSON.read_bytes()[:500])
    rc, _, err = run_cli(capsys, "solve", cut, "--quiet")
    assert_user_error(rc, err, str(cut), "210 edges", "truncated")


def test_malformed_file_names_the_line(capsys, tmp_path):
    bad = tmp_path / "bad.clq"
    bad.write_text("c comment\np edge 3 2\ne 1 2\ne 2 x\n")
    rc, _, err = run_cli(capsys, "solve", bad, "--quiet")
    assert_user_error(rc, err, f"{bad}:4", "integer")


@pytest.mark.parametrize(
    "content",
    ["{garbage", "", "\xff\xfe not text", '{"solution": 5}', '{"solution": [1, 2, "x"]}', '{"other": 1}',
     '{"problem": "nope", "solution": [1]}', "[" * 100_000 + "]" * 100_000, '{"solution": [' + "9" * 5000 + "]}"],
    ids=["not-json", "empty", "binary", "not-a-list", "unknown-vertex", "no-solution-key", "unknown-kind",
         "deeply-nested", "huge-integer"],
)
def test_check_garbage_solution(capsys, tmp_path, content):
    sol = tmp_path / "sol.json"
    if content.startswith("\xff"):
        sol.write_bytes(b"\xff\xfe not text")
    else:
        sol.write_text(content)
    rc, _, err = run_cli(capsys, "check", JOHNSON, sol)
    assert_user_error(rc, err)
    if "nope" not in content:
        assert str(sol) in err


def test_check_missing_or_directory_solution(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "check", JOHNSON, tmp_path / "nothere.json")
    assert_user_error(rc, err, "nothere.json")
    rc, _, err = run_cli(capsys, "check", JOHNSON, tmp_path)
    assert_user_error(rc, err, str(tmp_path))


def test_check_ragged_qubo_solution(capsys, tmp_path):
    import combopt

    q = tmp_path / "q.qubo.json"
    combopt.QUBO.random(3, 1.0, seed=0).write_json(q)
    sol = tmp_path / "sol.json"
    sol.write_text('{"problem": "qubo", "solution": [[1], [1, 2], 0]}')
    rc, _, err = run_cli(capsys, "check", q, sol)
    assert_user_error(rc, err, str(sol))

    sol.write_text('{"problem": "qubo", "solution": [1, 0, 1]}')
    rc, out, err = run_cli(capsys, "check", q, sol)
    assert rc == 0, err
    assert "feasible" in out


def test_out_in_missing_directory_fails_before_solving(capsys, tmp_path):
    out = tmp_path / "no" / "such" / "dir" / "r.json"
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "--target", "4", "--time-limit", "5", "--quiet", "--out", out)
    assert_user_error(rc, err, str(out.parent))
    assert not out.parent.exists()


def test_out_is_a_directory(capsys, tmp_path):
    rc, _, err = run_cli(capsys, "solve", JOHNSON, "--target", "4", "--time-limit", "5", "--quiet",
                         "--out", tmp_path, "--force")
    assert_user_error(rc, err, str(tmp_path))
    assert tmp_path.is_dir()


# ----------------------------------------------------------------------------- real subprocess


def test_subprocess_bad_file_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "broken.clq"
    bad.write_text("p edge 4 2\ne 1 2\ne 1 9\n")
    proc = subprocess.run([sys.executable, "-m", "combopt", "solve", str(bad), "--quiet"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("combopt: error:")
    assert f"{bad}:3" in lines[0]
    assert "out of range" in lines[0]


def test_ctrl_c_while_numpy_loads_is_one_line_and_code_130():
    """`import combopt` loads nothing heavy (the names come on first use), so the console script is inside its
    interrupt handling before numpy loads; a Ctrl-C there used to end in a traceback from the import machinery."""
    code = """if True:
        import sys
        import combopt
        assert "numpy" not in sys.modules and "numba" not in sys.modules, "import combopt loaded numpy"
        class Interrupt:  # Ctrl-C the moment numpy starts loading
            def find_spec(self, name, path=None, target=None):
                if name == "numpy":
                    raise KeyboardInterrupt
        sys.meta_path.insert(0, Interrupt())
        from combopt.__main__ import main
        sys.exit(main())
    """
    proc = subprocess.run([sys.executable, "-c", code, "solve", "x.clq"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr.strip() == "combopt: interrupted while starting"


def test_file_names_with_brackets_are_printed_as_they_are(tmp_path, capsys):
    """Rich read '[/x]' in a path as a closing markup tag: the run wrote its file, then crashed with a traceback."""
    import shutil

    folder = tmp_path / "d[/x]"
    folder.mkdir(parents=True)
    inst = folder / "g[bold]h.clq"
    shutil.copy(Path(__file__).parent / "data" / "hamming6-2.clq", inst)
    out = folder / "o[x].json"
    assert main(["solve", str(inst), "-t", "1", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert out.exists() and f"wrote {out}" in captured.err.replace("\n", "")
    assert "g[bold]h" in captured.out


def test_result_json_keeps_lists_on_one_line():
    """A solution of millions of numbers took a line each with indent=2 (a 2-million-symbol coupling: 320 MB, more
    than `combopt check` reads); objects stay indented, lists are written on one line each."""
    import json

    import combopt

    r = combopt.solve(JOHNSON, time_limit=0.3, seed=0)
    text = r.to_json()
    assert json.loads(text) == json.loads(json.dumps(r.to_dict()))
    lines = text.splitlines()
    assert len(lines) < 60  # one line per key of the result and of its info, not one per number
    assert any(line.strip().startswith('"solution": [') and line.rstrip().endswith("],") for line in lines)
    assert lines[1].startswith('  "problem": ')  # still indented


def test_summary_prints_huge_objectives_in_scientific_notation():
    # DAG data scaled by 1e90 has a score near 1e180: the table printed all 181 digits
    from combopt.core.result import format_number as _fmt

    assert _fmt(1e180) == "1e+180" and _fmt(-3e20) == "-3e+20"
    assert _fmt(7542) == "7542" and _fmt(999_999_999_999_999.0) == "999999999999999"  # lengths stay whole
    assert _fmt(None) == "-" and _fmt(2.5) == "2.5" and _fmt(float("inf")) == "inf"


def test_a_valid_file_the_solver_cannot_take_is_one_line_naming_the_file(capsys, tmp_path):
    # slack-penalty's binary slack bits need integer constraints: a fractional capacity or weight is not a bad file
    # (lagrangian, slack-free, solves it) but this solver's limit; the CLI says so naming the file, exit 2
    cap = tmp_path / "cap.txt"
    cap.write_text("1\n3 1 0\n1 2 3\n1 1 1\n2.5\n")
    weight = tmp_path / "weight.txt"
    weight.write_text("1\n3 1 0\n1 2 3\n1.5 1 1\n2\n")
    for path, what in ((cap, "right-hand side 2.5"), (weight, "coefficient 1.5")):
        rc, out, err = run_cli(capsys, "solve", str(path), "-k", "mdkp", "-s", "slack-penalty", "-t", "2", "-q")
        assert rc == 2 and len(err.strip().splitlines()) == 1, err
        assert f"{path}: slack-penalty: constraint 0 has a non-integer {what}" in err and "lagrangian" in err
    rc, out, err = run_cli(capsys, "solve", str(cap), "-k", "mdkp", "-s", "lagrangian", "-t", "2", "-q")
    assert rc == 0, err
