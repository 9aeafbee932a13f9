"""``fastinfo.pmf.pairwise`` and ``nearest``: the memory budget, bad inputs and empty inputs."""

from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np
import pytest
from helpers.pairwise import (
    METRICS,
)

import fastinfo.pmf as pmf

# --------------------------------------------------------------------------------------------
# 7. Memory budget
# --------------------------------------------------------------------------------------------


def test_pairwise_over_budget_raises_memory_error_naming_the_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    P, Q = np.ones((40, 3)), np.ones((50, 3))
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", str(8 * 40 * 50 - 1))
    for metric in METRICS:
        with pytest.raises(MemoryError) as info:
            pmf.pairwise(P, Q, metric=metric)
        message = str(info.value)
        assert "40 x 50" in message
        assert "FASTINFO_MEMORY_LIMIT" in message
        assert "nearest" in message
        assert "pairwise(P[a:b], Q)" in message
        indices, _ = pmf.nearest(P, Q, 2, metric=metric)  # no n x m matrix: no budget
        assert indices.shape == (40, 2)
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", str(8 * 40 * 50))  # exactly enough
    assert pmf.pairwise(P, Q).shape == (40, 50)


def test_memory_error_comes_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 20 000 x 20 000 request over budget fails at once, before reading (or checking) the
    data: a NaN weight in it does not turn the MemoryError into a ValueError."""
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", str(1 << 20))
    P = np.random.default_rng(0).random((20_000, 8))
    P[123, 4] = np.nan
    start = time.perf_counter()
    with pytest.raises(MemoryError, match="20000 x 20000"):
        pmf.pairwise(P, metric="js")
    assert time.perf_counter() - start < 1.0


# --------------------------------------------------------------------------------------------
# 8. Bad inputs and empty inputs
# --------------------------------------------------------------------------------------------

GOOD = np.array([[0.2, 0.8], [0.5, 0.5], [1.0, 0.0]])


def _with(row: int, column: int, value: float, rows: np.ndarray = GOOD) -> np.ndarray:
    out = rows.copy()
    out[row, column] = value
    return out


BAD: list[tuple[str, Callable[[], Any], type, str | None]] = [
    ("P 1-D", lambda: pmf.pairwise(np.array([0.2, 0.8])), ValueError, r"\bP\b.*2-D"),
    ("P 3-D", lambda: pmf.pairwise(np.ones((2, 2, 2))), ValueError, r"\bP\b.*2-D"),
    ("P scalar", lambda: pmf.pairwise(0.5), ValueError, r"\bP\b"),
    ("Q 1-D", lambda: pmf.pairwise(GOOD, np.array([0.5, 0.5])), ValueError, r"\bQ\b.*2-D"),
    ("Q 3-D", lambda: pmf.nearest(GOOD, np.ones((2, 2, 2)), 1), ValueError, r"\bQ\b.*2-D"),
    ("k differs", lambda: pmf.pairwise(GOOD, np.ones((2, 3))), ValueError, r"\bQ\b.*3.*\bP\b"),
    ("k differs (nearest)", lambda: pmf.nearest(GOOD, np.ones((4, 3)), 1), ValueError, r"\bQ\b"),
    ("no outcomes", lambda: pmf.pairwise(np.ones((2, 0))), ValueError, r"\bP\b.*outcomes"),
    ("unknown metric", lambda: pmf.pairwise(GOOD, metric="euclid"), ValueError, r"metric.*euclid"),
    ("metric wrong case", lambda: pmf.pairwise(GOOD, metric="KL"), ValueError, r"metric"),
    ("metric None", lambda: pmf.nearest(GOOD, GOOD, 1, metric=None), ValueError, r"metric"),
    ("metric positional", lambda: pmf.pairwise(GOOD, GOOD, "js"), TypeError, None),
    ("P by keyword", lambda: pmf.pairwise(P=GOOD), TypeError, None),
    (
        "base with hellinger",
        lambda: pmf.pairwise(GOOD, metric="hellinger", base=2),
        ValueError,
        r"base.*hellinger",
    ),
    (
        "base with total_variation",
        lambda: pmf.nearest(GOOD, GOOD, 1, metric="total_variation", base=math.e),
        ValueError,
        r"base.*total_variation",
    ),
    ("base 1", lambda: pmf.pairwise(GOOD, base=1), ValueError, r"base"),
    ("base -2", lambda: pmf.nearest(GOOD, GOOD, 1, base=-2), ValueError, r"base"),
    ("base nan", lambda: pmf.pairwise(GOOD, base=math.nan), ValueError, r"base"),
    ("base str", lambda: pmf.pairwise(GOOD, base="2"), TypeError, r"base"),
    ("normalize str", lambda: pmf.pairwise(GOOD, normalize="yes"), TypeError, r"normalize"),
    ("normalize int", lambda: pmf.nearest(GOOD, GOOD, 1, normalize=1), TypeError, r"normalize"),
    ("complex P", lambda: pmf.pairwise(GOOD + 0j), TypeError, r"\bP\b"),
    ("string Q", lambda: pmf.pairwise(GOOD, GOOD.astype(str)), TypeError, r"\bQ\b"),
    ("NaN in P", lambda: pmf.pairwise(_with(2, 1, np.nan)), ValueError, r"\bP\b.*row 2"),
    ("inf in P", lambda: pmf.pairwise(_with(1, 0, np.inf), GOOD), ValueError, r"\bP\b.*row 1"),
    ("negative in Q", lambda: pmf.pairwise(GOOD, _with(1, 1, -0.1)), ValueError, r"\bQ\b.*row 1"),
    (
        "zero row in P",
        lambda: pmf.pairwise(_with(1, 0, 0.0, _with(1, 1, 0.0))),
        ValueError,
        r"\bP\b.*row 1",
    ),
    ("zero row in Q", lambda: pmf.nearest(GOOD, np.zeros((2, 2)), 1), ValueError, r"\bQ\b.*row 0"),
    (
        "NaN in P (nearest)",
        lambda: pmf.nearest(_with(2, 0, np.nan), GOOD, 2),
        ValueError,
        r"\bP\b.*row 2",
    ),
    (
        "negative in Q (nearest)",
        lambda: pmf.nearest(GOOD, _with(0, 0, -1.0), 2),
        ValueError,
        r"\bQ\b.*row 0",
    ),
    (
        "unnormalised row",
        lambda: pmf.pairwise(_with(1, 0, 0.6), normalize=False),
        ValueError,
        r"\bP\b.*row 1",
    ),
    ("k = 0", lambda: pmf.nearest(GOOD, GOOD, 0), ValueError, r"\bk\b"),
    ("k < 0", lambda: pmf.nearest(GOOD, GOOD, -1), ValueError, r"\bk\b"),
    ("k > m", lambda: pmf.nearest(GOOD, GOOD, 4), ValueError, r"\bk\b.*\b3\b"),
    ("k = 1.5", lambda: pmf.nearest(GOOD, GOOD, 1.5), TypeError, r"\bk\b"),
    ("k = 2.0", lambda: pmf.nearest(GOOD, GOOD, 2.0), TypeError, r"\bk\b"),
    ("k = '2'", lambda: pmf.nearest(GOOD, GOOD, "2"), TypeError, r"\bk\b"),
    ("k = True", lambda: pmf.nearest(GOOD, GOOD, True), TypeError, r"\bk\b"),
    ("k = None", lambda: pmf.nearest(GOOD, GOOD, None), TypeError, r"\bk\b"),
    ("k for empty Q", lambda: pmf.nearest(GOOD, np.ones((0, 2)), 1), ValueError, r"\bk\b"),
    ("nearest without Q", lambda: pmf.nearest(GOOD, k=1), TypeError, None),
]


@pytest.mark.parametrize(
    ("call", "error", "pattern"), [pytest.param(*case[1:], id=case[0]) for case in BAD]
)
def test_bad_inputs_raise_naming_the_argument(
    call: Callable[[], Any], error: type, pattern: str | None
) -> None:
    with pytest.raises(error, match=pattern) as info:
        call()
    assert type(info.value) is error or issubclass(type(info.value), error)
    assert "Panic" not in type(info.value).__name__


def test_numpy_integer_k_is_accepted() -> None:
    indices, values = pmf.nearest(GOOD, GOOD, np.int64(2), metric="js")
    assert indices.shape == values.shape == (3, 2)
    assert indices[:, 0].tolist() == [0, 1, 2]


@pytest.mark.parametrize("metric", METRICS)
def test_empty_inputs(metric: str) -> None:
    empty = np.ones((0, 4))
    Q = np.array([[1.0, 2, 3, 4], [4, 3, 2, 1]])
    for P, Qs, shape in ((empty, Q, (0, 2)), (empty, None, (0, 0)), (Q, empty, (2, 0))):
        got = pmf.pairwise(P, Qs, metric=metric)
        assert got.shape == shape
        assert got.dtype == np.float64
    got32 = pmf.pairwise(empty.astype(np.float32), Q, metric=metric)
    assert got32.shape == (0, 2)
    assert got32.dtype == np.float64
    indices, values = pmf.nearest(empty, Q, 2, metric=metric)
    assert indices.shape == values.shape == (0, 2)
    assert indices.dtype == np.int64
    assert values.dtype == np.float64
