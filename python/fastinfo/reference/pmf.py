"""Pure-numpy twin of :mod:`fastinfo.pmf`: the same functions, one obvious formula each."""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .._inputs import check_bool, log_base
from ..pmf import as_weights, to_rows

__all__ = ["cross_entropy", "entropy", "js_divergence", "kl_divergence"]

Base = Union[float, int, None]
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
    with np.errstate(over="ignore"):
        overflow = ~np.isfinite(sums)
    if overflow.any():
        peak = rows.max(axis=1, keepdims=True)
        sums = np.where(overflow, peak[:, 0] * (rows / peak).sum(axis=1), sums)
    normalized: Rows = rows / sums[:, None]
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
    m = 0.5 * (prows + qrows)
    total = _relative_entropy(prows, m).sum(axis=1) + _relative_entropy(qrows, m).sum(axis=1)
    values = np.clip(0.5 * total, 0.0, np.log(2))
    return _finish(values, batch, scale)
