"""String labels (issue 11): every container of strings gives the codes, counts and values that
``np.unique`` / ``collections.Counter`` give, whether it is hashed from Python objects, numpy
fixed-width strings or Arrow buffers (pyarrow, pandas ``string[pyarrow]``, polars)."""

from __future__ import annotations

import collections
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastinfo
import fastinfo.reference
from fastinfo import _native

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

# Words with shared prefixes, the empty string, non-ASCII (2-, 3- and 4-byte UTF-8) and strings
# that sort differently as UTF-16 than as code points.
WORDS = ["a", "ab", "b", "", "é", "e", "日本", "\U0001f600", "\uff61", "z", "ba", "A", " a"]


def containers(words: list[str]) -> dict[str, Any]:
    """The same strings in every container fastinfo reads."""
    halves = (words[: len(words) // 2], words[len(words) // 2 :])
    return {
        "list": list(words),
        "tuple": tuple(words),
        "object": np.array(words, dtype=object),
        "object-strided": np.array([w for w in words for _ in (0, 1)], dtype=object)[::2],
        "numpy-U": np.array(words, dtype=str),
        "numpy-U-big-endian": np.array(words, dtype=str).astype(f">U{max(map(len, words)) or 1}"),
        "pandas-object": pd.Series(words, dtype=object),
        "pandas-string-python": pd.Series(words, dtype="string[python]"),
        "pandas-string-pyarrow": pd.Series(words, dtype="string[pyarrow]"),
        "pandas-arrow-dtype": pd.Series(words, dtype=pd.ArrowDtype(pa.large_string())),
        "pyarrow-string": pa.array(words, pa.string()),
        "pyarrow-large-string": pa.array(words, pa.large_string()),
        "pyarrow-string-view": pa.array(words, pa.string_view()),
        "pyarrow-sliced": pa.array(["pad", *words, "pad"]).slice(1, len(words)),
        "pyarrow-chunked": pa.chunked_array([h for h in halves if h] or [[]], pa.string()),
        "pyarrow-large-string-chunked-sliced": pa.chunked_array(
            [pa.array(["pad", *h], pa.large_string()).slice(1) for h in halves if h] or [[]],
            pa.large_string(),
        ),
        "pyarrow-string-view-sliced": pa.array(["pad", *words, "pad"], pa.string_view()).slice(
            1, len(words)
        ),
        "pyarrow-string-view-chunked": pa.chunked_array(
            [pa.array(["pad", *h], pa.string_view()).slice(1) for h in halves if h] or [[]],
            pa.string_view(),
        ),
        "polars": pl.Series(words, dtype=pl.String),
    }


def expected(words: list[str]) -> tuple[list[str], list[int]]:
    values, counts = np.unique(np.array(words, dtype=object), return_counts=True)
    return values.tolist(), counts.tolist()


@pytest.mark.parametrize("kind", sorted(containers(WORDS)))
def test_counts_match_np_unique_and_counter(kind: str) -> None:
    words = WORDS * 3 + WORDS[:5]
    values, counts = fastinfo.counts(containers(words)[kind])
    assert (values.tolist(), counts.tolist()) == expected(words)
    assert dict(zip(values.tolist(), counts.tolist())) == collections.Counter(words)


@pytest.mark.parametrize("kind", sorted(containers(WORDS)))
def test_every_container_gives_the_same_estimates(kind: str) -> None:
    words = WORDS * 2 + WORDS[3:]
    codes = np.unique(np.array(words, dtype=object), return_inverse=True)[1]
    x = containers(words)[kind]
    assert fastinfo.entropy(x) == fastinfo.entropy(codes)
    assert fastinfo.entropy(x) == pytest.approx(fastinfo.reference.entropy(x), rel=1e-12)
    y = np.arange(len(words)) % 3
    assert fastinfo.mutual_information(x, y) == fastinfo.mutual_information(codes, y)
    xv, _, _ = fastinfo.contingency(x, y)
    assert xv.tolist() == expected(words)[0]


# Strings longer than the 12 bytes an Arrow view holds inline, sharing their 4-byte prefixes.
LONG_WORDS = [*WORDS, "a string of words", "a string of words!", "thirteen byte", "twelve bytes"]


@pytest.mark.parametrize("kind", sorted(containers(WORDS)))
def test_long_strings_in_every_container(kind: str) -> None:
    words = LONG_WORDS * 2 + LONG_WORDS[2:9]
    values, counts = fastinfo.counts(containers(words)[kind])
    assert (values.tolist(), counts.tolist()) == expected(words)


@given(st.lists(st.text(max_size=20), min_size=1, max_size=60), st.integers(0, 5))
def test_arrow_views_match_np_unique(words: list[str], cut: int) -> None:
    view = pa.array(["pad", *words], pa.string_view()).slice(1)
    chunked = pa.chunked_array([view.slice(0, cut), view.slice(cut)], pa.string_view())
    binary = pa.array([w.encode() for w in words], pa.binary_view())
    for x in (view, chunked):
        values, counts = fastinfo.counts(x)
        assert (values.tolist(), counts.tolist()) == expected(words)
    assert fastinfo.entropy(binary) == fastinfo.entropy(view)


@given(st.lists(st.text(max_size=6), min_size=1, max_size=60))
def test_any_unicode_matches_np_unique(words: list[str]) -> None:
    for x in (words, np.array(words, dtype=object), pa.array(words)):
        values, counts = fastinfo.counts(x)
        assert (values.tolist(), counts.tolist()) == expected(words)


@given(st.lists(st.binary(max_size=5), min_size=1, max_size=40))
def test_bytes_match_np_unique(words: list[bytes]) -> None:
    # numpy's S strings drop trailing zero bytes, so compare with np.unique of the same array.
    fixed = np.array(words, dtype="S")
    values, counts = fastinfo.counts(fixed)
    want_values, want_counts = np.unique(fixed, return_counts=True)
    assert values.tolist() == want_values.tolist()
    assert counts.tolist() == want_counts.tolist()
    values, counts = fastinfo.counts(pa.array(words, pa.binary()))
    assert (values.tolist(), counts.tolist()) == expected(words)  # type: ignore[arg-type]


def test_values_keep_the_container_kind() -> None:
    assert fastinfo.counts(["b", "a"])[0].dtype == np.dtype("<U1")  # as np.unique of the list
    assert fastinfo.counts(np.array(["b", "a"], dtype="S1"))[0].dtype == np.dtype("S1")
    assert fastinfo.counts(np.array(["b", "a"], dtype=object))[0].dtype == object


def test_surrogates_take_the_general_route() -> None:
    words = ["a", "\ud800", "a"]  # a lone surrogate has no UTF-8 form
    values, counts = fastinfo.counts(np.array(words, dtype=object))
    assert (values.tolist(), counts.tolist()) == expected(words)


def test_objects_sort_as_np_unique() -> None:
    # Item 2 of issue 11: object and pandas string input came back in first-appearance order.
    for x in (
        np.array(["b", "c", "a", "b"], dtype=object),
        pd.Series(["b", "c", "a", "b"]),
        np.array([3, 1, 2, 3], dtype=object),
        pd.Categorical(["b", "c", "a"], categories=["c", "b", "a"]),
    ):
        values, _ = fastinfo.counts(x)
        assert values.tolist() == np.unique(np.asarray(x)).tolist()


@pytest.mark.parametrize(
    "call",
    [
        lambda x: fastinfo.counts(x),
        lambda x: fastinfo.entropy(x),
        lambda x: fastinfo.reference.entropy(x),
    ],
)
def test_missing_strings_are_named(call: Callable[[Any], Any]) -> None:
    for x in (
        ["a", None, "b"],
        np.array(["a", None, "b"], dtype=object),
        pd.Series(["a", None, "b"], dtype="string[pyarrow]"),
        pa.array(["a", None, "b"]),
        pa.array(["pad", "a", None, "b"], pa.string_view()).slice(1),
        pa.chunked_array([["a"], [None, "b"]], pa.large_string()),
        pl.Series(["a", None, "b"]),
    ):
        with pytest.raises(ValueError, match=r"x contains .*missing value.* at index 1"):
            call(x)


def test_native_functions_check_their_buffers() -> None:
    data = np.frombuffer(b"abc", dtype=np.uint8)
    for offsets in ([0, 4], [2, 1], [-1, 1]):
        with pytest.raises(ValueError, match=r"x.*invalid offsets"):
            _native.arrow_codes([(np.array(offsets, dtype=np.int32), data)], "x")
    with pytest.raises(ValueError, match="x"):
        _native.fixed_codes(data, 2, False, "x")  # 3 bytes are not whole strings of 2
    with pytest.raises(TypeError, match="x"):
        _native.object_codes(np.zeros(3), "x")


def test_object_codes_reports_kinds() -> None:
    codes, uniques, kinds = _native.object_codes([1, "a", None, 2.5, float("nan"), b"x"], "x")
    assert codes is None
    assert uniques is None
    assert kinds == {"int": 0, "str": 1, "missing": 2, "float": 3, "bytes": 5}
