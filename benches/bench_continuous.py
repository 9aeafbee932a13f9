"""Time fastinfo.discretize against numpy's binning routes, side by side (issue 5).

Target: ``fastinfo.discretize`` of 10 million floats into 256 equal-width bins at least 5x faster
than ``np.digitize`` and than ``np.histogram``-based binning. Run from the repository root after
installing the extension (release build)::

    python benches/bench_continuous.py               # n = 10 million, float64 and float32
    python benches/bench_continuous.py --quick       # n = 1 million, 3 repeats
    python benches/bench_continuous.py --check       # exit status 1 if a target is missed

Every route computes the same labels (checked against fastinfo before it is timed) from the data
alone: each finds the range, builds numpy's edges and bins every sample.

- ``np.digitize``: ``np.digitize(x, np.histogram_bin_edges(x, bins)[1:-1])`` (a binary search per
  sample; int64 labels).
- ``np.histogram``-based binning: the index arithmetic of ``np.histogram``'s equal-width path,
  emitting the labels instead of counting them (blocks of 65536 samples, as numpy does: the
  ``(x - lo) / span * bins`` guess, then the corrections against the edges).
- ``np.histogram`` itself (counts only, for context: it bins every sample the same way but
  returns 256 counts, not a label per sample; compared with ``np.bincount`` of fastinfo's labels).

Also reported, without a target: ``strategy="quantile"`` (equal-frequency bins) against the numpy
route that gives the same labels, ``np.quantile`` of the ``k / bins`` levels (rounded to the
dtype, ties merged) then ``np.searchsorted(edges[1:-1], x, side="right")``. Both compute the
quantiles with numpy (a partial sort of a copy); fastinfo then bins by bisection in Rust.

Times are the median (and best) of ``--repeats`` calls after one untimed checking call. Calls
are interleaved (fastinfo, contender, fastinfo, contender...) so that both see the same machine:
on a shared machine the load, and other processes' memory traffic, change from second to second.
Ratio = contender median / fastinfo median over the same interleaved run; the fastinfo row shows
the median of all its calls. ``--in-a-row`` times each route's calls back to back instead: each
then runs in its own steady state of caches and allocator, which flatters fastinfo (its calls
are 10x shorter than the contenders', and it no longer follows their 80 MB of temporaries).
The load average is printed before and after: another process takes fastinfo's second thread
while leaving the single-threaded numpy routes almost untouched.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

import fastinfo

TARGET = 5.0
BLOCK = 65536


def numpy_digitize(x: np.ndarray, bins: int) -> np.ndarray:
    edges = np.histogram_bin_edges(x, bins)
    labels: np.ndarray = np.digitize(x, edges[1:-1])
    return labels


def numpy_histogram_binning(x: np.ndarray, bins: int) -> np.ndarray:
    """np.histogram's equal-width index computation, returning the labels."""
    edges = np.histogram_bin_edges(x, bins)
    lo, hi = edges[0], edges[-1]
    span = hi - lo
    labels = np.empty(x.shape[0], dtype=np.intp)
    for start in range(0, x.shape[0], BLOCK):
        block = x[start : start + BLOCK]
        indices = ((block - lo) / span * bins).astype(np.intp)
        indices[indices == bins] -= 1
        decrement = block < edges[indices]
        indices[decrement] -= 1
        increment = (block >= edges[indices + 1]) & (indices != bins - 1)
        indices[increment] += 1
        labels[start : start + BLOCK] = indices
    return labels


def numpy_quantile_binning(x: np.ndarray, bins: int) -> np.ndarray:
    """Equal-frequency labels with numpy: the quantile edges, then a binary search per sample."""
    quantiles = np.quantile(x, np.linspace(0.0, 1.0, bins + 1))
    edges = np.unique(quantiles.astype(x.dtype))
    return np.searchsorted(edges[1:-1], x, side="right")


def fastinfo_quantile_labels(x: np.ndarray, bins: int) -> np.ndarray:
    return fastinfo.discretize(x, bins=bins, strategy="quantile")[0]


def numpy_histogram_counts(x: np.ndarray, bins: int) -> np.ndarray:
    return np.histogram(x, bins)[0]


def fastinfo_labels(x: np.ndarray, bins: int) -> np.ndarray:
    return fastinfo.discretize(x, bins=bins)[0]


def fastinfo_counts(x: np.ndarray, bins: int) -> np.ndarray:
    return np.bincount(fastinfo.discretize(x, bins=bins)[0], minlength=bins)


@dataclass(frozen=True)
class Contender:
    label: str
    function: Callable[[np.ndarray, int], np.ndarray]
    target: float | None
    compare_with: Callable[[np.ndarray, int], np.ndarray] = fastinfo_labels


QUANTILE_CONTENDERS = [
    Contender(
        "np.quantile + np.searchsorted", numpy_quantile_binning, None, fastinfo_quantile_labels
    ),
]

CONTENDERS = [
    Contender("np.digitize", numpy_digitize, TARGET),
    Contender("np.histogram-based binning", numpy_histogram_binning, TARGET),
    Contender("np.histogram (counts only)", numpy_histogram_counts, None, fastinfo_counts),
]


def timed(
    functions: list[Callable[[], Any]], repeats: int, *, interleave: bool = True
) -> list[list[float]]:
    """Seconds of each call of each function, ``repeats`` calls each: the functions called in
    turn (``interleave``), or each function's calls in a row."""
    times: list[list[float]] = [[] for _ in functions]
    order = [(f, t) for _ in range(repeats) for f, t in zip(functions, times)]
    if not interleave:
        order = [(f, t) for f, t in zip(functions, times) for _ in range(repeats)]
    for function, spent in order:
        start = time.perf_counter()
        function()
        spent.append(time.perf_counter() - start)
    return times


def load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: int(float(s)), default=10_000_000)
    parser.add_argument("--bins", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--dtype", choices=["float64", "float32", "both"], default="both")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument(
        "--in-a-row",
        action="store_true",
        help="time each route's calls in a row (steady state) instead of interleaved",
    )
    parser.add_argument("--quick", action="store_true", help="n = 1 million, 3 repeats")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeats = 1_000_000, 3
    if args.threads is not None:
        fastinfo.set_num_threads(args.threads)
    dtypes = ["float64", "float32"] if args.dtype == "both" else [args.dtype]

    print(
        f"fastinfo {fastinfo.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}"
    )
    print(
        f"threads: {fastinfo.get_num_threads()} (cores: {os.cpu_count()}); load average: {load()}"
    )
    print(f"n = {args.n:,} normal samples, {args.bins} bins, {args.repeats} repeats\n")
    missed = 0
    for dtype in dtypes:
        x = np.random.default_rng(20240607).normal(size=args.n).astype(dtype)
        for title, fast, contenders in [
            ("equal-width", fastinfo_labels, CONTENDERS),
            ("strategy='quantile'", fastinfo_quantile_labels, QUANTILE_CONTENDERS),
        ]:
            missed += run_section(x, args, f"{title}, {dtype}", fast, contenders)
    print(f"load average after: {load()}")
    return 1 if (args.check and missed) else 0


def run_section(
    x: np.ndarray,
    args: argparse.Namespace,
    title: str,
    fast: Callable[[np.ndarray, int], np.ndarray],
    contenders: list[Contender],
) -> int:
    """Time ``fast`` and each contender on ``x``; print the table; return the targets missed."""
    header = (
        f"{'route':<30} {'median ms':>10} {'best ms':>9} {'ratio':>7} {'Msamples/s':>11}  target"
    )
    missed = 0
    print(f"== discretize, {title}")
    print(header)
    fast_labels = fast(x, args.bins)
    rows = []
    fast_all: list[float] = []
    for contender in contenders:
        expected = contender.compare_with(x, args.bins)
        got = contender.function(x, args.bins)
        if not np.array_equal(got, expected):
            raise SystemExit(f"{contender.label} computes different labels; not timed")
        fast_times, times = timed(
            [partial(fast, x, args.bins), partial(contender.function, x, args.bins)],
            args.repeats,
            interleave=not args.in_a_row,
        )
        fast_all += fast_times
        rows.append((contender, times, statistics.median(times) / statistics.median(fast_times)))
    fast_median = statistics.median(fast_all)
    print(
        f"{'fastinfo.discretize':<30} {fast_median * 1e3:>10.1f} {min(fast_all) * 1e3:>9.1f} "
        f"{'':>7} {args.n / fast_median / 1e6:>11.0f}  labels {fast_labels.dtype}"
    )
    for contender, times, ratio in rows:
        median = statistics.median(times)
        if contender.target is None:
            verdict = "(context)"
        else:
            ok = ratio >= contender.target
            missed += not ok
            verdict = f">= {contender.target:g}x {'PASS' if ok else 'MISS'}"
        print(
            f"{contender.label:<30} {median * 1e3:>10.1f} {min(times) * 1e3:>9.1f} "
            f"{ratio:>6.1f}x {args.n / median / 1e6:>11.0f}  {verdict}"
        )
    print()
    return missed


if __name__ == "__main__":
    sys.exit(main())
