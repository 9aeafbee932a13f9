"""Pure-numpy twin of :mod:`fastinfo._dataset`: one pairwise call per entry."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._dataset import _check_normalized, _labelled, as_columns
from .._inputs import Base, as_variable, check_estimator, check_memory, log_base


def _average(average: str, a: float, b: float) -> float:
    """scikit-learn's ``_generalized_average``."""
    if average == "min":
        return min(a, b)
    if average == "geometric":
        return float(np.sqrt(a * b))
    if average == "arithmetic":
        return float(np.mean([a, b]))
    return max(a, b)


def mutual_information_matrix(
    X: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    normalized: str | None = None,
) -> Any:
    """All-pairs mutual information (see :func:`fastinfo.mutual_information_matrix`)."""
    from . import entropy, mutual_information

    columns, names = as_columns(X)
    scale = log_base(base)
    e = check_estimator(estimator)
    average = _check_normalized(normalized)
    d = len(columns)
    check_memory(8 * d * d, f"a {d} x {d} float64 matrix")
    out = np.empty((d, d))
    for i in range(d):
        out[i, i] = entropy(columns[i], estimator=e)
        for j in range(i + 1, d):
            out[i, j] = out[j, i] = mutual_information(columns[i], columns[j], estimator=e)
    if average is not None:
        distinct = [np.unique(c).size for c in columns]
        entropies = np.diag(out).copy()
        for i in range(d):
            for j in range(d):
                if i == j or distinct[i] == distinct[j] == 1:
                    out[i, j] = 1.0
                elif out[i, j] != 0.0:
                    scale_ij = _average(average, entropies[i], entropies[j])
                    out[i, j] = out[i, j] / scale_ij if scale_ij > 0 else 0.0
    else:
        out /= scale
    return _labelled(out, names)


def mutual_information_with(
    X: Any,
    y: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """Information of every column with a target (see :func:`fastinfo.mutual_information_with`)."""
    from . import mutual_information

    columns, names = as_columns(X)
    target = as_variable(y, "y")
    if target.two_dimensional:
        raise ValueError(f"y must be 1-D (n_samples,), got shape {np.shape(y)}")
    if target.n != columns[0].shape[0]:
        raise ValueError(
            f"y has {target.n} samples but X has {columns[0].shape[0]}: X and y must have the "
            "same number of samples"
        )
    scale = log_base(base)
    e = check_estimator(estimator)
    scores = np.array([mutual_information(c, target.columns[0], estimator=e) for c in columns])
    return _labelled(scores / scale, names)
