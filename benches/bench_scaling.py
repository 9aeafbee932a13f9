"""Scaling checks of issue 11: a 2-D variable of d columns, and all-distinct labels.

- ``entropy`` of a ``(10, d)`` variable for d and 4d: the ratio should be about 4 (it was about
  16, quadratic in columns, while rust-numpy's borrow registry compared each column view with
  every other);
- ``entropy`` of n and 4n distinct int64 labels, against ``np.unique(return_counts=True)``: the
  fastinfo/numpy ratio should stay at or below 1, and the 4n/n ratio near 4 (it grew like
  n^1.4-1.9 through hashing).

Run ``python benches/bench_scaling.py`` (``--quick`` for smaller sizes). Prints medians, ratios
and the load average; wall-clock figures are only worth reporting from an idle machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import fastinfo


def median_time(f: Callable[[], Any], repeats: int) -> float:
    f()
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        f()
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"load average before: {os.getloadavg()}")

    d = 5_000 if args.quick else 20_000
    times = {}
    for width in (d, 4 * d):
        x = rng.integers(0, 3, (10, width))
        times[width] = median_time(lambda x=x: fastinfo.entropy(x), args.repeats)
        print(f"entropy of a (10, {width}) variable: {times[width] * 1e3:.1f} ms")
    print(f"  4d / d time ratio: {times[4 * d] / times[d]:.1f} (linear: ~4, quadratic: ~16)")

    n = 500_000 if args.quick else 4_000_000
    ours = {}
    for size in (n // 4, n):
        labels = rng.permutation(size).astype(np.int64) * 7919
        ours[size] = median_time(lambda v=labels: fastinfo.entropy(v), args.repeats)
        numpy = median_time(lambda v=labels: np.unique(v, return_counts=True), args.repeats)
        print(
            f"entropy of {size} distinct int64: fastinfo {ours[size] * 1e3:.1f} ms, "
            f"np.unique {numpy * 1e3:.1f} ms (ratio {ours[size] / numpy:.2f})"
        )
    print(f"  4n / n time ratio: {ours[n] / ours[n // 4]:.1f} (n log n: ~4.5)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
