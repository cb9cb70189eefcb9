"""QUBO file formats beyond combopt's JSON: qbsolv's ``.qubo`` text and OR-Library's BQP files.

Data: ``qubo/bqp50_1.txt`` is the first problem of OR-Library's ``bqp50`` (Beasley 1990), whose published optimum
is 2098; ``qubo/qbsolv_sample.qubo`` is the 4-node example of qbsolv's format description (D-Wave, Apache-2.0).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import InputError
from combopt.problems.qubo_file import qbsolv_text, read_bqp, read_qbsolv

DATA = Path(__file__).parent / "data"
BQP = DATA / "qubo" / "bqp50_1.txt"
SAMPLE = DATA / "qubo" / "qbsolv_sample.qubo"


def bqp_value(path: Path, x: np.ndarray) -> float:
    """Beasley's objective computed straight from the file: x^T Q x with Q symmetric (each listed pair twice)."""
    toks = path.read_text().split()
    n, m = int(toks[1]), int(toks[2])
    Q = np.zeros((n, n))
    for e in range(m):
        i, j, q = (int(t) for t in toks[3 + 3 * e: 6 + 3 * e])
        Q[i - 1, j - 1] = Q[j - 1, i - 1] = q
    return float(x @ Q @ x)


def test_bqp_is_read_as_beasleys_maximisation():
    q = combopt.read(BQP)
    assert (q.kind, q.sense, q.n, q.name) == ("qubo", "max", 50, "bqp50_1#0")
    rng = np.random.default_rng(0)
    for _ in range(20):
        x = rng.integers(0, 2, q.n).astype(np.int8)
        assert combopt.evaluate(q, x).objective == pytest.approx(bqp_value(BQP, x.astype(float)))


def test_bqp50_1_published_optimum_exact_and_heuristic():
    q = combopt.read(BQP)
    exact = combopt.solve(q, "milp", time_limit=60)
    assert exact.status.value == "optimal" and exact.objective == 2098 and exact.bound == 2098
    heur = combopt.solve(q, "tabu", seed=0, max_iterations=20)
    assert heur.objective <= 2098  # never above the proven optimum
    assert heur.objective == 2098  # a 50-variable BQP is easy for tabu search
    assert heur.status.value != "optimal" or heur.bound == 2098


def test_qbsolv_sample_energies_and_optimum():
    q = combopt.read(SAMPLE)
    assert (q.kind, q.sense, q.n) == ("qubo", "min", 4)
    h = {0: 3.4, 1: 4.5, 2: 2.1, 3: -2.4}
    J = {(0, 1): 2.2, (0, 2): 3.4, (1, 2): 4.5, (0, 3): -2.0, (1, 3): 4.5678, (2, 3): -3.22}
    best = None
    for bits in itertools.product((0, 1), repeat=4):
        e = sum(h[i] * bits[i] for i in h) + sum(w * bits[i] * bits[j] for (i, j), w in J.items())
        assert combopt.evaluate(q, np.array(bits, np.int8)).objective == pytest.approx(e)
        best = e if best is None else min(best, e)
    res = combopt.solve(q, "exhaustive")
    assert res.status.value == "optimal" and res.objective == pytest.approx(best)


def test_qbsolv_round_trip_of_a_maximisation(tmp_path):
    q = combopt.read(BQP)
    f = tmp_path / "b.qubo"
    f.write_text(qbsolv_text(q))
    back = read_qbsolv(f)
    assert back.sense == "min" and back.n == q.n
    rng = np.random.default_rng(1)
    for _ in range(20):
        x = rng.integers(0, 2, q.n).astype(np.int8)
        assert combopt.evaluate(back, x).objective == pytest.approx(-combopt.evaluate(q, x).objective)


def test_bqp_file_of_several_problems(tmp_path):
    body = BQP.read_text().split("\n", 1)[1]
    f = tmp_path / "two.txt"
    f.write_text(" 2\n" + body + " 3 2\n 1 1 5\n 2 3 -4\n")
    assert [p.name for p in read_bqp(f)] == ["two#0", "two#1"]
    p1 = combopt.read(f"{f}#1")
    assert p1.n == 3 and combopt.evaluate(p1, np.array([1, 1, 1], np.int8)).objective == 5 - 8
    assert combopt.read(f).n == 50  # no #K: the first, as OR-Library mknap files


def test_mknap_files_are_still_knapsacks(tmp_path):
    f = tmp_path / "m.txt"
    f.write_text((DATA / "mdkp" / "mknap1.txt").read_text())
    assert combopt.read(f).kind == "mdkp"


@pytest.mark.parametrize(("name", "text", "line", "needle"), [
    ("bad.qubo", "p qubo 0 2 1 0\n0 0 1\n1 1 2\n", 1, "declares 1 node(s)"),
    ("bad.qubo", "c no program line\n0 0 1\n", 2, "program line"),
    ("bad.qubo", "p qubo 0 2 2 1\n0 0 1\n0 0 2\n0 1 3\n", 3, "node 0 appears twice"),
    ("bad.qubo", "p qubo 0 2 2 1\n0 0 1\n1 1 2\n1 0 3\n", 4, "expected i < j"),
    ("bad.qubo", "p qubo 0 2 2 1\n0 0 1\n1 1 2\n0 2 3\n", 4, "outside 0..1"),
    ("bad.qubo", "p qubo 0 2 2 1\n0 0 1\n1 1 x\n0 1 3\n", 3, "not a number"),
    ("bad.qubo", "p qubo 0 2 2 1\n0 0 1\n0 1 3\n1 1 2\n", 4, "after the couplers"),
    ("bad.qubo", "p qubo 0 2 1 0\np qubo 0 2 1 0\n", 2, "second program line"),
    ("bad.bqp", " 1\n 2 2\n 1 1 3\n 1 x 4\n", 4, "'x' is not a finite number"),
    ("bad.bqp", " 1\n 2 2\n 1 1 3\n 1 3 4\n", 4, "expected integers in 1..2"),
    ("bad.bqp", " 1\n 2 2\n 1 2 3\n 2 1 4\n", 4, "appears twice"),
    ("bad.bqp", " 1\n 2 3\n 1 1 3\n 1 2 4\n", 4, "truncated"),
    ("bad.bqp", " 1\n 2 1\n 1 1 3\n 2 2 4\n", 4, "extra data"),
])
def test_qbsolv_and_bqp_errors_name_the_line(read_error, name, text, line, needle):
    read_error(name, text, line, needle)


def test_bqp_missing_problem_index(tmp_path):
    with pytest.raises(InputError, match=r"holds 1 problems \(#0..#0\); #3 does not exist"):
        combopt.read(f"{BQP}#3")


def test_cli_export_qbsolv_and_solve_it(tmp_path, capsys):
    out = tmp_path / "b.qubo"
    assert main(["export", str(BQP), "--to", "qbsolv", "-o", str(out)]) == 0
    assert out.read_text().splitlines()[1] == "p qubo 0 50 3 108"  # 3 diagonal entries, 108 pairs in bqp50-1
    capsys.readouterr()
    assert main(["solve", str(out), "-s", "milp", "-q", "-t", "60"]) == 0
    assert "-2098" in capsys.readouterr().out
