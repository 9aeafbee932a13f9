"""Input conversion defects of issue 11: mixed label kinds, masked arrays, missing values in
float columns, polars LazyFrames and float Series with ``bins=``, ragged lists."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pytest

import fastinfo
import fastinfo.reference

IMPLEMENTATIONS = [fastinfo, fastinfo.reference]


@pytest.fixture(params=IMPLEMENTATIONS, ids=["fastinfo", "reference"])
def impl(request: pytest.FixtureRequest) -> Any:
    return request.param


@pytest.mark.parametrize(
    "x", [[1, "1"], ["1", 1], (1.5, "a"), [b"a", "a"], ["a", np.int64(1)], [True, "True"]]
)
def test_mixed_label_kinds_in_a_list_are_refused(impl: Any, x: Any) -> None:
    with pytest.raises(TypeError, match=r"x mixes label kinds: \w+ .* and \w+ "):
        impl.entropy(x)
    with pytest.raises(TypeError, match=r"y mixes label kinds"):
        impl.mutual_information([0, 1], x, bins=None)


def test_object_arrays_keep_mixed_objects_apart(impl: Any) -> None:
    # No numpy conversion merges them: 1 and "1" stay two labels.
    assert impl.entropy(np.array([1, "1"], dtype=object)) == pytest.approx(math.log(2))


def test_masked_arrays_are_refused_with_advice(impl: Any) -> None:
    x = np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    with pytest.raises(ValueError, match=r"x is a masked array .*index 1.*compressed\(\).*filled"):
        impl.entropy(x)
    with pytest.raises(ValueError, match=r"given is a masked array"):
        impl.conditional_entropy([1, 2, 3], x)
    # A mask that masks nothing is the plain data.
    assert impl.entropy(np.ma.masked_array([1, 2, 3], mask=[0, 0, 0])) == pytest.approx(math.log(3))
    assert impl.entropy(x.compressed()) == pytest.approx(math.log(2))


def test_float_column_with_missing_values_says_so(impl: Any) -> None:
    pd = pytest.importorskip("pandas")
    column = pd.Series([1.0, np.nan, 3.0, 1.0, np.nan])  # an integer column with gaps
    with pytest.raises(TypeError) as error:
        impl.entropy(column)
    message = str(error.value)
    assert "x contains 2 missing values (NaN) at index 1, 4" in message
    for advice in ("dropna()", "fillna(", "Int64"):
        assert advice in message
    assert "x.astype(np.int64)" not in message  # the advice that turned NaN into -9.2e18
    with pytest.raises(TypeError, match=r"x contains 1 missing value \(NaN\) at index 0;"):
        impl.entropy(np.array([np.nan, 1.0]))
    # Whole-number floats without NaN keep the cast advice.
    with pytest.raises(TypeError, match=r"astype\(np.int64\)"):
        impl.entropy(np.array([1.0, 2.0]))


def test_polars_lazyframe_asks_for_collect(impl: Any) -> None:
    pl = pytest.importorskip("polars")
    lazy = pl.LazyFrame({"a": [1, 2, 1]})
    with pytest.raises(TypeError, match=r"x is a polars LazyFrame.*x\.collect\(\)"):
        impl.entropy(lazy)
    assert impl.entropy(lazy.collect()) == pytest.approx(impl.entropy([1, 2, 1]))


def test_polars_floats_with_bins_are_binned(impl: Any) -> None:
    pl = pytest.importorskip("polars")
    values = [0.1, 0.2, 0.7, 0.9, 0.95]
    assert impl.entropy(pl.Series(values), bins=2) == impl.entropy(np.array(values), bins=2)
    got = impl.mutual_information(pl.Series(values), [0, 0, 1, 1, 1], bins=2)
    assert got == impl.mutual_information(np.array(values), [0, 0, 1, 1, 1], bins=2)


@pytest.mark.parametrize(
    ("x", "detail"),
    [
        ([[1, 2], [3]], "row 0 has 2 values, row 1 has 1 value"),
        ([[1, 2], [3, 4], [5, 6, 7]], "row 0 has 2 values, row 2 has 3 values"),
        ([1, [2, 3]], "row 0 has a single value, row 1 has 2 values"),
    ],
)
def test_ragged_lists_are_named(impl: Any, x: Any, detail: str) -> None:
    with pytest.raises(ValueError, match=rf"x is a ragged nested list: .*\({detail}\)"):
        impl.entropy(x)


@pytest.mark.parametrize(
    "call",
    [
        lambda impl, x: impl.counts(x),
        lambda impl, x: impl.entropy(x),
        lambda impl, x: impl.mutual_information(x, [0, 1, 0]),
    ],
)
def test_mixed_list_is_refused_everywhere(impl: Any, call: Callable[[Any, Any], Any]) -> None:
    with pytest.raises(TypeError, match=r"x mixes label kinds: int .* and str "):
        call(impl, [1, "1", 2])


@pytest.mark.parametrize(
    "call",
    [
        lambda f, lazy: f.mutual_information_with(lazy, [0, 1, 0]),
        lambda f, lazy: f.mutual_information_matrix(lazy),
        lambda f, lazy: f.total_correlation(lazy),
        lambda f, lazy: f.discretize(lazy, bins=2),
        lambda f, lazy: f.pmf.entropy(lazy),
        lambda f, lazy: f.differential_entropy(lazy),
        lambda f, lazy: f.entropy([0, 1, 0], sample_weight=lazy),
        lambda f, lazy: f.transfer_entropy(lazy, lazy),
        lambda f, lazy: f.kl_divergence_samples(lazy, lazy),
        lambda f, lazy: f.mutual_information(lazy, lazy, estimator="ksg"),
        lambda f, lazy: f.mutual_info_classif(lazy, [0, 1, 0]),
    ],
    ids=[
        "miw",
        "mim",
        "total_correlation",
        "discretize",
        "pmf",
        "differential",
        "weights",
        "te",
        "kl_samples",
        "ksg",
        "mi_classif",
    ],
)
@pytest.mark.parametrize("impl", [fastinfo, fastinfo.reference], ids=["fastinfo", "reference"])
def test_every_reader_of_data_asks_to_collect_a_lazyframe(impl: Any, call: Any) -> None:
    """These said "0-d array of shape ()" or "dtype object" instead."""
    pl = pytest.importorskip("polars")
    lazy = pl.LazyFrame({"a": [1.0, 2.0, 1.0], "b": [0.5, 0.25, 0.25]})
    with pytest.raises(TypeError, match=r"polars LazyFrame.*\.collect\(\)"):
        call(impl, lazy)


@pytest.mark.parametrize("impl", [fastinfo, fastinfo.reference], ids=["fastinfo", "reference"])
def test_rows_of_mixed_label_kinds_are_refused(impl: Any) -> None:
    """numpy turned [[1, "1"], ["1", 1]] into strings: entropy 0.0 for two distinct rows."""
    with pytest.raises(TypeError, match="x mixes label kinds: int"):
        impl.entropy([[1, "1"], ["1", 1]])
    with pytest.raises(TypeError, match="mixes label kinds"):
        impl.mutual_information([[1, "1"], ["1", 1]], [0, 1])
    assert impl.entropy([[1, 2], [1, 3]]) == pytest.approx(math.log(2))
    assert impl.entropy([["a", "b"], ["a", "c"]]) == pytest.approx(math.log(2))
