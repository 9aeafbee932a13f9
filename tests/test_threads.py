"""Threads: bit-for-bit determinism across thread counts, GIL release, fork safety, env sizing."""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any, Callable

import numpy as np
import pytest

import fastinfo
import fastinfo.pmf

THREAD_COUNTS = [1, 2, 3]  # 3 > cores on a 2-core machine: a different partition again


def assert_identical(a: Any, b: Any, where: str) -> None:
    """Equal bit for bit: floats with ``==``, arrays element-wise with the same dtype and shape."""
    if isinstance(a, tuple):
        assert isinstance(b, tuple), where
        assert len(a) == len(b), where
        for i, (u, v) in enumerate(zip(a, b)):
            assert_identical(u, v, f"{where}[{i}]")
    elif hasattr(a, "toarray"):  # scipy sparse (coordinates are in a fixed order, compare them)
        assert a.shape == b.shape, where
        np.testing.assert_array_equal(a.coords, b.coords, err_msg=where)
        np.testing.assert_array_equal(a.data, b.data, err_msg=where)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        assert a.shape == b.shape, where
        assert np.array_equal(a, b), where  # exact, for floats too
    else:
        assert isinstance(a, float), where
        assert isinstance(b, float), where
        assert a == b, f"{where}: {a!r} != {b!r} ({a.hex()} vs {b.hex()})"


def _dense(n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(10)
    x = rng.integers(0, 8, n, dtype=np.int32)
    y = (x + rng.integers(0, 3, n, dtype=np.int32)) % 6  # dependent on x
    z = rng.integers(0, 4, n).astype(np.uint8)
    return x, y, z


def _wide(n: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(11)
    x = rng.integers(0, 2**40, n)
    y = np.where(rng.random(n) < 0.5, x, rng.integers(0, 2**40, n))
    z = rng.integers(0, 2**40, 50)[rng.integers(0, 50, n)]  # wide values, few distinct
    return x, y, z


def _wide_repeats(n: int) -> tuple[np.ndarray, ...]:
    """Wide-range int64 with repeats: the hashed path with many multi-sample cells."""
    rng = np.random.default_rng(12)
    x = rng.integers(-(2**40), 2**40, 3000)[rng.integers(0, 3000, n)]
    y = rng.integers(0, 2**40, 700)[rng.integers(0, 700, n)]
    z = rng.integers(0, 2**40, 40)[rng.integers(0, 40, n)]
    return x, y, z


def _mixed(n: int) -> tuple[np.ndarray, ...]:
    """A 2-D variable, a mid-size alphabet and a uint64 column holding extremes."""
    rng = np.random.default_rng(13)
    x = np.column_stack([rng.integers(0, 5, n), rng.integers(-3, 3, n)])
    y = rng.integers(0, 50_000, n)
    z = rng.choice(np.array([0, 2**63, 2**64 - 1], dtype=np.uint64), n)
    return x, y, z


# name: (make, n, thread counts); the wide data sets are slow, so they skip the third count.
DATASETS = {
    "dense-small-alphabet": (_dense, 1_000_003, [1, 2, 3]),
    "wide-int64": (_wide, 200_003, [1, 2]),
    "wide-int64-repeats": (_wide_repeats, 400_000, [1, 2]),
    "mixed-2d": (_mixed, 300_001, [1, 2, 3]),
}


def _results(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> dict[str, Any]:
    return {
        "entropy": fastinfo.entropy(x),
        "entropy-mm": fastinfo.entropy(y, estimator="miller_madow"),
        "joint_entropy": fastinfo.joint_entropy(x, y, z),
        "conditional_entropy": fastinfo.conditional_entropy(x, z),
        "mutual_information": fastinfo.mutual_information(x, y),
        "mutual_information-mm": fastinfo.mutual_information(x, y, estimator="miller_madow"),
        "conditional_mutual_information": fastinfo.conditional_mutual_information(x, y, z),
        "counts": fastinfo.counts(x),
        "contingency-sparse": fastinfo.contingency(x, z, sparse=True),
    }


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_identical_for_any_thread_count(restore_threads: int, dataset: str) -> None:
    make, n, counts = DATASETS[dataset]
    x, y, z = make(n)
    results = {}
    for threads in counts:
        fastinfo.set_num_threads(threads)
        assert fastinfo.get_num_threads() == threads
        results[threads] = _results(x, y, z)
        if dataset == "dense-small-alphabet":
            results[threads]["contingency-dense"] = fastinfo.contingency(x, y)
            results[threads]["counts-2d"] = fastinfo.counts(np.column_stack([x, y, z]))
    for threads in counts[1:]:
        for key, value in results[1].items():
            assert_identical(results[threads][key], value, f"{key} with {threads} threads")


def test_pmf_identical_for_any_thread_count(restore_threads: int) -> None:
    rng = np.random.default_rng(14)
    p = rng.random((20_000, 16))
    q = rng.random((20_000, 16))
    p[::7, 3] = 0.0
    results = {}
    for threads in THREAD_COUNTS:
        fastinfo.set_num_threads(threads)
        results[threads] = tuple(
            f(*args)
            for f, args in [
                (fastinfo.pmf.entropy, (p,)),
                (fastinfo.pmf.cross_entropy, (p, q)),
                (fastinfo.pmf.kl_divergence, (p, q)),
                (fastinfo.pmf.js_divergence, (p, q)),
            ]
        )
    for threads in THREAD_COUNTS[1:]:
        assert_identical(results[threads], results[1], f"pmf with {threads} threads")


def test_thread_count_restored_by_fixture(restore_threads: int) -> None:
    fastinfo.set_num_threads(1)
    assert fastinfo.get_num_threads() == 1


# ---------------------------------------------------------------------------------------------
# The GIL is released while fastinfo works


def _counter_progress(work: Callable[[], Any]) -> dict[str, Any]:
    """Run ``work()`` in a thread while this thread counts in pure Python.

    Returns the call's duration and result, the counter's rate during the call relative to its rate
    just before (about 0 if the call holds the GIL, a sizeable fraction if it releases it) and the
    longest time the counter was stuck inside the call.

    Python's cyclic garbage collector is paused while it runs: a full collection in a process that
    has run thousands of tests can hold the GIL for half a second, which is not the extension's
    doing (it made this probe flaky in the full suite).
    """
    gc.collect()
    gc.disable()
    try:
        return _count_during(work)
    finally:
        gc.enable()


def _count_during(work: Callable[[], Any]) -> dict[str, Any]:
    count, begin = 0, time.perf_counter()
    while time.perf_counter() - begin < 0.2:
        count += 1
    baseline = count / (time.perf_counter() - begin)

    started, finished = threading.Event(), threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            started.set()
            box["t0"] = time.perf_counter()
            box["result"] = work()
            box["t1"] = time.perf_counter()
        except BaseException as error:  # pragma: no cover - reported below
            box["error"] = error
        finally:
            finished.set()

    worker = threading.Thread(target=run, name="long-call")
    worker.start()
    started.wait()
    count = 0
    stalls: list[tuple[float, float]] = []
    last = time.perf_counter()
    while not finished.is_set():
        count += 1
        now = time.perf_counter()
        if now - last > 0.005:
            stalls.append((last, now))
        last = now
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert "error" not in box, box.get("error")
    duration = box["t1"] - box["t0"]
    inside = [
        min(end, box["t1"]) - max(begin, box["t0"])
        for begin, end in stalls
        if end > box["t0"] and begin < box["t1"]
    ]
    return {
        "duration": duration,
        "result": box["result"],
        "ratio": count / duration / baseline,
        "count": count,
        "longest_stall": max(inside, default=0.0),
    }


# A GIL-holding call runs the counter at < 1% of its free rate (CPython still switches every few
# ms); one that releases the GIL, at 30-60% on a 2-core machine. 5% leaves a wide margin both ways.
MIN_RATIO = 0.05


def test_gil_probe_detects_a_gil_holding_call() -> None:
    """The probe itself: catastrophic regex backtracking holds the GIL in C for ~0.5-1 s."""
    progress = _counter_progress(lambda: re.match(r"(a+)+$", "a" * 23 + "b"))
    assert progress["duration"] > 0.2
    assert progress["ratio"] < MIN_RATIO, progress


def test_gil_released_during_long_call(restore_threads: int) -> None:
    # One pool thread, so that on a 2-core machine the counter has a core of its own.
    fastinfo.set_num_threads(1)
    rng = np.random.default_rng(15)
    # Mid-size alphabets (y mostly distinct: counted by sorting), ~0.2 CPU-s per million samples.
    n = 3_000_000
    x = rng.integers(0, 3000, n)
    y = rng.integers(0, 100_000, n)
    assert fastinfo.mutual_information(x[:1000], y[:1000]) >= 0  # warm the pool up
    progress = _counter_progress(lambda: fastinfo.mutual_information(x, y))
    duration = progress["duration"]
    assert duration > 0.2, f"call too short ({duration:.3f} s) to tell whether the GIL is held"
    assert progress["ratio"] > MIN_RATIO, (
        f"the Python counter ran at {progress['ratio']:.1%} of its free rate during the call: "
        f"the GIL is held ({progress})"
    )
    assert progress["longest_stall"] < 0.5 * duration, progress
    assert 0.0 <= progress["result"] <= np.log(3000)


def test_gil_not_held_while_reading_many_columns(restore_threads: int) -> None:
    """A 2-D variable of many columns (views of one buffer) is read without a long GIL hold.

    rust-numpy's borrow registry made reading the d columns O(d²) with the GIL held: entropy of a
    (10, 30000) variable held it for 2-3 s in one stretch. Now the call's longest stall is a small
    share of its duration (the Python-side coercion still runs in Python, switching as usual).
    """
    fastinfo.set_num_threads(1)
    x = np.random.default_rng(3).integers(0, 3, (10, 30_000))
    assert fastinfo.entropy(x[:, :10], joint=True) >= 0  # warm the pool up
    progress = _counter_progress(lambda: fastinfo.entropy(x, joint=True))
    assert progress["longest_stall"] < 0.5 * progress["duration"], progress
    assert progress["result"] == pytest.approx(np.log(10))


def test_calls_from_several_python_threads_agree(restore_threads: int) -> None:
    """Concurrent calls from Python threads share the pool and all give the serial answer."""
    fastinfo.set_num_threads(2)
    x, y, z = _dense(300_000)
    expected = (
        fastinfo.mutual_information(x, y),
        fastinfo.conditional_mutual_information(x, y, z),
    )
    results: list[Any] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                results.append(
                    (
                        fastinfo.mutual_information(x, y),
                        fastinfo.conditional_mutual_information(x, y, z),
                    )
                )
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "concurrent calls deadlocked"
    assert not errors, errors
    assert results == [expected] * 12


# ---------------------------------------------------------------------------------------------
# fork: a child can use fastinfo after the parent's pool has run


def _child(conn: Any, x: np.ndarray, y: np.ndarray, first: str) -> None:
    try:
        if first == "set_num_threads":
            fastinfo.set_num_threads(1)
        threads = fastinfo.get_num_threads()
        conn.send(("ok", (fastinfo.mutual_information(x, y), fastinfo.entropy(x), threads)))
    except BaseException as error:
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def _run_forked(x: np.ndarray, y: np.ndarray, first: str) -> tuple[Any, ...]:
    ctx = multiprocessing.get_context("fork")
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(sender, x, y, first), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(30):
            pytest.fail(f"forked child ({first}) did not answer within 30 s: deadlock")
        status, payload = receiver.recv()
        child.join(timeout=30)
        assert not child.is_alive(), "forked child did not exit"
        assert child.exitcode == 0
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=5)
        receiver.close()
    assert status == "ok", payload
    return payload


@pytest.mark.parametrize("first", ["compute", "set_num_threads"])
def test_fork_after_pool_used(restore_threads: int, first: str) -> None:
    fastinfo.set_num_threads(2)
    x, y, _ = _wide_repeats(400_000)
    parent = (fastinfo.mutual_information(x, y), fastinfo.entropy(x))  # the pool has run
    mi, h, threads = _run_forked(x, y, first)
    assert (mi, h) == parent
    assert threads == (1 if first == "set_num_threads" else 2)
    # The parent's pool still works after the fork.
    assert (fastinfo.mutual_information(x, y), fastinfo.entropy(x)) == parent


def test_fork_while_another_thread_is_computing(restore_threads: int) -> None:
    fastinfo.set_num_threads(2)
    x, y, _ = _dense(2_000_000)
    parent = (fastinfo.mutual_information(x, y), fastinfo.entropy(x))
    stop = threading.Event()
    errors: list[BaseException] = []

    def busy() -> None:
        try:
            while not stop.is_set():
                fastinfo.mutual_information(x, y)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        time.sleep(0.05)
        for _ in range(3):
            mi, h, _threads = _run_forked(x, y, "compute")
            assert (mi, h) == parent
    finally:
        stop.set()
        worker.join(timeout=60)
    assert not worker.is_alive()
    assert not errors, errors


# ---------------------------------------------------------------------------------------------
# FASTINFO_NUM_THREADS in a fresh interpreter

PROBE = textwrap.dedent(
    """
    import fastinfo
    for call in (fastinfo.get_num_threads, lambda: fastinfo.entropy([0, 1, 1])):
        try:
            print("ok", call())
        except BaseException as error:
            print("error", type(error).__name__, error)
    """
)


def _probe(value: str) -> list[str]:
    env = dict(os.environ, FASTINFO_NUM_THREADS=value)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "PanicException" not in done.stdout + done.stderr
    return done.stdout.strip().splitlines()


def test_env_sets_thread_count() -> None:
    first, second = _probe("1")
    assert first == "ok 1"
    assert second.startswith("ok 0.63")


@pytest.mark.parametrize("value", ["zero", "0", "-1", "1.5"])
def test_env_invalid_value_is_a_clear_value_error(value: str) -> None:
    for line in _probe(value):
        assert line.startswith("error ValueError"), line
        assert "FASTINFO_NUM_THREADS" in line
        assert repr(value) in line or f'"{value}"' in line, line


def test_env_invalid_value_does_not_stop_set_num_threads() -> None:
    script = "import fastinfo; fastinfo.set_num_threads(2); print(fastinfo.get_num_threads())"
    env = dict(os.environ, FASTINFO_NUM_THREADS="zero")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "2"
