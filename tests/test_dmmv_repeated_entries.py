"""A sparse DMMV matrix that names one place twice is refused (scipy would sum the two entries without a word)."""

import json

import numpy as np
import pytest

import combopt
from combopt.core.errors import InputError
from combopt.problems.dmmv.jsoncheck import first_repeat


def _json(tmp_path, rows, cols, values):
    p = tmp_path / "a.dmmv.json"
    p.write_text(json.dumps({"format": "dmmv", "A": {"shape": [2, 2], "rows": rows, "cols": cols, "values": values},
                             "b": [1, 1], "domain": {"lo": 0, "step": 1, "count": 3}}, indent=1))
    return p


def test_json_triplets_listing_a_place_twice_are_refused_at_the_matrix_line(tmp_path):
    p = _json(tmp_path, [0, 1, 0], [0, 1, 0], [1.0, 2.0, 3.0])
    with pytest.raises(InputError) as e:
        combopt.read(p)
    msg = str(e.value)
    assert "a.dmmv.json:" in msg and "entry 2" in msg and "row 0, column 0 of entry 0" in msg


def test_json_triplets_without_repeats_read_as_given(tmp_path):
    inst = combopt.read(_json(tmp_path, [0, 1, 0], [0, 1, 1], [1.0, 2.0, 3.0]))
    assert np.array_equal(inst.model.A.toarray(), [[1.0, 3.0], [0.0, 2.0]])


def test_csr_arrays_listing_a_column_twice_in_a_row_are_refused(tmp_path):
    p = tmp_path / "c.npz"
    np.savez(p, A_data=np.array([1.0, 2.0, 3.0]), A_indices=np.array([0, 1, 1]), A_indptr=np.array([0, 1, 3]),
             A_shape=np.array([2, 2]), b=np.array([1.0, 1.0]), lo=np.array(0.0), step=np.array(1.0),
             count=np.array(3))
    with pytest.raises(InputError, match=r"c\.npz.*column 1 twice in row 1 \(positions 1 and 2\)"):
        combopt.read(p)


def test_first_repeat_names_the_earliest_second_listing():
    assert first_repeat([0, 1, 2], [0, 0, 0]) is None
    assert first_repeat([3, 0, 3, 0], [1, 2, 1, 2]) == (0, 2)
    assert first_repeat([5, 4, 4, 5], [0, 0, 0, 0]) == (1, 2)
    assert first_repeat([], []) is None
