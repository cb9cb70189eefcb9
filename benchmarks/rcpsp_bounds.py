"""RCPSP lower bounds on PSPLIB j30 and j120: the critical-path/resource bound, the destructive-improvement bound
(``combopt/problems/rcpsp/bounds.py``) and, with ``--cpsat``, OR-Tools CP-SAT's proven bound at a short limit on
every ``--cpsat-every``-th instance (the peer).

Per set: instances, mean gap of each bound to the best known makespan (PSPLIB's upper bound; the optimum on j30),
how many bounds equal it (the optimum proven by the bound alone, given a schedule of that makespan), how many reach
PSPLIB's own best lower bound, mean and largest seconds per instance. No bound may exceed the best known makespan:
the script counts and lists any that does.

Needs ``../shared/data/rcpsp/psplib`` (``--data``). Writes ``benchmarks/results/rcpsp_bounds.{json,md}``.

Usage::

    .venv/bin/python benchmarks/rcpsp_bounds.py                          # ~1 min
    .venv/bin/python benchmarks/rcpsp_bounds.py --cpsat --cpsat-every 10   # + CP-SAT 1 s on 108 instances
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from rich.progress import Progress

import combopt
from combopt.problems.rcpsp.bounds import destructive_bound


def cpsat_bound(problem, seconds: float) -> tuple[int, float]:
    """CP-SAT's proven lower bound after ``seconds`` (one worker), on a model given no bound of combopt's."""
    from ortools.sat.python import cp_model

    from combopt.solvers.rcpsp.cpsat import cpsat_model

    model, _, _ = cpsat_model(problem, problem.horizon, lb=0)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 1
    t0 = time.perf_counter()
    solver.solve(model)
    return int(round(solver.best_objective_bound)), time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    ap.add_argument("--sets", nargs="*", default=["j30", "j120"])
    ap.add_argument("--seconds", type=float, default=2.0, help="time per instance for the destructive bound")
    ap.add_argument("--cpsat", action="store_true", help="CP-SAT's bound as the peer")
    ap.add_argument("--cpsat-every", type=int, default=10)
    ap.add_argument("--cpsat-seconds", type=float, default=1.0)
    args = ap.parse_args(argv)
    root = args.data / "rcpsp" / "psplib"
    combopt.read(root / args.sets[0] / sorted(p.name for p in (root / args.sets[0]).glob("*.sm"))[0]).bound()  # load
    rows, raw = [], {}
    wrong = []
    for name in args.sets:
        ref = {r["instance"]: r for r in csv.DictReader(open(root / "bounds" / f"{name}.csv"))}
        files = sorted((root / name).glob("*.sm"))
        recs = []
        with Progress() as bar:
            task = bar.add_task(name, total=len(files))
            for k, f in enumerate(files):
                inst = f.stem
                p = combopt.read(f)
                base = max(p.critical_path_bound(), p.resource_bound())
                t0 = time.perf_counter()
                lb, trials, complete = destructive_bound(p, base, args.seconds)
                dt = time.perf_counter() - t0
                ub, lit = int(ref[inst]["upper_bound"]), int(ref[inst]["lower_bound"])
                rec = {"instance": inst, "base": base, "propagation": lb, "trials": trials, "complete": complete,
                       "seconds": dt, "best_known": ub, "psplib_lb": lit}
                if args.cpsat and k % args.cpsat_every == 0:
                    rec["cpsat"], rec["cpsat_seconds"] = cpsat_bound(p, args.cpsat_seconds)
                for key in ("base", "propagation", "cpsat"):
                    if key in rec and rec[key] > ub:
                        wrong.append((inst, key, rec[key], ub))
                recs.append(rec)
                bar.advance(task)
        raw[name] = recs

        def line(label, key, sub, name=name):
            gaps = [100.0 * (r["best_known"] - r[key]) / r["best_known"] for r in sub]
            secs = [r["seconds" if key == "propagation" else "cpsat_seconds"] for r in sub] if key != "base" else []
            return [name, label, len(sub), f"{statistics.fmean(gaps):.2f} %",
                    sum(r[key] == r["best_known"] for r in sub), sum(r[key] >= r["psplib_lb"] for r in sub),
                    f"{statistics.fmean(secs):.4f}" if secs else "-", f"{max(secs):.3f}" if secs else "-"]

        rows.append(line("critical path / resource", "base", recs))
        rows.append(line("destructive improvement", "propagation", recs))
        sub = [r for r in recs if "cpsat" in r]
        if sub:
            rows.append(line("critical path / resource (CP-SAT subset)", "base", sub))
            rows.append(line("destructive improvement (CP-SAT subset)", "propagation", sub))
            rows.append(line(f"CP-SAT {args.cpsat_seconds:g} s, 1 worker (subset)", "cpsat", sub))
    hdr = ["set", "bound", "instances", "mean gap to best known", "equal to best known",
           "at least PSPLIB's lower bound", "mean s", "max s"]
    print_rich_table("RCPSP lower bounds", hdr, rows)
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs, load average {mi['loadavg_at_end'][0]:.1f} at the end. "
          f"Destructive improvement within {args.seconds:g} s per instance. Bounds above the best known makespan: "
          f"{len(wrong)}.\n\n" + markdown_table(hdr, rows))
    pj, pm = write_results("rcpsp_bounds", {"machine": mi, "args": {k: str(v) for k, v in vars(args).items()},
                                            "wrong_side": wrong, "results": raw}, md)
    print(f"wrote {pj} and {pm}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
