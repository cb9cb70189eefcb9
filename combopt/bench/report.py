"""Reports from results files: summary table, head-to-head, performance profiles, time to target.

Everything here works on rows (dicts, see :data:`combopt.bench.results.FIELDS`), so a report of
a partial file (a suite still running, or killed) is as valid as one of a finished suite.

Definitions (also in README.md, "Reading a report"):

* **gap** = ``100 (objective - target) / |target|`` for minimisation (``target - objective`` for
  maximisation), where the target is the best known value (the optimum when only that is known);
  negative when a run beats the best known value. Against a target of 0 it is 0 at 0 and +-100 otherwise
  (:func:`combopt.bench.refs.percent_off`). Means are over runs with a feasible solution.
* **deviation from the bound** = ``100 (objective - bound) / |bound|`` (``bound - objective`` for
  maximisation), where the bound is the reference file's bound column (PSPLIB's critical-path bound,
  an LP bound; see :data:`combopt.bench.refs.BOUND_COLUMNS`): the usual measure where optima are
  unknown. Its column appears when some run has a reference bound.
* **proven optimal**: runs whose solver proved optimality (status ``optimal``); the column appears
  when some run in the report has that status.
* **shifted geometric mean** ``SGM(x; s) = exp(mean(log(x + s))) - s``, shift 1 s for times and
  1 percentage point for gaps (negative gaps count as 0).
* **wins / losses**: for each other solver entry on the same set and each instance both ran, the
  mean objective over seeds (a run without a feasible solution counts as the worst value) is
  compared; a win is strictly better by more than the set's tolerance.
* **performance profile** (Dolan and More 2002): the cost of a solver entry on an instance is the
  median over its seeds of the time to reach the target (infinite when not reached), the target
  being the best known value, or, without one, the best objective any entry found in the file.
  ``rho_s(tau)`` is the share of instances on which the entry's cost is within a factor ``tau``
  of the best entry's cost. Times are floored at 1 ms.
* **time to target**: share of runs that reached the target by time ``t`` (an empirical CDF).
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..core.safeio import save_figure
from .refs import contradictions, percent_off
from .worker import FAILED

TIME_SHIFT = 1.0
GAP_SHIFT = 1.0
TIME_FLOOR = 1e-3


def sgm(values: Iterable[float], shift: float) -> float | None:
    """Shifted geometric mean ``exp(mean(log(x + shift))) - shift`` (``None`` for no values)."""
    xs = [max(float(v), 0.0) for v in values if v is not None and math.isfinite(v)]
    if not xs:
        return None
    return float(math.exp(sum(math.log(x + shift) for x in xs) / len(xs)) - shift)


def _mean(values: Iterable[float | None]) -> float | None:
    xs = [float(v) for v in values if v is not None and math.isfinite(v)]
    return float(sum(xs) / len(xs)) if xs else None


def _ok(r: dict[str, Any]) -> bool:
    return r["status"] not in FAILED and bool(r.get("feasible")) and r.get("objective") is not None


@dataclass
class SummaryRow:
    """One line of the report: a solver entry on an instance set."""

    set: str
    label: str
    solver: str
    runs: int
    failed: int
    no_solution: int
    feasible: int
    with_optimum: int
    at_optimum: int
    with_best: int
    at_best: int
    mean_gap_pct: float | None
    sgm_gap_pct: float | None
    with_bound: int
    mean_bound_dev_pct: float | None
    proven_optimal: int
    mean_time_s: float | None
    sgm_time_s: float | None
    wins: int
    losses: int
    contradicted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def row_contradictions(r: dict[str, Any]) -> list[str]:
    """The run's contradictions with its reference values: as recorded by ``combopt bench`` (with the set's
    tolerance), or, for rows of files written before they were recorded, checked now (tolerance 1e-6)."""
    c = r.get("contradictions")
    return list(c) if isinstance(c, list) else contradictions(r)


def bound_deviation(r: dict[str, Any]) -> float | None:
    """Percent by which a run's objective is off the reference bound (``None`` without one)."""
    b = r.get("reference_bound")
    if b is None or not _ok(r):
        return None
    return percent_off(float(r["objective"]), b, r["sense"])


def _order(rows: list[dict[str, Any]], field: str) -> list[str]:
    """Values of ``field`` in suite order (the ``index`` of each run), whatever order runs finished in."""
    def pos(r):
        i = r.get("index")
        return (0, i) if isinstance(i, int) else (1, 0)

    return list(dict.fromkeys(r[field] for r in sorted(rows, key=pos)))


def _by(rows, *fields) -> dict[tuple, list[dict[str, Any]]]:
    out: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[tuple(r[f] for f in fields)].append(r)
    return out


def set_tolerance(rows: list[dict[str, Any]]) -> float:
    """The set's tolerance as its rows record it (rows of files written before they did: 1e-6)."""
    return max([float(r["tolerance"]) for r in rows if isinstance(r.get("tolerance"), (int, float))] or [1e-6])


def _tolerances(rows: list[dict[str, Any]]) -> dict[str, float]:
    """``set -> tolerance``: the profile and the time-to-target plot judge reaching a target as ``at_best`` and
    ``time_to_target_s`` do (they used 1e-6 whatever the set said)."""
    return {s: set_tolerance(rs) for (s,), rs in _by(rows, "set").items()}


def instance_values(rows: list[dict[str, Any]]) -> dict[tuple[str, str, str], tuple[float, str]]:
    """``(set, path, label) -> (mean objective over seeds, sense)``; a failed run counts as +-inf.

    Instances are told apart by their path (as written in the suite): a run killed before it read
    its instance has no instance name from the file.
    """
    out = {}
    # the instance's sense from any run on it: a run that timed out or was killed has none of its own, and counts
    # as the worst value against the others (it used to drop out of wins and losses)
    senses = {(r["set"], r["path"]): r["sense"] for r in rows if r.get("sense") in ("min", "max")}
    for (s, inst, lab), rs in _by(rows, "set", "path", "label").items():
        sense = next((r["sense"] for r in rs if r.get("sense") in ("min", "max")), senses.get((s, inst)))
        if sense is None:
            continue
        worst = math.inf if sense == "min" else -math.inf
        vals = [float(r["objective"]) if _ok(r) else worst for r in rs]
        out[(s, inst, lab)] = (float(np.mean(vals)), sense)
    return out


def head_to_head(rows: list[dict[str, Any]]) -> dict[str, dict[tuple[str, str], tuple[int, int, int]]]:
    """Per set: ``(a, b) -> (instances a beats b, instances b beats a, ties)``."""
    vals = instance_values(rows)
    out: dict[str, dict[tuple[str, str], tuple[int, int, int]]] = {}
    for s in _order(rows, "set"):
        srows = [r for r in rows if r["set"] == s]
        labels = _order(srows, "label")
        insts = _order(srows, "path")
        tol = set_tolerance(srows)
        m: dict[tuple[str, str], tuple[int, int, int]] = {}
        for a in labels:
            for b in labels:
                if a == b:
                    continue
                w = lo = t = 0
                for i in insts:
                    if (s, i, a) not in vals or (s, i, b) not in vals:
                        continue
                    (va, sense), (vb, _) = vals[(s, i, a)], vals[(s, i, b)]
                    if va == vb or (math.isfinite(va) and math.isfinite(vb)
                                    and abs(va - vb) <= tol * max(abs(va), abs(vb), 1.0)):
                        t += 1
                    elif (va < vb) == (sense == "min"):
                        w += 1
                    else:
                        lo += 1
                m[(a, b)] = (w, lo, t)
        out[s] = m
    return out


def summarize(rows: list[dict[str, Any]], *, time_shift: float = TIME_SHIFT, gap_shift: float = GAP_SHIFT
              ) -> list[SummaryRow]:
    """The report table: one :class:`SummaryRow` per (set, solver entry), in the order of the file."""
    h2h = head_to_head(rows)
    out = []
    groups = _by(rows, "set", "label")
    for s in _order(rows, "set"):
        for lab in _order([r for r in rows if r["set"] == s], "label"):
            rs = groups[(s, lab)]
            ok = [r for r in rs if _ok(r)]
            wins = sum(v[0] for (a, _), v in h2h[s].items() if a == lab)
            losses = sum(v[1] for (a, _), v in h2h[s].items() if a == lab)
            out.append(SummaryRow(
                set=s, label=lab, solver=rs[0]["solver"], runs=len(rs),
                failed=sum(r["status"] in FAILED for r in rs),
                no_solution=sum(r["status"] not in FAILED and not _ok(r) for r in rs), feasible=len(ok),
                with_optimum=sum(r.get("optimum") is not None for r in rs),
                at_optimum=sum(bool(r.get("at_optimum")) for r in rs),
                with_best=sum(r.get("best_known") is not None for r in rs),
                at_best=sum(bool(r.get("at_best")) for r in rs),
                mean_gap_pct=_mean(r.get("gap_pct") for r in ok),
                sgm_gap_pct=sgm((r.get("gap_pct") for r in ok if r.get("gap_pct") is not None), gap_shift),
                with_bound=sum(r.get("reference_bound") is not None for r in rs),
                mean_bound_dev_pct=_mean(bound_deviation(r) for r in ok),
                proven_optimal=sum(r["status"] == "optimal" for r in rs),
                mean_time_s=_mean(r.get("runtime_s") for r in rs if r["status"] not in FAILED),
                sgm_time_s=sgm((r.get("runtime_s") for r in rs if r["status"] not in FAILED
                                and r.get("runtime_s") is not None), time_shift),
                wins=wins, losses=losses, contradicted=sum(bool(row_contradictions(r)) for r in rs),
            ))
    return out


def _share(k: int, n: int) -> str:
    return "-" if n == 0 else f"{k}/{n} {100.0 * k / n:.0f}%"


def _f(v: float | None, spec: str) -> str:
    return "-" if v is None else spec.format(v)


COLUMNS = ("set", "solver", "runs", "failed", "no solution", "at optimum", "at best known", "mean gap %", "SGM gap %",
           "mean time s", "SGM time s", "wins/losses")
#: columns shown only when some row of the table has them: (title, after this column)
OPTIONAL_COLUMNS = (("proven optimal", "at optimum"), ("mean dev. from bound %", "SGM gap %"),
                    ("contradictions", "wins/losses"))
#: the table is printed at least this wide (also when stdout is a file or a pipe)
TABLE_WIDTH = 150


def columns(summary: list[SummaryRow]) -> list[str]:
    """The table's columns: :data:`COLUMNS`, plus the optional ones some row of ``summary`` has."""
    has = {"proven optimal": any(s.proven_optimal for s in summary),
           "mean dev. from bound %": any(s.with_bound for s in summary),
           "contradictions": any(s.contradicted for s in summary)}
    out = list(COLUMNS)
    for c, after in OPTIONAL_COLUMNS:
        if has[c]:
            out.insert(out.index(after) + 1, c)
    return out


def table_cells(s: SummaryRow, cols: list[str] | tuple[str, ...] = COLUMNS) -> list[str]:
    """The printed cells of one summary row under ``cols`` (the same strings in the terminal, Markdown and HTML)."""
    cell = {"set": s.set, "solver": s.label, "runs": str(s.runs), "failed": str(s.failed),
            "no solution": str(s.no_solution), "at optimum": _share(s.at_optimum, s.with_optimum),
            "proven optimal": _share(s.proven_optimal, s.runs),
            "at best known": _share(s.at_best, s.with_best), "mean gap %": _f(s.mean_gap_pct, "{:.3f}"),
            "SGM gap %": _f(s.sgm_gap_pct, "{:.3f}"), "mean dev. from bound %": _f(s.mean_bound_dev_pct, "{:.3f}"),
            "mean time s": _f(s.mean_time_s, "{:.3f}"), "SGM time s": _f(s.sgm_time_s, "{:.3f}"),
            "wins/losses": f"{s.wins}/{s.losses}", "contradictions": str(s.contradicted)}
    return [cell[c] for c in cols]


def summary_table(summary: list[SummaryRow], title: str = "combopt report"):
    """A rich Table of the summary."""
    from rich.table import Table

    t = Table(title=title)
    cols = columns(summary)
    for c in cols:
        t.add_column(c, justify="left" if c in ("set", "solver") else "right")
    for s in summary:
        t.add_row(*table_cells(s, cols))
    return t


def markdown_table(summary: list[SummaryRow]) -> str:
    """The summary as a Markdown table (the same cells as the terminal and the HTML), one row a line."""
    cols = columns(summary)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    # a "|" in a set or solver name ("tsp-ls|fast") ends a Markdown cell and a line break its row: escaped, or every
    # later number moves a column
    cell = lambda c: c.replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines += ["| " + " | ".join(cell(c) for c in table_cells(s, cols)) + " |" for s in summary]
    return "\n".join(lines) + "\n"


# -- targets, profiles, time to target ---------------------------------------------------------

def targets(rows: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    """``(set, path) -> target``: the best known value, else the best objective in the rows."""
    out: dict[tuple[str, str], float] = {}
    for (s, inst), rs in _by(rows, "set", "path").items():
        bk = next((r["best_known"] for r in rs if r.get("best_known") is not None), None)
        if bk is None:
            bk = next((r["optimum"] for r in rs if r.get("optimum") is not None), None)
        if bk is None:
            ok = [r for r in rs if _ok(r)]
            if not ok:
                continue
            sense = ok[0]["sense"]
            objs = [float(r["objective"]) for r in ok]
            bk = min(objs) if sense == "min" else max(objs)
        out[(s, inst)] = float(bk)
    return out


def time_to(row: dict[str, Any], target: float, tol: float = 1e-6) -> float:
    """First time in the run's trace at which the target was reached (``inf`` if never)."""
    if not _ok(row):
        return math.inf
    slack = tol * max(abs(target), 1.0)
    sense = row["sense"]
    for t, v in row.get("trace") or []:
        if v is None:
            continue
        if (v <= target + slack) if sense == "min" else (v >= target - slack):
            return max(float(t), TIME_FLOOR)
    obj = float(row["objective"])
    if (obj <= target + slack) if sense == "min" else (obj >= target - slack):
        # reached but no trace point (exact solvers report only the end): the run's time
        return max(float(row.get("runtime_s") or TIME_FLOOR), TIME_FLOOR)
    return math.inf


def profile_costs(rows: list[dict[str, Any]]) -> tuple[list[str], list[tuple[str, str]], np.ndarray]:
    """Labels, problems ``(set, path)`` and the cost matrix (problems x labels, ``inf`` = not reached)."""
    tg = targets(rows)
    tols = _tolerances(rows)
    labels = _order(rows, "label")
    ordered = sorted(rows, key=lambda r: r.get("index") or 0)
    probs = [p for p in dict.fromkeys((r["set"], r["path"]) for r in ordered) if p in tg]
    by = _by(rows, "set", "path", "label")
    C = np.full((len(probs), len(labels)), np.nan)
    for i, (s, inst) in enumerate(probs):
        for j, lab in enumerate(labels):
            rs = by.get((s, inst, lab))
            if rs:
                C[i, j] = float(np.median([time_to(r, tg[(s, inst)], tols[s]) for r in rs]))
    return labels, probs, C


def performance_profile(rows: list[dict[str, Any]], taus: np.ndarray | None = None
                        ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Dolan-More profile: ``(labels, taus, rho)`` with ``rho[k, j]`` = share of problems with ratio <= taus[k].

    Only problems that every label ran are used (a label that did not run an instance would
    otherwise look better or worse for it).
    """
    labels, probs, C = profile_costs(rows)
    C = C[~np.isnan(C).any(axis=1)] if len(probs) else C
    if C.size == 0:
        return labels, np.array([1.0]), np.zeros((1, len(labels)))
    best = C.min(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        R = np.where(np.isfinite(best), C / best, np.inf)
    finite = R[np.isfinite(R)]
    if taus is None:
        hi = max(2.0, float(finite.max()) * 1.5) if finite.size else 2.0
        taus = np.unique(np.concatenate([[1.0], np.sort(finite), [hi]]))
    rho = np.array([[float(np.mean(R[:, j] <= t)) for j in range(len(labels))] for t in taus])
    return labels, taus, rho


def _text(name: str) -> str:
    """A set or solver name as plain text in a plot whose axis labels use mathtext: '$' escaped (an unbalanced
    '$' in a suite's name made the report's plots a ParseSyntaxException traceback, a balanced pair a formula)."""
    return str(name).replace("$", r"\$")


def _figure(width=6.0, height=4.0):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height), dpi=110)
    return plt, fig, ax


def plot_profile(rows: list[dict[str, Any]], title: str):
    """Matplotlib figure of the performance profile of ``rows``."""
    labels, taus, rho = performance_profile(rows)
    plt, fig, ax = _figure()
    _, probs, C = profile_costs(rows)  # the instances the profile is over: with a target, run by every entry
    n = int((~np.isnan(C).any(axis=1)).sum()) if len(probs) else 0
    for j, lab in enumerate(labels):
        ax.step(taus, rho[:, j], where="post", label=_text(lab), linewidth=1.8)
    ax.set_xscale("log", base=2)
    ax.set_xlim(1.0, max(2.0, float(taus[-1])))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"$\tau$ (time to target / best entry's time)")
    ax.set_ylabel(r"share of instances within $\tau$")
    ax.set_title(f"{_text(title)}: performance profile ({n} instances)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_time_to_target(rows: list[dict[str, Any]], title: str):
    """Matplotlib figure: share of runs at the target by time t, one line per solver entry."""
    tg = targets(rows)
    tols = _tolerances(rows)
    plt, fig, ax = _figure()
    tmax = max([float(r.get("runtime_s") or 0.0) for r in rows] + [TIME_FLOOR * 10])
    for lab in _order(rows, "label"):
        rs = [r for r in rows if r["label"] == lab and (r["set"], r["path"]) in tg]
        if not rs:
            continue
        ts = np.sort([time_to(r, tg[(r["set"], r["path"])], tols[r["set"]]) for r in rs])
        fin = ts[np.isfinite(ts)]
        xs = np.concatenate([[TIME_FLOOR], fin, [tmax * 1.2]])
        ys = np.concatenate([[0.0], np.arange(1, fin.size + 1) / len(ts), [fin.size / len(ts)]])
        ax.step(xs, ys, where="post", label=f"{_text(lab)} ({fin.size}/{len(ts)})", linewidth=1.8)
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("time t (s)")
    ax.set_ylabel("share of runs at the target by t")
    ax.set_title(f"{_text(title)}: time to target")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def _png(fig) -> bytes:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    save_figure(fig, buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def mixed_sets(rows: list[dict[str, Any]]) -> list[str]:
    """Sets that hold rows of several suites or kinds (results files read together match sets by name alone)."""
    out = []
    for name in dict.fromkeys(r["set"] for r in rows):
        suites = sorted({str(r["suite"]) for r in rows if r["set"] == name})
        kinds = sorted({str(r["kind"]) for r in rows if r["set"] == name and r.get("kind")})
        if len(suites) > 1 or len(kinds) > 1:
            out.append(f"set {name!r} holds rows of suites {', '.join(suites)}"
                       + (f" and kinds {', '.join(kinds)}" if len(kinds) > 1 else "") + ": they are reported as one")
    return out


def cold_runs(rows: list[dict[str, Any]]) -> list[str]:
    """A warning when runs answered with their solver's quick construction while its kernels compiled (a cold
    Numba cache): their objectives and times are not the solver's."""
    cold = [r for r in rows if r.get("cold_start")]
    if not cold:
        return []
    solvers = sorted({str(r["solver"]) for r in cold})
    return [f"{len(cold)} run(s) of {', '.join(solvers)} answered with a quick construction while their kernels "
            "compiled (a cold cache): run `combopt warmup`, then `combopt bench SUITE --resume` runs them again"]


def _slug(s: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in s)


def figures(rows: list[dict[str, Any]]) -> list[tuple[str, str, bytes]]:
    """``(file name, caption, PNG bytes)``: a performance profile and a time-to-target plot per set."""
    out = []
    used: dict[str, int] = {}
    # one profile per set: solver entries of different sets ran different instances
    for name in _order(rows, "set"):
        rs = [r for r in rows if r["set"] == name]
        if not targets(rs):
            continue
        slug = _slug(name)
        used[slug] = used.get(slug, 0) + 1
        if used[slug] > 1:  # "x y" and "x_y" make the same name: the later set's files get a number
            slug = f"{slug}-{used[slug]}"
        out.append((f"profile-{slug}.png", f"{name}: performance profile", _png(plot_profile(rs, name))))
        out.append((f"ttt-{slug}.png", f"{name}: time to target", _png(plot_time_to_target(rs, name))))
    return out


def write_pngs(rows: list[dict[str, Any]], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, _, data in figures(rows):
        p = folder / name
        p.write_bytes(data)
        written.append(p)
    return written


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f0f0}td.l,th.l{text-align:left}
img{max-width:48%;margin:4px;border:1px solid #eee}.note{color:#555;font-size:90%}"""


def html_report(rows: list[dict[str, Any]], summary: list[SummaryRow], sources: list[str]) -> str:
    """One self-contained HTML page: summary, head-to-head tables, plots as embedded PNGs, failures."""
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>combopt report</title><style>{_CSS}</style>"
             "</head><body><h1>combopt report</h1>",
             f"<p class='note'>{len(rows)} run(s) from {e(', '.join(sources))}. Gap to the best known value "
             "(%, negative = better than best known); deviation from the bound: from the reference file's bound "
             "column (critical-path, LP bound); proven optimal: runs whose solver proved it; "
             "SGM = shifted geometric mean (shift 1 s, 1 %); "
             "wins/losses per instance, head to head, on the mean objective over seeds.</p>",
             "<table><tr>" + "".join(f"<th class='{'l' if c in ('set', 'solver') else ''}'>{e(c)}</th>"
                                     for c in columns(summary)) + "</tr>"]
    for s in summary:
        cells = table_cells(s, columns(summary))
        parts.append("<tr>" + "".join(f"<td class='{'l' if i < 2 else ''}'>{e(c)}</td>" for i, c in enumerate(cells))
                     + "</tr>")
    parts.append("</table>")
    for s, m in head_to_head(rows).items():
        labels = list(dict.fromkeys(a for a, _ in m))
        if len(labels) < 2:
            continue
        parts.append(f"<h3>{e(s)}: head to head (row wins / losses / ties against column)</h3><table><tr><th></th>"
                     + "".join(f"<th>{e(b)}</th>" for b in labels) + "</tr>")
        for a in labels:
            parts.append(f"<tr><th class='l'>{e(a)}</th>" + "".join(
                "<td>-</td>" if a == b else "<td>{}/{}/{}</td>".format(*m[(a, b)]) for b in labels) + "</tr>")
        parts.append("</table>")
    figs = figures(rows)
    if figs:
        parts.append("<h2>Performance profiles and time to target</h2>")
        for _name, cap, data in figs:
            b64 = base64.b64encode(data).decode()
            parts.append(f"<img alt='{e(cap)}' title='{e(cap)}' src='data:image/png;base64,{b64}'>")
    odd = contradiction_lines(rows)
    if odd:
        parts.append("<h2>Claims that contradict the reference values</h2><p class='note'>A bug in a solver, a "
                     "bound, an <code>evaluate</code> or the reference file.</p><ul>"
                     + "".join(f"<li>{e(line)}</li>" for line in odd) + "</ul>")
    bad = [r for r in rows if r["status"] in FAILED]
    if bad:
        parts.append("<h2>Failed runs</h2><table><tr><th class='l'>set</th><th class='l'>instance</th>"
                     "<th class='l'>solver</th><th>seed</th><th class='l'>status</th><th class='l'>message</th></tr>")
        for r in bad:
            parts.append(f"<tr><td class='l'>{e(r['set'])}</td><td class='l'>{e(str(r['instance']))}</td>"
                         f"<td class='l'>{e(r['label'])}</td><td>{r['seed']}</td><td class='l'>{e(r['status'])}</td>"
                         f"<td class='l'>{e(str(r.get('error') or ''))}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def contradiction_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per contradiction of a run's claims with its reference values: set, solver, instance, seed, what."""
    return [f"{r['set']} / {r['label']} / {r['instance'] or r['path']} / seed {r['seed']}: {c}"
            for r in rows for c in row_contradictions(r)]
