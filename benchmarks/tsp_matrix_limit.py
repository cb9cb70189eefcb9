"""Where a coordinate TSP should stop keeping a distance matrix: ``tsp-ls`` with the matrix against the points.

Random uniform instances of 2000 to 10,000 cities (points in a 1,000,000 x 1,000,000 square, EUC_2D), built both
ways in one warm process (``TSP.from_coords(dense=True)`` and ``dense=False``), then ``tsp-ls`` at the same time
limits and seed on each: tour length, the ratio points / matrix, and the seconds the matrix took to build (before
the solver's clock starts; the solver's own float copy of it comes inside its time). One walk, one Numba thread
per run as the solver runs by default. The reader's limit (``MAX_COORD_MATRIX`` in
``combopt/problems/tsp/tsplib.py``) comes from this table.

Usage::

    .venv/bin/python benchmarks/tsp_matrix_limit.py                 # about 6 minutes
    .venv/bin/python benchmarks/tsp_matrix_limit.py --sizes 5000 --limits 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.problems.tsp.model import TSP

SIDE = 1_000_000.0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 3000, 5000, 7000, 10000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[21, 22], help="instance seeds")
    ap.add_argument("--limits", type=float, nargs="+", default=[2.0, 10.0])
    ap.add_argument("--name", default="tsp_matrix_limit")
    args = ap.parse_args(argv)
    warm = np.random.default_rng(0).uniform(0, SIDE, (300, 2))
    for dense in (True, False):  # compile (or load) both paths' kernels before any timed run
        combopt.solve(TSP.from_coords(warm, dense=dense), "tsp-ls", time_limit=0.5, seed=0)
    rows, records = [], []
    for n in args.sizes:
        for seed in args.seeds:
            coords = np.random.default_rng(seed).uniform(0, SIDE, (n, 2))
            t0 = time.perf_counter()
            matrix = TSP.from_coords(coords, "EUC_2D", name=f"uniform-{n}-s{seed}", dense=True)
            build = time.perf_counter() - t0
            points = TSP.from_coords(coords, "EUC_2D", name=f"uniform-{n}-s{seed}", dense=False)
            for limit in args.limits:
                rec = {"n": n, "seed": seed, "limit": limit, "matrix_build_s": build}
                for mode, p in (("matrix", matrix), ("points", points)):
                    t0 = time.perf_counter()
                    r = combopt.solve(p, "tsp-ls", time_limit=limit, seed=0)
                    assert r.feasible and r.info["distances"] == mode
                    rec[mode] = {"length": r.objective, "wall_s": time.perf_counter() - t0,
                                 "candidates": r.info.get("candidates")}
                rec["ratio"] = rec["points"]["length"] / rec["matrix"]["length"]
                records.append(rec)
                rows.append([f"uniform-{n}-s{seed}", f"{limit:g}", f"{build:.2f}",
                             f"{rec['matrix']['length']:,.0f}", f"{rec['points']['length']:,.0f}",
                             f"{rec['ratio']:.5f}", rec["matrix"]["candidates"], rec["points"]["candidates"]])
                print(rows[-1], flush=True)
    headers = ["instance", "limit s", "matrix build s", "matrix length", "points length", "points / matrix",
               "matrix candidates", "points candidates"]
    by_n = {n: [r["ratio"] for r in records if r["n"] == n] for n in args.sizes}
    summary = {str(n): {"mean_ratio": float(np.mean(v)), "worst_ratio": float(np.max(v)),
                        "build_s": float(np.mean([r["matrix_build_s"] for r in records if r["n"] == n]))}
               for n, v in by_n.items() if v}
    title = "tsp-ls with the distance matrix against point distances, same instance, seed and limit"
    print_rich_table(title, headers, rows)
    srows = [[n, f"{s['mean_ratio']:.5f}", f"{s['worst_ratio']:.5f}", f"{s['build_s']:.2f}"]
             for n, s in summary.items()]
    md = (f"### {title}\n\n" + markdown_table(headers, rows) + "\n\n### by size\n\n"
          + markdown_table(["cities", "mean points / matrix", "worst", "matrix build s"], srows)
          + f"\n\nMachine: {machine_info()['cpu']}. `benchmarks/tsp_matrix_limit.py` (arguments in the json).\n")
    payload = {"machine": machine_info(), "args": vars(args), "runs": records, "summary": summary}
    write_results(args.name, payload, md)
    return payload


if __name__ == "__main__":
    main()
