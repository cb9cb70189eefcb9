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

