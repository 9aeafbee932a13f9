"""Estimates from samples: entropy, conditional entropy, mutual information, counts."""

from __future__ import annotations

import operator
import warnings
from collections.abc import Sequence
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from . import _knn, _native, _quantity
from ._binning import BinsLike, binner
from ._inputs import (
    ESTIMATORS,
    Base,
    Variable,
    as_variable,
    check_bool,
    check_estimator,
    check_memory,
    check_same_length,
    log_base,
)
from ._significance import seed_alias

#: Upper bound accepted by :func:`set_num_threads` (each thread reserves a stack).
MAX_THREADS = 1024

#: More columns than this in one argument draw a warning unless ``joint=True``.
MAX_SILENT_COLUMNS = 3


def warn_joint(variables: Sequence[Variable], joint: object, other: str | None = None) -> None:
    """Warn when a 2-D argument of many columns is used as one joint variable (``joint`` off).

    Users passing a DataFrame of features usually mean "each column"; for informations with a
    target that is :func:`fastinfo.mutual_information_with`. ``other`` names the argument the
    columns would be scored against. Shared with the reference twin.
    """
    if check_bool(joint, "joint"):
        return
    for variable in variables:
        d = len(variable.columns)
        if not (variable.two_dimensional and d > MAX_SILENT_COLUMNS):
            continue
        name = variable.name
        if other is None:
            advice = (
                f"For each column on its own, pass the columns one at a time; "
                f"fastinfo.mutual_information_with({name}, y) scores each column against a "
                "target y"
            )
        else:
            advice = (
                f"To score each column against {other}, use "
                f"fastinfo.mutual_information_with({name}, {other})"
            )
        warnings.warn(
            f"{name} has {d} columns and is used as ONE joint variable whose outcomes are its "
            f"rows (with many columns nearly every row is distinct). {advice}. Pass joint=True "
            "if one joint variable is meant; that silences this warning",
            UserWarning,
            stacklevel=3,
        )


def entropy(
    x: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
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

    joint : bool, default False
        A 2-D argument is always one joint (vector-valued) variable. With more than three
        columns (e.g. a DataFrame of features) that is rarely what is meant, so fastinfo warns
        (``UserWarning``, pointing to :func:`fastinfo.mutual_information_with`, which scores each
        column); ``joint=True`` says that one joint variable is meant and silences the warning.
    alphabet_size : int, optional
        The number ``K`` of possible values of ``x`` (observed or not), for ``estimator="nsb"``
        only; at least the number of distinct observed values. ``None`` (default): NSB takes
        ``K`` = the number of distinct observed values. Other estimators raise ``ValueError``
        when it is given (they do not use ``K``).
    sample_weight : array_like, optional
        One non-negative weight per sample (as scikit-learn's ``sample_weight``): every cell of
        the table counts the summed weights of its samples. Integer weights give exactly the
        counts of the samples repeated ``w`` times (``np.repeat(x, w)``), so every estimator
        applies; other weights are summed per cell with compensated summation and take
        ``estimator="plugin"`` only (the other estimators need integer counts: ``n``,
        singletons). Zero-weight samples are dropped. NaN, infinite or negative weights, a wrong
        length, or all weights zero raise ``ValueError``.

    Returns
    -------
    float
        The estimate, in units of ``base``. Never negative.

    See Also
    --------
    fastinfo.pmf.entropy : entropy of a distribution given as probabilities or weights.

    Notes
    -----
    The plug-in estimate equals ``scipy.stats.entropy(np.unique(x, return_counts=True)[1])`` up
    to rounding (1-D counts: no axis question).

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
      concentration. It needs the alphabet size ``K``: give it as ``alphabet_size`` when it is
      known; otherwise fastinfo uses the number of distinct observed values ``K = m`` (the
      number of occupied cells of each joint table), which shrinks towards the uniform
      distribution over what was observed. The slowest estimator.

    A constant sample has entropy 0 under every estimator (for Grassberger's this is a
    convention: the formula gives ``log n - G(n)``, of order ``1/n``), except NSB with a given
    ``alphabet_size``, which is then its posterior mean (positive: ``K`` values were possible).
    Estimates are never negative (clamped at 0). Conditional entropies and (conditional) mutual
    information combine the estimates of each table, e.g. ``H(X | Y) = H(X, Y) - H(Y)`` and
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
    >>> round(fastinfo.entropy(x, estimator="nsb", alphabet_size=20), 4)  # 20 possible values
    2.6812
    >>> fastinfo.entropy([0, 1, 2], sample_weight=[2, 1, 1]) == fastinfo.entropy([0, 0, 1, 2])
    True
    """
    labels = binner(bins)
    variable = as_variable(labels(x, "x"), "x")
    labels.check()
    warn_joint([variable], joint)
    scale = log_base(base)
    e = check_estimator(estimator)
    sizes = _quantity.check_alphabet_size(alphabet_size, ["x"], e)
    weights = _quantity.check_sample_weight(sample_weight, variable.n)
    if sizes is not None or weights is not None:
        return _quantity.estimate("entropy", [variable], e, sizes, weights) / scale
    return _native.entropy(variable.columns, e) / scale


def joint_entropy(
    *variables: npt.ArrayLike,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
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

    alphabet_size : int or sequence of int, optional
        For ``estimator="nsb"``: an int is the size of the joint alphabet; a sequence gives one
        size per variable, and the joint alphabet is their product. See :func:`entropy`.
    sample_weight : array_like, optional
        One non-negative weight per sample; see :func:`entropy`.

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
    labels.check()
    check_same_length(*coerced)
    scale = log_base(base)
    e = check_estimator(estimator)
    names = [f"variables[{i}]" for i in range(len(coerced))]
    sizes = _quantity.check_alphabet_size(alphabet_size, names, e, joint=True)
    weights = _quantity.check_sample_weight(sample_weight, coerced[0].n)
    if sizes is not None or weights is not None:
        return _quantity.estimate("entropy", coerced, e, sizes, weights) / scale
    columns = [v.columns for v in coerced]
    return _native.joint_entropy(columns, e) / scale


def conditional_entropy(
    x: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
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

    joint : bool, default False
        A 2-D argument is always one joint (vector-valued) variable. With more than three
        columns (e.g. a DataFrame of features) that is rarely what is meant, so fastinfo warns
        (``UserWarning``, pointing to :func:`fastinfo.mutual_information_with`, which scores each
        column); ``joint=True`` says that one joint variable is meant and silences the warning.
    alphabet_size : sequence of int, optional
        For ``estimator="nsb"``: one alphabet size per variable, ``(K_x, K_given)``, each at
        least that variable's number of distinct observed values. Each entropy of the
        combination is estimated with the product of the sizes of the variables it involves
        (``H(X, given)`` with ``K_x K_given`` values). See :func:`entropy`.
    sample_weight : array_like, optional
        One non-negative weight per sample; see :func:`entropy`.

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
    labels.check()
    warn_joint([vx, vg], joint)
    check_same_length(vx, vg)
    scale = log_base(base)
    e = check_estimator(estimator)
    sizes = _quantity.check_alphabet_size(alphabet_size, ["x", "given"], e)
    weights = _quantity.check_sample_weight(sample_weight, vx.n)
    if sizes is not None or weights is not None:
        return _quantity.estimate("conditional_entropy", [vx, vg], e, sizes, weights) / scale
    return _native.conditional_entropy(vx.columns, vg.columns, e) / scale


def mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    k: int | None = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
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
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb", \
"ksg", "ksg2"}
        See :func:`entropy`. A corrected estimate is ``H(X) + H(Y) - H(X, Y)`` with each entropy
        estimated from its table (the corrections added to the term-by-term plug-in value);
        the result is clamped at 0.

        ``"ksg"`` and ``"ksg2"`` are the k-nearest-neighbour estimators of Kraskov, Stögbauer
        and Grassberger (algorithms 1 and 2) for continuous (floating-point) ``x`` and ``y``,
        without binning (see Notes). With ``"ksg"``, one discrete variable (integer, bool,
        string labels) and one continuous one use Ross's estimator instead.
    bins : int, str or array_like, optional
        Bin floating-point samples first (each variable, each column on its own); see
        :func:`entropy`. The binned estimate of I(X; Y) for continuous X, Y is, like the true
        value, unchanged by rescaling either variable; it is biased by the bin count.
    k : int, optional
        For ``"ksg"`` / ``"ksg2"``: the number of neighbours (default 3), ``1 <= k < n``.
        Larger ``k`` lowers the variance and raises the bias.
    jitter : float, optional
        For ``"ksg"`` / ``"ksg2"``: add Gaussian noise of standard deviation ``jitter`` times
        each column's standard deviation (1 for a constant column) to the continuous variables
        first, to break ties between duplicated samples (which the estimators refuse).
    seed : int, optional
        Seed of the jitter's ``np.random.default_rng`` stream (``None``: a fresh one).
    random_state : int, optional
        The same as ``seed``, under the name scikit-learn and scipy use. Give one of the two;
        both given with different values raise ``ValueError``.

    joint : bool, default False
        A 2-D argument is always one joint (vector-valued) variable. With more than three
        columns (e.g. a DataFrame of features) that is rarely what is meant, so fastinfo warns
        (``UserWarning``, pointing to :func:`fastinfo.mutual_information_with`, which scores each
        column); ``joint=True`` says that one joint variable is meant and silences the warning.

    alphabet_size : sequence of int, optional
        For ``estimator="nsb"``: one alphabet size per variable, ``(K_x, K_y)``, each at least
        that variable's number of distinct observed values; ``H(X)``, ``H(Y)`` and ``H(X, Y)``
        are estimated with ``K_x``, ``K_y`` and ``K_x K_y`` values. See :func:`entropy`.
    sample_weight : array_like, optional
        One non-negative weight per sample; see :func:`entropy`.

    Returns
    -------
    float

    Notes
    -----
    KSG (max norm in the joint space, ``eps_i`` the distance from sample ``i`` to its
    ``k``-th nearest neighbour, ``psi`` the digamma function):

    - ``"ksg"``: ``psi(k) + psi(n) - <psi(n_x + 1) + psi(n_y + 1)>``, ``n_x`` the number of
      other samples strictly within ``eps_i`` of ``x_i`` (likewise ``n_y``);
    - ``"ksg2"``: ``psi(k) - 1/k + psi(n) - <psi(n_x) + psi(n_y)>``, ``n_x`` counted within the
      largest x-distance to the ``k`` neighbours;
    - Ross (``"ksg"`` with one discrete variable ``c``): ``psi(n) + <psi(k_i)> - <psi(n_c)> -
      <psi(m_i)>``, the ``k_i = min(k, n_c - 1)``-th neighbour taken within the sample's class
      and ``m_i`` counting the samples of any class strictly within its distance; samples alone
      in their class are left out (as scikit-learn does).

    The estimates are close to unbiased, so for independent variables they scatter around 0;
    negative values are returned as 0, like every estimate of this function. Neighbours and
    counts are exact (sorted arrays in 1-D, k-d trees up to 8 dimensions, brute force above),
    computed in parallel, with the same result for any number of threads. KSG is not invariant
    to rescaling ``x`` against ``y``: standardise them first if their scales differ widely.
    Samples with ``k`` or more exact duplicates raise ``ValueError`` (pass ``jitter``).
    :func:`fastinfo.mutual_info_regression` reproduces scikit-learn's scaled and jittered
    variant.

    References
    ----------
    A. Kraskov, H. Stögbauer and P. Grassberger, "Estimating mutual information", Phys. Rev. E
    69, 066138 (2004). B. C. Ross, "Mutual information between discrete and continuous data
    sets", PLoS ONE 9(2), e87357 (2014).

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
    >>> round(fastinfo.mutual_information(x, y, estimator="ksg"), 2)  # no bins
    0.35
    >>> labels = rng.integers(0, 2, 1_000_000)  # a discrete variable: Ross's estimator
    >>> y = labels + rng.normal(size=1_000_000)  # a mixture of N(0, 1) and N(1, 1): I = 0.1114
    >>> round(fastinfo.mutual_information(labels, y, estimator="ksg"), 2)
    0.11
    >>> w = [0.5, 0.5, 1.0, 1.0]  # any non-negative weights with the plug-in estimator
    >>> round(fastinfo.mutual_information([0, 1, 0, 1], [0, 1, 1, 1], sample_weight=w), 6)
    0.132304
    """
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    chosen = check_estimator(estimator, (*ESTIMATORS, *_knn.MUTUAL_INFORMATION_ESTIMATORS))
    if chosen in _knn.MUTUAL_INFORMATION_ESTIMATORS:
        if bins is not None:
            raise ValueError(f"bins= cannot be combined with estimator={chosen!r}: it uses no bins")
        if alphabet_size is not None or sample_weight is not None:
            raise ValueError(
                f"alphabet_size= and sample_weight= apply to the estimators of counts, not to "
                f"estimator={chosen!r}"
            )
        return _knn.mutual_information(
            x, y, estimator=chosen, k=k, base=base, jitter=jitter, seed=seed
        )
    _knn.refuse_knn_options(chosen, k=k, jitter=jitter, seed=seed)
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    labels.check()
    warn_joint([vx], joint, "y")
    warn_joint([vy], joint, "x")
    check_same_length(vx, vy)
    scale = log_base(base)
    e = chosen
    sizes = _quantity.check_alphabet_size(alphabet_size, ["x", "y"], e)
    weights = _quantity.check_sample_weight(sample_weight, vx.n)
    if sizes is not None or weights is not None:
        return _quantity.estimate("mutual_information", [vx, vy], e, sizes, weights) / scale
    return _native.mutual_information(vx.columns, vy.columns, e) / scale


def conditional_mutual_information(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    given: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    estimator: str = "plugin",
    bins: BinsLike | None = None,
    joint: bool = False,
    k: int | None = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
    alphabet_size: int | Sequence[int] | None = None,
    sample_weight: npt.ArrayLike | None = None,
) -> float:
    """Conditional mutual information I(X; Y | given).

    ``I = sum p(x, y, z) log(p(z) p(x, y, z) / (p(x, z) p(y, z)))``; never negative.

    Parameters
    ----------
    x, y, given : array_like
        Samples of equal length (see :func:`entropy`).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb", "ksg"}
        See :func:`entropy`. A corrected estimate is
        ``H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)`` with each entropy estimated from its table
        (``Z`` = ``given``); the result is clamped at 0.

        ``"ksg"``: the k-nearest-neighbour estimator of Frenzel and Pompe for continuous
        (floating-point) ``x``, ``y`` and ``given``, without binning:
        ``psi(k) - <psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)>``, the distance to the
        ``k``-th neighbour taken in the joint space (max norm) and the counts strictly within it
        in the ``(x, given)``, ``(y, given)`` and ``given`` spaces. Clamped at 0.
    bins : int, str or array_like, optional
        Bin floating-point samples first; see :func:`entropy`.
    k : int, optional
        For ``"ksg"``: the number of neighbours (default 3).
    jitter : float, optional
        For ``"ksg"``: Gaussian noise, relative to each column's standard deviation, added
        first to break ties (see :func:`mutual_information`).
    seed : int, optional
        Seed of the jitter (``None``: a fresh one).
    random_state : int, optional
        The same as ``seed``, under the name scikit-learn and scipy use. Give one of the two;
        both given with different values raise ``ValueError``.

    joint : bool, default False
        A 2-D argument is always one joint (vector-valued) variable. With more than three
        columns (e.g. a DataFrame of features) that is rarely what is meant, so fastinfo warns
        (``UserWarning``, pointing to :func:`fastinfo.mutual_information_with`, which scores each
        column); ``joint=True`` says that one joint variable is meant and silences the warning.

    alphabet_size : sequence of int, optional
        For ``estimator="nsb"``: one alphabet size per variable, ``(K_x, K_y, K_given)``; each
        entropy of the combination is estimated with the product of the sizes of the variables
        it involves. See :func:`entropy`.
    sample_weight : array_like, optional
        One non-negative weight per sample; see :func:`entropy`.

    Returns
    -------
    float

    References
    ----------
    S. Frenzel and B. Pompe, "Partial mutual information for coupling analysis of multivariate
    time series", Phys. Rev. Lett. 99, 204101 (2007).

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 1, 0, 1]
    >>> fastinfo.conditional_mutual_information(x, x, x)  # nothing left once X is known
    0.0
    >>> fastinfo.conditional_mutual_information(x, x, [0, 0, 0, 0], base=2)
    1.0
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=100_000)
    >>> b = a + rng.normal(size=100_000)  # a -> b -> c: I(a; c | b) = 0
    >>> c = b + rng.normal(size=100_000)
    >>> round(fastinfo.conditional_mutual_information(a, c, b, estimator="ksg"), 2)
    0.0
    """
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    chosen = check_estimator(estimator, (*ESTIMATORS, *_knn.CONDITIONAL_ESTIMATORS))
    if chosen in _knn.CONDITIONAL_ESTIMATORS:
        if bins is not None:
            raise ValueError(f"bins= cannot be combined with estimator={chosen!r}: it uses no bins")
        if alphabet_size is not None or sample_weight is not None:
            raise ValueError(
                f"alphabet_size= and sample_weight= apply to the estimators of counts, not to "
                f"estimator={chosen!r}"
            )
        return _knn.conditional_mutual_information(
            x, y, given, k=k, base=base, jitter=jitter, seed=seed
        )
    _knn.refuse_knn_options(chosen, k=k, jitter=jitter, seed=seed)
    labels = binner(bins)
    vx, vy = as_variable(labels(x, "x"), "x"), as_variable(labels(y, "y"), "y")
    vz = as_variable(labels(given, "given"), "given")
    labels.check()
    warn_joint([vx], joint, "y")
    warn_joint([vy], joint, "x")
    warn_joint([vz], joint)
    check_same_length(vx, vy, vz)
    scale = log_base(base)
    e = chosen
    sizes = _quantity.check_alphabet_size(alphabet_size, ["x", "y", "given"], e)
    weights = _quantity.check_sample_weight(sample_weight, vx.n)
    if sizes is not None or weights is not None:
        quantity = "conditional_mutual_information"
        return _quantity.estimate(quantity, [vx, vy, vz], e, sizes, weights) / scale
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
    parallel dense or hashed count instead of a sort, for every kind of label: integers, strings
    (lists, object arrays, numpy ``U``/``S``, pandas, pyarrow and polars string columns) and
    pandas Categoricals (sorted by value, as ``np.unique`` sorts them, not in category order).
    Only Python objects that cannot be ordered with each other (an object array mixing ``1`` and
    ``"1"``, which ``np.unique`` refuses) come in order of first appearance.

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


def _available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS has one)."""
    import os

    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(len(affinity(0)), 1)
    return os.cpu_count() or 1


def set_num_threads(n: int, /) -> None:
    """Set the number of threads fastinfo uses (default: ``FASTINFO_NUM_THREADS`` or all cores).

    Parameters
    ----------
    n : int
        A number of threads from 1 to 1024; or, as joblib's ``n_jobs``, a negative number
        counted from the cores available to the process: ``-1`` all of them, ``-2`` all but
        one, ``n`` gives ``cores + 1 + n`` threads (at least 1). 0 raises ``ValueError``.

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.set_num_threads(2)
    >>> fastinfo.get_num_threads()
    2
    >>> fastinfo.set_num_threads(-1)  # all cores, as joblib's n_jobs=-1
    >>> fastinfo.get_num_threads() >= 1
    True
    """
    expected = f"an integer from 1 to {MAX_THREADS}, or negative to count from all cores (-1)"
    if isinstance(n, np.ma.MaskedArray) and np.ma.getmaskarray(n).any():
        raise TypeError(f"n must be {expected}, got a masked value")
    if isinstance(n, (bool, np.bool_)):
        raise TypeError(f"n must be {expected}, got a bool")
    try:
        count = operator.index(n)
    except TypeError:
        raise TypeError(f"n must be {expected}, got {n!r}") from None
    if count == 0:
        raise ValueError(f"n must be {expected}, got 0")
    if count < 0:
        count = max(_available_cores() + 1 + count, 1)
    if count > MAX_THREADS:
        raise ValueError(f"n must be {expected}, got {count}")
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
