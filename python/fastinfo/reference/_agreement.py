"""Pure-numpy twin of :mod:`fastinfo._agreement`: the textbook formulas, term by term.

- ``NMI = I / mean(H(X), H(Y))``;
- ``AMI = (I - E[I]) / (mean(H(X), H(Y)) - E[I])`` with the expected MI of Vinh, Epps & Bailey
  (2010), eq. 24a: a triple sum over rows, columns and cell counts of
  ``(k / n) log(k n / (a b)) * exp(log-gammas)`` -- scikit-learn's formula;
- ``VI = H(X | Y) + H(Y | X)``.

Special cases follow scikit-learn (see :func:`fastinfo.adjusted_mutual_information`).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .._agreement import check_average
from .._inputs import Variable, as_variable, check_same_length, log_base
from ._samples import _cell_codes, conditional_entropy, mutual_information


def _mean(u: float, v: float, average: str) -> float:
    if average == "min":
        return min(u, v)
    if average == "geometric":
        return math.sqrt(u * v)
    if average == "arithmetic":
        return (u + v) / 2
    return max(u, v)


def _margins(vx: Variable, vy: Variable) -> tuple[np.ndarray, np.ndarray, int]:
    """Cluster sizes of x and of y, and the number of non-empty cells of their table."""
    x, y = _cell_codes(vx), _cell_codes(vy)
    cells = np.unique(_cell_codes(vx, vy)).size
    return np.bincount(x), np.bincount(y), int(cells)


def _entropy(sizes: np.ndarray) -> float:
    p = sizes / sizes.sum()
    return float(-np.sum(p * np.log(p)))


def expected_mutual_information(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Expected MI (nats) of random labelings with cluster sizes ``a`` and ``b`` (same total)."""
    rows = np.asarray(a, dtype=np.int64)
    columns = np.asarray(b, dtype=np.int64)
    n = int(rows.sum())
    log_factorial = np.vectorize(lambda k: math.lgamma(k + 1.0), otypes=[float])
    emi = 0.0
    for ai in rows.tolist():
        for bj in columns.tolist():
            k = np.arange(max(1, ai + bj - n), min(ai, bj) + 1)
            if k.size == 0:
                continue
            log_p = (
                math.lgamma(ai + 1)
                + math.lgamma(bj + 1)
                + math.lgamma(n - ai + 1)
                + math.lgamma(n - bj + 1)
                - math.lgamma(n + 1)
                - log_factorial(k)
                - log_factorial(ai - k)
                - log_factorial(bj - k)
                - log_factorial(n - ai - bj + k)
            )
            emi += float(np.sum(k / n * np.log(k * n / (ai * bj)) * np.exp(log_p)))
    return emi


def normalized_mutual_information(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, average: str = "arithmetic"
) -> float:
    """Normalised MI (see :func:`fastinfo.normalized_mutual_information`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    average = check_average(average)
    a, b, cells = _margins(vx, vy)
    if cells == a.size == b.size:
        return 1.0
    mi = mutual_information(x, y)
    if mi == 0.0:
        return 0.0
    return mi / _mean(_entropy(a), _entropy(b), average)


def adjusted_mutual_information(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, average: str = "arithmetic"
) -> float:
    """Adjusted MI (see :func:`fastinfo.adjusted_mutual_information`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    average = check_average(average)
    a, b, cells = _margins(vx, vy)
    if a.size == b.size == 1:
        return 1.0
    if a.size == 1 or b.size == 1:
        return 0.0
    if cells == a.size == b.size:
        return 1.0
    mi = mutual_information(x, y)
    emi = expected_mutual_information(a, b)
    eps = float(np.finfo(np.float64).eps)
    denominator = _mean(_entropy(a), _entropy(b), average) - emi
    numerator = mi - emi
    denominator = min(denominator, -eps) if denominator < 0 else max(denominator, eps)
    numerator = min(numerator, -eps) if numerator < 0 else max(numerator, eps)
    return numerator / denominator


def variation_of_information(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, base: float | None = None
) -> float:
    """Variation of information (see :func:`fastinfo.variation_of_information`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    scale = log_base(base)
    return (conditional_entropy(x, y) + conditional_entropy(y, x)) / scale
