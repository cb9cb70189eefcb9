"""The ``combopt`` command line (typer + rich).

Every error a user can cause ends as one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ..core.errors import CombOptError, InputError, ParameterError
from ..core.safeio import check_target, read_bounded, write_atomic

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="combopt: hard combinatorial optimisation from the command line.",
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


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
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
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


def _check_out(out: Path | None, force: bool) -> None:
    """Refuse to overwrite a user's file without --force (or anything but a regular file with it);
    fail before the work, not after."""
    if out is None:
        return
    check_target(out, force)


def _announce_compiling() -> None:
    """Say once on stderr when a run starts compiling Numba kernels (first run on a machine)."""
    from ..core.warm import set_notifier

    set_notifier(lambda msg: err_console.print(msg, style="yellow", highlight=False, soft_wrap=True))


def _write_atomic(out: Path, text: str, force: bool = False) -> None:
    """Write through a fresh temporary file in the same folder and move it into place (never
    follows a link at a temporary name; replaces only regular files, and only with --force)."""
    write_atomic(out, text, force)
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
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write the result as JSON")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
) -> None:
    """Solve an instance and print a summary."""
    from ..api import solve as _solve
    from ..core.io import read

    _check_out(out, force)
    if time_limit is not None and not (time_limit > 0 and math.isfinite(time_limit)):
        raise ParameterError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    params = parse_params(param)
    problem = read(path, kind)
    _announce_compiling()
    label = f"{solver or 'default'} on {problem.name}"
    with _Progress(err_console, label, enabled=not quiet) as prog:
        res = _solve(problem, solver, time_limit=time_limit, seed=seed, device=device, target=target,
                     max_iterations=max_iterations, callback=prog.callback, **params)
    out_console.print(res)
    if res.info.get("interrupted"):
        err_console.print("[yellow]interrupted: best solution so far[/yellow]")
    if out is not None:
        _write_atomic(out, res.to_json(), force)


@app.command()
def check(
    path: Annotated[str, typer.Argument(help="instance file")],
    solution: Annotated[Path, typer.Argument(help="solution JSON (as written by `combopt solve --out`)")],
    kind: Annotated[str | None,
                    typer.Option("--kind", "-k", help="problem kind (default: from the JSON or file)")] = None,
) -> None:
    """Re-evaluate a solution independently: exit 0 when feasible, 1 when not."""
    from ..core.io import read

    raw = read_bounded(solution, what="solution JSON")  # bounded: /dev/zero ends with an error
    try:
        data = json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(solution, f"not valid JSON ({e.msg})", e.lineno) from None
    except UnicodeDecodeError:
        raise InputError(solution, "not a text file; expected a solution JSON") from None
    except (ValueError, RecursionError) as e:  # e.g. integers over 4300 digits, absurd nesting
        raise InputError(solution, f"not usable JSON ({type(e).__name__}); expected a solution JSON") from None
    except OSError as e:
        raise InputError(solution, f"cannot read: {e.strerror or e}") from None
    if kind is None and isinstance(data, dict) and isinstance(data.get("problem"), str):
        kind = data["problem"]
    problem = read(path, kind)
    try:
        sol = problem.solution_from_json(data, str(solution))
    except (TypeError, ValueError, OverflowError) as e:  # a ragged list, 10**30 for an int64, ...
        msg = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
        raise InputError(solution, f"malformed solution ({msg}); expected the 'solution' of `combopt solve --out`"
                         ) from None
    ev = problem.evaluate(sol)
    if ev.feasible:
        out_console.print(f"feasible: objective {ev.objective:g} ({problem.sense})")
        raise typer.Exit(0)
    out_console.print(f"infeasible: {len(ev.violations)} violation(s)")
    for v in ev.violations:
        out_console.print(f"  - {v}")
    raise typer.Exit(1)


@app.command()
def solvers(kind: Annotated[str | None, typer.Argument(help="only solvers for this problem kind")] = None) -> None:
    """List the solvers and what they handle."""
    from ..core.registry import _KINDS, all_solvers, known_kinds

    infos = all_solvers()
    if kind is not None:
        if kind not in known_kinds():
            raise ParameterError(f"unknown problem kind {kind!r}; expected one of: {', '.join(known_kinds())}")
        infos = [s for s in infos if s.handles(kind)]
    table = Table(title="combopt solvers" + (f" for {kind}" if kind else ""))
    for col in ("solver", "problems", "type", "devices", "default for", "description"):
        table.add_column(col)
    for s in infos:
        kinds = sorted(k for k in _KINDS if s.handles(k))
        table.add_row(s.name, ", ".join(kinds), "exact" if s.exact else "heuristic", ", ".join(s.devices),
                      ", ".join(s.defaults), s.description)
    out_console.print(table)


@app.command()
def bench(
    paths: Annotated[list[str], typer.Argument(help="instance files, folders or globs")],
    solver: Annotated[list[str] | None, typer.Option("--solver", "-s", help="solver (repeat to compare)")] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="problem kind (default: from the files)")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="seconds per instance and solver")] = 10.0,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    device: Annotated[str, typer.Option("--device", help="cpu | gpu | auto")] = "auto",
    best_known: Annotated[Path | None,
                          typer.Option("--best-known", help="CSV: instance,<best_known|optimum|...>")] = None,
    no_stop_at_best: Annotated[bool, typer.Option("--no-stop-at-best", help="use the whole time limit")] = False,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="solver parameter key=value")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="write rows as .csv or .json")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
) -> None:
    """Solve many instances, print a table against best known values."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..bench import expand, load_best_known, rows_table, run_bench, write_rows

    _check_out(out, force)
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise ParameterError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    files = expand(paths)
    if not files:
        raise ParameterError(f"no instance files match {' '.join(paths)}")
    ref = load_best_known(best_known) if best_known else {}
    solvers_ = list(solver) if solver else [None]
    _announce_compiling()
    with Progress(TextColumn("bench"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as prog:
        task = prog.add_task("bench", total=len(files) * len(solvers_))
        rows = run_bench(files, solvers_, kind=kind, time_limit=time_limit, seed=seed, best_known=ref,
                         stop_at_best=not no_stop_at_best, device=device, params=parse_params(param),
                         progress=lambda: prog.advance(task))
    out_console.print(rows_table(rows))
    if out is not None:
        write_rows(rows, out, force)
        err_console.print(f"wrote {out}")


@app.command()
def export(
    path: Annotated[str, typer.Argument(help="instance file (path#K for the K-th instance of a file)")],
    to: Annotated[str, typer.Option("--to", help="lp (the MILP, through PuLP) or qubo (JSON)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="file to write")],
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="problem kind (default: from the file)")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="reduction parameter key=value "
                                                    "(e.g. penalty=3)")] = None,
    force: Annotated[bool, typer.Option("--force", help="overwrite --out if it exists")] = False,
) -> None:
    """Write an instance's MILP (.lp) or QUBO (JSON: linear, quadratic, offset, variables)."""
    from ..core.io import read

    if to not in ("lp", "qubo"):
        raise ParameterError(f"--to must be lp or qubo, got {to!r}")
    _check_out(out, force)
    problem = read(path, kind)
    params = parse_params(param)
    if to == "lp":
        if params:
            raise ParameterError("--to lp takes no --param")
        try:
            prob, _ = problem.to_pulp()
        except NotImplementedError:
            raise ParameterError(f"{problem.kind} problems have no MILP model to export") from None
        write_atomic(out, lambda tmp: prob.writeLP(str(tmp)), force)
        err_console.print(f"wrote {out}: {len(prob.variables())} variables, {prob.numConstraints()} constraints")
        return
    if "penalty" in params:
        from ..solvers.common import finite_float

        params["penalty"] = finite_float(params, "penalty", None, 0.0, 1e15, open_lo=True)
    try:
        q = problem.to_qubo(**params)
    except NotImplementedError:
        raise ParameterError(f"{problem.kind} problems have no QUBO reduction to export") from None
    except TypeError as e:
        raise ParameterError(f"bad --param for the {problem.kind} QUBO reduction: {e}") from None
    try:
        text = json.dumps(q.to_json_dict(), indent=1, allow_nan=False)
    except ValueError:  # never write Infinity/NaN: they are not JSON
        raise ParameterError("the QUBO has non-finite coefficients (check --param penalty=...)") from None
    _write_atomic(out, text, force)
    err_console.print(f"QUBO: {q.n} binary variables, {q.num_interactions} interactions")


@app.command()
def generate(
    generator: Annotated[str, typer.Argument(help="generator: rcpsp-rcb (R-ConstraintBench RCPSP)")],
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
) -> None:
    """Generate instances that are feasible by construction (witness schedule kept in the file)."""
    import re as _re

    if generator != "rcpsp-rcb":
        raise ParameterError(f"unknown generator {generator!r}; expected one of: rcpsp-rcb")
    from ..generators.rcb import generate_rcb
    from ..problems.rcpsp import rcpsp_to_json

    m = _re.fullmatch(r"\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+)\s*)?", level)
    if not m:
        raise ParameterError(f"--level expects K or A..B (a ramp), got {level!r}")
    lo = int(m.group(1))
    hi = int(m.group(2)) if m.group(2) is not None else lo
    if hi < lo or hi - lo > 10_000:
        raise ParameterError(f"--level range {level!r} must run upwards and hold at most 10001 levels")
    ramp = m.group(2) is not None
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
            raise ParameterError(f"--out {out} is a directory; expected a file name (or a --level range)")
        check_target(out, force)
    problems = [generate_rcb(level=k, **kw) for k in range(lo, hi + 1)]
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


@app.command()
def warmup(
    family: Annotated[str | None, typer.Option("--family", "-f", help="only this family: engines, graph, mdkp, "
                                                                    "tsp, rcpsp, dmmv")] = None,
    solver: Annotated[str | None, typer.Option("--solver", "-s", help="only this solver")] = None,
) -> None:
    """Compile the Numba kernels into the per-user cache, so that the first real run starts warm."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .._cache import numba_cache_dir
    from ..warmup import jobs, warm

    todo = jobs(family, solver)
    if not todo:
        raise ParameterError(f"nothing to compile for --family {family} --solver {solver}")
    t0 = time.perf_counter()
    with Progress(TextColumn("warmup"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=err_console, transient=True) as prog:
        task = prog.add_task("", total=len(todo))

        def step(job, dt):
            if dt is None:
                prog.update(task, description=job.label())
            else:
                prog.advance(task)

        warm(todo, step)
    err_console.print(f"compiled the kernels of {len({j.solver for j in todo})} solver(s) in "
                      f"{time.perf_counter() - t0:.1f} s into {numba_cache_dir()}", highlight=False)


@app.command()
def version() -> None:
    """Print the combopt version."""
    from .. import __version__

    out_console.print(__version__)


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``combopt`` console script."""
    t0 = time.perf_counter()
    from ..core.limits import set_max_memory
    from ..core.warm import set_notifier

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        try:
            rc = _main(argv, t0)
        finally:
            set_notifier(None)  # the compile notice and --max-memory belong to this command only
            set_max_memory(None)
    if rc != 2:  # a user error is one line: warnings on the way to it (overflow, ...) are dropped
        for w in caught:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return rc


def _main(argv: list[str] | None, t0: float) -> int:
    try:
        rv = app(args=argv, standalone_mode=False, prog_name="combopt")
        return int(rv or 0)
    except CombOptError as e:
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
        if name == "Exit" and hasattr(e, "exit_code"):
            return int(e.exit_code)
        if name == "Abort":
            err_console.print("combopt: aborted", highlight=False)
            return 130
        if hasattr(e, "format_message") and hasattr(e, "exit_code"):
            err_console.print(f"combopt: error: {_one_line(e.format_message())}", highlight=False, soft_wrap=True,
                              markup=False)
            return 2
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
