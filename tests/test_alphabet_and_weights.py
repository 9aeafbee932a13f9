"""The samples functions' table options: ``alphabet_size=`` (NSB) and ``sample_weight=``."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
import scipy.stats
from helpers.contract import expect
from test_estimators import mp_nsb, samples_of

import fastinfo
import fastinfo.reference as reference
from fastinfo._native import ESTIMATORS

FUNCTIONS = {
    "entropy": 1,
    "joint_entropy": 2,
    "conditional_entropy": 2,
    "mutual_information": 2,
    "conditional_mutual_information": 3,
}

# ndd 1.6.1's README histogram: ndd.entropy(README, k=100) = 2.840012048914245 nats.
README = [12, 4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2]


def data(n: int, seed: int, cards: tuple[int, ...] = (4, 3, 3)) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, cards[0], n)
    y = (x + rng.integers(0, 2, n)) % cards[1]
    z = rng.integers(0, cards[2], n)
    return [x, y, z]


# ---------------------------------------------------------------------------------------------
# NSB with a known alphabet size


# infomeasure 0.6.3 (approach="nsb", K=...) is not used as an oracle: it differs from ndd's
# published value and from mpmath (2.8629 at K=99 where ndd's integral gives 2.8399; NaN at
# K = n, where it counts no "coincidences"), so it is not in the test extra.


def test_published_nsb_value_through_the_api() -> None:
    x = samples_of(README)
    got = fastinfo.entropy(x, estimator="nsb", alphabet_size=100)
    assert got == pytest.approx(2.840012048914245, rel=1e-9)
    assert reference.entropy(x, estimator="nsb", alphabet_size=100) == pytest.approx(got, rel=1e-8)


@pytest.mark.parametrize(
    ("counts", "k"), [([1, 1, 1, 2, 7], 5), ([1, 1, 1, 2, 7], 40), ([30, 1], 2), ([30, 1], 1000)]
)
def test_nsb_with_alphabet_against_mpmath(counts: list[int], k: int) -> None:
    mpmath.mp.dps = 15
    got = fastinfo.entropy(samples_of(counts), estimator="nsb", alphabet_size=k)
    assert got == pytest.approx(float(mp_nsb(counts, k)), rel=1e-9)


def test_observed_alphabet_is_the_default() -> None:
    x = samples_of([1, 1, 1, 2, 7])
    assert fastinfo.entropy(x, estimator="nsb", alphabet_size=5) == pytest.approx(
        fastinfo.entropy(x, estimator="nsb"), rel=1e-13
    )


def test_a_constant_sample_gets_its_posterior_mean() -> None:
    # With K known, a constant sample is not certainly constant: the NSB posterior mean is > 0.
    x = np.zeros(10, dtype=np.int64)
    got = fastinfo.entropy(x, estimator="nsb", alphabet_size=4)
    assert 0 < got < np.log(4)
    # The posterior reaches far into beta -> 0, where the oracle's grid (t >= -20) cuts it.
    assert got == pytest.approx(float(mp_nsb([10], 4)), rel=1e-7)


@pytest.mark.parametrize("seed", [0, 1])
def test_combinations_use_the_products_of_the_sizes(seed: int) -> None:
    x, y, z = data(60, seed)
    kx, ky, kz = 6, 5, 4
    kw: dict[str, Any] = {"estimator": "nsb"}
    h = {
        "x": fastinfo.entropy(x, alphabet_size=kx, **kw),
        "y": fastinfo.entropy(y, alphabet_size=ky, **kw),
        "z": fastinfo.entropy(z, alphabet_size=kz, **kw),
        "xy": fastinfo.joint_entropy(x, y, alphabet_size=kx * ky, **kw),
        "xz": fastinfo.joint_entropy(x, z, alphabet_size=(kx, kz), **kw),
        "yz": fastinfo.joint_entropy(y, z, alphabet_size=(ky, kz), **kw),
        "xyz": fastinfo.joint_entropy(x, y, z, alphabet_size=(kx, ky, kz), **kw),
    }
    mi = fastinfo.mutual_information(x, y, alphabet_size=(kx, ky), **kw)
    assert mi == pytest.approx(max(h["x"] + h["y"] - h["xy"], 0.0), rel=1e-9, abs=1e-12)
    ce = fastinfo.conditional_entropy(x, z, alphabet_size=(kx, kz), **kw)
    assert ce == pytest.approx(max(h["xz"] - h["z"], 0.0), rel=1e-9, abs=1e-12)
    cmi = fastinfo.conditional_mutual_information(x, y, z, alphabet_size=(kx, ky, kz), **kw)
    expected = h["xz"] + h["yz"] - h["xyz"] - h["z"]
    assert cmi == pytest.approx(max(expected, 0.0), rel=1e-9, abs=1e-12)
    # The twin (an integral over xi instead of log beta) agrees.
    assert reference.mutual_information(x, y, alphabet_size=(kx, ky), **kw) == pytest.approx(
        mi, rel=1e-7, abs=1e-10
    )
    twin = reference.conditional_mutual_information(x, y, z, alphabet_size=(kx, ky, kz), **kw)
    assert twin == pytest.approx(cmi, rel=1e-7, abs=1e-10)


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
def test_bad_alphabet_sizes(impl: Any) -> None:
    x, y, _z = data(30, 3)
    nsb = {"estimator": "nsb"}
    expect(ValueError, "alphabet_size", impl.entropy, x, alphabet_size=3, **nsb)  # 4 observed
    expect(
        ValueError, "alphabet_size[1]", impl.mutual_information, x, y, alphabet_size=(4, 2), **nsb
    )
    expect(ValueError, "alphabet_size", impl.entropy, x, alphabet_size=10)  # not nsb
    expect(TypeError, "alphabet_size", impl.mutual_information, x, y, alphabet_size=5, **nsb)
    expect(ValueError, "alphabet_size", impl.mutual_information, x, y, alphabet_size=(5,), **nsb)
    expect(TypeError, "alphabet_size", impl.entropy, x, alphabet_size=True, **nsb)
    expect(TypeError, "alphabet_size", impl.entropy, x, alphabet_size=5.0, **nsb)
    expect(ValueError, "alphabet_size", impl.entropy, x, alphabet_size=0, **nsb)
    expect(ValueError, "alphabet_size", impl.entropy, x, alphabet_size=2**64, **nsb)
    expect(TypeError, "alphabet_size[0]", impl.joint_entropy, x, y, alphabet_size=("a", 4), **nsb)


def test_alphabet_products_beyond_64_bits_are_refused() -> None:
    x = np.arange(4)
    expect(
        ValueError,
        "alphabet_size",
        fastinfo.joint_entropy,
        x,
        x,
        estimator="nsb",
        alphabet_size=(2**40, 2**40),
    )


# ---------------------------------------------------------------------------------------------
# Sample weights


def call(name: str, impl: Any, variables: list[Any], **kwargs: Any) -> float:
    return float(getattr(impl, name)(*variables, **kwargs))


@pytest.mark.parametrize("name", list(FUNCTIONS))
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_integer_weights_are_repeated_samples(name: str, estimator: str) -> None:
    n = 40 if estimator == "nsb" else 300
    variables = data(n, 5)[: FUNCTIONS[name]]
    weights = np.random.default_rng(7).integers(0, 4, n)
    repeated = [np.repeat(v, weights) for v in variables]
    got = call(name, fastinfo, variables, estimator=estimator, sample_weight=weights)
    expected = call(name, fastinfo, repeated, estimator=estimator)
    assert got == pytest.approx(expected, rel=1e-15, abs=1e-15)
    twin = call(name, reference, variables, estimator=estimator, sample_weight=weights)
    assert twin == pytest.approx(expected, rel=1e-8 if estimator == "nsb" else 1e-12, abs=1e-14)


def test_integer_weights_give_the_same_bits_on_wide_labels() -> None:
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2**62, 50)[rng.integers(0, 50, 2000)]  # hashed tables
    y = rng.integers(0, 5, 2000)
    w = rng.integers(0, 3, 2000).astype(np.float64)
    for estimator in ("plugin", "miller_madow", "grassberger"):
        got = fastinfo.mutual_information(x, y, estimator=estimator, sample_weight=w)
        repeated = [np.repeat(v, w.astype(np.int64)) for v in (x, y)]
        assert got == fastinfo.mutual_information(*repeated, estimator=estimator)


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_real_weights_against_the_twin_and_scale_free(name: str) -> None:
    variables = data(500, 9)[: FUNCTIONS[name]]
    w = np.random.default_rng(1).random(500) * 3
    got = call(name, fastinfo, variables, sample_weight=w)
    assert got == pytest.approx(call(name, reference, variables, sample_weight=w), rel=1e-12)
    assert got == pytest.approx(call(name, fastinfo, variables, sample_weight=w * 1e-7), rel=1e-12)
    in_bits = call(name, fastinfo, variables, sample_weight=w, base=2)
    assert in_bits == pytest.approx(got / np.log(2), rel=1e-14)


def test_weighted_entropy_matches_scipy() -> None:
    x = np.array(["a", "b", "c", "a", "b"])
    w = np.array([0.5, 1.25, 0.25, 2.0, 0.0])
    got = fastinfo.entropy(x, sample_weight=w)
    assert got == pytest.approx(scipy.stats.entropy([2.5, 1.25, 0.25]), rel=1e-14)


def test_zero_weights_drop_samples() -> None:
    assert fastinfo.entropy([0, 1, 2], sample_weight=[1, 1, 0]) == pytest.approx(np.log(2))
    # A value seen only with weight 0 is not observed: alphabet_size 2 is enough.
    got = fastinfo.entropy(
        [0, 1, 2, 2], estimator="nsb", alphabet_size=2, sample_weight=[3, 2, 0, 0]
    )
    assert got == pytest.approx(fastinfo.entropy([0, 0, 0, 1, 1], estimator="nsb", alphabet_size=2))
    uniform = fastinfo.mutual_information([0, 1, 0, 1], [0, 1, 1, 0], sample_weight=np.ones(4))
    assert uniform == fastinfo.mutual_information([0, 1, 0, 1], [0, 1, 1, 0])


def test_two_dimensional_variables_are_weighted_by_row() -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, (200, 2))
    y = rng.integers(0, 2, 200)
    w = rng.integers(1, 4, 200)
    got = fastinfo.mutual_information(x, y, sample_weight=w)
    expected = fastinfo.mutual_information(np.repeat(x, w, axis=0), np.repeat(y, w))
    assert got == pytest.approx(expected, rel=1e-15, abs=1e-16)


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
@pytest.mark.parametrize(
    ("weights", "kind"),
    [
        ([1.0, np.nan, 1.0, 1.0], ValueError),
        ([1.0, np.inf, 1.0, 1.0], ValueError),
        ([1.0, -0.5, 1.0, 1.0], ValueError),
        ([1.0, 1.0, 1.0], ValueError),
        ([0.0, 0.0, 0.0, 0.0], ValueError),
        ([[1.0, 1.0, 1.0, 1.0]], ValueError),
        (["a", "b", "c", "d"], TypeError),
        ([1j, 1, 1, 1], TypeError),
    ],
    ids=["nan", "inf", "negative", "length", "all-zero", "2-d", "strings", "complex"],
)
def test_bad_weights(impl: Any, weights: Any, kind: type[Exception]) -> None:
    expect(
        kind,
        "sample_weight",
        impl.mutual_information,
        [0, 1, 0, 1],
        [0, 0, 1, 1],
        sample_weight=weights,
    )


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
@pytest.mark.parametrize("estimator", [e for e in ESTIMATORS if e != "plugin"])
def test_estimators_of_counts_refuse_real_weights(impl: Any, estimator: str) -> None:
    expect(
        ValueError,
        "sample_weight",
        impl.entropy,
        [0, 1, 1, 2],
        estimator=estimator,
        sample_weight=[0.5, 1, 1, 1],
    )


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
@pytest.mark.parametrize("top", [1e151, 1e250, 8.9e307, 1.7e308])
def test_weights_too_large_to_sum_give_the_same_estimates(impl: Any, top: float) -> None:
    """Weights whose sum overflowed float64 gave 0.0 (entropy of [1, 2] with weights [1e308,
    1e308]) or NaN: the plug-in depends on their ratios alone."""
    rng = np.random.default_rng(7)
    x, y, z = rng.integers(0, 3, 40), rng.integers(0, 2, 40), rng.integers(0, 2, 40)
    ratios = rng.uniform(0.1, 1.0, 40)
    big, small = ratios * top, ratios
    for f in (
        lambda w: impl.entropy(x, sample_weight=w),
        lambda w: impl.mutual_information(x, y, sample_weight=w),
        lambda w: impl.conditional_mutual_information(x, y, z, sample_weight=w),
    ):
        assert f(big) == pytest.approx(f(small), rel=1e-12, abs=1e-15)
    assert impl.entropy([1, 2], sample_weight=[1e308, 1e308]) == pytest.approx(math.log(2))
    with pytest.raises(ValueError, match=r"got -1e308 at index 1|-1e\+308"):
        impl.entropy([1, 2], sample_weight=[1e308, -1e308])
