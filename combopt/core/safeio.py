"""Safe file output and bounded input.

* :func:`write_atomic` writes through a fresh temporary file in the target's folder
  (:func:`tempfile.mkstemp`: a new name, created exclusively, so a link planted at a guessable
  ``<out>.tmp`` is never followed) and moves it into place. Without ``force`` it never replaces
  an existing file (the final step is a hard link, which fails when the name exists); with
  ``force`` it replaces regular files only, never a device, a pipe, a folder or a symbolic link.
* :func:`read_bounded` reads at most a given number of bytes (``/dev/zero`` as a solution file
  ends with an error, not with the memory).
* :func:`check_not_input` refuses an output that is one of the run's input files, even with ``force``.
* For the readers: :data:`NPY_ERRORS` (what a damaged ``.npy`` / ``.npz`` raises), :func:`json_number` (a JSON
  number a float holds) and :func:`json_vector` (a result's list of such numbers).

Imports: the standard library only (and the project's errors); :func:`json_vector` imports numpy when called.
"""

from __future__ import annotations

import contextlib
import math
import os
import stat
import tempfile
import tokenize
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from .errors import InputError, ParameterError

__all__ = ["NPY_ERRORS", "check_not_input", "check_target", "json_number", "json_vector", "read_bounded",
           "write_atomic"]

#: largest solution / side file (CSV, JSON) read whole
MAX_SIDE_FILE_BYTES = 256 * 1024**2


#: what numpy and zipfile raise on a damaged ``.npy`` / ``.npz``: a bad header (ValueError; its parser tokenizes it:
#: SyntaxError, tokenize.TokenError), cut-short or undecompressible data (ValueError, EOFError, zlib.error), zip members
#: that cannot be opened (NotImplementedError, RuntimeError: encryption flags), a damaged zip, an I/O error
NPY_ERRORS = (ValueError, EOFError, OSError, SyntaxError, tokenize.TokenError, zlib.error, NotImplementedError,
              RuntimeError, zipfile.BadZipFile)


def json_number(v) -> float | None:
    """``float(v)`` of a JSON number (or a NumPy scalar) that a float holds finitely; None for anything else: a bool,
    a string, a 400-digit integer (``float()`` overflows), inf or NaN."""
    import numpy as np

    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        return None
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def json_vector(data, path, expected: str):
    """A result's list of JSON numbers as float64; anything else (text such as ``"1"``, ``true``, null, a nested list,
    a 400-digit integer, inf) is an :class:`InputError` naming ``path`` and what was ``expected``."""
    import numpy as np

    if not isinstance(data, list) or any(json_number(v) is None for v in data):
        raise InputError(path, f"expected {expected}")
    return np.asarray(data, dtype=np.float64)


def a_directory(what: str, p: Path) -> str:
    """The one line for an output path that names a directory (an empty name on the command line reads as ``.``)."""
    if str(p) in ("", "."):
        return f"{what} names the current directory (an empty name reads as '.'); expected a file name"
    return f"{what} {p} is a directory; expected a file name"


def _exists(p) -> str:
    return f"{p} already exists; pass --force (force=True in Python) to overwrite it"


def check_target(path: str | Path, force: bool, what: str = "--out") -> None:
    """Refuse early what :func:`write_atomic` would refuse: an existing file without ``force``,
    anything that is not a regular file, a missing folder."""
    p = Path(path)
    try:
        st = os.lstat(p)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise ParameterError(f"{what} {p}: {e.strerror or e}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise ParameterError(a_directory(what, p))
        if not force:
            raise ParameterError(_exists(p))
        if stat.S_ISLNK(st.st_mode):
            raise ParameterError(f"{what} {p} is a symbolic link; refusing to replace it (remove it first)")
        if not stat.S_ISREG(st.st_mode):
            raise ParameterError(f"{what} {p} is not a regular file (a device, pipe or socket); refusing to replace it")
    if not p.absolute().parent.is_dir():
        raise ParameterError(f"{what} {p}: directory {p.parent} does not exist")


def check_not_input(path: str | Path, inputs, what: str = "--out") -> None:
    """Refuse an output that is one of the run's input files (the instance, a truth or init graph, ...), even with
    ``--force``: that flag replaces an earlier result, never what the user gave to read. ``inputs`` are file paths
    (a ``path#K`` address resolved by the caller); those that do not exist are skipped."""
    p = Path(path)
    if not p.exists():
        return
    for inp in inputs:
        if inp is None:
            continue
        q = Path(str(inp))
        try:
            same = q.exists() and os.path.samefile(p, q)
        except OSError:
            same = False
        if same:
            raise ParameterError(f"{what} {p} is the input file {inp}; refusing to overwrite it (choose another "
                                 "name)")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes | Callable[[Path], None], force: bool = False,
                 what: str = "--out") -> None:
    """Write ``data`` (text, bytes, or ``writer(tmp_path)`` that writes the file) to ``path`` atomically.

    Raises
    ------
    ParameterError
        The target exists (without ``force``), is not a regular file, or cannot be written.
    """
    p = Path(path)
    check_target(p, force, what)
    suffix = "".join(p.suffixes[-1:]) or ".tmp"  # writers such as PuLP look at the suffix
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=suffix, dir=p.absolute().parent)
    except OSError as e:
        raise ParameterError(f"cannot write {what} {p}: {e.strerror or e}") from None
    tmp = Path(tmp_name)
    try:
        try:
            if callable(data):
                os.close(fd)
                fd = -1
                data(tmp)
            else:
                raw = data.encode() if isinstance(data, str) else data
                with os.fdopen(fd, "wb") as f:
                    fd = -1
                    f.write(raw)
            os.chmod(tmp, 0o666 & ~_umask())
            if force:
                check_target(p, True, what)  # still a regular file (or absent) just before the swap
                os.replace(tmp, p)
            else:
                try:
                    os.link(tmp, p)  # fails when the name exists: never replaces a file without --force
                except FileExistsError:
                    raise ParameterError(_exists(p)) from None
                except OSError:  # no hard links on this file system
                    if os.path.lexists(p):
                        raise ParameterError(_exists(p)) from None
                    os.replace(tmp, p)
        except OSError as e:
            raise ParameterError(f"cannot write {what} {p}: {e.strerror or e}") from None
    finally:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_bounded(path: str | Path, limit: int = MAX_SIDE_FILE_BYTES, what: str = "file") -> bytes:
    """The bytes of ``path``, refusing files (or endless devices) longer than ``limit`` bytes."""
    p = Path(path)
    try:
        # a named pipe blocks open() until some process writes to it: opened without waiting, then read as usual
        # (a pipe with a writer, such as bash's <(...), delivers its data; one without a writer reads as empty)
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with open(fd, "rb") as f:
            raw = f.read(limit + 1)
    except IsADirectoryError:
        raise InputError(p, f"is a directory, expected a {what}") from None
    except FileNotFoundError:
        raise InputError(p, "no such file") from None
    except OSError as e:
        raise InputError(p, f"cannot read: {e.strerror or e}") from None
    if len(raw) > limit:
        raise InputError(p, f"longer than {limit} bytes, the most combopt reads for a {what}")
    return raw


def figure_format(path: str | Path) -> str:
    """The image format ``path``'s extension names (png, svg, pdf, ...); :class:`ParameterError` for any other."""
    from matplotlib.backend_bases import FigureCanvasBase

    fmt = Path(path).suffix.lstrip(".").lower()
    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    if fmt not in formats:
        raise ParameterError(f"cannot tell the image format of {str(path)!r}: give it one of the extensions "
                             f"{', '.join('.' + f for f in formats)}")
    return fmt


def save_figure(fig, target, **kw) -> None:
    """``fig.savefig(target, **kw)`` without matplotlib's one warning per character its font lacks: a name from a
    file in Chinese or Japanese printed a UserWarning with a source line for every glyph (the characters are drawn
    as boxes; a font that has them, set in matplotlib's ``font.family``, draws them)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from (current )?font", category=UserWarning)
        fig.savefig(target, **kw)
