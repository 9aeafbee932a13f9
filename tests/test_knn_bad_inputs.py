"""Bad inputs for the k-nearest-neighbour estimators and the scikit-learn drop-ins.

Each failing call must raise ``ValueError`` / ``TypeError`` / ``MemoryError`` naming the
offending argument (and, for data, the sample); a Rust panic reaching the user is a bug. Every
case runs against fastinfo and its reference twin.
"""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest

import fastinfo
import fastinfo.reference

IMPLS = [pytest.param(fastinfo, id="fastinfo"), pytest.param(fastinfo.reference, id="reference")]
N = 20


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:
        if type(exc).__name__ == "PanicException" or (
            isinstance(exc, RuntimeError) and "internal error" in str(exc)
        ):
            pytest.fail(f"a Rust panic escaped: {exc}")
        raise


def expect(
    exc: type[BaseException],
    argument: str,
    fn: Callable[..., Any],
    *args: Any,
    also: str | None = None,
    **kwargs: Any,
) -> None:
    pattern = rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])"
    with pytest.raises(exc, match=pattern) as info:
        call(fn, *args, **kwargs)
    if also is not None:
        assert re.search(also, str(info.value)), str(info.value)


def data(n: int = N) -> list[np.ndarray]:
    rng = np.random.default_rng(n)
    return [rng.normal(size=n) for _ in range(3)]


# Every estimator as (name, arguments -> call), with the names of its data arguments.
ESTIMATES: dict[str, tuple[Callable[..., Any], tuple[str, ...]]] = {
    "entropy": (lambda m, x, **o: m.differential_entropy(x, **o), ("x",)),
    "ksg": (lambda m, x, y, **o: m.mutual_information(x, y, estimator="ksg", **o), ("x", "y")),
    "ksg2": (lambda m, x, y, **o: m.mutual_information(x, y, estimator="ksg2", **o), ("x", "y")),
    "cmi": (
        lambda m, x, y, z, **o: m.conditional_mutual_information(x, y, z, estimator="ksg", **o),
        ("x", "y", "given"),
    ),
    "divergence": (lambda m, x, y, **o: m.kl_divergence_samples(x, y, **o), ("x", "y")),
}
POSITIONS = [
    pytest.param(name, i, id=f"{name}-{argument}")
    for name, (_, arguments) in ESTIMATES.items()
    for i, argument in enumerate(arguments)
]


def run(impl: Any, name: str, arguments: list[Any], **options: Any) -> Any:
    fn, _ = ESTIMATES[name]
    return call(fn, impl, *arguments, **options)


def with_bad(name: str, position: int, bad: Any) -> list[Any]:
    arguments: list[Any] = data()[: len(ESTIMATES[name][1])]
    if name == "divergence" and np.ndim(bad) == 2 and np.shape(bad)[1] > 0:
        arguments = [np.column_stack([a] * np.shape(bad)[1]) for a in arguments]
    arguments[position] = bad
    return arguments


def nan_at(i: int, n: int = N) -> np.ndarray:
    x = data(n)[0].copy()
    x[i] = np.nan
    return x


BAD_SAMPLES = [
    ("nan", lambda: nan_at(7), ValueError, r"NaN at index 7"),
    ("inf", lambda: np.where(np.arange(N) == 3, np.inf, data()[0]), ValueError, r"inf at index 3"),
    (
        "nan-2d",
        lambda: np.column_stack([data()[0], nan_at(5)]),
        ValueError,
        r"\[:, 1\] contains NaN at index 5",
    ),
    ("empty", lambda: np.array([]), ValueError, r"empty"),
    ("3-d", lambda: np.zeros((N, 2, 2)), ValueError, r"3-d"),
    ("complex", lambda: data()[0] + 1j, TypeError, r"complex|real numbers"),
    ("strings-in-cmi", lambda: np.array(["a", "b"] * (N // 2)), TypeError, r"discrete|real"),
    ("no-columns", lambda: np.zeros((N, 0)), ValueError, r"column"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("name", "position"), POSITIONS)
@pytest.mark.parametrize(
    ("make", "exc", "also"), [pytest.param(m, e, a, id=i) for i, m, e, a in BAD_SAMPLES]
)
def test_bad_samples_name_the_argument(
    impl: Any, name: str, position: int, make: Callable[[], Any], exc: type, also: str
) -> None:
    argument = ESTIMATES[name][1][position]
    bad = make()
    if bad.dtype.kind == "U" and name in ("ksg", "ksg2"):
        return  # strings are a discrete variable for KSG: Ross's estimator (or a refusal below)
    if bad.dtype.kind == "U" and name == "entropy":
        exc, also = TypeError, "real numbers"
    if bad.dtype.kind == "U" and name == "divergence":
        also = "discrete labels"
    expect(exc, argument, run, impl, name, with_bad(name, position, bad), also=also)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("name", "position"), [p for p in POSITIONS if p.values[0] not in ("entropy", "divergence")]
)
@pytest.mark.parametrize("delta", [-1, +1])
def test_length_mismatch(impl: Any, name: str, position: int, delta: int) -> None:
    if position == 0:
        return
    argument = ESTIMATES[name][1][position]
    bad = np.random.default_rng(1).normal(size=N + delta)
    expect(ValueError, argument, run, impl, name, with_bad(name, position, bad), also="samples")


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", list(ESTIMATES))
@pytest.mark.parametrize(
    ("k", "exc", "also"),
    [
        (0, ValueError, "at least 1"),
        (-3, ValueError, "at least 1"),
        (N, ValueError, "less than the number of samples"),
        (N + 5, ValueError, "less than"),
        (2.0, TypeError, "integer"),
        (True, TypeError, "integer"),
        ("3", TypeError, "integer"),
    ],
)
def test_bad_k(impl: Any, name: str, k: Any, exc: type, also: str) -> None:
    arguments = data()[: len(ESTIMATES[name][1])]
    expect(exc, "k", run, impl, name, arguments, k=k, also=also)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", list(ESTIMATES))
def test_a_single_sample(impl: Any, name: str) -> None:
    arguments = [np.array([1.5])] * len(ESTIMATES[name][1])
    expect(ValueError, "x", run, impl, name, arguments, also="at least 2")


@pytest.mark.parametrize("impl", IMPLS)
def test_duplicates_are_refused_with_the_sample_named(impl: Any) -> None:
    x, y, z = data()
    x[4] = x[9] = x[11] = x[2]  # four equal samples
    y[4] = y[9] = y[11] = y[2]
    z[4] = z[9] = z[11] = z[2]
    for name, arguments in [("ksg", [x, y]), ("ksg2", [x, y]), ("cmi", [x, y, z])]:
        expect(ValueError, "x", run, impl, name, arguments, also=r"sample 2 has 3 or more exact")
        assert run(impl, name, arguments, k=4) >= 0  # the 4th neighbour is elsewhere
    expect(ValueError, "x", run, impl, "divergence", [x, z], k=2, also=r"sample 2 has 2")
    fresh = data()[0]
    copies = np.r_[np.full(3, fresh[0]), y]
    expect(ValueError, "y", run, impl, "divergence", [fresh, copies], k=3, also="exact copies")
    assert run(impl, "entropy", [x], k=3) == -np.inf  # an atom
    # Ross: duplicates within a class of the discrete variable.
    labels = np.zeros(N, dtype=int)
    expect(ValueError, "y", impl.mutual_information, labels, x, estimator="ksg", k=3)
    expect(ValueError, "x", impl.mutual_information, x, labels, estimator="ksg", k=3)


@pytest.mark.parametrize("impl", IMPLS)
def test_options(impl: Any) -> None:
    x, y, z = data()
    labels = np.arange(N) % 3
    cases: list[tuple[type, str, Callable[[], Any], str | None]] = [
        (ValueError, "estimator", lambda: impl.mutual_information(x, y, estimator="kraskov"), None),
        (
            ValueError,
            "estimator",
            lambda: impl.conditional_mutual_information(x, y, z, estimator="ksg2"),
            None,
        ),
        (ValueError, "estimator", lambda: impl.differential_entropy(x, estimator="ksg"), None),
        (TypeError, "estimator", lambda: impl.differential_entropy(x, estimator=3), None),
        (ValueError, "bins", lambda: impl.mutual_information(x, y, estimator="ksg", bins=10), None),
        (ValueError, "bins", lambda: impl.differential_entropy(x, estimator="kl", bins=10), None),
        (ValueError, "k", lambda: impl.mutual_information(labels, labels, k=3), "estimator='ksg'"),
        (ValueError, "k", lambda: impl.differential_entropy(x, bins=5, k=3), None),
        (ValueError, "norm", lambda: impl.differential_entropy(x, norm="manhattan"), None),
        (TypeError, "norm", lambda: impl.kl_divergence_samples(x, y, norm=2), None),
        (
            ValueError,
            "jitter",
            lambda: impl.mutual_information(x, y, estimator="ksg", jitter=-1.0),
            None,
        ),
        (
            TypeError,
            "jitter",
            lambda: impl.mutual_information(x, y, estimator="ksg", jitter="small"),
            None,
        ),
        (ValueError, "seed", lambda: impl.mutual_information(x, y, estimator="ksg", seed=1), None),
        (TypeError, "seed", lambda: impl.differential_entropy(x, jitter=0.1, seed=1.5), None),
        (ValueError, "base", lambda: impl.mutual_information(x, y, estimator="ksg", base=1), None),
        (TypeError, "x", lambda: impl.mutual_information(labels, labels, estimator="ksg"), None),
        (ValueError, "x", lambda: impl.mutual_information(labels, y, estimator="ksg2"), None),
        (
            TypeError,
            "given",
            lambda: impl.conditional_mutual_information(x, y, labels, estimator="ksg"),
            None,
        ),
        (TypeError, "x", lambda: impl.kl_divergence_samples(labels, y), "pmf.kl_divergence"),
        (ValueError, "y", lambda: impl.kl_divergence_samples(x, np.c_[y, y]), "dimensions"),
        (ValueError, "k", lambda: impl.kl_divergence_samples(x, y[:2], k=3), "samples of y"),
        (
            ValueError,
            "x",
            lambda: impl.mutual_information(np.arange(N), y, estimator="ksg"),
            "single sample",
        ),
    ]
    for exc, argument, fn, also in cases:
        expect(exc, argument, fn, also=also)


def test_float_labels_point_to_the_knn_estimators() -> None:
    x, y, _ = data()
    with pytest.raises(TypeError, match=r"estimator='ksg'.*bins="):
        fastinfo.mutual_information(x, y)


@pytest.mark.parametrize("impl", IMPLS)
def test_missing_values_in_pandas(impl: Any) -> None:
    pd = pytest.importorskip("pandas")
    x = pd.array([0.5, None] + [1.0 + i for i in range(N - 2)], dtype="Float64")
    expect(ValueError, "x", impl.differential_entropy, x, also="missing")


def test_memory_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    x, y, _ = data(5000)
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "100000")
    with pytest.raises(MemoryError, match=r"neighbour search.*5000 samples"):
        fastinfo.mutual_information(x, y, estimator="ksg")
    with pytest.raises(MemoryError, match=r"5000 samples"):
        fastinfo.mutual_info_regression(x.reshape(-1, 1), y)


# ---------------------------------------------------------------------------------------------
# The scikit-learn drop-ins

SKLEARN = [
    pytest.param(fastinfo, id="fastinfo"),
    pytest.param(fastinfo.reference, id="reference"),
]


@pytest.mark.parametrize("impl", SKLEARN)
def test_sklearn_drop_in_bad_inputs(impl: Any) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 3))
    y = rng.normal(size=N)
    classes = rng.integers(0, 2, N)
    nan_X = X.copy()
    nan_X[4, 2] = np.nan
    sparse = pytest.importorskip("scipy.sparse")
    cases: list[tuple[type, str, Callable[[], Any], str | None]] = [
        (ValueError, "X", lambda: impl.mutual_info_regression(nan_X, y), r"row 4, column 2"),
        (ValueError, "y", lambda: impl.mutual_info_regression(X, np.r_[y[:-1], np.inf]), None),
        (ValueError, "X", lambda: impl.mutual_info_regression(X[:, 0], y), "2-D"),
        (ValueError, "y", lambda: impl.mutual_info_regression(X, y[:-2]), "samples"),
        (ValueError, "n_neighbors", lambda: impl.mutual_info_regression(X, y, n_neighbors=0), None),
        (
            TypeError,
            "n_neighbors",
            lambda: impl.mutual_info_classif(X, classes, n_neighbors=2.5),
            None,
        ),
        (
            ValueError,
            "n_neighbors",
            lambda: impl.mutual_info_regression(X, y, n_neighbors=N),
            "less than",
        ),
        (
            ValueError,
            "discrete_features",
            lambda: impl.mutual_info_regression(X, y, discrete_features="some"),
            None,
        ),
        (
            ValueError,
            "discrete_features",
            lambda: impl.mutual_info_regression(X, y, discrete_features=[5]),
            None,
        ),
        (
            ValueError,
            "discrete_features",
            lambda: impl.mutual_info_regression(X, y, discrete_features=[True, False]),
            None,
        ),
        (
            ValueError,
            "random_state",
            lambda: impl.mutual_info_regression(X, y, random_state="seed"),
            None,
        ),
        (TypeError, "copy", lambda: impl.mutual_info_regression(X, y, copy="no"), None),
        (ValueError, "y", lambda: impl.mutual_info_classif(X, y), "non-integer"),
        (
            ValueError,
            "X",
            lambda: impl.mutual_info_regression(sparse.csr_matrix(X), y, discrete_features=False),
            "sparse",
        ),
        (TypeError, "X", lambda: impl.mutual_info_regression(np.array([["a"] * 3] * N), y), None),
    ]
    for exc, argument, fn, also in cases:
        expect(exc, argument, fn, also=also)
