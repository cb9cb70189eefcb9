"""The memory limit: sizes are checked before allocating, against one documented budget.

The budget is ``--max-memory`` on the command line, else the ``COMBOPT_MAX_MEMORY`` environment
variable, else a quarter of the machine's RAM. Sizes are written ``8G``, ``512M``, ``2.5GiB``, ``123456``
(bytes) or ``75%`` (of the RAM). An instance (or a parameter such as ``num_reads``) that would
need more raises an error saying what needs how much, which limit it passed and how to raise it.

Imports: the standard library only (and the project's errors).
"""

from __future__ import annotations

import math
import os
import re

from .errors import InputError, ParameterError

ENV = "COMBOPT_MAX_MEMORY"
#: share of the RAM allowed when neither --max-memory nor COMBOPT_MAX_MEMORY says otherwise
DEFAULT_SHARE = 0.25
#: assumed RAM when the system does not tell
FALLBACK_RAM = 8 * 1024**3

_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1000, "kib": 1024, "m": 1024**2, "mb": 1000**2, "mib": 1024**2,
          "g": 1024**3, "gb": 1000**3, "gib": 1024**3, "t": 1024**4, "tb": 1000**4, "tib": 1024**4}


def total_ram() -> int:
    """Physical memory in bytes (:data:`FALLBACK_RAM` when unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not POSIX
        return FALLBACK_RAM


def parse_size(text: str, what: str = "--max-memory") -> int:
    """Bytes of ``8G``, ``512MiB``, ``1e9``, ``75%`` (of the RAM)."""
    s = str(text).strip().lower().replace(" ", "")
    m = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)(%|[kmgt]?i?b?)", s)
    if m is None:
        raise ParameterError(f"{what} expects a size such as 8G, 512M, 2GiB, 123456 (bytes) or 50%, got {text!r}")
    value = float(m.group(1))
    unit = m.group(2)
    n = total_ram() * value / 100.0 if unit == "%" else value * _UNITS.get(unit, 0)
    if unit not in _UNITS and unit != "%":
        raise ParameterError(f"{what}: unknown unit in {text!r}; expected K, M, G, T (or KiB, MB, ...) or %")
    if not (math.isfinite(n) and n >= 1):
        raise ParameterError(f"{what} must be a positive size, got {text!r}")
    return int(n)


_override: int | None = None


def max_memory() -> int:
    """The memory budget in bytes (see the module docstring)."""
    if _override is not None:
        return _override
    env = os.environ.get(ENV, "").strip()
    if env:
        return parse_size(env, ENV)
    return int(DEFAULT_SHARE * total_ram())


def set_max_memory(text: str | None) -> None:
    """Set the budget of this process (the CLI's ``--max-memory``); ``None`` goes back to the default."""
    global _override
    _override = None if text is None else parse_size(text)


def fmt_bytes(n: float) -> str:
    """``1.5 GiB`` style."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_memory(nbytes: float, what: str, path=None, line: int | None = None) -> None:
    """Raise when ``what`` would need more than the memory budget.

    ``path`` given: an :class:`InputError` naming the file (an instance too large), else a
    :class:`ParameterError` (a parameter asking for too much).
    """
    limit = max_memory()
    if not (nbytes <= limit):  # also catches NaN and inf
        size = fmt_bytes(nbytes) if math.isfinite(nbytes) else "unbounded memory"
        msg = (f"{what} needs about {size}, more than the memory limit of {fmt_bytes(limit)} "
               f"(raise it with --max-memory SIZE or {ENV}=SIZE, e.g. 80%)")
        if path is not None:
            raise InputError(path, msg, line)
        raise ParameterError(msg)
