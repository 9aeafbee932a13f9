"""Time fastinfo's k-nearest-neighbour estimators against scikit-learn, side by side (issue 13).

Targets (ratios in one run):

- MI of two 1-D variables, n = 10^6: ``fastinfo.mutual_info_regression`` at least 30x faster
  than ``sklearn.feature_selection.mutual_info_regression`` (same inputs, same values).
- ``mutual_info_classif`` on X of 10^5 x 20 continuous features and a 3-class target: at least
  30x faster than scikit-learn.

Also reported: ``fastinfo.mutual_information(estimator="ksg")`` (no scaling or noise) on the
same data, the scale curve n = 10^4 ... 10^7 for 1-D x, y and for 2-D x, y (a 4-D joint space),
with time and peak extra memory (each point in a fresh process), and the thread scaling 1 -> 2.
Run from the repository root after installing the extension::

    python benches/bench_knn.py            # everything (several minutes, scikit-learn included)
    python benches/bench_knn.py --quick    # n = 10^5 and 10^4 x 20, scale curve to 10^6
    python benches/bench_knn.py --check    # exit status 1 if a target is missed

Every contender is checked to give the same values as fastinfo (to 1e-9) before it is timed.
fastinfo's time is the median of ``--repeats`` calls; scikit-learn (seconds per call) is timed
on the checking call, once. The load average is printed before and after: on a shared 2-core
machine another process takes one of fastinfo's two threads while scikit-learn runs on one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import fastinfo

TARGET = 30.0


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median time of ``repeats`` calls, and the first result."""
    times, result = [], None
    for i in range(repeats):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
        if i == 0:
            result = value
    return statistics.median(times), result


def row(case: str, fast: float, contender: str, slow: float | None) -> float | None:
    if slow is None:
        print(f"  {case:<46} fastinfo {fast * 1e3:9.1f} ms")
        return None
    ratio = slow / fast
    print(
        f"  {case:<46} fastinfo {fast * 1e3:9.1f} ms   {contender} {slow:8.2f} s   "
        f"ratio {ratio:7.1f}x"
    )
    return ratio


def head_to_head(
    n: int, n_classif: int, features: int, repeats: int, sklearn: bool
) -> dict[str, float]:
    from sklearn.feature_selection import mutual_info_classif, mutual_info_regression

    ratios: dict[str, float] = {}
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    y = x + rng.normal(size=n)
    X = x.reshape(-1, 1)
    print(f"\nMI of two 1-D variables, n = {n:,} (load {load()})")
    fast, ours = timed(lambda: fastinfo.mutual_info_regression(X, y, random_state=0), repeats)
    slow = None
    if sklearn:
        start = time.perf_counter()
        theirs = mutual_info_regression(X, y, random_state=0)
        slow = time.perf_counter() - start
        assert np.abs(ours - theirs).max() < 1e-9, (ours, theirs)
    ratio = row("fastinfo.mutual_info_regression", fast, "sklearn", slow)
    if ratio is not None:
        ratios["regression 1-D"] = ratio
    plain, value = timed(lambda: fastinfo.mutual_information(x, y, estimator="ksg"), repeats)
    row(f"mutual_information(ksg) = {value:.4f} (truth {0.5 * np.log(2):.4f})", plain, "", None)

    classes = rng.integers(0, 3, n_classif)
    Xc = rng.normal(size=(n_classif, features)) + 0.3 * classes[:, None] * rng.random(features)
    print(
        f"\nmutual_info_classif, {n_classif:,} x {features} continuous, 3 classes (load {load()})"
    )
    fast, ours = timed(lambda: fastinfo.mutual_info_classif(Xc, classes, random_state=0), repeats)
    slow = None
    if sklearn:
        start = time.perf_counter()
        theirs = mutual_info_classif(Xc, classes, random_state=0)
        slow = time.perf_counter() - start
        assert np.abs(ours - theirs).max() < 1e-9
    ratio = row("fastinfo.mutual_info_classif", fast, "sklearn", slow)
    if ratio is not None:
        ratios["classif 20 features"] = ratio

    before = fastinfo.get_num_threads()
    print(f"\nThread scaling (load {load()})")
    for label, call in [
        (f"mutual_info_regression, n = {n:,}", lambda: fastinfo.mutual_info_regression(X, y)),
        (
            f"mutual_info_classif, {n_classif:,} x {features}",
            lambda: fastinfo.mutual_info_classif(Xc, classes),
        ),
    ]:
        times = {}
        for threads in (1, 2):
            fastinfo.set_num_threads(threads)
            times[threads], _ = timed(call, repeats)
        print(
            f"  {label:<46} 1 thread {times[1] * 1e3:8.1f} ms   2 threads "
            f"{times[2] * 1e3:8.1f} ms   speed-up {times[1] / times[2]:.2f}x"
        )
    fastinfo.set_num_threads(before)
    return ratios


CHILD = """
import json, os, sys, time
import numpy as np
import fastinfo
n, d = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
x = rng.normal(size=(n, d))
y = x + rng.normal(size=(n, d))
if d == 1:
    x, y = x[:, 0], y[:, 0]
fastinfo.mutual_information(x[:1000], y[:1000], estimator="ksg")  # warm up the pool

def rss(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return 0

try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM
except OSError:
    pass
before = rss("VmRSS:")
start = time.perf_counter()
value = fastinfo.mutual_information(x, y, estimator="ksg")
elapsed = time.perf_counter() - start
print(json.dumps({"time": elapsed, "peak": rss("VmHWM:") - before, "value": value}))
"""


def scale_curve(sizes: list[int]) -> None:
    print("\nScale curve: mutual_information(x, y, estimator='ksg'), fresh process per point")
    print(f"  {'n':>12} {'d (x, y)':>9} {'time':>10} {'peak extra':>12} {'ns/sample':>10}")
    for d in (1, 2):
        for n in sizes:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(d)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"  {n:>12,} {d:>4} + {d:<3} {r['time']:9.3f}s {r['peak'] / 2**20:9.1f} MiB "
                f"{r['time'] / n * 1e9:10.0f}   (load {load()})"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-sklearn", action="store_true")
    parser.add_argument("--no-curve", action="store_true")
    args = parser.parse_args()
    n, n_classif, features = (10**5, 10**4, 20) if args.quick else (10**6, 10**5, 20)
    sizes = [10**4, 10**5, 10**6] if args.quick else [10**4, 10**5, 10**6, 10**7]
    print(f"fastinfo {fastinfo.__version__}, {fastinfo.get_num_threads()} threads, load {load()}")
    ratios = head_to_head(n, n_classif, features, args.repeats, not args.no_sklearn)
    if not args.no_curve:
        scale_curve(sizes)
    print(f"\nload average at the end: {load()}")
    missed = [case for case, ratio in ratios.items() if ratio < TARGET]
    for case, ratio in ratios.items():
        print(
            f"  {case}: {ratio:.1f}x (target >= {TARGET:.0f}x) "
            f"{'ok' if ratio >= TARGET else 'MISSED'}"
        )
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
