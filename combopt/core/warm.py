"""Cold start: a time-limited run on an empty Numba cache still ends on time, with a solution.

On a fresh machine the first call of every Numba kernel compiles it (seconds to tens of seconds,
more under load). :func:`run_solver` runs a solver function with a *compile gate*:

* A run with a finite time limit on the CPU lets the solver validate its parameters and run as
  usual. If a kernel is about to be *compiled* (a cache miss; loading from the cache is fine),
  the gate stops the solver before compilation starts (:class:`KernelsCold`).
* The problem's cheap numpy construction (:meth:`Problem.construct`: greedy, nearest
  neighbour, a priority rule, rounding) is evaluated and reported, and a separate process
  (``python -m combopt.warmup --solver S --kind K``) compiles that solver's kernels into the
  cache while the clock runs.
* If it finishes with time to spare the solver runs again (its kernels load from the cache);
  otherwise the run returns the construction when the time is up, and the compilation carries
  on in the background so that the next run finds a warm cache.

Runs without a time limit compile in-process as before. Either way ``info["compile_s"]`` holds
the seconds spent compiling (in-process) or waiting for the compilation (cold start).
``combopt warmup`` compiles every kernel ahead (the README's set-up runs it).

Environment: ``COMBOPT_COLD_START=0`` turns the gate off; ``COMBOPT_BACKGROUND_WARMUP=0`` keeps
the gate but starts no compiling process (the run then returns its construction at once).

Imports: the standard library, numpy and numba.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .context import SolveContext, SolverOutput

__all__ = ["KernelsCold", "current_gate", "gated", "report_construction", "run_solver", "set_notifier", "share_gate",
           "spawn_warmer"]

#: seconds kept back when waiting for the compiling process: the solver's second start loads its
#: kernels from the cache and must still finish in time (at least this, or 10 % of the limit)
RESERVE_S = 0.5


class KernelsCold(BaseException):
    """A kernel needs compiling inside a time-limited run (a BaseException: no solver swallows it)."""


class _GateState:
    def __init__(self, block: bool):
        self.block = block
        self.depth = 0
        self.t0 = 0.0
        self.compile_s = 0.0


_local = threading.local()
_listener = None


@contextlib.contextmanager
def kernels_refused():
    """Inside, a solve that would compile a kernel raises :class:`KernelsCold` (whatever ``COMBOPT_COLD_START`` says)
    instead of answering with a construction and starting a warm-up: for probes that must stay quick and leave
    nothing behind (a suite's parameters tried on a tiny instance)."""
    prev = getattr(_local, "probe", False)
    _local.probe = True
    try:
        yield
    finally:
        _local.probe = prev
_notify: Callable[[str], None] | None = None
_notified = False
#: ``((solver, kind), process)`` of the compiling processes started here, kept referenced: they outlive the run
_warmers: list[tuple[tuple[str, str], subprocess.Popen]] = []


def current_gate() -> _GateState | None:
    """This thread's compile gate (``None`` outside a gated run): a solver's helper thread shares it through
    :func:`share_gate`, so that its kernels are gated as the solver's own."""
    return getattr(_local, "gate", None)


def compile_seconds() -> float:
    """Seconds this thread's run has spent compiling Numba kernels in-process so far (its gate's count; 0 outside a
    run): what a measurement of a first call subtracts so that compiling is not taken for the call's own time."""
    gate = current_gate()
    return 0.0 if gate is None else float(gate.compile_s)


def share_gate(gate: _GateState | None) -> None:
    """Make ``gate`` (from :func:`current_gate` on the solver's thread) this thread's compile gate."""
    _local.gate = gate


def set_notifier(func: Callable[[str], None] | None) -> None:
    """``func(message)`` is called once per process when combopt starts compiling kernels (the CLI
    prints it on stderr)."""
    global _notify
    _notify = func


def _say(message: str) -> None:
    global _notified
    if _notify is not None and not _notified:
        _notified = True
        _notify(message)


_numba_target_ready = False


def prepare_numba_target() -> None:
    """Load Numba's CPU target (its typing and lowering registries) now, once per process. Numba does it on the first
    call of any kernel, cached or not, and a timed run paid for it inside its limit: 0.5-3 s, the first solve of
    ``tsp-ls -t 1`` on att48 spent 3.4 s of a loaded machine there, overran its limit by 1.5 s and answered with
    nothing. Like the imports, it now comes before a timed run's clock starts."""
    global _numba_target_ready
    if _numba_target_ready:
        return
    _numba_target_ready = True
    from numba.core.registry import cpu_target

    cpu_target.typing_context.refresh()
    cpu_target.target_context.refresh()


def _install() -> None:
    global _listener
    if _listener is not None:
        return
    from numba.core import event

    class _Gate(event.Listener):
        def on_start(self, ev):  # noqa: D401 - numba's listener protocol
            st = getattr(_local, "gate", None)
            if st is None:
                return
            if st.block:
                disp = ev.data.get("dispatcher") if isinstance(ev.data, dict) else None
                name = getattr(getattr(disp, "py_func", None), "__qualname__", "a kernel")
                raise KernelsCold(name)
            if st.depth == 0:
                st.t0 = time.perf_counter()
                _say("combopt: compiling Numba kernels (first run on this machine; `combopt warmup` does it ahead)")
            st.depth += 1

        def on_end(self, ev):
            st = getattr(_local, "gate", None)
            if st is None or st.block or st.depth == 0:
                return
            st.depth -= 1
            if st.depth == 0:
                st.compile_s += time.perf_counter() - st.t0

    _listener = _Gate()
    event.register("numba:compile", _listener)


def _enabled(name: str) -> bool:
    return os.environ.get(name, "1").strip().lower() not in ("0", "false", "no", "off")


#: a marker of a compiling process older than this is ignored (a warm-up of one solver takes a minute or two)
WARMER_MAX_S = 900.0


class _Elsewhere:
    """A compiling process started by another run (another process): :meth:`poll` is ``None`` while it runs and
    0 after (its exit code is not ours to read: a run that still finds its kernels cold falls back as usual)."""

    def __init__(self, pid: int):
        self.pid = pid

    def poll(self) -> int | None:
        return None if _warming(self.pid) else 0


def _warming(pid: int) -> bool:
    """Whether ``pid`` is a live ``combopt.warmup`` process (on Linux read from /proc: a finished process its parent
    has not reaped yet counts as gone; elsewhere any live process with that pid)."""
    proc = f"/proc/{pid}"
    if os.path.isdir("/proc/self"):
        try:
            with open(f"{proc}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[-1].split()[0] == b"Z":
                    return False
            with open(f"{proc}/cmdline", "rb") as f:
                return b"combopt.warmup" in f.read()
        except (OSError, IndexError):
            return False
    try:
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def _marker(solver: str, kind: str) -> str | None:
    """The file in the Numba cache folder that names the process compiling ``solver``'s kernels for ``kind``."""
    folder = os.environ.get("NUMBA_CACHE_DIR")
    if not folder:
        return None
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{solver}--{kind}")
    return os.path.join(folder, "warming", f"{safe}.pid")


def progress_file(solver: str, kind: str) -> str | None:
    """The file beside the marker where the compiling process counts the warm-up solves it has finished."""
    path = _marker(solver, kind)
    return None if path is None else path[: -len(".pid")] + ".done"


def _write_small(path: str | None, text: str) -> None:
    """Replace the file ``path`` by ``text`` in one step (readers never see half a file); best effort: a read-only
    cache folder, or none, writes nothing."""
    if path is None:
        return
    with contextlib.suppress(OSError):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)


def write_progress(path: str | None, done: int) -> None:
    """Record ``done`` finished warm-up solves (without the file a waiting run retries only at the end)."""
    _write_small(path, str(done))


def _finished_solves(path: str | None) -> int:
    """The count in :func:`progress_file` (-1 when there is none to read)."""
    with contextlib.suppress(OSError, TypeError, ValueError):
        with open(path) as f:  # type: ignore[arg-type]
            return int(f.read())
    return -1


def _running_warmer(solver: str, kind: str):
    """A compiling process for the same solver and kind already running, from this process or another."""
    for key, proc in _warmers:
        if key == (solver, kind) and proc.poll() is None:
            return proc
    path = _marker(solver, kind)
    with contextlib.suppress(OSError, TypeError, ValueError):  # no marker, or an unreadable one: none running
        with open(path) as f:  # type: ignore[arg-type]
            pid, started = f.read().split()
        if time.time() - float(started) < WARMER_MAX_S and _warming(int(pid)):
            return _Elsewhere(int(pid))
    return None


def spawn_warmer(solver: str, kind: str) -> subprocess.Popen | _Elsewhere | None:
    """Start ``python -m combopt.warmup --solver S --kind K`` detached (it outlives this process), unless one for
    the same solver and kind is running already (started by this process or, through a marker file in the Numba
    cache folder, by another): then that one is returned, so that runs on a cold cache wait for one compilation
    instead of each queueing a process of its own behind the warm-up lock (a suite of many cold runs started as
    many, each importing combopt, and a run waited for its own process, which only loads the kernels after the
    first has compiled them).

    Returns ``None`` when background compilation is switched off or cannot start.
    """
    if not _enabled("COMBOPT_BACKGROUND_WARMUP"):
        return None
    running = _running_warmer(solver, kind)
    if running is not None:
        return running
    env = dict(os.environ, COMBOPT_BACKGROUND_WARMUP="0", COMBOPT_COLD_START="0")
    # a count left by an earlier compiling process (ended, or killed) would hold back the retries of this one's runs
    write_progress(progress_file(solver, kind), 0)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "combopt.warmup", "--solver", solver, "--kind", kind, "--quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True, close_fds=True,
        )
    except OSError:
        return None
    _warmers.append(((solver, kind), proc))
    # without the marker (a read-only cache) another process starts its own compilation, as before
    _write_small(_marker(solver, kind), f"{proc.pid} {time.time()}")
    return proc


def report_construction(problem, ctx: SolveContext, seconds: float | None = None,
                        iteration: bool = True) -> dict[str, Any]:
    """Report the problem's cheap construction; returns what happened (for ``info``). ``seconds`` caps the time
    of a construction with iterative parts (default: the time left); ``iteration=False`` does not count it as
    an outer iteration (a start offered before the solver's own iterations)."""
    build = getattr(problem, "construct", None)
    t0 = time.perf_counter()
    kw = {}
    if build is not None and "deadline" in inspect.signature(build).parameters:
        budget = min(ctx.time_left, math.inf if seconds is None else seconds)
        if math.isfinite(budget):
            kw["deadline"] = time.monotonic() + budget  # constructions with iterative parts stop there
    try:
        sol = build(**kw) if build is not None else None
    except KernelsCold:  # a construction must be plain numpy; never let it compile
        sol = None
    if sol is None:
        return {"construction": None}
    ev = problem.evaluate(sol)
    if ev.feasible:
        ctx.state.report(ev.objective, sol)
    elif ctx.state.best_solution is None:
        ctx.state.best_solution = sol  # something whose violations can be shown
    if iteration:
        ctx.state.next_iteration()
    return {"construction": ev.objective if ev.feasible else "infeasible",
            "construction_s": round(time.perf_counter() - t0, 3)}


def _cold(info, problem, ctx: SolveContext, params: dict, st: _GateState, kernel: str) -> SolverOutput:
    limit = ctx.state.criterion.time_limit()
    _say(f"combopt: compiling the Numba kernels of {info.name} for the first run on this machine; until they "
         f"are ready the answer is a quick construction (run `combopt warmup` once to avoid this)")
    cold: dict[str, Any] = {"kernel": kernel, **report_construction(problem, ctx)}
    proc = spawn_warmer(info.name, problem.kind)
    reserve = max(RESERVE_S, 0.1 * limit)
    if proc is not None:
        cold["warmer_pid"] = proc.pid
    if ctx.state.proven_optimal:  # the construction meets a proven bound (an exact reconstruction): no kernel beats it
        cold["compiled_in_time"] = False
        cold["compiling"] = "in the background" if proc is not None else "not started (COMBOPT_BACKGROUND_WARMUP=0)"
        cold["waited"] = "no: the construction meets the proven bound"
        return SolverOutput(info={"cold_start": cold})
    progress = progress_file(info.name, problem.kind)
    seen = _finished_solves(progress)
    t_wait, st_before = time.perf_counter(), st.compile_s
    try:
        out = _wait_and_retry(info, problem, ctx, params, st, proc, progress, seen, reserve, cold, t_wait, st_before)
    except KeyboardInterrupt:  # Ctrl-C while waiting: the construction answers, and says what happened
        ctx.state.interrupted = True
        st.compile_s = max(st.compile_s, st_before + time.perf_counter() - t_wait)
        out = None
    if out is not None:
        return out
    cold["compiled_in_time"] = False
    cold["compiling"] = "in the background" if proc is not None and proc.poll() is None else (
        "not started (COMBOPT_BACKGROUND_WARMUP=0)" if proc is None else f"ended with code {proc.poll()}")
    extra = {"interrupted": True} if ctx.state.interrupted else {}
    return SolverOutput(info={"cold_start": cold, **extra})


def _wait_and_retry(info, problem, ctx, params, st, proc, progress, seen, reserve, cold, t_wait, st_before):
    """Try the solver again after each warm-up solve while the time lasts; its output once its kernels are ready,
    else ``None`` (``st.compile_s`` counts the waiting)."""
    solving = 0.0
    while proc is not None and ctx.state.time_left > reserve and not ctx.state.interrupted:
        ended = proc.poll() is not None
        done = _finished_solves(progress)
        if ended or done > seen:
            # the warm-up compiles one tiny solve after another; the run's own kernels are often ready after the
            # first (tsp-ls: 20 of 50 s), so the run tries again after each instead of waiting for the last
            seen = done
            t0 = time.perf_counter()
            ctx.rng = np.random.default_rng(ctx.seed)  # the solver starts afresh
            try:
                out = info.func(problem, ctx, **dict(params))
            except KernelsCold as e:  # a kernel a later solve (or no solve: other parameters) compiles
                cold["kernel"] = str(e)
            else:
                cold["compiled_in_time"] = True
                if not ended:
                    cold["warm_up_solves_done"] = done
                out.info["cold_start"] = cold
                return out
            finally:
                solving += time.perf_counter() - t0
                st.compile_s = st_before + time.perf_counter() - t_wait - solving  # solving is not waiting
            if ended:
                break
        time.sleep(0.05)
    st.compile_s = st_before + time.perf_counter() - t_wait - solving
    return None


def gated(ctx: SolveContext, func: Callable, *args, default=None):
    """``func(*args)`` under the compile gate of a time-limited CPU run; ``default`` when it would have
    to compile a kernel first (e.g. a Numba bound computed before the solver starts)."""
    limit = ctx.state.criterion.time_limit()
    probe = getattr(_local, "probe", False)
    if not (probe or (math.isfinite(limit) and ctx.device == "cpu" and _enabled("COMBOPT_COLD_START"))):
        return func(*args)
    _install()
    prev = getattr(_local, "gate", None)
    _local.gate = _GateState(block=True)
    try:
        return func(*args)
    except KernelsCold:
        return default
    finally:
        _local.gate = prev


def _trivial(problem, ctx: SolveContext) -> SolverOutput | None:
    """An instance without decision variables (an empty graph, no items) has one solution, the
    empty one: it is optimal when feasible, and the instance infeasible otherwise. No solver runs
    (kernels are not written for zero-size arrays)."""
    try:
        n = int(problem.num_variables)
    except (AttributeError, TypeError, ValueError):
        return None
    if n != 0:
        return None
    sol = problem.construct()
    if sol is None:
        return None
    ev = problem.evaluate(sol)
    ctx.state.next_iteration()
    info = {"trivial": "the instance has no decision variables", "compile_s": 0.0}
    if not ev.feasible:
        return SolverOutput(solution=sol, infeasible=True, info=info)
    ctx.state.report(ev.objective, sol)
    return SolverOutput(solution=sol, bound=ev.objective, proven_optimal=True, info=info)


def run_solver(info, problem, ctx: SolveContext, params: dict) -> SolverOutput:
    """Run ``info.func(problem, ctx, **params)`` through the compile gate (see the module docstring)."""
    trivial = _trivial(problem, ctx)
    if trivial is not None:
        return trivial
    limit = ctx.state.criterion.time_limit()
    probe = getattr(_local, "probe", False)
    gated = probe or (math.isfinite(limit) and ctx.device == "cpu" and _enabled("COMBOPT_COLD_START"))
    _install()
    st = _GateState(block=gated)
    prev = getattr(_local, "gate", None)
    _local.gate = st
    try:
        try:
            out = info.func(problem, ctx, **dict(params))
        except KernelsCold as e:
            if probe:
                raise
            out = _cold(info, problem, ctx, params, st, str(e))
    finally:
        _local.gate = prev
    out.info["compile_s"] = round(st.compile_s, 3)
    return out
