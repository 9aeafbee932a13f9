"""``fastinfo.pmf.pairwise`` and ``nearest`` give the same bits for any dtype, memory layout,
thread count, and meet the contract at every SIMD level."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from helpers.pairwise import (
    METRICS,
    ZERO_FOR_IDENTICAL,
    check_against_oracles,
    lay_out,
    near_one_rows,
    normalized,
)

import fastinfo
import fastinfo.pmf as pmf
import fastinfo.reference.pmf as ref

# --------------------------------------------------------------------------------------------
# 6. dtype, layout, threads
# --------------------------------------------------------------------------------------------


def _rows_with_zeros(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    w = rng.random((n, k))
    w[rng.random((n, k)) < 0.25] = 0
    w[w.sum(axis=1) == 0, 0] = 1
    return w


@pytest.mark.parametrize("metric", METRICS)
def test_dtype_and_layout_do_not_change_a_bit(metric: str) -> None:
    """float32 is computed in float64 (the same answer as its exact float64 copy); integers and
    booleans likewise; C, Fortran, strided, reversed views and nested lists: bit for bit."""
    rng = np.random.default_rng(3)
    P, Q = _rows_with_zeros(rng, 37, 23), _rows_with_zeros(rng, 29, 23)
    Q[:5] = P[:5]
    want = pmf.pairwise(P, Q, metric=metric)
    want_near = pmf.nearest(P, Q, 4, metric=metric)
    for layout in ("F", "strided", "reversed"):
        got = pmf.pairwise(lay_out(P, layout), lay_out(Q, layout), metric=metric)
        np.testing.assert_array_equal(got, want, err_msg=layout)
        near = pmf.nearest(lay_out(P, layout), lay_out(Q, layout), 4, metric=metric)
        np.testing.assert_array_equal(near[0], want_near[0], err_msg=layout)
        np.testing.assert_array_equal(near[1], want_near[1], err_msg=layout)
    np.testing.assert_array_equal(pmf.pairwise(P.tolist(), Q.tolist(), metric=metric), want)
    np.testing.assert_array_equal(pmf.pairwise(P, P, metric=metric), pmf.pairwise(P, metric=metric))
    np.testing.assert_array_equal(
        pmf.pairwise(P[::-1], metric=metric)[::-1, ::-1], pmf.pairwise(P, metric=metric)
    )
    p32, q32 = P.astype(np.float32), Q.astype(np.float32)
    got32 = pmf.pairwise(lay_out(p32, "F"), lay_out(q32, "strided"), metric=metric)
    assert got32.dtype == np.float64
    np.testing.assert_array_equal(
        got32, pmf.pairwise(p32.astype(np.float64), q32.astype(np.float64), metric=metric)
    )
    for dtype in (np.int64, np.int32, np.uint8, np.bool_):
        pi, qi = (P * 10).astype(dtype), (Q * 10).astype(dtype)
        pi[pi.sum(axis=1) == 0, 0] = 1
        qi[qi.sum(axis=1) == 0, 0] = 1
        np.testing.assert_array_equal(
            pmf.pairwise(pi, qi, metric=metric),
            pmf.pairwise(pi.astype(np.float64), qi.astype(np.float64), metric=metric),
            err_msg=str(dtype),
        )


@pytest.mark.parametrize("metric", METRICS)
def test_thread_count_does_not_change_a_bit(metric: str, restore_threads: int) -> None:
    """700 x 300 (several row blocks) with zeros, copies and near-copies (exact fallbacks):
    set_num_threads(1), (2) and (3) give the same pairwise and nearest results, bit for bit."""
    rng = np.random.default_rng(8)
    P, Q = _rows_with_zeros(rng, 700, 40), _rows_with_zeros(rng, 300, 40)
    Q[:100] = P[:100]
    Q[100:200] = P[100:200] * (1 + 1e-7 * rng.uniform(-1, 1, (100, 40)))
    results = {}
    for threads in (1, 2, 3):
        fastinfo.set_num_threads(threads)
        assert fastinfo.get_num_threads() == threads
        results[threads] = (
            pmf.pairwise(P, Q, metric=metric),
            pmf.pairwise(Q, metric=metric),
            *pmf.nearest(P, Q, 5, metric=metric),
        )
    for threads in (2, 3):
        for a, b in zip(results[1], results[threads]):
            np.testing.assert_array_equal(a, b, err_msg=f"1 vs {threads} threads")


def test_every_simd_level_meets_the_contract(tmp_path: Any) -> None:
    """FASTINFO_SIMD=scalar / avx2 / avx512 (capped at the CPU) in child processes: every level
    meets the contract on random rows with zeros, near-copies and weights near 1, and gives
    exactly 0 for identical rows (whether the levels agree bit for bit is printed with -s)."""
    rng = np.random.default_rng(21)
    near = near_one_rows()
    P = np.concatenate([_rows_with_zeros(rng, 50, 37), np.zeros((len(near), 37))])
    P[50:, :2] = near
    Q = np.concatenate([_rows_with_zeros(rng, 40, 37), P[50:]])
    Q[:10] = P[:10] * (1 + 1e-6 * rng.uniform(-1, 1, (10, 37)))
    np.save(tmp_path / "P.npy", P)
    np.save(tmp_path / "Q.npy", Q)
    script = textwrap.dedent(
        f"""
        import os, numpy as np, fastinfo.pmf as pmf
        P = np.load({str(tmp_path / "P.npy")!r}); Q = np.load({str(tmp_path / "Q.npy")!r})
        out = {{m: pmf.pairwise(P, Q, metric=m) for m in pmf.METRICS}}
        out.update({{"self_" + m: pmf.pairwise(P, metric=m) for m in pmf.METRICS}})
        np.savez({str(tmp_path)!r} + "/out_" + os.environ["FASTINFO_SIMD"], **out)
        """
    )
    levels = ("scalar", "avx2", "avx512")
    for level in levels:
        env = {**os.environ, "FASTINFO_SIMD": level}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
    outputs = {level: np.load(tmp_path / f"out_{level}.npz") for level in levels}
    pn, qn = normalized(P, True), normalized(Q, True)
    failures = []
    for metric in METRICS:
        want = ref.pairwise(P, Q, metric=metric)
        for level in levels:
            try:
                check_against_oracles(
                    metric, outputs[level][metric], want, pn, qn, f"FASTINFO_SIMD={level}"
                )
            except AssertionError as e:
                failures.append(f"FASTINFO_SIMD={level}: {str(e).splitlines()[0]}")
            diagonal = np.diag(outputs[level]["self_" + metric])
            if metric in ZERO_FOR_IDENTICAL and (diagonal != 0).any():
                rows = np.flatnonzero(diagonal)
                failures.append(
                    f"FASTINFO_SIMD={level}: {metric}: {len(rows)} identical pairs not 0, e.g. "
                    f"row {int(rows[0])} gives {diagonal[rows[0]]!r}"
                )
        same = all(
            np.array_equal(outputs[levels[0]][metric], outputs[level][metric]) for level in levels
        )
        print(f"\n{metric}: identical across SIMD levels: {same}", end="")
    assert not failures, "\n".join(failures)
