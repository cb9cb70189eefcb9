"""Every registered solver, on the small instances with known optima that ship with the tests, makes no claim
that contradicts the optimum: no feasible objective beyond it, no bound beyond it (both senses), no "optimal"
away from it, no "infeasible". The same check ``combopt bench`` applies to every run of a suite
(:func:`combopt.bench.refs.contradictions`); here it covers all solvers at once, so a new solver or a changed
bound is checked without a test of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

import combopt
from combopt.bench.refs import contradictions, load_reference, lookup
from combopt.core.errors import MissingDependencyError, ParameterError
from combopt.core.registry import solvers_for

DATA = Path(__file__).resolve().parent / "data"

#: kind -> (instances, reference file); the reference files' own columns (optimum, LP or critical-path bound)
CASES = {
    "clique": (["johnson8-2-4.clq", "hamming6-2.clq", "MANN_a9.clq"], "clique-numbers.csv"),
    "tsp": (["tsp/burma14.tsp", "tsp/ulysses16.tsp", "tsp/gr17.tsp"], "tsp/optima.csv"),
    "mdkp": (["mdkp/mknap1.txt#0", "mdkp/mknap1.txt#2", "mdkp/mknap1.txt#4"], "mdkp/mknap1-optima.csv"),
    "rcpsp": (["rcpsp/j301_1.sm", "rcpsp/j301_2.sm", "rcpsp/j3013_1.sm"], "rcpsp/j30-optima.csv"),
    "fir": (["dmmv/fir_f1.toml", "dmmv/fir_f2.toml"], "dmmv/fir-optima.csv"),
}
#: solvers left out: a quantum-circuit simulation far too slow for these sizes
SKIP = {"qaoa"}
TIME_LIMIT = 0.5


@pytest.mark.parametrize("kind", sorted(CASES))
def test_no_solver_claims_anything_the_known_optimum_contradicts(kind):
    files, ref_file = CASES[kind]
    refs = load_reference(DATA / ref_file)
    ran, proven, odd = 0, 0, []
    for info in solvers_for(kind):
        if info.name in SKIP:
            continue
        for f in files:
            problem = combopt.read(DATA / f, kind=kind)
            try:
                res = combopt.solve(problem, info.name, time_limit=TIME_LIMIT, seed=0)
            except (MissingDependencyError, ParameterError):  # a peer not installed; too large for exhaustive
                continue
            ref = lookup(refs, problem.name, f)
            assert ref is not None and ref.optimum is not None, f
            row = {"sense": res.sense, "status": str(res.status), "objective": res.objective, "bound": res.bound,
                   "feasible": res.feasible, "optimum": ref.optimum, "best_known": ref.best_known,
                   "reference_bound": ref.bound}
            odd += [f"{info.name} on {f}: {c}" for c in contradictions(row, tol=1e-4)]
            ran += 1
            proven += str(res.status) == "optimal"
    assert odd == []
    # the check has teeth: several solvers ran, and some proved their optimum (a claim that could have been wrong)
    assert ran >= 2 * len(files) and proven >= 1, (ran, proven)
