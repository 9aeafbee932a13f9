"""What the data commands write: readable tables, CSV, PNGs, one HTML page, a progress bar only on a
terminal; and :mod:`fastinfo.plot` itself."""

from __future__ import annotations

import csv
import html.parser
import io
import os
import pty
import struct
import subprocess
import sys

import numpy as np
import pytest
from helpers.cli import N, run, run_inside, write_all

import fastinfo
import fastinfo.plot

pytest.importorskip("pyarrow")
pytest.importorskip("rich")
pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("cli"))


def png_pixels(data: bytes) -> tuple[int, int, np.ndarray]:
    """Width and height from the PNG header, and the pixels decoded by matplotlib's reader."""
    import matplotlib.image

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    pixels = matplotlib.image.imread(io.BytesIO(data), format="png")
    return width, height, pixels


def test_readable_output_and_csv(files):
    result = run("profile", files["parquet"], "--target", "t", "--columns", "a,b,s")
    assert result.returncode == 0, result.stderr
    assert "Columns" in result.stdout
    assert "Information about 't', ranked" in result.stdout
    assert result.stderr == ""  # no progress bar in a pipe
    code, out, _ = run_inside(
        "profile", files["parquet"], "--target", "t", "--columns", "a,b,s", "--csv"
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:5] == ["column", "type", "distinct", "missing", "entropy (nats)"]
    assert [r[0] for r in rows[1:]] == ["a", "b", "s"]
    assert float(rows[1][4]) == pytest.approx(
        fastinfo.entropy(np.sort(np.random.default_rng(0).integers(0, 5, N))), rel=1e-12
    )


def test_plots_and_html(files, tmp_path):
    plots, page = tmp_path / "plots", tmp_path / "report.html"
    result = run(
        "profile",
        files["feather"],
        "--target",
        "t",
        "--columns",
        "a,b,s,d",
        "--plot",
        plots,
        "--html",
        page,
        "--base",
        "2",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(plots)) == ["mi_matrix.png", "target_ranking.png"]
    # The stated sizes (100 dpi): the heatmap is (4 + 0.35 d + 1) x (4 + 0.35 d) inches for d
    # columns, the ranking 7 x (1.5 + 0.3 bars) inches.
    for name, size in (("mi_matrix.png", (640, 540)), ("target_ranking.png", (700, 270))):
        data = (plots / name).read_bytes()
        width, height, pixels = png_pixels(data)
        assert pixels.shape[:2] == (height, width)
        assert (width, height) == size
        # Not blank: many distinct colours, and not all white.
        assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 10
        assert (pixels[..., :3] < 0.9).any()

    class Page(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.cells, self.images = [], [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            if tag == "img":
                self.images.append(dict(attrs)["src"])

        def handle_data(self, data):
            if self.tags and self.tags[-1] in ("td", "th", "caption"):
                self.cells.append(data)

    parser = Page()
    parser.feed(page.read_text())
    assert parser.tags.count("table") == 3  # columns, ranking, matrix
    assert "Columns" in parser.cells
    assert "s" in parser.cells
    assert len(parser.images) == 2
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_progress_bar_on_a_terminal_only(files):
    args = [
        sys.executable,
        "-m",
        "fastinfo",
        "profile",
        str(files["parquet"]),
        "--columns",
        "a,b",
        "--batch-rows",
        "10",
    ]
    env = {**os.environ, "FASTINFO_PROGRESS_DELAY": "0", "COLUMNS": "100"}
    main, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=follower, env=env, close_fds=True
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(main)
    shown = b"".join(chunks).decode(errors="replace")
    assert "reading" in shown
    assert "rows" in shown
    # In a pipe (and with --quiet on a terminal): nothing.
    piped = run(*args[3:], env={"FASTINFO_PROGRESS_DELAY": "0"})
    assert piped.returncode == 0
    assert piped.stderr == ""


def test_plot_functions_return_axes_and_check_their_input():
    import matplotlib

    matplotlib.use("Agg")
    M = fastinfo.mutual_information_matrix(np.random.default_rng(2).integers(0, 3, (200, 5)))
    ax = fastinfo.plot.heatmap(M, labels=list("abcde"), unit="bits", title="t")
    assert ax.get_title() == "t"
    assert sorted(t.get_text() for t in ax.get_xticklabels()) == list("abcde")
    ax = fastinfo.plot.ranking(np.array([0.5, 0.1, 0.9]), top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "0"]
    with pytest.raises(ValueError, match="square"):
        fastinfo.plot.heatmap(np.ones((2, 3)))
    with pytest.raises(ValueError, match="labels has 1 entries"):
        fastinfo.plot.heatmap(np.ones((2, 2)), labels=["x"])
    with pytest.raises(ValueError, match="NaN"):
        fastinfo.plot.ranking([0.1, np.nan])


def test_cluster_order_groups_similar_columns():
    rng = np.random.default_rng(3)
    base = rng.integers(0, 4, 2000)
    other = rng.integers(0, 4, 2000)
    noisy = lambda x: np.where(rng.random(2000) < 0.1, rng.integers(0, 4, 2000), x)  # noqa: E731
    X = np.column_stack([base, other, noisy(base), noisy(other), noisy(base)])
    order = fastinfo.plot.cluster_order(fastinfo.mutual_information_matrix(X)).tolist()
    assert sorted(order) == [0, 1, 2, 3, 4]
    groups = [{0, 2, 4}, {1, 3}]
    first = set(order[:3]) if set(order[:3]) in groups else set(order[:2])
    assert first in groups
    assert fastinfo.plot.cluster_order(np.ones((1, 1))).tolist() == [0]


def test_import_fastinfo_imports_no_cli_dependency():
    script = (
        "import sys, fastinfo, fastinfo.plot\n"
        "lazy = ('pyarrow', 'rich', 'matplotlib', 'fastinfo._cli')\n"
        "bad = [m for m in lazy if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_demo_and_version_still_work():
    assert run("--version").stdout.startswith("fastinfo ")
    result = run("demo", "--n", "200000", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "data processing inequality" in result.stdout
