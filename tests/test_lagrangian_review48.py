"""What an outside reviewer found in the slack-free Lagrangian family (session 48): the default Polyak subgradient
ran off on every TSP (bound stuck at 0), the set-up timed as the first iteration, a penalty QUBO of negative
distances whose minimum was no tour, inner parameters never checked, and MIS bounds that depended on the clock."""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
import pytest

import combopt
import combopt.api as api
from combopt.core.errors import ParameterError
from combopt.core.stopping import SearchState

T4 = [[0, 26, 25, 3], [26, 0, 4, 16], [25, 4, 0, 16], [3, 16, 16, 0]]


def _tsp(tmp_path, D, name="t"):
    f = tmp_path / f"{name}.tsp"
    rows = "\n".join(" ".join(map(str, r)) for r in D)
    f.write_text(f"NAME: {name}\nTYPE: TSP\nDIMENSION: {len(D)}\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                 f"EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n{rows}\nEOF\n")
    return f


def _brute(D):
    n = len(D)
    return min(sum(D[t[i]][t[(i + 1) % n]] for i in range(n)) for t in ([0, *p] for p in
                                                                        itertools.permutations(range(1, n))))


def test_the_polyak_subgradient_raises_the_tsp_bound(tmp_path, monkeypatch):
    """The dual fell a little, the step (UB - value) / |d|^2 grew with the fall, and the multipliers reached 1e10
    with the bound stuck at 0 (the closed-form bound hidden, so that only the Lagrangian one shows)."""
    monkeypatch.setattr(api, "_cheap_bound", lambda p, s=math.inf: None)
    rng = np.random.default_rng(2)
    for D in [T4] + [np.triu(rng.integers(1, 30, (4, 4)), 1) for _ in range(3)]:
        D = (np.asarray(D) + np.asarray(D).T).tolist()
        r = combopt.solve(str(_tsp(tmp_path, D)), "lagrangian", inner="exhaustive", max_iterations=40)
        opt = _brute(D)
        assert r.objective == opt and 0.3 * opt <= r.bound <= opt, (D, r.bound)
        assert max(abs(v) for v in r.info["multipliers"]) < 1e4


def test_the_set_up_is_no_iteration(tmp_path, monkeypatch):
    calls = []
    real = SearchState.begin_iterations
    monkeypatch.setattr(SearchState, "begin_iterations", lambda self: (calls.append(1), real(self))[1])
    f = _tsp(tmp_path, T4)
    combopt.solve(str(f), "lagrangian", inner="exhaustive", max_iterations=2)
    combopt.solve(str(f), "slack-penalty", inner="exhaustive", max_iterations=2)
    assert len(calls) >= 2


def test_a_penalty_qubo_of_negative_distances_is_minimal_at_the_best_tour(tmp_path):
    D = [[0, -50, -30, -40], [-50, 0, -20, -60], [-30, -20, 0, -70], [-40, -60, -70, 0]]
    p = combopt.read(_tsp(tmp_path, D))
    q = p.to_qubo()
    X = np.array(list(itertools.product([0, 1], repeat=q.n)), dtype=np.int8)
    E = q.energies(X)
    best = X[int(np.argmin(E))]
    assert E.min() == _brute(D) == -210
    tour = p.from_qubo_sample(best)
    assert p.evaluate(tour).objective == -210
    assert p.D.min() == -70  # the problem's own distances are untouched


@pytest.mark.parametrize("params", [{"bogus": 1}, {"num_reads": -5}])
def test_inner_parameters_are_checked_where_the_inner_solver_never_runs(tmp_path, params):
    k = tmp_path / "k.txt"
    k.write_text(" 1\n 4 2 0\n 5 4 3 6\n 2 2 1 3\n 3 1 2 2\n 5 4\n")  # MDKP: its relaxed QUBOs are separable
    with pytest.raises(ParameterError):
        combopt.solve(str(k), "lagrangian", time_limit=2, inner_params=params)
    r = combopt.solve(str(k), "lagrangian", time_limit=2, inner_params={"num_reads": 8})
    assert r.feasible


def test_mis_bounds_of_the_default_call_do_not_depend_on_the_clock(tmp_path, monkeypatch):
    """The default call spends its 0.1 s by estimated cost: a slow first call (kernels loading) left cover_lp out."""
    rng = np.random.default_rng(1)
    n = 300
    edges = [(i + 1, j + 1) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.05]
    g = tmp_path / "g.clq"
    g.write_text(f"p edge {n} {len(edges)}\n" + "".join(f"e {a} {b}\n" for a, b in edges))
    calm = combopt.read(g, "mis").bounds()
    import combopt.problems.graph.bounds as gb

    clock = [time.perf_counter()]

    def slow():  # every look at the clock finds 50 ms gone
        clock[0] += 0.05
        return clock[0]

    monkeypatch.setattr(gb.time, "perf_counter", slow)
    assert combopt.read(g, "mis").bounds() == calm and "cover_lp" in calm
