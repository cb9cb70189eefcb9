"""The max-cut bound from the semidefinite relaxation's low-rank solution (combopt.problems.graph.sdp): the mixing
sweeps, the certified dual bound against brute force and known relaxation values, and the fall-backs."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from test_maxcut import TORUS, bounds_hold_against_brute_force, brute_force, random_graph

import combopt
from combopt.core.warm import KernelsCold
from combopt.models import maxcut_bound as mb
from combopt.models import maxcut_sdp as sdp
from combopt.problems.graph.maxcut import MaxCut


def torus(rows: int, cols: int, seed: int | None = None) -> MaxCut:
    G = nx.grid_2d_graph(rows, cols, periodic=True)
    idx = {v: k for k, v in enumerate(sorted(G))}
    e = np.array([(idx[a], idx[b]) for a, b in G.edges()])
    w = None if seed is None else np.random.default_rng(seed).choice([-1.0, 1.0], len(e))
    return MaxCut(rows * cols, e, w)


def relaxation_value(p: MaxCut, V: np.ndarray) -> float:
    """sum over edges of w (1 - v_i'v_j) / 2, edge by edge from the lists."""
    i, j = p.edges[:, 0], p.edges[:, 1]
    return float((p.weights * (1.0 - (V[i] * V[j]).sum(axis=1)) / 2).sum())


@pytest.mark.parametrize("seed", range(3))
def test_mixing_sweeps_keep_unit_rows_and_never_lower_the_relaxation(seed):
    p = random_graph(seed, n=40, density=0.3)
    A = mb.adjacency(p.n, p.edges, p.weights)
    V = np.random.default_rng(seed).standard_normal((p.n, 6))
    V /= np.linalg.norm(V, axis=1)[:, None]
    values = [relaxation_value(p, V)]
    for _ in range(20):
        sdp.mixing_sweeps(A.indptr, A.indices, A.data, V, 1)
        values.append(relaxation_value(p, V))
        assert np.allclose(np.linalg.norm(V, axis=1), 1.0)
    assert all(b >= a - 1e-9 for a, b in zip(values, values[1:], strict=False))
    assert values[-1] > values[0]
    # a relaxation: at its optimum (rank 6 >= sqrt(2 n) for 12 vertices) it is at least the maximum cut
    q = random_graph(seed, n=12, density=0.5)
    A = mb.adjacency(q.n, q.edges, q.weights)
    V = np.random.default_rng(seed).standard_normal((q.n, 6))
    V /= np.linalg.norm(V, axis=1)[:, None]
    sdp.mixing_sweeps(A.indptr, A.indices, A.data, V, 500)
    assert relaxation_value(q, V) >= brute_force(q) - 1e-9


@pytest.mark.parametrize("method", ["dense-eigh", "banded", "dense", "sparse"])
def test_relaxation_bound_is_certified_and_holds_against_brute_force(monkeypatch, method):
    """The relaxation's dual point is only as good as the certificate of its largest eigenvalue: each route (a dense
    eigh, and above DENSE_EIGEN_VERTICES the shifted Lanczos estimate and each factorisation) must hold against the
    brute-force optimum, and converge (no subgradient steps needed)."""
    if method != "dense-eigh":
        monkeypatch.setattr(mb, "DENSE_EIGEN_VERTICES", 4)
        monkeypatch.setattr(mb, "CERTIFICATES", (method,))
    bounds_hold_against_brute_force(lambda info: info["relaxation_sweeps"] > 0 and info["eigenvalue_steps"] == 0)


def test_relaxation_bound_is_the_known_value_on_complete_graphs_and_odd_cycles():
    """K_n: the relaxation's value is n^2/4 (max cut floor(n^2/4)); the 5-cycle: (25 + 5 sqrt 5) / 8 = 4.52 (max cut
    4). Both are integral after rounding down: proven optimal."""
    k9 = MaxCut(9, [(i, j) for i in range(9) for j in range(i + 1, 9)])
    assert k9.bound_info()["eigenvalue"] == pytest.approx(81 / 4, abs=1e-4)
    assert k9.bound() == 20 == combopt.solve(k9, "exhaustive").objective
    c5 = MaxCut(5, [(i, (i + 1) % 5) for i in range(5)])
    assert c5.bound_info()["eigenvalue"] == pytest.approx((25 + 5 * math.sqrt(5)) / 8, abs=1e-4)
    assert c5.bound() == 4
    res = combopt.solve(combopt.read(TORUS), "sa", seed=0, max_iterations=10)
    assert res.objective == res.bound == 18 and res.status.value == "optimal"


def test_relaxation_bound_is_no_worse_than_the_subgradient_steps(monkeypatch):
    """Both are eigenvalue bounds of the same dual, the relaxation's at its optimum: on a +-1 torus of 800 vertices
    and a random 300-vertex graph it must be at or below the steps' value (same time)."""
    for p in (torus(20, 40, seed=3), random_graph(5, n=300, density=0.05)):
        relaxed = p.bound_info(seconds=1.0)
        q = MaxCut(p.n, p.edges, p.weights)
        monkeypatch.setattr(mb, "RELAXATION_SHARE", 0.0)
        stepped = q.bound_info(seconds=1.0)
        monkeypatch.setattr(mb, "RELAXATION_SHARE", 1.0)
        assert stepped["eigenvalue_steps"] > 0 and relaxed["eigenvalue_steps"] == 0
        assert relaxed["eigenvalue"] <= stepped["eigenvalue"] + 1e-9


def test_large_torus_bound_within_a_tenth_of_a_second_share():
    """A +-1 torus of 2000 vertices (certified by the banded factorisation): the relaxation converges within 0.5 s
    and the bound is below 0.85 x the positive weights (the subgradient steps reached about 0.87 in the same time),
    above an annealed cut."""
    p = torus(50, 40, seed=1)
    info = p.bound_info(seconds=0.5)
    assert info["eigenvalue_steps"] == 0 and info["relaxation_sweeps"] > 0
    assert info["bound"] < 0.85 * info["positive_weights"]
    assert combopt.solve(p, "sa", seed=0, max_iterations=3).objective <= info["bound"]


def test_cold_kernel_falls_back_to_the_subgradient_steps(monkeypatch):
    def cold(*args, **kwargs):
        raise KernelsCold("mixing_sweeps")

    monkeypatch.setattr(sdp, "low_rank_dual", cold)
    p = torus(20, 20)  # bipartite: every edge is cut
    info = p.bound_info(seconds=0.5)
    assert info["relaxation_sweeps"] == 0 and info["eigenvalue_steps"] > 0 and 800 <= info["bound"] < 1000


def test_top_eigenvalue_estimate_is_from_below_within_its_tolerance(monkeypatch):
    from scipy.sparse.linalg import ArpackNoConvergence

    p = torus(30, 30, seed=2)
    L = mb.laplacian(p.n, p.edges, p.weights)
    A = mb.adjacency(p.n, p.edges, p.weights)
    u, V, value, _ = sdp.low_rank_dual(A, L, 0.5)
    M = (L + sp.diags(u)).tocsr()
    scale = float(abs(L).sum(axis=1).max())
    exact = np.linalg.eigvalsh(M.toarray())[-1]
    lam = sdp.top_eigenvalue(M, V, scale)
    assert exact - 1e-5 * scale <= lam <= exact + 1e-9 * scale
    assert n_over_4_bound(p.n, exact, u) >= value - 1e-6  # weak duality: every dual value is above the primal

    import scipy.sparse.linalg as sla

    def no_convergence(*args, **kwargs):
        raise ArpackNoConvergence("no convergence", np.array([scale + exact - 0.1]), None)

    monkeypatch.setattr(sla, "eigsh", no_convergence)
    assert sdp.top_eigenvalue(M, V, scale) == pytest.approx(exact - 0.1)  # the partial value, certified later

    def nothing(*args, **kwargs):
        raise sla.ArpackError(-9999)

    monkeypatch.setattr(sla, "eigsh", nothing)
    assert sdp.top_eigenvalue(M, V, scale) is None


def n_over_4_bound(n: int, lam: float, u: np.ndarray) -> float:
    return n / 4 * lam - u.sum() / 4


def test_rank_is_capped_by_size_and_memory(monkeypatch):
    assert sdp.rank_for(2) == 2 and sdp.rank_for(50) == 10 and sdp.rank_for(10_000) == sdp.MAX_RANK
    monkeypatch.setattr(sdp, "MAX_BYTES", 8 * 1000 * 4)
    assert sdp.rank_for(1000) == 4
