"""Names a font cannot draw (Chinese, Japanese) give no warning per character when a picture is saved."""

import warnings
from pathlib import Path

import combopt

DATA = Path(__file__).parent / "data"


def test_a_cjk_instance_name_saves_without_glyph_warnings(tmp_path):
    src = (DATA / "tsp" / "att48.tsp").read_text().replace("NAME : att48", "NAME : 旅行商问题", 1)
    f = tmp_path / "旅行.tsp"
    f.write_text(src, encoding="utf-8")
    p = combopt.read(f)
    assert "旅行" in p.name
    tour = p.construct()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's "Glyph ... missing from font(s)" would raise here
        p.plot(tour, tmp_path / "tour.png")
    assert (tmp_path / "tour.png").stat().st_size > 1000
