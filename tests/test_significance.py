"""Tests of the permutation test and the G-test.

Evidence, each able to fail on its own:

1. the statistic is the API's (conditional) mutual information, for both estimators;
2. the null distribution has the law of the shuffled data: Patefield's tables, shuffling in Rust
   and numpy shuffling in :mod:`fastinfo.reference` agree (two-sample Kolmogorov-Smirnov tests
   with fixed seeds, so the tests are deterministic);
3. p-values of independent data are uniform (and never below it): a KS distance over many
   datasets, for the permutation test and for the G-test;
4. the permutation and G-test p-values agree when the chi-squared approximation holds;
5. the G-test matches ``scipy.stats.chi2_contingency(..., lambda_="log-likelihood")`` and the
   incomplete gamma function matches ``scipy.special.gammaincc`` and mpmath;
6. reproducibility (a seed gives the same bits for any thread count), result objects, bad inputs.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import mpmath
import numpy as np
import pytest
import scipy.special
import scipy.stats
from helpers import IMPLS
from hypothesis import given, note
from hypothesis import strategies as st

import fastinfo
import fastinfo.reference as reference
from fastinfo import _native

ESTIMATORS = ("plugin", "miller_madow")


def native_null(
    x: Any, y: Any, given: Any, n: int, seed: int, estimator: str, method: str
) -> tuple[float, float, np.ndarray]:
    """The native permutation test with an explicit method of drawing tables."""
    variables = [fastinfo._inputs.as_variable(v, "v") for v in (x, y)]
    given_columns = [] if given is None else fastinfo._inputs.as_variable(given, "given").columns
    return _native.permutation_test(
        variables[0].columns, variables[1].columns, given_columns, n, seed, estimator, method
    )


@st.composite
def samples(draw: st.DrawFn, conditional: bool) -> tuple[np.ndarray, np.ndarray, Any]:
    n = draw(st.one_of(st.integers(1, 10), st.integers(1, 2000)))
    kx, ky, kz = (draw(st.integers(1, 12)) for _ in range(3))
    dependence = draw(st.sampled_from([0.0, 0.2, 0.8]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(0, kx, n)
    z = rng.integers(0, kz, n) if conditional else None
    y = np.where(rng.random(n) < dependence, x % ky, rng.integers(0, ky, n))
    note(f"n={n} k={kx, ky, kz} dependence={dependence} seed={seed}")
    return x, y, z


# ---------------------------------------------------------------------------------------------
# 1. The statistic


@given(samples(conditional=False), st.sampled_from(ESTIMATORS))
def test_statistic_is_the_mutual_information(
    data: tuple[np.ndarray, np.ndarray, Any], estimator: str
) -> None:
    x, y, _ = data
    result = fastinfo.permutation_test(x, y, n_permutations=20, seed=1, estimator=estimator)
    expected = fastinfo.mutual_information(x, y, estimator=estimator)
    assert math.isclose(result.statistic, expected, rel_tol=1e-12, abs_tol=1e-14)
    assert type(result.statistic) is float
    assert type(result.pvalue) is float
    assert 1 / 21 <= result.pvalue <= 1.0
    assert np.all(result.null_distribution >= 0.0)
    ref = reference.permutation_test(x, y, n_permutations=3, seed=1, estimator=estimator)
    assert math.isclose(result.statistic, ref.statistic, rel_tol=1e-12, abs_tol=1e-14)


@given(samples(conditional=True), st.sampled_from(ESTIMATORS))
def test_statistic_is_the_conditional_mutual_information(
    data: tuple[np.ndarray, np.ndarray, Any], estimator: str
) -> None:
    x, y, z = data
    result = fastinfo.permutation_test(
        x, y, given=z, n_permutations=20, seed=1, estimator=estimator
    )
    expected = fastinfo.conditional_mutual_information(x, y, z, estimator=estimator)
    assert math.isclose(result.statistic, expected, rel_tol=1e-12, abs_tol=1e-14)
    # Shuffling within strata keeps I(X; Z) and I(Y; Z): a null value is never above
    # what the strata allow, and a single stratum is the unconditional test.
    single = fastinfo.permutation_test(
        x, y, given=np.zeros_like(x), n_permutations=20, seed=1, estimator=estimator
    )
    plain = fastinfo.permutation_test(x, y, n_permutations=20, seed=1, estimator=estimator)
    assert single.statistic == plain.statistic
    assert np.array_equal(single.null_distribution, plain.null_distribution)


def test_identical_tables_tie_exactly() -> None:
    # Margins (2, 2) and (2, 2): the tables [[2, 0], [0, 2]] and [[0, 2], [2, 0]] (probability
    # 1/6 each) have the observed cells, so a third of the permutations give exactly the
    # statistic and must count; [[1, 1], [1, 1]] (4/6) gives 0.
    x = [0, 0, 1, 1]
    y = [0, 0, 1, 1]
    result = fastinfo.permutation_test(x, y, n_permutations=999, seed=3)
    observed = result.null_distribution == result.statistic
    assert 0.28 < observed.mean() < 0.39
    assert np.all(observed | (result.null_distribution == 0.0))
    assert result.pvalue == (observed.sum() + 1) / 1000
    # A constant: every null value equals the statistic (0), p = 1.
    assert fastinfo.permutation_test([1] * 5, [0, 1, 0, 1, 2], n_permutations=9, seed=0).pvalue == 1


# ---------------------------------------------------------------------------------------------
# 2. The null law: Patefield, Rust shuffling and numpy shuffling agree

LAW_CASES = {
    # name: (n, kx, ky, kz or None, estimator)
    "small-table": (60, 3, 4, None, "plugin"),
    "large-n": (20_000, 8, 6, None, "plugin"),
    "sparse-wide": (400, 150, 120, None, "plugin"),
    "conditional": (3_000, 5, 4, 3, "plugin"),
    "miller-madow": (300, 6, 5, 2, "miller_madow"),
}


def _law_data(n: int, kx: int, ky: int, kz: int | None) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(n * 7 + kx)
    x = rng.choice(kx, n, p=rng.dirichlet(np.ones(kx)))
    y = np.where(rng.random(n) < 0.1, x % ky, rng.choice(ky, n, p=rng.dirichlet(np.ones(ky))))
    z = None if kz is None else rng.integers(0, kz, n)
    return x, y, z


@pytest.mark.parametrize("case", list(LAW_CASES))
def test_table_and_shuffle_draw_the_same_law(case: str) -> None:
    n, kx, ky, kz, estimator = LAW_CASES[case]
    x, y, z = _law_data(n, kx, ky, kz)
    s1, _p1, table = native_null(x, y, z, 3000, 17, estimator, "table")
    s2, _p2, shuffle = native_null(x, y, z, 3000, 18, estimator, "shuffle")
    assert s1 == s2
    ks = scipy.stats.ks_2samp(table, shuffle)
    assert ks.pvalue > 1e-3, (ks, table.mean(), shuffle.mean())
    # Means within 5 standard errors.
    se = math.sqrt((table.var() + shuffle.var()) / 3000)
    assert abs(table.mean() - shuffle.mean()) <= 5 * se + 1e-15


@pytest.mark.parametrize("case", ["small-table", "conditional"])
def test_null_law_matches_numpy_shuffling(case: str) -> None:
    n, kx, ky, kz, estimator = LAW_CASES[case]
    x, y, z = _law_data(n, kx, ky, kz)
    fast = fastinfo.permutation_test(
        x, y, given=z, n_permutations=2000, seed=5, estimator=estimator
    )
    slow = reference.permutation_test(
        x, y, given=z, n_permutations=400, seed=5, estimator=estimator
    )
    assert math.isclose(fast.statistic, slow.statistic, rel_tol=1e-12, abs_tol=1e-14)
    ks = scipy.stats.ks_2samp(fast.null_distribution, slow.null_distribution)
    assert ks.pvalue > 1e-3, ks


def test_null_mean_is_the_expected_mutual_information() -> None:
    # Without strata the null is the hypergeometric model: its mean is the exact E[I].
    x, y, _ = _law_data(5_000, 6, 7, None)
    result = fastinfo.permutation_test(x, y, n_permutations=4000, seed=9)
    a = np.unique(x, return_counts=True)[1]
    b = np.unique(y, return_counts=True)[1]
    emi = _native.expected_mutual_information(a, b)
    se = result.null_distribution.std() / math.sqrt(4000)
    assert abs(result.null_distribution.mean() - emi) < 5 * se


# ---------------------------------------------------------------------------------------------
# 3. and 4. p-values of independent data; agreement with the G-test


def _uniform_ks(pvalues: np.ndarray, grid: np.ndarray | None = None) -> float:
    """Largest gap between the empirical CDF of ``pvalues`` and the uniform CDF (on ``grid``)."""
    points = np.sort(pvalues) if grid is None else grid
    ecdf = np.searchsorted(np.sort(pvalues), points, side="right") / pvalues.size
    return float(np.max(np.abs(ecdf - points)))


def test_permutation_pvalues_of_independent_data_are_uniform() -> None:
    datasets, permutations = 400, 99
    pvalues = np.empty(datasets)
    for i in range(datasets):
        rng = np.random.default_rng(1000 + i)
        x = rng.integers(0, 3, 300)
        y = rng.integers(0, 4, 300)
        z = rng.integers(0, 2, 300) if i % 2 else None
        pvalues[i] = fastinfo.permutation_test(
            x, y, given=z, n_permutations=permutations, seed=i
        ).pvalue
    grid = np.arange(1, permutations + 2) / (permutations + 1)
    distance = _uniform_ks(pvalues, grid)
    # 1.63 / sqrt(400) = 0.082 is the 1% critical value of the KS distance.
    assert distance < 0.082, distance
    # Valid: P(p <= 0.05) <= 0.05 up to three binomial standard deviations.
    assert np.mean(pvalues <= 0.05) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / datasets)


def test_g_test_pvalues_of_independent_data_are_uniform() -> None:
    pvalues = np.array(
        [
            fastinfo.g_test(
                np.random.default_rng(i).integers(0, 3, 2000),
                np.random.default_rng(10_000 + i).integers(0, 5, 2000),
            ).pvalue
            for i in range(400)
        ]
    )
    assert _uniform_ks(pvalues) < 0.082


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_permutation_and_g_test_agree_for_large_n(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 100_000
    x = rng.integers(0, 4, n)
    # A faint dependence (p-values spread over (0, 1) across seeds).
    y = np.where(rng.random(n) < 0.004 * seed, x, rng.integers(0, 5, n))
    permutation = fastinfo.permutation_test(x, y, n_permutations=2000, seed=seed)
    g = fastinfo.g_test(x, y)
    assert math.isclose(permutation.statistic * 2 * n, g.statistic, rel_tol=1e-10)
    # Binomial error of the permutation p-value (sd <= 0.011) plus the chi-squared approximation.
    assert abs(permutation.pvalue - g.pvalue) < 0.05, (permutation.pvalue, g.pvalue)


# ---------------------------------------------------------------------------------------------
# 5. G-test and the incomplete gamma function


@given(samples(conditional=False))
def test_g_test_matches_scipy(data: tuple[np.ndarray, np.ndarray, Any]) -> None:
    x, y, _ = data
    result = fastinfo.g_test(x, y)
    _, _, table = fastinfo.contingency(x, y)
    expected = scipy.stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    assert result.dof == expected.dof
    assert type(result.dof) is int
    assert type(result.statistic) is float
    assert math.isclose(result.statistic, expected.statistic, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(result.pvalue, expected.pvalue, rel_tol=1e-10, abs_tol=1e-300)
    ref = reference.g_test(x, y)
    assert ref.dof == result.dof
    assert math.isclose(ref.statistic, result.statistic, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(ref.pvalue, result.pvalue, rel_tol=1e-10, abs_tol=1e-300)


def test_g_test_degenerate_and_strong_cases() -> None:
    assert fastinfo.g_test([0, 0, 0], [1, 2, 3]) == fastinfo.GTestResult(0.0, 0, 1.0)
    assert fastinfo.g_test([5], [5]) == fastinfo.GTestResult(0.0, 0, 1.0)
    x = np.arange(9_999) % 3
    strong = fastinfo.g_test(x, x)
    assert strong.dof == 4
    assert strong.statistic == pytest.approx(2 * 9_999 * math.log(3), rel=1e-12)
    assert strong.pvalue == 0.0  # below the smallest double
    expected = scipy.stats.chi2_contingency(
        fastinfo.contingency(x, x)[2], correction=False, lambda_="log-likelihood"
    )
    assert strong.pvalue == expected.pvalue


def test_incomplete_gamma_matches_scipy_everywhere() -> None:
    a = np.concatenate([np.arange(1, 41) / 2, np.geomspace(20, 1e7, 60)])
    rows = []
    for ai in a:
        sd = math.sqrt(ai)
        xs = np.concatenate(
            [
                [1e-8, 0.1, 1.0],
                ai + sd * np.array([-30, -8, -3, -1, -0.1, 0, 0.1, 1, 3, 8, 30]),
                [ai * 4 + 50, ai * 20 + 700],
            ]
        )
        rows += [(ai, xi) for xi in xs if xi > 0]
    av, xv = np.array(rows).T
    # scipy itself is off by up to 4e-12 in the far upper tail for a of a few thousand
    # (e.g. Q(5198.14, 7361.08): fastinfo within 8e-14 of mpmath, scipy 4e-12), hence 1e-11.
    got = _native.regularized_upper_gamma(av, xv)
    expected = scipy.special.gammaincc(av, xv)
    tiny = expected < 1e-290
    assert np.all(np.abs(got[tiny] - expected[tiny]) <= 1e-290)
    relative = np.abs(got[~tiny] - expected[~tiny]) / expected[~tiny]
    assert np.max(relative) < 1e-11, (
        av[~tiny][np.argmax(relative)],
        xv[~tiny][np.argmax(relative)],
    )


@pytest.mark.parametrize(
    ("a", "x"),
    [
        (0.5, 1e-3),
        (0.5, 30.0),
        (2.5, 7.0),
        (60.0, 40.0),
        (60.0, 95.0),
        (1e5, 1e5 + 300.0),
        (5198.1378702244965, 7361.08125441236),
        (2667.2864473775116, 4216.659805429004),
    ],
)
def test_incomplete_gamma_matches_mpmath(a: float, x: float) -> None:
    mpmath.mp.dps = 40
    exact = float(mpmath.gammainc(a, x, mpmath.inf, regularized=True))
    got = float(_native.regularized_upper_gamma(np.array([a]), np.array([x]))[0])
    assert math.isclose(got, exact, rel_tol=3e-13)


def test_incomplete_gamma_edges() -> None:
    q = _native.regularized_upper_gamma(
        np.array([1.0, 1.0, 0.0, -1.0, 1.0, np.nan]), np.array([0.0, np.inf, 1.0, 1.0, -1.0, 1.0])
    )
    assert q[0] == 1.0
    assert q[1] == 0.0
    assert np.all(np.isnan(q[2:]))


# ---------------------------------------------------------------------------------------------
# 6. Reproducibility, results, bad inputs


def test_same_bits_for_any_thread_count_and_repeated_seed() -> None:
    x, y, z = _law_data(50_000, 16, 12, 3)
    before = fastinfo.get_num_threads()
    results = []
    try:
        for threads in (1, 2, 3):
            fastinfo.set_num_threads(threads)
            for method in ("table", "shuffle"):
                results.append(native_null(x, y, z, 64, 2024, "miller_madow", method))
            results.append(native_null(x, y, None, 64, 2024, "plugin", "auto"))
    finally:
        fastinfo.set_num_threads(before)
    for i in range(3):
        first, again = results[i], results[i + 3]
        assert first[0] == again[0]
        assert first[1] == again[1]
        assert np.array_equal(first[2], again[2])
        assert np.array_equal(first[2], results[i + 6][2])
    other = native_null(x, y, None, 64, 2025, "plugin", "auto")
    assert not np.array_equal(other[2], results[2][2])


def test_seed_none_draws_a_fresh_seed() -> None:
    x = np.arange(200) % 7
    y = np.arange(200) % 5
    a = fastinfo.permutation_test(x, y, n_permutations=50)
    b = fastinfo.permutation_test(x, y, n_permutations=50)
    assert not np.array_equal(a.null_distribution, b.null_distribution)


def test_result_objects() -> None:
    result = fastinfo.permutation_test([0, 1, 0, 1] * 10, [0, 1, 1, 0] * 10, n_permutations=2000,
                                       seed=1)  # fmt: skip
    assert isinstance(result, fastinfo.PermutationTestResult)
    assert result.null_distribution.dtype == np.float64
    assert result.null_distribution.shape == (2000,)
    with pytest.raises(ValueError, match="read-only"):
        result.null_distribution[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.pvalue = 0.5  # type: ignore[misc]
    text = repr(result)
    assert text.startswith("PermutationTestResult(statistic=")
    assert "..." in text
    assert len(text) < 300
    g = fastinfo.g_test([0, 1, 0, 1], [0, 1, 1, 0])
    assert repr(g).startswith("GTestResult(statistic=")
    assert dataclasses.astuple(g) == (g.statistic, g.dof, g.pvalue)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("kwargs", "exc", "argument"),
    [
        ({"n_permutations": 0}, ValueError, "n_permutations"),
        ({"n_permutations": -3}, ValueError, "n_permutations"),
        ({"n_permutations": 2.0}, TypeError, "n_permutations"),
        ({"n_permutations": True}, TypeError, "n_permutations"),
        ({"n_permutations": 10**17}, MemoryError, "n_permutations"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 2**64}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": "1"}, TypeError, "seed"),
        ({"estimator": "ml"}, ValueError, "estimator"),
        ({"estimator": None}, TypeError, "estimator"),
        ({"given": [1, 2]}, ValueError, "given"),
        ({"given": [0.5] * 4}, TypeError, "given"),
    ],
)
def test_permutation_test_bad_options(impl: Any, kwargs: dict[str, Any], exc: type,
                                      argument: str) -> None:  # fmt: skip
    with pytest.raises(exc, match=argument):
        impl.permutation_test([0, 1, 0, 1], [1, 1, 0, 0], **kwargs)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ["permutation_test", "g_test"])
@pytest.mark.parametrize(
    ("x", "y", "exc", "argument"),
    [
        ([], [], ValueError, "x"),
        ([1, 2, 3], [1, 2], ValueError, "y"),
        ([1.5, 2.0], [1, 2], TypeError, "x"),
        ([1, 2], [0.5, 1.0], TypeError, "y"),
        (np.zeros((2, 2, 2), dtype=int), [1, 2], ValueError, "x"),
    ],
)
def test_bad_data(impl: Any, name: str, x: Any, y: Any, exc: type, argument: str) -> None:
    with pytest.raises(exc, match=rf"\b{argument}\b"):
        getattr(impl, name)(x, y)


def test_seed_accepts_numpy_integers_and_the_full_range() -> None:
    x, y = [0, 1, 0, 1, 1], [1, 0, 0, 1, 1]
    a = fastinfo.permutation_test(x, y, n_permutations=5, seed=np.uint64(2**64 - 1))
    b = fastinfo.permutation_test(x, y, n_permutations=5, seed=2**64 - 1)
    assert np.array_equal(a.null_distribution, b.null_distribution)


def test_native_method_is_checked() -> None:
    with pytest.raises(ValueError, match="method"):
        _native.permutation_test([np.array([0, 1])], [np.array([0, 1])], [], 5, 0, "plugin", "x")
