import itertools
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import combopt
from combopt.core.errors import ParameterError
from combopt.models.qubo import QUBO


def brute_energies(Q, offset, n):
    X = np.array(list(itertools.product([0, 1], repeat=n)), dtype=float)
    return X, np.einsum("ki,ij,kj->k", X, Q, X) + offset


@pytest.mark.parametrize("n", [1, 3, 7])
def test_energy_matches_matrix_form(n):
    rng = np.random.default_rng(n)
    Q = rng.normal(size=(n, n))
    model = QUBO.from_matrix(Q, offset=1.5)
    X, ref = brute_energies(Q, 1.5, n)
    np.testing.assert_allclose(model.energies(X), ref, atol=1e-9)
    for x, e in zip(X, ref, strict=True):
        assert model.energy(x) == pytest.approx(e)


def test_one_flip_delta_matches_energy_difference():
    model = QUBO.random(9, density=0.5, seed=4)
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 2, 9)
        i = int(rng.integers(9))
        y = x.copy()
        y[i] ^= 1
        assert model.delta(x, i) == pytest.approx(model.energy(y) - model.energy(x))


def test_dense_and_sparse_agree():
    dense = QUBO.random(30, density=1.0, seed=2)
    sparse = QUBO(dense.h, dense.W.tocoo())
    X = np.random.default_rng(1).integers(0, 2, (10, 30))
    np.testing.assert_allclose(dense.energies(X), sparse.energies(X))


def test_maximisation_by_sign():
    # maximise x0 + x1 - 3 x0 x1  -> optimum 1 at (1,0) or (0,1)
    model = QUBO.from_dicts({0: 1.0, 1: 1.0}, {(0, 1): -3.0}, sense="max")
    assert model.evaluate(np.array([1, 0])).objective == 1.0
    assert model.evaluate(np.array([1, 1])).objective == -1.0
    res = combopt.solve(model, "exhaustive")
    assert res.sense == "max" and res.objective == 1.0 and res.status == combopt.Status.OPTIMAL


def test_from_dicts_adds_both_orders():
    m = QUBO.from_dicts({}, {(0, 1): 1.0, (1, 0): 2.0})
    assert m.energy([1, 1]) == 3.0


def test_rejects_asymmetric_couplings():
    with pytest.raises(combopt.ParameterError):
        QUBO(np.zeros(2), np.array([[0.0, 1.0], [0.0, 0.0]]))


def test_json_roundtrip(tmp_path):
    m = QUBO.random(5, 1.0, seed=3)
    m.write_json(tmp_path / "m.qubo.json")
    back = combopt.read(tmp_path / "m.qubo.json")
    X = np.array(list(itertools.product([0, 1], repeat=5)))
    np.testing.assert_allclose(back.energies(X), m.energies(X))


@pytest.mark.parametrize("variables", [["a", "a", "c"], [1, "1"]])
def test_json_with_a_repeated_variable_name_is_refused(tmp_path, variables):
    """A repeated name used to shift every later name's index: 'b' silently became 'c' (a different model)."""
    path = tmp_path / "dup.qubo.json"
    path.write_text(json.dumps({"variables": variables, "linear": {"a": -1, "b": -1, "c": 2},
                                "quadratic": [["a", "b", 2], ["b", "c", -3]]}))
    with pytest.raises(combopt.InputError, match="appears twice") as e:
        combopt.read(path)
    assert str(path.name) in str(e.value)


def test_from_dicts_refuses_indices_out_of_range():
    with pytest.raises(ParameterError, match="index -1 out of range"):
        QUBO.from_dicts({-1: -1.0}, {})
    with pytest.raises(ParameterError, match="index 5 out of range: expected indices 0..2"):
        QUBO.from_dicts({0: -1.0}, {(0, 5): 1.0}, n=3)


def test_default_offset_is_zero_and_local_fields_are_h_plus_wx():
    rng = np.random.default_rng(5)
    h = rng.normal(size=6)
    J = np.triu(rng.normal(size=(6, 6)), 1)
    q = QUBO(h, J + J.T)
    assert q.offset == 0.0 and q.energy(np.zeros(6)) == 0.0
    x = rng.integers(0, 2, 6)
    np.testing.assert_allclose(q.local_fields(x), h + (J + J.T) @ x)
    for i in range(6):  # one-flip change = (1 - 2 x_i) * local field
        y = x.copy()
        y[i] = 1 - y[i]
        assert q.delta(x, i) == pytest.approx(q.energy(y) - q.energy(x))


def test_symmetry_tolerance_is_relative_to_the_largest_coupling():
    W = np.array([[0.0, 1e6], [1e6 + 1e-4, 0.0]])  # asymmetric by 1e-10 relative: accepted
    q = QUBO(np.zeros(2), W)
    assert q.W.nnz == 2
    with pytest.raises(ParameterError):
        QUBO(np.zeros(2), np.array([[0.0, 1e6], [1e6 + 10.0, 0.0]]))  # 1e-5 relative: rejected
    with pytest.raises(ParameterError):
        QUBO(np.zeros(2), np.array([[0.0, 0.5], [0.5 + 1.5e-9, 0.0]]))  # small couplings: absolute 1e-9
    QUBO(np.zeros(2), np.array([[0.0, 0.5], [0.5 + 0.5e-9, 0.0]]))


# ------------------------------------------------ the numpy path of the JSON reader agrees with the item reader
def _read_both(path):
    import combopt.models.qubo as qm
    from combopt.core.errors import InputError

    out = []
    for fast in (True, False):
        saved = qm._quadratic_fast
        if not fast:
            qm._quadratic_fast = lambda *a: None
        try:
            out.append(qm.read_qubo_json(path))
        except InputError as e:
            out.append(str(e))
        finally:
            qm._quadratic_fast = saved
    return out


_ITEM = st.one_of(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["a", "b", "c", "d"]),
              st.one_of(st.integers(-3, 3), st.floats(-2, 2, allow_nan=False))).map(list),
    st.sampled_from([["a", "b", True], ["a", 1, 2.0], ["a", "z", 1.0], ["a", "b", 1.0, 2.0], ["a", "b"],
                     ["a", "b", "1.5"], ["a", "b", None], "ab", ["a", "b", 1e308], ["b", "b", 2.0]]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(_ITEM, max_size=8), named=st.booleans(), sense=st.sampled_from(["min", "max"]))
def test_json_fast_path_agrees_with_the_item_reader(tmp_path, items, named, sense):
    doc = {"sense": sense, "offset": 1.5, "linear": {"a": 1.0, "c": -2}, "quadratic": items}
    if named:
        doc["variables"] = ["a", "b", "c", "d"]
    path = tmp_path / "m.qubo.json"
    path.write_text(json.dumps(doc))
    fast, slow = _read_both(path)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    assert fast.variables == slow.variables and fast.model_sense == slow.model_sense and fast.offset == slow.offset
    assert np.allclose(fast.h, slow.h)
    assert (fast.W != slow.W).nnz == 0 or abs(fast.W - slow.W).max() <= 1e-12
    x = np.ones(fast.n, dtype=np.int8)
    assert fast.energy(x) == pytest.approx(slow.energy(x))


def test_large_models_are_written_compact_and_read_back(tmp_path):
    q = combopt.QUBO.random(200, 1.0, seed=3)  # 19,900 couplings: compact
    q.write_json(tmp_path / "big.qubo.json")
    assert "\n" not in (tmp_path / "big.qubo.json").read_text()
    r = combopt.read(tmp_path / "big.qubo.json")
    assert np.allclose(r.h, q.h) and abs(r.W - q.W).max() < 1e-12
