"""``fastinfo pairwise``: divergences between the rows of distribution files, block by block."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

import fastinfo

from . import output
from .common import emit, float_values, open_source, unit_name
from .errors import UsageError
from .progress import Progress
from .source import Column, Source


def _rows(args: argparse.Namespace, path: str) -> tuple[Source, list[Column]]:
    source = open_source(args, path)
    columns = source.select(args.columns)
    for c in columns:
        if c.kind not in ("int", "float", "bool"):
            raise UsageError(
                f"{path}: column {c.name!r} has type {c.type}; pairwise needs numeric columns "
                "(one distribution per row); choose them with --columns"
            )
    return source, columns


def _blocks(source: Source, columns: list[Column]) -> Any:
    """Blocks of rows of ``source`` as float64 matrices, with the progress done."""
    for arrays, _, done in source.raw_batches([c.name for c in columns]):
        block = np.column_stack([float_values(arrays[c.name]) for c in columns])
        yield block, done


def _load(source: Source, columns: list[Column]) -> Any:
    rows = source.num_rows
    if rows is not None:
        fastinfo._inputs.check_memory(
            8 * rows * len(columns),
            f"Q, {rows:,} x {len(columns)} float64, held in memory",
            "use a smaller Q_FILE",
        )
    parts = [block for block, _ in _blocks(source, columns)]
    if not parts:
        raise UsageError(f"{source.path}: the file has no rows")
    return np.concatenate(parts)


def pairwise(args: argparse.Namespace) -> None:
    """``fastinfo pairwise``."""
    out = args.out
    lower = out.lower()
    fmt = next((f for f in ("npy", "npz", "parquet", "csv") if lower.endswith("." + f)), None)
    if fmt is None:
        raise UsageError(f"--out {out}: expected a .npy, .npz, .parquet or .csv file")
    if args.nearest is None and fmt != "npy":
        raise UsageError(f"--out {out}: the full matrix is written as .npy")
    if args.nearest is not None and fmt == "npy":
        raise UsageError(f"--out {out}: --nearest writes .npz, .parquet or .csv")
    p_source, p_columns = _rows(args, args.p_file)
    q_source, q_columns = _rows(args, args.q_file) if args.q_file else (p_source, p_columns)
    if len(q_columns) != len(p_columns):
        raise UsageError(
            f"P has {len(p_columns)} columns but Q has {len(q_columns)}: rows must have the "
            "same length"
        )
    Q = _load(q_source, q_columns)
    m, dimension = Q.shape
    if args.nearest is not None and args.nearest > m:
        raise UsageError(f"--nearest {args.nearest}: Q has only {m} rows")
    normalize = not args.no_normalize
    total, unit = p_source.progress_total()
    n = 0
    if args.nearest is None:
        n_rows = p_source.num_rows
        if n_rows is None:
            raise UsageError("the full matrix needs a P_FILE that states its row count (not CSV)")
        with output.atomic_name(out, ".npy") as temporary:
            matrix = np.lib.format.open_memmap(
                temporary, mode="w+", dtype=np.float64, shape=(n_rows, m)
            )
            with Progress("pairwise", total, unit, quiet=args.quiet) as bar:
                for block, done in _blocks(p_source, p_columns):
                    matrix[n : n + len(block)] = fastinfo.pmf.pairwise(
                        block, Q, metric=args.metric, base=args.base, normalize=normalize
                    )
                    n += len(block)
                    bar.update(done)
            matrix.flush()
            del matrix
    else:
        indices, values = [], []
        with Progress("nearest", total, unit, quiet=args.quiet) as bar:
            for block, done in _blocks(p_source, p_columns):
                idx, val = fastinfo.pmf.nearest(
                    block, Q, args.nearest, metric=args.metric, base=args.base, normalize=normalize
                )
                indices.append(idx)
                values.append(val)
                n += len(block)
                bar.update(done)
        _write_nearest(out, fmt, np.concatenate(indices), np.concatenate(values))
    if n == 0:
        raise UsageError(f"{args.p_file}: the file has no rows")
    result = {
        "command": "pairwise",
        "p_file": args.p_file,
        "q_file": args.q_file,
        "metric": args.metric,
        "unit": unit_name(args.base),
        "base": args.base,
        "rows_p": n,
        "rows_q": m,
        "dimension": dimension,
        "nearest": args.nearest,
        "out": out,
        "format": fmt,
    }
    report = output.Report(f"fastinfo pairwise: {args.p_file}")
    what = "the full matrix" if args.nearest is None else f"the {args.nearest} nearest rows"
    report.tables.append(
        (
            f"{args.metric}: {what} of Q for each row of P, written to {out}",
            ["P rows", "Q rows", "dimension", "output"],
            [[n, m, dimension, out]],
        )
    )
    emit(args, result, report)


def _write_nearest(out: str, fmt: str, indices: Any, values: Any) -> None:
    if fmt == "npz":
        with output.atomic(out) as f:
            np.savez(f, indices=indices, values=values)
        return
    n, k = indices.shape
    rows = np.repeat(np.arange(n, dtype=np.int64), k)
    ranks = np.tile(np.arange(1, k + 1, dtype=np.int64), n)
    if fmt == "csv":
        with output.atomic(out, "w") as f:
            f.write("row,rank,neighbour,value\n")
            for r, rank, j, v in zip(rows, ranks, indices.reshape(-1), values.reshape(-1)):
                f.write(f"{r},{rank},{j},{float(v)!r}\n")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {"row": rows, "rank": ranks, "neighbour": indices.reshape(-1), "value": values.reshape(-1)}
    )
    with output.atomic_name(out, ".parquet") as temporary:
        pq.write_table(table, temporary)
