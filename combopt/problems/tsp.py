"""Symmetric travelling salesman problem and its TSPLIB reader.

Kind ``tsp``. A solution is a tour: a permutation of the cities ``0..n-1``
(numpy int64 array); its objective is the length of the closed tour. In JSON
a tour is the list of the file's 1-based city numbers.

Building blocks for other code (QUBO reductions, Lagrangian methods):

* :func:`read_tsplib` / :func:`tsplib_distances`: TSPLIB parsing with the
  TSPLIB rounding conventions (EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D and
  EXPLICIT matrices);
* :class:`TSP`: ``n``, ``D`` (int64 n x n, symmetric, zero diagonal),
  ``coords``, :meth:`TSP.evaluate`, :meth:`TSP.bound`, :meth:`TSP.to_pulp`,
  :meth:`TSP.plot`;
* :func:`one_tree` and :func:`held_karp`: the 1-tree relaxation and its
  Lagrangian dual (Held and Karp 1970) by projected subgradient;
* :func:`nearest_neighbour_tour`; the Numba local search lives in
  :mod:`combopt.solvers.tsp_local` (``two_opt``, ``or_opt``,
  ``improve_tour``, ``decode_assignment``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.errors import InputError, ParameterError
from ..core.io import MAX_FILE_BYTES, register_reader
from ..core.problem import Evaluation, Problem
from ..core.registry import register_kind
from ..models.qubo import QUBO

register_kind("tsp", ("milp", "qubo", "lagrangian"))

#: a full int64 distance matrix is kept; 10 000 cities are 800 MB
MAX_DIMENSION = 10_000
#: every tour length must fit in int64 with room to spare
_LENGTH_LIMIT = 2**53
MAX_VIOLATIONS_LISTED = 20

COORD_TYPES = ("EUC_2D", "CEIL_2D", "ATT", "GEO", "MAN_2D", "MAX_2D")
EDGE_WEIGHT_TYPES = COORD_TYPES + ("EXPLICIT",)
# EDGE_WEIGHT_FORMAT -> how the numbers of EDGE_WEIGHT_SECTION fill the matrix.
# A column-wise triangle of a symmetric matrix is the row-wise other triangle.
_FORMATS = {
    "FULL_MATRIX": "full",
    "UPPER_ROW": "upper",
    "LOWER_COL": "upper",
    "LOWER_ROW": "lower",
    "UPPER_COL": "lower",
    "UPPER_DIAG_ROW": "upper_diag",
    "LOWER_DIAG_COL": "upper_diag",
    "LOWER_DIAG_ROW": "lower_diag",
    "UPPER_DIAG_COL": "lower_diag",
}
_HEADER_KEYS = {
    "NAME", "TYPE", "COMMENT", "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_FORMAT",
    "EDGE_DATA_FORMAT", "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE",
}
_SECTIONS = {
    "NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION", "FIXED_EDGES_SECTION",
    "DEPOT_SECTION", "DEMAND_SECTION", "EDGE_DATA_SECTION", "TOUR_SECTION",
}
_KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(:?)\s*(.*)")
_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_DATA_START_RE = re.compile(r"[+-]?\.?\d")

# TSPLIB's GEO constants
GEO_PI = 3.141592
GEO_RRR = 6378.388


# ------------------------------------------------------------------------------- distances
def _nint(x: np.ndarray) -> np.ndarray:
    return np.floor(x + 0.5)


def geo_radians(c: np.ndarray) -> np.ndarray:
    """TSPLIB GEO: ``DDD.MM`` (degrees.minutes) to radians with TSPLIB's PI = 3.141592."""
    deg = np.trunc(c)
    minutes = c - deg
    return GEO_PI * (deg + 5.0 * minutes / 3.0) / 180.0


def _distance_block(kind: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Float distances (already rounded the TSPLIB way) between rows of ``a`` and of ``b``."""
    if kind == "GEO":
        lat_a, lon_a = a[:, 0:1], a[:, 1:2]
        lat_b, lon_b = b[None, :, 0], b[None, :, 1]
        q1 = np.cos(lon_a - lon_b)
        q2 = np.cos(lat_a - lat_b)
        q3 = np.cos(lat_a + lat_b)
        arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
        return np.trunc(GEO_RRR * np.arccos(arg) + 1.0)
    dx = a[:, 0:1] - b[None, :, 0]
    dy = a[:, 1:2] - b[None, :, 1]
    if kind == "EUC_2D":
        return _nint(np.sqrt(dx * dx + dy * dy))
    if kind == "CEIL_2D":
        return np.ceil(np.sqrt(dx * dx + dy * dy))
    if kind == "ATT":
        r = np.sqrt((dx * dx + dy * dy) / 10.0)
        t = _nint(r)
        return t + (t < r)
    if kind == "MAN_2D":
        return _nint(np.abs(dx) + np.abs(dy))
    if kind == "MAX_2D":
        return np.maximum(_nint(np.abs(dx)), _nint(np.abs(dy)))
    raise ParameterError(f"unknown EDGE_WEIGHT_TYPE {kind!r}; expected one of {', '.join(COORD_TYPES)}")


def tsplib_distances(coords, kind: str = "EUC_2D", block: int = 1024) -> np.ndarray:
    """Integer distance matrix of 2-D points under a TSPLIB ``EDGE_WEIGHT_TYPE``.

    Parameters
    ----------
    coords
        ``(n, 2)`` coordinates as in the file (``GEO``: latitude, longitude in
        ``DDD.MM`` degrees.minutes).
    kind
        ``EUC_2D`` (nint of the Euclidean distance), ``CEIL_2D`` (ceiling),
        ``ATT`` (pseudo-Euclidean), ``GEO`` (great circle on TSPLIB's sphere),
        ``MAN_2D`` or ``MAX_2D``.

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` int64, symmetric, zero diagonal.
    """
    c = np.asarray(coords, dtype=np.float64)
    if c.ndim != 2 or c.shape[1] != 2:
        raise ParameterError(f"coords must have shape (n, 2), got {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ParameterError("coords must be finite numbers")
    kind = kind.upper()
    work = geo_radians(c) if kind == "GEO" else c
    n = c.shape[0]
    D = np.empty((n, n), dtype=np.int64)
    limit = _LENGTH_LIMIT / max(n, 1)
    for s in range(0, n, block):
        d = _distance_block(kind, work[s:s + block], work)
        if d.size and not d.max() < limit:
            raise ParameterError(f"{kind} distances up to {d.max():g} overflow the tour length range; "
                                 "coordinates too large")
        D[s:s + block] = d.astype(np.int64)
    np.fill_diagonal(D, 0)
    return D


def explicit_matrix(values, n: int, fmt: str) -> np.ndarray:
    """Fill an ``(n, n)`` symmetric matrix from the numbers of an EDGE_WEIGHT_SECTION."""
    layout = _FORMATS.get(fmt.upper())
    if layout is None:
        raise ParameterError(f"unknown EDGE_WEIGHT_FORMAT {fmt!r}; expected one of {', '.join(_FORMATS)}")
    v = np.asarray(values, dtype=np.int64).ravel()
    need = explicit_count(n, fmt)
    if v.size != need:
        raise ParameterError(f"{fmt} with DIMENSION {n} needs {need} numbers, got {v.size}")
    D = np.zeros((n, n), dtype=np.int64)
    if layout == "full":
        D[:] = v.reshape(n, n)
        return D
    rows, cols = {
        "upper": np.triu_indices(n, 1),
        "lower": np.tril_indices(n, -1),
        "upper_diag": np.triu_indices(n),
        "lower_diag": np.tril_indices(n),
    }[layout]
    D[rows, cols] = v
    D[cols, rows] = v
    return D


def explicit_count(n: int, fmt: str) -> int:
    layout = _FORMATS[fmt.upper()]
    return {"full": n * n, "upper": n * (n - 1) // 2, "lower": n * (n - 1) // 2,
            "upper_diag": n * (n + 1) // 2, "lower_diag": n * (n + 1) // 2}[layout]


# ------------------------------------------------------------------------------- parser
@dataclass
class _Line:
    no: int
    text: str


def _numbers(path, line: _Line, toks: list[str]) -> np.ndarray:
    vals = []
    for t in toks:
        if not _NUMBER_RE.fullmatch(t):
            raise InputError(path, f"non-numeric token {t[:40]!r}; expected a number", line.no)
        v = float(t)
        if not math.isfinite(v) or abs(v) > 1e300:
            raise InputError(path, f"number {t[:40]} is out of range", line.no)
        vals.append(v)
    return np.array(vals, dtype=np.float64)


def _is_data(text: str) -> bool:
    return bool(_DATA_START_RE.match(text))


def _coord_section(path, lines: list[_Line], i: int, n: int, section: str, start_no: int):
    """Read ``n`` lines ``id x y``; returns ``(coords, next index)``."""
    xy = np.zeros((n, 2), dtype=np.float64)
    seen = np.zeros(n, dtype=bool)
    count = 0
    while count < n:
        if i >= len(lines) or not _is_data(lines[i].text):
            where = lines[i].no if i < len(lines) else (lines[-1].no if lines else start_no)
            end = f"at line {where} ({lines[i].text.split()[0][:30]!r})" if i < len(lines) else "at the end of the file"
            raise InputError(
                path,
                f"{section} is truncated: it ends {end} after {count} of {n} nodes (DIMENSION {n}); "
                f"expected {3 * n} numbers (node x y per line), found {3 * count}",
                where,
            )
        ln = lines[i]
        toks = ln.text.split()
        vals = _numbers(path, ln, toks)
        if len(toks) != 3:
            extra = " (3-D coordinates are not supported)" if len(toks) == 4 else ""
            raise InputError(path, f"{section}: expected 3 numbers (node x y), found {len(toks)}{extra}", ln.no)
        node = vals[0]
        if node != int(node) or not 1 <= node <= n:
            raise InputError(path, f"{section}: node number {toks[0]} is not an integer in 1..{n}", ln.no)
        k = int(node) - 1
        if seen[k]:
            raise InputError(path, f"{section}: node {k + 1} appears twice", ln.no)
        seen[k] = True
        xy[k] = vals[1:]
        count += 1
        i += 1
    return xy, i


def _weight_section(path, lines: list[_Line], i: int, n: int, fmt: str, start_no: int):
    """Read the numbers of an EDGE_WEIGHT_SECTION; returns ``(int64 values, next index)``."""
    need = explicit_count(n, fmt)
    chunks: list[np.ndarray] = []
    count = 0
    while count < need:
        if i >= len(lines) or not _is_data(lines[i].text):
            where = lines[i].no if i < len(lines) else (lines[-1].no if lines else start_no)
            end = f"at line {where} ({lines[i].text.split()[0][:30]!r})" if i < len(lines) else "at the end of the file"
            raise InputError(
                path,
                f"EDGE_WEIGHT_SECTION is truncated: it ends {end}; expected {need} numbers "
                f"({fmt}, DIMENSION {n}), found {count}",
                where,
            )
        ln = lines[i]
        vals = _numbers(path, ln, ln.text.split())
        if count + vals.size > need:
            raise InputError(
                path, f"EDGE_WEIGHT_SECTION has more numbers than expected: {need} ({fmt}, DIMENSION {n}) "
                f"are complete within this line, which brings {count + vals.size}", ln.no)
        if not np.all(vals == np.round(vals)):
            raise InputError(path, "EDGE_WEIGHT_SECTION: edge weights must be integers", ln.no)
        if vals.size and np.abs(vals).max() >= _LENGTH_LIMIT / max(n, 1):
            raise InputError(path, "EDGE_WEIGHT_SECTION: edge weight too large", ln.no)
        chunks.append(vals.astype(np.int64))
        count += vals.size
        i += 1
    values = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    return values, i


def _parse_dimension(path, value: str, no: int) -> int:
    if not re.fullmatch(r"\+?\d+", value):
        raise InputError(path, f"DIMENSION must be a positive integer, got {value[:40]!r}", no)
    n = int(value)
    if n < 1:
        raise InputError(path, f"DIMENSION must be at least 1, got {n}", no)
    if n > MAX_DIMENSION:
        raise InputError(path, f"DIMENSION {n} is larger than the {MAX_DIMENSION} cities combopt handles "
                               "(it keeps a full distance matrix)", no)
    return n


def read_tsplib(path: str | Path) -> TSP:
    """Read a symmetric TSPLIB ``.tsp`` file.

    Supported: ``TYPE: TSP`` (and ``ATSP`` whose matrix is symmetric),
    ``EDGE_WEIGHT_TYPE`` EUC_2D, CEIL_2D, ATT, GEO, MAN_2D, MAX_2D and
    EXPLICIT with ``EDGE_WEIGHT_FORMAT`` FULL_MATRIX, UPPER_ROW, LOWER_ROW,
    UPPER_DIAG_ROW, LOWER_DIAG_ROW and their ``_COL`` variants. The
    DISPLAY_DATA_SECTION only provides coordinates for :meth:`TSP.plot`.
    Every malformed input raises :class:`InputError` with the line number.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(path, f"file is {size} bytes; larger than the {MAX_FILE_BYTES} bytes combopt will read")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(path, "not a text file; expected a TSPLIB .tsp file") from None
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    lines = [_Line(k + 1, s.strip()) for k, s in enumerate(text.splitlines())]
    lines = [ln for ln in lines if ln.text]

    header: dict[str, tuple[str, int]] = {}
    coords = display = weights = None
    weights_line = None
    done: dict[str, int] = {}
    last_section = None
    n = None
    i = 0
    while i < len(lines):
        ln = lines[i]
        m = _KEY_RE.fullmatch(ln.text)
        if m is None:
            if last_section is not None and _is_data(ln.text):
                raise InputError(path, f"more data than expected after {last_section} (DIMENSION {n})", ln.no)
            raise InputError(path, f"unexpected line {ln.text[:40]!r}; expected 'KEY : value' or a section name",
                             ln.no)
        key, colon, value = m.group(1).upper(), m.group(2), m.group(3).strip()
        if key == "EOF":
            break
        if key in _SECTIONS:
            if key in done:
                raise InputError(path, f"{key} appears twice (first at line {done[key]})", ln.no)
            done[key] = ln.no
            if key in ("FIXED_EDGES_SECTION", "TOUR_SECTION", "DEPOT_SECTION", "DEMAND_SECTION", "EDGE_DATA_SECTION"):
                raise InputError(path, f"{key} is not supported for a symmetric TSP", ln.no)
            if n is None:
                raise InputError(path, f"{key} comes before DIMENSION; the header must give DIMENSION first", ln.no)
            if key == "NODE_COORD_SECTION":
                coords, i = _coord_section(path, lines, i + 1, n, key, ln.no)
            elif key == "DISPLAY_DATA_SECTION":
                display, i = _coord_section(path, lines, i + 1, n, key, ln.no)
            else:  # EDGE_WEIGHT_SECTION
                if "EDGE_WEIGHT_FORMAT" not in header:
                    raise InputError(path, "EDGE_WEIGHT_SECTION comes before EDGE_WEIGHT_FORMAT", ln.no)
                fmt = header["EDGE_WEIGHT_FORMAT"][0]
                if fmt not in _FORMATS:
                    raise InputError(path, f"EDGE_WEIGHT_FORMAT {fmt} cannot be read as an explicit matrix; "
                                           f"expected one of {', '.join(_FORMATS)}", header["EDGE_WEIGHT_FORMAT"][1])
                weights, i = _weight_section(path, lines, i + 1, n, fmt, ln.no)
                weights_line = ln.no
            last_section = key
            continue
        if key not in _HEADER_KEYS:
            raise InputError(path, f"unknown keyword {key[:40]!r}", ln.no)
        if not colon:
            raise InputError(path, f"expected '{key} : value'", ln.no)
        if key in header and key != "COMMENT":
            raise InputError(path, f"{key} appears twice (first at line {header[key][1]})", ln.no)
        if key != "NAME" and key != "COMMENT":
            value = value.upper()
        header[key] = (value, ln.no)
        if key == "DIMENSION":
            n = _parse_dimension(path, value, ln.no)
        elif key == "TYPE" and value not in ("TSP", "ATSP"):
            raise InputError(path, f"TYPE {value[:40]} is not supported; expected TSP", ln.no)
        elif key == "EDGE_WEIGHT_TYPE" and value not in EDGE_WEIGHT_TYPES:
            raise InputError(path, f"EDGE_WEIGHT_TYPE {value[:40]} is not supported; expected one of "
                                   f"{', '.join(EDGE_WEIGHT_TYPES)}", ln.no)
        elif key == "EDGE_WEIGHT_FORMAT" and value not in _FORMATS and value != "FUNCTION":
            raise InputError(path, f"EDGE_WEIGHT_FORMAT {value[:40]} is not supported; expected FUNCTION or one of "
                                   f"{', '.join(_FORMATS)}", ln.no)
        elif key == "NODE_COORD_TYPE" and value not in ("TWOD_COORDS", "NO_COORDS"):
            raise InputError(path, f"NODE_COORD_TYPE {value[:40]} is not supported; expected TWOD_COORDS", ln.no)
        i += 1

    if n is None:
        raise InputError(path, "missing DIMENSION")
    if "EDGE_WEIGHT_TYPE" not in header:
        raise InputError(path, "missing EDGE_WEIGHT_TYPE")
    ewt, ewt_line = header["EDGE_WEIGHT_TYPE"]
    problem_type, type_line = header.get("TYPE", ("TSP", None))
    raw = header.get("NAME", ("", 0))[0]
    name = re.sub(r"\.tsp$", "", raw, flags=re.IGNORECASE) or path.name.split(".")[0]
    if ewt == "EXPLICIT":
        if "EDGE_WEIGHT_FORMAT" not in header:
            raise InputError(path, "EDGE_WEIGHT_TYPE EXPLICIT needs an EDGE_WEIGHT_FORMAT", ewt_line)
        if weights is None:
            raise InputError(path, "EDGE_WEIGHT_TYPE EXPLICIT but no EDGE_WEIGHT_SECTION")
        fmt = header["EDGE_WEIGHT_FORMAT"][0]
        D = explicit_matrix(weights, n, fmt)
        if not np.array_equal(D, D.T):
            r, c = np.argwhere(D != D.T)[0]
            what = "TYPE ATSP" if problem_type == "ATSP" else f"{fmt} matrix"
            raise InputError(path, f"{what} is asymmetric (d({r + 1},{c + 1}) = {D[r, c]}, d({c + 1},{r + 1}) = "
                                   f"{D[c, r]}); only the symmetric TSP is supported", weights_line)
        np.fill_diagonal(D, 0)
        xy = coords if coords is not None else display
    else:
        if coords is None:
            raise InputError(path, f"EDGE_WEIGHT_TYPE {ewt} needs a NODE_COORD_SECTION")
        try:
            D = tsplib_distances(coords, ewt)
        except ParameterError as e:
            raise InputError(path, str(e), ewt_line) from None
        xy = coords
    return TSP(D, name=name, coords=xy, source=str(path), edge_weight_type=ewt)


def sniff_tsplib(head: str) -> bool:
    """True when the first lines look like a TSPLIB file (``TYPE : TSP`` or ``ATSP``)."""
    return bool(re.search(r"^\s*TYPE\s*:\s*A?TSP\s*$", head, flags=re.MULTILINE | re.IGNORECASE))


@register_reader("tsplib", kinds=("tsp",), extensions=(".tsp",), sniff=sniff_tsplib)
def _read(path: Path, kind: str, index: int | None):
    if index not in (None, 0):
        raise InputError(path, f"holds a single TSP instance; #{index} does not exist (use #0 or no index)")
    return read_tsplib(path)


# ------------------------------------------------------------------------------- bounds
def one_tree(D, pi=None, special: int = 0) -> tuple[float, np.ndarray, np.ndarray]:
    """Minimum 1-tree under the weights ``D[i, j] + pi[i] + pi[j]`` (any sign).

    A minimum spanning tree on all cities but ``special``, plus the two
    cheapest edges at ``special``. Every tour is a 1-tree, so
    ``value - 2 * sum(pi)`` is a lower bound on every tour length under ``D``.

    Returns
    -------
    (value, degree, edges)
        ``value`` under the modified weights; ``degree[i]``: degree of city
        ``i`` in the 1-tree; ``edges``: ``(n, 2)`` int64.
    """
    from ..solvers.tsp_local import one_tree_kernel

    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    if n < 3:
        raise ParameterError("a 1-tree needs at least 3 cities")
    pi = np.zeros(n) if pi is None else np.ascontiguousarray(pi, dtype=np.float64)
    degree = np.zeros(n, dtype=np.int64)
    parent = np.zeros(n, dtype=np.int64)
    value, m1, m2 = one_tree_kernel(D, pi, int(special), degree, parent)
    kids = np.flatnonzero(parent >= 0)
    edges = np.concatenate([np.stack([parent[kids], kids], axis=1), [[special, m1], [special, m2]]]).astype(np.int64)
    return float(value), degree, edges


@dataclass
class HeldKarp:
    """Result of :func:`held_karp`: the best Lagrangian bound and its multipliers."""

    bound: float          # best w(pi) found (a float; ceil it for integer distances)
    pi: np.ndarray        # node multipliers that gave it
    degree: np.ndarray    # 1-tree degrees at those multipliers
    iterations: int
    is_tour: bool         # the 1-tree was a tour: the bound is the optimum


def nearest_neighbour_tour(D: np.ndarray, start: int = 0) -> np.ndarray:
    """Nearest-neighbour tour from ``start`` (numpy; O(n^2))."""
    D = np.asarray(D)
    n = D.shape[0]
    tour = np.empty(n, dtype=np.int64)
    free = np.ones(n, dtype=bool)
    cur = int(start)
    for k in range(n):
        tour[k] = cur
        free[cur] = False
        if k + 1 < n:
            cand = np.flatnonzero(free)
            cur = int(cand[np.argmin(D[cur, cand])])
    return tour


def tour_length(tour, D) -> int | float:
    """Length of the closed tour (numpy)."""
    t = np.asarray(tour, dtype=np.int64)
    return D[t, np.roll(t, -1)].sum().item()


def held_karp(D, iterations: int = 100, upper: float | None = None, pi0=None) -> HeldKarp:
    """Held-Karp 1-tree bound by projected subgradient on the node multipliers.

    ``w(pi) = min_1tree sum (d_ij + pi_i + pi_j) - 2 sum pi`` is a lower bound
    on the optimal tour for every ``pi``; the subgradient is ``degree - 2``.
    Steps are Polyak's ``theta (upper - w) / ||d||^2`` along the deflected
    subgradient ``d`` (``theta`` starts at 0.5 and shrinks by 0.7 after three
    steps without a better bound); ``upper`` defaults to the best of a few
    nearest-neighbour tours. Stops after ``iterations`` 1-trees or when a 1-tree is a tour.
    """
    if int(iterations) < 1:
        raise ParameterError(f"iterations must be at least 1, got {iterations}")
    D = np.ascontiguousarray(D, dtype=np.float64)
    n = D.shape[0]
    if n < 3:
        val = 2.0 * D[0, 1] if n == 2 else 0.0
        return HeldKarp(val, np.zeros(n), np.full(n, 2 if n == 2 else 0), 0, True)
    if upper is None:
        starts = np.unique(np.linspace(0, n - 1, min(n, 5)).astype(int))
        upper = min(tour_length(nearest_neighbour_tour(D, s), D) for s in starts)
    from ..solvers.tsp_local import one_tree_kernel

    pi = np.zeros(n) if pi0 is None else np.array(pi0, dtype=np.float64)
    deg = np.zeros(n, dtype=np.int64)
    parent = np.zeros(n, dtype=np.int64)
    best = -math.inf
    best_pi = pi.copy()
    best_deg = None
    theta = 0.5
    stall = 0
    patience = 3
    g_prev = np.zeros(n)
    it = 0
    for it in range(1, iterations + 1):
        w = one_tree_kernel(D, pi, 0, deg, parent)[0] - 2.0 * pi.sum()
        g = (deg - 2).astype(np.float64)
        if best_deg is None or w > best + 1e-9 * max(1.0, abs(best)):
            best, best_pi, best_deg = w, pi.copy(), deg.copy()
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                theta *= 0.7
                stall = 0
        if not g.any():
            return HeldKarp(w, pi, deg.copy(), it, True)
        if best >= upper - 1e-9:
            break
        d = 0.7 * g + 0.3 * g_prev  # Camerini-Fratta-Maffioli deflection
        g_prev = g
        if not d.any():
            d = g
        step = theta * (upper - w) / float(d @ d)
        pi = pi + step * d
    return HeldKarp(best, best_pi, best_deg, it, False)


# ------------------------------------------------------------------------------- problem
class TSP(Problem):
    """Symmetric TSP on ``n`` cities with integer distance matrix ``D``.

    Parameters
    ----------
    D
        ``(n, n)`` symmetric integer matrix (the diagonal is ignored).
    name
        Instance name.
    coords
        Optional ``(n, 2)`` coordinates, used by :meth:`plot`.
    """

    kind = "tsp"
    sense = "min"

    def __init__(self, D, name: str = "tsp", coords=None, source: str | None = None,
                 edge_weight_type: str | None = None):
        A = np.asarray(D)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] < 1:
            raise ParameterError(f"D must be a square matrix, got shape {A.shape}")
        if not np.issubdtype(A.dtype, np.number) or not np.all(np.isfinite(A)):
            raise ParameterError("D must hold finite numbers")
        if not np.all(A == np.round(A)):
            raise ParameterError("D must hold integer distances")
        if A.size and np.abs(A).max() >= _LENGTH_LIMIT / A.shape[0]:
            raise ParameterError("distances too large: tour lengths would overflow")
        A = A.astype(np.int64)  # copy
        if not np.array_equal(A, A.T):
            raise ParameterError("D must be symmetric (kind 'tsp' is the symmetric TSP)")
        np.fill_diagonal(A, 0)
        # not marked read-only: Numba compiles read-only arrays as a separate type
        self.D = A  # treat as immutable (bound and neighbour lists are cached)
        self.name = name
        self.source = source
        self.edge_weight_type = edge_weight_type
        if coords is not None:
            coords = np.asarray(coords, dtype=np.float64)
            if coords.shape != (A.shape[0], 2):
                raise ParameterError(f"coords must have shape ({A.shape[0]}, 2), got {coords.shape}")
        self.coords = coords
        self._bound: float | None = None
        self._nbr: dict[int, np.ndarray] = {}

    @classmethod
    def from_coords(cls, coords, edge_weight_type: str = "EUC_2D", name: str = "tsp") -> TSP:
        return cls(tsplib_distances(coords, edge_weight_type), name=name, coords=coords,
                   edge_weight_type=edge_weight_type.upper())

    @property
    def n(self) -> int:
        return self.D.shape[0]

    @property
    def num_variables(self) -> int:
        return self.n

    def describe(self) -> str:
        ewt = f", {self.edge_weight_type}" if self.edge_weight_type else ""
        return f"tsp {self.name}: {self.n} cities{ewt}"

    def neighbours(self, k: int) -> np.ndarray:
        """``(n, k)`` int64: each city's ``k`` nearest other cities, nearest first (cached)."""
        from ..solvers.tsp_local import neighbour_lists

        k = max(0, min(int(k), self.n - 1))
        if k not in self._nbr:
            self._nbr[k] = neighbour_lists(self.D, k)
        return self._nbr[k]

    # -- evaluation -------------------------------------------------------------------
    def evaluate(self, solution) -> Evaluation:
        """Check that ``solution`` is a permutation of ``0..n-1``; objective = closed tour length."""
        n = self.n
        try:
            t = np.asarray(solution)
        except (TypeError, ValueError):
            return Evaluation(None, False, ["tour is not a list of city indices"])
        if t.ndim != 1:
            return Evaluation(None, False, [f"tour must be a flat list of cities, got shape {t.shape}"])
        if t.size and not (np.issubdtype(t.dtype, np.integer) or (np.issubdtype(t.dtype, np.floating) and
                                                                  np.all(np.isfinite(t) & (t == np.round(t))))):
            return Evaluation(None, False, ["tour entries must be integer city indices"])
        t = t.astype(np.int64) if t.size else np.zeros(0, dtype=np.int64)
        viol: list[str] = []
        if t.size != n:
            viol.append(f"tour has {t.size} cities, expected {n}")
        bad = t[(t < 0) | (t >= n)]
        for v in bad[:MAX_VIOLATIONS_LISTED]:
            viol.append(f"city {int(v) + 1} is out of range 1..{n}")
        ok = t[(t >= 0) & (t < n)]
        counts = np.bincount(ok, minlength=n)
        for c in np.flatnonzero(counts > 1)[:MAX_VIOLATIONS_LISTED]:
            viol.append(f"city {c + 1} appears {counts[c]} times")
        missing = np.flatnonzero(counts == 0)
        for c in missing[:MAX_VIOLATIONS_LISTED]:
            viol.append(f"city {c + 1} is missing")
        if missing.size > MAX_VIOLATIONS_LISTED:
            viol.append(f"... and {missing.size - MAX_VIOLATIONS_LISTED} more missing cities")
        if viol:
            return Evaluation(None, False, viol)
        return Evaluation(float(self.D[t, np.roll(t, -1)].sum()), True, [])

    def tour_length(self, tour) -> int:
        return int(tour_length(tour, self.D))

    # -- bounds and exact model -------------------------------------------------------
    def held_karp(self, iterations: int = 100, upper: float | None = None) -> HeldKarp:
        return held_karp(self.D, iterations, upper)

    def bound(self) -> float | None:
        """Held-Karp 1-tree bound (at most 100 subgradient steps, fewer above 1700
        cities; none above 3000), rounded up; cached."""
        if self._bound is None:
            if self.n > 3000:
                return None
            hk = held_karp(self.D, min(100, max(30, int(3e8 / self.n**2))))
            self._bound = float(math.ceil(hk.bound - 1e-7 * max(1.0, abs(hk.bound))))
        return self._bound

    def to_pulp(self, formulation: str = "flow"):
        """Exact MILP on directed arcs ``x_ij`` (one arc out of and into every city,
        no 2-cycles) with compact subtour elimination.

        ``formulation="flow"`` (default): single-commodity flow, city 0 sends one
        unit to every other city over the chosen arcs (Gavish-Graves); ``"mtz"``:
        Miller-Tucker-Zemlin order variables with the Desrochers-Laporte
        lifting (weaker here: CBC needs about 10x longer on burma14).
        """
        import pulp

        from ..solvers.milp import binary_var

        n = self.n
        if n < 3:
            raise ParameterError("the TSP MILP needs at least 3 cities")
        D = self.D
        label = re.sub(r"\W", "_", f"tsp_{self.name}")
        prob = pulp.LpProblem(label, pulp.LpMinimize)
        x = {(i, j): binary_var(prob, f"x{i}_{j}") for i in range(n) for j in range(n) if i != j}
        prob += pulp.LpAffineExpression([(x[a], float(D[a])) for a in x])
        for i in range(n):
            prob += pulp.lpSum(x[i, j] for j in range(n) if j != i) == 1
            prob += pulp.lpSum(x[j, i] for j in range(n) if j != i) == 1
        for i in range(n):
            for j in range(i + 1, n):
                prob += x[i, j] + x[j, i] <= 1
        if formulation == "mtz":
            u = {i: prob.add_variable(f"u{i}", 1, n - 1) for i in range(1, n)}
            for i in range(1, n):
                for j in range(1, n):
                    if i != j:
                        prob += u[i] - u[j] + (n - 1) * x[i, j] + (n - 3) * x[j, i] <= n - 2
            for i in range(1, n):  # Desrochers-Laporte lifted bounds
                prob += u[i] >= 2 - x[0, i] + (n - 3) * x[i, 0]
                prob += u[i] <= n - 2 + x[i, 0] - (n - 3) * x[0, i]
        elif formulation == "flow":
            # city 0 sends one unit of flow to every other city along the chosen arcs
            f = {a: prob.add_variable(f"f{a[0]}_{a[1]}", 0, n - 1) for a in x if a[1] != 0}
            for (i, j), fa in f.items():
                prob += fa <= (n - 1 if i == 0 else n - 2) * x[i, j]
            for i in range(1, n):
                prob += pulp.lpSum(f[j, i] for j in range(n) if j != i) - \
                    pulp.lpSum(f[i, j] for j in range(1, n) if j != i) == 1
        else:
            raise ParameterError(f"unknown TSP formulation {formulation!r}; expected 'mtz' or 'flow'")

        def decode() -> np.ndarray:
            succ = np.full(n, -1, dtype=np.int64)
            for (i, j), var in x.items():
                if (var.value() or 0) > 0.5:
                    succ[i] = j
            tour = [0]
            while len(tour) < n:
                nxt = succ[tour[-1]]
                if nxt < 0 or nxt in tour:
                    break
                tour.append(int(nxt))
            return np.asarray(tour, dtype=np.int64)

        return prob, decode

    # -- picture ----------------------------------------------------------------------
    # -- QUBO and Lagrangian reductions (position-based, city 0 fixed at position 0) -----------
    def qubo_index(self, city: int, position: int) -> int:
        """Variable of "``city`` at ``position``" (both 1..n-1): city-major, ``(city-1)(n-1) + position-1``."""
        return (city - 1) * (self.n - 1) + (position - 1)

    def lagrangian_model(self):
        """Tour length over ``(n-1)^2`` binaries with two families of equalities (no slack at all).

        ``x[i, t] = 1`` when city ``i`` is visited at position ``t`` (i, t = 1..n-1;
        city 0 sits at position 0). Objective: ``sum_t d_ij x[i,t] x[j,t+1]`` plus the
        linear edges to and from city 0. Constraints: every city once
        (``sum_t x[i,t] - 1 = 0``) and every position once (``sum_i x[i,t] - 1 = 0``).
        """
        import scipy.sparse as sp

        from .lagrangian_model import LagrangianModel

        n = self.n
        if n < 3:
            raise ParameterError("the position-based TSP QUBO needs at least 3 cities")
        m = n - 1
        D = self.D.astype(np.float64)
        N = m * m
        h = np.zeros(N)
        cities = np.arange(1, n)
        h[(cities - 1) * m + 0] += D[0, cities]          # 0 -> city at position 1
        h[(cities - 1) * m + (m - 1)] += D[cities, 0]    # city at position n-1 -> 0
        rows, cols, vals = [], [], []
        ii, jj = np.meshgrid(cities, cities, indexing="ij")
        mask = ii != jj
        ii, jj = ii[mask], jj[mask]
        for t in range(1, m):  # position t -> t+1
            a = (ii - 1) * m + (t - 1)
            b = (jj - 1) * m + t
            rows += [a, b]
            cols += [b, a]
            vals += [D[ii, jj], D[ii, jj]]
        W = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N, N)).tocsr()
        f = QUBO(h, W, name=f"tsp-{self.name}")
        # equalities: rows 0..m-1 cities, rows m..2m-1 positions
        var = np.arange(N)
        city_of, pos_of = var // m, var % m
        G = sp.csr_matrix((np.ones(2 * N), (np.concatenate([city_of, m + pos_of]), np.concatenate([var, var]))),
                          shape=(2 * m, N))
        names = [f"city {i} once" for i in cities] + [f"position {t} once" for t in range(1, n)]
        return LagrangianModel(objective=f, G=G, c=-np.ones(2 * m), equality=np.ones(2 * m, dtype=bool), names=names)

    def to_qubo(self, penalty: float | None = None) -> QUBO:
        """Penalty QUBO ``length + P * sum (one-hot violations)^2``; default ``P`` = 1.5 x the longest edge."""
        model = self.lagrangian_model()
        P = float(self.D.max()) * 1.5 if penalty is None else float(penalty)
        if not P > 0:
            raise ParameterError(f"penalty must be positive, got {penalty}")
        return model.relaxed_qubo(np.zeros(model.m), rho=2.0 * P)

    def from_qubo_samples(self, X, rng=None, **hints) -> list:
        """Decode each sample to a tour (maximum-weight assignment on x), then 2-opt + Or-opt."""
        from ..solvers.tsp_local import decode_assignment, improve_tour

        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        tours = {}
        nbr = self.neighbours(min(16, self.n - 1))
        for x in np.unique(X, axis=0):
            tour = improve_tour(decode_assignment(x, self.D), self.D, nbr)
            k = int(np.argmin(tour))
            tour = np.roll(tour, -k)
            tours[tour.tobytes()] = tour
        return list(tours.values())

    def from_qubo_sample(self, x, rng=None):
        return self.from_qubo_samples(np.asarray(x)[None, :], rng)[0]

    def plot(self, tour, path: str | Path, title: str | None = None) -> Path:
        """Save a picture of the tour (PNG, PDF, SVG by extension); needs coordinates."""
        if self.coords is None:
            raise ParameterError(f"{self.name} has no coordinates to plot")
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        ev = self.evaluate(tour)
        if not ev.feasible:
            raise ParameterError("cannot plot an invalid tour: " + "; ".join(ev.violations[:3]))
        t = np.asarray(tour, dtype=np.int64)
        xy = self.coords
        if self.edge_weight_type == "GEO":
            xy = xy[:, ::-1]  # latitude, longitude -> x = longitude, y = latitude
        closed = np.append(t, t[0])
        fig = Figure(figsize=(6, 6))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot(xy[closed, 0], xy[closed, 1], "-", color="tab:blue", lw=1.2)
        ax.plot(xy[:, 0], xy[:, 1], "o", color="tab:red", ms=3)
        ax.plot(xy[t[0], 0], xy[t[0], 1], "s", color="black", ms=6)
        ax.set_title(title or f"{self.name}: length {ev.objective:g}")
        ax.set_aspect("equal", adjustable="datalim")
        path = Path(path)
        fig.savefig(path, dpi=120)
        return path

    # -- JSON -------------------------------------------------------------------------
    def solution_to_json(self, solution):
        return [int(c) + 1 for c in np.asarray(solution, dtype=np.int64).ravel()]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            if "solution" not in data:
                raise InputError(path, "expected a JSON object with a 'solution' list of cities")
            data = data["solution"]
        if not isinstance(data, list):
            raise InputError(path, "expected 'solution' to be a list of 1-based city numbers")
        out = []
        for v in data:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
                raise InputError(path, f"city {str(v)[:40]!r} is not an integer city number")
            v = int(v)
            if not 1 <= v <= self.n:
                raise InputError(path, f"city {v} is out of range 1..{self.n}")
            out.append(v - 1)
        return np.asarray(out, dtype=np.int64)
