"""The dense counting kernels through the public API: every label dtype (bool included), ranges
that straddle the dense-table limit, values outside the range guessed from a sample, lengths that
are not multiples of the block sizes, and 1 and 2 threads giving the same bits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo
import fastinfo.reference

DTYPES = [
    np.bool_,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
]


@contextmanager
def threads(k: int) -> Iterator[None]:
    before = fastinfo.get_num_threads()
    fastinfo.set_num_threads(k)
    try:
        yield
    finally:
        fastinfo.set_num_threads(before)


def column(rng: np.random.Generator, dtype: type, n: int, width: int, place: int) -> np.ndarray:
    """``n`` labels of ``dtype`` uniform over ``width`` values at the low end, middle or high end
    of the type, with one value just outside that range in the middle of the column."""
    if dtype is np.bool_:
        return rng.integers(0, 2, n).astype(np.bool_)
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    width = min(width, hi - lo + 1)
    start = [lo, lo + (hi - lo + 1 - width) // 2, hi - width + 1][place]
    values = start + rng.integers(0, width, n, dtype=np.uint64).astype(object)
    if n > 2:
        outside = start - 1 if start > lo else start + width
        if lo <= outside <= hi:
            values[n // 2 + 1] = outside  # not among the samples of the range guess
    return np.array(values.tolist(), dtype=dtype)


def calls(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> list[object]:
    return [
        fastinfo.entropy(x),
        fastinfo.counts(x),
        fastinfo.mutual_information(x, y),
        fastinfo.conditional_entropy(x, y),
        fastinfo.conditional_mutual_information(x, y, z),
    ]


def same(a: object, b: object) -> bool:
    if isinstance(a, tuple):
        return isinstance(b, tuple) and all(same(u, v) for u, v in zip(a, b))
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    return a == b


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    n=st.one_of(st.integers(1, 3000), st.integers(32_760, 36_000)),
    dtypes=st.lists(st.sampled_from(DTYPES), min_size=3, max_size=3),
    widths=st.lists(
        st.sampled_from([1, 2, 7, 64, 255, 256, 257, 300, 5000]), min_size=3, max_size=3
    ),
    places=st.lists(st.integers(0, 2), min_size=3, max_size=3),
)
def test_dense_counts_match_the_reference_and_do_not_depend_on_threads(
    seed: int, n: int, dtypes: list[type], widths: list[int], places: list[int]
) -> None:
    rng = np.random.default_rng(seed)
    x, y, z = (column(rng, d, n, w, p) for d, w, p in zip(dtypes, widths, places))
    with threads(1):
        one = calls(x, y, z)
    with threads(2):
        two = calls(x, y, z)
    assert all(same(a, b) for a, b in zip(one, two)), (one, two)
    ref = fastinfo.reference
    values, counts = ref.counts(x)
    np.testing.assert_array_equal(one[1][0], values)
    np.testing.assert_array_equal(one[1][1], counts)
    expected = [
        ref.entropy(x),
        ref.mutual_information(x, y),
        ref.conditional_entropy(x, y),
        ref.conditional_mutual_information(x, y, z),
    ]
    for got, want in zip([one[0], *one[2:]], expected):
        assert got == pytest.approx(want, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_value_outside_the_guessed_range_is_counted(dtype: type) -> None:
    n = 40_001  # the guess reads 3 x 4096 samples; most positions are not among them
    rng = np.random.default_rng(3)
    x = rng.integers(0, 2, n).astype(dtype)
    far = np.iinfo(dtype).max if dtype is not np.bool_ else True
    x[n // 2 + 3] = far
    values, counts = fastinfo.counts(x)
    ref_values, ref_counts = fastinfo.reference.counts(x)
    np.testing.assert_array_equal(values, ref_values)
    np.testing.assert_array_equal(counts, ref_counts)


@pytest.mark.parametrize("dtype", DTYPES)
def test_many_chunks_give_the_same_table_for_any_thread_count(dtype: type) -> None:
    # 2^16 samples per chunk of the shared queue: values outside the guessed range in the last
    # chunk and in the second, and a length that is not a multiple of the chunk.
    n = 3 * 65_536 + 9_000
    rng = np.random.default_rng(5)
    x = rng.integers(0, 2, n).astype(dtype)
    y = rng.integers(0, 2, n).astype(dtype)
    far = np.iinfo(dtype).max if dtype is not np.bool_ else True
    x[n - 5_001] = far  # in the last chunk, not among the samples of the range guess
    y[65_536 + 101] = far
    results = []
    for k in (1, 2, 3):
        with threads(k):
            results.append(calls(x, y, y))
    assert all(same(a, b) for a, b in zip(results[0], results[1])), results
    assert all(same(a, b) for a, b in zip(results[0], results[2])), results
    values, counts = fastinfo.reference.counts(x)
    np.testing.assert_array_equal(results[0][1][0], values)
    np.testing.assert_array_equal(results[0][1][1], counts)
    assert results[0][2] == pytest.approx(
        fastinfo.reference.mutual_information(x, y), rel=1e-10, abs=1e-12
    )
