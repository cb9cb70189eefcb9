"""Clique upper bounds: the Lovasz theta bound against the colouring and clique-cover bounds and against an SDP solver.

For every graph of ``benchmarks/mis_quality.py`` (the DIMACS graphs under ../shared/data/mis, or tests/data; plus the
generated graphs with a hidden clique) the clique problem (kind ``clique``: independent sets of the complement):

* the bounds combopt had before the theta bound: DSATUR colours of the graph and a greedy clique cover of the
  complement (``IndependentSet.bounds``);
* the theta bound of the complement (``combopt/problems/graph/theta.py``, boundary point method) with up to
  ``--theta-seconds`` of its own, as the solvers run it (until its integer part is final: the bound and its
  seconds), and once more to convergence (the certified value within ``--tol`` relative of the feasible value
  below it, default 1e-4, as SCS's default ``eps``; or the time): the certified value, its seconds and iterations;
* the peer: the same semidefinite program (``max sum X, trace X = 1, X_ij = 0 on the complement's edges, X psd``)
  through CVXPY with SCS, its defaults and ``--peer-limit`` seconds, up to ``--peer-max-n`` vertices (its value is
  its own report, not certified);
* a timed solve (``combopt.solve(problem, time_limit=T)``, default solver) three times in the same run: the theta bound
  and the exact clique proof switched off (as before either), theta alone, and both (the default): status, bound, and
  seconds until it stopped (a proven optimum ends the run).

Usage::

    .venv/bin/pip install cvxpy                     # the peer (the bench extra)
    .venv/bin/python benchmarks/clique_bounds.py     # about 15 minutes
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from contextlib import contextmanager

import networkx as nx
import numpy as np
from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from mis_quality import find_data, generated_instances, read_instances

import combopt
from combopt.problems.graph import theta
from combopt.problems.graph.mis import IndependentSet
from combopt.solvers.graph import ils


def scs_theta(P: IndependentSet, limit: float) -> tuple[float | None, float]:
    """theta of the complement of ``P``'s graph through CVXPY and SCS: ``(value or None, seconds)``."""
    import cvxpy as cp

    n = P.n
    rows = np.repeat(np.arange(n), np.diff(P.indptr))
    mask = np.zeros((n, n))
    mask[rows, P.indices] = 1.0
    X = cp.Variable((n, n), symmetric=True)
    prob = cp.Problem(cp.Maximize(cp.sum(X)), [cp.trace(X) == 1, cp.multiply(mask, X) == 0, X >> 0])
    t0 = time.perf_counter()
    try:
        prob.solve(solver="SCS", time_limit_secs=limit)
    except Exception as e:  # a peer's failure is a row, not a crash
        print(f"  SCS on {P.name}: {type(e).__name__}: {e}", file=sys.stderr)
        return None, time.perf_counter() - t0
    value = prob.value if prob.status in ("optimal", "optimal_inaccurate") else None
    return (None if value is None else float(value)), time.perf_counter() - t0


@contextmanager
def theta_off(off: bool = True):
    """The independent-set bounds as they were before the theta bound (its size cap below every graph)."""
    keep = theta.MAX_VERTICES
    if off:
        theta.MAX_VERTICES = -1
    try:
        yield
    finally:
        theta.MAX_VERTICES = keep


@contextmanager
def proof_off(off: bool = True):
    """The graph solvers without the exact clique proof's slices (:class:`combopt.solvers.graph.ils.ThetaLater`)."""
    keep = ils.PROOF_RATIO
    if off:
        ils.PROOF_RATIO = 0.0
    try:
        yield
    finally:
        ils.PROOF_RATIO = keep


def timed_solve(problem: IndependentSet, T: float, with_theta: bool, with_proof: bool) -> dict:
    with theta_off(not with_theta), proof_off(not with_proof):
        res = combopt.solve(problem, time_limit=T, seed=0)
    assert problem.evaluate(res.solution).feasible
    return {"status": res.status, "objective": res.objective, "bound": res.bound, "seconds": round(res.runtime, 3)}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-T", "--time-limit", type=float, default=5.0, help="seconds of each timed solve")
    ap.add_argument("--theta-seconds", type=float, default=5.0, help="seconds of the theta bound alone")
    ap.add_argument("--tol", type=float, default=1e-4, help="relative gap of the converged theta (SCS's default eps)")
    ap.add_argument("--peer-limit", type=float, default=60.0, help="seconds per SCS solve")
    ap.add_argument("--peer-max-n", type=int, default=300, help="SCS only up to this many vertices")
    ap.add_argument("--data", nargs="*", default=None)
    ap.add_argument("--instances", nargs="*", default=None)
    ap.add_argument("--no-generated", action="store_true")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--name", default="clique_bounds")
    args = ap.parse_args(argv)
    peer = not args.no_peer
    if peer:
        try:
            import cvxpy  # noqa: F401
        except ImportError:  # pragma: no cover - depends on the environment
            sys.exit("this benchmark needs CVXPY for its peer (the bench extra): .venv/bin/pip install cvxpy, "
                     "or pass --no-peer")
    instances = [r for d in find_data(args.data) for r in read_instances(d, args.instances)]
    if not args.no_generated and not args.instances:
        instances += generated_instances()
    combopt.solve(IndependentSet.from_networkx(nx.petersen_graph(), "clique"), time_limit=0.5)  # kernels loaded
    rows, results = [], []
    for inst in instances:
        name, omega = inst["instance"], inst["clique_number"]
        graph = inst["problem"].graph if "problem" in inst else combopt.read(inst["path"], kind="clique").graph
        P = IndependentSet(graph, "clique")
        with theta_off():
            base = P.bounds(math.inf)
        colouring, cover = base.get("colouring"), base.get("clique_cover")
        t0 = time.perf_counter()
        value = P._theta_bound(args.theta_seconds)  # as the solvers run it: until its integer part is final
        theta_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        state = None
        if P.n <= theta.MAX_VERTICES:
            fresh = theta.new_state(P.n, P.work.edges[:, 0], P.work.edges[:, 1])
            state = theta.run(fresh, args.theta_seconds, integral=False, tolerance=args.tol)
        full_s = time.perf_counter() - t0
        full = None if state is None or math.isinf(state.best) else state.best
        iters = 0 if state is None else state.iterations
        row = {"instance": name, "n": P.n, "omega": omega, "exact": inst.get("exact", True), "colouring": colouring,
               "clique_cover": cover, "theta_bound": value, "theta_bound_s": round(theta_s, 3), "theta": full,
               "theta_lower": None if state is None else state.lower, "theta_s": round(full_s, 3),
               "theta_iterations": iters, "theta_converged": bool(state is not None and state.converged)}
        scs, scs_s = (None, 0.0)
        if peer and P.n <= args.peer_max_n:
            scs, scs_s = scs_theta(P, args.peer_limit)
        row.update({"scs": scs, "scs_s": round(scs_s, 2)})
        solves = {}
        for key, on, proof in (("solve_before", False, False), ("solve_theta", True, False),
                               ("solve_proof", True, True)):
            solves[key] = timed_solve(IndependentSet(graph, "clique"), args.time_limit, on, proof)
        row.update(solves)
        results.append(row)
        k = f"{omega}" if row["exact"] else f">={omega}"
        b, a, c = solves["solve_before"], solves["solve_theta"], solves["solve_proof"]
        floor = None if value is None else math.floor(value)
        cells = [name, P.n, k, _f(colouring, 0), _f(cover, 0), _f(floor, 0), f"{theta_s:.2f}",
                 _f(full, 3) + ("" if row["theta_converged"] else " (not converged)"), f"{full_s:.2f}",
                 iters, "-" if scs is None else f"{scs:.3f}", "-" if scs is None else f"{scs_s:.1f}",
                 "-" if scs is None or full is None else f"{scs_s / max(full_s, 1e-3):.1f}x",
                 f"{b['objective']:g} / {_f(b['bound'], 0)} {b['status']}",
                 f"{a['objective']:g} / {_f(a['bound'], 0)} {a['status']} ({a['seconds']:.2f} s)",
                 f"{c['objective']:g} / {_f(c['bound'], 0)} {c['status']} ({c['seconds']:.2f} s)"]
        rows.append(cells)
        print(cells, flush=True)
    headers = ["instance", "n", "clique no.", "colouring", "clique cover", "theta bound", "s", "theta (converged)", "s",
               "iterations", "theta (SCS)", "s", "SCS time / combopt's",
               f"solve {args.time_limit:g} s before: found / bound",
               "with theta: found / bound (stopped at)",
               "with theta and the proof (default): found / bound (stopped at)"]
    print_rich_table("Clique bounds: Lovasz theta against colouring, clique cover and SCS", headers, rows)
    with_opt = sum(r["solve_theta"]["status"] == "optimal" for r in results)
    proof_opt = sum(r["solve_proof"]["status"] == "optimal" for r in results)
    before_opt = sum(r["solve_before"]["status"] == "optimal" for r in results)
    tighter = [r for r in results if r["theta_bound"] is not None]
    gap_b = _mean_gap(results, "solve_before")
    gap_a = _mean_gap(results, "solve_theta")
    gap_c = _mean_gap(results, "solve_proof")
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs (load average at the end {mi['loadavg_at_end']}). "
          f"`benchmarks/clique_bounds.py -T {args.time_limit:g} --theta-seconds {args.theta_seconds:g} "
          f"--tol {args.tol:g} --peer-limit {args.peer_limit:g}`. Bounds of the clique number (the floor of each "
          f"applies); theta of the complement with up to {args.theta_seconds:g} s of its own; SCS through CVXPY "
          f"with its defaults, up to {args.peer_max_n} vertices. Timed solves: the default solver, seed 0, the "
          f"theta bound and the exact clique proof off (before), theta alone, and both (the default) in the same "
          f"run.\n\n" + markdown_table(headers, rows) + "\n\n"
          f"Proven optimal in the {args.time_limit:g} s solves: {before_opt} of {len(results)} before, {with_opt} of "
          f"{len(results)} with theta, {proof_opt} of {len(results)} with theta and the proof. Mean gap (bound - "
          f"found) / found: {gap_b:.3f} before, {gap_a:.3f} with theta, {gap_c:.3f} with both. Theta computed on "
          f"{len(tighter)} of {len(results)} graphs.\n")
    write_results(args.name, {"machine": mi, "args": vars(args), "results": results}, md)
    return {"results": results}


def _mean_gap(results: list[dict], key: str) -> float:
    gaps = [(r[key]["bound"] - r[key]["objective"]) / r[key]["objective"] for r in results
            if r[key]["bound"] is not None and r[key]["objective"]]
    return float(np.mean(gaps)) if gaps else math.nan


def _f(v, digits: int) -> str:
    return "-" if v is None else f"{v:.{digits}f}"


if __name__ == "__main__":
    main()
