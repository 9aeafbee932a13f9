"""Pure-numpy twin of :mod:`fastinfo.pmf`: the same functions, one obvious formula each."""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .._inputs import Base, check_bool, check_memory, log_base
from .._pmf import METRICS, _matrices, as_weights, check_neighbours, to_rows
from .._renyi import check_order

__all__ = [
    "METRICS",
    "cross_entropy",
    "entropy",
    "js_divergence",
    "kl_divergence",
    "nearest",
    "pairwise",
    "renyi_entropy",
    "tsallis_entropy",
]

Result = Union[float, npt.NDArray[np.float64]]
Rows = npt.NDArray[np.float64]

SUM_TOLERANCE = 1e-6


def _normalized(rows: Rows, name: str, normalize: bool) -> Rows:
    """Check every row (finite, non-negative, not all zero) and divide it by its sum."""
    bad = ~(np.isfinite(rows) & (rows >= 0))
    if bad.any():
        row, index = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name}: row {row} has an invalid weight {rows[row, index]} at position {index}; "
            "weights must be finite and non-negative"
        )
    with np.errstate(over="ignore"):
        sums = rows.sum(axis=1)
    if (sums == 0).any():
        row = int(np.argmax(sums == 0))
        raise ValueError(f"{name}: row {row} sums to zero and cannot be normalised")
    if not normalize:
        off = np.abs(sums - 1) > SUM_TOLERANCE
        if off.any():
            row = int(np.argmax(off))
            raise ValueError(f"{name}: row {row} sums to {sums[row]}, not 1")
        return rows
    # Finite weights whose sum overflows: divide by the largest weight first, then by the sum.
    overflow = ~np.isfinite(sums)
    first = np.where(overflow, rows.max(axis=1), sums)
    scaled = rows / first[:, None]
    second = np.where(overflow, scaled.sum(axis=1), 1.0)
    normalized: Rows = scaled / second[:, None]
    return normalized


def _relative_entropy(x: Rows, y: Rows) -> Rows:
    """Elementwise ``x log(x / y)``, with the conventions of :mod:`fastinfo.pmf`.

    0 where x = 0, inf where y = 0 < x, and ``x (log x - log y)`` where the ratio is not a normal
    float (subnormal or overflowing).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        ratio = x / y
        direct = x * np.log(ratio)
        split = x * (np.log(x) - np.log(y))
        normal = np.isfinite(ratio) & (np.abs(ratio) >= np.finfo(np.float64).tiny)
        value = np.where(normal, direct, split)
    value = np.where(x == 0, 0.0, value)
    return np.where((x > 0) & (y == 0), np.inf, value)


def _prepare(
    p: npt.ArrayLike, q: Any, axis: int, normalize: bool
) -> tuple[Rows, Any, tuple[int, ...]]:
    normalize = check_bool(normalize, "normalize")
    pa = as_weights(p, "p")
    if q is None:
        rows, batch = to_rows(pa, axis, "p")
        return _normalized(rows, "p", normalize), None, batch
    qa = as_weights(q, "q")
    try:
        pa, qa = np.broadcast_arrays(pa, qa)
    except ValueError:
        raise ValueError(
            f"p and q must have broadcastable shapes, got {pa.shape} and {qa.shape}"
        ) from None
    prows, batch = to_rows(pa, axis, "p")
    qrows, _ = to_rows(qa, axis, "q")
    return _normalized(prows, "p", normalize), _normalized(qrows, "q", normalize), batch


def _finish(values: Rows, batch: tuple[int, ...], scale: float) -> Result:
    values = values / scale
    return float(values[0]) if batch == () else values.reshape(batch)


def entropy(
    p: npt.ArrayLike, /, *, base: Base = None, axis: int = -1, normalize: bool = True
) -> Result:
    """Entropy ``-sum p log p`` (see :func:`fastinfo.pmf.entropy`)."""
    scale = log_base(base)
    prows, _, batch = _prepare(p, None, axis, normalize)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(prows > 0, -prows * np.log(prows), 0.0)
    return _finish(terms.sum(axis=1), batch, scale)


def cross_entropy(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Cross-entropy ``-sum p log q`` (see :func:`fastinfo.pmf.cross_entropy`)."""
    scale = log_base(base)
    prows, qrows, batch = _prepare(p, q, axis, normalize)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(prows > 0, -prows * np.log(qrows), 0.0)
    return _finish(terms.sum(axis=1), batch, scale)


def kl_divergence(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """KL divergence ``sum p log(p / q)`` (see :func:`fastinfo.pmf.kl_divergence`)."""
    scale = log_base(base)
    prows, qrows, batch = _prepare(p, q, axis, normalize)
    values = np.maximum(_relative_entropy(prows, qrows).sum(axis=1), 0.0)
    return _finish(values, batch, scale)


def js_divergence(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Jensen-Shannon divergence (see :func:`fastinfo.pmf.js_divergence`)."""
    scale = log_base(base)
    prows, qrows, batch = _prepare(p, q, axis, normalize)
    # x log(x / m) with m = (x + y) / 2, written as x log(2x / (x + y)) so a subnormal x + y
    # cannot round m to zero.
    s = prows + qrows
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(prows > 0, prows * np.log(2 * prows / s), 0.0)
        right = np.where(qrows > 0, qrows * np.log(2 * qrows / s), 0.0)
    total = left.sum(axis=1) + right.sum(axis=1)
    values = np.clip(0.5 * total, 0.0, np.log(2))
    return _finish(values, batch, scale)


def _metric_row(metric: str, p: Rows, q: Rows) -> Any:
    """``metric(p, q[j])`` for every row ``q[j]``: the textbook formula, broadcast."""
    p = np.broadcast_to(p, q.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "kl":
            return np.maximum(_relative_entropy(p, q).sum(axis=1), 0.0)
        if metric == "cross_entropy":
            return np.where(p > 0, -p * np.log(q), 0.0).sum(axis=1)
        if metric == "jeffreys":
            return _relative_entropy(p, q).sum(axis=1) + _relative_entropy(q, p).sum(axis=1)
        if metric == "js":
            s = p + q
            left = np.where(p > 0, p * np.log(2 * p / s), 0.0)
            right = np.where(q > 0, q * np.log(2 * q / s), 0.0)
            return np.clip(0.5 * (left + right).sum(axis=1), 0.0, np.log(2))
        if metric == "hellinger":
            # H = ||sqrt(p) - sqrt(q)|| / sqrt(2), which equals sqrt(1 - sum sqrt(p q)).
            squares = ((np.sqrt(p) - np.sqrt(q)) ** 2).sum(axis=1)
            return np.sqrt(np.clip(0.5 * squares, 0.0, 1.0))
        if metric == "bhattacharyya":
            coefficient = (np.sqrt(p) * np.sqrt(q)).sum(axis=1)
            identical = (p == q).all(axis=1)
            return np.where(identical, 0.0, np.maximum(-np.log(coefficient), 0.0))
        if metric == "total_variation":
            return np.minimum(0.5 * np.abs(p - q).sum(axis=1), 1.0)
    raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")


def pairwise(
    P: npt.ArrayLike,
    Q: npt.ArrayLike | None = None,
    /,
    *,
    metric: str = "kl",
    base: Base = None,
    normalize: bool = True,
) -> Rows:
    """Matrix of ``metric(P[i], Q[j])`` (see :func:`fastinfo.pmf.pairwise`), one row at a time."""
    pm, qm, name, scale, flag = _matrices(P, Q, metric, base, normalize)
    n, m = pm.shape[0], qm.shape[0]
    check_memory(8 * n * m, f"a {n} x {m} float64 matrix")
    pn = _normalized(pm, "P", flag)
    qn = _normalized(qm, "Q", flag)
    out = np.zeros((n, m))
    for i in range(n):
        out[i] = _metric_row(name, pn[i], qn)
    return out / scale


def nearest(
    P: npt.ArrayLike,
    Q: npt.ArrayLike,
    /,
    k: int,
    *,
    metric: str = "kl",
    base: Base = None,
    normalize: bool = True,
) -> tuple[npt.NDArray[np.int64], Rows]:
    """The ``k`` nearest rows of ``Q`` for each row of ``P`` (see :func:`fastinfo.pmf.nearest`)."""
    pm, qm, _, _, _ = _matrices(P, Q, metric, base, normalize)
    check_neighbours(k, len(qm), base)
    matrix = pairwise(pm, qm, metric=metric, base=base, normalize=normalize)
    order = np.argsort(matrix, axis=1, kind="stable")[:, :k]
    return order.astype(np.int64), np.take_along_axis(matrix, order, axis=1)


def _generalized(rows: Rows, order: float, renyi: bool) -> Rows:
    """Rényi (``renyi``) or Tsallis entropy of each normalised row, straight from the formulas."""
    out = np.empty(rows.shape[0])
    for r, row in enumerate(rows):
        p = row[row > 0]
        if order == 1:
            out[r] = -np.sum(p * np.log(p))
        elif renyi and order == 0:
            out[r] = np.log(p.size)
        elif renyi and np.isinf(order):
            out[r] = -np.log(p.max())
        elif renyi:
            out[r] = np.log(np.sum(p**order)) / (1 - order)
        elif np.isinf(order):
            out[r] = 0.0
        else:
            out[r] = (1 - np.sum(p**order)) / (order - 1)
    return np.maximum(out, 0.0)


def renyi_entropy(
    p: npt.ArrayLike,
    /,
    *,
    alpha: float,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Rényi entropy ``log(sum p**a) / (1 - a)`` (see :func:`fastinfo.pmf.renyi_entropy`)."""
    order = check_order(alpha, "alpha")
    scale = log_base(base)
    prows, _, batch = _prepare(p, None, axis, normalize)
    return _finish(_generalized(prows, order, True), batch, scale)


def tsallis_entropy(
    p: npt.ArrayLike, /, *, q: float, axis: int = -1, normalize: bool = True
) -> Result:
    """Tsallis entropy ``(1 - sum p**q) / (q - 1)`` (see :func:`fastinfo.pmf.tsallis_entropy`)."""
    order = check_order(q, "q")
    prows, _, batch = _prepare(p, None, axis, normalize)
    return _finish(_generalized(prows, order, False), batch, 1.0)
