"""R-ConstraintBench: RCPSP feasibility ramps, feasible by construction.

After Jain & Wetter, "R-ConstraintBench: Evaluating LLMs on NP-Complete
Scheduling" (arXiv 2508.15204, 2025), who describe the generator but publish
no code. This is our reading of it:

1. ``tasks`` tasks are split into ``layers`` consecutive layers of (nearly)
   equal size; durations are uniform in ``1..max_duration``; each task demands
   each resource with probability 1/2, an amount uniform in ``1..capacity``.
2. **Level K** adds exactly ``K`` precedence edges, each from a task of an
   earlier layer to a task of a later layer, drawn in a random order and
   accepted only when it is *non-redundant*: no path already connects the two
   tasks, and the new edge does not make an existing edge implied. The final
   graph therefore has exactly ``K`` edges, all in its transitive reduction.
   Candidate edges are drawn from their own random stream, so for one seed
   the edges of level ``K`` are a subset of those of level ``K + 1`` (a ramp).
3. Extra constraint types, each switched on item by item with its own
   probability:

   * ``downtime``: each resource, with probability ``downtime``, gets one or
     two intervals during which its capacity drops to a level below its base
     (zero included);
   * ``disjunctive``: each task, with probability ``disjunctive``, is paired
     with a random task it is not precedence-related to; the two must not
     overlap;
   * ``windows``: each task, with probability ``windows``, gets a release
     time and a deadline around its start in the witness schedule, with a
     slack of at most its duration on each side.

4. The **witness**: a serial schedule (with justification) of a random
   precedence-feasible order, built after the precedence, downtime and
   disjunctive constraints are fixed; windows are then drawn around it. The
   witness is checked by the independent checker, kept in the instance, and
   the instance says ``"feasible_by_construction": true`` in its ``meta``.

``theme="datacentre"`` names tasks and resources after a data-centre
migration (racks, IT teams, forklifts, ...); ``"generic"`` uses ``T01``,
``R1``, ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from ..core.errors import ParameterError
from ..problems.rcpsp.model import RCPSP, Downtime

__all__ = ["generate_rcb", "generate_ramp", "parse_resources", "level_bound", "check_ramp", "THEMES"]

THEMES = ("generic", "datacentre")
MAX_TASKS = 5000
#: highest level: the greedy edge search costs about (edges so far + tasks) per edge, so that 20000 edges on 5000 tasks
#: take seconds and 10**9 would take forever (and no layering admits more than tasks**2 / 4 anyway)
MAX_LEVEL = 20_000
#: most tasks a ramp generates in all (levels times tasks): 1000 levels of 250 tasks, or 50 of 5000, in about half a
#: minute; the whole ramp is held in memory until every level has been generated
MAX_RAMP_TASKS = 250_000

_DC_STEPS = ["drain", "back up", "power down", "unrack", "move", "rerack", "cable", "power up", "validate",
             "hand over"]
_DC_RESOURCES = ["IT team", "forklift", "network engineers", "electricians", "cabling crew", "storage team",
                 "loading dock", "security escort"]
_DC_DOWNTIME = {"IT team": "team stand-down", "forklift": "forklift maintenance", "network engineers": "change freeze",
                "electricians": "shift change", "cabling crew": "shift change", "storage team": "backup window",
                "loading dock": "dock closed", "security escort": "escort unavailable"}


def parse_resources(spec: str | int, theme: str = "generic", rng: np.random.Generator | None = None
                    ) -> tuple[list[str], list[int]]:
    """Resource names and capacities from ``"3"`` (three resources, random capacities 2..8)
    or ``"teams=4,forklifts=2"`` (names and capacities)."""
    s = str(spec).strip()
    if re.fullmatch(r"\d+", s):
        k = int(s) if len(s.lstrip("0")) <= 6 else 10**6  # no int() of 5000 digits (Python refuses over 4300)
        if not 1 <= k <= 64:
            raise ParameterError(f"--resources: expected 1..64 resources, got {_short(s)}")
        rng = rng if rng is not None else np.random.default_rng(0)
        caps = [int(c) for c in rng.integers(2, 9, size=k)]
        if theme == "datacentre":
            names = [_DC_RESOURCES[i] if i < len(_DC_RESOURCES) else f"crew {i + 1}" for i in range(k)]
        else:
            names = [f"R{i + 1}" for i in range(k)]
        return names, caps
    names, caps = [], []
    for part in s.split(","):
        m = re.fullmatch(r"\s*([^=:,]+?)\s*[=:]\s*(\d+)\s*", part)
        if not m:
            raise ParameterError(f"--resources: expected a count or name=capacity pairs like 'teams=4,forklifts=2', "
                                 f"got {part!r}")
        c = int(m.group(2)) if len(m.group(2).lstrip("0")) <= 9 else 10**9
        if not 1 <= c <= 1_000_000:
            raise ParameterError(f"--resources: capacity of {m.group(1)!r} must lie in 1..1000000, got "
                                 f"{_short(m.group(2))}")
        names.append(m.group(1))
        caps.append(c)
    if len(set(names)) != len(names):
        raise ParameterError("--resources: resource names must be unique")
    return names, caps


def _short(text: str, limit: int = 40) -> str:
    """``text``, or its start and length when it is long (an error message stays readable)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def level_bound(tasks: int, layers: int) -> int:
    """At most this many non-redundant precedence edges fit ``tasks`` tasks in ``layers`` layers: edges join tasks of
    different layers, and a transitive reduction has no triangle, hence (Mantel) at most ``tasks**2 // 4`` edges."""
    n, m = int(tasks), int(layers)
    sizes = np.bincount((np.arange(n) * m) // n, minlength=m)  # the layering generate_rcb uses
    pairs = (n * n - int(np.sum(sizes.astype(np.int64) ** 2))) // 2
    return min(pairs, n * n // 4)


def _check_level(level: int, tasks: int, layers: int) -> None:
    """A level above :func:`level_bound`: said now, not after scanning millions of candidate edges."""
    if level > (bound := level_bound(tasks, layers)):
        raise ParameterError(f"level {level} needs {level} non-redundant precedence edges, but this layering admits "
                             f"only {bound} at most ({tasks} tasks in {layers} layers); use more tasks or layers, or "
                             "a lower level")


def _prob(v: float, what: str) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ParameterError(f"--{what} must be a probability in [0, 1], got {v!r}") from None
    if not 0.0 <= f <= 1.0:
        raise ParameterError(f"--{what} must be a probability in [0, 1], got {v!r}")
    return f


#: random greedy passes over the candidate edges before the bipartite construction (a pass can stop short of K: an
#: edge taken early rules out others, and 6 tasks in 6 layers had 7 of 9 on seed 1)
EDGE_TRIES = 8


def _nonredundant_edges(layer: np.ndarray, K: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """``K`` precedence edges, each joining an earlier layer to a later one, none implied by the others: random
    greedy passes first; where they stop short, ``K`` of the edges between the tasks before and after the best cut of
    the layer order (a bipartite graph has no path of two edges, so none of its edges is implied)."""
    most = 0
    for _ in range(EDGE_TRIES if layer.size <= 200 else 1):  # a pass over a large project takes seconds
        edges = _greedy_edges(layer, K, rng)
        if len(edges) == K:
            return edges
        most = max(most, len(edges))
    cross = _best_cut_edges(layer)
    if len(cross) >= K:
        pick = rng.choice(len(cross), size=K, replace=False)  # in random order: a ramp takes its prefixes
        return [cross[i] for i in pick]
    raise ParameterError(f"level {K} needs {K} non-redundant precedence edges; the generator found at most "
                         f"{max(most, len(cross))} for this layering (the bound it checks first cannot always be "
                         "reached); use more tasks or layers, or a lower level")


def _best_cut_edges(layer: np.ndarray) -> list[tuple[int, int]]:
    """Every edge from a task before to a task after the cut of the tasks (in layer order) with the most of them."""
    order = np.argsort(layer, kind="stable")
    lv = layer[order]
    n = lv.size
    best, at = -1, 0
    for c in range(1, n):  # prefix order[:c]: its tasks below the cut's layer L pair with every later task, those
        L = lv[c - 1]      # in layer L with the later tasks above L
        below = int(np.searchsorted(lv, L, side="left"))
        above = n - int(np.searchsorted(lv, L, side="right"))
        count = below * (n - c) + (c - below) * above
        if count > best:
            best, at = count, c
    return [(int(u), int(v)) for u in order[:at] for v in order[at:] if layer[u] < layer[v]]


def _greedy_edges(layer: np.ndarray, K: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    n = layer.shape[0]
    cand = np.argwhere(layer[:, None] < layer[None, :])
    cand = cand[rng.permutation(len(cand))]
    reach = np.zeros((n, n), dtype=bool)  # reach[a, b]: a path a -> b exists
    eye = np.eye(n, dtype=bool)  # rows of it: "u itself" (the diagonal of reach stays False: edges run forward)
    edges: list[tuple[int, int]] = []
    ea = np.zeros(0, dtype=np.int64)
    eb = np.zeros(0, dtype=np.int64)
    for u, v in cand:
        if len(edges) == K:
            break
        if reach[u, v]:
            continue
        into_u = reach[:, u] | eye[u]  # tasks that reach u (u included)
        from_v = reach[v, :] | eye[v]  # tasks v reaches (v included)
        if ea.size and np.any(into_u[ea] & from_v[eb]):
            continue  # an existing edge would become implied
        edges.append((int(u), int(v)))
        ea = np.append(ea, u)
        eb = np.append(eb, v)
        reach[np.ix_(into_u, from_v)] = True
        np.fill_diagonal(reach, False)  # O(n), not a scan of the n x n mask per edge
    return edges


def generate_rcb(
    tasks: int = 30,
    layers: int = 5,
    level: int = 10,
    resources: str | int = "3",
    downtime: float = 0.0,
    windows: float = 0.0,
    disjunctive: float = 0.0,
    seed: int = 0,
    theme: str = "generic",
    max_duration: int = 10,
    ramp_top: int | None = None,
) -> RCPSP:
    """One R-ConstraintBench instance (see the module documentation).

    ``ramp_top``: the top level of the ramp the instance belongs to (:func:`generate_ramp`); its precedence edges are
    the first ``level`` of that level's, so the ramp stays nested where the edges of its top level needed more than
    one random pass.

    Returns an :class:`~combopt.problems.rcpsp.RCPSP` whose ``witness`` is a
    feasible schedule and whose ``meta`` records the generator's parameters.
    """
    if not isinstance(tasks, (int, np.integer)) or not 2 <= tasks <= MAX_TASKS:
        raise ParameterError(f"--tasks must be an integer in 2..{MAX_TASKS}, got {tasks!r}")
    if not isinstance(layers, (int, np.integer)) or not 1 <= layers <= tasks:
        raise ParameterError(f"--layers must be an integer in 1..{tasks} (the number of tasks), got {layers!r}")
    if not isinstance(level, (int, np.integer)) or not 0 <= level <= MAX_LEVEL:
        raise ParameterError(f"--level must be an integer in 0..{MAX_LEVEL}, got {level!r}")
    _check_level(level, tasks, layers)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ParameterError(f"--seed must be a non-negative integer, got {seed!r}")
    if not isinstance(max_duration, (int, np.integer)) or not 1 <= max_duration <= 10_000:
        raise ParameterError(f"--max-duration must be an integer in 1..10000, got {max_duration!r}")
    if theme not in THEMES:
        raise ParameterError(f"--theme must be one of {', '.join(THEMES)}, got {theme!r}")
    p_down, p_win, p_disj = _prob(downtime, "downtime"), _prob(windows, "windows"), _prob(disjunctive, "disjunctive")
    n = int(tasks)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(7)]
    g_base, g_edges, g_down, g_disj, g_wit, g_win, g_res = streams

    rnames, caps = parse_resources(resources, theme, g_res)
    R = len(caps)
    layer = (np.arange(n) * int(layers)) // n
    dur = g_base.integers(1, int(max_duration) + 1, size=n)
    dem = np.zeros((n, R), dtype=np.int64)
    for r in range(R):
        uses = g_base.random(n) < 0.5
        dem[:, r] = np.where(uses, g_base.integers(1, caps[r] + 1, size=n), 0)
    top = int(level) if ramp_top is None else max(int(level), int(ramp_top))
    if top > level:
        _check_level(top, tasks, layers)
    edges = _nonredundant_edges(layer, top, g_edges)[: int(level)]
    succ: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        succ[u].append(v)
    if theme == "datacentre":
        steps = [_DC_STEPS[min(len(_DC_STEPS) - 1, (li * len(_DC_STEPS)) // int(layers))] for li in range(int(layers))]
        count = [0] * int(layers)
        names = []
        for i in range(n):
            count[layer[i]] += 1
            names.append(f"{steps[layer[i]]} rack {count[layer[i]]:02d}")
        if len(set(names)) != n:  # two layers share a step name: number the racks globally instead
            names = [f"{steps[layer[i]]} rack {i + 1:02d}" for i in range(n)]
    else:
        width = len(str(n))
        names = [f"T{i + 1:0{width}d}" for i in range(n)]

    # a first schedule without extras sets the time scale of the downtime intervals
    base = RCPSP(dur, dem, caps, succ, names=names, resource_names=rnames)
    scale = _random_schedule_makespan(base, g_wit)
    down: list[Downtime] = []
    for r in range(R):
        if g_down.random() < p_down:
            for _ in range(1 + int(g_down.random() < 0.5)):
                start = int(g_down.integers(0, max(1, scale)))
                length = int(g_down.integers(1, max(2, scale // 8) + 1))
                lvl = int(g_down.integers(0, caps[r]))
                reason = _DC_DOWNTIME.get(rnames[r], "maintenance") if theme == "datacentre" else "downtime"
                down.append(Downtime(r, start, start + length, lvl, reason))
    reach = _reachability(n, edges)
    pairs: set[tuple[int, int]] = set()
    for i in range(n):
        if g_disj.random() < p_disj:
            free = np.flatnonzero(~reach[i] & ~reach[:, i])
            free = free[free != i]
            free = np.array([j for j in free if (min(i, j), max(i, j)) not in pairs], dtype=np.int64)
            if free.size:
                j = int(free[g_disj.integers(0, free.size)])
                pairs.add((min(i, j), max(i, j)))
    pairs_l = sorted(pairs)
    fixed = RCPSP(dur, dem, caps, succ, names=names, resource_names=rnames, downtime=down, disjunctive=pairs_l)
    witness = _witness(fixed, g_wit)
    release: list[int | None] = [None] * n
    deadline: list[int | None] = [None] * n
    for i in range(n):
        if g_win.random() < p_win:
            release[i] = max(0, int(witness[i]) - int(g_win.integers(0, dur[i] + 1)))
            deadline[i] = int(witness[i] + dur[i]) + int(g_win.integers(0, dur[i] + 1))
    meta = {
        "generator": "R-ConstraintBench (combopt.generators.rcb)",
        "reference": "Jain & Wetter 2025, arXiv 2508.15204",
        "feasible_by_construction": True,
        "tasks": n, "layers": int(layers), "level": int(level), "precedence_edges": len(edges),
        "resources": ",".join(f"{a}={c}" for a, c in zip(rnames, caps, strict=True)),
        "downtime_p": p_down, "windows_p": p_win, "disjunctive_p": p_disj,
        "downtime_intervals": len(down), "windows": int(sum(d is not None for d in deadline)),
        "disjunctive_pairs": len(pairs_l), "seed": int(seed), "theme": theme, "max_duration": int(max_duration),
        "witness_makespan": int(np.max(witness + dur)),
    }
    if top > level:
        meta["ramp_top"] = top  # the edges are the first `level` of this level's
    name = f"rcb-n{n}-m{int(layers)}-k{int(level)}-s{int(seed)}"
    problem = RCPSP(dur, dem, caps, succ, names=names, resource_names=rnames, release=release, deadline=deadline,
                    downtime=down, disjunctive=pairs_l, witness=witness, name=name, meta=meta)
    ev = problem.evaluate(witness)
    if not ev.feasible:  # pragma: no cover - a generator bug, not a user error
        raise RuntimeError(f"generated witness is infeasible: {ev.violations[:3]}")
    return problem


def generate_ramp(levels: Iterable[int], **kw) -> list[RCPSP]:
    """:func:`generate_rcb` at each level (same seed: nested precedence edges)."""
    levels = [int(k) for k in levels]
    check_ramp(levels, kw.get("tasks", 30), kw.get("layers", 5))
    return [generate_rcb(level=k, ramp_top=max(levels), **kw) for k in levels]


def check_ramp(levels: list[int], tasks, layers) -> None:
    """Refuse a ramp larger than :data:`MAX_RAMP_TASKS` tasks in all, or with a level past :data:`MAX_LEVEL` or past
    what the layering admits, before any work (the levels below are generated first, and thrown away)."""
    if levels and max(levels) > MAX_LEVEL:
        raise ParameterError(f"--level must lie in 0..{MAX_LEVEL}, got {max(levels)}")
    ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (tasks, layers))
    if ints and not 2 <= tasks <= MAX_TASKS:  # the task range first (a ramp's total named 10^10 tasks as the fault)
        raise ParameterError(f"--tasks must be an integer in 2..{MAX_TASKS}, got {tasks!r}")
    if levels and ints and 2 <= tasks <= MAX_TASKS and 1 <= layers <= tasks:
        _check_level(max(levels), tasks, layers)
    if isinstance(tasks, (int, np.integer)) and 0 < tasks and len(levels) * int(tasks) > MAX_RAMP_TASKS:
        raise ParameterError(f"a ramp of {len(levels)} levels of {tasks} tasks generates {len(levels) * int(tasks)} "
                             f"tasks in all; at most {MAX_RAMP_TASKS} (fewer levels or tasks, or several runs)")


def _reachability(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    reach = np.zeros((n, n), dtype=bool)
    succ: list[list[int]] = [[] for _ in range(n)]
    indeg = np.zeros(n, dtype=np.int64)
    for u, v in edges:
        succ[u].append(v)
        indeg[v] += 1
    order = []
    stack = [i for i in range(n) if indeg[i] == 0]
    while stack:
        u = stack.pop()
        order.append(u)
        for v in succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    for u in reversed(order):
        for v in succ[u]:
            reach[u, v] = True
            reach[u] |= reach[v]
    return reach


def _random_list(problem: RCPSP, rng: np.random.Generator) -> np.ndarray:
    from ..solvers.rcpsp.operators import sample_lists

    a = problem.kernel_arrays()
    out = np.zeros((1, problem.n), dtype=np.int32)
    seeds = rng.integers(1, 2**63 - 1, size=1, dtype=np.int64).astype(np.uint64)
    sample_lists(np.zeros(problem.n), a["pred_ptr"], a["pred_idx"], a["succ_ptr"], a["succ_idx"], seeds, 0.0, out)
    return out


def _random_schedule_makespan(problem: RCPSP, rng: np.random.Generator) -> int:
    from ..solvers.rcpsp.decoder import BatchDecoder

    _, info = BatchDecoder(problem, threads=False).decode(_random_list(problem, rng), fbi=False)
    return int(info[0, 0])


def _witness(problem: RCPSP, rng: np.random.Generator) -> np.ndarray:
    from ..solvers.rcpsp.decoder import BatchDecoder

    starts, info = BatchDecoder(problem, threads=False).decode(_random_list(problem, rng), fbi=True)
    if info[0, 0] < 0:  # pragma: no cover - the safe horizon always fits a serial schedule
        raise RuntimeError("could not build a witness schedule")
    return starts[0].astype(np.int64)
