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
