"""Metamorphic review 51: transformations whose effect on the optimum is known, checked end to end."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
from test_cli import run_cli

import combopt

DATA = Path(__file__).parent / "data"


def _knapsack_file(path, profits, weights, capacities) -> None:
    rows = [" ".join(str(v) for v in r) for r in weights]
    path.write_text(f"1\n{len(profits)} {len(capacities)} 0\n{' '.join(map(str, profits))}\n" + "\n".join(rows)
                    + f"\n{' '.join(map(str, capacities))}\n")


def test_exported_knapsack_qubo_reads_back_with_its_optimum(tmp_path, capsys):
    """A capacity of 67 has slack bits 1, 2, 4, ..., 32 and a remainder bit worth 4: both were named s1_4, and
    combopt refused its own export ('the name s1_4 appears twice'). The export now reads back, with distinct names,
    and its least energy is minus the knapsack's optimum (brute force)."""
    profits, weights, capacities = [5, 4, 3], [[30, 40, 20]], [67]
    best = max(sum(p for p, x in zip(profits, xs, strict=True) if x) for xs in itertools.product([0, 1], repeat=3)
               if sum(w for w, x in zip(weights[0], xs, strict=True) if x) <= capacities[0])
    inst, out = tmp_path / "k.mknap", tmp_path / "k.qubo.json"
    _knapsack_file(inst, profits, weights, capacities)
    rc, _, err = run_cli(capsys, "export", inst, "--to", "qubo", "-o", out)
    assert rc == 0, err
    names = json.loads(out.read_text())["variables"]
    assert len(names) == len(set(names)) == 3 + 7  # x1..x3 and the seven slack bits of 0..67
    assert "s1_4" in names and "s1_4r" in names
    q = combopt.read(out)  # raised InputError before
    res = combopt.solve(q, "exhaustive", seed=0)
    assert res.status == "optimal" and res.objective == -best == -8


def test_tsp_ls_out_of_time_before_its_start_tours_still_answers_a_tour():
    """eil51 (51 cities, below the 2000 where a Hilbert tour comes first) with a limit the set-up outlasts: the walks'
    loop never ran and the result had no tour at all (status unknown); any order of the cities is a tour. It now
    answers the nearest-neighbour construction, whose length an independent TSPLIB EUC_2D sum confirms, at or above
    the optimum 426."""
    path = DATA / "tsp" / "eil51.tsp"
    lines = path.read_text().splitlines()
    start = lines.index("NODE_COORD_SECTION") + 1
    xy = np.array([[float(t) for t in ln.split()[1:3]] for ln in lines[start:start + 51]])
    res = combopt.solve(combopt.read(path), "tsp-ls", time_limit=1e-6, seed=0)
    assert res.status == "feasible" and res.feasible, res.status
    tour = [int(c) for c in res.solution]
    assert sorted(tour) == list(range(51))
    length = sum(int(np.hypot(*(xy[a] - xy[b])) + 0.5) for a, b in zip(tour, tour[1:] + tour[:1], strict=True))
    assert res.objective == length >= 426
