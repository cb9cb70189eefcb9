"""Hostile input found by fuzzing the readers: each case ends in one clean error naming the file (CLI: exit 2 and
one ``combopt: error:`` line), never a traceback or a silently wrong instance.

Huge integers (over 4300 digits in text, 400-digit JSON integers that overflow a float), damaged ``.npy`` / ``.npz``
archives, a list where a name is expected, text where a QUBO number is expected, QUBO coefficients whose energies
overflow, and a UTF-8 byte-order mark at the start of a text instance.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_hostile import run_cli, user_error

import combopt
from combopt.cli.app import main
from combopt.core.errors import InputError

DATA = Path(__file__).parent / "data"
BIG = "9" * 5000  # over Python's 4300-digit limit of int()
B400 = "9" * 400  # an int, but more than a float holds
BOM = b"\xef\xbb\xbf"
PATTERSON = "3 1\n5\n0 0 1 2\n2 1 1 3\n0 0 0\n"
DMMV = {"format": "dmmv", "A": [[1, 0], [0, 1]], "b": [1, 1], "domain": {"lo": 0, "step": 1, "count": 3}}
RCPSP_JSON = {"format": "combopt-rcpsp", "resources": [{"name": "r", "capacity": 2}],
              "tasks": [{"name": "a", "duration": 1, "demands": {"r": 1}}]}


def solve_fails(tmp_path, capsys, name: str, content: str | bytes, *needles: str, extra=()) -> str:
    f = tmp_path / name
    f.write_bytes(content if isinstance(content, bytes) else content.encode())
    rc, _, err = run_cli(capsys, "solve", f, "-q", *extra)
    return user_error(rc, err, name, *needles)


def _rcpsp_json(where: str) -> str:
    """The small project with a 400-digit integer at ``where``."""
    doc = json.loads(json.dumps(RCPSP_JSON))
    mark = 123456789012345
    if where == "duration":
        doc["tasks"][0]["duration"] = mark
    elif where == "capacity":
        doc["resources"][0]["capacity"] = mark
    elif where == "best_known":
        doc["best_known"] = mark
    else:
        doc["witness"] = {"a": mark}
    return json.dumps(doc).replace(str(mark), B400)


# ------------------------------------------------------------------ 1. integers over 4300 digits in text formats
def test_tsplib_dimension_of_5000_digits(tmp_path, capsys):
    text = f"NAME: x\nTYPE: TSP\nDIMENSION: {BIG}\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\nEOF\n"
    solve_fails(tmp_path, capsys, "big.tsp", text, "big.tsp:3", "DIMENSION", "larger than")


@pytest.mark.parametrize("where", ["jobs", "duration"])
def test_psplib_integer_of_5000_digits(tmp_path, capsys, where):
    sm = (DATA / "rcpsp" / "j301_1.sm").read_text()
    if where == "jobs":
        sm, line = re.sub(r"(jobs \(incl\. supersource/sink \):\s*)\d+", lambda m: m.group(1) + BIG, sm), 6
    else:
        lines = sm.splitlines()
        k = next(i for i, s in enumerate(lines) if s.startswith("REQUESTS/DURATIONS")) + 3
        lines[k] = re.sub(r"^(\s*\d+\s+\d+\s+)\d+", lambda m: m.group(1) + BIG, lines[k])
        sm, line = "\n".join(lines) + "\n", k + 1
    solve_fails(tmp_path, capsys, "big.sm", sm, f"big.sm:{line}", "too large")


@pytest.mark.parametrize("text,line", [(BIG + PATTERSON[1:], 1), (PATTERSON.replace("\n5\n", f"\n{BIG}\n"), 2)],
                         ids=["jobs", "capacity"])
def test_patterson_integer_of_5000_digits(tmp_path, capsys, text, line):
    solve_fails(tmp_path, capsys, "big.rcp", text, f"big.rcp:{line}", "too large")


@pytest.mark.parametrize("text,needle", [
    (f'kind = "fir"\norder = {BIG}\n', "too many digits"),
    ('kind = "fir"\nbands = ' + "[" * 50_000 + "]" * 50_000 + "\n", "nested too deeply"),
    (f'kind = "fir"\norder = 12\nbits = 4\nbands = [[0, 0.4], [0.6, 1]]\ngains = [1, 0]\nfs = {B400}\n', "'fs'"),
    (f'kind = "fir"\norder = 12\nbits = 4\nbands = [[0, 0.4], [0.6, 1]]\ngains = [{B400}, 0]\n', "'gains'"),
], ids=["order-5000-digits", "deep-nesting", "number-400-digits", "list-400-digits"])
def test_toml_spec_huge_integers_and_deep_nesting(tmp_path, capsys, text, needle):
    solve_fails(tmp_path, capsys, "big.toml", text, needle)


# ------------------------------------------------------------------ 2. 400-digit JSON integers (float overflow)
@pytest.mark.parametrize("where,needle", [("duration", "tasks[0].duration"), ("capacity", "resources[0].capacity"),
                                          ("best_known", "best_known"), ("witness", "witness.a")])
def test_rcpsp_json_400_digit_integers(tmp_path, capsys, where, needle):
    solve_fails(tmp_path, capsys, "big.rcpsp.json", _rcpsp_json(where), needle)


@pytest.mark.parametrize("text", ['{"marginals": [[' + B400 + ', 1], [0.5, 0.5]]}',
                                  '{"marginals": [[0.5, 0.5]], "rate": ' + B400 + "}"], ids=["marginal", "rate"])
def test_coupling_json_400_digit_integers(tmp_path, capsys, text):
    solve_fails(tmp_path, capsys, "big.coupling.json", text)


@pytest.mark.parametrize("old,new", [
    ("[[1, 0]", f"[[{B400}, 0]"),
    ('"b": [1, 1]', f'"b": [{B400}, 1]'),
    ('{"lo": 0, "step": 1, "count": 3}', f'{{"values": [0, {B400}]}}'),
    ('"domain": {"lo": 0, "step": 1, "count": 3}', f'"domains": [{{"values": [0, {B400}]}}, {{"values": [0, 1]}}]'),
    ('[[1, 0], [0, 1]]', f'{{"shape": [2, 2], "rows": [{10**30}], "cols": [0], "values": [1]}}'),
], ids=["A", "b", "domain-values", "domains-values", "sparse-row-index"])
def test_dmmv_json_huge_integers(tmp_path, capsys, old, new):
    text = json.dumps(DMMV)
    assert old in text
    solve_fails(tmp_path, capsys, "big.dmmv.json", text.replace(old, new), "too large")


@pytest.fixture(scope="module")
def burma_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("res") / "sol.json"
    assert main(["solve", str(DATA / "tsp" / "burma14.tsp"), "--max-iterations", "1", "-q", "-o", str(out)]) == 0
    return json.loads(out.read_text())


@pytest.mark.parametrize("key", ["objective", "bound", "gap"])
def test_check_result_claiming_a_400_digit_number(tmp_path, capsys, burma_result, key):
    """A claim that no float holds is a mismatch (exit 1, like any other non-number claim), not a traceback."""
    f = tmp_path / "sol.json"
    f.write_text(json.dumps({**burma_result, key: int(B400)}))
    rc, out, err = run_cli(capsys, "check", DATA / "tsp" / "burma14.tsp", f)
    assert rc == 1 and not err.strip(), (rc, err)
    assert f"mismatch: {key}: the result claims an integer beyond the range of a float" in out


# ------------------------------------------------------------------ 3. damaged .npz / .npy
def _npy(arr) -> bytes:
    b = io.BytesIO()
    np.save(b, arr)
    return b.getvalue()


def _zip(members: dict[str, bytes], compress=zipfile.ZIP_STORED) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compress) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return b.getvalue()


def _dmmv_members(A: bytes) -> dict[str, bytes]:
    return {"A.npy": A, "b.npy": _npy(np.ones(3)), "lo.npy": _npy(np.float64(0)), "step.npy": _npy(np.float64(1)),
            "count.npy": _npy(np.float64(3))}


def _flag_members(raw: bytes, bits: int) -> bytes:
    """Set general-purpose flag ``bits`` of every local and central zip header (bit 0: encrypted)."""
    raw = bytearray(raw)
    for sig, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        k = raw.find(sig)
        while k >= 0:
            raw[k + at] |= bits
            k = raw.find(sig, k + 4)
    return bytes(raw)


def _npz_cases() -> dict[str, bytes]:
    eye = _npy(np.eye(3))
    good = _zip(_dmmv_members(eye), zipfile.ZIP_DEFLATED)
    flipped = bytearray(good)
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        info = z.getinfo("A.npy")
    at = info.header_offset + 30 + len(info.filename) + len(info.extra)  # the start of the deflate stream: zlib.error
    flipped[at:at + 8] = bytes(255 - x for x in flipped[at:at + 8])
    bad_header = eye.replace(b"'shape': (3, 3)", b"'shape': (3, 3 ")
    assert bad_header != eye
    return {"corrupt": bytes(flipped), "encrypted": _flag_members(good, 0x01),
            "strong-encryption": _flag_members(good, 0x41), "bad-header": _zip(_dmmv_members(bad_header)),
            "truncated": _zip(_dmmv_members(eye[:-20]))}


@pytest.mark.parametrize("case", list(_npz_cases()))
def test_dmmv_npz_damaged(tmp_path, capsys, case):
    """Every damage is an InputError (the truncated member already was; kept with the rest)."""
    solve_fails(tmp_path, capsys, "bad.npz", _npz_cases()[case], ".npz")


@pytest.mark.parametrize("case", ["bad-header", "truncated"])
def test_coupling_npy_damaged(tmp_path, capsys, case):
    m = _npy(np.array([[0.5, 0.5], [0.25, 0.75]]))
    data = m.replace(b"'shape': (2, 2)", b"'shape': (2, 2 ") if case == "bad-header" else m[:-5]
    solve_fails(tmp_path, capsys, "bad.npy", data, "not a readable .npy array", extra=("--kind", "mec"))


# ------------------------------------------------------------------ 4. coupling "kind" of the wrong type
def test_coupling_json_kind_that_is_a_list(tmp_path, capsys):
    text = '{"marginals": [[0.5, 0.5], [0.5, 0.5]], "kind": ["mec"]}'
    solve_fails(tmp_path, capsys, "k.coupling.json", text, '"kind" must be one of')


# ------------------------------------------------------------------ 5. QUBO: text is not a number, nor a pair
@pytest.mark.parametrize("doc", [
    {"linear": {}, "quadratic": ["123"]},
    {"linear": {}, "quadratic": {"ab1": 2}},
    {"linear": ["a1"], "quadratic": []},
    {"linear": {"x0": "5"}, "quadratic": []},
    {"linear": {"x0": 5}, "quadratic": [], "offset": "3"},
    {"linear": {}, "quadratic": [["a", "b", "2"]]},
], ids=["quadratic-string-item", "quadratic-object", "linear-string-pair", "linear-string-value", "offset-string",
        "quadratic-string-value"])
def test_qubo_json_text_is_not_a_number(tmp_path, capsys, doc):
    solve_fails(tmp_path, capsys, "s.qubo.json", json.dumps(doc), "malformed QUBO entry")


def test_qubo_json_documented_forms_still_read(tmp_path):
    f = tmp_path / "ok.qubo.json"
    f.write_text(json.dumps({"format": "combopt-qubo", "sense": "max", "variables": ["a", "b", 3], "offset": 1.5,
                             "linear": {"a": 1, "b": -2.5, "3": 0}, "quadratic": [["a", "b", 2], ["b", 3, -1.0]]}))
    q = combopt.read(f)
    assert q.variables == ["a", "b", 3] and q.objective(q.energy(np.array([1, 1, 1]))) == pytest.approx(1.0)
    f.write_text(json.dumps({"linear": [["x", 1], ["y", 2]], "quadratic": []}))  # pairs of the linear object
    assert combopt.read(f).variables == ["x", "y"]


# ------------------------------------------------------------------ 6. QUBO energies that overflow a float
def test_qubo_json_coefficients_whose_energy_overflows(tmp_path, capsys):
    doc = {"linear": {str(i): 1e307 for i in range(30)}, "quadratic": [], "sense": "max"}
    solve_fails(tmp_path, capsys, "huge.qubo.json", json.dumps(doc), "coefficients too large")
    doc = {"linear": {"0": 1e307}, "quadratic": [["0", "1", 1e308]]}  # 1e308 counted twice, as x.Wx adds it
    with pytest.raises(InputError, match="coefficients too large"):
        (tmp_path / "w.qubo.json").write_text(json.dumps(doc))
        combopt.read(tmp_path / "w.qubo.json")


# ------------------------------------------------------------------ 7. a UTF-8 byte-order mark
def test_edge_list_with_a_byte_order_mark(tmp_path):
    f = tmp_path / "t.edges"
    f.write_bytes(BOM + b"0 1\n1 2\n2 0\n")
    p = combopt.read(f, kind="mis")
    assert p.graph.n == 3 and p.graph.labels == [0, 1, 2]
    assert combopt.solve(p, "exhaustive").objective == 1  # a triangle


@pytest.mark.parametrize("name,text", [
    ("t.clq", "p edge 3 3\ne 1 2\ne 2 3\ne 1 3\n"),
    ("t.tsp", (DATA / "tsp" / "burma14.tsp").read_text()),
    ("t.rcp", PATTERSON),
], ids=["dimacs", "tsplib", "patterson"])
def test_text_instances_with_a_byte_order_mark(tmp_path, name, text):
    f = tmp_path / name
    f.write_bytes(BOM + text.encode())
    (tmp_path / "plain").mkdir()
    g = tmp_path / "plain" / name  # the same name: the same description
    g.write_text(text)
    with_bom, plain = combopt.read(f), combopt.read(g)
    assert with_bom.num_variables == plain.num_variables and with_bom.describe() == plain.describe()


# -- found by fuzzing the CLI (this stop) -------------------------------------------------------------

@pytest.mark.parametrize("param,needle", [("seed=5", "use --seed"), ("time_limit=2", "use --time-limit"),
                                          ("kind=tsp", "use --kind"), ("stop=3", "no command-line option")])
def test_a_solve_option_given_as_a_solver_parameter(capsys, param, needle):
    """`-p seed=5` passed seed twice to combopt.solve: a TypeError traceback and exit code 1."""
    rc, _, err = run_cli(capsys, "solve", DATA / "tsp" / "burma14.tsp", "-t", "1", "-q", "-p", param)
    user_error(rc, err, param.split("=")[0] + " is not a solver parameter", needle)


def test_a_suite_entry_with_a_solve_option_in_its_params(tmp_path):
    from combopt.bench.suite import load_suite

    p = tmp_path / "s.toml"
    p.write_text(f'[suite]\nname = "s"\ndata = "{DATA.as_posix()}"\n[sets.a]\nkind = "tsp"\n'
                 'instances = ["tsp/burma14.tsp"]\n[[solvers]]\nsolver = "tsp-ls"\nparams = { seed = 5 }\n')
    with pytest.raises(InputError, match="seed is not a solver parameter") as e:
        load_suite(p)
    assert e.value.line == 9  # the params line


@pytest.mark.parametrize("backend", ["cbc", "highs"])
@pytest.mark.parametrize("name,text", [("zero.qubo", "p qubo 0 3 3 0\n0 0 0\n1 1 0\n2 2 0\n"),
                                       ("zero.rud", "3 2\n1 2 0\n2 3 0\n")])
def test_milp_on_a_model_whose_objective_is_all_zero(tmp_path, capsys, backend, name, text):
    """PuLP keeps no objective for an all-zero one: CBC's optimal run then read float(None) (a traceback)."""
    f = tmp_path / name
    f.write_text(text)
    out = tmp_path / "r.json"
    rc, _, err = run_cli(capsys, "solve", f, "-s", "milp", "-p", f"backend={backend}", "-t", "5", "-q", "-o", out)
    assert rc == 0, err
    res = json.loads(out.read_text())
    assert (res["status"], res["objective"], res["bound"]) == ("optimal", 0, 0)
    rc, _, err = run_cli(capsys, "check", f, out)
    assert rc == 0, err


def test_dag_csv_cell_over_the_csv_field_limit(tmp_path, capsys):
    """Python's csv module raises csv.Error past 131,072 characters in a cell: it was a traceback."""
    rows = ["a,b,c"] + [f"{i},{2 * i},{i % 3}" for i in range(20)]
    rows[7] = '1,"' + "9" * 200_000 + '",3'
    f = tmp_path / "x.csv"
    f.write_text("\n".join(rows) + "\n")
    err = user_error(*run_cli(capsys, "solve", f, "--kind", "dag", "-t", "1", "-q")[::2], "x.csv:", "malformed CSV")
    assert "field larger than field limit" in err


@pytest.mark.parametrize("param", ["problem=1", "ctx=1"])
def test_a_solver_functions_own_argument_as_a_parameter(capsys, param):
    """`-p problem=1` reached the solver function as a second `problem`: a TypeError traceback."""
    rc, _, err = run_cli(capsys, "solve", DATA / "tsp" / "burma14.tsp", "-t", "1", "-q", "-p", param)
    user_error(rc, err, param.split("=")[0] + " is not a solver parameter")
    with pytest.raises(combopt.ParameterError):
        combopt.solve(combopt.read(DATA / "tsp" / "burma14.tsp"), "tsp-ls", time_limit=1, **{param[:-2]: 1})


def test_coupling_marginal_whose_sum_overflows(tmp_path, capsys):
    """[1e308, 1e308] sums to inf: renormalised it became [0, 0] and mec-exact failed comparing None."""
    f = tmp_path / "c.coupling.json"
    f.write_text('{"marginals": [[1e+308, 1e+308], [4, 6]]}')
    rc, _, err = run_cli(capsys, "solve", f, "-t", "2", "-q", "-p", "normalize=true")
    user_error(rc, err, "c.coupling.json", "marginal 0 sums past the largest float")


def test_stop_that_is_not_a_stopping_criterion():
    with pytest.raises(combopt.ParameterError, match="stop must be a stopping criterion"):
        combopt.solve(combopt.read(DATA / "tsp" / "burma14.tsp"), "tsp-ls", time_limit=1, stop=1)


def test_error_line_numbers_that_look_like_emoji_codes(tmp_path, capsys):
    """rich turned ":100:" of "file.tsp:100: ..." into an emoji (and ":cat:" from the file into a cat)."""
    lines = ["NAME: t", "TYPE: TSP", "DIMENSION: 3", "EDGE_WEIGHT_TYPE: EUC_2D"] + [f"COMMENT: {i}" for i in range(95)]
    f = tmp_path / "e.tsp"
    f.write_text("\n".join(lines + ["BOGUS: 1", "NODE_COORD_SECTION", "1 0 0", "2 :cat: 1", "3 1 1", "EOF"]) + "\n")
    user_error(*run_cli(capsys, "solve", f, "-q")[::2], "e.tsp:100: unknown keyword 'BOGUS'")
    f.write_text("\n".join(lines[:4] + ["NODE_COORD_SECTION", "1 0 0", "2 :cat: 1", "3 1 1", "EOF"]) + "\n")
    user_error(*run_cli(capsys, "solve", f, "-q")[::2], "e.tsp:7:", "':cat:'")


@pytest.mark.parametrize("solver", ["milp", "sa"])
def test_max_cut_weights_too_large_for_its_sums(tmp_path, capsys, solver):
    """Weights of 1e308: `milp` reported the (always feasible) max-cut "infeasible" with exit 0; the default
    solver's error named no file."""
    f = tmp_path / "big.rud"
    f.write_text("3 3\n1 2 1e308\n2 3 1e308\n1 3 1e308\n")
    user_error(*run_cli(capsys, "solve", f, "-s", solver, "-t", "2", "-q")[::2], "big.rud:2:",
               "larger than 1e+12 in magnitude")
    with pytest.raises(combopt.ParameterError, match="larger than"):
        from combopt.problems.graph.maxcut import MaxCut

        MaxCut(3, np.array([[0, 1], [1, 2]]), np.array([1.0, 1e13]))


def test_a_model_refusing_what_a_file_holds_names_the_file(tmp_path, capsys):
    f = tmp_path / "huge.bqp"
    f.write_text("1\n2 1\n1 2 1e308\n")
    user_error(*run_cli(capsys, "solve", f, "-t", "2", "-q")[::2], "huge.bqp:3:", "beyond the float range")


@pytest.mark.parametrize("solver", ["sa", "tabu", "lagrangian", "slack-penalty"])
def test_tsp_whose_cities_coincide(tmp_path, capsys, solver):
    """Every distance 0: the default QUBO penalty 1.5 x the longest edge was 0 ("penalty must be positive, got
    None", though no penalty was given)."""
    f = tmp_path / "same.tsp"
    f.write_text("NAME: t\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                 "1 0 0\n2 0 0\n3 0 0\n4 0 0\nEOF\n")
    res = combopt.solve(combopt.read(f), solver, time_limit=2.0, seed=0)
    assert res.feasible and res.objective == 0


def test_missing_phantom_file_is_named_once(tmp_path, capsys):
    f = tmp_path / "t.toml"
    f.write_text('kind = "tomography"\nangles = 4\nphantom = "nonexist.png"\n')
    line = user_error(*run_cli(capsys, "solve", f, "-t", "2", "-q")[::2], "t.toml:3:", "nonexist.png does not exist")
    assert line.count("t.toml") == 1, line


@pytest.mark.parametrize("field,value,needle", [("feasible", "yes", "'yes' is not true or false"),
                                                ("feasible", 5, "5 is not true or false"),
                                                ("status", None, "status: null is not one of")])
def test_check_reports_claim_fields_it_cannot_read(tmp_path, capsys, field, value, needle):
    """`combopt check` said "claims: all hold" of "feasible": "yes", 5 and "status": null."""
    inst = DATA / "tsp" / "burma14.tsp"
    out = tmp_path / "r.json"
    assert run_cli(capsys, "solve", inst, "-t", "1", "-q", "-o", out)[0] == 0
    data = json.loads(out.read_text())
    data[field] = value
    out.write_text(json.dumps(data))
    rc, stdout, _ = run_cli(capsys, "check", inst, out)
    assert rc == 1 and needle in stdout, stdout


def test_check_of_a_named_pipe_without_a_writer_ends(tmp_path, capsys):
    """open() of a FIFO waits for a writer: `combopt check` hung forever."""
    import os

    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    user_error(*run_cli(capsys, "check", DATA / "tsp" / "burma14.tsp", fifo)[::2], "r.json")


def test_check_of_a_dag_result_for_other_columns(tmp_path, capsys):
    """The adjacency is positional: `check` accepted a result whose variable names were reversed or too short."""
    data = DATA / "sachs_head500.csv"
    out = tmp_path / "r.json"
    assert run_cli(capsys, "solve", data, "--kind", "dag", "-t", "2", "-q", "-o", out)[0] == 0
    good = json.loads(out.read_text())
    for names in (good["solution"]["names"][::-1], good["solution"]["names"][:3]):
        bad = dict(good, solution=dict(good["solution"], names=names))
        out.write_text(json.dumps(bad))
        user_error(*run_cli(capsys, "check", data, out, "--kind", "dag")[::2], "r.json",
                   "are not the data's columns")


def test_an_instance_that_is_a_pipe(tmp_path, capsys):
    """A FIFO was reported as "file is empty" (its size is 0)."""
    import os

    fifo = tmp_path / "p.tsp"
    os.mkfifo(fifo)
    user_error(*run_cli(capsys, "solve", fifo, "-q")[::2], "p.tsp", "not a regular file")


def test_graph_files_take_integers_as_written_in_ascii_digits(tmp_path):
    """Python's int() took an Arabic-Indic digit as 1 ("e 1 ١" was a self-loop on vertex 1) and "1_0" as 10 (two
    labels of an edge list became one vertex)."""
    clq = tmp_path / "u.clq"
    clq.write_text("p edge 3 2\ne 1 2\ne 1 \u0661\n", encoding="utf-8")
    with pytest.raises(combopt.InputError, match="expected an integer vertex") as e:
        combopt.read(clq, "mis")
    assert e.value.line == 3
    el = tmp_path / "g.edgelist"
    el.write_text("1_0 2\n10 2\n")
    g = combopt.read(el, "mis")
    assert g.num_variables == 3  # 1_0, 10 and 2: three vertices, 2 joined to both
    r = combopt.solve(g, "exhaustive")
    assert r.objective == 2 and r.status == "optimal"
