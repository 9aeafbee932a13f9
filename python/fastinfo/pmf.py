"""Functions of distributions: entropy, cross-entropy, divergences, pairwise matrices.

Inputs are non-negative weights along ``axis`` (default the last); every other axis is a batch
dimension, broadcast between ``p`` and ``q`` like numpy. Weights are normalised to sum to one, as
``scipy.stats.entropy`` does, unless ``normalize=False``: then each row must already sum to 1
within 1e-6 and is used as given.

Conventions: ``0 log 0 = 0``; KL divergence and cross-entropy are ``+inf`` exactly where some
``q = 0 < p``; identical rows give exactly 0; JS divergence lies in ``[0, ln 2]``. Negative, NaN or
infinite weights and all-zero rows raise ``ValueError`` naming the row (rows are numbered in C
order over the batch axes). Normalisation is done in float64: a weight below about 1e-308 of its
row's sum becomes 0, and the support rules apply to the normalised distribution (as in scipy).
Results are in nats unless ``base`` is given; a 1-D input gives a Python float, a batch gives a
float64 array of the batch shape.

:func:`pairwise` gives the matrix of a divergence between two sets of distributions and
:func:`nearest` the closest rows without building that matrix.
"""

from ._pmf import (
    METRICS,
    cross_entropy,
    entropy,
    js_divergence,
    kl_divergence,
    nearest,
    pairwise,
    renyi_entropy,
    tsallis_entropy,
)

__all__ = [
    "METRICS",
    "cross_entropy",
    "entropy",
    "js_divergence",
    "kl_divergence",
    "nearest",
    "pairwise",
    "renyi_entropy",
    "tsallis_entropy",
]
