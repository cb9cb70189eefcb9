"""RCPSP batched decoding on a real GPU: agreement with the CPU decoder, and throughput.

Decodes ``--lists`` activity lists (regret-based random sampling on LFT) of a j120
instance (``tests/data/rcpsp/j1201_1.sm``) and of a generated 120-task instance with
downtime, windows and disjunctive pairs, with serial SGS + forward-backward improvement,
on the CPU (all Numba threads) and with the Numba CUDA kernel (one list per thread).
The decoders are deterministic: start times, makespans, lateness and pass counts must be
identical. Throughput is in generated schedules per second (every SGS pass counts),
host<->device copies included, after a warm-up call. Then the GA runs on the GPU with a
population of 1,024 for 100,000 schedules and its schedule is re-checked.

Called by ``benchmarks/gpu_check.py``; also runs on its own::

    .venv/bin/python benchmarks/rcpsp_gpu.py --lists 8192
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _instances():
    import combopt
    from combopt.generators.rcb import generate_rcb

    return [
        ("j1201_1 (PSPLIB j120)", combopt.read(ROOT / "tests" / "data" / "rcpsp" / "j1201_1.sm")),
        ("rcb 120 tasks, all constraint types", generate_rcb(tasks=120, layers=10, level=150, resources="4",
                                                              downtime=1.0, windows=0.3, disjunctive=0.3, seed=1)),
    ]


def _lists(problem, k: int, seed: int) -> np.ndarray:
    from combopt.problems.rcpsp.sgs import priority_values
    from combopt.solvers.rcpsp.operators import sample_lists

    a = problem.kernel_arrays()
    out = np.zeros((k, problem.n), dtype=np.int32)
    states = np.random.default_rng(seed).integers(1, 2**62, size=k).astype(np.uint64)
    sample_lists(priority_values(problem, "lft"), a["pred_ptr"], a["pred_idx"], a["succ_ptr"], a["succ_idx"], states,
                 1.0, out)
    return out


def gpu_checks(repeats: int = 1, lists: int = 4096, seed: int = 0) -> list[dict]:
    """One result dict per instance: ``name``, ``problems`` (empty when the GPU agrees), rates."""
    import combopt
    from combopt.solvers.rcpsp.decoder import BatchDecoder

    results = []
    for name, p in _instances():
        L = _lists(p, lists, seed)
        cpu, gpu = BatchDecoder(p, "cpu"), BatchDecoder(p, "gpu")
        cpu.decode(L[:64])
        t0 = time.perf_counter()
        gpu.decode(L[:64])  # compile / load, allocate
        first_call = time.perf_counter() - t0
        t_cpu, t_gpu = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            sc, ic = cpu.decode(L, True)
            t_cpu.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            sg, ig = gpu.decode(L, True)
            t_gpu.append(time.perf_counter() - t0)
        problems = []
        if not np.array_equal(sc, sg):
            problems.append(f"start times differ on {int(np.sum(np.any(sc != sg, axis=1)))} of {lists} lists")
        if not np.array_equal(ic, ig):
            problems.append("makespan/lateness/pass counts differ")
        ok_rows = np.flatnonzero((ig[:, 0] >= 0) & (ig[:, 1] == 0))[:50]
        if not all(p.evaluate(sg[k]).feasible for k in ok_rows):
            problems.append("a GPU schedule without lateness fails the checker")
        passes = int(ic[:, 2].sum())
        t0 = time.perf_counter()
        res = combopt.solve(p, "rcpsp-ga", device="gpu", schedules=100_000, population=1024, seed=seed,
                            max_iterations=10**9)
        ga_s = time.perf_counter() - t0
        if not res.feasible:
            problems.append(f"GA on the GPU returned an infeasible schedule: {res.violations[:2]}")
        results.append({
            "name": f"rcpsp decode {name}", "problems": problems, "lists": lists, "schedules": passes,
            "cpu_s": statistics.median(t_cpu), "gpu_s": statistics.median(t_gpu), "gpu_first_call_s": first_call,
            "ga_gpu_makespan": res.objective, "ga_gpu_s": ga_s, "ga_gpu_schedules": res.info.get("schedules"),
            "cpm_bound": res.info.get("cpm_bound"),
        })
    return results


def report(r: dict) -> str:
    status = "OK" if not r["problems"] else "DISAGREE: " + "; ".join(r["problems"])
    cpu_rate, gpu_rate = r["schedules"] / r["cpu_s"], r["schedules"] / r["gpu_s"]
    return (f"\n{r['name']}: {r['lists']} lists with justification ({r['schedules']} schedules)\n"
            f"  agreement : {status}\n"
            f"  CPU: {r['cpu_s']:8.3f} s  {cpu_rate / 1e3:10.1f} k schedules/s\n"
            f"  GPU: {r['gpu_s']:8.3f} s  {gpu_rate / 1e3:10.1f} k schedules/s  ({gpu_rate / cpu_rate:.2f}x CPU)\n"
            f"  GA on GPU, population 1024: makespan {r['ga_gpu_makespan']} (CPM bound {r['cpm_bound']}) "
            f"after {r['ga_gpu_schedules']} schedules in {r['ga_gpu_s']:.1f} s")


def main(argv: list[str] | None = None) -> int:
    from combopt.core.device import gpu_available

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lists", type=int, default=4096)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    if not gpu_available():
        print("rcpsp_gpu: no CUDA GPU visible; nothing to check.")
        return 0
    results = gpu_checks(args.repeats, args.lists)
    for r in results:
        print(report(r))
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
