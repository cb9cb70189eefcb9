"""What an outside reviewer found in RCPSP (session 50)."""

from __future__ import annotations

from pathlib import Path

import pytest

from combopt.core.errors import InputError
from combopt.problems.rcpsp.formats import read_psplib_sm

DATA = Path(__file__).parent / "data" / "rcpsp"


def test_a_request_line_for_a_mode_other_than_1_is_refused_with_its_line(tmp_path):
    """The precedence lines say every job has one mode; a request line for mode 7 was read as mode 1 (the file
    solved to 43, optimal, as if it were j301_1)."""
    lines = (DATA / "j301_1.sm").read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["2", "1"] and len(ln.split()) == 7)
    lines[k] = lines[k].replace("  2      1 ", "  2      7 ", 1)
    assert lines[k].split()[:2] == ["2", "7"]
    bad = tmp_path / "mode7.sm"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        read_psplib_sm(bad)
    assert e.value.line == k + 1 and "mode 7" in str(e.value)
    assert read_psplib_sm(DATA / "j301_1.sm").n == 32  # the file as published still reads


@pytest.mark.parametrize("seconds", [0.05, 0.1, 0.2, 0.3, 0.5])
def test_cbc_dying_at_its_time_limit_on_a_warm_start_is_a_stop_not_an_error(seconds):
    """CBC 2.10.3 dies of SIGSEGV when its elapsed-time limit runs out while it reads the MIP start: on j301_1 with
    0.3 s left (and on an 11-task model with 0.05-0.1 s) ``run_pulp`` raised PulpSolverError('CBC failed (exit code
    -11)'), so ``combopt.solve(..., 'milp', time_limit=1)`` and ``combopt solve -s milp -t 1`` ended in a traceback.
    Now the run stops at its limit with the warm start (or better) as its answer."""
    from combopt.solvers.milp import run_pulp

    P = read_psplib_sm(DATA / "j301_1.sm")
    prob, decode = P.to_pulp()
    run = run_pulp(prob, "cbc", seconds)
    assert not run.infeasible and run.status in ("time_limit", "optimal")
    if run.has_solution:
        ev = P.evaluate(decode())
        assert ev.feasible and ev.objective >= 43  # the optimum of j301_1
