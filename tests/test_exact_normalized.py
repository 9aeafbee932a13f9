"""Normalised mutual information that is exactly 1 (or 0) in theory comes out exactly so.

A column that is a function of another (``y = f(x)``) has ``I(X; Y) = H(Y)``, so its NMI with the
``min`` average is 1; two columns equal up to a renaming of their labels have NMI 1 for every
average. Computed, ``I`` and ``H`` are summed from different tables and differ by a few ulps:
``mutual_information_matrix``, ``PairwiseCounts.mutual_information_matrix`` and
``normalized_mutual_information`` must still give exactly 1.0, and every plug-in NMI lies in
``[0, 1]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastinfo

AVERAGES = ["min", "geometric", "arithmetic", "max"]


@st.composite
def nested_pairs(draw: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, y, z)``: ``y = f(x)`` for a random map ``f``, and ``z`` ``x`` renamed."""
    n = draw(st.integers(2, 400))
    k = draw(st.integers(2, 60))
    x = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    f = draw(hnp.arrays(np.int64, k, elements=st.integers(0, draw(st.integers(1, 12)))))
    rename = draw(st.permutations(list(range(k))))
    return x, f[x], np.asarray(rename)[x] * 7 + 3


def matrices(X: np.ndarray, normalized: str) -> list[np.ndarray]:
    pc = fastinfo.PairwiseCounts(X.shape[1])
    pc.update(X)
    return [
        np.asarray(fastinfo.mutual_information_matrix(X, normalized=normalized)),
        np.asarray(pc.mutual_information_matrix(normalized=normalized)),
    ]


@given(nested_pairs())
def test_nested_columns_give_exactly_one(pair: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    x, y, z = pair
    X = np.column_stack([x, y, z])
    constant_y = len(np.unique(y)) == 1
    for average in AVERAGES:
        for matrix in matrices(X, average):
            assert ((matrix >= 0) & (matrix <= 1)).all(), matrix
            assert matrix[0, 2] == matrix[2, 0] == 1.0  # x and its renaming: every average
            if average == "min" and not constant_y:
                assert matrix[0, 1] == matrix[1, 2] == 1.0  # y = f(x)
        assert fastinfo.normalized_mutual_information(x, z, average_method=average) == 1.0
        nmi = fastinfo.normalized_mutual_information(x, y, average_method=average)
        assert 0.0 <= nmi <= 1.0
        if average == "min" and not constant_y:
            assert nmi == 1.0


@given(
    hnp.arrays(
        np.int64,
        st.tuples(st.integers(2, 200), st.integers(2, 5)),
        elements=st.integers(0, 6),
    )
)
def test_every_plugin_nmi_lies_in_the_unit_interval(X: np.ndarray) -> None:
    for average in AVERAGES:
        for matrix in matrices(X, average):
            assert ((matrix >= 0) & (matrix <= 1)).all(), matrix
            assert (np.diag(matrix) == 1.0).all()


def test_the_case_of_the_issue() -> None:
    """A refinement pair whose plain ratio rounds to 1 + 2.2e-16."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        x = rng.integers(0, 30, 500)
        y = (x * 7919) % 11
        matrix = fastinfo.mutual_information_matrix(np.column_stack([x, y]), normalized="min")
        assert matrix[0, 1] == 1.0
