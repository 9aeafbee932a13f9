"""ML losses and evaluation units: cross_entropy_loss, binary_cross_entropy, perplexity, bits.

Checked against the pure-numpy twin (PyTorch's definitions written out, rtol 1e-12), against
independent implementations (scipy.special.log_softmax, sklearn.metrics.log_loss, mpmath at 50
digits), closed forms and identities (cross-entropy = entropy + KL, shift invariance, binary =
two-class), with the bad-input matrix, memory layouts and thread-count determinism.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from typing import Any

import mpmath
import numpy as np
import pytest
import scipy.special
from helpers import IMPLS
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.metrics import log_loss

import fastinfo
import fastinfo.pmf
import fastinfo.reference

RTOL = 1e-12


def close(a: Any, b: Any, rtol: float = RTOL, atol: float = 1e-13) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol, atol)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def mp_loss(row: np.ndarray, label: int, smoothing: float = 0.0) -> float:
    """The loss of one row of logits at 50 significant digits (mpmath).

    ``logsumexp(z) - z_j = (m - z_j) + log1p(sum over the others of exp(z_i - m))``: written so
    that tiny losses keep their digits too.
    """
    with mpmath.workdps(50):
        z = [mpmath.mpf(float(v)) for v in row]
        top = int(np.argmax(row))
        m = z[top]
        rest = mpmath.fsum(mpmath.exp(v - m) for i, v in enumerate(z) if i != top)
        log_sum = mpmath.log1p(rest)
        nll = (m - z[label]) + log_sum
        smooth = mpmath.fsum((m - v) + log_sum for v in z) / len(z)
        terms = [(1 - smoothing, nll), (smoothing, smooth)]
        return float(mpmath.fsum(mpmath.mpf(w) * v for w, v in terms if w != 0))


def mp_binary(z: float, y: float) -> float:
    """``-[y log sigmoid(z) + (1 - y) log(1 - sigmoid(z))]`` at 50 digits, as softplus terms."""
    with mpmath.workdps(50):
        z = mpmath.mpf(z)
        terms = [(y, mpmath.log1p(mpmath.exp(-z))), (1 - y, mpmath.log1p(mpmath.exp(z)))]
        return float(mpmath.fsum(mpmath.mpf(w) * v for w, v in terms if w != 0))


# ---------------------------------------------------------------------------------------------
# Closed forms and published values


@pytest.mark.parametrize("impl", IMPLS)
def test_closed_forms(impl):
    for k in (1, 2, 3, 10, 32_000):
        assert impl.cross_entropy_loss(np.zeros((3, k)), [0, k - 1, k // 2]) == pytest.approx(
            math.log(k), rel=1e-15, abs=0
        )
    assert impl.cross_entropy_loss(np.zeros((2, 4)), [0, 3], base=2) == 2.0
    # The textbook softmax example: softmax([2, 1, 0.1]) = [0.659, 0.242, 0.099].
    close(impl.cross_entropy_loss([2.0, 1.0, 0.1], 0), 0.41703001627783354)
    close(impl.binary_cross_entropy([0.0, 0.0], [0, 1], base=2), 1.0)
    assert impl.perplexity(math.log(50_257) * np.ones(7)) == pytest.approx(50_257, rel=1e-12)
    assert impl.bits_per_token(2.0, base=2) == 2.0
    assert impl.bits_per_byte(11 * math.log(4), 11) == pytest.approx(2.0, rel=1e-15)


def test_values_at_high_precision():
    rng = np.random.default_rng(5)
    cases = []
    for scale in (1.0, 30.0, 1e4, 1e300):
        for k in (2, 5, 1030):
            z = scale * rng.standard_normal((4, k))
            cases.append((z, rng.integers(0, k, 4)))
    z = rng.standard_normal((3, 6))
    z[:, 2] = -np.inf
    cases.append((z, np.array([0, 1, 5])))
    for z, y in cases:
        for eps in (0.0, 0.25):
            got = fastinfo.cross_entropy_loss(z, y, label_smoothing=eps, reduction="none")
            want = [mp_loss(row, label, eps) for row, label in zip(z, y)]
            # Relative precision even for tiny losses (a confident, correct prediction), where
            # the float64 textbook formula (and PyTorch) round log(1 + tiny) to 0.
            np.testing.assert_allclose(got, want, rtol=1e-13, atol=0, err_msg=f"eps={eps}")
    for z in (-1e300, -800.0, -37.0, -1.0, 0.0, 1e-8, 2.5, 40.0, 800.0, 1e4):
        for y in (0.0, 0.3, 1.0):
            got = fastinfo.binary_cross_entropy([z], [y])
            assert got == pytest.approx(mp_binary(z, y), rel=1e-14, abs=1e-300), (z, y)


def test_extremes_do_not_overflow():
    ce = fastinfo.cross_entropy_loss
    for big in (1e4, 1e300):
        assert ce([[big, -big]], [1]) == 2 * big
        assert ce([[big, -big]], [0]) == 0.0
        assert ce([[big, big]], [0]) == pytest.approx(math.log(2), rel=1e-15)
    big32 = np.float32(3e38)
    assert ce(np.array([[big32, -big32]]), [1]) == pytest.approx(2 * float(big32), rel=1e-15)
    inf = math.inf
    assert ce([[0.0, -inf, 1.0]], [1]) == inf
    assert ce([[0.0, -inf, 1.0]], [2]) == pytest.approx(math.log1p(math.exp(-1)), rel=1e-15)
    assert ce([[0.0, -inf, 1.0]], [2], label_smoothing=0.1) == inf
    assert ce([[-inf, 5.0]], [1]) == 0.0
    assert ce([[0.0, 1.0]], [0], label_smoothing=1.0) == ce([[0.0, 1.0]], [1], label_smoothing=1.0)
    bce = fastinfo.binary_cross_entropy
    assert bce([1e300, -1e300], [0, 1], reduction="none").tolist() == [1e300, 1e300]
    assert bce([1e4], [1]) == 0.0
    assert bce([inf, -inf, inf, -inf], [1, 0, 0.5, 1e-9], reduction="none").tolist() == [
        0.0,
        0.0,
        inf,
        inf,
    ]
    assert bce([50.0], [1.0]) == pytest.approx(math.exp(-50), rel=1e-14)  # no rounding to 0
    assert bce([0.0, 1.0], [0.0, 1.0], from_logits=False) == 0.0
    assert bce([0.0], [0.5], from_logits=False) == inf


@pytest.mark.parametrize("impl", IMPLS)
def test_nan_and_positive_infinity_are_errors(impl):
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError, match=r"logits: row 1 has the logit .* at class 2"):
            impl.cross_entropy_loss([[0.0, 1.0, 2.0], [0.0, 1.0, bad]], [0, 1])
        # An ignored row is not read.
        assert math.isfinite(
            impl.cross_entropy_loss([[0.0, 1.0, 2.0], [0.0, 1.0, bad]], [0, -1], ignore_index=-1)
        )
    with pytest.raises(ValueError, match="no finite logit"):
        impl.cross_entropy_loss([[-math.inf, -math.inf]], [0])
    with pytest.raises(ValueError, match="logits_or_probs"):
        impl.binary_cross_entropy([0.0, math.nan], [0, 1])


# ---------------------------------------------------------------------------------------------
# Against the reference, scipy and scikit-learn


@st.composite
def ce_cases(draw):
    k = draw(st.integers(1, 40))
    batch = draw(st.sampled_from([(), (0,), (1,), (5,), (3, 4), (2, 1, 3)]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([1e-3, 1.0, 20.0, 1e4]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    z = (scale * rng.standard_normal((*batch, k))).astype(dtype)
    if draw(st.booleans()) and z.size and k > 1:
        z.reshape(-1)[rng.integers(0, z.size)] = -np.inf  # one impossible class somewhere
    y = rng.integers(0, k, batch)
    ignore = draw(st.sampled_from([None, -100, 0]))
    if ignore == -100 and y.size:
        y.reshape(-1)[rng.random(y.size) < 0.3] = -100
    options = {
        "ignore_index": ignore,
        "label_smoothing": draw(st.sampled_from([0.0, 0.1, 1.0])),
        "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
        "base": draw(st.sampled_from([None, 2, 10])),
    }
    return z, y, options


def _rows_without_a_valid_answer(z: np.ndarray) -> bool:
    return bool(np.all(z == -np.inf, axis=-1).any())


@given(ce_cases())
def test_cross_entropy_matches_reference(case):
    z, y, options = case
    if _rows_without_a_valid_answer(z):
        return
    got = fastinfo.cross_entropy_loss(z, y, **options)
    want = fastinfo.reference.cross_entropy_loss(z, y, **options)
    if isinstance(want, float):
        assert isinstance(got, float)
    else:
        assert got.dtype == np.float64
        assert got.shape == want.shape == y.shape
    close(got, want)


@given(ce_cases())
def test_probabilities_match_logits(case):
    z, y, options = case
    if _rows_without_a_valid_answer(z):
        return
    p = softmax(z.astype(np.float64))
    if (p == 0).any():  # underflow: log 0 = -inf where the logits still give a finite loss
        return
    got = fastinfo.cross_entropy_loss(p, y, from_logits=False, **options)
    want = fastinfo.cross_entropy_loss(z, y, **options)
    ref = fastinfo.reference.cross_entropy_loss(p, y, from_logits=False, **options)
    close(got, ref)
    # softmax rounds each probability: agreement to 1e-12 relative or 1e-12 absolute.
    close(got, want, rtol=1e-10, atol=1e-12)


def test_against_scipy_log_softmax_and_sklearn_log_loss():
    rng = np.random.default_rng(9)
    for k in (2, 7, 300):
        z = 3 * rng.standard_normal((500, k))
        y = rng.integers(0, k, 500)
        want = -scipy.special.log_softmax(z, axis=1)[np.arange(500), y]
        close(fastinfo.cross_entropy_loss(z, y, reduction="none"), want)
        p = scipy.special.softmax(z, axis=1)
        expected = log_loss(y, p, labels=np.arange(k))
        close(fastinfo.cross_entropy_loss(p, y, from_logits=False), expected, rtol=1e-12)
    q = rng.random(400)
    t = rng.integers(0, 2, 400)
    close(fastinfo.binary_cross_entropy(q, t, from_logits=False), log_loss(t, q), rtol=1e-12)
    logits = rng.standard_normal(400) * 5
    close(fastinfo.binary_cross_entropy(logits, t), log_loss(t, scipy.special.expit(logits)))


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=0, max_dims=3, max_side=6),
        elements=st.floats(-1e6, 1e6) | st.sampled_from([np.inf, -np.inf, 0.0]),
    ),
    st.data(),
)
def test_binary_matches_reference(z, data):
    y = data.draw(
        hnp.arrays(np.float64, z.shape, elements=st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0))
    )
    reduction = data.draw(st.sampled_from(["mean", "sum", "none"]))
    for from_logits, x in ((True, z), (False, scipy.special.expit(z))):
        got = fastinfo.binary_cross_entropy(x, y, from_logits=from_logits, reduction=reduction)
        want = fastinfo.reference.binary_cross_entropy(
            x, y, from_logits=from_logits, reduction=reduction
        )
        close(got, want, rtol=1e-12, atol=1e-300)


# ---------------------------------------------------------------------------------------------
# Identities


@given(ce_cases(), st.floats(-1e3, 1e3))
def test_identities(case, shift):
    z, y, options = case
    options = {**options, "base": None}
    z = z.astype(np.float64)
    if _rows_without_a_valid_answer(z) or z.size == 0:
        return
    loss = fastinfo.cross_entropy_loss(z, y, **{**options, "reduction": "none"})
    loss = np.atleast_1d(loss)
    used = (
        np.ones(y.shape, bool) if options["ignore_index"] is None else y != options["ignore_index"]
    )
    used = np.atleast_1d(used)
    # Shift invariance: softmax(z + c) = softmax(z).
    shifted = np.atleast_1d(
        fastinfo.cross_entropy_loss(z + shift, y, **{**options, "reduction": "none"})
    )
    finite = np.isfinite(loss)
    scale = abs(shift) + np.abs(z[np.isfinite(z)]).max()
    close(shifted[finite], loss[finite], rtol=1e-9, atol=1e-9 * scale)
    # Reductions: sum of the rows, mean over the rows not ignored.
    total = fastinfo.cross_entropy_loss(z, y, **{**options, "reduction": "sum"})
    mean = fastinfo.cross_entropy_loss(z, y, **{**options, "reduction": "mean"})
    close(total, loss.sum())
    if used.any():
        close(mean, loss.sum() / used.sum())
    else:
        assert math.isnan(mean)
    # Ignored rows are the same as dropped rows.
    if options["ignore_index"] is not None and used.any():
        rows = z.reshape(-1, z.shape[-1])[used.reshape(-1)]
        labels = np.atleast_1d(y).reshape(-1)[used.reshape(-1)]
        kept = {**options, "ignore_index": None, "reduction": "mean"}
        close(mean, fastinfo.cross_entropy_loss(rows, labels, **kept))
    # Base: a change of unit.
    in_bits = fastinfo.cross_entropy_loss(z, y, **{**options, "reduction": "mean", "base": 2})
    close(in_bits, mean / math.log(2))


@given(ce_cases())
def test_cross_entropy_is_entropy_plus_kl(case):
    """H(t, p) = H(t) + KL(t || p) for the smoothed target t and the model p = softmax(z)."""
    z, y, options = case
    eps = options["label_smoothing"]
    z = z.astype(np.float64).reshape(-1, z.shape[-1])
    y = np.atleast_1d(y).reshape(-1)
    if z.shape[0] == 0 or not np.isfinite(z).all():
        return
    y = np.where(y < 0, 0, y)
    k = z.shape[1]
    target = np.full(z.shape, eps / k)
    target[np.arange(len(y)), y] += 1 - eps
    p = softmax(z)
    loss = fastinfo.cross_entropy_loss(z, y, label_smoothing=eps, reduction="none")
    if (p == 0).any():  # KL is then infinite where the smoothed target is positive
        return
    via_pmf = fastinfo.pmf.entropy(target) + fastinfo.pmf.kl_divergence(target, p)
    close(loss, via_pmf, rtol=1e-9, atol=1e-9)
    close(loss, fastinfo.pmf.cross_entropy(target, p), rtol=1e-9, atol=1e-9)


@given(st.lists(st.floats(-50, 50), min_size=1, max_size=40), st.data())
def test_binary_is_two_class_cross_entropy(z, data):
    z = np.array(z)
    y = np.array(data.draw(st.lists(st.integers(0, 1), min_size=len(z), max_size=len(z))))
    two_class = np.column_stack([np.zeros_like(z), z])  # sigmoid(z) = softmax([0, z])[1]
    close(
        fastinfo.binary_cross_entropy(z, y, reduction="none"),
        fastinfo.cross_entropy_loss(two_class, y, reduction="none"),
        rtol=1e-12,
        atol=1e-15,
    )


def test_float32_is_read_exactly_and_batched_equals_flat():
    rng = np.random.default_rng(2)
    z32 = rng.standard_normal((4, 6, 1100), dtype=np.float32) * 7
    y = rng.integers(0, 1100, (4, 6))
    for reduction in ("mean", "sum"):
        a = fastinfo.cross_entropy_loss(z32, y, reduction=reduction)
        b = fastinfo.cross_entropy_loss(z32.astype(np.float64), y, reduction=reduction)
        assert a == b  # the same widened values, the same operations: the same bits
        assert a == fastinfo.cross_entropy_loss(
            z32.reshape(24, 1100), y.reshape(24), reduction=reduction
        )
    per = fastinfo.cross_entropy_loss(z32, y, reduction="none")
    assert per.shape == (4, 6)
    np.testing.assert_array_equal(
        per.reshape(-1),
        fastinfo.cross_entropy_loss(z32.reshape(24, 1100), y.reshape(-1), reduction="none"),
    )
    # float16 is widened to float32; integer logits to float64.
    z16 = z32.astype(np.float16)
    assert fastinfo.cross_entropy_loss(z16, y) == fastinfo.cross_entropy_loss(
        z16.astype(np.float32), y
    )
    zi = rng.integers(-5, 5, (3, 4))
    assert fastinfo.cross_entropy_loss(zi, [0, 1, 2]) == fastinfo.cross_entropy_loss(
        zi.astype(float), [0, 1, 2]
    )


@pytest.mark.parametrize("impl", IMPLS)
def test_evaluation_units(impl):
    rng = np.random.default_rng(4)
    nll = rng.exponential(2.0, 1000)
    mean = float(np.mean(nll))
    assert impl.perplexity(nll) == pytest.approx(math.exp(mean), rel=1e-14)
    assert impl.perplexity(mean) == pytest.approx(math.exp(mean), rel=1e-14)
    assert impl.perplexity(nll) == pytest.approx(2 ** impl.bits_per_token(nll), rel=1e-13)
    assert impl.perplexity(nll / math.log(2), base=2) == pytest.approx(math.exp(mean), rel=1e-13)
    assert impl.bits_per_token(nll) == pytest.approx(mean / math.log(2), rel=1e-15)
    assert impl.bits_per_token(nll / math.log(10), base=10) == pytest.approx(
        mean / math.log(2), rel=1e-13
    )
    total = float(np.sum(nll))
    assert impl.bits_per_byte(nll, 4321) == pytest.approx(total / (4321 * math.log(2)), rel=1e-14)
    assert impl.bits_per_byte(total, 4321) == pytest.approx(total / (4321 * math.log(2)), rel=1e-14)
    assert impl.bits_per_byte(total / math.log(2), 4321, base=2) == pytest.approx(
        total / 4321 / math.log(2), rel=1e-14
    )
    # 2 ** bits_per_byte is the byte perplexity exp(total nats / n_bytes) (lm-eval-harness #242).
    assert 2 ** impl.bits_per_byte(total, 4321) == pytest.approx(math.exp(total / 4321), rel=1e-13)
    # Jensen: averaging per-token perplexities overstates the perplexity.
    assert impl.perplexity(nll) < np.mean(np.exp(nll))
    assert impl.perplexity(1e6) == math.inf
    assert impl.perplexity([0.0, math.inf]) == math.inf
    assert impl.perplexity(0) == 1.0


def test_evaluation_units_chain_with_the_loss():
    rng = np.random.default_rng(8)
    z = rng.standard_normal((200, 50))
    y = rng.integers(0, 50, 200)
    mean = fastinfo.cross_entropy_loss(z, y)
    assert fastinfo.perplexity(
        fastinfo.cross_entropy_loss(z, y, reduction="none")
    ) == pytest.approx(math.exp(mean), rel=1e-13)
    assert fastinfo.perplexity(fastinfo.cross_entropy_loss(z, y, base=2), base=2) == pytest.approx(
        math.exp(mean), rel=1e-13
    )
    total = fastinfo.cross_entropy_loss(z, y, reduction="sum")
    assert fastinfo.bits_per_byte(total, 777) == pytest.approx(
        fastinfo.cross_entropy_loss(z, y, reduction="sum", base=2) / 777, rel=1e-13
    )


# ---------------------------------------------------------------------------------------------
# Bad inputs


def _raises(kind: type[Exception], name: str, call, *args, **kwargs) -> None:
    with pytest.raises(kind) as info:
        call(*args, **kwargs)
    assert name in str(info.value), str(info.value)
    assert "PanicException" not in type(info.value).__name__


@pytest.mark.parametrize("impl", IMPLS)
def test_cross_entropy_bad_inputs(impl):
    ce = impl.cross_entropy_loss
    z = np.zeros((3, 4))
    _raises(ValueError, "labels[1] = 4", ce, z, [0, 4, 1])
    _raises(ValueError, "labels[2] = -1", ce, z, [0, 1, -1])
    _raises(ValueError, "labels[1, 0] = 9", ce, np.zeros((2, 2, 4)), [[0, 1], [9, 0]])
    _raises(ValueError, "labels", ce, z, np.array([0, 1, 2**63 + 5], dtype=np.uint64))
    _raises(ValueError, "labels", ce, z, [0, 1])
    _raises(ValueError, "labels", ce, z, [[0, 1, 2]])
    _raises(TypeError, "labels", ce, z, [0.0, 1.0, 2.0])
    _raises(TypeError, "labels", ce, z, ["a", "b", "c"])
    _raises(TypeError, "logits", ce, [["a", "b"]], [0])
    _raises(TypeError, "logits", ce, np.zeros((1, 2), dtype=complex), [0])
    _raises(ValueError, "logits", ce, 3.0, 0)
    _raises(ValueError, "logits", ce, np.zeros((3, 0)), [0, 0, 0])
    _raises(ValueError, "reduction", ce, z, [0, 1, 2], reduction="average")
    _raises(TypeError, "reduction", ce, z, [0, 1, 2], reduction=None)
    _raises(ValueError, "label_smoothing", ce, z, [0, 1, 2], label_smoothing=1.5)
    _raises(ValueError, "label_smoothing", ce, z, [0, 1, 2], label_smoothing=math.nan)
    _raises(TypeError, "label_smoothing", ce, z, [0, 1, 2], label_smoothing="0.1")
    _raises(TypeError, "ignore_index", ce, z, [0, 1, 2], ignore_index=True)
    _raises(TypeError, "ignore_index", ce, z, [0, 1, 2], ignore_index=1.0)
    _raises(TypeError, "from_logits", ce, z, [0, 1, 2], from_logits=1)
    _raises(ValueError, "base", ce, z, [0, 1, 2], base=1)
    _raises(ValueError, "base", ce, z, [0, 1, 2], base=-2.0)
    _raises(TypeError, "base", ce, z, [0, 1, 2], base="e")
    p = np.full((2, 3), 1 / 3)
    _raises(ValueError, "logits", ce, p * 0.9, [0, 1], from_logits=False)
    _raises(ValueError, "logits", ce, np.array([[1.5, -0.5, 0.0]]), [0], from_logits=False)
    _raises(ValueError, "logits", ce, np.array([[math.nan, 0.5, 0.5]]), [1], from_logits=False)
    # Empty batches: PyTorch's conventions.
    assert math.isnan(ce(np.zeros((0, 4)), np.zeros(0, dtype=int)))
    assert ce(np.zeros((0, 4)), np.zeros(0, dtype=int), reduction="sum") == 0.0
    empty = ce(np.zeros((0, 4)), np.zeros(0, dtype=int), reduction="none")
    assert empty.shape == (0,)
    assert math.isnan(ce(z, [-100] * 3, ignore_index=-100))


@pytest.mark.parametrize("impl", IMPLS)
def test_binary_and_unit_bad_inputs(impl):
    bce = impl.binary_cross_entropy
    _raises(ValueError, "labels[1]", bce, [0.0, 0.0], [0.0, 1.5])
    _raises(ValueError, "labels[0, 1]", bce, [[0.0, 0.0]], [[0.0, math.nan]])
    _raises(ValueError, "labels", bce, [0.0, 0.0], [0.0])
    _raises(TypeError, "labels", bce, [0.0], ["a"])
    _raises(TypeError, "logits_or_probs", bce, ["a"], [0])
    _raises(ValueError, "logits_or_probs", bce, [0.5, 1.5], [0, 1], from_logits=False)
    _raises(ValueError, "reduction", bce, [0.0], [0], reduction="max")
    assert math.isnan(bce(np.zeros(0), np.zeros(0)))
    assert bce(np.zeros(0), np.zeros(0), reduction="sum") == 0.0
    for f in (impl.perplexity, impl.bits_per_token):
        _raises(ValueError, "nll", f, [])
        _raises(ValueError, "nll[1]", f, [1.0, -0.5])
        _raises(ValueError, "nll", f, math.nan)
        _raises(TypeError, "nll", f, "2.0")
        _raises(ValueError, "base", f, 1.0, base=0)
    _raises(ValueError, "total_nll", impl.bits_per_byte, -1.0, 10)
    _raises(ValueError, "n_bytes", impl.bits_per_byte, 1.0, 0)
    _raises(TypeError, "n_bytes", impl.bits_per_byte, 1.0, 10.0)
    _raises(TypeError, "n_bytes", impl.bits_per_byte, 1.0, True)
    _raises(TypeError, "n_bytes", impl.bits_per_byte, 1.0, "hello")


def test_memory_budget_is_checked_before_a_large_per_row_output(monkeypatch):
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000")
    _raises(
        MemoryError,
        "reduction='none'",
        fastinfo.cross_entropy_loss,
        np.zeros((500, 2)),
        np.zeros(500, dtype=int),
        reduction="none",
    )
    _raises(
        MemoryError,
        "reduction='none'",
        fastinfo.binary_cross_entropy,
        np.zeros(500),
        np.zeros(500),
        reduction="none",
    )
    assert fastinfo.cross_entropy_loss(np.zeros((500, 2)), np.zeros(500, dtype=int)) > 0


# ---------------------------------------------------------------------------------------------
# Layouts, threads, SIMD levels


def test_layouts_give_the_same_bits():
    rng = np.random.default_rng(6)
    z = rng.standard_normal((40, 30))
    y = rng.integers(0, 30, 40)
    want = fastinfo.cross_entropy_loss(z, y, reduction="none")
    variants = [
        np.asfortranarray(z),
        z.astype(">f8"),
        np.ascontiguousarray(np.hstack([z, z])[:, :30]),
        np.hstack([z, z])[:, :30],  # non-contiguous rows
    ]
    for v in variants:
        np.testing.assert_array_equal(fastinfo.cross_entropy_loss(v, y, reduction="none"), want)
    np.testing.assert_array_equal(
        fastinfo.cross_entropy_loss(z, y.astype(np.uint8), reduction="none"), want
    )
    np.testing.assert_array_equal(
        fastinfo.cross_entropy_loss(z, y.astype(">i4"), reduction="none"), want
    )


def test_thread_count_does_not_change_a_bit():
    rng = np.random.default_rng(7)
    z = rng.standard_normal((3000, 257), dtype=np.float32) * 4
    y = rng.integers(0, 257, 3000)
    y[::11] = -1
    b = rng.standard_normal(300_000)
    t = rng.random(300_000)
    saved = fastinfo.get_num_threads()

    def results():
        out = []
        for reduction in ("mean", "sum", "none"):
            out.append(
                fastinfo.cross_entropy_loss(
                    z, y, ignore_index=-1, label_smoothing=0.1, reduction=reduction
                )
            )
            out.append(fastinfo.cross_entropy_loss(z, y, ignore_index=-1, reduction=reduction))
            out.append(fastinfo.binary_cross_entropy(b, t, reduction=reduction))
        return out

    try:
        fastinfo.set_num_threads(1)
        first = results()
        for threads in (2, 3):
            fastinfo.set_num_threads(threads)
            for a, c in zip(first, results()):
                np.testing.assert_array_equal(np.asarray(a), np.asarray(c))
                assert np.asarray(a).tobytes() == np.asarray(c).tobytes()
    finally:
        fastinfo.set_num_threads(saved)


def test_every_simd_level_gives_the_same_bits():
    script = textwrap.dedent(
        """
        import numpy as np, fastinfo
        rng = np.random.default_rng(1)
        z = rng.standard_normal((64, 2500), dtype=np.float32) * 9
        y = rng.integers(0, 2500, 64)
        parts = [
            fastinfo.cross_entropy_loss(z, y, reduction="none"),
            fastinfo.cross_entropy_loss(
                z.astype(np.float64), y, label_smoothing=0.2, reduction="none"
            ),
            np.atleast_1d(fastinfo.cross_entropy_loss(z, y, reduction="sum")),
        ]
        print(np.concatenate(parts).tobytes().hex())
        """
    )
    outputs = set()
    for level in ("scalar", "avx2", "avx512"):
        env = {**os.environ, "FASTINFO_SIMD": level}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


# ---------------------------------------------------------------------------------------------
# Evaluation units: edge cases found by a bad-input review


@pytest.mark.parametrize("module", [fastinfo, fastinfo.reference], ids=["fastinfo", "reference"])
def test_units_refuse_a_base_below_one(module: Any) -> None:
    for call in (
        lambda: module.perplexity(1.0, base=0.5),
        lambda: module.bits_per_token(1.0, base=0.5),
        lambda: module.bits_per_byte(1.0, 1, base=0.5),
    ):
        with pytest.raises(ValueError, match="base must be greater than 1"):
            call()


@pytest.mark.parametrize("module", [fastinfo, fastinfo.reference], ids=["fastinfo", "reference"])
def test_units_do_not_overflow_on_the_way(module: Any) -> None:
    huge = np.array([1e308, 1e308])
    assert module.bits_per_token(huge) == pytest.approx(1e308 / math.log(2), rel=1e-15)
    assert module.bits_per_byte(huge, 10**300) == pytest.approx(2e8 / math.log(2), rel=1e-15)
    assert module.perplexity(huge) == math.inf  # the true value overflows
    assert module.bits_per_token([1.0, 3.0], base=2) == 2.0
