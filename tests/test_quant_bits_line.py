"""A quantization spec whose bits over its inputs exceed the domain limit names the spec, its line and 'bits'."""

import numpy as np
import pytest

from combopt.core.errors import InputError
from combopt.core.io import read


def test_too_many_codes_per_row_names_the_bits_line(tmp_path):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "w.npy", rng.normal(size=(2, 1024)))
    np.save(tmp_path / "a.npy", rng.normal(size=(4, 1024)))
    spec = tmp_path / "q.toml"
    spec.write_text('kind = "quantization"\nweights = "w.npy"\nactivations = "a.npy"\n\nbits = 16\n')
    with pytest.raises(InputError) as e:
        read(spec)
    assert str(e.value).startswith(f"{spec}:5:") and "'bits' = 16 over 1024 inputs" in str(e.value)
    spec.write_text(spec.read_text().replace("bits = 16", "bits = 8"))
    assert read(spec).num_variables == 2 * 1024
