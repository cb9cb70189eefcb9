"""FIR at large orders: the lattice-reduction start (``start=lattice``) against the default start (issue 15).

For each spec of ``benchmarks/dmmv_fir_large.py`` (and the small reference specs F1-F3 of
``tests/data/dmmv``): rounded Remez, the lattice rounding alone (``dmmv-round start=lattice``:
LLL/BKZ + Babai CVP with fpylll, best of a randomised pool), then the DMMV search from the default
start (``start=auto``) and from the lattice start, each with the same limit, one after the other in
this process; whether both searches end on the same taps. The machine is shared (2 cores, several
sessions), so the limit is short and the timings are indicative.

Writes ``benchmarks/results/dmmv_fir_lattice.{json,md}``.

Usage::

    .venv/bin/python benchmarks/dmmv_fir_lattice.py                    # ~1.5 min per large spec
    .venv/bin/python benchmarks/dmmv_fir_lattice.py --time-limit 60 --specs fir_n200_b9
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench_utils import machine_info, markdown_table, print_rich_table, write_results

import combopt

ROOT = Path(__file__).resolve().parent.parent
SPECS = ["fir_f1", "fir_f2", "fir_f3", "fir_n120_b9", "fir_n150_b8", "fir_n200_b9", "fir_n300_b10"]


def spec_path(name: str) -> Path:
    p = ROOT / "examples" / "dmmv" / f"{name}.toml"
    return p if p.exists() else ROOT / "tests" / "data" / "dmmv" / f"{name}.toml"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--specs", nargs="*", default=SPECS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="dmmv_fir_lattice", help="results name in benchmarks/results/")
    args = ap.parse_args(argv)
    combopt.solve(combopt.read(spec_path(args.specs[0])), "dmmv", max_iterations=1, rounds=2)  # compile first
    rows, raw = [], []
    T = args.time_limit
    for name in args.specs:
        p = combopt.read(spec_path(name))
        s = p.spec
        rounded = combopt.solve(p, "dmmv-round").objective
        lat = combopt.solve(p, "dmmv-round", start="lattice")
        auto = combopt.solve(p, "dmmv", seed=args.seed, time_limit=T)
        fromlat = combopt.solve(p, "dmmv", seed=args.seed, time_limit=T, start="lattice")
        same = auto.solution_json == fromlat.solution_json
        row = {"spec": name, "order": s.order, "bits": s.bits, "time_limit": T, "rounded_remez": rounded,
               "lattice_rounding": lat.objective, "lattice_time_s": lat.info.get("lattice_time_s"),
               "lattice_candidates": lat.info.get("lattice_candidates"), "lattice_note": lat.info.get("lattice_note"),
               "dmmv_auto": auto.objective, "dmmv_auto_start": auto.info["start"],
               "dmmv_auto_best_at_s": auto.trace[-1][0] if auto.trace else None,
               "dmmv_lattice": fromlat.objective,
               "dmmv_lattice_best_at_s": fromlat.trace[-1][0] if fromlat.trace else None,
               "same_taps": same, "lattice_over_auto": fromlat.objective / auto.objective}
        raw.append(row)
        rows.append([name, f"N={s.order} B={s.bits}", f"{rounded:.5f}",
                     f"{lat.objective:.5f} ({row['lattice_time_s']:.1f} s, {row['lattice_candidates']} CVPs)",
                     f"{auto.objective:.5f} @ {row['dmmv_auto_best_at_s'] or 0:.1f} s ({row['dmmv_auto_start']})",
                     f"{fromlat.objective:.5f} @ {row['dmmv_lattice_best_at_s'] or 0:.1f} s",
                     f"{row['lattice_over_auto']:.3f}", "yes" if same else "no"])
        print(rows[-1], flush=True)
    hdr = ["spec", "size", "rounded remez", "lattice rounding (time)", f"DMMV auto start @ {T:g} s",
           f"DMMV lattice start @ {T:g} s", "lattice / auto", "same taps"]
    print_rich_table(f"FIR lattice start, {T:g} s per search", hdr, rows)
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs, shared with other sessions (timings indicative). "
          f"Ripple on the design grid (16 N points); each DMMV search {T:g} s, one after the other in one run.\n\n"
          + markdown_table(hdr, rows)
          + "\n'lattice rounding' = the best of the randomised LLL/BKZ + Babai-CVP candidates (fpylll), no search; "
            "'DMMV auto start' = the default (the better of rounded Remez and rounded LP); 'lattice / auto' = "
            "final ripple from the lattice start over final ripple from the default start (below 1: the lattice "
            "start wins).\n")
    pj, pm = write_results(args.out, {"machine": mi, "args": vars(args), "specs": raw}, md)
    print(f"wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
