"""Solvers of discrete min-max violation problems.

* ``dmmv``: the DMMV local search with adaptive large-neighbourhood search
  (incremental residuals, single +-k and pair moves, screening on the most
  violated rows, exact batched scoring, acceptance on (max, L2), destroy/repair
  rounds and restarts). CPU: everything compiled with Numba. GPU: the same
  phases driven from the host, with the candidate batches scored by the Numba
  CUDA kernel (any model) or by CuPy (dense models).
* ``dmmv-round``: the rounding baseline (rounded Remez, rounded SART, RTN, ...
  whatever the problem offers as warm starts).
* The exact MILP is the generic ``milp`` solver (every DMMV problem has
  ``to_pulp``); it reports the real solver status and HiGHS's dual bound.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...core.context import SolveContext, SolverOutput
from ...core.errors import ParameterError
from ...core.registry import register_solver
from ...core.stopping import AnyOf, TargetObjective
from ...core.warm import compile_seconds
from ...models.dmmv import DMMV
from ..common import choice, flag, reject_unknown, run_bound
from . import kernels as K
from .lns import LNS_DEFAULTS, LNSDriver, lns_params
from .startup import (  # noqa: F401
    BUILD_SHARE,
    DEFAULTS,
    EVALS_AFTER,
    EVALS_SHARE,
    PASS_VISIT_RECOMPUTE,
    START_SHARE,
    restrict,
    search_params,
)
from .startup import deadline_at as _deadline
from .startup import fallback_answer as _fallback_answer
from .startup import finish_info as _finish_info
from .startup import pick_start as _pick_start

DMMV_KINDS = ("dmmv", "fir", "tomography", "quantization")


class DMMVSearch:
    """State and scratch arrays of the local search on one DMMV model.

    Parameters
    ----------
    model
        The DMMV model.
    k0
        Starting domain indices.
    seed
        Seed of the xorshift stream (non-zero).
    params
        Search parameters (:data:`DEFAULTS` fill what is missing).
    scorer
        ``None`` for the compiled CPU driver, else a callable
        ``scorer(search, count, ntop, theta, linf)`` filling ``out_linf`` and
        ``out_dl2`` for the candidates, used by the host driver (GPU path).
    """

    def __init__(self, model: DMMV, k0, seed: int, params: dict | None = None, scorer=None):
        p = dict(DEFAULTS)
        p.update(params or {})
        self.p = p
        self.model = model
        self.scorer = scorer
        m, n = model.m, model.n
        self.cptr, self.crow, self.cval = model.csc_arrays()
        self.rptr, self.rcol, _ = model.csr_arrays()
        self.dptr, self.dvals = model.dom_ptr, model.dom_vals
        self.lower, self.upper, self.w = model.lower, model.upper, model.weights
        self.dense = bool(model.is_dense())
        self.Adense = model.dense() if self.dense else np.zeros((0, 0))
        self.all_vars = bool(self.dense or n <= p["all_vars"])
        T = min(int(p["top_rows"]), m)
        self.top = np.zeros(max(T, 1), dtype=np.int64)[:T] if T else np.zeros(0, dtype=np.int64)
        self.Atop = np.zeros((T if self.dense else 0, n))
        self.tol = model.tolerance()
        sizes = model.domain_sizes
        self.max_step = int(max(1, min(p["max_step"], int(sizes.max()) - 1 if sizes.max() > 1 else 1)))
        cap = n * 2 * self.max_step + int(p["max_pairs"])
        if self.all_vars:
            cap = n * 2 * self.max_step + min(int(p["max_pairs"]), max(0, n * (n - 1) * 2)) + 1
        cap = max(cap, 1)
        self.ci = np.zeros(cap, dtype=np.int64)
        self.cki = np.zeros(cap, dtype=np.int64)
        self.cj = np.zeros(cap, dtype=np.int64)
        self.ckj = np.zeros(cap, dtype=np.int64)
        self.cdvi = np.zeros(cap)
        self.cdvj = np.zeros(cap)
        self.out_linf = np.zeros(cap)
        self.out_dl2 = np.zeros(cap)
        self.perm = np.zeros(n, dtype=np.int64)
        self.mark = np.zeros(n + 1, dtype=np.int64)
        self.rel = np.zeros(n, dtype=np.int64)
        self.save_k = np.zeros(n, dtype=np.int64)
        self.save_x = np.zeros(n)
        self.save_s = np.zeros(m)
        self.save_v = np.zeros(m)
        self.counters = np.zeros(2, dtype=np.int64)  # candidates scored, moves accepted
        self.rng = np.array([np.uint64(seed) | np.uint64(1)], dtype=np.uint64)
        self.nd_min = max(2, int(math.ceil(p["destroy"] * n)))
        self.nd_max = max(self.nd_min + 2, int(math.ceil(p["destroy_max"] * n)))
        self.nd_min = min(self.nd_min, n)
        self.nd_max = min(self.nd_max, max(n, 1))
        self.round = 0
        #: LNS rounds, fresh trajectories, moves scored and accepted of the searches this one took over from
        #: (:meth:`succeed`: the window MILP's improvement starts a new search object on the same trajectory)
        self.before = (0, 0, 0, 0)
        self.scoring_seconds = 0.0
        self.k = np.array(k0, dtype=np.int64)
        self.x = model.values(self.k).copy()
        self.s = np.zeros(m)
        self.v = np.zeros(m)
        linf, l2 = K.recompute(self.cptr, self.crow, self.cval, self.x, self.lower, self.upper, self.w, self.s, self.v)
        #: seconds of one pass of the local search (measured by a timed :meth:`descend`)
        self.pass_s = 0.0
        # an L2 change must beat the drift of the incremental sums (measured ~1e-16 after a few rounds from L2 = 0)
        self.eps2 = 1e-12 * max(l2, 1e-300) + self.tol * self.tol + 1e-4 * self.tol
        # the LNS state; the first call of run() starts with a local search from the start point
        self.started = False
        self.state = np.array([linf, l2, self.nd_min, 0.0, 0.0, linf, l2])
        self.best = np.array([linf, l2])
        self.best_k = self.k.copy()
        # the LNS rounds' trajectory and its best (``deep_after`` starts fresh ones); :attr:`best`: over all of them
        self.k0 = self.k.copy()
        self.tbest = self.best.copy()
        self.tbest_k = self.k.copy()
        self.trajectories = 1
        self._traj_start = self._traj_best_round = 0  # rounds: the trajectory's first, its last new best

    def descend(self, deadline: float | None = None) -> None:
        """Local search from the start point (done by the first :meth:`run`).

        With a ``deadline`` (``time.monotonic()``) the compiled loop runs one pass at a time (a sweep of single
        moves, then up to 64 best-improvement steps: the same moves as in one call) and no pass starts that would
        end after it, judged by the last one (the first by :attr:`pass_s`): from a 512 x 512 tomography's rounded
        SART one pass took 2 s, with no clock check inside. Cut short, the state is where it stopped (not worse
        than the start)."""
        if self.started:
            return
        self.started = True
        linf, l2 = float(self.state[0]), float(self.state[1])
        if deadline is None or self.scorer is not None:
            linf, l2 = self._local_search(linf, l2, deadline=deadline)
        else:
            # the first pass estimated from one pass over the matrix (into scratch arrays: the state stays as it is):
            # its entry visits (every single move of every variable, 64 pair steps of max_pairs pairs over two
            # columns, or the top rows of a dense model) at PASS_VISIT_RECOMPUTE times a visit of that pass. The pass
            # is timed on its second run: a process's first call of a kernel loads it from Numba's cache, and on a
            # small model that load (milliseconds) times some 10^4 visits per entry made a 2 s run of a 7-tap filter
            # estimate a 5.5 s pass and answer with its start. Pairs: at most every ordered pair of variables.
            args = (self.cptr, self.crow, self.cval, self.x, self.lower, self.upper, self.w, self.save_s, self.save_v)
            K.recompute(*args)
            t0 = time.monotonic()
            K.recompute(*args)
            nnz = max(int(self.cptr[-1]), 1)
            n = max(self.model.n, 1)
            col = self.top.shape[0] if self.dense else nnz / n
            pairs = min(int(self.p["max_pairs"]), n * (n - 1))
            visits = 2 * self.max_step * nnz + 64 * 2 * pairs * col
            self.pass_s = PASS_VISIT_RECOMPUTE * (time.monotonic() - t0) * visits / nnz
            linf, l2 = self._passes(linf, l2, deadline)
        self.state[:] = [linf, l2, self.nd_min, 0.0, 0.0, linf, l2]
        self.best[:] = [linf, l2]
        self.best_k[:] = self.k
        self.tbest[:] = self.best
        self.tbest_k[:] = self.k

    def _passes(self, linf: float, l2: float, deadline: float) -> tuple[float, float]:
        """The local search one pass at a time, no pass started that would end after ``deadline`` (judged by the
        last one, the first by :attr:`pass_s`)."""
        budget = int(self.p["max_moves"])
        while budget > 0 and time.monotonic() + self.pass_s < deadline:
            t0, before, compiled = time.monotonic(), int(self.counters[1]), compile_seconds()
            linf, l2 = self._local_search(linf, l2, 1)  # returns after one pass (or at a local optimum)
            took = int(self.counters[1]) - before
            # an in-process compile in the first pass is not the pass's time (a 6 s compile ended a 10 s FIR run
            # after that pass: no second one seemed to fit)
            self.pass_s = max(0.0, time.monotonic() - t0 - (compile_seconds() - compiled))
            budget -= took
            if took == 0:  # a pass without a move: a local optimum
                break
        return linf, l2

    # -- drivers ------------------------------------------------------------------------
    def _local_search(self, linf: float, l2: float, max_moves: int | None = None,
                      deadline: float | None = None) -> tuple[float, float]:
        # a GPU scorer's host loop keeps ``deadline`` itself (a 2 s run of an order-200 filter descended for 14 s)
        if max_moves is None:
            max_moves = self.p["max_moves"]
        if self.scorer is None:
            return K.local_search_cpu(self.max_step, self.p["max_pairs"], self.all_vars, self.p["screen_rows"],
                                      max_moves, self.cptr, self.crow, self.cval, self.rptr, self.rcol,
                                      self.dptr, self.dvals, self.lower, self.upper, self.w, self.Adense, self.dense,
                                      self.k, self.x, self.s, self.v, linf, l2, self.tol, self.eps2, self.rng,
                                      self.perm, self.mark, self.rel, self.top, self.Atop, self.ci, self.cdvi,
                                      self.cki, self.cj, self.cdvj, self.ckj, self.out_linf, self.out_dl2,
                                      self.counters)
        return self._local_search_host(linf, l2, max_moves, deadline)

    def _local_search_host(self, linf: float, l2: float, max_moves: int | None = None,
                           deadline: float | None = None) -> tuple[float, float]:
        """The same loop as :func:`kernels.local_search_cpu`, scoring through ``self.scorer``; stopped (where it is,
        never worse than its start) once ``time.monotonic()`` passes ``deadline``."""
        moves = 0
        while moves < (self.p["max_moves"] if max_moves is None else max_moves):
            if deadline is not None and time.monotonic() >= deadline:
                break
            taken, l2, sc = K.sweep(self.max_step, self.cptr, self.crow, self.cval, self.dptr, self.dvals, self.lower,
                                    self.upper, self.w, self.k, self.x, self.s, self.v, linf, l2, self.tol, self.eps2,
                                    self.rng, self.perm)
            self.counters[0] += sc
            self.counters[1] += taken
            moves += taken
            improved = False
            for _ in range(64):
                if deadline is not None and time.monotonic() >= deadline:
                    break
                cnt, ntop, theta, linf = K.ls_prepare(self.max_step, self.p["max_pairs"], self.all_vars,
                                                      self.p["screen_rows"], self.cptr, self.crow, self.rptr,
                                                      self.rcol, self.dptr, self.dvals, self.Adense, self.dense,
                                                      self.k, self.x, self.v, self.tol, self.rng, self.mark, self.rel,
                                                      self.top, self.Atop, self.ci, self.cdvi, self.cki, self.cj,
                                                      self.cdvj, self.ckj)
                t0 = time.perf_counter()
                self.scorer(self, cnt, ntop, theta, linf)
                self.scoring_seconds += time.perf_counter() - t0
                self.counters[0] += cnt
                b, linf, l2 = K.ls_finish(cnt, self.cptr, self.crow, self.cval, self.dptr, self.dvals, self.lower,
                                          self.upper, self.w, self.k, self.x, self.s, self.v, linf, l2, self.tol,
                                          self.eps2, self.ci, self.cki, self.cj, self.ckj, self.out_linf,
                                          self.out_dl2)
                if b < 0:
                    break
                self.counters[1] += 1
                moves += 1
                improved = True
            if taken == 0 and not improved:
                break
        return K.max_of(self.v), l2

    def run(self, rounds: int, target: float = -math.inf, deadline: float | None = None) -> int:
        """Run ``rounds`` LNS rounds (fewer once the best reaches ``target``); returns the rounds done. ``deadline``
        bounds the first call's descent (see :meth:`descend`)."""
        if rounds <= 0 or self.model.n == 0:
            return 0
        before = float(self.tbest[0])
        if not self.started:
            self.descend(deadline)
            rounds -= 1
            if rounds == 0 or self.best[0] <= target:
                self.round += 1
                return 1
        if self.scorer is None:
            done = K.lns_cpu(rounds, self.max_step, self.p["max_pairs"], self.all_vars, self.p["screen_rows"],
                             self.p["max_moves"], self.nd_min, self.nd_max, self.p["restart_after"],
                             self.p["restart_frac"], target, self.cptr, self.crow, self.cval, self.rptr, self.rcol,
                             self.dptr, self.dvals, self.lower, self.upper, self.w, self.Adense, self.dense, self.k,
                             self.x, self.s, self.v, self.state, self.tbest_k, self.tbest, self.tol, self.eps2,
                             self.rng, self.perm, self.mark, self.rel, self.top, self.Atop, self.ci, self.cdvi,
                             self.cki, self.cj, self.cdvj, self.ckj, self.out_linf, self.out_dl2, self.counters,
                             self.save_k, self.save_x, self.save_s, self.save_v, self.round)
        else:
            done = self._lns_host(rounds, target)
        if self.round == 0:
            done += 1  # the descent counts as the first round
        self.round += done
        if self.tbest[0] < before - self.tol:
            self._traj_best_round = self.round
        self._keep_best()
        since = self.round - self._traj_best_round
        if self.p["deep_after"] and self.best[0] > target and since >= max(
                self.p["deep_after"], self._traj_best_round - self._traj_start):  # as long again as it took
            self._fresh_trajectory(deadline)
        return done

    def _keep_best(self) -> None:  # the trajectory's best becomes the best when it is lower in (max, L2)
        t, b = self.tbest, self.best
        if t[0] < b[0] - self.tol or (t[0] <= b[0] + self.tol and t[1] < b[1] - self.eps2):
            b[:] = t
            self.best_k[:] = self.tbest_k

    def _fresh_trajectory(self, deadline: float | None = None) -> None:
        """A new trajectory: the start with ``restart_frac`` of its variables one step off, a local search, the LNS
        rounds from there. Restarts from a trajectory's best fall back into its local optimum; fresh ones need not."""
        self.k[:] = self.k0
        self.x[:] = self.model.values(self.k0)
        _, l2 = K.recompute(self.cptr, self.crow, self.cval, self.x, self.lower, self.upper, self.w, self.s, self.v)
        # the kernels' own perturbation (as a restart's), from the search's random stream
        l2 += K.destroy(max(1, int(self.p["restart_frac"] * self.k.size)), False, self.cptr, self.crow, self.cval,
                        self.rptr, self.rcol, self.dptr, self.dvals, self.lower, self.upper, self.w, self.k, self.x,
                        self.s, self.v, self.top, 0, self.rng)
        linf = K.max_of(self.v)
        if deadline is None or self.scorer is not None:
            linf, l2 = self._local_search(linf, l2, deadline=deadline)
        else:
            linf, l2 = self._passes(linf, l2, deadline)
        self.state[:] = [linf, l2, self.nd_min, 0.0, 0.0, linf, l2]
        self.tbest[:] = [linf, l2]
        self.tbest_k[:] = self.k
        self._traj_start = self._traj_best_round = self.round
        self.trajectories += 1
        self._keep_best()

    def _lns_host(self, rounds: int, target: float) -> int:
        """The same loop as :func:`kernels.lns_cpu`, local search through the host driver."""
        ntop, _ = K.rebuild_top(self.v, self.top.shape[0], self.top)
        done = 0
        for rnd in range(self.round, self.round + rounds):
            done += 1
            linf, l2 = K.round_begin(self.state, self.tbest_k, self.nd_max, self.p["restart_after"],
                                     self.p["restart_frac"], self.cptr, self.crow, self.cval, self.rptr, self.rcol,
                                     self.dptr, self.dvals, self.lower, self.upper, self.w, self.k, self.x, self.s,
                                     self.v, self.top, ntop, self.rng, self.save_k, self.save_x, self.save_s,
                                     self.save_v)
            linf, l2 = self._local_search_host(linf, l2)
            ntop, _ = K.round_end(rnd, self.state, self.tbest, self.tbest_k, self.nd_min, self.nd_max, linf, l2,
                                  self.cptr, self.crow, self.cval, self.dvals, self.dptr, self.lower, self.upper,
                                  self.w, self.k, self.x, self.s, self.v, self.top, self.tol, self.eps2, self.save_k,
                                  self.save_x, self.save_s, self.save_v)
            if self.tbest[0] <= target:
                break
        return done

    def candidate_batch(self, max_step: int | None = None, max_pairs: int | None = None,
                        all_vars: bool | None = None, screen_rows: int | None = None) -> tuple[int, int, float, float]:
        """Generate one batch of candidate moves at the current point, as a search step does (the scorers' input,
        for tests and benchmarks): ``(count, ntop, theta, linf)``; the moves are in ``ci, cdvi, cj, cdvj``.
        Unset arguments take the search's own values."""
        ntop, theta = K.rebuild_top(self.v, self.top.shape[0], self.top)
        if self.dense:
            K.fill_atop(self.Adense, self.top, ntop, self.Atop)
        linf = float(self.v.max())
        cnt = K.gen_candidates(self.max_step if max_step is None else int(max_step),
                               int(self.p["max_pairs"] if max_pairs is None else max_pairs),
                               self.all_vars if all_vars is None else bool(all_vars),
                               int(self.p["screen_rows"] if screen_rows is None else screen_rows),
                               self.cptr, self.crow, self.rptr, self.rcol, self.dptr, self.dvals, self.k, self.x,
                               self.v, self.top, ntop, linf, self.tol, self.rng, self.mark, self.rel, self.ci,
                               self.cdvi, self.cki, self.cj, self.cdvj, self.ckj)
        return int(cnt), ntop, theta, linf

    # -- results ------------------------------------------------------------------------
    @property
    def best_objective(self) -> tuple[float, float]:
        return float(self.best[0]), float(self.best[1])

    def succeed(self, old: DMMVSearch) -> DMMVSearch:
        """Take over ``old``'s counts (it continues ``old``'s trajectory from an improvement found outside)."""
        b = old.before
        self.before = (b[0] + old.round, b[1] + old.trajectories - 1, old.moves_scored, old.moves_accepted)
        return self

    @property
    def moves_scored(self) -> int:
        return int(self.counters[0]) + self.before[2]

    @property
    def moves_accepted(self) -> int:
        return int(self.counters[1]) + self.before[3]


# ---------------------------------------------------------------------------------------
# scorers of the GPU path (host driver)
# ---------------------------------------------------------------------------------------
def cpu_scorer(S: DMMVSearch, cnt: int, ntop: int, theta: float, linf: float) -> None:
    """Score through the parallel CPU batch kernel (the host driver's reference scorer)."""
    K.score_batch_cpu(cnt, S.ci, S.cdvi, S.cj, S.cdvj, S.cptr, S.crow, S.cval, S.s, S.lower, S.upper, S.w, S.v,
                      S.top, ntop, theta, S.Atop, linf, S.tol, S.out_linf, S.out_dl2)


def make_scorer(model: DMMV, backend: str):
    """Scorer for the GPU path: ``"cuda"`` (Numba kernel), ``"cupy"`` (dense models) or ``"auto"``."""
    if backend not in ("auto", "cuda", "cupy"):
        raise ParameterError(f"gpu_backend must be auto, cuda or cupy; got {backend!r}")
    if backend in ("auto", "cupy") and model.is_dense():
        try:
            import cupy  # type: ignore[import-not-found]  # noqa: F401

            from ...gpu.dmmv_xp import XPScorer

            return XPScorer(model, cupy), "cupy"
        except ImportError:
            if backend == "cupy":
                from ...core.errors import MissingDependencyError

                raise MissingDependencyError("CuPy is not installed: pip install 'combopt[gpu]'") from None
    if backend == "cupy":
        raise ParameterError("the CuPy scorer needs a dense model; use gpu_backend=cuda")
    from ...gpu.dmmv import CudaScorer

    return CudaScorer(model), "cuda"


# ---------------------------------------------------------------------------------------
# solvers
# ---------------------------------------------------------------------------------------
def _target_of(ctx: SolveContext) -> float:
    crit = ctx.state.criterion
    parts = crit.criteria if isinstance(crit, AnyOf) else [crit]
    targets = [c.target for c in parts if isinstance(c, TargetObjective)]
    return max(targets) if targets else -math.inf


@register_solver(
    "dmmv",
    problems=DMMV_KINDS,
    devices=("cpu", "gpu"),
    description="DMMV local search + adaptive LNS (Numba CPU; GPU: Numba CUDA / CuPy batch scoring)",
    default_for=DMMV_KINDS,
    params=("start", "gpu_backend", "polish", "focus", "gate", "milp_lns", *DEFAULTS, *LNS_DEFAULTS),
)
def dmmv_search(problem, ctx: SolveContext, **params) -> SolverOutput:
    """The DMMV heuristic.

    Parameters (``--param``): ``start`` (warm start name or ``auto`` = the
    best the problem offers), ``max_step``, ``max_pairs``, ``screen_rows``,
    ``top_rows``, ``all_vars``, ``destroy``, ``destroy_max``,
    ``restart_after``, ``restart_frac``, ``deep_after`` (a problem class may set its own defaults,
    ``search_defaults``: FIR restarts sooner; ``deep_after`` is off for all), ``rounds`` (LNS rounds per block and
    iteration without a time limit), ``max_moves``, ``gpu_backend``
    (``auto``/``cuda``/``cupy``), ``focus`` (default on: only the variables
    the problem's ``focus_mask`` names move, e.g. DART's boundary pixels in
    noisy tomography), ``polish`` (default on: a final pass on the
    problem's ``tie_break`` regulariser that keeps (max, L2) from rising; see
    :mod:`.tiebreak`), ``gate`` (default on: where the problem has a
    ``keep_start`` test, e.g. noisy tomography, the answer is the start when
    the search's fit costs plausibility; ``info["kept_start"]`` gives the
    reason) and ``milp_lns`` (default: the problem class's ``milp_lns``,
    off for every family now): the window-MILP large-neighbourhood search of
    :mod:`.lns` when the local search stagnates (``lns_size``,
    ``lns_size_max``, ``lns_radius``, ``lns_window_s``, ``lns_windows``).
    See :data:`DEFAULTS`.
    """
    start = params.pop("start", "auto")
    backend = choice(params, "gpu_backend", "auto", ("auto", "cuda", "cupy"))
    if backend != "auto" and ctx.device != "gpu":  # the GPU path's scorer: a CPU run ignored it without a word
        raise ParameterError(f"gpu_backend={backend} picks the scorer of the GPU path; use --device gpu or drop it")
    do_polish = flag(params, "polish", True)
    do_focus = flag(params, "focus", True)
    do_gate = flag(params, "gate", True)
    sp_ = search_params(params, getattr(problem, "search_defaults", None))
    lns_p = lns_params(params, bool(getattr(problem, "milp_lns", False)))
    reject_unknown(params, "dmmv")
    try:  # the set-up: models and starts, each within its share of the time (see BUILD_SHARE and START_SHARE)
        why = problem.prepare(_deadline(ctx, BUILD_SHARE))
        if why is not None:
            return _fallback_answer(problem, ctx, why)
        blocks = problem.blocks()
        start_name, ks0, start_note = _pick_start(problem, None if start is None else str(start), ctx=ctx,
                                                  share=START_SHARE)
    except KeyboardInterrupt:
        return _fallback_answer(problem, ctx, "interrupted (Ctrl-C) before a start was ready", interrupted=True)
    target = _target_of(ctx)
    seeds = ctx.uint64_seeds(len(blocks))
    searches: list = [None] * len(blocks)
    used_backend = "numba-cpu"
    # focus (tomography: DART's boundary pixels): the search moves only these variables, the rest stay at the start
    masks = problem.focus_mask(ks0) if do_focus and hasattr(problem, "focus_mask") else None
    full_k = [np.array(k, dtype=np.int64) for k in ks0]

    def search_of(q: int) -> DMMVSearch:
        """Block ``q``'s search, set up when first run (the 1024 rows of a large layer take seconds: the loop stops
        setting rows up at the time limit, and the rows left keep their start)."""
        nonlocal used_backend
        if searches[q] is None:
            b, k0 = blocks[q], ks0[q]
            mask = None if masks is None else masks[q]
            if mask is not None and mask.any() and not mask.all():
                b = restrict(b, np.asarray(k0), mask)
                k0 = np.asarray(k0)[mask]
            elif masks is not None:
                masks[q] = None
            scorer = None
            if ctx.device == "gpu":
                scorer, used_backend = make_scorer(b, backend)
            searches[q] = DMMVSearch(b, k0, int(seeds[q]), sp_, scorer)
        return searches[q]

    single = len(blocks) == 1

    def best_full(q: int) -> np.ndarray:
        if searches[q] is None:
            return full_k[q].copy()
        k = full_k[q].copy()
        if masks is not None and masks[q] is not None:
            k[masks[q]] = searches[q].best_k
            return k
        return searches[q].best_k.copy()
    timed = math.isfinite(ctx.state.criterion.time_limit())
    limit = ctx.state.criterion.time_limit()
    per_round: list = [None] * len(blocks)
    calls = [0] * len(blocks)
    t_start = time.perf_counter()

    # a problem with a plausibility gate (noisy tomography) may keep its start over the search's answer: then the
    # search's incumbents are not offered on the way (the result would prefer them by objective), only the start
    # (an interrupted run answers with it) and, at the end, the gated answer
    gated_start = do_gate and single and hasattr(problem, "keep_start")
    evals = [0.0, 0.0]  # seconds of the last evaluation, seconds of all of them

    def offer(sol=None):
        if sol is None:
            sol = problem.solution_from_blocks([best_full(q) for q in range(len(blocks))])
        t0 = time.perf_counter()
        ev = problem.evaluate(sol)
        evals[0] = time.perf_counter() - t0
        evals[1] += evals[0]
        if ev.feasible:
            ctx.state.report(ev.objective, sol)
        return sol

    offered: list = []  # the searches' bests at the last offer

    def offer_if_new() -> None:
        """Offer the searches' bests; in a timed run only when they changed and evaluating has not taken a tenth
        of the run (an order-2000 FIR filter's evaluation takes about a second)."""
        now = [None if S is None else (float(S.best[0]), float(S.best[1])) for S in searches]
        if timed and (now == offered or evals[1] > 0.1 * ctx.state.elapsed):
            return
        offered[:] = now
        offer()

    def stop_at() -> float:
        """The loop's end: the limit less the time of the evaluations after it."""
        return limit - min(EVALS_AFTER * evals[0], EVALS_SHARE * limit)

    interrupted = False
    bound = None
    driver = None
    try:
        if single or lns_p is not None:  # one model: set up now (the LNS driver needs every search)
            for q in range(len(blocks)):
                search_of(q)
        offer(problem.solution_from_blocks(full_k) if gated_start else None)
        offered[:] = [None if S is None else (float(S.best[0]), float(S.best[1])) for S in searches]
        bound = run_bound(problem, ctx) if single else None
        proven = False
        scorers = [S.scorer for S in searches] if lns_p is not None else []
        driver = None if lns_p is None else LNSDriver(searches, seeds, lns_p, lambda q, k: DMMVSearch(
            searches[q].model, k, int(seeds[q]), sp_, scorers[q]).succeed(searches[q]))
        full = False  # no round fits before the end any more
        ctx.state.begin_iterations()  # the set-up (seconds on large models) is not an iteration to judge the rest by
        while not ctx.state.should_stop() and not full:
            for q in range(len(blocks)):
                if timed and calls[q] and ctx.state.elapsed + (
                        searches[q].pass_s if calls[q] == 1 else per_round[q]) > stop_at():
                    full = True  # not even one round (at least a pass; later: like the last ones) fits before the end
                    break
                S = search_of(q)
                if timed:
                    if per_round[q] is None:
                        rounds = 1
                    else:
                        share = min(1.0, max(0.02, ctx.time_left / 20.0)) / len(blocks)
                        rounds = int(max(1, min(100_000, share / max(per_round[q], 1e-7))))
                else:
                    rounds = sp_["rounds"]
                t0 = time.perf_counter()
                end = time.monotonic() + stop_at() - ctx.state.elapsed if timed else None
                done = S.run(rounds, target + S.tol if single else -math.inf, end)
                dt = time.perf_counter() - t0
                if done:
                    calls[q] += 1
                    # the first call includes compilation: measure again on the second one; a round costs at least a
                    # pass (the first call's descent may have been cut before its first one)
                    per_round[q] = dt / done if calls[q] <= 2 else 0.5 * (per_round[q] + dt / done)
                    if calls[q] == 1 and timed:
                        per_round[q] = max(per_round[q], S.pass_s)
                if timed and ctx.state.elapsed >= stop_at():
                    break
            if not gated_start:
                offer_if_new()
            if driver is not None and driver.active and not ctx.state.should_stop():
                left = ctx.time_left if timed else math.inf
                if driver.step(searches, left, timed, ctx.state.should_stop) and not gated_start:
                    offer_if_new()
            ctx.state.next_iteration()
            if single and bound is not None and searches[0].best[0] <= bound + searches[0].tol:
                proven = True
                break
            if timed and ctx.state.elapsed >= stop_at():
                break
    except KeyboardInterrupt:  # Ctrl-C: the best so far (a block not set up yet keeps its start), no polish
        interrupted = ctx.state.interrupted = True
        proven = False
    polish_moves = 0
    final_k = None
    info_polish = None
    tb = problem.tie_break() if do_polish and single and not interrupted and hasattr(problem, "tie_break") else None
    if tb is not None:
        # third criterion: among equal (max, L2) prefer the plausible solution (homogeneous, near the reference)
        from .tiebreak import polish

        k_cur = best_full(0)
        left = ctx.time_left - (limit - stop_at()) if timed else math.inf
        if left > 0:  # no time left before the final evaluations: no polish (a pass of it may take 0.5 s)
            k_pol, polish_moves = polish(blocks[0], tb, k_cur, seed=int(seeds[0]) if len(seeds) else 1,
                                         seconds=max(0.05, 0.8 * left) if np.isfinite(left) else None)
            ev0 = problem.evaluate(problem.solution_from_blocks([k_cur]))
            ev1 = problem.evaluate(problem.solution_from_blocks([k_pol]))
            if ev1.feasible and (not ev0.feasible or ev1.objective <= ev0.objective):
                final_k = [k_pol]
            else:
                polish_moves = 0
        else:
            info_polish = "skipped: no time left"
    if final_k is None:
        final_k = [best_full(q) for q in range(len(blocks))]
    kept = problem.keep_start(full_k, final_k) if gated_start else None
    if kept is not None:
        # the fit costs plausibility (see the problem's keep_start): the answer is the start, no claim of optimality
        search_objective = problem.block_objective(final_k)[0]
        final_k, proven = [k.copy() for k in full_k], False
    elapsed = time.perf_counter() - t_start
    run_ = [S for S in searches if S is not None]
    scored = sum(S.moves_scored for S in run_)
    info = {
        "start": start_name,
        "start_objective": problem.block_objective(ks0)[0],
        **({"start_note": start_note} if start_note else {}),
        **(problem.start_notes() if hasattr(problem, "start_notes") else {}),
        "lns_rounds": sum(S.round + S.before[0] for S in run_),
        **({"trajectories": sum(S.trajectories + S.before[1] for S in run_)} if sp_["deep_after"] else {}),
        "moves_scored": scored,
        "moves_accepted": sum(S.moves_accepted for S in run_),
        "moves_scored_per_s": scored / max(elapsed, 1e-9),
        "backend": used_backend,
        "blocks": len(blocks),
    }
    if len(run_) < len(blocks):
        info["blocks_searched"] = f"{len(run_)} of {len(blocks)} (the others keep the start: time limit or Ctrl-C)"
    if interrupted:
        info["interrupted"] = True
    if tb is not None:
        info["polish_moves"] = polish_moves
        if info_polish:
            info["polish"] = info_polish
    if driver is not None:
        info.update(driver.info())
    if masks is not None:
        info["focus_variables"] = int(sum(m.sum() for m in masks if m is not None))
    if gated_start:
        info["kept_start"] = kept
        if kept is not None:
            info["search_objective"] = search_objective
    sol = problem.solution_from_blocks(final_k)
    if gated_start:
        offer(sol)
    return SolverOutput(solution=sol, bound=bound, proven_optimal=proven, info=_finish_info(problem, sol, info))


@register_solver(
    "dmmv-round",
    problems=DMMV_KINDS,
    description="rounding baseline: the problem's continuous / classical solution rounded to the grid "
                "(rounded Remez, rounded SART, RTN, GPTQ, ...)",
    params=("start",),
)
def dmmv_round(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Round a warm start. Parameter ``start``: its name (default: the family's baseline)."""
    start = params.pop("start", None)
    reject_unknown(params, "dmmv-round")
    try:
        name, ks, note = _pick_start(problem, problem.baseline_start if start is None else str(start),
                                     problem.baseline_start, ctx)
    except KeyboardInterrupt:
        return _fallback_answer(problem, ctx, "interrupted (Ctrl-C) before a start was ready", interrupted=True)
    sol = problem.solution_from_blocks([k.copy() for k in ks])
    ev = problem.evaluate(sol)
    if ev.feasible:
        ctx.state.report(ev.objective, sol)
    ctx.state.next_iteration()
    info = {"start": name, **({"start_note": note} if note else {}),
            **(problem.start_notes() if hasattr(problem, "start_notes") else {})}
    return SolverOutput(solution=sol, info=_finish_info(problem, sol, info))
