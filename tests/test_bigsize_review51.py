"""Review 51 (bigsize): the largest documented sizes, and the steps whose cost grows with them."""

import contextlib
import sys

import numpy as np
import pytest

import combopt
from combopt.problems.graph.mis import IndependentSet


@contextlib.contextmanager
def _budget(size: str):
    """``--max-memory size`` for the block (the process-wide budget, restored after)."""
    from combopt.core.limits import set_max_memory

    set_max_memory(size)
    try:
        yield
    finally:
        set_max_memory(None)


def _reference_greedy(p):
    """The sequential greedy, smallest degree first, ties by vertex: one Python step per vertex."""
    indptr, indices = p.indptr, p.indices
    blocked, chosen = np.zeros(p.n, dtype=bool), []
    for v in np.argsort(np.diff(indptr), kind="stable").tolist():
        if not blocked[v]:
            chosen.append(v)
            blocked[v] = True
            blocked[indices[indptr[v]:indptr[v + 1]]] = True
    return sorted(chosen)


def _lines_run(fn):
    """Python lines executed in ``fn``'s own frame (not in numpy): a count, not a timing."""
    count = [0]
    code = fn.__func__.__code__

    def tracer(frame, event, arg):
        if frame.f_code is code:
            def local(frame, event, arg):
                if event == "line":
                    count[0] += 1
                return local
            return local
        return None

    sys.settrace(tracer)
    try:
        out = fn()
    finally:
        sys.settrace(None)
    return out, count[0]


def test_mis_construction_is_whole_array_rounds_not_a_step_per_vertex():
    """The greedy construction answered timed runs of large graphs with a Python step per vertex: 6.3 s on a random
    graph of 2 million vertices and 6 million edges, in a 3 s run (7.7 s in all). It is the same greedy set, found in
    whole-array rounds: a random graph of 30,000 vertices runs a few dozen lines of it, not 30,000 steps."""
    rng = np.random.default_rng(51)
    n, m = 30_000, 90_000
    edges = rng.integers(0, n, (m, 2))
    edges = edges[edges[:, 0] != edges[:, 1]]
    p = IndependentSet(combopt.Graph.from_edges(n, edges))
    x, lines = _lines_run(p.construct)
    assert list(x) == _reference_greedy(p) and p.evaluate(x).feasible
    assert lines < 2_000, lines
    for n, m in ((1, 0), (2, 1), (9, 12), (200, 300), (500, 20_000)):  # small and dense ones: the same set too
        edges = rng.integers(0, n, (m, 2))
        edges = edges[edges[:, 0] != edges[:, 1]]
        q = IndependentSet(combopt.Graph.from_edges(n, edges))
        assert list(q.construct()) == _reference_greedy(q)
    path = IndependentSet(combopt.Graph.from_edges(5, [(0, 1), (1, 2), (2, 3), (3, 4)]))
    assert list(path.construct()) == [0, 2, 4]  # the rounds stop, the sequential rest finishes in the same order


def _mknap(path, n, m, rows):
    """An OR-Library mknap file: one instance of ``n`` items x ``m`` constraints, ``rows`` lines of 1000 ones."""
    with open(path, "w") as f:
        f.write(f"1\n{n} {m} 0\n")
        for _ in range(rows):
            f.write(" ".join(["1"] * 1000) + "\n")
    return path


def test_mdkp_header_is_checked_before_the_data_is_read(tmp_path):
    """The OR-Library reader tokenised the whole file before it looked at the first instance's header: a file naming
    1,000,000 x 60 items (over the 50,000,000 weights) on line 2 was refused after 51 s and 620 MB of reading. The
    tokens are now read as they are asked for: the header's refusal comes with only the first lines read."""
    from combopt.problems.mdkp.model import _Tokens

    path = _mknap(tmp_path / "over.mknap", 1_000_000, 60, 200)
    with pytest.raises(combopt.InputError) as e:
        combopt.read(path)
    assert e.value.line == 2 and "60,000,000 weights" in str(e.value) and "at most 50,000,000" in str(e.value)
    t = _Tokens(path)
    try:
        assert (t.integer("count"), t.integer("n"), t.integer("m")) == (1, 1_000_000, 60)
        assert t.count <= 1003  # the header's lines and at most one line more, not the 200,000 ones after them
    finally:
        t.close()
    ok = _mknap(tmp_path / "ok.mknap", 1000, 2, 3)  # 1000 profits, 2 x 1000 weights, then the capacities
    with open(ok, "a") as f:
        f.write("500 700\n")
    p = combopt.read(ok)
    assert (p.n, p.m) == (1000, 2) and list(p.b) == [500, 700] and p.evaluate(np.ones(1000)).feasible is False
    with open(ok, "a") as f:
        f.write("7\n")
    with pytest.raises(combopt.InputError, match="unexpected extra data '7'") as e:
        combopt.read(ok)
    assert e.value.line == 7


def test_mdkp_instance_is_held_to_the_memory_budget(tmp_path):
    """The memory budget covers instances (README, limits), but an mknap instance was never checked against it: under
    --max-memory 50M a 100,000 x 40 instance (about 94 MiB to read) was read in full. It is refused at its header."""
    path = _mknap(tmp_path / "big.mknap", 100_000, 40, 2)  # the header alone is what is checked
    with _budget("50M"):
        with pytest.raises(combopt.InputError) as e:
            combopt.read(path)
    assert e.value.line == 2 and "memory limit of 50.0 MiB" in str(e.value) and "--max-memory" in str(e.value)
    with pytest.raises(combopt.InputError, match="file ends early"):  # within the budget: it reads on, and ends early
        combopt.read(path)


def test_qbsolv_reader_checks_the_declared_size_before_reading_the_lines(tmp_path):
    """A qbsolv file was read whole (its text, then a list of its lines, then a dict entry a coupler) before its size
    met the memory budget: 4 million couplers under --max-memory 100M peaked at 1.28 GB before the refusal. The
    program line's counts are now checked against the budget at once (480 bytes a line), and a line past them ends
    the read there, naming both lines."""
    big = tmp_path / "big.qubo"
    big.write_text("c declares more than it holds: only the program line is read before the refusal\n"
                   "p qubo 0 1000 0 100000\n0 1 1.0\n0 2 -1.0\n")
    with _budget("10M"):
        with pytest.raises(combopt.InputError) as e:
            combopt.read(big)
    assert e.value.line == 2 and "100000 couplers" in str(e.value) and "--max-memory" in str(e.value)
    extra = tmp_path / "extra.qubo"
    extra.write_text("p qubo 0 4 1 1\n0 0 1\n0 1 2\n1 2 3\n2 3 4\n")
    with pytest.raises(combopt.InputError) as e:
        combopt.read(extra)
    assert e.value.line == 1 and "declares 1 node(s) and 1 coupler(s)" in str(e.value) and "(line 4)" in str(e.value)
    ok = tmp_path / "ok.qubo"
    ok.write_bytes("\ufeffc a comment\r\np qubo 0 3 1 2\r\n0 0 -1\r\n0 1 2\r\n1 2 -3\r\n".encode())
    q = combopt.read(ok)
    assert q.n == 3 and q.evaluate(np.array([1, 0, 0])).objective == -1
    assert q.evaluate(np.array([0, 1, 1])).objective == -3 and q.evaluate(np.array([1, 1, 0])).objective == 1


def test_dag_data_is_held_to_the_memory_budget(tmp_path):
    """DAG data never met the memory budget (README: it covers instances): under --max-memory 50M a 100,000 x 200 CSV
    was read and fitted at 707 MB. CSV (by its lines, before numpy parses them) and .npy (by its header) are now
    checked: 24 bytes a cell and 48 a pair of variables."""
    X = np.random.default_rng(0).normal(size=(1000, 50))
    csv = tmp_path / "wide.csv"
    np.savetxt(csv, X, delimiter=",")
    npy = tmp_path / "wide.dag.npy"
    np.save(npy, X)
    with _budget("1M"):
        for path in (csv, npy):
            with pytest.raises(combopt.InputError) as e:
                combopt.read(path, kind="dag")
            assert "1000 rows x 50 columns" in str(e.value) and "--max-memory" in str(e.value), str(e.value)
            assert str(e.value).startswith(str(path))
    for path in (csv, npy):
        p = combopt.read(path, kind="dag")
        assert (p.n, p.d) == (1000, 50) and np.allclose(p.Xc, X - X.mean(axis=0))


def test_rcpsp_most_total_successors_is_not_quadratic_on_large_projects(monkeypatch):
    """The ``mts`` priority rule (the GA's initial lists, CP-SAT's and the MILP's starts) kept a bit set of every
    task's transitive successors: n^2 bits, so a 200,000-task project took 340 s and 5.6 GB in a -t 5 run. Up to
    EXACT_SUCCESSORS_TASKS the counts stay exact (checked against networkx); above, successors are counted along
    arcs: never fewer than the exact count, at most n - 1, and exact where paths are unique (an out-tree)."""
    import networkx as nx

    import combopt.problems.rcpsp.sgs as sgs
    from combopt.problems.rcpsp.model import RCPSP

    rng = np.random.default_rng(7)
    n = 60
    succ = [sorted({int(s) for s in rng.integers(j + 1, n, 2)}) if j < n - 1 else [] for j in range(n)]
    P = RCPSP([1] * n, [[1]] * n, [2], succ)
    G = nx.DiGraph([(j, s) for j in range(n) for s in succ[j]])
    G.add_nodes_from(range(n))
    exact = [len(nx.descendants(G, j)) for j in range(n)]
    assert sgs._total_successors(P).tolist() == exact
    monkeypatch.setattr(sgs, "EXACT_SUCCESSORS_TASKS", 10)
    est = sgs._total_successors(P)
    assert np.all(est >= exact) and np.all(est <= n - 1) and est.tolist() != exact
    tree = [[2 * j + 1, 2 * j + 2] if 2 * j + 2 < 31 else [] for j in range(31)]  # a binary out-tree of 31 tasks
    T = RCPSP([1] * 31, [[1]] * 31, [2], tree)
    assert sgs._total_successors(T).tolist()[:3] == [30, 14, 14]
    monkeypatch.setattr(sgs, "EXACT_SUCCESSORS_TASKS", 10**9)
    assert sgs._total_successors(T).tolist()[:3] == [30, 14, 14]


def test_bqp_problem_is_held_to_the_memory_budget(tmp_path):
    """An OR-Library BQP problem was built whatever its size: 10,000,000 variables under --max-memory 10M took 675 MB,
    and the refusal that came later blamed a solver's num_reads. The problem's variables and entries are now checked
    at its 'n nnz' line; a problem not asked for (file#K) is not."""
    big = tmp_path / "big.txt"
    big.write_text("2\n3 2\n1 1 4\n1 2 -1\n10000000 1\n1 2 5\n")
    with _budget("10M"):
        with pytest.raises(combopt.InputError) as e:
            combopt.read(f"{big}#1", kind="qubo")
        assert e.value.line == 5 and "10000000 variables" in str(e.value) and "--max-memory" in str(e.value)
        q = combopt.read(f"{big}#0", kind="qubo")
    assert q.n == 3 and q.evaluate(np.array([1, 0, 0])).objective == 4
    assert q.evaluate(np.array([1, 1, 0])).objective == 2


def test_coupling_marginals_are_held_to_the_memory_budget(tmp_path):
    """Coupling marginals never met the memory budget: a 2 x 2,000,000 CSV under --max-memory 10M was read and solved
    at 1.17 GB. A CSV row (by its commas, before its fields are made) and a .npy array (by its header) are now
    checked, at 64 bytes a probability."""
    p = np.full((2, 20_000), 1 / 20_000)
    csv = tmp_path / "wide.marginals.csv"
    csv.write_text("\n".join(",".join(["5e-05"] * 20_000) for _ in range(2)) + "\n")
    npy = tmp_path / "wide.npy"
    np.save(npy, p)
    with _budget("1M"):
        for path, line, count in ((csv, 1, 20_000), (npy, None, 40_000)):  # a CSV's first row is over already
            with pytest.raises(combopt.InputError) as e:
                combopt.read(path, kind="mec")
            assert e.value.line == line and f"{count} probabilities" in str(e.value) and "--max-memory" in str(e.value)
    for path in (csv, npy):
        q = combopt.read(path, kind="mec")
        assert len(q.marginals) == 2 and all(np.allclose(m, 5e-05) for m in q.marginals)


def test_clique_evaluation_of_a_huge_set_counts_pairs_from_the_edges(monkeypatch):
    """`combopt check g.clq mis-result.json` evaluates the set as a clique (the file's format decides the kind): a set
    of 4,999,999 vertices asked numpy for all its pairs' codes, 22.7 TiB, and ended in a traceback. Above
    MAX_PAIRS_LISTED pairs the pairs of a prefix are listed and the rest counted from the edges among the set: the
    same verdict and count as all pairs (checked by brute force on a small graph with the cap lowered)."""
    import itertools

    import combopt.problems.graph.mis as mis

    rng = np.random.default_rng(3)
    n = 40
    iu = np.triu_indices(n, 1)
    keep = rng.random(iu[0].size) < 0.7
    edges = np.stack([iu[0][keep], iu[1][keep]], axis=1)
    g = IndependentSet(combopt.Graph.from_edges(n, edges), kind="clique")
    E = {(int(u), int(v)) for u, v in edges}
    full = g.evaluate(np.arange(n))
    missing = sum((u, v) not in E for u, v in itertools.combinations(range(n), 2))
    assert not full.feasible and f"... and {missing - 20} more" in full.violations[-1]
    monkeypatch.setattr(mis, "MAX_PAIRS_LISTED", 10)  # a prefix of 4 vertices listed, the rest counted
    capped = g.evaluate(np.arange(n))
    assert not capped.feasible and capped.objective == n
    assert capped.violations[-1] in (f"{missing} pairs of the {n} vertices are not adjacent",
                                     f"... and {missing - 20} more")
    clique = [u for u in range(6)]
    ok = IndependentSet(combopt.Graph.from_edges(6, list(itertools.combinations(range(6), 2))), kind="clique")
    assert ok.evaluate(clique).feasible and ok.evaluate(clique).objective == 6
    assert g.evaluate([0, 1, 2, 3]).feasible == all((u, v) in E for u, v in itertools.combinations(range(4), 2))
