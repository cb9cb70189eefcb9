"""Deprecated module paths from before the one-subpackage-per-family layout (0.1 -> 0.2).

``import combopt.solvers.rcpsp_sgs`` and the like keep working for a release: the old name
becomes a module that looks each attribute up in the new modules, with a DeprecationWarning
naming the new place. New code imports the new paths (see docs/architecture.md).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

#: old module -> the new modules that hold what it held (looked up in this order)
ALIASES: dict[str, tuple[str, ...]] = {
    "combopt.core.api": ("combopt.api",),
    "combopt.problems.lagrangian_model": ("combopt.models.lagrangian",),
    "combopt.problems.rcpsp_plot": ("combopt.problems.rcpsp.plot",),
    "combopt.problems.mis": ("combopt.problems.graph.mis",),
    "combopt.problems.fir": ("combopt.problems.dmmv.fir",),
    "combopt.problems.tomography": ("combopt.problems.dmmv.tomography",),
    "combopt.problems.quantization": ("combopt.problems.dmmv.quantization",),
    "combopt.problems.spec": ("combopt.problems.dmmv.spec",),
    "combopt.problems.dmmv_family": ("combopt.problems.dmmv",),
    "combopt.solvers.rcpsp_milp": ("combopt.problems.rcpsp.milp",),
    "combopt.solvers.rcpsp_kernels": ("combopt.problems.rcpsp.kernels", "combopt.solvers.rcpsp.operators"),
    "combopt.solvers.rcpsp_sgs": ("combopt.problems.rcpsp.sgs", "combopt.solvers.rcpsp.decoder",
                                  "combopt.solvers.rcpsp.sgs"),
    "combopt.solvers.rcpsp_ga": ("combopt.solvers.rcpsp.ga",),
    "combopt.solvers.rcpsp_cpsat": ("combopt.solvers.rcpsp.cpsat",),
    "combopt.solvers.tsp_local": ("combopt.problems.tsp.local", "combopt.problems.tsp.bound",
                                  "combopt.solvers.tsp.ils"),
    "combopt.solvers.dmmv_kernels": ("combopt.solvers.dmmv.kernels",),
    "combopt.solvers.mis_local": ("combopt.problems.graph.local", "combopt.solvers.graph.ils"),
    "combopt.solvers.mis": ("combopt.solvers.graph.ils",),
    "combopt.solvers.mdkp_local": ("combopt.problems.mdkp.local",),
    "combopt.solvers.rng": ("combopt.core.rng",),
}


class _AliasModule(types.ModuleType):
    def __init__(self, name: str, targets: tuple[str, ...]):
        super().__init__(name, f"Deprecated alias of {', '.join(targets)}.")
        self.__targets = targets

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        for t in self.__targets:
            mod = importlib.import_module(t)
            if hasattr(mod, attr):
                warnings.warn(f"{self.__name__}.{attr} moved to {t}.{attr}; the old path will be removed "
                              "in a future release", DeprecationWarning, stacklevel=2)
                return getattr(mod, attr)
        raise AttributeError(f"module {self.__name__!r} has no attribute {attr!r}")


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        return _AliasModule(spec.name, ALIASES[spec.name])

    def exec_module(self, module):
        warnings.warn(f"{module.__name__} is deprecated; import from {', '.join(ALIASES[module.__name__])}",
                      DeprecationWarning, stacklevel=2)


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in ALIASES:
            return importlib.machinery.ModuleSpec(fullname, _Loader())
        return None


def install() -> None:
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.append(_Finder())
