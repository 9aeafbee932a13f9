"""Information dynamics of discrete time series: transfer entropy, storage, entropy rate.

The argument checks and the series layout helpers here are shared with :mod:`fastinfo.reference`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import (
    Base,
    IntArray,
    _refuse_unusable,
    _without_missing,
    as_array,
    as_variable,
    check_bool,
    check_estimator,
    log_base,
)

Result = Union[float, npt.NDArray[np.float64]]


# ---------------------------------------------------------------------------------------------
# Argument checks


def check_lag(value: object, name: str) -> int:
    """A history length or delay: an integer ``>= 1``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= 1, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    if value >= 2**62:
        raise ValueError(f"{name} must be shorter than the series, got {value}")
    return int(value)


def check_local(local: object, estimator: str) -> bool:
    """``local`` as a bool; local values exist for the plug-in estimator only."""
    flag = check_bool(local, "local")
    if flag and estimator != "plugin":
        raise ValueError(
            f"local values are plug-in values: use estimator='plugin' with local=True, "
            f"got estimator={estimator!r}"
        )
    return flag


# ---------------------------------------------------------------------------------------------
# Time series layout


@dataclass(frozen=True)
class Series:
    """Time series as the extension reads them: ``series[s][r]`` is trial ``r`` of series ``s``.

    ``batch`` records whether the input had a series axis (2-D ``(n_series, n_steps)``, 3-D, or a
    list of 2-D trials) and ``trials`` whether it had a trial axis (a list, or 3-D).
    """

    name: str
    series: list[list[IntArray]]
    batch: bool
    trials: bool
    steps: int

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.series)

    @property
    def n_trials(self) -> int:
        """Number of trials of each series."""
        return len(self.series[0])


def _is_trial_list(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and np.ndim(x[0]) >= 1


def _coded(block: Any, name: str) -> npt.NDArray[Any]:
    """An ``(n_trials, n_steps)`` block of one series as integer codes, factorised jointly."""
    array = as_array(block, name)
    flat = array.reshape(-1)
    if flat.size == 0:
        raise ValueError(f"{name} is empty: at least one step is needed")
    column = as_variable(flat, name).columns[0]
    return column.reshape(array.shape)


def as_series(x: Any, name: str) -> Series:
    """Coerce time series ``x`` (layouts: see :func:`transfer_entropy`) into a :class:`Series`."""
    x = _refuse_unusable(x, name)
    if hasattr(x, "columns") and hasattr(x, "to_numpy"):  # a DataFrame: one series per column
        x = _without_missing(x, name)
        x = x.to_numpy().T if hasattr(x, "to_numpy") else np.asarray(x).T
    if _is_trial_list(x):
        trials = [as_array(t, f"{name}[{r}]") for r, t in enumerate(x)]
        ndim = trials[0].ndim
        if ndim not in (1, 2):
            raise ValueError(
                f"{name}: trials must be 1-D (n_steps,) or 2-D (n_series, n_steps), got a "
                f"{ndim}-d trial of shape {trials[0].shape}"
            )
        for r, t in enumerate(trials):
            if t.shape != trials[0].shape:
                raise ValueError(
                    f"{name}: trial {r} has shape {t.shape} but trial 0 has shape "
                    f"{trials[0].shape}; all trials must have the same shape (the same number "
                    "of steps)"
                )
        stacked = np.stack(trials)  # (n_trials, n_steps) or (n_trials, n_series, n_steps)
        batch = ndim == 2
        array = stacked if batch else stacked[:, None, :]
        has_trials = True
    else:
        array = as_array(x, name)
        if array.ndim == 1:
            batch, has_trials = False, False
            array = array[None, None, :]
        elif array.ndim == 2:
            batch, has_trials = True, False
            array = array[None, :, :]
        elif array.ndim == 3:
            batch, has_trials = True, True
        else:
            raise ValueError(
                f"{name} must be 1-D (n_steps,), 2-D (n_series, n_steps), 3-D "
                f"(n_trials, n_series, n_steps) or a list of trials, got a {array.ndim}-d array "
                f"of shape {array.shape}"
            )
    n_trials, n_series, steps = (int(s) for s in array.shape)
    if n_trials == 0 or n_series == 0 or steps == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}): at least one step is needed")
    series = []
    for s in range(n_series):
        label = f"{name}[{s}]" if batch else name
        codes = _coded(array[:, s, :], label)
        series.append([np.ascontiguousarray(codes[r]) for r in range(n_trials)])
    return Series(name, series, batch, has_trials, steps)


def check_same_layout(first: Series, other: Series, *, batch: bool = True) -> None:
    """Raise ValueError unless ``other`` has the trials, steps (and batch) of ``first``."""
    if other.steps != first.steps or other.n_trials != first.n_trials:
        hint = ""
        if other.trials and not first.trials:
            hint = (
                " (a list is read as trials; several series of one trial go in the rows of a 2-D "
                f"array: np.asarray({other.name}))"
            )
        raise ValueError(
            f"{other.name} has {other.n_trials} trial(s) of {other.steps} steps but {first.name} "
            f"has {first.n_trials} trial(s) of {first.steps} steps: they must match{hint}"
        )
    if batch and (other.batch != first.batch or other.n_series != first.n_series):
        raise ValueError(
            f"{other.name} has {other.n_series} series but {first.name} has {first.n_series}: "
            "a batch pairs series row by row"
        )


def shape_result(
    layout: Series,
    values: npt.NDArray[np.float64],
    local: npt.NDArray[np.float64] | None,
    scale: float,
) -> Any:
    """Values (a float, or one per series) and local values shaped like the input, time shortened.

    ``local`` from the extension is ``(n_series, n_trials * steps)``.
    """
    values = values / scale
    value: Result = values if layout.batch else float(values[0])
    if local is None:
        return value
    if scale != 1.0:
        local = local / scale
    steps = local.shape[1] // layout.n_trials if layout.n_trials else 0
    cube = local.reshape(layout.n_series, layout.n_trials, steps)
    if layout.batch and layout.trials:
        return np.ascontiguousarray(cube.transpose(1, 0, 2))
    if layout.batch:
        return cube[:, 0, :]
    if layout.trials:
        return cube[0]
    return cube[0, 0]


# ---------------------------------------------------------------------------------------------
# Time series


def transfer_entropy(
    source: Any,
    target: Any,
    /,
    *,
    history: int = 1,
    source_history: int = 1,
    delay: int = 1,
    given: Any = None,
    local: bool = False,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """Transfer entropy from ``source`` to ``target`` (Schreiber), optionally conditional.

    ``T = I(X_t ; Y_{t-u-l+1..t-u} | X_{t-k..t-1}, Z_{t-1})`` with ``X`` the target, ``Y`` the
    source, ``k = history``, ``l = source_history``, ``u = delay`` and ``Z`` the series in
    ``given``: how much the source's past tells about the target's next value beyond what the
    target's own past (and the conditions) tell.

    Parameters
    ----------
    source, target : array_like
        Discrete time series (integer, bool or string labels), in one of these layouts (the same
        for both):

        - 1-D ``(n_steps,)``: one series;
        - a list of 1-D arrays: independent trials of one series, pooled (all the same length);
        - 2-D ``(n_series, n_steps)``: a batch, one transfer entropy per row
          (``source[i] -> target[i]``);
        - 3-D ``(n_trials, n_series, n_steps)``, or a list of 2-D arrays: a batch with trials;
        - a pandas or polars DataFrame: a batch, one series per column (time down the rows).

        Unlike PyInform, a 2-D array is a batch of series, not trials of one series: pass
        ``list(x)`` for trials.
    history : int, default 1
        ``k >= 1``, the number of past target values conditioned on.
    source_history : int, default 1
        ``l >= 1``, the number of past source values.
    delay : int, default 1
        ``u >= 1``: the most recent source value used is ``Y_{t-u}``.
    given : array_like, optional
        Conditioning series for a conditional transfer entropy (one series, or several as the
        rows of a 2-D array; with trials, the same trial layout as ``source``), each entering as
        its value at ``t - 1``, as in PyInform. Not available for batches.
    local : bool, default False
        Also return the local (pointwise) transfer entropy of every observation.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats, ``2`` bits (PyInform's unit).
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        Applied to the four entropies of the conditional mutual information; ``local=True``
        needs ``"plugin"``.

    Returns
    -------
    float or ndarray
        The transfer entropy: a float, or one per series of a batch. Never negative.
    local : ndarray of float64
        Only with ``local=True`` (then the function returns the local values alone): the input's
        layout with the time axis shortened by the warm-up ``w = max(history,
        delay + source_history - 1)`` (at least 1 with ``given``): ``local[..., j]`` belongs to
        time step ``w + j``. Their mean is the transfer entropy.

    See Also
    --------
    transfer_entropy_matrix : every ordered pair of many series.
    active_information_storage, entropy_rate

    Notes
    -----
    Trials are pooled as PyInform pools them: every trial contributes its ``n_steps - w``
    observations to one set of counts, and no history spans two trials. The value equals
    ``fastinfo.conditional_mutual_information`` of the lagged columns (future, source lags,
    history lags); with the same estimator, bit for bit when the labels span a small range.

    Counting: each series is coded once, an observation's state is the mixed-radix code of its
    lagged values, built in blocks with one vectorised pass per lag, and the states are counted
    in parallel parts into a dense table (a hashed one for huge state spaces). Exact integer
    counts: the result does not depend on the thread count.

    References
    ----------
    .. [1] T. Schreiber, "Measuring information transfer", Phys. Rev. Lett. 85 (2000), 461-464.
    .. [2] J. T. Lizier, M. Prokopenko and A. Y. Zomaya, "Local information transfer as a
       spatiotemporal filter for complex systems", Phys. Rev. E 77 (2008), 026110.
    .. [3] D. G. Moore et al., "Inform: efficient information-theoretic analysis of collective
       behaviors", Frontiers in Robotics and AI 5 (2018), 60.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 100_000)
    >>> x = np.roll(y, 1)  # x copies y one step later
    >>> round(fastinfo.transfer_entropy(y, x, base=2), 3)  # one bit flows from y to x
    1.0
    >>> round(fastinfo.transfer_entropy(x, y, base=2), 3)  # nothing flows back
    0.0
    >>> xs = [0, 1, 1, 1, 1, 0, 0, 0, 0]
    >>> ys = [0, 0, 1, 1, 1, 1, 0, 0, 0]
    >>> round(fastinfo.transfer_entropy(xs, ys, history=2, base=2), 6)  # PyInform's example
    0.67927
    >>> fastinfo.transfer_entropy(xs, ys, history=2, base=2, local=True).round(4)
    array([1.   , 0.   , 0.585, 0.585, 1.585, 0.   , 1.   ])
    """
    k = check_lag(history, "history")
    l_ = check_lag(source_history, "source_history")
    u = check_lag(delay, "delay")
    scale = log_base(base)
    e = check_estimator(estimator)
    want_local = check_local(local, e)
    src, dst = as_series(source, "source"), as_series(target, "target")
    check_same_layout(dst, src)
    conditions: list[list[IntArray]] = []
    if given is not None:
        if dst.batch:
            raise ValueError(
                "given is not available for a batch of series: compute each conditional "
                "transfer entropy on its own"
            )
        cond = as_series(given, "given")
        check_same_layout(dst, cond, batch=False)
        conditions = cond.series
    values, local_values = _native.transfer_entropy(
        src.series, dst.series, conditions, k, l_, u, e, want_local
    )
    return shape_result(dst, values, local_values, scale)


def transfer_entropy_matrix(
    X: Any,
    /,
    *,
    history: int = 1,
    source_history: int = 1,
    delay: int = 1,
    base: Base = None,
    estimator: str = "plugin",
) -> npt.NDArray[np.float64]:
    """Transfer entropy between every ordered pair of the series of ``X``.

    Parameters
    ----------
    X : array_like
        ``(n_series, n_steps)`` (one series per row), or ``(n_trials, n_series, n_steps)`` /
        a list of 2-D arrays for trials (pooled), or a DataFrame (one series per column).
        Discrete labels.
    history, source_history, delay : int, default 1
        The embedding (see :func:`transfer_entropy`).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`transfer_entropy`.

    Returns
    -------
    ndarray of float64, shape (n_series, n_series)
        ``T[i, j]`` is the transfer entropy from series ``i`` to series ``j``, exactly (bit for
        bit) ``transfer_entropy(X[i], X[j], ...)``. The diagonal is 0.

    See Also
    --------
    transfer_entropy

    Notes
    -----
    Each target's history and future are coded once and shared by all sources, targets in
    parallel. With few states (``n_values ** (history + 1) * (n_values ** source_history - 1)
    <= 256``, e.g. binary series with ``history <= 6``) a pair's counts are population counts
    of bitsets: one bitset per target state and per source value,
    ``n(a, v) = popcount(mask_a & bits_v)``, 64 observations per instruction.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> rng = np.random.default_rng(1)
    >>> X = rng.integers(0, 2, (3, 50_000))
    >>> X[1] = np.roll(X[0], 1)  # series 0 drives series 1
    >>> T = fastinfo.transfer_entropy_matrix(X, history=2, base=2)
    >>> T.round(2)
    array([[0., 1., 0.],
           [0., 0., 0.],
           [0., 0., 0.]])
    >>> bool(T[0, 1] == fastinfo.transfer_entropy(X[0], X[1], history=2, base=2))
    True
    """
    k = check_lag(history, "history")
    l_ = check_lag(source_history, "source_history")
    u = check_lag(delay, "delay")
    scale = log_base(base)
    e = check_estimator(estimator)
    layout = as_series(X, "X")
    if not layout.batch:
        raise ValueError(
            "X must hold several series: 2-D (n_series, n_steps), 3-D "
            "(n_trials, n_series, n_steps) or a list of 2-D trials"
        )
    values = _native.transfer_entropy_matrix(layout.series, k, l_, u, e)
    if scale != 1.0:
        values = values / scale
    return values


def active_information_storage(
    x: Any,
    /,
    *,
    history: int,
    local: bool = False,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """Active information storage ``A = I(X_{t-k..t-1} ; X_t)`` of a time series.

    How much of the next value is predictable from the last ``k = history`` values.

    Parameters
    ----------
    x : array_like
        A discrete time series in one of the layouts of :func:`transfer_entropy`: 1-D, a list of
        trials, a 2-D batch ``(n_series, n_steps)`` or a 3-D batch with trials.
    history : int
        ``k >= 1``.
    local : bool, default False
        Return the local values instead (the input's layout, time shortened by ``history``).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`fastinfo.entropy`; ``local=True`` needs ``"plugin"``.

    Returns
    -------
    float or ndarray
        A float, or one value per series of a batch (or the local values).

    See Also
    --------
    entropy_rate : ``H(X_t) = A + h`` over the same observations.

    Notes
    -----
    Equals ``fastinfo.mutual_information(future, history_columns)`` of the lagged columns of
    the observations ``t = k .. n_steps - 1`` of every trial, pooled.

    References
    ----------
    .. [1] J. T. Lizier, M. Prokopenko and A. Y. Zomaya, "Local measures of information storage
       in complex distributed computation", Information Sciences 208 (2012), 39-54.

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 0, 1, 1, 1, 1, 0, 0, 0]
    >>> round(fastinfo.active_information_storage(x, history=2, base=2), 6)  # PyInform's example
    0.305958
    >>> fastinfo.active_information_storage([x, x], history=2, base=2) == (
    ...     fastinfo.active_information_storage(x, history=2, base=2)
    ... )  # two identical trials: the same distribution
    True
    """
    return _storage(_native.active_information_storage, x, history, local, base, estimator)


def entropy_rate(
    x: Any,
    /,
    *,
    history: int,
    local: bool = False,
    base: Base = None,
    estimator: str = "plugin",
) -> Any:
    """Entropy rate ``h = H(X_t | X_{t-k..t-1})`` of a time series.

    The uncertainty left in the next value once the last ``k = history`` values are known.

    Parameters
    ----------
    x : array_like
        A discrete time series in one of the layouts of :func:`transfer_entropy`.
    history : int
        ``k >= 1``.
    local : bool, default False
        Return the local values ``-log p(x_t | past)`` instead.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    estimator : {"plugin", "miller_madow", "jackknife", "grassberger", "chao_shen", "nsb"}
        See :func:`fastinfo.entropy`; ``local=True`` needs ``"plugin"``.

    Returns
    -------
    float or ndarray
        Never negative.

    See Also
    --------
    active_information_storage

    Notes
    -----
    Equals ``fastinfo.conditional_entropy(future, history_columns)`` of the pooled lagged
    columns.

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 0, 1, 1, 1, 1, 0, 0, 0]
    >>> round(fastinfo.entropy_rate(x, history=2, base=2), 6)  # PyInform's example
    0.67927
    >>> fastinfo.entropy_rate([0, 1] * 50, history=1)  # periodic: fully predictable
    0.0
    """
    return _storage(_native.entropy_rate, x, history, local, base, estimator)


def _storage(
    kernel: Any, x: Any, history: object, local: object, base: Base, estimator: object
) -> Any:
    k = check_lag(history, "history")
    scale = log_base(base)
    e = check_estimator(estimator)
    want_local = check_local(local, e)
    layout = as_series(x, "x")
    values, local_values = kernel(layout.series, k, e, want_local)
    return shape_result(layout, values, local_values, scale)
