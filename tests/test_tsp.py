"""Symmetric TSP: TSPLIB reader conventions, evaluation, bounds, exact MILP, local search, tsp-ls."""

from __future__ import annotations

import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import combopt
from combopt import CombOptError, InputError, ParameterError
from combopt.cli.app import main
from combopt.problems.tsp import TSP, held_karp, one_tree, read_tsplib, tsplib_distances
from combopt.problems.tsp.local import (
    decode_assignment,
    improve_tour,
    nearest_neighbour,
    neighbour_lists,
    or_opt,
    two_opt,
)

DATA = Path(__file__).parent / "data" / "tsp"
INSTANCES = ["burma14", "ulysses16", "gr17", "ulysses22", "att48", "eil51"]


def optima() -> dict[str, int]:
    with open(DATA / "optima.csv") as f:
        return {r["instance"]: int(r["optimal_length"]) for r in csv.DictReader(f)}


OPT = optima()


def write(tmp_path: Path, text: str, name: str = "t.tsp") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def closed_length(tour, D) -> int:
    """Tour length written out independently of the package."""
    return sum(int(D[tour[k], tour[(k + 1) % len(tour)]]) for k in range(len(tour)))


# ----------------------------------------------------------------------------- distances by hand
# A(0,0) B(3,4) C(1.5,2) D(1,1): Euclidean AB 5, AC 2.5, AD 1.414, BC 2.5, BD 3.606, CD 1.118
POINTS = "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 1.5 2\n4 1 1\nEOF\n"
BY_HAND = {
    # nint = floor(x + 0.5): 2.5 -> 3
    "EUC_2D": [[0, 5, 3, 1], [5, 0, 3, 4], [3, 3, 0, 1], [1, 4, 1, 0]],
    "CEIL_2D": [[0, 5, 3, 2], [5, 0, 3, 4], [3, 3, 0, 2], [2, 4, 2, 0]],
    # |dx| + |dy|: AB 7, AC 3.5 -> 4, AD 2, BC 3.5 -> 4, BD 5, CD 1.5 -> 2
    "MAN_2D": [[0, 7, 4, 2], [7, 0, 4, 5], [4, 4, 0, 2], [2, 5, 2, 0]],
    # max(nint|dx|, nint|dy|): AB 4, AC max(2, 2), AD 1, BC 2, BD 3, CD max(1, 1)
    "MAX_2D": [[0, 4, 2, 1], [4, 0, 2, 3], [2, 2, 0, 1], [1, 3, 1, 0]],
}


@pytest.mark.parametrize("ewt", sorted(BY_HAND))
@pytest.mark.parametrize("sep", [" : ", ": ", ":"])
def test_planar_types_by_hand(tmp_path, ewt, sep):
    text = f"NAME{sep}tiny\nTYPE{sep}TSP\nDIMENSION{sep}4\nEDGE_WEIGHT_TYPE{sep}{ewt}\n" + POINTS
    p = read_tsplib(write(tmp_path, text))
    assert p.name == "tiny" and p.n == 4 and p.D.dtype == np.int64
    assert p.D.tolist() == BY_HAND[ewt]


def test_att_pseudo_euclidean_by_hand(tmp_path):
    # r = sqrt((dx^2 + dy^2) / 10); t = nint(r); t + 1 when t < r
    # AB sqrt(10)=3.16 -> 4; AC sqrt(90)=9.49 -> 10; BC sqrt(100)=10 -> 10 (exact, no +1)
    # AD sqrt(5)=2.24 -> 3; BD sqrt(1)=1 -> 1; CD sqrt(89)=9.43 -> 10
    text = ("NAME: att4\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: ATT\n"
            "NODE_COORD_SECTION\n1 0 0\n2 10 0\n3 0 30\n4 7 1\nEOF\n")
    p = read_tsplib(write(tmp_path, text))
    assert p.D.tolist() == [[0, 4, 10, 3], [4, 0, 10, 1], [10, 10, 0, 10], [3, 1, 10, 0]]


def test_geo_by_hand(tmp_path):
    # on the equator: DDD.MM 0.30 is 30 minutes = 0.5 degree; 1 degree = 6378.388 * 3.141592 / 180
    # = 111.32 km; d = int(arc + 1): 0.5 deg -> 56, 1 deg -> 112, 1.5 deg -> 167, 2 deg -> 223
    text = ("NAME: geo4\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: GEO\n"
            "NODE_COORD_SECTION\n1 0.00 0.00\n2 0.00 0.30\n3 0.00 1.30\n4 0.00 -0.30\nEOF\n")
    p = read_tsplib(write(tmp_path, text))
    assert p.D.tolist() == [[0, 56, 167, 56], [56, 0, 112, 112], [167, 112, 0, 223], [56, 112, 223, 0]]


M4 = [[0, 2, 3, 4], [2, 0, 5, 6], [3, 5, 0, 7], [4, 6, 7, 0]]
FORMATS = {
    "FULL_MATRIX": "0 2 3 4\n2 0 5 6\n3 5\n0 7 4 6 7 0",
    "UPPER_ROW": "2 3 4\n5 6\n7",
    "LOWER_ROW": "2\n3 5\n4 6 7",
    "UPPER_DIAG_ROW": "0 2 3 4 0 5 6 0 7 0",
    "LOWER_DIAG_ROW": "0\n2 0\n3 5 0\n4 6 7 0",
    "UPPER_COL": "2 3 5\n4 6 7",
    "LOWER_COL": "2 3 4 5 6 7",
    "UPPER_DIAG_COL": "0 2 0 3 5 0 4 6 7 0",
    "LOWER_DIAG_COL": "0 2 3 4 0 5 6 0 7 0",
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_explicit_formats(tmp_path, fmt):
    text = (f"NAME: m4\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: {fmt}\n"
            f"EDGE_WEIGHT_SECTION\n{FORMATS[fmt]}\nEOF\n")
    p = read_tsplib(write(tmp_path, text))
    assert p.D.tolist() == M4
    assert p.coords is None


def test_explicit_with_display_data_and_symmetric_atsp(tmp_path):
    text = ("NAME : m4\nTYPE : ATSP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : FULL_MATRIX\n"
            "DISPLAY_DATA_TYPE : TWOD_DISPLAY\nEDGE_WEIGHT_SECTION :\n" + FORMATS["FULL_MATRIX"] +
            "\nDISPLAY_DATA_SECTION\n1 0 0\n2 1 0\n3 1 1\n4 0 1\nEOF\n")
    p = read_tsplib(write(tmp_path, text))
    assert p.D.tolist() == M4
    assert p.coords.shape == (4, 2)  # display data give the picture's coordinates


@pytest.mark.parametrize("name,canonical", [("burma14", 4562), ("ulysses16", 9665)])
def test_canonical_tour_lengths(name, canonical):
    p = combopt.read(DATA / f"{name}.tsp")
    assert p.kind == "tsp" and p.name == name
    assert p.evaluate(np.arange(p.n)).objective == canonical


def test_real_files(tmp_path):
    for name in INSTANCES:
        p = combopt.read(DATA / f"{name}.tsp")
        assert p.name == name
        assert p.D.shape == (p.n, p.n) and p.n == int("".join(c for c in name if c.isdigit()))
        assert np.array_equal(p.D, p.D.T) and not p.D.diagonal().any()
        assert (p.D[~np.eye(p.n, dtype=bool)] > 0).all()
    gr17 = read_tsplib(DATA / "gr17.tsp").D  # last row of the LOWER_DIAG_ROW data: 121 518 ... 153 336 0
    assert gr17[16, 0] == gr17[0, 16] == 121 and gr17[16, 15] == 336 and gr17[1, 0] == 633
    # the reader is also found by the header when the extension is missing
    text = (DATA / "burma14.tsp").read_text()
    assert combopt.read(write(tmp_path, text, "burma")).n == 14


# ----------------------------------------------------------------------------- malformed files
def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as e:
        combopt.read(path)
    assert e.value.path == str(path)
    return e.value


def test_truncated_node_coord_section(tmp_path):
    lines = (DATA / "burma14.tsp").read_text().splitlines()
    eof = lines.index("EOF")
    cut = lines[: eof - 3] + lines[eof:]  # 11 of 14 nodes, then EOF
    e = error_of(write(tmp_path, "\n".join(cut)))
    assert e.line == eof - 3 + 1  # the EOF line
    assert "NODE_COORD_SECTION" in e.message and "11 of 14" in e.message
    assert "expected 42 numbers" in e.message and "found 33" in e.message
    # cut at the end of the file without EOF
    e = error_of(write(tmp_path, "\n".join(lines[: eof - 1]), "t2.tsp"))
    assert "13 of 14" in e.message and "end of the file" in e.message and e.line == eof - 1


def test_truncated_edge_weight_section(tmp_path):
    lines = (DATA / "gr17.tsp").read_text().splitlines()
    eof = next(i for i, s in enumerate(lines) if s.strip() == "EOF")
    removed = len(lines[eof - 2].split())
    cut = lines[: eof - 2] + lines[eof - 1:]
    e = error_of(write(tmp_path, "\n".join(cut)))
    assert "EDGE_WEIGHT_SECTION" in e.message and "expected 153 numbers" in e.message
    assert f"found {153 - removed}" in e.message and "LOWER_DIAG_ROW" in e.message
    assert e.line == eof  # the EOF line, one line earlier after the cut
    assert str(e).startswith(f"{e.path}:{e.line}:")
    # cut at the end of the file without EOF: the error names the last line, not the section header
    e = error_of(write(tmp_path, "\n".join(lines[: eof - 1]), "t2.tsp"))
    assert "end of the file" in e.message and e.line == eof - 1


def test_too_many_numbers(tmp_path):
    text = (DATA / "gr17.tsp").read_text().replace(" 0 \nEOF", " 0 5\nEOF")
    e = error_of(write(tmp_path, text))
    assert "more numbers than expected" in e.message and "153" in e.message
    coords = (DATA / "burma14.tsp").read_text().replace("EOF", "  15  16.47       96.10\nEOF")
    e = error_of(write(tmp_path, coords, "b.tsp"))
    assert "more data than expected after NODE_COORD_SECTION" in e.message and e.line == 23


@pytest.mark.parametrize("old,new,needles,line", [
    ("   3  20.09       92.54", "   3  20.09       9x2.54", ["non-numeric token '9x2.54'"], 11),
    ("   3  20.09       92.54", "   3  20.09", ["expected 3 numbers (node x y), found 2"], 11),
    ("   3  20.09       92.54", "   3  1 2 3", ["3-D coordinates are not supported"], 11),
    ("   3  20.09       92.54", "   2  20.09       92.54", ["node 2 appears twice"], 11),
    ("   3  20.09       92.54", "   0  20.09       92.54", ["node number 0 is not an integer in 1..14"], 11),
    ("DIMENSION: 14", "DIMENSION: fourteen", ["DIMENSION must be a positive integer"], 4),
    ("DIMENSION: 14", "DIMENSION: 99999999", ["larger than the 200000 cities"], 4),
    ("DIMENSION: 14", "COMMENT: no size", ["NODE_COORD_SECTION comes before DIMENSION"], 8),
    ("EDGE_WEIGHT_TYPE: GEO", "EDGE_WEIGHT_TYPE: EUC_3D", ["EDGE_WEIGHT_TYPE EUC_3D is not supported"], 5),
    ("TYPE: TSP", "TYPE: CVRP", ["TYPE CVRP is not supported; expected TSP or ATSP"], 2),
    ("TYPE: TSP", "TYPO: TSP", ["unknown keyword 'TYPO'"], 2),
    ("TYPE: TSP", "TYPE TSP", ["expected 'TYPE : value'"], 2),
    ("EOF", "FIXED_EDGES_SECTION\n1 2\n-1\nEOF", ["FIXED_EDGES_SECTION is not supported"], 23),
    ("EOF", "NODE_COORD_SECTION", ["NODE_COORD_SECTION appears twice (first at line 8)"], 23),
])
def test_malformed_burma14(tmp_path, old, new, needles, line):
    text = (DATA / "burma14.tsp").read_text()
    assert old in text
    e = error_of(write(tmp_path, text.replace(old, new, 1)))
    for needle in needles:
        assert needle in e.message, e.message
    assert e.line == line, str(e)


def test_missing_parts(tmp_path):
    e = error_of(write(tmp_path, "NAME: x\nTYPE: TSP\nEDGE_WEIGHT_TYPE: EUC_2D\nEOF\n"))
    assert e.message == "missing DIMENSION"
    e = error_of(write(tmp_path, "NAME: x\nTYPE: TSP\nDIMENSION: 3\nEOF\n"))
    assert e.message == "missing EDGE_WEIGHT_TYPE"
    e = error_of(write(tmp_path, "NAME: x\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nEOF\n"))
    assert "needs a NODE_COORD_SECTION" in e.message
    e = error_of(write(tmp_path, "TYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_SECTION\n1 2 3\n"))
    assert "EDGE_WEIGHT_SECTION comes before EDGE_WEIGHT_FORMAT" in e.message and e.line == 4
    e = error_of(write(tmp_path, "TYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                                 "EDGE_WEIGHT_FORMAT: UPPER_ROW\nEDGE_WEIGHT_SECTION\n1 2.5 3\n"))
    assert "edge weights must be integers" in e.message and e.line == 6
    e = error_of(write(tmp_path, "TYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                                 "EDGE_WEIGHT_FORMAT: FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n1 0 3\n2 4 0\n"))
    assert "TYPE TSP but the FULL_MATRIX matrix is asymmetric" in e.message and "d(2,3) = 3, d(3,2) = 4" in e.message
    assert "TYPE: ATSP" in e.message and e.line == 5
    binary = tmp_path / "bin.tsp"
    binary.write_bytes(b"NAME: x\nTYPE: TSP\n\xff\xfe\x00")
    assert "not a text file" in error_of(binary).message
    e = error_of(write(tmp_path, "TYPE: TSP\nDIMENSION: 2\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n"
                                 "1 0 0\n2 1e999 0\n"))
    assert "1e999" in e.message and e.line == 6


def test_cli_reports_file_and_line(capsys, tmp_path):
    lines = (DATA / "burma14.tsp").read_text().splitlines()
    bad = write(tmp_path, "\n".join(lines[:12]))
    capsys.readouterr()
    rc = main(["solve", str(bad), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and f"{bad}:12:" in " ".join(err.split()) and "4 of 14 nodes" in err


_TSP_WORDS = st.sampled_from([
    "NAME", "TYPE", "DIMENSION", "EDGE_WEIGHT_TYPE", "EDGE_WEIGHT_FORMAT", "NODE_COORD_SECTION",
    "EDGE_WEIGHT_SECTION", "DISPLAY_DATA_SECTION", "EOF", ":", "TSP", "ATSP", "EUC_2D", "GEO", "ATT", "EXPLICIT",
    "FULL_MATRIX", "LOWER_DIAG_ROW", "UPPER_ROW", "-1", "0", "1", "2", "3", "1e999", "nan", "9" * 25, "1.5", "x",
])
_TSP_TEXT = st.lists(st.lists(st.one_of(_TSP_WORDS, st.integers(-2, 5).map(str)), max_size=5).map(" ".join),
                     max_size=14).map("\n".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TSP_TEXT)
def test_fuzzed_files_never_crash(tmp_path, text):
    path = tmp_path / "fuzz.tsp"
    path.write_text("TYPE: TSP\nDIMENSION: 3\n" + text)
    try:
        p = combopt.read(path)
    except InputError as e:
        assert e.path == str(path)
        return
    except CombOptError:
        return
    assert p.D.shape == (3, 3) and np.array_equal(p.D, p.D.T)


# ----------------------------------------------------------------------------- evaluation and JSON
def test_evaluate_catches_non_permutations():
    p = combopt.read(DATA / "burma14.tsp")
    ok = p.evaluate(np.arange(14))
    assert ok.feasible and ok.objective == 4562 and ok.violations == []
    cases = {
        "short": (np.arange(13), ["tour has 13 cities, expected 14", "city 14 is missing"]),
        "dup": ([0, 1, 2, 2, *range(4, 14)], ["city 3 appears 2 times", "city 4 is missing"]),
        "range": ([*range(13), 14], ["city 15 is out of range 1..14", "city 14 is missing"]),
        "negative": ([*range(13), -1], ["city 0 is out of range 1..14"]),
        "long": ([*range(14), 0], ["tour has 15 cities, expected 14", "city 1 appears 2 times"]),
    }
    for key, (tour, needles) in cases.items():
        ev = p.evaluate(tour)
        assert not ev.feasible and ev.objective is None, key
        for needle in needles:
            assert needle in ev.violations, (key, ev.violations)
    assert not p.evaluate(np.arange(14).reshape(2, 7)).feasible
    assert not p.evaluate(np.arange(14) + 0.5).feasible
    assert p.evaluate(np.arange(14).astype(float)).feasible
    assert not p.evaluate(["a"] * 14).feasible


def test_json_round_trip_through_the_cli(capsys, tmp_path):
    inst = DATA / "ulysses16.tsp"
    out = tmp_path / "r.json"
    capsys.readouterr()
    rc = main(["solve", str(inst), "--time-limit", "20", "--target", str(OPT["ulysses16"]), "--seed", "3",
               "--quiet", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    data = json.loads(out.read_text())
    assert data["problem"] == "tsp" and data["solver"] == "tsp-ls" and data["instance"] == "ulysses16"
    assert data["objective"] == OPT["ulysses16"] and data["feasible"] is True
    tour = data["solution"]
    assert sorted(tour) == list(range(1, 17))  # 1-based city numbers
    D = read_tsplib(inst).D
    assert closed_length([c - 1 for c in tour], D) == OPT["ulysses16"]
    assert data["bound"] is not None and data["bound"] <= OPT["ulysses16"]

    capsys.readouterr()
    assert main(["check", str(inst), str(out)]) == 0
    assert f"objective {OPT['ulysses16']}" in capsys.readouterr().out

    data["solution"] = tour[:-1] + [tour[0]]  # a duplicate and a missing city
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["check", str(inst), str(bad)]) == 1
    text = capsys.readouterr().out
    assert f"city {tour[0]} appears 2 times" in text and f"city {tour[-1]} is missing" in text

    for garbage, needle in [([1, 2, "x"], "not an integer city number"), ([1, 2, 17], "out of range 1..16"),
                            ({"tour": [1]}, "'solution' list"), ([1.5], "not an integer")]:
        bad.write_text(json.dumps({"problem": "tsp", "solution": garbage} if isinstance(garbage, list) else garbage))
        capsys.readouterr()
        assert main(["check", str(inst), str(bad)]) == 2
        assert needle in " ".join(capsys.readouterr().err.split())


def test_solution_json_helpers():
    p = combopt.read(DATA / "burma14.tsp")
    tour = np.array([3, 1, 0, 2, *range(4, 14)])
    js = p.solution_to_json(tour)
    assert js[:4] == [4, 2, 1, 3] and all(isinstance(v, int) for v in js)
    assert np.array_equal(p.solution_from_json({"solution": js}), tour)


# ----------------------------------------------------------------------------- bounds and MILP
def test_held_karp_bound_never_exceeds_the_optimum():
    for name in INSTANCES:
        p = combopt.read(DATA / f"{name}.tsp")
        b = p.bound()
        assert b is not None and b <= OPT[name], name
        assert b == math.floor(b)
        assert (OPT[name] - b) / OPT[name] < 0.03, (name, b)
    hk = held_karp(read_tsplib(DATA / "burma14.tsp").D)
    assert hk.bound <= OPT["burma14"] + 1e-6 and hk.pi.shape == (14,)


def test_one_tree_is_a_lower_bound_on_random_instances():
    rng = np.random.default_rng(5)
    for n in (5, 6, 7):
        xy = rng.integers(0, 50, size=(n, 2))
        D = tsplib_distances(xy, "EUC_2D")
        best = min(closed_length((0, *perm), D) for perm in itertools.permutations(range(1, n)))
        value, degree, edges = one_tree(D)
        assert value <= best and degree.sum() == 2 * n and edges.shape == (n, 2)
        pi = rng.normal(0, 5, n)
        v2, _, _ = one_tree(D, pi)
        assert v2 - 2 * pi.sum() <= best + 1e-9
        assert held_karp(D, 50).bound <= best + 1e-9
        assert TSP(D).bound() <= best


def test_milp_proves_burma14_optimal():
    res = combopt.solve(DATA / "burma14.tsp", "milp", time_limit=60)
    assert res.status == combopt.Status.OPTIMAL and res.objective == OPT["burma14"]
    assert sorted(res.solution.tolist()) == list(range(14))


def test_milp_mtz_formulation_on_a_small_instance():
    rng = np.random.default_rng(2)
    xy = rng.integers(0, 100, size=(7, 2))
    p = TSP.from_coords(xy)
    best = min(closed_length((0, *perm), p.D) for perm in itertools.permutations(range(1, 7)))
    from combopt.solvers.milp import solve_pulp

    for form in ("mtz", "flow"):
        prob, decode = p.to_pulp(form)
        proven, _, _, _ = solve_pulp(prob, "cbc", 30)
        assert proven and p.evaluate(decode()).objective == best


# ----------------------------------------------------------------------------- local search
def best_two_opt_delta(t, D) -> int:
    """Best change of any 2-opt move (exhaustive, numpy)."""
    t = np.asarray(t)
    a, b = t, np.roll(t, -1)
    delta = D[a][:, a] + D[b][:, b] - D[a, b][:, None] - D[a, b][None, :]
    np.fill_diagonal(delta, 0)  # i == j is no move; neighbouring edges give exactly 0
    return min(0, int(delta.min()))


def best_or_opt_delta(t, D) -> int:
    """Best change of moving any segment of 1..3 cities anywhere, either orientation (exhaustive)."""
    n, best = len(t), 0
    for L in (1, 2, 3):
        for s in range(n):
            seg = np.roll(t, -s)[:L]
            rest = np.roll(t, -s)[L:]
            gain = D[rest[-1], seg[0]] + D[seg[-1], rest[0]] - D[rest[-1], rest[0]]
            u, v = rest[:-1], rest[1:]
            cost = np.minimum(D[u, seg[0]] + D[seg[-1], v], D[u, seg[-1]] + D[seg[0], v]) - D[u, v]
            best = min(best, int(cost.min() - gain))
    return best


def exact_length(D) -> int:
    """Optimal tour length by the Held-Karp dynamic programme (small n)."""
    n = len(D)
    if n <= 3:
        return closed_length(list(range(n)), D)
    full = 1 << (n - 1)
    C = np.full((full, n - 1), np.iinfo(np.int64).max // 4, dtype=np.int64)
    for j in range(n - 1):
        C[1 << j, j] = D[0, j + 1]
    for S in range(1, full):
        for j in range(n - 1):
            if not S >> j & 1 or C[S, j] >= np.iinfo(np.int64).max // 4:
                continue
            rest = [k for k in range(n - 1) if not S >> k & 1]
            for k in rest:
                C[S | 1 << k, k] = min(C[S | 1 << k, k], C[S, j] + D[j + 1, k + 1])
    return int(min(C[full - 1, j] + D[j + 1, 0] for j in range(n - 1)))


def test_local_search_reaches_true_local_optima():
    p = read_tsplib(DATA / "eil51.tsp")
    D = p.D
    full = neighbour_lists(D, p.n - 1)
    rng = np.random.default_rng(0)
    for _ in range(3):
        start = rng.permutation(p.n)
        keep = start.copy()
        a, b, c = two_opt(start, D, full), or_opt(start, D, full), improve_tour(start, D, full)
        assert np.array_equal(start, keep)  # the input is not modified
        for t in (a, b, c):
            assert sorted(t.tolist()) == list(range(p.n))
        assert best_two_opt_delta(a, D) == 0
        assert best_or_opt_delta(b, D) == 0
        assert best_two_opt_delta(c, D) == 0 and best_or_opt_delta(c, D) == 0
        assert closed_length(c, D) < closed_length(start, D)
    # default (10-16 nearest) lists: still valid and much better than the start
    t = improve_tour(nearest_neighbour(D, 0), D)
    assert closed_length(t, D) <= closed_length(nearest_neighbour(D, 0), D)
    # float matrices work as well (e.g. Lagrangian-modified costs)
    tf = improve_tour(rng.permutation(p.n), D.astype(float) + 0.25)
    assert sorted(tf.tolist()) == list(range(p.n))
    # the diagonal is never part of a tour: a negative one changes nothing (it is no "improvement")
    start = rng.permutation(p.n)
    Dn = D.astype(float)
    np.fill_diagonal(Dn, -7.0)
    np.testing.assert_array_equal(improve_tour(start, Dn, full), improve_tour(start, D.astype(float), full))
    with pytest.raises(ParameterError):
        improve_tour([0, 1, 1], D[:3, :3])


def test_decode_assignment():
    rng = np.random.default_rng(1)
    D = read_tsplib(DATA / "burma14.tsp").D
    tour = rng.permutation(14)
    X = np.zeros((14, 14))
    X[tour, np.arange(14)] = 1.0
    assert np.array_equal(decode_assignment(X, D), tour)
    assert np.array_equal(decode_assignment(X.ravel()), tour)  # flat, city-major
    noisy = X + rng.uniform(0, 0.4, X.shape)
    assert np.array_equal(decode_assignment(noisy, D), tour)
    # a sample with violated constraints still decodes to a permutation
    broken = X.copy()
    broken[tour[0]] = 0
    broken[tour[1], 0] = 1
    assert sorted(decode_assignment(broken, D).tolist()) == list(range(14))
    # fixed start: city 0 at position 0, X[i-1, t-1] for the others
    t0 = np.concatenate([[0], 1 + rng.permutation(13)])
    Y = np.zeros((13, 13))
    Y[t0[1:] - 1, np.arange(13)] = 1.0
    assert np.array_equal(decode_assignment(Y, D), t0)
    with pytest.raises(ParameterError):
        decode_assignment(np.zeros((3, 4)))
    with pytest.raises(ParameterError):
        decode_assignment(np.zeros((5, 5)), D)


# ----------------------------------------------------------------------------- the tsp-ls solver
@pytest.mark.parametrize("name", INSTANCES)
def test_default_solver_reaches_the_optimum(name):
    res = combopt.solve(DATA / f"{name}.tsp", time_limit=20, target=OPT[name], seed=0)
    assert res.solver == "tsp-ls" and res.feasible
    assert res.objective == OPT[name]
    D = read_tsplib(DATA / f"{name}.tsp").D
    assert sorted(res.solution.tolist()) == list(range(len(D)))
    assert closed_length(res.solution, D) == OPT[name]
    assert res.bound <= OPT[name]


def test_solver_is_deterministic_and_validates_parameters():
    path = DATA / "eil51.tsp"
    a = combopt.solve(path, "tsp-ls", max_iterations=3, seed=7, num_walks=2)
    b = combopt.solve(path, "tsp-ls", max_iterations=3, seed=7, num_walks=2)
    assert np.array_equal(a.solution, b.solution) and a.objective == b.objective
    with pytest.raises(ParameterError):
        combopt.solve(path, "tsp-ls", max_iterations=1, kick=3)
    with pytest.raises(ParameterError):
        combopt.solve(path, "tsp-ls", max_iterations=1, num_walks=0)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 9, 10, 12])
def test_small_instances_are_exact(n):
    rng = np.random.default_rng(n)
    p = TSP.from_coords(rng.uniform(0, 100, size=(n, 2)), name=f"r{n}")
    res = combopt.solve(p, max_iterations=20, seed=1)
    best = exact_length(p.D)
    if n <= 7:
        assert best == min(closed_length((0, *perm), p.D) for perm in itertools.permutations(range(1, n)))
    assert res.feasible and res.objective == best
    if n <= 9:
        assert res.status == combopt.Status.OPTIMAL


def test_plot(tmp_path):
    p = combopt.read(DATA / "ulysses16.tsp")
    out = p.plot(np.arange(16), tmp_path / "tour.png")
    assert out.exists() and out.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ParameterError):
        p.plot([0, 0, 1], tmp_path / "bad.png")
    with pytest.raises(ParameterError):
        combopt.read(DATA / "gr17.tsp").plot(np.arange(17), tmp_path / "gr17.png")


def test_construction_is_a_two_opt_local_optimum():
    """The cold-start / QUBO-too-large answer: nearest neighbour, then 2-opt to a local optimum (brute-force check
    that no 2-opt move shortens it)."""
    rng = np.random.default_rng(11)
    inst = TSP.from_coords(rng.uniform(0, 1000, (40, 2)), name="r40")
    tour = inst.construct()
    assert sorted(tour.tolist()) == list(range(40)) and tour[0] == 0
    D, n = inst.D, inst.n
    length = inst.evaluate(tour).objective
    for i in range(n - 1):
        for j in range(i + 2, n):
            a, b, c, d = tour[i], tour[i + 1], tour[j], tour[(j + 1) % n]
            if d == a:
                continue
            assert D[a, c] + D[b, d] >= D[a, b] + D[c, d], (i, j)
    nn = inst.construct(deadline=0.0)  # no time for 2-opt: the nearest-neighbour tour itself
    assert inst.evaluate(nn).objective >= length
