"""Dataset-scale mutual information: all-pairs matrices, scores against a target."""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable

import numpy as np
import numpy.typing as npt

from . import _native
from ._agreement import AVERAGES
from ._binning import BinsLike, binner
from ._inputs import (
    Base,
    IntArray,
    as_array,
    as_variable,
    check_estimator,
    check_memory,
    is_native,
    log_base,
    native,
)

#: What ``bins=`` does to one column (or to a whole float matrix): ``(x, name) -> labels``.
Labeller = Callable[[Any, str], Any]


def _unchanged(x: Any, name: str) -> Any:
    return x


def _frame(X: Any, labels: Labeller = _unchanged) -> tuple[list[IntArray], list[Any]] | None:
    """The columns (as label arrays) and names of a pandas or polars DataFrame, else None.

    ``labels`` bins float columns when ``bins=`` is given (see :func:`fastinfo._binning.binned`).
    """
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(X, pandas.DataFrame):
        names = list(X.columns)
        columns = []
        for k, name in enumerate(names):
            label = f"X[{name!r}]"
            columns.append(as_variable(labels(X.iloc[:, k], label), label).columns[0])
        return _checked(columns), names
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(X, polars.DataFrame):
        names = list(X.columns)
        columns = []
        for k, name in enumerate(names):
            series = X.to_series(k)
            if series.null_count():
                index = int(series.is_null().arg_true()[0])
                raise ValueError(
                    f"X[{name!r}] contains a missing value at index {index}; "
                    "drop or fill missing values before estimating"
                )
            label = f"X[{name!r}]"
            columns.append(as_variable(labels(series.to_numpy(), label), label).columns[0])
        return _checked(columns), names
    return None


def _checked(columns: list[IntArray]) -> list[IntArray]:
    if not columns:
        raise ValueError("X has no columns: at least one is needed")
    if columns[0].shape[0] == 0:
        raise ValueError("X is empty: at least one sample is needed")
    return columns


def as_columns(X: Any, labels: Labeller = _unchanged) -> tuple[list[IntArray], list[Any] | None]:
    """``X`` as a list of 1-D contiguous integer columns, and its column names (DataFrames).

    Shared with :mod:`fastinfo.reference`. Integer and bool columns are views where possible;
    strings, objects and categoricals are factorised (see :func:`fastinfo.entropy`); float
    columns are binned by ``labels`` (``bins=``).
    """
    frame = _frame(X, labels)
    if frame is not None:
        return frame
    array = _binned_matrix(_matrix(X), labels)
    if array.dtype.kind in "iu":
        return [native(array[:, j]) for j in range(array.shape[1])], None
    return [as_variable(array[:, j], f"X[:, {j}]").columns[0] for j in range(array.shape[1])], None


def _matrix(X: Any) -> npt.NDArray[Any]:
    """``X`` as a 2-D array with at least one row and one column (integer dtypes native-endian)."""
    array = as_array(X, "X")
    if array.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_samples, n_features), got a {array.ndim}-d array of shape "
            f"{array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"X is empty (shape {array.shape}): at least one sample is needed")
    if array.shape[1] == 0:
        raise ValueError(f"X has no columns (shape {array.shape}): at least one is needed")
    if array.dtype.kind == "b":
        return native(array).view(np.uint8)
    if array.dtype.kind in "iu" and not array.dtype.isnative:
        return array.astype(array.dtype.newbyteorder("="))
    return array


def _binned_matrix(array: npt.NDArray[Any], labels: Labeller) -> npt.NDArray[Any]:
    """A float matrix binned column by column (Fortran-ordered labels) by ``bins=``, else as is."""
    binned: npt.NDArray[Any] = np.asarray(labels(array, "X"))  # unchanged unless float
    return binned


def _table(X: Any, labels: Labeller = _unchanged) -> tuple[Any, list[Any] | None, int, int]:
    """What ``_native`` reads: a C-contiguous integer matrix or a list of columns; names; n; d."""
    frame = _frame(X, labels)
    if frame is not None:
        columns, names = frame
        return columns, names, int(columns[0].shape[0]), len(columns)
    array = _binned_matrix(_matrix(X), labels)
    n, d = (int(s) for s in array.shape)
    if array.dtype.kind in "iu":
        if is_native(array):
            return array, None, n, d
        if is_native(array.T):  # columns are contiguous: read them in place
            return [array[:, j] for j in range(d)], None, n, d
        return native(array), None, n, d
    columns, _ = as_columns(array)
    return columns, None, n, d


def _check_normalized(normalized: object) -> str | None:
    if normalized is None:
        return None
    if not isinstance(normalized, str):
        raise TypeError(
            f"normalized must be None or one of {list(AVERAGES)}, got {type(normalized).__name__}"
        )
    if normalized not in AVERAGES:
        raise ValueError(f"normalized must be None or one of {list(AVERAGES)}, got {normalized!r}")
    return normalized


def _labelled(values: npt.NDArray[np.float64], names: list[Any] | None) -> Any:
    if names is None:
        return values
    pandas: Any = importlib.import_module("pandas")

    if values.ndim == 2:
        return pandas.DataFrame(values, index=names, columns=names)
    return pandas.Series(values, index=names)


def mutual_information_matrix(
    X: Any,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    normalized: str | None = None,
    bins: BinsLike | None = None,
) -> Any:
    """All-pairs mutual information of the columns of ``X``, with their entropies on the diagonal.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or a pandas / polars DataFrame
        Discrete labels, one column per variable: any integer or bool dtype (a C- or
        Fortran-ordered array is read without a copy), or strings / objects / categoricals
        (factorised column by column). Float columns raise ``TypeError`` unless ``bins`` is
        given.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats. Ignored when ``normalized`` is given.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`fastinfo.entropy`; applied to every entropy and information.
    normalized : {None, "min", "geometric", "arithmetic", "max"}
        Return the normalised mutual information ``I(X_i; X_j) / avg(H(X_i), H(X_j))`` with
        this average, as ``sklearn.metrics.normalized_mutual_info_score(average_method=...)``:
        two constant columns score 1, a pair with ``I = 0`` scores 0, and the diagonal is 1.
        Values that are 1 in theory are exactly 1.0 (a column that is a function of the other
        with ``"min"``; columns equal up to a renaming of their labels with every average): a
        ratio within 256 ulps of 1 or 0 is returned as 1 or 0.
    bins : int, str or array_like, optional
        Discretise floating-point columns into histogram bins first, each
        column on its own, exactly as ``bins=`` of :func:`fastinfo.mutual_information` does: a
        number of equal-width bins, a rule (``"fd"``, ``"scott"``, ``"sturges"``, ``"sqrt"``,
        ``"rice"``, ``"auto"``) or explicit edges (see :func:`fastinfo.discretize`). Integer,
        bool, string and categorical columns are used as labels, unchanged; if nothing is
        floating point, ``bins`` raises ``ValueError`` (it would be ignored). ``None``
        (default): float columns raise ``TypeError``.

    Returns
    -------
    ndarray of float64, shape (n_features, n_features), or pandas.DataFrame
        ``M[i, j] = I(X_i; X_j)`` and ``M[i, i] = H(X_i)``, symmetric. A DataFrame input gives a
        DataFrame whose index and columns are its column names (polars too: pandas is needed).

    See Also
    --------
    mutual_information_with : the information of every column with one target.
    fastinfo.mutual_information : the information of one pair.

    Notes
    -----
    ``M[i, j]`` for ``i < j`` is exactly (bit for bit) ``fastinfo.mutual_information(X[:, i],
    X[:, j])`` with the same options, ``M[i, i]`` exactly ``fastinfo.entropy(X[:, i])``, and ``M``
    is exactly symmetric: both go through the same counting-to-estimate kernel.

    Every column is encoded once to dense codes (one byte per sample when it has at most 256
    distinct values). Binary columns are bit-packed and a pair's 2 x 2 table comes from three
    population counts. Other columns are grouped so that one pass over the rows counts the joint
    table of two groups (at most 65536 cells) and with it every pair across them (four pairs of
    16-valued columns per pass); pairs involving a column with more than 256 values use the
    general counting engine, one pair at a time. Counts are exact, so the result is identical for
    any number of threads. Memory: about one byte per sample and column plus the output; above
    the budget (``FASTINFO_MEMORY_LIMIT``, default half the machine's memory) a ``MemoryError``
    says how much was needed.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> X = np.array([[0, 0, 1], [0, 0, 0], [1, 1, 1], [1, 1, 0]])
    >>> fastinfo.mutual_information_matrix(X, base=2)
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    >>> fastinfo.mutual_information_matrix(X, normalized="arithmetic")
    array([[1., 1., 0.],
           [1., 1., 0.],
           [0., 0., 1.]])
    """
    labels = binner(bins)
    table, names, _, d = _table(X, labels)
    labels.check()
    scale = log_base(base)
    e = check_estimator(estimator)
    average = _check_normalized(normalized)
    check_memory(
        8 * d * d,
        f"a {d} x {d} float64 matrix",
        "use fastinfo.mutual_information_with to score columns against one target instead",
    )
    values = _native.mutual_information_matrix(table, e, average)
    if average is None:
        values = values / scale
    return _labelled(values, names)


def mutual_information_with(
    X: Any,
    y: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
) -> Any:
    """Mutual information of every column of ``X`` with the target ``y``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features), or a pandas / polars DataFrame
        Discrete features (see :func:`mutual_information_matrix`), or continuous ones with
        ``bins``.
    y : array_like of shape (n_samples,)
        Target labels (any integer, bool, string or object labels; floats raise ``TypeError``
        unless ``bins`` is given).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`fastinfo.entropy`.
    bins : int, str or array_like, optional
        Discretise floating-point columns (and a float ``y``) into histogram bins first, each
        column on its own, exactly as ``bins=`` of :func:`fastinfo.mutual_information` does: a
        number of equal-width bins, a rule (``"fd"``, ``"scott"``, ``"sturges"``, ``"sqrt"``,
        ``"rice"``, ``"auto"``) or explicit edges (see :func:`fastinfo.discretize`). Integer,
        bool, string and categorical columns are used as labels, unchanged; if nothing is
        floating point, ``bins`` raises ``ValueError`` (it would be ignored). ``None``
        (default): float columns raise ``TypeError``.

    Returns
    -------
    ndarray of float64, shape (n_features,), or pandas.Series
        ``scores[j] = I(X_j; y)``; a Series indexed by the column names for a DataFrame.

    See Also
    --------
    mutual_information_matrix : every pair of columns.
    sklearn.feature_selection.mutual_info_classif : a k-nearest-neighbour estimate for
        continuous features; for discrete features with ``discrete_features=True`` it is the
        plug-in value computed here.

    Notes
    -----
    ``scores[j]`` is exactly ``fastinfo.mutual_information(X[:, j], y)`` with the same options.
    Columns are grouped so that one pass over the rows counts the joint table of several
    columns with the target (e.g. three 16-valued columns with a 16-valued target).

    The signature fits scikit-learn's univariate selectors, which call ``score_func(X, y)`` and
    accept an array of scores:
    ``SelectKBest(score_func=fastinfo.mutual_information_with, k=10)``. Keep discrete features
    as integers (scikit-learn keeps an integer ``X`` as it is); for continuous features give
    ``bins`` with ``functools.partial``:
    ``SelectKBest(functools.partial(fastinfo.mutual_information_with, bins="fd"), k=10)``.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> fastinfo.mutual_information_with(X, [0, 0, 1, 1], base=2)
    array([1., 0.])
    >>> from sklearn.feature_selection import SelectKBest
    >>> SelectKBest(fastinfo.mutual_information_with, k=1).fit_transform(X, [0, 0, 1, 1])
    array([[0],
           [0],
           [1],
           [1]])
    >>> import functools
    >>> rng = np.random.default_rng(0)
    >>> features = rng.normal(size=(1000, 3))
    >>> classes = (features[:, 2] > 0).astype(int)  # only the last feature matters
    >>> score = functools.partial(fastinfo.mutual_information_with, bins=8)
    >>> SelectKBest(score, k=1).fit(features, classes).get_support()
    array([False, False,  True])
    """
    labels = binner(bins)
    table, names, n, _ = _table(X, labels)
    target = as_variable(labels(y, "y"), "y")
    labels.check()
    if target.two_dimensional:
        raise ValueError(
            f"y must be 1-D (n_samples,), got shape {np.shape(y)}; score each target separately"
        )
    if target.n != n:
        raise ValueError(
            f"y has {target.n} samples but X has {n}: X and y must have the same number of samples"
        )
    scale = log_base(base)
    e = check_estimator(estimator)
    values = _native.mutual_information_with(table, target.columns, e)
    return _labelled(values / scale, names)
