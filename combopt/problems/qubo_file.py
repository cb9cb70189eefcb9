"""QUBO files as a problem kind (``qubo``): three formats.

* combopt's JSON (:meth:`combopt.QUBO.write_json`; ``.qubo.json``, or ``.qubo`` starting with ``{``);
* qbsolv's text format (D-Wave's QUBO(5); ``.qubo``): ``c`` comment lines anywhere, one program line
  ``p qubo topology maxNodes nNodes nCouplers``, then ``nNodes`` lines ``i i weight`` and ``nCouplers`` lines
  ``i j strength`` with ``i < j``, nodes numbered ``0 .. maxNodes-1``; the energy
  ``sum_i w_ii x_i + sum_{i<j} w_ij x_i x_j`` is minimised;
* OR-Library's BQP files (Beasley 1990/1998, ``bqp50.txt`` ... ``bqp2500.txt``, or ``.bqp``): the number of
  problems, then per problem ``n nnz`` and ``nnz`` lines ``i j q`` (1-based, each pair once) of a symmetric matrix
  ``Q``; ``x^T Q x = sum_i q_ii x_i + 2 sum_{i<j} q_ij x_i x_j`` is *maximised* (bqp50 #0 has the published
  optimum 2098 under this reading, which the tests check with the exact MILP). ``file#K`` is the K-th problem
  (0-based: ``bqp50.txt#0`` is OR-Library's bqp50-1).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..core.errors import InputError, NoSuchInstance, ParameterError
from ..core.io import register_reader
from ..core.limits import check_memory
from ..core.registry import register_kind
from ..models.qubo import BYTES_PER_COUPLING, BYTES_PER_VARIABLE, QUBO, read_qubo_json

register_kind("qubo", ("qubo", "milp"))

#: variables a QUBO file may declare (a dense row of the model's work arrays per replica must stay sane)
MAX_QUBO_VARIABLES = 10_000_000
#: bytes a qbsolv node or coupler line takes while the file is read (its dict entry, then the lists and arrays of
#: :meth:`QUBO.from_dicts`: 1.92 GB for 4 million couplers), checked against the memory budget at the program line
QBSOLV_BYTES_PER_LINE = 480


def _sniff_json(head: str) -> bool:
    return head.lstrip().startswith("{") and '"combopt-qubo"' in head


def _content_lines(head: str, k: int) -> list[list[str]]:
    """The first ``k`` non-blank lines' tokens."""
    out = []
    for line in head.splitlines():
        toks = line.split()
        if toks:
            out.append(toks)
            if len(out) == k:
                break
    return out


def _is_int(s: str) -> bool:
    return re.fullmatch(r"[+-]?[0-9]+", s) is not None


def _sniff_qbsolv(head: str) -> bool:
    for line in head.splitlines():
        toks = line.split()
        if not toks or toks[0] == "c" or line.startswith("c"):
            continue
        return len(toks) >= 2 and toks[0] == "p" and toks[1] == "qubo"
    return False


def _sniff_bqp(head: str) -> bool:
    """One integer (the problem count), then ``n nnz`` (two integers), then ``i j q`` triples."""
    lines = _content_lines(head, 4)
    if len(lines) < 3 or len(lines[0]) != 1 or len(lines[1]) != 2:
        return False
    if not all(_is_int(t) for t in lines[0] + lines[1]):
        return False
    return all(len(t) == 3 and _is_int(t[0]) and _is_int(t[1]) for t in lines[2:])


@register_reader("qubo-json", kinds=("qubo",), extensions=(".qubo.json", ".qubo"), sniff=_sniff_json)
def _read(path: Path, kind: str, index: int | None):
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single QUBO; #{index} does not exist")
    if path.name.lower().endswith(".qubo.json"):
        return read_qubo_json(path)
    with open(path, "rb") as f:
        head = f.read(4096).decode("utf-8-sig", errors="replace")
    if head.lstrip().startswith("{"):
        return read_qubo_json(path)
    return read_qbsolv(path)


@register_reader("qbsolv", kinds=("qubo",), extensions=(), sniff=_sniff_qbsolv)
def _read_qbsolv(path: Path, kind: str, index: int | None):
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single QUBO; #{index} does not exist")
    return read_qbsolv(path)


@register_reader("orlib-bqp", kinds=("qubo",), extensions=(".bqp",), sniff=_sniff_bqp)
def _read_bqp(path: Path, kind: str, index: int | None):
    return read_bqp(path, 0 if index is None else index)  # as OR-Library mknap files: the first unless file#K


# --------------------------------------------------------------------------------------------- qbsolv


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad, Excel) is no error
    except UnicodeDecodeError:
        raise InputError(path, "not a text file; expected a QUBO file") from None


def _within_declared(path: Path, header: tuple, held: int, what: str, lineno: int) -> None:
    """A node or coupler line past the program line's count (the count the memory check took) ends the read."""
    if held == (header[2] if what == "node" else header[3]):
        raise InputError(path, f"the program line declares {header[2]} node(s) and {header[3]} coupler(s); the file "
                               f"holds more {what} lines (line {lineno})", header[0])


def _lines(f):
    """The lines of ``f`` as ``str.splitlines`` of its whole text numbers them (form feeds and the like end lines)."""
    for raw in f:
        yield from raw.splitlines()


def _qbsolv_lines(path: Path, lines, out: list) -> None:
    """Read the lines of a qbsolv file into ``out = [header, nodes, couplers]``."""
    header, nodes, couplers = out
    total = 0.0
    for lineno, line in enumerate(lines, 1):
        toks = line.split()
        if not toks or line.startswith("c"):
            continue
        if header is None:
            if toks[0] != "p" or len(toks) != 6 or toks[1] != "qubo":
                raise InputError(path, "expected the program line 'p qubo topology maxNodes nNodes nCouplers' "
                                       f"before any data, got {line.strip()[:60]!r}", lineno)
            if not all(_is_int(t) for t in toks[3:]) or min(int(t) for t in toks[3:]) < 0:
                raise InputError(path, "maxNodes, nNodes and nCouplers must be integers >= 0", lineno)
            header = out[0] = (lineno, int(toks[3]), int(toks[4]), int(toks[5]))
            if header[1] > MAX_QUBO_VARIABLES:
                raise InputError(path, f"maxNodes {header[1]} is more than the {MAX_QUBO_VARIABLES} variables combopt "
                                       "reads", lineno)
            # before the lines are read: the couplers' dict and lists took 1.28 GB of a --max-memory 100M run
            check_memory(BYTES_PER_VARIABLE * header[1] + QBSOLV_BYTES_PER_LINE * (header[2] + header[3]),
                         f"a qbsolv QUBO of {header[1]} nodes, {header[2]} node lines and {header[3]} couplers", path,
                         lineno)
            continue
        if toks[0] == "p":
            raise InputError(path, "a second program line; expected one", lineno)
        if len(toks) != 3 or not (_is_int(toks[0]) and _is_int(toks[1])):
            raise InputError(path, f"expected 'i j value' with integer node numbers, got {line.strip()[:60]!r}",
                             lineno)
        i, j = int(toks[0]), int(toks[1])
        try:
            w = float(toks[2])
        except ValueError:
            raise InputError(path, f"value {toks[2]!r} is not a number", lineno) from None
        if not np.isfinite(w):
            raise InputError(path, f"value {toks[2]!r} is not a finite number", lineno)
        total += abs(w) if i == j else 2.0 * abs(w)  # as the QUBO counts them (x.Wx adds a coupler twice)
        if not np.isfinite(total):  # the line where the sum passes the float range (the QUBO's check has none)
            raise InputError(path, "coefficients too large: their absolute values up to this line add up to more than "
                                   "a float holds (about 1.8e308), so energies would overflow; expected smaller "
                                   "coefficients", lineno)
        max_nodes = header[1]
        for v in (i, j):
            if not 0 <= v < max_nodes:
                raise InputError(path, f"node {v} is outside 0..{max_nodes - 1} (maxNodes {max_nodes})", lineno)
        if i == j:
            if couplers:
                raise InputError(path, f"node line '{i} {i}' after the couplers; the nNodes node lines come first",
                                 lineno)
            if i in nodes:
                raise InputError(path, f"node {i} appears twice", lineno)
            _within_declared(path, header, len(nodes), "node", lineno)
            nodes[i] = w
        else:
            if i > j:
                raise InputError(path, f"coupler '{i} {j}': expected i < j", lineno)
            if (i, j) in couplers:
                raise InputError(path, f"coupler '{i} {j}' appears twice", lineno)
            _within_declared(path, header, len(couplers), "coupler", lineno)
            couplers[(i, j)] = w


def read_qbsolv(path: str | Path) -> QUBO:
    """Read a qbsolv ``.qubo`` file (see the module documentation); every error names its line."""
    path = Path(path)
    nodes: dict[int, float] = {}
    couplers: dict[tuple[int, int], float] = {}
    out = [None, nodes, couplers]
    try:  # line by line: the whole text and its list of lines took 511 MB at 4 million couplers
        with open(path, encoding="utf-8-sig") as f:  # a byte-order mark (Notepad, Excel) is no error
            _qbsolv_lines(path, _lines(f), out)
    except UnicodeDecodeError:
        raise InputError(path, "not a text file; expected a QUBO file") from None
    header = out[0]
    if header is None:
        raise InputError(path, "no program line 'p qubo topology maxNodes nNodes nCouplers'; expected a qbsolv "
                               "QUBO file")
    lineno, max_nodes, n_nodes, n_couplers = header
    if len(nodes) != n_nodes or len(couplers) != n_couplers:
        raise InputError(path, f"the program line declares {n_nodes} node(s) and {n_couplers} coupler(s); the file "
                               f"holds {len(nodes)} and {len(couplers)}", lineno)
    try:
        q = QUBO.from_dicts(nodes, couplers, n=max_nodes, name=path.stem)
    except ParameterError as e:
        raise InputError(path, str(e)) from None
    q.source = str(path)
    return q


def qbsolv_text(qubo: QUBO) -> str:
    """``qubo`` as a qbsolv ``.qubo`` file: its minimisation form (a maximisation model negated), the constant
    offset in a comment (the format has none), zero weights left out, numbers written exactly."""
    U = sp.triu(qubo.W, k=1).tocoo()
    nodes = np.flatnonzero(qubo.h)
    lines = [f"c {qubo.name}: minimise; constant offset {float(qubo.offset)!r} not included"
             + ("; the negated form of a maximisation" if qubo.sense == "max" else ""),
             f"p qubo 0 {qubo.n} {nodes.size} {U.nnz}"]
    lines += [f"{i} {i} {float(qubo.h[i])!r}" for i in nodes]
    lines += [f"{i} {j} {float(w)!r}" for i, j, w in zip(U.row, U.col, U.data, strict=True)]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- OR-Library


def _line_of(text: str, token: int) -> int:
    """1-based line of the ``token``-th whitespace-separated token of ``text`` (error path only)."""
    seen = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        seen += len(line.split())
        if seen > token:
            return lineno
    return max(1, text.count("\n"))


def read_bqp(path: str | Path, index: int | None = None) -> QUBO | list[QUBO]:
    """An OR-Library BQP file: problem ``index`` (0-based), or all of them as a list when ``index`` is ``None``
    (a file of one problem gives that problem)."""
    path = Path(path)
    text = _text(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # older NumPy warns where newer raises
            vals = np.fromstring(text, dtype=np.float64, sep=" ")  # the fast path: bqp2500 has 3 million lines
    except ValueError:
        vals = None
    if vals is None or vals.size == 0 or not np.all(np.isfinite(vals)):
        for lineno, line in enumerate(text.splitlines(), 1):  # the error path: find the token, name its line
            for tok in line.split():
                try:
                    ok = np.isfinite(float(tok))
                except ValueError:
                    ok = False
                if not ok:
                    raise InputError(path, f"{tok!r} is not a finite number; expected an OR-Library BQP file (count, "
                                           "then 'n nnz' and 'i j q' lines)", lineno)
        raise InputError(path, "empty; expected an OR-Library BQP file (count, then 'n nnz' and 'i j q' lines)")
    pos = 0

    def integer(what: str, lo: int, hi: int | None = None) -> int:
        nonlocal pos
        if pos >= vals.size:
            raise InputError(path, f"ends before the {what}", _line_of(text, pos))
        v = vals[pos]
        if v != int(v) or v < lo or (hi is not None and v > hi):
            rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise InputError(path, f"{what} is {v:g}; expected an integer {rng}", _line_of(text, pos))
        pos += 1
        return int(v)

    count = integer("problem count", 1, 100_000)
    if index is not None and index >= count:
        raise NoSuchInstance(path, f"holds {count} problems (#0..#{count - 1}); #{index} does not exist")
    out = []
    for k in range(count):
        n = integer(f"variable count of problem #{k}", 1, MAX_QUBO_VARIABLES)
        nnz = integer(f"entry count of problem #{k}", 0, n * (n + 1) // 2)
        start = pos
        if pos + 3 * nnz > vals.size:
            raise InputError(path, f"problem #{k} declares {nnz} entries; the file ends after "
                                   f"{(vals.size - pos) // 3} (truncated?)", _line_of(text, vals.size - 1))
        pos += 3 * nnz
        if index is not None and k != index:
            continue
        # the model's vectors and couplings before they are built (10,000,000 variables took 675 MB under
        # --max-memory 10M, refused only later by a solver's replicas)
        check_memory(BYTES_PER_VARIABLE * n + BYTES_PER_COUPLING * nnz,
                     f"problem #{k} ({n} variables, {nnz} entries)", path, _line_of(text, start - 1))
        t = vals[start:pos].reshape(nnz, 3)
        ij = t[:, :2]
        bad = np.flatnonzero((ij != np.round(ij)).any(axis=1) | (ij < 1).any(axis=1) | (ij > n).any(axis=1))
        if bad.size:
            e = int(bad[0])
            raise InputError(path, f"problem #{k}, entry {e + 1}: indices {t[e, 0]:g} {t[e, 1]:g}; expected integers "
                                   f"in 1..{n}", _line_of(text, start + 3 * e))
        i = np.minimum(ij[:, 0], ij[:, 1]).astype(np.int64) - 1
        j = np.maximum(ij[:, 0], ij[:, 1]).astype(np.int64) - 1
        key = i * n + j
        order = np.argsort(key, kind="stable")
        dup = np.flatnonzero(key[order][1:] == key[order][:-1])
        if dup.size:
            e = int(order[dup[0] + 1])
            raise InputError(path, f"problem #{k}: the pair {i[e] + 1} {j[e] + 1} appears twice; expected each pair "
                                   "once", _line_of(text, start + 3 * e))
        q = t[:, 2]
        diag = i == j
        over = np.flatnonzero(~diag & (np.abs(q) > np.finfo(np.float64).max / 2))
        if over.size:  # 2 q_ij, the coefficient of x_i x_j, would be infinite
            e = int(over[0])
            raise InputError(path, f"problem #{k}, entry {e + 1}: q = {q[e]:g} for the pair {i[e] + 1} {j[e] + 1}; "
                                   "x'Qx counts it twice, beyond the float range (about 1.8e308): expected smaller "
                                   "values", _line_of(text, start + 3 * e))
        h = np.zeros(n)
        h[i[diag]] = q[diag]
        off = ~diag
        W = sp.coo_matrix((np.concatenate([2 * q[off], 2 * q[off]]),
                           (np.concatenate([i[off], j[off]]), np.concatenate([j[off], i[off]]))), shape=(n, n))
        qubo = QUBO(h, W, sense="max", name=f"{path.stem}#{k}")
        qubo.source = str(path)
        out.append(qubo)
    if pos < vals.size:
        raise InputError(path, f"unexpected extra data after {count} problems", _line_of(text, pos))
    if index is not None:
        return out[0]
    return out[0] if count == 1 else out
