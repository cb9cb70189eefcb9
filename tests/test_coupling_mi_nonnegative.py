"""Mutual informations of an answer are never reported below 0: independent X and Y (one code word) gave
-4.4e-16 bits from rounding, shown as the objective and as the bound that met it."""

import numpy as np

from combopt.problems.coupling.cells import Coupling
from combopt.problems.coupling.measures import entropy
from combopt.problems.coupling.model import EBIM, MECB, MECBSolution

P = np.array([0.6652300066862088, 0.021254131078561812, 0.31351586223522954])
Q = np.array([0.19502916324278835, 0.7236425341636187, 0.08132830259359297])


def test_one_code_word_gives_zero_information_not_a_negative_rounding():
    assert entropy(P) + entropy(Q) - entropy(np.outer(P, Q)) < 0  # what the formula gives in floating point
    enc = Coupling.from_dense(P[:, None])  # every x to code word 0
    dec = Coupling.from_dense(Q[None, :])
    prob = MECB([P, Q], rate=0.5)
    m = prob.measures(MECBSolution(enc, dec))
    assert m["I_XY"] == 0.0 and m["I_XT"] == 0.0 and m["I_TY"] == 0.0
    ev = prob.evaluate(MECBSolution(enc, dec))
    assert ev.feasible and ev.objective == 0.0


def test_ebim_one_code_word_is_zero_bits():
    prob = EBIM([P], rate=0.5)
    ev = prob.evaluate(Coupling.from_dense(P[:, None]))
    assert ev.feasible and ev.objective == 0.0
