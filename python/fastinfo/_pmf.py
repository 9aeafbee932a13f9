"""The implementation of :mod:`fastinfo.pmf`, whose docstring describes it.

Argument checks here are shared with the pure-numpy twin :mod:`fastinfo.reference.pmf`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import (
    Base,
    as_array,
    check_axis,
    check_bool,
    check_memory,
    log_base,
    native,
)
from ._renyi import check_order

#: Metrics of :func:`pairwise` and :func:`nearest`, as the extension names them; all but
#: ``_UNITLESS`` are in nats (or ``base``).
METRICS: tuple[str, ...] = _native.METRICS
_UNITLESS = ("hellinger", "total_variation")

Result = Union[float, npt.NDArray[np.float64]]
Rows = npt.NDArray[np.float64]


def as_weights(p: npt.ArrayLike, name: str) -> npt.NDArray[Any]:
    """``p`` as a real array of at least one dimension (no copy for float64)."""
    array = as_array(p, name)
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
    moved = np.moveaxis(array, check_axis(axis), -1)
    k = moved.shape[-1]
    if k == 0:
        raise ValueError(f"{name} has no outcomes along axis {axis} (shape {array.shape})")
    batch = tuple(moved.shape[:-1])
    rows = native(moved, np.float64).reshape(-1, k)
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
    # Broadcasting made views; the rows are copied (both, at worst) before the extension runs.
    ax = check_axis(axis)
    k = pa.shape[ax] if -pa.ndim <= ax < pa.ndim else 1
    check_memory(
        16 * pa.size + 8 * (pa.size // max(k, 1)),
        f"the rows of p and q broadcast to shape {pa.shape}",
        "pass smaller batches, or loop over the broadcast axis",
    )
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
        The axis of outcomes. The default is numpy's last axis (each row of a 2-D array is a
        distribution); ``scipy.stats.entropy`` defaults to ``axis=0`` (each column), so for
        2-D input the two defaults differ: pass the same ``axis`` to both to compare.
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

    Notes
    -----
    ``fastinfo.pmf.entropy(p, axis=a)`` equals ``scipy.stats.entropy(p, axis=a)`` up to
    rounding, for every ``a``; mind the defaults (here ``-1``, scipy ``0``): for a 2-D ``p``,
    ``fastinfo.pmf.entropy(p)`` is ``scipy.stats.entropy(p, axis=1)``.

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

    The same value, up to rounding, as ``scipy.stats.entropy(p, q, axis=axis)`` (with the same
    ``axis``: scipy's default is ``axis=0``, fastinfo's ``-1``, so for 2-D input
    ``kl_divergence(p, q)`` is ``scipy.stats.entropy(p, q, axis=1)``): ``+inf`` exactly where some
    outcome has ``q = 0 < p``, exactly 0 for identical rows, and finite for subnormal ``q``
    (where scipy's ``p / q`` overflows to inf).

    Parameters
    ----------
    p, q : array_like
        Non-negative weights, broadcastable to a common shape; outcomes along ``axis``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes. The default is numpy's last axis (each row of a 2-D array is a
        distribution); ``scipy.stats.entropy`` defaults to ``axis=0`` (each column), so for
        2-D input the two defaults differ: pass the same ``axis`` to both to compare.
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
    ``scipy.spatial.distance.jensenshannon(p, q, axis=axis)`` returns its square root, the JS
    distance (scipy's default is ``axis=0``, fastinfo's ``-1``: pass the same ``axis`` to both).

    Parameters
    ----------
    p, q : array_like
        Non-negative weights, broadcastable to a common shape; outcomes along ``axis``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes. The default is numpy's last axis (each row of a 2-D array is a
        distribution); ``scipy.stats.entropy`` defaults to ``axis=0`` (each column), so for
        2-D input the two defaults differ: pass the same ``axis`` to both to compare.
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


def as_matrix(x: npt.ArrayLike, name: str) -> Rows:
    """A 2-D ``(rows, outcomes)`` array of weights as C-contiguous float64 (copy only if needed)."""
    array = as_weights(x, name)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (distributions, outcomes), got shape {array.shape}; "
            f"use {name}[None, :] for a single distribution"
        )
    if array.shape[1] == 0:
        raise ValueError(f"{name} has no outcomes (shape {array.shape})")
    return native(array, np.float64)


def _matrices(
    P: npt.ArrayLike, Q: npt.ArrayLike | None, metric: object, base: Base, normalize: object
) -> tuple[Rows, Rows, str, float, bool]:
    if not isinstance(metric, str) or metric not in METRICS:
        raise ValueError(f"metric must be one of {list(METRICS)}, got {metric!r}")
    scale = log_base(base)
    if base is not None and metric in _UNITLESS:
        raise ValueError(f"base does not apply to metric={metric!r}, which has no unit")
    flag = check_bool(normalize, "normalize")
    pm = as_matrix(P, "P")
    qm = pm if Q is None else as_matrix(Q, "Q")
    if qm.shape[1] != pm.shape[1]:
        raise ValueError(
            f"Q has {qm.shape[1]} outcomes per row but P has {pm.shape[1]}: "
            "both must describe the same outcomes"
        )
    return pm, qm, metric, scale, flag


def check_neighbours(k: object, m: int, base: Base) -> None:
    """Check the ``k`` and ``base`` of :func:`nearest` against ``m`` candidate rows."""
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an integer, got {k!r}")
    if not 1 <= k <= m:
        raise ValueError(f"k must be between 1 and the number of rows of Q ({m}), got {k}")
    if base is not None and log_base(base) < 0:
        raise ValueError(
            f"base must be above 1 for nearest (a base below 1 reverses the order), got {base!r}"
        )


def pairwise(
    P: npt.ArrayLike,
    Q: npt.ArrayLike | None = None,
    /,
    *,
    metric: str = "kl",
    base: Base = None,
    normalize: bool = True,
) -> Rows:
    """Matrix of a divergence between every row of ``P`` and every row of ``Q``.

    ``out[i, j] = metric(P[i], Q[j])``, with the conventions of the row-wise functions
    (``0 log 0 = 0``; ``+inf`` exactly where a KL-type divergence meets ``q = 0 < p``; exactly 0
    for identical rows).

    Parameters
    ----------
    P : array_like, shape (n, k)
        Non-negative weights, one distribution per row (float32 and integers are computed in
        float64; any memory order).
    Q : array_like, shape (m, k), optional
        The second set; ``None`` (default) means ``Q = P``.
    metric : str, default "kl"
        ``"kl"`` (``KL(P[i] || Q[j])``), ``"cross_entropy"``, ``"js"`` (the Jensen-Shannon
        *divergence*; ``scipy.spatial.distance.jensenshannon`` returns its square root),
        ``"jeffreys"`` (``KL(p||q) + KL(q||p)``), ``"bhattacharyya"`` (``-log sum sqrt(p q)``),
        ``"hellinger"`` (``||sqrt(p) - sqrt(q)|| / sqrt(2)``, which is ``sqrt(1 - sum sqrt(p q))``
        for distributions; in [0, 1]) or ``"total_variation"``
        (``sum |p - q| / 2``, in [0, 1]).
    base : float, optional
        Logarithm base for the logarithmic metrics; ``None`` (default) gives nats. Not accepted
        for ``"hellinger"`` and ``"total_variation"``.
    normalize : bool, default True
        Divide each row by its sum; with ``False`` rows must already sum to 1 within 1e-6.

    Returns
    -------
    ndarray of float64, shape (n, m)

    Raises
    ------
    MemoryError
        Before any work, if the ``n x m`` result would exceed the memory budget
        (``FASTINFO_MEMORY_LIMIT`` bytes, default half the machine's memory): use
        :func:`nearest`, or compute row blocks ``pairwise(P[a:b], Q)``.

    Notes
    -----
    KL, cross-entropy and Jeffreys reduce to a matrix product with ``log Q``, Hellinger and
    Bhattacharyya to one of square roots; Jensen-Shannon needs a logarithm per pair and outcome and
    uses a vectorised logarithm. Each fast value carries an error bound; wherever it could exceed
    5e-13, or 1e-6 of the value (rows that are nearly equal), the entry is recomputed from its
    definition. Every entry therefore matches the definition to 1e-12 absolute and 1e-6 relative.
    The call releases the GIL, runs on all of fastinfo's threads and stops on Ctrl-C.

    Examples
    --------
    >>> import numpy as np, fastinfo.pmf
    >>> P = np.array([[0.5, 0.5], [0.9, 0.1], [1.0, 0.0]])
    >>> fastinfo.pmf.pairwise(P, metric="js", base=2).round(4)
    array([[0.    , 0.1468, 0.3113],
           [0.1468, 0.    , 0.0519],
           [0.3113, 0.0519, 0.    ]])
    >>> fastinfo.pmf.pairwise(P)[:, 2]  # KL(P[i] || [1, 0]) is infinite unless P[i] = [1, 0]
    array([inf, inf,  0.])
    """
    pm, qm, name, scale, flag = _matrices(P, Q, metric, base, normalize)
    n, m = pm.shape[0], qm.shape[0]
    check_memory(
        8 * n * m,
        f"a {n} x {m} float64 matrix",
        "use fastinfo.pmf.nearest(P, Q, k) for the k closest rows, or compute row blocks "
        "pairwise(P[a:b], Q)",
    )
    if n == 0 or m == 0:
        return np.zeros((n, m))
    out = _native.pmf_pairwise(pm, qm, name, flag)
    if scale != 1.0:
        out /= scale
    return out


def nearest(
    P: npt.ArrayLike,
    Q: npt.ArrayLike,
    /,
    k: int,
    *,
    metric: str = "kl",
    base: Base = None,
    normalize: bool = True,
) -> tuple[npt.NDArray[np.int64], Rows]:
    """The ``k`` rows of ``Q`` closest to each row of ``P``, without the full matrix.

    Parameters
    ----------
    P : array_like, shape (n, d)
        Query distributions, one per row.
    Q : array_like, shape (m, d)
        Candidate distributions.
    k : int
        How many neighbours per row, ``1 <= k <= m``.
    metric, base, normalize
        As in :func:`pairwise` (``metric(P[i], Q[j])``: for KL, the candidates ``q`` minimising
        ``KL(p || q)``). The metrics: ``"kl"``, ``"cross_entropy"``, ``"js"``, ``"jeffreys"``,
        ``"hellinger"``, ``"bhattacharyya"`` and ``"total_variation"``.

    Returns
    -------
    indices : ndarray of int64, shape (n, k)
        Row numbers in ``Q``, nearest first (ties between the returned values, in the units of
        ``base``: smaller index first).
    values : ndarray of float64, shape (n, k)
        The metric for those rows, ascending; identical to the matching entries of
        :func:`pairwise`.

    Notes
    -----
    Works in tiles of 64 rows of ``P`` by 2048 rows of ``Q``: memory stays proportional to the
    inputs and to ``n * k``, so ``n = m = 100 000`` is fine (time grows as ``n * m * d``).

    Examples
    --------
    >>> import numpy as np, fastinfo.pmf
    >>> Q = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    >>> idx, val = fastinfo.pmf.nearest([[0.8, 0.2]], Q, k=2, metric="hellinger")
    >>> idx.tolist(), val.round(4).tolist()
    ([[1, 0]], [[0.1003, 0.2265]])
    """
    pm, qm, name, scale, flag = _matrices(P, Q, metric, base, normalize)
    check_neighbours(k, len(qm), base)
    if pm.shape[0] == 0:
        return np.zeros((0, int(k)), dtype=np.int64), np.zeros((0, int(k)))
    return _native.pmf_nearest(pm, qm, int(k), name, flag, scale)


def renyi_entropy(
    p: npt.ArrayLike,
    /,
    *,
    alpha: float,
    base: Base = None,
    axis: int = -1,
    normalize: bool = True,
) -> Result:
    """Rényi entropy ``H_alpha(p) = log(sum p**alpha) / (1 - alpha)`` of distributions.

    Parameters
    ----------
    p : array_like
        Non-negative weights; outcomes along ``axis``.
    alpha : float
        The order, ``>= 0``: ``0`` gives the Hartley entropy ``log |support|``, ``1`` the
        Shannon entropy (exactly :func:`entropy`), ``2`` the collision entropy
        ``-log sum p**2``, ``inf`` the min-entropy ``-log max p``. All limits are exact.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.
    axis : int, default -1
        The axis of outcomes.
    normalize : bool, default True
        See :func:`entropy`.

    Returns
    -------
    float or ndarray
        A float for 1-D ``p``, else an array of the batch shape. Non-increasing in ``alpha``.

    See Also
    --------
    fastinfo.renyi_entropy : from samples.

    Notes
    -----
    Near ``alpha = 1`` it is evaluated as ``-log1p(sum p expm1((alpha - 1) log p)) / (alpha - 1)``
    (accurate as ``alpha -> 1``); elsewhere the sum is scaled by the largest probability, so large
    orders neither underflow nor lose the min-entropy limit. Hill numbers (diversity indices of
    order ``alpha``) are ``exp(H_alpha)``.

    References
    ----------
    .. [1] A. Rényi, "On measures of entropy and information", Proc. Fourth Berkeley Symp.
       Math. Statist. Prob. 1 (1961), 547-561.

    Examples
    --------
    >>> import fastinfo.pmf
    >>> p = [0.5, 0.25, 0.125, 0.125]
    >>> fastinfo.pmf.renyi_entropy(p, alpha=0, base=2)
    2.0
    >>> fastinfo.pmf.renyi_entropy(p, alpha=1, base=2)
    1.75
    >>> fastinfo.pmf.renyi_entropy([[1, 1], [3, 1]], alpha=float("inf"), base=2).round(4).tolist()
    [1.0, 0.415]
    """
    order = check_order(alpha, "alpha")
    return _unary(
        lambda rows, flag: _native.pmf_renyi_entropy(rows, order, flag), p, base, axis, normalize
    )


def tsallis_entropy(
    p: npt.ArrayLike, /, *, q: float, axis: int = -1, normalize: bool = True
) -> Result:
    """Tsallis entropy ``S_q(p) = (1 - sum p**q) / (q - 1)`` of distributions.

    Parameters
    ----------
    p : array_like
        Non-negative weights; outcomes along ``axis``.
    q : float
        The index, ``>= 0``: ``0`` gives ``|support| - 1``, ``1`` the Shannon entropy in nats
        (exactly :func:`entropy`), ``2`` the Gini-Simpson index, ``inf`` gives 0. All limits
        are exact.
    axis : int, default -1
        The axis of outcomes.
    normalize : bool, default True
        See :func:`entropy`.

    Returns
    -------
    float or ndarray
        A float for 1-D ``p``, else an array of the batch shape (no logarithm, so no ``base``).

    See Also
    --------
    fastinfo.tsallis_entropy : from samples.

    Notes
    -----
    Near ``q = 1`` it is evaluated as ``-sum p expm1((q - 1) log p) / (q - 1)``, accurate as
    ``q -> 1``.

    References
    ----------
    .. [1] C. Tsallis, "Possible generalization of Boltzmann-Gibbs statistics", J. Stat. Phys.
       52 (1988), 479-487.

    Examples
    --------
    >>> import fastinfo.pmf
    >>> fastinfo.pmf.tsallis_entropy([0.5, 0.5], q=2)  # Gini-Simpson
    0.5
    >>> fastinfo.pmf.tsallis_entropy([[1, 1, 0], [1, 1, 1]], q=0).tolist()
    [1.0, 2.0]
    """
    order = check_order(q, "q")
    return _unary(
        lambda rows, flag: _native.pmf_tsallis_entropy(rows, order, flag), p, None, axis, normalize
    )
