"""Gantt charts, resource profiles and schedule files for RCPSP.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure``,
rendered by Agg), so nothing here needs a display or changes pyplot's backend.

Command line (the result JSON of ``combopt solve --out`` or any schedule JSON
that ``combopt check`` reads)::

    python -m combopt.problems.rcpsp.plot INSTANCE SCHEDULE.json --out gantt.png [--csv schedule.csv]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

from .model import NO_DEADLINE, RCPSP

__all__ = ["plot_gantt", "plot_resource_profiles", "plot_schedule", "save_schedule_plot", "write_schedule_csv",
           "resource_usage"]

MAX_LABELLED_TASKS = 60


def resource_usage(problem: RCPSP, starts, horizon: int | None = None) -> np.ndarray:
    """``(T, R)`` usage of every resource at every time ``0..T-1`` (``T`` defaults to the makespan)."""
    s = np.asarray(starts, dtype=np.int64)
    T = int(problem.makespan(s) if horizon is None else horizon)
    use = np.zeros((max(T, 1) + 1, problem.num_resources), dtype=np.int64)
    for i in range(problem.n):
        p = int(problem.durations[i])
        if p > 0 and s[i] < T:
            a, b = max(0, int(s[i])), min(T, int(s[i]) + p)
            use[a, :] += problem.demands[i]
            use[b, :] -= problem.demands[i]
    return np.cumsum(use, axis=0)[:T]


def _main_resource_colors(problem: RCPSP):
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    share = problem.demands / np.maximum(problem.capacities[None, :], 1)
    if share.shape[1] == 0:  # a project without resources: every bar grey (argmax of an empty row raised)
        return [(0.6, 0.6, 0.6, 1.0)] * problem.n
    main = np.where(problem.demands.any(axis=1), np.argmax(share, axis=1), -1)
    return [(0.6, 0.6, 0.6, 1.0) if m < 0 else cmap(int(m) % 10) for m in main]


def plot_gantt(problem: RCPSP, starts, ax=None, title: str | None = None):
    """Gantt chart: one bar per task (coloured by the resource it uses most, relative to
    capacity), time windows as whiskers, tasks sorted by start time. Returns the Axes."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if ax is None:
        ax = Figure(figsize=(10, max(3.0, 0.22 * problem.n + 1))).add_subplot()
    s = np.asarray(starts, dtype=np.int64)
    p = problem.durations
    order = np.lexsort((np.arange(problem.n), s))
    colors = _main_resource_colors(problem)
    for y, i in enumerate(order):
        ax.barh(y, max(int(p[i]), 0), left=int(s[i]), height=0.7, color=colors[i], edgecolor="black", linewidth=0.4)
        if p[i] == 0:
            ax.plot([s[i]], [y], marker="D", color="black", markersize=3)
        rel, dl = int(problem.release[i]), int(problem.deadline[i])
        if rel > 0 or dl < NO_DEADLINE:
            hi = dl if dl < NO_DEADLINE else int(s[i] + p[i])
            ax.plot([rel, hi], [y, y], color="black", linewidth=0.8, alpha=0.6)
            ax.plot([rel], [y], marker="|", color="black", markersize=6)
            if dl < NO_DEADLINE:
                ax.plot([dl], [y], marker="|", color="red", markersize=6)
    ax.set_ylim(-0.8, problem.n - 0.2)
    ax.invert_yaxis()
    if problem.n <= MAX_LABELLED_TASKS:
        ax.set_yticks(range(problem.n))
        ax.set_yticklabels([problem.names[i] for i in order], fontsize=7)
    else:
        ax.set_ylabel("tasks (by start time)")
        ax.set_yticks([])
    mk = problem.makespan(s)
    ax.axvline(mk, color="black", linestyle="--", linewidth=0.8)
    ax.set_xlabel("time")
    ax.set_xlim(0, max(mk, 1) * 1.02)
    ax.set_title(title or f"{problem.name}: makespan {mk}")
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    handles = [Patch(color=cmap(r % 10), label=problem.resource_names[r])
               for r in range(min(problem.num_resources, 10))]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7, title="main resource",
                  title_fontsize=7)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_resource_profiles(problem: RCPSP, starts, axes=None):
    """One panel per resource: usage over time (filled) against the capacity profile
    (downtime included, red line; downtime shaded). Returns the list of Axes."""
    from matplotlib.figure import Figure

    R = problem.num_resources
    if axes is None:
        fig = Figure(figsize=(10, 1.6 * max(R, 1) + 0.5))
        axes = fig.subplots(max(R, 1), 1, sharex=True, squeeze=False)[:, 0]
    s = np.asarray(starts, dtype=np.int64)
    T = max(problem.makespan(s), 1)
    use = resource_usage(problem, s, T)
    cap = problem.capacity_profile(T)
    t = np.arange(T + 1)
    for r, ax in zip(range(R), axes, strict=False):
        u = np.append(use[:, r], use[-1, r])
        c = np.append(cap[:, r], cap[-1, r])
        ax.fill_between(t, 0, u, step="post", alpha=0.5, color="tab:blue", label="usage")
        ax.step(t, c, where="post", color="tab:red", linewidth=1.2, label="capacity")
        for d in problem.downtime:
            if d.resource == r and d.start < T:
                ax.axvspan(d.start, min(d.end, T), color="grey", alpha=0.2, linewidth=0)
        over = np.flatnonzero(use[:, r] > cap[:, r])
        if over.size:
            ax.scatter(over + 0.5, use[over, r], color="red", marker="x", s=12, label="overload", zorder=3)
        ax.set_ylabel(problem.resource_names[r], fontsize=8)
        ax.set_ylim(0, max(int(problem.capacities[r]), int(use[:, r].max(initial=0))) * 1.15 + 0.5)
        ax.grid(alpha=0.3)
    if R:
        axes[0].legend(loc="upper right", fontsize=7, ncol=3)
        axes[-1].set_xlabel("time")
        axes[-1].set_xlim(0, T * 1.02)
    return list(axes)


def plot_schedule(problem: RCPSP, starts, title: str | None = None):
    """Gantt chart above one resource-profile panel per resource; returns the Figure."""
    from matplotlib.figure import Figure

    R = problem.num_resources
    gantt_h = max(3.0, min(0.22 * problem.n + 1, 14.0))
    fig = Figure(figsize=(11, gantt_h + 1.5 * R + 0.8), layout="constrained")
    grid = fig.add_gridspec(1 + R, 1, height_ratios=[gantt_h] + [1.5] * R)
    ax0 = fig.add_subplot(grid[0])
    plot_gantt(problem, starts, ax0, title)
    axes = [fig.add_subplot(grid[1 + r], sharex=ax0) for r in range(R)]
    if axes:
        plot_resource_profiles(problem, starts, axes)
    return fig


def save_schedule_plot(problem: RCPSP, starts, path: str | Path, title: str | None = None, dpi: int = 120,
                       force: bool = True) -> Path:
    """Write :func:`plot_schedule` to ``path`` (format from the extension: png, svg, pdf), atomically."""
    import matplotlib

    from ...core.safeio import figure_format, save_figure, write_atomic

    path = Path(path)
    fmt = figure_format(path)
    with matplotlib.rc_context({"text.parse_math": False}):  # task names are text: '$' is no TeX (see api.figure)
        fig = plot_schedule(problem, starts, title)
    write_atomic(path, lambda tmp: save_figure(fig, tmp, dpi=dpi, format=fmt), force, "figure")
    return path


def write_schedule_csv(problem: RCPSP, starts, path: str | Path, force: bool = True) -> Path:
    """``task,start,finish,duration,<demand per resource>`` rows, in task order (written atomically)."""
    import io

    from ...core.safeio import write_atomic

    path = Path(path)
    s = np.asarray(starts, dtype=np.int64)
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["task", "start", "finish", "duration", *problem.resource_names])
    for i in range(problem.n):
        w.writerow([problem.names[i], int(s[i]), int(s[i] + problem.durations[i]), int(problem.durations[i]),
                    *[int(v) for v in problem.demands[i]]])
    write_atomic(path, buf.getvalue(), force, "--csv")
    return path


def main(argv: list[str] | None = None) -> int:
    from ...core.errors import CombOptError, InputError, ParameterError
    from ...core.io import read, split_index
    from ...core.safeio import check_not_input, check_target, figure_format, read_bounded

    ap = argparse.ArgumentParser(prog="python -m combopt.problems.rcpsp.plot",
                                 description="Gantt chart and resource profiles of an RCPSP schedule")
    ap.add_argument("instance")
    ap.add_argument("schedule", help="schedule JSON (e.g. from combopt solve --out)")
    ap.add_argument("--out", "-o", required=True, help="figure file (.png, .svg, .pdf)")
    ap.add_argument("--csv", help="also write the schedule as CSV")
    ap.add_argument("--force", action="store_true", help="overwrite existing files")
    args = ap.parse_args(argv)
    try:
        figure_format(args.out)
        if args.csv and Path(args.csv).absolute() == Path(args.out).absolute():
            raise ParameterError(f"--csv {args.csv} is also the --out figure; give them two file names")
        inputs = [split_index(args.instance)[0], Path(args.schedule)]
        for target, what in ((args.out, "--out"), (args.csv, "--csv")):
            if target:
                check_target(target, args.force, what)
                check_not_input(target, inputs, what)  # never over what it reads, even with --force
        problem = read(args.instance, "rcpsp")
        raw = read_bounded(args.schedule, what="schedule JSON")
        try:
            data = json.loads(raw.decode("utf-8"))
        except json.JSONDecodeError as e:  # the line and what JSON expected there
            raise InputError(args.schedule, f"not a schedule JSON: {e.msg} (column {e.colno})", e.lineno) from None
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise InputError(args.schedule, f"cannot read a schedule JSON ({type(e).__name__})") from None
        starts = problem.solution_from_json(data, args.schedule)
        _, bad = problem._coerce(starts)
        if bad:
            raise InputError(args.schedule, bad[0])
        end, limit = problem.makespan(starts), 10 * max(int(problem.horizon), 1)
        if end > limit or (problem.n and int(np.min(starts)) < -limit):
            raise InputError(args.schedule, f"the schedule runs to {end}, beyond ten times the instance's horizon "
                                            f"({limit}); nothing sensible to plot")
        ev = problem.evaluate(starts)
        save_schedule_plot(problem, starts, args.out,
                           title=f"{problem.name}: makespan {problem.makespan(starts)}"
                                 + ("" if ev.feasible else f" ({len(ev.violations)} violations)"), force=args.force)
        print(f"wrote {args.out}")
        if args.csv:
            write_schedule_csv(problem, starts, args.csv, force=args.force)
            print(f"wrote {args.csv}")
    except CombOptError as e:
        print(f"combopt: error: {' '.join(str(e).split())}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
