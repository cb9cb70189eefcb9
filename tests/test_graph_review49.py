"""Review 49 (graph): independent set and clique, found by a reviewer and fixed."""

from __future__ import annotations

import pytest

import combopt
from combopt.core.errors import ParameterError
from combopt.problems.graph import Graph, IndependentSet

# two triangles joined by an edge: the exact reductions solve it (alpha = 2), so no search parses the parameters
TWO_TRIANGLES = [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5), (5, 3)]


@pytest.mark.parametrize("params", [{"num_reads": 0}, {"penalty": 0.5}, {"num_phased": -1}, {"beta_range": 5},
                                    {"ils_share": -1}, {"hybrid": "maybe"}, {"num_sweeps": 1.5}])
def test_sa_ils_refuses_nonsense_values_on_a_graph_the_reductions_solve(params):
    prob = IndependentSet(Graph.from_edges(6, TWO_TRIANGLES), "mis")
    with pytest.raises(ParameterError):
        combopt.solve(prob, "sa-ils", max_iterations=1, **params)


def test_sa_ils_sound_values_still_run_on_a_graph_the_reductions_solve():
    prob = IndependentSet(Graph.from_edges(6, TWO_TRIANGLES), "mis")
    res = combopt.solve(prob, "sa-ils", max_iterations=1, num_reads=4, hybrid="yes", beta_range=[0.1, 3.0])
    assert res.objective == 2 and prob.evaluate(res.solution).feasible and str(res.status) == "optimal"


def test_edge_list_self_loop_written_two_ways_is_refused_with_its_line(tmp_path):
    from combopt.core.errors import InputError
    from combopt.problems.graph import read_edge_list

    f = tmp_path / "g.edges"
    f.write_text("1 2\n2 3\n7 07\n")  # '7' and '07' are one vertex (integer names are numbers)
    with pytest.raises(InputError, match="self-loop on vertex 7") as e:
        read_edge_list(f)
    assert e.value.line == 3
    f.write_text("a 07\n7 a\n")  # with a name that is not an integer, '7' and '07' are two vertices
    g = read_edge_list(f)
    assert g.n == 3 and g.m == 2


@pytest.mark.parametrize("n, edges", [(True, []), (3, [(True, False)]), (3, [[True, False], [False, True]])])
def test_graph_from_edges_refuses_booleans(n, edges):
    with pytest.raises(ParameterError):
        Graph.from_edges(n, edges)


@pytest.mark.parametrize("line, what", [("n 99 1", "out of range 1..3"), ("n 2", "expected 'n V W'"),
                                        ("n x 1", "expected an integer vertex")])
def test_dimacs_vertex_lines_are_checked(tmp_path, line, what):
    from combopt.core.errors import InputError
    from combopt.problems.graph import read_dimacs

    f = tmp_path / "g.clq"
    f.write_text(f"p edge 3 1\n{line}\ne 1 2\n")
    with pytest.raises(InputError, match=what) as e:
        read_dimacs(f)
    assert e.value.line == 2
    f.write_text("p edge 3 1\nn 2 1\ne 1 2\n")  # unit weights read as the unweighted graph
    assert read_dimacs(f).m == 1


def test_networkx_self_loops_are_refused_like_the_dimacs_ones(tmp_path):
    """A GraphML file or a networkx graph with a self-loop had it dropped without a word (a DIMACS or edge-list file
    with one is refused): the vertex could then join an independent set."""
    import networkx as nx

    from combopt.core.errors import InputError

    G = nx.path_graph(4)
    G.add_edge(2, 2)
    with pytest.raises(ParameterError, match="self-loop on vertex 2"):
        Graph.from_networkx(G)
    f = tmp_path / "g.graphml"
    nx.write_graphml(G, f)
    with pytest.raises(InputError, match="self-loop on vertex '2'") as e:
        combopt.read(f, "mis")
    assert e.value.path == str(f)
    G.remove_edges_from(nx.selfloop_edges(G))
    assert combopt.solve(G, "exhaustive").objective == 2
