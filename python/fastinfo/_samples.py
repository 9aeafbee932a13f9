"""Estimates from samples: entropy, conditional entropy, mutual information, counts."""

from __future__ import annotations

import operator
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from . import _native
from ._binning import BinsLike, binner
from ._inputs import (
    Base,
    as_variable,
    check_bool,
    check_estimator,
    check_memory,
    check_same_length,
    log_base,
)

#: Upper bound accepted by :func:`set_num_threads` (each thread reserves a stack).
MAX_THREADS = 1024


def entropy(
    x: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
) -> float:
    """Entropy H(X) of discrete samples.

    Parameters
    ----------
    x : array_like
        Labels, shape ``(n,)``: any integer or bool dtype (read without a copy), or strings /
        Python objects / pandas categoricals (factorised first, which costs a sort or a Python
        loop). A 2-D array ``(n, d)`` is one vector-valued variable whose rows are the outcomes.
        Float arrays raise ``TypeError`` unless ``bins`` is given.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        How the entropy is estimated from the counts ``n_i`` of the ``m`` distinct observed
        values (``n`` samples, ``p_i = n_i / n``); see Notes. ``"plugin"`` (default) is the
        maximum-likelihood estimate; the others correct its downward bias on small samples.
    bins : int, str or array_like, optional
        Discretise floating-point samples into histogram bins before counting: a number of
        equal-width bins, a rule (``"fd"``, ``"scott"``, ``"sturges"``, ``"sqrt"``, ``"rice"``,
        ``"auto"``) or explicit edges, applied to each float column separately (see
        :func:`fastinfo.discretize`). Integer, bool and string labels are used unchanged.
        ``None`` (default): float samples raise ``TypeError``, never binned silently.

    Returns
    -------
    float
        The estimate, in units of ``base``. Never negative.

    See Also
    --------
    fastinfo.pmf.entropy : entropy of a distribution given as probabilities or weights.

    Notes
    -----
    The plug-in estimate matches ``scipy.stats.entropy(np.unique(x, return_counts=True)[1])``.

    Estimators (all in nats; each maps the histogram of counts to an estimate):

    - ``"plugin"``: ``H = -sum p_i log p_i``, biased down by about ``(K - 1) / (2 n)`` for
      ``K`` possible values.
    - ``"miller_madow"`` [1]_: ``H + (m - 1) / (2 n)``, the first-order bias with ``K ~ m``.
    - ``"jackknife"`` [2]_: ``n H - (n - 1) / n * sum_j H_(-j)``, ``H_(-j)`` the plug-in
      entropy without sample ``j``; removes the ``1 / n`` bias term whatever its constant.
    - ``"grassberger"`` [3]_: ``log n - (1 / n) sum n_i G(n_i)`` with
      ``G(k) = psi(k) + (-1)**k / 2 * (psi((k + 1) / 2) - psi(k / 2))`` (digamma form,
      eq. 35); corrects the bias of ``log p_i`` for small counts.
    - ``"chao_shen"`` [4]_: ``-sum C p_i log(C p_i) / (1 - (1 - C p_i)**n)`` with the coverage
      ``C = 1 - f1 / n`` (``f1`` singletons; ``f1 = n - 1`` when every sample is a singleton);
      accounts for unseen values (Horvitz-Thompson).
    - ``"nsb"`` [5]_: the posterior mean of ``H`` under a mixture of symmetric Dirichlet priors
      weighted so that the prior on ``H`` is uniform; computed by adaptive quadrature over the
      concentration. It needs the alphabet size ``K``: fastinfo uses the number of distinct
      observed values ``K = m`` (the number of occupied cells of each joint table), which
      shrinks towards the uniform distribution over what was observed. The slowest estimator.

    A constant sample has entropy 0 under every estimator (for Grassberger's this is a
    convention: the formula gives ``log n - G(n)``, of order ``1/n``), and estimates are never
    negative (clamped at 0). Conditional entropies and (conditional) mutual information combine the
    estimates of each table, e.g. ``H(X | Y) = H(X, Y) - H(Y)`` and
    ``I(X; Y) = H(X) + H(Y) - H(X, Y)``; the plug-in part is always summed term by term.

    References
    ----------
    .. [1] G. A. Miller, "Note on the bias of information estimates", Information Theory in
       Psychology (1955), 95-100.
    .. [2] S. Zahl, "Jackknifing an index of diversity", Ecology 58 (1977), 907-913;
       B. Efron and C. Stein, "The jackknife estimate of variance", Ann. Statist. 9 (1981).
    .. [3] P. Grassberger, "Entropy estimates from insufficient samplings",
       arXiv:physics/0307138 (2003).
    .. [4] A. Chao and T.-J. Shen, "Nonparametric estimation of Shannon's index of diversity
       when there are unseen species in sample", Environ. Ecol. Stat. 10 (2003), 429-443.
    .. [5] I. Nemenman, F. Shafee and W. Bialek, "Entropy and inference, revisited",
       NIPS 14 (2002), arXiv:physics/0108025.

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.entropy([0, 1, 0, 1], base=2)
    1.0
    >>> round(fastinfo.entropy(["a", "b", "b", "b"]), 6)
    0.562335
    >>> fastinfo.entropy([0.1, 0.2, 0.7, 0.9], bins=2, base=2)  # two bins of two samples
    1.0
    >>> x = [0, 1, 2, 3, 3, 4, 5, 5, 6, 7]  # 10 samples of a variable with many values
    >>> round(fastinfo.entropy(x), 4), round(fastinfo.entropy(x, estimator="grassberger"), 4)
    (2.0253, 2.7729)
    """
    labels = binner(bins)
    variable = as_variable(labels(x, "x"), "x")
    scale = log_base(base)
    return _native.entropy(variable.columns, check_estimator(estimator)) / scale


def joint_entropy(
    *variables: npt.ArrayLike,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
) -> float:
    """Joint entropy H(X1, ..., Xk) of several variables observed together.

    Parameters
    ----------
    *variables : array_like
        One or more sample arrays of equal length (each 1-D, or 2-D with one sample per row).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`entropy`; the estimator is applied to the joint counts.
    bins : int, str or array_like, optional
        Bin floating-point variables first; see :func:`entropy`.

    Returns
    -------
    float

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.joint_entropy([0, 0, 1, 1], [0, 1, 0, 1], base=2)
    2.0
    """
    if not variables:
        raise TypeError("joint_entropy() needs at least one variable")
    labels = binner(bins)
    coerced = [
        as_variable(labels(v, f"variables[{i}]"), f"variables[{i}]")
        for i, v in enumerate(variables)
    ]
    check_same_length(*coerced)
    scale = log_base(base)
    columns = [v.columns for v in coerced]
    return _native.joint_entropy(columns, check_estimator(estimator)) / scale


def conditional_entropy(
    x: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
) -> float:
    """Conditional entropy H(X | given) = H(X, given) - H(given).

    Computed term by term, ``-sum p(x, g) log(p(x, g) / p(g))``, so it is never negative.

    Parameters
    ----------
    x, given : array_like
        Samples of equal length (see :func:`entropy`).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`entropy`. A corrected estimate is ``H(X, given) - H(given)`` with both
        entropies estimated (their corrections added to the term-by-term plug-in value),
        clamped at 0.
    bins : int, str or array_like, optional
        Bin floating-point samples first; see :func:`entropy`.

    Returns
    -------
    float

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.conditional_entropy([0, 1, 0, 1], [0, 1, 0, 1])
    0.0
    >>> fastinfo.conditional_entropy([0, 1, 0, 1], [0, 0, 1, 1], base=2)
    1.0
    """
    labels = binner(bins)
    vx, vg = as_variable(labels(x, "x"), "x"), as_variable(labels(given, "given"), "given")
    check_same_length(vx, vg)
    scale = log_base(base)
    return _native.conditional_entropy(vx.columns, vg.columns, check_estimator(estimator)) / scale


def mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
) -> float:
    """Mutual information I(X; Y) of paired samples.

    ``I = sum p(x, y) log(p(x, y) / (p(x) p(y)))``, summed from the joint counts (not as a
    difference of entropies, so small values keep their relative accuracy). Never negative.

    Parameters
    ----------
    x, y : array_like
        Samples of equal length (see :func:`entropy`). Large or sparse alphabets are fine: the
        joint table is hashed when the product of the alphabet sizes is large.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, like ``sklearn.metrics.mutual_info_score``.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`entropy`. A corrected estimate is ``H(X) + H(Y) - H(X, Y)`` with each entropy
        estimated from its table (the corrections added to the term-by-term plug-in value);
        the result is clamped at 0.
    bins : int, str or array_like, optional
        Bin floating-point samples first (each variable, each column on its own); see
        :func:`entropy`. The binned estimate of I(X; Y) for continuous X, Y is, like the true
        value, unchanged by rescaling either variable; it is biased by the bin count.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> fastinfo.mutual_information([0, 1, 0, 1], [1, 0, 1, 0], base=2)
    1.0
    >>> fastinfo.mutual_information([0, 0, 1, 1], [0, 1, 0, 1])
    0.0
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=1_000_000)
    >>> y = x + rng.normal(size=1_000_000)  # Gaussian: I = 0.5 log 2 = 0.347 nats
    >>> round(fastinfo.mutual_information(x, y, bins=64), 2)
    0.35
    """
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    check_same_length(vx, vy)
    scale = log_base(base)
    return _native.mutual_information(vx.columns, vy.columns, check_estimator(estimator)) / scale


def conditional_mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
) -> float:
    """Conditional mutual information I(X; Y | given).

    ``I = sum p(x, y, z) log(p(z) p(x, y, z) / (p(x, z) p(y, z)))``; never negative.

    Parameters
    ----------
    x, y, given : array_like
        Samples of equal length (see :func:`entropy`).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`entropy`. A corrected estimate is
        ``H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)`` with each entropy estimated from its table
        (``Z`` = ``given``); the result is clamped at 0.
    bins : int, str or array_like, optional
        Bin floating-point samples first; see :func:`entropy`.

    Returns
    -------
    float

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 1, 0, 1]
    >>> fastinfo.conditional_mutual_information(x, x, x)  # nothing left once X is known
    0.0
    >>> fastinfo.conditional_mutual_information(x, x, [0, 0, 0, 0], base=2)
    1.0
    """
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    vz = as_variable(labels(given, "given"), "given")
    check_same_length(vx, vy, vz)
    scale = log_base(base)
    e = check_estimator(estimator)
    return _native.conditional_mutual_information(vx.columns, vy.columns, vz.columns, e) / scale


def counts(x: npt.ArrayLike, /) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Distinct values of ``x`` and how often each occurs.

    Parameters
    ----------
    x : array_like
        Labels, shape ``(n,)`` or ``(n, d)`` (then the distinct rows are counted).

    Returns
    -------
    values : ndarray
        The observed values in ascending order, with the dtype of ``x`` (``(m, d)`` for 2-D ``x``).
    counts : ndarray of int64
        ``counts[i]`` is the number of samples equal to ``values[i]``.

    Notes
    -----
    The same result as ``np.unique(x, return_counts=True)`` (``axis=0`` for 2-D), computed by a
    parallel dense or hashed count instead of a sort. Strings keep ``np.unique``'s order; Python
    objects come in order of first appearance; a pandas Categorical in the order of its
    categories.

    Examples
    --------
    >>> import fastinfo
    >>> values, n = fastinfo.counts([3, -1, 3, 3])
    >>> values.tolist(), n.tolist()
    ([-1, 3], [1, 3])
    """
    variable = as_variable(x, "x")
    values, n = _native.counts(variable.columns)
    return variable.decode(values), n


@overload
def contingency(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, sparse: Literal[False] = ...
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.int64]]: ...
@overload
def contingency(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, sparse: Literal[True]
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], Any]: ...
def contingency(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, sparse: bool = False
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], Any]:
    """Contingency table of two variables.

    Parameters
    ----------
    x, y : array_like
        Samples of equal length (see :func:`entropy`).
    sparse : bool, default False
        Return the table as a ``scipy.sparse.coo_array`` holding only non-empty cells (memory
        proportional to the number of distinct pairs). The dense table needs
        ``8 * len(x_values) * len(y_values)`` bytes; if that exceeds the memory budget
        (``FASTINFO_MEMORY_LIMIT`` bytes, default half the machine's memory) a ``MemoryError``
        says so instead of allocating it.

    Returns
    -------
    x_values, y_values : ndarray
        The observed values of ``x`` and ``y``, ascending (as in :func:`counts`).
    table : ndarray of int64, shape (len(x_values), len(y_values)), or scipy.sparse.coo_array
        ``table[i, j]`` counts the samples with ``x == x_values[i]`` and ``y == y_values[j]``.

    Examples
    --------
    >>> import fastinfo
    >>> xv, yv, table = fastinfo.contingency([0, 0, 1, 5], ["a", "b", "b", "b"])
    >>> xv.tolist(), yv.tolist()
    ([0, 1, 5], ['a', 'b'])
    >>> table.tolist()
    [[1, 1], [0, 1], [0, 1]]
    """
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    sparse = check_bool(sparse, "sparse")
    x_values, y_values, rows, columns, cell_counts = _native.contingency(
        vx.columns, vy.columns, not sparse
    )
    shape = (int(x_values[0].shape[0]), int(y_values[0].shape[0]))
    if sparse:
        import scipy.sparse

        table: Any = scipy.sparse.coo_array((cell_counts, (rows, columns)), shape=shape)
    else:
        needed = 8 * shape[0] * shape[1]
        check_memory(
            needed,
            f"a dense {shape[0]} x {shape[1]} int64 contingency table",
            "pass sparse=True for the non-empty cells only, or call "
            "fastinfo.mutual_information, which never builds the dense table",
        )
        table = np.zeros(shape, dtype=np.int64)
        table[rows, columns] = cell_counts
    return vx.decode(x_values), vy.decode(y_values), table


def set_num_threads(n: int, /) -> None:
    """Set the number of threads fastinfo uses (default: ``FASTINFO_NUM_THREADS`` or all cores).

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.set_num_threads(2)
    >>> fastinfo.get_num_threads()
    2
    """
    if isinstance(n, bool):
        raise TypeError("n must be a positive integer, got a bool")
    try:
        count = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be a positive integer, got {n!r}") from None
    if not 1 <= count <= MAX_THREADS:
        raise ValueError(f"n must be a positive integer at most {MAX_THREADS}, got {count}")
    _native.set_num_threads(count)


def get_num_threads() -> int:
    """Number of threads fastinfo uses.

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.get_num_threads() >= 1
    True
    """
    return _native.get_num_threads()
