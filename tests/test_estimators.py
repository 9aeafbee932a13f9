"""Bias-corrected entropy estimators: published and independently computed values, the reference
twin, identities, and a (deterministic) bias test against ground truth on generated data."""

from __future__ import annotations

import math
from typing import Any

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo
from fastinfo import reference
from fastinfo._inputs import ESTIMATORS

CORRECTED = [e for e in ESTIMATORS if e != "plugin"]
FAST = [e for e in ESTIMATORS if e != "nsb"]


def samples_of(counts: list[int]) -> np.ndarray:
    """Samples whose histogram is ``counts`` (value i repeated counts[i] times), shuffled."""
    x = np.repeat(np.arange(len(counts)), counts)
    return np.random.default_rng(0).permutation(x)


# ---------------------------------------------------------------------------------------------
# Independent values: mpmath at 30 digits, written from the defining formulas.


def mp_plugin(counts: list[int]) -> mpmath.mpf:
    n = sum(counts)
    return -sum(mpmath.mpf(c) / n * mpmath.log(mpmath.mpf(c) / n) for c in counts if c)


def mp_grassberger(counts: list[int]) -> mpmath.mpf:
    def g(k: int) -> mpmath.mpf:
        half = (mpmath.digamma(mpmath.mpf(k + 1) / 2) - mpmath.digamma(mpmath.mpf(k) / 2)) / 2
        return mpmath.digamma(k) + (-1) ** k * half

    n = sum(counts)
    return mpmath.log(n) - sum(c * g(c) for c in counts if c) / n


def mp_chao_shen(counts: list[int]) -> mpmath.mpf:
    n = sum(counts)
    f1 = sum(1 for c in counts if c == 1)
    f1 = n - 1 if f1 == n else f1
    coverage = 1 - mpmath.mpf(f1) / n
    total = mpmath.mpf(0)
    for c in counts:
        if c:
            pa = coverage * c / n
            total -= pa * mpmath.log(pa) / (1 - (1 - pa) ** n)
    return total


def mp_nsb(counts: list[int], k: int) -> mpmath.mpf:
    """Posterior mean of H: integrals of p(n | beta) xi'(beta) over beta = e^t, around the peak."""
    counts = [c for c in counts if c]
    n, m = sum(counts), len(counts)

    def log_weight(t: Any) -> Any:
        b = mpmath.exp(t)
        per_cell = sum(mpmath.loggamma(c + b) - mpmath.loggamma(b) for c in counts)
        evidence = mpmath.loggamma(k * b) - mpmath.loggamma(n + k * b) + per_cell
        slope = k * mpmath.polygamma(1, k * b + 1) - mpmath.polygamma(1, b + 1)
        return evidence + mpmath.log(slope) + t

    def mean_entropy(t: Any) -> Any:
        b = mpmath.exp(t)
        a = n + k * b
        cells = sum((c + b) * mpmath.digamma(c + b + 1) for c in counts)
        return mpmath.digamma(a + 1) - (cells + (k - m) * b * mpmath.digamma(b + 1)) / a

    grid = [mpmath.mpf(t) / 4 for t in range(-80, 81)]
    logs = [log_weight(t) for t in grid]
    peak = max(logs)
    alive = [t for t, v in zip(grid, logs) if v > peak - 40]
    lo, hi = alive[0] - 1, alive[-1] + 1
    points = [lo + (hi - lo) * i / 16 for i in range(17)]

    def weight(t: Any) -> Any:
        return mpmath.exp(log_weight(t) - peak)

    z = mpmath.quad(weight, points)
    return mpmath.quad(lambda t: weight(t) * mean_entropy(t), points) / z


def brute_jackknife(x: np.ndarray) -> float:
    """Leave every sample out in turn (numpy, no grouping)."""
    n = x.shape[0]
    leave_one_out = [reference.entropy(np.delete(x, j)) for j in range(n)]
    return n * reference.entropy(x) - (n - 1) / n * float(np.sum(leave_one_out))


COUNTS = [
    [4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2],  # ndd's README histogram
    [1, 1, 1, 2, 7],
    [30, 1],
    [3, 3, 3, 3],
]


@pytest.mark.parametrize("counts", COUNTS, ids=str)
def test_against_mpmath(counts: list[int]) -> None:
    mpmath.mp.dps = 30
    x = samples_of(counts)
    n, m = sum(counts), len(counts)
    expected = {
        "plugin": mp_plugin(counts),
        "miller_madow": mp_plugin(counts) + mpmath.mpf(m - 1) / (2 * n),
        "grassberger": mp_grassberger(counts),
        "chao_shen": mp_chao_shen(counts),
    }
    for estimator, value in expected.items():
        got = fastinfo.entropy(x, estimator=estimator)
        assert got == pytest.approx(float(value), rel=1e-13, abs=1e-15), estimator
    assert fastinfo.entropy(x, estimator="jackknife") == pytest.approx(
        brute_jackknife(x), rel=1e-12
    )


@pytest.mark.parametrize("counts", COUNTS[1:3], ids=str)
def test_nsb_against_mpmath(counts: list[int]) -> None:
    # fastinfo's samples functions take the number of observed values as the alphabet size.
    mpmath.mp.dps = 15
    expected = float(mp_nsb(counts, len(counts)))
    got = fastinfo.entropy(samples_of(counts), estimator="nsb")
    assert got == pytest.approx(expected, rel=1e-9)


def test_published_nsb_value() -> None:
    # ndd 1.6.1 (README): ndd.entropy([12, 4, 12, ...], k=100) = 2.840012048914245 nats. The samples
    # API has no alphabet size, so check the reference's integral over xi (independent of the
    # Rust quadrature over log beta, which the Rust unit tests check against the same value).
    counts = np.array([12, 4, 12, 4, 5, 3, 1, 5, 1, 2, 2, 2, 2, 11, 3, 4, 12, 12, 1, 2])
    from fastinfo.reference._samples import _nsb

    assert _nsb(counts, 100) == pytest.approx(2.840012048914245, rel=1e-8)


def test_closed_forms() -> None:
    # All singletons: jackknife = ln n + (n - 1) ln(n / (n - 1)); Grassberger = ln n + gamma + ln 2.
    n = 50
    x = np.arange(n)
    jackknife = math.log(n) + (n - 1) * math.log(n / (n - 1))
    assert fastinfo.entropy(x, estimator="jackknife") == pytest.approx(jackknife, rel=1e-14)
    grassberger = math.log(n) + np.euler_gamma + math.log(2)
    assert fastinfo.entropy(x, estimator="grassberger") == pytest.approx(grassberger, rel=1e-14)
    # Two singletons: Chao-Shen takes f1 = n - 1, C = 1/2: 2 * (1/4) ln 4 / (1 - (3/4)^2).
    assert fastinfo.entropy([0, 1], estimator="chao_shen") == pytest.approx(8 / 7 * math.log(4))
    # A constant sample has zero entropy for every estimator (Grassberger's formula would give
    # log n - G(n), of order +-1/n: one occupied cell is 0 by convention).
    for estimator in ESTIMATORS:
        assert fastinfo.entropy(np.zeros(7, dtype=np.int8), estimator=estimator) == 0.0
        assert fastinfo.entropy(np.zeros(4, dtype=np.int8), estimator=estimator) == 0.0


# ---------------------------------------------------------------------------------------------
# Against the reference twin, every function.

labels = st.lists(st.integers(0, 5), min_size=1, max_size=120)


def columns(k: int, max_n: int = 120) -> st.SearchStrategy[list[np.ndarray]]:
    return st.integers(1, max_n).flatmap(
        lambda n: st.lists(
            st.lists(st.integers(-3, 4), min_size=n, max_size=n).map(np.array),
            min_size=k,
            max_size=k,
        )
    )


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-10 * (1 + abs(b))


@settings(deadline=None)
@given(columns(3), st.sampled_from(FAST), st.sampled_from([None, 2]))
def test_every_function_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, y, z = variables
    kw: dict[str, Any] = {"estimator": estimator, "base": base}
    for name, args in [
        ("entropy", (x,)),
        ("joint_entropy", (x, y)),
        ("conditional_entropy", (x, y)),
        ("mutual_information", (x, y)),
        ("conditional_mutual_information", (x, y, z)),
    ]:
        got = getattr(fastinfo, name)(*args, **kw)
        expected = getattr(reference, name)(*args, **kw)
        assert close(got, expected), (name, got, expected)


@settings(max_examples=12, deadline=None)
@given(columns(3, max_n=60))
def test_nsb_matches_reference(variables: list[np.ndarray]) -> None:
    x, y, z = variables
    kw = {"estimator": "nsb"}
    pairs = [
        (fastinfo.entropy(x, **kw), reference.entropy(x, **kw)),
        (fastinfo.mutual_information(x, y, **kw), reference.mutual_information(x, y, **kw)),
        (
            fastinfo.conditional_mutual_information(x, y, z, **kw),
            reference.conditional_mutual_information(x, y, z, **kw),
        ),
    ]
    for got, expected in pairs:
        assert abs(got - expected) <= 1e-8 * (1 + abs(expected))


# ---------------------------------------------------------------------------------------------
# Identities that hold for every estimator.


@settings(deadline=None)
@given(columns(2), st.sampled_from(ESTIMATORS))
def test_identities(variables: list[np.ndarray], estimator: str) -> None:
    x, y = variables
    e = {"estimator": estimator}
    h_x = fastinfo.entropy(x, **e)
    assert h_x >= 0.0
    assert fastinfo.mutual_information(x, x, **e) == pytest.approx(h_x, rel=1e-12, abs=1e-14)
    assert fastinfo.joint_entropy(x, x, **e) == pytest.approx(h_x, rel=1e-12, abs=1e-14)
    assert fastinfo.conditional_entropy(x, x, **e) == 0.0
    assert fastinfo.conditional_mutual_information(x, x, x, **e) == 0.0
    info = fastinfo.mutual_information(x, y, **e)
    assert info >= 0.0
    assert info == pytest.approx(fastinfo.mutual_information(y, x, **e), rel=1e-12, abs=1e-14)
    h_y, h_xy = fastinfo.entropy(y, **e), fastinfo.joint_entropy(x, y, **e)
    h_y_given_x = fastinfo.conditional_entropy(y, x, **e)
    if min(h_x, h_y, h_xy) > 0 and h_y_given_x > 0:  # nothing clamped
        assert h_xy == pytest.approx(h_x + h_y_given_x, rel=1e-12, abs=1e-13)
        assert info == pytest.approx(max(h_x + h_y - h_xy, 0.0), rel=1e-10, abs=1e-13)


def test_corrections_vanish_as_n_grows() -> None:
    # With 10^6 samples of 16 values every estimator is within 1e-4 nats of the plug-in.
    rng = np.random.default_rng(3)
    x = rng.integers(0, 16, 1_000_000)
    y = (x + rng.integers(0, 3, x.shape[0])) % 16
    plugin_h, plugin_i = fastinfo.entropy(x), fastinfo.mutual_information(x, y)
    for estimator in CORRECTED:
        e = {"estimator": estimator}
        assert abs(fastinfo.entropy(x, **e) - plugin_h) < 1e-4
        assert abs(fastinfo.mutual_information(x, y, **e) - plugin_i) < 1e-3


def test_thread_count_does_not_change_corrected_estimates() -> None:
    rng = np.random.default_rng(9)
    # 700 x 700 values: a dense joint table of ~490k cells (the parallel fingerprint path).
    x = rng.integers(0, 700, 300_000)
    y = rng.integers(0, 700, 300_000)
    before = fastinfo.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            fastinfo.set_num_threads(threads)
            results.append(
                [
                    fastinfo.mutual_information(x, y, estimator=e)
                    for e in ("jackknife", "grassberger", "chao_shen", "miller_madow")
                ]
            )
    finally:
        fastinfo.set_num_threads(before)
    assert results[0] == results[1] == results[2]


def test_unknown_estimator_is_named() -> None:
    with pytest.raises(ValueError, match="estimator"):
        fastinfo.entropy([1, 2], estimator="NSB")
    with pytest.raises(TypeError, match="estimator"):
        fastinfo.mutual_information([1, 2], [1, 2], estimator=None)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Bias: on small samples from known distributions, averaged over fixed seeds, every corrected
# estimator is closer to the true entropy than the plug-in.


def _distributions() -> list[tuple[str, np.ndarray]]:
    zipf = 1.0 / np.arange(1, 101)
    geometric = 0.5 ** np.arange(1, 21)
    return [
        ("uniform-10", np.full(10, 0.1)),
        ("uniform-50", np.full(50, 0.02)),
        ("zipf-100", zipf / zipf.sum()),
        ("geometric-20", geometric / geometric.sum()),
        ("dirichlet-30", np.random.default_rng(5).dirichlet(np.full(30, 0.5))),
    ]


@pytest.mark.parametrize(("name", "p"), _distributions(), ids=[d[0] for d in _distributions()])
@pytest.mark.parametrize("n", [20, 50, 100])
def test_corrected_estimators_are_less_biased(name: str, p: np.ndarray, n: int) -> None:
    truth = float(-np.sum(p * np.log(p)))
    estimates: dict[str, list[float]] = {e: [] for e in ESTIMATORS}
    for seed in range(200):
        x = np.random.default_rng(seed).choice(p.size, n, p=p)
        for estimator in ESTIMATORS:
            estimates[estimator].append(fastinfo.entropy(x, estimator=estimator))
    bias = {e: float(np.mean(v)) - truth for e, v in estimates.items()}
    for estimator in CORRECTED:
        assert abs(bias[estimator]) < abs(bias["plugin"]), (estimator, bias)
