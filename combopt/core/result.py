"""The :class:`Result` every solver returns, and its status values."""

from __future__ import annotations

import enum
import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .status import relative_gap

__all__ = ["Result", "Status", "format_number", "relative_gap"]

#: problem kind -> {plot name -> ``func(result, ax=None, **kw)``}; the problem packages fill it
_RESULT_PLOTS: dict[str, dict[str, Callable]] = {}


def register_result_plot(kind: str, name: str):
    """Decorator: ``func(result, ax=None, **kw)`` draws results of problem ``kind`` (``Result.plot_<name>``)."""

    def deco(func: Callable) -> Callable:
        _RESULT_PLOTS.setdefault(kind, {})[name] = func
        return func

    return deco


class Status(enum.StrEnum):
    """Outcome of a solve."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    UNKNOWN = "unknown"

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.value


@dataclass
class Result:
    """Outcome of :func:`combopt.solve`.

    The ``objective`` and ``feasible`` fields always come from the problem's
    own ``evaluate``, never from a solver's bookkeeping.

    Attributes
    ----------
    problem, instance
        Problem kind (``"mis"``, ``"clique"``, ``"qubo"``, ...) and instance name.
    solver, params
        Solver name and the parameters it ran with.
    solution
        The solution in the problem's internal form (see the problem's docs).
    objective, sense
        Evaluated objective and ``"min"`` / ``"max"``.
    feasible, violations
        Feasibility and the list of violated constraints (empty when feasible).
    status
        :class:`Status`.
    bound, gap
        Best proven bound (when known) and relative gap to it.
    runtime, iterations
        Wall-clock seconds (compile time included) and outer iterations.
    trace
        List of ``(seconds, best objective)`` pairs, one per improvement.
    device, seed
        ``"cpu"`` or ``"gpu"`` and the seed used.
    info
        Solver-specific statistics.
    """

    problem: str
    instance: str
    solver: str
    solution: Any
    objective: float | None
    sense: str
    feasible: bool
    status: Status
    bound: float | None = None
    gap: float | None = None
    runtime: float = 0.0
    iterations: int = 0
    trace: list[tuple[float, float]] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu"
    seed: int = 0
    violations: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    solution_json: Any = None

    # -- export -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (the ``--out`` file of the CLI)."""
        return {
            "problem": self.problem,
            "instance": self.instance,
            "solver": self.solver,
            "status": self.status.value,
            "sense": self.sense,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "feasible": bool(self.feasible),
            "runtime_s": round(float(self.runtime), 6),
            "iterations": int(self.iterations),
            "seed": int(self.seed),
            "device": self.device,
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "violations": list(self.violations),
            "solution": _jsonable(self.solution_json if self.solution_json is not None else self.solution),
            "trace": [[round(float(t), 6), _num(v)] for t, v in self.trace],
            "info": {k: _jsonable(v) for k, v in self.info.items()},
        }

    def to_json(self, indent: int | None = 2) -> str:
        """Strict JSON (non-finite numbers are null). Objects are indented; every list is written on one line, so
        that a solution of millions of numbers takes a few bytes each, not a line each (a 2-million-symbol
        coupling: 320 MB with every number on its own line, more than ``combopt check`` reads)."""
        return _dump(self.to_dict(), indent)

    # -- display ------------------------------------------------------------
    def summary_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("problem", f"{self.problem} ({self.instance})"),
            ("solver", f"{self.solver} on {self.device}, seed {self.seed}"),
            ("status", self.status.value),
            ("objective", format_number(self.objective) + f" ({self.sense})"),
            ("bound", format_number(self.bound)),
            ("gap", "-" if self.gap is None else f"{100 * self.gap:.3f} %"),
            ("feasible", "yes" if self.feasible else f"no ({len(self.violations)} violations)"),
            ("runtime", f"{self.runtime:.3f} s"),
            ("iterations", str(self.iterations)),
        ]
        why = self.info.get("infeasibility")
        if self.status.value == "infeasible" and isinstance(why, str):
            rows.append(("proof", why))  # why no feasible solution exists (a solver's own claim, re-checkable)
        return rows

    def __rich__(self):  # pragma: no cover - exercised through the CLI
        from rich.table import Table

        table = Table(title="combopt result", show_header=False, title_justify="left")
        table.add_column(style="bold cyan")
        table.add_column()
        for k, v in self.summary_rows():
            table.add_row(k, v)
        return table

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self.summary_rows()
        )
        return f"<table><caption>combopt result</caption>{body}</table>"

    def __repr__(self) -> str:
        return (
            f"Result(problem={self.problem!r}, instance={self.instance!r}, solver={self.solver!r}, "
            f"status={self.status.value!r}, objective={self.objective!r}, bound={self.bound!r}, "
            f"feasible={self.feasible}, runtime={self.runtime:.3f})"
        )

    def plot_iterations(self, ax=None):
        """Plot dual bound, dual value and best primal against outer iterations."""
        return _plot_iterations(self, ax)

    def plot_graph(self, ax=None, **kw):
        """Draw the solution as a graph (kind ``dag``: learned graph with the truth overlaid)."""
        return self._family_plot("graph", ax, **kw)

    def _family_plot(self, name: str, ax=None, **kw):
        func = _RESULT_PLOTS.get(self.problem, {}).get(name)
        if func is None:
            raise ValueError(f"{self.problem} results have no {name} plot")
        return func(self, ax=ax, **kw)

    def plot_curve(self, ax=None):
        """Plot the curve a solver kept in ``info["curve"]`` (e.g. EBIM's I(X;T) against the rate)."""
        return plot_curve_data(self.info.get("curve"), ax)

    def plot_trace(self, ax=None):
        """Plot best objective against time; returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        if self.trace:
            ts = [t for t, _ in self.trace]
            ts.append(max(self.runtime, max(ts)))  # a record without runtime_s (0): the line drew back to t = 0
            vs = [v for _, v in self.trace] + [self.trace[-1][1]]
            ax.step(ts, vs, where="post", label=f"{self.solver} best")
        if self.bound is not None:
            ax.axhline(self.bound, color="grey", linestyle="--", label="bound")
        ax.set_xlabel("time [s]")
        ax.set_ylabel(f"objective ({self.sense})")
        ax.set_title(f"{self.problem}: {self.instance}")
        ax.legend(loc="best")
        return ax


def plot_curve_data(curve, ax=None):
    """Plot ``{"x": [...], "series": {label: [...]}, "points": {label: [[x, y], ...]}}``.

    Optional keys ``xlabel``, ``ylabel``, ``title``.
    """
    import matplotlib.pyplot as plt

    if not curve or "x" not in curve:
        raise ValueError("this result has no curve (the EBIM solvers keep one with the parameter curve=true)")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    styles = iter([":", "--", "-", "-.", (0, (1, 3)), (0, (5, 1))])
    for label, ys in curve.get("series", {}).items():
        ax.plot(curve["x"], ys, linestyle=next(styles, "-"), label=label)
    for label, pts in curve.get("points", {}).items():
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, ".", color="black", ms=4, label=label)
    ax.set_xlabel(curve.get("xlabel", "x"))
    ax.set_ylabel(curve.get("ylabel", "y"))
    ax.set_title(curve.get("title", ""))
    ax.legend(loc="best")
    return ax


def iteration_rows_ok(rows) -> bool:
    """``info["iterations"]`` as the outer-loop solvers write it: a list of dicts, each with an ``iteration`` number
    and ``bound`` / ``primal`` / ``dual_value`` numbers or ``None``."""
    from .safeio import json_number

    return isinstance(rows, list) and all(
        isinstance(r, dict) and json_number(r.get("iteration")) is not None
        and all(r.get(k) is None or json_number(r.get(k)) is not None for k in ("bound", "primal", "dual_value"))
        for r in rows)


def _plot_iterations(res: Result, ax=None):
    import matplotlib.pyplot as plt

    rows = res.info.get("iterations")
    if not rows:
        raise ValueError("this result has no per-iteration record (only outer-loop solvers such as "
                         "'lagrangian' keep one); use plot_trace()")
    if not iteration_rows_ok(rows):  # a hand-built or edited Result
        raise ValueError("info['iterations'] must be a list of {'iteration': k, 'bound': ..., 'primal': ..., "
                         "'dual_value': ...} records of numbers")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    k = [r["iteration"] for r in rows]
    for key, label, style in (("bound", "dual bound", "-"), ("primal", "best primal", "-"),
                              ("dual_value", "dual value L(lambda)", ":")):
        ys = [r.get(key) for r in rows]
        if any(y is not None for y in ys):
            ax.plot(k, [float("nan") if y is None else y for y in ys], style, label=label)
    if res.bound is not None:  # the result's bound (the best of the dual's and the problem's own, such as an LP's)
        ax.axhline(res.bound, color="grey", linestyle="--", label="result's bound")
    ax.set_xlabel("outer iteration")
    ax.set_ylabel(f"objective ({res.sense})")
    ax.set_title(f"{res.solver} ({res.info.get('method', '')}) on {res.instance}")
    ax.legend(loc="best")
    return ax


def _dump(v, indent: int | None, depth: int = 0) -> str:
    if indent is None or not isinstance(v, dict) or not v:
        return json.dumps(v, allow_nan=False)
    pad = " " * (indent * (depth + 1))
    items = [f"{pad}{json.dumps(str(k))}: {_dump(x, indent, depth + 1)}" for k, x in v.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * (indent * depth) + "}"


def _num(v):
    if v is None:
        return None
    v = float(v)
    if not math.isfinite(v):
        return None
    return int(v) if v.is_integer() else v


def format_number(v) -> str:
    """A number as results show it (the summary table, picture titles): whole numbers in full below 10^15, others to
    6 significant digits, ``-`` for None."""
    if v is None:
        return "-"
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    # whole numbers in full up to 10^15 (tour lengths, makespans); beyond, as any other number: 1e+180, not 181 digits
    return f"{int(v)}" if v.is_integer() and abs(v) < 1e15 else f"{v:.6g}"



_PLAIN = (int, str, bool, type(None))


def _jsonable(v):
    import numpy as np

    if isinstance(v, np.ndarray):
        if v.dtype.kind in "fc" and not np.all(np.isfinite(v)):
            return _jsonable(v.tolist())  # NaN / infinity are not JSON numbers: null
        return v.tolist()
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, (list, tuple)):
        # plain ints, strings, booleans, None and finite floats stay as they are: one type check each, not a call
        # each (a quantization answer of a million codes in 1024 lists: 0.55 s to 0.1 s)
        if all((t := type(x)) in _PLAIN or (t is float and math.isfinite(x)) for x in v):
            return list(v)
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)
