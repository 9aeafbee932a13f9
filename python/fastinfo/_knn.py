"""Continuous samples without binning: k-nearest-neighbour estimators.

The public faces are ``differential_entropy(x, estimator="kl")``, ``mutual_information(x, y,
estimator="ksg" | "ksg2")`` and ``conditional_mutual_information(x, y, given, estimator="ksg")``
(whose wrappers dispatch here), and :func:`kl_divergence_samples`. The argument checks and the
coercions below are shared with the pure-numpy twin :mod:`fastinfo.reference._knn`; the searches
run in Rust (``_native.knn_*``).
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import Base, as_array, log_base
from ._significance import check_seed, seed_alias

Floats = npt.NDArray[np.float64]
Codes = npt.NDArray[np.int64]

#: The estimators of ``mutual_information`` that dispatch here.
MUTUAL_INFORMATION_ESTIMATORS: tuple[str, ...] = _native.KSG_ESTIMATORS
#: The estimators of ``conditional_mutual_information`` that dispatch here.
CONDITIONAL_ESTIMATORS = ("ksg",)
#: The norms neighbour distances may be measured in (named by the extension).
NORMS: tuple[str, ...] = _native.NORMS
#: Neighbours when ``k`` is not given.
DEFAULT_K = 3


# ---------------------------------------------------------------------------------------------
# Argument checks and coercion (shared with the reference twin)


def is_discrete(x: Any) -> bool:
    """Whether samples ``x`` are labels (integers, bools, strings, objects, categoricals).

    Floating-point samples are continuous; everything else is discrete, as in the counting
    estimators (which refuse floats). Complex numbers are neither (``as_points`` refuses them).
    """
    kind = type(x)
    if kind.__module__.split(".")[0] == "polars" and kind.__name__ == "LazyFrame":
        return False  # refused where the samples are read, with the advice to collect it
    dtype = getattr(x, "dtype", None)
    if getattr(dtype, "name", None) == "category":
        return True
    if dtype is not None and not isinstance(dtype, np.dtype):  # a pandas extension array
        return getattr(dtype, "kind", "O") not in "fc"
    try:
        return np.asarray(x).dtype.kind not in "fc"
    except ValueError:  # ragged: refused, naming the argument, where it is read
        return False


def as_points(x: Any, name: str) -> Floats:
    """Samples ``x`` (``(n,)`` or ``(n, d)`` real numbers) as a C-contiguous float64 ``(n, d)``.

    Non-finite values are found by the extension while it reads them (the reference checks them
    here).
    """
    if getattr(getattr(x, "dtype", None), "name", None) == "category":
        raise TypeError(f"{name} is categorical; nearest-neighbour estimates need real numbers")
    array = as_array(x, name)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"{name} has dtype {array.dtype}; nearest-neighbour estimates need real numbers "
            "(float, or integers used as numbers)"
        )
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (n,) or 2-D (n, d) with one sample per row, "
            f"got a {array.ndim}-d array of shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed")
    if array.ndim == 2 and array.shape[1] == 0:
        raise ValueError(f"{name} has shape {array.shape}: a 2-D variable needs at least 1 column")
    points = np.ascontiguousarray(array, dtype=np.float64)
    return points.reshape(points.shape[0], -1)


def as_codes(x: Any, name: str) -> Codes:
    """Discrete samples ``x`` as int64 codes ``0..m`` of their distinct values (or rows)."""
    from ._inputs import as_variable

    variable = as_variable(x, name)
    if len(variable.columns) == 1:
        _, codes = np.unique(variable.columns[0], return_inverse=True)
    else:
        _, codes = np.unique(np.column_stack(variable.columns), axis=0, return_inverse=True)
    return np.ascontiguousarray(codes.reshape(-1), dtype=np.int64)


def check_k(k: object, n: int, name: str = "x") -> int:
    """``k`` (``None`` for the default 3) as an int with ``1 <= k < n``."""
    if k is None:
        k = DEFAULT_K
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral):
        raise TypeError(f"k must be a positive integer, got {k!r}")
    value = operator.index(k)
    if value < 1:
        raise ValueError(f"k must be at least 1, got {value}")
    if n < 2:
        raise ValueError(
            f"{name} has {n} sample: nearest-neighbour estimates need at least 2 (k + 1) samples"
        )
    if value >= n:
        raise ValueError(
            f"k must be less than the number of samples of {name} ({n}), got {value}: each "
            "sample needs k other samples as neighbours"
        )
    return value


def check_norm(norm: object) -> str:
    """``norm`` (``None`` for ``"euclidean"``) after checking it names a norm."""
    if norm is None:
        return "euclidean"
    if not isinstance(norm, str):
        raise TypeError(f"norm must be a string, got {norm!r}")
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {list(NORMS)}, got {norm!r}")
    return norm


def check_same_rows(
    first: Floats | Codes, first_name: str, other: Floats | Codes, name: str
) -> None:
    """Raise ValueError if ``other`` has another number of samples than ``first``."""
    if other.shape[0] != first.shape[0]:
        raise ValueError(
            f"{name} has {other.shape[0]} samples but {first_name} has {first.shape[0]}: "
            "all variables must have the same number of samples"
        )


@dataclass(frozen=True)
class Jitter:
    """Explicit noise to break ties: Gaussian, ``scale`` times each column's standard deviation.

    ``scale`` is None for no noise. The noise of every variable comes from one
    ``np.random.default_rng(seed)`` stream, drawn in the order of the arguments.
    """

    scale: float | None
    seed: int

    def apply(self, points: Floats, rng: np.random.Generator) -> Floats:
        """``points`` plus the noise (a new array), or ``points`` itself without jitter."""
        if self.scale is None:
            return points
        spread = points.std(axis=0)
        spread[spread == 0] = 1.0
        noise = rng.standard_normal(points.shape) * (self.scale * spread)
        return np.ascontiguousarray(points + noise)

    def rng(self) -> np.random.Generator:
        """The stream of the noise."""
        return np.random.default_rng(self.seed)


def check_jitter(jitter: object, seed: object) -> Jitter:
    """``jitter`` (None, or a non-negative finite number) and its ``seed``."""
    if jitter is None:
        if seed is not None:
            raise ValueError("seed is only used with jitter=; pass jitter= as well, or drop seed")
        return Jitter(None, 0)
    if isinstance(jitter, (bool, np.bool_)) or not isinstance(jitter, numbers.Real):
        raise TypeError(f"jitter must be a non-negative number or None, got {jitter!r}")
    try:
        value = float(jitter)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"jitter must be a non-negative finite number, got {jitter!r}")
    return Jitter(value, check_seed(seed))


#: The estimators of ``differential_entropy``.
ENTROPY_ESTIMATORS = ("kl", "histogram")


def entropy_estimator(estimator: object, bins: object) -> str:
    """The estimator of ``differential_entropy``.

    Unless named: ``"histogram"`` if bins are given, else ``"kl"``.
    """
    if estimator is None:
        return "kl" if bins is None else "histogram"
    if not isinstance(estimator, str):
        raise TypeError(f"estimator must be a string or None, got {estimator!r}")
    if estimator not in ENTROPY_ESTIMATORS:
        raise ValueError(f"estimator must be one of {list(ENTROPY_ESTIMATORS)}, got {estimator!r}")
    if estimator == "kl" and bins is not None:
        raise ValueError("bins= is an option of estimator='histogram'; estimator='kl' uses no bins")
    return estimator


def refuse_knn_options(estimator: str, **options: object) -> None:
    """Raise if an option of the nearest-neighbour estimators is given to another estimator."""
    for name, value in options.items():
        if value is not None:
            raise ValueError(
                f"{name}= is an option of the k-nearest-neighbour estimators "
                f"(estimator='ksg', 'ksg2' or 'kl'), not of estimator={estimator!r}"
            )


def has_constant_column(points: Floats) -> bool:
    """Whether a column of ``points`` holds a single value (NaN columns are not constant)."""
    return bool(np.any(points.min(axis=0) == points.max(axis=0)))


def clipped(value: float) -> float:
    """``max(value, 0)``: informations and divergences are never negative."""
    return max(value, 0.0)


@dataclass(frozen=True)
class Pair:
    """Two variables ready for an estimate of ``I(x; y)``.

    ``continuous`` holds the continuous ones as ``(n, d)`` float64; ``labels`` the class codes
    of the discrete one and its name (``None`` when both are continuous).
    """

    continuous: list[Floats]
    labels: Codes | None
    labels_name: str | None


def mutual_information_pair(
    x: Any, y: Any, estimator: str, jitter: Jitter, rng: np.random.Generator
) -> Pair:
    """Coerce ``x`` and ``y`` for a nearest-neighbour estimate (by dtype: floats continuous)."""
    discrete_x, discrete_y = is_discrete(x), is_discrete(y)
    if discrete_x and discrete_y:
        raise TypeError(
            f"estimator={estimator!r} needs continuous (floating-point) samples, but x and y are "
            "both discrete labels; use a counting estimator such as estimator='plugin'"
        )
    if discrete_x or discrete_y:
        if estimator != "ksg":
            raise ValueError(
                f"estimator={estimator!r} needs two continuous variables; for a discrete "
                f"{'x' if discrete_x else 'y'} use estimator='ksg' (Ross's estimator)"
            )
        labels_name = "x" if discrete_x else "y"
        continuous_name = "y" if discrete_x else "x"
        labels = as_codes(x if discrete_x else y, labels_name)
        points = as_points(y if discrete_x else x, continuous_name)
        check_same_rows(labels, labels_name, points, continuous_name)
        return Pair([jitter.apply(points, rng)], labels, labels_name)
    px, py = as_points(x, "x"), as_points(y, "y")
    check_same_rows(px, "x", py, "y")
    return Pair([jitter.apply(px, rng), jitter.apply(py, rng)], None, None)


# ---------------------------------------------------------------------------------------------
# Estimates (the public wrappers in _samples.py and _binning.py document them)


def differential_entropy(
    x: Any, *, k: object, norm: object, base: Base, jitter: object, seed: object
) -> float:
    """Kozachenko-Leonenko estimate of h(X) (see :func:`fastinfo.differential_entropy`)."""
    scale = log_base(base)
    chosen = check_norm(norm)
    noise = check_jitter(jitter, seed)
    points = as_points(x, "x")
    count = check_k(k, points.shape[0])
    if has_constant_column(points):
        return -math.inf  # a point mass in that coordinate: no density
    points = noise.apply(points, noise.rng())
    return _native.knn_differential_entropy(points, count, chosen) / scale


def mutual_information(
    x: Any, y: Any, *, estimator: str, k: object, base: Base, jitter: object, seed: object
) -> float:
    """KSG / Ross estimate of I(X; Y) (see :func:`fastinfo.mutual_information`)."""
    scale = log_base(base)
    noise = check_jitter(jitter, seed)
    pair = mutual_information_pair(x, y, estimator, noise, noise.rng())
    count = check_k(k, pair.continuous[0].shape[0])
    if pair.labels is not None:
        assert pair.labels_name is not None
        value = _native.knn_mixed_mutual_information(
            pair.labels, pair.continuous[0], count, pair.labels_name
        )
    else:
        px, py = pair.continuous
        value = _native.knn_mutual_information(px, py, count, estimator)
    return clipped(value) / scale


def conditional_mutual_information(
    x: Any, y: Any, given: Any, *, k: object, base: Base, jitter: object, seed: object
) -> float:
    """Frenzel-Pompe estimate of I(X; Y | given) (see the public wrapper)."""
    scale = log_base(base)
    noise = check_jitter(jitter, seed)
    names = ("x", "y", "given")
    for value, name in zip((x, y, given), names):
        if is_discrete(value):
            raise TypeError(
                f"{name} holds discrete labels, but estimator='ksg' (Frenzel-Pompe) needs three "
                "continuous (floating-point) variables; discretise the continuous ones (bins=) "
                "and use a counting estimator instead"
            )
    points = [as_points(v, name) for v, name in zip((x, y, given), names)]
    check_same_rows(points[0], "x", points[1], "y")
    check_same_rows(points[0], "x", points[2], "given")
    rng = noise.rng()
    px, py, pz = (noise.apply(p, rng) for p in points)
    count = check_k(k, px.shape[0])
    value = _native.knn_conditional_mutual_information(px, py, pz, count)
    return clipped(value) / scale


def divergence_points(x: Any, y: Any, k: object, noise: Jitter) -> tuple[Floats, Floats, int]:
    """``x`` and ``y`` for :func:`kl_divergence_samples`, checked, and ``k``."""
    for value, name in ((x, "x"), (y, "y")):
        if is_discrete(value):
            raise TypeError(
                f"{name} holds discrete labels; kl_divergence_samples estimates from continuous "
                "(floating-point) samples. For discrete samples, compare their frequencies with "
                "fastinfo.pmf.kl_divergence"
            )
    px, py = as_points(x, "x"), as_points(y, "y")
    if px.shape[1] != py.shape[1]:
        raise ValueError(
            f"y has {py.shape[1]} dimensions but x has {px.shape[1]}: both samples must live in "
            "the same space"
        )
    if k is None:
        k = 1
    count = check_k(k, px.shape[0])
    if count > py.shape[0]:
        raise ValueError(
            f"k must be at most the number of samples of y ({py.shape[0]}), got {count}"
        )
    rng = noise.rng()
    return noise.apply(px, rng), noise.apply(py, rng), count


def kl_divergence_samples(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    /,
    *,
    k: int = 1,
    norm: str = "euclidean",
    base: Base = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
) -> float:
    """KL divergence D(P || Q) between the distributions of two continuous samples.

    Estimated from nearest-neighbour distances (Wang, Kulkarni and Verdú 2009), without binning
    and without estimating either density.

    Parameters
    ----------
    x : array_like
        Samples of P: ``(n,)`` or ``(n, d)`` real numbers (floats; integers are read as numbers),
        at least ``k + 1`` of them. NaN and +-inf raise ``ValueError`` naming the sample.
    y : array_like
        Samples of Q: ``(m,)`` or ``(m, d)``, the same dimension ``d``, at least ``k``.
    k : int, default 1
        Neighbours: the ``k``-th nearest neighbour distances are compared. Larger ``k`` lowers
        the variance and raises the bias.
    norm : {"euclidean", "max"}, default "euclidean"
        The norm distances are measured in (the volume of its unit ball cancels).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    jitter : float, optional
        Add Gaussian noise of standard deviation ``jitter`` times each column's standard
        deviation (1 for a constant column) to both samples first, to break ties between
        duplicated points (see Notes). ``None`` (default): the data are used as given.
    seed : int, optional
        Seed of the jitter's ``np.random.default_rng`` stream; ``None`` draws a fresh one.
        Only with ``jitter``.
    random_state : int, optional
        The same as ``seed``, under the name scikit-learn and scipy use. Give one of the two;
        both given with different values raise ``ValueError``.

    Returns
    -------
    float
        The estimate, in units of ``base``; negative estimates (possible when P and Q are close)
        are returned as 0.

    See Also
    --------
    fastinfo.pmf.kl_divergence : between probability vectors.
    fastinfo.gaussian.kl_divergence : the closed form between two Gaussians.

    Notes
    -----
    With ``rho_i`` the distance from ``x_i`` to its ``k``-th nearest neighbour among the other
    ``x`` and ``nu_i`` to its ``k``-th nearest among the ``y``:

    ``D = (d / n) * sum_i log(nu_i / rho_i) + log(m / (n - 1))``.

    The estimate is consistent (it converges to ``D(P || Q)`` as ``n, m -> inf``) for densities
    with a common support. Distances are exact (k-d trees up to 8 dimensions, brute force above)
    and the result is the same, bit for bit, for any number of threads.

    A sample of ``x`` with ``k`` exact duplicates in ``x`` (``rho_i = 0``), or with ``k`` exact
    copies in ``y`` (``nu_i = 0``), would make the estimate infinite: that raises
    ``ValueError``. Drop the duplicates, or pass ``jitter`` (e.g. ``1e-10``) with a ``seed``.

    The name says *samples* because :func:`fastinfo.pmf.kl_divergence` takes probability
    vectors: ``fastinfo.kl_divergence_samples([0.5, 0.5], [0.9, 0.1])`` reads two samples of
    two points each.

    References
    ----------
    Q. Wang, S. R. Kulkarni and S. Verdú, "Divergence estimation for multidimensional densities
    via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5), 2392-2405 (2009).

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0.0, 1.0, 200_000)
    >>> y = rng.normal(1.0, 1.0, 200_000)
    >>> round(fastinfo.kl_divergence_samples(x, y), 1)  # closed form: 1/2
    0.5
    >>> round(fastinfo.kl_divergence_samples(x, y, k=10), 2)  # less variance
    0.5
    >>> fastinfo.kl_divergence_samples([0.0, 0.0, 1.0], [0.5, 2.0])
    Traceback (most recent call last):
    ...
    ValueError: x: sample 0 has 1 or more exact duplicates in x ...
    """
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    scale = log_base(base)
    chosen = check_norm(norm)
    noise = check_jitter(jitter, seed)
    px, py, count = divergence_points(x, y, k, noise)
    value = _native.knn_kl_divergence(px, py, count, chosen)
    return clipped(value) / scale
