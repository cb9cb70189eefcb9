"""Stopping criteria and the search state, tested directly (no solving; clocks are set, never waited for)."""

from __future__ import annotations

import math
import time

import pytest

from combopt.core.errors import ParameterError
from combopt.core.stopping import (
    DEFAULT_HEURISTIC_STOP,
    AnyOf,
    MaxIterations,
    MaxRuntime,
    NoImprovement,
    SearchState,
    TargetObjective,
    make_criteria,
)


def state(sense="min", criterion=None, **kw) -> SearchState:
    return SearchState(sense=sense, criterion=criterion or MaxIterations(10**9), **kw)


def test_max_iterations_counts_outer_iterations():
    s = state(criterion=MaxIterations(3))
    for _ in range(2):
        s.next_iteration()
        assert not s.should_stop()
    s.next_iteration()
    assert s.iterations == 3 and s.should_stop()
    with pytest.raises(ParameterError):
        MaxIterations(0)


def test_max_runtime_uses_elapsed_time():
    c = MaxRuntime(10)
    s = state(criterion=c)
    assert c.time_limit() == 10 and not c(s)
    s.start = time.perf_counter() - 11  # as if 11 s had passed
    assert c(s) and s.should_stop()
    s.start = time.perf_counter() - 9.9
    assert not c(s)
    assert MaxIterations(5).time_limit() == math.inf
    with pytest.raises(ParameterError):
        MaxRuntime(-1)


def test_time_left_and_overrun_guard():
    s = state(criterion=MaxRuntime(10))
    s.start = time.perf_counter() - 4
    assert 5.9 < s.time_left <= 6.0
    s.start = time.perf_counter() - 20
    assert s.time_left == 0.0
    # an iteration like the last would overrun the limit: stop before starting it
    s = state(criterion=MaxRuntime(10))
    s.start = time.perf_counter() - 6
    s.iterations = 2
    s.last_iteration_time = 5.0
    assert s.should_stop()
    s.last_iteration_time = 1.0
    assert not s.should_stop()
    s.iterations = 0  # before the first iteration (JIT compilation) the guard does not apply
    s.last_iteration_time = 5.0
    assert not s.should_stop()


def test_a_long_set_up_is_not_taken_for_an_iteration():
    # tsp-ls on 10,000 cities: building the start tour took 3 s of 5, and the run stopped as if every round of
    # kicks would take 3 s more (one iteration, no kicks)
    s = state(criterion=MaxRuntime(10))
    s.start = time.perf_counter() - 6  # the set-up took 6 s
    s.begin_iterations()
    s.next_iteration()  # an iteration of (nearly) no time
    assert s.iterations == 1 and s.last_iteration_time < 1.0
    assert not s.should_stop()
    t = state(criterion=MaxRuntime(10))  # the same set-up counted as an iteration: it stops
    t.start = time.perf_counter() - 6
    t.next_iteration()
    assert t.should_stop()


def test_a_solver_that_sizes_its_calls_is_not_stopped_by_the_guard():
    s = state(criterion=MaxRuntime(10))
    s.start = time.perf_counter() - 7
    s._iteration_started = 0.0
    s.next_iteration()  # one iteration of 7 s: another like it would overrun
    assert s.should_stop() and not s.should_stop(sized=True)
    s.start -= 3  # the limit itself still stops it
    assert s.should_stop(sized=True)


def test_inside_an_iteration_only_the_rest_of_one_counts():
    s = state(criterion=MaxRuntime(20))
    s.start = time.perf_counter() - 7
    s._iteration_started = 0.0
    s.next_iteration()  # an iteration of 7 s ends at 7 s
    assert not s.should_stop()  # 7 + 7 < 21
    s.start -= 6  # 6 s into the next one (13 s): 1 s of an iteration like the last is left
    assert not s.should_stop()
    s.start -= 6.5  # 19.5 s, 12.5 s into it: the iteration is already longer than the last, the limit stops it
    assert not s.should_stop()
    s.start -= 2
    assert s.should_stop()
    s.next_iteration()  # at the boundary a whole iteration (now 14.5 s) counts again
    s.start += 8
    assert s.should_stop()


@pytest.mark.parametrize("sense,target,hit,miss", [("min", 10.0, 10.0, 10.5), ("max", 10.0, 10.0, 9.5),
                                                   ("min", 10.0, 9.0, 11.0), ("max", 10.0, 11.0, 9.0)])
def test_target_objective_both_senses(sense, target, hit, miss):
    c = TargetObjective(target)
    s = state(sense, c)
    assert not c(s)  # no incumbent yet
    s.report(miss, "m")
    assert not c(s)
    s.report(hit, "h")
    assert c(s) and s.should_stop()


def test_no_improvement_counts_iterations_since_the_last_improvement():
    c = NoImprovement(2)
    s = state(criterion=c)
    s.report(5.0, "a")
    s.next_iteration()
    assert not c(s)
    s.report(4.0, "b")  # improvement at iteration 1
    assert s.best_iteration == 1
    s.next_iteration()
    assert not c(s)
    s.report(4.0, "c")  # equal is not an improvement
    s.next_iteration()
    assert c(s)
    with pytest.raises(ParameterError):
        NoImprovement(0)


@pytest.mark.parametrize("sense,values,improved", [
    ("min", [5, 6, 4, 4, 3], [True, False, True, False, True]),
    ("max", [5, 6, 4, 6, 7], [True, True, False, False, True]),
])
def test_report_keeps_the_best_and_traces_improvements(sense, values, improved):
    s = state(sense)
    got = [s.report(float(v), i) for i, v in enumerate(values)]
    assert got == improved
    best = min(values) if sense == "min" else max(values)
    assert s.best == best and s.best_solution == values.index(best)  # the first one reaching the best
    assert [v for _, v in s.trace] == [float(v) for v, i in zip(values, improved, strict=True) if i]
    assert all(t2 >= t1 for (t1, _), (t2, _) in zip(s.trace, s.trace[1:], strict=False))
    assert not s.report(math.nan, "x") and not s.report(None, "x") and not s.report(math.inf, "x")


def test_callback_is_called_on_improvement_and_iteration():
    calls = []
    s = state(callback=lambda st: calls.append((st.iterations, st.best)))
    s.report(3.0, "a")
    s.next_iteration()
    s.report(4.0, "worse")
    assert calls == [(0, 3.0), (1, 3.0)]


def test_anyof_and_or_combine():
    c = MaxIterations(2) | TargetObjective(1.0)
    assert isinstance(c, AnyOf) and len(c.criteria) == 2
    s = state(criterion=c)
    s.report(1.0, "x")
    assert c(s)
    s2 = state(criterion=c)
    s2.next_iteration()
    assert not c(s2)
    s2.next_iteration()
    assert c(s2)
    assert (MaxRuntime(3) | MaxRuntime(7)).time_limit() == 3
    assert (MaxIterations(3) | MaxRuntime(7) | NoImprovement(2)).time_limit() == 7


def test_make_criteria():
    c = make_criteria(time_limit=5, max_iterations=7, target=2.0, no_improvement=3)
    kinds = sorted(type(x).__name__ for x in c.criteria)
    assert kinds == ["MaxIterations", "MaxRuntime", "NoImprovement", "TargetObjective"]
    assert c.time_limit() == 5
    d = make_criteria(default=DEFAULT_HEURISTIC_STOP)
    assert d.criteria == DEFAULT_HEURISTIC_STOP.criteria  # AnyOf flattens
    only_target = make_criteria(target=3.0, default=MaxIterations(4))
    assert sorted(type(x).__name__ for x in only_target.criteria) == ["MaxIterations", "TargetObjective"]
    none = make_criteria()
    assert [type(x).__name__ for x in none.criteria] == ["MaxIterations"] and none.criteria[0].n == 1


def test_interrupted_or_proven_optimal_stop():
    s = state()
    assert not s.should_stop()
    s.interrupted = True
    assert s.should_stop()
    s = state()
    s.proven_optimal = True
    assert s.should_stop()


@pytest.mark.parametrize("sense,sign", [("min", -1), ("max", 1)])
def test_improvements_below_the_tolerance_do_not_count(sense, sign):
    s = state(sense)
    s.report(1.0, "a")
    assert not s.report(1.0 + sign * 1e-12, "b")  # exactly the 1e-12 tolerance: not better
    assert s.report(1.0 + sign * 3e-12, "c")
    assert s.best_solution == "c"


def test_first_iteration_time_and_guard_after_one_iteration():
    s = state(criterion=MaxRuntime(10))
    s.next_iteration()
    assert 0.0 <= s.last_iteration_time < 0.5  # measured from the start, not from before it
    s.start = time.perf_counter() - 6
    s._iteration_started = s.elapsed  # the iteration ended at 6 s
    s.last_iteration_time = 5.0
    assert s.iterations == 1 and s.should_stop()  # one finished iteration is enough to judge by


def test_api_limits_are_checked_and_combine_with_stop():
    """``time_limit=inf`` ran forever (the CLI refused it); ``stop=`` dropped every limit but the time limit; ``kind``
    on a problem object and a fractional ``max_iterations`` were ignored without a word."""
    from pathlib import Path

    import pytest

    import combopt
    from combopt.core.errors import ParameterError

    inst = combopt.read(Path(__file__).parent / "data" / "C125.9.clq")
    for kw, needle in ((dict(time_limit=float("inf")), "time_limit"), (dict(time_limit=0), "time_limit"),
                       (dict(max_iterations=2.5), "max_iterations"), (dict(no_improvement=0), "no_improvement"),
                       (dict(kind="mis", max_iterations=2), "kind='mis'")):
        with pytest.raises(ParameterError, match=needle):
            combopt.solve(inst, "ils", **kw)
    r = combopt.solve(inst, "sa", stop=combopt.MaxIterations(50), max_iterations=1)
    assert r.iterations == 1  # whichever comes first
    r = combopt.solve(inst, "sa", stop=combopt.MaxIterations(50), target=30)
    assert r.objective >= 30 and r.iterations < 50


def test_compiling_inside_an_iteration_is_not_iteration_time():
    """Numba compiling in-process during a round (the run's compile gate counts it) is left out of that round's
    time: a dmmv run that compiled for 6 s in its first round had stopped at 6.2 s of 10, judging the next round by
    it; a round without compiling still counts in full."""
    import time

    from combopt.core import warm
    from combopt.core.stopping import MaxRuntime, SearchState

    gate = warm._GateState(block=False)
    warm.share_gate(gate)
    try:
        state = SearchState(sense="min", criterion=MaxRuntime(0.9))
        state.begin_iterations()
        time.sleep(0.5)
        gate.compile_s += 0.45  # the first round compiled nearly all of its time
        state.next_iteration()
        assert state.last_iteration_time < 0.2 and not state.should_stop()
        time.sleep(0.2)  # a round of work
        state.next_iteration()
        assert state.last_iteration_time >= 0.19
    finally:
        warm.share_gate(None)


def test_a_compile_inside_work_outside_the_iterations_is_left_out_once():
    """A proof slice that compiled is left out of the round's time once (outside_iterations with its compile
    seconds), not a second time by next_iteration: the round after it still counts its own time."""
    import time

    from combopt.core import warm
    from combopt.core.stopping import MaxRuntime, SearchState

    gate = warm._GateState(block=False)
    warm.share_gate(gate)
    try:
        state = SearchState(sense="max", criterion=MaxRuntime(30.0))
        state.begin_iterations()
        time.sleep(0.3)  # a round of search
        t0 = time.perf_counter()
        time.sleep(0.2)  # a slice outside the iterations that compiled all of its time
        gate.compile_s += 0.2
        state.outside_iterations(time.perf_counter() - t0, 0.2)
        state.next_iteration()
        assert 0.28 <= state.last_iteration_time < 0.45
    finally:
        warm.share_gate(None)
