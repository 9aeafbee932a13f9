"""Helpers of every data command: units, opening files, reading ahead, the output choice."""

from __future__ import annotations

import argparse
import math
import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

import numpy as np

from . import output
from .errors import UsageError
from .source import Column, Source

T = TypeVar("T")


def require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise UsageError(f"this command needs {module}: pip install 'fastinfo[cli]'") from None


def unit_name(base: float | None) -> str:
    if base is None or base == math.e:
        return "nats"
    if base == 2:
        return "bits"
    if base == 10:
        return "hartleys"
    return f"log base {base:g}"


def scale_of(base: float | None) -> float:
    return 1.0 if base is None else math.log(base)


def open_source(args: argparse.Namespace, path: str) -> Source:
    if not path.lower().endswith(".npy"):
        require("pyarrow")
    return Source(path, args.batch_rows)


def float_values(array: Any) -> Any:
    if isinstance(array, np.ndarray):
        return array.astype(np.float64, copy=False)
    return array.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def column_info(c: Column, distinct: int, entropy: float) -> dict[str, Any]:
    bins = c.binning
    return {
        "name": c.name,
        "type": c.type,
        "kind": c.kind,
        "distinct": distinct,
        "missing": c.missing,
        "entropy": entropy,
        "bins": None
        if bins is None
        else {"count": bins.count, "low": bins.low, "high": bins.high, "clipped": bins.clipped},
    }


def emit(args: argparse.Namespace, result: dict[str, Any], report: output.Report) -> None:
    if args.json:
        output.print_json(result)
    elif args.csv:
        output.print_csv(report)
    else:
        output.print_report(report)


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of ``items``, produced up to ``depth`` ahead by a background thread.

    An exception of the producer is raised here, in order; when the consumer stops (an error,
    Ctrl-C), the producer stops at its next item.
    """
    slots: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple[str, Any]) -> bool:
        while not stop.is_set():
            try:
                slots.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the consumer
            put(("error", exc))

    worker = threading.Thread(target=produce, name="fastinfo-read", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = slots.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
