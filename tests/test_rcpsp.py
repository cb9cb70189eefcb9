"""RCPSP instances: readers, the JSON extension format, the independent checker, plots, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.problems.rcpsp import (
    RCPSP,
    Downtime,
    check_schedule,
    rcpsp_to_json,
    read_patterson,
    read_psplib_sm,
    read_rcpsp_json,
    write_rcpsp_json,
)

DATA = Path(__file__).parent / "data" / "rcpsp"


def small_project() -> RCPSP:
    """Hand-made instance with every constraint type.

    A(3) -> B(2); C(2) and D(2) are disjunctive; E(2) is free. Resource "crew"
    (capacity 2) drops to 0 during [10, 12); A, B, C, E need 1 crew, D none; D has
    the window: release 4, deadline 9. Optimum 6, e.g. A 0, B 3, C 0, D 4, E 3.
    """
    return RCPSP(
        durations=[3, 2, 2, 2, 2],
        demands=[[1], [1], [1], [0], [1]],
        capacities=[2],
        successors=[[1], [], [], [], []],
        names=["A", "B", "C", "D", "E"],
        resource_names=["crew"],
        release=[None, None, None, 4, None],
        deadline=[None, None, None, 9, None],
        downtime=[Downtime(0, 10, 12, 0, "lunch")],
        disjunctive=[(2, 3)],
        name="small",
    )


# -- readers -----------------------------------------------------------------------------
def test_read_j301_1():
    p = combopt.read(DATA / "j301_1.sm")
    assert p.kind == "rcpsp" and p.name == "j301_1"
    assert p.n == 32 and p.num_resources == 4
    assert p.capacities.tolist() == [12, 13, 4, 12]
    assert p.durations[0] == 0 and p.durations[-1] == 0  # dummy source and sink kept
    assert p.names[1] == "2" and p.durations[1] == 8 and p.demands[1].tolist() == [4, 0, 0, 0]
    assert p.critical_path_bound() == 38  # PSPLIB's CPM bound for j301_1
    assert p.bound() == 43.0  # destructive improvement proves the optimum, 43
    assert len(p.edges) == 48


def test_cpm_bounds_match_psplib_file():
    rows = [line.split(",") for line in (DATA / "j30-optima.csv").read_text().splitlines()[1:]]
    for name, _lb, _ub, _opt, cpm in rows:
        assert combopt.read(DATA / f"{name}.sm").critical_path_bound() == int(cpm), name


def test_patterson_reader_matches_sm():
    a = read_psplib_sm(DATA / "j301_1.sm")
    b = read_patterson(DATA / "j301_1.rcp")
    assert combopt.read(DATA / "j301_1.rcp").kind == "rcpsp"
    np.testing.assert_array_equal(a.durations, b.durations)
    np.testing.assert_array_equal(a.demands, b.demands)
    np.testing.assert_array_equal(a.capacities, b.capacities)
    np.testing.assert_array_equal(a.edges, b.edges)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    ("edit", "message", "line"),
    [
        (lambda t: t.replace("   2        1          3           6  11  15",
                             "   2        1          3           6  11  x5"), "expected integers", 20),
        (lambda t: t.replace("   2        1          3           6  11  15",
                             "   2        1          4           6  11  15"), "declares 4 successors", 20),
        (lambda t: t.replace("   2        1          3           6  11  15",
                             "   2        2          3           6  11  15"), "only single-mode", 20),
        (lambda t: t.replace("   2        1          3           6  11  15",
                             "   2        1          3           6  11  99"), "successor 99 outside", 20),
        (lambda t: t.replace("  2      1     8       4    0    0    0", "  2      1     8       4    0    0"),
         "expected job, mode, duration and 4 demands", 56),
        (lambda t: t.replace("   12   13    4   12", "   12   13    4"), "expected 4 resource capacities", 90),
        (lambda t: t.split("RESOURCEAVAILABILITIES")[0], "missing RESOURCEAVAILABILITIES", None),
    ],
    ids=["token", "count", "multimode", "range", "demands", "capacities", "truncated"],
)
def test_sm_reader_errors_name_file_and_line(tmp_path, edit, message, line):
    text = (DATA / "j301_1.sm").read_text()
    bad = edit(text)
    assert bad != text
    p = _write(tmp_path, "bad.sm", bad)
    with pytest.raises(combopt.InputError) as ei:
        combopt.read(p)
    e = ei.value
    assert message in e.message and e.path == str(p)
    if line is not None:
        assert e.line == line, str(e)
    else:
        assert e.line is not None


def test_sm_reader_rejects_cycles_and_overdemand(tmp_path):
    text = (DATA / "j301_1.sm").read_text()
    cyc = text.replace("  32        1          0        ", "  32        1          1           1")
    with pytest.raises(combopt.InputError, match="cycle"):
        combopt.read(_write(tmp_path, "cyc.sm", cyc))
    over = text.replace("  3      1     4      10    0    0    0", "  3      1     4      13    0    0    0")
    with pytest.raises(combopt.InputError, match="demands 13 of resource R1 whose capacity is 12"):
        combopt.read(_write(tmp_path, "over.sm", over))


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("3 1\n5\n0 0 1 2\n4 x 1 3\n0 0 0\n", "expected integers", 4),
        ("3 1\n5\n0 0 1 2\n4 9 1 7\n0 0 0\n", "successor 7 outside", 4),
        ("3 1\n5\n0 0 1 2\n4 1 1\n", "file ends early", 4),
        ("3 1\n5\n0 0 1 2\n4 1 1 3\n0 0 0\n9\n", "unexpected data", 6),
    ],
)
def test_patterson_reader_errors(tmp_path, text, message, line):
    with pytest.raises(combopt.InputError) as ei:
        combopt.read(_write(tmp_path, "bad.rcp", text))
    assert message in ei.value.message and ei.value.line == line


# -- JSON extension format ------------------------------------------------------------
def test_json_roundtrip_keeps_every_extension(tmp_path):
    p = small_project()
    p.witness = np.array([0, 3, 0, 4, 3])
    p.best_known = 7
    path = write_rcpsp_json(p, tmp_path / "small.rcpsp.json")
    q = combopt.read(path)
    assert q.kind == "rcpsp" and q.name == "small"
    assert rcpsp_to_json(q) == rcpsp_to_json(p)
    assert q.downtime == [Downtime(0, 10, 12, 0, "lunch")]
    assert q.disjunctive.tolist() == [[2, 3]]
    assert q.release.tolist()[3] == 4 and q.deadline.tolist()[3] == 9
    assert q.witness.tolist() == [0, 3, 0, 4, 3] and q.best_known == 7


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["tasks"][1].__setitem__("duration", -2), "tasks[1].duration"),
        (lambda d: d["tasks"][0].__setitem__("successors", ["Z"]), "unknown task 'Z'"),
        (lambda d: d["tasks"][0].__setitem__("demands", {"cranes": 1}), "unknown resource 'cranes'"),
        (lambda d: d["resources"][0]["downtime"][0].__setitem__("capacity", 5), "downtime capacity of crew"),
        (lambda d: d["tasks"][3].__setitem__("deadline", 5), "exceeds its deadline 5"),
        (lambda d: d.__setitem__("disjunctive", [["C"]]), "disjunctive[0]"),
        (lambda d: d["tasks"][1].__setitem__("successors", ["A"]), "cycle"),
        (lambda d: d.__setitem__("format", "other"), "combopt-rcpsp"),
    ],
)
def test_json_reader_errors(tmp_path, mutate, message):
    d = rcpsp_to_json(small_project())
    mutate(d)
    p = _write(tmp_path, "bad.rcpsp.json", json.dumps(d, indent=1))
    with pytest.raises(combopt.InputError, match=message.replace("[", r"\[").replace("]", r"\]")) as ei:
        read_rcpsp_json(p)
    assert ei.value.path == str(p)


def test_json_reader_reports_syntax_error_line(tmp_path):
    p = _write(tmp_path, "bad.rcpsp.json", '{"format": "combopt-rcpsp",\n "tasks": [\n  {"name": "a",, }]}')
    with pytest.raises(combopt.InputError) as ei:
        combopt.read(p)
    assert ei.value.line == 3


# -- the independent checker ------------------------------------------------------------
def test_checker_accepts_a_feasible_schedule():
    p = small_project()
    ev = p.evaluate([0, 3, 0, 4, 3])
    assert ev.feasible and ev.objective == 6.0 and ev.violations == []


def _only(violations, kind):
    assert violations, "expected a violation"
    assert {v.kind for v in violations} == {kind}, [str(v) for v in violations]
    return violations


def test_checker_catches_precedence():
    v = _only(check_schedule(small_project(), [0, 2, 6, 4, 6]), "precedence")
    assert v[0].tasks == ["A", "B"] and v[0].times == [3, 2]
    assert "task B starts at 2 before its predecessor A finishes at 3" in v[0].message


def test_checker_catches_resource_capacity():
    # A, C and E all at 0: usage 3 > 2 during [0, 2)
    v = _only(check_schedule(small_project(), [0, 3, 0, 4, 0]), "resource")
    assert v[0].tasks == ["A", "C", "E"] and v[0].times == [0, 2] and v[0].resource == "crew"
    assert "usage 3 > capacity 2 during [0, 2)" in v[0].message


def test_checker_catches_downtime():
    # C runs during [10, 12) when the crew is on lunch (capacity 0)
    v = _only(check_schedule(small_project(), [0, 3, 10, 4, 5]), "resource")
    assert v[0].tasks == ["C"] and v[0].times == [10, 12]
    assert "capacity 0 (downtime; base capacity 2)" in v[0].message


def test_checker_catches_windows():
    v = _only(check_schedule(small_project(), [0, 3, 5, 2, 0]), "window")
    assert v[0].tasks == ["D"] and v[0].times == [2, 4] and "before its release time 4" in v[0].message
    v = _only(check_schedule(small_project(), [0, 3, 0, 8, 3]), "window")
    assert v[0].times == [10, 9] and "finishes at 10, after its deadline 9" in v[0].message


def test_checker_catches_disjunctive():
    v = _only(check_schedule(small_project(), [0, 3, 4, 4, 6]), "disjunctive")
    assert v[0].tasks == ["C", "D"] and v[0].times == [4, 6]
    assert "overlap during [4, 6)" in v[0].message


def test_checker_reports_every_class_at_once():
    p = small_project()
    s = [0, 1, 10, 3, 0]  # B before A ends, A+B+E over capacity, C in downtime, D before release
    ev = p.evaluate(s)
    assert not ev.feasible
    kinds = [v.split(":")[0] for v in ev.violations]
    assert kinds == ["precedence", "resource", "resource", "window"]


def test_checker_injected_violations_on_generated_instance():
    from combopt.generators.rcb import generate_rcb

    p = generate_rcb(tasks=20, layers=4, level=12, resources="2", downtime=1.0, windows=1.0, disjunctive=1.0, seed=5)
    w = p.witness.copy()
    assert p.evaluate(w).feasible
    # precedence: start a successor at its predecessor's start
    i, j = p.edges[0]
    s = w.copy()
    s[j] = s[i]
    assert any(v.kind == "precedence" and v.tasks == [p.names[i], p.names[j]] for v in check_schedule(p, s))
    # disjunctive: put the second task of a pair on top of the first
    a, b = p.disjunctive[0]
    s = w.copy()
    s[b] = s[a]
    assert any(v.kind == "disjunctive" and set(v.tasks) == {p.names[a], p.names[b]} for v in check_schedule(p, s))
    # window: every task has one here; move one past its deadline
    s = w.copy()
    s[3] = p.deadline[3]
    assert any(v.kind == "window" and v.tasks == [p.names[3]] for v in check_schedule(p, s))
    # resource: everything at time 0 overloads something
    s = np.zeros(p.n, dtype=np.int64)
    assert any(v.kind == "resource" for v in check_schedule(p, s))


def test_evaluate_rejects_malformed_schedules():
    p = small_project()
    assert "needs 5 start times" in p.evaluate([0, 1]).violations[0]
    assert "integers" in p.evaluate([0, 1.5, 2, 3, 0]).violations[0]
    assert not p.evaluate([0, 3, 3, np.nan, 0]).feasible


def test_solution_json_forms(tmp_path):
    p = small_project()
    s = np.array([0, 3, 0, 4, 3])
    as_json = p.solution_to_json(s)
    assert as_json[1] == {"task": "B", "start": 3, "finish": 5}
    for data in (as_json, {"solution": as_json}, {"A": 0, "B": 3, "C": 0, "D": 4, "E": 3}, [0, 3, 0, 4, 3]):
        np.testing.assert_array_equal(p.solution_from_json(data, "x.json"), s)
    with pytest.raises(combopt.InputError, match="task 'Z' is not in the instance"):
        p.solution_from_json({"A": 0, "Z": 1}, "x.json")
    with pytest.raises(combopt.InputError, match="no start time for task"):
        p.solution_from_json({"A": 0}, "x.json")
    with pytest.raises(combopt.InputError, match="must be an integer"):
        p.solution_from_json({"A": 0.5, "B": 3, "C": 0, "D": 4, "E": 3}, "x.json")


# -- plots and files ---------------------------------------------------------------------------
def test_gantt_and_resource_profile_plot(tmp_path):
    from combopt.problems.rcpsp.plot import resource_usage, save_schedule_plot, write_schedule_csv

    p = small_project()
    s = [0, 3, 10, 4, 5]  # C in the downtime: the plot marks the overload
    out = save_schedule_plot(p, s, tmp_path / "gantt.png")
    assert out.stat().st_size > 10_000
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    use = resource_usage(p, s)
    assert use[:, 0].tolist() == [1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1]
    csv_path = write_schedule_csv(p, s, tmp_path / "s.csv")
    assert csv_path.read_text().splitlines()[:2] == ["task,start,finish,duration,crew", "A,0,3,3,1"]


def test_plot_command_line(tmp_path):
    from combopt.problems.rcpsp.plot import main as plot_main

    sched = tmp_path / "s.json"
    sched.write_text(json.dumps({"A": 0, "B": 3, "C": 0, "D": 4, "E": 3}))
    inst = write_rcpsp_json(small_project(), tmp_path / "small.rcpsp.json")
    assert plot_main([str(inst), str(sched), "--out", str(tmp_path / "f.svg"), "--csv", str(tmp_path / "s.csv")]) == 0
    assert (tmp_path / "f.svg").read_text().lstrip().startswith("<?xml")
    assert plot_main([str(inst), str(sched), "--out", str(tmp_path / "f.svg")]) == 2  # exists, no --force


# -- command line -------------------------------------------------------------------------------
def test_cli_solve_then_check(tmp_path, capsys):
    out = tmp_path / "r.json"
    rc = main(["solve", str(DATA / "j301_1.sm"), "-s", "rcpsp-ga", "-p", "schedules=3000", "--out", str(out), "-q"])
    assert rc == 0
    res = json.loads(out.read_text())
    assert res["problem"] == "rcpsp" and res["objective"] == 43 and res["bound"] == 43 and res["status"] == "optimal"
    assert res["info"]["cpm_bound"] == 38 and res["info"]["propagation_bound"] == 43
    assert res["info"]["schedules"] <= 3000
    assert res["solution"][1]["task"] == "2"
    capsys.readouterr()
    assert main(["check", str(DATA / "j301_1.sm"), str(out)]) == 0
    assert "feasible: objective 43" in capsys.readouterr().out
    # inject a precedence violation: job 2 (successor of the source) cannot start before... job 6 follows job 2
    res["solution"][5]["start"] = 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(res))
    assert main(["check", str(DATA / "j301_1.sm"), str(bad)]) == 1
    text = capsys.readouterr().out
    assert "precedence: task 6 starts at 0 before its predecessor 2 finishes at" in text


def test_cli_generate(tmp_path, capsys):
    f = tmp_path / "i.rcpsp.json"
    args = ["generate", "rcpsp-rcb", "--tasks", "12", "--layers", "3", "--level", "5", "--resources",
            "teams=3,forklifts=2", "--downtime", "1", "--windows", "0.5", "--disjunctive", "0.5", "--seed", "4",
            "--theme", "datacentre", "--out", str(f)]
    assert main(args) == 0
    p = combopt.read(f)
    assert p.resource_names == ["teams", "forklifts"] and len(p.edges) == 5
    assert p.meta["feasible_by_construction"] is True and p.evaluate(p.witness).feasible
    assert any("rack" in nm for nm in p.names)
    before = f.read_text()
    capsys.readouterr()
    assert main(args) == 2  # never overwrite without --force
    assert "already exists" in capsys.readouterr().err and f.read_text() == before
    assert main([*args, "--seed", "5", "--force"]) == 0 and f.read_text() != before
    # a ramp into a folder
    folder = tmp_path / "ramp"
    assert main(["generate", "rcpsp-rcb", "--tasks", "10", "--layers", "2", "--level", "1..3",
                 "--out", str(folder)]) == 0
    assert sorted(x.name for x in folder.iterdir()) == [f"rcb-n10-m2-k{k}-s0.rcpsp.json" for k in (1, 2, 3)]
    capsys.readouterr()
    for bad in (["--level", "x"], ["--downtime", "1.5"], ["--tasks", "1"], ["--level", "500"],
                ["--resources", "teams"]):
        assert main(["generate", "rcpsp-rcb", *bad]) == 2
        err = capsys.readouterr().err
        assert err.startswith("combopt: error:") and len(err.strip().splitlines()) == 1
    assert main(["generate", "nope"]) == 2


def _fits_alone_brute(P: RCPSP) -> np.ndarray:
    """Earliest starts by trying every start in turn against the capacity profile (no jumps)."""
    prof = P.capacity_profile()
    es = np.zeros(P.n, dtype=np.int64)
    for j in P.topo:
        preds = P.pred_idx[P.pred_ptr[j]:P.pred_ptr[j + 1]]
        t = max([int(P.release[j])] + [int(es[i] + P.durations[i]) for i in preds])
        while t + P.durations[j] <= prof.shape[0] and any(
                np.any(prof[u] < P.demands[j]) for u in range(t, t + int(P.durations[j]))):
            t += 1
        es[j] = t
    return es


def _successors(P: RCPSP) -> list[list[int]]:
    return [P.succ_idx[P.succ_ptr[j]:P.succ_ptr[j + 1]].tolist() for j in range(P.n)]


def test_earliest_starts_pass_downtime_as_a_brute_force_scan_does():
    rng = np.random.default_rng(5)
    shifted = 0
    for _ in range(150):  # shifted: runs where downtime moved some task
        n, R = int(rng.integers(2, 10)), int(rng.integers(1, 4))
        cap = rng.integers(1, 6, R)
        dem = np.minimum(rng.integers(0, 6, (n, R)), cap)
        down = []
        for _k in range(int(rng.integers(1, 6))):
            r, a = int(rng.integers(0, R)), int(rng.integers(0, 30))
            down.append(Downtime(r, a, a + int(rng.integers(1, 8)), int(rng.integers(0, cap[r] + 1))))
        P = RCPSP(rng.integers(0, 6, n).tolist(), dem.tolist(), cap.tolist(),
                  [[j for j in range(i + 1, n) if rng.random() < 0.3] for i in range(n)],
                  release=[int(rng.integers(0, 10)) if rng.random() < 0.3 else None for _ in range(n)],
                  downtime=down)
        es = P.earliest_starts()
        assert np.array_equal(es, _fits_alone_brute(P))
        shifted += bool(np.any(es != RCPSP(P.durations, P.demands, P.capacities, _successors(P),
                                           release=P.release.tolist()).earliest_starts()))
    assert shifted >= 50, shifted
    # a long horizon with a downtime at its start: the scan stays linear in the stretches passed, not the horizon
    n = 1000
    P = RCPSP([300] * n, [[1]] * n, [1000], [[] for _ in range(n)], downtime=[Downtime(0, 0, 1, 0)])
    assert set(P.earliest_starts().tolist()) == {1} and P.critical_path_bound() == 301


def test_a_zero_duration_task_may_demand_more_than_the_capacity():
    P = RCPSP([0, 3], [[3], [1]], [2], [[1], []], names=["a", "b"])  # a occupies nothing: feasible, makespan 3
    r = combopt.solve(P, "rcpsp-ga", time_limit=5, seed=0)
    assert r.status == "optimal" and r.objective == 3 and P.evaluate(r.solution).feasible
    with pytest.raises(combopt.ParameterError, match="demands 3 of resource"):
        RCPSP([1, 3], [[3], [1]], [2], [[1], []])


def test_psplib_sm_without_renewable_resources_and_text_after_its_end(tmp_path):
    # j301_1 with "- renewable : 0", no demand columns and an empty capacities line
    text = (DATA / "j301_1.sm").read_text()
    P = combopt.read(DATA / "j301_1_nores.sm")
    assert P.num_resources == 0 and P.n == 32
    assert combopt.solve(P, "rcpsp-sgs", time_limit=2).objective == P.critical_path_bound() == 38
    junk = tmp_path / "junk.sm"
    junk.write_text(text.rstrip("\n") + "\ntrailing junk 1 2 3\n")
    with pytest.raises(combopt.InputError, match=r"junk\.sm:\d+: unexpected text after the RESOURCEAVAILABILITIES"):
        combopt.read(junk)


def test_check_refutes_infeasible_and_bound_claims_with_the_files_witness(tmp_path, capsys):
    f = tmp_path / "w.rcpsp.json"
    write_rcpsp_json(small_project(), f)
    data = json.loads(f.read_text())
    data["witness"] = {"A": 0, "B": 3, "C": 0, "D": 4, "E": 3}  # the optimum of small_project (makespan 6)
    f.write_text(json.dumps(data))
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"problem": "rcpsp", "status": "infeasible", "solution": None}))
    assert main(["check", str(f), str(res)]) == 1
    assert "witness solution is feasible (objective 6)" in capsys.readouterr().out
    res.write_text(json.dumps({"problem": "rcpsp", "status": "unknown", "bound": 7, "solution": None}))
    assert main(["check", str(f), str(res)]) == 1
    assert "bound: the result claims 7, above the objective 6 of the instance's own witness" in capsys.readouterr().out
    res.write_text(json.dumps({"problem": "rcpsp", "status": "unknown", "bound": 6, "solution": None}))
    assert main(["check", str(f), str(res)]) == 0
