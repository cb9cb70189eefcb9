"""The certified upper bound on a maximum cut (and, through the usual reduction, a lower bound on a QUBO).

The eigenvalue bound of Mohar and Poljak, ``n/4 lambda_max(L + diag(u)) - sum(u)/4``, is valid for every ``u``
(``cut(x) = x'(L + diag(u))x / 4 - sum(u)/4`` for ``x`` in ``{-1, 1}^n``); its least value over ``u`` is the
semidefinite (Goemans-Williamson) relaxation's. ``u`` comes from that relaxation's low-rank solution (mixing-method
sweeps, :mod:`.maxcut_sdp`, with the bound's time less what the eigenvalue estimate and its certificate are expected
to take): the dual point it gives is optimal up to the sweeps' convergence. Only where that gives no certified value
(a cold Numba cache in a timed run, ARPACK or every factorisation failing) do projected subgradient steps (at most
:data:`BOUND_STEPS`) take the time that is left. Small graphs use dense eigenvalues; above
:data:`DENSE_EIGEN_VERTICES` vertices each value is a Lanczos estimate (``scipy.sparse.linalg.eigsh``; for the
relaxation's point, whose top eigenvalues cluster at 0, on the matrix shifted by its norm), which comes from below
and is no proof by itself: the bound is then certified by factorising ``t I - L - diag(u)`` for ``t`` just above the
estimate, which proves ``lambda_max < t`` when the factorisation succeeds: a banded Cholesky factorisation in the
reverse Cuthill-McKee order (grids, tori, planar graphs: narrow bands), a dense one, or a sparse LDL' with symmetric,
diagonal pivoting whose pivots must all be positive (Sylvester's law of inertia), whichever is estimated fastest.
Where none fits the bound's time, or every factorisation fails, there is no bound (``None``).

Used by the max-cut problem (:mod:`combopt.problems.graph.maxcut`) and by :meth:`combopt.models.qubo.QUBO.bound`.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp

#: vertices up to which each step solves a dense eigenproblem (above: Lanczos on the sparse matrix)
DENSE_EIGEN_VERTICES = 200
#: the certificates of a Lanczos bound and their estimated costs (side runs on the 2-core machine, 2026-12-05): a
#: banded Cholesky factorisation in the reverse Cuthill-McKee order, estimated 0.02 + 1e-8 n b + n b^2 / BANDED_FLOPS
#: seconds for half-bandwidth b (tori of 10,000 and 20,000 vertices, b = 200: 0.08 and 0.09 s; a Delaunay graph of
#: 10,000, b = 439: 0.08 s; a random graph of 10,000 vertices and 20,000 edges has b = 4083); a dense one up to
#: MAX_DENSE_CERTIFICATE vertices (0.09 s at 2000, 0.5 s at 4000); a sparse LDL' (SuperLU) whose time is estimated
#: for a random graph of mean degree d, n^2.85 d^2.2, from SPARSE_CERTIFICATE_S at 10,000 vertices and degree 4 (4.9
#: million factor entries; 7.9 s at 20,000 vertices and degree 4, 0.35 s at 5000 and degree 5, 0.34 s at 2000 and
#: degree 20)
CERTIFICATES = ("banded", "dense", "sparse")
BANDED_FLOPS = 2e10
MAX_BANDED_BYTES = 1 << 30
MAX_DENSE_CERTIFICATE = 5000
CHOLESKY_FLOPS = 3e10
SPARSE_CERTIFICATE_S = 1.1
#: seconds per vertex and edge of building the Laplacian and its reverse Cuthill-McKee order before any step (1.3 s
#: for a million vertices and three million edges, which a short run does not have)
SETUP_S_PER_ENTRY = 4e-7
#: eigenvalue problems the bound solves at most (the first and its subgradient steps) and its seconds when no run
#: gives it a share. Side runs (2026-12-05): a +-1 torus of 2000 vertices 1794 after 10 steps (0.12 s), 1747 after
#: 30, 1696 after 100 (1.8 s), against 2065 for the positive weights and a best cut of 1458; a random 800-vertex
#: +-1 graph G(800, 0.06) 2720, 2660, 2605; a unit-weight G(2000, 0.01) 14,211, 14,112, 14,001 (best cut 13,159)
BOUND_STEPS, BOUND_SECONDS = 200, 0.5
#: seconds per vertex and stored entry, times the rank, of one mixing-method sweep (side runs on the loaded 2-core
#: machine, 2026-12-08: 0.35-3.2e-9 on QUBOs of 200-2500 variables): a bound without a time limit gets the sweeps
#: (and subgradient steps) that this model fits in BOUND_SECONDS, counted, not timed (the same bound every time)
SWEEP_S_PER_ENTRY = 1e-9
#: steps without a better value after which the steps go back to the best point with half the step length. Side
#: runs of 150 steps (seeds not in benchmarks/maxcut.py): a Delaunay graph of 800 vertices 1787 -> 1736, a +-1
#: torus of 2000 vertices, random graphs G(2000, 0.01) and +-1 G(800, 0.06) level (within 0.1 %)
HALVE_AFTER = 5
#: share of the bound's time (less the reserves for the eigenvalue estimate and the certificate) for the
#: semidefinite relaxation's low-rank sweeps (:mod:`.maxcut_sdp`), which stop sooner when they stall; 0 turns them off
RELAXATION_SHARE = 1.0
#: seconds per vertex and stored entry of the Laplacian reserved for the relaxation's eigenvalue estimate (shifted
#: Lanczos at tolerance 1e-4 on the relaxation's point: 0.08-0.21 s on tori and a planar graph of 10,000-20,000
#: vertices, 1-1.8e-6 s per entry, side runs 2026-12-05)
EIGEN_S_PER_ENTRY = 2e-6
#: at most this share of the time left is reserved for that estimate: it is far cheaper near the relaxation's optimum
#: (0.002-0.016 s on the 2000-vertex graphs of benchmarks/maxcut.py and QUBOs of 1000 and 2500 variables at 10 %
#: density, 2-6e-8 s per entry), and a dense QUBO of 2500 variables would otherwise get no sweeps at all
EIGEN_MAX_SHARE = 0.3


def _top_eigen(M: np.ndarray) -> tuple[float, np.ndarray]:
    from scipy.linalg import eigh

    vals, vecs = eigh(M, subset_by_index=[M.shape[0] - 1, M.shape[0] - 1])
    return float(vals[0]), vecs[:, 0]


def adjacency(n: int, edges: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
    """The symmetric weighted adjacency matrix, each edge in both rows (parallel edges add up)."""
    i, j = edges[:, 0], edges[:, 1]
    return sp.coo_matrix((np.concatenate([w, w]), (np.concatenate([i, j]), np.concatenate([j, i]))),
                         shape=(n, n)).tocsr()


def laplacian(n: int, edges: np.ndarray, w: np.ndarray) -> sp.csr_matrix:
    return _laplacian_of(adjacency(n, edges, w))


def _laplacian_of(A: sp.csr_matrix) -> sp.csr_matrix:
    return (sp.diags(np.asarray(A.sum(axis=1)).ravel()) - A).tocsr()


def certificate_plan(L: sp.csr_matrix) -> tuple[str, float, np.ndarray | None, int]:
    """``(method, estimated seconds, order, half-bandwidth)`` of the fastest certificate for matrices with the
    pattern of ``L`` (see :data:`CERTIFICATES`); ``("", inf, ...)`` where none applies."""
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    n, m = L.shape[0], max(0, (L.nnz - L.shape[0]) // 2)
    order = reverse_cuthill_mckee(L, symmetric_mode=True)
    P = L[order][:, order].tocoo()
    b = int(np.abs(P.row - P.col).max(initial=0))
    costs = {}
    if "banded" in CERTIFICATES and n * (b + 1) * 8 <= MAX_BANDED_BYTES:
        costs["banded"] = 0.02 + 1e-8 * n * (b + 1) + n * (b + 1) ** 2 / BANDED_FLOPS
    if "dense" in CERTIFICATES and n <= MAX_DENSE_CERTIFICATE:
        costs["dense"] = n ** 3 / 3 / CHOLESKY_FLOPS + 8e-9 * n * n  # the factorisation and filling the matrix
    if "sparse" in CERTIFICATES:
        costs["sparse"] = SPARSE_CERTIFICATE_S * (n / 10_000) ** 2.85 * (max(1.0, 2 * m / n) / 4) ** 2.2
    if not costs:
        return "", math.inf, order, b
    method = min(costs, key=costs.get)
    return method, costs[method], order, b


def below(M: sp.csr_matrix, t: float, plan: tuple | None = None) -> bool:
    """True when every eigenvalue of the symmetric ``M`` is below ``t``: ``t I - M`` is positive definite, by the
    factorisation of ``plan`` (:func:`certificate_plan`; default: the fastest for ``M``)."""
    from scipy.linalg import cholesky_banded

    method, _, order, b = plan or certificate_plan(M)
    n = M.shape[0]
    B = (sp.identity(n, format="csr") * t - M).tocsr()
    try:
        if method == "banded":  # lower band storage: ab[i - j, j] = B[i, j] for j <= i <= j + b
            P = B[order][:, order].tocoo()
            low = P.row >= P.col
            ab = np.zeros((b + 1, n))
            ab[P.row[low] - P.col[low], P.col[low]] = P.data[low]
            cholesky_banded(ab, lower=True)
            return True
        if method == "dense":
            np.linalg.cholesky(B.toarray())
            return True
    except np.linalg.LinAlgError:
        return False
    if method != "sparse":
        return False
    from scipy.sparse.linalg import splu

    try:
        lu = splu(B.tocsc(), permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0, options={"SymmetricMode": True})
    except RuntimeError:  # singular: an eigenvalue at t
        return False
    return bool(np.array_equal(lu.perm_r, lu.perm_c) and np.all(lu.U.diagonal() > 0))


def cut_bound(n: int, edges: np.ndarray, w: np.ndarray, seconds: float | None) -> tuple[float | None, int, int]:
    """A certified ``n/4 lambda_max(L + diag(u)) - sum(u)/4`` found in ``seconds``: from the semidefinite
    relaxation's low-rank solution (:func:`_relaxation_bound`), else from subgradient steps
    (:func:`_subgradient_bound`); ``None`` where no certified value fits ``seconds``. Also returns the number of
    eigenproblems the steps solved and of the relaxation's sweeps.

    ``seconds`` ``None`` (a run without a time limit): the sweeps and steps that the cost models fit in
    :data:`BOUND_SECONDS`, counted instead of timed, so that the same instance gets the same bound on any machine
    and load (timed, a 300-variable QUBO's bound differed in its sixth digit between two runs of the same seed)."""
    untimed = seconds is None
    seconds = BOUND_SECONDS if seconds is None else seconds
    t_end = math.inf if untimed else time.perf_counter() + max(0.0, seconds)
    if SETUP_S_PER_ENTRY * (n + len(edges)) > seconds:  # not even the Laplacian and its ordering would fit
        return None, 0, 0
    with np.errstate(over="ignore"):  # weights near the float range overflow here: checked below
        A = adjacency(n, edges, w)  # the relaxation's sweeps run on it, the eigenproblems on its Laplacian
        L = _laplacian_of(A)
        scale = float(abs(L).sum(axis=1).max()) or 1.0
    if not math.isfinite(scale):  # weights near the float range: the matrices overflow, nothing can be proven
        return None, 0, 0
    plan = None
    if n > DENSE_EIGEN_VERTICES:
        plan = certificate_plan(L)
        if plan[1] > seconds:
            return None, 0, 0
        t_end -= 1.5 * plan[1]  # the estimates are rough: keep room
    max_sweeps, max_steps = None, BOUND_STEPS
    if untimed:  # counted work: the sweeps the cost model fits in what the eigenvalue estimate leaves, the steps
        reserve = 0.0 if plan is None else min(EIGEN_S_PER_ENTRY * (n + L.nnz), EIGEN_MAX_SHARE * seconds)
        from .maxcut_sdp import MAX_SWEEPS, rank_for

        sweep_s = SWEEP_S_PER_ENTRY * rank_for(n) * (n + A.nnz)
        max_sweeps = max(1, min(MAX_SWEEPS, int(RELAXATION_SHARE * (seconds - reserve) / sweep_s)))
        if plan is not None:
            max_steps = max(1, min(BOUND_STEPS, int(seconds / (EIGEN_S_PER_ENTRY * (n + L.nnz)))))
    relaxed, sweeps = _relaxation_bound(n, A, L, scale, plan, t_end, max_sweeps)
    if relaxed is not None:
        return relaxed, 0, sweeps
    stepped, steps = _subgradient_bound(n, L, scale, plan, t_end, max_steps)
    return stepped, steps, sweeps


def _certified(n: int, M: sp.csr_matrix, lam: float, u: np.ndarray, scale: float, plan, deadline: float,
               margins: tuple[float, ...] = (1e-7, 1e-5, 1e-3)) -> float | None:
    """``n/4 t - sum(u)/4`` for the first ``t = lam + margin x scale`` that a factorisation proves above
    ``lambda_max(M)`` (:func:`below`; ``lam`` is an estimate from below, a Ritz value), trying the next margin only
    while another factorisation fits before ``deadline``; with ``plan`` ``None`` (a dense ``lam`` from ``eigh``),
    ``lam`` rounded up past the eigensolver's error. ``None`` where no margin is proven."""
    if plan is None:
        return n / 4 * (lam + 1e-9 * scale * n) - u.sum() / 4  # eigh's error: a small multiple of eps x norm
    for i, margin in enumerate(margins):
        if i and time.perf_counter() + plan[1] > deadline:
            break
        t = lam + margin * scale
        if below(M, t, plan):
            return n / 4 * t - u.sum() / 4
    return None


def _relaxation_bound(n: int, A: sp.csr_matrix, L: sp.csr_matrix, scale: float, plan, t_end: float,
                      max_sweeps: int | None = None) -> tuple[float | None, int]:
    """``(bound, sweeps)`` from the low-rank solution of the semidefinite relaxation (:mod:`.maxcut_sdp`), its sweeps
    within :data:`RELAXATION_SHARE` of the time to ``t_end`` less the eigenvalue estimate's reserve
    (:data:`EIGEN_S_PER_ENTRY`); ``(None, 0)`` in a time-limited run on a cold Numba cache (no compiling inside the
    clock) or where no time is left at all (the sweeps get at least one)."""
    from ..core.warm import KernelsCold
    from .maxcut_sdp import low_rank_dual, top_eigenvalue

    left = t_end - time.perf_counter()
    reserve = 0.0 if plan is None else min(EIGEN_S_PER_ENTRY * (n + L.nnz), EIGEN_MAX_SHARE * left)
    if RELAXATION_SHARE <= 0 or time.perf_counter() >= t_end:
        return None, 0
    # at least one sweep (a few of them already beat the subgradient steps by far on large sparse graphs)
    budget = max(0.0, RELAXATION_SHARE * (left - reserve))
    try:
        u, V, _, sweeps = low_rank_dual(A, L, budget) if max_sweeps is None else low_rank_dual(
            A, L, budget, max_sweeps=max_sweeps)
    except KernelsCold:
        return None, 0
    M = (L + sp.diags(u)).tocsr()
    if plan is None:
        return _certified(n, M, _top_eigen(M.toarray())[0], u, scale, None, t_end), sweeps
    tol = 1e-5 if n <= MAX_DENSE_CERTIFICATE else 1e-4  # tighter where the estimate is cheap
    lam = top_eigenvalue(M, V, scale, tol)
    if lam is None:
        return None, sweeps
    # the estimate is at most about tol x scale below lambda_max (shifted by scale): the margins start there, or a
    # tenth of it where three factorisations fit in the time left
    deadline = t_end + 1.5 * plan[1]
    tight = time.perf_counter() + 3 * plan[1] <= deadline
    margins = ((tol / 10,) if tight else ()) + (tol, 10 * tol, 1e-3)
    return _certified(n, M, lam, u, scale, plan, deadline, margins), sweeps


def _subgradient_bound(n: int, L: sp.csr_matrix, scale: float, plan, t_end: float, max_steps: int = BOUND_STEPS
                       ) -> tuple[float | None, int]:
    """min over the ``u`` (sum 0) of projected subgradient steps of ``n/4 lambda_max(L + diag(u))`` until ``t_end``
    (at most ``max_steps``), certified (:func:`_certified`); also the number of eigenproblems solved."""
    d = L.diagonal()
    u = d.mean() - d  # start from an equal diagonal: the plain bound is dominated by the largest degree
    dense = plan is None
    if dense:
        Ld = L.toarray()
    else:
        from scipy.sparse.linalg import ArpackError, eigsh
    best, best_u, best_lam, best_v, v0, steps = math.inf, u, 0.0, None, None, 0
    alpha, stall = 2.0, 0
    while True:
        if dense:
            M = Ld.copy()
            M[np.diag_indices(n)] += u
            lam, v = _top_eigen(M)
        else:
            try:  # from the last step's vector; ARPACK can fail to build its factorisation from that: then afresh
                vals, vecs = eigsh(L + sp.diags(u), k=1, which="LA", v0=v0, tol=1e-9)
            except ArpackError:
                try:
                    vals, vecs = eigsh(L + sp.diags(u), k=1, which="LA", tol=1e-9)
                except ArpackError:  # no convergence: keep what the steps before proved
                    break
            lam, v = float(vals[0]), vecs[:, 0]
            v0 = v
        value = n / 4 * lam - u.sum() / 4  # cut = x'(L + diag(u))x / 4 - sum(u) / 4; sum(u) ~ 0
        stall += 1
        if value < best - 1e-9 * abs(value):
            best, best_u, best_lam, best_v, stall = value, u.copy(), lam, v, 0
        steps += 1
        if time.perf_counter() >= t_end or steps >= max_steps:
            break
        if stall >= HALVE_AFTER:  # back to the best point with half the step
            alpha, stall, u, lam, v = alpha / 2, 0, best_u, best_lam, best_v
        # projected subgradient step (v * v - 1/n sums to 0, so sum(u) stays 0); the step scales with lambda
        u = u - alpha * lam * (v * v - 1.0 / n)
    if not steps:
        return None, 0
    deadline = t_end + 1.5 * plan[1] if plan else t_end
    return _certified(n, (L + sp.diags(best_u)).tocsr(), best_lam, best_u, scale, plan, deadline), steps
