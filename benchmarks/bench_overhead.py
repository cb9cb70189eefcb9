"""Per-run overhead of `combopt bench SUITE`: process start, imports, Numba cache loads.

Each run of a suite executes in its own process. This script measures what that costs, apart
from the solver's own work, on this machine:

* ``forkserver`` (the local executor): a fork of a server that imported combopt once;
* ``subprocess`` (Dask workers that are daemonic): ``python -m combopt.bench.worker``, a fresh
  interpreter that imports combopt for every run;
* for reference, the import of combopt in a fresh interpreter and the first ``solve`` of a
  Numba-backed solver in a fresh process (loading its compiled kernels from the on-disk cache).

The "empty" run uses ``test-sleep`` with 0 s (tests/bench_plugin.py): it reads the instance,
reports one vertex and returns, so the parent's wall time minus the child's own wall time is the
launch overhead. Runs are sequential (``--jobs 1``), ``--repeats`` of each.

    .venv/bin/python benchmarks/bench_overhead.py --repeats 10
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from combopt.bench.suite import RunSpec  # noqa: E402
from combopt.bench.worker import run_isolated  # noqa: E402


def spec(solver: str, params: dict, max_iterations: int | None = None) -> dict:
    return RunSpec(key="overhead", index=0, suite="overhead", set="clique", kind="clique",
                   path="johnson8-2-4.clq", file=str(REPO / "tests/data/johnson8-2-4.clq"), label=solver,
                   solver=solver, params=params, seed=0, time_limit=None, max_iterations=max_iterations,
                   device="cpu", threads=1, wall_limit=300.0, memory_mb=4096, imports=("bench_plugin",),
                   python_path=(str(REPO / "tests"),)).to_dict()


def measure(launcher: str, s: dict, repeats: int) -> tuple[list[float], list[float]]:
    total, child = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        row = run_isolated(s, launcher)
        total.append(time.perf_counter() - t0)
        child.append(float(row["wall_s"]))
        assert row["status"] in ("feasible", "optimal"), row
    return total, child


def fresh(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    empty = spec("test-sleep", {"seconds": 0.0})
    ils = spec("ils", {}, max_iterations=1)
    run_isolated(empty, "forkserver")  # start the forkserver (imports combopt once)
    run_isolated(ils, "forkserver")  # make sure the Numba cache is filled
    print(f"{'what':58s} {'median s':>9s} {'min s':>7s}")
    for launcher in ("forkserver", "subprocess"):
        total, child = measure(launcher, empty, args.repeats)
        over = [a - b for a, b in zip(total, child, strict=True)]
        print(f"{launcher + ': empty run, parent wall - child wall':58s} {statistics.median(over):9.3f} "
              f"{min(over):7.3f}")
    for launcher in ("forkserver", "subprocess"):
        total, child = measure(launcher, ils, args.repeats)
        print(f"{launcher + ': ils, 1 iteration, johnson8-2-4 (whole run)':58s} {statistics.median(total):9.3f} "
              f"{min(total):7.3f}")
    t_imp = [fresh("import combopt.core.registry as r; r._load_builtin()") for _ in range(max(3, args.repeats // 3))]
    t_py = [fresh("pass") for _ in range(max(3, args.repeats // 3))]
    print(f"{'fresh interpreter: python -c pass':58s} {statistics.median(t_py):9.3f} {min(t_py):7.3f}")
    print(f"{'fresh interpreter: import combopt + every family':58s} {statistics.median(t_imp):9.3f} {min(t_imp):7.3f}")
    code = ("import time, combopt; t=time.perf_counter(); combopt.solve('tests/data/johnson8-2-4.clq','ils',"
            "max_iterations=1); a=time.perf_counter()-t; t=time.perf_counter(); combopt.solve("
            "'tests/data/johnson8-2-4.clq','ils',max_iterations=1); print(f'{a:.3f} {time.perf_counter()-t:.3f}')")
    firsts, seconds = [], []
    for _ in range(max(3, args.repeats // 3)):
        out = subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, capture_output=True, text=True)
        a, b = map(float, out.stdout.split())
        firsts.append(a)
        seconds.append(b)
    label = "ils first solve in a process (Numba cache load)"
    print(f"{label:58s} {statistics.median(firsts):9.3f} {min(firsts):7.3f}")
    print(f"{'ils second solve in the same process':58s} {statistics.median(seconds):9.3f} {min(seconds):7.3f}")


if __name__ == "__main__":
    main()
