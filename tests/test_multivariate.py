"""Total correlation, dual total correlation, O-information and interaction information: against
dit on explicit distributions, against the entropy identities, the reference twin, DataFrames,
wide tables, bad inputs and thread determinism."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo
from fastinfo import reference
from fastinfo._inputs import ESTIMATORS

FAST = [e for e in ESTIMATORS if e != "nsb"]
MEASURES = ["total_correlation", "dual_total_correlation", "o_information"]


def samples_of(outcomes: list[tuple[int, ...]], counts: list[int]) -> np.ndarray:
    """A sample matrix whose empirical distribution is exactly ``counts`` over ``outcomes``."""
    rows = [np.tile(np.array(o), (c, 1)) for o, c in zip(outcomes, counts) if c > 0]
    return np.vstack(rows).astype(np.int64)


def dit_distribution(outcomes: list[tuple[int, ...]], counts: list[int]):
    dit = pytest.importorskip("dit")
    total = sum(counts)
    kept = [(o, c) for o, c in zip(outcomes, counts) if c > 0]
    return dit.Distribution(
        ["".join(str(v) for v in o) for o, _ in kept], [c / total for _, c in kept]
    )


def random_distribution(seed: int, d: int, k: int) -> tuple[list[tuple[int, ...]], list[int]]:
    rng = np.random.default_rng(seed)
    outcomes = list(itertools.product(range(k), repeat=d))
    counts = rng.integers(0, 6, len(outcomes))
    counts[rng.integers(len(outcomes))] += 1  # never all zero
    return outcomes, [int(c) for c in counts]


NAMED = {
    "xor": ([(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)], [1, 1, 1, 1]),
    "rdn": ([(0, 0, 0), (1, 1, 1)], [1, 1]),
    "and": ([(0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 1)], [1, 1, 1, 1]),
    "giant_bit4": ([(0, 0, 0, 0), (1, 1, 1, 1)], [1, 1]),
    "xor4": (
        [(*o, sum(o) % 2) for o in itertools.product(range(2), repeat=3)],
        [1] * 8,
    ),
}
CASES = [pytest.param(*v, id=k) for k, v in NAMED.items()] + [
    pytest.param(*random_distribution(seed, d, k), id=f"random-{seed}-{d}x{k}")
    for seed, d, k in [(0, 3, 2), (1, 3, 3), (2, 4, 2), (3, 2, 4), (4, 5, 2)]
]


# ---------------------------------------------------------------------------------------------
# Against dit on explicit distributions (samples whose empirical distribution is exact)


@pytest.mark.parametrize(("outcomes", "counts"), CASES)
def test_against_dit(outcomes, counts):
    dit = pytest.importorskip("dit")
    X = samples_of(outcomes, counts)
    dist = dit_distribution(outcomes, counts)
    m = dit.multivariate
    tol = 1e-10
    assert fastinfo.total_correlation(X, base=2) == pytest.approx(
        m.total_correlation(dist), abs=tol
    )
    assert fastinfo.dual_total_correlation(X, base=2) == pytest.approx(
        m.dual_total_correlation(dist), abs=tol
    )
    assert fastinfo.o_information(X, base=2) == pytest.approx(m.o_information(dist), abs=tol)
    columns = [X[:, j] for j in range(X.shape[1])]
    ii = fastinfo.interaction_information(*columns, base=2)
    assert ii == pytest.approx(m.interaction_information(dist), abs=tol)
    # The stated relation to co-information: II = (-1)^d coI.
    d = X.shape[1]
    assert ii == pytest.approx((-1) ** d * m.coinformation(dist), abs=tol)


def test_named_values():
    xor = samples_of(*NAMED["xor"])
    rdn = samples_of(*NAMED["rdn"])
    assert fastinfo.total_correlation(xor, base=2) == pytest.approx(1.0, abs=1e-15)
    assert fastinfo.dual_total_correlation(xor, base=2) == pytest.approx(2.0, abs=1e-15)
    assert fastinfo.o_information(xor, base=2) == pytest.approx(-1.0, abs=1e-15)
    assert fastinfo.interaction_information(*xor.T, base=2) == pytest.approx(1.0, abs=1e-15)
    assert fastinfo.total_correlation(rdn, base=2) == pytest.approx(2.0, abs=1e-15)
    assert fastinfo.dual_total_correlation(rdn, base=2) == pytest.approx(1.0, abs=1e-15)
    assert fastinfo.o_information(rdn, base=2) == pytest.approx(1.0, abs=1e-15)
    assert fastinfo.interaction_information(*rdn.T, base=2) == pytest.approx(-1.0, abs=1e-15)


# ---------------------------------------------------------------------------------------------
# Identities (hypothesis)


@st.composite
def tables(draw: st.DrawFn, max_n: int = 200, max_d: int = 6) -> np.ndarray:
    n = draw(st.integers(1, max_n))
    d = draw(st.integers(1, max_d))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    cards = draw(st.lists(st.sampled_from([1, 2, 3, 5, 300]), min_size=d, max_size=d))
    X = np.column_stack([rng.integers(0, c, n) for c in cards]).astype(np.int64)
    if d > 1 and draw(st.booleans()):  # a dependent column
        X[:, -1] = (X[:, 0] + X[:, 1 % d]) % 3
    if draw(st.booleans()):  # a wide-valued column
        X[:, 0] = X[:, 0] * (1 << 45) - 17
    return X


def entropy_of(X: np.ndarray, columns: list[int], estimator: str = "plugin") -> float:
    if not columns:
        return 0.0
    return fastinfo.entropy(X[:, columns], estimator=estimator)


@given(tables())
@settings(max_examples=100)
def test_identities(X):
    d = X.shape[1]
    h = entropy_of(X, list(range(d)))
    marginals = [entropy_of(X, [i]) for i in range(d)]
    rest = [entropy_of(X, [j for j in range(d) if j != i]) for i in range(d)]
    tc = fastinfo.total_correlation(X)
    dtc = fastinfo.dual_total_correlation(X)
    o = fastinfo.o_information(X)
    tol = 1e-10 * (1 + d * h)
    assert tc == pytest.approx(max(math.fsum([*marginals, -h]), 0.0), abs=tol)
    assert dtc == pytest.approx(max(math.fsum([*rest, -(d - 1) * h]), 0.0), abs=tol)
    assert o == pytest.approx(tc - dtc, abs=tol)
    assert tc >= 0.0
    assert dtc >= 0.0
    if d == 2:
        mi = fastinfo.mutual_information(X[:, 0], X[:, 1])
        for value in (tc, dtc, fastinfo.interaction_information(X[:, 0], X[:, 1])):
            assert value == pytest.approx(mi, abs=1e-12)
        assert abs(o) < 1e-12
    if d == 3:
        x, y, z = X.T
        expected = fastinfo.conditional_mutual_information(x, y, z) - fastinfo.mutual_information(
            x, y
        )
        assert fastinfo.interaction_information(x, y, z) == pytest.approx(expected, abs=1e-12)
        assert fastinfo.interaction_information(x, y, z) == pytest.approx(-o, abs=1e-12)


@given(tables(max_d=5), st.sampled_from(FAST))
@settings(max_examples=60)
def test_against_reference(X, estimator):
    for name in MEASURES:
        fast = getattr(fastinfo, name)(X, estimator=estimator, base=2)
        slow = getattr(reference, name)(X, estimator=estimator, base=2)
        assert fast == pytest.approx(slow, abs=1e-10), name
    if X.shape[1] >= 2:
        columns = [X[:, j] for j in range(X.shape[1])]
        fast = fastinfo.interaction_information(*columns, estimator=estimator)
        slow = reference.interaction_information(*columns, estimator=estimator)
        assert fast == pytest.approx(slow, abs=1e-10)


def test_nsb_against_reference():
    pytest.importorskip("scipy")
    rng = np.random.default_rng(5)
    X = rng.integers(0, 3, (300, 3))
    for name in MEASURES:
        fast = getattr(fastinfo, name)(X, estimator="nsb")
        slow = getattr(reference, name)(X, estimator="nsb")
        assert fast == pytest.approx(slow, abs=1e-7), name


def test_estimators_change_the_value():
    """A bias correction is applied to every entropy (else the estimator would be ignored)."""
    rng = np.random.default_rng(6)
    X = rng.integers(0, 4, (60, 4))
    for name in MEASURES:
        plugin = getattr(fastinfo, name)(X)
        corrected = getattr(fastinfo, name)(X, estimator="miller_madow")
        assert plugin != corrected, name


def test_multi_column_variables_in_interaction_information():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 2, (500, 2))
    b = rng.integers(0, 3, 500)
    c = (a[:, 0] + a[:, 1] + b) % 2
    fast = fastinfo.interaction_information(a, b, c, estimator="grassberger")
    slow = reference.interaction_information(a, b, c, estimator="grassberger")
    assert fast == pytest.approx(slow, abs=1e-12)
    assert fast > 0.5  # synergy


# ---------------------------------------------------------------------------------------------
# Wide tables: the prefix / suffix path for H(X_{-i})


@pytest.mark.parametrize("kind", ["distinct-fast", "low-entropy", "duplicates"])
def test_wide_tables_against_reference(kind):
    rng = np.random.default_rng(8)
    n, d = 2000, 24
    if kind == "distinct-fast":
        X = rng.integers(0, 16, (n, d))
    elif kind == "low-entropy":
        X = rng.integers(0, 2, (n, d))
        X[:, 5:15] = X[:, [0]]  # many copies: prefixes and suffixes stay ambiguous
    else:
        X = rng.integers(0, 3, (n, d))
        X[:, 10] = X[:, 3]
        X[: n // 2] = X[0]  # half the rows equal
    for name in MEASURES:
        fast = getattr(fastinfo, name)(X)
        slow = getattr(reference, name)(X)
        assert fast == pytest.approx(slow, abs=1e-9), (name, kind)


def test_dataframes_and_string_labels():
    rng = np.random.default_rng(9)
    a = rng.integers(0, 3, 400)
    frame = pd.DataFrame(
        {"a": a, "b": np.array(["x", "y", "z"])[a], "c": pd.Categorical(rng.integers(0, 2, 400))}
    )
    X = np.column_stack([a, a, frame["c"].cat.codes.to_numpy()])
    for name in MEASURES:
        assert getattr(fastinfo, name)(frame) == pytest.approx(
            getattr(fastinfo, name)(X), abs=1e-13
        )


def test_threads_give_identical_bits():
    rng = np.random.default_rng(10)
    X = rng.integers(0, 4, (200_000, 12))
    X[:, 3] = (X[:, 0] + X[:, 1]) % 4
    before = fastinfo.get_num_threads()
    try:
        results = []
        for threads in (1, 2, 3):
            fastinfo.set_num_threads(threads)
            results.append(
                [getattr(fastinfo, name)(X) for name in MEASURES]
                + [fastinfo.interaction_information(*X[:, :5].T)]
            )
    finally:
        fastinfo.set_num_threads(before)
    assert results[0] == results[1] == results[2]


# ---------------------------------------------------------------------------------------------
# Bad inputs


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
@pytest.mark.parametrize("name", MEASURES)
def test_bad_tables(impl, name):
    f = getattr(impl, name)
    with pytest.raises(TypeError, match="X"):
        f(np.array([[0.5, 1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="X"):
        f(np.zeros((2, 2, 2), dtype=int))
    with pytest.raises(ValueError, match="X"):
        f(np.zeros((0, 3), dtype=int))
    with pytest.raises(ValueError, match="base"):
        f(np.zeros((3, 2), dtype=int), base=-1)
    with pytest.raises(ValueError, match="estimator"):
        f(np.zeros((3, 2), dtype=int), estimator="nope")
    with pytest.raises(ValueError, match="missing"):
        f(np.array([[1, None], [2, 3]], dtype=object))


@pytest.mark.parametrize("impl", [fastinfo, reference], ids=["fastinfo", "reference"])
def test_bad_interaction_inputs(impl):
    with pytest.raises(TypeError, match="2 to 24"):
        impl.interaction_information([0, 1])
    with pytest.raises(ValueError, match=r"variables\[1\]"):
        impl.interaction_information([0, 1, 0], [0, 1])
    with pytest.raises(TypeError, match=r"variables\[0\]"):
        impl.interaction_information([0.5, 1.0], [0, 1])


def test_memory_budget_is_a_memory_error(monkeypatch):
    """Suffix codes kept for H(X_{-i}) are bounded by FASTINFO_MEMORY_LIMIT: a MemoryError with
    the size, never an abort."""
    rng = np.random.default_rng(11)
    X = rng.integers(0, 2, (5000, 30))
    X[:, 10:] = X[:, [0]]  # the suffixes never separate the rows
    expected = reference.o_information(X)
    assert fastinfo.o_information(X) == pytest.approx(expected, abs=1e-9)
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "20000")
    with pytest.raises(MemoryError, match="FASTINFO_MEMORY_LIMIT"):
        fastinfo.o_information(X)
    with pytest.raises(MemoryError, match="FASTINFO_MEMORY_LIMIT"):
        fastinfo.interaction_information(rng.integers(0, 1000, 5000), X[:, 1], X[:, 2])
    assert fastinfo.total_correlation(X) == pytest.approx(reference.total_correlation(X), abs=1e-9)
