"""TOML spec files of the DMMV applications (``fir``, ``tomography``, ``quantization``).

One reader for ``.toml``: the file's ``kind`` key (``"fir"`` when absent) says
which family builds the instance; ``--kind`` may name it too (a conflict is an
error). Helpers here turn TOML values into checked numbers, with the line of
the offending key in every error.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ...core.errors import InputError, NoSuchInstance
from ...core.io import register_reader
from ...core.safeio import json_number

SPEC_KINDS = ("fir", "tomography", "quantization")


class Spec:
    """A parsed TOML spec: values plus the text, for line numbers in errors."""

    def __init__(self, path: Path, data: dict, text: str):
        self.path = path
        self.data = data
        self.text = text
        self.files: list[Path] = []  # the data files it names (weights, activations, a phantom image)

    def line_of(self, key: str) -> int | None:
        """The line of top-level ``key``: bare or quoted (``"key" =``), dotted (``key.sub =``) or a table header
        (``[key]``, ``[[key]]``); ``None`` when it is not written in one of those forms."""
        k = re.escape(key)
        name = rf"(?:{k}|\"{k}\"|'{k}')"
        m = re.search(rf"^[ \t]*(?:{name}[ \t]*[=.]|\[\[?[ \t]*{name}[ \t]*[\].])", self.text, flags=re.MULTILINE)
        return None if m is None else self.text.count("\n", 0, m.start()) + 1

    def error(self, key: str | None, message: str) -> InputError:
        return InputError(self.path, message, self.line_of(key) if key else None)

    def has(self, key: str) -> bool:
        return key in self.data

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        extra = sorted(set(self.data) - set(allowed) - {"kind", "name"})
        if extra:
            raise self.error(extra[0], f"unknown key {extra[0]!r}; expected some of: {', '.join(allowed)}")

    def integer(self, key: str, default: int | None = None, lo: int | None = None, hi: int | None = None) -> int:
        if key not in self.data:
            if default is None:
                raise self.error(None, f"missing required key {key!r}")
            return default
        v = self.data[key]
        if isinstance(v, bool) or not isinstance(v, int):
            raise self.error(key, f"{key!r} must be an integer, got {v!r}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = f"{lo if lo is not None else '-inf'}..{hi if hi is not None else 'inf'}"
            raise self.error(key, f"{key!r} must be in {rng}, got {v}")
        return v

    def number(self, key: str, default: float | None = None, lo: float | None = None, hi: float | None = None,
               positive: bool = False) -> float:
        if key not in self.data:
            if default is None:
                raise self.error(None, f"missing required key {key!r}")
            return default
        v = self.data[key]
        if json_number(v) is None:
            raise self.error(key, f"{key!r} must be a finite number, got {v!r}")
        v = float(v)
        if positive and v <= 0:
            raise self.error(key, f"{key!r} must be positive, got {v:g}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            rng = (f"between {lo:g} and {hi:g}" if lo is not None and hi is not None
                   else f"at least {lo:g}" if lo is not None else f"at most {hi:g}")
            raise self.error(key, f"{key!r} must be {rng}, got {v:g}")
        return v

    def string(self, key: str, default: str | None = None) -> str:
        if key not in self.data:
            if default is None:
                raise self.error(None, f"missing required key {key!r}")
            return default
        v = self.data[key]
        if not isinstance(v, str):
            raise self.error(key, f"{key!r} must be a string, got {v!r}")
        return v

    def numbers(self, key: str, length: int | None = None, default: list | None = None) -> list[float]:
        if key not in self.data:
            if default is None:
                raise self.error(None, f"missing required key {key!r}")
            return default
        v = self.data[key]
        if not isinstance(v, list) or not all(json_number(e) is not None for e in v):
            raise self.error(key, f"{key!r} must be a list of finite numbers")
        if length is not None and len(v) != length:
            raise self.error(key, f"{key!r} must have {length} entries, got {len(v)}")
        return [float(e) for e in v]

    def file(self, key: str) -> Path:
        """A path relative to the spec file's folder."""
        p = Path(self.string(key))
        if not p.is_absolute():
            p = self.path.parent / p
        if not p.exists():
            raise self.error(key, f"{key!r}: file {p} does not exist")
        if p.is_dir():
            raise self.error(key, f"{key!r}: {p} is a directory, expected a file")
        self.files.append(p)
        return p


def _sniff(head: str) -> bool:
    return bool(re.search(r"^\s*kind\s*=\s*\"(fir|tomography|quantization)\"", head, flags=re.MULTILINE))


@register_reader("dmmv-spec", kinds=SPEC_KINDS, extensions=(".toml",), default_kind="", sniff=_sniff)
def read_spec(path: Path, kind: str, index: int | None):
    """Read a ``.toml`` spec of a FIR design, tomography or quantization instance."""
    if index not in (None, 0):
        raise NoSuchInstance(path, f"holds a single instance; #{index} does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is no TOML error
    except UnicodeDecodeError:
        raise InputError(path, "not a UTF-8 text file; expected a TOML spec") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise InputError(path, f"not valid TOML ({str(e).split('(')[0].strip()})",
                         int(m.group(1)) if m else None) from None
    except ValueError:  # an integer of more than 4300 digits (Python's limit on int())
        raise InputError(path, "not usable TOML: an integer has too many digits; expected a TOML spec") from None
    except RecursionError:
        raise InputError(path, "not usable TOML: arrays or tables nested too deeply; expected a TOML spec") from None
    spec = Spec(path, data, text)
    suite_key = next((k for k in ("suite", "sets", "solvers") if k in data), None)
    if suite_key is not None and "kind" not in data:  # `combopt solve SUITE.toml`: not a FIR spec with odd keys
        raise spec.error(suite_key, "a benchmark suite ([suite], [sets], [[solvers]]), not an instance spec; run it "
                                    "with `combopt bench FILE`")
    file_kind = data.get("kind")
    if file_kind is not None:
        if file_kind not in SPEC_KINDS:
            raise spec.error("kind", f"'kind' must be one of {', '.join(SPEC_KINDS)}, got {file_kind!r}")
        if kind and kind != file_kind:  # kind "" (none asked for): the file decides
            raise spec.error("kind", f"the file is a {file_kind!r} spec, but kind {kind!r} was asked for")
        kind = file_kind
    kind = kind or "fir"
    if kind == "fir":
        from .fir import from_spec
    elif kind == "tomography":
        from .tomography import from_spec
    else:
        from .quantization import from_spec
    problem = from_spec(spec)
    problem.input_files = tuple(spec.files)  # never an output of the run, even with --force
    return problem
