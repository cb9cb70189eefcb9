"""Hostile OR-Library knapsack files: one CLI line naming the file, the line and what
was expected (exit 2), nothing silently dropped or invented."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("body, line, needles", [
    ("1\n3 2 0\n10 20 30\n1 -2 3\n4 5 6\n5 10\n", 4, ("weight of row 0, item 1 is -2", ">= 0")),
    ("1\n3 2 0\n10 20 30\n1 2 3\n4 5 -6\n5 10\n", 5, ("weight of row 1, item 2 is -6", ">= 0")),
    ("1\n3 2 0\n10 20 30\n1 2 3\n4 5 6\n5\n-10\n", 7, ("capacity of constraint 1 is -10", ">= 0")),
    # the second instance of two is the broken one
    ("2\n1 1 0\n5\n1\n1\n3 2 0\n10 20 30\n1 2 3\n4 5 6\n5 -1\n", 10, ("instance #1", "capacity of constraint 1")),
])
def test_negative_weight_or_capacity_names_its_line(tmp_path, one_cli_error, body, line, needles):
    f = tmp_path / "neg.txt"
    f.write_text(body)
    msg = one_cli_error(str(f), "--kind", "mdkp")
    assert f"neg.txt:{line}:" in msg, msg  # before: "neg.txt: instance #0 has negative weights or capacities"
    for needle in needles:
        assert needle in msg, msg

