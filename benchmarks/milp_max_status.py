"""Re-run of the MILP-on-maximisation rows after the bound-sign fix (issue 8).

Before issue 8, a time-limited HiGHS run on a maximisation came back with its
dual bound negated (PuLP hands HiGHS ``min -f``), and ``combopt.solve`` then
reported it ``optimal`` with gap 0. ``mdkp_lagrangian.py`` stored that raw
bound as ``milp_bound`` (negative on all 30 rows); its status column ("proven")
was right. This script re-runs only the MILP side, through ``combopt.solve`` so
that status, bound and gap pass the one place that settles them, on the first
``--count`` instances of an OR-Library file, for HiGHS and CBC, and reports the
status, the bound, its side and the gap. With ``--fix-json`` it also turns the
stored ``milp_bound`` values of ``results/mdkp_lagrangian.json`` into the bound
HiGHS proved (``-raw``: exact, the raw value was the bound on ``-f``) and says so
in the file.

Run from the repository root:
    .venv/bin/python benchmarks/milp_max_status.py --data /work/shared/data/mdkp/orlib --count 10 -t 10
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from bench_utils import machine_info, markdown_table, print_rich_table, write_results

import combopt

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="folder with mknapcb*.txt and mknapcb-best-known.csv")
    ap.add_argument("--file", default="mknapcb1")
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--time-limit", "-t", type=float, default=10.0)
    ap.add_argument("--backends", default="highs,cbc")
    ap.add_argument("--fix-json", action="store_true", help="correct milp_bound in results/mdkp_lagrangian.json")
    a = ap.parse_args()
    with open(a.data / "mknapcb-best-known.csv") as f:
        ref = {int(r["index"]): float(r["best_known"]) for r in csv.DictReader(f) if r["file"] == a.file}
    rows = []
    for k in range(a.count):
        inst = combopt.read(f"{a.data / (a.file + '.txt')}#{k}", kind="mdkp")
        for backend in a.backends.split(","):
            res = combopt.solve(inst, "milp", time_limit=a.time_limit, backend=backend)
            assert res.feasible and inst.evaluate(res.solution).feasible
            bk = ref[k]
            rows.append({
                "instance": k, "backend": backend, "best_known": bk, "status": res.status.value,
                "milp_status": res.info.get("milp_status"), "objective": res.objective, "bound": res.bound,
                "gap_pct": None if res.gap is None else 100 * res.gap,
                "bound_right_side": res.bound is None or res.bound >= res.objective,
                "bound_above_best_known": res.bound is None or res.bound >= bk - 1e-6,
                "runtime_s": res.runtime,
            })
            print(rows[-1])
    head = ["#", "back end", "best known", "status", "back-end status", "objective", "bound", "gap %",
            "bound >= objective", "bound >= best known"]
    body = [[r["instance"], r["backend"], r["best_known"], r["status"], r["milp_status"], r["objective"],
             "-" if r["bound"] is None else f"{r['bound']:.1f}", "-" if r["gap_pct"] is None else f"{r['gap_pct']:.3f}",
             r["bound_right_side"], r["bound_above_best_known"]] for r in rows]
    print_rich_table(f"{a.file}: MILP on a maximisation, {a.time_limit:g} s", head, body)
    summary = (f"{len(rows)} runs: {sum(r['status'] == 'optimal' for r in rows)} optimal, "
               f"{sum(r['status'] == 'feasible' for r in rows)} feasible; bound on the right side in "
               f"{sum(r['bound_right_side'] for r in rows)}/{len(rows)}, at least the best known in "
               f"{sum(r['bound_above_best_known'] for r in rows)}/{len(rows)}")
    print(summary)
    md = [f"### {a.file} #0..#{a.count - 1}: MILP on a maximisation at {a.time_limit:g} s (after the issue-8 fix)", "",
          markdown_table(head, body), "", summary, ""]
    payload = {"machine": machine_info(), "args": {k: str(v) for k, v in vars(a).items()}, "rows": rows,
               "summary": summary}
    write_results("milp_max_status", payload, "\n".join(md))
    if a.fix_json:
        path = RESULTS / "mdkp_lagrangian.json"
        data = json.loads(path.read_text())
        if not data.get("milp_bound_sign_fixed"):
            for r in data["cb"]:
                if r.get("milp_bound") is not None:
                    r["milp_bound"] = -r["milp_bound"]
            data["milp_bound_sign_fixed"] = ("milp_bound negated after the run (issue 8): HiGHS's raw dual bound "
                                             "was for the negated objective; -raw is the upper bound it proved")
            path.write_text(json.dumps(data, indent=2) + "\n")
            print(f"fixed {path}")


if __name__ == "__main__":
    main()
