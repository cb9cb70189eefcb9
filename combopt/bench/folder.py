"""Run solvers over many instances and compare with best known values.

The folder form of ``combopt bench`` (``combopt bench DIR --solver ...``): one process,
no isolation. Suites (``combopt bench SUITE.toml``) live in :mod:`combopt.bench.suite`.
"""

from __future__ import annotations

import csv
import glob
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..api import solve
from ..core.errors import CombOptError, InputError
from ..core.io import read
from .refs import _number, percent_off

VALUE_COLUMNS = ("best_known", "optimum", "optimal_length", "clique_number", "upper_bound", "value", "best")


@dataclass
class BenchRow:
    instance: str
    solver: str
    objective: float | None
    best_known: float | None
    gap_pct: float | None
    status: str
    feasible: bool
    runtime_s: float
    time_to_best_s: float | None
    error: str | None = None


def text_line(e: UnicodeDecodeError) -> int:
    """1-based line of the first byte that is not UTF-8."""
    return e.object[: e.start].count(b"\n") + 1


def load_best_known(path: str | Path) -> dict[str, float]:
    """``instance,<value>`` CSV; a row's value is its first non-empty cell among the :data:`VALUE_COLUMNS` present,
    in that order (PSPLIB's j120 bounds: ``optimum`` where it is known, else the best ``upper_bound``)."""
    from ..core.safeio import read_bounded

    p = Path(path)
    try:
        text = read_bounded(p, what="best-known CSV").decode("utf-8")
    except UnicodeDecodeError as e:
        line = text_line(e)
        raise InputError(p, "not UTF-8 text; expected a CSV file with an 'instance' column", line) from None
    try:
        with io.StringIO(text, newline="") as f:
            reader = csv.DictReader(f)
            cols = reader.fieldnames or []
            if "instance" not in cols:
                raise InputError(p, "expected a CSV header with an 'instance' column", 1)
            present = [c for c in VALUE_COLUMNS if c in cols]
            if not present:
                raise InputError(p, f"expected one of the columns {', '.join(VALUE_COLUMNS)}", 1)
            out: dict[str, float] = {}
            seen: dict[str, int] = {}
            for lineno, row in enumerate(reader, 2):
                value = None
                for col in present:
                    value = _number(p, col, row.get(col), lineno)  # the suite references' number rule
                    if value is not None:
                        break
                if value is None:
                    continue
                name = row["instance"]
                if name in out and out[name] != value:  # as suite references: the last row silently won
                    raise InputError(p, f"instance {name!r} is listed again with another value (line {seen[name]}: "
                                        f"{out[name]:g}; here: {value:g}); keep one row", lineno)
                out[name] = value
                seen.setdefault(name, lineno)
            return out
    except FileNotFoundError:
        raise InputError(p, "no such file") from None


def expand(paths: list[str]) -> list[str]:
    files: list[str] = []
    for p in paths:
        if Path(p).is_dir():
            files += sorted(str(q) for q in Path(p).iterdir()  # as a suite's folder: no tables, notes, hidden files
                            if q.is_file() and q.suffix.lower() not in (".csv", ".md") and not q.name.startswith("."))
        elif any(ch in p for ch in "*?["):
            files += sorted(glob.glob(p))
        else:
            base = p if Path(p).exists() or "#" not in p else p.rsplit("#", 1)[0]  # file.txt#3: an instance in it
            if not Path(base).exists():
                raise InputError(base, "no such file or folder")
            files.append(p)
    return files


def _gap(obj, ref, sense) -> float | None:
    if obj is None or ref is None:
        return None
    return percent_off(obj, ref, sense)


def run_bench(
    paths: list[str],
    solvers: list[str | None],
    *,
    kind: str | None = None,
    time_limit: float | None = None,
    seed: int = 0,
    best_known: dict[str, float] | None = None,
    stop_at_best: bool = True,
    device: str = "auto",
    params: dict[str, Any] | None = None,
    progress=None,
    skipped: list[tuple[str, str, str]] | None = None,
) -> list[BenchRow]:
    """Solve every instance with every solver; one :class:`BenchRow` each. A named solver that does not handle an
    instance's kind (a folder of mixed files) is not run on it: ``(instance, solver, kind)`` goes to ``skipped``."""
    from ..core.registry import all_solvers

    handles = {info.name: info.handles for info in all_solvers()}
    rows: list[BenchRow] = []
    files = expand(paths)
    best_known = best_known or {}
    for path in files:
        try:
            problem = read(path, kind)
        except CombOptError as e:
            rows.append(BenchRow(Path(path).name, "-", None, None, None, "error", False, 0.0, None, str(e)))
            if progress:
                progress()
            continue
        ref = best_known.get(problem.name)
        for s in solvers:
            if s is not None and s in handles and not handles[s](problem.kind):
                if skipped is not None:
                    skipped.append((problem.name, s, problem.kind))
                if progress:
                    progress()
                continue
            try:
                res = solve(problem, s, time_limit=time_limit, seed=seed, device=device,
                            target=ref if (stop_at_best and ref is not None) else None, **(params or {}))
            except CombOptError as e:
                rows.append(BenchRow(problem.name, s or "default", None, ref, None, "error", False, 0.0, None, str(e)))
            else:
                ttb = next((t for t, v in res.trace if v == res.objective), None)
                rows.append(BenchRow(problem.name, res.solver, res.objective, ref, _gap(res.objective, ref, res.sense),
                                     res.status.value, res.feasible, res.runtime, ttb))
            if progress:
                progress()
    return rows


def rows_table(rows: list[BenchRow], title: str = "combopt bench"):
    from rich.table import Table

    t = Table(title=title)
    for c in ("instance", "solver", "objective", "best known", "gap %", "status", "time s", "time to best s"):
        t.add_column(c, justify="right" if c not in ("instance", "solver", "status") else "left")

    def f(v, fmt="{:g}"):
        return "-" if v is None else fmt.format(v + 0.0)  # + 0.0: -0.0 prints as 0

    for r in rows:
        t.add_row(r.instance, r.solver, f(r.objective), f(r.best_known), f(r.gap_pct, "{:.2f}"),
                  r.status if r.error is None else f"error: {r.error}", f"{r.runtime_s:.2f}",
                  f(r.time_to_best_s, "{:.2f}"))
    return t


def write_rows(rows: list[BenchRow], path: Path, force: bool = False) -> None:
    """Rows as JSON or CSV (by the suffix), written atomically (see :func:`combopt.core.safeio.write_atomic`)."""
    from ..core.safeio import write_atomic

    data = [asdict(r) for r in rows]
    if path.suffix.lower() == ".json":
        write_atomic(path, json.dumps(data, indent=1), force)
        return
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(data[0]) if data else list(BenchRow.__dataclass_fields__))
    w.writeheader()
    w.writerows(data)
    write_atomic(path, buf.getvalue(), force)
