"""Maximum-clique quality at equal wall time: combopt (default ``sa-ils``, ``sa``, ``ils``) vs
dwave-samplers' simulated annealing and tabu search.

Graphs: the DIMACS graphs of ``--data`` (default: ``dimacs/`` and ``dimacs-more/`` under
../shared/data/mis) plus, unless ``--no-generated``, graphs made here with a hidden clique of
known size (:mod:`combopt.generators.cliques`: planted clique, ``brock``-style camouflage and
``san``-style k-colourable constructions; the ``san`` ones have clique number exactly k, the
others at least k; the table's "clique no." column is k).

For every graph (kind ``clique``: a maximum clique is a maximum independent set of the
complement graph) each contender gets the same wall-clock budget ``T``:

* combopt ``"sa-ils"`` (the default for mis/clique), ``"sa"`` and ``"ils"`` through
  ``combopt.solve(problem, solver, time_limit=T, seed=...)``
  (combopt's own post-processing included: SA samples are repaired, greedily completed and
  (1,2)-swap improved by the problem's ``from_qubo_samples``). Numba compilation is warmed up
  on a small instance first, so it is not charged to the budget.
* dwave ``SimulatedAnnealingSampler`` on the same MIS QUBO (``problem.to_qubo()``:
  ``-sum x + 2 sum_{uv in complement} x_u x_v``, translated to a dimod BQM), called in batches
  of ``--dwave-reads`` reads until ``T`` has elapsed (an ``interrupt_function`` stops a batch at
  the deadline). dwave ``TabuSampler`` on the same BQM, called with one read of at most 0.5 s
  at a time until ``T`` has elapsed (its own restarts inside). Every raw sample is checked for
  feasibility and then repaired by a plain greedy rule written here: while two chosen vertices
  conflict, drop the chosen vertex with the most conflicts. No greedy completion or local
  search is added for dwave, so the dwave columns are "raw sampler + minimal repair". SA runs
  with dwave's own default beta range (and, with ``--dwave-combopt-beta``, once more with
  combopt ``sa``'s beta range).

Reported per instance: the known clique number, the best clique size of each contender, and
the time at which each first reached its final best (combopt: first ``result.trace`` entry at
the final objective; dwave: completion time of the first read whose repaired set is that large).

Note: combopt's solvers use every Numba thread (see ``--threads``); dwave's SA is single-threaded.

Usage::

    .venv/bin/python benchmarks/mis_quality.py -T 2                  # 30 graphs x 5 contenders, ~5 min
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
SHARED_MIS = next((p / "shared" / "data" / "mis" for p in (REPO.parent, REPO.parent.parent)
                   if (p / "shared" / "data" / "mis").is_dir()), REPO.parent / "shared" / "data" / "mis")
DEFAULT_DATA = [SHARED_MIS / "dimacs", SHARED_MIS / "dimacs-more"]
FALLBACK_DATA = REPO / "tests" / "data"

#: generated graphs: (construction, n, density, k, seed, extra keyword arguments)
GENERATED = [
    ("planted_clique", 300, 0.5, 20, 5, {}),
    ("brock_graph", 200, 0.75, 22, 3, {"camouflage": 2.0}),
    ("brock_graph", 400, 0.75, 28, 4, {"camouflage": 2.0}),
    ("san_graph", 200, 0.7, 30, 1, {}),
    ("san_graph", 200, 0.9, 60, 2, {}),
]


def find_data(paths: list[str] | None) -> list[Path]:
    if paths:
        return [Path(p) for p in paths]
    found = [p for p in DEFAULT_DATA if (p / "clique-numbers.csv").is_file()]
    if found:
        return found
    if (FALLBACK_DATA / "clique-numbers.csv").is_file():
        return [FALLBACK_DATA]
    raise SystemExit(f"no clique-numbers.csv in {DEFAULT_DATA} or {FALLBACK_DATA}; pass --data")


def generated_instances() -> list[dict]:
    from combopt.generators import cliques
    from combopt.problems.graph.mis import IndependentSet

    rows = []
    for kind, n, p, k, seed, kw in GENERATED:
        g, omega = getattr(cliques, kind)(n, p, k, seed, **kw)
        rows.append({"instance": g.name, "vertices": n, "clique_number": omega, "path": f"generated:{kind}",
                     "exact": kind == "san_graph", "problem": IndependentSet(g, "clique")})
    return rows


def read_instances(data: Path, only: list[str] | None) -> list[dict]:
    rows: list[dict] = []
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
                         "clique_number": int(r["clique_number"]), "path": path, "exact": True})
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


def run_dwave_tabu(problem, T: float, rng: np.random.Generator, chunk_s: float = 0.5) -> dict:
    from dwave.samplers import TabuSampler

    sampler = TabuSampler()
    t0 = time.perf_counter()
    deadline = t0 + T
    q = problem.to_qubo()
    bqm = qubo_to_bqm(q)
    n = q.n
    A = (q.W != 0).astype(np.int32).tocsr()
    best, best_x, t_best = -1, None, None
    calls = raw_feasible = 0
    while True:
        left = deadline - time.perf_counter()
        if left <= 0.005:
            break
        ss = sampler.sample(bqm, num_reads=1, timeout=max(1, int(1000 * min(chunk_s, left))),
                            seed=int(rng.integers(0, 2**31 - 1)))
        calls += 1
        X = sampleset_matrix(ss, n)
        C = conflict_counts(A, X)
        for i in range(len(X)):
            feas = C[i].max() == 0
            raw_feasible += int(feas)
            x = X[i] if feas else greedy_repair(A, X[i], C[i])
            if int(x.sum()) > best:
                best, best_x, t_best = int(x.sum()), x, time.perf_counter() - t0
    ev = problem.evaluate(np.flatnonzero(best_x)) if best_x is not None else None
    if ev is not None and not ev.feasible:
        raise AssertionError(f"greedy repair left an infeasible set: {ev.violations[:3]}")
    return {"best": None if ev is None else int(ev.objective), "feasible": ev is not None and bool(ev.feasible),
            "runtime_s": time.perf_counter() - t0, "time_to_best_s": t_best, "calls": calls,
            "raw_feasible_reads": raw_feasible, "reads": calls}


COMBOPT_SOLVERS = ("sa-ils", "sa", "ils")


def load(inst: dict):
    return inst["problem"] if "problem" in inst else combopt.read(inst["path"], "clique")


def warm_up(instances: list[dict]) -> None:
    """Compile / load combopt's Numba kernels outside the timed runs."""
    small = min(instances, key=lambda r: r["vertices"])
    p = load(small)
    for solver in COMBOPT_SOLVERS:
        combopt.solve(p, solver, time_limit=0.5, seed=0)


def fmt_t(t) -> str:
    return "-" if t is None else f"{t:.3f}"


def fmt_best(best, omega) -> str:
    if best is None:
        return "-"
    return f"{best}" if best >= omega else f"{best} ({best - omega:+d})"


HEADERS = [
    "instance", "n", "clique no.",
    "combopt default (sa-ils)", "t (s)", "combopt sa", "t (s)", "combopt ils", "t (s)",
    "dwave SA", "t (s)", "dwave tabu", "t (s)", "default >= best peer",
]

CONTENDERS = ("combopt_sa-ils", "combopt_sa", "combopt_ils", "dwave_sa", "dwave_tabu")


def table_rows(results: list[dict]) -> list[list[str]]:
    rows = []
    for r in results:
        om = r["clique_number"]
        name = r["instance"] if r.get("exact", True) else f"{r['instance']} (planted)"
        row = [name, r["vertices"], om]
        for key in CONTENDERS:
            d = r.get(key)
            row += ["-", "-"] if d is None else [fmt_best(d["best"], om), fmt_t(d["time_to_best_s"])]
        row.append("yes" if r["default_ge_peers"] else "**no**")
        rows.append(row)
    return rows


def summary(results: list[dict]) -> dict:
    out = {}
    for key in CONTENDERS:
        got = [r for r in results if r.get(key) is not None]
        out[key] = {"reached": sum(1 for r in got if (r[key]["best"] or 0) >= r["clique_number"]), "of": len(got)}
    out["default_ge_best_peer"] = sum(1 for r in results if r["default_ge_peers"])
    out["graphs"] = len(results)
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", nargs="*", default=None,
                    help=f"folders with *.clq and clique-numbers.csv (default {[str(p) for p in DEFAULT_DATA]}, "
                         f"else {FALLBACK_DATA})")
    ap.add_argument("--instances", nargs="*", default=None, help="instance names to run (default: all in the CSVs)")
    ap.add_argument("--no-generated", action="store_true", help="skip the generated hidden-clique graphs")
    ap.add_argument("--time-limit", "-T", type=float, default=2.0, help="wall seconds per contender (default 2)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=int(numba.config.NUMBA_NUM_THREADS),
                    help="Numba threads for combopt (default: all); dwave's samplers are single-threaded")
    ap.add_argument("--dwave-reads", type=int, default=64, help="reads per dwave SA sample() call (default 64)")
    ap.add_argument("--dwave-sweeps", type=int, default=1000,
                    help="sweeps per dwave SA read (default 1000 = combopt sa's num_sweeps)")
    ap.add_argument("--dwave-combopt-beta", action="store_true",
                    help="also run dwave SA with combopt sa's beta range")
    ap.add_argument("--out", default=str(RESULTS_DIR), help="folder for mis_quality.{json,md}")
    args = ap.parse_args(argv)

    datas = find_data(args.data)
    instances = [i for d in datas for i in read_instances(d, args.instances)]
    if not args.no_generated and not args.instances:
        instances += generated_instances()
    if not instances:
        raise SystemExit(f"no instances to run in {datas}")
    numba.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    warm_up(instances)

    results = []
    for inst in instances:
        t0 = time.perf_counter()
        problem = load(inst)
        res = {k: (str(v) if isinstance(v, Path) else v) for k, v in inst.items() if k != "problem"}
        for solver in COMBOPT_SOLVERS:
            res[f"combopt_{solver}"] = run_combopt(problem, solver, args.time_limit, args.seed)
        res["dwave_sa"] = run_dwave(problem, args.time_limit, args.dwave_reads, args.dwave_sweeps, None, rng)
        if args.dwave_combopt_beta:
            br = default_beta_range(problem.to_qubo())
            res["dwave_sa_combopt_beta"] = run_dwave(problem, args.time_limit, args.dwave_reads,
                                                     args.dwave_sweeps, br, rng)
        res["dwave_tabu"] = run_dwave_tabu(problem, args.time_limit, rng)
        peer = max(res["dwave_sa"]["best"] or 0, res["dwave_tabu"]["best"] or 0)
        res["default_ge_peers"] = (res["combopt_sa-ils"]["best"] or 0) >= peer
        results.append(res)
        print(f"{inst['instance']}: omega={inst['clique_number']} "
              + " ".join(f"{k}={res[k]['best']}" for k in CONTENDERS)
              + f" ({time.perf_counter() - t0:.1f} s)", flush=True)

    rows = table_rows(results)
    summ = summary(results)
    title = (f"Max clique at equal wall time T = {args.time_limit:g} s, seed {args.seed} "
             f"(combopt: {args.threads} thread(s); dwave: 1 thread; shared 2-core machine)")
    print_rich_table(title, HEADERS, rows)
    md = (
        f"### {title}\n\n"
        + markdown_table(HEADERS, rows)
        + "\nReached the clique number: "
        + ", ".join(f"{k.replace('_', ' ')} {v['reached']}/{v['of']}" for k, v in summ.items() if isinstance(v, dict))
        + f". Default at least as good as the best dwave peer on {summ['default_ge_best_peer']}/{summ['graphs']}.\n\n"
        "Best clique size found (in brackets: distance to the clique number; for '(planted)' graphs the planted "
        "size, a lower bound on the clique number). t: seconds until the contender first reached its final best "
        "(time to the clique number where it reached it). dwave SA: best over all reads after a greedy "
        f"drop-conflicts repair, {args.dwave_sweeps} sweeps per read, {args.dwave_reads} reads per call, its "
        "default beta range; dwave tabu: one read per call, at most 0.5 s each, same repair. All contenders run "
        "one after another on the same graph in the same run.\n"
    )
    payload = {"benchmark": "mis_quality", "machine": machine_info(), "data": [str(d) for d in datas],
               "args": vars(args), "summary": summ, "results": results}
    pj, pm = write_results("mis_quality", payload, md, args.out)
    print(f"wrote {pj} and {pm}")
    return payload


if __name__ == "__main__":
    main()
