"""The samples functions' data arguments (as error messages name them) and small valid data,
and bad ``base`` values: shared by the ``test_bad_inputs_*`` files."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from helpers.contract import call

N = 6  # samples in the small bad-input cases


# Public samples functions and the names their data arguments have in error messages.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "entropy": ("x",),
    "joint_entropy": ("variables[0]", "variables[1]", "variables[2]"),
    "conditional_entropy": ("x", "given"),
    "mutual_information": ("x", "y"),
    "conditional_mutual_information": ("x", "y", "given"),
    "counts": ("x",),
    "contingency": ("x", "y"),
}
ESTIMATES = [
    "entropy",
    "joint_entropy",
    "conditional_entropy",
    "mutual_information",
    "conditional_mutual_information",
]


POSITIONS = [
    pytest.param(name, i, id=f"{name}-{argument}")
    for name, arguments in SIGNATURES.items()
    for i, argument in enumerate(arguments)
]


def samples_call(impl: Any, name: str, data: list[Any], **kwargs: Any) -> Any:
    """Call samples function ``name`` of ``impl`` with the data arguments ``data``."""
    return call(getattr(impl, name), *data, **kwargs)


def good_labels(n: int = N) -> list[np.ndarray]:
    rng = np.random.default_rng(n)
    return [rng.integers(0, 3, n) for _ in range(3)]


def with_bad(name: str, position: int, bad: Any, n: int = N) -> list[Any]:
    data: list[Any] = good_labels(n)[: len(SIGNATURES[name])]
    data[position] = bad
    return data


BAD_BASES = [
    (0, ValueError),
    (-2, ValueError),
    (-0.5, ValueError),
    (1, ValueError),
    (1.0, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    (float("-inf"), ValueError),
    (np.float64("nan"), ValueError),
    ("2", TypeError),
    (b"2", TypeError),
    (True, TypeError),
    (False, TypeError),
    (np.True_, TypeError),
    (2 + 0j, TypeError),
    ([2], TypeError),
]
BAD_BASE_PARAMS = [pytest.param(b, e, id=repr(b)) for b, e in BAD_BASES]
