"""MILP large-neighbourhood search for DMMV models with uniform integer grids (issue 15).

When the ``dmmv`` local search stagnates, repeatedly free a window of ``size``
variables (the others fixed at the incumbent), each within ``radius`` grid
steps of its incumbent value, and solve the small min-max MILP over the freed
integers exactly with HiGHS (``highspy``) under a short time limit:

    min t  s.t.  w_j (a_j.x - u_j) <= t,  w_j (l_j - a_j.x) <= t,  x_i = lo_i + step_i k_i,  k_i integer.

Rows are generated lazily: the MILP starts with the rows whose violation is at
least ``row_frac`` of the current maximum and adds every row the window's
solution violates beyond its ``t`` until no row is left out (so an accepted
window is exact over all rows). The incumbent is handed to HiGHS as a start and
the current maximum as its objective cut-off, so a window either proves that no
better assignment of its variables exists or returns one. Improvements are
accepted only when the maximum violation, recomputed from the model's matrix,
drops by more than the model's tolerance: the search never returns worse than
its start.

Windows: variables of the most violated rows weighted by their influence on
them (``|w_j a_ji step_i|``), random subsets and contiguous index blocks, in
turn. Their size adapts: up after a window that HiGHS solved without an
improvement, down after a window that ran into its time limit.

Reproducibility: windows come from a seeded numpy generator; HiGHS is
deterministic for a fixed model, so runs repeat exactly unless a window's time
limit cuts a solve (then the outcome depends on the machine's speed).
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

from ...core.errors import ParameterError
from ...models.dmmv import DMMV
from ..common import run_highs_interruptible

#: defaults of the ``lns_*`` parameters of the ``dmmv`` solver
LNS_DEFAULTS = {
    "lns_size": 8,  # freed variables per window at the start
    "lns_size_max": 40,  # adaptive growth limit of the window
    "lns_radius": 2,  # grid steps a freed variable may move from the incumbent
    "lns_window_s": 2.0,  # HiGHS time limit per window (seconds)
    "lns_windows": 20,  # windows per phase when there is no time limit
}


def supports(model: DMMV) -> bool:
    """True when every domain is a uniform grid (the window MILP needs integer grid indices)."""
    return model.n >= 2 and model.uniform_grid() is not None


class WindowMILP:
    """Exact min-max MILP over a window of variables of a DMMV model (HiGHS through ``highspy``)."""

    def __init__(self, model: DMMV, row_frac: float = 0.5):
        grid = model.uniform_grid()
        if grid is None:
            raise ValueError("the window MILP needs uniform-grid domains")
        self.model = model
        self.lo, self.step, self.count = grid
        self.A = model.A.tocsc()
        self.R = model.A.tocsr()
        self.tol = model.tolerance()
        self.row_frac = row_frac
        self.solves = 0
        self.timeouts = 0

    def violations(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row sums, weighted violations)`` of the index vector ``k``, from the matrix."""
        m = self.model
        s = self.A @ (self.lo + self.step * k)
        return s, m.weights * np.maximum(0.0, np.maximum(m.lower - s, s - m.upper))

    def solve(self, k: np.ndarray, free: np.ndarray, radius: int, time_limit: float,
              deadline: float = math.inf) -> tuple[np.ndarray | None, bool]:
        """Best assignment of the ``free`` variables near ``k``: ``(new k or None, timed out)``.

        ``None`` when no assignment beats the incumbent's maximum violation by more than the tolerance.
        """
        import highspy

        from ..milp import _swallow_highs_banner

        _swallow_highs_banner()
        m = self.model
        free = np.unique(np.asarray(free, dtype=np.int64))
        nf = free.size
        s, v = self.violations(k)
        linf = float(v.max()) if v.size else 0.0
        if nf == 0 or linf <= self.tol:
            return None, False
        Af = self.A[:, free]
        sfix = s - Af @ (self.lo[free] + self.step[free] * k[free])
        base = sfix + Af @ self.lo[free]  # row sums at k_free = 0
        lb = np.maximum(0, k[free] - radius).astype(np.float64)
        ub = np.minimum(self.count[free] - 1, k[free] + radius).astype(np.float64)
        Afs = sp.csr_matrix(Af @ sp.diags(self.step[free]))
        inf = highspy.kHighsInf
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.addVars(nf + 1, np.r_[lb, 0.0], np.r_[ub, inf])
        h.changeColsIntegrality(nf, np.arange(nf, dtype=np.int32),
                                np.full(nf, highspy.HighsVarType.kInteger))
        h.changeColCost(nf, 1.0)
        # prune everything that does not beat the incumbent by more than the tolerance
        h.setOptionValue("objective_bound", linf - self.tol)
        in_model = np.zeros(m.m, dtype=bool)

        def add_rows(rows: np.ndarray) -> None:
            rows = rows[~in_model[rows]]
            if rows.size == 0:
                return
            in_model[rows] = True
            w = m.weights[rows]
            B = sp.diags(w) @ Afs[rows]
            B = sp.hstack([B, sp.csr_matrix(-np.ones((rows.size, 1)))]).tocsr()
            up = np.isfinite(m.upper[rows])
            if up.any():
                Bu = B[up]
                h.addRows(int(up.sum()), np.full(int(up.sum()), -inf), w[up] * (m.upper[rows][up] - base[rows][up]),
                          Bu.nnz, Bu.indptr[:-1].astype(np.int32), Bu.indices.astype(np.int32), Bu.data)
            low = np.isfinite(m.lower[rows])
            if low.any():
                Bl = B[low].copy()
                Bl.data = Bl.data.copy()
                # negate the variable part, keep -t
                tcol = Bl.indices == nf
                Bl.data[~tcol] *= -1.0
                h.addRows(int(low.sum()), np.full(int(low.sum()), -inf),
                          -w[low] * (m.lower[rows][low] - base[rows][low]),
                          Bl.nnz, Bl.indptr[:-1].astype(np.int32), Bl.indices.astype(np.int32), Bl.data)

        add_rows(np.flatnonzero(v >= self.row_frac * linf))
        t_end = min(time.monotonic() + time_limit, deadline)
        timed_out = False
        start = np.r_[k[free].astype(np.float64), linf]
        for _ in range(50):
            left = t_end - time.monotonic()
            if left <= 0.01:
                timed_out = True
                break
            h.setOptionValue("time_limit", float(left))
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            h.setSolution(sol)
            self.solves += 1
            if run_highs_interruptible(h):
                raise KeyboardInterrupt
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kTimeLimit:
                timed_out = True
            if h.getInfo().primal_solution_status != 2:  # no feasible point below the cut-off
                break
            col = np.asarray(h.getSolution().col_value)
            kn = k.copy()
            kn[free] = np.clip(np.round(col[:nf]).astype(np.int64), lb.astype(np.int64), ub.astype(np.int64))
            _, vn = self.violations(kn)
            new = float(vn.max())
            missing = np.flatnonzero((vn > max(float(col[nf]), 0.0) + self.tol) & ~in_model)
            if missing.size == 0:
                if new < linf - self.tol:
                    return kn, timed_out
                break
            if timed_out:
                if new < linf - self.tol:  # a time-limited incumbent that is still better on every row
                    return kn, True
                break
            add_rows(missing)
        if timed_out:
            self.timeouts += 1
        return None, timed_out


class MilpLNS:
    """Adaptive window-MILP improvement of an incumbent index vector (see the module documentation)."""

    def __init__(self, model: DMMV, seed: int, params: dict | None = None):
        p = dict(LNS_DEFAULTS)
        p.update(params or {})
        self.p = p
        self.model = model
        self.milp = WindowMILP(model)
        self.rng = np.random.default_rng(int(seed))
        self.size = int(max(2, min(p["lns_size"], model.n)))
        self.windows = 0
        self.improvements = 0
        self.kind = 0
        # |w_j a_ji step_i|: influence of one grid step of variable i on row j
        W = sp.diags(model.weights) @ model.A.tocsr() @ sp.diags(self.milp.step)
        self.influence = abs(W).tocsr()

    def pick(self, v: np.ndarray) -> np.ndarray:
        """The next window: variables of the worst rows, a random subset or a contiguous block (in turn)."""
        n = self.model.n
        size = min(self.size, n)
        self.kind = (self.kind + 1) % 3
        if self.kind == 1:
            top = np.argsort(-v)[: max(1, min(v.size, 4 * size))]
            score = np.asarray(self.influence[top].sum(axis=0)).ravel()
            if np.count_nonzero(score) >= size:
                prob = score / score.sum()
                return self.rng.choice(n, size, replace=False, p=prob)
        if self.kind == 2:
            a = int(self.rng.integers(0, n - size + 1))
            return np.arange(a, a + size)
        return self.rng.choice(n, size, replace=False)

    def run(self, k: np.ndarray, deadline: float, max_windows: int | None = None,
            stop=lambda: False) -> tuple[np.ndarray, bool]:
        """Improve ``k`` until ``deadline`` (monotonic clock) or ``max_windows``; ``(best k, improved)``."""
        k = np.array(k, dtype=np.int64)
        improved = False
        done = 0
        while time.monotonic() < deadline - 0.05 and (max_windows is None or done < max_windows) and not stop():
            _, v = self.milp.violations(k)
            free = self.pick(v)
            kn, timed_out = self.milp.solve(k, free, int(self.p["lns_radius"]), float(self.p["lns_window_s"]),
                                            deadline)
            done += 1
            self.windows += 1
            if kn is not None:
                k = kn
                improved = True
                self.improvements += 1
            elif timed_out:
                self.size = max(2, self.size - 2)
            else:
                self.size = min(int(self.p["lns_size_max"]), self.model.n, self.size + 1)
        return k, improved


def lns_params(params: dict, default_on: bool) -> dict | None:
    """Pop ``milp_lns`` and the ``lns_*`` parameters; ``None`` when the window MILP is off."""
    from ..common import finite_float, flag, positive_int

    on = flag(params, "milp_lns", default_on)
    given = sorted(key for key in LNS_DEFAULTS if params.get(key) is not None)
    if given and not on:  # (were taken and ignored: the window MILP never ran)
        raise ParameterError(f"parameter {given[0]} tunes the window-MILP LNS, which is off: add -p milp_lns=1 "
                             f"or drop {', '.join(given)}")
    given_max = "lns_size_max" in given
    out = {key: positive_int(params, key, LNS_DEFAULTS[key], lo=lo)
           for key, lo in (("lns_size", 2), ("lns_size_max", 2), ("lns_radius", 1), ("lns_windows", 1))}
    out["lns_window_s"] = finite_float(params, "lns_window_s", LNS_DEFAULTS["lns_window_s"], 0.0, 3600.0,
                                       open_lo=True)
    if given_max and out["lns_size_max"] < out["lns_size"]:  # (was raised to lns_size without a word)
        raise ParameterError(f"parameter lns_size_max ({out['lns_size_max']}) must be at least lns_size "
                             f"({out['lns_size']}): the window grows from lns_size up to lns_size_max")
    out["lns_size_max"] = max(out["lns_size_max"], out["lns_size"])  # the default limit follows a larger lns_size
    return out if on else None


class LNSDriver:
    """Runs :class:`MilpLNS` phases inside the ``dmmv`` loop when the local search stagnates.

    ``restart(q, k)`` must return a fresh local search of block ``q`` started at ``k`` (the
    window's improvement is then polished by the local search and its LNS).
    """

    def __init__(self, searches: list, seeds, params: dict, restart):
        self.restart = restart
        self.lns = [MilpLNS(S.model, int(sd) ^ 0x5DEECE66D, params) if supports(S.model) else None
                    for S, sd in zip(searches, seeds, strict=True)]
        self.params = params
        self.last = [float(S.best[0]) for S in searches]
        self.since = [time.monotonic()] * len(searches)
        self.phases = 0

    @property
    def active(self) -> bool:
        return any(x is not None for x in self.lns)

    def step(self, searches: list, time_left: float, timed: bool, stop) -> bool:
        """One check after a round of the local search; runs a phase on the stagnant blocks. True if improved."""
        now = time.monotonic()
        improved = False
        stall = max(1.0, 0.05 * time_left) if timed else 0.0
        for q, S in enumerate(searches):
            cur = float(S.best[0])
            if cur < self.last[q] - S.tol:
                self.last[q] = cur
                self.since[q] = now
                continue
            lns = self.lns[q]
            if lns is None or now - self.since[q] < stall:
                continue
            if timed:
                if time_left < 1.0:
                    continue
                deadline = now + max(1.0, 0.3 * time_left) / max(1, len(searches))
                k, better = lns.run(S.best_k, deadline, stop=stop)
            else:
                k, better = lns.run(S.best_k, math.inf, max_windows=int(self.params["lns_windows"]), stop=stop)
            self.phases += 1
            self.since[q] = time.monotonic()
            if better:
                searches[q] = self.restart(q, k)
                self.last[q] = float(searches[q].best[0])
                improved = True
        return improved

    def info(self) -> dict:
        used = [x for x in self.lns if x is not None]
        return {"milp_lns_phases": self.phases, "milp_lns_windows": sum(x.windows for x in used),
                "milp_lns_improvements": sum(x.improvements for x in used),
                "milp_lns_window_size": [x.size for x in used][:1][0] if used else None}
