"""Review findings on the coupling family: tampered results (A1), time limits (A3), MEC-B encoders (A5)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import combopt
import combopt.problems.coupling.measures as measures_mod
import combopt.problems.coupling.model as model_mod
import combopt.solvers.coupling.mec as mec_mod
from combopt.cli.app import main
from combopt.problems.coupling import EBIM, MEC, MECB, Coupling, MECBSolution
from combopt.problems.coupling.measures import entropy
from combopt.problems.coupling.model import make_problem
from combopt.solvers.coupling import ebim as ebim_mod
from combopt.solvers.coupling.kernels import greedy_arrays

#: Bell numbers (set partitions of n symbols), written out here
BELL = (1, 1, 2, 5, 15, 52, 203, 877, 4140, 21147, 115975, 678570, 4213597)


def H(x) -> float:
    """Entropy in bits, written here independently of combopt."""
    x = np.asarray(x, dtype=float).ravel()
    x = x[x > 0]
    return float(-(x * np.log2(x)).sum())


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def uniform_pair(n: int) -> tuple[MEC, Coupling]:
    p = np.full(n, 1.0 / n)
    return MEC([p, p]), Coupling(np.stack([np.arange(n)] * 2, axis=1), p, (n, n))


# ----------------------------------------------------------------------------- A1: evaluate and check

def test_evaluate_rejects_a_coupling_scaled_by_a_tiny_factor():
    """Every entry off by 5e-9 (under the old absolute 1e-8): the total mass and the marginals are off."""
    prob, diag = uniform_pair(1000)
    assert prob.evaluate(diag).feasible
    scaled = Coupling(diag.index, diag.mass * (1 + 5e-6), diag.shape)
    ev = prob.evaluate(scaled)
    assert not ev.feasible
    assert any("total mass" in v for v in ev.violations)
    assert any("marginal mismatch" in v for v in ev.violations)
    up = Coupling(diag.index, diag.mass * 1.01, diag.shape)
    assert not prob.evaluate(up).feasible


def test_evaluate_rejects_mass_moved_between_cells_and_negative_mass():
    prob, diag = uniform_pair(1000)
    m = diag.mass.copy()
    m[0] -= 5e-9  # row 0 / column 0 lose what row 1 / column 1 gain: the total is still 1
    m[1] += 5e-9
    ev = prob.evaluate(Coupling(diag.index, m, diag.shape))
    assert not ev.feasible and any("marginal mismatch" in v and "at 0" in v for v in ev.violations)
    neg = Coupling(np.vstack([diag.index, [[0, 1]]]), np.append(diag.mass, -5e-9), diag.shape)
    ev = prob.evaluate(neg)
    assert not ev.feasible and any("negative mass" in v for v in ev.violations)


def test_evaluate_keeps_exact_solver_answers_feasible():
    """The tighter tolerances still accept what every MEC solver returns (the rounding of their cells)."""
    rng = np.random.default_rng(11)
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(5) * 0.5), rng.dirichlet(np.ones(4) * 0.5)
        for solver in ("mec-greedy", "mec-exact", "mec-ls"):
            res = combopt.solve(MEC([p, q]), solver, seed=1)
            assert res.feasible and not res.violations, (solver, res.violations)
            assert res.objective >= max(H(p), H(q)) - 1e-9


def _write_result(path, kind, solution, objective, bound, status="optimal"):
    sense = "min" if kind == "mec" else "max"
    path.write_text(json.dumps({"problem": kind, "sense": sense, "status": status, "objective": objective,
                                "bound": bound, "gap": 0.0, "feasible": True, "params": {},
                                "solution": solution}))


def test_check_rejects_mec_objective_below_its_lower_bound(tmp_path, capsys):
    """Every cell 9.5e-9 light (the old absolute tolerance let it pass): H falls below max(H(p), H(q))."""
    n = 20000
    inst = tmp_path / "u.coupling.json"
    p = np.full(n, 1.0 / n)
    inst.write_text(json.dumps({"marginals": [p.tolist(), p.tolist()]}))
    m = p * (1 - 1.9e-4)
    h = H(m)
    assert h < math.log2(n) - 1e-3
    cells = [[i, i, float(v)] for i, v in enumerate(m)]
    res = tmp_path / "r.json"
    _write_result(res, "mec", {"shape": [n, n], "cells": cells, "entropies": {"H": h}}, h, h)
    rc, text, _ = run_cli(capsys, "check", inst, res)
    assert rc == 1
    assert "total mass" in text and "marginal mismatch" in text
    assert "below the problem's own lower bound" in text


def test_check_rejects_ebim_information_above_min_rate_entropy(tmp_path, capsys):
    """T = X mod 1024 (H(T) = R = 10), every cell 9.5e-9 light: the recomputed I(X;T) exceeds R."""
    n, R = 20000, 10.0
    p = np.full(n, 1.0 / n)
    inst = tmp_path / "u.marginals.csv"
    inst.write_text(f"# rate={R}\n" + ",".join(repr(float(v)) for v in p) + "\n")
    m = p * (1 - 1.9e-4)
    t = np.arange(n) % 1024
    pt = np.bincount(t, weights=m)
    I = H(p) + H(pt) - H(m)
    assert I > R + 1e-4
    prob = EBIM([p], R)
    ev = prob.evaluate(Coupling(np.stack([np.arange(n), t], axis=1), m, (n, 1024)))
    assert not ev.feasible and any("marginal mismatch" in v for v in ev.violations)
    res = tmp_path / "r.json"
    sol = {"shape": [n, 1024], "cells": [[i, int(t[i]), float(v)] for i, v in enumerate(m)]}
    _write_result(res, "ebim", sol, I, I)
    rc, text, _ = run_cli(capsys, "check", inst, res, "--kind", "ebim")
    assert rc == 1
    assert "above the problem's own upper bound" in text and "marginal mismatch" in text


def test_check_rejects_mecb_tampered_joint_and_info(tmp_path, capsys):
    inst = tmp_path / "b.coupling.json"
    inst.write_text(json.dumps({"marginals": [[.3, .25, .2, .15, .1], [.4, .3, .2, .1]], "rate": 1.2}))
    out = tmp_path / "r.json"
    assert run_cli(capsys, "solve", inst, "-q", "-o", out)[0] == 0
    assert run_cli(capsys, "check", inst, out)[0] == 0
    data = json.loads(out.read_text())
    data["solution"]["joint"]["cells"].reverse()  # the order of the cells is no claim
    shuffled = tmp_path / "shuffled.json"
    shuffled.write_text(json.dumps(data))
    assert run_cli(capsys, "check", inst, shuffled)[0] == 0
    data["solution"]["joint"]["cells"][0][-1] += 0.05
    data["info"]["I_XY"] = 5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    rc, text, _ = run_cli(capsys, "check", inst, bad)
    assert rc == 1 and "solution.joint" in text and "info.I_XY" in text


def test_check_rejects_a_mec_lower_bound_above_a_feasible_coupling(tmp_path, capsys):
    """A claimed lower bound above H of the independent coupling (feasible) is false, solution or none."""
    inst = tmp_path / "pq.coupling.json"
    inst.write_text(json.dumps({"marginals": [[.5, .4, .1], [.6, .2, .2]]}))
    out = tmp_path / "r.json"
    assert run_cli(capsys, "solve", inst, "-q", "-s", "mec-exact", "-o", out)[0] == 0
    data = json.loads(out.read_text())
    data.update(status="feasible", bound=5.0, gap=None, objective=data["objective"])
    data["info"]["majorization_bound"] = 99
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    rc, text, _ = run_cli(capsys, "check", inst, bad)
    assert rc == 1 and "independent coupling" in text and "info.majorization_bound" in text


# ----------------------------------------------------------------------------- A3: time limits

def test_mec_greedy_computes_the_profile_bound_once(monkeypatch):
    calls = []
    real = measures_mod.profile_bound

    def counted(marginals, **kw):
        calls.append(1)
        return real(marginals, **kw)

    for mod in (measures_mod, model_mod, mec_mod):
        if hasattr(mod, "profile_bound"):
            monkeypatch.setattr(mod, "profile_bound", counted)
    rng = np.random.default_rng(2)
    prob = MEC([rng.dirichlet(np.ones(3000)), rng.dirichlet(np.ones(2000))])
    res = combopt.solve(prob, "mec-greedy")
    assert len(calls) == 1
    assert res.info["profile_bound"] == pytest.approx(real(prob.marginals))
    assert res.bound == pytest.approx(max(res.info["majorization_bound"], res.info["profile_bound"]))


def test_mec_greedy_skips_the_profile_bound_the_time_limit_cannot_pay(monkeypatch):
    monkeypatch.setattr(mec_mod, "PROFILE_S_PER_SYMBOL", 1e6)
    monkeypatch.setattr(model_mod, "PROFILE_EAGER_SYMBOLS", 10)
    rng = np.random.default_rng(2)
    prob = MEC([rng.dirichlet(np.ones(300)), rng.dirichlet(np.ones(200))])
    res = combopt.solve(prob, "mec-greedy", time_limit=30)
    assert res.feasible and res.info["profile_bound"].startswith("skipped")
    assert res.bound == pytest.approx(res.info["majorization_bound"])
    assert res.status == "feasible"


def test_coupling_json_is_a_record_array_that_round_trips(tmp_path):
    rng = np.random.default_rng(5)
    prob = MEC([rng.dirichlet(np.ones(400)), rng.dirichlet(np.ones(300))])
    res = combopt.solve(prob, "mec-greedy")
    cells = res.solution_json["cells"]
    assert isinstance(cells, np.ndarray) and cells.dtype.names == ("i0", "i1", "mass")
    back = prob.solution_from_json(res.solution_json)  # in memory
    assert prob.evaluate(back).objective == pytest.approx(res.objective, abs=1e-12)
    data = json.loads(res.to_json())  # written: [i, j, mass] lists
    row = data["solution"]["cells"][0]
    assert isinstance(row, list) and all(isinstance(v, int) for v in row[:2]) and isinstance(row[2], float)
    again = prob.solution_from_json(data)
    assert np.array_equal(again.index, back.index) and np.array_equal(again.mass, back.mass)


def test_from_json_names_the_bad_cell_after_the_fast_path():
    from combopt.core.errors import InputError

    with pytest.raises(InputError, match="cell 1 index 1.0"):
        Coupling.from_json({"shape": [2, 2], "cells": [[0, 0, .5], [1.0, 1, .5]]})
    with pytest.raises(InputError, match="cell 1 mass"):
        Coupling.from_json({"shape": [2, 2], "cells": [[0, 0, .5], [1, 1, True]]})
    with pytest.raises(InputError, match="cell 0 index 2"):
        Coupling.from_json({"shape": [2, 2], "cells": [[2, 0, .5]]})


def test_best_deterministic_matches_the_full_enumeration():
    rng = np.random.default_rng(1)
    for n in range(1, 10):
        w = np.sort(rng.dirichlet(np.ones(n)))[::-1]
        S, HS = ebim_mod.deterministic_partitions(w)
        assert S.shape[0] == BELL[n]
        for R in (0.0, 0.4, 1.3, 9.0):
            ref = HS[HS <= R + 1e-12].max()
            for chunk in (7, 10**6):
                got = ebim_mod.best_deterministic(w, R, chunk=chunk)
                assert got["H"] == pytest.approx(ref, abs=1e-12)
                assert got["complete"] and (got["reached_top"] or got["checked"] == BELL[n])


def test_ebim_exact_stops_on_the_clock_and_does_not_claim_optimality():
    """12 symbols: 4.2 million partitions. A stop after the first batch is not a proof."""
    p = np.array([.15, .13, .12, .1, .09, .08, .07, .07, .06, .05, .05, .03])
    R = 2.345678  # no deterministic mapping has H(T) exactly R: nothing reaches min(R, H(X))
    stopped = ebim_mod.best_deterministic(np.sort(p)[::-1], R, should_stop=lambda: True)
    assert not stopped["complete"] and 0 < stopped["checked"] < BELL[12]
    res = combopt.solve(EBIM([p], R), "ebim-exact", max_n=12, max_iterations=1, time_limit=1e-3)
    assert res.feasible and res.status != "optimal"
    assert res.info["checked"] < res.info["partitions"] == BELL[12]
    assert "not proven" in res.info["scope"]
    greedy = combopt.solve(EBIM([p], R), "ebim-greedy")
    assert res.objective >= greedy.objective - 1e-12


def test_mecb_exact_decoder_yields_to_the_clock():
    p = [.2, .18, .16, .14, .12, .1, .1]
    q = [.23, .19, .16, .13, .11, .1, .08]
    res = combopt.solve(MECB([p, q], 2.5), "mecb", encoder="greedy", decoder="exact", time_limit=0.05)
    assert res.feasible and res.info["decoder_ran"].startswith("greedy (exact stopped")
    sol: MECBSolution = res.solution
    assert MECB([p, q], 2.5).evaluate(sol).feasible


# ----------------------------------------------------------------------------- A5: MEC-B encoders

@pytest.mark.parametrize("seed", [3, 7])
def test_mecb_default_is_never_worse_than_any_single_encoder(seed):
    rng = np.random.default_rng(seed)
    for _ in range(8):
        n, m = int(rng.integers(2, 8)), int(rng.integers(2, 8))
        p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(m))
        R = float(rng.uniform(0, H(p)))
        prob = MECB([p, q], R)
        default = combopt.solve(prob, "mecb")
        assert default.feasible
        for enc in ("greedy", "ebim", "exact"):
            single = combopt.solve(MECB([p, q], R), "mecb", encoder=enc)
            assert default.objective >= single.objective - 1e-12, (enc, p, q, R)
        tried = default.info["encoders"]
        assert set(tried) == {"greedy", "ebim", "exact"}
        assert default.objective == pytest.approx(max(v for v in tried.values() if isinstance(v, float)))


def test_mecb_joint_stays_finite_with_a_subnormal_code_word():
    """p(t, y) / p(t) was computed as p(t, y) * (1 / p(t)): 1 / 1e-310 overflows, and I(X;Y) came out inf."""
    p, q = np.array([0.5, 0.5, 1e-310]), np.array([0.5, 0.5])
    enc = Coupling([[0, 0], [1, 1], [2, 2]], p, (3, 3))
    dec = Coupling([[0, 0], [1, 1], [2, 0]], [0.5, 0.5, 1e-310], (3, 2))
    sol = MECBSolution(enc, dec)
    J = sol.joint().dense()
    assert np.all(np.isfinite(J)) and J[2, 0] == pytest.approx(1e-310, rel=1e-6)
    ev = MECB([p, q], 1.5).evaluate(sol)
    assert ev.feasible and ev.objective == pytest.approx(1.0, abs=1e-9)


def test_mecb_joint_entropy_matches_the_built_joint():
    """H(X, Y) without the joint (deterministic rows through H(Y | T = t)) against the sparse product."""
    rng = np.random.default_rng(0)
    for _ in range(100):
        n, m, t = (int(v) for v in rng.integers(1, 7, size=3))
        E = rng.random((n, t)) * (rng.random((n, t)) < 0.5)
        E[E.sum(axis=1) == 0, 0] = 1.0
        E /= E.sum()
        pt = E.sum(axis=0)
        D = rng.random((t, m)) * (rng.random((t, m)) < 0.6)
        D[D.sum(axis=1) == 0, 0] = 1.0
        D = D / D.sum(axis=1, keepdims=True) * pt[:, None]
        sol = MECBSolution(Coupling.from_dense(E), Coupling.from_dense(D))
        J = E @ (D / np.where(pt > 0, pt, 1.0)[:, None])  # p(x, y), independently
        assert sol.joint_entropy() == pytest.approx(H(J), abs=1e-12)


def test_mecb_never_builds_a_huge_joint(monkeypatch, tmp_path, capsys):
    """A 2,000,000-symbol MEC-B run asked numpy for 780 GiB: the joint of one code word shared by many x and
    many y. The measures no longer build it, and a result leaves it out past ``JOINT_JSON_MAX`` cells."""
    def refuse(self):
        raise AssertionError("the joint was built")

    rng = np.random.default_rng(8)
    p, q = rng.dirichlet(np.ones(400)), rng.dirichlet(np.ones(300))
    inst = tmp_path / "b.coupling.json"
    inst.write_text(json.dumps({"marginals": [p.tolist(), q.tolist()], "rate": 2.0}))
    monkeypatch.setattr(MECBSolution, "joint", refuse)
    monkeypatch.setattr(model_mod, "JOINT_JSON_MAX", 1000)
    res = combopt.solve(MECB([p, q], 2.0), "mecb", encoder="greedy", decoder="greedy")
    assert res.feasible and res.solution.joint_cells() > 1000
    assert "joint" not in res.solution_json and set(res.solution_json["entropies"]) >= {"I_XY", "I_TY"}
    assert res.objective == pytest.approx(res.info["I_TY"], abs=1e-9)  # deterministic encoder: I(X;Y) = I(T;Y)
    out = tmp_path / "r.json"
    out.write_text(res.to_json())
    rc, text, _ = run_cli(capsys, "check", inst, out)
    assert rc == 0, text


def test_mec_greedy_and_bounds_share_one_sort_with_the_same_answers(monkeypatch):
    """The greedy coupling and both bounds read the problem's kept sort (one argsort per marginal in a run), and
    give what they give on their own sorts: ties and unsorted input included."""
    rng = np.random.default_rng(5)
    p = rng.random(3000)
    p[::7] = p[3]  # ties
    q = rng.integers(1, 9, 2500).astype(float)
    p, q = p / p.sum(), q / q.sum()
    expected_bounds = (measures_mod.majorization_bound([p, q]), measures_mod.profile_bound([p, q]))
    idx, mass = greedy_arrays([p, q])
    expected_h = entropy(mass)
    sorts = []
    real = {"argsort": np.argsort, "sort": np.sort}

    def counted(name):
        def run(a, *args, **kw):
            if np.ndim(a) == 1 and np.size(a) in (3000, 2500):
                sorts.append(np.size(a))
            return real[name](a, *args, **kw)
        return run

    prob = make_problem("mec", [p, q])
    for name in real:
        monkeypatch.setattr(np, name, counted(name))
    r = combopt.solve(prob, "mec-greedy", time_limit=30.0)
    for name, f in real.items():
        monkeypatch.setattr(np, name, f)
    assert sorted(sorts) == [2500, 3000]
    b = prob.bounds()
    assert b["majorization_bound"] == pytest.approx(expected_bounds[0], abs=1e-12)
    assert b["profile_bound"] == pytest.approx(expected_bounds[1], abs=1e-12)
    assert r.objective == pytest.approx(expected_h, abs=1e-9)
    assert prob.evaluate(r.solution).feasible
