"""Review 49 of the Python API as a notebook user touches it: each test fails on the code before its fix."""

from __future__ import annotations

import pytest

import combopt
from combopt.core.errors import InputError


def test_normalize_holds_for_its_own_solve_only(tmp_path):
    """``solve(P, normalize=True)`` set ``P.normalized`` for good: the next plain ``solve(P)`` of counts (sums 10)
    was accepted, and its result (no ``normalize`` in its params) was then refused by ``combopt check``."""
    path = tmp_path / "counts.marginals.csv"
    path.write_text("5,3,2\n6,4\n")
    problem = combopt.read(path, kind="mec")
    with pytest.raises(InputError, match="sums to 10"):
        combopt.solve(problem, "mec-exact")
    r = combopt.solve(problem, "mec-exact", normalize=True)
    assert r.status == "optimal" and r.params == {"normalize": True}
    with pytest.raises(InputError, match="sums to 10"):
        combopt.solve(problem, "mec-exact")
