"""Benchmark suite files (TOML): instance sets, solver entries, and the runs they expand to.

A suite is a TOML file::

    [suite]
    name = "quick"
    data = "../.."            # data root, relative to this file (--data DIR overrides it)
    seeds = [0]
    time_limit = 10           # the solver's own limit (seconds); max_iterations = N for a fixed budget
    wall_limit = 60           # hard limit: the worker process is killed after this many seconds
    memory_mb = 4096          # address-space limit of each worker process

    [sets.dimacs]
    kind = "clique"
    instances = ["tests/data/johnson8-2-4.clq", "tests/data/MANN_*.clq", "tests/data/mdkp/mknap1.txt#0..2"]
    reference = "tests/data/clique-numbers.csv"

    [[solvers]]
    name = "sa-32"            # label in the results (default: the solver name)
    solver = "sa"
    sets = ["dimacs"]         # default: every set
    params = { num_reads = 32 }
    seeds = [0, 1, 2]

Every (set, instance, solver entry, seed) is one run (:class:`RunSpec`) with a stable ``key``
that ``--resume`` uses to skip recorded runs. See README.md ("Benchmark suites") for every key.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import json
import math
import re
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.io import kind_extensions
from ..core.registry import all_solvers, known_kinds
from ..warmup import refused_params
from .refs import Reference, load_reference

#: keys allowed at suite level and inherited by sets and solver entries
RUN_DEFAULTS: dict[str, Any] = {
    "seeds": [0],
    "time_limit": None,
    "max_iterations": None,
    "wall_limit": None,
    "memory_mb": 4096,
    "device": "cpu",
    "threads": 1,
    "stop_at_target": False,
    "tolerance": 1e-6,
}
#: the largest per-run address-space limit a suite may set (setrlimit overflows far beyond it)
MAX_MEMORY_MB = 2**30
SUITE_KEYS = set(RUN_DEFAULTS) | {"name", "description", "data", "imports", "python_path", "warmup"}
SET_KEYS = {"kind", "instances", "reference", "tolerance"}
SOLVER_KEYS = set(RUN_DEFAULTS) - {"tolerance"} | {"name", "solver", "sets", "params", "requires"}
DEVICES = ("cpu", "gpu", "auto")


@dataclass(frozen=True)
class RunSpec:
    """One run of a suite: everything a worker process needs, and the key that identifies it."""

    key: str
    index: int
    suite: str
    set: str
    kind: str | None
    path: str
    file: str
    label: str
    solver: str
    params: dict[str, Any]
    seed: int
    time_limit: float | None
    max_iterations: int | None
    device: str
    threads: int
    wall_limit: float
    memory_mb: int | None
    target: float | None = None
    target_tolerance: float = 0.0  # the set's relative tolerance: a run stops within it of the target
    instance: str | None = None  # the instance's own name where its reference is found by it (not by the path)
    imports: tuple[str, ...] = ()
    python_path: tuple[str, ...] = ()
    preimport: tuple[str, ...] = ()  # the entry's ``requires``: imported before the solver's clock starts
    compile: bool = False  # a --warmup run: compiles what it needs (no quick construction while a cache is cold)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class InstanceSet:
    name: str
    kind: str | None
    paths: list[str]
    refs: dict[str, Reference]
    tolerance: float
    reference_file: str | None = None


@dataclass
class SolverEntry:
    label: str
    solver: str
    sets: list[str]
    params: dict[str, Any]
    options: dict[str, Any]
    requires: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """The modules in ``requires`` that cannot be imported here."""
        out = []
        for mod in self.requires:
            try:
                if importlib.util.find_spec(mod) is None:
                    out.append(mod)
            except (ImportError, ValueError):
                out.append(mod)
        return out


@dataclass
class Suite:
    """A parsed suite file with its runs (see the module docstring)."""

    name: str
    description: str
    source: Path
    data_root: Path
    sets: dict[str, InstanceSet]
    solvers: list[SolverEntry]
    runs: list[RunSpec]
    skipped: list[tuple[str, str]]  # (entry label, why) for entries whose ``requires`` are missing
    warmup: bool = False

    def warmup_runs(self) -> list[RunSpec]:
        """One short run (one iteration, not recorded) per solver, kind and parameter set, so Numba compiles into
        its cache first: kernels are compiled per solver and kind (and some parameters choose other kernels), and a
        warm-up run compiles them inside its own time limit (``compile``), where a timed run on a cold cache would
        answer with a quick construction and compile nothing."""
        seen: dict[tuple, RunSpec] = {}
        for r in self.runs:
            what = (r.solver, r.kind or Path(r.file).suffix.lower(), json.dumps(r.params, sort_keys=True, default=str))
            if what not in seen:
                seen[what] = replace(r, key=f"warmup-{r.key}", max_iterations=1, target=None, compile=True)
        return list(seen.values())

    def refs_for(self, set_name: str) -> dict[str, Reference]:
        return self.sets[set_name].refs if set_name in self.sets else {}


def run_key(set_name: str, path: str, label: str, solver: str, params: dict, seed: int,
            time_limit: float | None, max_iterations: int | None, device: str, kind: str | None,
            stop_at_target: bool = False, threads: int = 1) -> str:
    """Stable identity of a run: the same suite line gives the same key on every machine.

    Everything that changes what a run computes is in it; the hard limits (``wall_limit``,
    ``memory_mb``) are not, so raising them and resuming reruns nothing.
    """
    blob = json.dumps([set_name, path, label, solver, params, seed, time_limit, max_iterations, device, kind,
                       stop_at_target, threads], sort_keys=True, separators=(",", ":"))
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def is_suite_file(path: str | Path) -> bool:
    """True for a TOML file with ``[suite]``, ``[sets]`` or ``[[solvers]]`` (not a DMMV spec)."""
    p = Path(path)
    if p.suffix.lower() != ".toml" or not p.is_file():
        return False
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (ValueError, RecursionError, UnicodeDecodeError):  # TOMLDecodeError is a ValueError
        return True  # no instance spec either: load_suite names the line of the error
    except OSError:
        return False
    return not data or any(k in data for k in ("suite", "sets", "solvers"))  # empty: load_suite says so


_WHERE = re.compile(r"\[\[solvers\]\] entry (\d+)|\[sets\.([^\]]+)\]|\[suite\]")
_HEADER = re.compile(r"\s*(\[\[|\[)\s*([^\[\]]*?)\s*\]\]?\s*(#.*)?$")


def _err(src: Path, msg: str, data_text: str | None = None, needle: str | None = None) -> InputError:
    """An error naming the line of ``needle`` inside the table the message speaks of (``[suite]``, ``[sets.NAME]``,
    ``[[solvers]] entry N``): a key assigned there first, else any line of that table holding ``needle``, else the
    table's header; without a table, the first line of the file holding ``needle``."""
    line = None
    if data_text is not None and needle:
        lines = data_text.splitlines()
        m = _WHERE.search(msg)
        want = None if m is None else (("solvers", int(m.group(1)) - 1) if m.group(1) else
                                        (f"sets.{m.group(2)}", 0) if m.group(2) else ("suite", 0))
        block: list[int] = []
        header = None
        if want is not None:
            cur, seen = None, {}
            for i, text in enumerate(lines, 1):
                h = _HEADER.match(text)
                if h and not text.lstrip().startswith(("#",)) and "=" not in text.split("]")[0]:
                    name = ".".join(part.strip().strip('"').strip("'") for part in h.group(2).split("."))
                    cur = (name, seen.get(name, 0))
                    seen[name] = seen.get(name, 0) + 1
                    if cur == want:
                        header = i
                    continue
                if cur == want:
                    block.append(i)
        scope = block if header is not None else range(1, len(lines) + 1)
        key = re.compile(rf"\s*[\"']?{re.escape(needle)}[\"']?\s*=")
        line = next((i for i in scope if key.match(lines[i - 1])), None) or \
            next((i for i in scope if needle in lines[i - 1]), None) or header
    return InputError(src, msg, line)


def _check_keys(src: Path, text: str, table: dict, allowed: set[str], where: str) -> None:
    for k in table:
        if k not in allowed:
            raise _err(src, f"unknown key {k!r} in {where}; expected one of: {', '.join(sorted(allowed))}", text, k)


def _options(src: Path, text: str, table: dict, base: dict[str, Any], where: str) -> dict[str, Any]:
    out = dict(base)
    for k in RUN_DEFAULTS:
        if k in table:
            out[k] = table[k]
    seeds = out["seeds"]
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if (not isinstance(seeds, list) or not seeds
            or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)):
        raise _err(src, f"{where}: seeds must be a list of non-negative integers, got {seeds!r}", text, "seeds")
    out["seeds"] = list(dict.fromkeys(seeds))
    for k in ("time_limit", "wall_limit"):
        v = out[k]
        bad = isinstance(v, bool) or not isinstance(v, int | float) or not (v > 0 and math.isfinite(v))
        if v is not None and bad:
            raise _err(src, f"{where}: {k} must be a positive number of seconds, got {v!r}", text, k)
    for k in ("max_iterations", "memory_mb", "threads"):
        v = out[k]
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
            raise _err(src, f"{where}: {k} must be a positive integer, got {v!r}", text, k)
        if k == "memory_mb" and v is not None and v > MAX_MEMORY_MB:
            raise _err(src, f"{where}: memory_mb must be at most {MAX_MEMORY_MB} (1 PiB), got {v!r}", text, k)
    if out["wall_limit"] is not None and out["time_limit"] is not None and out["wall_limit"] <= out["time_limit"]:
        raise _err(src, f"{where}: wall_limit ({out['wall_limit']:g} s) must be above time_limit "
                        f"({out['time_limit']:g} s): a worker is killed at its wall limit, so every run would be "
                        "a timeout", text, "wall_limit" if "wall_limit" in table else "time_limit")
    if out["device"] not in DEVICES:
        raise _err(src, f"{where}: device must be one of {', '.join(DEVICES)}, got {out['device']!r}", text, "device")
    if not isinstance(out["stop_at_target"], bool):
        raise _err(src, f"{where}: stop_at_target must be true or false", text, "stop_at_target")
    tol = out["tolerance"]
    if isinstance(tol, bool) or not isinstance(tol, int | float) or not (0 <= tol < 1):
        raise _err(src, f"{where}: tolerance must be a relative tolerance in [0, 1), got {tol!r}", text, "tolerance")
    return out


_RANGE = re.compile(r"(.*)#(\d+)\.\.(\d+)")
#: the most instances one ``path#A..B`` may name
MAX_RANGE = 100_001


def expand_instances(patterns: list[str], root: Path, src: Path, where: str, kind: str | None = None,
                     text: str | None = None) -> list[str]:
    """Expand paths, globs, folders, ``path#K`` and ``path#A..B`` (inclusive) relative to ``root``.

    A range's last instance is read once here (as ``kind``): a range past the end of its file is an error of the
    suite, not one failed run per missing index. Returns the instances as written relative to ``root`` (POSIX
    separators), in order, without repeats (a file written two ways, ``g.clq`` and ``./g.clq``, is one instance).
    ``text`` (the suite's text) lets an error name the line of the pattern.
    """
    out: list[str] = []
    for pat in patterns:
        if not isinstance(pat, str) or not pat.strip():
            raise _err(src, f"{where}: instances must be a list of non-empty strings, got {pat!r}", text,
                       "instances")
        m = _RANGE.fullmatch(pat)
        one = None if m else re.fullmatch(r"(.*)#(\d+)", pat)
        if m:
            base, lo, hi = m.group(1), int(m.group(2)), int(m.group(3))
            if hi < lo:
                raise _err(src, f"{where}: range {pat!r} must run upwards (A..B with A <= B)", text, pat)
            if hi - lo >= MAX_RANGE:  # (it was said to run downwards)
                raise _err(src, f"{where}: range {pat!r} spans {hi - lo + 1} instances; at most {MAX_RANGE:,} in "
                                "one range", text, pat)
            what = f"{where}: range {pat!r}"
        elif one:
            base, lo = one.group(1), int(one.group(2))
            hi, what = lo, f"{where}: {pat!r}"
        else:
            base, lo, hi, what = pat, None, None, ""
        if any(ch in base for ch in "*?["):
            found = sorted(_under(q, root) for q in glob.glob(str(root / base)) if Path(q).is_file())
            if not found:
                raise _err(src, f"{where}: no files match {pat!r} under the data root {root} (pass --data DIR?)",
                           text, pat)
        elif (root / base).is_dir():
            # a folder's reference tables (.csv) and notes are no instances, unless the kind reads .csv (DAG data)
            skip = {".md", ".txt.gz"} | (set() if kind is not None and ".csv" in kind_extensions(kind) else {".csv"})
            found = sorted(_under(root / base / q.name, root) for q in (root / base).iterdir()
                           if q.is_file() and q.suffix.lower() not in skip and not q.name.startswith("."))
            if not found:
                raise _err(src, f"{where}: folder {base} holds no instance files (reference tables .csv, "
                                ".md notes and hidden files are left out)", text, pat)
        elif (root / base).is_file():
            found = [base]
        else:
            raise _err(src, f"{where}: {base} not found under the data root {root} (pass --data DIR?)", text, pat)
        if lo is None:
            out += found
            continue
        # path#K, path#A..B, and a glob or folder with one: the instances of every file it names (past a file's
        # end: an error of the suite, not one failed run per missing index; the suffix used to be dropped there)
        for f in found:
            _check_range_end(root / f, hi, kind, src, what if f == base else f"{what} ({f})", text, pat)
            out += [f"{f}#{k}" for k in range(lo, hi + 1)]
    unique: dict[tuple[str, str], str] = {}
    for q in out:  # the first spelling of each file (and instance of it) stands
        m = re.fullmatch(r"(.*)#(\d+)", q)
        base, k = (m.group(1), m.group(2)) if m else (q, "")
        unique.setdefault((str((root / base).resolve()), k), q)
    return list(unique.values())


def _check_range_end(path: Path, last: int, kind: str | None, src: Path, what: str, text: str | None = None,
                     needle: str | None = None) -> None:
    """Raise when ``path`` holds no instance ``#last``; anything else wrong with the file is left to its runs (each
    reports it, as for a single instance)."""
    from ..core.errors import CombOptError, NoSuchInstance
    from ..core.io import read

    try:
        read(f"{path}#{last}", kind)
    except NoSuchInstance as e:
        raise _err(src, f"{what}: {e.message}", text, needle) from None
    except (CombOptError, MemoryError):
        return


def _kinds_of(sets: dict[str, InstanceSet], names: list[str], root: Path) -> list[str]:
    """The problem kinds of the sets ``names``: their ``kind``, else that of their first instance file."""
    from ..core.errors import CombOptError
    from ..core.io import detect, split_index

    kinds: dict[str, None] = {}
    for name in names:
        st = sets[name]
        if st.kind is not None:
            kinds[st.kind] = None
        elif st.paths:
            try:
                kinds[detect(split_index(root / st.paths[0])[0], None)[1]] = None
            except (CombOptError, OSError):
                pass  # the runs say what is wrong with the file
    return list(kinds)


def _not_importable(modules: list[str], paths: tuple[str, ...]) -> str | None:
    """The first of ``modules`` that cannot be found with ``paths`` in front of ``sys.path`` (``None``: all can)."""
    import sys

    saved = list(sys.path)
    sys.path[:0] = list(paths)
    try:
        for mod in modules:
            try:
                if importlib.util.find_spec(mod) is None:
                    return mod
            except (ImportError, ValueError):
                return mod
    finally:
        sys.path[:] = saved
    return None


def _under(q: str | Path, root: Path) -> str:
    """``q`` relative to the data root, or as given where it lies outside it (an absolute pattern)."""
    try:
        return Path(q).relative_to(root).as_posix()
    except ValueError:
        return Path(q).as_posix()


def load_suite(path: str | Path, data: str | Path | None = None) -> Suite:
    """Parse and expand a suite file.

    Parameters
    ----------
    path
        The suite TOML file.
    data
        Data root for relative instance and reference paths; overrides the suite's ``data``
        key (itself relative to the suite file). Default: the suite file's folder.

    Returns
    -------
    Suite
        With ``runs`` in suite order: sets, then instances, then solver entries, then seeds.
    """
    src = Path(path)
    if not src.is_file():
        raise InputError(src, "no such suite file")
    try:
        text = src.read_text(encoding="utf-8")
        doc = tomllib.loads(text)
    except UnicodeDecodeError:
        raise InputError(src, "not a text file; expected a TOML suite") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise InputError(src, f"not valid TOML ({e}); expected a benchmark suite ([suite], [sets.NAME], "
                              "[[solvers]]) or an instance spec", int(m.group(1)) if m else None) from None
    except (ValueError, RecursionError) as e:  # an integer of 4300+ digits, arrays nested thousands deep
        raise InputError(src, f"not readable TOML ({type(e).__name__}: {str(e)[:80]}); expected a benchmark suite")\
            from None
    if not doc:
        raise InputError(src, "empty; expected a benchmark suite ([suite], [sets.NAME], [[solvers]]) or an instance "
                              "spec")
    _check_keys(src, text, doc, {"suite", "sets", "solvers"}, "the suite file")
    head = doc.get("suite", {})
    if not isinstance(head, dict):
        raise _err(src, "[suite] must be a table", text, "suite")
    _check_keys(src, text, head, SUITE_KEYS, "[suite]")
    base = _options(src, text, head, RUN_DEFAULTS, "[suite]")
    name = head.get("name", src.stem.removesuffix(".suite"))
    if not isinstance(name, str) or not name.strip():
        raise _err(src, f"[suite]: name must be a non-empty string, got {name!r}", text, "name")
    if data is not None:
        root = Path(data)
        if not root.is_dir():
            raise InputError(root, "--data: no such directory")
    elif "data" in head:
        root = (src.parent / str(head["data"]))
        if not root.is_dir():
            raise _err(src, f"data root {head['data']!r} ({root}) is not a directory; pass --data DIR", text, "data")
    else:
        root = src.parent
    root = root.resolve()
    imports = head.get("imports", [])
    ppath = head.get("python_path", [])
    for k, v in (("imports", imports), ("python_path", ppath)):
        if not isinstance(v, list) or not all(isinstance(s, str) and s and "\x00" not in s for s in v):
            raise _err(src, f"[suite] {k} must be a list of strings", text, k)
    ppath_abs = tuple(str((src.parent / p).resolve()) for p in ppath)
    if missing := _not_importable(imports, ppath_abs):
        raise _err(src, f"[suite] imports: no module {missing!r} here (python_path: "
                        f"{', '.join(ppath_abs) or 'none'}); the workers import it to register solvers", text, missing)

    sets_doc = doc.get("sets", {})
    if not isinstance(sets_doc, dict) or not sets_doc:
        raise _err(src, "expected at least one instance set: [sets.NAME] with kind and instances", text, "sets")
    sets: dict[str, InstanceSet] = {}
    names: dict[tuple[str, str | None], str | None] = {}  # the instance files' own names, read once
    for sname, st in sets_doc.items():
        where = f"[sets.{sname}]"
        if not isinstance(st, dict):
            raise _err(src, f"{where} must be a table", text, sname)
        _check_keys(src, text, st, SET_KEYS, where)
        inst = st.get("instances")
        if isinstance(inst, str):
            inst = [inst]
        if not isinstance(inst, list) or not inst:
            raise _err(src, f"{where}: instances must be a non-empty list of paths or globs", text, sname)
        kind = st.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise _err(src, f"{where}: kind must be a string", text, "kind")
        if kind is not None and not imports and kind not in known_kinds():  # (imports may register kinds)
            raise _err(src, f"{where}: unknown kind {kind!r}; the kinds are {', '.join(known_kinds())}", text, kind)
        refs: dict[str, Reference] = {}
        ref_file = None
        ref = st.get("reference")
        if ref is not None:
            cols: dict[str, str | None] = {"optimum": None, "best_known": None, "bound": None}
            if isinstance(ref, dict):
                bad = set(ref) - {"file", *cols}
                if bad or "file" not in ref:
                    raise _err(src, f"{where}: reference must be a path or {{file = ..., optimum = 'column', "
                                    "best_known = 'column', bound = 'column'}}", text, "reference")
                cols = {k: ref.get(k) for k in cols}
                ref = ref["file"]
            if not isinstance(ref, str):
                raise _err(src, f"{where}: reference must be a path", text, "reference")
            if not (root / ref).is_file():  # the suite's mistake: its line (the CSV's own errors name the CSV's)
                raise _err(src, f"{where}: reference {ref!r}: no such file under the data root {root} (expected a "
                                "CSV: instance,<optimum|best_known|...>)", text, "reference")
            refs = load_reference(root / ref, **cols)
            ref_file = str(root / ref)
        tol = st.get("tolerance", base["tolerance"])
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not (0 <= tol < 1):
            raise _err(src, f"{where}: tolerance must be in [0, 1), got {tol!r}", text, "tolerance")
        paths = expand_instances(inst, root, src, where, kind, text)
        sets[sname] = InstanceSet(sname, kind, paths, refs, float(tol), ref_file)
        if refs and not any(_reference(sets[sname], root, q, names)[0] is not None for q in paths):
            # no row for any instance (names spelt otherwise: "Burma14" for burma14.tsp): every run went unscored
            from .refs import instance_names

            raise _err(src, f"{where}: reference {ref!r} has no row for any instance of the set (its first, "
                            f"{paths[0]}, was looked up as {', '.join(map(repr, instance_names(paths[0])))}, and by "
                            "the name the file gives itself); expected the reference's instance column to name them",
                       text, "reference")

    entries_doc = doc.get("solvers", [])
    if not isinstance(entries_doc, list) or not entries_doc:
        raise _err(src, "expected at least one [[solvers]] entry with a solver name", text, "solvers")
    entries: list[SolverEntry] = []
    labels: set[str] = set()
    for i, ent in enumerate(entries_doc):
        where = f"[[solvers]] entry {i + 1}"
        if not isinstance(ent, dict):
            raise _err(src, f"{where} must be a table", text, "[[solvers]]")
        _check_keys(src, text, ent, SOLVER_KEYS, where)
        solver = ent.get("solver", ent.get("name"))
        if not isinstance(solver, str) or not solver:
            raise _err(src, f"{where}: expected solver = 'NAME' (see `combopt solvers`)", text, "[[solvers]]")
        label = ent.get("name", solver)
        if not isinstance(label, str) or not label.strip():
            raise _err(src, f"{where}: name must be a non-empty string (the entry's label), got {label!r}", text,
                       "name")
        if label in labels:
            raise _err(src, f"{where}: solver entry name {label!r} is used twice; give each entry its own name",
                       text, label)
        labels.add(label)
        sets_of = ent.get("sets", list(sets))
        if isinstance(sets_of, str):
            sets_of = [sets_of]
        if not isinstance(sets_of, list) or not all(isinstance(x, str) for x in sets_of):
            raise _err(src, f"{where}: sets must be a set name or a list of them", text, "sets")
        if not sets_of:  # the entry ran nothing, without a word
            raise _err(src, f"{where}: sets is empty, so the entry would run nothing; name its sets, or leave sets "
                            "out for every set", text, "sets")
        for s in sets_of:
            if s not in sets:
                raise _err(src, f"{where}: unknown set {s!r}; the suite defines: {', '.join(sets)}", text, s)
        info = {i.name: i for i in all_solvers()}.get(solver)
        if info is None and imports:
            pass  # the suite's imports register solvers in the workers; an unknown one is a failed row there
        elif info is None:
            raise _err(src, f"{where}: unknown solver {solver!r} (see `combopt solvers`)", text, solver)
        for s in sets_of if info is not None else ():  # a set without a kind: checked when the run reads its file
            if sets[s].kind is not None and not info.handles(sets[s].kind):
                raise _err(src, f"{where}: solver {solver!r} does not handle kind {sets[s].kind!r} (set {s!r}; see "
                                f"`combopt solvers {sets[s].kind}`)", text, solver)
        params = ent.get("params", {})
        if not isinstance(params, dict) or not all(isinstance(k, str) and k.isidentifier() for k in params):
            raise _err(src, f"{where}: params must be a table of name = value", text, "params")
        from ..api import SOLVE_OPTIONS, SOLVER_ARGUMENTS

        if clash := sorted((SOLVE_OPTIONS | SOLVER_ARGUMENTS) & set(params)):
            raise _err(src, f"{where}: params: {clash[0]} is not a solver parameter; set it as a key of the entry or "
                            f"the suite (seeds, time_limit, max_iterations, device)", text, "params")
        try:  # values the results file (JSON) and the run key can hold: no TOML dates or times
            json.dumps(params, allow_nan=False)
        except (TypeError, ValueError):
            raise _err(src, f"{where}: params values must be numbers, strings, booleans, lists or tables (no dates, "
                            "times or non-finite numbers)", text, "params") from None
        if info is not None and params:  # unknown names are refused here, not by every run of the entry
            for k in _kinds_of(sets, sets_of, root):
                if msg := refused_params(solver, k, params):
                    raise _err(src, f"{where}: {msg}", text, "params")
        requires = ent.get("requires", [])
        if isinstance(requires, str):
            requires = [requires]
        if not isinstance(requires, list) or not all(isinstance(x, str) and x for x in requires):
            raise _err(src, f"{where}: requires must be a module name or a list of them", text, "requires")
        entries.append(SolverEntry(label, solver, list(sets_of), dict(params),
                                   _options(src, text, ent, base, where), list(requires)))

    runs: list[RunSpec] = []
    skipped: list[tuple[str, str]] = []
    usable = []
    for e in entries:
        miss = e.missing()
        if miss:
            skipped.append((e.label, f"needs {', '.join(miss)} (not installed)"))
        else:
            usable.append(e)
    keys: set[str] = set()
    for sname, st in sets.items():
        for ipath in st.paths:
            for e in usable:
                if sname not in e.sets:
                    continue
                o = e.options
                wall = o["wall_limit"]
                if wall is None:
                    wall = 2.0 * o["time_limit"] + 30.0 if o["time_limit"] else 600.0
                ref, own = _reference(st, root, ipath, names)
                target = ref.target if (ref is not None and o["stop_at_target"]) else None
                for seed in o["seeds"]:
                    key = run_key(sname, ipath, e.label, e.solver, e.params, seed, o["time_limit"],
                                  o["max_iterations"], o["device"], st.kind, o["stop_at_target"], o["threads"])
                    if key in keys:
                        continue
                    keys.add(key)
                    runs.append(RunSpec(
                        key=key, index=len(runs), suite=name, set=sname, kind=st.kind, path=ipath,
                        file=str(root / ipath),
                        label=e.label, solver=e.solver, params=dict(e.params), seed=int(seed),
                        time_limit=None if o["time_limit"] is None else float(o["time_limit"]),
                        max_iterations=o["max_iterations"], device=o["device"], threads=int(o["threads"]),
                        wall_limit=float(wall), memory_mb=o["memory_mb"], target=target, instance=own,
                        target_tolerance=float(st.tolerance) if target is not None else 0.0,
                        imports=tuple(imports), python_path=ppath_abs, preimport=tuple(e.requires),
                    ))
    warmup = head.get("warmup", False)
    if not isinstance(warmup, bool):
        raise _err(src, "[suite] warmup must be true or false", text, "warmup")
    description = head.get("description", "")
    if not isinstance(description, str):
        raise _err(src, "[suite] description must be a string", text, "description")
    return Suite(name, description, src, root, sets, entries, runs, skipped, warmup)


def _reference(st: InstanceSet, root: Path, ipath: str, names: dict):
    """``(reference, own name)`` of an instance: by the names its path gives, else by the name the file itself
    gives (a TSPLIB ``NAME:``), read once per file; the own name is returned only when it finds the reference, so
    that every row of the instance, a timed-out one too, carries the reference and a target to stop at."""
    from .refs import lookup

    ref = lookup(st.refs, None, ipath)
    if ref is not None or not st.refs:
        return ref, None
    key = (str(root / ipath), st.kind)
    if key not in names:
        names[key] = _own_name(root / ipath, st.kind)
    own = names[key]
    if own is None or own not in st.refs:
        return None, None
    return st.refs[own], own


def _own_name(file: Path, kind: str | None) -> str | None:
    """The name the instance file gives itself (None where it cannot be read: its runs report why)."""
    from ..core.io import read

    try:
        return read(str(file), kind).name
    except Exception:  # noqa: BLE001 - any failure is the run's to report, not the suite's
        return None
