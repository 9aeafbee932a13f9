"""``fastinfo.pmf`` against its twin and scipy: entropy, cross-entropy, KL and JS divergence.

Four oracles, each able to catch a different kind of mistake (1 and 2 here; 3 in
``test_pmf_identities.py``, 4 in ``test_pmf_values.py``; batches and argument errors in
``test_pmf_api.py``; strategies and comparisons in ``helpers/distributions.py``):

1. ``fastinfo.reference.pmf`` (the pure-numpy twin), under hypothesis, over shapes, axes,
   broadcasting, dtypes, zeros and ``normalize``;
2. scipy (``scipy.stats.entropy``, ``scipy.special.rel_entr``,
   ``scipy.spatial.distance.jensenshannon``);
3. identities that hold for any input (Gibbs, chain rules, symmetry, bounds, invariances);
4. closed forms and hand-computed values, including the edge cases the docs promise (0 log 0,
   +inf exactly where q = 0 < p, subnormal q, exact zeros for identical rows).

Finite values are compared to 1e-12 relative, plus an absolute slack of 1e-14 times the sum of
the absolute values of the terms (KL and JS are sums of terms of both signs, so near 0 only an
absolute bound is meaningful). Infinities must match exactly and NaN is never allowed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
from helpers.distributions import (
    ALL,
    ATOL_PER_TERM,
    BINARY,
    FLOAT_DTYPES,
    INT_DTYPES,
    RTOL,
    Case,
    assert_same_kind,
    assert_values_close,
    batch_shape,
    call,
    cases,
    for_function,
    magnitude,
)
from hypothesis import given, note
from scipy.spatial.distance import jensenshannon

import fastinfo.pmf as pmf
import fastinfo.reference.pmf as ref

# --------------------------------------------------------------------------------------------
# 1. Against the reference twin
# --------------------------------------------------------------------------------------------


@given(case=cases(binary=False))
def test_entropy_matches_reference(case: Case) -> None:
    got = pmf.entropy(case.p, **case.kwargs)
    want = ref.entropy(case.p, **case.kwargs)
    assert_same_kind(got, want)
    assert_values_close(
        got, want, atol=ATOL_PER_TERM * magnitude("entropy", case.p, axis=case.axis, base=case.base)
    )


@given(case=cases())
def test_binary_matches_reference(case: Case) -> None:
    for name in BINARY:
        got = call(pmf, name, case.p, case.q, **case.kwargs)
        want = call(ref, name, case.p, case.q, **case.kwargs)
        note(f"{name}: got={got!r} want={want!r}")
        assert_same_kind(got, want)
        atol = ATOL_PER_TERM * magnitude(name, case.p, case.q, axis=case.axis, base=case.base)
        assert_values_close(got, want, atol=atol)


@given(case=cases(dtypes=(np.float64,)))
def test_result_kind_and_shape(case: Case) -> None:
    for name in ALL:
        one = for_function(name, case)
        got = call(pmf, name, one.p, one.q, **one.kwargs)
        shape = batch_shape(one)
        if shape == ():
            assert type(got) is float
        else:
            assert isinstance(got, np.ndarray)
            assert got.dtype == np.float64
            assert got.shape == shape


@given(case=cases(dtypes=FLOAT_DTYPES + INT_DTYPES + (np.bool_,), normalize=True))
def test_dtype_does_not_matter(case: Case) -> None:
    """Integer, bool and float32 weights give exactly the float64 answer for the same values."""
    for name in ALL:
        one = for_function(name, case)
        got = call(pmf, name, one.p, one.q, **one.kwargs)
        p64 = one.p.astype(np.float64)
        q64 = None if one.q is None else one.q.astype(np.float64)
        want = call(pmf, name, p64, q64, **one.kwargs)
        np.testing.assert_array_equal(got, want)


def strided(a: np.ndarray | None) -> np.ndarray | None:
    """The same values in a non-contiguous view (every other element of a wider array)."""
    if a is None:
        return None
    wide = np.zeros((*a.shape[:-1], 2 * a.shape[-1]))
    wide[..., ::2] = a
    return wide[..., ::2]


def fortran(a: np.ndarray | None) -> np.ndarray | None:
    return None if a is None else np.asfortranarray(a)


@given(case=cases(dtypes=(np.float64,)))
def test_memory_layout_does_not_matter(case: Case) -> None:
    """Fortran order and strided views give exactly the C-contiguous answer."""
    for name in ALL:
        one = for_function(name, case)
        want = call(pmf, name, one.p, one.q, **one.kwargs)
        got_f = call(pmf, name, fortran(one.p), fortran(one.q), **one.kwargs)
        got_s = call(pmf, name, strided(one.p), strided(one.q), **one.kwargs)
        np.testing.assert_array_equal(got_f, want)
        np.testing.assert_array_equal(got_s, want)


def test_reference_agrees_on_hand_picked_edge_rows() -> None:
    """Zeros on both sides, one-hot rows, k = 1, subnormal and tiny weights, ratios near 1."""
    p = np.array(
        [
            [0.0, 0.0, 1.0],
            [1.0, 0.0, 0.0],
            [0.25, 0.25, 0.5],
            [1e-310, 1.0, 0.0],
            [1.0, 1.0, 1.0],
            [1.0, 1.0 + 1e-12, 1.0],
            [5e-324, 5e-324, 0.0],
            [1e-200, 1e200, 1.0],
        ]
    )
    q = np.array(
        [
            [0.0, 1.0, 1.0],
            [1.0, 1.0, 0.0],
            [0.0, 0.5, 0.5],
            [1.0, 1e-310, 1.0],
            [1.0, 1.0, 1.0 + 1e-12],
            [1.0, 1.0, 1.0],
            [1e-300, 1e-310, 1.0],
            [1.0, 1e-200, 1e200],
        ]
    )
    for name in ALL:
        got = call(pmf, name, p, q)
        want = call(ref, name, p, q)
        assert_values_close(got, want, atol=ATOL_PER_TERM * magnitude(name, p, q))
    for name in ALL:  # one outcome: entropy 0, divergences 0, cross-entropy 0
        assert call(pmf, name, [3.0], [0.5]) == 0.0


# --------------------------------------------------------------------------------------------
# 2. Against scipy
# --------------------------------------------------------------------------------------------

SCIPY_BASES = (None, 2, 10, math.e, 3.7)


@given(case=cases(binary=False, normalize=True, bases=(*SCIPY_BASES, 0.5)))
def test_entropy_matches_scipy(case: Case) -> None:
    p64 = case.p.astype(np.float64)
    want = scipy.stats.entropy(p64, base=case.base, axis=case.axis)
    got = pmf.entropy(case.p, base=case.base, axis=case.axis)
    atol = ATOL_PER_TERM * magnitude("entropy", case.p, axis=case.axis, base=case.base)
    assert_values_close(got, want, atol=atol)


@given(case=cases(normalize=True, bases=(*SCIPY_BASES, 0.5)))
def test_kl_matches_scipy_entropy_of_two(case: Case) -> None:
    p64, q64 = np.broadcast_arrays(case.p.astype(np.float64), case.q.astype(np.float64))
    want = scipy.stats.entropy(p64, q64, base=case.base, axis=case.axis)
    got = pmf.kl_divergence(case.p, case.q, base=case.base, axis=case.axis)
    atol = ATOL_PER_TERM * magnitude("kl_divergence", p64, q64, axis=case.axis, base=case.base)
    assert_values_close(got, want, atol=atol)


@given(case=cases(normalize=False, dtypes=(np.float64,)))
def test_kl_matches_rel_entr_on_normalised_rows(case: Case) -> None:
    P, Q = np.broadcast_arrays(case.p, case.q)
    want = scipy.special.rel_entr(P, Q).sum(axis=case.axis)
    want = np.maximum(want, 0.0)  # rounding may leave a KL of ~1e-17 below zero; ours clips
    if case.base is not None:
        want = want / math.log(case.base)
    got = pmf.kl_divergence(case.p, case.q, axis=case.axis, normalize=False, base=case.base)
    atol = ATOL_PER_TERM * magnitude("kl_divergence", P, Q, axis=case.axis, base=case.base)
    assert_values_close(got, want, atol=atol)


@given(case=cases(normalize=False, dtypes=(np.float64,)))
def test_cross_entropy_matches_scipy_entr_plus_rel_entr(case: Case) -> None:
    P, Q = np.broadcast_arrays(case.p, case.q)
    want = (scipy.special.entr(P) + scipy.special.rel_entr(P, Q)).sum(axis=case.axis)
    if case.base is not None:
        want = want / math.log(case.base)
    got = pmf.cross_entropy(case.p, case.q, axis=case.axis, normalize=False, base=case.base)
    atol = ATOL_PER_TERM * (
        magnitude("kl_divergence", P, Q, axis=case.axis, base=case.base)
        + magnitude("entropy", P, axis=case.axis, base=case.base)
    )
    assert_values_close(got, want, atol=atol)


@given(case=cases(normalize=True, bases=SCIPY_BASES))
def test_js_is_square_of_scipy_jensenshannon(case: Case) -> None:
    # scipy applies ``axis`` to p and q before broadcasting them: hand it broadcast arrays.
    p64, q64 = np.broadcast_arrays(case.p.astype(np.float64), case.q.astype(np.float64))
    with np.errstate(invalid="ignore"):
        distance = np.asarray(jensenshannon(p64, q64, base=case.base, axis=case.axis))
    got = pmf.js_divergence(case.p, case.q, base=case.base, axis=case.axis)
    # scipy takes the square root of a sum that can round to ~-1e-17 for near-identical rows.
    got_a = np.asarray(got)
    nan = np.isnan(distance)
    assert (got_a[nan] <= 1e-15).all()
    want = np.where(nan, 0.0, distance) ** 2
    atol = ATOL_PER_TERM * magnitude("js_divergence", p64, q64, axis=case.axis, base=case.base)
    assert_values_close(got_a, want, atol=atol)


def test_scipy_docstring_examples() -> None:
    # scipy.stats.entropy examples: a fair coin has 1 bit; a biased one less; KL of the two.
    assert pmf.entropy([1 / 2, 1 / 2], base=2) == 1.0
    assert pmf.entropy([9 / 10, 1 / 10], base=2) == pytest.approx(0.46899559358928117, rel=RTOL)
    assert pmf.kl_divergence([9 / 10, 1 / 10], [1 / 2, 1 / 2]) == pytest.approx(0.368064, abs=1e-6)
    # scipy.spatial.distance.jensenshannon examples, squared.
    assert pmf.js_divergence([1.0, 0.0, 0.0], [0.0, 1.0, 0.0], base=2) == 1.0
    assert pmf.js_divergence([1.0, 0.0], [0.5, 0.5]) == pytest.approx(
        jensenshannon([1.0, 0.0], [0.5, 0.5]) ** 2, rel=RTOL
    )
    assert pmf.js_divergence([1.0, 0.0, 0.0], [1.0, 0.0, 0.0]) == 0.0
