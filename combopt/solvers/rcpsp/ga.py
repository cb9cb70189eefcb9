"""Activity-list genetic algorithm for RCPSP (serial SGS + forward-backward improvement).

Each individual is an activity list decoded by the serial schedule-generation
scheme and improved by double justification (:mod:`combopt.problems.rcpsp.kernels`);
the list is then rewritten in the order of the improved schedule's start times,
so the population holds justified schedules (Valls, Ballestin & Quintanilla 2005).

* initial population: one list per priority rule (LFT, LST, MTS, GRPW) plus
  regret-based biased random sampling on latest finish times, built while the
  time limit allows (a smaller population under a short limit); where the
  instance holds a witness schedule that ``evaluate`` finds feasible, the
  witness is the first incumbent and its list (tasks by start time) an individual;
* parents by binary tournament; two-point crossover (Hartmann 1998) for half
  of the children, peak crossover (Valls, Ballestin & Quintanilla 2008: the
  mother's most resource-utilised stretch, the rest from the father) for the
  other half (two-point only on instances with deadlines);
  mutation by adjacent swaps and by shifting one task within the positions its
  precedences allow; while schedules miss deadlines, a child of a late mother
  also gets a repair move: one of the mother's late tasks (late against its
  deadline propagated through its successors, with no late predecessor) moves
  with all its ancestors to an earlier list position, or a task that occupied
  its slot (shared resource or disjunctive pair) moves with all its
  descendants to just behind it;
* survivors: the best ``population`` distinct schedules of parents and children.

The budget counts generated schedules: every pass of the serial SGS is one
(a decoded child with justification costs three). Schedules that miss a
deadline are ranked behind every schedule that meets all of them, by their
total lateness, and are not justified. Decoding runs in batches with the Numba
CPU kernel, or with the Numba CUDA kernel on ``device="gpu"``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...core.stopping import AnyOf, MaxIterations
from ...problems.rcpsp.kernels import cpu_threads
from ...problems.rcpsp.model import NO_DEADLINE
from ...problems.rcpsp.sgs import priority_values, rule_lists
from ..common import bound_share, finite_float, flag, positive_int, reject_unknown, run_bound
from .decoder import BatchDecoder
from .operators import crossover_batch, mutate_batch, peak_crossover_batch, pull_earlier, push_later, sample_lists
from .sgs import bound_info, finish_info, pop_best_known

#: schedules generated when the caller sets no limit at all
DEFAULT_SCHEDULES = 10_000
#: share of the children made by peak crossover (the mother's most utilised stretch of PEAK_WIDTH x her
#: makespan, the rest from the father), the others by two-point crossover. All 600 PSPLIB j120, seed 0, mean
#: deviation from the critical-path bound: at 50,000 schedules 31.32 % with two-point crossover alone, 31.14 % with
#: half the children by peak crossover (125 instances better, 70 worse), 31.14 % with all of them; at 5,000
#: 32.93 % against 32.82 %; j30 at 5,000 (two seeds) level (gap to the optima 0.055 % against 0.065 %, 16 worse,
#: 14 better)
PEAK_SHARE = 0.5
PEAK_WIDTH = (0.2, 0.5)
#: the deadline repair that pushes blocking tasks back keeps an n x n matrix: up to this many tasks
MAX_BLOCKING_TASKS = 4000


#: population: one individual per POP_SCHEDULES x n schedules of the run (n tasks), at least POP_MIN, at
#: most POP_MAX. Side measurements, mean deviation from the critical-path bound (alternate PSPLIB instances):
#: j120 at 5,000 schedules 40 beat 80 and 160, at 50,000 240 beat 80, 160 and 340, at 200,000 600 beat 240;
#: j30 at 5,000 80 beat 40 (gap to the optima 0.05 % against 0.12 %)
POP_MIN = 40
POP_SCHEDULES = 2
POP_MAX = 1000
#: generations of a timed run before its population is sized from their rate
GROW_AFTER = 5

#: seconds of work per chunk of lists once the time per list is known (the clock is read between chunks)
CHUNK_S = 0.25
#: seconds biased random sampling spends per position of a list and eligible task there (about 100 ms a list of
#: 5,000 tasks); with the count of tasks without predecessors as the eligible count, it estimates one list
SAMPLE_SCAN_S = 3e-8
#: seconds kept free at the end of a timed run for selection, evaluation and the result
RESERVE_S = 0.05


class _Clock:
    """Splits batches of lists (sampling, decoding) into chunks that fit the time left.

    The seconds per list of each operation are measured on its first chunk (as many
    lists as there are decoding threads) and kept; later chunks hold about
    :data:`CHUNK_S` seconds of work, and no chunk is started that would pass the
    time limit, except where at least ``min_items`` lists must be done (the first
    schedules of a run).
    """

    def __init__(self, ctx: SolveContext, first_chunk: int):
        self.ctx = ctx
        self.first = max(1, first_chunk)
        self.rate: dict[str, float] = {}

    def left(self) -> float:
        return self.ctx.state.time_left - RESERVE_S

    def run(self, op: str, total: int, work, min_items: int = 0, first: int | None = None) -> int:
        """Call ``work(i0, i1)`` on consecutive ranges of ``range(total)``; returns how many were done.
        ``first``: the size of the chunk that measures the time per list (default: the decoding threads)."""
        first = self.first if first is None else max(1, first)
        done = 0
        while done < total:
            if done >= min_items and (self.ctx.state.interrupted or self.left() <= 0):
                break
            r, left = self.rate.get(op), self.left()
            if r is None:  # the first chunk measures the time per list (no limit: no need to chunk)
                c = first if math.isfinite(left) else total - done
            else:
                c = max(first, int(CHUNK_S / r))
                if math.isfinite(left) and done >= min_items:
                    c = min(c, int(left / r))
            c = min(total - done, max(c, min_items - done))
            if c <= 0:
                break
            t0 = time.perf_counter()
            work(done, done + c)
            per = (time.perf_counter() - t0) / c
            self.rate[op] = per if r is None else max(per, 0.5 * r + 0.5 * per)
            done += c
        return done


def _default_stop(ctx: SolveContext) -> bool:
    """True when the run's stopping criterion is :data:`combopt.core.stopping.DEFAULT_HEURISTIC_STOP` alone."""
    from ...core.stopping import DEFAULT_HEURISTIC_STOP

    crit = ctx.state.criterion
    mine = crit.criteria if isinstance(crit, AnyOf) else [crit]
    default = DEFAULT_HEURISTIC_STOP.criteria if isinstance(DEFAULT_HEURISTIC_STOP, AnyOf) else [DEFAULT_HEURISTIC_STOP]
    return len(mine) == len(default) and all(any(a is b for b in default) for a in mine)


class _Population:
    """Lists, schedules and fitness of the individuals, kept sorted best first."""

    def __init__(self, problem, lists, starts, info, lf_eff=None):
        self.problem = problem
        self.big = np.int64(problem.horizon + 1)
        self.lf_eff = lf_eff
        self.lists = lists
        self.starts = starts
        self.info = info
        self.fit = self.fitness(starts, info)

    def fitness(self, starts, info) -> np.ndarray:
        """Makespan, behind every schedule that meets its deadlines by the lateness.

        Lateness is measured against the deadlines propagated through the
        successors (zero exactly when every deadline is met), which also counts
        the predecessors that make a task late.
        """
        mk = info[:, 0].astype(np.int64)
        late = info[:, 1]
        if self.lf_eff is not None:
            fin = starts.astype(np.int64) + self.problem.durations[None, :]
            late = np.maximum(fin - self.lf_eff[None, :], 0).sum(axis=1)
        f = mk + self.big * late
        f[mk < 0] = np.iinfo(np.int64).max // 4
        return f


def canonical_lists(problem, starts: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """Lists re-ordered by the start times of their schedules (ties: topological rank)."""
    ok = starts[:, 0] >= 0
    out = lists.copy()
    if ok.any():
        S = starts[ok].astype(np.int64) * (problem.n + 1) + problem.topo_rank[None, :]
        out[ok] = np.argsort(S, axis=1, kind="stable").astype(np.int32)
    return out


def _hashes(lists: np.ndarray, weights: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return (lists.astype(np.uint64) * weights[None, :]).sum(axis=1)


@register_solver(
    "rcpsp-ga",
    problems=("rcpsp",),
    devices=("cpu", "gpu"),
    default_for=("rcpsp",),
    description="activity-list GA with serial SGS and forward-backward improvement; batched decoding "
                "(Numba CPU / CUDA)",
    params=("population", "children", "mutation", "shift", "peak", "alpha", "fbi", "stop_at_bound", "restart_after",
            "schedules", "best_known"),
)
def rcpsp_ga(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters
    ----------
    schedules
        Budget of generated schedules (SGS passes). When the caller gives no
        stopping criterion at all, the run stops after ``schedules`` (default
        10,000) schedules; otherwise the criteria given (time limit, target,
        iterations = generations) apply as well.
    population
        Individuals kept per generation (default: one per ``2 n`` schedules of the run on ``n``
        tasks, between 40 and 1000: from the ``schedules`` budget, or in a timed run from the schedules per second
        of its generations, measured after 5, 10, 20, ... of them).
    children
        Children per generation (default: the population size).
    mutation
        Probability of each adjacent swap (default 0.05).
    shift
        Probability that a child gets a shift mutation (default 1).
    peak
        Share of the children made by peak crossover instead of two-point crossover (default
        :data:`PEAK_SHARE`; 0 on instances with deadlines, where the GA is as before).
    fbi
        Forward-backward improvement of every decoded list (default true).
    alpha
        Bias of the regret-based sampling of initial lists (default 1).
    stop_at_bound
        Stop once the makespan equals the lower bound (default true).
    restart_after
        While no schedule meets every deadline: after this many generations
        without progress, keep the best individual and sample the rest anew
        (default 10).
    best_known
        A makespan to report the gap to (default: the instance's own best known value).
    """
    n = problem.n
    pop_given, lam_given = "population" in params, "children" in params
    pop_size = positive_int(params, "population", POP_MIN)
    lam = positive_int(params, "children", POP_MIN)
    pm = finite_float(params, "mutation", 0.05, 0.0, 1.0)
    pshift = finite_float(params, "shift", 1.0, 0.0, 1.0)
    peak_given = params.get("peak") is not None
    ppeak = finite_float(params, "peak", PEAK_SHARE, 0.0, 1.0)
    alpha = finite_float(params, "alpha", 1.0, 0.0, 50.0)
    fbi = flag(params, "fbi", True)
    stop_at_bound = flag(params, "stop_at_bound", True)
    restart_after = positive_int(params, "restart_after", 10)
    budget = params.pop("schedules", None)
    if budget is not None:
        budget = positive_int({"schedules": budget}, "schedules", 1)
    best_known = pop_best_known(params, problem)
    reject_unknown(params, "rcpsp-ga")
    if peak_given and ppeak > 0.0 and np.any(problem.deadline < NO_DEADLINE):  # (was set to 0 without a word)
        raise ParameterError(f"parameter peak (peak crossover) does not apply to an instance with deadlines, whose "
                             f"children the late-task repairs steer; got peak={ppeak:g}")
    if _default_stop(ctx):
        # no limit given by the caller: a budget of schedules, not the generic "10 iterations without improvement"
        budget = DEFAULT_SCHEDULES if budget is None else budget
        ctx.state.criterion = MaxIterations(10**12)
    if not pop_given and budget is not None:
        pop_size = _population_for(budget, n)
    if not lam_given:
        lam = pop_size

    rng = ctx.rng
    decoder = BatchDecoder(problem, ctx.device)
    arr = problem.kernel_arrays()
    lb = run_bound(problem, ctx)
    per_child = 3 if fbi else 1
    has_deadlines = bool(np.any(problem.deadline < NO_DEADLINE))
    if has_deadlines:
        ppeak = 0.0  # with deadlines the late-task repairs steer the children; peak crossover was measured without
    lf_eff = problem.latest_finishes(problem.horizon) if has_deadlines else None  # deadlines through successors
    pred_of = blocking = es_static = None
    if has_deadlines:
        e = problem.edges
        # (pred_of @ X)[j] sums X over the predecessors of j
        pred_of = sp.csr_matrix((np.ones(len(e), dtype=np.int32), (e[:, 1], e[:, 0])), shape=(n, n))
        es_static = problem.earliest_starts()
        if n <= MAX_BLOCKING_TASKS:
            blocking = _blocking_matrix(problem)
    used = 0
    weights = rng.integers(1, 2**63 - 1, size=n, dtype=np.int64).astype(np.uint64) | np.uint64(1)

    def room(k: int) -> int:
        """How many lists may be decoded now without passing the budget."""
        if budget is None:
            return k
        return max(0, min(k, (budget - used) // per_child))

    def decode(lists):
        nonlocal used
        starts, info = decoder.decode(lists, fbi)
        used += int(info[:, 2].sum())
        return canonical_lists(problem, starts, lists), starts, info

    clock = _Clock(ctx, 4096 if ctx.device == "gpu" else cpu_threads())

    def decode_timed(lists, min_items: int = 0):
        """:func:`decode` of the lists, chunk by chunk while the time lasts (a prefix of them)."""
        parts = []
        clock.run("decode", len(lists), lambda i0, i1: parts.append(decode(lists[i0:i1])), min_items)
        return _join(parts, n)

    def sample_timed(prio, seeds, a, min_items: int = 0):
        """Biased random lists, sampled and decoded chunk by chunk while the time lasts."""
        parts = []

        def work(i0, i1):
            lists = np.zeros((i1 - i0, n), dtype=np.int32)
            sample_lists(prio, arr["pred_ptr"], arr["pred_idx"], arr["succ_ptr"], arr["succ_idx"], seeds[i0:i1], a,
                         lists)
            parts.append(decode(lists))

        clock.run("sample", len(seeds), work, min_items, first=1)
        return _join(parts, n)

    best_fit = None

    def offer(pop: _Population) -> None:
        nonlocal best_fit
        i = 0  # the population is sorted
        f = int(pop.fit[i])
        if pop.info[i, 0] < 0 or (best_fit is not None and f >= best_fit):
            return
        best_fit = f
        sched = pop.starts[i].astype(np.int64)
        ev = problem.evaluate(sched)
        if ev.feasible:
            ctx.state.report(ev.objective, sched)
        elif ctx.state.best is None:
            ctx.state.best_solution = sched  # no feasible schedule yet: keep the least late one

    # a proof that no schedule meets every window: the initial population still shows the least late schedule
    proof = problem.infeasibility_proof(bound_share(ctx)) if has_deadlines else None

    # ---- initial population: the priority rules and biased random sampling, built while the time lasts
    # (at least one schedule; on a large instance under a short limit the population is smaller)
    rules = rule_lists(problem)
    seed_list = _witness_list(problem, ctx)
    if seed_list is not None:  # the file's witness schedule, in the order of its start times, is an individual
        rules = np.concatenate([seed_list[None, :], rules])
    if budget is not None and budget < per_child:  # too small a budget for justification: plain SGS
        fbi, per_child = False, 1
    nr = max(1, room(len(rules)))
    first = decode_timed(rules[:nr], min_items=1)
    prio = priority_values(problem, "lft")
    k = room(max(pop_size, 2 * pop_size - len(rules)))
    # biased sampling scans the eligible tasks at every position of a list: one list of 200,000 independent tasks
    # took minutes (a 5 s run had not ended after 110 s); where one list would not fit half the time left, the
    # population starts from the priority rules alone
    sources = int(np.count_nonzero(np.diff(arr["pred_ptr"]) == 0))
    if k > 0 and n * max(sources, 1) * SAMPLE_SCAN_S > 0.5 * clock.left():
        k = 0
    more = sample_timed(prio, ctx.uint64_seeds(k), alpha) if k > 0 else None
    cap = min(nr, len(rules)) + k  # lists planned for the initial population
    lists, starts, info = _join([first, more], n)
    init_built = len(lists)
    pop = _Population(problem, lists, starts, info, lf_eff)
    _select(pop, pop_size, weights, rng)
    offer(pop)
    ctx.state.next_iteration()
    # the initial population is set-up: the first generation is not judged by its time (a generation's decoding
    # stops at the limit by itself); on 1,000 tasks at -t 2 the run stopped after 1.2 s without one generation
    ctx.state.last_iteration_time = 0.0

    generations = 0
    restarts = 0
    # a timed run without a schedule budget sizes its population after GROW_AFTER generations, from the
    # schedules per second they took, and again after 2x, 4x, ... as many (it only grows, through the
    # survivors of the next generations)
    grow = not pop_given and budget is None and math.isfinite(clock.left())
    loop_t0, loop_used, next_size = time.perf_counter(), used, GROW_AFTER
    stalled = 0
    last_best = int(pop.fit[0])
    while proof is None and not ctx.state.should_stop():
        if stop_at_bound and ctx.state.best is not None and ctx.state.best <= lb:
            break
        m = room(lam)
        if m == 0:
            break
        P = len(pop.fit)
        # binary tournaments on rank (the population is sorted best first)
        a = rng.integers(0, P, size=(m, 2))
        mothers = a.min(axis=1)
        b = rng.integers(0, P, size=(m, 2))
        fathers = b.min(axis=1)
        cuts = np.sort(rng.integers(0, n + 1, size=(m, 2)), axis=1)
        children = np.empty((m, n), dtype=np.int32)
        crossover_batch(pop.lists, mothers.astype(np.int64), fathers.astype(np.int64), cuts[:, 0].astype(np.int64),
                        cuts[:, 1].astype(np.int64), children)
        if ppeak > 0.0:
            peak = np.flatnonzero(rng.random(m) < ppeak)
            if peak.size:
                sub_children = np.empty((peak.size, n), dtype=np.int32)
                widths = rng.uniform(PEAK_WIDTH[0], PEAK_WIDTH[1], peak.size)
                peak_crossover_batch(pop.lists, pop.starts, mothers[peak].astype(np.int64),
                                     fathers[peak].astype(np.int64), widths, arr["dur"], arr["dem"], arr["cap"],
                                     sub_children)
                children[peak] = sub_children
        u = rng.random((m, n))
        shift_u = np.where(rng.random(m) < pshift, rng.random(m), -1.0)
        shift_pos = rng.integers(0, n, size=m).astype(np.int64)
        mutate_batch(children, u, pm, shift_u, shift_pos, arr["pred_ptr"], arr["pred_idx"], arr["succ_ptr"],
                     arr["succ_idx"])
        if has_deadlines and np.any(pop.info[mothers, 1] > 0):
            # repair: a task of a late mother that finishes after its deadline (propagated through its
            # successors) and has no such late predecessor (a first cause) moves up the list, its
            # ancestors with it
            late = (pop.starts[mothers].astype(np.int64) + problem.durations[None, :] > lf_eff[None, :])
            late &= (pop.info[mothers, 1] > 0)[:, None]
            late &= ~(np.asarray(pred_of @ late.T.astype(np.int32)).T > 0)
            pick = np.where(late, rng.random(late.shape), -1.0)
            tasks = np.where(late.any(axis=1), np.argmax(pick, axis=1), -1).astype(np.int64)
            # half of the repairs push a task that occupies the late task's slot (shares a resource with
            # it or is its disjunctive partner, and is neither its ancestor nor its descendant) behind it
            blockers = np.full(m, -1, dtype=np.int64)
            if blocking is not None:
                rows = np.flatnonzero((tasks >= 0) & (rng.random(m) < 0.5))
                if rows.size:
                    j = tasks[rows]
                    S = pop.starts[mothers[rows]].astype(np.int64)
                    F = S + problem.durations[None, :]
                    lo, hi = np.maximum(es_static[j], problem.release[j]), lf_eff[j]
                    cand = blocking[j] & (S < hi[:, None]) & (F > lo[:, None]) & (problem.durations[None, :] > 0)
                    pick = np.where(cand, rng.random(cand.shape), -1.0)
                    got = cand.any(axis=1)
                    blockers[rows[got]] = np.argmax(pick[got], axis=1)
                    tasks[rows[got]] = -1  # these children get the push instead of the pull
                    push_later(children, blockers, np.where(blockers >= 0, _scatter_rows(rows, j, m), -1),
                               arr["succ_ptr"], arr["succ_idx"])
            u_dest = np.where(rng.random(m) < 0.5, 0.0, rng.random(m))  # half of the moves go as far as possible
            pull_earlier(children, tasks, u_dest, arr["pred_ptr"], arr["pred_idx"])
        clists, cstarts, cinfo = decode_timed(children)
        pop.lists = np.concatenate([pop.lists, clists])
        pop.starts = np.concatenate([pop.starts, cstarts])
        pop.info = np.concatenate([pop.info, cinfo])
        pop.fit = np.concatenate([pop.fit, pop.fitness(cstarts, cinfo)])
        _select(pop, pop_size, weights, rng)
        offer(pop)
        generations += 1
        if grow and generations == next_size:
            # larger generations decode faster per schedule: sized again after twice as many generations
            next_size *= 2
            rate = (used - loop_used) / max(time.perf_counter() - loop_t0, 1e-9)
            loop_t0, loop_used = time.perf_counter(), used
            pop_size = max(pop_size, _population_for(used + rate * max(clock.left(), 0.0), n))
            grow = pop_size < POP_MAX
            if not lam_given:
                lam = pop_size
        if pop.fit[0] < last_best:
            last_best, stalled = int(pop.fit[0]), 0
        else:
            stalled += 1
        if has_deadlines and pop.info[0, 1] > 0 and stalled >= restart_after:
            # no schedule meets the deadlines and the search is stuck: keep the best, sample the rest anew
            k = room(pop_size - 1)
            if k > 0:
                prio = priority_values(problem, "lst" if restarts % 2 == 0 else "lft")
                seeds = ctx.uint64_seeds(k)
                flists, fstarts, finfo = sample_timed(prio, seeds, float(rng.uniform(0.0, 2.0)))
            if k > 0 and len(flists):  # (none when the time ran out: the population stays as it is)
                pop.lists = np.concatenate([pop.lists[:1], flists])
                pop.starts = np.concatenate([pop.starts[:1], fstarts])
                pop.info = np.concatenate([pop.info[:1], finfo])
                pop.fit = np.concatenate([pop.fit[:1], pop.fitness(fstarts, finfo)])
                _select(pop, pop_size, weights, rng)
                offer(pop)
                restarts += 1
            stalled = 0
        ctx.state.next_iteration()

    info_out = bound_info(problem, best_known)
    info_out.update({"schedules": used, "generations": generations, "population": pop_size, "children": lam,
                     "fbi": fbi, "device": ctx.device, "sampled_lists": 0 if more is None else len(more[0])})
    if restarts:
        info_out["restarts"] = restarts
    if init_built < cap:  # the time limit came while the initial population was built
        info_out["initial_lists"] = f"{init_built} of {cap} (time limit)"
    if ctx.state.best is None and pop.info[0, 0] >= 0:
        info_out["total_lateness"] = int(pop.info[0, 1])
    if proof is not None:
        info_out["infeasibility"] = proof  # why no schedule exists
    elif ctx.state.best is None:
        info_out["no_feasible_schedule"] = ("none found that meets every constraint (and no proof that none "
                                            "exists); the schedule shown is the least late one found")
    return SolverOutput(bound=None if proof is not None else lb, infeasible=proof is not None,
                        info=finish_info(problem, info_out, ctx.state.best))


def _population_for(schedules: float, n: int) -> int:
    """Population size for a run of ``schedules`` schedules on ``n`` tasks: one individual per
    ``POP_SCHEDULES * n`` schedules, between :data:`POP_MIN` and :data:`POP_MAX`."""
    return int(min(POP_MAX, max(POP_MIN, schedules // (POP_SCHEDULES * max(n, 1)))))


def _witness_list(problem, ctx: SolveContext) -> np.ndarray | None:
    """The activity list of the instance's witness schedule (``None`` without one, or when it is infeasible).

    The witness itself is offered as an incumbent once the problem's ``evaluate`` finds it feasible."""
    w = getattr(problem, "witness", None)
    if w is None:
        return None
    w = np.asarray(w, dtype=np.int64)
    ev = problem.evaluate(w)
    if not ev.feasible:
        return None
    ctx.state.report(ev.objective, w.copy())
    return np.argsort(w * (problem.n + 1) + problem.topo_rank, kind="stable").astype(np.int32)


def _join(parts, n: int):
    """Concatenate ``(lists, starts, info)`` triples (``None`` entries skipped)."""
    parts = [p for p in parts if p is not None and len(p[0])]
    if not parts:
        return (np.zeros((0, n), dtype=np.int32), np.zeros((0, n), dtype=np.int32),
                np.zeros((0, 3), dtype=np.int64))
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))


def _scatter_rows(rows: np.ndarray, j: np.ndarray, m: int) -> np.ndarray:
    """Scatter the late task ``j[k]`` of child ``rows[k]`` into a length-``m`` array (-1 elsewhere)."""
    out = np.full(m, -1, dtype=np.int64)
    out[rows] = j
    return out


def _blocking_matrix(problem) -> np.ndarray:
    """``B[j, k]``: task ``k`` can keep task ``j`` from starting (a shared resource or a disjunctive pair)
    and is neither an ancestor nor a descendant of ``j``."""
    n = problem.n
    q = (problem.demands > 0).astype(np.int32)
    B = (q @ q.T) > 0
    if len(problem.disjunctive):
        a, b = problem.disjunctive[:, 0], problem.disjunctive[:, 1]
        B[a, b] = True
        B[b, a] = True
    reach = np.zeros((n, n), dtype=bool)  # reach[i, j]: a path i -> j
    for j in problem.topo[::-1]:
        for k in range(problem.succ_ptr[j], problem.succ_ptr[j + 1]):
            s = problem.succ_idx[k]
            reach[j, s] = True
            reach[j] |= reach[s]
    B &= ~reach & ~reach.T
    np.fill_diagonal(B, False)
    return B


def _select(pop: _Population, size: int, weights: np.ndarray, rng: np.random.Generator) -> None:
    """Keep the best ``size`` distinct individuals, best first (random order among equals)."""
    h = _hashes(pop.lists, weights)
    order = np.lexsort((rng.random(len(pop.fit)), pop.fit))
    _, first = np.unique(h[order], return_index=True)
    keep = order[np.sort(first)][:size]
    pop.lists = pop.lists[keep]
    pop.starts = pop.starts[keep]
    pop.info = pop.info[keep]
    pop.fit = pop.fit[keep]
