"""What an outside reviewer found in RCPSP (session 48): the energetic infeasibility proof allocated a capacity
profile over the whole time axis (2.7 GiB for a 2-task file with a deadline of 45,000,000), the capacity profile
was never checked against the memory budget, and CP-SAT's worker count was taken unchecked."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError, ParameterError
from combopt.problems.rcpsp.check import _offered, infeasibility_proof
from combopt.problems.rcpsp.model import RCPSP, Downtime


def test_what_a_resource_offers_equals_the_sum_of_its_profile():
    rng = np.random.default_rng(4)
    for _ in range(50):
        cap = int(rng.integers(1, 6))
        downs = []
        for _ in range(int(rng.integers(0, 4))):
            s = int(rng.integers(0, 40))
            downs.append(Downtime(0, s, s + int(rng.integers(1, 15)), int(rng.integers(0, cap))))
        P = RCPSP([1], [[1]], [cap], [[]], downtime=downs)
        prof = P.capacity_profile(80)[:, 0].astype(np.int64)
        cum = np.concatenate([[0], np.cumsum(prof)])
        segs = np.asarray(P.capacity_segments(0), dtype=np.int64).reshape(-1, 3)
        for a in range(0, 60, 7):
            bb = np.arange(a + 1, 80)
            assert _offered(cap, segs, a, bb).tolist() == (cum[bb] - cum[a]).tolist()


def test_a_far_deadline_allocates_nothing_of_its_size(monkeypatch):
    P = RCPSP([1, 1], [[1] * 8, [0] * 8], [1] * 8, [[], []], deadline=[45_000_000, None])
    tracemalloc.start()
    try:
        assert infeasibility_proof(P) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6, peak
    r = combopt.solve(P, time_limit=2)
    assert r.status == "optimal" and r.objective == 1


def test_energetic_proofs_with_downtime_still_prove():
    """Two tasks with deadline 4 on one resource of capacity 1 that is down in [1, 2): neither fits before 2, and
    [2, 4) offers 2 of the 4 units they need."""
    P = RCPSP([2, 2], [[1], [1]], [1], [[], []], deadline=[4, 4], downtime=[Downtime(0, 1, 2, 0)])
    proof = infeasibility_proof(P)
    assert proof is not None and "must run 4 units of work" in proof and "[2, 4)" in proof \
        and "offers 2" in proof
    Q = RCPSP([2, 2], [[1], [1]], [1], [[], []], deadline=[7, 7], downtime=[Downtime(0, 1, 3, 0)])
    assert infeasibility_proof(Q) is None  # [3, 7) offers the 4 units


def test_a_capacity_profile_beyond_the_memory_budget_is_refused_in_one_line(monkeypatch):
    monkeypatch.setenv("COMBOPT_MAX_MEMORY", "1G")
    P = RCPSP([4_900_000, 1], [[1] + [0] * 399, [0, 1] + [0] * 398], [1] * 400, [[], []], name="wide")
    with pytest.raises(InputError, match="capacity profile of 4900002 time units x 400 resources"):
        combopt.solve(P, "rcpsp-sgs", time_limit=2)


@pytest.mark.parametrize("bad", [2.7, True, "x", 0, 10**10])
def test_cpsat_worker_counts_are_checked(bad):
    pytest.importorskip("ortools")
    P = RCPSP([1, 2], [[1], [1]], [1], [[1], []])
    with pytest.raises(ParameterError, match="num_workers must be an integer"):
        combopt.solve(P, "rcpsp-cpsat", time_limit=2, num_workers=bad)
    assert combopt.solve(P, "rcpsp-cpsat", time_limit=5, num_workers=1).objective == 3
