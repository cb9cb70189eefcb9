"""The first kernel call, sized from a prior cost measured on an idle machine, takes at most PRIOR_SHARE of the
time left (tabu -t 1 on a 50-variable QUBO ran 2.1 s on a loaded machine: its one call was sized to half the time)."""

from combopt.core.budget import PRIOR_SHARE, StepBudget


def test_prior_sized_call_takes_a_small_share():
    b = StepBudget(lambda: 10.0, 10**9, prior_s=1e-3, share=0.5)
    assert b.next() == int(PRIOR_SHARE * 10.0 / 1e-3)


def test_measured_calls_get_the_full_share():
    b = StepBudget(lambda: 10.0, 10**9, prior_s=1e-3, share=0.5)
    b.start(1000)
    b.done()  # a measured call: the next is sized by its cost and the full share
    per = b.per_step
    assert abs(b.next() - min(10**9, int(0.5 * 10.0 / per))) <= 1


def test_untimed_and_small_runs_are_unchanged():
    assert StepBudget(lambda: float("inf"), 500, prior_s=1e-3).next() == 500
    assert StepBudget(lambda: 10.0, 500, prior_s=1e-3).next() == 500  # 0.5 s of 1 s allowed: fits
