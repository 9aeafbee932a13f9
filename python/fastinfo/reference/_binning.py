"""Pure-numpy twin of :mod:`fastinfo._binning`.

Edges come straight from ``np.histogram_bin_edges`` on the whole column (the fast path computes
equal-width edges from the range its Rust pass finds), labels from ``np.digitize`` (the fast path
locates bins arithmetically), and the differential entropy from the occupied cells of the joint
histogram found by ``np.unique`` (the fast path sums per-column width terms). Argument checks are
shared with the fast path.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .._binning import (
    Binner,
    BinsLike,
    CheckedBins,
    Continuous,
    Edges,
    as_continuous,
    check_bins,
    check_span,
    check_strategy,
    fixed_edges,
    label_dtype,
    quantile_edges,
    rule_edges,
)
from .._inputs import Base, log_base
from .._knn import entropy_estimator, refuse_knn_options
from .._significance import seed_alias
from . import _knn


def _check_finite(column: npt.NDArray[Any], name: str) -> None:
    finite = np.isfinite(column)
    if not finite.all():
        i = int(np.argmin(finite))
        value = column[i]
        if np.isnan(value):
            raise ValueError(
                f"{name} contains NaN at index {i}; drop or fill missing values before binning"
            )
        raise ValueError(
            f"{name} contains {float(value)!r} at index {i}; infinite values have no histogram bin "
            "(drop them, or clip to a finite range)"
        )


def _column_edges(column: npt.NDArray[Any], name: str, bins: CheckedBins, strategy: str) -> Edges:
    if isinstance(bins, np.ndarray):
        return bins
    _check_finite(column, name)
    check_span(float(column.min()), float(column.max()), column.dtype, name)
    if strategy == "quantile":
        count = bins if isinstance(bins, int) else len(rule_edges(column, bins, name)) - 1
        return quantile_edges(column, count)
    if isinstance(bins, str):
        return rule_edges(column, bins, name)
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.histogram_bin_edges(column, bins=bins)
    except ValueError as exc:
        raise ValueError(f"bins={bins} is too many for the range of {name}: {exc}") from None


def _digitize(column: npt.NDArray[Any], name: str, edges: Edges) -> npt.NDArray[np.int64]:
    """``np.digitize`` against the inner edges, after refusing samples outside the outer ones."""
    _check_finite(column, name)
    wide = column.astype(np.float64)
    lo, hi = float(edges[0]), float(edges[-1])
    outside = (wide < lo) | (wide > hi)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(
            f"{name} has the value {float(wide[i])!r} at index {i}, outside the bin edges "
            f"[{lo!r}, {hi!r}]; widen the edges or clip the values"
        )
    inner = np.asarray(edges, dtype=np.float64)[1:-1]
    return np.digitize(wide, inner).astype(np.int64)


def _discretize_named(
    x: Any, name: str, bins: CheckedBins, strategy: str
) -> tuple[npt.NDArray[np.unsignedinteger[Any]], Edges | list[Edges]]:
    samples = as_continuous(x, name)
    columns = [samples.column(j) for j in range(samples.columns)]
    edges = [_column_edges(c, n, bins, strategy) for c, n in zip(columns, samples.names)]
    labels = [_digitize(c, n, e) for c, n, e in zip(columns, samples.names, edges)]
    dtype = label_dtype(max(len(e) - 1 for e in edges))
    if samples.two_dimensional:
        return np.column_stack(labels).astype(dtype), edges
    return labels[0].astype(dtype), edges[0]


def discretize(
    x: npt.ArrayLike,
    /,
    *,
    bins: BinsLike = "fd",
    strategy: str = "uniform",
    range: tuple[float, float] | None = None,
) -> tuple[npt.NDArray[np.unsignedinteger[Any]], Edges | list[Edges]]:
    """Histogram bin of every sample, and the edges (see :func:`fastinfo.discretize`)."""
    checked = check_bins(fixed_edges(bins, range))
    chosen = check_strategy(strategy, checked)
    return _discretize_named(x, "x", checked, chosen)


def _log_widths(samples: Continuous, edges: list[Edges]) -> list[npt.NDArray[np.float64]]:
    return [np.log(np.diff(np.asarray(e, dtype=np.float64))) for e in edges]


def differential_entropy(
    x: npt.ArrayLike,
    /,
    *,
    estimator: str | None = None,
    bins: BinsLike | None = None,
    k: int | None = None,
    norm: str | None = None,
    base: Base = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
) -> float:
    """Differential entropy h(X) (see :func:`fastinfo.differential_entropy`).

    Histogram: ``-sum_cells p log(p / volume)`` over the occupied cells of the joint histogram.
    Kozachenko-Leonenko: :func:`fastinfo.reference._knn.differential_entropy`.
    """
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    method = entropy_estimator(estimator, bins)
    if method == "kl":
        return _knn.differential_entropy(x, k=k, norm=norm, base=base, jitter=jitter, seed=seed)
    refuse_knn_options(method, k=k, norm=norm, jitter=jitter, seed=seed)
    checked = check_bins("fd" if bins is None else bins)
    scale = log_base(base)
    samples = as_continuous(x, "x")
    matrix = samples.array.reshape(samples.array.shape[0], -1)
    if np.any(matrix.min(axis=0) == matrix.max(axis=0)):
        return -math.inf  # a constant column: a point mass, no density
    labels, edges = _discretize_named(samples.array, "x", checked, "uniform")
    edge_list = edges if isinstance(edges, list) else [edges]
    cells, counts = np.unique(
        np.asarray(labels).reshape(samples.array.shape[0], -1), axis=0, return_counts=True
    )
    log_widths = _log_widths(samples, edge_list)
    log_volume = sum(w[cells[:, j]] for j, w in enumerate(log_widths))
    p = counts / counts.sum()
    return float(-np.sum(p * (np.log(p) - log_volume))) / scale


def binner(bins: object) -> Binner:
    """The reference twin of :func:`fastinfo._binning.binner`."""
    return Binner(bins, _discretize_named)
