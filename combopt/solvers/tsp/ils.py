"""The ``tsp-ls`` solver: iterated local search over the family's 2-opt/Or-opt/3-opt kernels.

Double-bridge kick, local search around the kick (2-opt, Or-opt and the 3-opt move of
combopt.problems.tsp.local), accept when not worse, restart from a random nearest-neighbour
tour after a stall; several walks in parallel (Numba ``prange``). Without a distance matrix (coordinate
instances above 5000 cities) the kernels compute distances from the points, candidates come from a k-d tree
and the walks start from a Hilbert-curve tour (``distances``).
Imports: core, generic solver helpers and combopt.problems.tsp.
"""

from __future__ import annotations

import itertools
import math
import time

import numpy as np
from numba import get_num_threads, njit, prange

from ...core.budget import StepBudget
from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...core.rng import randbelow as _randint
from ...core.stopping import AnyOf, TargetObjective
from ...problems.tsp.assignment import assignment_descent
from ...problems.tsp.asymmetric import (
    ASSIGNMENT_MAX,
    JV_MAX,
    SHIFT_EXPLAINED,
    assignment_time,
    from_jv,
    jv_matrix,
    oriented,
    potential_shifted,
    symmetric_route,
    to_jv,
)
from ...problems.tsp.bound import tour_length
from ...problems.tsp.local import _d, _improve, _journal, _local_search, _nearest_neighbour, _push, dense_metric
from ...problems.tsp.metric import plain
from ...problems.tsp.model import hilbert_order
from ...problems.tsp.tsplib import COORD_TYPES, MAX_DIMENSION
from ..common import choice, finite_float, flag, positive_int, reject_unknown, replica_memory

#: changed stretches of the tour one kick notes (the double bridge and each reversal of its local search) before
#: the walk falls back to copying the whole tour
JOURNAL = 64
#: default length of the Lin-Kernighan chains of 3-opt steps in the local search (``lk_depth``; 1: plain 3-opt)
LK_DEPTH = 8


@njit(cache=True)
def _double_bridge(tour, pos, D, state, max_len, buf, queue, inq, qs, pair=0):
    """Swap two adjacent random segments B, C (``A B C z -> A C B z``); returns the length change. ``pair > 0``:
    the tour is an asymmetric TSP's Jonker-Volgenant transformation, city ``i`` and its copy ``i + pair`` joined by
    a ghost edge; the three cuts are moved off ghost edges, so that a proper tour stays proper (a double bridge of
    the directed tour) instead of paying the offset for each ghost edge cut."""
    n = tour.shape[0]
    lim = min(max_len, (n - 2) // 2)
    i = _randint(state, n)
    L1 = 1 + _randint(state, lim)
    L2 = 1 + _randint(state, lim)
    if pair > 0:
        if abs(tour[i] - tour[(i + 1) % n]) == pair:
            i = (i + 1) % n
        if abs(tour[(i + L1) % n] - tour[(i + L1 + 1) % n]) == pair:
            L1 = L1 + 1 if L1 < lim else L1 - 1
        if abs(tour[(i + L1 + L2) % n] - tour[(i + L1 + L2 + 1) % n]) == pair:
            L2 = L2 + 1 if L2 < lim else L2 - 1
    A = tour[i]
    b0 = tour[(i + 1) % n]
    bL = tour[(i + L1) % n]
    c0 = tour[(i + L1 + 1) % n]
    cL = tour[(i + L1 + L2) % n]
    z = tour[(i + L1 + L2 + 1) % n]
    delta = _d(D, A, c0) + _d(D, cL, b0) + _d(D, bL, z) - _d(D, A, b0) - _d(D, bL, c0) - _d(D, cL, z)
    for r in range(L2):
        buf[r] = tour[(i + L1 + 1 + r) % n]
    for r in range(L1):
        buf[L2 + r] = tour[(i + 1 + r) % n]
    for r in range(L1 + L2):
        p = (i + 1 + r) % n
        tour[p] = buf[r]
        pos[buf[r]] = p
    _journal(qs, (i + 1) % n, L1 + L2)
    for x in (A, b0, bL, c0, cL, z):
        _push(queue, inq, qs, x)
    return delta


@njit(cache=True)
def _restart(cur, best, D, nbr, state, lens, counts, use_three, from_best, eps):
    """Restart a stalled walk: from its best tour, or from a new random nearest-neighbour tour."""
    n = cur.shape[0]
    if from_best and lens[1] < np.inf:
        cur[:] = best
        lens[0] = lens[1]
    else:
        t0 = _nearest_neighbour(D, _randint(state, n))
        lens[0] = _improve(t0, D, nbr, plain(True), plain(True), eps, use_three)
        cur[:] = t0
        if lens[0] < lens[1] - eps:
            best[:] = cur
            lens[1] = lens[0]
    counts[0] = 0


@njit(cache=True)
def ils_walk(cur, best, D, nbr, kicks, state, lens, counts, restart_after, target, max_len, eps, use_three=False,
             accept=0.0, from_best=False, use_or=True, pair=0):
    """Continue one iterated-local-search walk for ``kicks`` kicks.

    ``cur``/``best``: current and best tours (in place); ``lens`` float64
    ``[cur_len, best_len]`` (``inf`` before the walk starts: it then starts
    from a random nearest-neighbour tour); ``counts`` int64 ``[stall,
    restarts]``; ``state``: one-element uint64 xorshift state. Stops early
    when ``best_len <= target``. ``use_three``: the 3-opt move in the local
    search; ``accept``: a kicked tour is accepted when at most ``accept`` times
    the average edge length of the best tour longer than the current one (0:
    when not worse); ``from_best``: a stalled walk restarts from its best tour
    (else from a new nearest-neighbour tour). With ``accept > 0`` the stall
    counts the kicks since the walk's best improved, else since the current one did. ``use_or``: the
    Or-opt move in the local search after a kick (restarts always use it). ``pair``: see :func:`_double_bridge`.
    """
    n = cur.shape[0]
    trial = cur.copy()
    pos = np.empty(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    inq = np.zeros(n, dtype=np.bool_)
    qs = np.zeros(3 + 2 * JOURNAL, dtype=np.int64)  # queue start and size, then the journal of changed positions
    buf = np.empty(n, dtype=np.int64)
    if lens[0] == np.inf:
        _restart(cur, best, D, nbr, state, lens, counts, use_three, plain(False), eps)
    if n < 8:
        return
    synced = False  # trial and pos equal cur (kept so between kicks: only the journaled positions are copied)
    stale = False  # best is behind cur (which is then the best tour)
    for _ in range(kicks):
        if lens[1] <= target:
            break
        if not synced:
            for k in range(n):
                trial[k] = cur[k]
                pos[cur[k]] = k
            synced = True
        qs[2] = 0
        length = lens[0] + _double_bridge(trial, pos, D, state, max_len, buf, queue, inq, qs, pair)
        length += _local_search(trial, pos, D, nbr, queue, inq, qs, plain(True), use_or, eps, use_three)
        if accept > 0:
            if length < lens[1] - eps:
                counts[0] = 0
            else:
                counts[0] += 1
        elif length < lens[0] - eps:
            counts[0] = 0
        else:
            counts[0] += 1
        keep = length <= lens[0] + eps + accept * lens[1] / n
        if qs[2] > JOURNAL:  # too many changes noted: whole copies
            if keep:
                cur[:] = trial
            else:
                synced = False
        else:
            for e in range(qs[2]):
                for r in range(qs[4 + 2 * e]):
                    p = (qs[3 + 2 * e] + r) % n
                    if keep:
                        cur[p] = trial[p]
                    else:
                        trial[p] = cur[p]
                        pos[cur[p]] = p
        if keep:
            lens[0] = length
            if length < lens[1] - eps:
                lens[1] = length
                if accept > 0:
                    best[:] = cur
                else:  # never worse than its best: cur is it, copied once when the call ends or restarts
                    stale = True
        if counts[0] >= restart_after:
            if stale:
                best[:] = cur
                stale = False
            _restart(cur, best, D, nbr, state, lens, counts, use_three, from_best, eps)
            counts[1] += 1
            synced = False
    if stale:
        best[:] = cur


@njit(parallel=True, cache=True)
def ils_batch(CUR, BEST, D, nbr, kicks, states, LENS, COUNTS, restart_after, target, max_len, eps, use_three=False,
              accept=0.0, from_best=False, use_or=True, pair=0):
    """:func:`ils_walk` on each row (independent walks, in parallel)."""
    for r in prange(CUR.shape[0]):
        ils_walk(CUR[r], BEST[r], D, nbr, kicks, states[r:r + 1], LENS[r], COUNTS[r], restart_after, target,
                 max_len, eps, use_three, accept, from_best, use_or, pair)



# ------------------------------------------------------------------------------- solver
BRUTE_FORCE_MAX = 9  # up to 8! orderings of the other cities


def _brute_force(D) -> np.ndarray:
    """Optimal tour by enumeration (city 0 first), for very small ``n``."""
    n = D.shape[0]
    if n <= 2:  # one tour (three cities have two: both directions, which differ when asymmetric)
        return np.arange(n, dtype=np.int64)
    rest = np.array(list(itertools.permutations(range(1, n))), dtype=np.int64)
    T = np.concatenate([np.zeros((rest.shape[0], 1), dtype=np.int64), rest], axis=1)
    lengths = D[T, np.roll(T, -1, axis=1)].sum(axis=1)
    return T[int(np.argmin(lengths))]


def _target(ctx: SolveContext) -> float:
    """The run's target objective (``-inf`` when none), for early stops inside the kernel."""
    crit = ctx.state.criterion
    for c in crit.criteria if isinstance(crit, AnyOf) else [crit]:
        if isinstance(c, TargetObjective) and math.isfinite(c.target):
            return float(c.target) + 1e-9
    return -math.inf


#: seconds per city of the first local search (2-opt, Or-opt, 3-opt) from a Hilbert-curve tour without a matrix:
#: measured 2.0 s at 100,000 and 3.5-5.4 s at 200,000 uniform cities; skipped when the run has less than twice that
IMPROVE_S_PER_CITY = 3e-5
#: the same with the Lin-Kernighan chains (measured 0.97 s at 20,000 and 15 s at 200,000 cities, a 4 % shorter
#: tour there): they search the first tour when the run has twice that, else the single 3-opt move does
IMPROVE_LK_S_PER_CITY = 8e-5
#: coordinate instances above this size report their Hilbert-curve order before the matrix path's set-up
HILBERT_FIRST_MIN = 2000
SPANNING_TREE_S_PER_CITY = 1e-5  # the Delaunay spanning-tree bound: measured about 2 s at 200,000 cities
ALPHA_SHARE = 0.1   # at most this share of a timed run's time goes to the ascent for the alpha candidates
ONE_TREE_S = 3e-9   # seconds per n^2 of one 1-tree (measured about 2.4e-9 on 5000 cities)
ALPHA_PASS_S = 2e-8  # seconds per n^2 of the alpha pass after the ascent (measured 1.6e-8 to 5e-8 on 5000-10,000)


#: the Jonker-Volgenant route's start (Zhang's truncated branch and bound on the assignment relaxation,
#: :mod:`combopt.problems.tsp.assignment`): at most this share of a timed run's time left, up to ASSIGNMENT_MAX cities
DESCENT_SHARE = 0.25
#: the walks start from the descent's tour only where it is within this share of the relaxation (a tight relaxation:
#: random arcs, triangle-closed random arcs, flow shops, disk drives, superstrings). On looser ones (near-symmetric
#: random matrices, 3.7 % above it at 300 cities; one-way streets 2.2 %; stacker cranes 7 %) the walks from that
#: start ended further from LKH on the near-symmetric class than from nearest-neighbour tours (0.258 % against 0.158 %
#: over four runs at 10 s; benchmarks/README.md, section atsp_lkh.py)
DESCENT_TIGHT = 0.01


def _assignment_start(problem, D, nbr, CUR, BEST, LENS, ctx: SolveContext, info: dict, use_three: int) -> None:
    """The tour of :func:`assignment_descent` (patched where its share of the time ran out) is reported; where it is
    within ``DESCENT_TIGHT`` of the relaxation every walk starts from it, after a local search on the
    transformation. Random arcs (1000 cities): the descent's tour is within 0.04-0.56 % of the assignment bound in
    0.2-1.3 s, where the walks from nearest-neighbour tours ended about 1 % above LKH at 10 s (now 0.11 %)."""
    n0 = problem.n
    if n0 > ASSIGNMENT_MAX or ctx.state.should_stop():
        return
    left = ctx.time_left
    if math.isfinite(left) and DESCENT_SHARE * left < 2 * assignment_time(n0):
        return  # no time for the root relaxation (scipy's assignment) twice over
    deadline = time.monotonic() + DESCENT_SHARE * left if math.isfinite(left) else None
    tour, di = assignment_descent(problem.D, deadline)
    if tour is None:
        return
    ev = problem.evaluate(tour)
    if not ev.feasible:
        return
    ctx.state.report(ev.objective, tour)
    rel = di["relaxation"]
    # relative to the relaxation; none where it is 0 or less (br17: 39 against 0 was "39000000000")
    gap = (ev.objective - rel) / rel if rel > 0 else math.inf
    info.update(assignment_nodes=di["nodes"], assignment_gap=round(gap, 5) if math.isfinite(gap) else None)
    if gap > DESCENT_TIGHT:  # a loose relaxation: its tour is a poor start (the walks start as before)
        return
    T = to_jv(tour, n0)
    length = _improve(T, D, nbr, True, True, 0.5, use_three)
    CUR[:], BEST[:], LENS[:] = T, T, length
    how = "complete" if di.get("complete") else f"patched at its deadline ({di.get('patched')} cycles)"
    info.update(start=f"assignment descent ({how})")


def _candidates(problem, D, kind: str, k: int, ctx: SolveContext,
                iterations: int) -> tuple[np.ndarray, str, float | None]:
    """Candidate lists: the ``k`` nearest cities, or the ``k`` of smallest alpha-nearness (falls back to
    the nearest when a timed run has too little time for a few ascent steps); with the Held-Karp bound of the
    alpha ascent (``None`` without one)."""
    if kind == "alpha":
        left = ctx.time_left
        budget = ALPHA_SHARE * left if math.isfinite(left) else math.inf
        if budget >= (8 * ONE_TREE_S + ALPHA_PASS_S) * problem.n ** 2:  # a few ascent steps and the pass
            from ...problems.tsp.bound import alpha_candidates, held_karp

            # the ascent stops in time for about 3 more 1-trees; the alpha pass comes on top (2 to 5 s at
            # 10,000 cities, so a run needs about 45 s there before it uses alpha candidates)
            deadline = None if budget == math.inf else time.monotonic() + budget - 3 * ONE_TREE_S * problem.n ** 2
            hk = held_karp(D, iterations, upper=tour_length(_nearest_neighbour(D, 0), D), deadline=deadline)
            return alpha_candidates(D, k, pi=hk.pi)[0], "alpha", hk.bound
    return problem.neighbours(k), "nearest", None


#: the sparse Held-Karp bound without a matrix (combopt.problems.tsp.sparse_bound): at most this share of a timed
#: run, each city's this many nearest as candidate edges (with 12 the bound came 0.2 % below the matrix ascent's on
#: 2000 uniform cities, with 8 1.5 %), seconds per city of one 1-tree (measured 0.39-0.44 s at 200,000 cities) and
#: of the candidate graph (k-d tree and edges, 2.3 s there; the Delaunay edges, which join clusters, 2.4-2.6 s more)
BOUND_SHARE = 0.1
BOUND_NEIGHBOURS = 12
SPARSE_TREE_S_PER_CITY = 2.2e-6
SPARSE_GRAPH_S_PER_CITY = 1.2e-5
DELAUNAY_S_PER_CITY = 1.3e-5
BOUND_ITERATIONS = 100  # the ascent's 1-trees in a run without a time limit
#: candidates without a matrix (``alpha``, the default, where the bound's ascent ran): each city's this many
#: neighbours of smallest pi-nearness among its 12 nearest and Delaunay neighbours. Measured at 20 s, one run each,
#: against the 10 nearest (side measurements, not kept in a results file): 10 shorter on 7 of 8 held-out instances
#: (20,000 cities, seeds 3000-3003, uniform 0.06-0.16 % and 20 clusters 0.38-1.19 %; 50,000 clustered, seed 3004,
#: 0.06 % longer), 8 on 6 of 8 (uniform 0.09-0.14 % shorter on all four, clustered 2.5 % shorter to 0.44 % longer)
PI_K = 10
#: with a matrix, above this many cities (where the problem's own bound is the spanning tree, not Held-Karp) a run
#: with no time for the matrix's alpha ascent takes the sparse ascent's bound and pi-nearness candidates instead.
#: Measured at 1 and 2 s on uniform cities (benchmarks/tsp_matrix_limit.py --sizes 1500 2000 3000 --limits 1 2
#: --seeds 31 32, side runs): 1000 instead of 3000 took the runs that had used the 10 nearest (8 of 12) 0.03-0.36 %
#: shorter, all 8
SPARSE_MATRIX_MIN = 1000


def _sparse_bound(points, upper: float, ctx: SolveContext, info: dict, k_pi: int = 0) -> tuple:
    """The sparse Held-Karp bound of a coordinate instance (:mod:`combopt.problems.tsp.sparse_bound`) within
    :data:`BOUND_SHARE` of the time left, with the Delaunay edges where that share has room for them (EUC_2D,
    CEIL_2D, ATT), and then at least the spanning tree of those edges (distinct points: the graph holds a minimum
    spanning tree), with the ``k_pi`` candidates of smallest pi-nearness under the ascent's multipliers
    (``(bound, candidates)``; ``(None, None)`` when it has no room for the graph and three 1-trees)."""
    from ...problems.tsp.model import delaunay_edges
    from ...problems.tsp.sparse_bound import candidate_graph, graph_spanning_tree, pi_nearness, sparse_held_karp

    n = points.n
    left = ctx.time_left
    budget = BOUND_SHARE * left if math.isfinite(left) else math.inf
    if n < 4 or budget < (SPARSE_GRAPH_S_PER_CITY + 3 * SPARSE_TREE_S_PER_CITY) * n:
        return None, None
    t0 = time.monotonic()
    euclidean = points.edge_weight_type in ("EUC_2D", "CEIL_2D", "ATT")
    extra = None
    if euclidean and budget >= (SPARSE_GRAPH_S_PER_CITY + DELAUNAY_S_PER_CITY + 20 * SPARSE_TREE_S_PER_CITY) * n:
        extra = delaunay_edges(points.points)
    graph = candidate_graph(points.neighbours(min(BOUND_NEIGHBOURS, n - 1)), points.edge_lengths, extra)
    deadline = None if budget == math.inf else t0 + budget - SPARSE_TREE_S_PER_CITY * n
    tree = None
    if extra is not None and np.unique(points.points, axis=0).shape[0] == n:  # the edges hold a spanning tree
        tree = graph_spanning_tree(graph)
    hk = sparse_held_karp(graph, upper, BOUND_ITERATIONS if deadline is None else 1_000_000, deadline,
                          tree=None if tree is None else tree[1])
    info.update(bound_method="sparse Held-Karp" + (" (candidates + Delaunay edges)" if extra is not None else ""),
                bound_iterations=hk.iterations)
    bound = hk.bound
    if tree is not None and tree[0] > bound:
        bound = tree[0]
        info["bound_method"] = "spanning tree (above the sparse Held-Karp ascent)"
    nbr = pi_nearness(graph, hk.pi, min(k_pi, n - 1)) if k_pi else None
    info["bound_s"] = round(time.monotonic() - t0, 3)
    return bound, nbr


def _point_candidates(points, kind: str, k: int, ctx: SolveContext) -> tuple[np.ndarray, str]:
    """Candidate lists without a matrix: the 5 nearest and the Delaunay neighbours (``delaunay``, when the time
    allows a triangulation, about 1e-5 s per city), else the ``k`` nearest of a k-d tree (``alpha`` needs the
    matrix's 1-trees). One k-d tree query serves these and the bound's :data:`BOUND_NEIGHBOURS`."""
    points.neighbours(max(k, BOUND_NEIGHBOURS))
    near = points.neighbours(k)
    if kind == "delaunay" and ctx.time_left >= 10 * SPANNING_TREE_S_PER_CITY * points.n:
        nbr = points.delaunay_candidates(k)
        if nbr is not near:
            return nbr, "5 nearest + Delaunay neighbours"
    return near, "nearest (k-d tree)"


def _point_view(problem, distances: str):
    """The problem without a matrix (distances from its points) when the run uses the points, else ``None``."""
    if distances == "matrix" and not problem.dense:
        if problem.n > MAX_DIMENSION:
            raise ParameterError(f"distances=matrix: {problem.name} keeps no distance matrix ({problem.n} cities; "
                                 f"one is built for at most {MAX_DIMENSION})")
        return None  # the problem builds its matrix (TSP.D)
    if problem.dense and distances != "points":
        return None
    if problem.dense:
        if problem.coords is None or problem.edge_weight_type not in COORD_TYPES:
            raise ParameterError(f"distances=points needs coordinates and a coordinate EDGE_WEIGHT_TYPE "
                                 f"({', '.join(COORD_TYPES)}); {problem.name} has "
                                 f"{problem.edge_weight_type or 'an explicit matrix'}")
        return type(problem).from_coords(problem.coords, problem.edge_weight_type, name=problem.name, dense=False)
    return problem


@register_solver(
    "tsp-ls",
    problems=("tsp",),
    description="iterated local search: 2-opt + Lin-Kernighan chains of 3-opt steps with neighbour lists, "
                "double-bridge kicks, "
                "restarts from random nearest-neighbour tours; parallel walks (Numba CPU)",
    default_for=("tsp",),
    params=("num_walks", "kicks", "candidates", "neighbours", "ascent", "restart_after", "segment", "three_opt",
            "lk_depth", "accept", "restart_best", "or_opt", "distances", "assignment_start"),
)
def tsp_ls(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``num_walks`` independent walks (default 1), ``kicks`` per walk and
    outer iteration (default ``max(100, min(10 n, 2e6 / n), n / 200)``), ``candidates`` the candidate
    lists: ``alpha`` (default) the cities of smallest alpha-nearness (LKH's: the increase of a minimum
    1-tree when the edge is forced in, under node penalties from ``ascent`` Held-Karp subgradient steps,
    default 50, stopped after a tenth of the time left; a timed run with too little time for a few
    steps uses the nearest instead, or above 3000 cities with coordinates the 10 of smallest pi-nearness from the
    sparse ascent that also gives the bound: at 5 s on 5000 and 20 s on 10,000 held-out uniform cities 4 of 5
    runs shorter than with the nearest, -0.11 % to +0.04 %, side measurements), ``nearest``, or ``delaunay``
    (coordinate instances: each city's 5 nearest and
    its Delaunay neighbours, the ``neighbours`` shortest of them; measured at 20 s on held-out instances of 5000
    and 20,000 cities against the 10 nearest: 0.02-0.20 % shorter on three clustered ones, 0.06-0.15 % longer on
    four uniform runs, so not the default), ``neighbours`` candidate-list size (default 5 for
    alpha, 10 for nearest), ``restart_after`` kicks without improvement before a
    walk restarts from a new nearest-neighbour tour (default ``max(1000, 50 n)``),
    ``segment`` longest segment of a double-bridge kick (default 200), ``three_opt`` the 3-opt move in the local
    search (default true), ``lk_depth`` the longest Lin-Kernighan chain of 3-opt steps
    (:func:`combopt.problems.tsp.kopt._try_lk`; default 8, 1: the single 3-opt move), ``or_opt`` the Or-opt move in
    the local search after a kick (default: only without ``three_opt``; the 3-opt neighbourhood holds most Or-opt
    moves, and the Or-opt search that finds nothing was most of the time of a kick), ``accept`` accept kicked tours
    up to this many average edge lengths worse (default 0: not worse), ``restart_best`` restart a stalled walk from
    its best tour instead of a new one (default false), ``distances``: ``matrix`` (the problem's distance matrix),
    ``points`` (distances computed from the coordinates: no matrix; in place of alpha the 10 cities of smallest
    pi-nearness under the multipliers of the bound's sparse Held-Karp ascent, or the 10 nearest of a k-d tree where
    the ascent had no room; walks start from a Hilbert-curve tour and restart from their best) or ``auto`` (default:
    the matrix where the problem keeps one: coordinate files up to 5000 cities, explicit matrices).
    Asymmetric instances: the walks run on the symmetric part ``D + D.T`` where the instance is symmetric up to a
    potential within 0.01 % of every tour (:func:`combopt.problems.tsp.asymmetric.symmetric_route`: tilted costs;
    a tour optimal there is within twice the slack of the ATSP's optimum, and the bound is the symmetric one halved
    less the slack), else on the Jonker-Volgenant transformation (2n nodes), built from lengths shifted by the
    least-squares potential where it explains at least half of the asymmetry (flow shops; every tour keeps its length).
    On the transformation route the run first takes Zhang's truncated branch and bound on the assignment relaxation
    (:mod:`combopt.problems.tsp.assignment`, at most a quarter of the time) and reports its tour; the walks start
    from it where it is within 1 % of the relaxation (``assignment_start``, default true: false skips the descent).

    Measured on random uniform instances (EUC_2D), gap to LKH (elkai, one run), one thread: 3-opt took
    the mean gap at 20 s from 0.35 % to 0.31 % (1000 cities) and from 0.80 % to 0.68 % (5000). Dropping
    Or-opt after the kicks (about 5 times as many kicks) and segments up to 200 instead of 50 (up to 20,
    100, 400 or 1000 measured worse) then took it, on four other instances each, at 20 s from 0.24 % to
    0.06 % (1000) and from 0.57 % to 0.34 % (5000; two seeded runs per instance), at 60 s from 0.17 % to
    0.04 % and from 0.45 % to 0.27 % (one run), every run better (not kept in a results file). ``accept``
    and ``restart_best`` did not measure better. Alpha candidates (5) instead of the 10 nearest, 20 s, two
    seeded runs on each of four further instances: at 5000 cities from 0.33 % to 0.28 % (every run better,
    and on the four tuning instances too), at 1000 from 0.059 % to 0.051 % (4 of 8 better, one tie); 7
    alpha candidates, or a 300-step ascent, measured no better than the nearest. Chains of 3-opt steps
    (``lk_depth`` 8 against 1; tuning seeds 3000-3003, 10-20 s, side runs): level with LKH instead of 0.03 %
    above on two 1000-city instances, 0.10-0.15 % shorter at 5000 and 0.19 % at 20,000 cities (points); on
    asymmetric instances (the transformation) 1.4 % to 0.1 % above LKH on random arcs at 300 cities, 17 %
    shorter at 3000, mixed on tilted and flow-shop ones (-0.9 % to +0.25 %). Depths 3, 5 and 12: no better overall;
    choosing the tentative step by its closed gain instead of its open gain was worse on random arcs."""
    n = problem.n
    R = positive_int(params, "num_walks", 1)
    # above 20,000 cities more kicks per call: each call's O(n) set-up and report are then shared by more kicks
    kicks = positive_int(params, "kicks", max(100, min(10 * n, 2_000_000 // max(n, 1)), n // 200))
    kind = choice(params, "candidates", "alpha", ("alpha", "nearest", "delaunay"))
    k_given = "neighbours" in params
    k = positive_int(params, "neighbours", 5 if kind == "alpha" else 10)
    ascent = positive_int(params, "ascent", 50)
    restart_after = positive_int(params, "restart_after", max(1000, 50 * n))
    seg = positive_int(params, "segment", 200)
    use_three = flag(params, "three_opt", True)
    lk_depth = positive_int(params, "lk_depth", LK_DEPTH)
    accept = finite_float(params, "accept", 0.0, lo=0.0, hi=1e6)
    from_best = flag(params, "restart_best", False)
    use_or = flag(params, "or_opt", not use_three)
    use_three = (lk_depth if lk_depth >= 2 else 1) if use_three else 0
    distances = choice(params, "distances", "auto", ("auto", "matrix", "points"))
    descent = flag(params, "assignment_start", True)
    reject_unknown(params, "tsp-ls")
    replica_memory(R, n, "num_walks", 32)
    info = {"num_walks": R, "kicks": kicks, "neighbours": min(k, n - 1), "restart_after": restart_after,
            "three_opt": bool(use_three), "lk_depth": lk_depth if use_three else 0, "or_opt": use_or, "segment": seg}
    if n <= BRUTE_FORCE_MAX:
        tour = _brute_force(problem.edge_lengths(*np.indices((n, n))))
        ev = problem.evaluate(tour)
        ctx.state.report(ev.objective, tour)
        ctx.state.next_iteration()
        # every tour was measured: its length is its own bound (a weaker bound from elsewhere does not doubt it)
        return SolverOutput(solution=tour, bound=ev.objective, proven_optimal=True,
                            info={**info, "method": "enumeration"})
    target = _target(ctx)
    view, decode, shift, pair = problem, None, 0.0, 0
    slack, halve = 0.0, False
    if problem.asymmetric:  # the walks run on the symmetric part or the Jonker-Volgenant transformation
        if distances == "points" or kind == "delaunay":
            raise ParameterError("an asymmetric TSP has no coordinates: distances=points and candidates=delaunay "
                                 "do not apply")
        start = problem.construct()  # nearest neighbour (numpy): an answer before the set-up (1 s at 3000 cities)
        ctx.state.report(problem.evaluate(start).objective, start)
        D_arcs = problem.D
        S2, slack = symmetric_route(D_arcs)
        if S2 is not None:
            # symmetric up to a potential (tilted costs): the walks run on D + D.T (each tour twice its length
            # under the symmetric part), which no tour's length under D differs from by more than the slack
            view = type(problem)(S2, name=f"{problem.name}-sym", copy=False)

            def decode(T):
                return oriented(T, D_arcs)

            target = 2.0 * (target - slack)
            halve = True
            info.update(transformation="symmetric part (asymmetric up to a potential)", potential_slack=slack)
    if problem.asymmetric and not halve:
        D_shift, explained = potential_shifted(problem.D) if n <= JV_MAX else (problem.D, 0.0)
        try:  # the same tour lengths; the ascent and the candidates start without the potential's asymmetry
            S, M = jv_matrix(D_shift if explained >= SHIFT_EXPLAINED else problem.D)  # refuses above its size limit
        except ParameterError:  # the shifted lengths out of range (or too many cities: refused again below)
            S, M = jv_matrix(problem.D)
        info["potential_explained"] = round(explained, 3)
        del D_shift
        view = type(problem)(S, name=f"{problem.name}-jv", copy=False)
        shift = float(n) * M  # a proper transformed tour is n M longer than its directed tour

        def decode(T):
            return from_jv(T, D_arcs)

        target += shift
        pair = n  # the kicks keep ghost edges whole
        info.update(transformation="Jonker-Volgenant", nodes=2 * n, offset=M)
        n = view.n
        replica_memory(R, n, "num_walks", 32)
    CUR = np.zeros((R, n), dtype=np.int64)
    BEST = np.zeros((R, n), dtype=np.int64)
    LENS = np.full((R, 2), np.inf)
    COUNTS = np.zeros((R, 2), dtype=np.int64)
    bound = None
    points = _point_view(view, distances)
    info["distances"] = "matrix" if points is None else "points"
    if points is None:
        if view is problem and n > HILBERT_FIRST_MIN and problem.coords is not None \
                and problem.edge_weight_type in COORD_TYPES:  # an answer before the set-up (2.5 s at 10,000 cities)
            start = hilbert_order(problem.coords)
            ctx.state.report(problem.evaluate(start).objective, start)
        # integer lengths are exact in float64 (the adapter keeps them below 2^53)
        D = dense_metric(np.asarray(view.D, dtype=np.int64))
        if kind == "delaunay":
            if not problem.metric_from_coords:
                raise ParameterError("candidates=delaunay needs distances computed from coordinates")
            nbr, info["candidates"] = _point_candidates(_point_view(problem, "points"), kind, k, ctx)
        else:
            nbr, info["candidates"], bound = _candidates(view, D, kind, k, ctx, ascent)
            if bound is not None and shift:
                # bounds the transformed optimum, which is at most the directed one + n M; less the float64
                # error of a sum of 2n lengths near M (a relative 1e-10 is ample), so that rounding up stays valid
                bound = bound - shift - 1e-10 * abs(bound)
            elif bound is not None and halve:  # half the symmetric bound, less what the remainder can take off
                bound = 0.5 * bound - slack - 1e-10 * abs(bound)
            if kind == "alpha" and bound is None and problem.metric_from_coords and problem.coords is not None \
                    and problem.edge_weight_type in COORD_TYPES and n > SPARSE_MATRIX_MIN:
                # no time for the matrix's ascent: the sparse one, for its bound and pi-nearness candidates
                upper = float(tour_length(_nearest_neighbour(D, 0), D))
                bound, near_pi = _sparse_bound(_point_view(problem, "points"), upper, ctx, info,
                                               k if k_given else PI_K)
                if near_pi is not None:
                    nbr, info["candidates"] = near_pi, "pi-nearness"
    else:  # distances from the coordinates: nearest-neighbour candidates from a k-d tree, Hilbert-curve starts
        D = points.metric()
        nbr, info["candidates"] = _point_candidates(points, kind, k if k_given else 10, ctx)
        info["neighbours"] = int(nbr.shape[1])
        start = points.construct()
        ctx.state.report(float(points.tour_length(start)), start.copy())
        if ctx.time_left >= 2 * IMPROVE_S_PER_CITY * n:
            first_depth = use_three if ctx.time_left >= 2 * IMPROVE_LK_S_PER_CITY * n else min(use_three, 1)
            length = _improve(start, D, nbr, True, True, 0.5, first_depth)
        else:  # the walks' kicks improve it around their kicks only
            length = float(points.tour_length(start))
            info["start"] = "Hilbert curve (no time for a local search of the whole tour)"
        CUR[:], BEST[:], LENS[:] = start, start, length
        # within a tenth of the time left, when that has room; its multipliers give the walks' candidates
        bound, near_pi = _sparse_bound(points, length, ctx, info, 0 if kind != "alpha" else k if k_given else PI_K)
        if near_pi is not None:
            nbr, info["candidates"], info["neighbours"] = near_pi, "pi-nearness", int(near_pi.shape[1])
        if bound is None and problem is points and problem.bound() is None \
                and ctx.time_left >= 10 * SPANNING_TREE_S_PER_CITY * n:
            bound = points.spanning_tree_bound()  # too slow to come before every run: here when time allows
        from_best = True  # a new nearest-neighbour tour would scan all n^2 pairs
        info["restart_best"] = True
    if pair and descent:  # the Jonker-Volgenant route: the walks start from the assignment relaxation's tour
        _assignment_start(problem, D, nbr, CUR, BEST, LENS, ctx, info, use_three)
    states = ctx.uint64_seeds(R)
    reported = np.full(R, np.inf)
    if R > 1 and LENS[0, 0] == np.inf and not ctx.state.should_stop():
        # each walk's start (a nearest-neighbour tour, then a full local search) came in one call no clock stops:
        # 16 walks on 3000 cities took 6.6 s of a 2 s run on two cores. The first walk's start first; the others
        # start from it where their own would not fit in the time left
        t0 = time.monotonic()
        ils_walk(CUR[0], BEST[0], D, nbr, 0, states[0:1], LENS[0], COUNTS[0], restart_after, target, seg, 0.5,
                 use_three, accept, from_best, use_or, pair)
        shared = (time.monotonic() - t0) * math.ceil((R - 1) / get_num_threads()) > ctx.time_left
        if shared:
            CUR[1:], BEST[1:], LENS[1:] = CUR[0], BEST[0], LENS[0]
            info["start"] = "the first walk's start tour for every walk (no time for one each)"
        tour = BEST[0].copy() if decode is None else decode(BEST[0])
        if (ev := problem.evaluate(tour)).feasible:  # the walks' loop may not come round
            ctx.state.report(ev.objective, tour)
            reported[:R if shared else 1] = LENS[0, 1]
    first = True
    total_kicks = 0
    # more walks than threads: a round of kicks runs ceil(R / threads) walks on each thread in one call no clock
    # stops (num_walks=100000 on 14 cities took 55 s of a 2 s run); the kicks of a round then fit half the time
    # left, measured from a first round of one kick each. One walk a thread runs its rounds whole, as it always did
    budget = StepBudget(lambda: ctx.time_left, kicks, share=0.5) if R > get_num_threads() else None
    while not ctx.state.should_stop():
        # the first call only builds the start tours (and absorbs compilation)
        step = 0 if first else kicks if budget is None else budget.next(1 if budget.per_step == 0.0 else None)
        if budget is not None and step:
            budget.start(step)
        if R == 1:  # no parallel kernel (and no compilation of one) for a single walk
            ils_walk(CUR[0], BEST[0], D, nbr, step, states[0:1], LENS[0], COUNTS[0], restart_after, target, seg, 0.5,
                     use_three, accept, from_best, use_or, pair)
        else:
            ils_batch(CUR, BEST, D, nbr, step, states, LENS, COUNTS, restart_after, target, seg, 0.5, use_three,
                      accept, from_best, use_or, pair)
            if budget is not None and step:
                budget.done()
        total_kicks += step * R
        for r in np.argsort(LENS[:, 1], kind="stable"):
            if LENS[r, 1] < reported[r] - 0.5:
                reported[r] = LENS[r, 1]
                tour = BEST[r].copy() if decode is None else decode(BEST[r])
                ev = problem.evaluate(tour)
                if ev.feasible:
                    ctx.state.report(ev.objective, tour)
        if first:  # building the start tours is no iteration: on 10,000 cities it takes seconds, a kick round less
            ctx.state.begin_iterations()
            first = False
        else:
            ctx.state.next_iteration()
    info.update(kicks_done=total_kicks, restarts=int(COUNTS[:, 1].sum()))
    return SolverOutput(info=info, bound=bound)
