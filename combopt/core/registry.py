"""Registry of solvers: which exist, for which problem kinds, exact or heuristic, CPU/GPU."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import UnknownKindError, UnknownSolverError


@dataclass(frozen=True)
class SolverInfo:
    name: str
    func: Callable
    problems: tuple[str, ...]
    exact: bool
    devices: tuple[str, ...]
    description: str
    defaults: tuple[str, ...] = field(default=())
    max_variables: int | Callable[[dict], int] | None = None  # QUBO variables it takes, or that of its params
    default_stop: object = None  # StoppingCriterion used when the caller gives none
    auto_gpu: bool = False  # device="auto" takes the GPU (measured faster there at the default sizes)
    params: tuple[str, ...] | None = None  # the parameter names it takes (None: not declared)

    def handles(self, kind: str) -> bool:
        if kind in self.problems:
            return True
        caps = _KINDS.get(kind, ())
        return any(p.startswith("+") and p[1:] in caps for p in self.problems)


_SOLVERS: dict[str, SolverInfo] = {}
# problem kind -> capabilities ("qubo": has to_qubo/from_qubo_sample, "milp": has to_pulp)
_KINDS: dict[str, tuple[str, ...]] = {}


def register_kind(kind: str, capabilities: tuple[str, ...] = ()) -> None:
    """Declare a problem kind and what generic solvers it supports.

    A solver registered with ``problems=("+qubo",)`` handles every kind with
    the ``"qubo"`` capability.
    """
    _KINDS[kind] = tuple(capabilities)


def known_kinds() -> list[str]:
    _load_builtin()
    return sorted(_KINDS)


def register_solver(
    name: str,
    *,
    problems: tuple[str, ...],
    exact: bool = False,
    devices: tuple[str, ...] = ("cpu",),
    description: str = "",
    default_for: tuple[str, ...] = (),
    max_variables: int | Callable[[dict], int] | None = None,
    default_stop=None,
    auto_gpu: bool = False,
    params: tuple[str, ...] | None = None,
):
    """Decorator registering ``func(problem, ctx, **params) -> SolverOutput``.

    ``problems`` lists kinds, or capabilities prefixed with ``+`` (``"+qubo"``). ``auto_gpu``: ``device="auto"``
    takes the GPU when one is visible; set it only where ``benchmarks/gpu_check.py`` measured the GPU path faster
    than the CPU at the solver's default sizes (elsewhere the GPU is there for ``device="gpu"``). ``params``: the
    parameter names it takes, listed by ``combopt solvers`` and offered when a name is misspelt.
    """

    def deco(func: Callable) -> Callable:
        _SOLVERS[name] = SolverInfo(
            name, func, tuple(problems), exact, tuple(devices), description, tuple(default_for), max_variables,
            default_stop, auto_gpu and "gpu" in devices, None if params is None else tuple(params),
        )
        return func

    return deco


#: The families combopt ships, each as the modules whose import registers its kinds, readers
#: and solvers. This is the one place that names them (the registry is the only part of
#: core that refers to problems/ and solvers/, and it does so by name, not by import).
#: Third-party packages add families through the entry-point group ``combopt.families``
#: (see docs/adding-a-family.md).
BUILTIN_FAMILIES: dict[str, tuple[str, ...]] = {
    "engines": (  # generic engines: any kind with the matching capability
        "combopt.problems.qubo_file",
        "combopt.solvers.anneal",
        "combopt.solvers.tabu",
        "combopt.solvers.exhaustive",
        "combopt.solvers.milp",
        "combopt.solvers.lagrangian",
        "combopt.solvers.qaoa",
        "combopt.solvers.peers",  # dwave-sa / dwave-tabu peers for benchmark suites (dwave loaded on first use)
    ),
    "graph": ("combopt.problems.graph", "combopt.solvers.graph"),
    "mdkp": ("combopt.problems.mdkp", "combopt.solvers.mdkp"),
    "tsp": ("combopt.problems.tsp", "combopt.solvers.tsp"),
    "rcpsp": ("combopt.problems.rcpsp", "combopt.solvers.rcpsp"),
    "dmmv": ("combopt.problems.dmmv", "combopt.solvers.dmmv"),
    "dag": ("combopt.problems.dag", "combopt.solvers.dag"),
    "coupling": ("combopt.problems.coupling", "combopt.solvers.coupling"),
}
ENTRY_POINT_GROUP = "combopt.families"

_LOADED = False
_LOADED_PLUGINS: dict[str, str] = {}


def _load_builtin() -> None:
    """Import every family once (built-in list, then entry points), which registers them."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    import importlib

    for modules in BUILTIN_FAMILIES.values():
        for mod in modules:
            importlib.import_module(mod)
    _load_plugins()


def _load_plugins() -> None:
    """Families from other packages: entry points ``combopt.families`` naming a module (imported)
    or a callable (called with no arguments). A plugin that fails to load is reported as a
    warning and skipped, so a broken third-party package cannot break combopt."""
    import warnings
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            obj = ep.load()
            if callable(obj):
                obj()
            _LOADED_PLUGINS[ep.name] = ep.value
        except Exception as e:  # noqa: BLE001 - any failure of third-party code
            warnings.warn(f"combopt: family plugin {ep.name!r} ({ep.value}) failed to load: {e}", stacklevel=2)


def loaded_plugins() -> dict[str, str]:
    """Families loaded from entry points: name -> ``module[:callable]``."""
    _load_builtin()
    return dict(_LOADED_PLUGINS)


def all_solvers() -> list[SolverInfo]:
    _load_builtin()
    return sorted(_SOLVERS.values(), key=lambda s: s.name)


def solvers_for(kind: str) -> list[SolverInfo]:
    """The solvers that handle problem ``kind``; :class:`UnknownKindError` for a kind no family declares and no
    solver names (``solvers_for("clqiue")`` was an empty list, as if the kind existed and had no solver)."""
    out = [s for s in all_solvers() if s.handles(kind)]
    if not out and kind not in _KINDS:
        raise UnknownKindError(f"unknown problem kind {kind!r}; expected one of: {', '.join(sorted(_KINDS))}")
    return out


def get_solver(name: str | None, kind: str) -> SolverInfo:
    """The solver ``name`` for problem ``kind``; ``None`` picks the family's default."""
    _load_builtin()
    if name is None:
        for s in _SOLVERS.values():
            if kind in s.defaults:
                return s
        cands = solvers_for(kind)
        if not cands:
            raise UnknownSolverError(f"no solver handles problem kind {kind!r}")
        return cands[0]
    if name not in _SOLVERS:
        known = ", ".join(sorted(_SOLVERS))
        raise UnknownSolverError(f"unknown solver {name!r}; expected one of: {known}")
    info = _SOLVERS[name]
    if not info.handles(kind):
        ok = ", ".join(s.name for s in solvers_for(kind))
        raise UnknownSolverError(f"solver {name!r} does not handle {kind!r} problems; try one of: {ok}")
    return info
