"""Tests of ``fastinfo.pmf``: entropy, cross-entropy, KL and Jensen-Shannon divergence.

Four oracles, each able to catch a different kind of mistake:

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
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pytest
import scipy.special
import scipy.stats
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import jensenshannon

import fastinfo
import fastinfo.pmf as pmf
import fastinfo.reference.pmf as ref

LN2 = math.log(2)
RTOL = 1e-12
ATOL_PER_TERM = 1e-14

BINARY = ("cross_entropy", "kl_divergence", "js_divergence")
ALL = ("entropy", *BINARY)

FLOAT_DTYPES = (np.float64, np.float32)
INT_DTYPES = (np.int64, np.int32, np.uint8, np.uint16)
ALL_DTYPES = (*FLOAT_DTYPES, *INT_DTYPES, np.bool_)


def call(module: Any, name: str, p: Any, q: Any = None, **kwargs: Any) -> Any:
    """``module.name(p, **kwargs)`` for entropy, ``module.name(p, q, **kwargs)`` otherwise."""
    function = getattr(module, name)
    return function(p, **kwargs) if name == "entropy" else function(p, q, **kwargs)


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

F32_TINY = float(np.float32(1e-4))
F32_HUGE = float(np.float32(1e4))


def weight_elements(dtype: Any) -> st.SearchStrategy[Any]:
    """Non-negative weights of ``dtype``, with zeros and small integers common."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        width = dtype.itemsize * 8
        return st.one_of(
            st.just(0.0),
            st.sampled_from([0.5, 1.0, 2.0, 3.0]),
            st.floats(min_value=F32_TINY, max_value=F32_HUGE, width=width),
        )
    if dtype.kind == "b":
        return st.booleans()
    return st.one_of(st.just(0), st.integers(0, min(int(np.iinfo(dtype).max), 1000)))


def fix_zero_rows(a: np.ndarray, axis: int) -> np.ndarray:
    """Put a 1 at the end of every all-zero row along ``axis`` (such rows are errors)."""
    a = a.copy()
    moved = np.moveaxis(a, axis, -1)  # a view: writes go to ``a``
    if moved.ndim == 1:
        if moved.sum() == 0:
            moved[-1] = 1
        return a
    dead = moved.sum(axis=-1) == 0
    moved[dead, -1] = 1
    return a


@dataclass
class Case:
    p: np.ndarray
    q: np.ndarray | None
    axis: int
    normalize: bool
    base: float | None

    @property
    def kwargs(self) -> dict[str, Any]:
        return {"axis": self.axis, "normalize": self.normalize, "base": self.base}


BASES = (None, 2, 10, math.e, 3.7, 0.5)


@st.composite
def cases(
    draw: Any,
    *,
    binary: bool = True,
    dtypes: tuple[Any, ...] = ALL_DTYPES,
    normalize: bool | None = None,
    bases: tuple[Any, ...] = BASES,
    broadcast: bool = True,
) -> Case:
    """Random (p, q, axis, normalize, base): 1-3 dims, outcomes along axis 0, 1 or -1,
    optional broadcasting of p against q, zeros sprinkled in, mixed dtypes."""
    ndim = draw(st.integers(1, 3))
    k = draw(st.integers(1, 8))
    batch = draw(st.lists(st.integers(1, 4), min_size=ndim - 1, max_size=ndim - 1))
    axis = draw(st.sampled_from(sorted({-1, 0, min(1, ndim - 1)})))
    pos = axis % ndim
    shape = (*batch[:pos], k, *batch[pos:])
    p_shape, q_shape = shape, shape
    if binary and broadcast and ndim > 1:
        mode = draw(st.sampled_from(["same", "q smaller", "p smaller"]))
        if mode != "same":
            reduced = [n if i == pos or draw(st.booleans()) else 1 for i, n in enumerate(shape)]
            drop = draw(st.integers(0, pos))  # leading (batch) axes left to broadcasting
            if mode == "q smaller":
                q_shape = tuple(reduced[drop:])
            else:
                p_shape = tuple(reduced[drop:])

    if normalize is None:
        normalize = draw(st.booleans())

    def weights(shape: tuple[int, ...]) -> np.ndarray:
        dtype = draw(st.sampled_from(dtypes))
        a = draw(hnp.arrays(dtype, shape, elements=weight_elements(dtype)))
        own_axis = pos - (ndim - len(shape))
        a = fix_zero_rows(a, own_axis)
        if not normalize:
            a = a.astype(np.float64)
            a = a / a.sum(axis=own_axis, keepdims=True)
        return a

    p = weights(p_shape)
    q = weights(q_shape) if binary else None
    base = draw(st.sampled_from(bases))
    return Case(p, q, axis, normalize, base)


# --------------------------------------------------------------------------------------------
# Comparison helpers
# --------------------------------------------------------------------------------------------


def normalized(case_p: Any, case_q: Any, axis: int) -> list[np.ndarray]:
    arrays = [np.asarray(case_p, dtype=np.float64)]
    if case_q is not None:
        arrays.append(np.asarray(case_q, dtype=np.float64))
    arrays = list(np.broadcast_arrays(*arrays))
    return [a / a.sum(axis=axis, keepdims=True) for a in arrays]


def magnitude(name: str, p: Any, q: Any = None, *, axis: int = -1, base: Any = None) -> Any:
    """Sum over outcomes of |term| (+1), in the output's units: the scale of rounding errors."""
    arrays = normalized(p, q, axis)
    P = arrays[0]
    with np.errstate(all="ignore"):
        if name == "entropy":
            terms = np.where(P > 0, P * np.log(P), 0.0)
        else:
            Q = arrays[1]
            if name == "cross_entropy":
                terms = np.where((P > 0) & (Q > 0), P * np.log(Q), 0.0)
            elif name == "kl_divergence":
                terms = np.where((P > 0) & (Q > 0), P * (np.log(P) - np.log(Q)), 0.0)
            else:
                M = 0.5 * (P + Q)
                terms = np.abs(np.where(P > 0, P * (np.log(P) - np.log(M)), 0.0)) + np.abs(
                    np.where(Q > 0, Q * (np.log(Q) - np.log(M)), 0.0)
                )
    total = np.abs(terms).sum(axis=axis) + 1.0
    scale = 1.0 if base is None else abs(math.log(base))
    return total / scale


def assert_values_close(actual: Any, expected: Any, *, atol: Any = 0.0, rtol: float = RTOL) -> None:
    """Same shape, no NaN, identical infinities, finite values within rtol·|expected| + atol."""
    a = np.asarray(actual, dtype=np.float64)
    e = np.asarray(expected, dtype=np.float64)
    assert a.shape == e.shape, (a.shape, e.shape)
    assert not np.isnan(a).any(), f"NaN in result {a}"
    assert not np.isnan(e).any(), f"NaN in expected {e}"
    inf_a, inf_e = np.isinf(a), np.isinf(e)
    assert np.array_equal(inf_a, inf_e), f"infinities differ: got {a}, expected {e}"
    assert np.array_equal(a[inf_a], e[inf_e]), f"signs of infinities differ: {a} vs {e}"
    atol = np.broadcast_to(np.asarray(atol, dtype=np.float64), e.shape)
    finite = ~inf_e
    error = np.abs(a[finite] - e[finite])
    bound = rtol * np.abs(e[finite]) + atol[finite]
    assert (error <= bound).all(), (
        f"got {a[finite]}, expected {e[finite]}, error {error}, bound {bound}"
    )


def assert_same_kind(actual: Any, expected: Any) -> None:
    """Python float for a scalar result, float64 ndarray of the right shape otherwise."""
    if isinstance(expected, float):
        assert type(actual) is float, type(actual)
    else:
        assert isinstance(actual, np.ndarray), type(actual)
        assert actual.dtype == np.float64
        assert actual.shape == expected.shape


def for_function(name: str, case: Case) -> Case:
    """For entropy: p alone, broadcast to the full shape so that ``axis`` stays valid."""
    if name != "entropy" or case.q is None:
        return case
    p = np.broadcast_arrays(case.p, case.q)[0].copy()
    return Case(p, None, case.axis, case.normalize, case.base)


def batch_shape(case: Case) -> tuple[int, ...]:
    arrays = [case.p] if case.q is None else [case.p, case.q]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    pos = case.axis % len(shape)
    return shape[:pos] + shape[pos + 1 :]


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


# --------------------------------------------------------------------------------------------
# 4. Known values and documented edge cases
# --------------------------------------------------------------------------------------------


def test_fair_coin_is_one_bit() -> None:
    assert pmf.entropy([0.5, 0.5], base=2) == 1.0
    assert pmf.entropy([1, 1], base=2) == 1.0
    assert pmf.entropy([0.5, 0.5]) == pytest.approx(LN2, rel=1e-15)
    assert pmf.entropy([[1, 1, 0, 0], [1, 1, 1, 1]], base=2).tolist() == [1.0, 2.0]
    assert pmf.entropy([1, 0]) == 0.0
    assert pmf.entropy([0, 0, 3, 0], base=2) == 0.0


def bernoulli_entropy(t: float) -> float:
    return -sum(x * math.log(x) for x in (t, 1 - t) if x > 0)


def test_bernoulli_entropy_curve() -> None:
    t = np.concatenate([np.linspace(0.0, 1.0, 1001), [1e-300, 1e-12, 0.5 - 1e-12, 1 - 1e-12]])
    p = np.stack([t, 1 - t], axis=-1)
    got = pmf.entropy(p)
    want = np.array([bernoulli_entropy(x) for x in t])
    assert_values_close(got, want, atol=1e-16)
    assert_values_close(pmf.entropy(p, normalize=False), want, atol=1e-16)
    assert_values_close(pmf.entropy(p.T, axis=0, base=2), want / LN2, atol=1e-16)
    # Symmetric about 1/2, maximal (1 bit) there.
    np.testing.assert_array_equal(pmf.entropy(p[:1001]), pmf.entropy(p[:1001, ::-1]))
    assert got.argmax() == 500
    assert pmf.entropy(p[500], base=2) == 1.0


@given(
    a=st.floats(0.0, 1.0, exclude_min=False),
    b=st.floats(0.0, 1.0),
)
def test_kl_between_bernoullis_closed_form(a: float, b: float) -> None:
    p, q = [a, 1 - a], [b, 1 - b]
    if (a > 0 and b == 0) or (a < 1 and b == 1):
        want = math.inf
    else:
        want = sum(x * (math.log(x) - math.log(y)) for x, y in zip(p, q) if x > 0)
        want = max(want, 0.0)
    got = pmf.kl_divergence(p, q, normalize=False)
    note(f"got={got!r} want={want!r}")
    assert_values_close(got, want, atol=ATOL_PER_TERM * magnitude("kl_divergence", p, q))
    cross_want = (
        -sum(x * math.log(y) if x > 0 else 0.0 for x, y in zip(p, q))
        if want != math.inf
        else math.inf
    )
    got_cross = pmf.cross_entropy(p, q, normalize=False)
    assert_values_close(
        got_cross, cross_want, atol=1e-15 + ATOL_PER_TERM * magnitude("cross_entropy", p, q)
    )


def test_kl_known_values() -> None:
    assert pmf.kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=RTOL
    )
    assert pmf.kl_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]) == pytest.approx(LN2, rel=RTOL)
    assert pmf.kl_divergence([0.5, 0.5, 0.0], [0.25, 0.25, 0.5], base=2) == pytest.approx(
        1.0, rel=RTOL
    )
    assert pmf.cross_entropy([0.5, 0.5], [0.25, 0.75], base=2) == pytest.approx(
        -0.5 * math.log2(0.25) - 0.5 * math.log2(0.75), rel=RTOL
    )


def test_support_mismatch() -> None:
    p, q = [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]
    assert pmf.kl_divergence(p, q) == math.inf
    assert pmf.cross_entropy(p, q) == math.inf
    assert pmf.kl_divergence(p, q, base=2) == math.inf
    # The other way round p = 0 where q > 0 is fine: 0 log 0 = 0.
    assert pmf.kl_divergence(q, p) == pytest.approx(LN2, rel=RTOL)
    assert pmf.cross_entropy(q, p) == pytest.approx(LN2, rel=RTOL)
    # JS stays finite: m = (0.75, 0.25, 0).
    js = 0.5 * (0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)) + 0.5 * math.log(1 / 0.75)
    assert pmf.js_divergence(p, q) == pytest.approx(js, rel=RTOL)
    # In a batch only the mismatched rows are infinite, never NaN or big-but-finite.
    P = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 1], [1, 2, 3]])
    Q = np.array([[1, 0, 0], [1, 1, 1], [1, 1, 0], [1e-300, 1e-300, 1e-300]])
    kl = pmf.kl_divergence(P, Q)
    cross = pmf.cross_entropy(P, Q)
    assert np.isinf(kl).tolist() == [True, False, True, False]
    assert np.isinf(cross).tolist() == [True, False, True, False]
    assert kl[3] == pytest.approx(pmf.kl_divergence([1, 2, 3], [1, 1, 1]), rel=RTOL)
    assert np.isfinite(pmf.js_divergence(P, Q)).all()


def exact_kl(p: list[float], q: list[float]) -> float:
    """KL in 60-digit decimal arithmetic from the exact binary values of p and q (p, q as given)."""
    with localcontext() as ctx:
        ctx.prec = 60
        total = Decimal(0)
        for x, y in zip(p, q):
            if x > 0:
                dx, dy = Decimal(x), Decimal(y)
                total += dx * (dx.ln() - dy.ln())
        return float(total)


@pytest.mark.parametrize("tiny", [1e-310, 2.5e-320, 5e-324])
def test_subnormal_q_gives_finite_exact_kl(tiny: float) -> None:
    """p/q overflows to inf for subnormal q; fastinfo uses p(ln p - ln q) and stays finite.

    Older scipy computed rel_entr as x*log(x/y) and returned inf here; scipy 1.17 returns the
    finite value, so scipy is compared only where it is finite. The truth is computed in
    60-digit decimal arithmetic.
    """
    p, q = [0.5, 0.5], [1.0, tiny]
    with np.errstate(over="ignore"):
        assert np.isinf(0.5 * np.log(np.float64(0.5) / np.float64(tiny)))  # the naive formula
    want = exact_kl(p, q)
    for normalize in (True, False):
        got = pmf.kl_divergence(p, q, normalize=normalize)
        assert math.isfinite(got)
        assert got == pytest.approx(want, rel=1e-14)
        assert ref.kl_divergence(p, q, normalize=normalize) == pytest.approx(want, rel=1e-14)
    scipy_value = scipy.stats.entropy(p, q)
    if math.isfinite(scipy_value):
        assert got == pytest.approx(scipy_value, rel=1e-14)
    # Cross-entropy too, and the batch path.
    cross = -0.5 * math.log(1.0) - 0.5 * math.log(tiny)
    assert pmf.cross_entropy(p, q) == pytest.approx(cross, rel=1e-14)
    batch = pmf.kl_divergence(np.array([p, p]), np.array([q, [1.0, 1.0]]))
    assert batch[0] == pmf.kl_divergence(p, q)
    # Subnormal p (ratio underflow): the tiny term must not turn into NaN or -inf.
    got = pmf.kl_divergence([tiny, 1.0], [0.5, 0.5], normalize=False)
    assert got == pytest.approx(exact_kl([tiny, 1.0], [0.5, 0.5]), rel=1e-14)
    assert got >= 0.0


@pytest.mark.parametrize("module", [pmf, ref], ids=["fastinfo", "reference"])
@pytest.mark.parametrize("tiny", [1e-310, 1e-323, 5e-324])
def test_js_with_a_subnormal_weight_against_zero_is_tiny(module: Any, tiny: float) -> None:
    """JS(p, q) for p = (1, tiny), q = (1, 0) is about tiny·ln(2)/2: essentially 0.

    The middle point m = (tiny + 0) / 2 underflows to 0 for the smallest subnormal, and the
    term tiny·ln(tiny / m) must not become +inf (which the clamp then turns into ln 2).
    """
    for normalize in (True, False):
        js = module.js_divergence([1.0, tiny], [1.0, 0.0], normalize=normalize)
        assert 0.0 <= js < 1e-300, js
        assert module.js_divergence([1.0, 0.0], [1.0, tiny], normalize=normalize) == js


# ----- extreme dynamic range: weights whose sum overflows, or whose share underflows -----


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("module", [pmf, ref], ids=["fastinfo", "reference"])
def test_rows_whose_sum_overflows_are_normalised(module: Any) -> None:
    """Finite weights whose sum exceeds the float range are still a valid distribution.

    The code has a branch for this ("normalise in two steps, by the largest weight first"),
    so the answer must equal that for the same weights scaled down.
    """
    big = np.array([1e308, 1e308, 5e307])
    small = big / 1e300
    other = np.array([1.0, 2.0, 3.0])
    assert module.entropy(big) == pytest.approx(module.entropy(small), rel=RTOL)
    assert module.kl_divergence(big, other) == pytest.approx(
        module.kl_divergence(small, other), rel=RTOL
    )
    assert module.cross_entropy(other, big) == pytest.approx(
        module.cross_entropy(other, small), rel=RTOL
    )
    assert module.js_divergence(big, other) == pytest.approx(
        module.js_divergence(small, other), rel=RTOL
    )


@pytest.mark.xfail(
    strict=True,
    reason="documented limitation: weights are normalised in float64, so a weight below ~1e-308 "
    "of its row's sum becomes 0 and the support rule applies to the normalised distribution "
    "(scipy behaves the same)",
)
@pytest.mark.parametrize("module", [pmf, ref], ids=["fastinfo", "reference"])
def test_infinity_exactly_where_q_is_zero_under_p_despite_underflow(module: Any) -> None:
    """+inf exactly where some q = 0 < p, even when normalising would underflow a weight to 0.

    p = (1e300, 1e-300) normalises to (1, 1e-600); its second outcome is impossible under q.
    q = (1e300, 1e-300) gives all outcomes positive probability, so KL(p || q) is finite.
    """
    assert module.kl_divergence([1e300, 1e-300], [1.0, 0.0]) == math.inf
    assert module.cross_entropy([1e300, 1e-300], [1.0, 0.0]) == math.inf
    want = 0.5 * (math.log(0.5) - math.log(1.0)) + 0.5 * (
        math.log(0.5) - (math.log(1e-300) - math.log(1e300))
    )
    assert module.kl_divergence([1.0, 1.0], [1e300, 1e-300]) == pytest.approx(want, rel=1e-12)


# --------------------------------------------------------------------------------------------
# 5. Batches
# --------------------------------------------------------------------------------------------


def assert_batch_equals_rows(name: str, case: Case) -> None:
    arrays = [case.p] if case.q is None else list(np.broadcast_arrays(case.p, case.q))
    pos = case.axis % arrays[0].ndim
    moved = [np.moveaxis(a, pos, -1) for a in arrays]
    batched = np.asarray(call(pmf, name, *arrays, **case.kwargs))
    assert batched.shape == moved[0].shape[:-1]
    for index in np.ndindex(*batched.shape):
        rows = [m[index] for m in moved]
        one = call(pmf, name, *rows, **dict(case.kwargs, axis=-1))
        assert type(one) is float
        assert one == batched[index], (index, one, batched[index])


@given(case=cases())
def test_batched_equals_row_by_row_exactly(case: Case) -> None:
    for name in ALL:
        assert_batch_equals_rows(name, for_function(name, case))


@pytest.mark.parametrize("name", ALL)
def test_large_batch_parallel_path_equals_rows_and_thread_count(name: str) -> None:
    """Above the parallel threshold (rows·k >= 2**14) results are the same, bit for bit."""
    rng = np.random.default_rng(20240611)
    p = rng.random((3000, 9)) * (rng.random((3000, 9)) > 0.2)
    q = rng.random((3000, 9)) * (rng.random((3000, 9)) > 0.2)
    p[:, 0] += 0.1
    q[:, 1] += 0.1
    case = Case(p, q, -1, True, None)
    assert_batch_equals_rows(name, case)
    before = fastinfo.get_num_threads()
    try:
        fastinfo.set_num_threads(1)
        one = call(pmf, name, p, q)
        fastinfo.set_num_threads(4)
        four = call(pmf, name, p, q)
    finally:
        fastinfo.set_num_threads(before)
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, call(pmf, name, p, q))
    # Parallel path agrees with the reference.
    assert_values_close(one, call(ref, name, p, q), atol=ATOL_PER_TERM * magnitude(name, p, q))


def test_one_long_row() -> None:
    rng = np.random.default_rng(7)
    p, q = rng.random(200_001), rng.random(200_001)
    for name in ALL:
        assert_values_close(
            call(pmf, name, p, q), call(ref, name, p, q), atol=ATOL_PER_TERM * magnitude(name, p, q)
        )


@pytest.mark.parametrize("name", ALL)
def test_result_types(name: str) -> None:
    one = call(pmf, name, [1, 2, 3], [3, 2, 1])
    assert type(one) is float
    single = call(pmf, name, [[1, 2, 3]], [3, 2, 1])
    assert isinstance(single, np.ndarray)
    assert single.shape == (1,)
    assert single.dtype == np.float64
    assert single[0] == one
    cube = call(pmf, name, np.ones((2, 3, 4)), np.ones((2, 3, 4)), axis=1)
    assert isinstance(cube, np.ndarray)
    assert cube.shape == (2, 4)
    assert cube.dtype == np.float64
    lists = call(pmf, name, [[1, 2], [3, 4]], [[1, 1], [1, 1]], axis=0)
    assert lists.shape == (2,)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize(
    ("p_shape", "q_shape", "axis", "out_shape"),
    [
        ((0, 3), (0, 3), -1, (0,)),
        ((0, 3), (3,), -1, (0,)),
        ((3, 0), (3, 0), 0, (0,)),
        ((2, 0, 3), (2, 0, 3), -1, (2, 0)),
        ((0, 2, 3), (1, 2, 3), 1, (0, 3)),
    ],
)
def test_empty_batch_returns_empty_array(
    name: str,
    p_shape: tuple[int, ...],
    q_shape: tuple[int, ...],
    axis: int,
    out_shape: tuple[int, ...],
) -> None:
    got = call(pmf, name, np.ones(p_shape), np.ones(q_shape), axis=axis)
    assert isinstance(got, np.ndarray)
    assert got.shape == out_shape
    assert got.dtype == np.float64
    want = call(ref, name, np.ones(p_shape), np.ones(q_shape), axis=axis)
    assert np.asarray(want).shape == out_shape


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("module", [pmf, ref], ids=["fastinfo", "reference"])
@pytest.mark.parametrize("name", ALL)
def test_invalid_weights_raise_naming_the_row(module: Any, name: str) -> None:
    good = np.ones((3, 2))
    for bad_value in (-1.0, math.nan, math.inf):
        bad = good.copy()
        bad[2, 1] = bad_value
        with pytest.raises(ValueError, match=r"p: row 2"):
            call(module, name, bad, good)
        if name != "entropy":
            with pytest.raises(ValueError, match=r"q: row 2"):
                call(module, name, good, bad)
    zero = good.copy()
    zero[1] = 0
    with pytest.raises(ValueError, match=r"row 1"):
        call(module, name, zero, good)
    unnormalised = np.array([[0.5, 0.5], [0.5, 0.6]])
    with pytest.raises(ValueError, match=r"row 1"):
        call(module, name, unnormalised, np.full((2, 2), 0.5), normalize=False)
    # Within the 1e-6 tolerance is accepted as given.
    near = np.array([0.5, 0.5 + 5e-7])
    assert math.isfinite(call(module, name, near, near, normalize=False))


@pytest.mark.parametrize("name", ALL)
def test_bad_arguments(name: str) -> None:
    with pytest.raises(TypeError, match="p"):
        call(pmf, name, np.array([1 + 1j, 1]), [1, 1])
    with pytest.raises(TypeError):
        call(pmf, name, ["a", "b"], [1, 1])
    with pytest.raises(ValueError, match="scalar"):
        call(pmf, name, 1.0, 1.0)
    with pytest.raises(ValueError, match="no outcomes"):
        call(pmf, name, np.ones((2, 0)), np.ones((2, 0)))
    for base in (0, -2, 1, math.inf, math.nan):
        with pytest.raises(ValueError, match="base"):
            call(pmf, name, [1, 1], [1, 1], base=base)
    with pytest.raises(TypeError, match="base"):
        call(pmf, name, [1, 1], [1, 1], base="2")
    with pytest.raises(TypeError, match="normalize"):
        call(pmf, name, [1, 1], [1, 1], normalize=1)
    with pytest.raises(np.exceptions.AxisError, match="axis 2"):
        call(pmf, name, np.ones((2, 2)), np.ones((2, 2)), axis=2)
    if name != "entropy":
        with pytest.raises(ValueError, match="broadcastable"):
            call(pmf, name, np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(TypeError):
        getattr(pmf, name)(p=[1, 1]) if name == "entropy" else getattr(pmf, name)([1, 1], q=[1, 1])
