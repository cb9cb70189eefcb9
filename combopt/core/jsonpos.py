"""The line of a value inside a JSON text, for error messages that name the line (computed only when one is raised).

``line_of(text, ("tasks", 3, "duration"))`` walks the text down that path, skipping the values beside it with the
standard decoder (at C speed), and answers the line where the deepest part of the path that exists begins: the
task's object when it has no ``duration``, the document when it has no ``tasks``. Where a key appears twice in one
object, the last one counts (as in :func:`json.loads`).
"""

from __future__ import annotations

import json
import re

_DECODER = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")


def _skip_ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


def _position(text: str, path: tuple) -> int:
    """The offset where the value at the deepest existing prefix of ``path`` begins."""
    pos = _skip_ws(text, 0)
    if text.startswith("\ufeff", pos):
        pos = _skip_ws(text, pos + 1)
    for step in path:
        if pos >= len(text):
            break
        found = None
        if text[pos] == "{" and isinstance(step, str):
            p = _skip_ws(text, pos + 1)
            while p < len(text) and text[p] == '"':
                key, p = _DECODER.raw_decode(text, p)
                p = _skip_ws(text, p)
                if p >= len(text) or text[p] != ":":
                    break
                p = _skip_ws(text, p + 1)
                if key == step:
                    found = p  # the last duplicate wins, as in json.loads
                _, p = _DECODER.raw_decode(text, p)
                p = _skip_ws(text, p)
                if p < len(text) and text[p] == ",":
                    p = _skip_ws(text, p + 1)
        elif text[pos] == "[" and isinstance(step, int) and not isinstance(step, bool) and step >= 0:
            p = _skip_ws(text, pos + 1)
            k = 0
            while p < len(text) and text[p] != "]":
                if k == step:
                    found = p
                    break
                _, p = _DECODER.raw_decode(text, p)
                p = _skip_ws(text, p)
                if p < len(text) and text[p] == ",":
                    p = _skip_ws(text, p + 1)
                k += 1
        if found is None:
            break
        pos = found
    return pos


def line_of(text: str, path: tuple | list) -> int | None:
    """1-based line where the value at ``path`` (keys and list indices) begins in the JSON ``text``, or where the
    deepest part of it that exists begins; ``None`` when the text is not JSON that can be walked."""
    try:
        pos = _position(text, tuple(path))
    except (ValueError, RecursionError, IndexError):
        return None
    return text.count("\n", 0, pos) + 1


def parse_where(where: str) -> tuple:
    """``"tasks[3].demands.R"`` as the path ``("tasks", 3, "demands", "R")``."""
    out: list = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", where):
        out.append(int(index) if index else name)
    return tuple(out)


def with_line(error, text: str):
    """``error`` (an :class:`~combopt.core.errors.InputError`) with the line of the part of the JSON ``text`` its
    ``at`` names (set where it was raised: :func:`~combopt.core.errors.located`), where it has no line yet."""
    at = getattr(error, "at", ())
    if error.line is not None or not at:
        return error
    out = type(error)(error.path, error.message, line_of(text, at))
    out.at = at
    return out
