"""Maximum independent set on large sparse graphs: the exact reductions on and off, against dwave SA, equal time.

Graphs (generated here, seeded, kind ``mis``): Barabasi-Albert (50,000 vertices, 2 and 3 edges per new vertex),
a random geometric graph (30,000 vertices, radius 0.01), a random graph G(n, m) (20,000 vertices, 60,000 edges),
a 2-D grid of 200 x 200 with 20 % of its vertices deleted (bipartite: its independence number is known exactly,
``n - nu`` by Konig), a Holme-Kim power-law cluster graph (20,000 vertices, m = 2, triangle probability 0.3) and a
random tree of 50,000 vertices (bipartite as well).

Contenders, each ``T`` seconds of wall time on the same graph (one after the other):

* combopt ``sa-ils`` (the default for kind mis) with ``reduce=true`` (the default: the kernel of the degree 0/1,
  domination and degree-2 folding rules of :mod:`combopt.problems.graph.reduce`, given to HiGHS for a share of the
  time where it is small enough (:mod:`combopt.solvers.graph.exact`), searched and lifted back) and with
  ``reduce=false`` (the search on the file's graph, as before the reductions);
* dwave-samplers' ``SimulatedAnnealingSampler`` on the same MIS QUBO, reads until ``T`` (``mis_quality.run_dwave``:
  raw samples, minimal greedy repair).

Reported per graph: the known independence number where there is one, each contender's set size, combopt's
bound and gap (status ``optimal`` = proved), and the kernel's size and reduction time. Numba kernels are warmed up
on a small graph first.

Usage::

    .venv/bin/python benchmarks/mis_sparse.py -T 5          # 7 graphs x 3 contenders, about 2-3 minutes
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from mis_quality import run_dwave

import combopt
from combopt.problems.graph.graph import Graph
from combopt.problems.graph.mis import IndependentSet


def _bipartite_alpha(G) -> int:
    """Konig: on a bipartite graph the independence number is n minus a maximum matching (Hopcroft-Karp)."""
    top = nx.bipartite.sets(G)[0] if nx.is_connected(G) else {v for c in nx.connected_components(G)
                                                                 for v in nx.bipartite.sets(G.subgraph(c))[0]}
    return G.number_of_nodes() - len(nx.bipartite.hopcroft_karp_matching(G, top_nodes=top)) // 2


def graphs() -> list[dict]:
    out = []
    out.append({"name": "BA n=50000 m=2", "G": nx.barabasi_albert_graph(50_000, 2, seed=1)})
    out.append({"name": "BA n=50000 m=3", "G": nx.barabasi_albert_graph(50_000, 3, seed=1)})
    out.append({"name": "geometric n=30000 r=0.01", "G": nx.random_geometric_graph(30_000, 0.01, seed=1)})
    out.append({"name": "G(n,m) n=20000 m=60000", "G": nx.gnm_random_graph(20_000, 60_000, seed=1)})
    grid = nx.grid_2d_graph(200, 200)
    rng = np.random.default_rng(1)
    nodes = list(grid.nodes())
    grid.remove_nodes_from([nodes[i] for i in rng.choice(len(nodes), len(nodes) // 5, replace=False)])
    grid = nx.convert_node_labels_to_integers(grid)
    out.append({"name": "grid 200x200, 20 % deleted", "G": grid, "alpha": _bipartite_alpha(grid)})
    out.append({"name": "Holme-Kim n=20000 m=2 p=0.3", "G": nx.powerlaw_cluster_graph(20_000, 2, 0.3, seed=1)})
    tree = nx.random_labeled_tree(50_000, seed=1)
    out.append({"name": "random tree n=50000", "G": tree, "alpha": _bipartite_alpha(tree)})
    return out


def run_combopt(G, T: float, reduce: bool, seed: int) -> dict:
    P = IndependentSet(Graph.from_networkx(G), "mis")
    t0 = time.perf_counter()
    r = combopt.solve(P, "sa-ils", time_limit=T, seed=seed, reduce=reduce)
    wall = time.perf_counter() - t0
    assert P.evaluate(r.solution).feasible
    keep = ("kernel_vertices", "kernel_edges", "reduction_offset", "reduction_s", "reductions", "exact_phase")
    return {"best": int(r.objective), "bound": None if r.bound is None else int(r.bound), "status": r.status.value,
            "gap": r.gap, "wall_s": round(wall, 2), "info": {k: r.info[k] for k in keep if k in r.info}}


def _exact(phase) -> str:
    if not phase:
        return "-"
    status = "optimal" if phase["status"] == "Optimal" else "time limit"
    return f"{status} ({phase['seconds']:.2f} s of {phase.get('budget_s', phase['seconds']):.1f} s)"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-T", "--time-limit", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--name", default="mis_sparse")
    args = ap.parse_args(argv)
    T = args.time_limit
    combopt.solve(IndependentSet(Graph.from_networkx(nx.barabasi_albert_graph(300, 3, seed=0)), "mis"), "sa-ils",
                  time_limit=30, seed=0, reduce=False)  # warm-up: compile outside the timed runs
    rows, results = [], []
    for g in graphs():
        G = g["G"]
        on = run_combopt(G, T, True, args.seed)
        off = run_combopt(G, T, False, args.seed)
        P = IndependentSet(Graph.from_networkx(G), "mis")
        dw = run_dwave(P, T, reads=1, sweeps=1000, beta_range=None, rng=np.random.default_rng(args.seed))
        res = {"graph": g["name"], "n": G.number_of_nodes(), "m": G.number_of_edges(), "alpha": g.get("alpha"),
               "reduce": on, "no_reduce": off, "dwave_sa": {k: dw[k] for k in ("best", "reads", "runtime_s")}}
        results.append(res)
        kern = on["info"].get("kernel_vertices")
        rows.append([g["name"], f"{res['n']:,} / {res['m']:,}", "-" if res["alpha"] is None else f"{res['alpha']:,}",
                     f"{on['best']:,} ({on['status']})", f"{on['bound']:,}" if on["bound"] is not None else "-",
                     "-" if kern is None else f"{kern:,} ({on['info']['reduction_s']:.2f} s)",
                     _exact(on["info"].get("exact_phase")),
                     f"{off['best']:,}", f"{off['bound']:,}" if off["bound"] is not None else "-",
                     "-" if dw["best"] is None else f"{dw['best']:,}"])
        print(rows[-1], flush=True)
    headers = ["graph", "n / m", "alpha (known)", "sa-ils reduced (status)", "its bound", "kernel vertices (time)",
               "HiGHS on the kernel", "sa-ils reduce=false", "its bound", "dwave SA"]
    title = f"MIS on sparse graphs, T = {T:g} s each, seed {args.seed}"
    print_rich_table(title, headers, rows)
    md = (f"# {title}\n\nMachine: {machine_info()['cpu']}. `benchmarks/mis_sparse.py -T {T:g}`.\n\n"
          + markdown_table(headers, rows))
    payload = {"machine": machine_info(), "T": T, "seed": args.seed, "results": results}
    write_results(args.name, payload, md)
    return payload


if __name__ == "__main__":
    main()
