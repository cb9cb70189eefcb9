"""Mutation testing of the modules that decide correctness (``make mutation``; not part of CI).

Each target in ``tools/mutation_targets.toml`` names a module, the functions in it to mutate and a
focused test selection. For every target this script

1. copies the working tree (``combopt/``, ``tests/``, ``pyproject.toml``) to ``build/mutation/tree``
   once per run, so the mutants never touch the working tree and other work can go on;
2. starts a cosmic-ray session (``cosmic-ray init``), keeps only the mutations inside the named
   functions and by the operators matched by ``operators`` (see ``docs/contributing.md``);
3. checks that the focused tests pass on the unmutated code (the baseline), then runs every mutant
   (``cosmic-ray exec``): one subprocess per mutant running the focused tests;
4. writes ``benchmarks/results/mutation-report.md`` (+ ``.json``): per target the mutants run, killed,
   survived, the kill rate, and every survivor as a diff, with the reason when it is listed as
   equivalent in ``tools/mutation_equivalent.toml``.

Numba: mutants inside ``@njit`` functions only take effect when the code is recompiled; targets with
``disable_jit = true`` run their tests with ``NUMBA_DISABLE_JIT=1`` so the kernels run as plain Python
(slower, but every mutant is live). See docs/contributing.md.

Usage::

    python tools/mutation.py                    # every target (a long job: hours on 2 cores)
    python tools/mutation.py --only mdkp-evaluate relative-gap --max-mutants 40
    python tools/mutation.py --report-only      # rebuild the report from the finished sessions
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "mutation"
TREE = BUILD / "tree"
TARGETS = ROOT / "tools" / "mutation_targets.toml"
EQUIVALENT = ROOT / "tools" / "mutation_equivalent.toml"
REPORT = ROOT / "benchmarks" / "results" / "mutation-report.md"


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every type annotation: mutating one changes nothing at run time
    (``from __future__ import annotations``), so those mutants are not generated."""
    spans = []
    for node in ast.walk(ast.parse(path.read_text())):
        anns = []
        if isinstance(node, ast.arg) and node.annotation is not None:
            anns.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            anns.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            anns.append(node.annotation)
        spans += [((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in anns]
    return spans


def function_ranges(path: Path, names: list[str]) -> list[tuple[int, int, str]]:
    """(first line, last line, qualified name) of each named function or class (``Class.method``)."""
    tree = ast.parse(path.read_text())
    found: dict[str, tuple[int, int]] = {}

    def walk(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                q = f"{prefix}{child.name}"
                found[q] = (child.lineno, child.end_lineno)
                walk(child, q + ".")

    walk(tree)
    missing = [n for n in names if n not in found]
    if missing:
        raise SystemExit(f"{path}: no function {', '.join(missing)}")
    return [(*found[n], n) for n in names]


def copy_tree() -> None:
    if TREE.exists():
        shutil.rmtree(TREE)
    TREE.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for part in ("combopt", "tests"):
        shutil.copytree(ROOT / part, TREE / part, ignore=ignore)
    for f in ("pyproject.toml",):
        shutil.copy2(ROOT / f, TREE / f)


def write_config(target: dict, cfg_path: Path, env: str) -> None:
    tests = target["tests"]
    cmd = f"env {env} {sys.executable} -m pytest -x -q -p no:cacheprovider --no-header -o addopts= {tests}"
    text = (
        "[cosmic-ray]\n"
        f"module-path = \"{target['module']}\"\n"
        f"timeout = {float(target.get('timeout', 120))}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(cmd)}\n"
        "[cosmic-ray.distributor]\nname = \"local\"\n"
    )
    cfg_path.write_text(text)


def filter_session(db_path: Path, target: dict, keep_ops: list[str], max_mutants: int | None, seed: int,
                   only: set | None = None) -> int:
    """Skip mutations outside the target's functions or by operators not kept, and (optionally) sample.

    ``only``: keep just these ``(operator, occurrence)`` keys (a re-run of earlier survivors)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    ranges = function_ranges(TREE / target["module"], target["functions"])
    annotations = annotation_spans(TREE / target["module"])
    pattern = re.compile("|".join(f"(?:{e})" for e in keep_ops))
    keep, skip = [], []
    with use_db(str(db_path), WorkDB.Mode.open) as db:
        for item in db.pending_work_items:
            mut = item.mutations[0]
            line = mut.start_pos[0]
            pos = tuple(mut.start_pos)
            inside = any(a <= line <= b for a, b, _ in ranges) and not any(lo <= pos < hi for lo, hi in annotations)
            if only is not None:
                inside = (mut.operator_name, mut.occurrence) in only
            if not inside or not pattern.fullmatch(mut.operator_name):
                skip.append(item.job_id)
            else:
                keep.append(item.job_id)
        if max_mutants is not None and len(keep) > max_mutants:
            rnd = random.Random(seed)
            sample = set(rnd.sample(keep, max_mutants))
            skip += [j for j in keep if j not in sample]
            keep = sorted(sample)
        if skip:
            db.set_multiple_results(skip, WorkResult(output="filtered", worker_outcome=WorkerOutcome.SKIPPED))
    return len(keep)


def survivor_keys(session: Path) -> set:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome

    keys = set()
    with use_db(str(session), WorkDB.Mode.open) as db:
        results = dict(db.results)
        for item in db.work_items:
            res = results.get(item.job_id)
            if res is not None and res.test_outcome == TestOutcome.SURVIVED:
                keys.add((item.mutations[0].operator_name, item.mutations[0].occurrence))
    return keys


def run_target(name: str, target: dict, keep_ops: list[str], max_mutants: int | None, seed: int,
               dry_run: bool = False, rerun: bool = False) -> None:
    only = None
    if rerun:
        main_session = BUILD / f"{name}.sqlite"
        if not main_session.exists():
            return
        only = survivor_keys(main_session)
        if not only:
            return
        name, max_mutants = f"{name}.rerun", None
    session = BUILD / f"{name}.sqlite"
    cfg = BUILD / f"{name}.toml"
    env = "NUMBA_DISABLE_JIT=1" if target.get("disable_jit") else "NUMBA_DISABLE_JIT=0"
    write_config(target, cfg, env)
    if session.exists():
        session.unlink()
    cr = [str(Path(sys.executable).parent / "cosmic-ray")]
    subprocess.run([*cr, "init", str(cfg), str(session)], cwd=TREE, check=True)
    n = filter_session(session, target, keep_ops, max_mutants, seed, only)
    print(f"[{name}] {n} mutants in {', '.join(target['functions'])}", flush=True)
    if dry_run:
        return
    t0 = time.time()
    base = subprocess.run(f"{env} {sys.executable} -m pytest -x -q -p no:cacheprovider --no-header -o addopts= "
                          f"{target['tests']}", shell=True, cwd=TREE, capture_output=True, text=True)
    if base.returncode != 0:
        raise SystemExit(f"[{name}] baseline fails: the focused tests must pass on unmutated code\n"
                         + base.stdout[-3000:])
    print(f"[{name}] baseline passes in {time.time() - t0:.1f} s", flush=True)
    t0 = time.time()
    subprocess.run([*cr, "exec", str(cfg), str(session)], cwd=TREE, check=True)
    (BUILD / f"{name}.seconds").write_text(f"{time.time() - t0:.1f}\n")


def equivalents() -> list[dict]:
    if not EQUIVALENT.exists():
        return []
    return tomllib.loads(EQUIVALENT.read_text()).get("equivalent", [])


def _mutated_line(diff: str) -> str:
    plus = [ln[1:].strip() for ln in (diff or "").splitlines() if ln.startswith("+") and not ln.startswith("+++")]
    return plus[0] if plus else ""


def _original_line(diff: str) -> str:
    minus = [ln[1:].strip() for ln in (diff or "").splitlines() if ln.startswith("-") and not ln.startswith("---")]
    return minus[0] if minus else ""


def collect(targets: dict[str, dict]) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import TestOutcome, WorkerOutcome

    eq = equivalents()
    killed_later: dict[str, set] = {}
    for name in targets:
        rerun = BUILD / f"{name}.rerun.sqlite"
        if rerun.exists():
            with use_db(str(rerun), WorkDB.Mode.open) as db:
                results = dict(db.results)
                killed_later[name] = {(i.mutations[0].operator_name, i.mutations[0].occurrence)
                                      for i in db.work_items if results.get(i.job_id) is not None
                                      and results[i.job_id].test_outcome == TestOutcome.KILLED}
    out = {}
    for name, target in targets.items():
        session = BUILD / f"{name}.sqlite"
        if not session.exists():
            continue
        rows = {"killed": 0, "survived": [], "incompetent": 0, "pending": 0, "equivalent": [], "killed_later": []}
        with use_db(str(session), WorkDB.Mode.open) as db:
            results = dict(db.results)
            for item in db.work_items:
                res = results.get(item.job_id)
                if res is None:
                    rows["pending"] += 1
                    continue
                if res.worker_outcome == WorkerOutcome.SKIPPED:
                    continue
                mut = item.mutations[0]
                if res.test_outcome == TestOutcome.SURVIVED:
                    entry = {"line": mut.start_pos[0], "operator": mut.operator_name, "diff": res.diff or "",
                             "original": _original_line(res.diff), "mutant": _mutated_line(res.diff)}
                    reason = next((e["reason"] for e in eq if e["module"] == target["module"]
                                   and e["original"] == entry["original"] and e["mutant"] == entry["mutant"]
                                   and e.get("line", entry["line"]) == entry["line"]), None)
                    if (mut.operator_name, mut.occurrence) in killed_later.get(name, set()):
                        rows["killed"] += 1
                        rows["killed_later"].append(entry)
                    elif reason:
                        entry["reason"] = reason
                        rows["equivalent"].append(entry)
                    else:
                        rows["survived"].append(entry)
                elif res.test_outcome == TestOutcome.INCOMPETENT:
                    rows["incompetent"] += 1
                else:
                    rows["killed"] += 1
        secs = BUILD / f"{name}.seconds"
        rows["seconds"] = float(secs.read_text()) if secs.exists() else None
        out[name] = rows
    return out


def write_report(targets: dict[str, dict], data: dict, note: str) -> None:
    lines = ["# Mutation report", "",
             "Written by `make mutation` (`tools/mutation.py`, cosmic-ray). How to read it: docs/contributing.md.",
             "", note, "",
             "Kill rate = killed / (run - equivalent - incompetent). A mutant that makes the module fail to import "
             "or a test error out counts as killed; incompetent = the test command could not be started (a set-up "
             "problem, reported, never counted as killed).", "",
             "| target | module | mutants run | killed | of which by tests added after the first run | incompetent | "
             "equivalent | survived | kill rate | kill rate of the first run | minutes |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    tot = {"run": 0, "killed": 0, "eq": 0, "surv": 0, "later": 0}
    for name, rows in data.items():
        run = rows["killed"] + rows["incompetent"] + len(rows["survived"]) + len(rows["equivalent"])
        dead = rows["killed"]
        denom = run - len(rows["equivalent"]) - rows["incompetent"]
        rate = f"{100 * dead / denom:.1f} %" if denom else "-"
        mins = "-" if rows["seconds"] is None else f"{rows['seconds'] / 60:.1f}"
        later = len(rows["killed_later"])
        rate1 = f"{100 * (dead - later) / denom:.1f} %" if denom else "-"
        pend = f" ({rows['pending']} not run)" if rows["pending"] else ""
        lines.append(f"| {name} | `{targets[name]['module']}` | {run}{pend} | {rows['killed']} | {later} | "
                     f"{rows['incompetent']} | {len(rows['equivalent'])} | {len(rows['survived'])} | {rate} | {rate1} "
                     f"| {mins} |")
        tot["later"] += later
        tot["run"] += run
        tot["killed"] += dead
        tot["eq"] += len(rows["equivalent"]) + rows["incompetent"]
        tot["surv"] += len(rows["survived"])
    denom = tot["run"] - tot["eq"]
    if denom:
        first = 100 * (tot["killed"] - tot["later"]) / denom
        lines.append(f"| **all** | | {tot['run']} | {tot['killed']} | {tot['later']} | | {tot['eq']} | {tot['surv']} | "
                     f"**{100 * tot['killed'] / denom:.1f} %** | {first:.1f} % | |")
    lines += ["", "## Surviving mutants (not killed, not listed as equivalent)", ""]
    any_surv = False
    for name, rows in data.items():
        for s in rows["survived"]:
            any_surv = True
            lines += [f"### {name}: `{targets[name]['module']}` line {s['line']} ({s['operator']})", "", "```diff",
                      *[ln for ln in s["diff"].splitlines() if ln.startswith(("+", "-")) and not
                        ln.startswith(("+++", "---"))], "```", ""]
    if not any_surv:
        lines.append("None.")
    lines += ["", "## Survivors of the first run killed by tests added since (re-run with --rerun-survivors)", ""]
    for name, rows in data.items():
        for s in rows["killed_later"]:
            lines.append(f"- {name} line {s['line']}: `{s['original']}` -> `{s['mutant']}`")
    lines += ["", "## Equivalent mutants (listed in tools/mutation_equivalent.toml)", ""]
    for name, rows in data.items():
        for s in rows["equivalent"]:
            lines.append(f"- {name} line {s['line']}: `{s['original']}` -> `{s['mutant']}`: {s['reason']}")
    REPORT.write_text("\n".join(lines) + "\n")
    REPORT.with_suffix(".json").write_text(json.dumps(data, indent=1))
    print(f"wrote {REPORT.relative_to(ROOT)}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="target names (default: all)")
    ap.add_argument("--max-mutants", type=int, default=None, help="sample at most this many mutants per target")
    ap.add_argument("--seed", type=int, default=0, help="seed of the sample")
    ap.add_argument("--rerun-survivors", action="store_true",
                    help="run the survivors of the last run again (after adding tests), in build/mutation/tree-rerun")
    ap.add_argument("--dry-run", action="store_true", help="only count the mutants of each target")
    ap.add_argument("--report-only", action="store_true", help="only rebuild the report from finished sessions")
    ap.add_argument("--note", default="", help="a line for the report (what was run, on which machine)")
    args = ap.parse_args(argv)
    spec = tomllib.loads(TARGETS.read_text())
    keep_ops = spec["operators"]
    targets = {t["name"]: t for t in spec["target"]}
    chosen = args.only or list(targets)
    unknown = [c for c in chosen if c not in targets]
    if unknown:
        raise SystemExit(f"unknown targets: {unknown}; known: {list(targets)}")
    BUILD.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        if args.rerun_survivors:
            global TREE
            TREE = BUILD / "tree-rerun"
        copy_tree()
        os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
        # a folder of its own, used as it is: combopt's default folder is keyed by a digest of every source, so each
        # mutant would recompile every kernel; Numba's own per-file check recompiles only the mutated module
        os.environ.setdefault("NUMBA_CACHE_DIR", str(BUILD / "numba-cache"))
        for name in chosen:
            run_target(name, targets[name], keep_ops, args.max_mutants, args.seed, args.dry_run,
                       args.rerun_survivors)
        if args.dry_run:
            return 0
    write_report(targets, collect(targets), args.note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
