"""Every family's ``evaluate`` rejects each kind of infeasible input, and ``combopt check`` works on every family.

The feasible solutions and objective values here are built or computed independently of the code under
test (hand-made vectors, brute force, plain numpy sums), so a checker that ignores a constraint or
miscounts an objective fails.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.models.qubo import QUBO
from combopt.problems.graph.graph import Graph
from combopt.problems.graph.mis import IndependentSet
from combopt.problems.mdkp.model import MultiKnapsack
from combopt.problems.tsp.model import TSP

COUPLING = Path(__file__).parent / "data" / "coupling"
DATA = Path(__file__).parent / "data"


# ------------------------------------------------------------------------------------------- MDKP
@pytest.fixture
def knap() -> MultiKnapsack:
    # 4 items, 2 constraints; capacities 5 and 6
    return MultiKnapsack([3, 4, 5, 6], [[2, 3, 1, 4], [3, 1, 4, 2]], [5, 6], name="k")


def test_mdkp_all_ones_is_infeasible(knap):
    ev = knap.evaluate(np.ones(4, dtype=int))
    assert not ev.feasible
    assert len(ev.violations) == 2  # loads 10 > 5 and 10 > 6
    assert "constraint 0" in ev.violations[0] and "10" in ev.violations[0] and "5" in ev.violations[0]


def test_mdkp_one_violated_constraint_is_named(knap):
    x = np.array([1, 0, 0, 1])  # loads 6 > 5, 5 <= 6
    ev = knap.evaluate(x)
    assert not ev.feasible and len(ev.violations) == 1 and ev.violations[0].startswith("constraint 0")
    x = np.array([0, 0, 1, 1])  # loads 5 <= 5, 6 <= 6: both tight, feasible
    ev = knap.evaluate(x)
    assert ev.feasible and ev.violations == [] and ev.objective == 11.0
    x = np.array([1, 0, 1, 0])  # loads 3, 7 > 6
    ev = knap.evaluate(x)
    assert not ev.feasible and len(ev.violations) == 1 and ev.violations[0].startswith("constraint 1")


def test_mdkp_objective_and_feasibility_match_brute_force(knap):
    best = 0.0
    for bits in itertools.product([0, 1], repeat=4):
        x = np.array(bits)
        load = np.array([[2, 3, 1, 4], [3, 1, 4, 2]]) @ x
        ok = bool(np.all(load <= [5, 6]))
        ev = knap.evaluate(x)
        assert ev.feasible == ok, bits
        assert ev.objective == float(np.dot([3, 4, 5, 6], x))
        if ok:
            best = max(best, ev.objective)
    assert combopt.solve(knap, "milp").objective == best == 11.0


@pytest.mark.parametrize("bad,needle", [
    (np.ones(3, dtype=int), "3 entries, expected 4"),
    (np.ones(5, dtype=int), "5 entries, expected 4"),
    (np.array([0, 2, 0, 0]), "other than 0 and 1"),
    (np.array([0, 0.5, 0, 0]), "other than 0 and 1"),
    (np.array([0, -1, 0, 0]), "other than 0 and 1"),
])
def test_mdkp_malformed_vectors(knap, bad, needle):
    ev = knap.evaluate(bad)
    assert not ev.feasible and ev.objective is None and needle in ev.violations[0]


def test_mdkp_real_instance_all_ones_infeasible():
    p = combopt.read(DATA / "mdkp" / "mknap1.txt#3")
    ev = p.evaluate(np.ones(p.n, dtype=int))
    assert not ev.feasible and ev.violations
    assert p.evaluate(np.zeros(p.n, dtype=int)).feasible


# ------------------------------------------------------------------------------------------- MIS / clique
@pytest.fixture
def path_graph() -> Graph:
    return Graph.from_edges(4, [(0, 1), (1, 2), (2, 3)], name="p4")


def test_mis_evaluate_classes(path_graph):
    p = IndependentSet(path_graph, "mis")
    ok = p.evaluate([0, 2])
    assert ok.feasible and ok.objective == 2.0
    ev = p.evaluate([0, 1, 3])
    assert not ev.feasible and len(ev.violations) == 1 and "adjacent" in ev.violations[0]
    ev = p.evaluate([0, 1, 2, 3])
    assert not ev.feasible and len(ev.violations) == 3
    assert not p.evaluate([0, 4]).feasible and p.evaluate([0, 4]).violations == ["vertex index out of range 0..3"]
    assert not p.evaluate([-1]).feasible
    assert not p.evaluate([2, 2]).feasible and "twice" in p.evaluate([2, 2]).violations[0]
    assert p.evaluate([]).feasible and p.evaluate([]).objective == 0.0


def test_clique_evaluate_classes(path_graph):
    p = IndependentSet(path_graph, "clique")
    ok = p.evaluate([1, 2])
    assert ok.feasible and ok.objective == 2.0
    ev = p.evaluate([0, 2])
    assert not ev.feasible and "not adjacent" in ev.violations[0]
    ev = p.evaluate([0, 1, 2])  # 0-2 missing
    assert not ev.feasible and len(ev.violations) == 1
    assert p.evaluate([3]).feasible


def test_mis_and_clique_cap_the_listed_violations():
    n = 8
    full = Graph.from_edges(n, list(itertools.combinations(range(n), 2)))  # K8: 28 edges
    ev = IndependentSet(full, "mis").evaluate(list(range(n)))
    assert not ev.feasible and len(ev.violations) == 21 and ev.violations[-1] == "... and 8 more"
    ev = IndependentSet(Graph.from_edges(n, []), "clique").evaluate(list(range(n)))  # 28 non-edges
    assert not ev.feasible and len(ev.violations) == 21 and ev.violations[-1] == "... and 8 more"
    ev = IndependentSet(full, "mis").evaluate([0, 1])
    assert ev.violations == ["vertices 1 and 2 are adjacent"]  # labels, not indices
    seven = Graph.from_edges(7, list(itertools.combinations(range(7), 2)))  # K7: 21 edges, one more than listed
    ev = IndependentSet(seven, "mis").evaluate(list(range(7)))
    assert len(ev.violations) == 21 and ev.violations[-1] == "... and 1 more"
    six = Graph.from_edges(7, list(itertools.combinations(range(7), 2))[:20])  # exactly 20: all listed
    ev = IndependentSet(six, "mis").evaluate(list(range(7)))
    assert len(ev.violations) == 20 and "more" not in ev.violations[-1]


def test_mis_evaluate_matches_brute_force():
    rng = np.random.default_rng(3)
    n = 7
    edges = [(u, v) for u, v in itertools.combinations(range(n), 2) if rng.random() < 0.4]
    es = {frozenset(e) for e in edges}
    p = IndependentSet(Graph.from_edges(n, edges), "mis")
    c = IndependentSet(Graph.from_edges(n, edges), "clique")
    for r in range(n + 1):
        for S in itertools.combinations(range(n), r):
            pairs = [frozenset(q) for q in itertools.combinations(S, 2)]
            assert p.evaluate(list(S)).feasible == (not any(q in es for q in pairs)), S
            assert c.evaluate(list(S)).feasible == all(q in es for q in pairs), S


# ------------------------------------------------------------------------------------------- TSP
def test_tsp_evaluate_classes():
    D = np.array([[0, 1, 4, 3], [1, 0, 2, 5], [4, 2, 0, 1], [3, 5, 1, 0]])
    t = TSP(D, name="t4")
    ok = t.evaluate([0, 1, 2, 3])
    assert ok.feasible and ok.objective == 1 + 2 + 1 + 3
    assert t.evaluate([2, 3, 0, 1]).objective == 1 + 3 + 1 + 2
    for bad, needle in [([0, 1, 2], "3 cities, expected 4"), ([0, 1, 2, 2], "appears 2 times"),
                        ([0, 1, 2, 4], "out of range"), ([0, 1, 2, -1], "out of range"),
                        ([0, 1, 2, 3, 0], "5 cities"), ([[0, 1], [2, 3]], "flat"), ([0, 1.5, 2, 3], "integer")]:
        ev = t.evaluate(bad)
        assert not ev.feasible and ev.objective is None, bad
        assert any(needle in v for v in ev.violations), (bad, ev.violations)
    assert any("missing" in v for v in t.evaluate([0, 1, 2, 2]).violations)
    # many problems: at most 20 listed per class, the rest counted
    n = 30
    big = TSP(np.ones((n, n)) - np.eye(n), name="t30")
    ev = big.evaluate([0] * n)
    assert ev.violations[0] == "city 1 appears 30 times"
    missing = [v for v in ev.violations if "missing" in v]
    assert len(missing) == 21 and missing[-1] == "... and 9 more missing cities" and missing[0] == "city 2 is missing"
    ev = big.evaluate([0] * 9 + list(range(9, 30)))  # cities 2..9 missing: 8, all listed
    assert len([v for v in ev.violations if "missing" in v]) == 8 and "more" not in ev.violations[-1]
    ev = big.evaluate(list(range(30, 60)))
    assert len([v for v in ev.violations if "out of range" in v]) == 20
    assert big.evaluate(list(range(n))).objective == n


# ------------------------------------------------------------------------------------------- QUBO
def test_qubo_evaluate_classes():
    q = QUBO.from_dicts({0: -1, 1: -1}, {(0, 1): 3}, offset=0.5)
    assert q.evaluate([1, 0]).objective == -0.5 and q.evaluate([1, 1]).objective == 1.5
    for bad in ([1, 0, 0], [2, 0], [0.5, 0], [[1, 0]]):
        ev = q.evaluate(bad)
        assert not ev.feasible and ev.objective is None, bad
    m = QUBO.from_dicts({0: -1, 1: -1}, {(0, 1): 3}, sense="max")
    assert m.evaluate([1, 1]).objective == 1.0  # -1 - 1 + 3, in the caller's sense


# ------------------------------------------------------------------------------------------- DMMV
def _dmmv_json(tmp_path: Path) -> Path:
    f = tmp_path / "small.dmmv.json"
    f.write_text(json.dumps({"format": "dmmv", "A": [[1, 1], [1, -1]], "b": [2, 0],
                             "domain": {"lo": 0, "step": 1, "count": 3}}))
    return f


def test_dmmv_evaluate_classes(tmp_path):
    p = combopt.read(_dmmv_json(tmp_path))
    ok = p.evaluate([1, 1])
    assert ok.feasible and ok.objective == 0.0
    assert p.evaluate([2, 0]).objective == 2.0  # rows: 2 - 2 = 0, 2 - 0 = 2 -> max 2
    assert p.evaluate([0, 0]).objective == 2.0
    for bad, needle in [([3, 1], "not in its domain"), ([0.5, 1], "not in its domain"), ([-1, 1], "not in its domain"),
                        ([1, 1, 1], "expected 2 values"), ([np.nan, 1], "non-finite"), (["a", 1], "not a vector")]:
        ev = p.evaluate(bad)
        assert not ev.feasible, bad
        assert any(needle in v for v in ev.violations), (bad, ev.violations)


def test_dmmv_evaluate_weights_bounds_and_caps(tmp_path):
    f = tmp_path / "wide.dmmv.json"
    n = 30
    f.write_text(json.dumps({"format": "dmmv", "A": [[1.0] * n, [1.0] + [0.0] * (n - 1)], "lower": [0, None],
                             "upper": [5, 0.5], "weights": [1.0, 4.0], "domain": {"lo": 0, "step": 1, "count": 2}}))
    p = combopt.read(f)
    x = np.zeros(n)
    x[:7] = 1  # row 0: 7 > 5 by 2; row 1: 1 > 0.5 by 0.5, weight 4 -> 2
    assert p.evaluate(x).objective == pytest.approx(2.0) and p.evaluate(x).feasible
    x[:8] = 1  # row 0 over by 3
    assert p.evaluate(x).objective == pytest.approx(3.0)
    x = np.zeros(n)  # row 0: 0 within [0, 5]; row 1: 0 within (-inf, 0.5]
    assert p.evaluate(x).objective == 0.0
    x[1:4] = 1  # both rows strictly inside their bounds: still 0, never negative
    assert p.evaluate(x).objective == 0.0
    ev = p.evaluate(np.full(n, 3.0))  # every value outside {0, 1}: 20 listed, the rest counted
    assert not ev.feasible and len(ev.violations) == 21 and ev.violations[-1] == "... and 10 more"
    ev = p.evaluate(np.r_[np.full(20, 3.0), np.zeros(n - 20)])
    assert len(ev.violations) == 20


# ------------------------------------------------------------------------------------------- combopt check
def _check(capsys, instance, payload: dict, tmp_path: Path, name: str) -> tuple[int, str]:
    sol = tmp_path / f"{name}.json"
    sol.write_text(json.dumps(payload))
    capsys.readouterr()
    # --kind: one instance file serves several kinds (a .clq is a clique instance unless told mis)
    rc = main(["check", str(instance), str(sol), "--kind", payload["problem"]])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out


def _objective_printed(out: str) -> float:
    assert out.startswith("feasible: objective "), out
    return float(out.split("objective ")[1].split()[0])


def _family_cases(tmp_path: Path):
    """(name, instance path, kind, feasible solution JSON, its objective, an infeasible solution JSON)."""
    # clique / mis on johnson8-2-4: a 4-clique by brute force, a greedy independent set
    clq = DATA / "johnson8-2-4.clq"
    g = combopt.read(clq)
    edges = {frozenset(map(int, e)) for e in g.graph.edges}
    n = g.n
    clique = next(list(S) for S in itertools.combinations(range(n), 4)
                  if all(frozenset(q) in edges for q in itertools.combinations(S, 2)))
    non_nb = next(v for v in range(n) if v not in clique and frozenset((v, clique[0])) not in edges)
    indep = []
    for v in range(n):
        if all(frozenset((v, u)) not in edges for u in indep):
            indep.append(v)
    nb = next(v for v in range(n) if v not in indep and frozenset((v, indep[0])) in edges)
    js = g.solution_to_json  # vertex labels (1-based in DIMACS files)
    yield "clique", clq, "clique", js(clique), 4.0, js(clique + [non_nb])
    yield "mis", clq, "mis", js(indep), float(len(indep)), js(indep + [nb])
    # mdkp: items 0..k greedily while they fit, checked with plain numpy
    mk = combopt.read(DATA / "mdkp" / "mknap1.txt#2")
    x = np.zeros(mk.n, dtype=int)
    for j in range(mk.n):
        x[j] = 1
        if np.any(mk.A @ x > mk.b):
            x[j] = 0
    yield "mdkp", f"{DATA / 'mdkp' / 'mknap1.txt'}#2", "mdkp", x.tolist(), float(mk.p @ x), [1] * mk.n
    # tsp: the identity tour of a 4-city explicit instance written here
    tsp = tmp_path / "four.tsp"
    tsp.write_text("NAME: four\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\nEDGE_WEIGHT_FORMAT: FULL_MATRIX\n"
                   "EDGE_WEIGHT_SECTION\n0 1 4 3\n1 0 2 5\n4 2 0 1\n3 5 1 0\nEOF\n")
    yield "tsp", tsp, "tsp", [1, 2, 3, 4], 7.0, [1, 2, 2, 4]  # 1-based city numbers, as TSPLIB
    # rcpsp: a serial schedule of j301_1 built here from the file (every task after its predecessors, one at a
    # time: always feasible), its makespan the sum of the durations
    rc = combopt.read(DATA / "rcpsp" / "j301_1.sm")
    order = list(rc._topological_order())
    starts = np.zeros(rc.n, dtype=int)
    t = 0
    for j in order:
        starts[j] = t
        t += int(rc.durations[j])
    bad = starts.copy()
    succ = int(rc.edges[np.argmax(rc.durations[rc.edges[:, 0]] > 0), 1])
    pred = int(rc.edges[np.argmax(rc.durations[rc.edges[:, 0]] > 0), 0])
    bad[succ] = bad[pred]  # starts with its predecessor
    yield "rcpsp", DATA / "rcpsp" / "j301_1.sm", "rcpsp", rc.solution_to_json(starts), float(t), \
        rc.solution_to_json(bad)
    # generic dmmv
    yield "dmmv", _dmmv_json(tmp_path), "dmmv", [1.0, 1.0], 0.0, [5.0, 1.0]
    # fir: the reference optimum of F1 (taps k / 8, the half given)
    fir = DATA / "dmmv" / "fir_f1.toml"
    yield "fir", fir, "fir", [0, 0, 0, -1, 0, 3, 4], 0.2071, [0, 0, 0, -1, 0, 3, 99]
    # tomography: the phantom itself, noise-free: residual 0
    tomo = DATA / "dmmv" / "tomo_sl32.toml"
    ph = combopt.read(tomo).phantom
    badimg = ph.copy()
    badimg[0, 0] = 0.5
    yield "tomography", tomo, "tomography", ph.tolist(), 0.0, badimg.tolist()
    # quantization: a 2x3 layer, codes from round to nearest computed here
    rng = np.random.default_rng(0)
    W = rng.normal(size=(2, 3))
    np.save(tmp_path / "w.npy", W)
    np.save(tmp_path / "x.npy", rng.normal(size=(16, 3)))
    spec = tmp_path / "q.toml"
    spec.write_text('kind = "quantization"\nweights = "w.npy"\nactivations = "x.npy"\nbits = 2\n')
    qp = combopt.read(spec)
    sc, z = qp.scale[:, None], qp.zero[:, None]
    codes = np.clip(np.round(W / sc) + z, 0, 3).astype(int)
    deq = (codes - z) * sc
    linf = np.abs((W - deq) @ np.load(tmp_path / "x.npy").T).max(axis=1).mean()
    badc = codes.copy()
    badc[0, 0] = 4
    yield "quantization", spec, "quantization", codes.tolist(), float(linf), badc.tolist()
    # qubo: brute-force minimum of a random 8-variable QUBO
    q = QUBO.random(8, 0.6, seed=4)
    qf = tmp_path / "r.qubo.json"
    q.write_json(qf)
    X = np.array(list(itertools.product([0, 1], repeat=8)))
    E = q.energies(X)
    yield "qubo", qf, "qubo", X[np.argmin(E)].tolist(), float(E.min()), [2] + [0] * 7
    # mec: the reference coupling of [.5 .4 .1] and [.6 .2 .2]; its joint entropy computed here
    cells = [[0, 0, 0.5], [1, 1, 0.2], [1, 2, 0.2], [2, 0, 0.1]]
    m = np.array([c[2] for c in cells])
    bad_cells = [[0, 0, 0.5], [1, 1, 0.2], [1, 2, 0.2], [2, 1, 0.1]]  # column sums 0.5, 0.3, 0.2: wrong q
    yield "mec", COUPLING / "reference.coupling.json", "mec", {"shape": [3, 3], "cells": cells}, \
        float(-(m * np.log2(m)).sum()), {"shape": [3, 3], "cells": bad_cells}
    # ebim: p_X = [.7 .2 .1], R = 0.5; merging x0 and x1 gives H(T) = h(0.1) <= R and I(X;T) = H(T)
    h01 = float(-(0.9 * np.log2(0.9) + 0.1 * np.log2(0.1)))
    enc = {"shape": [3, 2], "cells": [[0, 0, 0.7], [1, 0, 0.2], [2, 1, 0.1]]}
    over = {"shape": [3, 3], "cells": [[0, 0, 0.7], [1, 1, 0.2], [2, 2, 0.1]]}  # H(T) = H(X) > R
    yield "ebim", COUPLING / "ebim.marginals.csv", "ebim", enc, h01, over
    # mecb: p_X = [.7 .2 .1], p_Y = [.5 .5], R = 0.5, the same encoder and a decoder T -> Y; the objective
    # I(X;Y) of the joint p(x, y) is computed here from the two tables
    mecb = tmp_path / "mecb.coupling.json"
    mecb.write_text(json.dumps({"marginals": [[0.7, 0.2, 0.1], [0.5, 0.5]], "rate": 0.5}))
    dec = {"shape": [2, 2], "cells": [[0, 0, 0.5], [0, 1, 0.4], [1, 1, 0.1]]}
    pxt = np.zeros((3, 2))
    for i, t, v in enc["cells"]:
        pxt[i, t] = v
    pty = np.zeros((2, 2))
    for t, y, v in dec["cells"]:
        pty[t, y] = v
    pxy = (pxt / pxt.sum(axis=0)) @ pty  # p(x, y) = sum_t p(x | t) p(t, y)
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    nz = pxy > 0
    ixy = float((pxy[nz] * np.log2(pxy[nz] / np.outer(px, py)[nz])).sum())
    bad_dec = {"shape": [2, 2], "cells": [[0, 0, 0.9], [1, 1, 0.1]]}  # p_Y = [.9 .1], not [.5 .5]
    yield "mecb", mecb, "mecb", {"encoder": enc, "decoder": dec}, ixy, {"encoder": enc, "decoder": bad_dec}
    # dag: a chain X0 -> X1 -> X2 fitted by least squares here; a cycle is infeasible
    rng = np.random.default_rng(1)
    x0 = rng.normal(size=200)
    x1 = 0.8 * x0 + rng.normal(size=200)
    x2 = -1.2 * x1 + rng.normal(size=200)
    Xd = np.column_stack([x0, x1, x2])
    data = tmp_path / "chain.dag.csv"
    data.write_text("a,b,c\n" + "\n".join(",".join(repr(float(v)) for v in row) for row in Xd) + "\n")
    Xc = Xd - Xd.mean(axis=0)
    W = np.zeros((3, 3))
    W[0, 1] = np.linalg.lstsq(Xc[:, [0]], Xc[:, 1], rcond=None)[0][0]
    W[1, 2] = np.linalg.lstsq(Xc[:, [1]], Xc[:, 2], rcond=None)[0][0]
    score = float(0.5 / len(Xd) * np.sum((Xc - Xc @ W) ** 2))
    cyc = W.copy()
    cyc[2, 0] = 0.5
    yield "dag", data, "dag", {"adjacency": W.tolist()}, score, {"adjacency": cyc.tolist()}
    # maxcut: the torus file's cut of the odd vertices, summed here edge by edge; vertex 3 twice is no cut (vertex 21,
    # which does not exist, is a malformed result since review 49: exit 2, as a TSP city out of range)
    torus = DATA / "maxcut" / "torus4x5.rud"
    rows = [tuple(map(int, line.split())) for line in torus.read_text().splitlines()[1:]]
    side = set(range(1, 21, 2))
    cut = sum(w for i, j, w in rows if (i in side) != (j in side))
    yield "maxcut", torus, "maxcut", sorted(side), float(cut), [1, 3, 3]


def test_check_on_every_family(capsys, tmp_path):
    seen = set()
    for name, inst, kind, good, objective, bad in _family_cases(tmp_path):
        seen.add(kind)
        rc, out = _check(capsys, inst, {"problem": kind, "solution": good}, tmp_path, name)
        assert rc == 0, (name, out)
        assert _objective_printed(out) == pytest.approx(objective, rel=1e-4, abs=1e-9), (name, out)
        rc, out = _check(capsys, inst, {"problem": kind, "solution": bad}, tmp_path, name + "-bad")
        assert rc == 1, (name, out)
        assert out.startswith("infeasible: ") and "  - " in out, (name, out)
    from combopt.core.registry import known_kinds

    assert set(known_kinds()) <= seen, f"no `combopt check` case for {set(known_kinds()) - seen}"


# ------------------------------------------------------------------------------------------- MDKP reader
def test_mdkp_reader_values_and_errors(tmp_path):
    from combopt.core.errors import InputError
    from combopt.problems.mdkp.model import read_orlib_mknap

    f = tmp_path / "two.txt"
    # 2 instances: (n=3, m=2, optimum 7) and (n=2, m=1, optimum 0 = unknown)
    f.write_text("2\n3 2 7\n4 5 6\n1 2 3\n4 5 6\n10 14\n\n2 1 0\n1 1\n3 4\n5\n")
    a, b = read_orlib_mknap(f)
    np.testing.assert_array_equal(a.p, [4, 5, 6])
    np.testing.assert_array_equal(a.A, [[1, 2, 3], [4, 5, 6]])  # row i = constraint i
    np.testing.assert_array_equal(a.b, [10, 14])
    assert (a.n, a.m, b.n, b.m) == (3, 2, 2, 1) and a.name == "two#0" and b.name == "two#1"
    assert a.reported_optimum == 7 and b.reported_optimum is None
    assert a.evaluate([1, 1, 0]).feasible and not a.evaluate([1, 1, 1]).feasible  # loads (3, 9) and (6, 15)
    cases = [
        ("0\n", "instance count", 1),
        ("1.5\n", "instance count", 1),
        ("1\n0 1 0\n", "item count", 2),
        ("1\n2 0 0\n", "constraint count", 2),
        ("1\n2 1 0\n1 1\n-3 4\n5\n", "weight of row 0, item 0 is -3; expected a number >= 0", 4),
        ("1\n2 1 0\n1 1\n3 4\n-5\n", "expected a number >= 0", 5),
        ("1\n2 1 0\n1 1\n3 4\n5\n9\n", "extra data", 6),
        ("1\n2 1 0\n1 1\n3 4\n", "ends early", 4),
        ("1\n2 1 0\n1 x\n3 4\n5\n", "'x'", 3),
        ("1\n100000 1000 0\n", "too large", None),
        ("1\n50000 1000 0\n", "ends early", 2),  # exactly 5e7 weights is allowed: it fails later, on the data
        ("", "ends early", 1),
        ("1\n", "ends early", 1),  # an integer expected at the end of the file
        ("1\n\n2\n\n1\n", "ends early", 5),  # the optimum missing: the line of the last token
        ("1\n2 1 0\n1\n1\n3\n", "ends early", 5),  # a vector cut short: the line of the last token
    ]
    for text, needle, line in cases:
        f.write_text(text)
        with pytest.raises(InputError) as e:
            read_orlib_mknap(f)
        assert needle in str(e.value), (text, str(e.value))
        if line is not None:
            assert e.value.line == line, (text, e.value.line)
    f.write_text("1\n2 1 0\n1 1\n3 4\n5\n")  # the smallest valid file
    assert len(read_orlib_mknap(f)) == 1
    m = 100_000  # the largest constraint count allowed
    f.write_text(f"1\n1 {m} 0\n1\n" + "1\n" * m + "2\n" * m)
    (big,) = read_orlib_mknap(f)
    assert big.m == m and big.evaluate([1]).feasible
