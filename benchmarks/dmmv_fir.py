"""FIR design with integer coefficients: the DMMV heuristic side by side with the exact MILP.

Part 1, the reference specs F1-F3 (``../shared/reference/dmmv.md``): the continuous Remez ripple,
naive rounding, the DMMV heuristic's time to reach the known optimum, and the MILP's time to prove
it (CBC, and HiGHS when installed).

Part 2, larger specs (order 40-80, 10-12 bits): the DMMV heuristic and the MILP (CBC, HiGHS) each
get the same time limit (default 60 s); the table shows the ripple each reached, the MILP's real
status and proven bound (PuLP would call a time-limited CBC run "Optimal"; combopt reads the real
status), and when the heuristic found its best.

Writes ``benchmarks/results/dmmv_fir.{json,md}`` and a magnitude-response plot
``benchmarks/results/dmmv_fir_response.png``.

Usage::

    .venv/bin/python benchmarks/dmmv_fir.py                   # ~12 min on 2 cores
    .venv/bin/python benchmarks/dmmv_fir.py --time-limit 20 --skip-reference
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from bench_utils import RESULTS_DIR, machine_info, markdown_table, milp_columns, print_rich_table, write_results
from rich.progress import Progress

import combopt
from combopt.models.dmmv import to_db
from combopt.problems.dmmv.fir import FIRDesign, FIRSpec, plot_response

REFERENCE = [
    (FIRSpec(12, 4, [(0, 0.4), (4 / 7, 1)], [1, 0], name="F1"), 0.20710),
    (FIRSpec(20, 6, [(0, 0.4), (0.5, 1)], [1, 0], name="F2"), 0.10207),
    (FIRSpec(30, 8, [(0, 0.2), (0.3, 1)], [1, 0], name="F3"), 0.03374),
]
LARGE = [
    FIRSpec(40, 10, [(0, 0.25), (0.32, 1)], [1, 0], name="L40-10"),
    FIRSpec(60, 11, [(0, 0.3), (0.36, 1)], [1, 0], name="L60-11"),
    FIRSpec(80, 12, [(0, 0.2), (0.25, 1)], [1, 0], name="L80-12"),
]


def _highs() -> bool:
    try:
        import highspy  # noqa: F401

        return True
    except ImportError:
        return False


def _best_time(res) -> float | None:
    return res.trace[-1][0] if res.trace else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per solver on the large specs")
    ap.add_argument("--proof-limit", type=float, default=300.0, help="MILP time limit on F1-F3")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args(argv)
    backends = ["cbc"] + (["highs"] if _highs() else [])
    # compile the kernels once so that no timing below includes it
    combopt.solve(FIRDesign(REFERENCE[0][0]), "dmmv", max_iterations=1, rounds=2)

    ref_rows, ref_raw = [], []
    large_rows, large_raw = [], []
    n_tasks = (0 if args.skip_reference else len(REFERENCE) * (1 + len(backends))) + \
              (0 if args.skip_large else len(LARGE) * (1 + len(backends)))
    with Progress() as prog:
        task = prog.add_task("FIR benchmark", total=n_tasks)
        if not args.skip_reference:
            for spec, opt in REFERENCE:
                p = FIRDesign(spec)
                f, d, w = spec.grid()
                remez = float(np.max(w * np.abs(combopt.problems.dmmv.fir.amplitude(p.remez(), f) - d)))
                rounded = p.evaluate(p.rounded_remez()).objective
                h = combopt.solve(p, "dmmv", seed=args.seed, target=opt + 5e-6, time_limit=args.proof_limit)
                prog.advance(task)
                row = {"spec": spec.name, "order": spec.order, "bits": spec.bits, "reference_optimum": opt,
                       "remez": remez, "rounded_remez": rounded, "dmmv": h.objective, "dmmv_s": h.runtime}
                for be in backends:
                    m = combopt.solve(p, "milp", time_limit=args.proof_limit, backend=be)
                    prog.advance(task)
                    row[f"milp_{be}"] = m.objective
                    row[f"milp_{be}_status"] = m.status.value
                    row[f"milp_{be}_s"] = m.runtime
                ref_raw.append(row)
                ref_rows.append([spec.name, f"N={spec.order} B={spec.bits}", f"{remez:.5f}", f"{rounded:.5f}",
                                 f"{h.objective:.5f} ({to_db(h.objective):.2f} dB)", f"{h.runtime:.2f}"]
                                + [f"{row[f'milp_{be}']:.5f} {row[f'milp_{be}_status']} in {row[f'milp_{be}_s']:.1f} s"
                                   for be in backends])
        if not args.skip_large:
            for spec in LARGE:
                p = FIRDesign(spec)
                rounded = p.evaluate(p.rounded_remez()).objective
                h = combopt.solve(p, "dmmv", seed=args.seed, time_limit=args.time_limit)
                prog.advance(task)
                row = {"spec": spec.name, "order": spec.order, "bits": spec.bits, "time_limit": args.time_limit,
                       "rounded_remez": rounded, "lp_bound": p.bound(), "dmmv": h.objective,
                       "dmmv_best_at_s": _best_time(h), "dmmv_rounds": h.info["lns_rounds"],
                       "dmmv_moves_scored_per_s": h.info["moves_scored_per_s"],
                       "dmmv_ripple_dense": h.info["ripple_dense"],
                       "dmmv_solution": h.solution_json}
                milp_columns(p, backends, args.time_limit, row, lambda: prog.advance(task))
                large_raw.append(row)
                cells = [spec.name, f"N={spec.order} B={spec.bits}", f"{rounded:.5f}",
                         f"{h.objective:.5f} ({to_db(h.objective):.2f} dB) @ {_best_time(h) or 0:.1f} s"]
                for be in backends:
                    mo = row[f"milp_{be}"]
                    b = row[f"milp_{be}_bound"]
                    cells.append(f"{'-' if mo is None else f'{mo:.5f}'} {row[f'milp_{be}_status']}"
                                 + (f", bound {b:.5f}" if b is not None else ""))
                best_milp = min([row[f"milp_{be}"] for be in backends if row[f"milp_{be}"] is not None],
                                default=None)
                cells.append("-" if best_milp is None else f"{h.objective / best_milp:.3f}")
                large_rows.append(cells)
                if spec is LARGE[-1]:
                    taps = {"remez (float)": p.remez(), "rounded remez": p.rounded_remez(),
                            "DMMV": np.asarray(h.solution)}
                    plot_response(p, taps, RESULTS_DIR / "dmmv_fir_response.png")

    md = [f"Machine: {machine_info()['cpu']}, {machine_info()['logical_cpus']} CPUs. "
          f"MILP backends: {', '.join(backends)}.\n"]
    if ref_rows:
        hdr = ["spec", "size", "remez", "rounded", "DMMV (to optimum)", "DMMV s"] + [f"MILP {b}" for b in backends]
        print_rich_table("Reference FIR specs", hdr, ref_rows)
        md.append("### Reference specs (ripple on the design grid)\n\n" + markdown_table(hdr, ref_rows))
    if large_rows:
        hdr = ["spec", "size", "rounded remez", f"DMMV @ {args.time_limit:g} s (time of best)"] + \
              [f"MILP {b} @ {args.time_limit:g} s" for b in backends] + ["DMMV / best MILP"]
        print_rich_table(f"Larger specs, {args.time_limit:g} s each", hdr, large_rows)
        md.append(f"\n### Larger specs, {args.time_limit:g} s per solver\n\n" + markdown_table(hdr, large_rows)
                  + "\nStatus is the solver's real status (a time-limited run is `feasible`, not `optimal`). HiGHS's "
                  "bound is its own dual bound; CBC reports none through PuLP, so its column shows the LP-relaxation "
                  "bound combopt computes for every DMMV problem.\n")
    payload = {"machine": machine_info(), "args": vars(args), "reference": ref_raw, "large": large_raw}
    pj, pm = write_results("dmmv_fir", payload, "\n".join(md))
    print(f"wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
