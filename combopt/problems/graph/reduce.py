"""Exact reductions for maximum independent set (the kernelization of KaMIS / ReduMIS, Lamm et al. 2017).

Each rule turns the graph ``G`` into a smaller ``G'`` with ``alpha(G) = alpha(G') + c`` and a map that lifts *any*
independent set of ``G'`` to one of ``G`` that is ``c`` larger, so that a search on the kernel loses nothing and an
upper bound on the kernel plus the offset bounds ``G``:

* **degree 0 / 1**: a vertex ``v`` with at most one neighbour is in some maximum independent set: take it, remove
  its closed neighbourhood (``c = 1``);
* **domination**: when ``N[v]`` is inside ``N[u]`` for a neighbour ``u`` of ``v``, some maximum independent set
  avoids ``u``: remove ``u`` (``c = 0``; a vertex whose neighbours form a clique, degree 2 in a triangle
  included, is dominated by each of them and ends with degree 0);
* **degree-2 folding**: a vertex ``v`` with two non-adjacent neighbours ``u``, ``w``: remove ``v`` and ``w``
  and give ``u`` the neighbours of both (``c = 1``). Lifting: when the merged vertex is in the set, ``u`` and
  ``w`` are; otherwise ``v`` is.

The rules run to a fixpoint from a queue of vertices whose neighbourhood changed (smallest degree first), on Python
sets, within a deadline: reductions applied before it is reached are exact, so a cut-short run still gives a valid
(larger) kernel. Domination is checked from vertices of degree at most :data:`MAX_DOMINATION_DEGREE` (``O(d^2)``
each). Where no vertex is that small nothing can apply, and the graph is left alone without building its sets.

The independent sets of the kernel lift in reverse order of the rules (each lift only adds the vertices its own
rule removed). Imports: numpy and the standard library.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

#: domination is checked from vertices of at most this degree (each check costs up to ``d^2`` set lookups)
MAX_DOMINATION_DEGREE = 64
#: largest adjacency (entries, two per edge) reduced: Python sets of about 1 GB and 15-20 s of work at the cap
MAX_REDUCE_NNZ = 12_000_000
#: estimated seconds per vertex and adjacency entry (building the sets and a pass of the rules; 1.0-1.7 us were
#: measured on the 2-core machine, the upper end under load)
REDUCE_S_PER_ENTRY = 1.2e-6
#: the time check runs every this many queue pops
_CHECK_EVERY = 256

_TAKE = 0
_FOLD = 1


@dataclass
class Reduction:
    """A kernel of the graph and how its independent sets lift back.

    ``vertices``: the original index of each kernel vertex (a folded vertex keeps the index of its ``u``);
    ``indptr`` / ``indices``: the kernel's adjacency over positions in ``vertices``; ``offset``: what every lifted
    set gains; ``complete``: whether the rules reached their fixpoint (else the deadline cut them short).
    """

    n: int
    vertices: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    offset: int
    ops: list
    complete: bool
    seconds: float
    counts: dict

    @property
    def kernel_n(self) -> int:
        return int(self.vertices.size)

    def lift(self, kernel_set) -> np.ndarray:
        """Sorted original indices of the independent set of ``G`` lifted from ``kernel_set`` (positions in the
        kernel, an independent set of it): ``len(kernel_set) + offset`` vertices."""
        inside = np.zeros(self.n, dtype=bool)
        inside[self.vertices[np.asarray(kernel_set, dtype=np.int64)]] = True
        for op in reversed(self.ops):
            if op[0] == _TAKE:
                inside[op[1]] = True
            else:
                _, v, u, w = op
                if inside[u]:
                    inside[w] = True
                else:
                    inside[v] = True
        return np.flatnonzero(inside)

    def info(self) -> dict:
        return {"kernel_vertices": self.kernel_n, "kernel_edges": int(self.indices.size // 2),
                "reduction_offset": self.offset, "reduction_complete": self.complete,
                "reduction_s": round(self.seconds, 3), "reductions": dict(self.counts)}


def worth_trying(indptr: np.ndarray, seconds: float = math.inf) -> bool:
    """Whether :func:`reduce_graph` can remove anything and fits its size cap and (by estimate) ``seconds``."""
    n = int(indptr.shape[0]) - 1
    nnz = int(indptr[-1]) if n > 0 else 0
    if n <= 0 or nnz > MAX_REDUCE_NNZ or REDUCE_S_PER_ENTRY * (n + nnz) > seconds:
        return False
    return int(np.diff(indptr).min()) <= MAX_DOMINATION_DEGREE


def reduce_graph(indptr: np.ndarray, indices: np.ndarray, seconds: float = math.inf,
                 min_cut: float = 0.0) -> Reduction | None:
    """Apply the rules of the module to the graph (CSR, both directions of each edge) within ``seconds``.

    ``min_cut`` > 0: give up (``None``) when, once the quarter of the vertices of smallest degree has been
    looked at (where the rules mostly apply), fewer than ``min_cut / 4`` of all vertices are gone: on a random
    graph of 200,000 vertices and a million edges the whole run took 2.5 s to remove 0.6 % of them.
    """
    t0 = time.perf_counter()
    end = t0 + seconds
    n = int(indptr.shape[0]) - 1
    ip = indptr.tolist()
    ix = indices.tolist()
    adj = [set(ix[ip[v]:ip[v + 1]]) for v in range(n)]
    alive = [True] * n
    ops: list = []
    counts = {"degree_0_1": 0, "domination": 0, "fold": 0}
    offset = 0
    deg = np.diff(indptr)
    queue = deque(np.argsort(deg, kind="stable").tolist())
    inq = [True] * n

    def push(x):
        if not inq[x]:
            inq[x] = True
            queue.append(x)

    def remove(x):
        for y in adj[x]:
            adj[y].discard(x)
            push(y)
        adj[x] = set()
        alive[x] = False

    complete = True
    pops = 0
    checkpoint = n // 4 if min_cut > 0 and n >= 4 * _CHECK_EVERY else -1
    while queue:
        pops += 1
        if pops % _CHECK_EVERY == 0 and time.perf_counter() > end:
            complete = False
            break
        if pops == checkpoint and alive.count(False) < min_cut * n / 4:
            return None
        v = queue.popleft()
        inq[v] = False
        if not alive[v]:
            continue
        av = adj[v]
        d = len(av)
        if d <= 1:
            if d == 1:
                remove(next(iter(av)))
            alive[v] = False
            ops.append((_TAKE, v))
            offset += 1
            counts["degree_0_1"] += 1
            continue
        if d > MAX_DOMINATION_DEGREE:
            continue
        dominator = -1
        for u in av:
            au = adj[u]
            if len(au) >= d and all(x == u or x in au for x in av):
                dominator = u
                break
        if dominator >= 0:
            remove(dominator)
            counts["domination"] += 1
            push(v)
            continue
        if d == 2:  # neighbours not adjacent (else each dominates v)
            u, w = av
            adj[u].discard(v)
            adj[w].discard(v)
            adj[v] = set()
            alive[v] = False
            aw = adj[w]
            au = adj[u]
            for y in aw:
                ay = adj[y]
                ay.discard(w)
                ay.add(u)
                au.add(y)
            adj[w] = set()
            alive[w] = False
            ops.append((_FOLD, v, u, w))
            offset += 1
            counts["fold"] += 1
            push(u)
            for y in au:
                push(y)
    keep = np.flatnonzero(np.fromiter(alive, dtype=bool, count=n))
    pos = np.full(n, -1, dtype=np.int64)
    pos[keep] = np.arange(keep.size)
    degs = np.fromiter((len(adj[v]) for v in keep.tolist()), dtype=np.int64, count=keep.size)
    kp = np.zeros(keep.size + 1, dtype=np.int64)
    np.cumsum(degs, out=kp[1:])
    kx = np.fromiter((y for v in keep.tolist() for y in sorted(adj[v])), dtype=np.int64, count=int(kp[-1]))
    kx = pos[kx]
    return Reduction(n, keep, kp, kx, offset, ops, complete, time.perf_counter() - t0, counts)
