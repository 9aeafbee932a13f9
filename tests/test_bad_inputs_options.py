"""Bad options of the samples functions (``base``, ``estimator``, ``sparse``) and of
``set_num_threads``: each raises naming the option, in fastinfo and its twin."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers import IMPLS
from helpers.bad_inputs import (
    BAD_BASE_PARAMS,
    ESTIMATES,
    SIGNATURES,
    good_labels,
    samples_call,
)
from helpers.contract import call, expect

import fastinfo

# ---------------------------------------------------------------------------------------------
# Options: base, estimator, sparse, normalize, axis, n


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ESTIMATES)
@pytest.mark.parametrize(("base", "exc"), BAD_BASE_PARAMS)
def test_bad_base(impl: Any, name: str, base: Any, exc: type) -> None:
    data = good_labels()[: len(SIGNATURES[name])]
    expect(exc, "base", getattr(impl, name), *data, base=base)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ESTIMATES)
@pytest.mark.parametrize("base", [2, 2.0, np.float32(2), np.int64(10), math.e, 0.5])
def test_good_base(impl: Any, name: str, base: Any) -> None:
    data = good_labels()[: len(SIGNATURES[name])]
    nats = samples_call(impl, name, data)
    assert samples_call(impl, name, data, base=base) == pytest.approx(
        nats / math.log(float(base)), rel=1e-12, abs=1e-15
    )


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ESTIMATES)
@pytest.mark.parametrize(
    ("estimator", "exc"),
    [
        ("bogus", ValueError),
        ("Plugin", ValueError),
        ("", ValueError),
        ("miller-madow", ValueError),
        (None, TypeError),
        (1, TypeError),
        (b"plugin", TypeError),
        (["plugin"], TypeError),
    ],
)
def test_bad_estimator(impl: Any, name: str, estimator: Any, exc: type) -> None:
    data = good_labels()[: len(SIGNATURES[name])]
    expect(exc, "estimator", getattr(impl, name), *data, estimator=estimator)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("sparse", ["yes", 1, 0, None, [True]])
def test_bad_sparse(impl: Any, sparse: Any) -> None:
    x, y, _ = good_labels()
    expect(TypeError, "sparse", impl.contingency, x, y, sparse=sparse)


@pytest.mark.parametrize("impl", IMPLS)
def test_numpy_bool_sparse_works(impl: Any) -> None:
    x, y, _ = good_labels()
    dense = call(impl.contingency, x, y, sparse=np.False_)[2]
    sparse = call(impl.contingency, x, y, sparse=np.True_)[2]
    np.testing.assert_array_equal(sparse.toarray(), dense)


@pytest.mark.parametrize(
    ("n", "exc"),
    [
        (0, ValueError),
        (-1, ValueError),
        (-(2**70), ValueError),
        (2**64, ValueError),  # out of range for any thread count: a ValueError, not OverflowError
        (1.5, TypeError),
        (2.0, TypeError),
        ("2", TypeError),
        (True, TypeError),
        (False, TypeError),
        (None, TypeError),
    ],
    ids=repr,
)
def test_bad_num_threads(restore_threads: int, n: Any, exc: type) -> None:
    expect(exc, "n", fastinfo.set_num_threads, n)
    assert fastinfo.get_num_threads() == restore_threads


def test_numpy_integer_num_threads(restore_threads: int) -> None:
    fastinfo.set_num_threads(np.int64(1))
    assert fastinfo.get_num_threads() == 1
    fastinfo.set_num_threads(np.uint8(2))
    assert fastinfo.get_num_threads() == 2
