"""The samples functions against their twin, scipy, scikit-learn and numpy.

Four kinds of evidence, each able to fail on its own (1 and 2 here; 3 in
``test_samples_identities.py``, 4 in ``test_samples_values.py`` and
``test_samples_encodings.py``; the data generators in ``helpers/labels.py``):

1. agreement with the pure-numpy twin :mod:`fastinfo.reference` on generated data of every dtype,
   layout, size and label spread (dense, offset, wide, extreme → the dense, hashed, factorised and
   sorted-rows counting paths), plus a few large inputs for the multi-threaded paths;
2. agreement with scipy, scikit-learn and numpy;
3. information-theoretic identities and inequalities;
4. known closed-form values, and identical results for equivalent encodings of the same labels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.sparse
import scipy.stats
import sklearn.metrics
from helpers.labels import (
    ESTIMATORS,
    SORTABLE_KINDS,
    assert_close,
    assert_same_array,
    bases,
    estimators,
    joint_samples,
    one_sample,
)
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics.cluster import contingency_matrix

import fastinfo
import fastinfo.reference as reference

# ---------------------------------------------------------------------------------------------
# 1. Against the reference twin


@given(one_sample(), estimators, bases)
def test_entropy_matches_reference(x: np.ndarray, estimator: str, base: int | None) -> None:
    got = fastinfo.entropy(x, base=base, estimator=estimator)
    assert_close(got, reference.entropy(x, base=base, estimator=estimator))
    assert got >= 0.0


@given(st.integers(1, 4).flatmap(joint_samples), estimators, bases)
def test_joint_entropy_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    got = fastinfo.joint_entropy(*variables, base=base, estimator=estimator)
    assert_close(got, reference.joint_entropy(*variables, base=base, estimator=estimator))
    assert got >= 0.0
    if len(variables) == 1:
        assert got == fastinfo.entropy(variables[0], base=base, estimator=estimator)


@given(joint_samples(2), estimators, bases)
def test_conditional_entropy_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, g = variables
    got = fastinfo.conditional_entropy(x, g, base=base, estimator=estimator)
    assert_close(got, reference.conditional_entropy(x, g, base=base, estimator=estimator))
    if estimator == "plugin":
        assert got >= 0.0


@given(joint_samples(2), estimators, bases)
def test_mutual_information_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, y = variables
    got = fastinfo.mutual_information(x, y, base=base, estimator=estimator)
    assert_close(got, reference.mutual_information(x, y, base=base, estimator=estimator))
    assert got >= 0.0


@given(joint_samples(3), estimators, bases)
def test_conditional_mutual_information_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, y, z = variables
    got = fastinfo.conditional_mutual_information(x, y, z, base=base, estimator=estimator)
    expected = reference.conditional_mutual_information(x, y, z, base=base, estimator=estimator)
    assert_close(got, expected)
    assert got >= 0.0


@given(one_sample())
def test_counts_matches_reference(x: np.ndarray) -> None:
    values, n = fastinfo.counts(x)
    ref_values, ref_n = reference.counts(x)
    assert_same_array(values, ref_values)
    assert_same_array(n, ref_n.astype(np.int64))
    assert n.sum() == x.shape[0]


@given(joint_samples(2), st.booleans())
def test_contingency_matches_reference(variables: list[np.ndarray], sparse: bool) -> None:
    x, y = variables
    xv, yv, table = fastinfo.contingency(x, y, sparse=sparse)
    rxv, ryv, rtable = reference.contingency(x, y, sparse=sparse)
    assert_same_array(xv, rxv)
    assert_same_array(yv, ryv)
    if sparse:
        assert isinstance(table, scipy.sparse.coo_array)
        assert table.shape == rtable.shape
        assert np.array_equal(table.toarray(), rtable.toarray())
    else:
        assert_same_array(table, rtable.astype(np.int64))


# Large inputs: several threads' parts, the range guess missing outliers, hashed and sorted-rows
# joint tables. Built once per module (the reference is slow on them).


def _large_cases() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20240601)
    cases: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    n = 200_000
    x = rng.integers(0, 7, n).astype(np.uint8)
    y = (x + rng.integers(0, 3, n)).astype(np.int16) - 4
    z = rng.integers(-3, 3, n).astype(np.int64)
    cases["dense-small"] = (x, y, z)

    n = 120_000
    x = rng.integers(-(2**23), 2**23, 20_000)[rng.integers(0, 20_000, n)] * (1 << 40)
    y = (x >> 40) % 1000 + rng.integers(0, 2, n)
    z = np.where(rng.random(n) < 0.5, x, -x)
    cases["wide-int64"] = (x.astype(np.int64), y.astype(np.int64), z.astype(np.int64))

    # Outliers only where a strided sample of the data does not look: the dense guess fails.
    n = 100_003
    x = rng.integers(0, 50, n).astype(np.int32)
    x[[4097, 50_001, 77_777]] = [10**6, -(10**6), 123_456]
    y = (x % 13).astype(np.uint32) + np.uint32(2**31)
    z = rng.integers(0, 4, n).astype(np.int8)
    cases["outliers"] = (x, y, z)

    n = 80_000
    x = rng.integers(2**63, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    x[::3] = np.uint64(2**64 - 1)
    y = (x % np.uint64(97)).astype(np.uint64)
    z = np.iinfo(np.int64).min + rng.integers(0, 3, n)
    cases["uint64-high"] = (x, y, z.astype(np.int64))

    # Few wide labels: factorised per thread part, then merged into one dense table.
    n = 100_000
    x = rng.integers(0, 50, n)
    y = (x * 7 + rng.integers(0, 3, n)) % 37
    z = rng.integers(0, 3, n) - 1
    cases["wide-few"] = (
        (x - 25) * (1 << 45) + 17,
        (y.astype(np.uint64) << np.uint64(58)) + np.uint64(3),
        z.astype(np.int8),
    )

    # Almost all-distinct rows of 5 wide columns: radices overflow u64 → sorted rows.
    n = 50_000
    x = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, (n, 5), dtype=np.int64)
    x[: n // 2] = x[n // 2 :]  # every row twice
    y = rng.integers(0, 5, (n, 2)).astype(np.uint16)
    z = (x[:, 0] % 3).astype(np.int64)
    cases["rows-overflow"] = (x, y, z)

    n = 60_000
    labels = np.array([f"s{i}" for i in range(3000)])
    x = labels[rng.integers(0, 3000, n)]
    y = np.asfortranarray(np.column_stack([rng.integers(0, 40, n), rng.integers(0, 40, n)]))
    z = rng.integers(0, 1 << 20, n).astype(np.int32)
    cases["strings-2d"] = (x, y, z)
    return cases


LARGE = _large_cases()


def _sparse_table(x: np.ndarray, y: np.ndarray) -> Any:
    """The contingency table built by numpy + scipy.sparse (no dense table: alphabets are large)."""
    xv, xi = np.unique(x, axis=0 if x.ndim == 2 else None, return_inverse=True)
    yv, yi = np.unique(y, axis=0 if y.ndim == 2 else None, return_inverse=True)
    ones = np.ones(xi.size, dtype=np.int64)
    table = scipy.sparse.coo_array(
        (ones, (xi.reshape(-1), yi.reshape(-1))), shape=(xv.shape[0], yv.shape[0])
    )
    table.sum_duplicates()
    return xv, yv, table


@pytest.mark.parametrize("case", sorted(LARGE))
def test_large_inputs_match_reference(case: str) -> None:
    x, y, z = LARGE[case]
    estimator = ESTIMATORS[sorted(LARGE).index(case) % 2]
    e = {"estimator": estimator}
    assert_close(fastinfo.entropy(x, **e), reference.entropy(x, **e))
    assert_close(fastinfo.joint_entropy(x, y, z, **e), reference.joint_entropy(x, y, z, **e))
    assert_close(fastinfo.conditional_entropy(x, y, **e), reference.conditional_entropy(x, y, **e))
    assert_close(fastinfo.mutual_information(x, y, **e), reference.mutual_information(x, y, **e))
    assert_close(
        fastinfo.conditional_mutual_information(x, y, z, base=2, **e),
        reference.conditional_mutual_information(x, y, z, base=2, **e),
    )
    values, n = fastinfo.counts(x)
    ref_values, ref_n = reference.counts(x)
    assert_same_array(values, ref_values)
    assert_same_array(n, ref_n)
    xv, zv, table = fastinfo.contingency(x, z, sparse=True)
    ex, ez, expected = _sparse_table(x, z)
    assert_same_array(xv, ex)
    assert_same_array(zv, ez)
    assert table.shape == expected.shape
    assert table.nnz == expected.nnz
    assert (table != expected).nnz == 0


@pytest.mark.parametrize("case", ["dense-small", "wide-few", "wide-int64", "rows-overflow"])
def test_large_inputs_same_bits_for_any_thread_count(case: str) -> None:
    x, y, z = LARGE[case]

    def all_results() -> list[Any]:
        return [
            fastinfo.entropy(x),
            fastinfo.joint_entropy(x, y, z, estimator="miller_madow"),
            fastinfo.conditional_entropy(x, z),
            fastinfo.mutual_information(x, y),
            fastinfo.conditional_mutual_information(x, y, z),
            *(a.tobytes() for a in fastinfo.counts(x)),
        ]

    before = fastinfo.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 5):
            fastinfo.set_num_threads(threads)
            results.append(all_results())
    finally:
        fastinfo.set_num_threads(before)
    for other in results[1:]:
        assert other == results[0]


# ---------------------------------------------------------------------------------------------
# 2. Against scipy, scikit-learn and numpy


@given(one_sample(kinds=SORTABLE_KINDS), st.sampled_from([None, 2, 10, math.e, 3.5]))
def test_entropy_matches_scipy(x: np.ndarray, base: float | None) -> None:
    _, n = np.unique(x, axis=0 if x.ndim == 2 else None, return_counts=True)
    expected = float(scipy.stats.entropy(n, base=base))
    assert_close(fastinfo.entropy(x, base=base), expected, abs_=1e-15)


@given(joint_samples(2, two_d=False, kinds=SORTABLE_KINDS))
def test_mutual_information_matches_sklearn(variables: list[np.ndarray]) -> None:
    x, y = variables
    expected = float(sklearn.metrics.mutual_info_score(x, y))
    # sklearn drops terms below machine epsilon: a tiny absolute slack on top of 1e-12 relative.
    assert_close(fastinfo.mutual_information(x, y), expected, abs_=1e-14)


@given(one_sample(kinds=SORTABLE_KINDS))
def test_counts_matches_numpy_unique(x: np.ndarray) -> None:
    values, n = fastinfo.counts(x)
    expected_values, expected_n = np.unique(x, axis=0 if x.ndim == 2 else None, return_counts=True)
    assert_same_array(values, expected_values)
    assert_same_array(n, expected_n.astype(np.int64))


def _numpy_table(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xv, xi = np.unique(x, axis=0 if x.ndim == 2 else None, return_inverse=True)
    yv, yi = np.unique(y, axis=0 if y.ndim == 2 else None, return_inverse=True)
    table = np.zeros((xv.shape[0], yv.shape[0]), dtype=np.int64)
    np.add.at(table, (xi.reshape(-1), yi.reshape(-1)), 1)
    return xv, yv, table


@given(joint_samples(2, kinds=SORTABLE_KINDS))
def test_contingency_matches_numpy(variables: list[np.ndarray]) -> None:
    x, y = variables
    xv, yv, table = fastinfo.contingency(x, y)
    ex, ey, expected = _numpy_table(x, y)
    assert_same_array(xv, ex)
    assert_same_array(yv, ey)
    assert_same_array(table, expected)
    if x.ndim == 1 and y.ndim == 1:
        assert np.array_equal(table, contingency_matrix(x, y))


@given(joint_samples(2, kinds=SORTABLE_KINDS))
def test_sparse_contingency_matches_scipy_sparse(variables: list[np.ndarray]) -> None:
    x, y = variables
    xv, yv, table = fastinfo.contingency(x, y, sparse=True)
    ex, ey, dense = _numpy_table(x, y)
    assert_same_array(xv, ex)
    assert_same_array(yv, ey)
    assert isinstance(table, scipy.sparse.coo_array)
    expected = scipy.sparse.coo_array(dense)
    assert table.shape == expected.shape
    assert (table != expected).nnz == 0
    # Only non-empty cells, each stored once.
    assert table.nnz == np.count_nonzero(dense)
    assert np.all(table.data > 0)
    assert len(set(zip(table.row.tolist(), table.col.tolist()))) == table.nnz
    if x.ndim == 1 and y.ndim == 1:
        sk = contingency_matrix(x, y, sparse=True)
        assert (table.tocsr() != sk).nnz == 0
