"""fastinfo.bootstrap: error bars of entropies and informations."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.stats
from helpers.contract import expect

import fastinfo
import fastinfo.reference as reference

STATISTICS = {
    fastinfo.entropy: 1,
    fastinfo.joint_entropy: 2,
    fastinfo.conditional_entropy: 2,
    fastinfo.mutual_information: 2,
    fastinfo.conditional_mutual_information: 3,
}


def data(n: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
    y = np.where(rng.random(n) < 0.6, x, rng.integers(0, 4, n))
    z = rng.integers(0, 2, n)
    return [x, y, z]


@pytest.mark.parametrize("statistic", list(STATISTICS), ids=lambda f: f.__name__)
def test_estimate_is_the_statistic_of_the_data(statistic: Any) -> None:
    variables = data(500, 1)[: STATISTICS[statistic]]
    for estimator in ("plugin", "miller_madow"):
        result = fastinfo.bootstrap(
            statistic, *variables, n_resamples=50, seed=3, estimator=estimator, base=2
        )
        assert result.estimate == statistic(*variables, estimator=estimator, base=2)
        values = result.bootstrap_distribution
        assert values.shape == (50,)
        assert not values.flags.writeable
        assert np.all(values >= 0)
        low, high = result.confidence_interval
        assert low <= high
        assert result.standard_error == pytest.approx(np.std(values, ddof=1))


def test_interval_and_error_are_those_of_the_values() -> None:
    x, y, _ = data(400, 2)
    result = fastinfo.bootstrap(
        fastinfo.mutual_information, x, y, n_resamples=200, confidence_level=0.9, seed=5
    )
    values = result.bootstrap_distribution
    assert tuple(result.confidence_interval) == tuple(np.quantile(values, [0.05, 0.95]))
    assert repr(result).startswith("BootstrapResult(estimate=")


def test_same_seed_same_values_for_any_thread_count(restore_threads: int) -> None:
    x, y, z = data(3000, 3)
    runs = []
    for threads in (1, 2, 3):
        fastinfo.set_num_threads(threads)
        runs.append(
            fastinfo.bootstrap(
                fastinfo.conditional_mutual_information, x, y, z, n_resamples=64, seed=11
            ).bootstrap_distribution
        )
    assert np.array_equal(runs[0], runs[1])
    assert np.array_equal(runs[0], runs[2])
    other = fastinfo.bootstrap(
        fastinfo.conditional_mutual_information, x, y, z, n_resamples=64, seed=12
    )
    assert not np.array_equal(runs[0], other.bootstrap_distribution)


def test_resampling_tables_has_the_law_of_resampling_rows() -> None:
    # fastinfo draws multinomial tables; the twin resamples rows. Same law, other numbers.
    x, y, _ = data(300, 4)
    fast = fastinfo.bootstrap(fastinfo.mutual_information, x, y, n_resamples=2000, seed=1)
    rows = reference.bootstrap(fastinfo.mutual_information, x, y, n_resamples=2000, seed=1)
    assert fast.estimate == pytest.approx(rows.estimate, rel=1e-12)
    a, b = fast.bootstrap_distribution, rows.bootstrap_distribution
    assert scipy.stats.ks_2samp(a, b).pvalue > 1e-3
    assert fast.standard_error == pytest.approx(rows.standard_error, rel=0.1)
    assert np.mean(a) == pytest.approx(np.mean(b), abs=4 * fast.standard_error / np.sqrt(2000) * 2)


def test_nsb_with_an_alphabet_on_every_resample() -> None:
    x = np.random.default_rng(0).integers(0, 5, 40)
    result = fastinfo.bootstrap(
        fastinfo.entropy, x, n_resamples=20, seed=0, estimator="nsb", alphabet_size=8
    )
    assert result.estimate == fastinfo.entropy(x, estimator="nsb", alphabet_size=8)
    twin = reference.bootstrap(
        fastinfo.entropy, x, n_resamples=20, seed=0, estimator="nsb", alphabet_size=8
    )
    assert twin.estimate == pytest.approx(result.estimate, rel=1e-8)


def test_interval_covers_the_truth_about_as_often_as_promised() -> None:
    # H of p = (0.5, 0.3, 0.2) from n = 2000 samples: the plug-in bias (~5e-4) is small against
    # the standard error (~0.02), so the 90% percentile interval covers H in ~90% of samples.
    p = np.array([0.5, 0.3, 0.2])
    truth = float(-np.sum(p * np.log(p)))
    covered = 0
    trials = 300
    for seed in range(trials):
        x = np.random.default_rng(seed).choice(3, 2000, p=p)
        low, high = fastinfo.bootstrap(
            fastinfo.entropy, x, n_resamples=300, confidence_level=0.9, seed=seed
        ).confidence_interval
        covered += low <= truth <= high
    # Binomial(300, 0.9) has standard deviation 5.2: a band of about 3.5 of them each side.
    assert 0.84 <= covered / trials <= 0.96


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
def test_bad_arguments(impl: Any) -> None:
    x, y, z = data(20, 5)
    mi = fastinfo.mutual_information
    expect(TypeError, "statistic", impl.bootstrap, np.mean, x)
    expect(TypeError, "statistic", impl.bootstrap, "entropy", x)
    expect(TypeError, "statistic", impl.bootstrap, fastinfo.counts, x)
    expect(TypeError, "variables", impl.bootstrap, mi, x)
    expect(TypeError, "variables", impl.bootstrap, mi, x, y, z)
    expect(ValueError, "n_resamples", impl.bootstrap, mi, x, y, n_resamples=1)
    expect(TypeError, "n_resamples", impl.bootstrap, mi, x, y, n_resamples=10.0)
    expect(TypeError, "n_resamples", impl.bootstrap, mi, x, y, n_resamples=True)
    expect(MemoryError, "n_resamples", impl.bootstrap, mi, x, y, n_resamples=10**30)
    for level in (0, 1, 1.5, -0.1, float("nan")):
        expect(ValueError, "confidence_level", impl.bootstrap, mi, x, y, confidence_level=level)
    expect(TypeError, "confidence_level", impl.bootstrap, mi, x, y, confidence_level="0.9")
    expect(ValueError, "seed", impl.bootstrap, mi, x, y, seed=-1)
    expect(ValueError, "y", impl.bootstrap, mi, x, y[:5])
    expect(ValueError, "alphabet_size", impl.bootstrap, mi, x, y, alphabet_size=(9, 9))


@pytest.mark.parametrize("impl", [fastinfo, fastinfo.reference], ids=["fastinfo", "reference"])
def test_random_state_is_another_name_for_seed_everywhere(impl: Any) -> None:
    """bootstrap, the kNN estimators and kl_divergence_samples refused random_state= with
    "unexpected keyword argument", naming neither spelling."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=120)
    y = x + rng.normal(size=120)
    z = rng.normal(size=120)
    calls = [
        lambda **s: (
            impl.bootstrap(impl.entropy, [1, 2, 2, 3], n_resamples=40, **s).confidence_interval
        ),
        lambda **s: impl.mutual_information(x, y, estimator="ksg", jitter=1e-9, **s),
        lambda **s: impl.conditional_mutual_information(x, y, z, estimator="ksg", jitter=1e-9, **s),
        lambda **s: impl.differential_entropy(x, estimator="kl", jitter=1e-9, **s),
        lambda **s: impl.kl_divergence_samples(x, y, jitter=1e-9, **s),
    ]
    for call in calls:
        assert call(random_state=7) == call(seed=7)
        assert call(random_state=7, seed=7) == call(seed=7)
        with pytest.raises(ValueError, match="seed=1 and random_state=2 disagree"):
            call(seed=1, random_state=2)
