"""TSP: ``tsp-ls`` (combopt's default for kind tsp) against LKH, on random uniform instances, in the same run.

LKH is Helsgaun's Lin-Kernighan-Helsgaun code, called through ``elkai`` (the ``bench`` extra: ``pip install elkai``),
one run (``runs=1``) with its own defaults, untimed: it stops when its run ends. Its tour length is the reference.
``tsp-ls`` gets a fixed wall-clock limit per run (``-T``, default 20 s) on one Numba thread, once per seed. The
instances are seeded random uniform points in a 1,000,000 x 1,000,000 square with TSPLIB EUC_2D distances (rounded
Euclidean): ``--n`` cities, ``--count`` instances, first seed ``--first`` (default 1000: seeds apart from anything
tuned on). Reported per instance: LKH's length and seconds, ``tsp-ls``'s length per seed and its gap to LKH in %;
then the mean gap and how many runs ended below, level with or above LKH.

Usage::

    .venv/bin/python benchmarks/tsp_lkh.py                     # 4 x 1000 cities, 2 seeds, 20 s: about 3 minutes
    .venv/bin/python benchmarks/tsp_lkh.py --n 5000 --count 2  # LKH takes about 10 minutes per 5000-city instance
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.problems.tsp.model import TSP


def require_elkai():
    try:
        import elkai
    except ImportError:  # pragma: no cover - depends on the environment
        sys.exit("this benchmark needs LKH through elkai (the 'bench' extra): pip install elkai")
    return elkai


def instance(n: int, seed: int) -> TSP:
    coords = np.random.default_rng(seed).uniform(0, 1_000_000, (n, 2))
    return TSP.from_coords(coords, "EUC_2D", name=f"uniform-{n}-s{seed}")


def lkh(elkai, tsp: TSP) -> tuple[float, float]:
    """LKH's tour length on ``tsp`` (one run) and its seconds."""
    D = np.asarray(tsp.D)
    t0 = time.perf_counter()
    tour = elkai.DistanceMatrix(np.rint(D).astype(np.int64).tolist()).solve_tsp(runs=1)
    seconds = time.perf_counter() - t0
    tour = np.asarray(tour[:-1] if len(tour) == tsp.n + 1 else tour, dtype=np.int64)
    ev = tsp.evaluate(tour)
    assert ev.feasible, "LKH returned an invalid tour"
    return float(ev.objective), seconds


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="cities (default 1000)")
    ap.add_argument("--count", type=int, default=4, help="instances (default 4)")
    ap.add_argument("--first", type=int, default=1000, help="first instance seed (default 1000)")
    ap.add_argument("--time-limit", "-T", type=float, default=20.0, help="tsp-ls seconds per run (default 20)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="tsp-ls run seeds (default 0 1)")
    ap.add_argument("--name", default=None, help="results name (default tsp_lkh_<n>)")
    args = ap.parse_args(argv)
    elkai = require_elkai()
    import numba

    numba.set_num_threads(1)
    combopt.solve(instance(60, 1), time_limit=1.0)  # load the kernels from the cache
    headers = ["instance", "LKH length", "LKH s"] + [f"tsp-ls seed {s}" for s in args.seeds] + \
        [f"gap seed {s} %" for s in args.seeds]
    rows, results, gaps = [], [], []
    for k in range(args.count):
        tsp = instance(args.n, args.first + k)
        ref, ref_s = lkh(elkai, tsp)
        ours = []
        for s in args.seeds:
            r = combopt.solve(tsp, time_limit=args.time_limit, seed=s)
            assert r.feasible and tsp.evaluate(r.solution).feasible
            ours.append(float(r.objective))
        g = [100.0 * (v - ref) / ref for v in ours]
        gaps += g
        results.append({"instance": tsp.name, "lkh": ref, "lkh_s": round(ref_s, 2), "tsp_ls": ours, "gap_pct": g})
        rows.append([tsp.name, f"{ref:,.0f}", f"{ref_s:.1f}"] + [f"{v:,.0f}" for v in ours] + [f"{x:.3f}" for x in g])
        print(rows[-1], flush=True)
    below = sum(x < 0 for x in gaps)
    level = sum(x == 0 for x in gaps)
    summary = {"mean_gap_pct": statistics.mean(gaps), "below": below, "level": level,
               "above": len(gaps) - below - level, "runs": len(gaps)}
    title = f"TSP: tsp-ls at {args.time_limit:g} s (one thread) against LKH (elkai, one run), {args.n} cities"
    print_rich_table(title, headers, rows)
    md = (f"### {title}\n\n" + markdown_table(headers, rows)
          + f"\n\nMean gap of `tsp-ls` to LKH: {summary['mean_gap_pct']:.3f} % over {len(gaps)} runs "
          f"({below} below LKH, {level} level, {summary['above']} above). Machine: {machine_info()['cpu']}. "
          f"`benchmarks/tsp_lkh.py --n {args.n} --count {args.count} -T {args.time_limit:g}`.\n")
    payload = {"machine": machine_info(), "args": vars(args), "results": results, "summary": summary}
    write_results(args.name or f"tsp_lkh_{args.n}", payload, md)
    return payload


if __name__ == "__main__":
    main()
