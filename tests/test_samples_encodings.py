"""The samples functions: identical results for equivalent encodings of the same labels."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from helpers.labels import (
    INTEGER_KINDS,
    SORTABLE_KINDS,
    assert_close,
    assert_same_array,
    estimators,
    joint_samples,
    stack,
)
from hypothesis import given
from hypothesis import strategies as st

import fastinfo
import fastinfo.reference as reference

# ---------------------------------------------------------------------------------------------
# 5. Equivalent encodings


def _encodings(codes: np.ndarray) -> dict[str, Any]:
    """The same labels (small non-negative ints, order-preserving) in many encodings."""
    n = codes.shape[0]
    padded = np.array([f"L{c:04d}" for c in range(int(codes.max()) + 1)])
    strided_base = np.zeros(3 * n, dtype=np.int64)
    strided_base[::3] = codes
    reversed_base = codes[::-1].astype(np.int32).copy()
    fortran = np.asfortranarray(np.column_stack([codes, codes]).astype(np.int16))
    return {
        "uint8": codes.astype(np.uint8),
        "int64": codes.astype(np.int64),
        "int8-shifted": (codes.astype(np.int16) - 100).astype(np.int8),
        "uint64-high": codes.astype(np.uint64) + np.uint64(2**63 + 12345),
        "int64-wide": codes.astype(np.int64) * (1 << 40) - (1 << 62),
        "big-endian": codes.astype(">i4"),
        "strings": padded[codes],
        "bytes": padded[codes].astype("S"),
        "object": np.array([f"L{c:04d}" for c in codes.tolist()], dtype=object),
        "list": codes.tolist(),
        "categorical": pd.Categorical(padded[codes], categories=padded),
        "categorical-series": pd.Series(padded[codes], dtype="category"),
        "datetime": codes.astype("datetime64[s]"),
        "strided": strided_base[::3],
        "reversed-view": reversed_base[::-1],
        "fortran-column": fortran[:, 0],
        "2d-one-column": codes.astype(np.int64)[:, None],
        "2d-fortran-duplicate": fortran,
        "2d-big-endian": np.column_stack([codes, codes]).astype(">i8"),
        "2d-negative-strides": np.column_stack([np.zeros_like(codes), codes])[::-1, ::-1][::-1],
    }


@st.composite
def code_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kx, ky, kz = (draw(st.integers(1, 120)) for _ in range(3))
    x = rng.integers(0, kx, n)
    y = (x * draw(st.integers(0, 5)) + rng.integers(0, ky, n)) % ky
    z = (x + y + rng.integers(0, kz, n)) % kz
    return x, y, z


ENCODING_NAMES = sorted(_encodings(np.arange(3)))


@given(code_pairs(), st.lists(st.sampled_from(ENCODING_NAMES), min_size=1, max_size=6, unique=True))
def test_equivalent_encodings_give_identical_results(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], names: list[str]
) -> None:
    x, y, z = data

    def results(ex: Any) -> list[float]:
        return [
            fastinfo.entropy(ex, estimator="miller_madow", base=2),
            fastinfo.mutual_information(ex, y),
            fastinfo.conditional_mutual_information(z, y, ex, estimator="miller_madow"),
        ]

    expected = results(x)
    _, expected_counts = fastinfo.counts(x)
    _, _, expected_table = fastinfo.contingency(x, y)
    encodings = _encodings(x)
    for name in names:
        ex = encodings[name]
        assert results(ex) == expected, name
        values, n = fastinfo.counts(ex)
        xv, _, table = fastinfo.contingency(ex, y)
        if name == "object":  # Python objects come in order of first appearance
            assert values.tolist() == list(dict.fromkeys(ex.tolist()))
            n, table = n[np.argsort(values)], table[np.argsort(xv)]
        assert_same_array(n, expected_counts)
        assert_same_array(table, expected_table)


@given(joint_samples(2, kinds=INTEGER_KINDS, two_d=False), estimators)
def test_joint_entropy_equals_entropy_of_stacked_columns(
    variables: list[np.ndarray], estimator: str
) -> None:
    x, y = variables
    stacked = stack(x, y)
    joint = fastinfo.joint_entropy(x, y, estimator=estimator)
    if stacked.dtype != object:  # same labels, same table: the same bits
        assert joint == fastinfo.entropy(stacked, estimator=estimator)
        assert joint == fastinfo.entropy(np.asfortranarray(stacked), estimator=estimator)
    assert_close(fastinfo.entropy(stacked, estimator=estimator), joint)
    assert_close(joint, fastinfo.joint_entropy(y, x, estimator=estimator))


@given(joint_samples(3, kinds=SORTABLE_KINDS, two_d=False))
def test_two_dimensional_variable_equals_separate_columns(variables: list[np.ndarray]) -> None:
    x, y, z = variables
    yz = stack(y, z)
    assert_close(fastinfo.joint_entropy(x, yz), fastinfo.joint_entropy(x, y, z))
    assert_close(fastinfo.conditional_entropy(x, yz), reference.conditional_entropy(x, yz))
    values, n = fastinfo.counts(yz)
    assert n.sum() == x.shape[0]
    assert values.shape == (n.shape[0], 2)
