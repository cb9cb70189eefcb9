"""MEC-B: encoder by EBIM, decoder by a minimum-entropy coupling of ``p_T`` with ``p_Y``.

``I(X;Y) >= I(X;T) + I(T;Y) - H(T)`` (reported as ``info["lower_bound"]``);
with a deterministic encoder ``T = g(X)``, ``I(X;Y) = I(T;Y)`` exactly. An
upper bound: ``I(X;Y) <= I(X;T) <= min(R, H(X), EBIM greedy + h(p2))`` and ``<= H(Y)``.
"""

from __future__ import annotations

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...problems.coupling.measures import entropy
from ...problems.coupling.model import MECB, Coupling, MECBSolution
from ..common import reject_unknown
from .ebim import _mi, deterministic_partitions, ebim_greedy_encoder, ebim_improved_encoder
from .mec import exact_coupling, greedy_coupling, improve_coupling

ENCODERS = ("ebim", "greedy", "exact")
DECODERS = ("auto", "greedy", "ls", "exact")


def _compact(enc: Coupling) -> Coupling:
    """Drop code words of zero mass (relabel the columns)."""
    pt = enc.marginal(1)
    used = np.flatnonzero(pt > 0)
    remap = np.full(pt.size, -1, dtype=np.int64)
    remap[used] = np.arange(used.size)
    keep = enc.mass > 0
    idx = enc.index[keep].copy()
    idx[:, 1] = remap[idx[:, 1]]
    return Coupling(idx, enc.mass[keep], (enc.shape[0], max(int(used.size), 1)))


def encode(p, R: float, how: str = "ebim") -> Coupling:
    """EBIM encoder ``p(x, t)`` for rate ``R``: ``ebim`` (improved), ``greedy`` or ``exact`` (deterministic)."""
    if how == "greedy":
        return _compact(ebim_greedy_encoder(p, R))
    if how == "exact":
        from .ebim import _encoder, _support

        order, w = _support(p)
        S, HS = deterministic_partitions(w)
        feas = np.flatnonzero(HS <= R + 1e-12)
        return _compact(_encoder(order, len(p), S[feas[np.argmax(HS[feas])]], w))
    c, _ = ebim_improved_encoder(p, R)
    g = ebim_greedy_encoder(p, R)
    return _compact(g if _mi(p, g) > _mi(p, c) else c)


def decode(pt, q, how: str = "auto", rng=None) -> Coupling:
    """Decoder ``p(t, y)``: a minimum-entropy coupling of ``p_T`` and ``p_Y``."""
    t, m = len(pt), len(q)
    if how == "auto":
        how = "exact" if t * m <= 25 else "ls" if t * m <= 400 else "greedy"
    if how == "exact":
        return exact_coupling(pt, q)[0]
    g = greedy_coupling([pt, q])
    if how == "ls":
        X, _ = improve_coupling(g.dense(), rng or np.random.default_rng(0), iterations=5)
        return Coupling.from_dense(X)
    return g


def mecb_solve(p, q, R: float, encoder: str = "ebim", decoder: str = "auto", rng=None) -> MECBSolution:
    """Encoder by EBIM, decoder by MEC (see :func:`encode`, :func:`decode`)."""
    enc = encode(np.asarray(p, dtype=np.float64), R, encoder)
    dec = decode(enc.marginal(1), np.asarray(q, dtype=np.float64), decoder, rng)
    return MECBSolution(enc, dec)


@register_solver("mecb", problems=("mecb",), exact=False, default_for=("mecb",),
                 description="MEC-B: EBIM encoder (improved) + MEC decoder between p_T and p_Y")
def mecb(problem: MECB, ctx: SolveContext, **params) -> SolverOutput:
    """MEC-B. Parameters: ``encoder`` (ebim | greedy | exact), ``decoder`` (auto | greedy | ls | exact),
    ``normalize``."""
    problem.require_sums(params.pop("normalize", None))
    enc = params.pop("encoder", "ebim")
    dec = params.pop("decoder", "auto")
    reject_unknown(params, "mecb")
    if enc not in ENCODERS:
        raise ParameterError(f"encoder must be one of {', '.join(ENCODERS)}; got {enc!r}")
    if dec not in DECODERS:
        raise ParameterError(f"decoder must be one of {', '.join(DECODERS)}; got {dec!r}")
    p, q = problem.marginals
    if enc == "exact" and np.count_nonzero(p) > 10:
        raise ParameterError("encoder=exact enumerates set partitions: at most 10 symbols with mass")
    sol = mecb_solve(p, q, problem.rate, enc, dec, ctx.rng)
    ev = problem.evaluate(sol)
    if ev.feasible:
        ctx.state.report(ev.objective, sol)
    ctx.state.next_iteration()
    g = ebim_greedy_encoder(p, problem.rate)
    s = np.sort(p)[::-1]
    from ...problems.coupling.measures import binary_entropy

    h2 = binary_entropy(s[1] if s.size > 1 else 0.0)
    bound = min(problem.rate, entropy(p), entropy(q), _mi(p, g) + h2)
    info = {**problem.measures(sol), "encoder": enc, "decoder": dec, "code_words": sol.encoder.shape[1]}
    return SolverOutput(solution=sol, bound=bound, info=info)
