"""Review 49 (command line and file safety): defects found by driving `combopt` with hostile options and files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_cli import assert_user_error, run_cli

DATA = Path(__file__).parent / "data"
GR17 = DATA / "tsp" / "gr17.tsp"


@pytest.fixture
def folder(tmp_path) -> Path:
    d = tmp_path / "inst"
    d.mkdir()
    shutil.copy(GR17, d / "gr17.tsp")
    return d


@pytest.mark.parametrize(("param", "needle"), [
    ("seed=5", "use --seed"), ("time_limit=3", "use --time-limit"), ("kind=tsp", "use --kind"),
    ("target=3", "no command-line option"),
])
def test_bench_folder_param_naming_a_solve_option_is_one_line(capsys, folder, tmp_path, param, needle):
    # before: `combopt bench DIR -p seed=5` ended in a TypeError traceback (solve() got multiple values for 'seed'),
    # and -p kind=tsp was silently taken as the kind
    out = tmp_path / "rows.csv"
    rc, _, err = run_cli(capsys, "bench", folder, "-s", "tsp-ls", "-t", "1", "-p", param, "-o", out)
    assert_user_error(rc, err, "is not a solver parameter", needle)
    assert not out.exists()


@pytest.mark.parametrize(("args", "needles"), [
    (["-s", "nosuch"], ["unknown solver 'nosuch'"]),
    (["-s", "tsp-ls", "--kind", "foo"], ["unknown problem kind 'foo'"]),
    (["-s", "tsp-ls", "--seed", "-1"], ["--seed", "-1"]),
    (["-s", "tsp-ls", "--device", "foo"], ["--device", "'foo'"]),
])
def test_bench_folder_refuses_a_bad_option_before_any_run(capsys, folder, tmp_path, args, needles):
    # before: every run became an "error" row, the table was printed and written, and the exit code was 0
    out = tmp_path / "rows.csv"
    rc, stdout, err = run_cli(capsys, "bench", folder, "-t", "1", *args, "-o", out)
    assert_user_error(rc, err, *needles)
    assert not out.exists()
    assert "combopt bench" not in stdout


RESULTS = Path(__file__).parent.parent / "benchmarks" / "results" / "suites" / "atsp.jsonl"


@pytest.mark.parametrize("option", ["--md", "--html"])
def test_report_errors_name_the_option_given(capsys, tmp_path, option):
    # before: each of these said "--out ...", an option `combopt report` does not have
    results = tmp_path / "atsp.jsonl"
    shutil.copy(RESULTS, results)
    before = results.read_bytes()
    rc, _, err = run_cli(capsys, "report", results, option, results, "--force")
    assert_user_error(rc, err, f"{option} {results} is the input file")
    assert results.read_bytes() == before
    rc, _, err = run_cli(capsys, "report", results, option, tmp_path / "missing" / "r.out")
    assert_user_error(rc, err, f"{option} {tmp_path / 'missing' / 'r.out'}: directory")
    rc, _, err = run_cli(capsys, "report", results, option, tmp_path)
    assert_user_error(rc, err, f"{option} {tmp_path} is a directory")


@pytest.mark.parametrize("vertex", [0, 21])
def test_check_maxcut_vertex_out_of_range_in_the_files_numbering(capsys, tmp_path, vertex):
    # before: "infeasible ... vertex index out of range 0..19" (0-based) for a result in 1-based numbering, which
    # called vertex 0 in range and 20 out of it; now the range the result's numbering has, like TSP cities
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"solution": [1, 3, vertex]}))
    rc, _, err = run_cli(capsys, "check", DATA / "maxcut" / "torus4x5.rud", res)
    assert_user_error(rc, err, f"vertex {vertex} is out of range 1..20", "1-based")


def test_check_maxcut_in_range_still_checked(capsys, tmp_path):
    # vertices 1 and 20 are the ends of the range: read and evaluated (a brute-forced cut value of the torus)
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"solution": [1, 20]}))
    rc, out, _ = run_cli(capsys, "check", DATA / "maxcut" / "torus4x5.rud", res)
    edges = [tuple(map(int, ln.split())) for ln in (DATA / "maxcut" / "torus4x5.rud").read_text().splitlines()[1:]
             if ln.strip()]
    cut = sum(w for i, j, w in edges if (i in (1, 20)) != (j in (1, 20)))
    assert rc == 0 and f"feasible: objective {cut} " in out


BOM_FILES = ["tsp/gr17.tsp", "maxcut/torus4x5.rud", "mdkp/mknap1.txt", "qubo/bqp50_1.txt", "qubo/qbsolv_sample.qubo",
             "qubo/hamming6-2-clique.qubo.json", "dmmv/fir_f1.toml", "rcpsp/j301_1.sm"]


@pytest.mark.parametrize("rel", BOM_FILES)
def test_a_byte_order_mark_is_no_error_in_any_reader(tmp_path, rel):
    # before: the TSPLIB, DIMACS, PSPLIB, CSV and coupling readers skipped a leading UTF-8 byte-order mark (a file
    # saved by Notepad or Excel), but a rudy file failed with "expected the header 'n m', got '\ufeff20 40'", a
    # qbsolv file on its program line, .qubo.json / .rcpsp.json / .toml as invalid JSON or TOML, and an OR-Library
    # knapsack or BQP .txt as "unknown file format"; now every reader reads it as the file without the mark
    import combopt

    src = DATA / rel
    marked = tmp_path / src.name
    marked.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    p, q = combopt.read(marked), combopt.read(src)
    assert p.kind == q.kind
    assert p.describe() == q.describe()
    if hasattr(q, "h") and hasattr(q, "W"):  # a QUBO: the same coefficients
        assert (p.h == q.h).all() and (p.W != q.W).nnz == 0


def test_check_reads_a_result_json_with_a_byte_order_mark(capsys, tmp_path):
    # before: "not valid JSON (Unexpected UTF-8 BOM (decode using utf-8-sig))", exit 2, for a result saved by an editor
    res = tmp_path / "r.json"
    res.write_bytes(b"\xef\xbb\xbf" + json.dumps({"solution": [1, 20]}).encode())
    rc, out, err = run_cli(capsys, "check", DATA / "maxcut" / "torus4x5.rud", res)
    assert rc == 0 and out.startswith("feasible: objective"), err


def test_solve_of_a_suite_file_says_it_is_a_suite(capsys):
    # before: read as a FIR spec, "quick.toml:68: unknown key 'sets'; expected some of: order, bits, bands, ..."
    suite = Path(__file__).parent.parent / "benchmarks" / "suites" / "quick.toml"
    rc, _, err = run_cli(capsys, "solve", suite, "-t", "1", "-q")
    assert_user_error(rc, err, str(suite), "benchmark suite", "combopt bench")
    assert "unknown key" not in err


@pytest.mark.parametrize("indent", [None, 2])
def test_report_of_a_solve_result_says_what_it_is(capsys, tmp_path, indent):
    """A result of `combopt solve --out` given to report said "no finished runs in r.json" (its lines, one or many,
    hold no row with a key)."""
    out = tmp_path / "r.json"
    assert run_cli(capsys, "solve", GR17, "-t", "1", "-q", "--out", out)[0] == 0
    out.write_text(json.dumps(json.loads(out.read_text()), indent=indent))
    rc, _, err = run_cli(capsys, "report", out)
    assert_user_error(rc, err, "r.json: one result of `combopt solve`, not suite results", "combopt check")


def test_check_of_a_result_against_another_instance_of_the_file_says_which(capsys, tmp_path):
    """A result of mknap1.txt#5 checked against mknap1.txt (its instance #0) gave only a list of mismatches (39
    entries, expected 6): check now says which instance the result is for."""
    out = tmp_path / "r.json"
    assert run_cli(capsys, "solve", f"{DATA / 'mdkp' / 'mknap1.txt'}#5", "-t", "1", "-q", "--out", out)[0] == 0
    rc, text, _ = run_cli(capsys, "check", DATA / "mdkp" / "mknap1.txt", out)
    assert rc == 1 and text.startswith("note: the result is for instance 'mknap1#5'; checked against 'mknap1#0'")
    rc, text, _ = run_cli(capsys, "check", f"{DATA / 'mdkp' / 'mknap1.txt'}#5", out)
    assert rc == 0 and "note:" not in text
