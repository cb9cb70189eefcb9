"""Check every GPU path against its CPU twin on a real CUDA GPU, and time both.

Sections (``--only``, comma-separated; default all):

- ``sa``: the simulated-annealing kernel (``combopt.gpu.anneal.anneal_batch_gpu``, in both device layouts,
  ``replica`` and ``spin``) against ``combopt.solvers.kernels.anneal_batch_cpu`` on a dense ``n=1000`` and a
  sparse ``n=10000`` (density 0.001) random QUBO, ``--replicas`` (one check per value) x 100 sweeps (one beta
  per sweep on the ``sa`` solver's geometric schedule), from the same xorshift seeds on both devices. The
  trajectories are deterministic given the seeds; the device ``exp`` may differ from the host one by an ulp,
  which can (very rarely) change one acceptance, so at least ``--min-identical`` (default 95%) of the replicas
  must end identical, with equal energies (rtol 1e-9), and every GPU energy must equal the energy of its state.
  Throughput in flip attempts, ``replicas * sweeps * n / seconds``.
- ``dmmv``: the DMMV move-scoring CUDA kernel and CuPy scorer against the CPU batch kernel (candidates per
  second, ``benchmarks/dmmv_throughput.py``).
- ``rcpsp``: the activity-list decoder (``combopt.gpu.rcpsp``) against the CPU decoder on ``--lists`` lists:
  identical schedules, and the GA on the GPU (``benchmarks/rcpsp_gpu.py``).
- ``coupling``: greedy couplings of ``--pairs`` pairs (``combopt.gpu.coupling``) against the CPU batch: the
  same cells and masses, and every GPU coupling's marginals.
- ``dag``: the topological-swap search with the CuPy batched scorer against the Numba one: the same DAG.
- ``solves``: ``combopt.solve(..., device="gpu")`` end to end on a QUBO, a FIR design, a j120 RCPSP and a DAG
  (``--solve-seconds`` each, after a short compile run on both devices): the answer must come from the GPU (CUDA
  kernel launches or CuPy scorer calls counted during the solve, :class:`GPUWork`) and pass the problem's own
  ``evaluate``; the CPU's answer in the same time is reported beside it.

CPU timings use all Numba threads; GPU timings go through the host wrappers (host<->device copies included).
Everything is compiled (warmed up) before timing; the median of ``--repeats`` runs is reported. A section that
raises is recorded as a failed check and the others still run. Results go to ``gpu_check.json``/``.md`` in
``--out-dir`` (default ``benchmarks/results``).

Exit status: 0 when every check agrees or no GPU is visible (with a message saying so), 1 on any disagreement.
``tests/cudasim/test_gpu_check_dry_run.py`` runs the script under the CUDA simulator with the CPU standing in
for the GPU (``GPU = "cpu"``), so a broken section shows up in CI, not on a borrowed GPU.

Usage::

    .venv/bin/python benchmarks/gpu_check.py
    .venv/bin/python benchmarks/gpu_check.py --only sa,rcpsp --replicas 1024 8192 32768 --lists 4096 65536
    .venv/bin/python benchmarks/gpu_check.py --only sa --layouts replica --threads 32 64 128   # block sizes
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

import combopt
from combopt.core.device import gpu_available
from combopt.solvers import kernels
from combopt.solvers.common import default_beta_range, geometric_betas

ANNEAL_CASES = [(1000, 1.0), (10000, 0.001)]
SECTIONS = ("sa", "dmmv", "rcpsp", "coupling", "dag", "solves")
GPU = "gpu"  # the device compared with "cpu" (a local dry run of this script sets "cpu")


def _anneal_inputs(n: int, density: float, seed: int):
    model = combopt.QUBO.random(n, density, seed=seed)
    csr = model.csr_arrays()
    h = np.ascontiguousarray(model.h, dtype=np.float64)
    return model, csr, h


def _anneal_run(fn, csr, h, betas, seeds):
    R, n = seeds.shape[0], h.shape[0]
    X = np.zeros((R, n), dtype=np.int8)
    F = np.zeros((R, n), dtype=np.float64)
    E = np.zeros(R, dtype=np.float64)
    states = seeds.copy()
    t0 = time.perf_counter()
    fn(*csr, h, betas, 1, X, F, states, E, 1)
    return time.perf_counter() - t0, X, states, E


def check_anneal(n: int, density: float, replicas: int, sweeps: int, repeats: int, seed: int,
                 min_identical: float, layouts=("replica", "spin"), threads=(128,)) -> list[dict]:
    """One result per device layout and block size of the annealing kernel, each against the same CPU run."""
    import functools

    from combopt.gpu.anneal import anneal_batch_gpu

    model, csr, h = _anneal_inputs(n, density, seed)
    betas = geometric_betas(default_beta_range(model), sweeps)
    seeds = np.random.default_rng(seed).integers(1, 2**63 - 1, size=replicas, dtype=np.int64).astype(np.uint64)
    gpu_fns = {(lay, t): functools.partial(anneal_batch_gpu, layout=lay, threads=t) for lay in layouts for t in threads}

    # warm up: compile (or load from cache) every kernel for these argument types; the GPU's first call is the
    # CUDA compilation a first run pays (Numba CUDA kernels are not cached between processes)
    _anneal_run(kernels.anneal_batch_cpu, csr, h, betas[:2], seeds[:2])
    first_call = {}
    for key, fn in gpu_fns.items():
        t0 = time.perf_counter()
        _anneal_run(fn, csr, h, betas[:2], seeds[:2])
        first_call[key] = time.perf_counter() - t0

    t_cpu, t_gpu = [], {key: [] for key in gpu_fns}
    runs = {}
    for _ in range(repeats):
        dt, Xc, Sc, Ec = _anneal_run(kernels.anneal_batch_cpu, csr, h, betas, seeds)
        t_cpu.append(dt)
        for key, fn in gpu_fns.items():
            dt, *runs[key] = _anneal_run(fn, csr, h, betas, seeds)
            t_gpu[key].append(dt)

    out = []
    for (lay, tpb), (Xg, Sg, Eg) in runs.items():
        same = np.all(Xc == Xg, axis=1) & (Sc == Sg)
        frac = float(same.mean())
        e_same_ok = bool(np.allclose(Eg[same], Ec[same], rtol=1e-9, atol=1e-9))
        e_model = model.energies(Xg) - model.offset
        consistency = float(np.max(np.abs(e_model - Eg)))
        consistent = consistency <= 1e-9 * max(1.0, float(np.max(np.abs(e_model))))
        problems = []
        if frac < min_identical:
            problems.append(f"only {same.sum()}/{replicas} replicas identical (need {min_identical:.0%})")
        if not e_same_ok:
            problems.append("energies of identical replicas differ")
        if not consistent:
            problems.append(f"GPU energies disagree with their states by up to {consistency:.3g}")
        out.append({
            "name": f"sa {'dense' if density >= 1.0 else 'sparse'} n={n} density={density:g}, "
                    f"{replicas} replicas, {lay}-major" + ("" if len(threads) == 1 else f", {tpb} threads/block"),
            "ok": not problems,
            "problems": problems,
            "layout": lay,
            "threads_per_block": tpb,
            "replicas": replicas,
            "identical": frac,
            "max_abs_energy_diff_identical": float(np.max(np.abs(Eg[same] - Ec[same]))) if same.any() else 0.0,
            "mean_energy_cpu": float(np.mean(Ec)) + model.offset,
            "mean_energy_gpu": float(np.mean(Eg)) + model.offset,
            "attempts": replicas * sweeps * n,
            "cpu_s": statistics.median(t_cpu),
            "gpu_s": statistics.median(t_gpu[(lay, tpb)]),
            "gpu_first_call_s": first_call[(lay, tpb)],
        })
    return out


# -- coupling, DAG scoring and end-to-end solves on the GPU -----------------------------------------------------------

def check_coupling(batch: int, n: int, repeats: int, seed: int) -> dict:
    """Greedy couplings of ``batch`` pairs: the CUDA kernel (one pair per thread) against the CPU batch kernel."""
    from combopt.gpu.coupling import greedy_batch_gpu
    from combopt.solvers.coupling.kernels import greedy_batch

    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(n), size=(batch, 2))
    greedy_batch(P[:2])  # compile / load
    t0 = time.perf_counter()
    greedy_batch_gpu(P[:2])  # the CUDA compilation
    first_call = time.perf_counter() - t0
    t_cpu, t_gpu = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ci, cm, cn = greedy_batch(P)
        t_cpu.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        gi, gm, gn = greedy_batch_gpu(P)
        t_gpu.append(time.perf_counter() - t0)
    problems = []
    if not np.array_equal(cn, gn):
        problems.append(f"coupling sizes differ on {int(np.sum(cn != gn))} of {batch} pairs")
    else:
        for b in range(batch):
            k = int(cn[b])
            if not (np.array_equal(ci[b, :k], gi[b, :k]) and np.allclose(cm[b, :k], gm[b, :k], rtol=0, atol=1e-15)):
                problems.append(f"pair {b}: cells or masses differ")
                break
    # marginals of every GPU coupling: row s of cell j carries mass to symbol gi[b, j, s]
    worst = 0.0
    for b in range(min(batch, 64)):
        k = int(gn[b])
        for s in range(2):
            marg = np.bincount(gi[b, :k, s], weights=gm[b, :k], minlength=n)
            worst = max(worst, float(np.max(np.abs(marg - P[b, s]))))
    if worst > 1e-9:
        problems.append(f"GPU couplings miss their marginals by up to {worst:.2e}")
    return {"name": f"coupling greedy batch {batch} pairs n={n}", "ok": not problems, "problems": problems,
            "items": batch, "unit": "pairs", "cpu_s": statistics.median(t_cpu), "gpu_s": statistics.median(t_gpu),
            "gpu_first_call_s": first_call}


def check_dag(d: int, n: int, seed: int) -> dict:
    """Topological-swap search with the CuPy batched scorer against the Numba one: same DAG, same loss."""
    from combopt.generators.dag import generate_dag

    p = generate_dag(d=d, edges_per_node=2, n=n, seed=seed)
    runs = {}
    for dev in ("cpu", GPU):
        combopt.solve(generate_dag(d=8, edges_per_node=2, n=100, seed=1), "topo", device=dev)  # compile / load
        t0 = time.perf_counter()
        res = combopt.solve(p, "topo", device=dev, init="random", seed=seed)
        runs[dev] = (res, time.perf_counter() - t0)
    (rc, tc), (rg, tg) = runs["cpu"], runs[GPU]
    problems = []
    if rg.device != GPU:
        problems.append(f"solve(device='gpu') ran on {rg.device}")
    if not np.allclose(rg.solution, rc.solution, atol=1e-8):
        problems.append("the GPU search ended in another weighted DAG")
    ev = p.evaluate(rg.solution)
    if not ev.feasible or not np.isclose(ev.objective, rg.objective, rtol=1e-9, atol=1e-9):
        problems.append(f"GPU result fails its re-check: feasible {ev.feasible}, {ev.objective} vs {rg.objective}")
    return {"name": f"dag topo d={d} n={n}", "ok": not problems, "problems": problems, "items": 1, "unit": "searches",
            "cpu_s": tc, "gpu_s": tg, "objective_cpu": rc.objective, "objective_gpu": rg.objective}


def _solve_cases(tiny: bool):
    from combopt.generators.dag import generate_dag

    root = Path(__file__).resolve().parent.parent
    yield "qubo sa", combopt.QUBO.random(300 if tiny else 2000, 0.05, seed=3), "sa", {}
    yield "dmmv fir", combopt.read(root / "examples/dmmv/fir_lowpass_n60.toml"), "dmmv", {}
    yield "rcpsp j120", combopt.read(root / "tests/data/rcpsp/j1201_1.sm"), "rcpsp-ga", {}
    yield "dag topo", generate_dag(d=20 if tiny else 100, edges_per_node=2, n=500, seed=5), "topo", {}


class GPUWork:
    """Counts what ran on the GPU inside a ``with`` block: Numba CUDA kernel launches and calls of the CuPy scorers
    (DMMV, DAG). ``Result.device`` is the device asked for, so a GPU branch that fell back to the CPU looked the
    same; a solve on the GPU with nothing counted is reported."""

    def __init__(self):
        self.launches = 0
        self._patched: list = []

    def __enter__(self):
        targets = []
        try:
            from numba.cuda import dispatcher

            targets.append((dispatcher._LaunchConfiguration, "__call__"))
        except (ImportError, AttributeError):  # the simulator or another numba: the CuPy scorers still count
            pass
        from combopt.gpu.dag import XPSwapScorer
        from combopt.gpu.dmmv_xp import XPScorer

        targets += [(XPScorer, "__call__"), (XPSwapScorer, "__call__")]
        for owner, name in targets:
            original = getattr(owner, name)

            def counted(*a, _original=original, **k):
                self.launches += 1
                return _original(*a, **k)

            setattr(owner, name, counted)
            self._patched.append((owner, name, original))
        return self

    def __exit__(self, *exc):
        for owner, name, original in self._patched:
            setattr(owner, name, original)
        return False


def check_solves(time_limit: float, seed: int, tiny: bool) -> list[dict]:
    """``combopt.solve(..., device="gpu")`` end to end: runs on the GPU, and its answer passes ``evaluate``."""
    out = []
    for name, problem, solver, params in _solve_cases(tiny):
        res = {}
        first = {}
        for dev in ("cpu", GPU):  # compile / load first, so that neither timed run pays for it
            t0 = time.perf_counter()
            warm = combopt.solve(problem, solver, device=dev, time_limit=min(1.0, time_limit), seed=seed, **params)
            first[dev] = (time.perf_counter() - t0, warm.runtime)
        for dev in ("cpu", GPU):
            t0 = time.perf_counter()
            with GPUWork() as work:
                res[dev] = (combopt.solve(problem, solver, device=dev, time_limit=time_limit, seed=seed, **params),
                            time.perf_counter() - t0, work)
        r, wall, work = res[GPU]
        problems = []
        if r.device != GPU:
            problems.append(f"ran on {r.device}")
        if GPU == "gpu" and work.launches == 0:
            problems.append("no CUDA kernel launch or CuPy scorer call during the solve: it ran on the CPU")
        ev = problem.evaluate(r.solution)
        if not ev.feasible:
            problems.append(f"infeasible: {ev.violations[:2]}")
        elif ev.objective is not None and not np.isclose(ev.objective, r.objective, rtol=1e-9, atol=1e-9):
            problems.append(f"reported objective {r.objective} but evaluate gives {ev.objective}")
        out.append({"name": f"solve {name} on the GPU ({solver}, {time_limit:g} s)", "ok": not problems,
                    "problems": problems, "status_gpu": str(r.status), "objective_gpu": r.objective,
                    "objective_cpu": res["cpu"][0].objective, "bound_gpu": r.bound, "gpu_s": wall,
                    "cpu_s": res["cpu"][1], "gpu_launches": work.launches,
                    # the first (1 s) solve on each device: wall time of the call and the run's own runtime (a
                    # first GPU run over its limit is CUDA compilation outside the cold-start gate)
                    "first_solve_wall_s": {d: v[0] for d, v in first.items()},
                    "first_solve_runtime_s": {d: v[1] for d, v in first.items()}})
    return out


def _device_line() -> str:
    from numba import cuda

    try:
        dev = cuda.get_current_device()
        name = dev.name.decode() if isinstance(dev.name, bytes) else dev.name
        return f"{name} (compute capability {dev.compute_capability[0]}.{dev.compute_capability[1]})"
    except Exception as exc:  # noqa: BLE001 - informational only
        return f"unknown device ({exc})"


def _guarded(results: list, name: str, fn):
    """Run one section; an exception is recorded as a failed check (the other sections still run)."""
    import traceback

    t0 = time.perf_counter()
    try:
        out = fn()
    except Exception as exc:  # noqa: BLE001 - reported as a failure, the run goes on
        tb = traceback.format_exc()
        print(f"\n{name}: ERROR {type(exc).__name__}: {exc}\n{tb}")
        results.append({"name": name, "ok": False, "problems": [f"{type(exc).__name__}: {exc}"], "traceback": tb})
        return []
    out = out if isinstance(out, list) else [out]
    for r in out:
        r.setdefault("ok", not r["problems"])
        r.setdefault("section_s", time.perf_counter() - t0)
        results.append(r)
    return out


def _versions() -> str:
    from importlib import metadata

    out = []
    for name in ("numpy", "numba", "numba-cuda", "cupy-cuda13x", "cupy-cuda12x"):
        try:
            out.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue  # not installed: not listed
    return ", ".join(out)


def _status(r: dict) -> str:
    return "OK" if r["ok"] else "DISAGREE: " + "; ".join(r["problems"])


def _markdown(results: list[dict], header: str) -> str:
    from bench_utils import markdown_table

    rows = []
    for r in results:
        speed = f"{r['cpu_s'] / r['gpu_s']:.2f}" if r.get("gpu_s") and r.get("cpu_s") else "-"
        cpu = f"{r['cpu_s']:.3f}" if "cpu_s" in r else "-"
        gpu = f"{r['gpu_s']:.3f}" if "gpu_s" in r else "-"
        extra = ""
        if "objective_gpu" in r:
            extra = f"objective GPU {r['objective_gpu']:.6g}, CPU {r['objective_cpu']:.6g}"
        elif "identical" in r:
            extra = f"{r['identical']:.1%} replicas identical"
        elif "cpu_batch" in r:
            extra = "M candidates/s: " + ", ".join(f"{k} {r[k] / 1e6:.2f}" for k in
                                                    ("cpu_batch", "numpy_xp", "cuda_kernel", "cupy") if k in r)
        firsts = [f"{k.replace('_first_call_s', '') or 'GPU'} {r[k]:.2f} s" for k in r if k.endswith("first_call_s")]
        if "first_solve_wall_s" in r:
            firsts.append(f"first 1 s solve on the GPU {r['first_solve_wall_s'].get(GPU, float('nan')):.2f} s")
        if firsts:
            extra = "; ".join(x for x in (extra, "first call: " + ", ".join(firsts)) if x)
        rows.append([r["name"], _status(r), cpu, gpu, speed, extra])
    return header + "\n\n" + markdown_table(["check", "agreement", "CPU s", "GPU s", "CPU s / GPU s", "notes"],
                                              rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicas", type=int, nargs="+", default=[1024],
                    help="replicas (reads) per run; several values: one check each (default 1024)")
    ap.add_argument("--sweeps", type=int, default=100, help="sweeps per replica, one beta each (default 100)")
    ap.add_argument("--repeats", type=int, default=1, help="timed runs per device; median reported (default 1)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-identical", type=float, default=0.95,
                    help="fraction of replicas that must end identical on both devices (default 0.95)")
    ap.add_argument("--layouts", nargs="+", default=["replica", "spin"], choices=["replica", "spin"],
                    help="device layouts of the annealing kernel (default both)")
    ap.add_argument("--threads", type=int, nargs="+", default=[128],
                    help="threads per block of the annealing kernel; several values: one check each (default 128)")
    ap.add_argument("--lists", type=int, nargs="+", default=[4096],
                    help="RCPSP activity lists decoded per run (default 4096)")
    ap.add_argument("--pairs", type=int, nargs="+", default=[16384], help="coupling pairs per batch (default 16384)")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})")
    ap.add_argument("--solve-seconds", type=float, default=5.0,
                    help="time limit of each end-to-end solve, on each device (default 5)")
    ap.add_argument("--tiny", action="store_true", help="small cases only (a quick dry run)")
    ap.add_argument("--out-dir", type=Path, default=None,
                    help="where gpu_check.json/.md go (default benchmarks/results)")
    args = ap.parse_args(argv)

    if GPU == "gpu" and not gpu_available():
        print("gpu_check: no CUDA GPU visible (or NUMBA_ENABLE_CUDASIM=1 is set); nothing to check.")
        return 0

    device = _device_line() if GPU == "gpu" else "none (dry run: cpu against cpu)"
    print(f"GPU: {device}")
    print(f"CPU: {numba.config.NUMBA_NUM_THREADS} Numba threads; {_versions()}")
    results: list[dict] = []
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    cases = [(200, 1.0), (2000, 0.005)] if args.tiny else ANNEAL_CASES
    for n, density in cases if "sa" in only else []:
        for R in args.replicas:
            for r in _guarded(results, f"sa n={n} R={R}", lambda n=n, density=density, R=R: check_anneal(
                    n, density, R, args.sweeps, args.repeats, args.seed, args.min_identical, tuple(args.layouts),
                    tuple(args.threads))):
                cpu_rate, gpu_rate = r["attempts"] / r["cpu_s"], r["attempts"] / r["gpu_s"]
                print(f"\n{r['name']}  ({args.sweeps} sweeps)\n  agreement : {_status(r)}")
                print(f"  identical replicas: {r['identical']:.1%}, max |dE| among them "
                      f"{r['max_abs_energy_diff_identical']:.2e}; mean energy CPU {r['mean_energy_cpu']:.4f} "
                      f"GPU {r['mean_energy_gpu']:.4f}")
                print(f"  CPU: {r['cpu_s']:8.3f} s  {cpu_rate / 1e6:10.1f} M flip attempts/s")
                print(f"  GPU: {r['gpu_s']:8.3f} s  {gpu_rate / 1e6:10.1f} M flip attempts/s  "
                      f"({gpu_rate / cpu_rate:.2f}x CPU)")

    if not args.tiny and "dmmv" in only:
        # DMMV move scoring: Numba CUDA kernel and CuPy scorer vs the CPU batch kernel (dmmv_throughput.py)
        from dmmv_throughput import gpu_checks as dmmv_gpu_checks

        for r in _guarded(results, "dmmv scoring", lambda: dmmv_gpu_checks(max(1, args.repeats))):
            rates = "  ".join(f"{k} {r[k] / 1e6:.2f} M/s" for k in ("cpu_batch", "numpy_xp", "cuda_kernel", "cupy")
                              if k in r)
            print(f"\ndmmv scoring, {r['name']}: {r['candidates']} candidates\n  agreement : {_status(r)}\n  {rates}")
            r["name"] = f"dmmv scoring {r['name']}"

    if GPU == "gpu" and "rcpsp" in only:
        # RCPSP activity-list decoding: Numba CUDA kernel vs the CPU decoder (benchmarks/rcpsp_gpu.py)
        from rcpsp_gpu import gpu_checks as rcpsp_gpu_checks
        from rcpsp_gpu import report as rcpsp_report

        for L in args.lists:
            for r in _guarded(results, f"rcpsp decoding {L} lists",
                              lambda L=L: rcpsp_gpu_checks(max(1, args.repeats), L)):
                r["name"] = f"{r['name']}, {L} lists"
                print(rcpsp_report(r))

    for pairs in (([256] if args.tiny else args.pairs) if "coupling" in only else []):
        n = 16 if args.tiny else 64
        for r in _guarded(results, f"coupling {pairs}",
                          lambda pairs=pairs, n=n: check_coupling(pairs, n, max(1, args.repeats), args.seed)):
            print(f"\n{r['name']}\n  agreement : {_status(r)}\n  CPU {r['cpu_s']:.3f} s  GPU {r['gpu_s']:.3f} s")
    d, ndag = (20, 300) if args.tiny else (200, 2000)
    if "dag" in only:
        for r in _guarded(results, "dag", lambda: check_dag(d, ndag, args.seed)):
            print(f"\n{r['name']}\n  agreement : {_status(r)}\n  CPU {r['cpu_s']:.3f} s  GPU {r['gpu_s']:.3f} s")
    if "solves" in only:
        for r in _guarded(results, "solves", lambda: check_solves(args.solve_seconds, args.seed, args.tiny)):
            print(f"\n{r['name']}\n  {_status(r)}: {r['status_gpu']}, objective GPU {r['objective_gpu']} "
                  f"(CPU {r['objective_cpu']})")

    from bench_utils import machine_info, write_results

    header = (f"GPU: {device}; CPU: {numba.config.NUMBA_NUM_THREADS} Numba threads; {_versions()}. "
              f"`python benchmarks/gpu_check.py {' '.join(argv if argv is not None else sys.argv[1:])}`")
    payload = {"machine": machine_info(), "gpu": device, "args": {k: str(v) for k, v in vars(args).items()},
               "results": results}
    pj, pm = write_results("gpu_check", payload, _markdown(results, header), args.out_dir)
    print(f"\nwrote {pj} and {pm}")
    bad = [r["name"] for r in results if not r["ok"]]
    if bad:
        print(f"\ngpu_check: FAILED ({', '.join(bad)})")
        return 1
    print(f"\ngpu_check: all {len(results)} GPU checks agree with the CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
