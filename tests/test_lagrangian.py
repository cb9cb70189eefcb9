"""Slack-free Lagrangian methods, the slack-based baseline and the MDKP adapter."""

import csv

import networkx as nx
import numpy as np
import pytest

import combopt
from combopt.models.lagrangian import slack_bits, slack_penalty_qubo
from combopt.problems.mdkp import MultiKnapsack, read_orlib_mknap


@pytest.fixture(scope="module")
def mknap1(data_dir):
    path = data_dir / "mdkp" / "mknap1.txt"
    with open(data_dir / "mdkp" / "mknap1-optima.csv") as f:
        ref = {int(r["index"]): (float(r["optimum"]), float(r["lp_bound"])) for r in csv.DictReader(f)}
    return path, ref


def independent_check(inst: MultiKnapsack, x) -> float:
    x = np.asarray(x)
    assert set(np.unique(x)) <= {0, 1}
    for i in range(inst.m):
        assert sum(inst.A[i, j] for j in range(inst.n) if x[j]) <= inst.b[i] + 1e-9
    return float(sum(inst.p[j] for j in range(inst.n) if x[j]))


def test_reader_reads_all_instances(mknap1):
    path, _ = mknap1
    items = read_orlib_mknap(path)
    assert [(i.n, i.m) for i in items] == [(6, 10), (10, 10), (15, 10), (20, 10), (28, 10), (39, 5), (50, 5)]
    inst = combopt.read(f"{path}#3", kind="mdkp")
    assert inst.n == 20 and inst.name == "mknap1#3"
    assert combopt.read(path, kind="mdkp").n == 6  # no index: the first instance
    with pytest.raises(combopt.InputError, match="#7 does not exist"):
        combopt.read(f"{path}#7", kind="mdkp")


def test_reader_reports_truncation_with_line(tmp_path, mknap1):
    path, _ = mknap1
    lines = path.read_text().splitlines()
    bad = tmp_path / "cut.txt"
    bad.write_text("\n".join(lines[:8]) + "\n")
    with pytest.raises(combopt.InputError) as e:
        combopt.read(bad, kind="mdkp")
    assert e.value.line == 8 and "ends early" in str(e.value)
    bad.write_text(path.read_text().replace("3800", "38x0", 1))
    with pytest.raises(combopt.InputError, match="38x0") as e:
        combopt.read(bad, kind="mdkp")
    assert e.value.line == 3


@pytest.mark.parametrize("k", range(7))
def test_default_solver_reaches_mknap1_optima(mknap1, k):
    path, ref = mknap1
    inst = combopt.read(f"{path}#{k}", kind="mdkp")
    res = combopt.solve(inst, time_limit=60, target=ref[k][0], seed=k)
    assert res.solver == "mdkp-core"
    assert res.objective == pytest.approx(ref[k][0])
    assert independent_check(inst, res.solution) == pytest.approx(ref[k][0])


@pytest.mark.parametrize("k", range(7))
def test_subgradient_dual_converges_to_lp_bound(mknap1, k):
    path, ref = mknap1
    inst = combopt.read(f"{path}#{k}", kind="mdkp")
    res = combopt.solve(inst, "lagrangian", method="subgradient", max_iterations=1000, polish_iters=0)
    lagr_bound = res.info["iterations"][-1]["bound"]
    lp = ref[k][1]
    assert lagr_bound >= lp - 1e-6 * lp  # a valid dual bound never goes below the LP optimum
    assert abs(lagr_bound - lp) / lp < 1e-3
    assert res.feasible


@pytest.mark.parametrize("method,extra", [
    ("subgradient", {"step_rule": "sqrt"}),
    ("bundle", {}),
    ("cutting-plane", {}),
])
def test_outer_loops_reach_the_lp_bound(mknap1, method, extra):
    path, ref = mknap1
    for k in (0, 2, 5):
        inst = combopt.read(f"{path}#{k}", kind="mdkp")
        res = combopt.solve(inst, "lagrangian", method=method, max_iterations=150 if method != "subgradient" else 400,
                            polish_iters=0, **extra)
        bound = res.info["iterations"][-1]["bound"]
        assert bound >= ref[k][1] * (1 - 1e-6)
        assert (bound - ref[k][1]) / ref[k][1] < (1e-3 if method != "subgradient" else 5e-3), (method, k, bound)
        assert res.feasible
        assert all(r["primal"] is None or r["primal"] <= ref[k][0] + 1e-6 for r in res.info["iterations"])


def test_augmented_lagrangian_with_exact_inner_finds_optimum():
    # a small MDKP whose optimum we enumerate here
    rng = np.random.default_rng(3)
    p = rng.integers(10, 60, 12)
    A = rng.integers(1, 30, (3, 12))
    b = A.sum(axis=1) // 2
    inst = MultiKnapsack(p, A, b, name="small")
    X = (np.arange(2**12)[:, None] >> np.arange(12)) & 1
    feas = (X @ A.T <= b).all(axis=1)
    opt = (X @ p)[feas].max()
    for method in ("augmented", "subgradient", "bundle", "cutting-plane"):
        res = combopt.solve(inst, "lagrangian", method=method, inner="exhaustive", max_iterations=40, polish_iters=0)
        assert res.feasible and independent_check(inst, res.solution) <= opt
        assert all(r["primal"] is None or r["primal"] <= opt for r in res.info["iterations"])
    res = combopt.solve(inst, "lagrangian", method="augmented", inner="exhaustive", max_iterations=40)
    assert res.objective == opt


def test_slack_bits_cover_the_range_exactly():
    for u in range(0, 300):
        bits = slack_bits(u)
        sums = {0}
        for c in bits:
            sums |= {s + c for s in sums}
        assert sums == set(range(u + 1)), u


def test_slack_encoding_sizes_match_the_reference(mknap1):
    path, _ = mknap1
    sizes = []
    for k in range(7):
        inst = combopt.read(f"{path}#{k}", kind="mdkp")
        if not np.allclose(inst.A, np.round(inst.A)):
            sizes.append(None)
            continue
        enc = slack_penalty_qubo(inst.lagrangian_model())
        sizes.append(enc.qubo.n)
    assert sizes == [62, 99, 102, 107, 122, 86, 100]


def test_slack_penalty_qubo_minimum_is_the_optimum():
    inst = MultiKnapsack([5, 4, 3], [[2, 3, 1], [4, 1, 2]], [4, 5], name="tiny")
    enc = slack_penalty_qubo(inst.lagrangian_model())
    res = combopt.solve(enc.qubo, "exhaustive")
    best = max(independent_check(inst, x) for x in ((np.arange(8)[:, None] >> np.arange(3)) & 1)
               if (inst.A @ x <= inst.b).all())
    assert -res.objective == pytest.approx(best)


def test_slack_penalty_on_independent_set_is_the_edge_penalty_qubo():
    """Edges x_u x_v <= 0 need no slack bits: the encoding's energy is -|S| + P * (edges inside S) on every
    subset (brute force), its minimum is the independence number, and the solver reaches it."""
    G = nx.petersen_graph()
    prob = combopt.IndependentSet.from_networkx(G)
    enc = slack_penalty_qubo(prob.lagrangian_model())
    assert enc.n_slack == 0 and enc.qubo.n == 10
    X = (np.arange(2**10)[:, None] >> np.arange(10)) & 1
    inside = np.array([sum(x[u] * x[v] for u, v in G.edges()) for x in X])
    expected = -X.sum(axis=1) + enc.penalty * inside
    assert np.allclose(enc.qubo.energies(X.astype(np.int8)), expected)
    assert -combopt.solve(enc.qubo, "exhaustive").objective == 4  # the independence number of Petersen
    res = combopt.solve(prob, "slack-penalty", max_iterations=3, seed=0)
    assert res.feasible and res.objective == 4


def test_slack_penalty_refuses_mixed_pair_rows():
    import scipy.sparse as sp

    from combopt.core.errors import ParameterError
    from combopt.models.lagrangian import LagrangianModel
    f = combopt.QUBO(np.zeros(3), sp.csr_matrix((3, 3)))
    m = LagrangianModel(objective=f, G=sp.csr_matrix(np.array([[1.0, 0, 0]])), c=np.zeros(1),
                        equality=np.zeros(1, dtype=bool), pairs=np.array([[0, 1, 2]]))
    with pytest.raises(ParameterError, match="pair constraints"):
        slack_penalty_qubo(m)


def test_slack_penalty_solver_is_feasible_and_reports_size(mknap1):
    path, ref = mknap1
    inst = combopt.read(f"{path}#0", kind="mdkp")
    res = combopt.solve(inst, "slack-penalty", max_iterations=3)
    assert res.feasible and res.info["binary_variables"] == 62
    assert 0.0 <= res.info["feasible_share"] <= 1.0


def test_mis_per_edge_multipliers_with_exact_inner_prove_optimality():
    prob = combopt.IndependentSet.from_networkx(nx.cycle_graph(5), "mis")
    for method in ("subgradient", "bundle", "cutting-plane"):
        res = combopt.solve(prob, "lagrangian", method=method, inner="exhaustive", max_iterations=30)
        assert res.objective == 2 and res.bound == pytest.approx(2) and res.status == combopt.Status.OPTIMAL
    G = nx.gnp_random_graph(30, 0.2, seed=1)
    alpha = len(nx.max_weight_clique(nx.complement(G), weight=None)[0])
    res = combopt.solve(combopt.IndependentSet.from_networkx(G), "lagrangian", max_iterations=20, seed=2)
    assert res.feasible and res.objective == alpha


def test_trace_rows_and_plot(mknap1, tmp_path):
    path, _ = mknap1
    res = combopt.solve(combopt.read(f"{path}#1", kind="mdkp"), "lagrangian", max_iterations=20, polish_iters=0)
    rows = res.info["iterations"]
    assert len(rows) == 20 and {"bound", "primal", "gap", "feasible_share", "binary_variables"} <= set(rows[0])
    ax = res.plot_iterations()
    ax.figure.savefig(tmp_path / "conv.png")
    assert (tmp_path / "conv.png").stat().st_size > 0


def test_recorded_dual_values_are_in_the_problems_sense(mknap1):
    """With an exact inner solver L(lambda) is an upper bound of a maximisation: every recorded
    dual value (user sense) lies at or above the optimum, and at or above the best primal."""
    path, ref = mknap1
    inst = combopt.read(f"{path}#0", kind="mdkp")
    res = combopt.solve(inst, "lagrangian", inner="exhaustive", max_iterations=15, polish_iters=0)
    opt = ref[0][0]
    duals = [r["dual_value"] for r in res.info["iterations"] if r["dual_value"] is not None]
    assert duals and all(d >= opt - 1e-6 for d in duals)
    assert all(r["bound"] >= opt - 1e-6 for r in res.info["iterations"] if r["bound"] is not None)


def test_constraint_values_agree_with_a_row_by_row_evaluation():
    """``g`` (vectorised: linear rows plus pair terms, several pairs may share a row) against the definition."""
    import scipy.sparse as sp

    from combopt.models.lagrangian import LagrangianModel

    rng = np.random.default_rng(4)
    n, m = 9, 6
    G = sp.random(m, n, density=0.4, random_state=5, format="csr") * 3.0
    c = rng.normal(size=m)
    pairs = np.array([[0, 1, 2], [0, 3, 4], [5, 0, 8], [2, 2, 7]])
    coef = np.array([1.0, 2.5, -1.0, 0.5])
    model = LagrangianModel(combopt.QUBO(np.zeros(n), sp.csr_matrix((n, n))), G, c, np.zeros(m, dtype=bool),
                            pairs=pairs, pair_coef=coef)
    X = rng.integers(0, 2, size=(7, n))
    Gd = G.toarray()
    want = np.array([[Gd[k] @ x + c[k] + sum(a * x[u] * x[v] for (kk, u, v), a in zip(pairs, coef, strict=True)
                                          if kk == k)
                      for k in range(m)] for x in X])
    assert np.allclose(model.g(X), want)
    assert np.allclose(model.g(X[3]), want[3])
    assert np.array_equal(model.feasible_mask(X), (want <= 1e-9).all(axis=1))


@pytest.mark.parametrize("solver", ["lagrangian", "slack-penalty"])
def test_inner_milp_without_a_sample_in_time_ends_the_run_not_an_error(solver):
    """The MILP of eil51's position QUBO (about 1.2 million terms) cannot be built in 2 s: the inner solver answers
    with the QUBO's quick construction instead of a MILP solution, and the run ends with what that gives (it was a
    user error, exit 2, after running past the limit; then status unknown with nothing)."""
    from pathlib import Path

    p = combopt.read(Path(__file__).parent / "data" / "tsp" / "eil51.tsp")
    r = combopt.solve(p, solver, time_limit=2.0, inner="milp")
    assert r.status.value in ("unknown", "feasible")  # never optimal: nothing was proven
    if r.solution is not None:  # a tour repaired from the construction, checked by the problem itself
        assert p.evaluate(r.solution).feasible and r.objective >= 426
    assert r.bound is None or r.bound <= 426  # a lower bound of the minimisation (the optimum is 426)


def test_bundle_master_in_its_dual_agrees_with_the_primal_master():
    """The dual master (cut weights; used beyond PRIMAL_MASTER_MAX multipliers, where the primal SLSQP was cubic in
    them: 228 s for a 5 s run) reaches the primal master's optimum, box constraints included."""
    from combopt.solvers.lagrangian import _bundle_step_dual, _bundle_step_primal

    rng = np.random.default_rng(4)
    for m, B in ((3, 1), (6, 5), (12, 20), (20, 40)):
        cuts = [(float(rng.normal() * 10), rng.normal(size=m) * 5, rng.uniform(0, 3, m)) for _ in range(B)]
        centre, t = rng.uniform(0, 2, m), float(rng.uniform(0.2, 2.0))
        lo, hi = np.where(rng.random(m) < 0.3, -4.0, 0.0), np.full(m, 4.0)
        a = np.array([L - g @ l0 for L, g, l0 in cuts])
        G = np.array([c[1] for c in cuts])

        def master(lam, a=a, G=G, centre=centre, t=t):
            return float(np.min(a + G @ lam)) - float(np.sum((lam - centre) ** 2)) / (2 * t)

        lp, vp = _bundle_step_primal(cuts, centre, t, lo, hi)
        ld, vd, alpha = _bundle_step_dual(cuts, centre, t, lo, hi)
        assert np.all(ld >= lo) and np.all(ld <= hi)
        assert alpha.min() >= 0 and alpha.sum() == pytest.approx(1.0)
        assert vd == pytest.approx(float(np.min(a + G @ ld)))
        assert master(ld) == pytest.approx(master(lp), rel=1e-6, abs=1e-6)


def test_bundle_with_many_multipliers_keeps_a_bounded_bundle(monkeypatch, no_theta):
    """Beyond PRIMAL_MASTER_MAX multipliers (one per edge here) the bundle holds at most BUNDLE_MAX cuts (the aggregate
    cut among them), and the Lagrangian bound stays valid: never below the independence number."""
    import combopt.solvers.lagrangian as lag

    seen = []
    original = lag._bundle_step_dual

    def spy(cuts, *args, **kw):
        seen.append(len(cuts))
        return original(cuts, *args, **kw)

    monkeypatch.setattr(lag, "_bundle_step_dual", spy)
    monkeypatch.setattr(lag, "BUNDLE_MAX", 6)
    G = nx.gnp_random_graph(40, 0.2, seed=3)
    alpha_G = len(nx.max_weight_clique(nx.complement(G), weight=None)[0])
    assert G.number_of_edges() > lag.PRIMAL_MASTER_MAX
    res = combopt.solve(combopt.IndependentSet.from_networkx(G), "lagrangian", method="bundle", max_iterations=25,
                        seed=1)
    assert len(seen) >= 20 and max(seen) <= 7  # at most BUNDLE_MAX kept, plus the newest cut
    assert res.feasible and res.objective <= alpha_G
    assert res.bound is not None and res.bound >= alpha_G


def test_bundle_dual_master_stops_at_its_deadline_and_skips_a_single_cut(monkeypatch):
    """The dual master's clock was read only after an iteration without a restart: near the optimum every step
    restarted, and 1 s runs on a 90,000-edge graph took 2.2-3.9 s. A single cut has weight 1: no iteration at all."""
    import combopt.solvers.lagrangian as lag

    calls = {"n": 0}
    original = lag._project_simplex

    def counting(y):
        calls["n"] += 1
        return original(y)

    monkeypatch.setattr(lag, "_project_simplex", counting)
    rng = np.random.default_rng(5)
    m = 30
    cuts = [(float(rng.normal()), rng.normal(size=m), rng.uniform(0, 1, m)) for _ in range(8)]
    lo, hi, centre = np.zeros(m), np.full(m, 3.0), rng.uniform(0, 1, m)
    lag._bundle_step_dual(cuts, centre, 1.0, lo, hi, deadline=0.0)  # a deadline long past
    assert calls["n"] <= 9
    calls["n"] = 0
    lam, value, alpha = lag._bundle_step_dual(cuts[:1], centre, 1.0, lo, hi)
    assert calls["n"] == 0 and alpha.tolist() == [1.0]
    assert np.allclose(lam, np.clip(centre + cuts[0][1], lo, hi))
