"""The twin of :mod:`fastinfo._quantity`: NSB with known alphabet sizes, and weighted samples.

Every table is the weighted histogram ``np.bincount(cell codes, weights)`` of the samples with a
positive weight; the plug-in terms are the formulas of the package docstring with weights in
place of counts, and the corrections those of ``estimate_from_counts`` (NSB with the product of
the variables' alphabet sizes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .._inputs import Variable
from ._samples import _cell_codes, _nsb, _plugin_of_counts, estimate_from_counts


def _groups(quantity: str, variables: list[Variable]) -> tuple[list[int], list[int], list[int]]:
    """Indices of the variables in A, B and C of ``I(A; B | C)`` (or ``H(A | C)``, B empty)."""
    every = list(range(len(variables)))
    return {
        "entropy": (every, [], []),
        "conditional_entropy": ([0], [], [1]),
        "mutual_information": ([0], [1], []),
        "conditional_mutual_information": ([0], [1], [2]),
    }[quantity]


def _check_weights(weights: npt.NDArray[np.float64]) -> bool:
    """Raise on a bad weight; whether all are integers (exact in float64)."""
    bad = np.flatnonzero(~np.isfinite(weights) | (weights < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"sample_weight[{i}] must be finite and non-negative, got {weights[i]}")
    if not np.any(weights > 0):
        raise ValueError("sample_weight: the weights sum to 0")
    return bool(np.all(weights == np.floor(weights)) and np.all(weights <= 2.0**53))


def estimate(
    quantity: str,
    variables: list[Variable],
    estimator: str,
    alphabet_size: list[int] | None,
    sample_weight: npt.NDArray[np.float64] | None,
) -> float:
    """``quantity`` of ``variables`` in nats (see :func:`fastinfo._quantity.estimate`)."""
    if alphabet_size is not None and len(alphabet_size) == 1 and len(variables) > 1:
        merged = [c for v in variables for c in v.columns]
        decoders = [d for v in variables for d in v.decoders]
        variables = [Variable("variables", merged, decoders, True)]
    n = variables[0].n
    weights = np.ones(n) if sample_weight is None else sample_weight
    integer = _check_weights(weights)
    if not integer and estimator != "plugin":
        raise ValueError(f"sample_weight: estimator={estimator!r} needs integer weights")
    keep = weights > 0
    w = weights[keep]
    total = float(w.sum())

    def codes(indices: list[int]) -> npt.NDArray[np.int64]:
        if not indices:
            return np.zeros(int(keep.sum()), dtype=np.int64)
        return _cell_codes(*[variables[i] for i in indices])[keep]

    def weighted(indices: list[int]) -> npt.NDArray[Any]:
        c = codes(indices)
        return np.bincount(c, weights=w)[c]  # per sample: the weight of its cell

    if alphabet_size is not None:
        for i, size in enumerate(alphabet_size):
            observed = np.unique(codes([i])).size
            if size < observed:
                name = "alphabet_size" if len(alphabet_size) == 1 else f"alphabet_size[{i}]"
                raise ValueError(f"{name} must be at least {observed}, got {size}")

    def correction(indices: list[int]) -> float:
        if not indices or estimator == "plugin":
            return 0.0
        counts = np.bincount(codes(indices), weights=w)
        counts = np.rint(counts[counts > 0]).astype(np.int64)
        if alphabet_size is None:
            return estimate_from_counts(counts, estimator) - _plugin_of_counts(counts)
        k = int(np.prod([alphabet_size[i] for i in indices], dtype=object))
        return _nsb(counts, k) - _plugin_of_counts(counts)

    a, b, c = _groups(quantity, variables)
    every = codes(a + b + c)
    _, first = np.unique(every, return_index=True)
    w_all = np.bincount(every, weights=w)[every][first]
    w_c = weighted(c)[first] if c else np.full(first.shape, total)
    if not b:
        value = float(-np.sum((w_all / total) * np.log(w_all / w_c)))
        value += correction(a + c) - correction(c)
    else:
        w_ac, w_bc = weighted(a + c)[first], weighted(b + c)[first]
        value = float(np.sum((w_all / total) * np.log((w_all * w_c) / (w_ac * w_bc))))
        value += correction(a + c) + correction(b + c) - correction(a + b + c) - correction(c)
    return max(value, 0.0)
