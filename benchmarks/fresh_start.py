"""The README's first command on a fresh machine: ``make demo`` in a fresh clone, timed by phase.

Clones this repository (its committed ``HEAD``) into a temporary folder and runs the three steps
``make demo`` chains, each timed: the install (``python -m venv`` + ``pip install -e .[dev]``), the
warm-up (``combopt warmup``: every Numba kernel compiled into the cache), and the quick suite
(``combopt bench benchmarks/suites/quick.toml --jobs 2 --warmup``). ``XDG_CACHE_HOME`` points to an
empty folder, so pip downloads every wheel again and Numba starts with an empty cache: what a
newcomer's machine sees (the network is this machine's). Reports the phase times, the exit codes and
the suite's runs (how many, how many at the reference value).

Writes ``benchmarks/results/fresh_start.{json,md}``. Usage::

    .venv/bin/python benchmarks/fresh_start.py            # ~10-15 min, mostly downloads and compilation
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_utils import machine_info, markdown_table, write_results

REPO = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], cwd: Path, env: dict) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, p.returncode, (p.stdout + p.stderr)[-2000:]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="combopt-fresh-") as tmp:
        tmp = Path(tmp)
        clone = tmp / "combopt"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True,
                              text=True, check=True).stdout.strip()
        env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "VIRTUAL_ENV", "PYTHONPATH")}
        env["XDG_CACHE_HOME"] = str(tmp / "cache")  # empty pip and Numba caches
        steps = [("install (venv + pip install -e .[dev])", ["make", ".venv/.combopt-installed"]),
                 ("warm-up (compile every kernel)", ["make", "warmup"]),
                 ("quick suite (make demo's runs)", ["make", "demo"])]
        rows, raw = [], []
        total = 0.0
        for name, cmd in steps:
            sec, rc, tail = timed(cmd, clone, env)
            total += sec
            raw.append({"step": name, "command": " ".join(cmd), "seconds": sec, "exit_code": rc, "output_tail": tail})
            rows.append([name, f"{sec:.0f} s", rc])
            print(f"{name}: {sec:.0f} s, exit code {rc}", flush=True)
            if rc != 0:
                print(tail)
                break
        runs = []
        out = clone / "build" / "quick.jsonl"
        if out.is_file():
            runs = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    ok = [r for r in runs if r.get("feasible")]
    with_ref = [r for r in runs if r.get("optimum") is not None or r.get("best_known") is not None]
    at_ref = [r for r in with_ref if r.get("at_optimum") or r.get("at_best")]
    rows.append(["total", f"{total:.0f} s ({total / 60:.1f} min)", max(r["exit_code"] for r in raw)])
    mi = machine_info()
    load = os.getloadavg()[0]
    md = (f"Machine: {mi['cpu']}, {mi['logical_cpus']} CPUs, shared with other sessions (load average {load:.1f} at "
          f"the end). Fresh clone of {head}, empty pip and Numba caches (`XDG_CACHE_HOME`); `make demo`'s three "
          f"steps timed one by one.\n\n" + markdown_table(["step", "wall time", "exit code"], rows)
          + f"\nQuick suite: {len(runs)} runs, {len(ok)} feasible, {len(with_ref)} on instances with a known "
             f"optimum or best known value, {len(at_ref)} of those at it.\n")
    pj, pm = write_results("fresh_start", {"machine": mi, "commit": head, "load_end": load, "steps": raw,
                                           "runs": len(runs), "feasible_runs": len(ok),
                                           "runs_with_reference": len(with_ref), "at_reference_runs": len(at_ref),
                                           "total_s": total}, md)
    print(md)
    print(f"wrote {pj} and {pm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
