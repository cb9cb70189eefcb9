"""Coupling family (MEC, EBIM, MEC-B) evaluate / measures against first principles on small dense tables.

Every expected number here is computed from the dense joint with plain Python math (sum of -p log2 p, the
mutual information as sum p(x,y) log2 p(x,y) / (p(x) p(y)), the MEC-B joint as sum_t p(x,t) p(t,y) / p(t)),
sharing no code with combopt.problems.coupling.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from combopt.core.errors import InputError
from combopt.problems.coupling.cells import Coupling
from combopt.problems.coupling.measures import RATE_RTOL, rate_limit
from combopt.problems.coupling.model import EBIM, MEC, MECB, MECBSolution, check_marginals


def H(values) -> float:
    return -sum(float(v) * math.log2(float(v)) for v in np.ravel(values) if v > 0)


def mutual_information(J) -> float:
    J = np.asarray(J, dtype=float)
    px, py = J.sum(axis=1), J.sum(axis=0)
    return sum(J[i, j] * math.log2(J[i, j] / (px[i] * py[j]))
               for i in range(J.shape[0]) for j in range(J.shape[1]) if J[i, j] > 0)


def random_table(rng, shape, zeros=0.3):
    M = rng.random(shape) * (rng.random(shape) > zeros)
    M.flat[0] += 0.05  # never all zero
    return M / M.sum()


def sparse(M) -> Coupling:
    M = np.asarray(M, dtype=float)
    idx = np.argwhere(M > 0)
    return Coupling(idx, M[tuple(idx.T)], M.shape)


# -- MEC -----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_mec_objective_is_the_entropy_of_the_table(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(x) for x in rng.integers(2, 5, int(rng.integers(2, 4))))
    M = random_table(rng, shape)
    P = MEC([M.sum(axis=tuple(b for b in range(M.ndim) if b != a)) for a in range(M.ndim)])
    ev = P.evaluate(sparse(M))
    assert ev.feasible, ev.violations
    assert ev.objective == pytest.approx(H(M), abs=1e-12)
    assert P.evaluate(M).objective == pytest.approx(H(M), abs=1e-12)  # the dense form gives the same
    # repeated cells are added up before the entropy: split every cell in two halves
    c = sparse(M)
    twice = Coupling(np.vstack([c.index, c.index]), np.concatenate([c.mass / 2, c.mass / 2]), c.shape)
    assert P.evaluate(twice).objective == pytest.approx(H(M), abs=1e-12)


def test_mec_rejects_a_cell_moved_within_its_row_on_each_axis():
    M = np.array([[0.3, 0.2], [0.1, 0.4]])
    P = MEC([M.sum(1), M.sum(0)])
    assert P.evaluate(M).feasible
    N = M.copy()
    N[0, 0] -= 1e-6
    N[0, 1] += 1e-6  # row sums intact, column sums off by 1e-6
    ev = P.evaluate(N)
    assert not ev.feasible and any("marginal 1" in v for v in ev.violations)
    assert not any("marginal 0" in v for v in ev.violations)
    N = M.copy()
    N[0, 0] -= 1e-6
    N[1, 0] += 1e-6  # column sums intact, row sums off
    ev = P.evaluate(N)
    assert not ev.feasible and any("marginal 0" in v for v in ev.violations)
    assert not any("marginal 1" in v for v in ev.violations)


def test_mec_marginal_tolerance_is_relative_to_each_entry():
    p = np.array([0.5, 0.5])
    P = MEC([p, p])
    ok = np.diag(p * (1 + 4e-10))  # within 1e-9 of each entry and of the total
    assert P.evaluate(ok).feasible
    bad = np.diag(p * np.array([1 + 3e-9, 1 - 3e-9]))  # total exact, each entry off by 3e-9 relative
    ev = P.evaluate(bad)
    assert not ev.feasible and all("marginal mismatch" in v for v in ev.violations)


def test_mec_total_mass_must_be_one():
    # marginals scaled: the total is off 2e-9; every entry is also off, so both kinds are named
    p = np.array([0.25, 0.75])
    ev = MEC([p, p]).evaluate(np.diag(p * (1 + 2e-9)))
    assert not ev.feasible and any("total mass" in v for v in ev.violations)


def test_mec_claimed_entropy_within_tolerance_and_off():
    M = np.array([[0.5, 0.0], [0.25, 0.25]])
    P = MEC([M.sum(1), M.sum(0)])
    c = sparse(M)
    c.claims = {"H": H(M) + 5e-7}
    assert P.evaluate(c).feasible
    c = sparse(M)
    c.claims = {"H": H(M) + 2e-6}
    ev = P.evaluate(c)
    assert not ev.feasible and ev.violations == [f"reported H = {H(M) + 2e-6:.9g} bits, recomputed {H(M):.9g}"]
    c = sparse(M)
    c.claims = {"H": H(M) - 2e-6}
    assert not P.evaluate(c).feasible


# -- EBIM ----------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(12))
def test_ebim_information_and_claims_match_the_table(seed):
    rng = np.random.default_rng(100 + seed)
    n, t = int(rng.integers(2, 6)), int(rng.integers(1, 5))
    M = random_table(rng, (n, t))
    px, pt = M.sum(1), M.sum(0)
    HT = H(pt)
    P = EBIM([px], rate=HT + 0.5)
    ev = P.evaluate(sparse(M))
    assert ev.feasible, ev.violations
    assert ev.objective == pytest.approx(mutual_information(M), abs=1e-10)
    js = P.solution_to_json(sparse(M))["entropies"]
    assert js["H_T"] == pytest.approx(HT, abs=1e-12)
    assert js["H_XT"] == pytest.approx(H(M), abs=1e-12)
    assert js["I_XT"] == pytest.approx(mutual_information(M), abs=1e-10)
    c = sparse(M)
    c.claims = {"I_XT": mutual_information(M), "H_T": HT, "H_XT": H(M)}
    assert P.evaluate(c).feasible
    for key in ("I_XT", "H_T", "H_XT"):
        c = sparse(M)
        c.claims = {key: js[key] + 1e-4}
        ev = P.evaluate(c)
        assert not ev.feasible and len(ev.violations) == 1 and f"reported {key}" in ev.violations[0]


def test_ebim_rate_is_a_cap_on_the_code_entropy():
    M = np.array([[0.25, 0.25], [0.25, 0.25]])  # H(T) = 1 bit exactly
    px = M.sum(1)
    assert EBIM([px], rate=1.0).evaluate(M).feasible
    assert EBIM([px], rate=1.0 - RATE_RTOL / 2).evaluate(M).feasible
    ev = EBIM([px], rate=1.0 - 3 * RATE_RTOL).evaluate(M)
    assert not ev.feasible and ev.violations[0].startswith("H(T) = 1 bits exceeds the rate")
    ev = EBIM([px], rate=0.5).evaluate(M)
    assert not ev.feasible and ev.objective == pytest.approx(0.0, abs=1e-12)


def test_ebim_bound_is_min_of_rate_and_source_entropy():
    p = np.array([0.5, 0.25, 0.25])  # H = 1.5 bits
    assert EBIM([p], rate=1.0).bound() == 1.0
    assert EBIM([p], rate=2.0).bound() == pytest.approx(1.5)
    # the identity encoder reaches H(X) and is feasible at R = H(X)
    ev = EBIM([p], rate=1.5).evaluate(np.diag(p))
    assert ev.feasible and ev.objective == pytest.approx(1.5, abs=1e-12)


# -- MEC-B ---------------------------------------------------------------------------------
def mecb_table(rng, n, t, m, split=True):
    enc = random_table(rng, (n, t), zeros=0.5 if split else 0.0)
    if not split:  # deterministic encoder: one code word per x
        w = rng.random(n) + 0.1
        enc = np.zeros((n, t))
        enc[np.arange(n), rng.integers(0, t, n)] = w / w.sum()
    pt = enc.sum(0)
    cond = rng.random((t, m)) * (rng.random((t, m)) > 0.3) + 1e-3
    cond /= cond.sum(1, keepdims=True)
    dec = pt[:, None] * cond
    joint = sum(np.outer(enc[:, k], dec[k, :]) / pt[k] for k in range(t) if pt[k] > 0)
    return enc, dec, joint


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("split", [True, False])
def test_mecb_information_and_measures_match_the_tables(seed, split):
    rng = np.random.default_rng(200 + seed)
    n, t, m = (int(x) for x in rng.integers(2, 5, 3))
    enc, dec, joint = mecb_table(rng, n, t, m, split)
    px, py, pt = enc.sum(1), dec.sum(0), enc.sum(0)
    P = MECB([px, py], rate=H(pt) + 0.25)
    sol = MECBSolution(sparse(enc), sparse(dec))
    ev = P.evaluate(sol)
    assert ev.feasible, ev.violations
    assert ev.objective == pytest.approx(mutual_information(joint), abs=1e-9)
    assert sol.joint_entropy() == pytest.approx(H(joint), abs=1e-9)
    assert np.allclose(sol.joint().dense(), joint, atol=1e-15)
    meas = P.measures(sol)
    assert meas["I_XY"] == pytest.approx(mutual_information(joint), abs=1e-9)
    assert meas["I_XT"] == pytest.approx(mutual_information(enc), abs=1e-9)
    assert meas["I_TY"] == pytest.approx(mutual_information(dec), abs=1e-9)
    assert meas["H_T"] == pytest.approx(H(pt), abs=1e-12)
    assert meas["lower_bound"] == pytest.approx(mutual_information(enc) + mutual_information(dec) - H(pt), abs=1e-9)
    assert P.bound() == pytest.approx(min(H(pt) + 0.25, H(px), H(py)))


def test_mecb_rate_and_t_side_of_the_decoder():
    enc = np.array([[0.5, 0.0], [0.0, 0.5]])  # H(T) = 1 bit
    dec = np.array([[0.25, 0.25], [0.5, 0.0]])
    px, py = enc.sum(1), dec.sum(0)
    assert MECB([px, py], rate=1.0).evaluate(MECBSolution(sparse(enc), sparse(dec))).feasible
    ev = MECB([px, py], rate=1.0 - 3 * RATE_RTOL).evaluate(MECBSolution(sparse(enc), sparse(dec)))
    assert not ev.feasible and "exceeds the rate" in ev.violations[0]
    # a decoder whose T-marginal is not the encoder's p(t) (its Y-marginal right): infeasible
    bad = np.array([[0.5, 0.25], [0.25, 0.0]])
    ev = MECB([px, bad.sum(0)], rate=2.0).evaluate(MECBSolution(sparse(enc), sparse(bad)))
    assert not ev.feasible and all("decoder (T side)" in v for v in ev.violations)
    # code-word counts that differ
    ev = MECB([px, py], rate=2.0).evaluate(MECBSolution(sparse(enc), sparse(np.vstack([dec, [[0.0, 0.0]]]))))
    assert not ev.feasible and ev.violations == ["encoder has 2 code words, decoder 3"]


# -- check_marginals ---------------------------------------------------------------------
def test_check_marginals_sum_tolerance_and_normalisation():
    out, sums = check_marginals([[0.5, 0.5 + 9e-7]])
    assert sums[0] == pytest.approx(1 + 9e-7) and out[0].sum() == pytest.approx(1.0, abs=1e-15)
    with pytest.raises(InputError, match="sums to"):
        check_marginals([[0.5, 0.5 + 2e-6]])
    with pytest.raises(InputError, match="sums to"):
        check_marginals([[0.5, 0.5 - 2e-6]])
    out, _ = check_marginals([[1.0, 3.0]], normalize=True)
    assert list(out[0]) == [0.25, 0.75]
    out, _ = check_marginals([[1.0, 3.0]], lenient=True)
    assert list(out[0]) == [0.25, 0.75]
    with pytest.raises(InputError, match="negative entry at position 2"):
        check_marginals([[0.5, 0.6, -0.1]])
    out, _ = check_marginals([[1.0, 0.0]])  # zero entries are probabilities
    assert list(out[0]) == [1.0, 0.0]
    with pytest.raises(InputError, match="sums to 0"):
        check_marginals([[0.0, 0.0]], normalize=True)


# -- solution_claims (combopt check) -------------------------------------------------------
def test_solution_claims_objective_on_each_side_of_the_bound():
    p = np.array([0.5, 0.25, 0.25])
    E = EBIM([p], rate=1.0)  # bound 1.0, sense max
    assert E.solution_claims({"objective": 1.0}) == []
    assert E.solution_claims({"objective": 1.0 + 5e-7}) == []
    assert len(E.solution_claims({"objective": 1.0 + 2e-6})) == 1
    assert E.solution_claims({"objective": 0.2}) == []
    M = MEC([p, p])  # bound: H(p) = 1.5, sense min; independent coupling 3.0
    lb = M.bound()
    assert lb == pytest.approx(1.5)
    assert M.solution_claims({"objective": lb}) == []
    assert M.solution_claims({"objective": lb - 5e-7}) == []
    assert len(M.solution_claims({"objective": lb - 2e-6})) == 1
    assert M.solution_claims({"objective": 2.9}) == []
    assert M.solution_claims({"bound": 3.0}) == []
    assert M.solution_claims({"bound": 3.0 + 5e-7}) == []
    assert len(M.solution_claims({"bound": 3.0 + 2e-6})) == 1


# -- named violations, caches and degenerate code words ----------------------------------------
def test_cells_outside_the_shape_are_named_not_crashed_on():
    P = MEC([[0.5, 0.5], [0.5, 0.5]])
    for idx in ([[0, 0], [2, 1]], [[0, 0], [-1, 1]]):
        ev = P.evaluate(Coupling(np.array(idx), np.array([0.5, 0.5]), (2, 2)))
        assert not ev.feasible and ev.violations == ["coupling: a cell index is outside the shape [2, 2]"]


def test_negative_masses_name_the_first_cell_and_count_the_rest():
    P = MEC([[0.5, 0.5], [0.5, 0.5]])
    c = Coupling(np.array([[0, 0], [0, 1], [1, 0], [1, 1]]), np.array([1.0, -0.25, -0.25, 0.5]), (2, 2))
    v = P.evaluate(c).violations
    assert v[0] == "coupling: negative mass: cell [0, 1] has mass -0.25 (and 1 more cells)"
    c = Coupling(np.array([[0, 0], [0, 1], [1, 1]]), np.array([0.75, -0.25, 0.5]), (2, 2))
    assert P.evaluate(c).violations[0] == "coupling: negative mass: cell [0, 1] has mass -0.25"


def test_a_wrong_axis_size_does_not_hide_the_next_axis():
    P = MEC([[0.5, 0.5], [0.5, 0.5]])
    ev = P.evaluate(np.array([[0.4, 0.2], [0.1, 0.1], [0.1, 0.1]]))  # axis 0: 3 states; axis 1 off
    assert ev.violations[0] == "coupling: axis 0 has 3 states, expected 2"
    assert any("marginal 1" in v for v in ev.violations[1:])


def test_info_mismatch_goes_on_past_a_note():
    p = np.array([0.5, 0.25, 0.25])
    E = EBIM([p], rate=1.0)
    out = E.solution_claims({"solution": {}, "info": {"H_X": "skipped: no time", "h_p2": 0.123}})
    assert len(out) == 1 and out[0].startswith("info.h_p2")
    h = -0.25 * math.log2(0.25) - 0.75 * math.log2(0.75)  # h(p2), p2 = 0.25
    assert E.solution_claims({"solution": {}, "info": {"H_X": None, "h_p2": h}}) == []
    assert E.solution_claims({"solution": {}, "info": {"H_X": 1.5, "h_p2": h}}) == []


def test_joint_entropy_follows_a_replaced_encoder():
    rng = np.random.default_rng(7)
    enc, dec, joint = mecb_table(rng, 3, 2, 3)
    sol = MECBSolution(sparse(enc), sparse(dec))
    assert sol.joint_entropy() == pytest.approx(H(joint), abs=1e-9)
    # another encoder with the same p(t) (so the decoder still fits): the kept value must not be reused
    enc2 = np.zeros_like(enc)
    pt = enc.sum(0)
    enc2[0, 0], enc2[1, 1] = pt[0], pt[1]
    enc2 = enc2[:2]
    sol.encoder = sparse(np.vstack([enc2, [[0.0, 0.0]]]))
    joint2 = sum(np.outer(enc2[:, k], dec[k, :]) / pt[k] for k in range(2))
    assert sol.joint_entropy() == pytest.approx(H(joint2), abs=1e-9)


def test_joint_is_finite_with_explicit_zero_cells_on_an_unused_code_word():
    # code word 1 carries no mass; the encoder and the decoder still list a zero-mass cell on it
    enc = Coupling(np.array([[0, 0], [1, 0], [1, 1]]), np.array([0.5, 0.5, 0.0]), (2, 2))
    dec = Coupling(np.array([[0, 0], [0, 1], [1, 1]]), np.array([0.25, 0.75, 0.0]), (2, 2))
    sol = MECBSolution(enc, dec)
    J = sol.joint().dense()
    assert np.all(np.isfinite(J))
    assert np.allclose(J, [[0.125, 0.375], [0.125, 0.375]])
    ev = MECB([[0.5, 0.5], [0.25, 0.75]], rate=1.0).evaluate(sol)
    assert ev.feasible and ev.objective == pytest.approx(0.0, abs=1e-12)


def _edge_below(value: float, tol: float) -> float:
    """A float ``b`` with ``b + tol == value`` exactly (the accepting edge of ``value > b + tol``)."""
    b = value - tol
    for _ in range(64):
        if b + tol == value:
            return b
        b = np.nextafter(b, -np.inf if b + tol > value else np.inf)
    raise AssertionError(f"no float b with b + {tol} == {value} within 64 ulps")  # a failure, never a skip


def test_code_entropy_exactly_at_the_rate_tolerance_is_accepted():
    """H(T) at exactly the rate's limit is within the rate (the comparison is strict), one ulp more is not."""
    px = [0.25, 0.25, 0.5]
    M = np.diag(px)  # T = X: H(T) = 1.5 bits
    HT = H(np.asarray(px))
    R = HT / (1 + RATE_RTOL)
    for _ in range(64):  # the least float R whose limit reaches HT
        if rate_limit(R) < HT:
            R = np.nextafter(R, np.inf)
        elif rate_limit(np.nextafter(R, -np.inf)) >= HT:
            R = np.nextafter(R, -np.inf)
        else:
            break
    assert rate_limit(R) >= HT > rate_limit(np.nextafter(R, -np.inf))
    assert EBIM([px], rate=R).evaluate(M).feasible
    ev = EBIM([px], rate=np.nextafter(R, -np.inf)).evaluate(M)
    assert not ev.feasible and "exceeds the rate" in ev.violations[0]


def test_mecb_information_exactly_at_the_bound_tolerance_is_accepted(monkeypatch):
    """I(X;Y) at exactly bound + ENTROPY_TOL is accepted, one ulp more is refuted (both compared strictly)."""
    from combopt.problems.coupling.model import ENTROPY_TOL

    enc = np.array([[0.5, 0.0], [0.0, 0.5]])
    dec = np.array([[0.4, 0.1], [0.1, 0.4]])
    px, py = enc.sum(1), dec.sum(0)
    P = MECB([px, py], rate=2.0)
    sol = MECBSolution(sparse(enc), sparse(dec))
    I = P.measures(sol)["I_XY"]
    b = _edge_below(I, ENTROPY_TOL)
    monkeypatch.setattr(P, "bound", lambda: b)
    assert P.evaluate(sol).feasible
    monkeypatch.setattr(P, "bound", lambda: np.nextafter(b, -np.inf))
    ev = P.evaluate(sol)
    assert not ev.feasible and "above the upper bound" in " ".join(ev.violations)
