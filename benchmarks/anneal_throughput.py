"""Spin-flip throughput of combopt's CPU annealing kernel vs dwave-samplers' SimulatedAnnealingSampler.

Both run the same random QUBOs (``combopt.QUBO.random``; dwave gets a dimod BQM with identical
coefficients, checked by comparing energies), the same number of reads and sweeps, the same
geometric beta schedule over the same range (combopt's ``default_beta_range``), sequential
variable order and Metropolis acceptance. Throughput is counted in flip *attempts*::

    attempts/s = reads * sweeps * n / seconds

Timings:

* combopt, 1 thread: ``kernels.anneal_batch_cpu`` with ``numba.set_num_threads(1)`` (random start,
  local-field set-up and all sweeps; compilation is warmed up beforehand and not timed);
* dwave, 1 thread (dwave's SA is single-threaded): ``sampling_ns`` from the SampleSet's timing
  info (its C++ loop, incl. random-start energies; excludes Python pre/post-processing). The
  whole ``sample()`` wall time is reported too;
* combopt, all cores: the same kernel with every Numba thread (replicas run in parallel).

Each configuration runs ``--repeats`` times (fresh seeds each time, interleaved) and the table
uses the fastest run of each (best-of-N: on a shared VM, interference only ever adds time);
medians, all times and the calling thread's CPU time of the single-threaded runs are in the JSON.
The JSON also records how a trivial compute loop scales from 1 to all threads on this machine, as
a reference for the "all cores" column. Solution quality at equal sweeps: mean and best energy over all reads of
the single-threaded combopt runs and of the dwave runs.

Usage::

    .venv/bin/python benchmarks/anneal_throughput.py                   # default, ~1.5 min on 2 cores
    .venv/bin/python benchmarks/anneal_throughput.py --sizes 2000:1.0 --reads 8 --sweeps 500
"""

from __future__ import annotations

import argparse
import statistics
import time

import numba
import numpy as np
from bench_utils import (
    RESULTS_DIR,
    check_energies,
    machine_info,
    markdown_table,
    print_rich_table,
    qubo_to_bqm,
    require_dwave,
    sampleset_matrix,
    write_results,
)

import combopt
from combopt.solvers import kernels
from combopt.solvers.common import default_beta_range, geometric_betas


def parse_size(text: str) -> tuple[int, float]:
    """``N`` or ``N:DENSITY`` (density 1.0 = dense)."""
    n, _, d = text.partition(":")
    return int(n), float(d) if d else 1.0


def run_combopt(arrays, h, betas, reads: int, threads: int, rng: np.random.Generator):
    indptr, indices, data = arrays
    n = h.shape[0]
    X = np.zeros((reads, n), dtype=np.int8)
    F = np.zeros((reads, n), dtype=np.float64)
    E = np.zeros(reads, dtype=np.float64)
    states = rng.integers(1, 2**63 - 1, size=reads, dtype=np.int64).astype(np.uint64)
    numba.set_num_threads(threads)
    c0 = time.thread_time()
    t0 = time.perf_counter()
    kernels.anneal_batch_cpu(indptr, indices, data, h, betas, 1, X, F, states, E, 1)
    dt = time.perf_counter() - t0
    cpu = time.thread_time() - c0  # CPU time of the calling thread (all of it when threads == 1)
    return dt, cpu, X, E


@numba.njit(parallel=True, cache=True)
def _spin(k, out):
    for r in numba.prange(out.shape[0]):
        s = 0.0
        for i in range(k):
            s += np.sqrt(i * 1.0 + r)
        out[r] = s


def thread_scaling_reference(threads: int, k: int = 60_000_000) -> float:
    """Speed-up of a trivially parallel compute loop (no memory traffic) on ``threads`` vs 1 thread."""
    out = np.zeros(threads)
    _spin(10, out)
    best = {}
    for t in (1, threads):
        numba.set_num_threads(t)
        runs = []
        for _ in range(2):
            t0 = time.perf_counter()
            _spin(k, out)
            runs.append(time.perf_counter() - t0)
        best[t] = min(runs)
    return best[1] / best[threads] if threads > 1 else 1.0


def bench_case(n: int, density: float, reads: int, sweeps: int, repeats: int, seed: int, all_threads: int) -> dict:
    _, SimulatedAnnealingSampler = require_dwave()
    rng = np.random.default_rng(seed)
    model = combopt.QUBO.random(n, density, seed)
    bqm = qubo_to_bqm(model)
    energy_diff = check_energies(model, bqm, rng)
    arrays = model.csr_arrays()
    h = np.ascontiguousarray(model.h, dtype=np.float64)
    beta_range = default_beta_range(model)
    betas = geometric_betas(beta_range, sweeps)
    # dwave builds its schedule as np.geomspace(*beta_range, num=sweeps) for num_sweeps_per_beta=1
    assert np.allclose(betas, np.geomspace(*beta_range, num=sweeps), rtol=1e-12, atol=0)

    # warm up: compile (or load the cache) and touch the arrays, for both thread settings
    for t in (1, all_threads):
        run_combopt(arrays, h, betas[:2], max(2, t), t, rng)

    sampler = SimulatedAnnealingSampler()
    times = {"combopt_1t": [], "combopt_all": [], "dwave_sampling": [], "dwave_wall": []}
    cpu_times = {"combopt_1t": [], "dwave_sample_call": []}
    energies = {"combopt_1t": [], "dwave": []}
    max_consistency = 0.0
    for _ in range(repeats):
        dt, cpu, X, E = run_combopt(arrays, h, betas, reads, 1, rng)
        cpu_times["combopt_1t"].append(cpu)
        e_model = model.energies(X)
        max_consistency = max(max_consistency, float(np.max(np.abs(e_model - (E + model.offset)))))
        times["combopt_1t"].append(dt)
        energies["combopt_1t"].extend(e_model.tolist())

        dt, _, X, E = run_combopt(arrays, h, betas, reads, all_threads, rng)
        times["combopt_all"].append(dt)

        dseed = int(rng.integers(0, 2**31 - 1))
        c0 = time.thread_time()
        t0 = time.perf_counter()
        ss = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, num_sweeps_per_beta=1,
                            beta_range=list(beta_range), beta_schedule_type="geometric", seed=dseed,
                            randomize_order=False, proposal_acceptance_criteria="Metropolis")
        wall = time.perf_counter() - t0
        cpu_times["dwave_sample_call"].append(time.thread_time() - c0)
        times["dwave_wall"].append(wall)
        times["dwave_sampling"].append(ss.info["timing"]["sampling_ns"] * 1e-9)
        Xd = sampleset_matrix(ss, n)
        e_model = model.energies(Xd)
        max_consistency = max(max_consistency, float(np.max(np.abs(e_model - ss.record.energy))))
        energies["dwave"].extend(e_model.tolist())

    attempts = reads * sweeps * n
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    rate = {k: attempts / v for k, v in best.items()}
    return {
        "case": f"{'dense' if density >= 1.0 else 'sparse'} n={n}",
        "n": n,
        "density": density,
        "nnz_per_row": model.W.nnz / n,
        "reads": reads,
        "sweeps": sweeps,
        "repeats": repeats,
        "beta_range": list(beta_range),
        "attempts_per_run": attempts,
        "energy_check_max_abs_diff": energy_diff,
        "sample_energy_consistency_max_abs_diff": max_consistency,
        "times_s": times,
        "thread_cpu_times_s": cpu_times,
        "best_s": best,
        "median_s": med,
        "attempts_per_s": rate,
        "attempts_per_s_median": {k: attempts / v for k, v in med.items()},
        "ratio_combopt_1t_vs_dwave_median": med["dwave_sampling"] / med["combopt_1t"],
        "ratio_per_repeat": [d / c for d, c in zip(times["dwave_sampling"], times["combopt_1t"], strict=True)],
        "ratio_per_repeat_median": statistics.median(
            d / c for d, c in zip(times["dwave_sampling"], times["combopt_1t"], strict=True)),
        "ratio_combopt_1t_vs_dwave_thread_cpu": min(cpu_times["dwave_sample_call"]) / min(cpu_times["combopt_1t"]),
        "threads_all": all_threads,
        "ratio_combopt_1t_vs_dwave_sampling": rate["combopt_1t"] / rate["dwave_sampling"],
        "ratio_combopt_1t_vs_dwave_wall": rate["combopt_1t"] / rate["dwave_wall"],
        "ratio_combopt_all_vs_dwave_sampling": rate["combopt_all"] / rate["dwave_sampling"],
        "quality": {
            k: {"mean": float(np.mean(v)), "best": float(np.min(v)), "samples": len(v)} for k, v in energies.items()
        },
    }


HEADERS = [
    "case", "nnz/row", "reads x sweeps", "combopt 1 thread (M/s)", "dwave 1 thread (M/s)", "ratio (fastest)",
    "ratio (median of medians)", "ratio (median per repeat)",
    "dwave incl. Python (M/s)", "combopt all cores (M/s)", "combopt mean E", "dwave mean E",
    "combopt best E", "dwave best E",
]


def table_rows(cases: list[dict]) -> list[list[str]]:
    rows = []
    for c in cases:
        r = c["attempts_per_s"]
        q = c["quality"]
        rows.append([
            c["case"],
            f"{c['nnz_per_row']:.1f}",
            f"{c['reads']} x {c['sweeps']}",
            f"{r['combopt_1t'] / 1e6:.1f}",
            f"{r['dwave_sampling'] / 1e6:.1f}",
            f"{c['ratio_combopt_1t_vs_dwave_sampling']:.2f}x",
            f"{c['ratio_combopt_1t_vs_dwave_median']:.2f}x",
            f"{c['ratio_per_repeat_median']:.2f}x",
            f"{r['dwave_wall'] / 1e6:.1f}",
            f"{r['combopt_all'] / 1e6:.1f} ({c['threads_all']} thr)",
            f"{q['combopt_1t']['mean']:.2f}",
            f"{q['dwave']['mean']:.2f}",
            f"{q['combopt_1t']['best']:.2f}",
            f"{q['dwave']['best']:.2f}",
        ])
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["1000:1.0", "10000:0.001"],
                    help="problems as N:DENSITY (1.0 = dense); default 1000:1.0 10000:0.001")
    ap.add_argument("--reads", type=int, default=8, help="reads (replicas) per run, same for both (default 8)")
    ap.add_argument("--sweeps", type=int, default=1000, help="sweeps per read, one beta per sweep (default 1000)")
    ap.add_argument("--repeats", type=int, default=5, help="timed runs per configuration; fastest reported (default 5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=int(numba.config.NUMBA_NUM_THREADS),
                    help="threads for the 'all cores' combopt column (default: all Numba threads)")
    ap.add_argument("--out", default=str(RESULTS_DIR), help="folder for anneal_throughput.{json,md}")
    args = ap.parse_args(argv)

    scaling = thread_scaling_reference(args.threads)
    print(f"machine reference: a trivial compute loop runs {scaling:.2f}x faster on {args.threads} threads "
          "than on 1", flush=True)
    cases = []
    for text in args.sizes:
        n, density = parse_size(text)
        t0 = time.perf_counter()
        c = bench_case(n, density, args.reads, args.sweeps, args.repeats, args.seed, args.threads)
        print(f"{c['case']}: done in {time.perf_counter() - t0:.1f} s "
              f"(energy check max |diff| {c['energy_check_max_abs_diff']:.2e})", flush=True)
        cases.append(c)

    rows = table_rows(cases)
    title = "SA flip attempts per second (M = 10^6), same QUBO / reads / sweeps / beta schedule"
    print_rich_table(title, HEADERS, rows)
    md = (
        f"### {title}\n\n"
        + markdown_table(HEADERS, rows)
        + f"\nAttempts/s from the fastest of {args.repeats} runs each (interleaved, same run, shared machine). "
        "ratio = combopt 1 thread / dwave 1 thread (dwave's own `sampling_ns`, C++ loop only): from the fastest "
        "runs, from the median times, and the median over repeats of the ratio within each repeat. "
        "Energies: mean / best over all reads of the single-threaded runs (lower is better). "
        f"Machine reference: a trivial compute loop runs {scaling:.2f}x faster on {args.threads} threads than on 1.\n"
    )
    payload = {"benchmark": "anneal_throughput", "machine": machine_info(), "args": vars(args),
               "thread_scaling_reference": scaling, "cases": cases}
    pj, pm = write_results("anneal_throughput", payload, md, args.out)
    print(f"wrote {pj} and {pm}")
    return payload


if __name__ == "__main__":
    main()
