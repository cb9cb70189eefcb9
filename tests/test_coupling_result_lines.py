"""Errors inside a coupling result given to ``combopt check`` name the line of the cell, shape or part they are
about (they named only the file: a hand-edited 10,000-cell result left the user to search for cell 4,812)."""

from __future__ import annotations

import json

import pytest

import combopt
from combopt.cli.app import main
from combopt.core.jsonpos import line_of


def _result(tmp_path, kind: str, **kw) -> tuple:
    src = tmp_path / f"{kind}.coupling.json"
    src.write_text(json.dumps({"marginals": [[0.5, 0.3, 0.2], [0.6, 0.4]], "kind": kind, **kw}))
    return src, json.loads(combopt.solve(src, time_limit=2).to_json())


def _check(capsys, tmp_path, src, data) -> tuple[int, str, str]:
    text = json.dumps(data, indent=1)
    out = tmp_path / "r.json"
    out.write_text(text)
    capsys.readouterr()
    rc = main(["check", str(src), str(out)])
    return rc, capsys.readouterr().err, text


@pytest.mark.parametrize("edit, says, where", [
    (lambda s: s["cells"][2].__setitem__(0, 7), "cell 2 index 7 out of range", ("cells", 2, 0)),
    (lambda s: s["cells"][1].__setitem__(1, 0.5), "cell 1 index 0.5 is not a whole number", ("cells", 1, 1)),
    (lambda s: s["cells"][3].__setitem__(2, "x"), "cell 3 mass must be a finite number", ("cells", 3, 2)),
    (lambda s: s["cells"].__setitem__(0, [0, 1]), "cell 0 must be [i, j, mass]", ("cells", 0)),
    (lambda s: s.__setitem__("shape", [3, 0]), "'shape' must be a list of positive integers", ("shape",)),
])
def test_a_bad_cell_of_a_mec_result_names_its_line(capsys, tmp_path, edit, says, where):
    src, data = _result(tmp_path, "mec")
    assert len(data["solution"]["cells"]) >= 4
    edit(data["solution"])
    rc, err, text = _check(capsys, tmp_path, src, data)
    assert rc == 2 and says in err, err
    line = line_of(text, ("solution", *where))
    assert line > 10 and f"r.json:{line}:" in err, (line, err)


def test_a_bad_decoder_cell_of_a_mecb_result_names_its_line(capsys, tmp_path):
    src, data = _result(tmp_path, "mecb", rate=1.0)
    data["solution"]["decoder"]["cells"][0][0] = -1
    rc, err, text = _check(capsys, tmp_path, src, data)
    assert rc == 2 and "decoder: cell 0 index -1 out of range" in err, err
    line = line_of(text, ("solution", "decoder", "cells", 0, 0))
    assert line != line_of(text, ("solution", "encoder", "cells", 0, 0)) and f"r.json:{line}:" in err, (line, err)
    data["solution"].pop("encoder")
    rc, err, text = _check(capsys, tmp_path, src, data)
    assert rc == 2 and "'encoder' and 'decoder'" in err and f"r.json:{line_of(text, ('solution',))}:" in err, err
