"""Helpers shared by the benchmark scripts (not part of the combopt package).

Run the scripts from the repository root, e.g. ``.venv/bin/python benchmarks/anneal_throughput.py``;
Python puts ``benchmarks/`` on ``sys.path`` so ``import bench_utils`` works.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def require_dwave():
    """Import dimod and dwave-samplers, or exit with an install hint."""
    try:
        import dimod
        from dwave.samplers import SimulatedAnnealingSampler
    except ImportError:  # pragma: no cover - depends on the environment
        sys.exit("this benchmark needs the 'bench' extra: pip install dwave-samplers dimod")
    return dimod, SimulatedAnnealingSampler


def qubo_to_bqm(model):
    """The combopt QUBO as a BINARY ``dimod.BinaryQuadraticModel`` with the same coefficients.

    combopt stores ``E = offset + h.x + x.W.x / 2`` with ``W`` symmetric and zero-diagonal,
    so each pair ``i < j`` has coefficient ``W_ij``: the upper triangle of ``W``.
    Variables are the integers ``0..n-1`` in order.
    """
    dimod, _ = require_dwave()
    U = sp.triu(model.W, 1).tocoo()
    return dimod.BinaryQuadraticModel.from_numpy_vectors(
        np.asarray(model.h, dtype=np.float64),
        (U.row.astype(np.int64), U.col.astype(np.int64), U.data.astype(np.float64)),
        float(model.offset),
        dimod.BINARY,
    )


def sampleset_matrix(sampleset, n: int) -> np.ndarray:
    """Samples of a dimod SampleSet as an ``(reads, n)`` int8 array in variable order ``0..n-1``."""
    order = np.asarray(list(sampleset.variables), dtype=np.int64)
    X = np.zeros((len(sampleset.record), n), dtype=np.int8)
    X[:, order] = sampleset.record.sample
    return X


def check_energies(model, bqm, rng: np.random.Generator, samples: int = 8) -> float:
    """Largest |dimod energy - combopt energy| over random binary samples (raises if they disagree)."""
    X = rng.integers(0, 2, size=(samples, model.n), dtype=np.int8)
    ours = model.energies(X)
    theirs = np.asarray(bqm.energies((X, list(range(model.n)))), dtype=np.float64)
    one = model.energy(X[0])
    single = float(bqm.energy((X[0], list(range(model.n)))))
    diff = float(max(np.max(np.abs(ours - theirs)), abs(one - single)))
    tol = 1e-9 * max(1.0, float(np.max(np.abs(ours))))
    if diff > tol:
        raise AssertionError(f"combopt and dimod energies disagree by {diff:g} (tolerance {tol:g})")
    return diff


def machine_info() -> dict[str, Any]:
    import numba

    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_name(),
        "logical_cpus": os.cpu_count(),
        "numba": numba.__version__,
        "numba_threads_max": int(numba.config.NUMBA_NUM_THREADS),
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "loadavg_at_end": _loadavg(),
    }
    try:
        from importlib.metadata import version

        info["dwave_samplers"] = version("dwave-samplers")
        info["dimod"] = version("dimod")
        info["combopt"] = version("combopt")
    except Exception:  # pragma: no cover
        pass
    return info


def _loadavg() -> list[float] | None:
    """1/5/15-minute load averages when the run ended (a hint of other processes competing for the CPUs)."""
    try:
        return [float(v) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        return None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or "unknown"


def milp_columns(problem, backends, time_limit: float, row: dict[str, Any], advance=None, **params) -> None:
    """Solve ``problem`` with combopt's ``milp`` solver (``params``: its parameters) on each back end at
    ``time_limit`` and record ``milp_<be>``, ``milp_<be>_status``, ``milp_<be>_bound``, ``milp_<be>_s`` and
    ``milp_<be>_built`` (whether the model was built and handed to the back end in time) in ``row``."""
    import combopt

    for be in backends:
        m = combopt.solve(problem, "milp", time_limit=time_limit, backend=be, **params)
        if advance is not None:
            advance()
        row[f"milp_{be}"] = m.objective
        row[f"milp_{be}_status"] = m.status.value
        row[f"milp_{be}_bound"] = m.bound
        row[f"milp_{be}_s"] = m.runtime
        row[f"milp_{be}_built"] = bool(m.info.get("milp_back_end_ran"))


def markdown_table(headers: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def print_rich_table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title)
    for i, h in enumerate(headers):
        t.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        t.add_row(*[str(c) for c in r])
    console = Console()
    if not console.is_terminal:  # piped / logged: do not squeeze the table into 80 columns
        console = Console(width=220)
    console.print(t)


def write_results(stem: str, payload: dict[str, Any], markdown: str, out_dir: Path | None = None) -> tuple[Path, Path]:
    out = Path(out_dir) if out_dir is not None else RESULTS_DIR
    out.mkdir(parents=True, exist_ok=True)
    pj = out / f"{stem}.json"
    pm = out / f"{stem}.md"
    pj.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n")
    pm.write_text(markdown)
    return pj, pm


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")
