"""RCPSP capacity under several downtimes per resource, and RCPSP.evaluate, against first principles.

The capacity of resource r at time t is min(base, every downtime of r covering t) -- computed here time unit
by time unit, independently of RCPSP.capacity_segments / capacity_profile / check_schedule. The existing brute
test (tests/test_rcpsp_checker_brute.py) draws at most one downtime per resource, so merging of adjacent
segments, gaps between two downtimes of the same level and overlapping downtimes of different levels were
never exercised.
"""

from __future__ import annotations

import numpy as np
import pytest

from combopt.problems.rcpsp.check import check_schedule
from combopt.problems.rcpsp.model import MAX_TIME_VALUE, RCPSP, Downtime


def cap_at(P: RCPSP, r: int, t: int) -> int:
    return min([int(P.capacities[r])] + [d.capacity for d in P.downtime if d.resource == r and d.start <= t < d.end])


def one_task(cap: int, downtime: list[Downtime], demand: int = 1, duration: int = 1) -> RCPSP:
    return RCPSP([duration], [[demand]], [cap], [[]], downtime=downtime, name="one")


def random_instance(rng) -> RCPSP:
    n = int(rng.integers(2, 6))
    dur = rng.integers(1, 4, n)
    R = int(rng.integers(1, 3))
    dem = rng.integers(0, 3, (n, R))
    cap = np.maximum(dem.max(axis=0), 1) + rng.integers(0, 2, R)
    down = []
    for r in range(R):
        for _ in range(int(rng.integers(1, 5))):  # several per resource: gaps, touching and overlapping stretches
            a = int(rng.integers(0, 12))
            down.append(Downtime(r, a, a + int(rng.integers(1, 4)), int(rng.integers(0, cap[r] + 1))))
    return RCPSP(dur.tolist(), dem.tolist(), cap.tolist(), [[] for _ in range(n)], downtime=down, name="rand")


@pytest.mark.parametrize("seed", range(60))
def test_capacity_segments_are_the_maximal_runs_of_the_brute_force_capacity(seed):
    P = random_instance(np.random.default_rng(seed))
    for r in range(P.num_resources):
        base = int(P.capacities[r])
        segs = P.capacity_segments(r)
        # expected: maximal runs of equal capacity below base, time unit by time unit
        want, t = [], 0
        while t < 20:
            c = cap_at(P, r, t)
            if c < base:
                u = t
                while u < 20 and cap_at(P, r, u) == c:
                    u += 1
                want.append((t, u, c))
                t = u
            else:
                t += 1
        assert [tuple(int(x) for x in s) for s in segs] == want, (P.downtime, segs)


@pytest.mark.parametrize("seed", range(60))
def test_capacity_profile_matches_brute_force_in_any_call_order(seed):
    P = random_instance(np.random.default_rng(seed))
    H = int(P.horizon)
    short = P.capacity_profile(7)  # a short profile first: it must not become the kept full one
    full = P.capacity_profile()
    short2 = P.capacity_profile(5)  # and a kept full profile must not answer a request for a short one
    assert short.shape == (7, P.num_resources)
    assert full.shape == (H, P.num_resources)
    assert short2.shape == (5, P.num_resources)
    for r in range(P.num_resources):
        assert [int(x) for x in full[:, r]] == [cap_at(P, r, t) for t in range(H)]
        assert [int(x) for x in short[:, r]] == [cap_at(P, r, t) for t in range(7)]
        assert [int(x) for x in short2[:, r]] == [cap_at(P, r, t) for t in range(5)]


@pytest.mark.parametrize("seed", range(60))
def test_checker_overloads_match_brute_force_under_several_downtimes(seed):
    rng = np.random.default_rng(1000 + seed)
    P = random_instance(rng)
    for _ in range(6):
        s = rng.integers(0, 14, P.n)
        f = s + P.durations
        want = set()
        for r in range(P.num_resources):
            for t in range(0, int(f.max()) + 1):
                use = sum(int(P.demands[i, r]) for i in range(P.n) if s[i] <= t < f[i])
                if use > cap_at(P, r, t):
                    want.add((r, t))
        got = set()
        for v in check_schedule(P, s):
            assert v.kind == "resource"
            r = P.resource_names.index(v.resource)
            got |= {(r, t) for t in range(v.times[0], v.times[1])}
        assert got == want
        ev = P.evaluate(s)
        assert ev.feasible == (not want)
        assert ev.objective == (None if want else float(f.max()))


def test_gap_between_two_downtimes_of_the_same_level_has_full_capacity():
    # base 2; [0, 2) and [5, 7) at level 0; in between the capacity is 2
    P = one_task(2, [Downtime(0, 0, 2, 0), Downtime(0, 5, 7, 0)], demand=2, duration=3)
    assert P.capacity_segments(0) == [(0, 2, 0), (5, 7, 0)]
    assert P.evaluate([2]).feasible  # runs in [2, 5)
    assert not P.evaluate([3]).feasible  # [3, 6) meets the second stretch


def test_overlapping_downtimes_of_different_levels_keep_each_level():
    # base 2; [0, 4) at 1 and [2, 6) at 0: level 1 on [0, 2), 0 on [2, 6)
    P = one_task(2, [Downtime(0, 0, 4, 1), Downtime(0, 2, 6, 0)], demand=1, duration=2)
    assert P.capacity_segments(0) == [(0, 2, 1), (2, 6, 0)]
    assert P.evaluate([0]).feasible  # demand 1 on [0, 2): capacity 1
    assert not P.evaluate([1]).feasible  # [1, 3) meets level 0 at 2


def test_touching_downtimes_of_one_level_merge_and_keep_their_own_start():
    # base 2: [0, 2) at 0, then [3, 5) and [5, 7) at 1 (touching, same level: one segment [3, 7))
    P = one_task(2, [Downtime(0, 0, 2, 0), Downtime(0, 3, 5, 1), Downtime(0, 5, 7, 1)], demand=2, duration=1)
    assert P.capacity_segments(0) == [(0, 2, 0), (3, 7, 1)]
    assert P.evaluate([2]).feasible  # [2, 3): full capacity 2
    assert not P.evaluate([6]).feasible


def test_schedule_out_of_range_message_names_the_limit():
    P = one_task(1, [])
    lim = 10 * MAX_TIME_VALUE
    ev = P.evaluate([lim + 1])
    assert not ev.feasible and ev.objective is None
    assert ev.violations == [f"start times must lie within +-{lim}"]
    assert "+-1000000000" in ev.violations[0]
    ev = P.evaluate([lim])  # on the limit: a schedule, judged by the checker (past NO_DEADLINE: a window violation)
    assert ev.violations and not any("must lie within" in v for v in ev.violations)
    assert P.evaluate([-lim - 1]).violations == [f"start times must lie within +-{lim}"]


def test_a_start_beyond_the_horizon_of_a_task_without_deadline_is_not_called_a_missed_deadline():
    from combopt.problems.rcpsp.model import NO_DEADLINE

    ev = RCPSP([1], [[1]], [1], [[]], name="one").evaluate([10**9])
    assert not ev.feasible
    msg = " ".join(str(v) for v in ev.violations)
    assert f"longest horizon combopt schedules in ({NO_DEADLINE}; the task has no deadline)" in msg
    assert "its deadline" not in msg
    ev = RCPSP([1], [[1]], [1], [[]], deadline=[5], name="one").evaluate([7])
    assert "after its deadline 5" in " ".join(str(v) for v in ev.violations)
