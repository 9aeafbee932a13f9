"""Rényi and Tsallis entropies, from samples and from distributions: the definitions, the exact
limits (Hartley, Shannon, min-entropy), continuity at order 1, the reference twins, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo
import fastinfo.pmf
from fastinfo import reference

INF = float("inf")
ORDERS = [0.0, 0.25, 0.5, 0.9, 0.999, 1.0, 1.001, 1.5, 2.0, 3.0, 10.0, 200.0, INF]


def renyi_of(p: np.ndarray, alpha: float) -> float:
    p = p[p > 0] / p.sum()
    if alpha == 1:
        return float(-np.sum(p * np.log(p)))
    if alpha == 0:
        return math.log(p.size)
    if math.isinf(alpha):
        return float(-np.log(p.max()))
    return float(np.log(np.sum(p**alpha)) / (1 - alpha))


def tsallis_of(p: np.ndarray, q: float) -> float:
    p = p[p > 0] / p.sum()
    if q == 1:
        return float(-np.sum(p * np.log(p)))
    if math.isinf(q):
        return 0.0
    return float((1 - np.sum(p**q)) / (q - 1))


samples = st.lists(st.integers(-3, 40), min_size=1, max_size=300).map(np.array)


@given(samples, st.sampled_from(ORDERS))
@settings(max_examples=150)
def test_samples_match_the_definitions_and_reference(x, order):
    _, counts = np.unique(x, return_counts=True)
    p = counts.astype(float)
    assert fastinfo.renyi_entropy(x, alpha=order) == pytest.approx(renyi_of(p, order), abs=1e-12)
    assert fastinfo.tsallis_entropy(x, q=order) == pytest.approx(tsallis_of(p, order), abs=1e-12)
    assert fastinfo.renyi_entropy(x, alpha=order, base=2) == pytest.approx(
        reference.renyi_entropy(x, alpha=order, base=2), abs=1e-12
    )
    assert fastinfo.tsallis_entropy(x, q=order) == pytest.approx(
        reference.tsallis_entropy(x, q=order), abs=1e-12
    )


@given(st.lists(st.floats(0, 1e3), min_size=1, max_size=50).filter(lambda w: sum(w) > 0))
@settings(max_examples=150)
def test_distributions_match_reference_and_are_monotone(weights):
    p = np.array(weights)
    previous = INF
    for order in ORDERS:
        fast = fastinfo.pmf.renyi_entropy(p, alpha=order)
        assert fast == pytest.approx(reference.pmf.renyi_entropy(p, alpha=order), abs=1e-11)
        assert fast <= previous + 1e-12  # non-increasing in alpha
        previous = fast
        tsallis = fastinfo.pmf.tsallis_entropy(p, q=order)
        assert tsallis == pytest.approx(reference.pmf.tsallis_entropy(p, q=order), abs=1e-11)
        assert tsallis >= 0.0


def test_shannon_is_exactly_entropy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 50, 10_000)
    assert fastinfo.renyi_entropy(x, alpha=1) == fastinfo.entropy(x)
    assert fastinfo.tsallis_entropy(x, q=1.0) == fastinfo.entropy(x)
    assert fastinfo.renyi_entropy(x, alpha=1, base=2) == fastinfo.entropy(x, base=2)
    P = rng.dirichlet(np.ones(30), size=7)
    np.testing.assert_array_equal(fastinfo.pmf.renyi_entropy(P, alpha=1), fastinfo.pmf.entropy(P))
    np.testing.assert_array_equal(fastinfo.pmf.tsallis_entropy(P, q=1), fastinfo.pmf.entropy(P))


def test_limits_are_exact_and_continuous():
    p = np.array([0.5, 0.25, 0.125, 0.125, 0.0])
    shannon = 1.75 * math.log(2)
    assert fastinfo.pmf.renyi_entropy(p, alpha=0) == pytest.approx(math.log(4), abs=1e-15)
    assert fastinfo.pmf.renyi_entropy(p, alpha=INF) == pytest.approx(math.log(2), abs=1e-15)
    assert fastinfo.pmf.tsallis_entropy(p, q=0) == 3.0
    assert fastinfo.pmf.tsallis_entropy(p, q=INF) == 0.0
    for delta in (1e-13, 1e-10, 1e-7, 1e-4):
        for order in (1 - delta, 1 + delta):
            near = fastinfo.pmf.renyi_entropy(p, alpha=order)
            assert near == pytest.approx(shannon, abs=2 * delta), order
            near = fastinfo.pmf.tsallis_entropy(p, q=order)
            assert near == pytest.approx(shannon, abs=2 * delta), order
    # Large orders: no underflow to inf or NaN, the min-entropy in the limit.
    for order in (1e3, 1e6, 1e300):
        value = fastinfo.pmf.renyi_entropy(p, alpha=order)
        assert math.isfinite(value)
        assert value == pytest.approx(math.log(2), rel=1e-2)
    tiny = np.array([1e-300, 1.0])
    assert math.isfinite(fastinfo.pmf.renyi_entropy(tiny, alpha=50))


def test_hill_numbers_of_a_uniform_distribution():
    x = np.repeat(np.arange(8), 5)
    for order in ORDERS:
        assert math.exp(fastinfo.renyi_entropy(x, alpha=order)) == pytest.approx(8.0, rel=1e-12)


def test_batches_and_axes():
    rng = np.random.default_rng(1)
    P = rng.random((3, 4, 6))
    values = fastinfo.pmf.renyi_entropy(P, alpha=2, axis=1, base=2)
    assert values.shape == (3, 6)
    assert values[2, 5] == pytest.approx(
        fastinfo.pmf.renyi_entropy(P[2, :, 5], alpha=2, base=2), abs=1e-15
    )
    assert fastinfo.pmf.tsallis_entropy(P, q=3).shape == (3, 4)
    two_dimensional = rng.integers(0, 3, (500, 2))
    assert fastinfo.renyi_entropy(two_dimensional, alpha=2) == pytest.approx(
        reference.renyi_entropy(two_dimensional, alpha=2), abs=1e-13
    )


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
def test_bad_orders_for_samples(impl):
    for bad in (-0.5, float("nan"), -INF):
        with pytest.raises(ValueError, match="alpha"):
            impl.renyi_entropy([0, 1], alpha=bad)
        with pytest.raises(ValueError, match="q"):
            impl.tsallis_entropy([0, 1], q=bad)
    for bad in (True, "2", None):
        with pytest.raises(TypeError, match="alpha"):
            impl.renyi_entropy([0, 1], alpha=bad)
    with pytest.raises(TypeError, match="x"):
        impl.renyi_entropy([0.5, 1.5], alpha=2)
    with pytest.raises(ValueError, match="x"):
        impl.tsallis_entropy([], q=2)


@pytest.mark.parametrize("impl", [fastinfo.pmf, reference.pmf], ids=["fastinfo", "reference"])
def test_bad_distributions(impl):
    with pytest.raises(ValueError, match="alpha"):
        impl.renyi_entropy([0.5, 0.5], alpha=-1)
    with pytest.raises(ValueError, match="q"):
        impl.tsallis_entropy([0.5, 0.5], q=float("nan"))
    with pytest.raises(ValueError, match="p"):
        impl.renyi_entropy([0.5, -0.5], alpha=2)
    with pytest.raises(ValueError, match="p"):
        impl.renyi_entropy([0.5, np.nan], alpha=2)
    with pytest.raises(ValueError, match="p"):
        impl.tsallis_entropy([0.0, 0.0], q=2)
    with pytest.raises(ValueError, match="p"):
        impl.tsallis_entropy([0.5, 0.6], q=2, normalize=False)
