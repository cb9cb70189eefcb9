"""Time-indexed MILP of RCPSP (Pritsker et al. 1969, with disaggregated precedences).

``x[i, t] = 1`` when task ``i`` starts at ``t``. Start times range over
``[ES_i, LS_i]`` from the critical-path pass (releases, single-task downtime)
and the backward pass from the horizon (deadlines), and only over the times at
which the task fits its resources' capacity alone. Constraints:

* one start per task;
* precedence ``i -> j``, for every ``t``: ``sum_{tau <= t} x[j, tau] <= sum_{tau <= t - p_i} x[i, tau]``
  (the strong, disaggregated form);
* resource ``r`` at time ``t``: ``sum_i q_ir * (tasks running at t) <= c_r(t)`` (downtime included);
* disjunctive pair at time ``t``: at most one of the two is running;
* makespan ``C >= start_i + p_i`` for the tasks without successors; minimise ``C``.

The horizon defaults to the best makespan of the priority rules (with
justification), so every optimal schedule fits. The model is solved by the
generic ``milp`` solver (``combopt solve x.sm --solver milp``), which reads the
real CBC/HiGHS status through :func:`combopt.solvers.milp.solve_pulp`.
"""

from __future__ import annotations

import numpy as np
import pulp

from ...core.errors import ParameterError
from ...models.milp import WarmStartModel, binary_var
from .sgs import CpuDecoder, rule_lists

#: refuse models larger than this many start variables (the time-indexed form grows with the horizon)
MAX_MILP_VARIABLES = 200_000


def heuristic_horizon(problem) -> int:
    """Best makespan of the priority rules with justification that meets every window, else the safe horizon.
    Kept on the problem (the size estimate and the model build both need it; 0.2 s on a j120 instance)."""
    cached = problem.__dict__.get("_heuristic_horizon")
    if cached is not None:
        return cached
    starts, info = CpuDecoder(problem).decode(rule_lists(problem), fbi=True)
    ok = (info[:, 0] >= 0) & (info[:, 1] == 0)
    best, sched = problem.horizon, None
    for k in np.flatnonzero(ok):
        if int(info[k, 0]) < best and problem.evaluate(starts[k]).feasible:
            best, sched = int(info[k, 0]), starts[k].astype(np.int64)
    problem.__dict__["_heuristic_horizon"] = best
    problem.__dict__["_heuristic_schedule"] = sched
    return best


def heuristic_schedule(problem) -> np.ndarray | None:
    """The feasible priority-rule schedule whose makespan is :func:`heuristic_horizon` (``None``: none met every
    window)."""
    heuristic_horizon(problem)
    return problem.__dict__.get("_heuristic_schedule")


def _start_windows(P, H: int):
    """``(capacity profile, admissible start times of each task)`` of the time-indexed model with horizon ``H``."""
    prof = P.capacity_profile(max(H + 1, 1)).astype(np.int64)
    es = P.earliest_starts()
    lf = P.latest_finishes(H)
    ls = lf - P.durations
    windows = []
    for i in range(P.n):
        p = int(P.durations[i])
        ts = np.arange(int(es[i]), int(ls[i]) + 1)
        if p > 0 and P.demands[i].any() and ts.size:
            q = P.demands[i]
            bad = np.any(prof < q[None, :], axis=1)
            csum = np.concatenate([[0], np.cumsum(bad)])
            ts = ts[(ts + p <= len(bad)) & (csum[np.minimum(ts + p, len(bad))] - csum[ts] == 0)]
        windows.append(ts)
    return prof, windows


def milp_terms(problem, horizon: int | None = None) -> int:
    """Nonzero terms of :func:`time_indexed_model` (counted from the start windows, without building it)."""
    P = problem
    H = int(heuristic_horizon(P) if horizon is None else horizon)
    _, windows = _start_windows(P, max(H, 0))
    sizes = np.array([w.size for w in windows], dtype=np.int64)
    terms = 2 * int(sizes.sum())  # the variables and their "start once" rows
    for i, j in P.edges:
        ti, tj = windows[int(i)], windows[int(j)]
        if tj.size:
            terms += int(tj.size * (tj.size + 1) // 2)  # sum_{tau <= t} x_j over t in its window
            terms += int(np.searchsorted(ti, tj - int(P.durations[i]), side="right").sum())
    running = sizes * P.durations.astype(np.int64)  # (t, tau) pairs with t - p < tau <= t
    terms += int((running[:, None] * (P.demands > 0)).sum())
    for a, b in P.disjunctive:
        terms += int(running[int(a)] + running[int(b)])
    return terms + int(sizes.sum())  # the makespan rows (at most every start variable once)


def time_indexed_model(problem, horizon: int | None = None):
    """``(pulp.LpProblem, decode)`` for ``problem``; ``decode()`` returns the start times.

    With the default horizon the model is a :class:`WarmStartModel` whose start is the heuristic
    schedule that set the horizon: a run returns at least that schedule."""
    P = problem
    H = int(heuristic_horizon(P) if horizon is None else horizon)
    if H < 0:
        raise ParameterError(f"horizon must be non-negative, got {H}")
    prof, windows = _start_windows(P, H)
    total = int(sum(w.size for w in windows))
    if total > MAX_MILP_VARIABLES:
        raise ParameterError(f"the time-indexed MILP would have {total} start variables (horizon {H}); the limit is "
                             f"{MAX_MILP_VARIABLES}: use rcpsp-cpsat or rcpsp-ga for instances this large")
    name = "rcpsp_" + "".join(ch if ch.isalnum() else "_" for ch in P.name)
    prob = WarmStartModel(name, pulp.LpMinimize)
    x: list[dict[int, pulp.LpVariable]] = []
    for i, ts in enumerate(windows):
        x.append({int(t): binary_var(prob, f"x_{i}_{int(t)}") for t in ts})
    C = prob.add_variable("makespan", 0, H, cat=pulp.LpInteger)
    prob += pulp.lpSum([C])
    infeasible_task = False
    for i in range(P.n):
        if not x[i]:
            infeasible_task = True
            continue
        prob += pulp.lpSum(x[i].values()) == 1, f"once_{i}"
    if infeasible_task:
        # some task has no admissible start within the horizon: state it so the solver reports infeasibility
        dummy = binary_var(prob, "no_admissible_start")
        prob += dummy >= 1, "needs_start"
        prob += dummy <= 0, "has_none"

    def before(i, t):
        """Terms of sum_{tau <= t} x[i, tau]."""
        return [v for tau, v in x[i].items() if tau <= t]

    for i, j in P.edges:
        i, j = int(i), int(j)
        pi = int(P.durations[i])
        for t in sorted(x[j]):
            rhs = before(i, t - pi)
            lhs = before(j, t)
            prob += pulp.lpSum(lhs) - pulp.lpSum(rhs) <= 0, f"prec_{i}_{j}_{t}"

    def running(i, t):
        p = int(P.durations[i])
        return [v for tau, v in x[i].items() if t - p < tau <= t]

    for r in range(P.num_resources):
        users = [i for i in range(P.n) if P.demands[i, r] > 0 and P.durations[i] > 0 and x[i]]
        if not users:
            continue
        for t in range(H):
            terms = []
            load_max = 0
            for i in users:
                run = running(i, t)
                if run:
                    q = int(P.demands[i, r])
                    terms.extend((v, q) for v in run)
                    load_max += q
            if terms and load_max > prof[t, r]:
                prob += pulp.LpAffineExpression(terms) <= int(prof[t, r]), f"res_{r}_{t}"
    for a, b in P.disjunctive:
        a, b = int(a), int(b)
        if P.durations[a] == 0 or P.durations[b] == 0:
            continue
        for t in range(H):
            ra, rb = running(a, t), running(b, t)
            if ra and rb:
                prob += pulp.lpSum(ra + rb) <= 1, f"disj_{a}_{b}_{t}"
    has_succ = np.diff(P.succ_ptr) > 0
    for i in range(P.n):
        if not has_succ[i] and x[i]:
            p = int(P.durations[i])
            prob += C - pulp.LpAffineExpression([(v, tau + p) for tau, v in x[i].items()]) >= 0, f"cmax_{i}"

    start = heuristic_schedule(P) if horizon is None else None
    if start is not None and not infeasible_task and all(int(start[i]) in x[i] for i in range(P.n)):
        # the schedule that set the horizon is the model's warm start (and its incumbent at worst)
        warm = {x[i][int(start[i])].name: 1.0 for i in range(P.n)}  # every other start variable 0
        warm[C.name] = float(P.makespan(start))
        prob.warm = warm

    def decode() -> np.ndarray:
        s = np.zeros(P.n, dtype=np.int64)
        for i in range(P.n):
            best, val = None, -1.0
            for tau, v in x[i].items():
                vv = v.value() or 0.0
                if vv > val:
                    best, val = tau, vv
            s[i] = best if best is not None else 0
        return s

    return prob, decode
