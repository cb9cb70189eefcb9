"""RCPSP file formats: PSPLIB ``.sm``, Patterson ``.rcp`` and the ``combopt-rcpsp`` JSON extension.

Every malformed line is reported as an :class:`~combopt.core.errors.InputError` naming the
file and the line. Imports: core and this family's model only.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from ...core.errors import InputError, NoSuchInstance, ParameterError
from ...core.io import register_reader
from ...core.jsonpos import line_of, parse_where
from ...core.safeio import json_number
from .model import (
    JSON_FORMAT,
    MAX_RESOURCES,
    MAX_TASKS,
    MAX_TIME_VALUE,
    NO_DEADLINE,
    RCPSP,
    Downtime,
    _csr,
    precedence_cycle,
)


# ---------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------
def _ints(tokens: list[str], path, lineno: int, what: str) -> list[int]:
    out = []
    for t in tokens:
        if not re.fullmatch(r"[+-]?\d+", t):
            raise InputError(path, f"expected integers in {what}, got {t!r}", lineno)
        if len(t.lstrip("+-0")) > 18:  # int() refuses over 4300 digits; anything this long is over the limit
            raise InputError(path, f"value {t[:20]}... ({len(t)} digits) in {what} is too large", lineno)
        v = int(t)
        if abs(v) > MAX_TIME_VALUE * 10:
            raise InputError(path, f"value {v} in {what} is too large", lineno)
        out.append(v)
    return out


def read_psplib_sm(path: str | Path) -> RCPSP:
    """Read a PSPLIB single-mode ``.sm`` file (jobs 1 and n+2 are dummies, kept as tasks)."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()  # a leading byte-order mark is not text
    njobs = None
    nres = None
    section = None
    prec: dict[int, tuple[list[int], int]] = {}
    req: dict[int, tuple[int, list[int], int]] = {}
    caps = None
    caps_line = None
    cap_header = None  # the line of the RESOURCEAVAILABILITIES header
    expect_header = False
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("*"):
            section = None
            continue
        if cap_header is not None and section is None and (caps is not None or nres == 0):
            # PSPLIB files end with the capacities and a line of asterisks: anything after is not ours
            raise InputError(path, "unexpected text after the RESOURCEAVAILABILITIES section (the end of an .sm "
                                   "file)", lineno)
        low = line.lower()
        m = re.match(r"jobs\s*\(incl\. supersource/sink\s*\)\s*:\s*(\S+)", low)
        if m:
            v = _ints([m.group(1)], path, lineno, "the number of jobs")[0]
            if not 2 <= v <= MAX_TASKS:
                raise InputError(path, f"number of jobs must lie in 2..{MAX_TASKS}, got {v}", lineno)
            njobs = v
            continue
        m = re.match(r"-\s*renewable\s*:\s*(\S+)", low)
        if m:
            nres = _ints([m.group(1)], path, lineno, "the number of renewable resources")[0]
            if not 0 <= nres <= MAX_RESOURCES:
                raise InputError(path, f"number of renewable resources must lie in 0..{MAX_RESOURCES}", lineno)
            continue
        m = re.match(r"-\s*(nonrenewable|doubly constrained)\s*:\s*(\S+)", low)
        if m:
            if _ints([m.group(2)], path, lineno, "the number of resources")[0] != 0:
                raise InputError(path, f"{m.group(1)} resources are not supported (single-mode renewable RCPSP only)",
                                 lineno)
            continue
        if low.startswith("precedence relations"):
            section, expect_header = "prec", True
            continue
        if low.startswith("requests/durations"):
            section, expect_header = "req", True
            continue
        if low.startswith("resourceavailabilities"):
            section, expect_header, cap_header = "cap", True, lineno
            continue
        if section is None:
            continue
        if expect_header:
            expect_header = False
            if not re.match(r"[a-z]", low):
                raise InputError(path, "expected a column header line", lineno)
            continue
        if section == "req" and set(line) <= {"-"}:
            continue
        toks = line.split()
        if section == "prec":
            v = _ints(toks, path, lineno, "a precedence line (job, modes, #successors, successors)")
            if len(v) < 3:
                raise InputError(path, "expected job number, number of modes, number of successors", lineno)
            job, modes, ns = v[0], v[1], v[2]
            if modes != 1:
                raise InputError(path, f"job {job} has {modes} modes; only single-mode files (.sm) are supported",
                                 lineno)
            if ns != len(v) - 3:
                raise InputError(path, f"job {job} declares {ns} successors but lists {len(v) - 3}", lineno)
            if job in prec:
                raise InputError(path, f"job {job} appears twice in PRECEDENCE RELATIONS", lineno)
            prec[job] = (v[3:], lineno)
        elif section == "req":
            v = _ints(toks, path, lineno, "a request line (job, mode, duration, demands)")
            if nres is None:
                raise InputError(path, "REQUESTS/DURATIONS before the number of renewable resources", lineno)
            if len(v) != 3 + nres:
                raise InputError(path, f"expected job, mode, duration and {nres} demands, got {len(v)} numbers",
                                 lineno)
            job = v[0]
            if v[1] != 1:  # the precedence lines declare one mode: a request for mode 2 is not this format
                raise InputError(path, f"job {job} lists mode {v[1]}; single-mode files (.sm) have mode 1 only",
                                 lineno)
            if job in req:
                raise InputError(path, f"job {job} appears twice in REQUESTS/DURATIONS", lineno)
            if v[2] < 0 or min(v[3:], default=0) < 0:
                raise InputError(path, f"job {job}: duration and demands must be non-negative", lineno)
            req[job] = (v[2], v[3:], lineno)
        elif section == "cap":
            if caps is not None:
                raise InputError(path, f"a second line of resource capacities (the first is line {caps_line}); "
                                       "expected one", lineno)
            v = _ints(toks, path, lineno, "RESOURCEAVAILABILITIES")
            if nres is not None and len(v) != nres:
                raise InputError(path, f"expected {nres} resource capacities, got {len(v)}", lineno)
            if min(v, default=0) < 0:
                raise InputError(path, "resource capacities must be non-negative", lineno)
            caps, caps_line = v, lineno
    last = len(lines)
    if njobs is None:
        raise InputError(path, "no 'jobs (incl. supersource/sink )' line; not a PSPLIB .sm file", 1)
    if nres is None:
        raise InputError(path, "no '- renewable' resource count line", 1)
    if caps is None and cap_header is not None and nres == 0:
        caps = []  # no renewable resources: an empty capacities line (blank, so skipped above)
    if caps is None:
        raise InputError(path, "missing RESOURCEAVAILABILITIES section (truncated file?)", last)
    for what, table in (("PRECEDENCE RELATIONS", prec), ("REQUESTS/DURATIONS", req)):
        missing = [j for j in range(1, njobs + 1) if j not in table]
        if missing:
            raise InputError(path, f"{what} lacks job(s) {', '.join(map(str, missing[:8]))} of 1..{njobs}", last)
        extra = [j for j in table if not 1 <= j <= njobs]
        if extra:
            raise InputError(path, f"{what} names job {extra[0]} outside 1..{njobs}", table[extra[0]][-1])
    succ = []
    for j in range(1, njobs + 1):
        s_list, ln = prec[j]
        for s in s_list:
            if not 1 <= s <= njobs:
                raise InputError(path, f"job {j} has successor {s} outside 1..{njobs}", ln)
        succ.append([s - 1 for s in s_list])
    _check_cycle(path, succ, [prec[j][1] for j in range(1, njobs + 1)])
    dur = [req[j][0] for j in range(1, njobs + 1)]
    dem = np.array([req[j][1] for j in range(1, njobs + 1)], dtype=np.int64).reshape(njobs, nres)
    return _build(path, caps_line, dur, dem, caps, succ, name=path.name.split(".")[0])


def read_patterson(path: str | Path) -> RCPSP:
    """Read a Patterson ``.rcp`` file (``n R`` / capacities / one record per job)."""
    path = Path(path)
    tokens: list[tuple[str, int]] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):  # without a byte-order mark
        tokens.extend((t, lineno) for t in raw.split())
    pos = 0
    last = tokens[-1][1] if tokens else 1

    def take(what: str) -> int:
        nonlocal pos
        if pos >= len(tokens):
            raise InputError(path, f"file ends early: expected {what}", last)
        t, ln = tokens[pos]
        pos += 1
        return _ints([t], path, ln, what)[0]

    def line_of() -> int:
        return tokens[min(pos, len(tokens) - 1)][1] if tokens else 1

    n = take("the number of jobs")
    if not 1 <= n <= MAX_TASKS:
        raise InputError(path, f"number of jobs must lie in 1..{MAX_TASKS}, got {n}", 1)
    R = take("the number of resources")
    if not 0 <= R <= MAX_RESOURCES:
        raise InputError(path, f"number of resources must lie in 0..{MAX_RESOURCES}, got {R}", 1)
    caps_line = line_of()
    caps = [take(f"capacity of resource {r + 1}") for r in range(R)]
    if min(caps, default=0) < 0:
        raise InputError(path, "resource capacities must be non-negative", caps_line)
    dur, dem, succ, lines = [], [], [], []
    for j in range(1, n + 1):
        ln = line_of()
        lines.append(ln)
        d = take(f"the duration of job {j}")
        q = [take(f"demand of job {j} on resource {r + 1}") for r in range(R)]
        if d < 0 or min(q, default=0) < 0:
            raise InputError(path, f"job {j}: duration and demands must be non-negative", ln)
        ns = take(f"the number of successors of job {j}")
        if ns < 0 or ns > n:
            raise InputError(path, f"job {j}: number of successors must lie in 0..{n}, got {ns}", ln)
        ss = []
        for _ in range(ns):
            sl = line_of()
            s = take(f"a successor of job {j}")
            if not 1 <= s <= n:
                raise InputError(path, f"job {j} has successor {s} outside 1..{n}", sl)
            ss.append(s - 1)
        dur.append(d)
        dem.append(q)
        succ.append(ss)
    if pos != len(tokens):
        raise InputError(path, f"unexpected data after the {n} jobs: {tokens[pos][0]!r}", tokens[pos][1])
    _check_cycle(path, succ, lines)
    return _build(path, caps_line, dur, np.array(dem, dtype=np.int64).reshape(n, R), caps, succ,
                  name=path.name.split(".")[0])


def _check_cycle(path, succ: list[list[int]], lines: list[int]) -> None:
    """Raise an :class:`InputError` naming the jobs (1-based, as in the file) of a precedence cycle and the
    first line that lists one of its precedences (``lines[j]``: the line of job ``j``'s successors)."""
    n = len(succ)
    rows = np.array([i for i, ss in enumerate(succ) for _ in ss], dtype=np.int64)
    cols = np.array([s for ss in succ for s in ss], dtype=np.int64)
    sp, si = _csr(n, rows, cols)
    pp, pi = _csr(n, cols, rows)
    cyc = precedence_cycle(sp, si, pp, pi)
    if not cyc:
        return
    k = min(range(len(cyc)), key=lambda i: lines[cyc[i]])
    cyc = cyc[k:] + cyc[:k]  # from the job whose successor line comes first
    path_txt = " -> ".join(str(j + 1) for j in cyc + cyc[:1])
    raise InputError(path, f"the precedence relations contain a cycle: jobs {path_txt} (job {cyc[0] + 1} lists "
                           f"successor {cyc[1 % len(cyc)] + 1} on line {lines[cyc[0]]})", lines[cyc[0]])


def _build(path, line, dur, dem, caps, succ, **kw) -> RCPSP:
    try:
        return RCPSP(dur, dem, caps, succ, source=str(path), **kw)
    except ParameterError as e:
        raise InputError(path, str(e), line if "capacity" in str(e) else None) from None


# ---------------------------------------------------------------------------------------
# JSON extension format
# ---------------------------------------------------------------------------------------
def rcpsp_to_json(problem: RCPSP) -> dict[str, Any]:
    """The instance in the ``combopt-rcpsp`` JSON format (version 1).

    ::

        {"format": "combopt-rcpsp", "version": 1, "name": "...",
         "resources": [{"name": "teams", "capacity": 4,
                        "downtime": [{"start": 10, "end": 15, "capacity": 0, "reason": "..."}]}],
         "tasks": [{"name": "a", "duration": 3, "demands": {"teams": 2},
                    "successors": ["b"], "release": 0, "deadline": 20}],
         "disjunctive": [["a", "c"]],
         "witness": {"a": 0, ...},            # optional: a schedule known to be feasible
         "best_known": 17,                    # optional
         "meta": {...}}                       # optional, free-form

    Times are integers; a task runs during ``[start, start + duration)``;
    ``release``/``deadline`` bound its start and finish; ``demands`` may also be
    a list in resource order; omitted demands are 0.
    """
    P = problem
    res = []
    for r in range(P.num_resources):
        entry: dict[str, Any] = {"name": P.resource_names[r], "capacity": int(P.capacities[r])}
        dts = P.downtime_of(r)
        if dts:
            entry["downtime"] = [{"start": d.start, "end": d.end, "capacity": d.capacity,
                                  **({"reason": d.reason} if d.reason else {})} for d in dts]
        res.append(entry)
    tasks = []
    for i in range(P.n):
        t: dict[str, Any] = {"name": P.names[i], "duration": int(P.durations[i])}
        dem = {P.resource_names[r]: int(P.demands[i, r]) for r in range(P.num_resources) if P.demands[i, r]}
        if dem:
            t["demands"] = dem
        succ = [P.names[j] for j in P.succ_idx[P.succ_ptr[i]:P.succ_ptr[i + 1]]]
        if succ:
            t["successors"] = succ
        if P.release[i] > 0:
            t["release"] = int(P.release[i])
        if P.deadline[i] < NO_DEADLINE:
            t["deadline"] = int(P.deadline[i])
        tasks.append(t)
    out: dict[str, Any] = {"format": JSON_FORMAT, "version": 1, "name": P.name, "resources": res, "tasks": tasks}
    if len(P.disjunctive):
        out["disjunctive"] = [[P.names[a], P.names[b]] for a, b in P.disjunctive]
    if P.witness is not None:
        out["witness"] = {P.names[i]: int(P.witness[i]) for i in range(P.n)}
    if P.best_known is not None:
        out["best_known"] = int(P.best_known) if float(P.best_known).is_integer() else P.best_known
    if P.meta:
        out["meta"] = P.meta
    return out


def write_rcpsp_json(problem: RCPSP, path: str | Path) -> Path:
    """Write :func:`rcpsp_to_json` to ``path`` (atomically: a temporary file is renamed)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(rcpsp_to_json(problem), indent=1) + "\n")
    tmp.replace(path)
    return path


def read_rcpsp_json(path: str | Path) -> RCPSP:
    """Read the ``combopt-rcpsp`` JSON format (see :func:`rcpsp_to_json`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(path, f"not valid JSON ({e.msg})", e.lineno) from None
    except (ValueError, RecursionError) as e:
        raise InputError(path, f"not usable JSON ({type(e).__name__})") from None

    def fail(where: str, msg: str, at: tuple | None = None):
        raise InputError(path, f"{where}: {msg}", line_of(text, parse_where(where) if at is None else at))

    if not isinstance(data, dict) or data.get("format") != JSON_FORMAT:
        raise InputError(path, f"expected a JSON object with \"format\": \"{JSON_FORMAT}\"", 1)
    if isinstance(data.get("version", 1), bool) or data.get("version", 1) != 1:  # true == 1 in Python
        fail("version", f"version {data.get('version')!r} is not supported (expected 1)")
    resources = data.get("resources", [])
    tasks = data.get("tasks")
    if not isinstance(resources, list):
        fail("resources", "expected a list of resources")
    if not isinstance(tasks, list) or not tasks:
        fail("tasks", "expected a non-empty list of tasks")
    if len(tasks) > MAX_TASKS or len(resources) > MAX_RESOURCES:
        fail("tasks", f"too large (at most {MAX_TASKS} tasks and {MAX_RESOURCES} resources)")

    def integer(v, where, lo=0, at=None):
        if json_number(v) is None or v != int(v) or not lo <= v <= MAX_TIME_VALUE:
            fail(where, f"expected an integer in {lo}..{MAX_TIME_VALUE}, got {v!r}", at)
        return int(v)

    def string(v, where):
        if not isinstance(v, (str, int)) or isinstance(v, bool):
            fail(where, f"expected a name (string), got {v!r}")
        return str(v)

    rnames, caps, downtime, dt_at = [], [], [], []
    for r, res in enumerate(resources):
        w = f"resources[{r}]"
        if not isinstance(res, dict):
            fail(w, "expected an object with 'name' and 'capacity'")
        rnames.append(string(res.get("name", f"R{r + 1}"), w + ".name"))
        caps.append(integer(res.get("capacity"), w + ".capacity"))
        dts = res.get("downtime", [])
        if not isinstance(dts, list):
            fail(w + ".downtime", "expected a list of {start, end, capacity}")
        for k, d in enumerate(dts):
            wd = f"{w}.downtime[{k}]"
            if not isinstance(d, dict):
                fail(wd, "expected an object {start, end, capacity}")
            downtime.append(Downtime(r, integer(d.get("start"), wd + ".start"), integer(d.get("end"), wd + ".end"),
                                     integer(d.get("capacity", 0), wd + ".capacity"), str(d.get("reason", ""))))
            dt_at.append(("resources", r, "downtime", k))
    if len(set(rnames)) != len(rnames):
        fail("resources", "resource names must be unique")
    rindex = {v: i for i, v in enumerate(rnames)}
    names = []
    for i, t in enumerate(tasks):
        if not isinstance(t, dict):
            fail(f"tasks[{i}]", "expected an object with 'name' and 'duration'")
        names.append(string(t.get("name", t.get("id", str(i + 1))), f"tasks[{i}].name"))
    if len(set(names)) != len(names):
        dup = next(v for v in names if names.count(v) > 1)
        fail("tasks", f"task name {dup!r} is used twice")
    tindex = {v: i for i, v in enumerate(names)}
    n, R = len(tasks), len(rnames)
    dur = np.zeros(n, dtype=np.int64)
    dem = np.zeros((n, R), dtype=np.int64)
    succ: list[list[int]] = []
    release: list[int | None] = [None] * n
    deadline: list[int | None] = [None] * n
    for i, t in enumerate(tasks):
        w = f"tasks[{i}]"
        dur[i] = integer(t.get("duration"), w + ".duration")
        d = t.get("demands", {})
        if isinstance(d, list):
            if len(d) != R:
                fail(w + ".demands", f"expected {R} demands in resource order, got {len(d)}")
            for r, v in enumerate(d):
                dem[i, r] = integer(v, f"{w}.demands[{r}]")
        elif isinstance(d, dict):
            for k, v in d.items():
                if k not in rindex:
                    fail(w + ".demands", f"unknown resource {k!r}")
                dem[i, rindex[k]] = integer(v, f"{w}.demands.{k}", at=("tasks", i, "demands", k))
        else:
            fail(w + ".demands", "expected an object {resource: amount} or a list")
        ss = t.get("successors", [])
        if not isinstance(ss, list):
            fail(w + ".successors", "expected a list of task names")
        row = []
        for s in ss:
            key = str(s)
            if key not in tindex:
                fail(w + ".successors", f"unknown task {s!r}")
            row.append(tindex[key])
        succ.append(row)
        if t.get("release") is not None:
            release[i] = integer(t["release"], w + ".release")
        if t.get("deadline") is not None:
            deadline[i] = integer(t["deadline"], w + ".deadline")
    pairs = []
    dj = data.get("disjunctive", [])
    if not isinstance(dj, list):
        fail("disjunctive", "expected a list of [task, task] pairs")
    for k, pr in enumerate(dj):
        if not (isinstance(pr, list) and len(pr) == 2 and all(str(x) in tindex for x in pr)):
            fail(f"disjunctive[{k}]", f"expected a pair of task names, got {pr!r}")
        pairs.append((tindex[str(pr[0])], tindex[str(pr[1])]))
    witness = None
    if data.get("witness") is not None:
        wd = data["witness"]
        if not isinstance(wd, dict) or set(map(str, wd)) != set(names):
            fail("witness", "expected an object with a start time for every task")
        witness = [integer(wd[k], f"witness.{k}", at=("witness", k)) for k in names]
    best = data.get("best_known")
    if best is not None and (json_number(best) is None or best <= 0):
        fail("best_known", f"expected a positive finite number, got {best!r}")
    meta = data.get("meta") or {}
    if not isinstance(meta, dict):
        fail("meta", "expected an object")
    name = data.get("name") or path.name.split(".")[0]
    try:
        problem = RCPSP(dur, dem, caps, succ, names=names, resource_names=rnames, release=release,
                        deadline=deadline, downtime=downtime, disjunctive=pairs, witness=witness, best_known=best,
                        name=str(name), source=str(path), meta=meta)
    except ParameterError as e:  # a check across the items (a cycle, a window, a downtime): the line of the item
        what, k = getattr(e, "at", (None, 0))
        at = {"task": ("tasks", k), "disjunctive": ("disjunctive", k)}.get(what)
        if what == "downtime" and k < len(dt_at):
            at = dt_at[k]
        raise InputError(path, str(e), None if at is None else line_of(text, at)) from None
    if problem.witness is not None:  # a witness claims feasibility: check the claim now
        ev = problem.evaluate(problem.witness)
        if not ev.feasible:
            fail("witness", f"the witness schedule is infeasible ({ev.violations[0] if ev.violations else '?'}"
                            f"{f' and {len(ev.violations) - 1} more' if len(ev.violations) > 1 else ''})")
    return problem


# ---------------------------------------------------------------------------------------
# registration
# ---------------------------------------------------------------------------------------
def _sniff_sm(head: str) -> bool:
    return "jobs (incl. supersource/sink" in head and "PRECEDENCE RELATIONS" in head.upper()


def _sniff_json(head: str) -> bool:
    return '"format"' in head and JSON_FORMAT in head


def _single(loader):
    def read(path: Path, kind: str, index: int | None):
        if index not in (None, 0):
            raise NoSuchInstance(path, f"holds a single project; #{index} does not exist (use #0 or no index)")
        return loader(path)

    return read


register_reader("psplib-sm", kinds=("rcpsp",), extensions=(".sm",), sniff=_sniff_sm)(_single(read_psplib_sm))
register_reader("patterson", kinds=("rcpsp",), extensions=(".rcp",))(_single(read_patterson))
register_reader("rcpsp-json", kinds=("rcpsp",), extensions=(".rcpsp.json",), sniff=_sniff_json)(
    _single(read_rcpsp_json))

