"""Hostile input found by fuzzing the readers (one session's mutation run): each ended in a crash, a hang, a traceback
or a silent wrong answer; each now ends in one line on stderr and exit 2, or is refused before it can do harm."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from test_hostile import run_cli, user_error

DATA = Path(__file__).parent / "data"


def _write_dag_csv(tmp_path) -> Path:
    X = np.random.default_rng(0).normal(size=(60, 4))
    path = tmp_path / "d.dag.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c,d", comments="")
    return path


def test_fir_spec_with_a_huge_sampling_frequency_is_an_error_not_a_crash(tmp_path, capsys):
    """fs = 1e20 squeezed the bands into nothing and scipy's remez crashed the interpreter (SIGSEGV)."""
    spec = tmp_path / "fir.toml"
    spec.write_text('order = 12\nbits = 4\nbands = [[0, 0.4], [0.5714285714285714, 1]]\ngains = [1, 0]\nfs = 1e20\n')
    rc, _, err = run_cli(capsys, "solve", spec, "-t", "2", "-q")
    user_error(rc, err, "fir.toml:5", "fs")


def test_fir_bands_too_narrow_for_remez_skip_it(tmp_path, capsys):
    """Bands that give scipy's remez fewer grid points than extremal frequencies (it crashed on them): no Remez
    start, the other starts answer."""
    from combopt.problems.dmmv.fir import FIRDesign, FIRSpec, _remez_grid_points

    spec = FIRSpec(order=12, bits=4, bands=[(0.0, 0.4e-9), (0.57e-9, 1e-9)], gains=[1.0, 0.0])
    assert _remez_grid_points(spec) < spec.M + 3
    assert FIRDesign(spec).remez() is None
    wide = FIRSpec(order=12, bits=4, bands=[(0.0, 0.4), (0.57, 1.0)], gains=[1.0, 0.0])
    assert _remez_grid_points(wide) >= wide.M + 3 and FIRDesign(wide).remez() is not None
    path = tmp_path / "narrow.toml"
    path.write_text("order = 12\nbits = 4\nbands = [[0, 0.4e-9], [0.57e-9, 1e-9]]\ngains = [1, 0]\n")
    rc, _, err = run_cli(capsys, "solve", path, "-t", "2", "-q")
    assert rc == 0, err


def test_truth_from_a_device_is_refused_not_read_forever(tmp_path, capsys):
    """--truth /dev/zero: the truth reader read without end (st_size 0 passed its size check)."""
    data = _write_dag_csv(tmp_path)
    rc, _, err = run_cli(capsys, "solve", data, "--truth", "/dev/zero", "-t", "2", "-q")
    user_error(rc, err, "/dev/zero", "regular file")


def test_truth_json_with_a_huge_integer(tmp_path, capsys):
    data = _write_dag_csv(tmp_path)
    truth = tmp_path / "t.json"
    truth.write_text(json.dumps({"solution": {"adjacency": [[0, 10**400, 0, 0], [0] * 4, [0] * 4, [0] * 4]}}))
    rc, _, err = run_cli(capsys, "solve", data, "--truth", truth, "-t", "2", "-q")
    user_error(rc, err, "t.json", "too large")


def test_truncated_truth_npy(tmp_path, capsys):
    data = _write_dag_csv(tmp_path)
    truth = tmp_path / "t.npy"
    np.save(truth, np.zeros((4, 4)))
    truth.write_bytes(truth.read_bytes()[:-30])
    rc, _, err = run_cli(capsys, "solve", data, "--truth", truth, "-t", "2", "-q")
    user_error(rc, err, "t.npy", "cannot load")


@pytest.mark.parametrize("damage", ["flip", "header"])
def test_damaged_dag_npz(tmp_path, capsys, damage):
    """A flipped byte inside a compressed member (zlib.error) or an unbalanced bracket in a member's header
    (tokenize.TokenError) ended in a traceback."""
    path = tmp_path / "d.dag.npz"
    np.savez_compressed(path, X=np.random.default_rng(0).normal(size=(200, 5)))
    if damage == "flip":
        b = bytearray(path.read_bytes())
        b[64:72] = b"\xff" * 8  # inside the member's deflate stream, past its local header
        path.write_bytes(bytes(b))
    else:
        import zipfile

        arr = np.random.default_rng(0).normal(size=(50, 3))
        member = tmp_path / "X.npy"
        np.save(member, arr)
        raw = member.read_bytes().replace(b"'shape': (50, 3)", b"'shape': (50, 3 ")
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("X.npy", raw)
    rc, _, err = run_cli(capsys, "solve", path, "-t", "2", "-q")
    user_error(rc, err, "d.dag.npz")


def test_png_decompression_bomb(tmp_path, capsys):
    """A 60-byte PNG whose header says 20000 x 20000: Pillow's own DecompressionBombError was a traceback."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path = tmp_path / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 8, 0, 0, 0, 0))
                     + chunk(b"IEND", b""))
    rc, _, err = run_cli(capsys, "solve", path, "-t", "2", "-q")
    user_error(rc, err, "bomb.png", "too large")


@pytest.mark.parametrize("meta, needle", [
    ({"dtype": ["F32"], "shape": [2, 3], "data_offsets": [0, 24]}, "dtype"),
    ({"dtype": "F32", "shape": [True, 6], "data_offsets": [0, 24]}, "shape"),
    ({"dtype": "F32", "shape": [2, 3], "data_offsets": [0, "DIGITS"]}, "JSON"),
])
def test_malformed_safetensors_header(tmp_path, capsys, meta, needle):
    header = json.dumps({"w": meta}).replace('"DIGITS"', "9" * 5000).encode()
    st = tmp_path / "w.safetensors"
    st.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * 24)
    np.save(tmp_path / "x.npy", np.ones((4, 3)))
    spec = tmp_path / "q.toml"
    spec.write_text('kind = "quantization"\nweights = "w.safetensors"\nactivations = "x.npy"\nbits = 3\n')
    rc, _, err = run_cli(capsys, "solve", spec, "-t", "2", "-q")
    user_error(rc, err, "q.toml", "w.safetensors", needle)


def test_quantization_spec_without_activations_names_the_spec_once(tmp_path, capsys):
    np.save(tmp_path / "w.npy", np.ones((2, 3)))
    spec = tmp_path / "q.toml"
    spec.write_text('kind = "quantization"\nweights = "w.npy"\nbits = 3\n')
    rc, _, err = run_cli(capsys, "solve", spec, "-t", "2", "-q")
    line = user_error(rc, err, "q.toml", "activations")
    assert line.count("q.toml") == 1, line


@pytest.mark.parametrize("rows", [
    "1\n3 1 0\n1e308 1e308 1e308\n1 1 1\n3\n",  # profits whose sum overflows
    "1\n3 1 0\n1 1 1\n1e308 1e308 1e308\n1e308\n",  # weights and capacity of 1e308: the LP failed, no file named
])
def test_mdkp_numbers_whose_sums_overflow(tmp_path, capsys, rows):
    path = tmp_path / "k.mknap"
    path.write_text(rows)
    rc, _, err = run_cli(capsys, "solve", path, "-t", "2", "-q")
    user_error(rc, err, "k.mknap", "at most")


def test_dmmv_entries_whose_violations_overflow(tmp_path, capsys):
    """A of 1e308 entries was solved to objective inf, with overflow warnings."""
    path = tmp_path / "big.dmmv.json"
    path.write_text(json.dumps({"format": "dmmv", "A": [[1e308] * 3] * 3, "b": [1, 2, 3],
                                "domain": {"values": [0, 1]}}))
    rc, _, err = run_cli(capsys, "solve", path, "-t", "2", "-q")
    user_error(rc, err, "big.dmmv.json", "too large")
    ok = tmp_path / "ok.dmmv.json"
    ok.write_text(json.dumps({"format": "dmmv", "A": [[1e100, 1, 1], [1, 1, 1], [1, 1, 1]], "b": [1, 2, 3],
                              "domain": {"values": [0, 1]}}))
    rc, _, err = run_cli(capsys, "solve", ok, "-t", "2", "-q")
    assert rc == 0, err


def test_out_never_overwrites_an_input_even_with_force(tmp_path, capsys):
    """--force replaces an earlier result, never the instance or a truth file that the run reads."""
    inst = tmp_path / "b.tsp"
    inst.write_bytes((DATA / "tsp" / "burma14.tsp").read_bytes())
    before = inst.read_bytes()
    for out in (inst, tmp_path / "." / "b.tsp"):
        rc, _, err = run_cli(capsys, "solve", inst, "-o", out, "--force", "-t", "1", "-q")
        user_error(rc, err, "input file")
        assert inst.read_bytes() == before
    rc, _, err = run_cli(capsys, "solve", f"{inst}#0", "-o", inst, "--force", "-t", "1", "-q")
    user_error(rc, err, "input file")
    data = _write_dag_csv(tmp_path)
    truth = tmp_path / "edges.csv"
    truth.write_text("a,b\n")
    rc, _, err = run_cli(capsys, "solve", data, "--truth", truth, "-o", truth, "--force", "-t", "1", "-q")
    user_error(rc, err, "input file")
    assert truth.read_text() == "a,b\n"
    rc, _, err = run_cli(capsys, "export", inst, "--to", "lp", "-o", inst, "--force")
    user_error(rc, err, "input file")
    assert inst.read_bytes() == before
    rc, _, err = run_cli(capsys, "solve", inst, "-o", tmp_path / "r.json", "--force", "-t", "1", "-q")
    assert rc == 0, err


@pytest.mark.parametrize("value", ["9" * 5000, "[" * 50000 + "]" * 50000])
def test_suite_file_with_unreadable_toml(tmp_path, capsys, value):
    """A suite whose TOML Python cannot hold (an integer of 5000 digits, arrays 50,000 deep) was a traceback."""
    suite = tmp_path / "s.toml"
    suite.write_text(f'[suite]\nname = "x"\ntime_limit = {value}\n')
    rc, _, err = run_cli(capsys, "bench", suite)
    user_error(rc, err, "s.toml", "TOML")


def _result(tmp_path, capsys, instance, *extra) -> dict:
    out = tmp_path / "r.json"
    rc, _, err = run_cli(capsys, "solve", instance, "-q", "-o", out, "--force", *extra)
    assert rc == 0, err
    return json.loads(out.read_text())


def _check(tmp_path, capsys, instance, data) -> tuple[int, str, str]:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    return run_cli(capsys, "check", instance, bad)


@pytest.mark.parametrize("finish", [[1, 2], [], [[1, 2]]])
def test_check_rcpsp_finish_that_is_a_list_is_a_mismatch(tmp_path, capsys, finish):
    """A list as a schedule item's finish was compared element-wise: a traceback (truth value of an array)."""
    inst = DATA / "rcpsp" / "j301_1.sm"
    data = _result(tmp_path, capsys, inst, "-t", "1")
    data["solution"][1]["finish"] = finish
    rc, out, err = _check(tmp_path, capsys, inst, data)
    assert rc == 1 and "Traceback" not in err, err
    assert "claims finish" in out


@pytest.mark.parametrize("value", ["1", True, None, 10**400, [1]])
def test_check_tomography_pixel_that_is_not_a_number(tmp_path, capsys, value):
    """A pixel given as the text "1" (or true) was read as 1 and the image accepted as feasible (exit 0)."""
    spec = DATA / "dmmv" / "tomo_sl32.toml"
    data = _result(tmp_path, capsys, spec, "-s", "dmmv-round")
    data["solution"][3][4] = value
    rc, _, err = _check(tmp_path, capsys, spec, data)
    user_error(rc, err, "bad.json", "image")


@pytest.mark.parametrize("instance, kind", [("mdkp/mknap1.txt#0", None), ("qubo", "qubo")])
@pytest.mark.parametrize("value", [True, "1", 10**400, None])
def test_check_01_vectors_take_numbers_only(tmp_path, capsys, instance, kind, value):
    """Booleans were taken as 0/1 (exit 0, feasible) and a 400-digit integer made an object array ("infeasible")."""
    if instance == "qubo":
        qfile = tmp_path / "q.qubo.json"
        qfile.write_text(json.dumps({"linear": {"a": -1, "b": -1}, "quadratic": [["a", "b", 2]]}))
        instance = qfile
    else:
        instance = DATA / instance
    data = _result(tmp_path, capsys, instance, "-t", "1")
    data["solution"][0] = value
    rc, _, err = _check(tmp_path, capsys, instance, data)
    user_error(rc, err, "bad.json", "numbers")


def test_check_objective_beyond_a_float_is_one_mismatch(tmp_path, capsys):
    """1e400 parses as inf: reported once, not also as "claims none" (two contradictory lines)."""
    inst = DATA / "tsp" / "burma14.tsp"
    data = _result(tmp_path, capsys, inst, "-t", "1")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data).replace(f'"objective": {json.dumps(data["objective"])}', '"objective": 1e400', 1))
    rc, out, err = run_cli(capsys, "check", inst, bad)
    assert rc == 1
    mism = [ln for ln in out.splitlines() if ln.startswith("mismatch:")]
    assert len(mism) == 1 and "not a finite number" in mism[0], out


def test_check_dag_weight_whose_score_overflows(tmp_path, capsys):
    """A weight of 1e308 overflowed the score: numpy warnings on stderr and a message that blamed the instance."""
    data_file = _write_dag_csv(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"solution": {"edges": [{"cause": "a", "effect": "b", "weight": 1e308}]}}))
    rc, out, err = run_cli(capsys, "check", data_file, bad)
    assert rc == 1 and "Warning" not in err and "Traceback" not in err, err
    assert "overflows" in out


def test_psplib_second_capacity_line_is_an_error(tmp_path, capsys):
    """A second line of resource capacities was silently ignored."""
    text = (DATA / "rcpsp" / "j301_1.sm").read_text()
    lines = text.splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if ln.startswith("RESOURCEAVAILABILITIES")) + 2  # header, then values
    path = tmp_path / "two.sm"
    path.write_text("".join(lines[:at + 1] + [lines[at]] + lines[at + 1:]))
    rc, _, err = run_cli(capsys, "solve", path, "-t", "1", "-q")
    user_error(rc, err, f"two.sm:{at + 2}", "second line of resource capacities")


def test_rcpsp_json_version_true_is_not_version_1(tmp_path, capsys):
    path = tmp_path / "v.rcpsp.json"
    path.write_text(json.dumps({"format": "combopt-rcpsp", "version": True, "resources": [{"name": "r", "capacity": 1}],
                                "tasks": [{"name": "a", "duration": 1, "demands": {"r": 1}}]}))
    rc, _, err = run_cli(capsys, "solve", path, "-t", "1", "-q")
    user_error(rc, err, "v.rcpsp.json", "version")


def test_psplib_duration_beyond_the_horizon_names_no_deadline(tmp_path, capsys):
    """A duration of 999999999 in a file without deadlines was reported as exceeding "its deadline 536870911"."""
    lines = (DATA / "rcpsp" / "j301_1.sm").read_text().splitlines(keepends=True)
    at = next(i for i, ln in enumerate(lines) if ln.startswith("REQUESTS/DURATIONS")) + 4  # header, dashes, job 1
    toks = lines[at].split()
    assert toks[0] == "2"
    toks[2] = "999999999"
    lines[at] = "  ".join(toks) + "\n"
    path = tmp_path / "long.sm"
    path.write_text("".join(lines))
    rc, _, err = run_cli(capsys, "solve", path, "-t", "1", "-q")
    line = user_error(rc, err, "long.sm", "horizon")
    assert "deadline" not in line
