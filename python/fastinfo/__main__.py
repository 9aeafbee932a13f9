"""``python -m fastinfo`` (or ``fastinfo demo``): estimates next to the known truth, timed.

The embedded default dataset is generated with a known ground truth: a chain of binary symmetric
channels X -> Y -> Z with n = 10 million samples, where X is a fair bit, Y flips X with probability
e1 and Z flips Y with probability e2. Then, in bits,

- H(X) = 1,  H(Y | X) = H_b(e1),
- I(X; Y) = 1 - H_b(e1),  I(Y; Z) = 1 - H_b(e2),
- I(X; Z) = 1 - H_b(e1 (1 - e2) + e2 (1 - e1)),  I(X; Z | Y) = 0,

and the data processing inequality I(X; Z) <= min(I(X; Y), I(Y; Z)) must hold.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

import fastinfo
from fastinfo import reference


def binary_entropy(p: float) -> float:
    """H_b(p) in bits."""
    if p in (0.0, 1.0):
        return 0.0
    return -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def channel_chain(
    n: int, e1: float, e2: float, seed: int
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Samples of X -> Y -> Z through two binary symmetric channels."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=n, dtype=np.uint8)
    y = x ^ (rng.random(n) < e1).astype(np.uint8)
    z = y ^ (rng.random(n) < e2).astype(np.uint8)
    return x, y, z


def timed(f: Callable[[], Any], repeat: int = 1) -> tuple[Any, float]:
    """Result of ``f()`` and the best wall time over ``repeat`` runs, in seconds."""
    best = math.inf
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = f()
        best = min(best, time.perf_counter() - start)
    return result, best


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns a process exit code (1 if an estimate is off or DPI fails)."""
    parser = argparse.ArgumentParser(prog="fastinfo", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="demo", choices=["demo"])
    parser.add_argument("--version", action="version", version=f"fastinfo {fastinfo.__version__}")
    parser.add_argument("--n", type=int, default=10_000_000, help="samples (default 10 million)")
    parser.add_argument("--e1", type=float, default=0.1, help="flip probability X -> Y")
    parser.add_argument("--e2", type=float, default=0.2, help="flip probability Y -> Z")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    n, e1, e2 = args.n, args.e1, args.e2

    print(f"fastinfo {fastinfo.__version__} demo, {fastinfo.get_num_threads()} threads")
    print(f"X -> Y -> Z: binary symmetric channels e1={e1}, e2={e2}, n={n:,} samples\n")
    (x, y, z), t_gen = timed(lambda: channel_chain(n, e1, e2, args.seed))
    print(f"generated in {t_gen:.2f} s\n")

    e13 = e1 * (1 - e2) + e2 * (1 - e1)
    rows: list[tuple[str, Callable[[], float], float]] = [
        ("H(X)", lambda: fastinfo.entropy(x, base=2), 1.0),
        ("H(Y | X)", lambda: fastinfo.conditional_entropy(y, x, base=2), binary_entropy(e1)),
        ("I(X; Y)", lambda: fastinfo.mutual_information(x, y, base=2), 1 - binary_entropy(e1)),
        ("I(Y; Z)", lambda: fastinfo.mutual_information(y, z, base=2), 1 - binary_entropy(e2)),
        ("I(X; Z)", lambda: fastinfo.mutual_information(x, z, base=2), 1 - binary_entropy(e13)),
        (
            "I(X; Z | Y)",
            lambda: fastinfo.conditional_mutual_information(x, z, y, base=2),
            0.0,
        ),
    ]
    # Sampling error of a plug-in estimate over n samples is of order 1/sqrt(n) bits.
    tolerance = 5 / math.sqrt(n)
    print(f"{'quantity':<13}{'estimate':>12}{'truth':>12}{'|error|':>11}{'time':>10}")
    estimates = {}
    ok = True
    for name, estimate, truth in rows:
        value, seconds = timed(estimate, repeat=3)
        estimates[name] = value
        error = abs(value - truth)
        ok &= error <= tolerance
        print(f"{name:<13}{value:>12.6f}{truth:>12.6f}{error:>11.2e}{seconds * 1e3:>8.1f} ms")
    print("(bits)\n")

    dpi = estimates["I(X; Z)"] <= min(estimates["I(X; Y)"], estimates["I(Y; Z)"])
    ok &= dpi
    print(
        "data processing inequality: I(X; Z) = {:.6f} <= min(I(X; Y), I(Y; Z)) = {:.6f}: {}".format(
            estimates["I(X; Z)"],
            min(estimates["I(X; Y)"], estimates["I(Y; Z)"]),
            "holds" if dpi else "VIOLATED",
        )
    )

    # The reference sorts (np.unique): time it on at most 2 million samples.
    m = min(n, 2_000_000)
    xs, ys = x[:m], y[:m]
    fast, t_fast = timed(lambda: fastinfo.mutual_information(xs, ys), repeat=3)
    slow, t_slow = timed(lambda: reference.mutual_information(xs, ys))
    agree = math.isclose(fast, slow, rel_tol=1e-12, abs_tol=1e-15)
    ok &= agree
    print(
        f"\nI(X; Y) over {m:,} samples: fastinfo {t_fast * 1e3:.1f} ms, numpy reference "
        f"{t_slow * 1e3:.0f} ms ({t_slow / t_fast:.0f}x faster), values agree: {agree}"
    )
    _, t_full = timed(lambda: fastinfo.mutual_information(x, y), repeat=3)
    print(f"fastinfo throughput over all {n:,} samples: {n / t_full / 1e6:.0f} M samples/s\n")
    print("all estimates within 5/sqrt(n) of the truth" if ok else "SOMETHING IS OFF (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
