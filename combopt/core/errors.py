"""Project exceptions.

Everything a user can cause (a bad file, an unknown solver, an impossible
parameter) raises a :class:`CombOptError`; the command line turns it into one
line on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path


class CombOptError(Exception):
    """Base class of errors a user can cause."""


class InputError(CombOptError):
    """A malformed, truncated or unreadable instance or solution file.

    Parameters
    ----------
    path
        The file that was being read.
    message
        What was wrong and what was expected.
    line
        1-based line number where the problem was found, when known.
    """

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        where = self.path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


def located(error: CombOptError, *at) -> CombOptError:
    """``error`` marked with the part of the input it is about: ``at`` is a key path (``("domain", 3)``,
    ``("weights",)``) in the terms of the model that raised it; a reader that knows where that part lies in its file
    names the line. Returns ``error``."""
    error.at = tuple(at)
    return error


class NoSuchInstance(InputError):
    """``file#K`` names an instance the file does not hold (the message says how many it holds)."""


class InstanceTooLarge(InputError):
    """Reading the instance ran out of memory (a file too large for the machine, or for a memory limit)."""


class UnknownKindError(CombOptError):
    """A problem kind that no reader or solver knows."""


class UnknownSolverError(CombOptError):
    """A solver name that is not registered, or not able to solve this problem."""


class ParameterError(CombOptError):
    """A solver or CLI parameter with an impossible value."""


class NothingToDraw(ParameterError):
    """A figure was asked of a result that holds no solution and records no progress."""


class UnsuitedInstance(ParameterError):
    """The solver cannot take this instance's data (the file itself is valid); the CLI names the file."""


class MissingDependencyError(CombOptError):
    """An optional dependency (cupy, qiskit, ...) is needed but not installed."""


class GPUError(CombOptError):
    """A GPU path failed inside the CUDA stack (driver, Numba CUDA, CuPy): the machine's GPU set-up, not the input.

    The first run of combopt's kernels on a GPU stopped this way (numba-cuda 0.30.4 against NumPy 2.5, an
    ``AttributeError`` deep inside the kernel compiler); a user gets one line that names the solver, the library
    and its message, and the way out (``--device cpu``). The original exception is chained (``__cause__``).
    """
