"""The DIMACS reader on a table of small files: what it accepts (exactly) and each error with its line."""

from __future__ import annotations

import pytest

from combopt.core.errors import InputError
from combopt.problems.graph.graph import MAX_VERTICES, read_dimacs, sniff_dimacs


@pytest.mark.parametrize("text,n,edges", [
    ("p edge 3 2\ne 1 2\ne 2 3\n", 3, {(0, 1), (1, 2)}),
    ("c hi\ncomment\np edges 3 1\nn 1 1\na 3 1\n", 3, {(0, 2)}),  # 'c...' lines, unit 'n' weights, 'a' arcs
    ("p col 4 1\ne 4 1\n", 4, {(0, 3)}),  # the largest vertex number
    ("p edge 2 0\n", 2, set()),
    ("p edge 0 0\n", 0, set()),
    ("\n\np edge 3 1\n\ne 1 3\n", 3, {(0, 2)}),  # blank lines
    ("p edge 3 1\ne 1 2\ne 2 1\ne 1 2\n", 3, {(0, 1)}),  # an edge listed again (either direction)
    ("p edge 3 2\ne 1 2\ne 2 1\ne 2 3\ne 3 2\n", 3, {(0, 1), (1, 2)}),  # both directions: the fast path
])
def test_accepts(tmp_path, text, n, edges):
    f = tmp_path / "g.clq"
    f.write_text(text)
    g = read_dimacs(f)
    assert g.n == n and {tuple(sorted(map(int, e))) for e in g.edges} == edges
    assert list(g.labels) == list(range(1, n + 1)) and g.name == "g"


@pytest.mark.parametrize("text,needle,line", [
    ("p edge 3 1\np edge 3 1\n", "second 'p' line", 2),
    ("p edge 3\n", "expected 'p edge N M'", 1),
    ("p graph 3 1\n", "expected 'p edge N M'", 1),
    ("p edge x 1\n", "vertex count", 1),
    ("p edge 3 y\n", "edge count", 1),
    ("p edge -1 0\n", "non-negative", 1),
    ("p edge 3 -1\n", "non-negative", 1),
    (f"p edge {MAX_VERTICES + 1} 0\n", "more than combopt handles", 1),
    ("e 1 2\np edge 3 1\n", "before the 'p edge", 1),
    ("p edge 3 1\ne 1\n", "expected 'e U V'", 2),
    ("p edge 3 1\ne 1 z\n", "expected an integer vertex", 2),
    ("p edge 3 1\ne q 1\n", "expected an integer vertex", 2),
    ("p edge 3 1\ne 0 1\n", "out of range 1..3", 2),
    ("p edge 3 1\ne 1 4\n", "out of range 1..3", 2),
    ("p edge 3 1\ne 4 1\n", "out of range 1..3", 2),
    ("p edge 3 1\ne 1 0\n", "out of range 1..3", 2),
    ("p edge 3 1\ne 2 2\n", "self-loop on vertex 2", 2),
    ("p edge 3 1\nx 1 2\n", "expected a 'c', 'p' or 'e' line", 2),
    ("p edge 3 1\n" + "x" * 50 + "\n", "got '" + "x" * 40 + "'", 2),  # the line, cut at 40 characters
    ("c only\n", "no 'p edge N M' line", None),
    ("p edge 3 2\ne 1 2\n", "declares 2 edges but the file has 1", None),
    # nothing is dropped silently: weights, extra tokens, more distinct edges than declared
    ("p edge 3 1\nn 1 5\ne 1 2\n", "vertex 1 has weight 5", 2),
    ("p edge 3 1\ne 1 3 7\n", "edge weights are not used", 2),
    ("p edge 3 1\ne 1 3 extra\n", "expected 'e U V'", 2),
    ("p edge 3 1\ne 1 2 c\n", "expected 'e U V'", 2),
    ("p edge 3 1\ne 1 2\ne 2 3\n", "file has 2 distinct ones", 3),
    ("p edge 3 1\ne 1 2\nc x\ne 2 1\ne 2 3\n", "file has 2 distinct ones", 5),  # line by line (a comment)
    ("p edge 3 1\ne 1 2\ne 2 1\ne 2 3\n", "file has 2 distinct ones", 4),
    ("c x\np edge 4 2\ne 1 2\ne 2 3\ne 3 4\n", "file has 3 distinct ones", 5),  # the numpy fast path
])
def test_rejects(tmp_path, text, needle, line):
    f = tmp_path / "bad.clq"
    f.write_text(text)
    with pytest.raises(InputError) as e:
        read_dimacs(f)
    assert needle in str(e.value), str(e.value)
    assert e.value.line == line


def test_max_vertices_is_allowed(tmp_path, monkeypatch):
    import combopt.problems.graph.graph as graph

    monkeypatch.setattr(graph, "MAX_VERTICES", 5)  # the real limit (5e7) would allocate gigabytes here
    f = tmp_path / "big.clq"
    f.write_text("p edge 5 1\ne 1 5\n")
    g = read_dimacs(f)
    assert g.n == 5 and sorted(map(int, g.edges[0])) == [0, 4]
    f.write_text("p edge 6 1\ne 1 5\n")
    with pytest.raises(InputError, match="more than combopt handles"):
        read_dimacs(f)


@pytest.mark.parametrize("head,ok", [("c x\np edge 3 1\n", True), ("p col 3 1", True), ("p edges 3 1", True),
                                     ("p graph 3 1", False), ("p", False), ("e 1 2\np edge 3 1", False), ("", False)])
def test_sniff(head, ok):
    assert sniff_dimacs(head) is ok


# ------------------------------------------------------------------ the numpy fast path agrees with the line reader
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import combopt.problems.graph.graph as graph_module  # noqa: E402

_LINE = st.one_of(
    st.tuples(st.integers(-1, 7), st.integers(-1, 7)).map(lambda e: f"e {e[0]} {e[1]}"),
    st.sampled_from(["c note", "e 1  2", "e 1\t2", "e 1 2 3", "e 1", "e x 2", "n 1 3", "a 1 2", "", "e 01 2",
                     "p edge 6 1", "e 1 2\r", "c"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(n=3, m=0, head=[], lines=["e 1 2 3", "e 1"], final_newline=False)  # four spaces and four numbers in all
@given(n=st.integers(0, 6), m=st.integers(0, 4), head=st.lists(st.sampled_from(["c x", "", "c"]), max_size=2),
       lines=st.lists(_LINE, max_size=10), final_newline=st.booleans())
def test_fast_path_agrees_with_the_line_reader(tmp_path, n, m, head, lines, final_newline):
    """With and without the numpy edge block the reader gives the same graph, or the same error and line: the
    block only ever answers for lines the line reader accepts."""
    text = "\n".join([*head, f"p edge {n} {m}", *lines]) + ("\n" if final_newline else "")
    f = tmp_path / "g.clq"
    f.write_bytes(text.encode())
    fast, slow = _read(f), _read(f, block=False)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
        return
    assert fast.n == slow.n and fast.labels == slow.labels and fast.name == slow.name
    assert fast.edges.tolist() == slow.edges.tolist()


def _read(path, block=True):
    saved = graph_module._edge_block
    if not block:
        graph_module._edge_block = lambda body, n: None
    try:
        return read_dimacs(path)
    except InputError as e:
        return str(e)
    finally:
        graph_module._edge_block = saved


def test_fast_path_takes_the_common_layout(tmp_path):
    assert graph_module._edge_block("e 1 2\ne 4 3\ne 2 1\n", 4).tolist() == [[1, 2], [4, 3], [2, 1]]
    assert graph_module._edge_block("e 1 2\nc late comment\n", 4) is None
    f = tmp_path / "g.clq"
    f.write_text("c made by hand\np edge 4 3\ne 1 2\ne 4 3\ne 2 1\n")
    g = read_dimacs(f)
    assert g.edges.tolist() == [[0, 1], [2, 3]]
