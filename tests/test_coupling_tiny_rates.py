"""Coupling, review 49. The rate slack of EBIM and MEC-B is relative to the rate: an absolute 1e-9 bits let an
encoder of H(T) = 2.9 R pass as feasible at R = 5e-10 bits, with three times the I(X;T) that any encoder within the
rate reaches."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import brentq

import combopt
from combopt.problems.coupling.cells import Coupling
from combopt.problems.coupling.measures import binary_entropy
from combopt.problems.coupling.model import EBIM, MECB

R = 5e-10


def _coin_encoder(h_t: float) -> Coupling:
    """x = 0 -> t = 0; x = 1 -> t = 1 with probability 2a, where h(a) = h_t (a fair coin X)."""
    a = brentq(lambda a: binary_entropy(a) - h_t, 1e-30, 1e-3, xtol=1e-40, rtol=1e-15)
    return Coupling(np.array([[0, 0], [1, 0], [1, 1]]), np.array([0.5, 0.5 - a, a]), (2, 2))


def test_an_encoder_three_times_over_a_tiny_rate_is_refused():
    p = EBIM([[0.5, 0.5]], rate=R)
    at = p.evaluate(_coin_encoder(R * (1 - 1e-7)))
    assert at.feasible and at.objective == pytest.approx(1.33e-11, rel=1e-2)
    over = p.evaluate(_coin_encoder(2.9 * R))  # I(X;T) = 4.0e-11: 3x what the rate allows
    assert not over.feasible and "exceeds the rate" in over.violations[0]
    q = MECB([[0.5, 0.5], [0.5, 0.5]], rate=R)
    dec = Coupling(np.array([[0, 0], [0, 1], [1, 1]]), np.array([0.5, 0.0, 0.5]), (2, 2))
    from combopt.problems.coupling.model import MECBSolution
    assert not q.evaluate(MECBSolution(_coin_encoder(2.9 * R), dec)).feasible


@pytest.mark.parametrize("rate", [1e-13, 5e-10, 1e-6, 0.5, 1.5])
def test_the_ebim_solvers_stay_within_tiny_and_ordinary_rates(rate):
    """Their own limit (a 1e-12 share of the rate plus 1e-14 bits) lies inside what evaluate accepts."""
    rng = np.random.default_rng(7)
    for _ in range(3):
        P = EBIM([rng.dirichlet(np.ones(5))], rate=rate)
        for solver in ("ebim", "ebim-exact", "ebim-greedy"):
            r = combopt.solve(P, solver, time_limit=2)
            assert r.feasible, (solver, r.violations)
            assert r.objective <= min(rate, P.entropies[0]) * (1 + 1e-9) + 1e-14


def test_mec_ls_with_a_time_limit_stops_at_max_iterations():
    """A timed mec-ls counted its whole search as one iteration, at the end: max_iterations=1 with a 1e6 s limit ran
    until the limit (40 s and more seen). Now the first descent and each kick round are iterations."""
    from combopt.problems.coupling.model import MEC

    P = MEC([[0.5, 0.3, 0.2], [0.6, 0.4]])
    r = combopt.solve(P, "mec-ls", max_iterations=5, time_limit=1e6)
    assert r.feasible and r.iterations == 5 and r.info["kicks"] == 4
    untimed = combopt.solve(P, "mec-ls")  # an untimed run keeps its documented 50 rounds
    assert untimed.info["kicks"] == 50 and untimed.iterations == 1
