"""Input marginals of the coupling problems: their checks (non-empty, finite, non-negative, summing to 1) and the
line of each in its file, for the errors."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ...core.errors import InputError

#: an input marginal must sum to 1 within this (else ``normalize=true`` is needed)
SUM_TOL = 1e-6

#: how to renormalise marginals that do not sum to 1, in an error message
RENORM = "pass -p normalize=true, or normalize=True to the constructor in Python, to renormalise"


class MarginalLines:
    """The line where each marginal begins in its file (a CSV row's line, or found in the JSON text when an error
    needs it: the text is walked only then); picklable, so a problem read on one process reports it on another."""

    def __init__(self, rows: list[int] | None = None, json_file: str | None = None):
        self.rows, self.json_file = rows, json_file

    def __call__(self, k: int) -> int | None:
        if self.rows is not None:
            return self.rows[k] if 0 <= k < len(self.rows) else None
        if self.json_file is None:
            return None
        from ...core.jsonpos import line_of

        try:
            return line_of(Path(self.json_file).read_text(encoding="utf-8"), ("marginals", k))
        except (OSError, UnicodeDecodeError):
            return None


def check_marginals(marginals, path=None, normalize: bool = False, lenient: bool = False,
                    lines: MarginalLines | None = None):
    """Validate probability vectors: 1-D, non-empty, finite, non-negative, summing to 1.

    Returns ``(normalised marginals, raw sums)``. A sum off by more than
    :data:`SUM_TOL` raises unless ``normalize`` (or ``lenient``: the reader
    defers that decision to the solve, where ``normalize=true`` is a parameter).
    """
    out, sums = [], []
    for k, p in enumerate(marginals):
        def bad(message: str, k: int = k):
            return InputError(path, message, None if lines is None or path is None else lines(k))

        a = np.asarray(p, dtype=np.float64)
        if a.ndim != 1 or a.size == 0:
            raise bad(f"marginal {k} must be a non-empty list of probabilities")
        if not np.all(np.isfinite(a)):
            raise bad(f"marginal {k} has a non-finite entry at position {int(np.argmin(np.isfinite(a)))}")
        if np.any(a < 0):
            raise bad(f"marginal {k} has a negative entry at position {int(np.argmax(a < 0))}; "
                      "expected probabilities >= 0")
        with np.errstate(over="ignore"):
            s = float(a.sum())
        if not s > 0:
            raise bad(f"marginal {k} sums to 0; expected probabilities summing to 1")
        if not math.isfinite(s):  # 1e308 + 1e308: renormalising would divide by infinity (all zeros)
            raise bad(f"marginal {k} sums past the largest float; expected probabilities summing to 1")
        if abs(s - 1.0) > SUM_TOL and not (normalize or lenient):
            raise bad(f"marginal {k} sums to {s:.9g}; expected 1 within {SUM_TOL:g} ({RENORM})")
        out.append(a / s)
        sums.append(s)
    return out, sums
