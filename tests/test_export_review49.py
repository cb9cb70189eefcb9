"""Review 49 (`combopt export` and `combopt generate`): defects found by exporting tiny instances of every family and
solving the files with other tools, and by driving both commands with hostile options."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_cli import assert_user_error, run_cli


def _qubo_file(tmp_path: Path) -> Path:
    q = tmp_path / "q.qubo.json"
    q.write_text(json.dumps({"format": "combopt-qubo", "sense": "max", "variables": ["a", "b", "c"], "offset": 2,
                             "linear": {"a": 1, "b": -2, "c": 3}, "quadratic": [["a", "b", 4], ["a", "c", -5]]}))
    return q


@pytest.mark.parametrize("param", ["penalty=3", "foo=1"])
@pytest.mark.parametrize("to", ["qubo", "qbsolv"])
def test_export_refuses_a_param_the_qubo_file_has_no_use_for(capsys, tmp_path, param, to):
    # before: QUBO.to_qubo(**params) took anything, so `export q.qubo.json --to qbsolv -p foo=1` (or -p penalty=3)
    # wrote the file with exit 0, the parameter silently ignored; `solve -s sa -p penalty=3` refuses the same penalty
    q = _qubo_file(tmp_path)
    out = tmp_path / f"o.{to}"
    rc, _, err = run_cli(capsys, "export", q, "--to", to, "-o", out, "-p", param)
    assert_user_error(rc, err, param.split("=")[0])
    assert not out.exists()


def test_export_refuses_an_unknown_param_and_keeps_the_penalty(capsys, tmp_path):
    g = tmp_path / "p4.clq"
    g.write_text("p edge 4 3\ne 1 2\ne 2 3\ne 3 4\n")
    rc, _, err = run_cli(capsys, "export", g, "-k", "mis", "--to", "qubo", "-o", tmp_path / "x.json", "-p", "foo=1")
    assert_user_error(rc, err, "foo", "mis")
    rc, _, err = run_cli(capsys, "export", g, "-k", "mis", "--to", "qubo", "-o", tmp_path / "y.json", "-p",
                         "penalty=3")
    assert rc == 0, err
    d = json.loads((tmp_path / "y.json").read_text())
    assert sorted(w for _, _, w in d["quadratic"]) == [3.0, 3.0, 3.0]  # the penalty on each of the 3 edges


@pytest.mark.parametrize(("to", "needle"), [("lp", "TSP MILP needs at least 3 cities"),
                                            ("qubo", "TSP QUBO needs at least 3 cities")])
def test_export_of_an_instance_the_model_cannot_take_names_the_file(capsys, tmp_path, to, needle):
    # before: "combopt: error: the TSP MILP needs at least 3 cities, this instance has 2": no file named (solve
    # names it)
    f = tmp_path / "two.tsp"
    f.write_text("NAME: two\nTYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
                 "EDGE_WEIGHT_SECTION\n0 3\n3 0\nEOF\n")
    rc, _, err = run_cli(capsys, "export", f, "--to", to, "-o", tmp_path / f"o.{to}")
    assert_user_error(rc, err, "two.tsp", needle)


def test_export_of_fractional_knapsack_weights_to_a_qubo_names_the_file(capsys, tmp_path):
    f = tmp_path / "frac.txt"
    f.write_text("1\n3 1 0\n5 4 3\n1.5 2 1\n3\n")
    rc, _, err = run_cli(capsys, "export", f, "-k", "mdkp", "--to", "qubo", "-o", tmp_path / "o.json")
    assert_user_error(rc, err, "frac.txt", "non-integer coefficient 1.5")
    rc, _, err = run_cli(capsys, "export", f, "-k", "mdkp", "--to", "lp", "-o", tmp_path / "o.lp")
    assert rc == 0, err  # the MILP takes fractional weights


@pytest.mark.parametrize("target", ["layer.npy", "calib.npy"])
def test_export_never_overwrites_a_file_the_spec_reads_even_with_force(capsys, tmp_path, target):
    # before: `combopt export qz.toml --to lp -o layer.npy --force` replaced the spec's weights with the LP text (exit
    # 0), where `combopt solve` refuses the same --out; the README: never over one of the run's own input files
    rng = np.random.default_rng(0)
    np.save(tmp_path / "layer.npy", rng.normal(size=(2, 3)))
    np.save(tmp_path / "calib.npy", rng.normal(size=(8, 3)))
    spec = tmp_path / "qz.toml"
    spec.write_text('kind = "quantization"\nweights = "layer.npy"\nactivations = "calib.npy"\nbits = 2\n')
    before = (tmp_path / target).read_bytes()
    rc, _, err = run_cli(capsys, "export", spec, "--to", "lp", "-o", tmp_path / target, "--force")
    assert_user_error(rc, err, target, "input file")
    assert (tmp_path / target).read_bytes() == before
    rc, _, err = run_cli(capsys, "export", spec, "--to", "lp", "-o", tmp_path / "qz.lp")
    assert rc == 0 and (tmp_path / "qz.lp").read_text().startswith("\\*"), err


def test_export_lp_writes_every_digit_of_a_coefficient(capsys, tmp_path):
    # before: PuLP's writer prints 12 significant digits: weight 1000000000004 became 1e+12 and the capacity
    # 1000000000006 became 1.00000000001e+12, so the second item (weight 6) fitted beside the first: HiGHS reading the
    # .lp gave 10, the instance's optimum is 5
    import highspy

    import combopt

    f = tmp_path / "big.txt"
    f.write_text("1\n2 1 0\n5 5\n1000000000004 6\n1000000000006\n")
    out = tmp_path / "big.lp"
    rc, _, err = run_cli(capsys, "export", f, "-k", "mdkp", "--to", "lp", "-o", out)
    assert rc == 0, err
    assert "1000000000004 x1" in out.read_text() and "<= 1000000000006" in out.read_text()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(str(out))
    h.run()
    p = combopt.read(f, "mdkp")
    best = max(p.evaluate(s).objective for s in ([], [0], [1], [0, 1]) if p.evaluate(s).feasible)
    assert best == 5
    assert h.getInfo().objective_function_value == pytest.approx(best)


def test_export_lp_of_fractional_coefficients_reads_back_exactly(capsys, tmp_path):
    """Reals keep their shortest exact text (0.1, not 0.10000000000000001; 1/3 to its last digit, not 0.3333333333)."""
    q = tmp_path / "q.qubo.json"
    q.write_text(json.dumps({"format": "combopt-qubo", "sense": "min", "variables": ["a", "b"], "offset": 0.1,
                             "linear": {"a": -0.3, "b": 1 / 3}, "quadratic": [["a", "b", -0.7]]}))
    out = tmp_path / "q.lp"
    rc, _, err = run_cli(capsys, "export", q, "--to", "lp", "-o", out)
    assert rc == 0, err
    text = out.read_text()
    assert "0.1 objective_constant - 0.3 x0 + 0.3333333333333333 x1 - 0.7 y0_1" in text, text
    assert "objective_constant = 1" in text, text


@pytest.mark.parametrize(("name", "text", "kind"), [
    ("my knap.txt", "1\n2 1 0\n5 4\n3 2\n4\n", "mdkp"),
    ("my graph.clq", "p edge 3 2\ne 1 2\ne 2 3\n", "mis"),
    ("my graph.clq", "p edge 3 2\ne 1 2\ne 2 3\n", "clique"),
])
def test_export_lp_of_a_file_with_a_space_in_its_name_is_quiet(capsys, recwarn, tmp_path, name, text, kind):
    # before: PuLP's "UserWarning: Spaces are not permitted in the name. Converted to '_'" with its source line, two
    # lines of a library's warning on stderr under the "wrote" line
    f = tmp_path / name
    f.write_text(text)
    rc, _, err = run_cli(capsys, "export", f, "-k", kind, "--to", "lp", "-o", tmp_path / "o.lp")
    assert rc == 0, err
    assert "Warning" not in err and err.strip().startswith("wrote"), err
    assert not [w for w in recwarn if "Spaces are not permitted" in str(w.message)]  # (re-shown through pytest)
    assert (tmp_path / "o.lp").read_text().startswith(f"\\* {kind}_my_")


@pytest.mark.parametrize("value", ["0", "10001"])
def test_generate_names_the_max_duration_option_it_refuses(capsys, tmp_path, value):
    # before: "max_duration must be an integer in 1..10000", the Python name, where every other refusal of
    # `generate rcpsp-rcb` names its option (--tasks, --level, --downtime, ...)
    out = tmp_path / "g.rcpsp.json"
    rc, _, err = run_cli(capsys, "generate", "rcpsp-rcb", "--tasks", "6", "--layers", "2", "--level", "2",
                         "--max-duration", value, "-o", out)
    assert_user_error(rc, err, "--max-duration", "1..10000", value)
    assert not out.exists()
