"""MDKP by OR-Library class: combopt's default (``mdkp-core``) vs HiGHS at equal wall time.

The nine Chu-Beasley classes (m = 5, 10, 30 constraints x n = 100, 250, 500 items). Six are in
../shared/data/mdkp/orlib (``mknapcb1, 3, 4, 6, 8, 9``) with the Chu-Beasley best-known values;
the other three (5 x 250, 10 x 250, 30 x 100) are generated here the Chu-Beasley way
(:mod:`combopt.generators.mdkp`, seed 17), without best-known values. From each class the
benchmark takes ``--per-tightness`` instances of each tightness (file indices 0.., 10.., 20..).

Each instance and time limit T: combopt ``solve(inst, time_limit=T, seed)`` (default solver) and
HiGHS through PuLP (``solve_pulp(..., "highs", T)``), one right after the other in the same worker,
the LP bound from scipy's HiGHS. Several limits (``-T 10 60``) give one row per class and limit.
``--jobs J`` runs J such (instance, limit) pairs at once, each pair in its own worker process, so
the two solvers of one instance always run back to back under the same load. Reported per class
and limit: mean gap to the best-known value (where there is one) and to the LP bound, for both,
and how often each was strictly better.

Usage::

    .venv/bin/python benchmarks/mdkp_classes.py -T 10                  # 9 classes x 3 x 2 x 10 s, ~10 min
    .venv/bin/python benchmarks/mdkp_classes.py -T 10 60 --per-tightness 2 1 --jobs 2   # ~40 min
    # one class on more instances, into its own results file (~10 min)
    .venv/bin/python benchmarks/mdkp_classes.py -T 60 --classes 30x500 --per-tightness 3 --jobs 2 \
        --name mdkp_classes_30x500

``--seeds 0 1 2`` runs every instance once per seed, for both solvers (combopt's run seed and HiGHS's
``random_seed``): at short limits a single HiGHS seed is one draw of its search, and its class mean moves with the
seed as much as the two solvers differ (``results/mdkp_seed_spread.md``). ``--indices 1 2 11`` takes given file
indices instead, ``--params '{"full": 0}'`` passes solver parameters to
combopt (development runs; the parameters are recorded in the JSON's ``args``).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import cache
from pathlib import Path

import numpy as np
from bench_utils import RESULTS_DIR, machine_info, markdown_table, print_rich_table, write_results

import combopt
from combopt.generators.mdkp import chu_beasley_class
from combopt.solvers.milp import solve_pulp

REPO = Path(__file__).resolve().parent.parent
_SUB = Path("shared") / "data" / "mdkp" / "orlib"
ORLIB = next((p / _SUB for p in (REPO.parent, REPO.parent.parent) if (p / _SUB).is_dir()), REPO.parent / _SUB)
CLASSES = [  # (m, n, OR-Library file or None)
    (5, 100, "mknapcb1"), (5, 250, None), (5, 500, "mknapcb3"),
    (10, 100, "mknapcb4"), (10, 250, None), (10, 500, "mknapcb6"),
    (30, 100, None), (30, 250, "mknapcb8"), (30, 500, "mknapcb9"),
]
GEN_SEED = 17


def best_known() -> dict[tuple[str, int], float]:
    path = ORLIB / "mknapcb-best-known.csv"
    if not path.is_file():
        return {}
    with open(path) as f:
        return {(r["file"], int(r["index"])): float(r["best_known"]) for r in csv.DictReader(f)}


def indices(per: int) -> list[int]:
    return [t * 10 + k for t in range(3) for k in range(per)]


def has_file(file: str | None) -> bool:
    return file is not None and (ORLIB / f"{file}.txt").is_file()


@cache
def _generated(m: int, n: int):
    return chu_beasley_class(n, m, 30, seed=GEN_SEED)


def instance(m: int, n: int, file: str | None, k: int):
    """``(label, file or None, instance)`` of index ``k`` of class ``m x n``."""
    if has_file(file):
        return f"{file}#{k}", file, combopt.read(f"{ORLIB / (file + '.txt')}#{k}", kind="mdkp")
    return f"gen {m}x{n}#{k}", None, _generated(m, n)[k]


def _warm() -> None:
    """Compile (or load) the JIT kernels so that compile time does not land in an instance's budget:
    solve a small instance until the solver reports no cold start (compiling in the background)."""
    warm = chu_beasley_class(30, 5, 3, seed=1)[0]
    t0 = time.perf_counter()
    while "cold_start" in combopt.solve(warm, time_limit=1.0).info and time.perf_counter() - t0 < 300:
        time.sleep(2.0)


def threads_per_run(jobs: int) -> int:
    """Numba threads per worker when ``jobs`` pairs run at once: the cores shared out, at least one. combopt's default
    runs one local-search thread beside HiGHS per spare Numba thread (``walkers``), so on 2 cores with ``--jobs 2``
    each run gets one thread and no walker, and with ``--jobs 1`` one walker on the second core."""
    import os

    return max(1, (os.cpu_count() or 1) // max(1, jobs))


def _init_worker(threads: int) -> None:
    import numba

    numba.set_num_threads(threads)
    _warm()


def run_pair(m: int, n: int, file: str | None, k: int, T: float, seed: int, bk: float | None,
             params: dict | None = None) -> dict:
    """combopt's default (with ``params``), then HiGHS, on one instance at limit ``T``, both with ``seed`` (combopt's
    run seed, HiGHS's ``random_seed``)."""
    label, f, inst = instance(m, n, file, k)
    lp = inst.lp_bound()
    t0, c0 = time.perf_counter(), time.process_time()
    r = combopt.solve(inst, time_limit=T, seed=seed, **(params or {}))
    t_ours, c_ours = time.perf_counter() - t0, time.process_time() - c0
    assert r.feasible and inst.evaluate(r.solution).feasible
    prob, decode = inst.to_pulp()
    t0, c0 = time.perf_counter(), time.process_time()
    proven, _, _, has = solve_pulp(prob, "highs", T, seed=seed)
    t_h, c_h = time.perf_counter() - t0, time.process_time() - c0
    hv = None
    if has:
        ev = inst.evaluate(decode())
        hv = ev.objective if ev.feasible else None
    return {"class": f"{m}x{n}", "T": T, "instance": label, "seed": seed, "best_known": bk, "lp_bound": lp,
            "combopt": r.objective, "solver": r.solver, "combopt_s": t_ours, "highs": hv, "highs_s": t_h,
            "combopt_cpu_s": c_ours, "highs_cpu_s": c_h,
            "highs_proven": proven, "combopt_gap_bk_pct": gap(bk, r.objective), "highs_gap_bk_pct": gap(bk, hv),
            "combopt_gap_lp_pct": gap(lp, r.objective), "highs_gap_lp_pct": gap(lp, hv),
            "info": {k2: v for k2, v in r.info.items() if isinstance(v, (int, float))}}


def cpu_ratio(who: str, runs: list[dict]) -> str:
    """Mean CPU seconds per wall second of ``who``'s runs (all threads of the worker process)."""
    r = [d[f"{who}_cpu_s"] / d[f"{who}_s"] for d in runs if d.get(f"{who}_cpu_s") is not None and d[f"{who}_s"] > 0]
    return fmt(mean(r), 2)


def gap(ref, v):
    return None if ref is None or v is None else 100.0 * (ref - v) / ref


def mean(v):
    v = [x for x in v if x is not None]
    return float(np.mean(v)) if v else None


def fmt(v, d=3):
    return "-" if v is None else f"{v:.{d}f}"


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", "-T", type=float, nargs="+", default=[10.0], help="one or more limits (s)")
    ap.add_argument("--per-tightness", type=int, nargs="+", default=[1],
                    help="instances per tightness and class, one value for all limits or one per limit (default 1)")
    ap.add_argument("--classes", nargs="*", default=None, help="only these classes, e.g. 5x250 30x100")
    ap.add_argument("--indices", type=int, nargs="*", default=None,
                    help="these file indices instead of --per-tightness (e.g. 1 2 11 12 21 22)")
    ap.add_argument("--params", type=json.loads, default={}, help="combopt solver parameters (JSON object)")
    ap.add_argument("--name", default="mdkp_classes", help="results name (default mdkp_classes)")
    ap.add_argument("--jobs", "-j", type=int, default=1, help="(instance, limit) pairs run at once (default 1)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0],
                    help="one run of each solver per seed: combopt's seed, HiGHS's random_seed (default 0)")
    ap.add_argument("--out", default=str(RESULTS_DIR))
    args = ap.parse_args(argv)
    limits = list(args.time_limit)
    per = list(args.per_tightness)
    if len(per) == 1:
        per = per * len(limits)
    if len(per) != len(limits):
        ap.error("--per-tightness takes one value or one per --time-limit")
    classes = [c for c in CLASSES if args.classes is None or f"{c[0]}x{c[1]}" in args.classes]
    ref = best_known()
    tasks = []  # (m, n, file, k, T, seed, best known)
    for T, q in zip(limits, per, strict=True):
        for m, n, file in classes:
            for k in (indices(q) if args.indices is None else args.indices):
                for s in args.seeds:
                    tasks.append((m, n, file, k, T, s, ref.get((file, k)) if has_file(file) else None, args.params))
    tasks.sort(key=lambda t: -t[4])  # longest limits first: the workers end together
    done = []
    threads = threads_per_run(args.jobs)
    if args.jobs <= 1:
        _init_worker(threads)
        for t in tasks:
            done.append(run_pair(*t))
            _progress(done[-1], len(done), len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init_worker, initargs=(threads,)) as ex:
            futs = [ex.submit(run_pair, *t) for t in tasks]
            for fut in as_completed(futs):
                done.append(fut.result())
                _progress(done[-1], len(done), len(tasks))
    rank = {(f"{m}x{n}", T, k, s): i for i, (m, n, _, k, T, s, _, _) in enumerate(
        sorted(tasks, key=lambda t: ([c[:2] for c in CLASSES].index(t[:2]), t[4], t[3], t[5])))}
    per_instance = sorted(done, key=lambda d: rank[(d["class"], d["T"], int(d["instance"].rsplit("#", 1)[1]),
                                                    d["seed"])])
    rows, summary = [], {}
    for m, n, file in classes:
        for T in limits:
            res = [d for d in per_instance if d["class"] == f"{m}x{n}" and d["T"] == T]
            wins = sum(1 for d in res if d["highs"] is None or d["combopt"] > d["highs"])
            losses = sum(1 for d in res if d["highs"] is not None and d["combopt"] < d["highs"])
            cg, hg = mean([d["combopt_gap_lp_pct"] for d in res]), mean([d["highs_gap_lp_pct"] for d in res])
            summary.setdefault(f"{T:g}", {"better": 0, "equal": 0, "worse": 0})[
                "better" if cg < hg - 1e-9 else "worse" if cg > hg + 1e-9 else "equal"] += 1
            rows.append([f"{m} x {n}", "OR-Library " + file if has_file(file) else f"generated (seed {GEN_SEED})",
                         f"{T:g}", len(res),
                         fmt(mean([d["combopt_gap_bk_pct"] for d in res])),
                         fmt(mean([d["highs_gap_bk_pct"] for d in res])),
                         fmt(cg), fmt(hg), f"{wins} / {len(res) - wins - losses} / {losses}"])
    head = ["class (m x n)", "instances from", "T s", "#", "combopt gap to best known %", "HiGHS gap to best known %",
            "combopt gap to LP bound %", "HiGHS gap to LP bound %", "combopt better / equal / worse"]
    lim = " and ".join(f"{T:g}" for T in limits)
    seeds = ", ".join(map(str, args.seeds))
    title = (f"MDKP per class at T = {lim} s per instance and solver, seed{'s' if len(args.seeds) > 1 else ''} {seeds} "
             f"(combopt default {per_instance[0]['solver']}; HiGHS through PuLP; shared 2-core machine, "
             f"{args.jobs} pair(s) at once, {threads} Numba thread(s) per run)")
    print_rich_table(title, head, rows)
    counts = "; ".join(f"T = {T} s: lower in {s['better']}, equal in {s['equal']}, higher in {s['worse']}"
                       for T, s in summary.items())
    md = (f"### {title}\n\n" + markdown_table(head, rows)
          + "\nInstances: indices " + (", ".join(f"0..{q - 1}, 10..{9 + q}, 20..{19 + q} at {T:g} s"
                                                  for T, q in zip(limits, per, strict=True))
                                        if args.indices is None else " ".join(map(str, args.indices)))
          + " of each class (tightness 0.25, 0.5, 0.75)"
          + (f", each with seeds {seeds} (# counts runs, better / equal / worse compares the two solvers' runs "
             "with the same seed)" if len(args.seeds) > 1 else "")
          + ". Gaps are means over the class; best-known values are Chu "
          "and Beasley's (none for the generated classes). The two solvers of one instance run back to back in the "
          f"same worker. combopt's mean gap to the LP bound against HiGHS's, classes: {counts}. CPU seconds per wall "
          f"second (process time over wall time, mean over all runs): combopt {cpu_ratio('combopt', per_instance)}, "
          f"HiGHS {cpu_ratio('highs', per_instance)}.\n")
    seed_rows = []
    if len(args.seeds) > 1:  # the class mean of each solver under each seed: how far one seed's draw moves it
        for m, n, _ in classes:
            for T in limits:
                for s in args.seeds:
                    res = [d for d in per_instance if d["class"] == f"{m}x{n}" and d["T"] == T and d["seed"] == s]
                    seed_rows.append([f"{m} x {n}", f"{T:g}", s, len(res),
                                      fmt(mean([d["combopt_gap_lp_pct"] for d in res])),
                                      fmt(mean([d["highs_gap_lp_pct"] for d in res]))])
        seed_head = ["class (m x n)", "T s", "seed", "#", "combopt gap to LP bound %", "HiGHS gap to LP bound %"]
        md += "\nPer seed (class means over the same instances):\n\n" + markdown_table(seed_head, seed_rows)
    payload = {"benchmark": "mdkp_classes", "machine": machine_info(), "args": vars(args),
               "numba_threads_per_run": threads, "rows": rows, "summary": summary, "seed_rows": seed_rows,
               "instances": per_instance}
    pj, pm = write_results(args.name, payload, md, args.out)
    print(f"wrote {pj} and {pm}")
    return payload


def _progress(d: dict, i: int, total: int) -> None:
    print(f"[{i}/{total}] T={d['T']:g} {d['instance']}: bk={d['best_known']} lp={d['lp_bound']:.1f} "
          f"combopt={d['combopt']} ({d['combopt_s']:.1f} s) highs={d['highs']} ({d['highs_s']:.1f} s)", flush=True)


if __name__ == "__main__":
    main()
