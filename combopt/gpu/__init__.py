"""GPU paths (Numba CUDA). Submodules import ``numba.cuda`` only when used."""

from __future__ import annotations

import numpy as _np

__all__ = ["anneal_batch_gpu", "anneal_kernel", "ptx_for_sm90"]


def numpy_compat(np_module=_np) -> list[str]:
    """Restore NumPy aliases that Numba's CUDA target still registers overloads for; returns those added.

    numba-cuda (0.30.4 and earlier) runs ``overload(np.row_stack)`` when it loads its typing registries,
    the first time any kernel compiles; NumPy 2.5 removed ``row_stack`` (an alias of ``vstack`` since
    1.x), so on NumPy >= 2.5 no kernel compiled at all (seen on an H200 with numpy 2.5.2). The alias is
    put back only where it is missing, pointing at the function it always named.
    """
    added = []
    if not hasattr(np_module, "row_stack"):
        np_module.row_stack = np_module.vstack
        added.append("row_stack")
    return added


numpy_compat()


def __getattr__(name: str):
    if name in __all__:
        from . import anneal

        return getattr(anneal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
