"""The ``combopt`` command line (typer + rich).

Exit codes: 0 success; 1 ``check`` found a mismatch (an infeasible solution or a
false claim); 2 a user error (bad input or parameter: one line on stderr, no
traceback); 130 interrupted by Ctrl-C (``solve`` still prints and writes the
best result found so far).
"""

from __future__ import annotations

import json
import math
import os
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.text import Text

from ..core.errors import CombOptError, InputError, NothingToDraw, ParameterError, UnsuitedInstance
from ..core.safeio import a_directory, check_not_input, check_target, read_bounded, write_atomic
from .witness import solver_witness_claims

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="combopt: hard combinatorial optimisation from the command line.",
    pretty_exceptions_enable=False,
)
EXIT_MISMATCH = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130
_INTERRUPT_REPORTED = False  # solve printed its own note about the interrupt
# no console markup: file names, instance names and package extras ("combopt[quantum]") are printed as they are
out_console = Console(markup=False, emoji=False)  # ":100:" in "file.tsp:100: ..." is no emoji code
err_console = Console(stderr=True, markup=False, emoji=False)


@app.callback()
def _options(
    max_memory: Annotated[str | None, typer.Option(
        "--max-memory", help="memory budget that instance sizes and parameters are checked against before "
                             "allocating: 8G, 512M, 75% (of the RAM); default COMBOPT_MAX_MEMORY, else 25%")] = None,
) -> None:
    """combopt: hard combinatorial optimisation from the command line."""
    from ..core.limits import set_max_memory

    set_max_memory(max_memory)


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``key=value`` pairs; values are JSON when they parse as JSON, else strings."""
    params: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ParameterError(f"--param expects key=value, got {item!r}")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key.isidentifier():
            raise ParameterError(f"--param key must be a name, got {key!r}")
        try:
            v = json.loads(value)
        except json.JSONDecodeError:
            v = value
        if key in params and repr(params[key]) != repr(v):  # (the last was taken, the first dropped without a word)
            raise ParameterError(f"--param {key} given twice ({params[key]!r} and {v!r}); give it once")
        params[key] = v
    return params


def solver_params(items: list[str] | None, flags: tuple[str, ...] | None = None) -> dict[str, Any]:
    """``--param`` of ``solve`` and ``bench``: solver parameters only (``-p seed=5`` names ``--seed``, one of the
    command's ``flags``, default those of ``solve``)."""
    from ..api import SOLVE_OPTIONS

    params = parse_params(items)
    if clash := sorted(SOLVE_OPTIONS & set(params)):
        flag = "--" + clash[0].replace("_", "-")
        raise ParameterError(f"--param {clash[0]}=...: {clash[0]} is not a solver parameter; "
                             + (f"use {flag}" if flag in (flags or _SOLVE_FLAGS) else "it has no command-line option"))
    return params


class _Progress:
    """Live line with best objective and elapsed time, shown once a run passes one second."""

    def __init__(self, console: Console, label: str, enabled: bool):
        self.console = console
        self.label = label
        self.enabled = enabled and console.is_terminal
        self.state = None
        self.live: Live | None = None

    def render(self):
        st = self.state
        if st is None or st.elapsed < 1.0:
            return Text("")
        best = "-" if st.best is None else f"{st.best:g}"
        return Text.assemble(
            ("combopt ", "bold cyan"), f"{self.label}  ",
            ("best ", "dim"), (best, "bold"), ("  iter ", "dim"), str(st.iterations),
            ("  elapsed ", "dim"), f"{st.elapsed:.1f} s",
        )

    def callback(self, state) -> None:
        self.state = state

    def __enter__(self):
        if self.enabled:
            self.live = Live(get_renderable=self.render, console=self.console, transient=True,
                             refresh_per_second=4)
            self.live.__enter__()
        return self

    def __exit__(self, *exc):
        if self.live is not None:
            self.live.__exit__(*exc)
        return False


def _check_out(out: Path | None, force: bool, inputs=(), what: str = "--out") -> None:
    """Refuse to overwrite a user's file without --force (or anything but a regular file with it), and an input file
    (``inputs``) even with it; fail before the work, not after. ``what`` is the option that named ``out``."""
    if out is None:
        return
    check_target(out, force, what)
    check_not_input(out, inputs, what)


def _announce_compiling() -> None:
    """Say once on stderr when a run starts compiling Numba kernels (first run on a machine)."""
    from ..core.warm import set_notifier

    set_notifier(lambda msg: err_console.print(msg, style="yellow", highlight=False, soft_wrap=True))


def _write_atomic(out: Path, text: str, force: bool = False, what: str = "--out") -> None:
    """Write through a fresh temporary file in the same folder and move it into place (never
    follows a link at a temporary name; replaces only regular files, and only with --force)."""
    write_atomic(out, text, force, what)
    err_console.print(f"wrote {out}")


@app.command()
def solve(
    path: Annotated[str, typer.Argument(help="instance file (path#K for the K-th instance of a file)")],
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="problem kind (default: from the file)")] = None,
    solver: Annotated[str | None, typer.Option("--solver", "-s", help="solver name (see `combopt solvers`)")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", "-t", help="seconds")] = None,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="cpu | gpu | auto")] = "auto",
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="solver parameter key=value")] = None,
    target: Annotated[float | None, typer.Option("--target", help="stop at this objective")] = None,
    max_iterations: Annotated[int | None, typer.Option("--max-iterations", help="outer iteration limit")] = None,
    no_improvement: Annotated[int | None, typer.Option(
        "--no-improvement", help="stop after this many outer iterations without a better solution")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the result as JSON")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out / --plot if they exist")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
    truth: Annotated[str | None, typer.Option("--truth", help="dag: ground-truth graph (edge list or adjacency) "
                                                            "for SHD/TPR/FDR; same as -p truth=FILE")] = None,
) -> None:
    """Solve an instance and print a summary."""
    from ..api import solve as _solve
    from ..core.io import read, split_index

    if time_limit is not None and not (time_limit > 0 and math.isfinite(time_limit)):
        raise ParameterError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    params = solver_params(param)
    if truth is not None:  # DAG learning: the topo solver attaches the truth to the problem
        params["truth"] = truth
    inputs = [split_index(path)[0], *(v for v in params.values() if isinstance(v, str))]
    _check_out(out, force, inputs)
    _check_plot(plot, out, force, inputs)
    problem = read(path, kind)
    _not_inputs_of(problem, out, plot)
    for line in problem.notes:
        err_console.print(f"note: {line}", style="yellow", highlight=False)
    _announce_compiling()
    label = f"{solver or 'default'} on {problem.name}"
    with _Progress(err_console, label, enabled=not quiet) as prog:
        res = _solve(problem, solver, time_limit=time_limit, seed=seed, device=device, target=target,
                     max_iterations=max_iterations, no_improvement=no_improvement, callback=prog.callback, **params)
    out_console.print(res)
    if res.info.get("qubo_not_built"):  # the answer is the construction, not the solver's: say so
        err_console.print(f"note: {res.info['qubo_not_built']}", style="yellow", highlight=False)
    if res.problem == "dag":
        _print_dag_summary(res)
    if out is not None:
        _write_atomic(out, res.to_json(), force)
    if plot is not None:
        _write_plot(problem, res, plot, force)
    if res.info.get("interrupted"):
        # the result (best solution so far) is printed and written; the exit code says it was cut short
        global _INTERRUPT_REPORTED
        _INTERRUPT_REPORTED = True
        err_console.print("interrupted: best solution so far", style="yellow")
        raise typer.Exit(EXIT_INTERRUPTED)


#: the options of `combopt solve` that set an argument of combopt.solve (named after it)
_SOLVE_FLAGS = ("--kind", "--solver", "--time-limit", "--seed", "--device", "--target", "--max-iterations",
                "--no-improvement")

PLOT_HELP = ("draw the result (format from the extension: .png, .svg, .pdf): RCPSP Gantt chart, FIR response, "
             "tomography reconstruction, TSP tour, DAG, coupling; else the Lagrangian iterations or the best "
             "objective against time")


def _not_inputs_of(problem, out: Path | None, plot: Path | None) -> None:
    """Refuse --out / --plot naming a file the instance reads (a spec's weights, a phantom), even with --force."""
    for target, what in ((out, "--out"), (plot, "--plot")):
        if target is not None:
            check_not_input(target, problem.input_files, what)


def _check_plot(plot: Path | None, out: Path | None, force: bool, inputs) -> None:
    """--plot: a known image format, not an input, not the --out file, and no overwrite without --force."""
    if plot is None:
        return
    from ..api import figure_format

    figure_format(plot)
    if out is not None and Path(out).resolve() == Path(plot).resolve():
        raise ParameterError(f"--plot and --out name the same file {str(plot)!r}")
    check_target(plot, force, "--plot")
    check_not_input(plot, inputs, "--plot")


def _write_plot(problem, result, plot: Path, force: bool, solution=None) -> None:
    from ..api import figure

    try:
        figure(problem, result, plot, force=force, solution=solution)
    except NothingToDraw as e:  # no solution to picture and no progress (a proven-infeasible project): a note, the
        # result (written already) and the verdict's exit code stand
        err_console.print(f"note: {e}; {plot} not drawn", highlight=False, soft_wrap=True)
        return
    err_console.print(f"wrote {plot}")


def _print_dag_summary(res) -> None:
    """DAG learning: edges, acyclicity and, with a truth, the structure metrics."""
    sol = res.solution_json or {}
    line = f"dag: {len(sol.get('edges', []))} edges, is_dag {sol.get('is_dag')}"
    m = sol.get("metrics")
    if m:
        line += (f", SHD {m['shd']} (TPR {m['tpr']:.3f}, FDR {m['fdr']:.3f}, FPR {m['fpr']:.3f}, nnz {m['nnz']}, "
                 f"{m['true_edges']} true edges)")
    if sol.get("truth_score") is not None:
        line += f", true graph's score {sol['truth_score']:.6g}"
        refit = sol.get("truth_refit_score")
        if refit is not None and refit != sol["truth_score"]:
            line += f" (refit on its edges {refit:.6g})"
    out_console.print(line, highlight=False, soft_wrap=True)  # one line, whatever the width: scripts grep it


# --- check: re-evaluate a solution and every claim of a result file (issue 8) ----------------------
@app.command()
def check(
    path: Annotated[str, typer.Argument(help="instance file")],
    solution: Annotated[Path, typer.Argument(help="result or solution JSON (as written by `combopt solve --out`)")],
    kind: Annotated[str | None,
                    typer.Option("--kind", "-k", help="problem kind (default: from the instance file)")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help=PLOT_HELP)] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --plot if it exists")] = False,
    truth: Annotated[str | None, typer.Option("--truth", help="dag: the ground-truth graph; the result's SHD, TPR, "
                                                            "FDR, true edges and true score are checked against it")
                     ] = None,
) -> None:
    """Re-evaluate a solution and every claim of its result (objective, status, bound, gap, kind).

    Exit 0 when the solution is feasible and every claim holds; 1 with one line per mismatch.
    """
    from ..core.claims import check_claims, evaluate_finite
    from ..core.io import read, split_index
    from ..core.jsonpos import with_line

    _check_plot(plot, None, force, [split_index(path)[0], solution, *([truth] if truth else [])])
    raw = read_bounded(solution, what="solution JSON")  # bounded: /dev/zero ends with an error
    try:
        data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)  # a byte-order mark: no error
    except json.JSONDecodeError as e:
        raise InputError(solution, f"not valid JSON ({e.msg})", e.lineno) from None
    except UnicodeDecodeError:
        raise InputError(solution, "not a text file; expected a solution JSON") from None
    except (ValueError, RecursionError) as e:  # e.g. integers over 4300 digits, absurd nesting, NaN
        msg = str(e) if isinstance(e, _NonFinite) else f"not usable JSON ({type(e).__name__})"
        raise InputError(solution, f"{msg}; expected a solution JSON") from None
    except OSError as e:
        raise InputError(solution, f"cannot read: {e.strerror or e}") from None
    claimed = data.get("problem") if isinstance(data, dict) else None
    if claimed is not None:
        from ..core.registry import known_kinds

        if not isinstance(claimed, str) or claimed not in known_kinds():
            raise InputError(solution, f"unknown problem kind {claimed!r} in the result; expected one of: "
                                       f"{', '.join(known_kinds())}")
    if kind is None and claimed is not None and not _format_known(path):
        # a file whose format does not say its kind (a .csv of DAG data, say): the result's kind reads it
        kind_for_read = claimed
    else:
        kind_for_read = kind
    problem = read(path, kind_for_read)  # --kind or the instance file decides; a differing "problem" is reported
    _not_inputs_of(problem, None, plot)
    if truth is not None:
        if not hasattr(problem, "set_truth"):
            raise ParameterError(f"--truth applies to DAG-learning instances; {path} reads as a {problem.kind} one")
        problem.set_truth(truth)
    if isinstance(data, dict) and "solution" in data and data["solution"] is None:
        if plot is not None:
            err_console.print(f"note: the result holds no solution; {plot} not drawn", highlight=False)
        _check_without_solution(problem, data, kind is not None)  # a run that found none: its claims still count
    other_kind = claimed is not None and claimed != problem.kind
    named = data.get("instance") if isinstance(data, dict) else None
    if isinstance(named, str) and not other_kind and named != problem.name:  # a note: a renamed file is no error
        out_console.print(f"note: the result is for instance {named!r}; checked against {problem.name!r} ({path})",
                          highlight=False, soft_wrap=True)
    try:
        sol = problem.solution_from_json(data, str(solution))
    except (TypeError, ValueError, OverflowError) as e:  # a ragged list, 10**30 for an int64, ...
        if other_kind:
            raise _other_kind(solution, claimed, path, problem.kind) from None
        msg = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise InputError(solution, f"malformed solution ({msg}); expected the 'solution' of `combopt solve --out`"
                         ) from None
    except InputError as e:  # the line of the part of the result it is about, where the error says which
        raise (_other_kind(solution, claimed, path, problem.kind) if other_kind else
               with_line(e, raw.decode("utf-8-sig"))) from None
    ev = evaluate_finite(problem, sol)
    mismatches = check_claims(problem, data, ev, kind_given=kind is not None)
    mismatches += [m for m in solver_witness_claims(problem, data) if m not in mismatches]
    if ev.feasible:
        out_console.print(f"feasible: objective {ev.objective + 0.0:.15g} ({problem.sense})", highlight=False)
    else:
        out_console.print(f"infeasible: {len(ev.violations)} violation(s)", highlight=False)
        for v in ev.violations:
            out_console.print(f"  - {v}", highlight=False, soft_wrap=True)
    for m in mismatches:
        out_console.print(f"mismatch: {m}", highlight=False, soft_wrap=True)
    _print_truth_check(problem, data, sol, truth)
    if plot is not None:  # drawn whatever the verdict: a picture of a broken schedule shows what is wrong
        try:
            _write_plot(problem, data if isinstance(data, dict) else {}, plot, force, solution=sol)
        except ParameterError as e:  # a malformed trace or info of the result file: the file's error
            raise InputError(solution, str(e)) from None
    if mismatches or not ev.feasible:
        raise typer.Exit(EXIT_MISMATCH)
    if isinstance(data, dict) and any(k in data for k in ("objective", "status", "bound")):
        out_console.print("claims: all hold (problem, sense, feasible, objective, status, bound, gap)",
                          highlight=False)
    raise typer.Exit(0)


def _print_truth_check(problem, data: Any, sol: Any, truth: str | None) -> None:
    """DAG learning: the metrics against ``--truth``, or a note that the result's metrics went unchecked."""
    if problem.kind != "dag":
        return
    stated = data.get("solution") if isinstance(data, dict) and isinstance(data.get("solution"), dict) else {}
    if truth is not None:
        m = problem.metrics(sol)
        out_console.print(f"against {truth}: SHD {m['shd']} (TPR {m['tpr']:.3f}, FDR {m['fdr']:.3f}, "
                          f"FPR {m['fpr']:.3f}, {m['true_edges']} true edges)", highlight=False, soft_wrap=True)
    else:
        if "metrics" in stated and "truth_edges" not in stated:
            out_console.print("note: the result's metrics are not checked: it lists no truth_edges; give --truth "
                              "FILE", highlight=False, soft_wrap=True)
        if stated.get("truth_score") is not None and getattr(problem, "truth", None) is None:
            out_console.print("note: the result's truth_score is not checked: its truth_edges carry no weights; give "
                              "--truth FILE", highlight=False, soft_wrap=True)


def _other_kind(solution: Path, claimed: str, path: str, kind: str) -> InputError:
    """The error of a result whose solution does not fit an instance of another kind (a FIR design's taps checked
    against a tomography spec said only that an image was expected)."""
    return InputError(solution, f"a {claimed} result, and {path} reads as a {kind} instance, whose solutions it does "
                                "not hold; check it against the instance it solved")


def _check_without_solution(problem, data: dict, kind_given: bool) -> None:
    """``check`` of a result that holds no solution (``"solution": null``, e.g. status unknown after a time limit):
    only claims that need no solution are checked; exit 0 when they hold, 1 otherwise."""
    from ..core.claims import check_claims_without_solution

    mismatches = check_claims_without_solution(problem, data, kind_given)
    mismatches += [m for m in solver_witness_claims(problem, data) if m not in mismatches]
    out_console.print("no solution in the result", highlight=False)
    for m in mismatches:
        out_console.print(f"mismatch: {m}", highlight=False, soft_wrap=True)
    if mismatches:
        raise typer.Exit(EXIT_MISMATCH)
    out_console.print("claims: all hold (problem, sense, feasible, objective, status, bound, gap)", highlight=False)
    raise typer.Exit(0)


class _NonFinite(ValueError):
    """NaN or Infinity in a result file (JSON allows neither)."""


def _format_known(path: str) -> bool:
    """True when the instance file's name or first lines tell its kind (no --kind needed)."""
    from ..core.io import detect, split_index

    p, _ = split_index(path)
    try:
        detect(p, None)
    except (InputError, OSError):
        return False
    return True


def _reject_constant(name: str):
    raise _NonFinite(f"{name} is not a number JSON allows (NaN and Infinity are rejected)")


@app.command()
def solvers(
    name: Annotated[str | None, typer.Argument(help="a kind (its solvers) or a solver (its parameters)")] = None,
) -> None:
    """List the solvers and what they handle; with a solver's name, what it takes."""
    from .listing import print_solvers

    print_solvers(name, out_console)


@app.command()
def bench(
    paths: Annotated[list[str], typer.Argument(help="a suite file (SUITE.toml), or instance files, folders, globs")],
    solver: Annotated[list[str] | None, typer.Option("--solver", "-s", help="solver (repeat to compare)")] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="problem kind (default: from the files)")] = None,
    time_limit: Annotated[float | None, typer.Option("--time-limit", "-t",
                                                     help="seconds per instance and solver (folder form; "
                                                          "default 10)")] = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="cpu | gpu | auto")] = "auto",
    best_known: Annotated[Path | None,
                          typer.Option("--best-known", help="CSV: instance,<best_known|optimum|...>")] = None,
    no_stop_at_best: Annotated[bool, typer.Option("--no-stop-at-best", help="use the whole time limit")] = False,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="solver parameter key=value")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="suite: results .jsonl/.csv/.parquet "
                                                                 "(default SUITE.results.jsonl); folder form: "
                                                                 ".csv or .json")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="suite: runs at once (worker processes)")] = 1,
    resume: Annotated[bool, typer.Option("--resume", help="suite: skip the runs already in --out")] = False,
    executor: Annotated[str, typer.Option("--executor", help="suite: local | dask")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="suite: Dask scheduler, e.g. "
                                                                  "tcp://host:8786 (default: a LocalCluster)")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="suite: root folder of the instance and "
                                                             "reference paths")] = None,
    warmup: Annotated[bool, typer.Option("--warmup", help="suite: first one unrecorded one-iteration run per "
                                                          "solver, so Numba compiles outside the time limits")] = False,
) -> None:
    """Run a benchmark suite (SUITE.toml), or solve every instance of a folder with the given solvers."""
    from ..bench.suite import is_suite_file

    if len(paths) == 1 and is_suite_file(paths[0]):
        folder_only = {"--solver": solver, "--kind": kind, "--time-limit": time_limit, "--best-known": best_known,
                       "--param": param, "--no-stop-at-best": no_stop_at_best or None,
                       "--seed": seed or None, "--device": None if device == "auto" else device}
        given = [k for k, v in folder_only.items() if v]
        if given:
            raise ParameterError(f"{', '.join(given)}: not used with a suite file; set it in the suite instead")
        from .benchcmd import bench_suite

        bench_suite(Path(paths[0]), out=out, force=force, jobs=jobs, resume=resume, executor=executor,
                     address=address, data=data, warmup=warmup)
        return
    suite_only = {"--jobs": jobs != 1, "--resume": resume, "--executor": executor != "local", "--address": address,
                  "--data": data, "--warmup": warmup}
    given = [k for k, v in suite_only.items() if v]
    if given:
        raise ParameterError(f"{', '.join(given)}: only with a suite file (combopt bench SUITE.toml)")
    from .benchcmd import bench_folder

    bench_folder(paths, solver=solver, kind=kind, time_limit=10.0 if time_limit is None else time_limit, seed=seed,
                  device=device, best_known=best_known, no_stop_at_best=no_stop_at_best, param=param, out=out,
                  force=force)


@app.command()
def report(
    results: Annotated[list[Path], typer.Argument(help="results files of `combopt bench SUITE` "
                                                       "(.jsonl, .csv, .parquet; partial files are fine)")],
    html_out: Annotated[Path | None, typer.Option("--html", help="write a self-contained HTML report")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="write the plots as PNG files into this folder")] = None,
    md: Annotated[Path | None, typer.Option("--md", help="write the summary table as Markdown")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --html / --md / PNG files if they exist")] = False,
) -> None:
    """Summarise results: at optimum / best known, gaps, times, wins, performance profiles."""
    from ..bench.report import TABLE_WIDTH, figures, html_report, markdown_table, summarize, summary_table
    from ..bench.results import read_results
    from .benchcmd import print_contradictions, wide_console

    _check_out(html_out, force, results, "--html")
    _check_out(md, force, results, "--md")
    if html_out is not None and md is not None and html_out.absolute() == md.absolute():
        raise ParameterError(f"--html and --md name the same file {str(md)!r}")
    if png is not None and png.exists() and not png.is_dir():
        raise ParameterError(f"--png {png} is a file; expected a folder")
    rows = read_results(results)
    if not rows:
        raise ParameterError(f"no finished runs in {', '.join(map(str, results))}")
    summary = summarize(rows)
    wide_console(TABLE_WIDTH).print(summary_table(summary, title=f"combopt bench {rows[0]['suite']}" if
                                                   len({r['suite'] for r in rows}) == 1 else "combopt report"))
    print_contradictions(rows)
    if png is not None:
        figs = figures(rows)
        clash = [png / n for n, _, _ in figs if (png / n).exists()]
        if clash and not force:
            raise ParameterError(f"{clash[0]} already exists; pass --force to overwrite it")
        png.mkdir(parents=True, exist_ok=True)
        for n, _, _ in figs:  # every name checked before any is written
            check_target(png / n, force, "--png")
        for n, _, data in figs:  # through a fresh temporary file: never through a link planted at the name
            write_atomic(png / n, data, force, what="--png")
        err_console.print(f"wrote {len(figs)} plot(s) to {png}", highlight=False)
    if html_out is not None:
        _write_atomic(html_out, html_report(rows, summary, [str(p) for p in results]), force, "--html")
    if md is not None:
        _write_atomic(md, markdown_table(summary), force, "--md")


@app.command()
def export(
    path: Annotated[str, typer.Argument(help="instance file (path#K for the K-th instance of a file)")],
    to: Annotated[str, typer.Option("--to", help="lp (the MILP, through PuLP), qubo (JSON) or qbsolv (qbsolv's "
                                                 "text .qubo)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write")],
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="problem kind (default: from the file)")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="reduction parameter key=value "
                                                    "(e.g. penalty=3)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
) -> None:
    """Write an instance's MILP (.lp) or QUBO (JSON: linear, quadratic, offset, variables; or qbsolv's text)."""
    from ..core.io import read, split_index

    if to not in ("lp", "qubo", "qbsolv"):
        raise ParameterError(f"--to must be lp, qubo or qbsolv, got {to!r}")
    _check_out(out, force, [split_index(path)[0]])
    problem = read(path, kind)
    _not_inputs_of(problem, out, None)  # a spec's weights or phantom: never the --out, even with --force
    params = parse_params(param)
    if to == "lp":
        if params:
            raise ParameterError("--to lp takes no --param")
        try:
            prob, _ = problem.to_pulp()
        except NotImplementedError:
            raise ParameterError(f"{problem.kind} problems have no MILP model to export") from None
        except UnsuitedInstance as e:  # a valid file the model cannot take (a 2-city TSP): name the file
            raise UnsuitedInstance(f"{problem.source or path}: {e}") from None
        const = float(prob.objective.constant or 0.0) if prob.objective is not None else 0.0
        if const:  # PuLP's .lp writer drops the objective's constant: carried by a variable fixed to 1 instead
            one = prob.add_variable("objective_constant", 1, 1)
            prob.setObjective(prob.objective - const + const * one)
        from ..models.milp import write_lp

        write_atomic(out, lambda tmp: write_lp(prob, tmp), force)  # every digit: PuLP's own writer keeps 12
        err_console.print(f"wrote {out}: {len(prob.variables())} variables, {prob.numConstraints()} constraints" + (
            f" (its constant {const:g}: objective_constant, fixed to 1)" if const else ""), highlight=False)
        return
    from ..solvers.common import qubo_params

    reduction = qubo_params(params, problem)  # a penalty where the reduction has none (a QUBO, max-cut): refused
    if params:  # to_qubo(**params) of a QUBO file took anything and ignored it
        raise ParameterError(f"--param {', '.join(sorted(params))}: not a parameter of the {problem.kind} QUBO "
                             "reduction (it takes penalty=P at most)")
    try:
        q = problem.to_qubo(**reduction)
    except NotImplementedError:
        raise ParameterError(f"{problem.kind} problems have no QUBO reduction to export") from None
    except UnsuitedInstance as e:  # a valid file the reduction cannot take (fractional knapsack weights)
        raise UnsuitedInstance(f"{problem.source or path}: {e}") from None
    if q.variables is None and len(names := problem.qubo_variable_names(**reduction) or ()) == q.n:
        q.variables = names  # counted from 1 as the file counts (c5_p3, x12, s2_4), not x0..
    if to == "qbsolv":
        import numpy as np

        from ..problems.qubo_file import qbsolv_text

        if not (np.all(np.isfinite(q.h)) and np.all(np.isfinite(q.W.data))):
            raise ParameterError("the QUBO has non-finite coefficients (check --param penalty=...)")
        _write_atomic(out, qbsolv_text(q), force)
        err_console.print(f"QUBO: {q.n} binary variables, {q.num_interactions} interactions")
        return
    try:
        text = json.dumps(q.to_json_dict(), indent=1, allow_nan=False)
    except ValueError:  # never write Infinity/NaN: they are not JSON
        raise ParameterError("the QUBO has non-finite coefficients (check --param penalty=...)") from None
    _write_atomic(out, text, force)
    err_console.print(f"QUBO: {q.n} binary variables, {q.num_interactions} interactions")


#: the options only one generator reads (the others: --seed, --out, --force)
_GENERATOR_OPTIONS = {
    "rcpsp-rcb": ("tasks", "layers", "level", "resources", "downtime", "windows", "disjunctive", "theme",
                  "max_duration"),
    "dag": ("graph", "d", "edges_per_node", "n", "noise"),
}


def _options_of_the_generator(ctx, generator: str) -> None:
    """An option given for the other generator is an error, not silently ignored (``generate dag --tasks 50``)."""
    if generator not in _GENERATOR_OPTIONS:
        return
    for other, names in _GENERATOR_OPTIONS.items():
        if other == generator:
            continue
        for name in names:
            source = ctx.get_parameter_source(name)
            if source is not None and source.name in ("COMMANDLINE", "ENVIRONMENT"):
                flag = "--" + name.replace("_", "-")
                raise ParameterError(f"{flag} is an option of `generate {other}`, not of `generate {generator}`")


@app.command()
def generate(
    ctx: typer.Context,
    generator: Annotated[str, typer.Argument(help="generator: rcpsp-rcb (R-ConstraintBench RCPSP) | dag (linear SEM "
                                                  "data for DAG learning)")],
    tasks: Annotated[int, typer.Option("--tasks", help="number of tasks")] = 30,
    layers: Annotated[int, typer.Option("--layers", help="layers of the precedence DAG")] = 5,
    level: Annotated[str, typer.Option("--level", help="K non-redundant precedence edges; A..B for a ramp")] = "10",
    resources: Annotated[str, typer.Option("--resources", help="count ('3') or 'teams=4,forklifts=2'")] = "3",
    downtime: Annotated[float, typer.Option("--downtime", help="probability that a resource gets downtime")] = 0.0,
    windows: Annotated[float, typer.Option("--windows", help="probability that a task gets a time window")] = 0.0,
    disjunctive: Annotated[float, typer.Option("--disjunctive", help="probability that a task gets a disjunctive "
                                                                      "partner")] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="random seed")] = 0,
    theme: Annotated[str, typer.Option("--theme", help="names: generic | datacentre")] = "generic",
    max_duration: Annotated[int, typer.Option("--max-duration", help="task durations 1..this")] = 10,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="instance file (.rcpsp.json); a folder for a "
                                                                 "ramp; stdout when omitted")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite existing files")] = False,
    # -- dag (DAG learning data) --
    graph: Annotated[str, typer.Option("--graph", help="dag: ER | SF")] = "ER",
    d: Annotated[int, typer.Option("--d", help="dag: number of variables")] = 20,
    edges_per_node: Annotated[float, typer.Option("--edges-per-node", help="dag: expected edges per node")] = 2.0,
    n: Annotated[int, typer.Option("--n", help="dag: number of samples")] = 1000,
    noise: Annotated[str, typer.Option("--noise", help="dag: gauss | exp | gumbel | uniform")] = "gauss",
) -> None:
    """Generate instances: feasible RCPSP by construction (rcpsp-rcb) or DAG-learning data with its truth (dag)."""
    import re as _re

    _options_of_the_generator(ctx, generator)
    if generator == "dag":
        _generate_dag(graph=graph, d=d, edges_per_node=edges_per_node, n=n, noise=noise, seed=seed, out=out,
                      force=force)
        return
    if generator != "rcpsp-rcb":
        raise ParameterError(f"unknown generator {generator!r}; expected one of: rcpsp-rcb, dag")
    from ..generators.rcb import MAX_LEVEL, check_ramp, generate_rcb
    from ..problems.rcpsp import rcpsp_to_json

    m = _re.fullmatch(r"\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+)\s*)?", level)
    if not m:
        raise ParameterError(f"--level expects K or A..B (a ramp), got {level[:40]!r}")
    if any(g is not None and len(g.lstrip("0")) > 9 for g in m.groups()):  # no int() of 5000 digits (Python refuses)
        raise ParameterError(f"--level must lie in 0..{MAX_LEVEL}, got {level[:40]!r}")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) is not None else lo
    if hi < lo or hi - lo > 10_000:
        raise ParameterError(f"--level range {level!r} must run upwards and hold at most 10001 levels")
    ramp = m.group(2) is not None
    check_ramp(list(range(lo, hi + 1)), tasks, layers)  # a level too high, too many tasks in all: before any work
    kw = dict(tasks=tasks, layers=layers, resources=resources, downtime=downtime, windows=windows,
              disjunctive=disjunctive, seed=seed, theme=theme, max_duration=max_duration)
    if ramp:
        if out is None:
            raise ParameterError("a --level range writes one file per level: give --out FOLDER")
        if out.exists() and not out.is_dir():
            raise ParameterError(f"--out {out} is a file; a --level range needs a folder")
        if not out.exists() and not out.absolute().parent.is_dir():
            raise ParameterError(f"--out {out}: directory {out.parent} does not exist")
    elif out is not None:
        if out.is_dir():
            raise ParameterError(a_directory("--out", out) + " (or a --level range)")
        check_target(out, force)
    problems = [generate_rcb(level=k, ramp_top=hi, **kw) for k in range(lo, hi + 1)]
    if out is None:
        out_console.print_json(json.dumps(rcpsp_to_json(problems[0])))
        return
    targets = [out / f"{p.name}.rcpsp.json" for p in problems] if ramp else [out]
    for t in targets:
        if os.path.lexists(t):
            check_target(t, force, "output")
    if ramp:
        out.mkdir(exist_ok=True)
    for p, target in zip(problems, targets, strict=True):
        write_atomic(target, json.dumps(rcpsp_to_json(p), indent=1) + "\n", force, "output")
        err_console.print(f"wrote {target} ({p.describe()}; witness makespan {p.meta['witness_makespan']}, "
                          f"feasible by construction)", highlight=False)


def _generate_dag(*, graph: str, d: int, edges_per_node: float, n: int, noise: str, seed: int, out: Path | None,
                  force: bool) -> None:
    """``combopt generate dag``: data.csv, W_true.csv and edges.csv in the folder --out."""
    from ..generators.dag import simulate, write_dataset

    if out is None:
        raise ParameterError("generate dag writes three files: give --out FOLDER")
    if seed < 0:
        raise ParameterError(f"--seed must be a non-negative integer, got {seed}")
    X, W = simulate(d=d, edges_per_node=edges_per_node, n=n, graph=graph, noise=noise, seed=seed)
    for target in write_dataset(X, W, out, force=force):
        err_console.print(f"wrote {target}", highlight=False)
    err_console.print(f"{graph.upper()}{edges_per_node:g}, d = {d}, n = {n}, {noise} noise, "
                      f"{int((W != 0).sum())} true edges; solve with: combopt solve {out / 'data.csv'} --kind dag "
                      f"--truth {out / 'edges.csv'}", highlight=False)


@app.command()
def warmup(
    family: Annotated[str | None, typer.Option("--family", "-f", help="only this family: engines, graph, mdkp, "
                                                                    "tsp, rcpsp, dmmv, dag, coupling")] = None,
    solver: Annotated[str | None, typer.Option("--solver", "-s", help="only this solver")] = None,
) -> None:
    """Compile the Numba kernels into the per-user cache, so that the first real run starts warm."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..warmup import jobs, summary, warm

    todo = jobs(family, solver)
    if not todo:
        from ..core.registry import all_solvers

        names = [s.name for s in all_solvers()]
        if solver is not None and solver not in names:
            raise ParameterError(f"unknown solver {solver!r}; expected one of: {', '.join(names)}")
        given = " ".join(f"{k} {v}" for k, v in (("--family", family), ("--solver", solver)) if v is not None)
        raise ParameterError(f"nothing to compile for {given or 'all solvers'} (a solver without Numba kernels, or "
                             "one that handles none of the family's kinds)")
    t0 = time.perf_counter()
    with Progress(TextColumn("warmup"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, transient=True) as prog:
        task = prog.add_task("", total=len(todo))

        def step(job, dt):
            if dt is None:
                prog.update(task, description=job.label())
            else:
                prog.advance(task)

        done = warm(todo, step)
    for line in summary(done, time.perf_counter() - t0):
        err_console.print(line, highlight=False)


@app.command()
def version() -> None:
    """Print the combopt version."""
    from .. import __version__

    out_console.print(__version__)


#: a word of an error message longer than this (a pasted value of 10,000 characters) is shown by its start and length;
#: a file path (at most 4096 bytes on Linux, PATH_MAX) is always shown whole
LONG_WORD = 4096


def _one_line(msg: str) -> str:
    return " ".join(w if len(w) <= LONG_WORD else f"{w[:60]}...({len(w)} characters)" for w in str(msg).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``combopt`` console script."""
    t0 = time.perf_counter()
    from .._cache import numba_threads_error

    if (msg := numba_threads_error()) is not None:  # before Numba reads it
        err_console.print(f"combopt: error: {msg}", highlight=False, soft_wrap=True, markup=False)
        return EXIT_USER_ERROR
    try:  # numpy loads here: a Ctrl-C during it is an interrupt like any other
        from ..core.limits import set_max_memory
        from ..core.stopping import clear_interrupt, interrupt_pending
        from ..core.warm import set_notifier
    except KeyboardInterrupt:
        err_console.print("combopt: interrupted while starting", highlight=False)
        return EXIT_INTERRUPTED

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        previous = _catch_sigint()
        try:
            rc = _main(argv, t0)
            if rc == 0 and interrupt_pending():  # a Ctrl-C whose KeyboardInterrupt was lost on the way
                err_console.print(f"combopt: interrupted after {time.perf_counter() - t0:.1f} s", highlight=False)
                rc = EXIT_INTERRUPTED
        finally:
            set_notifier(None)  # the compile notice and --max-memory belong to this command only
            set_max_memory(None)
            clear_interrupt()
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
    if rc != 2:  # a user error is one line: warnings on the way to it (overflow, ...) are dropped
        for w in caught:  # combopt's own warnings as one line, without the source line that raised them
            if w.category is UserWarning and "combopt" in str(w.filename):
                err_console.print(f"combopt: warning: {w.message}", style="yellow", highlight=False, soft_wrap=True)
            else:
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return rc


def _catch_sigint():
    """Ctrl-C raises KeyboardInterrupt as usual and is also recorded (:func:`~combopt.core.stopping.request_interrupt`),
    so that one lost inside a ctypes callback still stops the run; returns the handler it replaced (None where
    signals cannot be set: not the main thread)."""
    from ..core.stopping import raise_interrupt

    try:
        previous = signal.getsignal(signal.SIGINT)
        if previous is not signal.default_int_handler:  # ignored (a bench worker) or the caller's own: kept
            return None
        signal.signal(signal.SIGINT, raise_interrupt)
        return previous
    except ValueError:
        return None


def _main(argv: list[str] | None, t0: float) -> int:
    try:
        rv = int(app(args=argv, standalone_mode=False, prog_name="combopt") or 0)
        if rv == EXIT_INTERRUPTED and not _INTERRUPT_REPORTED:  # typer turns Ctrl-C into a silent Exit(130)
            err_console.print(f"combopt: interrupted after {time.perf_counter() - t0:.1f} s", highlight=False)
        return rv
    except CombOptError as e:
        from ..core.stopping import interrupt_pending

        if interrupt_pending():  # the error of a Ctrl-C a library swallowed (PuLP's import of highspy: "not installed")
            err_console.print(f"combopt: interrupted after {time.perf_counter() - t0:.1f} s", highlight=False)
            return EXIT_INTERRUPTED
        err_console.print(f"combopt: error: {_one_line(str(e))}", highlight=False, soft_wrap=True, markup=False)
        return 2
    except OSError as e:  # a file the user named cannot be opened or written
        where = f"{e.filename}: " if e.filename is not None else ""
        err_console.print(f"combopt: error: {where}{_one_line(e.strerror or str(e))}", highlight=False, soft_wrap=True,
                          markup=False)
        return 2
    except KeyboardInterrupt:
        err_console.print(f"combopt: interrupted after {time.perf_counter() - t0:.1f} s", highlight=False)
        return 130
    except Exception as e:
        # typer/click signalling exceptions (their module moved between typer versions)
        name = type(e).__name__
        from .._cache import damaged_cache

        if (msg := damaged_cache(e)) is not None:  # before Abort: click turns a truncated pickle's EOFError into one
            err_console.print(f"combopt: error: {msg}", highlight=False, soft_wrap=True, markup=False)
            return 2
        if name == "Exit" and hasattr(e, "exit_code"):
            return int(e.exit_code)
        if name == "Abort":
            err_console.print("combopt: aborted", highlight=False)
            return 130
        if hasattr(e, "format_message") and hasattr(e, "exit_code"):
            msg = _one_line(e.format_message())
            if not msg and name == "NoArgsIsHelpError":  # a bare `combopt`: the help went to stdout, nothing failed
                msg = "no command given; the commands are listed above (combopt --help)"
            err_console.print(f"combopt: error: {msg}", highlight=False, soft_wrap=True, markup=False)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
