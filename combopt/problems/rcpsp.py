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

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import InputError, ParameterError
from ..core.io import register_reader
from ..core.problem import Evaluation, Problem
from ..core.registry import register_kind

register_kind("rcpsp", ("milp",))

__all__ = [
    "RCPSP",
    "Downtime",
    "Violation",
    "check_schedule",
    "read_psplib_sm",
    "read_patterson",
    "read_rcpsp_json",
    "rcpsp_to_json",
    "write_rcpsp_json",
    "JSON_FORMAT",
]

#: value of ``RCPSP.deadline`` for tasks without a deadline
NO_DEADLINE = np.iinfo(np.int32).max // 4
#: refuse instances whose time axis would not fit the time-indexed decoders
MAX_HORIZON = 5_000_000
MAX_TASKS = 200_000
MAX_RESOURCES = 10_000
MAX_TIME_VALUE = 100_000_000
#: the ``"format"`` field of the JSON extension format
JSON_FORMAT = "combopt-rcpsp"
VIOLATION_CLASSES = ("precedence", "resource", "window", "disjunctive")


@dataclass(frozen=True)
class Downtime:
    """Capacity of resource ``resource`` (index) is at most ``capacity`` during ``[start, end)``."""

    resource: int
    start: int
    end: int
    capacity: int
    reason: str = ""


@dataclass
class Violation:
    """One violated constraint found by :func:`check_schedule`.

    ``kind`` is one of ``precedence``, ``resource``, ``window``, ``disjunctive``;
    ``tasks`` are task names and ``times`` the times involved (meaning given in
    ``message``).
    """

    kind: str
    tasks: list[str]
    times: list[int]
    message: str
    resource: str | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def _int_array(values, name: str, shape_len: int | None = None, lo: int = 0) -> np.ndarray:
    try:
        a = np.asarray(values)
        if a.size and not np.issubdtype(a.dtype, np.integer):
            af = np.asarray(a, dtype=np.float64)
            if not np.all(np.isfinite(af)) or np.any(af != np.round(af)):
                raise ParameterError(f"{name} must be integers")
            a = af
        a = np.asarray(a, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(f"{name} must be integers") from None
    if shape_len is not None and a.shape[0] != shape_len:
        raise ParameterError(f"{name} must have {shape_len} entries, got {a.shape[0]}")
    if a.size and (a.min() < lo or a.max() > MAX_TIME_VALUE * 10):
        raise ParameterError(f"{name} must lie in {lo}..{MAX_TIME_VALUE * 10}")
    return a


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
        over = np.argwhere(q > cap[None, :])
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
        if len(successors) != n:
            raise ParameterError(f"successors must have {n} lists, got {len(successors)}")
        edges = []
        for i, succ in enumerate(successors):
            for j in succ:
                j = int(j)
                if not 0 <= j < n:
                    raise ParameterError(f"task {self.names[i]}: successor index {j} out of range 0..{n - 1}")
                if j == i:
                    raise ParameterError(f"task {self.names[i]} is its own successor")
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
            raise ParameterError(f"task {self.names[i]}: release {self.release[i]} + duration {p[i]} exceeds "
                                 f"its deadline {self.deadline[i]}: no schedule exists")
        # downtime
        self.downtime: list[Downtime] = []
        for d in downtime:
            if not 0 <= d.resource < R:
                raise ParameterError(f"downtime resource index {d.resource} out of range 0..{R - 1}")
            s, t = _time(d.start, "downtime start"), _time(d.end, "downtime end")
            if t <= s:
                raise ParameterError(f"downtime of {self.resource_names[d.resource]} must end after it starts "
                                     f"([{s}, {t}) given)")
            lvl = int(d.capacity)
            if not 0 <= lvl <= cap[d.resource]:
                raise ParameterError(f"downtime capacity of {self.resource_names[d.resource]} must lie in "
                                     f"0..{cap[d.resource]}, got {lvl}")
            self.downtime.append(Downtime(int(d.resource), s, t, lvl, str(d.reason)))
        # disjunctive pairs
        pairs = set()
        for a, b in disjunctive:
            a, b = int(a), int(b)
            if not (0 <= a < n and 0 <= b < n) or a == b:
                raise ParameterError(f"disjunctive pair ({a}, {b}) must name two different tasks 0..{n - 1}")
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
            left = [self.names[i] for i in range(n) if indeg[i] > 0][:6]
            raise ParameterError(f"the precedence relations contain a cycle (through tasks {', '.join(left)})")
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
        prof = np.tile(self.capacities.astype(np.int32), (H, 1))
        for d in self.downtime:
            s, t = min(d.start, H), min(d.end, H)
            if s < t:
                np.minimum(prof[s:t, d.resource], d.capacity, out=prof[s:t, d.resource])
        if horizon is None:
            self._profile = np.ascontiguousarray(prof)
        return prof

    def capacity_segments(self, r: int) -> list[tuple[int, int, int]]:
        """Piecewise-constant capacity of resource ``r`` as ``(start, end, level)`` below the base level."""
        pts = sorted({d.start for d in self.downtime if d.resource == r} | {d.end for d in self.downtime
                                                                            if d.resource == r})
        out = []
        for a, b in zip(pts, pts[1:], strict=False):
            lvl = min([d.capacity for d in self.downtime if d.resource == r and d.start <= a and b <= d.end],
                      default=int(self.capacities[r]))
            if lvl < self.capacities[r]:
                if out and out[-1][1] == a and out[-1][2] == lvl:
                    out[-1] = (out[-1][0], b, lvl)
                else:
                    out.append((a, b, lvl))
        return out

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
        bounds the makespan from below."""
        prof = self.capacity_profile()
        es = np.zeros(self.n, dtype=np.int64)
        for j in self.topo:
            t = int(self.release[j])
            for k in range(self.pred_ptr[j], self.pred_ptr[j + 1]):
                i = self.pred_idx[k]
                t = max(t, int(es[i] + self.durations[i]))
            es[j] = self._fit_alone(j, t, prof)
        return es

    def _fit_alone(self, j: int, t: int, prof: np.ndarray) -> int:
        p = int(self.durations[j])
        if p == 0 or not self.downtime:
            return t
        q = self.demands[j]
        if not q.any():
            return t
        H = prof.shape[0]
        bad = np.any(prof[:, :] < q[None, :], axis=1)
        while t + p <= H:
            window = bad[t:t + p]
            hit = np.flatnonzero(window)
            if hit.size == 0:
                return t
            t += int(hit[-1]) + 1
        return t

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
            if not any(d.resource == r for d in self.downtime):
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

    def bound(self) -> float | None:
        """Largest of the critical-path and resource-based lower bounds."""
        return float(max(self.critical_path_bound(), self.resource_bound()))

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

    def evaluate(self, solution) -> Evaluation:
        """Makespan and every violated constraint, by class (see :func:`check_schedule`)."""
        starts, problems = self._coerce(solution)
        if problems:
            return Evaluation(None, False, problems)
        viol = check_schedule(self, starts)
        return Evaluation(float(self.makespan(starts)), not viol, [str(v) for v in viol])

    def _coerce(self, solution) -> tuple[np.ndarray | None, list[str]]:
        try:
            a = np.asarray(solution, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            return None, ["a schedule is a vector of integer start times, one per task"]
        if a.shape[0] != self.n:
            return None, [f"a schedule needs {self.n} start times, got {a.shape[0]}"]
        if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
            return None, ["start times must be finite integers"]
        if a.size and np.max(np.abs(a)) > 10 * MAX_TIME_VALUE:
            return None, [f"start times must lie within +-{10 * MAX_TIME_VALUE}"]
        return a.astype(np.int64), []

    # -- MILP ------------------------------------------------------------------------------
    def to_pulp(self, horizon: int | None = None):
        """Time-indexed MILP (see :mod:`combopt.solvers.rcpsp_milp`); ``horizon`` defaults to
        the best makespan of the priority-rule heuristics."""
        from ..solvers.rcpsp_milp import time_indexed_model

        return time_indexed_model(self, horizon)

    # -- JSON --------------------------------------------------------------------------
    def solution_to_json(self, solution):
        s = np.asarray(solution, dtype=np.int64)
        return [{"task": self.names[i], "start": int(s[i]), "finish": int(s[i] + self.durations[i])}
                for i in range(self.n)]

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
            if isinstance(start, (int, float)) and not isinstance(start, bool) and fin != start + self.durations[i]:
                out.append(f"solution[{pos}]: task {item['task']} claims finish {fin!r}, but start {start} + "
                           f"duration {int(self.durations[i])} = {start + int(self.durations[i])}")
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


def _csr(n: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    order = np.lexsort((cols, rows))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, rows + 1, 1)
    return np.cumsum(ptr), cols[order]


# ---------------------------------------------------------------------------------------
# the independent checker
# ---------------------------------------------------------------------------------------
def check_schedule(problem: RCPSP, starts) -> list[Violation]:
    """Every violated constraint of ``starts``, by class, with tasks and times.

    Written independently of the schedulers: it works on event lists, not on the
    time-indexed arrays the decoders use. Resource overloads are reported as
    maximal intervals during which the set of running tasks and the capacity do
    not change.
    """
    P = problem
    s = np.asarray(starts, dtype=np.int64)
    p = P.durations
    f = s + p
    nm = P.names
    out: list[Violation] = []
    # windows (time 0 is everybody's release)
    for i in np.flatnonzero(s < np.maximum(P.release, 0)):
        rel = int(P.release[i])
        out.append(Violation("window", [nm[i]], [int(s[i]), rel],
                             f"task {nm[i]} starts at {s[i]}, before its release time {rel}"))
    for i in np.flatnonzero(f > P.deadline):
        out.append(Violation("window", [nm[i]], [int(f[i]), int(P.deadline[i])],
                             f"task {nm[i]} finishes at {f[i]}, after its deadline {P.deadline[i]}"))
    # precedence
    if len(P.edges):
        a, b = P.edges[:, 0], P.edges[:, 1]
        for k in np.flatnonzero(s[b] < f[a]):
            i, j = a[k], b[k]
            out.append(Violation("precedence", [nm[i], nm[j]], [int(f[i]), int(s[j])],
                                 f"task {nm[j]} starts at {s[j]} before its predecessor {nm[i]} "
                                 f"finishes at {f[i]}"))
    # disjunctive pairs
    for i, j in P.disjunctive:
        if p[i] == 0 or p[j] == 0:
            continue
        lo, hi = max(s[i], s[j]), min(f[i], f[j])
        if lo < hi:
            out.append(Violation("disjunctive", [nm[i], nm[j]], [int(lo), int(hi)],
                                 f"tasks {nm[i]} [{s[i]}, {f[i]}) and {nm[j]} [{s[j]}, {f[j]}) "
                                 f"overlap during [{lo}, {hi})"))
    # resources: sweep over the event points of each resource
    for r in range(P.num_resources):
        users = np.flatnonzero((P.demands[:, r] > 0) & (p > 0))
        if users.size == 0:
            continue
        segs = P.capacity_segments(r)
        pts = np.unique(np.concatenate([s[users], f[users], [a for a, _, _ in segs], [b for _, b, _ in segs]]))
        if pts.size < 2:
            continue
        lefts = pts[:-1]
        # usage on [pts[k], pts[k+1]) via start/finish counts
        delta = np.zeros(pts.size, dtype=np.int64)
        np.add.at(delta, np.searchsorted(pts, s[users]), P.demands[users, r])
        np.add.at(delta, np.searchsorted(pts, f[users]), -P.demands[users, r])
        usage = np.cumsum(delta)[:-1]
        capv = np.full(lefts.size, int(P.capacities[r]), dtype=np.int64)
        for a, b, lvl in segs:
            inside = (lefts >= a) & (lefts < b)
            capv[inside] = np.minimum(capv[inside], lvl)
        over = np.flatnonzero(usage > capv)
        k = 0
        while k < over.size:
            a_idx = over[k]
            running = users[(s[users] <= pts[a_idx]) & (f[users] > pts[a_idx])]
            b_idx = a_idx + 1
            # extend while the next segment is overloaded with the same tasks and capacity
            while (k + 1 < over.size and over[k + 1] == b_idx and capv[b_idx] == capv[a_idx]
                   and np.array_equal(users[(s[users] <= pts[b_idx]) & (f[users] > pts[b_idx])], running)):
                k += 1
                b_idx += 1
            t0, t1 = int(pts[a_idx]), int(pts[b_idx])
            cap_here = int(capv[a_idx])
            why = "" if cap_here == P.capacities[r] else f" (downtime; base capacity {P.capacities[r]})"
            names = [nm[i] for i in running]
            out.append(Violation("resource", names, [t0, t1],
                                 f"resource {P.resource_names[r]}: usage {usage[a_idx]} > capacity {cap_here}{why} "
                                 f"during [{t0}, {t1}) by tasks {', '.join(names)}",
                                 resource=P.resource_names[r]))
            k += 1
    order = {c: i for i, c in enumerate(VIOLATION_CLASSES)}
    out.sort(key=lambda v: (order[v.kind], v.times[0] if v.times else 0))
    return out


# ---------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------
def _ints(tokens: list[str], path, lineno: int, what: str) -> list[int]:
    out = []
    for t in tokens:
        if not re.fullmatch(r"[+-]?\d+", t):
            raise InputError(path, f"expected integers in {what}, got {t!r}", lineno)
        v = int(t)
        if abs(v) > MAX_TIME_VALUE * 10:
            raise InputError(path, f"value {v} in {what} is too large", lineno)
        out.append(v)
    return out


def read_psplib_sm(path: str | Path) -> RCPSP:
    """Read a PSPLIB single-mode ``.sm`` file (jobs 1 and n+2 are dummies, kept as tasks)."""
    path = Path(path)
    lines = path.read_text().splitlines()
    njobs = None
    nres = None
    section = None
    prec: dict[int, tuple[list[int], int]] = {}
    req: dict[int, tuple[int, list[int], int]] = {}
    caps = None
    caps_line = None
    expect_header = False
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("*"):
            section = None
            continue
        low = line.lower()
        m = re.match(r"jobs\s*\(incl\. supersource/sink\s*\)\s*:\s*(\S+)", low)
        if m:
            v = _ints([m.group(1)], path, lineno, "the number of jobs")[0]
            if not 2 <= v <= MAX_TASKS:
                raise InputError(path, f"number of jobs must lie in 2..{MAX_TASKS}, got {v}", lineno)
            njobs = v
            continue
        m = re.match(r"-\s*renewable\s*:\s*(\S+)", low)
        if m:
            nres = _ints([m.group(1)], path, lineno, "the number of renewable resources")[0]
            if not 0 <= nres <= MAX_RESOURCES:
                raise InputError(path, f"number of renewable resources must lie in 0..{MAX_RESOURCES}", lineno)
            continue
        m = re.match(r"-\s*(nonrenewable|doubly constrained)\s*:\s*(\S+)", low)
        if m:
            if _ints([m.group(2)], path, lineno, "the number of resources")[0] != 0:
                raise InputError(path, f"{m.group(1)} resources are not supported (single-mode renewable RCPSP only)",
                                 lineno)
            continue
        if low.startswith("precedence relations"):
            section, expect_header = "prec", True
            continue
        if low.startswith("requests/durations"):
            section, expect_header = "req", True
            continue
        if low.startswith("resourceavailabilities"):
            section, expect_header = "cap", True
            continue
        if section is None:
            continue
        if expect_header:
            expect_header = False
            if not re.match(r"[a-z]", low):
                raise InputError(path, "expected a column header line", lineno)
            continue
        if section == "req" and set(line) <= {"-"}:
            continue
        toks = line.split()
        if section == "prec":
            v = _ints(toks, path, lineno, "a precedence line (job, modes, #successors, successors)")
            if len(v) < 3:
                raise InputError(path, "expected job number, number of modes, number of successors", lineno)
            job, modes, ns = v[0], v[1], v[2]
            if modes != 1:
                raise InputError(path, f"job {job} has {modes} modes; only single-mode files (.sm) are supported",
                                 lineno)
            if ns != len(v) - 3:
                raise InputError(path, f"job {job} declares {ns} successors but lists {len(v) - 3}", lineno)
            if job in prec:
                raise InputError(path, f"job {job} appears twice in PRECEDENCE RELATIONS", lineno)
            prec[job] = (v[3:], lineno)
        elif section == "req":
            v = _ints(toks, path, lineno, "a request line (job, mode, duration, demands)")
            if nres is None:
                raise InputError(path, "REQUESTS/DURATIONS before the number of renewable resources", lineno)
            if len(v) != 3 + nres:
                raise InputError(path, f"expected job, mode, duration and {nres} demands, got {len(v)} numbers",
                                 lineno)
            job = v[0]
            if job in req:
                raise InputError(path, f"job {job} appears twice in REQUESTS/DURATIONS", lineno)
            if v[2] < 0 or min(v[3:], default=0) < 0:
                raise InputError(path, f"job {job}: duration and demands must be non-negative", lineno)
            req[job] = (v[2], v[3:], lineno)
        elif section == "cap":
            if caps is not None:
                continue
            v = _ints(toks, path, lineno, "RESOURCEAVAILABILITIES")
            if nres is not None and len(v) != nres:
                raise InputError(path, f"expected {nres} resource capacities, got {len(v)}", lineno)
            if min(v, default=0) < 0:
                raise InputError(path, "resource capacities must be non-negative", lineno)
            caps, caps_line = v, lineno
    last = len(lines)
    if njobs is None:
        raise InputError(path, "no 'jobs (incl. supersource/sink )' line; not a PSPLIB .sm file", 1)
    if nres is None:
        raise InputError(path, "no '- renewable' resource count line", 1)
    if caps is None:
        raise InputError(path, "missing RESOURCEAVAILABILITIES section (truncated file?)", last)
    for what, table in (("PRECEDENCE RELATIONS", prec), ("REQUESTS/DURATIONS", req)):
        missing = [j for j in range(1, njobs + 1) if j not in table]
        if missing:
            raise InputError(path, f"{what} lacks job(s) {', '.join(map(str, missing[:8]))} of 1..{njobs}", last)
        extra = [j for j in table if not 1 <= j <= njobs]
        if extra:
            raise InputError(path, f"{what} names job {extra[0]} outside 1..{njobs}", table[extra[0]][-1])
    succ = []
    for j in range(1, njobs + 1):
        s_list, ln = prec[j]
        for s in s_list:
            if not 1 <= s <= njobs:
                raise InputError(path, f"job {j} has successor {s} outside 1..{njobs}", ln)
        succ.append([s - 1 for s in s_list])
    dur = [req[j][0] for j in range(1, njobs + 1)]
    dem = np.array([req[j][1] for j in range(1, njobs + 1)], dtype=np.int64).reshape(njobs, nres)
    return _build(path, caps_line, dur, dem, caps, succ, name=path.name.split(".")[0])


def read_patterson(path: str | Path) -> RCPSP:
    """Read a Patterson ``.rcp`` file (``n R`` / capacities / one record per job)."""
    path = Path(path)
    tokens: list[tuple[str, int]] = []
    for lineno, raw in enumerate(path.read_text().splitlines(), 1):
        tokens.extend((t, lineno) for t in raw.split())
    pos = 0
    last = tokens[-1][1] if tokens else 1

    def take(what: str) -> int:
        nonlocal pos
        if pos >= len(tokens):
            raise InputError(path, f"file ends early: expected {what}", last)
        t, ln = tokens[pos]
        pos += 1
        return _ints([t], path, ln, what)[0]

    def line_of() -> int:
        return tokens[min(pos, len(tokens) - 1)][1] if tokens else 1

    n = take("the number of jobs")
    if not 1 <= n <= MAX_TASKS:
        raise InputError(path, f"number of jobs must lie in 1..{MAX_TASKS}, got {n}", 1)
    R = take("the number of resources")
    if not 0 <= R <= MAX_RESOURCES:
        raise InputError(path, f"number of resources must lie in 0..{MAX_RESOURCES}, got {R}", 1)
    caps_line = line_of()
    caps = [take(f"capacity of resource {r + 1}") for r in range(R)]
    if min(caps, default=0) < 0:
        raise InputError(path, "resource capacities must be non-negative", caps_line)
    dur, dem, succ = [], [], []
    for j in range(1, n + 1):
        ln = line_of()
        d = take(f"the duration of job {j}")
        q = [take(f"demand of job {j} on resource {r + 1}") for r in range(R)]
        if d < 0 or min(q, default=0) < 0:
            raise InputError(path, f"job {j}: duration and demands must be non-negative", ln)
        ns = take(f"the number of successors of job {j}")
        if ns < 0 or ns > n:
            raise InputError(path, f"job {j}: number of successors must lie in 0..{n}, got {ns}", ln)
        ss = []
        for _ in range(ns):
            sl = line_of()
            s = take(f"a successor of job {j}")
            if not 1 <= s <= n:
                raise InputError(path, f"job {j} has successor {s} outside 1..{n}", sl)
            ss.append(s - 1)
        dur.append(d)
        dem.append(q)
        succ.append(ss)
    if pos != len(tokens):
        raise InputError(path, f"unexpected data after the {n} jobs: {tokens[pos][0]!r}", tokens[pos][1])
    return _build(path, caps_line, dur, np.array(dem, dtype=np.int64).reshape(n, R), caps, succ,
                  name=path.name.split(".")[0])


def _build(path, line, dur, dem, caps, succ, **kw) -> RCPSP:
    try:
        return RCPSP(dur, dem, caps, succ, source=str(path), **kw)
    except ParameterError as e:
        raise InputError(path, str(e), line if "capacity" in str(e) else None) from None


# ---------------------------------------------------------------------------------------
# JSON extension format
# ---------------------------------------------------------------------------------------
def rcpsp_to_json(problem: RCPSP) -> dict[str, Any]:
    """The instance in the ``combopt-rcpsp`` JSON format (version 1).

    ::

        {"format": "combopt-rcpsp", "version": 1, "name": "...",
         "resources": [{"name": "teams", "capacity": 4,
                        "downtime": [{"start": 10, "end": 15, "capacity": 0, "reason": "..."}]}],
         "tasks": [{"name": "a", "duration": 3, "demands": {"teams": 2},
                    "successors": ["b"], "release": 0, "deadline": 20}],
         "disjunctive": [["a", "c"]],
         "witness": {"a": 0, ...},            # optional: a schedule known to be feasible
         "best_known": 17,                    # optional
         "meta": {...}}                       # optional, free-form

    Times are integers; a task runs during ``[start, start + duration)``;
    ``release``/``deadline`` bound its start and finish; ``demands`` may also be
    a list in resource order; omitted demands are 0.
    """
    P = problem
    res = []
    for r in range(P.num_resources):
        entry: dict[str, Any] = {"name": P.resource_names[r], "capacity": int(P.capacities[r])}
        dts = [d for d in P.downtime if d.resource == r]
        if dts:
            entry["downtime"] = [{"start": d.start, "end": d.end, "capacity": d.capacity,
                                  **({"reason": d.reason} if d.reason else {})} for d in dts]
        res.append(entry)
    tasks = []
    for i in range(P.n):
        t: dict[str, Any] = {"name": P.names[i], "duration": int(P.durations[i])}
        dem = {P.resource_names[r]: int(P.demands[i, r]) for r in range(P.num_resources) if P.demands[i, r]}
        if dem:
            t["demands"] = dem
        succ = [P.names[j] for j in P.succ_idx[P.succ_ptr[i]:P.succ_ptr[i + 1]]]
        if succ:
            t["successors"] = succ
        if P.release[i] > 0:
            t["release"] = int(P.release[i])
        if P.deadline[i] < NO_DEADLINE:
            t["deadline"] = int(P.deadline[i])
        tasks.append(t)
    out: dict[str, Any] = {"format": JSON_FORMAT, "version": 1, "name": P.name, "resources": res, "tasks": tasks}
    if len(P.disjunctive):
        out["disjunctive"] = [[P.names[a], P.names[b]] for a, b in P.disjunctive]
    if P.witness is not None:
        out["witness"] = {P.names[i]: int(P.witness[i]) for i in range(P.n)}
    if P.best_known is not None:
        out["best_known"] = int(P.best_known) if float(P.best_known).is_integer() else P.best_known
    if P.meta:
        out["meta"] = P.meta
    return out


def write_rcpsp_json(problem: RCPSP, path: str | Path) -> Path:
    """Write :func:`rcpsp_to_json` to ``path`` (atomically: a temporary file is renamed)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(rcpsp_to_json(problem), indent=1) + "\n")
    tmp.replace(path)
    return path


def read_rcpsp_json(path: str | Path) -> RCPSP:
    """Read the ``combopt-rcpsp`` JSON format (see :func:`rcpsp_to_json`)."""
    path = Path(path)
    text = path.read_text()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    except (ValueError, RecursionError) as e:
        raise InputError(path, f"not usable JSON ({type(e).__name__})") from None

    def fail(where: str, msg: str):
        raise InputError(path, f"{where}: {msg}", _line_of(text, where))

    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise InputError(path, f"expected a JSON object with \"format\": \"{JSON_FORMAT}\"", 1)
    if data.get("version", 1) != 1:
        fail("version", f"version {data.get('version')!r} is not supported (expected 1)")
    resources = data.get("resources", [])
    tasks = data.get("tasks")
    if not isinstance(resources, list):
        fail("resources", "expected a list of resources")
    if not isinstance(tasks, list) or not tasks:
        fail("tasks", "expected a non-empty list of tasks")
    if len(tasks) > MAX_TASKS or len(resources) > MAX_RESOURCES:
        fail("tasks", f"too large (at most {MAX_TASKS} tasks and {MAX_RESOURCES} resources)")

    def integer(v, where, lo=0):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v) \
                or not lo <= v <= MAX_TIME_VALUE:
            fail(where, f"expected an integer in {lo}..{MAX_TIME_VALUE}, got {v!r}")
        return int(v)

    def string(v, where):
        if not isinstance(v, (str, int)) or isinstance(v, bool):
            fail(where, f"expected a name (string), got {v!r}")
        return str(v)

    rnames, caps, downtime = [], [], []
    for r, res in enumerate(resources):
        w = f"resources[{r}]"
        if not isinstance(res, dict):
            fail(w, "expected an object with 'name' and 'capacity'")
        rnames.append(string(res.get("name", f"R{r + 1}"), w + ".name"))
        caps.append(integer(res.get("capacity"), w + ".capacity"))
        dts = res.get("downtime", [])
        if not isinstance(dts, list):
            fail(w + ".downtime", "expected a list of {start, end, capacity}")
        for k, d in enumerate(dts):
            wd = f"{w}.downtime[{k}]"
            if not isinstance(d, dict):
                fail(wd, "expected an object {start, end, capacity}")
            downtime.append(Downtime(r, integer(d.get("start"), wd + ".start"), integer(d.get("end"), wd + ".end"),
                                     integer(d.get("capacity", 0), wd + ".capacity"), str(d.get("reason", ""))))
    if len(set(rnames)) != len(rnames):
        fail("resources", "resource names must be unique")
    rindex = {v: i for i, v in enumerate(rnames)}
    names = []
    for i, t in enumerate(tasks):
        if not isinstance(t, dict):
            fail(f"tasks[{i}]", "expected an object with 'name' and 'duration'")
        names.append(string(t.get("name", t.get("id", str(i + 1))), f"tasks[{i}].name"))
    if len(set(names)) != len(names):
        dup = next(v for v in names if names.count(v) > 1)
        fail("tasks", f"task name {dup!r} is used twice")
    tindex = {v: i for i, v in enumerate(names)}
    n, R = len(tasks), len(rnames)
    dur = np.zeros(n, dtype=np.int64)
    dem = np.zeros((n, R), dtype=np.int64)
    succ: list[list[int]] = []
    release: list[int | None] = [None] * n
    deadline: list[int | None] = [None] * n
    for i, t in enumerate(tasks):
        w = f"tasks[{i}]"
        dur[i] = integer(t.get("duration"), w + ".duration")
        d = t.get("demands", {})
        if isinstance(d, list):
            if len(d) != R:
                fail(w + ".demands", f"expected {R} demands in resource order, got {len(d)}")
            for r, v in enumerate(d):
                dem[i, r] = integer(v, f"{w}.demands[{r}]")
        elif isinstance(d, dict):
            for k, v in d.items():
                if k not in rindex:
                    fail(w + ".demands", f"unknown resource {k!r}")
                dem[i, rindex[k]] = integer(v, f"{w}.demands.{k}")
        else:
            fail(w + ".demands", "expected an object {resource: amount} or a list")
        ss = t.get("successors", [])
        if not isinstance(ss, list):
            fail(w + ".successors", "expected a list of task names")
        row = []
        for s in ss:
            key = str(s)
            if key not in tindex:
                fail(w + ".successors", f"unknown task {s!r}")
            row.append(tindex[key])
        succ.append(row)
        if t.get("release") is not None:
            release[i] = integer(t["release"], w + ".release")
        if t.get("deadline") is not None:
            deadline[i] = integer(t["deadline"], w + ".deadline")
    pairs = []
    dj = data.get("disjunctive", [])
    if not isinstance(dj, list):
        fail("disjunctive", "expected a list of [task, task] pairs")
    for k, pr in enumerate(dj):
        if not (isinstance(pr, list) and len(pr) == 2 and all(str(x) in tindex for x in pr)):
            fail(f"disjunctive[{k}]", f"expected a pair of task names, got {pr!r}")
        pairs.append((tindex[str(pr[0])], tindex[str(pr[1])]))
    witness = None
    if data.get("witness") is not None:
        wd = data["witness"]
        if not isinstance(wd, dict) or set(map(str, wd)) != set(names):
            fail("witness", "expected an object with a start time for every task")
        witness = [integer(wd[k], f"witness.{k}") for k in names]
    best = data.get("best_known")
    if best is not None and (isinstance(best, bool) or not isinstance(best, (int, float))):
        fail("best_known", f"expected a number, got {best!r}")
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        fail("meta", "expected an object")
    name = data.get("name") or path.name.split(".")[0]
    try:
        return RCPSP(dur, dem, caps, succ, names=names, resource_names=rnames, release=release, deadline=deadline,
                     downtime=downtime, disjunctive=pairs, witness=witness, best_known=best, name=str(name),
                     source=str(path), meta=meta)
    except ParameterError as e:
        raise InputError(path, str(e)) from None


def _line_of(text: str, where: str) -> int | None:
    """Best-effort line number of the JSON element ``where`` (e.g. ``tasks[3].duration``)."""
    parts = re.findall(r"[A-Za-z_]\w*|\[\d+\]", where)
    key = next((p for p in reversed(parts) if not p.startswith("[")), None)
    idx = [int(p[1:-1]) for p in parts if p.startswith("[")]
    if key is None:
        return None
    lines = text.splitlines()
    hits = [k for k, line in enumerate(lines, 1) if f'"{key}"' in line]
    if not hits:
        return None
    if idx and parts[0] in ("tasks", "resources", "disjunctive"):
        # the idx-th occurrence of the section's per-item key, when items hold one per line or object
        marker = '"name"' if parts[0] in ("tasks", "resources") else None
        if marker is not None:
            starts = [k for k, line in enumerate(lines, 1) if marker in line]
            if idx[0] < len(starts):
                after = [h for h in hits if h >= starts[idx[0]]]
                return after[0] if after else starts[idx[0]]
    return hits[0]


# ---------------------------------------------------------------------------------------
# registration
# ---------------------------------------------------------------------------------------
def _sniff_sm(head: str) -> bool:
    return "jobs (incl. supersource/sink" in head and "PRECEDENCE RELATIONS" in head.upper()


def _sniff_json(head: str) -> bool:
    return '"format"' in head and JSON_FORMAT in head


def _single(loader):
    def read(path: Path, kind: str, index: int | None):
        if index not in (None, 0):
            raise InputError(path, f"holds a single project; #{index} does not exist (use #0 or no index)")
        return loader(path)

    return read


register_reader("psplib-sm", kinds=("rcpsp",), extensions=(".sm",), sniff=_sniff_sm)(_single(read_psplib_sm))
register_reader("patterson", kinds=("rcpsp",), extensions=(".rcp",))(_single(read_patterson))
register_reader("rcpsp-json", kinds=("rcpsp",), extensions=(".rcpsp.json",), sniff=_sniff_json)(
    _single(read_rcpsp_json))

