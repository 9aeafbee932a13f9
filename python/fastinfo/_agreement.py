"""Comparing labelings: normalised and adjusted MI, variation of information."""

from __future__ import annotations

import numpy.typing as npt

from . import _native
from ._inputs import as_variable, check_same_length, log_base

#: The means of H(X) and H(Y) accepted by ``average``, as the extension names them.
AVERAGES: tuple[str, ...] = _native.AVERAGES


def check_average(average: object) -> str:
    """Return ``average`` if it names one of :data:`AVERAGES`, else raise naming the argument."""
    if not isinstance(average, str):
        raise TypeError(f"average must be a string, got {type(average).__name__}")
    if average not in AVERAGES:
        raise ValueError(f"average must be one of {list(AVERAGES)}, got {average!r}")
    return average


def normalized_mutual_information(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, average: str = "arithmetic"
) -> float:
    """Normalised mutual information of two labelings, ``I(X; Y) / mean(H(X), H(Y))``.

    The same value as :func:`sklearn.metrics.normalized_mutual_info_score` (with
    ``average_method=average``), computed from one parallel count of the joint labels.

    Parameters
    ----------
    x, y : array_like
        Two labelings of the same samples (e.g. true classes and cluster assignments), of equal
        length: any integer, bool, string or object labels, or ``(n, d)`` rows (see
        :func:`fastinfo.entropy`). The label values themselves do not matter, only which samples
        share a label.
    average : {"arithmetic", "geometric", "min", "max"}
        The mean of ``H(X)`` and ``H(Y)`` that normalises the mutual information.

    Returns
    -------
    float
        In ``[0, 1]``: 1 for labelings equal up to a renaming of the labels, 0 for independent
        ones.

    See Also
    --------
    adjusted_mutual_information : corrected for the agreement expected by chance.
    variation_of_information : a distance between labelings.

    Notes
    -----
    Special cases, as in scikit-learn: 1.0 when both labelings are a single cluster (this includes
    a single sample); 0.0 whenever the mutual information is 0 (e.g. one labeling is a single
    cluster and the other is not). Labelings equal up to renaming give exactly 1.0 (scikit-learn:
    1 up to rounding).

    References
    ----------
    .. [1] A. Strehl, J. Ghosh, "Cluster ensembles -- a knowledge reuse framework for combining
       multiple partitions", JMLR 3 (2002).
    .. [2] N. X. Vinh, J. Epps, J. Bailey, "Information theoretic measures for clusterings
       comparison", JMLR 11 (2010).

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.normalized_mutual_information([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> round(fastinfo.normalized_mutual_information([0, 0, 1, 1], [0, 0, 1, 2]), 6)
    0.8
    >>> round(fastinfo.normalized_mutual_information([0, 0, 1, 1], [0, 0, 1, 2], average="max"), 6)
    0.666667
    """
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    return _native.normalized_mutual_information(vx.columns, vy.columns, check_average(average))


def adjusted_mutual_information(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, average: str = "arithmetic"
) -> float:
    """Adjusted mutual information of two labelings, corrected for chance.

    ``AMI = (I - E[I]) / (mean(H(X), H(Y)) - E[I])``, where ``E[I]`` is the exact expected mutual
    information of two random labelings with the same cluster sizes (the hypergeometric model).
    The same value as :func:`sklearn.metrics.adjusted_mutual_info_score` (with
    ``average_method=average``), many times faster for many labels or samples.

    Parameters
    ----------
    x, y : array_like
        Two labelings of the same samples, of equal length (see
        :func:`normalized_mutual_information`).
    average : {"arithmetic", "geometric", "min", "max"}
        The mean of ``H(X)`` and ``H(Y)`` in the denominator.

    Returns
    -------
    float
        At most 1: 1 for labelings equal up to renaming, about 0 (positive or negative) for
        independent ones, negative when they agree less than chance would.

    See Also
    --------
    normalized_mutual_information : without the correction for chance.

    Notes
    -----
    ``E[I] = sum_ij sum_k (k / n) log(k n / (a_i b_j)) P(k | a_i, b_j, n)`` over the hypergeometric
    law ``P`` of a cell given its row sum ``a_i`` and column sum ``b_j`` [1]_. fastinfo sums it in
    Rust, in parallel, in a cancellation-free form (``sum_k P(k) D(k, a_i b_j / n) / n`` with the
    deviance ``D(k, m) = k log(k / m) + m - k >= 0``), with each ``P(k)`` from Loader's accurate
    formula and the next ones from the previous by a ratio; clusters of equal size share their
    terms, and each pair's sum stops once the rest is provably below ``1e-19`` of it. The cost
    grows with the number of distinct cluster sizes and the spread of the cell counts, not with
    the number of labels times the number of samples. The expected MI is accurate to about
    ``1e-14`` relative; scikit-learn's (``exp`` of a sum of nine log-gammas per term) to about
    ``n log(n) * 1e-16`` relative, ``1e-9`` at a million samples.

    Special cases, as in scikit-learn: 1.0 when both labelings are a single cluster (including a
    single sample); 0.0 when exactly one of them is; ``I - E[I]`` and ``mean - E[I]`` are kept at
    least ``2.2e-16`` in magnitude (with their sign), so ``0 / 0`` never occurs. Labelings equal up
    to renaming give exactly 1.0 (this includes two all-distinct labelings, where the formula is
    ``0 / 0`` and scikit-learn's guard returns 1).

    References
    ----------
    .. [1] N. X. Vinh, J. Epps, J. Bailey, "Information theoretic measures for clusterings
       comparison: variants, properties, normalization and correction for chance", JMLR 11 (2010).
    .. [2] C. Loader, "Fast and accurate computation of binomial probabilities" (2000).

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.adjusted_mutual_information([0, 0, 1, 1], [1, 1, 0, 0])
    1.0
    >>> fastinfo.adjusted_mutual_information([0, 0, 0, 0], [0, 1, 2, 3])
    0.0
    >>> round(fastinfo.adjusted_mutual_information([0, 0, 1, 1], [0, 1, 0, 1]), 6)
    -0.5
    """
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    return _native.adjusted_mutual_information(vx.columns, vy.columns, check_average(average))


def variation_of_information(
    x: npt.ArrayLike, y: npt.ArrayLike, /, *, base: float | None = None
) -> float:
    """Variation of information ``H(X | Y) + H(Y | X)``: a distance between labelings.

    Parameters
    ----------
    x, y : array_like
        Two labelings of the same samples, of equal length (see
        :func:`normalized_mutual_information`).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits.

    Returns
    -------
    float
        Between 0 (labelings equal up to renaming, exactly) and ``log(n)``.

    Notes
    -----
    ``VI = H(X) + H(Y) - 2 I(X; Y) = sum_ij (n_ij / n) log(a_i b_j / n_ij^2)``, summed term by
    term (every term is non-negative, so there is no cancellation). It is a metric on the
    partitions of the samples: symmetric, zero only for equal partitions, and it satisfies the
    triangle inequality [1]_.

    References
    ----------
    .. [1] M. Meila, "Comparing clusterings -- an information based distance", Journal of
       Multivariate Analysis 98 (2007).

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.variation_of_information([0, 0, 1, 1], ["a", "a", "b", "b"])
    0.0
    >>> fastinfo.variation_of_information([0, 0, 1, 1], [0, 1, 0, 1], base=2)
    2.0
    """
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    scale = log_base(base)
    return _native.variation_of_information(vx.columns, vy.columns) / scale
