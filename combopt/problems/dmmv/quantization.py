"""Post-training weight quantization of one linear layer (kind ``quantization``).

A layer ``y = W x`` (``W``: ``out x in``) and calibration activations ``X``
(``samples x in``). Every weight row gets a ``bits``-bit asymmetric min-max
grid (GPTQ's quantizer: range widened to include 0, ``scale = (max - min) /
(2**bits - 1)``, integer zero point); a solution picks one integer code per
weight. The objective is the mean over rows of the peak output error
``||X (q_r - w_r)||_inf`` -- one DMMV per row with ``A = X`` and targets
``X w_r``. The report adds the max row error and the sum of squared output
errors.

Baselines: round to nearest (``rtn``) and GPTQ (``gptq``: column by column
with ``H = 2 X^T X`` plus damping and Cholesky error feedback, minimising the
squared output error).

Spec file (``.toml``)::

    kind = "quantization"
    weights = "layer.npy"        # or "model.safetensors" (+ tensor = "name")
    tensor = "fc1.weight"        # safetensors only; optional when the file holds one 2-D tensor
    activations = "calib.npy"    # samples x in
    bits = 3
    transpose = false            # true when the weights are stored in x out
    max_samples = 2048           # optional: use the first rows of the activations only

Solutions are the integer codes (JSON: a list of rows of ints in
``0 .. 2**bits - 1``).
"""

from __future__ import annotations

import copy
import json
import math
import struct
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...core.errors import InputError, ParameterError
from ...core.problem import Evaluation
from ...core.registry import register_kind
from ...core.safeio import NPY_ERRORS
from ...models.dmmv import DMMV, LP_MAX_NNZ, MAX_DOMAIN_VALUES, uniform_domains
from .base import DMMVBase, memo_by_content

register_kind("quantization", ("milp",))

MAX_ENTRIES = 64_000_000
MAX_HEADER = 100_000_000
_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
              "U8": "u1", "BF16": "bf16"}


#: largest possible |output| (max |w| * max |x| * inputs) accepted: squared output errors must stay finite
MAX_OUTPUT = 1e100


def _overflows(W, X) -> bool:
    return float(np.max(np.abs(W))) * float(np.max(np.abs(X))) * W.shape[1] > MAX_OUTPUT


# ---------------------------------------------------------------------------------------
# quantizers
# ---------------------------------------------------------------------------------------
def minmax_grid(W, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row ``(scale, zero)`` of the asymmetric min-max grid (GPTQ's quantizer)."""
    W = np.asarray(W, dtype=np.float64)
    if not 1 <= bits <= 16:
        raise ParameterError(f"bits must be in 1..16, got {bits}")
    maxq = 2**bits - 1
    xmin = np.minimum(W.min(axis=1), 0.0)
    xmax = np.maximum(W.max(axis=1), 0.0)
    flat = (xmin == 0) & (xmax == 0)
    xmin = np.where(flat, -1.0, xmin)
    xmax = np.where(flat, 1.0, xmax)
    scale = (xmax - xmin) / maxq
    zero = np.round(-xmin / scale)
    return scale, zero


def dequantize(Q, scale, zero) -> np.ndarray:
    """Real weights of integer codes ``Q`` on the per-row grids."""
    return (np.asarray(Q, dtype=np.float64) - zero[:, None]) * scale[:, None]


def rtn(W, scale, zero, bits: int) -> np.ndarray:
    """Round-to-nearest codes."""
    W = np.asarray(W, dtype=np.float64)
    return np.clip(np.round(W / scale[:, None]) + zero[:, None], 0, 2**bits - 1).astype(np.int64)


def gptq(W, X, scale, zero, bits: int, percdamp: float = 0.01, deadline: float | None = None,
         stats: dict | None = None) -> np.ndarray | None:
    """GPTQ codes (Frantar et al. 2022) on fixed per-row grids.

    Columns are quantized in order; the error of each is spread over the
    remaining columns through the upper Cholesky factor of ``H^-1`` with
    ``H = 2 X^T X + damp * I`` (``damp = percdamp * mean(diag H)``). Inputs
    that never fire (zero diagonal) are set to zero weight, as in the
    reference implementation.

    ``deadline`` (``time.monotonic()``): the columns left when it passes are rounded to nearest as the error
    feedback has left them (valid codes that keep the feedback of the columns done; past it before the loop, that
    is round to nearest), and ``stats["columns"]`` tells how many GPTQ quantized.
    """
    W = np.array(W, dtype=np.float64, copy=True)
    X = np.asarray(X, dtype=np.float64)
    maxq = 2**bits - 1

    def late() -> bool:
        return deadline is not None and time.monotonic() >= deadline

    def rest(Q, i: int):  # the columns from i on, rounded to nearest
        Q[:, i:] = rtn(W[:, i:], scale, zero, bits)
        if stats is not None:
            stats["columns"] = i
        return Q

    Q = np.zeros(W.shape, dtype=np.int64)
    if late():
        return rest(Q, 0)
    t0 = time.monotonic()
    H = 2.0 * X.T @ X
    # the factorisations below (about 4.7 n^3 flops against the 2 s n^2 of H, n inputs and s samples) are not cut
    # short: they start only when, at H's pace, they end before the deadline
    n_in = W.shape[1]
    if deadline is not None and time.monotonic() + (time.monotonic() - t0) * 4.7 * n_in / (2.0 * max(
            X.shape[0], 1)) >= deadline:
        return rest(Q, 0)
    dead = np.diag(H) == 0
    H[dead, dead] = 1.0
    damp = percdamp * float(np.mean(np.diag(H)))
    H[np.diag_indices_from(H)] += damp
    W[:, dead] = 0.0
    Hinv = np.linalg.inv(np.linalg.cholesky(H))  # L^-1
    Hinv = Hinv.T @ Hinv  # H^-1
    U = np.linalg.cholesky(Hinv).T  # upper factor of H^-1
    for i in range(W.shape[1]):
        if late():
            return rest(Q, i)
        w = W[:, i]
        q = np.clip(np.round(w / scale) + zero, 0, maxq)
        Q[:, i] = q.astype(np.int64)
        err = (w - (q - zero) * scale) / U[i, i]
        W[:, i + 1 :] -= np.outer(err, U[i, i + 1 :])
    if stats is not None:
        stats["columns"] = W.shape[1]
    return Q


class _RowModels(Sequence):
    """The per-row DMMV models of a layer, each made when first asked for (the search sets rows up one by one and
    stops at its time limit; making all 1024 rows of a large layer took 0.4 s). They share one copy of ``X``
    (CSC, CSR and dense forms): a copy per row took 19 GB and more than 2 minutes for a 1024 x 1024 layer with 2048
    samples."""

    def __init__(self, layer: QuantizationLayer):
        self.layer = layer
        n = layer.W.shape[1]
        self.T = layer.X @ layer.W.T  # samples x out: the targets of every row
        ptr, vals = uniform_domains(-layer.zero[0] * layer.scale[0], layer.scale[0], layer.maxq + 1, n)
        shared = DMMV.with_targets(layer.X, self.T[:, 0], ptr, vals, name=f"{layer.name}-row0")
        shared.csc_arrays()
        shared.csr_arrays()
        if shared.is_dense():
            shared.dense()
        self.colmax = float(np.max(np.abs(shared.A.data))) if shared.A.nnz else 0.0
        self.rows: list[DMMV | None] = [shared] + [None] * (layer.W.shape[0] - 1)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, r):
        if isinstance(r, slice):
            return [self[i] for i in range(*r.indices(len(self)))]
        r = range(len(self))[r]  # IndexError beyond the rows, negative indices from the end
        b = self.rows[r]
        if b is None:
            layer, shared = self.layer, self.rows[0]
            n = layer.W.shape[1]
            b = copy.copy(shared)  # no __post_init__: A and the matrix caches are shared, the rest is new
            b.lower = np.ascontiguousarray(self.T[:, r])
            b.upper = b.lower.copy()
            b.dom_ptr, b.dom_vals = uniform_domains(-layer.zero[r] * layer.scale[r], layer.scale[r], layer.maxq + 1,
                                                    n)
            b.name = f"{layer.name}-row{r}"
            b._cache = {key: shared._cache[key] for key in ("csc", "csr", "dense") if key in shared._cache}
            # DMMV.tolerance()'s formula with the shared max |X| (a scan of X per row cost 1.6 s on 1024 rows)
            vmax = float(np.max(np.abs(b.dom_vals)))
            b._cache["tol"] = 1e-10 * max(float(np.max(np.abs(b.lower))), self.colmax * vmax, 1e-300)
            self.rows[r] = b
        return b


class QuantizationLayer(DMMVBase):
    """Quantize one linear layer's weights (kind ``quantization``)."""

    kind = "quantization"
    baseline_start = "rtn"

    def __init__(self, W, X, bits: int, name: str = "layer", source: str | None = None):
        W = np.array(W, dtype=np.float64)  # copies: the caller's arrays may change after this (the objectives of
        X = np.array(X, dtype=np.float64)  # solutions are kept by content)
        if W.ndim != 2 or X.ndim != 2:
            raise ParameterError("weights and activations must be 2-D")
        if X.shape[1] != W.shape[1]:
            raise ParameterError(f"activations have {X.shape[1]} features, the weights {W.shape[1]} inputs")
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(X))):
            raise ParameterError("weights and activations must be finite")
        if _overflows(W, X):
            raise ParameterError(f"weights times activations exceed {MAX_OUTPUT:g}: the output errors overflow")
        self.W, self.X, self.bits = W, X, int(bits)
        self.scale, self.zero = minmax_grid(W, self.bits)
        self.name = name
        self.source = source
        self._blocks: list[DMMV] | None = None

    @property
    def maxq(self) -> int:
        return 2**self.bits - 1

    def blocks(self) -> Sequence[DMMV]:
        """One DMMV per weight row, made when first used (see :class:`_RowModels`)."""
        if self._blocks is None:
            self._blocks = _RowModels(self)
        return self._blocks

    @property
    def num_variables(self) -> int:
        return int(self.W.size)

    def objective_scale(self) -> float:
        """:meth:`DMMVBase.objective_scale` without making the row models: activations times the largest grid value
        (the weights and the grid's reach past them, one step)."""
        reach = float(np.max(np.abs(self.W))) + float(np.max(np.abs(self.scale))) if self.W.size else 0.0
        top = float(np.max(np.abs(self.X))) * reach if self.X.size else 0.0
        return min(1.0, top) if top > 0 else 1.0

    def bound(self) -> float | None:
        """``None`` beyond the base class's LP size (every row's model is the activations), without making them."""
        if self.W.shape[0] * np.count_nonzero(self.X) > LP_MAX_NNZ:
            return None
        return super().bound()

    def bound_within(self, seconds: float) -> float | None:
        """As :meth:`bound`, within ``seconds`` (the size check first, without making the rows' models)."""
        if self.W.shape[0] * np.count_nonzero(self.X) > LP_MAX_NNZ:
            return None
        return super().bound_within(seconds)

    def block_objective(self, ks: list[np.ndarray]) -> tuple[float, float]:
        """``(mean row peak output error, summed squared error)``: one dense product instead of a sparse one per row
        (the metrics' product, remembered with them)."""
        m = self.metrics(np.vstack([np.asarray(k, dtype=np.int64) for k in ks]))
        return m["mean_row_linf"], m["sse"]

    def solution_from_blocks(self, ks):
        return np.vstack([np.asarray(k, dtype=np.int64) for k in ks])

    def blocks_from_solution(self, solution):
        return list(np.asarray(solution, dtype=np.int64))

    def describe(self) -> str:
        o, i = self.W.shape
        return f"quantization {self.name}: {o}x{i} weights, {self.X.shape[0]} calibration samples, {self.bits} bits"

    def start_points(self, deadline: float | None = None) -> dict[str, list[np.ndarray]]:
        """RTN, and GPTQ as far as ``deadline`` lets it go (see :func:`gptq`)."""
        stats: dict = {}
        out = {"rtn": list(rtn(self.W, self.scale, self.zero, self.bits)),
               "gptq": list(gptq(self.W, self.X, self.scale, self.zero, self.bits, deadline=deadline, stats=stats))}
        notes = self.__dict__.setdefault("_start_notes", {})
        n = self.W.shape[1]
        if stats["columns"] < n:
            notes["gptq_cut"] = (f"{stats['columns']} of {n} columns, the rest rounded to nearest (stopped at the time "
                                 f"limit)")
        else:
            notes.pop("gptq_cut", None)
        return out

    def fallback_start(self) -> tuple[str, list[np.ndarray]]:
        """Round to nearest."""
        return "rtn", list(rtn(self.W, self.scale, self.zero, self.bits))

    def metrics(self, Q) -> dict:
        """Mean / max row L-inf output error and the sum of squared output errors."""
        Q = np.asarray(Q)

        def compute() -> dict:
            E = self.X @ (dequantize(Q, self.scale, self.zero) - self.W).T  # samples x out
            row = np.max(np.abs(E), axis=0)
            return {"mean_row_linf": float(row.mean()), "max_row_linf": float(row.max()),
                    "sse": float(np.sum(E * E))}
        return dict(memo_by_content(self, "_metrics_memo", Q, compute))

    def evaluate(self, solution) -> Evaluation:
        try:
            Q = np.asarray(solution)
        except (TypeError, ValueError):
            return Evaluation(None, False, ["solution is not a matrix of integer codes"])
        if Q.shape != self.W.shape:
            return Evaluation(None, False, [f"expected codes of shape {self.W.shape}, got {Q.shape}"])
        if Q.dtype.kind == "f" and (not np.all(np.isfinite(Q)) or np.any(Q != np.round(Q))):
            return Evaluation(None, False, ["codes must be integers"])
        if Q.dtype.kind not in "iuf":
            return Evaluation(None, False, ["codes must be integers"])
        Q = Q.astype(np.int64)
        bad = np.argwhere((Q < 0) | (Q > self.maxq))
        viol = [f"code ({r}, {c}) = {Q[r, c]} is outside 0..{self.maxq}" for r, c in bad[:20]]
        if len(bad) > 20:
            viol.append(f"... and {len(bad) - 20} more")
        return Evaluation(self.metrics(np.clip(Q, 0, self.maxq))["mean_row_linf"], len(bad) == 0, viol)

    def report(self, solution) -> dict:
        return self.metrics(solution)

    def dequantized(self, Q) -> np.ndarray:
        return dequantize(Q, self.scale, self.zero)

    def solution_to_json(self, solution):
        return np.asarray(solution, dtype=np.int64).tolist()

    def solution_from_json(self, data, path=None):
        if isinstance(data, dict):
            data = data.get("solution")
        if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
            raise InputError(path, "expected 'solution' to be a list of rows of integer codes")
        if not all(isinstance(v, int) and not isinstance(v, bool) for r in data for v in r):
            raise InputError(path, "the codes must be integers")
        try:
            return np.asarray(data, dtype=np.int64)
        except (TypeError, ValueError):
            raise InputError(path, "the rows of codes must all have the same length") from None


# ---------------------------------------------------------------------------------------
# files: .npy and .safetensors (header parsed with json, data with numpy; no torch)
# ---------------------------------------------------------------------------------------
def load_npy(path: Path, max_entries: int = MAX_ENTRIES) -> np.ndarray:
    """A numeric 2-D array from ``.npy`` without pickle, size checked from the header first."""
    from numpy.lib import format as npformat

    try:
        with open(path, "rb") as f:
            version = npformat.read_magic(f)
            hdr = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
            shape, _, dtype = hdr(f)
    except NPY_ERRORS as e:
        raise InputError(path, f"not a readable .npy file ({str(e)[:80]})") from None
    if len(shape) != 2:
        raise InputError(path, f"expected a 2-D array, got shape {shape}")
    if shape[0] * shape[1] > max_entries or min(shape) < 1:
        raise InputError(path, f"array of shape {shape} is empty or too large (limit {max_entries} entries)")
    if dtype.kind not in "biuf":
        raise InputError(path, f"expected a numeric array, got dtype {dtype}")
    try:
        a = np.load(path, allow_pickle=False).astype(np.float64)
    except NPY_ERRORS as e:
        raise InputError(path, f"truncated or corrupt .npy data ({str(e)[:80]})") from None
    if not np.all(np.isfinite(a)):
        raise InputError(path, "array has non-finite entries")
    return a


def _whole(v) -> bool:
    """A JSON integer (``true`` / ``false`` are not)."""
    return isinstance(v, int) and not isinstance(v, bool)


def safetensors_index(path: Path) -> dict:
    """The header of a ``.safetensors`` file: ``{name: {dtype, shape, data_offsets}}`` (checked)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            raise InputError(path, "too short for a safetensors file (no 8-byte header length)")
        (hlen,) = struct.unpack("<Q", raw)
        if hlen > MAX_HEADER or 8 + hlen > size:
            raise InputError(path, f"safetensors header length {hlen} does not fit the file ({size} bytes)")
        try:
            header = json.loads(f.read(hlen).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: bad JSON, integers of 4300+ digits
            raise InputError(path, "safetensors header is not valid JSON") from None
    if not isinstance(header, dict):
        raise InputError(path, "safetensors header must be a JSON object")
    data_len = size - 8 - hlen
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(meta, dict) or not {"dtype", "shape", "data_offsets"} <= set(meta):
            raise InputError(path, f"tensor {name!r}: expected dtype, shape and data_offsets")
        dt, shape, off = meta["dtype"], meta["shape"], meta["data_offsets"]
        if not isinstance(dt, str) or dt not in _ST_DTYPES:
            raise InputError(path, f"tensor {name!r}: unsupported dtype {dt!r}")
        if not (isinstance(shape, list) and all(_whole(s) and s >= 0 for s in shape)):
            raise InputError(path, f"tensor {name!r}: shape must be a list of non-negative integers")
        if not (isinstance(off, list) and len(off) == 2 and all(_whole(o) for o in off)
                and 0 <= off[0] <= off[1] <= data_len):
            raise InputError(path, f"tensor {name!r}: data_offsets outside the data section")
        itemsize = 2 if dt == "BF16" else np.dtype(_ST_DTYPES[dt]).itemsize
        if off[1] - off[0] != math.prod(shape) * itemsize:
            raise InputError(path, f"tensor {name!r}: {off[1] - off[0]} bytes do not match shape {shape} of {dt}")
        out[name] = {"dtype": dt, "shape": shape, "data_offsets": off}
    return {"tensors": out, "data_start": 8 + hlen}


def load_safetensors(path: Path, tensor: str | None = None, max_entries: int = MAX_ENTRIES) -> tuple[str, np.ndarray]:
    """One 2-D tensor from a ``.safetensors`` file as float64 (numpy only; BF16 widened)."""
    idx = safetensors_index(path)
    tensors = idx["tensors"]
    if tensor is None:
        two_d = [k for k, v in tensors.items() if len(v["shape"]) == 2]
        if len(two_d) != 1:
            raise InputError(path, f"holds {len(two_d)} 2-D tensors; name one with 'tensor' "
                                   f"(have: {', '.join(sorted(tensors))[:200]})")
        tensor = two_d[0]
    if tensor not in tensors:
        raise InputError(path, f"no tensor {tensor!r}; have: {', '.join(sorted(tensors))[:200]}")
    meta = tensors[tensor]
    shape = meta["shape"]
    if len(shape) != 2 or min(shape) < 1:
        raise InputError(path, f"tensor {tensor!r} has shape {shape}; expected a non-empty 2-D weight matrix")
    if math.prod(shape) > max_entries:
        raise InputError(path, f"tensor {tensor!r} of shape {shape} is too large (limit {max_entries} entries)")
    a, b = meta["data_offsets"]
    with open(path, "rb") as f:
        f.seek(idx["data_start"] + a)
        raw = f.read(b - a)
    if meta["dtype"] == "BF16":
        u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        arr = u.view(np.float32).astype(np.float64)
    else:
        arr = np.frombuffer(raw, dtype=_ST_DTYPES[meta["dtype"]]).astype(np.float64)
    arr = arr.reshape(shape)
    if not np.all(np.isfinite(arr)):
        raise InputError(path, f"tensor {tensor!r} has non-finite entries")
    return tensor, arr


def save_safetensors(path, tensors: dict[str, np.ndarray]) -> None:
    """Write float32/float64 numpy arrays as a ``.safetensors`` file (for examples and tests)."""
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        a = np.ascontiguousarray(arr)
        dt = {"float64": "F64", "float32": "F32"}.get(str(a.dtype))
        if dt is None:
            a = a.astype(np.float32)
            dt = "F32"
        b = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def load_weights(path: Path, tensor: str | None = None) -> tuple[str, np.ndarray]:
    """Weights from ``.npy`` or ``.safetensors``; returns ``(name, array)``."""
    if path.suffix.lower() == ".safetensors":
        return load_safetensors(path, tensor)
    if tensor is not None:
        raise InputError(path, "'tensor' applies to .safetensors files only")
    return path.stem, load_npy(path)


def from_spec(spec) -> QuantizationLayer:
    """Build a quantization instance from a parsed TOML spec."""
    spec.check_keys(("weights", "tensor", "activations", "bits", "transpose", "max_samples"))
    wpath = spec.file("weights")
    tensor = spec.string("tensor") if spec.has("tensor") else None
    if tensor is not None and wpath.suffix.lower() != ".safetensors":
        raise spec.error("tensor", "'tensor' applies to .safetensors weights only")
    try:
        tname, W = load_weights(wpath, tensor)
    except InputError as e:  # name both files: the spec (and its line) and the weights
        raise spec.error("weights", f"'weights': {e}") from None
    if spec.data.get("transpose", False) is True:
        W = W.T
    elif spec.has("transpose") and not isinstance(spec.data["transpose"], bool):
        raise spec.error("transpose", "'transpose' must be true or false")
    apath = spec.file("activations")  # a missing key is the spec's own error (not wrapped below)
    try:
        X = load_npy(apath)
    except InputError as e:
        raise spec.error("activations", f"'activations': {e}") from None
    ms = spec.integer("max_samples", 0, lo=0)
    if ms:
        X = X[:ms]
    bits = spec.integer("bits", lo=1, hi=16)
    if X.shape[1] != W.shape[1]:
        hint = ("(with transpose = true the weights are read as in x out: their rows are the inputs)"
                if spec.data.get("transpose") else "(use transpose = true for in x out weights)")
        raise spec.error("activations", f"activations have {X.shape[1]} features but the weights have "
                                        f"{W.shape[1]} inputs {hint}")
    if _overflows(W, X):
        raise spec.error("weights", f"'weights' (max |w| {np.max(np.abs(W)):.3g}) times 'activations' (max |x| "
                                    f"{np.max(np.abs(X)):.3g}) over {W.shape[1]} inputs overflow; expected magnitudes "
                                    f"whose output sums stay below {MAX_OUTPUT:g}")
    if W.shape[1] << bits > MAX_DOMAIN_VALUES:  # each output row is a model of one 2**bits-code domain per input
        raise spec.error("bits", f"'bits' = {bits} over {W.shape[1]} inputs gives {W.shape[1] << bits} codes per "
                                 f"output row; at most {MAX_DOMAIN_VALUES} are supported (fewer bits)")
    name = spec.string("name", f"{spec.path.stem}-{tname}")
    return QuantizationLayer(W, X, bits, name, str(spec.path))


# ---------------------------------------------------------------------------------------
# a real model without downloads: an MLP on scikit-learn's bundled digits
# ---------------------------------------------------------------------------------------
def digits_mlp(hidden: int = 64, seed: int = 0):
    """Train a small MLP on sklearn's digits; returns ``(model, X_train, X_test, y_train, y_test)``."""
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)
    clf = MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=400, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    return clf, Xtr, Xte, ytr, yte


def mlp_layers(clf, X_calib) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(W out x in, calibration activations)`` of each layer of a fitted ``MLPClassifier``.

    Activations are those of the float model (ReLU hidden layers).
    """
    out = []
    a = np.asarray(X_calib, dtype=np.float64)
    for q, (Wt, b) in enumerate(zip(clf.coefs_, clf.intercepts_, strict=True)):
        out.append((Wt.T.copy(), a.copy()))
        a = a @ Wt + b
        if q < len(clf.coefs_) - 1:
            a = np.maximum(a, 0.0)
    return out


def mlp_accuracy(clf, weights: list[np.ndarray], X, y) -> float:
    """Accuracy of the MLP with its layer weights replaced by ``weights`` (each out x in)."""
    a = np.asarray(X, dtype=np.float64)
    for q, (W, b) in enumerate(zip(weights, clf.intercepts_, strict=True)):
        a = a @ W.T + b
        if q < len(weights) - 1:
            a = np.maximum(a, 0.0)
    return float(np.mean(clf.classes_[np.argmax(a, axis=1)] == y))
