"""DMMV under a time limit: set-ups that watch the clock, cheap fallbacks, Ctrl-C before any start.

No test here measures time: a deadline already passed (or a time limit of a nanosecond, which has passed by the time
anything runs), a fake clock, or an injected KeyboardInterrupt forces each path, and the tests check what comes back.
"""

from __future__ import annotations

import itertools
import math
import time
import types
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import combopt
import combopt.problems.dmmv.fir as fir_mod
import combopt.problems.dmmv.quantization as quant_mod
from combopt.models.dmmv import DMMV, dense_to_csc, uniform_domains
from combopt.problems.dmmv.fir import FIRDesign, FIRSpec
from combopt.problems.dmmv.quantization import QuantizationLayer, gptq, rtn
from combopt.problems.dmmv.reconstruction import backprojection, projection_matrices, projection_matrix, snap
from combopt.problems.dmmv.tomography import Tomography, grey_levels, shepp_logan
from combopt.solvers.dmmv.search import DMMVSearch, restrict

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "dmmv"
PAST = -1.0  # a deadline (time.monotonic()) long gone
NOW = 1e-9  # a time limit that has passed before the solver starts


def _tomo(size=24, angles=6, levels=2, noise=0.0):
    lv = grey_levels(levels)
    return Tomography(shepp_logan(size, lv), np.linspace(0, 180, angles, endpoint=False), lv, noise=noise, seed=1)


def _layer(rows=5, inputs=12, samples=30, seed=3):
    rng = np.random.default_rng(seed)
    return QuantizationLayer(rng.normal(size=(rows, inputs)) * 0.1, np.maximum(rng.normal(size=(samples, inputs)), 0),
                             3, name="layer")


def _coo_projector(shape, angles_deg):
    """The projector as it was assembled before (COO, then CSR, empty rays dropped): the reference."""
    h, w = shape
    nd = int(math.ceil(math.hypot(h, w))) + 1
    ys, xs = np.mgrid[0:h, 0:w]
    xc = (xs - (w - 1) / 2.0).ravel()
    yc = ((h - 1) / 2.0 - ys).ravel()
    pix = np.arange(h * w)
    rows, cols, vals = [], [], []
    angles_deg = np.atleast_1d(np.asarray(angles_deg, dtype=np.float64))
    for a, theta in enumerate(np.deg2rad(angles_deg)):
        t = xc * math.cos(theta) + yc * math.sin(theta) + (nd - 1) / 2.0
        b0 = np.floor(t).astype(np.int64)
        frac = t - b0
        for b, wt in ((b0, 1.0 - frac), (b0 + 1, frac)):
            keep = (wt > 1e-12) & (b >= 0) & (b < nd)
            rows.append(a * nd + b[keep])
            cols.append(pix[keep])
            vals.append(wt[keep])
    A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(angles_deg.size * nd, h * w)).tocsr()
    A.sum_duplicates()
    nonempty = np.flatnonzero(np.diff(A.indptr) > 0)
    return A[nonempty], nonempty // nd


def _same(a, b):
    return a.dtype == b.dtype and np.array_equal(a, b)


# ---------------------------------------------------------------------------------------
# tomography: the projector's two layouts, no conversion in the solve, SART's fallback
# ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, angles", [((5, 7), [0, 45, 90, 137.3]), ((16, 16), np.linspace(0, 180, 8, False)),
                                           ((9, 20), [0.0, 90.0, 30.0]), ((1, 6), [0.0]), ((12, 12), [33.0])])
def test_projector_layouts_equal_the_coo_assembly(shape, angles):
    # built by columns in one pass: the rows (CSR) and the columns (CSC) must be exactly what the COO assembly and a
    # conversion gave (the unhurried results depend on every bit)
    A, C, ray_angle = projection_matrices(shape, angles)
    ref, ref_angle = _coo_projector(shape, angles)
    assert A.shape == ref.shape and _same(ray_angle, ref_angle)
    assert A.indices.dtype == C.indices.dtype == np.int64  # shared with the search kernels, no int32 copies
    for x, y in ((A.indptr, ref.indptr), (A.indices, ref.indices), (A.data, ref.data)):
        assert np.array_equal(x, y)
    assert _same(A.data, ref.data)
    C0 = ref.tocsc()
    C0.sort_indices()
    for x, y in ((C.indptr, C0.indptr), (C.indices, C0.indices), (C.data, C0.data)):
        assert np.array_equal(x, y)
    assert _same(C.data, C0.data)
    assert _same(projection_matrix(shape, angles).data, ref.data)


def test_tomography_model_and_search_need_no_layout_conversion(monkeypatch):
    # the CSC copy of a 512 x 512 scan (A.tocsc(), 0.8-2.4 s) and the model's CSR (tocsr, 2.8 s) were made in the
    # solve; both now come with the matrix
    p = _tomo(20, 5)

    def refuse(self, *a, **k):
        raise AssertionError("a layout conversion inside the solve")

    monkeypatch.setattr(sp.csr_matrix, "tocsc", refuse)
    monkeypatch.setattr(sp.csc_matrix, "tocsr", refuse)
    m = p.model()
    cptr, crow, cval = m.csc_arrays()
    rptr, rcol, rval = m.csr_arrays()
    monkeypatch.undo()
    assert crow.dtype == rcol.dtype == np.int64
    C = p.A.tocsc()
    C.sort_indices()
    assert np.array_equal(cptr, C.indptr) and np.array_equal(crow, C.indices) and np.array_equal(cval, C.data)
    assert np.array_equal(rptr, p.A.indptr) and np.array_equal(rcol, p.A.indices) and np.array_equal(rval, p.A.data)
    DMMVSearch(m, m.nearest_indices(p.sart().ravel()), 3)  # the search takes them as they are


def test_sart_past_its_deadline_falls_back_to_the_backprojection():
    p = _tomo()
    img = p.sart(deadline=PAST)
    notes = p.start_notes()
    assert "back-projection" in notes["sart_fallback"] and notes["sart_cut"].startswith("0 of")
    bp = backprojection(p.A, p.b, p.shape, 0.0, 1.0)
    assert np.array_equal(img, bp) and np.ptp(img) > 0  # not the flat grey of no sweep
    # every start is a valid image, DART and SIRT cut too; the next call without a deadline runs SART in full
    st = p.start_points(deadline=PAST)
    assert all(p.evaluate(p.solution_from_blocks(ks)).feasible for ks in st.values())
    assert p.start_notes()["dart_cut"].startswith("0 of") and p.start_notes()["sirt_cut"].startswith("0 of")
    full = p.sart()
    assert "sart_fallback" not in p.start_notes() and not np.array_equal(full, img)


def test_tomography_fallback_start_rounds_without_the_model():
    p = _tomo()
    name, ks = p.fallback_start()
    assert name == "backprojection" and p._model is None
    assert np.array_equal(p.solution_from_blocks(ks), snap(p.backprojection(), p.levels))
    p.sart()
    assert p.fallback_start()[0] == "sart"


def test_dmmv_round_at_a_spent_limit_answers_the_backprojection():
    p = combopt.read(EXAMPLES / "tomo_sl32.toml")
    res = combopt.solve(p, "dmmv-round", time_limit=NOW)
    assert res.feasible and res.status.value == "feasible"
    assert "sart_fallback" in res.info
    assert np.array_equal(res.solution, snap(p.backprojection(), p.levels))


def test_restrict_keeps_the_bounds_of_the_fixed_columns_exactly():
    # the fixed columns' sums are one product with the free values zeroed (no copy of 95 % of the matrix): the same
    # bits as the product over the fixed columns
    p = _tomo(24, 8, levels=4, noise=1.0)
    m = p.model()
    k0 = m.nearest_indices(p.sart().ravel())
    free = p.focus_mask([k0])[0]
    assert 0 < free.sum() < free.size
    r = restrict(m, k0, free)
    fixed = np.flatnonzero(~free)
    sfix = m.A[:, fixed] @ m.values(k0)[fixed]
    assert np.array_equal(r.lower, m.lower - sfix) and np.array_equal(r.upper, m.upper - sfix)


def test_tomography_evaluation_is_remembered_by_content():
    p = _tomo()
    img = snap(p.sart(), p.levels)
    e1, e2 = p.evaluate(img), p.evaluate(img.copy())
    assert e1 == e2 and len(p.__dict__["_eval_memo"]) == 1
    other = img.copy()
    other[0, 0] = p.levels[1] if other[0, 0] == p.levels[0] else p.levels[0]
    fresh = _tomo()
    assert p.evaluate(other) == fresh.evaluate(other) and p.metrics(other) == fresh.metrics(other)


# ---------------------------------------------------------------------------------------
# FIR: a checked model build, the rounded Remez without a model, remembered ripples
# ---------------------------------------------------------------------------------------
def test_fir_build_past_its_deadline_is_abandoned():
    d = combopt.read(EXAMPLES / "fir_n300_b10.toml")
    why = d.prepare(PAST)
    assert why is not None and "would not be built" in why and d._model is None
    assert d.num_variables == d.spec.M + 1 and d.bound() is None and d._model is None  # neither builds it
    assert d.prepare(None) is None and d._model is not None


def test_fir_at_a_spent_limit_answers_the_rounded_remez_without_the_model():
    d = combopt.read(EXAMPLES / "fir_n300_b10.toml")
    res = combopt.solve(d, "dmmv", time_limit=NOW)
    assert res.feasible and res.status.value == "feasible"
    assert res.info["start"] == "remez" and "would not be built" in res.info["fallback"]
    assert d._model is None
    ref = combopt.solve(combopt.read(EXAMPLES / "fir_n300_b10.toml"), "dmmv-round")
    assert np.array_equal(res.solution, ref.solution)


def test_fir_taps_round_like_the_model():
    d = FIRDesign(FIRSpec(40, 5, [(0, 0.3), (0.4, 1)], [1, 0]))
    m = d.model()
    rng = np.random.default_rng(0)
    grid = m.domain(0)
    x = np.concatenate([rng.uniform(-1.2, 1.2, m.n), grid[:m.n] + 0.5 / d.spec.scale, grid[-m.n:]])  # ties, exact
    for part in np.array_split(x, 3):
        part = np.resize(part, m.n)
        assert np.array_equal(d.nearest_taps(part), m.nearest_indices(part))
    assert np.array_equal(d.starts()["remez"][0], m.nearest_indices(d.remez()[: d.spec.M + 1]))


def test_fir_evaluation_computes_each_ripple_once(monkeypatch):
    d = combopt.read(EXAMPLES / "fir_n200_b9.toml")
    calls = []
    real = fir_mod.amplitude
    monkeypatch.setattr(fir_mod, "amplitude", lambda *a, **k: calls.append(1) or real(*a, **k))
    sol = d.rounded_remez()
    ev = d.evaluate(sol)
    assert d.evaluate(list(sol)) == ev and d.evaluate(sol.astype(np.float64)) == ev
    d.report(sol)  # its design-grid ripple too (its check grid is a denser one)
    assert len(calls) == 2
    other = sol.copy()
    other[d.spec.M] += 1
    assert d.evaluate(other).objective != ev.objective and len(calls) == 3


# ---------------------------------------------------------------------------------------
# quantization: GPTQ and the per-row set-up stop at the deadline with valid codes
# ---------------------------------------------------------------------------------------
def test_gptq_past_its_deadline_is_round_to_nearest():
    q = _layer()
    st: dict = {}
    Q = gptq(q.W, q.X, q.scale, q.zero, q.bits, deadline=PAST, stats=st)
    assert st["columns"] == 0 and np.array_equal(Q, rtn(q.W, q.scale, q.zero, q.bits))


def test_gptq_cut_in_its_column_loop_keeps_the_columns_done(monkeypatch):
    q = _layer(rows=6, inputs=16)
    full = gptq(q.W, q.X, q.scale, q.zero, q.bits)
    ticks = itertools.count()  # a fake clock for the quantization module only: 0 for 12 readings, then 100
    monkeypatch.setattr(quant_mod, "time", types.SimpleNamespace(monotonic=lambda: 0.0 if next(ticks) < 12 else 100.0))
    st: dict = {}
    Q = gptq(q.W, q.X, q.scale, q.zero, q.bits, deadline=50.0, stats=st)
    k = st["columns"]
    assert 0 < k < q.W.shape[1]
    assert np.array_equal(Q[:, :k], full[:, :k])
    assert Q.min() >= 0 and Q.max() <= q.maxq and q.evaluate(Q).feasible


def test_quantization_at_a_spent_limit_every_row_keeps_a_valid_start():
    q = _layer(rows=7)
    res = combopt.solve(q, "dmmv", time_limit=NOW)
    assert res.feasible and res.solution.shape == q.W.shape
    assert res.info["blocks_searched"].startswith("0 of 7") and "gptq_cut" in res.info
    assert np.array_equal(res.solution, rtn(q.W, q.scale, q.zero, q.bits))
    big = _layer(rows=50, inputs=100, samples=200)  # beyond the LP bound's size: no row model made for nothing
    assert big.bound() is None and big.num_variables == 5000 and all(r is None for r in big.blocks().rows[1:])


def test_quantization_rows_are_made_on_demand_and_equal_fresh_models():
    q = _layer(rows=4)
    rows = q.blocks()
    assert len(rows) == 4 and all(r is None for r in rows.rows[1:])
    for r in (3, -1, 1):
        b = rows[r]
        rr = r % 4
        ptr, vals = uniform_domains(-q.zero[rr] * q.scale[rr], q.scale[rr], q.maxq + 1, q.W.shape[1])
        fresh = DMMV.with_targets(q.X, q.X @ q.W[rr], ptr, vals)
        assert b.A is rows[0].A and np.array_equal(b.dom_vals, fresh.dom_vals)
        assert np.allclose(b.lower, fresh.lower, rtol=1e-12, atol=1e-14)
    with pytest.raises(IndexError):
        rows[4]
    assert q.num_variables == q.W.size and [b.n for b in rows[1:3]] == [q.W.shape[1]] * 2


# ---------------------------------------------------------------------------------------
# the search: a timed descent that starts no pass it cannot finish; dense models without scipy's COO detour
# ---------------------------------------------------------------------------------------
def _scrambled_phantom(p, seed=0):
    """The phantom's indices with a tenth of the pixels moved to another level: a start with moves to make."""
    k = p.blocks_from_solution(p.phantom)[0].copy()
    rng = np.random.default_rng(seed)
    flip = rng.random(k.size) < 0.1
    k[flip] = (k[flip] + 1) % p.levels.size
    return k


def test_descent_past_its_deadline_leaves_the_start():
    p = _tomo()
    m = p.model()
    k0 = _scrambled_phantom(p)
    S = DMMVSearch(m, k0, 5)
    S.descend(PAST)
    assert S.started and S.moves_accepted == 0 and np.array_equal(S.best_k, k0)
    assert S.best_objective == pytest.approx(m.objective(m.values(k0)))


def test_descent_by_passes_makes_the_moves_of_one_call():
    p = _tomo(24, 6)
    m = p.model()
    k0 = _scrambled_phantom(p, 1)
    one, passes = DMMVSearch(m, k0, 9), DMMVSearch(m, k0, 9)
    one.descend()
    passes.descend(time.monotonic() + 3600.0)
    assert one.moves_accepted > 0
    assert np.array_equal(one.best_k, passes.best_k) and one.moves_accepted == passes.moves_accepted


@pytest.mark.parametrize("zeros", [False, True])
def test_dense_models_are_what_scipy_makes(zeros):
    rng = np.random.default_rng(4)
    D = rng.normal(size=(9, 5))
    if zeros:
        D[D < -0.3] = 0.0
        D[0, 0] = -0.0
    for M in (D, np.asfortranarray(D)):
        C, ref = dense_to_csc(M), sp.csc_matrix(D)
        for x, y in ((C.indptr, ref.indptr), (C.indices, ref.indices), (C.data, ref.data)):
            assert _same(x, y)
    ptr, vals = uniform_domains(-1.0, 0.5, 5, 5)
    m = DMMV.with_targets(D, rng.normal(size=9), ptr, vals)
    R, full = sp.csr_matrix(D), sp.csc_matrix(D).toarray()
    assert np.array_equal(m.dense(), full) and np.array_equal(np.signbit(m.dense()), np.signbit(full))
    assert all(np.array_equal(a, b) for a, b in zip(m.csr_arrays(), (R.indptr, R.indices, R.data), strict=True))


# ---------------------------------------------------------------------------------------
# Ctrl-C before any start exists: the cheapest valid answer
# ---------------------------------------------------------------------------------------
def _interrupt(*a, **k):
    raise KeyboardInterrupt


@pytest.mark.parametrize("make, expect", [
    (lambda: combopt.read(EXAMPLES / "tomo_sl32.toml"), "backprojection"),
    (lambda: combopt.read(EXAMPLES / "fir_n200_b9.toml"), "remez"),
    (_layer, "rtn"),
])
@pytest.mark.parametrize("solver", ["dmmv", "dmmv-round"])
def test_ctrl_c_during_the_set_up_answers_the_cheapest_start(monkeypatch, make, expect, solver):
    p = make()
    monkeypatch.setattr(type(p), "start_points", _interrupt)
    res = combopt.solve(p, solver, time_limit=30.0)
    assert res.solution is not None and res.feasible and res.status.value == "feasible"
    assert res.info["interrupted"] is True and "Ctrl-C" in res.info["fallback"] and res.info["start"] == expect
    name, ks = p.fallback_start()
    assert np.array_equal(res.solution, p.solution_from_blocks(ks))
    assert res.objective == pytest.approx(p.evaluate(res.solution).objective)


def test_ctrl_c_while_the_search_is_set_up_answers_the_start(monkeypatch):
    p = combopt.read(EXAMPLES / "tomo_sl32.toml")
    monkeypatch.setattr(DMMVSearch, "__init__", _interrupt)
    res = combopt.solve(p, "dmmv", time_limit=30.0)
    assert res.feasible and res.info["interrupted"] is True and "fallback" not in res.info
    ks = p.starts()[res.info["start"]]
    assert np.array_equal(res.solution, p.solution_from_blocks(ks))


def test_fir_starts_from_least_squares_where_remez_fails():
    """scipy's remez raises "failure to converge" on long filters with narrow transition bands (order 1500 or 2000,
    bands [0, 0.1] / [0.11, 1]); the search then started from (and a short run answered with) every tap at 0, a
    ripple of 1. The least-squares design (``firls``) always exists: it is the start there."""
    des = combopt.read(EXAMPLES / "fir_f3.toml")
    des.__dict__["_remez"] = None  # as where remez does not converge
    starts = des.start_points()
    assert "remez" not in starts and "firls" in starts
    zero = des.ripple(des.solution_from_blocks([des.nearest_taps(np.zeros(des.spec.M + 1))]))
    ls = des.ripple(des.solution_from_blocks(starts["firls"]))
    assert ls < 0.25 * zero
    name, ks = des.fallback_start()
    assert name == "firls" and np.array_equal(ks[0], starts["firls"][0])
    res = combopt.solve(des, "dmmv-round", seed=0)
    assert res.feasible and res.objective <= ls + 1e-12


def test_the_lp_bound_is_left_out_of_a_run_too_short_for_it_and_kept_where_it_fits(monkeypatch):
    # order 200: the LP (about 1 s) is a tenth of a 10 s run at most, so a 1 s run neither bounds nor starts with it
    # and searches from the rounded Remez design; a run without a limit solves it and proves the LP bound
    solved = []
    real = fir_mod.DMMV.lp_relaxation

    def count(self, *a, **k):
        if "lp" not in self._cache:
            solved.append(self.n)
        return real(self, *a, **k)

    monkeypatch.setattr(fir_mod.DMMV, "lp_relaxation", count)
    p = combopt.read(EXAMPLES / "fir_n200_b9.toml")
    assert p.bound_within(0.01) is None and solved == []
    r = combopt.solve(p, "dmmv", time_limit=1.0, seed=0)
    assert solved == [] and r.bound is None and r.gap is None and r.status.value == "feasible"
    assert r.info["start"] == "remez" and r.info["lp_cut"].startswith("no LP start")
    assert r.objective == p.evaluate(r.solution).objective < p.evaluate(p.rounded_remez()).objective
    lp = p.bound()
    assert solved == [101] and 0 < lp < r.objective
    assert p.bound_within(0.0) == lp  # solved already: free
    r2 = combopt.solve(p, "dmmv", max_iterations=1, seed=0)
    assert r2.bound == lp and "lp_cut" not in r2.info and solved == [101]


def test_bound_within_builds_nothing_for_tomography_and_checks_a_layers_size_first(monkeypatch):
    t = _tomo()
    monkeypatch.setattr(type(t), "blocks", lambda self: pytest.fail("the model was built"))
    assert t.bound_within(0.0) == 0.0 == t.bound()
    monkeypatch.undo()
    small = _layer()
    assert small.bound_within(math.inf) == small.bound()
    big = _layer(rows=4, inputs=12, samples=30)
    monkeypatch.setattr(quant_mod, "LP_MAX_NNZ", 10)  # every layer is "too large" now
    monkeypatch.setattr(type(big), "blocks", lambda self: pytest.fail("the rows' models were built"))
    assert big.bound_within(math.inf) is None


def test_the_fir_lp_start_stops_at_the_deadline_where_the_estimate_was_short(monkeypatch):
    # FIR's LP time estimate said it fits, but HiGHS is given the time to the deadline and an LP it cuts short
    # leaves no LP start (noted as cut, so a later call with more time builds the set again)
    from combopt.models import dmmv as model_mod

    seen = []

    def slow_lp(self, seconds=None):
        seen.append(seconds)
        return model_mod._CUT if seconds is not None else (0.01, np.zeros(self.n))

    monkeypatch.setattr(model_mod.DMMV, "_lp", slow_lp)
    p = combopt.read(EXAMPLES / "fir_f3.toml")
    monkeypatch.setattr(type(p), "_lp_seconds", lambda self: 0.0)
    starts = p.start_points(deadline=time.monotonic() + 2.0)
    assert len(seen) == 1 and seen[0] is not None and 0 < seen[0] <= 2.0
    assert "lp" not in starts and p.start_notes()["lp_cut"].startswith("no LP start")
    assert "lp" in p.start_points(deadline=None) and "lp_cut" not in p.start_notes()
