"""GPU paths (Numba CUDA). Submodules import ``numba.cuda`` only when used."""

from __future__ import annotations

__all__ = ["anneal_batch_gpu", "anneal_kernel", "ptx_for_sm90"]


def __getattr__(name: str):
    if name in __all__:
        from . import anneal

        return getattr(anneal, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
