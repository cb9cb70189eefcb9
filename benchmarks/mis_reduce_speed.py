"""The exact MIS reductions: the Numba kernel of ``combopt/problems/graph/reduce.py`` against the previous pure-Python
version of the same rules (kept below as the baseline), on generated sparse graphs, in the same run.

Both apply degree 0/1, domination (from vertices of degree at most 64) and degree-2 folding to their fixpoint from a
queue in order of degree (the kernel with ``unconfined=False, lp=False, twin=False``); they may pick another dominator
or fold in another order, so their kernels can differ a little, and both are exact. Reported per graph: size, kernel
vertices and offset of each, the seconds of each (the Numba kernel's best of three after a warm call that loads it
from the cache; the Python version's one run) and the ratio; then the default rules (the unconfined-vertex, twin and
LP rules added): kernel, offset, seconds.

Usage::

    .venv/bin/python benchmarks/mis_reduce_speed.py          # 6 graphs, about 2 minutes
"""

from __future__ import annotations

import argparse
import time
from collections import deque

import networkx as nx
import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

from combopt.problems.graph.graph import Graph
from combopt.problems.graph.reduce import MAX_DOMINATION_DEGREE, reduce_graph


def python_reduce(indptr, indices):
    """The previous implementation (Python sets): returns (kernel vertices, offset)."""
    n = int(indptr.shape[0]) - 1
    ip, ix = indptr.tolist(), indices.tolist()
    adj = [set(ix[ip[v]:ip[v + 1]]) for v in range(n)]
    alive = [True] * n
    offset = 0
    queue = deque(np.argsort(np.diff(indptr), kind="stable").tolist())
    inq = [True] * n

    def push(x):
        if not inq[x]:
            inq[x] = True
            queue.append(x)

    def remove(x):
        for y in adj[x]:
            adj[y].discard(x)
            push(y)
        adj[x] = set()
        alive[x] = False

    while queue:
        v = queue.popleft()
        inq[v] = False
        if not alive[v]:
            continue
        av = adj[v]
        d = len(av)
        if d <= 1:
            if d == 1:
                remove(next(iter(av)))
            alive[v] = False
            offset += 1
            continue
        if d > MAX_DOMINATION_DEGREE:
            continue
        dominator = next((u for u in av if len(adj[u]) >= d and all(x == u or x in adj[u] for x in av)), -1)
        if dominator >= 0:
            remove(dominator)
            push(v)
            continue
        if d == 2:
            u, w = av
            adj[u].discard(v)
            adj[w].discard(v)
            adj[v] = set()
            alive[v] = False
            for y in adj[w]:
                adj[y].discard(w)
                adj[y].add(u)
                adj[u].add(y)
            adj[w] = set()
            alive[w] = False
            offset += 1
            push(u)
            for y in adj[u]:
                push(y)
    return n - alive.count(False), offset


def _grid(side, seed):
    G = nx.convert_node_labels_to_integers(nx.grid_2d_graph(side, side))
    drop = np.random.default_rng(seed).random(G.number_of_nodes()) < 0.2
    G.remove_nodes_from(np.flatnonzero(drop).tolist())
    return Graph.from_networkx(G)


def _gnm(n, m, seed):
    return Graph.from_edges(n, np.random.default_rng(seed).integers(0, n, (m, 2)))


def _best_of_three(ip, ix, extra):
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        red = reduce_graph(ip, ix, unconfined=extra, lp=extra, twin=extra)
        times.append(time.perf_counter() - t0)
    return min(times), red


def graphs():
    return [("grid 700x700, 20 % deleted", lambda: _grid(700, 1)),
            ("grid 1200x1200, 20 % deleted", lambda: _grid(1200, 2)),
            ("G(n,m) n=200000 m=600000", lambda: _gnm(200_000, 600_000, 3)),
            ("Barabasi-Albert n=200000 m=2", lambda: Graph.from_networkx(nx.barabasi_albert_graph(200_000, 2, seed=1))),
            ("geometric n=50000 r=0.008",
             lambda: Graph.from_networkx(nx.random_geometric_graph(50_000, 0.008, seed=2))),
            ("Holme-Kim n=100000 m=3 p=0.3",
             lambda: Graph.from_networkx(nx.powerlaw_cluster_graph(100_000, 3, 0.3, seed=1)))]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", default="mis_reduce_speed")
    args = ap.parse_args(argv)
    reduce_graph(*Graph.from_networkx(nx.path_graph(5)).csr())  # load the kernels from the cache
    rows, results = [], []
    for name, make in graphs():
        g = make()
        ip, ix = g.csr()
        t_nb, red = _best_of_three(ip, ix, False)
        t_all, full = _best_of_three(ip, ix, True)
        t0 = time.perf_counter()
        k_py, off_py = python_reduce(ip, ix)
        t_py = time.perf_counter() - t0
        res = {"graph": name, "n": g.n, "entries": int(ix.size), "numba": {"kernel": red.kernel_n, "offset": red.offset,
               "s": round(t_nb, 3), "counts": red.counts}, "python": {"kernel": k_py, "offset": off_py,
               "s": round(t_py, 3)}, "speedup": round(t_py / t_nb, 1),
               "default": {"kernel": full.kernel_n, "offset": full.offset, "s": round(t_all, 3), "counts": full.counts}}
        results.append(res)
        rows.append([name, f"{g.n:,} / {ix.size:,}", f"{red.kernel_n:,} / {red.offset:,}", f"{t_nb:.3f}",
                     f"{k_py:,} / {off_py:,}", f"{t_py:.2f}", f"{t_py / t_nb:.1f}x",
                     f"{full.kernel_n:,} / {full.offset:,}", f"{t_all:.3f}"])
        print(rows[-1], flush=True)
    headers = ["graph", "vertices / adjacency entries", "Numba kernel / offset", "Numba s",
               "Python kernel / offset", "Python s", "Python time / Numba time",
               "default rules (+ unconfined, twin, LP): kernel / offset", "its s"]
    title = "Exact MIS reductions: Numba kernel vs the previous pure-Python version"
    print_rich_table(title, headers, rows)
    md = (f"# {title}\n\nMachine: {machine_info()['cpu']}. `benchmarks/mis_reduce_speed.py`.\n\n"
          + markdown_table(headers, rows))
    payload = {"machine": machine_info(), "results": results}
    write_results(args.name, payload, md)
    return payload


if __name__ == "__main__":
    main()
