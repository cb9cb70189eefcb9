"""Core-problem search for the multidimensional knapsack (after Puchinger, Raidl and Pferschy 2010).

1. Solve the LP relaxation (HiGHS); its duals ``u`` are the multipliers that order the items
   (efficiency ``p_j / u.A_j``) and give the reduced costs ``rc_j = p_j - u.A_j``.
2. A first solution: the LP solution rounded down, repaired and completed greedily by dual
   efficiency, then the iterated drop/add local search of :mod:`combopt.problems.mdkp.local`.
3. Reduced-cost fixing (exact): an item whose reduced cost exceeds the gap between the LP bound
   and the incumbent cannot change sides in any better solution, so it is fixed at its LP value.
4. **Core search**: the ``c`` free items of smallest ``|rc_j|`` (the fractional ones first) form
   the core; with ``rins`` (default) the free items where the incumbent leaves its LP side join it
   (relaxation induced neighbourhood search: the sub-problem searches between the LP solution and
   the incumbent). Every other item keeps its LP value. The core problem is a small 0/1 MIP, solved by
   HiGHS under a share of the time left, with a cut asking for a strictly better profit. When
   HiGHS finishes (better solution or proof that the core holds none) the core grows by
   ``growth``; when it runs out of time the core grows more slowly. Improvements are polished by
   the local search, whose result seeds the next cut. On the tightly constrained small classes
   (:func:`ils_share_for`), where even the first core MIP runs out of time, each sub-problem that runs
   out of time is followed by the iterated drop/add local search from the incumbent for a share of
   the time (one thread); the next core then starts from whatever the local search found (its RINS
   items follow the new incumbent). On a machine with spare cores (timed runs, :func:`default_walkers`) the
   same local search instead runs all the time on other threads beside the core MIPs (:class:`_Walkers`: the
   kernel and HiGHS both release Python's GIL), walk after walk from the incumbent, and every core MIP
   starts from what they found; the MIPs then get the whole main thread on every class.
5. **Whole problem within the viable hyperplanes** (long runs on the 30 x 500 class and larger, see
   :func:`full_share_for`): there growing cores restart HiGHS from scratch with ever smaller time
   slices when their sub-problems do not finish, and HiGHS's own branch and bound over the whole
   problem does better. So after the first solution the run goes to one HiGHS run (``FULL_SHARE`` of
   the time, on HiGHS's own thread count) over every item not fixed by reduced costs, started from the
   incumbent, with the exact cardinality range ``k_lo <= sum x <= k_hi`` of :mod:`.hyperplane` (the
   hyperplanes whose LP bound can still beat the incumbent) and the cut asking for a better profit;
   the core search gets what is left. Measured against HiGHS alone at 60 s on 15 mknapcb9 instances
   (benchmarks/README.md): lower mean gap, better on 9, worse on 2.

The bound reported is the LP bound (rounded down when the profits are integers), unless the search
proves the incumbent optimal: a finished sub-problem over every item that reduced-cost fixing left
free (step 4 or 5), or a cardinality range that is empty (no LP point reaches the incumbent + 1). Both
rest on exact fixing and on HiGHS's own optimality (its feasibility tolerances, on integer data).
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.problem import coefficient_scale
from ...core.registry import register_solver
from ...core.warm import gated
from ..common import finite_float, flag, highs_seed, positive_int, reject_unknown, run_highs_interruptible


class _Interrupted(KeyboardInterrupt):
    """Ctrl-C during a sub-problem: HiGHS was cancelled; ``x`` is its incumbent (None without one)."""

    def __init__(self, x):
        super().__init__()
        self.x = x


def _solve_core(p, A, b, core, fixed_one, need, time_limit, node_limit, card=None, start=None, threads=1,
                seed=0, scale=1.0):
    """Best 0/1 vector over ``core`` (others as in ``fixed_one``) of profit >= ``need``, or None.

    ``card`` (an integer range ``(lo, hi)``) asks for ``lo <= sum x <= hi`` over all items (the fixed ones
    included); ``start`` (a full 0/1 vector, feasible for the sub-problem) is handed to HiGHS as its first
    incumbent. ``seed`` is HiGHS's ``random_seed`` (the run's seed: other seeds, other search paths).

    HiGHS (highspy) with ``need`` as its objective bound (it prunes every node that cannot reach
    it) and no relative gap tolerance. Returns ``(x or None, finished)``, where ``finished``
    means HiGHS searched the whole core (optimal, or no solution reaching ``need``).
    """
    import highspy

    from ..milp import _swallow_highs_banner

    _swallow_highs_banner()
    cap = b - A[:, fixed_one].sum(axis=1)
    # ``scale`` (:func:`coefficient_scale` of the profits): profits below 1 are scaled up, as HiGHS's tolerances are
    # absolute (the objective bound's 1e-6 pruned every node of profits of 1e-9: a worse packing was "optimal")
    pc = np.ascontiguousarray(p[core]) / scale
    Ac = np.asfortranarray(A[:, core])
    k, m = core.size, A.shape[0]
    if card is not None:
        Ac = np.vstack([Ac, np.ones((1, k))])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("threads", int(threads))  # 0: HiGHS's own choice
    h.setOptionValue("random_seed", highs_seed(seed))
    if node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(node_limit))
    rest = float(p[fixed_one].sum())
    if need is not None:
        h.setOptionValue("objective_bound", -(need - rest) / scale + 1e-6)
    lp = highspy.HighsLp()
    lp.num_col_ = k
    rows = Ac.shape[0]
    lp.num_row_ = rows
    lp.col_cost_ = -pc
    lp.col_lower_ = np.zeros(k)
    lp.col_upper_ = np.ones(k)
    lp.row_lower_ = np.full(rows, -highspy.kHighsInf)
    lp.row_upper_ = cap
    if card is not None:
        nf = int(fixed_one.size)
        lp.row_lower_ = np.append(np.full(m, -highspy.kHighsInf), float(card[0] - nf))
        lp.row_upper_ = np.append(cap, float(card[1] - nf))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.arange(0, (k + 1) * rows, rows, dtype=np.int32)
    lp.a_matrix_.index_ = np.tile(np.arange(rows, dtype=np.int32), k)
    lp.a_matrix_.value_ = np.asfortranarray(Ac).ravel(order="F")
    lp.integrality_ = [highspy.HighsVarType.kInteger] * k
    h.passModel(lp)
    if start is not None:
        sol0 = highspy.HighsSolution()
        sol0.col_value = np.asarray(start, dtype=np.float64)[core].tolist()
        sol0.value_valid = True
        h.setSolution(sol0)
    interrupted = run_highs_interruptible(h)  # in HiGHS's own thread: Ctrl-C cancels it (a long run waited it out)
    status = h.getModelStatus()
    finished = status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible,
                          highspy.HighsModelStatus.kObjectiveBound)
    sol = h.getSolution()
    x = None
    if sol.value_valid:
        x = np.zeros(p.size, dtype=np.int8)
        x[fixed_one] = 1
        x[core] = np.round(np.asarray(sol.col_value)).astype(np.int8)
    if interrupted:
        raise _Interrupted(x)
    return x, finished


def full_share_for(m: int, n: int, time_limit: float) -> float:
    """Share of a timed run given to HiGHS on the whole problem, first (see the module docstring): none on
    small or loosely constrained classes, where the core search alone is better, and none in short runs."""
    if not math.isfinite(time_limit) or time_limit < FULL_MIN_S or m < 30 or n < 500:
        return 0.0
    return FULL_SHARE


def ils_share_for(m: int, n: int) -> float:
    """Share of the core phase given to the iterated local search between sub-problems that run out of
    time (see :meth:`_Search.ils`): on tightly constrained small classes (m >= 30, n < 250), whose
    core MIPs do not finish even at m + 12 items, the local search and the MIP find different
    solutions, and the MIP's cores then start from the better incumbent. None elsewhere."""
    return ILS_SHARE if m >= 30 and n < 250 else 0.0


#: share of the core phase that goes to the local search on the classes of :func:`ils_share_for`
ILS_SHARE = 0.5

#: most iterations of one local-search walk in :meth:`_Search.ils`, and about the longest a walk may last (s)
ILS_WALK, ILS_WALK_S = 2000, 0.5
#: the drop depths of the local-search walks, in turn
ILS_DEPTHS = (3, 5, 8, 12)

def first_walk(n: int, m: int) -> int:
    """Iterations of a first local-search walk: ``ILS_WALK`` at 30 x 100, fewer where the swap search's work per
    iteration (about n^2 m) is larger; later walks follow the measured rate (:func:`next_walk`)."""
    return int(min(ILS_WALK, max(1, ILS_WALK * (100**2 * 30) / max(n * n * m, 1))))  # (m = 0: no constraint rows)


def next_walk(rate: float, seconds: float) -> int:
    """Iterations of the next walk at ``rate`` iterations per second for about ``seconds`` (at most ``ILS_WALK``)."""
    return int(min(ILS_WALK, max(1, rate * seconds)))


#: most local-search threads beside HiGHS (:class:`_Walkers`), and about the longest one of their walks lasts (s)
WALKERS_MAX, WALKER_WALK_S = 3, 0.25


def default_walkers() -> int:
    """Local-search threads beside HiGHS in a timed run: one per core that Numba may use beyond the first (HiGHS's
    core MIPs run on one thread), at most ``WALKERS_MAX``; none on one core."""
    import numba

    return max(0, min(WALKERS_MAX, numba.get_num_threads() - 1))


#: a timed run shorter than this never hands over to the whole-problem HiGHS run (the core phase keeps it)
FULL_MIN_S = 15.0
#: share of a long run on the large class that the whole-problem HiGHS run gets (the cores get the rest)
FULL_SHARE = 0.97


@register_solver(
    "mdkp-core",
    problems=("mdkp",),
    description="core-problem search: LP duals order the items, reduced-cost fixing, growing cores solved by "
                "HiGHS, drop/add local search; HiGHS on the whole problem within the viable hyperplanes",
    default_for=("mdkp",),
    params=("core", "growth", "share", "polish_iters", "node_limit", "rins", "full", "full_first", "threads",
            "walkers", "ils"),
)
def mdkp_core(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``core`` initial core size as a share of the items (default 0.05, at least
    ``m + 10`` items), ``growth`` core growth factor after a finished sub-problem (default 1.5),
    ``share`` of the time left given to one sub-problem (default 0.3; the last one that fits gets
    all of it), ``polish_iters`` drop/add iterations per polish of a new incumbent (default 100),
    ``node_limit`` per sub-problem when there is no time limit (default 5000), ``rins`` (default
    true) adds the free items where the incumbent and the LP solution disagree to every core,
    ``full`` share of a timed run that goes to HiGHS on the whole problem (default from the class:
    :func:`full_share_for`), ``full_first`` runs that phase first (default: true where
    the class gets that phase), ``threads`` HiGHS threads per sub-problem (0: HiGHS's own choice, as HiGHS run
    on its own; default 0 where the class gets the whole-problem phase, else 1), ``ils`` share of the core
    phase given to the iterated drop/add local search after each sub-problem that runs out of time (default
    from the class: :func:`ils_share_for`; timed runs only, and only without walkers), ``walkers`` local-search
    threads that run beside HiGHS for the whole run, each walk from the incumbent (default
    :func:`default_walkers`: one per spare core, at most 3, where HiGHS runs on one thread, else none; timed runs
    only; 0 switches them off).

    ``info["subproblem_log"]`` lists each sub-problem as ``(start s, core size, time limit s,
    seconds used, finished)``: where a long run spends its time."""
    frac = finite_float(params, "core", 0.05, 0.0, 1.0)
    growth = finite_float(params, "growth", 1.5, 1.0)
    share = finite_float(params, "share", 0.3, 0.01, 1.0)
    polish_iters = positive_int(params, "polish_iters", 100, lo=0)
    node_limit = positive_int(params, "node_limit", 5000)
    rins = flag(params, "rins", True)
    total = ctx.time_left
    class_share = full_share_for(problem.m, problem.n, total)
    full = finite_float(params, "full", class_share, 0.0, 1.0)
    full_first = flag(params, "full_first", class_share > 0)
    threads = positive_int(params, "threads", 0 if class_share > 0 else 1, hi=1024, lo=0)
    timed = math.isfinite(total)
    # walkers share the machine with HiGHS's core MIPs on one thread; where HiGHS gets its own thread count (the
    # whole-problem phase), they would take its cores (30 x 500 at 60 s: better on 1 run of 6, worse on 2)
    walkers = positive_int(params, "walkers", default_walkers() if threads == 1 else 0, hi=256, lo=0)
    if not timed:
        walkers = 0  # untimed runs stay deterministic: no threads
    ils = finite_float(params, "ils", 0.0 if walkers else ils_share_for(problem.m, problem.n), 0.0, 0.95)
    reject_unknown(params, "mdkp-core")
    p, A, b = problem.p, np.ascontiguousarray(problem.A), problem.b
    integral = problem.integral_objective()
    lp = problem.lp(LP_SHARE * total if timed else None)
    if lp is None:  # the LP alone does not fit the run (5 x 200,000 items: about 17 s): local search only
        return _without_lp(problem, ctx, polish_iters)
    z_lp, x_lp, u, rc = lp
    # (the tolerance grows with the value: at 8e12 a float's last digit is worth 0.001)
    bound = math.floor(z_lp + max(1e-6, 1e-12 * abs(z_lp))) if integral else z_lp

    lock = threading.Lock()  # the incumbent is shared with the walker threads

    def offer(x) -> bool:
        ev = problem.evaluate(x)
        if not ev.feasible:
            return False
        with lock:
            return ctx.state.report(ev.objective, np.asarray(x, dtype=np.int8).copy())

    def polish(x) -> None:
        if polish_iters > 0:  # at most a tenth of the time left (the walks run in timed chunks on large instances)
            seconds = 0.1 * ctx.time_left if timed else None
            for y in problem.polish(x, ctx, weights=u, iters=polish_iters, seconds=seconds):
                offer(y)

    x0 = problem.repair((x_lp > 1 - 1e-9).astype(np.int8), weights=u)
    offer(x0)
    polish(x0)
    ctx.state.next_iteration()  # the LP and the first solution are iteration 0
    search = _Search(problem, ctx, p, A, b, z_lp, x_lp, rc, integral, offer, polish, threads, ils_share=ils,
                     weights=u)
    info = {"lp_bound": z_lp}
    proven = False
    walk = _Walkers(problem, ctx, u, offer, lock, walkers)
    try:
        if timed and full > 0 and full_first:
            proven = search.whole(full * ctx.time_left, info)
            ctx.state.next_iteration()  # the next phase's sub-problems are short: judge them by themselves
        if not proven:
            until = (1.0 - full) * total if timed and full > 0 and not full_first else math.inf
            proven = search.cores(frac, growth, share, node_limit, rins, until)
        if not proven and timed and full > 0 and not full_first and not ctx.state.should_stop():
            proven = search.whole(0.98 * ctx.time_left, info)
    finally:
        walk.close()
    info.update({"walkers": walkers, "walker_walks": walk.walks, "walker_improvements": walk.improvements})
    info.update({"subproblems": search.subproblems, "finished_subproblems": search.finished,
                 "ils_s": round(search.ils_s, 3), "ils_improvements": search.ils_improvements,
                 "core_size": int(search.c), "subproblem_log": search.log})
    if proven and ctx.state.best is not None:
        return SolverOutput(bound=float(ctx.state.best), proven_optimal=True, info=info)
    return SolverOutput(bound=float(bound), info=info)


class _Walkers:
    """``count`` threads that run the problem's local search (:meth:`MultiKnapsack.walk`, which does not hold the
    GIL) one walk after another, each from the current incumbent, while HiGHS runs on the main thread (it does not
    hold the GIL either); improvements go to the shared incumbent through ``offer``, so the next core MIP starts
    from them (its cut and its RINS items). The drop depths 3, 5, 8, 12 take turns; a walk's length follows the
    measured rate so that it lasts about ``WALKER_WALK_S`` and never past the run's time limit. Each thread draws
    its walks' seeds from its own generator (the run's seed and the thread's number)."""

    def __init__(self, problem, ctx, weights, offer, lock, count: int):
        self.problem, self.ctx, self.weights, self.offer, self.lock = problem, ctx, weights, offer, lock
        self.walks = self.improvements = 0
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(r,), daemon=True, name=f"combopt-mdkp-walker-{r}")
                        for r in range(count)]
        for t in self.threads:
            t.start()

    def _loop(self, r: int) -> None:
        ctx, problem = self.ctx, self.problem
        rng = np.random.default_rng([ctx.seed, r])
        iters, t = first_walk(problem.n, problem.m), r
        try:
            while not self.stop.is_set() and ctx.time_left > 0.02:
                with self.lock:
                    x, before = ctx.state.best_solution, ctx.state.best
                if x is None:
                    self.stop.wait(0.01)
                    continue
                t0 = time.perf_counter()
                seed, depth = int(rng.integers(1, 2**63 - 1)), ILS_DEPTHS[t % len(ILS_DEPTHS)]
                # under the run's compile gate: a walker never compiles inside a timed run (cold cache: it stops)
                y = gated(ctx, lambda x=x, seed=seed, depth=depth, iters=iters: problem.walk(
                    x, seed, weights=self.weights, iters=iters, max_drop=depth))
                if y is None:
                    return
                rate = iters / max(time.perf_counter() - t0, 1e-6)
                iters = next_walk(rate, min(WALKER_WALK_S, ctx.time_left))
                t += 1
                improved = (before is None or float(problem.p @ y) > before) and self.offer(y)
                with self.lock:
                    self.walks += 1
                    self.improvements += bool(improved)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread by close()
            self.errors.append(e)

    def close(self) -> None:
        """Stop the threads after their current walk and wait for them; a thread's error is raised here."""
        self.stop.set()
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]


#: share of a timed run the LP relaxation may take; past it, the run has no LP (see :func:`_without_lp`)
LP_SHARE = 0.5


def _without_lp(problem, ctx: SolveContext, polish_iters: int) -> SolverOutput:
    """A timed run whose LP relaxation did not fit: the greedy construction (items by profit per capacity-scaled
    weight), then iterated drop/add walks for the time left; no bound."""
    x = problem.construct()
    ctx.state.report(problem.evaluate(x).objective, x)
    ctx.state.next_iteration()
    while not ctx.state.should_stop() and ctx.time_left > 0.05:
        best = ctx.state.best
        for y in problem.polish(ctx.state.best_solution, ctx, iters=max(polish_iters, 1), seconds=ctx.time_left):
            ev = problem.evaluate(y)
            if ev.feasible:
                ctx.state.report(ev.objective, np.asarray(y, dtype=np.int8).copy())
        ctx.state.next_iteration()
        if ctx.state.best == best:
            break  # the walks found nothing better from the incumbent: a local optimum for them
    return SolverOutput(info={"lp_bound": None, "lp": f"did not fit {LP_SHARE:.0%} of the run; local search only"})


class _Search:
    """The two searches of :func:`mdkp_core` over one instance, sharing the incumbent in ``ctx.state``."""

    def __init__(self, problem, ctx, p, A, b, z_lp, x_lp, rc, integral, offer, polish, threads=1, ils_share=0.0,
                 weights=None):
        self.problem, self.ctx, self.p, self.A, self.b = problem, ctx, p, A, b
        self.threads = threads
        self.z_lp, self.x_lp, self.rc, self.integral = z_lp, x_lp, rc, integral
        self.scale = coefficient_scale(p)  # profits below 1: the tolerances below shrink with them
        self.offer, self.polish = offer, polish
        self.subproblems = self.finished = 0
        self.c = 0
        self.log = []  # per sub-problem: (start s, core size, time limit s, seconds used, finished)
        self.ils_share, self.weights = ils_share, weights  # local-search share (cores phase), LP duals
        self.ils_s, self.ils_improvements = 0.0, 0

    def need(self):
        inc = self.ctx.state.best
        if inc is None:
            return None
        return inc + 1.0 if self.integral else inc + 1e-9 * self.scale

    def free_items(self):
        """Items not fixed by the LP's reduced costs (ordered by ``|rc|``) for a solution reaching ``need``."""
        need = self.need()
        margin = math.inf if need is None else self.z_lp - need + 1e-6 * max(self.scale, abs(self.z_lp))
        order = np.argsort(np.abs(self.rc), kind="stable")
        return order[np.abs(self.rc[order]) <= margin]

    def _run(self, core, fixed_one, limit, node_limit, card=None, start=None):
        need = self.need()
        t0 = time.perf_counter()
        try:
            x, finished = _solve_core(self.p, self.A, self.b, core, fixed_one, need, limit, node_limit,
                                      card=card, start=start, threads=self.threads, seed=self.ctx.seed,
                                      scale=self.scale)
        except _Interrupted as e:  # keep what HiGHS had found, then stop the run
            if e.x is not None:
                self.offer(e.x)
            raise KeyboardInterrupt from None
        self.subproblems += 1
        if x is not None:
            improved = self.problem.evaluate(x).feasible and self.ctx.state.is_better(float(self.p @ x))
            self.offer(x)
            if improved and self.ctx.time_left > 0.1 * limit:
                self.polish(x)
        dt = time.perf_counter() - t0
        self.log.append((round(self.ctx.state.elapsed - dt, 3), int(core.size), round(float(limit), 3),
                         round(dt, 3), bool(finished)))
        if finished:
            self.finished += 1
        self.ctx.state.next_iteration()
        return finished, dt

    def ils(self, seconds: float) -> None:
        """The problem's iterated drop/add local search (``problem.walk``, one walk at a time) from the incumbent
        for ``seconds``, the drop depths 3, 5, 8, 12 in turn, each walk from the best so far. A walk has at most
        ``ILS_WALK`` iterations and lasts about ``ILS_WALK_S`` s at most, and no longer than the run has left (its
        length follows the measured rate), so that the run ends on time on larger instances too; the phase ends
        with the first walk that ends after ``seconds``."""
        ctx = self.ctx
        start = time.perf_counter()
        n, m = self.p.size, self.A.shape[0]
        t, iters = 0, first_walk(n, m)
        while ctx.state.best_solution is not None and not ctx.state.should_stop():
            if time.perf_counter() - start >= seconds:
                break
            x = ctx.state.best_solution
            before = float(self.p @ np.asarray(x))
            t0 = time.perf_counter()
            y = self.problem.walk(x, int(ctx.uint64_seeds(1)[0]), weights=self.weights, iters=iters,
                                  max_drop=ILS_DEPTHS[t % len(ILS_DEPTHS)])
            rate = iters / max(time.perf_counter() - t0, 1e-6)
            iters = next_walk(rate, min(ILS_WALK_S, ctx.time_left))
            t += 1
            if float(self.p @ y) > before:
                self.ils_improvements += 1
                self.offer(y)
        self.ils_s += time.perf_counter() - start
        self.ctx.state.next_iteration()

    def whole(self, limit: float, info: dict) -> bool:
        """HiGHS on every item not fixed by reduced costs, within the viable hyperplanes (exact: see
        :mod:`.hyperplane`), started from the incumbent. True when it proves the incumbent optimal."""
        from .hyperplane import cardinality_range

        need = self.need()
        free = np.sort(self.free_items())
        at_one = self.x_lp > 0.5
        in_free = np.zeros(self.p.size, dtype=bool)
        in_free[free] = True
        fixed_one = np.flatnonzero(at_one & ~in_free)
        if need is None:
            card = None
        else:
            card = cardinality_range(self.p, self.A, self.b, need, free, fixed_one)
            info["hyperplanes"] = None if card is None else [int(card[0]), int(card[1])]
            if card is None:
                return True  # no 0/1 point of the LP reaches need: the incumbent is optimal
        start = self.ctx.state.best_solution
        if start is not None and not np.array_equal(np.asarray(start)[fixed_one], np.ones(fixed_one.size)):
            start = None
        finished, _ = self._run(free, fixed_one, max(0.05, limit), None, card=card, start=start)
        return finished and need is not None

    def cores(self, frac, growth, share, node_limit, rins, until) -> bool:
        """The growing core search (module docstring, step 4) until ``until`` s of the run have passed.
        True when a sub-problem over the whole free set finished (the incumbent is optimal)."""
        ctx, n, m = self.ctx, self.p.size, self.A.shape[0]
        at_one = self.x_lp > 0.5
        c = self.c = min(n, max(m + 10, int(round(frac * n))))
        last_dt = 0.0
        # each sub-problem is sized to the time left (``sized``): the generic guard judged the next one by
        # iteration 0 (LP, first solution, imports) and ended a 1 s run on 3 items after 0.55 s, unproven
        while not ctx.state.should_stop(sized=True) and ctx.time_left > 0.05 and ctx.state.elapsed < until:
            free = self.free_items()
            if free.size == 0:
                # every item sits at its LP side in any solution better than the incumbent: that one point is
                # the only candidate (the incumbent may differ from it: a greedy start, say)
                self.offer((self.x_lp > 0.5).astype(np.int8))
                return ctx.state.best is not None
            core = np.sort(free[: min(c, free.size)])
            in_core = np.zeros(n, dtype=bool)
            in_core[core] = True
            if rins and ctx.state.best_solution is not None:
                # free items where the incumbent leaves the LP side join the core (RINS): the
                # sub-problem searches between the LP solution and the incumbent
                inc_x = np.asarray(ctx.state.best_solution, dtype=np.int8)
                in_free = np.zeros(n, dtype=bool)
                in_free[free] = True
                in_core |= in_free & ((inc_x == 1) != at_one)
                core = np.flatnonzero(in_core)
            fixed_one = np.flatnonzero(at_one & ~in_core)
            left = min(ctx.time_left, until - ctx.state.elapsed)
            timed = math.isfinite(left)
            if timed and self.ils_share > 0:
                left *= 1.0 - self.ils_share  # the MIP's part; the local search after it gets the rest
            limit = share * left if timed else 60.0
            if timed and (1.0 - share) * left < 1.5 * last_dt:
                limit = 0.9 * left  # no room for another sub-problem after this one: use it all
            finished, last_dt = self._run(core, fixed_one, limit, None if timed else node_limit)
            if not finished and timed and self.ils_share > 0:
                self.ils(min(last_dt * self.ils_share / (1.0 - self.ils_share), until - ctx.state.elapsed))
            if finished:
                if core.size >= free.size:
                    return ctx.state.best is not None  # the whole free set was searched
                c = min(n, int(math.ceil(c * growth)))
            else:
                c = min(n, int(math.ceil(c * math.sqrt(growth))))
            self.c = c
        return False
