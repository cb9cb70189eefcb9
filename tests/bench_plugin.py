"""Test-only solvers for tests/test_bench_suite.py: runs that raise, hang, exhaust memory or die.

Suites load this module in every worker process through ``imports = ["bench_plugin"]`` and
``python_path = [<this folder>]`` (a forkserver child, a ``python -m`` child and a Dask worker
all import it by name, so it has to be a real module on a path, not a function in a test).
"""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from combopt.core.context import SolveContext, SolverOutput
from combopt.core.registry import register_solver


@register_solver("test-raise", problems=("clique",), description="test: raises")
def _raise(problem, ctx: SolveContext, **params) -> SolverOutput:
    raise RuntimeError("boom from test-raise")


@register_solver("test-hang", problems=("clique",), description="test: ignores every limit")
def _hang(problem, ctx: SolveContext, **params) -> SolverOutput:
    time.sleep(3600)
    return SolverOutput()


@register_solver("test-oom", problems=("clique",), description="test: allocates 64 GiB")
def _oom(problem, ctx: SolveContext, **params) -> SolverOutput:
    x = np.ones(8 * 1024**3)  # 64 GiB: over any sane memory_mb
    return SolverOutput(info={"size": int(x.size)})


@register_solver("test-die", problems=("clique",), description="test: its process is killed")
def _die(problem, ctx: SolveContext, **params) -> SolverOutput:
    os.kill(os.getpid(), signal.SIGKILL)
    return SolverOutput()


@register_solver("test-sleep", problems=("clique",), description="test: logs its run, sleeps, returns one vertex")
def _sleep(problem, ctx: SolveContext, **params) -> SolverOutput:
    log = params.pop("log", None)
    seconds = float(params.pop("seconds", 0.0))
    if log:
        with open(log, "a") as f:
            f.write(f"{problem.name} {ctx.seed}\n")
    time.sleep(seconds)
    ctx.state.report(1.0, np.array([0]))
    return SolverOutput(solution=np.array([0]))


@register_solver("test-overclaim", problems=("clique",), description="test: one vertex, with its size as the bound")
def _overclaim(problem, ctx: SolveContext, **params) -> SolverOutput:
    ctx.state.report(1.0, np.array([0]))
    return SolverOutput(solution=np.array([0]), bound=1.0)  # "proven": a wrong bound makes a false optimal claim


@register_solver("test-cold", problems=("clique",), description="test: answers as a run on a cold Numba cache would")
def _cold(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Logs the cold-start gate's switch (``COMBOPT_COLD_START``) and, with the gate on, says it answered with the
    quick construction while compiling, as ``combopt.core.warm`` does."""
    gate = os.environ.get("COMBOPT_COLD_START", "1")
    with open(params.pop("log"), "a") as f:
        f.write(gate + "\n")
    ctx.state.report(1.0, np.array([0]))
    info = {} if gate == "0" else {"cold_start": {"kernel": "test", "compiling": "in the background"}}
    return SolverOutput(solution=np.array([0]), info=info)


@register_solver("test-linger", problems=("clique",), description="test: writes its process id, then sleeps")
def _linger(problem, ctx: SolveContext, **params) -> SolverOutput:
    with open(params.pop("log"), "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(float(params.pop("seconds", 60.0)))
    return SolverOutput()
