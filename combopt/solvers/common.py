"""Helpers shared by the QUBO solvers: schedules, sample hand-off, parameters."""

from __future__ import annotations

import contextlib
import inspect
import math
import time

import numpy as np

from ..core.context import SolveContext
from ..core.errors import ParameterError
from ..models.qubo import QUBO

#: expected one-flip excitations per variable and sweep at the cold end of the default schedule
COLD_EXCITATION_RATE = 0.01


def default_beta_range(model: QUBO) -> tuple[float, float]:
    """Inverse-temperature range from the coefficients.

    Hot end: the largest possible one-flip energy increase is accepted with
    probability 1/2. Cold end: a one-flip increase of the smallest non-zero
    coefficient is accepted with probability ``0.01 / k``, where ``k`` counts the
    variables whose smallest coefficient is that one, so that a whole sweep at the
    end makes about 0.01 such excitations however large the model (the rule of
    dwave-samplers' default range, ``scale_T_with_N``). With 1/100 per variable
    instead, the last sweeps of a 2000-variable max-cut QUBO kept about 20 spins
    excited: a toroidal +-1 grid of 2000 vertices ended at cut 1432 against 1458,
    a random graph G(2000, 0.01) at 13151 against 13159 (5 s, seed 0).
    """
    n = model.n
    absW = abs(model.W).tocsr()
    row_sum = np.asarray(absW.sum(axis=1)).ravel() if model.W.nnz else np.zeros(n)
    max_delta = float(np.max(np.abs(model.h) + row_sum)) if n else 1.0
    # each variable's smallest non-zero coefficient (its linear term or one of its couplings); below 1e-12 of the
    # largest change counts as zero (relative: a QUBO in units of 1e-14 otherwise had its cold end at beta 4.6,
    # no colder than its hot end, and sa ended at -123 where its 1e-14 x 1 copy reached -272)
    tiny = 1e-12 * max_delta
    per_var = np.where(np.abs(model.h) > tiny, np.abs(model.h), np.inf)
    if model.W.nnz:
        data = np.where(absW.data > tiny, absW.data, np.inf)
        rows = np.repeat(np.arange(n), np.diff(absW.indptr))
        np.minimum.at(per_var, rows, data)
    finite = per_var[np.isfinite(per_var)]
    min_delta = float(finite.min()) if finite.size else 1.0
    count = int(np.count_nonzero(per_var == min_delta)) if finite.size else 1
    if max_delta <= 0:
        max_delta = 1.0
    hot = math.log(2.0) / max_delta
    cold = math.log(max(count, 1) / COLD_EXCITATION_RATE) / min_delta
    return hot, max(cold, hot * 1.0001)


def geometric_betas(beta_range: tuple[float, float], steps: int) -> np.ndarray:
    b0, b1 = beta_range
    if steps <= 1:
        return np.array([b1], dtype=np.float64)
    return np.geomspace(b0, b1, steps).astype(np.float64)


def parse_beta_range(value, model: QUBO) -> tuple[float, float]:
    if value is None:
        return default_beta_range(model)
    try:
        b0, b1 = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError(f"beta_range must be two numbers (hot, cold), got {value!r}") from None
    if not (0 < b0 < b1 < math.inf):
        raise ParameterError(f"beta_range must satisfy 0 < hot < cold, got {value!r}")
    return b0, b1


#: largest value an integer solver parameter may take (counts of replicas, sweeps, iterations)
MAX_INT_PARAM = 10**9


def positive_int(params: dict, key: str, default: int | None, hi: int = MAX_INT_PARAM, lo: int = 1) -> int | None:
    """Pop ``key`` as an integer in ``lo..hi`` (a float must be integral: ``2.0`` is fine, ``inf`` not); a
    ``None`` default (filled in later) stays ``None`` when the key is absent; a ``None`` value is the default."""
    v = params.pop(key, None)
    if v is None:
        v = default
    if v is None:
        return None
    try:
        if isinstance(v, bool):
            raise TypeError
        f = float(v)
        iv = int(f) if math.isfinite(f) else None
    except (TypeError, ValueError, OverflowError):
        iv = None
        f = math.nan
    if iv is None or iv != f or not (lo <= iv <= hi):
        raise ParameterError(f"parameter {key} must be an integer in {lo}..{hi}, got {v!r}")
    return iv


def finite_float(params: dict, key: str, default: float | None, lo: float = -math.inf, hi: float = math.inf,
                 open_lo: bool = False) -> float | None:
    """Pop ``key`` as a finite number in ``[lo, hi]`` (``(lo, hi]`` with ``open_lo``); a ``None`` value is the
    default."""
    v = params.pop(key, None)
    if v is None:
        v = default
    if v is None:
        return None
    try:
        if isinstance(v, bool):
            raise TypeError
        f = float(v)
    except (TypeError, ValueError, OverflowError):
        f = math.nan
    ok = math.isfinite(f) and (f > lo if open_lo else f >= lo) and f <= hi
    if not ok:
        left = "(" if open_lo else "["
        raise ParameterError(f"parameter {key} must be a finite number in {left}{lo:g}, {hi:g}], got {v!r}")
    return f


def flag(params: dict, key: str, default: bool) -> bool:
    """Pop ``key`` as a boolean: true/false (JSON), 1/0, or the strings true/false/yes/no."""
    v = params.pop(key, default)
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
        return v.strip().lower() in ("true", "yes", "1")
    raise ParameterError(f"parameter {key} must be true or false, got {v!r}")


def choice(params: dict, key: str, default: str, options: tuple[str, ...]) -> str:
    """Pop ``key`` as one of ``options``."""
    v = params.pop(key, default)
    if not isinstance(v, str) or v.lower() not in options:
        raise ParameterError(f"parameter {key} must be one of {', '.join(options)}, got {v!r}")
    return v.lower()


def replica_memory(rows: int, n: int, key: str, bytes_per_entry: int = 17) -> None:
    """Refuse ``rows`` replicas of ``n`` variables that would not fit the memory budget (before allocating)."""
    from ..core.limits import check_memory

    check_memory(float(rows) * max(n, 1) * bytes_per_entry, f"parameter {key}={rows} ({rows} x {n} variables)")


def reject_unknown(params: dict, solver: str, known: tuple[str, ...] | None = None) -> None:
    """Refuse the names left in ``params``; with the solver's ``known`` names (default: those it registered,
    ``register_solver(params=...)``), the closest of them to each (a typo: ``num_read``) and the list."""
    if params:
        import difflib

        if known is None:
            from ..core.registry import _SOLVERS

            info = _SOLVERS.get(solver)
            known = (info.params or ()) if info is not None else ()

        msg = f"solver {solver!r} does not take parameter(s): {', '.join(sorted(params))}"
        near = [f"{k} -> {m[0]}" for k in sorted(params) if (m := difflib.get_close_matches(str(k), known, 1, 0.6))]
        if near:
            msg += f" (did you mean {', '.join(near)}?)"
        raise ParameterError(msg + (f"; it takes: {', '.join(sorted(known))}" if known else ""))


def qubo_params(params: dict, problem=None) -> dict:
    """Pop the reduction parameters (``penalty``, ...) that go to ``problem.to_qubo``; a ``penalty`` for a problem
    whose reduction takes none (max-cut, a QUBO: no constraints to weigh) is refused."""
    out = {}
    if "penalty" in params:
        out["penalty"] = finite_float(params, "penalty", None, 0.0, 1e15, open_lo=True)
        to_qubo = getattr(problem, "to_qubo", None)
        if to_qubo is not None and "penalty" not in inspect.signature(to_qubo).parameters:
            raise ParameterError(f"parameter penalty does not apply to a {problem.kind} instance: its QUBO has no "
                                 "constraints to weigh")
    return out


#: couplings a second at which a problem's QUBO reduction is built (scipy's sparse assembly; the TSP position
#: QUBO, the largest, builds at 8-10 million a second on the 2-core machine)
QUBO_TERMS_PER_S = 10_000_000


def offer_construction(problem, ctx: SolveContext) -> dict:
    """Offer the problem's quick construction before a QUBO heuristic's own samples, so that its answer is never
    worse than it (tabu on the 5 x 5000 knapsack's slack-bit QUBO ended 12 % below the greedy packing); a
    construction with iterative parts gets at most 2 % of the time left (0.2 s at most). Returns ``info``."""
    from ..core.warm import report_construction

    seconds = min(0.2, 0.02 * ctx.time_left) if math.isfinite(ctx.time_left) else 0.2
    out = report_construction(problem, ctx, seconds=seconds, iteration=False)
    return {} if out.get("construction") is None else {"construction": out["construction"]}


def build_overruns(terms: int | None, per_s: float, ctx: SolveContext) -> float | None:
    """Seconds building a model of ``terms`` couplings would take, at ``per_s`` a second, where that is more than
    half the time left of a timed run; else ``None`` (build it)."""
    left = ctx.time_left
    if terms is None or not math.isfinite(left):
        return None
    need = terms / per_s
    return need if need > 0.5 * left else None


def qubo_out_of_time(problem, ctx: SolveContext, lagrangian: bool = False) -> dict | None:
    """Where building the problem's QUBO (:meth:`Problem.qubo_terms`) would take more than half the time left of
    a timed run, the run answers with the problem's quick construction instead of overrunning its limit with no
    answer (a 200-city TSP: 31 million couplings, 4-8 s to build): returns the ``info`` of that answer, or
    ``None`` when the model is to be built."""
    from ..core.warm import report_construction

    terms = problem.qubo_terms(lagrangian=lagrangian) if hasattr(problem, "qubo_terms") else None
    need = build_overruns(terms, getattr(problem, "qubo_terms_per_s", None) or QUBO_TERMS_PER_S, ctx)
    if need is None:
        return None
    left = ctx.time_left
    what = "Lagrangian model" if lagrangian else "QUBO"
    info = {"qubo_not_built": f"building the {what} (about {terms:,} couplings) would take about {need:.1f} s of "
                              f"the {max(left, 0.0):.1f} s left; the answer is the problem's quick construction"}
    info.update(report_construction(problem, ctx))
    return info


class _Worker:
    """``func()`` on a daemon thread; :meth:`wait` for it, :meth:`result` its value (or its exception, raised here).

    An Event, not Thread.join: a join cut by Ctrl-C can leave is_alive() wrong (CPython 3.11)."""

    def __init__(self, func, name: str, setup=None):
        import threading

        self._box: dict[str, object] = {}
        self.done = threading.Event()

        def work():
            try:
                if setup is not None:
                    setup()
                self._box["value"] = func()
            except BaseException as e:  # noqa: BLE001 - handed to the caller
                self._box["error"] = e
            finally:
                self.done.set()

        threading.Thread(target=work, name=name, daemon=True).start()

    def result(self):
        if "error" in self._box:
            raise self._box["error"]
        return self._box.get("value")


#: model builds given up at a time limit that may still be running (see :func:`wait_for_abandoned_builds`)
_ABANDONED: list[_Worker] = []
#: the longest :func:`wait_for_abandoned_builds` waits by default (seconds)
ABANDONED_WAIT_S = 120.0


def wait_for_abandoned_builds(timeout: float = ABANDONED_WAIT_S) -> tuple[float, int]:
    """Wait (at most ``timeout`` seconds) for the model builds earlier runs of this process gave up at their time
    limit and left running on their threads; returns ``(seconds waited, builds still running)``. A run that
    started beside such a build would share the CPU with it (a notebook's next cell, the folder form of
    ``combopt bench``), so :func:`combopt.solve` waits before its clock starts."""
    t0 = time.perf_counter()
    while _ABANDONED:
        if _ABANDONED[0].done.wait(0.05):
            _ABANDONED.pop(0)
        elif time.perf_counter() - t0 >= timeout:
            break
    return time.perf_counter() - t0, len(_ABANDONED)


#: share of a timed run kept back when waiting for a model build (at most 0.2 s): the construction answered when
#: the build is not done still fits in the limit
BUILD_RESERVE = 0.05


def build_in_time(build, problem, ctx: SolveContext, what: str):
    """``build()`` (a QUBO or Lagrangian model), waited for no longer than the time left of a timed run.

    :func:`qubo_out_of_time` skips builds its estimate says will not fit; on a loaded machine a build it let
    through can still take several times the estimate (ch150's Lagrangian model, 3.4 million couplings: 5.8 s into
    a 3 s run beside a compiling process). In a timed run the build runs on a helper thread and the solver waits
    for it until all but ``BUILD_RESERVE`` of the time is gone; then the run answers with the problem's quick
    construction, as when the estimate says no. Returns ``(model, None)`` or ``(None, info)``. A build given up
    finishes in the background (its thread is a daemon: a CLI run or a benchmark worker ends without it); the next
    :func:`combopt.solve` of the same process waits for it first (:func:`wait_for_abandoned_builds`)."""
    from ..core.warm import current_gate, report_construction, share_gate

    left = ctx.time_left
    if not math.isfinite(left):
        return build(), None
    gate = current_gate()  # a kernel compiled by the build is gated as the solver's own
    worker = _Worker(build, f"combopt-build-{what}", setup=lambda: share_gate(gate))
    reserve = min(0.2, BUILD_RESERVE * ctx.state.criterion.time_limit())
    while not worker.done.wait(0.02):
        if ctx.time_left <= reserve:
            break
    if worker.done.is_set():
        return worker.result(), None
    _ABANDONED.append(worker)
    info = {"qubo_not_built": f"building the {what} was not done when the time was up (the estimate let it start; "
                              "this machine was slower); the answer is the problem's quick construction"}
    info.update(report_construction(problem, ctx))
    return None, info


def run_bound(problem, ctx: SolveContext) -> float | None:
    """The problem's own bound inside a solver: within the timed run's share (:data:`~combopt.core.problem.
    BOUND_SHARE` of the time left; a problem that caches its bound reuses what ``combopt.solve`` computed before the
    run), else :meth:`~combopt.core.problem.Problem.bound` with the problem's own default time."""
    share = bound_share(ctx)
    return problem.bound() if share is None else problem.bound_within(share)


def bound_share(ctx: SolveContext) -> float | None:
    """Seconds a timed run gives its proofs (bound, infeasibility): :data:`~combopt.core.problem.BOUND_SHARE` of the
    time left; ``None`` without a time limit (the problem's own default then)."""
    from ..core.problem import BOUND_SHARE

    left = ctx.time_left
    return BOUND_SHARE * left if math.isfinite(left) else None


def construction_if_empty(problem, ctx: SolveContext, what: str) -> dict:
    """A timed run that ends without a feasible solution (building ``what`` took its time, on a loaded machine
    longer than :func:`qubo_out_of_time` estimated, or no sample was feasible) answers with the problem's quick
    construction, as one whose model would not be built in time does; returns the ``info`` of that answer
    (empty when the run has a solution or no time limit)."""
    from ..core.warm import report_construction

    if ctx.state.best is not None or not math.isfinite(ctx.state.criterion.time_limit()):
        return {}
    out = report_construction(problem, ctx, seconds=0.1)
    if out.get("construction") is None:
        return {}
    return {"answer": f"the problem's quick construction: the {what} had no feasible solution when the time was up",
            **out}


@contextlib.contextmanager
def deferred_interrupt():
    """Hold a Ctrl-C that arrives inside the block until the block ends, then raise it.

    A compiled kernel cannot be interrupted: Python raises the KeyboardInterrupt right after it returns, before
    its samples are offered, and the run ends with nothing to show for the batch it just finished (4 s of
    annealing on a large graph). Wrapped around the kernel call and the offer, the batch counts first. Only on
    the main thread with Python's default handler in place; elsewhere a no-op.

    The block receives a list that is non-empty once a Ctrl-C is held, so that a block of several kernel calls
    (the rounds of parallel tempering) can stop early and offer what it has.

    The CLI's handler (:func:`~combopt.core.stopping.raise_interrupt`) is held the same way, the Ctrl-C recorded at
    once: it was left in place, so that under ``combopt solve`` the batch was lost all the same.
    """
    import signal
    import threading

    from ..core.stopping import raise_interrupt, request_interrupt

    got: list[int] = []
    current = signal.getsignal(signal.SIGINT) if threading.current_thread() is threading.main_thread() else None
    if current is not signal.default_int_handler and current is not raise_interrupt:
        yield got
        return

    def hold(signum, frame):
        got.append(signum)
        if current is raise_interrupt:
            request_interrupt()

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield got
    finally:
        signal.signal(signal.SIGINT, previous)
    if got:
        raise KeyboardInterrupt


def offer_samples(problem, ctx: SolveContext, X: np.ndarray) -> int:
    """Decode, repair and evaluate QUBO samples; report feasible ones. Returns #feasible."""
    sols = problem.from_qubo_samples(X, ctx.rng)
    feasible = 0
    for sol in sols:
        ev = problem.evaluate(sol)
        if ev.feasible:
            feasible += 1
            ctx.state.report(ev.objective, sol)
    return feasible


class SweepBudget:
    """Fits the next annealing batch into the time that is left.

    Cost is modelled per replica-sweep (initialisation and the final descent
    count as two more sweeps). Before anything is measured it is estimated
    from the model size (``(n + nnz/2)`` updates at ``prior_ns`` each, a
    deliberately pessimistic guess: hot sweeps accept about half the flips);
    afterwards it is measured on every batch. A batch may use at most
    ``share`` of the time left: its sweep count shrinks first, then (below
    ``min_sweeps``) its replica count.
    """

    def __init__(self, ctx: SolveContext, replicas: int, sweeps: int, n: int, nnz: int,
                 share: float = 0.4, min_sweeps: int = 4, prior_ns: float = 2.0):
        self.ctx = ctx
        self.replicas = replicas
        self.sweeps = sweeps
        self.share = share
        self.min_sweeps = min(min_sweeps, sweeps)
        self.per_unit = (n + 0.5 * nnz) * prior_ns * 1e-9
        self.measured = False
        self._t = 0.0
        self._units = 1

    def next_batch(self) -> tuple[int, int]:
        """``(replicas, sweeps)`` for the next batch."""
        left = self.ctx.time_left
        if not math.isfinite(left):
            return self.replicas, self.sweeps
        budget = self.share * left
        sweeps = int(budget / (self.per_unit * self.replicas)) - 2
        if sweeps >= self.min_sweeps:
            return self.replicas, min(self.sweeps, sweeps)
        reps = int(budget / (self.per_unit * (self.min_sweeps + 2)))
        return max(1, min(self.replicas, reps)), self.min_sweeps

    def start(self, replicas: int, sweeps: int) -> None:
        self._units = max(1, replicas * (sweeps + 2))
        self._t = time.perf_counter()

    def done(self, compiled_now: bool = False) -> None:
        dt = time.perf_counter() - self._t
        if compiled_now:
            return  # this batch paid for JIT compilation: keep the estimate
        self.per_unit = dt / self._units
        self.measured = True


def run_interruptible(func, cancel) -> tuple[object, bool]:
    """Run ``func()`` (a back end that releases the GIL) in a worker thread; Ctrl-C calls ``cancel()``.

    The main thread keeps receiving Ctrl-C while the back end runs; on the
    first one it asks the back end to stop (``cancel``) and waits for it to
    return its incumbent, so an interrupted exact solver still hands back the
    best solution it has. Returns ``(func's value, interrupted)``; an exception
    in ``func`` is raised here.
    """
    worker = _Worker(func, "combopt-backend")
    interrupted = False
    while True:
        try:
            if worker.done.wait(0.1):
                break
        except KeyboardInterrupt:
            interrupted = True
            cancel()
    return worker.result(), interrupted


def highs_seed(seed: int) -> int:
    """A run seed as HiGHS's ``random_seed`` (a non-negative 32-bit int): the one mapping every HiGHS call shares."""
    return int(seed) % 2_147_483_647


def run_highs_interruptible(h) -> bool:
    """Solve the ``highspy.Highs`` model ``h`` in HiGHS's own thread, so that Ctrl-C cancels it and its incumbent
    stays readable; True when it was interrupted (the caller decides whether to re-raise)."""
    h.HandleUserInterrupt = True  # HiGHS polls cancelSolve() through its interrupt callbacks
    h.startSolve()
    interrupted = False
    while True:
        try:
            done, _ = h.wait(0.1)
            if done:
                return interrupted
        except KeyboardInterrupt:
            interrupted = True
            h.cancelSolve()
