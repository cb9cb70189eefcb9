"""Quadratic unconstrained binary optimisation model.

Energy of a binary vector ``x``::

    E(x) = offset + sum_i h_i x_i + sum_{i<j} J_ij x_i x_j

The couplings are kept as a symmetric CSR matrix ``W`` with a zero diagonal
(``W_ij = W_ji = J_ij``), so ``E(x) = offset + h.x + x.W.x / 2`` and the
one-flip change of variable ``i`` is ``(1 - 2 x_i) (h_i + (W x)_i)``.
Maximisation problems are handled by sign: build with ``sense="max"`` and the
stored model is the negated one; :meth:`QUBO.objective` gives the user's value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.errors import InputError, ParameterError
from ..core.jsonpos import line_of
from ..core.problem import Evaluation, Problem, coefficient_scale, describe_value, short_repr
from ..core.safeio import json_vector

NON_FINITE = "QUBO coefficients and offset must be finite numbers (no NaN or infinity)"
#: bytes a QUBO keeps per variable (linear terms, CSR row pointers, solver state) and per coupling (both CSR
#: entries), for the memory check of :meth:`QUBO.from_dicts`
BYTES_PER_VARIABLE = 64
BYTES_PER_COUPLING = 48


def _variable(i: Any, arg: str, key: Any) -> int:
    """A variable index of a :meth:`QUBO.from_dicts` key: a non-negative integer (not a bool, a float, a string)."""
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
        raise ParameterError(f"QUBO.from_dicts: {arg} key {short_repr(key)}: variable index {short_repr(i)} is not "
                             "an integer; expected indices 0, 1, 2, ...")
    if i < 0:
        raise ParameterError(f"QUBO.from_dicts: {arg} key {short_repr(key)}: variable index {short_repr(i)} out of "
                             "range: expected indices from 0")
    return int(i)


def _coefficient(v: Any, arg: str, key: Any) -> float:
    """A coefficient of :meth:`QUBO.from_dicts`: a finite real number."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        raise ParameterError(f"QUBO.from_dicts: {arg}[{short_repr(key)}] = {short_repr(v)} is not a number")
    try:
        f = float(v)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f):
        raise ParameterError(f"QUBO.from_dicts: {arg}[{short_repr(key)}] = {short_repr(v)} is not a finite number")
    return f


class QUBO(Problem):
    """A QUBO in minimisation form (see module docstring).

    Parameters
    ----------
    linear
        Length-n vector ``h``.
    couplings
        Symmetric matrix with zero diagonal (dense array or scipy sparse) of
        the pair coefficients ``J_ij`` (each pair stored twice).
    offset
        Constant added to every energy.
    variables
        Optional names, one per variable.
    sense
        ``"min"`` (default) or ``"max"``: for ``"max"`` the caller's model is
        negated so solvers always minimise; objectives are reported back in
        the caller's sense.
    """

    kind = "qubo"

    def __init__(
        self,
        linear: np.ndarray,
        couplings: np.ndarray | sp.spmatrix | sp.sparray,
        offset: float = 0.0,
        variables: Sequence[str] | None = None,
        sense: str = "min",
        name: str = "qubo",
    ):
        try:
            h = np.array(linear, dtype=np.float64)
            W = sp.csr_matrix(couplings, dtype=np.float64)  # may share the caller's arrays: copied before a change
        except (TypeError, ValueError, OverflowError) as e:
            raise ParameterError(f"linear must be a vector and couplings a square matrix of numbers ({e})") from None
        if sum(d > 1 for d in h.shape) > 1:  # a row or column vector is a vector; a matrix is not
            raise ParameterError(f"linear must be a vector (one coefficient per variable), got shape {h.shape}")
        h = h.ravel()
        n = h.size
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(W.data)) and math.isfinite(float(offset))):
            raise ParameterError(NON_FINITE)
        if W.shape != (n, n):
            raise ParameterError(f"couplings must be {n}x{n}, got {W.shape}")
        if sense not in ("min", "max"):
            raise ParameterError(f"sense must be 'min' or 'max', got {sense!r}")
        if W.diagonal().any():  # dropping it changed the energy without a word (W_ii = -5: E([1, 0]) was 0)
            i = int(np.flatnonzero(W.diagonal())[0])
            raise ParameterError(f"couplings must have a zero diagonal, got {W[i, i]:g} at ({i}, {i}); a diagonal term "
                                 "is a linear one: put it in linear, or use QUBO.from_matrix for a Q with a diagonal")
        if not (W.has_canonical_format and W.data.all() and not W.diagonal().any()):
            W = W.copy()  # stored diagonal, explicit zeros, duplicates or unsorted rows: fixed in a copy of our own
            W.setdiag(0.0)
            W.eliminate_zeros()
            W.sum_duplicates()
            W.sort_indices()
        with np.errstate(over="ignore"):
            total = abs(float(offset)) + float(np.abs(h).sum()) + float(np.abs(W.data).sum())
        if not math.isfinite(total):  # as the file readers (_finite_energy): energies would overflow
            raise ParameterError("QUBO coefficients too large: their absolute values add up to more than a float "
                                 "holds (about 1.8e308), so energies would overflow; expected smaller coefficients")
        if (abs(W - W.T) > 1e-9 * max(1.0, abs(W).max() if W.nnz else 1.0)).nnz:
            raise ParameterError("couplings must be symmetric (use QUBO.from_matrix for an upper-triangular Q)")
        sign = 1.0 if sense == "min" else -1.0
        self.h = sign * h
        self.W = sign * W  # a new matrix in either sense: never the caller's arrays
        self.offset = sign * float(offset)
        self.model_sense = sense
        self.sense = sense
        self.name = name
        self.variables = list(variables) if variables is not None else None
        if self.variables is not None and len(self.variables) != n:
            raise ParameterError(f"{len(self.variables)} variable names for {n} variables")

    # -- constructors -------------------------------------------------------
    @classmethod
    def _trusted(cls, h: np.ndarray, W: sp.csr_matrix, offset: float, name: str = "qubo") -> QUBO:
        """Build without validation from a symmetric zero-diagonal CSR (internal hot paths)."""
        q = cls.__new__(cls)
        q.h = np.asarray(h, dtype=np.float64)
        q.W = W
        q.offset = float(offset)
        q.model_sense = q.sense = "min"
        q.name = name
        q.variables = None
        return q


    @classmethod
    def from_matrix(cls, Q, offset: float = 0.0, **kw) -> QUBO:
        """From ``E = x^T Q x + offset`` with any square ``Q`` (dense or sparse)."""
        try:
            Q = sp.csr_matrix(Q, dtype=np.float64)
        except (TypeError, ValueError, OverflowError) as e:
            raise ParameterError(f"Q must be a square matrix of numbers ({e})") from None
        if Q.shape[0] != Q.shape[1]:
            raise ParameterError(f"Q must be square, got {Q.shape}")
        h = Q.diagonal().copy()
        S = (Q + Q.T).tocsr()
        S.setdiag(0.0)
        return cls(h, S, offset, **kw)

    @classmethod
    def from_dicts(
        cls,
        linear: Mapping[int, float],
        quadratic: Mapping[tuple[int, int], float],
        offset: float = 0.0,
        n: int | None = None,
        **kw,
    ) -> QUBO:
        """From ``{i: h_i}`` and ``{(i, j): J_ij}`` (i != j, duplicates add up).

        Keys are non-negative integer indices (pairs of them in ``quadratic``), values finite numbers; the model has
        ``n`` variables (default: the largest index + 1), checked against the memory limit
        (:mod:`combopt.core.limits`) before anything is allocated. Anything else is a :class:`ParameterError` naming
        the key."""
        for arg, value in (("linear", linear), ("quadratic", quadratic)):
            if not isinstance(value, Mapping):
                raise ParameterError(f"QUBO.from_dicts: {arg} must be a dict, got {describe_value(value)}")
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0):
            raise ParameterError(f"QUBO.from_dicts: n must be a non-negative integer (or None), got {short_repr(n)}")
        lin = [(_variable(i, "linear", i), _coefficient(v, "linear", i)) for i, v in linear.items()]
        quad = []
        for key, v in quadratic.items():
            if not (isinstance(key, tuple) and len(key) == 2):
                raise ParameterError(f"QUBO.from_dicts: quadratic key {short_repr(key)} is not a pair (i, j) of "
                                     "variable indices")
            quad.append((_variable(key[0], "quadratic", key), _variable(key[1], "quadratic", key),
                         _coefficient(v, "quadratic", key)))
        top = max([i for i, _ in lin] + [max(i, j) for i, j, _ in quad], default=-1)
        key = next((k for k in [*linear, *quadratic] if top in (k if isinstance(k, tuple) else (k,))), None)
        if n is not None and top >= n:
            raise ParameterError(f"QUBO.from_dicts: key {short_repr(key)}: variable index {short_repr(top)} out of "
                                 f"range: expected indices {f'0..{n - 1}' if n > 0 else 'from 0 (n=0: no variables)'}")
        from ..core.limits import check_memory

        # before anything is allocated: {(0, 10**12): 1.0} asks for a vector of 10**12 + 1 linear terms
        what = (f"QUBO.from_dicts: n={short_repr(n)} variables" if n is not None else
                f"QUBO.from_dicts: key {short_repr(key)} (variable index {short_repr(top)}, so {short_repr(top + 1)} "
                "variables)")
        n = top + 1 if n is None else int(n)
        nbytes = math.inf if n.bit_length() > 64 else float(BYTES_PER_VARIABLE) * n + BYTES_PER_COUPLING * len(quad)
        check_memory(nbytes, what)  # inf for 10**5000 (float() of it overflows)
        h = np.zeros(n)
        for i, v in lin:
            h[i] += v
        rows, cols, vals = [], [], []
        for i, j, v in quad:
            if i == j:
                h[i] += v
                continue
            rows += [i, j]
            cols += [j, i]
            vals += [v, v]
        W = sp.coo_matrix((vals, (rows, cols)), shape=(n, n)).tocsr()
        return cls(h, W, offset, **kw)

    @classmethod
    def random(cls, n: int, density: float = 1.0, seed: int = 0, scale: float = 1.0) -> QUBO:
        """Random QUBO with normal coefficients (for tests and benchmarks)."""
        if not (isinstance(n, int | np.integer) and n >= 1) or not 0.0 < density <= 1.0:
            raise ParameterError(f"a random QUBO needs n >= 1 variables and a density in (0, 1], got n={n!r}, "
                                 f"density={density!r}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ParameterError(f"a random QUBO's seed must be a non-negative integer, got {seed!r:.40}")
        if isinstance(scale, bool) or not isinstance(scale, int | float | np.integer | np.floating) \
                or not 0.0 < scale < math.inf:
            raise ParameterError(f"a random QUBO's scale must be a positive, finite number, got {scale!r:.40}")
        rng = np.random.default_rng(seed)
        h = rng.normal(0, scale, n)
        if density >= 1.0:
            U = np.triu(rng.normal(0, scale, (n, n)), 1)
            W = U + U.T
        else:
            U = sp.random(n, n, density=density, random_state=rng, data_rvs=lambda k: rng.normal(0, scale, k))
            U = sp.triu(U, 1)
            W = (U + U.T).tocsr()
        return cls(h, W, name=f"random-n{n}-d{density:g}-s{seed}")

    # -- basic properties -----------------------------------------------------
    @property
    def n(self) -> int:
        return int(self.h.size)

    @property
    def num_variables(self) -> int:
        return self.n

    @property
    def num_interactions(self) -> int:
        return int(self.W.nnz // 2)

    @property
    def density(self) -> float:
        n = self.n
        return 0.0 if n < 2 else self.W.nnz / (n * (n - 1))

    def csr_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indptr, indices, data)`` of the symmetric couplings (int64, int32, float64)."""
        W = self.W
        return (
            np.ascontiguousarray(W.indptr, dtype=np.int64),
            np.ascontiguousarray(W.indices, dtype=np.int32),
            np.ascontiguousarray(W.data, dtype=np.float64),
        )

    def to_dense(self) -> np.ndarray:
        """Dense upper-triangular ``Q`` with ``E = x^T Q x + offset`` (minimisation form)."""
        Q = np.triu(self.W.toarray(), 1)
        Q[np.diag_indices(self.n)] = self.h
        return Q

    # -- evaluation -----------------------------------------------------------
    def energy(self, x) -> float:
        """Energy of one binary vector in minimisation form."""
        x = np.asarray(x, dtype=np.float64)
        return float(self.offset + self.h @ x + 0.5 * x @ (self.W @ x))

    def energies(self, X) -> np.ndarray:
        """Energies of the rows of a 2-D binary array."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        WX = (self.W @ X.T).T
        return self.offset + X @ self.h + 0.5 * np.einsum("ij,ij->i", X, WX)

    def local_fields(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return self.h + self.W @ x

    def delta(self, x, i: int) -> float:
        """Energy change of flipping variable ``i`` of ``x``."""
        x = np.asarray(x)
        row = slice(self.W.indptr[i], self.W.indptr[i + 1])
        f = self.h[i] + float(self.W.data[row] @ x[self.W.indices[row]])
        return (1 - 2 * int(x[i])) * f

    def objective(self, energy: float) -> float:
        """Energy in the caller's sense (undoes the sign for ``sense="max"``)."""
        return energy if self.model_sense == "min" else -energy

    # -- Problem interface ----------------------------------------------------
    def evaluate(self, solution) -> Evaluation:
        try:
            x = np.asarray(solution)
        except (TypeError, ValueError, OverflowError):  # a ragged list
            return Evaluation(None, False, [f"solution is not a flat list of {self.n} zeros and ones"])
        if x.shape != (self.n,):
            return Evaluation(None, False, [f"solution has shape {x.shape}, expected ({self.n},)"])
        if not np.all((x == 0) | (x == 1)):
            return Evaluation(None, False, ["solution has entries other than 0 and 1"])
        return Evaluation(self.objective(self.energy(x)), True, [])

    def to_qubo(self, **params) -> QUBO:
        return self

    def integral_objective(self) -> bool:
        """Whole-number coefficients (OR-Library BQP, most qbsolv files) give whole-number energies."""
        return bool(float(self.offset).is_integer() and np.all(np.mod(self.h, 1) == 0)
                    and np.all(np.mod(self.W.data, 1) == 0))

    def objective_scale(self) -> float:
        return coefficient_scale(self.h, self.W.data)

    # -- bound ----------------------------------------------------------------
    def bound(self, seconds: float | None = None) -> float | None:
        return self.bound_info(seconds)["bound"]

    def bound_within(self, seconds: float) -> float | None:
        """The bound with ``seconds`` for the relaxation (a run's share); see :meth:`bound_info`."""
        return self.bound(seconds)

    def bound_info(self, seconds: float | None = None) -> dict:
        """A proven bound on the optimum in the caller's sense (below every energy for ``"min"``, above every
        objective for ``"max"``), cached: ``{"bound", "trivial", "cut_bound", "eigenvalue_steps",
        "relaxation_sweeps"}``.

        With ``x_i = (1 + s_0 s_i) / 2`` for spins ``s`` in ``{-1, 1}^(n+1)`` the energy is the Ising energy
        ``C + sum_e c_e s_u s_v`` with ``c = J / 4`` on the couplings, ``c_i0 = h_i / 2 + sum_j J_ij / 4`` to the extra
        spin and ``C = offset + sum(h) / 2 + sum_{i<j} J_ij / 4``; as ``s_u s_v = 1 - 2 [uv cut]``, the least energy is
        ``C + sum(c) - 2 maxcut(c)``. The maximum cut's certified bound (:mod:`.maxcut_bound`: the semidefinite
        relaxation's dual point, ``seconds`` for it; ``None``: the work of about 0.5 s, counted) gives the bound,
        else the sum of the positive ``c`` (``trivial``: ``C - sum |c|``). Rounded to the whole number on its side
        where the coefficients are whole (:meth:`integral_objective`); ``None`` where the sums overflow (coefficients
        near the float range)."""
        if "_bound" in self.__dict__:
            return self.__dict__["_bound"]
        from .maxcut_bound import cut_bound

        n = self.n
        U = sp.triu(self.W, k=1).tocoo()
        fields = self.h / 2 + np.asarray(self.W.sum(axis=1)).ravel() / 4
        on = np.flatnonzero(fields)
        edges = np.concatenate([np.c_[U.row, U.col], np.c_[on, np.full(on.size, n)]]).astype(np.int64)
        c = np.concatenate([U.data / 4, fields[on]])
        const = self.offset + self.h.sum() / 2 + U.data.sum() / 4
        positive = float(c[c > 0].sum())
        cut, steps, sweeps = (None, 0, 0) if not c.size else cut_bound(n + 1, edges, c, seconds)
        best = positive if cut is None else min(positive, cut)
        energy = const + float(c.sum()) - 2 * best
        if not math.isfinite(energy):  # coefficients near the float range: sums overflow, no bound
            energy = math.nan
        elif self.integral_objective():
            energy = math.ceil(energy - 1e-9 * max(1.0, abs(energy)))
        info = {"bound": None if math.isnan(energy) else float(self.objective(energy)),
                "trivial": float(self.objective(const + float(c.sum()) - 2 * positive)),
                "cut_bound": cut, "eigenvalue_steps": steps, "relaxation_sweeps": sweeps}
        self.__dict__["_bound"] = info
        return info

    def construct(self) -> np.ndarray:
        """All zeros: every binary vector is feasible."""
        return np.zeros(self.n, dtype=np.int8)

    #: when a list, every batch of samples handed to :meth:`from_qubo_samples` is appended
    #: to it (outer loops such as the Lagrangian methods read raw samples this way)
    sample_sink: list | None = None

    def from_qubo_sample(self, x, rng=None):
        return np.array(x, dtype=np.int8, copy=True)  # samples live in reused buffers

    def from_qubo_samples(self, X, rng=None, **hints) -> list:
        X = np.array(X, dtype=np.int8, copy=True)
        if self.sample_sink is not None:
            self.sample_sink.append(X)
        return list(X)

    def milp_terms(self) -> int:
        """Linearised MILP (:func:`combopt.models.milp.qubo_to_pulp`): a term per variable; per coupling its ``y`` in
        the objective plus one row of three terms (positive) or two rows of two (negative)."""
        U = sp.triu(self.W, k=1, format="coo")
        pos = int(np.count_nonzero(U.data > 0))
        return int(self.n + 4 * pos + 5 * (U.nnz - pos))

    def to_pulp(self):
        from .milp import qubo_to_pulp

        return qubo_to_pulp(self)

    def solution_to_json(self, solution):
        return [int(v) for v in np.asarray(solution)]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            data = data.get("solution")
        return json_vector(data, path, "a list of 0/1 numbers under 'solution'")

    # -- file I/O -------------------------------------------------------------
    def to_json_dict(self) -> dict[str, Any]:
        """The user's model (in their sense) as ``linear``, ``quadratic``, ``offset``."""
        sign = 1.0 if self.model_sense == "min" else -1.0
        U = sp.triu(self.W, 1).tocoo()
        names = self.variables or [f"x{i}" for i in range(self.n)]
        return {
            "format": "combopt-qubo",
            "sense": self.model_sense,
            "variables": names,
            "offset": sign * self.offset,
            "linear": {names[i]: sign * float(v) for i, v in enumerate(self.h) if v != 0},
            "quadratic": [[names[i], names[j], sign * float(v)] for i, j, v in zip(U.row, U.col, U.data, strict=True)],
        }

    def write_json(self, path: str | Path) -> None:
        """Indented for reading up to 10,000 couplings; compact beyond (a dense 3000-variable model: 110 MB that
        parse in half the time, instead of 247 MB one number a line)."""
        d = self.to_json_dict()
        small = len(d["quadratic"]) <= 10_000
        Path(path).write_text(json.dumps(d, indent=1) if small else json.dumps(d, separators=(",", ":")))

    def __repr__(self) -> str:
        return f"QUBO(n={self.n}, interactions={self.num_interactions}, sense={self.model_sense!r})"


def _quadratic_fast(items, index: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(rows, cols, values)`` of a ``quadratic`` list at numpy speed when every item is ``[name, name, number]``
    with string names already in ``index`` and finite values (what :meth:`QUBO.write_json` writes: a dense
    3000-variable model, 4.5 million items, in a few seconds instead of fifteen); else None, and the item-by-item
    reader gives the exact error or the new names' order."""
    if not isinstance(items, list) or not items:
        return None
    if set(map(type, items)) != {list} or set(map(len, items)) != {3}:
        return None
    a, b, v = [it[0] for it in items], [it[1] for it in items], [it[2] for it in items]
    if set(map(type, a)) != {str} or set(map(type, b)) != {str} or not set(map(type, v)) <= {int, float}:
        return None  # bool is its own type here: True / False are refused by the item reader, as they should be
    try:
        rows = np.array([index[x] for x in a], dtype=np.int64)
        cols = np.array([index[x] for x in b], dtype=np.int64)
        vals = np.array(v, dtype=np.float64)
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    if vals.shape != (len(items),) or not np.all(np.isfinite(vals)):
        return None
    return rows, cols, vals


def _finite_energy(path: Path, q: QUBO) -> QUBO:
    """``q`` when no energy can overflow: the absolute values of the offset, the linear terms and the couplings
    (each counted twice, as ``x.Wx`` adds it) must add up to a finite float. 30 linear terms of 1e307 add up to
    infinity: a solver then compares overflowed energies (a maximum of 0 was reported)."""
    with np.errstate(over="ignore"):
        total = abs(q.offset) + float(np.abs(q.h).sum()) + float(np.abs(q.W.data).sum())
    if not math.isfinite(total):
        raise InputError(path, "coefficients too large: their absolute values add up to more than a float holds "
                               "(about 1.8e308), so energies would overflow; expected smaller coefficients")
    return q


_QUBO_KEYS = frozenset({"format", "sense", "variables", "offset", "linear", "quadratic"})


def read_qubo_json(path: str | Path) -> QUBO:
    """Read the JSON written by :meth:`QUBO.write_json`."""
    p = Path(path)
    twice: list[tuple[dict, str]] = []  # (object, key) of every key an object holds twice

    def keep_pairs(pairs):
        d: dict = {}
        for k, v in pairs:
            if k in d:
                twice.append((d, k))
            d[k] = v
        return d

    try:
        text = p.read_text(encoding="utf-8-sig")
        data = json.loads(text, object_pairs_hook=keep_pairs)
    except json.JSONDecodeError as e:
        raise InputError(p, f"not valid JSON ({e.msg})", e.lineno) from None
    except UnicodeDecodeError:
        raise InputError(p, "not a text file; expected a combopt QUBO JSON document") from None
    except (ValueError, RecursionError) as e:  # integers over 4300 digits, absurd nesting
        raise InputError(p, f"not usable JSON ({type(e).__name__}); expected a combopt QUBO JSON document") from None
    if twice:  # json.loads keeps the last value of a key given twice: {"x": 1, "x": 5} would lose x's 1
        d, k = twice[0]
        path = (k,) if d is data else ("linear", k) if isinstance(data, dict) and d is data.get("linear") else None
        raise InputError(p, f"the key {k!r} appears twice in one JSON object; expected each key once",
                         None if path is None else line_of(text, path))
    if not isinstance(data, dict) or "linear" not in data or "quadratic" not in data:
        raise InputError(p, "expected a JSON object with 'linear', 'quadratic' and optional 'offset', 'variables'")
    unknown = sorted(set(data) - _QUBO_KEYS)
    if unknown:  # a misspelt 'offset' or 'sense' would otherwise be dropped without a word
        raise InputError(p, f"unknown key(s) {', '.join(map(repr, unknown))}; expected only "
                            f"{', '.join(sorted(_QUBO_KEYS))}")
    if data.get("format", "combopt-qubo") != "combopt-qubo":  # another program's document, or a typo
        raise InputError(p, f"\"format\" is {json.dumps(data['format'])[:40]}; expected \"combopt-qubo\" (or no "
                            "\"format\")", line_of(text, ("format",)))
    variables = data.get("variables")
    if variables is not None and not (isinstance(variables, list)
                                      and all(isinstance(v, (str, int)) and not isinstance(v, bool)
                                              for v in variables)):
        raise InputError(p, "'variables' must be a list of variable names (strings or integers)")
    seen: dict[str, int] = {}
    for i, v in enumerate(variables or []):  # names are matched as text: 1 and "1" are the same variable
        if seen.setdefault(str(v), i) != i:
            raise InputError(p, f"'variables': the name {str(v)!r} appears twice (entries {seen[str(v)]} and {i}); "
                                "expected distinct variable names")
    try:
        names = list(variables or [])
        index = {str(v): i for i, v in enumerate(names)}

        def idx(v):
            if not isinstance(v, (str, int)) or isinstance(v, bool):
                raise TypeError(f"variable name {v!r}: expected a string or an integer")
            key = str(v)
            if key not in index:
                if variables is not None:  # a declared list is the whole list: an index is not a name
                    raise ValueError(f"variable {v!r} is not among the {len(variables)} declared 'variables'")
                index[key] = len(index)
                names.append(key)
            return index[key]

        def num(v, where):
            if isinstance(v, bool) or not isinstance(v, (int, float)):  # "5" is text, not a number
                raise TypeError(f"{where}: expected a number, got {v!r}")
            f = float(v)
            if not math.isfinite(f):
                raise ValueError(f"{where}: coefficient {v!r} is not a finite number")
            return f

        linear, quadratic = data["linear"], data["quadratic"]
        if isinstance(linear, list) and all(isinstance(it, list) and len(it) == 2 for it in linear):
            pairs = [tuple(it) for it in linear]  # [[name, value], ...]: the pairs of the object, every one kept
        elif isinstance(linear, dict):
            pairs = list(linear.items())
        else:
            raise TypeError("'linear' must be an object {name: value}")
        if not isinstance(quadratic, list):
            raise TypeError("'quadratic' must be a list [[a, b, value], ...]")
        lin: dict[int, float] = {}
        for pos, (k, v) in enumerate(pairs):
            i = idx(k)
            if i in lin:  # [["x", 1], ["x", 5]], or 1 and "1": the same variable twice, one value would be lost
                where = ("linear", pos if isinstance(linear, list) else k)
                raise InputError(p, f"linear {k!r}: variable {names[i]!r} has a linear term already; expected one "
                                    "term a variable", line_of(text, where))
            lin[i] = num(v, f"linear {k!r}")
        fast = _quadratic_fast(quadratic, index)
        if fast is not None:
            num(data.get("offset", 0.0), "offset")
            sense = data.get("sense", "min")
            if sense not in ("min", "max"):
                raise InputError(p, f"'sense' must be 'min' or 'max', got {sense!r}")
            n = len(names)
            h = np.zeros(n)
            for k, v in lin.items():
                h[k] += v
            ii, jj, vv = fast
            same = ii == jj
            np.add.at(h, ii[same], vv[same])
            ii, jj, vv = ii[~same], jj[~same], vv[~same]
            W = sp.coo_matrix((np.concatenate([vv, vv]), (np.concatenate([ii, jj]), np.concatenate([jj, ii]))),
                              shape=(n, n)).tocsr()
            return _finite_energy(p, QUBO(h, W, float(data.get("offset", 0.0)), variables=names, sense=sense,
                                          name=p.stem))
        quad: dict[tuple[int, int], float] = {}
        for item in quadratic:
            if not isinstance(item, list) or len(item) != 3:
                raise TypeError(f"quadratic item {item!r}: expected [a, b, value]")
            a, b, v = item
            key = (idx(a), idx(b))
            quad[key] = quad.get(key, 0.0) + num(v, f"quadratic [{a!r}, {b!r}]")
            if not math.isfinite(quad[key]):  # 1e308 twice: the constructor's message, as on the fast path
                raise ParameterError(NON_FINITE)
        num(data.get("offset", 0.0), "offset")
        sense = data.get("sense", "min")
        if sense not in ("min", "max"):
            raise InputError(p, f"'sense' must be 'min' or 'max', got {sense!r}")
        return _finite_energy(p, QUBO.from_dicts(
            lin, quad, float(data.get("offset", 0.0)), n=len(names), variables=names, sense=sense, name=p.stem
        ))
    except (TypeError, ValueError, OverflowError) as e:
        raise InputError(p, f"malformed QUBO entry ({e}); expected linear {{name: value}} and "
                            "quadratic [[a, b, value], ...]") from None
    except ParameterError as e:  # e.g. coefficients that add up to infinity
        raise InputError(p, str(e)) from None
