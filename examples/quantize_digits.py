"""Quantize a real model end to end, no download: an MLP trained on scikit-learn's digits.

Trains a 64-64-10 MLP, quantizes both layers at 3 and 4 bits with round-to-nearest, GPTQ and the
DMMV heuristic (per-row asymmetric min-max grids, 512 calibration images), and prints the mean
row L-inf output error of each layer and the test accuracy of each quantized model.

    .venv/bin/python examples/quantize_digits.py --time-limit 10
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

import combopt
from combopt.problems.dmmv.quantization import QuantizationLayer, digits_mlp, mlp_accuracy, mlp_layers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, default=10.0, help="DMMV seconds per layer")
    ap.add_argument("--bits", type=int, nargs="+", default=[3, 4])
    args = ap.parse_args()
    con = Console()
    clf, Xtr, Xte, ytr, yte = digits_mlp(64, 0)
    con.print(f"float model: test accuracy {100 * clf.score(Xte, yte):.2f} %")
    layers = mlp_layers(clf, Xtr[:512])
    t = Table(title="digits MLP quantization")
    for c in ("bits", "method", "layer 0 mean row Linf", "layer 1 mean row Linf", "test accuracy"):
        t.add_column(c)
    for bits in args.bits:
        for method in ("rtn", "gptq", "dmmv"):
            Ws, errs = [], []
            for li, (W, X) in enumerate(layers):
                p = QuantizationLayer(W, X, bits, f"layer{li}")
                if method == "dmmv":
                    r = combopt.solve(p, "dmmv", time_limit=args.time_limit)
                else:
                    r = combopt.solve(p, "dmmv-round", start=method)
                Ws.append(p.dequantized(r.solution))
                errs.append(r.objective)
            acc = mlp_accuracy(clf, Ws, Xte, yte)
            t.add_row(str(bits), method.upper(), f"{errs[0]:.4f}", f"{errs[1]:.4f}", f"{100 * acc:.2f} %")
    con.print(t)


if __name__ == "__main__":
    main()
