"""Figures backed by files: every number README.md and benchmarks/README.md quote is recomputed here.

No solving: each check reads a file in ``benchmarks/results`` and rebuilds the quoted text (a table
row or a sentence) from it; the test fails when the document and the file disagree. To add a claim
to a document, add it here too:

* a table copied from a results ``.md`` file goes in :data:`VERBATIM_TABLES` (every row of the table
  in the document must be a line of the results file);
* any other number goes in :data:`CLAIMS`: the document must contain ``template.format(*values)``
  (whitespace and line breaks are normalised), where ``values`` is computed from the results file.

Numbers measured once with no file behind them are worded as such in the documents ("not kept in a
results file"), and :func:`test_unbacked_claims_are_marked` keeps that list honest.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = "README.md"
BENCH = "benchmarks/README.md"


@cache
def doc(name: str) -> str:
    return (ROOT / name).read_text()


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@cache
def load(name: str):
    return json.loads((RESULTS / name).read_text())


# ---------------------------------------------------------------------------------------------- tables
# (document, first line of the table, results file that holds the same lines)
def tsp_points() -> tuple:
    r = load("tsp_points.json")["summary"]
    return f"{r['mean_points_over_matrix']:.4f}", f"{r['worst_points_over_matrix']:.4f}"


def tsp_points_readme() -> tuple:
    d = load("tsp_points.json")
    uniform = [x for x in d["large"] if x["instance"].startswith("uniform")]
    gaps = [100.0 * (x["length"] - x["bound"]) / x["length"] for x in uniform]
    tree = [100.0 * (x["length"] - x["spanning_tree"]) / x["length"] for x in uniform]
    return (*tsp_points(), f"{d['summary']['memory_ratio_10000']:.1f}", f"{min(gaps):.1f}", f"{max(gaps):.1f}",
            f"{min(tree):.1f}", f"{max(tree):.1f}")


VERBATIM_TABLES = [
    (BENCH, "| case | nnz/row | reads x sweeps |", "anneal_throughput.md"),
    (BENCH, "| instance | n | clique no. | combopt default (sa-ils) |", "mis_quality.md"),
    (BENCH, "| # | n | m | binaries slack |", "mdkp_lagrangian.md"),
    (BENCH, "<!-- table: mdkp_classes.md -->", "mdkp_classes.md"),
    (BENCH, "<!-- table: mdkp_classes_6per.md -->", "mdkp_classes_6per.md"),
    (BENCH, "<!-- table: mdkp_30x500_all10.md -->", "mdkp_30x500_all10.md"),
    (BENCH, "<!-- table: mdkp_classes_rerun.md -->", "mdkp_classes_rerun.md"),
    (BENCH, "<!-- table: mdkp_classes_30x500.md -->", "mdkp_classes_30x500.md"),
    (BENCH, "<!-- table: mdkp_classes_30x500_fullfirst.md -->", "mdkp_classes_30x500_fullfirst.md"),
    (BENCH, "<!-- table: mdkp_30x500_fullfirst_more.md -->", "mdkp_30x500_fullfirst_more.md"),
    (BENCH, "<!-- table: mdkp_seed_spread.md -->", "mdkp_seed_spread.md"),
    (BENCH, "<!-- table: mdkp_seed_spread_60.md -->", "mdkp_seed_spread_60.md"),
    (BENCH, "<!-- table: mdkp_seed_spread_5_10.md -->", "mdkp_seed_spread_5_10.md"),
    (BENCH, "<!-- table: mdkp_classes_seeds.md -->", "mdkp_classes_seeds.md"),
    (BENCH, "<!-- table: mdkp_30x100_ils60.md -->", "mdkp_30x100_ils60.md"),
    (BENCH, "<!-- table: mdkp_30x250_ils10.md -->", "mdkp_30x250_ils10.md"),
    (BENCH, "<!-- table: mdkp_classes_walkers.md -->", "mdkp_classes_walkers.md"),
    (BENCH, "<!-- table: mdkp_classes_walkers_off.md -->", "mdkp_classes_walkers_off.md"),
    (BENCH, "<!-- table: mdkp_30x250_ils10_off.md -->", "mdkp_30x250_ils10_off.md"),
    (BENCH, "<!-- table: tsp_lkh_1000.md -->", "tsp_lkh_1000.md"),
    (BENCH, "<!-- table: tsp_lkh_5000.md -->", "tsp_lkh_5000.md"),
    (BENCH, "<!-- table: tsp_points.md -->", "tsp_points.md"),
    (BENCH, "<!-- table: tsp_matrix_limit.md -->", "tsp_matrix_limit.md"),
    (BENCH, "| cities | mean points / matrix |", "tsp_matrix_limit.md"),
    (BENCH, "| instance | length | bound | bound from |", "tsp_points.md"),
    (BENCH, "| instance | n | QUBO binaries | optimum |", "tsp_qubo.md"),
    (BENCH, "| solver | instance | limit s | wall s |", "time_limits.md"),
    # `combopt report --md` tables all start with the same header: a marker line names the file
    (BENCH, "<!-- table: suites/qubo.md -->", "suites/qubo.md"),
    (BENCH, "<!-- table: suites/rcpsp-j30.md -->", "suites/rcpsp-j30.md"),
    (BENCH, "<!-- table: rcpsp_bounds.md -->", "rcpsp_bounds.md"),
    (BENCH, "<!-- table: suites/dag.md -->", "suites/dag.md"),
    (BENCH, "<!-- table: suites/fir.md -->", "suites/fir.md"),
    (BENCH, "<!-- table: suites/tsp-qubo.md -->", "suites/tsp-qubo.md"),
    (BENCH, "| noise | rounded SART px% / MAE | rounded SIRT | DART | DMMV |", "dmmv_tomography.md"),
    (BENCH, "| instances | n | SART px% | SIRT px% |", "dmmv_tomography.md"),
    (BENCH, "<!-- table: suites/rcpsp-j120.md -->", "suites/rcpsp-j120.md"),
    (BENCH, "<!-- table: suites/rcpsp-cpsat.md -->", "suites/rcpsp-cpsat.md"),
    (BENCH, "<!-- table: suites/rcpsp-j120-crossover.md -->", "suites/rcpsp-j120-crossover.md"),
    (BENCH, "<!-- table: suites/mdkp.md -->", "suites/mdkp.md"),
    (BENCH, "<!-- table: suites/quick.md -->", "suites/quick.md"),
    (BENCH, "<!-- table: dmmv_fir_large.md -->", "dmmv_fir_large.md"),
    (BENCH, "<!-- table: dmmv_fir_large_n200_600.md -->", "dmmv_fir_large_n200_600.md"),
    (BENCH, "<!-- table: dmmv_fir_large_n400_600.md -->", "dmmv_fir_large_n400_600.md"),
    (BENCH, "<!-- table: dmmv_fir_landscape.md -->", "dmmv_fir_landscape.md"),
    (BENCH, "<!-- table: fresh_start.md -->", "fresh_start.md"),
    (BENCH, "<!-- table: dag_protocols.md -->", "dag_protocols.md"),
    (BENCH, "<!-- table: dmmv_fir_lattice.md -->", "dmmv_fir_lattice.md"),
    (BENCH, "<!-- table: mis_sparse.md -->", "mis_sparse.md"),
    (BENCH, "<!-- table: mis_reduce_speed.md -->", "mis_reduce_speed.md"),
    (BENCH, "<!-- table: clique_sparse.md -->", "clique_sparse.md"),
    (BENCH, "<!-- table: gpu_check.md -->", "gpu_check.md"),
    (BENCH, "<!-- table: gpu_check_scale.md -->", "gpu_check_scale.md"),
    (BENCH, "<!-- table: maxcut.md -->", "maxcut.md"),
    (BENCH, "<!-- table: qubo_bound.md -->", "qubo_bound.md"),
    (BENCH, "<!-- table: maxcut_sdp_peer.md -->", "maxcut_sdp_peer.md"),
    (BENCH, "<!-- table: clique_bounds.md -->", "clique_bounds.md"),
    (BENCH, "<!-- table: atsp_lkh_300.md -->", "atsp_lkh_300.md"),
    (BENCH, "<!-- table: atsp_lkh_1000.md -->", "atsp_lkh_1000.md"),
    (BENCH, "<!-- table: suites/atsp.md -->", "suites/atsp.md"),
]


def table_at(text: str, first: str) -> list[str]:
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(first)]
    assert len(starts) == 1, f"table starting {first!r}: found {len(starts)} times"
    out = []
    # a marker comment (``<!-- table: FILE -->``) stands on the line above the table it names
    for line in lines[starts[0] + (1 if first.startswith("<!--") else 0):]:
        if not line.startswith("|"):
            break
        out.append(line)
    return out


@pytest.mark.parametrize("document,first,results", VERBATIM_TABLES, ids=[t[2] for t in VERBATIM_TABLES])
def test_tables_copied_from_results(document, first, results):
    rows = table_at(doc(document), first)
    assert len(rows) >= 3
    have = set((RESULTS / results).read_text().splitlines())
    missing = [r for r in rows if r not in have]
    assert not missing, f"{document}: rows not in {results}:\n" + "\n".join(missing)


# ---------------------------------------------------------------------------------------------- helpers
def rng(values, fmt="{:.1f}", sep="-") -> str:
    """``lo-hi`` of formatted values (one value when they are equal)."""
    lo, hi = fmt.format(min(values)), fmt.format(max(values))
    return lo if lo == hi else f"{lo}{sep}{hi}"


def thousands(v) -> str:
    return f"{v:,.0f}"


def pct(x, nd=2) -> str:
    return f"{100 * x:.{nd}f}"


# ---------------------------------------------------------------------------------------------- anneal
def _anneal(i):
    return load("anneal_throughput.json")["cases"][i]


def anneal_ratios(i):
    c = _anneal(i)
    return (c["ratio_combopt_1t_vs_dwave_sampling"], c["ratio_combopt_1t_vs_dwave_median"],
            c["ratio_combopt_1t_vs_dwave_thread_cpu"])


def anneal_scaling():
    d = load("anneal_throughput.json")
    dense, sparse = (c["attempts_per_s"]["combopt_all"] / c["attempts_per_s"]["combopt_1t"] for c in d["cases"])
    return (f"{sparse:.1f}", f"{dense:.1f}")


def anneal_quality():
    qs = [c["quality"] for c in load("anneal_throughput.json")["cases"]]
    mean_rel = max(abs(q["combopt_1t"]["mean"] - q["dwave"]["mean"]) / abs(q["dwave"]["mean"]) for q in qs)
    dense, sparse = qs
    assert dense["combopt_1t"]["best"] == dense["dwave"]["best"]
    d = abs(sparse["combopt_1t"]["best"] - sparse["dwave"]["best"])
    bound = 0.03 if 100 * mean_rel < 0.03 else None  # the text says "<0.03%"
    assert bound is not None, f"mean energies differ by {100 * mean_rel:.3f} %"
    return (f"{d:.1f}", f"{100 * d / abs(sparse['dwave']['best']):.3f}")


# ---------------------------------------------------------------------------------------------- mis
def mis_summary():
    """Counts of graphs where each contender reached the clique number, from the per-graph rows."""
    rows = load("mis_quality.json")["results"]
    reached = {k: sum(r[k]["best"] == r["clique_number"] for r in rows)
               for k in ("combopt_sa-ils", "dwave_sa", "dwave_tabu")}
    ge = sum(bool(r["default_ge_peers"]) for r in rows)
    assert load("mis_quality.json")["summary"]["combopt_sa-ils"]["reached"] == reached["combopt_sa-ils"]
    return (reached["combopt_sa-ils"], len(rows), reached["dwave_sa"], reached["dwave_tabu"], ge, len(rows))


def mis_row(name: str) -> dict:
    return next(r for r in load("mis_quality.json")["results"] if r["instance"] == name)


def mis_brock():
    """The camouflaged graphs the text names: the generated brock-200 reached, the two brock-400 graphs."""
    b200, b400, g400 = mis_row("brock-200-0.75-22-s3"), mis_row("brock400_1"), mis_row("brock-400-0.75-28-s4")
    assert b200["combopt_sa-ils"]["best"] == b200["clique_number"]
    assert g400["combopt_sa-ils"]["best"] == g400["clique_number"]  # the text says "is reached"
    return (b400["combopt_sa-ils"]["best"], b400["clique_number"], f"{b400['combopt_sa-ils']['time_to_best_s']:.1f}",
            b400["dwave_sa"]["best"], b400["dwave_tabu"]["best"],
            g400["combopt_sa-ils"]["best"], g400["clique_number"], g400["dwave_sa"]["best"], g400["dwave_tabu"]["best"],
            f"{g400['combopt_sa-ils']['time_to_best_s']:.1f}")


# ---------------------------------------------------------------------------------------------- mdkp
def _better_equal_worse(runs):
    """Runs where combopt's value beat HiGHS's, equalled it, fell short (both maximise)."""
    better = sum(d["combopt"] > d["highs"] for d in runs)
    worse = sum(d["combopt"] < d["highs"] for d in runs)
    return better, len(runs) - better - worse, worse


def mdkp_classes(T: float, name: str = "mdkp_classes.json"):
    """Per limit: classes where combopt's mean LP-bound gap is lower / equal / higher than HiGHS's (recomputed
    from the instances), instances better / equal / worse, and the range of the OR-Library classes' mean gaps
    to the best-known values."""
    data = load(name)
    runs = [d for d in data["instances"] if d["T"] == T]
    classes = sorted({d["class"] for d in runs}, key=lambda c: tuple(map(int, c.split("x"))))
    lower = equal = higher = 0
    bk = []
    for c in classes:
        rs = [d for d in runs if d["class"] == c]
        cg = statistics.mean(d["combopt_gap_lp_pct"] for d in rs)
        hg = statistics.mean(d["highs_gap_lp_pct"] for d in rs)
        lower, equal, higher = lower + (cg < hg - 1e-9), equal + (abs(cg - hg) <= 1e-9), higher + (cg > hg + 1e-9)
        if rs[0]["best_known"] is not None:
            bk.append(statistics.mean(d["combopt_gap_bk_pct"] for d in rs))
    s = data["summary"][f"{T:g}"]
    assert (s["better"], s["equal"], s["worse"]) == (lower, equal, higher)
    better, equal_runs, worse = _better_equal_worse(runs)
    return (lower, len(classes), equal, higher, better, len(runs), equal_runs, worse,
            f"{min(bk):.3f}", f"{max(bk):.3f}")


def mdkp_30x500(name: str = "mdkp_classes_30x500.json"):
    """A 30 x 500 run: instances, mean gaps to the LP bound (combopt, HiGHS), better / equal / worse, and the
    instance where HiGHS led by most (label, combopt, HiGHS)."""
    runs = load(name)["instances"]
    better = sum(d["combopt"] > d["highs"] for d in runs)
    worse = sum(d["combopt"] < d["highs"] for d in runs)
    lead = max(runs, key=lambda d: d["combopt_gap_lp_pct"] - d["highs_gap_lp_pct"])
    return (len(runs), f"{statistics.mean(d['combopt_gap_lp_pct'] for d in runs):.3f}",
            f"{statistics.mean(d['highs_gap_lp_pct'] for d in runs):.3f}", better, len(runs) - better - worse, worse,
            lead["instance"], f"{lead['combopt']:.0f}", f"{lead['highs']:.0f}")


def mdkp_rerun():
    """The class table rerun: classes lower / of / equal / higher at 10 s and at 60 s, then instances better / of /
    worse at each limit."""
    a, b = (mdkp_classes(T, "mdkp_classes_rerun.json") for T in (10.0, 60.0))
    return (*a[:4], *b[:4], a[4], a[5], a[7], b[4], b[5], b[7])


CLASSES_30 = ("30x100", "30x250", "30x500")


def mdkp_spread(name: str = "mdkp_seed_spread.json"):
    """A run over several seeds: per 30-constraint class, combopt's and HiGHS's mean LP-bound gaps and the runs
    where combopt was better / worse."""
    runs = load(name)["instances"]
    out = []
    for c in CLASSES_30:
        rs = [d for d in runs if d["class"] == c]
        out += [f"{statistics.mean(d['combopt_gap_lp_pct'] for d in rs):.3f}",
                f"{statistics.mean(d['highs_gap_lp_pct'] for d in rs):.3f}",
                sum(d["combopt"] > d["highs"] for d in rs), sum(d["combopt"] < d["highs"] for d in rs)]
    return tuple(out)


def mdkp_seed_means(name: str = "mdkp_seed_spread.json"):
    """Per 30-constraint class, the range of HiGHS's per-seed class means, then the same for combopt, then the largest
    move between seeds of combopt's and of HiGHS's class means."""
    runs = load(name)["instances"]
    seeds = sorted({d["seed"] for d in runs})
    spans = {"highs": [], "combopt": []}
    out = {"highs": [], "combopt": []}
    for who in ("highs", "combopt"):
        for c in CLASSES_30:
            m = [statistics.mean(d[f"{who}_gap_lp_pct"] for d in runs if d["class"] == c and d["seed"] == s)
                 for s in seeds]
            out[who] += [f"{min(m):.3f}", f"{max(m):.3f}"]
            spans[who].append(float(f"{max(m):.3f}") - float(f"{min(m):.3f}"))
    return (*out["highs"], *out["combopt"], f"{max(spans['combopt']):.3f}", f"{max(spans['highs']):.3f}")


def mdkp_30_means(name: str):
    """Mean LP-bound gaps on the three 30-constraint classes: combopt's three, then HiGHS's three."""
    runs = load(name)["instances"]
    cs = [f"{statistics.mean(d['combopt_gap_lp_pct'] for d in runs if d['class'] == c):.3f}" for c in CLASSES_30]
    hs = [f"{statistics.mean(d['highs_gap_lp_pct'] for d in runs if d['class'] == c):.3f}" for c in CLASSES_30]
    return (*cs, *hs)


def mdkp_spread_5_10():
    """The 10 s seed run on the 5- and 10-constraint classes: number of classes where combopt's mean LP-bound gap
    is lower (it must be all of them for the sentence), runs better / of / worse, CPU seconds per wall second."""
    data = load("mdkp_seed_spread_5_10.json")
    runs = data["instances"]
    s = data["summary"]["10"]
    assert s["worse"] == 0 and s["equal"] == 0 and len(mdkp_spread()) == 12  # all lower, and the 30-class run too
    assert all(float(mdkp_spread()[i]) < float(mdkp_spread()[i + 1]) for i in (0, 4, 8))
    words = {6: "six"}
    highs, ours = mdkp_cpu("mdkp_seed_spread_5_10.json")
    return (words[s["better"]], sum(d["combopt"] > d["highs"] for d in runs), len(runs),
            sum(d["combopt"] < d["highs"] for d in runs), f"{ours:.2f}", f"{highs:.2f}")


def mdkp_60_outlier():
    """The 60 s seed run on 30 x 100: the run where HiGHS led by most (its value, combopt's, both values with the
    other seed when equal), then the other runs of the class: count, better / equal / worse, HiGHS's largest lead."""
    runs = [d for d in load("mdkp_seed_spread_60.json")["instances"] if d["class"] == "30x100"]
    lead = max(runs, key=lambda d: d["highs"] - d["combopt"])
    twin = [d for d in runs if d["instance"] == lead["instance"] and d is not lead]
    assert len(twin) == 1 and twin[0]["combopt"] == twin[0]["highs"]
    rest = [d for d in runs if d is not lead]
    better, equal, worse = _better_equal_worse(rest)
    return (f"{lead['highs']:.0f}", f"{lead['combopt']:.0f}", f"{twin[0]['combopt']:.0f}", len(rest), better,
            equal, worse, f"{max(d['highs'] - d['combopt'] for d in rest):.0f}")


SEEDS = "mdkp_classes_seeds.json"


def _seed_runs(c: str, T: float):
    return [d for d in load(SEEDS)["instances"] if d["class"] == c and d["T"] == T]


def mdkp_seeds_level():
    """The two-seed class table at 10 s: the classes where combopt's mean is lower at three decimals (the sentence
    says 8, with 30 x 500 level), 30 x 500's means to four decimals, its runs better / of / worse, then all runs
    better / of / equal / worse at 10 s and at 60 s."""
    runs = load(SEEDS)["instances"]
    lower = []
    for c in sorted({d["class"] for d in runs}):
        a, b = mdkp_class_means(c, 10.0, SEEDS)
        if float(a) < float(b):
            lower.append(c)
    a, b = mdkp_class_means("30x500", 10.0, SEEDS)
    assert a == b and len(lower) == 8, (lower, a, b)
    rs = _seed_runs("30x500", 10.0)
    m4 = [f"{statistics.mean(d[k] for d in rs):.4f}" for k in ("combopt_gap_lp_pct", "highs_gap_lp_pct")]
    b5, _, w5 = _better_equal_worse(rs)
    out = [len(lower), *m4, b5, len(rs), w5]
    for T in (10.0, 60.0):
        rt = [d for d in runs if d["T"] == T]
        b, e, w = _better_equal_worse(rt)
        out += [b, len(rt), e, w]
    return tuple(out)


def mdkp_seeds_60():
    """The two-seed class table at 60 s: classes lower / equal / higher, 30 x 500's means and runs better / equal /
    worse, the run that turns it (HiGHS's and combopt's values on mknapcb9 #10 with seed 1) and the class means
    without that instance."""
    lo, _n, eq, hi = mdkp_classes(60.0, SEEDS)[:4]
    rs = _seed_runs("30x500", 60.0)
    h, c = mdkp_seeds_runs("mknapcb9#10", 1)
    rest = [d for d in rs if d["instance"] != "mknapcb9#10"]
    return (lo, eq, hi, *mdkp_class_means("30x500", 60.0, SEEDS), *_better_equal_worse(rs), h, c,
            f"{statistics.mean(d['combopt_gap_lp_pct'] for d in rest):.3f}",
            f"{statistics.mean(d['highs_gap_lp_pct'] for d in rest):.3f}",
            ["no", "one", "two", "three", "four"][len(rest)])


def mdkp_seeds_runs(label: str, seed: int, T: float = 60.0):
    """HiGHS's and combopt's values on one run of the two-seed class table."""
    (d,) = [d for d in load(SEEDS)["instances"] if d["instance"] == label and d["seed"] == seed and d["T"] == T]
    return f"{d['highs']:.0f}", f"{d['combopt']:.0f}"


def mdkp_seeds_moved():
    """30 x 100 at 60 s and 30 x 250 at 10 s in the two-seed class table: means, runs better (of) / worse."""
    r100, r250 = _seed_runs("30x100", 60.0), _seed_runs("30x250", 10.0)
    b1, _, _ = _better_equal_worse(r100)
    b2, _, w2 = _better_equal_worse(r250)
    return (*mdkp_class_means("30x100", 60.0, SEEDS), b1, len(r100), *mdkp_class_means("30x250", 10.0, SEEDS), b2, w2)


def mdkp_ils60():
    """The held-out 30 x 100 run at 60 s: runs, mean LP-bound gaps (combopt, HiGHS), runs better / equal / worse
    (the sentences say "none" or "one")."""
    runs = load("mdkp_30x100_ils60.json")["instances"]
    better, equal, worse = _better_equal_worse(runs)
    return (len(runs), *mdkp_class_means("30x100", 60.0, "mdkp_30x100_ils60.json"), better, equal,
            ["none", "one"][worse])


def mdkp_cpu(name: str):
    """CPU seconds per wall second of one class run, as the script computes them: HiGHS's, combopt's."""
    runs = load(name)["instances"]
    return tuple(statistics.mean(d[f"{w}_cpu_s"] / d[f"{w}_s"] for d in runs if d[f"{w}_s"] > 0)
                 for w in ("highs", "combopt"))


def mdkp_walkers():
    """With local-search threads against without (the two --jobs 1 runs): runs better / total / equal / worse, then the
    mean LP-bound gaps without and with on 30 x 100, 30 x 250, 30 x 500, then 30 x 500's runs better / worse."""
    on, off = (load(f"mdkp_classes_walkers{s}.json")["instances"] for s in ("", "_off"))
    other = {(d["instance"], d["seed"]): d["combopt"] for d in off}
    assert len(other) == len(on)
    better = sum(d["combopt"] > other[(d["instance"], d["seed"])] for d in on)
    worse = sum(d["combopt"] < other[(d["instance"], d["seed"])] for d in on)
    gaps = []
    for c in ("30x100", "30x250", "30x500"):
        gaps += [mdkp_class_means(c, 10.0, "mdkp_classes_walkers_off.json")[0],
                 mdkp_class_means(c, 10.0, "mdkp_classes_walkers.json")[0]]
    big = [d for d in on if d["class"] == "30x500"]
    return (better, len(on), len(on) - better - worse, worse, *gaps,
            sum(d["combopt"] > other[(d["instance"], d["seed"])] for d in big),
            sum(d["combopt"] < other[(d["instance"], d["seed"])] for d in big))


def mdkp_class_means(c: str, T: float, name: str = "mdkp_classes.json"):
    """Mean LP-bound gaps of one class and limit: combopt's, HiGHS's."""
    rs = [d for d in load(name)["instances"] if d["class"] == c and d["T"] == T]
    return (f"{statistics.mean(d['combopt_gap_lp_pct'] for d in rs):.3f}",
            f"{statistics.mean(d['highs_gap_lp_pct'] for d in rs):.3f}")


def mdkp_same(c: str, T: float, name: str = "mdkp_classes.json"):
    """The one mean LP-bound gap both solvers share on a class (to three decimals)."""
    a, b = mdkp_class_means(c, T, name)
    assert a == b, (a, b)
    return (a,)


SIX_PER = "mdkp_classes_6per.json"


def mdkp_six_per():
    """The previous class-table run (six instances per class at 10 s): classes lower / of / equal / higher and
    instances better / of / worse at 10 s, then the same at 60 s."""
    a, b = (mdkp_classes(T, SIX_PER) for T in (10.0, 60.0))
    return (*a[:4], a[4], a[5], a[7], *b[:4], b[4], b[5], b[7])


def mdkp_10_30x500():
    """30 x 500 at 10 s in the class table: HiGHS's and combopt's mean LP-bound gaps, combopt better / of / worse."""
    rs = [d for d in load("mdkp_classes.json")["instances"] if d["class"] == "30x500" and d["T"] == 10.0]
    c, h = mdkp_class_means("30x500", 10.0)
    better, _eq, worse = _better_equal_worse(rs)
    return h, c, better, len(rs), worse


def mdkp_all10():
    """30 x 500 at 10 s over all 30 instances x 3 seeds: mean LP-bound gaps (combopt, HiGHS), runs better / of /
    equal / worse; asserts combopt's mean is lower on every seed (the README says so)."""
    runs = load("mdkp_30x500_all10.json")["instances"]
    for seed in {d["seed"] for d in runs}:
        rs = [d for d in runs if d["seed"] == seed]
        assert statistics.mean(d["combopt_gap_lp_pct"] for d in rs) < statistics.mean(d["highs_gap_lp_pct"] for d in rs)
    better, equal, worse = _better_equal_worse(runs)
    c, h = mdkp_class_means("30x500", 10.0, "mdkp_30x500_all10.json")
    return c, h, better, len(runs), equal, worse


def mdkp_30x500_without_lead():
    """Mean LP-bound gaps of the 30 x 500 run without the instance where HiGHS led by most."""
    runs = load("mdkp_classes_30x500.json")["instances"]
    lead = max(runs, key=lambda d: d["combopt_gap_lp_pct"] - d["highs_gap_lp_pct"])
    rest = [d for d in runs if d is not lead]
    return (f"{statistics.mean(d['combopt_gap_lp_pct'] for d in rest):.3f}",
            f"{statistics.mean(d['highs_gap_lp_pct'] for d in rest):.3f}")


def mdkp_30x500_dev():
    """The two variants on the same six development instances: mean LP-bound gaps (cores only, hybrid, HiGHS)."""
    a, b = mdkp_30x500("mdkp_30x500_dev_cores.json"), mdkp_30x500("mdkp_30x500_dev_hybrid.json")
    return a[0], a[1], b[1], a[2], b[2]


def mdkp_cb():
    cb = load("mdkp_lagrangian.json")["cb"]
    worst = max(cb, key=lambda r: r["combopt_gap_pct"])
    return (f"{statistics.mean(r['combopt_gap_pct'] for r in cb):.3f}",
            f"{statistics.mean(r['milp_gap_pct'] for r in cb):.3f}",
            sum(r["milp"] is not None for r in cb), len(cb), sum(bool(r["milp_proven"]) for r in cb),
            sum(r["combopt_gap_pct"] == 0 for r in cb), len(cb),
            f"{worst['combopt_gap_pct']:.3f}", worst["instance"])


def mdkp_slack():
    rows = load("mdkp_lagrangian.json")["slack"]
    ratio = [r["slack_binaries"] / r["free_binaries"] for r in rows]
    return (rng(ratio), rng([r["slack_binaries"] for r in rows], "{}"), rng([r["free_binaries"] for r in rows], "{}"))


def mdkp_slack_shares():
    rows = load("mdkp_lagrangian.json")["slack"]
    al = [100 * r["free_feasible_share"] for r in rows]
    plain = [100 * r["plain_feasible_share"] for r in rows]
    gaps = [g for r in rows for g in (r["slack_gap_pct"], r["free_gap_pct"])]
    return (rng(al, "{:.0f}"), rng(plain, "{:.0f}"), rng(gaps, "{:.2f}").replace("0.00-", "0-"),
            f"{max(r['plain_gap_pct'] for r in rows):.1f}")


# ---------------------------------------------------------------------------------------------- dmmv
def fir_reference_rows():
    out = []
    for r in load("dmmv_fir.json")["reference"]:
        db = 20 * math.log10(r["dmmv"])
        out.append(f"| {r['spec']} N={r['order']} B={r['bits']} | {r['remez']:.5f} | {r['rounded_remez']:.5f} | "
                   f"{r['dmmv']:.5f} ({db:.2f} dB), {r['dmmv_s']:.2f} s | {r['milp_cbc']:.5f} "
                   f"{r['milp_cbc_status']}, {r['milp_cbc_s']:.1f} s | {r['milp_highs']:.5f} "
                   f"{r['milp_highs_status']}, {r['milp_highs_s']:.1f} s |")
    return out


def fir_large_rows():
    out = []
    for r in load("dmmv_fir.json")["large"]:
        best = min(r["milp_cbc"], r["milp_highs"])
        out.append(f"| {r['spec']} | {r['rounded_remez']:.5f} | {r['dmmv']:.5f} @ {r['dmmv_best_at_s']:.1f} s | "
                   f"{r['milp_cbc']:.5f} {r['milp_cbc_status']} | {r['milp_highs']:.5f} {r['milp_highs_status']} "
                   f"({r['milp_highs_bound']:.5f}) | {r['dmmv'] / best:.3f} |")
    return out


def fir_large_margin():
    rows = load("dmmv_fir.json")["large"]
    below = [100 * (1 - r["dmmv"] / min(r["milp_cbc"], r["milp_highs"])) for r in rows]
    gap = [100 * (r["dmmv"] / r["milp_highs_bound"] - 1) for r in rows]
    return (rng(below), rng(gap, "{:.0f}"))


def fir_n200_must_show():
    """The issue-15 must-show run (order 200, 9 bits): HiGHS and DMMV at 60 s in one run."""
    r = load("dmmv_fir_large_n200.json")["specs"][0]
    return (f"{r['milp_highs']:.5f}", f"{r['dmmv']:.5f}", f"{r['dmmv_best_at_s']:.1f}",
            f"{r['dmmv_below_highs_pct']:.1f}", f"{r['dmmv_lns']:.5f}", f"{0.8 * r['milp_highs']:.5f}")


def fir_n200_large():
    """The order-200 row of the large-order FIR table: DMMV's margin, HiGHS's incumbent, DMMV's ripple."""
    r = next(r for r in load("dmmv_fir_large.json")["specs"] if r["spec"] == "fir_n200_b9")
    return (f"{r['dmmv_below_highs_pct']:.1f}", f"{r['milp_highs']:.5f}", f"{r['dmmv']:.5f}")


def fir_n200_600():
    r = load("dmmv_fir_large_n200_600.json")["specs"][0]
    return (f"{r['dmmv']:.5f}", f"{r['dmmv_best_at_s']:.1f}", f"{r['milp_highs']:.5f}", f"{r['milp_highs_bound']:.5f}",
            f"{r['dmmv_below_highs_pct']:.1f}", f"{r['dmmv_lns']:.5f}")


def fir_n400_600():
    r = load("dmmv_fir_large_n400_600.json")["specs"][0]
    return (f"{r['dmmv']:.5f}", f"{r['dmmv_best_at_s']:.1f}", f"{r['milp_highs']:.5f}", f"{r['milp_highs_bound']:.5f}",
            f"{r['dmmv_below_highs_pct']:.1f}")


def fir_n200_600_highs() -> float:
    return load("dmmv_fir_large_n200_600.json")["specs"][0]["milp_highs"]


def fir_landscape_floor():
    """The landscape run's best seed: its ripple, which seed, when (rounded up to whole seconds)."""
    d = min(load("dmmv_fir_landscape.json")["result"]["dmmv"], key=lambda d: d["ripple"])
    return f"{d['ripple']:.5f}", d["seed"], math.ceil(d["best_at_s"])


def fir_landscape():
    """The order-200 landscape probe: DMMV's spread over seeds, the multi-start probe, the 20 % target."""
    r = load("dmmv_fir_landscape.json")["result"]
    below = [100 * (1 - d["ripple"] / r["milp_highs"]) for d in r["dmmv"]]
    ms = r["multistart"]
    assert ms["distinct"] == 1, "the text says the random roundings reach one local optimum"
    return (f"{min(below):.1f}", f"{max(below):.1f}", ms["starts"], f"{r['target']:.5f}")


def fir_lattice_summary():
    """The FIR lattice-start run: rounding against rounded Remez, and the search from both starts."""
    rows = load("dmmv_fir_lattice.json")["specs"]
    better = [100 * (1 - r["lattice_rounding"] / r["rounded_remez"]) for r in rows
              if round(r["lattice_rounding"], 5) < round(r["rounded_remez"], 5)]
    n300 = next(r for r in rows if r["spec"] == "fir_n300_b10")
    return (len(better), len(rows), rng(better), n300["lattice_candidates"] // 4, sum(r["same_taps"] for r in rows),
            len(rows), f"{100 * (n300['lattice_over_auto'] - 1):.1f}")


def fir_large_summary():
    """DMMV below HiGHS at orders 120-300 and at 400-1000 (where HiGHS's 60 s answer is its start), the LNS windows."""
    rows = load("dmmv_fir_large.json")["specs"]
    below = [r["dmmv_below_highs_pct"] for r in rows if r["order"] <= 300]
    above = [r["dmmv_below_highs_pct"] for r in rows if r["order"] >= 400]
    return (rng(below), rng(above), sum(r["dmmv_lns_improvements"] for r in rows),
            sum(r["dmmv_lns_windows"] for r in rows))


def quantization_rows():
    d = load("dmmv_quantization.json")
    by = {(r["bits"], r["method"]): r for r in d["results"]}
    out = []
    for bits in (3, 4):
        g = by[(bits, "gptq")]["layers"]
        for method in ("rtn", "gptq", "dmmv"):
            r = by[(bits, method)]
            cells = []
            for li, layer in enumerate(r["layers"]):
                v = layer["mean_row_linf"]
                if method == "gptq":
                    cells.append(f"{v:.4f}")
                else:
                    cells.append(f"{v:.4f} ({100 * (v / g[li]['mean_row_linf'] - 1):+.1f} %)")
            out.append(f"| {bits} | {method.upper()} | {cells[0]} | {cells[1]} | {100 * r['accuracy']:.2f} % |")
    return out


def quantization_claims():
    d = load("dmmv_quantization.json")
    by = {(r["bits"], r["method"]): r for r in d["results"]}
    g, m = by[(3, "gptq")]["layers"], by[(3, "dmmv")]["layers"]
    below = [100 * (1 - m[i]["mean_row_linf"] / g[i]["mean_row_linf"]) for i in range(2)]
    acc = {k: f"{100 * by[(3, k)]['accuracy']:.2f}" for k in ("dmmv", "gptq", "rtn")}
    return (rng(below), acc["dmmv"], acc["gptq"], acc["rtn"], f"{100 * d['float_accuracy']:.2f}")


def quantization_sse():
    by = {(r["bits"], r["method"]): r for r in load("dmmv_quantization.json")["results"]}
    d, g = by[(3, "dmmv")]["layers"], by[(3, "gptq")]["layers"]
    return (f"{d[0]['sse']:.0f}", f"{g[0]['sse']:.0f}", f"{d[1]['sse']:.0f}", f"{g[1]['sse']:.0f}")


def throughput_rows():
    out = []
    for r in load("dmmv_throughput.json")["rows"]:
        xp = r["batch"].get("numpy_xp")
        out.append(f"| {r['model']} | {r['driver']['moves_scored_per_s'] / 1e6:.2f} | "
                   f"{r['batch']['cpu_batch'] / 1e6:.2f} | {'-' if xp is None else f'{xp / 1e6:.2f}'} |")
    return out


def fir_readme():
    ref = load("dmmv_fir.json")["reference"]
    return tuple(f"{r['dmmv']:.5f}" for r in ref) + (rng([r["dmmv_s"] for r in ref], "{:.2f}"),) + tuple(
        rng([r["milp_cbc_s"], r["milp_highs_s"]], "{:.1f}") for r in ref)


def _tomo_summary(label: str) -> dict:
    """One summary line of the tomography grid, recomputed from the json (the .md rows are checked verbatim)."""
    d = load("dmmv_tomography.json")
    sel = {"all noisy": lambda r: r["noise"] > 0, "noise-free": lambda r: r["noise"] == 0}[label]
    sub = [r for r in d["grid"] if sel(r)]
    mean = statistics.fmean(r["dmmv"]["pixel_error_pct"] for r in sub)
    best = statistics.fmean(min(r[m]["pixel_error_pct"] for m in ("sart", "sirt", "dart")) for r in sub)
    return {"n": len(sub), "lower": f"{100 * (1 - mean / best):.1f}",
            "worse": sum(r["dmmv"]["pixel_error_pct"] > r[r["dmmv"]["start"]]["pixel_error_pct"] + 1e-9 for r in sub),
            "kept": sum(bool(r["dmmv"]["kept_start"]) for r in sub)}


def _tomo_means(label: str) -> tuple[str, str]:
    sub = [r for r in load("dmmv_tomography.json")["grid"] if (r["noise"] == 0) == (label == "noise-free")]
    return (f"{statistics.fmean(r['dmmv']['pixel_error_pct'] for r in sub):.2f}",
            f"{statistics.fmean(min(r[m]['pixel_error_pct'] for m in ('sart', 'sirt', 'dart')) for r in sub):.2f}")


def tomo_worse():
    """DART and DMMV of the noisy instances where DMMV ended worse than its start."""
    rows = [r for r in load("dmmv_tomography.json")["grid"]
            if r["noise"] > 0 and r["dmmv"]["pixel_error_pct"] > r["dart"]["pixel_error_pct"] + 1e-9]
    return (", ".join(f"{r['dart']['pixel_error_pct']:.2f}" for r in rows),
            ", ".join(f"{r['dmmv']['pixel_error_pct']:.2f}" for r in rows))


def tomo_readme():
    issue = load("dmmv_tomography.json")["issue_case"]
    noisy = _tomo_summary("all noisy")
    return tuple(f"{c[m]['pixel_error_pct']:.2f}" for m in ("dmmv", "sart", "dart") for c in issue) + (
        noisy["n"], noisy["lower"], noisy["worse"], noisy["n"], noisy["kept"])


# ---------------------------------------------------------------------------------------------- atsp
def atsp_suite():
    row = suite_table("atsp")[("tsplib-atsp", "tsp-ls")]
    return row["at optimum"].split("/")[0], f"{float(row['mean time s']):.2f}"


def atsp_lkh():
    sm = load("atsp_lkh_300.json")["summary"]
    return (f"{sm['mean_gap_pct']:.3f}", sm["runs"], sm["below"], sm["level"], sm["above"],
            *(f"{sm['by_class'][c]:.3f}" for c in ("amat", "tmat", "shop", "tilt", "smat", "crane")))


def atsp_tilt():
    rows = [r for r in load("atsp_lkh_300.json")["results"] if r["instance"].startswith("tilt")]
    below = sorted(-g for r in rows for g in r["gap_pct"])
    bound = sorted(r["bound_gap_pct"] for r in rows)
    return f"{below[0]:.3f}", f"{below[-1]:.3f}", f"{bound[0]:.2f}", f"{bound[-1]:.2f}"


def atsp_range(n: int, cls: str, sign: int) -> tuple[str, str]:
    gaps = sorted(sign * g for r in load(f"atsp_lkh_{n}.json")["results"] if r["instance"].startswith(cls)
                  for g in r["gap_pct"])
    return f"{gaps[0]:.2f}", f"{gaps[-1]:.2f}"


def atsp_amat_1000() -> tuple[str, str, str, str]:
    gaps = sorted(g for r in load("atsp_lkh_1000.json")["results"] if r["instance"].startswith("amat")
                  for g in r["gap_pct"])
    return f"{sum(gaps) / len(gaps):.3f}", f"{gaps[0]:.3f}", f"{gaps[-1]:.3f}", atsp_lkh_s(1000, "amat")


def atsp_lkh_s(n: int, cls: str) -> str:
    return f"{max(r['lkh_s'] for r in load(f'atsp_lkh_{n}.json')['results'] if r['instance'].startswith(cls)):.0f}"


def atsp_readme():
    t = suite_table("atsp")
    ls, lkh, highs = (t[("tsplib-atsp", k)] for k in ("tsp-ls", "lkh", "highs"))
    at = [r["at optimum"].split()[0].split("/") for r in (ls, lkh)]
    return (*at[0], f"{float(ls['mean time s']):.2f}", *at[1], highs["proven optimal"].split()[0].split("/")[0],
            highs["runs"])


# ---------------------------------------------------------------------------------------------- rcpsp
def suite_log(name: str) -> tuple[str, str]:
    """``(runs, seconds)`` of the "N run(s) in S s" line that `combopt bench` printed."""
    return re.search(r"^(\d+) run\(s\) in ([\d.]+) s", (RESULTS / f"suites/{name}.log").read_text(), re.M).groups()


@cache
def suite_rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (RESULTS / f"suites/{name}.jsonl").read_text().splitlines() if line.strip()]


def suite_table(name: str) -> dict[tuple[str, str], dict[str, str]]:
    """``(set, solver) -> {column: cell}`` of a `combopt report --md` table."""
    lines = (RESULTS / f"suites/{name}.md").read_text().splitlines()
    cols = [c.strip() for c in lines[0].strip("|").split("|")]
    out = {}
    for line in lines[2:]:
        cells = dict(zip(cols, (c.strip() for c in line.strip("|").split("|")), strict=True))
        out[(cells["set"], cells["solver"])] = cells
    return out


def j30_suite():
    row = suite_table("rcpsp-j30")[("j30", "rcpsp-ga")]
    runs, wall = suite_log("rcpsp-j30")
    return (f"{float(row['mean gap %']):.3f}", row["at optimum"].split("/")[0], wall, runs)


def j120_suite():
    row = suite_table("rcpsp-j120")[("j120", "rcpsp-ga")]
    rows = suite_rows("rcpsp-j120")
    bk = statistics.mean(100 * (r["best_known"] - r["reference_bound"]) / r["reference_bound"] for r in rows)
    return (f"{float(row['mean dev. from bound %']):.2f}", f"{bk:.2f}", suite_log("rcpsp-j120")[1])


def j120_text():
    row = suite_table("rcpsp-j120")[("j120", "rcpsp-ga")]
    return (f"{float(row['mean dev. from bound %']):.2f}", j120_suite()[1], f"{float(row['mean gap %']):.2f}",
            *row["at best known"].split()[0].split("/"), row["at optimum"].split()[0].split("/")[1])


def cpsat_text():
    t = suite_table("rcpsp-cpsat")
    ga, cp = t[("j120", "rcpsp-ga")], t[("j120", "cp-sat")]
    n = ga["runs"]
    wins, losses = ga["wins/losses"].split("/")
    return (wins, n, losses, cp["proven optimal"].split("/")[0], n, ga["proven optimal"].split("/")[0])


def rcpsp_bounds_readme():
    """The destructive-improvement bound's figures in the README, from results/rcpsp_bounds.json."""
    d = load("rcpsp_bounds.json")["results"]
    j30, j120 = d["j30"], d["j120"]

    def gap(recs, key):
        return f"{statistics.fmean(100 * (r['best_known'] - r[key]) / r['best_known'] for r in recs):.2f}"

    def ms(recs):
        return f"{1000 * statistics.fmean(r['seconds'] for r in recs):.0f}"

    sub30, sub120 = ([r for r in recs if "cpsat" in r] for recs in (j30, j120))
    return (sum(r["propagation"] == r["best_known"] for r in j30), len(j30),
            sum(r["base"] == r["best_known"] for r in j30), gap(j30, "base"), gap(j30, "propagation"),
            gap(j120, "base"), gap(j120, "propagation"), ms(j30), ms(j120), gap(sub30, "cpsat"),
            gap(sub120, "cpsat"), suite_table("rcpsp-j30")[("j30", "rcpsp-ga")]["proven optimal"].split("/")[0])


def j30_proven_text():
    row = suite_table("rcpsp-j30")[("j30", "rcpsp-ga")]
    return (int(row["at optimum"].split("/")[0]) - int(row["proven optimal"].split("/")[0]),)


def mdkp_text():
    t = suite_table("mdkp")
    opt = [t[("mknap1", e)]["at optimum"].split()[0] for e in ("mdkp-core", "lagrangian", "highs")]
    assert len(set(opt)) == 1
    n = opt[0].split("/")[1]
    out = [n, t[("mknap1", "slack-penalty")]["at optimum"].split()[0].replace("/", " of ")]
    for e in ("lagrangian", "mdkp-core", "highs"):
        r = t[("mknapcb1", e)]
        out += [r["mean gap %"], r["at best known"].split()[0].replace("/", " of ")]
    proven = [t[(s, "highs")]["proven optimal"].split()[0].split("/") for s in ("mknap1", "mknapcb1")]
    return (*out, f"{proven[0][0]} of the {proven[0][1]}", "none" if proven[1][0] == "0" else proven[1][0])


OVERHEAD_ROWS = (
    "forkserver (local executor): empty run, launch overhead",
    "subprocess (`python -m combopt.bench.worker`): empty run, launch overhead",
    "forkserver: `ils`, 1 iteration on johnson8-2-4, whole run",
    "subprocess: the same run",
    "fresh interpreter, `python -c pass`",
    "fresh interpreter, `import combopt` + every family",
    "`ils` first solve in a fresh process (Numba initialisation + kernels from the cache)",
    "`ils` second solve in the same process",
)


def overhead():
    """``(median, min)`` per line of `bench_overhead.py`'s output, in its order."""
    lines = (RESULTS / "suites/overhead.txt").read_text().splitlines()[1:]
    return [tuple(line.split()[-2:]) for line in lines if line.strip()]


def overhead_rows():
    vals = overhead()
    assert len(vals) == len(OVERHEAD_ROWS)
    return [f"| {what} | {med} | {lo} |" for what, (med, lo) in zip(OVERHEAD_ROWS, vals, strict=True)]


def overhead_text():
    v = overhead()
    ratio = float(v[3][0]) / float(v[2][0])
    return (f"{float(v[0][0]):.2f}", f"{float(v[1][0]):.1f}", f"{float(v[2][0]):.2f}", f"{float(v[3][0]):.1f}",
            f"{ratio:.0f}")


def quick_wall_rows():
    walls = re.findall(r"--jobs (\d+): command wall time ([\d.]+) s", (RESULTS / "suites/quick-wall.txt").read_text())
    out = []
    for (jobs, wall), log in zip(walls, ("quick", "quick-run2", "quick-jobs1"), strict=True):
        out.append(f"| {jobs} | {suite_log(log)[1]} s | {wall} s |")
    return out


def quick_counts():
    rows = suite_rows("quick")
    families = {"mec": "coupling", "ebim": "coupling", "mecb": "coupling"}
    return (len(rows), len({families.get(r["kind"], r["kind"]) for r in rows}), len({r["set"] for r in rows}),
            len({r["label"] for r in rows}))


def quick_text():
    rows = suite_rows("quick")
    t = suite_table("quick")
    pair = {r["label"]: r for r in rows if r["set"] == "mec" and r["instance"] == "pair4"}
    dag = {r["label"]: r for r in rows if r["set"] == "dag"}
    return (f"{pair['mec-greedy']['objective'] - pair['mec-exact']['objective']:.3f}",
            f"{float(t[('ebim', 'ebim')]['mean dev. from bound %']):.2f}",
            f"{float(t[('ebim', 'ebim-exact')]['mean dev. from bound %']):.2f}",
            f"{dag['topo']['objective']:.5f}", f"{dag['dagma']['objective']:.5f}")


def cpsat_suite():
    t = suite_table("rcpsp-cpsat")
    return (f"{float(t[('j120', 'rcpsp-ga')]['mean gap %']):.2f}", f"{float(t[('j120', 'cp-sat')]['mean gap %']):.2f}")


def _rcb_rows(setting):
    return [r for r in load("rcpsp_rcb.json")["rows"] if r["setting"] == setting]


def rcb_table():
    s = load("rcpsp_rcb.json")["summary"]
    out = []
    for st in ("precedence", "all-0.5", "tight"):
        n = s[f"{st}_instances"]
        cp = s.get(f"{st}_cpsat_feasible")
        out.append(f"| {st} | {s[f'{st}_rules_feasible']} / {n} | **{s[f'{st}_ga_feasible']} / {n}** | "
                   + ("|" if cp is None else f"{cp} / {n} |"))
    return out


def rcb_text():
    s = load("rcpsp_rcb.json")["summary"]
    rows = _rcb_rows("all-0.5")
    return (thousands(s["instances"]), f"{statistics.mean(r['windows'] for r in rows):.1f}",
            f"{statistics.mean(r['downtime_intervals'] for r in rows):.1f}",
            f"{statistics.mean(r['disjunctive_pairs'] for r in rows):.1f}")


def rcb_time():
    s = load("rcpsp_rcb.json")["summary"]
    per = [statistics.mean(r["ga_wall_s"] for r in _rcb_rows(st)) for st in ("precedence", "all-0.5", "tight")]
    return (rng(per), thousands(s["total_wall_s"]), thousands(s["instances"]))


def rcb_readme():
    s = load("rcpsp_rcb.json")["summary"]
    plain = [r for r in load("rcpsp_rcb.json")["rows"]
             if r["windows"] == 0 and r["downtime_intervals"] == 0 and r["disjunctive_pairs"] == 0]
    assert all(r["setting"] == "precedence" for r in plain)
    total = sum(s[f"{st}_ga_feasible"] for st in ("precedence", "all-0.5", "tight"))
    assert total == s["instances"]
    return (thousands(s["instances"]), thousands(len(plain)), thousands(s["instances"] - len(plain)))


def _fmt_rows(fn: Callable[[], list[str]]):
    return lambda: ("\n".join(fn()),)


# ---------------------------------------------------------------------------------------------- registry
def gpu_counts() -> tuple:
    scale = load("gpu_check_scale.json")["runs"]
    return len(load("gpu_check.json")["results"]), sum(len(run["results"]) for run in scale)


def gpu_speeds() -> tuple:
    full, scale = load("gpu_check.json")["results"], load("gpu_check_scale.json")["runs"]

    def one(rows, start, *inside):
        hits = [r for r in rows if r["name"].startswith(start) and all(x in r["name"] for x in inside)]
        assert len(hits) == 1, (start, inside, [r["name"] for r in rows])
        return hits[0]

    def ratio(r):
        return f"{r['cpu_s'] / r['gpu_s']:.2f}"

    fir = one(full, "dmmv scoring FIR")
    sa32 = one(scale[0]["results"], "sa dense", "32768 replicas", "replica-major")
    return (ratio(one(full, "sa dense")), ratio(sa32),
            ratio(one(full, "rcpsp decode j1201")), ratio(one(scale[1]["results"], "rcpsp decode j1201", "65536")),
            f"{fir['cupy'] / fir['cpu_batch']:.1f}")


# (id, document, template, values)
def maxcut_summary():
    rows = {r[0]: r for r in load("maxcut.json")["summary"]}
    return (rows["sa"][1], rows["sa"][2].split()[0], rows["dwave-sa"][1], rows["dwave-sa"][2].split()[0],
            rows["pt"][1], rows["pt"][2].split()[0], rows["tabu"][1], rows["tabu"][2].split()[0],
            rows["dwave-tabu"][1], rows["dwave-tabu"][2].split()[0])


def maxcut_bounds():
    """Per class, the least and largest % of the bound above the row's best cut; then the same for the steps-only
    bound measured beside it."""
    res = load("maxcut.json")["results"]
    classes = (("unit-G(800",), ("pm1-G(800",), ("torus-20x40", "planar-800"), ("unit-G(2000",), ("torus-50x40",))

    def span(key):
        out = []
        for prefixes in classes:
            gaps = [100 * (r[key] / r["best"] - 1) for r in res if r["instance"].startswith(prefixes)]
            out += [f"{min(gaps):.1f}", f"{max(gaps):.1f}"]
        return out

    return tuple(span("bound") + span("bound_steps_only"))


def qubo_bounds():
    """% above: the optimum (milp, up to 100 variables), the best found (250-1000), the run's bound and the bound
    with T seconds of its own at 2500 variables (the OR-Library-like rows)."""
    res = [r for r in load("qubo_bound.json")["results"] if r["instance"].startswith("bqp-like")]

    def above(rows, key):
        gaps = [100 * (r[key] - max(r["tabu"], r["optimum"] or -1e300)) / abs(r["tabu"]) for r in rows]
        return f"{min(gaps):.1f}", f"{max(gaps):.1f}"

    small = [r for r in res if r["n"] <= 100]
    mid = [r for r in res if 250 <= r["n"] <= 1000]
    big = [r for r in res if r["n"] == 2500]
    return (*above(small, "run_bound"), *above(mid, "run_bound"), *above(big, "run_bound"), *above(big, "bound_T"))


QUBO_BOUNDS = ("the bound is {}-{} % above the optimum that `milp` proves at 50 and 100 variables, {}-{} % above "
               "the best `tabu` found at 250-1000 and {}-{} % at 2500 ({}-{} % with 5 s of its own)")

MAXCUT_BOUNDS = ("The bound is {}-{} % above the best cut on the random unit-weight 800-vertex graphs, {}-{} % on the "
                 "+-1 ones, {}-{} % on the 800-vertex grids and planar graphs, {}-{} % on the unit-weight 2000-vertex "
                 "graphs and {}-{} % on the 2000-vertex tori (the subgradient steps alone, in the same run and time: "
                 "{}-{}, {}-{}, {}-{}, {}-{} and {}-{} %)")

def clique_theta():
    """The 5 s solves with and without the theta bound: proven optimal counts and mean gaps."""
    data = load("clique_bounds.json")
    res = data["results"]

    def gap(key):
        gaps = [(r[key]["bound"] - r[key]["objective"]) / r[key]["objective"] for r in res
                if r[key]["bound"] is not None and r[key]["objective"]]
        return f"{statistics.mean(gaps):.3f}"

    proven = [sum(r[k]["status"] == "optimal" for r in res) for k in ("solve_proof", "solve_theta", "solve_before")]
    return (f"{data['args']['time_limit']:g}", proven[0], len(res), proven[1], proven[2], gap("solve_before"),
            gap("solve_theta"), gap("solve_proof"))


def clique_theta_peer():
    """combopt's certified theta against SCS's value where both ran: the spread of the relative difference (all, and
    where combopt's converged), and SCS's time over combopt's where combopt's converged."""
    res = [r for r in load("clique_bounds.json")["results"] if r["scs"] is not None and r["theta"] is not None]
    conv = [r for r in res if r["theta_converged"]]

    def diff(rows):
        d = [100 * (r["theta"] - r["scs"]) / r["scs"] for r in rows]
        return f"{min(d):+.3f}", f"{max(d):+.3f}"

    ratio = [r["scs_s"] / max(r["theta_s"], 1e-3) for r in conv]
    return (len(res), *diff(res), len(conv), *diff(conv), f"{min(ratio):.1f}", f"{max(ratio):.1f}")


CLIQUE_THETA = ("{} s solves of the default solver end proven optimal on {} of {} graphs with the theta bound and the "
                "exact clique proof ({} with theta alone, {} with neither, in the same run), and the mean gap (bound - "
                "found) / found falls from {} with neither to {} with theta and {} with both")
CLIQUE_THETA_PEER = ("On the {} graphs where SCS ran, combopt's certified value is {} to {} % from SCS's (which is "
                     "not certified); on the {} where combopt's converged to 1e-4, {} to {} %, with SCS taking {} to "
                     "{} times combopt's time")

def dag_protocols():
    rows = load("dag_protocols.json")["rows"]

    def mean_shd(protocol, method):
        return f"{statistics.mean(r['shd'] for r in rows if r['protocol'] == protocol and r['method'] == method):.1f}"
    return tuple(mean_shd(p, m) for p, m in (
        ("protocol", "topo"), ("protocol", "dagma"), ("weak", "topo"), ("weak", "dagma"),
        ("weak", "topo threshold=0.1"),
        ("hetero", "topo"), ("hetero", "dagma"), ("standardised", "topo"), ("standardised", "dagma"),
        ("hetero", "topo threshold=0.1")))


DAG_PROTOCOLS = ("DAGMA): the protocol itself {} / {}; weak weights +-[0.2, 0.6] {} / {} (the 0.3 threshold cuts true "
                 "edges; `threshold=0.1` gives {}); unequal noise variances (standard deviations U(0.5, 2)) {} / {}; "
                 "standardised columns {} / {}.")
DAG_PROTOCOLS_HURTS = "(0.1 helps weak weights and hurts unequal variances: {})"


CLAIMS: list[tuple[str, str, str, Callable[[], tuple]]] = [
    ("dag-protocols", README, DAG_PROTOCOLS, lambda: dag_protocols()[:9]),
    ("dag-protocols-hurts", README, DAG_PROTOCOLS_HURTS, lambda: dag_protocols()[9:]),
    *[(f"clique-theta-{name}", document, CLIQUE_THETA, clique_theta) for name, document in (("readme", README),
                                                                                           ("bench", BENCH))],
    ("clique-theta-peer", BENCH, CLIQUE_THETA_PEER, clique_theta_peer),
    *[(f"qubo-bounds-{name}", document, QUBO_BOUNDS, qubo_bounds) for name, document in (("readme", README),
                                                                                         ("bench", BENCH))],
    *[(f"maxcut-bounds-{name}", document, MAXCUT_BOUNDS, maxcut_bounds) for name, document in (("readme", README),
                                                                                               ("bench", BENCH))],
    ("maxcut-summary", README, "`sa` reached {} of the best cut of each row on average (the best on {} of 12), "
     "dwave-samplers' SA {} ({} of 12), `pt` {} ({}), `tabu` {} ({}) and dwave-samplers' tabu {} ({})",
     maxcut_summary),
    ("gpu-check-counts", README, "all {} checks of the full run and all {} of the scaling run agreed", gpu_counts),
    ("gpu-speeds", README, "The GPU annealer ran at {}x the CPU with 1,024 replicas (dense n=1000) but {}x with "
     "32,768; RCPSP decoding at {}x with 4,096 lists and {}x with 65,536; DMMV scoring with CuPy at {}x the CPU "
     "batch kernel on the FIR model", gpu_speeds),
    ("suite-fir-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/fir.log`',
     lambda: re.search(r"^(\d+) run\(s\) in ([\d.]+) s", (RESULTS / "suites/fir.log").read_text(), re.M).groups()),
    ("suite-tsp-qubo-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/tsp-qubo.log`',
     lambda: re.search(r"^(\d+) run\(s\) in ([\d.]+) s", (RESULTS / "suites/tsp-qubo.log").read_text(),
                       re.M).groups()),
    ("suite-qubo-wall", BENCH, '"{} run(s) in {} s" (`results/suites/qubo.log`', lambda: suite_log("qubo")),
    ("suite-dag-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/dag.log`',
     lambda: re.search(r"^(\d+) run\(s\) in ([\d.]+) s", (RESULTS / "suites/dag.log").read_text(), re.M).groups()),
    ("suite-j120-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/rcpsp-j120.log`',
     lambda: suite_log("rcpsp-j120")),
    ("suite-cpsat-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/rcpsp-cpsat.log`',
     lambda: suite_log("rcpsp-cpsat")),
    ("suite-crossover-wall", BENCH, '`benchmarks/suites/rcpsp-j120-crossover.toml`, "{} run(s) in {} s"',
     lambda: suite_log("rcpsp-j120-crossover")),
    ("suite-mdkp-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/mdkp.log`',
     lambda: suite_log("mdkp")),
    ("suite-quick-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/quick.log`',
     lambda: suite_log("quick")),
    ("suite-j30-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (the bench output, `results/suites/rcpsp-j30.log`',
     lambda: re.search(r"^(\d+) run\(s\) in ([\d.]+) s", (RESULTS / "suites/rcpsp-j30.log").read_text(),
                       re.M).groups()),
    ("anneal-median-ratios", BENCH, "Against dwave in this run: dense **{:.2f}x** (median of the per-repeat ratios), "
     "sparse **{:.2f}x**",
     lambda: tuple(c["ratio_per_repeat_median"] for c in load("anneal_throughput.json")["cases"])),
    ("readme-anneal-ratios", README, "makes {:.2f}x as many flip attempts per second as dwave-samplers' C++ "
     "`SimulatedAnnealingSampler` on a dense n = 1000 QUBO and {:.2f}x on a sparse n = 10,000 one",
     lambda: tuple(c["ratio_per_repeat_median"] for c in load("anneal_throughput.json")["cases"])),
    ("anneal-ratio-scatter", BENCH, "the per-repeat ratios scatter from {:.2f}x to {:.2f}x (dense) and {:.2f}x to "
     "{:.2f}x (sparse)", lambda: tuple(v for c in load("anneal_throughput.json")["cases"]
                                       for v in (min(c["ratio_per_repeat"]), max(c["ratio_per_repeat"])))),
    ("anneal-thread-cpu", BENCH, "(thread CPU time ratios: {:.2f}x dense, {:.2f}x sparse)",
     lambda: tuple(c["ratio_combopt_1t_vs_dwave_thread_cpu"] for c in load("anneal_throughput.json")["cases"])),
    ("anneal-thread-reference", BENCH, "Machine reference: a trivial compute loop runs {:.2f}x faster on 2 threads "
     "than on 1", lambda: (load("anneal_throughput.json")["thread_scaling_reference"],)),
    ("quantization-setup", BENCH, "digits MLP 64-64-10 (float test accuracy {:.2f} %), {} calibration images, DMMV "
     "{:.0f} s per layer", lambda: (100 * load("dmmv_quantization.json")["float_accuracy"],
                                   load("dmmv_quantization.json")["args"]["calib"],
                                   load("dmmv_quantization.json")["args"]["time_limit"])),
    ("mis-summary", BENCH, "The default `sa-ils` reaches the clique number on {} of {} graphs (dwave SA {}, dwave "
     "tabu {}) and is at least as good as the best dwave sampler on {} of {}", mis_summary),
    ("mis-readme", README, "it reached the clique number on {} (dwave-samplers' SA {}, tabu {}), and was at least as "
     "good as both on {}", lambda: (mis_summary()[0], mis_summary()[2], mis_summary()[3], mis_summary()[4])),
    ("mdkp-classes-10", BENCH, "At 10 s `mdkp-core`'s mean gap to the LP bound is lower than HiGHS's in {} of "
     "the {} classes ({} equal, {} higher); per instance it was better on {} of {}, equal on {}, worse on {}. Its "
     "mean gap to the best-known values on the six OR-Library classes is {}-{} %", lambda: mdkp_classes(10.0)),
    ("mdkp-classes-60", BENCH, "At 60 s: lower in {} of {} classes ({} equal, {} higher); per instance better on "
     "{} of {}, equal on {}, worse on {}; from {} to {} % from the best-known values", lambda: mdkp_classes(60.0)),
    ("mdkp-six-per", BENCH, "In this run `mdkp-core` was lower than HiGHS in {} of the {} classes at 10 s ({} "
     "equal, {} higher; better on {} of {} instances, worse on {}) and in {} of {} at 60 s ({} equal, {} higher; "
     "better on {} of {}, worse on {})", mdkp_six_per),
    ("mdkp-10-30x500", BENCH, "where HiGHS has the lower mean in this table is 30 x 500 at 10 s: HiGHS {} % against "
     "combopt's {} %, combopt better on "
     "{} of {} instances and worse on {}", mdkp_10_30x500),
    ("readme-mdkp-15", README, "it was lower in {} of {} classes at 10 s, HiGHS lower on 30 x 500 ({} % against {} %, "
     "combopt better on {} of {} instances and worse on {}), and lower in {} of {} at 60 s",
     lambda: (*mdkp_classes(10.0)[:2], *mdkp_10_30x500(), *mdkp_classes(60.0)[:2])),
    ("mdkp-30x500-all10", BENCH, "combopt's mean gap to the LP bound is {} % against HiGHS's {} %: better on {} of "
     "{} runs, equal on {}, worse on {}, and lower on each of the three seeds", mdkp_all10),
    ("readme-mdkp-all10", README, "Over all 30 mknapcb9 instances x 3 seeds at 10 s it was lower on 30 x 500, {} % "
     "against {} % (better on {} of {} runs, worse on {};", lambda: (*mdkp_all10()[:4], mdkp_all10()[5])),
    ("mdkp-30x500", BENCH, "On {} mknapcb9 instances at 60 s the previous path's mean gap to the LP bound is {} % "
     "against HiGHS's {} %: better on {}, equal on {}, worse on {}. The largest lead of HiGHS is on {} "
     "(combopt {}, HiGHS {}",
     mdkp_30x500),
    ("mdkp-60-30x500", BENCH, "On 30 x 500 the previous path's lead was thin: {} % against {} %",
     lambda: mdkp_class_means("30x500", 60.0, SIX_PER)),
    ("mdkp-10-30x100", BENCH, "HiGHS has the lower mean on 30 x 100 (combopt {} %, HiGHS {} %)",
     lambda: mdkp_class_means("30x100", 10.0, SIX_PER)),
    ("mdkp-10-30x250", BENCH, "30 x 250 ({} % for both to three decimals", lambda: mdkp_same("30x250", 10.0, SIX_PER)),
    ("mdkp-10-previous", BENCH, "had HiGHS at {} % and {} % on these two classes",
     lambda: (mdkp_class_means("30x100", 10.0, "mdkp_classes_previous.json")[1],
              mdkp_class_means("30x250", 10.0, "mdkp_classes_previous.json")[1])),
    ("mdkp-30x500-rest", BENCH, "without that instance the means are {} % (combopt) and {} % (HiGHS)",
     mdkp_30x500_without_lead),
    ("mdkp-30x500-dev", BENCH, "on {} development instances (indices 1, 2, 11, 12, 21, 22) the mean gap to the LP "
     "bound was {} % with cores only and {} % with the whole-problem phase (HiGHS {} % and {} % in the same runs",
     mdkp_30x500_dev),
    ("mdkp-spread-10", BENCH, "HiGHS's on all three 30-constraint classes: 30 x 100 {} % against {} % (better in {} "
     "runs, worse in {}), 30 x 250 {} % against {} % ({} and {}), 30 x 500 {} % against {} % ({} and {})",
     mdkp_spread),
    ("mdkp-spread-seeds", BENCH, "Per seed, HiGHS's class mean moves over {}-{} % on 30 x 100, {}-{} % on 30 x 250 "
     "and {}-{} % on 30 x 500; combopt's over {}-{} %, {}-{} % and {}-{} %. Between seeds combopt's class means move "
     "by at most {} %, HiGHS's by up to {} %", mdkp_seed_means),
    ("mdkp-fullfirst-10", BENCH, "written as `dev_30_full10` and copied): {} %, {} % and {} % against HiGHS's {} %, "
     "{} % and {} % (30 x 100, 30 x 250, 30 x 500)", lambda: mdkp_30_means("mdkp_30_fullfirst10.json")),
    ("mdkp-spread-60", BENCH, "At 60 s `mdkp-core` is lower on 30 x 250 ({} % against {} %) and 30 x 500 ({} % "
     "against {} %) and higher on 30 x 100 ({} % against {} %)",
     lambda: (lambda v: (v[1], v[4], v[2], v[5], v[0], v[3]))(mdkp_30_means("mdkp_seed_spread_60.json"))),
    ("mdkp-spread-60-outlier", BENCH, "HiGHS with seed 1 found {} against combopt's {} (and {} for both with seed "
     "0); on the other {} runs of the class combopt was better on {}, equal on {} and worse on {} by at most {}",
     mdkp_60_outlier),
    ("mdkp-spread-5-10", BENCH, "HiGHS's on all {} (per run better on {} of {}, worse on {}), so with the "
     "30-constraint run above it is lower on all nine classes at 10 s, in two runs. CPU seconds per wall second in "
     "this run: combopt {}, HiGHS {}", mdkp_spread_5_10),
    ("mdkp-spread-readme", README, "(30 x 100 {} % against {} %, 30 x 250 {} % against {} %, 30 x 500 {} % against "
     "{} %; `results/mdkp_seed_spread.md`)", lambda: tuple(v for i, v in enumerate(mdkp_spread()) if i % 4 < 2)),
    ("mdkp-seeds-10", BENCH, "At 10 s `mdkp-core`'s mean gap to the LP bound is lower than HiGHS's in {} of the 9 "
     "classes and level in the ninth: on 30 x 500 it is {} % against {} % (the results file rounds that to \"lower in "
     "9\"), with combopt better on {} of {} runs and worse on {}, so that class is a tie, not a win. Per run at 10 s "
     "combopt was better on {} of {}, equal on {}, worse on {}; at 60 s better on {} of {}, equal on {}, worse on {}.",
     mdkp_seeds_level),
    ("mdkp-seeds-60", BENCH, "At 60 s the class means are lower in {} of 9 classes, equal in {} (5 x 100, where both "
     "prove every optimum), higher in {}: 30 x 500, {} % against {} % ({} better, {} equal, {} worse). That one turns "
     "on a single run: on mknapcb9 #10 HiGHS with seed 1 found {} (above the Chu-Beasley best-known value 217995) "
     "against combopt's {}; without that instance the class mean is combopt {} % against HiGHS {} % over the other "
     "{} runs.", mdkp_seeds_60),
    ("mdkp-seeds-moved", BENCH, "30 x 100 at 60 s went from a loss (1.978 % against 1.967 %) to a win ({} % against "
     "{} %, better on {} of {}, HiGHS's seed-1 outlier did not recur), and 30 x 250 at 10 s from a loss (0.772 % "
     "against 0.770 %) to a win ({} % against {} %, but better on {} runs and worse on {}: a small lead)",
     mdkp_seeds_moved),
    ("mdkp-ils-dev-highs", BENCH, "(HiGHS 1.965 % on these runs in `mdkp_seed_spread`), at 60 s 1.889 % against "
     "1.926 % (HiGHS\n{} %, `mdkp_seed_spread_60`)", lambda: (mdkp_30_means("mdkp_seed_spread_60.json")[3],)),
    ("mdkp-30x100-ils60", BENCH, "Over these {} runs `mdkp-core`'s mean gap to the LP bound is {} % against HiGHS's "
     "{} %, better on {} runs,\nequal on {}, worse on {}", mdkp_ils60),
    ("mdkp-30x100-ils60-readme", README, "it was lower, {} % against {} %\n    (better on {} of {} runs, worse on "
     "{}", lambda: (lambda v: (v[1], v[2], v[3], v[0], v[5]))(mdkp_ils60())),
    ("mdkp-walkers", BENCH, "Walker against no walker, run by run (same instance and seed): better on {} of {}, "
     "equal on {}, worse on\n{}; the mean gap to the LP bound fell on 30 x 100 ({} % to {} %), 30 x 250 ({} % to {} %) "
     "and\n10 x 250, was unchanged on the small classes, and rose on 30 x 500 ({} % to {} %, better on {} run, worse\n"
     "on {})", mdkp_walkers),
    ("mdkp-walkers-readme", README, "the local-search thread was better than none on {} of {} runs and\n    worse "
     "on {} (all three on 30 x 500)", lambda: (lambda v: (v[0], v[1], v[3]) if v[3] == v[-1] == 3 else None)(
         mdkp_walkers())),
    ("mdkp-walkers-cpu", BENCH, "With two cores HiGHS uses {} CPU seconds per wall second and combopt with a walker {} "
     "({} without)", lambda: (*(f"{v:.2f}" for v in mdkp_cpu("mdkp_classes_walkers.json")),
                              f"{mdkp_cpu('mdkp_classes_walkers_off.json')[1]:.2f}")),
    ("mdkp-30x250-ils10", BENCH, "With the phase {} % against HiGHS's {} %, without it {} % against {} %",
     lambda: (*mdkp_class_means("30x250", 10.0, "mdkp_30x250_ils10.json"),
              *mdkp_class_means("30x250", 10.0, "mdkp_30x250_ils10_off.json"))),
    ("mdkp-seeds-readme", README, "lower than HiGHS's in {} of the 9 Chu-Beasley classes at 10 s and level on the "
     "ninth (30 x 500, {} % against {} %), and lower in {} at 60 s (one tie at the proven optimum; HiGHS lower on 30 x "
     "500, {} % against {} %, turned by one run where HiGHS's seed 1 found {} on mknapcb9 #10; rerun 2026-12-03, {} of "
     "{} runs better and {} worse at 10 s, {} of {} better and {} worse at 60 s)",
     lambda: (lambda v, w: (v[0], v[1], v[2], w[0], w[3], w[4], w[8], v[6], v[7], v[9], v[10], v[11], v[13]))(
         mdkp_seeds_level(), mdkp_seeds_60())),
    ("tsp-lkh", BENCH,
     "Mean gap of `tsp-ls` to LKH over the {} runs: {} %: {} below LKH, {} level, {} above ({} to {} %)",
     lambda: (lambda r: (r["summary"]["runs"], f"{r['summary']['mean_gap_pct']:.3f}", r["summary"]["below"],
                         r["summary"]["level"], r["summary"]["above"],
                         *(f"{f(g for d in r['results'] for g in d['gap_pct']):.3f}" for f in (min, max))))(
         load("tsp_lkh_1000.json"))),
    ("tsp-lkh-readme", README, "{} % above LKH at 20 s over {}\n    runs on four other 1000-city instances ({} below, "
     "{} level, {} above; `results/tsp_lkh_1000.md`), {} % on two\n    5000-city instances",
     lambda: (lambda r, q: (f"{r['summary']['mean_gap_pct']:.3f}", r["summary"]["runs"], r["summary"]["below"],
                            r["summary"]["level"], r["summary"]["above"],
                            f"{q['summary']['mean_gap_pct']:.3f}"))(load("tsp_lkh_1000.json"),
                                                                     load("tsp_lkh_5000.json"))),
    ("tsp-points", BENCH, "the points run's length is {} of the matrix run's on average\n(worst {})", tsp_points),
    ("tsp-points-readme", README, "its tours are\n    {} as long on average (worst {}), with {}x smaller peak "
     "memory at 10,000 cities; at 60 s it\n    ends {}-{} % above its bound on 20,000-200,000 uniform cities "
     "({}-{} % above the spanning\n    tree)", tsp_points_readme),
    ("tsp-points-mem", BENCH, "with a peak memory {}x smaller", lambda: (tsp_points_readme()[2],)),
    ("tsp-lkh-5000", BENCH, "Mean gap over the {} runs: {} %, above LKH on all {} ({}-{} %)",
     lambda: (lambda r: (r["summary"]["runs"], f"{r['summary']['mean_gap_pct']:.3f}", r["summary"]["above"],
                         *(f"{f(g for d in r['results'] for g in d['gap_pct']):.3f}" for f in (min, max))))(
         load("tsp_lkh_5000.json"))),
    ("mis-brock", BENCH, "The hardest is `brock400_1` ({} of {} at {} s; dwave SA {}, tabu {}). The generated "
     "`brock-400-0.75-28-s4` ({} of the planted {}; dwave SA {}, tabu {}) is reached in {} s", mis_brock),
    ("mdkp-cb", BENCH, "**mean gap combopt {} %, HiGHS {} %** (HiGHS found a solution on {}/{},\n  proved {} optimal "
     "in 10 s). combopt matched the best known value on {} of {} instances; its worst gap was\n  {} % (#{})", mdkp_cb),
    ("mdkp-slack", BENCH, "the slack encoding needs {}x the binaries ({} against {})", mdkp_slack),
    ("mdkp-slack-shares", BENCH, "its raw samples are almost never all-feasible ({} %). The plain Lagrangian "
     "keeps {} % feasible. After the same repair the best primals of slack and augmented are close ({} % gap) "
     "at a tenth of the "
     "variables. The plain subgradient with only 20 iterations is worse (up to {} %)", mdkp_slack_shares),
    ("fir-reference-table", BENCH, "{}", _fmt_rows(fir_reference_rows)),
    ("fir-large-table", BENCH, "{}", _fmt_rows(fir_large_rows)),
    ("fir-large-margin", BENCH, "The heuristic ends {} % below the best MILP incumbent at 60 s on every larger spec",
     lambda: fir_large_margin()[:1]),
    ("fir-highs-gap", BENCH, "HiGHS's dual bound leaves a {} % gap to the DMMV result", lambda: fir_large_margin()[1:]),
    ("fir-n200-must-show", BENCH, "HiGHS {} at 60 s, DMMV {} (best at {} s), {} % below; with the window-MILP "
     "LNS DMMV ends at {}", fir_n200_must_show),
    ("fir-n200-readme", README, "{} % below HiGHS's {} at N=200 B=9 ({})", fir_n200_large),
    ("fir-large-readme", README, "it ends {} % below HiGHS's 60 s incumbent", lambda: fir_large_summary()[:1]),
    ("fir-larger-readme", README, "at orders 400-1000 {} % below", lambda: fir_large_summary()[1:2]),
    ("fir-n200-600", BENCH, "With ten times the time DMMV does not improve on this seed: {} (best at {} s) against "
     "HiGHS's {} (dual bound {}), {} % below; with the window-MILP LNS DMMV ends at {}", fir_n200_600),
    ("fir-n200-600-highs", BENCH, "The warm-started HiGHS gains {} % between 60 s and 600 s ({} to {})",
     lambda: (f"{100 * (1 - fir_n200_600_highs() / float(fir_n200_large()[1])):.0f}", fir_n200_large()[1],
              f"{fir_n200_600_highs():.5f}")),
    ("fir-600-readme", README, "at 600 s the margin is {} % on order 400 and {} % on order 200",
     lambda: (fir_n400_600()[4], fir_n200_600()[4])),
    ("fir-landscape-floor", BENCH, "one funnel whose floor, {}, seed {} reaches within {} s", fir_landscape_floor),
    ("fir-n400-600", BENCH, "At order 400 with ten times the time DMMV ends at {} (best at {} s) against HiGHS's {} "
     "(dual bound {}), {} % below", fir_n400_600),
    ("fir-landscape", BENCH, "Every seed ends between {} % and {} % below HiGHS, and all {} random roundings fall "
     "into one local optimum of the continuation", lambda: fir_landscape()[:3]),
    ("fresh-start-runs", BENCH, "Quick suite: {} runs, {} feasible, {} on instances with a known optimum or best "
     "known value, {} of those at it.", lambda: tuple(load("fresh_start.json")[k] for k in (
         "runs", "feasible_runs", "runs_with_reference", "at_reference_runs"))),
    ("fresh-start-readme", README, "took {} s on the 2-core dev machine (install {} s, compiling every kernel {} s, "
     "the {} suite runs with their warm-up {} s", lambda: (f"{load('fresh_start.json')['total_s']:.0f}",
                                        *(f"{st['seconds']:.0f}" for st in load("fresh_start.json")["steps"][:2]),
                                        load("fresh_start.json")["runs"],
                                        f"{load('fresh_start.json')['steps'][2]['seconds']:.0f}")),
    ("mdkp-30x500-threads0", BENCH, "load): combopt {} % against HiGHS {} % (better on {}, equal on {}, worse on {})",
     lambda: mdkp_30x500("mdkp_classes_30x500_threads0.json")[1:6]),
    ("mdkp-30x500-highs-moved", BENCH, "HiGHS's own 60 s result moved from {} % to {} % between the two runs",
     lambda: (mdkp_30x500()[2], mdkp_30x500("mdkp_classes_30x500_threads0.json")[2])),
    ("mdkp-30x500-fullfirst", BENCH, "On these nine: combopt {} % against HiGHS {} % (better on {}, equal "
     "on {}, worse on {})", lambda: mdkp_30x500("mdkp_classes_30x500_fullfirst.json")[1:6]),
    ("mdkp-30x500-fullfirst-more", BENCH, "There combopt's mean gap is {} % against HiGHS's {} % (better on {}, "
     "equal on {}, worse on {})", lambda: mdkp_30x500("mdkp_30x500_fullfirst_more.json")[1:6]),
    ("mdkp-30x500-fullfirst-15", BENCH, "Over the {} instances it is better on {} and worse on {}", lambda: (
        mdkp_30x500("mdkp_classes_30x500_fullfirst.json")[0] + mdkp_30x500("mdkp_30x500_fullfirst_more.json")[0],
        mdkp_30x500("mdkp_classes_30x500_fullfirst.json")[3] + mdkp_30x500("mdkp_30x500_fullfirst_more.json")[3],
        mdkp_30x500("mdkp_classes_30x500_fullfirst.json")[5] + mdkp_30x500("mdkp_30x500_fullfirst_more.json")[5])),
    ("mdkp-30x500-fullfirst-bk", BENCH, "on mknapcb9 #0 combopt found {}, above the Chu-Beasley value {}",
     lambda: next((f"{d['combopt']:.0f}", f"{d['best_known']:.0f}") for d in
                  load("mdkp_classes_30x500_fullfirst.json")["instances"] if d["instance"] == "mknapcb9#0")),
    ("mdkp-rerun", BENCH, "has a lower mean gap to the LP bound than HiGHS in {} of {} classes at 10 s ({} equal, {} "
     "higher) and in {} of {} at 60 s ({} equal, {} higher); per instance better on {} of {} and worse on {} at 10 s, "
     "better on {} of {} and worse on {} at 60 s", mdkp_rerun),
    ("fir-landscape-readme", README, "five seeds ended {}-{} % below HiGHS", lambda: fir_landscape()[:2]),
    ("fir-landscape-target", BENCH, "the 20 % target ({}) lies beyond every answer", lambda: fir_landscape()[3:]),
    ("fir-large-summary", BENCH, "On orders 120-300 DMMV ends {} % below HiGHS's 60 s incumbent, on orders "
     "400-1000 {} % below; the window-MILP LNS improved {} of {} windows", fir_large_summary),
    ("fir-lattice", BENCH, "As a rounding the lattice start beats rounded Remez on {} of {} specs ({} % lower "
     "ripple; equal on F2, worse at N=300, where only {} of 12 reductions fit in the 5 s budget) and reaches the F1 "
     "optimum with no search. It does not help the search: from it DMMV ends on exactly the taps it reaches from the "
     "default start on {} of {} specs, and {} % higher at N=300.", fir_lattice_summary),
    ("fir-readme", README, "the heuristic reaches the reference FIR optima F1 {}, F2 {}, F3 {} in {} s (the MILP "
     "proves them in {} s, {} s and {} s)", fir_readme),
    ("tomo-readme", README, "pixel error {} % at +-1 and {} % at +-2, against rounded SART's {} % and {} % and "
     "DART's {} % and {} %; over a {}-instance noisy grid", lambda: tomo_readme()[:7]),
    ("tomo-readme-grid", README, "the mean pixel error is {} % below the best of SART, SIRT and DART per instance, "
     "and DMMV is worse than its own start on {} of {} (the plausibility gate kept DART on {})",
     lambda: tomo_readme()[7:]),
    ("tomo-bench-text", BENCH, "Under noise DMMV's mean pixel error is {} % below the best of SART, SIRT and DART "
     "per instance", lambda: (_tomo_summary("all noisy")["lower"],)),
    ("tomo-bench-gate", BENCH, "The gate keeps DART on {} of {} noisy instances",
     lambda: (_tomo_summary("all noisy")["kept"], _tomo_summary("all noisy")["n"])),
    ("tomo-bench-worse", BENCH, "{} %, DMMV {} %, where the fit lowered", tomo_worse),
    ("tomo-bench-free", BENCH, "Noise-free (not part of the target), DMMV ends at {} % against the best baseline's "
     "{} %", lambda: _tomo_means("noise-free")),
    ("quantization-table", BENCH, "{}", _fmt_rows(quantization_rows)),
    ("quantization-sse", BENCH, "({} vs {} and {} vs {} at 3 bits)", quantization_sse),
    ("quantization-readme", README, "mean row L-inf {} % below GPTQ's, accuracy {} % (GPTQ {} %, RTN {} %, float {} %)",
     quantization_claims),
    ("dmmv-throughput-table", BENCH, "{}", _fmt_rows(throughput_rows)),
    ("rcpsp-bounds-readme", README, "it equals the optimum on {} of the {} j30 instances (the critical-path bound on "
     "{}) and lowers the mean gap to the best known makespan from {} % to {} % (j30) and from {} % to {} % (j120), in "
     "{} ms (j30) and {} ms (j120) per instance; CP-SAT's proven bound after 1 s on one worker is {} % (j30) and {} % "
     "(j120) on every tenth instance. A GA run that meets the bound stops there, proven optimal ({} of the 480",
     rcpsp_bounds_readme),
    ("j30-readme", README, "mean deviation from the optimum {} % ({} optimal), {} s for all {} through", j30_suite),
    ("j120-readme", README, "{} % above the critical-path bound (best known: {} %), {} s", j120_suite),
    ("j120-cpsat-readme", README, "GA {} % vs CP-SAT {} % mean gap to the best known", cpsat_suite),
    ("j120-text", BENCH, "The GA is {} % above the critical-path bound on average (the best known values are {} % "
     "above it, over the same 600 instances; best published GAs at this budget about 30.7-33 %), {} % above the best "
     "known makespan, and matches it on {} of {}; \"at optimum\" counts the {} instances with a proven optimum",
     j120_text),
    ("cpsat-text", BENCH, "it is strictly better on {} of the {} instances, worse on {} (wins/losses). CP-SAT's "
     "strength is proof: it closes {} of the {} (the GA's {} \"proven\"", cpsat_text),
    ("mdkp-suite-text", BENCH, "all reach the {} optima, and the slack-penalty QUBO {} (5 in\nthe run of 2026-12-04, "
     "3 in that of 2026-12-02). On mknapcb1 `lagrangian` has the smallest mean gap to the best\nknown values ({} %, "
     "best known matched on {}; 0.009 % and 25 of 30 in the run of 2026-12-04), then\n`mdkp-core` ({} %, {}) and "
     "HiGHS ({} %, {}). The suite stops every run at the reference value\n(`stop_at_target`), and `milp` on HiGHS "
     "now stops at the back end's first incumbent that meets it: HiGHS proves\n{} mknap1 optima and {} of mknapcb1",
     mdkp_text),
    ("overhead-table", BENCH, "{}", _fmt_rows(overhead_rows)),
    ("overhead-text", BENCH, "A forked run costs about {} s to launch against {} s for a fresh interpreter, and a "
     "small real run {} s against {} s ({}x)", overhead_text),
    ("overhead-readme", README, "(about {} s per run; a fresh interpreter costs about {} s to launch and {} s to "
     "import every family", lambda: (overhead_text()[0], overhead_text()[1], f"{float(overhead()[5][0]):.1f}")),
    ("overhead-dask", README, "(about {} s more to launch each run, {} s more for a small run, on this machine",
     lambda: (overhead_text()[1], f"{float(overhead()[3][0]) - float(overhead()[2][0]):.1f}")),
    ("quick-wall-table", BENCH, "{}", _fmt_rows(quick_wall_rows)),
    ("quick-counts", BENCH, "`combopt bench benchmarks/suites/quick.toml` ({} runs, {} families in {} sets, {} solver "
     "entries;", lambda: quick_counts()),
    ("quick-readme", README, "--out quick.jsonl # {} runs, {} families, peers included", lambda: quick_counts()[:2]),
    ("quick-own-times", BENCH, "(the runs' own times add up to {} s)",
     lambda: (f"{sum(r['runtime_s'] for r in suite_rows('quick')):.1f}",)),
    ("quick-mec", BENCH, "(greedy {} bit above the optimum that `mec-exact` proves;", lambda: quick_text()[:1]),
    ("quick-ebim", BENCH, "the improved `ebim` encoder comes within {} % of it, closer than the greedy and than the "
     "best deterministic encoder (`ebim-exact`, {} %)", lambda: quick_text()[1:3]),
    ("quick-dag", BENCH, "`topo` has the lower score ({} against DAGMA's {})", lambda: quick_text()[3:]),
    ("j30-proven", BENCH, "the other {} optima it reached are known from the file", j30_proven_text),
    ("rcb-table", BENCH, "{}", _fmt_rows(rcb_table)),
    ("rcb-text", BENCH, "{} instances, all feasible by construction (witness checked first). Settings: `precedence` "
     "(no extras), `all-0.5` (each resource gets downtime, each task a window and a disjunctive partner "
     "with probability "
     "0.5; on average {} windows, {} downtime intervals and {} disjunctive pairs per instance)", rcb_text),
    ("rcb-time", BENCH, "GA time per instance: {} s on average (it stops at the lower bound); {} s wall for all {} "
     "with the CP-SAT runs", rcb_time),
    ("rcb-readme", README, "a feasible schedule for all {} generated instances ({} with precedence constraints only, "
     "{} with release dates, deadlines, downtime and disjunctive pairs", rcb_readme),
    ("suite-atsp-wall", BENCH, '"{} run(s) in {} s" with `--jobs 2` (`results/suites/atsp.log`',
     lambda: suite_log("atsp")),
    ("atsp-suite-text", BENCH, "`tsp-ls` reaches the optimum in all {} runs ({} s on average)", atsp_suite),
    ("atsp-lkh-mean", BENCH, "Mean gap of `tsp-ls` to LKH: {} % over {} runs ({} below LKH, {} level, {} above), "
     "while LKH needed 1.2-2.4 s\n(disk drives 7-15 s) against the 10 s given to `tsp-ls`. By class: random arcs {} %, "
     "triangle-closed random\n{} %, no-wait flow shops {} %, tilted plane {} %, near-symmetric random {} % (the "
     "weakest: 0.08-0.22 %\nabove, its bound 1.2-2.8 % below), stacker crane {} %", atsp_lkh),
    ("atsp-readme", README, "`tsp-ls` reaches the optimum in {} of {} runs at 10 s ({} s on average), one LKH run "
     "in {} of {}, HiGHS proves {} of {} in 60 s", atsp_readme),
    ("atsp-readme-lkh", README, "its mean gap to LKH is {} % at 10 s against LKH's 1-15 s (level on\n    "
     "triangle-closed random arcs, {} % on random arcs, {} % on no-wait flow shops, {} % on a tilted plane",
     lambda: (lambda a: (a[0], f"{float(a[5]):.2f}", f"{float(a[7]):.2f}", f"{float(a[8]):.1f}"))(atsp_lkh())),
    ("atsp-readme-smat", README, "{} % on near-symmetric random\n    matrices",
     lambda: (f"{float(atsp_lkh()[9]):.2f}",)),
    ("atsp-lkh-1000", BENCH, "On the tilted class `tsp-ls` (the symmetric route, 10 s) ends {}-{} % below LKH, which "
     "took up to {} s", lambda: atsp_range(1000, "tilt", -1) + (atsp_lkh_s(1000, "tilt"),)),
    ("atsp-lkh-1000-amat", BENCH, "on random arcs it is {} % above LKH on average ({} to {} %; LKH up to {} s)",
     lambda: atsp_amat_1000()),
    ("atsp-lkh-tilt", BENCH, "now {}-{} % below LKH", lambda: atsp_tilt()[:2]),
    ("atsp-lkh-tilt-bound", BENCH, "with 100 1-trees: the {}-{} % column", lambda: atsp_tilt()[2:]),
]


@pytest.mark.parametrize("cid,document,template,values", CLAIMS, ids=[c[0] for c in CLAIMS])
def test_quoted_figures_match_results(cid, document, template, values):
    expected = template.format(*values())
    assert norm(expected) in norm(doc(document)), f"{document} should say (from benchmarks/results):\n{expected}"


# ---------------------------------------------------------------------------------------------- unbacked
# Figures measured once and not kept in a results file: the documents must say so next to them.
UNBACKED = [
    (BENCH, "0.0367-0.0397 in 45-60 s, above HiGHS's incumbent"),
    (BENCH, "same 600 s run of seed 0 reached 0.03178 at 293 s in its sixth trajectory"),
    (README, "toroidal grid: 1432 against 1458 now, in a side run"),
    (BENCH, "(13,127-13,153 against 13,159-13,161 on a random 2000-vertex graph)"),
    (BENCH, "0.11 % and 0.20 % shorter\non two clustered 5000-city instances"),
    (BENCH, "0.386 % against 0.383 % on 30 x 500 with one pair at a time"),
    (BENCH, "mean gap to the LP bound at 10 s 1.903 % with it against\n1.955 % without"),
    (BENCH, "at 60 s 1.889 % against 1.926 %"),
    (BENCH, "(1.851 % against 1.849 %"),
    (BENCH, "found solutions the 60 s core search had missed on three of six 30 x 100"),
    (BENCH, "0.44-0.48 % on 30 x 500, as HiGHS needs 0.4-1 s to"),
    (BENCH, "~830 ns per flip at n = 1000 before, ~340 ns after"),
    (BENCH, "Unsigned CSR offsets in the remaining scalar scatter (no wrap-around check) gave ~1.17x on their own"),
    (BENCH, "previous kernel ~0.68 s, unsigned offsets ~0.58 s, lock-step ~0.34 s, dwave ~0.78 s"),
    (BENCH, "50,000 schedules 31.24 % to 30.80 %,\n5,000 schedules 32.65 % to 32.28 %"),
    (BENCH, "0.09 s against 2.8 s to launch"),
    (BENCH, "excess-penalty breakout search reached 0.03303 from the rounded Remez"),
    (BENCH, "HiGHS on subsets of the grid points left its dual bound at 0 in 40 s"),
    (BENCH, "at 5,000 schedules the GA left 3-5 of the 1,200 `all-0.5` instances infeasible"),
    (BENCH, "worse than its own start (DART) on 8 of 28 noisy instances"),
    (BENCH, "26.49 % against DART's 11.74 % in an older run"),
    (BENCH, "an older run at a load\naverage of about 9 (not kept in a results file) had 26 on the generated"),
    (BENCH, "three reruns of 2026-12-05 with earlier versions of the theta change\n(not kept)"),
    (BENCH, "the dwave samplers at 18 graphs each"),
    (BENCH, "one walk takes 200,000 steps in about 2 s (61,879 vertices; the whole 20 s `ils` run reached 60,249"),
    (BENCH, "the walks alone reached the planted size on 13 of 15 and the hybrid with them on 14 of 15"),
    (BENCH, "HiGHS won 30 x 250 (combopt 0.774 %, HiGHS 0.746 %) and lost 30 x 500 (combopt 0.378 %, HiGHS 0.417 %"),
    (BENCH, "it lowered the mean gap at 20 s, and it never did worse at 10 s on 5- and 10-constraint ones"),
    (BENCH, "incumbent of 114600, 8 hyperplanes were viable and the central ones left all 500 items free"),
    (BENCH, "HiGHS on one hyperplane (10 s) or on a 60-item core of it (5 s) did not finish"),
    (BENCH, "less than HiGHS through PuLP at 60 s on five of the six development instances"),
    (BENCH, "each better on 6 and worse on 2 with `ils=0.5` forced on"),
    (BENCH, "a walker beside it was better on 1 of 6 runs and worse on 2 in a development run"),
    (BENCH, "on 30 x 100 equal on 2 runs and worse on 1 (41687 against 41693)"),
    (README, "of 30 s on an empty cache now searches from 15.5 s on"),
    (BENCH, "0.3-1.4 % above LKH with 5 alpha candidates and 0.0-0.4 % with 10"),
    (BENCH, "3.70 % on every 25th instance at up to 57 s each"),
    (BENCH, "this machine counts 500-980 million"),
]
MARK = "not kept in a results file"


@pytest.mark.parametrize("document,text", UNBACKED, ids=[u[1][:30] for u in UNBACKED])
def test_unbacked_claims_are_marked(document, text):
    body = norm(doc(document))
    i = body.find(norm(text))
    assert i >= 0, f"{text!r} is gone from {document}: drop it from UNBACKED"
    paragraph = body[max(0, i - 400): i + len(text) + 400]
    assert MARK in paragraph, f"{document}: {text!r} has no results file; say '{MARK}' next to it"


def test_issue16_mismatches_stay_fixed():
    """The four mismatches a review found (issue 16): the wrong wording must not come back."""
    bench, readme = norm(doc(BENCH)), norm(doc(README))
    assert "matched the best known value on 18 of 30" not in bench
    assert "6-16x the binaries" not in bench
    assert "j12011_1" not in bench
    assert "with every constraint type: a feasible schedule for all 3,600" not in readme
