"""``-o ""`` reads as the current directory: the one line says so instead of naming "."."""

from pathlib import Path

from test_cli import assert_user_error, run_cli

DATA = Path(__file__).parent / "data"


def test_empty_out_name_is_explained(tmp_path, capsys):
    def user_error(*args, needle):
        rc, _, err = run_cli(capsys, *args)
        assert_user_error(rc, err, *needle)

    tsp = sorted((DATA / "tsp").iterdir())[0]
    user_error("solve", str(tsp), "-t", "1", "-q", "-o", "", needle=("current directory", "empty name"))
    user_error("generate", "rcpsp-rcb", "-o", "", needle=("current directory",))
    user_error("solve", str(tsp), "-t", "1", "-q", "-o", str(tmp_path), needle=(f"--out {tmp_path} is a dir",))


def test_python_messages_name_the_python_spelling(tmp_path):
    import pytest

    import combopt
    from combopt.core.errors import ParameterError

    q = combopt.QUBO.random(4, seed=0)
    r = combopt.solve(q, "exhaustive")
    target = tmp_path / "f.png"
    target.write_bytes(b"mine")
    with pytest.raises(ParameterError, match=r"force=True in Python"):
        combopt.figure(q, r, target)
    assert target.read_bytes() == b"mine"
    with pytest.raises(ParameterError, match=r"device= in Python"):
        combopt.solve(q, "exhaustive", device="gpu")
