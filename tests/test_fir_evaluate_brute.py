"""FIR design's own check (kind ``fir``) against independent computations: the design grid built band by band, the
ripple as the largest weighted deviation of the direct cosine sum ``sum_n h[n] cos(w (n - N/2))``, and
``FIRDesign.evaluate``'s range and symmetry checks at their edges (mutation-testing target ``fir-evaluate``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from combopt.problems.dmmv.fir import FIRDesign, FIRSpec, amplitude


def _grid_by_hand(spec: FIRSpec, density: int):
    total = density * spec.order
    widths = [b - a for a, b in spec.bands]
    counts = [max(1, math.floor(total * w / sum(widths))) for w in widths[:-1]]
    counts.append(max(1, total - sum(counts)))
    f = np.concatenate([np.linspace(a, b, c) for (a, b), c in zip(spec.bands, counts, strict=True)])
    d = np.concatenate([[g] * c for g, c in zip(spec.gains, counts, strict=True)])
    w = np.concatenate([[wt] * c for wt, c in zip(spec.weights, counts, strict=True)])
    return f, d, w, counts


def _direct_amplitude(h, f, fs):
    N = len(h) - 1
    return np.array([sum(h[n] * math.cos(2 * math.pi * x / fs * (n - N / 2)) for n in range(N + 1)) for x in f])


SPECS = [
    FIRSpec(12, 4, [(0.0, 0.4), (0.5, 1.0)], [1.0, 0.0]),
    FIRSpec(16, 6, [(0, 0.2), (0.35, 0.6), (0.75, 1)], [0, 1, 0], [2, 1, 0.5], grid_density=5),
    FIRSpec(10, 8, [(0, 3000.0), (5000.0, 24000.0)], [2.0, 0.0], [1.0, 3.0], grid_density=7, fs=48000.0),
]


@pytest.mark.parametrize("spec", SPECS)
def test_grid_and_ripple_match_an_independent_computation(spec):
    for density in (None, 3):
        f, d, w = spec.grid(density)
        f2, d2, w2, counts = _grid_by_hand(spec, density or spec.grid_density)
        assert f.size == sum(counts) == (density or spec.grid_density) * spec.order
        assert np.allclose(f, f2, rtol=0, atol=1e-12 * spec.fs) and np.array_equal(d, d2) and np.array_equal(w, w2)
    p = FIRDesign(spec)
    rng = np.random.default_rng(spec.order)
    for _ in range(4):
        half = rng.integers(-spec.scale, spec.scale, spec.M + 1)
        k = np.concatenate([half, half[-2::-1]])
        f, d, w, _ = _grid_by_hand(spec, spec.grid_density)
        want = float(np.max(w * np.abs(_direct_amplitude(k / spec.scale, f, spec.fs) - d)))
        ev = p.evaluate(k)
        assert ev.feasible and ev.objective == pytest.approx(want, rel=1e-9, abs=1e-12)
        assert p.ripple(k) == ev.objective
        f3, d3, w3, _ = _grid_by_hand(spec, 4)
        dense = float(np.max(w3 * np.abs(_direct_amplitude(k / spec.scale, f3, spec.fs) - d3)))
        assert p.ripple(k, 4) == pytest.approx(dense, rel=1e-9, abs=1e-12)


def test_a_zero_width_band_gets_its_share_of_the_grid():
    # two bands of zero width: tw == 0, so each gets total // bands points (the last what is left)
    spec = FIRSpec(4, 4, [(0.0, 0.0), (0.5, 0.5)], [1.0, 0.0], grid_density=3)
    f, d, _ = spec.grid()
    assert f.tolist() == [0.0] * 6 + [0.5] * 6 and d.tolist() == [1.0] * 6 + [0.0] * 6


@pytest.mark.parametrize("order", [1, 3, 2001])
def test_odd_order_amplitude_in_chunks_matches_the_cosine_sum(order):
    # odd orders sum cosines in chunks of 2_000_000 // (N + 1) frequencies: order 2001 takes 999 at a time
    rng = np.random.default_rng(order)
    h = rng.normal(size=order + 1)
    f = np.linspace(0.0, 1.0, 2503)
    n = np.arange(order + 1) - order / 2
    direct = np.cos(np.outer(np.pi * f, n)) @ h
    got = amplitude(h, f)
    assert got.shape == f.shape and np.max(np.abs(got - direct)) <= 1e-10 * np.abs(h).sum()
    assert amplitude(h, np.array([])).shape == (0,)


def test_even_order_amplitude_by_hand():
    # N = 2: h = (a, b, a) gives b + 2a cos(w); N = 0: the constant
    f = np.array([0.0, 0.25, 0.5, 1.0])
    w = np.pi * f
    assert np.allclose(amplitude([0.3, 1.0, 0.3], f), 1.0 + 0.6 * np.cos(w), atol=1e-14)
    h = np.array([0.3, 1.0, -0.1])
    direct = _direct_amplitude(h, f, 2.0)
    assert np.allclose(amplitude(h, f), direct, atol=1e-14)
    assert np.allclose(amplitude([2.5], f), 2.5, atol=0)


@pytest.fixture(scope="module")
def design():
    return FIRDesign(FIRSpec(8, 3, [(0.0, 0.4), (0.6, 1.0)], [1.0, 0.0]))  # taps in [-4, 3]


def test_evaluate_accepts_exactly_the_taps_of_b_bits(design):
    s = design.spec
    assert (s.scale, s.M) == (4, 4)
    for v in range(-6, 6):
        k = np.zeros(9, dtype=np.int64)
        k[s.M] = v                   # the centre tap has no mirror
        k[1] = k[7] = v              # a mirrored pair
        ev = design.evaluate(k)
        assert ev.feasible == (-4 <= v <= 3), v
        assert len(ev.violations) == (0 if -4 <= v <= 3 else 3), (v, ev.violations)
        assert ev.objective == pytest.approx(design.ripple(k))


def test_evaluate_finds_every_broken_mirror_pair(design):
    base = np.array([1, -2, 0, 3, 2, 3, 0, -2, 1])
    assert design.evaluate(base).feasible
    for n in range(9):
        for delta in (1, -1):
            k = base.copy()
            k[n] += delta
            if not -4 <= k[n] <= 3:
                continue
            ev = design.evaluate(k)
            if n == 4:  # the centre tap is its own mirror
                assert ev.feasible, (n, delta)
            else:
                assert not ev.feasible and len(ev.violations) == 1 and "linear phase" in ev.violations[0], (n, delta)
                assert f"taps {min(n, 8 - n)} and {max(n, 8 - n)}" in ev.violations[0]


def test_evaluate_caps_the_listed_violations():
    p = FIRDesign(FIRSpec(40, 4, [(0.0, 0.4), (0.6, 1.0)], [1.0, 0.0]))
    k = np.full(41, 100)
    ev = p.evaluate(k)
    assert not ev.feasible and len(ev.violations) == 10 and all("outside [-8, 7]" in v for v in ev.violations)
    k = np.zeros(41, dtype=np.int64)
    k[:20] = 1
    ev = p.evaluate(k)
    assert not ev.feasible and len(ev.violations) == 10 and all("linear phase" in v for v in ev.violations)


def test_evaluate_types(design):
    ok = np.array([1, -2, 0, 3, 2, 3, 0, -2, 1])
    ref = design.evaluate(ok)
    assert design.evaluate(ok.astype(np.float64)) == ref and design.evaluate(ok.tolist()) == ref
    assert design.evaluate(ok.astype(np.int16)) == ref
    assert design.evaluate(np.abs(ok).astype(np.uint8)).feasible
    for bad in (ok + 0.5, np.where(ok == 3, np.nan, ok), np.where(ok == 3, np.inf, ok), ok.astype(complex),
                ok.astype(str), ok.astype(bool), ok[:8], ok.reshape(3, 3), "abc", [[1, 2], [3]]):
        ev = design.evaluate(bad)
        assert not ev.feasible and ev.objective is None and ev.violations, bad
    assert design.evaluate(ok[:8]).violations == ["expected 9 taps, got shape (8,)"]
