"""step_rule=sqrt with a huge step: the multipliers overflow; the run stops there with its best multipliers and says
why (they were NaN in the result, written as null, and every later iteration solved a NaN QUBO)."""

import json
import math
from pathlib import Path

import combopt

DATA = Path(__file__).parent / "data"


def test_huge_sqrt_step_stops_cleanly_with_a_valid_bound():
    p = combopt.read(f"{DATA / 'mdkp' / 'mknap1.txt'}#2")
    r = combopt.solve(p, "lagrangian", step_rule="sqrt", step=1e308, max_iterations=20, seed=0)
    assert "overflowed" in r.info["stopped"]
    assert all(math.isfinite(v) for v in r.info["multipliers"])
    assert r.bound is not None and r.bound >= 4015 - 1e-9  # instance #2 optimum 4015 (mknap1-optima.csv)
    assert p.evaluate(r.solution).feasible
    json.loads(r.to_json())
