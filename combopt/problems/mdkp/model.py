"""Multidimensional (multi-constraint 0/1) knapsack: maximise p.x subject to A x <= b.

Reads OR-Library files (``mknap1.txt``, ``mknapcb*.txt``): the number of
instances, then per instance ``n m optimum``, n profits, m rows of n weights
and m capacities, in free-format whitespace. A file holds several instances:
address them as ``file#K`` (0-based; ``#0`` is the default).
"""

from __future__ import annotations

import math
import time
from array import array
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...core.budget import StepBudget
from ...core.errors import InputError, NoSuchInstance, ParameterError, UnsuitedInstance
from ...core.io import register_reader
from ...core.limits import check_memory
from ...core.problem import Evaluation, Problem, coefficient_scale, number_array
from ...core.registry import register_kind
from ...core.safeio import json_vector
from ...models.lagrangian import LagrangianModel
from ...models.qubo import QUBO

register_kind("mdkp", ("qubo", "milp", "lagrangian"))

MAX_ITEMS = 1_000_000
#: largest total profit, row of weights or capacity: sums of whole numbers stay exact in float64 below 2**53
MAX_TOTAL = 1e15
#: how far past its capacity a load still fits (rounding noise): a relative 2**-40 (9e-13) of the row's largest
#: entry, at most 1e-9. An absolute 1e-9 let weights of 3 and 3.0000000001 share a capacity of 6, and an item of
#: weight 1 five of 1e-10 (optimum 5, all solvers answered 6 'optimal')
FIT_RTOL = 2.0**-40
#: bytes a weight takes while a file is read (checked against the memory budget before the weights are read)
BYTES_PER_WEIGHT = 24.0

#: measured speed of the drop/add local search's swap search on one thread, in (item out, item in) pairs a second
#: (2-core development machine, 30 x 100 to 5 x 5000; see :func:`walk_seconds`)
WALK_PAIRS_PER_S = 3.0e8


def walk_seconds(n: int, m: int, iters: int) -> float:
    """Expected seconds of ``iters`` drop/add iterations on one thread: about n^2 pairs an iteration for the swap
    search (a few rounds of at most n^2 / 4 pairs; the rows are checked only until one fails, so ``m`` hardly
    counts), at most its work budget. An estimate that decides whether to cut a polish into timed chunks, not a
    promise (within a factor of two from 30 x 100 to 5 x 5000)."""
    from .local import SWAP_WORK

    return iters * min(float(n) * n, float(SWAP_WORK)) / WALK_PAIRS_PER_S


class MultiKnapsack(Problem):
    """0/1 multidimensional knapsack. Solutions are 0/1 vectors of length n.

    A row of weights whose entries and capacity are all below 1 is kept scaled up by a power of two (``A`` and
    ``b`` hold the scaled rows, ``row_scale`` the factors): the same solutions fit, and the tolerances of the
    checker, the kernels and HiGHS are relative to the row."""

    kind = "mdkp"
    sense = "max"

    def __init__(self, profits, weights, capacities, name: str = "mdkp", source: str | None = None,
                 reported_optimum: float | None = None):
        self.p = number_array(profits, "profits").ravel()  # copies: the caller's arrays may change after this
        self.A = np.atleast_2d(number_array(weights, "weights", order="C"))
        self.b = number_array(capacities, "capacities").ravel()
        n, m = self.p.size, self.b.size
        if n == 0:
            raise ParameterError("a multidimensional knapsack needs at least one item (profits is empty)")
        if self.A.shape != (m, n):
            raise ParameterError(f"weights must be {m}x{n}, got {self.A.shape}")
        if not (np.all(np.isfinite(self.p)) and np.all(np.isfinite(self.A)) and np.all(np.isfinite(self.b))):
            raise ParameterError("profits, weights and capacities must be finite numbers")
        if (self.A < 0).any() or (self.b < 0).any():
            raise ParameterError("weights and capacities must be non-negative")
        for what, total in (("the profits add up to", np.abs(self.p).sum()),
                            ("a row of weights adds up to", self.A.sum(axis=1).max(initial=0)),
                            ("a capacity is", self.b.max(initial=0))):
            if not total <= MAX_TOTAL:  # sums and the LP bound stay exact in float64 (and finite)
                raise ParameterError(f"{what} {total:g}; expected at most {MAX_TOTAL:g} (sums exact in float64)")
        # rows of magnitude below 1 are scaled up by a power of two (exact: the same 0/1 solutions fit), so that
        # every absolute tolerance downstream (this checker's 1e-9, the kernels', HiGHS's 1e-7) is relative to the
        # row: with weights and a capacity of 1e-10 five items "fitted" into room for one and were called optimal
        top = np.maximum(self.b, self.A.max(axis=1, initial=0.0))
        exp = np.frexp(top)[1]  # top = f * 2**exp with 0.5 <= f < 1: the scaled row's largest entry is in [1, 2)
        self.row_scale = np.where((top > 0) & (top < 1), np.ldexp(1.0, np.minimum(1 - exp, 1023)), 1.0)
        if np.any(self.row_scale > 1.0):
            self.A = self.A * self.row_scale[:, None]
            self.b = self.b * self.row_scale
        self._A_c = np.ascontiguousarray(self.A)
        #: the largest load that fits each row (the capacity plus its rounding tolerance; the kernels take these)
        self.cap = self.b + np.minimum(1e-9, FIT_RTOL * np.maximum(self.b, self.A.max(axis=1, initial=0.0)))
        self.name = name
        self.source = source
        self.reported_optimum = reported_optimum

    @property
    def n(self) -> int:
        return int(self.p.size)

    @property
    def m(self) -> int:
        return int(self.b.size)

    @property
    def num_variables(self) -> int:
        return self.n

    def describe(self) -> str:
        return f"mdkp {self.name}: {self.n} items, {self.m} constraints"

    # -- evaluation ------------------------------------------------------------------------
    def integral_objective(self) -> bool:
        return bool(np.all(self.p == np.round(self.p)))  # whole profits (every OR-Library file)

    def objective_scale(self) -> float:
        return coefficient_scale(self.p)

    def evaluate(self, solution) -> Evaluation:
        try:
            x = np.asarray(solution)
        except (TypeError, ValueError, OverflowError):  # a ragged list
            return Evaluation(None, False, [f"solution is not a flat list of {self.n} zeros and ones"])
        if x.ndim > 1:  # a 2 x 3 array is no vector of 6 items
            return Evaluation(None, False, [f"solution has shape {x.shape}; expected a flat list of {self.n} zeros "
                                            "and ones"])
        x = x.ravel()
        if x.shape != (self.n,):
            return Evaluation(None, False, [f"solution has {x.size} entries, expected {self.n}"])
        if not np.all((x == 0) | (x == 1)):
            return Evaluation(None, False, ["solution has entries other than 0 and 1"])
        xf = x.astype(np.float64)
        load = self.A @ xf
        viol = [f"constraint {i}: load {load[i] / self.row_scale[i]:g} exceeds capacity "
                f"{self.b[i] / self.row_scale[i]:g}"
                for i in np.nonzero(~(load <= self.cap))[0]]  # NaN-safe: a NaN load never fits
        return Evaluation(float(self.p @ xf), not viol, viol)

    def construct(self) -> np.ndarray:
        """Greedy by profit per aggregated (capacity-scaled) weight, numpy only."""
        w = self._ratio_weights(None)
        agg = w @ self.A
        ratio = np.where(agg > 0, self.p / np.maximum(agg, 1e-300), np.inf)
        x = np.zeros(self.n, dtype=np.int8)
        load = np.zeros(self.m)
        for j in np.argsort(-ratio, kind="stable").tolist():
            if self.p[j] <= 0:
                continue
            col = self.A[:, j]
            if np.all(load + col <= self.cap):
                x[j] = 1
                load += col
        return x

    # -- repair and local search -----------------------------------------------------------
    def repair(self, x, weights: np.ndarray | None = None) -> np.ndarray:
        """Drop items by worst profit/weight ratio until feasible, add greedily, then 1-1 swaps.

        ``weights`` (one per constraint, e.g. Lagrange multipliers) define the
        aggregated weight of an item; by default the reciprocal capacities.
        """
        from .local import repair_and_improve

        w = self._ratio_weights(weights)
        x = np.array(x, dtype=np.int8, copy=True)
        repair_and_improve(self.p, np.ascontiguousarray(self.A), self.cap, w, x)
        return x

    def _ratio_weights(self, weights):
        if weights is None or not np.any(np.asarray(weights) > 1e-12):
            w = 1.0 / np.maximum(self.b, 1e-9)
        else:
            w = np.maximum(np.asarray(weights, dtype=np.float64), 1e-12 / max(1.0, float(self.b.max())))
        return np.ascontiguousarray(w, dtype=np.float64)

    def polish(self, solution, ctx, weights=None, iters: int = 200, walks: int | None = None,
               seconds: float | None = None) -> list:
        """Iterated drop/add local search from a feasible solution, ``walks`` walks in parallel; walk ``r`` drops
        up to 3, 8, 5, 12 items per step as ``r % 4`` is 0..3. Returns the distinct end points.

        ``seconds`` caps the time: when the walks' expected time (:func:`walk_seconds`) exceeds it, they run in
        chunks of iterations sized by the measured rate, each chunk from the best of the last, until ``iters``
        are done or the time is up (at least one iteration). Small instances run in one call, as without it."""
        import numba

        from .local import iterated_drop_add_batch

        walks = walks or max(4, numba.get_num_threads())
        X = np.tile(np.asarray(solution, dtype=np.int8), (walks, 1))
        args = (self.p, self._A_c, self.cap, self._ratio_weights(weights))
        depths = np.array([3, 8, 5, 12], dtype=np.int64)
        rounds = -(-walks // max(1, numba.get_num_threads()))  # the walks run on Numba's threads
        end = math.inf if seconds is None else time.perf_counter() + max(0.0, seconds)
        budget = StepBudget(lambda: end - time.perf_counter(), int(iters),
                            prior_s=rounds * walk_seconds(self.n, self.m, 1), share=1.0)
        done = 0
        while done < iters:  # one call when the walks fit (always without ``seconds``), else timed chunks
            steps = budget.next(cap=iters - done)
            budget.start(steps)
            iterated_drop_add_batch(*args, X, steps, ctx.uint64_seeds(walks), depths)
            budget.done()
            done += steps
            if end - time.perf_counter() <= 0:
                break
        return list(np.unique(X, axis=0))

    def walk(self, solution, seed: int, weights=None, iters: int = 200, max_drop: int = 5) -> np.ndarray:
        """One walk of the same local search as :meth:`polish`, on the calling thread, without holding Python's
        GIL (other threads, HiGHS among them, run meanwhile). Returns the best solution of the walk."""
        from .local import iterated_drop_add

        x = np.array(solution, dtype=np.int8, copy=True)
        iterated_drop_add(self.p, self._A_c, self.cap, self._ratio_weights(weights), x, int(iters),
                          np.uint64(seed), int(max_drop))
        return x

    def from_qubo_sample(self, x, rng=None):
        return self.repair(np.asarray(x)[: self.n])

    def from_qubo_samples(self, X, rng=None, weights=None, **hints) -> list:
        from .local import repair_and_improve, repair_batch

        X = np.array(np.asarray(X)[:, : self.n], dtype=np.int8, copy=True)
        A = self._A_c
        w = self._ratio_weights(weights)
        if X.shape[0] < 4:  # thread start-up costs more than the work
            for x in X:
                repair_and_improve(self.p, A, self.cap, w, x)
        else:
            repair_batch(self.p, A, self.cap, w, X)
        return list(np.unique(X, axis=0))

    # -- models ---------------------------------------------------------------------------
    def lagrangian_model(self) -> LagrangianModel:
        """min -p.x subject to A x - b <= 0 (every row relaxable)."""
        f = QUBO(-self.p, sp.csr_matrix((self.n, self.n)), name=f"mdkp-{self.name}")
        return LagrangianModel(objective=f, G=sp.csr_matrix(self.A), c=-self.b,
                               equality=np.zeros(self.m, dtype=bool), names=[f"row{i}" for i in range(self.m)])

    #: the slack-penalty QUBO (dense rows) builds at 33-47 million couplings a second on the 2-core machine
    qubo_terms_per_s = 40_000_000

    def qubo_terms(self, lagrangian: bool = False) -> int | None:
        """Couplings of the slack-penalty QUBO, from below: the densest row's item pairs plus every row's
        item-slack and slack-slack pairs (the Lagrangian model has no couplings)."""
        if lagrangian or self.n == 0 or self.m == 0:
            return None
        from ...models.lagrangian import slack_bits

        k = np.count_nonzero(self.A, axis=1).astype(np.int64)
        s = np.array([len(slack_bits(int(round(float(c))))) for c in self.b], dtype=np.int64)
        return int(k.max() * (k.max() - 1) + np.sum(2 * k * s + s * (s - 1)))

    def to_qubo(self, penalty: float | None = None) -> QUBO:
        """Slack-based penalty QUBO (the textbook encoding): see :func:`slack_penalty_qubo`."""
        from ...models.lagrangian import slack_penalty_qubo

        return slack_penalty_qubo(self.lagrangian_model(), penalty=penalty).qubo

    def qubo_variable_names(self, **reduction) -> list[str]:
        """``x1..xn`` for the items, ``s<row>_<coef>`` for the slack bits (see :func:`slack_names`)."""
        from ...models.lagrangian import slack_names

        return slack_names(self.lagrangian_model())

    def milp_terms(self) -> int:
        return int(self.n + np.count_nonzero(self.A))

    def to_pulp(self):
        import pulp

        from ...models.milp import binary_var

        prob = pulp.LpProblem(f"mdkp_{self.name}".replace("-", "_").replace(".", "_").replace(" ", "_"),
                              pulp.LpMaximize)  # a space: PuLP warns (two lines on stderr) and replaces it
        x = [binary_var(prob, f"x{j + 1}") for j in range(self.n)]  # item j + 1 of the file
        prob += pulp.lpSum(float(self.p[j]) * x[j] for j in range(self.n))
        for i in range(self.m):
            prob += pulp.lpSum(float(self.A[i, j]) * x[j] for j in range(self.n) if self.A[i, j]) <= float(self.b[i])
        return prob, lambda: np.array([int(round(v.value() or 0)) for v in x], dtype=np.int8)

    def lp(self, seconds: float | None = None):
        """:func:`lp_relaxation` of the instance, solved once and kept; ``None`` where ``seconds`` (a time limit for
        HiGHS) passed first (the LP of 5 x 200,000 items takes about 17 s: a 5 s run had spent 28 s on its LP
        bound and its own LP, and Ctrl-C could not stop either)."""
        got = self.__dict__.get("_lp")
        if got is not None:
            return got
        if seconds is not None and seconds <= self.__dict__.get("_lp_failed_within", 0.0):
            return None
        got = lp_relaxation(self.p, self.A, self.b, time_limit=seconds)
        if got is None:
            self.__dict__["_lp_failed_within"] = float(seconds)
            return None
        for arr in got[1:]:
            arr.flags.writeable = False  # kept for every later solve of the instance
        self.__dict__["_lp"] = got
        return got

    def lp_bound(self) -> float:
        """Optimum of the LP relaxation (HiGHS through scipy; see :func:`lp_relaxation`)."""
        return self.lp()[0]

    def bound(self) -> float | None:
        return self.lp_bound()

    def bound_within(self, seconds: float) -> float | None:
        got = self.lp(max(float(seconds), 0.01))
        return None if got is None else got[0]

    def solution_to_json(self, solution):
        return [int(v) for v in np.asarray(solution).ravel()]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            data = data.get("solution")
        return json_vector(data, path, f"'solution' to be a list of {self.n} 0/1 numbers")


def lp_relaxation(p: np.ndarray, A: np.ndarray, b: np.ndarray, time_limit: float | None = None):
    """``(z_lp, x_lp, duals, reduced_costs)`` of ``max p.x, A x <= b, 0 <= x <= 1`` (HiGHS through scipy);
    ``None`` when ``time_limit`` (seconds) passes first.

    Where HiGHS gives up on the profits as they are ("numerical difficulties": eleven items of profit about 1e12
    with two-digit weights), again with the profits scaled to at most 1 in magnitude, the duals and the value
    scaled back."""
    from scipy.optimize import linprog

    scale = coefficient_scale(p)  # profits below 1 are scaled up first: HiGHS's tolerances are absolute (1e-7),
    # and on profits of 1e-9 it called a vertex of value 5e-12 optimal against 3e-9
    t0 = time.perf_counter()
    opts = {} if time_limit is None else {"time_limit": max(float(time_limit), 0.001)}
    res = linprog(-p / scale, A_ub=A, b_ub=b, bounds=(0, 1), method="highs", options=opts)
    if res.status == 1 and time_limit is not None:
        return None
    if res.status != 0 and scale == 1.0 and p.size and np.max(np.abs(p)) > 0:
        scale = float(np.max(np.abs(p)))
        if time_limit is not None:
            opts["time_limit"] = float(time_limit) - (time.perf_counter() - t0)
            if opts["time_limit"] <= 0:
                return None
        res = linprog(-p / scale, A_ub=A, b_ub=b, bounds=(0, 1), method="highs", options=opts)
        if res.status == 1 and time_limit is not None:
            return None
    if res.status != 0:
        raise UnsuitedInstance(f"the LP relaxation failed ({res.message})")
    x = np.asarray(res.x, dtype=np.float64)
    u = np.maximum(-np.asarray(res.ineqlin.marginals, dtype=np.float64), 0.0) * scale
    return float(-res.fun) * scale, x, u, p - u @ A


# --------------------------------------------------------------------------- OR-Library reader


class _Tokens:
    """Whitespace tokens with their line numbers, kept compact: the numbers in one float64 array (8 bytes a token;
    a list of (text, line) pairs took about 130 bytes a token, 6.5 GB for the 50,000,000 weights the reader
    allows), the lines as the index of their first token, and only the tokens that are no finite number as text.
    Lines are read as the tokens are asked for, so that an instance's header is checked before its data is read
    (reading the whole file first took 51 s and 620 MB to refuse a 1,000,000 x 60 instance named on line 2)."""

    def __init__(self, path: Path):
        self.path = path
        self.vals, self.starts, self.lines = array("d"), array("q"), array("q")
        self.odd: dict[int, str] = {}  # token index -> text, for tokens that are not finite numbers
        self._file = open(path, encoding="utf-8-sig")  # a byte-order mark is no token
        self._lineno = 0
        self.i = 0

    @property
    def count(self) -> int:
        """Tokens read so far (all of them once :meth:`_fill` met the end of the file)."""
        return len(self.vals)

    def _fill(self, upto: int) -> None:
        """Read lines until ``upto`` tokens are in or the file ends."""
        f = self._file
        while f is not None and len(self.vals) < upto:
            line = f.readline()
            if not line:
                f.close()
                self._file = f = None
                break
            self._lineno += 1
            parts = line.split()
            if not parts:
                continue
            self.starts.append(len(self.vals))
            self.lines.append(self._lineno)
            try:
                got = [float(t) for t in parts]
            except ValueError:
                got = [self._float(t) for t in parts]
            for j, v in enumerate(got):
                if not math.isfinite(v):
                    self.odd[len(self.vals) + j] = parts[j]
            self.vals.extend(got)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def more(self) -> bool:
        """Whether a token follows the current one."""
        self._fill(self.i + 1)
        return self.i < self.count

    @staticmethod
    def _float(tok: str) -> float:
        try:
            return float(tok)
        except ValueError:
            return math.nan

    def line(self, i: int) -> int:
        """Line number of token ``i`` (the last token's past the end; 1 in a file without tokens)."""
        self._fill(i + 1)
        if self.count == 0:
            return 1
        i = min(i, self.count - 1)
        k = int(np.searchsorted(np.frombuffer(self.starts, dtype=np.int64), i, side="right") - 1)
        return int(self.lines[k])

    def text(self, i: int) -> str:
        """Token ``i`` as written (read again from its line: only error messages need it)."""
        if i in self.odd:
            return self.odd[i]
        k = int(np.searchsorted(np.frombuffer(self.starts, dtype=np.int64), i, side="right") - 1)
        with open(self.path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if lineno == self.lines[k]:
                    return line.split()[i - int(self.starts[k])]
        return repr(float(self.vals[i]))  # pragma: no cover - the file changed under us

    def number(self, what: str) -> float:
        self._fill(self.i + 1)
        if self.i >= self.count:
            raise InputError(self.path, f"file ends early: expected {what}", self.line(self.count))
        i = self.i
        self.i += 1
        if i in self.odd:
            tok = self.odd[i]
            try:
                float(tok)
            except ValueError:
                raise InputError(self.path, f"expected a number ({what}), got {tok!r}", self.line(i)) from None
            raise InputError(self.path, f"expected a finite number ({what}), got {tok!r}", self.line(i))
        return float(self.vals[i])

    def integer(self, what: str, lo: int = 0, hi: int = MAX_ITEMS) -> int:
        self._fill(self.i + 1)
        line = self.line(self.i) if self.i < self.count else None
        v = self.number(what)
        if not v.is_integer() or not (lo <= v <= hi):
            shown = f"{int(v)}" if v.is_integer() and abs(v) < 1e18 else f"{v:.17g}"  # 1000001, not 1e+06
            raise InputError(self.path, f"expected an integer {what} in {lo}..{hi}, got {shown}", line)
        return int(v)

    def vector(self, k: int, what: str) -> np.ndarray:
        self._fill(self.i + k)
        if self.i + k > self.count:
            raise InputError(self.path, f"file ends early: expected {k} numbers for {what}, found "
                                        f"{self.count - self.i} (truncated?)", self.line(self.count))
        odd = [j for j in self.odd if self.i <= j < self.i + k]
        if odd:
            self.i = min(odd)
            self.number(what)  # raises, naming the token and its line
        out = np.frombuffer(self.vals[self.i:self.i + k], dtype=np.float64)  # a copy: the tokens may grow on
        self.i += k
        return out


def read_orlib_mknap(path: str | Path) -> list[MultiKnapsack]:
    """All instances of an OR-Library ``mknap`` file."""
    path = Path(path)
    t = _Tokens(path)
    try:
        return _instances(path, t)
    finally:
        t.close()


def _instances(path: Path, t: _Tokens) -> list[MultiKnapsack]:
    count = t.integer("instance count", 1, 100_000)
    out = []
    for k in range(count):
        n = t.integer(f"item count of instance #{k}", 1)
        m = t.integer(f"constraint count of instance #{k}", 1, 100_000)
        if n * m > 50_000_000:
            raise InputError(path, f"instance #{k} has {n}x{m} = {n * m:,} weights: too large (at most 50,000,000)",
                             t.line(t.i - 1))
        # the tokens, the weights cut from them and the instance's own copy: 8 bytes each (measured 22 a weight)
        check_memory(BYTES_PER_WEIGHT * n * m + BYTES_PER_WEIGHT * n, f"instance #{k} ({n} items x {m} constraints)",
                     path, t.line(t.i - 1))
        opt = t.number(f"optimum of instance #{k}")
        p0 = t.i
        p = t.vector(n, f"profits of instance #{k}")
        w0 = t.i
        A = t.vector(n * m, f"weights of instance #{k}").reshape(m, n)
        b0 = t.i
        b = t.vector(m, f"capacities of instance #{k}")
        for what, vals, at in (("weight", A.ravel(), w0), ("capacity", b, b0)):
            bad = np.flatnonzero(vals < 0)
            if bad.size:  # name the token: its line, which one it is, and what was expected
                j = int(bad[0])
                where = f"row {j // n}, item {j % n}" if what == "weight" else f"constraint {j}"
                raise InputError(path, f"instance #{k}: {what} of {where} is {vals[j]:g}; expected a number >= 0",
                                 t.line(at + j))
        # the constructor's limit on sums (MAX_TOTAL), checked here to name the line where a sum passes it
        for what, vals, at in (("the profits add up to", np.abs(p)[None, :], p0),
                               ("row {i} of weights adds up to", A, w0), ("capacity {i} is", b[:, None], b0)):
            over = np.cumsum(vals, axis=1) > MAX_TOTAL
            if over.any():
                i, j = np.argwhere(over)[0]
                raise InputError(path, f"instance #{k}: {what.format(i=i)} more than {MAX_TOTAL:g}; expected at most "
                                       f"{MAX_TOTAL:g} (sums exact in float64)", t.line(at + i * vals.shape[1] + j))
        try:
            out.append(MultiKnapsack(p, A, b, name=f"{path.stem}#{k}", source=str(path),
                                     reported_optimum=opt if opt > 0 else None))
        except ParameterError as e:
            raise InputError(path, f"instance #{k}: {e}") from None
    if t.more():
        tok, line = t.text(t.i), t.line(t.i)
        raise InputError(path, f"unexpected extra data {tok!r} after {count} instances", line)
    return out


def _sniff(head: str) -> bool:
    toks = head.split()
    lines = [line.split() for line in head.splitlines() if line.strip()][:2]
    if lines and len(lines[0]) == 2:  # 'n m' first: a rudy / G-set max-cut graph
        return False
    if len(lines) == 2 and len(lines[0]) == 1 and len(lines[1]) == 2:  # 'count', then 'n nnz': an OR-Library BQP
        return False
    return len(toks) >= 4 and all(s.replace(".", "", 1).isdigit() for s in toks[:4])


@register_reader("orlib-mknap", kinds=("mdkp",), extensions=(".mknap", ".mdkp"), sniff=_sniff)
def _read(path: Path, kind: str, index: int | None):
    items = read_orlib_mknap(path)
    k = 0 if index is None else index
    if k >= len(items):
        raise NoSuchInstance(path, f"holds {len(items)} instances (#0..#{len(items) - 1}); #{k} does not exist")
    return items[k]
