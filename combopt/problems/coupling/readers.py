"""Readers of marginals: JSON ``{"marginals": [[...], ...], "rate": R}``, CSV rows, ``.npy``.

The kind comes from ``--kind``, else from a ``"kind"`` key of the JSON, else
from the content: one marginal with a rate is ``ebim``, two with a rate
``mecb``, otherwise ``mec``. Marginals are validated (finite, non-negative);
a sum off by more than the tolerance is refused at solve time unless the solve
passes ``normalize=true`` (``-p normalize=true``), so that the one switch
lives where users set parameters.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np

from ...core.errors import InputError, NoSuchInstance
from ...core.io import register_reader
from ...core.jsonpos import line_of
from ...core.limits import check_memory
from ...core.safeio import NPY_ERRORS, json_number
from .model import KINDS, MarginalLines, make_problem

MAX_ENTRIES = 100_000_000
#: bytes a probability takes in a problem and its solve (the marginals, their sorted copies, the coupling's cells:
#: a 2 x 2,000,000 CSV peaked at 1.17 GB); checked against the memory budget before a row or an array is parsed
BYTES_PER_PROBABILITY = 64.0


def _check_entries(path: Path, total: int, line: int | None = None) -> None:
    check_memory(BYTES_PER_PROBABILITY * total, f"marginals of {total} probabilities", path, line)
_AUTO = "coupling"  # the reader's default kind: decided from the content


#: the keys of a ``.coupling.json`` object (``name`` and ``description`` are notes for people)
JSON_KEYS = frozenset({"marginals", "rate", "kind", "name", "description"})
#: a comment that starts with one of these words and then ':' or a number was meant as a setting (``# rate: 0.8``)
_SETTING = re.compile(r"(rate|kind)\s*(:|[-+.\d])", re.IGNORECASE)


def _sniff_json(head: str) -> bool:
    return head.lstrip("\ufeff \t\r\n").startswith("{") and '"marginals"' in head


def _kind(kind: str, declared, n_marg: int, rate, path, line=None) -> str:
    if kind != _AUTO:
        return kind
    if declared is not None:
        if not isinstance(declared, str) or declared not in KINDS:
            raise InputError(path, f"\"kind\" must be one of {', '.join(KINDS)}, got {declared!r}", line)
        return declared
    if rate is not None and n_marg <= 2:  # as the module says: one marginal with a rate is ebim, two mecb
        return "ebim" if n_marg == 1 else "mecb"
    return "mec"


def _build(path: Path, kind: str, marginals, rate, lines: MarginalLines | None, declared=None, index=None,
           kind_line=None):
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single instance; #{index} does not exist (use #0 or no index)")
    k = _kind(kind, declared, len(marginals), rate, path, kind_line)
    name = path.name.split(".")[0] or "coupling"
    return make_problem(k, marginals, rate, name=name, source=str(path), lenient=True, lines=lines)


@register_reader("coupling-json", kinds=("mec", "ebim", "mecb"), extensions=(".coupling.json", ".marginals.json"),
                 default_kind=_AUTO, sniff=_sniff_json)
def read_coupling_json(path: Path, kind: str, index: int | None):
    """``{"marginals": [[...], ...], "rate": R, "kind": "mec"|"ebim"|"mecb"}`` (rate and kind optional)."""
    text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Excel, Notepad) is no error
    twice: list[str] = []  # json.loads keeps a key's last value: {"rate": 0.5, "rate": 1.5} solved at 1.5 silently

    def keep_pairs(pairs):
        d: dict = {}
        for k, v in pairs:
            if k in d:
                twice.append(k)
            d[k] = v
        return d

    try:
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    except (ValueError, RecursionError) as e:
        raise InputError(path, f"not usable JSON ({type(e).__name__})") from None
    if twice:
        raise InputError(path, f"the key {twice[0]!r} appears twice in one JSON object; expected each key once",
                         line_of(text, (twice[0],)) if isinstance(data, dict) and twice[0] in data else None)
    if not isinstance(data, dict) or not isinstance(data.get("marginals"), list) or not data["marginals"]:
        raise InputError(path, 'expected a JSON object {"marginals": [[p1, p2, ...], ...], "rate": R}',
                         line_of(text, ("marginals",)))
    unknown = sorted(k for k in data if k not in JSON_KEYS)
    if unknown:  # "rtae" for "rate" solved a mecb file as mec without a word
        raise InputError(path, f"unknown key {unknown[0]!r}; expected some of: {', '.join(sorted(JSON_KEYS))}",
                         line_of(text, (unknown[0],)))
    margs = []
    total = 0
    for k, row in enumerate(data["marginals"]):
        if not isinstance(row, list) or not row:
            raise InputError(path, f"marginal {k} must be a non-empty list of numbers", line_of(text, ("marginals", k)))
        total += len(row)
        if total > MAX_ENTRIES:
            raise InputError(path, f"more than {MAX_ENTRIES} probabilities", line_of(text, ("marginals", k)))
        for i, v in enumerate(row):
            if json_number(v) is None:
                raise InputError(path, f"marginal {k} entry {i} must be a number (within the range of a float), "
                                       f"got {v!r}", line_of(text, ("marginals", k, i)))
        a = np.asarray(row, dtype=np.float64)
        if np.any(a < 0):
            i = int(np.argmax(a < 0))
            raise InputError(path, f"marginal {k} has a negative entry at position {i}; expected probabilities >= 0",
                             line_of(text, ("marginals", k, i)))
        margs.append(a)
    rate = data.get("rate")
    if rate is not None and not (json_number(rate) is not None and rate >= 0):
        raise InputError(path, f"\"rate\" must be a finite number >= 0 (bits), got {rate!r}", line_of(text, ("rate",)))
    return _build(path, kind, margs, rate, MarginalLines(json_file=str(path)), data.get("kind"), index,
                  kind_line=line_of(text, ("kind",)) if "kind" in data else None)


def _sniff_csv(head: str) -> bool:
    """Rows of probabilities: a '# rate=' line, or a first data row of numbers that sums to 1."""
    for line in head.splitlines():
        text = line.strip()
        if text.startswith("#"):
            if text[1:].strip().lower().startswith("rate"):
                return True
            continue
        text = text.lstrip("\ufeff")
        if not text:
            continue
        fields = [t for t in (f.strip() for f in text.split(",")) if t]
        if len(fields) < 2 or not all(_is_float(t) for t in fields):  # "1" alone is an OR-Library count
            return False
        vals = [float(t) for t in fields]
        return all(0.0 <= v <= 1.0 for v in vals) and abs(sum(vals) - 1.0) < 1e-6
    return False


@register_reader("coupling-csv", kinds=("mec", "ebim", "mecb"), extensions=(".marginals.csv", ".csv"),
                 default_kind=_AUTO, sniff=_sniff_csv)
def read_coupling_csv(path: Path, kind: str, index: int | None):
    """One marginal per row, comma-separated; ``#`` starts a comment, ``# rate=R`` sets the rate."""
    margs, rate, rows = [], None, []
    total = 0
    with open(path, encoding="utf-8-sig") as f:  # a byte-order mark (a CSV saved by Excel) is no error
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if text.startswith("#"):
                body = text[1:].strip().replace(" ", "")
                if body.lower().startswith("rate="):
                    if rate is not None:  # the last of two rate lines won without a word
                        raise InputError(path, f"a second '# rate=' line; the rate was already set to {rate:g}", lineno)
                    try:
                        rate = float(body[5:])
                    except ValueError:
                        raise InputError(path, f"'# rate=R' needs a number, got {body[5:]!r}", lineno) from None
                    if not (math.isfinite(rate) and rate >= 0):
                        raise InputError(path, f"rate must be a finite number >= 0, got {rate}", lineno)
                elif _SETTING.match(body):  # "# rate: 0.8" was read as a comment: the file solved as mec
                    raise InputError(path, f"{text!r} looks like a setting; the rate is written '# rate=R' (the "
                                           "kind comes from the content or --kind)", lineno)
                continue
            if not text:
                continue
            _check_entries(path, total + text.count(",") + 1, lineno)  # before the row's fields are made
            fields = [t.strip() for t in text.split(",")]
            if fields and fields[-1] == "":
                fields = fields[:-1]
            try:
                row = np.array([float(t) for t in fields], dtype=np.float64)
            except ValueError:
                bad = next(t for t in fields if not _is_float(t))
                raise InputError(path, f"expected comma-separated probabilities, got {bad!r}", lineno) from None
            total += row.size
            if total > MAX_ENTRIES:
                raise InputError(path, f"more than {MAX_ENTRIES} probabilities", lineno)
            if not np.all(np.isfinite(row)) or np.any(row < 0):
                raise InputError(path, "probabilities must be finite and >= 0", lineno)
            margs.append(row)
            rows.append(lineno)
    if not margs:
        raise InputError(path, "no marginals found; expected one comma-separated row per marginal")
    return _build(path, kind, margs, rate, MarginalLines(rows=rows), None, index)


def _is_float(t: str) -> bool:
    try:
        float(t)
        return True
    except ValueError:
        return False


@register_reader("coupling-npy", kinds=("mec", "ebim", "mecb"), extensions=(".npy",), default_kind=_AUTO)
def read_coupling_npy(path: Path, kind: str, index: int | None):
    """A 2-D float array, one marginal per row (a 1-D array is one marginal). No rate: kind ``mec``."""
    arr = np.atleast_2d(np.asarray(_load_npy(path), dtype=np.float64))
    return _build(path, kind, list(arr), None, None, index)


def _load_npy(path: Path) -> np.ndarray:
    """The array of a ``.npy`` file, its header checked before any data is read; every damage an InputError."""
    try:
        with open(path, "rb") as f:
            version = np.lib.format.read_magic(f)
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = reader(f)
        if dtype.kind not in "fiu" or len(shape) not in (1, 2) or math.prod(shape) > MAX_ENTRIES:
            raise InputError(path, f"expected a 1-D or 2-D numeric array of at most {MAX_ENTRIES} entries, "
                                   f"got dtype {dtype} shape {shape}")
        _check_entries(path, math.prod(shape))
        return np.load(path, allow_pickle=False)
    except NPY_ERRORS as e:
        raise InputError(path, f"not a readable .npy array ({type(e).__name__}: {str(e)[:80]})") from None
