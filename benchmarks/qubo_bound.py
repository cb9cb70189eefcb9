"""The QUBO model's proven bound on OR-Library-like BQP instances: how far above the best found objective it is.

Instances: generated with the distribution of Beasley's OR-Library BQP problems (maximise ``x'Qx``; density 10 %,
integer coefficients uniform in [-100, 100] on the diagonal and the pairs; each pair counts twice, as the reader
``combopt.problems.qubo_file.read_bqp`` takes the files), the sizes of bqp50 ... bqp2500, two seeds each; plus the
one OR-Library problem in the repository (``tests/data/qubo/bqp50_1.txt``, published optimum 2098).

Per instance: ``tabu`` for T seconds (seed 0; the run's own bound gets a tenth of T, as every timed run), the bound
it reported, the bound with T seconds of its own (a fresh copy, ``bound_info(T)``), the trivial bound (the sum of
the positive max-cut weights of the reduction) and, up to 100 variables, the optimum proven by ``milp`` (HiGHS) for
the true gap. Every objective is re-checked by the problem's ``evaluate``; every bound must be at or above it.

Usage::

    .venv/bin/python benchmarks/qubo_bound.py -T 5      # 11 problems, about 2-3 minutes
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.models.qubo import QUBO

SIZES = (50, 100, 250, 500, 1000, 2500)
BQP50_1 = Path(__file__).resolve().parents[1] / "tests" / "data" / "qubo" / "bqp50_1.txt"


def beasley_like(n: int, seed: int, density: float = 0.1) -> QUBO:
    rng = np.random.default_rng(seed)
    k = int(round(density * n * (n + 1) / 2))
    flat = rng.choice(n * (n + 1) // 2, size=k, replace=False)
    i, j = np.triu_indices(n)
    i, j = i[flat], j[flat]
    q = rng.integers(-100, 101, size=k).astype(np.float64)
    diag = i == j
    h = np.zeros(n)
    h[i[diag]] = q[diag]
    off = ~diag
    W = sp.coo_matrix((np.r_[2 * q[off], 2 * q[off]], (np.r_[i[off], j[off]], np.r_[j[off], i[off]])), shape=(n, n))
    return QUBO(h, W, sense="max", name=f"bqp-like-n{n}-s{seed}")


def instances():
    yield combopt.read(BQP50_1)
    for n in SIZES:
        for seed in (1, 2):
            yield beasley_like(n, seed)


def gap(bound: float, best: float) -> str:
    return f"{100 * (bound - best) / abs(best):.1f}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-T", "--time-limit", type=float, default=5.0)
    ap.add_argument("--name", default="qubo_bound")
    args = ap.parse_args(argv)
    T = args.time_limit
    combopt.solve(beasley_like(30, 0), "tabu", max_iterations=1, seed=0)  # kernels loaded outside the runs
    rows, results = [], []
    for p in instances():
        res = combopt.solve(p, "tabu", time_limit=T, seed=0)
        ev = p.evaluate(res.solution)
        assert ev.feasible and ev.objective == res.objective, p.name
        q = QUBO(p.h, p.W, p.offset, name=p.name)  # the same model (stored in minimisation form), uncached bound
        t0 = time.perf_counter()
        own = q.bound_info(T)
        own_s = time.perf_counter() - t0
        own_bound, trivial = -own["bound"], -own["trivial"]  # back to the maximisation
        opt = None
        if p.n <= 100:
            m = combopt.solve(p, "milp", time_limit=120)
            opt = m.objective if m.status.value == "optimal" else None
        best = max(res.objective, opt or -np.inf)
        for b in (res.bound, own_bound, trivial):
            assert b is None or b >= best - 1e-6, (p.name, b, best)
        results.append({"instance": p.name, "n": p.n, "tabu": res.objective, "optimum": opt,
                        "run_bound": res.bound, "bound_T": own_bound, "bound_T_s": round(own_s, 3),
                        "sweeps_T": own["relaxation_sweeps"], "trivial": trivial})
        rows.append([p.name, p.n, f"{res.objective:g}", "-" if opt is None else f"{opt:g}",
                     f"{res.bound:g} ({gap(res.bound, best)})", f"{own_bound:g} ({gap(own_bound, best)})",
                     f"{own_s:.2f}", f"{trivial:g} ({gap(trivial, best)})"])
        print(rows[-1], flush=True)
    headers = ["instance", "n", f"tabu {T:g} s", "optimum (milp)", "run's bound (above best %)",
               f"bound with {T:g} s (above %)", "its s", "trivial bound (above %)"]
    print_rich_table(f"QUBO bounds (maximisation; tabu {T:g} s, seed 0)", headers, rows)
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs (load average at the end {mi['loadavg_at_end']}). "
          f"`benchmarks/qubo_bound.py -T {T:g}`.\n\n" + markdown_table(headers, rows) + "\n")
    write_results(args.name, {"machine": mi, "T": T, "results": results}, md)
    return {"results": results}


if __name__ == "__main__":
    main()
