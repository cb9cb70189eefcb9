"""Window-MILP large-neighbourhood search of the dmmv solver (combopt/solvers/dmmv/lns.py, issue 15)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.models.dmmv import DMMV, list_domains, uniform_domains
from combopt.solvers.dmmv.lns import MilpLNS, WindowMILP, supports

pytest.importorskip("highspy")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "dmmv"


def _model(seed: int, m: int = 12, n: int = 5, count: int = 5, one_sided: bool = False) -> DMMV:
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, n))
    A[rng.random((m, n)) < 0.3] = 0.0
    b = A @ (rng.integers(0, count, n) * 0.5 - 1.0) + rng.uniform(-0.8, 0.8, m)
    w = rng.uniform(0.5, 2.0, m)
    ptr, vals = uniform_domains(-1.0, 0.5, count, n)
    if one_sided:
        lower = np.where(rng.random(m) < 0.3, -np.inf, b - 0.2)
        upper = np.where(np.isinf(lower), b, np.where(rng.random(m) < 0.4, np.inf, b + 0.3))
        return DMMV(A, lower, upper, ptr, vals, w, name=f"lns{seed}")
    return DMMV.with_targets(A, b, ptr, vals, w, name=f"lns{seed}")


def _obj(model: DMMV, k) -> float:
    return model.objective(model.values(np.asarray(k)))[0]


def _window_optimum(model: DMMV, k, free, radius) -> float:
    """Brute force: the best objective over the window's variables within ``radius`` of ``k``."""
    sizes = model.domain_sizes
    ranges = [range(max(0, k[i] - radius), min(sizes[i], k[i] + radius + 1)) for i in free]
    best = math.inf
    kk = np.array(k)
    for vals in itertools.product(*ranges):
        kk[free] = vals
        best = min(best, _obj(model, kk))
    return best


@pytest.mark.parametrize("seed,one_sided", [(0, False), (1, True), (2, False), (3, True)])
def test_window_milp_is_exact_against_brute_force(seed, one_sided):
    model = _model(seed, one_sided=one_sided)
    W = WindowMILP(model)
    rng = np.random.default_rng(seed)
    k0 = rng.integers(0, model.domain_sizes)
    start = _obj(model, k0)
    # the full window with an unbounded radius is the whole problem
    full = _window_optimum(model, k0, np.arange(model.n), 10)
    kn, timed_out = W.solve(k0, np.arange(model.n), radius=10, time_limit=30.0)
    assert not timed_out
    if full < start - model.tolerance():
        assert kn is not None and _obj(model, kn) == pytest.approx(full, abs=1e-9)
    else:
        assert kn is None
    # partial windows: the exact best of the window, or None when it cannot beat the start
    for free in ([0, 2], [1, 3, 4], [4]):
        free = np.array(free)
        best = _window_optimum(model, k0, free, 1)
        kn, _ = W.solve(k0, free, radius=1, time_limit=30.0)
        if best < start - model.tolerance():
            assert kn is not None and _obj(model, kn) == pytest.approx(best, abs=1e-9)
            fixed = np.setdiff1d(np.arange(model.n), free)
            assert np.array_equal(kn[fixed], k0[fixed])
            assert np.all(np.abs(kn - k0) <= 1)
        else:
            assert kn is None


@pytest.mark.parametrize("seed", [4, 5])
def test_lns_never_worse_than_start_and_never_below_the_optimum(seed):
    model = _model(seed, m=15, n=6, count=4)
    sizes = model.domain_sizes
    opt = min(_obj(model, np.array(k)) for k in itertools.product(*[range(s) for s in sizes]))
    k0 = np.random.default_rng(seed).integers(0, sizes)
    lns = MilpLNS(model, seed, {"lns_size": 2, "lns_size_max": 6, "lns_radius": 1})
    k, improved = lns.run(k0, math.inf, max_windows=40)
    val = _obj(model, k)
    assert opt - 1e-12 <= val <= _obj(model, k0)
    assert improved == (val < _obj(model, k0))
    assert lns.windows == 40


def test_lns_respects_its_deadline_and_list_domains_are_not_supported():
    model = _model(6)
    lns = MilpLNS(model, 1)
    k0 = np.zeros(model.n, dtype=np.int64)
    k, improved = lns.run(k0, deadline=0.0)  # already past: no window at all
    assert lns.windows == 0 and not improved and np.array_equal(k, k0)
    ptr, vals = list_domains([[0.0, 1.0, 3.0]] * 3)
    irregular = DMMV.with_targets(np.eye(3), [0.5, 1.0, 2.0], ptr, vals)
    assert not supports(irregular) and supports(model)


def test_full_window_finds_the_fir_reference_optimum():
    """F1 (order 12, 4 bits): the window over every tap is the exact MILP; optimum 0.20710 (reference)."""
    p = combopt.read(EXAMPLES / "fir_f1.toml")
    model = p.model()
    k0 = p.starts()["remez"][0]
    assert _obj(model, k0) == pytest.approx(0.26486, abs=1e-5)
    kn, timed_out = WindowMILP(model).solve(k0, np.arange(model.n), radius=2 ** p.spec.bits, time_limit=60.0)
    assert kn is not None and not timed_out
    sol = p.solution_from_blocks([kn])
    assert p.evaluate(sol).objective == pytest.approx(0.20710, abs=1e-5)


def test_dmmv_solver_with_milp_lns_keeps_status_honest():
    p = combopt.read(EXAMPLES / "fir_f2.toml")  # optimum 0.10207
    r = combopt.solve(p, "dmmv", seed=3, max_iterations=4, rounds=2, milp_lns=True, lns_windows=3)
    ev = p.evaluate(r.solution)
    assert ev.feasible and ev.objective == pytest.approx(r.objective)
    assert r.objective >= 0.10207 - 1e-5
    assert r.status.value in ("feasible", "optimal")
    if r.status.value == "optimal":  # only with a proof: DMMV met the LP bound
        assert r.bound is not None and r.objective <= r.bound + 1e-9
    assert r.info["milp_lns_windows"] > 0 and r.info["milp_lns_improvements"] >= 0
    off = combopt.solve(p, "dmmv", seed=3, max_iterations=1, rounds=2, milp_lns=False)
    assert "milp_lns_windows" not in off.info
    with pytest.raises(combopt.core.errors.ParameterError):
        combopt.solve(p, "dmmv", max_iterations=1, lns_size=0)


def test_counts_survive_the_search_objects_a_window_improvement_replaces(monkeypatch):
    """A window MILP's improvement starts a new search object on the same trajectory: the run's info still counts
    every LNS round, fresh trajectory and scored move (before, each replacement started the counts again)."""
    p = combopt.read(EXAMPLES / "fir_f3.toml")
    calls = []

    def improving(self, k, deadline, max_windows=None, stop=None):  # every phase "improves": the search restarts
        calls.append(1)
        return np.asarray(k).copy(), True

    monkeypatch.setattr(MilpLNS, "run", improving)
    r = combopt.solve(p, "dmmv", seed=2, max_iterations=6, rounds=3, milp_lns=True, deep_after=1, restart_after=1)
    assert len(calls) == r.info["milp_lns_phases"] >= 3
    assert r.info["lns_rounds"] == 6 * 3  # every iteration's rounds, not only those of the last search object
    assert r.info["trajectories"] >= 2
    monkeypatch.undo()
    ref = combopt.solve(p, "dmmv", seed=2, max_iterations=6, rounds=3, milp_lns=False, deep_after=1,
                        restart_after=1)
    assert ref.info["lns_rounds"] == 6 * 3
    assert p.evaluate(r.solution).objective == pytest.approx(r.objective, rel=1e-12)
