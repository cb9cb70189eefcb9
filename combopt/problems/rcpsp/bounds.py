"""A lower bound on the makespan by destructive improvement (Klein and Scholl, EJOR 112, 1999).

A trial makespan ``T`` is *refuted* when constraint propagation on the time windows that ``T`` implies
(each task between its release and ``min(deadline, T)``) empties a window: then no schedule ends by ``T``
and ``T + 1`` is a lower bound. :func:`refuted` propagates, until nothing changes,

* precedence: earliest starts forward, latest finishes backward through the successors;
* the timetable (compulsory parts): a task whose latest start lies before its earliest finish occupies
  ``[LS, EF)`` in every schedule; the other tasks' windows shrink past the times where they do not fit beside
  those cores under the time-varying capacity (downtime included: a task that does not fit alone is pushed
  past the downtime as well);
* disjunctions: two tasks that cannot overlap (a declared disjunctive pair, or demands above a resource's base
  capacity together) and where one cannot precede the other must run the other way round;

and then checks energetic reasoning (Lopez and Esquirol; Baptiste, Le Pape and Nuijten): over intervals
``[t1, t2)`` between window ends, the work every task must do inside it (its least overlap, left- or
right-shifted) on a resource may not exceed that resource's capacity there. With shaving, each task's earliest
start (latest finish) is then tried on its own: when propagating with the task fixed there, or the energetic check
after it, refutes, that time goes.

Every rule only removes start times that no schedule of makespan at most ``T`` uses, so a refutation is a proof;
:func:`destructive_bound` gallops up from the critical-path/resource bound and bisects, each refuted ``T`` lifting
the bound to ``T + 1``, first without shaving and then with it, and keeps the best proven value when its time runs
out (every trial has a step budget from the time left; a trial out of steps proves nothing).
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

#: propagation rounds per trial makespan (each round: precedence, timetable, disjunctions)
MAX_ROUNDS = 64
#: the timetable keeps a (T, R) profile of the cores: trial makespans beyond this many cells are not tried
MAX_CELLS = 4_000_000
#: energetic reasoning scans O(n) interval starts x O(n + T) for each resource: only on projects of at most this
#: many tasks
ENERGETIC_MAX_TASKS = 400
#: what :func:`refuted` finds: no proof, a proof that no schedule ends by the trial makespan, or no proof within
#: its step budget
OPEN, REFUTED, OUT_OF_WORK = 0, 1, 2
#: propagation steps a second on one core, a low estimate (on j120 with shaving and energetic reasoning 500-980
#: million counted steps a second on a shared 2-core Xeon): a trial gets ``OPS_PER_S x`` its time
OPS_PER_S = 250_000_000
#: the least step budget of a trial (a run with no time for the bound still tries the critical-path makespan)
MIN_OPS = 200_000
#: the largest (the kernel's budget is an int64: ``time_limit=1e300`` gave an OverflowError and a traceback)
MAX_OPS = 2**62


def step_budget(seconds: float) -> int:
    """The step budget of ``seconds`` of propagation: :data:`OPS_PER_S` a second, within [MIN_OPS, MAX_OPS]."""
    ops = OPS_PER_S * seconds
    return MAX_OPS if not ops < MAX_OPS else max(int(ops), MIN_OPS)
#: start times shaved off each end of a window per pass (0: no shaving), on projects of at most SHAVE_MAX_TASKS tasks,
#: after a search without shaving (see :func:`destructive_bound`). No cap in practice: an end shaved as far as it goes
#: in one pass makes fewer passes than a few times a pass (PSPLIB j120 at 2 s: mean gap 3.34 % in 0.15 s an instance,
#: against 3.39 % in 0.34 s at 4 a pass)
SHAVE = 1_000_000
SHAVE_MAX_TASKS = 200
#: the pairwise disjunction check is O(n^2 R) to set up: only on projects of at most this many tasks, and where the
#: comparisons fit in half the bound's time at this many a second (1000 tasks x 4 resources: 0.12 s)
PAIRS_MAX_TASKS = 3000
PAIR_CELLS_PER_S = 20_000_000


@njit(cache=True)
def _clash(j, s, dur, dem, cap, core, own_lo, own_hi, ops, last):
    """A time in ``[s, s + dur_j)`` where task ``j`` does not fit beside the other tasks' compulsory parts under the
    capacity (its own core ``[own_lo, own_hi)`` left out): the last such time when ``last``, else the first; -1 when
    it fits throughout (``ops[0]`` counts the times looked at)."""
    R = dem.shape[1]
    d = dur[j]
    ops[0] += d
    for k in range(d):
        t = s + d - 1 - k if last else s + k
        for r in range(R):
            q = dem[j, r]
            if q == 0:
                continue
            used = core[t, r] - (q if own_lo <= t < own_hi else 0)
            if used + q > cap[t, r]:
                return t
    return -1


@njit(cache=True)
def _propagate(es, lf, T, dur, dem, cap, core, pred_ptr, pred_idx, succ_ptr, succ_idx, topo, pa, pb, max_rounds,
               ops):
    """Precedence, timetable and disjunctions on the windows ``es``/``lf`` (in place) until nothing changes:
    :data:`REFUTED` when a window empties, :data:`OUT_OF_WORK` once ``ops[0]`` (steps taken) passes ``ops[1]``,
    else :data:`OPEN`."""
    n = dur.size
    R = dem.shape[1]
    for _round in range(max_rounds):
        changed = False
        for k in range(n):  # precedence, forward and backward
            j = topo[k]
            for e in range(pred_ptr[j], pred_ptr[j + 1]):
                i = pred_idx[e]
                if es[i] + dur[i] > es[j]:
                    es[j] = es[i] + dur[i]
        for k in range(n - 1, -1, -1):
            i = topo[k]
            for e in range(succ_ptr[i], succ_ptr[i + 1]):
                j = succ_idx[e]
                if lf[j] - dur[j] < lf[i]:
                    lf[i] = lf[j] - dur[j]
        for j in range(n):
            if es[j] + dur[j] > lf[j]:
                return REFUTED
        core[:, :] = 0  # compulsory parts [LS, EF)
        for j in range(n):
            for t in range(lf[j] - dur[j], es[j] + dur[j]):
                for r in range(R):
                    core[t, r] += dem[j, r]
        for t in range(T):
            for r in range(R):
                if core[t, r] > cap[t, r]:
                    return REFUTED
        ops[0] += n * (R + 2) + T * R + pa.size
        if ops[0] > ops[1]:
            return OUT_OF_WORK
        for j in range(n):  # timetable: shift each window past the times where the task does not fit
            if dur[j] == 0:
                continue
            if ops[0] > ops[1]:
                return OUT_OF_WORK
            ls = lf[j] - dur[j]
            ef = es[j] + dur[j]
            s = es[j]
            while s <= ls:
                bad = _clash(j, s, dur, dem, cap, core, ls, ef, ops, True)
                if bad < 0:
                    break
                s = bad + 1
            if s > ls:
                return REFUTED
            f = lf[j]
            while f >= s + dur[j]:
                bad = _clash(j, f - dur[j], dur, dem, cap, core, ls, ef, ops, False)
                if bad < 0:
                    break
                f = bad
            if f < s + dur[j]:
                return REFUTED
            if s > es[j] or f < lf[j]:
                es[j] = s
                lf[j] = f
                changed = True
        for k in range(pa.size):  # disjunctions: one of the two first
            i = pa[k]
            j = pb[k]
            i_first = es[i] + dur[i] <= lf[j] - dur[j]
            j_first = es[j] + dur[j] <= lf[i] - dur[i]
            if not i_first and not j_first:
                return REFUTED
            if not i_first or not j_first:
                a, b = (j, i) if not i_first else (i, j)  # a must run before b
                if es[a] + dur[a] > es[b]:
                    es[b] = es[a] + dur[a]
                    changed = True
                if lf[b] - dur[b] < lf[a]:
                    lf[a] = lf[b] - dur[b]
                    changed = True
        if not changed:
            break
    for j in range(n):
        if es[j] + dur[j] > lf[j]:
            return REFUTED
    return OPEN


@njit(cache=True)
def _energy_overload(es, lf, T, dur, dem, cap, ops):
    """Energetic reasoning: :data:`REFUTED` when some resource must do more work in some ``[t1, t2)`` than its
    capacity there (:data:`OUT_OF_WORK` past the step budget ``ops``, else :data:`OPEN`).

    ``t1`` runs over the earliest and latest starts, ``t2`` over every later time. For a fixed ``t1`` a task's least
    work in ``[t1, t2)`` is ``clip(t2 - m, 0, c)`` with ``m = max(t1, LS)`` and ``c = min(p, EF - t1)``: a ramp, so the
    demand of all tasks is a sweep over the times with the slope changes at ``m`` and ``m + c``, ``O(n + T)`` for
    each ``t1`` and resource."""
    n = dur.size
    R = dem.shape[1]
    ef = es + dur
    ls = lf - dur
    starts = np.unique(np.concatenate((es, ls)))
    prefix = np.zeros(T + 1, dtype=np.int64)
    delta = np.zeros(T + 1, dtype=np.int64)
    for r in range(R):
        for t in range(T):
            prefix[t + 1] = prefix[t] + cap[t, r]
        for a in range(starts.size):
            t1 = starts[a]
            if t1 < 0 or t1 >= T:
                continue
            ops[0] += n + T - t1
            if ops[0] > ops[1]:
                return OUT_OF_WORK
            delta[t1:] = 0
            for j in range(n):
                q = dem[j, r]
                if q == 0:
                    continue
                c = min(dur[j], ef[j] - t1)
                m = max(t1, ls[j])
                if c <= 0 or m >= T:
                    continue
                delta[m] += q
                if m + c < T:
                    delta[m + c] -= q
            slope = 0
            work = 0
            for t in range(t1, T):  # work in [t1, t + 1) against the capacity there
                slope += delta[t]
                work += slope
                if work > prefix[t + 1] - prefix[t1]:
                    return REFUTED
    return OPEN


@njit(cache=True)
def refuted(T, dur, dem, cap, pred_ptr, pred_idx, succ_ptr, succ_idx, topo, release, deadline, pa, pb, energetic,
            shave, max_rounds, max_ops):
    """:data:`REFUTED` when propagation proves that no schedule ends by ``T`` (see the module documentation),
    :data:`OUT_OF_WORK` when it has taken ``max_ops`` steps without a proof (nothing is proven then), else
    :data:`OPEN`.

    ``cap`` is the (H, R) capacity profile with ``H >= T``; ``pa``/``pb`` the pairs of tasks that cannot overlap;
    ``shave``: at most this many start times shaved off each end of each window per pass (a task's earliest start is
    removed when propagating with the task fixed there empties a window; likewise its latest finish)."""
    n = dur.size
    R = dem.shape[1]
    ops = np.zeros(2, dtype=np.int64)
    ops[1] = max_ops
    es = release.copy()
    lf = np.minimum(deadline, T)
    core = np.zeros((T, R), dtype=np.int64)
    st = _propagate(es, lf, T, dur, dem, cap, core, pred_ptr, pred_idx, succ_ptr, succ_idx, topo, pa, pb, max_rounds,
                    ops)
    if st != OPEN:
        return st
    if energetic:
        st = _energy_overload(es, lf, T, dur, dem, cap, ops)
        if st != OPEN:
            return st
    while shave > 0:
        shaved = False
        for j in range(n):
            if dur[j] == 0:
                continue
            for side in range(2):
                for _k in range(shave):
                    if es[j] + dur[j] >= lf[j]:
                        break
                    e2 = es.copy()
                    l2 = lf.copy()
                    if side == 0:
                        l2[j] = es[j] + dur[j]  # j starts as early as it may
                    else:
                        e2[j] = lf[j] - dur[j]  # j ends as late as it may
                    st = _propagate(e2, l2, T, dur, dem, cap, core, pred_ptr, pred_idx, succ_ptr, succ_idx, topo,
                                    pa, pb, max_rounds, ops)
                    if st == OPEN and energetic:
                        st = _energy_overload(e2, l2, T, dur, dem, cap, ops)
                    if st == OUT_OF_WORK:
                        return st
                    if st == OPEN:
                        break
                    if side == 0:
                        es[j] += 1
                    else:
                        lf[j] -= 1
                    shaved = True
            if shaved:
                st = _propagate(es, lf, T, dur, dem, cap, core, pred_ptr, pred_idx, succ_ptr, succ_idx, topo, pa, pb,
                                max_rounds, ops)
                if st != OPEN:
                    return st
        if not shaved:
            break
        if energetic:
            st = _energy_overload(es, lf, T, dur, dem, cap, ops)
            if st != OPEN:
                return st
    return OPEN


def disjoint_pairs(problem, seconds: float = float("inf")) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of tasks (both of positive duration) that can never overlap: declared disjunctive pairs and pairs
    whose demands exceed a resource's base capacity together (only the declared pairs beyond :data:`PAIRS_MAX_TASKS`
    tasks or where the ``n^2 R`` comparisons would not fit in ``seconds``); sorted, smaller index first."""
    n = problem.n
    keys = [problem.disjunctive[:, 0] * n + problem.disjunctive[:, 1]]  # stored with the smaller index first
    if n <= PAIRS_MAX_TASKS and problem.num_resources and n * n * problem.num_resources <= PAIR_CELLS_PER_S * seconds:
        q = problem.demands
        over = np.zeros((n, n), dtype=bool)
        for r in range(problem.num_resources):
            over |= (q[:, r][:, None] + q[:, r][None, :]) > problem.capacities[r]
        a, b = np.nonzero(np.triu(over, 1))
        keys.append(a.astype(np.int64) * n + b)
    k = np.unique(np.concatenate(keys))
    a, b = k // n, k % n
    keep = (problem.durations[a] > 0) & (problem.durations[b] > 0)
    return np.ascontiguousarray(a[keep], dtype=np.int64), np.ascontiguousarray(b[keep], dtype=np.int64)


def destructive_bound(problem, start: int, seconds: float) -> tuple[int, int, bool]:
    """``(bound, trials, complete)``: the smallest makespan not refuted, found by galloping up from ``start`` (a
    proven bound) and bisecting, within about ``seconds`` (the best proven value when the time runs out, with
    ``complete`` false; ``start`` when the project is too long for the timetable's profile). The search runs without
    shaving first (cheap), then, on projects of at most :data:`SHAVE_MAX_TASKS` tasks and while time is left, again
    with shaving from where the first one stopped: more time never gives a weaker bound."""
    t0 = time.monotonic()
    horizon = int(problem.horizon)
    R = max(problem.num_resources, 1)
    top = min(horizon, MAX_CELLS // R)
    if start >= top:
        return start, 0, True
    pa, pb = disjoint_pairs(problem, seconds / 2)
    args = (problem.durations, problem.demands, problem.capacity_profile(), problem.pred_ptr, problem.pred_idx,
            problem.succ_ptr, problem.succ_idx, problem.topo, problem.release, problem.deadline, pa, pb,
            problem.n <= ENERGETIC_MAX_TASKS)
    left = seconds - (time.monotonic() - t0)
    # load the kernels before the clock starts (as models/maxcut_sdp.py does): a process's first call of cached Numba
    # kernels sets up Numba's CPU target (0.2-0.9 s); with no steps allowed the call stops after its first pass
    refuted(start, *args, 0, MAX_ROUNDS, 0)
    t_end = time.monotonic() + left
    trials = 0

    def test(T: int, shave: int) -> int:
        nonlocal trials
        trials += 1
        budget = step_budget(max(t_end - time.monotonic(), 0.0))
        return int(refuted(T, *args, shave, MAX_ROUNDS, budget))

    st = test(start, 0)
    lb, complete = _search(start, st, top, lambda T: test(T, 0), t_end)
    if complete and problem.n <= SHAVE_MAX_TASKS and SHAVE > 0 and lb < top:
        st = test(lb, SHAVE) if time.monotonic() < t_end else OUT_OF_WORK
        if st == OUT_OF_WORK:
            complete = False  # a call with more time tries again
        else:
            lb, complete = _search(lb, st, top, lambda T: test(T, SHAVE), t_end)
    return lb, trials, complete


def _search(start: int, first: int, top: int, test, t_end: float) -> tuple[int, bool]:
    """Gallop up from ``start`` (whose trial gave ``first``) and bisect: ``(bound, complete)``."""
    if first != REFUTED:
        return start, first == OPEN
    lo, step, hi = start, 1, None  # lo: refuted; hi: not refuted
    complete = True
    while time.monotonic() < t_end:
        T = min(start + step, top)
        if T <= lo:
            break
        st = test(T)
        if st == REFUTED:
            lo = T
            if T >= top:
                break
            step *= 2
        else:
            hi = T if st == OPEN else None
            complete = st == OPEN
            break
    while complete and hi is not None and hi - lo > 1 and time.monotonic() < t_end:
        mid = (lo + hi) // 2
        st = test(mid)
        if st == REFUTED:
            lo = mid
        elif st == OPEN:
            hi = mid
        else:
            complete = False
    complete = complete and ((hi is not None and hi - lo <= 1) or lo >= top)
    return lo + 1, complete


def deadline_refutation(problem, seconds: float) -> str | None:
    """A proof that no schedule meets every deadline, by the propagation of :func:`refuted` (shaving and energetic
    reasoning included, within about ``seconds`` of steps), or ``None`` (no proof either way).

    Only the tasks whose latest finish is bounded (their own deadline or one of a successor's) take part: they are
    closed under predecessors, and leaving the others out only removes constraints, so a refutation of this part
    refutes the whole. Every such task ends by the largest of those latest finishes ``T``, so "no schedule of
    makespan at most ``T``" is "no schedule at all"."""
    from .model import NO_DEADLINE, _csr

    lf = problem.latest_finishes(NO_DEADLINE)
    keep = np.flatnonzero(lf < NO_DEADLINE // 2)
    if keep.size == 0:
        return None
    T = int(lf[keep].max())
    R = max(problem.num_resources, 1)
    if T <= 0 or T > MAX_CELLS // R:
        return None
    new = np.full(problem.n, -1, dtype=np.int64)
    new[keep] = np.arange(keep.size)
    e = new[problem.edges]  # the precedences among the kept tasks, renumbered
    e = e[(e >= 0).all(axis=1)]
    succ_ptr, succ_idx = _csr(keep.size, e[:, 0], e[:, 1])
    pred_ptr, pred_idx = _csr(keep.size, e[:, 1], e[:, 0])
    topo = new[problem.topo]
    topo = topo[topo >= 0]
    pa, pb = disjoint_pairs(problem, seconds / 2)
    both = (new[pa] >= 0) & (new[pb] >= 0)
    pa, pb = np.ascontiguousarray(new[pa[both]]), np.ascontiguousarray(new[pb[both]])
    m = keep.size
    st = refuted(T, np.ascontiguousarray(problem.durations[keep]), np.ascontiguousarray(problem.demands[keep]),
                 problem.capacity_profile(T), pred_ptr, pred_idx, succ_ptr, succ_idx, np.ascontiguousarray(topo),
                 np.ascontiguousarray(problem.release[keep]), np.ascontiguousarray(problem.deadline[keep]), pa, pb,
                 m <= ENERGETIC_MAX_TASKS, SHAVE if m <= SHAVE_MAX_TASKS else 0, MAX_ROUNDS,
                 step_budget(seconds))
    if st != REFUTED:
        return None
    return (f"constraint propagation on the {m} task(s) with deadlines (their own or a successor's; precedence, "
            f"compulsory parts, pairs that cannot overlap, energetic reasoning, shaving) leaves some task no start "
            f"time: no schedule meets every deadline, all of which lie by {T}")


class AloneFits:
    """Where each task fits alone under the capacity profile (downtime): the first start ``s >= t`` with every
    resource the task uses at or above its demand throughout ``[s, s + p)``.

    A resource's profile takes few levels (its base capacity and its downtime levels), so "below demand ``q``" is
    one of few masks per resource; for each, the last bad time at or before every ``t`` is kept. A window
    ``[t, t + p)`` whose last bad time (the latest over the task's resources) is ``x >= t`` moves on to ``x + 1``, so
    a task costs the number of downtime stretches it passes, not the horizon (an O(n H R) scan took 28 s on 1,000
    tasks of a 300,000-step horizon)."""

    def __init__(self, problem):
        self.problem = problem
        self.prof = problem.capacity_profile()
        self.H = self.prof.shape[0]
        self.levels = [np.unique(self.prof[:, r]) for r in range(problem.num_resources)]
        self.last: dict[tuple[int, int], np.ndarray] = {}

    def _last_bad(self, r: int, q: int) -> np.ndarray | None:
        """The last time ``<= t`` where resource ``r`` is below ``q``, for every ``t`` (-1: none; None: never)."""
        k = int(np.searchsorted(self.levels[r], q))  # the mask depends only on how many levels lie below q
        if k == 0:
            return None
        arr = self.last.get((r, k))
        if arr is None:
            idx = np.arange(self.H, dtype=np.int64)
            arr = self.last[(r, k)] = np.maximum.accumulate(np.where(self.prof[:, r] < q, idx, -1))
        return arr

    def first(self, j: int, t: int) -> int:
        P = self.problem
        p = int(P.durations[j])
        if p == 0:
            return t
        lasts = [a for r in np.flatnonzero(P.demands[j]) if (a := self._last_bad(int(r), int(P.demands[j, r])))
                 is not None]
        while lasts and t + p <= self.H:
            x = max(int(a[t + p - 1]) for a in lasts)
            if x < t:
                return t
            t = x + 1
        return t
