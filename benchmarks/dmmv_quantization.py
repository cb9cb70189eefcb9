"""Post-training quantization of an MLP trained on scikit-learn's digits: RTN vs GPTQ vs DMMV.

Both layers of a 64-hidden-unit MLP are quantized at 3 and 4 bits (per-row asymmetric min-max
grids), calibrated on 512 training images (activations of the float model). For each method: mean
and max row L-inf output error, sum of squared output errors per layer, and the test accuracy of
the quantized model. DMMV starts from the better of RTN / GPTQ and gets ``--time-limit`` seconds
per layer.

Writes ``benchmarks/results/dmmv_quantization.{json,md}``.

Usage::

    .venv/bin/python benchmarks/dmmv_quantization.py          # ~2 min on 2 cores
"""

from __future__ import annotations

import argparse
import sys

from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from rich.progress import Progress

import combopt
from combopt.problems.dmmv.quantization import QuantizationLayer, digits_mlp, mlp_accuracy, mlp_layers

METHODS = ("rtn", "gptq", "dmmv")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=15.0, help="DMMV seconds per layer")
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--calib", type=int, default=512, help="calibration samples")
    ap.add_argument("--bits", type=int, nargs="+", default=[3, 4])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    clf, Xtr, Xte, ytr, yte = digits_mlp(args.hidden, args.seed)
    float_acc = clf.score(Xte, yte)
    layers = mlp_layers(clf, Xtr[: args.calib])
    rows, raw = [], []
    with Progress() as prog:
        task = prog.add_task("quantization", total=len(args.bits) * len(layers) * len(METHODS))
        for bits in args.bits:
            weights = {m: [] for m in METHODS}
            per = {m: [] for m in METHODS}
            for li, (W, X) in enumerate(layers):
                p = QuantizationLayer(W, X, bits, f"layer{li}")
                for m in METHODS:
                    if m == "dmmv":
                        r = combopt.solve(p, "dmmv", seed=args.seed, time_limit=args.time_limit)
                    else:
                        r = combopt.solve(p, "dmmv-round", start=m)
                    weights[m].append(p.dequantized(r.solution))
                    per[m].append({"layer": li, "shape": list(W.shape), "mean_row_linf": r.info["mean_row_linf"],
                                   "max_row_linf": r.info["max_row_linf"], "sse": r.info["sse"], "seconds": r.runtime})
                    prog.advance(task)
            for m in METHODS:
                acc = mlp_accuracy(clf, weights[m], Xte, yte)
                raw.append({"bits": bits, "method": m, "accuracy": acc, "layers": per[m]})
                cells = [f"{bits}", m.upper() if m != "dmmv" else "DMMV"]
                for li in range(len(layers)):
                    d = per[m][li]
                    g = per["gptq"][li]["mean_row_linf"]
                    cells.append(f"{d['mean_row_linf']:.4f} ({100 * (d['mean_row_linf'] / g - 1):+.1f} % vs GPTQ) "
                                 f"/ {d['max_row_linf']:.4f} / {d['sse']:.1f}")
                cells.append(f"{100 * acc:.2f} %")
                rows.append(cells)
    hdr = ["bits", "method"] + [f"layer {li}: mean row Linf / max row Linf / SSE" for li in range(len(layers))] + \
          ["test accuracy"]
    title = f"digits MLP 64-{args.hidden}-10, float accuracy {100 * float_acc:.2f} %"
    print_rich_table(title, hdr, rows)
    md = (f"{title}; {args.calib} calibration images; DMMV {args.time_limit:g} s per layer. Machine: "
          f"{machine_info()['cpu']}, {machine_info()['logical_cpus']} CPUs.\n\n" + markdown_table(hdr, rows))
    pj, pm = write_results("dmmv_quantization", {"machine": machine_info(), "args": vars(args),
                                                 "float_accuracy": float_acc, "results": raw}, md)
    print(f"wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
