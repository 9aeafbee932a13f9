"""Pairwise divergence matrices: fastinfo against numpy and scipy, in one run (issue 3).

    python benches/bench_pairwise.py            # the issue's sizes (scipy's cdist takes ~15-40 s)
    python benches/bench_pairwise.py --quick    # smaller sizes, for a smoke run

Every contender is first checked to compute the same matrix as fastinfo (to 1e-10), then timed
(best of --repeat runs; numpy's and scipy's JS once). The KL contenders take turns over
--kl-rounds rounds: the table shows each one's best time and, in the note, the median over
rounds of the paired ratio, the figure least moved by a noisy machine. Prints time, ratio to
fastinfo, the issue's target, and the throughput: GFLOP/s for the matrix-product metrics next to
numpy's own matmul on the same shapes, logarithms per second for Jensen-Shannon.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
from scipy.spatial.distance import cdist

import fastinfo
import fastinfo.pmf as fp


def best_of(f: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - start)
    return out, best


def rounds(fs: list[Callable[[], Any]], repeat: int, pause: float = 0.2) -> list[list[float]]:
    """`repeat` rounds in which every function runs once, in turn (the order alternating from
    round to round): on a shared, noisy machine the contenders then see the same slow and fast
    phases, and a round's ratio compares like with like. Each run starts after `pause` seconds
    idle, so that neither OpenBLAS's nor rayon's spinning worker threads from the previous call
    compete with the next one. Outputs are dropped at once, as a loop over calls would. Returns
    each function's times."""
    times: list[list[float]] = [[] for _ in fs]
    for r in range(repeat):
        order = list(range(len(fs)))
        if r % 2:
            order.reverse()
        for i in order:
            time.sleep(pause)
            start = time.perf_counter()
            fs[i]()
            times[i].append(time.perf_counter() - start)
    return times


def median(values: list[float]) -> float:
    return float(np.median(values))


def random_rows(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    rows = rng.random((n, k)) + 1e-3  # all positive
    return rows / rows.sum(axis=1, keepdims=True)


def kl_numpy_gemm(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """numpy's best formulation: sum p log p minus P @ log(Q).T (OpenBLAS)."""
    return (P * np.log(P)).sum(axis=1)[:, None] - P @ np.log(Q).T


def kl_numpy_naive(P: np.ndarray, Q: np.ndarray, block: int = 16) -> np.ndarray:
    """Naive broadcasting in blocks of rows: p * log(p / q) over (block, m, k)."""
    out = np.empty((P.shape[0], Q.shape[0]))
    for i in range(0, P.shape[0], block):
        p = P[i : i + block, None, :]
        out[i : i + block] = (p * np.log(p / Q[None, :, :])).sum(axis=-1)
    return out


def js_numpy(P: np.ndarray, Q: np.ndarray, block: int = 32) -> np.ndarray:
    """The best numpy formulation: blocks of 1/2 (sum p log p + sum q log q) - sum m log m."""
    a = (P * np.log(P)).sum(axis=1)
    b = (Q * np.log(Q)).sum(axis=1)
    out = np.empty((P.shape[0], Q.shape[0]))
    for i in range(0, P.shape[0], block):
        m = 0.5 * (P[i : i + block, None, :] + Q[None, :, :])
        out[i : i + block] = 0.5 * (a[i : i + block, None] + b[None, :]) - (m * np.log(m)).sum(
            axis=-1
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--kl-rounds", type=int, default=21, help="paired rounds of the KL contenders"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n_kl, k_kl = (500, 1000) if args.quick else (2000, 1000)
    n_js, k_js = (500, 256) if args.quick else (2000, 256)

    print(
        f"fastinfo {fastinfo.__version__} ({fastinfo.get_num_threads()} threads), "
        f"numpy {np.__version__}, scipy {scipy.__version__}, {os.cpu_count()} CPUs, "
        f"{platform.processor() or platform.machine()}, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    rows: list[tuple[str, str, float, float, str]] = []

    # --- KL via the matrix product -----------------------------------------------------------
    P, Q = random_rows(rng, n_kl, k_kl), random_rows(rng, n_kl, k_kl)
    ours, theirs = fp.pairwise(P, Q, metric="kl"), kl_numpy_gemm(P, Q)
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    del theirs
    times = rounds(
        [lambda: fp.pairwise(P, Q, metric="kl"), lambda: kl_numpy_gemm(P, Q)], args.kl_rounds
    )
    t_ours, t_gemm = (min(t) for t in times)
    paired = median([b / a for a, b in zip(times[0], times[1], strict=True)])
    _, t_matmul = best_of(lambda: P @ Q.T, args.repeat)
    sub = slice(0, 64)
    assert np.allclose(kl_numpy_naive(P[sub], Q), ours[sub], rtol=1e-10, atol=1e-12)
    _, t_naive_part = best_of(lambda: kl_numpy_naive(P[sub], Q), 1)
    t_naive = t_naive_part * n_kl / 64
    flops = 2.0 * n_kl * n_kl * k_kl
    rows += [
        (
            f"KL {n_kl}x{n_kl}, k={k_kl}",
            "fastinfo",
            t_ours,
            1.0,
            f"{flops / t_ours / 1e9:.1f} GFLOP/s",
        ),
        (
            "",
            "numpy P@log(Q).T",
            t_gemm,
            t_gemm / t_ours,
            f"target >= 1x; median of {args.kl_rounds} paired rounds {paired:.2f}x",
        ),
        ("", "numpy naive blocks*", t_naive, t_naive / t_ours, "target >= 100x"),
        (
            "",
            "numpy matmul alone",
            t_matmul,
            t_matmul / t_ours,
            f"{flops / t_matmul / 1e9:.1f} GFLOP/s",
        ),
    ]
    for metric in ("cross_entropy", "jeffreys", "hellinger", "bhattacharyya"):
        _, t = best_of(lambda metric=metric: fp.pairwise(P, Q, metric=metric), args.repeat)
        gemms = 2 if metric == "jeffreys" else 1
        rows.append((f"{metric}", "fastinfo", t, 1.0, f"{gemms * flops / t / 1e9:.1f} GFLOP/s"))

    # --- Jensen-Shannon: one logarithm per pair and outcome -----------------------------------
    P, Q = random_rows(rng, n_js, k_js), random_rows(rng, n_js, k_js)
    ours, t_ours = best_of(lambda: fp.pairwise(P, Q, metric="js"), args.repeat)
    theirs, t_np = best_of(lambda: js_numpy(P, Q), 1)
    assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    scipy_js, t_scipy = best_of(lambda: cdist(P, Q, "jensenshannon") ** 2, 1)
    assert np.allclose(ours, scipy_js, rtol=1e-9, atol=1e-12)
    logs = float(n_js) * n_js * k_js
    rows += [
        (
            f"JS {n_js}x{n_js}, k={k_js}",
            "fastinfo",
            t_ours,
            1.0,
            f"{logs / t_ours / 1e9:.2f} G logs/s",
        ),
        ("", "numpy blocks", t_np, t_np / t_ours, "target >= 4x"),
        ("", "scipy cdist (squared)", t_scipy, t_scipy / t_ours, "target >= 30x"),
    ]
    _, t_tv = best_of(lambda: fp.pairwise(P, Q, metric="total_variation"), args.repeat)
    rows.append(("total_variation", "fastinfo", t_tv, 1.0, ""))

    print(f"\n{'case':<26}{'contender':<24}{'time':>10}{'ratio':>9}  note")
    for case, who, t, ratio, note in rows:
        print(f"{case:<26}{who:<24}{t:>9.3f}s{ratio:>8.1f}x  {note}")
    print("\n* extrapolated from the first 64 rows. ratio = contender time / fastinfo time.")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
