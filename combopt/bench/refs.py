"""Reference values (optimum / best known) for benchmark instances, read from CSV files.

The files in ``../shared/data`` and ``tests/data`` differ in their columns; this module reads
them all: the instance name is the ``instance`` (or ``name``) column, or ``file#index`` when the
file has an ``index`` column (OR-Library files holding several instances, read as ``path#K``).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import InputError
from .worker import FAILED

#: columns holding a proven optimum, in the order they are looked for
OPTIMUM_COLUMNS = ("optimum", "optimal", "optimal_value", "optimal_length", "clique_number", "opt")
#: columns holding the best known value (a feasible solution's objective)
BEST_KNOWN_COLUMNS = ("best_known", "best", "bks", "best_value", "value")
#: columns holding a bound on the optimum (lower for minimisation, upper for maximisation) that the
#: field reports deviations from: the critical-path bound of RCPSP, the LP bound of knapsacks
BOUND_COLUMNS = ("bound", "lp_bound", "cpm_bound")
MAX_REFERENCE_BYTES = 64 * 1024**2


def percent_off(objective: float, reference: float, sense: str, tol: float = 1e-9) -> float:
    """How far ``objective`` is off ``reference``, in percent of ``|reference|``: positive when worse (above it for
    minimisation, below for maximisation), negative when better. Against a reference of exactly 0 no relative
    measure exists; there it is 0 at 0 and +-100 otherwise (the relative difference to the larger of the two
    magnitudes, as Berthold's primal gap takes it; within ``tol`` of 0 counts as 0, as "at the optimum" judges
    it), so one such run cannot swamp a mean gap (dividing by a floor of 1e-9 gave 1e11 % for an objective of 1).
    """
    d = (objective - reference) if sense == "min" else (reference - objective)
    if reference == 0:
        return 0.0 if abs(d) <= tol else 100.0 * d / abs(objective)
    return 100.0 * d / abs(reference)


@dataclass(frozen=True)
class Reference:
    """Known values for one instance: ``optimum`` (proven), ``best_known`` (may equal it) and ``bound``.

    ``bound`` is a reference bound on the optimum (the side a relaxation gives: below it for
    minimisation, above for maximisation), such as PSPLIB's critical-path bound or an LP bound;
    reports give the deviation from it, the usual measure where optima are unknown.
    """

    optimum: float | None = None
    best_known: float | None = None
    bound: float | None = None

    @property
    def target(self) -> float | None:
        """The value a run has to reach: the best known value, else the optimum."""
        return self.best_known if self.best_known is not None else self.optimum


def _number(p: Path, col: str, text: str, lineno: int) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        v = float(text)
    except ValueError:
        raise InputError(p, f"expected a number in column {col!r}, got {text!r}", lineno) from None
    if not math.isfinite(v):
        raise InputError(p, f"expected a finite number in column {col!r}, got {text!r}", lineno)
    return v


def load_reference(path: str | Path, *, optimum: str | None = None, best_known: str | None = None,
                   bound: str | None = None) -> dict[str, Reference]:
    """Read a reference CSV into ``{instance name: Reference}``.

    Parameters
    ----------
    path
        CSV file with a header line.
    optimum, best_known, bound
        Column names to use; by default the first of :data:`OPTIMUM_COLUMNS`,
        :data:`BEST_KNOWN_COLUMNS` and :data:`BOUND_COLUMNS` present. Give
        ``best_known="upper_bound"`` for the PSPLIB bound files (minimisation: the upper
        bound is the best known makespan).

    Returns
    -------
    dict
        An instance without a best-known value takes its optimum as best known.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(p, "no such reference file (expected a CSV: instance,<optimum|best_known|...>)")
    if p.stat().st_size > MAX_REFERENCE_BYTES:
        raise InputError(p, f"reference file larger than {MAX_REFERENCE_BYTES} bytes")
    try:
        with open(p, newline="", encoding="utf-8-sig") as f:  # -sig: a byte-order mark (Excel) is no column name
            reader = csv.DictReader(f)
            cols = [c.strip() for c in (reader.fieldnames or [])]
            reader.fieldnames = cols
            name_col = next((c for c in ("instance", "name", "file") if c in cols), None)
            if "index" in cols:
                name_col = "file" if "file" in cols else ("instance" if "instance" in cols else None)
            if name_col is None:
                raise InputError(p, "expected a CSV header with an 'instance' (or 'name', or 'file' + 'index') column",
                                 1)
            for given, what in ((optimum, "optimum"), (best_known, "best_known"), (bound, "bound")):
                if given is not None and given not in cols:
                    raise InputError(p, f"{what} column {given!r} not in the header ({', '.join(cols)})", 1)
            opt_col = optimum or next((c for c in OPTIMUM_COLUMNS if c in cols), None)
            best_col = best_known or next((c for c in BEST_KNOWN_COLUMNS if c in cols), None)
            bound_col = bound or next((c for c in BOUND_COLUMNS if c in cols), None)
            if opt_col is None and best_col is None:
                raise InputError(p, f"expected a value column: one of {', '.join(OPTIMUM_COLUMNS + BEST_KNOWN_COLUMNS)}"
                                    " (or name it in the suite: reference = {file = ..., best_known = 'column'})", 1)
            out: dict[str, Reference] = {}
            seen: dict[str, int] = {}
            for lineno, row in enumerate(reader, 2):
                name = (row.get(name_col) or "").strip()
                if not name:
                    continue
                if "index" in cols:
                    idx = (row.get("index") or "").strip()
                    if not idx.isdigit():
                        raise InputError(p, f"expected a non-negative integer in column 'index', got {idx!r}", lineno)
                    name = f"{name}#{int(idx)}"
                opt = _number(p, opt_col, row.get(opt_col, ""), lineno) if opt_col else None
                best = _number(p, best_col, row.get(best_col, ""), lineno) if best_col else None
                bnd = _number(p, bound_col, row.get(bound_col, ""), lineno) if bound_col else None
                if best is None:
                    best = opt
                if opt is None and best is None and bnd is None:
                    continue
                ref = Reference(opt, best, bnd)
                if name in out and out[name] != ref:
                    raise InputError(p, f"instance {name!r} is listed again with other values (line {seen[name]}: "
                                        f"{_values(out[name])}; here: {_values(ref)}); keep one row", lineno)
                out[name] = ref
                seen.setdefault(name, lineno)
            return out
    except UnicodeDecodeError:
        raise InputError(p, "not a text file; expected a CSV") from None
    except csv.Error as e:
        raise InputError(p, f"malformed CSV ({e})") from None


def _values(ref: Reference) -> str:
    return f"optimum {ref.optimum}, best known {ref.best_known}, bound {ref.bound}"


def instance_names(path_spec: str) -> list[str]:
    """Names a reference file may use for ``path_spec``, the most likely first.

    ``dir/j301_1.sm`` -> ``j301_1``; ``C125.9.clq`` -> ``C125.9``, then ``C125``; ``f.txt#3`` -> ``f#3``.
    """
    base, _, k = path_spec.partition("#")
    name = Path(base).name
    parts = name.split(".")
    stems = [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1) if parts[:i] != [""]] or [name]
    if k:  # one of several instances in a file: never the file's plain name
        return list(dict.fromkeys([f"{s}#{k}" for s in stems] + [f"{name}#{k}"]))
    return list(dict.fromkeys(stems + [name]))


def lookup(refs: dict[str, Reference], instance: str | None, path_spec: str) -> Reference | None:
    """The reference of a run: by the problem's own name first, then by names derived from the path."""
    for n in ([instance] if instance else []) + instance_names(path_spec):
        if n in refs:
            return refs[n]
    return None


def rounding(r: float) -> float:
    """Half a unit in the last decimal place of a reference value written with decimals (``0.2071``: 5e-5),
    else 0: a value rounded to d decimals claims the true value only to within that."""
    text = repr(float(r))
    if "e" in text or "inf" in text or "nan" in text or text.endswith(".0"):
        return 0.0
    return 0.5 * 10.0 ** -len(text.split(".")[1])


def contradictions(row: dict, tol: float = 1e-6) -> list[str]:
    """What a run's claims contradict in its instance's reference values (empty when nothing does).

    A reference optimum is proven and a best known value is the objective of a feasible solution,
    so no feasible objective beats the optimum, no valid bound lies beyond either of them (above
    for minimisation, below for maximisation), an ``optimal`` claim must sit at them, and an
    ``infeasible`` claim contradicts them; a reference bound is a valid bound, so no feasible
    objective beats it. Values within ``tol`` (relative, at least 1e-9) or within the reference's
    own rounding (:func:`rounding`) count as equal. Each contradiction is a bug in a solver, in its
    bound, in the problem's ``evaluate`` or in the reference file: the report lists them.
    """
    sense, status = row.get("sense"), row.get("status")
    if sense not in ("min", "max"):
        return []
    sign = 1.0 if sense == "min" else -1.0  # sign * value: smaller is better

    def better(a: float, b: float, ref: float) -> bool:
        """``a`` better than ``b`` (for the run's sense) by more than the slack around the reference ``ref``."""
        return sign * (b - a) > max(max(tol, 1e-9) * max(abs(ref), 1.0), rounding(ref))

    side = "above" if sense == "min" else "below"
    obj, bound = row.get("objective"), row.get("bound")
    opt, best, ref_bound = row.get("optimum"), row.get("best_known"), row.get("reference_bound")
    feasible = obj is not None and bool(row.get("feasible")) and status not in FAILED
    # the optimum where proven (a best known value then equals it or is stale), else the best known value
    known, what = (opt, "the reference optimum") if opt is not None else (best, "the best known value")
    out = []
    if feasible:
        if opt is not None and better(obj, opt, opt):
            out.append(f"objective {obj:g} is better than the reference optimum {opt:g}")
        if ref_bound is not None and better(obj, ref_bound, ref_bound):
            out.append(f"objective {obj:g} is better than the reference bound {ref_bound:g}")
        if status == "optimal" and known is not None and better(known, obj, known):
            out.append(f"status optimal at {obj:g}, but {what} is {known:g}")
    if bound is not None and math.isfinite(bound) and known is not None and better(known, bound, known):
        out.append(f"bound {bound:g} lies {side} {what} {known:g}")
    if status == "infeasible" and known is not None:
        out.append(f"status infeasible, but the reference has a feasible value {known:g}")
    return out
