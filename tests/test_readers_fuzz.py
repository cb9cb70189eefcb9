"""Robustness of the instance readers: fuzzed, truncated and malformed files.

Every reader either returns a problem or raises :class:`combopt.CombOptError`
(an :class:`combopt.InputError` naming the file for bad input), never anything else.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import combopt
from combopt import CombOptError, InputError

DATA = Path(__file__).parent / "data"
JOHNSON = DATA / "johnson8-2-4.clq"
JOHNSON_EDGES = 210

EXTENSIONS = [
    ".clq", ".clq.txt", ".dimacs", ".col", ".mis",
    ".edges", ".edgelist", ".el",
    ".graphml", ".gml", ".gexf", ".adjlist", ".net",
    ".qubo.json", ".qubo", ".bqp",
]

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read_or_error(path: Path):
    """``combopt.read`` must return a problem or raise a CombOptError naming the file."""
    try:
        problem = combopt.read(path)
    except InputError as e:
        assert e.path is not None and Path(e.path).name == path.name, (e.path, str(e))
        assert str(e).startswith(str(e.path))
        return None
    except CombOptError:
        return None
    assert problem is not None
    assert problem.num_variables >= 0
    graph = getattr(problem, "graph", None)
    if graph is not None:  # solutions name vertices by str(label): labels must be distinct
        assert len(graph.labels) == graph.n == len({str(v) for v in graph.labels})
    return problem


# ----------------------------------------------------------------------------- fuzzing

_WORDS = st.sampled_from([
    "p", "edge", "edges", "col", "e", "a", "n", "c", "#", "%", ",", "{", "}", "[", "]", ":", '"', "<", ">", "/>",
    "graph", "node", "id", "source", "target", "label", "directed", "*Vertices", "*Edges", "*Arcs",
    '"linear"', '"quadratic"', '"variables"', '"format"', '"combopt-qubo"', "null", "true", "NaN", "Infinity",
    "qubo", "<?xml", "<graphml>", "</graphml>", "<gexf>", "-1", "0", "1", "2", "1e999", "1_0", "60000000", "9" * 30,
])
_TOKENS = st.one_of(_WORDS, st.integers(-3, 40).map(str), st.text(max_size=6))
_LINES = st.lists(st.lists(_TOKENS, max_size=6).map(" ".join), max_size=25).map("\n".join)


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def read_with_every_extension(directory: Path, stem: str, content: bytes) -> None:
    for ext in EXTENSIONS:
        path = directory / f"{stem}{ext}"
        path.write_bytes(content)
        read_or_error(path)


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash(fuzz_dir, data):
    read_with_every_extension(fuzz_dir, "bytes", data)


@FUZZ
@given(text=_LINES)
def test_random_text_lines_never_crash(fuzz_dir, text):
    read_with_every_extension(fuzz_dir, "text", text.encode("utf-8", errors="surrogatepass"))


def _joined(*parts):
    return st.tuples(*parts).map(lambda t: " ".join(map(str, t)))


_DIMACS_LINE = st.one_of(
    _joined(st.just("p"), st.sampled_from(["edge", "col", "edges", "cnf"]), st.integers(-2, 30), st.integers(-2, 60)),
    _joined(st.sampled_from(["e", "a"]), st.integers(-1, 32), st.integers(-1, 32)),
    st.sampled_from(["c a comment", "", "n 1 5", "e 1", "e x 2", "p edge", "x 1 2"]),
)


_QBSOLV_LINE = st.one_of(
    _joined(st.just("p qubo"), st.sampled_from(["0", "unconstrained"]), st.integers(-1, 6), st.integers(-1, 6),
            st.integers(-1, 8)),
    _joined(st.integers(-1, 6), st.integers(-1, 6), st.sampled_from(["1", "-2.5", "x", "nan", "inf", "1e999", "+-3"])),
    st.sampled_from(["c comment", "", "p", "1 2", "+-1 2 3", "\u00b2 1 1"]),
)


@FUZZ
@given(lines=st.lists(_QBSOLV_LINE, max_size=30))
def test_qbsolv_like_files_never_crash(fuzz_dir, lines):
    path = fuzz_dir / "structured.qubo"
    path.write_text("\n".join(lines) + "\n")
    problem = read_or_error(path)
    if problem is not None:
        assert problem.kind == "qubo" and np.all(np.isfinite(problem.h))


@FUZZ
@given(head=st.tuples(st.integers(-1, 3), st.integers(-1, 5), st.integers(-1, 7)),
       body=st.lists(st.tuples(st.integers(-1, 6), st.integers(-1, 6), st.sampled_from(["4", "-1", "2.5", "x", "nan"])),
                     max_size=12))
def test_bqp_like_files_never_crash(fuzz_dir, head, body):
    path = fuzz_dir / "structured.bqp"
    path.write_text(f" {head[0]}\n {head[1]} {head[2]}\n" + "".join(f" {i} {j} {q}\n" for i, j, q in body))
    problem = read_or_error(path)
    if problem is not None:
        assert problem.sense == "max" and problem.n == head[1]


@FUZZ
@given(lines=st.lists(_DIMACS_LINE, max_size=40))
def test_dimacs_like_files_never_crash(fuzz_dir, lines):
    path = fuzz_dir / "structured.clq"
    path.write_text("\n".join(lines) + "\n")
    problem = read_or_error(path)
    if problem is not None:
        g = problem.graph
        assert g.edges.shape == (g.m, 2)
        assert np.all(g.edges[:, 0] < g.edges[:, 1])
        assert len(g.labels) == g.n


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10**400, 10**400) | st.floats() | st.text(max_size=4),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=3), kids, max_size=4),
    max_leaves=12,
)
_NAME = st.sampled_from(["a", "b", "c", "x0", "x1", "0", "1"])
_QUBO_DOC = st.fixed_dictionaries(
    {},
    optional={
        "format": st.just("combopt-qubo"),
        "sense": st.sampled_from(["min", "max", "maximise", ""]) | _JSON,
        "offset": st.floats() | st.integers(-10**400, 10**400) | _JSON,
        "variables": st.lists(_NAME, max_size=5) | _JSON,
        "linear": st.dictionaries(_NAME, st.floats() | st.integers(-10**400, 10**400) | _JSON, max_size=4) | _JSON,
        "quadratic": st.lists(st.lists(_NAME | st.floats() | _JSON, max_size=4) | _JSON, max_size=5) | _JSON,
    },
)


@FUZZ
@given(doc=_QUBO_DOC | _JSON)
def test_qubo_json_like_documents_never_crash(fuzz_dir, doc):
    path = fuzz_dir / "doc.qubo.json"
    path.write_text(json.dumps(doc))
    problem = read_or_error(path)
    if problem is not None:
        assert isinstance(problem, combopt.QUBO)


# ----------------------------------------------------------------------------- truncation


def _cut_offsets(size: int) -> list[int]:
    # (not the last two bytes: 'e 21 26' cut to 'e 21 2' is still a well-formed file with 210 edges)
    return sorted({1, 5, 10, 13, 14, 15, 17, 20, 100, 333, 500, 777, 1000, 1234, size // 2, size - 4, size - 7})


@pytest.mark.parametrize("offset", _cut_offsets(JOHNSON.stat().st_size))
def test_truncated_johnson(tmp_path, offset):
    raw = JOHNSON.read_bytes()
    assert 0 < offset < len(raw)
    cut = raw[:offset]
    path = tmp_path / "johnson-cut.clq"
    path.write_bytes(cut)
    with pytest.raises(InputError) as info:
        combopt.read(path)
    err = info.value
    assert err.path == str(path)
    lines = cut.decode().split("\n")
    found = sum(1 for ln in lines if ln.startswith("e ") and len(ln.split()) == 3)
    header_complete = len(lines) > 1 or lines[0] == "p edge 28 210"
    if cut.endswith(b"\n") and header_complete:
        # cut at a line boundary: every line is whole, only edges are missing
        assert err.line is None
        assert "truncated" in err.message
        assert f"declares {JOHNSON_EDGES} edges but the file has {found}" in err.message
    elif not header_complete:
        # cut inside the header line
        assert err.line == 1 or "no 'p edge" in err.message
    else:
        # cut inside an edge line: either that partial line is reported, or it parsed and the count is short
        last = len(lines)
        assert err.line == last or ("truncated" in err.message and f"declares {JOHNSON_EDGES} edges" in err.message)


@pytest.mark.parametrize("offset", [1, 8, 20, 39])
def test_truncated_inside_a_comment_header(tmp_path, offset):
    header = b"c johnson8-2-4 from the DIMACS challenge\nc clique number 4\n"
    cut = (header + JOHNSON.read_bytes())[:offset]
    path = tmp_path / "commented.clq"
    path.write_bytes(cut)
    with pytest.raises(InputError) as info:
        combopt.read(path)
    assert info.value.path == str(path)
    assert "no 'p edge" in info.value.message


def test_full_johnson_with_comments_reads(tmp_path):
    path = tmp_path / "commented.clq"
    path.write_bytes(b"c a comment\nc another\n" + JOHNSON.read_bytes())
    problem = combopt.read(path)
    assert problem.kind == "clique"
    assert (problem.graph.n, problem.graph.m) == (28, JOHNSON_EDGES)


# ----------------------------------------------------------------------------- malformed DIMACS


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ("c comment\ne 1 2\np edge 2 1\n", 2, "before the 'p edge"),
        ("p edge 3 2\ne 1 2\ne 1 4\n", 3, "out of range"),
        ("p edge 3 2\ne 0 2\n", 2, "out of range"),
        ("p edge 3 1\nc fine\ne 1 x\n", 3, "integer"),
        ("p edge three 1\n", 1, "integer"),
        ("p edge 3 1\n\n\ne 2 2\n", 4, "self-loop"),
        ("p edge 3 1\ne 1 2\np edge 3 1\n", 3, "second 'p' line"),
        ("p edge 3 1\ne 1 2\nq what\n", 3, "expected a 'c', 'p' or 'e' line"),
        ("p edge 3\n", 1, "p edge N M"),
        ("p edge 3 -1\n", 1, "non-negative"),
        ("p edge 3 1\ne 1\n", 2, "'e U V'"),
    ],
    ids=["edge-before-p", "vertex-too-large", "vertex-zero", "non-integer-vertex", "non-integer-count",
         "self-loop", "duplicate-p", "unknown-line", "short-p", "negative-count", "short-edge"],
)
@pytest.mark.parametrize("ext", [".clq", ".col"])
def test_malformed_dimacs_reports_line(tmp_path, text, line, needle, ext):
    path = tmp_path / f"bad{ext}"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        combopt.read(path)
    err = info.value
    assert err.path == str(path)
    assert err.line == line, str(err)
    assert needle in err.message
    assert str(err).startswith(f"{path}:{line}: ")


def test_no_p_line_and_binary_dimacs(tmp_path):
    path = tmp_path / "none.clq"
    path.write_text("c only comments\nc here\n")
    with pytest.raises(InputError, match="no 'p edge"):
        combopt.read(path)
    path.write_bytes(b"p edge 2 1\ne 1 \xff\xfe\n")
    with pytest.raises(InputError, match="not a text file") as info:
        combopt.read(path)
    assert info.value.path == str(path)


# ----------------------------------------------------------------------------- edge lists and networkx formats


def test_edge_list_with_string_names_round_trips(tmp_path):
    G = nx.Graph([("alice", "bob"), ("bob", "carol"), ("carol", "dave"), ("dave", "alice"), ("eve", "alice"),
                  ("bob", "dave")])
    path = tmp_path / "people.edgelist"
    nx.write_edgelist(G, path, data=False)
    path.write_text("# people\n" + path.read_text() + "% trailing comment\n\n")
    problem = combopt.read(path)
    assert problem.kind == "mis"
    g = problem.graph
    assert sorted(g.labels) == sorted(G.nodes())
    got = {frozenset((g.labels[u], g.labels[v])) for u, v in g.edges.tolist()}
    assert got == {frozenset(e) for e in G.edges()}
    # solutions map to and from the names
    sol = problem.solution_from_json({"solution": ["carol", "eve"]})
    assert sorted(problem.solution_to_json(sol)) == ["carol", "eve"]
    assert problem.evaluate(sol).feasible
    assert not problem.evaluate(problem.solution_from_json(["alice", "bob"])).feasible
    with pytest.raises(InputError, match="not in the graph"):
        problem.solution_from_json(["mallory"], str(path))


@pytest.mark.parametrize("ext", [".edges", ".el"])
def test_edge_list_comma_separated_integers_and_errors(tmp_path, ext):
    path = tmp_path / f"g{ext}"
    path.write_text("1,2\n2,3 extra\n10 1 # comment\n")
    problem = combopt.read(path)
    assert problem.graph.labels == [1, 2, 3, 10]
    assert problem.graph.m == 3
    path.write_text("1 2\nlonely\n")
    with pytest.raises(InputError) as info:
        combopt.read(path)
    assert (info.value.path, info.value.line) == (str(path), 2)
    path.write_text("1 2\n3 3\n")
    with pytest.raises(InputError, match="self-loop") as info:
        combopt.read(path)
    assert info.value.line == 2
    path.write_text("# nothing\n\n")
    with pytest.raises(InputError, match="no edges"):
        combopt.read(path)


def test_edge_list_integer_names_are_numbers(tmp_path):
    path = tmp_path / "g.edges"
    path.write_text("1 2\n01 3\n+2 3\n")
    g = combopt.read(path).graph
    assert g.labels == [1, 2, 3]
    assert sorted(map(tuple, g.edges.tolist())) == [(0, 1), (0, 2), (1, 2)]


@pytest.mark.parametrize("ext", [".graphml", ".gml", ".gexf", ".adjlist"])
def test_networkx_formats_read_back(tmp_path, ext):
    G = nx.gnp_random_graph(30, 0.2, seed=3)
    G.add_node(30)  # an isolated vertex survives
    G = nx.relabel_nodes(G, {v: f"v{v}" for v in G})
    path = tmp_path / f"g{ext}"
    writer = {".graphml": nx.write_graphml, ".gml": nx.write_gml, ".gexf": nx.write_gexf,
              ".adjlist": nx.write_adjlist}[ext]
    writer(G, path)
    problem = combopt.read(path)
    assert problem.kind == "mis"
    assert problem.graph.n == G.number_of_nodes()
    assert problem.graph.m == G.number_of_edges()
    clique = combopt.read(path, kind="clique")
    assert clique.kind == "clique" and clique.graph.m == G.number_of_edges()


def test_graphml_directed_with_self_loops(tmp_path):
    """A directed GraphML graph reads as its undirected graph; a self-loop is refused, as in a DIMACS file (it was
    dropped, which let its vertex into an independent set)."""
    D = nx.DiGraph([(1, 2), (2, 1), (2, 3), (3, 3)])
    path = tmp_path / "d.graphml"
    nx.write_graphml(D, path)
    with pytest.raises(InputError, match="self-loop on vertex '3'"):
        combopt.read(path)
    D.remove_edge(3, 3)
    nx.write_graphml(D, path)
    g = combopt.read(path).graph
    assert (g.n, g.m) == (3, 2)


def test_broken_graphml_is_an_input_error(tmp_path):
    path = tmp_path / "broken.graphml"
    path.write_text("<?xml version='1.0'?><graphml><graph><node id='a'/>")
    with pytest.raises(InputError, match="graphml") as info:
        combopt.read(path)
    assert info.value.path == str(path)


# ----------------------------------------------------------------------------- QUBO JSON

ALL6 = np.array(list(itertools.product([0, 1], repeat=6)), dtype=np.int8)


@pytest.mark.parametrize("density", [1.0, 0.5])
def test_qubo_json_round_trip(tmp_path, density):
    q = combopt.QUBO.random(6, density, seed=1)
    path = tmp_path / "q.qubo.json"
    q.write_json(path)
    r = combopt.read(path)
    assert isinstance(r, combopt.QUBO)
    assert r.n == 6 and r.model_sense == q.model_sense
    np.testing.assert_allclose(r.energies(ALL6), q.energies(ALL6), rtol=1e-12, atol=1e-12)
    for x in ALL6[::7]:
        assert r.evaluate(x).objective == pytest.approx(q.evaluate(x).objective)


def test_qubo_json_max_sense_round_trip(tmp_path):
    q = combopt.QUBO.from_dicts({0: 1.0, 1: -2.0, 2: 0.5}, {(0, 1): 3.0, (1, 2): -1.0}, offset=0.25, sense="max",
                                variables=["a", "b", "c"])
    path = tmp_path / "m.qubo.json"
    q.write_json(path)
    r = combopt.read(path)
    assert r.model_sense == "max" and r.variables == ["a", "b", "c"]
    X = np.array(list(itertools.product([0, 1], repeat=3)))
    for x in X:
        assert r.evaluate(x).objective == pytest.approx(q.evaluate(x).objective)


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[1, 2, 3]",
        '{"linear": {}}',
        '{"quadratic": []}',
        '{"linear": [1, 2], "quadratic": []}',
        '{"linear": {"a": "heavy"}, "quadratic": []}',
        '{"linear": {"a": 1e400}, "quadratic": [["a", "b"]]}',
        '{"linear": {}, "quadratic": [["a", "b", 1, 2]]}',
        '{"linear": {}, "quadratic": 7}',
        '{"linear": {}, "quadratic": [], "sense": "maximise"}',
        '{"linear": {}, "quadratic": [], "variables": 3}',
        '{"linear": {}, "quadratic": [], "offset": [1]}',
        '{"linear": {"a": 1' + "0" * 400 + '}, "quadratic": []}',
        '{"linear": {"a": ' + "9" * 5000 + '}, "quadratic": []}',
        '{"linear": ' + "[" * 100_000 + "]" * 100_000 + ', "quadratic": []}',
        "",
    ],
    ids=["not-json", "top-level-list", "no-quadratic", "no-linear", "linear-list", "linear-string",
         "short-pair", "long-triple", "quadratic-int", "bad-sense", "variables-int", "offset-list",
         "float-overflow", "huge-integer", "deep-nesting", "empty"],
)
def test_malformed_qubo_json(tmp_path, text):
    path = tmp_path / "bad.qubo.json"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        combopt.read(path)
    assert info.value.path == str(path)


def test_qubo_json_binary_is_an_input_error(tmp_path):
    path = tmp_path / "bin.qubo.json"
    path.write_bytes(b'{"linear": {"\xff": 1}}')
    with pytest.raises(InputError, match="not a text file"):
        combopt.read(path)


# ----------------------------------------------------------------------------- addressing and detection


def test_index_and_kind_errors(tmp_path):
    with pytest.raises(InputError, match="#2") as info:
        combopt.read(f"{JOHNSON}#2")
    assert info.value.path == str(JOHNSON)
    assert combopt.read(f"{JOHNSON}#0").graph.n == 28
    with pytest.raises(InputError, match="0 or more"):
        combopt.read(f"{JOHNSON}#-1")
    with pytest.raises(combopt.UnknownKindError):
        combopt.read(JOHNSON, kind="tsp-of-doom")
    unknown = tmp_path / "graph.unknownext"
    unknown.write_text("hello\n")
    with pytest.raises(InputError, match="unknown file format") as info:
        combopt.read(unknown)
    assert info.value.path == str(unknown)
    sniffed = tmp_path / "graph.txt"
    sniffed.write_bytes(JOHNSON.read_bytes())
    assert combopt.read(sniffed).kind == "clique"
    assert combopt.read(sniffed, kind="mis").kind == "mis"


def test_missing_directory_and_empty(tmp_path):
    for path, needle in [(tmp_path / "nope.clq", "no such file"), (tmp_path, "directory")]:
        with pytest.raises(InputError, match=needle) as info:
            combopt.read(path)
        assert info.value.path == str(path)
    empty = tmp_path / "empty.gml"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        combopt.read(empty)


def test_mis_kind_of_clq_is_the_graph_itself():
    mis = combopt.read(JOHNSON, kind="mis")
    clique = combopt.read(JOHNSON)
    assert mis.kind == "mis" and clique.kind == "clique"
    assert mis.graph.m == clique.graph.m == JOHNSON_EDGES
    assert mis.work.m == JOHNSON_EDGES
    assert clique.work.m == 28 * 27 // 2 - JOHNSON_EDGES


def test_clique_of_a_huge_sparse_graph_is_refused_before_allocating(tmp_path):
    # the independent-set route of a clique search works on the complement graph, 5e9 edges here: a solver that needs
    # it is refused before anything is allocated; the default search goes through core numbers and needs none
    path = tmp_path / "huge.clq"
    path.write_text("p edge 99999 1\ne 1 2\n")
    P = combopt.read(path)
    res = combopt.solve(P, time_limit=30)
    assert res.objective == 2 and res.status == combopt.Status.OPTIMAL and P._work is None
    with pytest.raises(InputError, match="complement"):
        combopt.solve(P, "sa", time_limit=5)
    mis = combopt.read(path, kind="mis")  # the graph itself is fine
    assert (mis.graph.n, mis.graph.m) == (99999, 1)


def test_unreadable_name_is_an_input_error(tmp_path):
    path = tmp_path / ("x" * 300 + ".clq")  # longer than NAME_MAX
    with pytest.raises(InputError, match="cannot read") as info:
        combopt.read(path)
    assert info.value.path == str(path)
