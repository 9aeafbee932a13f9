"""The implementation of :mod:`fastinfo.gaussian`, whose docstring describes it.

Argument checks here are shared with the pure-numpy twin :mod:`fastinfo.reference.gaussian`.
"""

from __future__ import annotations

import math
from typing import Union

import numpy as np
import numpy.typing as npt

from ._inputs import Base, as_array, check_bool, check_memory, log_base

Float64 = npt.NDArray[np.float64]
Result = Union[float, Float64]

#: ``1 + ln(2 pi)``: the entropy of N(0, 1) is half of it.
LOG_2PI_E = 1.0 + math.log(2.0 * math.pi)
#: Largest ``|S - S.T|`` accepted, relative to the largest ``|S|`` of the matrix.
SYMMETRY_TOLERANCE = 1e-8


# ---------------------------------------------------------------------------------------------
# Argument checks (shared with the reference twin)


def _where(name: str, index: tuple[int, ...]) -> str:
    """``name`` with a batch ``index``: ``cov`` or ``cov[2, 0]``."""
    return f"{name}[{', '.join(str(i) for i in index)}]" if index else name


def as_real(a: object, name: str) -> Float64:
    """``a`` as a float64 array of finite numbers."""
    array = as_array(a, name)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = array.astype(np.float64, copy=False)
    finite = np.isfinite(array)
    if not finite.all():
        index = tuple(int(i) for i in np.unravel_index(np.argmin(finite), array.shape))
        raise ValueError(
            f"{_where(name, index)} is {array[index]}: entries must be finite (no NaN or inf)"
        )
    return array


def full_covariance(cov: object, name: str) -> Float64:
    """Covariance matrices ``(..., d, d)`` (a 0-D variance becomes ``1 x 1``), checked symmetric."""
    array = as_real(cov, name)
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        raise ValueError(
            f"{name} has shape {array.shape}: covariance matrices have shape (..., d, d); "
            "pass diagonal=True for variances of independent coordinates"
        )
    d = array.shape[-1]
    if array.shape[-2] != d:
        raise ValueError(
            f"{name} has shape {array.shape}: the last two axes of a covariance matrix must be "
            "equal (d, d)"
        )
    if d == 0:
        raise ValueError(f"{name} has shape {array.shape}: at least one dimension is needed")
    scale = np.max(np.abs(array), axis=(-2, -1), keepdims=True)
    asymmetric = np.abs(array - np.swapaxes(array, -1, -2)) > SYMMETRY_TOLERANCE * scale
    if asymmetric.any():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(asymmetric), array.shape))
        batch, (i, j) = index[:-2], index[-2:]
        raise ValueError(
            f"{_where(name, batch)} is not symmetric: entry [{i}, {j}] is {array[index]} but "
            f"[{j}, {i}] is {array[(*batch, j, i)]}"
        )
    return array


def variances(cov: object, name: str) -> Float64:
    """Variances (any shape), checked positive."""
    array = as_real(cov, name)
    if array.ndim >= 1 and array.shape[-1] == 0:
        raise ValueError(f"{name} has shape {array.shape}: at least one dimension is needed")
    positive = array > 0
    if not positive.all():
        index = tuple(int(i) for i in np.unravel_index(np.argmin(positive), array.shape))
        raise ValueError(
            f"{_where(name, index)} is {array[index]}: variances must be positive "
            "(a covariance matrix must be positive definite)"
        )
    return array


def not_positive_definite(name: str, index: tuple[int, ...]) -> ValueError:
    """The error for a covariance matrix that is not positive definite."""
    return ValueError(
        f"{_where(name, index)} is not positive definite: a covariance matrix must be symmetric "
        "positive definite (all eigenvalues > 0)"
    )


def means(mean: object, name: str, d: int | None) -> Float64:
    """Mean vectors ``(..., d)`` (0-D broadcasts to every coordinate)."""
    array = as_real(mean, name)
    if d is not None and array.ndim >= 1 and array.shape[-1] not in (1, d):
        raise ValueError(
            f"{name} has shape {array.shape}: the last axis must have the dimension d = {d} of "
            "the covariance matrices"
        )
    return array


def batch_shape(*named: tuple[str, tuple[int, ...]]) -> tuple[int, ...]:
    """The broadcast of the batch shapes, or a ValueError naming them."""
    try:
        return tuple(np.broadcast_shapes(*(shape for _, shape in named)))
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in named)
        raise ValueError(f"batch shapes do not broadcast: {listed}") from None


def check_split(split: object, d: int) -> int:
    """``split`` as an int with ``1 <= split < d``."""
    if isinstance(split, (bool, np.bool_)) or not isinstance(split, (int, np.integer)):
        raise TypeError(f"split must be an integer, got {split!r}")
    value = int(split)
    if not 1 <= value < d:
        raise ValueError(
            f"split must satisfy 1 <= split < d = {d} (X is the first split coordinates, Y the "
            f"rest), got {value}"
        )
    return value


def scalar_or_array(values: Float64) -> Result:
    """A Python float for a 0-D result, else the float64 array."""
    if values.ndim == 0:
        return float(values)
    return values


# ---------------------------------------------------------------------------------------------
# Cholesky factors


def cholesky(cov: Float64, name: str) -> Float64:
    """Lower Cholesky factors of ``cov`` (``(..., d, d)``).

    Raises ValueError naming the first batch element that is not positive definite.
    """
    try:
        factor = np.asarray(np.linalg.cholesky(cov), dtype=np.float64)
    except np.linalg.LinAlgError:
        pass
    else:
        return _refine_ill_conditioned(cov, factor)
    for index in np.ndindex(*cov.shape[:-2]):
        try:
            np.linalg.cholesky(cov[index])
        except np.linalg.LinAlgError:
            raise not_positive_definite(name, index) from None
    raise not_positive_definite(name, ())  # pragma: no cover - the loop finds it


#: A factor is refactorised carefully when some ``L_jj^2`` is below this share of ``S_jj``: the
#: subtraction ``S_jj - sum_k L_jk^2`` then lost more than three of its digits to cancellation.
_CANCELLATION = 1e-3


def _refine_ill_conditioned(cov: Float64, factor: Float64) -> Float64:
    """``factor`` with the batch elements whose diagonal lost digits to cancellation refactorised.

    LAPACK forms ``L_jj^2 = S_jj - sum_k L_jk^2`` in floating point, so a nearly singular
    covariance (``[[1, 1 - 1e-12], [1 - 1e-12, 1]]``) gets a diagonal entry with a relative error
    of about ``eps * S_jj / L_jj^2`` (3e-5 there), which the log-determinants and the KL divergence
    inherit. Those matrices are refactorised by :func:`_careful_cholesky`.
    """
    diagonal = _diagonal(factor)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        lost = diagonal * diagonal < _CANCELLATION * _diagonal(cov)
    if not lost.any():
        return factor
    factor = factor.copy()
    lost_any = lost.any(axis=-1)
    for index in zip(*np.nonzero(lost_any)) if lost_any.ndim else [()]:
        factor[index] = _careful_cholesky(cov[index])
    return factor


#: Largest dimension refactorised in double-double arithmetic (a Python loop of ``d^3 / 6`` steps).
_CAREFUL_MAX_D = 32

_DoubleDouble = tuple[float, float]


def _two_sum(a: float, b: float) -> _DoubleDouble:
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


def _split(a: float) -> tuple[float, float]:
    t = 134217729.0 * a
    high = t - (t - a)
    return high, a - high


def _two_product(a: float, b: float) -> _DoubleDouble:
    p = a * b
    (ah, al), (bh, bl) = _split(a), _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _dd_add(x: _DoubleDouble, y: _DoubleDouble) -> _DoubleDouble:
    s, e = _two_sum(x[0], y[0])
    return _two_sum(s, e + x[1] + y[1])


def _dd_mul(x: _DoubleDouble, y: _DoubleDouble) -> _DoubleDouble:
    p, e = _two_product(x[0], y[0])
    return _two_sum(p, e + x[0] * y[1] + x[1] * y[0])


def _dd_div(x: _DoubleDouble, y: _DoubleDouble) -> _DoubleDouble:
    q1 = x[0] / y[0]
    r = _dd_add(x, _dd_mul((-q1, 0.0), y))
    return _two_sum(q1, r[0] / y[0])


def _dd_sqrt(x: _DoubleDouble) -> _DoubleDouble:
    root = math.sqrt(x[0])
    p, e = _two_product(root, root)
    r = _dd_add(x, (-p, -e))
    return _two_sum(root, r[0] / (2.0 * root))


def _careful_cholesky(a: Float64) -> Float64:
    """Lower Cholesky factor of one ``(d, d)`` matrix, computed in double-double arithmetic.

    Each Schur complement ``S_jj - sum_k L_jk^2`` is then formed with about 32 digits, so the
    factor is accurate to the last bit of a double even where the subtraction cancels 12 of
    them; matrices larger than ``_CAREFUL_MAX_D``, or with entries too large to split exactly,
    keep LAPACK's factor.
    """
    d = a.shape[-1]
    lapack = np.asarray(np.linalg.cholesky(a), dtype=np.float64)
    if d > _CAREFUL_MAX_D or not (np.abs(a) < 1e290).all():
        return lapack
    entries = a.tolist()
    factor: list[list[_DoubleDouble]] = [[(0.0, 0.0)] * d for _ in range(d)]
    for j in range(d):
        pivot: _DoubleDouble = (float(entries[j][j]), 0.0)
        for k in range(j):
            square = _dd_mul(factor[j][k], factor[j][k])
            pivot = _dd_add(pivot, (-square[0], -square[1]))
        if not pivot[0] > 0.0:
            return lapack
        factor[j][j] = _dd_sqrt(pivot)
        for i in range(j + 1, d):
            entry: _DoubleDouble = (float(entries[i][j]), 0.0)
            for k in range(j):
                product = _dd_mul(factor[i][k], factor[j][k])
                entry = _dd_add(entry, (-product[0], -product[1]))
            factor[i][j] = _dd_div(entry, factor[j][j])
    return np.array([[hi + lo for hi, lo in row] for row in factor], dtype=np.float64)


def forward_substitution(lower: Float64, rhs: Float64, block: int = 64) -> Float64:
    """Solve ``L X = B`` for lower-triangular ``L`` (``(..., d, d)``) and ``B`` (``(..., d, k)``).

    Blocked forward substitution, broadcasting over the batch axes: each block of rows first
    subtracts what the solved rows contribute (one matrix product), then is solved row by row,
    ``X_i = (B_i - L_i,<i X_<i) / L_ii``. Backward stable, and exact where it should be:
    ``L^-1 L`` is exactly the identity (every product adds exact zeros to one exact term).
    """
    d = lower.shape[-1]
    batch = np.broadcast_shapes(lower.shape[:-2], rhs.shape[:-2])
    x = np.empty((*batch, d, rhs.shape[-1]))
    for start in range(0, d, block):
        stop = min(start + block, d)
        b = rhs[..., start:stop, :] - lower[..., start:stop, :start] @ x[..., :start, :]
        for i in range(start, stop):
            known = lower[..., i : i + 1, start:i] @ x[..., start:i, :]
            x[..., i, :] = (b[..., i - start, :] - known[..., 0, :]) / lower[..., i, i, None]
    return x


def _diagonal(factor: Float64) -> Float64:
    return np.diagonal(factor, axis1=-2, axis2=-1)


def _u_minus_one_minus_log_u(t: Float64, log_u: Float64) -> Float64:
    """``u - 1 - ln u >= 0`` for ``u = 1 + t``, given ``t`` and ``log_u = ln u``.

    Accurate near ``u = 1`` (where it is about ``t^2 / 2``: ``t - log1p(t)``) and for extreme
    ``u`` (``ln u`` is given separately, so ``u`` itself may underflow).
    """
    near = np.abs(t) < 0.5
    safe_t = np.where(near, t, 0.0)
    return np.where(near, safe_t - np.log1p(safe_t), t - log_u)


# ---------------------------------------------------------------------------------------------
# Public functions


def entropy(cov: npt.ArrayLike, /, *, diagonal: bool = False, base: Base = None) -> Result:
    """Differential entropy of a normal distribution N(mu, Sigma).

    ``h = 1/2 log det(2 pi e Sigma) = d/2 (1 + log 2 pi) + 1/2 log det Sigma``; it does not depend
    on the mean.

    Parameters
    ----------
    cov : array_like
        Covariance matrices ``(..., d, d)`` (``diagonal=False``; a scalar is a univariate
        variance), or variances ``(..., d)`` of independent coordinates (``diagonal=True``).
    diagonal : bool, default False
        How ``cov`` is read (see the module documentation).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.

    Returns
    -------
    float or ndarray
        One entropy per batch element (shape ``cov.shape[:-2]``, or ``cov.shape[:-1]`` with
        ``diagonal=True``); a Python float when there is one.

    Raises
    ------
    ValueError
        If a covariance matrix is not symmetric positive definite (a variance is not positive),
        naming the argument and the batch element.

    Notes
    -----
    Computed as ``d/2 (1 + log 2 pi) + sum(log diag L)`` with ``Sigma = L L^T``. The entropy is
    negative when ``det Sigma < (2 pi e)^-d``: differential entropy is not a number of bits.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley (2006),
    Theorem 8.4.1.

    Examples
    --------
    >>> import numpy as np
    >>> from fastinfo import gaussian
    >>> round(gaussian.entropy(1.0), 6)  # N(0, 1): 0.5 log(2 pi e)
    1.418939
    >>> round(gaussian.entropy(0.01), 6)  # narrow: negative
    -0.883647
    >>> round(gaussian.entropy([[1.0, 0.5], [0.5, 1.0]], base=2), 6)  # in bits
    3.886672
    >>> gaussian.entropy(np.array([[1.0, 4.0], [0.5, 2.0]]), diagonal=True).round(4)
    array([3.531 , 2.8379])
    """
    scale = log_base(base)
    if check_bool(diagonal, "diagonal"):
        v = variances(cov, "cov")
        if v.ndim == 0:
            v = v.reshape(1)
        h = 0.5 * (v.shape[-1] * LOG_2PI_E + np.sum(np.log(v), axis=-1))
    else:
        sigma = full_covariance(cov, "cov")
        factor = cholesky(sigma, "cov")
        d = sigma.shape[-1]
        h = 0.5 * d * LOG_2PI_E + np.sum(np.log(_diagonal(factor)), axis=-1)
    return scalar_or_array(np.asarray(h / scale, dtype=np.float64))


def kl_divergence(
    mean0: npt.ArrayLike,
    cov0: npt.ArrayLike,
    mean1: npt.ArrayLike,
    cov1: npt.ArrayLike,
    /,
    *,
    diagonal: bool = False,
    base: Base = None,
) -> Result:
    """KL divergence KL(N(mean0, cov0) || N(mean1, cov1)) between normal distributions.

    ``1/2 [tr(S1^-1 S0) + (m1 - m0)^T S1^-1 (m1 - m0) - d + log(det S1 / det S0)]``.

    Parameters
    ----------
    mean0, mean1 : array_like
        Means, shape ``(..., d)``; a scalar is the same value in every coordinate (``0.0`` for a
        centred prior).
    cov0, cov1 : array_like
        Covariance matrices ``(..., d, d)`` (a scalar is a univariate variance), or variances
        ``(..., d)`` with ``diagonal=True`` (where a scalar such as ``1.0`` means the same
        variance in every coordinate: ``N(0, I)`` is ``0.0, 1.0``).
    diagonal : bool, default False
        Whether both covariances are given by their diagonals (see the module documentation).
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.

    Returns
    -------
    float or ndarray
        One divergence per element of the broadcast batch shape; a Python float when there is
        one. Never negative; exactly 0 for identical distributions.

    Notes
    -----
    With ``S0 = L0 L0^T``, ``S1 = L1 L1^T`` and the lower-triangular ``M = L1^-1 L0`` (forward
    substitution), the divergence is a sum of non-negative terms,
    ``1/2 [sum_i f(M_ii^2) + sum_{i>j} M_ij^2 + |L1^-1 (m1 - m0)|^2]`` with
    ``f(u) = u - 1 - log u`` and ``M_ii = (L0)_ii / (L1)_ii``; ``f`` is evaluated as
    ``t - log1p(t)``, ``t = u - 1``, near ``u = 1``. So nearly equal distributions keep their
    relative accuracy instead of cancelling ``tr - d`` against the log-determinants. For
    diagonal covariances this is ``1/2 sum(r - 1 - log r + (m1 - m0)^2 / v1)``, ``r = v0 / v1``;
    against ``N(0, I)`` it is the VAE term ``1/2 sum(v + m^2 - 1 - log v)``.

    References
    ----------
    J. Duchi, "Derivations for linear algebra and optimization" (2007), §9;
    D. P. Kingma and M. Welling, "Auto-encoding variational Bayes", ICLR (2014), Appendix B.

    Examples
    --------
    >>> import numpy as np
    >>> from fastinfo import gaussian
    >>> round(gaussian.kl_divergence(0.0, 1.0, 1.0, 2.0), 6)  # univariate
    0.346574
    >>> mu = np.array([[0.5, -1.0], [0.0, 0.0]])
    >>> var = np.array([[0.5, 2.0], [1.0, 1.0]])
    >>> gaussian.kl_divergence(mu, var, 0.0, 1.0, diagonal=True)  # VAE term, batch of 2
    array([0.875, 0.   ])
    >>> s0 = [[2.0, 0.3], [0.3, 1.0]]
    >>> round(gaussian.kl_divergence([0.0, 0.0], s0, [1.0, 0.0], np.eye(2), base=2), 6)
    0.975909
    """
    scale = log_base(base)
    if check_bool(diagonal, "diagonal"):
        v0, v1 = variances(cov0, "cov0"), variances(cov1, "cov1")
        m0, m1 = means(mean0, "mean0", None), means(mean1, "mean1", None)
        batch_shape(
            ("mean0", m0.shape), ("cov0", v0.shape), ("mean1", m1.shape), ("cov1", v1.shape)
        )
        shape = np.broadcast_shapes(v0.shape, v1.shape, m0.shape, m1.shape)
        check_memory(
            8 * 6 * math.prod(shape),
            f"the Gaussian KL divergences of a batch of shape {shape}",
            "pass smaller batches",
        )
        v0, v1, m0, m1 = (np.atleast_1d(a) for a in np.broadcast_arrays(v0, v1, m0, m1))
        log_r = np.log(v0) - np.log(v1)
        t = (v0 - v1) / v1
        terms = _u_minus_one_minus_log_u(t, log_r) + (m1 - m0) ** 2 / v1
        kl = 0.5 * np.sum(terms, axis=-1)
    else:
        s0, s1 = full_covariance(cov0, "cov0"), full_covariance(cov1, "cov1")
        d = s0.shape[-1]
        if s1.shape[-1] != d:
            raise ValueError(
                f"cov1 has shape {s1.shape} but cov0 has shape {s0.shape}: both must be "
                "(..., d, d) with the same d"
            )
        m0, m1 = means(mean0, "mean0", d), means(mean1, "mean1", d)
        batch_shape(
            ("mean0", m0.shape[:-1]),
            ("cov0", s0.shape[:-2]),
            ("mean1", m1.shape[:-1]),
            ("cov1", s1.shape[:-2]),
        )
        batch = np.broadcast_shapes(s0.shape[:-2], s1.shape[:-2], m0.shape[:-1], m1.shape[:-1])
        # The stacked right-hand sides, the solution and its squares, the factors' copies.
        check_memory(
            8 * 4 * math.prod(batch) * d * (d + 1),
            f"the Gaussian KL divergences of a batch of shape {batch} in {d} dimensions",
            "pass smaller batches",
        )
        l0, l1 = cholesky(s0, "cov0"), cholesky(s1, "cov1")
        # m1 - m0 may overflow though both are finite: then half of it is used, and the squared
        # norm is scaled back by 4 (overflowing to +inf only if the divergence does).
        with np.errstate(over="ignore"):
            delta = np.atleast_1d(m1 - m0)
        weight = np.float64(1.0)
        if not np.isfinite(delta).all():
            delta = np.atleast_1d(0.5 * m1 - 0.5 * m0)
            weight = np.float64(4.0)
        delta = np.broadcast_to(delta, (*delta.shape[:-1], d))
        rhs = np.concatenate(
            [
                np.broadcast_to(l0, (*batch, d, d)),
                np.broadcast_to(delta, (*batch, d))[..., None],
            ],
            axis=-1,
        )
        solved = forward_substitution(l1, rhs)
        m, z = solved[..., :d], solved[..., d]
        d0, d1 = _diagonal(l0), _diagonal(l1)
        t = (d0 - d1) * (d0 + d1) / (d1 * d1)
        log_u = 2.0 * (np.log(d0) - np.log(d1))
        diagonal_terms = np.sum(_u_minus_one_minus_log_u(t, log_u), axis=-1)
        lower = np.sum(np.tril(m, -1) ** 2, axis=(-2, -1))
        with np.errstate(over="ignore", invalid="ignore"):
            quadratic = weight * np.sum(z * z, axis=-1)
        # Inputs are finite, so a NaN can only come from an overflow (inf - inf) while solving
        # for a huge mean difference: the divergence exceeds the largest double.
        quadratic = np.where(np.isnan(quadratic), np.inf, quadratic)
        kl = 0.5 * (diagonal_terms + lower + quadratic)
    return scalar_or_array(np.asarray(kl / scale, dtype=np.float64))


def mutual_information(cov: npt.ArrayLike, split: int, /, *, base: Base = None) -> Result:
    """Mutual information I(X; Y) of jointly Gaussian X (the first ``split`` coordinates) and Y.

    ``I = 1/2 log(det S_XX det S_YY / det S)``; for two scalars with correlation ``rho`` it is
    ``-1/2 log(1 - rho^2)``.

    Parameters
    ----------
    cov : array_like
        Joint covariance matrices ``(..., d, d)`` of ``(X, Y)``.
    split : int
        Number of coordinates of ``X``, ``1 <= split < d``.
    base : float, optional
        Logarithm base; ``None`` (default) gives nats.

    Returns
    -------
    float or ndarray
        One value per batch element (shape ``cov.shape[:-2]``); a Python float when there is one.
        Never negative; 0 when the cross-covariance is 0.

    Notes
    -----
    With the Cholesky factor ``L`` of the joint covariance, ``L_YX`` its lower-left block and
    ``L_Y|X`` its lower-right block (the factor of the conditional covariance of Y given X), and
    ``W = L_Y|X^-1 L_YX``, ``I = 1/2 sum log1p(s_i^2)`` over the singular values ``s_i`` of ``W``
    (``s_i^2 = rho_i^2 / (1 - rho_i^2)`` for the canonical correlations ``rho_i``). Small values
    keep their relative accuracy, and nearly deterministic relations do not lose it to
    ``1 - rho^2``. The value is invariant under invertible linear maps of X and of Y.

    References
    ----------
    T. M. Cover and J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley (2006),
    Example 8.5.1; I. M. Gelfand and A. M. Yaglom, "Calculation of the amount of information about
    a random function contained in another such function", AMS Transl. 12 (1959).

    Examples
    --------
    >>> import numpy as np
    >>> from fastinfo import gaussian
    >>> rho = 0.8
    >>> round(gaussian.mutual_information([[1.0, rho], [rho, 1.0]], 1), 6)  # -0.5 log(1 - rho^2)
    0.510826
    >>> cov = np.eye(3)
    >>> gaussian.mutual_information(cov, 2)  # independent blocks
    0.0
    """
    scale = log_base(base)
    cov = as_array(cov, "cov")
    if np.ndim(cov) < 2:
        raise ValueError(
            f"cov has shape {np.shape(cov)}: mutual information needs joint covariance matrices "
            "(..., d, d) with d >= 2"
        )
    sigma = full_covariance(cov, "cov")
    d = sigma.shape[-1]
    k = check_split(split, d)
    factor = cholesky(sigma, "cov")
    w = forward_substitution(factor[..., k:, k:], factor[..., k:, :k])
    s = np.linalg.svd(w, compute_uv=False)
    big = s > 1.0
    safe = np.where(big, s, 2.0)
    terms = np.where(big, 2.0 * np.log(safe) + np.log1p(safe**-2.0), np.log1p(s * s))
    info = 0.5 * np.sum(terms, axis=-1)
    return scalar_or_array(np.asarray(info / scale, dtype=np.float64))
