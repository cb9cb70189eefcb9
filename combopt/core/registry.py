"""Registry of solvers: which exist, for which problem kinds, exact or heuristic, CPU/GPU."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import UnknownSolverError


@dataclass(frozen=True)
class SolverInfo:
    name: str
    func: Callable
    problems: tuple[str, ...]
    exact: bool
    devices: tuple[str, ...]
    description: str
    defaults: tuple[str, ...] = field(default=())
    max_variables: int | None = None
    default_stop: object = None  # StoppingCriterion used when the caller gives none

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
    max_variables: int | None = None,
    default_stop=None,
):
    """Decorator registering ``func(problem, ctx, **params) -> SolverOutput``.

    ``problems`` lists kinds, or capabilities prefixed with ``+`` (``"+qubo"``).
    """

    def deco(func: Callable) -> Callable:
        _SOLVERS[name] = SolverInfo(
            name, func, tuple(problems), exact, tuple(devices), description, tuple(default_for), max_variables,
            default_stop,
        )
        return func

    return deco


def _load_builtin() -> None:
    # importing the solver modules registers them
    from .. import problems, solvers  # noqa: F401


def all_solvers() -> list[SolverInfo]:
    _load_builtin()
    return sorted(_SOLVERS.values(), key=lambda s: s.name)


def solvers_for(kind: str) -> list[SolverInfo]:
    return [s for s in all_solvers() if s.handles(kind)]


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
