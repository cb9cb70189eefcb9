"""An exact phase on the kernel of the MIS reductions: HiGHS on the edge formulation of the kernel.

Once the exact reductions (:mod:`combopt.problems.graph.reduce`) have cut a sparse graph to its kernel, what is
left is often small and loosely coupled enough for a MIP solver to finish it, where a local search can only
approach the optimum without proving it (measured on generated graphs, `benchmarks/mis_sparse.py`: a 2-D grid
with deletions, kernel of 2,615 vertices, proved optimal by HiGHS in about 1 s where `sa-ils` stopped 4 short at
5 s; a random geometric graph, kernel of 6,210 vertices, proved in about 11 s). :func:`exact_kernel_phase` runs
HiGHS on ``max sum x, x_u + x_v <= 1`` over the kernel's edges for a share of the time, started from the greedy
set, and hands the search its incumbent (lifted) and its dual bound (plus the offset); an optimal finish ends the
run proven. Only kernels run it: on graphs no rule cuts (the DIMACS clique graphs) the heuristics keep the whole
time, as measured in `mis_quality.py`.
"""

from __future__ import annotations

import math

import numpy as np

from ...core.context import SolveContext
from ..common import highs_seed, run_highs_interruptible

#: share of the time left that the exact phase takes (its first incumbent comes within a second on the kernels
#: measured; the rest of the time goes to the heuristics when it does not finish)
EXACT_SHARE = 0.3
#: kernels above this many adjacency entries (two per edge) are left to the heuristics: on G(n, m) graphs of 20,000
#: vertices and 60,000 edges (kernels of about 17,000 vertices and 56,000 edges) HiGHS's share gave nothing the
#: heuristics did not, and its bound was above the clique cover's: 8,100 against 8,107 and 8,088 against 8,098 at
#: 20 s, 7,873 against 8,062 at 5 s; the kernels it finished or bounded well had up to 17,600 edges
EXACT_MAX_NNZ = 50_000
#: without a time limit the exact phase still stops after this many seconds
EXACT_UNTIMED_S = 10.0


def _mis_lp(problem):
    """The edge formulation of the working graph as a HiGHS model (columns are vertices, rows edges)."""
    import highspy

    n = problem.n
    iu = np.repeat(np.arange(n, dtype=np.int64), np.diff(problem.indptr))
    upper = iu < problem.indices
    u, v = iu[upper], problem.indices[upper]
    m = u.size
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = -np.ones(n)
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = np.full(m, -highspy.kHighsInf)
    lp.row_upper_ = np.ones(m)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, 2 * m + 1, 2, dtype=np.int32)
    lp.a_matrix_.index_ = np.stack([u, v], axis=1).ravel().astype(np.int32)
    lp.a_matrix_.value_ = np.ones(2 * m)
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
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(seconds))
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
    interrupted = run_highs_interruptible(h)
    status = h.getModelStatus()
    sol = h.getSolution()
    if sol.value_valid:
        x = (np.asarray(sol.col_value) > 0.5).astype(np.int8)
        offer_largest(problem, ctx, x[None, :])
    optimal = status == highspy.HighsModelStatus.kOptimal
    info = h.getInfo()
    bound = -float(info.mip_dual_bound)
    if optimal and sol.value_valid:
        ctx.state.offer_bound(float(np.round(np.asarray(sol.col_value)).sum()) + problem.offset)
    elif math.isfinite(bound):
        ctx.state.offer_bound(bound + problem.offset)
    if interrupted:
        raise KeyboardInterrupt
    return {"exact_phase": {"status": h.modelStatusToString(status), "seconds": round(seconds, 3),
                            "bound": None if not math.isfinite(bound) else bound + problem.offset}}
