"""PairwiseCounts batches counted by the data-set block kernels; TargetCounts alike.

A batch of at least 1024 rows has its small-alphabet integer columns (a key range of at most 256
values) counted the way ``mutual_information_matrix`` counts them, all pairs at once; the other
columns (wide ranges, strings) and small batches take the per-pair path. Whatever the mix, the
streamed results must be the in-memory functions of the concatenated rows, bit for bit, for any
batching and merge order, with alphabets that differ from batch to batch.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastinfo

ESTIMATORS = ["plugin", "miller_madow", "grassberger"]

# Column kinds: (dtype, how a batch's values are drawn from rng, batch index b, size m).
KINDS = {
    "binary": (np.int8, lambda rng, b, m: rng.integers(0, 2, m) + (b % 2)),
    "constant": (np.int64, lambda rng, b, m: np.full(m, 3 + b)),
    "sixteen": (np.uint8, lambda rng, b, m: rng.integers(0, 16, m) + 4 * b),
    "signed": (np.int16, lambda rng, b, m: rng.integers(-5, 5, m) - b),
    "full_byte": (np.int32, lambda rng, b, m: rng.integers(-128, 128, m)),
    "just_wide": (np.int64, lambda rng, b, m: rng.integers(0, 257, m) * (1 + b % 2)),
    "spread": (np.int64, lambda rng, b, m: rng.integers(0, 3, m) << 40),
    "many": (np.int32, lambda rng, b, m: rng.integers(0, 400, m)),
}

sizes = st.lists(st.sampled_from([1, 1, 2, 7, 1023, 1024, 1500, 2600]), min_size=1, max_size=4)


def batches_of(kinds: list[str], sizes: list[int], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = []
    for b, m in enumerate(sizes):
        columns = [KINDS[k][1](rng, b, m).astype(KINDS[k][0]) for k in kinds]
        out.append(np.column_stack(columns) if columns else np.zeros((m, 0)))
    return out


def as_frame(batch: np.ndarray, kinds: list[str]) -> list[np.ndarray]:
    return [batch[:, j].astype(KINDS[k][0]) for j, k in enumerate(kinds)]


def counted(cls, d: int, batches, order) -> object:
    parts = []
    for k in order:
        c = cls(d)
        if isinstance(batches[k], tuple):
            c.update(*batches[k])
        else:
            c.update(batches[k])
        parts.append(c)
    total = cls(d)
    for p in parts:
        total += p
    return total


@settings(deadline=None, max_examples=40)
@given(
    kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=2, max_size=7),
    sizes=sizes,
    seed=st.integers(0, 2**32 - 1),
    order=st.randoms(use_true_random=False),
)
def test_pairwise_counts_are_the_matrix_of_the_concatenated_rows(kinds, sizes, seed, order):
    batches = batches_of(kinds, sizes, seed)
    X = np.concatenate(batches)
    d = len(kinds)
    pc = fastinfo.PairwiseCounts(d)
    for batch in batches:
        pc.update(batch)
    shuffled = list(range(len(batches)))
    order.shuffle(shuffled)
    merged = counted(fastinfo.PairwiseCounts, d, batches, shuffled)
    assert merged == pc
    for est in ESTIMATORS:
        expected = fastinfo.mutual_information_matrix(X, estimator=est)
        assert np.array_equal(pc.mutual_information_matrix(estimator=est), expected)
        assert np.array_equal(merged.mutual_information_matrix(estimator=est), expected)
    assert np.array_equal(
        pc.mutual_information_matrix(normalized="arithmetic"),
        fastinfo.mutual_information_matrix(X, normalized="arithmetic"),
    )


@settings(deadline=None, max_examples=40)
@given(
    kinds=st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=6),
    target=st.sampled_from(sorted(KINDS)),
    sizes=sizes,
    seed=st.integers(0, 2**32 - 1),
    order=st.randoms(use_true_random=False),
)
def test_target_counts_are_the_scores_of_the_concatenated_rows(kinds, target, sizes, seed, order):
    batches = batches_of([*kinds, target], sizes, seed)
    pairs = [(b[:, :-1], b[:, -1]) for b in batches]
    X = np.concatenate([p[0] for p in pairs])
    y = np.concatenate([p[1] for p in pairs])
    d = len(kinds)
    tc = fastinfo.TargetCounts(d)
    for batch in pairs:
        tc.update(*batch)
    shuffled = list(range(len(pairs)))
    order.shuffle(shuffled)
    merged = counted(fastinfo.TargetCounts, d, pairs, shuffled)
    assert merged == tc
    for est in ESTIMATORS:
        expected = fastinfo.mutual_information_with(X, y, estimator=est)
        assert np.array_equal(tc.mutual_information_with(estimator=est), expected)
        assert np.array_equal(merged.mutual_information_with(estimator=est), expected)


def test_mixed_dtypes_strings_and_a_one_row_batch() -> None:
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(7)
    n = 5000
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 16, n).astype(np.uint8),
            "b": rng.integers(-3, 3, n).astype(np.int64),
            "s": rng.choice(np.array(["x", "y", "z"]), n),
            "w": rng.integers(0, 10**6, n),
            "t": rng.integers(0, 2, n).astype(np.int8),
        }
    )
    pc, tc = fastinfo.PairwiseCounts(5), fastinfo.TargetCounts(4)
    for s, e in [(0, 1), (1, 2000), (2000, 2001), (2001, n)]:
        pc.update(frame[s:e])
        tc.update(frame[["a", "b", "s", "w"]][s:e], frame["t"][s:e])
    assert pc.mutual_information_matrix().equals(fastinfo.mutual_information_matrix(frame))
    assert tc.mutual_information_with().equals(
        fastinfo.mutual_information_with(frame[["a", "b", "s", "w"]], frame["t"])
    )


def test_a_failed_block_batch_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)
    X = rng.integers(0, 4, (3000, 3))
    pc = fastinfo.PairwiseCounts(3)
    pc.update(X)
    before = pc.copy()
    with pytest.raises(TypeError):
        pc.update(X.astype(str))
    assert pc == before
    # Encoding the batch's codes (3 bytes a row) is over the budget: MemoryError, nothing counted.
    monkeypatch.setenv("FASTINFO_MEMORY_LIMIT", "4000")
    with pytest.raises(MemoryError):
        pc.update(X)
    monkeypatch.delenv("FASTINFO_MEMORY_LIMIT")
    assert pc == before
    assert np.array_equal(pc.mutual_information_matrix(), fastinfo.mutual_information_matrix(X))
