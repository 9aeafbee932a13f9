"""The samples functions: known closed-form values, and argument errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from helpers.labels import (
    ESTIMATORS,
    KINDS,
    LN2,
    SPREADS,
    alphabet,
    assert_close,
    assert_same_array,
    estimators,
    one_sample,
)
from hypothesis import given
from hypothesis import strategies as st

import fastinfo

# ---------------------------------------------------------------------------------------------
# 4. Known values


@pytest.mark.parametrize("repeat", [1, 2, 3, 50, 4097, 40_000])
def test_fair_coin_is_one_bit(repeat: int) -> None:
    coin = np.tile([0, 1], repeat)
    assert fastinfo.entropy(coin, base=2) == 1.0
    assert fastinfo.entropy(coin.astype(bool), base=2) == 1.0
    assert fastinfo.entropy(np.where(coin, "heads", "tails"), base=2) == 1.0
    assert fastinfo.mutual_information(coin, coin, base=2) == 1.0


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_bernoulli_entropy_curve(n_and_k: tuple[int, int]) -> None:
    n, k = n_and_k
    p = k / n
    expected = 0.0 if k in (0, n) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)
    x = np.zeros(n, dtype=np.int8)
    x[np.random.default_rng(n * 7 + k).permutation(n)[:k]] = 1
    assert_close(fastinfo.entropy(x, base=2), expected, abs_=1e-15)
    if k in (0, n):
        assert fastinfo.entropy(x, base=2) == 0.0


@pytest.mark.parametrize("bits", range(0, 17))
@pytest.mark.parametrize("dtype", ["uint16", "int32", "int64", "uint64-wide"])
def test_uniform_over_power_of_two_labels(bits: int, dtype: str) -> None:
    labels = np.arange(2**bits, dtype=np.int64)
    if dtype == "uint64-wide":
        x = (labels.astype(np.uint64) << np.uint64(47)) + np.uint64(2**63 - 5)
    else:
        x = (labels - 2 ** (bits // 2)).astype(dtype)
    x = np.repeat(x, 3)[np.random.default_rng(bits).permutation(3 * 2**bits)]
    assert_close(fastinfo.entropy(x, base=2), float(bits), abs_=1e-15)
    assert_close(fastinfo.mutual_information(x, x, base=2), float(bits), abs_=1e-15)


@pytest.mark.parametrize(
    "constant",
    [
        np.zeros(1, dtype=np.int64),
        np.full(17, -128, dtype=np.int8),
        np.full(5000, 2**64 - 1, dtype=np.uint64),
        np.full(70_000, np.iinfo(np.int64).min, dtype=np.int64),
        np.array(["same"] * 9),
        np.ones((33, 3), dtype=np.int32),
    ],
    ids=["one", "int8", "uint64-max", "int64-min-70k", "str", "2d"],
)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_constant_has_zero_entropy(constant: np.ndarray, estimator: str) -> None:
    other = np.arange(constant.shape[0]) % 5
    assert fastinfo.entropy(constant, estimator=estimator) == 0.0
    assert fastinfo.entropy(constant, base=2, estimator=estimator) == 0.0
    assert fastinfo.mutual_information(constant, other, estimator=estimator) == 0.0
    assert fastinfo.mutual_information(other, constant, estimator=estimator) == 0.0
    assert fastinfo.conditional_entropy(constant, other, estimator=estimator) == 0.0
    assert_close(
        fastinfo.conditional_mutual_information(other, other, constant), fastinfo.entropy(other)
    )
    values, n = fastinfo.counts(constant)
    assert n.tolist() == [constant.shape[0]]
    assert values.shape[0] == 1


@st.composite
def product_designs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Every (x, y) pair exactly ``r`` times, rows shuffled, labels of any kind and spread."""
    a, b, r = draw(st.integers(1, 60)), draw(st.integers(1, 60)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind_x = draw(st.sampled_from(KINDS))
    kind_y = draw(st.sampled_from(KINDS))
    ax = alphabet(rng, kind_x, a, draw(st.sampled_from(SPREADS)))
    ay = alphabet(rng, kind_y, b, draw(st.sampled_from(SPREADS)))
    x = np.repeat(np.repeat(ax, ay.shape[0]), r)
    y = np.repeat(np.tile(ay, ax.shape[0]), r)
    order = rng.permutation(x.shape[0])
    return x[order], y[order], ax.shape[0] * ay.shape[0] * r


@given(product_designs(), estimators)
def test_independent_product_design_has_zero_information(
    design: tuple[np.ndarray, np.ndarray, int], estimator: str
) -> None:
    x, y, n = design
    assert x.shape[0] == n
    assert fastinfo.mutual_information(x, y, estimator=estimator) == 0.0
    assert fastinfo.mutual_information(y, x, estimator=estimator) == 0.0
    # The same design inside every stratum of a third variable.
    z = np.concatenate([np.zeros(n, dtype=np.int64), np.full(n, 1 << 50, dtype=np.int64)])
    xx, yy = np.concatenate([x, x[::-1]]), np.concatenate([y, y[::-1]])
    assert fastinfo.conditional_mutual_information(xx, yy, z, estimator=estimator) == 0.0
    # H(X | Y) = H(X) for independent X and Y.
    assert_close(fastinfo.conditional_entropy(x, y), fastinfo.entropy(x))


@given(one_sample(), st.sampled_from([2, 10, math.e, 0.5, 1.5, 256]), estimators)
def test_base_conversion(x: np.ndarray, base: float, estimator: str) -> None:
    nats = fastinfo.entropy(x, estimator=estimator)
    assert_close(fastinfo.entropy(x, base=base, estimator=estimator), nats / math.log(base))
    if base == 2:
        assert_close(fastinfo.entropy(x, base=2, estimator=estimator), nats / LN2)
    if base == math.e:
        assert fastinfo.entropy(x, base=base, estimator=estimator) == nats


# ---------------------------------------------------------------------------------------------
# Argument errors


def test_dense_contingency_over_memory_budget_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.arange(2000, dtype=np.int64) << 40
    y = np.arange(2000, dtype=np.int64)[::-1].copy()
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")  # 2000 x 2000 x 8 bytes = 32 MB
    with pytest.raises(MemoryError, match="2000 x 2000"):
        fastinfo.contingency(x, y)
    xv, yv, table = fastinfo.contingency(x, y, sparse=True)
    assert table.shape == (2000, 2000)
    assert table.nnz == 2000
    assert np.array_equal(table.toarray(), np.eye(2000, dtype=np.int64)[::-1])
    assert_same_array(xv, x)
    assert_same_array(yv, np.arange(2000, dtype=np.int64))
    assert_close(fastinfo.mutual_information(x, y), math.log(2000))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: fastinfo.entropy(np.array([0.5, 1.0])), TypeError, "floating"),
        (lambda: fastinfo.entropy(np.array([], dtype=np.int64)), ValueError, "empty"),
        (lambda: fastinfo.entropy(np.zeros((2, 2, 2), dtype=int)), ValueError, "1-D"),
        (lambda: fastinfo.mutual_information([0, 1], [0, 1, 2]), ValueError, "samples"),
        (lambda: fastinfo.conditional_entropy([0, 1], [0]), ValueError, "given"),
        (lambda: fastinfo.entropy([0, 1], estimator="mle"), ValueError, "estimator"),
        (lambda: fastinfo.entropy([0, 1], base=1), ValueError, "base"),
        (lambda: fastinfo.entropy([0, 1], base=-2.0), ValueError, "base"),
        (lambda: fastinfo.entropy([0, 1], base="2"), TypeError, "base"),
        (lambda: fastinfo.contingency([0, 1], [0, 1], sparse=1), TypeError, "sparse"),
        (lambda: fastinfo.joint_entropy(), TypeError, "at least one"),
        (lambda: fastinfo.entropy(np.array(["a", None], dtype=object)), ValueError, "missing"),
    ],
)
def test_argument_errors(call: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
