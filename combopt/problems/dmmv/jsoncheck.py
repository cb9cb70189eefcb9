"""Checks of a ``.dmmv.json`` object that numpy and the model do not make: known keys, JSON numbers where numbers
belong, one form per domain, and the line of the part of the text an error is about."""

from __future__ import annotations

import json
from pathlib import Path

from ...core.errors import InputError, located
from ...core.jsonpos import line_of, parse_where

#: the keys a ``.dmmv.json`` object may have (anything else is a typo: "weight" would drop the weights unnoticed)
JSON_KEYS = {"format", "name", "A", "b", "lower", "upper", "weights", "domain", "domains"}
DOMAIN_KEYS = {"values", "lo", "step", "count"}


def known_keys(path: Path, obj: dict, allowed: set[str], where: str) -> None:
    bad = sorted(k for k in obj if k not in allowed)
    if bad:
        raise located(InputError(path, f"unknown key '{where}{bad[0]}'; expected {', '.join(sorted(allowed))}"),
                      *parse_where(f"{where}{bad[0]}"))


def no_text_numbers(path: Path, data) -> None:
    """Numbers must be JSON numbers, nested as deep as their key allows: "12", true, an object, or a list inside a
    row of ``A`` where a number belongs is refused at its key path (numpy took the text and raised on the rest)."""
    todo = []  # (value, lists it may nest, where, null allowed, must be a list)
    for key in ("A", "b", "lower", "upper", "weights"):
        if key in data and not (key == "A" and isinstance(data[key], dict)):
            todo.append((data[key], 2 if key == "A" else 1, key, False, False))
    parts = [("A", data["A"])] if isinstance(data.get("A"), dict) else []
    if isinstance(data.get("domain"), dict):
        parts.append(("domain", data["domain"]))
    if isinstance(data.get("domains"), list):
        parts += [(f"domains[{i}]", d) for i, d in enumerate(data["domains"]) if isinstance(d, dict)]
    for where, obj in parts:
        todo += [(v, int(where[:7] != "domains" or k == "values"), f"{where}.{k}", False, k == "values")
                 for k, v in obj.items()]
    while todo:
        v, depth, where, null, need_list = todo.pop()
        if isinstance(v, list) and depth > 0:
            if depth == 1 and len(v) > 64 and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
                continue  # a long list of plain numbers (the usual case) is checked in one pass
            todo.extend((x, depth - 1, f"{where}[{i}]", where in ("lower", "upper"), False) for i, x in enumerate(v))
        elif need_list or not (isinstance(v, (int, float)) and not isinstance(v, bool) or v is None and null):
            said = "a list of numbers" if need_list else "a number or null" if null else "a number"
            raise located(InputError(path, f"'{where}' holds {json.dumps(v)[:30]}; expected {said}"),
                          *parse_where(where))


def with_located_line(path: Path, text: str, e: InputError, data: dict) -> InputError:
    """``e`` with the line of the part of ``data`` it is about (its ``at``, set where it was raised: a key path of
    the JSON object, or a part of the model: ``rows``, ``domain``, with the row or variable): the reader's and the
    model's checks run on the parsed object, which has no lines."""
    at = getattr(e, "at", ())
    if e.line is not None or not at:
        return e
    head, rest = at[0], tuple(at[1:])
    if head in ("rows", "lower", "upper") and head not in data:  # rows: lower <= upper is about both (the first
        head = next((k for k in ("b", "lower", "upper") if k in data), "b")  # there is); a b is both lower and upper
    if head in ("domain", "domains"):
        head = "domains" if "domains" in data else "domain"
        if head == "domain" and rest and isinstance(rest[0], int):
            rest = ()  # one domain for every variable: its own line
    if rest and isinstance(rest[0], int) and not isinstance(data.get(head), list):
        rest = ()  # a scalar broadcast to every row
    return InputError(path, e.message, line_of(text, (head, *rest)))


def one_domain_form(path: Path, d: dict, where: str) -> None:
    """A domain object is its ``values`` or the grid ``lo``, ``step``, ``count``: with both, the values were used and
    the grid dropped without a word, and a grid key left out read as NaN ('domain count must be a positive
    integer' for a count that is not there)."""
    grid = [k for k in ("lo", "step", "count") if k in d]
    if "values" in d and grid:
        raise located(InputError(path, f"'{where}' gives both 'values' and '{grid[0]}'; expected 'values', or "
                                       "'lo', 'step' and 'count'"), *parse_where(f"{where}.{grid[0]}"))
    if "values" not in d and len(grid) < 3:
        missing = next(k for k in ("lo", "step", "count") if k not in d)
        raise located(InputError(path, f"'{where}' has no '{missing}'; expected 'values', or 'lo', 'step' and "
                                       "'count'"), *parse_where(where))


def first_repeat(rows, cols) -> tuple[int, int] | None:
    """``(first, again)``: positions of the first (row, column) pair listed twice among sparse entries, else ``None``.
    scipy sums repeated entries without a word (two entries 1 and 2 at one place became 3); a DMMV file that names one
    place twice is a mistake the reader refuses instead."""
    import numpy as np

    r, c = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if r.size < 2:
        return None
    order = np.lexsort((np.arange(r.size), c, r))  # by row, column, then position
    same = (r[order][1:] == r[order][:-1]) & (c[order][1:] == c[order][:-1])
    if not same.any():
        return None
    # among the repeats, the one whose second listing comes first in the file
    hits = np.flatnonzero(same)
    k = hits[np.argmin(order[hits + 1])]
    return int(order[k]), int(order[k + 1])
