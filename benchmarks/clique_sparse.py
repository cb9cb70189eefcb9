"""Maximum clique of large sparse graphs: combopt's default (``clique-cores`` through ``sa-ils``) against networkx.

Graphs (generated, seeded, kind ``clique``): Barabasi-Albert graphs of 50,000 and 200,000 vertices with a planted
clique of 20 and 30 vertices, a Holme-Kim power-law cluster graph (30,000 vertices, m = 5, triangle probability
0.5) and a random geometric graph (20,000 vertices, radius 0.02). Their complements have 10^8 edges and more, so the
independent-set route cannot run; ``sa-ils`` hands them to ``clique-cores`` (core numbers, then an exact colouring
branch and bound on each vertex's later neighbours).

Peer: networkx's ``find_cliques`` (Bron-Kerbosch with pivoting, every maximal clique), the size of the largest;
exact, no time limit. combopt runs with a limit of ``T`` seconds; its status says whether it proved its answer.

Usage::

    .venv/bin/python benchmarks/clique_sparse.py -T 20        # 4 graphs, about a minute
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.problems.graph.mis import IndependentSet


def _planted(n, m, k, seed):
    G = nx.barabasi_albert_graph(n, m, seed=seed)
    S = np.random.default_rng(seed).choice(n, k, replace=False)
    G.add_edges_from((int(a), int(b)) for i, a in enumerate(S) for b in S[i + 1:])
    return G


def graphs():
    return [("Barabasi-Albert n=50000 m=5, planted K20", lambda: _planted(50_000, 5, 20, 1)),
            ("Barabasi-Albert n=200000 m=8, planted K30", lambda: _planted(200_000, 8, 30, 2)),
            ("Holme-Kim n=30000 m=5 p=0.5", lambda: nx.powerlaw_cluster_graph(30_000, 5, 0.5, seed=1)),
            ("geometric n=20000 r=0.02", lambda: nx.random_geometric_graph(20_000, 0.02, seed=1))]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-T", "--time-limit", type=float, default=20.0)
    ap.add_argument("--name", default="clique_sparse")
    args = ap.parse_args(argv)
    T = args.time_limit
    warm = IndependentSet.from_networkx(_planted(3000, 3, 8, 0), "clique")
    combopt.solve(warm, time_limit=30, seed=0)  # compile outside the timed runs
    rows, results = [], []
    for name, make in graphs():
        G = make()
        P = IndependentSet.from_networkx(G, "clique")
        t0 = time.perf_counter()
        r = combopt.solve(P, time_limit=T, seed=0)
        t_c = time.perf_counter() - t0
        assert P.evaluate(r.solution).feasible
        t0 = time.perf_counter()
        omega = max(len(c) for c in nx.find_cliques(G))
        t_nx = time.perf_counter() - t0
        res = {"graph": name, "n": G.number_of_nodes(), "m": G.number_of_edges(), "omega_networkx": omega,
               "networkx_s": round(t_nx, 2), "combopt": {"objective": int(r.objective), "bound": r.bound,
                                                         "status": r.status.value, "wall_s": round(t_c, 2),
                                                         "max_core": r.info.get("max_core"),
                                                         "vertices_searched": r.info.get("vertices_searched")}}
        results.append(res)
        rows.append([name, f"{res['n']:,} / {res['m']:,}", r.info.get("max_core"), int(r.objective),
                     r.status.value, f"{t_c:.2f}", omega, f"{t_nx:.2f}", f"{t_nx / max(t_c, 1e-9):.1f}x"])
        print(rows[-1], flush=True)
    headers = ["graph", "n / m", "max core", "combopt clique", "status", "combopt s", "networkx clique number",
               "networkx s", "networkx time / combopt time"]
    title = f"Maximum clique of sparse graphs, combopt default (limit {T:g} s) vs networkx find_cliques"
    print_rich_table(title, headers, rows)
    md = (f"# {title}\n\nMachine: {machine_info()['cpu']}. `benchmarks/clique_sparse.py -T {T:g}`.\n\n"
          + markdown_table(headers, rows))
    payload = {"machine": machine_info(), "T": T, "results": results}
    write_results(args.name, payload, md)
    return payload


if __name__ == "__main__":
    main()
