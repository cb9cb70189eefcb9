"""MDKP by OR-Library class: combopt's default (``mdkp-core``) vs HiGHS at equal wall time.

The nine Chu-Beasley classes (m = 5, 10, 30 constraints x n = 100, 250, 500 items). Six are in
../shared/data/mdkp/orlib (``mknapcb1, 3, 4, 6, 8, 9``) with the Chu-Beasley best-known values;
the other three (5 x 250, 10 x 250, 30 x 100) are generated here the Chu-Beasley way
(:mod:`combopt.generators.mdkp`, seed 17), without best-known values. From each class the
benchmark takes ``--per-tightness`` instances of each tightness (file indices 0.., 10.., 20..).

Each instance: combopt ``solve(inst, time_limit=T, seed)`` (default solver) and HiGHS through
PuLP (``solve_pulp(..., "highs", T)``), one after the other in the same run, the LP bound from
scipy's HiGHS. Reported per class: mean gap to the best-known value (where there is one) and
to the LP bound, for both, and how often each was strictly better.

Usage::

    .venv/bin/python benchmarks/mdkp_classes.py -T 10                  # 9 classes x 3 x 2 x 10 s, ~10 min
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
from bench_utils import RESULTS_DIR, machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.generators.mdkp import chu_beasley_class
from combopt.solvers.milp import solve_pulp

REPO = Path(__file__).resolve().parent.parent
_SUB = Path("shared") / "data" / "mdkp" / "orlib"
ORLIB = next((p / _SUB for p in (REPO.parent, REPO.parent.parent) if (p / _SUB).is_dir()), REPO.parent / _SUB)
CLASSES = [  # (m, n, OR-Library file or None)
    (5, 100, "mknapcb1"), (5, 250, None), (5, 500, "mknapcb3"),
    (10, 100, "mknapcb4"), (10, 250, None), (10, 500, "mknapcb6"),
    (30, 100, None), (30, 250, "mknapcb8"), (30, 500, "mknapcb9"),
]
GEN_SEED = 17


def best_known() -> dict[tuple[str, int], float]:
    path = ORLIB / "mknapcb-best-known.csv"
    if not path.is_file():
        return {}
    with open(path) as f:
        return {(r["file"], int(r["index"])): float(r["best_known"]) for r in csv.DictReader(f)}


def instances(m: int, n: int, file: str | None, per: int):
    idx = [t * 10 + k for t in range(3) for k in range(per)]
    if file is not None and (ORLIB / f"{file}.txt").is_file():
        return [(f"{file}#{k}", file, k, combopt.read(f"{ORLIB / (file + '.txt')}#{k}", kind="mdkp")) for k in idx]
    gen = chu_beasley_class(n, m, 30, seed=GEN_SEED)
    return [(f"gen {m}x{n}#{k}", None, k, gen[k]) for k in idx]


def gap(ref, v):
    return None if ref is None or v is None else 100.0 * (ref - v) / ref


def mean(v):
    v = [x for x in v if x is not None]
    return float(np.mean(v)) if v else None


def fmt(v, d=3):
    return "-" if v is None else f"{v:.{d}f}"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", "-T", type=float, default=10.0)
    ap.add_argument("--per-tightness", type=int, default=1, help="instances per tightness and class (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(RESULTS_DIR))
    args = ap.parse_args(argv)
    T = args.time_limit
    ref = best_known()
    # warm the JIT so compile time does not land in the first instance's budget
    warm = chu_beasley_class(30, 5, 3, seed=1)[0]
    combopt.solve(warm, time_limit=1.0)
    rows, per_instance = [], []
    for m, n, file in CLASSES:
        res = []
        for label, f, k, inst in instances(m, n, file, args.per_tightness):
            bk = ref.get((f, k)) if f else None
            lp = inst.lp_bound()
            t0 = time.perf_counter()
            r = combopt.solve(inst, time_limit=T, seed=args.seed)
            t_ours = time.perf_counter() - t0
            assert r.feasible and inst.evaluate(r.solution).feasible
            prob, decode = inst.to_pulp()
            t0 = time.perf_counter()
            proven, _, _, has = solve_pulp(prob, "highs", T)
            t_h = time.perf_counter() - t0
            hv = None
            if has:
                ev = inst.evaluate(decode())
                hv = ev.objective if ev.feasible else None
            d = {"class": f"{m}x{n}", "instance": label, "best_known": bk, "lp_bound": lp, "combopt": r.objective,
                 "solver": r.solver, "combopt_s": t_ours, "highs": hv, "highs_s": t_h, "highs_proven": proven,
                 "combopt_gap_bk_pct": gap(bk, r.objective), "highs_gap_bk_pct": gap(bk, hv),
                 "combopt_gap_lp_pct": gap(lp, r.objective), "highs_gap_lp_pct": gap(lp, hv),
                 "info": {k2: v for k2, v in r.info.items() if isinstance(v, (int, float))}}
            res.append(d)
            per_instance.append(d)
            print(f"{label}: bk={bk} lp={lp:.1f} combopt={r.objective} highs={hv}", flush=True)
        wins = sum(1 for d in res if d["highs"] is None or d["combopt"] > d["highs"])
        losses = sum(1 for d in res if d["highs"] is not None and d["combopt"] < d["highs"])
        rows.append([f"{m} x {n}", "OR-Library " + file if file else f"generated (seed {GEN_SEED})", len(res),
                     fmt(mean([d["combopt_gap_bk_pct"] for d in res])), fmt(mean([d["highs_gap_bk_pct"] for d in res])),
                     fmt(mean([d["combopt_gap_lp_pct"] for d in res])), fmt(mean([d["highs_gap_lp_pct"] for d in res])),
                     f"{wins} / {len(res) - wins - losses} / {losses}"])
    head = ["class (m x n)", "instances from", "#", "combopt gap to best known %", "HiGHS gap to best known %",
            "combopt gap to LP bound %", "HiGHS gap to LP bound %", "combopt better / equal / worse"]
    title = (f"MDKP per class at T = {T:g} s per instance and solver, seed {args.seed} "
             f"(combopt default {per_instance[0]['solver']}; HiGHS through PuLP; shared 2-core machine)")
    print_rich_table(title, head, rows)
    md = (f"### {title}\n\n" + markdown_table(head, rows)
          + f"\nInstances: indices 0..{args.per_tightness - 1}, 10.., 20.. of each class (one tightness each: 0.25, "
          "0.5, 0.75). Gaps are means over the class; best-known values are Chu and Beasley's (none for the generated "
          "classes). Both solvers run one after the other on the same instance in the same run.\n")
    payload = {"benchmark": "mdkp_classes", "machine": machine_info(), "args": vars(args), "rows": rows,
               "instances": per_instance}
    pj, pm = write_results("mdkp_classes", payload, md, args.out)
    print(f"wrote {pj} and {pm}")
    return payload


if __name__ == "__main__":
    main()
