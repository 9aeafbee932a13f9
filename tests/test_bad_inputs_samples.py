"""Bad labels in every argument position of every samples function, in fastinfo and its twin,
and the contingency table's memory budget.

Every failing call must raise ``ValueError`` / ``TypeError`` / ``MemoryError`` with a message that
names the offending argument (``helpers/contract.py``); a Rust panic reaching the user is a bug.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pytest
from helpers import IMPLS
from helpers.bad_inputs import (
    POSITIONS,
    SIGNATURES,
    N,
    good_labels,
    with_bad,
)
from helpers.contract import call, expect

import fastinfo

pd = pytest.importorskip("pandas")

# ---------------------------------------------------------------------------------------------
# Samples functions: bad labels in every argument position


def _unhashable(n: int) -> np.ndarray:
    a = np.empty(n, dtype=object)
    a[:] = [[i % 2] for i in range(n)]
    return a


BAD_LABELS = [
    # (id, make(n), exception, extra regex the message must match)
    ("empty", lambda n: np.array([], dtype=np.int64), ValueError, "empty"),
    ("empty-list", lambda n: [], ValueError, "empty"),
    ("empty-2d", lambda n: np.zeros((0, 2), dtype=np.int64), ValueError, "empty"),
    ("0-d", lambda n: np.array(3), ValueError, r"0-d"),
    ("python-scalar", lambda n: 3, ValueError, r"0-d"),
    ("3-d", lambda n: np.zeros((n, 2, 2), dtype=np.int64), ValueError, r"3-d"),
    ("2-d-no-columns", lambda n: np.zeros((n, 0), dtype=np.int64), ValueError, "column"),
    ("float", lambda n: np.linspace(0.0, 1.0, n), TypeError, r"(?i)discreti[sz]e.*astype"),
    ("float-whole", lambda n: np.arange(n, dtype=np.float64), TypeError, r"astype\(np\.int64\)"),
    ("float32", lambda n: np.arange(n, dtype=np.float32), TypeError, r"(?i)discreti[sz]e"),
    ("float-list", lambda n: [0.5] * n, TypeError, r"(?i)discreti[sz]e"),
    ("float-2d", lambda n: np.ones((n, 2)), TypeError, r"(?i)discreti[sz]e"),
    ("complex", lambda n: np.arange(n) + 1j, TypeError, r"complex.*integer"),
    ("object-unhashable", _unhashable, TypeError, r"unhashable.*index 0"),
    (
        "structured",
        lambda n: np.zeros(n, dtype=[("a", "i4"), ("b", "i4")]),
        TypeError,
        r"dtype.*integer",
    ),
    (
        "categorical-missing",
        lambda n: pd.Categorical(["a", None] + ["b"] * (n - 2)),
        ValueError,
        r"missing.*index 1",
    ),
    (
        "categorical-series-missing",
        lambda n: pd.Series(["a", "b", np.nan] + ["a"] * (n - 3), dtype="category"),
        ValueError,
        r"missing.*index 2",
    ),
    (
        "object-none",
        lambda n: np.array(["a", None] + ["b"] * (n - 2), dtype=object),
        ValueError,
        r"missing.*None.*index 1",
    ),
    (
        "object-nan",
        lambda n: np.array([1, 2, np.nan] + [1] * (n - 3), dtype=object),
        ValueError,
        r"missing.*nan.*index 2",
    ),
    (
        "object-pd-na",
        lambda n: np.array([1, pd.NA] + [2] * (n - 2), dtype=object),
        ValueError,
        r"missing.*index 1",
    ),
    (
        "series-strings-missing",
        lambda n: pd.Series(["a", None] + ["b"] * (n - 2)),
        ValueError,
        r"missing.*index 1",
    ),
    (
        # A nullable-integer column with a missing value is a missing value, not a float column.
        "nullable-int-missing",
        lambda n: pd.array([1, None] + [2] * (n - 2), dtype="Int64"),
        ValueError,
        r"missing",
    ),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("name", "position"), POSITIONS)
@pytest.mark.parametrize(
    ("make", "exc", "also"),
    [pytest.param(make, exc, also, id=case) for case, make, exc, also in BAD_LABELS],
)
def test_bad_labels(
    impl: Any, name: str, position: int, make: Callable[[int], Any], exc: type, also: str
) -> None:
    argument = SIGNATURES[name][position]
    expect(exc, argument, getattr(impl, name), *with_bad(name, position, make(N)), also=also)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("name", "position"),
    [p for p in POSITIONS if len(SIGNATURES[p.values[0]]) > 1],
)
@pytest.mark.parametrize("delta", [-1, +1, 1 - N], ids=["shorter", "longer", "one-sample"])
def test_length_mismatch(impl: Any, name: str, position: int, delta: int) -> None:
    arguments = SIGNATURES[name]
    data = with_bad(name, position, good_labels(N + delta)[0])
    # The message names the variable whose length differs (and the one it was compared with).
    error = expect(ValueError, arguments[position], getattr(impl, name), *data, also="samples")
    assert str(N + delta) in str(error)
    assert str(N) in str(error)


@pytest.mark.parametrize("impl", IMPLS)
def test_joint_entropy_needs_a_variable(impl: Any) -> None:
    expect(TypeError, "joint_entropy", impl.joint_entropy)


@pytest.mark.parametrize("impl", IMPLS)
def test_two_dimensional_column_named(impl: Any) -> None:
    """A bad column of a 2-D variable is named with its index."""
    x = np.zeros((N, 2), dtype=object)
    x[:, 0] = 1
    x[3, 1] = None
    error = expect(ValueError, "x", impl.entropy, x, also=r"missing.*index 3")
    assert "x[:, 1]" in str(error)


# ---------------------------------------------------------------------------------------------
# Contingency memory budget


def test_huge_dense_contingency_raises_memory_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")
    n = 200_000
    rng = np.random.default_rng(5)
    x = np.arange(n)
    y = rng.permutation(n) * 3 - 7
    error = expect(MemoryError, "sparse=True", fastinfo.contingency, x, y)
    # Refused before counting, from the distinct values of a sample: a lower bound of the shape.
    assert "dense contingency table of at least 65536 x 65536" in str(error)
    assert "FASTINFO_MEMORY_LIMIT" in str(error)
    # The sparse table needs 48 bytes per cell (and the count more): not within 1 MB.
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1e9")
    x_values, y_values, table = call(fastinfo.contingency, x, y, sparse=True)
    assert table.shape == (n, n)
    assert table.nnz == n
    np.testing.assert_array_equal(x_values, x)
    np.testing.assert_array_equal(y_values, np.sort(y))
    rows, columns = table.coords
    order = np.argsort(rows)
    np.testing.assert_array_equal(x_values[rows[order]], x)
    np.testing.assert_array_equal(y_values[columns[order]], y)
    np.testing.assert_array_equal(table.data, 1)
    # Information measures never build the dense table.
    assert call(fastinfo.mutual_information, x, y) == pytest.approx(math.log(n), rel=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
def test_contingency_over_budget_in_both_twins(impl: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin raises the same MemoryError for the same budget (a 3000 x 3000 table, 72 MB)."""
    rng = np.random.default_rng(6)
    x, y = np.arange(3000), rng.permutation(3000)
    sparse = call(impl.contingency, x, y, sparse=True)[2]
    expected = call(fastinfo.contingency, x, y, sparse=True)[2]
    np.testing.assert_array_equal(sparse.toarray(), expected.toarray())
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")
    expect(MemoryError, "sparse=True", impl.contingency, x, y)


def test_bad_memory_limit_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "lots")
    expect(ValueError, "FASTINFO_MEMORY_LIMIT", fastinfo.contingency, [0, 1], [1, 0])
