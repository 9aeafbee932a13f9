"""Time fastinfo against the best numpy / pandas routes and scikit-learn, side by side.

Run from the repository root after installing the extension (release build) and the ``bench``
extra::

    python benches/bench.py                 # n = 10 million, every case, a few minutes
    python benches/bench.py --quick         # smoke run: n = 1 million, 1 repeat, no sklearn
    python benches/bench.py --json out.json # also save the results

Every contender computes the same number as fastinfo (checked to 1e-9 relative before it is
timed). Times are the median of ``--repeats`` calls after one untimed checking call; slow
contenders (scikit-learn, ``--reference``) are timed on the checking call itself plus
``--slow-repeats - 1`` more. The timed calls are interleaved across contenders. Extra memory is
measured in a fresh spawned process per contender: its peak resident set size during the call
minus its resident set size just before it (inputs loaded, imports and a tiny warm-up call done).
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import scipy
import sklearn
from sklearn.metrics import mutual_info_score

import fastinfo
import fastinfo.reference

try:
    import resource
except ImportError:  # Windows: no getrusage, so no peak-memory column
    resource = None  # type: ignore[assignment]

TARGET_N = 10_000_000
RELATIVE_TOLERANCE = 1e-9
SEED = 20240607
# numpy >= 2.3 can skip the sort in np.unique (hash-based) when the order does not matter.
UNIQUE_HAS_SORTED = "sorted" in inspect.signature(np.unique).parameters

Arrays = tuple[np.ndarray, ...]


# ---------------------------------------------------------------------------------------------
# The numpy / pandas routes, each written as the best honest version of itself.
# ---------------------------------------------------------------------------------------------


def entropy_from_counts(counts: np.ndarray) -> float:
    """Plug-in entropy in nats, ``log n - sum c log c / n`` over the non-empty cells."""
    c = counts[counts > 0].astype(np.float64)
    n = c.sum()
    return float(math.log(n) - np.dot(c, np.log(c)) / n)


def mi_from_joint_counts(joint: np.ndarray, kx: int, ky: int) -> float:
    """MI in nats from a flattened ``kx * ky`` joint count table (row-major, x major).

    ``sum_{xy} (c_xy / n) log(c_xy n / (c_x c_y))`` over the non-empty cells only.
    """
    table = joint.reshape(kx, ky)
    cx = table.sum(axis=1).astype(np.float64)
    cy = table.sum(axis=0).astype(np.float64)
    cells = np.flatnonzero(joint)
    i, j = np.divmod(cells, ky)
    c = joint[cells].astype(np.float64)
    n = c.sum()
    return float(np.dot(c, np.log(c * n / (cx[i] * cy[j]))) / n)


def mi_from_codes(cx: np.ndarray, kx: int, cy: np.ndarray, ky: int) -> float:
    """MI from dense codes ``0 <= cx < kx`` and ``0 <= cy < ky`` (one bincount of the pairs)."""
    pairs = cx.astype(np.intp, copy=True)
    pairs *= ky
    pairs += cy
    return mi_from_joint_counts(np.bincount(pairs, minlength=kx * ky), kx, ky)


def numpy_entropy(x: np.ndarray) -> float:
    """``np.bincount`` + entropy (the 256-value alphabet is known in advance)."""
    return entropy_from_counts(np.bincount(x, minlength=256))


def numpy_mi_dense(x: np.ndarray, y: np.ndarray) -> float:
    """``np.bincount(x * 64 + y)`` + MI (the 64-value alphabets are known in advance)."""
    pairs = x * 64
    pairs += y
    return mi_from_joint_counts(np.bincount(pairs, minlength=64 * 64), 64, 64)


def _unique_codes(x: np.ndarray) -> tuple[np.ndarray, int]:
    if UNIQUE_HAS_SORTED:
        values, codes = np.unique(x, return_inverse=True, sorted=False)
    else:
        values, codes = np.unique(x, return_inverse=True)
    return codes.reshape(-1), int(values.shape[0])


def numpy_unique_mi(x: np.ndarray, y: np.ndarray) -> float:
    """``np.unique(..., return_inverse=True)`` on each variable, then bincount + MI."""
    cx, kx = _unique_codes(x)
    cy, ky = _unique_codes(y)
    return mi_from_codes(cx, kx, cy, ky)


def pandas_factorize_mi(x: np.ndarray, y: np.ndarray) -> float:
    """``pandas.factorize`` (a hash table, no sort) on each variable, then bincount + MI."""
    cx, ux = pd.factorize(x)
    cy, uy = pd.factorize(y)
    return mi_from_codes(cx, len(ux), cy, len(uy))


def sklearn_mi(x: np.ndarray, y: np.ndarray) -> float:
    """``sklearn.metrics.mutual_info_score`` (nats)."""
    return float(mutual_info_score(x, y))


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def entropy_inputs(rng: np.random.Generator, n: int) -> Arrays:
    return (rng.integers(0, 256, n, dtype=np.int32),)


def dense_mi_inputs(rng: np.random.Generator, n: int) -> Arrays:
    x = rng.integers(0, 64, n, dtype=np.int32)
    y = x + rng.integers(0, 16, n, dtype=np.int32)
    y %= 64
    return x, y


def sparse_mi_inputs(rng: np.random.Generator, n: int) -> Arrays:
    # 1000 distinct int64 labels per variable, spread over [0, 2**40): no dense table fits.
    x_values = rng.choice(2**40, size=1000, replace=False).astype(np.int64)
    y_values = rng.choice(2**40, size=1000, replace=False).astype(np.int64)
    ix = rng.integers(0, 1000, n)
    iy = ix + rng.integers(0, 30, n)
    iy %= 1000
    return x_values[ix], y_values[iy]


@dataclass(frozen=True)
class Contender:
    label: str
    function: Callable[..., float]
    target: float | None = None  # required ratio (contender time / fastinfo time)
    slow: bool = False  # timed on fewer calls (see --slow-repeats)


@dataclass(frozen=True)
class Case:
    key: str
    title: str
    make_inputs: Callable[[np.random.Generator, int], Arrays]
    contenders: list[Contender] = field(default_factory=list)


def build_cases(*, sklearn_too: bool, reference_too: bool) -> list[Case]:
    reference = fastinfo.reference
    sklearn_label = "sklearn.metrics.mutual_info_score"
    unique_label = "np.unique(return_inverse{}) + bincount + MI".format(
        ", sorted=False" if UNIQUE_HAS_SORTED else ""
    )
    cases = [
        Case(
            "entropy_int32_256",
            "entropy, int32 labels, 256 values",
            entropy_inputs,
            [
                Contender("fastinfo.entropy", fastinfo.entropy),
                Contender("np.bincount + entropy", numpy_entropy, target=4),
                Contender("fastinfo.reference.entropy", reference.entropy, slow=True),
            ],
        ),
        Case(
            "mi_int32_64x64",
            "mutual information, two int32 arrays, 64 x 64 values",
            dense_mi_inputs,
            [
                Contender("fastinfo.mutual_information", fastinfo.mutual_information),
                Contender("np.bincount(x*64+y) + MI", numpy_mi_dense, target=4),
                Contender(sklearn_label, sklearn_mi, target=100, slow=True),
                Contender(
                    "fastinfo.reference.mutual_information",
                    reference.mutual_information,
                    slow=True,
                ),
            ],
        ),
        Case(
            "mi_int64_sparse_1000",
            "mutual information, two int64 arrays, 1000 values each in [0, 2^40)",
            sparse_mi_inputs,
            [
                Contender("fastinfo.mutual_information", fastinfo.mutual_information),
                Contender(unique_label, numpy_unique_mi, target=10),
                Contender("pandas.factorize + bincount + MI", pandas_factorize_mi, target=3),
                Contender(sklearn_label, sklearn_mi, target=10, slow=True),
                Contender(
                    "fastinfo.reference.mutual_information",
                    reference.mutual_information,
                    slow=True,
                ),
            ],
        ),
    ]
    for case in cases:
        case.contenders[:] = [
            c
            for c in case.contenders
            if (sklearn_too or c.label != sklearn_label)
            and (reference_too or not c.label.startswith("fastinfo.reference"))
        ]
    return cases


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def agrees(value: float, expected: float) -> bool:
    return math.isclose(value, expected, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-15)


def timed_call(contender: Contender, inputs: Arrays) -> tuple[float, float]:
    """The value of one call and its wall time in seconds."""
    gc.collect()
    start = time.perf_counter()
    value = contender.function(*inputs)
    return float(value), time.perf_counter() - start


def time_case(
    case: Case, inputs: Arrays, repeats: int, slow_repeats: int
) -> list[tuple[float, list[float]]]:
    """Check every contender against fastinfo, then time them: ``(value, times)`` each.

    The timed calls are interleaved, one per contender per round, so a change in the machine's
    load during the run hits every contender alike instead of whichever ran at that moment.
    """
    values: list[float] = []
    times: list[list[float]] = []
    for contender in case.contenders:
        value, seconds = timed_call(contender, inputs)
        if values and not agrees(value, values[0]):
            raise AssertionError(
                f"{case.key}: {contender.label} gives {value!r} but fastinfo gives "
                f"{values[0]!r}; refusing to time a wrong implementation"
            )
        values.append(value)
        # A slow contender's checking call is one of its timed calls; a fast one's is a warm-up.
        times.append([seconds] if contender.slow else [])
    for _ in range(max(repeats, slow_repeats)):
        for contender, contender_times in zip(case.contenders, times):
            wanted = slow_repeats if contender.slow else repeats
            if len(contender_times) < wanted:
                contender_times.append(timed_call(contender, inputs)[1])
    return list(zip(values, times))


PROC_STATUS = Path("/proc/self/status")


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS (Linux >= 4.0: write 5 to /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_bytes() -> int:
    """This process's peak RSS.

    On Linux this is VmHWM of the current address space. ``ru_maxrss`` is not used there: a
    spawned child inherits in it the peak of the parent it was exec'ed from (inputs included).
    """
    if PROC_STATUS.exists():
        for line in PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def memory_child(case_key: str, label: str, paths: Sequence[str], threads: int | None) -> dict:
    """Run in a fresh spawned process: the extra peak RSS of one call on the saved inputs."""
    if threads is not None:
        fastinfo.set_num_threads(threads)
    cases = build_cases(sklearn_too=True, reference_too=True)
    case = next(c for c in cases if c.key == case_key)
    contender = next(c for c in case.contenders if c.label == label)
    inputs = tuple(np.load(p) for p in paths)
    # A tiny call first: lazy imports, the thread pool and first-use allocations are not counted.
    contender.function(*(a[:1000] for a in inputs))
    gc.collect()
    before = psutil.Process().memory_info().rss
    was_reset = _reset_peak_rss()
    peak_before = _peak_rss_bytes()
    value = contender.function(*inputs)
    peak_after = _peak_rss_bytes()
    return {
        "extra_bytes": max(peak_after - before, 0),
        # Without a reset, a call that never raised the old peak is only bounded by it.
        "upper_bound_only": not was_reset and peak_after <= peak_before,
        "value": float(value),
    }


def measure_memory(
    case: Case, contender: Contender, paths: Sequence[str], threads: int | None
) -> dict:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1, maxtasksperchild=1) as pool:
        return pool.apply(memory_child, (case.key, contender.label, list(paths), threads))


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    cpu = platform.processor() or ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "physical_cpus": psutil.cpu_count(logical=False),
        "usable_cpus": affinity,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "pandas": pd.__version__,
        "psutil": psutil.__version__,
        "fastinfo": fastinfo.__version__,
        "fastinfo_threads": fastinfo.get_num_threads(),
    }


def si(value: float) -> str:
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= factor:
            return f"{value / factor:.3g}{suffix}"
    return f"{value:.3g}"


def mib(result: dict) -> str:
    if result.get("extra_bytes") is None:
        return "-"
    text = f"{result['extra_bytes'] / 2**20:.1f}"
    return "<=" + text if result["upper_bound_only"] else text


COLUMNS = [
    ("contender", "<", 40),
    ("runs", ">", 4),
    ("median s", ">", 9),
    ("samples/s", ">", 9),
    ("extra MiB", ">", 9),
    ("ratio", ">", 7),
    ("target", ">", 7),
    ("result", "<", 6),
]


def row(values: Sequence[str]) -> str:
    return "  ".join(f"{v:{a}{w}}" for v, (_, a, w) in zip(values, COLUMNS)).rstrip()


def print_case(case: Case, n: int, results: list[dict]) -> None:
    value = results[0]["value"]
    print(f"\n{case.title}  (n = {n:,}; every contender = {value:.12g} nats +- 1e-9 rel)")
    print(row([name for name, _, _ in COLUMNS]))
    print(row(["-" * w for _, _, w in COLUMNS]))
    for r in results:
        target = "" if r["target"] is None else f">={r['target']:g}x"
        verdict = "" if r["target"] is None else ("PASS" if r["passed"] else "MISS")
        print(
            row(
                [
                    r["contender"],
                    str(len(r["times"])),
                    f"{r['median_s']:.4f}",
                    si(r["samples_per_s"]),
                    mib(r),
                    f"{r['ratio']:.1f}x",
                    target,
                    verdict,
                ]
            )
        )


# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------


def busy_warning(load: float) -> None:
    cpus = os.cpu_count() or 1
    if load > 0.5 * cpus:
        print(
            f"WARNING: the machine is busy (load {load:.1f} on {cpus} CPUs); timings are not "
            "trustworthy. Rerun on an idle machine."
        )


def parse_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = int(float(text))
    if value < 1000:
        raise argparse.ArgumentTypeError(f"n must be at least 1000, got {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=parse_count, help="samples per array (default 10_000_000)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: n = 1e6, 1 repeat, no sklearn"
    )
    parser.add_argument("--repeats", type=int, help="timed calls per fast contender (default 7)")
    parser.add_argument(
        "--slow-repeats", type=int, default=1, help="timed calls for sklearn / reference (1)"
    )
    parser.add_argument("--threads", type=int, help="fastinfo.set_num_threads (default: all)")
    parser.add_argument("--no-sklearn", action="store_true", help="skip sklearn")
    parser.add_argument(
        "--reference", action="store_true", help="also time fastinfo.reference (slow)"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the extra-memory runs")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--json", type=Path, metavar="PATH", help="save the results as JSON")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 if a target is missed"
    )
    args = parser.parse_args(argv)
    if args.n is None:
        args.n = 1_000_000 if args.quick else TARGET_N
    if args.repeats is None:
        args.repeats = 1 if args.quick else 7
    if args.repeats < 1 or args.slow_repeats < 1:
        parser.error("--repeats and --slow-repeats must be at least 1")
    if args.quick:
        args.no_sklearn = True
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads is not None:
        fastinfo.set_num_threads(args.threads)
    measure_mem = not args.no_memory and resource is not None
    machine = machine_info()

    print("fastinfo benchmark")
    print(
        f"machine: {machine['cpu']}; {machine['logical_cpus']} logical CPUs "
        f"({machine['usable_cpus']} usable, {machine['physical_cpus']} physical); "
        f"{machine['memory_gib']} GiB; {machine['platform']}"
    )
    print(
        f"versions: python {machine['python']}, numpy {machine['numpy']}, "
        f"scipy {machine['scipy']}, scikit-learn {machine['sklearn']}, "
        f"pandas {machine['pandas']}, fastinfo {machine['fastinfo']} "
        f"(fastinfo.get_num_threads() = {machine['fastinfo_threads']})"
    )
    print(
        f"timing: median of {args.repeats} call(s) after 1 untimed checking call; sklearn / "
        f"reference: {args.slow_repeats} call(s), the checking call included; calls interleaved "
        "across contenders. ratio = contender median / fastinfo median."
    )
    if measure_mem:
        print(
            "extra MiB: peak RSS during one call minus RSS just before it, in a fresh spawned "
            "process per contender (inputs loaded and warm-up done first)."
        )
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load_before is not None:
        print(f"load average before: {load_before[0]:.2f} (1 min)")
        busy_warning(load_before[0])
    if args.n != TARGET_N:
        print(f"note: the targets are stated for n = {TARGET_N:,}; this run uses n = {args.n:,}.")
    if args.no_sklearn:
        print("note: sklearn skipped" + (" (--quick)." if args.quick else "."))

    cases = build_cases(sklearn_too=not args.no_sklearn, reference_too=args.reference)
    width = max(len(c.label) for case in cases for c in case.contenders)
    COLUMNS[0] = ("contender", "<", width)
    rng = np.random.default_rng(args.seed)
    all_results: list[dict] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix="fastinfo-bench-") as tmp:
        for case in cases:
            inputs = case.make_inputs(rng, args.n)
            paths = []
            if measure_mem:
                for i, array in enumerate(inputs):
                    path = os.path.join(tmp, f"{case.key}-{i}.npy")
                    np.save(path, array)
                    paths.append(path)
            results: list[dict] = []
            timings = time_case(case, inputs, args.repeats, args.slow_repeats)
            for contender, (value, times) in zip(case.contenders, timings):
                median = statistics.median(times)
                result: dict[str, Any] = {
                    "case": case.key,
                    "contender": contender.label,
                    "value": value,
                    "times": times,
                    "median_s": median,
                    "best_s": min(times),
                    "samples_per_s": args.n / median,
                    "ratio": median / results[0]["median_s"] if results else 1.0,
                    "target": contender.target,
                    "passed": None,
                    "extra_bytes": None,
                    "upper_bound_only": None,
                }
                if contender.target is not None:
                    result["passed"] = result["ratio"] >= contender.target
                    ok = ok and result["passed"]
                if measure_mem:
                    memory = measure_memory(case, contender, paths, args.threads)
                    if not agrees(memory["value"], value):
                        raise AssertionError(f"{case.key}: {contender.label} changed its answer")
                    result["extra_bytes"] = memory["extra_bytes"]
                    result["upper_bound_only"] = memory["upper_bound_only"]
                results.append(result)
            print_case(case, args.n, results)
            all_results.extend(results)
            del inputs

    load_after = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load_after is not None:
        print(f"\nload average after: {load_after[0]:.2f} (1 min)")
        busy_warning(load_after[0])
    verdicts = [r["passed"] for r in all_results if r["passed"] is not None]
    print(f"\n{sum(verdicts)} of {len(verdicts)} targets met.")
    if args.json is not None:
        payload = {
            "n": args.n,
            "seed": args.seed,
            "repeats": args.repeats,
            "slow_repeats": args.slow_repeats,
            "machine": machine,
            "load_average_before": load_before,
            "load_average_after": load_after,
            "results": all_results,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"results saved to {args.json}")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
