"""Review 50 (the first run on a fresh machine): `combopt warmup`, the Numba cache folder."""

from __future__ import annotations

from combopt.core.stopping import clear_interrupt, request_interrupt
from combopt.warmup import jobs, warm


def test_ctrl_c_stops_the_warm_up_instead_of_compiling_every_remaining_solve(capsys):
    from combopt.cli.app import main

    todo = jobs("coupling", kind="ebim")
    assert len(todo) >= 2
    finished = []
    request_interrupt()  # a Ctrl-C before the first solve ends: solve answers it with its best so far
    try:
        try:
            warm(todo, lambda job, dt: dt is not None and finished.append(job))
        except KeyboardInterrupt:
            pass
        else:
            raise AssertionError("the warm-up went on after Ctrl-C")
        assert finished == []  # (it ran every remaining solve, each compiling its kernels: 10 s for the dmmv family)
        request_interrupt()
        assert main(["warmup", "--family", "coupling"]) == 130
        err = capsys.readouterr().err
        assert "interrupted after" in err and "compiled the kernels" not in err
    finally:
        clear_interrupt()
