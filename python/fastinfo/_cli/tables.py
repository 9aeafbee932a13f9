"""The commands on the columns of a table: ``profile``, ``mi`` and ``entropy``."""

from __future__ import annotations

import argparse
import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

import fastinfo
from fastinfo._batches import prefetched

from . import accumulate, output
from .common import column_info, emit, float_values, open_source, scale_of, unit_name
from .errors import UsageError
from .progress import Progress
from .source import Binning, Column, Source, float_without_bins, labels, rule_count


def _prepare(source: Source, columns: list[Column], args: argparse.Namespace) -> None:
    """Check the columns' kinds and fix the bins of float columns (a first pass if needed)."""
    for c in columns:
        if c.kind == "other":
            raise UsageError(
                f"column {c.name!r} has type {c.type}, which fastinfo cannot count; leave it "
                "out with --columns"
            )
    floats = [c for c in columns if c.kind == "float"]
    if not floats:
        return
    if args.bins is None:
        raise float_without_bins(floats[0])
    ranges: dict[str | None, tuple[float, float]] = {}
    for name, low, high in args.range:
        if name is not None:
            source.column(name)
        ranges[name] = (low, high)
    scanned: dict[str, tuple[float, float, int]] = {}
    need = [c for c in floats if c.name not in ranges and None not in ranges]
    if need or isinstance(args.bins, str):
        scanned = _scan(source, floats if isinstance(args.bins, str) else need, args.quiet)
    for c in floats:
        low, high = ranges.get(c.name, ranges.get(None, scanned.get(c.name, (0.0, 0.0, 0))[:2]))
        valid = scanned[c.name][2] if c.name in scanned else (source.num_rows or 0)
        count = args.bins if isinstance(args.bins, int) else rule_count(args.bins, valid)
        c.binning = Binning(int(count), float(low), float(high))


def _scan(
    source: Source, columns: list[Column], quiet: bool
) -> dict[str, tuple[float, float, int]]:
    """Min, max and number of non-missing values of float columns, in one pass."""
    low = {c.name: math.inf for c in columns}
    high = {c.name: -math.inf for c in columns}
    valid = dict.fromkeys(low, 0)
    total, unit = source.progress_total()
    batches = prefetched(source.raw_batches([c.name for c in columns]))
    with Progress("ranges", total, unit, quiet=quiet) as bar, contextlib.closing(batches):
        for arrays, _, done in batches:  # read ahead in a thread, as in _read
            for c in columns:
                values = np.asarray(float_values(arrays[c.name]))
                finite = values[np.isfinite(values)]
                if finite.size:
                    low[c.name] = min(low[c.name], float(finite.min()))
                    high[c.name] = max(high[c.name], float(finite.max()))
                    valid[c.name] += int(finite.size)
            bar.update(done)
    return {
        name: (low[name], high[name], valid[name]) if valid[name] else (0.0, 0.0, 0) for name in low
    }


def _read(
    source: Source,
    columns: list[Column],
    quiet: bool,
    consume: Callable[[list[Any]], None],
) -> int:
    """One pass over ``columns``: their labels, batch by batch, to ``consume``; rows read."""
    total, unit = source.progress_total()
    rows = 0

    def decoded() -> Iterator[tuple[list[Any], int, int]]:
        for arrays, n, done in source.raw_batches([c.name for c in columns]):
            yield [labels(c, arrays[c.name]) for c in columns], n, done

    batches = prefetched(decoded())
    with Progress("reading", total, unit, quiet=quiet) as bar, contextlib.closing(batches):
        # Reading and decoding the next batch (pyarrow, in a thread) overlaps the counting of
        # this one: both release the GIL. On an error, closing stops the reader at once.
        for batch, n, done in batches:
            consume(batch)
            rows += n
            bar.update(done)
    if rows == 0:
        raise UsageError(f"{source.path}: the file has no rows")
    return rows


def profile(args: argparse.Namespace) -> None:
    """``fastinfo profile``."""
    accumulate.check_estimator(args.estimator)
    source = open_source(args, args.file)
    target = source.column(args.target) if args.target is not None else None
    names = args.columns or [n for n in source.names if n != args.target]
    if args.target is not None and args.target in names:
        raise UsageError(f"--target {args.target!r} is also one of the --columns")
    if not names:
        raise UsageError(f"{source.path}: no columns to profile besides the target")
    columns = source.select(names)
    every = columns + ([target] if target is not None else [])
    _prepare(source, every, args)
    d = len(columns)
    counts = accumulate.table_counts(d, pairs=not args.no_matrix, target=target is not None)

    def consume(batch: list[Any]) -> None:
        counts.update(batch[:d], batch[d] if target is not None else None)

    rows = _read(source, every, args.quiet, consume)
    scale, unit = scale_of(args.base), unit_name(args.base)
    entropies = counts.entropies(args.estimator)
    distinct = [counts.distinct(v) for v in range(len(every))]
    if target is not None and distinct[d] < 2:
        raise UsageError(
            f"the target {target.name!r} has a single value in {rows:,} rows: its information "
            "with any column is 0; choose another target"
        )
    infos = [column_info(c, distinct[j], entropies[j] / scale) for j, c in enumerate(columns)]
    average = args.normalized or "arithmetic"
    ranking: list[dict[str, Any]] = []
    if target is not None:
        scores = counts.with_target(args.estimator)
        nmi = [
            accumulate.normalized(
                scores[j], entropies[j], entropies[d], distinct[j] == distinct[d] == 1, average
            )
            for j in range(d)
        ]
        order = sorted(range(d), key=lambda j: (-scores[j], j))[: args.top]
        ranking = [
            {
                "rank": r + 1,
                "column": columns[j].name,
                "mutual_information": scores[j] / scale,
                "normalized_mutual_information": nmi[j],
            }
            for r, j in enumerate(order)
        ]
    matrix = None
    quantity = "normalized_mutual_information" if args.normalized else "mutual_information"
    if not args.no_matrix:
        values = counts.matrix(args.estimator)
        if args.normalized:
            values = _normalized_matrix(values, distinct[:d], args.normalized)
        else:
            values = values / scale
        matrix = values
    result = {
        "command": "profile",
        "file": args.file,
        "rows": rows,
        "unit": unit,
        "base": args.base,
        "estimator": args.estimator,
        "counts": accumulate.backend(),
        "columns": infos,
        "target": None
        if target is None
        else column_info(target, distinct[d], entropies[d] / scale),
        "ranking": ranking,
        "nmi_average": average,
        "matrix": None
        if matrix is None
        else {
            "quantity": quantity,
            "columns": [c.name for c in columns],
            "values": matrix.tolist(),
        },
    }
    report = _profile_report(result, unit, average)
    images: dict[str, bytes] = {}
    if args.plot is not None or args.html is not None:
        matrix_unit = f"NMI ({args.normalized})" if args.normalized else unit
        images = output.figures(
            matrix,
            [c.name for c in columns],
            matrix_unit,
            None
            if target is None
            else (
                [r["mutual_information"] for r in ranking],
                [r["column"] for r in ranking],
                unit,
                target.name,
            ),
            args.top,
        )
    if args.plot is not None:
        output.write_plots(args.plot, images)
    if args.html is not None:
        output.write_html(args.html, report, images)
    emit(args, result, report)


def _normalized_matrix(values: Any, distinct: list[int], average: str) -> Any:
    d = values.shape[0]
    h = np.diag(values).copy()
    out = np.ones_like(values)
    for i in range(d):
        for j in range(d):
            if i != j:
                constant = distinct[i] == distinct[j] == 1
                out[i, j] = accumulate.normalized(values[i, j], h[i], h[j], constant, average)
    return out


def _profile_report(result: dict[str, Any], unit: str, average: str) -> output.Report:
    report = output.Report(f"fastinfo profile: {result['file']}")
    report.notes.append(
        f"{result['rows']:,} rows, {len(result['columns'])} column(s); entropies and "
        f"informations in {unit} ({result['estimator']} estimator)"
    )
    by_name = {r["column"]: r for r in result["ranking"]}
    target = result["target"]
    headers = ["column", "type", "distinct", "missing", f"entropy ({unit})", "bins"]
    if target is not None:
        headers += [f"I(column; {target['name']})", f"NMI ({average})"]
        report.notes.append(
            f"target {target['name']!r}: {target['distinct']:,} values, entropy "
            f"{target['entropy']:.6g} {unit}"
        )
    rows = []
    for info in result["columns"]:
        bins = info["bins"]
        row: list[Any] = [
            info["name"],
            info["type"],
            info["distinct"],
            info["missing"],
            info["entropy"],
            "" if bins is None else f"{bins['count']} in [{bins['low']:.6g}, {bins['high']:.6g}]",
        ]
        if target is not None:
            ranked = by_name.get(info["name"])
            row += [
                None if ranked is None else ranked["mutual_information"],
                None if ranked is None else ranked["normalized_mutual_information"],
            ]
        rows.append(row)
    report.tables.append(("Columns", headers, rows))
    if result["ranking"]:
        report.tables.append(
            (
                f"Information about {target['name']!r}, ranked",
                ["rank", "column", f"I ({unit})", f"NMI ({average})"],
                [
                    [
                        r["rank"],
                        r["column"],
                        r["mutual_information"],
                        r["normalized_mutual_information"],
                    ]
                    for r in result["ranking"]
                ],
            )
        )
    matrix = result["matrix"]
    if matrix is not None:
        what = (
            f"Normalised mutual information ({average})"
            if matrix["quantity"] != "mutual_information"
            else f"Mutual information ({unit}; entropies on the diagonal)"
        )
        names = matrix["columns"]
        if len(names) <= 12:
            report.tables.append(
                (what, ["", *names], [[n, *row] for n, row in zip(names, matrix["values"])])
            )
        else:
            report.notes.append(f"{what}: {len(names)} x {len(names)}, see --json, --plot, --html")
    return report


def mutual_information(args: argparse.Namespace) -> None:
    """``fastinfo mi``."""
    accumulate.check_estimator(args.estimator)
    source = open_source(args, args.file)
    names = [args.x, args.y] + ([args.given] if args.given is not None else [])
    if len(set(names)) != len(names):
        raise UsageError("--x, --y and --given must name different columns")
    columns = [source.column(n) for n in names]
    _prepare(source, columns, args)
    joint = accumulate.joint(len(columns))
    rows = _read(source, columns, args.quiet, lambda batch: joint.update(*batch))
    scale, unit = scale_of(args.base), unit_name(args.base)
    given = 2 if args.given is not None else None
    value = joint.mutual_information(0, 1, given, estimator=args.estimator) / scale
    p_value = None
    if args.permutations is not None:
        p_value = _p_value(joint, args)
    result = {
        "command": "mi",
        "file": args.file,
        "rows": rows,
        "x": args.x,
        "y": args.y,
        "given": args.given,
        "unit": unit,
        "base": args.base,
        "estimator": args.estimator,
        "counts": accumulate.backend(),
        "mutual_information": value,
        "permutations": args.permutations,
        "seed": args.seed,
        "p_value": p_value,
    }
    what = f"I({args.x}; {args.y}" + (f" | {args.given})" if args.given else ")")
    report = output.Report(f"fastinfo mi: {args.file}")
    report.notes.append(f"{rows:,} rows; {unit}, {args.estimator} estimator")
    tested = p_value is not None
    headers = ["quantity", f"value ({unit})"] + (["permutations", "p-value"] if tested else [])
    row: list[Any] = [what, value] + ([args.permutations, p_value] if tested else [])
    report.tables.append(("Mutual information", headers, [row]))
    emit(args, result, report)


def _p_value(joint: Any, args: argparse.Namespace) -> float:
    """The permutation test's p-value, from samples rebuilt from the joint counts.

    The statistic and its null distribution under permutations depend only on the contingency
    table, so the rebuilt samples (sorted by cell) give the test of the original rows.
    """
    k = joint.k
    cells, counts = joint.table(list(range(k)))
    n = int(counts.sum())
    fastinfo._inputs.check_memory(
        4 * k * n, f"{n:,} rebuilt samples for the permutation test", "use --permutations less"
    )
    variables = [np.repeat(cells[:, v].astype(np.int32), counts) for v in range(k)]
    result = fastinfo.permutation_test(
        variables[0],
        variables[1],
        given=variables[2] if k == 3 else None,
        n_permutations=args.permutations,
        seed=args.seed,
        estimator=args.estimator,
    )
    return float(result.pvalue)


def entropy(args: argparse.Namespace) -> None:
    """``fastinfo entropy``."""
    accumulate.check_estimator(args.estimator)
    source = open_source(args, args.file)
    columns = source.select(args.columns)
    _prepare(source, columns, args)
    joint = accumulate.joint(len(columns))
    rows = _read(source, columns, args.quiet, lambda batch: joint.update(*batch))
    scale, unit = scale_of(args.base), unit_name(args.base)
    infos = [
        column_info(c, joint.distinct(j), joint.entropy(j, estimator=args.estimator) / scale)
        for j, c in enumerate(columns)
    ]
    total = joint.entropy(*range(len(columns)), estimator=args.estimator) / scale
    result = {
        "command": "entropy",
        "file": args.file,
        "rows": rows,
        "unit": unit,
        "base": args.base,
        "estimator": args.estimator,
        "counts": accumulate.backend(),
        "columns": infos,
        "joint_entropy": total,
    }
    report = output.Report(f"fastinfo entropy: {args.file}")
    report.notes.append(f"{rows:,} rows; {unit}, {args.estimator} estimator")
    table = [[i["name"], i["type"], i["distinct"], i["missing"], i["entropy"]] for i in infos]
    table.append([f"({', '.join(c.name for c in columns)})", "joint", None, None, total])
    report.tables.append(
        ("Entropy", ["column", "type", "distinct", "missing", f"entropy ({unit})"], table)
    )
    emit(args, result, report)
