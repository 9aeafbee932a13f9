"""A progress bar on stderr for long reads: only on a terminal, only after about a second.

The bar appears when stderr is a terminal, ``--quiet`` is not given, and the work is still going
after ``FASTINFO_PROGRESS_DELAY`` seconds (default 1). It shows rows (or, for CSV, bytes) read, the
rate and the time left from the file's metadata.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

from fastinfo._batches import progress_delay


class Progress:
    """Progress of one pass over a file; ``update(done)`` with the units done so far."""

    def __init__(self, description: str, total: int | None, unit: str, *, quiet: bool) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.enabled = not quiet and sys.stderr.isatty()
        self.start = time.monotonic()
        self.delay = progress_delay()
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            if kind is None and self.total is not None:
                self._bar.update(self._task, completed=self.total)
            self._bar.stop()
            self._bar = None

    def update(self, done: int) -> None:
        """Record that ``done`` units (rows or bytes) are done."""
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.start < self.delay:
                return
            self._begin()
        if self.unit == "bytes":
            self._bar.update(self._task, completed=done)
        else:
            elapsed = max(time.monotonic() - self.start, 1e-9)
            self._bar.update(self._task, completed=done, rate=f"{done / elapsed / 1e6:.2f} M/s")

    def _begin(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        columns: list[Any] = [TextColumn("{task.description}"), BarColumn()]
        if self.unit == "bytes":
            columns += [DownloadColumn(), TransferSpeedColumn()]
        else:
            columns += [
                MofNCompleteColumn(),
                TextColumn("rows"),
                TextColumn("{task.fields[rate]}"),
            ]
        columns += [TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
        self._bar = Bar(
            *columns,
            console=Console(file=sys.stderr),
            transient=True,
            refresh_per_second=5,
        )
        # The task first, so that the first frame, drawn by start(), already shows it.
        self._task = self._bar.add_task(self.description, total=self.total, rate="")
        self._bar.start()
