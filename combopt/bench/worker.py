"""One benchmark run in its own process, with a hard wall-time and memory limit.

:func:`run_isolated` starts a child process for one :class:`~combopt.bench.suite.RunSpec`
(as a dict), waits at most ``wall_limit`` seconds, kills it past that, and always returns a
row: a run that raises, hangs, runs out of memory or whose process dies is recorded with
its status and message. The child:

1. limits its address space (``resource.setrlimit(RLIMIT_AS)``) to ``memory_mb``;
2. sets the Numba thread count to ``threads``;
3. imports the suite's plugin modules (``imports``, with ``python_path`` on ``sys.path``) and
   the entry's ``requires`` (so a peer's library import is not counted as solve time);
4. reads the instance and calls :func:`combopt.solve`, whose result is re-evaluated by
   the problem's own ``evaluate``.

Two ways to start the child: a ``forkserver`` that imported combopt once and initialised
Numba (:mod:`.preload`; a fork per run: low overhead; used by the local executor), and ``subprocess`` (``python -m
combopt.bench.worker``, spec on stdin, row on stdout), used inside Dask workers, which
are daemonic processes that multiprocessing does not let have children.
"""

from __future__ import annotations

import contextlib
import json
import math
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from typing import Any

ROW_MARK = "COMBOPT-BENCH-ROW "
#: statuses of runs that did not produce a solver result
FAILED = ("error", "timeout", "memory", "killed")

_live_lock = threading.Lock()
_live: set[Any] = set()  # child processes started here and not reaped yet (killed on interrupt)


def _limit_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    try:
        import resource

        limit = int(memory_mb) * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError, OverflowError):  # not POSIX, or beyond what the system takes: no limit
        pass


def _set_threads(threads: int | None) -> None:
    if not threads:
        return
    try:
        import numba

        numba.set_num_threads(max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS)))
    except (ImportError, ValueError, RuntimeError):  # the thread count is a hint
        pass


def _plugins(spec: dict) -> None:
    import importlib

    for p in spec.get("python_path") or ():
        if p not in sys.path:
            sys.path.insert(0, p)
    if os.getcwd() not in sys.path:  # last: a plugin module in the current folder, never a second combopt
        sys.path.append(os.getcwd())
    for mod in spec.get("imports") or ():
        importlib.import_module(mod)
    for mod in spec.get("preimport") or ():  # a peer's own library: its import time is not its solve time
        try:
            importlib.import_module(mod)
        except ImportError:
            pass  # the solver itself says what is missing


def _num(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def base_row(spec: dict) -> dict[str, Any]:
    """The fields of a row that come from the suite alone."""
    from .refs import instance_names

    return {
        "key": spec["key"], "index": spec.get("index"), "suite": spec["suite"], "set": spec["set"],
        "kind": spec["kind"],
        "instance": spec.get("instance") or instance_names(spec["path"])[0], "path": spec["path"],
        "solver": spec["solver"],
        "label": spec["label"], "params": dict(spec["params"]), "seed": int(spec["seed"]),
        "time_limit": spec["time_limit"], "max_iterations": spec["max_iterations"], "device": spec["device"],
        "status": "error", "sense": None, "objective": None, "bound": None, "feasible": False,
        "iterations": None, "runtime_s": None, "time_to_best_s": None, "wall_s": None, "trace": [],
        "error": None, "cold_start": False,
    }


def execute(spec: dict) -> dict[str, Any]:
    """Run one spec in this process and return its row (never raises for a run's own failure)."""
    t0 = time.perf_counter()
    _limit_memory(spec.get("memory_mb"))
    _set_threads(spec.get("threads"))
    row = base_row(spec)
    try:
        from ..api import solve
        from ..core.errors import CombOptError, InstanceTooLarge
        from ..core.io import read
        from ..warmup import gate_off
        from .results import content_digest

        try:
            _plugins(spec)
            row["instance_sha"] = content_digest(spec["file"])  # before reading: a file that fails to read, fixed
            problem = read(spec["file"], spec["kind"])  # later, reruns on --resume
            row["instance"] = problem.name
            row["kind"] = problem.kind
            row["sense"] = problem.sense
            # a --warmup run compiles what it needs inside its limit; any other run on a cold cache answers with
            # the quick construction (row "cold_start"), as `combopt solve` would
            with gate_off() if spec.get("compile") else contextlib.nullcontext():
                res = solve(problem, spec["solver"], time_limit=spec["time_limit"], seed=int(spec["seed"]),
                            device=spec["device"], max_iterations=spec["max_iterations"],
                            target=_loosened(spec.get("target"), spec.get("target_tolerance", 0.0), problem.sense),
                            **dict(spec["params"]))
        except InstanceTooLarge as e:  # reading ran out of the run's memory_mb: a memory row, as a solve's would be
            row["status"] = "memory"
            row["error"] = f"out of memory while reading the instance (limit {spec.get('memory_mb')} MiB): " + " ".join(
                str(e).split())
        except CombOptError as e:
            row["error"] = " ".join(str(e).split())
        else:
            trace = [[round(float(t), 6), _num(v)] for t, v in res.trace][:2000]
            row.update(
                status=res.status.value, objective=_num(res.objective), bound=_num(res.bound),
                feasible=bool(res.feasible), iterations=int(res.iterations), runtime_s=round(float(res.runtime), 6),
                trace=trace, device=res.device,
                time_to_best_s=next((t for t, v in trace if v is not None and v == _num(res.objective)), None),
                cold_start="cold_start" in res.info,
            )
            if res.violations:
                row["error"] = "infeasible: " + "; ".join(res.violations[:3])
    except MemoryError:
        row["status"] = "memory"
        row["error"] = f"out of memory (limit {spec.get('memory_mb')} MiB)"
    except Exception as e:  # noqa: BLE001 - a solver bug is recorded, not raised
        tb = traceback.extract_tb(e.__traceback__)
        where = f" at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno}" if tb else ""
        row["error"] = f"{type(e).__name__}: {' '.join(str(e).split())[:500]}{where}"
    row["wall_s"] = round(time.perf_counter() - t0, 6)
    return row


#: the longest one wait of the subprocess launcher (11.6 days; poll() takes at most 2**31 ms): a longer wall limit
#: is waited for in several
MAX_WAIT_S = 1e6

#: how often a run's process checks that the process waiting for its row still lives (seconds)
PARENT_POLL_S = 0.5


def watch_parent(pid: int | None, poll: float = PARENT_POLL_S) -> threading.Thread | None:
    """End this run's process once process ``pid`` (the one waiting for its row: ``combopt bench`` or a Dask
    worker) is gone: a bench stopped by SIGTERM or SIGKILL cannot kill its runs, which ran on to their own limits
    (and then printed a traceback writing to the closed pipe)."""
    if not pid:
        return None

    def watch() -> None:
        while _running(pid):
            time.sleep(poll)
        os._exit(EXIT_ORPHANED)

    t = threading.Thread(target=watch, name="combopt-watch-parent", daemon=True)
    t.start()
    return t


#: exit code of a run whose bench went away
EXIT_ORPHANED = 75


def _running(pid: int) -> bool:
    """False once process ``pid`` is gone, or has exited and is not yet reaped by its own parent (a zombie, which
    ``kill(pid, 0)`` still finds: a shell that has not waited for it; Linux's /proc tells)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it exists
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc: kill's answer stands
        return True


def _child(conn, spec: dict) -> None:  # pragma: no cover - runs in the child
    watch_parent(spec.get("parent_pid"))
    try:
        row = execute(spec)
        with contextlib.suppress(BrokenPipeError, EOFError):  # the bench stopped waiting: nobody to tell
            conn.send(row)
    finally:
        conn.close()


def _failed(spec: dict, status: str, message: str, wall: float) -> dict[str, Any]:
    row = base_row(spec)
    row.update(status=status, error=message, wall_s=round(wall, 6))
    return row


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _death(spec: dict, exitcode: int | None, wall: float, detail: str = "") -> dict[str, Any]:
    if exitcode is not None and exitcode < 0:
        msg = f"worker process killed by {_signal_name(exitcode)}"
        if exitcode == -signal.SIGKILL:
            msg += " (out of memory, or killed from outside)"
    else:
        msg = f"worker process exited with code {exitcode} before reporting"
    if detail:
        msg += f": {detail}"
    return _failed(spec, "killed", msg, wall)


_FORKSERVER_READY = False


def _forkserver_context():
    global _FORKSERVER_READY
    ctx = mp.get_context("forkserver")
    if not _FORKSERVER_READY:
        # the forkserver runs ``python -c``, whose sys.path starts with the current folder (Python 3.11 ignores the
        # parent's sys.path there): run from another checkout, it imported that checkout's combopt instead of the
        # installed one. Safe-path mode keeps the folder out; plugins name their folders (``python_path``), and
        # the current folder is appended after everything else for those that do not (see _plugins)
        os.environ.setdefault("PYTHONSAFEPATH", "1")
        ctx.set_forkserver_preload(["combopt.bench.preload"])
        _FORKSERVER_READY = True
    return ctx


def _run_forkserver(spec: dict) -> dict[str, Any]:
    spec = {**spec, "parent_pid": os.getpid()}
    ctx = _forkserver_context()
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, spec), daemon=True)
    p.start()  # the first start waits for the forkserver to start and import combopt: not the run's time
    t0 = time.perf_counter()
    child.close()
    with _live_lock:
        _live.add(p)
    try:
        row = None
        deadline = t0 + float(spec["wall_limit"])
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            if parent.poll(min(left, 0.5)):
                try:
                    row = parent.recv()
                except (EOFError, OSError):
                    row = None
                break
            if not p.is_alive():
                if parent.poll(0):
                    try:
                        row = parent.recv()
                    except (EOFError, OSError):
                        row = None
                break
        wall = time.perf_counter() - t0
        if row is not None:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
            return row
        if p.is_alive():
            p.kill()
            p.join()
            if wall >= float(spec["wall_limit"]):
                return _failed(spec, "timeout", f"exceeded the wall limit of {spec['wall_limit']:g} s; killed", wall)
        p.join()
        return _death(spec, p.exitcode, wall)
    finally:
        parent.close()
        with _live_lock:
            _live.discard(p)


def _run_subprocess(spec: dict) -> dict[str, Any]:
    spec = {**spec, "parent_pid": os.getpid()}
    t0 = time.perf_counter()
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    proc = subprocess.Popen([sys.executable, "-P", "-m", "combopt.bench.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    with _live_lock:
        _live.add(proc)
    try:
        deadline, data = t0 + float(spec["wall_limit"]), json.dumps(spec)
        while True:
            # in waits of at most MAX_WAIT_S: a suite's time_limit = 1e300 (finite, so taken) gave a wall limit the
            # selector cannot wait for (OverflowError: every run of a Dask worker starting runs this way was killed)
            try:
                out, err = proc.communicate(data, timeout=min(max(deadline - time.perf_counter(), 0.0), MAX_WAIT_S))
                break
            except subprocess.TimeoutExpired:
                data = None  # sent: communicate takes no input again
                if time.perf_counter() < deadline:
                    continue
            proc.kill()
            proc.communicate()
            wall = time.perf_counter() - t0
            return _failed(spec, "timeout", f"exceeded the wall limit of {spec['wall_limit']:g} s; killed", wall)
        wall = time.perf_counter() - t0
        for line in reversed(out.splitlines()):
            if line.startswith(ROW_MARK):
                return json.loads(line[len(ROW_MARK):])
        tail = " ".join((err or "").strip().splitlines()[-1:])[:300]
        return _death(spec, proc.returncode, wall, tail)
    finally:
        with _live_lock:
            _live.discard(proc)


def run_isolated(spec: dict, launcher: str = "auto") -> dict[str, Any]:
    """Run ``spec`` in a child process and return its row.

    Parameters
    ----------
    spec
        :meth:`RunSpec.to_dict` of the run.
    launcher
        ``"forkserver"``, ``"subprocess"`` or ``"auto"`` (forkserver, except in a daemonic
        process such as a Dask worker, where multiprocessing cannot start children).
    """
    if launcher == "auto":
        launcher = "subprocess" if (mp.current_process().daemon or sys.platform == "win32") else "forkserver"
    if launcher == "forkserver":
        return _run_forkserver(spec)
    if launcher == "subprocess":
        return _run_subprocess(spec)
    raise ValueError(f"unknown launcher {launcher!r}")


def kill_live() -> int:
    """Kill the child processes this process started and still runs (on Ctrl-C). Returns how many."""
    with _live_lock:
        procs = list(_live)
    for p in procs:
        try:
            p.kill()
        except (OSError, ValueError, AttributeError):
            pass
    return len(procs)


def _loosened(target, tol: float, sense: str):
    """The reference value widened by the set's relative tolerance in the problem's sense, so a run
    stops where the report already counts it at the reference (values rounded in the reference file)."""
    if target is None:
        return None
    slack = float(tol or 0.0) * max(abs(float(target)), 1.0)  # the same slack as runner.score and the report
    return float(target) + slack if sense == "min" else float(target) - slack


def main() -> int:  # pragma: no cover - runs in the child
    """``python -m combopt.bench.worker``: a spec (JSON) on stdin, the row on the last stdout line."""
    spec = json.loads(sys.stdin.read())
    watch_parent(spec.get("parent_pid"))
    row = execute(spec)
    sys.stdout.write("\n" + ROW_MARK + json.dumps(row) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
