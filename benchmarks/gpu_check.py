"""Check every GPU path against its CPU twin on a real CUDA GPU, and time both.

GPU paths checked: the DMMV move-scoring kernel and CuPy scorer (against
``combopt.solvers.dmmv.kernels.score_batch_cpu``, candidates per second; see
``benchmarks/dmmv_throughput.py``), and the simulated-annealing kernel
(``combopt.gpu.anneal.anneal_batch_gpu`` vs ``combopt.solvers.kernels.anneal_batch_cpu``),
and the RCPSP activity-list decoder (``combopt.gpu.rcpsp`` vs ``combopt.problems.rcpsp.kernels``,
schedules per second and exact agreement; see ``benchmarks/rcpsp_gpu.py``).
It runs on a dense ``n=1000`` and a sparse ``n=10000`` (density 0.001) random QUBO with
1024 replicas and 100 sweeps (one beta per sweep on the geometric schedule of the ``sa``
solver), from the same xorshift seeds on both devices.

Agreement: the trajectories are deterministic given the seeds, so replicas should end in the
same state with the same RNG state on both devices; the device ``exp`` may differ from the
host one by an ulp, which can (very rarely) change one acceptance and send a replica down
another path. The check requires at least ``--min-identical`` (default 95%) identical
replicas, energies of identical replicas equal to ``rtol`` 1e-9, and every GPU energy equal
to the energy recomputed from its state.

Throughput is counted in flip attempts, ``replicas * sweeps * n / seconds``: the CPU kernel
on all Numba threads, the GPU one through its host wrapper (including host<->device copies).
Both are compiled (warmed up) before timing; the median of ``--repeats`` runs is reported.

Exit status: 0 when every check agrees or no GPU is visible (with a message saying so),
1 on any disagreement.

Usage::

    .venv/bin/python benchmarks/gpu_check.py
    .venv/bin/python benchmarks/gpu_check.py --replicas 256 --sweeps 20 --repeats 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numba
import numpy as np

import combopt
from combopt.core.device import gpu_available
from combopt.solvers import kernels
from combopt.solvers.common import default_beta_range, geometric_betas

ANNEAL_CASES = [(1000, 1.0), (10000, 0.001)]


def _anneal_inputs(n: int, density: float, seed: int):
    model = combopt.QUBO.random(n, density, seed=seed)
    csr = model.csr_arrays()
    h = np.ascontiguousarray(model.h, dtype=np.float64)
    return model, csr, h


def _anneal_run(fn, csr, h, betas, seeds):
    R, n = seeds.shape[0], h.shape[0]
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    states = seeds.copy()
    t0 = time.perf_counter()
    fn(*csr, h, betas, 1, X, F, states, E, 1)
    return time.perf_counter() - t0, X, states, E


def check_anneal(n: int, density: float, replicas: int, sweeps: int, repeats: int, seed: int,
                 min_identical: float) -> dict:
    from combopt.gpu.anneal import anneal_batch_gpu

    model, csr, h = _anneal_inputs(n, density, seed)
    betas = geometric_betas(default_beta_range(model), sweeps)
    seeds = np.random.default_rng(seed).integers(1, 2**63 - 1, size=replicas, dtype=np.int64).astype(np.uint64)

    # warm up: compile (or load from cache) both kernels for these argument types
    for fn in (kernels.anneal_batch_cpu, anneal_batch_gpu):
        _anneal_run(fn, csr, h, betas[:2], seeds[:2])

    t_cpu, t_gpu = [], []
    for _ in range(repeats):
        dt, Xc, Sc, Ec = _anneal_run(kernels.anneal_batch_cpu, csr, h, betas, seeds)
        t_cpu.append(dt)
        dt, Xg, Sg, Eg = _anneal_run(anneal_batch_gpu, csr, h, betas, seeds)
        t_gpu.append(dt)

    same = np.all(Xc == Xg, axis=1) & (Sc == Sg)
    frac = float(same.mean())
    e_same_ok = bool(np.allclose(Eg[same], Ec[same], rtol=1e-9, atol=1e-9))
    e_model = model.energies(Xg) - model.offset
    consistency = float(np.max(np.abs(e_model - Eg)))
    consistent = consistency <= 1e-9 * max(1.0, float(np.max(np.abs(e_model))))
    problems = []
    if frac < min_identical:
        problems.append(f"only {same.sum()}/{replicas} replicas identical (need {min_identical:.0%})")
    if not e_same_ok:
        problems.append("energies of identical replicas differ")
    if not consistent:
        problems.append(f"GPU energies disagree with their states by up to {consistency:.3g}")
    attempts = replicas * sweeps * n
    return {
        "name": f"sa {'dense' if density >= 1.0 else 'sparse'} n={n} density={density:g}",
        "ok": not problems,
        "problems": problems,
        "identical": frac,
        "max_abs_energy_diff_identical": float(np.max(np.abs(Eg[same] - Ec[same]))) if same.any() else 0.0,
        "mean_energy_cpu": float(np.mean(Ec)) + model.offset,
        "mean_energy_gpu": float(np.mean(Eg)) + model.offset,
        "attempts": attempts,
        "cpu_s": statistics.median(t_cpu),
        "gpu_s": statistics.median(t_gpu),
    }


def _device_line() -> str:
    from numba import cuda

    try:
        dev = cuda.get_current_device()
        name = dev.name.decode() if isinstance(dev.name, bytes) else dev.name
        return f"{name} (compute capability {dev.compute_capability[0]}.{dev.compute_capability[1]})"
    except Exception as exc:  # noqa: BLE001 - informational only
        return f"unknown device ({exc})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, default=1024, help="replicas (reads) per run (default 1024)")
    ap.add_argument("--sweeps", type=int, default=100, help="sweeps per replica, one beta each (default 100)")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per device; median reported (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-identical", type=float, default=0.95,
                    help="fraction of replicas that must end identical on both devices (default 0.95)")
    args = ap.parse_args(argv)

    if not gpu_available():
        print("gpu_check: no CUDA GPU visible (or NUMBA_ENABLE_CUDASIM=1 is set); nothing to check.")
        return 0

    print(f"GPU: {_device_line()}")
    print(f"CPU: {numba.config.NUMBA_NUM_THREADS} Numba threads")
    results = []
    for n, density in ANNEAL_CASES:
        t0 = time.perf_counter()
        r = check_anneal(n, density, args.replicas, args.sweeps, args.repeats, args.seed, args.min_identical)
        results.append(r)
        status = "OK" if r["ok"] else "DISAGREE: " + "; ".join(r["problems"])
        print(f"\n{r['name']}  ({args.replicas} replicas x {args.sweeps} sweeps, "
              f"{time.perf_counter() - t0:.1f} s in all)")
        print(f"  agreement : {status}")
        print(f"  identical replicas: {r['identical']:.1%}, max |dE| among them "
              f"{r['max_abs_energy_diff_identical']:.2e}; mean energy CPU {r['mean_energy_cpu']:.4f} "
              f"GPU {r['mean_energy_gpu']:.4f}")
        cpu_rate = r["attempts"] / r["cpu_s"]
        gpu_rate = r["attempts"] / r["gpu_s"]
        print(f"  CPU: {r['cpu_s']:8.3f} s  {cpu_rate / 1e6:10.1f} M flip attempts/s")
        print(f"  GPU: {r['gpu_s']:8.3f} s  {gpu_rate / 1e6:10.1f} M flip attempts/s  "
              f"({gpu_rate / cpu_rate:.2f}x CPU)")

    # DMMV move scoring: Numba CUDA kernel and CuPy scorer vs the CPU batch kernel (benchmarks/dmmv_throughput.py)
    from dmmv_throughput import gpu_checks as dmmv_gpu_checks

    for r in dmmv_gpu_checks(max(1, args.repeats)):
        r["ok"] = not r["problems"]
        results.append(r)
        status = "OK" if r["ok"] else "DISAGREE: " + "; ".join(r["problems"])
        rates = "  ".join(f"{k} {r[k] / 1e6:.2f} M/s" for k in ("cpu_batch", "numpy_xp", "cuda_kernel", "cupy")
                          if k in r)
        print(f"\ndmmv scoring, {r['name']}: {r['candidates']} candidates\n  agreement : {status}\n  {rates}")

    # RCPSP activity-list decoding: Numba CUDA kernel vs the CPU decoder (benchmarks/rcpsp_gpu.py)
    from rcpsp_gpu import gpu_checks as rcpsp_gpu_checks
    from rcpsp_gpu import report as rcpsp_report

    for r in rcpsp_gpu_checks(max(1, args.repeats)):
        r["ok"] = not r["problems"]
        results.append(r)
        print(rcpsp_report(r))

    bad = [r["name"] for r in results if not r["ok"]]
    if bad:
        print(f"\ngpu_check: FAILED ({', '.join(bad)})")
        return 1
    print(f"\ngpu_check: all {len(results)} GPU checks agree with the CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
