"""What the commands write: rich tables, JSON, CSV, PNG plots and one self-contained HTML page.

Every file is written to a temporary name in its directory and renamed when complete, so an
interrupted run leaves no file that looks finished.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError


@dataclass
class Report:
    """The tables of one command: what the readable, CSV and HTML outputs show."""

    title: str
    notes: list[str] = field(default_factory=list)
    #: ``(caption, headers, rows)``; the first table is the one ``--csv`` writes.
    tables: list[tuple[str, list[str], list[list[Any]]]] = field(default_factory=list)


def _publish(temporary: str, path: str) -> None:
    """Give the finished temporary file the usual permissions (mkstemp's are 0600); rename it."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    os.replace(temporary, path)


@contextlib.contextmanager
def atomic(path: str, mode: str = "wb") -> Iterator[Any]:
    """Open a temporary file next to ``path``; rename it to ``path`` only if the block succeeds."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=".part", dir=directory
        )
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode) as f:
            yield f
        _publish(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_name(path: str, suffix: str = "") -> Iterator[str]:
    """A temporary name next to ``path`` (for writers that open by name), renamed at the end."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(
            prefix=f".{os.path.basename(path)}.", suffix=f".part{suffix}", dir=directory
        )
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    os.close(fd)
    try:
        yield temporary
        _publish(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def cell(value: Any) -> str:
    """A table cell as text: floats with 6 significant digits, None as empty."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_report(report: Report) -> None:
    """The readable output: rich tables on stdout."""
    try:
        from rich.console import Console
        from rich.table import Table
    except ImportError:
        _print_plain(report)
        return
    # A pipe or a file gets whole rows rather than rich's default 80 columns.
    width = None if sys.stdout.isatty() else 200
    console = Console(file=sys.stdout, soft_wrap=False, width=width)
    console.print(f"[bold]{report.title}[/bold]", highlight=False)
    for note in report.notes:
        console.print(note, highlight=False, markup=False)
    for caption, headers, rows in report.tables:
        console.print(f"\n[bold]{caption}[/bold]", highlight=False)
        table = Table()
        for k, header in enumerate(headers):
            table.add_column(header, justify="left" if k == 0 else "right", no_wrap=k > 0)
        for row in rows:
            table.add_row(*(cell(v) for v in row))
        console.print(table)


def _print_plain(report: Report) -> None:
    print(report.title)
    for note in report.notes:
        print(note)
    for caption, headers, rows in report.tables:
        print(f"\n{caption}")
        print("\t".join(headers))
        for row in rows:
            print("\t".join(cell(v) for v in row))


def print_json(result: dict[str, Any]) -> None:
    """The ``--json`` output (NaN and infinities are written as null)."""
    json.dump(_finite(result), sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def print_csv(report: Report) -> None:
    """The ``--csv`` output: the report's first table, full precision."""
    _, headers, rows = report.tables[0]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(
            ["" if v is None else repr(float(v)) if isinstance(v, float) else v for v in row]
        )


# ---------------------------------------------------------------------------------------------
# Pictures and the HTML page


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError("--plot and --html need matplotlib: pip install 'fastinfo[cli]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figures(
    matrix: Any,
    labels: Sequence[str],
    matrix_unit: str,
    ranking: tuple[Sequence[float], Sequence[str], str, str] | None,
    top: int | None,
) -> dict[str, bytes]:
    """PNG bytes of ``mi_matrix.png`` and (with a target) ``target_ranking.png``."""
    plt = _pyplot()
    from fastinfo import plot

    out: dict[str, bytes] = {}
    if matrix is not None:
        ax = plot.heatmap(matrix, labels=labels, unit=matrix_unit, title="Mutual information")
        out["mi_matrix.png"] = _png(ax.figure)
        plt.close(ax.figure)
    if ranking is not None:
        scores, names, unit, target = ranking
        ax = plot.ranking(
            scores, labels=names, unit=unit, top=top, title=f"Information about {target!r}"
        )
        out["target_ranking.png"] = _png(ax.figure)
        plt.close(ax.figure)
    return out


def _png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def write_plots(directory: str, images: dict[str, bytes]) -> None:
    """Write the PNGs into ``directory`` (created if needed)."""
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the directory {directory}: {exc.strerror}") from None
    for name, data in images.items():
        with atomic(os.path.join(directory, name)) as f:
            f.write(data)


def write_html(path: str, report: Report, images: dict[str, bytes]) -> None:
    """One self-contained page: the report's tables and the images, embedded as base64."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(report.title)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}caption{text-align:left;"
        "font-weight:bold}</style></head><body>",
        f"<h1>{html.escape(report.title)}</h1>",
    ]
    parts += [f"<p>{html.escape(note)}</p>" for note in report.notes]
    for caption, headers, rows in report.tables:
        parts.append(f"<table><caption>{html.escape(caption)}</caption><thead><tr>")
        parts += [f"<th>{html.escape(h)}</th>" for h in headers]
        parts.append("</tr></thead><tbody>")
        for row in rows:
            parts.append(
                "<tr>" + "".join(f"<td>{html.escape(cell(v))}</td>" for v in row) + "</tr>"
            )
        parts.append("</tbody></table>")
    for name, data in images.items():
        encoded = base64.b64encode(data).decode("ascii")
        parts.append(
            f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{html.escape(name)}</figcaption></figure>"
        )
    parts.append("</body></html>")
    with atomic(path, "w") as f:
        f.write("\n".join(parts))
