"""Moves scored per second by the DMMV local search, per device path.

Three models: FIR order 80 / 12 bits (dense, 1280 x 41), one digits-MLP weight row (dense, 512 x
64) and tomography 128x128 / 64 angles (sparse, ~11.6k x 16384). For each:

* the compiled CPU driver (local search + LNS, serial scoring with pruning) run for ``--seconds``;
* one large batch of candidates (all pairs / sampled pairs around the most violated rows) scored
  by the parallel CPU batch kernel, by the array-namespace scorer with NumPy, and, when a CUDA GPU
  is visible, by the Numba CUDA kernel and by CuPy; the scores are cross-checked against the CPU
  kernel.

Writes ``benchmarks/results/dmmv_throughput.{json,md}``. ``benchmarks/gpu_check.py`` runs the GPU
part of this (:func:`gpu_checks`) on machines with a GPU.

Usage::

    .venv/bin/python benchmarks/dmmv_throughput.py            # ~1 min on 2 cores
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from combopt.core.device import gpu_available
from combopt.problems.dmmv.fir import FIRDesign, FIRSpec
from combopt.problems.dmmv.quantization import QuantizationLayer, digits_mlp, mlp_layers
from combopt.problems.dmmv.tomography import Tomography, grey_levels, shepp_logan
from combopt.solvers.dmmv.search import DMMVSearch


def models() -> list[tuple[str, object, np.ndarray]]:
    """``(name, DMMV model, start indices)`` of the three benchmark models."""
    out = []
    fir = FIRDesign(FIRSpec(80, 12, [(0, 0.2), (0.25, 1)], [1, 0], name="fir80"))
    out.append(("FIR N=80 B=12 (dense 1280x41)", fir.model(), fir.starts()["remez"][0]))
    clf, Xtr, *_ = digits_mlp(64, 0)
    W, X = mlp_layers(clf, Xtr[:512])[0]
    q = QuantizationLayer(W, X, 3)
    out.append(("MLP weight row, 3 bits (dense 512x64)", q.blocks()[0], q.starts()["gptq"][0]))
    lv = grey_levels(2)
    t = Tomography(shepp_logan(128, lv), np.linspace(0, 180, 64, endpoint=False), lv, noise=2.0, seed=1)
    m = t.model()
    out.append((f"tomography 128x128, 64 angles (sparse {m.m}x{m.n})", m, t.starts()["sart"][0]))
    return out


def candidate_batch(model, k0, seed: int = 0, max_pairs: int = 65536):
    """A search positioned at ``k0`` with one large generated candidate batch."""
    S = DMMVSearch(model, k0, seed + 1, {"max_pairs": max_pairs})
    return (S, *S.candidate_batch())


def _timed(fn, repeats: int, first: list | None = None) -> float:
    t0 = time.perf_counter()
    fn()  # warm up / compile
    if first is not None:
        first.append(time.perf_counter() - t0)
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def batch_rates(S, cnt, ntop, theta, linf, repeats: int, gpu: bool) -> dict:
    """Candidates per second of each batch scorer, and their agreement with the CPU kernel."""
    from combopt.gpu.dmmv_xp import XPScorer
    from combopt.solvers.dmmv.search import cpu_scorer

    out = {"candidates": int(cnt)}
    out["cpu_batch"] = cnt / _timed(lambda: cpu_scorer(S, cnt, ntop, theta, linf), repeats)
    ref_l, ref_d = S.out_linf[:cnt].copy(), S.out_dl2[:cnt].copy()
    scorers = []
    if S.dense:
        scorers.append(("numpy_xp", XPScorer(S.model, np)))
    if gpu:
        from combopt.gpu.dmmv import CudaScorer

        scorers.append(("cuda_kernel", CudaScorer(S.model)))
        if S.dense:
            try:
                import cupy  # type: ignore[import-not-found]

                scorers.append(("cupy", XPScorer(S.model, cupy)))
            except ImportError:
                pass
    problems = []
    for name, sc in scorers:
        first: list = []
        out[name] = cnt / _timed(lambda sc=sc: sc(S, cnt, ntop, theta, linf), repeats, first)
        out[f"{name}_first_call_s"] = first[0]
        lf, dl = S.out_linf[:cnt], S.out_dl2[:cnt]
        fin = np.isfinite(ref_d)
        if not np.array_equal(fin, np.isfinite(dl)):
            problems.append(f"{name}: {int(np.sum(fin != np.isfinite(dl)))} candidates rejected differently")
        elif not (np.allclose(lf[fin], ref_l[fin], rtol=1e-9, atol=1e-9)
                  and np.allclose(dl[fin], ref_d[fin], rtol=1e-7, atol=1e-7)):
            problems.append(f"{name}: scores differ from the CPU kernel")
    out["problems"] = problems
    return out


def driver_rate(model, k0, seconds: float, seed: int = 0) -> dict:
    S = DMMVSearch(model, k0, seed + 7, {})
    S.run(1)  # compile + descent
    t0 = time.perf_counter()
    c0 = S.moves_scored
    rounds = 0
    while time.perf_counter() - t0 < seconds:
        rounds += S.run(4)
    dt = time.perf_counter() - t0
    return {"moves_scored_per_s": (S.moves_scored - c0) / dt, "lns_rounds_per_s": rounds / dt,
            "best_linf": S.best_objective[0]}


def gpu_checks(repeats: int = 3) -> list[dict]:
    """GPU part: CUDA kernel and CuPy scorer against the CPU kernel (used by ``gpu_check.py``)."""
    out = []
    for name, model, k0 in models():
        S, cnt, ntop, theta, linf = candidate_batch(model, k0)
        r = batch_rates(S, cnt, ntop, theta, linf, repeats, gpu=True)
        r["name"] = name
        out.append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    from bench_utils import machine_info, markdown_table, print_rich_table, write_results

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="seconds of the CPU driver per model")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    gpu = gpu_available()
    rows, raw = [], []
    for name, model, k0 in models():
        d = driver_rate(model, k0, args.seconds)
        S, cnt, ntop, theta, linf = candidate_batch(model, k0)
        b = batch_rates(S, cnt, ntop, theta, linf, args.repeats, gpu)
        raw.append({"model": name, "driver": d, "batch": b})

        def fmt(key, b=b):
            return f"{b[key] / 1e6:.2f}" if key in b else "-"

        rows.append([name, f"{d['moves_scored_per_s'] / 1e6:.2f}", f"{d['lns_rounds_per_s']:.0f}", str(cnt),
                     fmt("cpu_batch"), fmt("numpy_xp"), fmt("cuda_kernel"), fmt("cupy"),
                     "; ".join(b["problems"]) or "agree"])
    hdr = ["model", "CPU driver M moves/s", "LNS rounds/s", "batch size", "CPU batch M/s", "NumPy xp M/s",
           "CUDA kernel M/s", "CuPy M/s", "scores vs CPU kernel"]
    print_rich_table("DMMV moves scored per second", hdr, rows)
    info = machine_info()
    md = (f"Machine: {info['cpu']}, {info['logical_cpus']} CPUs, GPU: {'yes' if gpu else 'none visible'}; "
          f"load average at the end {info.get('loadavg_at_end')}.\n\n" + markdown_table(hdr, rows))
    pj, pm = write_results("dmmv_throughput", {"machine": info, "args": vars(args), "gpu": gpu, "rows": raw}, md)
    print(f"wrote {pj} and {pm}")
    return 1 if any(r["batch"]["problems"] for r in raw) else 0


if __name__ == "__main__":
    sys.exit(main())
