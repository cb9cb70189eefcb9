"""TSPLIB through the QUBO route (issue #3), side by side with the direct local search.

For every instance: the slack-free augmented Lagrangian (position-based QUBO with
city 0 fixed, (n-1)^2 binaries, inner simulated annealing, each sample decoded by a
maximum-weight assignment then 2-opt + Or-opt), the penalty QUBO with plain SA,
and combopt's direct TSP heuristic (``tsp-ls``: iterated 2-opt/Or-opt), each at the
same wall-clock limit, stopping early at the known optimum. Gaps are to the
TSPLIB optima. The Held-Karp bound is reported too.

    .venv/bin/python benchmarks/tsp_qubo.py --time-limit 20
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from rich.progress import Progress

import combopt

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "tsp" / "tsplib"
LOCAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "tsp"

RUNS = [
    ("QUBO: lagrangian (augmented)", "lagrangian", {"method": "augmented"}),
    ("QUBO: sa (penalty)", "sa", {}),
    ("tsp-ls (direct)", "tsp-ls", {}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=SHARED if SHARED.exists() else LOCAL)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--max-cities", type=int, default=150)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    with open(a.data / "optima.csv") as f:
        opt = {r["instance"]: int(r["optimal_length"]) for r in csv.DictReader(f)}
    names = [k for k in opt if (a.data / f"{k}.tsp").exists()]
    insts = [combopt.read(a.data / f"{k}.tsp") for k in names]
    insts = sorted([i for i in insts if i.n <= a.max_cities], key=lambda i: i.n)
    combopt.solve(insts[0], "lagrangian", method="augmented", max_iterations=1)  # compile
    rows = []
    with Progress() as prog:
        task = prog.add_task("tsp", total=len(insts) * len(RUNS))
        for inst in insts:
            row = {"instance": inst.name, "n": inst.n, "binaries": (inst.n - 1) ** 2, "optimum": opt[inst.name],
                   "held_karp": inst.bound()}
            for label, solver, params in RUNS:
                res = combopt.solve(inst, solver, time_limit=a.time_limit, target=opt[inst.name], seed=a.seed,
                                    **params)
                assert res.feasible
                ttb = next((t for t, v in res.trace if v == res.objective), None)
                row[label] = {"length": res.objective, "gap_pct": 100 * (res.objective - opt[inst.name]) /
                              opt[inst.name], "time_to_best_s": ttb, "runtime_s": res.runtime,
                              "feasible_share": res.info.get("feasible_share")}
                prog.advance(task)
            rows.append(row)
    head = ["instance", "n", "QUBO binaries", "optimum", "Held-Karp"] + [f"{lab} gap % (time to best s)"
                                                                         for lab, _, _ in RUNS]
    body = [[r["instance"], r["n"], r["binaries"], r["optimum"], r["held_karp"]] +
            [f"{r[lab]['gap_pct']:.2f} ({r[lab]['time_to_best_s']:.2f})" for lab, _, _ in RUNS] for r in rows]
    print_rich_table(f"TSPLIB at {a.time_limit:g} s per run", head, body)
    md = "\n".join([f"### TSPLIB, {a.time_limit:g} s per run (stop at the optimum)", "", markdown_table(head, body)])
    write_results("tsp_qubo", {"machine": machine_info(), "args": {k: str(v) for k, v in vars(a).items()},
                               "rows": rows}, md)


if __name__ == "__main__":
    main()
