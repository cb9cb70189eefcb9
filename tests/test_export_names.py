"""Exported models name their variables as instance files count them (from 1), and the names mean what they say."""

import json
from pathlib import Path

import numpy as np
from test_cli import run_cli

from combopt.core.io import read

DATA = Path(__file__).parent / "data"


def _export(capsys, path, to, out):
    rc, _, err = run_cli(capsys, "export", str(path), "--to", to, "-o", str(out))
    assert rc == 0, err
    return out.read_text()


def _energy(d, ones):
    """The exported QUBO's energy with exactly the variables ``ones`` set, from the JSON alone."""
    e = d["offset"] + sum(v for k, v in d["linear"].items() if k in ones)
    return e + sum(w for a, b, w in d["quadratic"] if a in ones and b in ones)


def test_tsp_qubo_names_are_city_and_position(tmp_path, capsys):
    path = DATA / "tsp" / "att48.tsp"
    p = read(path)
    d = json.loads(_export(capsys, path, "qubo", tmp_path / "t.json"))
    assert len(d["variables"]) == (p.n - 1) ** 2 and d["variables"][0] == "c2_p2"
    tour = np.random.default_rng(0).permutation(np.arange(1, p.n))  # cities 2..n after city 1
    ones = {f"c{c + 1}_p{t + 2}" for t, c in enumerate(tour)}
    assert np.isclose(_energy(d, ones), p.evaluate(np.concatenate([[0], tour])).objective)


def test_mdkp_qubo_names_items_and_slack_bits(tmp_path, capsys):
    path = f"{DATA / 'mdkp' / 'mknap1.txt'}#2"
    p = read(path)
    d = json.loads(_export(capsys, path, "qubo", tmp_path / "m.json"))
    names = d["variables"]
    assert names[:p.n] == [f"x{j}" for j in range(1, p.n + 1)]
    for k in range(p.m):  # the bits of row k cover 0..b_k exactly: together they are worth its capacity
        bits = [int(s.split("_")[1]) for s in names[p.n:] if s.startswith(f"s{k + 1}_")]
        assert sum(bits) == p.b[k]
    # no item taken, every slack bit on: all capacity unused, no penalty, energy 0 (sense max: objective 0)
    assert np.isclose(_energy(d, set(names[p.n:])), 0.0)


def test_lp_names_count_from_one(tmp_path, capsys):
    text = _export(capsys, f"{DATA / 'mdkp' / 'mknap1.txt'}#2", "lp", tmp_path / "m.lp")
    assert " x1 " in text and " x15" in text and " x0 " not in text
    text = _export(capsys, DATA / "tsp" / "att48.tsp", "lp", tmp_path / "t.lp")
    assert " x1_2 " in text and "x48_1" in text and "x0_" not in text


def test_graph_names_are_the_file_vertex_labels(tmp_path, capsys):
    path = tmp_path / "g.edges"
    path.write_text("10 20\n20 30\n30 10\n30 40\n")
    p = read(path, "mis")
    d = json.loads(_export(capsys, path, "qubo", tmp_path / "g.json"))
    assert sorted(d["variables"]) == sorted(f"x{v}" for v in p.graph.labels)
    assert np.isclose(_energy(d, {"x10", "x40"}), -2.0) and _energy(d, {"x10", "x20"}) > -2.0
    assert " x40" in _export(capsys, path, "lp", tmp_path / "g.lp")
