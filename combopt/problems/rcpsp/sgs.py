"""Schedule-generation schemes and priority rules for RCPSP.

* :class:`CpuDecoder`: serial SGS (+ forward-backward improvement) of many
  activity lists at once with the Numba kernel (the solvers' ``BatchDecoder`` and
  ``serial_sgs`` in combopt.solvers.rcpsp.decoder add the CUDA kernel). The serial SGS
  gives earliest feasible starts: an *active* schedule; some list yields an optimum.
* :func:`parallel_sgs`: the time-incrementing scheme (non-delay schedules).
* :func:`priority_values`, :func:`priority_list`: the LFT, LST, MTS and GRPW rules.

Both schemes respect precedence, releases, the time-varying capacity of every
resource (downtime) over each task's whole duration, and disjunctive pairs, by
construction. Deadlines cannot be guaranteed by any single pass (deciding
whether a schedule meeting them exists is NP-complete): LFT and LST compute
their priorities from the deadlines, which makes misses rare, and a schedule
that misses one is reported infeasible with the windows it violates.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from ...core.errors import ParameterError
from ...core.warm import KernelsCold
from .kernels import INFO_COLUMNS, decode_batch_cpu, decode_batch_serial

RULES = ("lft", "lst", "mts", "grpw")
SCHEMES = ("serial", "parallel")
#: largest int32 workspace (elements) one decode call may allocate
MAX_WORKSPACE = 256 * 1024 * 1024
#: above this many tasks the ``mts`` rule counts successors along arcs instead of exactly (:func:`_total_successors`)
EXACT_SUCCESSORS_TASKS = 20_000
#: batches with fewer lists x tasks than this are decoded on one thread (a parallel region costs
#: more than it saves on small batches, and much more on a loaded machine)
PARALLEL_MIN_WORK = 20_000


class CpuDecoder:
    """Decode batches of activity lists of one problem on the CPU (serial SGS + justification).

    Workspaces are kept between calls; the time-indexed usage workspace is
    ``(batch, H, R)`` int32 where ``H`` is the problem's safe horizon. With
    ``threads`` (default) large batches are decoded on all Numba threads. The solvers use
    :class:`combopt.solvers.rcpsp.decoder.BatchDecoder`, which adds the GPU path.
    """

    def __init__(self, problem, threads: bool = True):
        self.problem = problem
        self.device = "cpu"
        self.arrays = problem.kernel_arrays()
        self.n = problem.n
        self.H, self.R = self.arrays["cap"].shape
        per_list = max(1, self.H * max(self.R, 1))
        self.max_batch = max(1, MAX_WORKSPACE // per_list)
        self._ws: dict | None = None
        self.threads = threads

    def _workspace(self, B: int) -> dict:
        if self._ws is None or self._ws["usage"].shape[0] < B:
            n = self.n
            self._ws = {
                "usage": np.zeros((B, self.H, self.R), dtype=np.int32),
                "st": np.zeros((B, n), dtype=np.int32),
                "st2": np.zeros((B, n), dtype=np.int32),
                "lst": np.zeros((B, n), dtype=np.int32),
                "key": np.zeros((B, n), dtype=np.int64),
            }
        return self._ws

    def decode(self, lists: np.ndarray, fbi: bool | int = True) -> tuple[np.ndarray, np.ndarray]:
        """Schedules of the activity lists (rows of ``lists``).

        ``fbi``: ``True`` justifies every schedule that meets its deadlines,
        ``False`` none; an integer justifies those whose first-pass makespan is at
        most that value.

        Returns
        -------
        starts : (B, n) int32
            Start times (-1 rows: the list could not be decoded).
        info : (B, 3) int64
            Makespan, total lateness past deadlines, passes run (generated schedules).
        """
        lists = np.ascontiguousarray(lists, dtype=np.int32)
        if lists.ndim != 2 or lists.shape[1] != self.n:
            raise ParameterError(f"activity lists must have shape (B, {self.n})")
        B = lists.shape[0]
        limit = fbi_limit(fbi)
        starts = np.empty((B, self.n), dtype=np.int32)
        info = np.zeros((B, INFO_COLUMNS), dtype=np.int64)
        if B == 0:
            return starts, info
        self._decode(lists, limit, starts, info)
        return starts, info

    def _decode(self, lists, limit, starts, info) -> None:
        B = lists.shape[0]
        a = self.arrays
        for lo in range(0, B, self.max_batch):
            hi = min(B, lo + self.max_batch)
            ws = self._workspace(hi - lo)
            fn = decode_batch_cpu if (self.threads and (hi - lo) * self.n >= PARALLEL_MIN_WORK) else decode_batch_serial
            fn(lists[lo:hi], a["dur"], a["dem"], a["cap"], a["pred_ptr"], a["pred_idx"], a["succ_ptr"],
                             a["succ_idx"], a["disj_ptr"], a["disj_idx"], a["release"], a["deadline"], a["rank"],
                             limit, ws["usage"], ws["st"], ws["st2"], ws["lst"], ws["key"], starts[lo:hi],
                             info[lo:hi])


def fbi_limit(fbi: bool | int) -> int:
    """The decoders' ``fbi`` argument: justify schedules with a first-pass makespan up to this."""
    if fbi is True:
        return 2**62
    if fbi is False or fbi is None:
        return -1
    return int(fbi)


def check_activity_list(problem, order) -> np.ndarray:
    """``order`` as an int32 permutation in which every task follows its predecessors."""
    a = np.asarray(order)
    if a.shape != (problem.n,) or not np.issubdtype(a.dtype, np.integer):
        raise ParameterError(f"an activity list is a permutation of the {problem.n} task indices")
    a = a.astype(np.int64)
    if np.any(np.sort(a) != np.arange(problem.n)):
        raise ParameterError("an activity list must contain every task index exactly once")
    pos = np.empty(problem.n, dtype=np.int64)
    pos[a] = np.arange(problem.n)
    e = problem.edges
    bad = np.flatnonzero(pos[e[:, 0]] > pos[e[:, 1]]) if len(e) else []
    if len(bad):
        i, j = e[bad[0]]
        raise ParameterError(f"activity list puts task {problem.names[j]} before its predecessor {problem.names[i]}")
    return a.astype(np.int32)


def parallel_sgs(problem, priority) -> np.ndarray:
    """Parallel (time-incrementing) SGS: at each decision time, start the eligible
    tasks in priority order (smaller value first) whenever they fit.

    A task is eligible at ``t`` when its predecessors have finished and its
    release has passed; it fits when the capacity left during its whole
    duration covers its demands and no disjunctive partner overlaps it.
    Decision times are finish times, releases and capacity changes. Compiled
    (:func:`_parallel_sgs`): O(n) per decision time, at most about ``2 n`` of them
    plus the capacity changes (3,000 tasks: 0.05 s; the former numpy pass took
    40 s). A time-limited run on a cold cache, which may not compile (see
    :mod:`combopt.core.warm`), runs the same function as Python.
    """
    P = problem
    n = P.n
    prio = np.asarray(priority, dtype=np.float64)
    order = np.lexsort((np.arange(n), prio)).astype(np.int64)
    cap = P.capacity_profile()
    H = cap.shape[0]
    marks = np.zeros(H + 1, dtype=np.bool_)  # decision times known from the start
    for d in P.downtime:
        for v in (d.start, d.end):
            if 0 <= v <= H:
                marks[v] = True
    rel = P.release.astype(np.int64)
    marks[rel[(rel > 0) & (rel <= H)]] = True
    args = (order, np.ascontiguousarray(cap, dtype=np.int64), P.durations.astype(np.int64), P.demands.astype(np.int64),
            P.pred_ptr.astype(np.int64), P.succ_ptr.astype(np.int64), P.succ_idx.astype(np.int64),
            P.disj_ptr.astype(np.int64), P.disj_idx.astype(np.int64), rel, marks)
    try:
        start = _parallel_sgs(*args)
    except KernelsCold:  # a time-limited run on a cold cache (the quick construction): the same code as Python
        start = _parallel_sgs.py_func(*args)
    if np.any(start < 0):
        raise ParameterError("parallel SGS ran past the instance's time axis")
    return start


@njit(cache=True)
def _parallel_sgs(order, cap, dur, dem, pred_ptr, succ_ptr, succ_idx, disj_ptr, disj_idx, release, marks):
    """:func:`parallel_sgs`'s passes: ``order`` the tasks by priority, ``marks`` the decision times known ahead
    (releases, capacity changes; finish times are added as tasks start). Starts, -1 where a task would run past the
    time axis."""
    n = dur.size
    H = cap.shape[0]
    R = dem.shape[1]
    usage = np.zeros((H, R), dtype=np.int64)
    start = np.full(n, -1, dtype=np.int64)
    npred = np.empty(n, dtype=np.int64)
    for j in range(n):
        npred[j] = pred_ptr[j + 1] - pred_ptr[j]
    ready = release.copy()  # max(release, finish of the predecessors)
    elig = np.zeros(n, dtype=np.bool_)
    t = 0
    left = n
    while left > 0:
        progress = True
        while progress:
            progress = False
            for j in range(n):  # eligible now: all predecessors started (and finished by t), release passed
                elig[j] = start[j] < 0 and npred[j] == 0 and ready[j] <= t
            for k in range(n):
                j = order[k]
                if not elig[j]:
                    continue
                pj = dur[j]
                if t + pj > H:
                    return np.full(n, -1, dtype=np.int64)
                if pj > 0:
                    fits = True
                    for u in range(t, t + pj):
                        for r in range(R):
                            if usage[u, r] + dem[j, r] > cap[u, r]:
                                fits = False
                                break
                        if not fits:
                            break
                    if not fits:
                        continue
                    for e in range(disj_ptr[j], disj_ptr[j + 1]):
                        m = disj_idx[e]
                        if start[m] >= 0 and dur[m] > 0 and t < start[m] + dur[m] and start[m] < t + pj:
                            fits = False
                            break
                    if not fits:
                        continue
                    for u in range(t, t + pj):
                        for r in range(R):
                            usage[u, r] += dem[j, r]
                start[j] = t
                left -= 1
                progress = True
                marks[t + pj] = True
                for e in range(succ_ptr[j], succ_ptr[j + 1]):
                    s = succ_idx[e]
                    if ready[s] < t + pj:
                        ready[s] = t + pj
                    npred[s] -= 1
        if left == 0:
            break
        u = t + 1  # the next decision time
        while u <= H and not marks[u]:
            u += 1
        t = u if u <= H else t + 1
    return start


def _total_successors(problem) -> np.ndarray:
    """Number of (transitive) successors of each task: exact (bit sets) up to :data:`EXACT_SUCCESSORS_TASKS` tasks;
    above, each task's successors counted along its arcs (a successor reached by several paths counts once per
    path), at most ``n - 1``: the bit sets grow as ``n^2`` (200,000 tasks took 340 s and 5.6 GB in a 5 s run)."""
    n = problem.n
    succ_ptr, succ_idx = problem.succ_ptr.tolist(), problem.succ_idx.tolist()
    if n > EXACT_SUCCESSORS_TASKS:
        count = [0] * n
        for j in problem.topo[::-1].tolist():
            count[j] = min(n - 1, sum(count[s] + 1 for s in succ_idx[succ_ptr[j]:succ_ptr[j + 1]]))
        return np.array(count, dtype=np.int64)
    reach = [0] * n
    for j in problem.topo[::-1].tolist():
        bits = 0
        for s in succ_idx[succ_ptr[j]:succ_ptr[j + 1]]:
            bits |= reach[s] | (1 << s)
        reach[j] = bits
    return np.array([b.bit_count() for b in reach], dtype=np.int64)


def priority_values(problem, rule: str, horizon: int | None = None) -> np.ndarray:
    """Priority of each task under ``rule`` (smaller value = scheduled first).

    ``lft``: latest finish time, ``lst``: latest start time (both from a backward
    pass from ``horizon`` and the deadlines), ``mts``: most total successors,
    ``grpw``: greatest rank positional weight (own duration plus the durations
    of the immediate successors).
    """
    rule = rule.lower()
    P = problem
    if rule in ("lft", "lst"):
        lf = P.latest_finishes(P.horizon if horizon is None else int(horizon)).astype(np.float64)
        return lf if rule == "lft" else lf - P.durations
    if rule == "mts":
        return -_total_successors(P).astype(np.float64)
    if rule == "grpw":
        w = P.durations.astype(np.float64).copy()
        for j in range(P.n):
            w[j] += P.durations[P.succ_idx[P.succ_ptr[j]:P.succ_ptr[j + 1]]].sum()
        return -w
    raise ParameterError(f"unknown priority rule {rule!r}; expected one of {', '.join(RULES)}")


def priority_list(problem, priority) -> np.ndarray:
    """Activity list: repeatedly the eligible task of smallest priority value (ties: lower index)."""
    P = problem
    prio = np.asarray(priority, dtype=np.float64)
    npred = np.diff(P.pred_ptr).astype(np.int64)
    heap = [(prio[j], j) for j in range(P.n) if npred[j] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, j = heapq.heappop(heap)
        out.append(j)
        for k in range(P.succ_ptr[j], P.succ_ptr[j + 1]):
            s = int(P.succ_idx[k])
            npred[s] -= 1
            if npred[s] == 0:
                heapq.heappush(heap, (prio[s], s))
    return np.array(out, dtype=np.int32)


def rule_lists(problem, rules=RULES) -> np.ndarray:
    """One activity list per priority rule (rows)."""
    return np.stack([priority_list(problem, priority_values(problem, r)) for r in rules])
