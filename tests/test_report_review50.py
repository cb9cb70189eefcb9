"""Review 50 (results as files and pictures): pictures and reports of results say what the result says, and draw
the edge cases (a project without resources, names with dollar signs) without a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from test_cli import run_cli

PNG = b"\x89PNG\r\n\x1a\n"


def rcpsp_file(tmp_path: Path, name: str, tasks: list[dict], resources: list[dict]) -> Path:
    p = tmp_path / f"{name}.rcpsp.json"
    p.write_text(json.dumps({"format": "combopt-rcpsp", "version": 1, "name": name, "resources": resources,
                             "tasks": tasks}))
    return p


def test_gantt_of_a_project_without_resources(tmp_path, capsys):
    """A project with no resources (one task of duration 2): --plot drew nothing and ended in a traceback (argmax of
    an empty row of demand shares), after writing the result; now the Gantt chart has the one grey bar [0, 2)."""
    inst = rcpsp_file(tmp_path, "nores", [{"name": "A", "duration": 2}], [])
    out, pic = tmp_path / "r.json", tmp_path / "g.png"
    rc, _, err = run_cli(capsys, "solve", inst, "-s", "rcpsp-sgs", "-q", "-o", out, "--plot", pic)
    assert rc == 0, err
    assert json.loads(out.read_text())["objective"] == 2
    assert pic.read_bytes().startswith(PNG)
    pic2 = tmp_path / "c.png"
    rc, _, err = run_cli(capsys, "check", inst, out, "--plot", pic2)
    assert rc == 0, err
    assert pic2.read_bytes().startswith(PNG)
    import combopt

    p = combopt.read(inst)
    fig = p.figure([0], "x")
    bars = [b for c in fig.axes[0].containers for b in c]
    assert [(b.get_x(), b.get_width()) for b in bars] == [(0, 2)]
    assert len(fig.axes) == 1  # no resource panels


MKNAP = Path(__file__).parent / "data" / "mdkp" / "mknap1.txt"


def _mdkp_result(tmp_path: Path, capsys, name: str = "r", **edit) -> Path:
    out = tmp_path / f"{name}.json"
    rc, _, err = run_cli(capsys, "solve", f"{MKNAP}#0", "-s", "milp", "-q", "-o", out)
    assert rc == 0, err
    d = json.loads(out.read_text())
    d.update(edit)
    out.write_text(json.dumps(d))
    return out


def test_check_plot_with_nothing_to_draw_keeps_the_verdict(tmp_path, capsys):
    """check --plot of a knapsack result without a trace (no family picture, no progress): exit 2 ('nothing to draw')
    after the verdict was printed, so a false claim read as a user error; now a note, and exit 0 for a result whose
    claims hold (3800, the optimum of mknap1 #0), 1 for one whose solution is infeasible."""
    ok = _mdkp_result(tmp_path, capsys, trace=[])
    pic = tmp_path / "p.png"
    rc, out, err = run_cli(capsys, "check", f"{MKNAP}#0", ok, "--plot", pic)
    assert rc == 0, err
    assert "objective 3800" in out and "claims: all hold" in out
    assert "not drawn" in err and not pic.exists()
    bad = _mdkp_result(tmp_path, capsys, "bad", trace=[], solution=[1, 1, 1, 1, 1, 1])
    rc, out, err = run_cli(capsys, "check", f"{MKNAP}#0", bad, "--plot", pic)
    assert rc == 1, err
    assert "infeasible" in out and "not drawn" in err
    plain = tmp_path / "plain.json"
    plain.write_text("[1, 0, 1, 0, 0, 0]")
    rc, out, err = run_cli(capsys, "check", f"{MKNAP}#0", plain, "--plot", pic)
    assert rc == 0, err
    assert "objective 1300" in out


def test_check_plot_of_a_malformed_trace_names_the_file(tmp_path, capsys):
    """A result whose trace holds a string: the error said 'figure: result['trace'] ...' without the file."""
    res = _mdkp_result(tmp_path, capsys, trace=[[0, "x"]])
    rc, _, err = run_cli(capsys, "check", f"{MKNAP}#0", res, "--plot", tmp_path / "p.png")
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"combopt: error: {res}: ") and "trace" in lines[0], err


def test_picture_titles_state_whole_objectives_in_full(tmp_path):
    """A 4-city tour of length 4024688 and a one-task project of makespan 1234567: the picture titles said 'length
    4.02469e+06' and 'makespan 1.23457e+06' (6 significant digits), numbers the result does not hold."""
    import combopt

    tsp = tmp_path / "big.tsp"
    tsp.write_text("NAME: big\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n"
                   "2 1234567 0\n3 1234567 777777\n4 0 777777\nEOF\n")
    p = combopt.read(tsp)
    res = combopt.solve(p, "tsp-ls", max_iterations=2)
    assert res.objective == 2 * (1234567 + 777777)
    fig = combopt.figure(p, res)
    assert "length 4024688" in fig.axes[0].get_title()
    inst = rcpsp_file(tmp_path, "long", [{"name": "A", "duration": 1234567, "demands": {"crew": 1}}],
                      [{"name": "crew", "capacity": 1}])
    p = combopt.read(inst)
    res = combopt.solve(p, "rcpsp-sgs")
    assert res.objective == 1234567
    assert "makespan 1234567" in combopt.figure(p, res).axes[0].get_title()


def test_dollar_signs_in_names_are_drawn_as_text(tmp_path, capsys):
    """A TSPLIB NAME 'cost $^$ x' and an RCPSP task 'pay $_$': solve --plot wrote the result, then matplotlib's
    mathtext refused the '$..$' on saving the figure (a ParseSyntaxException traceback, exit 1, no picture); a
    balanced pair was drawn as a formula. Names are now drawn as the text they are."""
    import combopt

    tsp = tmp_path / "d.tsp"
    tsp.write_text("NAME: cost $^$ x\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                   "1 0 0\n2 3 0\n3 3 4\nEOF\n")
    out, pic = tmp_path / "r.json", tmp_path / "t.png"
    rc, _, err = run_cli(capsys, "solve", tsp, "-q", "-o", out, "--plot", pic)
    assert rc == 0, err
    assert json.loads(out.read_text())["objective"] == 12 and pic.read_bytes().startswith(PNG)
    inst = rcpsp_file(tmp_path, "d", [{"name": "pay $_$", "duration": 3, "demands": {"crew": 1}}],
                      [{"name": "crew", "capacity": 1}])
    p = combopt.read(inst)
    res = combopt.solve(p, "rcpsp-sgs")
    fig = combopt.figure(p, res, tmp_path / "g.svg")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["pay $_$"]
    assert "pay $_$" in (tmp_path / "g.svg").read_text()  # the text itself, not a formula's glyphs
    from combopt.problems.rcpsp.plot import save_schedule_plot

    assert save_schedule_plot(p, [0], tmp_path / "h.png").read_bytes().startswith(PNG)


def test_report_plots_of_names_with_dollar_signs(tmp_path, capsys):
    """combopt report --png of results whose solver entries are named 'mec-exact $^$' (a suite's free-form name):
    the performance-profile legend went through mathtext and the command ended in a ParseSyntaxException traceback
    (exit 1, no plot written); the names are now escaped and drawn as written."""
    from combopt.bench.report import plot_time_to_target

    src = Path(__file__).parent.parent / "benchmarks" / "results" / "suites" / "quick.jsonl"
    rows = [json.loads(line) for line in src.read_text().splitlines() if line.strip()]
    mec = [dict(r, label=r["label"] + " $^$") for r in rows if r["set"] == "mec"]
    assert mec
    res = tmp_path / "r.jsonl"
    res.write_text("".join(json.dumps(r) + "\n" for r in mec))
    rc, _, err = run_cli(capsys, "report", res, "--png", tmp_path / "png")
    assert rc == 0, err
    assert (tmp_path / "png" / "profile-mec.png").read_bytes().startswith(PNG)
    fig = plot_time_to_target(mec, "mec")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("mec-exact \\$^\\$ (") for t in texts), texts


def test_profile_title_counts_the_instances_it_is_over():
    """A clique set of 2 instances where 'sa' ran only one: the profile is over the 1 instance every entry ran (the
    shares are of it), but its title said '(2 instances)'."""
    from combopt.bench.report import performance_profile, plot_profile

    src = Path(__file__).parent.parent / "benchmarks" / "results" / "suites" / "quick.jsonl"
    rows = [json.loads(line) for line in src.read_text().splitlines() if line.strip()]
    clique = [r for r in rows if r["set"] == "clique"]
    paths = sorted({r["path"] for r in clique})
    assert len(paths) == 2
    rows = [r for r in clique if not (r["label"] == "sa" and r["path"] == paths[1])]
    _, _, rho = performance_profile(rows)
    assert set(np.round(rho.ravel() * 1, 6)) <= {0.0, 1.0}  # shares of one instance
    assert plot_profile(rows, "clique").axes[0].get_title() == "clique: performance profile (1 instances)"


def test_markdown_table_of_a_name_with_a_pipe():
    """A solver entry named 'tsp-ls|fast': its Markdown row had 14 cells under 13 headers, so every number from 'runs'
    on stood under the wrong column ('runs' read 'fast'); the pipe is now escaped."""
    from combopt.bench.report import markdown_table, summarize

    src = Path(__file__).parent.parent / "benchmarks" / "results" / "suites" / "quick.jsonl"
    rows = [dict(json.loads(line), label="tsp-ls|fast\nx") for line in src.read_text().splitlines()
            if line.strip() and json.loads(line)["set"] == "tsp"]
    head, _, row = markdown_table(summarize(rows)).splitlines()
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]]
    names = [c.strip() for c in head.split("|")[1:-1]]
    assert len(cells) == len(names)
    got = dict(zip(names, cells, strict=True))
    assert got["solver"] == "tsp-ls\\|fast x" and got["runs"] == "2" and got["at optimum"] == "2/2 100%"


def test_trace_plot_of_a_record_without_runtime_ends_at_its_last_point():
    """check --plot of a knapsack result without 'runtime_s': the best-objective line ran from its one point at
    0.69 s back to t = 0 (the run's end taken as 0 s); it now ends where the trace does."""
    import combopt

    p = combopt.read(f"{MKNAP}#0")
    rec = {"problem": "mdkp", "instance": "mknap1#0", "solver": "x", "sense": "max", "objective": 3800,
           "trace": [[0.69, 3800]], "solution": None}
    fig = combopt.figure(p, rec)
    xs = list(fig.axes[0].lines[0].get_xdata())
    assert xs == sorted(xs) and xs[-1] == 0.69


def test_iterations_plot_shows_the_results_bound():
    """A Lagrangian knapsack run whose result bound is 4127 (the LP's, better than the dual's 4140.35): the picture of
    its iterations drew only the dual bound, so the bound and gap the result states were nowhere in it."""
    import combopt

    p = combopt.read(f"{MKNAP}#2")
    rec = {"problem": "mdkp", "instance": "mknap1#2", "solver": "lagrangian", "sense": "max", "objective": 4015,
           "bound": 4127, "trace": [[1.0, 4015]], "solution": None,
           "info": {"iterations": [{"iteration": 1, "bound": 5165.0, "primal": 4015.0, "dual_value": 5165.0},
                                   {"iteration": 2, "bound": 4140.35, "primal": 4015.0, "dual_value": 4274.17}]}}
    ax = combopt.figure(p, rec).axes[0]
    flat = {line.get_label(): list(line.get_ydata()) for line in ax.lines}
    assert flat["result's bound"] == [4127, 4127]
    assert flat["dual bound"][-1] == 4140.35


def test_coupling_picture_spans_the_whole_grid_in_whole_numbers(tmp_path):
    """A 4 x 4 coupling whose cells leave column 3 of the rows empty, and a 1 x 2 decoder: the axes spanned the occupied
    cells only, with fractional ticks (rows -0.04 ... 0.04 of a one-row decoder); they now span the coupling's shape
    with whole-number ticks."""
    from matplotlib.figure import Figure

    import combopt
    from combopt.problems.coupling.cells import Coupling
    from combopt.problems.coupling.plots import plot_coupling

    c = Coupling(np.array([[0, 0], [0, 1]]), np.array([0.6, 0.4]), (1, 2))
    ax = plot_coupling(c, Figure().subplots())
    assert ax.get_xlim() == (-0.5, 1.5) and ax.get_ylim() == (0.5, -0.5)
    inside = [float(t) for t in ax.get_yticks() if -0.5 <= t <= 0.5]
    assert inside == [0.0]
    inst = tmp_path / "m.coupling.json"
    inst.write_text(json.dumps({"marginals": [[0.5, 0.5, 0, 0], [1.0, 0, 0, 0]]}))
    p = combopt.read(inst)
    res = combopt.solve(p, "mec-greedy")
    ax = combopt.figure(p, res).axes[0]
    assert ax.get_xlim() == (-0.5, 3.5) and ax.get_ylim() == (3.5, -0.5)
