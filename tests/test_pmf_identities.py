"""``fastinfo.pmf``: identities that hold for any input (Gibbs, chain rules, symmetry, bounds,
invariances)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from helpers.distributions import (
    ALL,
    ATOL_PER_TERM,
    LN2,
    Case,
    assert_values_close,
    call,
    cases,
    fix_zero_rows,
    for_function,
    magnitude,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastinfo.pmf as pmf

# --------------------------------------------------------------------------------------------
# 3. Identities
# --------------------------------------------------------------------------------------------


@given(case=cases())
def test_cross_entropy_is_entropy_plus_kl(case: Case) -> None:
    kwargs = case.kwargs
    cross = pmf.cross_entropy(case.p, case.q, **kwargs)
    P, _ = np.broadcast_arrays(case.p, case.q)
    h = pmf.entropy(P, **kwargs)
    kl = pmf.kl_divergence(case.p, case.q, **kwargs)
    atol = ATOL_PER_TERM * (
        magnitude("kl_divergence", case.p, case.q, axis=case.axis, base=case.base)
        + magnitude("entropy", P, axis=case.axis, base=case.base)
    )
    assert_values_close(cross, np.asarray(h) + np.asarray(kl), atol=atol)


@given(case=cases(bases=(None, 2, 10)))
def test_gibbs_inequality(case: Case) -> None:
    kwargs = case.kwargs
    kl = np.asarray(pmf.kl_divergence(case.p, case.q, **kwargs))
    cross = np.asarray(pmf.cross_entropy(case.p, case.q, **kwargs))
    P, _ = np.broadcast_arrays(case.p, case.q)
    h = np.asarray(pmf.entropy(P, **kwargs))
    assert (kl >= 0).all()
    assert not np.isnan(kl).any()
    assert not np.isnan(cross).any()
    slack = ATOL_PER_TERM * magnitude("entropy", P, axis=case.axis, base=case.base)
    assert (cross >= h - slack).all()
    # Both infinite exactly together.
    np.testing.assert_array_equal(np.isinf(kl), np.isinf(cross))


@given(case=cases(binary=False))
def test_identical_rows_give_exactly_zero(case: Case) -> None:
    for name in ("kl_divergence", "js_divergence"):
        got = call(pmf, name, case.p, case.p, **case.kwargs)
        assert np.all(np.asarray(got) == 0.0), (name, got)
        # Also when the same values arrive with different dtypes or only through broadcasting.
        got = call(pmf, name, case.p, case.p.astype(np.float64), **case.kwargs)
        assert np.all(np.asarray(got) == 0.0), (name, got)
        row = np.moveaxis(case.p, case.axis, -1).reshape(-1, case.p.shape[case.axis])[-1]
        got = call(pmf, name, np.stack([row, row, row]), row, normalize=case.normalize)
        np.testing.assert_array_equal(got, np.zeros(3))


@given(case=cases())
def test_js_symmetric_exactly_and_bounded(case: Case) -> None:
    kwargs = dict(case.kwargs, base=None)
    forward = np.asarray(pmf.js_divergence(case.p, case.q, **kwargs))
    backward = np.asarray(pmf.js_divergence(case.q, case.p, **kwargs))
    np.testing.assert_array_equal(forward, backward)
    assert ((forward >= 0.0) & (forward <= LN2)).all(), forward
    bits = np.asarray(pmf.js_divergence(case.p, case.q, **dict(kwargs, base=2)))
    assert ((bits >= 0.0) & (bits <= 1.0)).all(), bits


@given(
    k=st.integers(1, 8),
    j=st.integers(1, 8),
    data=st.data(),
)
def test_js_of_disjoint_supports_is_ln2(k: int, j: int, data: Any) -> None:
    left = data.draw(hnp.arrays(np.float64, k, elements=st.floats(1e-3, 1e3)))
    right = data.draw(hnp.arrays(np.float64, j, elements=st.floats(1e-3, 1e3)))
    p = np.concatenate([left, np.zeros(j)])
    q = np.concatenate([np.zeros(k), right])
    order = data.draw(st.permutations(range(k + j)))
    p, q = p[order], q[order]
    assert pmf.js_divergence(p, q) == pytest.approx(LN2, rel=1e-14)
    assert pmf.js_divergence(p, q, base=2) == pytest.approx(1.0, rel=1e-14)
    assert pmf.kl_divergence(p, q) == math.inf
    assert pmf.cross_entropy(q, p) == math.inf


def test_js_of_one_hot_disjoint_is_exactly_ln2() -> None:
    assert pmf.js_divergence([1, 0], [0, 1]) == LN2
    assert pmf.js_divergence([0, 0, 5], [2, 0, 0], base=2) == 1.0
    eye = np.eye(4)
    got = pmf.js_divergence(eye[:, None, :], eye[None, :, :], base=2)
    np.testing.assert_array_equal(got, 1.0 - np.eye(4))


@given(case=cases(binary=False, bases=(None, 2, 10, math.e)))
def test_entropy_bounded_by_log_k(case: Case) -> None:
    h = np.asarray(pmf.entropy(case.p, **case.kwargs))
    k = case.p.shape[case.axis]
    scale = 1.0 if case.base is None else math.log(case.base)
    assert (h >= 0.0).all()
    assert (h <= math.log(k) / scale * (1 + 1e-14) + 1e-15).all()


@pytest.mark.parametrize("k", [1, 2, 3, 7, 64, 1000, 12345])
def test_entropy_of_uniform_is_log_k(k: int) -> None:
    assert pmf.entropy(np.ones(k)) == pytest.approx(math.log(k), rel=1e-14, abs=0.0)
    assert pmf.entropy(np.full(k, 1 / k), normalize=False) == pytest.approx(math.log(k), rel=1e-14)
    if k > 1:
        assert pmf.entropy(np.full(k, 3), base=k) == pytest.approx(1.0, rel=1e-14)
    assert pmf.entropy(np.full(k, 7, dtype=np.uint8), base=2) == pytest.approx(
        math.log2(k), rel=1e-14
    )


def positive_or_zero_vector(k: int) -> st.SearchStrategy[np.ndarray]:
    elements = st.one_of(st.just(0.0), st.floats(1e-3, 1e3))
    return hnp.arrays(np.float64, k, elements=elements).map(lambda a: fix_zero_rows(a, 0))


@given(data=st.data(), k1=st.integers(1, 6), k2=st.integers(1, 6))
def test_kl_chain_rule_for_products(data: Any, k1: int, k2: int) -> None:
    p1, q1 = data.draw(positive_or_zero_vector(k1)), data.draw(positive_or_zero_vector(k1))
    p2, q2 = data.draw(positive_or_zero_vector(k2)), data.draw(positive_or_zero_vector(k2))
    P, Q = np.outer(p1, p2).ravel(), np.outer(q1, q2).ravel()
    joint = pmf.kl_divergence(P, Q)
    parts = pmf.kl_divergence(p1, q1) + pmf.kl_divergence(p2, q2)
    atol = ATOL_PER_TERM * (
        magnitude("kl_divergence", P, Q)
        + magnitude("kl_divergence", p1, q1)
        + magnitude("kl_divergence", p2, q2)
    )
    assert_values_close(joint, parts, atol=atol)
    # Entropy and cross-entropy are additive over products too.
    h = pmf.entropy(P)
    assert_values_close(
        h, pmf.entropy(p1) + pmf.entropy(p2), atol=ATOL_PER_TERM * magnitude("entropy", P)
    )
    cross = pmf.cross_entropy(P, Q)
    assert_values_close(
        cross,
        pmf.cross_entropy(p1, q1) + pmf.cross_entropy(p2, q2),
        atol=atol + ATOL_PER_TERM * magnitude("entropy", P),
    )


@given(case=cases(normalize=True, dtypes=(np.float64, np.int64)))
def test_scaling_invariance(case: Case) -> None:
    for name in ALL:
        one = for_function(name, case)
        want = call(pmf, name, one.p, one.q, **one.kwargs)
        got = call(pmf, name, 7.5 * one.p, None if one.q is None else 0.125 * one.q, **one.kwargs)
        atol = ATOL_PER_TERM * magnitude(name, one.p, one.q, axis=one.axis, base=one.base)
        assert_values_close(got, want, atol=atol)


@given(data=st.data())
def test_permuting_outcomes_does_not_matter(data: Any) -> None:
    case = data.draw(cases(dtypes=(np.float64,), broadcast=False))
    k = case.p.shape[case.axis]
    order = np.array(data.draw(st.permutations(range(k))))
    for name in ALL:
        one = for_function(name, case)
        want = call(pmf, name, one.p, one.q, **one.kwargs)
        p = np.take(one.p, order, axis=one.axis)
        q = None if one.q is None else np.take(one.q, order, axis=one.axis)
        got = call(pmf, name, p, q, **one.kwargs)
        atol = ATOL_PER_TERM * magnitude(name, one.p, one.q, axis=one.axis, base=one.base)
        assert_values_close(got, want, atol=atol)
