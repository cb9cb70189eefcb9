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
  horizontal distance (a tilted drilling / stacker-crane-like geometry);
* ``smat``: a random symmetric matrix (entries uniform in 0..999,999) plus an asymmetric perturbation uniform in
  0..99,999 per arc (near-symmetric, no structure);
* ``crane``: stacker crane: job ``i`` carries a load from a uniform point ``s_i`` to ``t_i``, up to 100,000 away in a
  uniform direction; the arc ``i -> j`` is the empty drive from ``t_i`` to ``s_j`` plus job ``j``'s own drive;
* ``disk``: disk-drive seek plus rotational latency: file ``i`` lies on a uniform track and sector (up to 0.3 turns
  long); the arc ``i -> j`` is the head's seek (0.05 + 0.5 sqrt(track distance) turns) plus the wait until ``j``'s
  first sector comes round, in millionths of a turn;
* ``super``: shortest common superstring: random strings of 12 letters over 4; the arc ``i -> j`` is 12 less the
  longest suffix of ``i`` that is a prefix of ``j`` (many ties);
* ``oneway``: shortest driving distances (1,000 per block) between random intersections of a grid of one-way
  streets, ``2 ceil(sqrt(n))`` on a side, whose directions alternate street by street (the border is one loop).

A class whose asymmetry is a potential (``tilt``) takes ``tsp-ls``'s symmetric route, the others the transformation.

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

CLASSES = ("amat", "tmat", "shop", "tilt", "smat", "crane", "disk", "super", "oneway")


def generate(cls: str, n: int, seed: int) -> TSP:
    rng = np.random.default_rng(seed)
    if cls in ("amat", "tmat"):
        D = rng.integers(0, 1_000_000, (n, n))
        np.fill_diagonal(D, 0)  # before the closure
        if cls == "tmat":  # Floyd-Warshall, one pivot at a time
            for k in range(n):
                np.minimum(D, D[:, k:k + 1] + D[k:k + 1, :], out=D)
    elif cls == "shop":
        P = rng.integers(0, 1000, (n, 50))
        before = np.cumsum(P, axis=1)          # job i has left machine k at before[i, k] after its start
        start = before - P                      # job j starts on machine k at start[j, k] after its start
        D = np.max(before[:, None, :] - start[None, :, :], axis=2)
    elif cls == "tilt":
        xy = rng.uniform(0, 1_000_000, (n, 2))
        dx = np.abs(xy[:, None, 0] - xy[None, :, 0])
        dy = xy[None, :, 1] - xy[:, None, 1]   # positive: the arc goes up
        D = np.rint(dx + np.where(dy > 0, 2.0 * dy, -dy)).astype(np.int64)
    elif cls == "smat":
        S = np.triu(rng.integers(0, 1_000_000, (n, n)), 1)
        D = S + S.T + rng.integers(0, 100_000, (n, n))
    elif cls == "crane":
        s = rng.uniform(0, 1_000_000, (n, 2))
        angle, length = rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 100_000, n)
        t = s + np.c_[np.cos(angle), np.sin(angle)] * length[:, None]
        D = np.rint(np.hypot(t[:, None, 0] - s[None, :, 0], t[:, None, 1] - s[None, :, 1])
                    + length[None, :]).astype(np.int64)
    elif cls == "disk":
        track, first = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
        last = (first + rng.uniform(0, 0.3, n)) % 1.0  # in turns of the disk
        seek = 0.05 + 0.5 * np.sqrt(np.abs(track[:, None] - track[None, :]))
        D = np.rint(1e6 * (seek + (first[None, :] - last[:, None] - seek) % 1.0)).astype(np.int64)
    elif cls == "super":
        length = 12
        S = rng.integers(0, 4, (n, length))
        overlap = np.zeros((n, n), dtype=np.int64)
        for k in range(1, length):
            overlap[np.all(S[:, None, length - k:] == S[None, :, :k], axis=2)] = k
        D = length - overlap
    elif cls == "oneway":
        D = _one_way_streets(n, rng)
    else:
        raise ValueError(cls)
    np.fill_diagonal(D, 0)
    return TSP(D, name=f"{cls}-{n}-s{seed}")


def _one_way_streets(n: int, rng: np.random.Generator, block: int = 1000) -> np.ndarray:
    """Driving distances between ``n`` random intersections of a ``g x g`` grid (``g = 2 ceil(sqrt(n))``) of one-way
    streets: row ``y`` runs east when ``y`` is even, west when odd; column ``x`` north when ``x`` is odd, south when
    even (with ``g`` even the border is one loop, so every intersection reaches every other)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    g = 2 * int(np.ceil(np.sqrt(n)))
    node = np.arange(g * g).reshape(g, g)  # node[y, x]
    a, b = np.arange(g - 1), np.arange(1, g)
    east = np.arange(g) % 2 == 0           # rows
    north = np.arange(g) % 2 == 1          # columns
    src = np.concatenate([np.where(east[:, None], node[:, a], node[:, b]).ravel(),
                          np.where(north[None, :], node[a, :], node[b, :]).ravel()])
    dst = np.concatenate([np.where(east[:, None], node[:, b], node[:, a]).ravel(),
                          np.where(north[None, :], node[b, :], node[a, :]).ravel()])
    graph = coo_matrix((np.ones(src.size), (src, dst)), shape=(g * g, g * g)).tocsr()
    cities = rng.choice(g * g, size=n, replace=False)
    hops = shortest_path(graph, method="D", directed=True, unweighted=True, indices=cities)[:, cities]
    return (hops * block).astype(np.int64)


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
