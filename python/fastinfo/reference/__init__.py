"""Pure-numpy twin of fastinfo: the same functions, signatures and semantics, written to be read.

Slow (sorts with ``np.unique`` where fastinfo counts in parallel) and exact: the tests check every
fastinfo function against this module. It is never used as a fallback for the fast path.

Every estimate is a direct transcription of its formula over the observed cells:

- ``H(X) = -sum_x (n_x / n) log(n_x / n)``
- ``H(X | G) = -sum_{x,g} (n_xg / n) log(n_xg / n_g)``
- ``I(X; Y) = sum_{x,y} (n_xy / n) log(n_xy n / (n_x n_y))``
- ``I(X; Y | Z) = sum_{x,y,z} (n_xyz / n) log(n_xyz n_z / (n_xz n_yz))``

Miller-Madow adds ``(m_S - 1) / (2n)`` to every entropy ``H(S)`` (``m_S`` occupied cells).
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import numpy.typing as npt

from .._inputs import (
    Variable,
    as_variable,
    check_bool,
    check_estimator,
    check_same_length,
    log_base,
    memory_budget,
)
from . import pmf
from ._continuous import binner

__all__ = [
    "conditional_entropy",
    "conditional_mutual_information",
    "contingency",
    "counts",
    "entropy",
    "joint_entropy",
    "mutual_information",
    "pmf",
]

Base = Union[float, int, None]
Bins = Union[int, str, npt.ArrayLike, None]
Codes = npt.NDArray[np.int64]


def _cell_codes(*variables: Variable) -> Codes:
    """One integer per sample identifying its cell (the tuple of all columns' values).

    Columns are folded in one at a time: ``code * (rank of column j) ...``, re-ranked with
    ``np.unique`` after each step so the code stays below n and never overflows.
    """
    columns = [column for v in variables for column in v.columns]
    code = np.zeros(columns[0].shape[0], dtype=np.int64)
    for column in columns:
        uniques, rank = np.unique(column, return_inverse=True)
        combined = code * uniques.size + rank.reshape(-1)
        code = np.unique(combined, return_inverse=True)[1].reshape(-1).astype(np.int64)
    return code


def _cells(codes: Codes) -> tuple[Codes, Codes]:
    """For each observed cell: the index of one sample in it, and its count."""
    _, first, count = np.unique(codes, return_index=True, return_counts=True)
    return first, count


def _miller_madow(estimator: str, *occupied_and_signs: tuple[int, int], n: int) -> float:
    """Sum of ``sign * (m - 1) / (2n)`` over the given entropies, or 0 for the plug-in."""
    if estimator == "plugin":
        return 0.0
    return sum(sign * (m - 1) for m, sign in occupied_and_signs) / (2 * n)


def _conditional_entropy(x: Variable, given: list[Variable], estimator: str) -> float:
    n = x.n
    xg = _cell_codes(x, *given)
    first, n_xg = _cells(xg)
    if given:
        g = _cell_codes(*given)
        n_g = np.bincount(g)[g[first]]
        m_g = int(np.unique(g).size)
    else:
        n_g = np.full(n_xg.shape, n)
        m_g = 1
    h = float(-np.sum((n_xg / n) * np.log(n_xg / n_g)))
    return h + _miller_madow(estimator, (n_xg.size, 1), (m_g, -1), n=n)


def entropy(
    x: npt.ArrayLike, /, *, base: Base = None, estimator: str = "plugin", bins: Bins = None
) -> float:
    """Entropy H(X) of discrete samples (see :func:`fastinfo.entropy`)."""
    variable = as_variable(binner(bins)(x, "x"), "x")
    scale = log_base(base)
    return _conditional_entropy(variable, [], check_estimator(estimator)) / scale


def joint_entropy(
    *variables: npt.ArrayLike, base: Base = None, estimator: str = "plugin", bins: Bins = None
) -> float:
    """Joint entropy H(X1, ..., Xk) (see :func:`fastinfo.joint_entropy`)."""
    if not variables:
        raise TypeError("joint_entropy() needs at least one variable")
    labels = binner(bins)
    coerced = [
        as_variable(labels(v, f"variables[{i}]"), f"variables[{i}]")
        for i, v in enumerate(variables)
    ]
    check_same_length(*coerced)
    scale = log_base(base)
    estimator = check_estimator(estimator)
    merged = Variable(
        "variables",
        [c for v in coerced for c in v.columns],
        [d for v in coerced for d in v.decoders],
        True,
    )
    return _conditional_entropy(merged, [], estimator) / scale


def conditional_entropy(
    x: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: Bins = None,
) -> float:
    """Conditional entropy H(X | given) (see :func:`fastinfo.conditional_entropy`)."""
    labels = binner(bins)
    vx, vg = as_variable(labels(x, "x"), "x"), as_variable(labels(given, "given"), "given")
    check_same_length(vx, vg)
    scale = log_base(base)
    return _conditional_entropy(vx, [vg], check_estimator(estimator)) / scale


def _information(x: Variable, y: Variable, given: list[Variable], estimator: str) -> float:
    n = x.n
    xyz = _cell_codes(x, y, *given)
    xz, yz = _cell_codes(x, *given), _cell_codes(y, *given)
    first, n_xyz = _cells(xyz)
    n_xz = np.bincount(xz)[xz[first]]
    n_yz = np.bincount(yz)[yz[first]]
    if given:
        z = _cell_codes(*given)
        n_z = np.bincount(z)[z[first]]
        m_z = int(np.unique(z).size)
    else:
        n_z = np.full(n_xyz.shape, n)
        m_z = 1
    info = float(np.sum((n_xyz / n) * np.log((n_xyz * n_z) / (n_xz * n_yz))))
    info += _miller_madow(
        estimator,
        (int(np.unique(xz).size), 1),
        (int(np.unique(yz).size), 1),
        (n_xyz.size, -1),
        (m_z, -1),
        n=n,
    )
    return max(info, 0.0)


def mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: Bins = None,
) -> float:
    """Mutual information I(X; Y) (see :func:`fastinfo.mutual_information`)."""
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    check_same_length(vx, vy)
    scale = log_base(base)
    return _information(vx, vy, [], check_estimator(estimator)) / scale


def conditional_mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: Bins = None,
) -> float:
    """Conditional mutual information I(X; Y | given)."""
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    vz = as_variable(labels(given, "given"), "given")
    check_same_length(vx, vy, vz)
    scale = log_base(base)
    return _information(vx, vy, [vz], check_estimator(estimator)) / scale


def _distinct(variable: Variable) -> tuple[list[npt.NDArray[Any]], Codes]:
    """Per-column values of the distinct rows (ascending) and each sample's row index."""
    ranks = [np.unique(c, return_inverse=True)[1].reshape(-1) for c in variable.columns]
    _, first, inverse = np.unique(
        np.column_stack(ranks), axis=0, return_index=True, return_inverse=True
    )
    values = [column[first] for column in variable.columns]
    return values, np.asarray(inverse, dtype=np.int64).reshape(-1)


def counts(x: npt.ArrayLike, /) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Distinct values of ``x`` and their counts (see :func:`fastinfo.counts`)."""
    variable = as_variable(x, "x")
    values, inverse = _distinct(variable)
    return variable.decode(values), np.bincount(inverse).astype(np.int64)


def contingency(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, sparse: bool = False
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], Any]:
    """Contingency table of two variables (see :func:`fastinfo.contingency`)."""
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    sparse = check_bool(sparse, "sparse")
    x_values, rows = _distinct(vx)
    y_values, columns = _distinct(vy)
    shape = (len(x_values[0]), len(y_values[0]))
    cells, counts = np.unique(rows * shape[1] + columns, return_counts=True)
    if sparse:
        import scipy.sparse

        coordinates = (cells // shape[1], cells % shape[1])
        result: Any = scipy.sparse.coo_array((counts, coordinates), shape=shape)
    else:
        needed, budget = 8 * shape[0] * shape[1], memory_budget()
        if needed > budget:
            raise MemoryError(
                f"a dense {shape[0]} x {shape[1]} int64 contingency table would need "
                f"{needed / 2**30:.1f} GiB (budget {budget / 2**30:.1f} GiB); pass sparse=True"
            )
        result = np.zeros(shape, dtype=np.int64)
        result.reshape(-1)[cells] = counts
    return vx.decode(x_values), vy.decode(y_values), result


# The twins of the other parts of the API live in their own modules (imported last: they may use
# the helpers above).
from . import _agreement, _continuous, _dataset, _losses, _significance, gaussian  # noqa: E402
from ._agreement import *  # noqa: E402, F403
from ._continuous import *  # noqa: E402, F403
from ._dataset import *  # noqa: E402, F403
from ._losses import *  # noqa: E402, F403
from ._significance import *  # noqa: E402, F403

__all__ += ["gaussian"]
__all__ += _agreement.__all__
__all__ += _continuous.__all__
__all__ += _dataset.__all__
__all__ += _losses.__all__
__all__ += _significance.__all__
