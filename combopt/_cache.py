"""Where Numba keeps the compiled kernels: a per-user cache directory, never the package folder.

Imported first by ``combopt/__init__.py``, before anything imports numba: a site-packages install
may be read-only, and an editable install would otherwise get ``.nbi``/``.nbc`` files written
beside its sources. A ``NUMBA_CACHE_DIR`` the user set is respected.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


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


def numba_cache_dir() -> Path:
    """The folder Numba caches combopt's kernels in."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    return Path(env) if env else user_cache_dir() / "numba"


def configure() -> None:
    """Point Numba's cache at :func:`numba_cache_dir` unless the user chose one (call before importing numba).

    When numba was imported already (by the user's own code), its config is updated too: the
    cache locator of a kernel is chosen when the kernel is decorated, after this runs.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        path = numba_cache_dir()
    except RuntimeError:  # no home directory: leave Numba's own choice
        return
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    mod = sys.modules.get("numba.core.config")
    if mod is not None:
        mod.CACHE_DIR = str(path)


configure()
