"""Generalised entropies of samples: Rényi and Tsallis.

Of distributions: :func:`fastinfo.pmf.renyi_entropy`, :func:`fastinfo.pmf.tsallis_entropy`.
The argument checks here are shared with :mod:`fastinfo.pmf` and :mod:`fastinfo.reference`.
"""

from __future__ import annotations

import math
import numbers
from typing import Union

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import (
    Base,
    as_variable,
    log_base,
)

Result = Union[float, npt.NDArray[np.float64]]


def check_order(value: object, name: str) -> float:
    """An order of a Rényi or Tsallis entropy: a real number ``>= 0`` (``inf`` allowed)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number >= 0 (inf allowed), got {value!r}")
    order = float(value)
    if math.isnan(order) or order < 0:
        raise ValueError(f"{name} must be >= 0 (inf allowed), got {value!r}")
    return order


# ---------------------------------------------------------------------------------------------
# Generalised entropies


def renyi_entropy(x: npt.ArrayLike, /, *, alpha: float, base: Base = None) -> float:
    """Rényi entropy of order ``alpha`` of the empirical distribution of the samples ``x``.

    ``H_alpha = log(sum_i p_i**alpha) / (1 - alpha)`` over the observed values.

    Parameters
    ----------
    x : array_like
        Labels, shape ``(n,)`` or ``(n, d)`` (see :func:`fastinfo.entropy`).
    alpha : float
        The order, ``>= 0``: ``0`` gives the Hartley entropy ``log m`` (``m`` distinct values),
        ``1`` the Shannon entropy (exactly :func:`fastinfo.entropy`), ``2`` the collision
        entropy, ``inf`` the min-entropy ``-log max p_i``. All limits are exact.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.

    Returns
    -------
    float
        Never negative; non-increasing in ``alpha``.

    See Also
    --------
    tsallis_entropy, fastinfo.pmf.renyi_entropy

    Notes
    -----
    The plug-in value (of the empirical distribution). Near ``alpha = 1`` it is evaluated as
    ``-log1p(sum p_i expm1((alpha - 1) log p_i)) / (alpha - 1)``, which stays accurate as
    ``alpha -> 1``; elsewhere the sum is scaled by the largest probability, so large orders
    neither underflow nor lose the min-entropy limit. Diversity indices of ecology are its
    exponentials: Hill numbers ``D_alpha = exp(H_alpha)``.

    References
    ----------
    .. [1] A. Rényi, "On measures of entropy and information", Proc. Fourth Berkeley Symp.
       Math. Statist. Prob. 1 (1961), 547-561.
    .. [2] M. O. Hill, "Diversity and evenness: a unifying notation and its consequences",
       Ecology 54 (1973), 427-432.

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 0, 0, 0, 1, 1, 2, 3]  # p = 1/2, 1/4, 1/8, 1/8
    >>> fastinfo.renyi_entropy(x, alpha=0, base=2)  # log2 of 4 values
    2.0
    >>> fastinfo.renyi_entropy(x, alpha=1, base=2)  # Shannon
    1.75
    >>> fastinfo.renyi_entropy(x, alpha=float("inf"), base=2)  # -log2 max p
    1.0
    """
    order = check_order(alpha, "alpha")
    variable = as_variable(x, "x")
    scale = log_base(base)
    return _native.renyi_entropy(variable.columns, order) / scale


def tsallis_entropy(x: npt.ArrayLike, /, *, q: float) -> float:
    """Tsallis entropy of index ``q`` of the empirical distribution of the samples ``x``.

    ``S_q = (1 - sum_i p_i**q) / (q - 1)`` over the observed values (no logarithm, so no base).

    Parameters
    ----------
    x : array_like
        Labels, shape ``(n,)`` or ``(n, d)`` (see :func:`fastinfo.entropy`).
    q : float
        The index, ``>= 0``: ``0`` gives ``m - 1`` (``m`` distinct values), ``1`` the Shannon
        entropy in nats (exactly :func:`fastinfo.entropy`), ``2`` the Gini-Simpson index
        ``1 - sum p_i**2``, ``inf`` gives 0. All limits are exact.

    Returns
    -------
    float
        Never negative.

    See Also
    --------
    renyi_entropy, fastinfo.pmf.tsallis_entropy

    Notes
    -----
    Near ``q = 1`` it is evaluated as ``-sum p_i expm1((q - 1) log p_i) / (q - 1)``, accurate as
    ``q -> 1``.

    References
    ----------
    .. [1] C. Tsallis, "Possible generalization of Boltzmann-Gibbs statistics", J. Stat. Phys.
       52 (1988), 479-487.

    Examples
    --------
    >>> import fastinfo
    >>> x = [0, 0, 1, 1]
    >>> fastinfo.tsallis_entropy(x, q=2)  # Gini-Simpson: 1 - (1/4 + 1/4)
    0.5
    >>> fastinfo.tsallis_entropy(x, q=0)  # two values
    1.0
    """
    order = check_order(q, "q")
    variable = as_variable(x, "x")
    return float(_native.tsallis_entropy(variable.columns, order))
