"""Pure-numpy twin of :mod:`fastinfo._bootstrap`: resamples the rows themselves.

Each resample draws ``n`` row indices with ``numpy.random.default_rng(seed).integers`` and
evaluates the statistic of :mod:`fastinfo.reference` on those rows: the textbook bootstrap, with
other random numbers than fastinfo's multinomial tables (same law, different values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from .._binning import BinsLike
from .._bootstrap import (
    BootstrapResult,
    check_confidence_level,
    check_resamples,
    prepare,
    summarize,
)
from .._inputs import Base, Variable, log_base
from .._significance import check_seed, seed_alias
from ._quantity import estimate as _estimate


def _rows(variable: Variable, rows: npt.NDArray[np.intp]) -> Variable:
    return Variable(
        variable.name,
        [np.ascontiguousarray(c[rows]) for c in variable.columns],
        variable.decoders,
        variable.two_dimensional,
    )


def bootstrap(
    statistic: Callable[..., float],
    /,
    *variables: npt.ArrayLike,
    n_resamples: int = 1000,
    confidence_level: float = 0.95,
    seed: int | None = None,
    random_state: int | None = None,
    estimator: str = "plugin",
    alphabet_size: int | Sequence[int] | None = None,
    base: Base = None,
    bins: BinsLike | None = None,
) -> BootstrapResult:
    """Bootstrap of an entropy or MI by resampling rows (see :func:`fastinfo.bootstrap`)."""
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    quantity, coerced, e, sizes = prepare(statistic, variables, estimator, alphabet_size, bins)
    count = check_resamples(n_resamples)
    level = check_confidence_level(confidence_level)
    rng = np.random.default_rng(check_seed(seed))
    scale = log_base(base)
    n = coerced[0].n
    value = _estimate(quantity, coerced, e, sizes, None)
    values = np.empty(count)
    for b in range(count):
        rows = rng.integers(0, n, n)
        values[b] = _estimate(quantity, [_rows(v, rows) for v in coerced], e, sizes, None)
    return summarize(value / scale, values / scale, level)
