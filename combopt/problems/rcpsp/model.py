"""Resource-constrained project scheduling (RCPSP) with extensions.

A project is a set of tasks with integer durations ``p_i`` and demands
``q_ir`` on renewable resources ``r`` of capacity ``c_r(t)``; a schedule is a
vector of integer start times ``s_i >= 0``. The goal is the smallest makespan
``max_i s_i + p_i`` subject to

* **precedence** ``s_j >= s_i + p_i`` for every edge ``i -> j``;
* **resource** ``sum_{i running at t} q_ir <= c_r(t)`` for every ``r`` and ``t``
  (a task runs during ``[s_i, s_i + p_i)``), where ``c_r(t)`` is the base
  capacity except during *downtime* intervals, where it drops to a given level
  (zero or more);
* **window** ``release_i <= s_i`` and ``s_i + p_i <= deadline_i``;
* **disjunctive** the two tasks of a disjunctive pair do not overlap (tasks of
  zero duration never overlap anything).

Files
-----
* PSPLIB single-mode ``.sm`` (Kolisch & Sprecher): jobs 1 and n+2 are the dummy
  source and sink; they are kept as tasks of duration 0, named by job number.
* Patterson ``.rcp``: ``n R`` / capacities / one line per job: duration, R
  demands, number of successors, successors (1-based; lists may wrap lines).
* ``.rcpsp.json``, the documented extension format (see :func:`read_rcpsp_json`
  and :func:`rcpsp_to_json`), which adds downtime, windows, disjunctive pairs,
  task and resource names, a witness schedule and a best known value.

Solutions are integer arrays of start times indexed like the tasks. In JSON a
solution is a list of ``{"task": name, "start": s, "finish": f}`` objects;
:meth:`RCPSP.solution_from_json` also accepts ``{name: start}`` and a plain list
of start times in task order.

The independent checker is :func:`check_schedule` (used by
:meth:`RCPSP.evaluate`): it reports every violation by class with the task
names and the times involved.
"""

from __future__ import annotations

import heapq
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...core.errors import InputError, ParameterError, located
from ...core.problem import Evaluation, Problem, integer_array, short_repr
from ...core.registry import register_kind
from ...core.result import format_number
from .check import VIOLATION_CLASSES, Violation, check_schedule  # noqa: F401  (re-exported)

register_kind("rcpsp", ("milp",))

__all__ = ["RCPSP", "Downtime", "Violation", "check_schedule", "JSON_FORMAT", "NO_DEADLINE"]

#: value of ``RCPSP.deadline`` for tasks without a deadline
NO_DEADLINE = np.iinfo(np.int32).max // 4
#: refuse instances whose time axis would not fit the time-indexed decoders
MAX_HORIZON = 5_000_000
MAX_TASKS = 200_000
MAX_RESOURCES = 10_000
MAX_TIME_VALUE = 100_000_000
#: the ``"format"`` field of the JSON extension format
JSON_FORMAT = "combopt-rcpsp"
#: seconds the destructive-improvement bound may take where no time limit says otherwise
BOUND_SECONDS = 2.0



@dataclass(frozen=True)
class Downtime:
    """Capacity of resource ``resource`` (index) is at most ``capacity`` during ``[start, end)``."""

    resource: int
    start: int
    end: int
    capacity: int
    reason: str = ""




def _int_array(values, name: str, shape_len: int | None = None, lo: int = 0) -> np.ndarray:
    try:
        a = integer_array(values)  # a copy: the caller's array may change after this
    except ValueError:
        raise ParameterError(f"{name} must be integers") from None
    if shape_len is not None and a.shape[0] != shape_len:
        raise ParameterError(f"{name} must have {shape_len} entries, got {a.shape[0]}")
    if a.size and (a.min() < lo or a.max() > MAX_TIME_VALUE * 10):
        raise ParameterError(f"{name} must lie in {lo}..{MAX_TIME_VALUE * 10}")
    return a


def _task_index(v, what: str) -> int:
    """A task index: a whole number (1.5, True, NaN or "x" were truncated or a raw error)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real) or not math.isfinite(v) or v != int(v):
        raise ParameterError(f"{what}: expected a task index (a whole number), got {short_repr(v)}")
    return int(v)


def _located(message: str, what: str, index: int) -> ParameterError:
    """A :class:`ParameterError` that says which item of the input it is about (``at = ("task", i)``, a
    ``("downtime", k)`` in the order given, a ``("disjunctive", k)`` pair): a reader names that item's line."""
    return located(ParameterError(message), what, int(index))


class RCPSP(Problem):
    """A resource-constrained project scheduling instance (minimise makespan).

    Parameters
    ----------
    durations
        Integer duration of each task (length ``n``, zero allowed).
    demands
        ``(n, R)`` integer demands on the renewable resources.
    capacities
        Base capacity of each resource (length ``R``).
    successors
        For each task, the 0-based indices of its immediate successors.
    names, resource_names
        Task and resource names (default ``"1".."n"`` and ``"R1".."RR"``).
    release, deadline
        Earliest start and latest finish of each task (``None`` entries or a
        missing array mean none).
    downtime
        :class:`Downtime` intervals: the resource's capacity is at most the
        given level during ``[start, end)``.
    disjunctive
        Pairs of task indices that must not overlap.
    witness
        A schedule known to be feasible (kept from a generator), or ``None``.
    best_known
        Best known makespan, reported with results when given.
    meta
        Free-form information kept in the JSON file (generator parameters, ...).
    """

    kind = "rcpsp"
    sense = "min"

    def __init__(
        self,
        durations: Sequence[int],
        demands,
        capacities: Sequence[int],
        successors: Sequence[Sequence[int]],
        *,
        names: Sequence[str] | None = None,
        resource_names: Sequence[str] | None = None,
        release: Sequence[int | None] | None = None,
        deadline: Sequence[int | None] | None = None,
        downtime: Sequence[Downtime] = (),
        disjunctive: Sequence[tuple[int, int]] = (),
        witness: Sequence[int] | None = None,
        best_known: float | None = None,
        name: str = "rcpsp",
        source: str | None = None,
        meta: dict | None = None,
    ):
        p = _int_array(durations, "durations")
        n = p.shape[0]
        if p.ndim != 1 or n == 0:
            raise ParameterError("durations must be a non-empty vector (one duration per task)")
        if n > MAX_TASKS:
            raise ParameterError(f"{n} tasks; at most {MAX_TASKS} are supported")
        cap = _int_array(capacities, "capacities")
        R = cap.shape[0]
        if R > MAX_RESOURCES:
            raise ParameterError(f"{R} resources; at most {MAX_RESOURCES} are supported")
        q = np.asarray(demands if np.size(demands) else np.zeros((n, R)), dtype=np.float64)
        if q.ndim != 2 or q.shape != (n, R):
            raise ParameterError(f"demands must be an array of shape ({n}, {R}), got {q.shape}")
        if np.any(q != np.round(q)) or np.any(q < 0):
            raise ParameterError("demands must be non-negative integers")
        q = q.astype(np.int64)
        over = np.argwhere((q > cap[None, :]) & (p[:, None] > 0))  # a task of duration 0 occupies nothing
        if over.size:
            i, r = over[0]
            raise ParameterError(
                f"task {i + 1 if names is None else names[i]} demands {q[i, r]} of resource "
                f"{f'R{r + 1}' if resource_names is None else resource_names[r]} whose capacity is {cap[r]}: "
                f"no schedule exists"
            )
        self.durations = p
        self.demands = q
        self.capacities = cap
        self.n = n
        self.num_resources = R
        self.names = [str(v) for v in (names if names is not None else range(1, n + 1))]
        if len(self.names) != n:
            raise ParameterError(f"names must have {n} entries")
        if len(set(self.names)) != n:
            dup = next(v for v in self.names if self.names.count(v) > 1)
            raise ParameterError(f"task name {dup!r} is used twice")
        self.resource_names = [str(v) for v in (resource_names if resource_names is not None
                                                else [f"R{r + 1}" for r in range(R)])]
        if len(self.resource_names) != R:
            raise ParameterError(f"resource_names must have {R} entries")
        if len(set(self.resource_names)) != R:
            raise ParameterError("resource names must be unique")
        # precedence
        if isinstance(successors, (str, bytes)) or not hasattr(successors, "__len__") or len(successors) != n:
            raise ParameterError(f"successors must be {n} lists of task indices, got {short_repr(successors)}")
        edges = []
        for i, succ in enumerate(successors):
            if isinstance(succ, (str, bytes)) or not hasattr(succ, "__iter__"):
                raise ParameterError(f"successors of task {self.names[i]} must be a list of task indices, got "
                                     f"{short_repr(succ)}")
            for j in succ:
                j = _task_index(j, f"successor of task {self.names[i]}")
                if not 0 <= j < n:
                    raise _located(f"task {self.names[i]}: successor index {j} out of range 0..{n - 1}",
                                   "task", i)
                if j == i:
                    raise _located(f"task {self.names[i]} is its own successor", "task", i)
                edges.append((i, j))
        e = np.array(sorted(set(edges)), dtype=np.int64).reshape(-1, 2)
        self.edges = e
        self.succ_ptr, self.succ_idx = _csr(n, e[:, 0], e[:, 1])
        self.pred_ptr, self.pred_idx = _csr(n, e[:, 1], e[:, 0])
        self.topo = self._topological_order()
        self.topo_rank = np.empty(n, dtype=np.int32)
        self.topo_rank[self.topo] = np.arange(n, dtype=np.int32)
        # windows
        self.release = np.zeros(n, dtype=np.int64)
        self.deadline = np.full(n, NO_DEADLINE, dtype=np.int64)
        if release is not None:
            if len(release) != n:
                raise ParameterError(f"release must have {n} entries")
            for i, v in enumerate(release):
                if v is not None:
                    self.release[i] = _time(v, f"release of task {self.names[i]}")
        if deadline is not None:
            if len(deadline) != n:
                raise ParameterError(f"deadline must have {n} entries")
            for i, v in enumerate(deadline):
                if v is not None:
                    self.deadline[i] = _time(v, f"deadline of task {self.names[i]}")
        bad = np.nonzero(self.release + p > self.deadline)[0]
        if bad.size:
            i = bad[0]
            if self.deadline[i] == NO_DEADLINE:  # no deadline given: the horizon every schedule must fit in
                raise _located(f"task {self.names[i]}: release {self.release[i]} + duration {p[i]} is beyond "
                               f"the longest horizon combopt schedules in ({NO_DEADLINE})", "task", i)
            raise _located(f"task {self.names[i]}: release {self.release[i]} + duration {p[i]} exceeds "
                           f"its deadline {self.deadline[i]}: no schedule exists", "task", i)
        # downtime
        self.downtime: list[Downtime] = []
        for k, d in enumerate(downtime):
            if not 0 <= d.resource < R:
                raise _located(f"downtime resource index {d.resource} out of range 0..{R - 1}", "downtime", k)
            s, t = _time(d.start, "downtime start"), _time(d.end, "downtime end")
            if t <= s:
                raise _located(f"downtime of {self.resource_names[d.resource]} must end after it starts "
                               f"([{s}, {t}) given)", "downtime", k)
            lvl = int(d.capacity)
            if not 0 <= lvl <= cap[d.resource]:
                raise _located(f"downtime capacity of {self.resource_names[d.resource]} must lie in "
                               f"0..{cap[d.resource]}, got {lvl}", "downtime", k)
            self.downtime.append(Downtime(int(d.resource), s, t, lvl, str(d.reason)))
        # disjunctive pairs
        pairs = set()
        for k, (a, b) in enumerate(disjunctive):
            a, b = _task_index(a, f"disjunctive pair {k}"), _task_index(b, f"disjunctive pair {k}")
            if not (0 <= a < n and 0 <= b < n):
                raise _located(f"disjunctive pair ({a}, {b}) must name two different tasks 0..{n - 1}",
                               "disjunctive", k)
            if a == b:
                raise _located(f"disjunctive pair ({self.names[a]}, {self.names[b]}) names one task twice; a pair "
                               "names two different tasks", "disjunctive", k)
            pairs.add((min(a, b), max(a, b)))
        self.disjunctive = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
        self.disj_ptr, self.disj_idx = _csr(
            n, np.concatenate([self.disjunctive[:, 0], self.disjunctive[:, 1]]),
            np.concatenate([self.disjunctive[:, 1], self.disjunctive[:, 0]]))
        self.witness = None if witness is None else _int_array(witness, "witness", n)
        self.best_known = None if best_known is None else float(best_known)
        self.name = str(name)
        self.source = source
        self.meta = dict(meta or {})
        self.horizon = self._safe_horizon()
        if self.horizon > MAX_HORIZON:
            raise ParameterError(f"the time axis of this instance ({self.horizon} units) is longer than the "
                                 f"{MAX_HORIZON} that combopt's time-indexed schedulers support")
        self._profile: np.ndarray | None = None
        self._kernel_arrays: dict | None = None
        self._destructive: tuple | None = None  # (bound, trials, complete, seconds) of destructive_bound
        self._earliest: np.ndarray | None = None  # earliest_starts(), once computed

    # -- structure ---------------------------------------------------------------------
    def _topological_order(self) -> np.ndarray:
        n = self.n
        indeg = np.diff(self.pred_ptr).astype(np.int64)
        stack = [i for i in range(n - 1, -1, -1) if indeg[i] == 0]
        order = []
        while stack:
            i = stack.pop()
            order.append(i)
            for k in range(self.succ_ptr[i], self.succ_ptr[i + 1]):
                j = self.succ_idx[k]
                indeg[j] -= 1
                if indeg[j] == 0:
                    stack.append(int(j))
        if len(order) != n:
            cyc = precedence_cycle(self.succ_ptr, self.succ_idx, self.pred_ptr, self.pred_idx)
            k = cyc.index(min(cyc))
            cyc = cyc[k:] + cyc[:k]
            path = " -> ".join(self.names[i] for i in cyc + cyc[:1])
            raise _located(f"the precedence relations contain a cycle: {path}", "task", cyc[0])
        return np.array(order, dtype=np.int64)

    def _safe_horizon(self) -> int:
        """A time by which some schedule certainly ends (deadlines aside).

        After the last release and the last downtime, every task fits alone, so
        a serial schedule ends by then plus the sum of the durations.
        """
        t0 = int(self.release.max(initial=0))
        for d in self.downtime:
            t0 = max(t0, d.end)
        return t0 + int(self.durations.sum()) + 1

    @property
    def num_variables(self) -> int:
        return self.n

    def figure(self, solution, label: str = "solution"):
        """Gantt chart above one resource-usage profile per resource (:func:`~.plot.plot_schedule`)."""
        from .plot import plot_schedule

        ev = self.evaluate(solution)
        span = f"makespan {format_number(ev.objective)}" if ev.feasible else f"{len(ev.violations)} violation(s)"
        return plot_schedule(self, solution, title=f"{self.name}: {label}, {span}")

    def describe(self) -> str:
        extras = []
        if self.downtime:
            extras.append(f"{len(self.downtime)} downtime intervals")
        nw = int(np.sum((self.release > 0) | (self.deadline < NO_DEADLINE)))
        if nw:
            extras.append(f"{nw} windows")
        if len(self.disjunctive):
            extras.append(f"{len(self.disjunctive)} disjunctive pairs")
        ex = f" ({', '.join(extras)})" if extras else ""
        return f"rcpsp {self.name}: {self.n} tasks, {len(self.edges)} precedences, {self.num_resources} resources{ex}"

    def task_index(self, name: str) -> int:
        try:
            return self.names.index(str(name))
        except ValueError:
            raise ParameterError(f"no task named {name!r}") from None

    def capacity_profile(self, horizon: int | None = None) -> np.ndarray:
        """``(H, R)`` int32 capacity of every resource at every time ``0..H-1``."""
        H = self.horizon if horizon is None else int(horizon)
        if horizon is None and self._profile is not None:
            return self._profile
        from ...core.limits import check_memory

        # two copies at most (the decoders' contiguous one): 4.9 million time units x 400 resources was 7.3 GiB
        check_memory(8.0 * H * max(1, self.num_resources), f"the capacity profile of {H} time units x "
                     f"{self.num_resources} resources", self.source or self.name)
        prof = np.tile(self.capacities.astype(np.int32), (H, 1))
        for d in self.downtime:
            s, t = min(d.start, H), min(d.end, H)
            if s < t:
                np.minimum(prof[s:t, d.resource], d.capacity, out=prof[s:t, d.resource])
        if horizon is None:
            self._profile = np.ascontiguousarray(prof)
        return prof

    def capacity_segments(self, r: int) -> list[tuple[int, int, int]]:
        """Piecewise-constant capacity of resource ``r`` as ``(start, end, level)`` below the base level.

        One sweep over the downtime sorted by start, the levels in force on a heap (each elementary stretch had
        scanned every downtime: 20,000 intervals took 16 s a call, and every evaluate calls it)."""
        base = int(self.capacities[r])
        ds = sorted((d.start, d.end, d.capacity) for d in self.downtime_of(r))
        pts = sorted({x for s, e, _ in ds for x in (s, e)})
        out: list[tuple[int, int, int]] = []
        active: list[tuple[int, int]] = []  # (level, end) of the downtime started by now; ended ones leave lazily
        k = 0
        for a, b in zip(pts, pts[1:], strict=False):
            while k < len(ds) and ds[k][0] <= a:
                heapq.heappush(active, (ds[k][2], ds[k][1]))
                k += 1
            while active and active[0][1] <= a:  # a downtime covers [a, b) when it starts by a and ends after a
                heapq.heappop(active)
            lvl = min(active[0][0], base) if active else base
            if lvl < base:
                if out and out[-1][1] == a and out[-1][2] == lvl:
                    out[-1] = (out[-1][0], b, lvl)
                else:
                    out.append((a, b, lvl))
        return out

    def downtime_of(self, r: int) -> list[Downtime]:
        """The downtime of resource ``r`` (indexed once: a scan of all of it per resource took 55 s on 5,000
        resources of 4 intervals each)."""
        if self.__dict__.get("_downtime_by") is None:
            self._downtime_by: dict[int, list[Downtime]] = {}
            for d in self.downtime:
                self._downtime_by.setdefault(d.resource, []).append(d)
        return self._downtime_by.get(int(r), [])

    def kernel_arrays(self) -> dict[str, np.ndarray]:
        """Contiguous int32 arrays the Numba decoders take (cached)."""
        if self._kernel_arrays is None:
            i32 = np.int32
            self._kernel_arrays = {
                "dur": np.ascontiguousarray(self.durations, dtype=i32),
                "dem": np.ascontiguousarray(self.demands, dtype=i32),
                "cap": np.ascontiguousarray(self.capacity_profile(), dtype=i32),
                "pred_ptr": np.ascontiguousarray(self.pred_ptr, dtype=i32),
                "pred_idx": np.ascontiguousarray(self.pred_idx, dtype=i32),
                "succ_ptr": np.ascontiguousarray(self.succ_ptr, dtype=i32),
                "succ_idx": np.ascontiguousarray(self.succ_idx, dtype=i32),
                "disj_ptr": np.ascontiguousarray(self.disj_ptr, dtype=i32),
                "disj_idx": np.ascontiguousarray(self.disj_idx, dtype=i32),
                "release": np.ascontiguousarray(self.release, dtype=i32),
                "deadline": np.ascontiguousarray(self.deadline, dtype=i32),
                "rank": np.ascontiguousarray(self.topo_rank, dtype=i32),
            }
        return self._kernel_arrays

    # -- bounds ------------------------------------------------------------------------
    def earliest_starts(self) -> np.ndarray:
        """Earliest starts from precedence and releases, each task also shifted past
        times where it does not fit alone (downtime). A relaxation: ``max ES + p``
        bounds the makespan from below. Computed once (a copy is returned)."""
        if self._earliest is None:
            from .bounds import AloneFits

            fits = AloneFits(self) if self.downtime else None
            es = np.zeros(self.n, dtype=np.int64)
            for j in self.topo:
                t = int(self.release[j])
                for k in range(self.pred_ptr[j], self.pred_ptr[j + 1]):
                    i = self.pred_idx[k]
                    t = max(t, int(es[i] + self.durations[i]))
                es[j] = t if fits is None else fits.first(j, t)
            self._earliest = es
        return self._earliest.copy()

    def critical_path_bound(self) -> int:
        """Longest path (with releases and single-task downtime) through the precedence graph."""
        if self.n == 0:
            return 0
        es = self.earliest_starts()
        return int(np.max(es + self.durations))

    def resource_bound(self) -> int:
        """Smallest ``T`` at which some resource has enough capacity-time for its total work."""
        best = 0
        prof = None
        for r in range(self.num_resources):
            work = int(np.dot(self.durations, self.demands[:, r]))
            if work == 0:
                continue
            c = int(self.capacities[r])
            if not self.downtime_of(r):
                best = max(best, -(-work // c))
                continue
            if prof is None:
                prof = self.capacity_profile()
            cum = np.cumsum(prof[:, r].astype(np.int64))
            k = int(np.searchsorted(cum, work))
            if k >= len(cum):  # beyond the profile capacity is the base level
                k = len(cum) + -(-(work - int(cum[-1])) // c) - 1
            best = max(best, k + 1)
        return best

    def construct(self) -> np.ndarray:
        """Parallel SGS with the latest-finish-time rule (pure numpy; non-delay schedule)."""
        from .sgs import parallel_sgs, priority_values

        return parallel_sgs(self, priority_values(self, "lft"))

    def bound(self) -> float | None:
        """Largest of the critical-path, resource-based and destructive-improvement lower bounds (the last within
        :data:`BOUND_SECONDS`; see :meth:`bound_within`)."""
        return self.bound_within(BOUND_SECONDS)

    def bound_within(self, seconds: float) -> float | None:
        """The critical-path and resource bounds lifted by destructive improvement (:mod:`.bounds`: trial makespans
        refuted by propagation) within about ``seconds``; kept once complete, redone with more time otherwise."""
        from .bounds import destructive_bound

        base = max(self.critical_path_bound(), self.resource_bound())
        done = self._destructive
        if done is None or (not done[2] and seconds > done[3]):
            value, trials, complete = destructive_bound(self, base, max(float(seconds), 0.0))
            if done is not None and done[0] > value:
                value = done[0]
            self._destructive = done = (value, trials, complete, float(seconds))
        return float(max(base, done[0]))

    def infeasibility_proof(self, seconds: float | None = None) -> str | None:
        """Why no schedule meets every window, or ``None`` (no proof either way): the independent checker's
        relaxations, which name the tasks and times (:func:`.check.infeasibility_proof`), then constraint
        propagation on the tasks with deadlines within about ``seconds`` (default :data:`BOUND_SECONDS`;
        :func:`.bounds.deadline_refutation`)."""
        from .bounds import deadline_refutation
        from .check import infeasibility_proof

        seconds = BOUND_SECONDS if seconds is None else max(float(seconds), 0.0)
        return infeasibility_proof(self) or deadline_refutation(self, seconds)

    def bound_detail(self) -> dict:
        """The destructive-improvement bound's value and trial makespans, once computed (else empty)."""
        d = self._destructive
        return {} if d is None else {"propagation_bound": d[0], "propagation_trials": d[1],
                                     "propagation_complete": d[2]}

    def latest_finishes(self, horizon: int) -> np.ndarray:
        """Latest finish of each task for a project deadline ``horizon`` (backward pass, deadlines included)."""
        lf = np.minimum(self.deadline, horizon).astype(np.int64)
        for j in self.topo[::-1]:
            for k in range(self.succ_ptr[j], self.succ_ptr[j + 1]):
                s = self.succ_idx[k]
                lf[j] = min(lf[j], lf[s] - self.durations[s])
        return lf

    # -- evaluation --------------------------------------------------------------------
    def makespan(self, starts) -> int:
        s = np.asarray(starts, dtype=np.int64)
        return int(np.max(s + self.durations)) if self.n else 0

    def integral_objective(self) -> bool:
        return True  # integer start times and durations

    def evaluate(self, solution) -> Evaluation:
        """Makespan and every violated constraint, by class (see :func:`check_schedule`).

        A schedule that violates a constraint has no objective (``None``): its makespan is
        no value of the problem, and a result must not show one as if it were."""
        starts, problems = self._coerce(solution)
        if problems:
            return Evaluation(None, False, problems)
        viol = check_schedule(self, starts)
        return Evaluation(None if viol else float(self.makespan(starts)), not viol, [str(v) for v in viol])

    def _coerce(self, solution) -> tuple[np.ndarray | None, list[str]]:
        if isinstance(solution, np.ndarray) and solution.dtype.kind == "c":  # the cast would drop the imaginary part
            return None, ["a schedule is a vector of integer start times, one per task (got complex numbers)"]
        try:
            a = np.asarray(solution, dtype=np.float64).ravel()
        except (TypeError, ValueError, OverflowError):  # OverflowError: an integer of 400 digits
            return None, ["a schedule is a vector of integer start times, one per task"]
        if a.shape[0] != self.n:
            return None, [f"a schedule needs {self.n} start times, got {a.shape[0]}"]
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            return None, ["start times must be finite integers"]
        if a.size and np.max(np.abs(a)) > 10 * MAX_TIME_VALUE:
            return None, [f"start times must lie within +-{10 * MAX_TIME_VALUE}"]
        return a.astype(np.int64), []

    # -- MILP ------------------------------------------------------------------------------
    #: the time-indexed model adds whole rows through lpSum: 1.7-1.9 million terms a second measured on j120
    milp_terms_per_s = 1_500_000

    def milp_terms(self) -> int:
        from .milp import milp_terms

        return milp_terms(self)

    def to_pulp(self, horizon: int | None = None):
        """Time-indexed MILP (see :mod:`combopt.problems.rcpsp.milp`); ``horizon`` defaults to
        the best makespan of the priority-rule heuristics."""
        from .milp import time_indexed_model

        return time_indexed_model(self, horizon)

    # -- JSON --------------------------------------------------------------------------
    def solution_to_json(self, solution):
        s = np.asarray(solution, dtype=np.int64)
        return [{"task": self.names[i], "start": int(s[i]), "finish": int(s[i] + self.durations[i])}
                for i in range(self.n)]

    def known_solution(self):
        """The file's witness schedule (checked when the file was read), if it has one."""
        return None if self.witness is None else self.witness.copy()

    def solution_claims(self, data) -> list[str]:
        """Every ``finish`` field of a result's schedule that is not ``start + duration``."""
        items = data.get("solution") if isinstance(data, dict) else data
        if not isinstance(items, list):
            return []
        index = {v: i for i, v in enumerate(self.names)}
        out = []
        for pos, item in enumerate(items):
            if not isinstance(item, dict) or "finish" not in item or str(item.get("task")) not in index:
                continue
            i, start, fin = index[str(item["task"])], item.get("start"), item["finish"]
            # a list as finish compared element-wise (a truth value of an array): any claim not a number is false
            whole = int(self.durations[i])
            if isinstance(start, (int, float)) and not isinstance(start, bool) and \
                    not (isinstance(fin, (int, float)) and not isinstance(fin, bool) and fin == start + whole):
                out.append(f"solution[{pos}]: task {item['task']} claims finish {str(fin)[:40]}, but start {start} + "
                           f"duration {whole} = {start + whole}")
        return out

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict) and "solution" in data:
            data = data["solution"]
        starts = np.full(self.n, -1, dtype=np.int64)
        seen = np.zeros(self.n, dtype=bool)
        index = {v: i for i, v in enumerate(self.names)}

        def put(name, value, where):
            key = str(name)
            if key not in index:
                raise InputError(path, f"{where}: task {name!r} is not in the instance")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value != int(value):
                raise InputError(path, f"{where}: start of task {key} must be an integer, got {value!r}")
            if abs(value) > 10 * MAX_TIME_VALUE:
                raise InputError(path, f"{where}: start of task {key} must lie within +-{10 * MAX_TIME_VALUE}, "
                                       f"got {value:.6g}")
            i = index[key]
            if seen[i]:
                raise InputError(path, f"{where}: task {key} is given twice")
            seen[i] = True
            starts[i] = int(value)

        if isinstance(data, dict):
            for k, v in data.items():
                put(k, v, "solution")
        elif isinstance(data, list) and all(isinstance(x, dict) for x in data) and data:
            for pos, item in enumerate(data):
                if "task" not in item or "start" not in item:
                    raise InputError(path, f"solution[{pos}]: expected an object with 'task' and 'start'")
                put(item["task"], item["start"], f"solution[{pos}]")
        elif isinstance(data, list):
            if len(data) != self.n:
                raise InputError(path, f"expected {self.n} start times in task order, got {len(data)}")
            for i, v in enumerate(data):
                put(self.names[i], v, f"solution[{i}]")
        else:
            raise InputError(path, "expected a schedule: a list of {'task', 'start'} objects, "
                                   "an object {task: start}, or a list of start times")
        missing = [self.names[i] for i in np.flatnonzero(~seen)]
        if missing:
            raise InputError(path, f"no start time for task(s) {', '.join(missing[:10])}"
                                   + (" ..." if len(missing) > 10 else ""))
        return starts


def _time(v, what: str) -> int:
    if isinstance(v, bool):
        raise ParameterError(f"{what} must be an integer, got {v!r}")
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be an integer, got {v!r}") from None
    if not math.isfinite(f) or f != int(f) or not 0 <= f <= MAX_TIME_VALUE:
        raise ParameterError(f"{what} must be an integer in 0..{MAX_TIME_VALUE}, got {v!r}")
    return int(f)


def precedence_cycle(succ_ptr, succ_idx, pred_ptr, pred_idx) -> list[int]:
    """Tasks of one precedence cycle, in precedence order (``[]`` when the graph is acyclic).

    Kahn's pass removes every task not downstream of a cycle; each task left has a
    predecessor that is left too, so walking back through such predecessors must
    return to a task already seen, and the walk from there on is a cycle.
    """
    n = len(succ_ptr) - 1
    indeg = np.diff(pred_ptr).astype(np.int64)
    stack = [i for i in range(n) if indeg[i] == 0]
    while stack:
        i = stack.pop()
        for k in range(succ_ptr[i], succ_ptr[i + 1]):
            j = int(succ_idx[k])
            indeg[j] -= 1
            if indeg[j] == 0:
                stack.append(j)
    left = indeg > 0
    if not left.any():
        return []
    pos: dict[int, int] = {}
    walk: list[int] = []
    i = int(np.flatnonzero(left)[0])
    while i not in pos:
        pos[i] = len(walk)
        walk.append(i)
        i = next(int(pred_idx[k]) for k in range(pred_ptr[i], pred_ptr[i + 1]) if left[pred_idx[k]])
    return walk[pos[i]:][::-1]  # the walk went backwards through predecessors


def _csr(n: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    order = np.lexsort((cols, rows))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, rows + 1, 1)
    return np.cumsum(ptr), cols[order]
