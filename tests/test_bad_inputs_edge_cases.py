"""Samples functions on inputs that must work: int64/uint64 extremes, negative and boolean
labels, outliers missed by range sampling, awkward memory layouts (strided, reversed, read-only,
byte-swapped, Fortran), the same array twice, categoricals. Each is checked against
:mod:`fastinfo.reference`, and layout variants against a contiguous copy, bit for bit."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from helpers import IMPLS
from helpers.contract import assert_all_same, call

import fastinfo
import fastinfo.reference

pd = pytest.importorskip("pandas")


def every_samples_result(impl: Any, x: Any, y: Any, z: Any) -> dict[str, Any]:
    """Every samples function of ``impl`` on the variables ``x``, ``y``, ``z``."""
    return {
        "entropy": call(impl.entropy, x),
        "entropy-bits-mm": call(impl.entropy, x, base=2, estimator="miller_madow"),
        "joint_entropy": call(impl.joint_entropy, x, y, z),
        "conditional_entropy": call(impl.conditional_entropy, x, z),
        "conditional_entropy-mm": call(impl.conditional_entropy, y, x, estimator="miller_madow"),
        "mutual_information": call(impl.mutual_information, x, y),
        "mutual_information-mm": call(impl.mutual_information, y, z, estimator="miller_madow"),
        "conditional_mutual_information": call(impl.conditional_mutual_information, x, y, z),
        "counts-x": call(impl.counts, x),
        "counts-y": call(impl.counts, y),
        "contingency": call(impl.contingency, x, y),
        "contingency-sparse": call(impl.contingency, z, x, sparse=True),
    }


def some_samples_results(impl: Any, x: Any, y: Any, z: Any) -> dict[str, Any]:
    """A cheaper subset of :func:`every_samples_result` (the reference is slow on big inputs)."""
    return {
        "entropy": call(impl.entropy, x),
        "mutual_information": call(impl.mutual_information, x, y),
        "conditional_mutual_information": call(impl.conditional_mutual_information, x, y, z),
        "counts-x": call(impl.counts, x),
        "contingency": call(impl.contingency, x, z),
    }


def check_against_reference(x: Any, y: Any, z: Any, subset: bool = False) -> dict[str, Any]:
    results = some_samples_results if subset else every_samples_result
    fast = results(fastinfo, x, y, z)
    assert_all_same(fast, results(fastinfo.reference, x, y, z), exact=False)
    return fast


# ---------------------------------------------------------------------------------------------
# Samples functions: inputs that must work, checked against the reference

I64 = np.iinfo(np.int64)
U64 = np.iinfo(np.uint64)


def extreme_variables(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    x = rng.choice(np.array([I64.min, I64.min + 1, -1, 0, 1, I64.max - 1, I64.max]), n)
    y = rng.choice(
        np.array([0, 1, 2**63 - 1, 2**63, 2**63 + 1, U64.max - 1, U64.max], np.uint64), n
    )
    z = rng.integers(-3, 3, n).astype(np.int8)
    return x, y, z


@pytest.mark.parametrize("n", [7, 1000, 70_001])
def test_int64_uint64_extremes_exact(n: int) -> None:
    x, y, z = extreme_variables(n)
    fast = check_against_reference(x, y, z, subset=n > 10_000)
    values, counts = fast["counts-x"]
    assert values.dtype == np.int64
    np.testing.assert_array_equal(values, np.unique(x))
    assert counts.sum() == n
    values, counts = call(fastinfo.counts, y)
    assert values.dtype == np.uint64
    np.testing.assert_array_equal(values, np.unique(y))


@pytest.mark.parametrize("n", [1000, 40_001])
def test_extremes_as_two_dimensional_variables(n: int) -> None:
    x, y, z = extreme_variables(n)
    xy = np.column_stack([x, x[::-1]])  # int64 (n, 2)
    yy = np.column_stack([y, y[::-1], y])  # uint64 (n, 3)
    check_against_reference(xy, yy, z, subset=n > 10_000)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_negative_labels(dtype: str) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(0)
    x = rng.integers(info.min, 0, 5000, dtype=dtype, endpoint=True)
    y = rng.integers(-2, 2, 5000).astype(dtype)
    z = (x % 3).astype(dtype)
    fast = check_against_reference(x, y, z)
    assert fast["counts-x"][0].dtype == np.dtype(dtype)
    assert fast["counts-x"][0].min() < 0


@pytest.mark.parametrize("outlier", [-5, 11, 3000, 2**62, int(I64.min)])
def test_outlier_missed_by_range_sampling(outlier: int) -> None:
    """Values outside the sampled key range (one rare outlier deep inside the array) still count."""
    rng = np.random.default_rng(1)
    n = 100_003
    x = rng.integers(0, 10, n)
    x[[12_345, n // 2 + 7]] = outlier
    y = rng.integers(0, 4, n)
    fast = check_against_reference(x, y, y, subset=True)
    assert outlier in fast["counts-x"][0]


def test_bool_labels_same_as_uint8() -> None:
    rng = np.random.default_rng(2)
    x, y, z = (rng.integers(0, 2, 3000).astype(bool) for _ in range(3))
    fast = check_against_reference(x, y, z)
    as_uint8 = every_samples_result(fastinfo, x.view(np.uint8), y.view(np.uint8), z.view(np.uint8))
    for key, value in fast.items():
        if isinstance(value, float):
            assert value == as_uint8[key], key
    values, counts = fast["counts-x"]
    assert values.dtype == np.bool_
    assert values.tolist() == [False, True]
    np.testing.assert_array_equal(counts, as_uint8["counts-x"][1])
    np.testing.assert_array_equal(fast["contingency"][2], as_uint8["contingency"][2])


def _layouts(
    x: np.ndarray,
) -> list[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    def strided(a: np.ndarray) -> np.ndarray:
        big = np.zeros((a.shape[0] * 3, *a.shape[1:]), dtype=a.dtype)
        big[1::3] = a
        return big[1::3]

    def reversed_(a: np.ndarray) -> np.ndarray:
        return a[::-1]

    def readonly(a: np.ndarray) -> np.ndarray:
        b = a.copy()
        b.flags.writeable = False
        return b

    def swapped(a: np.ndarray) -> np.ndarray:
        return a.astype(a.dtype.newbyteorder(">" if np.little_endian else "<"))

    return [
        ("strided", strided),
        ("reversed", reversed_),
        ("read-only", readonly),
        ("byte-swapped", swapped),
    ]


LAYOUTS = ["strided", "reversed", "read-only", "byte-swapped"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["<i4", ">i4", "<u8", ">u8", ">i2", ">i8", "<u2"])
@pytest.mark.parametrize("n", [500, 50_001])
def test_layouts_match_contiguous_copy(layout: str, dtype: str, n: int) -> None:
    rng = np.random.default_rng(n)
    info = np.iinfo(np.dtype(dtype))
    x = rng.integers(max(info.min, -1000), min(info.max, 1000), n).astype(dtype)
    y = rng.choice(np.array([0, info.max, info.max - 1, 7], dtype=dtype), n)
    z = rng.integers(0, 5, n).astype(dtype)
    make = dict(_layouts(x))[layout]
    vx, vy, vz = make(x), make(y), make(z)
    if layout != "read-only":
        assert not (vx.flags.c_contiguous and vx.dtype.isnative)
    expected = every_samples_result(
        fastinfo,
        np.ascontiguousarray(vx).astype(vx.dtype.newbyteorder("=")),
        np.ascontiguousarray(vy).astype(vy.dtype.newbyteorder("=")),
        np.ascontiguousarray(vz).astype(vz.dtype.newbyteorder("=")),
    )
    actual = every_samples_result(fastinfo, vx, vy, vz)
    assert_all_same(actual, expected, exact=True)
    if n < 10_000:  # the reference is slow
        assert_all_same(every_samples_result(fastinfo.reference, vx, vy, vz), expected, exact=False)


@pytest.mark.parametrize("n", [400, 40_001])
def test_fortran_and_transposed_two_dimensional(n: int) -> None:
    rng = np.random.default_rng(3)
    c_x = np.column_stack([rng.integers(-5, 5, n), rng.integers(0, 2**40, n) % 17])
    c_y = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 3, n), rng.integers(0, 3, n)])
    z = rng.integers(0, 4, n)
    expected = every_samples_result(fastinfo, c_x, c_y, z)
    f_x, f_y = np.asfortranarray(c_x), np.asfortranarray(c_y)
    assert f_x.flags.f_contiguous
    assert not f_x.flags.c_contiguous
    t_x = np.ascontiguousarray(c_x.T).T  # a transposed view
    strided_y = np.repeat(c_y, 2, axis=1)[:, ::2]  # a column-strided view
    for x, y in [(f_x, f_y), (t_x, strided_y), (c_x[::-1][::-1], f_y)]:
        assert_all_same(every_samples_result(fastinfo, x, y, z), expected, exact=True)
    assert_all_same(every_samples_result(fastinfo.reference, f_x, f_y, z), expected, exact=False)


def test_byte_swapped_datetimes_decode_to_the_same_values() -> None:
    native = np.array(["2020-01-01", "2020-01-02", "2020-01-02", "1999-05-05"], dtype="<M8[D]")
    swapped = native.astype(">M8[D]")
    expected_values, expected_counts = np.unique(native, return_counts=True)
    for impl in (fastinfo, fastinfo.reference):
        assert call(impl.entropy, swapped) == pytest.approx(call(impl.entropy, native))
        values, counts = call(impl.counts, swapped)
        np.testing.assert_array_equal(values, expected_values)
        np.testing.assert_array_equal(counts, expected_counts)
        xv, _, _table = call(impl.contingency, swapped, [0, 1, 1, 0])
        np.testing.assert_array_equal(xv, expected_values)


@pytest.mark.parametrize("impl", IMPLS)
def test_same_array_twice(impl: Any) -> None:
    rng = np.random.default_rng(4)
    for x in [rng.integers(0, 7, 10_007), rng.integers(0, 2**40, 3000), extreme_variables(999)[1]]:
        z = rng.integers(0, 3, x.shape[0])
        h = call(impl.entropy, x)
        assert call(impl.mutual_information, x, x) == h
        assert call(impl.mutual_information, x, x, estimator="miller_madow") == pytest.approx(
            call(impl.entropy, x, estimator="miller_madow"), rel=1e-12
        )
        assert call(impl.joint_entropy, x, x) == pytest.approx(h, rel=1e-12)
        assert call(impl.conditional_entropy, x, x) == 0.0
        assert call(impl.conditional_mutual_information, x, x, z) == pytest.approx(
            call(impl.conditional_entropy, x, z), rel=1e-12
        )
        assert call(impl.conditional_mutual_information, x, z, x) == 0.0
        xv, yv, table = call(impl.contingency, x, x)
        np.testing.assert_array_equal(xv, yv)
        np.testing.assert_array_equal(table, np.diag(call(impl.counts, x)[1]))
    assert call(impl.mutual_information, x, x) == pytest.approx(
        call(fastinfo.reference.entropy, x), rel=1e-12
    )


@pytest.mark.parametrize("impl", IMPLS)
def test_categorical_without_missing_values_works(impl: Any) -> None:
    labels = ["b", "a", "c", "a", "a", "b"]
    cat = pd.Categorical(labels, categories=["c", "b", "a", "unused"])
    assert call(impl.entropy, cat) == pytest.approx(call(impl.entropy, np.array(labels)))
    values, counts = call(impl.counts, pd.Series(cat))
    assert dict(zip(values.tolist(), counts.tolist())) == {"a": 3, "b": 2, "c": 1}
