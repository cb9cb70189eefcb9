"""The independent RCPSP checker: every violated constraint by class, with tasks and times.

It shares no code with the schedule generators or solvers. Imports: numpy only (the model is
passed in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import RCPSP

VIOLATION_CLASSES = ("precedence", "resource", "window", "disjunctive")


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
    from .model import NO_DEADLINE

    for i in np.flatnonzero(f > P.deadline):
        what = (f"its deadline {P.deadline[i]}" if P.deadline[i] < NO_DEADLINE else
                f"the longest horizon combopt schedules in ({NO_DEADLINE}; the task has no deadline)")
        out.append(Violation("window", [nm[i]], [int(f[i]), int(P.deadline[i])],
                             f"task {nm[i]} finishes at {f[i]}, after {what}"))
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
        if segs:  # disjoint and in order: the segment of each left end by bisection (a mask per segment took 3 s
            seg = np.asarray(segs, dtype=np.int64)  # on 20,000 downtime intervals)
            k = np.searchsorted(seg[:, 0], lefts, side="right") - 1
            inside = (k >= 0) & (lefts < seg[np.maximum(k, 0), 1])
            capv[inside] = np.minimum(capv[inside], seg[k[inside], 2])
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
# proofs that no schedule exists
def infeasibility_proof(problem: RCPSP, max_work: int = 20_000_000) -> str | None:
    """A reason why no schedule meets every constraint, or ``None`` when none is found (no proof either way).

    Three relaxations, all sound: (1) a task whose earliest start (releases, predecessors, downtime it
    cannot run through) plus its duration passes its latest finish (deadlines propagated back through
    its successors); (2) a disjunctive pair whose two durations do not fit the span of their windows;
    (3) energetic reasoning: within some interval ``[a, b)`` the tasks with deadlines
    must run more work on a resource than the resource offers there (each task counted only for the
    part it runs inside ``[a, b)`` however it is placed in its window). (3) is skipped when it would
    take more than ``max_work`` elementary steps.
    """
    from .model import NO_DEADLINE

    P = problem
    p = P.durations.astype(np.int64)
    es = P.earliest_starts().astype(np.int64)
    lf = P.latest_finishes(NO_DEADLINE).astype(np.int64)
    bad = np.flatnonzero(es + p > lf)
    if bad.size:
        i = int(bad[0])
        return (f"task {P.names[i]} cannot meet its window: it starts at {es[i]} at the earliest (releases, "
                f"predecessors, downtime), runs {p[i]}, and must finish by {lf[i]} (deadlines through its "
                f"successors)")
    for a, b in P.disjunctive:  # a pair runs one after the other within the span of their two windows
        lo, hi = min(es[a], es[b]), max(lf[a], lf[b])
        if p[a] + p[b] > hi - lo:
            return (f"disjunctive tasks {P.names[a]} and {P.names[b]} run {p[a]} + {p[b]} one after the other, "
                    f"but both must lie within [{lo}, {hi}) to meet their windows")
    W = np.flatnonzero((lf < NO_DEADLINE // 2) & (p > 0) & P.demands.any(axis=1))
    if W.size == 0:
        return None
    A = np.unique(es[W])
    B = np.unique(lf[W])
    if A.size * B.size * W.size * max(1, P.num_resources) > max_work:
        return None
    # what a resource offers in [a, b) from its downtime segments, not from a profile over the whole time axis (a
    # deadline of 45,000,000 on 8 resources allocated 2.7 GiB for a 2-task instance)
    segments = [np.asarray(P.capacity_segments(r), dtype=np.int64).reshape(-1, 3) for r in range(P.num_resources)]
    pw, ew, lw = p[W], es[W], lf[W]
    for a in A:
        bb = B[B > a]
        if bb.size == 0:
            continue
        span = (bb - a)[:, None]
        # the least a task runs inside [a, b): pushed as far left or as far right as its window allows
        must = np.minimum(np.minimum(span, pw[None, :]),
                          np.minimum(ew[None, :] + pw[None, :] - a, bb[:, None] - (lw[None, :] - pw[None, :])))
        must = np.maximum(must, 0)
        for r in range(P.num_resources):
            q = P.demands[W, r].astype(np.int64)
            need = must @ q
            avail = _offered(int(P.capacities[r]), segments[r], int(a), bb)
            over = np.flatnonzero(need > avail)
            if over.size:
                k = int(over[0])
                b = int(bb[k])
                who = [P.names[W[t]] for t in np.flatnonzero((must[k] > 0) & (q > 0))]
                shown = ", ".join(who[:8]) + (f" and {len(who) - 8} more" if len(who) > 8 else "")
                return (f"resource {P.resource_names[r]}: tasks {shown} must run {int(need[k])} units of work "
                        f"on it within [{int(a)}, {b}) to meet their windows, where it offers {int(avail[k])}")
    return None


def _offered(cap: int, segments: np.ndarray, a: int, bb: np.ndarray) -> np.ndarray:
    """Capacity-time a resource of base capacity ``cap`` offers in ``[a, b)`` for each ``b`` of ``bb``, less what its
    downtime ``segments`` (``start, end, level`` rows, disjoint) take."""
    out = cap * (bb - a)
    for start, end, level in segments:
        out -= (cap - level) * np.maximum(np.minimum(end, bb) - max(start, a), 0)
    return out
