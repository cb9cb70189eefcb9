"""Review 49 (`combopt export` and `combopt generate`): defects found by exporting tiny instances of every family and
solving the files with other tools, and by driving both commands with hostile options."""

from __future__ import annotations

import numpy as np
import pytest

from combopt.cli.app import main


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_user_error(rc: int, err: str, *needles: str) -> None:
    """Exit 2 and exactly one stderr line ``combopt: error: ...`` holding every needle."""
    assert rc == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("combopt: error:"), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


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
