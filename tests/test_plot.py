"""Pictures of results: ``combopt.figure`` and ``--plot`` on ``solve`` and ``check``.

Each family's figure is checked for what it must show (the schedule's bars where the tasks run, the tour's
cities in tour order, the filter's response, ...), not only for existing; files for being the image format asked.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main

DATA = Path(__file__).parent / "data"
PNG = b"\x89PNG\r\n\x1a\n"


def run_cli(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def titles(fig) -> str:
    return " | ".join(ax.get_title() for ax in fig.axes)


def test_rcpsp_figure_is_the_schedule():
    p = combopt.read(DATA / "rcpsp" / "j301_1.sm")
    res = combopt.solve(p, "rcpsp-ga", max_iterations=2, seed=0)
    fig = combopt.figure(p, res)
    assert len(fig.axes) == 1 + p.num_resources  # Gantt chart + one usage profile per resource
    assert f"makespan {res.objective:g}" in fig.axes[0].get_title()
    # one bar per task, from its start for its duration
    bars = [b for c in fig.axes[0].containers for b in c]
    drawn = sorted((round(b.get_x()), round(b.get_width())) for b in bars)
    assert drawn == sorted((int(s), int(d)) for s, d in zip(res.solution, p.durations, strict=True))


def test_fir_figure_shows_the_integer_design_and_remez():
    p = combopt.read(DATA / "dmmv" / "fir_f1.toml")
    res = combopt.solve(p, "dmmv", max_iterations=3, seed=0)
    fig = combopt.figure(p, res)
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels[0].startswith("dmmv (ripple ") and labels[1].startswith("Remez (real taps)")
    # the legend's ripple is the problem's own objective
    assert f"{float(labels[0].split('ripple ')[1].rstrip(')')):.5f}" == f"{res.objective:.5f}"


def test_tomography_figure_puts_the_reconstruction_beside_the_phantom():
    p = combopt.read(DATA / "dmmv" / "tomo_sl32.toml")
    res = combopt.solve(p, "dmmv-round", seed=0)
    fig = combopt.figure(p, res)
    assert [ax.get_title().split("\n")[0] for ax in fig.axes] == ["phantom", "dmmv-round"]
    shown = fig.axes[1].get_images()[0].get_array()
    assert np.array_equal(np.asarray(shown), np.asarray(res.solution))
    assert f"{p.metrics(res.solution)['pixel_error_pct']:.2f} % px err" in fig.axes[1].get_title()


def test_tsp_figure_draws_the_tour_in_order():
    p = combopt.read(DATA / "tsp" / "eil51.tsp")
    res = combopt.solve(p, "tsp-ls", max_iterations=5, seed=0)
    fig = combopt.figure(p, res)
    line = fig.axes[0].get_lines()[0]
    tour = np.append(res.solution, res.solution[0])
    assert np.allclose(line.get_xdata(), p.coords[tour, 0]) and np.allclose(line.get_ydata(), p.coords[tour, 1])
    assert f"length {res.objective:g}" in fig.axes[0].get_title()


def test_tsp_without_coordinates_falls_back_to_progress():
    p = combopt.read(DATA / "tsp" / "gr17.tsp")  # an explicit matrix: nothing to draw a tour on
    res = combopt.solve(p, "tsp-ls", max_iterations=5, seed=0)
    assert p.figure(res.solution) is None
    fig = combopt.figure(p, res)
    assert fig.axes[0].get_xlabel() == "time [s]"


def test_dag_figure_is_the_learned_graph():
    from combopt.generators.dag import generate_dag

    p = generate_dag(d=6, edges_per_node=1, n=300, seed=1)
    res = combopt.solve(p, seed=0)
    fig = combopt.figure(p, res)
    assert len(fig.axes) == 1 and fig.axes[0].get_title()


@pytest.mark.parametrize(("payload", "panels"), [
    ({"marginals": [[0.5, 0.4, 0.1], [0.6, 0.2, 0.2]]}, ["mec-auto: "]),
    ({"marginals": [[0.7, 0.2, 0.1]], "rate": 0.5}, ["ebim: encoder p(x, t)"]),
    ({"marginals": [[0.4, 0.3, 0.2, 0.1], [0.5, 0.5]], "rate": 1.0}, ["mecb: encoder p(x, t)", "decoder p(t, y)"]),
])
def test_coupling_figures(tmp_path, payload, panels):
    f = tmp_path / "x.coupling.json"
    f.write_text(json.dumps(payload))
    p = combopt.read(f)
    res = combopt.solve(p, seed=0)
    fig = combopt.figure(p, res)
    axes = [ax for ax in fig.axes if ax.get_xlabel().startswith("column")]  # not the colour bars
    assert len(axes) == len(panels)
    for ax, head in zip(axes, panels, strict=True):
        assert ax.get_title().startswith(head), ax.get_title()
        assert len(ax.collections[0].get_offsets()) > 0  # one point per cell


def test_mec_of_three_marginals_has_no_cell_picture(tmp_path):
    f = tmp_path / "x.coupling.json"
    f.write_text(json.dumps({"marginals": [[0.5, 0.5], [0.3, 0.7], [0.9, 0.1]]}))
    p = combopt.read(f)
    res = combopt.solve(p, seed=0)
    assert p.figure(res.solution) is None
    assert combopt.figure(p, res).axes[0].get_xlabel() == "time [s]"


def test_progress_figures_where_a_family_has_no_picture():
    mis = combopt.read(DATA / "johnson8-2-4.clq")
    res = combopt.solve(mis, "sa", max_iterations=3, seed=0)
    ax = combopt.figure(mis, res).axes[0]
    assert ax.get_xlabel() == "time [s]" and ax.get_lines()
    kp = combopt.read(str(DATA / "mdkp" / "mknap1.txt") + "#0")
    lag = combopt.solve(kp, "lagrangian", max_iterations=5, seed=0)
    ax = combopt.figure(kp, lag).axes[0]
    assert ax.get_xlabel() == "outer iteration"
    assert {line.get_label() for line in ax.get_lines()} >= {"dual bound", "best primal"}


def test_unknown_image_format_is_refused():
    with pytest.raises(combopt.ParameterError, match="image format"):
        combopt.api.figure_format("schedule.docx")


def test_cli_solve_and_check_write_the_plot(tmp_path, capsys):
    png, svg, out = tmp_path / "g.png", tmp_path / "g.svg", tmp_path / "r.json"
    inst = DATA / "rcpsp" / "j301_1.sm"
    rc, _, err = run_cli(capsys, "solve", inst, "-q", "--max-iterations", "2", "-o", out, "--plot", png)
    assert rc == 0, err
    assert png.read_bytes()[:8] == PNG and f"wrote {png}" in err.replace("\n", "")
    rc, _, err = run_cli(capsys, "check", inst, out, "--plot", svg)
    assert rc == 0, err
    assert b"<svg" in svg.read_bytes()[:500]


def test_cli_plot_refusals_leave_files_alone(tmp_path, capsys):
    inst = DATA / "rcpsp" / "j301_1.sm"
    keep = tmp_path / "g.png"
    keep.write_bytes(b"mine")
    for args, needle in (
        (["--plot", keep], "already exists"),
        (["--plot", tmp_path / "g.docx"], "image format"),
        (["--plot", inst.with_suffix(".png"), "-o", inst.with_suffix(".png")], "same file"),
    ):
        rc, out, err = run_cli(capsys, "solve", inst, "-q", "--max-iterations", "1", *args)
        assert rc == 2 and len(err.strip().splitlines()) == 1 and needle in err, err
        assert "Traceback" not in err and out == ""  # refused before solving
    assert keep.read_bytes() == b"mine"
    rc, _, err = run_cli(capsys, "solve", inst, "-q", "--max-iterations", "1", "--plot", keep, "--force")
    assert rc == 0 and keep.read_bytes()[:8] == PNG, err


def test_cli_check_draws_an_infeasible_schedule_and_still_fails(tmp_path, capsys):
    inst = DATA / "rcpsp" / "j301_1.sm"
    out, png = tmp_path / "r.json", tmp_path / "bad.png"
    assert run_cli(capsys, "solve", inst, "-q", "--max-iterations", "1", "-o", out)[0] == 0
    data = json.loads(out.read_text())
    data["solution"] = [0] * len(data["solution"])  # everything at once: precedences broken
    out.write_text(json.dumps(data))
    rc, text, err = run_cli(capsys, "check", inst, out, "--plot", png)
    assert rc == 1 and "infeasible" in text, (text, err)
    assert png.read_bytes()[:8] == PNG
