"""Functions of distributions: entropy, cross-entropy, KL and Jensen-Shannon divergence.

Inputs are non-negative weights along ``axis`` (default the last); every other axis is a batch
dimension, broadcast between ``p`` and ``q`` like numpy. Weights are normalised to sum to one, as
``scipy.stats.entropy`` does, unless ``normalize=False``: then each row must already sum to 1
within 1e-6 and is used as given.

Conventions: ``0 log 0 = 0``; KL divergence and cross-entropy are ``+inf`` exactly where some
``q = 0 < p``; identical rows give exactly 0; JS divergence lies in ``[0, ln 2]``. Negative, NaN or
infinite weights and all-zero rows raise ``ValueError`` naming the row (rows are numbered in C
order over the batch axes). Results are in nats unless ``base`` is given; a 1-D input gives a
Python float, a batch gives a float64 array of the batch shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import check_bool, log_base

__all__ = ["cross_entropy", "entropy", "js_divergence", "kl_divergence"]

Base = Union[float, int, None]
Result = Union[float, npt.NDArray[np.float64]]
Rows = npt.NDArray[np.float64]


def as_weights(p: npt.ArrayLike, name: str) -> npt.NDArray[Any]:
    """``p`` as a real array of at least one dimension (no copy for float64)."""
    array = np.asarray(p)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"{name} must hold real numbers (probabilities or non-negative weights), "
            f"got dtype {array.dtype}"
        )
    if array.ndim == 0:
        raise ValueError(f"{name} must have at least one dimension (the outcomes), got a scalar")
    return array


def to_rows(array: npt.NDArray[Any], axis: int, name: str) -> tuple[Rows, tuple[int, ...]]:
    """Move ``axis`` last and flatten the rest: ``(rows, k)`` C-contiguous float64, batch shape."""
    moved = np.moveaxis(array, axis, -1)
    k = moved.shape[-1]
    if k == 0:
        raise ValueError(f"{name} has no outcomes along axis {axis} (shape {array.shape})")
    batch = tuple(moved.shape[:-1])
    rows = np.ascontiguousarray(moved, dtype=np.float64).reshape(-1, k)
    return rows, batch


def _finish(values: Rows, batch: tuple[int, ...], scale: float) -> Result:
    if scale != 1.0:
        values = values / scale
    if batch == ():
        return float(values[0])
    return values.reshape(batch)


def _unary(
    kernel: Callable[[Rows, bool], Rows], p: npt.ArrayLike, base: Base, axis: int, normalize: bool
) -> Result:
    scale = log_base(base)
    normalize = check_bool(normalize, "normalize")
    rows, batch = to_rows(as_weights(p, "p"), axis, "p")
    if rows.shape[0] == 0:
        return np.empty(batch, dtype=np.float64)
    return _finish(kernel(rows, normalize), batch, scale)


def _binary(
    kernel: Callable[[Rows, Rows, bool], Rows],
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    base: Base,
    axis: int,
    normalize: bool,
) -> Result:
    scale = log_base(base)
    normalize = check_bool(normalize, "normalize")
    pa, qa = as_weights(p, "p"), as_weights(q, "q")
    try:
        pa, qa = np.broadcast_arrays(pa, qa)
    except ValueError:
        raise ValueError(
            f"p and q must have broadcastable shapes, got {pa.shape} and {qa.shape}"
        ) from None
    prows, batch = to_rows(pa, axis, "p")
    qrows, _ = to_rows(qa, axis, "q")
    if prows.shape[0] == 0:
        return np.empty(batch, dtype=np.float64)
    return _finish(kernel(prows, qrows, normalize), batch, scale)


def entropy(
    p: npt.ArrayLike, /, *, base: Base = None, axis: int = -1, normalize: bool = True
) -> Result:
    """Entropy ``H(p) = -sum p log p`` of distributions.

    Parameters
    ----------
    p : array_like
        Non-negative weights; outcomes along ``axis``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes.
    normalize : bool, default True
        Divide each row by its sum (as ``scipy.stats.entropy`` does). With ``False`` rows must
        sum to 1 within 1e-6.

    Returns
    -------
    float or ndarray
        A float for 1-D ``p``, else an array of the batch shape.

    See Also
    --------
    fastinfo.entropy : entropy estimated from samples.

    Examples
    --------
    >>> import fastinfo.pmf
    >>> fastinfo.pmf.entropy([0.5, 0.5], base=2)
    1.0
    >>> fastinfo.pmf.entropy([[1, 1, 0, 0], [1, 1, 1, 1]], base=2).tolist()
    [1.0, 2.0]
    """
    return _unary(_native.pmf_entropy, p, base, axis, normalize)


def cross_entropy(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Cross-entropy ``H(p, q) = -sum p log q = H(p) + KL(p || q)``.

    ``+inf`` where some outcome has ``q = 0 < p``.

    Parameters
    ----------
    p, q : array_like
        Non-negative weights, broadcastable to a common shape; outcomes along ``axis``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes.
    normalize : bool, default True
        See :func:`entropy`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import fastinfo.pmf
    >>> fastinfo.pmf.cross_entropy([0.5, 0.5], [0.25, 0.75], base=2)  # doctest: +ELLIPSIS
    1.2075...
    >>> fastinfo.pmf.cross_entropy([0.5, 0.5], [1.0, 0.0])
    inf
    """
    return _binary(_native.pmf_cross_entropy, p, q, base, axis, normalize)


def kl_divergence(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Kullback-Leibler divergence ``KL(p || q) = sum p log(p / q)``.

    The same value as ``scipy.stats.entropy(p, q)``: ``+inf`` exactly where some outcome has
    ``q = 0 < p``, exactly 0 for identical rows, and finite for subnormal ``q`` (where scipy's
    ``p / q`` overflows to inf).

    Parameters
    ----------
    p, q : array_like
        Non-negative weights, broadcastable to a common shape; outcomes along ``axis``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes.
    normalize : bool, default True
        See :func:`entropy`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import fastinfo.pmf
    >>> fastinfo.pmf.kl_divergence([0.5, 0.5], [0.25, 0.75])  # doctest: +ELLIPSIS
    0.1438...
    >>> fastinfo.pmf.kl_divergence([0.5, 0.5], [1, 0])
    inf
    """
    return _binary(_native.pmf_kl_divergence, p, q, base, axis, normalize)


def js_divergence(
    p: npt.ArrayLike,
    q: npt.ArrayLike,
    /,
    *,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Jensen-Shannon divergence ``(KL(p || m) + KL(q || m)) / 2`` with ``m = (p + q) / 2``.

    Symmetric, finite, within ``[0, ln 2]`` (``[0, 1]`` in bits). This is the *divergence*:
    ``scipy.spatial.distance.jensenshannon`` returns its square root, the JS distance.

    Parameters
    ----------
    p, q : array_like
        Non-negative weights, broadcastable to a common shape; outcomes along ``axis``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes.
    normalize : bool, default True
        See :func:`entropy`.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> import fastinfo.pmf
    >>> fastinfo.pmf.js_divergence([1, 0], [0, 1], base=2)
    1.0
    >>> fastinfo.pmf.js_divergence([0.2, 0.8], [0.2, 0.8])
    0.0
    """
    return _binary(_native.pmf_js_divergence, p, q, base, axis, normalize)
