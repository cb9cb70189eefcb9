"""Undirected simple graphs and their file formats (DIMACS, edge lists, networkx)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...core.errors import InputError, ParameterError
from ...core.limits import check_memory
from ...core.problem import integer_array

MAX_VERTICES = 50_000_000
MAX_COMPLEMENT_EDGES = 20_000_000  # clique search works on the complement graph
#: bytes a graph costs per vertex (labels, CSR, evaluation masks) and per edge, for the memory check
BYTES_PER_VERTEX = 160
BYTES_PER_EDGE = 64


def vertex_count(n, least: int = 0, most: int = MAX_VERTICES) -> int:
    """``n`` as a number of vertices (an integer in ``least..most``), else a :class:`ParameterError`."""
    import operator

    try:
        if isinstance(n, (bool, np.bool_)):  # operator.index(True) is 1: a slip, not a count
            raise TypeError
        n = operator.index(n)
    except TypeError:
        raise ParameterError(f"the number of vertices must be an integer, got {n!r}") from None
    if not least <= n <= most:
        raise ParameterError(f"a graph has {least}..{most} vertices, got {n}")
    return n


def edge_pairs(n: int, edges) -> np.ndarray:
    """``edges`` as an m x 2 int64 array (a copy) of vertex indices in ``0..n-1``, else a :class:`ParameterError`
    (not numpy's casts: ``(0.5, 1)`` was the edge ``(0, 1)``)."""
    try:
        if np.asarray(edges).dtype == bool:  # [(True, False)] is no edge (0.0 and 1.0 would be whole numbers)
            raise ValueError("booleans")
        e = integer_array(edges)
        if e.size and (e.ndim != 2 or e.shape[1] != 2):
            raise ValueError("not pairs")
        e = e.reshape(-1, 2)
    except ValueError:
        raise ParameterError("edges must be pairs of integer vertex indices (an m x 2 array)") from None
    if e.size and (e.min() < 0 or e.max() >= n):
        raise ParameterError(f"edge endpoint out of range 0..{n - 1} (vertices are numbered from 0)")
    return e


@dataclass
class Graph:
    """Simple undirected graph on vertices ``0..n-1``.

    ``edges`` is an (m, 2) int64 array with ``u < v`` and no duplicates;
    ``labels`` are the vertex names of the file (1-based integers for DIMACS).
    """

    n: int
    edges: np.ndarray
    labels: list
    name: str = "graph"

    @classmethod
    def from_edges(cls, n: int, edges, labels: Sequence | None = None, name: str = "graph") -> Graph:
        n = vertex_count(n, 0)
        e = edge_pairs(n, edges)
        e = e[e[:, 0] != e[:, 1]]
        e = np.sort(e, axis=1)
        if e.size:  # unique rows in (u, v) order through one sorted int64 key per edge (np.unique is 10x slower)
            key = np.sort(e[:, 0] * np.int64(max(n, 1)) + e[:, 1])
            key = key[np.r_[True, key[1:] != key[:-1]]]
            e = np.stack([key // max(n, 1), key % max(n, 1)], axis=1)
        else:
            e = e.reshape(0, 2)
        if labels is not None:
            labels = list(labels)
            if len(labels) != n:
                raise ParameterError(f"labels must name each of the {n} vertices, got {len(labels)}")
        return cls(n, e, labels if labels is not None else list(range(1, n + 1)), name)

    @classmethod
    def from_networkx(cls, G, name: str = "graph") -> Graph:
        nodes = list(G.nodes())
        index = {v: i for i, v in enumerate(nodes)}
        loop = next((u for u, v in G.edges() if u == v), None)
        if loop is not None:  # dropped, it let the vertex into an independent set (the file readers refuse it)
            raise ParameterError(f"self-loop on vertex {loop!r}; expected a simple graph (remove them with "
                                 "G.remove_edges_from(nx.selfloop_edges(G)))")
        edges = [(index[u], index[v]) for u, v in G.edges()]
        return cls.from_edges(len(nodes), edges, nodes, name)

    @property
    def m(self) -> int:
        return int(self.edges.shape[0])

    @property
    def density(self) -> float:
        return 0.0 if self.n < 2 else 2 * self.m / (self.n * (self.n - 1))

    def adjacency(self) -> sp.csr_matrix:
        n = self.n
        u, v = self.edges[:, 0], self.edges[:, 1]
        data = np.ones(2 * self.m, dtype=np.int8)
        A = sp.csr_matrix((data, (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
        A.sort_indices()
        return A

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        A = self.adjacency()
        return A.indptr.astype(np.int64), A.indices.astype(np.int32)

    def degrees(self) -> np.ndarray:
        return np.bincount(self.edges.ravel(), minlength=self.n)

    def complement(self) -> Graph:
        n = self.n
        # built densely (about 9 n^2 bytes): cap the size before allocating anything
        extra = n * (n - 1) // 2 - self.m
        if extra > MAX_COMPLEMENT_EDGES:
            raise InputError(None, f"the complement of this {n}-vertex graph has {extra} edges, more than the "
                                   f"{MAX_COMPLEMENT_EDGES} combopt builds for a clique search through independent "
                                   f"sets: use the default solver or -s clique-cores, which search sparse graphs "
                                   f"by core numbers without the complement")
        try:
            check_memory(17.0 * n * n + BYTES_PER_EDGE * extra, f"the complement of this {n}-vertex graph")
        except ParameterError as e:  # raised while reading: the reader names the file
            raise InputError(None, str(e)) from None
        M = np.ones((n, n), dtype=bool)
        M[self.edges[:, 0], self.edges[:, 1]] = False
        M[self.edges[:, 1], self.edges[:, 0]] = False
        iu = np.triu_indices(n, 1)
        keep = M[iu]
        e = np.stack([iu[0][keep], iu[1][keep]], axis=1).astype(np.int64)
        return Graph(n, e, self.labels, self.name + "-complement")

    def edge_codes(self) -> np.ndarray:
        """Sorted ``u * n + v`` codes (u < v) for fast membership tests."""
        return np.sort(self.edges[:, 0] * self.n + self.edges[:, 1])

    def to_networkx(self):
        import networkx as nx

        G = nx.Graph()
        G.add_nodes_from(range(self.n))
        G.add_edges_from(map(tuple, self.edges.tolist()))
        return G


# --------------------------------------------------------------------------- readers


#: an integer as the files write one: ASCII digits (Python's int() also takes "1_000" and other scripts' digits)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def _int(tok: str, path, lineno: int, what: str) -> int:
    if not _INTEGER.fullmatch(tok):
        raise InputError(path, f"expected an integer {what}, got {tok!r}", lineno)
    return int(tok)


_EDGE_BLOCK_KEEP = "0123456789e \n"


def _edge_block(body: str, n: int) -> np.ndarray | None:
    """The ``(k, 2)`` 1-based edges of ``body`` at numpy speed (4 million edges in about a second instead of six)
    when it is nothing but ``e U V`` lines, one space apart, every vertex in ``1..n`` and no self-loop: the layout
    of nearly every DIMACS file. Anything else returns None, and :func:`read_dimacs` reads the lines one by one
    (and names the line of any error)."""
    if not body.isascii():
        return None
    data = body.encode("ascii")
    if data.translate(None, _EDGE_BLOCK_KEEP.encode()):
        return None
    if not data.endswith(b"\n"):
        data += b"\n"
    count = data.count(b"\n")
    if data.count(b"e") != count or not data.startswith(b"e ") or data.count(b"\ne ") != count - 1:
        return None  # one 'e', leading, on every line
    raw = np.frombuffer(data, dtype=np.uint8)  # exactly two spaces on every line ("e 1 2 3" + "e 1" has four in all)
    if np.any(np.bincount(np.searchsorted(np.flatnonzero(raw == 10), np.flatnonzero(raw == 32)), minlength=count) != 2):
        return None
    numbers = np.fromstring(data.replace(b"e", b" "), dtype=np.int64, sep=" ")
    if numbers.size != 2 * count:  # an empty number ("e  2")
        return None
    edges = numbers.reshape(count, 2)
    if edges.min() < 1 or edges.max() > n or np.any(edges[:, 0] == edges[:, 1]):
        return None
    return edges


def read_dimacs(path: str | Path) -> Graph:
    """DIMACS graph: ``c`` comments, ``p edge n m`` (or ``p col``), ``e u v`` (1-based). From the first edge line on,
    a file of nothing but ``e U V`` lines is read at numpy speed (:func:`_edge_block`)."""
    path = Path(path)
    n = m_declared = None
    us: list[int] = []
    vs: list[int] = []
    block = None
    lines: list[int] = []  # line of each edge read one by one
    first_edge_line = 0
    text = path.read_text(encoding="utf-8-sig")  # newlines translated as when iterating; no leading byte-order mark
    pos, lineno = 0, 0
    while pos < len(text):
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        line, start, pos = text[pos:end], pos, end + 1
        lineno += 1
        tok = line.split()
        if not tok or tok[0] == "c" or tok[0].startswith("c"):
            continue
        head = tok[0]
        if head == "p":
            if n is not None:
                raise InputError(path, "second 'p' line; expected exactly one 'p edge N M' line", lineno)
            if len(tok) != 4 or tok[1] not in ("edge", "edges", "col"):
                raise InputError(path, f"expected 'p edge N M', got {line.strip()!r}", lineno)
            n = _int(tok[2], path, lineno, "vertex count")
            m_declared = _int(tok[3], path, lineno, "edge count")
            if n < 0 or m_declared < 0:
                raise InputError(path, "vertex and edge counts must be non-negative", lineno)
            if n > MAX_VERTICES:
                raise InputError(path, f"{n} vertices is more than combopt handles ({MAX_VERTICES})", lineno)
            check_memory(BYTES_PER_VERTEX * n + BYTES_PER_EDGE * m_declared, f"a graph of {n} vertices and "
                         f"{m_declared} edges", path, lineno)
        elif head in ("e", "a"):
            if n is None:
                raise InputError(path, "edge line before the 'p edge N M' line", lineno)
            if not us:  # the first edge line: the rest of the file in one go when it has the common layout
                first_edge_line = lineno
                block = _edge_block(text[start:], n)
                if block is not None:
                    break
            if len(tok) != 3:
                extra = " (edge weights are not used by independent set or clique)" if len(tok) == 4 else ""
                raise InputError(path, f"expected 'e U V', got {line.strip()!r}{extra}", lineno)
            u = _int(tok[1], path, lineno, "vertex")
            v = _int(tok[2], path, lineno, "vertex")
            if not (1 <= u <= n and 1 <= v <= n):
                raise InputError(path, f"vertex out of range 1..{n} in {line.strip()!r}", lineno)
            if u == v:
                raise InputError(path, f"self-loop on vertex {u}; expected a simple graph", lineno)
            us.append(u - 1)
            vs.append(v - 1)
            lines.append(lineno)
        elif head == "n":  # vertex weights of the weighted DIMACS variant: only unit weights mean what we solve
            if n is None:
                raise InputError(path, "vertex line before the 'p edge N M' line", lineno)
            if len(tok) != 3:
                raise InputError(path, f"expected 'n V W' (a vertex and its weight), got {line.strip()!r}", lineno)
            if not 1 <= _int(tok[1], path, lineno, "vertex") <= n:
                raise InputError(path, f"vertex out of range 1..{n} in {line.strip()!r}", lineno)
            if tok[2] not in ("1", "1.0"):
                raise InputError(path, f"vertex {tok[1]} has weight {tok[2]}: combopt solves the unweighted "
                                       "independent set and clique (remove the 'n' lines to solve it unweighted)",
                                 lineno)
        else:
            raise InputError(path, f"expected a 'c', 'p' or 'e' line, got {line.strip()[:40]!r}", lineno)
    if n is None:
        raise InputError(path, "no 'p edge N M' line found; expected a DIMACS graph")
    edges = block - 1 if block is not None else \
        np.stack([np.asarray(us, dtype=np.int64), np.asarray(vs, dtype=np.int64)], axis=1)
    if len(edges) < m_declared:
        raise InputError(path, f"header declares {m_declared} edges but the file has {len(edges)} (truncated?)")
    if len(edges) > m_declared:  # listing an edge twice (both directions) is common; more distinct edges is not
        key = np.sort(edges, axis=1)
        _, first = np.unique(key[:, 0] * np.int64(n) + key[:, 1], return_index=True)
        if first.size > m_declared:
            k = int(np.sort(first)[m_declared])
            where = first_edge_line + k if block is not None else lines[k]
            raise InputError(path, f"header declares {m_declared} edges but the file has {first.size} distinct "
                                   f"ones; expected at most {m_declared} (two files joined?)", where)
    return Graph.from_edges(n, edges, list(range(1, n + 1)), path.stem)


def sniff_dimacs(head: str) -> bool:
    for line in head.removeprefix("\ufeff").splitlines():
        tok = line.split()
        if not tok or tok[0] == "c":
            continue
        return tok[0] == "p" and len(tok) >= 2 and tok[1] in ("edge", "edges", "col")
    return False


def read_edge_list(path: str | Path) -> Graph:
    """Plain edge list: one ``u v`` pair per line (extra columns ignored), ``#``/``%`` comments.

    Vertex names are kept as integers when every name is an integer, else as strings.
    """
    path = Path(path)
    pairs: list[tuple[str, str]] = []
    lines: list[int] = []
    with open(path, encoding="utf-8-sig") as f:  # a leading byte-order mark is not part of the first name
        for lineno, line in enumerate(f, 1):
            s = line.split("#", 1)[0].strip()
            if not s or s.startswith("%"):
                continue
            tok = s.replace(",", " ").split()
            if len(tok) < 2:
                raise InputError(path, f"expected 'U V' (two vertex names), got {line.strip()!r}", lineno)
            if tok[0] == tok[1]:
                raise InputError(path, f"self-loop on vertex {tok[0]}; expected a simple graph", lineno)
            pairs.append((tok[0], tok[1]))
            lines.append(lineno)
    if not pairs:
        raise InputError(path, "no edges found; expected lines 'U V'")
    names = sorted({a for p in pairs for a in p}, key=lambda t: (0, int(t), "") if _isint(t) else (1, 0, t))
    if all(_isint(t) for t in names):
        # integer names are numbers: '7', '07' and '+7' are one vertex (else labels would repeat)
        labels: list = sorted({int(t) for t in names})
        pos = {v: i for i, v in enumerate(labels)}
        index = {t: pos[int(t)] for t in names}
    else:
        labels = names
        index = {t: i for i, t in enumerate(names)}
    edges = np.array([(index[a], index[b]) for a, b in pairs], dtype=np.int64)
    loops = np.flatnonzero(edges[:, 0] == edges[:, 1])  # '7 07' names one vertex twice
    if loops.size:
        a, b = pairs[loops[0]]
        raise InputError(path, f"self-loop on vertex {labels[edges[loops[0], 0]]} ({a!r} and {b!r} name the same "
                               "vertex); expected a simple graph", lines[loops[0]])
    return Graph.from_edges(len(labels), edges, labels, path.stem)


def _isint(t: str) -> bool:
    """A label written as an integer ("1_0" and "10" are two labels, not one)."""
    return _INTEGER.fullmatch(t) is not None


def read_networkx(path: str | Path) -> Graph:
    """GraphML, GML, GEXF, adjacency lists and Pajek through networkx."""
    import networkx as nx

    path = Path(path)
    ext = path.suffix.lower()
    funcs = {
        ".graphml": nx.read_graphml,
        ".gml": nx.read_gml,
        ".gexf": nx.read_gexf,
        ".adjlist": nx.read_adjlist,
        ".net": nx.read_pajek,
    }
    try:
        G = funcs[ext](path)
    except Exception as e:  # noqa: BLE001 - networkx raises many kinds
        msg = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise InputError(path, f"networkx could not read this {ext[1:]} file: {msg}") from None
    if G.is_directed():
        G = G.to_undirected()
    G = nx.Graph(G)
    loop = next(iter(nx.selfloop_edges(G)), None)
    if loop is not None:  # as the DIMACS and edge-list readers: dropping it would let the vertex into a set
        raise InputError(path, f"self-loop on vertex {loop[0]!r}; expected a simple graph")
    return Graph.from_networkx(G, path.stem)
