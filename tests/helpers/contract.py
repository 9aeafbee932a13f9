"""The contract of every public function on bad input, and result comparisons.

Every failing call must raise ``ValueError`` / ``TypeError`` / ``MemoryError`` with a message that
names the offending argument; a ``pyo3_runtime.PanicException`` (or the ``RuntimeError`` that a
caught panic becomes) reaching the user is a bug, and so is a call that does not answer
(:func:`attempt` gives every call a deadline).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import re
import signal
from collections.abc import Iterator
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


# ---------------------------------------------------------------------------------------------
# Calls with a deadline, and results compared by structure

TIMEOUT = 10.0  # seconds: one call of the bad-input matrix takes milliseconds


class Hang(BaseException):
    """No answer within :data:`TIMEOUT` (a BaseException: ``except Exception`` must not eat it)."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the call after ``seconds`` (the extension polls for signals)."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def attempt(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    timeout: float = TIMEOUT,
) -> Any:
    """``(True, result)`` or ``(False, exception)``; fails the test on a panic (:func:`call`) or
    when there is no answer within ``timeout`` seconds."""
    try:
        with deadline(timeout):
            return True, call(fn, *args, **kwargs)
    except Hang:
        pytest.fail(f"{fn.__module__}.{fn.__qualname__}: no answer within {timeout} s")
    except (pytest.fail.Exception, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        return False, exc


def result_of(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    ok, out = attempt(fn, args, kwargs)
    if not ok:
        raise AssertionError(f"{fn.__qualname__} raised {type(out).__name__}: {out}") from out
    return out


def equivalent(a: Any, b: Any, *, rtol: float = 1e-12, labels: bool = True) -> bool:
    """Same structure and numbers (relative ``rtol``); ``labels=False`` compares arrays of labels
    (strings, objects) by shape only."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(
            equivalent(getattr(a, f.name), getattr(b, f.name), rtol=rtol, labels=labels)
            for f in dataclasses.fields(a)
        )
    if isinstance(a, (tuple, list)):
        return (
            isinstance(b, (tuple, list))
            and len(a) == len(b)
            and all(equivalent(u, v, rtol=rtol, labels=labels) for u, v in zip(a, b))
        )
    if hasattr(a, "toarray"):
        return hasattr(b, "toarray") and equivalent(a.toarray(), b.toarray(), rtol=rtol)
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind not in "biufc" or b.dtype.kind not in "biufc":
        return not labels or bool(np.array_equal(a, b))
    return bool(np.allclose(a, b, rtol=rtol, atol=0.0, equal_nan=True))


def numbers(result: Any) -> np.ndarray:
    """Every float of a result (fields of result classes, items of tuples), flat."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        result = [getattr(result, f.name) for f in dataclasses.fields(result)]
    if isinstance(result, (tuple, list)):
        parts = [numbers(r) for r in result]
        return np.concatenate(parts) if parts else np.zeros(0)
    array = np.asarray(result)
    return array.ravel().astype(float) if array.dtype.kind in "biuf" else np.zeros(0)


def scaled(result: Any, factor: float) -> Any:
    """``result`` with every float (not the integer indices of ``nearest``) times ``factor``."""
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        fields = {
            f.name: scaled(getattr(result, f.name), factor) for f in dataclasses.fields(result)
        }
        return dataclasses.replace(result, **fields)
    if isinstance(result, tuple):
        return tuple(scaled(r, factor) for r in result)
    array = np.asarray(result)
    if array.dtype.kind != "f":
        return result
    with np.errstate(over="ignore"):
        return array * factor
