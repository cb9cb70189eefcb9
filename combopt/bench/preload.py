"""Imported once by the forkserver that forks every local benchmark run (see :mod:`.worker`).

Besides importing combopt with every family, it initialises Numba's CPU target (typing and
lowering registries, LLVM) by compiling one small function. Numba does this once per process
on its first compile or cache load, which costs 1 to 6 s on a loaded machine; done here, every
forked run inherits it. Nothing here starts a thread (no parallel kernel runs), so forking
afterwards is safe.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..api import solve  # noqa: F401 - imported for the forked children
from ..core.registry import _load_builtin
from . import worker  # noqa: F401

_load_builtin()


@njit(cache=False)
def _touch(a):
    return a.sum() + 1.0


_touch(np.zeros(3))
