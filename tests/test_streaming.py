"""Mergeable counts: JointCounts, PairwiseCounts, TargetCounts.

Every estimate of the counts must equal the function of the concatenated samples (the fast one
bit for bit, the reference twin to 1e-13) and be bit-identical for any partition into batches and
any merge order; pickling keeps the canonical bytes; failed batches change nothing.
"""

from __future__ import annotations

import functools
import pickle
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo
import fastinfo.reference as ref

ESTIMATORS = list(fastinfo._native.ESTIMATORS)


def counted(batches: list[tuple[np.ndarray, ...]], k: int) -> fastinfo.JointCounts:
    jc = fastinfo.JointCounts(k)
    for batch in batches:
        jc.update(*batch)
    return jc


def split(arrays: tuple[np.ndarray, ...], cuts: list[int]) -> list[tuple[np.ndarray, ...]]:
    n = len(arrays[0])
    edges = [0, *sorted(c % (n + 1) for c in cuts), n]
    return [tuple(a[s:e] for a in arrays) for s, e in zip(edges[:-1], edges[1:])]


def every_value(jc: fastinfo.JointCounts, estimator: str) -> list[float]:
    return [
        jc.entropy(0, estimator=estimator),
        jc.entropy((0, 2), estimator=estimator),
        jc.joint_entropy(0, 1, 2, estimator=estimator),
        jc.conditional_entropy(0, 1, estimator=estimator),
        jc.mutual_information(0, 1, estimator=estimator),
        jc.mutual_information(2, (0, 1), estimator=estimator),
        jc.conditional_mutual_information(0, 1, 2, estimator=estimator),
    ]


def every_function(module, x, y, z, estimator: str) -> list[float]:
    return [
        module.entropy(x, estimator=estimator),
        module.entropy(np.column_stack([x, z]), estimator=estimator),
        module.joint_entropy(x, y, z, estimator=estimator),
        module.conditional_entropy(x, y, estimator=estimator),
        module.mutual_information(x, y, estimator=estimator),
        module.mutual_information(z, np.column_stack([x, y]), estimator=estimator),
        module.conditional_mutual_information(x, y, z, estimator=estimator),
    ]


samples = st.integers(1, 300).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(-3, 5), min_size=n, max_size=n),
        st.lists(st.integers(0, 7), min_size=n, max_size=n),
        st.lists(st.sampled_from(["a", "b", "cc", "é"]), min_size=n, max_size=n),
    )
)


@settings(deadline=None, max_examples=60)
@given(
    data=samples,
    cuts=st.lists(st.integers(0, 400), max_size=5),
    estimator=st.sampled_from(ESTIMATORS),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_partition_and_merge_order_gives_the_bits_of_the_concatenated_samples(
    data, cuts, estimator, seed
) -> None:
    x = np.array(data[0], dtype=np.int16)
    y = np.array(data[1], dtype=np.uint8)
    z = np.array(data[2])
    whole = every_function(fastinfo, x, y, z, estimator)
    parts = [counted([b], 3) for b in split((x, y, z), cuts)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(parts))
    merged = functools.reduce(lambda a, b: a + b, [parts[i] for i in order])
    # A tree: pairs first, then their sums.
    tree = list(parts)
    while len(tree) > 1:
        tree = [
            tree[i] + tree[i + 1] if i + 1 < len(tree) else tree[i] for i in range(0, len(tree), 2)
        ]
    streamed = counted(split((x, y, z), cuts), 3)
    for jc in (merged, tree[0], streamed, pickle.loads(pickle.dumps(streamed))):
        assert jc.n == len(x)
        assert every_value(jc, estimator) == whole  # bit for bit
        assert jc == streamed
    # The twin sums jackknife and NSB in another order: the in-memory functions differ from it by
    # ~1e-12 there (and the counts equal the in-memory functions bit for bit, above).
    rtol = 1e-10 if estimator in ("jackknife", "nsb") else 1e-13
    np.testing.assert_allclose(
        every_value(streamed, estimator),
        every_function(ref, x, y, z, estimator),
        rtol=rtol,
        atol=1e-13,
    )


@settings(deadline=None, max_examples=30)
@given(data=samples, cuts=st.lists(st.integers(0, 400), max_size=4))
def test_identities(data, cuts) -> None:
    x, y, z = np.array(data[0]), np.array(data[1]), np.array(data[2])
    jc = counted(split((x, y, z), cuts), 3)
    h01 = jc.joint_entropy(0, 1)
    assert jc.mutual_information(0, 1) == pytest.approx(
        jc.entropy(0) + jc.entropy(1) - h01, abs=1e-12
    )
    assert jc.conditional_entropy(0, 1) == pytest.approx(h01 - jc.entropy(1), abs=1e-12)
    assert jc.mutual_information(0, 1) == jc.mutual_information(1, 0)
    assert jc.entropy(0, base=2) == pytest.approx(jc.entropy(0) / np.log(2), rel=1e-15)


def test_contingency_matches_the_top_level() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(-5, 5, 1000)
    y = rng.choice(np.array(["u", "v", "w"]), 1000)
    jc = counted(split((x, y), [10, 500]), 2)
    for sparse in (False, True):
        mine = jc.contingency(0, 1, sparse=sparse)
        theirs = fastinfo.contingency(x, y, sparse=sparse)
        np.testing.assert_array_equal(mine[0], theirs[0])
        np.testing.assert_array_equal(mine[1], theirs[1])
        a, b = (t.toarray() if sparse else t for t in (mine[2], theirs[2]))
        np.testing.assert_array_equal(a, b)


def test_every_integer_dtype_is_one_value() -> None:
    jc = fastinfo.JointCounts(1)
    for dtype in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64):
        jc.update(np.array([1, 2, 3], dtype=dtype))
    values, _, table = jc.contingency(0, 0)
    np.testing.assert_array_equal(values, [1, 2, 3])
    np.testing.assert_array_equal(np.diag(table), [8, 8, 8])
    jc.update(np.array([2**64 - 1], dtype=np.uint64))
    jc.update(np.array([-(2**63)], dtype=np.int64))
    assert jc.n == 26
    assert jc.entropy(0) == fastinfo.entropy(
        np.array([1, 2, 3] * 8 + [2**64 - 1, -(2**63)], dtype=object)
    )


def test_label_kinds_pandas_pyarrow_polars_and_disjoint_alphabets() -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    words = ["x", "y", "z", "x", "w", "w"]
    flags = [True, False, True, True, False, False]
    jc = fastinfo.JointCounts(2)
    jc.update(pd.Series(words[:2], dtype="category"), np.array(flags[:2]))
    jc.update(pa.array(words[2:4]).dictionary_encode(), pa.array(flags[2:4]))
    jc.update(pl.Series(words[4:]), pd.Series(flags[4:]))
    assert jc.mutual_information(0, 1) == fastinfo.mutual_information(words, flags)
    xv, yv, _ = jc.contingency(0, 1)
    assert xv.tolist() == ["w", "x", "y", "z"]
    assert yv.tolist() == [False, True]
    # Integer categories are integers.
    ints = fastinfo.JointCounts(1)
    ints.update(pd.Series([10, 20], dtype="category"))
    ints.update(np.array([20, 30], dtype=np.int8))
    assert ints.contingency(0, 0)[0].tolist() == [10, 20, 30]


def test_mixed_kinds_and_floats_are_type_errors_that_change_nothing() -> None:
    jc = fastinfo.JointCounts(2)
    jc.update([1, 2, 3], ["a", "b", "c"])
    before = pickle.dumps(jc)
    with pytest.raises(TypeError, match=r"variables\[0\].*str.*int"):
        jc.update(["a"], ["b"])
    with pytest.raises(TypeError, match=r"variables\[1\].*bool"):
        jc.update([1], [True])
    with pytest.raises(TypeError, match="floating-point"):
        jc.update([1.5], ["a"])
    with pytest.raises(TypeError, match="mixes"):
        jc.update(np.array([1, "a"], dtype=object), ["a", "b"])
    with pytest.raises(TypeError, match="mixes"):
        jc.update([1, 2], [1, "1"])  # a list numpy would read as two equal strings
    with pytest.raises(ValueError, match=r"variables\[1\] has 1 samples"):
        jc.update([1, 2], ["a"])
    with pytest.raises(ValueError, match="missing"):
        jc.update(np.array([1, None], dtype=object), ["a", "b"])
    with pytest.raises(TypeError, match="2 expected"):
        jc.update([1])
    other = fastinfo.JointCounts(2)
    other.update(["s"], ["t"])
    with pytest.raises(TypeError):
        jc += other
    with pytest.raises(ValueError, match="cannot be merged"):
        jc.merge(counted([([1],)], 1).__class__(3))
    assert pickle.dumps(jc) == before
    jc.update(np.array([], dtype=np.float64), np.array([], dtype=np.float64))  # empty: no-op
    assert pickle.dumps(jc) == before


def test_empty_counts_and_bad_arguments() -> None:
    jc = fastinfo.JointCounts(2)
    assert jc.n == 0
    with pytest.raises(ValueError, match="no samples"):
        jc.entropy(0)
    jc.update([1], [2])
    with pytest.raises(ValueError, match="variable 2"):
        jc.entropy(2)
    with pytest.raises(TypeError):
        jc.entropy("0")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="estimator"):
        jc.entropy(0, estimator="nope")
    with pytest.raises(ValueError, match="base"):
        jc.entropy(0, base=1)
    for bad in (0, -1):
        with pytest.raises(ValueError, match="n_variables"):
            fastinfo.JointCounts(bad)
    with pytest.raises(TypeError, match="n_variables"):
        fastinfo.JointCounts(2.0)  # type: ignore[arg-type]
    jc += jc  # merging with itself doubles
    assert jc.n == 2


def test_pickle_is_compact_and_canonical() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 64, 200_000), rng.integers(0, 64, 200_000)
    a = counted(split((x, y), [70_000]), 2)
    b = counted(split((x, y), [3, 150_000]), 2)
    assert pickle.dumps(a) == pickle.dumps(b)
    state = a._counts.to_bytes()
    assert len(state) < 4 * 64 * 64 + 200
    with pytest.raises(ValueError, match="state"):
        fastinfo._native.Counts.from_bytes(state[:-3])


def test_from_table_equals_counting_the_samples() -> None:
    x = np.array(["a", "a", "b", "b", "b", "c"])
    y = np.array([0, 1, 1, 1, 0, 5])
    xv, yv, table = fastinfo.contingency(x, y)
    jc = fastinfo.JointCounts.from_table(table, values=[xv, yv])
    assert jc == counted([(x, y)], 2)
    for e in ESTIMATORS:
        assert jc.mutual_information(0, 1, estimator=e) == fastinfo.mutual_information(
            x, y, estimator=e
        )
    scipy_sparse = pytest.importorskip("scipy.sparse")
    sk = pytest.importorskip("sklearn.metrics.cluster")
    labels_true, labels_pred = [0, 0, 1, 1, 2], [1, 1, 0, 0, 0]
    contingency = sk.contingency_matrix(labels_true, labels_pred, sparse=True)
    assert isinstance(contingency, scipy_sparse.spmatrix | scipy_sparse.sparray)
    from_sparse = fastinfo.JointCounts.from_table(contingency)
    assert from_sparse.mutual_information(0, 1) == pytest.approx(
        sk.mutual_info_score(labels_true, labels_pred), rel=1e-13
    )
    # Empty rows are dropped, as counting would.
    padded = fastinfo.JointCounts.from_table([[0, 0], [2, 1]])
    assert padded == counted([([1, 1, 1], [0, 0, 1])], 2)
    big = np.array([2**64 - 1, 7], dtype=np.uint64)
    wide = fastinfo.JointCounts.from_table([[1, 2]], values=[[0], big])
    assert wide == counted([([0, 0, 0], np.array([2**64 - 1, 7, 7], dtype=np.uint64))], 2)
    with pytest.raises(ValueError, match="negative"):
        fastinfo.JointCounts.from_table([[1, -1]])
    with pytest.raises(ValueError, match="values"):
        fastinfo.JointCounts.from_table([[1, 1]], values=[[0], [0]])


def test_table_counts_match_the_dataset_functions() -> None:
    rng = np.random.default_rng(3)
    X = rng.integers(0, 6, size=(3000, 4))
    X[:, 3] = X[:, 0] ^ rng.integers(0, 2, 3000)
    y = rng.choice(np.array(["p", "q", "r"]), 3000)
    pc, tc = fastinfo.PairwiseCounts(4), fastinfo.TargetCounts(4)
    for s, e in [(0, 1), (1, 1700), (1700, 1700), (1700, 3000)]:
        pc.update(X[s:e])
        tc.update(X[s:e], y[s:e])
    for est in ESTIMATORS:
        assert np.array_equal(
            pc.mutual_information_matrix(estimator=est),
            fastinfo.mutual_information_matrix(X, estimator=est),
        )
        assert np.array_equal(
            tc.mutual_information_with(estimator=est, base=2),
            fastinfo.mutual_information_with(X, y, estimator=est, base=2),
        )
    assert np.array_equal(
        pc.mutual_information_matrix(normalized="geometric"),
        fastinfo.mutual_information_matrix(X, normalized="geometric"),
    )
    np.testing.assert_allclose(
        pc.mutual_information_matrix(), ref.mutual_information_matrix(X), rtol=1e-13, atol=1e-14
    )
    half = fastinfo.PairwiseCounts(4)
    half.update(X[:100])
    rest = fastinfo.PairwiseCounts(4)
    rest.update(X[100:])
    assert rest + half == pc
    assert pickle.loads(pickle.dumps(pc)) == pc
    with pytest.raises(ValueError, match="columns"):
        pc.update(X[:, :3])
    with pytest.raises(TypeError):
        pc.merge(tc)


def test_table_counts_of_data_frames_keep_column_names() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [0, 1, 0, 1], "b": ["x", "y", "x", "y"]})
    pc = fastinfo.PairwiseCounts(2)
    pc.update(frame.iloc[:2])
    pc.update(frame.iloc[2:])
    expected = fastinfo.mutual_information_matrix(frame)
    pd.testing.assert_frame_equal(pc.mutual_information_matrix(), expected)
    restored = pickle.loads(pickle.dumps(pc))
    pd.testing.assert_frame_equal(restored.mutual_information_matrix(), expected)


def test_discretize_with_fixed_edges_bins_batches_alike() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=2000)
    lo, hi = -6.0, 6.0
    whole, edges = fastinfo.discretize(x, bins=16, range=(lo, hi))
    np.testing.assert_array_equal(edges, np.histogram_bin_edges(x, 16, range=(lo, hi)))
    np.testing.assert_array_equal(
        np.bincount(whole, minlength=16), np.histogram(x, 16, (lo, hi))[0]
    )
    batches = [
        fastinfo.discretize(x[s : s + 300], bins=16, range=(lo, hi))[0] for s in range(0, 2000, 300)
    ]
    np.testing.assert_array_equal(np.concatenate(batches), whole)
    fast = fastinfo.discretize(x, bins=16, range=(lo, hi))
    slow = ref.discretize(x, bins=16, range=(lo, hi))
    np.testing.assert_array_equal(fast[0], slow[0])
    with pytest.raises(ValueError, match="outside"):
        fastinfo.discretize([7.0], bins=4, range=(lo, hi))
    with pytest.raises(TypeError, match="number of bins"):
        fastinfo.discretize(x, bins="fd", range=(lo, hi))
    with pytest.raises(ValueError, match="lo < hi"):
        fastinfo.discretize(x, bins=4, range=(1.0, 1.0))
    with pytest.raises(TypeError, match="range"):
        fastinfo.discretize(x, bins=4, range=3)  # type: ignore[arg-type]


def test_masked_entries_are_refused_and_change_nothing() -> None:
    # As the top-level functions do: a masked entry is not silently counted as its hidden value.
    masked = np.ma.masked_array([1, 2, 3], mask=[0, 1, 0])
    jc = fastinfo.JointCounts(2)
    jc.update([5, 6, 7], [0, 1, 0])
    before = pickle.dumps(jc)
    with pytest.raises(ValueError, match=r"variables\[0\] is a masked array with 1 masked entry"):
        jc.update(masked, np.arange(3))
    assert pickle.dumps(jc) == before
    table = np.ma.masked_array([[1, 2], [3, 4]], mask=[[0, 1], [0, 0]])
    pairs, target = fastinfo.PairwiseCounts(2), fastinfo.TargetCounts(2)
    with pytest.raises(ValueError, match="X is a masked array"):
        pairs.update(table)
    with pytest.raises(ValueError, match="X is a masked array"):
        target.update(table, [0, 1])
    assert pairs.n == 0
    assert target.n == 0
    # A mask that masks nothing is only a container: its data are counted.
    jc.update(np.ma.masked_array([1, 2, 3]), np.arange(3))
    assert jc.n == 6
    pairs.update(np.ma.masked_array([[1, 2], [3, 4]]))
    assert pairs.n == 2


def test_counts_past_2_to_the_64_are_refused_not_wrapped() -> None:
    """Two tables of 2**63 + 2**62 samples merged to n = 2**63 and entropy 0 (the counts
    wrapped); a table of 2**64 - 1 samples plus one more sample gave n = 0."""
    big = fastinfo.JointCounts.from_table(np.array([[2**63, 0], [0, 2**62]], dtype=np.uint64))
    with pytest.raises(ValueError, match=r"past 2\*\*64 - 1 samples"):
        big + big
    with pytest.raises(ValueError, match=r"past 2\*\*64 - 1 samples"):
        big.merge(big)
    assert big.n == 2**63 + 2**62
    full = fastinfo.JointCounts.from_table(np.array([[2**64 - 1]], dtype=np.uint64))
    with pytest.raises(ValueError, match=r"past 2\*\*64 - 1 samples"):
        full.update([0], [0])
    assert full.n == 2**64 - 1
    assert full.entropy([0]) == 0.0


def test_threads_may_share_counts() -> None:
    """Updates from four threads while another queries raised RuntimeError('Already mutably
    borrowed') and dropped about half of the batches: now they are applied one after the
    other, and the counts are those of all the batches."""
    import threading

    rng = np.random.default_rng(5)
    batches = [
        (rng.integers(0, 50, 3000), rng.integers(0, 7, 3000).astype(np.int8)) for _ in range(40)
    ]
    shared = fastinfo.JointCounts(2)
    errors: list[BaseException] = []

    def feed(mine: list[tuple[np.ndarray, np.ndarray]]) -> None:
        try:
            for x, y in mine:
                shared.update(x, y)
        except BaseException as e:  # pragma: no cover - what the test looks for
            errors.append(e)

    threads = [threading.Thread(target=feed, args=(batches[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    seen = []
    while any(t.is_alive() for t in threads):
        seen.append(shared.mutual_information(0, 1))
        shared.merge(fastinfo.JointCounts(2))
        pickle.dumps(shared)
    for t in threads:
        t.join()
    assert errors == []
    assert shared.n == 40 * 3000
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    assert shared.mutual_information(0, 1) == fastinfo.mutual_information(x, y)
    assert all(np.isfinite(seen))
    # Merging counts into themselves (one lock at a time) doubles them.
    shared.merge(shared)
    assert shared.n == 2 * 40 * 3000


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: fastinfo.JointCounts(2**40), MemoryError),
        (lambda: fastinfo.TargetCounts(2**40), MemoryError),
        (lambda: fastinfo.PairwiseCounts(2**20), MemoryError),
        (lambda: fastinfo.JointCounts(2**70), ValueError),
        (lambda: fastinfo.TargetCounts(2**64), ValueError),
    ],
    ids=["joint-2**40", "target-2**40", "pairs-2**20", "joint-2**70", "target-2**64"],
)
def test_absurd_numbers_of_variables_are_refused(make: Any, error: type[Exception]) -> None:
    """JointCounts(2**40) aborted the interpreter (its per-variable state was allocated
    infallibly) and JointCounts(2**70) raised an unnamed OverflowError."""
    with pytest.raises(error, match=r"variables|n_variables|n_columns"):
        make()
