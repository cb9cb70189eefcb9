"""Progress of a suite run: a live rich display on a terminal, one plain line per run otherwise."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .runner import Progress as _Base
from .runner import eta
from .suite import RunSpec, Suite
from .worker import FAILED


def _fmt(v: float | None, spec: str = "{:g}") -> str:
    return "-" if v is None else spec.format(v)


def row_line(row: dict[str, Any]) -> str:
    """One line describing a finished run."""
    head = f"{row['set']}/{row['instance']} {row['label']} seed={row['seed']}"
    if row["status"] in FAILED:
        return f"{row['status'].upper():7s} {head}: {row.get('error') or ''}"
    ref = row.get("best_known")
    gap = "" if row.get("gap_pct") is None else f" gap {row['gap_pct']:.2f}%"
    odd = row.get("contradictions") or []
    return (f"{row['status']:7s} {head}: objective {_fmt(row.get('objective'))}"
            f"{'' if ref is None else f' (best known {ref:g})'}{gap} in {_fmt(row.get('runtime_s'), '{:.2f}')} s"
            + (f"; CONTRADICTS THE REFERENCE: {'; '.join(odd)}" if odd else ""))


class SuiteProgress(_Base):
    """Live display (done / running / failed, elapsed, remaining) or plain lines when not a terminal."""

    def __init__(self, console: Console, *, live: bool | None = None):
        self.console = console
        self.live = console.is_terminal if live is None else live
        self.total = self.done = self.failed = self.running = 0
        self.t0 = time.perf_counter()
        self._prog: Progress | None = None
        self._task = None

    def _counts(self) -> str:
        left = eta(self.done, self.total, time.perf_counter() - self.t0)
        return (f"done {self.done}/{self.total}  running {self.running}  failed {self.failed}  "
                f"remaining {'-' if left is None else f'{left:.0f} s'}")

    def start(self, suite: Suite, total: int, skipped: int) -> None:
        self.total = total
        self.t0 = time.perf_counter()
        msg = f"suite {suite.name}: {total} run(s) to do"
        if skipped:
            msg += f", {skipped} already recorded (skipped)"
        for label, why in suite.skipped:
            self.console.print(f"skipping solver entry {label}: {why}", highlight=False)
        self.console.print(msg, highlight=False)
        if self.live and total:
            # the suite's name is text, not markup: "mk [/x]" raised a MarkupError at the first refresh
            self._prog = Progress(TextColumn(f"[bold cyan]bench {escape(suite.name)}"), BarColumn(),
                                  MofNCompleteColumn(), TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                                  console=self.console, transient=True, refresh_per_second=4)
            self._prog.start()
            self._task = self._prog.add_task("bench", total=total, counts=self._counts())

    def warmed(self, runs: int, seconds: float, failed: list[dict[str, Any]]) -> None:
        self.console.print(f"warm-up: the kernels of the suite's solvers compiled, then {runs} run(s) of one iteration "
                           f"(one per solver, not recorded), in {seconds:.1f} s", highlight=False)
        for row in failed:
            self.console.print(f"  warm-up {row_line(row)}", highlight=False, markup=False)

    def started(self, spec: RunSpec) -> None:
        self.running += 1
        self._refresh()

    def finished(self, row: dict[str, Any], running: int) -> None:
        self.done += 1
        self.running = running
        if row["status"] in FAILED:
            self.failed += 1
        if self._prog is not None:
            self._prog.advance(self._task)
            if row["status"] in FAILED:
                self._prog.console.print(row_line(row), highlight=False, markup=False)
            self._refresh()
        else:
            self.console.print(f"[{self.done}/{self.total}] {row_line(row)}", highlight=False, markup=False,
                               soft_wrap=True)

    def _refresh(self) -> None:
        if self._prog is not None and self._task is not None:
            self._prog.update(self._task, counts=self._counts())

    def close(self) -> None:
        if self._prog is not None:
            self._prog.stop()
            self._prog = None
        el = time.perf_counter() - self.t0
        self.console.print(f"{self.done} run(s) in {el:.1f} s, {self.failed} failed", highlight=False)
