"""Pure-numpy twin of :mod:`fastinfo._multivariate`: each quantity straight from its definition.

- Many variables: the entropy of every subset the definition names, from ``np.unique`` counts.
- Time series: the lagged columns of every trial are written out and stacked, and the quantity is
  :func:`fastinfo.reference.conditional_mutual_information` (or mutual information, conditional
  entropy) of those columns; local values from the counts of each observation's cells.
- Rényi and Tsallis entropies: the formulas on the empirical probabilities.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .._inputs import IntArray, as_variable, check_estimator, check_same_length, log_base
from .._multivariate import (
    MAX_INTERACTION_VARIABLES,
    Series,
    as_series,
    check_lag,
    check_local,
    check_order,
    check_same_layout,
    shape_result,
    table_variables,
)

__all__ = [
    "active_information_storage",
    "dual_total_correlation",
    "entropy_rate",
    "interaction_information",
    "o_information",
    "renyi_entropy",
    "total_correlation",
    "transfer_entropy",
    "transfer_entropy_matrix",
    "tsallis_entropy",
]

Base = Union[float, int, None]


def _counts(columns: list[IntArray]) -> npt.NDArray[np.int64]:
    """Counts of the distinct rows of the columns."""
    _, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return counts


def _entropy(columns: list[IntArray], estimator: str) -> float:
    from . import estimate_from_counts

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


# ---------------------------------------------------------------------------------------------
# Time series


def _lagged(trials: list[IntArray], lags: list[int], warmup: int) -> list[IntArray]:
    """For each lag, the column of ``x_{t - lag}`` over ``t = warmup .. n - 1`` of every trial."""
    return [np.concatenate([t[warmup - lag : t.shape[0] - lag] for t in trials]) for lag in lags]


def _local(a: list[IntArray], b: list[IntArray], c: list[IntArray], kind: str) -> IntArray:
    """Local values of every observation from the counts of its cells."""

    def cell_counts(columns: list[IntArray]) -> npt.NDArray[np.float64]:
        if not columns:
            return np.full(a[0].shape[0], float(a[0].shape[0]))
        _, inverse, counts = np.unique(
            np.column_stack(columns), axis=0, return_inverse=True, return_counts=True
        )
        return counts[inverse.reshape(-1)].astype(np.float64)

    n_abc, n_ac, n_bc, n_c = (
        cell_counts(a + b + c),
        cell_counts(a + c),
        cell_counts(b + c),
        cell_counts(c),
    )
    if kind == "entropy":
        values: IntArray = -np.log(n_ac / n_c)
        return values
    result: IntArray = np.log(n_abc * n_c / (n_ac * n_bc))
    return result


def _value(a: list[IntArray], b: list[IntArray], c: list[IntArray], kind: str, e: str) -> float:
    from . import conditional_entropy, conditional_mutual_information, mutual_information

    stack = np.column_stack
    if kind == "entropy":
        return conditional_entropy(stack(a), stack(c), estimator=e)
    if kind == "mutual":
        return mutual_information(stack(a), stack(b), estimator=e)
    return conditional_mutual_information(stack(a), stack(b), stack(c), estimator=e)


def _too_short(steps: int, warmup: int) -> None:
    if steps <= warmup:
        raise ValueError(
            f"history: series of {steps} steps are too short for a history (or delay) reaching "
            f"{warmup} steps back: at least {warmup + 1} steps are needed"
        )


def transfer_entropy(
    source: Any,
    target: Any,
    /,
    *,
    history: int = 1,
    source_history: int = 1,
    delay: int = 1,
    given: Any = None,
    local: bool = False,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """Transfer entropy as the CMI of lagged columns (see :func:`fastinfo.transfer_entropy`)."""
    k = check_lag(history, "history")
    l_ = check_lag(source_history, "source_history")
    u = check_lag(delay, "delay")
    scale = log_base(base)
    e = check_estimator(estimator)
    want_local = check_local(local, e)
    src, dst = as_series(source, "source"), as_series(target, "target")
    check_same_layout(dst, src)
    conditions: list[list[IntArray]] = []
    if given is not None:
        if dst.batch:
            raise ValueError("given is not available for a batch of series")
        conditions = as_series(given, "given").series
        check_same_layout(dst, as_series(given, "given"), batch=False)
    warmup = max(k, u + l_ - 1, 1 if conditions else 0)
    _too_short(dst.steps, warmup)
    values, locals_ = [], []
    for y, x in zip(src.series, dst.series):
        a = _lagged(x, [0], warmup)
        b = _lagged(y, [u + l_ - 1 - i for i in range(l_)], warmup)
        c = _lagged(x, [k - i for i in range(k)], warmup)
        c += [col for z in conditions for col in _lagged(z, [1], warmup)]
        values.append(_value(a, b, c, "conditional", e))
        if want_local:
            locals_.append(_local(a, b, c, "conditional"))
    return _finish(dst, values, locals_ if want_local else None, scale)


def _finish(
    layout: Series, values: list[float], locals_: list[IntArray] | None, scale: float
) -> Any:
    local = None if locals_ is None else np.vstack(locals_).astype(np.float64)
    return shape_result(layout, np.array(values, dtype=np.float64), local, scale)


def transfer_entropy_matrix(
    X: Any,
    /,
    *,
    history: int = 1,
    source_history: int = 1,
    delay: int = 1,
    base: Base = None,
    estimator: str = "plugin",
) -> npt.NDArray[np.float64]:
    """Every ordered pair, one at a time (see :func:`fastinfo.transfer_entropy_matrix`)."""
    layout = as_series(X, "X")
    if not layout.batch:
        raise ValueError("X must hold several series")
    d = layout.n_series
    out = np.zeros((d, d))
    for i in range(d):
        for j in range(d):
            if i != j:
                out[i, j] = transfer_entropy(
                    layout.series[i],
                    layout.series[j],
                    history=history,
                    source_history=source_history,
                    delay=delay,
                    base=base,
                    estimator=estimator,
                )
    return out


def _storage(x: Any, history: int, local: bool, base: Base, estimator: str, kind: str) -> Any:
    k = check_lag(history, "history")
    scale = log_base(base)
    e = check_estimator(estimator)
    want_local = check_local(local, e)
    layout = as_series(x, "x")
    _too_short(layout.steps, k)
    values, locals_ = [], []
    for series in layout.series:
        a = _lagged(series, [0], k)
        past = _lagged(series, [k - i for i in range(k)], k)
        b, c = (past, []) if kind == "mutual" else ([], past)
        values.append(_value(a, b, c, kind, e))
        if want_local:
            locals_.append(_local(a, b, c, kind))
    return _finish(layout, values, locals_ if want_local else None, scale)


def active_information_storage(
    x: Any,
    /,
    *,
    history: int,
    local: bool = False,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """``I(past; next)`` (see :func:`fastinfo.active_information_storage`)."""
    return _storage(x, history, local, base, estimator, "mutual")


def entropy_rate(
    x: Any,
    /,
    *,
    history: int,
    local: bool = False,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """``H(next | past)`` (see :func:`fastinfo.entropy_rate`)."""
    return _storage(x, history, local, base, estimator, "entropy")


# ---------------------------------------------------------------------------------------------
# Generalised entropies


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
