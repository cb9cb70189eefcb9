"""The 2-opt and Or-opt move kernels of combopt/problems/tsp/local.py, one anchor city at a time,
against brute-force enumeration (issue 16).

Whole-tour tests (``improve_tour`` reaches a local optimum) cannot see a weakened neighbourhood:
an improving move missed from one anchor city is found from another. Here ``_try_two_opt`` and
``_try_or_opt`` are called directly for every city ``a`` of small tours (n = 4..12, float
distances, full neighbour lists) and compared with every 2-opt / Or-opt move, restricted to the
moves each kernel's docstrings say it searches from ``a``:

* 2-opt: the new edge ``(a, c)`` replaces the tour edge ``(a, b)`` (``b`` either tour neighbour of
  ``a``), ``c`` a neighbour with ``D[a, c] < D[a, b]``; the other removed edge is ``(c, d)``, ``d``
  on the same side of ``c`` as ``b`` of ``a``;
* Or-opt (a segment of 1..3 cities, moved between ``u`` and ``next(u)`` in its better
  orientation), parts (A)-(C) of ``_try_or_opt``: (A) ``a`` an end of the segment and ``c``, an end
  of the insertion edge, with ``D[a, c] < max(D[a, outside], removal gain)``
  (``_insert_near``); (B) the insertion edge ``(a, b)`` and ``c`` an end of the segment with
  ``D[a, c] < D[a, b]``; (C) ``a`` just before the segment, ``D[a, q] < D[a, f]`` for the city
  ``q`` after it, and the insertion edge next to a neighbour ``c`` of the far end ``l`` of the
  segment with ``D[l, c] < D[a, f] - D[a, q] + D[l, q]``.

The kernel must find an improving move exactly when that set holds one, return a tour that is one
of the enumerated improving moves (a permutation, length changed by the returned amount) and queue
every city whose tour edges changed; with none it must leave the tour and the queue alone.
"""

from __future__ import annotations

import numpy as np
import pytest
from tsp_kernel_state import edges, kernel_state, length

from combopt.problems.tsp import local as ls
from combopt.problems.tsp.local import improve_tour, neighbour_lists


def canon(t) -> tuple:
    """The tour as a cycle: from city 0, in the direction with the smaller second city."""
    t = [int(x) for x in t]
    i = t.index(0)
    r = t[i:] + t[:i]
    if len(r) > 2 and r[-1] < r[1]:
        r = [r[0]] + r[1:][::-1]
    return tuple(r)


def instance(rng, n):
    if rng.random() < 0.5:  # Euclidean
        P = rng.random((n, 2))
        D = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1))
    else:  # random symmetric: more varied move types
        A = rng.random((n, n))
        D = A + A.T
    np.fill_diagonal(D, 0.0)
    return np.ascontiguousarray(D), 1e-12 * max(1.0, float(np.abs(D).max()))


def two_opt_moves(t, D):
    """Every 2-opt move as (a, b, c, d, new tour, change): edges (a, b), (c, d) -> (a, c), (b, d),
    ``b`` after ``a`` and ``d`` after ``c`` walking in one direction."""
    n, L0, out = len(t), length(t, D), []
    for a in range(n):
        for direction in (1, -1):
            i = list(t).index(a)
            seq = [int(t[(i + direction * k) % n]) for k in range(n)]  # a, b, ...
            for j in range(2, n - 1):  # c = seq[j], d = seq[j + 1] (d != a)
                new = [seq[0]] + seq[1:j + 1][::-1] + seq[j + 1:]
                out.append((a, seq[1], seq[j], seq[j + 1], canon(new), length(new, D) - L0))
    return out


def or_opt_moves(t, D):
    """Every Or-opt move as a dict: segment at positions s..s+L-1 (L = 1..3, n - L >= 3), moved
    between u and v = next(u) (both outside it, (u, v) != (p, q)), either orientation."""
    n, L0, out = len(t), length(t, D), []
    t = [int(x) for x in t]
    for L in (1, 2, 3):
        if n - L < 3:
            break
        for s in range(n):
            seg = [t[(s + r) % n] for r in range(L)]
            rest = [t[(s + L + r) % n] for r in range(n - L)]  # q ... p
            p, q = rest[-1], rest[0]
            for j in range(n - L - 1):
                u, v = rest[j], rest[j + 1]
                for rev in (False, True):
                    new = rest[:j + 1] + (seg[::-1] if rev else seg) + rest[j + 1:]
                    out.append(dict(s=s, L=L, first=seg[0], last=seg[-1], p=p, q=q, u=u, v=v,
                                    tour=canon(new), delta=length(new, D) - L0))
    return out


def two_opt_searched(m, a, D, eps) -> bool:
    ma, b, c, d = m[:4]
    return ma == a and D[a, c] < D[a, b] - eps and c != b and d != a


def or_opt_searched(m, a, D, eps) -> bool:
    first, last, p, q, u, v = (m[k] for k in ("first", "last", "p", "q", "u", "v"))
    g_rem = D[p, first] + D[last, q] - D[p, q]
    # (A) a is an end of the segment; a neighbour c of a is an end of the insertion edge
    if a in (first, last):
        outside = p if a == first else q
        bound = max(D[a, outside], g_rem)
        if any(D[a, c] < bound - eps for c in (u, v)):
            return True
    # (B) the insertion edge is (a, b); a neighbour c of a closer than b is an end of the segment
    if a in (u, v):
        b = v if a == u else u
        if any(D[a, c] < D[a, b] - eps for c in (first, last)):
            return True
    # (C) a just before the segment (either direction); new edge (a, q); insert near its far end
    for before, f, qq, l_end in ((p, first, q, last), (q, last, p, first)):
        if a == before:
            g1 = D[a, f] - D[a, qq]
            if g1 > eps and any(D[l_end, c] < g1 + D[l_end, qq] - eps for c in (u, v)):
                return True
    return False


def call(kind, tour, D, nbr, a, eps):
    t, pos, queue, inq, qs = kernel_state(tour)
    if kind == "2opt":
        d = ls._try_two_opt(t, pos, ls.dense_metric(D), nbr, a, queue, inq, qs, eps)
    else:
        d = ls._try_or_opt(t, pos, ls.dense_metric(D), nbr, a, queue, inq, qs, eps)
    return float(d), t, pos, queue, inq, qs


def check_anchor(kind, tour, D, nbr, eps, a, moves):
    L0 = length(tour, D)
    searched = two_opt_searched if kind == "2opt" else or_opt_searched
    if kind == "2opt":
        improving = {(m[4], round(m[5], 9)) for m in moves if searched(m, a, D, eps) and m[5] < -eps}
    else:
        improving = {(m["tour"], round(m["delta"], 9)) for m in moves
                     if searched(m, a, D, eps) and m["delta"] < -eps}
    d, t, pos, queue, inq, qs = call(kind, tour, D, nbr, a, eps)
    where = f"{kind} n={len(tour)} tour={list(tour)} a={a}"
    if not improving:
        assert d == 0, f"{where}: no improving move in the searched set, kernel returned {d}"
        assert np.array_equal(t, tour) and qs[1] == 0 and not inq.any(), where
        return False
    assert d < -eps, f"{where}: missed an improving move, e.g. {sorted(improving)[:1]}"
    n = len(tour)
    assert sorted(t.tolist()) == list(range(n)), where
    assert np.array_equal(pos[t], np.arange(n)), where
    assert abs(length(t, D) - L0 - d) < 1e-9, f"{where}: claimed change {d}, actual {length(t, D) - L0}"
    assert (canon(t), round(d, 9)) in improving, f"{where}: the result is not one searched move"
    queued = {int(queue[(qs[0] + k) % n]) for k in range(qs[1])}
    assert queued == set(np.flatnonzero(inq).tolist()), where
    changed = set().union(*(edges(tour) ^ edges(t)))
    assert changed <= queued, f"{where}: cities {changed - queued} changed edges but are not queued"
    return True


def tours_for(rng, D, full):
    n = len(D)
    start = rng.permutation(n)
    opt = improve_tour(start, D, full)
    yield start
    yield opt
    for _ in range(2):  # a local optimum disturbed by one random move: few improving moves left
        moves = or_opt_moves(opt, D) if rng.random() < 0.5 else None
        if moves:
            m = moves[rng.integers(len(moves))]
            yield np.array(m["tour"], dtype=np.int64)
        else:
            moves = two_opt_moves(opt, D)
            yield np.array(moves[rng.integers(len(moves))][4], dtype=np.int64)


TRIALS = {"2opt": 36, "oropt": 90}


@pytest.mark.parametrize("kind", ["2opt", "oropt"])
def test_move_kernels_per_anchor_match_enumeration(kind):
    rng = np.random.default_rng(16 if kind == "2opt" else 17)
    found = missed = 0
    for trial in range(TRIALS[kind]):
        n = 4 + trial % 9  # 4..12: n - L == 3 (the smallest tours for a segment length) included
        D, eps = instance(rng, n)
        full = neighbour_lists(D, n - 1)
        for tour in tours_for(rng, D, full):
            moves = two_opt_moves(tour, D) if kind == "2opt" else or_opt_moves(tour, D)
            for a in range(n):
                if check_anchor(kind, tour, D, full, eps, a, moves):
                    found += 1
                else:
                    missed += 1
    assert found > 50 and missed > 50  # both outcomes exercised


def test_improve_tour_reaches_a_local_optimum_by_enumeration():
    rng = np.random.default_rng(5)
    for trial in range(12):
        n = 5 + trial % 8
        D, eps = instance(rng, n)
        full = neighbour_lists(D, n - 1)
        start = rng.permutation(n)
        t = improve_tour(start, D, full)
        assert sorted(t.tolist()) == list(range(n))
        assert length(t, D) <= length(start, D) + 1e-12
        assert min(m[5] for m in two_opt_moves(t, D)) >= -1e-9
        assert min(m["delta"] for m in or_opt_moves(t, D)) >= -1e-9


def test_local_search_with_an_empty_queue_changes_nothing():
    """Stale entries in the queue array beyond its end are never taken."""
    rng = np.random.default_rng(3)
    for n in (5, 9):
        D, eps = instance(rng, n)
        full = neighbour_lists(D, n - 1)
        tour = rng.permutation(n).astype(np.int64)
        keep = tour.copy()
        pos = np.empty(n, dtype=np.int64)
        pos[tour] = np.arange(n)
        queue = tour.copy()  # stale contents
        inq = np.zeros(n, dtype=np.bool_)
        for head in (0, n - 1):
            qs = np.array([head, 0], dtype=np.int64)
            total = ls._local_search(tour, pos, ls.dense_metric(D), full, queue, inq, qs, True, True, eps)
            assert total == 0 and np.array_equal(tour, keep) and qs[1] == 0 and not inq.any()
        # with every city queued it improves the tour by the amount it reports and empties the queue
        qs = np.array([0, 0], dtype=np.int64)
        for c in tour.tolist():
            ls._push(queue, inq, qs, c)
        L0 = length(tour, D)
        total = ls._local_search(tour, pos, ls.dense_metric(D), full, queue, inq, qs, True, True, eps)
        assert total < 0 and abs(length(tour, D) - L0 - total) < 1e-9
        assert qs[1] == 0 and not inq.any() and sorted(tour.tolist()) == list(range(n))


def test_or_opt_on_the_smallest_tours():
    """n = 4, 5: a segment of n - 2 cities is no Or-opt move (it would only reverse the segment, a
    2-opt move); many random tours, every anchor."""
    rng = np.random.default_rng(4)
    for trial in range(300):
        n = 4 + trial % 2
        D, eps = instance(rng, n)
        full = neighbour_lists(D, n - 1)
        tour = rng.permutation(n)
        moves = or_opt_moves(tour, D)
        for a in range(n):
            check_anchor("oropt", tour, D, full, eps, a, moves)


def test_tours_below_four_cities_are_returned_and_the_queue_is_emptied():
    rng = np.random.default_rng(2)
    for n in (1, 2, 3):
        D, eps = instance(rng, n)
        start = rng.permutation(n)
        assert np.array_equal(improve_tour(start, D), start)
        tour = start.astype(np.int64)
        pos = np.empty(n, dtype=np.int64)
        pos[tour] = np.arange(n)
        queue = np.empty(n, dtype=np.int64)
        inq = np.zeros(n, dtype=np.bool_)
        qs = np.zeros(2, dtype=np.int64)
        for c in tour.tolist():
            ls._push(queue, inq, qs, c)
        full = neighbour_lists(D, n - 1)
        total = ls._local_search(tour, pos, ls.dense_metric(D), full, queue, inq, qs, True, True, eps)
        assert total == 0 and np.array_equal(tour, start) and qs[1] == 0 and not inq.any()
