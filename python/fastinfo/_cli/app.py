"""Argument parsing, the four data commands, and the error and interrupt handling around them."""

from __future__ import annotations

import argparse
import math
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

import fastinfo

from . import accumulate, output
from .errors import UsageError
from .progress import Progress
from .source import (
    BIN_RULES,
    DEFAULT_BATCH_ROWS,
    Binning,
    Column,
    Source,
    float_without_bins,
    labels,
    rule_count,
)

T = TypeVar("T")

SCHEMA_PROFILE = """\
JSON output (--json), one object:
  command     "profile"
  file        the input path;  rows: number of rows read
  unit        "nats", "bits" or "log base B" (entropies and informations; NMI has no unit)
  base        the --base given, or null;  estimator: the --estimator
  counts      which streaming counts were used ("fallback" or "JointCounts")
  columns     [{name, type, kind, distinct, missing, entropy, bins}] in the order given;
              bins is null or {count, low, high, clipped} for a binned float column
  target      null, or {name, type, kind, distinct, missing, entropy, bins}
  ranking     [{rank, column, mutual_information, normalized_mutual_information}], largest
              information first, at most --top entries ([] without --target)
  nmi_average the average of the NMI in the ranking (--normalized, default "arithmetic")
  matrix      null (with --no-matrix), or {quantity, columns, values}: quantity is
              "mutual_information" (entropies on the diagonal) or
              "normalized_mutual_information" (with --normalized; 1 on the diagonal);
              values is a list of rows in the order of columns
Missing values (null, NaN) count as a value of their own; 'missing' says how many there are."""

SCHEMA_MI = """\
JSON output (--json), one object:
  command "mi"; file; rows; x; y; given (null or the column); unit; base; estimator; counts
  mutual_information   I(x; y), or I(x; y | given), in unit
  permutations         null, or the --permutations N;  seed: the seed used (or null)
  p_value              null, or the permutation test's p-value ((1 + #{null >= I}) / (N + 1))"""

SCHEMA_ENTROPY = """\
JSON output (--json), one object:
  command "entropy"; file; rows; unit; base; estimator; counts
  columns        [{name, type, kind, distinct, missing, entropy, bins}]
  joint_entropy  H of all the columns together, in unit"""

SCHEMA_PAIRWISE = """\
JSON output (--json), one object:
  command "pairwise"; p_file; q_file (null: P against itself); metric; unit; base
  rows_p, rows_q, dimension    the shapes of P (rows_p x dimension) and Q
  nearest   null, or K;  out: the output file;  format: "npy", "npz", "parquet" or "csv"
Output file: without --nearest, OUT.npy holds the rows_p x rows_q matrix (float64). With
--nearest K: OUT.npz holds 'indices' (int64) and 'values' (float64), both rows_p x K, nearest
first; OUT.parquet / OUT.csv hold one row per (row, rank): row, rank, neighbour, value."""


# ---------------------------------------------------------------------------------------------
# Parsing


def _columns(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not names or any(not name for name in names):
        raise argparse.ArgumentTypeError(f"expected comma-separated column names, got {text!r}")
    return names


def _base(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0 or value == 1:
        raise argparse.ArgumentTypeError(f"must be positive, finite and not 1, got {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _bins(text: str) -> int | str:
    if text in BIN_RULES:
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number of bins or a rule ({', '.join(BIN_RULES)}), got {text!r} "
            "(rules that need the whole column, such as fd, cannot be streamed)"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 bin, got {value}")
    return value


def _range(text: str) -> tuple[str | None, float, float]:
    name, _, span = text.rpartition("=") if "=" in text else (None, "", text)
    low, sep, high = span.partition(":")
    try:
        lo, hi = float(low), float(high)
    except ValueError:
        lo = hi = math.nan
    if not sep or not (math.isfinite(lo) and math.isfinite(hi)) or hi < lo:
        raise argparse.ArgumentTypeError(
            f"expected LOW:HIGH or NAME=LOW:HIGH with finite LOW <= HIGH, got {text!r}"
        )
    return (name or None), lo, hi


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line and exit code 2 (as for bad data)."""

    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``fastinfo profile | mi | entropy | pairwise``."""
    parser = _Parser(prog="fastinfo", description="Information theory on data files.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(p: argparse.ArgumentParser, *, binning: bool = True) -> None:
        shape = p.add_mutually_exclusive_group()
        shape.add_argument("--json", action="store_true", help="print JSON (schema below)")
        shape.add_argument("--csv", action="store_true", help="print the main table as CSV")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        p.add_argument("--base", type=_base, help="logarithm base (default: nats; 2 for bits)")
        p.add_argument(
            "--batch-rows",
            type=_positive,
            default=DEFAULT_BATCH_ROWS,
            metavar="N",
            help=f"rows read per batch (default {DEFAULT_BATCH_ROWS})",
        )
        if binning:
            p.add_argument(
                "--bins",
                type=_bins,
                metavar="N|RULE",
                help="bin float columns into N equal-width bins, or a count from a rule "
                f"({', '.join(BIN_RULES)}); float columns are refused without it",
            )
            p.add_argument(
                "--range",
                type=_range,
                action="append",
                default=[],
                metavar="[NAME=]LOW:HIGH",
                help="fixed range of the bins (all float columns, or one by name; repeatable); "
                "default: the column's min and max from a first pass",
            )
            p.add_argument(
                "--estimator",
                default="plugin",
                metavar="NAME",
                help=f"entropy estimator: {', '.join(fastinfo._native.ESTIMATORS)}",
            )

    formatter = argparse.RawDescriptionHelpFormatter
    profile = commands.add_parser(
        "profile",
        help="entropy of every column, information with a target, the MI matrix",
        description="Profile a table: per column its type, distinct and missing values and "
        "entropy; each column's information with --target, ranked; the mutual information "
        "matrix of the columns.",
        epilog=SCHEMA_PROFILE,
        formatter_class=formatter,
    )
    profile.add_argument("file", help="CSV, Parquet (file or directory), Arrow/Feather or NPY")
    profile.add_argument("--columns", type=_columns, metavar="A,B,...", help="default: all")
    profile.add_argument("--target", metavar="COL", help="rank the columns by I(column; COL)")
    profile.add_argument(
        "--normalized",
        choices=fastinfo._native.AVERAGES,
        metavar="METHOD",
        help="show the normalised MI with this average "
        f"({', '.join(fastinfo._native.AVERAGES)}) in the matrix and the ranking",
    )
    profile.add_argument("--top", type=_positive, metavar="K", help="rank the K best columns")
    profile.add_argument("--no-matrix", action="store_true", help="skip the all-pairs matrix")
    profile.add_argument("--plot", metavar="DIR", help="write mi_matrix.png, target_ranking.png")
    profile.add_argument("--html", metavar="FILE", help="write one self-contained HTML page")
    common(profile)

    mi = commands.add_parser(
        "mi",
        help="I(X; Y) or I(X; Y | Z) of two columns, with a p-value on request",
        description="Mutual information of two columns of a file, optionally conditional on a "
        "third, with a permutation test.",
        epilog=SCHEMA_MI,
        formatter_class=formatter,
    )
    mi.add_argument("file")
    mi.add_argument("--x", required=True, metavar="COL")
    mi.add_argument("--y", required=True, metavar="COL")
    mi.add_argument("--given", metavar="COL", help="condition on this column")
    mi.add_argument("--permutations", type=_positive, metavar="N", help="permutation test")
    mi.add_argument("--seed", type=int, help="seed of the permutation test")
    common(mi)

    entropy = commands.add_parser(
        "entropy",
        help="entropy of columns and their joint entropy",
        description="Entropy of each column and the joint entropy of all of them.",
        epilog=SCHEMA_ENTROPY,
        formatter_class=formatter,
    )
    entropy.add_argument("file")
    entropy.add_argument("--columns", type=_columns, required=True, metavar="A,B,...")
    common(entropy)

    pairwise = commands.add_parser(
        "pairwise",
        help="divergences between the rows of distribution files",
        description="A divergence between every row of P_FILE and every row of Q_FILE (default: "
        "P_FILE itself), or each row's K nearest rows with --nearest, which never builds the "
        "full matrix. Rows are distributions: an NPY matrix, or the numeric columns of a "
        "Parquet, Arrow or CSV file.",
        epilog=SCHEMA_PAIRWISE,
        formatter_class=formatter,
    )
    pairwise.add_argument("p_file", metavar="P_FILE")
    pairwise.add_argument("q_file", metavar="Q_FILE", nargs="?")
    pairwise.add_argument(
        "--metric",
        required=True,
        choices=fastinfo.pmf.METRICS,
        metavar="NAME",
        help=f"one of {', '.join(fastinfo.pmf.METRICS)}",
    )
    pairwise.add_argument("--nearest", type=_positive, metavar="K", help="K nearest rows only")
    pairwise.add_argument("--out", required=True, metavar="OUT", help=".npy, .npz, .parquet, .csv")
    pairwise.add_argument("--no-normalize", action="store_true", help="rows must already sum to 1")
    pairwise.add_argument("--columns", type=_columns, metavar="A,B,...", help="default: all")
    common(pairwise, binning=False)
    return parser


# ---------------------------------------------------------------------------------------------
# Running


def run(argv: Sequence[str]) -> int:
    """Parse and run one command. Exit codes: 0, 2 (bad input), 130 (interrupted)."""
    prog = f"fastinfo {argv[0]}" if argv else "fastinfo"
    try:
        args = build_parser().parse_args(list(argv))
        commands: dict[str, Callable[[argparse.Namespace], None]] = {
            "profile": profile,
            "mi": mutual_information,
            "entropy": entropy,
            "pairwise": pairwise,
        }
        commands[args.command](args)
    except UsageError as exc:
        message = str(exc)
        if not message.startswith("fastinfo"):
            message = f"{prog}: {message}"
        print(f"{message}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, MemoryError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout went away (e.g. `| head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def _require(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        raise UsageError(f"this command needs {module}: pip install 'fastinfo[cli]'") from None


def _unit(base: float | None) -> str:
    if base is None or base == math.e:
        return "nats"
    if base == 2:
        return "bits"
    if base == 10:
        return "hartleys"
    return f"log base {base:g}"


def _scale(base: float | None) -> float:
    return 1.0 if base is None else math.log(base)


def _open(args: argparse.Namespace, path: str) -> Source:
    if not path.lower().endswith(".npy"):
        _require("pyarrow")
    return Source(path, args.batch_rows)


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
    with Progress("ranges", total, unit, quiet=quiet) as bar:
        for arrays, _, done in source.raw_batches([c.name for c in columns]):
            for c in columns:
                values = np.asarray(_float_values(arrays[c.name]))
                finite = values[np.isfinite(values)]
                if finite.size:
                    low[c.name] = min(low[c.name], float(finite.min()))
                    high[c.name] = max(high[c.name], float(finite.max()))
                    valid[c.name] += int(finite.size)
            bar.update(done)
    return {
        name: (low[name], high[name], valid[name]) if valid[name] else (0.0, 0.0, 0) for name in low
    }


def _float_values(array: Any) -> Any:
    if isinstance(array, np.ndarray):
        return array.astype(np.float64, copy=False)
    return array.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


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

    with Progress("reading", total, unit, quiet=quiet) as bar:
        # Reading and decoding the next batch (pyarrow, in a thread) overlaps the counting of
        # this one: both release the GIL.
        for batch, n, done in prefetched(decoded()):
            consume(batch)
            rows += n
            bar.update(done)
    if rows == 0:
        raise UsageError(f"{source.path}: the file has no rows")
    return rows


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


def _column_info(c: Column, distinct: int, entropy: float) -> dict[str, Any]:
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


def _emit(args: argparse.Namespace, result: dict[str, Any], report: output.Report) -> None:
    if args.json:
        output.print_json(result)
    elif args.csv:
        output.print_csv(report)
    else:
        output.print_report(report)


# ---------------------------------------------------------------------------------------------
# The commands


def profile(args: argparse.Namespace) -> None:
    """``fastinfo profile``."""
    accumulate.check_estimator(args.estimator)
    source = _open(args, args.file)
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
    counts = accumulate.Pairs(d, pairs=not args.no_matrix, target=target is not None)

    def consume(batch: list[Any]) -> None:
        counts.update(batch[:d], batch[d] if target is not None else None)

    rows = _read(source, every, args.quiet, consume)
    scale, unit = _scale(args.base), _unit(args.base)
    entropies = counts.entropies(args.estimator)
    distinct = [counts.distinct(v) for v in range(len(every))]
    if target is not None and distinct[d] < 2:
        raise UsageError(
            f"the target {target.name!r} has a single value in {rows:,} rows: its information "
            "with any column is 0; choose another target"
        )
    infos = [_column_info(c, distinct[j], entropies[j] / scale) for j, c in enumerate(columns)]
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
        else _column_info(target, distinct[d], entropies[d] / scale),
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
    _emit(args, result, report)


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
    source = _open(args, args.file)
    names = [args.x, args.y] + ([args.given] if args.given is not None else [])
    if len(set(names)) != len(names):
        raise UsageError("--x, --y and --given must name different columns")
    columns = [source.column(n) for n in names]
    _prepare(source, columns, args)
    joint = accumulate.Joint(len(columns))
    rows = _read(source, columns, args.quiet, lambda batch: joint.update(*batch))
    scale, unit = _scale(args.base), _unit(args.base)
    value = joint.mutual_information(0, 1, 2 if args.given is not None else None) / scale
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
    _emit(args, result, report)


def _p_value(joint: accumulate.Joint, args: argparse.Namespace) -> float:
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
    source = _open(args, args.file)
    columns = source.select(args.columns)
    _prepare(source, columns, args)
    joint = accumulate.Joint(len(columns))
    rows = _read(source, columns, args.quiet, lambda batch: joint.update(*batch))
    scale, unit = _scale(args.base), _unit(args.base)
    infos = [
        _column_info(c, joint.distinct(j), joint.entropy(j) / scale) for j, c in enumerate(columns)
    ]
    total = joint.entropy(*range(len(columns))) / scale
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
    _emit(args, result, report)


# ---------------------------------------------------------------------------------------------
# pairwise


def _rows(args: argparse.Namespace, path: str) -> tuple[Source, list[Column]]:
    source = _open(args, path)
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
        block = np.column_stack([_float_values(arrays[c.name]) for c in columns])
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
        "unit": _unit(args.base),
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
    _emit(args, result, report)


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
