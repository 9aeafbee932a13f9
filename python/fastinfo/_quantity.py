"""The samples functions' table options: NSB's known alphabet size and sample weights.

:func:`fastinfo.entropy` and its relatives call :func:`estimate` when ``alphabet_size=`` or
``sample_weight=`` is given; the bootstrap reuses the alphabet-size check.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from . import _native
from ._inputs import Variable, as_array

#: The quantities of :func:`estimate`, named as the Rust core's ``Quantity``.
QUANTITIES = (
    "entropy",
    "conditional_entropy",
    "mutual_information",
    "conditional_mutual_information",
)


def _size(value: object, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    size = operator.index(value)
    if not 1 <= size < 2**64:
        raise ValueError(f"{name} must be a positive integer below 2**64, got {size}")
    return size


def check_alphabet_size(
    alphabet_size: object, names: Sequence[str], estimator: str, *, joint: bool = False
) -> list[int] | None:
    """One alphabet size per variable (named ``names``), or None.

    An int is accepted for one variable, and for :func:`fastinfo.joint_entropy` (``joint``),
    where it is the size of the joint alphabet. Only ``estimator="nsb"`` uses it.
    """
    if alphabet_size is None:
        return None
    if estimator != "nsb":
        raise ValueError(
            f'alphabet_size is used only by estimator="nsb", got estimator={estimator!r} '
            "(the other estimators do not need the alphabet size)"
        )
    if isinstance(alphabet_size, (numbers.Integral, np.integer)) and not isinstance(
        alphabet_size, (bool, np.bool_)
    ):
        if len(names) == 1 or joint:
            return [_size(alphabet_size, "alphabet_size")]
        raise TypeError(
            f"alphabet_size needs one size per variable ({', '.join(names)}), "
            f"e.g. alphabet_size=({', '.join(['4'] * len(names))}); got {alphabet_size!r}"
        )
    if isinstance(alphabet_size, (str, bytes)) or not isinstance(alphabet_size, Sequence):
        raise TypeError(
            "alphabet_size must be an integer or a sequence of one integer per variable, "
            f"got {type(alphabet_size).__name__}"
        )
    if len(alphabet_size) != len(names):
        raise ValueError(
            f"alphabet_size needs one size per variable ({', '.join(names)}): "
            f"{len(names)} sizes, got {len(alphabet_size)}"
        )
    return [_size(s, f"alphabet_size[{i}]") for i, s in enumerate(alphabet_size)]


def check_sample_weight(sample_weight: object, n: int) -> npt.NDArray[np.float64] | None:
    """``sample_weight`` as a contiguous float64 array of ``n`` values, or None.

    The values (finite, non-negative, not all zero) are checked by the core as it reads them.
    """
    if sample_weight is None:
        return None
    weights = as_array(sample_weight, "sample_weight")
    if weights.dtype.kind not in "biuf":
        raise TypeError(f"sample_weight must hold real numbers, got dtype {weights.dtype}")
    if weights.ndim != 1:
        raise ValueError(f"sample_weight must be 1-D, got shape {weights.shape}")
    if weights.shape[0] != n:
        raise ValueError(
            f"sample_weight must have one weight per sample: {n} samples, "
            f"got {weights.shape[0]} weights"
        )
    return _summable(np.ascontiguousarray(weights, dtype=np.float64))


def _summable(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Valid ``weights`` too large to sum, scaled by a power of two (exactly) so that they are not.

    Weights whose sums (or products of two sums) would overflow float64, like ``[1e308, 1e308]``,
    gave 0.0 or NaN. Such weights exceed 2**53, so they are not integers for the estimators:
    only the plug-in estimator takes them, and it depends on their ratios alone.
    """
    if weights.size == 0 or not (np.isfinite(weights).all() and (weights >= 0).all()):
        return weights  # the core names the bad weight, as given
    top = float(weights.max())
    if top == 0.0:
        return weights
    exponent = math.frexp(top)[1]  # top < 2**exponent
    room = 500 - math.ceil(math.log2(weights.size))  # sums, and products of two, stay finite
    if exponent <= room:
        return weights
    return weights * 2.0 ** (room - exponent)


def estimate(
    quantity: str,
    variables: list[Variable],
    estimator: str,
    alphabet_size: list[int] | None,
    sample_weight: npt.NDArray[np.float64] | None,
) -> float:
    """``quantity`` of ``variables`` in nats, with the table options."""
    columns = [v.columns for v in variables]
    if alphabet_size is not None and len(alphabet_size) == 1 and len(columns) > 1:
        columns = [[c for v in columns for c in v]]  # one size: the joint alphabet
    return _native.estimate_with_options(columns, quantity, estimator, alphabet_size, sample_weight)
