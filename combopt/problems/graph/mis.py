"""Maximum independent set and maximum clique.

Kind ``mis`` looks for a largest independent set of the file's graph; kind
``clique`` for a largest clique, solved as an independent set of the
complement graph. Solutions are sorted arrays of 0-based vertex indices;
in JSON they are the file's vertex names (1-based for DIMACS).
"""

from __future__ import annotations

import math
import operator
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ...core.errors import InputError, NoSuchInstance, ParameterError
from ...core.io import register_reader
from ...core.problem import Evaluation, Problem, index_list, short_repr
from ...core.registry import register_kind
from ...models.qubo import QUBO
from . import theta
from .bounds import best_bound, sparse_bounds
from .cores import core_numbers
from .graph import Graph, read_dimacs, read_edge_list, read_networkx, sniff_dimacs
from .reduce import Reduction, reduce_graph, worth_trying

#: the colouring bound of an independent set is skipped when the complement it colours has more edges than
#: this (about 0.3 s of work on the 2-core development machine; the bound is then far above any solution)
MAX_BOUND_COMPLEMENT_EDGES = 1_000_000
#: seconds (estimated) the sparse bounds get in :meth:`IndependentSet.bound`'s default call, which the API makes
#: inside a time limit it does not know; the graph solvers add what is missing within a share of their time
BOUND_S = 0.1
#: a clique search whose complement would have more edges than this goes through core numbers (:mod:`.cores`); the
#: DIMACS clique graphs (complements of at most about 100,000 edges) keep the independent-set route
SPARSE_CLIQUE_COMPLEMENT = 2_000_000
#: a kernel replaces the working graph in the search only when the reductions removed at least this share of it
#: (below, the relabelled kernel buys little and the search on the file's graph is what was measured)
MIN_KERNEL_CUT = 0.05

register_kind("mis", ("qubo", "milp", "lagrangian"))
register_kind("clique", ("qubo", "milp", "lagrangian"))

MAX_VIOLATIONS_LISTED = 20
#: a clique's evaluation lists its non-adjacent pairs among the vertices of a prefix with at most this many pairs,
#: and counts the others from the edges among the set
MAX_PAIRS_LISTED = 5_000_000
#: :meth:`IndependentSet.construct` goes on with whole-array rounds while each decides at least this share of the
#: vertices left undecided, and for at most this many rounds
CONSTRUCT_ROUND_SHARE = 0.02
CONSTRUCT_ROUNDS = 100


class IndependentSet(Problem):
    """Maximum independent set (``kind="mis"``) or maximum clique (``kind="clique"``).

    Parameters
    ----------
    graph
        The graph of the file.
    kind
        ``"mis"`` or ``"clique"``.
    """

    sense = "max"

    def __init__(self, graph: Graph, kind: str = "mis", source: str | None = None):
        if kind not in ("mis", "clique"):
            raise ParameterError(f"kind must be 'mis' or 'clique', got {kind!r}")
        if not isinstance(graph, Graph):
            if hasattr(graph, "nodes") and hasattr(graph, "edges") and hasattr(graph, "is_directed"):
                graph = Graph.from_networkx(graph)  # a networkx graph, as IndependentSet.from_networkx takes it
            else:
                raise ParameterError(f"expected a combopt Graph (Graph.from_edges(n, edges)) or a networkx graph, "
                                     f"got {type(graph).__name__}")
        self.graph = graph
        self.kind = kind
        self.name = graph.name
        self.source = source
        # the graph whose independent sets are the answers (the complement, for cliques: built when first needed,
        # as the sparse clique search of :mod:`.cores` never needs it)
        self._work = graph if kind == "mis" else None
        self._csr: tuple | None = None
        self._core: list | None = None  # [core numbers, degeneracy order] of the file's graph once computed
        self._graph_csr: tuple | None = None
        self._clique_view: IndependentSet | None = None  # kind mis: the clique problem of the complement, once built
        self._codes = graph.edge_codes()
        self._colours: list | None = None  # [the colouring bound or None] once computed
        self._memo: dict = {}  # what :func:`.bounds.sparse_bounds` computed
        self._settled = False
        self._bound_s = 0.0
        self._theta: theta.ThetaState | None = None  # the Lovasz theta method's state once started
        self._reduction: list | None = None  # [Reduction or None] once tried with enough time
        self._kernel: KernelSet | None = None

    #: what a set found on this problem gains when lifted to the file's graph (a kernel's reductions)
    offset = 0

    @property
    def work(self) -> Graph:
        """The graph whose independent sets are the answers: the file's (mis) or its complement (clique)."""
        if self._work is None:
            try:
                self._work = self.graph.complement()
            except InputError as e:  # too large: name the file
                raise InputError(self.source if e.path is None else e.path, e.message) from None
        return self._work

    @property
    def indptr(self) -> np.ndarray:
        if self._csr is None:
            self._csr = self.work.csr()
        return self._csr[0]

    @property
    def indices(self) -> np.ndarray:
        if self._csr is None:
            self._csr = self.work.csr()
        return self._csr[1]

    @property
    def sparse_clique(self) -> bool:
        """A clique search on a graph whose complement has more than :data:`SPARSE_CLIQUE_COMPLEMENT` edges: it
        goes through core numbers and small exact searches (:mod:`.cores`), not through the complement."""
        if self.kind != "clique" or self._work is not None:
            return False
        n = self.n
        return n * (n - 1) // 2 - int(self.graph.edges.shape[0]) > SPARSE_CLIQUE_COMPLEMENT

    def graph_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Adjacency of the file's graph (CSR, cached; for kind mis the working graph's own)."""
        if self.kind == "mis":
            return self.indptr, self.indices
        if self._graph_csr is None:
            self._graph_csr = self.graph.csr()
        return self._graph_csr

    def cores(self) -> tuple[np.ndarray, np.ndarray]:
        """Core numbers and a degeneracy order of the file's graph (:func:`.cores.core_numbers`, cached)."""
        if self._core is None:
            indptr, indices = self.graph_csr()
            self._core = list(core_numbers(indptr, indices))
        return self._core[0], self._core[1]

    @property
    def original(self) -> IndependentSet:
        """The problem of the file (a :class:`KernelSet` answers the problem it was reduced from)."""
        return self

    def lift(self, S) -> np.ndarray:
        """Vertices of :attr:`original` for the independent set ``S`` of this problem's working graph."""
        return np.asarray(S, dtype=np.int64)

    def restrict(self, S) -> np.ndarray:
        """An independent set of this problem's working graph from a solution ``S`` of :attr:`original`."""
        return np.asarray(S, dtype=np.int64)

    def reduction(self, seconds: float = math.inf, counted: bool = False) -> Reduction | None:
        """The exact reductions of :mod:`.reduce` applied to the working graph (cached), or ``None`` where none can
        apply or they would not fit ``seconds`` (by estimate; a later call with more time tries again). ``counted``
        (a call without a time limit): once the estimate fits, they run to the end whatever the clock says, so that
        the same graph gets the same kernel on a loaded machine too."""
        if self._reduction is None:
            if not worth_trying(self.indptr, math.inf):
                self._reduction = [None]
            elif worth_trying(self.indptr, seconds):
                self._reduction = [reduce_graph(self.indptr, self.indices, math.inf if counted else seconds,
                                                MIN_KERNEL_CUT)]
        return None if self._reduction is None else self._reduction[0]

    def search_space(self, seconds: float = math.inf, counted: bool = False) -> IndependentSet:
        """The problem a search should work on: the kernel of :meth:`reduction` (a :class:`KernelSet`, whose sets
        lift to this problem's) where it removed at least :data:`MIN_KERNEL_CUT` of the vertices, else ``self``."""
        red = self.reduction(seconds, counted)
        if red is None or red.kernel_n > (1.0 - MIN_KERNEL_CUT) * self.n:
            return self
        if self._kernel is None:
            self._kernel = KernelSet(self, red)
        return self._kernel

    @classmethod
    def from_networkx(cls, G, kind: str = "mis", name: str = "graph") -> IndependentSet:
        return cls(Graph.from_networkx(G, name), kind)

    @property
    def n(self) -> int:
        return self.graph.n

    @property
    def num_variables(self) -> int:
        return self.n

    def describe(self) -> str:
        return f"{self.kind} on {self.name}: {self.graph.n} vertices, {self.graph.m} edges"

    # -- evaluation (independent of the solvers' CSR) ---------------------------------
    def integral_objective(self) -> bool:
        return True  # a set's size

    def evaluate(self, solution) -> Evaluation:
        S, viol = index_list(solution, self.n)  # None, "abc", [1.5], [[1, 2], [3]], [10**30]: named, infeasible
        if S is None:
            return Evaluation(None, False, viol)
        S = np.sort(S)  # (sorted, duplicates are neighbours: np.unique's hashing took 9 s on 10,000,000 vertices)
        if S.size > 1 and bool(np.any(S[1:] == S[:-1])):
            return Evaluation(None, False, ["a vertex appears twice"])
        n = self.n
        if self.kind == "mis":
            inside = np.zeros(n, dtype=bool)
            inside[S] = True
        e = self.graph.edges
        lab = self.graph.labels
        if self.kind == "mis":
            bad = e[inside[e[:, 0]] & inside[e[:, 1]]]
            for u, v in bad[:MAX_VIOLATIONS_LISTED]:
                viol.append(f"vertices {lab[u]} and {lab[v]} are adjacent")
            count = len(bad)
        else:  # every pair of S is an edge: the pairs of a prefix of S are listed, the rest counted by the edges
            pairs = S.size * (S.size - 1) // 2  # (all pairs' codes of 5 million vertices: 22.7 TiB, a traceback)
            r = S.size if pairs <= MAX_PAIRS_LISTED else int((2 * MAX_PAIRS_LISTED) ** 0.5)
            iu, ju = np.triu_indices(r, 1)
            codes = S[iu] * n + S[ju]
            present = _has_codes(self._codes, codes)
            bad_i = np.nonzero(~present)[0]
            for t in bad_i[:MAX_VIOLATIONS_LISTED]:
                viol.append(f"vertices {lab[S[iu[t]]]} and {lab[S[ju[t]]]} are not adjacent")
            count = int(bad_i.size)
            if r < S.size:  # the pairs less the edges among S (unique, u < v)
                inside = np.zeros(n, dtype=bool)
                inside[S] = True
                count = pairs - int(np.count_nonzero(inside[e[:, 0]] & inside[e[:, 1]]))
                if len(viol) < min(count, MAX_VIOLATIONS_LISTED):  # the prefix is a clique: the count says it
                    viol.append(f"{count} pairs of the {S.size} vertices are not adjacent")
                    count = len(viol)
        if count > MAX_VIOLATIONS_LISTED:
            viol.append(f"... and {count - MAX_VIOLATIONS_LISTED} more")
        return Evaluation(float(S.size), count == 0, viol)

    # -- reductions ---------------------------------------------------------------------
    qubo_is_exact = True  # with penalty > 1 every QUBO minimiser is a maximum independent set

    def to_qubo(self, penalty: float = 2.0) -> QUBO:
        """``-sum x_i + penalty * sum_{uv in E} x_u x_v`` on the working graph (penalty > 1)."""
        if not penalty > 1.0:
            raise ParameterError(f"penalty must be greater than 1 for an exact MIS QUBO, got {penalty}")
        n = self.work.n
        e = self.work.edges
        rows = np.concatenate([e[:, 0], e[:, 1]])
        cols = np.concatenate([e[:, 1], e[:, 0]])
        W = sp.coo_matrix((np.full(2 * len(e), float(penalty)), (rows, cols)), shape=(n, n)).tocsr()
        return QUBO(-np.ones(n), W, name=f"{self.kind}-{self.name}")

    def qubo_variable_names(self, **reduction) -> list[str]:
        """``x<label>`` for the file's integer vertex labels (DIMACS: 1..n), else ``x<i>`` counting from 1."""
        lab = self.graph.labels
        if len(lab) == self.n and all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in lab):
            return [f"x{v}" for v in lab]
        return [f"x{i + 1}" for i in range(self.n)]

    def lagrangian_model(self):
        """min -sum x subject to x_u x_v <= 0 for every edge of the working graph (one multiplier each).

        With every multiplier equal to P this is the penalty QUBO of :meth:`to_qubo`;
        the Lagrangian methods adapt one multiplier per edge instead.
        """
        from ...models.lagrangian import LagrangianModel

        n = self.work.n
        e = self.work.edges
        m = len(e)
        pairs = np.stack([np.arange(m), e[:, 0], e[:, 1]], axis=1) if m else np.zeros((0, 3), dtype=np.int64)
        f = QUBO(-np.ones(n), sp.csr_matrix((n, n)), name=f"{self.kind}-{self.name}")
        return LagrangianModel(objective=f, G=sp.csr_matrix((m, n)), c=np.zeros(m), equality=np.zeros(m, dtype=bool),
                               pairs=pairs, names=[f"edge{u}-{v}" for u, v in e])

    def vector_to_set(self, x) -> np.ndarray:
        return np.flatnonzero(np.asarray(x)).astype(np.int64)

    def from_qubo_sample(self, x, rng=None):
        return self.from_qubo_samples(np.asarray(x, dtype=np.int8)[None, :], rng)[0]

    def from_qubo_samples(self, X, rng=None, **hints) -> list:
        """Repair, greedily complete and (1,2)-swap-improve each sample."""
        from .local import improve_batch

        X = np.array(X, dtype=np.int8, copy=True)
        rng = rng if rng is not None else np.random.default_rng(0)
        seeds = rng.integers(1, 2**63 - 1, size=X.shape[0], dtype=np.int64).astype(np.uint64)
        improve_batch(self.indptr, self.indices, X, seeds)
        # de-duplicate before evaluation
        uniq = np.unique(X, axis=0)
        return [self.vector_to_set(x) for x in uniq]

    def milp_terms(self) -> int:
        return int(self.n + 2 * self.work.edges.shape[0])

    def to_pulp(self):
        import pulp

        from ...models.milp import binary_var

        prob = pulp.LpProblem(f"{self.kind}_{self.name}".replace("-", "_").replace(".", "_").replace(" ", "_"),
                              pulp.LpMaximize)  # a space: PuLP warns (two lines on stderr) and replaces it
        x = [binary_var(prob, name) for name in self.qubo_variable_names()]
        prob += pulp.lpSum(x)
        for u, v in self.work.edges:
            prob += x[u] + x[v] <= 1
        return prob, lambda: np.array([i for i in range(self.n) if (x[i].value() or 0) > 0.5], dtype=np.int64)

    def construct(self) -> np.ndarray:
        """Greedy independent set of the working graph, smallest degree first (numpy only); for a sparse clique
        search (:attr:`sparse_clique`), or a clique search whose complement is not built yet, the same greedy as a
        clique of the file's graph from its vertex of largest degree (the complement of a sparse 4500-vertex graph,
        10 million edges, took 3.6 s to build: a timed run answering with its construction ran 3.5 s late)."""
        if self.sparse_clique or (self.kind == "clique" and self._csr is None):
            return self._greedy_clique()
        n = self.n
        indptr, indices = self.indptr, self.indices
        deg = np.diff(indptr)
        order = np.argsort(deg, kind="stable")
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n, dtype=np.int64)
        # rounds of whole-array steps: a vertex ranked before all its undecided neighbours is taken and its
        # neighbours blocked, which is the sequential greedy's own choice (a Python step per vertex took 6.3 s on a
        # random graph of 2 million vertices and 6 million edges, in a 3 s run); while a round still decides a
        # good share of what is left, else the sequential loop finishes the rest in the same order
        state = np.zeros(n, dtype=np.int8)  # 0 undecided, 1 taken, 2 blocked
        src = np.repeat(np.arange(n, dtype=indices.dtype), deg)
        dst = indices
        undecided = n
        for _ in range(CONSTRUCT_ROUNDS):
            take = state == 0
            take[src[rank[dst] < rank[src]]] = False  # an undecided neighbour comes first
            state[take] = 1
            state[dst[take[src]]] = 2  # a neighbour of a taken vertex is undecided: no edge joins two taken ones
            decided = undecided - int(np.count_nonzero(state == 0))
            undecided -= decided
            keep = (state[src] == 0) & (state[dst] == 0)
            src, dst = src[keep], dst[keep]
            if not undecided or decided < CONSTRUCT_ROUND_SHARE * (undecided + decided):
                break
        blocked = state != 0
        for v in order[state[order] == 0].tolist():
            if not blocked[v]:
                state[v] = 1
                blocked[v] = True
                blocked[indices[indptr[v]:indptr[v + 1]]] = True
        return np.flatnonzero(state == 1).astype(np.int64)

    def _greedy_clique(self) -> np.ndarray:
        """Start at the vertex of largest degree; repeatedly take the candidate of largest degree and keep as
        candidates its neighbours among them (``O(m)`` at most)."""
        indptr, indices = self.graph_csr()
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        deg = np.diff(indptr)
        v = int(np.argmax(deg))
        chosen = [v]
        cand = indices[indptr[v]:indptr[v + 1]]
        cand = cand[np.argsort(-deg[cand], kind="stable")]
        while cand.size:
            u = int(cand[0])
            chosen.append(u)
            cand = cand[1:][np.isin(cand[1:], indices[indptr[u]:indptr[u + 1]])]
        return np.sort(np.asarray(chosen, dtype=np.int64))

    def bound(self, seconds: float | None = None, theta_seconds: float | None = None) -> float | None:
        """The smallest of :meth:`bounds`, rounded down (the objective is a set's size); ``None`` without any."""
        return best_bound(self.bounds(seconds, theta_seconds))

    def bound_within(self, seconds: float) -> float | None:
        """:meth:`bound` with at most ``seconds`` (a run's share; never more than the default call's BOUND_S) and
        without the theta bound: the API's call before any solver, which would wait for it (the graph solvers offer
        theta once their search stalls, ``solvers/graph/ils.py``)."""
        return self.bound(min(seconds, BOUND_S), theta_seconds=0.0)

    def bounds(self, seconds: float | None = None, theta_seconds: float | None = None) -> dict[str, float]:
        """Upper bounds on the optimum by name (cached); ``theta_seconds`` (default: what is left of ``seconds``)
        bounds the time of the theta part:

        * ``colouring``: colours of a DSATUR colouring of the complement of the working graph (numpy only): a
          clique of that complement (an independent set of the working graph) needs one colour per vertex;
          skipped where that complement is large (:data:`MAX_BOUND_COMPLEMENT_EDGES`, ``DSATUR_MAX_*``);
        * ``clique_cover``, ``cover_lp``, ``lp`` (:mod:`.bounds`): a greedy partition of the working graph into
          cliques, the same with its edges and single vertices replaced by their edge-LP optimum, and the edge
          LP ``n - nu_f`` (Hopcroft-Karp on the bipartite double cover), for large sparse graphs. Each runs where
          its estimated cost fits ``seconds`` (``math.inf``: no limit, only size caps; ``None``: :data:`BOUND_S`,
          for the API's call inside a time limit it does not know), and the graph solvers call again with a share
          of their time left for the parts still missing (a random graph of 200,000 vertices and 1,000,000
          edges: about 0.3 s);
        * ``theta``: the Lovasz theta bound (:mod:`.theta`, boundary point method; a dense eigendecomposition per
          iteration, up to :data:`.theta.MAX_VERTICES` vertices), started where enough iterations fit ``seconds``
          and continued by later calls; every value it reports is proven, converged or not;
        * ``kernel``: where the exact reductions (:meth:`search_space`) fit the time left and cut the graph, the
          best of these bounds on the kernel plus the vertices the reductions fixed (then no ``theta`` of this
          graph: the kernel's includes its own).
        """
        t0 = time.perf_counter()
        # the default call (the API's, inside a time limit it does not know) spends BOUND_S by estimated cost, not
        # by the clock: the same graph gets the same bound in every process and call
        virtual = seconds is None
        seconds = BOUND_S if virtual else seconds

        def left() -> float:
            return seconds if virtual else seconds - (time.perf_counter() - t0)

        if self._colours is None:
            self._colours = [self._colouring_bound()]
        parts = {} if self._colours[0] is None else {"colouring": self._colours[0]}
        if self.sparse_clique:  # a clique lies in a core: the largest core number plus one
            parts["core"] = float(self.cores()[0].max(initial=-1) + 1)
            return parts
        if not self._settled:
            _, self._settled = sparse_bounds(self.indptr, self.indices, left(), self._memo, virtual)
            self._bound_s += time.perf_counter() - t0
        parts.update(self._memo.get("bounds", {}))
        kernel = self.search_space(left(), virtual)
        if kernel is not self:  # what the reductions fixed plus the kernel's best bound, for every solver
            t1 = time.perf_counter()
            parts["kernel"] = best_bound(kernel.bounds(None if virtual else left(), theta_seconds))
            self._bound_s += time.perf_counter() - t1
            if parts["kernel"] is None:
                del parts["kernel"]
        else:  # (a kernel's own bounds include its theta: the smaller graph's is cheaper and no weaker in practice)
            value = self._theta_bound(left() if theta_seconds is None else theta_seconds,
                                      virtual and theta_seconds is None)
            if value is not None:
                parts["theta"] = value
        return parts

    def _theta_bound(self, seconds: float, virtual: bool = False) -> float | None:
        """The Lovasz theta bound of the working graph (:mod:`.theta`), its method started or continued within
        ``seconds`` where that fits (up to :data:`.theta.MAX_VERTICES` vertices); ``None`` before any value.
        ``virtual``: as many iterations in all as the cost model fits in ``seconds`` (not the clock)."""
        n = self.n
        if self._theta is None:
            if n > theta.MAX_VERTICES or theta.iteration_seconds(n) * (theta.MIN_START_ITERATIONS + 1) > seconds:
                return None
            edges = self.work.edges  # each edge once (u < v)
            self._theta = theta.new_state(n, edges[:, 0], edges[:, 1])
        if not self._theta.done and seconds > 0:
            t0 = time.perf_counter()
            if virtual:
                theta.run(self._theta, math.inf, budget=seconds)
            else:
                theta.run(self._theta, seconds)
            self._bound_s += time.perf_counter() - t0
        return None if math.isinf(self._theta.best) else self._theta.best

    def bound_info(self) -> dict:
        """The bounds :meth:`bounds` has computed so far and the seconds they took, for a result's ``info``."""
        if self._colours is None:
            return {}
        info = {"bounds": self.bounds(0.0), "bounds_s": round(self._bound_s, 3)}
        if self._theta is not None:  # the method's work and the relaxation's value below the bound (theta >= lower)
            info["theta_iterations"] = self._theta.iterations
            info["theta_lower"] = round(self._theta.lower, 6)
        return info

    def clique_view(self) -> IndependentSet | None:
        """The clique problem whose cliques are this problem's answers (same vertices, same size): itself for kind
        clique; for kind mis the clique problem of the complement (built once), or ``None`` where that complement
        has more than :data:`MAX_BOUND_COMPLEMENT_EDGES` edges (seconds of work for the colouring bound and the
        graph solvers' exact proof, far above any independent set)."""
        if self.kind == "clique":
            return self
        if self._clique_view is None:
            if not self.has_clique_view():
                return None
            self._clique_view = IndependentSet(self.graph.complement(), "clique", self.source)
        return self._clique_view

    def has_clique_view(self) -> bool:
        """Whether :meth:`clique_view` gives a problem (without building it)."""
        n, edges = self.n, int(self.graph.edges.shape[0])
        return self.kind == "clique" or n * (n - 1) // 2 - edges <= MAX_BOUND_COMPLEMENT_EDGES

    def _colouring_bound(self) -> float | None:
        view = self.clique_view()
        if view is None:
            return None
        indptr, indices = view.graph_csr()
        count = dsatur_colour_count(indptr, indices)
        return None if count is None else float(count)

    # -- JSON ---------------------------------------------------------------------------
    def solution_to_json(self, solution):
        """The vertices' labels, in vertex order (one C-level lookup: a Python loop took 1 s for a set of three
        million vertices, beside a 2 s time limit)."""
        idx = np.sort(np.asarray(solution, dtype=np.int64)).tolist()
        return list(operator.itemgetter(*idx)(self.graph.labels)) if len(idx) > 1 else \
            [self.graph.labels[i] for i in idx]

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            if "solution" not in data:
                raise InputError(path, "expected a JSON object with a 'solution' list of vertices")
            data = data["solution"]
        if not isinstance(data, list):
            raise InputError(path, "expected 'solution' to be a list of vertex names")
        index = {str(v): i for i, v in enumerate(self.graph.labels)}
        out = []
        for v in data:
            key = str(v) if not (isinstance(v, int) and v.bit_length() > 128) else None  # str(10**5000) fails
            if key not in index:
                raise InputError(path, f"vertex {short_repr(v)} is not in the graph; expected the graph's vertex "
                                       "names")
            out.append(index[key])
        return np.asarray(out, dtype=np.int64)



class KernelSet(IndependentSet):
    """The kernel of an :class:`IndependentSet`'s working graph after the exact reductions of :mod:`.reduce`, as a
    problem of kind ``mis`` to search on: its independent sets :meth:`lift` to solutions of :attr:`original` that
    are :attr:`offset` larger, and its bounds (:meth:`bounds`) are shifted by the offset, so they bound the
    original problem (``alpha(G) = alpha(kernel) + offset``)."""

    def __init__(self, parent: IndependentSet, red: Reduction):
        rows = np.repeat(np.arange(red.kernel_n, dtype=np.int64), np.diff(red.indptr))
        upper = rows < red.indices
        graph = Graph.from_edges(red.kernel_n, np.stack([rows[upper], red.indices[upper]], axis=1),
                                 name=f"{parent.name} (kernel)")
        super().__init__(graph, "mis", parent.source)
        self._parent = parent
        self._reduction = [None]  # a kernel is the rules' fixpoint (or what their time allowed): not reduced again
        self.kernel = red
        self.offset = red.offset
        self._where = np.full(parent.n, -1, dtype=np.int64)
        self._where[red.vertices] = np.arange(red.kernel_n)

    @property
    def original(self) -> IndependentSet:
        return self._parent

    def lift(self, S) -> np.ndarray:
        return self.kernel.lift(S)

    def restrict(self, S) -> np.ndarray:
        """The kernel vertices of ``S``, less any that meet one kept before them (a folded vertex stands for two
        of the original's, so a set that was not lifted from the kernel may hold both ends of a kernel edge)."""
        pos = np.sort(self._where[np.asarray(S, dtype=np.int64)])
        pos = pos[pos >= 0]
        inside = np.zeros(self.n, dtype=bool)
        inside[pos] = True
        deg = np.diff(self.indptr)[pos]
        starts = np.repeat(self.indptr[pos] - np.cumsum(deg) + deg, deg) + np.arange(int(deg.sum()))
        if not inside[self.indices[starts]].any():  # the usual case (a set lifted from the kernel): independent
            return pos
        keep: list[int] = []
        inside[:] = False
        for v in pos.tolist():
            if not inside[self.indices[self.indptr[v]:self.indptr[v + 1]]].any():
                inside[v] = True
                keep.append(v)
        return np.asarray(keep, dtype=np.int64)

    def bounds(self, seconds: float | None = None, theta_seconds: float | None = None) -> dict[str, float]:
        return {name: value + self.offset for name, value in super().bounds(seconds, theta_seconds).items()}

    def bound_info(self) -> dict:
        """The original problem's bounds (``bounds``, ``bounds_s``), the kernel's plus the offset (``kernel_bounds``,
        ``kernel_bounds_s``) and what the reductions did."""
        own = {f"kernel_{k}": v for k, v in super().bound_info().items()}
        return {**self._parent.bound_info(), **own, **self.kernel.info()}


def _has_codes(sorted_codes: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Which ``codes`` are in ``sorted_codes`` (binary search: ``np.isin`` hashed all the graph's edge codes on
    every call, 0.5-0.9 s for a clique of a 1.6-million-edge graph)."""
    if sorted_codes.size == 0:
        return np.zeros(codes.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_codes, codes), sorted_codes.size - 1)
    return sorted_codes[pos] == codes


#: largest graph (vertices) and saturation table (vertices x colours) :func:`dsatur_colour_count` handles
DSATUR_MAX_VERTICES = 20_000
DSATUR_MAX_CELLS = 100_000_000


def dsatur_colour_count(indptr: np.ndarray, indices: np.ndarray) -> int | None:
    """Number of colours of a DSATUR greedy colouring (an upper bound on the clique number).

    Pure numpy (no compilation on a fresh machine): the vertex of largest saturation, ties by
    largest degree, then smallest index, takes the smallest colour none of its neighbours has.
    ``None`` for graphs beyond :data:`DSATUR_MAX_VERTICES` or :data:`DSATUR_MAX_CELLS`.
    """
    n = int(indptr.shape[0]) - 1
    if n <= 0:
        return 0
    deg = np.diff(indptr).astype(np.int64)
    dmax = int(deg.max())
    width = dmax + 2  # at most dmax + 1 colours
    if n > DSATUR_MAX_VERTICES or n * width > DSATUR_MAX_CELLS:
        return None
    seen = np.zeros((n, width), dtype=bool)
    coloured = np.zeros(n, dtype=bool)
    key = deg.copy()  # saturation * (dmax + 1) + degree; -1 once coloured
    step = dmax + 1
    ncol = 0
    for _ in range(n):
        v = int(np.argmax(key))
        c = int(np.argmin(seen[v]))  # smallest colour not seen
        ncol = max(ncol, c + 1)
        coloured[v] = True
        key[v] = -1
        nb = indices[indptr[v]:indptr[v + 1]]
        nb = np.unique(nb[~coloured[nb]])
        new = nb[~seen[nb, c]]
        seen[new, c] = True
        key[new] += step
    return ncol


def _reader(loader):
    def read(path: Path, kind: str, index: int | None):
        if index not in (None, 0):
            raise NoSuchInstance(path, f"holds a single graph; #{index} does not exist (use #0 or no index)")
        return IndependentSet(loader(path), kind, str(path))

    return read


register_reader("dimacs", kinds=("clique", "mis"), extensions=(".clq", ".clq.txt"), default_kind="clique",
                sniff=sniff_dimacs)(_reader(read_dimacs))
register_reader("dimacs-graph", kinds=("mis", "clique"), extensions=(".dimacs", ".col", ".mis"), default_kind="mis",
                sniff=sniff_dimacs)(_reader(read_dimacs))
register_reader("edge-list", kinds=("mis", "clique"), extensions=(".edges", ".edgelist", ".el"),
                default_kind="mis")(_reader(read_edge_list))
register_reader("networkx", kinds=("mis", "clique"), extensions=(".graphml", ".gml", ".gexf", ".adjlist", ".net"),
                default_kind="mis")(_reader(read_networkx))
