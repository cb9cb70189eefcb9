"""DMMV core: model, generic instance files, local search vs exhaustive and MILP, kernels."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.core.device import cuda_simulator
from combopt.models.dmmv import DMMV, list_domains, uniform_domains
from combopt.problems.dmmv import DMMVInstance
from combopt.solvers.dmmv.search import DMMVSearch, cpu_scorer


def _random_model(seed: int, m: int = 9, n: int = 5, count: int = 4, dense: bool = True, bounds: bool = False):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(m, n))
    if not dense:
        A[rng.random((m, n)) < 0.5] = 0.0
    x_true = rng.integers(0, count, n) * 0.5 - 0.5
    b = A @ x_true + rng.uniform(-0.7, 0.7, m)
    w = rng.uniform(0.5, 2.0, m)
    ptr, vals = uniform_domains(-0.5, 0.5, count, n)
    if bounds:
        return DMMV(A, b - 0.2, b + 0.3, ptr, vals, w, name=f"rand{seed}")
    return DMMV.with_targets(A, b, ptr, vals, w, name=f"rand{seed}")


def _exhaustive(model: DMMV) -> float:
    best = np.inf
    sizes = model.domain_sizes
    for k in itertools.product(*[range(s) for s in sizes]):
        best = min(best, model.objective(model.values(np.array(k)))[0])
    return best


# ---------------------------------------------------------------------------------------
# model
# ---------------------------------------------------------------------------------------
def test_domains_and_objective():
    ptr, vals = uniform_domains([0, 1], [1, 0.5], [3, 2])
    assert ptr.tolist() == [0, 3, 5] and vals.tolist() == [0, 1, 2, 1, 1.5]
    ptr2, vals2 = list_domains([[3, 1, 1], [0.5]])
    assert ptr2.tolist() == [0, 2, 3] and vals2.tolist() == [1, 3, 0.5]
    A = np.array([[1.0, 2.0], [1.0, -1.0]])
    model = DMMV(A, [0.0, -np.inf], [1.0, 0.0], ptr, vals, [2.0, 1.0])
    x = model.values([2, 1])  # x = (2, 1.5)
    # row 0: 5 above [0, 1] by 4, weight 2 -> 8; row 1: 0.5 above 0 -> 0.5
    assert model.violations(x).tolist() == [8.0, 0.5]
    assert model.objective(x) == (8.0, 64.25)
    assert model.nearest_indices([0.6, 1.2]).tolist() == [1, 0]
    assert model.uniform_grid() is not None


@pytest.mark.parametrize("seed", range(5))
def test_nearest_indices_match_a_search_per_variable(seed):
    # the vectorised bisection against np.searchsorted domain by domain (ties to the lower value)
    rng = np.random.default_rng(seed)
    n = 300
    values = [np.unique(rng.integers(-20, 20, rng.integers(1, 9)).astype(float) / 2) for _ in range(n)]
    ptr, vals = list_domains([list(v) for v in values])
    model = DMMV(np.ones((1, n)), [-np.inf], [np.inf], ptr, vals)
    x = rng.uniform(-12, 12, n)
    x[:40] = [values[i][rng.integers(len(values[i]))] for i in range(40)]  # exactly on a value
    x[40:60] = [(values[i][0] + values[i][-1]) / 2 for i in range(40, 60)]  # ties between values are possible
    expect = []
    for i, d in enumerate(values):
        p = int(np.searchsorted(d, x[i]))
        if p <= 0:
            expect.append(0)
        elif p >= len(d):
            expect.append(len(d) - 1)
        else:
            expect.append(p - 1 if x[i] - d[p - 1] <= d[p] - x[i] else p)
    assert model.nearest_indices(x).tolist() == expect


def test_model_rejects_bad_input():
    ptr, vals = uniform_domains(0, 1, 2, 2)
    with pytest.raises(combopt.ParameterError):
        DMMV(np.ones((2, 2)), [1, 1], [0, 0], ptr, vals)  # lower > upper
    with pytest.raises(combopt.ParameterError):
        DMMV(np.ones((2, 3)), 0, 0, ptr, vals)  # 3 columns, 2 domains
    with pytest.raises(combopt.ParameterError):
        DMMV(np.ones((2, 2)), 0, 0, ptr, vals, [1, -1])
    with pytest.raises(combopt.ParameterError):
        uniform_domains(0, 0, 3, 2)


@pytest.mark.parametrize("seed", range(6))
def test_heuristic_and_milp_match_exhaustive(seed):
    model = _random_model(seed, dense=seed % 2 == 0, bounds=seed % 3 == 0)
    opt = _exhaustive(model)
    prob = DMMVInstance(model)
    res = combopt.solve(prob, "dmmv", seed=seed, max_iterations=3, rounds=30)
    assert res.feasible
    assert res.objective == pytest.approx(opt, abs=1e-9)
    # the LP relaxation is a valid lower bound
    assert model.lp_bound() <= opt + 1e-9
    ex = combopt.solve(prob, "milp")
    assert ex.status == combopt.Status.OPTIMAL
    assert ex.objective == pytest.approx(opt, abs=1e-6)


def test_milp_with_value_lists():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(6, 3))
    ptr, vals = list_domains([[-1, 0, 0.25, 2], [0, 3], [-2, -0.5, 1]])
    model = DMMV.with_targets(A, rng.normal(size=6), ptr, vals)
    assert model.uniform_grid() is None
    opt = _exhaustive(model)
    res = combopt.solve(DMMVInstance(model), "milp")
    assert res.status == combopt.Status.OPTIMAL and res.objective == pytest.approx(opt, abs=1e-6)
    h = combopt.solve(DMMVInstance(model), "dmmv", max_iterations=2, rounds=20)
    assert h.objective == pytest.approx(opt, abs=1e-9)


# ---------------------------------------------------------------------------------------
# kernels: screening / exact scoring against a brute-force recomputation
# ---------------------------------------------------------------------------------------
def _setup_search(model, seed=0):
    k0 = np.random.default_rng(seed).integers(0, model.domain_sizes)
    return DMMVSearch(model, k0, 99 + seed, {"top_rows": 4})


@pytest.mark.parametrize("dense", [True, False])
def test_score_one_matches_recomputation(dense):
    model = _random_model(7, m=30, n=8, count=6, dense=dense)
    S = _setup_search(model)
    cnt, ntop, theta, linf = S.candidate_batch(2, 10_000, True, 8)
    assert cnt > 8 * 2
    cpu_scorer(S, cnt, ntop, theta, linf)
    n_exact = 0
    for c in range(cnt):
        x = S.x.copy()
        x[S.ci[c]] += S.cdvi[c]
        if S.cj[c] >= 0:
            x[S.cj[c]] += S.cdvj[c]
        lf, l2 = model.objective(x)
        if np.isinf(S.out_dl2[c]):
            # rejected: the reported violation is a true lower bound above the current maximum
            assert S.out_linf[c] <= lf + 1e-12 and S.out_linf[c] > linf and lf > linf
        else:
            n_exact += 1
            assert S.out_linf[c] >= lf - 1e-12  # never optimistic
            if S.out_linf[c] < theta or dense:
                assert S.out_linf[c] == pytest.approx(lf, abs=1e-12)
            assert S.out_dl2[c] == pytest.approx(l2 - float(S.v @ S.v), abs=1e-9)
    assert n_exact > 0


def test_xp_scorer_with_numpy_matches_cpu_kernel():
    from combopt.gpu.dmmv_xp import score_candidates_xp

    model = _random_model(11, m=40, n=7, count=5)
    S = _setup_search(model, 1)
    assert S.dense
    cnt, ntop, theta, linf = S.candidate_batch(2, 10_000, True, 8)
    cpu_scorer(S, cnt, ntop, theta, linf)
    lf, dl = score_candidates_xp(np, model.dense(), S.s, model.lower, model.upper, model.weights, S.v, S.top[:ntop],
                                 S.ci[:cnt], S.cdvi[:cnt], S.cj[:cnt], S.cdvj[:cnt], linf, S.tol, chunk_elems=97)
    finite = np.isfinite(S.out_dl2[:cnt])
    assert np.array_equal(finite, np.isfinite(dl)) and finite.any() and not finite.all()
    np.testing.assert_array_equal(lf[finite], S.out_linf[:cnt][finite])
    np.testing.assert_allclose(dl[finite], S.out_dl2[:cnt][finite], rtol=1e-9, atol=1e-9)
    assert np.all(lf[~finite] > linf + S.tol) and np.all(S.out_linf[:cnt][~finite] > linf + S.tol)


@pytest.mark.parametrize("dense,params", [(True, {}), (False, {}), (True, {"deep_after": 3, "restart_after": 2})])
def test_host_driver_follows_the_compiled_driver(dense, params):
    """The GPU path's host driver (here with the CPU scorer) retraces the compiled CPU driver exactly (also through
    fresh trajectories)."""
    from combopt.gpu.dmmv_xp import XPScorer

    model = _random_model(5, m=25, n=12, count=8, dense=dense)
    k0 = np.zeros(model.n, dtype=np.int64)
    runs = [DMMVSearch(model, k0, 4242, params, sc) for sc in (None, cpu_scorer)]
    for S in runs:
        for _ in range(5 if params else 1):
            S.run(15 if not params else 3)
    a, b = runs
    assert a.trajectories == b.trajectories and (a.trajectories > 1) == bool(params)
    assert a.best_objective == b.best_objective
    assert a.best_k.tolist() == b.best_k.tolist() and a.moves_scored == b.moves_scored
    if dense:
        c = DMMVSearch(model, k0, 4242, {}, XPScorer(model, np))
        c.run(15)
        assert c.best_objective[0] == pytest.approx(a.best_objective[0], abs=1e-12)


def test_the_host_driver_keeps_the_deadline_of_its_descent():
    """Through a GPU scorer (here CuPy's code on numpy) the first descent and a fresh trajectory's ran to a local
    optimum whatever the deadline: a 2 s run of an order-200 filter took 14 s. A passed deadline stops them before
    their first sweep; without one they descend."""
    import time

    from combopt.gpu.dmmv_xp import XPScorer

    model = _random_model(5, m=30, n=14, count=8, dense=True)
    k0 = np.zeros(model.n, dtype=np.int64)
    start = model.objective(model.values(k0))
    late = DMMVSearch(model, k0, 7, {}, XPScorer(model, np))
    late.descend(time.monotonic() - 1.0)
    assert late.moves_accepted == 0 and late.best_objective[0] == pytest.approx(start[0])
    free = DMMVSearch(model, k0, 7, {}, XPScorer(model, np))
    free.descend(None)
    assert free.moves_accepted > 0 and free.best_objective[0] < start[0]
    before = free.moves_accepted
    free._fresh_trajectory(time.monotonic() - 1.0)  # no sweep: the trajectory is the perturbed start
    assert free.moves_accepted == before and free.trajectories == 2


def test_lns_state_is_consistent():
    model = _random_model(2, m=40, n=20, count=9, dense=False)
    S = DMMVSearch(model, np.zeros(model.n, dtype=np.int64), 7, {})
    S.run(50)
    # incremental sums agree with a fresh product, best objective with the model
    np.testing.assert_allclose(S.s, model.A @ S.x, atol=1e-9)
    assert S.best_objective[0] == pytest.approx(model.objective(model.values(S.best_k))[0], abs=1e-9)


@pytest.mark.parametrize("deep_after", [0, 4])
def test_fresh_trajectories_keep_the_best_over_all(deep_after):
    """``deep_after``: a trajectory that has stopped finding new bests is left for a fresh one from the start point;
    the LNS rounds work on the trajectory's best, the search's best is the lowest over all trajectories and never
    rises. Without it there is one trajectory, whose best is the search's."""
    model = _random_model(3, m=60, n=24, count=9, dense=True)
    k0 = np.zeros(model.n, dtype=np.int64)
    S = DMMVSearch(model, k0, 11, {"deep_after": deep_after, "restart_after": 2})
    bests, apart = [], 0
    for _ in range(40):
        S.run(3)
        bests.append(S.best_objective)
        np.testing.assert_allclose(S.s, model.A @ S.x, atol=1e-9)
        assert model.objective(model.values(S.best_k))[0] == pytest.approx(S.best[0], abs=1e-9)
        assert model.objective(model.values(S.tbest_k))[0] == pytest.approx(S.tbest[0], abs=1e-9)
        assert S.best[0] <= S.tbest[0] + S.tol
        apart += S.tbest[0] > S.best[0] + S.tol
    assert [b[0] for b in bests] == sorted((b[0] for b in bests), reverse=True)
    if deep_after:
        assert S.trajectories > 2 and apart > 0  # fresh trajectories ran, some of the time above the best
    else:
        assert S.trajectories == 1 and apart == 0 and S.tbest_k.tolist() == S.best_k.tolist()


def test_fresh_trajectories_through_the_solver():
    """With ``deep_after`` a FIR search starts fresh trajectories; the answer is the best over them and the
    problem's own evaluation agrees with the result; ``deep_after=0`` keeps one trajectory; bad values are refused."""
    fir = combopt.read(Path(__file__).resolve().parents[1] / "examples" / "dmmv" / "fir_f3.toml")
    res = combopt.solve(fir, solver="dmmv", time_limit=2.0, deep_after=20)
    assert res.info["trajectories"] > 1
    assert fir.evaluate(res.solution).objective == pytest.approx(res.objective, rel=1e-12)
    one = combopt.solve(fir, solver="dmmv", max_iterations=3, deep_after=0)
    assert "trajectories" not in one.info
    with pytest.raises(combopt.ParameterError, match="deep_after"):
        combopt.solve(fir, solver="dmmv", time_limit=1.0, deep_after=-1)


@pytest.mark.skipif(cuda_simulator(), reason="the CUDA simulator cannot compile PTX")
def test_score_kernel_compiles_to_sm90_ptx():
    from combopt.gpu.dmmv import ptx_for_sm90

    ptx = ptx_for_sm90()
    assert ".target sm_90" in ptx
    entries = re.findall(r"\.entry\s+(\S+?)\(", ptx)
    assert len(entries) == 1 and "score_kernel" in entries[0]
    assert "score_one" not in ptx  # inlined


# ---------------------------------------------------------------------------------------
# generic instance files
# ---------------------------------------------------------------------------------------
def test_npz_and_json_readers_roundtrip(tmp_path):
    model = _random_model(4)
    A = model.dense()
    b = model.lower
    p = tmp_path / "inst.npz"
    np.savez(p, A=A, b=b, weights=model.weights, lo=-0.5, step=0.5, count=4)
    inst = combopt.read(p)
    assert inst.kind == "dmmv" and inst.model.n == 5
    opt = _exhaustive(model)
    res = combopt.solve(inst, "dmmv", max_iterations=3, rounds=30)
    assert res.objective == pytest.approx(opt, abs=1e-9)

    j = tmp_path / "inst.dmmv.json"
    j.write_text(json.dumps({"format": "dmmv", "A": A.tolist(), "b": b.tolist(), "weights": model.weights.tolist(),
                             "domain": {"lo": -0.5, "step": 0.5, "count": 4}}))
    inst2 = combopt.read(j)
    assert combopt.solve(inst2, "milp").objective == pytest.approx(opt, abs=1e-6)

    # sparse CSR parts and explicit values
    import scipy.sparse as sp

    R = sp.csr_matrix(A)
    vals = np.tile([-0.5, 0.0, 0.5, 1.0], (5, 1))
    q = tmp_path / "sparse.npz"
    np.savez(q, A_data=R.data, A_indices=R.indices, A_indptr=R.indptr, A_shape=np.array(R.shape), lower=b,
             upper=b, weights=model.weights, values=vals)
    assert combopt.solve(combopt.read(q), "dmmv", max_iterations=3, rounds=30).objective == pytest.approx(opt)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"A": np.ones((2, 2))}, "row targets"),
        ({"A": np.ones((2, 2)), "b": np.ones(3), "lo": 0, "step": 1, "count": 2}, "more entries"),
        ({"A": np.ones((2, 2)), "b": np.ones(2)}, "domains"),
        ({"A": np.ones((2, 2)), "b": np.ones(2), "lo": 0, "step": -1, "count": 2}, "step"),
        ({"A": np.array([[1.0, np.nan]]), "b": np.ones(1), "lo": 0, "step": 1, "count": 2}, "non-finite"),
        ({"b": np.ones(2)}, "matrix"),
    ],
)
def test_npz_reader_errors(tmp_path, content, message):
    p = tmp_path / "bad.npz"
    np.savez(p, **content)
    with pytest.raises(combopt.InputError, match=message):
        combopt.read(p)


def test_npz_reader_refuses_pickles_and_garbage(tmp_path):
    p = tmp_path / "obj.npz"
    np.savez(p, A=np.array([{"a": 1}], dtype=object), b=np.ones(1))
    with pytest.raises(combopt.InputError):
        combopt.read(p)
    g = tmp_path / "garbage.npz"
    g.write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(combopt.InputError):
        combopt.read(g)
    # a .npy array or a text file under a .npz name: a TypeError traceback, and numpy's pickle message
    n = tmp_path / "array.npz"
    with open(n, "wb") as f:
        np.save(f, np.ones(3))
    with pytest.raises(combopt.InputError, match="a .npy array; expected a .npz archive"):
        combopt.read(n)
    t = tmp_path / "text.npz"
    t.write_text("1 2 3\n")
    with pytest.raises(combopt.InputError, match="not a zip archive; expected a .npz archive"):
        combopt.read(t)


def test_cli_generic_dmmv_solve_and_check(tmp_path):
    model = _random_model(8)
    p = tmp_path / "cli.npz"
    np.savez(p, A=model.dense(), b=model.lower, lo=-0.5, step=0.5, count=4)
    out = tmp_path / "r.json"
    r = subprocess.run([sys.executable, "-m", "combopt", "solve", str(p), "--max-iterations", "2", "-p", "rounds=10",
                        "--out", str(out), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["problem"] == "dmmv" and len(data["solution"]) == 5
    r = subprocess.run([sys.executable, "-m", "combopt", "check", str(p), str(out)], capture_output=True, text=True)
    assert r.returncode == 0 and "feasible" in r.stdout
    data["solution"][0] = 0.123  # not on the grid
    out.write_text(json.dumps(data))
    r = subprocess.run([sys.executable, "-m", "combopt", "check", str(p), str(out)], capture_output=True, text=True)
    assert r.returncode == 1 and "not in its domain" in r.stdout


@pytest.mark.parametrize("given", ["arrays", "scalars", "read-only arrays"])
def test_row_bounds_and_weights_are_the_models_own_writeable_copies(given):
    """However the bounds come (arrays, scalars, read-only views), the model keeps writeable contiguous copies: the
    kernels then compile one version for every input (a contiguous array broadcast stayed a read-only view, and every
    search kernel compiled again for it), and the caller's arrays are never the model's."""
    ptr, vals = uniform_domains(np.zeros(3), np.ones(3), np.full(3, 4))
    lo, hi, w = np.zeros(2), np.full(2, 3.0), np.array([1.0, 2.0])
    if given == "scalars":
        lo, hi, w = 0.0, 3.0, 1.0
    elif given == "read-only arrays":
        for a in (lo, hi, w):
            a.setflags(write=False)
    model = DMMV(np.ones((2, 3)), lo, hi, ptr, vals, w)
    for got, src in ((model.lower, lo), (model.upper, hi), (model.weights, w)):
        assert got.flags.writeable and got.flags.c_contiguous and got.dtype == np.float64 and got.shape == (2,)
        assert not np.shares_memory(got, np.asarray(src))
