"""Constrained binary models for the slack-free Lagrangian and slack-based penalty routes.

A :class:`LagrangianModel` is ``min f(x)`` over binary ``x`` (``f`` a QUBO in
minimisation form) subject to constraints ``g_k(x) <= 0`` (or ``= 0``) with

    g_k(x) = c_k + G_k . x  +  q_k x_u x_v     (the last term only for "pair" constraints)

Relaxing them with multipliers ``lam`` (``lam >= 0`` for inequalities) and an
optional augmented penalty ``rho`` gives the QUBO

    f(x) + sum_k lam_k g_k(x) + (rho / 2) sum_k g_k(x)^2

whose minimum over ``x`` is the Lagrangian dual function ``L(lam)`` when
``rho = 0``: every value of ``L`` bounds the constrained minimum from below.
No slack variable is introduced. :func:`slack_penalty_qubo` builds the usual
alternative (binary slack bits + quadratic penalty) for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ..core.errors import ParameterError, UnsuitedInstance
from .qubo import QUBO


@dataclass
class LagrangianModel:
    objective: QUBO
    G: sp.csr_matrix
    c: np.ndarray
    equality: np.ndarray
    pairs: np.ndarray | None = None  # (k, 3): constraint index, u, v  for g_k = c_k + coef * x_u x_v
    pair_coef: np.ndarray | None = None
    names: list[str] = field(default_factory=list)
    _gtg: tuple | None = field(default=None, init=False, repr=False)  # G'G split (diagonal, off-diagonal), built once

    def __post_init__(self):
        self.G = sp.csr_matrix(self.G, dtype=np.float64)
        self.c = np.asarray(self.c, dtype=np.float64).ravel()
        self.equality = np.asarray(self.equality, dtype=bool).ravel()
        m = self.c.size
        if self.G.shape != (m, self.objective.n) or self.equality.size != m:
            raise ParameterError("constraint arrays have inconsistent shapes")
        if self.pairs is not None:
            self.pairs = np.asarray(self.pairs, dtype=np.int64).reshape(-1, 3)
            self.pair_coef = np.ones(len(self.pairs)) if self.pair_coef is None else np.asarray(self.pair_coef, float)

    @property
    def n(self) -> int:
        return self.objective.n

    @property
    def m(self) -> int:
        return int(self.c.size)

    def g(self, X) -> np.ndarray:
        """Constraint values for one vector (shape (m,)) or a batch (shape (R, m))."""
        X = np.asarray(X, dtype=np.float64)
        single = X.ndim == 1
        XT = np.ascontiguousarray(np.atleast_2d(X).T)  # (n, R): one sample per column
        out = np.asarray(self.G @ XT) + self.c[:, None]  # (m, R)
        if self.pairs is not None and len(self.pairs):
            k, u, v = self.pairs[:, 0], self.pairs[:, 1], self.pairs[:, 2]
            vals = self.pair_coef[:, None] * XT[u] * XT[v]  # (pairs, R); rows may hold several pairs: summed
            to_row = sp.csr_matrix((np.ones(k.size), (k, np.arange(k.size))), shape=(self.m, k.size))
            out += to_row @ vals
        return out[:, 0] if single else out.T

    def feasible_mask(self, X, tol: float = 1e-9) -> np.ndarray:
        Gv = np.atleast_2d(self.g(X))
        ok_eq = np.abs(Gv[:, self.equality]) <= tol
        ok_in = Gv[:, ~self.equality] <= tol
        return ok_eq.all(axis=1) & ok_in.all(axis=1)

    def project(self, lam: np.ndarray) -> np.ndarray:
        out = np.asarray(lam, dtype=np.float64).copy()
        out[~self.equality] = np.maximum(out[~self.equality], 0.0)
        return out

    #: couplings a second of the augmented QUBO's ``(rho/2)|g|^2`` (G'G), 2-core machine: 25 million in 3.8-5.3 s
    augmented_terms_per_s = 5_000_000

    def augmented_terms(self) -> int:
        """Couplings of the augmented QUBO (``rho > 0``), from above: item pairs that share a constraint row, at
        most n (n - 1), plus the objective's and the pair constraints'."""
        k = np.diff(self.G.indptr).astype(np.int64)
        n = self.n
        pairs = 0 if self.pairs is None else 2 * len(self.pairs)
        return int(min(float(n) * (n - 1), float(np.sum(k * (k - 1)))) + self.objective.W.nnz + pairs)

    def _gram(self):
        if self._gtg is None:
            GtG = (self.G.T @ self.G).tocsr()
            d = GtG.diagonal()
            self._gtg = (d, (GtG - sp.diags(d)).tocsr())
        return self._gtg

    def relaxed_qubo(self, lam: np.ndarray, rho: float = 0.0) -> QUBO:
        """The QUBO ``f + lam.g + (rho/2)|g|^2`` (minimisation form, constant included)."""
        f = self.objective
        lam = np.asarray(lam, dtype=np.float64)
        h = f.h + self.G.T @ lam
        W = f.W.copy()
        offset = f.offset + float(lam @ self.c)
        if self.pairs is not None and len(self.pairs):
            k, u, v = self.pairs[:, 0], self.pairs[:, 1], self.pairs[:, 2]
            coef = lam[k] * self.pair_coef
            if rho:
                coef = coef + 0.5 * rho * self.pair_coef**2 + rho * self.c[k] * self.pair_coef
            W = W + sp.coo_matrix((np.concatenate([coef, coef]), (np.concatenate([u, v]), np.concatenate([v, u]))),
                                  shape=W.shape).tocsr()
        if rho:
            # (rho/2) |G x + c|^2 = (rho/2) (x' G'G x + 2 c' G x + c'c), x_i^2 = x_i
            d, off = self._gram()  # built once: it was rebuilt every iteration (4-5 s each on 30 x 5000)
            h = h + 0.5 * rho * d + rho * (self.G.T @ self.c)
            W = W + rho * off  # pairs i<j appear twice in x'Mx: coefficient rho*M_ij on each stored entry
            offset += 0.5 * rho * float(self.c @ self.c)
        W = sp.csr_matrix(W)
        if W.nnz:
            W.setdiag(0.0) if rho and W.diagonal().any() else None
            W.eliminate_zeros()
            W.sort_indices()
        return QUBO._trusted(np.asarray(h).ravel(), W, offset, name=f.name + "-relaxed")


@dataclass
class SlackEncoding:
    qubo: QUBO
    n_original: int
    n_slack: int
    penalty: float


def slack_bits(upper: int) -> list[int]:
    """Binary slack coefficients covering exactly ``0..upper``: 1, 2, 4, ..., plus a remainder bit."""
    if upper <= 0:
        return []
    k = int(math.floor(math.log2(upper)))  # powers 2^0 .. 2^(k-1) sum to 2^k - 1 <= upper
    coeffs = [1 << i for i in range(k)]
    rest = upper - ((1 << k) - 1)
    if rest > 0:
        coeffs.append(rest)
    return coeffs


def slack_penalty_qubo(model: LagrangianModel, penalty: float | None = None) -> SlackEncoding:
    """Textbook penalty encoding: ``g_k(x) + s_k = 0`` with binary slack bits, penalised by ``P g^2``.

    Inequalities need integer coefficients (the slack range must be exact);
    the default penalty is one more than the sum of absolute objective
    coefficients, which makes every infeasible point worse than every feasible one.
    Pair constraints ``coef x_u x_v <= 0`` (``coef > 0``, nothing else in the row: independent set's edges)
    need no slack, since ``g`` is never negative: their penalty is ``P coef^2 x_u x_v``.
    """
    G = sp.csr_matrix(model.G, copy=True)  # sparse throughout: an independent set has a row per edge
    G.eliminate_zeros()
    row_nnz = np.diff(G.indptr)
    c = model.c
    pair_rows = np.zeros(model.m, dtype=bool)
    if model.pairs is not None and len(model.pairs):
        k = model.pairs[:, 0]
        pair_rows[k] = True
        if (np.any(row_nnz[pair_rows] != 0) or np.any(c[pair_rows] != 0) or np.any(model.equality[pair_rows])
                or np.any(model.pair_coef <= 0) or np.unique(k).size != k.size):
            raise UnsuitedInstance("the slack encoding handles linear constraints and pair constraints "
                                   "coef * x_u * x_v <= 0 (coef > 0, one pair a row) only; the slack-free methods "
                                   "(lagrangian) handle the others")
    s_rows, s_vals = _slack_layout(model, G, pair_rows)
    # 32-bit indices (int64 ones carry over to the penalty's G'G, 25 million entries on a 5 x 5000 knapsack: 2x slower)
    S = sp.csr_matrix((np.asarray(s_vals, dtype=np.float64), (np.asarray(s_rows, dtype=np.int32),
                                                               np.arange(len(s_vals), dtype=np.int32))),
                      shape=(model.m, len(s_vals)))
    n, ns = model.n, S.shape[1]
    f = model.objective
    if penalty is None:
        penalty = float(np.abs(f.h).sum() + 0.5 * np.abs(f.W.data).sum()) + 1.0
    big = LagrangianModel(
        objective=QUBO(np.concatenate([f.h, np.zeros(ns)]), sp.block_diag([f.W, sp.csr_matrix((ns, ns))]).tocsr(),
                       f.offset, name=f.name + "-slack"),
        G=sp.hstack([model.G, S]).tocsr(),
        c=c,
        equality=np.ones(model.m, dtype=bool),
        pairs=model.pairs,
        pair_coef=model.pair_coef,
    )
    # P * g^2 = relaxed QUBO with lam = 0 and rho = 2P
    q = big.relaxed_qubo(np.zeros(model.m), rho=2.0 * penalty)
    return SlackEncoding(q, n, ns, float(penalty))


def _slack_layout(model: LagrangianModel, G, pair_rows: np.ndarray) -> tuple[list[int], list[int]]:
    """The slack bits of :func:`slack_penalty_qubo`: for each inequality row (not a pair row), the row and value of
    each bit; :class:`UnsuitedInstance` on a row with non-integer coefficients."""
    c = model.c
    s_rows: list[int] = []
    s_vals: list[int] = []
    for k in np.flatnonzero(~model.equality & ~pair_rows).tolist():
        row = G.data[G.indptr[k]:G.indptr[k + 1]]
        if not (np.allclose(row, np.round(row)) and math.isclose(c[k], round(c[k]))):
            frac = [f"coefficient {v:g}" for v in row.tolist() if not math.isclose(v, round(v))]
            what = frac[0] if frac else f"right-hand side {-float(c[k]):g}"  # the row is a x + c <= 0
            raise UnsuitedInstance(f"constraint {k} has a non-integer {what}: the slack encoding "
                                   "needs integer coefficients (its binary slack bits sum to integers); the "
                                   "slack-free methods (lagrangian) do not")
        lo = float(np.minimum(row, 0).sum() + c[k])  # min of g_k over binary x
        for coef in slack_bits(int(round(-lo))):
            s_rows.append(k)
            s_vals.append(coef)
    return s_rows, s_vals


def slack_names(model: LagrangianModel, item: str = "x") -> list[str]:
    """Names of :func:`slack_penalty_qubo`'s variables, counted from 1: ``x1..xn``, then ``s<row>_<coef>`` for the
    slack bit of value ``coef`` in constraint ``row`` (``s2_4``: the bit worth 4 in constraint 2); a remainder bit
    worth as much as one of the powers of two before it (a capacity of 67: 1, 2, ..., 32 and 4) is ``s<row>_<coef>r``,
    so that no two variables share a name."""
    G = sp.csr_matrix(model.G, copy=True)
    G.eliminate_zeros()
    pair_rows = np.zeros(model.m, dtype=bool)
    if model.pairs is not None and len(model.pairs):
        pair_rows[model.pairs[:, 0]] = True
    rows, vals = _slack_layout(model, G, pair_rows)
    names = [f"{item}{j + 1}" for j in range(model.n)]
    seen: set[str] = set()
    for k, v in zip(rows, vals, strict=True):
        name = f"s{k + 1}_{v}"
        names.append(name + "r" if name in seen else name)
        seen.add(name)
    return names
