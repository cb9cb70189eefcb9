"""``combopt check`` refutes an EBIM / MEC-B bound that a short run of the family's heuristic beats (a result that
lowered its upper bound to its greedy encoder's value and called it optimal passed: the construction, one code
word, reaches far less)."""

import json

import numpy as np
from test_cli import run_cli

import combopt
from combopt.problems.coupling.model import EBIM


def _instance(tmp_path):
    rng = np.random.default_rng(0)
    p, rate = rng.dirichlet(np.ones(8)), float(rng.uniform(0.5, 2.5))
    path = tmp_path / "e.marginals.csv"
    path.write_text(f"# rate={rate!r}\n" + ",".join(repr(float(v)) for v in p) + "\n")
    return path


def test_doctored_optimal_claim_is_refuted(tmp_path, capsys):
    path = _instance(tmp_path)
    prob = combopt.read(path, kind="ebim")
    assert isinstance(prob, EBIM)
    greedy = combopt.solve(prob, "ebim-greedy", max_iterations=1, seed=0)
    better = combopt.solve(prob, "ebim", max_iterations=1, seed=0)
    assert better.objective > greedy.objective + 1e-3  # the case: the heuristic beats greedy
    honest = json.loads(greedy.to_json())
    out = tmp_path / "r.json"
    out.write_text(json.dumps(honest))
    rc, text, err = run_cli(capsys, "check", str(path), str(out), "-k", "ebim")
    assert rc == 0, text + err
    doctored = dict(honest, bound=greedy.objective, status="optimal", gap=0.0)
    out.write_text(json.dumps(doctored))
    rc, text, _ = run_cli(capsys, "check", str(path), str(out), "-k", "ebim")
    assert rc == 1
    assert "the solution combopt's ebim finds" in text and "below the objective" in text
