"""Design an integer-coefficient FIR filter from a TOML spec and compare the methods.

Continuous Remez (scipy), rounded Remez, the DMMV heuristic and the exact MILP (CBC) on the same
spec and time limit; prints the ripples (linear and dB, on the design grid and on a 32x denser check
grid), the integer and real coefficients, and saves a magnitude-response plot.

    .venv/bin/python examples/fir_design.py examples/dmmv/fir_f3.toml --time-limit 30 --plot f3.png
"""

from __future__ import annotations

import argparse

import numpy as np
from rich.console import Console
from rich.table import Table

import combopt
from combopt.models.dmmv import to_db
from combopt.problems.dmmv.fir import amplitude, plot_response


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", help="FIR spec (.toml)")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--plot", default="fir_response.png")
    ap.add_argument("--no-milp", action="store_true")
    args = ap.parse_args()
    p = combopt.read(args.spec, kind="fir")
    s = p.spec
    con = Console()
    con.print(p.describe())
    rows = []
    f, d, w = s.grid()
    fd, dd, wd = s.grid(s.grid_density * 32)
    h = p.remez()
    if h is not None:
        r, rd = (float(np.max(ww * np.abs(amplitude(h, ff, s.fs) - dd_))) for ff, dd_, ww in ((f, d, w), (fd, dd, wd)))
        rows.append(("remez (continuous)", r, rd, "-", None))
    results = {"rounded remez": combopt.solve(p, "dmmv-round"),
               "DMMV": combopt.solve(p, "dmmv", time_limit=args.time_limit)}
    if not args.no_milp:
        results["MILP (CBC)"] = combopt.solve(p, "milp", time_limit=args.time_limit)
    for name, res in results.items():
        rows.append((name, res.objective, res.info.get("ripple_dense", p.ripple(res.solution, s.grid_density * 32)),
                     f"{res.status.value}, {res.runtime:.1f} s", res.solution))
    t = Table(title=f"{s.name}: order {s.order}, {s.bits} bits")
    for c in ("method", "ripple", "dB", "dense-grid ripple", "dB", "status"):
        t.add_column(c)
    for name, r, rd, st, _ in rows:
        t.add_row(name, f"{r:.5f}", f"{to_db(r):.2f}", f"{rd:.5f}", f"{to_db(rd):.2f}", st)
    con.print(t)
    best = results["DMMV"].solution
    con.print(f"DMMV integer coefficients (h = k / {s.scale}): {list(map(int, best))}")
    con.print(f"real coefficients: {np.round(np.asarray(best) / s.scale, 6).tolist()}")
    taps = {"remez": h} if h is not None else {}
    taps.update({name: np.asarray(res.solution) for name, res in results.items()})
    plot_response(p, taps, args.plot)
    con.print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
