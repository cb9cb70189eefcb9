"""Discrete tomography: rounded SART vs the DMMV heuristic started from it.

Cases: thresholded Shepp-Logan 32x32 with 8 angles (noise-free), 32x32 with 16 angles and uniform
noise of +-1 and +-2 on every ray sum, and the paper's size, 128x128 with 64 angles, noise-free and
with noise +-2. For each: pixel error (%), MAE against the phantom, L-inf and L2 ray residuals and
wall time (SART time includes the continuous reconstruction).

Writes ``benchmarks/results/dmmv_tomography.{json,md}`` and ``dmmv_tomography_<case>.png``
(phantom, SART, DMMV side by side).

Usage::

    .venv/bin/python benchmarks/dmmv_tomography.py                 # ~5 min on 2 cores
    .venv/bin/python benchmarks/dmmv_tomography.py --time-limit 30 --skip-large
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from bench_utils import RESULTS_DIR, machine_info, markdown_table, print_rich_table, write_results
from rich.progress import Progress

import combopt
from combopt.problems.dmmv.tomography import Tomography, grey_levels, plot_reconstructions, shepp_logan

CASES = [
    ("sl32-a8", 32, 8, 0.0, 2),
    ("sl32-a16-n1", 32, 16, 1.0, 2),
    ("sl32-a16-n2", 32, 16, 2.0, 2),
    ("sl32-a16-4lv", 32, 16, 0.0, 4),
    ("sl128-a64", 128, 64, 0.0, 2),
    ("sl128-a64-n2", 128, 64, 2.0, 2),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=20.0, help="DMMV seconds on the 32x32 cases")
    ap.add_argument("--large-time-limit", type=float, default=60.0, help="DMMV seconds on the 128x128 cases")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if not (args.skip_large and c[1] > 64)]
    rows, raw = [], []
    with Progress() as prog:
        task = prog.add_task("tomography", total=len(cases))
        for name, size, n_ang, noise, lv in cases:
            levels = grey_levels(lv)
            t0 = time.perf_counter()
            p = Tomography(shepp_logan(size, levels), np.linspace(0, 180, n_ang, endpoint=False), levels,
                           noise=noise, seed=1, name=name)
            sart = combopt.solve(p, "dmmv-round")
            t_sart = time.perf_counter() - t0
            limit = args.large_time_limit if size > 64 else args.time_limit
            res = combopt.solve(p, "dmmv", seed=args.seed, time_limit=limit)
            ms, md_ = sart.info, res.info
            raw.append({"case": name, "size": size, "angles": n_ang, "noise": noise, "levels": lv,
                        "rays": int(p.A.shape[0]), "sart": {k: ms[k] for k in ms if k != "start"}, "sart_s": t_sart,
                        "dmmv": {k: md_[k] for k in ("pixel_error_pct", "mae", "linf_residual", "l2_residual")},
                        "dmmv_s": res.runtime, "dmmv_status": res.status.value, "dmmv_best_at_s":
                        res.trace[-1][0] if res.trace else None, "lns_rounds": md_["lns_rounds"],
                        "moves_scored_per_s": md_["moves_scored_per_s"]})
            rows.append([name, f"{size}x{size}", n_ang, f"{noise:g}", lv,
                         f"{ms['pixel_error_pct']:.2f} / {ms['mae']:.4f} / {ms['linf_residual']:.3f}",
                         f"{t_sart:.1f}",
                         f"{md_['pixel_error_pct']:.2f} / {md_['mae']:.4f} / {md_['linf_residual']:.3f}",
                         f"{res.runtime:.1f} ({res.status.value})"])
            plot_reconstructions(p, {"rounded SART": sart.solution, "DMMV": res.solution},
                                 RESULTS_DIR / f"dmmv_tomography_{name}.png")
            prog.advance(task)
    hdr = ["case", "image", "angles", "noise", "levels", "SART px% / MAE / Linf", "SART s",
           "DMMV px% / MAE / Linf", "DMMV s"]
    print_rich_table("Discrete tomography: rounded SART vs DMMV", hdr, rows)
    md = (f"Machine: {machine_info()['cpu']}, {machine_info()['logical_cpus']} CPUs. DMMV limits: "
          f"{args.time_limit:g} s (32x32), {args.large_time_limit:g} s (128x128).\n\n" + markdown_table(hdr, rows))
    pj, pm = write_results("dmmv_tomography", {"machine": machine_info(), "args": vars(args), "cases": raw}, md)
    print(f"wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
