"""The sparse coupling (:class:`Coupling`): cells with their masses, and its JSON form.

A coupling keeps what it derives from its cells (the merged form, the entropy,
the marginals), computed once: its arrays are read-only copies, so evaluating
the same answer again (a solver, then the run's pick, then the report) costs no
second pass over millions of cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...core.errors import InputError, ParameterError, located
from ...core.safeio import json_number
from .measures import entropy, rate_limit

MAX_CELLS = 50_000_000


def shown(v) -> str:
    """A value read from a file, for a message: a 400-digit integer by its length, anything else by a short
    ``repr``."""
    if isinstance(v, int) and not isinstance(v, bool) and json_number(v) is None:  # str() refuses 4300+ digits
        if v.bit_length() >= 14000:
            return f"an integer of about {int(v.bit_length() * math.log10(2))} digits (beyond the range of a float)"
        return f"an integer of {len(str(abs(v)))} digits (beyond the range of a float)"
    r = repr(v)
    return r if len(r) <= 60 else r[:57] + "..."


@dataclass
class Coupling:
    """A sparse joint distribution: ``index[c]`` is the cell (one index per variable), ``mass[c]`` its mass.

    Attributes
    ----------
    index
        ``(nnz, k)`` int64 array of cell indices (read-only: a copy of what was passed).
    mass
        ``(nnz,)`` float64 array of masses (read-only).
    shape
        Alphabet size of each of the ``k`` variables.

    The merged form and the entropy are computed once and kept (the arrays are
    read-only, and assigning a new array drops what was kept), so evaluating
    the same answer again costs no second sort of millions of cells.
    """

    index: np.ndarray
    mass: np.ndarray
    shape: tuple[int, ...]

    def __post_init__(self):
        self.shape = tuple(int(s) for s in self.shape)
        index = np.array(self.index, dtype=np.int64).reshape(-1, len(self.shape))
        mass = np.array(self.mass, dtype=np.float64).ravel()
        index.setflags(write=False)
        mass.setflags(write=False)
        self.index, self.mass = index, mass

    def __setattr__(self, name, value):
        if name in ("index", "mass", "shape"):
            self.__dict__.pop("_kept", None)
        super().__setattr__(name, value)

    def _keep(self) -> dict:
        kept = self.__dict__.get("_kept")
        if kept is None:
            kept = self.__dict__["_kept"] = {}
        return kept

    @property
    def nnz(self) -> int:
        return int(self.mass.size)

    def merged(self) -> Coupling:
        """The same coupling with repeated cells added up (then sorted by cell) and zero (or negative) cells
        dropped. Cells without repeats keep their order: a sort of the cell keys finds that, an argsort only runs
        where cells must be added up."""
        kept = self._keep()
        if "merged" in kept:
            return kept["merged"] or self  # None: this coupling is merged already (no reference cycle)
        if self.nnz == 0:
            kept["merged"] = None
            return self
        if math.prod(self.shape) < 2**62:
            key = np.ravel_multi_index(self.index.T, self.shape)
            sk = np.sort(key)
            if np.all(sk[1:] != sk[:-1]):
                uniq, m = self.index, self.mass
            else:
                order = np.argsort(key, kind="stable")
                sk = key[order]
                first = np.flatnonzero(np.concatenate([[True], sk[1:] != sk[:-1]]))
                uniq = self.index[order[first]]
                m = np.add.reduceat(self.mass[order], first)
        else:  # pragma: no cover - absurd alphabets
            uniq, inv = np.unique(self.index, axis=0, return_inverse=True)
            m = np.bincount(inv.ravel(), weights=self.mass, minlength=len(uniq))
        keep = m > 0
        if uniq is self.index and keep.all():
            kept["merged"] = None
            return self
        out = Coupling(uniq[keep], m[keep], self.shape)
        out._keep()["merged"] = None
        kept["merged"] = out
        return out

    def marginal(self, axis: int) -> np.ndarray:
        """The mass on each state of variable ``axis`` (kept; a copy is returned)."""
        kept = self._keep()
        key = ("marginal", axis)
        if key not in kept:
            kept[key] = np.bincount(self.index[:, axis], weights=self.mass, minlength=self.shape[axis])
        return kept[key].copy()

    def index_range(self) -> tuple[np.ndarray, np.ndarray]:
        """Smallest and largest index of each variable over the cells (kept)."""
        kept = self._keep()
        if "range" not in kept:
            kept["range"] = (self.index.min(axis=0), self.index.max(axis=0)) if self.nnz else (None, None)
        return kept["range"]

    def entropy(self) -> float:
        kept = self._keep()
        if "H" not in kept:
            kept["H"] = entropy(self.merged().mass)
        return kept["H"]

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
        """``{"shape": [...], "cells": rows (i, j, ..., mass)}``. The rows are a numpy record array, built in one
        vectorised step: :meth:`combopt.core.result.Result.to_json` writes them as ``[i, j, ..., mass]`` lists
        (through ``tolist``), and :meth:`from_json` reads either form back. A list of millions of Python lists
        took 11 s for 4 million cells (``mec-greedy`` on 2,000,000 symbols), long after a 2 s time limit."""
        k = len(self.shape)
        rec = np.empty(self.nnz, dtype=[*((f"i{a}", np.int64) for a in range(k)), ("mass", np.float64)])
        for a in range(k):
            rec[f"i{a}"] = self.index[:, a]
        rec["mass"] = self.mass
        return {"shape": list(self.shape), "cells": rec}

    @classmethod
    def from_json(cls, data, path=None, what="coupling", at: tuple = ()) -> Coupling:
        """The coupling of ``data`` (``to_json``'s form); errors are marked with their key path below ``at``, the
        place of ``data`` in its file (``("solution", "encoder")``), so that the file's reader can name the line."""
        if not isinstance(data, dict) or "shape" not in data or "cells" not in data:
            raise located(InputError(path, f"expected the {what} as an object with 'shape' and 'cells' "
                                           "([i, j, ..., mass] rows)"), *at)
        shape = data["shape"]
        if not (isinstance(shape, list) and shape and all(isinstance(s, int) and not isinstance(s, bool) and s > 0
                                                          for s in shape)):
            raise located(InputError(path, f"{what}: 'shape' must be a list of positive integers"), *at, "shape")
        cells = data["cells"]
        k = len(shape)
        if isinstance(cells, np.ndarray) and cells.dtype.names is not None and len(cells.dtype.names) == k + 1:
            cells = cells.tolist()  # the record array of :meth:`to_json` (a result still in memory)
        if not isinstance(cells, list) or len(cells) > MAX_CELLS:
            raise located(InputError(path, f"{what}: 'cells' must be a list of at most {MAX_CELLS} [i, j, ..., "
                                           "mass] rows"), *at, "cells")
        fast = _cells_fast(cells, shape)
        if fast is not None:
            return cls(fast[0], fast[1], tuple(shape))
        idx = np.zeros((len(cells), k), dtype=np.int64)
        mass = np.zeros(len(cells))
        for c, row in enumerate(cells):
            if not isinstance(row, (list, tuple)) or len(row) != k + 1:
                raise located(InputError(path, f"{what}: cell {c} must be [{', '.join('ijklm'[:k])}, mass]"),
                              *at, "cells", c)
            for a in range(k):
                v = row[a]
                if not isinstance(v, int) or isinstance(v, bool):
                    raise located(InputError(path, f"{what}: cell {c} index {shown(v)} is not a whole number; "
                                                   f"expected an index in 0..{shape[a] - 1}"), *at, "cells", c, a)
                if not 0 <= v < shape[a]:
                    raise located(InputError(path, f"{what}: cell {c} index {v!r} out of range 0..{shape[a] - 1}"),
                                  *at, "cells", c, a)
                idx[c, a] = v
            m = json_number(row[k])
            if m is None:  # a string, a bool, inf, NaN or a 400-digit integer (float() overflows)
                raise located(InputError(path, f"{what}: cell {c} mass must be a finite number, got "
                                               f"{shown(row[k])}"), *at, "cells", c, k)
            mass[c] = m
        return cls(idx, mass, tuple(shape))


def _cells_fast(cells: list, shape: list[int]):
    """``(index, mass)`` of well-formed ``[i, j, ..., mass]`` rows in a few vectorised passes, or ``None`` when
    anything is off (the row-by-row reader then names the first bad cell)."""
    k = len(shape)
    if not cells:
        return np.zeros((0, k), dtype=np.int64), np.zeros(0)
    try:
        if set(map(type, cells)) - {list, tuple} or set(map(len, cells)) != {k + 1}:
            return None
        cols = list(zip(*cells, strict=True))
    except (TypeError, ValueError):
        return None
    for a in range(k):
        if set(map(type, cols[a])) != {int}:
            return None
    if set(map(type, cols[k])) - {int, float}:
        return None
    try:
        idx = np.array(cols[:k], dtype=np.int64).T
        mass = np.array(cols[k], dtype=np.float64)
    except OverflowError:
        return None
    if np.any(idx < 0) or np.any(idx >= np.asarray(shape)) or not np.all(np.isfinite(mass)):
        return None
    return idx, mass


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


def singleton_encoder(p, rate: float) -> Coupling:
    """A deterministic encoder ``p(x, t)`` with ``H(T) <= rate``, built without any compiled kernel (the cold-start
    answer of EBIM and MEC-B): the ``k`` most likely symbols keep code words of their own and the rest share one,
    with the largest ``k`` whose ``H(T)`` fits the rate (splitting a symbol off the shared word only raises
    ``H(T)``, so the ``k`` are tried in one pass of cumulative sums). ``I(X;T) = H(T)`` for such an encoder."""
    p = np.asarray(p, dtype=np.float64)
    order = np.argsort(-p, kind="stable")
    order = order[p[order] > 0]
    q = p[order]
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(q > 0, -q * np.log2(q), 0.0)
        head = np.concatenate([[0.0], np.cumsum(plogp)])  # entropy of the first k singletons
        rest = np.maximum(q.sum() - np.concatenate([[0.0], np.cumsum(q)]), 0.0)  # mass shared by the others
        h = head + np.where(rest > 1e-15, -rest * np.log2(np.maximum(rest, 1e-300)), 0.0)
    k = int(np.flatnonzero(h <= rate_limit(rate, 1e-12)).max()) if q.size else 0
    k = min(k, MAX_CELLS - 1)
    words = np.minimum(np.arange(q.size), k)  # symbol i of the sorted order -> its own word, or word k (shared)
    t = int(words.max()) + 1 if q.size else 1
    return Coupling(np.column_stack([order, words]).astype(np.int64), q.copy(), (int(p.size), t))
