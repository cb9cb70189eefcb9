"""Rate-limited transmission of a uniform message: MEC-B against uniform scalar quantisation.

A message X, uniform over 512 values, goes through a code T with H(T) <= R bits; the receiver outputs Y with
the same (uniform) distribution, and we score I(X;Y). For each rate R on a grid:

* **MEC-B (ebim)**: encoder by the improved EBIM solver, decoder by a minimum-entropy (greedy) coupling of
  p_T with p_Y (``combopt.solve(MECB(...), "mecb")``);
* **MEC-B (greedy encoder)**: the same with the greedy EBIM encoder;
* **uniform quantisation**: L = floor(2^R) equal-width cells of the message index (sizes differ by at most one),
  T = the cell, Y uniform within the cell; then I(X;Y) = H(T) <= log2 L.

Every number comes from ``MECB.evaluate`` (marginals, rate and I(X;Y) recomputed from the sparse couplings).
Writes ``benchmarks/results/coupling_rate.{json,md,png}``.

Usage::

    .venv/bin/python benchmarks/coupling_rate.py               # ~1 min
    .venv/bin/python benchmarks/coupling_rate.py --size 512 --step 0.25
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from bench_utils import RESULTS_DIR, machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.problems.coupling import MECB, Coupling, MECBSolution


def quantiser(n: int, R: float) -> MECBSolution:
    """Uniform scalar quantisation of a uniform message of size n at rate R, with a uniform-in-cell decoder."""
    L = max(1, min(n, int(np.floor(2.0 ** R + 1e-9))))
    x = np.arange(n)
    t = (x * L) // n
    enc = Coupling(np.stack([x, t], axis=1), np.full(n, 1.0 / n), (n, L))
    dec = Coupling(np.stack([t, x], axis=1), np.full(n, 1.0 / n), (L, n))  # y uniform within the cell of t
    return MECBSolution(enc, dec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--step", type=float, default=0.25)
    ap.add_argument("--no-plot", action="store_true")
    args = ap.parse_args()
    n = args.size
    u = np.full(n, 1.0 / n)
    rates = np.round(np.arange(0.0, np.log2(n) + 1e-9, args.step), 6)
    rows, raw = [], []
    t0 = time.perf_counter()
    from rich.progress import track

    for R in track(rates, description="rates", transient=True):
        prob = MECB([u, u], float(R))
        res = combopt.solve(prob, "mecb", decoder="greedy")
        resg = combopt.solve(prob, "mecb", encoder="greedy", decoder="greedy")
        evq = prob.evaluate(quantiser(n, float(R)))
        assert res.feasible and resg.feasible and evq.feasible, (R, res.violations, evq.violations)
        raw.append({"rate": float(R), "mecb": res.objective, "mecb_greedy_encoder": resg.objective,
                    "quantisation": evq.objective, "H_T": res.info["H_T"], "lower_bound": res.info["lower_bound"],
                    "bound": res.bound})
        rows.append([f"{R:.2f}", f"{res.objective:.4f}", f"{resg.objective:.4f}", f"{evq.objective:.4f}",
                     f"{res.objective - evq.objective:+.4f}", f"{res.bound:.4f}"])
    wall = time.perf_counter() - t0
    hdr = ["R [bits]", "MEC-B I(X;Y)", "MEC-B greedy enc.", "uniform quant.", "MEC-B - quant.", "upper bound"]
    print_rich_table(f"uniform message of size {n}: I(X;Y) [bits] against the rate", hdr, rows)
    gain = np.array([r["mecb"] - r["quantisation"] for r in raw])
    summary = (f"\nMEC-B minus quantisation over the {len(raw)} rates: mean {gain.mean():+.4f} bits, "
               f"min {gain.min():+.4f}, max {gain.max():+.4f}; MEC-B below quantisation at "
               f"{int((gain < -1e-9).sum())} rates; whole sweep {wall:.1f} s (shared machine).\n")
    print(summary)
    md = markdown_table(hdr, rows) + summary
    png = RESULTS_DIR / "coupling_rate.png"
    if not args.no_plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.5, 4))
        R = [r["rate"] for r in raw]
        ax.plot(R, R, ":", color="grey", label="I = R")
        ax.plot(R, [r["mecb"] for r in raw], "-", label="MEC-B (EBIM encoder + MEC decoder)")
        ax.plot(R, [r["mecb_greedy_encoder"] for r in raw], "--", label="MEC-B, greedy encoder")
        ax.step(R, [r["quantisation"] for r in raw], where="post", label="uniform scalar quantisation")
        ax.set_xlabel("rate R [bits]")
        ax.set_ylabel("I(X;Y) [bits]")
        ax.set_title(f"uniform message of size {n}")
        ax.legend(loc="upper left")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        fig.savefig(png, dpi=120, bbox_inches="tight")
        md += f"\n![I(X;Y) against the rate](results/{png.name})\n"
    pj, pm = write_results("coupling_rate", {"size": n, "rows": raw, "wall_s": wall, "machine": machine_info()}, md)
    print(f"wrote {pj}, {pm}" + ("" if args.no_plot else f", {png}"))


if __name__ == "__main__":
    main()
