"""Continuous samples: discretize, differential_entropy, and bins= in the samples functions.

Checked against numpy (np.histogram_bin_edges, np.digitize, np.histogram: exact), the reference
twin (exact labels and edges; estimates to 1e-12), closed forms (uniform, normal; within the
histogram estimator's error) and identities (h(aX) = h(X) + log|a|, MI invariant).
"""

from __future__ import annotations

import math
import re
import tracemalloc
from typing import Any

import numpy as np
import pytest
from helpers import IMPLS
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastinfo
import fastinfo.reference

RULES = ["auto", "fd", "rice", "scott", "sqrt", "sturges"]
DTYPES = [np.float32, np.float64]


def data_sets(dtype: Any) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    n = 5000
    return {
        "normal": rng.normal(3.0, 2.0, n).astype(dtype),
        "uniform": rng.uniform(-1.0, 1.0, n).astype(dtype),
        "cauchy": rng.standard_cauchy(n).astype(dtype),
        "ties": np.round(rng.normal(0.0, 1.0, n), 1).astype(dtype),
        "constant": np.full(50, 7.25, dtype=dtype),
        "one": np.array([-2.5], dtype=dtype),
        "tiny": (rng.random(n) * 1e-30).astype(dtype),
        "huge": (rng.random(n) * 1e30).astype(dtype),
    }


def smallest_label_dtype(bins: int) -> Any:
    return np.uint8 if bins <= 256 else np.uint16 if bins <= 65536 else np.uint32


def expected_labels(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    return np.digitize(x, edges[1:-1])


# ---------------------------------------------------------------------------------------------
# discretize: numpy's edges, digitize's labels, histogram's counts


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bins", [1, 2, 7, 256, 257, 1000, *RULES])
def test_discretize_matches_numpy(dtype: Any, bins: Any) -> None:
    for name, x in data_sets(dtype).items():
        with np.errstate(over="ignore"):
            expected = np.histogram_bin_edges(x, bins=bins)
        if expected.size < 2:  # numpy's std overflows float32: no bins, which fastinfo refuses
            with pytest.raises(ValueError, match=rf"bins={bins!r} gives 0 bins for x"):
                fastinfo.discretize(x, bins=bins)
            continue
        labels, edges = fastinfo.discretize(x, bins=bins)
        assert edges.dtype == expected.dtype == dtype, name
        np.testing.assert_array_equal(edges, expected, err_msg=name)
        np.testing.assert_array_equal(labels, expected_labels(x, edges), err_msg=name)
        counts = np.bincount(labels, minlength=edges.size - 1)
        np.testing.assert_array_equal(counts, np.histogram(x, bins=bins)[0], err_msg=name)
        nbins = edges.size - 1
        assert labels.dtype == smallest_label_dtype(nbins), name
        ref_labels, ref_edges = fastinfo.reference.discretize(x, bins=bins)
        np.testing.assert_array_equal(ref_labels, labels, err_msg=name)
        assert ref_labels.dtype == labels.dtype
        np.testing.assert_array_equal(ref_edges, edges, err_msg=name)


SPANS = [
    (0.0, 1.0),
    (-3.7, 12.1),
    (1e300, 1.7e300),
    (-1e300, 1e300),
    (-1e-300, 1e-300),
    (0.0, 1e-310),  # subnormal widths
    (1e6, 1e6 + 1e-4),  # a narrow range far from zero
    (-(2.0**60), -(2.0**59)),
]


def representable(dtype: Any, lo: float, hi: float) -> bool:
    info = np.finfo(dtype)
    return max(abs(lo), abs(hi)) <= float(info.max) and dtype(lo) < dtype(hi)


@pytest.mark.parametrize(
    ("dtype", "lo", "hi"),
    [(d, lo, hi) for d in DTYPES for lo, hi in SPANS if representable(d, lo, hi)],
)
@pytest.mark.parametrize("bins", [1, 3, 10, 256])
def test_values_on_and_next_to_edges(dtype: Any, lo: float, hi: float, bins: int) -> None:
    lo_, hi_ = dtype(lo), dtype(hi)
    try:
        edges = np.histogram_bin_edges(np.array([lo_, hi_]), bins=bins)
    except ValueError:
        with pytest.raises(ValueError, match="bins"):
            fastinfo.discretize(np.array([lo_, hi_]), bins=bins)
        return
    near = np.concatenate(
        [edges, np.nextafter(edges, dtype(-np.inf)), np.nextafter(edges, dtype(np.inf))]
    )
    x = near[(near >= lo_) & (near <= hi_)].astype(dtype)
    labels, got = fastinfo.discretize(x, bins=bins)
    np.testing.assert_array_equal(got, edges)
    np.testing.assert_array_equal(labels, expected_labels(x, edges))
    np.testing.assert_array_equal(
        np.bincount(labels, minlength=bins), np.histogram(x, bins=bins)[0]
    )
    # Every edge value opens its bin; the maximum closes the last one.
    on_edge = fastinfo.discretize(x, bins=edges)[0]
    np.testing.assert_array_equal(on_edge, labels)


@pytest.mark.parametrize("dtype", DTYPES)
def test_explicit_edges_match_digitize(dtype: Any) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(0.0, 1.0, 20_000).astype(dtype)
    cases = {
        "uneven": np.concatenate([[-10.0], np.sort(rng.normal(0, 1, 50)), [10.0]]),
        "linspace": np.linspace(-10.0, 10.0, 41),
        "float32-edges": np.linspace(-10, 10, 17, dtype=np.float32),
        "two": np.array([-10.0, 10.0]),
        "integers": np.array([-10, -1, 0, 1, 10]),
        "big": np.linspace(-10.0, 10.0, 70_001),
    }
    for name, edges in cases.items():
        labels, got = fastinfo.discretize(x, bins=edges)
        assert got.dtype == np.float64
        np.testing.assert_array_equal(got, edges.astype(np.float64))
        wide = x.astype(np.float64)  # numpy compares float32 samples with float64 edges so
        np.testing.assert_array_equal(labels, np.digitize(wide, got[1:-1]), err_msg=name)
        np.testing.assert_array_equal(
            np.bincount(labels, minlength=got.size - 1), np.histogram(wide, got)[0]
        )
        np.testing.assert_array_equal(fastinfo.reference.discretize(x, bins=edges)[0], labels)
    # Samples exactly on explicit edges, and the outer edges themselves.
    edges = np.array([0.0, 0.1, 0.25, 1.0])
    labels, _ = fastinfo.discretize(edges, bins=edges)
    assert labels.tolist() == [0, 1, 2, 2]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bins", [1, 4, 10, 100, "fd", "sturges"])
def test_quantile_strategy(dtype: Any, bins: Any) -> None:
    rng = np.random.default_rng(3)
    x = rng.lognormal(0.0, 2.0, 10_000).astype(dtype)
    labels, edges = fastinfo.discretize(x, bins=bins, strategy="quantile")
    count = bins if isinstance(bins, int) else np.histogram_bin_edges(x, bins=bins).size - 1
    expected = np.unique(np.quantile(x, np.linspace(0, 1, count + 1)).astype(dtype))
    np.testing.assert_array_equal(edges, expected)
    assert edges.dtype == dtype
    np.testing.assert_array_equal(labels, expected_labels(x, edges))
    # Equal frequency: every bin holds n / bins samples, up to ties at the edges.
    per_bin = np.bincount(labels)
    assert per_bin.max() - per_bin.min() <= 2
    ref_labels, ref_edges = fastinfo.reference.discretize(x, bins=bins, strategy="quantile")
    np.testing.assert_array_equal(ref_labels, labels)
    np.testing.assert_array_equal(ref_edges, edges)


def test_quantile_ties_merge_bins() -> None:
    x = np.array([0.0] * 60 + [1.0] * 30 + [2.0, 3.0, 4.0] * 3 + [5.0])
    labels, edges = fastinfo.discretize(x, bins=10, strategy="quantile")
    assert edges.size - 1 < 10
    assert np.all(np.diff(edges) > 0)
    assert np.all(labels[:60] == 0)  # a tied value is never split between bins
    assert len(set(labels[60:90].tolist())) == 1
    labels, edges = fastinfo.discretize(np.full(5, 3.0), bins=4, strategy="quantile")
    assert edges.tolist() == [2.5, 3.5]
    assert labels.tolist() == [0] * 5


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
@pytest.mark.parametrize("bins", [16, "fd"])
def test_two_dimensional_is_per_column(dtype: Any, layout: str, bins: Any) -> None:
    rng = np.random.default_rng(4)
    x = np.column_stack(
        [rng.normal(0, 1, 3001), rng.uniform(5, 6, 3001), rng.exponential(1, 3001)]
    ).astype(dtype)
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided":
        x = np.column_stack([x, x])[::2, ::2]
    labels, edges = fastinfo.discretize(x, bins=bins)
    assert labels.shape == x.shape
    assert labels.flags.f_contiguous
    assert isinstance(edges, list)
    assert len(edges) == x.shape[1]
    for j in range(x.shape[1]):
        column_labels, column_edges = fastinfo.discretize(np.ascontiguousarray(x[:, j]), bins=bins)
        np.testing.assert_array_equal(labels[:, j], column_labels)
        np.testing.assert_array_equal(edges[j], column_edges)
    ref_labels, ref_edges = fastinfo.reference.discretize(x, bins=bins)
    np.testing.assert_array_equal(ref_labels, labels)
    for a, b in zip(ref_edges, edges):
        np.testing.assert_array_equal(a, b)
    # Labels feed straight into the samples functions, as a 2-D variable.
    assert fastinfo.entropy(labels) == pytest.approx(fastinfo.reference.entropy(labels), rel=1e-14)


def test_label_dtype_grows_with_bins() -> None:
    x = np.linspace(0.0, 1.0, 100_000)
    for bins, dtype in [
        (256, np.uint8),
        (257, np.uint16),
        (65_536, np.uint16),
        (65_537, np.uint32),
    ]:
        labels, edges = fastinfo.discretize(x, bins=bins)
        assert labels.dtype == dtype
        assert int(labels.max()) == bins - 1
        np.testing.assert_array_equal(labels, expected_labels(x, edges))


def test_inputs_of_other_dtypes() -> None:
    ints = np.array([0, 5, 10, 3], dtype=np.int16)
    labels, edges = fastinfo.discretize(ints, bins=2)
    assert edges.dtype == np.float64
    assert labels.tolist() == [0, 1, 1, 0]
    half = np.array([0.0, 0.5, 1.0], dtype=np.float16)
    labels, edges = fastinfo.discretize(half, bins=2)
    assert edges.dtype == np.float32
    assert labels.tolist() == [0, 1, 1]
    swapped = np.array([0.0, 0.5, 1.0], dtype=">f8")
    assert fastinfo.discretize(swapped, bins=2)[0].tolist() == [0, 1, 1]
    assert fastinfo.discretize([0.0, 0.5, 1.0], bins=2)[0].tolist() == [0, 1, 1]
    pd = pytest.importorskip("pandas")
    series = pd.Series([0.0, 0.5, 1.0])
    assert fastinfo.discretize(series, bins=2)[0].tolist() == [0, 1, 1]
    nullable = pd.array([0.0, None, 1.0], dtype="Float64")
    with pytest.raises(ValueError, match=r"x contains a missing value at index 1"):
        fastinfo.discretize(nullable, bins=2)


def test_float32_and_contiguous_input_is_not_copied() -> None:
    x = np.random.default_rng(5).random(2_000_000, dtype=np.float32)  # 8 MB
    fastinfo.discretize(x[:10], bins=256)  # warm up
    tracemalloc.start()
    try:
        labels, _ = fastinfo.discretize(x, bins=256)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The labels (2 MB of uint8) are allocated by Rust, which tracemalloc does not see; a numpy
    # copy or widening of x would show up as 8 or 16 MB.
    assert peak < 1_000_000
    assert labels.dtype == np.uint8


# ---------------------------------------------------------------------------------------------
# Hypothesis: fast == reference == numpy on arbitrary finite data


@st.composite
def float_samples(draw: Any) -> np.ndarray:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n = draw(st.integers(1, 300))
    width = 32 if dtype == np.float32 else 64
    elements = st.floats(allow_nan=False, allow_infinity=False, width=width)
    values = draw(hnp.arrays(dtype, n, elements=elements))
    return values


BINS = st.one_of(st.integers(1, 300), st.sampled_from(RULES))


@given(x=float_samples(), bins=BINS, strategy=st.sampled_from(["uniform", "quantile"]))
def test_hypothesis_matches_reference_and_numpy(x: np.ndarray, bins: Any, strategy: str) -> None:
    try:
        expected = fastinfo.reference.discretize(x, bins=bins, strategy=strategy)
    except (ValueError, MemoryError) as exc:
        with pytest.raises(type(exc)):
            fastinfo.discretize(x, bins=bins, strategy=strategy)
        return
    labels, edges = fastinfo.discretize(x, bins=bins, strategy=strategy)
    np.testing.assert_array_equal(edges, expected[1])
    np.testing.assert_array_equal(labels, expected[0])
    assert labels.dtype == expected[0].dtype
    np.testing.assert_array_equal(labels, expected_labels(x, edges))
    if strategy == "uniform":
        with np.errstate(over="ignore", invalid="ignore"):
            np.testing.assert_array_equal(edges, np.histogram_bin_edges(x, bins=bins))


@given(
    x=float_samples(),
    edges=hnp.arrays(
        np.float64,
        st.integers(2, 40),
        elements=st.floats(-1e6, 1e6, allow_nan=False),
        unique=True,
    ),
)
def test_hypothesis_explicit_edges(x: np.ndarray, edges: np.ndarray) -> None:
    edges = np.sort(edges)
    inside = np.clip(x.astype(np.float64), edges[0], edges[-1]).astype(x.dtype)
    inside = inside[(inside >= edges[0]) & (inside <= edges[-1])]
    if inside.size == 0:
        return
    labels, _ = fastinfo.discretize(inside, bins=edges)
    np.testing.assert_array_equal(labels, np.digitize(inside.astype(np.float64), edges[1:-1]))
    np.testing.assert_array_equal(labels, fastinfo.reference.discretize(inside, bins=edges)[0])


# ---------------------------------------------------------------------------------------------
# Invalid samples and arguments


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("bins", [10, "fd", [-1.0, 0.0, 1.0]])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_nan_and_inf_name_the_argument_and_index(impl: Any, bins: Any, strategy: str) -> None:
    if strategy == "quantile" and isinstance(bins, list):
        return
    for dtype in DTYPES:
        x = np.linspace(-0.5, 0.5, 200_000).astype(dtype)
        x[150_001] = np.nan
        x[170_000] = np.inf
        with pytest.raises(ValueError, match=r"^x contains NaN at index 150001"):
            impl.discretize(x, bins=bins, strategy=strategy)
        x[150_001] = -np.inf
        with pytest.raises(ValueError, match=r"^x contains -inf at index 150001.*infinite"):
            impl.discretize(x, bins=bins, strategy=strategy)
        two = np.zeros((5, 3), dtype=dtype)
        two[:, 0] = np.arange(5) / 8
        two[3, 2] = np.nan
        with pytest.raises(ValueError, match=re.escape("x[:, 2] contains NaN at index 3")):
            impl.discretize(two, bins=bins, strategy=strategy)
        with pytest.raises(ValueError, match=r"^x contains NaN at index 150001"):
            impl.differential_entropy(np.where(np.arange(x.size) == 150_001, np.nan, 0.0))


@pytest.mark.parametrize("impl", IMPLS)
def test_samples_outside_explicit_edges(impl: Any) -> None:
    x = np.array([0.5, 0.25, 2.0, -1.0])
    with pytest.raises(
        ValueError, match=r"^x has the value 2\.0 at index 2, outside the bin edges"
    ):
        impl.discretize(x, bins=[0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match=r"^x has the value -1\.0 at index 3"):
        impl.discretize(x, bins=[0.0, 5.0])
    with pytest.raises(ValueError, match=r"^y has the value 2\.0 at index 2"):
        impl.mutual_information(x.astype(int), x, bins=[0.0, 0.5, 1.0])


BAD_BINS = [
    (0, ValueError, r"bins must be at least 1"),
    (-3, ValueError, r"bins must be at least 1"),
    (2**32 + 1, ValueError, r"bins must be at most"),
    (1.5, TypeError, r"bins must be"),
    (10.0, TypeError, r"bins must be"),
    (True, TypeError, r"bins must be"),
    (None, TypeError, r"bins must be"),
    ("bogus", ValueError, r"bins must be .*'fd'"),
    ("doane", ValueError, r"bins must be"),
    ([1.0], ValueError, r"bins: at least 2 bin edges"),
    ([], ValueError, r"bins: at least 2 bin edges"),
    ([[0.0, 1.0], [2.0, 3.0]], ValueError, r"bins: .*1-D"),
    ([0.0, 0.0, 1.0], ValueError, r"bins: bin edges must increase strictly.*edge 0"),
    ([0.0, 2.0, 1.0], ValueError, r"bins: bin edges must increase strictly.*edge 1"),
    ([0.0, np.nan], ValueError, r"bins: bin edge 1 is nan"),
    ([-np.inf, 0.0, np.inf], ValueError, r"bins: bin edge 0 is -inf"),
    (["a", "b"], TypeError, r"bins: bin edges must be real numbers"),
    ([True, False], TypeError, r"bins: bin edges must be real numbers"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("bins", "exc", "message"), BAD_BINS, ids=[repr(b[0])[:20] for b in BAD_BINS]
)
def test_bad_bins(impl: Any, bins: Any, exc: type, message: str) -> None:
    x = np.linspace(0, 1, 10)
    with pytest.raises(exc, match=message):
        impl.discretize(x, bins=bins)
    if bins is not None:  # bins=None means "no bins": the default nearest-neighbour estimate
        with pytest.raises(exc, match=message):
            impl.differential_entropy(x, bins=bins)
        with pytest.raises(exc, match=message):
            impl.mutual_information(x, x, bins=bins)


@pytest.mark.parametrize("impl", IMPLS)
def test_bad_strategy_and_memory(impl: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.linspace(0, 1, 10)
    with pytest.raises(ValueError, match=r"strategy must be one of"):
        impl.discretize(x, strategy="equal")
    with pytest.raises(TypeError, match=r"strategy must be a string"):
        impl.discretize(x, strategy=1)
    with pytest.raises(ValueError, match=r"strategy='quantile'.*not as explicit edges"):
        impl.discretize(x, bins=[0.0, 1.0], strategy="quantile")
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000")
    with pytest.raises(MemoryError, match=r"bins: 1000000 bins would need"):
        impl.discretize(x, bins=1_000_000)
    with pytest.raises(ValueError, match=r"base must be"):
        impl.differential_entropy(x, base=-1)


BAD_SAMPLES = [
    ("empty", np.array([], dtype=np.float64), ValueError, r"x is empty"),
    ("empty-2d", np.zeros((0, 2)), ValueError, r"x is empty"),
    ("no-columns", np.zeros((4, 0)), ValueError, r"x has shape \(4, 0\)"),
    ("0-d", np.float64(1.0), ValueError, r"x must be 1-D .* 0-d"),
    ("3-d", np.zeros((2, 2, 2)), ValueError, r"x must be 1-D .* 3-d"),
    ("complex", np.ones(4) + 1j, TypeError, r"x has dtype complex128"),
    ("strings", np.array(["a", "b"]), TypeError, r"x has dtype <U1"),
    ("objects", np.array([1.0, None]), TypeError, r"x has dtype object"),
    ("longdouble", np.ones(3, dtype=np.longdouble), TypeError, r"x has dtype float128"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("x", "exc", "message"), [b[1:] for b in BAD_SAMPLES], ids=[b[0] for b in BAD_SAMPLES]
)
def test_bad_samples(impl: Any, x: Any, exc: type, message: str) -> None:
    if x.dtype == np.longdouble and np.dtype(np.longdouble).itemsize <= 8:
        pytest.skip("long double is double here")
    with pytest.raises(exc, match=message):
        impl.discretize(x, bins=4)
    with pytest.raises(exc, match=message):
        impl.differential_entropy(x, bins=4)


def test_categorical_is_refused() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match=r"x is categorical"):
        fastinfo.discretize(pd.Categorical(["a", "b"]), bins=2)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_range_that_overflows(impl: Any, dtype: Any) -> None:
    big = np.finfo(dtype).max
    x = np.array([-big, 0.0, big], dtype=dtype)
    for bins in [4, "fd"]:
        with pytest.raises(ValueError, match=r"x spans .* overflows"):
            impl.discretize(x, bins=bins)
    # Explicit edges need no width arithmetic.
    assert impl.discretize(x, bins=[-big, 0.0, big])[0].tolist() == [0, 1, 1]


def test_rule_that_asks_for_too_many_bins() -> None:
    # A tiny IQR next to a huge outlier: Freedman-Diaconis asks for ~1e19 bins.
    x = np.concatenate([np.zeros(1000), np.full(1000, 1e-12), [1e9]])
    with pytest.raises((ValueError, MemoryError), match=r"bins='fd'"):
        fastinfo.discretize(x, bins="fd")
    with pytest.raises((ValueError, MemoryError), match=r"bins='fd'"):
        fastinfo.reference.discretize(x, bins="fd")


# ---------------------------------------------------------------------------------------------
# differential_entropy: closed forms and identities


def normal_entropy(sigma: float) -> float:
    return 0.5 * math.log(2 * math.pi * math.e * sigma**2)


@pytest.mark.parametrize("a", [1e-3, 0.5, 1.0, 4.0, 1e4])
def test_uniform_is_log_width(a: float) -> None:
    x = np.random.default_rng(6).uniform(0.0, a, 200_000)
    for bins in ["fd", 100, "sturges"]:
        h = fastinfo.differential_entropy(x, bins=bins)
        assert abs(h - math.log(a)) < 0.01, (bins, h)


@pytest.mark.parametrize("sigma", [0.01, 0.1, 1.0, 30.0])
def test_normal_closed_form_and_negative(sigma: float) -> None:
    x = np.random.default_rng(7).normal(0.0, sigma, 200_000)
    h = fastinfo.differential_entropy(x)
    assert abs(h - normal_entropy(sigma)) < 0.01
    assert (h < 0) == (normal_entropy(sigma) < 0)
    assert abs(fastinfo.differential_entropy(x, bins=256) - normal_entropy(sigma)) < 0.02
    assert fastinfo.differential_entropy(x, base=2) == pytest.approx(h / math.log(2), rel=1e-12)


def test_change_of_variables() -> None:
    x = np.random.default_rng(8).normal(0.0, 1.0, 100_000)
    h = fastinfo.differential_entropy(x, bins=64)
    # A power of two rescales every edge exactly: the same bins, exactly log|a| more.
    for k in [-20, -1, 3, 40]:
        scaled = fastinfo.differential_entropy(x * 2.0**k, bins=64)
        assert scaled == pytest.approx(h + k * math.log(2), abs=1e-12)
    # Any other factor moves samples across edges: equal within the estimator's error.
    for a in [1e-3, 0.37, -3.0, 1e5]:
        assert fastinfo.differential_entropy(a * x, bins=64) == pytest.approx(
            h + math.log(abs(a)), abs=2e-3
        )
        assert fastinfo.differential_entropy(a * x + 5.0, bins=64) == pytest.approx(
            h + math.log(abs(a)), abs=2e-3
        )


def test_joint_differential_entropy() -> None:
    rng = np.random.default_rng(9)
    cov = np.array([[1.0, 0.6], [0.6, 0.5]])
    x = rng.multivariate_normal([0.0, 0.0], cov, 400_000)
    exact = 0.5 * math.log((2 * math.pi * math.e) ** 2 * np.linalg.det(cov))
    h = fastinfo.differential_entropy(x, bins=60)
    assert abs(h - exact) < 0.05
    # Independent columns: the joint estimate is close to the sum of the marginals (its MI
    # estimate is the bias of the plug-in MI only).
    independent = np.column_stack([rng.normal(0, 1, 400_000), rng.uniform(0, 2, 400_000)])
    joint = fastinfo.differential_entropy(independent, bins=30)
    marginals = sum(fastinfo.differential_entropy(independent[:, j], bins=30) for j in range(2))
    assert abs(joint - marginals) < 0.01
    # The joint estimate is H(labels) + E[log volume], volumes the product of the bin widths.
    labels, edges = fastinfo.discretize(x, bins=60)
    widths = [np.diff(e) for e in edges]
    log_volume = np.log(widths[0][labels[:, 0]]) + np.log(widths[1][labels[:, 1]])
    assert h == pytest.approx(fastinfo.entropy(labels) + log_volume.mean(), abs=1e-12)
    assert h == pytest.approx(fastinfo.reference.differential_entropy(x, bins=60), abs=1e-12)


@given(x=float_samples(), bins=BINS, two=st.booleans())
def test_hypothesis_differential_entropy_matches_reference(
    x: np.ndarray, bins: Any, two: bool
) -> None:
    if two:
        with np.errstate(over="ignore"):
            x = np.column_stack([x, x[::-1] * 2])
    try:
        expected = fastinfo.reference.differential_entropy(x, bins=bins)
    except (ValueError, MemoryError) as exc:
        with pytest.raises(type(exc)):
            fastinfo.differential_entropy(x, bins=bins)
        return
    h = fastinfo.differential_entropy(x, bins=bins)
    assert h == pytest.approx(expected, rel=1e-12, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# bins= in the samples functions


def correlated(n: int, rho: float, seed: int = 10) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=n)
    return x, y


def test_float_without_bins_is_still_a_type_error() -> None:
    x, y = correlated(100, 0.5)
    for impl in (fastinfo, fastinfo.reference):
        with pytest.raises(TypeError, match=r"x has floating-point dtype float64.*bins="):
            impl.mutual_information(x, y)
        with pytest.raises(TypeError, match=r"(?i)discreti[sz]e.*astype\(np\.int64\)"):
            impl.entropy(x)


@pytest.mark.parametrize("bins", [8, "fd", "sturges", np.linspace(-6, 6, 25)])
def test_bins_equals_discretising_first(bins: Any) -> None:
    x, y = correlated(50_000, 0.7)
    z = (x + y > 0).astype(np.int8)
    lx, ly = fastinfo.discretize(x, bins=bins)[0], fastinfo.discretize(y, bins=bins)[0]
    pairs = [
        (fastinfo.entropy(x, bins=bins), fastinfo.entropy(lx)),
        (fastinfo.joint_entropy(x, y, z, bins=bins), fastinfo.joint_entropy(lx, ly, z)),
        (fastinfo.conditional_entropy(x, y, bins=bins), fastinfo.conditional_entropy(lx, ly)),
        (fastinfo.mutual_information(x, y, bins=bins), fastinfo.mutual_information(lx, ly)),
        (
            fastinfo.conditional_mutual_information(x, y, z, bins=bins),
            fastinfo.conditional_mutual_information(lx, ly, z),
        ),
        (
            fastinfo.mutual_information(np.column_stack([x, y]), z, bins=bins),
            fastinfo.mutual_information(np.column_stack([lx, ly]), z),
        ),
    ]
    for got, expected in pairs:
        assert got == expected
    references = [
        fastinfo.reference.entropy(x, bins=bins),
        fastinfo.reference.joint_entropy(x, y, z, bins=bins),
        fastinfo.reference.conditional_entropy(x, y, bins=bins),
        fastinfo.reference.mutual_information(x, y, bins=bins),
        fastinfo.reference.conditional_mutual_information(x, y, z, bins=bins),
        fastinfo.reference.mutual_information(np.column_stack([x, y]), z, bins=bins),
    ]
    for (got, _), expected in zip(pairs, references):
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_labels_next_to_binned_floats_are_used_unchanged() -> None:
    rng = np.random.default_rng(11)
    a = rng.integers(0, 1000, 10_000)
    f = a + rng.normal(size=10_000)
    labels_f, _ = fastinfo.discretize(f, bins=4)
    assert fastinfo.mutual_information(a, f, bins=4) == fastinfo.mutual_information(a, labels_f)
    s = np.array(["u", "v"])[a % 2]
    assert fastinfo.mutual_information(s, f, bins=4) == fastinfo.mutual_information(s, labels_f)
    pd = pytest.importorskip("pandas")
    cat = pd.Categorical(s)
    assert fastinfo.conditional_entropy(f, cat, bins=4) == fastinfo.conditional_entropy(labels_f, s)
    assert fastinfo.reference.mutual_information(cat, f, bins=4) == pytest.approx(
        fastinfo.mutual_information(s, labels_f)
    )
    nullable = pd.array([1, 2, 1], dtype="Int64")
    binned_head, _ = fastinfo.discretize(f[:3], bins=4)
    assert fastinfo.mutual_information(nullable, f[:3], bins=4) == fastinfo.mutual_information(
        [1, 2, 1], binned_head
    )
    floats = pd.Series(rng.normal(size=1000))
    assert fastinfo.entropy(floats, bins=10) == fastinfo.entropy(floats.to_numpy(), bins=10)
    with pytest.raises(ValueError, match=r"y contains a missing value at index 1"):
        fastinfo.mutual_information(a[:3], pd.array([0.5, None, 1.0], dtype="Float64"), bins=2)


BINS_WITHOUT_FLOATS = [
    ("entropy", ([1, 2, 3],), "x (int64)"),
    ("joint_entropy", ([1, 2, 3], [True, False, True]), "variables[1] (bool)"),
    ("conditional_entropy", (["a", "b", "a"], [0, 1, 1]), "given (int64)"),
    ("mutual_information", ([0, 1, 1], np.array([3, 4, 4], dtype=np.uint16)), "y (uint16)"),
    ("conditional_mutual_information", ([0, 1, 1], [0, 1, 0], [1, 1, 0]), "given (int64)"),
    ("mutual_information_with", (np.array([[0, 1], [1, 1], [1, 0]]), [0, 1, 1]), "X (int64)"),
    ("mutual_information_matrix", (np.array([[0, 1], [1, 1], [1, 0]]),), "X (int64)"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("name", "args", "named"), BINS_WITHOUT_FLOATS, ids=lambda v: str(v)[:30])
@pytest.mark.parametrize("bins", [4, "fd", [0.0, 0.5, 1.0]], ids=repr)
def test_bins_without_float_samples_is_refused(
    impl: Any, name: str, args: tuple[Any, ...], named: str, bins: Any
) -> None:
    """bins= was silently ignored for labels (issue 11): every function taking bins= refuses it
    when no argument is floating point, naming bins and the arguments' dtypes."""
    with pytest.raises(ValueError, match=r"^bins=.* was given, but no argument holds float") as e:
        getattr(impl, name)(*args, bins=bins)
    assert named in str(e.value)
    assert "Drop bins=" in str(e.value)
    # Without bins= the same call works; with one float argument bins= is used.
    getattr(impl, name)(*args)


def test_gaussian_mutual_information_and_invariance() -> None:
    rho = 0.8
    x, y = correlated(1_000_000, rho)
    exact = -0.5 * math.log(1 - rho**2)
    i = fastinfo.mutual_information(x, y, bins=100)
    assert abs(i - exact) < 0.02
    # Rescaling by a power of two (and shifting by a multiple of the width) leaves the bins, and
    # so the estimate, unchanged; any other affine map changes it only within the estimator's
    # error. Differential entropy moves by log|a| meanwhile.
    assert fastinfo.mutual_information(x * 2.0**-7, y * 2.0**10, bins=100) == i
    assert fastinfo.mutual_information(-3.3 * x + 1.0, 0.01 * y, bins=100) == pytest.approx(
        i, abs=3e-3
    )
    hx = fastinfo.differential_entropy(x, bins=100)
    assert fastinfo.differential_entropy(-3.3 * x + 1.0, bins=100) == pytest.approx(
        hx + math.log(3.3), abs=3e-3
    )
    # Miller-Madow reduces the upward bias of the binned estimate.
    mm = fastinfo.mutual_information(x[:20_000], y[:20_000], bins=100, estimator="miller_madow")
    plugin = fastinfo.mutual_information(x[:20_000], y[:20_000], bins=100)
    assert abs(mm - exact) < abs(plugin - exact)


@pytest.mark.parametrize("impl", IMPLS)
def test_bins_errors_name_the_variable(impl: Any) -> None:
    x, y = correlated(10, 0.5)
    y[4] = np.nan
    with pytest.raises(ValueError, match=r"^y contains NaN at index 4"):
        impl.mutual_information(x, y, bins=4)
    with pytest.raises(ValueError, match=r"^given contains NaN at index 4"):
        impl.conditional_entropy(x, y, bins="fd")
    with pytest.raises(ValueError, match=re.escape("variables[1][:, 1] contains NaN at index 4")):
        impl.joint_entropy(x, np.column_stack([x, y]), bins=3)
    with pytest.raises(ValueError, match=r"y has 9 samples but x has 10"):
        impl.mutual_information(x, x[:9], bins=4)


# ---------------------------------------------------------------------------------------------
# Threads and docs


def test_identical_for_any_thread_count(restore_threads: int) -> None:
    rng = np.random.default_rng(12)
    x = rng.normal(size=(400_001, 2))
    v = rng.standard_cauchy(1_000_003).astype(np.float32)
    results = {}
    for threads in [1, 2, 3]:
        fastinfo.set_num_threads(threads)
        results[threads] = (
            fastinfo.discretize(v, bins=1000)[0],
            fastinfo.discretize(x, bins="fd")[0],
            fastinfo.differential_entropy(x, bins=40),
            fastinfo.differential_entropy(v, bins=np.linspace(-1e9, 1e9, 7)),
            fastinfo.mutual_information(x[:, 0], x[:, 1], bins=50),
        )
    for threads in [2, 3]:
        for a, b in zip(results[1], results[threads]):
            if isinstance(a, float):
                assert a == b
            else:
                assert a.dtype == b.dtype
                np.testing.assert_array_equal(a, b)


# ---------------------------------------------------------------------------------------------
# Edge cases found by a bad-input review


@pytest.mark.parametrize("module", [fastinfo, fastinfo.reference], ids=["fastinfo", "reference"])
def test_constant_column_has_minus_infinite_differential_entropy(module: Any) -> None:
    z = np.random.default_rng(0).normal(size=1000)
    assert module.differential_entropy(np.full(100, 3.0)) == -np.inf
    assert module.differential_entropy(np.full(100, 3.0), bins=5) == -np.inf
    assert module.differential_entropy(np.c_[z, np.ones_like(z)]) == -np.inf
    assert np.isfinite(module.differential_entropy(z))


def test_rule_with_too_many_bins_raises_memory_error_naming_bins() -> None:
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(size=10_000) * 1e-10, 1e6]  # a tight bulk and one far outlier
    for call in (
        lambda: fastinfo.discretize(x, bins="fd"),
        lambda: fastinfo.differential_entropy(x, bins="fd"),
        lambda: fastinfo.mutual_information(x, x, bins="fd"),
    ):
        with pytest.raises(MemoryError, match="bins='fd'"):
            call()


def test_rule_bins_respect_the_memory_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")
    x = np.r_[np.random.default_rng(0).normal(size=10_000) * 1e-6, 1.0]  # ~8 million fd bins
    with pytest.raises(MemoryError, match="FASTINFO_MEMORY_LIMIT"):
        fastinfo.discretize(x, bins="fd")
