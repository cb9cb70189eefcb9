"""MILP building blocks shared by the models and the problem adapters (PuLP 3 API).

Imports: numpy and pulp only. The `milp` solver (combopt.solvers.milp) solves what these build.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pulp


def binary_var(prob: pulp.LpProblem, name: str):
    """A binary variable attached to ``prob`` (PuLP 3.3+ API)."""
    return prob.add_variable(name, 0, 1, cat=pulp.LpBinary)


class WarmStartModel(pulp.LpProblem):
    """A PuLP model that carries a feasible start (``warm``: variable name -> value) to its back end.

    The start is handed to CBC (PuLP's own ``warmStart``: ``-mips``) and to the in-process
    HiGHS (``setSolution``) before they search. Where the back end still ends without a solution
    (stopped before it read the start, e.g. inside presolve at a short limit) and did not prove the
    model infeasible, the model's variables are set to the start and its solution status to
    integer-feasible: the run then returns the start as its incumbent, which the caller evaluates
    like any other solution. Used by RCPSP (the priority-rule schedule) and the DMMV problems (their cheap
    rounding); the ``milp`` solver's ``warm_start=false`` drops the start.
    """

    warm: dict | None = None
    #: the size of the objective's terms where the model knows it (DMMV: the unit of its peak violation):
    #: :func:`~combopt.solvers.milp.run_pulp` hands the objective to the back end divided by it
    objective_unit: float | None = None

    def solve(self, solver=None, **kwargs):
        if not self.warm:
            return super().solve(solver, **kwargs)
        for v in self.variables():
            v.setInitialValue(self.warm.get(v.name, 0.0))
        restore = []
        try:
            if isinstance(solver, pulp.COIN_CMD) and not solver.optionsDict.get("warmStart"):
                restore.append(self._cbc_start(solver))
            elif isinstance(solver, pulp.HiGHS) and hasattr(solver, "callSolver"):
                restore.append(self._highs_start(solver))
            status = super().solve(solver, **kwargs)
        finally:
            for undo in restore:
                undo()
        if self.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible) \
                and status != pulp.LpStatusInfeasible:
            for v in self.variables():
                v.varValue = self.warm.get(v.name, 0.0)
            self.sol_status = pulp.LpSolutionIntegerFeasible
        return status

    def _cbc_start(self, solver):
        """PuLP's CBC warm start (``-mips`` from the variables' initial values; combopt's interruptible CBC reads
        the same option), switched on for this run."""
        had = "warmStart" in solver.optionsDict
        solver.optionsDict["warmStart"] = True

        def undo():
            if not had:
                solver.optionsDict.pop("warmStart", None)

        return undo

    def _highs_start(self, solver):
        """Give HiGHS the start just before it runs (its columns are the model's variables in order)."""
        import highspy

        call = solver.callSolver

        def call_with_start(lp):
            sol = highspy.HighsSolution()
            sol.col_value = [float(self.warm.get(v.name, 0.0)) for v in lp.variables()]
            sol.value_valid = True
            lp.solverModel.setSolution(sol)
            return call(lp)

        solver.callSolver = call_with_start

        def undo():
            solver.__dict__.pop("callSolver", None)

        return undo


def qubo_to_pulp(model) -> tuple[pulp.LpProblem, Callable[[], np.ndarray]]:
    """Linearised MILP of a QUBO: ``y_ij`` replaces ``x_i x_j``.

    Positive couplings need only ``y >= x_i + x_j - 1``; negative ones only
    ``y <= x_i`` and ``y <= x_j`` (the objective pushes ``y`` the other way).
    """
    n = model.n
    # a maximisation is written as the user stated it (Maximize, their signs): an exported .lp read by another solver
    # gives their optimum, not its negation; the rows follow the minimisation form's signs either way
    maximise = getattr(model, "model_sense", "min") == "max"
    prob = pulp.LpProblem(model.name.replace(" ", "_") or "qubo", pulp.LpMaximize if maximise else pulp.LpMinimize)
    x = [binary_var(prob, f"x{i}") for i in range(n)]
    terms = [(x[i], float(model.h[i])) for i in range(n) if model.h[i] != 0]
    U = model.W.tocoo()
    for i, j, v in zip(U.row, U.col, U.data, strict=True):
        if i >= j or v == 0:
            continue
        y = prob.add_variable(f"y{i}_{j}", 0, 1)
        if v > 0:
            prob += y >= x[i] + x[j] - 1
        else:
            prob += y <= x[i]
            prob += y <= x[j]
        terms.append((y, float(v)))
    sign = -1.0 if maximise else 1.0
    prob += pulp.LpAffineExpression([(v, sign * c) for v, c in terms]) + sign * model.offset

    def decode() -> np.ndarray:
        return np.array([int(round(v.value() or 0)) for v in x], dtype=np.int8)

    return prob, decode


class _Exact(float):
    """A number that PuLP's .lp writer prints with every digit (the shortest text that reads back as it): its
    ``f"{v:.12g}"`` wrote 1000000000004 as 1e+12 and 1000000000006 as 1.00000000001e+12, so an exported knapsack that
    excludes a second item of weight 6 let it in (optimum 10 for 5)."""

    def __format__(self, spec: str) -> str:
        text = repr(float(self))
        return text[:-2] if text.endswith(".0") else text

    def __neg__(self) -> _Exact:
        return _Exact(-float(self))

    def __add__(self, other) -> _Exact:
        return _Exact(float(self) + other)

    __radd__ = __add__


def write_lp(prob: pulp.LpProblem, path) -> None:
    """``prob.writeLP(path)`` with every coefficient, right-hand side and bound written exactly (changes ``prob``'s
    numbers to :class:`_Exact` floats of the same values)."""
    exprs = [] if prob.objective is None else [prob.objective]
    for c in prob.constraints():
        exprs.append(c.expr)
        c.constant = _Exact(c.constant)
    for e in exprs:
        for v, coef in list(e.items()):
            e[v] = _Exact(coef)
    for v in prob.variables():
        v.lowBound = None if v.lowBound is None else _Exact(v.lowBound)
        v.upBound = None if v.upBound is None else _Exact(v.upBound)
    prob.writeLP(str(path))
