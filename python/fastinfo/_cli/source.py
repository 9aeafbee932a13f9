"""Data files read in batches: CSV, Parquet, Arrow IPC / Feather (pyarrow) and NPY (numpy mmap).

A :class:`Source` knows a file's columns, their kinds and (where the format stores it) the number
of rows, and yields batches of selected columns as integer label arrays ready for counting:

- integer columns as they are (a missing value, if any, becomes the label ``MISSING_INT``);
- bool columns as uint8 0/1 (missing: 2);
- string and dictionary columns as int32 codes that are the same across batches (missing: -1);
- float columns only through a :class:`Binning` (fixed edges, so batches agree); NaN and missing
  values get a bin of their own, one past the last.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from fastinfo._batches import arrow_integers

from .errors import UsageError, unknown_column

#: The label of a missing value in an integer column (never a value of a narrower column; for
#: int64 columns a batch holding this value and a missing value is refused).
MISSING_INT = np.iinfo(np.int64).min

SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".feather": "ipc",
    ".arrow": "ipc",
    ".ipc": "ipc",
    ".npy": "npy",
}
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}

#: Rows per batch unless ``--batch-rows`` says otherwise.
DEFAULT_BATCH_ROWS = 1 << 20


def file_format(path: str) -> tuple[str, str | None]:
    """The format (``csv``, ``parquet``, ``ipc``, ``npy``) and compression of ``path``."""
    name = path.lower()
    compression = None
    for suffix, codec in COMPRESSIONS.items():
        if name.endswith(suffix):
            compression, name = codec, name[: -len(suffix)]
    if os.path.isdir(path):
        return "parquet", None
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return fmt, compression
    known = ", ".join(sorted(SUFFIXES))
    raise UsageError(f"{path}: unknown file type (expected one of {known}, or a Parquet directory)")


def kind_of(type_: Any) -> str:
    """``int``, ``bool``, ``str``, ``float`` or ``other`` for a pyarrow type."""
    import pyarrow as pa

    if pa.types.is_dictionary(type_):
        return "str"
    if pa.types.is_integer(type_):
        return "int"
    if pa.types.is_boolean(type_):
        return "bool"
    if pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return "float"
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return "str"
    if pa.types.is_date(type_) or pa.types.is_timestamp(type_) or pa.types.is_time(type_):
        return "int"
    return "other"


def numpy_kind(dtype: np.dtype[Any]) -> tuple[str, str]:
    """Kind and display name of a numpy dtype."""
    if dtype.kind in "iu":
        return "int", str(dtype)
    if dtype.kind == "b":
        return "bool", "bool"
    if dtype.kind == "f":
        return "float", str(dtype)
    if dtype.kind in "US":
        return "str", "string"
    return "other", str(dtype)


@dataclass
class Binning:
    """Fixed equal-width bins of one float column: ``count`` bins over ``[low, high]``.

    Values outside the range go to the first or last bin (and are counted in ``clipped``); NaN
    and missing values go to bin ``count``.
    """

    count: int
    low: float
    high: float
    clipped: int = 0

    @property
    def edges(self) -> npt.NDArray[np.float64]:
        """The ``count + 1`` bin edges."""
        high = self.high if self.high > self.low else self.low + 1.0
        return np.linspace(self.low, high, self.count + 1)

    def labels(self, values: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Bin labels of ``values`` (a float array with NaN for missing)."""
        import fastinfo

        values = np.asarray(values, dtype=np.float64)
        missing = np.isnan(values)
        edges = self.edges
        outside = (values < edges[0]) | (values > edges[-1])
        self.clipped += int(np.count_nonzero(outside))
        if missing.any() or outside.any():
            values = np.clip(np.where(missing, edges[0], values), edges[0], edges[-1])
        codes, _ = fastinfo.discretize(values, bins=edges)
        if missing.any():
            wide = codes.astype(np.uint32 if self.count >= 65535 else np.uint16)
            wide[missing] = self.count
            return wide
        return codes


@dataclass
class Column:
    """One column of a file: its name, kind (int, bool, str, float, other) and display type."""

    name: str
    kind: str
    type: str
    missing: int = 0
    binning: Binning | None = None
    codes: dict[Any, int] = field(default_factory=dict)


class Source:
    """A data file, read in batches of rows."""

    def __init__(self, path: str, batch_rows: int = DEFAULT_BATCH_ROWS) -> None:
        self.path = path
        self.batch_rows = batch_rows
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file")
        self.format, self.compression = file_format(path)
        stem = path.lower()
        if self.compression is not None:
            stem = stem.rsplit(".", 1)[0]
        self.delimiter = "\t" if stem.endswith(".tsv") else ","
        if os.path.isfile(path) and os.path.getsize(path) == 0:
            raise UsageError(f"{path}: the file is empty")
        self.size = os.path.getsize(path) if os.path.isfile(path) else 0
        self.columns: list[Column] = []
        self.num_rows: int | None = None
        self._array: npt.NDArray[Any] | None = None
        self._open()
        if not self.columns:
            raise UsageError(f"{path}: the file has no columns")
        if self.num_rows == 0:
            raise UsageError(f"{path}: the file has no rows")

    # -- opening ---------------------------------------------------------------------------

    def _open(self) -> None:
        if self.format == "npy":
            self._open_npy()
            return
        import pyarrow as pa

        try:
            if self.format == "csv":
                reader = self._csv_reader()
                schema = reader.schema
                try:
                    first = reader.read_next_batch()
                    self.num_rows = None if first.num_rows else 0
                except StopIteration:
                    self.num_rows = 0
                finally:
                    reader.close()
                    self._raw.close()
            elif self.format == "parquet":
                schema, self.num_rows = self._parquet_schema()
            else:
                schema, self.num_rows = self._ipc_schema()
        except pa.ArrowInvalid as exc:
            if self.format == "csv" and "Empty CSV file" not in str(exc):
                raise UsageError(self._parse_error(exc, 0)) from None
            raise UsageError(f"{self.path}: {self._describe(exc)}") from None
        except OSError as exc:
            raise UsageError(f"{self.path}: {self._describe(exc)}") from None
        for f in schema:
            self.columns.append(Column(f.name, kind_of(f.type), str(f.type)))

    def _describe(self, exc: BaseException) -> str:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Empty CSV file" in text:
            return "the file is empty"
        return f"cannot read it as {self.format.upper()}: {text}"

    def _open_npy(self) -> None:
        try:
            array = np.load(self.path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise UsageError(f"{self.path}: cannot read it as NPY: {exc}") from None
        if array.dtype.names:
            names = list(array.dtype.names)
            for name in names:
                kind, shown = numpy_kind(array.dtype[name])
                self.columns.append(Column(name, kind, shown))
        else:
            if array.ndim not in (1, 2):
                raise UsageError(
                    f"{self.path}: an NPY file must hold a 1-D or 2-D array, got shape "
                    f"{array.shape}"
                )
            kind, shown = numpy_kind(array.dtype)
            width = 1 if array.ndim == 1 else array.shape[1]
            self.columns = [Column(str(j), kind, shown) for j in range(width)]
        self._array = array
        self.num_rows = int(array.shape[0])

    def _csv_reader(self, skip_rows: int = 0) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        delimiter = self.delimiter
        raw = open(self.path, "rb")  # noqa: SIM115 (closed with the reader)
        self._raw = raw
        stream: Any = pa.PythonFile(raw, mode="r")
        if self.compression is not None:
            stream = pa.CompressedInputStream(stream, self.compression)
        self._bad_rows: list[Any] = []

        def invalid(row: Any) -> str:
            self._bad_rows.append(row)
            return "error"

        return pcsv.open_csv(
            stream,
            # Column types are inferred from the first block: about a batch of rows, 64 KiB to
            # 16 MiB (pyarrow's CSV batches are blocks, whatever --batch-rows says).
            read_options=pcsv.ReadOptions(
                use_threads=False, block_size=min(max(64 * self.batch_rows, 1 << 16), 1 << 24)
            ),
            parse_options=pcsv.ParseOptions(delimiter=delimiter, invalid_row_handler=invalid),
            convert_options=pcsv.ConvertOptions(strings_can_be_null=True),
        )

    def _parquet_schema(self) -> tuple[Any, int]:
        if os.path.isfile(self.path):
            # One file: its footer (pyarrow.dataset costs ~0.2 s to import: it imports pandas).
            import pyarrow.parquet as pq

            with pq.ParquetFile(self.path) as reader:
                return reader.schema_arrow, int(reader.metadata.num_rows)
        import pyarrow.dataset as ds

        dataset = ds.dataset(self.path, format="parquet")
        return dataset.schema, int(dataset.count_rows())

    def _ipc_schema(self) -> tuple[Any, int]:
        import pyarrow as pa

        with pa.memory_map(self.path) as source:
            try:
                reader = pa.ipc.open_file(source)
                return reader.schema, sum(
                    reader.get_batch(i).num_rows for i in range(reader.num_record_batches)
                )
            except pa.ArrowInvalid:
                stream = pa.ipc.open_stream(source)
                return stream.schema, None  # type: ignore[return-value]

    # -- columns ---------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """The column names, in file order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """The column called ``name``; a close-match suggestion if there is none."""
        for c in self.columns:
            if c.name == name:
                return c
        raise unknown_column(name, self.names, self.path)

    def select(self, names: Sequence[str] | None) -> list[Column]:
        """The named columns (all when ``names`` is None), checked to exist, without repeats."""
        if names is None:
            return list(self.columns)
        chosen: list[Column] = []
        for name in names:
            c = self.column(name)
            if c in chosen:
                raise UsageError(f"column {name!r} is given twice")
            chosen.append(c)
        return chosen

    # -- batches ---------------------------------------------------------------------------

    def progress_total(self) -> tuple[int | None, str]:
        """Total work for the progress bar: rows (from metadata) or, for CSV, bytes."""
        if self.format == "csv":
            return self.size, "bytes"
        return self.num_rows, "rows"

    def raw_batches(self, names: Sequence[str]) -> Iterator[tuple[dict[str, Any], int, int]]:
        """Batches as ``({name: pyarrow or numpy array}, rows, progress units done)``."""
        if self.format == "npy":
            yield from self._npy_batches(names)
            return
        import pyarrow as pa

        rows_before = 0
        try:
            for batch, progress in self._arrow_batches(names):
                rows = batch.num_rows
                if rows:
                    yield (
                        {name: batch.column(name) for name in names},
                        rows,
                        progress if progress is not None else rows_before + rows,
                    )
                rows_before += rows
        except pa.ArrowInvalid as exc:
            raise UsageError(self._parse_error(exc, rows_before)) from None

    def _arrow_batches(self, names: Sequence[str]) -> Iterator[tuple[Any, int | None]]:
        import pyarrow as pa

        if self.format == "csv":
            reader = self._csv_reader()
            try:
                for batch in reader:
                    yield batch.select(list(names)), self._raw.tell()
            finally:
                reader.close()
                self._raw.close()
        elif self.format == "parquet":
            if os.path.isdir(self.path):
                import pyarrow.dataset as ds

                dataset = ds.dataset(self.path, format="parquet")
                for batch in dataset.to_batches(columns=list(names), batch_size=self.batch_rows):
                    yield batch, None
            else:
                from fastinfo._batches import parquet_batches

                # The reader of update_batches too (its settings are explained there).
                for batch in parquet_batches(self.path, names, self.batch_rows):
                    yield batch, None
        else:
            with pa.memory_map(self.path) as source:
                try:
                    file_reader = pa.ipc.open_file(source)
                    batches: Iterator[Any] = (
                        file_reader.get_batch(i) for i in range(file_reader.num_record_batches)
                    )
                except pa.ArrowInvalid:
                    batches = iter(pa.ipc.open_stream(source))
                for batch in batches:
                    for start in range(0, batch.num_rows, self.batch_rows):
                        yield batch.slice(start, self.batch_rows).select(list(names)), None

    def _npy_batches(self, names: Sequence[str]) -> Iterator[tuple[dict[str, Any], int, int]]:
        array = self._array
        assert array is not None
        n = array.shape[0]
        for start in range(0, n, self.batch_rows):
            block = array[start : start + self.batch_rows]
            out: dict[str, Any] = {}
            for name in names:
                if array.dtype.names:
                    out[name] = np.asarray(block[name])
                elif array.ndim == 1:
                    out[name] = np.asarray(block)
                else:
                    out[name] = np.asarray(block[:, int(name)])
            yield out, block.shape[0], start + block.shape[0]

    def _parse_error(self, exc: BaseException, rows_before: int) -> str:
        text = str(exc).strip().splitlines()[0]
        if self.format != "csv":
            return f"{self.path}: cannot read it: {text}"
        bad = getattr(self, "_bad_rows", [])
        if bad and bad[0].number is not None:
            row = bad[0]
            return (
                f"{self.path}, line {row.number}: expected {row.expected_columns} fields, got "
                f"{row.actual_columns}: {row.text[:80]!r}"
            )
        found = self._find_unconvertible(rows_before)
        if found is not None:
            line, name, value, type_ = found
            return (
                f"{self.path}, line {line}: column {name!r}: cannot read {value!r} as {type_} "
                "(column types are inferred from the start of the file)"
            )
        return f"{self.path}: cannot parse the CSV after data row {rows_before}: {text}"

    def _find_unconvertible(self, rows_before: int) -> tuple[int, str, str, str] | None:
        """The first line after ``rows_before`` data rows whose value does not fit its type."""
        import io

        import pyarrow as pa

        delimiter = self.delimiter
        kinds = [c.kind for c in self.columns]
        raw = pa.input_stream(self.path, compression="detect")
        with io.TextIOWrapper(raw, encoding="utf-8", newline="") as f:
            reader = csv.reader(f, delimiter=delimiter)
            next(reader, None)
            for index, row in enumerate(reader):
                if index < rows_before:
                    continue
                for value, kind, c in zip(row, kinds, self.columns):
                    if value == "" or not _fits(value, kind):
                        if value == "":
                            continue
                        return reader.line_num, c.name, value, c.type
        return None


def _fits(value: str, kind: str) -> bool:
    try:
        if kind == "int":
            int(value)
        elif kind == "float":
            float(value)
        elif kind == "bool":
            return value.strip().lower() in ("true", "false", "0", "1")
    except ValueError:
        return value.strip().lower() in ("null", "nan", "na", "n/a", "-nan", "#n/a", "")
    return True


# ---------------------------------------------------------------------------------------------
# Arrays to labels


def labels(column: Column, array: Any) -> npt.NDArray[Any]:
    """Integer labels of one batch of ``column`` (see the module docstring); counts missing ones."""
    if isinstance(array, np.ndarray):
        return _numpy_labels(column, array)
    import pyarrow as pa

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    nulls = array.null_count
    kind = column.kind
    if kind == "float" or (column.binning is not None):
        if column.binning is None:
            raise float_without_bins(column)
        values = array.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        column.missing += int(np.count_nonzero(np.isnan(values)))  # nulls come as NaN
        return column.binning.labels(values)
    if kind == "int":
        if not pa.types.is_integer(array.type):  # dates, times, timestamps: their integers
            array = array.cast(pa.int64() if array.type.bit_width == 64 else pa.int32())
        if nulls == 0:
            view = arrow_integers(array)
            return view if view is not None else np.asarray(array.to_numpy(zero_copy_only=False))
        import pyarrow.compute as pc  # here: ~0.05 s to import, and the common case needs none

        column.missing += nulls
        if array.type in (pa.int64(), pa.uint64()):
            low, high = pc.min_max(array).values()
            if array.type == pa.uint64() and high.as_py() > np.iinfo(np.int64).max:
                raise UsageError(
                    f"column {column.name!r} has missing values and uint64 values above 2**63: "
                    "fastinfo cannot give missing values a label of their own there"
                )
            if low.as_py() == MISSING_INT:
                raise UsageError(
                    f"column {column.name!r} has missing values and the value {MISSING_INT}, "
                    "which fastinfo uses as the label of missing values"
                )
        filled = pc.fill_null(array.cast(pa.int64()), MISSING_INT)
        return np.asarray(filled.to_numpy())
    import pyarrow.compute as pc

    if kind == "bool":
        column.missing += nulls
        values = pc.fill_null(array.cast(pa.uint8()), 2) if nulls else array.cast(pa.uint8())
        return np.asarray(values.to_numpy())
    if kind == "str":
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        column.missing += nulls
        encoded = pc.dictionary_encode(array)
        dictionary = encoded.dictionary.to_pylist()
        table = np.array([column.codes.setdefault(v, len(column.codes)) for v in dictionary])
        indices = encoded.indices.to_numpy(zero_copy_only=False)
        if nulls:
            valid = ~np.asarray(encoded.indices.is_null().to_numpy(zero_copy_only=False))
            out = np.full(len(indices), -1, dtype=np.int32)
            out[valid] = table[indices[valid].astype(np.int64)] if len(table) else 0
            return out
        return table.astype(np.int32)[indices] if len(table) else np.zeros(0, np.int32)
    raise UsageError(
        f"column {column.name!r} has type {column.type}, which fastinfo cannot count; "
        "leave it out with --columns"
    )


def _numpy_labels(column: Column, array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if column.kind == "float" or column.binning is not None:
        if column.binning is None:
            raise float_without_bins(column)
        values = array.astype(np.float64, copy=False)
        column.missing += int(np.count_nonzero(np.isnan(values)))
        return column.binning.labels(values)
    if column.kind == "int":
        return np.ascontiguousarray(array).astype(array.dtype.newbyteorder("="), copy=False)
    if column.kind == "bool":
        return np.ascontiguousarray(array).view(np.uint8)
    if column.kind == "str":
        values, inverse = np.unique(array, return_inverse=True)
        table = np.array([column.codes.setdefault(v, len(column.codes)) for v in values.tolist()])
        return table.astype(np.int32)[inverse.reshape(-1)]
    raise UsageError(
        f"column {column.name!r} has type {column.type}, which fastinfo cannot count; "
        "leave it out with --columns"
    )


def float_without_bins(column: Column) -> UsageError:
    """The error for a float column met without a binning choice."""
    return UsageError(
        f"column {column.name!r} holds floats ({column.type}): choose a binning with --bins N "
        "(or a rule: sturges, sqrt, rice), optionally with --range LOW:HIGH, or leave the "
        "column out with --columns"
    )


BIN_RULES = ("sturges", "sqrt", "rice")


def rule_count(rule: str, n: int) -> int:
    """The bin count of a rule that depends only on the number of samples ``n``."""
    if rule == "sturges":
        return max(1, math.ceil(math.log2(n)) + 1) if n > 0 else 1
    if rule == "sqrt":
        return max(1, math.ceil(math.sqrt(n)))
    return max(1, math.ceil(2 * math.pow(n, 1 / 3)))
