"""Continuous samples: discretisation and differential entropy by histogram.

The argument checks and coercions here (:func:`as_continuous`, :func:`check_bins`,
:func:`check_strategy`, :func:`binned`) are shared with the pure-numpy twin
:mod:`fastinfo.reference._binning`; the binning itself runs in Rust (``_native.discretize``).
"""

from __future__ import annotations

import importlib
import math
import numbers
import operator
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Union

import numpy as np
import numpy.typing as npt

from . import _knn, _native
from ._inputs import Base, as_array, check_memory, is_native, log_base, native
from ._significance import seed_alias

#: The bin-count rules accepted by ``bins=`` (numpy's, see ``np.histogram_bin_edges``).
RULES = ("auto", "fd", "rice", "scott", "sqrt", "sturges")
#: How bin edges are placed.
STRATEGIES = ("uniform", "quantile")
#: Most bins a variable may have (labels are at most uint32).
MAX_BINS = 2**32

BinsLike = Union[int, str, npt.ArrayLike]
FloatArray = npt.NDArray[np.floating[Any]]
Edges = npt.NDArray[np.floating[Any]]
#: A checked ``bins``: a count, a rule name, or float64 edges.
CheckedBins = Union[int, str, npt.NDArray[np.float64]]


# ---------------------------------------------------------------------------------------------
# Argument checks and coercion (shared with the reference twin)


@dataclass(frozen=True)
class Continuous:
    """Samples of one (possibly vector-valued) continuous variable, ready for the extension.

    ``array`` is the input as float32/float64 (a view when the input already was one), ``(n,)``
    or ``(n, d)``. ``matrix`` is the same data as a 2-D C-contiguous array: ``(n, d)`` when
    ``column_major`` is false, its transpose ``(d, n)`` (each column contiguous) when true.
    ``names[j]`` names column ``j`` in error messages.
    """

    name: str
    array: FloatArray
    matrix: FloatArray
    column_major: bool
    names: list[str]

    @property
    def two_dimensional(self) -> bool:
        """Whether the input was ``(n, d)``."""
        return self.array.ndim == 2

    @property
    def columns(self) -> int:
        """Number of variables ``d`` (1 for 1-D input)."""
        return 1 if self.array.ndim == 1 else int(self.array.shape[1])

    def column(self, j: int) -> FloatArray:
        """The samples of column ``j`` (1-D, possibly strided)."""
        return self.array if self.array.ndim == 1 else self.array[:, j]


def as_continuous(x: Any, name: str) -> Continuous:
    """Coerce samples ``x`` (``(n,)`` or ``(n, d)`` real numbers) for binning.

    float32 and float64 are used as they are (no copy unless the array is neither C- nor
    F-contiguous, or not native-endian); float16 becomes float32, integers and bools float64.
    """
    if getattr(getattr(x, "dtype", None), "name", None) == "category":
        raise TypeError(f"{name} is categorical; binning needs real numbers")
    array = as_array(x, name)
    kind = array.dtype.kind
    if kind == "f":
        if array.dtype.itemsize < 4:
            array = array.astype(np.float32)
        elif array.dtype.itemsize > 8:
            raise TypeError(f"{name} has dtype {array.dtype}; binning needs float32 or float64")
        elif not array.dtype.isnative:
            array = array.astype(array.dtype.newbyteorder("="))
    elif kind in "iub":
        array = array.astype(np.float64)
    else:
        raise TypeError(
            f"{name} has dtype {array.dtype}; binning needs real numbers (float or integer)"
        )
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (n,) or 2-D (n, d) with one sample per row, "
            f"got a {array.ndim}-d array of shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed")
    if array.ndim == 1:
        vector = native(array)
        return Continuous(name, vector, vector.reshape(1, -1), True, [name])
    if array.shape[1] == 0:
        raise ValueError(f"{name} has shape {array.shape}: a 2-D variable needs at least 1 column")
    names = [f"{name}[:, {j}]" for j in range(array.shape[1])]
    if is_native(array):
        return Continuous(name, array, array, False, names)
    if is_native(array.T):
        return Continuous(name, array, array.T, True, names)
    copy = native(array)
    return Continuous(name, copy, copy, False, names)


def check_bins(bins: object) -> CheckedBins:
    """Return ``bins`` as a count, a rule name or float64 edges, after checking it."""
    expected = "a positive integer, a rule name or an increasing 1-D array of bin edges"
    if isinstance(bins, str):
        if bins not in RULES:
            raise ValueError(f"bins must be {expected} (rules: {list(RULES)}), got {bins!r}")
        return bins
    if bins is None or isinstance(bins, (bool, np.bool_, float, complex, np.inexact, bytes)):
        raise TypeError(f"bins must be {expected}, got {bins!r}")
    if isinstance(bins, (numbers.Integral, np.integer)):
        count = operator.index(bins)
        if count < 1:
            raise ValueError(f"bins must be at least 1, got {count}")
        if count > MAX_BINS:
            raise ValueError(f"bins must be at most 2**32 (labels are uint32), got {count}")
        check_edges_memory(count)
        return count
    try:
        edges = np.asarray(bins)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"bins must be {expected}, got {bins!r}") from exc
    if edges.dtype.kind not in "iuf":
        raise TypeError(f"bins: bin edges must be real numbers, got dtype {edges.dtype}")
    if edges.ndim != 1:
        raise ValueError(f"bins: an array of bin edges must be 1-D, got shape {edges.shape}")
    if edges.size < 2:
        raise ValueError(f"bins: at least 2 bin edges (one bin) are needed, got {edges.size}")
    edges = edges.astype(np.float64)
    finite = np.isfinite(edges)
    if not finite.all():
        i = int(np.argmin(finite))
        raise ValueError(f"bins: bin edge {i} is {edges[i]}; edges must be finite")
    steps = np.diff(edges)
    if (steps <= 0).any():
        i = int(np.argmax(steps <= 0))
        raise ValueError(
            f"bins: bin edges must increase strictly, but edge {i} ({edges[i]}) >= "
            f"edge {i + 1} ({edges[i + 1]})"
        )
    return edges


def fixed_edges(bins: BinsLike, span: object) -> BinsLike:
    """``bins`` equal-width edges over ``span = (lo, hi)``; ``bins`` itself if ``span`` is None."""
    if span is None:
        return bins
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (numbers.Integral, np.integer)):
        raise TypeError(
            f"bins must be a number of bins when range is given (range fixes equal-width edges), "
            f"got {bins!r}"
        )
    try:
        lo, hi = (float(v) for v in span)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise TypeError(f"range must be a pair (lo, hi) of real numbers, got {span!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
        raise ValueError(f"range must be finite with lo < hi, got {span!r}")
    count = operator.index(bins)
    if count < 1:
        raise ValueError(f"bins must be at least 1, got {count}")
    check_edges_memory(count)
    edges: Edges = np.histogram_bin_edges(np.empty(0), bins=count, range=(lo, hi))
    return edges


def check_edges_memory(count: int, what: str = "bins") -> None:
    """Raise MemoryError if ``count + 1`` float64 edges exceed the memory budget."""
    check_memory(8 * (count + 1), f"{what}: {count} bins", "pass a smaller number of bins")


def check_strategy(strategy: object, bins: CheckedBins) -> str:
    """Return ``strategy`` after checking it (and that it fits ``bins``)."""
    if not isinstance(strategy, str):
        raise TypeError(f"strategy must be a string, got {strategy!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {list(STRATEGIES)}, got {strategy!r}")
    if strategy == "quantile" and isinstance(bins, np.ndarray):
        raise ValueError(
            "strategy='quantile' places the edges itself: pass bins as a number of bins or a "
            "rule, not as explicit edges"
        )
    return strategy


def label_dtype(bins: int) -> type[np.unsignedinteger[Any]]:
    """The label dtype for ``bins`` bins: uint8 up to 256, uint16 up to 65536, else uint32."""
    if bins <= 2**8:
        return np.uint8
    if bins <= 2**16:
        return np.uint16
    return np.uint32


def _rule_bin_count(column: FloatArray, rule: str) -> int | None:
    """The number of bins ``np.histogram_bin_edges(column, rule)`` will make, or None.

    Found without allocating the edges (numpy allocates them before any check of ours could run:
    one outlier far from a tight bulk asked ``"fd"`` for hundreds of MiB); None where it cannot
    be told (the helper is private to numpy: any failure means "unknown").
    """
    try:
        try:
            histograms = importlib.import_module("numpy.lib._histograms_impl")  # numpy >= 2
        except ImportError:  # pragma: no cover - numpy 1.x
            histograms = importlib.import_module("numpy.lib.histograms")
        selectors: dict[str, Callable[..., Any]] = histograms._hist_bin_selectors
        lo, hi = float(column.min()), float(column.max())
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            width = float(selectors[rule](column, (lo, hi)))
            count = math.ceil((hi - lo) / width) if width > 0 else 1
    except Exception:
        return None
    return count if count >= 1 else None


def rule_edges(column: FloatArray, rule: str, name: str) -> Edges:
    """``np.histogram_bin_edges(column, rule)`` (``column`` finite), with errors naming ``bins``."""
    count = _rule_bin_count(column, rule)
    if count is not None and count <= MAX_BINS:
        check_edges_memory(count, f"bins={rule!r} for {name}")
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            edges = np.histogram_bin_edges(column, bins=rule)
    except MemoryError:
        # numpy could not allocate the edges: the rule's bin width is tiny next to the range
        # (e.g. a few outliers far from a tight bulk).
        raise MemoryError(
            f"bins={rule!r} asks for more bins for {name} than fit in memory (its bin width is "
            "tiny next to the range of the data); pass a number of bins or explicit edges"
        ) from None
    except (ValueError, OverflowError) as exc:
        raise ValueError(
            f"bins={rule!r} gives no usable bins for {name} ({exc}); pass a number of bins"
        ) from None
    if edges.size < 2 or edges.size - 1 > MAX_BINS:
        raise ValueError(
            f"bins={rule!r} gives {edges.size - 1} bins for {name} (its width estimate overflows "
            "or vanishes); pass a number of bins"
        )
    check_edges_memory(edges.size - 1, f"bins={rule!r} for {name}")
    return edges


def check_span(lo: float, hi: float, dtype: np.dtype[Any], name: str) -> None:
    """Raise ValueError if ``hi - lo`` overflows ``dtype`` (no finite equal-width bins exist)."""
    with np.errstate(over="ignore"):
        span = np.subtract(dtype.type(hi), dtype.type(lo), dtype=dtype)
    if not np.isfinite(span):
        raise ValueError(
            f"{name} spans [{lo!r}, {hi!r}], a width that overflows {dtype}: equal-width bins "
            "cannot be computed; rescale the data or pass explicit bin edges"
        )


def quantile_edges(column: FloatArray, count: int, *, sort_first: bool = False) -> Edges:
    """Equal-frequency edges: the ``k / count`` quantiles of ``column``, ties merged.

    Quantiles use numpy's default linear interpolation and are rounded to the column's dtype;
    equal ones are merged, so there may be fewer than ``count`` bins. With ``sort_first`` the
    quantiles are taken from a sorted copy: the same order statistics, so the same values, found
    2-4x faster than by ``np.quantile``'s partition of an unsorted copy when ``count`` is large.
    """
    levels = np.linspace(0.0, 1.0, count + 1)
    if sort_first:
        quantiles = np.quantile(np.sort(column), levels, overwrite_input=True)
    else:
        quantiles = np.quantile(column, levels)
    edges = np.unique(np.asarray(quantiles).astype(column.dtype))
    if edges.size < 2:  # a constant column: one bin of width 1 around it, as numpy does
        edges = np.histogram_bin_edges(column[:1], bins=1)
    return edges


def binned(
    x: Any,
    name: str,
    bins: CheckedBins | None,
    discretize_named: Callable[[Any, str, CheckedBins, str], tuple[Any, Any]],
) -> Any:
    """``x`` with floating-point samples replaced by their bin labels when ``bins`` is given.

    Anything that is not floating point (integers, bools, strings, objects, categoricals) is
    returned unchanged, to be used as labels; so is everything when ``bins`` is None (float input
    then raises the usual TypeError in :func:`fastinfo._inputs.as_variable`).
    """
    if bins is None:
        return x
    dtype = getattr(x, "dtype", None)
    if getattr(dtype, "name", None) == "category":
        return x
    if dtype is not None and not isinstance(dtype, np.dtype):
        is_float = getattr(dtype, "is_float", None)  # polars dtypes
        floating = is_float() if callable(is_float) else getattr(dtype, "kind", None) == "f"
        if not floating:
            return x  # a pandas extension array or polars Series of labels
    array = as_array(x, name)
    if array.dtype.kind != "f":
        return array
    labels, _ = discretize_named(array, name, bins, "uniform")
    return labels


# ---------------------------------------------------------------------------------------------
# The fast path


def _ranges(samples: Continuous) -> list[tuple[float, float]]:
    """``(min, max)`` of every column (one parallel pass; NaN and inf are refused)."""
    return _native.finite_range(samples.matrix, samples.column_major, samples.names)


def _edges(
    samples: Continuous,
    bins: CheckedBins,
    strategy: str,
    ranges: list[tuple[float, float]] | None = None,
) -> list[Edges]:
    """Bin edges of every column (in the column's dtype; explicit edges stay float64)."""
    if isinstance(bins, np.ndarray):
        return [bins] * samples.columns
    if ranges is None:
        ranges = _ranges(samples)
    dtype = samples.array.dtype
    if isinstance(bins, int):
        # The edges of every column together, before any is made.
        check_memory(
            8 * (bins + 1) * samples.columns,
            f"bins: {bins} bins for each of {samples.columns} columns",
            "pass a smaller number of bins, or fewer columns at a time",
        )
    edges: list[Edges] = []
    held = 0
    for j, (lo, hi) in enumerate(ranges):
        column_name = samples.names[j]
        check_span(lo, hi, dtype, column_name)
        if strategy == "quantile":
            count = (
                bins
                if isinstance(bins, int)
                else len(rule_edges(samples.column(j), bins, column_name)) - 1
            )
            edges.append(quantile_edges(samples.column(j), count, sort_first=True))
        elif isinstance(bins, str):
            edges.append(rule_edges(samples.column(j), bins, column_name))
            held += edges[-1].size
            check_memory(
                8 * held,
                f"bins={bins!r}: the edges of {j + 1} of {samples.columns} columns",
                "pass a number of bins, or fewer columns at a time",
            )
        else:
            # Equal-width edges depend only on the range and dtype: numpy's own edges for them.
            extremes = np.array([lo, hi], dtype=dtype)
            try:
                # numpy's linspace may overflow in its last, overwritten, element near the
                # largest floats: silence that; non-finite edges are refused anyway.
                with np.errstate(over="ignore", invalid="ignore"):
                    edges.append(np.histogram_bin_edges(extremes, bins=bins))
            except ValueError as exc:
                raise ValueError(
                    f"bins={bins} is too many for the range of {column_name}: {exc}"
                ) from None
            except MemoryError:
                raise MemoryError(
                    f"bins={bins}: the {bins + 1} bin edges of {column_name} could not be "
                    "allocated; pass a smaller number of bins"
                ) from None
    return edges


def _float64(edges: Sequence[Edges]) -> list[npt.NDArray[np.float64]]:
    return [native(e, np.float64) for e in edges]


def _discretize_named(
    x: Any, name: str, bins: CheckedBins, strategy: str
) -> tuple[npt.NDArray[np.unsignedinteger[Any]], Edges | list[Edges]]:
    samples = as_continuous(x, name)
    edges = _edges(samples, bins, strategy)
    labels = _native.discretize(
        samples.matrix, _float64(edges), samples.column_major, samples.names
    )
    if samples.two_dimensional:
        return labels.T, edges
    return labels[0], edges[0]


def discretize(
    x: npt.ArrayLike,
    /,
    *,
    bins: BinsLike = "fd",
    strategy: str = "uniform",
    range: tuple[float, float] | None = None,
) -> tuple[npt.NDArray[np.unsignedinteger[Any]], Edges | list[Edges]]:
    """Bin continuous samples: the histogram bin of every sample, and the bin edges.

    Parameters
    ----------
    x : array_like
        Real samples, shape ``(n,)``, or ``(n, d)`` to bin each column separately. float32 and
        float64 are read in place (a C- or Fortran-ordered array is not copied); float16 is
        widened to float32, integers and bools to float64. NaN and +-inf raise ``ValueError``
        naming the argument and the index of the first one.
    bins : int, str or array_like, default "fd"
        - an ``int``: that many equal-width bins spanning ``[min, max]`` of each column;
        - a rule, as in ``np.histogram_bin_edges``: ``"fd"`` (Freedman-Diaconis), ``"scott"``,
          ``"sturges"``, ``"sqrt"``, ``"rice"`` or ``"auto"`` (the smaller width of
          ``"sturges"`` and ``"fd"``); the rule sets the bin count of each column;
        - a 1-D array of finite, strictly increasing edges, used for every column. A sample
          outside ``[edges[0], edges[-1]]`` raises ``ValueError`` (widen the edges or clip).
    strategy : {"uniform", "quantile"}, default "uniform"
        ``"uniform"``: equal-width bins (or the given edges). ``"quantile"``: equal-frequency
        bins, the edges being the ``k / bins`` quantiles of the column (``np.quantile``, linear
        interpolation; ``bins`` a count or a rule that sets the count). Tied values cannot be
        split, so equal quantiles are merged and there may be fewer bins than asked for.
    range : (float, float), optional
        Fixed bounds ``(lo, hi)`` for ``bins`` equal-width bins (``bins`` must then be an
        integer): the edges are ``np.linspace(lo, hi, bins + 1)`` whatever the data, as
        ``np.histogram(x, bins, range=(lo, hi))`` has them. A sample outside ``[lo, hi]`` raises
        ``ValueError`` (clip first to keep it). **Fixed edges (this, or explicit edges) are what
        streaming and merging need**: every batch of a stream, or every partition of a cluster,
        is then binned alike, so their counts (:class:`fastinfo.JointCounts`) can be added. Edges
        from the data (``bins=32`` without ``range``, a rule, quantiles) differ from batch to
        batch and their labels cannot be merged.

    Returns
    -------
    labels : ndarray of uint8, uint16 or uint32
        The bin index ``0 .. bins - 1`` of every sample, shape of ``x``; the dtype is the
        smallest of uint8 (up to 256 bins), uint16 (up to 65536) and uint32 that holds the
        largest index. For 2-D ``x`` the array is Fortran-ordered (each column contiguous).
        Labels feed straight into :func:`fastinfo.entropy`, :func:`fastinfo.mutual_information`...
    edges : ndarray, or list of ndarray for 2-D ``x``
        The ``bins + 1`` edges of each column, in the dtype of ``x`` (float32 or float64) as
        ``np.histogram_bin_edges`` returns them; explicit edges come back as float64.

    Notes
    -----
    Sample ``v`` is in bin ``i`` when ``edges[i] <= v < edges[i + 1]``; the last bin also holds
    its right edge. So the labels equal ``np.digitize(x, edges[1:-1])`` and the counts of each
    label equal ``np.histogram(x, edges)[0]``; equal-width and rule-based edges equal
    ``np.histogram_bin_edges(x, bins)``. For equal-width bins the index is computed
    arithmetically, ``floor((v - edges[0]) * bins / (edges[-1] - edges[0]))``, then checked
    against the actual edges, so samples on or next to an edge land where numpy puts them;
    other edges are searched by bisection. The binning runs in parallel in Rust; the result is
    identical for any number of threads.

    Rules that look at the whole column (``"fd"``, ``"auto"``, ``"scott"``) and the quantile
    strategy are computed by numpy, which sorts (or partitions) a copy of the column.

    References
    ----------
    D. Freedman and P. Diaconis, "On the histogram as a density estimator: L2 theory",
    Z. Wahrscheinlichkeitstheorie verw. Gebiete 57 (1981) 453-476.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> labels, edges = fastinfo.discretize([0.0, 0.1, 0.5, 0.9, 1.0], bins=2)
    >>> labels.tolist(), edges.tolist()
    ([0, 0, 1, 1, 1], [0.0, 0.5, 1.0])
    >>> x = [1.0, 2.0, 3.0, 4.0, 100.0]
    >>> labels, edges = fastinfo.discretize(x, bins=2, strategy="quantile")
    >>> labels.tolist(), edges.tolist()
    ([0, 0, 1, 1, 1], [1.0, 3.0, 100.0])
    >>> labels, _ = fastinfo.discretize([-5.0, 0.0, 0.5, 2.0], bins=[-1.0, 0.0, 1.0, 5.0])
    Traceback (most recent call last):
    ...
    ValueError: x has the value -5.0 at index 0, outside the bin edges [-1.0, 5.0]; ...

    Fixed edges, so that batches of a stream bin alike:

    >>> fastinfo.discretize([0.5, 9.9], bins=4, range=(0.0, 10.0))[0].tolist()
    [0, 3]
    >>> fastinfo.discretize([5.0], bins=4, range=(0.0, 10.0))[0].tolist()
    [2]
    """
    checked = check_bins(fixed_edges(bins, range))
    chosen = check_strategy(strategy, checked)
    return _discretize_named(x, "x", checked, chosen)


def differential_entropy(
    x: npt.ArrayLike,
    /,
    *,
    estimator: str | None = None,
    bins: BinsLike | None = None,
    k: int | None = None,
    norm: str | None = None,
    base: Base = None,
    jitter: float | None = None,
    seed: int | None = None,
    random_state: int | None = None,
) -> float:
    """Differential entropy h(X) of continuous samples, from nearest neighbours or a histogram.

    ``h = -integral f log f``. Two estimators:

    - ``"kl"`` (Kozachenko-Leonenko, the default unless ``bins`` is given): from the distance
      ``eps_i`` of every sample to its ``k``-th nearest neighbour,
      ``h = psi(n) - psi(k) + log V_d + (d / n) sum_i log eps_i``, ``V_d`` the volume of the
      unit ball of the norm. No bins to choose, and usable in several dimensions.
    - ``"histogram"``: ``H(bins) + E[log width]``, the entropy of the histogram's bin
      frequencies plus the average log width of the bin each sample falls in, i.e.
      ``-sum_b p_b log(p_b / w_b)``.

    Parameters
    ----------
    x : array_like
        Real samples, ``(n,)``; or ``(n, d)`` for the joint differential entropy of ``d``
        variables (for the histogram, from the joint histogram whose cells have the product of
        the columns' bin widths as volume, each column binned by ``bins`` on its own).
    estimator : {"kl", "histogram"}, optional
        ``None`` (default): ``"histogram"`` if ``bins`` is given, else ``"kl"``.
    bins : int, str or array_like, optional
        For the histogram: number of equal-width bins, a rule (``"fd"``, ``"scott"``, ...) or
        explicit edges; see :func:`discretize`. Default ``"fd"`` with
        ``estimator="histogram"``.
    k : int, optional
        For ``"kl"``: the neighbour whose distance is used (default 3), ``1 <= k < n``.
    norm : {"euclidean", "max"}, optional
        For ``"kl"``: the norm of the distances (default ``"euclidean"``, unit ball volume
        ``pi**(d/2) / Gamma(d/2 + 1)``; ``"max"``: the max norm, volume ``2**d``).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    jitter : float, optional
        For ``"kl"``: add Gaussian noise of standard deviation ``jitter`` times each column's
        standard deviation (1 for a constant column) before the estimate, to break ties between
        duplicated samples. ``None`` (default): the data are used as given.
    seed : int, optional
        Seed of the jitter's ``np.random.default_rng`` stream (``None``: a fresh one).
    random_state : int, optional
        The same as ``seed``, under the name scikit-learn and scipy use. Give one of the two;
        both given with different values raise ``ValueError``.

    Returns
    -------
    float
        The estimate, in units of ``base``. Unlike discrete entropy it can be negative (a
        density concentrated on a set of volume less than 1), and it is not invariant under a
        change of variables: ``h(aX) = h(X) + log|a|``. ``-inf`` if a column is constant (a
        point mass has no density), and for ``"kl"`` also if a sample has ``k`` or more exact
        duplicates (its ``eps_i`` is 0: the data have an atom; pass ``jitter`` if the ties are
        only rounding).

    See Also
    --------
    fastinfo.gaussian.entropy : the closed form for a Gaussian.

    Notes
    -----
    Kozachenko-Leonenko: the estimate is consistent for any density, and nearly unbiased in a
    few dimensions; ``psi`` is the digamma function. Neighbours are found exactly (sorted values
    in 1-D, k-d trees up to 8 dimensions, brute force above), in parallel, with the same result
    for any number of threads. In 1-D both norms give the same distances.

    Histogram: as the bins narrow, ``H(X^delta) + log(delta) -> h(X)`` (Cover & Thomas, Theorem
    8.3.1). With ``n`` samples the estimate is biased low by about ``(m - 1) / (2 n)`` (``m``
    occupied bins) and by the discretisation error of the widths; rules such as ``"fd"`` balance
    the two, in one dimension; in several, the joint histogram is quickly too sparse.

    Until version 0.1 the histogram was the only estimator, so ``differential_entropy(x)``
    meant ``bins="fd"``; pass ``bins="fd"`` (or ``estimator="histogram"``) for that estimate.

    References
    ----------
    L. F. Kozachenko and N. N. Leonenko, "Sample estimate of the entropy of a random vector",
    Probl. Peredachi Inf. 23:2 (1987), 9-16. A. Kraskov, H. Stögbauer and P. Grassberger,
    "Estimating mutual information", Phys. Rev. E 69, 066138 (2004), eq. 20.
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley (2006), §8.3.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(0, 0.1, 1_000_000)  # 0.5 log(2 pi e 0.01) = -0.884
    >>> round(fastinfo.differential_entropy(x), 2)  # Kozachenko-Leonenko
    -0.88
    >>> round(fastinfo.differential_entropy(x, bins="fd"), 2)  # histogram
    -0.88
    >>> u = rng.uniform(0, 4, (200_000, 2))  # log 16 = 2.773
    >>> round(fastinfo.differential_entropy(u), 2)
    2.77
    >>> fastinfo.differential_entropy([0.5, 0.5, 0.5, 0.5, 2.0], k=1)  # an atom at 0.5
    -inf
    """
    seed = seed_alias(seed, random_state)  # type: ignore[assignment]
    method = _knn.entropy_estimator(estimator, bins)
    if method == "kl":
        return _knn.differential_entropy(x, k=k, norm=norm, base=base, jitter=jitter, seed=seed)
    _knn.refuse_knn_options(method, k=k, norm=norm, jitter=jitter, seed=seed)
    checked = check_bins("fd" if bins is None else bins)
    scale = log_base(base)
    samples = as_continuous(x, "x")
    ranges = _ranges(samples)
    if any(lo == hi for lo, hi in ranges):
        # A constant column is a point mass: no density, h = -inf (a histogram would report
        # the log width of whatever bin it was given instead).
        return -math.inf
    edges = _edges(samples, checked, "uniform", ranges)
    h = _native.differential_entropy(
        samples.matrix, _float64(edges), samples.column_major, samples.names
    )
    return h / scale


class Binner:
    """The samples functions' ``bins=``: call it on every data argument, then :meth:`check`.

    ``Binner(bins, discretize_named)(x, name)`` returns ``x`` with floating-point samples replaced
    by their bin labels (see :func:`binned`); ``bins`` is checked once, here. :meth:`check`
    raises when ``bins`` was given but no argument was floating point: ``bins=`` would have been
    ignored. Shared with the reference twin, which passes its own ``discretize_named``.
    """

    def __init__(
        self,
        bins: object,
        discretize_named: Callable[[Any, str, CheckedBins, str], tuple[Any, Any]],
    ) -> None:
        self.given = bins
        self.bins = None if bins is None else check_bins(bins)
        self._discretize_named = discretize_named
        self._unbinned: list[tuple[str, Any]] = []
        self.used = False

    def _discretize(self, x: Any, name: str, bins: CheckedBins, strategy: str) -> tuple[Any, Any]:
        self.used = True
        return self._discretize_named(x, name, bins, strategy)

    def __call__(self, x: Any, name: str) -> Any:
        if self.bins is None:
            return x
        used = self.used
        self.used = False
        labels = binned(x, name, self.bins, self._discretize)
        if not self.used:
            self._unbinned.append((name, x))
        self.used |= used
        return labels

    def check(self) -> None:
        """Raise ``ValueError`` if ``bins`` was given and nothing was binned."""
        if self.bins is None or self.used:
            return
        kinds = []
        for name, x in self._unbinned:
            dtype = getattr(x, "dtype", None)
            if dtype is None:
                dtype = np.asarray(x).dtype
            kinds.append(f"{name} ({dtype})")
        if len(kinds) > 4:
            kinds[3:] = [f"... {len(kinds) - 3} more"]
        given = self.given if isinstance(self.given, (int, str)) else "<edges>"
        raise ValueError(
            f"bins={given!r} was given, but no argument holds floating-point samples "
            f"({', '.join(kinds)}): bins= only bins float samples, and labels (integers, bools, "
            "strings, categoricals) are counted as they are, so it would be ignored. Drop bins=, "
            "or pass the values as floats (e.g. x.astype(float)) to bin them"
        )


def binner(bins: object) -> Binner:
    """For the samples functions' ``bins=``: a :class:`Binner` using the fast discretisation."""
    return Binner(bins, _discretize_named)
