"""The coupling problems: MEC (``mec``), EBIM (``ebim``) and MEC-B (``mecb``).

Solutions are sparse couplings (:class:`Coupling`): a list of cells (one index
per variable) with their masses. Every objective and constraint is recomputed
here from the cells, independently of the solvers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...core.errors import InputError, ParameterError
from ...core.problem import Evaluation, Problem
from ...core.registry import register_kind
from .measures import binary_entropy, entropy, majorization_bound, profile_bound

register_kind("mec")
register_kind("ebim")
register_kind("mecb")

#: an input marginal must sum to 1 within this (else ``normalize=true`` is needed)
SUM_TOL = 1e-6
#: a coupling's marginals must match the problem's within this (absolute, per entry)
MARGINAL_TOL = 1e-8
#: a reported entropy must match the recomputed one within this (bits)
ENTROPY_TOL = 1e-6
#: H(T) may exceed the rate by this much (bits), for rounding
RATE_TOL = 1e-9
MAX_CELLS = 50_000_000
MAX_VIOLATIONS_LISTED = 10


@dataclass
class Coupling:
    """A sparse joint distribution: ``index[c]`` is the cell (one index per variable), ``mass[c]`` its mass.

    Attributes
    ----------
    index
        ``(nnz, k)`` int64 array of cell indices.
    mass
        ``(nnz,)`` float64 array of masses.
    shape
        Alphabet size of each of the ``k`` variables.
    """

    index: np.ndarray
    mass: np.ndarray
    shape: tuple[int, ...]

    def __post_init__(self):
        self.index = np.asarray(self.index, dtype=np.int64).reshape(-1, len(self.shape))
        self.mass = np.asarray(self.mass, dtype=np.float64).ravel()

    @property
    def nnz(self) -> int:
        return int(self.mass.size)

    def merged(self) -> Coupling:
        """The same coupling with repeated cells added up and zero cells dropped."""
        if self.nnz == 0:
            return self
        key = np.ravel_multi_index(self.index.T, self.shape) if math.prod(self.shape) < 2**62 else None
        if key is None:  # pragma: no cover - absurd alphabets
            uniq, inv = np.unique(self.index, axis=0, return_inverse=True)
        else:
            uk, inv = np.unique(key, return_inverse=True)
            uniq = np.stack(np.unravel_index(uk, self.shape), axis=1)
        m = np.bincount(inv.ravel(), weights=self.mass, minlength=len(uniq))
        keep = m > 0
        return Coupling(uniq[keep], m[keep], self.shape)

    def marginal(self, axis: int) -> np.ndarray:
        return np.bincount(self.index[:, axis], weights=self.mass, minlength=self.shape[axis])

    def entropy(self) -> float:
        return entropy(self.merged().mass)

    def dense(self) -> np.ndarray:
        """Dense array (only for small alphabets)."""
        if math.prod(self.shape) > 10_000_000:
            raise ParameterError(f"coupling of shape {self.shape} is too large for a dense array")
        out = np.zeros(self.shape)
        np.add.at(out, tuple(self.index.T), self.mass)
        return out

    @classmethod
    def from_dense(cls, M) -> Coupling:
        M = np.asarray(M, dtype=np.float64)
        idx = np.argwhere(M > 0)
        return cls(idx, M[tuple(idx.T)], M.shape)

    def to_json(self) -> dict:
        return {"shape": list(self.shape), "cells": [[*map(int, i), float(m)] for i, m in zip(self.index, self.mass,
                                                                                             strict=True)]}

    @classmethod
    def from_json(cls, data, path=None, what="coupling") -> Coupling:
        if not isinstance(data, dict) or "shape" not in data or "cells" not in data:
            raise InputError(path, f"expected the {what} as an object with 'shape' and 'cells' "
                                   "([i, j, ..., mass] rows)")
        shape = data["shape"]
        if not (isinstance(shape, list) and shape and all(isinstance(s, int) and not isinstance(s, bool) and s > 0
                                                          for s in shape)):
            raise InputError(path, f"{what}: 'shape' must be a list of positive integers")
        cells = data["cells"]
        if not isinstance(cells, list) or len(cells) > MAX_CELLS:
            raise InputError(path, f"{what}: 'cells' must be a list of at most {MAX_CELLS} [i, j, ..., mass] rows")
        k = len(shape)
        idx = np.zeros((len(cells), k), dtype=np.int64)
        mass = np.zeros(len(cells))
        for c, row in enumerate(cells):
            if not isinstance(row, list) or len(row) != k + 1:
                raise InputError(path, f"{what}: cell {c} must be [{', '.join('ijklm'[:k])}, mass]")
            for a in range(k):
                v = row[a]
                if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < shape[a]:
                    raise InputError(path, f"{what}: cell {c} index {v!r} out of range 0..{shape[a] - 1}")
                idx[c, a] = v
            m = row[k]
            if not isinstance(m, (int, float)) or isinstance(m, bool) or not math.isfinite(m):
                raise InputError(path, f"{what}: cell {c} mass must be a finite number, got {m!r}")
            mass[c] = m
        return cls(idx, mass, tuple(shape))


def check_marginals(marginals, path=None, normalize: bool = False, lenient: bool = False):
    """Validate probability vectors: 1-D, non-empty, finite, non-negative, summing to 1.

    Returns ``(normalised marginals, raw sums)``. A sum off by more than
    :data:`SUM_TOL` raises unless ``normalize`` (or ``lenient``: the reader
    defers that decision to the solve, where ``normalize=true`` is a parameter).
    """
    out, sums = [], []
    for k, p in enumerate(marginals):
        a = np.asarray(p, dtype=np.float64)
        if a.ndim != 1 or a.size == 0:
            raise InputError(path, f"marginal {k} must be a non-empty list of probabilities")
        if not np.all(np.isfinite(a)):
            raise InputError(path, f"marginal {k} has a non-finite entry at position {int(np.argmin(np.isfinite(a)))}")
        if np.any(a < 0):
            raise InputError(path, f"marginal {k} has a negative entry at position {int(np.argmax(a < 0))}; "
                                   "expected probabilities >= 0")
        s = float(a.sum())
        if not s > 0:
            raise InputError(path, f"marginal {k} sums to 0; expected probabilities summing to 1")
        if abs(s - 1.0) > SUM_TOL and not (normalize or lenient):
            raise InputError(path, f"marginal {k} sums to {s:.9g}; expected 1 within {SUM_TOL:g} "
                                   "(pass -p normalize=true to renormalise)")
        out.append(a / s)
        sums.append(s)
    return out, sums


def north_west_corner(marginals) -> Coupling:
    """The north-west-corner coupling of any number of marginals: walk all alphabets in order,
    each cell taking the least remaining mass. A vertex of the transportation polytope with at
    most ``sum(n_i) - k + 1`` cells, built without any compiled kernel (the cold-start answer)."""
    ps = [np.asarray(p, dtype=np.float64) for p in marginals]
    rem = [float(p[0]) for p in ps]
    pos = [0] * len(ps)
    cells, mass = [], []
    total = min(float(p.sum()) for p in ps)
    left = total
    while left > 1e-15 and all(pos[i] < ps[i].size for i in range(len(ps))):
        m = min(rem)
        if m > 0:
            cells.append(list(pos))
            mass.append(m)
            left -= m
        for i in range(len(ps)):
            rem[i] -= m
            if rem[i] <= 1e-15 and pos[i] + 1 < ps[i].size:
                pos[i] += 1
                rem[i] = float(ps[i][pos[i]])
            elif rem[i] <= 1e-15:
                pos[i] += 1
    return Coupling(np.array(cells, dtype=np.int64).reshape(-1, len(ps)), np.array(mass),
                    tuple(int(p.size) for p in ps))


class CouplingProblem(Problem):
    """Shared part of the three coupling kinds: validated marginals and the normalisation gate.

    Parameters
    ----------
    marginals
        Probability vectors.
    rate
        Rate ``R`` in bits (EBIM, MEC-B).
    normalize
        Renormalise marginals whose sums are off (otherwise that is an error).
    lenient
        Defer the sum check to the solve (readers do this; see :meth:`require_sums`).
    """

    min_marginals = 1
    max_marginals: int | None = None
    needs_rate = False

    def __init__(self, marginals, rate: float | None = None, name: str = "coupling", source: str | None = None,
                 normalize: bool = False, lenient: bool = False):
        marginals = list(marginals)
        if len(marginals) < self.min_marginals or (self.max_marginals and len(marginals) > self.max_marginals):
            want = (f"exactly {self.min_marginals}" if self.max_marginals == self.min_marginals
                    else f"at least {self.min_marginals}" if self.max_marginals is None
                    else f"{self.min_marginals} to {self.max_marginals}")
            raise InputError(source, f"kind {self.kind!r} needs {want} marginals, got {len(marginals)}")
        self.marginals, self.sums = check_marginals(marginals, source, normalize, lenient)
        self.normalized = bool(normalize)
        if self.needs_rate:
            if rate is None:
                raise InputError(source, f"kind {self.kind!r} needs a rate R in bits (JSON \"rate\", or a "
                                         "'# rate=R' line in CSV)")
            if isinstance(rate, bool) or not isinstance(rate, (int, float, np.floating)) or not math.isfinite(rate) \
                    or rate < 0:
                raise InputError(source, f"rate must be a finite number >= 0 (bits), got {rate!r}")
        self.rate = None if rate is None else float(rate)
        self.name = name
        self.source = source

    @property
    def sums_off(self) -> list[int]:
        return [k for k, s in enumerate(self.sums) if abs(s - 1.0) > SUM_TOL]

    def require_sums(self, normalize) -> None:
        """Refuse marginals whose sums are off unless ``normalize`` is true (solver parameter)."""
        if normalize not in (True, False, None, "true", "false", 0, 1):
            raise ParameterError(f"parameter normalize must be true or false, got {normalize!r}")
        if normalize in (True, "true", 1):
            self.normalized = True
            return
        bad = self.sums_off
        if bad and not self.normalized:
            k = bad[0]
            raise InputError(self.source, f"marginal {k} sums to {self.sums[k]:.9g}; expected 1 within {SUM_TOL:g} "
                                          "(pass -p normalize=true to renormalise)")

    @property
    def num_variables(self) -> int:
        return int(sum(p.size for p in self.marginals))

    # -- shared checks ----------------------------------------------------------------
    def _coupling_violations(self, c: Coupling, targets: dict[int, np.ndarray], what: str) -> list[str]:
        viol = []
        if c.nnz and (c.index.min() < 0 or np.any(c.index.max(axis=0) >= np.asarray(c.shape))):
            return [f"{what}: a cell index is outside the shape {list(c.shape)}"]
        if c.nnz and (not np.all(np.isfinite(c.mass)) or c.mass.min() < -MARGINAL_TOL):
            viol.append(f"{what}: masses must be finite and non-negative")
            return viol
        for axis, target in targets.items():
            if c.shape[axis] != target.size:
                viol.append(f"{what}: axis {axis} has {c.shape[axis]} states, expected {target.size}")
                continue
            err = np.abs(c.marginal(axis) - target)
            bad = np.flatnonzero(err > MARGINAL_TOL)
            for i in bad[:MAX_VIOLATIONS_LISTED]:
                viol.append(f"{what}: marginal {axis} at {int(i)} is {c.marginal(axis)[i]:.12g}, "
                            f"expected {target[i]:.12g}")
            if bad.size > MAX_VIOLATIONS_LISTED:
                viol.append(f"... and {bad.size - MAX_VIOLATIONS_LISTED} more")
        return viol

    def _claims(self, solution, values: dict[str, float]) -> list[str]:
        """Compare the entropies a solution file reports with the recomputed ones."""
        claims = getattr(solution, "claims", None) or {}
        viol = []
        for key, v in claims.items():
            if key in values and v is not None and abs(float(v) - values[key]) > ENTROPY_TOL:
                viol.append(f"reported {key} = {float(v):.9g} bits, recomputed {values[key]:.9g}")
        return viol

    def _gate_json(self, data, path) -> None:
        params = data.get("params", {}) if isinstance(data, dict) else {}
        self.require_sums(params.get("normalize") if isinstance(params, dict) else None)


def _claimed(c: Coupling, claims) -> Coupling:
    """Attach the entropies a solution file reports (``evaluate`` compares them with its own)."""
    c.claims = {k: v for k, v in claims.items() if isinstance(v, (int, float))} if isinstance(claims, dict) else None
    return c


class MEC(CouplingProblem):
    """Minimum-entropy coupling of ``k >= 2`` marginals (``kind="mec"``, minimise ``H`` in bits).

    A solution is a :class:`Coupling` whose marginals are the problem's.
    """

    kind = "mec"
    sense = "min"
    min_marginals = 2

    def describe(self) -> str:
        return f"mec {self.name}: marginals of sizes {', '.join(str(p.size) for p in self.marginals)}"

    def as_coupling(self, solution) -> Coupling:
        if isinstance(solution, Coupling):
            return solution
        M = np.asarray(solution, dtype=np.float64)
        return Coupling.from_dense(M)

    def construct(self):
        return north_west_corner(self.marginals)

    def evaluate(self, solution) -> Evaluation:
        try:
            c = self.as_coupling(solution)
        except (TypeError, ValueError) as e:
            return Evaluation(None, False, [f"not a coupling: {e}"])
        if len(c.shape) != len(self.marginals):
            return Evaluation(None, False, [f"coupling has {len(c.shape)} axes, expected {len(self.marginals)}"])
        viol = self._coupling_violations(c, dict(enumerate(self.marginals)), "coupling")
        if viol:
            return Evaluation(None, False, viol)
        H = c.entropy()
        viol = self._claims(solution, {"H": H})
        return Evaluation(H, not viol, viol)

    def bound(self) -> float:
        """``max(H(p ∧ q ∧ ...), profile bound)``: every coupling has at least this entropy."""
        return max(majorization_bound(self.marginals), profile_bound(self.marginals))

    def solution_to_json(self, solution):
        c = self.as_coupling(solution).merged()
        return {**c.to_json(), "entropies": {"H": c.entropy()}}

    def solution_from_json(self, data, path=None):
        self._gate_json(data, path)
        sol = data.get("solution", data) if isinstance(data, dict) else data
        c = Coupling.from_json(sol, path)
        return _claimed(c, sol.get("entropies"))


class EBIM(CouplingProblem):
    """Entropy-bounded information maximisation (``kind="ebim"``, maximise ``I(X;T)`` subject to ``H(T) <= R``).

    A solution is a :class:`Coupling` of shape ``(n, t)``: the joint ``p(x, t)``
    of the source and the code, whose first marginal is ``p_X``.
    """

    kind = "ebim"
    sense = "max"
    min_marginals = 1
    max_marginals = 1
    needs_rate = True

    @property
    def p(self) -> np.ndarray:
        return self.marginals[0]

    def describe(self) -> str:
        return f"ebim {self.name}: |X| = {self.p.size}, H(X) = {entropy(self.p):.6g} bits, R = {self.rate:g} bits"

    def evaluate(self, solution) -> Evaluation:
        c = solution if isinstance(solution, Coupling) else Coupling.from_dense(np.asarray(solution, dtype=float))
        if len(c.shape) != 2:
            return Evaluation(None, False, ["the encoder p(x, t) must have 2 axes"])
        viol = self._coupling_violations(c, {0: self.p}, "encoder")
        if viol:
            return Evaluation(None, False, viol)
        HT = entropy(c.marginal(1))
        HXT = c.entropy()
        I = entropy(self.p) + HT - HXT
        if HT > self.rate + RATE_TOL:
            viol.append(f"H(T) = {HT:.9g} bits exceeds the rate R = {self.rate:g}")
        viol += self._claims(solution, {"I_XT": I, "H_T": HT, "H_XT": HXT})
        return Evaluation(I, not viol, viol)

    def bound(self) -> float:
        """``min(R, H(X))``: ``I(X;T) <= H(T) <= R`` and ``I(X;T) <= H(X)``."""
        return min(self.rate, entropy(self.p))

    def second_mass(self) -> float:
        s = np.sort(self.p)[::-1]
        return float(s[1]) if s.size > 1 else 0.0

    def greedy_guarantee(self) -> float:
        """``h(p2)``: the greedy encoder is within this many bits of the optimum."""
        return binary_entropy(self.second_mass())

    def solution_to_json(self, solution):
        c = solution.merged()
        HT = entropy(c.marginal(1))
        return {**c.to_json(), "entropies": {"I_XT": entropy(self.p) + HT - c.entropy(), "H_T": HT,
                                             "H_XT": c.entropy()}}

    def solution_from_json(self, data, path=None):
        self._gate_json(data, path)
        sol = data.get("solution", data) if isinstance(data, dict) else data
        c = Coupling.from_json(sol, path, "encoder")
        if len(c.shape) != 2:
            raise InputError(path, "encoder: 'shape' must be [|X|, |T|]")
        return _claimed(c, sol.get("entropies"))


@dataclass
class MECBSolution:
    """Encoder ``p(x, t)`` and decoder ``p(t, y)`` of a MEC-B solution (Markov chain X - T - Y)."""

    encoder: Coupling
    decoder: Coupling
    claims: dict | None = None

    def joint(self) -> Coupling:
        """``p(x, y) = sum_t p(x, t) p(t, y) / p(t)`` as a sparse coupling."""
        import scipy.sparse as sp

        n, t = self.encoder.shape
        t2, m = self.decoder.shape
        pt = self.encoder.marginal(1)
        A = sp.csr_matrix((self.encoder.mass, (self.encoder.index[:, 0], self.encoder.index[:, 1])), shape=(n, t))
        inv = np.divide(1.0, pt, out=np.zeros_like(pt), where=pt > 0)
        rows = self.decoder.index[:, 0]
        B = sp.csr_matrix((self.decoder.mass * inv[rows], (rows, self.decoder.index[:, 1])), shape=(t2, m))
        J = (A @ B).tocoo()
        return Coupling(np.stack([J.row, J.col], axis=1), J.data, (n, m))


class MECB(CouplingProblem):
    """Minimum-entropy coupling with bottleneck (``kind="mecb"``): maximise ``I(X;Y)``.

    Given ``p_X``, ``p_Y`` and a rate ``R``, find an encoder ``p(x, t)`` with
    ``H(T) <= R`` and a decoder ``p(t, y)`` with Y-marginal ``p_Y`` (X - T - Y).
    A solution is a :class:`MECBSolution`.
    """

    kind = "mecb"
    sense = "max"
    min_marginals = 2
    max_marginals = 2
    needs_rate = True

    def describe(self) -> str:
        p, q = self.marginals
        return f"mecb {self.name}: |X| = {p.size}, |Y| = {q.size}, R = {self.rate:g} bits"

    def measures(self, sol: MECBSolution) -> dict[str, float]:
        p, q = self.marginals
        enc, dec = sol.encoder, sol.decoder
        HT = entropy(enc.marginal(1))
        I_XT = entropy(p) + HT - enc.entropy()
        I_TY = HT + entropy(q) - dec.entropy()
        J = sol.joint().merged()
        I_XY = entropy(p) + entropy(q) - J.entropy()
        return {"I_XY": I_XY, "I_XT": I_XT, "I_TY": I_TY, "H_T": HT, "lower_bound": I_XT + I_TY - HT}

    def evaluate(self, solution) -> Evaluation:
        if not isinstance(solution, MECBSolution):
            return Evaluation(None, False, ["a MEC-B solution needs an encoder and a decoder"])
        p, q = self.marginals
        enc, dec = solution.encoder, solution.decoder
        if len(enc.shape) != 2 or len(dec.shape) != 2:
            return Evaluation(None, False, ["encoder and decoder must have 2 axes each"])
        viol = self._coupling_violations(enc, {0: p}, "encoder")
        viol += self._coupling_violations(dec, {1: q}, "decoder")
        if not viol:
            if enc.shape[1] != dec.shape[0]:
                viol.append(f"encoder has {enc.shape[1]} code words, decoder {dec.shape[0]}")
            else:
                viol += self._coupling_violations(dec, {0: enc.marginal(1)}, "decoder (T side)")
        if viol:
            return Evaluation(None, False, viol)
        m = self.measures(solution)
        if m["H_T"] > self.rate + RATE_TOL:
            viol.append(f"H(T) = {m['H_T']:.9g} bits exceeds the rate R = {self.rate:g}")
        viol += self._claims(solution, m)
        return Evaluation(m["I_XY"], not viol, viol)

    def bound(self) -> float:
        """``min(R, H(X), H(Y))`` (data processing: ``I(X;Y) <= I(X;T) <= H(T) <= R``)."""
        p, q = self.marginals
        return min(self.rate, entropy(p), entropy(q))

    def solution_to_json(self, solution):
        return {"encoder": solution.encoder.merged().to_json(), "decoder": solution.decoder.merged().to_json(),
                "joint": solution.joint().merged().to_json(), "entropies": self.measures(solution)}

    def solution_from_json(self, data, path=None):
        self._gate_json(data, path)
        sol = data.get("solution", data) if isinstance(data, dict) else data
        if not isinstance(sol, dict) or "encoder" not in sol or "decoder" not in sol:
            raise InputError(path, "expected a MEC-B solution with 'encoder' and 'decoder' couplings")
        return MECBSolution(Coupling.from_json(sol["encoder"], path, "encoder"),
                            Coupling.from_json(sol["decoder"], path, "decoder"),
                            sol.get("entropies") if isinstance(sol.get("entropies"), dict) else None)


KINDS = {"mec": MEC, "ebim": EBIM, "mecb": MECB}


def make_problem(kind: str, marginals, rate=None, **kw) -> CouplingProblem:
    """Build the problem of ``kind`` (``mec``, ``ebim`` or ``mecb``)."""
    if kind not in KINDS:
        raise ParameterError(f"coupling kind must be one of mec, ebim, mecb; got {kind!r}")
    return KINDS[kind](marginals, rate, **kw)
