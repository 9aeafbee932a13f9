"""Bad, edge and awkwardly laid-out weights for the distribution functions of :mod:`fastinfo.pmf`
and their twin: bad weights name the argument and the row; subnormal weights, layouts, integer
and boolean weights work."""

from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pytest
from helpers import PMF_IMPLS
from helpers.bad_inputs import (
    BAD_BASE_PARAMS,
)
from helpers.contract import assert_all_same, call, expect, names

import fastinfo
import fastinfo.pmf
import fastinfo.reference
import fastinfo.reference.pmf

PMF_SIGNATURES: dict[str, tuple[str, ...]] = {
    "entropy": ("p",),
    "cross_entropy": ("p", "q"),
    "kl_divergence": ("p", "q"),
    "js_divergence": ("p", "q"),
}


PMF_POSITIONS = [
    pytest.param(name, i, id=f"{name}-{argument}")
    for name, arguments in PMF_SIGNATURES.items()
    for i, argument in enumerate(arguments)
]


# ---------------------------------------------------------------------------------------------
# Distribution functions


def good_weights() -> list[np.ndarray]:
    p = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    q = np.array([[0.25, 0.25, 0.5], [0.6, 0.2, 0.2], [0.1, 0.1, 0.8]])
    return [p, q]


def pmf_with_bad(name: str, position: int, bad: Any) -> list[Any]:
    data: list[Any] = good_weights()[: len(PMF_SIGNATURES[name])]
    data[position] = bad
    return data


def _set_row1(value: float) -> Callable[[], np.ndarray]:
    def make() -> np.ndarray:
        w = good_weights()[0].copy()
        w[1, 2] = value
        return w

    return make


BAD_WEIGHTS = [
    ("nan", _set_row1(np.nan), {}, ValueError, r"row 1.*(?i:nan)"),
    ("inf", _set_row1(np.inf), {}, ValueError, r"row 1.*inf"),
    ("-inf", _set_row1(-np.inf), {}, ValueError, r"row 1.*inf"),
    ("negative", _set_row1(-0.25), {}, ValueError, r"row 1.*-0\.25"),
    ("negative-tiny", _set_row1(-5e-324), {}, ValueError, r"row 1"),
    (
        "all-zero-row",
        lambda: good_weights()[0] * np.array([[1], [0], [1]]),
        {},
        ValueError,
        "row 1",
    ),
    (
        "all-zero-row-3d",
        lambda: np.stack([good_weights()[0], good_weights()[0] * np.array([[1], [0], [1]])]),
        {},
        ValueError,
        "row 4",
    ),
    (
        "sums-to-0.9-unnormalized",
        lambda: good_weights()[0] * np.array([[1], [0.9], [1]]),
        {"normalize": False},
        ValueError,
        r"row 1.*0\.9",
    ),
    ("string", lambda: np.array([["0.5", "0.5", "0"]] * 3), {}, TypeError, r"dtype"),
    ("bytes", lambda: np.array([[b"1", b"1", b"1"]] * 3), {}, TypeError, r"dtype"),
    ("complex", lambda: good_weights()[0] + 0j, {}, TypeError, r"complex"),
    ("object", lambda: good_weights()[0].astype(object), {}, TypeError, r"object"),
    ("0-d", lambda: np.float64(0.5), {}, ValueError, r"scalar|dimension"),
]


@pytest.mark.parametrize("impl", PMF_IMPLS)
@pytest.mark.parametrize(("name", "position"), PMF_POSITIONS)
@pytest.mark.parametrize(
    ("make", "kwargs", "exc", "also"),
    [pytest.param(m, k, e, a, id=case) for case, m, k, e, a in BAD_WEIGHTS],
)
def test_bad_weights(
    impl: Any,
    name: str,
    position: int,
    make: Callable[[], Any],
    kwargs: dict[str, Any],
    exc: type,
    also: str,
) -> None:
    argument = PMF_SIGNATURES[name][position]
    data = pmf_with_bad(name, position, make())
    if np.ndim(data[position]) == 3:  # batch of 2 x 3 rows: broadcast the other argument
        data = [np.broadcast_to(d, data[position].shape) for d in data]
    expect(exc, argument, getattr(impl, name), *data, also=also, **kwargs)


@pytest.mark.parametrize("impl", PMF_IMPLS)
@pytest.mark.parametrize("name", list(PMF_SIGNATURES))
@pytest.mark.parametrize("shape", [(0,), (3, 0), (0, 0)], ids=["empty", "3x0", "0x0"])
def test_no_outcomes(impl: Any, name: str, shape: tuple[int, ...]) -> None:
    data = [np.zeros(shape)] * len(PMF_SIGNATURES[name])
    expect(ValueError, "p", getattr(impl, name), *data, also="outcomes")


@pytest.mark.parametrize("impl", PMF_IMPLS)
@pytest.mark.parametrize("name", [n for n in PMF_SIGNATURES if n != "entropy"])
@pytest.mark.parametrize(
    ("p_shape", "q_shape"),
    [((3,), (4,)), ((3, 3), (3, 4)), ((2, 3), (3, 3)), ((3,), (3, 2))],
    ids=str,
)
def test_shape_mismatch(
    impl: Any, name: str, p_shape: tuple[int, ...], q_shape: tuple[int, ...]
) -> None:
    p, q = np.ones(p_shape), np.ones(q_shape)
    error = expect(ValueError, "p", getattr(impl, name), p, q)
    assert re.search(names("q"), str(error))
    assert str(p_shape) in str(error)
    assert str(q_shape) in str(error)


@pytest.mark.parametrize("impl", PMF_IMPLS)
@pytest.mark.parametrize("name", list(PMF_SIGNATURES))
@pytest.mark.parametrize(
    ("axis", "exc"),
    [
        (2, ValueError),
        (-3, ValueError),
        (1.5, TypeError),
        (None, TypeError),
        ("0", TypeError),
    ],
    ids=repr,
)
def test_bad_axis(impl: Any, name: str, axis: Any, exc: Any) -> None:
    data = good_weights()[: len(PMF_SIGNATURES[name])]
    expect(exc, "axis", getattr(impl, name), *data, axis=axis)


@pytest.mark.parametrize("impl", PMF_IMPLS)
@pytest.mark.parametrize("name", list(PMF_SIGNATURES))
@pytest.mark.parametrize(("base", "exc"), BAD_BASE_PARAMS)
def test_pmf_bad_base(impl: Any, name: str, base: Any, exc: type) -> None:
    data = good_weights()[: len(PMF_SIGNATURES[name])]
    expect(exc, "base", getattr(impl, name), *data, base=base)


@pytest.mark.parametrize("impl", PMF_IMPLS)
@pytest.mark.parametrize("name", list(PMF_SIGNATURES))
@pytest.mark.parametrize("normalize", ["yes", 1, 0, None, 1.0])
def test_pmf_bad_normalize(impl: Any, name: str, normalize: Any) -> None:
    data = good_weights()[: len(PMF_SIGNATURES[name])]
    expect(TypeError, "normalize", getattr(impl, name), *data, normalize=normalize)


def every_pmf_result(impl: Any, p: Any, q: Any, **kwargs: Any) -> dict[str, Any]:
    out = {"entropy": call(impl.entropy, p, **kwargs)}
    for name in ("cross_entropy", "kl_divergence", "js_divergence"):
        out[name] = call(getattr(impl, name), p, q, **kwargs)
        out[name + "-qp"] = call(getattr(impl, name), q, p, **kwargs)
    return out


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ([5e-324, 5e-324], [1.0, 5e-324]),
        ([1e-310, 1.0], [5e-324, 1.0]),
        ([1e-310, 2e-310, 5e-324], [3e-320, 1e-310, 1e-300]),
        (
            [[0.5, 0.5, 1e-320], [2.2250738585072014e-308, 1.0, 5e-324]],
            [[1e-320, 0.5, 0.5], [1.0] * 3],
        ),
    ],
    ids=["min-subnormal", "subnormal-q", "all-tiny", "batch"],
)
def test_subnormal_probabilities(p: Any, q: Any) -> None:
    fast = every_pmf_result(fastinfo.pmf, np.array(p), np.array(q))
    for key, value in fast.items():
        assert np.all(np.isfinite(value)), key
        assert np.all(np.asarray(value) >= 0), key
    assert_all_same(fast, every_pmf_result(fastinfo.reference.pmf, np.array(p), np.array(q)), False)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_pmf_layouts_match_contiguous_copy(axis: int) -> None:
    rng = np.random.default_rng(7)
    p = rng.random((5, 4))
    q = rng.random((5, 4)) + 0.01
    expected = every_pmf_result(fastinfo.pmf, p.copy(), q.copy(), axis=axis)
    assert_all_same(
        expected, every_pmf_result(fastinfo.reference.pmf, p, q, axis=axis), exact=False
    )

    def readonly(a: np.ndarray) -> np.ndarray:
        b = a.copy()
        b.flags.writeable = False
        return b

    def strided(a: np.ndarray) -> np.ndarray:
        big = np.zeros((a.shape[0] * 2, a.shape[1] * 3))
        big[::2, 1::3] = a
        return big[::2, 1::3]

    variants = {
        "big-endian": lambda a: a.astype(">f8"),
        "fortran": np.asfortranarray,
        "strided": strided,
        "read-only": readonly,
    }
    for label, make in variants.items():
        vp, vq = make(p), make(q)
        np.testing.assert_array_equal(vp, p)
        try:
            assert_all_same(every_pmf_result(fastinfo.pmf, vp, vq, axis=axis), expected, True)
        except AssertionError as error:
            raise AssertionError(f"{label}: {error}") from error
    # Reversed views: equal to their contiguous copies.
    rp, rq = p[::-1, ::-1], q[::-1, ::-1]
    assert_all_same(
        every_pmf_result(fastinfo.pmf, rp, rq, axis=axis),
        every_pmf_result(fastinfo.pmf, rp.copy(), rq.copy(), axis=axis),
        exact=True,
    )


def test_pmf_integer_and_bool_weights_work() -> None:
    for p, q in [
        (np.array([1, 2, 3], dtype=">i4"), np.array([3, 2, 1], dtype=np.uint8)),
        (np.array([True, True, False]), np.array([True, True, True])),
    ]:
        fast = every_pmf_result(fastinfo.pmf, p, q)
        assert_all_same(fast, every_pmf_result(fastinfo.reference.pmf, p, q), exact=False)
        assert_all_same(
            fast, every_pmf_result(fastinfo.pmf, p.astype(float), q.astype(float)), True
        )


def test_pmf_same_array_twice() -> None:
    p = np.random.default_rng(8).random((4, 6))
    assert np.all(fastinfo.pmf.kl_divergence(p, p) == 0.0)
    assert np.all(fastinfo.pmf.js_divergence(p, p) == 0.0)
    np.testing.assert_allclose(
        fastinfo.pmf.cross_entropy(p, p), fastinfo.pmf.entropy(p), rtol=1e-14
    )


def test_pmf_empty_batch_is_empty_array() -> None:
    for impl in (fastinfo.pmf, fastinfo.reference.pmf):
        out = call(impl.entropy, np.zeros((0, 3)))
        assert isinstance(out, np.ndarray)
        assert out.shape == (0,)


def test_pandas_nullable_floats_are_numbers_and_missing_values_are_named():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([[0.5, 0.5], [0.2, 0.8]], dtype="Float64")
    expected = fastinfo.pmf.pairwise(np.array([[0.5, 0.5], [0.2, 0.8]]))
    np.testing.assert_array_equal(fastinfo.pmf.pairwise(frame), expected)
    cov = pd.DataFrame([[1.0, 0.1], [0.1, 1.0]], dtype="Float64")
    assert fastinfo.gaussian.entropy(cov) == fastinfo.gaussian.entropy(cov.to_numpy(float))
    with pytest.raises(ValueError, match=r"P contains a missing value at row 0, column 1"):
        fastinfo.pmf.pairwise(pd.DataFrame([[0.5, None], [0.2, 0.8]], dtype="Float64"))
    with pytest.raises(ValueError, match="labels contains a missing value at index 1"):
        fastinfo.cross_entropy_loss(np.zeros((2, 3)), pd.Series([0, None], dtype="Int64"))


@pytest.mark.parametrize("limit", ["-1", "0", "nan", "inf", "lots"])
def test_memory_limit_must_be_a_positive_number(monkeypatch, limit):
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", limit)
    with pytest.raises(ValueError, match="FASTINFO_MEMORY_LIMIT: must be a positive number"):
        fastinfo.pmf.pairwise(np.ones((2, 2)))
