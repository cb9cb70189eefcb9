"""Results files of benchmark suites: one row per run, appended as runs finish.

Formats, by the extension of ``--out``:

``.jsonl``
    One JSON object per line. Each finished run is appended, flushed and fsynced at once.
``.csv``
    A header, then one line per run, appended the same way; ``params`` and ``trace`` are
    JSON strings.
``.parquet``
    Parquet files cannot be appended to, so the rows go to a journal ``NAME.parquet.jsonl``
    beside it (appended and fsynced like ``.jsonl``); the parquet file is written from the
    journal when the suite ends or is interrupted. ``--resume`` and ``combopt report`` read
    the journal when it exists.

Readers are tolerant: a partial last line (the command killed while writing) is skipped,
and a run recorded twice counts once (the last row wins).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import math
import os
import warnings
from pathlib import Path
from typing import Any

from ..core.errors import CombOptError, InputError, MissingDependencyError, ParameterError

#: every column of a row, in file order (see README.md, "Results files")
FIELDS = (
    "key", "index", "suite", "set", "kind", "instance", "path", "solver", "label", "params", "seed", "time_limit",
    "max_iterations", "device", "status", "sense", "objective", "bound", "feasible", "optimum", "best_known",
    "reference_bound", "gap_pct", "at_optimum", "at_best", "iterations", "runtime_s", "time_to_best_s",
    "time_to_target_s", "wall_s", "trace", "error", "contradictions", "tolerance", "instance_sha", "cold_start",
)
_FLOAT = {"time_limit", "objective", "bound", "optimum", "best_known", "reference_bound", "gap_pct", "runtime_s",
          "time_to_best_s", "time_to_target_s", "wall_s", "tolerance"}
_INT = {"index", "seed", "max_iterations", "iterations"}
_BOOL = {"feasible", "at_optimum", "at_best", "cold_start"}
_JSON = {"params", "trace", "contradictions"}
FORMATS = (".jsonl", ".csv", ".parquet")
MAX_RESULTS_BYTES = 4 * 1024**3


def results_format(path: Path) -> str:
    suf = path.suffix.lower()
    if suf not in FORMATS:
        raise ParameterError(f"--out {path}: expected a .jsonl, .csv or .parquet file name")
    return suf


def journal_of(path: Path) -> Path:
    """The file rows are appended to: ``path`` itself, or ``NAME.parquet.jsonl`` for parquet."""
    return path.with_name(path.name + ".jsonl") if path.suffix.lower() == ".parquet" else path


def normalise(row: dict[str, Any]) -> dict[str, Any]:
    """A row with every field of :data:`FIELDS`, in order, with JSON-safe values."""
    out = {}
    for k in FIELDS:
        v = row.get(k)
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        out[k] = v
    if out["params"] is None:
        out["params"] = {}
    if out["trace"] is None:
        out["trace"] = []
    return out


class ResultsWriter:
    """Append rows to a results file; each :meth:`write` is flushed and fsynced before it returns."""

    def __init__(self, path: str | Path, *, append: bool):
        self.path = Path(path)
        self.fmt = results_format(self.path)
        self.journal = journal_of(self.path)
        exists = self.journal.exists() and self.journal.stat().st_size > 0
        if append and self.fmt == ".parquet" and self.path.exists():
            extra = _foreign_columns(self.path)
            if extra:
                raise InputError(self.path, f"has column(s) {', '.join(extra[:5])} that `combopt bench` did not write; "
                                            "--resume rebuilds the parquet file from its rows and would drop them: "
                                            "resume into a copy without them, or write to another file")
        # opened without truncating, locked, then emptied where not appending: a second `combopt bench` on the same
        # --out (with --force or --resume) is refused before it touches the file (two at once interleaved lines)
        self._created = not self.journal.exists()
        self._f = open(self.journal, "a", newline="", encoding="utf-8")
        try:
            _lock(self._f, self.path)
        except BaseException:
            self._f.close()
            raise
        # --force: the old rows go when the first new row is written, so a start that fails (a Dask scheduler out
        # of reach, an interrupt before any run ended) leaves the file as it was
        self._replace = not append and (exists or (self.fmt == ".parquet" and self.path.exists()))
        if not append:
            exists = False
        elif self.fmt == ".parquet" and not exists and self.path.exists():
            # a parquet file whose journal is gone: its rows start the journal (else closing the writer rebuilt
            # the parquet from the new rows alone)
            for row in _read_parquet(self.path):
                self._f.write(json.dumps(normalise(row), separators=(",", ":")) + "\n")
            self._sync()
            exists = self.journal.stat().st_size > 0
        if append and exists and self.fmt != ".csv":
            bad = _foreign_line(self.journal)
            if bad is not None:
                self._f.close()
                raise InputError(self.journal, "not a results file of `combopt bench` (a line that is no row of it); "
                                               "--resume appends only to one", bad)
        self._csv = None
        self._warned_cold = False
        if self.fmt == ".csv":
            # appending to a file written by an older version: keep its columns, so rows stay aligned
            cols = _csv_header(self.journal) if append and exists else None
            if append and exists and cols is None:
                self._f.close()
                raise InputError(self.journal, "not a results CSV of `combopt bench` (its header lacks key, set, "
                                               "path, solver, label or status); --resume appends only to one", 1)
            self._csv = csv.DictWriter(self._f, fieldnames=cols or list(FIELDS), extrasaction="ignore")
        if append and exists:
            self._end_line()
        elif self._csv is not None and not self._replace:
            self._csv.writeheader()
            self._sync()
        self.count = 0

    def _end_line(self) -> None:
        """A partial last line (the command was killed mid-write) must not swallow the next row."""
        with open(self.journal, "rb") as f:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
        if last not in (b"\n", b"\r"):
            self._f.write("\n")
            self._sync()

    def _sync(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())

    def write(self, row: dict[str, Any]) -> None:
        r = normalise(row)
        if self._replace:
            self._f.truncate(0)
            self._replace = False
            if self._csv is not None:
                self._csv.writeheader()
        if self._csv is not None and r.get("cold_start") and "cold_start" not in self._csv.fieldnames \
                and not self._warned_cold:
            self._warned_cold = True
            warnings.warn(f"{self.path} was written before results recorded cold_start: a run that answered while "
                          "its kernels compiled is not marked in it (start a new file to have them rerun on --resume)",
                          stacklevel=2)
        if self._csv is not None:
            self._csv.writerow({k: (json.dumps(v) if k in _JSON else ("" if v is None else v)) for k, v in r.items()})
        else:
            self._f.write(json.dumps(r, separators=(",", ":")) + "\n")
        self._sync()
        self.count += 1

    def close(self) -> None:
        if self._f.closed:
            return
        self._sync()
        self._f.close()
        if self.fmt == ".parquet" and not self._replace:
            write_parquet(read_results([self.journal]), self.path)
        elif self._replace and self._created:  # the journal this writer made for a parquet file it never replaced
            self.journal.unlink(missing_ok=True)

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _foreign_line(path: Path) -> int | None:
    """The first line of a JSON-lines file that no `combopt bench` wrote: JSON that is not a row (an object with a
    key), or text that is not even the start of an object (a partial row, cut by an interrupted write, is one)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError):
                if not line.startswith('{"'):
                    return lineno
                continue
            if not (isinstance(obj, dict) and "key" in obj):
                return lineno
    return None


def _lock(f, path: Path) -> None:
    """An exclusive lock on the open results file for as long as it is open (none where ``fcntl`` is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise ParameterError(f"--out {path}: another `combopt bench` is writing it now; wait for it to finish, or "
                             "write to another file") from None


def _csv_header(path: Path) -> list[str] | None:
    """The columns of an existing results CSV (``None`` when its first line is not a results header)."""
    with open(path, newline="", encoding="utf-8") as f:
        first = next(csv.reader(f), None)
    return first if first and set(REQUIRED) | {"key"} <= set(first) else None


def write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    """Write rows as parquet (``params`` and ``trace`` as JSON strings); needs pyarrow."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("writing .parquet needs pyarrow: pip install pyarrow "
                                     "(or use --out NAME.jsonl / .csv)") from None
    cols: dict[str, list] = {k: [] for k in FIELDS}
    for r in rows:
        for k in FIELDS:
            v = r.get(k)
            cols[k].append(json.dumps(v) if k in _JSON else v)
    types = {k: (pa.float64() if k in _FLOAT else pa.int64() if k in _INT else pa.bool_() if k in _BOOL
                 else pa.string()) for k in FIELDS}
    table = pa.table({k: pa.array(cols[k], type=types[k]) for k in FIELDS})
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def _typed(k: str, v: Any) -> Any:
    if v is None or v == "":
        return ({} if k == "params" else [] if k == "trace" else None)
    if k in _JSON:
        return json.loads(v) if isinstance(v, str) else v
    if k in _FLOAT:
        return float(v)
    if k in _INT:
        return int(float(v))
    if k in _BOOL:
        return v if isinstance(v, bool) else str(v).strip().lower() in ("true", "1")
    return v


#: fields every row holds (``combopt bench`` writes them for failed runs too)
REQUIRED = ("set", "path", "solver", "label", "status")
_STR = {"key", "suite", "set", "kind", "instance", "path", "solver", "label", "status", "sense", "device", "error",
        "instance_sha"}


def _checked(row: dict[str, Any], p: Path, lineno: int) -> dict[str, Any]:
    """The row, once every field holds what :data:`FIELDS` says it does (a file edited by hand or by another
    program: a string objective, a list for a set name); else the file's error at that line."""
    if not isinstance(row.get("key"), str) or not row["key"]:
        raise InputError(p, f"field 'key' holds {json.dumps(row.get('key'))[:40]}; expected the run's key (a "
                            "string), as `combopt bench` writes it", lineno)
    for k in REQUIRED:  # every row `combopt bench` writes names its set, instance, solver entry and status
        if not isinstance(row.get(k), str):
            raise InputError(p, f"field {k!r} holds {json.dumps(row.get(k))[:40]}; expected a string, as `combopt "
                                "bench` writes it", lineno)
    trace = row.get("trace")
    if isinstance(trace, list) and not all(
            isinstance(t, list) and len(t) == 2 and all(v is None or (isinstance(v, int | float)
                                                                       and not isinstance(v, bool)) for v in t)
            for t in trace):
        raise InputError(p, f"field 'trace' holds {json.dumps(trace)[:40]}; expected [seconds, objective] pairs, "
                            "as `combopt bench` writes it", lineno)
    for k, v in row.items():
        if v is None or k not in FIELDS:
            continue
        if k in _STR:
            ok = isinstance(v, str)
        elif k in _FLOAT:
            ok = isinstance(v, int | float) and not isinstance(v, bool)
        elif k in _INT:
            ok = isinstance(v, int) and not isinstance(v, bool)
        elif k in _BOOL:
            ok = isinstance(v, bool)
        else:
            ok = isinstance(v, dict) if k == "params" else isinstance(v, list)
        if not ok:
            raise InputError(p, f"field {k!r} holds {json.dumps(v)[:40]}; expected "
                                f"{_KIND_OF.get(k, 'a string')}, as `combopt bench` writes it", lineno)
    return row


_KIND_OF = {**dict.fromkeys(_FLOAT, "a number"), **dict.fromkeys(_INT, "an integer"),
            **dict.fromkeys(_BOOL, "true or false"), "params": "an object", "trace": "a list",
            "contradictions": "a list"}


def _read_jsonl(p: Path) -> list[dict[str, Any]]:
    rows = []
    with open(p, encoding="utf-8") as f:
        lines = [(lineno, line.strip()) for lineno, line in enumerate(f, 1) if line.strip()]
        skipped = []
        for lineno, line in lines:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                # the partial line of an interrupted write (a resumed suite continues on the next line), or damage:
                # either way not a row, and said so
                skipped.append(lineno)
                continue
            except (ValueError, RecursionError) as e:  # integers over 4300 digits, absurd nesting
                raise InputError(p, f"not usable JSON ({type(e).__name__}); expected a row of `combopt bench`",
                                 lineno) from None
            if isinstance(obj, dict) and "key" in obj:
                rows.append(_checked(obj, p, lineno))
    if not rows and _one_result(p):
        raise InputError(p, "one result of `combopt solve`, not suite results: `combopt report` reads what "
                            "`combopt bench SUITE.toml --out FILE` writes (a row with a 'key' per run); `combopt "
                            "check INSTANCE RESULT` checks a result")
    _warn_skipped(p, skipped, "JSON rows")
    return rows


def _one_result(p: Path) -> bool:
    """Whether ``p`` holds the JSON of one ``combopt solve --out`` result (said "no finished runs")."""
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (ValueError, RecursionError):
        return False
    return isinstance(obj, dict) and {"problem", "solver", "status"} <= set(obj) and "key" not in obj


def _read_csv(p: Path) -> list[dict[str, Any]]:
    rows = []
    text = p.read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames or not set(REQUIRED) | {"key"} <= set(reader.fieldnames):
        if reader.fieldnames and {"instance", "solver"} <= set(reader.fieldnames):
            raise InputError(p, "a table of `combopt bench FILES` (the folder form), not suite results: `combopt "
                                "report` reads what `combopt bench SUITE.toml` writes (a header with a 'key' "
                                "column)", 1)
        raise InputError(p, "expected a results CSV written by `combopt bench` (a header with a 'key' column)", 1)
    n = len(reader.fieldnames)
    skipped = []
    for raw in reader:
        if None in raw or sum(v is not None for v in raw.values()) < n:  # partial or garbled line
            skipped.append(reader.line_num)
            continue
        for k, v in raw.items():
            if k in FIELDS:
                try:
                    raw[k] = _typed(k, v)
                except (ValueError, OverflowError, RecursionError):  # (json.JSONDecodeError is a ValueError)
                    raise InputError(p, f"field {k!r} holds {v[:40]!r}; expected what `combopt bench` writes there",
                                     reader.line_num) from None
            if k in _INT and isinstance(raw[k], int) and v.strip() not in (str(raw[k]), f"{raw[k]}.0"):
                raise InputError(p, f"field {k!r} holds {v[:40]!r}; expected an integer", reader.line_num)
        rows.append(_checked({k: v for k, v in raw.items() if k in FIELDS}, p, reader.line_num))
    _warn_skipped(p, skipped, "rows")
    return rows


def _warn_skipped(p: Path, skipped: list[int], what: str) -> None:
    if skipped:
        shown = ", ".join(map(str, skipped[:5])) + (", ..." if len(skipped) > 5 else "")
        warnings.warn(f"{p}: line(s) {shown} are not complete {what} (an interrupted write, or damage): skipped",
                      stacklevel=3)


def _foreign_columns(p: Path) -> list[str]:
    """Columns of a parquet results file that are no field of a row (added by its user since it was written)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("reading .parquet needs pyarrow: pip install pyarrow") from None
    try:
        names = pq.read_schema(p).names
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise InputError(p, f"not a readable parquet file ({type(e).__name__})") from None
    return [c for c in names if c not in FIELDS]


def _read_parquet(p: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("reading .parquet needs pyarrow: pip install pyarrow") from None
    try:
        table = pq.read_table(p)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise InputError(p, f"not a readable parquet file ({type(e).__name__})") from None
    try:
        return [_checked({k: _typed(k, v) for k, v in r.items() if k in FIELDS}, p, i + 1)
                for i, r in enumerate(table.to_pylist())]
    except (ValueError, OverflowError, RecursionError) as e:
        raise InputError(p, f"a row that is not a row of `combopt bench` ({type(e).__name__})") from None


def content_digest(file: str | Path) -> str | None:
    """SHA-256 (first 16 hex digits) of the bytes of a run's instance file (``file#K``: the whole file), or None
    when it cannot be read. A run's key names the instance by its path under the data root; this tells two files
    of the same path apart (another data root, a file edited since), so ``--resume`` reruns what changed."""
    from ..core.io import split_index

    try:
        path = split_index(file)[0]
        st = path.stat()
        return _digest(str(path.resolve()), st.st_size, st.st_mtime_ns)
    except (OSError, CombOptError):
        return None


@functools.lru_cache(maxsize=4096)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """The digest of a file, once per version of it in this process (``--resume`` asks for each recorded run's file,
    and a file holds many runs)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def read_results(paths: list[str | Path], *, apart: bool = True) -> list[dict[str, Any]]:
    """Rows of one or more results files (partial files welcome). Within a file a key seen twice keeps its last row
    (a resumed run that reran it); across files, rows of one key on instance files of different contents
    (``instance_sha``: two data roots with files of the same names) are both kept. ``apart``: rows of one set and
    path on files of different contents get the digest in their path and instance (:func:`_apart`); ``False`` keeps
    the paths as the suite writes them (the rows ``--resume`` reuses, all on the files as they are now)."""
    by_key: dict[tuple[str, str | None], dict[str, Any]] = {}
    shas: dict[str, set[str | None]] = {}
    for path in paths:
        p = Path(path)
        src = p
        if p.suffix.lower() == ".parquet" and journal_of(p).exists():
            src = journal_of(p)
        if not src.exists():
            raise InputError(p, "no such results file")
        if src.is_dir():
            raise InputError(p, "is a directory, expected a results file (.jsonl, .csv or .parquet)")
        if not src.is_file():  # a pipe without a writer never ends
            raise InputError(p, "not a regular file (a pipe, socket or device); expected a results file")
        if src.stat().st_size > MAX_RESULTS_BYTES:
            raise InputError(p, f"larger than {MAX_RESULTS_BYTES} bytes")
        suf = "".join(src.suffixes[-1:]).lower()
        try:
            if suf == ".jsonl" or suf == ".json":
                rows = _read_jsonl(src)
            elif suf == ".csv":
                rows = _read_csv(src)
            elif suf == ".parquet":
                rows = _read_parquet(src)
            else:
                raise InputError(p, "expected a .jsonl, .csv or .parquet results file")
        except UnicodeDecodeError:
            raise InputError(p, "not a text file; expected a results file") from None
        last: dict[str, dict[str, Any]] = {}
        for r in rows:
            last[str(r["key"])] = normalise(r)
        for k, r in last.items():
            sha = r.get("instance_sha")
            # a row without a digest (files written before rows had one) stands for every content: it replaces,
            # and is replaced by, any row of its key, as before
            held = shas.setdefault(k, set())
            for o in [o for o in held if sha is None or o in (None, sha)]:
                del by_key[(k, o)]
                held.discard(o)
            by_key[(k, sha)] = r
            held.add(sha)
    return _apart(list(by_key.values())) if apart else list(by_key.values())


def _apart(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose set and path name files of different contents (results of two data roots read together) get
    the digest in their ``path`` and ``instance`` (``g.clq@1a2b3c4d``): a report scores them as two instances, not
    as seeds of one."""
    shas: dict[tuple[Any, Any], set[str]] = {}
    for r in rows:
        if r.get("instance_sha"):
            shas.setdefault((r["set"], r["path"]), set()).add(r["instance_sha"])
    mixed = {k for k, v in shas.items() if len(v) > 1}
    if not mixed:
        return rows
    out = []
    for r in rows:
        if (r["set"], r["path"]) in mixed and r.get("instance_sha"):
            tag = "@" + str(r["instance_sha"])[:8]
            r = {**r, "path": f"{r['path']}{tag}", "instance": f"{r['instance'] or r['path']}{tag}"}
        out.append(r)
    return out


def recorded_keys(path: str | Path) -> dict[str, str | None]:
    """Keys of the runs recorded in a results file, each with the digest of the instance file it ran on (None for
    rows written before rows recorded it); empty when the file does not exist yet. A run that answered with its
    solver's quick construction while the kernels compiled (``cold_start``) is not counted: --resume runs it again,
    and its new row replaces the old."""
    p = Path(path)
    if not journal_of(p).exists() and not p.exists():
        return {}
    return {r["key"]: r.get("instance_sha") for r in read_results([p]) if not r.get("cold_start")}
