"""Multivariate and time-series information (issue 15): fastinfo against PyInform (C) and numpy,
in one run, ratios printed.

    python benches/bench_multivariate.py            # the issue's sizes (about a minute)
    python benches/bench_multivariate.py --quick    # smaller sizes, fewer repeats

Cases:

1. Transfer-entropy matrix of 100 binary series x 10^5 steps, history 3: fastinfo's
   ``transfer_entropy_matrix`` against a loop of PyInform's ``transfer_entropy`` over the 9,900
   ordered pairs. Target: >= 10x.
2. One pair, 10^7 steps, history 3 (binary): fastinfo's ``transfer_entropy`` against PyInform's.
   Target: >= 1x (PyInform is C). Also the local values (reported) and uint8 labels.
3. Total correlation and O-information of 64 columns x 10^6 rows (16 values, uint8), next to
   ``mutual_information_matrix`` of the same table. Reported, no target.

Every contender is first checked to compute the same value (1e-9; PyInform gives bits); times are
the best of ``--repeats`` calls (the machine is shared: best-of is the least noisy statistic).
The load average is printed: on a busy machine every ratio moves.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import fastinfo


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def best_of(f: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = f()
        best = min(best, time.perf_counter() - start)
    return best, value


def row(case: str, ours: float, contender: str, theirs: float | None, target: str) -> None:
    if theirs is None:
        print(f"| {case} | {ours:.3f} s | {contender} | | {target} |")
        return
    print(
        f"| {case} | {ours:.3f} s | {contender}, {theirs:.3f} s | {theirs / ours:.1f}x | {target} |"
    )


def te_matrix(d: int, n: int, repeats: int, pyinform: Any) -> None:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (d, n), dtype=np.int32)
    # Some structure: every 10th series copies its predecessor one step later, with noise.
    for i in range(1, d, 10):
        X[i] = np.where(rng.random(n) < 0.9, np.roll(X[i - 1], 1), X[i])
    ours, T = best_of(lambda: fastinfo.transfer_entropy_matrix(X, history=3, base=2), repeats)
    theirs = None
    if pyinform is not None:

        def loop() -> np.ndarray:
            out = np.zeros((d, d))
            for i in range(d):
                for j in range(d):
                    if i != j:
                        out[i, j] = pyinform.transfer_entropy(X[i], X[j], k=3)
            return out

        theirs, expected = best_of(loop, 1)
        assert np.allclose(T, expected, atol=1e-9), np.abs(T - expected).max()
    pairs = d * (d - 1)
    row(
        f"TE matrix, {d} binary series x {n:.0e} steps, history 3 ({pairs} pairs)",
        ours,
        "PyInform `transfer_entropy` looped over the pairs",
        theirs,
        ">= 10x",
    )


def te_pair(n: int, repeats: int, pyinform: Any) -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, n, dtype=np.int32)
    x = np.where(rng.random(n) < 0.8, np.roll(y, 1), rng.integers(0, 2, n)).astype(np.int32)
    ours, value = best_of(lambda: fastinfo.transfer_entropy(y, x, history=3, base=2), repeats)
    theirs = None
    if pyinform is not None:
        theirs, expected = best_of(lambda: pyinform.transfer_entropy(y, x, k=3), repeats)
        assert abs(value - expected) < 1e-9, (value, expected)
    row(
        f"TE of one pair, {n:.0e} binary steps, history 3 (int32)",
        ours,
        "PyInform `transfer_entropy`",
        theirs,
        ">= 1x",
    )
    ours, local = best_of(
        lambda: fastinfo.transfer_entropy(y, x, history=3, base=2, local=True), repeats
    )
    theirs = None
    if pyinform is not None:
        theirs, expected = best_of(
            lambda: pyinform.transfer_entropy(y, x, k=3, local=True), max(1, repeats - 1)
        )
        assert np.allclose(local, expected[0], atol=1e-9)
    row(
        f"local TE of one pair, {n:.0e} binary steps, history 3 (int32)",
        ours,
        "PyInform `transfer_entropy(local=True)`",
        theirs,
        "report",
    )
    # The same with uint8 labels (PyInform converts to int32 itself).
    y8, x8 = y.astype(np.uint8), x.astype(np.uint8)
    ours8, _ = best_of(lambda: fastinfo.transfer_entropy(y8, x8, history=3, base=2), repeats)
    row(f"TE of one pair, {n:.0e} binary steps, history 3 (uint8)", ours8, "", None, "report")


def table_measures(d: int, n: int, repeats: int) -> None:
    rng = np.random.default_rng(2)
    X = rng.integers(0, 16, (n, d), dtype=np.uint8)
    X[:, 1] = (X[:, 0] + X[:, 2]) % 16  # a synergistic triple
    mi, _ = best_of(lambda: fastinfo.mutual_information_matrix(X), repeats)
    tc, _ = best_of(lambda: fastinfo.total_correlation(X), repeats)
    o, _ = best_of(lambda: fastinfo.o_information(X), repeats)
    dtc, _ = best_of(lambda: fastinfo.dual_total_correlation(X), repeats)
    print(f"| MI matrix, {d} columns x {n:.0e} rows, 16 values (uint8) | {mi:.3f} s | | | |")
    row(f"total correlation, same table ({tc / mi:.2f}x the MI matrix)", tc, "", None, "report")
    row(f"O-information, same table ({o / mi:.2f}x the MI matrix)", o, "", None, "report")
    row(f"dual total correlation, same table ({dtc / mi:.2f}x)", dtc, "", None, "report")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 3)
    try:
        import pyinform
    except (ImportError, OSError) as error:  # pragma: no cover - reported in the output
        print(f"PyInform unavailable ({error}): fastinfo times only")
        pyinform = None
    print(f"fastinfo {fastinfo.__version__}, {fastinfo.get_num_threads()} threads")
    print(f"load average before: {load()}")
    print()
    print("| case | fastinfo | contender | ratio | target |")
    print("|---|---|---|---|---|")
    if args.quick:
        te_matrix(30, 20_000, repeats, pyinform)
        te_pair(1_000_000, repeats, pyinform)
        table_measures(64, 100_000, repeats)
    else:
        te_matrix(100, 100_000, repeats, pyinform)
        te_pair(10_000_000, repeats, pyinform)
        table_measures(64, 1_000_000, repeats)
    print()
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
