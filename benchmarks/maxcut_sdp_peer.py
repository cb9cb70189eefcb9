"""The max-cut bound against a general SDP solver: the same semidefinite relaxation solved by CVXPY (SCS, Clarabel).

``MaxCut.bound`` (``combopt/models/maxcut_bound.py``) reaches the Goemans-Williamson relaxation's value through a
low-rank solution and certifies it by a factorisation; here the relaxation ``max <L/4, X>, diag(X) = 1, X psd`` is
also handed to CVXPY's SCS (first-order) and Clarabel (interior point) on the same graphs, and the values and times
are compared in the same run. A peer's value is its own reported optimum (not certified); combopt's is a proven upper
bound on the cut (before rounding down), so it can only be at or above the relaxation's true value.

Graphs: the classes of ``benchmarks/maxcut.py`` (random unit and +-1 weights, +-1 tori, Delaunay) at 100, 200 and
400 vertices, and 800 for the sparse classes (one seed each; the peers' time grows about with n^3 per iteration;
Clarabel only at 100 vertices, :data:`CLARABEL_MAX`).

Usage::

    .venv/bin/pip install cvxpy        # the peer (the bench extra)
    .venv/bin/python benchmarks/maxcut_sdp_peer.py     # about 10 minutes
"""

from __future__ import annotations

import argparse
import sys
import time

from bench_utils import machine_info, markdown_table, print_rich_table, write_results
from maxcut import _planar, _random, _torus

from combopt.models.maxcut_bound import laplacian
from combopt.problems.graph.maxcut import MaxCut

#: Clarabel (interior point) only up to this many vertices: about 20 s at 100 through CVXPY on the 2-core machine,
#: minutes beyond
CLARABEL_MAX = 100


def graphs():
    for n in (100, 200, 400):
        yield _random(n, 0.06 if n >= 400 else 0.1, 1, False)
        yield _random(n, 0.06 if n >= 400 else 0.1, 11, True)
        rows = {100: 10, 200: 10, 400: 20}[n]
        yield _torus(rows, n // rows, 1)
        yield _planar(n, 1)
    yield _torus(20, 40, 2)
    yield _planar(800, 2)


def peer(p: MaxCut, solver: str, limit: float) -> tuple[float | None, float]:
    import cvxpy as cp

    L = laplacian(p.n, p.edges, p.weights).toarray()
    X = cp.Variable((p.n, p.n), symmetric=True)
    prob = cp.Problem(cp.Maximize(cp.trace(L @ X) / 4), [cp.diag(X) == 1, X >> 0])
    t0 = time.perf_counter()
    try:
        kw = {"time_limit_secs": limit} if solver == "SCS" else {"time_limit": limit}
        prob.solve(solver=solver, **kw)
    except Exception as e:  # a peer's failure is a row, not a crash
        print(f"  {solver} on {p.name}: {type(e).__name__}: {e}", file=sys.stderr)
        return None, time.perf_counter() - t0
    value = prob.value if prob.status in ("optimal", "optimal_inaccurate") else None
    return (None if value is None else float(value)), time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-limit", type=float, default=120.0, help="seconds per peer solve")
    ap.add_argument("--name", default="maxcut_sdp_peer")
    args = ap.parse_args(argv)
    try:
        import cvxpy  # noqa: F401
    except ImportError:  # pragma: no cover - depends on the environment
        sys.exit("this benchmark needs CVXPY (the bench extra): .venv/bin/pip install cvxpy")
    MaxCut(5, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0)]).bound()  # kernels loaded outside the timings
    rows, results = [], []
    for p in graphs():
        t0 = time.perf_counter()
        info = p.bound_info(5.0)
        ours_s = time.perf_counter() - t0
        ours = float(info["eigenvalue"]) if info["eigenvalue"] is not None else None
        row = {"instance": p.name, "n": p.n, "m": p.m, "combopt": ours, "combopt_s": round(ours_s, 3)}
        cells = [p.name, p.n, p.m, "-" if ours is None else f"{ours:.2f}", f"{ours_s:.2f}"]
        for solver in ("SCS", "CLARABEL"):
            if solver == "CLARABEL" and p.n > CLARABEL_MAX:
                row[solver] = None
                cells += ["-", "-", "-", "-"]
                continue
            value, secs = peer(p, solver, args.peer_limit)
            row[solver] = value
            row[f"{solver}_s"] = round(secs, 2)
            rel = "-" if value is None or ours is None else f"{100 * (ours - value) / abs(value):+.3f}"
            speed = "-" if value is None else f"{secs / ours_s:.0f}x"
            cells += ["-" if value is None else f"{value:.2f}", f"{secs:.2f}", rel, speed]
        results.append(row)
        rows.append(cells)
        print(cells, flush=True)
    headers = ["instance", "n", "m", "combopt bound", "s", "SCS value", "s", "combopt - SCS %", "SCS time / combopt's",
               "Clarabel value", "s", "combopt - Clarabel %", "Clarabel time / combopt's"]
    print_rich_table("Goemans-Williamson relaxation: combopt's certified bound against CVXPY's solvers", headers, rows)
    mi = machine_info()
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs (load average at the end {mi['loadavg_at_end']}). "
          f"`benchmarks/maxcut_sdp_peer.py --peer-limit {args.peer_limit:g}`; combopt's bound with up to 5 s, "
          "the peers through CVXPY with their defaults.\n\n" + markdown_table(headers, rows) + "\n")
    write_results(args.name, {"machine": mi, "results": results}, md)
    return {"results": results}


if __name__ == "__main__":
    main()
