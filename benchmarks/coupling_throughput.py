"""Greedy minimum-entropy coupling: speed at vocabulary scale, batches, gap to the lower bounds, exact vs greedy.

1. **Vocabulary scale.** Greedy coupling of two Dirichlet(1) marginals over n = 50,257 symbols (the GPT-2
   vocabulary), combopt's Numba heap kernel vs a straightforward ``heapq`` implementation, in the same run,
   on the same marginals; both results are checked to be the same coupling (same cells, masses to 1e-12).
   Best and median of ``--repeats`` runs each (compilation warmed up, not timed).
2. **Batch.** 1,000 pairs at n = 1,000: the batch kernel (Numba threads) vs a loop of single calls; on a
   machine with a CUDA GPU also the CUDA kernel (one pair per thread).
3. **Gap to the lower bound.** Mean of ``H(greedy) - bound`` over Dirichlet(1) pairs for n = 10 ... 10,000,
   for the majorization bound ``H(p ∧ q)`` and for ``max(majorization, profile)``.
4. **Exact vs greedy vs local search** on small random pairs (3x3 ... 5x5): how often the exact optimum
   beats greedy, by how much, and the share of that gap the local search (mec-ls) closes.

Usage::

    .venv/bin/python benchmarks/coupling_throughput.py            # ~2-3 min on 2 shared cores
"""

from __future__ import annotations

import argparse
import heapq
import statistics
import time

import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

from combopt.core.device import gpu_available
from combopt.problems.coupling import majorization_bound, profile_bound
from combopt.solvers.coupling import exact_coupling, greedy_coupling, improve_coupling
from combopt.solvers.coupling.kernels import greedy_batch


def heapq_greedy(p, q):
    """The straightforward Python greedy: two heapq max-heaps, one cell per loop iteration."""
    hp = [(-v, i) for i, v in enumerate(p) if v > 0]
    hq = [(-v, j) for j, v in enumerate(q) if v > 0]
    heapq.heapify(hp)
    heapq.heapify(hq)
    rows, cols, mass = [], [], []
    while hp and hq:
        a, i = heapq.heappop(hp)
        b, j = heapq.heappop(hq)
        a, b = -a, -b
        m = a if a < b else b
        rows.append(i)
        cols.append(j)
        mass.append(m)
        if a - m > a * 1e-12:
            heapq.heappush(hp, (m - a, i))
        if b - m > b * 1e-12:
            heapq.heappush(hq, (m - b, j))
    return np.array(rows), np.array(cols), np.array(mass)


def H(x):
    x = np.asarray(x)
    x = x[x > 0]
    return float(-(x * np.log2(x)).sum())


def timed(fn, repeats):
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t)
    return out, ts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50_257)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--batch-n", type=int, default=1000)
    ap.add_argument("--gap-sizes", type=int, nargs="+", default=[10, 30, 100, 300, 1000, 3000, 10000])
    ap.add_argument("--gap-pairs", type=int, default=20)
    ap.add_argument("--exact-sizes", type=int, nargs="+", default=[3, 4, 5])
    ap.add_argument("--exact-pairs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    payload: dict = {"args": vars(args), "machine": machine_info()}
    md = []

    # 1. vocabulary scale
    p, q = rng.dirichlet(np.ones(args.n)), rng.dirichlet(np.ones(args.n))
    greedy_coupling([p[:10], q[:10]])  # compile
    ours, t_ours = timed(lambda: greedy_coupling([p, q]), args.repeats)
    ref, t_ref = timed(lambda: heapq_greedy(p, q), args.repeats)
    same = (ours.nnz == len(ref[2]) and np.array_equal(ours.index[:, 0], ref[0])
            and np.array_equal(ours.index[:, 1], ref[1]) and np.allclose(ours.mass, ref[2], atol=1e-12))
    row = [args.n, ours.nnz, f"{min(t_ours) * 1e3:.1f}", f"{statistics.median(t_ours) * 1e3:.1f}",
           f"{min(t_ref) * 1e3:.0f}", f"{statistics.median(t_ref) * 1e3:.0f}",
           f"{min(t_ref) / min(t_ours):.0f}x", f"{statistics.median(t_ref) / statistics.median(t_ours):.0f}x",
           "yes" if same else "NO"]
    hdr = ["n", "cells", "combopt best [ms]", "combopt median [ms]", "heapq best [ms]", "heapq median [ms]",
           "speed-up (best)", "speed-up (median)", "same coupling"]
    print_rich_table("greedy coupling at vocabulary scale", hdr, [row])
    md += ["### Greedy coupling at n = 50,257 (one pair)\n", markdown_table(hdr, [row])]
    payload["vocabulary"] = {"times_combopt": t_ours, "times_heapq": t_ref, "cells": ours.nnz, "same": same,
                             "H": H(ours.mass), "majorization_bound": majorization_bound([p, q]),
                             "profile_bound": profile_bound([p, q])}

    # 2. batch
    B, n = args.batch, args.batch_n
    Pb = rng.dirichlet(np.ones(n), size=(B, 2))
    greedy_batch(Pb[:2])
    (oi, om, nnz), t_batch = timed(lambda: greedy_batch(Pb), 3)
    _, t_loop = timed(lambda: [greedy_coupling([Pb[b, 0], Pb[b, 1]]) for b in range(B)], 1)
    rows = [["CPU batch kernel (all Numba threads)", f"{min(t_batch):.3f}", f"{B / min(t_batch):.0f}"],
            ["CPU loop of single calls", f"{min(t_loop):.3f}", f"{B / min(t_loop):.0f}"]]
    if gpu_available():
        from combopt.gpu.coupling import greedy_batch_gpu

        greedy_batch_gpu(Pb[:2])
        (gi, gm, gn), t_gpu = timed(lambda: greedy_batch_gpu(Pb), 3)
        agree = bool(np.array_equal(gn, nnz))
        rows.append([f"CUDA kernel (one pair per thread; agrees with CPU: {agree})", f"{min(t_gpu):.3f}",
                     f"{B / min(t_gpu):.0f}"])
    hdr = ["path", "seconds (best)", "pairs / s"]
    print_rich_table(f"batch: {B} pairs at n = {n}", hdr, rows)
    md += [f"\n### Batch of {B} pairs at n = {n}\n", markdown_table(hdr, rows)]
    payload["batch"] = {"times_batch": t_batch, "times_loop": t_loop, "gpu": gpu_available()}

    # 3. gap to the lower bounds
    rows = []
    for n in args.gap_sizes:
        g_maj, g_best = [], []
        for _ in range(args.gap_pairs):
            a, b = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
            h = H(greedy_coupling([a, b]).mass)
            maj, prof = majorization_bound([a, b]), profile_bound([a, b])
            g_maj.append(h - maj)
            g_best.append(h - max(maj, prof))
        rows.append([n, args.gap_pairs, f"{np.mean(g_maj):.4f}", f"{np.max(g_maj):.4f}", f"{np.mean(g_best):.4f}",
                     f"{np.max(g_best):.4f}"])
    hdr = ["n", "pairs", "mean H(greedy) - H(p∧q)", "max", "mean H(greedy) - max(maj, profile)", "max"]
    print_rich_table("gap of greedy to the lower bounds (bits), Dirichlet(1) marginals", hdr, rows)
    md += ["\n### Gap of greedy to the lower bounds (bits), Dirichlet(1) pairs\n", markdown_table(hdr, rows)]
    payload["gap"] = rows

    # 4. exact vs greedy vs local search
    rows = []
    for n in args.exact_sizes:
        wins, gaps, closed_num, closed_den, t_ex = 0, [], 0.0, 0.0, []
        for _ in range(args.exact_pairs):
            a, b = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
            g = greedy_coupling([a, b])
            hg = H(g.mass)
            t = time.perf_counter()
            _, he, _ = exact_coupling(a, b)
            t_ex.append(time.perf_counter() - t)
            X, _ = improve_coupling(g.dense(), np.random.default_rng(0))
            hl = H(X)
            if hg > he + 1e-9:
                wins += 1
                gaps.append(hg - he)
                closed_num += hg - hl
                closed_den += hg - he
        rows.append([f"{n} x {n}", args.exact_pairs, wins, f"{np.mean(gaps) if gaps else 0:.4f}",
                     f"{max(gaps) if gaps else 0:.4f}", f"{100 * closed_num / closed_den:.0f} %" if closed_den else "-",
                     f"{np.median(t_ex):.3f}"])
    hdr = ["size", "pairs", "exact < greedy", "mean gap [bits]", "max gap", "gap closed by mec-ls",
           "exact median [s]"]
    print_rich_table("exact vs greedy vs local search (Dirichlet(1) pairs)", hdr, rows)
    md += ["\n### Exact vs greedy vs local search (Dirichlet(1) pairs)\n", markdown_table(hdr, rows)]
    payload["exact"] = rows
    load = payload["machine"].get("loadavg_at_end")
    md.append(f"\nMachine: {payload['machine'].get('cpu')}, {payload['machine'].get('logical_cpus')} logical CPUs, "
              f"shared with other jobs (load average at the end {load}).\n")
    pj, pm = write_results("coupling_throughput", payload, "\n".join(md))
    print(f"wrote {pj} and {pm}")


if __name__ == "__main__":
    main()
