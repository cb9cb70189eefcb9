"""Maximum cut through the QUBO engine: combopt's annealers and tabu search against D-Wave's samplers.

Instances: generated in the classes of the G-set (Helmberg and Rendl's graphs from Rinaldi's ``rudy``, which are not
available offline here): random graphs G(n, p) with unit weights (as G1-G5, G22-G26) and with +-1 weights (as
G6-G10, G27-G31), toroidal 2-D grids with +-1 weights (as G11-G13, G32-G34) and planar graphs with unit weights
(Delaunay triangulations of random points; the G-set's G14-G17 are unions of two planar graphs). Two seeds per
class and size.

Each solver gets the same wall-clock limit and seed: combopt's ``sa`` (the default), ``pt`` and ``tabu`` on the
max-cut QUBO, and D-Wave's ``SimulatedAnnealingSampler`` / ``TabuSampler`` (dwave-samplers, the
``bench`` extra) on the same QUBO through ``dwave-sa`` / ``dwave-tabu``. Every cut is re-checked by the problem's
``evaluate``. Reported: each cut, the problem's untimed upper bound (the certified eigenvalue bound from the
semidefinite relaxation, else the sum of the positive weights), how far above the best cut it is and its seconds,
the bound of the subgradient steps alone in the same 0.5 s (the method before the relaxation), and per solver the
mean of cut / best cut of the row and the number of rows where it found the best cut.

Usage::

    .venv/bin/python benchmarks/mb.py -T 5          # 12 graphs x 5 solvers, about 6 minutes
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from scipy.spatial import Delaunay

import combopt
from combopt.problems.graph.maxcut import MaxCut

SOLVERS = ["sa", "pt", "tabu", "dwave-sa", "dwave-tabu"]


def _random(n, p, seed, signed):
    G = nx.gnp_random_graph(n, p, seed=seed)
    e = np.array(G.edges(), dtype=np.int64)
    w = np.random.default_rng(seed).choice([-1.0, 1.0], len(e)) if signed else np.ones(len(e))
    return MaxCut(n, e, w, name=f"{'pm1' if signed else 'unit'}-G({n},{p})-s{seed}")


def _torus(rows, cols, seed):
    G = nx.grid_2d_graph(rows, cols, periodic=True)
    idx = {v: k for k, v in enumerate(sorted(G))}
    e = np.array([(idx[a], idx[b]) for a, b in G.edges()], dtype=np.int64)
    w = np.random.default_rng(seed).choice([-1.0, 1.0], len(e))
    return MaxCut(len(idx), e, w, name=f"torus-{rows}x{cols}-pm1-s{seed}")


def _planar(n, seed):
    pts = np.random.default_rng(seed).random((n, 2))
    tri = Delaunay(pts).simplices
    e = np.unique(np.sort(np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [0, 2]]]), axis=1), axis=0)
    return MaxCut(n, e, name=f"planar-{n}-s{seed}")


def instances():
    for seed in (1, 2):
        yield _random(800, 0.06, seed, False)
        yield _random(800, 0.06, 10 + seed, True)
        yield _torus(20, 40, seed)
        yield _planar(800, seed)
        yield _random(2000, 0.01, 20 + seed, False)
        yield _torus(50, 40, 30 + seed)


def _steps_only_bound(p: MaxCut) -> float:
    """The bound as before the relaxation (subgradient steps alone, same 0.5 s), on a copy of ``p``: the baseline
    of the bound column, measured in the same run."""
    from combopt.models import maxcut_bound as mb

    share, mb.RELAXATION_SHARE = mb.RELAXATION_SHARE, 0.0
    try:
        return MaxCut(p.n, p.edges, p.weights, name=p.name).bound()
    finally:
        mb.RELAXATION_SHARE = share


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-T", "--time-limit", type=float, default=5.0)
    ap.add_argument("--solvers", nargs="+", default=SOLVERS)
    ap.add_argument("--name", default="maxcut")
    args = ap.parse_args(argv)
    T = args.time_limit
    warm = _random(60, 0.2, 0, True)
    for s in args.solvers:  # compile outside the timed runs
        combopt.solve(warm, s, max_iterations=1, seed=0)
    rows, results = [], []
    for p in instances():
        t0 = time.perf_counter()
        bound = p.bound()
        bound_s = time.perf_counter() - t0
        steps_only = _steps_only_bound(p)
        cuts = {}
        for s in args.solvers:
            t0 = time.perf_counter()
            r = combopt.solve(p, s, time_limit=T, seed=0)
            wall = time.perf_counter() - t0
            ev = p.evaluate(r.solution)
            assert ev.feasible and ev.objective == r.objective, (p.name, s)
            cuts[s] = {"cut": float(r.objective), "wall_s": round(wall, 2)}
        best = max(c["cut"] for c in cuts.values())
        results.append({"instance": p.name, "n": p.n, "m": p.m, "bound": bound, "bound_s": round(bound_s, 3),
                        "bound_steps_only": steps_only, "best": best, "solvers": cuts})
        rows.append([p.name, p.n, p.m, f"{bound:g}", f"{100 * (bound / best - 1):.1f}", f"{bound_s:.2f}",
                     f"{steps_only:g} ({100 * (steps_only / best - 1):.1f})"]
                    + [f"{cuts[s]['cut']:g}" + (" *" if cuts[s]["cut"] == best else "") for s in args.solvers])
        print(rows[-1], flush=True)
    summary = []
    for s in args.solvers:
        ratio = np.mean([r["solvers"][s]["cut"] / r["best"] for r in results if r["best"] > 0])
        wins = sum(r["solvers"][s]["cut"] == r["best"] for r in results)
        summary.append([s, f"{ratio:.5f}", f"{wins} of {len(results)}"])
    headers = (["instance", "n", "m", "upper bound", "bound above best %", "bound s", "steps-only bound (above %)"]
               + args.solvers)
    title = f"Maximum cut at {T:g} s per solver (seed 0; * = best cut of the row)"
    print_rich_table(title, headers, rows)
    print_rich_table("summary", ["solver", "mean cut / best of row", "rows at the best"], summary)
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs (load average at the end {mi['loadavg_at_end']}). "
          f"`benchmarks/mb.py -T {T:g}`: each solver {T:g} s, one after the other.\n\n"
          + markdown_table(headers, rows) + "\n\n"
          + markdown_table(["solver", "mean cut / best of row", "rows at the best"], summary) + "\n")
    write_results(args.name, {"machine": mi, "T": T, "results": results, "summary": summary}, md)
    return {"results": results, "summary": summary}


if __name__ == "__main__":
    main()
