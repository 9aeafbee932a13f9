"""Pure-numpy twin of :mod:`fastinfo._multivariate`.

The entropy of every subset the definition names, from ``np.unique`` counts.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from .._inputs import Base, IntArray, as_variable, check_estimator, check_same_length, log_base
from .._multivariate import MAX_INTERACTION_VARIABLES, table_variables
from ._samples import estimate_from_counts


def _counts(columns: list[IntArray]) -> npt.NDArray[np.int64]:
    """Counts of the distinct rows of the columns."""
    _, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return counts


def _entropy(columns: list[IntArray], estimator: str) -> float:
    if not columns:
        return 0.0
    return max(estimate_from_counts(_counts(columns), estimator), 0.0)


def _subset(variables: list[list[IntArray]], keep: tuple[int, ...]) -> list[IntArray]:
    return [c for i in keep for c in variables[i]]


def _entropies(
    variables: list[list[IntArray]], estimator: str
) -> tuple[list[float], float, list[float]]:
    """``H(X_i)`` for each ``i``, ``H(X)``, and ``H(X_{-i})`` for each ``i``."""
    d = len(variables)
    marginals = [_entropy(v, estimator) for v in variables]
    joint = _entropy(_subset(variables, tuple(range(d))), estimator)
    rest = [
        _entropy(_subset(variables, tuple(j for j in range(d) if j != i)), estimator)
        for i in range(d)
    ]
    return marginals, joint, rest


def total_correlation(X: Any, /, *, base: Base = None, estimator: str = "plugin") -> float:
    """``sum_i H(X_i) - H(X)`` (see :func:`fastinfo.total_correlation`)."""
    variables = table_variables(X)
    scale = log_base(base)
    e = check_estimator(estimator)
    marginals = [_entropy(v, e) for v in variables]
    joint = _entropy(_subset(variables, tuple(range(len(variables)))), e)
    return max(sum(marginals) - joint, 0.0) / scale


def dual_total_correlation(X: Any, /, *, base: Base = None, estimator: str = "plugin") -> float:
    """``sum_i H(X_{-i}) - (d - 1) H(X)`` (see :func:`fastinfo.dual_total_correlation`)."""
    variables = table_variables(X)
    scale = log_base(base)
    _, joint, rest = _entropies(variables, check_estimator(estimator))
    return max(sum(rest) - (len(variables) - 1) * joint, 0.0) / scale


def o_information(X: Any, /, *, base: Base = None, estimator: str = "plugin") -> float:
    """``(d - 2) H(X) + sum_i (H(X_i) - H(X_{-i}))`` (see :func:`fastinfo.o_information`)."""
    variables = table_variables(X)
    scale = log_base(base)
    marginals, joint, rest = _entropies(variables, check_estimator(estimator))
    d = len(variables)
    return ((d - 2) * joint + sum(marginals) - sum(rest)) / scale


def interaction_information(
    *variables: npt.ArrayLike, base: Base = None, estimator: str = "plugin"
) -> float:
    """``(-1)**d * sum_S (-1)**(|S| + 1) H(X_S)`` (see :func:`fastinfo.interaction_information`)."""
    if not 2 <= len(variables) <= MAX_INTERACTION_VARIABLES:
        raise TypeError(
            f"interaction_information() needs 2 to {MAX_INTERACTION_VARIABLES} variables, "
            f"got {len(variables)}"
        )
    coerced = [as_variable(v, f"variables[{i}]") for i, v in enumerate(variables)]
    check_same_length(*coerced)
    scale = log_base(base)
    e = check_estimator(estimator)
    columns = [v.columns for v in coerced]
    d = len(columns)
    co_information = 0.0
    for size in range(1, d + 1):
        for keep in combinations(range(d), size):
            co_information += (-1) ** (size + 1) * _entropy(_subset(columns, keep), e)
    sign = 1.0 if d % 2 == 0 else -1.0
    return sign * co_information / scale
