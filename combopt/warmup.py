"""Compile every Numba kernel ahead, into the per-user cache (``combopt warmup``).

Each (solver, kind) pair is run on a tiny instance shipped with the package
(``combopt/data/warmup``), read through the same readers as real files so that the kernels
are compiled for the same argument types. A fresh machine then starts its first real run
with a warm cache. A time-limited run on a cold cache starts ``python -m combopt.warmup
--solver S --kind K`` in the background itself (see :mod:`combopt.core.warm`).

Runs hold an exclusive lock on ``<cache>/combopt-warmup.lock`` so that concurrent warm-ups
compile one after the other (the second one mostly loads from the cache).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ._cache import caching, numba_cache_dir
from .core.warm import progress_file, write_progress

DATA = Path(__file__).resolve().parent / "data" / "warmup"

#: kind -> tiny instance file in combopt/data/warmup (several files: several code paths)
TINY: dict[str, tuple[str, ...]] = {
    "qubo": ("tiny.qubo.json",),
    "mis": ("tiny.col", "tiny_reduce.col"),
    "clique": ("tiny.col", "tiny_reduce_clique.col"),
    "maxcut": ("tiny.rud",),  # a graph whose bound is not tight: every solver runs its kernels there
    "mdkp": ("tiny.mknap.txt",),
    # MAN_2D: no Delaunay edges, the other sparse 1-tree kernel; ATSP: the assignment descent's kernels
    "tsp": ("tiny.tsp", "tiny_man.tsp", "tiny.atsp"),
    # tiny_loose.sm (PSPLIB j3013_1) and tiny_loose.rcpsp.json (R-ConstraintBench, 40 tasks, windows, downtime and
    # disjunctive pairs, seed 3): bounds below what the GA reaches in two generations, so that it runs every kernel
    # (the propagation bound proves tiny.sm and tiny.rcpsp.json optimal at once, and the run stops there)
    "rcpsp": ("tiny.sm", "tiny.rcpsp.json", "tiny_loose.sm", "tiny_loose.rcpsp.json"),
    "dmmv": ("tiny.dmmv.json",),
    "fir": ("tiny_fir.toml",),
    "tomography": ("tiny_tomo.toml",),
    "quantization": ("tiny_quant.toml",),
    "dag": ("tiny.dag.csv",),
    "mec": ("tiny.coupling.json",),
    "ebim": ("tiny_ebim.coupling.json",),
    "mecb": ("tiny_mecb.coupling.json",),
}

#: family (as in combopt.core.registry.BUILTIN_FAMILIES) -> kinds
FAMILY_KINDS: dict[str, tuple[str, ...]] = {
    "engines": ("qubo",),
    "graph": ("mis", "clique", "maxcut"),
    "mdkp": ("mdkp",),
    "tsp": ("tsp",),
    "rcpsp": ("rcpsp",),
    "dmmv": ("dmmv", "fir", "tomography", "quantization"),
    "dag": ("dag",),
    "coupling": ("mec", "ebim", "mecb"),
}

#: solvers without Numba kernels (nothing to compile; milp and rcpsp-cpsat run the RCPSP decoder and bounds for their
#: starts, and the milp of other kinds their constructions, so they warm up too)
NO_KERNELS = frozenset({"qaoa"})

#: solvers whose warm-up solves get a time limit: their own search is not a kernel (CBC, HiGHS, CP-SAT), and untimed it
#: ran for minutes on the loose RCPSP files (the kernels they call, starts and bounds, come before it)
TIMED: dict[str, float] = {"milp": 3.0, "rcpsp-cpsat": 3.0}

#: extra parameter sets that take other code paths (other kernels) than the defaults
VARIANTS: dict[str, tuple[dict, ...]] = {
    "tsp-ls": ({}, {"distances": "points"}, {"num_walks": 2}),  # points: the kernels without a matrix
    "rcpsp-ga": ({}, {"population": 700}),  # batches large enough for the multi-threaded decoder
    "pt": ({"rounds": 2},),  # compiling is the point, not 100 rounds
}


#: (solver, kind) -> (solver, kind) of others whose kernels that solver runs on some inputs (compiled with it):
#: sa-ils and ils hand a clique search on a graph with a large complement to clique-cores (the tiny graph takes the
#: other route), and run its branch and bound as their exact proof once their search stalls, which a tiny graph,
#: proven by its bounds at once, never reaches (a background warm-up of theirs would leave the proof's kernels cold)
DELEGATES: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    (solver, kind): (("clique-cores", "clique"),) for solver in ("sa-ils", "ils") for kind in ("clique", "mis")
}


@dataclass
class Job:
    """One warm-up solve."""

    solver: str
    kind: str
    path: Path
    params: dict = field(default_factory=dict)
    time_limit: float | None = None
    missing: str | None = None  # set by run_job: an optional package the solve needs is not installed

    def label(self) -> str:
        extra = "".join(f" {k}={v}" for k, v in self.params.items())
        return f"{self.solver} on {self.kind} ({self.path.name}{extra})"


def jobs(family: str | None = None, solver: str | None = None, kind: str | None = None) -> list[Job]:
    """The warm-up solves for a family, a solver and/or a kind (all when none is given)."""
    from .core.errors import ParameterError
    from .core.registry import all_solvers

    if family is not None and family not in FAMILY_KINDS:
        raise ParameterError(f"unknown family {family!r}; expected one of: {', '.join(FAMILY_KINDS)}")
    kinds = list(FAMILY_KINDS[family]) if family else [k for ks in FAMILY_KINDS.values() for k in ks]
    if kind is not None:
        kinds = [k for k in kinds if k == kind]
    infos = [s for s in all_solvers() if s.name not in NO_KERNELS and "cpu" in s.devices]
    if solver is not None:
        infos = [s for s in infos if s.name == solver]
    out = []
    for k in kinds:
        for info in infos:
            if not info.handles(k):
                continue
            # variant by variant, each on every tiny file: a cold run tries again after each solve, and a variant's
            # kernels are ready sooner this way (a 20,000-city tsp-ls run needs the points variant on both files)
            for params in VARIANTS.get(info.name, ({},)):
                out.extend(Job(info.name, k, DATA / f, dict(params), TIMED.get(info.name)) for f in TINY.get(k, ()))
            if solver is not None:  # a single solver's warm-up (a cold run's warmer) covers what it hands over
                out.extend(Job(d, dk, DATA / f, {}, TIMED.get(d)) for d, dk in DELEGATES.get((info.name, k), ())
                           for f in TINY.get(dk, ()))
    return out


def run_job(job: Job) -> float:
    """Solve the tiny instance (two outer iterations, CPU); returns the seconds it took."""
    from .api import read, solve
    from .core.errors import CombOptError, MissingDependencyError

    t0 = time.perf_counter()
    try:
        problem = read(job.path, job.kind)
        if job.solver == "exhaustive" and problem.num_variables > 20:
            return 0.0
        # a timed solve compiles here, never behind the cold-start gate (that would start another warm-up)
        with gate_off():
            result = solve(problem, job.solver, max_iterations=2, time_limit=job.time_limit, seed=0, device="cpu",
                           **job.params)
    except MissingDependencyError as e:  # an optional package (OR-Tools, Qiskit, ...): said in the summary
        job.missing = str(e)
    except CombOptError:  # the solver does not apply to this tiny instance (e.g. a slack encoding)
        pass
    else:
        if result.info.get("interrupted"):  # solve answers a Ctrl-C with its best so far: the warm-up stops here
            raise KeyboardInterrupt
    return time.perf_counter() - t0


def refused_params(solver: str, kind: str, params: dict) -> str | None:
    """The message of ``solver`` refusing parameter names in ``params`` ("does not take parameter(s): ..."), found by
    solving the kind's tiny warm-up instance with them (one iteration, no kernel compiled: a cold cache gives no
    answer here, nor a background warm-up); ``None`` when it takes them or the probe cannot tell. Values are not
    judged: one that suits the real instances may not suit the tiny one."""
    from .api import read, solve
    from .core.errors import ParameterError
    from .core.warm import KernelsCold, kernels_refused

    files = TINY.get(kind)
    if not files or not params:
        return None
    try:
        problem = read(DATA / files[0], kind)
        with kernels_refused():
            solve(problem, solver, max_iterations=1, time_limit=1.0, seed=0, device="cpu", **params)
    except ParameterError as e:
        msg = getattr(e, "message", None) or str(e)
        return msg if "does not take parameter" in msg else None
    except (Exception, KernelsCold):  # noqa: BLE001 - a probe: whatever else goes wrong, the runs will say
        return None
    return None


def summary(done: list[tuple[Job, float]], seconds: float) -> list[str]:
    """The lines a warm-up ends with: how many solvers it compiled, and those it could not run for want of an
    optional package (with the package's message, once per solver)."""
    missing: dict[str, str] = {}
    for job, _ in done:
        if job.missing is not None:
            missing.setdefault(job.solver, job.missing)
    compiled = {job.solver for job, _ in done} - set(missing)
    where = f"into {numba_cache_dir()}" if caching() else "but kept nowhere (no cache folder can be written)"
    lines = [f"compiled the kernels of {len(compiled)} solver(s) in {seconds:.1f} s {where}"]
    lines += [f"not compiled: {name}: {why}" for name, why in sorted(missing.items())]
    return lines


@contextlib.contextmanager
def gate_off() -> Iterator[None]:
    """``COMBOPT_COLD_START=0`` for the block (a warm-up compiles whatever its solves need)."""
    was = os.environ.get("COMBOPT_COLD_START")
    os.environ["COMBOPT_COLD_START"] = "0"
    try:
        yield
    finally:
        if was is None:
            os.environ.pop("COMBOPT_COLD_START", None)
        else:
            os.environ["COMBOPT_COLD_START"] = was


@contextlib.contextmanager
def cache_lock() -> Iterator[None]:
    """Exclusive lock on the cache's warm-up lock file (a no-op where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    folder = numba_cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / "combopt-warmup.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def warm(todo: list[Job], progress: Callable[[Job, float | None], None] | None = None) -> list[tuple[Job, float]]:
    """Run the jobs under the cache lock; ``progress(job, seconds)`` after each (``None`` before it)."""
    done = []
    with cache_lock():
        for job in todo:
            if progress is not None:
                progress(job, None)
            dt = run_job(job)
            done.append((job, dt))
            if progress is not None:
                progress(job, dt)
    return done


def main(argv: list[str] | None = None) -> int:
    """``python -m combopt.warmup [--family F] [--solver S] [--kind K] [--quiet]``."""
    ap = argparse.ArgumentParser(prog="python -m combopt.warmup", description=__doc__.splitlines()[0])
    ap.add_argument("--family")
    ap.add_argument("--solver")
    ap.add_argument("--kind")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    with contextlib.suppress(AttributeError, OSError):
        os.nice(10)  # background work: let the foreground run have the cores
    todo = jobs(a.family, a.solver, a.kind)
    # a cold run waiting for this solver's kernels tries again after each finished solve (combopt.core.warm)
    counter = progress_file(a.solver, a.kind) if a.solver and a.kind else None
    finished = [0]
    write_progress(counter, 0)

    def say(job, dt):
        if dt is None:
            return
        finished[0] += 1
        write_progress(counter, finished[0])
        if not a.quiet:
            print(f"{dt:6.1f} s  {job.label()}", file=sys.stderr)

    warm(todo, say)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
