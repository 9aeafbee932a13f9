"""The parser of ``fastinfo profile | mi | entropy | pairwise``, and the JSON schemas of --help."""

from __future__ import annotations

import argparse
import math
from typing import Any

import fastinfo

from .errors import UsageError
from .source import BIN_RULES, DEFAULT_BATCH_ROWS

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
