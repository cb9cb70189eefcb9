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

from ...core.errors import ParameterError
from .kernels import INFO_COLUMNS, decode_batch_cpu, decode_batch_serial

RULES = ("lft", "lst", "mts", "grpw")
SCHEMES = ("serial", "parallel")
#: largest int32 workspace (elements) one decode call may allocate
MAX_WORKSPACE = 256 * 1024 * 1024
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
    Decision times are finish times, releases and capacity changes.
    """
    P = problem
    n = P.n
    prio = np.asarray(priority, dtype=np.float64)
    order_key = np.lexsort((np.arange(n), prio))
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order_key] = np.arange(n)
    cap = P.capacity_profile().astype(np.int64)
    H = cap.shape[0]
    usage = np.zeros_like(cap)
    p = P.durations
    q = P.demands
    start = np.full(n, -1, dtype=np.int64)
    npred = np.diff(P.pred_ptr).astype(np.int64)
    ready_at = P.release.astype(np.int64).copy()  # max(release, finish of predecessors)
    waiting = [j for j in range(n) if npred[j] == 0]  # all predecessors scheduled
    change_pts = sorted({d.start for d in P.downtime} | {d.end for d in P.downtime})
    events: list[int] = list(change_pts) + [int(v) for v in P.release if v > 0]
    heapq.heapify(events)
    t = 0
    left = n
    while left:
        progress = True
        while progress:
            progress = False
            elig = sorted((j for j in waiting if ready_at[j] <= t), key=lambda j: rank_of[j])
            for j in elig:
                pj = int(p[j])
                if t + pj > H:
                    raise ParameterError("parallel SGS ran past the instance's time axis")
                if pj > 0:
                    if np.any(usage[t:t + pj] + q[j][None, :] > cap[t:t + pj]):
                        continue
                    clash = False
                    for e in range(P.disj_ptr[j], P.disj_ptr[j + 1]):
                        m = P.disj_idx[e]
                        if start[m] >= 0 and p[m] > 0 and t < start[m] + p[m] and start[m] < t + pj:
                            clash = True
                            break
                    if clash:
                        continue
                    usage[t:t + pj] += q[j][None, :]
                start[j] = t
                waiting.remove(j)
                left -= 1
                progress = True
                heapq.heappush(events, t + pj)
                for e in range(P.succ_ptr[j], P.succ_ptr[j + 1]):
                    s = P.succ_idx[e]
                    ready_at[s] = max(ready_at[s], t + pj)
                    npred[s] -= 1
                    if npred[s] == 0:
                        waiting.append(int(s))
        if not left:
            break
        while events and events[0] <= t:
            heapq.heappop(events)
        t = heapq.heappop(events) if events else t + 1
    return start


def _total_successors(problem) -> np.ndarray:
    """Number of (transitive) successors of each task."""
    n = problem.n
    reach = [0] * n
    for j in problem.topo[::-1]:
        bits = 0
        for k in range(problem.succ_ptr[j], problem.succ_ptr[j + 1]):
            s = int(problem.succ_idx[k])
            bits |= reach[s] | (1 << s)
        reach[j] = bits
    return np.array([bin(b).count("1") for b in reach], dtype=np.int64)


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
