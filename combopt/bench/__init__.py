"""Benchmarks: suites of runs in isolated worker processes, results files, reports.

Holds: the folder form of ``combopt bench`` (:mod:`.folder`, one process), suite files
(:mod:`.suite`), reference values (:mod:`.refs`), the isolated worker (:mod:`.worker`, forked
from a server that imported :mod:`.preload`), the
local / Dask runner (:mod:`.runner`), results files (:mod:`.results`), live progress
(:mod:`.progress`) and reports with performance profiles (:mod:`.report`).

May import: ``combopt.core``, ``combopt.problems`` and ``combopt.solvers`` (through
:func:`combopt.solve`); optional: ``distributed`` (Dask executor), ``pyarrow`` (parquet),
matplotlib (plots). Imported by ``combopt.cli`` only.
"""

from .folder import VALUE_COLUMNS, BenchRow, expand, load_best_known, rows_table, run_bench, write_rows
from .refs import Reference, load_reference
from .results import FIELDS, ResultsWriter, read_results, recorded_keys
from .suite import RunSpec, Suite, is_suite_file, load_suite

__all__ = [
    "VALUE_COLUMNS", "BenchRow", "expand", "load_best_known", "rows_table", "run_bench", "write_rows",
    "Reference", "load_reference", "FIELDS", "ResultsWriter", "read_results", "recorded_keys",
    "RunSpec", "Suite", "is_suite_file", "load_suite", "run_suite", "summarize",
]


def __getattr__(name):  # heavier modules on first use
    if name == "run_suite":
        from .runner import run_suite

        return run_suite
    if name == "summarize":
        from .report import summarize

        return summarize
    raise AttributeError(name)
