"""Bad input to the data commands: one line on stderr, exit code 2, no traceback; Ctrl-C: 130 and
no output file."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from helpers.cli import run, run_inside, write_all

pytest.importorskip("pyarrow")
pytest.importorskip("rich")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad")
    paths = write_all(directory)
    (directory / "empty.csv").write_text("")
    (directory / "header.csv").write_text("a,b\n")
    (directory / "ragged.csv").write_text("a,b,c\n1,2,3\n4,5,6\n7,8\n9,1,2\n")
    lines = ["x,y"] + [f"{i % 3},{i % 2}" for i in range(20_000)] + ["oops,1"]
    (directory / "late.csv").write_text("\n".join(lines) + "\n")
    (directory / "constant.csv").write_text("x,t\n1,0\n2,0\n3,0\n")
    (directory / "notes.txt.bin").write_text("hello")
    paths["dir"] = directory
    return paths


def bad(*args, match):
    """Run in this process (an exception escaping ``main`` fails the test); the same path in a
    subprocess, traceback check included, is :func:`test_missing_file_in_a_subprocess`."""
    code, out, err = run_inside(*args)
    assert code == 2, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert match in lines[0], lines[0]
    assert out == ""
    return lines[0]


def test_missing_file_in_a_subprocess(files):
    result = run("profile", files["dir"] / "nope.parquet")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"fastinfo profile: {files['dir'] / 'nope.parquet'}: no such file"
    ]


def test_missing_file(files):
    bad("profile", files["dir"] / "nope.parquet", match="no such file")
    bad("mi", files["dir"] / "nope.csv", "--x", "a", "--y", "b", match="no such file")


def test_unknown_file_type(files):
    bad("profile", files["dir"] / "notes.txt.bin", match="unknown file type")


def test_unknown_column_suggests_close_matches(files):
    line = bad("mi", files["parquet"], "--x", "a", "--y", "tt", match="has no column 'tt'")
    assert "did you mean 't'" in line
    bad("profile", files["csv"], "--columns", "a,bb", match="did you mean 'b'")
    bad("profile", files["npy"], "--target", "7", match="has no column '7'")


def test_unparseable_csv_line_has_its_number(files):
    bad("profile", files["dir"] / "ragged.csv", match="line 4: expected 3 fields, got 2")
    # A value that does not fit the type inferred from the first block, far into the file.
    bad(
        "profile",
        files["dir"] / "late.csv",
        "--batch-rows",
        "100",
        match="line 20002: column 'x': cannot read 'oops' as int64",
    )


def test_a_read_error_in_the_reader_thread_is_one_line_in_a_subprocess(files):
    # The bad line comes after the first batches were read by the reader thread and counted
    # in the main thread: the error crosses threads and still makes one line and exit code 2.
    for command in (["profile"], ["entropy", "--columns", "x,y"], ["mi", "--x", "x", "--y", "y"]):
        result = run(*command[:1], files["dir"] / "late.csv", *command[1:], "--batch-rows", "100")
        assert result.returncode == 2, result.stderr
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines() == [
            f"fastinfo {command[0]}: {files['dir'] / 'late.csv'}, line 20002: column 'x': cannot "
            "read 'oops' as int64 (column types are inferred from the start of the file)"
        ]


def test_float_column_without_binning(files):
    line = bad("profile", files["parquet"], match="column 'f' holds floats")
    assert "--bins" in line
    bad("entropy", files["csv"], "--columns", "f", "--bins", "fd", match="--bins")


def test_empty_files(files):
    bad("profile", files["dir"] / "empty.csv", match="empty")
    bad("profile", files["dir"] / "header.csv", match="no rows")
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = files["dir"] / "empty.parquet"
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), path)
    bad("profile", path, match="no rows")


def test_target_with_one_value(files):
    bad("profile", files["dir"] / "constant.csv", "--target", "t", match="single value")


def test_bad_options(files):
    bad("profile", files["parquet"], "--estimator", "magic", match="--estimator")
    bad("profile", files["parquet"], "--normalized", "median", match="invalid choice")
    bad("profile", files["parquet"], "--base", "1", match="--base")
    bad(
        "profile",
        files["parquet"],
        "--columns",
        "a",
        "--range",
        "3:1",
        "--bins",
        "2",
        match="--range",
    )
    bad("profile", files["parquet"], "--target", "t", "--columns", "a,t", match="--target")
    bad("mi", files["parquet"], "--x", "a", "--y", "a", match="different columns")
    bad("pairwise", files["npy"], "--metric", "js", "--out", files["dir"] / "m.txt", match=".npy")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT and pty")
def test_ctrl_c_exits_130_and_leaves_no_output(tmp_path):
    # Many tiny batches: long enough to be interrupted in the middle of reading. stderr is a
    # terminal, so the progress bar (shown at once) says when reading has begun.
    path = tmp_path / "long.npy"
    np.save(path, np.random.default_rng(0).integers(0, 4, (1_000_000, 3)))
    page = tmp_path / "out.html"
    main, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "fastinfo", "profile", str(path), "--target", "2",
         "--batch-rows", "20", "--html", str(page)],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "FASTINFO_PROGRESS_DELAY": "0"},
        # A suite started in the background of a shell inherits SIGINT ignored, and so would the
        # child (Python then installs no KeyboardInterrupt handler): restore the default.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    os.close(follower)
    shown = b""
    try:
        deadline = time.monotonic() + 60
        while b"reading" not in shown and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1.0)
            if ready:
                shown += os.read(main, 4096)
        assert b"reading" in shown, shown
        assert process.poll() is None, "the run ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        out, _ = process.communicate(timeout=30)
    finally:
        process.kill()
        os.close(main)
    assert process.returncode == 130
    text = shown.decode(errors="replace")
    assert "Traceback" not in text
    assert "fastinfo profile: interrupted" in text
    assert out == b""
    assert os.listdir(tmp_path) == ["long.npy"]
