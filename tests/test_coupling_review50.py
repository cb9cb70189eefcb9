"""What an outside reviewer found in the coupling family (session 50)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import combopt
from combopt.cli.app import main
from combopt.core.errors import InputError, ParameterError
from combopt.problems.coupling.model import EBIM, MEC, MECB
from combopt.solvers.coupling import exact_coupling

#: p holds a mass of 1.2e-12: its 12-digit rounding (1e-12) made the rounded sums of p and q differ, and the exact
#: search's replay left that row out (marginal 0 at 2 was 0, off by more than the checker's 1e-12)
TINY_P = [0.999936247168618, 5.100738254933111e-05, 1.2128130745928728e-12, 1.2745447619988361e-05]
TINY_Q = [0.032576401435698385, 0.9674235985643016]


def _H(x) -> float:
    x = np.asarray(x, dtype=float).ravel()
    x = x[x > 0]
    return float(-(x * np.log2(x)).sum())


def _fill(order) -> list[float]:
    left, cells = TINY_Q[0], []
    for i in order:
        x = min(TINY_P[i], left)
        left -= x
        cells += [x, TINY_P[i] - x]
    return cells


def test_exact_coupling_keeps_every_mass_of_a_tiny_entry():
    c, h, _ = exact_coupling(TINY_P, TINY_Q)
    M = c.dense()
    assert np.allclose(M.sum(1), TINY_P, rtol=1e-9, atol=1e-15) and np.allclose(M.sum(0), TINY_Q, rtol=1e-9, atol=0)
    assert MEC([TINY_P, TINY_Q]).evaluate(c).feasible
    # two columns: every vertex fills the first column with the rows in some order, one row split (independent)
    best = min(_H(_fill(order)) for order in itertools.permutations(range(len(TINY_P))))
    assert h == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("solver", ["mec-exact", "mec-auto"])
def test_mec_exact_answers_optimal_where_it_raised_a_type_error(solver, tmp_path):
    r = combopt.solve(MEC([TINY_P, TINY_Q]), solver)  # was TypeError: '<' between float and NoneType
    assert r.feasible and r.status == "optimal"
    src = tmp_path / "tiny.coupling.json"
    src.write_text(json.dumps({"marginals": [TINY_P, TINY_Q]}))
    out = tmp_path / "r.json"
    assert main(["solve", str(src), "-s", solver, "-o", str(out)]) == 0
    assert main(["check", str(src), str(out)]) == 0


def test_mecb_with_an_exact_decoder_finds_a_feasible_answer():
    """Rate 5 bits: T = X, the 4 x 2 decoder goes to the exact search, whose decoder missed the 1.2e-12 code word;
    every encoder was 'infeasible' and the run ended with status unknown."""
    r = combopt.solve(MECB([TINY_P, TINY_Q], rate=5.0), "mecb")
    assert r.feasible and all(isinstance(v, float) for v in r.info["encoders"].values())
    assert 0 < r.objective <= _H(TINY_P)


@pytest.mark.parametrize("max_n", [13, 100])
def test_ebim_exact_refuses_max_n_beyond_12(max_n, tmp_path, capsys):
    """max_n=100 ran as 12 without a word, and 13 symbols with max_n=13 said '13 symbols is more than max_n=13'."""
    with pytest.raises(ParameterError, match=r"max_n must be an integer in 1\.\.12"):
        combopt.solve(EBIM([[1 / 13] * 13], 1.5), "ebim-exact", max_n=max_n)
    src = tmp_path / "e.coupling.json"
    src.write_text(json.dumps({"marginals": [[1 / 12] * 12], "rate": 1.5}))
    assert main(["solve", str(src), "-s", "ebim-exact", "-p", f"max_n={max_n}"]) == 2
    assert "max_n must be an integer in 1..12" in capsys.readouterr().err


def test_ebim_exact_max_n_12_still_enumerates_twelve_symbols():
    r = combopt.solve(EBIM([[1 / 12] * 12], 2.0), "ebim-exact", max_n=12)
    assert r.status == "optimal" and r.objective == pytest.approx(2.0)  # 4 groups of 3: H(T) = 2 = R


def test_exact_coupling_gives_a_tiny_row_its_own_mass():
    """Rounded to 12 digits q sums to 1 - 2e-12: the replay gave a column's whole real rest (which held the
    1e-12 of the last row) to row 1; row 1 was 1e-12 over, row 2 empty, and mecb's exact decoder infeasible."""
    pt = [0.9951984241605291, 0.004801575838469667, 1.0012923210502511e-12]
    q = [1.4420223954809545e-08, 0.03891550472540854, 3.39202834178032e-05, 0.9604616642063638,
         6.498922808493453e-07, 0.0005882464723050626]
    c, _, _ = exact_coupling(pt, q)
    M = c.dense()
    assert np.all(c.mass >= 0)
    assert np.allclose(M.sum(1), pt, rtol=1e-9, atol=1e-15) and np.allclose(M.sum(0), q, rtol=1e-9, atol=1e-15)
    r = combopt.solve(MECB([[1.0012923210502511e-12, 0.004801575838469667, 0.9951984241605291], q],
                           rate=1.788670285647871), "mecb")
    assert r.feasible and r.objective == pytest.approx(r.info["I_XY"])


@pytest.mark.parametrize("solver", ["ebim", "mecb"])
def test_the_ebim_encoder_does_not_spend_the_rounding_slack_above_a_tiny_rate(solver):
    """R = 1e-13: the improved encoder took a move with H(T) = 1.009e-13 (inside evaluate's 1e-14 bits for rounding),
    so I(X;T) = 1.009e-13 was above the bound min(R, H(X)) = 1e-13, and the run dropped its bound (three warnings,
    no bound, no gap)."""
    p = [1.3964122164847014e-14, 0.5177375710445341, 0.4822624289543505, 1.1015113675138515e-12]
    P = EBIM([p], rate=1e-13) if solver == "ebim" else MECB([p, [0.5, 0.5]], rate=1e-13)
    r = combopt.solve(P, solver)
    assert r.feasible and 0 < r.objective <= 1e-13 * (1 + 1e-12)
    assert r.bound == pytest.approx(1e-13) and not r.info.get("warnings")


def test_readme_says_a_rateless_npy_or_csv_is_mec_only(tmp_path, capsys):
    """The README offered --kind ebim or mecb for a .npy and a rate-less .csv; neither carries a rate, so both
    kinds are refused for every such file."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "need `--kind` (`mec`, `ebim` or `mecb`" not in readme and "need `--kind mec`" in readme
    for kind, rows in (("ebim", [[0.7, 0.2, 0.1]]), ("mecb", [[0.5, 0.3, 0.2], [0.6, 0.4, 0.0]])):
        f = tmp_path / f"{kind}.npy"
        np.save(f, np.array(rows))
        assert main(["solve", str(f), "--kind", kind]) == 2
        assert "needs a rate" in capsys.readouterr().err


@pytest.mark.parametrize("text,key,line", [
    ('{"marginals": [[0.7, 0.2, 0.1]],\n "rate": 0.5,\n "rate": 1.5}\n', "rate", 3),
    ('{"marginals": [[0.7, 0.3], [0.5, 0.5]],\n "marginals": [[0.5, 0.5], [0.5, 0.5]]}\n', "marginals", 2),
])
def test_a_key_given_twice_is_refused_with_its_line(text, key, line, tmp_path, capsys):
    """json.loads keeps a key's last value: rate 0.5 then 1.5 solved at 1.5 (I = H(X) = 1.15678) without a word,
    as the QUBO JSON reader already refuses."""
    src = tmp_path / "dup.coupling.json"
    src.write_text(text)
    assert main(["solve", str(src)]) == 2
    err = capsys.readouterr().err
    assert f"dup.coupling.json:{line}: the key '{key}' appears twice" in err and "Traceback" not in err
    with pytest.raises(InputError, match="appears twice"):
        combopt.read(src)


def test_a_second_rate_line_in_csv_is_refused(tmp_path, capsys):
    src = tmp_path / "x.marginals.csv"
    src.write_text("# rate=0.5\n0.7,0.2,0.1\n# rate=1.5\n")  # solved at 1.5 (I = H(X) = 1.15678) without a word
    assert main(["solve", str(src)]) == 2
    assert "x.marginals.csv:3: a second '# rate=' line; the rate was already set to 0.5" in capsys.readouterr().err
