"""``fastinfo.pmf``: batches (row by row, parallel path, result types, empty batches) and
argument errors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import PMF_IMPLS
from helpers.distributions import (
    ALL,
    ATOL_PER_TERM,
    Case,
    assert_values_close,
    call,
    cases,
    for_function,
    magnitude,
)
from hypothesis import given

import fastinfo
import fastinfo.pmf as pmf
import fastinfo.reference.pmf as ref

# --------------------------------------------------------------------------------------------
# 5. Batches
# --------------------------------------------------------------------------------------------


def assert_batch_equals_rows(name: str, case: Case) -> None:
    arrays = [case.p] if case.q is None else list(np.broadcast_arrays(case.p, case.q))
    pos = case.axis % arrays[0].ndim
    moved = [np.moveaxis(a, pos, -1) for a in arrays]
    batched = np.asarray(call(pmf, name, *arrays, **case.kwargs))
    assert batched.shape == moved[0].shape[:-1]
    for index in np.ndindex(*batched.shape):
        rows = [m[index] for m in moved]
        one = call(pmf, name, *rows, **dict(case.kwargs, axis=-1))
        assert type(one) is float
        assert one == batched[index], (index, one, batched[index])


@given(case=cases())
def test_batched_equals_row_by_row_exactly(case: Case) -> None:
    for name in ALL:
        assert_batch_equals_rows(name, for_function(name, case))


@pytest.mark.parametrize("name", ALL)
def test_large_batch_parallel_path_equals_rows_and_thread_count(name: str) -> None:
    """Above the parallel threshold (rows·k >= 2**14) results are the same, bit for bit."""
    rng = np.random.default_rng(20240611)
    p = rng.random((3000, 9)) * (rng.random((3000, 9)) > 0.2)
    q = rng.random((3000, 9)) * (rng.random((3000, 9)) > 0.2)
    p[:, 0] += 0.1
    q[:, 1] += 0.1
    case = Case(p, q, -1, True, None)
    assert_batch_equals_rows(name, case)
    before = fastinfo.get_num_threads()
    try:
        fastinfo.set_num_threads(1)
        one = call(pmf, name, p, q)
        fastinfo.set_num_threads(4)
        four = call(pmf, name, p, q)
    finally:
        fastinfo.set_num_threads(before)
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, call(pmf, name, p, q))
    # Parallel path agrees with the reference.
    assert_values_close(one, call(ref, name, p, q), atol=ATOL_PER_TERM * magnitude(name, p, q))


def test_one_long_row() -> None:
    rng = np.random.default_rng(7)
    p, q = rng.random(200_001), rng.random(200_001)
    for name in ALL:
        assert_values_close(
            call(pmf, name, p, q), call(ref, name, p, q), atol=ATOL_PER_TERM * magnitude(name, p, q)
        )


@pytest.mark.parametrize("name", ALL)
def test_result_types(name: str) -> None:
    one = call(pmf, name, [1, 2, 3], [3, 2, 1])
    assert type(one) is float
    single = call(pmf, name, [[1, 2, 3]], [3, 2, 1])
    assert isinstance(single, np.ndarray)
    assert single.shape == (1,)
    assert single.dtype == np.float64
    assert single[0] == one
    cube = call(pmf, name, np.ones((2, 3, 4)), np.ones((2, 3, 4)), axis=1)
    assert isinstance(cube, np.ndarray)
    assert cube.shape == (2, 4)
    assert cube.dtype == np.float64
    lists = call(pmf, name, [[1, 2], [3, 4]], [[1, 1], [1, 1]], axis=0)
    assert lists.shape == (2,)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("p_shape", "q_shape", "axis", "out_shape"),
    [
        ((0, 3), (0, 3), -1, (0,)),
        ((0, 3), (3,), -1, (0,)),
        ((3, 0), (3, 0), 0, (0,)),
        ((2, 0, 3), (2, 0, 3), -1, (2, 0)),
        ((0, 2, 3), (1, 2, 3), 1, (0, 3)),
    ],
)
def test_empty_batch_returns_empty_array(
    name: str,
    p_shape: tuple[int, ...],
    q_shape: tuple[int, ...],
    axis: int,
    out_shape: tuple[int, ...],
) -> None:
    got = call(pmf, name, np.ones(p_shape), np.ones(q_shape), axis=axis)
    assert isinstance(got, np.ndarray)
    assert got.shape == out_shape
    assert got.dtype == np.float64
    want = call(ref, name, np.ones(p_shape), np.ones(q_shape), axis=axis)
    assert np.asarray(want).shape == out_shape


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", PMF_IMPLS)
@pytest.mark.parametrize("name", ALL)
def test_invalid_weights_raise_naming_the_row(module: Any, name: str) -> None:
    good = np.ones((3, 2))
    for bad_value in (-1.0, math.nan, math.inf):
        bad = good.copy()
        bad[2, 1] = bad_value
        with pytest.raises(ValueError, match=r"p: row 2"):
            call(module, name, bad, good)
        if name != "entropy":
            with pytest.raises(ValueError, match=r"q: row 2"):
                call(module, name, good, bad)
    zero = good.copy()
    zero[1] = 0
    with pytest.raises(ValueError, match=r"row 1"):
        call(module, name, zero, good)
    unnormalised = np.array([[0.5, 0.5], [0.5, 0.6]])
    with pytest.raises(ValueError, match=r"row 1"):
        call(module, name, unnormalised, np.full((2, 2), 0.5), normalize=False)
    # Within the 1e-6 tolerance is accepted as given.
    near = np.array([0.5, 0.5 + 5e-7])
    assert math.isfinite(call(module, name, near, near, normalize=False))


@pytest.mark.parametrize("name", ALL)
def test_bad_arguments(name: str) -> None:
    with pytest.raises(TypeError, match="p"):
        call(pmf, name, np.array([1 + 1j, 1]), [1, 1])
    with pytest.raises(TypeError):
        call(pmf, name, ["a", "b"], [1, 1])
    with pytest.raises(ValueError, match="scalar"):
        call(pmf, name, 1.0, 1.0)
    with pytest.raises(ValueError, match="no outcomes"):
        call(pmf, name, np.ones((2, 0)), np.ones((2, 0)))
    for base in (0, -2, 1, math.inf, math.nan):
        with pytest.raises(ValueError, match="base"):
            call(pmf, name, [1, 1], [1, 1], base=base)
    with pytest.raises(TypeError, match="base"):
        call(pmf, name, [1, 1], [1, 1], base="2")
    with pytest.raises(TypeError, match="normalize"):
        call(pmf, name, [1, 1], [1, 1], normalize=1)
    with pytest.raises(np.exceptions.AxisError, match="axis 2"):
        call(pmf, name, np.ones((2, 2)), np.ones((2, 2)), axis=2)
    if name != "entropy":
        with pytest.raises(ValueError, match="broadcastable"):
            call(pmf, name, np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(TypeError):
        getattr(pmf, name)(p=[1, 1]) if name == "entropy" else getattr(pmf, name)([1, 1], q=[1, 1])
