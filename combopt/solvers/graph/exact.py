"""An exact phase on the kernel of the MIS reductions: HiGHS on a clique formulation of the kernel.

Once the exact reductions (:mod:`combopt.problems.graph.reduce`) have cut a sparse graph to its kernel, what is
left is often small and loosely coupled enough for a MIP solver to finish it, where a local search can only
approach the optimum without proving it (measured on generated graphs, `benchmarks/mis_sparse.py`: a 2-D grid
with deletions, kernel of 2,615 vertices, proved optimal by HiGHS in about 1 s where `sa-ils` stopped 4 short at
5 s; a random geometric graph, kernel of 6,210 vertices, proved in about 11 s). :func:`exact_kernel_phase` runs
HiGHS on ``max sum x`` with one row ``sum x <= 1`` per clique of a greedy clique partition and per edge between its
cliques, for a share of the time, started from the greedy
set, and hands the search its incumbent (lifted) and its dual bound (plus the offset); an optimal finish ends the
run proven. Only kernels run it: on graphs no rule cuts (the DIMACS clique graphs) the heuristics keep the whole
time, as measured in `mis_quality.py`.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.context import SolveContext
from ...problems.graph.bounds import _cover_unless_cold, is_clique_partition
from ..common import highs_seed, run_highs_interruptible

#: share of the time left that the exact phase takes (its first incumbent comes within a second on the kernels
#: measured; the rest of the time goes to the heuristics when it does not finish)
EXACT_SHARE = 0.3
#: kernels above this many adjacency entries (two per edge) are left to the heuristics: on G(n, m) graphs of 20,000
#: vertices and 60,000 edges (kernels of about 17,000 vertices and 56,000 edges) HiGHS's share gave nothing the
#: heuristics did not, and its bound was above the clique cover's: 8,100 against 8,107 and 8,088 against 8,098 at
#: 20 s, 7,873 against 8,062 at 5 s; the kernels it finished or bounded well had up to 17,600 edges
EXACT_MAX_NNZ = 50_000
#: scoring work of the clique partition per vertex and adjacency entry (as the bounds' cover)
COVER_WORK = 20
#: HiGHS's dual bound is rounded down to a whole number after adding this (its floating-point error)
BOUND_TOL = 1e-6
#: without a time limit the exact phase still stops after this many seconds
EXACT_UNTIMED_S = 10.0


def _mis_rows(problem):
    """``(starts, columns)`` of the rows ``sum x <= 1``: one per clique of two or more vertices of a greedy clique
    partition (:func:`~combopt.problems.graph.bounds.greedy_clique_cover`, re-checked), then one per edge between
    two cliques; every edge where the partition is not available (a cold Numba cache). On two random geometric
    kernels (6,210 and 6,906 vertices) HiGHS's 5 s incumbent was 6,631 / 6,616 with these rows against 6,631 /
    6,569 with one row per edge, at the same bound."""
    n = problem.n
    iu = np.repeat(np.arange(n, dtype=np.int64), np.diff(problem.indptr))
    jv = problem.indices.astype(np.int64)
    upper = iu < jv
    cover = _cover_unless_cold(problem.indptr, problem.indices, COVER_WORK * (n + jv.size))
    if cover is None or not is_clique_partition(problem.indptr, problem.indices, cover[0]):
        group = np.arange(n)  # every vertex alone: the edge rows
    else:
        group = cover[0].astype(np.int64)
    order = np.argsort(group, kind="stable")
    size = np.bincount(group, minlength=int(group.max(initial=-1)) + 1)
    big = size[group[order]] >= 2  # members of cliques with a row of their own, grouped
    clique_cols = order[big]
    clique_sizes = size[size >= 2]
    cross = upper & (group[iu] != group[jv])
    cols = np.concatenate([clique_cols, np.stack([iu[cross], jv[cross]], axis=1).ravel()])
    lens = np.concatenate([clique_sizes, np.full(int(cross.sum()), 2, dtype=np.int64)])
    starts = np.zeros(lens.size + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    return starts, cols


def _mis_lp(problem):
    """The clique and edge rows of :func:`_mis_rows` as a HiGHS model (columns are vertices)."""
    import highspy

    n = problem.n
    starts, cols = _mis_rows(problem)
    m = starts.size - 1
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = -np.ones(n)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.full(m, -highspy.kHighsInf)
    lp.row_upper_ = np.ones(m)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = cols.astype(np.int32)
    lp.a_matrix_.value_ = np.ones(cols.size)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    return lp


def exact_kernel_phase(problem, ctx: SolveContext, offer_largest) -> dict:
    """Run HiGHS on ``problem`` (a kernel, :class:`~combopt.problems.graph.mis.KernelSet`) for
    :data:`EXACT_SHARE` of the time left; offer its incumbent (through ``offer_largest``, which lifts it) and its
    bound. Returns what happened, for the result's ``info``. A Ctrl-C cancels HiGHS; its incumbent is offered and
    the interrupt raised again."""
    if problem is problem.original or problem.n == 0 or problem.indices.size > EXACT_MAX_NNZ:
        return {}
    try:
        import highspy
    except ImportError:
        return {"exact_phase": "skipped: highspy is not installed"}
    from ..milp import _swallow_highs_banner

    left = ctx.time_left
    seconds = EXACT_SHARE * left if math.isfinite(left) else EXACT_UNTIMED_S
    if seconds < 0.05:
        return {}
    _swallow_highs_banner()
    built = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", highs_seed(ctx.seed))
    h.passModel(_mis_lp(problem))
    start = np.zeros(problem.n)
    start[problem.construct()] = 1.0
    sol0 = highspy.HighsSolution()
    sol0.col_value = start.tolist()
    sol0.value_valid = True
    h.setSolution(sol0)
    t0 = time.perf_counter()
    # building the model counts against the share (0.6 s for a kernel of three million vertices the reductions
    # left when their own time ran out, beside a 2 s limit)
    run_s = seconds - (t0 - built)
    if run_s < 0.05:
        return {"exact_phase": f"skipped: building the model took {t0 - built:.2f} s of its {seconds:.2f} s"}
    h.setOptionValue("time_limit", float(run_s))
    interrupted = run_highs_interruptible(h)
    elapsed = time.perf_counter() - t0
    status = h.getModelStatus()
    sol = h.getSolution()
    if sol.value_valid:
        x = (np.asarray(sol.col_value) > 0.5).astype(np.int8)
        offer_largest(problem, ctx, x[None, :])
    optimal = status == highspy.HighsModelStatus.kOptimal
    info = h.getInfo()
    bound = -float(info.mip_dual_bound)
    if math.isfinite(bound):  # set sizes are whole numbers: HiGHS's 40.99999999999996 is the bound 41
        bound = float(math.floor(bound + BOUND_TOL))
    if optimal and sol.value_valid:
        bound = float(np.round(np.asarray(sol.col_value)).sum())
    if math.isfinite(bound):
        ctx.state.offer_bound(bound + problem.offset)
    if interrupted:
        raise KeyboardInterrupt
    return {"exact_phase": {"status": h.modelStatusToString(status), "budget_s": round(seconds, 3),
                            "seconds": round(elapsed, 3),
                            "bound": None if not math.isfinite(bound) else bound + problem.offset}}
