"""The coupling problems: MEC (``mec``), EBIM (``ebim``) and MEC-B (``mecb``).

Solutions are sparse couplings (:class:`Coupling`): a list of cells (one index
per variable) with their masses. Every objective and constraint is recomputed
here from the cells, independently of the solvers: no negative mass, a total
mass of 1 within :data:`TOTAL_TOL`, marginals within :data:`MARGINAL_RTOL`
(relative) plus :data:`MARGINAL_ATOL`, and an objective on the right side of
the problem's own bound. ``combopt check`` also holds a result's objective,
bound, stored joint and ``info`` numbers to what the instance proves
(:meth:`CouplingProblem.solution_claims`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ...core.errors import InputError, ParameterError, located
from ...core.problem import Evaluation, Problem, describe_value, number_array
from ...core.registry import register_kind
from ...core.safeio import json_number
from .cells import MAX_CELLS, Coupling, north_west_corner, shown, singleton_encoder  # noqa: F401  (re-exported)
from .marginals import RENORM, SUM_TOL, MarginalLines, check_marginals  # noqa: F401  (re-exported)
from .measures import binary_entropy, entropy, majorization_bound, profile_bound, rate_limit

register_kind("mec")
register_kind("ebim")
register_kind("mecb")

#: a coupling's marginal entry may differ from the problem's by this share of the entry ...
MARGINAL_RTOL = 1e-9
#: ... plus this much (absolute: rounding of tiny entries)
MARGINAL_ATOL = 1e-12
#: a coupling's total mass must be 1 within this
TOTAL_TOL = 1e-9
#: a reported entropy must match the recomputed one within this (bits)
ENTROPY_TOL = 1e-6
#: a MEC-B result stores its joint p(x, y) up to this many cells (else the JSON leaves it out)
JOINT_JSON_MAX = 2_000_000
#: up to this many symbols in all, :meth:`MEC.bound` includes the profile bound (beyond, a solver adds it in time)
PROFILE_EAGER_SYMBOLS = 250_000
MAX_VIOLATIONS_LISTED = 10
#: at most this many code words ``|T|`` (the marginal ``p(t)`` is a dense array of that length)
MAX_CODE_WORDS = MAX_CELLS

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
                 normalize: bool = False, lenient: bool = False, lines: MarginalLines | None = None):
        if isinstance(marginals, (str, bytes)) or not hasattr(marginals, "__iter__"):
            raise ParameterError(f"marginals must be a list of probability vectors, got {describe_value(marginals)}")
        marginals = list(marginals)
        for k, p in enumerate(marginals):  # True/False are no probabilities (the JSON reader refuses them too)
            if (p.dtype == np.bool_) if isinstance(p, np.ndarray) else (
                    isinstance(p, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in p)):
                raise ParameterError(f"marginal {k} holds booleans; expected probabilities")
        marginals = [number_array(p, f"marginal {k}") if not isinstance(p, np.ndarray) else p
                     for k, p in enumerate(marginals)]
        self.lines = lines
        if len(marginals) < self.min_marginals or (self.max_marginals and len(marginals) > self.max_marginals):
            want = (f"exactly {self.min_marginals}" if self.max_marginals == self.min_marginals
                    else f"at least {self.min_marginals}" if self.max_marginals is None
                    else f"{self.min_marginals} to {self.max_marginals}")
            raise InputError(source, f"kind {self.kind!r} needs {want} marginals, got {len(marginals)}")
        self.marginals, self.sums = check_marginals(marginals, source, normalize, lenient, lines)
        self.normalized = bool(normalize)
        if self.needs_rate:
            if rate is None:
                raise InputError(source, f"kind {self.kind!r} needs a rate R in bits (JSON \"rate\", or a "
                                         "'# rate=R' line in CSV)")
            if isinstance(rate, (bool, np.bool_)) or not isinstance(rate, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(rate) or rate < 0:
                raise InputError(source, f"rate must be a finite number >= 0 (bits), got {rate!r}")
        self.rate = None if rate is None else float(rate)
        self.name = name
        self.source = source

    def objective_scale(self) -> float:
        """The size the answers can have, where it is below 1 bit: min(R, the entropies) with a rate, else the largest
        entropy. At a rate of 5e-10 bits an absolute tolerance of 1e-9 settled a bound of 5e-10 to an objective of
        0 ("optimal") where 1.5e-11 bits were reachable."""
        s = min(self.rate, *self.entropies) if self.rate is not None else max(self.entropies)
        return min(1.0, s) if s > 0 else 1.0

    @property
    def entropies(self) -> list[float]:
        """``H(p_k)`` of each marginal in bits (computed once: two million symbols take a few hundredths of a
        second each, and a run evaluates several times)."""
        kept = self.__dict__.get("_entropies")
        if kept is None:
            kept = self.__dict__["_entropies"] = [entropy(p) for p in self.marginals]
        return list(kept)

    @property
    def sums_off(self) -> list[int]:
        return [k for k, s in enumerate(self.sums) if abs(s - 1.0) > SUM_TOL]

    def require_sums(self, normalize) -> None:
        """Refuse marginals whose sums are off unless ``normalize`` is true (solver parameter). The parameter holds
        for its own solve only: the problem is left as it was, so a later solve without it is refused as before."""
        if normalize not in (True, False, None, "true", "false", 0, 1):
            raise ParameterError(f"parameter normalize must be true or false, got {normalize!r}")
        if normalize in (True, "true", 1):
            return
        bad = self.sums_off
        if bad and not self.normalized:
            k = bad[0]
            line = None if self.lines is None or self.source is None else self.lines(k)
            raise InputError(self.source, f"marginal {k} sums to {self.sums[k]:.9g}; expected 1 within {SUM_TOL:g} "
                                          f"({RENORM})", line)

    @property
    def num_variables(self) -> int:
        return int(sum(p.size for p in self.marginals))

    # -- shared checks ----------------------------------------------------------------
    def as_coupling(self, solution, what: str = "coupling") -> Coupling:
        """``solution`` as a :class:`Coupling`: one already, or a dense array of masses (``M[i, j, ...]``: the mass
        of cell ``(i, j, ...)``, zeros left out). :class:`ParameterError` naming what was expected for anything
        else: ``None``, a string, a dict, a single number, a ragged list, text, booleans, NaN, negative masses."""
        if isinstance(solution, Coupling):
            return solution
        expected = (f"expected the {what} as a Coupling or an array of masses with one axis per variable "
                    f"(M[i, j] = mass of cell (i, j))")
        if solution is None or isinstance(solution, (str, bytes, Mapping, set, frozenset)):
            raise ParameterError(f"{what}: got {describe_value(solution)}; {expected}")
        try:
            M = np.asarray(solution)
        except (TypeError, ValueError, OverflowError):
            raise ParameterError(f"{what}: not a rectangular array of numbers (a ragged list?); {expected}") from None
        if M.ndim == 0:
            raise ParameterError(f"{what}: got a single value {shown(solution)}; {expected}")
        if M.dtype.kind not in "iuf":  # text, booleans, complex numbers, objects (None, dicts, 10**400)
            held = {"U": "strings", "S": "bytes", "b": "booleans",
                    "c": "complex numbers"}.get(M.dtype.kind, "values other than numbers")
            raise ParameterError(f"{what}: the array holds {held}, not masses; {expected}")
        M = M.astype(np.float64, copy=False)
        if not np.all(np.isfinite(M)):
            raise ParameterError(f"{what}: masses must be finite numbers (the array holds NaN or infinity)")
        if np.any(M < 0):
            cell = np.argwhere(M < 0)[0].tolist()
            raise ParameterError(f"{what}: negative mass {M[tuple(cell)]:.6g} at cell {cell}; masses are >= 0")
        return Coupling.from_dense(M)

    def _coupling_violations(self, c: Coupling, targets: dict[int, np.ndarray], what: str,
                             total: float | None = 1.0) -> list[str]:
        """Named violations of a coupling: cells outside the shape, non-finite or negative masses, a total mass
        off 1 by more than :data:`TOTAL_TOL`, and marginal entries off by more than
        ``MARGINAL_RTOL * entry + MARGINAL_ATOL`` (relative, so a coupling scaled by ``1 + 1e-6`` fails on
        two million entries of ``5e-7`` each, which an absolute ``1e-8`` let through)."""
        viol = []
        lo, hi = c.index_range()
        if c.nnz and (np.any(lo < 0) or np.any(hi >= np.asarray(c.shape))):
            return [f"{what}: a cell index is outside the shape {list(c.shape)}"]
        if c.nnz and not np.all(np.isfinite(c.mass)):
            return [f"{what}: masses must be finite numbers"]
        neg = np.flatnonzero(c.mass < 0)
        if neg.size:
            i = int(neg[0])
            viol.append(f"{what}: negative mass: cell {c.index[i].tolist()} has mass {c.mass[i]:.6g}"
                        + (f" (and {neg.size - 1} more cells)" if neg.size > 1 else ""))
        if total is not None:
            with np.errstate(over="ignore"):  # masses of 1e308 add up to inf: a violation, not a warning
                tot = float(np.sum(c.mass))
            if not abs(tot - total) <= TOTAL_TOL * max(1.0, abs(total)):
                viol.append(f"{what}: total mass is {tot:.12g}, expected {total:.12g} (within {TOTAL_TOL:g})")
        for axis, target in targets.items():
            if c.shape[axis] != target.size:
                viol.append(f"{what}: axis {axis} has {c.shape[axis]} states, expected {target.size}")
                continue
            got = c.marginal(axis)
            with np.errstate(over="ignore", invalid="ignore"):
                err = np.abs(got - target)
            bad = np.flatnonzero(err > MARGINAL_RTOL * np.abs(target) + MARGINAL_ATOL)
            for i in bad[:MAX_VIOLATIONS_LISTED]:
                viol.append(f"{what}: marginal mismatch: marginal {axis} at {int(i)} is {got[i]:.12g}, "
                            f"expected {target[i]:.12g}")
            if bad.size > MAX_VIOLATIONS_LISTED:
                viol.append(f"... and {bad.size - MAX_VIOLATIONS_LISTED} more")
        return viol

    def _claims(self, solution, values: dict[str, float]) -> list[str]:
        """Compare the entropies a solution file reports with the recomputed ones."""
        claims = getattr(solution, "claims", None) or {}
        viol = []
        for key, v in claims.items():
            if key not in values or v is None:
                continue
            f = json_number(v)
            if f is None:
                viol.append(f"reported {key} = {shown(v)}: not a finite number (recomputed {values[key]:.9g})")
            elif abs(f - values[key]) > ENTROPY_TOL:
                viol.append(f"reported {key} = {f:.9g} bits, recomputed {values[key]:.9g}")
        return viol

    def _feasible_value(self) -> float | None:
        """The objective of a coupling anyone can write down (MEC: the independent one), or ``None``."""
        return None

    def _derived_claims(self, data: dict, sol) -> list[str]:
        """Kind-specific derived fields of a result (``info`` numbers, a stored joint)."""
        return []

    def solution_claims(self, data) -> list[str]:
        """Claims of a result that contradict what the instance itself proves (``combopt check``).

        - the objective on the wrong side of the problem's own bound (:meth:`bound`: below the MEC lower bound,
          above ``min(R, H(X))`` for EBIM / MEC-B);
        - a MEC lower bound above the entropy of the independent coupling, which is feasible;
        - ``info`` numbers the instance fixes (bounds, entropies) that differ from their recomputed values.
        """
        if not isinstance(data, dict):
            return []
        out = []
        own = self.bound()
        worse = "below" if self.sense == "min" else "above"
        for key in ("objective", "bound"):
            v = json_number(data.get(key))
            if v is None:  # absent, or not a finite number (:func:`~combopt.core.claims.check_claims` says so)
                continue
            if key == "objective" and (v < own - ENTROPY_TOL if self.sense == "min" else v > own + ENTROPY_TOL):
                out.append(f"objective: the result claims {v:.9g} bits, {worse} the problem's own "
                           f"{'lower' if self.sense == 'min' else 'upper'} bound {own:.9g}, which every "
                           f"feasible answer respects")
            feas = self._feasible_value()
            if key == "bound" and feas is not None and v > feas + ENTROPY_TOL:
                out.append(f"bound: the result claims a lower bound of {v:.9g} bits, above {feas:.9g}, the entropy "
                           "of the independent coupling (a feasible answer): not a lower bound")
        sol = data.get("solution")
        if isinstance(sol, dict):
            try:
                out += self._derived_claims(data, sol)
            except (InputError, TypeError, ValueError, KeyError):
                pass  # a malformed solution is reported by the evaluation
        return out

    def _info_mismatch(self, data: dict, values: dict[str, float]) -> list[str]:
        info = data.get("info")
        if not isinstance(info, dict):
            return []
        out = []
        for key, real in values.items():
            v = info.get(key)
            if v is None or isinstance(v, str):  # absent, or a note ("skipped: ...")
                continue
            f = json_number(v)
            if f is None or not abs(f - real) <= ENTROPY_TOL:
                out.append(f"info.{key}: the result claims {shown(v)}, recomputed {real:.9g}")
        return out

    def _gate_json(self, data, path) -> None:
        params = data.get("params", {}) if isinstance(data, dict) else {}
        try:
            self.require_sums(params.get("normalize") if isinstance(params, dict) else None)
        except ParameterError as e:  # a result's "params": the result file is at fault
            raise located(InputError(path, f"params: {e}"), "params", "normalize") from None


def _code_words_violations(t: int) -> list[str]:
    """A code alphabet ``|T|`` beyond :data:`MAX_CODE_WORDS` (``p(t)`` is a dense array: 2**40 code words would
    take 8 TiB)."""
    return [f"the code alphabet has {t} code words, more than the {MAX_CODE_WORDS} a solution may have"] \
        if t > MAX_CODE_WORDS else []


def _sorted_cells(c: Coupling) -> Coupling:
    """The merged coupling with its cells in one canonical (row-major) order, for comparing two of them."""
    m = c.merged()
    order = np.lexsort(m.index.T[::-1]) if m.nnz else np.zeros(0, dtype=np.int64)
    return Coupling(m.index[order], m.mass[order], m.shape)


def _claimed(c: Coupling, claims) -> Coupling:
    """Attach the entropies a solution file reports (``evaluate`` compares them with its own)."""
    c.claims = dict(claims) if isinstance(claims, dict) else None  # a claim that is not a number is reported
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

    def figure(self, solution, label: str = "solution"):
        """The coupling's cells, rows and columns by decreasing mass (two marginals; ``None`` for more)."""
        from .plots import coupling_figure

        c = self.as_coupling(solution)
        return coupling_figure({label: c}, f"{self.describe()}; H = {c.entropy():.6g} bits")

    def construct(self):
        return north_west_corner(self.marginals)

    def evaluate(self, solution) -> Evaluation:
        try:
            c = self.as_coupling(solution)
        except ParameterError as e:
            return Evaluation(None, False, [str(e)])
        if len(c.shape) != len(self.marginals):
            return Evaluation(None, False, [f"coupling has {len(c.shape)} axes, expected {len(self.marginals)}"])
        viol = self._coupling_violations(c, dict(enumerate(self.marginals)), "coupling")
        if viol:
            return Evaluation(None, False, viol)
        H = c.entropy()
        floor = max(self.entropies)
        if H < floor - ENTROPY_TOL:
            viol.append(f"H = {H:.9g} bits is below the lower bound max_k H(p_k) = {floor:.9g} bits, which every "
                        "coupling meets")
        viol += self._claims(solution, {"H": H})
        return Evaluation(H, not viol, viol)

    def _feasible_value(self) -> float:
        return float(sum(self.entropies))

    def _derived_claims(self, data: dict, sol) -> list[str]:
        out = self._info_mismatch(data, self.bounds())
        info = data.get("info") if isinstance(data.get("info"), dict) else {}
        g = json_number(info.get("greedy"))
        if g is not None and g < self.bound() - ENTROPY_TOL:
            out.append(f"info.greedy: the result claims {g!r} bits, below the lower bound {self.bound():.9g}")
        return out

    def bounds(self, profile: bool = True) -> dict[str, float]:
        """The majorization bound ``H(p1 ∧ p2 ∧ ...)`` and (with ``profile``) the profile bound, in bits; each
        computed once per instance and kept (the run's :meth:`bound` and its solver share them)."""
        kept = self.__dict__.setdefault("_bounds", {})
        todo = [(name, f) for name, f, want in (("majorization_bound", majorization_bound, True),
                                                ("profile_bound", profile_bound, profile)) if want and name not in kept]
        if todo:
            asc = self.ascending()  # one sorted copy for both bounds
            for name, f in todo:
                kept[name] = f(asc, ascending=True)
        return dict(kept)

    def descending_orders(self) -> list[np.ndarray]:
        """Each marginal's states in order of decreasing mass (``argsort(-p)``), computed once and kept: the greedy
        coupling and both bounds share this one sort (on two million symbols a sort costs about 0.2 s)."""
        kept = self.__dict__.get("_orders")
        if kept is None:
            kept = self.__dict__["_orders"] = [np.argsort(-p) for p in self.marginals]
        return kept

    def ascending(self) -> list[np.ndarray]:
        """Each marginal's masses sorted in increasing order (from :meth:`descending_orders`)."""
        return [p[o[::-1]] for p, o in zip(self.marginals, self.descending_orders(), strict=True)]

    def bound(self) -> float:
        """``max(H(p ∧ q ∧ ...), profile bound)``: every coupling has at least this entropy. Above
        :data:`PROFILE_EAGER_SYMBOLS` symbols the profile bound (about a second on two million) joins only
        once a solver has computed it within its time limit; the majorization bound is always there."""
        eager = self.num_variables <= PROFILE_EAGER_SYMBOLS
        return max(self.bounds(profile=eager).values())
    def solution_to_json(self, solution):
        c = self.as_coupling(solution).merged()
        return {**c.to_json(), "entropies": {"H": c.entropy()}}

    def solution_from_json(self, data, path=None):
        self._gate_json(data, path)
        sol, at = _solution_part(data)
        c = Coupling.from_json(sol, path, at=at)
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
    witness_solver = "ebim"  # check: a bound below the improved greedy encoder is false

    @property
    def p(self) -> np.ndarray:
        return self.marginals[0]

    def describe(self) -> str:
        return f"ebim {self.name}: |X| = {self.p.size}, H(X) = {self.entropies[0]:.6g} bits, R = {self.rate:g} bits"

    def figure(self, solution, label: str = "solution"):
        """The encoder p(x, t): rows (x) and columns (code words t) by decreasing mass."""
        from .plots import coupling_figure

        c = self.as_coupling(solution, "encoder")
        return coupling_figure({f"{label}: encoder p(x, t)": c}, self.describe())

    def construct(self) -> Coupling:
        """The cold-start answer: :func:`.cells.singleton_encoder` (numpy only)."""
        return singleton_encoder(self.p, self.rate)

    def evaluate(self, solution) -> Evaluation:
        try:
            c = self.as_coupling(solution, "encoder")
        except ParameterError as e:  # None, "abc", 3.5, [[1, 2], [3]], {"a": 1}: infeasible, saying what was expected
            return Evaluation(None, False, [str(e)])
        if len(c.shape) != 2:
            return Evaluation(None, False, [f"the encoder p(x, t) must have 2 axes (x, t), got {len(c.shape)}"])
        viol = self._coupling_violations(c, {0: self.p}, "encoder") + _code_words_violations(c.shape[1])
        if viol:
            return Evaluation(None, False, viol)
        HT = entropy(c.marginal(1))
        HXT = c.entropy()
        I = max(0.0, self.entropies[0] + HT - HXT)  # mutual information: rounding left -2.2e-16 bits at 0
        if HT > rate_limit(self.rate):
            viol.append(f"H(T) = {HT:.9g} bits exceeds the rate R = {self.rate:g}")
        if I > self.bound() + ENTROPY_TOL:
            viol.append(f"I(X;T) = {I:.9g} bits is above the upper bound min(R, H(X)) = {self.bound():.9g} bits")
        viol += self._claims(solution, {"I_XT": I, "H_T": HT, "H_XT": HXT})
        return Evaluation(I, not viol, viol)

    def bound(self) -> float:
        """``min(R, H(X))``: ``I(X;T) <= H(T) <= R`` and ``I(X;T) <= H(X)``."""
        return min(self.rate, self.entropies[0])

    def second_mass(self) -> float:
        s = np.sort(self.p)[::-1]
        return float(s[1]) if s.size > 1 else 0.0

    def greedy_guarantee(self) -> float:
        """``h(p2)``: the greedy encoder is within this many bits of the optimum."""
        return binary_entropy(self.second_mass())

    def _derived_claims(self, data: dict, sol) -> list[str]:
        return self._info_mismatch(data, {"H_X": self.entropies[0], "h_p2": self.greedy_guarantee()})

    def solution_to_json(self, solution):
        c = solution.merged()
        HT = entropy(c.marginal(1))
        return {**c.to_json(), "entropies": {"I_XT": max(0.0, self.entropies[0] + HT - c.entropy()), "H_T": HT,
                                             "H_XT": c.entropy()}}

    def solution_from_json(self, data, path=None):
        self._gate_json(data, path)
        sol, at = _solution_part(data)
        c = Coupling.from_json(sol, path, "encoder", at)
        if len(c.shape) != 2:
            raise located(InputError(path, "encoder: 'shape' must be [|X|, |T|]"), *at, "shape")
        return _claimed(c, sol.get("entropies"))


@dataclass
class MECBSolution:
    """Encoder ``p(x, t)`` and decoder ``p(t, y)`` of a MEC-B solution (Markov chain X - T - Y)."""

    encoder: Coupling
    decoder: Coupling
    claims: dict | None = None

    def joint_cells(self) -> int:
        """How many cells :meth:`joint` would build before merging (each encoder cell times its code word's
        decoder cells): one code word shared by 50,000 ``x`` and 50,000 ``y`` already makes 2.5e9."""
        t = self.encoder.shape[1]
        rows = np.bincount(self.decoder.index[:, 0], minlength=t)[:t] if self.decoder.nnz else np.zeros(t, int)
        return int(rows[self.encoder.index[:, 1]].sum()) if self.encoder.nnz else 0

    def joint_entropy(self) -> float:
        """``H(X, Y)`` of :meth:`joint` without building the joint where the encoder is deterministic:
        ``H(X, Y) = H(X) + sum_x p(x) H(Y | X = x)``, and for an ``x`` with one code word ``t``,
        ``H(Y | X = x) = H(Y | T = t)`` (one pass over the decoder). Only the rows of ``x`` split over several
        code words go through the sparse product."""

        kept = self.__dict__.get("_HXY")
        if kept is not None and kept[0] is self.encoder and kept[1] is self.decoder:
            return kept[2]  # the couplings are read-only: the same pair has the same joint
        enc, dec = self.encoder.merged(), self.decoder.merged()
        n, t = enc.shape
        pt = self.encoder.marginal(1)
        rows = dec.index[:, 0]
        ok = rows < t
        pr = np.where(ok, pt[np.minimum(rows, t - 1)], 0.0)
        cond = np.divide(dec.mass, pr, out=np.zeros(rows.size), where=ok & (pr > 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            phc = np.where(cond > 0, -cond * np.log2(np.where(cond > 0, cond, 1.0)), 0.0)
        h_t = np.bincount(rows[ok], weights=phc[ok], minlength=t)[:t]  # H(Y | T = t)
        x = enc.index[:, 0]
        single = np.bincount(x, minlength=n)[x] == 1
        HYX = float(np.dot(enc.mass[single], h_t[enc.index[single, 1]]))
        if not single.all():
            multi = ~single
            sub = MECBSolution(Coupling(enc.index[multi], enc.mass[multi], enc.shape), self.decoder)
            J = sub.joint_sparse(pt)
            HYX += entropy(J.mass) - entropy(np.bincount(enc.index[multi, 0], weights=enc.mass[multi]))
        value = entropy(enc.marginal(0)) + HYX
        self.__dict__["_HXY"] = (self.encoder, self.decoder, value)
        return value

    def joint(self) -> Coupling:
        """``p(x, y) = sum_t p(x, t) p(t, y) / p(t)`` as a sparse coupling."""
        return self.joint_sparse(self.encoder.marginal(1))

    def joint_sparse(self, pt: np.ndarray) -> Coupling:
        """:meth:`joint` with ``p(t)`` given (that of the whole encoder, when this one holds some of its rows)."""
        import scipy.sparse as sp

        n, t = self.encoder.shape
        t2, m = self.decoder.shape
        A = sp.csr_matrix((self.encoder.mass, (self.encoder.index[:, 0], self.encoder.index[:, 1])), shape=(n, t))
        rows = self.decoder.index[:, 0]
        pr = pt[np.minimum(rows, pt.size - 1)] if pt.size else np.zeros(rows.size)
        # p(t, y) / p(t) by division, not times 1 / p(t): the reciprocal of a subnormal p(t) overflows to inf
        cond = np.divide(self.decoder.mass, pr, out=np.zeros(rows.size), where=(pr > 0) & (rows < pt.size))
        B = sp.csr_matrix((cond, (rows, self.decoder.index[:, 1])), shape=(t2, m))
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
    witness_solver = "mecb"

    def describe(self) -> str:
        p, q = self.marginals
        return f"mecb {self.name}: |X| = {p.size}, |Y| = {q.size}, R = {self.rate:g} bits"

    def figure(self, solution, label: str = "solution"):
        """Encoder p(x, t) beside decoder p(t, y)."""
        from .plots import coupling_figure

        if not isinstance(solution, MECBSolution):
            return None
        return coupling_figure({f"{label}: encoder p(x, t)": solution.encoder,
                                "decoder p(t, y)": solution.decoder}, self.describe())

    def measures(self, sol: MECBSolution) -> dict[str, float]:
        enc, dec = sol.encoder, sol.decoder
        HT = entropy(enc.marginal(1))
        hp, hq = self.entropies
        # mutual informations are not negative; rounding left -2.2e-16 bits where they are 0
        I_XT = max(0.0, hp + HT - enc.entropy())
        I_TY = max(0.0, HT + hq - dec.entropy())
        I_XY = max(0.0, hp + hq - sol.joint_entropy())
        return {"I_XY": I_XY, "I_XT": I_XT, "I_TY": I_TY, "H_T": HT, "lower_bound": I_XT + I_TY - HT}

    def construct(self) -> MECBSolution:
        """The cold-start answer (numpy only): :func:`.cells.singleton_encoder` of ``p_X`` and the north-west-corner
        decoder between its code words and ``p_Y``."""
        enc = singleton_encoder(self.marginals[0], self.rate)
        return MECBSolution(enc, north_west_corner([enc.marginal(1), self.marginals[1]]))

    def evaluate(self, solution) -> Evaluation:
        if not isinstance(solution, MECBSolution):
            return Evaluation(None, False, ["a MEC-B solution needs an encoder and a decoder (a MECBSolution of two "
                                            f"Coupling objects), got {describe_value(solution)}"])
        p, q = self.marginals
        enc, dec = solution.encoder, solution.decoder
        if not (isinstance(enc, Coupling) and isinstance(dec, Coupling)):
            return Evaluation(None, False, ["a MEC-B solution's encoder and decoder must be Coupling objects, got "
                                            f"{type(enc).__name__} and {type(dec).__name__}"])
        if len(enc.shape) != 2 or len(dec.shape) != 2:
            return Evaluation(None, False, ["encoder and decoder must have 2 axes each"])
        viol = self._coupling_violations(enc, {0: p}, "encoder")
        viol += self._coupling_violations(dec, {1: q}, "decoder")
        if not viol:
            if enc.shape[1] != dec.shape[0]:
                viol.append(f"encoder has {enc.shape[1]} code words, decoder {dec.shape[0]}")
            elif _code_words_violations(enc.shape[1]):
                viol += _code_words_violations(enc.shape[1])
            else:
                viol += self._coupling_violations(dec, {0: enc.marginal(1)}, "decoder (T side)")
        if viol:
            return Evaluation(None, False, viol)
        m = self.measures(solution)
        if m["H_T"] > rate_limit(self.rate):
            viol.append(f"H(T) = {m['H_T']:.9g} bits exceeds the rate R = {self.rate:g}")
        if m["I_XY"] > self.bound() + ENTROPY_TOL:
            viol.append(f"I(X;Y) = {m['I_XY']:.9g} bits is above the upper bound min(R, H(X), H(Y)) = "
                        f"{self.bound():.9g} bits")
        viol += self._claims(solution, m)
        return Evaluation(m["I_XY"], not viol, viol)

    def bound(self) -> float:
        """``min(R, H(X), H(Y))`` (data processing: ``I(X;Y) <= I(X;T) <= H(T) <= R``)."""
        return min(self.rate, *self.entropies)

    def _derived_claims(self, data: dict, sol) -> list[str]:
        """The stored joint must be the one the encoder and decoder give, and ``info``'s measures the solution's.

        Only where the encoder and decoder fit the instance (``|X| x |T|`` and ``|T| x |Y|``): a shape of 2**40
        rows would otherwise allocate terabytes here; the evaluation reports such a solution infeasible."""
        if "encoder" not in sol or "decoder" not in sol:
            return []
        s = MECBSolution(Coupling.from_json(sol["encoder"]), Coupling.from_json(sol["decoder"]))
        enc, dec = s.encoder, s.decoder
        if not (len(enc.shape) == 2 and len(dec.shape) == 2 and enc.shape[1] == dec.shape[0] <= MAX_CODE_WORDS
                and enc.shape[0] == self.marginals[0].size and dec.shape[1] == self.marginals[1].size):
            return []
        out = []
        if "joint" in sol:
            try:
                J = _sorted_cells(Coupling.from_json(sol["joint"], what="joint"))
            except InputError as e:
                out.append(f"solution.joint: {e.message.removeprefix('joint: ')}")
            else:
                with np.errstate(over="ignore", invalid="ignore"):
                    real = _sorted_cells(s.joint())
                    same = J.shape == real.shape and J.nnz == real.nnz and np.array_equal(J.index, real.index) and \
                        np.allclose(J.mass, real.mass, rtol=MARGINAL_RTOL, atol=MARGINAL_ATOL)
                if not same:
                    out.append("solution.joint: the stored joint p(x, y) is not the one the encoder and decoder "
                               "give (sum_t p(x, t) p(t, y) / p(t))")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            measures = self.measures(s)
        return out + self._info_mismatch(data, measures)

    def solution_to_json(self, solution):
        out = {"encoder": solution.encoder.merged().to_json(), "decoder": solution.decoder.merged().to_json()}
        if solution.joint_cells() <= JOINT_JSON_MAX:  # else left out: it can hold |X| x |Y| cells
            out["joint"] = solution.joint().merged().to_json()
        return {**out, "entropies": self.measures(solution)}

    def solution_from_json(self, data, path=None):
        self._gate_json(data, path)
        sol, at = _solution_part(data)
        if not isinstance(sol, dict) or "encoder" not in sol or "decoder" not in sol:
            raise located(InputError(path, "expected a MEC-B solution with 'encoder' and 'decoder' couplings"), *at)
        return MECBSolution(Coupling.from_json(sol["encoder"], path, "encoder", (*at, "encoder")),
                            Coupling.from_json(sol["decoder"], path, "decoder", (*at, "decoder")),
                            sol.get("entropies") if isinstance(sol.get("entropies"), dict) else None)


def _solution_part(data) -> tuple:
    """The solution in a result (``data["solution"]``) or the bare solution ``data``, and its key path."""
    if isinstance(data, dict) and "solution" in data:
        return data["solution"], ("solution",)
    return data, ()


KINDS = {"mec": MEC, "ebim": EBIM, "mecb": MECB}


def make_problem(kind: str, marginals, rate=None, **kw) -> CouplingProblem:
    """Build the problem of ``kind`` (``mec``, ``ebim`` or ``mecb``)."""
    if kind not in KINDS:
        raise ParameterError(f"coupling kind must be one of mec, ebim, mecb; got {kind!r}")
    return KINDS[kind](marginals, rate, **kw)
