"""Where Numba keeps the compiled kernels: a per-user cache directory, never the package folder.

Imported first by ``combopt/__init__.py``, before anything imports numba: a site-packages install
may be read-only, and an editable install would otherwise get ``.nbi``/``.nbc`` files written
beside its sources. A ``NUMBA_CACHE_DIR`` the user set is respected. One folder per version of the sources
(:func:`source_digest`); the first run of a new version removes the folders of versions no longer used
(:func:`prune`), so upgrades and edits do not pile up compiled kernels (about 70 MB a version).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import sys
import time
from pathlib import Path

#: folders of other source versions kept beside the current one: the most recently used few ...
KEEP_VERSIONS = 4
#: ... and any used within this many seconds (another install of combopt may be running from it)
KEEP_RECENT_S = 3600.0
#: a folder of another version unused this long goes whatever the count
MAX_UNUSED_S = 30 * 86400.0
_DIGEST = re.compile(r"[0-9a-f]{16}")


def user_cache_dir() -> Path:
    """combopt's per-user cache folder (``$XDG_CACHE_HOME/combopt`` or ``~/.cache/combopt`` on Linux,
    ``~/Library/Caches/combopt`` on macOS, ``%LOCALAPPDATA%\\combopt\\Cache`` on Windows)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "combopt" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "combopt"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
    return base / "combopt"


def source_digest() -> str:
    """A digest of the content of combopt's own Python sources (a few milliseconds).

    Numba checks a cached kernel against its own source file only: a kernel that calls one in another module keeps
    running the old callee after that module changed (a pull into an editable install changes only the files that
    differ). The cache folder is keyed by this digest, so a changed source starts a fresh folder."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for path in sorted(root.rglob("*.py")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(data)
    return h.hexdigest()[:16]


def numba_cache_dir() -> Path:
    """The folder Numba caches combopt's kernels in: one per version of the sources (:func:`source_digest`) under
    ``user_cache_dir() / "numba"``, unless the user set ``NUMBA_CACHE_DIR`` (used as it is)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    return Path(env) if env else user_cache_dir() / "numba" / source_digest()


def writable(folder: Path) -> bool:
    """``folder`` exists (created if need be) and a file can be created in it."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".probe-")
        os.close(fd)
        os.unlink(probe)
        return True
    except OSError:
        return False


def private(folder: Path) -> bool:
    """``folder`` (created with mode 0700 if need be) is a real folder of this user that no one else can write to.
    The temporary folder is shared by every user, and Numba's cache index is unpickled when read: a folder another
    user made at our predictable name (or made writable to all) would hand them our runs' code."""
    try:
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
        st = folder.lstat()
    except OSError:
        return False
    if not hasattr(os, "getuid"):  # Windows: the temporary folder is the user's own
        return stat.S_ISDIR(st.st_mode)
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _uid() -> str:
    return str(os.getuid()) if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")


def mark_used(folder: Path) -> None:
    """Stamp ``folder`` as used now (its modification time: Numba only writes to it when it compiles)."""
    with contextlib.suppress(OSError):  # a read-only cache still works; it is only pruned sooner
        os.utime(folder)


def prune(parent: Path, current: str, now: float | None = None) -> list[Path]:
    """Remove the cache folders of other source versions under ``parent`` (names of 16 hex digits only; nothing else
    is touched): those unused for ``MAX_UNUSED_S``, and beyond the ``KEEP_VERSIONS`` most recently used those unused
    for ``KEEP_RECENT_S``. Returns the folders removed. A process of another version still running from a removed
    folder keeps its loaded kernels and compiles anything else again."""
    now = time.time() if now is None else now
    try:
        entries = [p for p in parent.iterdir() if p.name != current and _DIGEST.fullmatch(p.name) and p.is_dir()
                   and not p.is_symlink()]
        used = {p: p.stat().st_mtime for p in entries}
    except OSError:
        return []
    removed = []
    for rank, p in enumerate(sorted(entries, key=lambda q: -used[q])):
        idle = now - used[p]
        if idle >= MAX_UNUSED_S or (rank >= KEEP_VERSIONS and idle >= KEEP_RECENT_S):
            shutil.rmtree(p, ignore_errors=True)
            if not p.exists():
                removed.append(p)
    return removed


#: whether compiled kernels are kept anywhere (False after :func:`_no_cache`)
_CACHING = [True]


def caching() -> bool:
    """Whether compiled kernels are kept in a cache folder (:func:`numba_cache_dir`); ``False`` where no folder can be
    written, and every process compiles them again."""
    return _CACHING[0]


def _no_cache() -> None:
    """Nowhere to write a cache: kernels are compiled in each process and cached nowhere (Numba's next choice would
    be the ``__pycache__`` folders beside the installed sources)."""
    from numba.core.dispatcher import Dispatcher

    Dispatcher.enable_caching = lambda self: None
    _CACHING[0] = False
    # a background warm-up would compile into nowhere: runs compile what they need themselves, inside their limit
    os.environ.setdefault("COMBOPT_COLD_START", "0")
    sys.stderr.write("combopt: warning: no cache folder can be written (NUMBA_CACHE_DIR, the user cache, the "
                     "temporary folder's combopt-<uid>, which must be this user's alone): compiled kernels are not "
                     "kept, so every run compiles them again\n")


def configure() -> None:
    """Point Numba's cache at :func:`numba_cache_dir` unless the user chose one (call before importing numba).

    When numba was imported already (by the user's own code), its config is updated too: the
    cache locator of a kernel is chosen when the kernel is decorated, after this runs.
    """
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given and writable(Path(given)):
        return
    # a folder Numba cannot write to sends it to its next locator, the __pycache__ beside the sources: the
    # package folder itself (an unwritable NUMBA_CACHE_DIR did so). Ours, else one under the temporary folder.
    try:
        path = numba_cache_dir() if not given else user_cache_dir() / "numba" / source_digest()
    except RuntimeError:  # no home directory
        path = None
    existed = path is not None and path.is_dir()  # (before the probe creates it)
    if path is None or not writable(path):
        import tempfile

        base = Path(tempfile.gettempdir()) / f"combopt-{_uid()}"
        path = base / "numba" / source_digest()
        existed = path.is_dir()
        if not private(base) or not writable(path):
            _no_cache()
            return
    if given:  # one line on stderr (this runs as combopt is imported, before any warning filter of the CLI)
        sys.stderr.write(f"combopt: warning: NUMBA_CACHE_DIR={given} cannot be written; caching compiled kernels in "
                         f"{path} instead\n")
    if existed:
        mark_used(path)
    else:  # the first run of this version: the folders of old versions go (see prune)
        prune(path.parent, path.name)
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    mod = sys.modules.get("numba.core.config")
    if mod is not None:
        mod.CACHE_DIR = str(path)


configure()


def numba_threads_error() -> str | None:
    """The one line for a ``NUMBA_NUM_THREADS`` that Numba cannot use (``0``, ``-1``, ``abc``, empty), else ``None``.
    Numba read 0 by raising ValueError while it was imported (a traceback and exit code 1 from the CLI) and anything
    that is no integer with a warning of five lines, running on its default count."""
    value = os.environ.get("NUMBA_NUM_THREADS")
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n >= 1:
        return None
    return f"NUMBA_NUM_THREADS must be a whole number of threads of at least 1 (or unset), got {value!r}"


def damaged_cache(error: BaseException) -> str | None:
    """The one line for an exception raised while Numba read a cached kernel (a truncated index or data file: a copy
    or a file system fault), else ``None``: every later run would fail the same way until the folder goes. The
    error may come wrapped: click turns an EOFError (a truncated pickle) into its Abort."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if not isinstance(error, Exception):  # a Ctrl-C while a kernel loads is an interrupt, not damage
            return None
        seen.add(id(error))
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.replace("\\", "/").endswith("numba/core/caching.py"):
                return (f"the compiled-kernel cache {numba_cache_dir()} is damaged ({type(error).__name__}: "
                        f"{str(error)[:80]}); remove that folder (it is rebuilt: combopt warmup) and run again")
            tb = tb.tb_next
        error = error.__cause__ or error.__context__
    return None

