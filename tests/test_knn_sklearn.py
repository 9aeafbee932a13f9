"""fastinfo.mutual_info_regression / mutual_info_classif against scikit-learn, to 1e-9.

Many random data sets: continuous and discrete features mixed, float32 / int / bool columns,
heavy tails, duplicated values, tiny classes (where scikit-learn's neighbour search is brute force
with its own distance formula), sparse matrices, DataFrames, every form of ``random_state`` and
``discrete_features``, ``copy=False`` (in-place, as scikit-learn), and use inside ``SelectKBest``.
The reference twin (brute force) must agree as well.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

import fastinfo
import fastinfo.reference

sklearn_fs = pytest.importorskip("sklearn.feature_selection")
scipy_sparse = pytest.importorskip("scipy.sparse")
pd = pytest.importorskip("pandas")

TOLERANCE = 1e-9


def compare(kind: str, X: Any, y: Any, reference: bool = False, **options: Any) -> np.ndarray:
    """fastinfo's scores (and the twin's) equal scikit-learn's, given the same random state."""
    ours = getattr(fastinfo, f"mutual_info_{kind}")
    theirs = getattr(sklearn_fs, f"mutual_info_{kind}")
    seed = options.pop("random_state", 0)
    # A RandomState instance is consumed by a call: each call gets its own copy.
    expected = theirs(X, y, random_state=copy.deepcopy(seed), **options)
    got = ours(X, y, random_state=copy.deepcopy(seed), **options)
    assert got.dtype == np.float64
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=TOLERANCE)
    if reference:
        twin = getattr(fastinfo.reference, f"mutual_info_{kind}")
        twin_scores = twin(X, y, random_state=copy.deepcopy(seed), **options)
        np.testing.assert_allclose(twin_scores, expected, atol=1e-9)
    return got


def random_table(rng: np.random.Generator, n: int, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Features of assorted kinds, and which of them are discrete."""
    columns, discrete = [], []
    for _ in range(p):
        kind = rng.integers(0, 6)
        if kind == 0:
            columns.append(rng.normal(size=n) * 10.0 ** rng.integers(-3, 4))
            discrete.append(False)
        elif kind == 1:
            columns.append(rng.standard_cauchy(n))
            discrete.append(False)
        elif kind == 2:
            columns.append(np.round(rng.normal(size=n), 1))  # many duplicates
            discrete.append(False)
        elif kind == 3:
            columns.append(rng.integers(0, rng.integers(2, 6), n).astype(float))
            discrete.append(True)
        elif kind == 4:
            columns.append(np.full(n, 2.5))  # constant
            discrete.append(bool(rng.integers(0, 2)))
        else:
            columns.append(rng.exponential(size=n) + rng.integers(0, 3, n))
            discrete.append(False)
    return np.column_stack(columns), np.array(discrete)


@pytest.mark.parametrize("seed", range(10))
def test_random_tables_regression_and_classification(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 400))
    X, discrete = random_table(rng, n, int(rng.integers(1, 7)))
    target = X[:, 0] * rng.normal() + rng.normal(size=n)
    classes = rng.integers(0, int(rng.integers(2, max(3, n // 3))), n)
    k = int(rng.integers(1, 6))
    small = n <= 60
    compare("regression", X, target, reference=small, discrete_features=discrete, n_neighbors=k)
    compare("classif", X, classes, reference=small, discrete_features=discrete, n_neighbors=k)


@pytest.mark.parametrize("n", [10, 60])
def test_tiny_classes_take_scikit_learns_brute_force_distances(n: int) -> None:
    """Classes of at most 2k + 1 samples: scikit-learn's brute-force radii (not |a - b|)."""
    rng = np.random.default_rng(n)
    for trial in range(4):
        X = rng.normal(size=(n, 3)) * 10.0 ** rng.integers(-2, 3) + rng.normal(size=3) * 50
        y = rng.integers(0, max(2, n // 3), n)
        compare("classif", X, y, reference=trial < 2, random_state=trial)
        discrete = rng.integers(0, max(2, n // 3), (n, 2))
        compare("regression", discrete, X[:, 0], discrete_features=True, random_state=trial)


@pytest.mark.parametrize("n", [2000, 20_000])
def test_larger_samples(n: int) -> None:
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 4))
    X[:, 1] = X[:, 0] ** 2 + 0.1 * rng.normal(size=n)
    X[:, 3] = rng.integers(0, 5, n)
    y = X[:, 0] + X[:, 1] + rng.normal(size=n)
    compare("regression", X, y, discrete_features=[3])
    compare("classif", X, (y > 0).astype(int) + (y > 1), discrete_features=[3])


def test_dtypes_and_targets() -> None:
    rng = np.random.default_rng(5)
    n = 300
    X = rng.normal(size=(n, 3))
    compare("regression", X.astype(np.float32), X[:, 0] * 2)
    compare("regression", X, (X[:, 0] * 100).astype(np.int64))  # integer target
    compare("regression", X, (X[:, 0] * 100).astype(np.float32))  # float32 target
    compare("regression", (X * 10).astype(np.int32), X[:, 1])  # integer features
    labels = np.array(["a", "b", "c"])[rng.integers(0, 3, n)]
    compare("classif", X, labels)  # string classes
    compare("classif", X, (X[:, 0] > 0).astype(float))  # float whole-number classes
    compare("classif", X > 0, rng.integers(0, 2, n), discrete_features=True)  # bool features
    compare("classif", X, (X[:, 0] > 0).reshape(-1, 1))  # column-vector y


def test_discrete_feature_forms_and_random_states() -> None:
    rng = np.random.default_rng(6)
    n = 200
    # Rounded, so that every column also makes sense as discrete (discrete_features=True).
    X = np.column_stack(
        [np.round(rng.normal(size=n), 1), rng.integers(0, 3, n), rng.normal(size=n).round(1)]
    )
    y = X[:, 0] + X[:, 1]
    for discrete in ["auto", True, False, [1], np.array([1]), [-2], [False, True, False]]:
        compare("regression", X, y, discrete_features=discrete)
    for state in [0, 12345, np.random.RandomState(3)]:
        compare("regression", X, y, random_state=state)
    # None: numpy's global stream, the same draws if both start from the same global state.
    np.random.seed(7)  # noqa: NPY002 (scikit-learn's random_state=None is the legacy stream)
    expected = sklearn_fs.mutual_info_regression(X, y)
    np.random.seed(7)  # noqa: NPY002
    np.testing.assert_allclose(fastinfo.mutual_info_regression(X, y), expected, atol=TOLERANCE)


def test_copy_false_scales_in_place_like_scikit_learn() -> None:
    rng = np.random.default_rng(8)
    X = rng.normal(size=(100, 2)) * 5
    ours, theirs = X.copy(), X.copy()
    a = fastinfo.mutual_info_regression(ours, X[:, 0], copy=False, random_state=0)
    b = sklearn_fs.mutual_info_regression(theirs, X[:, 0], copy=False, random_state=0)
    np.testing.assert_allclose(a, b, atol=TOLERANCE)
    np.testing.assert_array_equal(ours, theirs)  # both scaled and jittered in place
    assert not np.array_equal(ours, X)


def test_sparse_and_dataframe_inputs() -> None:
    rng = np.random.default_rng(9)
    n = 300
    dense = rng.integers(0, 3, (n, 4)) * (rng.random((n, 4)) < 0.3)
    y_class = rng.integers(0, 2, n)
    y_value = dense[:, 0] + rng.normal(size=n)
    for matrix in (scipy_sparse.csr_matrix(dense), scipy_sparse.csc_array(dense.astype(float))):
        compare("classif", matrix, y_class)
        compare("regression", matrix, y_value)
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 4, n), "c": 1.5})
    compare("regression", frame, frame["a"] * 2 + rng.normal(size=n), discrete_features=[1])
    compare("classif", frame, pd.Series(y_class), discrete_features=[False, True, False])


def test_select_k_best() -> None:
    rng = np.random.default_rng(10)
    X = rng.normal(size=(500, 6))
    y = (X[:, 2] + 0.5 * X[:, 4] > 0).astype(int)
    ours = sklearn_fs.SelectKBest(fastinfo.mutual_info_classif, k=2).fit(X, y)
    theirs = sklearn_fs.SelectKBest(sklearn_fs.mutual_info_classif, k=2).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), [False, False, True, False, True, False])
    assert ours.get_support().tolist() == theirs.get_support().tolist()
    regression = sklearn_fs.SelectKBest(fastinfo.mutual_info_regression, k=1).fit(X, X[:, 3])
    assert regression.get_support().tolist() == [False, False, False, True, False, False]


def test_clipping_and_all_zero_scores() -> None:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(50, 8))
    scores = compare("regression", X, rng.normal(size=50))
    assert (scores >= 0).all()
    assert (scores == 0).any()  # independent features: some raw estimates were negative
