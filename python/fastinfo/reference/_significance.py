"""Pure-numpy twin of :mod:`fastinfo._significance`.

- the permutation test is a Python loop: permute ``y`` with ``numpy.random.default_rng(seed)``
  (within strata of ``given``), recompute the estimate with :mod:`fastinfo.reference`, count the
  null values at least the statistic (same tie tolerance as fastinfo);
- the G-test is ``2 sum O log(O / E)`` over the contingency table, with ``scipy.stats.chi2.sf``.

The permutation test draws other random numbers than fastinfo (same law, different values).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from .._inputs import Variable, as_variable, check_estimator, check_same_length
from .._significance import (
    GTestResult,
    PermutationTestResult,
    check_permutations,
    check_seed,
)
from ._samples import _cell_codes, conditional_mutual_information, contingency, mutual_information


def _as_array(variable: Variable) -> npt.NDArray[Any]:
    """The variable's samples as one array (1-D, or ``(n, d)`` rows) of its integer codes."""
    if len(variable.columns) == 1:
        return variable.columns[0]
    return np.column_stack(variable.columns)


def permutation_test(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    given: npt.ArrayLike | None = None,
    n_permutations: int = 1000,
    seed: int | None = None,
    estimator: str = "plugin",
) -> PermutationTestResult:
    """Permutation test of (conditional) independence (see :func:`fastinfo.permutation_test`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    variables = [vx, vy]
    if given is not None:
        variables.append(as_variable(given, "given"))
    check_same_length(*variables)
    count = check_permutations(n_permutations)
    rng = np.random.default_rng(check_seed(seed))
    e = check_estimator(estimator)
    xa, ya = _as_array(vx), _as_array(vy)
    if given is None:
        strata = [np.arange(vx.n)]
        za = None
    else:
        za = _as_array(variables[2])
        codes = _cell_codes(variables[2])
        strata = [np.flatnonzero(codes == c) for c in np.unique(codes)]

    def statistic(y_values: npt.NDArray[Any]) -> float:
        if za is None:
            return mutual_information(xa, y_values, estimator=e)
        return conditional_mutual_information(xa, y_values, za, estimator=e)

    observed = statistic(ya)
    null = np.empty(count)
    for i in range(count):
        order = np.arange(vx.n)
        for stratum in strata:
            order[stratum] = rng.permutation(stratum)
        null[i] = statistic(ya[order])
    eps = float(np.finfo(np.float64).eps)
    gamma = 8 * eps * (1 + math.log(vx.n)) + 100 * eps * abs(observed)
    pvalue = (int(np.sum(null >= observed - gamma)) + 1) / (count + 1)
    null.flags.writeable = False
    return PermutationTestResult(observed, pvalue, null)


def g_test(x: npt.ArrayLike, y: npt.ArrayLike, /) -> GTestResult:
    """G-test of independence (see :func:`fastinfo.g_test`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    _, _, table = contingency(x, y, sparse=True)
    rows, columns = table.shape
    dof = (rows - 1) * (columns - 1)
    if dof == 0:
        return GTestResult(0.0, 0, 1.0)
    observed = table.data.astype(float)
    row_sums = np.bincount(table.coords[0], weights=observed)
    column_sums = np.bincount(table.coords[1], weights=observed)
    expected = row_sums[table.coords[0]] * column_sums[table.coords[1]] / vx.n
    statistic = float(2 * np.sum(observed * np.log(observed / expected)))
    import scipy.stats  # the reference twin only: fastinfo itself needs no scipy

    return GTestResult(statistic, dof, float(scipy.stats.chi2.sf(statistic, dof)))
