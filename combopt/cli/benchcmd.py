"""``combopt bench``: a benchmark suite (SUITE.toml) or the folder form, and the summary both print (``report`` too).

Split from :mod:`combopt.cli.app` (imported by its commands when they run).
"""

from __future__ import annotations

import math
from pathlib import Path

from rich.console import Console

from ..core.errors import ParameterError
from ..core.safeio import a_directory, check_not_input
from .app import _announce_compiling, _check_out, err_console, out_console, solver_params


def bench_folder(paths, *, solver, kind, time_limit, seed, device, best_known, no_stop_at_best, param, out, force
                  ) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ..bench import expand, load_best_known, rows_table, run_bench, write_rows

    if out is not None and out.suffix.lower() not in (".csv", ".json"):
        raise ParameterError(f"--out {out}: the folder form writes .csv or .json (a suite file writes .jsonl, .csv "
                             "or .parquet results for `combopt report`)")
    _check_out(out, force)
    if not (time_limit > 0 and math.isfinite(time_limit)):
        raise ParameterError(f"--time-limit must be a positive number of seconds, got {time_limit}")
    params = solver_params(param, ("--kind", "--solver", "--time-limit", "--seed", "--device"))
    _check_run_options(solver, kind, seed, device)
    files = expand(paths)
    if not files:
        raise ParameterError(f"no instance files match {' '.join(paths)}")
    _check_out(out, force, [*files, best_known])
    ref = load_best_known(best_known) if best_known else {}
    solvers_ = list(solver) if solver else [None]
    _announce_compiling()
    with Progress(TextColumn("bench"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True) as prog:
        task = prog.add_task("bench", total=len(files) * len(solvers_))
        skipped: list[tuple[str, str, str]] = []
        rows = run_bench(files, solvers_, kind=kind, time_limit=time_limit, seed=seed, best_known=ref,
                         stop_at_best=not no_stop_at_best, device=device, params=params,
                         progress=lambda: prog.advance(task), skipped=skipped)
    if skipped and not rows:  # nothing ran at all: the mistake `combopt solve` refuses with exit 2
        kinds = sorted({k for _, _, k in skipped})
        raise ParameterError(f"no solver given with -s handles the kind of these files ({', '.join(kinds)}); "
                             f"`combopt solvers {kinds[0]}` lists those that do")
    out_console.print(rows_table(rows))
    by_kind: dict[str, set[str]] = {}
    for name, s, k in skipped:
        by_kind.setdefault(f"{s} (does not handle {k})", set()).add(name)
    for what, names in sorted(by_kind.items()):
        err_console.print(f"not run: {what} on {', '.join(sorted(names))}", highlight=False)
    if out is not None:
        write_rows(rows, out, force)
        err_console.print(f"wrote {out}")


def _check_run_options(solver, kind, seed, device) -> None:
    """What is wrong for every instance (an unknown solver or kind, a negative seed, a device that does not exist) is
    the command's mistake, refused before any run like `combopt solve` does, not an error row per run and exit 0."""
    from ..core.device import DEVICES
    from ..core.registry import all_solvers, known_kinds

    names = sorted(s.name for s in all_solvers())
    for s in solver or []:
        if s not in names:
            raise ParameterError(f"--solver: unknown solver {s!r}; expected one of: {', '.join(names)}")
    if kind is not None and kind not in known_kinds():
        raise ParameterError(f"--kind: unknown problem kind {kind!r}; expected one of: {', '.join(known_kinds())}")
    if seed < 0:
        raise ParameterError(f"--seed must be a non-negative integer, got {seed}")
    if device not in DEVICES:
        raise ParameterError(f"--device must be one of {', '.join(DEVICES)}, got {device!r}")


def wide_console(width: int) -> Console:
    """stdout; at least ``width`` columns wide when it is not a terminal (tables in logs stay on one line)."""
    if out_console.is_terminal:
        return out_console
    return Console(width=max(width, out_console.width), soft_wrap=False, markup=False, emoji=False)


def bench_suite(path: Path, *, out: Path | None, force: bool, jobs: int, resume: bool, executor: str,
                 address: str | None, data: Path | None, warmup: bool) -> None:
    from ..bench.progress import SuiteProgress
    from ..bench.report import TABLE_WIDTH, summarize, summary_table
    from ..bench.results import ResultsWriter, journal_of, read_results, recorded_keys, results_format
    from ..bench.runner import EXECUTORS, pending, run_suite
    from ..bench.suite import load_suite

    if executor not in EXECUTORS:
        raise ParameterError(f"--executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if address and executor != "dask":
        raise ParameterError("--address is the Dask scheduler: use it with --executor dask")
    if jobs < 1:
        raise ParameterError(f"--jobs must be a positive integer, got {jobs}")
    if resume and force:
        raise ParameterError("--resume continues --out, --force overwrites it: give one of them")
    suite = load_suite(path, data)
    suite.warmup = suite.warmup or warmup
    if out is None:
        out = Path(f"{path.name.removesuffix('.toml')}.results.jsonl")
    results_format(out)
    if out.is_dir():
        raise ParameterError(a_directory("--out", out))
    if not out.absolute().parent.is_dir():
        raise ParameterError(f"--out {out}: directory {out.parent} does not exist")
    exists = out.exists() or journal_of(out).exists()
    if exists and not (resume or force):
        raise ParameterError(f"{out} already exists; pass --resume to continue it or --force to start over")
    from ..core.io import split_index

    # rows are appended to the file itself: never through a link, never to a pipe or device, never to an input
    inputs = [path, *{str(split_index(r.file)[0]) for r in suite.runs},
              *{st.reference_file for st in suite.sets.values() if st.reference_file}]
    for target in {out, journal_of(out)}:
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise ParameterError(f"--out {target} is a symbolic link or not a regular file; refusing to write "
                                 "results to it (choose another name)")
        check_not_input(target, inputs)
    skip = recorded_keys(out) if (resume and exists) else {}
    rerun = {r.key for r in pending(suite, skip)}
    # the reused rows ran on the files as they are now: read without the digest that rows of older contents (the runs
    # to redo) put in the path, which lost their reference ("at optimum -") and made them another instance
    previous = [r for r in read_results([out], apart=False) if r["key"] in {s.key for s in suite.runs} - rerun] \
        if skip else []
    previous = _rescored(previous, suite)
    progress = SuiteProgress(out_console)
    with ResultsWriter(out, append=resume and exists) as writer:
        rows = run_suite(suite, jobs=jobs, writer=writer, skip=skip, executor=executor, address=address,
                         progress=progress)
    err_console.print(f"wrote {len(rows)} row(s) to {out}" + (f" ({len(previous)} recorded before)" if previous
                                                             else ""), highlight=False)
    wide_console(TABLE_WIDTH).print(summary_table(summarize(previous + rows), title=f"combopt bench {suite.name}"))
    print_contradictions(previous + rows)


def print_contradictions(rows, most: int = 20) -> None:
    """Claims of runs that contradict their reference values, one line each on stderr (at most ``most``); then
    the warnings about the rows (sets merged across suites, runs that answered while their kernels compiled)."""
    from ..bench.report import cold_runs, contradiction_lines, mixed_sets

    for w in mixed_sets(rows) + cold_runs(rows):
        err_console.print(f"warning: {w}", style="yellow", highlight=False, soft_wrap=True)
    lines = contradiction_lines(rows)
    for line in lines[:most]:
        err_console.print(f"contradiction: {line}", style="red", highlight=False, soft_wrap=True)
    if len(lines) > most:
        err_console.print(f"... {len(lines) - most} more contradiction(s) (all in the --html report)", style="red",
                          highlight=False)


def _rescored(previous, suite):
    """Recorded rows a --resume reuses, scored against this suite's references (a row of another suite with the same
    run, or one scored before the reference file changed, kept its old reference values); said on stderr."""
    from ..bench.runner import score

    ref = ("optimum", "best_known", "reference_bound")
    out = [score(r, suite) for r in previous]
    moved = sum(any(a.get(k) != b.get(k) for k in ref) for a, b in zip(previous, out, strict=True))
    others = sorted({str(r.get("suite")) for r in previous if r.get("suite") != suite.name})
    if others:
        err_console.print(f"warning: {sum(r.get('suite') != suite.name for r in previous)} recorded row(s) are runs "
                          f"of suite(s) {', '.join(others)} (the same runs): reused, and scored against "
                          f"{suite.name}'s references", style="yellow", highlight=False, soft_wrap=True)
    if moved:
        err_console.print(f"warning: {moved} recorded row(s) were scored against other reference values than the "
                          "suite's now: the summary below rescores them; `combopt report` shows them as recorded",
                          style="yellow", highlight=False, soft_wrap=True)
    return out
