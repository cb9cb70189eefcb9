"""Minimum-entropy coupling solvers: greedy (k marginals), exact (two small marginals), local improvement.

- :func:`greedy_coupling`: Kocaoglu et al.'s greedy with heaps (Numba), sparse output.
- :func:`exact_coupling`: the entropy is concave, so its minimum over the
  transportation polytope sits at a vertex. Every vertex has a spanning-forest
  support, and a forest always has a leaf line: a row (or column) with one cell,
  whose mass is the line's whole remaining mass. Removing leaves one by one,
  each step puts ``min(r_i, c_j)`` in some cell ``(i, j)`` and saturates a line,
  and every such sequence ends at a vertex. A dynamic programme over the
  remaining masses (memoised on the sorted multisets, so equal rows or columns
  are not branched twice) therefore minimises over every vertex: a proof of
  optimality, exponential in the alphabet sizes. Branches are cut when the
  majorization bound of what remains shows they cannot beat the best value
  (the greedy coupling at the start); memo entries record whether they are
  exact values or such bounds.
- :func:`improve_coupling`: pivots between adjacent vertices. Adding a cell
  outside the forest closes one cycle; moving mass ``theta`` around it keeps
  the marginals, and the entropy is concave in ``theta``, so the best move
  goes to the end (a neighbouring vertex). Descend, then kick and descend
  again (iterated local search), keeping the best.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError, UnsuitedInstance
from ...core.registry import register_solver
from ...problems.coupling.measures import entropy, majorization_bound, profile_bound
from ...problems.coupling.model import MEC, Coupling
from ..common import positive_int, reject_unknown
from .kernels import greedy_arrays

_KEY_DIGITS = 12
_ZERO = 1e-13


def greedy_coupling(marginals, orders=None) -> Coupling:
    """Greedy minimum-entropy coupling of ``k >= 2`` marginals (sparse, at most ``sum n - k + 1`` cells);
    ``orders`` as in :func:`.kernels.greedy_arrays`."""
    idx, mass = greedy_arrays([np.asarray(p, dtype=np.float64) for p in marginals], orders)
    return Coupling(idx, mass, tuple(len(p) for p in marginals))


def lower_bounds(marginals) -> dict[str, float]:
    """The majorization bound ``H(p ∧ q)`` and the profile bound (both in bits)."""
    return {"majorization_bound": majorization_bound(marginals), "profile_bound": profile_bound(marginals)}


def _phi(x):
    return -x * math.log2(x) if x > 0 else 0.0


class _Budget(Exception):
    """The exact search ran out of its state budget (``max_states``)."""


def _rest_bound(r: tuple, c: tuple) -> float:
    """``sum phi`` of the majorization meet of the remaining (unnormalised) masses: a bound on the rest."""
    a = sorted(r, reverse=True)
    b = sorted(c, reverse=True)
    P = Q = prev = h = 0.0
    for i in range(max(len(a), len(b))):
        if i < len(a):
            P += a[i]
        if i < len(b):
            Q += b[i]
        m = P if P < Q else Q
        d = m - prev
        prev = m
        if d > 0:
            h -= d * math.log2(d)
    return h - 1e-12


#: most symbols of the two marginals together that :func:`exact_coupling` takes (its recursion is that deep, and
#: its state count grows far faster: the ``max_states`` budget stops it long before on real sizes)
MAX_EXACT_SYMBOLS = 200


def exact_coupling(p, q, max_states: int = 1_000_000, should_stop=None) -> tuple[Coupling, float, int]:
    """Minimum-entropy coupling of two marginals by the leaf-elimination programme (see the module notes).

    Returns ``(coupling, entropy, states)``; raises :class:`ParameterError`
    when more than ``max_states`` states would be needed, or ``TimeoutError``
    when ``should_stop()`` says so.
    """
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.size + q.size > MAX_EXACT_SYMBOLS:  # each level of the recursion removes a symbol at least
        raise UnsuitedInstance(f"mec-exact searches marginals of at most {MAX_EXACT_SYMBOLS} symbols in all (here "
                             f"{p.size} + {q.size}; a 6 x 6 pair already needs about 700,000 states): use mec-ls")
    memo: dict = {}
    calls = [0]

    def key(v):
        return tuple(sorted(y for y in (round(float(x), _KEY_DIGITS) for x in v) if y > 0))

    def f(r: tuple, c: tuple, budget: float) -> tuple[float, bool]:
        """``(value, True)`` for the exact optimum of the rest, or ``(lower bound > budget, False)``."""
        if not r or not c:
            return 0.0, True
        k = (r, c)
        hit = memo.get(k)
        if hit is not None and (hit[2] or hit[0] > budget):
            return hit[0], hit[2]
        calls[0] += 1
        if calls[0] > max_states:
            raise _Budget
        if should_stop is not None and calls[0] % 4096 == 0 and should_stop():
            raise TimeoutError
        lb = _rest_bound(r, c)
        if lb > budget:
            memo[k] = (lb, None, False)
            return lb, False
        best, arg, low = math.inf, None, math.inf
        rv = sorted(set(r))
        cv = sorted(set(c))
        for a in rv:
            ia = r.index(a)
            for b in cv:
                x = a if a < b else b
                nr = list(r)
                nc = list(c)
                ra, rb = round(a - x, _KEY_DIGITS), round(b - x, _KEY_DIGITS)
                del nr[ia]
                del nc[c.index(b)]
                if ra > 0:
                    nr.append(ra)
                if rb > 0:
                    nc.append(rb)
                cost = _phi(x)
                v, exact = f(tuple(sorted(nr)), tuple(sorted(nc)), min(budget, best) - cost)
                low = min(low, cost + v)
                if exact and cost + v < best - 1e-15:
                    best, arg = cost + v, (a, b)
        if best <= budget:  # every pruned branch is worse than ``best``: exact
            memo[k] = (best, arg, True)
            return best, True
        memo[k] = (low, None, False)
        return low, False

    greedy_value = entropy(greedy_arrays([p, q])[1])
    try:
        f(key(p), key(q), greedy_value + 1e-9)
    except _Budget:
        raise ParameterError(f"mec-exact needs more than max_states={max_states} states for sizes "
                             f"{p.size} x {q.size}; use mec-ls or raise max_states") from None
    # replay the optimal choices on the real indices (the rounded state drives the choices,
    # the real masses follow it; they differ by rounding only)
    r = {i: round(float(v), _KEY_DIGITS) for i, v in enumerate(p) if round(float(v), _KEY_DIGITS) > 0}
    c = {j: round(float(v), _KEY_DIGITS) for j, v in enumerate(q) if round(float(v), _KEY_DIGITS) > 0}
    rr = {i: float(v) for i, v in enumerate(p) if v > 0}  # every real mass, those rounded to 0 included
    cr = {j: float(v) for j, v in enumerate(q) if v > 0}
    cells, masses = [], []
    while r and c:
        _, (a, b), _ = memo[(tuple(sorted(r.values())), tuple(sorted(c.values())))]
        i = next(i for i, v in r.items() if v == a)
        j = next(j for j, v in c.items() if v == b)
        x = min(a, b)
        r[i], c[j] = round(a - x, _KEY_DIGITS), round(b - x, _KEY_DIGITS)
        xr = max(0.0, min(rr[i], cr[j]))  # never more than a line has left: what remains goes out below
        cells.append((i, j))
        masses.append(xr)
        rr[i] -= xr
        cr[j] -= xr
        if r[i] <= 0:
            del r[i]
        if c[j] <= 0:
            del c[j]
    # the rounded sums of p and q differ by a few 1e-12, and a mass below 5e-13 rounds to 0: the real masses the
    # replay left (a row of 1.2e-12 whose column was used up; taking a column's whole real rest gave its 1e-12 to
    # the wrong row) go out in north-west order, so the marginals hold
    rows = [(i, v) for i, v in rr.items() if v > 0]
    cols = [(j, v) for j, v in cr.items() if v > 0]
    a = b = 0
    while a < len(rows) and b < len(cols):
        (i, u), (j, v) = rows[a], cols[b]
        x = min(u, v)
        cells.append((i, j))
        masses.append(x)
        rows[a], cols[b] = (i, u - x), (j, v - x)
        a, b = a + (u <= v), b + (v <= u)
    coup = Coupling(np.array(cells, dtype=np.int64).reshape(-1, 2), np.array(masses), (p.size, q.size))
    return coup, coup.entropy(), len(memo)


# -- local improvement --------------------------------------------------------------------

def _phi_arr(x):
    x = np.asarray(x, dtype=np.float64)
    out = np.zeros_like(x)
    pos = x > 0
    out[pos] = -x[pos] * np.log2(x[pos])
    return out


class _Forest:
    """Dense coupling with its support graph (rows ``0..n-1``, columns ``n..n+m-1``)."""

    def __init__(self, X: np.ndarray):
        self.X = X
        self.n, self.m = X.shape

    def adjacency(self):
        adj = [[] for _ in range(self.n + self.m)]
        for i, j in zip(*np.nonzero(self.X > _ZERO), strict=True):
            adj[i].append(self.n + j)
            adj[self.n + j].append(i)
        return adj

    def bfs(self, adj, i):
        parent = np.full(self.n + self.m, -2, dtype=np.int64)
        parent[i] = -1
        dq = deque([i])
        while dq:
            u = dq.popleft()
            for w in adj[u]:
                if parent[w] == -2:
                    parent[w] = u
                    dq.append(w)
        return parent

    def cycle(self, parent, i, j):
        """Cells of the cycle closed by entering ``(i, j)``: (rows, cols, signs), entering cell first."""
        rows, cols, signs = [i], [j], [1.0]
        node = self.n + j
        sign = -1.0
        while node != i:
            par = int(parent[node])
            if node >= self.n:
                rows.append(par)
                cols.append(node - self.n)
            else:
                rows.append(node)
                cols.append(par - self.n)
            signs.append(sign)
            sign = -sign
            node = par
        return np.array(rows), np.array(cols), np.array(signs)

    def delta(self, rows, cols, signs):
        x = self.X[rows, cols]
        minus = signs < 0
        theta = float(x[minus].min())
        return float(np.sum(_phi_arr(x + signs * theta) - _phi_arr(x))), theta

    def pivot(self, rows, cols, signs, theta):
        X = self.X
        X[rows, cols] = np.maximum(X[rows, cols] + signs * theta, 0.0)
        X[X < _ZERO] = 0.0


def _moves(F: _Forest, order_rows, rng, max_candidates: int, best_only: bool, should_stop=None):
    """Yield improving (or, with ``best_only=False``, any) pivots: ``(delta, rows, cols, signs, theta)``."""
    adj = F.adjacency()
    seen = 0
    for i in order_rows:
        if should_stop is not None and should_stop():
            return
        parent = F.bfs(adj, int(i))
        cols = rng.permutation(F.m)
        for j in cols:
            if F.X[i, j] > _ZERO or parent[F.n + j] == -2:
                continue
            seen += 1
            if seen > max_candidates:
                return
            r, c, s = F.cycle(parent, int(i), int(j))
            d, theta = F.delta(r, c, s)
            if theta <= _ZERO:
                continue
            if (not best_only) or d < -1e-12:
                yield d, r, c, s, theta


def descend(X: np.ndarray, rng, max_candidates: int = 4096, should_stop=None) -> tuple[np.ndarray, int]:
    """Pivot along improving cycles until none is found among ``max_candidates`` tries. Returns (X, pivots)."""
    F = _Forest(X)
    pivots = 0
    while True:
        if should_stop is not None and should_stop():
            break
        moved = False
        for _d, r, c, s, theta in _moves(F, rng.permutation(F.n), rng, max_candidates, True, should_stop):
            F.pivot(r, c, s, theta)
            pivots += 1
            moved = True
            break  # first improvement: the support changed, rebuild the forest
        if not moved:
            break
    return F.X, pivots


def kick(X: np.ndarray, rng, size: int = 2) -> np.ndarray:
    """Apply ``size`` random pivots (improving or not)."""
    F = _Forest(X.copy())
    for _ in range(size):
        for _d, r, c, s, theta in _moves(F, rng.permutation(F.n), rng, 64, False):
            F.pivot(r, c, s, theta)
            break
    return F.X


def random_vertex(p: np.ndarray, q: np.ndarray, rng) -> np.ndarray:
    """A random vertex of the transportation polytope of ``p`` and ``q``: the north-west corner rule on randomly
    ordered rows and columns (a spanning-forest support, like every vertex)."""
    rows, cols = rng.permutation(p.size), rng.permutation(q.size)
    r, c = p.astype(np.float64).copy(), q.astype(np.float64).copy()
    X = np.zeros((p.size, q.size))
    a = b = 0
    while a < p.size and b < q.size:
        i, j = rows[a], cols[b]
        x = min(r[i], c[j])
        X[i, j] = x
        r[i] -= x
        c[j] -= x
        if r[i] <= _ZERO:
            a += 1
        else:
            b += 1
    X[X < _ZERO] = 0.0
    return X


#: kick-and-descend rounds without improvement after which :func:`improve_coupling` restarts from a random vertex
RESTART_AFTER = 8


def improve_coupling(X: np.ndarray, rng, iterations: int = 50, max_candidates: int = 4096,
                     should_stop=None, on_improve=None, until_stop: bool = False,
                     on_round=None) -> tuple[np.ndarray, dict]:
    """Iterated local search from the dense coupling ``X``: descend, then ``iterations`` rounds (or, with
    ``until_stop``, rounds until ``should_stop()``). A round kicks the best coupling by 2 to 5 random pivots
    (more the longer nothing improved) and descends; after ``RESTART_AFTER`` rounds without improvement it
    descends from a random vertex instead (:func:`random_vertex`), since kicks alone stay in the greedy
    vertex's basin (on ``pair4`` of the tests every kick returned to it). ``on_round()`` is called after the first
    descent and after every round (a solver's iteration count)."""
    p, q = X.sum(axis=1), X.sum(axis=0)
    cur, piv = descend(X.copy(), rng, max_candidates, should_stop)
    best, best_h = cur, entropy(cur)
    if on_improve is not None:
        on_improve(best)
    if on_round is not None:
        on_round()
    total = piv
    done = restarts = stall = 0
    while until_stop or done < iterations:
        if should_stop is not None and should_stop():
            break
        if stall >= RESTART_AFTER:
            start, stall = random_vertex(p, q, rng), 0
            restarts += 1
        else:
            start = kick(best, rng, size=2 + min(stall, 3))
        cand, piv = descend(start, rng, max_candidates, should_stop)
        total += piv
        done += 1
        h = entropy(cand)
        if h < best_h - 1e-12:
            best, best_h, stall = cand, h, 0
            if on_improve is not None:
                on_improve(best)
        else:
            stall += 1
        if on_round is not None:
            on_round()
    return best, {"pivots": total, "kicks": done, "restarts": restarts}


# -- registered solvers -------------------------------------------------------------------

def _pop_bool(params: dict, key: str, default: bool = False) -> bool:
    v = params.pop(key, default)
    if v in (True, "true", "True", 1, "1"):
        return True
    if v in (False, "false", "False", 0, "0", None):
        return False
    raise ParameterError(f"parameter {key} must be true or false, got {v!r}")


def _prepare(problem: MEC, params: dict) -> None:
    problem.require_sums(params.pop("normalize", None))


#: seconds per symbol the profile bound takes, about (0.7 s for 2 x 2,000,000 symbols on a busy core)
PROFILE_S_PER_SYMBOL = 4e-7


def _bound_info(problem: MEC, ctx: SolveContext | None = None) -> tuple[float, dict]:
    """The lower bounds, computed once per instance (the run's own ``bound()`` shares them). With ``ctx``, the
    profile bound is left out when the time left cannot pay for it (``info["profile_bound"]`` says so)."""
    profile = True
    if ctx is not None and math.isfinite(ctx.time_left):
        profile = ctx.time_left > PROFILE_S_PER_SYMBOL * problem.num_variables
    b = problem.bounds(profile=profile)
    info = dict(b)
    if "profile_bound" not in b:
        info["profile_bound"] = "skipped: the time limit left too little for it"
    return max(b.values()), info


def _greedy_output(problem: MEC, ctx: SolveContext, name: str) -> tuple[Coupling, float]:
    c = greedy_coupling(problem.marginals, problem.descending_orders())
    ev = problem.evaluate(c)
    ctx.state.report(ev.objective, c)
    return c, ev.objective


@register_solver("mec-greedy", problems=("mec",), exact=False, devices=("cpu",),
                 description="greedy coupling of k marginals (Numba: sorted input + remainder heap), "
                             "O(n log n), sparse",
                 params=("normalize",))
def mec_greedy(problem: MEC, ctx: SolveContext, **params) -> SolverOutput:
    """Greedy minimum-entropy coupling. Parameters: ``normalize`` (renormalise the marginals)."""
    _prepare(problem, params)
    reject_unknown(params, "mec-greedy")
    c, h = _greedy_output(problem, ctx, "mec-greedy")
    ctx.state.next_iteration()
    bound, info = _bound_info(problem, ctx)
    return SolverOutput(solution=c, bound=bound, info={**info, "greedy": h, "cells": c.nnz})


def _two(problem: MEC, name: str) -> None:
    if len(problem.marginals) != 2:
        raise ParameterError(f"{name} couples two marginals; this instance has {len(problem.marginals)} "
                             "(use mec-greedy)")


@register_solver("mec-exact", problems=("mec",), exact=True, devices=("cpu",),
                 description="exact MEC of two small marginals: DP over all vertices (leaf eliminations)",
                 params=("normalize", "max_states"))
def mec_exact(problem: MEC, ctx: SolveContext, **params) -> SolverOutput:
    """Exact MEC of two marginals. Parameters: ``max_states`` (1,000,000; a 6 x 6 pair needs ~700k), ``normalize``."""
    _prepare(problem, params)
    max_states = positive_int(params, "max_states", 1_000_000)
    reject_unknown(params, "mec-exact")
    _two(problem, "mec-exact")
    g, hg = _greedy_output(problem, ctx, "mec-exact")
    bound, info = _bound_info(problem)
    info["greedy"] = hg
    p, q = problem.marginals
    try:
        c, h, states = exact_coupling(p, q, max_states, ctx.state.should_stop)
    except TimeoutError:
        ctx.state.next_iteration()
        return SolverOutput(solution=g, bound=bound, info={**info, "proof": "stopped before the search finished"})
    ev = problem.evaluate(c)
    ctx.state.report(ev.objective, c)
    ctx.state.next_iteration()
    proof = (f"exhaustive leaf-elimination programme over every vertex of the {p.size} x {q.size} "
             f"transportation polytope ({states} states)")
    best = min(ev.objective, hg)
    return SolverOutput(solution=c if ev.objective <= hg else g, bound=best, proven_optimal=True,
                        info={**info, "exact": ev.objective, "states": states, "proof": proof})


@register_solver("mec-ls", problems=("mec",), exact=False, devices=("cpu",),
                 description="greedy, then pivots along support cycles (iterated local search)",
                 params=("normalize", "kicks", "candidates"))
def mec_ls(problem: MEC, ctx: SolveContext, **params) -> SolverOutput:
    """Greedy then local improvement. Parameters: ``kicks`` (50: rounds of an untimed run; a timed run goes on
    until its limit), ``candidates`` (4096 per pass), ``normalize``."""
    _prepare(problem, params)
    kicks = positive_int(params, "kicks", 50)
    cands = positive_int(params, "candidates", 4096)
    reject_unknown(params, "mec-ls")
    _two(problem, "mec-ls")
    g, hg = _greedy_output(problem, ctx, "mec-ls")
    bound, info = _bound_info(problem)
    n, m = g.shape
    if n * m > 25_000_000:
        raise ParameterError(f"mec-ls works on a dense {n} x {m} matrix; too large (use mec-greedy)")

    def improved(X):
        c = Coupling.from_dense(X)
        ev = problem.evaluate(c)
        if ev.feasible:
            ctx.state.report(ev.objective, c)

    timed = math.isfinite(ctx.time_left)  # a timed run searches until its limit, an untimed one for ``kicks`` rounds
    # a timed run counts the first descent, then each kick round, as an iteration: max_iterations=1 with a time
    # limit ran to the limit (one iteration counted at the end); an untimed run stays ``kicks`` rounds, one iteration
    X, st = improve_coupling(g.dense(), ctx.rng, kicks, cands, ctx.state.should_stop, improved, until_stop=timed,
                             on_round=ctx.state.next_iteration if timed else None)
    if not timed:
        ctx.state.next_iteration()
    best = ctx.state.best
    return SolverOutput(bound=bound, info={**info, "greedy": hg, "improved": best, **st})


#: the parameters of the solvers mec-auto picks from, and whose they are
AUTO_PARAMS = {"max_states": "mec-exact", "kicks": "mec-ls", "candidates": "mec-ls"}


@register_solver("mec-auto", problems=("mec",), exact=False, devices=("cpu",), default_for=("mec",),
                 description="picks by size: mec-exact (two marginals, up to 5 x 5), mec-ls (up to 144 cells), "
                             "else mec-greedy",
                 params=("normalize", *AUTO_PARAMS))
def mec_auto(problem: MEC, ctx: SolveContext, **params) -> SolverOutput:
    """The best MEC solver that fits the size; ``info["chosen"]`` names it. Takes the parameters of the three
    (``normalize`` and those of the one it picks; one of another is refused, naming the pick)."""
    sizes = [p.size for p in problem.marginals]
    if len(sizes) == 2 and max(sizes) <= 5:  # by shape, not cells: 2 x 12 (24 cells) took the exact search 8.8 s
        func, chosen = mec_exact, "mec-exact"
    elif len(sizes) == 2 and sizes[0] * sizes[1] <= 144:
        func, chosen = mec_ls, "mec-ls"
    else:
        func, chosen = mec_greedy, "mec-greedy"
    # each refused a parameter of the others in its own name ("solver 'mec-exact' does not take kicks" for -s mec-auto
    # on a 3 x 3 pair), and which names passed depended on the instance's size
    reject_unknown({k: v for k, v in params.items() if k not in ("normalize", *AUTO_PARAMS)}, "mec-auto")
    for key, owner in AUTO_PARAMS.items():
        if params.get(key) is not None and owner != chosen:
            shape = " x ".join(str(n) for n in sizes)
            raise ParameterError(f"parameter {key} is {owner}'s, but mec-auto picked {chosen} for this {shape} "
                                 f"instance; use -s {owner}")
    out = func(problem, ctx, **params)
    out.info["chosen"] = chosen
    return out

