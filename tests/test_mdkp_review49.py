"""Review 49 of the multidimensional knapsack: defects found by an outside reviewer, each with its own test."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import combopt
from combopt.problems.mdkp import MultiKnapsack


def brute_force(p, A, b):
    X = np.array(list(itertools.product([0, 1], repeat=len(p))), dtype=float)
    ok = np.all(X @ np.asarray(A, dtype=float).T <= np.asarray(b, dtype=float), axis=1)
    return float(np.max(np.where(ok, X @ np.asarray(p, dtype=float), -np.inf)))


def test_tiny_weights_do_not_fit_more_than_the_capacity():
    # five items of weight 1e-10 in a capacity of 1e-10: one fits. The checker's absolute 1e-9 tolerance let all
    # five "fit", and mdkp-core and lagrangian called that packing optimal (objective 5)
    inst = MultiKnapsack([1.0] * 5, [[1e-10] * 5], [1e-10])
    ev = inst.evaluate([1, 1, 1, 1, 1])
    assert not ev.feasible and ev.violations == ["constraint 0: load 5e-10 exceeds capacity 1e-10"]
    assert inst.evaluate([0, 0, 1, 0, 0]).feasible
    for solver in ("mdkp-core", "milp", "lagrangian"):
        res = combopt.solve(inst, solver, time_limit=2)
        assert res.feasible and res.objective == 1.0, solver
        assert res.bound is None or res.bound >= 1.0


@pytest.mark.parametrize("seed", range(4))
def test_a_knapsack_scaled_down_has_the_optimum_of_the_original(seed):
    rng = np.random.default_rng(seed)
    n, m = 9, 3
    p = rng.integers(1, 30, n).astype(float)
    A = rng.integers(1, 20, (m, n)).astype(float)
    b = np.floor(0.4 * A.sum(axis=1))
    opt = brute_force(p, A, b)
    tiny = MultiKnapsack(p, A * 1e-12, b * 1e-12)
    res = combopt.solve(tiny, "mdkp-core", time_limit=2)
    x = np.asarray(res.solution)
    assert np.all(A @ x <= b)  # independent check on the integer rows
    assert res.objective == opt and res.bound >= opt


@pytest.mark.parametrize("body, line, needle", [
    ("1\n3 1 0\n10 20 30\n1 2 3\n1e16\n", 5, "capacity 0 is more than 1e+15"),
    ("1\n3 2 0\n10 20 30\n1 2 3\n1 9e14\n9e14\n4 5\n", 6, "row 1 of weights adds up to more than 1e+15"),
    ("1\n3 1 0\n10\n6e14 6e14\n1 2 3\n4\n", 4, "the profits add up to more than 1e+15"),
    ("1\n\n10000 10000 0\n", 3, "10000x10000 = 100,000,000 weights: too large"),
])
def test_sums_past_the_limit_name_their_line(tmp_path, one_cli_error, body, line, needle):
    # these errors named the file and the instance but no line
    f = tmp_path / "big.mknap"
    f.write_text(body)
    msg = one_cli_error(str(f))
    assert f"big.mknap:{line}:" in msg and needle in msg, msg


def test_the_reader_keeps_about_8_bytes_a_number(tmp_path):
    # the tokens were a list of (text, line) pairs, about 130 bytes a number: the 50,000,000 weights the README
    # allows took 6.5 GB to read, past the default memory budget of a quarter of a 16 GB machine
    import tracemalloc

    from combopt.problems.mdkp import read_orlib_mknap

    rng = np.random.default_rng(0)
    n, m = 20_000, 10
    p = rng.integers(1, 1000, n)
    A = rng.integers(1, 1000, (m, n))
    b = A.sum(axis=1) // 4
    f = tmp_path / "big.mknap"
    lines = ["1", f"{n} {m} 0", " ".join(map(str, p))] + [" ".join(map(str, row)) for row in A]
    f.write_text("\n".join(lines + [" ".join(map(str, b))]) + "\n")
    tracemalloc.start()
    try:
        (inst,) = read_orlib_mknap(f)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    numbers = 3 + n + n * m + m
    assert np.array_equal(inst.p, p) and np.array_equal(inst.A, A) and np.array_equal(inst.b, b)
    assert peak < 40 * numbers, peak / numbers  # the numbers, the instance's own copy and one line at a time


@pytest.mark.parametrize("solver, key, value", [
    ("mdkp-core", "polish_iters", 0.5), ("mdkp-core", "polish_iters", 1e12), ("mdkp-core", "node_limit", 2.5),
    ("mdkp-core", "node_limit", 1e30), ("lagrangian", "polish_iters", 0.5), ("lagrangian", "polish_iters", 1e12),
])
def test_iteration_counts_are_whole_numbers_up_to_1e9(solver, key, value):
    # polish_iters=0.5 was cut to 0 (no polish at all) and node_limit=2.5 to 2 without a word; 1e12 was taken,
    # past the README's 1..10^9 for integer parameters
    from combopt.core.errors import ParameterError

    inst = MultiKnapsack([10, 20, 30], [[1, 2, 3]], [4])
    with pytest.raises(ParameterError, match=key):
        combopt.solve(inst, solver, time_limit=1, **{key: value})
    assert combopt.solve(inst, solver, max_iterations=2, **{key: 3}).objective == 40
