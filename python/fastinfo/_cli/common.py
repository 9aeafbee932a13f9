"""Helpers of every data command: units, opening files, the output choice."""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from . import output
from .errors import UsageError
from .source import Column, Source


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
