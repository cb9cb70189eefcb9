"""Asymmetric TSP: ``tsp-ls`` (on the Jonker-Volgenant transformation) against LKH-3, on generated instance classes.

LKH is called through ``elkai`` (the ``bench`` extra), one run with its own defaults, untimed; its tour length is
the reference (LKH transforms an asymmetric matrix itself, the same way). ``tsp-ls`` gets a fixed wall-clock limit
per run (``-T``, default 10 s) on one Numba thread, once per seed. The classes follow the DIMACS ATSP challenge's
generators (Cirasella, Johnson, McGeoch and Zhang 2001) in spirit; they are re-implemented here, not theirs:

* ``amat``: arc lengths uniform in 0..999,999 (no structure);
* ``tmat``: ``amat`` closed under shortest paths (the triangle inequality holds);
* ``shop``: no-wait flow shop, 50 machines, processing times uniform in 0..999; the arc ``i -> j`` is the least
  delay between the starts of job ``i`` and job ``j`` on the first machine that lets ``j`` run without waiting;
* ``tilt``: uniform points in a 1,000,000 square; moving up costs twice the vertical distance, down once, plus the
  horizontal distance (a tilted drilling / stacker-crane-like geometry).

Reported per instance: LKH's length and seconds, ``tsp-ls``'s length per seed, its gap to LKH in %, and its bound's
gap (how far below ``tsp-ls``'s best tour the run's proven bound is); then the mean gap per class.

Usage::

    .venv/bin/python benchmarks/atsp_lkh.py                       # 4 classes x 2 instances of 300 cities, 2 seeds
    .venv/bin/python benchmarks/atsp_lkh.py --n 1000 --count 1
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from tsp_lkh import lkh, require_elkai  # one LKH run on the matrix (elkai transforms an asymmetric one)

import combopt
from combopt.problems.tsp.model import TSP

CLASSES = ("amat", "tmat", "shop", "tilt")


def generate(cls: str, n: int, seed: int) -> TSP:
    rng = np.random.default_rng(seed)
    if cls in ("amat", "tmat"):
        D = rng.integers(0, 1_000_000, (n, n))
        np.fill_diagonal(D, 0)
        if cls == "tmat":  # Floyd-Warshall, one pivot at a time
            for k in range(n):
                np.minimum(D, D[:, k:k + 1] + D[k:k + 1, :], out=D)
    elif cls == "shop":
        P = rng.integers(0, 1000, (n, 50))
        before = np.cumsum(P, axis=1)          # job i has left machine k at before[i, k] after its start
        start = before - P                      # job j starts on machine k at start[j, k] after its start
        D = np.max(before[:, None, :] - start[None, :, :], axis=2)
        np.fill_diagonal(D, 0)
    elif cls == "tilt":
        xy = rng.uniform(0, 1_000_000, (n, 2))
        dx = np.abs(xy[:, None, 0] - xy[None, :, 0])
        dy = xy[None, :, 1] - xy[:, None, 1]   # positive: the arc goes up
        D = np.rint(dx + np.where(dy > 0, 2.0 * dy, -dy)).astype(np.int64)
    else:
        raise ValueError(cls)
    return TSP(D, name=f"{cls}-{n}-s{seed}")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=300, help="cities (default 300)")
    ap.add_argument("--count", type=int, default=2, help="instances per class (default 2)")
    ap.add_argument("--classes", nargs="+", default=list(CLASSES), choices=CLASSES)
    ap.add_argument("--first", type=int, default=2000, help="first instance seed (default 2000)")
    ap.add_argument("--time-limit", "-T", type=float, default=10.0, help="tsp-ls seconds per run (default 10)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="tsp-ls run seeds (default 0 1)")
    ap.add_argument("--name", default=None, help="results name (default atsp_lkh_<n>)")
    args = ap.parse_args(argv)
    elkai = require_elkai()
    import numba

    numba.set_num_threads(1)
    combopt.solve(generate("amat", 40, 1), time_limit=1.0)  # load the kernels from the cache
    headers = (["instance", "LKH length", "LKH s"] + [f"tsp-ls seed {s}" for s in args.seeds]
               + [f"gap seed {s} %" for s in args.seeds] + ["bound below best %"])
    rows, results = [], []
    by_class: dict[str, list[float]] = {c: [] for c in args.classes}
    for cls in args.classes:
        for k in range(args.count):
            tsp = generate(cls, args.n, args.first + k)
            assert tsp.asymmetric
            ref, ref_s = lkh(elkai, tsp)
            ours, bounds = [], []
            for s in args.seeds:
                r = combopt.solve(tsp, "tsp-ls", time_limit=args.time_limit, seed=s)
                assert r.feasible and tsp.evaluate(r.solution).objective == r.objective
                ours.append(float(r.objective))
                bounds.append(float(r.bound) if r.bound is not None else float("nan"))
            g = [100.0 * (v - ref) / ref for v in ours]
            by_class[cls] += g
            best, bound = min(ours), max(bounds)
            bound_gap = 100.0 * (best - bound) / best if best else float("nan")
            results.append({"instance": tsp.name, "lkh": ref, "lkh_s": round(ref_s, 2), "tsp_ls": ours,
                            "gap_pct": g, "bound": bound, "bound_gap_pct": bound_gap})
            rows.append([tsp.name, f"{ref:,.0f}", f"{ref_s:.1f}"] + [f"{v:,.0f}" for v in ours]
                        + [f"{x:.3f}" for x in g] + [f"{bound_gap:.2f}"])
            print(rows[-1], flush=True)
    gaps = [x for v in by_class.values() for x in v]
    summary = {"mean_gap_pct": statistics.mean(gaps), "runs": len(gaps),
               "below": sum(x < 0 for x in gaps), "level": sum(x == 0 for x in gaps),
               "by_class": {c: statistics.mean(v) for c, v in by_class.items()}}
    summary["above"] = len(gaps) - summary["below"] - summary["level"]
    title = f"ATSP: tsp-ls at {args.time_limit:g} s (one thread) against LKH-3 (elkai, one run), {args.n} cities"
    print_rich_table(title, headers, rows)
    per_class = ", ".join(f"{c} {m:.3f} %" for c, m in summary["by_class"].items())
    md = (f"### {title}\n\n" + markdown_table(headers, rows)
          + f"\n\nMean gap of `tsp-ls` to LKH: {summary['mean_gap_pct']:.3f} % over {len(gaps)} runs "
          f"({summary['below']} below LKH, {summary['level']} level, {summary['above']} above); by class: "
          f"{per_class}. Machine: {machine_info()['cpu']}. "
          f"`benchmarks/atsp_lkh.py --n {args.n} --count {args.count} -T {args.time_limit:g}`.\n")
    payload = {"machine": machine_info(), "args": vars(args), "results": results, "summary": summary}
    write_results(args.name or f"atsp_lkh_{args.n}", payload, md)
    return payload


if __name__ == "__main__":
    main()
