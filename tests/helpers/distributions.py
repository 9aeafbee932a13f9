"""Distributions for the ``test_pmf_*`` files: hypothesis strategies of weight arrays (shapes,
axes, broadcasting, dtypes, zeros, ``normalize``, ``base``) and the comparisons to 1e-12
relative plus an absolute slack of 1e-14 per unit of the terms' magnitude."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

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
