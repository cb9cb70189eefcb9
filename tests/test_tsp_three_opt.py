"""The 3-opt move (combopt/problems/tsp/local.py) against brute-force enumeration, and tsp-ls with it.

Every 3-opt reconnection of a tour: cut three of its edges (adjacent ones included, so a single city
moved elsewhere counts) into ``S0 S1 S2`` and rejoin ``S0 X Y`` with ``{X, Y} = {S1, S2}`` in either
order and either orientation; 2-opt moves are the reconnections that keep one of the cut edges.
With full neighbour lists the move must reach a tour none of these improves (integer lengths, so the
gain criterion's strict thresholds cannot hide a small improvement); with any lists it must never
lengthen a tour, keep a permutation and report the change it made.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from tsp_kernel_state import edges, kernel_state, length

import combopt
from combopt import ParameterError
from combopt.problems.tsp import local as t3
from combopt.problems.tsp.local import neighbour_lists, three_opt, tour_length

DATA = Path(__file__).parent / "data" / "tsp"
OPT = {"burma14": 3323, "ulysses16": 6859, "gr17": 2085, "ulysses22": 7013, "att48": 10628, "eil51": 426}


def reconnections(t):
    """Every tour one 3-opt reconnection (2-opt moves included) away from ``t``."""
    t = [int(x) for x in t]
    n = len(t)
    for i, j, k in itertools.combinations(range(n), 3):
        s1, s2, s0 = t[i + 1:j + 1], t[j + 1:k + 1], t[k + 1:] + t[:i + 1]
        for x, y in ((s1, s2), (s2, s1)):
            for rx, ry in itertools.product((False, True), repeat=2):
                yield s0 + (x[::-1] if rx else x) + (y[::-1] if ry else y)


def best_reconnection(t, D) -> float:
    L0 = length(t, D)
    return min(length(new, D) - L0 for new in reconnections(t))


def integer_instance(rng, n):
    if rng.random() < 0.5:  # Euclidean, rounded (TSPLIB EUC_2D)
        P = rng.integers(0, 100, size=(n, 2))
        D = np.floor(np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1)) + 0.5).astype(np.int64)
    else:  # random symmetric: more varied move types
        A = rng.integers(1, 100, size=(n, n))
        D = A + A.T
    np.fill_diagonal(D, 0)
    return D


def float_instance(rng, n):
    P = rng.random((n, 2))
    D = np.sqrt(((P[:, None, :] - P[None, :, :]) ** 2).sum(-1))
    return np.ascontiguousarray(D), 1e-12 * max(1.0, float(D.max()))


def call(tour, D, nbr, a, eps):
    t, pos, queue, inq, qs = kernel_state(tour)
    d = t3._try_three_opt(t, pos, t3.dense_metric(D), nbr, a, queue, inq, qs, eps)
    return float(d), t, pos, queue, inq, qs


def test_move_never_lengthens_keeps_a_permutation_and_reports_its_change():
    """One anchor city at a time, any list size: a move found is a real 3-opt reconnection that shortens the
    tour by the amount returned, ``pos`` follows the tour and every city whose edges changed is queued."""
    rng = np.random.default_rng(31)
    found = none = 0
    for trial in range(60):
        n = 5 + trial % 16  # 5..20
        D, eps = float_instance(rng, n)
        nbr = neighbour_lists(D, [2, 4, n - 1][trial % 3])
        tour = rng.permutation(n)
        if trial % 2:
            tour = three_opt(tour, D, nbr)  # near a local optimum: few improving moves left
            tour[[1, 2]] = tour[[2, 1]]
        L0 = length(tour, D)
        for a in range(n):
            d, t, pos, queue, inq, qs = call(tour, D, nbr, a, eps)
            if d == 0:
                assert np.array_equal(t, tour) and qs[1] == 0 and not inq.any()
                none += 1
                continue
            found += 1
            assert d < -eps
            assert sorted(t.tolist()) == list(range(n))
            assert np.array_equal(pos[t], np.arange(n))
            assert abs(length(t, D) - L0 - d) < 1e-9
            assert len(edges(tour) - edges(t)) <= 3  # at most three edges exchanged
            if n <= 12:
                assert edges(t) in [edges(new) for new in reconnections(tour)]
            queued = {int(queue[(qs[0] + k) % n]) for k in range(qs[1])}
            assert queued == set(np.flatnonzero(inq).tolist())
            assert set().union(*(edges(tour) ^ edges(t))) <= queued
    assert found > 50 and none > 50  # both outcomes exercised


def test_three_opt_reaches_a_true_local_optimum_by_enumeration():
    rng = np.random.default_rng(7)
    for trial in range(120):
        n = 5 + trial % 8  # 5..12
        D = integer_instance(rng, n)
        full = neighbour_lists(D, n - 1)
        start = rng.permutation(n)
        keep = start.copy()
        t = three_opt(start, D, full)
        assert np.array_equal(start, keep)  # the input is not modified
        assert sorted(t.tolist()) == list(range(n))
        assert length(t, D) <= length(start, D)
        assert best_reconnection(t, D) >= 0, f"n={n} tour={t.tolist()} is not 3-opt optimal"
    # together with 2-opt and Or-opt (tried first) the result is a 3-opt local optimum as well
    for trial in range(24):
        n = 6 + trial % 7
        D = integer_instance(rng, n)
        t = three_opt(rng.permutation(n), D, neighbour_lists(D, n - 1), two=True, or_opt=True)
        assert best_reconnection(t, D) >= 0


def test_three_opt_polishes_tsplib_tours():
    p = combopt.read(DATA / "eil51.tsp")
    D = np.asarray(p.D)
    rng = np.random.default_rng(2)
    from combopt.problems.tsp.local import improve_tour

    for _ in range(3):
        start = rng.permutation(p.n)
        a = improve_tour(start, D, k=10)
        b = three_opt(a, D, k=10, two=True, or_opt=True)  # 2-opt/Or-opt optimal: 3-opt still improves or keeps
        assert sorted(b.tolist()) == list(range(p.n))
        assert tour_length(b, D) <= tour_length(a, D)
        c = three_opt(start, D, k=10)
        assert sorted(c.tolist()) == list(range(p.n)) and tour_length(c, D) < tour_length(start, D)


@pytest.mark.parametrize("name", list(OPT))
@pytest.mark.parametrize("params", [dict(three_opt=True), dict(three_opt=True, accept=0.05, restart_best=True),
                                    dict(three_opt=False)])
def test_tsp_ls_with_the_move_reaches_the_known_optima(name, params):
    res = combopt.solve(DATA / f"{name}.tsp", "tsp-ls", time_limit=20, target=OPT[name], seed=0, **params)
    assert res.feasible and res.objective == OPT[name]
    D = np.asarray(combopt.read(DATA / f"{name}.tsp").D)
    assert sorted(res.solution.tolist()) == list(range(len(D)))
    assert tour_length(res.solution, D) == OPT[name]


def test_tsp_ls_walk_options_are_validated():
    path = DATA / "burma14.tsp"
    for bad in (dict(three_opt="maybe"), dict(accept=-1.0), dict(accept=float("nan")), dict(restart_best=2)):
        with pytest.raises(ParameterError):
            combopt.solve(path, "tsp-ls", max_iterations=1, **bad)
    a = combopt.solve(DATA / "eil51.tsp", "tsp-ls", max_iterations=3, seed=3, accept=0.2, restart_best=True,
                      restart_after=50)
    b = combopt.solve(DATA / "eil51.tsp", "tsp-ls", max_iterations=3, seed=3, accept=0.2, restart_best=True,
                      restart_after=50)
    assert np.array_equal(a.solution, b.solution) and a.objective == b.objective  # deterministic
    assert sorted(a.solution.tolist()) == list(range(51))
    assert a.info["three_opt"] is True  # the default
    assert combopt.solve(DATA / "eil51.tsp", "tsp-ls", max_iterations=1, three_opt=False).info["three_opt"] is False
