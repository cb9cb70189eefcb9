"""A complete third-party combopt family in one module (the docs' plugin example).

Kind ``pickk``: choose ``k`` of the numbers in a ``.pickk`` file (first line ``k``, then one
number per line) so that their sum is largest. The solver ``pickk-sort`` takes the ``k`` largest,
which is optimal, and says so. Registered through the entry point ``combopt.families``
(see ``../combopt_pickk-0.1.dist-info/entry_points.txt``).
"""

from __future__ import annotations

import numpy as np

from combopt.core.context import SolveContext, SolverOutput
from combopt.core.errors import InputError
from combopt.core.io import register_reader
from combopt.core.problem import Evaluation, Problem
from combopt.core.registry import register_kind, register_solver

register_kind("pickk")


class PickK(Problem):
    kind = "pickk"
    sense = "max"

    def __init__(self, values, k: int, name: str = "pickk", source: str | None = None):
        self.values = np.asarray(values, dtype=np.float64)
        self.k = int(k)
        self.name = name
        self.source = source

    @property
    def num_variables(self) -> int:
        return len(self.values)

    def evaluate(self, solution) -> Evaluation:
        idx = sorted({int(i) for i in solution})
        viol = []
        if len(idx) != self.k or len(idx) != len(list(solution)):
            viol.append(f"choose exactly {self.k} distinct items, got {len(list(solution))}")
        if any(i < 0 or i >= len(self.values) for i in idx):
            viol.append("item index out of range")
            return Evaluation(None, False, viol)
        return Evaluation(float(self.values[idx].sum()), not viol, viol)

    def bound(self) -> float:
        return float(np.sort(self.values)[::-1][: self.k].sum())

    def solution_to_json(self, solution):
        return [int(i) for i in solution]


@register_reader("pickk", kinds=("pickk",), extensions=(".pickk",))
def read_pickk(path, kind, index):
    lines = [(no, t.strip()) for no, t in enumerate(open(path).read().splitlines(), 1) if t.strip()]
    if not lines:
        raise InputError(path, "expected k on the first line")
    try:
        k = int(lines[0][1])
    except ValueError:
        raise InputError(path, f"expected an integer k, got {lines[0][1]!r}", lines[0][0]) from None
    vals = []
    for no, t in lines[1:]:
        try:
            vals.append(float(t))
        except ValueError:
            raise InputError(path, f"expected a number, got {t!r}", no) from None
    if not 0 <= k <= len(vals):
        raise InputError(path, f"k must lie in 0..{len(vals)}, got {k}", lines[0][0])
    return PickK(vals, k, name=str(path).rsplit("/", 1)[-1], source=str(path))


@register_solver("pickk-sort", problems=("pickk",), exact=True, default_for=("pickk",),
                 description="the k largest numbers (optimal)")
def pickk_sort(problem: PickK, ctx: SolveContext, **params) -> SolverOutput:
    chosen = np.argsort(-problem.values, kind="stable")[: problem.k]
    ctx.state.report(float(problem.values[chosen].sum()), chosen)
    return SolverOutput(solution=chosen, bound=problem.bound(), proven_optimal=True)
