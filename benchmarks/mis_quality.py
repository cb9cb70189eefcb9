"""Maximum-clique quality at equal wall time: combopt ("sa", "ils") vs dwave-samplers' SA.

For every DIMACS graph (kind ``clique``: a maximum clique is a maximum independent set of the
complement graph) each contender gets the same wall-clock budget ``T``:

* combopt ``"sa"`` and ``"ils"`` through ``combopt.solve(problem, solver, time_limit=T, seed=...)``
  (combopt's own post-processing included: SA samples are repaired, greedily completed and
  (1,2)-swap improved by the problem's ``from_qubo_samples``). Numba compilation is warmed up
  on a small instance first, so it is not charged to the budget.
* dwave ``SimulatedAnnealingSampler`` on the same MIS QUBO (``problem.to_qubo()``:
  ``-sum x + 2 sum_{uv in complement} x_u x_v``, translated to a dimod BQM), called in batches
  of ``--dwave-reads`` reads until ``T`` has elapsed (an ``interrupt_function`` stops a batch at
  the deadline). Every raw sample is checked for feasibility and then repaired by a plain
  greedy rule written here: while two chosen vertices conflict, drop the chosen vertex with
  the most conflicts. No greedy completion or local search is added for dwave, so the dwave
  column is "raw SA + minimal repair". It runs twice: with combopt's beta range (same schedule
  as combopt ``sa``) and with dwave's own default beta range.

Reported per instance: the known clique number, the best clique size of each contender, and
the time at which each first reached its final best (combopt: first ``result.trace`` entry at
the final objective; dwave: completion time of the first read whose repaired set is that large).

Note: combopt's solvers use every Numba thread (see ``--threads``); dwave's SA is single-threaded.

Usage::

    .venv/bin/python benchmarks/mis_quality.py                      # T = 5 s, ~2.5 min
    .venv/bin/python benchmarks/mis_quality.py --time-limit 2 --instances hamming8-4 C125.9
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numba
import numpy as np
import scipy.sparse as sp
from bench_utils import (
    RESULTS_DIR,
    machine_info,
    markdown_table,
    print_rich_table,
    qubo_to_bqm,
    require_dwave,
    sampleset_matrix,
    write_results,
)

import combopt
from combopt.solvers.common import default_beta_range

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "mis" / "dimacs"
FALLBACK_DATA = REPO / "tests" / "data"


def find_data(path: str | None) -> Path:
    if path is not None:
        return Path(path)
    for p in (DEFAULT_DATA, FALLBACK_DATA):
        if (p / "clique-numbers.csv").is_file():
            return p
    raise SystemExit(f"no clique-numbers.csv in {DEFAULT_DATA} or {FALLBACK_DATA}; pass --data")


def read_instances(data: Path, only: list[str] | None) -> list[dict]:
    rows = []
    with open(data / "clique-numbers.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            name = r["instance"].strip()
            if only and name not in only:
                continue
            path = data / f"{name}.clq"
            if not path.is_file():
                print(f"skipping {name}: {path} not found")
                continue
            rows.append({"instance": name, "vertices": int(r["vertices"]),
                         "clique_number": int(r["clique_number"]), "path": path})
    return rows


def time_to_final(trace, final) -> float | None:
    if final is None:
        return None
    for t, best in trace:
        if best is not None and best >= final - 1e-9:
            return float(t)
    return None


def run_combopt(problem, solver: str, T: float, seed: int) -> dict:
    r = combopt.solve(problem, solver, time_limit=T, seed=seed)
    return {
        "best": None if r.objective is None else int(round(r.objective)),
        "feasible": bool(r.feasible),
        "status": r.status.value,
        "runtime_s": float(r.runtime),
        "time_to_best_s": time_to_final(r.trace, r.objective),
        "iterations": int(r.iterations),
        "trace": [[float(t), float(v)] for t, v in r.trace],
        "info": {k: v for k, v in r.info.items() if isinstance(v, (int, float, str, list))},
    }


def conflict_counts(A: sp.csr_matrix, X: np.ndarray) -> np.ndarray:
    """For each chosen vertex, how many chosen neighbours it has in the working graph (0 if not chosen)."""
    return np.asarray((A @ X.T.astype(np.int32)).T) * X


def greedy_repair(A: sp.csr_matrix, x: np.ndarray, conflicts: np.ndarray) -> np.ndarray:
    """Drop the chosen vertex with the most conflicts until the set is independent (ties: lowest index)."""
    x = x.copy()
    c = conflicts.copy()
    while c.max() > 0:
        v = int(np.argmax(c))
        x[v] = 0
        c[v] = 0
        nb = A.indices[A.indptr[v] : A.indptr[v + 1]]
        c[nb] -= x[nb]
    return x


def run_dwave(problem, T: float, reads: int, sweeps: int, beta_range, rng: np.random.Generator) -> dict:
    _, SimulatedAnnealingSampler = require_dwave()
    sampler = SimulatedAnnealingSampler()
    t0 = time.perf_counter()
    deadline = t0 + T
    q = problem.to_qubo()
    bqm = qubo_to_bqm(q)
    n = q.n
    A = (q.W != 0).astype(np.int32).tocsr()
    stamps: list[float] = []

    def interrupt() -> bool:
        now = time.perf_counter()
        stamps.append(now)
        return now >= deadline

    best = -1
    best_x = None
    t_best = None
    best_raw_e = np.inf
    best_raw_feasible = False
    total = raw_feasible = batches = 0
    used_range = None
    while time.perf_counter() < deadline:
        stamps.clear()
        ss = sampler.sample(bqm, num_reads=reads, num_sweeps=sweeps, num_sweeps_per_beta=1,
                            beta_range=None if beta_range is None else list(beta_range),
                            beta_schedule_type="geometric", seed=int(rng.integers(0, 2**31 - 1)),
                            interrupt_function=interrupt)
        used_range = [float(b) for b in ss.info["beta_range"]]
        batches += 1
        X = sampleset_matrix(ss, n)  # rows in read order
        E = q.energies(X)
        C = conflict_counts(A, X)
        feas = C.max(axis=1) == 0
        total += len(X)
        raw_feasible += int(feas.sum())
        k = int(np.argmin(E))
        if E[k] < best_raw_e:
            best_raw_e = float(E[k])
            best_raw_feasible = bool(feas[k])
        for i in range(len(X)):
            x = X[i] if feas[i] else greedy_repair(A, X[i], C[i])
            size = int(x.sum())
            if size > best:
                best, best_x = size, x
                t_best = (stamps[i] if i < len(stamps) else time.perf_counter()) - t0
    runtime = time.perf_counter() - t0
    ev = problem.evaluate(np.flatnonzero(best_x)) if best_x is not None else None
    if ev is not None and not ev.feasible:
        raise AssertionError(f"greedy repair left an infeasible set: {ev.violations[:3]}")
    return {
        "best": None if ev is None else int(ev.objective),
        "feasible": ev is not None and bool(ev.feasible),
        "runtime_s": runtime,
        "time_to_best_s": t_best,
        "reads": total,
        "batches": batches,
        "sweeps_per_read": sweeps,
        "raw_feasible_reads": raw_feasible,
        "raw_feasible_fraction": raw_feasible / max(total, 1),
        "best_raw_energy": best_raw_e,
        "best_raw_sample_feasible": best_raw_feasible,
        "beta_range": used_range,
    }


def warm_up(data: Path, instances: list[dict]) -> None:
    """Compile / load combopt's Numba kernels outside the timed runs."""
    small = min(instances, key=lambda r: r["vertices"])
    p = combopt.read(small["path"], "clique")
    for solver in ("sa", "ils"):
        combopt.solve(p, solver, time_limit=0.5, seed=0)


def _k(v) -> str:
    return "-" if v is None else f"{v / 1000:.0f}k"


def fmt_t(t) -> str:
    return "-" if t is None else f"{t:.3f}"


def fmt_best(best, omega) -> str:
    if best is None:
        return "-"
    return f"{best}" if best >= omega else f"{best} ({best - omega:+d})"


HEADERS = [
    "instance", "n", "clique no.", "combopt sa", "sa t_best (s)", "combopt ils", "ils t_best (s)",
    "dwave (combopt beta)", "t_best (s)", "raw feasible", "dwave (own beta)", "t_best (s)", "raw feasible",
    "SA sweeps done: combopt / dwave",
]


def table_rows(results: list[dict]) -> list[list[str]]:
    rows = []
    for r in results:
        om = r["clique_number"]
        row = [r["instance"], r["vertices"], om,
               fmt_best(r["combopt_sa"]["best"], om), fmt_t(r["combopt_sa"]["time_to_best_s"]),
               fmt_best(r["combopt_ils"]["best"], om), fmt_t(r["combopt_ils"]["time_to_best_s"])]
        for key in ("dwave_combopt_beta", "dwave_own_beta"):
            d = r.get(key)
            if d is None:
                row += ["-", "-", "-"]
            else:
                row += [fmt_best(d["best"], om), fmt_t(d["time_to_best_s"]),
                        f"{100 * d['raw_feasible_fraction']:.0f}% of {d['reads']}"]
        done = r["combopt_sa"]["info"].get("sweeps_done")
        dw = r["dwave_combopt_beta"]
        row.append(f"{_k(done)} / {_k(dw['reads'] * dw['sweeps_per_read'])}")
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help=f"folder with *.clq and clique-numbers.csv (default {DEFAULT_DATA}, "
                                                 f"else {FALLBACK_DATA})")
    ap.add_argument("--instances", nargs="*", default=None, help="instance names to run (default: all in the CSV)")
    ap.add_argument("--time-limit", "-T", type=float, default=5.0, help="wall seconds per contender (default 5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=int(numba.config.NUMBA_NUM_THREADS),
                    help="Numba threads for combopt (default: all); dwave's SA is single-threaded")
    ap.add_argument("--dwave-reads", type=int, default=64, help="reads per dwave sample() call (default 64)")
    ap.add_argument("--dwave-sweeps", type=int, default=1000,
                    help="sweeps per dwave read (default 1000 = combopt sa's num_sweeps)")
    ap.add_argument("--no-dwave-own-beta", action="store_true", help="skip the run with dwave's default beta range")
    ap.add_argument("--out", default=str(RESULTS_DIR), help="folder for mis_quality.{json,md}")
    args = ap.parse_args(argv)

    data = find_data(args.data)
    instances = read_instances(data, args.instances)
    if not instances:
        raise SystemExit(f"no instances to run in {data}")
    numba.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    warm_up(data, instances)

    results = []
    for inst in instances:
        t0 = time.perf_counter()
        problem = combopt.read(inst["path"], "clique")
        res = {k: (str(v) if isinstance(v, Path) else v) for k, v in inst.items()}
        res["combopt_sa"] = run_combopt(problem, "sa", args.time_limit, args.seed)
        res["combopt_ils"] = run_combopt(problem, "ils", args.time_limit, args.seed)
        br = default_beta_range(problem.to_qubo())
        res["dwave_combopt_beta"] = run_dwave(problem, args.time_limit, args.dwave_reads, args.dwave_sweeps, br, rng)
        if not args.no_dwave_own_beta:
            res["dwave_own_beta"] = run_dwave(problem, args.time_limit, args.dwave_reads, args.dwave_sweeps, None, rng)
        results.append(res)
        print(f"{inst['instance']}: omega={inst['clique_number']} sa={res['combopt_sa']['best']} "
              f"ils={res['combopt_ils']['best']} dwave={res['dwave_combopt_beta']['best']} "
              f"({time.perf_counter() - t0:.1f} s)", flush=True)

    rows = table_rows(results)
    title = (f"Max clique at equal wall time T = {args.time_limit:g} s "
             f"(combopt: {args.threads} thread(s); dwave SA: 1 thread)")
    print_rich_table(title, HEADERS, rows)
    md = (
        f"### {title}\n\n"
        + markdown_table(HEADERS, rows)
        + "\nBest clique size found (in brackets: distance to the clique number). t_best: seconds until the "
        "contender first reached its final best. dwave: best over all reads after a greedy drop-conflicts repair; "
        "'raw feasible' = share of dwave reads that were already independent sets of the complement (cliques) "
        f"before repair. dwave: {args.dwave_sweeps} sweeps per read, {args.dwave_reads} reads per call. "
        "Last column: replica-sweeps completed within T by combopt sa (all threads, incl. its post-processing) "
        "and by dwave (combopt beta run).\n"
    )
    payload = {"benchmark": "mis_quality", "machine": machine_info(), "data": str(data),
               "args": vars(args), "results": results}
    pj, pm = write_results("mis_quality", payload, md, args.out)
    print(f"wrote {pj} and {pm}")
    return payload


if __name__ == "__main__":
    main()
