"""QAOA on small QUBOs with Qiskit 2.x primitives (optional extra ``combopt[quantum]``).

The QUBO ``E(x) = offset + h.x + x.W.x / 2`` becomes a diagonal Ising operator
through ``x_i = (1 - Z_i) / 2``; :func:`qubo_to_pauli` keeps the constant so
that ``<z|H|z>`` is exactly the QUBO energy of the assignment ``z``. The ansatz
is :func:`qiskit.circuit.library.qaoa_ansatz`, energies come from an estimator
(``StatevectorEstimator``, or Qiskit Aer's ``EstimatorV2`` when installed), the
angles are optimised with scipy's COBYLA from several starts, and the final
circuit is sampled (``StatevectorSampler`` / Aer ``SamplerV2``). Every
distinct sample goes back to the problem, best energy first, to be decoded and
repaired like the samples of the annealers.

Bit order: Qiskit is little-endian (qubit ``i`` is character ``n - 1 - i`` of
a label or a measured bitstring). The ``probabilities`` that the solver
reports are keyed by the *variable* string ``"x_0 x_1 ... x_{n-1}"`` (no
spaces), i.e. the reversed Qiskit bitstring.
"""

from __future__ import annotations

import math
import time

import numpy as np

from ..core.context import SolveContext, SolverOutput
from ..core.errors import MissingDependencyError, ParameterError, UnsuitedInstance
from ..core.registry import register_solver
from .common import offer_samples, positive_int, qubo_params, reject_unknown

#: statevector simulation of more qubits is too slow for an optimisation loop (seconds per energy at 20)
MAX_QAOA_QUBITS = 20
#: how many of the most frequent samples ``info["probabilities"]`` lists
TOP_PROBABILITIES = 32
BACKENDS = ("auto", "statevector", "aer")
#: share of the time left that the starting grid (and the screening of random angles) may take in a timed run
BATCH_SHARE = 0.3


def _import_qiskit():
    try:
        import qiskit  # noqa: F401
        from qiskit.circuit.library import qaoa_ansatz
        from qiskit.quantum_info import SparsePauliOp
    except ImportError as e:
        raise MissingDependencyError(
            f"the qaoa solver needs Qiskit 2.x ({e}); install it with: pip install 'combopt[quantum]'"
        ) from None
    return qaoa_ansatz, SparsePauliOp


def _aer_available() -> bool:
    try:
        import qiskit_aer.primitives  # noqa: F401
    except ImportError:
        return False
    return True


def qubo_to_pauli(model):
    """The QUBO as a diagonal ``SparsePauliOp`` with ``<z|H|z> = model.energy(z)``.

    Substitutes ``x_i = (1 - Z_i) / 2``::

        h_i x_i      = h_i / 2 (I - Z_i)
        J_ij x_i x_j = J_ij / 4 (I - Z_i - Z_j + Z_i Z_j)

    Terms are placed with ``SparsePauliOp.from_sparse_list`` (qubit indices,
    so Qiskit's little-endian label order is handled there).
    """
    _, SparsePauliOp = _import_qiskit()
    n = model.n
    h = np.asarray(model.h, dtype=np.float64)
    U = model.W.tocoo()
    upper = U.row < U.col
    rows, cols, vals = U.row[upper], U.col[upper], U.data[upper]
    row_sum = np.zeros(n)
    np.add.at(row_sum, U.row, U.data)  # sum_j J_ij over the symmetric matrix
    const = float(model.offset) + 0.5 * float(h.sum()) + 0.25 * float(vals.sum())
    z = -0.5 * h - 0.25 * row_sum
    terms: list[tuple[str, list[int], float]] = [("", [], const)]
    terms += [("Z", [i], float(z[i])) for i in range(n) if z[i] != 0.0]
    terms += [("ZZ", [int(i), int(j)], 0.25 * float(v)) for i, j, v in zip(rows, cols, vals, strict=True) if v != 0.0]
    return SparsePauliOp.from_sparse_list(terms, num_qubits=n).simplify(atol=0.0)


def _split_constant(H):
    """``(constant, operator without the identity term, largest |coefficient| of the rest)``."""
    labels = H.paulis.to_labels()
    const = 0.0
    keep = []
    for k, lab in enumerate(labels):
        if set(lab) <= {"I"}:
            const += float(np.real(H.coeffs[k]))
        else:
            keep.append(k)
    if not keep:
        return const, None, 0.0
    rest = H[keep]
    return const, rest, float(np.max(np.abs(rest.coeffs)))


#: terms of the cost operator this far below its largest are left out of the ansatz (not out of the measured energy)
ANSATZ_RTOL = 1e-12


def _ansatz_operator(cost, scale: float):
    """``cost / scale`` for the ansatz, less its terms below :data:`ANSATZ_RTOL`: rounding noise such as the
    -2.2e-16 left where a vertex's linear and edge terms cancel under multipliers of 1.0000000000000004, on which
    Qiskit Aer's estimator failed ("can't convert negative int to unsigned", any coefficient below about -3e-16)."""
    op = cost / scale
    keep = np.flatnonzero(np.abs(op.coeffs) > ANSATZ_RTOL)
    return op if keep.size == len(op) else op[keep.tolist()]


def _primitives(backend: str, seed: int):
    """``(estimator, sampler, name)`` for the chosen backend."""
    use_aer = backend == "aer" or (backend == "auto" and _aer_available())
    if use_aer:
        try:
            from qiskit_aer.primitives import EstimatorV2, SamplerV2
        except ImportError:
            raise MissingDependencyError(
                "backend='aer' needs Qiskit Aer; install it with: pip install qiskit-aer "
                "(or use backend='statevector')"
            ) from None
        est = EstimatorV2(options={"default_precision": 0.0, "run_options": {"seed_simulator": seed}})
        return est, SamplerV2(seed=seed), "aer"
    from qiskit.primitives import StatevectorEstimator, StatevectorSampler

    return StatevectorEstimator(seed=seed), StatevectorSampler(seed=seed), "statevector"


class _OutOfTime(Exception):
    pass


class _Level:
    """The QAOA circuit with ``p`` layers and the best angles found for it.

    ``theta`` follows ``circuit.parameters``; :meth:`pack` and :meth:`unpack`
    convert from and to per-layer ``beta`` (mixer) and ``gamma`` (cost) arrays.
    """

    def __init__(self, qaoa_ansatz, cost, p: int):
        # cost has only Z and ZZ terms, so the flattened circuit is made of h, rz, rzz and rx gates,
        # which the statevector and the Aer primitives both run without transpiling
        self.circuit = qaoa_ansatz(cost, reps=p, flatten=True)
        self.p = p
        self.beta_pos = np.full(p, -1)
        self.gamma_pos = np.full(p, -1)
        for k, par in enumerate(self.circuit.parameters):
            name, idx = getattr(getattr(par, "vector", None), "name", ""), getattr(par, "index", -1)
            target = self.beta_pos if name == "β" else self.gamma_pos if name == "γ" else None
            if target is None or not 0 <= idx < p:  # pragma: no cover - depends on Qiskit internals
                raise RuntimeError(f"unexpected QAOA ansatz parameter {par}")
            target[idx] = k
        if (self.beta_pos < 0).any() or (self.gamma_pos < 0).any():  # pragma: no cover
            raise RuntimeError(f"unexpected QAOA ansatz parameters {list(self.circuit.parameters)}")
        self.val = math.inf
        self.theta: np.ndarray | None = None

    def pack(self, beta, gamma) -> np.ndarray:
        beta, gamma = np.asarray(beta, dtype=np.float64), np.asarray(gamma, dtype=np.float64)
        theta = np.empty(beta.shape[:-1] + (2 * self.p,))
        theta[..., self.beta_pos] = beta
        theta[..., self.gamma_pos] = gamma
        return theta

    def unpack(self, theta) -> tuple[np.ndarray, np.ndarray]:
        theta = np.asarray(theta, dtype=np.float64)
        return theta[..., self.beta_pos], theta[..., self.gamma_pos]

    def offer(self, val: float, theta) -> None:
        if val < self.val:
            self.val, self.theta = val, np.array(theta, dtype=np.float64)


def _interp(v: np.ndarray) -> np.ndarray:
    """INTERP: ``p`` per-layer angles to ``p + 1`` by linear interpolation (Zhou et al. 2020)."""
    p = v.size
    padded = np.concatenate([[0.0], v, [0.0]])
    i = np.arange(p + 1)
    return (i / p) * padded[i] + ((p - i) / p) * padded[i + 1]


def _bits_to_x(bitstring: str, n: int) -> np.ndarray:
    """Qiskit bitstring (qubit ``n-1`` first) to the 0/1 vector ``x``."""
    return np.frombuffer(bitstring.encode("ascii")[::-1], dtype=np.uint8)[:n] - ord("0")


@register_solver(
    "qaoa",
    problems=("+qubo",),
    exact=False,
    devices=("cpu",),
    description=f"QAOA with Qiskit 2.x primitives and COBYLA, n <= {MAX_QAOA_QUBITS} (needs combopt[quantum])",
    max_variables=MAX_QAOA_QUBITS,
    params=("penalty", "reps", "maxiter", "restarts", "shots", "screen", "backend"),
)
def qaoa(problem, ctx: SolveContext, **params) -> SolverOutput:
    """Quantum approximate optimisation, simulated.

    Parameters (``--param``): ``reps`` QAOA layers p (default 2), ``maxiter``
    COBYLA evaluations per optimisation (default 200), ``restarts`` starts
    (default 3; each is one outer iteration, so ``max_iterations`` and the
    time limit can end the search between starts; the time limit also cuts a
    running optimisation short). Start 1 is layer by layer (INTERP: p = 1
    from a 96-point grid, each optimum interpolated to one layer more);
    starts 2, 3, ... take the best of ``screen`` (default 64) random angle
    sets drawn from the seed. ``shots`` samples of the best circuit after
    each start (default 1024; so a target or a proven bound ends the run
    between starts), ``backend`` ``"auto"`` (Aer when installed, else
    statevector), ``"statevector"`` or ``"aer"``, ``penalty`` for the
    problem's QUBO reduction.

    ``info``: ``parameters`` (``gamma``, ``beta`` per layer, for the unscaled
    operator), ``expectation`` (energy of the optimised state, minimisation
    form), ``probabilities`` (the 32 most frequent samples, keyed by
    ``x_0 x_1 ...``), ``p_best`` (sampled share of the best sampled
    energy), ``best_sample_energy``, ``num_qubits``, ``evaluations``, ...
    Practical up to about 14 qubits: an evaluation costs milliseconds at
    n = 5 and seconds at n = 20.
    """
    qp = qubo_params(params, problem)
    reps = positive_int(params, "reps", 2)
    maxiter = positive_int(params, "maxiter", 200)
    restarts = positive_int(params, "restarts", 3)
    shots = positive_int(params, "shots", 1024)
    screen = positive_int(params, "screen", 64)
    backend = params.pop("backend", "auto")
    if backend not in BACKENDS:
        raise ParameterError(f"qaoa backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    reject_unknown(params, "qaoa")
    model = problem.to_qubo(**qp)
    n = model.n
    if n > MAX_QAOA_QUBITS:
        raise UnsuitedInstance(
            f"qaoa simulates one qubit per QUBO variable; this model has {n} variables, more than the "
            f"{MAX_QAOA_QUBITS} a statevector simulation handles (use sa, tabu or exhaustive instead)"
        )
    qaoa_ansatz, _ = _import_qiskit()
    from scipy.optimize import minimize

    H = qubo_to_pauli(model)
    const, cost, scale = _split_constant(H)
    sim_seed = int(ctx.rng.integers(0, 2**31 - 1))
    if cost is None:  # constant energy (or n == 0): every assignment is optimal
        x = np.zeros((1, n), dtype=np.int8)
        offer_samples(problem, ctx, x)
        ctx.state.next_iteration()
        key = "".join("0" for _ in range(n))
        return SolverOutput(info={"num_qubits": n, "reps": reps, "expectation": const, "parameters": {},
                                  "probabilities": {key: 1.0}, "p_best": 1.0, "backend": None,
                                  "restarts_done": 0, "evaluations": 0})
    estimator, sampler, backend_used = _primitives(backend, sim_seed)
    # The ansatz is built from the cost operator divided by its largest coefficient, so the
    # angles COBYLA sees are O(1) whatever the scale of the QUBO; gamma is reported unscaled.
    # built when the search reaches them: all reps levels up front took reps^2 / 2 layers (-p reps=1000: over 60 s
    # before the clock was first read)
    levels: dict[int, _Level] = {}

    def level(p: int) -> _Level:
        if p not in levels:
            levels[p] = _Level(qaoa_ansatz, _ansatz_operator(cost, scale), p)
        return levels[p]

    full = level(reps)
    evaluations = 0

    def evs(level: _Level, thetas: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        thetas = np.asarray(thetas, dtype=np.float64)
        out = estimator.run([(level.circuit, cost, thetas)]).result()[0].data.evs
        evaluations += 1 if thetas.ndim == 1 else thetas.shape[0]
        return np.real(np.asarray(out, dtype=np.complex128)) + const

    def out_of_time() -> bool:
        return ctx.state.time_left <= 0.0 or ctx.state.interrupted

    def _affordable(level: _Level, thetas: np.ndarray) -> np.ndarray:
        """Values of the points ``thetas`` that fit in :data:`BATCH_SHARE` of the time left, spread evenly (inf for
        the others; all of them without a time limit). The first point, evaluated alone, times an evaluation (a
        16-qubit model took 38 s for the 96-point grid and the 64 screened angles at -t 1)."""
        count = len(thetas)
        left = ctx.state.time_left
        if not math.isfinite(left):
            return evs(level, thetas)
        t0 = time.perf_counter()
        vals = np.full(count, math.inf)
        vals[0] = float(evs(level, thetas[0]))
        each = max(time.perf_counter() - t0, 1e-6)
        k = int(min(count, max(1, BATCH_SHARE * max(ctx.state.time_left, 0.0) / each + 1)))
        pick = np.unique(np.linspace(0, count - 1, k).round().astype(np.int64))[1:]
        if pick.size:
            vals[pick] = evs(level, thetas[pick])
        return vals

    def cobyla(level: _Level, theta0: np.ndarray, rhobeg: float) -> None:
        def f(theta):
            if out_of_time():
                raise _OutOfTime  # keep what we have (a level without angles takes the one below, interpolated)
            val = float(evs(level, theta))
            level.offer(val, theta)
            return val

        try:
            minimize(f, theta0, method="COBYLA", options={"maxiter": maxiter, "rhobeg": rhobeg, "tol": 1e-3})
        except _OutOfTime:
            pass

    ansatz = full.circuit
    measured = ansatz.copy()
    measured.measure_all()
    sampled: dict = {}  # the angles last sampled and what they gave

    def sample(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``shots`` samples of the circuit at ``theta`` (best energy first, then most frequent), offered to the
        search: after each start, so that a target or a proven bound can end the run between starts."""
        if sampled.get("theta") is not None and np.array_equal(sampled["theta"], theta):
            return sampled["out"]
        counts = sampler.run([(measured, theta)], shots=shots).result()[0].data.meas.get_counts()
        keys = list(counts)
        X = np.array([_bits_to_x(k, n) for k in keys], dtype=np.int8).reshape(len(keys), n)
        freq = np.array([counts[k] for k in keys], dtype=np.float64) / shots
        E = model.energies(X)
        order = np.lexsort((-freq, E))
        out = X[order], freq[order], E[order]
        offer_samples(problem, ctx, out[0])
        sampled.update(theta=np.array(theta, copy=True), out=out)
        return out

    restarts_done = 0
    interrupted = False
    screened_order = screened = None
    try:
        for r in range(restarts):
            if r > 0 and ctx.state.should_stop():
                break
            if r == 0:
                # Layer-by-layer (INTERP of Zhou et al., PRX 10, 021067): p = 1 from the best point of
                # a coarse grid, then each optimum interpolated to one layer more and re-optimised.
                # (gamma, beta) and (-gamma, -beta) give the same energies, so gamma > 0 suffices
                g, b = np.meshgrid(np.linspace(0.0, math.pi, 13)[1:], (np.arange(8) - 3.5) * (math.pi / 16))
                grid = level(1).pack(b.reshape(-1, 1), g.reshape(-1, 1))
                vals = _affordable(level(1), grid)
                k = int(np.argmin(vals))
                levels[1].offer(float(vals[k]), grid[k])
                cobyla(levels[1], grid[k], 0.1)
                for p in range(2, reps + 1):
                    if out_of_time():
                        break
                    beta, gamma = levels[p - 1].unpack(levels[p - 1].theta)
                    cobyla(level(p), level(p).pack(_interp(beta), _interp(gamma)), 0.1)
            else:
                # random angles, screened in one batched call; start from the (r-1)-th best
                if screened is None:
                    screened = full.pack(ctx.rng.uniform(0.0, math.pi / 2, (screen, reps)),
                                         ctx.rng.uniform(0.0, math.pi, (screen, reps)))
                    vals = _affordable(full, screened)
                    screened_order = np.argsort(vals, kind="stable")
                    full.offer(float(vals[screened_order[0]]), screened[screened_order[0]])
                if r - 1 >= screen:
                    break
                cobyla(full, screened[screened_order[r - 1]], 0.3)
            restarts_done += 1
            if full.theta is not None and r + 1 < restarts and not out_of_time():
                sample(full.theta)
            ctx.state.next_iteration()
    except KeyboardInterrupt:
        interrupted = ctx.state.interrupted = True
    if full.theta is None:
        # the time (or Ctrl-C) came before the full depth was reached: the deepest level's angles interpolated up
        # to it, else the ramp; not evaluated (the expectation is then unknown), only sampled below
        below = max((p for p in levels if levels[p].theta is not None), default=None)
        if below is None:
            ramp = (np.arange(reps) + 0.5) / reps
            beta, gamma = 0.8 * (1.0 - ramp), 0.8 * ramp
        else:
            beta, gamma = levels[below].unpack(levels[below].theta)
            for _ in range(below, reps):
                beta, gamma = _interp(beta), _interp(gamma)
        full.theta = full.pack(beta, gamma)
    best_val, best_theta = (full.val if math.isfinite(full.val) else None), full.theta
    X, freq, E = sample(best_theta)  # the best circuit (sampled once: a start that ended on it sampled it already)
    tol = 1e-9 * max(1.0, abs(float(E[0])))
    p_best = float(freq[E <= E[0] + tol].sum())
    top = np.argsort(-freq, kind="stable")[:TOP_PROBABILITIES]
    probabilities = {"".join(map(str, X[k])): float(freq[k]) for k in top}
    beta, gamma = full.unpack(best_theta)
    gamma = gamma / scale
    info = {
        "num_qubits": n,
        "reps": reps,
        "parameters": {"gamma": [float(g) for g in gamma], "beta": [float(b) for b in beta]},
        "expectation": best_val,
        "best_sample_energy": float(E[0]),
        "p_best": p_best,
        "probabilities": probabilities,
        "distinct_samples": int(X.shape[0]),
        "shots": shots,
        "restarts_done": restarts_done,
        "evaluations": evaluations,
        "backend": backend_used,
    }
    if interrupted:
        info["interrupted"] = True
    return SolverOutput(info=info)
