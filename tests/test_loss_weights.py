"""``sample_weight=`` of the losses: scikit-learn's weighted mean, exact for repeated rows.

Checked against ``sklearn.metrics.log_loss(sample_weight=)``, against the rows repeated as many
times as their integer weight, against the twin (hypothesis), and with bad weights in both.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import scipy.special
from helpers import IMPLS
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import log_loss

import fastinfo
import fastinfo.reference


def close(a: Any, b: Any, rtol: float = 1e-12, atol: float = 1e-300) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol, atol)


@pytest.mark.parametrize("impl", IMPLS)
def test_against_sklearn_log_loss_with_sample_weight(impl: Any) -> None:
    rng = np.random.default_rng(11)
    for k in (2, 5, 40):
        z = 2 * rng.standard_normal((300, k))
        y = rng.integers(0, k, 300)
        w = rng.random(300) * 3
        w[::7] = 0.0
        p = scipy.special.softmax(z, axis=1)
        expected = log_loss(y, p, labels=np.arange(k), sample_weight=w)
        close(impl.cross_entropy_loss(p, y, from_logits=False, sample_weight=w), expected)
        close(impl.cross_entropy_loss(z, y, sample_weight=w), expected)
    q = rng.uniform(0.01, 0.99, 400)
    t = rng.integers(0, 2, 400)
    w = rng.integers(0, 5, 400)
    expected = log_loss(t, q, sample_weight=w)
    close(impl.binary_cross_entropy(q, t, sample_weight=w), expected)
    logits = scipy.special.logit(q)
    close(impl.binary_cross_entropy_with_logits(logits, t, sample_weight=w), expected)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_integer_weights_repeat_the_rows(impl: Any, reduction: str) -> None:
    rng = np.random.default_rng(5)
    z = 4 * rng.standard_normal((200, 6))
    y = rng.integers(0, 6, 200)
    w = rng.integers(0, 4, 200)
    rows = np.repeat(np.arange(200), w)
    for options in ({}, {"label_smoothing": 0.2}):
        got = impl.cross_entropy_loss(z, y, sample_weight=w, reduction=reduction, **options)
        want = impl.cross_entropy_loss(z[rows], y[rows], reduction=reduction, **options)
        close(got, want, rtol=1e-14)
        # Float weights of the same values.
        floats = w.astype(float)
        close(
            impl.cross_entropy_loss(z, y, sample_weight=floats, reduction=reduction, **options), got
        )
    # Scaled weights, the same mean.
    scale = impl.cross_entropy_loss(z, y, sample_weight=w * 1e-9)
    close(scale, impl.cross_entropy_loss(z, y, sample_weight=w), rtol=1e-14)
    q = rng.uniform(0, 1, 200)
    t = rng.uniform(0, 1, 200)
    for name, x in (
        ("binary_cross_entropy", q),
        ("binary_cross_entropy_with_logits", scipy.special.logit(q)),
    ):
        fn = getattr(impl, name)
        got = fn(x, t, sample_weight=w, reduction=reduction)
        close(got, fn(x[rows], t[rows], reduction=reduction), rtol=1e-14)


@pytest.mark.parametrize("impl", IMPLS)
def test_none_zero_weights_ignore_index_and_class_weights(impl: Any) -> None:
    z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, -np.inf, 1.0], [1.0, 1.0, 1.0]])
    y = np.array([0, 1, 1, 2])
    rows = impl.cross_entropy_loss(z, y, reduction="none")
    assert rows[2] == math.inf
    w = np.array([2.0, 0.5, 0.0, 1.0])
    got = impl.cross_entropy_loss(z, y, sample_weight=w, reduction="none")
    with np.errstate(invalid="ignore"):
        close(got, np.where(w == 0, 0.0, w * rows))  # 0 * inf = 0
    mean = impl.cross_entropy_loss(z, y, sample_weight=w)
    close(mean, (2 * rows[0] + 0.5 * rows[1] + rows[3]) / 3.5)
    # An ignored row is out of the numerator and the denominator.
    ignored = impl.cross_entropy_loss(z, [0, 1, -100, 2], sample_weight=w, ignore_index=-100)
    close(ignored, mean)
    assert math.isnan(impl.cross_entropy_loss(z, [-1, -1, 1, -1], sample_weight=w, ignore_index=-1))
    # PyTorch's class weights c: the mean sum(c[y] l) / sum(c[y]), as CrossEntropyLoss(weight=c).
    c = np.array([0.2, 3.0, 1.5])
    close(
        impl.cross_entropy_loss(z[[0, 1, 3]], y[[0, 1, 3]], sample_weight=c[y[[0, 1, 3]]]),
        (0.2 * rows[0] + 3.0 * rows[1] + 1.5 * rows[3]) / 4.7,
    )
    # Batched (..., k) logits take weights of the shape of labels.
    batch = np.stack([z[[0, 1, 3]], z[[3, 1, 0]]])
    labels = np.array([[0, 1, 2], [2, 1, 0]])
    weights = np.array([[1.0, 2.0, 0.0], [3.0, 0.0, 1.0]])
    close(
        impl.cross_entropy_loss(batch, labels, sample_weight=weights),
        impl.cross_entropy_loss(batch.reshape(6, 3), labels.ravel(), sample_weight=weights.ravel()),
    )
    assert impl.binary_cross_entropy([0.0, 0.5], [1.0, 1.0], sample_weight=[0, 2]) == math.log(2)
    per = impl.binary_cross_entropy_with_logits(
        [0.0, 3.0], [1, 0], sample_weight=[2, 0.5], reduction="none"
    )
    close(per, [2 * math.log(2), 0.5 * (3 + math.log1p(math.exp(-3)))])


weights_strategy = st.floats(0, 1e3) | st.sampled_from([0.0, 1.0, 2.0])


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 8), st.integers(1, 5)), elements=st.floats(-50, 50)
    ),
    st.data(),
)
def test_cross_entropy_weights_match_reference(z: np.ndarray, data: Any) -> None:
    n, k = z.shape
    y = data.draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    w = data.draw(hnp.arrays(np.float64, n, elements=weights_strategy))
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    smoothing = data.draw(st.sampled_from([0.0, 0.1, 1.0]))
    options = {"sample_weight": w, "reduction": reduction, "label_smoothing": smoothing}
    if not (w > 0).any():
        for impl in (fastinfo, fastinfo.reference):
            with pytest.raises(ValueError, match="sample_weight"):
                impl.cross_entropy_loss(z, y, **options)
        return
    got = fastinfo.cross_entropy_loss(z, y, **options)
    # The twin's textbook log-softmax loses the relative digits of tiny losses: an absolute floor.
    want = fastinfo.reference.cross_entropy_loss(z, y, **options)
    close(got, want, rtol=1e-11, atol=1e-13 * (1 + float(np.max(w))))
    if reduction == "mean":
        # Scaling every weight leaves the weighted mean unchanged.
        scaled = fastinfo.cross_entropy_loss(z, y, **{**options, "sample_weight": w * 8.0})
        close(scaled, got, rtol=1e-14)


@given(
    hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-30, 30) | st.just(np.inf)),
    st.data(),
)
def test_binary_weights_match_reference(z: np.ndarray, data: Any) -> None:
    y = data.draw(
        hnp.arrays(np.float64, z.shape, elements=st.sampled_from([0.0, 1.0]) | st.floats(0, 1))
    )
    w = data.draw(hnp.arrays(np.float64, z.shape, elements=weights_strategy))
    if not (w > 0).any():
        w[0] = 1.0
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    for name, x in (
        ("binary_cross_entropy_with_logits", z),
        ("binary_cross_entropy", scipy.special.expit(z)),
    ):
        got = getattr(fastinfo, name)(x, y, reduction=reduction, sample_weight=w)
        want = getattr(fastinfo.reference, name)(x, y, reduction=reduction, sample_weight=w)
        # The twin's log(p) near p = 1 has only absolute accuracy: an absolute floor.
        close(got, want, rtol=1e-11, atol=1e-13 * (1 + float(np.max(w))))


BAD_WEIGHTS = [
    pytest.param([1.0, 1.0], ValueError, id="short"),
    pytest.param([[1.0, 1.0, 1.0]], ValueError, id="2-d"),
    pytest.param([1.0, -1.0, 1.0], ValueError, id="negative"),
    pytest.param([1.0, np.nan, 1.0], ValueError, id="nan"),
    pytest.param([1.0, np.inf, 1.0], ValueError, id="inf"),
    pytest.param([0, 0, 0], ValueError, id="all-zero"),
    pytest.param(["a", "b", "c"], TypeError, id="strings"),
    pytest.param(np.array([None, 1, 1]), TypeError, id="object"),
    pytest.param(np.ma.masked_array([1.0, 2.0, 3.0], mask=[0, 1, 0]), ValueError, id="masked"),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("weights", "error"), BAD_WEIGHTS)
def test_bad_weights_name_sample_weight(impl: Any, weights: Any, error: type) -> None:
    logits = np.zeros((3, 2))
    calls = [
        lambda: impl.cross_entropy_loss(logits, [0, 1, 0], sample_weight=weights),
        lambda: impl.cross_entropy_loss(
            np.full((3, 2), 0.5), [0, 1, 0], from_logits=False, sample_weight=weights
        ),
        lambda: impl.binary_cross_entropy([0.2, 0.5, 0.9], [0, 1, 1], sample_weight=weights),
        lambda: impl.binary_cross_entropy_with_logits(
            [0.2, 0.5, 9], [0, 1, 1], sample_weight=weights
        ),
    ]
    for call in calls:
        with pytest.raises(error, match="sample_weight"):
            call()


@pytest.mark.parametrize("impl", IMPLS)
def test_perplexity_and_bits_per_token_take_weights(impl: Any) -> None:
    rng = np.random.default_rng(3)
    nll = rng.exponential(2.0, 300)
    w = rng.integers(0, 4, 300)
    repeated = np.repeat(nll, w)
    close(impl.bits_per_token(nll, sample_weight=w), impl.bits_per_token(repeated), rtol=1e-14)
    close(impl.perplexity(nll, sample_weight=w), impl.perplexity(repeated), rtol=1e-13)
    # A mask: the weighted mean of the loss per token, then its perplexity.
    logits = rng.standard_normal((300, 10))
    labels = rng.integers(0, 10, 300)
    mask = (rng.random(300) < 0.7).astype(float)
    per_token = impl.cross_entropy_loss(logits, labels, reduction="none")
    mean = impl.cross_entropy_loss(logits, labels, sample_weight=mask)
    close(impl.perplexity(per_token, sample_weight=mask), math.exp(mean))
    assert impl.perplexity([1.0, math.inf], sample_weight=[1, 0]) == math.e
    close(impl.bits_per_token([[1.0, 3.0]], sample_weight=[[1, 3]], base=2), 2.5)
    with pytest.raises(ValueError, match="sample_weight"):
        impl.perplexity(2.0, sample_weight=[1.0])
    for bad in ([1.0, -1.0], [0, 0], [1.0], [np.nan, 1.0]):
        with pytest.raises(ValueError, match="sample_weight"):
            impl.bits_per_token([1.0, 2.0], sample_weight=bad)
