"""TSP without a distance matrix: ``tsp-ls`` on point distances against the matrix path, and beyond its limit.

Part 1, the baseline in the same run: on random uniform instances of 5000 and 10,000 cities (the generator and
seeds of ``tsp_lkh.py``: points in a 1,000,000 x 1,000,000 square, EUC_2D), ``tsp-ls`` once with the distance
matrix (``distances=matrix``, the default up to 5000 cities: alpha candidates where the time allows) and once on
the points (``distances=points``: distances computed in the kernels, the 10 nearest cities of a k-d tree, a
Hilbert-curve start), each in its own process (peak memory of the process, ``ru_maxrss``), the same limit and
seeds, one Numba thread. Where ``results/tsp_lkh_5000.json`` holds LKH's length for the instance (one elkai run,
untimed), the gap to it is reported as well.

Part 2, above the matrix limit: uniform instances of 20,000 to 200,000 cities, points only: length, the run's
bound (``tsp-ls``'s sparse Held-Karp ascent within a tenth of the run, or the spanning tree where that has no
room), the gap to it, the minimum spanning tree of the Delaunay edges (computed here after the run, the bound
before the sparse ascent) and the gap to that, the Hilbert-curve start's length, and ``L / sqrt(n A)`` (the
optimal tour of uniform points tends to about 0.7124 of it as n grows: Beardwood-Halton-Hammersley, constant
from Applegate et al.). A clustered instance of 100,000 cities (100 Gaussian clusters) shows the bound where the
edges left out of the sparse 1-trees are far longer than each city's neighbourhood.

Usage::

    .venv/bin/python benchmarks/tsp_points.py              # about 10 minutes
    .venv/bin/python benchmarks/tsp_points.py -T 5 --large 20000 --seeds 0   # a quick look
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

SIDE = 1_000_000.0
HERE = Path(__file__).resolve().parent


def instance(n: int, seed: int, dense: bool, clustered: bool = False):
    """Uniform cities in the square, or (``clustered``) n / 1000 Gaussian clusters of spread 1 % of the side
    around uniform centres."""
    from combopt.problems.tsp.model import TSP

    rng = np.random.default_rng(seed)
    if clustered:
        centres = rng.uniform(0, SIDE, (max(1, n // 1000), 2))
        coords = np.clip(centres[rng.integers(0, len(centres), n)] + rng.normal(0, 0.01 * SIDE, (n, 2)), 0, SIDE)
        return TSP.from_coords(coords, "EUC_2D", name=f"clustered-{n}-s{seed}", dense=dense)
    coords = rng.uniform(0, SIDE, (n, 2))
    return TSP.from_coords(coords, "EUC_2D", name=f"uniform-{n}-s{seed}", dense=dense)


def one(n: int, seed: int, mode: str, limit: float, run_seed: int) -> dict:
    """One run in this process (the parent starts a process per run)."""
    import numba

    import combopt
    from combopt.problems.tsp.model import hilbert_order, spanning_tree_bound

    numba.set_num_threads(1)
    clustered = mode == "clustered"
    mode = "points" if clustered else mode
    combopt.solve(instance(60, 1, mode == "matrix"), time_limit=1.0, distances=mode)  # load the kernels
    t0 = time.perf_counter()
    p = instance(n, seed, mode == "matrix", clustered)
    build = time.perf_counter() - t0
    r = combopt.solve(p, "tsp-ls", time_limit=limit, seed=run_seed, distances=mode)
    ev = p.evaluate(r.solution)
    assert r.feasible and ev.feasible and ev.objective == r.objective
    tree = spanning_tree_bound(p.coords, "EUC_2D") if mode == "points" else None
    return {"n": n, "instance": p.name, "mode": mode, "seed": run_seed, "length": float(r.objective),
            "bound": r.bound, "bound_method": r.info.get("bound_method", "spanning tree" if mode == "points" else None),
            "bound_iterations": r.info.get("bound_iterations"), "spanning_tree": tree,
            "runtime_s": round(r.runtime, 2), "build_s": round(build, 2),
            "kicks": r.info.get("kicks_done"), "candidates": r.info.get("candidates"),
            "hilbert": float(p.tour_length(hilbert_order(p.coords))),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)}


def run(n: int, seed: int, mode: str, limit: float, run_seed: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", str(n), str(seed), mode, str(limit), str(run_seed)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE.parent)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    print(row, flush=True)
    return row


def _gap(v: float, ref: float | None) -> str:
    return "-" if not ref else f"{100.0 * (v - ref) / ref:.3f}"


def lkh_reference() -> dict[str, float]:
    path = HERE / "results" / "tsp_lkh_5000.json"
    if not path.exists():
        return {}
    return {r["instance"]: r["lkh"] for r in json.loads(path.read_text())["results"]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--one", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--time-limit", "-T", type=float, default=20.0, help="seconds per run in part 1 (default 20)")
    ap.add_argument("--large-time", type=float, default=60.0, help="seconds per run in part 2 (default 60)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="run seeds in part 1 (default 0 1)")
    ap.add_argument("--both", type=str, nargs="+", default=["5000:1000", "5000:1001", "10000:1000"],
                    help="part 1 instances n:seed (default 5000:1000 5000:1001 10000:1000)")
    ap.add_argument("--large", type=int, nargs="+", default=[20000, 50000, 100000, 200000],
                    help="part 2 sizes (instance seed 1000)")
    ap.add_argument("--clustered", type=int, nargs="*", default=[100000],
                    help="part 2 sizes of clustered instances (n / 1000 clusters; default 100000)")
    ap.add_argument("--name", default="tsp_points", help="results name (default tsp_points)")
    args = ap.parse_args(argv)
    if args.one:
        n, seed, mode, limit, run_seed = args.one
        print(json.dumps(one(int(n), int(seed), mode, float(limit), int(run_seed))))
        return {}
    lkh = lkh_reference()
    both, large = [], []
    h1 = ["instance", "seed", "matrix length", "points length", "points / matrix", "matrix gap to LKH %",
          "points gap to LKH %", "matrix kicks", "points kicks", "matrix peak MB", "points peak MB"]
    rows1 = []
    for spec in args.both:
        n, seed = (int(x) for x in spec.split(":"))
        for s in args.seeds:
            m, p = run(n, seed, "matrix", args.time_limit, s), run(n, seed, "points", args.time_limit, s)
            ref = lkh.get(m["instance"])
            both.append({"matrix": m, "points": p, "lkh": ref})
            rows1.append([m["instance"], s, f"{m['length']:,.0f}", f"{p['length']:,.0f}",
                          f"{p['length'] / m['length']:.4f}", _gap(m["length"], ref), _gap(p["length"], ref),
                          f"{m['kicks']:,}", f"{p['kicks']:,}", f"{m['peak_rss_mb']:,.0f}", f"{p['peak_rss_mb']:,.0f}"])
    h2 = ["instance", "length", "bound", "bound from", "gap to bound %", "spanning tree", "gap to tree %",
          "L / sqrt(n A)", "Hilbert start", "kicks", "runtime s", "peak MB"]
    rows2 = []
    for n, mode in [(n, "points") for n in args.large] + [(n, "clustered") for n in args.clustered]:
        r = run(n, 1000, mode, args.large_time, 0)
        large.append(r)
        b, t = r["bound"], r["spanning_tree"]
        how = r["bound_method"].replace("sparse Held-Karp", "Held-Karp").replace(" (candidates + Delaunay edges)", "")
        if b is not None and t is not None and b <= t:
            how = "spanning tree"  # the problem's own bound (or the run's fallback) above the ascent
        elif r["bound_iterations"]:
            how += f", {r['bound_iterations']} 1-trees"
        rows2.append([r["instance"], f"{r['length']:,.0f}", "-" if b is None else f"{b:,.0f}", how,
                      "-" if b is None else f"{100.0 * (r['length'] - b) / r['length']:.2f}",
                      "-" if t is None else f"{t:,.0f}",
                      "-" if t is None else f"{100.0 * (r['length'] - t) / r['length']:.2f}",
                      f"{r['length'] / math.sqrt(n * SIDE * SIDE):.4f}", f"{r['hilbert']:,.0f}", f"{r['kicks']:,}",
                      f"{r['runtime_s']:.1f}", f"{r['peak_rss_mb']:,.0f}"])
    ratios = [x["points"]["length"] / x["matrix"]["length"] for x in both]
    mem = [x["matrix"]["peak_rss_mb"] / x["points"]["peak_rss_mb"] for x in both if x["matrix"]["n"] >= 10000]
    summary = {"mean_points_over_matrix": float(np.mean(ratios)) if ratios else None,
               "worst_points_over_matrix": float(np.max(ratios)) if ratios else None,
               "memory_ratio_10000": float(np.mean(mem)) if mem else None}
    t1 = f"tsp-ls at {args.time_limit:g} s, distance matrix against point distances (same instances, same seeds)"
    t2 = f"tsp-ls on points at {args.large_time:g} s above the matrix limit"
    print_rich_table(t1, h1, rows1)
    print_rich_table(t2, h2, rows2)
    md = (f"### {t1}\n\n" + markdown_table(h1, rows1) + f"\n\n### {t2}\n\n" + markdown_table(h2, rows2)
          + f"\n\nMachine: {machine_info()['cpu']}. `benchmarks/tsp_points.py` (arguments in the json).\n")
    payload = {"machine": machine_info(), "args": vars(args), "both": both, "large": large, "summary": summary}
    write_results(args.name, payload, md)
    return payload


if __name__ == "__main__":
    main()
