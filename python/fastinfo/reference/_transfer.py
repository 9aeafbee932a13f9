"""Pure-numpy twin of :mod:`fastinfo._transfer`.

The lagged columns of every trial are written out and stacked, and the quantity is the conditional
mutual information (or mutual information, conditional entropy) of those columns; local values
come from the counts of each observation's cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._inputs import Base, IntArray, check_estimator, log_base
from .._transfer import (
    Series,
    as_series,
    check_lag,
    check_local,
    check_same_layout,
    shape_result,
)
from ._samples import conditional_entropy, conditional_mutual_information, mutual_information


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
