"""Lin-Kernighan chains of 3-opt steps (combopt/problems/tsp/kopt.py ``_try_lk``), checked against the plain 3-opt
move and by hand: an improving chain shortens the tour by exactly what it reports and queues every city whose edges
changed; a chain that finds nothing leaves the tour array exactly as it was (every tentative step undone); whatever
3-opt improves, the chain improves too; and chains do find improvements at true 3-opt local optima. The same holds
on the Jonker-Volgenant transformation of asymmetric instances, where ``tsp-ls`` runs its walks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_tsp_three_opt import float_instance, integer_instance
from tsp_kernel_state import edges, kernel_state, length

import combopt
from combopt import ParameterError
from combopt.problems.tsp import kopt
from combopt.problems.tsp.asymmetric import jv_matrix
from combopt.problems.tsp.local import dense_metric, neighbour_lists, three_opt, tour_length

DATA = Path(__file__).parent / "data" / "tsp"


def jv_instance(rng, n):
    """The transformation of a random asymmetric integer matrix (2n nodes) and its move threshold."""
    A = rng.integers(0, 50, size=(n, n))
    np.fill_diagonal(A, 0)
    S, _ = jv_matrix(A)
    return np.ascontiguousarray(S, dtype=np.float64), 0.5


def instances(rng, count):
    for trial in range(count):
        kind = trial % 3
        n = 8 + trial % 13  # 8..20
        if kind == 0:
            D, eps = float_instance(rng, n)
        elif kind == 1:
            D, eps = integer_instance(rng, n).astype(np.float64), 0.5
        else:
            D, eps = jv_instance(rng, n // 2 + 2)
        yield trial, np.ascontiguousarray(D), eps


def run(fn, tour, D, nbr, a, eps, *extra):
    t, pos, queue, inq, qs = kernel_state(tour)
    d = fn(t, pos, dense_metric(D), nbr, a, queue, inq, qs, eps, *extra)
    return float(d), t, pos, queue, inq, qs


def test_chain_reports_its_change_queues_its_cities_and_undoes_what_it_does_not_keep():
    rng = np.random.default_rng(5)
    found = none = 0
    for trial, D, eps in instances(rng, 90):
        n = D.shape[0]
        nbr = neighbour_lists(D, [3, 5, n - 1][trial % 3])
        tour = rng.permutation(n)
        if trial % 2:
            tour = three_opt(tour, D, nbr)  # a 3-opt local optimum: only deeper chains can improve it
        L0 = length(tour, D)
        for a in range(n):
            for depth in (2, 5):
                d, t, pos, queue, inq, qs = run(kopt._try_lk, tour, D, nbr, a, eps, depth)
                if d == 0:
                    assert np.array_equal(t, tour), "a chain that kept nothing must restore the tour array"
                    assert np.array_equal(pos[t], np.arange(n)) and qs[1] == 0 and not inq.any()
                    none += 1
                    continue
                found += 1
                assert d < -eps
                assert sorted(t.tolist()) == list(range(n)) and np.array_equal(pos[t], np.arange(n))
                assert abs(length(t, D) - L0 - d) < 1e-9 * max(1.0, abs(L0))
                queued = {int(queue[(qs[0] + k) % n]) for k in range(qs[1])}
                assert queued == set(np.flatnonzero(inq).tolist())
                assert set().union(*(edges(tour) ^ edges(t))) <= queued
    assert found > 100 and none > 100


def test_chain_improves_wherever_three_opt_does_and_beyond():
    rng = np.random.default_rng(11)
    beyond = 0
    for trial, D, eps in instances(rng, 60):
        n = D.shape[0]
        nbr = neighbour_lists(D, n - 1)
        tour = rng.permutation(n) if trial % 2 else three_opt(rng.permutation(n), D, nbr)
        for a in range(n):
            d3 = run(kopt._try_three_opt, tour, D, nbr, a, eps)[0]
            dk = run(kopt._try_lk, tour, D, nbr, a, eps, 6)[0]
            if d3 < 0:
                assert dk < 0, "the chain's first step holds every 3-opt move"
            elif dk < 0:
                beyond += 1
    assert beyond > 0  # deeper than 3-opt: improvements at true 3-opt local optima


def test_lk_local_optimum_is_a_three_opt_local_optimum_and_never_longer():
    rng = np.random.default_rng(3)
    for trial in range(40):
        n = 6 + trial % 10
        D = integer_instance(rng, n)
        start = rng.permutation(n)
        keep = start.copy()
        t = three_opt(start, D, neighbour_lists(D, n - 1), depth=5)
        assert np.array_equal(start, keep)
        assert sorted(t.tolist()) == list(range(n))
        assert tour_length(t, D) <= tour_length(start, D)
        assert tour_length(three_opt(t, D, neighbour_lists(D, n - 1)), D) == tour_length(t, D)  # 3-opt optimal
    with pytest.raises(ParameterError):
        three_opt(start, D, depth=0)


@pytest.mark.parametrize("depth", [1, 3, 8])
def test_tsp_ls_reaches_the_optima_at_every_chain_depth(depth):
    for name, opt in (("eil51.tsp", 426), ("br17.atsp", 39), ("ftv33.atsp", 1286)):
        res = combopt.solve(DATA / name, "tsp-ls", time_limit=20, target=opt, seed=1, lk_depth=depth)
        assert res.feasible and res.objective == opt, (name, depth, res.objective)
        assert res.info["lk_depth"] == depth
        D = np.asarray(combopt.read(DATA / name).D)
        assert tour_length(res.solution, D) == opt  # directed length for the ATSP files


def test_lk_depth_is_validated():
    for bad in (0, -1, 2.5, "deep"):
        with pytest.raises(ParameterError):
            combopt.solve(DATA / "burma14.tsp", "tsp-ls", max_iterations=1, lk_depth=bad)
    assert combopt.solve(DATA / "eil51.tsp", "tsp-ls", max_iterations=1, three_opt=False).info["lk_depth"] == 0


def test_walk_kernels_compile_once_not_again_for_literal_arguments(tmp_path):
    """On an empty cache, tsp-ls's warm-up solve compiles no TSP kernel for a literal argument (a constant ``True``
    or ``1`` at one call site and a variable at another compiled the restart, local search and Lin-Kernighan chain
    twice: 21 s instead of 16 s of compilation). Runs in a subprocess with its own Numba cache folder."""
    import os
    import subprocess
    import sys

    code = """
from numba.core import event, types
found, ended = [], []
class L(event.Listener):
    def on_start(self, ev):
        d = ev.data.get("dispatcher")
        mod = getattr(getattr(d, "py_func", None), "__module__", "") or ""
        args = ev.data.get("args") or ()
        if mod.startswith(("combopt.problems.tsp", "combopt.solvers.tsp")) and any(
                isinstance(a, (types.Literal, types.Omitted)) for a in args):
            found.append(d.py_func.__qualname__)
    def on_end(self, ev):
        ended.append(1)
event.register("numba:compile", L())
from combopt.warmup import jobs, run_job
run_job(jobs(solver="tsp-ls", kind="tsp")[0])
print("COMPILED:", len(ended))
print("LITERAL:" + ",".join(sorted(set(found))))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "COMBOPT_"))}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    compiled = int([s for s in r.stdout.splitlines() if s.startswith("COMPILED:")][-1].split()[1])
    assert compiled > 10  # the cache folder was empty: the kernels were compiled here, so the check saw them
    line = [s for s in r.stdout.splitlines() if s.startswith("LITERAL:")][-1]
    assert line == "LITERAL:", line
