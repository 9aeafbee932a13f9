"""Tests of the labeling comparisons: normalised and adjusted MI, variation of information.

Evidence, each able to fail on its own:

1. scikit-learn's ``normalized_mutual_info_score`` / ``adjusted_mutual_info_score`` on generated
   labelings and on *every* pair of labelings of up to 5 samples (its special cases included);
2. the pure-numpy twin :mod:`fastinfo.reference` (the textbook triple sum with log-gammas);
3. the expected MI against high-precision (mpmath) values and exact identities at a million
   samples, where scikit-learn's own value is only good to ~1e-9;
4. identities: symmetry, invariance under renaming, ``AMI(x, x) = 1``, VI is a metric;
5. bad inputs and bit-for-bit determinism across thread counts.

Tolerances. NMI: ``1e-13`` absolute (both sides round a few terms). AMI divides by
``mean(H) - E[I]``, so errors of ``I``, ``E[I]`` and the entropies are amplified by its inverse:
the tolerance is ``1e-11 (1 + |AMI|) / (mean(H) - E[I])`` -- scikit-learn's expected MI is
``exp`` of a sum of nine log-gammas, accurate to about ``n log(n) * 2e-16`` relative, i.e.
``~1e-12`` for the sizes drawn here; fastinfo's is accurate to ~1e-15 (checked against mpmath).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import mpmath
import numpy as np
import pytest
import sklearn.metrics
from helpers import IMPLS
from hypothesis import given, note
from hypothesis import strategies as st
from sklearn.metrics.cluster._expected_mutual_info_fast import (
    expected_mutual_information as sklearn_emi,
)

import fastinfo
import fastinfo.reference as reference
from fastinfo import _native

AVERAGES = ("min", "geometric", "arithmetic", "max")
averages = st.sampled_from(AVERAGES)
EPS = float(np.finfo(np.float64).eps)


def sklearn_nmi(x: Any, y: Any, average: str) -> float:
    return float(sklearn.metrics.normalized_mutual_info_score(x, y, average_method=average))


def sklearn_ami(x: Any, y: Any, average: str) -> float:
    return float(sklearn.metrics.adjusted_mutual_info_score(x, y, average_method=average))


def entropy_of(sizes: np.ndarray) -> float:
    p = sizes[sizes > 0] / sizes.sum()
    return float(-np.sum(p * np.log(p)))


def ami_tolerance(x: Any, y: Any, average: str, ami: float) -> float:
    """``1e-11 (1 + |AMI|) / (mean(H) - E[I])`` (module docstring)."""
    a = np.unique(np.asarray(x), return_counts=True)[1]
    b = np.unique(np.asarray(y), return_counts=True)[1]
    if a.size == 1 or b.size == 1:
        return 0.0
    emi = _native.expected_mutual_information(a.astype(np.int64), b.astype(np.int64))
    hx, hy = entropy_of(a), entropy_of(b)
    mean = {
        "min": min(hx, hy),
        "max": max(hx, hy),
        "arithmetic": (hx + hy) / 2,
        "geometric": math.sqrt(hx * hy),
    }[average]
    return 1e-11 * (1 + abs(ami)) / max(mean - emi, EPS)


@st.composite
def labelings(draw: st.DrawFn, max_n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """Two dependent labelings: sizes from 1, cluster counts from 1 to n, any dependence."""
    n = draw(st.one_of(st.integers(1, 8), st.integers(1, max_n)))
    kx = draw(st.one_of(st.integers(1, 4), st.integers(1, n)))
    ky = draw(st.one_of(st.integers(1, 4), st.integers(1, n)))
    noise = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    alpha = draw(st.sampled_from([0.3, 1.0, 50.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.choice(kx, size=n, p=rng.dirichlet(np.full(kx, alpha)))
    y = rng.integers(0, ky, size=kx)[x]
    mask = rng.random(n) < noise
    y[mask] = rng.integers(0, ky, size=int(mask.sum()))
    dtype = draw(st.sampled_from(["int64", "uint8", "int16", "str"]))
    if dtype == "str":
        y = np.array([f"c{v}" for v in y])
    elif dtype == "uint8":
        x, y = x % 256, (y * 7) % 256
        x, y = x.astype(np.uint8), y.astype(np.uint8)
    else:
        y = y.astype(dtype) - 3
    note(f"n={n} kx={kx} ky={ky} noise={noise} alpha={alpha} seed={seed} dtype={dtype}")
    return x, y


# ---------------------------------------------------------------------------------------------
# 1. scikit-learn


@given(labelings(), averages)
def test_nmi_matches_sklearn(pair: tuple[np.ndarray, np.ndarray], average: str) -> None:
    x, y = pair
    got = fastinfo.normalized_mutual_information(x, y, average=average)
    assert type(got) is float
    assert math.isclose(got, sklearn_nmi(x, y, average), rel_tol=0, abs_tol=1e-13)
    assert -1e-15 <= got <= 1 + 1e-15


@given(labelings(), averages)
def test_ami_matches_sklearn(pair: tuple[np.ndarray, np.ndarray], average: str) -> None:
    x, y = pair
    got = fastinfo.adjusted_mutual_information(x, y, average=average)
    assert type(got) is float
    expected = sklearn_ami(x, y, average)
    tolerance = ami_tolerance(x, y, average, expected)
    note(f"got {got!r} expected {expected!r} tolerance {tolerance:.3e}")
    assert abs(got - expected) <= tolerance
    assert got <= 1 + 1e-12


def _partitions(n: int) -> list[list[int]]:
    """Every labeling of n samples up to renaming (restricted growth strings)."""
    out: list[list[int]] = []

    def extend(prefix: list[int], largest: int) -> None:
        if len(prefix) == n:
            out.append(prefix)
            return
        for v in range(largest + 2):
            extend([*prefix, v], max(largest, v))

    extend([0], 0)
    return out


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_every_pair_of_tiny_labelings_matches_sklearn(n: int) -> None:
    # All special cases at once: single clusters, all-distinct, identical, n = 1, n = 2.
    averages_here = AVERAGES if n <= 4 else ("arithmetic",)
    for x, y in itertools.product(_partitions(n), repeat=2):
        for average in averages_here:
            nmi = fastinfo.normalized_mutual_information(x, y, average=average)
            assert math.isclose(nmi, sklearn_nmi(x, y, average), abs_tol=1e-14), (x, y)
            ami = fastinfo.adjusted_mutual_information(x, y, average=average)
            expected = sklearn_ami(x, y, average)
            tolerance = max(ami_tolerance(x, y, average, expected), 1e-14)
            assert abs(ami - expected) <= tolerance, (x, y, average, ami, expected)


@pytest.mark.parametrize(
    ("x", "y", "nmi", "ami"),
    [
        pytest.param([0], [5], 1.0, 1.0, id="one-sample"),
        pytest.param([3, 3, 3], [1, 1, 1], 1.0, 1.0, id="both-single-cluster"),
        pytest.param([3, 3, 3, 3], [0, 1, 2, 3], 0.0, 0.0, id="one-single-cluster"),
        pytest.param([0, 1, 2, 3], [7, 7, 7, 7], 0.0, 0.0, id="single-cluster-second"),
        pytest.param(list(range(50)), list(range(50, 100)), 1.0, 1.0, id="all-distinct-both"),
        pytest.param([0, 0, 1, 1], ["b", "b", "a", "a"], 1.0, 1.0, id="renamed"),
        pytest.param([0, 0, 1, 1], [0, 1, 0, 1], 0.0, -0.5, id="independent-exact"),
    ],
)
def test_special_cases_are_exact(x: list[Any], y: list[Any], nmi: float, ami: float) -> None:
    for average in AVERAGES:
        for impl in (fastinfo, reference):
            assert impl.normalized_mutual_information(x, y, average=average) == nmi
            got = impl.adjusted_mutual_information(x, y, average=average)
            assert math.isclose(got, ami, abs_tol=1e-15), (impl.__name__, average, got)
        assert math.isclose(sklearn_nmi(x, y, average), nmi, abs_tol=1e-15)
        assert math.isclose(sklearn_ami(x, y, average), ami, abs_tol=1e-15)


def test_all_distinct_against_a_clustering_is_zero_up_to_rounding() -> None:
    # I = E[I] = H(y) exactly: AMI is 0, up to rounding, as in scikit-learn.
    rng = np.random.default_rng(3)
    x = np.arange(500)
    y = rng.integers(0, 7, 500)
    got = fastinfo.adjusted_mutual_information(x, y)
    assert abs(got) < 1e-12
    assert abs(sklearn_ami(x, y, "arithmetic")) < 1e-12


def test_large_input_matches_sklearn() -> None:
    # 200k samples, 60 x 80 labels: scikit-learn's expected MI is good to ~n log(n) eps relative.
    rng = np.random.default_rng(11)
    n = 200_000
    x = rng.integers(0, 60, n)
    y = np.where(rng.random(n) < 0.02, x, rng.integers(0, 80, n))
    got = fastinfo.adjusted_mutual_information(x, y)
    expected = sklearn_ami(x, y, "arithmetic")
    assert abs(got - expected) <= 1e-8 * abs(expected)
    nmi = fastinfo.normalized_mutual_information(x, y, average="geometric")
    assert math.isclose(nmi, sklearn_nmi(x, y, "geometric"), rel_tol=1e-12)


# ---------------------------------------------------------------------------------------------
# 2. Reference twin


@given(labelings(max_n=120), averages)
def test_matches_reference(pair: tuple[np.ndarray, np.ndarray], average: str) -> None:
    x, y = pair
    nmi = fastinfo.normalized_mutual_information(x, y, average=average)
    assert math.isclose(
        nmi, reference.normalized_mutual_information(x, y, average=average), abs_tol=1e-13
    )
    ami = fastinfo.adjusted_mutual_information(x, y, average=average)
    expected = reference.adjusted_mutual_information(x, y, average=average)
    assert abs(ami - expected) <= max(ami_tolerance(x, y, average, expected), 1e-14)
    for base in (None, 2):
        vi = fastinfo.variation_of_information(x, y, base=base)
        assert math.isclose(
            vi, reference.variation_of_information(x, y, base=base), rel_tol=1e-12, abs_tol=1e-13
        )


def test_two_dimensional_labelings_are_their_rows() -> None:
    rng = np.random.default_rng(5)
    x2 = rng.integers(0, 3, (300, 2))
    x1 = x2[:, 0] * 3 + x2[:, 1]
    y = (x1 + rng.integers(0, 2, 300)) % 5
    for f in ("normalized_mutual_information", "adjusted_mutual_information"):
        assert getattr(fastinfo, f)(x2, y) == getattr(fastinfo, f)(x1, y)
        assert math.isclose(getattr(fastinfo, f)(x2, y), getattr(reference, f)(x2, y))
    assert math.isclose(
        fastinfo.variation_of_information(x2, y), fastinfo.variation_of_information(x1, y)
    )


# ---------------------------------------------------------------------------------------------
# 3. The expected mutual information


def _mpmath_emi(a: list[int], b: list[int]) -> float:
    mpmath.mp.dps = 40
    n = sum(a)
    lf = [mpmath.loggamma(k + 1) for k in range(n + 1)]
    total = mpmath.mpf(0)
    for ai in a:
        for bj in b:
            for k in range(max(1, ai + bj - n), min(ai, bj) + 1):
                log_p = (
                    lf[ai] + lf[bj] + lf[n - ai] + lf[n - bj] - lf[n]
                    - lf[k] - lf[ai - k] - lf[bj - k] - lf[n - ai - bj + k]
                )  # fmt: skip
                total += (
                    mpmath.mpf(k)
                    / n
                    * mpmath.log(mpmath.mpf(k) * n / (ai * bj))
                    * mpmath.exp(log_p)
                )
    return float(total)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 1], [1, 1]),
        ([5, 3, 2], [4, 4, 2]),
        ([40, 30, 20, 9, 1], [25, 25, 25, 25]),
        ([150, 100, 50], [120, 90, 60, 30]),
        ([1] * 30, [10, 10, 5, 5]),
    ],
)
def test_expected_mi_matches_high_precision(a: list[int], b: list[int]) -> None:
    exact = _mpmath_emi(a, b)
    got = _native.expected_mutual_information(np.array(a), np.array(b))
    assert math.isclose(got, exact, rel_tol=4e-15)
    swapped = _native.expected_mutual_information(np.array(b), np.array(a))
    assert math.isclose(swapped, exact, rel_tol=4e-15)


def test_expected_mi_matches_sklearn_on_random_margins() -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        n = int(rng.integers(2, 2000))
        a = np.bincount(rng.integers(0, int(rng.integers(1, 40)), n))
        b = np.bincount(rng.integers(0, int(rng.integers(1, 40)), n))
        a, b = a[a > 0], b[b > 0]
        table = np.zeros((a.size, b.size))
        table[:, 0] = a  # any table with these margins: sklearn uses the margins only
        table[0, :] += b
        table[0, 0] -= n
        got = _native.expected_mutual_information(a, b)
        expected = sklearn_emi(table.astype(np.int64), n)
        assert math.isclose(got, expected, rel_tol=1e-11, abs_tol=1e-15)


def test_expected_mi_identities_at_a_million_samples() -> None:
    # One labeling all distinct: every table has MI = H(other), so E[I] = H(other) exactly.
    n = 1_000_000
    ones = np.ones(n, dtype=np.int64)
    b = np.array([400_000, 300_000, 200_000, 99_999, 1])
    assert math.isclose(_native.expected_mutual_information(ones, b), entropy_of(b), rel_tol=1e-13)
    # Many samples per cell: E[I] = (r - 1)(c - 1) / (2n) (1 + O(1/n)).
    a = np.full(10, n // 10)
    b = np.full(20, n // 20)
    emi = _native.expected_mutual_information(a, b)
    assert math.isclose(emi, 9 * 19 / (2 * n), rel_tol=1e-3)
    # Duplicated sizes share terms: the same value in any order.
    shuffled = np.random.default_rng(1).permutation(np.repeat([3, 7, 7, 90], 25))
    assert math.isclose(
        _native.expected_mutual_information(shuffled, np.array([shuffled.sum()])), 0.0
    )


def test_expected_mi_rejects_bad_margins() -> None:
    with pytest.raises(ValueError, match="b"):
        _native.expected_mutual_information(np.array([3, 4]), np.array([3, 3]))
    with pytest.raises(ValueError, match="a"):
        _native.expected_mutual_information(np.array([-1, 4]), np.array([3]))
    with pytest.raises(ValueError, match="a"):
        _native.expected_mutual_information(np.array([], dtype=np.int64), np.array([0]))


# ---------------------------------------------------------------------------------------------
# 4. Identities


@given(labelings(max_n=300), averages)
def test_symmetry_and_renaming(pair: tuple[np.ndarray, np.ndarray], average: str) -> None:
    x, y = pair
    nmi = fastinfo.normalized_mutual_information(x, y, average=average)
    ami = fastinfo.adjusted_mutual_information(x, y, average=average)
    vi = fastinfo.variation_of_information(x, y)
    assert math.isclose(nmi, fastinfo.normalized_mutual_information(y, x, average=average),
                        abs_tol=1e-14)  # fmt: skip
    assert abs(ami - fastinfo.adjusted_mutual_information(y, x, average=average)) <= max(
        ami_tolerance(x, y, average, ami) / 100, 1e-14
    )
    assert math.isclose(vi, fastinfo.variation_of_information(y, x), abs_tol=1e-14)
    renamed = np.random.default_rng(0).permutation(1000)[np.unique(x, return_inverse=True)[1]]
    assert math.isclose(nmi, fastinfo.normalized_mutual_information(renamed, y, average=average),
                        abs_tol=1e-14)  # fmt: skip
    assert fastinfo.adjusted_mutual_information(x, renamed, average=average) == 1.0
    assert fastinfo.normalized_mutual_information(renamed, x, average=average) == 1.0
    assert fastinfo.variation_of_information(x, renamed) == 0.0


@given(labelings(max_n=300), st.integers(0, 2**32 - 1))
def test_variation_of_information_is_a_metric(
    pair: tuple[np.ndarray, np.ndarray], seed: int
) -> None:
    x, y = pair
    z = np.random.default_rng(seed).integers(0, 4, x.shape[0])
    xy, yz, xz = (
        fastinfo.variation_of_information(x, y),
        fastinfo.variation_of_information(y, z),
        fastinfo.variation_of_information(x, z),
    )
    assert min(xy, yz, xz) >= 0.0
    assert xz <= xy + yz + 1e-12
    identity = fastinfo.entropy(x) + fastinfo.entropy(y) - 2 * fastinfo.mutual_information(x, y)
    assert math.isclose(xy, identity, abs_tol=1e-12)
    assert xy <= math.log(x.shape[0]) + 1e-12
    assert math.isclose(fastinfo.variation_of_information(x, y, base=2), xy / math.log(2))


# ---------------------------------------------------------------------------------------------
# 5. Bad inputs and threads

FUNCTIONS = [
    "normalized_mutual_information",
    "adjusted_mutual_information",
    "variation_of_information",
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    ("x", "y", "exc", "argument"),
    [
        ([], [], ValueError, "x"),
        ([1, 2], [], ValueError, "y"),
        ([1, 2, 3], [1, 2], ValueError, "y"),
        ([1.5, 2.0], [1, 2], TypeError, "x"),
        ([1, 2], np.array([0.5, 1.0]), TypeError, "y"),
        (np.zeros((2, 2, 2), dtype=int), [1, 2], ValueError, "x"),
        ([1, None], [1, 2], ValueError, "x"),
    ],
)
def test_bad_data(impl: Any, name: str, x: Any, y: Any, exc: type, argument: str) -> None:
    with pytest.raises(exc, match=rf"\b{argument}\b"):
        getattr(impl, name)(x, y)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", FUNCTIONS[:2])
@pytest.mark.parametrize(
    ("average", "exc"),
    [("mean", ValueError), ("MIN", ValueError), (None, TypeError), (1, TypeError)],
)
def test_bad_average(impl: Any, name: str, average: Any, exc: type) -> None:
    with pytest.raises(exc, match="average"):
        getattr(impl, name)([0, 1], [0, 1], average=average)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("base", "exc"), [(0, ValueError), (1, ValueError), ("2", TypeError)])
def test_bad_base(impl: Any, base: Any, exc: type) -> None:
    with pytest.raises(exc, match="base"):
        impl.variation_of_information([0, 1], [0, 1], base=base)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_arguments_are_positional_then_keyword(name: str) -> None:
    with pytest.raises(TypeError):
        getattr(fastinfo, name)(x=[0, 1], y=[0, 1])
    with pytest.raises(TypeError):
        getattr(fastinfo, name)([0, 1], [0, 1], "min")


def test_same_bits_for_any_thread_count() -> None:
    rng = np.random.default_rng(8)
    n = 300_000
    x = rng.integers(0, 700, n)
    y = np.where(rng.random(n) < 0.3, x % 300, rng.integers(0, 300, n))
    before = fastinfo.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            fastinfo.set_num_threads(threads)
            results.append(
                (
                    fastinfo.adjusted_mutual_information(x, y),
                    fastinfo.normalized_mutual_information(x, y, average="max"),
                    fastinfo.variation_of_information(x, y),
                )
            )
    finally:
        fastinfo.set_num_threads(before)
    assert results[0] == results[1] == results[2]
