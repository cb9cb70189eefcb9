"""Review 50 (the first run on a fresh machine): `combopt warmup`, the Numba cache folder."""

from __future__ import annotations

import pytest

from combopt.core.stopping import clear_interrupt, request_interrupt
from combopt.warmup import jobs, warm


def test_ctrl_c_stops_the_warm_up_instead_of_compiling_every_remaining_solve(capsys):
    from combopt.cli.app import main

    todo = jobs("coupling", kind="ebim")
    assert len(todo) >= 2
    finished = []
    request_interrupt()  # a Ctrl-C before the first solve ends: solve answers it with its best so far
    try:
        with pytest.raises(KeyboardInterrupt):  # before: the warm-up went on after Ctrl-C
            warm(todo, lambda job, dt: dt is not None and finished.append(job))
        assert finished == []  # (it ran every remaining solve, each compiling its kernels: 10 s for the dmmv family)
        request_interrupt()
        assert main(["warmup", "--family", "coupling"]) == 130
        err = capsys.readouterr().err
        assert "interrupted after" in err and "compiled the kernels" not in err
    finally:
        clear_interrupt()


def test_a_temporary_cache_folder_others_can_write_to_is_not_used(tmp_path):
    """The fallback cache under the shared temporary folder has a predictable name: one another user made (or made
    writable to all) was used as it was, and Numba unpickles its cache index when it loads a kernel."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import combopt

    root = Path(combopt.__file__).resolve().parent.parent
    shared = tmp_path / "tmp" / f"combopt-{os.getuid()}"
    shared.mkdir(parents=True)
    shared.chmod(0o777)  # planted: anyone may put files in it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COMBOPT_"))}
    env.update(HOME="/proc/nope", XDG_CACHE_HOME="/proc/nope", TMPDIR=str(tmp_path / "tmp"), PYTHONPATH=str(root))
    code = "import os, combopt; print(os.environ.get('NUMBA_CACHE_DIR', '-'))"
    r = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not r.stdout.strip().startswith(str(shared)), r.stdout  # (it was tmp/combopt-UID/numba/<digest>)
    assert not (shared / "numba").exists()
    assert "no cache folder can be written" in r.stderr
    shared.chmod(0o700)  # the user's own: used
    r = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert r.stdout.strip().startswith(str(shared / "numba")), (r.stdout, r.stderr)


def test_the_unwritable_numba_cache_dir_warning_names_the_folder_used_instead(tmp_path):
    """It said "caching compiled kernels in combopt's own cache folder instead" where that could not be written
    either and the kernels went to the temporary folder (or nowhere, the next line then saying so)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import combopt

    root = Path(combopt.__file__).resolve().parent.parent
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COMBOPT_"))}
    env.update(HOME="/proc/nope", XDG_CACHE_HOME="/proc/nope", TMPDIR=str(tmp_path / "tmp"), PYTHONPATH=str(root),
               NUMBA_CACHE_DIR="/proc/nope")
    code = "import os, combopt; print(os.environ['NUMBA_CACHE_DIR'])"
    r = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    used = r.stdout.strip()
    assert used.startswith(str(tmp_path / "tmp" / f"combopt-{os.getuid()}" / "numba")), (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert lines == [f"combopt: warning: NUMBA_CACHE_DIR=/proc/nope cannot be written; caching compiled kernels in "
                     f"{used} instead"]


def test_warmup_without_a_cache_folder_does_not_claim_one(tmp_path):
    """With no cache folder that can be written (here: the home is not writable and the temporary folder's
    combopt-<uid> is writable by all), `combopt warmup` ended 'compiled the kernels of 1 solver(s) in 2.5 s into
    /proc/nope/.cache/combopt/numba/<digest>', a folder that holds nothing."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import combopt

    root = Path(combopt.__file__).resolve().parent.parent
    shared = tmp_path / "tmp" / f"combopt-{os.getuid()}"
    shared.mkdir(parents=True)
    shared.chmod(0o777)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COMBOPT_"))}
    env.update(HOME="/proc/nope", XDG_CACHE_HOME="/proc/nope", TMPDIR=str(tmp_path / "tmp"), PYTHONPATH=str(root))
    r = subprocess.run([sys.executable, "-m", "combopt", "warmup", "--solver", "topo"], cwd=root, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    err = " ".join(r.stderr.split())
    assert "compiled the kernels of 1 solver(s)" in err and "kept nowhere" in err, err
    assert "/proc/nope" not in err, err
