"""FIR at large orders with coarse coefficients: DMMV against HiGHS (and CBC) at the same time limit (issue 15).

Specs ``examples/dmmv/fir_n*_b*.toml``: orders 120-1000, 8-10-bit coefficients, narrow transition
bands. For each: rounded Remez, the DMMV heuristic, HiGHS and (with ``--cbc``) CBC, each with the
same limit (default 60 s), run one after the other in this process; the MILPs start from the rounded
Remez taps (the ``milp`` solver's default ``warm_start``, what a user handing the model to a MILP
would do); the best proven lower bound (the larger of the LP relaxation, where the model is small
enough for it, and the MILPs' dual bounds at their limit); DMMV's ripple relative to the MILP
incumbent. The machine is shared (2 cores, several sessions), so the limit is short.

Writes ``benchmarks/results/dmmv_fir_large.{json,md}``.

Usage::

    .venv/bin/python benchmarks/dmmv_fir_large.py --cbc --lns     # ~4.5 min per spec
    .venv/bin/python benchmarks/dmmv_fir_large.py --specs fir_n200_b9 --out dmmv_fir_large_n200
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench_utils import machine_info, markdown_table, milp_columns, print_rich_table, write_results
from rich.progress import Progress

import combopt

SPECS = ["fir_n120_b9", "fir_n150_b8", "fir_n200_b9", "fir_n300_b10", "fir_n400_b9", "fir_n600_b10", "fir_n1000_b10"]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "dmmv"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--specs", nargs="*", default=SPECS)
    ap.add_argument("--cbc", action="store_true", help="also CBC (another limit per spec)")
    ap.add_argument("--lns", action="store_true", help="also DMMV with the window-MILP LNS (milp_lns=true)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="dmmv_fir_large", help="results name in benchmarks/results/")
    args = ap.parse_args(argv)
    backends = ["highs"] + (["cbc"] if args.cbc else [])
    first = combopt.read(EXAMPLES / f"{args.specs[0]}.toml")
    combopt.solve(first, "dmmv", max_iterations=1, rounds=2)  # compile the kernels outside the timings
    rows, raw = [], []
    with Progress() as prog:
        task = prog.add_task("FIR large", total=len(args.specs) * (1 + args.lns + len(backends)))
        for name in args.specs:
            p = combopt.read(EXAMPLES / f"{name}.toml")
            s = p.spec
            rounded = p.evaluate(p.rounded_remez()).objective
            lp = p.bound()
            h = combopt.solve(p, "dmmv", seed=args.seed, time_limit=args.time_limit)
            prog.advance(task)
            row = {"spec": name, "order": s.order, "bits": s.bits, "bands": s.bands, "time_limit": args.time_limit,
                   "rounded_remez": rounded, "lp_bound": lp, "dmmv": h.objective,
                   "dmmv_best_at_s": h.trace[-1][0] if h.trace else None, "dmmv_rounds": h.info["lns_rounds"],
                   "dmmv_solution": h.solution_json}
            if args.lns:
                g = combopt.solve(p, "dmmv", seed=args.seed, time_limit=args.time_limit, milp_lns=True)
                prog.advance(task)
                row.update({"dmmv_lns": g.objective, "dmmv_lns_best_at_s": g.trace[-1][0] if g.trace else None,
                            "dmmv_lns_windows": g.info.get("milp_lns_windows"),
                            "dmmv_lns_improvements": g.info.get("milp_lns_improvements")})
            # order 1000 builds 16 million PuLP terms (the milp solver's default cap is 3 million): the solver then
            # decides from its build-time estimate whether the model can be built and solved within the limit
            milp_columns(p, backends, args.time_limit, row, lambda: prog.advance(task), max_terms=50_000_000)
            bounds = [b for b in [lp] + [row[f"milp_{be}_bound"] for be in backends] if b is not None]
            row["best_bound"] = max(bounds) if bounds else None
            inc = [row[f"milp_{be}"] for be in backends if row[f"milp_{be}"] is not None]
            row["best_milp"] = min(inc) if inc else None
            raw.append(row)
            hi = row["milp_highs"]
            rel = None if hi is None else 100.0 * (1.0 - h.objective / hi)
            row["dmmv_below_highs_pct"] = rel
            cells = [name, f"N={s.order} B={s.bits}", f"[0, {s.bands[0][1]:g}] / [{s.bands[1][0]:g}, 1]",
                     f"{rounded:.5f}", f"{h.objective:.5f} @ {row['dmmv_best_at_s'] or 0:.1f} s"]
            if args.lns:
                cells.append(f"{row['dmmv_lns']:.5f} ({row['dmmv_lns_improvements']} of {row['dmmv_lns_windows']} "
                             f"windows improved)")
            for be in backends:
                mo = row[f"milp_{be}"]
                b = row[f"milp_{be}_bound"]
                cells.append(f"{'-' if mo is None else f'{mo:.5f}'} {row[f'milp_{be}_status']}"
                             + (f", bound {b:.5f}" if b is not None else "")
                             + ("" if row[f"milp_{be}_built"] else " (the start: model not built in time)"))
            cells += [f"{lp:.5f}" if lp is not None else "-",
                      f"{row['best_bound']:.5f}" if row["best_bound"] is not None else "-",
                      "-" if rel is None else f"{rel:.1f} %",
                      "-" if row["best_milp"] is None else ("MILP" if row["best_milp"] < h.objective else "DMMV")]
            rows.append(cells)
    hdr = ["spec", "size", "bands", "rounded remez", f"DMMV @ {args.time_limit:g} s (time of best)"] + \
          ([f"DMMV + MILP-LNS @ {args.time_limit:g} s"] if args.lns else []) + \
          [f"{be} @ {args.time_limit:g} s" for be in backends] + \
          ["LP bound", "best proven bound", "DMMV below HiGHS", "better"]
    print_rich_table(f"FIR, large orders, {args.time_limit:g} s per solver", hdr, rows)
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs, shared with other sessions. Ripple on the design grid "
          f"(16 N points); each solver {args.time_limit:g} s, one after the other in one run.\n\n"
          + markdown_table(hdr, rows)
          + "\n'DMMV below HiGHS' = 1 - DMMV / HiGHS incumbent (DMMV = the default solver, without the window-MILP "
            "LNS). The MILPs start from the rounded Remez taps (warm start). Best proven bound = max(LP relaxation, "
            "the MILP dual bounds at the limit).\n")
    pj, pm = write_results(args.out, {"machine": mi, "args": vars(args), "specs": raw}, md)
    print(f"wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
