"""What an outside reviewer found in RCPSP (session 50)."""

from __future__ import annotations

from pathlib import Path

import pytest

from combopt.core.errors import InputError
from combopt.problems.rcpsp.formats import read_psplib_sm

DATA = Path(__file__).parent / "data" / "rcpsp"


def test_a_request_line_for_a_mode_other_than_1_is_refused_with_its_line(tmp_path):
    """The precedence lines say every job has one mode; a request line for mode 7 was read as mode 1 (the file
    solved to 43, optimal, as if it were j301_1)."""
    lines = (DATA / "j301_1.sm").read_text().splitlines()
    k = next(i for i, ln in enumerate(lines) if ln.split()[:2] == ["2", "1"] and len(ln.split()) == 7)
    lines[k] = lines[k].replace("  2      1 ", "  2      7 ", 1)
    assert lines[k].split()[:2] == ["2", "7"]
    bad = tmp_path / "mode7.sm"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as e:
        read_psplib_sm(bad)
    assert e.value.line == k + 1 and "mode 7" in str(e.value)
    assert read_psplib_sm(DATA / "j301_1.sm").n == 32  # the file as published still reads


@pytest.mark.parametrize("seconds", [0.05, 0.1, 0.2, 0.3, 0.5])
def test_cbc_dying_at_its_time_limit_on_a_warm_start_is_a_stop_not_an_error(seconds):
    """CBC 2.10.3 dies of SIGSEGV when its elapsed-time limit runs out while it reads the MIP start: on j301_1 with
    0.3 s left (and on an 11-task model with 0.05-0.1 s) ``run_pulp`` raised PulpSolverError('CBC failed (exit code
    -11)'), so ``combopt.solve(..., 'milp', time_limit=1)`` and ``combopt solve -s milp -t 1`` ended in a traceback.
    Now the run stops at its limit with the warm start (or better) as its answer."""
    from combopt.solvers.milp import run_pulp

    P = read_psplib_sm(DATA / "j301_1.sm")
    prob, decode = P.to_pulp()
    run = run_pulp(prob, "cbc", seconds)
    assert not run.infeasible and run.status in ("time_limit", "optimal")
    if run.has_solution:
        ev = P.evaluate(decode())
        assert ev.feasible and ev.objective >= 43  # the optimum of j301_1


def test_capacity_segments_and_checker_match_the_capacity_time_unit_by_time_unit():
    """capacity_segments scanned every downtime for each elementary stretch and the checker built one mask per
    segment (O(D^2)): a 1-task file with 20,000 downtime intervals took 71 s under -t 2 (every evaluate rebuilt
    them). The sweep that replaces them must give the same capacity, overlapping levels included."""
    import numpy as np

    from combopt.problems.rcpsp.check import check_schedule
    from combopt.problems.rcpsp.model import RCPSP, Downtime

    rng = np.random.default_rng(50)
    for _ in range(200):
        cap = int(rng.integers(1, 5))
        downs = []
        for _ in range(int(rng.integers(0, 12))):
            a = int(rng.integers(0, 30))
            downs.append(Downtime(0, a, a + int(rng.integers(1, 10)), int(rng.integers(0, cap + 1))))
        P = RCPSP([1, 2, 3], [[1], [1], [1]], [cap], [[], [], []], downtime=downs)

        def at(t, cap=cap, downs=downs):
            return min([cap] + [d.capacity for d in downs if d.start <= t < d.end])

        covered = {t: at(t) for t in range(45) if at(t) < cap}
        got = {t: lvl for a, b, lvl in P.capacity_segments(0) for t in range(a, b)}
        assert got == covered
        segs = P.capacity_segments(0)
        assert all(b1 < a2 or (b1 == a2 and l1 != l2) for (_, b1, l1), (a2, _, l2) in zip(segs, segs[1:], strict=False))
        starts = rng.integers(0, 40, 3)
        over = any(sum(1 for i, p in enumerate((1, 2, 3)) if starts[i] <= t < starts[i] + p) > at(t)
                   for t in range(50))
        assert bool(check_schedule(P, starts)) == over

    class Counted(list):  # how often the downtime is read: once a call, not once per stretch of time
        reads = 0

        def __iter__(self):
            Counted.reads += 1
            return super().__iter__()

    Q = RCPSP([1], [[1]], [1], [[]], downtime=[Downtime(0, 2 * k, 2 * k + 1, 0) for k in range(2_000)])
    Q.downtime = Counted(Q.downtime)
    assert len(Q.capacity_segments(0)) == 2_000
    assert Counted.reads == 1  # it was 2 + 3,998 (a scan of all 2,000 for each stretch)
    many = [Downtime(0, 2 * k, 2 * k + 1, 0) for k in range(20_000)]
    P = RCPSP([1], [[1]], [1], [[]], downtime=many)
    assert len(P.capacity_segments(0)) == 20_000
    assert P.evaluate([1]).objective == 2 and not P.evaluate([0]).feasible and not P.evaluate([39_998]).feasible
    assert P.evaluate([39_999]).feasible


def test_the_downtime_is_read_once_for_all_resources_not_once_a_resource():
    """resource_bound and capacity_segments each scanned every downtime for each resource: 5,000 resources of 4
    intervals (a 1 MB file, two tasks) ran 18 s under -t 2. The answers stay those of the capacity itself."""
    from combopt.problems.rcpsp.model import RCPSP, Downtime

    class Counted(list):
        reads = 0

        def __iter__(self):
            Counted.reads += 1
            return super().__iter__()

    R = 300
    downs = [Downtime(r, 10 * k + r % 7, 10 * k + r % 7 + 2, 0) for r in range(R) for k in range(4)]
    P = RCPSP([1, 1], [[1] * R, [1] * R], [1] * R, [[], []], downtime=downs)
    P.downtime = Counted(P.downtime)
    segs = [P.capacity_segments(r) for r in range(R)]
    bound = P.resource_bound()
    assert Counted.reads <= 2, Counted.reads  # the index and the profile; it was 2 R + R + 1 (601 here)
    assert segs[3] == [(3, 5, 0), (13, 15, 0), (23, 25, 0), (33, 35, 0)]

    def least_T(r):  # the first T by which resource r offers the two units of work
        up = [0 if any(d.resource == r and d.start <= t < d.end for d in downs) else 1 for t in range(60)]
        return next(T for T in range(61) if sum(up[:T]) >= 2)

    assert bound == max(least_T(r) for r in range(7)) == 4


def test_cpsat_says_why_a_project_is_infeasible_as_the_readme_promises():
    """README: a run that finds no schedule meeting every window says infeasible only with a proof in
    info["infeasibility"] (the proof row of the table). rcpsp-cpsat said infeasible with no such entry."""
    pytest.importorskip("ortools")
    import combopt
    from combopt.problems.rcpsp.model import RCPSP, Downtime

    # one task of 2 on a resource down during [0, 5), deadline 4: no schedule
    P = RCPSP([2], [[1]], [1], [[]], deadline=[4], downtime=[Downtime(0, 0, 5, 0)])
    r = combopt.solve(P, "rcpsp-cpsat", time_limit=5, num_workers=1)
    assert r.status == "infeasible" and r.solution is None
    assert "CP-SAT proved" in r.info["infeasibility"]
    Q = RCPSP([2], [[1]], [1], [[]], deadline=[7], downtime=[Downtime(0, 0, 5, 0)])
    q = combopt.solve(Q, "rcpsp-cpsat", time_limit=5, num_workers=1)
    assert q.status == "optimal" and q.objective == 7 and "infeasibility" not in q.info
