"""Instance readers: format detection by extension or header, ``path#K`` addressing."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, InstanceTooLarge, ParameterError, UnknownKindError

MAX_FILE_BYTES = 2 * 1024**3  # refuse to read absurdly large files into memory


@dataclass(frozen=True)
class Reader:
    """``func(path, kind, index) -> Problem`` for the kinds it can produce."""

    name: str
    kinds: tuple[str, ...]
    extensions: tuple[str, ...]
    func: Callable
    default_kind: str
    sniff: Callable[[str], bool] | None = None


_READERS: list[Reader] = []


def register_reader(
    name: str,
    *,
    kinds: tuple[str, ...],
    extensions: tuple[str, ...] = (),
    default_kind: str | None = None,
    sniff: Callable[[str], bool] | None = None,
):
    def deco(func):
        exts = tuple(e.lower() for e in extensions)
        # default_kind="" lets the reader choose the kind from the file's content (kind "" is passed)
        _READERS.append(Reader(name, kinds, exts, func, kinds[0] if default_kind is None else default_kind, sniff))
        return func

    return deco


def split_index(spec: str | Path) -> tuple[Path, int | None]:
    """Split ``file#K`` into the path and the 0-based index ``K``."""
    s = str(spec)
    m = re.fullmatch(r"(.*)#(-?\d+)", s)
    if m and not Path(s).exists():
        k = int(m.group(2))
        if k < 0:
            raise InputError(m.group(1), f"instance index must be 0 or more, got #{k}")
        return Path(m.group(1)), k
    return Path(s), None


def _suffixes(path: Path) -> list[str]:
    name = path.name.lower()
    parts = name.split(".")
    return ["." + ".".join(parts[i:]) for i in range(1, len(parts))]


def _head(path: Path, nbytes: int = 4096) -> str:
    with open(path, "rb") as f:
        raw = f.read(nbytes)
    return raw.decode("utf-8-sig", errors="replace")  # a byte-order mark is no part of the first line


def kind_extensions(kind: str) -> set[str]:
    """The file extensions the readers of ``kind`` take (lower case, with the dot)."""
    from .registry import _load_builtin

    _load_builtin()
    return {e for r in _READERS if kind in r.kinds for e in r.extensions}


def detect(path: Path, kind: str | None) -> tuple[Reader, str]:
    """Choose the reader and the problem kind for ``path``."""
    from .registry import _load_builtin

    _load_builtin()
    sufs = _suffixes(path)
    by_ext = [r for s in sufs for r in _READERS if s in r.extensions]
    if kind is not None:
        able = [r for r in _READERS if kind in r.kinds]
        if not able:
            known = sorted({k for r in _READERS for k in r.kinds})
            raise UnknownKindError(f"unknown problem kind {kind!r}; expected one of: {', '.join(known)}")
        for r in by_ext:
            if r in able:
                return r, kind
        head = _head(path)
        for r in able:
            if r.sniff is not None and r.sniff(head):
                return r, kind
        if len(able) == 1:
            return able[0], kind
        raise InputError(path, f"cannot tell the file format for kind {kind!r} from the name or the first lines")
    if by_ext:
        suffix = next(s for s in sufs if any(s in r.extensions for r in _READERS))
        same = [r for r in _READERS if suffix in r.extensions]
        if len({r.default_kind for r in same}) > 1:  # e.g. .npy: DAG data or coupling marginals
            head = _head(path)
            sniffed = [r for r in same if r.sniff is not None and r.sniff(head)]
            if len(sniffed) == 1:
                return sniffed[0], sniffed[0].default_kind
            kinds = sorted({k for r in same for k in r.kinds})
            raise InputError(path, f"{suffix} files are read by several problem kinds ({', '.join(kinds)}); "
                                   f"say which with --kind (kind= in the API)")
        return by_ext[0], by_ext[0].default_kind
    head = _head(path)
    for r in _READERS:
        if r.sniff is not None and r.sniff(head):
            return r, r.default_kind
    exts = sorted({e for r in _READERS for e in r.extensions})
    raise InputError(path, f"unknown file format; expected one of the extensions {', '.join(exts)} or --kind")


def read(path: str | Path, kind: str | None = None):
    """Read a problem instance.

    Parameters
    ----------
    path
        Instance file. A file holding several instances is addressed as
        ``path#K`` (0-based).
    kind
        Problem kind (``"mis"``, ``"clique"``, ``"qubo"``, ...); detected from
        the extension or header when omitted.

    Returns
    -------
    Problem
        The instance, ready for :func:`combopt.solve`.
    """
    from .problem import describe_value

    if not isinstance(path, (str, os.PathLike)):  # None, 5, b"x", a list: no file name
        raise ParameterError(f"read: path must be a file name (str or pathlib.Path), got {describe_value(path)}")
    if kind is not None and not isinstance(kind, str):
        raise ParameterError(f"read: kind must be a problem kind name such as 'mis' or 'tsp' (or None), got "
                             f"{describe_value(kind)}")
    try:
        return _read(path, kind)
    except OSError as e:  # permission denied, name too long, I/O error, ...
        where = e.filename if isinstance(e.filename, str | Path) else path
        msg = f"cannot read the file ({e.strerror or e}); expected a readable instance file"
        raise InputError(where, msg) from None


def _read(path: str | Path, kind: str | None):
    p, index = split_index(path)
    if not p.exists():
        raise InputError(p, "no such file")
    if p.is_dir():
        raise InputError(p, "is a directory, expected an instance file")
    if not p.is_file():  # a pipe, socket or device: its size says nothing, and a pipe without a writer never ends
        raise InputError(p, "not a regular file (a pipe, socket or device); expected an instance file")
    size = p.stat().st_size
    if size == 0:
        raise InputError(p, "file is empty")
    if size > MAX_FILE_BYTES:
        raise InputError(p, f"file is {size} bytes; larger than the {MAX_FILE_BYTES} bytes combopt will read")
    reader, k = detect(p, kind)
    from .limits import max_memory

    max_memory()  # a malformed COMBOPT_MAX_MEMORY is the environment's fault, said before the file's can be blamed
    try:
        return reader.func(p, k, index)
    except InputError as e:
        if e.path is None:  # raised below the reader (e.g. building the problem): name the file
            raise InputError(p, e.message, e.line) from None
        raise
    except UnicodeDecodeError:
        raise InputError(p, f"not a text file; expected {reader.name} format") from None
    except ParameterError as e:
        if type(e) is not ParameterError:
            raise
        # the problem's constructor refused what the file holds (QUBO coefficients whose energies overflow, ...):
        # a fault of the file, which the message names
        raise InputError(p, str(e)) from None
    except MemoryError:
        raise InstanceTooLarge(p, "instance too large for memory") from None
