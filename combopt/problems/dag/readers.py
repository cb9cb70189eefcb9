"""Readers of DAG-learning data (CSV, ``.npy``, ``.npz``) and of graphs (truth, ``init``).

Data
    * CSV (comma, semicolon, tab or whitespace separated): a header of variable
      names or none (then ``X0 .. X{d-1}``); every other cell a finite number.
      A plain ``.csv`` is read as DAG data only with ``--kind dag`` (files named
      ``*.dag.csv`` are recognised without it).
    * ``.npy`` (with ``--kind dag``, or named ``*.dag.npy``): a 2-D numeric
      array (rows = samples). A plain ``.npy`` needs the kind: a 2-D array of
      numbers is also a valid file of coupling marginals (one per row).
    * ``.npz`` (with ``--kind dag``, or named ``*.dag.npz``): the array ``X``
      (or ``data``, or the only array) and optionally ``names`` (strings).

Graphs (:func:`read_graph`)
    * edge list CSV: ``cause,effect[,weight]`` by variable name or 0-based
      index, with an optional header row (e.g. ``Cause,Effect``);
    * adjacency CSV: ``d`` rows of ``d`` numbers (``A[i, j] != 0`` for
      ``i -> j``), optionally a header row of the names (in any order) and a
      first column of row names;
    * ``.npy``: a ``d x d`` numeric array;
    * ``.json``: a ``combopt solve --out`` result of the same data (its ``adjacency``).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ...core.errors import InputError
from ...core.io import MAX_FILE_BYTES, register_reader
from ...core.limits import check_memory
from ...core.safeio import NPY_ERRORS
from .metrics import support
from .model import MAX_CELLS, MAX_VARIABLES, DAGProblem

__all__ = ["read_dag", "read_data", "read_graph"]


def _array_header(f, version) -> tuple:
    """``(shape, fortran_order, dtype)`` of an open ``.npy`` stream after its magic string."""
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(f)
    raise ValueError(f"unsupported .npy format version {version}")


def _float(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None


#: bytes a data cell takes while it is read and fitted (the float64 array, numpy's parse, the centred copy: a
#: 100,000 x 200 CSV peaked at 707 MB), and per pair of variables (the covariance and the solver's d x d matrices);
#: checked against the memory budget before the numbers are parsed
BYTES_PER_CELL = 24.0
BYTES_PER_PAIR = 48.0


def _check_cells(path: Path, rows: int, d: int, line: int | None = None) -> None:
    check_memory(BYTES_PER_CELL * rows * d + BYTES_PER_PAIR * d * d, f"DAG data of {rows} rows x {d} columns", path,
                 line)


def _delimiter(first: str) -> str | None:
    for c in (",", ";", "\t"):
        if c in first:
            return c
    return None  # whitespace


def _rows(text: str, delim: str | None, path: Path):
    """(1-based line, cells) for every non-empty, non-comment line."""
    if delim is None:
        for k, line in enumerate(text.splitlines(), 1):
            s = line.strip()
            if s and not s.startswith("#"):
                yield k, s.split()
        return
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:  # a cell over the csv module's field limit (131,072 characters), a stray NUL, ...
            raise InputError(path, f"malformed CSV ({e}); expected a table of numbers", reader.line_num + 1) from None
        k = reader.line_num
        cells = [c.strip() for c in cells]
        if not cells or all(c == "" for c in cells) or cells[0].startswith("#"):
            continue
        yield k, cells


def _read_text(path: Path) -> str:
    if not path.is_file():  # a device or a pipe: /dev/zero as --truth read without end
        raise InputError(path, "not a regular file; expected a text file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(path, f"file is {size} bytes; larger than the {MAX_FILE_BYTES} bytes combopt will read")
    return path.read_bytes().decode("utf-8-sig")


def read_csv_table(path: Path) -> tuple[np.ndarray, list[str] | None]:
    """Numbers of a CSV file and its header names (None when the first row is numeric)."""
    text = _read_text(path)
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is None:
        raise InputError(path, "no data rows; expected a CSV table of numbers")
    delim = _delimiter(first)
    rows = _rows(text, delim, path)
    top = next(rows, None)
    if top is None:  # lines of empty cells only (",,,")
        raise InputError(path, "no data rows (every cell is empty); expected a CSV table of numbers")
    line0, head = top
    names = None
    if any(_float(c) is None for c in head):
        names = [c.strip().strip('"') for c in head]
        if "" in names:
            k = names.index("")
            why = " (a trailing delimiter?)" if k == len(names) - 1 else ""
            raise InputError(path, f"column {k + 1} of the header has no name{why}; expected a name for every column",
                             line0)
        d = len(names)
        data_rows: list[list[float]] = []
    else:
        d = len(head)
        data_rows = [_values(path, line0, head, names)]
    if d > MAX_VARIABLES:
        raise InputError(path, f"{d} columns; combopt learns DAGs on at most {MAX_VARIABLES} variables", line0)
    max_rows = MAX_CELLS // max(d, 1)
    lines = text.count("\n") + (not text.endswith("\n")) - (names is not None)  # the rows, or more (comments)
    _check_cells(path, min(lines, max_rows), d, line0)
    fast = _numbers_fast(text, delim, d, line0 if names is not None else line0 - 1, max_rows)
    if fast is not None:
        return fast, names
    for k, cells in rows:
        if len(cells) != d:
            raise InputError(path, f"row has {len(cells)} cells; expected {d} (as in the first row)", k)
        data_rows.append(_values(path, k, cells, names))
        if len(data_rows) > max_rows:
            raise InputError(path, f"more than {max_rows} rows of {d} columns; larger than combopt will hold", k)
    if not data_rows:
        raise InputError(path, "a header but no data rows; expected rows of numbers")
    return np.asarray(data_rows, dtype=np.float64), names


#: line breaks that ``str.splitlines`` and the csv module honour but numpy's parser does not (its lines end at \\n)
_ODD_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _numbers_fast(text: str, delim: str | None, d: int, skip: int, max_rows: int) -> np.ndarray | None:
    """The rows after the first ``skip`` lines read by numpy's C parser (5 million numbers in well under a second,
    against four with the row-by-row reader), when the text has none of what only the row-by-row reader handles
    (comments, quotes, empty cells) and every row is ``d`` finite numbers; else None, and the row-by-row reader
    reads the file and names the line of any error."""
    if "#" in text or '"' in text or "'" in text or _ODD_BREAKS.search(text):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy warns on an empty input: leave it to the row reader
            X = np.loadtxt(io.StringIO(text), delimiter=delim, skiprows=skip, dtype=np.float64, ndmin=2,
                           comments=None)
    except (ValueError, UserWarning):
        return None
    if X.ndim != 2 or X.shape[1] != d or X.shape[0] == 0 or X.shape[0] > max_rows or not np.all(np.isfinite(X)):
        return None
    return X


def _values(path, line, cells, names) -> list[float]:
    """The numbers of one data row. A cell is a number in ASCII without underscores: float() also reads "1_0" as 10
    and other scripts' digits ("\u0661\u0662" as 12), which numpy's parser refuses (a typo became data without a
    word); such a row still counts as numeric where the reader tells a header from data."""
    vals = []
    for c, cell in enumerate(cells):
        v = _float(cell) if cell.isascii() and "_" not in cell else None
        if v is None:
            col = names[c] if names else str(c)
            raise InputError(path, f"cell {cell[:40]!r} in column {col!r} is not a number; expected numbers "
                                   "in every data row", line)
        vals.append(v)
    _check_finite(path, line, cells, vals, names)
    return vals


def _check_finite(path, line, cells, vals, names) -> None:
    for c, v in enumerate(vals):
        if not np.isfinite(v):
            col = names[c] if names else str(c)
            raise InputError(path, f"cell {cells[c]!r} in column {col!r} is not a finite number; expected no NaN, "
                                   "infinite or missing values", line)


def _check_npy_shape(path: Path, shape: tuple, dtype: np.dtype) -> None:
    if len(shape) != 2:
        raise InputError(path, f"array has shape {shape}; expected a 2-D array (rows = samples)")
    if dtype.kind not in "biuf":
        raise InputError(path, f"array has dtype {dtype}; expected numbers")
    if shape[1] > MAX_VARIABLES or shape[0] * shape[1] > MAX_CELLS:
        raise InputError(path, f"array of shape {shape} is larger than combopt will hold")
    _check_cells(path, int(shape[0]), int(shape[1]))


def read_npy(path: Path) -> np.ndarray:
    """A 2-D numeric ``.npy`` array, its header checked before the data are loaded."""
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            shape, _, dtype = _array_header(f, version)
    except NPY_ERRORS as e:
        raise InputError(path, f"not a valid .npy file ({type(e).__name__}: {e}); expected a 2-D numeric array") \
            from None
    _check_npy_shape(path, shape, dtype)
    try:
        return np.asarray(np.load(path, allow_pickle=False), dtype=np.float64)
    except NPY_ERRORS as e:
        raise InputError(path, f"cannot load the array ({type(e).__name__}: {e}); expected a 2-D numeric array") \
            from None


def read_npz(path: Path) -> tuple[np.ndarray, list[str] | None]:
    """The data array (``X``, ``data`` or the only one) and optional ``names`` of an ``.npz`` file."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = {i.filename[:-4]: i for i in z.infolist() if i.filename.endswith(".npy")}
            key = next((k for k in ("X", "data") if k in infos), None)
            arrays = [k for k in infos if k != "names"]
            if key is None and len(arrays) == 1:
                key = arrays[0]
            if key is None:
                raise InputError(path, f"arrays {sorted(infos)}; expected one named 'X' (or 'data')")
            for k in [key] + (["names"] if "names" in infos else []):
                if infos[k].file_size > 8 * MAX_CELLS + 4096:
                    raise InputError(path, f"array {k!r} is larger than combopt will hold")
                with z.open(infos[k]) as f:
                    version = np.lib.format.read_magic(f)
                    shape, _, dtype = _array_header(f, version)
                if k == key:
                    _check_npy_shape(path, shape, dtype)
        with np.load(path, allow_pickle=False) as z:
            X = np.asarray(z[key], dtype=np.float64)
            names = None
            if "names" in infos:
                nm = z["names"]
                if nm.dtype.kind not in "US" or nm.ndim != 1:
                    raise InputError(path, "'names' must be a 1-D array of strings")
                try:  # bytes ("S" arrays) are names too: str(b"p") would be "b'p'"
                    names = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in nm.tolist()]
                except UnicodeDecodeError:
                    raise InputError(path, "'names' holds bytes that are not UTF-8 text; expected names") from None
    except zipfile.BadZipFile:
        raise InputError(path, "not a valid .npz (zip) file") from None
    except NPY_ERRORS as e:  # object arrays (pickle refused), bad headers, damaged members
        raise InputError(path, f"cannot load the arrays ({type(e).__name__}: {e}); expected numeric arrays") \
            from None
    return X, names


def read_data(path: str | Path, name: str | None = None) -> DAGProblem:
    """Read DAG-learning data (CSV, ``.npy`` or ``.npz``) into a :class:`DAGProblem`."""
    p = Path(path)
    suf = p.name.lower()
    if suf.endswith(".npy"):
        X, names = read_npy(p), None
    elif suf.endswith(".npz"):
        X, names = read_npz(p)
    else:
        X, names = read_csv_table(p)
    if name is None:
        name = p.name
        for ext in (".dag.csv", ".dag.npy", ".dag.npz", ".csv", ".npy", ".npz", ".txt", ".tsv"):
            if name.lower().endswith(ext):
                name = name[: -len(ext)]
                break
        if name in ("data", "") and p.parent.name:
            name = f"{p.parent.name}/{name}"
    try:
        return DAGProblem(X, names, name=name, source=str(p))
    except InputError as e:  # a value found out of range once a text table is read: the line of its row
        row = getattr(e, "row", None)
        if row is None or e.line is not None or suf.endswith((".npy", ".npz")):
            raise
        raise InputError(p, e.message, _line_of_row(p, row, names is not None)) from None


# ".csv" and ".npy" are also coupling formats: without --kind dag such a file is read as dag only by name
# (".dag.csv", ".dag.npy", ".dag.npz"); otherwise combopt asks for the kind (core.io.detect)
@register_reader("dag-data", kinds=("dag",), extensions=(".npy", ".csv", ".dag.csv", ".dag.npy", ".dag.npz"))
def read_dag(path, kind, index):
    """Reader behind ``combopt.read(path, kind="dag")``."""
    if index is not None:
        raise InputError(path, f"a data file holds one instance; drop the #{index}")
    return read_data(path)


def read_graph(path: str | Path, names: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read a graph over the variables ``names`` (edge list or adjacency; see the module doc).

    Returns
    -------
    (B, W)
        The 0/1 adjacency (int64) and the weights when the file has them (else None).
    """
    p = Path(path)
    d = len(names)
    if not p.exists():
        raise InputError(p, "no such file")
    if p.is_dir():
        raise InputError(p, "is a directory, expected a graph file")
    if p.name.lower().endswith(".json"):
        return _graph_from_result_json(p, names)
    if p.name.lower().endswith(".npy"):
        try:
            with open(p, "rb") as f:
                version = np.lib.format.read_magic(f)
                shape, _, dtype = _array_header(f, version)
        except NPY_ERRORS as e:
            raise InputError(p, f"not a valid .npy file ({type(e).__name__}: {e})") from None
        if shape != (d, d) or dtype.kind not in "biuf":
            raise InputError(p, f"array of shape {shape} and dtype {dtype}; expected a numeric {d} x {d} adjacency")
        try:
            A = np.asarray(np.load(p, allow_pickle=False), dtype=np.float64)
        except NPY_ERRORS as e:
            raise InputError(p, f"cannot load the array ({type(e).__name__}: {e}); expected a {d} x {d} adjacency") \
                from None
        return _adjacency(p, A, None)
    try:
        text = _read_text(p)
    except UnicodeDecodeError:
        raise InputError(p, "not a text file; expected an edge-list or adjacency CSV") from None
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), None)
    if first is None:
        raise InputError(p, "empty graph file; expected an edge list (cause,effect) or a d x d adjacency")
    rows = list(_rows(text, _delimiter(first), p))
    if not rows:  # lines of empty cells only (",,,")
        raise InputError(p, "empty graph file (every cell is empty); expected an edge list (cause,effect) or a d x d "
                            "adjacency")
    index = {v: i for i, v in enumerate(names)}
    head = [c.strip('"') for c in rows[0][1]]
    # adjacency with a header of the variable names (and maybe a corner cell)
    numeric_body = all(_float(x) is not None for _, c in rows[1:] for x in c)
    if len(head) in (d, d + 1) and set(head[-d:]) == set(names) and (d > 2 or (len(rows) == d + 1 and numeric_body)):
        cols = [index[v] for v in head[-d:]]
        body = rows[1:]
        if len(body) != d:
            raise InputError(p, f"adjacency with a header of names has {len(body)} rows; expected {d}")
        A = np.zeros((d, d))
        filled: dict[int, int] = {}  # row -> its line: a row named twice (or named as an unnamed row's place) is lost
        for r, (k, cells) in enumerate(body):
            row = r
            if len(cells) == d + 1:
                label = cells[0].strip('"')
                if label not in index:
                    raise InputError(p, f"row name {label[:40]!r} is not a variable of the data", k)
                row = index[label]
                cells = cells[1:]
            if row in filled:
                raise InputError(p, f"a second row for {names[row]!r} (line {filled[row]} was one); expected one row "
                                    "per variable", k)
            filled[row] = k
            if len(cells) != d:
                raise InputError(p, f"adjacency row has {len(cells)} cells; expected {d}", k)
            for c, cell in enumerate(cells):
                v = _float(cell)
                if v is None or not np.isfinite(v):
                    raise InputError(p, f"adjacency cell {cell[:40]!r} is not a finite number", k)
                A[row, cols[c]] = v
        return _adjacency(p, A, None)
    # headerless adjacency: k rows of k numbers. With a zero diagonal it is no edge list (rows "i,j[,w]": its rows
    # would hold a self-loop "0,0", a weight 0, or at k = 2 a two-cycle), so a k x k one of the wrong size is said
    # as such; k = 2 for other d stays an edge list ("0,3" and "2,0" are two edges), and so do k = d = 3 rows that
    # are three weighted edges by index ("0,1,0.8" "0,2,-0.9" "2,1,1.9": as an adjacency its diagonal is not zero)
    k = len(rows)
    if k >= 2 and all(len(c) == k for _, c in rows) and all(_float(x) is not None for _, c in rows for x in c):
        A = np.asarray([[float(x) for x in c] for _, c in rows])
        zero_diagonal = bool(np.all(np.diag(A) == 0))
        edge_rows = k == d == 3 and all(_is_index(c[0], d) and _is_index(c[1], d) and c[0] != c[1] and float(c[2]) != 0
                                   for _, c in rows)
        if k == d and (d != 2 or zero_diagonal) and not edge_rows:
            if not np.all(np.isfinite(A)):
                raise InputError(p, "adjacency has NaN or infinite entries")
            return _adjacency(p, A, None)
        if k != d and k >= 3 and zero_diagonal:
            raise InputError(p, f"a {k} x {k} adjacency (no header); expected {d} x {d}, one row and column per "
                                f"variable of the data ({', '.join(names[:8])}{', ...' if d > 8 else ''})")
    # edge list
    B = np.zeros((d, d), dtype=np.int64)
    W = np.zeros((d, d))
    weighted = False
    arity: dict[int, int] = {}  # cells per row (2 or 3) -> the first line with that many
    start = 0
    h0, h1 = head[0], head[1] if len(head) > 1 else ""
    if len(head) in (2, 3) and h0 not in index and h1 not in index and not _is_index(h0, d) and \
            _float(h0) is None:
        start = 1  # a header such as "Cause,Effect" or "cause,effect,weight"
    for k, cells in rows[start:]:
        cells = [c.strip('"') for c in cells]
        if len(cells) not in (2, 3):
            raise InputError(p, f"{len(cells)} cells; expected cause,effect[,weight] or a {d} x {d} adjacency", k)
        arity.setdefault(len(cells), k)
        if len(arity) > 1:  # an edge without a weight among weighted ones would weigh 1 in the true graph's score
            raise InputError(p, f"{len(cells)} cells, where line {arity[5 - len(cells)]} has {5 - len(cells)}; "
                                "expected a weight on every edge or on none", k)
        ij = []
        for cell in cells[:2]:
            if cell in index:
                ij.append(index[cell])
            elif _is_index(cell, d):
                ij.append(int(cell))
            else:
                raise InputError(p, f"unknown variable {cell[:40]!r}; expected one of the data's names "
                                    f"({', '.join(names[:8])}{', ...' if d > 8 else ''}) or an index 0..{d - 1}", k)
        i, j = ij
        if i == j:
            raise InputError(p, f"self-loop on {names[i]!r}; a DAG has none", k)
        w = 1.0
        if len(cells) == 3:
            wv = _float(cells[2])
            if wv is None or not np.isfinite(wv) or wv == 0:
                raise InputError(p, f"weight {cells[2][:40]!r} is not a finite non-zero number", k)
            w, weighted = wv, True
        if B[i, j] and W[i, j] != w:  # the same edge again with another weight: which one is meant?
            raise InputError(p, f"edge {names[i]!r} -> {names[j]!r} is listed again with weight {w:g} (it had "
                                f"{W[i, j]:g}); expected each edge once", k)
        B[i, j] = 1
        W[i, j] = w
    return B, (W if weighted else None)


def _graph_from_result_json(p: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """The graph of a ``combopt solve --out`` result of a dag problem (``solution.adjacency``)."""
    import json

    try:
        data = json.loads(_read_text(p))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError, ValueError) as e:
        raise InputError(p, f"not valid JSON ({type(e).__name__}); expected a combopt dag result") from None
    sol = data.get("solution", data) if isinstance(data, dict) else None
    A = sol.get("adjacency") if isinstance(sol, dict) else None
    d = len(names)
    if not isinstance(A, list) or len(A) != d or not all(isinstance(r, list) and len(r) == d for r in A) or \
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for r in A for v in r):
        raise InputError(p, f"expected a combopt dag result with a {d} x {d} numeric 'adjacency'")
    if isinstance(sol.get("names"), list) and sol["names"] != names:
        raise InputError(p, "the result's variable names differ from the data's")
    try:
        W = np.asarray(A, dtype=np.float64)
    except OverflowError:  # an integer of hundreds of digits
        raise InputError(p, "an 'adjacency' entry is too large for a float; expected finite weights") from None
    return _adjacency(p, W, None)


def _line_of_row(p: Path, row: int, header: bool) -> int | None:
    """The line of data row ``row`` (0-based) of a CSV file (blank lines and comments are not rows)."""
    text = _read_text(p)
    first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
    for k, (line, _) in enumerate(_rows(text, _delimiter(first), p)):
        if k == row + header:
            return line
    return None


def _is_index(cell: str, d: int) -> bool:
    """An index of a variable, written in ASCII digits (int() also takes "1_0", "+1" and other scripts' digits)."""
    return cell.isascii() and cell.isdigit() and int(cell) < d


def _adjacency(p: Path, A: np.ndarray, _unused) -> tuple[np.ndarray, np.ndarray | None]:
    if not np.all(np.isfinite(A)):
        raise InputError(p, "adjacency has NaN or infinite entries")
    if np.any(np.diag(A) != 0):
        raise InputError(p, "adjacency has a non-zero diagonal (self-loop); a DAG has none")
    B = support(A)
    weighted = not np.all((A == 0) | (A == 1))
    return B, (A.copy() if weighted else None)
