"""Exact MILP route through PuLP (CBC by default, HiGHS when installed).

PuLP reports a time-limited CBC run as "Optimal" and hands HiGHS a
maximisation as the minimisation of the negated objective; the status here is
the back end's own (HiGHS's model status, CBC's solution file and log), the
bound its dual bound turned back into the model's sense, so a timed-out run is
``feasible`` with a bound on the right side. Both back ends are run so that
Ctrl-C stops them with their incumbent readable (see :func:`run_pulp`).
"""

from __future__ import annotations

import math
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pulp

from ..core.context import SolveContext, SolverOutput
from ..core.errors import CombOptError, MissingDependencyError, ParameterError, UnsuitedInstance
from ..core.problem import objective_scale
from ..core.registry import register_solver
from ..core.warm import report_construction
from ..models.milp import binary_var, qubo_to_pulp  # noqa: F401  (re-exported)
from .common import flag, highs_seed, positive_int, reject_unknown, run_highs_interruptible


def _cbc(kw):
    """CBC as bundled with PuLP 3 (its deprecation notice for PuLP 4 is silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD(**kw)


_BANNER_DONE = False


def _swallow_highs_banner() -> None:
    """HiGHS prints a copyright banner on its first instance in a process, even with output off.

    Create that first instance with the C-level stdout pointed at /dev/null so it
    never lands in a user's terminal or in JSON piped from the CLI.
    """
    global _BANNER_DONE
    if _BANNER_DONE:
        return
    _BANNER_DONE = True
    try:
        import os
        import sys

        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


#: the ``milp`` solver refuses models with more nonzero terms than this unless ``max_terms`` says otherwise
MAX_MILP_TERMS = 3_000_000
#: seconds past its time limit at which CBC gets the Ctrl-C signal, and the seconds it then has to stop and write
#: its incumbent before it is stopped outright (its root LP on a large model does not look at signals)
CBC_SIGNAL_S, CBC_GRACE_S = 0.25, 0.5
#: a back end is not started with less time than this left after the model was built: the run ends without it
MIN_SOLVE_S = 0.05
#: a back end's "optimal" on a whole-number objective beyond this magnitude is not a proof to the unit: both work in
#: floating point with tolerances of about 1e-12 relative and more (CBC answered one unit below a knapsack optimum of
#: 4e13 as optimal); such a result is feasible, its bound the objective widened by WHOLE_PROOF_RTOL (twice the
#: relative tolerance with which a bound meets an objective, so it does not make the result optimal again)
WHOLE_PROOF_LIMIT = 1e11
WHOLE_PROOF_RTOL = 2e-9
#: nonzero terms PuLP adds to a model per second (measured 200,000-270,000 on the 2-core machine, independent-set and
#: QUBO models): a timed run whose model would take longer than its whole limit to build is not built at all
PULP_TERMS_PER_S = 250_000


def _backend(name: str, time_limit: float | None, threads: int | None):
    kw = {"msg": False}
    if time_limit is not None and math.isfinite(time_limit):
        kw["timeLimit"] = max(1.0, float(time_limit))
    if name == "cbc":
        if threads:
            kw["threads"] = threads
        return _cbc(kw)
    if name == "highs":
        _swallow_highs_banner()
        solver = pulp.HiGHS(**kw)
        if not solver.available():
            raise MissingDependencyError("HiGHS is not installed: pip install highspy (or use backend=cbc)")
        return solver
    raise ParameterError(f"unknown MILP backend {name!r}; expected cbc or highs")


@dataclass
class MilpRun:
    """What a MILP back end reported, in the model's own sense and units.

    ``status`` is the back end's own account: ``optimal`` (proved, zero gap),
    ``time_limit``, ``interrupted`` (Ctrl-C), ``stopped`` (by the caller's ``on_incumbent``: a stopping
    criterion such as a reached target), ``infeasible``, ``unbounded``,
    ``unbounded_or_infeasible``, ``not_solved`` or ``error``; ``bound`` its dual
    bound (``None`` when it gave none) and ``has_solution`` whether its
    incumbent is readable from the variables.
    """

    status: str
    proven: bool = False
    infeasible: bool = False
    unbounded: bool = False
    bound: float | None = None
    has_solution: bool = False
    interrupted: bool = False
    detail: str = ""


class _InterruptibleHiGHS(pulp.HiGHS):
    """PuLP's in-process HiGHS, run in HiGHS's own thread so that Ctrl-C stops it and keeps its incumbent.

    ``deadline`` (``time.monotonic()``, set by :func:`_make_solver`): PuLP hands the model to HiGHS (a Python loop
    over every term) before HiGHS's own clock starts, so HiGHS's time limit is cut to what is left at the start of
    its search (an 8 s run on an order-400 FIR design had taken 10.4 s)."""

    interrupted = False
    deadline: float | None = None
    #: called with each improving incumbent (HiGHS's column values, the model's variables in order); True stops the
    #: search (``stopped``): a stopping criterion such as a reached target was met
    on_incumbent: Callable[[np.ndarray], bool] | None = None
    stopped = False

    def callSolver(self, lp):
        h = lp.solverModel
        if self.deadline is not None:
            h.setOptionValue("time_limit", max(MIN_SOLVE_S, self.deadline - time.monotonic()))
        failed: list[BaseException] = []
        if self.on_incumbent is not None:
            def improving(event):
                if self.stopped or failed:
                    return
                try:
                    if self.on_incumbent(np.asarray(event.data_out.mip_solution, dtype=float)):
                        self.stopped = True
                        h.cancelSolve()
                except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread below
                    failed.append(exc)
                    h.cancelSolve()

            h.cbMipImprovingSolution += improving
        try:
            if run_highs_interruptible(h):
                self.interrupted = True
        finally:
            if self.on_incumbent is not None:
                h.cbMipImprovingSolution -= improving
        if failed:
            raise failed[0]


def _cbc_class():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pulp.PULP_CBC_CMD


class _InterruptibleCBC(_cbc_class()):
    """PuLP's bundled CBC, started in its own session so that Ctrl-C reaches it exactly once, from us.

    On Ctrl-C the Python side forwards one SIGINT; CBC then stops as on a time
    limit and writes its incumbent to the solution file, which is read as
    usual. The log is kept to read CBC's bound and its own account of the stop.
    """

    interrupted = False
    overran = False  # stopped by us at its time limit (CBC reports it as a Ctrl-C)
    log_text = ""

    def solve_CBC(self, lp, use_mps=True):  # noqa: N802 - PuLP's name
        import os
        import signal
        import subprocess
        import tempfile

        t_enter = time.monotonic()  # writing the model counts against the time limit too
        if not self.executable(self.path):
            raise pulp.PulpSolverError(f"cannot execute the CBC binary {self.path}")
        tmp_mps, tmp_sol, tmp_mst = self.create_tmp_files(lp.name, "mps", "sol", "mst")
        vs, var_names, con_names, _ = lp.writeMPS(tmp_mps, rename=1)
        args = [self.path, tmp_mps]
        if self.optionsDict.get("warmStart", False):  # PuLP's warm start: the variables' initial values
            self.writesol(tmp_mst, lp, vs, var_names, con_names)
            args += ["-mips", tmp_mst]
        if lp.sense == pulp.LpMaximize:
            args.append("-max")
        sec = None
        if self.timeLimit is not None:  # what writing the model left of the limit
            sec = max(MIN_SOLVE_S, float(self.timeLimit) - (time.monotonic() - t_enter))
            args += ["-sec", str(sec)]
        for option in self.options + self.getOptions():
            args += option.split()
        args += ["-solve", "-printingOptions", "all", "-solution", tmp_sol]
        with tempfile.TemporaryFile("w+") as log:
            t_start = time.monotonic()
            proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            # CBC's own -sec is not checked everywhere (its root LP, cuts and heuristics on large models run past
            # it): CBC_SIGNAL_S past the limit it gets the Ctrl-C signal, on which it stops and writes its
            # incumbent; where it does not react within CBC_GRACE_S more (inside its root LP) it is stopped outright
            # (a Ctrl-C from the user is forwarded the same way, with the same grace, time limit or not)
            deadline = None if self.timeLimit is None else t_enter + float(self.timeLimit) + CBC_SIGNAL_S
            signalled = False
            try:
                while True:
                    try:
                        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
                        rc = proc.wait(wait)
                        break
                    except subprocess.TimeoutExpired:
                        if signalled:
                            proc.kill()
                            deadline = None
                        else:
                            self.overran = signalled = True
                            os.kill(proc.pid, signal.SIGINT)
                            deadline = time.monotonic() + CBC_GRACE_S
                    except KeyboardInterrupt:
                        if self.interrupted or signalled:  # a second signal: stop at once
                            self.interrupted = True
                            proc.kill()
                            deadline = None
                        else:
                            self.interrupted = signalled = True
                            os.kill(proc.pid, signal.SIGINT)
                            deadline = time.monotonic() + CBC_GRACE_S
            finally:
                if proc.poll() is None:  # an exception other than Ctrl-C: do not leave CBC running
                    proc.kill()
                    proc.wait()
            log.seek(0)
            self.log_text = log.read()
        self.elapsed = time.monotonic() - t_enter
        # CBC itself dies (SIGSEGV) when its elapsed-time limit runs out while it reads a MIP start (-mips with
        # timeMode elapsed and -sec 0.05 to 0.1 on an 11-task RCPSP model): a stop at the limit, not an error
        crashed = rc < 0 and not signalled and sec is not None and time.monotonic() - t_start >= sec
        if crashed:
            self.overran = True
        if (self.overran or self.interrupted) and (rc != 0 or not os.path.exists(tmp_sol)):
            # the signal came before CBC set up its handler (reading the model, presolve): no incumbent, no error
            self.delete_tmp_files(tmp_mps, tmp_sol, tmp_mst)
            self.first_line = f"CBC ended by signal {-rc} at its time limit, without a solution" if crashed else ""
            lp.assignStatus(pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)
            return pulp.LpStatusNotSolved
        if rc != 0 or not os.path.exists(tmp_sol):
            self.delete_tmp_files(tmp_mps, tmp_sol, tmp_mst)
            raise pulp.PulpSolverError(f"CBC failed (exit code {rc}): {' '.join(self.log_text.split()[-12:])}")
        status, values, reduced, shadow, slacks, sol_status = self.readsol_MPS(tmp_sol, lp, vs, var_names, con_names)
        with open(tmp_sol) as f:
            self.first_line = f.readline().strip()
        lp.assignVarsVals(values)
        lp.assignVarsDj(reduced)
        lp.assignConsPi(shadow)
        lp.assignConsSlack(slacks, activity=True)
        lp.assignStatus(status, sol_status)
        self.delete_tmp_files(tmp_mps, tmp_sol, tmp_mst)
        return status


#: a CBC run that took at least this share of its time limit does not prove infeasibility (see :func:`_read_cbc`)
AT_LIMIT_SHARE = 0.9
_CBC_BOUND = re.compile(r"^(?:Lower|Upper) bound:\s+(\S+)", re.MULTILINE)
_CBC_RESULT = re.compile(r"^Result - (.*)$", re.MULTILINE)


def _make_solver(backend: str, time_limit: float | None, threads: int | None, gap: float, seed: int | None = None):
    kw: dict = {"msg": False, "gapRel": float(gap)}
    if time_limit is not None and math.isfinite(time_limit):
        kw["timeLimit"] = max(MIN_SOLVE_S, float(time_limit))
    if backend == "cbc":
        if threads:
            kw["threads"] = threads
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return _InterruptibleCBC(**kw)
    if backend == "highs":
        _swallow_highs_banner()
        if not pulp.HiGHS().available():
            raise MissingDependencyError("HiGHS is not installed: pip install highspy (or use backend=cbc)")
        if threads:
            kw["threads"] = threads
        if seed is not None:
            kw["random_seed"] = highs_seed(seed)
        solver = _InterruptibleHiGHS(**kw)
        if "timeLimit" in kw:
            solver.deadline = time.monotonic() + kw["timeLimit"]
        return solver
    raise ParameterError(f"unknown MILP backend {backend!r}; expected cbc or highs")


def _objective_value(prob: pulp.LpProblem) -> float:
    """The solved model's objective; 0 for a model without one, its constant for a constant one (PuLP's value is
    ``None`` for an objective without terms, as in a QUBO file whose entries are all 0 but whose offset is not)."""
    if prob.objective is None:
        return 0.0
    v = pulp.value(prob.objective)
    return float(prob.objective.constant or 0.0) if v is None else float(v)


def run_pulp(prob: pulp.LpProblem, backend: str, time_limit: float | None, threads: int | None = None,
             gap: float = 0.0, seed: int | None = None, on_incumbent: Callable[[], bool] | None = None,
             objective_scale: float = 1.0) -> MilpRun:
    """Solve ``prob`` with CBC or HiGHS and read the back end's own status, bound and incumbent.

    Ctrl-C stops the back end, which keeps its incumbent (``interrupted`` is then
    true). ``gap`` is the relative gap at which the back end may stop (0: only a
    proof of optimality stops it before the time limit); a stop inside a
    positive gap is not reported as ``proven``. The bound is in the sense and
    units of ``prob``'s objective (its constant included). ``seed`` is HiGHS's
    ``random_seed`` (HiGHS's own default, 0, when None; CBC ignores it). ``on_incumbent`` (HiGHS only): called
    with the model's variables set to each improving incumbent as HiGHS finds it; when it returns True the search
    stops there (status ``stopped``: a stopping criterion of the caller's, not a proof). CBC reports its incumbent
    only at the end. ``objective_scale`` (the problem's :meth:`~combopt.core.problem.Problem.objective_scale`): an
    objective whose coefficients are smaller than 1 is handed over divided by it, since both back ends stop at an
    absolute gap of about 1e-6 (profits of 1e-9 were "optimal" at 0); the bound is scaled back. A model that knows
    its objective's unit (``prob.objective_unit``, :class:`~combopt.models.milp.WarmStartModel`) is handed over
    divided by that instead, above 1 too.
    """
    solver = _make_solver(backend, time_limit, threads, gap, seed)
    factor = 1.0 / objective_scale if 0.0 < objective_scale < 1.0 and prob.objective is not None else 1.0
    unit = getattr(prob, "objective_unit", None)  # a model's own unit, either way: DMMV peaks of 1e16 ended in a
    if unit is not None and 0.0 < unit and prob.objective is not None:  # false "infeasible" from CBC
        factor = 1.0 / unit
    factor = factor if math.isfinite(factor) else 1.0  # a subnormal scale
    if factor != 1.0:
        prob.setObjective(prob.objective * factor)
    if on_incumbent is not None and isinstance(solver, _InterruptibleHiGHS):
        columns = prob.variables()  # HiGHS's columns, in order (PuLP's HiGHS interface builds them so)

        def hand_over(col: np.ndarray) -> bool:
            for v, value in zip(columns, col.tolist(), strict=True):
                v.varValue = value
            return bool(on_incumbent())

        solver.on_incumbent = hand_over
    prob.solve(solver)
    const = float(prob.objective.constant or 0.0) if prob.objective is not None else 0.0
    maximise = prob.sense == pulp.LpMaximize
    run = _read_highs(prob, solver, const, maximise) if backend == "highs" else _read_cbc(prob, solver)
    if factor != 1.0:
        prob.setObjective(prob.objective * (1.0 / factor))
        if run.bound is not None:
            run.bound /= factor
    return run


def _read_highs(prob, solver, const: float, maximise: bool) -> MilpRun:
    import highspy

    h = prob.solverModel
    ms = h.getModelStatus()
    info = h.getInfo()
    S = highspy.HighsModelStatus
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    bound = None
    raw = float(info.mip_dual_bound)
    if math.isfinite(raw) and abs(raw) < 1e300:
        # PuLP hands HiGHS the objective without its constant, negated for a maximisation
        bound = (-raw if maximise else raw) + const
    detail = h.modelStatusToString(ms)
    if ms == S.kOptimal and has_solution and not any(v.cat == pulp.LpInteger for v in prob.variables()):
        # no integer column left (every domain a single value): HiGHS solved an LP and its MIP dual bound reads 0
        bound = _objective_value(prob)
    if ms == S.kOptimal:
        gap = float(info.mip_gap)
        proven = has_solution and (not math.isfinite(gap) or gap <= 1e-9 or
                                   (bound is not None and abs(bound - _objective_value(prob)) <= 1e-6))
        return MilpRun("optimal" if proven else "gap_limit", proven=proven, bound=bound, has_solution=has_solution,
                       interrupted=solver.interrupted, detail=detail)
    if ms == S.kInfeasible:
        return MilpRun("infeasible", infeasible=True, detail=detail)
    if ms == S.kUnbounded:
        return MilpRun("unbounded", unbounded=True, has_solution=has_solution, detail=detail)
    if ms == S.kUnboundedOrInfeasible:
        return MilpRun("unbounded_or_infeasible", detail=detail)
    if solver.interrupted:
        status = "interrupted"
    elif ms == S.kInterrupt and solver.stopped:
        status = "stopped"
    elif ms == S.kInterrupt:
        status = "interrupted"
    elif ms == S.kTimeLimit:
        status = "time_limit"
    else:
        status = "not_solved"
    return MilpRun(status, bound=bound, has_solution=has_solution, interrupted=solver.interrupted, detail=detail)


def _read_cbc(prob, solver) -> MilpRun:
    log = solver.log_text
    m = _CBC_RESULT.search(log)
    detail = m.group(1).strip() if m else getattr(solver, "first_line", "")
    first = getattr(solver, "first_line", "")
    has_solution = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    bound = None
    mb = _CBC_BOUND.search(log)
    if mb:
        try:
            bound = float(mb.group(1))  # CBC prints it in the model's own sense, constant included
        except ValueError:
            bound = None
        if bound is not None and (not math.isfinite(bound) or abs(bound) > 1e300):
            bound = None
    if first.startswith("Optimal") and "gap" in detail.lower():
        # "Optimal solution found (within gap tolerance)": a stop inside a positive gapRel, not a proof; CBC prints
        # the bound it stopped at ("Upper bound: 19.500" against "Objective value: 17")
        proven = has_solution and bound is not None and abs(bound - _objective_value(prob)) <= 1e-6 * max(
            1.0, abs(bound))
        return MilpRun("optimal" if proven else "gap_limit", proven=proven, bound=bound, has_solution=has_solution,
                       interrupted=solver.interrupted, detail=detail)
    if first.startswith("Optimal"):
        return MilpRun("optimal", proven=has_solution, bound=_objective_value(prob) if has_solution
                       else None, has_solution=has_solution, interrupted=solver.interrupted, detail=detail)
    stopped = bool(solver.interrupted or getattr(solver, "overran", False))
    # a run that reached its time limit proves nothing either: after our Ctrl-C signal CBC may write "Integer
    # infeasible" for a search it did not finish, and a 1 s run of an RCPSP model that has a feasible warm start ended
    # on "infeasible" once (CI, a loaded machine) without our signal: CBC stopped on its own -sec inside its search
    limit = getattr(solver, "timeLimit", None)
    by_clock = limit is not None and getattr(solver, "elapsed", 0.0) >= AT_LIMIT_SHARE * float(limit)
    at_limit = by_clock or "time" in detail.lower() or "stopped" in detail.lower()
    if first.startswith(("Infeasible", "Integer infeasible")) and not stopped and not at_limit:
        return MilpRun("infeasible", infeasible=True, detail=detail)
    if first.startswith("Unbounded"):
        return MilpRun("unbounded", unbounded=True, detail=detail)
    if solver.interrupted:
        status = "interrupted"
    elif getattr(solver, "overran", False) or by_clock or "time" in first.lower() or "time" in detail.lower():
        status = "time_limit"
    elif "ctrl-c" in detail.lower():
        status = "interrupted"
    else:
        status = "not_solved"
    return MilpRun(status, bound=bound, has_solution=has_solution, interrupted=solver.interrupted, detail=detail)


def solve_pulp(prob: pulp.LpProblem, backend: str, time_limit: float | None, threads: int | None = None,
               seed: int | None = None):
    """Solve and return ``(proven_optimal, infeasible, bound, has_solution)`` (see :func:`run_pulp`).

    ``bound`` is in the model's own sense and units (objective of ``prob``).
    """
    r = run_pulp(prob, backend, time_limit, threads, seed=seed)
    return r.proven, r.infeasible, r.bound, r.has_solution


@register_solver(
    "milp",
    problems=("+milp",),
    exact=True,
    description="exact MILP through PuLP (backend=cbc default, backend=highs when installed)",
    params=("backend", "warm_start", "max_terms", "threads", "gap"),
)
def milp(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Parameters: ``backend`` (``cbc``, default, or ``highs``), ``threads``, ``gap`` (relative gap at
    which the back end may stop early, default 0: only a proof stops it; a stop inside a positive gap
    is reported as feasible with the back end's bound), ``max_terms`` (default ``MAX_MILP_TERMS``): larger
    models (the problem's :meth:`milp_terms` estimate) are refused before PuLP spends minutes building them,
    ``warm_start`` (default true: where the problem's model carries a start, a
    :class:`~combopt.models.milp.WarmStartModel` such as RCPSP's priority-rule schedule or DMMV's cheap rounding, the
    back end gets it; false: the back end starts from nothing)."""
    backend = str(params.pop("backend", "cbc")).lower()
    warm_start = flag(params, "warm_start", True)
    max_terms = positive_int(params, "max_terms", MAX_MILP_TERMS)
    threads = positive_int(params, "threads", 0, hi=1024, lo=0) or None  # 0 / absent: the backend's default
    gap = params.pop("gap", 0.0)
    reject_unknown(params, "milp")
    try:
        gap = float(gap)
    except (TypeError, ValueError):
        raise ParameterError(f"gap must be a number in [0, 1), got {gap!r}") from None
    if not 0.0 <= gap < 1.0:
        raise ParameterError(f"gap must be a number in [0, 1), got {gap!r}")
    terms = problem.milp_terms()
    if terms is not None and terms > max_terms:
        raise UnsuitedInstance(
            f"the MILP of this {problem.kind} instance would have about {terms:,} nonzero terms; PuLP builds about "
            f"{PULP_TERMS_PER_S:,} a second at best, so the model alone would take {terms / PULP_TERMS_PER_S:,.0f} s "
            f"or more (limit {max_terms:,}: raise it with max_terms=N, or use a heuristic solver)")
    rate = getattr(problem, "milp_terms_per_s", None) or PULP_TERMS_PER_S
    if terms is not None and terms / rate > ctx.time_left:  # the build alone would overrun the limit
        ctx.state.next_iteration()
        info = {"backend": backend, "milp_status": "time_limit", "milp_terms": int(terms), "milp_back_end_ran": False,
                "milp_detail": f"building the model (about {terms:,} terms) would take longer than the time limit; "
                               "the answer is the problem's quick construction, where it has one"}
        info.update(report_construction(problem, ctx))
        return SolverOutput(info=info)
    prob, decode = problem.to_pulp()
    if not warm_start and getattr(prob, "warm", None):
        prob.warm = None
    limit = ctx.time_left
    info = {"backend": backend, "milp_variables": len(prob.variables()), "milp_constraints": prob.numConstraints()}
    if limit < MIN_SOLVE_S:  # building the model used the time: the back end would only run past the limit
        ctx.state.next_iteration()
        info.update({"milp_status": "time_limit", "milp_back_end_ran": False,
                     "milp_detail": "the time limit passed while the model was built; the answer is the problem's "
                                    "quick construction, where it has one"})
        info.update(report_construction(problem, ctx))
        return SolverOutput(info=info)
    def hand_over() -> bool:
        """An improving incumbent of HiGHS's, as it is found: into the run's trace; True ends the search (a reached
        target, a bound the incumbent meets), not the clock: HiGHS's own time limit ends it then, and the run reads
        ``time_limit``, not ``stopped`` (an incumbent found as the time ran out had reported "stopped")."""
        x = decode()
        ev = problem.evaluate(x)
        if ev.feasible:
            ctx.state.report(ev.objective, x)
        return ctx.state.should_stop(sized=True) and ctx.state.time_left > 0

    run = run_pulp(prob, backend, None if not math.isfinite(limit) else limit, int(threads) if threads else None,
                   gap=gap, on_incumbent=hand_over, objective_scale=objective_scale(problem))
    ctx.state.next_iteration()
    sol = None
    feasible = False
    if run.has_solution:
        sol = decode()
        ev = problem.evaluate(sol)
        feasible = bool(ev.feasible)
        if feasible:
            ctx.state.report(ev.objective, sol)
    bound = run.bound
    if bound is not None and prob.sense == pulp.LpMinimize and problem.sense == "max":
        bound = -bound  # a maximisation modelled as a minimisation of the negated objective
    elif bound is not None and prob.sense == pulp.LpMaximize and problem.sense == "min":
        bound = -bound
    info.update({"milp_status": run.status, "milp_detail": run.detail, "milp_back_end_ran": True})
    if run.interrupted:
        info["interrupted"] = True
    infeasible = run.infeasible
    if not feasible:
        # no feasible answer from the back end: the problem's own construction answers (CI saw CBC stop a 1 s run of
        # an RCPSP model at its limit with no solution, its warm start unread), and refutes a claim of infeasibility
        info.update(report_construction(problem, ctx, iteration=False))
        x = ctx.state.best_solution
        if infeasible and x is not None and problem.evaluate(x).feasible:
            infeasible = False
            info["warnings"] = [f"the {backend} back end reported the model infeasible, but the problem's own "
                                "construction is feasible: the claim was dropped and the construction is the answer"]
    proven = run.proven and feasible
    if proven and _beyond_whole_proofs(problem, ctx.state.best):
        # the back ends prove optimality in floating point: past WHOLE_PROOF_LIMIT their tolerances exceed a unit,
        # and CBC called a knapsack of profits near 1e13 optimal one unit below its optimum
        proven = False
        slack = WHOLE_PROOF_RTOL * abs(ctx.state.best)
        edge = ctx.state.best + slack if problem.sense == "max" else ctx.state.best - slack
        bound = edge if bound is None else (max(bound, edge) if problem.sense == "max" else min(bound, edge))
        info["warnings"] = [*info.get("warnings", []), f"the {backend} back end's proof of optimality is not taken "
                            f"for a whole-number objective beyond {WHOLE_PROOF_LIMIT:g} (its floating-point "
                            f"tolerances exceed a unit there): the bound is its objective widened by a relative "
                            f"{WHOLE_PROOF_RTOL:g}"]
    return SolverOutput(solution=sol, bound=bound, proven_optimal=proven,
                        infeasible=infeasible, unbounded=run.unbounded, info=info)


def _beyond_whole_proofs(problem, objective: float | None) -> bool:
    """True for a whole-number objective too large for a floating-point proof to tell its units apart."""
    try:
        whole = bool(problem.integral_objective())
    except (AttributeError, CombOptError):
        whole = False
    return whole and objective is not None and abs(objective) > WHOLE_PROOF_LIMIT
