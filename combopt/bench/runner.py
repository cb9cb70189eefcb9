"""Run a suite: local process pool or a Dask cluster, rows appended as runs finish, resumable.

Both executors hand every run to :func:`combopt.bench.worker.run_isolated` (a child process
with hard limits) and score the returned row here, in the driver, against the set's reference
values, so the rows do not depend on where a run executed.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

from ..core.errors import MissingDependencyError, ParameterError
from .refs import contradictions, lookup, percent_off
from .results import ResultsWriter, normalise
from .suite import RunSpec, Suite
from .worker import FAILED, base_row, kill_live, run_isolated

EXECUTORS = ("local", "dask")


def score(row: dict[str, Any], suite: Suite) -> dict[str, Any]:
    """Add the reference values, gap (percent, >= 0 means worse than best known) and time to target."""
    st = suite.sets.get(row["set"])
    ref = lookup(st.refs, row.get("instance"), row["path"]) if st is not None else None
    tol = st.tolerance if st is not None else 1e-6
    row = dict(row)
    row["tolerance"] = tol  # the set's: reaching a reference and beating another solver are judged with it
    row["optimum"] = ref.optimum if ref else None
    row["best_known"] = ref.best_known if ref else None
    row["reference_bound"] = ref.bound if ref else None
    row["gap_pct"] = row["at_optimum"] = row["at_best"] = row["time_to_target_s"] = None
    obj, sense = row.get("objective"), row.get("sense")
    ok = obj is not None and row.get("feasible") and sense in ("min", "max") and row.get("status") not in FAILED

    def reached(v: float | None, r: float | None) -> bool | None:
        if r is None or not ok:
            return None if r is None else False
        if v is None:
            return False
        slack = tol * max(abs(r), 1.0)
        return v <= r + slack if sense == "min" else v >= r - slack

    if ref is not None:
        row["at_optimum"] = reached(obj, ref.optimum)
        row["at_best"] = reached(obj, ref.best_known)
        target = ref.target
        if ok and target is not None:
            row["gap_pct"] = percent_off(obj, target, sense, tol)
            row["time_to_target_s"] = next((t for t, v in row.get("trace") or [] if reached(v, target)), None)
    row["contradictions"] = contradictions(row, tol) if ref is not None else []
    return normalise(row)


class Progress:
    """What the runner reports to: ``start(total, skipped)``, ``started(spec)``, ``finished(row)``, ``close()``."""

    def start(self, suite: Suite, total: int, skipped: int) -> None:  # pragma: no cover - interface
        """The suite starts: ``total`` runs to do, ``skipped`` already recorded (``--resume``)."""

    def started(self, spec: RunSpec) -> None:  # pragma: no cover - interface
        """A run was handed to a worker."""

    def finished(self, row: dict[str, Any], running: int) -> None:  # pragma: no cover - interface
        """A run ended (``row`` is what the results file records); ``running`` are still in flight."""

    def warmed(self, runs: int, seconds: float, failed: list[dict[str, Any]]) -> None:  # pragma: no cover
        """``--warmup`` compiled the kernels with ``runs`` unrecorded runs."""

    def close(self) -> None:  # pragma: no cover - interface
        """The suite is over (or interrupted)."""


def pending(suite: Suite, skip: set[str] | dict[str, str | None] | None) -> list[RunSpec]:
    """The suite's runs that ``skip`` (``--resume``: the keys recorded, each with the digest of the instance file it
    ran on, as :func:`~combopt.bench.results.recorded_keys` gives them) does not hold: a recorded key whose file
    has other contents now (another data root, an edited file) runs again. A plain set of keys skips by key."""
    if not skip:
        return list(suite.runs)
    if not isinstance(skip, dict):
        return [r for r in suite.runs if r.key not in skip]
    from .results import content_digest

    def same(r: RunSpec) -> bool:
        was = skip[r.key]  # None: a row of a file written before rows recorded the digest: the key alone, as then
        return was is None or content_digest(r.file) == was

    return [r for r in suite.runs if r.key not in skip or not same(r)]


def _failed_row(spec: RunSpec, status: str, message: str) -> dict[str, Any]:
    from .results import content_digest

    row = base_row(spec.to_dict())
    row.update(status=status, error=message, instance_sha=content_digest(spec.file))
    return row


def run_suite(
    suite: Suite,
    *,
    jobs: int = 1,
    writer: ResultsWriter | None = None,
    skip: set[str] | dict[str, str | None] | None = None,
    executor: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
    launcher: str = "auto",
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run the suite's runs not in ``skip``; return their scored rows in completion order.

    Parameters
    ----------
    jobs
        Runs at once (local), or worker processes of the LocalCluster (dask without ``address``).
    writer
        Each row is written (flushed and fsynced) as soon as its run finishes.
    skip
        Keys already recorded (``--resume``).
    executor, address
        ``"local"`` or ``"dask"``; for dask, the scheduler address (``tcp://host:8786``),
        or ``None`` for a LocalCluster with ``jobs`` single-threaded worker processes.
    """
    if executor not in EXECUTORS:
        raise ParameterError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if not (isinstance(jobs, int) and jobs >= 1):
        raise ParameterError(f"--jobs must be a positive integer, got {jobs!r}")
    todo = pending(suite, skip)
    prog = progress or Progress()
    rows: list[dict[str, Any]] = []
    if suite.warmup and todo:
        # compile first, on this machine, without recording: the real runs then do not pay for
        # Numba compilation inside their time limits (the cache is on disk, shared by all runs)
        warm = [w for w in suite.warmup_runs() if any(t.solver == w.solver for t in todo)]
        t0 = time.perf_counter()
        _compile_kernels(todo)
        failed: list[dict[str, Any]] = []
        _run_local(warm, jobs, launcher, Progress(), lambda row, running: failed.append(row)
                   if row["status"] in FAILED else None)
        prog.warmed(len(warm), time.perf_counter() - t0, failed)
    prog.start(suite, len(todo), len(suite.runs) - len(todo))

    def done(row: dict[str, Any], running: int) -> None:
        row = score(row, suite)
        if writer is not None:
            writer.write(row)
        rows.append(row)
        if on_row is not None:
            on_row(row)
        prog.finished(row, running)

    try:
        if executor == "local":
            _run_local(todo, jobs, launcher, prog, done)
        else:
            _run_dask(todo, jobs, address, prog, done)
    finally:
        prog.close()
    return rows


def _compile_kernels(todo: list[RunSpec]) -> None:
    """What ``combopt warmup --solver S`` compiles, narrowed to the kinds of the runs, for every solver (their variants,
    the proof kernels a stalled search hands over to): the suite's one-iteration warm-up runs alone, inside their
    time limits, left recorded runs on a cold cache (a 1 s limit compiled part of the kernels)."""
    from ..core.errors import CombOptError
    from ..core.io import detect, split_index
    from ..warmup import jobs as warmup_jobs
    from ..warmup import warm

    pairs: dict[tuple[str, str], None] = {}
    for r in todo:
        kind = r.kind
        if kind is None:
            try:
                kind = detect(split_index(r.file)[0], None)[1]
            except (CombOptError, OSError):
                continue  # the run itself says what is wrong with its file
        pairs[(r.solver, kind)] = None
    for solver, kind in pairs:
        warm(warmup_jobs(solver=solver, kind=kind))


def _run_local(todo: list[RunSpec], jobs: int, launcher: str, prog: Progress, done) -> None:
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="combopt-bench")
    pending = {}
    it = iter(todo)
    try:
        for spec in it:
            pending[pool.submit(run_isolated, spec.to_dict(), launcher)] = spec
            prog.started(spec)
            if len(pending) >= jobs:
                break
        while pending:
            finished, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                spec = pending.pop(fut)
                try:
                    row = fut.result()
                except Exception as e:  # noqa: BLE001 - the launcher itself failed: record it
                    row = _failed_row(spec, "killed", f"could not run the worker: {type(e).__name__}: {e}")
                nxt = next(it, None)
                if nxt is not None:
                    pending[pool.submit(run_isolated, nxt.to_dict(), launcher)] = nxt
                    prog.started(nxt)
                done(row, len(pending))
    except BaseException:
        for f in pending:
            f.cancel()
        kill_live()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _run_dask(todo: list[RunSpec], jobs: int, address: str | None, prog: Progress, done) -> None:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise MissingDependencyError("--executor dask needs dask distributed: pip install 'combopt[dist]' "
                                     "(or pip install 'dask[distributed]')") from None
    cluster = None
    try:
        if address:
            try:
                client = Client(address, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise ParameterError(f"--address {address}: cannot reach the Dask scheduler ({e})") from None
        else:
            import dask

            # non-daemonic workers may start children: runs then fork from a forkserver that imported
            # combopt once per worker, instead of starting a fresh interpreter per run
            # the workers start with SIGINT ignored: a Ctrl-C in the terminal reaches the whole process group,
            # and each worker printed a KeyboardInterrupt traceback; this process cancels the runs and closes
            # the cluster instead (a run's process exits with its worker, watch_parent)
            with dask.config.set({"distributed.worker.daemon": False}), _sigint_ignored():
                cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                       silence_logs=40)
            client = Client(cluster)
        with client:
            tag = uuid.uuid4().hex[:8]
            futs = {}
            for spec in todo:
                f = client.submit(run_isolated, spec.to_dict(), "auto", key=f"combopt-run-{spec.key}-{tag}",
                                  pure=False, retries=0)
                futs[f] = spec
            slots = sum(client.nthreads().values()) or jobs
            for spec in todo[:slots]:
                prog.started(spec)
            started = min(slots, len(todo))
            left = len(futs)
            try:
                for fut in as_completed(list(futs)):
                    spec = futs[fut]
                    try:
                        row = fut.result()
                    except Exception as e:  # noqa: BLE001 - KilledWorker, lost connection, ...
                        row = _failed_row(spec, "killed", f"dask: {type(e).__name__}: {' '.join(str(e).split())[:300]}")
                    left -= 1
                    if started < len(todo):
                        prog.started(todo[started])
                        started += 1
                    done(row, min(slots, left))
            except BaseException:
                client.cancel(list(futs))
                raise
    finally:
        if cluster is not None:
            cluster.close()


@contextlib.contextmanager
def _sigint_ignored():
    """SIGINT ignored inside (in the main thread; elsewhere signals cannot be set and nothing changes): processes
    started here inherit the disposition, and Python leaves an ignored SIGINT ignored."""
    main = threading.current_thread() is threading.main_thread()
    old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        yield
    finally:
        if main:
            signal.signal(signal.SIGINT, old)


def eta(done: int, total: int, elapsed: float) -> float | None:
    """Seconds left at the mean rate so far (``None`` before the first run finishes)."""
    if done <= 0 or total <= done:
        return None if done <= 0 else 0.0
    rate = elapsed / done
    return rate * (total - done) if math.isfinite(rate) else None

