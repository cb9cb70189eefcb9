"""The RCPSP checker against a brute-force, time-unit by time-unit check on random small instances."""

from __future__ import annotations

import numpy as np
import pytest

from combopt.problems.rcpsp.check import check_schedule
from combopt.problems.rcpsp.model import RCPSP, Downtime


def random_instance(rng) -> RCPSP:
    n = int(rng.integers(3, 7))
    dur = rng.integers(0, 4, n)
    dur[0] = max(dur[0], 1)
    R = int(rng.integers(1, 3))
    dem = rng.integers(0, 3, (n, R))
    cap = np.maximum(dem.max(axis=0), 1) + rng.integers(0, 2, R)
    succ = [[j for j in range(i + 1, n) if rng.random() < 0.3] for i in range(n)]
    release = [int(rng.integers(0, 4)) if rng.random() < 0.3 else None for _ in range(n)]
    deadline = [int(rng.integers(4, 14)) if rng.random() < 0.3 else None for _ in range(n)]
    down = []
    for r in range(R):
        if rng.random() < 0.6:
            a = int(rng.integers(0, 8))
            down.append(Downtime(r, a, a + int(rng.integers(1, 4)), int(rng.integers(0, cap[r]))))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.2 and j not in succ[i]]
    return RCPSP(dur.tolist(), dem.tolist(), cap.tolist(), succ, release=release, deadline=deadline, downtime=down,
                 disjunctive=pairs, name="rand")


def brute(P: RCPSP, s: np.ndarray):
    """Sets of what is violated, from first principles."""
    f = s + P.durations
    win = {i for i in range(P.n) if s[i] < max(P.release[i], 0) or f[i] > P.deadline[i]}
    prec = {(int(a), int(b)) for a, b in P.edges if s[b] < f[a]}
    disj = {(i, j) for i, j in P.disjunctive if P.durations[i] and P.durations[j] and max(s[i], s[j]) < min(f[i], f[j])}
    over = set()
    H = int(max(f.max(), 1)) + 1
    for r in range(P.num_resources):
        for t in range(int(min(s.min(), 0)), H):
            use = sum(P.demands[i, r] for i in range(P.n) if s[i] <= t < f[i])
            capt = min([P.capacities[r]] + [d.capacity for d in P.downtime if d.resource == r and d.start <= t < d.end])
            if use > capt:
                over.add((r, t))
    return win, prec, disj, over


@pytest.mark.parametrize("seed", range(40))
def test_checker_agrees_with_brute_force(seed):
    rng = np.random.default_rng(seed)
    P = random_instance(rng)
    for _ in range(6):
        s = rng.integers(-1, 9, P.n)
        viol = check_schedule(P, s)
        win, prec, disj, over = brute(P, s)
        got_win = {P.names.index(v.tasks[0]) for v in viol if v.kind == "window"}
        got_prec = {(P.names.index(v.tasks[0]), P.names.index(v.tasks[1])) for v in viol if v.kind == "precedence"}
        got_disj = {(P.names.index(v.tasks[0]), P.names.index(v.tasks[1])) for v in viol if v.kind == "disjunctive"}
        got_over = set()
        for v in viol:
            if v.kind == "resource":
                r = P.resource_names.index(v.resource)
                got_over |= {(r, t) for t in range(v.times[0], v.times[1])}
        assert got_win == win and got_prec == prec and got_disj == disj, (seed, s, viol)
        assert got_over == over, (seed, s, sorted(got_over ^ over))
        assert (not viol) == P.evaluate(s).feasible
        if not viol:
            assert P.evaluate(s).objective == max(0, int((s + P.durations).max()))


def test_checker_overloads_with_two_event_points_and_separate_intervals():
    # two tasks on exactly the same interval: only two event points, still an overload
    P = RCPSP([2, 2], [[2], [2]], [3], [[], []], name="pair")
    viol = check_schedule(P, [0, 0])
    assert [(v.kind, v.times) for v in viol] == [("resource", [0, 2])]
    # two separate overloads: both reported
    P = RCPSP([2, 2, 2, 2], [[2], [2], [2], [2]], [3], [[], [], [], []], name="twice")
    viol = check_schedule(P, [0, 0, 5, 5])
    assert [(v.kind, v.times) for v in viol] == [("resource", [0, 2]), ("resource", [5, 7])]
    assert check_schedule(P, [0, 2, 4, 6]) == []
