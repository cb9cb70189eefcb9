"""DMMV application specs, review 49: each test failed before its fix."""

from __future__ import annotations

import pytest

import combopt
from combopt.core.errors import InputError

BANDS = "bands = [[0, 0.3], [0.5, 1]]\ngains = [1, 0]\n"


def _error(tmp_path, text) -> InputError:
    p = tmp_path / "s.toml"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        combopt.read(p)
    return e.value


@pytest.mark.parametrize(("text", "line"), [
    ('bits = 3\n"order" = 7\n' + BANDS, 2),                     # a quoted key: had no line
    ("order = 6\nbits = 3\n" + BANDS + "weights.a = 1\n", 5),    # a dotted key: had no line
    ("order = 6\nbits = 3\n" + BANDS + "\n[extra]\nx = 1\n", 6),  # a table: had no line
    ("order = 6\nbits = 3\n" + BANDS + "[[extra]]\nx = 1\n", 5),  # an array of tables
])
def test_spec_errors_name_the_line_of_quoted_dotted_and_table_keys(tmp_path, text, line):
    assert _error(tmp_path, text).line == line


def test_a_name_that_is_not_a_string_is_refused_at_its_line(tmp_path):
    # name = 5 was dropped without a word (the instance took the file's stem)
    e = _error(tmp_path, "order = 6\nbits = 3\n" + BANDS + "name = 5\n")
    assert e.line == 5 and "'name' must be a string" in e.message
    p = tmp_path / "ok.toml"
    p.write_text('name = "lp6"\norder = 6\nbits = 3\n' + BANDS)
    assert combopt.read(p).name == "lp6"
