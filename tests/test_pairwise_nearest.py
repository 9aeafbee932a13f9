"""``fastinfo.pmf.nearest``: the k closest rows, a stable sort of ``pairwise`` without the
matrix."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from helpers.pairwise import (
    LOGARITHMIC,
    METRICS,
    Problem,
    problems,
)
from hypothesis import given, note, settings
from hypothesis import strategies as st

import fastinfo.pmf as pmf

# --------------------------------------------------------------------------------------------
# 5. nearest
# --------------------------------------------------------------------------------------------


def stable_nearest(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(matrix, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(matrix, order, axis=1)


def check_nearest(problem: Problem, metric: str, k: int, base: Any) -> None:
    """nearest(P, Q, k) equals the first k columns of a stable argsort of pairwise(P, Q)."""
    P, Q = problem.P, problem.Q_or_P
    matrix = pmf.pairwise(P, Q, metric=metric, base=base, normalize=problem.normalize)
    indices, values = pmf.nearest(P, Q, k, metric=metric, base=base, normalize=problem.normalize)
    assert indices.dtype == np.int64
    assert values.dtype == np.float64
    assert indices.shape == values.shape == (P.shape[0], k)
    want_indices, want_values = stable_nearest(matrix, k)
    np.testing.assert_array_equal(indices, want_indices)
    np.testing.assert_array_equal(values, want_values)  # bit for bit, inf included


def draw_k(data: Any, which: str, m: int) -> int:
    return {"one": 1, "all": m}.get(which) or data.draw(st.integers(1, m), label="k")


@pytest.mark.parametrize("metric", METRICS)
@given(
    problem=problems(max_rows=40, max_k=60),
    which=st.sampled_from(["one", "all", "some"]),
    data=st.data(),
)
def test_nearest_is_a_stable_sort_of_pairwise(
    metric: str, problem: Problem, which: str, data: Any
) -> None:
    note(repr(problem))
    check_nearest(problem, metric, draw_k(data, which, problem.Q_or_P.shape[0]), None)


@pytest.mark.parametrize("metric", LOGARITHMIC)
@settings(max_examples=max(10, settings().max_examples // 3))
@given(
    problem=problems(max_rows=40, max_k=60),
    which=st.sampled_from(["one", "all", "some"]),
    base=st.sampled_from([2, 10, math.e]),
    data=st.data(),
)
def test_nearest_with_base_is_a_stable_sort_of_pairwise_with_base(
    metric: str, problem: Problem, which: str, base: Any, data: Any
) -> None:
    """Values in ``base`` tie where their values in nats differ by an ulp: ties by index then."""
    note(repr(problem))
    check_nearest(problem, metric, draw_k(data, which, problem.Q_or_P.shape[0]), base)


@pytest.mark.parametrize("metric", METRICS)
def test_nearest_across_several_tiles_of_rows_and_columns(metric: str) -> None:
    """n = 130 (3 blocks of 64 rows), m = 4500 (3 tiles of 2048 columns), with exact copies (ties
    at 0 in several tiles) and zeros; k = 1, 7 and m."""
    rng = np.random.default_rng(5)
    P = rng.random((130, 5))
    P[rng.random(P.shape) < 0.2] = 0
    P[P.sum(axis=1) == 0, 0] = 1
    Q = rng.random((4500, 5))
    Q[rng.random(Q.shape) < 0.2] = 0
    Q[Q.sum(axis=1) == 0, 0] = 1
    Q[[10, 2100, 2200, 4400]] = P[3]  # four ties with row 3, in three tiles
    Q[4499] = P[129]
    matrix = pmf.pairwise(P, Q, metric=metric)
    for k in (1, 7, 4500):
        indices, values = pmf.nearest(P, Q, k, metric=metric)
        want_indices, want_values = stable_nearest(matrix, k)
        np.testing.assert_array_equal(indices, want_indices)
        np.testing.assert_array_equal(values, want_values)
    if metric != "cross_entropy":
        indices, values = pmf.nearest(P, Q, 4, metric=metric)
        assert indices[3].tolist() == [10, 2100, 2200, 4400]
        assert values[3].tolist() == [0.0] * 4


def test_nearest_breaks_ties_of_the_returned_values_by_index() -> None:
    """Two candidates whose cross-entropies differ by one ulp in nats but are equal in bits: the
    values nearest returns tie, so the smaller index must come first (as in pairwise)."""
    a = 0.42485991999312417
    b = float(np.nextafter(a, 0))
    P = np.array([[1.0, 0.0]])
    Q = np.array([[b, 1 - b], [a, 1 - a]])
    bits = pmf.pairwise(P, Q, metric="cross_entropy", normalize=False, base=2)
    indices, values = pmf.nearest(P, Q, 1, metric="cross_entropy", normalize=False, base=2)
    want_indices, want_values = stable_nearest(bits, 1)
    assert bits[0, 0] == bits[0, 1]
    assert values.tolist() == want_values.tolist()
    assert indices.tolist() == want_indices.tolist() == [[0]]


def test_nearest_with_a_base_below_one() -> None:
    """base = 0.5 is accepted and makes every logarithmic value negative: nearest must still give
    the k smallest values of pairwise, ascending (or refuse such a base, naming it)."""
    P = np.array([[0.2, 0.8]])
    Q = np.array([[0.5, 0.5], [0.2, 0.8], [0.9, 0.1]])
    try:
        indices, values = pmf.nearest(P, Q, 2, metric="js", base=0.5)
    except ValueError as e:
        refused = str(e)
    else:
        refused = None
    if refused is not None:
        assert "base" in refused
        return
    matrix = pmf.pairwise(P, Q, metric="js", base=0.5)
    want_indices, want_values = stable_nearest(matrix, 2)
    assert (np.diff(values, axis=1) >= 0).all(), f"values not ascending: {values}"
    assert indices.tolist() == want_indices.tolist(), (indices, matrix)
    assert values.tolist() == want_values.tolist()


@pytest.mark.slow
def test_nearest_of_twenty_thousand_rows_without_the_matrix() -> None:
    """n = m = 20 000, d = 8 under FASTINFO_MEMORY_LIMIT = 64 MiB: pairwise refuses at once
    (the matrix is 3.2 GB), nearest works, finds each row's own copy in a shuffled Q, agrees with
    pairwise on row blocks and never gets near the matrix's size (peak RSS, in a child process)."""
    script = textwrap.dedent(
        """
        import json, resource, time
        import numpy as np, fastinfo.pmf as pmf
        n, d = 20_000, 8
        rng = np.random.default_rng(11)
        P = rng.random((n, d)) + 0.01
        P[rng.random((n, d)) < 0.1] = 0
        P[P.sum(axis=1) == 0, 0] = 1
        perm = rng.permutation(n)
        Q = P[perm]
        start = time.perf_counter()
        try:
            pmf.pairwise(P, Q, metric="kl")
            refused = None
        except MemoryError as e:
            refused = str(e)
        refuse_seconds = time.perf_counter() - start
        start = time.perf_counter()
        indices, values = pmf.nearest(P, Q, 3, metric="kl")
        seconds = time.perf_counter() - start
        inverse = np.argsort(perm)
        block = slice(64 * 100, 64 * 101)
        matrix = pmf.pairwise(P[block], Q, metric="kl")
        order = np.argsort(matrix, axis=1, kind="stable")[:, :3]
        print(json.dumps({
            "refused": refused,
            "refuse_seconds": refuse_seconds,
            "seconds": seconds,
            "shape": list(indices.shape),
            "own_copy_first": bool((indices[:, 0] == inverse).all()),
            "zero_first": bool((values[:, 0] == 0).all()),
            "second_positive": bool((values[:, 1] > 0).all()),
            "ascending": bool((np.diff(values, axis=1) >= 0).all()),
            "block_indices": bool(np.array_equal(indices[block], order)),
            "block_values": bool(
                np.array_equal(values[block], np.take_along_axis(matrix, order, 1))
            ),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }))
        """
    )
    env = {**os.environ, "FASTINFO_MEMORY_LIMIT": str(64 << 20)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\nnearest 20000 x 20000 x 8 (kl, k=3): {result}")
    assert result["refused"] is not None, "pairwise did not refuse a 3.2 GB matrix over budget"
    assert "20000 x 20000" in result["refused"]
    assert "nearest" in result["refused"]
    assert result["refuse_seconds"] < 1.0
    assert result["shape"] == [20000, 3]
    assert result["own_copy_first"]
    assert result["zero_first"]
    assert result["second_positive"]
    assert result["ascending"]
    assert result["block_indices"]
    assert result["block_values"]
    assert result["peak_rss_mib"] < 1024, "peak memory near the size of the n x m matrix"
