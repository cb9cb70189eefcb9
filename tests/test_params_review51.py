"""Review 51 (solver parameters): contradicting parameter pairs, sizes an inner solver cannot take, parameters
refused under the name of the solver the user did not pick."""

from __future__ import annotations

from pathlib import Path

import pytest

import combopt
from combopt.core.errors import ParameterError, UnsuitedInstance
from combopt.problems.coupling.model import MEC
from combopt.solvers.dmmv.lns import lns_params
from combopt.solvers.dmmv.search import search_params

DATA = Path(__file__).resolve().parent / "data"


def test_dmmv_destroy_max_below_destroy_is_refused():
    """destroy_max < destroy was clamped to destroy + 2 variables without a word; now one ParameterError naming
    both. destroy alone above the default destroy_max takes it as its limit."""
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    with pytest.raises(ParameterError, match=r"destroy_max \(0.01\) must be at least destroy \(0.2\)"):
        combopt.solve(p, "dmmv", max_iterations=1, destroy=0.2, destroy_max=0.01)
    assert search_params({"destroy": 0.2})["destroy_max"] == 0.2
    assert search_params({"destroy": 0.01, "destroy_max": 0.01})["destroy_max"] == 0.01
    assert search_params({})["destroy_max"] == 0.05


def test_dmmv_lns_size_max_below_lns_size_is_refused():
    """lns_size_max < lns_size was raised to lns_size without a word; now refused. lns_size alone above the default
    limit (40) takes it as its limit."""
    with pytest.raises(ParameterError, match=r"lns_size_max \(4\) must be at least lns_size \(10\)"):
        lns_params({"milp_lns": True, "lns_size": 10, "lns_size_max": 4}, False)
    assert lns_params({"milp_lns": True, "lns_size": 60}, False)["lns_size_max"] == 60
    assert lns_params({"milp_lns": True, "lns_size": 10}, False)["lns_size_max"] == 40


def test_dmmv_lns_parameters_without_the_window_milp_are_refused():
    """lns_size, lns_window_s, ... with milp_lns off (the default) were taken and ignored: the window MILP never ran;
    now refused naming the parameter and milp_lns."""
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    with pytest.raises(ParameterError, match="lns_window_s tunes the window-MILP LNS, which is off"):
        combopt.solve(p, "dmmv", max_iterations=1, lns_window_s=0.5)
    with pytest.raises(ParameterError, match="milp_lns=1"):
        lns_params({"milp_lns": False, "lns_size": 4}, True)
    assert lns_params({"lns_size": 4}, True)["lns_size"] == 4  # on by the problem's default: taken


def _graph(n: int, p: float, seed: int):
    import networkx as nx

    return nx.gnp_random_graph(n, p, seed=seed)


@pytest.mark.parametrize("inner, limit", [("exhaustive", 26), ("qaoa", 20)])
def test_lagrangian_inner_solver_too_small_is_refused_before_the_first_iteration(inner, limit):
    """lagrangian inner=exhaustive (or qaoa) on a 40-vertex graph: iteration 1 (zero multipliers, a separable QUBO)
    never calls the inner solver, so the size was refused only at iteration 2, after a whole iteration's work, and a
    one-iteration run passed; now refused before the first iteration, naming the limit and the size."""
    g = _graph(40, 0.15, 1)
    with pytest.raises(UnsuitedInstance, match=f"inner solver {inner} takes at most {limit} variables; this "
                                                       "instance's relaxed QUBO has 40"):
        combopt.solve(g, "lagrangian", max_iterations=1, inner=inner)
    with pytest.raises(UnsuitedInstance, match="penalty QUBO has 40"):
        combopt.solve(g, "slack-penalty", max_iterations=1, inner=inner)


def test_lagrangian_inner_limit_follows_inner_params_and_separable_models_pass():
    """exhaustive's own max_variables (inner_params) sets the limit; a knapsack's relaxed QUBOs are separable (solved
    in closed form, the inner solver never runs), so any size passes."""
    g = _graph(28, 0.2, 2)
    with pytest.raises(UnsuitedInstance, match="at most 26 variables"):
        combopt.solve(g, "lagrangian", max_iterations=1, inner="exhaustive")
    with pytest.raises(UnsuitedInstance, match="at most 27 variables"):
        combopt.solve(g, "lagrangian", max_iterations=1, inner="exhaustive", inner_params={"max_variables": 27})
    p = combopt.read(DATA / "mdkp" / "mknap1.txt#5")  # 39 items (over 26)
    assert p.num_variables > 26
    r = combopt.solve(p, "lagrangian", max_iterations=3, inner="exhaustive")
    assert r.feasible and r.iterations == 3


@pytest.mark.parametrize("params, needle", [
    ({"rho": 5.0}, "rho applies to method=augmented, not to method=subgradient"),
    ({"method": "bundle", "beta": 3.0}, "beta applies to method=augmented, not to method=bundle"),
    ({"method": "augmented", "box": 4.0}, "box applies to method=bundle or cutting-plane, not to method=augmented"),
    ({"method": "cutting-plane", "t": 2.0}, "t applies to method=bundle"),
    ({"method": "bundle", "theta": 1.0}, "theta applies to method=subgradient"),
    ({"step_rule": "sqrt", "patience": 5}, "patience tunes the Polyak step"),
])
def test_lagrangian_parameters_of_another_method_are_refused(params, needle):
    """rho=5 with the default subgradient method (rho set to 0), box with augmented, ... were taken and ignored
    without a word; now a ParameterError naming the parameter and the methods that read it."""
    p = combopt.read(DATA / "mdkp" / "mknap1.txt#0")
    with pytest.raises(ParameterError, match=needle):
        combopt.solve(p, "lagrangian", max_iterations=1, **params)
    assert combopt.solve(p, "lagrangian", max_iterations=2, method="augmented", rho=5.0, beta=3.0).feasible


def test_mec_auto_names_itself_and_its_pick_for_parameters_of_another_solver():
    """-s mec-auto -p kicks=10 on a 3 x 3 pair was refused as "solver 'mec-exact' does not take parameter(s): kicks"
    (a solver the user did not name), and accepted on a 10 x 3 pair: which names passed depended on the size. Now
    unknown names are refused in mec-auto's name, and a parameter of a solver it did not pick names the pick."""
    small = MEC([[0.5, 0.4, 0.1], [0.6, 0.2, 0.2]])
    with pytest.raises(ParameterError, match="kicks is mec-ls's, but mec-auto picked mec-exact for this 3 x 3 "
                                             "instance; use -s mec-ls"):
        combopt.solve(small, "mec-auto", kicks=10)
    with pytest.raises(ParameterError, match="solver 'mec-auto' does not take parameter.*: kiks"):
        combopt.solve(small, "mec-auto", kiks=10)
    r = combopt.solve(small, "mec-auto", max_states=1000)
    assert r.info["chosen"] == "mec-exact" and r.objective == pytest.approx(1.760964, abs=1e-6)
    wide = MEC([[0.1] * 10, [0.5, 0.3, 0.2]])
    with pytest.raises(ParameterError, match="max_states is mec-exact's, but mec-auto picked mec-ls"):
        combopt.solve(wide, "mec-auto", max_states=1000)
    assert combopt.solve(wide, "mec-auto", kicks=2, max_iterations=3).info["chosen"] == "mec-ls"


@pytest.mark.parametrize("solver, typo, near", [
    ("sa", "num_read", "num_reads"), ("tabu", "tenur", "tenure"), ("milp", "backnd", "backend"),
    ("sa-ils", "num_walk", "num_walks"), ("lagrangian", "methd", "method"),
    ("exhaustive", "max_variable", "max_variables"),
])
def test_a_misspelt_parameter_name_gets_the_nearest_and_the_list(solver, typo, near):
    """-p num_read=5 was refused as "solver 'sa' does not take parameter(s): num_read", with no hint of the name
    meant nor of the names the solver takes; now both, on the same line."""
    with pytest.raises(ParameterError) as e:
        combopt.solve(_graph(8, 0.3, 0), solver, max_iterations=1, **{typo: 5})
    msg = str(e.value)
    assert f"does not take parameter(s): {typo} (did you mean {typo} -> {near}?); it takes: " in msg, msg
    assert "\n" not in msg


def test_dmmv_typo_suggests_from_every_parameter_it_takes():
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    with pytest.raises(ParameterError, match=r"destroy_mx -> destroy_max\?\); it takes: .*lns_window_s.*start"):
        combopt.solve(p, "dmmv", max_iterations=1, destroy_mx=0.1)


def test_cli_param_given_twice_with_different_values_is_refused(capsys, tmp_path):
    """solve -p num_reads=5 -p num_reads=6 ran with 6, the 5 dropped without a word; now exit 2, one line naming
    both values (the same value twice is still fine)."""
    from test_cli import assert_user_error, run_cli

    g = tmp_path / "g.col"
    g.write_text("p edge 3 2\ne 1 2\ne 2 3\n")
    rc, _, err = run_cli(capsys, "solve", g, "--kind", "mis", "-s", "sa", "-p", "num_reads=5", "-p", "num_reads=6",
                         "--max-iterations", "1", "-q")
    assert_user_error(rc, err, "--param num_reads given twice (5 and 6)")
    rc, out, err = run_cli(capsys, "solve", g, "--kind", "mis", "-s", "sa", "-p", "num_reads=5", "-p", "num_reads=5",
                           "--max-iterations", "1", "-q", "-o", tmp_path / "r.json")
    assert rc == 0, err
    import json

    r = json.loads((tmp_path / "r.json").read_text())
    assert r["params"] == {"num_reads": 5} and r["objective"] == 2


def test_topo_size_large_below_size_small_is_refused():
    """topo size_small=10 size_large=3 raised size_large to 10 without a word, so the large search never ran; now a
    ParameterError naming both. size_small alone above the default size_large still runs (the limit follows)."""
    import numpy as np

    from combopt.problems.dag.model import DAGProblem

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    X[:, 1] += 2.0 * X[:, 0]
    X[:, 2] -= 1.5 * X[:, 1]
    with pytest.raises(ParameterError, match=r"size_large \(3\) must be at least size_small \(10\)"):
        combopt.solve(DAGProblem(X), "topo", size_small=10, size_large=3)
    r = combopt.solve(DAGProblem(X), "topo", size_small=14)
    assert r.feasible and r.info["size_small"] == 14


def _tsp200(tmp_path) -> Path:
    import numpy as np

    pts = np.random.default_rng(0).uniform(0, 1000, (200, 2))
    path = tmp_path / "r200.tsp"
    path.write_text("NAME: r200\nTYPE: TSP\nDIMENSION: 200\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                    + "".join(f"{i + 1} {x:.1f} {y:.1f}\n" for i, (x, y) in enumerate(pts)) + "EOF\n")
    return path


@pytest.mark.parametrize("solver, params, needle", [
    ("sa", {"beta_range": "abc"}, "beta_range must be two numbers"),
    ("pt", {"beta_range": [5, 1]}, "beta_range must satisfy 0 < hot < cold"),
    ("lagrangian", {"multipliers": "abc"}, "multipliers must be a list of finite numbers"),
    ("lagrangian", {"multipliers": [1.0, float("inf")]}, "multipliers must be a list of finite numbers"),
])
def test_values_checked_after_the_model_are_checked_before_any_work(tmp_path, solver, params, needle):
    """A 200-city TSP at -t 1: building its QUBO (31 million couplings) would overrun the limit, so the run answers
    with the quick construction; sa / pt read beta_range, lagrangian its multipliers, only once the model was built,
    so beta_range='abc' or multipliers='abc' ran unremarked there and were refused at -t 10. Now refused first."""
    p = combopt.read(_tsp200(tmp_path))
    with pytest.raises(ParameterError, match=needle):
        combopt.solve(p, solver, time_limit=1.0, **params)


@pytest.mark.parametrize("tenure, needle", [
    (2.5, "tenure must be an integer in 0..1000000000, got 2.5"), (-1, "tenure must be an integer in 0.."),
    ([1], "tenure must be an integer in 0.."), (50, "tenure must be at most 7 \\(the QUBO's 8 variables less one\\)"),
])
def test_dwave_tabu_tenure_is_checked(tenure, needle):
    """dwave-tabu passed int(tenure) to dwave: 2.5 ran as 2, True as 1, and -1, 50 on 8 variables or [1] raised
    dwave's ValueError or a TypeError (a traceback on the command line); now a ParameterError with the range."""
    pytest.importorskip("dwave.samplers")
    with pytest.raises(ParameterError, match=needle):
        combopt.solve(_graph(8, 0.3, 0), "dwave-tabu", max_iterations=1, tenure=tenure)
    assert combopt.solve(_graph(8, 0.3, 0), "dwave-tabu", max_iterations=1, tenure=3).feasible


def test_rcpsp_ga_peak_on_an_instance_with_deadlines_is_refused(tmp_path):
    """rcpsp-ga -p peak=0.5 on an instance with deadlines ran with peak 0 (the GA turns peak crossover off there)
    without a word; now a ParameterError. Without deadlines, or with peak=0, it runs."""
    from combopt.generators.rcb import generate_rcb
    from combopt.problems.rcpsp.model import NO_DEADLINE

    p = generate_rcb(tasks=12, windows=0.5, seed=1)
    assert (p.deadline < NO_DEADLINE).any()
    with pytest.raises(ParameterError, match="peak .* does not apply to an instance with deadlines"):
        combopt.solve(p, "rcpsp-ga", max_iterations=1, peak=0.5)
    assert combopt.solve(p, "rcpsp-ga", max_iterations=2, peak=0.0).feasible
    plain = combopt.read(DATA / "rcpsp" / "j301_1.sm")
    assert combopt.solve(plain, "rcpsp-ga", max_iterations=2, peak=0.5).feasible


def test_inner_params_errors_say_they_come_from_inner_params():
    """-s lagrangian -p inner=tabu -p inner_params='{"tenur": 3}' was refused as "solver 'tabu' does not take
    parameter(s): tenur", naming a solver the user did not pass -s; now prefixed with where the parameter came from."""
    with pytest.raises(ParameterError, match=r"^inner_params of inner=tabu: solver 'tabu' does not take "
                                             r"parameter\(s\): tenur \(did you mean tenur -> tenure\?\)"):
        combopt.solve(_graph(8, 0.3, 0), "lagrangian", max_iterations=1, inner="tabu", inner_params={"tenur": 3})
    with pytest.raises(ParameterError, match=r"^inner_params of inner=sa: parameter num_reads must be an integer"):
        combopt.solve(_graph(8, 0.3, 0), "slack-penalty", max_iterations=1, inner_params={"num_reads": 0})
