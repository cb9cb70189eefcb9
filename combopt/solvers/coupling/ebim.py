"""EBIM solvers: maximise ``I(X;T)`` over encoders ``p(t|x)`` with ``H(T) <= R``.

- :func:`ebim_greedy_encoder`: the greedy of Ebrahimi, Chen and Khisti (2024).
  Start from ``T = X``; while ``H(T) > R``, merge the two smallest columns if
  that reaches the rate (and stop), else merge the two largest. Merging the two
  largest always grows one column that absorbs the next largest mass, so the
  whole chain is computed with sorted prefix sums. Within ``h(p2)`` bits of the
  optimum (``p2``: the second-largest mass).
- :func:`deterministic_partitions`: every deterministic encoder ``T = g(X)``
  (set partitions, small alphabets); with ``T = g(X)``, ``I(X;T) = H(T)``.
- :func:`improve_encoder`: the moves near a deterministic mapping ``g`` from
  the paper's characterisation: move a share ``delta`` of one symbol's mass
  to a new column or to another column, with ``delta`` set so that
  ``H(T) = R`` (roots of a concave function, by bisection), and keep the best
  ``I(X;T) = H(T) - p(x) h(delta / p(x))``. Applied to the deterministic
  mappings just below and just above the rate, taken from the greedy merge
  chain, from equal-mass cuts of the sorted masses into about ``2^R`` groups,
  and (small alphabets) from every set partition.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError, UnsuitedInstance
from ...core.registry import register_solver
from ...problems.coupling.measures import binary_entropy, entropy, rate_limit
from ...problems.coupling.model import EBIM, Coupling
from ..common import positive_int, reject_unknown
from .mec import _pop_bool

EXACT_MAX_N = 10
_GRID = np.concatenate([np.geomspace(1e-6, 0.02, 16), np.linspace(0.03, 1.0, 32)])


def _aim(R: float) -> float:
    """The largest ``H(T)``, as the solvers compute it, that they take as within the rate: ``R`` plus ``1e-12`` of it.
    :func:`.rate_limit`'s 1e-14 bits are for the rounding of a recomputed entropy, not for the solvers to spend: at
    R = 1e-13 a move with H(T) = 1.009e-13 was taken, so I(X;T) exceeded the bound min(R, H(X)), which was dropped.
    At R = 0 they keep that slack: the one-word mapping has H(T) = 0, computed as about 1.6e-16."""
    return R + 1e-12 * R if R > 0 else rate_limit(0.0)


def _phi(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, -x * np.log2(np.where(x > 0, x, 1.0)), 0.0)


def _h(u):
    return _phi(u) + _phi(1.0 - u)


def _support(p):
    p = np.asarray(p, dtype=np.float64)
    pos = np.flatnonzero(p > 0)
    order = pos[np.argsort(-p[pos], kind="stable")]
    return order, p[order]


def _greedy_chain(w: np.ndarray):
    """Entropies of the greedy chain on sorted masses ``w`` (decreasing).

    State ``t``: one column holding ``w[0..t]``, the others singletons.
    Returns ``(H_t, H_t with the two smallest columns merged)``; the second is
    ``nan`` where no two columns are left.
    """
    n = w.size
    S = np.cumsum(w)
    phw = _phi(w)
    suf = np.concatenate([np.cumsum(phw[::-1])[::-1], [0.0]])  # suf[i] = sum phi(w[i:])
    t = np.arange(n)
    H = _phi(S) + suf[t + 1]
    Hs = np.full(n, np.nan)
    singles = n - 1 - t
    two = singles >= 2
    a, b = w[n - 1], w[n - 2] if n >= 2 else 0.0
    Hs[two] = H[two] - _phi(a) - _phi(b) + _phi(a + b)
    one = singles == 1
    Hs[one] = _phi(S[one] + w[n - 1])  # == 0: a single column
    return H, Hs


def _chain_labels(n: int, t: int, small: bool) -> np.ndarray:
    """Labels of greedy-chain state ``t`` (``small``: with the two smallest columns merged)."""
    lab = np.concatenate([np.zeros(t + 1, dtype=np.int64), np.arange(1, n - t, dtype=np.int64)])
    if small:
        lab[n - 1] = lab[n - 2] if n - 1 - t >= 2 else 0
    return lab


def _greedy_labels(w: np.ndarray, R: float) -> np.ndarray:
    """Column labels (on the sorted masses ``w``) of the greedy encoder for rate ``R``."""
    n = w.size
    H, Hs = _greedy_chain(w)
    stop = (H <= _aim(R)) | (~np.isnan(Hs) & (Hs <= _aim(R)))
    stop[-1] = True  # one column: H(T) = 0 (up to rounding)
    t = int(np.argmax(stop))
    return _chain_labels(n, t, not (H[t] <= _aim(R) or t == n - 1))


def _encoder(order: np.ndarray, n: int, labels: np.ndarray, w: np.ndarray, split=None) -> Coupling:
    """Encoder coupling from labels on the support; ``split = (x, d, delta)`` moves ``delta`` of ``x`` to ``d``."""
    labels = np.asarray(labels)
    _, lab = np.unique(labels, return_inverse=True)
    lab = lab.ravel().astype(np.int64)
    rows, cols, mass = np.asarray(order, dtype=np.int64), lab, np.array(w, dtype=np.float64)
    t = int(lab.max()) + 1 if lab.size else 1
    if split is not None:
        x, d, delta = split
        if d < 0:
            d = t
            t += 1
        else:
            d = int(lab[np.flatnonzero(labels == d)[0]])
        mass[x] = w[x] - delta
        rows = np.append(rows, order[x])
        cols = np.append(cols, d)
        mass = np.append(mass, delta)
    return Coupling(np.stack([rows, cols], axis=1), mass, (n, max(t, 1)))


def ebim_greedy_encoder(p, R: float) -> Coupling:
    """The greedy EBIM encoder ``p(x, t)`` for rate ``R`` (a deterministic mapping)."""
    p = np.asarray(p, dtype=np.float64)
    order, w = _support(p)
    return _encoder(order, p.size, _greedy_labels(w, R), w)


def _extend(S: np.ndarray, mx: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Extend restricted growth strings ``S`` (with their largest labels ``mx``) by ``steps`` symbols."""
    for _ in range(steps):
        reps = (mx.astype(np.int64) + 2)
        base = np.repeat(np.arange(S.shape[0]), reps)
        offs = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        S = np.concatenate([S[base], offs.astype(np.int8)[:, None]], axis=1)
        mx = np.maximum(mx[base], offs.astype(np.int8))
    return S, mx


def _block_entropies(S: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``H(g(X))`` of each partition (row of labels ``S``) of the masses ``w``."""
    N, n = S.shape
    M = np.zeros((N, n))
    rows = np.arange(N)
    for j in range(n):  # one label per row and column: plain fancy-index adds (np.add.at is far slower)
        M[rows, S[:, j]] += w[j]
    return _phi(M).sum(axis=1)


#: Bell numbers: how many set partitions (deterministic encoders) ``n`` symbols have
BELL = (1, 1, 2, 5, 15, 52, 203, 877, 4140, 21147, 115975, 678570, 4213597)


def deterministic_partitions(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every set partition of ``len(w)`` symbols as restricted growth strings, with ``H(g(X))`` of each."""
    n = w.size
    if n > 12:
        raise ParameterError(f"enumerating the deterministic encoders of {n} symbols is too large (at most 12)")
    S, _ = _extend(np.zeros((1, 1), dtype=np.int8), np.zeros(1, dtype=np.int8), n - 1)
    return S.astype(np.int64), _block_entropies(S, w)


def best_deterministic(w: np.ndarray, R: float, should_stop=None, chunk: int = 100_000) -> dict:
    """The best deterministic encoder ``T = g(X)`` with ``H(T) <= R``, enumerating set partitions in chunks.

    Prefixes of the restricted growth strings are extended a batch at a time (about ``chunk`` partitions), and
    ``should_stop()`` is asked between batches: a stopped search returns the best mapping seen so far with
    ``complete = False``. The search also ends once a mapping reaches ``min(R, H(X))``, which nothing beats.
    Returns ``{"labels", "H", "checked", "total", "complete", "reached_top"}`` (``labels`` is ``None`` when no
    mapping seen keeps the rate; the one-column mapping always does, and it comes first).
    """
    n = w.size
    if n > 12:
        raise ParameterError(f"enumerating the deterministic encoders of {n} symbols is too large (at most 12)")
    top = min(R, float(_phi(w).sum()))
    m = max(1, n - 6)
    P, pmx = _extend(np.zeros((1, 1), dtype=np.int8), np.zeros(1, dtype=np.int8), m - 1)
    # E(b, k): extensions of a prefix with b blocks by k symbols (b to an old block, or 1 new one)
    E = np.ones((n + 2, n - m + 1), dtype=np.int64)
    for k in range(1, n - m + 1):
        E[:n + 1, k] = np.arange(n + 1) * E[:n + 1, k - 1] + E[1:n + 2, k - 1]
    sizes = np.cumsum(E[pmx.astype(np.int64) + 1, n - m])
    cuts = [0]
    while cuts[-1] < P.shape[0]:  # batches of about ``chunk`` partitions (one prefix at least)
        done = sizes[cuts[-1] - 1] if cuts[-1] else 0
        cuts.append(max(cuts[-1] + 1, int(np.searchsorted(sizes, done + chunk, side="right"))))
    best = {"labels": None, "H": -np.inf, "checked": 0, "total": BELL[n], "complete": False, "reached_top": False}
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        if should_stop is not None and a and should_stop():
            return best
        S, _ = _extend(P[a:b], pmx[a:b], n - m)
        HS = _block_entropies(S, w)
        best["checked"] += int(S.shape[0])
        ok = np.flatnonzero(HS <= _aim(R))
        if ok.size:
            k = ok[np.argmax(HS[ok])]
            if HS[k] > best["H"]:
                best["labels"], best["H"] = S[k].astype(np.int64), float(HS[k])
        if best["H"] >= top * (1 - 1e-12):
            best["reached_top"] = True
            break
    best["complete"] = True
    return best


def _roots(HT, lo, hi, R, iters=60):
    """Per move, the largest ``delta`` in ``[lo, hi]`` with ``HT(delta) <= R`` when HT increases there.

    Vectorised bisection; entries with ``HT(lo) > R`` get ``nan``.
    """
    a, b = lo.copy(), hi.copy()
    ok = HT(a) <= R
    full = ok & (HT(b) <= R)
    for _ in range(iters):
        mid = 0.5 * (a + b)
        feas = HT(mid) <= R
        a = np.where(feas, mid, a)
        b = np.where(feas, b, mid)
    return np.where(full, hi, np.where(ok, a, np.nan))


def improve_encoder(w: np.ndarray, labels: np.ndarray, R: float, max_targets: int = 12, max_symbols: int = 768):
    """Best single move from the deterministic mapping ``labels`` (on sorted masses ``w``) under ``H(T) <= R``.

    Moves consider every symbol (at most ``max_symbols`` of them) and up to ``max_targets`` target columns.
    Returns ``(I, split)`` with ``split = (x, target label or -1 for a new column, delta)``,
    or ``(I of the mapping, None)`` when no move helps (``-inf`` when the mapping and every move break the rate).
    """
    n = w.size
    labs, lab = np.unique(labels, return_inverse=True)
    W = np.bincount(lab, weights=w)
    t = W.size
    H0 = float(_phi(W).sum())
    base = H0 if H0 <= _aim(R) else -np.inf
    # targets: a new column (-1) and, per source column, the other columns (all, or a few by mass)
    if t <= max_targets:
        cand = np.arange(t)
    else:
        srt = np.argsort(W)
        cand = np.unique(np.concatenate([srt[:max_targets // 2], srt[-(max_targets // 2):]]))
    xs = np.arange(n)
    if n > max_symbols:  # large alphabets: the largest, the smallest and evenly spread symbols
        q = max_symbols // 3
        xs = np.unique(np.concatenate([xs[:q], xs[-q:], np.linspace(0, n - 1, q).astype(np.int64)]))
    X = np.repeat(xs, cand.size + 1)
    D = np.tile(np.concatenate([[-1], cand]), xs.size)
    keep = D != lab[X]
    X, D = X[keep], D[keep]
    if X.size == 0:
        return base, None
    px = w[X]
    Ws = W[lab[X]]
    Wd = np.where(D >= 0, W[np.maximum(D, 0)], 0.0)
    c0 = H0 - _phi(Ws) - _phi(Wd)

    def HT(delta):
        return c0 + _phi(Ws - delta) + _phi(Wd + delta)

    peak = np.clip(0.5 * (Ws - Wd), 0.0, px)  # HT increases on [0, peak], decreases on [peak, px]
    deltas = [px[:, None] * _GRID[None, :]]
    if H0 < R:  # grow H(T) up to the rate: the first root on the increasing part
        deltas.append(_roots(HT, np.zeros_like(px), peak, R)[:, None])
    else:  # shrink H(T) down to the rate: past the peak, the first delta where HT <= R
        a, b = peak.copy(), px.copy()
        ok = HT(b) <= R
        for _ in range(60):
            mid = 0.5 * (a + b)
            feas = HT(mid) <= R
            b = np.where(feas, mid, b)
            a = np.where(feas, a, mid)
        deltas.append(np.where(ok, b, np.nan)[:, None])
    Dl = np.concatenate(deltas, axis=1)
    Dl = np.where(np.isfinite(Dl), np.clip(Dl, 0.0, px[:, None]), 0.0)
    Hv = c0[:, None] + _phi(Ws[:, None] - Dl) + _phi(Wd[:, None] + Dl)
    Iv = Hv - px[:, None] * _h(Dl / px[:, None])
    Iv = np.where(Hv <= _aim(R), Iv, -np.inf)
    k = np.unravel_index(int(np.argmax(Iv)), Iv.shape)
    best = float(Iv[k])
    if not best > base + 1e-12:
        return base, None
    d = int(D[k[0]])
    return best, (int(X[k[0]]), int(labs[d]) if d >= 0 else -1, float(Dl[k]))


def _bases(w: np.ndarray, R: float, parts, keep: int = 4) -> list[np.ndarray]:
    """Deterministic mappings just below and just above the rate (greedy chain, and all partitions when given)."""
    n = w.size
    H, Hs = _greedy_chain(w)
    hs = [H, Hs]
    makers = [lambda i: _chain_labels(n, int(i), False), lambda i: _chain_labels(n, int(i), True)]
    g = _greedy_labels(w, R)
    extra = [g]
    # equal-mass cuts of the sorted masses into L groups, L around 2^R (the quantiser's partitions)
    before = np.concatenate([[0.0], np.cumsum(w)[:-1]])
    L0 = 2.0 ** min(R, 60.0)
    for L in range(max(1, int(L0) - 2), min(n, int(np.ceil(L0)) + 2) + 1):
        extra.append(np.minimum(np.floor(before * L + 1e-9).astype(np.int64), L - 1))
    if parts is not None:
        S, HS = parts
        hs.append(HS)
        makers.append(lambda i: S[int(i)])
    hs.append(np.array([float(_phi(np.bincount(lab, weights=w)).sum()) for lab in extra]))
    makers.append(lambda i: extra[int(i)])
    allh = np.concatenate(hs)
    src = np.concatenate([np.full(h.size, k) for k, h in enumerate(hs)])
    pos = np.concatenate([np.arange(h.size) for h in hs])
    ok = ~np.isnan(allh)
    allh, src, pos = allh[ok], src[ok], pos[ok]
    below = np.flatnonzero(allh <= _aim(R))
    above = np.flatnonzero(allh > _aim(R))
    chosen = list(below[np.argsort(-allh[below], kind="stable")][:keep])
    chosen += list(above[np.argsort(allh[above], kind="stable")][:keep])
    return [makers[src[i]](pos[i]) for i in chosen]


def _greedy_entropy(w, R):
    lab = _greedy_labels(w, R)
    return float(_phi(np.bincount(np.unique(lab, return_inverse=True)[1], weights=w)).sum())


def ebim_improved_encoder(p, R: float, parts=None, should_stop=None) -> tuple[Coupling, float]:
    """The improved encoder: the best move near deterministic mappings around the rate (see the module notes).

    ``should_stop()`` is asked before each base mapping after the first (on two million symbols each one
    costs a few tenths of a second); the best so far is returned."""
    p = np.asarray(p, dtype=np.float64)
    order, w = _support(p)
    if parts is None and w.size <= EXACT_MAX_N:
        parts = deterministic_partitions(w)
    best, arg = -np.inf, None
    for k, lab in enumerate(_bases(w, R, parts)):
        if k and arg is not None and should_stop is not None and should_stop():
            break
        val, split = improve_encoder(w, lab, R)
        if val > best:
            best, arg = val, (lab, split)
    if arg is None:
        return ebim_greedy_encoder(p, R), -np.inf
    return _encoder(order, p.size, arg[0], w, arg[1]), best


def ebim_curve(p, rates=None, points: int = 41, deadline: float | None = None) -> dict:
    """The I(X;T)-versus-R curve: greedy, improved, the greedy guarantee and the deterministic points.

    ``deadline`` (a ``time.monotonic()`` value): the rates left when it passes are not computed, and the curve
    says how many it has (``"cut"``: rates computed of rates asked)."""
    p = np.asarray(p, dtype=np.float64)
    order, w = _support(p)
    HX = entropy(p)
    R = np.linspace(0.0, HX, points) if rates is None else np.asarray(rates, dtype=np.float64)
    parts = deterministic_partitions(w) if w.size <= EXACT_MAX_N else None
    g, im = [], []
    asked = R.size
    for k, r in enumerate(R):
        if deadline is not None and k and time.monotonic() > deadline:
            R = R[:k]
            break
        g.append(_greedy_entropy(w, r))
        c, _ = ebim_improved_encoder(p, float(r), parts)
        im.append(_mi(p, c))
    h2 = binary_entropy(np.sort(w)[-2] if w.size > 1 else 0.0)
    upper = np.minimum(np.minimum(np.asarray(g) + h2, R), HX)
    if parts is not None:
        det = np.unique(np.round(parts[1], 9))
    else:
        H, Hs = _greedy_chain(w)
        det = np.unique(np.round(np.concatenate([H, Hs[~np.isnan(Hs)]]), 9))
    return {"x": R.tolist(), "xlabel": "rate R [bits]", "ylabel": "I(X;T) [bits]",
            "title": "EBIM: I(X;T) against the rate",
            "series": {"min(R, H(X))": np.minimum(R, HX).tolist(), "greedy": g, "ebim (improved)": im,
                       "greedy + h(p2) (upper)": upper.tolist()},
            "points": {"deterministic g(X)": [[float(h), float(h)] for h in det]},
            **({"cut": f"{R.size} of {asked} rates (time limit)"} if R.size < asked else {})}


def _mi(p, c: Coupling) -> float:
    return entropy(p) + entropy(c.marginal(1)) - c.entropy()


# -- registered solvers -------------------------------------------------------------------

def _common(problem: EBIM, params: dict):
    problem.require_sums(params.pop("normalize", None))
    return _pop_bool(params, "curve", False)


def _finish(problem: EBIM, ctx: SolveContext, c: Coupling, info: dict, curve: bool, proven=False,
            greedy: Coupling | None = None) -> SolverOutput:
    ev = problem.evaluate(c)
    if ev.feasible:
        ctx.state.report(ev.objective, c)
    g = ebim_greedy_encoder(problem.p, problem.rate) if greedy is None else greedy
    ig = _mi(problem.p, g)
    h2 = problem.greedy_guarantee()
    bound = min(problem.rate, entropy(problem.p), ig + h2)
    info = {"greedy": ig, "h_p2": h2, "H_X": entropy(problem.p), **info}
    if curve:  # within the run's time limit: the rates not reached by then are left out (the curve says so)
        left = ctx.time_left
        info["curve"] = ebim_curve(problem.p, deadline=time.monotonic() + left if math.isfinite(left) else None)
    ctx.state.next_iteration()
    return SolverOutput(solution=c, bound=bound, proven_optimal=proven, info=info)


@register_solver("ebim-greedy", problems=("ebim",), exact=False,
                 description="greedy merges (Ebrahimi et al. 2024), within h(p2) of the optimum",
                 params=("normalize", "curve"))
def ebim_greedy(problem: EBIM, ctx: SolveContext, **params) -> SolverOutput:
    """Greedy EBIM encoder. Parameters: ``curve`` (also compute the I-vs-R curve), ``normalize``."""
    curve = _common(problem, params)
    reject_unknown(params, "ebim-greedy")
    g = ebim_greedy_encoder(problem.p, problem.rate)
    return _finish(problem, ctx, g, {}, curve, greedy=g)


@register_solver("ebim", problems=("ebim",), exact=False, default_for=("ebim",),
                 description="improved EBIM: moves near deterministic mappings around the rate (paper's "
                             "characterisation); never worse than greedy",
                 params=("normalize", "curve"))
def ebim_improved(problem: EBIM, ctx: SolveContext, **params) -> SolverOutput:
    """Improved EBIM encoder. Parameters: ``curve``, ``normalize``."""
    curve = _common(problem, params)
    reject_unknown(params, "ebim")
    c, _ = ebim_improved_encoder(problem.p, problem.rate, should_stop=ctx.state.should_stop)
    g = ebim_greedy_encoder(problem.p, problem.rate)
    if _mi(problem.p, g) > _mi(problem.p, c):  # pragma: no cover - the greedy mapping is one of the bases
        c = g
    return _finish(problem, ctx, c, {}, curve, greedy=g)


@register_solver("ebim-exact", problems=("ebim",), exact=True,
                 description="best deterministic encoder by enumerating set partitions (|X| <= 10); "
                             "optimal for EBIM only when it reaches min(R, H(X))",
                 params=("normalize", "curve", "max_n"))
def ebim_exact(problem: EBIM, ctx: SolveContext, **params) -> SolverOutput:
    """Exact search over deterministic encoders ``T = g(X)``. Parameters: ``max_n`` (10; at most 12),
    ``curve``, ``normalize``.

    The status is ``optimal`` only when the best mapping reaches the upper bound
    ``min(R, H(X))``; otherwise the answer is proven optimal among deterministic
    encoders only (``info["scope"]``), and a stochastic encoder may do better.
    The enumeration (4.2 million partitions for 12 symbols, about 6 s) asks the
    clock between batches: a run stopped by its time limit answers with the best
    mapping seen so far or the greedy encoder, whichever is better, proven
    optimal in no scope (``info["checked"]`` of ``info["partitions"]``).
    """
    curve = _common(problem, params)
    max_n = positive_int(params, "max_n", EXACT_MAX_N, hi=12)  # max_n=100 was taken as 12 without a word
    reject_unknown(params, "ebim-exact")
    order, w = _support(problem.p)
    if w.size > max_n:
        raise UnsuitedInstance(f"ebim-exact enumerates set partitions: {w.size} symbols is more than max_n={max_n} "
                             "(at most 12); use ebim")
    # the greedy encoder first: a --target it meets ends the enumeration (it enumerated everything before)
    g = ebim_greedy_encoder(problem.p, problem.rate)
    ev = problem.evaluate(g)
    if ev.feasible:
        ctx.state.report(ev.objective, g)
    found = best_deterministic(w, problem.rate, ctx.state.should_stop)
    top = min(problem.rate, entropy(problem.p))
    if found["labels"] is None or (not found["complete"] and _mi(problem.p, g) > found["H"]):
        c, HT = g, _mi(problem.p, g)
    else:
        c, HT = _encoder(order, problem.p.size, found["labels"], w), found["H"]
    proven = bool(HT >= top * (1 - 1e-12))
    if proven:
        scope = "optimal for EBIM (reaches min(R, H(X)))"
    elif found["complete"]:
        scope = "optimal among deterministic encoders T = g(X) only"
    else:
        scope = (f"not proven: stopped by the time limit or the target after {found['checked']} of "
                 f"{found['total']} deterministic encoders")
    info = {"partitions": int(found["total"]), "checked": int(found["checked"]), "deterministic_optimum":
            float(found["H"]) if found["complete"] else None, "scope": scope}
    return _finish(problem, ctx, c, info, curve, proven=proven, greedy=g)
