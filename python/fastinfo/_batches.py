"""Streams of batches: files and datasets read ahead in a thread, and a progress bar on stderr.

Shared by the streaming counts' ``update_batches`` (:mod:`fastinfo._streaming`) and the command
line (:mod:`fastinfo._cli`). pyarrow and rich are imported only when a stream needs them.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

#: Rows per batch read from a file or a pyarrow dataset.
BATCH_ROWS = 1 << 20

#: What ``pip install`` brings the progress bar.
RICH_HINT = "pip install 'fastinfo[cli]'"


def prefetched(items: Iterable[T], depth: int = 2) -> Generator[T, None, None]:
    """The items of ``items``, produced up to ``depth`` ahead by a background thread.

    Reading (pyarrow decodes without the GIL) overlaps the consumer's work (the extension counts
    without the GIL); at most ``depth`` items wait in the queue, so memory stays a few batches.
    An exception of the producer is raised here, in order, after the items before it; when the
    consumer stops (an error, Ctrl-C, ``close``), the producer stops at its next item.
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


def parquet_batches(
    path: str, columns: Sequence[str] | None, batch_rows: int | None = None
) -> Iterator[Any]:
    """Record batches of one Parquet file, as the command line and ``update_batches`` read it.

    Measured on 17 int8 columns, 2^20-row batches (best of 9 at 10^7 rows, 2 at 10^8):

    - not memory-mapped: mapping was ~10% faster at 10^7 rows, the same at 10^8 (2.30 s against
      2.24 s), but the mapped pages count in the RSS: 1.18 GB peak at 10^8 against 0.37 GB;
    - not pre-buffered: the same time, ~0.1 GB more RSS (and ~0.5 GB at 3e7 rows);
    - pyarrow's threads (``use_threads``): they decode a batch's columns in parallel, ~1.6x
      faster than one thread.
    """
    import pyarrow.parquet as pq

    with pq.ParquetFile(path, pre_buffer=False) as reader:
        yield from reader.iter_batches(
            batch_size=BATCH_ROWS if batch_rows is None else batch_rows,
            columns=None if columns is None else list(columns),
            use_threads=True,
        )


def arrow_integers(array: Any) -> Any:
    """A pyarrow integer Array without nulls as a numpy view of its buffer, else None.

    What ``array.to_numpy()`` gives, without its first call importing pandas (~0.2 s, on the
    critical path of a command's first batch).
    """
    type_ = array.type
    if array.null_count or str(type_) not in _INTEGERS:
        return None
    import numpy as np

    dtype = np.dtype(str(type_))
    data = array.buffers()[1]
    return np.frombuffer(data, dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


_INTEGERS = frozenset(f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64))

_FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "ipc",
    ".feather": "ipc",
    ".ipc": "ipc",
    ".csv": "csv",
    ".tsv": "csv",
}


def _is_frame(x: Any) -> bool:
    """Whether ``x`` is one table (a DataFrame, a record batch, an array) rather than a stream."""
    module = type(x).__module__
    if module.startswith(("pandas", "polars")):
        return True
    pa = sys.modules.get("pyarrow")
    return (pa is not None and isinstance(x, pa.RecordBatch)) or hasattr(x, "__array__")


def stream(
    source: Any, columns: Sequence[str] | None, name: str = "batches"
) -> tuple[Iterator[Any], int | None, str]:
    """The batches of ``source``, their total and its unit (``"rows"`` or ``"batches"``).

    ``source`` is an iterable of batches (consumed in the calling thread, as it comes), a path to
    a Parquet file or a directory / file that ``pyarrow.dataset`` reads, a
    ``pyarrow.dataset.Dataset``, a ``pyarrow.parquet.ParquetFile``, a ``pyarrow.Table`` or a
    ``pyarrow.RecordBatchReader``. Files, datasets and readers are read in batches of
    :data:`BATCH_ROWS` rows (only ``columns``, if given) by a thread, ahead of the counting.
    """
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{name}: no such file or directory: {path!r}")
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError(
                f"reading {name} from a file needs pyarrow: pip install pyarrow"
            ) from None
        suffix = os.path.splitext(path.lower())[1]
        if os.path.isfile(path) and _FORMATS.get(suffix, "parquet") == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetFile(path) as reader:
                rows = int(reader.metadata.num_rows)
            return prefetched(parquet_batches(path, columns)), rows, "rows"
        import pyarrow.dataset as ds

        source = ds.dataset(path, format=_FORMATS.get(suffix, "parquet"))
    ds_module = sys.modules.get("pyarrow.dataset")
    if ds_module is not None and isinstance(source, ds_module.Dataset):
        known = isinstance(source.format, (ds_module.ParquetFileFormat, ds_module.IpcFileFormat))
        rows_total = int(source.count_rows()) if known else None
        batches = source.to_batches(
            columns=None if columns is None else list(columns),
            batch_size=BATCH_ROWS,
            batch_readahead=1,
            fragment_readahead=1,
        )
        return prefetched(batches), rows_total, "rows"
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(source, pa.Table):
        table = source if columns is None else source.select(list(columns))
        return iter(table.to_batches(max_chunksize=BATCH_ROWS)), table.num_rows, "rows"
    if pa is not None and isinstance(source, pa.RecordBatchReader):
        # pyarrow's own stream (e.g. Scanner.to_reader()): read ahead like a file.
        selected = (b if columns is None else b.select(list(columns)) for b in source)
        return prefetched(selected), None, "batches"
    pq_module = sys.modules.get("pyarrow.parquet")
    if pq_module is not None and isinstance(source, pq_module.ParquetFile):
        batches = source.iter_batches(
            batch_size=BATCH_ROWS,
            columns=None if columns is None else list(columns),
            use_threads=True,
        )
        return prefetched(batches), int(source.metadata.num_rows), "rows"
    if _is_frame(source) or isinstance(source, (bytes, dict)):
        raise TypeError(
            f"{name} must be an iterable of batches, a path or a pyarrow Dataset, got one "
            f"{type(source).__name__}: count a single batch with update()"
        )
    try:
        items = iter(source)
    except TypeError:
        raise TypeError(
            f"{name} must be an iterable of batches, a path or a pyarrow Dataset, got "
            f"{type(source).__name__}"
        ) from None
    try:
        length: int | None = len(source)
    except TypeError:
        length = None
    return items, length, "batches"


def progress_delay() -> float:
    """Seconds before a bar appears: ``FASTINFO_PROGRESS_DELAY`` (default 1)."""
    try:
        return max(0.0, float(os.environ.get("FASTINFO_PROGRESS_DELAY", "1")))
    except ValueError:
        return 1.0


def require_rich(what: str) -> None:
    """Raise ImportError naming the extra when rich is missing."""
    try:
        import rich  # noqa: F401
    except ImportError:
        raise ImportError(f"{what} needs rich: {RICH_HINT}") from None


class Bar:
    """A progress bar of batches and rows on stderr, for ``progress=True``.

    Drawn only when stderr is a terminal (or in a Jupyter notebook) and the work is still going
    after :func:`progress_delay` seconds; never in a pipe or a log file. It shows the batches and
    rows counted, the rate, and, when the total is known (``len()`` of the batches, or the rows
    of a file's metadata), a bar and the time left. Transient: it disappears when done.
    """

    def __init__(self, description: str, total: int | None, unit: str, *, shown: bool) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.batches = 0
        self.rows = 0
        self.start = time.monotonic()
        self.delay = progress_delay()
        self.console: Any = None
        if shown:
            from rich.console import Console

            console = Console(file=sys.stderr)
            isatty = getattr(sys.stderr, "isatty", None)
            if (isatty is not None and isatty()) or console.is_jupyter:
                self.console = console
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def advance(self, rows: int) -> None:
        """One more batch of ``rows`` rows counted."""
        self.batches += 1
        self.rows += rows
        if self.console is None:
            return
        if self._bar is None:
            if time.monotonic() - self.start < self.delay:
                return
            self._begin()
        elapsed = max(time.monotonic() - self.start, 1e-9)
        self._bar.update(
            self._task,
            completed=self.rows if self.unit == "rows" else self.batches,
            batches=f"{self.batches:,}",
            rows=f"{self.rows:,}",
            rate=f"{self.rows / elapsed / 1e6:.2f} M",
        )

    def _begin(self) -> None:
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
        from rich.progress import Progress as Progress

        of = "" if self.total is None else f" of {self.total:,}"
        columns: list[Any] = [
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[batches]} batches" + (of if self.unit == "batches" else "")),
            TextColumn("{task.fields[rows]} rows" + (of if self.unit == "rows" else "")),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeElapsedColumn(),
        ]
        if self.total is not None:
            columns += [TextColumn("eta"), TimeRemainingColumn()]
        self._bar = Progress(*columns, console=self.console, transient=True, refresh_per_second=5)
        self._task = self._bar.add_task(
            self.description, total=self.total, batches="0", rows="0", rate="0.00 M"
        )
        self._bar.start()


def consume(
    source: Any,
    columns: Sequence[str] | None,
    count: Callable[[Any], int],
    *,
    progress: bool,
    description: str,
) -> None:
    """Count every batch of ``source`` with ``count`` (which returns the batch's rows).

    An error of batch ``i`` is raised as it is, with a note (Python 3.11+) naming the batch.
    """
    if progress:
        require_rich("progress=True")
    batches, total, unit = stream(source, columns)
    try:
        with Bar(description, total, unit, shown=progress) as bar:
            for index, batch in enumerate(batches):
                try:
                    rows = count(batch)
                except Exception as exc:
                    if hasattr(exc, "add_note"):
                        exc.add_note(
                            f"(in batch {index} of update_batches; the counts are unchanged)"
                        )
                    raise
                bar.advance(rows)
    finally:
        # Stop a reader thread of ours now, not when the traceback that holds this frame goes
        # (a user's own iterator is left as it is).
        close = getattr(batches, "close", None)
        if batches is not source and close is not None:
            close()
