"""Is an MI value more than noise: permutation tests and the G-test."""

from __future__ import annotations

import numbers
import operator
import secrets
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import as_variable, check_estimator, check_memory, check_same_length

#: Estimators whose null values come from random tables with the observed margins; the others
#: shuffle the data itself and call the estimator on each permutation (slower).
FIXED_MARGIN_ESTIMATORS = ("plugin", "miller_madow")


@dataclass(frozen=True, eq=False)
class PermutationTestResult:
    """Outcome of :func:`permutation_test`.

    Attributes
    ----------
    statistic : float
        The (conditional) mutual information of the data, in nats.
    pvalue : float
        ``(k + 1) / (N + 1)``: ``k`` of the ``N`` permutations reached the statistic.
    null_distribution : ndarray of float64, shape (N,)
        The statistic of each permutation (read-only).

    Examples
    --------
    >>> import fastinfo
    >>> result = fastinfo.permutation_test([0, 1] * 50, [0, 1] * 50, n_permutations=9, seed=0)
    >>> result.pvalue
    0.1
    """

    statistic: float
    pvalue: float
    null_distribution: npt.NDArray[np.float64] = field(repr=False)

    def __repr__(self) -> str:
        with np.printoptions(threshold=6, edgeitems=3, precision=6):
            null = repr(self.null_distribution)
        return (
            f"PermutationTestResult(statistic={self.statistic!r}, pvalue={self.pvalue!r}, "
            f"null_distribution={null})"
        )


@dataclass(frozen=True)
class GTestResult:
    """Outcome of :func:`g_test`.

    Attributes
    ----------
    statistic : float
        ``G = 2 n I(X; Y)`` (mutual information in nats).
    dof : int
        ``(r - 1) (c - 1)``, ``r`` and ``c`` the numbers of observed values of ``x`` and ``y``.
    pvalue : float
        The chi-squared survival function of ``G`` with ``dof`` degrees of freedom.

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.g_test([0, 0, 1, 1], [0, 0, 1, 1]).dof
    1
    """

    statistic: float
    dof: int
    pvalue: float


def check_seed(seed: object) -> int:
    """A 64-bit seed: ``seed`` itself (an integer in ``[0, 2**64)``) or a random one for None."""
    if seed is None:
        return secrets.randbits(64)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be a non-negative integer or None, got {seed!r}")
    value = operator.index(seed)
    if not 0 <= value < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {value}")
    return value


def resolve_seed(seed: object, random_state: object) -> int:
    """The checked seed from ``seed`` or its scikit-learn/scipy spelling ``random_state``.

    Both mean the same; both given with different values raise ``ValueError``.
    """
    if random_state is None:
        return check_seed(seed)
    if isinstance(random_state, (bool, np.bool_)) or not isinstance(random_state, numbers.Integral):
        raise TypeError(
            "random_state must be a non-negative integer or None (it is another name for seed; "
            f"a Generator or RandomState is not accepted), got {random_state!r}"
        )
    value = operator.index(random_state)
    if not 0 <= value < 2**64:
        raise ValueError(f"random_state (another name for seed) must be in [0, 2**64), got {value}")
    if seed is not None and check_seed(seed) != value:
        raise ValueError(
            f"seed={seed!r} and random_state={random_state!r} disagree: they are two names of "
            "the same option, pass one"
        )
    return value


def seed_alias(seed: object, random_state: object) -> object:
    """``seed``, or ``random_state`` (its scikit-learn/scipy spelling) when that is given.

    Checked as :func:`resolve_seed` checks it, but ``None`` for both stays ``None`` (no seed is
    drawn: some functions use a seed only with another option).
    """
    if random_state is None:
        return seed
    return resolve_seed(seed, random_state)


def check_permutations(n_permutations: object) -> int:
    """``n_permutations`` as a positive int whose null distribution fits the memory budget."""
    if isinstance(n_permutations, (bool, np.bool_)) or not isinstance(
        n_permutations, numbers.Integral
    ):
        raise TypeError(f"n_permutations must be a positive integer, got {n_permutations!r}")
    count = operator.index(n_permutations)
    if count < 1:
        raise ValueError(f"n_permutations must be at least 1, got {count}")
    check_memory(
        8 * count, f"n_permutations={count}: the null distribution", "use fewer permutations"
    )
    return count


def permutation_test(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    given: npt.ArrayLike | None = None,
    n_permutations: int = 1000,
    seed: int | None = None,
    random_state: int | None = None,
    estimator: str = "plugin",
) -> PermutationTestResult:
    """Permutation test of independence (or conditional independence) by mutual information.

    The statistic is ``I(X; Y)``, or ``I(X; Y | given)``; its null distribution is that of the
    statistic after randomly permuting ``y`` (within each stratum of ``given``), which breaks any
    dependence while keeping both labelings' value counts (in every stratum).

    Parameters
    ----------
    x, y : array_like
        Samples of equal length (see :func:`fastinfo.entropy`).
    given : array_like, optional
        Samples of a third variable: ``y`` is then permuted only among samples with the same
        ``given`` value, and the statistic is the conditional mutual information.
    n_permutations : int, default 1000
        Number of permutations ``N``.
    seed : int, optional
        Seed in ``[0, 2**64)`` of the random streams; the same seed gives the same result on any
        machine and for any number of threads. ``None`` draws a fresh seed.
    random_state : int, optional
        The same as ``seed``, under the name scikit-learn and scipy use. Give one of the two;
        both given with different values raise ``ValueError``.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Estimator of the statistic (default ``"plugin"``; see :func:`fastinfo.mutual_information`).
        The plug-in and Miller-Madow estimators draw random tables (fast, see Notes); any other
        estimator permutes the samples themselves and evaluates the estimator on each
        permutation.

    Returns
    -------
    PermutationTestResult
        ``statistic`` (nats), ``pvalue`` and ``null_distribution`` (``N`` values, float64).

    See Also
    --------
    g_test : the asymptotic (chi-squared) test of the same hypothesis, much faster.

    Notes
    -----
    The p-value is ``(k + 1) / (N + 1)`` where ``k`` permutations give a value at least the
    statistic [1]_: never 0, and a valid p-value for any ``N`` (``P(p <= a) <= a``).

    *Ties.* A null value counts as reaching the statistic when it is ``>= statistic - gamma``,
    ``gamma = 8 eps (1 + log n) + 100 eps |statistic|`` (``eps = 2.2e-16``): for the plug-in and
    Miller-Madow estimators the statistic and the null values come from the same fixed-margin
    formula, whose ``k log k`` terms are added exactly, so a permutation that reproduces the
    observed table (up to the order of its cells) gives exactly the statistic and always counts;
    ``gamma`` only absorbs the rounding of ``k log k`` itself (e.g. ``4 log 4 = 2 * 2 log 2``). The
    second term is scipy's relative tolerance.

    *Algorithm.* Permuting ``y`` changes the contingency table but not its margins, and the law of
    the permuted table depends on the margins only. Each null value is therefore drawn directly as
    a random table with those margins (one per stratum of ``given``), in Rust, in parallel over
    permutations: by Patefield's algorithm [2]_ (``O(rows * columns)`` per table; each cell a
    hypergeometric draw, by inversion from the mode for small variances and by Stadlober's
    ratio-of-uniforms rejection [3]_ otherwise, with probabilities from Loader's accurate
    formula where it matters) when the table has few cells for its samples, and by shuffling
    (``O(samples)``) otherwise. Both give the law of the permuted data exactly (up to ~1e-15
    rounding of the probabilities). Permutation ``i`` uses its own xoshiro256++ stream derived
    from ``(seed, i)`` by SplitMix64 hashing, so results do not depend on the thread count.

    References
    ----------
    .. [1] B. Phipson, G. K. Smyth, "Permutation p-values should never be zero", Statistical
       Applications in Genetics and Molecular Biology 9 (2010).
    .. [2] W. M. Patefield, "Algorithm AS 159: an efficient method of generating random R x C
       tables with given row and column totals", Applied Statistics 30 (1981).
    .. [3] E. Stadlober, "The ratio of uniforms approach for generating discrete random
       variates", Journal of Computational and Applied Mathematics 31 (1990).

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 4, 5000)
    >>> y = np.where(rng.random(5000) < 0.1, x, rng.integers(0, 4, 5000))  # weakly dependent
    >>> result = fastinfo.permutation_test(x, y, n_permutations=999, seed=1)
    >>> result.pvalue  # no permutation reaches the observed MI
    0.001
    >>> result.null_distribution.shape
    (999,)
    >>> z = rng.integers(0, 3, 5000)
    >>> fastinfo.permutation_test(x, z, given=y, n_permutations=99, seed=1).pvalue > 0.01
    True
    """
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    variables = [vx, vy]
    given_columns: list[Any] = []
    if given is not None:
        vz = as_variable(given, "given")
        variables.append(vz)
        given_columns = vz.columns
    check_same_length(*variables)
    count = check_permutations(n_permutations)
    seed_value = resolve_seed(seed, random_state)
    e = check_estimator(estimator)
    if e not in FIXED_MARGIN_ESTIMATORS:
        # Other estimators resample the data: three codes per sample plus a copy per thread.
        check_memory(
            4 * vx.n * (3 + _native.get_num_threads()),
            f"estimator={e!r}: a permutation test resamples the data, which",
            "use estimator='plugin' or 'miller_madow'",
        )
    statistic, pvalue, null = _native.permutation_test(
        vx.columns, vy.columns, given_columns, count, seed_value, e, "auto"
    )
    null.flags.writeable = False
    return PermutationTestResult(statistic, pvalue, null)


def g_test(x: npt.ArrayLike, y: npt.ArrayLike, /) -> GTestResult:
    """G-test (log-likelihood ratio test) of independence.

    Parameters
    ----------
    x, y : array_like
        Samples of equal length (see :func:`fastinfo.entropy`).

    Returns
    -------
    GTestResult
        ``statistic`` ``G = 2 n I(X; Y)`` (plug-in MI in nats), ``dof`` and ``pvalue``.

    See Also
    --------
    permutation_test : exact for any sample size, slower.

    Notes
    -----
    ``G = 2 sum O log(O / E)`` over the cells of the contingency table, ``E`` the counts expected
    under independence; under independence ``G`` is approximately chi-squared with
    ``dof = (r - 1) (c - 1)`` degrees of freedom, ``r`` and ``c`` the numbers of *observed*
    values of ``x`` and ``y`` (the table has no empty row or column). This is
    ``scipy.stats.chi2_contingency(table, lambda_="log-likelihood", correction=False)`` (without
    Yates' correction), whose degenerate case is kept: with one row or one column, ``dof = 0``,
    ``G = 0`` and the p-value is 1. The p-value is the regularised upper incomplete gamma function
    ``Q(dof / 2, G / 2)``, computed in Rust (series or continued fraction with a
    cancellation-free prefactor), accurate to about ``2e-13`` relative down to ``1e-300``
    (checked against mpmath; ``scipy.special.gammaincc`` is within ``4e-12`` of it). The
    chi-squared approximation needs expected counts of about 5 or more per cell; otherwise use
    :func:`permutation_test`.

    References
    ----------
    .. [1] R. R. Sokal, F. J. Rohlf, *Biometry*, 3rd ed., W. H. Freeman (1995).

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 0, 0, 0, 1, 1, 1, 1] * 3
    >>> y = [0, 0, 0, 1, 1, 1, 1, 0] * 3
    >>> result = fastinfo.g_test(x, y)
    >>> round(result.statistic, 4), result.dof, round(result.pvalue, 4)
    (6.279, 1, 0.0122)
    >>> result.statistic == 2 * len(x) * fastinfo.mutual_information(x, y)
    True
    """
    vx, vy = as_variable(x, "x"), as_variable(y, "y")
    check_same_length(vx, vy)
    statistic, rows, columns, pvalue = _native.g_test(vx.columns, vy.columns)
    return GTestResult(statistic, (rows - 1) * (columns - 1), pvalue)
