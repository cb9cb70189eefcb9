"""Fuzzing round 3: `generate rcpsp-rcb` / `generate dag` at extremes, bare `combopt`, `warmup` names, Result plots
of a run without a solution. Each test failed (traceback, hang, a user's file overwritten) before its fix."""

from __future__ import annotations

import os

import numpy as np
import pytest

from combopt.cli.app import main
from combopt.core.errors import ParameterError
from combopt.core.result import Result, Status
from combopt.generators.dag import simulate, simulate_dag, write_dataset
from combopt.generators.rcb import MAX_LEVEL, check_ramp, generate_rcb, level_bound


def _err_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    assert err[0].startswith("combopt: error: ")
    return err[0]


# -- rcpsp-rcb ---------------------------------------------------------------------------------------------------

def test_level_past_the_cap_is_refused_up_front():
    with pytest.raises(ParameterError, match=f"0..{MAX_LEVEL}"):
        generate_rcb(tasks=30, layers=5, level=10**9)  # was: a scan of every candidate edge (minutes at 5000 tasks)


def test_level_past_what_the_layering_admits_is_refused_before_the_search():
    assert level_bound(10, 2) == 25 and level_bound(100, 5) == 2500 and level_bound(5, 1) == 0
    with pytest.raises(ParameterError, match="admits only 2500 at most"):
        generate_rcb(tasks=100, layers=5, level=2501)


@pytest.mark.parametrize("args", [
    ["--level", "9" * 5000],
    ["--level", "1.." + "9" * 5000, "-o", "ramp"],
    ["--resources", "9" * 5000],
    ["--resources", "a=" + "9" * 5000],
])
def test_huge_digit_strings_are_one_line_errors(args, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # was: ValueError "Exceeds the limit (4300 digits) for integer string conversion" with a traceback
    assert main(["generate", "rcpsp-rcb", "--tasks", "10", *args]) == 2
    line = _err_line(capsys)
    assert any(s in line for s in ("5000 characters", "0..20000"))
    assert not (tmp_path / "ramp").exists()


def test_a_ramp_too_large_is_refused_before_any_work(capsys, tmp_path):
    with pytest.raises(ParameterError, match="tasks in all"):
        check_ramp(list(range(0, 101)), 5000, 5)
    assert main(["generate", "rcpsp-rcb", "--tasks", "5000", "--level", "0..100", "-o", str(tmp_path / "r")]) == 2
    assert "tasks in all" in _err_line(capsys)
    # a ramp whose top level the layering cannot hold: refused before the lower levels are generated
    assert main(["generate", "rcpsp-rcb", "--tasks", "100", "--level", "0..2600", "-o", str(tmp_path / "r")]) == 2
    assert "admits only 2500 at most" in _err_line(capsys)
    assert not (tmp_path / "r").exists()
    # a single instance of too many tasks names the task range (it named the ramp's total of 10^10 tasks)
    assert main(["generate", "rcpsp-rcb", "--tasks", "10000000000", "-o", str(tmp_path / "r")]) == 2
    assert "--tasks must be an integer in 2..5000" in _err_line(capsys)


# -- dag ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("graph", ["ER", "SF"])
@pytest.mark.parametrize("epn", [float("inf"), 1e308])
def test_infinite_edges_per_node_is_a_parameter_error(graph, epn):
    with pytest.raises(ParameterError, match="finite"):  # was: OverflowError (int of infinity)
        simulate_dag(10, epn, graph, 0)


def test_cli_infinite_edges_per_node(capsys, tmp_path):
    assert main(["generate", "dag", "--d", "10", "--n", "20", "--edges-per-node", "inf",
                 "-o", str(tmp_path / "d")]) == 2
    assert "finite" in _err_line(capsys)


def test_work_beyond_the_generator_limits_is_refused_up_front():
    with pytest.raises(ParameterError, match="SF generator draws at most"):
        simulate_dag(5000, 2000, "SF", 0)  # was: minutes of one-at-a-time draws
    with pytest.raises(ParameterError, match="multiply-adds"):
        simulate(d=5000, n=5001, edges_per_node=2000)  # was: n d^2 work, hours


def test_memory_limit_applies_to_generate_dag(capsys, tmp_path):
    assert main(["--max-memory", "10M", "generate", "dag", "--d", "200", "--n", "20000",
                 "-o", str(tmp_path / "d")]) == 2
    assert "memory limit" in _err_line(capsys)


def test_sem_sums_over_parents_only_same_data():
    X, W = simulate(d=12, edges_per_node=2, n=50, seed=3)
    Z = X - X @ W  # X = X W + Z: the noise is what remains
    assert np.abs(Z).max() < 10 and np.allclose(X, X @ W + Z)


def test_write_dataset_never_follows_or_replaces_a_users_temporary_name(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("mine\n")
    folder = tmp_path / "ds"
    folder.mkdir()
    os.symlink(precious, folder / "data.csv.tmp")  # was: written through (a fixed <name>.tmp)
    (folder / "W_true.csv.tmp").write_text("also mine\n")  # was: overwritten, then renamed away
    X, W = simulate(d=4, edges_per_node=1, n=20, seed=0)
    write_dataset(X, W, folder)
    assert precious.read_text() == "mine\n"
    assert (folder / "W_true.csv.tmp").read_text() == "also mine\n"
    assert (folder / "data.csv").read_text().startswith("X0,X1,X2,X3\n")


def test_write_dataset_force_replaces_regular_files_only(tmp_path):
    X, W = simulate(d=4, edges_per_node=1, n=20, seed=0)
    folder = tmp_path / "ds"
    folder.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("mine\n")
    os.symlink(precious, folder / "edges.csv")
    with pytest.raises(ParameterError, match="symbolic link"):
        write_dataset(X, W, folder, force=True)
    assert not (folder / "data.csv").exists()  # every target checked before the first is written
    os.unlink(folder / "edges.csv")
    os.mkfifo(folder / "W_true.csv")
    with pytest.raises(ParameterError, match="not a regular file"):
        write_dataset(X, W, folder, force=True)


# -- the command line ----------------------------------------------------------------------------------------------

def test_bare_combopt_says_what_is_wrong(capsys):
    assert main([]) == 2
    line = _err_line(capsys)  # was: "combopt: error: " and nothing after it
    assert "no command given" in line


def test_warmup_names_an_unknown_solver(capsys):
    assert main(["warmup", "--solver", "no-such-solver"]) == 2
    line = _err_line(capsys)
    assert "unknown solver 'no-such-solver'" in line and "None" not in line


# -- Result ----------------------------------------------------------------------------------------------------------

def test_dag_result_without_a_solution_has_no_graph_to_draw():
    pytest.importorskip("matplotlib")
    res = Result(problem="dag", instance="x", solver="topo", solution=None, objective=None, sense="min",
                 feasible=False, status=Status.UNKNOWN, info={"interrupted": True})
    with pytest.raises(ValueError, match="no graph to draw"):  # was: IndexError (shape of a 0-d array)
        res.plot_graph()
    assert "unknown" in repr(res) and '"solution": null' in res.to_json()


@pytest.mark.parametrize("args,needle", [
    (["dag", "--tasks", "50"], "--tasks is an option of `generate rcpsp-rcb`, not of `generate dag`"),
    (["dag", "--max-duration", "3"], "--max-duration is an option of `generate rcpsp-rcb`"),
    (["rcpsp-rcb", "--d", "5"], "--d is an option of `generate dag`, not of `generate rcpsp-rcb`"),
    (["rcpsp-rcb", "--edges-per-node", "3"], "--edges-per-node is an option of `generate dag`"),
])
def test_an_option_of_the_other_generator_is_an_error(tmp_path, capsys, args, needle):
    """They were silently ignored: `generate dag --tasks 50` wrote 20 variables."""
    assert main(["generate", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0], err
    assert not (tmp_path / "o").exists()
    # the shared options stay shared
    assert main(["generate", args[0], "--seed", "3", "--out", str(tmp_path / ("o" + args[0]))]) == 0
