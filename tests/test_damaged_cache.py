"""An exception raised while Numba reads a cached kernel (a truncated .nbi) is one line naming the cache folder,
exit 2, not a traceback on every later run."""

import pickle

from combopt._cache import damaged_cache, numba_cache_dir


def _raised_in(filename, exc):
    try:
        exec(compile("raise exc", filename, "exec"), {"exc": exc})
    except BaseException as e:  # noqa: BLE001
        return e


def test_error_from_numbas_cache_loader_is_named():
    e = _raised_in("/site-packages/numba/core/caching.py", pickle.UnpicklingError("pickle data was truncated"))
    msg = damaged_cache(e)
    assert msg is not None and str(numba_cache_dir()) in msg and "is damaged (UnpicklingError" in msg


def test_other_errors_are_left_alone():
    assert damaged_cache(_raised_in("/somewhere/else.py", EOFError("x"))) is None


def test_cli_says_so_in_one_line(monkeypatch, capsys):
    from test_cli import assert_user_error, run_cli

    import combopt.api

    def broken(*a, **k):
        raise _raised_in("/x/numba/core/caching.py", EOFError("Ran out of input"))

    monkeypatch.setattr(combopt.api, "run_solver", broken)
    rc, _, err = run_cli(capsys, "solve", "tests/data/qubo/bqp50_1.txt", "-s", "sa", "--max-iterations", "1", "-q")
    assert_user_error(rc, err, "compiled-kernel cache", "is damaged (EOFError")


def test_ctrl_c_while_a_kernel_loads_is_no_damage():
    assert damaged_cache(_raised_in("/x/numba/core/caching.py", KeyboardInterrupt())) is None
