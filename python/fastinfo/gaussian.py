"""Gaussian closed forms: differential entropy, KL divergence, mutual information.

Every function is batched over leading axes (numpy broadcasting) and works from Cholesky factors:
log-determinants are sums of the logs of their diagonals, and ``Sigma^-1 b`` is a triangular
solve, never an explicit inverse. Results are in nats unless ``base`` is given.

Covariances come in one of two forms, chosen by ``diagonal=``:

- ``diagonal=False`` (default): full covariance matrices, shape ``(..., d, d)``; a 0-D scalar is
  the variance of a univariate normal (a ``1 x 1`` matrix). Only the lower triangle is used, and
  the matrices must be symmetric up to a relative ``1e-8`` of their largest entry.
- ``diagonal=True``: the variances of independent coordinates, shape ``(..., d)`` -- the
  diagonals of diagonal covariance matrices (the VAE case). The last axis indexes coordinates; a
  0-D scalar is a univariate normal. For a batch of ``n`` univariate normals, pass arrays of
  shape ``(n, 1)``.

Argument checks are shared with the pure-numpy twin :mod:`fastinfo.reference.gaussian`, which
computes every quantity by another route (``slogdet``, ``solve``, eigenvalues).
"""

from ._gaussian import entropy, kl_divergence, mutual_information

__all__ = [
    "entropy",
    "kl_divergence",
    "mutual_information",
]
