"""Pure-numpy twin of :mod:`fastinfo.gaussian`, by another route.

The fast module works from Cholesky factors (triangular solves, sums of non-negative terms); this
one transcribes the textbook formulas with ``np.linalg.slogdet``, ``np.linalg.solve`` and
``np.trace``, and checks positive definiteness with ``np.linalg.eigvalsh``. Argument checks (shapes,
finiteness, symmetry) are shared.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .._gaussian import (
    LOG_2PI_E,
    Float64,
    Result,
    batch_shape,
    check_split,
    full_covariance,
    means,
    not_positive_definite,
    scalar_or_array,
    variances,
)
from .._inputs import Base, as_array, check_bool, log_base

__all__ = ["entropy", "kl_divergence", "mutual_information"]


def _log_determinant(cov: Float64, name: str) -> Float64:
    """``log det`` of each matrix, after checking that every eigenvalue is positive."""
    smallest = np.linalg.eigvalsh(cov)[..., 0]
    bad = ~(smallest > 0)
    if bad.any():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(bad), bad.shape))
        raise not_positive_definite(name, index)
    sign, logdet = np.linalg.slogdet(cov)
    if not (sign > 0).all():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(sign <= 0), sign.shape))
        raise not_positive_definite(name, index)
    return np.asarray(logdet, dtype=np.float64)


def entropy(cov: npt.ArrayLike, /, *, diagonal: bool = False, base: Base = None) -> Result:
    """``1/2 log det(2 pi e Sigma)`` (see :func:`fastinfo.gaussian.entropy`)."""
    scale = log_base(base)
    if check_bool(diagonal, "diagonal"):
        v = np.atleast_1d(variances(cov, "cov"))
        h = np.sum(0.5 * np.log(2 * np.pi * np.e * v), axis=-1)
    else:
        sigma = full_covariance(cov, "cov")
        d = sigma.shape[-1]
        h = 0.5 * (d * LOG_2PI_E + _log_determinant(sigma, "cov"))
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
    """``1/2 [tr(S1^-1 S0) + dm^T S1^-1 dm - d + log det S1 - log det S0]``."""
    scale = log_base(base)
    if check_bool(diagonal, "diagonal"):
        v0, v1 = variances(cov0, "cov0"), variances(cov1, "cov1")
        m0, m1 = means(mean0, "mean0", None), means(mean1, "mean1", None)
        batch_shape(
            ("mean0", m0.shape), ("cov0", v0.shape), ("mean1", m1.shape), ("cov1", v1.shape)
        )
        ratio = v0 / v1
        terms = ratio + (m1 - m0) ** 2 / v1 - 1.0 - np.log(ratio)
        kl = 0.5 * np.sum(np.atleast_1d(terms), axis=-1)
    else:
        s0, s1 = full_covariance(cov0, "cov0"), full_covariance(cov1, "cov1")
        d = s0.shape[-1]
        if s1.shape[-1] != d:
            raise ValueError(
                f"cov1 has shape {s1.shape} but cov0 has shape {s0.shape}: both must be "
                "(..., d, d) with the same d"
            )
        m0, m1 = means(mean0, "mean0", d), means(mean1, "mean1", d)
        batch = batch_shape(
            ("mean0", m0.shape[:-1]),
            ("cov0", s0.shape[:-2]),
            ("mean1", m1.shape[:-1]),
            ("cov1", s1.shape[:-2]),
        )
        logdet0, logdet1 = _log_determinant(s0, "cov0"), _log_determinant(s1, "cov1")
        dm = np.broadcast_to(np.atleast_1d(m1 - m0), (*batch, d))
        s0b, s1b = np.broadcast_to(s0, (*batch, d, d)), np.broadcast_to(s1, (*batch, d, d))
        trace = np.trace(np.linalg.solve(s1b, s0b), axis1=-2, axis2=-1)
        quadratic = np.sum(dm * np.linalg.solve(s1b, dm[..., None])[..., 0], axis=-1)
        kl = 0.5 * (trace + quadratic - d + logdet1 - logdet0)
    return scalar_or_array(np.asarray(kl / scale, dtype=np.float64))


def mutual_information(cov: npt.ArrayLike, split: int, /, *, base: Base = None) -> Result:
    """``1/2 (log det S_XX + log det S_YY - log det S)``, at least 0."""
    scale = log_base(base)
    cov = as_array(cov, "cov")
    if np.ndim(cov) < 2:
        raise ValueError(
            f"cov has shape {np.shape(cov)}: mutual information needs joint covariance matrices "
            "(..., d, d) with d >= 2"
        )
    sigma = full_covariance(cov, "cov")
    k = check_split(split, sigma.shape[-1])
    joint = _log_determinant(sigma, "cov")
    x = np.linalg.slogdet(sigma[..., :k, :k])[1]
    y = np.linalg.slogdet(sigma[..., k:, k:])[1]
    info = np.maximum(0.5 * (x + y - joint), 0.0)
    return scalar_or_array(np.asarray(info / scale, dtype=np.float64))
