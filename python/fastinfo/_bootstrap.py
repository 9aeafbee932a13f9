"""Error bars: the bootstrap of an entropy or a mutual information."""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from . import _native, _quantity
from ._binning import BinsLike, binner
from ._inputs import Base, Variable, as_variable, check_estimator, check_memory, log_base
from ._inputs import check_same_length as _check_same_length
from ._significance import check_seed, seed_alias

#: The statistics :func:`bootstrap` accepts: function name -> (quantity, names of its variables).
STATISTICS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "entropy": ("entropy", ("x",)),
    "joint_entropy": ("entropy", None),
    "conditional_entropy": ("conditional_entropy", ("x", "given")),
    "mutual_information": ("mutual_information", ("x", "y")),
    "conditional_mutual_information": ("conditional_mutual_information", ("x", "y", "given")),
}


class ConfidenceInterval(NamedTuple):
    """Bounds of a confidence interval (as ``scipy.stats.bootstrap``'s).

    Examples
    --------
    >>> import fastinfo
    >>> low, high = fastinfo.ConfidenceInterval(0.1, 0.5)
    >>> high - low
    0.4
    """

    low: float
    high: float


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """Outcome of :func:`bootstrap`.

    Attributes
    ----------
    estimate : float
        The statistic of the data (as the statistic's function returns it).
    standard_error : float
        The standard deviation of the bootstrap values (``ddof=1``).
    confidence_interval : ConfidenceInterval
        ``(low, high)``: the percentile interval of the bootstrap values.
    bootstrap_distribution : ndarray of float64, shape (n_resamples,)
        The statistic of each resample (read-only).

    Examples
    --------
    >>> import fastinfo
    >>> result = fastinfo.bootstrap(fastinfo.entropy, [0, 1] * 50, n_resamples=99, seed=0)
    >>> result.estimate == fastinfo.entropy([0, 1] * 50)
    True
    """

    estimate: float
    standard_error: float
    confidence_interval: ConfidenceInterval
    bootstrap_distribution: npt.NDArray[np.float64] = field(repr=False)

    def __repr__(self) -> str:
        with np.printoptions(threshold=6, edgeitems=3, precision=6):
            values = repr(self.bootstrap_distribution)
        return (
            f"BootstrapResult(estimate={self.estimate!r}, "
            f"standard_error={self.standard_error!r}, "
            f"confidence_interval={self.confidence_interval!r}, "
            f"bootstrap_distribution={values})"
        )


def check_statistic(statistic: object) -> tuple[str, str, tuple[str, ...] | None]:
    """``(name, quantity, variable names)`` of a statistic function of fastinfo (or its twin)."""
    name = getattr(statistic, "__name__", None)
    module = getattr(statistic, "__module__", "") or ""
    if not callable(statistic) or name not in STATISTICS or not module.startswith("fastinfo"):
        choices = ", ".join(f"fastinfo.{n}" for n in STATISTICS)
        raise TypeError(f"statistic must be one of {choices}; got {statistic!r}")
    quantity, names = STATISTICS[name]
    return name, quantity, names


def check_resamples(n_resamples: object) -> int:
    """``n_resamples`` as an int ``>= 2`` whose values fit the memory budget."""
    if isinstance(n_resamples, (bool, np.bool_)) or not isinstance(n_resamples, numbers.Integral):
        raise TypeError(f"n_resamples must be an integer >= 2, got {n_resamples!r}")
    count = operator.index(n_resamples)
    if count < 2:
        raise ValueError(f"n_resamples must be at least 2, got {count}")
    check_memory(8 * count, f"n_resamples={count}: the bootstrap values", "use fewer resamples")
    return count


def check_confidence_level(confidence_level: object) -> float:
    """``confidence_level`` as a float strictly between 0 and 1."""
    if isinstance(confidence_level, (bool, np.bool_)) or not isinstance(
        confidence_level, numbers.Real
    ):
        raise TypeError(f"confidence_level must be a number in (0, 1), got {confidence_level!r}")
    try:
        level = float(confidence_level)
    except OverflowError:
        level = math.inf
    if not 0.0 < level < 1.0:
        raise ValueError(f"confidence_level must be in (0, 1), got {level}")
    return level


def prepare(
    statistic: object,
    variables: Sequence[npt.ArrayLike],
    estimator: str,
    alphabet_size: object,
    bins: BinsLike | None,
) -> tuple[str, list[Variable], str, list[int] | None]:
    """Checks the arguments shared with the twin: ``(quantity, variables, estimator, sizes)``."""
    name, quantity, names = check_statistic(statistic)
    if names is None:
        if not variables:
            raise TypeError("bootstrap(fastinfo.joint_entropy, ...) needs at least one variable")
        names = tuple(f"variables[{i}]" for i in range(len(variables)))
    elif len(variables) != len(names):
        raise TypeError(
            f"bootstrap(fastinfo.{name}, ...) needs {len(names)} variables "
            f"({', '.join(names)}), got {len(variables)}"
        )
    labels = binner(bins)
    coerced = [as_variable(labels(v, n), n) for v, n in zip(variables, names)]
    _check_same_length(*coerced)
    e = check_estimator(estimator)
    joint = name == "joint_entropy"
    sizes = _quantity.check_alphabet_size(alphabet_size, names, e, joint=joint)
    if sizes is not None and len(sizes) == 1 and len(coerced) > 1:
        merged = Variable(
            "variables",
            [c for v in coerced for c in v.columns],
            [d for v in coerced for d in v.decoders],
            True,
        )
        coerced = [merged]
    return quantity, coerced, e, sizes


def summarize(
    estimate: float, values: npt.NDArray[np.float64], confidence_level: float
) -> BootstrapResult:
    """The result object of an estimate and its bootstrap values (already in units)."""
    tail = (1.0 - confidence_level) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    values.setflags(write=False)
    return BootstrapResult(
        estimate=float(estimate),
        standard_error=float(np.std(values, ddof=1)),
        confidence_interval=ConfidenceInterval(float(low), float(high)),
        bootstrap_distribution=values,
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
    """Bootstrap standard error and confidence interval of an entropy or mutual information.

    Resamples the rows of the data with replacement ``n_resamples`` times, evaluates the
    statistic on each resample, and summarises the spread: ``fastinfo.bootstrap(
    fastinfo.mutual_information, x, y)`` gives error bars for ``I(X; Y)``.

    Parameters
    ----------
    statistic : callable
        One of :func:`fastinfo.entropy`, :func:`fastinfo.joint_entropy`,
        :func:`fastinfo.conditional_entropy`, :func:`fastinfo.mutual_information` and
        :func:`fastinfo.conditional_mutual_information` (the function itself).
    *variables : array_like
        Its data, as it takes them positionally: ``x`` for the entropy; ``x, given`` for the
        conditional entropy; ``x, y`` for MI; ``x, y, given`` for the conditional MI; any
        number for the joint entropy. Samples of equal length (see :func:`fastinfo.entropy`).
    n_resamples : int, default 1000
        Number of bootstrap resamples ``B`` (at least 2).
    confidence_level : float, default 0.95
        Confidence level of the interval, in (0, 1) (``scipy.stats.bootstrap``'s name).
    seed : int, optional
        Seed in ``[0, 2**64)`` of the random streams; the same seed gives the same result on any
        machine and for any number of threads. ``None`` draws a fresh seed.
    random_state : int, optional
        The same as ``seed``, under the name scikit-learn and scipy use. Give one of the two;
        both given with different values raise ``ValueError``.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Estimator of the statistic, applied to the data and to every resample (see
        :func:`fastinfo.entropy`).
    alphabet_size : int or sequence of int, optional
        For ``estimator="nsb"``: the alphabet sizes, as the statistic takes them.
    base : float, optional
        Logarithm base of the results; ``None`` (default) gives nats.
    bins : int, str or array_like, optional
        Bin floating-point samples first, once, before resampling (see :func:`fastinfo.entropy`).

    Returns
    -------
    BootstrapResult
        ``estimate`` (the statistic of the data), ``standard_error``, ``confidence_interval``
        ``(low, high)`` and ``bootstrap_distribution`` (``B`` values, float64).

    See Also
    --------
    permutation_test : whether an MI is more than noise (a p-value rather than an interval).

    Notes
    -----
    *Interval.* The percentile interval [1]_: the ``(1 - level) / 2`` and ``(1 + level) / 2``
    quantiles of the bootstrap values (``numpy.quantile``, linear interpolation), and the standard
    error is their standard deviation. Plug-in entropies are biased down and plug-in MI up by
    about ``(cells - 1) / (2 n)``; the bootstrap values inherit that bias, so when it is not small
    against the standard error (many cells for the samples, or an MI near 0) the interval covers
    the truth less often than ``confidence_level``: use a bias-corrected estimator, or read the
    interval as one for the estimate's expectation.

    *Algorithm.* Resampling ``n`` rows with replacement gives a joint table of multinomial
    counts with the observed frequencies, so each resample is drawn directly as a table, cell by
    cell with conditional binomial draws (inversion for small means, Hörmann's BTRS [2]_
    otherwise): ``O(cells)`` per resample instead of ``O(n)``. Resamples run in Rust in
    parallel, without the GIL and stoppable with Ctrl-C; resample ``b`` draws from its own
    xoshiro256++ stream of ``(seed, b)``, as :func:`permutation_test` does, so results do not
    depend on the thread count.

    References
    ----------
    .. [1] B. Efron and R. J. Tibshirani, *An Introduction to the Bootstrap*, Chapman & Hall
       (1993), ch. 13.
    .. [2] W. Hörmann, "The generation of binomial random variates", J. Statist. Comput. Simul.
       46 (1993), 101-110.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 4, 2000)
    >>> y = np.where(rng.random(2000) < 0.5, x, rng.integers(0, 4, 2000))
    >>> result = fastinfo.bootstrap(fastinfo.mutual_information, x, y, seed=1)
    >>> round(result.estimate, 3), round(result.standard_error, 3)
    (0.342, 0.018)
    >>> low, high = result.confidence_interval
    >>> bool(low < result.estimate < high)
    True
    """
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    quantity, coerced, e, sizes = prepare(statistic, variables, estimator, alphabet_size, bins)
    count = check_resamples(n_resamples)
    level = check_confidence_level(confidence_level)
    seed_value = check_seed(seed)
    scale = log_base(base)
    columns: list[list[Any]] = [v.columns for v in coerced]
    estimate, values = _native.bootstrap(columns, quantity, e, sizes, count, seed_value)
    return summarize(estimate / scale, values / scale, level)
