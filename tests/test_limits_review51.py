"""Review 51 (limits): stopping, limits, seeds and interruption across the solvers."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"


def _slow_clock(factor: float):
    """A stand-in for the ``time`` module whose ``perf_counter`` runs ``factor`` times faster than the real one."""
    import time

    real = time.perf_counter
    start = real()
    return types.SimpleNamespace(perf_counter=lambda: start + factor * (real() - start))


def test_ctrl_c_caught_inside_code_run_from_a_string_still_exits_130(tmp_path):
    """CPython marks a KeyboardInterrupt unhandled when it leaves code run from a string (a namedtuple or dataclass
    built while a module loads, a Numba kernel compiling) though combopt catches it: ``python -m combopt`` printed
    its one line, returned 130, and then ended by SIGINT itself (returncode -2, 1 run in 8 at 0.3-0.9 s)."""
    (tmp_path / "ctrl_c_in_exec.py").write_text(
        "import runpy, sys\n"
        "class Interrupt:  # Ctrl-C the moment numpy starts loading, inside code run from a string\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'numpy':\n"
        "            sys.meta_path.remove(self)\n"
        "            exec('raise KeyboardInterrupt')\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "runpy.run_module('combopt', run_name='__main__', alter_sys=True)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "ctrl_c_in_exec", "solve", str(DATA / "johnson8-2-4.clq")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert proc.stderr.strip() == "combopt: interrupted while starting"


def test_numba_num_threads_that_numba_cannot_use_is_one_line_and_code_2():
    """NUMBA_NUM_THREADS=0 ended the CLI with Numba's ValueError traceback (exit code 1) while numba was imported, and
    'abc' with a five-line warning before running on the default count; both are now a user error."""
    for value in ("0", "-2", "abc", ""):
        env = dict(os.environ, NUMBA_NUM_THREADS=value)
        proc = subprocess.run([sys.executable, "-m", "combopt", "solve", str(DATA / "johnson8-2-4.clq"), "-t", "1"],
                              capture_output=True, text=True, timeout=120, env=env)
        assert proc.returncode == 2, (value, proc.stderr)
        assert proc.stderr.strip() == ("combopt: error: NUMBA_NUM_THREADS must be a whole number of threads of at "
                                       f"least 1 (or unset), got {value!r}")


def test_ctrl_c_under_the_cli_handler_is_held_until_the_kernel_block_ends():
    """deferred_interrupt() held a Ctrl-C only under Python's own handler; `combopt solve` installs its own
    (recording) one, so there the KeyboardInterrupt came right after the kernel returned and its batch was never
    offered (the answer was what came before it)."""
    import signal

    from combopt.cli.app import _catch_sigint
    from combopt.core.stopping import clear_interrupt, interrupt_pending
    from combopt.solvers.common import deferred_interrupt

    previous = _catch_sigint()
    assert previous is signal.default_int_handler
    try:
        done = []
        try:
            with deferred_interrupt():
                os.kill(os.getpid(), signal.SIGINT)
                done.append("after the signal")  # still runs: the interrupt waits for the end of the block
        except KeyboardInterrupt:
            done.append("raised at the end")
        assert done == ["after the signal", "raised at the end"]
        assert interrupt_pending()  # recorded as the CLI's handler records it
        assert signal.getsignal(signal.SIGINT) is not signal.default_int_handler  # the CLI's handler is back
    finally:
        signal.signal(signal.SIGINT, previous)
        clear_interrupt()


def test_ctrl_c_swallowed_by_a_library_import_is_an_interrupt_not_a_user_error(tmp_path):
    """PuLP imports highspy inside a bare `except:`: a Ctrl-C while highspy loaded was swallowed there, PuLP marked
    HiGHS missing, and `combopt solve -s milp -p backend=highs` ended with 'HiGHS is not installed' and exit code 2
    (seen in test_status_honest's Ctrl-C test under load); the CLI's handler had recorded the interrupt."""
    (tmp_path / "ctrl_c_in_highspy.py").write_text(
        "import os, runpy, signal, sys, time\n"
        "class Interrupt:  # Ctrl-C while highspy loads (PuLP only looks it up first)\n"
        "    calls = 0\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'highspy':\n"
        "            Interrupt.calls += 1\n"
        "            if Interrupt.calls < 2:\n"
        "                return None\n"
        "            sys.meta_path.remove(self)\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "            time.sleep(5)  # the handler runs here\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "runpy.run_module('combopt', run_name='__main__', alter_sys=True)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", "ctrl_c_in_highspy", "solve", str(DATA / "mdkp" / "mknap1.txt#0"),
                           "-s", "milp", "-p", "backend=highs", "-q"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "not installed" not in proc.stderr and "interrupted" in proc.stderr, proc.stderr


def test_a_qubo_bound_without_a_time_limit_does_not_depend_on_the_clock(monkeypatch):
    """README: the same seed gives the same result, its claims included, for limits that do not depend on the clock.
    A QUBO's (and a max-cut's) bound in a run without a time limit ran its relaxation's sweeps for 0.5 s of wall
    time: two runs of sa on a 300-variable QUBO with the same seed reported bounds -392.22738110 and -392.22737880,
    and a slower machine stops the sweeps earlier still. Now the sweeps are counted: a clock 100 times slower gives
    the same bound."""

    import combopt
    from combopt.models import maxcut_bound, maxcut_sdp

    def bound():
        return combopt.QUBO.random(300, 0.05, seed=3).bound_info()

    first = bound()
    slow_clock = _slow_clock(100)  # every second of work takes a hundred on this clock
    monkeypatch.setattr(maxcut_sdp, "time", slow_clock)
    monkeypatch.setattr(maxcut_bound, "time", slow_clock)
    slow = bound()
    assert slow["relaxation_sweeps"] == first["relaxation_sweeps"] > 1
    assert slow["bound"] == first["bound"]
    assert slow["bound"] <= combopt.solve(combopt.QUBO.random(300, 0.05, seed=3), "tabu", max_iterations=2).objective


def test_the_reductions_of_an_untimed_bound_do_not_depend_on_the_clock(monkeypatch):
    """The API's bound call in a run without a time limit spends its 0.1 s by estimated cost (the README's promise:
    the same seed gives the same claims), but the exact reductions inside it stopped at 0.1 s of wall time: on a
    30,000-vertex G(n, m) a clock 30 times slower left a kernel of 23,499 vertices instead of 2,345, and `ils` with
    max_iterations=2 and seed 0 answered 15,993 instead of 15,995 with another bound."""

    import networkx as nx

    from combopt.problems.graph import reduce
    from combopt.problems.graph.mis import IndependentSet

    G = nx.gnm_random_graph(8000, 12000, seed=1)
    first = IndependentSet.from_networkx(G, "mis")
    first.bounds()
    monkeypatch.setattr(reduce, "time", _slow_clock(1000))  # every second of work takes a thousand on this clock
    slow = IndependentSet.from_networkx(G, "mis")
    assert slow.bounds() == first.bounds()
    a, b = first.reduction(), slow.reduction()
    assert a.complete and b.complete and a.kernel_n == b.kernel_n < 8000


def test_a_result_file_records_the_limits_that_with_its_seed_and_params_repeat_the_run(tmp_path, capsys):
    """A result file kept the seed and the solver parameters but not the stopping limits: one of `--max-iterations 3
    --seed 5` could not be repeated from it (a rerun with its seed and params ran the default 10-without-improvement
    / 200 iterations instead)."""
    import json

    import combopt
    from combopt.cli.app import main

    inst = DATA / "qubo" / "bqp50_1.txt"
    out = tmp_path / "r.json"
    assert main(["solve", str(inst), "-s", "tabu", "--max-iterations", "3", "--seed", "5", "--target", "5000",
                 "-p", "num_restarts=2", "-q", "-o", str(out)]) == 0
    capsys.readouterr()
    rec = json.loads(out.read_text())
    assert rec["info"]["limits"] == {"max_iterations": 3, "target": 5000.0}
    again = combopt.solve(combopt.read(inst), rec["solver"], seed=rec["seed"], **rec["info"]["limits"],
                          **rec["params"])
    assert again.iterations == rec["iterations"] == 3
    assert again.objective == rec["objective"] and again.solution_json == rec["solution"]
    stop = combopt.MaxIterations(2) | combopt.NoImprovement(1)
    assert combopt.solve(combopt.read(inst), "tabu", stop=stop).info["limits"] == {"stop": repr(stop)}
