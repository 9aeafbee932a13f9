"""MI matrices and scores against a target: exactly the pairwise calls, the reference twin,
scikit-learn, DataFrames, a real SelectKBest pipeline, bad inputs and thread determinism."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mutual_info_score, normalized_mutual_info_score

import fastinfo
from fastinfo import reference
from fastinfo._inputs import ESTIMATORS

AVERAGES = ["min", "geometric", "arithmetic", "max"]
FAST = [e for e in ESTIMATORS if e != "nsb"]


def assert_matches_pairwise(m: np.ndarray, X: np.ndarray, **options: Any) -> None:
    """M[i, j] is fastinfo.mutual_information(X[:, i], X[:, j]) bit for bit (i < j), M symmetric,
    M[i, i] = fastinfo.entropy(X[:, i])."""
    d = X.shape[1]
    assert m.shape == (d, d)
    assert m.dtype == np.float64
    np.testing.assert_array_equal(m, m.T)
    for i in range(d):
        assert m[i, i] == fastinfo.entropy(X[:, i], **options), (i, options)
        for j in range(i + 1, d):
            expected = fastinfo.mutual_information(X[:, i], X[:, j], **options)
            assert m[i, j] == expected, (i, j, options)


# ---------------------------------------------------------------------------------------------
# Strategies: columns of every kind (binary, constant, few values, > 256 values, huge keys).

KINDS = {
    "binary": lambda r, n: r.integers(0, 2, n),
    "constant": lambda r, n: np.full(n, 7),
    "few": lambda r, n: r.integers(-3, 4, n),
    "sixteen": lambda r, n: r.integers(0, 16, n),
    "many": lambda r, n: r.integers(0, 400, n),
    "spread": lambda r, n: r.integers(0, 5, n) << 40,
    "signed": lambda r, n: r.integers(-(2**62), 2**62, n) // (2**60),
}


@st.composite
def matrices(draw: st.DrawFn, max_n: int = 300, max_d: int = 7) -> np.ndarray:
    n = draw(st.integers(1, max_n))
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=max_d))
    seed = draw(st.integers(0, 2**32 - 1))
    r = np.random.default_rng(seed)
    X = np.column_stack([KINDS[k](r, n) for k in kinds]).astype(np.int64)
    # Some columns copy or depend on others, so informations are not all ~0.
    if X.shape[1] > 1 and draw(st.booleans()):
        X[:, -1] = X[:, 0] % 3
    return X


# ---------------------------------------------------------------------------------------------
# The matrix.


@settings(deadline=None)
@given(matrices(), st.sampled_from(FAST))
def test_matrix_entries_are_the_pairwise_calls(X: np.ndarray, estimator: str) -> None:
    assert_matches_pairwise(
        fastinfo.mutual_information_matrix(X, estimator=estimator), X, estimator=estimator
    )


@settings(deadline=None, max_examples=40)
@given(matrices(max_d=4), st.sampled_from([None, 2, 10]), st.sampled_from([None, *AVERAGES]))
def test_matrix_matches_reference(X: np.ndarray, base: int | None, normalized: str | None) -> None:
    got = fastinfo.mutual_information_matrix(X, base=base, normalized=normalized)
    expected = reference.mutual_information_matrix(X, base=base, normalized=normalized)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)


def test_nsb_matrix_is_the_pairwise_calls() -> None:
    X = np.random.default_rng(1).integers(0, 5, (80, 4))
    X[:, 3] = X[:, 0] // 2
    assert_matches_pairwise(
        fastinfo.mutual_information_matrix(X, estimator="nsb"), X, estimator="nsb"
    )


@settings(deadline=None, max_examples=60)
@given(matrices(max_d=5), st.sampled_from(AVERAGES))
def test_against_scikit_learn(X: np.ndarray, average: str) -> None:
    m = fastinfo.mutual_information_matrix(X)
    nmi = fastinfo.mutual_information_matrix(X, normalized=average)
    d = X.shape[1]
    for i in range(d):
        for j in range(d):
            mi = mutual_info_score(X[:, i], X[:, j])
            assert m[i, j] == pytest.approx(mi, rel=1e-12, abs=1e-14)
            expected = normalized_mutual_info_score(X[:, i], X[:, j], average_method=average)
            # sklearn zeroes terms below machine epsilon, so near-independent pairs may differ by
            # ~1e-16 in I before normalisation.
            assert nmi[i, j] == pytest.approx(expected, rel=1e-10, abs=1e-12), (i, j)


def test_closed_forms() -> None:
    x = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    X = np.column_stack([x, x // 2, x % 2, np.zeros(8, dtype=int)])
    m = fastinfo.mutual_information_matrix(X, base=2)
    expected = np.array(
        [[2.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    )
    np.testing.assert_allclose(m, expected, atol=1e-15)
    nmi = fastinfo.mutual_information_matrix(X, normalized="min")
    assert nmi[0, 1] == 1.0  # x // 2 is a function of x
    assert nmi[1, 2] == 0.0
    assert nmi[3, 3] == 1.0  # constant: sklearn's limit case
    assert np.all(np.diag(nmi) == 1.0)


@pytest.mark.parametrize("d", [64, 70])
def test_large_sixteen_valued_and_binary_matrices(d: int) -> None:
    # 64 columns of 16 values go through the AG(3, 4) design; 70 binary ones through popcounts
    # (three tiles); n large enough for parallel row splits.
    r = np.random.default_rng(d)
    n = 40_000
    values = 16 if d == 64 else 2
    X = r.integers(0, values, (n, d), dtype=np.uint8)
    X[:, 1::2] = (X[:, 0::2] + r.integers(0, 2, (n, d // 2), dtype=np.uint8)) % values
    m = fastinfo.mutual_information_matrix(X, estimator="miller_madow")
    assert_matches_pairwise(m, X, estimator="miller_madow")


def test_every_layout_and_dtype_gives_the_same_matrix() -> None:
    r = np.random.default_rng(3)
    X = r.integers(0, 6, (500, 5)).astype(np.int16)
    expected = fastinfo.mutual_information_matrix(X)
    for variant in [
        np.asfortranarray(X),
        X[::1, ::1].copy(order="F"),
        np.ascontiguousarray(X[:, ::-1])[:, ::-1],  # non-contiguous view
        X.astype(">i4"),
        X.astype(np.uint64),
        X.astype(np.int8),
        X.tolist(),
        X.astype(str),
        X.astype(object),
    ]:
        np.testing.assert_array_equal(fastinfo.mutual_information_matrix(variant), expected)
    B = r.integers(0, 2, (300, 4)).astype(bool)
    np.testing.assert_array_equal(
        fastinfo.mutual_information_matrix(B),
        fastinfo.mutual_information_matrix(B.astype(np.uint8)),
    )


def test_dataframe_gives_a_labelled_dataframe() -> None:
    r = np.random.default_rng(4)
    n = 200
    df = pd.DataFrame(
        {
            "color": r.choice(["red", "green", "blue"], n),
            "size": r.integers(0, 4, n),
            "flag": r.integers(0, 2, n).astype(bool),
            "cat": pd.Categorical(r.choice(["a", "b"], n)),
            "big": r.integers(0, 1000, n) * 10**12,
        }
    )
    m = fastinfo.mutual_information_matrix(df)
    assert isinstance(m, pd.DataFrame)
    assert list(m.index) == list(df.columns) == list(m.columns)
    for a in df.columns:
        for b in df.columns:
            if a != b:
                assert m.loc[a, b] == pytest.approx(
                    fastinfo.mutual_information(df[a], df[b]), rel=1e-15, abs=0
                )
        assert m.loc[a, a] == fastinfo.entropy(df[a])
    pd.testing.assert_frame_equal(m, reference.mutual_information_matrix(df), rtol=1e-12)
    scores = fastinfo.mutual_information_with(df, df["size"])
    assert isinstance(scores, pd.Series)
    assert list(scores.index) == list(df.columns)
    assert scores["size"] == pytest.approx(m.loc["size", "size"], rel=1e-12)


def test_polars_dataframe() -> None:
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"a": [1, 2, 1, 2, 3], "b": ["x", "y", "x", "y", "y"], "c": [0, 0, 0, 0, 1]})
    m = fastinfo.mutual_information_matrix(df)
    assert isinstance(m, pd.DataFrame)
    assert list(m.columns) == ["a", "b", "c"]
    assert m.loc["a", "b"] == pytest.approx(
        fastinfo.mutual_information([1, 2, 1, 2, 3], ["x", "y", "x", "y", "y"])
    )
    with pytest.raises(ValueError, match=r"X\['a'\]"):
        fastinfo.mutual_information_matrix(pl.DataFrame({"a": [1, None, 2]}))


# ---------------------------------------------------------------------------------------------
# Scores against a target.


@settings(deadline=None)
@given(matrices(), st.sampled_from(FAST), st.data())
def test_scores_are_the_pairwise_calls(X: np.ndarray, estimator: str, data: st.DataObject) -> None:
    r = np.random.default_rng(data.draw(st.integers(0, 1000)))
    kind = data.draw(st.sampled_from(sorted(KINDS)))
    y = KINDS[kind](r, X.shape[0])
    scores = fastinfo.mutual_information_with(X, y, estimator=estimator)
    assert scores.shape == (X.shape[1],)
    for j in range(X.shape[1]):
        assert scores[j] == fastinfo.mutual_information(X[:, j], y, estimator=estimator)
    # The reference sums corrected estimates as differences of entropies: 1e-10 absolute.
    expected = reference.mutual_information_with(X, y, estimator=estimator)
    np.testing.assert_allclose(scores, expected, rtol=1e-10, atol=1e-10)


def test_scores_match_scikit_learn_discrete_mutual_info_classif() -> None:
    from sklearn.feature_selection import mutual_info_classif

    r = np.random.default_rng(5)
    X = r.integers(0, 8, (2000, 12))
    y = (X[:, 0] + X[:, 3] + r.integers(0, 3, 2000)) % 5
    expected = mutual_info_classif(X, y, discrete_features=True)
    np.testing.assert_allclose(fastinfo.mutual_information_with(X, y), expected, rtol=1e-12)


def test_select_k_best_in_a_pipeline() -> None:
    from sklearn.feature_selection import SelectKBest
    from sklearn.naive_bayes import CategoricalNB
    from sklearn.pipeline import make_pipeline

    r = np.random.default_rng(6)
    n = 3000
    X = r.integers(0, 6, (n, 20))
    y = (X[:, 4] % 2 + 2 * (X[:, 11] % 2) + (r.random(n) < 0.1)) % 4
    selector = SelectKBest(score_func=fastinfo.mutual_information_with, k=2)
    pipeline = make_pipeline(selector, CategoricalNB())
    pipeline.fit(X, y)
    assert sorted(selector.get_support(indices=True)) == [4, 11]
    np.testing.assert_array_equal(selector.scores_, fastinfo.mutual_information_with(X, y))
    assert selector.pvalues_ is None
    assert pipeline.score(X, y) > 0.8
    # The same with a DataFrame (scikit-learn keeps the feature names).
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(20)])
    selector = SelectKBest(fastinfo.mutual_information_with, k=2).fit(df, y)
    assert list(selector.get_feature_names_out()) == ["f4", "f11"]


# ---------------------------------------------------------------------------------------------
# Bad inputs: the right exception, naming the argument; never a PanicException.


IMPLS = [fastinfo, reference]


@pytest.mark.parametrize("impl", IMPLS, ids=["fastinfo", "reference"])
@pytest.mark.parametrize(
    ("X", "exc", "match"),
    [
        (np.arange(5), ValueError, "X must be 2-D"),
        (np.zeros((2, 2, 2), dtype=int), ValueError, "X must be 2-D"),
        (np.zeros((0, 3), dtype=int), ValueError, "X is empty"),
        (np.zeros((3, 0), dtype=int), ValueError, "X has no columns"),
        (np.ones((3, 2)), TypeError, r"X\[:, 0\] has floating-point dtype"),
        (np.array([[1, None], [2, 3]], dtype=object), ValueError, r"X\[:, 1\] contains a missing"),
        (np.array([[1j, 2j]]), TypeError, r"X\[:, 0\] has complex dtype"),
        (pd.DataFrame({"a": pd.array([1, None], dtype="Int64")}), ValueError, r"X\['a'\]"),
        (pd.DataFrame({"a": [1.5, 2.0]}), TypeError, r"X\['a'\] has floating-point"),
        (pd.DataFrame(index=[0, 1]), ValueError, "X has no columns"),
    ],
)
def test_bad_x(impl: Any, X: Any, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        impl.mutual_information_matrix(X)
    with pytest.raises(exc, match=match):
        impl.mutual_information_with(X, np.zeros(len(X) if hasattr(X, "__len__") else 1))


@pytest.mark.parametrize("impl", IMPLS, ids=["fastinfo", "reference"])
def test_bad_options(impl: Any) -> None:
    X = np.array([[0, 1], [1, 0], [1, 1]])
    for kwargs, exc, match in [
        ({"estimator": "NSB"}, ValueError, "estimator"),
        ({"estimator": 3}, TypeError, "estimator"),
        ({"normalized": "median"}, ValueError, "normalized"),
        ({"normalized": True}, TypeError, "normalized"),
        ({"base": 1}, ValueError, "base"),
        ({"base": "2"}, TypeError, "base"),
    ]:
        with pytest.raises(exc, match=match):
            impl.mutual_information_matrix(X, **kwargs)
    for kwargs, exc, match in [
        ({"estimator": "x"}, ValueError, "estimator"),
        ({"base": -2}, ValueError, "base"),
    ]:
        with pytest.raises(exc, match=match):
            impl.mutual_information_with(X, [0, 1, 0], **kwargs)
    with pytest.raises(ValueError, match="y has 2 samples but X has 3"):
        impl.mutual_information_with(X, [0, 1])
    with pytest.raises(ValueError, match="y must be 1-D"):
        impl.mutual_information_with(X, X)
    with pytest.raises(TypeError, match="y has floating-point dtype"):
        impl.mutual_information_with(X, [0.5, 1.0, 0.0])
    with pytest.raises(ValueError, match="X is empty"):
        impl.mutual_information_with(X[:0], [])
    with pytest.raises(TypeError):
        impl.mutual_information_matrix(X, "plugin")  # options are keyword-only


def test_memory_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    X = np.zeros((3000, 300), dtype=np.uint8)
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "500000")
    with pytest.raises(MemoryError, match="300 x 300"):
        fastinfo.mutual_information_matrix(X)
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "800000")  # the output fits, the codes do not
    # The codes (878.9 KiB) and the output (703.1 KiB) against the whole budget.
    with pytest.raises(
        MemoryError, match=r"encoding 300 columns .* matrix, would need 1\.5 MiB \(budget 781\.2"
    ):
        fastinfo.mutual_information_matrix(X)
    with pytest.raises(MemoryError, match=r"would need 878\.9 KiB \(budget 781\.2 KiB"):
        fastinfo.mutual_information_with(X, np.zeros(3000, dtype=int))


def test_thread_count_does_not_change_results() -> None:
    r = np.random.default_rng(8)
    n = 150_000
    X = np.column_stack(
        [r.integers(0, 16, n), r.integers(0, 2, n), r.integers(0, 300, n), r.integers(0, 3, n)] * 3
    )
    y = X[:, 0] % 5
    before = fastinfo.get_num_threads()
    runs = []
    try:
        for threads in (1, 2, 3, 5):
            fastinfo.set_num_threads(threads)
            runs.append(
                (
                    fastinfo.mutual_information_matrix(X, estimator="grassberger"),
                    fastinfo.mutual_information_with(X, y, estimator="jackknife"),
                )
            )
    finally:
        fastinfo.set_num_threads(before)
    for m, s in runs[1:]:
        np.testing.assert_array_equal(m, runs[0][0])
        np.testing.assert_array_equal(s, runs[0][1])


def test_results_are_float64_in_the_requested_base() -> None:
    X = np.array([[0, 0], [1, 1], [0, 1], [1, 0]], dtype=np.uint8)
    nats = fastinfo.mutual_information_matrix(X)
    bits = fastinfo.mutual_information_matrix(X, base=2)
    np.testing.assert_array_equal(bits, nats / math.log(2))
    scores = fastinfo.mutual_information_with(X, [0, 1, 0, 1], base=2)
    assert scores.dtype == np.float64
    assert scores.tolist() == [1.0, 0.0]


# ---------------------------------------------------------------------------------------------
# bins= for continuous features (issue 11: the float error said "pass bins=" but none was taken)


@pytest.mark.parametrize("impl", IMPLS, ids=["fastinfo", "reference"])
@pytest.mark.parametrize("bins", [8, "fd", "sturges", [-10.0, -1.0, 0.0, 1.0, 10.0]], ids=repr)
def test_bins_bin_each_float_column_as_mutual_information_does(impl: Any, bins: Any) -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(3000, 4))
    X[:, 3] = X[:, 0] + 0.3 * rng.normal(size=3000)
    y = (X[:, 0] > 0).astype(int)
    scores = impl.mutual_information_with(X, y, bins=bins)
    for j in range(4):
        want = fastinfo.mutual_information(X[:, j], y, bins=bins)
        assert scores[j] == (want if impl is fastinfo else pytest.approx(want, rel=1e-13))
    M = impl.mutual_information_matrix(X, bins=bins)
    for i in range(4):
        assert M[i, i] == pytest.approx(fastinfo.entropy(X[:, i], bins=bins), rel=1e-13)
        for j in range(i + 1, 4):
            want = fastinfo.mutual_information(X[:, i], X[:, j], bins=bins)
            assert M[i, j] == pytest.approx(want, rel=1e-12, abs=1e-15)
    # A float target is binned too, like y of mutual_information.
    t = X[:, 0] + rng.normal(size=3000)
    scores = impl.mutual_information_with(X, t, bins=bins)
    assert scores[1] == pytest.approx(fastinfo.mutual_information(X[:, 1], t, bins=bins))


def test_bins_on_a_frame_bin_only_float_columns() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "height": rng.normal(170, 10, 2000),
            "group": rng.integers(0, 3, 2000),
            "name": rng.choice(["a", "b"], 2000),
        }
    )
    y = rng.integers(0, 2, 2000)
    scores = fastinfo.mutual_information_with(frame, y, bins=10)
    assert list(scores.index) == ["height", "group", "name"]
    assert scores["height"] == fastinfo.mutual_information(frame["height"], y, bins=10)
    assert scores["group"] == fastinfo.mutual_information(frame["group"].to_numpy(), y)
    assert scores["name"] == fastinfo.mutual_information(frame["name"].to_numpy(), y)
    assert fastinfo.reference.mutual_information_with(frame, y, bins=10)["height"] == (
        pytest.approx(scores["height"])
    )
    M = fastinfo.mutual_information_matrix(frame, bins=10)
    assert M.loc["height", "group"] == pytest.approx(
        fastinfo.mutual_information(frame["height"], frame["group"].to_numpy(), bins=10)
    )


def test_select_k_best_on_continuous_features_with_partial() -> None:
    """The issue's case: SelectKBest(mutual_information_with) on continuous features."""
    import functools

    from sklearn.feature_selection import SelectKBest

    rng = np.random.default_rng(6)
    X = rng.normal(size=(4000, 6))
    y = (X[:, 4] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=4000) > 0).astype(int)
    with pytest.raises(TypeError, match="bins="):
        SelectKBest(fastinfo.mutual_information_with, k=2).fit(X, y)
    for bins in (8, "fd"):
        score = functools.partial(fastinfo.mutual_information_with, bins=bins)
        selected = SelectKBest(score, k=2).fit(X, y).get_support()
        assert np.flatnonzero(selected).tolist() == [1, 4]


def test_float_error_of_the_table_functions_gives_advice_that_works() -> None:
    X = np.random.default_rng(7).normal(size=(100, 3))
    for call in (
        lambda **kw: fastinfo.mutual_information_with(X, X[:, 0] > 0, **kw),
        lambda **kw: fastinfo.mutual_information_matrix(X, **kw),
    ):
        with pytest.raises(TypeError, match="bins=") as error:
            call()
        assert "bins=" in str(error.value)
        call(bins="fd")  # the advice works
