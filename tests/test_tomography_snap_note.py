"""A phantom whose pixels are not grey levels is snapped to the nearest level, and the reader says so."""

import numpy as np

from combopt.problems.dmmv.tomography import Tomography, grey_levels


def test_off_level_pixels_are_counted_in_a_note():
    img = np.linspace(0.0, 1.0, 64).reshape(8, 8)
    p = Tomography(img, [0.0, 90.0], grey_levels(3))
    assert set(np.unique(p.phantom)) <= {0.0, 0.5, 1.0}
    expected = int(np.count_nonzero(~np.isclose(img[..., None], [0.0, 0.5, 1.0]).any(axis=-1)))
    assert len(p.notes) == 1 and p.notes[0].startswith(f"{expected} of 64 phantom pixels are not grey levels")


def test_a_phantom_on_its_levels_has_no_note():
    img = np.where(np.arange(64).reshape(8, 8) % 3 == 0, 1.0, 0.0)
    assert Tomography(img, [0.0, 90.0], grey_levels(2)).notes == ()
    assert Tomography(img * 1e-12, [0.0, 90.0], [0.0, 1e-12]).notes == ()


def test_solve_prints_the_note(tmp_path, capsys):
    from test_cli import run_cli

    path = tmp_path / "ramp.npy"
    np.save(path, np.linspace(0.0, 1.0, 100).reshape(10, 10))
    rc, _, err = run_cli(capsys, "solve", str(path), "-k", "tomography", "-s", "dmmv-round", "-q")
    assert rc == 0, err
    assert "note: 98 of 100 phantom pixels are not grey levels" in " ".join(err.split())
