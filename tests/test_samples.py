"""Tests of the samples functions: entropies, (conditional) MI, counts and contingency tables.

Four kinds of evidence, each able to fail on its own:

1. agreement with the pure-numpy twin :mod:`fastinfo.reference` on generated data of every dtype,
   layout, size and label spread (dense, offset, wide, extreme → the dense, hashed, factorised and
   sorted-rows counting paths), plus a few large inputs for the multi-threaded paths;
2. agreement with scipy, scikit-learn and numpy;
3. information-theoretic identities and inequalities;
4. known closed-form values, and identical results for equivalent encodings of the same labels.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import scipy.stats
import sklearn.metrics
from hypothesis import given, note
from hypothesis import strategies as st
from sklearn.metrics.cluster import contingency_matrix

import fastinfo
import fastinfo.reference as reference

REL = 1e-12
ABS = 1e-13
LN2 = math.log(2.0)

INT_DTYPES = [np.dtype(t) for t in ("int8", "int16", "int32", "int64")] + [
    np.dtype(t) for t in ("uint8", "uint16", "uint32", "uint64")
]
KINDS = [d.name for d in INT_DTYPES] + ["bool", "str", "object"]
SPREADS = ("dense", "offset", "wide", "extreme")
ESTIMATORS = ("plugin", "miller_madow")
BASES = (None, 2, 10)

estimators = st.sampled_from(ESTIMATORS)
bases = st.sampled_from(BASES)


def assert_close(actual: Any, expected: float, *, rel: float = REL, abs_: float = ABS) -> None:
    """``actual`` is a Python float within ``rel`` (relative) or ``abs_`` of ``expected``."""
    assert type(actual) is float, f"expected a Python float, got {type(actual).__name__}"
    assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_), (
        f"{actual!r} != {expected!r} (difference {actual - expected:.3e})"
    )


def assert_same_array(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal shape, dtype and values."""
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert np.array_equal(actual, expected), (actual, expected)


# ---------------------------------------------------------------------------------------------
# Data generation. Hypothesis draws the *shape* of the data (sizes, dtypes, spreads, noise, seed);
# numpy builds the arrays from the seed, so examples with thousands of samples stay cheap.


def _random_int(rng: np.random.Generator, lo: int, hi: int) -> int:
    """A uniform Python int in ``[lo, hi]`` (any width, no dtype limits)."""
    return lo + int.from_bytes(rng.bytes(16), "little") % (hi - lo + 1)


def _unique_ints(
    rng: np.random.Generator, lo: int, hi: int, k: int, fixed: Sequence[int] = ()
) -> list[int]:
    """``k`` distinct ints in ``[lo, hi]`` (as many as fit), starting with ``fixed``."""
    k = min(k, hi - lo + 1)
    if hi - lo < 1 << 16:
        pool = [v for v in fixed if lo <= v <= hi]
        size = min(k + len(pool), hi - lo + 1)
        rest = (rng.choice(hi - lo + 1, size=size, replace=False) + lo).tolist()
        return list(dict.fromkeys(pool + rest))[:k]
    chosen = dict.fromkeys(v for v in fixed if lo <= v <= hi)
    while len(chosen) < k:
        chosen[_random_int(rng, lo, hi)] = None
    return list(chosen)[:k]


def alphabet(rng: np.random.Generator, kind: str, k: int, spread: str) -> np.ndarray:
    """Up to ``k`` distinct labels of ``kind``, shuffled, spread as ``spread`` says."""
    if kind == "bool":
        values = [False, True]
        rng.shuffle(values)
        return np.array(values[: min(k, 2)], dtype=bool)
    if kind == "str":
        prefixes = ["", "a", "label-", "é", "zz", "ß∂"]
        seen: dict[str, None] = {}
        for i in rng.permutation(4 * k + 4)[: 4 * k]:
            seen[f"{prefixes[int(i) % len(prefixes)]}{int(i) * 7919 % 100003}"] = None
            if len(seen) == k:
                break
        return np.array(list(seen))
    if kind == "object":
        ints = _unique_ints(rng, -(2**70), 2**70, k)
        out = np.empty(len(ints), dtype=object)
        out[:] = [v if j % 2 else f"o{v}" for j, v in enumerate(ints)]
        return out
    dtype = np.dtype(kind)
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    k = min(k, hi - lo + 1)
    if spread == "dense":
        start = 0 if lo == 0 else -(k // 2)
        values = list(range(start, start + k))
    elif spread == "offset":
        start = _random_int(rng, lo, hi - k + 1)
        values = list(range(start, start + k))
    elif spread == "wide":
        if dtype.itemsize == 8:
            # Multiples of 2**40: a range no dense table can cover.
            m_lo, m_hi = lo >> 40, hi >> 40
            values = [m << 40 for m in _unique_ints(rng, m_lo, m_hi, k)]
        else:
            values = _unique_ints(rng, lo, hi, k)
    else:  # extreme: the ends of the type (and uint64 above 2**63)
        fixed = [lo, hi, lo + 1, hi - 1, 0, -1, 2**63, 2**63 + 1, 2**63 - 1, 2**32]
        values = _unique_ints(rng, lo, hi, k, fixed)
    rng.shuffle(values)
    return np.array(values, dtype=dtype)


@dataclass(frozen=True)
class Spec:
    """How to build one variable from the shared latent codes."""

    kind: str
    k: int
    spread: str
    noise: float
    columns: int | None  # None → 1-D, else 2-D with this many columns
    fortran: bool


@functools.cache
def specs(kinds: tuple[str, ...], two_d: bool) -> st.SearchStrategy[Spec]:
    """Specs of one variable (cached: building strategies is a large part of a draw's cost)."""
    return st.builds(
        Spec,
        kind=st.sampled_from(list(kinds)),
        k=st.one_of(st.integers(1, 4), st.integers(1, 300)),
        spread=st.sampled_from(SPREADS),
        noise=st.sampled_from([0.0, 0.05, 0.5, 1.0]),
        columns=st.sampled_from([None, 1, 2, 3]) if two_d else st.none(),
        fortran=st.booleans(),
    )


def build(rng: np.random.Generator, latent: np.ndarray, k_latent: int, spec: Spec) -> np.ndarray:
    """A variable depending on ``latent`` through a random map plus noise."""
    n = latent.shape[0]

    def column() -> np.ndarray:
        values = alphabet(rng, spec.kind, spec.k, spec.spread)
        k = values.shape[0]
        codes = rng.integers(0, k, size=k_latent)[latent]
        if spec.noise:
            mask = rng.random(n) < spec.noise
            codes[mask] = rng.integers(0, k, size=int(mask.sum()))
        return values[codes]

    if spec.columns is None:
        return column()
    stacked = np.column_stack([column() for _ in range(spec.columns)])
    return np.asfortranarray(stacked) if spec.fortran else stacked


_SIZES = st.one_of(st.integers(1, 12), st.integers(1, 3000))
_LATENT_SIZES = st.one_of(st.integers(1, 6), st.integers(1, 300))
_ALPHAS = st.sampled_from([0.2, 1.0, 100.0])
_SEEDS = st.integers(0, 2**32 - 1)


@st.composite
def joint_samples(
    draw: st.DrawFn,
    count: int,
    kinds: Sequence[str] = KINDS,
    two_d: bool = True,
) -> list[np.ndarray]:
    """``count`` dependent variables with the same number of samples."""
    n = draw(_SIZES)
    k_latent = draw(_LATENT_SIZES)
    alpha = draw(_ALPHAS)
    seed = draw(_SEEDS)
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k_latent, alpha))
    p /= p.sum()
    latent = rng.choice(k_latent, size=n, p=p)
    spec_list = [draw(specs(tuple(kinds), two_d)) for _ in range(count)]
    note(f"n={n} k_latent={k_latent} alpha={alpha} seed={seed} specs={spec_list}")
    return [build(rng, latent, k_latent, spec) for spec in spec_list]


def one_sample(**kwargs: Any) -> st.SearchStrategy[np.ndarray]:
    return joint_samples(1, **kwargs).map(lambda v: v[0])


INTEGER_KINDS = [d.name for d in INT_DTYPES] + ["bool"]
SORTABLE_KINDS = [*INTEGER_KINDS, "str"]  # np.unique order == fastinfo order


# ---------------------------------------------------------------------------------------------
# 1. Against the reference twin


@given(one_sample(), estimators, bases)
def test_entropy_matches_reference(x: np.ndarray, estimator: str, base: int | None) -> None:
    got = fastinfo.entropy(x, base=base, estimator=estimator)
    assert_close(got, reference.entropy(x, base=base, estimator=estimator))
    assert got >= 0.0


@given(st.integers(1, 4).flatmap(joint_samples), estimators, bases)
def test_joint_entropy_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    got = fastinfo.joint_entropy(*variables, base=base, estimator=estimator)
    assert_close(got, reference.joint_entropy(*variables, base=base, estimator=estimator))
    assert got >= 0.0
    if len(variables) == 1:
        assert got == fastinfo.entropy(variables[0], base=base, estimator=estimator)


@given(joint_samples(2), estimators, bases)
def test_conditional_entropy_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, g = variables
    got = fastinfo.conditional_entropy(x, g, base=base, estimator=estimator)
    assert_close(got, reference.conditional_entropy(x, g, base=base, estimator=estimator))
    if estimator == "plugin":
        assert got >= 0.0


@given(joint_samples(2), estimators, bases)
def test_mutual_information_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, y = variables
    got = fastinfo.mutual_information(x, y, base=base, estimator=estimator)
    assert_close(got, reference.mutual_information(x, y, base=base, estimator=estimator))
    assert got >= 0.0


@given(joint_samples(3), estimators, bases)
def test_conditional_mutual_information_matches_reference(
    variables: list[np.ndarray], estimator: str, base: int | None
) -> None:
    x, y, z = variables
    got = fastinfo.conditional_mutual_information(x, y, z, base=base, estimator=estimator)
    expected = reference.conditional_mutual_information(x, y, z, base=base, estimator=estimator)
    assert_close(got, expected)
    assert got >= 0.0


@given(one_sample())
def test_counts_matches_reference(x: np.ndarray) -> None:
    values, n = fastinfo.counts(x)
    ref_values, ref_n = reference.counts(x)
    assert_same_array(values, ref_values)
    assert_same_array(n, ref_n.astype(np.int64))
    assert n.sum() == x.shape[0]


@given(joint_samples(2), st.booleans())
def test_contingency_matches_reference(variables: list[np.ndarray], sparse: bool) -> None:
    x, y = variables
    xv, yv, table = fastinfo.contingency(x, y, sparse=sparse)
    rxv, ryv, rtable = reference.contingency(x, y, sparse=sparse)
    assert_same_array(xv, rxv)
    assert_same_array(yv, ryv)
    if sparse:
        assert isinstance(table, scipy.sparse.coo_array)
        assert table.shape == rtable.shape
        assert np.array_equal(table.toarray(), rtable.toarray())
    else:
        assert_same_array(table, rtable.astype(np.int64))


# Large inputs: several threads' parts, the range guess missing outliers, hashed and sorted-rows
# joint tables. Built once per module (the reference is slow on them).


def _large_cases() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20240601)
    cases: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    n = 200_000
    x = rng.integers(0, 7, n).astype(np.uint8)
    y = (x + rng.integers(0, 3, n)).astype(np.int16) - 4
    z = rng.integers(-3, 3, n).astype(np.int64)
    cases["dense-small"] = (x, y, z)

    n = 120_000
    x = rng.integers(-(2**23), 2**23, 20_000)[rng.integers(0, 20_000, n)] * (1 << 40)
    y = (x >> 40) % 1000 + rng.integers(0, 2, n)
    z = np.where(rng.random(n) < 0.5, x, -x)
    cases["wide-int64"] = (x.astype(np.int64), y.astype(np.int64), z.astype(np.int64))

    # Outliers only where a strided sample of the data does not look: the dense guess fails.
    n = 100_003
    x = rng.integers(0, 50, n).astype(np.int32)
    x[[4097, 50_001, 77_777]] = [10**6, -(10**6), 123_456]
    y = (x % 13).astype(np.uint32) + np.uint32(2**31)
    z = rng.integers(0, 4, n).astype(np.int8)
    cases["outliers"] = (x, y, z)

    n = 80_000
    x = rng.integers(2**63, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
    x[::3] = np.uint64(2**64 - 1)
    y = (x % np.uint64(97)).astype(np.uint64)
    z = np.iinfo(np.int64).min + rng.integers(0, 3, n)
    cases["uint64-high"] = (x, y, z.astype(np.int64))

    # Few wide labels: factorised per thread part, then merged into one dense table.
    n = 100_000
    x = rng.integers(0, 50, n)
    y = (x * 7 + rng.integers(0, 3, n)) % 37
    z = rng.integers(0, 3, n) - 1
    cases["wide-few"] = (
        (x - 25) * (1 << 45) + 17,
        (y.astype(np.uint64) << np.uint64(58)) + np.uint64(3),
        z.astype(np.int8),
    )

    # Almost all-distinct rows of 5 wide columns: radices overflow u64 → sorted rows.
    n = 50_000
    x = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, (n, 5), dtype=np.int64)
    x[: n // 2] = x[n // 2 :]  # every row twice
    y = rng.integers(0, 5, (n, 2)).astype(np.uint16)
    z = (x[:, 0] % 3).astype(np.int64)
    cases["rows-overflow"] = (x, y, z)

    n = 60_000
    labels = np.array([f"s{i}" for i in range(3000)])
    x = labels[rng.integers(0, 3000, n)]
    y = np.asfortranarray(np.column_stack([rng.integers(0, 40, n), rng.integers(0, 40, n)]))
    z = rng.integers(0, 1 << 20, n).astype(np.int32)
    cases["strings-2d"] = (x, y, z)
    return cases


LARGE = _large_cases()


def _sparse_table(x: np.ndarray, y: np.ndarray) -> Any:
    """The contingency table built by numpy + scipy.sparse (no dense table: alphabets are large)."""
    xv, xi = np.unique(x, axis=0 if x.ndim == 2 else None, return_inverse=True)
    yv, yi = np.unique(y, axis=0 if y.ndim == 2 else None, return_inverse=True)
    ones = np.ones(xi.size, dtype=np.int64)
    table = scipy.sparse.coo_array(
        (ones, (xi.reshape(-1), yi.reshape(-1))), shape=(xv.shape[0], yv.shape[0])
    )
    table.sum_duplicates()
    return xv, yv, table


@pytest.mark.parametrize("case", sorted(LARGE))
def test_large_inputs_match_reference(case: str) -> None:
    x, y, z = LARGE[case]
    estimator = ESTIMATORS[sorted(LARGE).index(case) % 2]
    e = {"estimator": estimator}
    assert_close(fastinfo.entropy(x, **e), reference.entropy(x, **e))
    assert_close(fastinfo.joint_entropy(x, y, z, **e), reference.joint_entropy(x, y, z, **e))
    assert_close(fastinfo.conditional_entropy(x, y, **e), reference.conditional_entropy(x, y, **e))
    assert_close(fastinfo.mutual_information(x, y, **e), reference.mutual_information(x, y, **e))
    assert_close(
        fastinfo.conditional_mutual_information(x, y, z, base=2, **e),
        reference.conditional_mutual_information(x, y, z, base=2, **e),
    )
    values, n = fastinfo.counts(x)
    ref_values, ref_n = reference.counts(x)
    assert_same_array(values, ref_values)
    assert_same_array(n, ref_n)
    xv, zv, table = fastinfo.contingency(x, z, sparse=True)
    ex, ez, expected = _sparse_table(x, z)
    assert_same_array(xv, ex)
    assert_same_array(zv, ez)
    assert table.shape == expected.shape
    assert table.nnz == expected.nnz
    assert (table != expected).nnz == 0


@pytest.mark.parametrize("case", ["dense-small", "wide-few", "wide-int64", "rows-overflow"])
def test_large_inputs_same_bits_for_any_thread_count(case: str) -> None:
    x, y, z = LARGE[case]

    def all_results() -> list[Any]:
        return [
            fastinfo.entropy(x),
            fastinfo.joint_entropy(x, y, z, estimator="miller_madow"),
            fastinfo.conditional_entropy(x, z),
            fastinfo.mutual_information(x, y),
            fastinfo.conditional_mutual_information(x, y, z),
            *(a.tobytes() for a in fastinfo.counts(x)),
        ]

    before = fastinfo.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 5):
            fastinfo.set_num_threads(threads)
            results.append(all_results())
    finally:
        fastinfo.set_num_threads(before)
    for other in results[1:]:
        assert other == results[0]


# ---------------------------------------------------------------------------------------------
# 2. Against scipy, scikit-learn and numpy


@given(one_sample(kinds=SORTABLE_KINDS), st.sampled_from([None, 2, 10, math.e, 3.5]))
def test_entropy_matches_scipy(x: np.ndarray, base: float | None) -> None:
    _, n = np.unique(x, axis=0 if x.ndim == 2 else None, return_counts=True)
    expected = float(scipy.stats.entropy(n, base=base))
    assert_close(fastinfo.entropy(x, base=base), expected, abs_=1e-15)


@given(joint_samples(2, two_d=False, kinds=SORTABLE_KINDS))
def test_mutual_information_matches_sklearn(variables: list[np.ndarray]) -> None:
    x, y = variables
    expected = float(sklearn.metrics.mutual_info_score(x, y))
    # sklearn drops terms below machine epsilon: a tiny absolute slack on top of 1e-12 relative.
    assert_close(fastinfo.mutual_information(x, y), expected, abs_=1e-14)


@given(one_sample(kinds=SORTABLE_KINDS))
def test_counts_matches_numpy_unique(x: np.ndarray) -> None:
    values, n = fastinfo.counts(x)
    expected_values, expected_n = np.unique(x, axis=0 if x.ndim == 2 else None, return_counts=True)
    assert_same_array(values, expected_values)
    assert_same_array(n, expected_n.astype(np.int64))


def _numpy_table(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xv, xi = np.unique(x, axis=0 if x.ndim == 2 else None, return_inverse=True)
    yv, yi = np.unique(y, axis=0 if y.ndim == 2 else None, return_inverse=True)
    table = np.zeros((xv.shape[0], yv.shape[0]), dtype=np.int64)
    np.add.at(table, (xi.reshape(-1), yi.reshape(-1)), 1)
    return xv, yv, table


@given(joint_samples(2, kinds=SORTABLE_KINDS))
def test_contingency_matches_numpy(variables: list[np.ndarray]) -> None:
    x, y = variables
    xv, yv, table = fastinfo.contingency(x, y)
    ex, ey, expected = _numpy_table(x, y)
    assert_same_array(xv, ex)
    assert_same_array(yv, ey)
    assert_same_array(table, expected)
    if x.ndim == 1 and y.ndim == 1:
        assert np.array_equal(table, contingency_matrix(x, y))


@given(joint_samples(2, kinds=SORTABLE_KINDS))
def test_sparse_contingency_matches_scipy_sparse(variables: list[np.ndarray]) -> None:
    x, y = variables
    xv, yv, table = fastinfo.contingency(x, y, sparse=True)
    ex, ey, dense = _numpy_table(x, y)
    assert_same_array(xv, ex)
    assert_same_array(yv, ey)
    assert isinstance(table, scipy.sparse.coo_array)
    expected = scipy.sparse.coo_array(dense)
    assert table.shape == expected.shape
    assert (table != expected).nnz == 0
    # Only non-empty cells, each stored once.
    assert table.nnz == np.count_nonzero(dense)
    assert np.all(table.data > 0)
    assert len(set(zip(table.row.tolist(), table.col.tolist()))) == table.nnz
    if x.ndim == 1 and y.ndim == 1:
        sk = contingency_matrix(x, y, sparse=True)
        assert (table.tocsr() != sk).nnz == 0


# ---------------------------------------------------------------------------------------------
# 3. Identities and inequalities


def stack(*columns: np.ndarray) -> np.ndarray:
    """``np.column_stack`` without upcasting labels to float or str (mixed kinds → object)."""
    common = np.result_type(*columns)
    if common.kind in "iub" and all(c.dtype.kind in "iub" for c in columns):
        return np.column_stack(columns)
    if all(c.dtype.kind == "U" for c in columns):
        return np.column_stack(columns)
    return np.column_stack([c.astype(object) for c in columns])


def _tol(*values: float) -> float:
    return 1e-12 * (1.0 + max(abs(v) for v in values))


@given(one_sample(), estimators)
def test_identities_of_one_variable(x: np.ndarray, estimator: str) -> None:
    e = {"estimator": estimator}
    h = fastinfo.entropy(x, **e)
    # I(X; X) = H(X) (the Miller-Madow corrections agree too).
    assert_close(fastinfo.mutual_information(x, x, **e), h, abs_=_tol(h))
    # H(X | X) = 0 and I(X; X | X) = 0, exactly.
    assert fastinfo.conditional_entropy(x, x, **e) == 0.0
    assert fastinfo.conditional_mutual_information(x, x, x, **e) == 0.0
    # H(X, X) = H(X).
    assert_close(fastinfo.joint_entropy(x, x, **e), h)


@given(one_sample(), bases)
def test_miller_madow_is_plugin_plus_correction(x: np.ndarray, base: int | None) -> None:
    m = fastinfo.counts(x)[1].shape[0]
    n = x.shape[0]
    scale = 1.0 if base is None else math.log(base)
    plugin = fastinfo.entropy(x, base=base)
    assert_close(
        fastinfo.entropy(x, base=base, estimator="miller_madow"),
        plugin + (m - 1) / (2 * n) / scale,
    )


@given(joint_samples(2), estimators)
def test_identities_of_two_variables(variables: list[np.ndarray], estimator: str) -> None:
    x, y = variables
    e = {"estimator": estimator}
    h_x, h_y = fastinfo.entropy(x, **e), fastinfo.entropy(y, **e)
    h_xy = fastinfo.joint_entropy(x, y, **e)
    h_y_given_x = fastinfo.conditional_entropy(y, x, **e)
    h_x_given_y = fastinfo.conditional_entropy(x, y, **e)
    info = fastinfo.mutual_information(x, y, **e)
    tol = _tol(h_x, h_y, h_xy)
    note(f"H(X)={h_x} H(Y)={h_y} H(X,Y)={h_xy} H(Y|X)={h_y_given_x} I={info}")
    # Chain rule: H(X, Y) = H(X) + H(Y | X) = H(Y) + H(X | Y).
    assert abs(h_xy - (h_x + h_y_given_x)) <= tol
    assert abs(h_xy - (h_y + h_x_given_y)) <= tol
    # I = H(X) + H(Y) - H(X, Y) (Miller-Madow information is clamped at 0).
    assert abs(info - max(h_x + h_y - h_xy, 0.0)) <= tol
    # Symmetry.
    assert_close(fastinfo.mutual_information(y, x, **e), info)
    assert_close(fastinfo.joint_entropy(y, x, **e), h_xy)
    assert info >= 0.0
    if estimator == "plugin":
        # 0 <= I <= min(H(X), H(Y)); conditioning reduces entropy; H(X, Y) >= max(H(X), H(Y)).
        assert info <= min(h_x, h_y) + tol
        assert h_x_given_y <= h_x + tol
        assert h_y_given_x <= h_y + tol
        assert h_xy >= max(h_x, h_y) - tol
        assert h_x_given_y >= 0.0


@given(joint_samples(3), estimators, st.sampled_from([2, 10, 7.25]))
def test_identities_of_three_variables(
    variables: list[np.ndarray], estimator: str, base: float
) -> None:
    x, y, z = variables
    e = {"estimator": estimator}
    cmi = fastinfo.conditional_mutual_information(x, y, z, **e)
    # Symmetry in X and Y.
    assert_close(fastinfo.conditional_mutual_information(y, x, z, **e), cmi)
    # I(X; Y | Z) = H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)  (clamped at 0 for Miller-Madow).
    h_xz, h_yz = fastinfo.joint_entropy(x, z, **e), fastinfo.joint_entropy(y, z, **e)
    h_xyz, h_z = fastinfo.joint_entropy(x, y, z, **e), fastinfo.entropy(z, **e)
    assert abs(cmi - max(h_xz + h_yz - h_xyz - h_z, 0.0)) <= _tol(h_xz, h_yz, h_xyz)
    # Base conversion of every quantity.
    scale = math.log(base)
    assert_close(fastinfo.conditional_mutual_information(x, y, z, base=base, **e), cmi / scale)
    assert_close(
        fastinfo.mutual_information(x, y, base=base, **e),
        fastinfo.mutual_information(x, y, **e) / scale,
    )
    assert_close(
        fastinfo.conditional_entropy(x, z, base=base, **e),
        fastinfo.conditional_entropy(x, z, **e) / scale,
    )
    assert_close(fastinfo.joint_entropy(x, y, z, base=base, **e), h_xyz / scale)


@given(joint_samples(3, kinds=INTEGER_KINDS, two_d=False))
def test_chain_rule_of_information(variables: list[np.ndarray]) -> None:
    x, y, z = variables
    yz = stack(y, z)
    whole = fastinfo.mutual_information(x, yz)
    parts = fastinfo.mutual_information(x, z) + fastinfo.conditional_mutual_information(x, y, z)
    assert abs(whole - parts) <= _tol(whole, fastinfo.entropy(x))


@st.composite
def markov_chains(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Samples whose *empirical* distribution is a Markov chain X → Y → Z.

    Either Z is a random function of Y (Y itself a noisy channel of X), or, for every value of Y,
    the samples are all pairs of a random multiset of X values and a random multiset of Z values,
    so that X and Z are exactly independent given Y in the sample.
    """
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    if draw(st.booleans()):
        n = draw(st.integers(1, 2000))
        kx, ky, kz = (draw(st.integers(1, 40)) for _ in range(3))
        x = rng.integers(0, kx, n)
        y = rng.integers(0, ky, kx)[x]
        noise = rng.random(n) < draw(st.sampled_from([0.0, 0.1, 0.5]))
        y[noise] = rng.integers(0, ky, int(noise.sum()))
        z = rng.integers(0, kz, ky)[y] * (1 << 41)  # a random function: hashed path
        return x, y, z
    xs, ys, zs = [], [], []
    for y_value in range(draw(st.integers(1, 6))):
        a = rng.integers(0, draw(st.integers(1, 8)), draw(st.integers(1, 6)))
        b = rng.integers(0, draw(st.integers(1, 8)), draw(st.integers(1, 6)))
        pairs = np.array(np.meshgrid(a, b, indexing="ij")).reshape(2, -1)
        xs.append(pairs[0])
        zs.append(pairs[1])
        ys.append(np.full(pairs.shape[1], y_value * 7 - 3))
    order = rng.permutation(sum(len(v) for v in xs))
    return np.concatenate(xs)[order], np.concatenate(ys)[order], np.concatenate(zs)[order]


@given(markov_chains())
def test_data_processing_inequality(chain: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    x, y, z = chain
    i_xz = fastinfo.mutual_information(x, z)
    i_xy = fastinfo.mutual_information(x, y)
    i_yz = fastinfo.mutual_information(y, z)
    assert i_xz <= i_xy + 1e-12
    assert i_xz <= i_yz + 1e-12
    # Markov: nothing left between X and Z once Y is known.
    assert fastinfo.conditional_mutual_information(x, z, y) <= 1e-12


def _relabel(x: np.ndarray, rng: np.random.Generator, kind: str, spread: str) -> np.ndarray:
    """``x`` with its labels (rows, for 2-D) replaced through a random bijection."""
    _, inverse = np.unique(x, axis=0 if x.ndim == 2 else None, return_inverse=True)
    inverse = inverse.reshape(-1)
    m = int(inverse.max()) + 1
    new = alphabet(rng, kind, m, spread)
    while new.shape[0] < m:  # small dtypes: fall back to int64 labels
        new = alphabet(rng, "int64", m, spread)
    return new[inverse]


@given(
    joint_samples(3, kinds=SORTABLE_KINDS),
    st.integers(0, 2**32 - 1),
    st.sampled_from(["int64", "uint64", "int32", "uint16", "str"]),
    st.sampled_from(SPREADS),
    estimators,
)
def test_relabelling_invariance(
    variables: list[np.ndarray], seed: int, kind: str, spread: str, estimator: str
) -> None:
    rng = np.random.default_rng(seed)
    x, y, z = variables
    rx, ry, rz = (_relabel(v, rng, kind, spread) for v in variables)
    e = {"estimator": estimator}
    pairs = [
        (fastinfo.entropy(x, **e), fastinfo.entropy(rx, **e)),
        (fastinfo.joint_entropy(x, y, z, **e), fastinfo.joint_entropy(rx, ry, rz, **e)),
        (fastinfo.conditional_entropy(x, y, **e), fastinfo.conditional_entropy(rx, ry, **e)),
        (fastinfo.mutual_information(x, y, **e), fastinfo.mutual_information(rx, ry, **e)),
        (
            fastinfo.conditional_mutual_information(x, y, z, **e),
            fastinfo.conditional_mutual_information(rx, ry, rz, **e),
        ),
    ]
    for before, after in pairs:
        assert_close(after, before)
    assert np.array_equal(np.sort(fastinfo.counts(x)[1]), np.sort(fastinfo.counts(rx)[1]))
    table = fastinfo.contingency(x, y, sparse=True)[2]
    relabelled = fastinfo.contingency(rx, ry, sparse=True)[2]
    assert np.array_equal(np.sort(table.data), np.sort(relabelled.data))


# ---------------------------------------------------------------------------------------------
# 4. Known values


@pytest.mark.parametrize("repeat", [1, 2, 3, 50, 4097, 40_000])
def test_fair_coin_is_one_bit(repeat: int) -> None:
    coin = np.tile([0, 1], repeat)
    assert fastinfo.entropy(coin, base=2) == 1.0
    assert fastinfo.entropy(coin.astype(bool), base=2) == 1.0
    assert fastinfo.entropy(np.where(coin, "heads", "tails"), base=2) == 1.0
    assert fastinfo.mutual_information(coin, coin, base=2) == 1.0


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n))))
def test_bernoulli_entropy_curve(n_and_k: tuple[int, int]) -> None:
    n, k = n_and_k
    p = k / n
    expected = 0.0 if k in (0, n) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)
    x = np.zeros(n, dtype=np.int8)
    x[np.random.default_rng(n * 7 + k).permutation(n)[:k]] = 1
    assert_close(fastinfo.entropy(x, base=2), expected, abs_=1e-15)
    if k in (0, n):
        assert fastinfo.entropy(x, base=2) == 0.0


@pytest.mark.parametrize("bits", range(0, 17))
@pytest.mark.parametrize("dtype", ["uint16", "int32", "int64", "uint64-wide"])
def test_uniform_over_power_of_two_labels(bits: int, dtype: str) -> None:
    labels = np.arange(2**bits, dtype=np.int64)
    if dtype == "uint64-wide":
        x = (labels.astype(np.uint64) << np.uint64(47)) + np.uint64(2**63 - 5)
    else:
        x = (labels - 2 ** (bits // 2)).astype(dtype)
    x = np.repeat(x, 3)[np.random.default_rng(bits).permutation(3 * 2**bits)]
    assert_close(fastinfo.entropy(x, base=2), float(bits), abs_=1e-15)
    assert_close(fastinfo.mutual_information(x, x, base=2), float(bits), abs_=1e-15)


@pytest.mark.parametrize(
    "constant",
    [
        np.zeros(1, dtype=np.int64),
        np.full(17, -128, dtype=np.int8),
        np.full(5000, 2**64 - 1, dtype=np.uint64),
        np.full(70_000, np.iinfo(np.int64).min, dtype=np.int64),
        np.array(["same"] * 9),
        np.ones((33, 3), dtype=np.int32),
    ],
    ids=["one", "int8", "uint64-max", "int64-min-70k", "str", "2d"],
)
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_constant_has_zero_entropy(constant: np.ndarray, estimator: str) -> None:
    other = np.arange(constant.shape[0]) % 5
    assert fastinfo.entropy(constant, estimator=estimator) == 0.0
    assert fastinfo.entropy(constant, base=2, estimator=estimator) == 0.0
    assert fastinfo.mutual_information(constant, other, estimator=estimator) == 0.0
    assert fastinfo.mutual_information(other, constant, estimator=estimator) == 0.0
    assert fastinfo.conditional_entropy(constant, other, estimator=estimator) == 0.0
    assert_close(
        fastinfo.conditional_mutual_information(other, other, constant), fastinfo.entropy(other)
    )
    values, n = fastinfo.counts(constant)
    assert n.tolist() == [constant.shape[0]]
    assert values.shape[0] == 1


@st.composite
def product_designs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """Every (x, y) pair exactly ``r`` times, rows shuffled, labels of any kind and spread."""
    a, b, r = draw(st.integers(1, 60)), draw(st.integers(1, 60)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind_x = draw(st.sampled_from(KINDS))
    kind_y = draw(st.sampled_from(KINDS))
    ax = alphabet(rng, kind_x, a, draw(st.sampled_from(SPREADS)))
    ay = alphabet(rng, kind_y, b, draw(st.sampled_from(SPREADS)))
    x = np.repeat(np.repeat(ax, ay.shape[0]), r)
    y = np.repeat(np.tile(ay, ax.shape[0]), r)
    order = rng.permutation(x.shape[0])
    return x[order], y[order], ax.shape[0] * ay.shape[0] * r


@given(product_designs(), estimators)
def test_independent_product_design_has_zero_information(
    design: tuple[np.ndarray, np.ndarray, int], estimator: str
) -> None:
    x, y, n = design
    assert x.shape[0] == n
    assert fastinfo.mutual_information(x, y, estimator=estimator) == 0.0
    assert fastinfo.mutual_information(y, x, estimator=estimator) == 0.0
    # The same design inside every stratum of a third variable.
    z = np.concatenate([np.zeros(n, dtype=np.int64), np.full(n, 1 << 50, dtype=np.int64)])
    xx, yy = np.concatenate([x, x[::-1]]), np.concatenate([y, y[::-1]])
    assert fastinfo.conditional_mutual_information(xx, yy, z, estimator=estimator) == 0.0
    # H(X | Y) = H(X) for independent X and Y.
    assert_close(fastinfo.conditional_entropy(x, y), fastinfo.entropy(x))


@given(one_sample(), st.sampled_from([2, 10, math.e, 0.5, 1.5, 256]), estimators)
def test_base_conversion(x: np.ndarray, base: float, estimator: str) -> None:
    nats = fastinfo.entropy(x, estimator=estimator)
    assert_close(fastinfo.entropy(x, base=base, estimator=estimator), nats / math.log(base))
    if base == 2:
        assert_close(fastinfo.entropy(x, base=2, estimator=estimator), nats / LN2)
    if base == math.e:
        assert fastinfo.entropy(x, base=base, estimator=estimator) == nats


# ---------------------------------------------------------------------------------------------
# 5. Equivalent encodings


def _encodings(codes: np.ndarray) -> dict[str, Any]:
    """The same labels (small non-negative ints, order-preserving) in many encodings."""
    n = codes.shape[0]
    padded = np.array([f"L{c:04d}" for c in range(int(codes.max()) + 1)])
    strided_base = np.zeros(3 * n, dtype=np.int64)
    strided_base[::3] = codes
    reversed_base = codes[::-1].astype(np.int32).copy()
    fortran = np.asfortranarray(np.column_stack([codes, codes]).astype(np.int16))
    return {
        "uint8": codes.astype(np.uint8),
        "int64": codes.astype(np.int64),
        "int8-shifted": (codes.astype(np.int16) - 100).astype(np.int8),
        "uint64-high": codes.astype(np.uint64) + np.uint64(2**63 + 12345),
        "int64-wide": codes.astype(np.int64) * (1 << 40) - (1 << 62),
        "big-endian": codes.astype(">i4"),
        "strings": padded[codes],
        "bytes": padded[codes].astype("S"),
        "object": np.array([f"L{c:04d}" for c in codes.tolist()], dtype=object),
        "list": codes.tolist(),
        "categorical": pd.Categorical(padded[codes], categories=padded),
        "categorical-series": pd.Series(padded[codes], dtype="category"),
        "datetime": codes.astype("datetime64[s]"),
        "strided": strided_base[::3],
        "reversed-view": reversed_base[::-1],
        "fortran-column": fortran[:, 0],
        "2d-one-column": codes.astype(np.int64)[:, None],
        "2d-fortran-duplicate": fortran,
        "2d-big-endian": np.column_stack([codes, codes]).astype(">i8"),
        "2d-negative-strides": np.column_stack([np.zeros_like(codes), codes])[::-1, ::-1][::-1],
    }


@st.composite
def code_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 300))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kx, ky, kz = (draw(st.integers(1, 120)) for _ in range(3))
    x = rng.integers(0, kx, n)
    y = (x * draw(st.integers(0, 5)) + rng.integers(0, ky, n)) % ky
    z = (x + y + rng.integers(0, kz, n)) % kz
    return x, y, z


ENCODING_NAMES = sorted(_encodings(np.arange(3)))


@given(code_pairs(), st.lists(st.sampled_from(ENCODING_NAMES), min_size=1, max_size=6, unique=True))
def test_equivalent_encodings_give_identical_results(
    data: tuple[np.ndarray, np.ndarray, np.ndarray], names: list[str]
) -> None:
    x, y, z = data

    def results(ex: Any) -> list[float]:
        return [
            fastinfo.entropy(ex, estimator="miller_madow", base=2),
            fastinfo.mutual_information(ex, y),
            fastinfo.conditional_mutual_information(z, y, ex, estimator="miller_madow"),
        ]

    expected = results(x)
    _, expected_counts = fastinfo.counts(x)
    _, _, expected_table = fastinfo.contingency(x, y)
    encodings = _encodings(x)
    for name in names:
        ex = encodings[name]
        assert results(ex) == expected, name
        values, n = fastinfo.counts(ex)
        xv, _, table = fastinfo.contingency(ex, y)
        if name == "object":  # Python objects come in order of first appearance
            assert values.tolist() == list(dict.fromkeys(ex.tolist()))
            n, table = n[np.argsort(values)], table[np.argsort(xv)]
        assert_same_array(n, expected_counts)
        assert_same_array(table, expected_table)


@given(joint_samples(2, kinds=INTEGER_KINDS, two_d=False), estimators)
def test_joint_entropy_equals_entropy_of_stacked_columns(
    variables: list[np.ndarray], estimator: str
) -> None:
    x, y = variables
    stacked = stack(x, y)
    joint = fastinfo.joint_entropy(x, y, estimator=estimator)
    if stacked.dtype != object:  # same labels, same table: the same bits
        assert joint == fastinfo.entropy(stacked, estimator=estimator)
        assert joint == fastinfo.entropy(np.asfortranarray(stacked), estimator=estimator)
    assert_close(fastinfo.entropy(stacked, estimator=estimator), joint)
    assert_close(joint, fastinfo.joint_entropy(y, x, estimator=estimator))


@given(joint_samples(3, kinds=SORTABLE_KINDS, two_d=False))
def test_two_dimensional_variable_equals_separate_columns(variables: list[np.ndarray]) -> None:
    x, y, z = variables
    yz = stack(y, z)
    assert_close(fastinfo.joint_entropy(x, yz), fastinfo.joint_entropy(x, y, z))
    assert_close(fastinfo.conditional_entropy(x, yz), reference.conditional_entropy(x, yz))
    values, n = fastinfo.counts(yz)
    assert n.sum() == x.shape[0]
    assert values.shape == (n.shape[0], 2)


# ---------------------------------------------------------------------------------------------
# Argument errors


def test_dense_contingency_over_memory_budget_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    x = np.arange(2000, dtype=np.int64) << 40
    y = np.arange(2000, dtype=np.int64)[::-1].copy()
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")  # 2000 x 2000 x 8 bytes = 32 MB
    with pytest.raises(MemoryError, match="2000 x 2000"):
        fastinfo.contingency(x, y)
    xv, yv, table = fastinfo.contingency(x, y, sparse=True)
    assert table.shape == (2000, 2000)
    assert table.nnz == 2000
    assert np.array_equal(table.toarray(), np.eye(2000, dtype=np.int64)[::-1])
    assert_same_array(xv, x)
    assert_same_array(yv, np.arange(2000, dtype=np.int64))
    assert_close(fastinfo.mutual_information(x, y), math.log(2000))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: fastinfo.entropy(np.array([0.5, 1.0])), TypeError, "floating"),
        (lambda: fastinfo.entropy(np.array([], dtype=np.int64)), ValueError, "empty"),
        (lambda: fastinfo.entropy(np.zeros((2, 2, 2), dtype=int)), ValueError, "1-D"),
        (lambda: fastinfo.mutual_information([0, 1], [0, 1, 2]), ValueError, "samples"),
        (lambda: fastinfo.conditional_entropy([0, 1], [0]), ValueError, "given"),
        (lambda: fastinfo.entropy([0, 1], estimator="mle"), ValueError, "estimator"),
        (lambda: fastinfo.entropy([0, 1], base=1), ValueError, "base"),
        (lambda: fastinfo.entropy([0, 1], base=-2.0), ValueError, "base"),
        (lambda: fastinfo.entropy([0, 1], base="2"), TypeError, "base"),
        (lambda: fastinfo.contingency([0, 1], [0, 1], sparse=1), TypeError, "sparse"),
        (lambda: fastinfo.joint_entropy(), TypeError, "at least one"),
        (lambda: fastinfo.entropy(np.array(["a", None], dtype=object)), ValueError, "missing"),
    ],
)
def test_argument_errors(call: Callable[[], Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()
