"""Bad inputs, edge inputs and awkward memory layouts, for every public function and its twin.

Every failing call must raise ``ValueError`` / ``TypeError`` / ``MemoryError`` with a message that
names the offending argument; a ``pyo3_runtime.PanicException`` (or the ``RuntimeError`` that a
caught panic becomes) reaching the user is a bug. Every "works" case is checked against
:mod:`fastinfo.reference`, and layout variants against a contiguous copy, bit for bit.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

import numpy as np
import pytest

import fastinfo
import fastinfo.pmf
import fastinfo.reference
import fastinfo.reference.pmf

pd = pytest.importorskip("pandas")

N = 6  # samples in the small bad-input cases

IMPLS = [pytest.param(fastinfo, id="fastinfo"), pytest.param(fastinfo.reference, id="reference")]
PMF_IMPLS = [
    pytest.param(fastinfo.pmf, id="fastinfo"),
    pytest.param(fastinfo.reference.pmf, id="reference"),
]

# Public samples functions and the names their data arguments have in error messages.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "entropy": ("x",),
    "joint_entropy": ("variables[0]", "variables[1]", "variables[2]"),
    "conditional_entropy": ("x", "given"),
    "mutual_information": ("x", "y"),
    "conditional_mutual_information": ("x", "y", "given"),
    "counts": ("x",),
    "contingency": ("x", "y"),
}
ESTIMATES = [
    "entropy",
    "joint_entropy",
    "conditional_entropy",
    "mutual_information",
    "conditional_mutual_information",
]
PMF_SIGNATURES: dict[str, tuple[str, ...]] = {
    "entropy": ("p",),
    "cross_entropy": ("p", "q"),
    "kl_divergence": ("p", "q"),
    "js_divergence": ("p", "q"),
}

POSITIONS = [
    pytest.param(name, i, id=f"{name}-{argument}")
    for name, arguments in SIGNATURES.items()
    for i, argument in enumerate(arguments)
]
PMF_POSITIONS = [
    pytest.param(name, i, id=f"{name}-{argument}")
    for name, arguments in PMF_SIGNATURES.items()
    for i, argument in enumerate(arguments)
]


# ---------------------------------------------------------------------------------------------
# Helpers


def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; fail the test if a Rust panic (or its RuntimeError disguise) escapes."""
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:
        kind = type(exc).__name__
        if kind == "PanicException" or (
            isinstance(exc, RuntimeError) and "internal error" in str(exc)
        ):
            pytest.fail(f"{fn.__module__}.{fn.__qualname__} let a Rust panic escape: {kind}: {exc}")
        raise


def names(argument: str) -> str:
    """A regex matching ``argument`` as a whole word (``x`` in "x[:, 0] has", not in "index")."""
    return rf"(?<![A-Za-z0-9_]){re.escape(argument)}(?![A-Za-z0-9_])"


def expect(
    exc: type[BaseException],
    argument: str,
    fn: Callable[..., Any],
    *args: Any,
    also: str | None = None,
    **kwargs: Any,
) -> BaseException:
    """Assert ``fn(*args, **kwargs)`` raises ``exc`` naming ``argument`` (and matching ``also``)."""
    with pytest.raises(exc, match=names(argument)) as info:
        call(fn, *args, **kwargs)
    if also is not None:
        assert re.search(also, str(info.value)), f"{also!r} not in {str(info.value)!r}"
    return info.value


def samples_call(impl: Any, name: str, data: list[Any], **kwargs: Any) -> Any:
    """Call samples function ``name`` of ``impl`` with the data arguments ``data``."""
    return call(getattr(impl, name), *data, **kwargs)


def good_labels(n: int = N) -> list[np.ndarray]:
    rng = np.random.default_rng(n)
    return [rng.integers(0, 3, n) for _ in range(3)]


def with_bad(name: str, position: int, bad: Any, n: int = N) -> list[Any]:
    data: list[Any] = good_labels(n)[: len(SIGNATURES[name])]
    data[position] = bad
    return data


def assert_same(actual: Any, expected: Any, exact: bool) -> None:
    """Compare results of any samples / pmf function (floats, tuples of arrays, sparse tables)."""
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple)
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_same(a, e, exact)
        return
    if hasattr(expected, "toarray"):  # scipy sparse
        assert hasattr(actual, "toarray")
        assert actual.shape == expected.shape
        assert_same(actual.toarray(), expected.toarray(), exact)
        return
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray)
        assert actual.shape == expected.shape
        if expected.dtype.kind == "f":
            assert actual.dtype == np.float64
            if exact:
                np.testing.assert_array_equal(actual, expected)
            else:
                np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-15)
        else:
            assert actual.dtype == expected.dtype
            np.testing.assert_array_equal(actual, expected)
        return
    assert isinstance(actual, float)
    assert isinstance(expected, float)
    if exact:
        assert actual == expected or (math.isnan(actual) and math.isnan(expected))
    else:
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-15)


def every_samples_result(impl: Any, x: Any, y: Any, z: Any) -> dict[str, Any]:
    """Every samples function of ``impl`` on the variables ``x``, ``y``, ``z``."""
    return {
        "entropy": call(impl.entropy, x),
        "entropy-bits-mm": call(impl.entropy, x, base=2, estimator="miller_madow"),
        "joint_entropy": call(impl.joint_entropy, x, y, z),
        "conditional_entropy": call(impl.conditional_entropy, x, z),
        "conditional_entropy-mm": call(impl.conditional_entropy, y, x, estimator="miller_madow"),
        "mutual_information": call(impl.mutual_information, x, y),
        "mutual_information-mm": call(impl.mutual_information, y, z, estimator="miller_madow"),
        "conditional_mutual_information": call(impl.conditional_mutual_information, x, y, z),
        "counts-x": call(impl.counts, x),
        "counts-y": call(impl.counts, y),
        "contingency": call(impl.contingency, x, y),
        "contingency-sparse": call(impl.contingency, z, x, sparse=True),
    }


def assert_all_same(actual: dict[str, Any], expected: dict[str, Any], exact: bool) -> None:
    assert actual.keys() == expected.keys()
    for key in expected:
        try:
            assert_same(actual[key], expected[key], exact)
        except AssertionError as error:
            raise AssertionError(f"{key}: {error}") from error


def some_samples_results(impl: Any, x: Any, y: Any, z: Any) -> dict[str, Any]:
    """A cheaper subset of :func:`every_samples_result` (the reference is slow on big inputs)."""
    return {
        "entropy": call(impl.entropy, x),
        "mutual_information": call(impl.mutual_information, x, y),
        "conditional_mutual_information": call(impl.conditional_mutual_information, x, y, z),
        "counts-x": call(impl.counts, x),
        "contingency": call(impl.contingency, x, z),
    }


def check_against_reference(x: Any, y: Any, z: Any, subset: bool = False) -> dict[str, Any]:
    results = some_samples_results if subset else every_samples_result
    fast = results(fastinfo, x, y, z)
    assert_all_same(fast, results(fastinfo.reference, x, y, z), exact=False)
    return fast


# ---------------------------------------------------------------------------------------------
# Samples functions: bad labels in every argument position


def _unhashable(n: int) -> np.ndarray:
    a = np.empty(n, dtype=object)
    a[:] = [[i % 2] for i in range(n)]
    return a


BAD_LABELS = [
    # (id, make(n), exception, extra regex the message must match)
    ("empty", lambda n: np.array([], dtype=np.int64), ValueError, "empty"),
    ("empty-list", lambda n: [], ValueError, "empty"),
    ("empty-2d", lambda n: np.zeros((0, 2), dtype=np.int64), ValueError, "empty"),
    ("0-d", lambda n: np.array(3), ValueError, r"0-d"),
    ("python-scalar", lambda n: 3, ValueError, r"0-d"),
    ("3-d", lambda n: np.zeros((n, 2, 2), dtype=np.int64), ValueError, r"3-d"),
    ("2-d-no-columns", lambda n: np.zeros((n, 0), dtype=np.int64), ValueError, "column"),
    ("float", lambda n: np.linspace(0.0, 1.0, n), TypeError, r"(?i)discreti[sz]e.*astype"),
    ("float-whole", lambda n: np.arange(n, dtype=np.float64), TypeError, r"astype\(np\.int64\)"),
    ("float32", lambda n: np.arange(n, dtype=np.float32), TypeError, r"(?i)discreti[sz]e"),
    ("float-list", lambda n: [0.5] * n, TypeError, r"(?i)discreti[sz]e"),
    ("float-2d", lambda n: np.ones((n, 2)), TypeError, r"(?i)discreti[sz]e"),
    ("complex", lambda n: np.arange(n) + 1j, TypeError, r"complex.*integer"),
    ("object-unhashable", _unhashable, TypeError, r"unhashable.*index 0"),
    (
        "structured",
        lambda n: np.zeros(n, dtype=[("a", "i4"), ("b", "i4")]),
        TypeError,
        r"dtype.*integer",
    ),
    (
        "categorical-missing",
        lambda n: pd.Categorical(["a", None] + ["b"] * (n - 2)),
        ValueError,
        r"missing.*index 1",
    ),
    (
        "categorical-series-missing",
        lambda n: pd.Series(["a", "b", np.nan] + ["a"] * (n - 3), dtype="category"),
        ValueError,
        r"missing.*index 2",
    ),
    (
        "object-none",
        lambda n: np.array(["a", None] + ["b"] * (n - 2), dtype=object),
        ValueError,
        r"missing.*None.*index 1",
    ),
    (
        "object-nan",
        lambda n: np.array([1, 2, np.nan] + [1] * (n - 3), dtype=object),
        ValueError,
        r"missing.*nan.*index 2",
    ),
    (
        "object-pd-na",
        lambda n: np.array([1, pd.NA] + [2] * (n - 2), dtype=object),
        ValueError,
        r"missing.*index 1",
    ),
    (
        "series-strings-missing",
        lambda n: pd.Series(["a", None] + ["b"] * (n - 2)),
        ValueError,
        r"missing.*index 1",
    ),
    (
        # A nullable-integer column with a missing value is a missing value, not a float column.
        "nullable-int-missing",
        lambda n: pd.array([1, None] + [2] * (n - 2), dtype="Int64"),
        ValueError,
        r"missing",
    ),
]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(("name", "position"), POSITIONS)
@pytest.mark.parametrize(
    ("make", "exc", "also"),
    [pytest.param(make, exc, also, id=case) for case, make, exc, also in BAD_LABELS],
)
def test_bad_labels(
    impl: Any, name: str, position: int, make: Callable[[int], Any], exc: type, also: str
) -> None:
    argument = SIGNATURES[name][position]
    expect(exc, argument, getattr(impl, name), *with_bad(name, position, make(N)), also=also)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize(
    ("name", "position"),
    [p for p in POSITIONS if len(SIGNATURES[p.values[0]]) > 1],
)
@pytest.mark.parametrize("delta", [-1, +1, 1 - N], ids=["shorter", "longer", "one-sample"])
def test_length_mismatch(impl: Any, name: str, position: int, delta: int) -> None:
    arguments = SIGNATURES[name]
    data = with_bad(name, position, good_labels(N + delta)[0])
    # The message names the variable whose length differs (and the one it was compared with).
    error = expect(ValueError, arguments[position], getattr(impl, name), *data, also="samples")
    assert str(N + delta) in str(error)
    assert str(N) in str(error)


@pytest.mark.parametrize("impl", IMPLS)
def test_joint_entropy_needs_a_variable(impl: Any) -> None:
    expect(TypeError, "joint_entropy", impl.joint_entropy)


@pytest.mark.parametrize("impl", IMPLS)
def test_two_dimensional_column_named(impl: Any) -> None:
    """A bad column of a 2-D variable is named with its index."""
    x = np.zeros((N, 2), dtype=object)
    x[:, 0] = 1
    x[3, 1] = None
    error = expect(ValueError, "x", impl.entropy, x, also=r"missing.*index 3")
    assert "x[:, 1]" in str(error)


# ---------------------------------------------------------------------------------------------
# Options: base, estimator, sparse, normalize, axis, n

BAD_BASES = [
    (0, ValueError),
    (-2, ValueError),
    (-0.5, ValueError),
    (1, ValueError),
    (1.0, ValueError),
    (float("nan"), ValueError),
    (float("inf"), ValueError),
    (float("-inf"), ValueError),
    (np.float64("nan"), ValueError),
    ("2", TypeError),
    (b"2", TypeError),
    (True, TypeError),
    (False, TypeError),
    (np.True_, TypeError),
    (2 + 0j, TypeError),
    ([2], TypeError),
]
BAD_BASE_PARAMS = [pytest.param(b, e, id=repr(b)) for b, e in BAD_BASES]


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ESTIMATES)
@pytest.mark.parametrize(("base", "exc"), BAD_BASE_PARAMS)
def test_bad_base(impl: Any, name: str, base: Any, exc: type) -> None:
    data = good_labels()[: len(SIGNATURES[name])]
    expect(exc, "base", getattr(impl, name), *data, base=base)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ESTIMATES)
@pytest.mark.parametrize("base", [2, 2.0, np.float32(2), np.int64(10), math.e, 0.5])
def test_good_base(impl: Any, name: str, base: Any) -> None:
    data = good_labels()[: len(SIGNATURES[name])]
    nats = samples_call(impl, name, data)
    assert samples_call(impl, name, data, base=base) == pytest.approx(
        nats / math.log(float(base)), rel=1e-12, abs=1e-15
    )


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("name", ESTIMATES)
@pytest.mark.parametrize(
    ("estimator", "exc"),
    [
        ("bogus", ValueError),
        ("Plugin", ValueError),
        ("", ValueError),
        ("miller-madow", ValueError),
        (None, TypeError),
        (1, TypeError),
        (b"plugin", TypeError),
        (["plugin"], TypeError),
    ],
)
def test_bad_estimator(impl: Any, name: str, estimator: Any, exc: type) -> None:
    data = good_labels()[: len(SIGNATURES[name])]
    expect(exc, "estimator", getattr(impl, name), *data, estimator=estimator)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("sparse", ["yes", 1, 0, None, [True]])
def test_bad_sparse(impl: Any, sparse: Any) -> None:
    x, y, _ = good_labels()
    expect(TypeError, "sparse", impl.contingency, x, y, sparse=sparse)


@pytest.mark.parametrize("impl", IMPLS)
def test_numpy_bool_sparse_works(impl: Any) -> None:
    x, y, _ = good_labels()
    dense = call(impl.contingency, x, y, sparse=np.False_)[2]
    sparse = call(impl.contingency, x, y, sparse=np.True_)[2]
    np.testing.assert_array_equal(sparse.toarray(), dense)


@pytest.fixture
def restore_threads():
    saved = fastinfo.get_num_threads()
    yield saved
    fastinfo.set_num_threads(saved)


@pytest.mark.parametrize(
    ("n", "exc"),
    [
        (0, ValueError),
        (-1, ValueError),
        (-(2**70), ValueError),
        (2**64, ValueError),  # out of range for any thread count: a ValueError, not OverflowError
        (1.5, TypeError),
        (2.0, TypeError),
        ("2", TypeError),
        (True, TypeError),
        (False, TypeError),
        (None, TypeError),
    ],
    ids=repr,
)
def test_bad_num_threads(restore_threads: int, n: Any, exc: type) -> None:
    expect(exc, "n", fastinfo.set_num_threads, n)
    assert fastinfo.get_num_threads() == restore_threads


def test_numpy_integer_num_threads(restore_threads: int) -> None:
    fastinfo.set_num_threads(np.int64(1))
    assert fastinfo.get_num_threads() == 1
    fastinfo.set_num_threads(np.uint8(2))
    assert fastinfo.get_num_threads() == 2


# ---------------------------------------------------------------------------------------------
# Samples functions: inputs that must work, checked against the reference

I64 = np.iinfo(np.int64)
U64 = np.iinfo(np.uint64)


def extreme_variables(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n)
    x = rng.choice(np.array([I64.min, I64.min + 1, -1, 0, 1, I64.max - 1, I64.max]), n)
    y = rng.choice(
        np.array([0, 1, 2**63 - 1, 2**63, 2**63 + 1, U64.max - 1, U64.max], np.uint64), n
    )
    z = rng.integers(-3, 3, n).astype(np.int8)
    return x, y, z


@pytest.mark.parametrize("n", [7, 1000, 70_001])
def test_int64_uint64_extremes_exact(n: int) -> None:
    x, y, z = extreme_variables(n)
    fast = check_against_reference(x, y, z, subset=n > 10_000)
    values, counts = fast["counts-x"]
    assert values.dtype == np.int64
    np.testing.assert_array_equal(values, np.unique(x))
    assert counts.sum() == n
    values, counts = call(fastinfo.counts, y)
    assert values.dtype == np.uint64
    np.testing.assert_array_equal(values, np.unique(y))


@pytest.mark.parametrize("n", [1000, 40_001])
def test_extremes_as_two_dimensional_variables(n: int) -> None:
    x, y, z = extreme_variables(n)
    xy = np.column_stack([x, x[::-1]])  # int64 (n, 2)
    yy = np.column_stack([y, y[::-1], y])  # uint64 (n, 3)
    check_against_reference(xy, yy, z, subset=n > 10_000)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_negative_labels(dtype: str) -> None:
    info = np.iinfo(dtype)
    rng = np.random.default_rng(0)
    x = rng.integers(info.min, 0, 5000, dtype=dtype, endpoint=True)
    y = rng.integers(-2, 2, 5000).astype(dtype)
    z = (x % 3).astype(dtype)
    fast = check_against_reference(x, y, z)
    assert fast["counts-x"][0].dtype == np.dtype(dtype)
    assert fast["counts-x"][0].min() < 0


@pytest.mark.parametrize("outlier", [-5, 11, 3000, 2**62, int(I64.min)])
def test_outlier_missed_by_range_sampling(outlier: int) -> None:
    """Values outside the sampled key range (one rare outlier deep inside the array) still count."""
    rng = np.random.default_rng(1)
    n = 100_003
    x = rng.integers(0, 10, n)
    x[[12_345, n // 2 + 7]] = outlier
    y = rng.integers(0, 4, n)
    fast = check_against_reference(x, y, y, subset=True)
    assert outlier in fast["counts-x"][0]


def test_bool_labels_same_as_uint8() -> None:
    rng = np.random.default_rng(2)
    x, y, z = (rng.integers(0, 2, 3000).astype(bool) for _ in range(3))
    fast = check_against_reference(x, y, z)
    as_uint8 = every_samples_result(fastinfo, x.view(np.uint8), y.view(np.uint8), z.view(np.uint8))
    for key, value in fast.items():
        if isinstance(value, float):
            assert value == as_uint8[key], key
    values, counts = fast["counts-x"]
    assert values.dtype == np.bool_
    assert values.tolist() == [False, True]
    np.testing.assert_array_equal(counts, as_uint8["counts-x"][1])
    np.testing.assert_array_equal(fast["contingency"][2], as_uint8["contingency"][2])


def _layouts(
    x: np.ndarray,
) -> list[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    def strided(a: np.ndarray) -> np.ndarray:
        big = np.zeros((a.shape[0] * 3, *a.shape[1:]), dtype=a.dtype)
        big[1::3] = a
        return big[1::3]

    def reversed_(a: np.ndarray) -> np.ndarray:
        return a[::-1]

    def readonly(a: np.ndarray) -> np.ndarray:
        b = a.copy()
        b.flags.writeable = False
        return b

    def swapped(a: np.ndarray) -> np.ndarray:
        return a.astype(a.dtype.newbyteorder(">" if np.little_endian else "<"))

    return [
        ("strided", strided),
        ("reversed", reversed_),
        ("read-only", readonly),
        ("byte-swapped", swapped),
    ]


LAYOUTS = ["strided", "reversed", "read-only", "byte-swapped"]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", ["<i4", ">i4", "<u8", ">u8", ">i2", ">i8", "<u2"])
@pytest.mark.parametrize("n", [500, 50_001])
def test_layouts_match_contiguous_copy(layout: str, dtype: str, n: int) -> None:
    rng = np.random.default_rng(n)
    info = np.iinfo(np.dtype(dtype))
    x = rng.integers(max(info.min, -1000), min(info.max, 1000), n).astype(dtype)
    y = rng.choice(np.array([0, info.max, info.max - 1, 7], dtype=dtype), n)
    z = rng.integers(0, 5, n).astype(dtype)
    make = dict(_layouts(x))[layout]
    vx, vy, vz = make(x), make(y), make(z)
    if layout != "read-only":
        assert not (vx.flags.c_contiguous and vx.dtype.isnative)
    expected = every_samples_result(
        fastinfo,
        np.ascontiguousarray(vx).astype(vx.dtype.newbyteorder("=")),
        np.ascontiguousarray(vy).astype(vy.dtype.newbyteorder("=")),
        np.ascontiguousarray(vz).astype(vz.dtype.newbyteorder("=")),
    )
    actual = every_samples_result(fastinfo, vx, vy, vz)
    assert_all_same(actual, expected, exact=True)
    if n < 10_000:  # the reference is slow
        assert_all_same(every_samples_result(fastinfo.reference, vx, vy, vz), expected, exact=False)


@pytest.mark.parametrize("n", [400, 40_001])
def test_fortran_and_transposed_two_dimensional(n: int) -> None:
    rng = np.random.default_rng(3)
    c_x = np.column_stack([rng.integers(-5, 5, n), rng.integers(0, 2**40, n) % 17])
    c_y = np.column_stack([rng.integers(0, 3, n), rng.integers(0, 3, n), rng.integers(0, 3, n)])
    z = rng.integers(0, 4, n)
    expected = every_samples_result(fastinfo, c_x, c_y, z)
    f_x, f_y = np.asfortranarray(c_x), np.asfortranarray(c_y)
    assert f_x.flags.f_contiguous
    assert not f_x.flags.c_contiguous
    t_x = np.ascontiguousarray(c_x.T).T  # a transposed view
    strided_y = np.repeat(c_y, 2, axis=1)[:, ::2]  # a column-strided view
    for x, y in [(f_x, f_y), (t_x, strided_y), (c_x[::-1][::-1], f_y)]:
        assert_all_same(every_samples_result(fastinfo, x, y, z), expected, exact=True)
    assert_all_same(every_samples_result(fastinfo.reference, f_x, f_y, z), expected, exact=False)


def test_byte_swapped_datetimes_decode_to_the_same_values() -> None:
    native = np.array(["2020-01-01", "2020-01-02", "2020-01-02", "1999-05-05"], dtype="<M8[D]")
    swapped = native.astype(">M8[D]")
    expected_values, expected_counts = np.unique(native, return_counts=True)
    for impl in (fastinfo, fastinfo.reference):
        assert call(impl.entropy, swapped) == pytest.approx(call(impl.entropy, native))
        values, counts = call(impl.counts, swapped)
        np.testing.assert_array_equal(values, expected_values)
        np.testing.assert_array_equal(counts, expected_counts)
        xv, _, _table = call(impl.contingency, swapped, [0, 1, 1, 0])
        np.testing.assert_array_equal(xv, expected_values)


@pytest.mark.parametrize("impl", IMPLS)
def test_same_array_twice(impl: Any) -> None:
    rng = np.random.default_rng(4)
    for x in [rng.integers(0, 7, 10_007), rng.integers(0, 2**40, 3000), extreme_variables(999)[1]]:
        z = rng.integers(0, 3, x.shape[0])
        h = call(impl.entropy, x)
        assert call(impl.mutual_information, x, x) == h
        assert call(impl.mutual_information, x, x, estimator="miller_madow") == pytest.approx(
            call(impl.entropy, x, estimator="miller_madow"), rel=1e-12
        )
        assert call(impl.joint_entropy, x, x) == pytest.approx(h, rel=1e-12)
        assert call(impl.conditional_entropy, x, x) == 0.0
        assert call(impl.conditional_mutual_information, x, x, z) == pytest.approx(
            call(impl.conditional_entropy, x, z), rel=1e-12
        )
        assert call(impl.conditional_mutual_information, x, z, x) == 0.0
        xv, yv, table = call(impl.contingency, x, x)
        np.testing.assert_array_equal(xv, yv)
        np.testing.assert_array_equal(table, np.diag(call(impl.counts, x)[1]))
    assert call(impl.mutual_information, x, x) == pytest.approx(
        call(fastinfo.reference.entropy, x), rel=1e-12
    )


@pytest.mark.parametrize("impl", IMPLS)
def test_categorical_without_missing_values_works(impl: Any) -> None:
    labels = ["b", "a", "c", "a", "a", "b"]
    cat = pd.Categorical(labels, categories=["c", "b", "a", "unused"])
    assert call(impl.entropy, cat) == pytest.approx(call(impl.entropy, np.array(labels)))
    values, counts = call(impl.counts, pd.Series(cat))
    assert dict(zip(values.tolist(), counts.tolist())) == {"a": 3, "b": 2, "c": 1}


# ---------------------------------------------------------------------------------------------
# Contingency memory budget


def test_huge_dense_contingency_raises_memory_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")
    n = 200_000
    rng = np.random.default_rng(5)
    x = np.arange(n)
    y = rng.permutation(n) * 3 - 7
    error = expect(MemoryError, "sparse=True", fastinfo.contingency, x, y)
    assert f"{n} x {n}" in str(error)
    assert "FASTINFO_MEMORY_LIMIT" in str(error)
    x_values, y_values, table = call(fastinfo.contingency, x, y, sparse=True)
    assert table.shape == (n, n)
    assert table.nnz == n
    np.testing.assert_array_equal(x_values, x)
    np.testing.assert_array_equal(y_values, np.sort(y))
    rows, columns = table.coords
    order = np.argsort(rows)
    np.testing.assert_array_equal(x_values[rows[order]], x)
    np.testing.assert_array_equal(y_values[columns[order]], y)
    np.testing.assert_array_equal(table.data, 1)
    # Information measures never build the dense table.
    assert call(fastinfo.mutual_information, x, y) == pytest.approx(math.log(n), rel=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
def test_contingency_over_budget_in_both_twins(impl: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin raises the same MemoryError for the same budget (a 3000 x 3000 table, 72 MB)."""
    rng = np.random.default_rng(6)
    x, y = np.arange(3000), rng.permutation(3000)
    sparse = call(impl.contingency, x, y, sparse=True)[2]
    expected = call(fastinfo.contingency, x, y, sparse=True)[2]
    np.testing.assert_array_equal(sparse.toarray(), expected.toarray())
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "1000000")
    expect(MemoryError, "sparse=True", impl.contingency, x, y)


def test_bad_memory_limit_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "lots")
    expect(ValueError, "FASTINFO_MEMORY_LIMIT", fastinfo.contingency, [0, 1], [1, 0])


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
