"""``combopt solvers``: the solver table, or one solver's facts and parameters."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..core.errors import ParameterError


def print_solvers(name: str | None, console: Console) -> None:
    """All solvers (``name`` None), those of a problem kind, or one solver's facts with its parameter names."""
    from ..core.registry import _KINDS, _SOLVERS, all_solvers, known_kinds

    infos = all_solvers()
    if name is not None and name not in known_kinds():
        if name not in _SOLVERS:
            raise ParameterError(f"unknown problem kind or solver {name!r}; expected a kind "
                                 f"({', '.join(known_kinds())}) or a solver ({', '.join(s.name for s in infos)})")
        _print_one(_SOLVERS[name], console)
        return
    if name is not None:
        infos = [s for s in infos if s.handles(name)]
    table = Table(title="combopt solvers" + (f" for {name}" if name else ""),
                  caption="combopt solvers NAME: a solver's parameters (-p key=value)")
    # six columns squeeze the description to a word per line below ~120 columns (an 80-column terminal, a pipe):
    # there each solver's facts stack in two columns instead
    wide = console.width >= 120
    for col in ("solver", "problems", "type", "devices", "default for", "description") if wide else ("solver", "what"):
        table.add_column(col, no_wrap=col == "solver")
    for s in infos:
        kinds = ", ".join(sorted(k for k in _KINDS if s.handles(k)))
        devices = ", ".join(f"{d} (auto)" if d == "gpu" and s.auto_gpu else d for d in s.devices)
        kind_of = "exact" if s.exact else "heuristic"
        defaults = ", ".join(s.defaults)
        if wide:
            table.add_row(s.name, kinds, kind_of, devices, defaults, s.description)
        else:
            facts = f"problems: {kinds}" + (f"; default for {defaults}" if defaults else "")
            table.add_row(f"{s.name}\n{kind_of}\n{devices}", f"{facts}\n{s.description}", end_section=True)
    console.print(table)
    if name in _SOLVERS:  # a kind that is also a solver's name (dmmv, ebim, mecb): its parameters too
        _print_one(_SOLVERS[name], console)


def _print_one(s, console: Console) -> None:
    from ..core.registry import _KINDS

    table = Table(title=f"combopt solver {s.name}", show_header=False)
    table.add_column("field", no_wrap=True)
    table.add_column("value")
    table.add_row("problems", ", ".join(sorted(k for k in _KINDS if s.handles(k))))
    table.add_row("type", "exact" if s.exact else "heuristic")
    table.add_row("devices", ", ".join(f"{d} (auto)" if d == "gpu" and s.auto_gpu else d for d in s.devices))
    if s.defaults:
        table.add_row("default for", ", ".join(s.defaults))
    table.add_row("description", s.description)
    table.add_row("parameters", ", ".join(s.params) if s.params else "-")
    table.add_row("documentation", f"the README's section of its family; in Python, help() of "
                                   f"{s.func.__module__}.{s.func.__name__} (defaults and ranges)")
    console.print(table)
