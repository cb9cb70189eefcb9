"""RCPSP on PSPLIB: the activity-list GA against known optima / bounds, and against OR-Tools CP-SAT.

Three suites (``--suite``):

``j30``
    every j30 instance (480) with the GA at ``--schedules`` (default 5,000) generated
    schedules per instance (every SGS pass counts, so a child with forward-backward
    improvement costs 3); mean deviation from the optimum and total runtime.
``j120``
    j120 instances at ``--schedules`` (default 50,000); mean deviation from the
    critical-path bound (the usual measure) and from the best known upper bound.
``j120-vs-cpsat``
    the GA and CP-SAT at the same wall-clock limit per instance (``--time-limit``,
    default 10 s; CP-SAT with ``--workers`` workers, default 2; the GA decodes on
    one process per instance): mean gap to the best known upper bound for both.

Instances are solved ``--jobs`` at a time in separate processes (default: the number
of CPUs), each single-threaded, so runtimes are per process. ``--subset K`` takes every
K-th instance in name order; ``--limit N`` the first N of those. The data live in
``../shared/data/rcpsp/psplib`` (``--data`` to change).

Results go to ``benchmarks/results/rcpsp_<suite>.json`` and ``.md``.

Usage::

    .venv/bin/python benchmarks/rcpsp_psplib.py --suite j30
    .venv/bin/python benchmarks/rcpsp_psplib.py --suite j120 --subset 5
    .venv/bin/python benchmarks/rcpsp_psplib.py --suite j120-vs-cpsat --subset 10 --time-limit 10
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "rcpsp" / "psplib"


def load_bounds(data: Path, family: str) -> dict[str, dict]:
    out = {}
    with open(data / "bounds" / f"{family}.csv", newline="") as f:
        for row in csv.DictReader(f):
            out[row["instance"]] = {
                "lb": int(row["lower_bound"]),
                "ub": int(row["upper_bound"]),
                "opt": int(row["optimum"]) if row["optimum"].strip() else None,
                "cpm": int(row["cpm_bound"]),
            }
    return out


def _natural(name: str):
    import re

    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def _init_worker():
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def run_ga(path: str, schedules: int | None, time_limit: float | None, seed: int, params: dict | None = None) -> dict:
    import combopt

    problem = combopt.read(path)
    kw = {"max_iterations": 10**9, **(params or {})}
    if schedules is not None:
        kw["schedules"] = schedules
    t0 = time.perf_counter()
    res = combopt.solve(problem, "rcpsp-ga", seed=seed, time_limit=time_limit, **kw)
    wall = time.perf_counter() - t0
    assert res.feasible, f"{problem.name}: GA schedule infeasible: {res.violations[:3]}"
    return {"instance": problem.name, "solver": "rcpsp-ga", "makespan": int(res.objective), "wall_s": wall,
            "schedules": res.info["schedules"], "cpm_bound": res.info["cpm_bound"], "status": res.status.value}


def run_cpsat(path: str, time_limit: float, workers: int, seed: int) -> dict:
    import combopt

    problem = combopt.read(path)
    t0 = time.perf_counter()
    res = combopt.solve(problem, "rcpsp-cpsat", seed=seed, time_limit=time_limit, num_workers=workers)
    wall = time.perf_counter() - t0
    return {"instance": problem.name, "solver": "rcpsp-cpsat", "makespan": None if res.objective is None
            else int(res.objective), "wall_s": wall, "lower_bound": None if res.bound is None else int(res.bound),
            "status": res.status.value, "cpm_bound": res.info["cpm_bound"]}


def _warm_up(jobs: int) -> None:
    """Compile (or load from Numba's cache) the kernels once before the timed runs."""
    import combopt

    p = ROOT / "tests" / "data" / "rcpsp" / "j301_1.sm"
    combopt.solve(combopt.read(p), "rcpsp-ga", schedules=200, max_iterations=10**9)


def _pool_map(fn, tasks: list[tuple], jobs: int, label: str) -> list[dict]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    rows = []
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                  transient=False) as prog:
        task = prog.add_task(label, total=len(tasks))
        if jobs <= 1:
            for t in tasks:
                rows.append(fn(*t))
                prog.advance(task)
        else:
            with ProcessPoolExecutor(jobs, initializer=_init_worker) as ex:
                futs = [ex.submit(fn, *t) for t in tasks]
                for f in as_completed(futs):
                    rows.append(f.result())
                    prog.advance(task)
    rows.sort(key=lambda r: _natural(r["instance"]))
    return rows


def pick(files: list[Path], subset: int, limit: int | None) -> list[Path]:
    files = sorted(files, key=lambda p: _natural(p.stem))[::subset]
    return files[:limit] if limit else files


def _which(count: int, args) -> str:
    if args.subset == 1 and not args.limit:
        return f"all {count} instances"
    return (f"{count} of 600 instances (every {args.subset}th in name order"
            f"{', first ' + str(args.limit) if args.limit else ''})")


def suite_j30(args) -> None:
    bounds = load_bounds(args.data, "j30")
    files = pick(list((args.data / "j30").glob("*.sm")), args.subset, args.limit)
    t0 = time.perf_counter()
    rows = _pool_map(run_ga, [(str(f), args.schedules, None, args.seed, args.params) for f in files], args.jobs,
                    "j30 GA")
    total = time.perf_counter() - t0
    for r in rows:
        b = bounds[r["instance"]]
        r["optimum"] = b["opt"]
        r["dev_opt_pct"] = 100.0 * (r["makespan"] - b["opt"]) / b["opt"]
    dev = np.array([r["dev_opt_pct"] for r in rows])
    n_opt = int(np.sum(dev == 0))
    summary = {
        "instances": len(rows),
        "schedules_per_instance": args.schedules,
        "mean_dev_from_optimum_pct": float(dev.mean()),
        "max_dev_from_optimum_pct": float(dev.max()),
        "optimal_found": n_opt,
        "total_wall_s": total,
        "sum_instance_wall_s": float(sum(r["wall_s"] for r in rows)),
        "jobs": args.jobs,
    }
    worst = sorted(rows, key=lambda r: -r["dev_opt_pct"])[:10]
    md = [f"# RCPSP j30: activity-list GA at {args.schedules:,} schedules\n\n",
          f"{len(rows)} instances, seed {args.seed}, {args.jobs} processes; every SGS pass counts as a schedule "
          f"(a child with forward-backward improvement costs 3).\n\n",
          markdown_table(["measure", "value"], [
              ["mean deviation from optimum", f"{summary['mean_dev_from_optimum_pct']:.3f} %"],
              ["max deviation from optimum", f"{summary['max_dev_from_optimum_pct']:.2f} %"],
              ["optimum found", f"{n_opt} / {len(rows)}"],
              ["total wall time", f"{total:.1f} s"],
              ["sum of per-instance times", f"{summary['sum_instance_wall_s']:.1f} s"],
          ]),
          "\nLargest deviations:\n\n",
          markdown_table(["instance", "GA", "optimum", "dev %"],
                         [[r["instance"], r["makespan"], r["optimum"], f"{r['dev_opt_pct']:.2f}"] for r in worst])]
    _finish("rcpsp_j30", args, summary, rows, "".join(md))


def suite_j120(args) -> None:
    bounds = load_bounds(args.data, "j120")
    files = pick(list((args.data / "j120").glob("*.sm")), args.subset, args.limit)
    t0 = time.perf_counter()
    rows = _pool_map(run_ga, [(str(f), args.schedules, None, args.seed, args.params) for f in files], args.jobs,
                    "j120 GA")
    total = time.perf_counter() - t0
    for r in rows:
        b = bounds[r["instance"]]
        r.update(best_ub=b["ub"], cpm=b["cpm"])
        r["dev_cpm_pct"] = 100.0 * (r["makespan"] - b["cpm"]) / b["cpm"]
        r["gap_ub_pct"] = 100.0 * (r["makespan"] - b["ub"]) / b["ub"]
        assert r["cpm_bound"] == b["cpm"], f"{r['instance']}: our CPM bound {r['cpm_bound']} != {b['cpm']}"
    dcpm = np.array([r["dev_cpm_pct"] for r in rows])
    dub = np.array([r["gap_ub_pct"] for r in rows])
    ref_cpm = np.mean([100.0 * (bounds[r["instance"]]["ub"] - bounds[r["instance"]]["cpm"])
                       / bounds[r["instance"]]["cpm"] for r in rows])
    summary = {
        "instances": len(rows),
        "subset_every": args.subset,
        "schedules_per_instance": args.schedules,
        "mean_dev_from_cpm_pct": float(dcpm.mean()),
        "best_known_dev_from_cpm_pct_same_instances": float(ref_cpm),
        "mean_gap_to_best_known_pct": float(dub.mean()),
        "best_known_matched": int(np.sum(dub <= 0)),
        "total_wall_s": total,
        "sum_instance_wall_s": float(sum(r["wall_s"] for r in rows)),
        "jobs": args.jobs,
    }
    md = [f"# RCPSP j120: activity-list GA at {args.schedules:,} schedules\n\n",
          f"{_which(len(rows), args)}, seed {args.seed}, {args.jobs} processes.\n\n",
          markdown_table(["measure", "value"], [
              ["mean deviation from the CPM bound (GA)", f"{summary['mean_dev_from_cpm_pct']:.2f} %"],
              ["mean deviation from the CPM bound (best known)", f"{ref_cpm:.2f} %"],
              ["mean gap to the best known upper bound", f"{summary['mean_gap_to_best_known_pct']:.2f} %"],
              ["best known matched", f"{summary['best_known_matched']} / {len(rows)}"],
              ["total wall time", f"{total:.1f} s"],
              ["sum of per-instance times", f"{summary['sum_instance_wall_s']:.1f} s"],
          ])]
    _finish("rcpsp_j120", args, summary, rows, "".join(md))


def suite_vs_cpsat(args) -> None:
    bounds = load_bounds(args.data, "j120")
    files = pick(list((args.data / "j120").glob("*.sm")), args.subset, args.limit)
    t0 = time.perf_counter()
    # the GA runs one process per instance, CP-SAT one instance at a time with its workers
    ga = _pool_map(run_ga, [(str(f), None, args.time_limit, args.seed, args.params) for f in files],
                   max(1, args.jobs // args.workers) if args.ga_jobs is None else args.ga_jobs, "j120 GA (time)")
    cp = _pool_map(run_cpsat, [(str(f), args.time_limit, args.workers, args.seed) for f in files],
                   max(1, args.jobs // args.workers), "j120 CP-SAT")
    total = time.perf_counter() - t0
    by = {r["instance"]: r for r in cp}
    rows = []
    for g in ga:
        c = by[g["instance"]]
        b = bounds[g["instance"]]
        rows.append({
            "instance": g["instance"], "best_ub": b["ub"], "cpm": b["cpm"],
            "ga": g["makespan"], "ga_schedules": g["schedules"], "ga_wall_s": g["wall_s"],
            "cpsat": c["makespan"], "cpsat_lb": c["lower_bound"], "cpsat_status": c["status"],
            "cpsat_wall_s": c["wall_s"],
            "ga_gap_ub_pct": 100.0 * (g["makespan"] - b["ub"]) / b["ub"],
            "cpsat_gap_ub_pct": None if c["makespan"] is None else 100.0 * (c["makespan"] - b["ub"]) / b["ub"],
        })
    ga_gap = np.array([r["ga_gap_ub_pct"] for r in rows])
    cp_gap = np.array([r["cpsat_gap_ub_pct"] for r in rows if r["cpsat_gap_ub_pct"] is not None])
    ga_cpm = np.mean([100.0 * (r["ga"] - r["cpm"]) / r["cpm"] for r in rows])
    cp_cpm = np.mean([100.0 * (r["cpsat"] - r["cpm"]) / r["cpm"] for r in rows if r["cpsat"] is not None])
    summary = {
        "instances": len(rows), "subset_every": args.subset, "time_limit_s": args.time_limit,
        "cpsat_workers": args.workers,
        "ga_mean_gap_to_best_known_pct": float(ga_gap.mean()),
        "cpsat_mean_gap_to_best_known_pct": float(cp_gap.mean()) if cp_gap.size else None,
        "cpsat_with_solution": int(cp_gap.size),
        "ga_mean_dev_cpm_pct": float(ga_cpm), "cpsat_mean_dev_cpm_pct": float(cp_cpm),
        "ga_better": int(sum(1 for r in rows if r["cpsat"] is not None and r["ga"] < r["cpsat"])),
        "cpsat_better": int(sum(1 for r in rows if r["cpsat"] is not None and r["cpsat"] < r["ga"])),
        "cpsat_proven_optimal": int(sum(1 for r in rows if r["cpsat_status"] == "optimal")),
        "ga_mean_schedules": float(np.mean([r["ga_schedules"] for r in rows])),
        "total_wall_s": total,
    }
    md = [f"# RCPSP j120: GA vs OR-Tools CP-SAT at {args.time_limit:g} s per instance\n\n",
          f"{_which(len(rows), args)}; CP-SAT with {args.workers} workers, "
          f"the GA on one process.\n\n",
          markdown_table(["measure", "GA", "CP-SAT"], [
              ["mean gap to best known UB", f"{summary['ga_mean_gap_to_best_known_pct']:.2f} %",
               "-" if cp_gap.size == 0 else f"{summary['cpsat_mean_gap_to_best_known_pct']:.2f} %"],
              ["mean deviation from CPM bound", f"{ga_cpm:.2f} %", f"{cp_cpm:.2f} %"],
              ["strictly better on", str(summary["ga_better"]), str(summary["cpsat_better"])],
              ["proven optimal", "-", str(summary["cpsat_proven_optimal"])],
              ["mean schedules generated", f"{summary['ga_mean_schedules']:.0f}", "-"],
          ])]
    _finish("rcpsp_j120_vs_cpsat", args, summary, rows, "".join(md))


def _finish(stem: str, args, summary: dict, rows: list[dict], md: str) -> None:
    payload = {"summary": summary, "machine": machine_info(), "args": {k: str(v) for k, v in vars(args).items()},
               "rows": rows}
    if not args.no_write:
        pj, pm = write_results(stem if args.tag is None else f"{stem}_{args.tag}", payload, md)
        print(f"wrote {pj} and {pm}")
    print_rich_table(stem, ["measure", "value"], [[k, f"{v:.4f}" if isinstance(v, float) else str(v)]
                                                  for k, v in summary.items()])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--suite", choices=("j30", "j120", "j120-vs-cpsat"), default="j30")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--schedules", type=int, default=None, help="GA budget (default 5,000 on j30, 50,000 on j120)")
    ap.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance (j120-vs-cpsat)")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers (j120-vs-cpsat)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="instances solved at once")
    ap.add_argument("--ga-jobs", type=int, default=None, help="GA processes in j120-vs-cpsat (default jobs/workers)")
    ap.add_argument("--subset", type=int, default=1, help="every K-th instance")
    ap.add_argument("--limit", type=int, default=None, help="at most N instances")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default=None, help="suffix of the result files")
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--param", "-p", action="append", default=[], help="GA parameter key=value (JSON values)")
    args = ap.parse_args(argv)
    args.params = {}
    for item in args.param:
        k, _, v = item.partition("=")
        try:
            args.params[k] = json.loads(v)
        except json.JSONDecodeError:
            args.params[k] = v
    if not args.data.is_dir():
        sys.exit(f"no PSPLIB data at {args.data} (pass --data)")
    if args.schedules is None:
        args.schedules = 5000 if args.suite == "j30" else 50000
    _warm_up(args.jobs)
    {"j30": suite_j30, "j120": suite_j120, "j120-vs-cpsat": suite_vs_cpsat}[args.suite](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
