"""Slack-free Lagrangian QUBO methods and the slack-based penalty baseline.

One outer loop, four multiplier updates (``method=``):

``subgradient``
    projected subgradient ascent; ``step_rule="polyak"`` (default: step
    ``theta (UB - L) / |g|^2`` with the best primal as UB, ``theta`` halved
    after ``patience`` iterations without dual progress) or ``"sqrt"``
    (``step / sqrt(k)`` along the normalised subgradient).
``bundle``
    proximal bundle method: the next point maximises the cutting-plane model
    minus ``|lam - centre|^2 / (2 t)``; serious step when the realised increase
    is at least ``m_serious`` of the predicted one, else a null step.
``cutting-plane``
    Kelley's method: the next point maximises the piecewise-linear model over
    a box (an LP solved through PuLP).
``augmented``
    augmented Lagrangian: the inner QUBO gets ``(rho/2)|g(x)|^2``; then
    ``lam <- lam + rho g`` and ``rho <- beta rho`` while the violation stalls.

Each iteration solves the relaxed QUBO with any QUBO solver of the engine
(``inner=sa|tabu|pt|exhaustive|milp|qaoa``, parameters in ``inner_params``),
repairs every inner sample into a feasible primal with the problem's own
repair, and records the dual value, the best valid dual bound, the best
primal, the gap, the share of raw inner samples that are feasible and the
number of binary variables (``result.info["iterations"]``). A dual value is a
valid bound only when the inner minimum is exact: an exact inner solver, or a
separable relaxed QUBO (solved in closed form).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np

from ..core.context import SolveContext, SolverOutput
from ..core.errors import ParameterError, UnsuitedInstance
from ..core.problem import short_repr
from ..core.registry import get_solver, register_solver
from ..core.status import relative_gap
from ..core.stopping import MaxIterations, MaxRuntime, SearchState
from ..models.qubo import QUBO
from .common import (
    build_in_time,
    build_overruns,
    construction_if_empty,
    finite_float,
    positive_int,
    qubo_out_of_time,
    reject_unknown,
)

METHODS = ("subgradient", "bundle", "cutting-plane", "augmented")
#: the parameters that only some methods read (given with another method, they were taken and ignored)
METHOD_PARAMS = {"step_rule": ("subgradient",), "step": ("subgradient",), "theta": ("subgradient",),
                 "patience": ("subgradient",), "t": ("bundle",), "m_serious": ("bundle",),
                 "box": ("bundle", "cutting-plane"), "rho": ("augmented",), "beta": ("augmented",),
                 "rho_max": ("augmented",)}


def separable_minimum(q: QUBO) -> tuple[float, np.ndarray] | None:
    """Exact minimum of a QUBO without couplings (``None`` when it has couplings)."""
    if q.W.nnz:
        return None
    x = (q.h < 0).astype(np.int8)
    return float(q.offset + np.minimum(q.h, 0).sum()), x


#: dual values falling this many iterations in a row, below the best by more than the gap, send the Polyak
#: subgradient back to its best multipliers with half the step (see the subgradient update)
FALLS_TO_RESET = 4


#: seconds the inner solver's parameter check may run
CHECK_S = 0.02


class InnerSolver:
    """Runs a registered QUBO solver on relaxed QUBOs and returns its raw samples."""

    def __init__(self, name: str, params: dict, iterations: int, ctx: SolveContext):
        if not isinstance(params, dict):
            raise ParameterError(f"inner_params must be a JSON object, e.g. inner_params={{\"num_reads\": 32}}; got "
                                 f"{params!r}")
        self.info = get_solver(name, "qubo")
        # on the CPU: the outer loop solves hundreds of small relaxed QUBOs, each too small to pay a GPU launch
        self.device = "cpu"
        self.params = dict(params)
        self.iterations = iterations
        self.ctx = ctx
        if self.params:
            self._check_params()

    def _check_params(self) -> None:
        """Run the inner solver once on a two-variable QUBO, so that its parameters are checked up front: relaxed
        QUBOs without couplings (MDKP's always, MIS's at zero multipliers) never call it, and a typo in
        ``inner_params`` went unnoticed."""
        q = QUBO(np.array([1.0, -1.0]), np.array([[0.0, -1.0], [-1.0, 0.0]]))
        # a sliver of time: the parameters are checked before any work, and 1 s let qaoa run a whole start (1.07 s
        # of a -t 1 run: no outer iteration was left)
        st = SearchState(sense="min", criterion=MaxIterations(1) | MaxRuntime(CHECK_S))
        # its own random stream: the run's is not moved by the check
        try:
            ctx = SolveContext(self.ctx.seed, self.device, st, np.random.default_rng(0))
            self.info.func(q, ctx, **dict(self.params))
        except ParameterError as e:  # (the message named the inner solver alone, not where its parameters came from)
            raise type(e)(f"inner_params of inner={self.info.name}: {e}") from None

    def check_size(self, n: int, what: str = "relaxed QUBO") -> None:
        """Refuse, before the first iteration, relaxed QUBOs of more variables than the inner solver takes (the
        first iterations are often solved in closed form: exhaustive on a 40-vertex graph failed at iteration 2).
        Called only where the relaxed QUBOs have couplings: separable ones never reach the inner solver."""
        cap = self.info.max_variables
        limit = cap(self.params) if callable(cap) else cap
        if limit is not None and n > limit:
            raise UnsuitedInstance(f"inner solver {self.info.name} takes at most {limit} variables; this instance's "
                                   f"{what} has {n} (use inner=sa, tabu or pt)")

    @property
    def exact(self) -> bool:
        return self.info.exact

    def solve(self, q: QUBO) -> tuple[np.ndarray, bool] | None:
        closed = separable_minimum(q)
        if closed is not None:
            return closed[1][None, :], True
        q.sample_sink = []
        crit = MaxIterations(self.iterations)
        left = self.ctx.time_left
        if math.isfinite(left):
            crit = crit | MaxRuntime(max(left, 0.01))
        st = SearchState(sense="min", criterion=crit)
        sub = SolveContext(self.ctx.seed, self.device, st, self.ctx.rng)
        out = self.info.func(q, sub, **dict(self.params))
        batches = list(q.sample_sink)
        q.sample_sink = None
        for extra in (out.solution, st.best_solution):
            if extra is not None:
                batches.append(np.asarray(extra, dtype=np.int8)[None, :])
        if not batches:
            if math.isfinite(left):  # nothing within the time it had (a MILP on a short limit): the run ends there
                return None
            raise ParameterError(f"inner solver {self.info.name!r} returned no sample")
        X = np.concatenate(batches, axis=0)
        return X, bool(out.proven_optimal)


def _default_scale(model) -> tuple[float, float]:
    """(largest useful multiplier, typical multiplier): objective over smallest / largest constraint coefficient."""
    f = model.objective
    obj = max(float(np.abs(f.h).max(initial=0.0)), float(np.abs(f.W.data).max(initial=0.0)), 1e-9)
    g = np.abs(model.G.data)
    g = g[g > 1e-12]
    if model.pair_coef is not None and len(model.pair_coef):
        g = np.concatenate([g, np.abs(model.pair_coef)])
    if not g.size:
        return obj, obj
    return obj / float(g.min()), obj / float(g.max())


#: largest box on the multipliers of the cutting-plane LP: HiGHS takes bounds from 1e20 on as infinite, so the LP of a
#: knapsack with profits of 6e13 and a weight of 1e-9 (default box 1.2e23) was unbounded and the run a user error; any
#: box keeps the dual values valid bounds
BOX_MAX = 1e15


def _kelley_lp(cuts, lo, hi):
    """max v s.t. v <= L_j + g_j.(lam - lam_j), lo <= lam <= hi (an LP through PuLP: HiGHS, else CBC)."""
    import pulp

    from .milp import _backend

    m = lo.size
    prob = pulp.LpProblem("kelley", pulp.LpMaximize)
    lam = [prob.add_variable(f"l{i}", float(lo[i]), float(hi[i])) for i in range(m)]
    v = prob.add_variable("v", None, None)
    prob += v
    for L, g, l0 in cuts:
        const = float(L - g @ l0)
        prob += v <= pulp.LpAffineExpression([(lam[i], float(g[i])) for i in range(m) if g[i] != 0]) + const
    try:
        solver = _backend("highs", None, None)  # in-process: much faster than a CBC subprocess per cut
    except Exception:  # noqa: BLE001 - HiGHS not installed
        solver = _backend("cbc", None, None)
    prob.solve(solver)
    if prob.status != pulp.LpStatusOptimal:
        raise ParameterError("cutting-plane LP failed; give a finite box with --param box=...")
    return np.array([x.value() or 0.0 for x in lam]), float(v.value())


#: the bundle master works on the multipliers themselves (SLSQP) up to this many of them, else in its dual
PRIMAL_MASTER_MAX = 100
#: most cuts the dual master's bundle keeps (the aggregate cut, the newest and those active at the last master)
BUNDLE_MAX = 40
#: most iterations of the dual master (accelerated projected gradient), and its relative duality-gap tolerance
MASTER_ITERS, MASTER_TOL = 3000, 1e-9


def _cut_arrays(cuts) -> tuple[np.ndarray, np.ndarray]:
    """``(a, G)`` of the cuts ``v <= L_j + g_j.(lam - lam_j)``: the constants ``a_j = L_j - g_j.lam_j`` and the rows
    ``g_j``, so that every cut reads ``v <= a_j + g_j.lam``."""
    G = np.array([c[1] for c in cuts], dtype=np.float64)
    a = np.array([c[0] for c in cuts], dtype=np.float64) - np.einsum("ij,ij->i", G, np.array([c[2] for c in cuts]))
    return a, G


class _MasterLate(Exception):
    """The bundle master's deadline passed (raised from SLSQP's objective)."""


def _bundle_step_primal(cuts, centre, t, lo, hi, deadline: float | None = None):
    """The master over the multipliers themselves (SLSQP on ``m + 1`` variables): exact and quick for a few dozen
    multipliers, cubic in their number beyond (a 5 s run with 6,963 edge multipliers took 228 s and 3.5 GB). Past
    ``deadline`` (``time.perf_counter()``) it stops at the last point SLSQP tried (100 multipliers and 100 cuts took
    10 s a master: a -t 3 run took 5.1 s); the model value returned is the one at the point returned."""
    from scipy.optimize import minimize

    m = centre.size
    consts, Gs = _cut_arrays(cuts)
    tried = [np.concatenate([centre, [0.0]])]

    def neg(z):
        if deadline is not None and time.perf_counter() >= deadline:
            raise _MasterLate
        tried[0] = z
        lam, v = z[:m], z[m]
        return -(v - np.sum((lam - centre) ** 2) / (2 * t))

    def neg_grad(z):
        lam = z[:m]
        g = np.zeros(m + 1)
        g[:m] = (lam - centre) / t
        g[m] = -1.0
        return g

    cons = {"type": "ineq", "fun": lambda z: consts + Gs @ z[:m] - z[m],
            "jac": lambda z: np.hstack([Gs, -np.ones((len(cuts), 1))])}
    v0 = float(np.min(consts + Gs @ centre))
    bounds = [(float(lo[i]), float(hi[i])) for i in range(m)] + [(None, None)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            z = minimize(neg, np.concatenate([centre, [v0]]), jac=neg_grad, constraints=[cons], bounds=bounds,
                         method="SLSQP", options={"maxiter": 200, "ftol": 1e-10}).x
        except _MasterLate:
            z = tried[0]
    lam = np.clip(z[:m], lo, hi)
    return lam, float(np.min(consts + Gs @ lam))


def _project_simplex(y: np.ndarray) -> np.ndarray:
    """Euclidean projection onto ``{a >= 0, sum a = 1}`` (sort-based)."""
    u = np.sort(y)[::-1]
    css = np.cumsum(u) - 1.0
    k = np.nonzero(u - css / np.arange(1, y.size + 1) > 0)[0][-1]
    return np.maximum(y - css[k] / (k + 1.0), 0.0)


def _bundle_step_dual(cuts, centre, t, lo, hi, alpha0=None, deadline: float | None = None):
    """The master in its dual, over the simplex of cut weights ``alpha``: ``min phi(alpha) = alpha.a + max_{lam in
    box} (G^T alpha).lam - |lam - centre|^2 / (2t)`` (``a_j = L_j - g_j.lam_j``). The inner maximiser is
    ``clip(centre + t G^T alpha, lo, hi)`` (separable), the gradient of ``phi`` is ``a + G lam``: accelerated
    projected gradient (FISTA, step ``1 / (t ||G||^2)``, restarted whenever ``phi`` rises), from ``alpha0`` (the
    last master's weights), until the duality gap between ``phi`` and the primal value at that ``lam`` is below
    ``MASTER_TOL``, ``MASTER_ITERS`` iterations, or ``deadline`` (``time.perf_counter()``). ``O(cuts x
    multipliers)`` per iteration. Returns ``(lam, model value at lam, alpha)``."""
    a, G = _cut_arrays(cuts)
    B = a.size

    def lam_of(alpha):
        return np.clip(centre + t * (alpha @ G), lo, hi)

    def phi(alpha, lam):
        return float(alpha @ a + (alpha @ G) @ lam) - float(np.sum((lam - centre) ** 2)) / (2 * t)

    alpha = np.zeros(B)
    if alpha0 is not None and 0 < alpha0.size < B and alpha0.sum() > 0:
        alpha[: alpha0.size] = 0.5 * alpha0 / alpha0.sum()
        alpha[-1] = 0.5
    else:
        alpha[-1] = 1.0
    lip = t * float(np.linalg.norm(G, 2)) ** 2
    if B > 1 and lip > 1e-300:  # one cut: its weight is 1, nothing to solve
        y, tk, last = alpha.copy(), 1.0, phi(alpha, lam_of(alpha))
        for it in range(MASTER_ITERS):
            if it % 10 == 9:  # every tenth iteration, restarted or not: the duality gap, the clock
                lam = lam_of(alpha)
                low = float(np.min(a + G @ lam)) - float(np.sum((lam - centre) ** 2)) / (2 * t)
                if last - low <= MASTER_TOL * max(1.0, abs(last)):
                    break
                if deadline is not None and time.perf_counter() >= deadline:
                    break
            nxt = _project_simplex(y - (a + G @ lam_of(y)) / lip)
            val = phi(nxt, lam_of(nxt))
            if val > last:  # adaptive restart (O'Donoghue and Candes): momentum off
                y, tk = alpha.copy(), 1.0
                continue
            tn = (1.0 + math.sqrt(1.0 + 4.0 * tk * tk)) / 2.0
            y = nxt + (tk - 1.0) / tn * (nxt - alpha)
            alpha, tk, last = nxt, tn, val
    lam = lam_of(alpha)
    return lam, float(np.min(a + G @ lam)), alpha


def _prune_bundle(cuts, alpha):
    """At most ``BUNDLE_MAX`` cuts: those the master used (``alpha > 0``), newest last; beyond that the aggregate cut
    ``sum alpha_j (a_j + g_j.lam)`` (a valid upper model: a convex combination of cuts) replaces the oldest."""
    if len(cuts) <= BUNDLE_MAX:
        return cuts
    keep = [c for c, w in zip(cuts, alpha, strict=True) if w > 1e-12]
    if not keep or keep[-1] is not cuts[-1]:
        keep.append(cuts[-1])  # the newest cut always stays
    if len(keep) < BUNDLE_MAX:
        return keep
    a, G = _cut_arrays(cuts)
    aggregate = (float(alpha @ a), alpha @ G, np.zeros(G.shape[1]))
    return [aggregate] + keep[-(BUNDLE_MAX - 1):]


def _augmented_out_of_time(problem, model, ctx: SolveContext) -> str | None:
    """As :func:`~combopt.solvers.common.qubo_out_of_time` for the augmented QUBO, whose ``(rho/2)|g|^2`` couples
    every pair of items sharing a row (a dense 30 x 5000 knapsack: 25 million couplings, 4-5 s to build; ``-t 2``
    ran 7.2 s and took 1.35 GB): why the run falls back to the plain slack-free method (whose QUBO stays sparse)
    when building it would take over half the time left, else ``None``."""
    terms = model.augmented_terms()
    need = build_overruns(terms, model.augmented_terms_per_s, ctx)
    if need is None:
        return None
    return (f"building the augmented Lagrangian QUBO (about {terms:,} couplings) would take about {need:.1f} s of "
            f"the {max(ctx.time_left, 0.0):.1f} s left; the run used the plain subgradient method instead")


@register_solver(
    "lagrangian",
    problems=("+lagrangian",),
    description="slack-free Lagrangian QUBO: subgradient | bundle | cutting-plane | augmented outer loop "
                "around any QUBO solver",
    default_stop=MaxIterations(300),
    params=("method", "inner", "inner_params", "inner_iterations", "multipliers", "polish_iters", *METHOD_PARAMS),
)
def lagrangian(problem, ctx: SolveContext, **params) -> SolverOutput:
    method = str(params.pop("method", "subgradient"))
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    for key, methods in METHOD_PARAMS.items():
        if params.get(key) is not None and method not in methods:
            raise ParameterError(f"parameter {key} applies to method={' or '.join(methods)}, not to method={method} "
                                 f"(drop it, or pick the method)")
    inner_name = str(params.pop("inner", "sa"))
    inner_params = params.pop("inner_params", None)
    inner_params = {} if inner_params is None else inner_params  # (0, "" or [] is no object: refused below)
    if not isinstance(inner_params, dict):
        raise ParameterError("inner_params must be a JSON object, e.g. inner_params={\"num_reads\": 32}")
    if inner_name == "sa":
        inner_params = {"num_reads": 32, "num_sweeps": 200, **inner_params}
    inner_iters = positive_int(params, "inner_iterations", 1)
    step_rule = str(params.pop("step_rule", "polyak"))
    if step_rule not in ("polyak", "sqrt"):
        raise ParameterError(f"step_rule must be polyak or sqrt, got {step_rule!r}")
    if step_rule == "sqrt" and (key := next((k for k in ("theta", "patience") if params.get(k) is not None), None)):
        raise ParameterError(f"parameter {key} tunes the Polyak step (step_rule=polyak), not step_rule=sqrt")
    step0 = finite_float(params, "step", None, 0.0, open_lo=True)  # None: from the model, below
    # Polyak's step converges for 0 < theta <= 2 (theta=1e300 sent the multipliers to NaN), and a serious step needs
    # at most the predicted increase (m_serious=5 kept the bundle's centre where it started); rho 0 is from the model
    theta = finite_float(params, "theta", 2.0, 0.0, 2.0, open_lo=True)
    patience = positive_int(params, "patience", 20)
    box = finite_float(params, "box", None, 0.0, BOX_MAX if method == "cutting-plane" else math.inf, open_lo=True)
    t_prox = finite_float(params, "t", None, 0.0, open_lo=True)
    m_serious = finite_float(params, "m_serious", 0.1, 0.0, 1.0, open_lo=True)
    rho = finite_float(params, "rho", 0.0, 0.0)
    beta = finite_float(params, "beta", 2.0, 1.0, open_lo=True)
    rho_max = finite_float(params, "rho_max", 1e6, 0.0, open_lo=True)
    lam = raw_lam = params.pop("multipliers", None)
    if lam is not None:  # before any work: a run answered by the construction (its model too large for the time)
        try:  # took multipliers="abc" unremarked; the count is checked once the model is built
            lam = np.array(lam, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            lam = np.full(1, np.nan)
        if lam.ndim != 1 or not np.all(np.isfinite(lam)):
            raise ParameterError(f"multipliers must be a list of finite numbers (one per relaxed constraint), got "
                                 f"{short_repr(raw_lam)}")
    polish_iters = positive_int(params, "polish_iters", 200, lo=0)
    reject_unknown(params, "lagrangian")
    inner = InnerSolver(inner_name, inner_params, inner_iters, ctx)
    if (skipped := qubo_out_of_time(problem, ctx, lagrangian=True)) is not None:
        return SolverOutput(info=skipped)
    model, late = build_in_time(problem.lagrangian_model, problem, ctx, "Lagrangian model")
    if late is not None:
        return SolverOutput(info=late)
    fallback = _augmented_out_of_time(problem, model, ctx) if method == "augmented" else None
    if fallback is not None:
        method = "subgradient"
    scale, typical = _default_scale(model)
    step0 = typical if step0 is None else step0
    box = (min(2.0 * scale, BOX_MAX) if method == "cutting-plane" else 2.0 * scale) if box is None else box
    t_prox = scale * scale / max(1.0, float(np.abs(model.c).max(initial=1.0))) if t_prox is None else t_prox
    can_polish = hasattr(problem, "polish") and polish_iters > 0
    m = model.m
    if lam is not None:
        if lam.shape != (m,):
            raise ParameterError(f"multipliers must be a list of {m} finite numbers (one per relaxed constraint), "
                                 f"got {short_repr(raw_lam)}")
        if (neg := np.flatnonzero((lam < 0) & ~model.equality)).size:  # was set to 0 in silence
            k = int(neg[0])
            raise ParameterError(f"multipliers of inequality constraints must be >= 0 (the dual bound needs it); "
                                 f"multiplier {k} ({model.names[k] if k < len(model.names) else k}) is {lam[k]:g}")
    lam = model.project(np.zeros(m) if lam is None else lam)
    if method == "augmented" and rho <= 0:
        # start where the penalty is felt but does not dominate the objective
        rho = scale / max(1.0, float(np.abs(model.c).max(initial=1.0)))
    if method != "augmented":
        rho = 0.0
    if model.objective.W.nnz or (model.pairs is not None and len(model.pairs)) or rho > 0:
        inner.check_size(model.n)  # relaxed QUBOs with couplings go to the inner solver (separable ones do not)
    if raw_lam is not None or rho > 0:  # finite, yet so large that the relaxed QUBO overflows: the inner solver raised
        with np.errstate(over="ignore", invalid="ignore"):
            q0 = model.relaxed_qubo(lam, rho)
        if not (math.isfinite(q0.offset) and np.isfinite(q0.h).all() and np.isfinite(q0.W.data).all()):
            what = f"multipliers {short_repr(raw_lam)}" if raw_lam is not None else f"rho={rho:g}"
            raise ParameterError(f"{what} too large: the relaxed QUBO's coefficients overflow to infinity")
    lo = np.where(model.equality, -box, 0.0)
    hi = np.full(m, box)

    sense = problem.sense
    sign = -1.0 if sense == "max" else 1.0  # user objective -> minimisation form

    best_dual = -math.inf  # valid lower bound in minimisation form
    cuts: list[tuple[float, np.ndarray, np.ndarray]] = []
    centre = lam.copy()
    alpha = None  # the dual bundle master's last cut weights (its warm start)
    centre_value = -math.inf
    stall = 0
    d_prev = None
    # the best dual value the inner solver reached (a bound only where it is exact) and its multipliers: where the
    # Polyak steps run away, they go back there
    lam_best, best_value, falls, last_value = lam.copy(), -math.inf, 0, math.inf
    prev_viol = math.inf
    rows: list[dict] = []
    k = 0
    # the set-up (bounds, the model, the inner solver's compilation) is no iteration: timed as the first, it ended
    # runs after one iteration at half their time limit
    ctx.state.begin_iterations()
    overflow = None
    while not ctx.state.should_stop():
        k += 1
        with np.errstate(over="ignore", invalid="ignore"):
            q = model.relaxed_qubo(lam, rho)
        if not (math.isfinite(q.offset) and np.isfinite(q.h).all() and np.isfinite(q.W.data).all()):
            # step=1e308 with step_rule=sqrt: the multipliers ran off to infinity (NaN in the result before)
            overflow = f"iteration {k}: the multipliers grew until the relaxed QUBO overflowed (give a smaller step)"
            lam = lam_best.copy()
            break
        inner_out = inner.solve(q)
        if inner_out is None:
            break  # no sample before the time limit: the run ends with what it has
        X, proven = inner_out
        E = q.energies(X)
        x_star = X[int(np.argmin(E))]
        value = float(E.min())
        g = model.g(x_star)
        exact = proven or separable_minimum(q) is not None
        dual_valid = None
        if rho == 0.0 and exact:
            dual_valid = value
        else:
            plain = separable_minimum(model.relaxed_qubo(lam, 0.0))
            if plain is not None:
                dual_valid = plain[0]
        if dual_valid is not None and dual_valid > best_dual + 1e-12:
            best_dual = dual_valid
            stall = 0
        else:
            stall += 1
        if rho == 0.0 and value > best_value:
            best_value, lam_best = value, lam.copy()
        feas_share = float(model.feasible_mask(X).mean())
        # primal: repair every raw sample (multipliers guide MDKP's ratios)
        for sol in problem.from_qubo_samples(X, ctx.rng, weights=lam):
            ev = problem.evaluate(sol)
            if ev.feasible:
                ctx.state.report(ev.objective, sol)
        if can_polish and ctx.state.best_solution is not None:
            seconds = 0.1 * ctx.time_left if math.isfinite(ctx.time_left) else None
            for sol in problem.polish(ctx.state.best_solution, ctx, weights=lam, iters=polish_iters, seconds=seconds):
                ev = problem.evaluate(sol)
                if ev.feasible:
                    ctx.state.report(ev.objective, sol)
        best_primal = ctx.state.best
        bound_user = None if not math.isfinite(best_dual) else sign * best_dual
        gap = relative_gap(best_primal, bound_user, problem.sense, ctx.state.scale)
        rows.append({"iteration": k, "dual_value": sign * value if rho == 0.0 else None, "bound": bound_user,
                     "primal": best_primal, "gap": gap, "feasible_share": feas_share,
                     "violation": float(np.linalg.norm(np.where(model.equality, g, np.maximum(g, 0.0)))),
                     "rho": rho, "binary_variables": q.n, "time": ctx.state.elapsed})
        ctx.state.offer_bound(bound_user)  # the shared stopping rule: stop once the incumbent meets it
        # -- multiplier update --------------------------------------------------------------
        # direction projected on the feasible cone: rows at lam = 0 with g < 0 cannot move
        g_dir = np.where(model.equality | (lam > 0) | (g > 0), g, 0.0)
        if method == "subgradient" and step_rule == "polyak" and d_prev is not None:
            # Camerini-Fratta-Maffioli deflection damps the zig-zag of plain subgradient steps
            dot = float(d_prev @ g_dir)
            if dot < 0:
                g_dir = g_dir - 1.5 * dot / max(float(d_prev @ d_prev), 1e-300) * d_prev
        d_prev = g_dir
        gnorm2 = float(g_dir @ g_dir)
        if method == "subgradient":
            if gnorm2 > 1e-18:
                ub = None if best_primal is None else sign * best_primal
                falls = falls + 1 if value < last_value else 0
                last_value = value
                if step_rule == "polyak" and ub is not None and falls >= FALLS_TO_RESET \
                        and value < best_value - max(ub - best_value, 1e-9 * max(1.0, abs(ub))):
                    # the dual falls and falls, below its best by more than the gap: the step (ub - value) / |d|^2
                    # grows as it falls, and on every TSP the multipliers ran off to 1e10 with the bound stuck at 0.
                    # Back to the best multipliers, a halved step, no deflection (judged by the inner solver's
                    # values: with a heuristic inner solver no dual is a bound, and on ATSPs the deflected steps
                    # ran off to 1e25)
                    lam, theta, d_prev, falls, stall = lam_best.copy(), max(theta / 2.0, 1e-4), None, 0, 0
                elif step_rule == "polyak" and ub is not None:
                    if stall >= patience:
                        theta = max(theta / 2.0, 1e-4)
                        stall = 0
                    alpha = theta * max(ub - value, 1e-9 * max(1.0, abs(ub))) / gnorm2
                    lam = model.project(lam + alpha * g_dir)
                else:
                    alpha = step0 / math.sqrt(k) / math.sqrt(gnorm2)
                    lam = model.project(lam + alpha * g_dir)
        elif method == "cutting-plane":
            cuts.append((value, g.copy(), lam.copy()))
            lam, _ = _kelley_lp(cuts, lo, hi)
            lam = model.project(lam)
        elif method == "bundle":
            cuts.append((value, g.copy(), lam.copy()))
            if k == 1:
                centre, centre_value = lam.copy(), value
            else:
                predicted = rows[-2].get("_predicted", None) if len(rows) > 1 else None
                if predicted is not None and value - centre_value >= m_serious * (predicted - centre_value):
                    centre, centre_value = lam.copy(), value  # serious step
            # the master in a share of the time left
            deadline = time.perf_counter() + 0.25 * ctx.time_left if math.isfinite(ctx.time_left) else None
            if m <= PRIMAL_MASTER_MAX:
                if len(cuts) > 4 * m + 20:
                    cuts = cuts[-(2 * m + 10):]
                lam, predicted = _bundle_step_primal(cuts, centre, t_prox, lo, hi, deadline)
            else:  # the master on the cut weights
                lam, predicted, alpha = _bundle_step_dual(cuts, centre, t_prox, lo, hi, alpha, deadline)
                cuts = _prune_bundle(cuts, alpha)
                alpha = alpha if len(cuts) == alpha.size else None  # the bundle was pruned: start afresh
            lam = model.project(lam)
            rows[-1]["_predicted"] = predicted
        else:  # augmented
            lam = model.project(lam + rho * g)
            viol = rows[-1]["violation"]
            if viol > 0.25 * prev_viol or viol > 0:
                rho = min(rho * beta, rho_max) if viol > 0.25 * prev_viol else rho
            prev_viol = viol
        ctx.state.next_iteration()
    for r in rows:
        r.pop("_predicted", None)
    bound = None if not math.isfinite(best_dual) else sign * best_dual
    return SolverOutput(bound=bound, info={
        **construction_if_empty(problem, ctx, "Lagrangian method"),
        **({"method_fallback": fallback} if fallback else {}),
        **({"stopped": overflow} if overflow else {}),
        "method": method, "inner": inner.info.name, "binary_variables": model.n, "constraints_relaxed": m,
        "multipliers": lam.tolist(), "iterations": rows,
        "feasible_share": float(np.mean([r["feasible_share"] for r in rows])) if rows else None,
    })


@register_solver(
    "slack-penalty",
    problems=("+lagrangian",),
    description="baseline: slack bits for every inequality + quadratic penalty, solved by any QUBO solver",
    default_stop=MaxIterations(20),
    params=("inner", "inner_params", "penalty", "inner_iterations"),
)
def slack_penalty(problem, ctx: SolveContext, **params) -> SolverOutput:
    from ..models.lagrangian import slack_penalty_qubo

    inner_name = str(params.pop("inner", "sa"))
    inner_params = params.pop("inner_params", None)
    inner_params = {} if inner_params is None else inner_params  # (0, "" or [] is no object: refused below)
    penalty = params.pop("penalty", None)
    penalty = None if penalty is None else finite_float({"penalty": penalty}, "penalty", 1.0, 0.0, open_lo=True)
    inner_iters = positive_int(params, "inner_iterations", 1)
    reject_unknown(params, "slack-penalty")
    inner = InnerSolver(inner_name, inner_params, inner_iters, ctx)
    if (skipped := qubo_out_of_time(problem, ctx)) is not None:
        return SolverOutput(info=skipped)
    model, late = build_in_time(problem.lagrangian_model, problem, ctx, "Lagrangian model")
    if late is not None:
        return SolverOutput(info=late)
    enc = slack_penalty_qubo(model, penalty)
    if enc.qubo.W.nnz:  # (a QUBO without couplings is solved in closed form)
        inner.check_size(enc.qubo.n, "penalty QUBO")
    shares = []
    ctx.state.begin_iterations()  # the set-up is no iteration (as in lagrangian)
    while not ctx.state.should_stop():
        inner_out = inner.solve(enc.qubo)
        if inner_out is None:
            break  # no sample before the time limit
        X = inner_out[0]
        Xo = X[:, : enc.n_original]
        shares.append(float(model.feasible_mask(Xo).mean()))
        for sol in problem.from_qubo_samples(Xo, ctx.rng):
            ev = problem.evaluate(sol)
            if ev.feasible:
                ctx.state.report(ev.objective, sol)
        ctx.state.next_iteration()
    return SolverOutput(info={**construction_if_empty(problem, ctx, "slack-penalty QUBO"),
                              "binary_variables": enc.qubo.n, "slack_variables": enc.n_slack,
                              "penalty": enc.penalty, "feasible_share": float(np.mean(shares)) if shares else None,
                              "inner": inner.info.name})
