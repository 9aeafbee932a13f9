"""The contract of every public function on bad input, and result comparisons.

Every failing call must raise ``ValueError`` / ``TypeError`` / ``MemoryError`` with a message that
names the offending argument; a ``pyo3_runtime.PanicException`` (or the ``RuntimeError`` that a
caught panic becomes) reaching the user is a bug.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import numpy as np
import pytest


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; fail the test if a Rust panic (or its RuntimeError disguise) escapes."""
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:
        kind = type(exc).__name__
        if kind == "PanicException" or (
            isinstance(exc, RuntimeError) and "internal error" in str(exc)
        ):
            pytest.fail(f"{fn.__module__}.{fn.__qualname__} let a Rust panic escape: {kind}: {exc}")
        raise


def names(argument: str) -> str:
    """A regex matching ``argument`` as a whole word (``x`` in "x[:, 0] has", not in "index")."""
    return rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])"


def expect(
    exc: type[BaseException],
    argument: str,
    fn: Callable[..., Any],
    *args: Any,
    also: str | None = None,
    **kwargs: Any,
) -> BaseException:
    """Assert ``fn(*args, **kwargs)`` raises ``exc`` naming ``argument`` (and matching ``also``)."""
    with pytest.raises(exc, match=names(argument)) as info:
        call(fn, *args, **kwargs)
    if also is not None:
        assert re.search(also, str(info.value)), f"{also!r} not in {str(info.value)!r}"
    return info.value


def assert_same(actual: Any, expected: Any, exact: bool) -> None:
    """Compare results of any samples / pmf function (floats, tuples of arrays, sparse tables)."""
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple)
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same(a, e, exact)
        return
    if hasattr(expected, "toarray"):  # scipy sparse
        assert hasattr(actual, "toarray")
        assert actual.shape == expected.shape
        assert_same(actual.toarray(), expected.toarray(), exact)
        return
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray)
        assert actual.shape == expected.shape
        if expected.dtype.kind == "f":
            assert actual.dtype == np.float64
            if exact:
                np.testing.assert_array_equal(actual, expected)
            else:
                np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)
        else:
            assert actual.dtype == expected.dtype
            np.testing.assert_array_equal(actual, expected)
        return
    assert isinstance(actual, float)
    assert isinstance(expected, float)
    if exact:
        assert actual == expected or (math.isnan(actual) and math.isnan(expected))
    else:
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-15)


def assert_all_same(actual: dict[str, Any], expected: dict[str, Any], exact: bool) -> None:
    assert actual.keys() == expected.keys()
    for key in expected:
        try:
            assert_same(actual[key], expected[key], exact)
        except AssertionError as error:
            raise AssertionError(f"{key}: {error}") from error
