"""The Lovasz theta upper bound on the independence number, by the boundary point method.

For a graph ``G`` with edges ``E``, ``theta(G) = max <J, X>`` over the positive semidefinite ``X`` with trace 1 and
``X_ij = 0`` on the edges; ``alpha(G) <= theta(G) <= chi(complement of G)`` (Lovasz's sandwich theorem), and it is
often far below the colouring and clique-cover bounds: on the complements of the DIMACS clique graphs hamming8-4 and
johnson16-2-4 it equals the clique number (16, 8), on C125.9 it is 37.8 against 50 for the clique cover.

**Why any answer is a proof.** For every symmetric ``Y`` supported on the edges, the largest eigenvalue of ``J - Y``
bounds ``alpha``: the indicator ``x`` of an independent set ``S`` has ``x'(J - Y)x = |S|^2`` (``Y`` is zero inside
``S``) and ``x'(J - Y)x <= lambda_max |x|^2 = lambda_max |S|``. The least such value is ``theta``. So the method's
edge multipliers give a valid bound at every iteration, not only at convergence; the reported value is the largest
eigenvalue of the best one (a dense symmetric eigensolver, backward stable) plus ``1e-9 x n x`` the matrix's
row-sum norm, far above the solver's error.

**The method** (Povh, Rendl and Wiegele 2006; Malick, Povh, Rendl and Wiegele 2009, who computed theta this way for
DIMACS graphs): an augmented Lagrangian method on the dual ``min y0, Z = y0 I + Y - J psd``, alternating an exact
step in the multipliers ``(y0, Y)`` (diagonal normal equations: the identity and the edge matrices are orthogonal)
and the projection of ``W = y0 I + Y - J - X / sigma`` onto the semidefinite cone (one full eigendecomposition:
``Z = W_+``, ``X = -sigma W_-``). ``sigma`` starts at :data:`SIGMA0` and moves by 1.5 every 10 iterations to keep the
primal and dual infeasibilities within a factor 10 of each other. Each iteration costs a dense ``n x n``
eigendecomposition, so the bound runs only up to :data:`MAX_VERTICES` vertices and where its estimated cost fits the
time it is given; its state is kept, so a later call with more time goes on from where the last one stopped.

Imports: numpy and scipy only.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

#: vertices up to which the bound runs (an iteration's eigendecomposition: about 8 ms at 256 vertices, 0.15 s at 776,
#: 1.5 s at 2000 on the 2-core development machine)
MAX_VERTICES = 2000
#: estimated seconds of an iteration before one was timed: ``S_FIXED + S_PER_SQUARE n^2 + S_PER_CUBE n^3`` (the
#: eigendecomposition, the matrix updates and a share of the checks; side runs 2026-12-05 on DIMACS complements:
#: 5.6 ms at 125 vertices, 11 ms at 200, 30 ms at 400, 43 ms at 500); later calls use the measured mean
S_FIXED = 2e-3
S_PER_SQUARE = 1e-7
S_PER_CUBE = 3e-10
#: a first call starts the method only where this many iterations fit its time (the first iterations give bounds
#: far above the colouring's; side runs: 40-90 iterations to within 0.5 % of theta on DIMACS complements)
MIN_START_ITERATIONS = 15
#: iterations at most over all calls, and the relative gap between the bound and the feasible value below it that
#: counts as converged by default (the integer part is final once the feasible value is within 1e-4 of it)
MAX_ITERATIONS = 3000
TOLERANCE = 1e-7
#: a call without a time limit (``seconds`` infinite) runs the iterations that :func:`iteration_seconds` says take this
#: long (counted, not timed: the same bound every time)
UNTIMED_SECONDS = 5.0
#: the penalty's start (side runs on hamming8-4, C125.9, brock200_1, san200_0.9_1, sanr200_0.7, keller5 and MANN_a9:
#: 1 took 190-500 iterations to within 0.5 % of the final value, 1e-2 70-280, 3e-4 40-90)
SIGMA0 = 3e-4
SIGMA_FACTOR = 1.5
SIGMA_RATIO = 10.0
#: the bound is evaluated (one more eigenvalue problem) every this many iterations and at the end of a call
CHECK_EVERY = 10


def iteration_seconds(n: int) -> float:
    """Estimated seconds of one iteration on ``n`` vertices."""
    return S_FIXED + S_PER_SQUARE * n * n + S_PER_CUBE * n ** 3


@dataclass
class ThetaState:
    """The method's iterates and best bound so far, kept between calls."""

    n: int
    rows: np.ndarray
    cols: np.ndarray
    X: np.ndarray
    Z: np.ndarray
    sigma: float = SIGMA0
    iterations: int = 0
    seconds: float = 0.0
    best: float = math.inf  # the certified bound of best_y (inf: none yet)
    best_y: np.ndarray | None = None
    converged: bool = False  # the bound within TOLERANCE of the feasible value below it
    settled: bool = False  # the bound's integer part is final (the feasible value reached it)
    lower: float = 0.0  # the best feasible_value so far: theta lies in [lower, best] (up to rounding)
    history: list = field(default_factory=list)  # (iteration, certified bound) at each check

    @property
    def done(self) -> bool:
        """Nothing more to gain for an independent set's size: converged, settled, or out of iterations."""
        return self.converged or self.settled or self.iterations >= MAX_ITERATIONS


def new_state(n: int, rows: np.ndarray, cols: np.ndarray) -> ThetaState:
    """A fresh start on the graph with the edges ``(rows[k], cols[k])`` (each once)."""
    return ThetaState(n, np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
                      np.eye(n) / max(n, 1), np.zeros((n, n)))


def certified(n: int, rows: np.ndarray, cols: np.ndarray, y: np.ndarray) -> float:
    """``lambda_max(J - Y)`` for the edge values ``y``, rounded up past the eigensolver's error: an upper bound on
    the independence number (module docstring)."""
    from scipy.linalg import eigh

    if n == 0:
        return 0.0
    if not np.all(np.isfinite(y)):
        return math.inf
    M = np.ones((n, n))
    M[rows, cols] -= y
    M[cols, rows] -= y
    scale = float(np.abs(M).sum(axis=1).max())  # at least the spectral norm
    # all eigenvalues by divide and conquer: 2.4 ms at 256 vertices, where the subset driver took 29 ms
    lam = float(eigh(M, eigvals_only=True, driver="evd", overwrite_a=True, check_finite=False)[-1])
    return lam + 1e-9 * scale * n


def feasible_value(X: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float:
    """``<J, X''>`` for the feasible point made from the iterate ``X``: its edge entries set to 0, the least
    eigenvalue lifted to 0 by a multiple of the identity, the trace scaled to 1. A lower bound on theta (up to
    rounding), used only to stop: once it reaches the upper bound's integer part, nothing more can be proven."""
    from scipy.linalg import eigh

    n = X.shape[0]
    Xe = X.copy()
    Xe[rows, cols] = 0.0
    Xe[cols, rows] = 0.0
    low = float(eigh(Xe, eigvals_only=True, driver="evd", check_finite=False)[0])
    mu = max(0.0, -low)
    trace = float(np.trace(Xe)) + n * mu
    return (float(Xe.sum()) + n * mu) / trace if trace > 0 else 0.0


def _check(state: ThetaState, y: np.ndarray, X: np.ndarray) -> None:
    value = certified(state.n, state.rows, state.cols, y)
    state.history.append((state.iterations, value))
    if value < state.best:
        state.best, state.best_y = value, y.copy()
    state.lower = max(state.lower, feasible_value(X, state.rows, state.cols))


def run(state: ThetaState, seconds: float, integral: bool = True, tolerance: float = TOLERANCE,
        budget: float | None = None) -> ThetaState:
    """Iterate within about ``seconds`` (a first call only where :data:`MIN_START_ITERATIONS` fit; every call
    ends with a check of the bound, whose cost is reserved) and return ``state``; without a time limit
    (``seconds`` infinite) as many iterations in all as the cost model fits in ``budget`` seconds (default
    :data:`UNTIMED_SECONDS`). ``integral``:
    stop once the bound's integer part is final (all an independent set's size needs); else only at convergence:
    the bound within ``tolerance`` (relative) of the feasible value below it."""
    n = state.n
    if n == 0 or not state.rows.size:  # no edges: every vertex is independent
        state.best = state.lower = float(n)
        state.converged = state.settled = True
        return state
    # without a time limit the work is counted, not timed: as many iterations in all as the model of their cost
    # fits in UNTIMED_SECONDS, so that the same seed gives the same bound (a wall-clock cap made an iteration-limited
    # ils report optimal in one process and a gap of 50 % in another, and each repeat solve continue the last)
    untimed = not math.isfinite(seconds)
    budget = UNTIMED_SECONDS if budget is None else budget
    cap = min(MAX_ITERATIONS, max(MIN_START_ITERATIONS + 1, int(budget / iteration_seconds(n)))) \
        if untimed else MAX_ITERATIONS
    t0 = time.perf_counter()
    per = state.seconds / state.iterations if state.iterations else iteration_seconds(n)
    need = per * (MIN_START_ITERATIONS if state.iterations == 0 else 1)
    if state.converged or state.iterations >= cap or (integral and state.settled) or need + per > seconds:
        return state
    end = math.inf if untimed else t0 + seconds - per  # keep room for the closing check
    I, J, X, Z, sigma = state.rows, state.cols, state.X, state.Z, state.sigma
    diag = np.diag_indices(n)
    y = None
    while state.iterations < cap and time.perf_counter() + per <= end:
        # the multipliers given Z: y0 from the trace, the edge values from the edge entries
        y0 = (n + np.trace(Z) + (np.trace(X) - 1.0) / sigma) / n
        y = 1.0 + Z[I, J] + X[I, J] / sigma
        W = X * (-1.0 / sigma)
        W -= 1.0
        W[diag] += y0
        W[I, J] += y
        W[J, I] += y
        lam, Q = np.linalg.eigh(W)  # (in this loop faster than scipy's drivers: 14 against 17-23 ms at 200 vertices)
        neg = lam < 0
        Qn = Q[:, neg]
        Xn = (Qn * (-sigma * lam[neg])) @ Qn.T  # -sigma W_-
        Z = W + Xn / sigma  # W_+
        pinf = abs(np.trace(Xn) - 1.0) + float(np.abs(Xn[I, J]).max(initial=0.0))
        dinf = float(np.linalg.norm(Xn - X)) / sigma
        X = Xn
        state.iterations += 1
        if state.iterations % CHECK_EVERY == 0:
            _check(state, y, X)
            if pinf > SIGMA_RATIO * dinf:
                sigma /= SIGMA_FACTOR
            elif dinf > SIGMA_RATIO * pinf:
                sigma *= SIGMA_FACTOR
            # converged, or the integer part can no longer fall (theta is at least the lower value, which reached the
            # upper bound's integer part up to 1e-4 relative)
            slack = tolerance * (1.0 + state.best)
            state.converged = state.best - state.lower <= slack
            state.settled = state.converged or math.floor(state.best + 1e-9) <= state.lower + 1e-4 * (1.0 + state.best)
            if state.converged or (integral and state.settled):
                break
    state.X, state.Z, state.sigma = X, Z, sigma
    if y is not None and (not state.history or state.history[-1][0] != state.iterations):
        _check(state, y, X)
    state.seconds += time.perf_counter() - t0
    return state


def theta_bound(n: int, rows: np.ndarray, cols: np.ndarray, seconds: float = math.inf,
                integral: bool = False) -> float | None:
    """The certified theta bound of the graph with edges ``(rows[k], cols[k])`` found in ``seconds`` (``None``
    where the method does not fit: over :data:`MAX_VERTICES`, or too little time for a start); by default run to
    convergence (``integral``: only until its integer part is final, see :func:`run`)."""
    if n > MAX_VERTICES:
        return None
    state = run(new_state(n, rows, cols), seconds, integral)
    return None if math.isinf(state.best) else state.best
