"""Pure-numpy twin of :mod:`fastinfo._renyi`: the formulas on the empirical probabilities."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._inputs import Base, as_variable, log_base
from .._renyi import check_order
from ._multivariate import _counts


def _probabilities(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    variable = as_variable(x, "x")
    counts = _counts(variable.columns).astype(np.float64)
    probabilities: npt.NDArray[np.float64] = counts / counts.sum()
    return probabilities


def renyi_entropy(x: npt.ArrayLike, /, *, alpha: float, base: Base = None) -> float:
    """``log(sum p**alpha) / (1 - alpha)`` (see :func:`fastinfo.renyi_entropy`)."""
    order = check_order(alpha, "alpha")
    p = _probabilities(x)
    scale = log_base(base)
    if order == 1:
        value = -np.sum(p * np.log(p))
    elif order == 0:
        value = np.log(p.size)
    elif np.isinf(order):
        value = -np.log(p.max())
    else:
        value = np.log(np.sum(p**order)) / (1 - order)
    return max(float(value), 0.0) / scale


def tsallis_entropy(x: npt.ArrayLike, /, *, q: float) -> float:
    """``(1 - sum p**q) / (q - 1)`` (see :func:`fastinfo.tsallis_entropy`)."""
    order = check_order(q, "q")
    p = _probabilities(x)
    value = 0.0
    if order == 1:
        value = float(-np.sum(p * np.log(p)))
    elif not np.isinf(order):
        value = float((1 - np.sum(p**order)) / (order - 1))
    return max(float(value), 0.0)
