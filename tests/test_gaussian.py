"""fastinfo.gaussian: closed forms against scipy, Monte Carlo, mpmath and the reference twin.

Tolerances: 1e-12 relative against scipy's entropy and the textbook univariate formulas (both are
exact to rounding); 1e-9 relative against the reference twin on well-conditioned random matrices
(another route through LAPACK); Monte Carlo within 5 standard errors.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastinfo
import fastinfo.gaussian as gaussian
import fastinfo.reference.gaussian as reference

scipy_stats = pytest.importorskip("scipy.stats")
mpmath = pytest.importorskip("mpmath")

IMPLS = [pytest.param(gaussian, id="fastinfo"), pytest.param(reference, id="reference")]
LOG_2PI_E = 1.0 + math.log(2 * math.pi)


def spd(rng: np.random.Generator, d: int, batch: tuple[int, ...] = (), jitter: float = 0.1) -> Any:
    a = rng.normal(size=(*batch, d, d))
    return a @ np.swapaxes(a, -1, -2) + jitter * np.eye(d)


# ---------------------------------------------------------------------------------------------
# Entropy


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("d", [1, 2, 3, 6])
def test_entropy_matches_scipy(impl: Any, d: int) -> None:
    rng = np.random.default_rng(d)
    for _ in range(5):
        cov = spd(rng, d)
        expected = scipy_stats.multivariate_normal(mean=np.zeros(d), cov=cov).entropy()
        h = impl.entropy(cov)
        assert isinstance(h, float)
        assert h == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert impl.entropy(cov, base=2) == pytest.approx(expected / math.log(2), rel=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
def test_entropy_univariate_diagonal_and_batches(impl: Any) -> None:
    for var in [1e-12, 0.01, 1.0, 1e12]:
        expected = 0.5 * math.log(2 * math.pi * math.e * var)
        assert impl.entropy(var) == pytest.approx(expected, rel=1e-14)
        assert impl.entropy(var, diagonal=True) == pytest.approx(expected, rel=1e-14)
        assert impl.entropy([[var]]) == pytest.approx(expected, rel=1e-14)
    assert impl.entropy(0.01) < 0  # differential entropy can be negative
    rng = np.random.default_rng(1)
    variances = rng.uniform(0.1, 3.0, size=(4, 3))
    diagonal = impl.entropy(variances, diagonal=True)
    assert diagonal.shape == (4,)
    full = impl.entropy(np.einsum("bi,ij->bij", variances, np.eye(3)))
    np.testing.assert_allclose(diagonal, full, rtol=1e-13)
    batch = spd(rng, 3, (2, 5))
    h = impl.entropy(batch)
    assert h.shape == (2, 5)
    assert h.dtype == np.float64
    for index in np.ndindex(2, 5):
        assert h[index] == pytest.approx(impl.entropy(batch[index]), rel=1e-14)
    # A batch of univariate variances: shape (n, 1).
    np.testing.assert_allclose(
        impl.entropy(variances.reshape(-1, 1), diagonal=True),
        0.5 * np.log(2 * np.pi * np.e * variances.reshape(-1)),
        rtol=1e-14,
    )


def test_entropy_of_a_scaled_variable() -> None:
    # h(aX) = h(X) + d log|a|: the change of variables that discrete entropy does not have.
    cov = spd(np.random.default_rng(2), 4)
    for a in [1e-3, 0.5, 7.0]:
        assert gaussian.entropy(a * a * cov) == pytest.approx(
            gaussian.entropy(cov) + 4 * math.log(a), rel=1e-12
        )


# ---------------------------------------------------------------------------------------------
# KL divergence


def univariate_kl(m0: float, v0: float, m1: float, v1: float) -> float:
    return 0.5 * (v0 / v1 + (m1 - m0) ** 2 / v1 - 1.0 + math.log(v1 / v0))


@pytest.mark.parametrize("impl", IMPLS)
def test_univariate_kl(impl: Any) -> None:
    for m0, v0, m1, v1 in [(0, 1, 1, 2), (3, 0.5, -1, 4), (0, 1e-6, 0, 1), (2, 7, 2, 7)]:
        expected = univariate_kl(m0, v0, m1, v1)
        assert impl.kl_divergence(m0, v0, m1, v1) == pytest.approx(expected, rel=1e-12, abs=0)
        assert impl.kl_divergence(m0, v0, m1, v1, diagonal=True) == pytest.approx(
            expected, rel=1e-12, abs=0
        )
        assert impl.kl_divergence([m0], [[v0]], [m1], [[v1]], base=2) == pytest.approx(
            expected / math.log(2), rel=1e-12, abs=0
        )


@pytest.mark.parametrize("impl", IMPLS)
def test_vae_term(impl: Any) -> None:
    rng = np.random.default_rng(3)
    mu = rng.normal(size=(64, 16))
    log_var = rng.normal(size=(64, 16))
    var = np.exp(log_var)
    expected = 0.5 * np.sum(var + mu**2 - 1.0 - log_var, axis=-1)
    got = impl.kl_divergence(mu, var, 0.0, 1.0, diagonal=True)
    assert got.shape == (64,)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    # The same through full matrices (identity prior given as a matrix).
    full = impl.kl_divergence(mu[:4], np.einsum("bi,ij->bij", var[:4], np.eye(16)), 0.0, np.eye(16))
    np.testing.assert_allclose(full, expected[:4], rtol=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
def test_kl_matches_monte_carlo(impl: Any) -> None:
    rng = np.random.default_rng(4)
    d = 3
    m0, m1 = rng.normal(size=d), rng.normal(size=d)
    s0, s1 = spd(rng, d, jitter=0.5), spd(rng, d, jitter=0.5)
    samples = rng.multivariate_normal(m0, s0, size=200_000)
    log_ratio = scipy_stats.multivariate_normal(m0, s0).logpdf(
        samples
    ) - scipy_stats.multivariate_normal(m1, s1).logpdf(samples)
    estimate, standard_error = log_ratio.mean(), log_ratio.std() / math.sqrt(log_ratio.size)
    kl = impl.kl_divergence(m0, s0, m1, s1)
    assert abs(kl - estimate) < 5 * standard_error


def test_kl_is_zero_exactly_for_identical_and_never_negative() -> None:
    rng = np.random.default_rng(5)
    for d in [1, 2, 5]:
        m, s = rng.normal(size=d), spd(rng, d)
        assert gaussian.kl_divergence(m, s, m, s) == 0.0
        v = rng.uniform(0.1, 2, d)
        assert gaussian.kl_divergence(m, v, m, v, diagonal=True) == 0.0
    m0, s0 = rng.normal(size=(50, 4)), spd(rng, 4, (50,))
    m1, s1 = rng.normal(size=(50, 4)), spd(rng, 4, (50,))
    assert np.all(gaussian.kl_divergence(m0, s0, m1, s1) >= 0)


def test_kl_is_accurate_for_nearly_equal_distributions() -> None:
    # KL(N(0, S) || N(0, (1 + eps) S)) = d/2 (1/(1+eps) - 1 + log(1+eps)) ~ d eps^2 / 4: the
    # textbook sum cancels tr - d against the log-determinants; the Cholesky form keeps every digit.
    rng = np.random.default_rng(6)
    d = 4
    s = spd(rng, d)
    mpmath.mp.dps = 50
    for eps in [1e-3, 1e-6, 1e-9]:
        scale = 1 + eps
        e = mpmath.mpf(scale) - 1  # the eps actually represented
        exact = float(d / 2 * (1 / (1 + e) - 1 + mpmath.log(1 + e)))
        got = gaussian.kl_divergence(np.zeros(d), s, np.zeros(d), s * scale)
        assert got == pytest.approx(exact, rel=1e-5)
        got_diag = gaussian.kl_divergence(0.0, np.diag(s), 0.0, np.diag(s) * scale, diagonal=True)
        assert got_diag == pytest.approx(exact, rel=1e-9)
    # And a tiny shift of the mean alone: exactly the Mahalanobis term.
    delta = np.array([1e-9, 0, 0, 0])
    expected = 0.5 * delta @ np.linalg.solve(s, delta)
    assert gaussian.kl_divergence(np.zeros(d), s, delta, s) == pytest.approx(expected, rel=1e-9)


def test_kl_is_invariant_under_affine_maps() -> None:
    rng = np.random.default_rng(7)
    d = 3
    m0, m1 = rng.normal(size=d), rng.normal(size=d)
    s0, s1 = spd(rng, d), spd(rng, d)
    a, b = rng.normal(size=(d, d)) + 3 * np.eye(d), rng.normal(size=d)
    kl = gaussian.kl_divergence(m0, s0, m1, s1)
    mapped = gaussian.kl_divergence(a @ m0 + b, a @ s0 @ a.T, a @ m1 + b, a @ s1 @ a.T)
    assert mapped == pytest.approx(kl, rel=1e-9)


@pytest.mark.parametrize("impl", IMPLS)
def test_kl_broadcasting(impl: Any) -> None:
    rng = np.random.default_rng(8)
    m0, s0 = rng.normal(size=(5, 3)), spd(rng, 3, (5,))
    m1, s1 = rng.normal(size=3), spd(rng, 3)
    got = impl.kl_divergence(m0, s0, m1, s1)
    assert got.shape == (5,)
    for i in range(5):
        assert got[i] == pytest.approx(impl.kl_divergence(m0[i], s0[i], m1, s1), rel=1e-12)
    # (2, 1) batch of covariances against a (5,) batch of means: (2, 5).
    s_grid = spd(rng, 3, (2, 1))
    assert impl.kl_divergence(m0, s_grid, m1, s1).shape == (2, 5)
    # A scalar mean is the same in every coordinate.
    assert impl.kl_divergence(0.5, s1, np.full(3, 0.5), s1) == pytest.approx(0.0, abs=1e-12)
    var = rng.uniform(0.5, 2, size=(7, 1, 4))
    assert impl.kl_divergence(0.0, var, rng.normal(size=(3, 4)), 1.0, diagonal=True).shape == (7, 3)


# ---------------------------------------------------------------------------------------------
# Mutual information


def two_by_two(rho: float, sx: float = 1.0, sy: float = 1.0) -> Any:
    return np.array([[sx * sx, rho * sx * sy], [rho * sx * sy, sy * sy]])


def test_mutual_information_of_two_scalars() -> None:
    mpmath.mp.dps = 50
    for rho in [-0.99, -0.5, 0.0, 1e-9, 1e-4, 0.3, 0.8, 0.999999]:
        for sx, sy in [(1.0, 1.0), (1e-3, 50.0)]:
            cov = two_by_two(rho, sx, sy)
            # The exact value for the correlation the float matrix actually represents.
            r = mpmath.mpf(cov[0, 1]) / mpmath.sqrt(mpmath.mpf(cov[0, 0]) * mpmath.mpf(cov[1, 1]))
            exact = float(-mpmath.log(1 - r * r) / 2)
            got = gaussian.mutual_information(cov, 1)
            assert got == pytest.approx(exact, rel=1e-9, abs=1e-300)
            assert reference.mutual_information(cov, 1) == pytest.approx(exact, rel=1e-4, abs=1e-15)
    assert gaussian.mutual_information(two_by_two(0.8), 1, base=2) == pytest.approx(
        -0.5 * math.log2(1 - 0.64), rel=1e-12
    )


@pytest.mark.parametrize("impl", IMPLS)
def test_mutual_information_identities(impl: Any) -> None:
    rng = np.random.default_rng(9)
    d, k = 5, 2
    cov = spd(rng, d)
    info = impl.mutual_information(cov, k)
    # I = h(X) + h(Y) - h(X, Y)
    h = gaussian.entropy
    assert info == pytest.approx(h(cov[:k, :k]) + h(cov[k:, k:]) - h(cov), rel=1e-9)
    # I = KL(joint || product of marginals)
    product = np.zeros_like(cov)
    product[:k, :k], product[k:, k:] = cov[:k, :k], cov[k:, k:]
    assert info == pytest.approx(gaussian.kl_divergence(0.0, cov, 0.0, product), rel=1e-9)
    # Symmetric in X and Y, invariant under invertible maps of each block.
    order = [*range(k, d), *range(k)]
    assert impl.mutual_information(cov[np.ix_(order, order)], d - k) == pytest.approx(
        info, rel=1e-9
    )
    a = np.zeros((d, d))
    a[:k, :k] = rng.normal(size=(k, k)) + 2 * np.eye(k)
    a[k:, k:] = rng.normal(size=(d - k, d - k)) + 2 * np.eye(d - k)
    assert impl.mutual_information(a @ cov @ a.T, k) == pytest.approx(info, rel=1e-9)
    # Independent blocks: exactly 0.
    assert impl.mutual_information(product, k) == 0.0
    # Batched.
    batch = spd(rng, 4, (3, 2))
    got = impl.mutual_information(batch, 1)
    assert got.shape == (3, 2)
    for index in np.ndindex(3, 2):
        assert got[index] == pytest.approx(impl.mutual_information(batch[index], 1), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# Fast == reference on random well-conditioned inputs


@st.composite
def problems(draw: Any) -> tuple[Any, ...]:
    seed = draw(st.integers(0, 2**32 - 1))
    d = draw(st.integers(1, 6))
    batch = draw(st.sampled_from([(), (3,), (2, 2)]))
    rng = np.random.default_rng(seed)
    return d, batch, rng


@given(problems())
def test_hypothesis_fast_matches_reference(problem: tuple[Any, ...]) -> None:
    d, batch, rng = problem
    s0, s1 = spd(rng, d, batch, jitter=0.5), spd(rng, d, batch, jitter=0.5)
    m0, m1 = rng.normal(size=(*batch, d)), rng.normal(size=(*batch, d))
    np.testing.assert_allclose(gaussian.entropy(s0), reference.entropy(s0), rtol=1e-10)
    np.testing.assert_allclose(
        gaussian.kl_divergence(m0, s0, m1, s1),
        reference.kl_divergence(m0, s0, m1, s1),
        rtol=1e-8,
        atol=1e-10,
    )
    v0, v1 = rng.uniform(0.01, 10, (*batch, d)), rng.uniform(0.01, 10, (*batch, d))
    np.testing.assert_allclose(
        gaussian.kl_divergence(m0, v0, m1, v1, diagonal=True),
        reference.kl_divergence(m0, v0, m1, v1, diagonal=True),
        rtol=1e-10,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        gaussian.entropy(v0, diagonal=True), reference.entropy(v0, diagonal=True), rtol=1e-12
    )
    if d >= 2:
        k = int(rng.integers(1, d))
        np.testing.assert_allclose(
            gaussian.mutual_information(s0, k),
            reference.mutual_information(s0, k),
            rtol=1e-7,
            atol=1e-10,
        )


# ---------------------------------------------------------------------------------------------
# Bad inputs: ValueError / TypeError naming the argument (and the batch element)


NOT_PD = np.array([[1.0, 2.0], [2.0, 1.0]])


def batch_with_bad(shape: tuple[int, ...], bad: tuple[int, ...]) -> Any:
    out = np.broadcast_to(np.eye(2), (*shape, 2, 2)).copy()
    out[bad] = NOT_PD
    return out


@pytest.mark.parametrize("impl", IMPLS)
def test_not_positive_definite_names_the_batch_element(impl: Any) -> None:
    def check(fn: Any, *args: Any, where: str, **kwargs: Any) -> None:
        with pytest.raises(ValueError, match=re.escape(where) + " is not positive definite"):
            fn(*args, **kwargs)

    check(impl.entropy, NOT_PD, where="cov")
    check(impl.entropy, [[0.0, 0.0], [0.0, 1.0]], where="cov")  # singular
    check(impl.entropy, -1.0, where="cov")
    check(impl.entropy, batch_with_bad((4,), (2,)), where="cov[2]")
    check(impl.entropy, batch_with_bad((2, 3), (1, 0)), where="cov[1, 0]")
    check(impl.kl_divergence, 0.0, np.eye(2), 0.0, batch_with_bad((3,), (1,)), where="cov1[1]")
    check(impl.kl_divergence, 0.0, NOT_PD, 0.0, np.eye(2), where="cov0")
    check(impl.mutual_information, batch_with_bad((5,), (4,)), 1, where="cov[4]")


BAD = [
    (
        "entropy",
        ([[1.0, 0.5], [0.4, 1.0]],),
        {},
        ValueError,
        r"cov is not symmetric: entry \[\d, \d\]",
    ),
    ("entropy", ([[1.0, np.nan], [np.nan, 1.0]],), {}, ValueError, r"cov\[0, 1\] is nan.*finite"),
    ("entropy", (np.inf,), {}, ValueError, r"cov is inf"),
    ("entropy", ([1.0, 2.0],), {}, ValueError, r"cov has shape \(2,\).*diagonal=True"),
    ("entropy", (np.ones((2, 3)),), {}, ValueError, r"cov has shape \(2, 3\).*\(d, d\)"),
    ("entropy", (np.ones((0, 0)),), {}, ValueError, r"cov has shape \(0, 0\).*dimension"),
    ("entropy", (np.ones((3, 0)),), {"diagonal": True}, ValueError, r"cov has shape \(3, 0\)"),
    ("entropy", ([1.0, -2.0],), {"diagonal": True}, ValueError, r"cov\[1\] is -2.0.*positive"),
    ("entropy", ([1.0, 0.0],), {"diagonal": True}, ValueError, r"cov\[1\] is 0.0.*positive"),
    ("entropy", (["a"],), {}, TypeError, r"cov must hold real numbers"),
    ("entropy", (1 + 2j,), {}, TypeError, r"cov must hold real numbers"),
    ("entropy", (1.0,), {"diagonal": "yes"}, TypeError, r"diagonal must be True or False"),
    ("entropy", (1.0,), {"base": 1}, ValueError, r"base must be"),
    ("entropy", (1.0,), {"base": "2"}, TypeError, r"base must be"),
    ("kl_divergence", (0.0, np.eye(2), 0.0, np.eye(3)), {}, ValueError, r"cov1 has shape \(3, 3\)"),
    (
        "kl_divergence",
        (np.zeros(3), np.eye(2), 0.0, np.eye(2)),
        {},
        ValueError,
        r"mean0 has shape \(3,\)",
    ),
    (
        "kl_divergence",
        (0.0, np.eye(2), [np.nan, 0.0], np.eye(2)),
        {},
        ValueError,
        r"mean1\[0\] is nan",
    ),
    (
        "kl_divergence",
        (np.zeros((2, 2)), np.eye(2), 0.0, np.broadcast_to(np.eye(2), (3, 2, 2))),
        {},
        ValueError,
        r"batch shapes do not broadcast: mean0 \(2,\), cov0 \(\), mean1 \(\), cov1 \(3,\)",
    ),
    (
        "kl_divergence",
        (np.zeros((2, 3)), np.ones(3), 0.0, np.ones((4, 3))),
        {"diagonal": True},
        ValueError,
        r"batch shapes do not broadcast",
    ),
    ("kl_divergence", (0.0, 1.0, 0.0, -1.0), {"diagonal": True}, ValueError, r"cov1 is -1.0"),
    ("kl_divergence", (0.0, 1.0, 0.0, 1.0), {"diagonal": 1}, TypeError, r"diagonal must be"),
    ("kl_divergence", (0.0, np.eye(2), 0.0, 1.0), {}, ValueError, r"cov1 has shape \(1, 1\)"),
    (
        "mutual_information",
        (np.eye(3), 0),
        {},
        ValueError,
        r"split must satisfy 1 <= split < d = 3",
    ),
    ("mutual_information", (np.eye(3), 3), {}, ValueError, r"split must satisfy"),
    ("mutual_information", (np.eye(3), 1.0), {}, TypeError, r"split must be an integer"),
    ("mutual_information", (np.eye(3), True), {}, TypeError, r"split must be an integer"),
    ("mutual_information", (1.0, 1), {}, ValueError, r"cov has shape \(\).*d >= 2"),
    ("mutual_information", ([1.0, 2.0], 1), {}, ValueError, r"cov has shape \(2,\).*d >= 2"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("name", "args", "kwargs", "exc", "message"),
    BAD,
    ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)],
)
def test_bad_inputs(impl: Any, name: str, args: Any, kwargs: Any, exc: type, message: str) -> None:
    with pytest.raises(exc, match=message):
        getattr(impl, name)(*args, **kwargs)


def test_public_names() -> None:
    assert fastinfo.gaussian is gaussian
    assert gaussian.__all__ == ["entropy", "kl_divergence", "mutual_information"]
    assert reference.__all__ == gaussian.__all__
