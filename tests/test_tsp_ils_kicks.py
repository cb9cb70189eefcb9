"""The ``tsp-ls`` walk's building blocks: the Or-opt segment move done by reversals, the
double-bridge kick, the walk's bookkeeping and the solver's ``or_opt`` / ``segment`` parameters.

* ``_move_segment`` (Or-opt) moves a segment of 1..3 cities between ``u`` and the city after it by
  2-opt moves on the shorter side of the tour; checked against the explicit rebuild for every
  segment, insertion point and orientation of small tours, and it must leave the cities outside
  the stretch between the segment and ``u`` where they are (no O(n) rebuild of the whole tour);
* ``_double_bridge`` (segment swap ``A B C z -> A C B z``) keeps a permutation with ``pos`` in step
  and returns the exact length change, also when the longest segment exceeds half the tour;
* ``ils_walk`` with and without Or-opt in the local search: the recorded lengths are the lengths of
  the recorded tours;
* the solver answers a permutation whose objective the problem's ``evaluate`` confirms, records
  the parameters it ran with, and validates them.
"""

from __future__ import annotations

import numpy as np
import pytest
from tsp_kernel_state import edges, kernel_state

import combopt
from combopt.core.errors import ParameterError
from combopt.problems.tsp.local import _move_segment, dense_metric, neighbour_lists, tour_length
from combopt.problems.tsp.model import TSP
from combopt.solvers.tsp.ils import _double_bridge, ils_walk


def moved(t0, s, L, u, rev):
    """The tour after moving the segment at positions ``s..s+L-1`` after city ``u`` (rebuilt by hand)."""
    n = len(t0)
    seg = [int(t0[(s + r) % n]) for r in range(L)]
    rest = [int(c) for c in np.roll(t0, -((s + L) % n)) if c not in seg]
    k = rest.index(u)
    return rest[:k + 1] + (seg[::-1] if rev else seg) + rest[k + 1:]


def test_move_segment_by_reversals_matches_the_rebuild_and_stays_local():
    rng = np.random.default_rng(5)
    checked = 0
    for n in range(5, 13):
        for _ in range(6):
            t0 = rng.permutation(n).astype(np.int64)
            for s in range(n):
                for L in range(1, 4):
                    if n - L < 3:
                        continue
                    seg = {int(t0[(s + r) % n]) for r in range(L)}
                    for u in range(n):
                        pu = int(np.flatnonzero(t0 == u)[0])
                        if u in seg or int(t0[(pu + 1) % n]) in seg:
                            continue
                        for rev in (False, True):
                            t = t0.copy()
                            pos = np.empty(n, dtype=np.int64)
                            pos[t] = np.arange(n)
                            _move_segment(t, pos, s, L, u, rev, np.zeros(2, dtype=np.int64))
                            assert sorted(t.tolist()) == list(range(n))
                            assert np.array_equal(pos[t], np.arange(n))
                            assert edges(t) == edges(moved(t0, s, L, u, rev)), (t0, s, L, u, rev)
                            # only positions between the segment and u (the shorter way round) change
                            span = min((pu - s) % n + 1, (s + L - 1 - pu) % n)
                            assert np.count_nonzero(t != t0) <= 2 * span + 3, (t0, s, L, u, rev, t)
                            checked += 1
    assert checked > 5000


def test_move_segment_touches_few_positions_on_a_long_tour():
    n = 2000
    t0 = np.arange(n, dtype=np.int64)
    for s, L, u, rev in ((100, 3, 110, False), (100, 2, 90, True), (1995, 3, 5, False), (500, 1, 520, True)):
        t = t0.copy()
        pos = t0.copy()
        _move_segment(t, pos, s, L, u, rev, np.zeros(2, dtype=np.int64))
        assert edges(t) == edges(moved(t0, s, L, u, rev))
        assert np.count_nonzero(t != t0) <= 2 * 25, (s, L, u, rev)


@pytest.mark.parametrize("n", [8, 9, 12, 31, 64])
@pytest.mark.parametrize("max_len", [1, 3, 50, 1000])
def test_double_bridge_keeps_a_permutation_and_its_length(n, max_len):
    rng = np.random.default_rng(n * 1000 + max_len)
    D = rng.integers(1, 100, (n, n)).astype(np.float64)
    D = np.triu(D, 1) + np.triu(D, 1).T
    state = np.array([12345 + n], dtype=np.uint64)
    tour, pos, queue, inq, qs = kernel_state(rng.permutation(n))
    buf = np.empty(n, dtype=np.int64)
    for _ in range(200):
        before = tour_length(tour, D)
        delta = _double_bridge(tour, pos, dense_metric(D), state, max_len, buf, queue, inq, qs)
        assert sorted(tour.tolist()) == list(range(n))
        assert np.array_equal(pos[tour], np.arange(n))
        assert tour_length(tour, D) == pytest.approx(before + delta)
        qs[:] = 0
        inq[:] = False


@pytest.mark.parametrize("use_or", [False, True])
@pytest.mark.parametrize("segment", [3, 50, 10_000])
def test_walk_records_the_lengths_of_its_tours(use_or, segment):
    rng = np.random.default_rng(3)
    P = rng.integers(0, 10_000, (150, 2))
    D = TSP.from_coords(P.astype(float)).D.astype(np.float64)
    n = D.shape[0]
    nbr = neighbour_lists(D, 8)
    cur = np.zeros(n, dtype=np.int64)
    best = np.zeros(n, dtype=np.int64)
    lens = np.full(2, np.inf)
    counts = np.zeros(2, dtype=np.int64)
    state = np.array([99], dtype=np.uint64)
    for _ in range(3):
        ils_walk(cur, best, dense_metric(D), nbr, 300, state, lens, counts, 200, -np.inf, segment, 0.5, True, 0.0,
                 False, use_or)
        for t, L in ((cur, lens[0]), (best, lens[1])):
            assert sorted(t.tolist()) == list(range(n))
            assert tour_length(t, D) == L
        assert lens[1] <= lens[0]


def test_solver_parameters_or_opt_and_segment():
    rng = np.random.default_rng(8)
    p = TSP.from_coords(rng.integers(0, 1000, (60, 2)).astype(float), name="r60")
    for kw in ({}, {"or_opt": True}, {"or_opt": False, "segment": 5}, {"three_opt": False}):
        res = combopt.solve(p, "tsp-ls", max_iterations=3, seed=2, **kw)
        assert res.feasible and sorted(res.solution.tolist()) == list(range(60))
        assert p.evaluate(res.solution).objective == res.objective
        assert res.info["or_opt"] == kw.get("or_opt", kw.get("three_opt", True) is False)
        assert res.info["segment"] == kw.get("segment", res.info["segment"])
    with pytest.raises(ParameterError):
        combopt.solve(p, "tsp-ls", max_iterations=1, segment=0)
