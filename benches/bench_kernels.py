"""The dense counting kernels against the numpy bincount routes, at 1 and 2 threads.

Every case is n = 10 million labels per variable (``--n``) with a small alphabet, so fastinfo
takes its dense path. The numpy route is the best honest one: the alphabet is known in advance,
so one ``np.bincount`` of the (joint) codes and the estimate from the counts. Times are the best of
three rounds (numpy, then fastinfo at 1 and 2 threads), each the median of ``--repeats`` calls
(a third of them for numpy); ratio = numpy time / fastinfo time, in the same run. Each
result is checked against the numpy value (1e-9 relative) before timing.

    python benches/bench_kernels.py                # every case, 1 and 2 threads
    python benches/bench_kernels.py --quick        # n = 1 million, 3 repeats

The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

import fastinfo


def _plugin(counts: np.ndarray) -> float:
    """Plug-in entropy in nats of a count vector (non-empty cells only)."""
    c = counts[counts > 0].astype(np.float64)
    n = c.sum()
    return float(math.log(n) - np.dot(c, np.log(c)) / n)


def _codes(arrays: tuple[np.ndarray, ...], cards: tuple[int, ...]) -> np.ndarray:
    """Mixed-radix codes of ``arrays`` (values ``0 <= a < card``), as intp."""
    code = arrays[0].astype(np.intp)
    for a, k in zip(arrays[1:], cards[1:]):
        code *= k
        code += a
    return code


def numpy_entropy(card: int) -> Callable[..., float]:
    def run(x: np.ndarray) -> float:
        return _plugin(np.bincount(x, minlength=card))

    return run


def numpy_mi(card: int) -> Callable[..., float]:
    def run(x: np.ndarray, y: np.ndarray) -> float:
        joint = np.bincount(_codes((x, y), (card, card)), minlength=card * card)
        table = joint.reshape(card, card)
        return _plugin(table.sum(axis=1)) + _plugin(table.sum(axis=0)) - _plugin(joint)

    return run


def numpy_conditional_entropy(card: int) -> Callable[..., float]:
    def run(x: np.ndarray, given: np.ndarray) -> float:
        joint = np.bincount(_codes((x, given), (card, card)), minlength=card * card)
        return _plugin(joint) - _plugin(joint.reshape(card, card).sum(axis=0))

    return run


def numpy_cmi(card: int) -> Callable[..., float]:
    def run(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> float:
        joint = np.bincount(_codes((x, y, z), (card,) * 3), minlength=card**3)
        t = joint.reshape(card, card, card)
        return (
            _plugin(t.sum(axis=1).ravel())
            + _plugin(t.sum(axis=0).ravel())
            - _plugin(joint)
            - _plugin(t.sum(axis=(0, 1)))
        )

    return run


def inputs(kind: str, dtype: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    if kind == "entropy":
        # Zipf-like over 256 values (the case), shuffled.
        p = 1.0 / np.arange(1, 257)
        return (rng.choice(256, size=n, p=p / p.sum()).astype(dtype),)
    card = 64 if kind in ("mi", "ce") else 16
    x = rng.integers(0, card, n)
    y = (x + rng.integers(0, card // 4, n)) % card
    if kind == "cmi":
        z = (y + rng.integers(0, 4, n)) % card
        return x.astype(dtype), y.astype(dtype), z.astype(dtype)
    return x.astype(dtype), y.astype(dtype)


CASES: list[tuple[str, str, Callable[..., float], Callable[..., float], str]] = []
for _dtype in ("int32", "uint8", "uint16", "int64"):
    CASES += [
        ("entropy", _dtype, fastinfo.entropy, numpy_entropy(256), "entropy, 256 values (Zipf)"),
        ("mi", _dtype, fastinfo.mutual_information, numpy_mi(64), "MI, 64 x 64"),
    ]
CASES += [
    ("ce", "int32", fastinfo.conditional_entropy, numpy_conditional_entropy(64), "H(X|Y), 64 x 64"),
    ("cmi", "int32", fastinfo.conditional_mutual_information, numpy_cmi(16), "CMI, 16^3"),
]


def median_time(fn: Callable[..., float], args: tuple[np.ndarray, ...], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=float, default=1e7)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", help="run only cases whose kind starts with this")
    args = parser.parse_args()
    n = int(1e6 if args.quick else args.n)
    repeats = 3 if args.quick else args.repeats
    rng = np.random.default_rng(20261204)
    print(f"n = {n:,}, median of {repeats}; load average {os.getloadavg()}")
    header = f"{'case':30} {'dtype':7} {'numpy':>9} {'fi 1 thr':>9} {'fi 2 thr':>9}"
    print(header + f" {'ratio 2 thr':>11} {'ratio 1 thr':>11} {'G/s 2 thr':>9}")
    for kind, dtype, fast, slow, title in CASES:
        if args.only and not kind.startswith(args.only):
            continue
        data = inputs(kind, dtype, n, rng)
        expected = slow(*data)
        got = fast(*data)
        if not math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
            raise SystemExit(f"{title} {dtype}: fastinfo {got!r} != numpy {expected!r}")
        times: dict[str, list[float]] = {"numpy": [], "1": [], "2": []}
        for _ in range(3):  # interleave rounds so a burst of load hits every contender
            times["numpy"].append(median_time(slow, data, max(1, repeats // 3)))
            for threads in ("1", "2"):
                fastinfo.set_num_threads(int(threads))
                times[threads].append(median_time(fast, data, repeats))
        fastinfo.set_num_threads(2)
        t = {k: min(v) for k, v in times.items()}
        print(
            f"{title:30} {dtype:7} {t['numpy'] * 1e3:7.2f}ms {t['1'] * 1e3:7.2f}ms "
            f"{t['2'] * 1e3:7.2f}ms {t['numpy'] / t['2']:10.2f}x {t['numpy'] / t['1']:10.2f}x "
            f"{n / t['2'] / 1e9:9.2f}"
        )
    print(f"load average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
