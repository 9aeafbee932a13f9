"""``update_batches`` of JointCounts, PairwiseCounts and TargetCounts: a stream of batches (tuples,
DataFrames, record batches, files, datasets), all or nothing, with a progress bar on a terminal
only; and the read-ahead thread they share with the command line."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastinfo
import fastinfo.reference as ref
from fastinfo._batches import prefetched

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
ds = pytest.importorskip("pyarrow.dataset")

N = 2000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    a = rng.integers(0, 5, N)
    b = (a + rng.integers(0, 3, N)) % 6
    s = np.array(["red", "green", "blue"])[(a + rng.integers(0, 2, N)) % 3]
    t = (a + b + rng.integers(0, 2, N)) % 4
    return pd.DataFrame({"a": a, "b": b.astype(np.int32), "s": s, "t": t})


@pytest.fixture(scope="module")
def parquet(frame, tmp_path_factory):
    path = tmp_path_factory.mktemp("batches") / "table.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=300)
    return path


def pieces(frame: pd.DataFrame, sizes=(1, 700, 0, 999)) -> list[pd.DataFrame]:
    """Uneven batches (an empty one included) whose rows add up to the frame."""
    bounds = np.cumsum((0, *sizes))
    out = [frame.iloc[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:])]
    return [*out, frame.iloc[bounds[-1] :]]


def one_by_one(cls, size, batches, call):
    counts = cls(size)
    for batch in batches:
        call(counts, batch)
    return counts


# -- values ----------------------------------------------------------------------------------


def test_joint_counts_of_tuples_equal_update_and_the_functions(frame):
    parts = pieces(frame)
    tuples = [(p["a"].to_numpy(), p["s"].to_numpy(), p["t"].to_numpy()) for p in parts]
    jc = fastinfo.JointCounts(3).update_batches(tuples)
    assert jc == one_by_one(fastinfo.JointCounts, 3, tuples, lambda c, b: c.update(*b))
    assert jc.n == N
    x, s, t = frame["a"].to_numpy(), frame["s"].to_numpy(), frame["t"].to_numpy()
    assert jc.mutual_information(0, 1) == fastinfo.mutual_information(x, s)
    assert jc.conditional_mutual_information(0, 2, 1, base=2) == (
        fastinfo.conditional_mutual_information(x, t, s, base=2)
    )
    codes = np.column_stack([x, pd.factorize(frame["s"])[0]])
    assert jc.entropy([0, 1], estimator="grassberger") == fastinfo.entropy(
        codes, estimator="grassberger"
    )
    assert jc.entropy([0, 1], estimator="grassberger") == pytest.approx(
        ref.entropy(codes, estimator="grassberger"), rel=1e-13
    )


@pytest.mark.parametrize("kind", ["pandas", "polars", "record batches", "tables"])
def test_joint_counts_of_tables_by_column_name(frame, kind):
    parts = pieces(frame)
    if kind == "polars":
        pl = pytest.importorskip("polars")
        parts = [pl.from_pandas(p) for p in parts]
    elif kind == "record batches":
        parts = [pa.RecordBatch.from_pandas(p, preserve_index=False) for p in parts]
    elif kind == "tables":
        parts = [pa.Table.from_pandas(p, preserve_index=False) for p in parts]
    jc = fastinfo.JointCounts(2).update_batches(parts, columns=["s", "a"])
    expected = fastinfo.JointCounts(2)
    expected.update(frame["s"], frame["a"])
    assert jc == expected
    assert jc.mutual_information(0, 1) == fastinfo.mutual_information(frame["s"], frame["a"])
    # Without columns=: every column of the table, in order.
    four = fastinfo.JointCounts(4).update_batches(parts)
    assert four.entropy(2) == fastinfo.entropy(frame["s"])


def test_pairwise_and_target_counts_equal_the_in_memory_functions(frame):
    parts = pieces(frame)
    X = frame[["a", "b", "t"]]
    pc = fastinfo.PairwiseCounts(3).update_batches([p[["a", "b", "t"]] for p in parts])
    assert pc == one_by_one(fastinfo.PairwiseCounts, 3, [p[["a", "b", "t"]] for p in parts],
                            lambda c, b: c.update(b))  # fmt: skip
    assert pc.mutual_information_matrix().equals(fastinfo.mutual_information_matrix(X))
    arrays = [p[["a", "b", "t"]].to_numpy() for p in parts]
    plain = fastinfo.PairwiseCounts(3).update_batches(arrays)
    np.testing.assert_array_equal(
        plain.mutual_information_matrix(), fastinfo.mutual_information_matrix(X.to_numpy())
    )
    np.testing.assert_allclose(
        plain.mutual_information_matrix(), ref.mutual_information_matrix(X.to_numpy()), rtol=1e-13
    )
    by_name = fastinfo.PairwiseCounts(2).update_batches(parts, columns=["t", "s"])
    assert by_name.mutual_information_matrix().equals(
        fastinfo.mutual_information_matrix(frame[["t", "s"]])
    )

    tc = fastinfo.TargetCounts(3).update_batches(parts, target="t")  # a, b, s
    expected = fastinfo.mutual_information_with(frame[["a", "b", "s"]], frame["t"])
    assert tc.mutual_information_with().equals(expected)
    pairs = [(p[["a", "b"]].to_numpy(), p["t"].to_numpy()) for p in parts]
    tc2 = fastinfo.TargetCounts(2).update_batches(pairs)
    assert tc2 == one_by_one(fastinfo.TargetCounts, 2, pairs, lambda c, b: c.update(*b))
    np.testing.assert_array_equal(
        tc2.mutual_information_with(base=2),
        fastinfo.mutual_information_with(frame[["a", "b"]].to_numpy(), frame["t"], base=2),
    )
    tc3 = fastinfo.TargetCounts(1).update_batches(parts, columns=["s"], target="a")
    assert tc3.mutual_information_with().equals(
        fastinfo.mutual_information_with(frame[["s"]], frame["a"])
    )


def test_files_datasets_and_tables_are_read_in_batches(frame, parquet, tmp_path):
    expected = fastinfo.JointCounts(2)
    expected.update(frame["a"], frame["s"])
    sources = (
        parquet,
        str(parquet),
        ds.dataset(parquet),
        pq.read_table(parquet),
        pq.ParquetFile(parquet),
        ds.dataset(parquet).scanner().to_reader(),
    )
    for source in sources:
        jc = fastinfo.JointCounts(2).update_batches(source, columns=["a", "s"])
        assert jc == expected, type(source)
    # A directory of files, and an Arrow IPC (Feather) file, through pyarrow.dataset.
    directory = tmp_path / "parts"
    ds.write_dataset(
        pa.Table.from_pandas(frame, preserve_index=False), directory, format="parquet",
        max_rows_per_file=700, max_rows_per_group=700,
    )  # fmt: skip
    assert fastinfo.JointCounts(2).update_batches(directory, columns=["a", "s"]) == expected
    feather = tmp_path / "table.feather"
    import pyarrow.feather

    pyarrow.feather.write_feather(pa.Table.from_pandas(frame, preserve_index=False), feather)
    assert fastinfo.JointCounts(2).update_batches(feather, columns=["a", "s"]) == expected

    pc = fastinfo.PairwiseCounts(2).update_batches(parquet, columns=["a", "t"])
    assert pc.mutual_information_matrix().equals(
        fastinfo.mutual_information_matrix(frame[["a", "t"]])
    )
    tc = fastinfo.TargetCounts(2).update_batches(parquet, columns=["a", "b"], target="t")
    assert tc.mutual_information_with().equals(
        fastinfo.mutual_information_with(frame[["a", "b"]], frame["t"])
    )
    everything = fastinfo.TargetCounts(3).update_batches(parquet, target="t")
    assert everything.n == N


def test_streams_add_to_the_counts_and_return_them(frame):
    jc = fastinfo.JointCounts(1)
    jc.update(frame["a"][:10])
    same = jc.update_batches([(frame["a"][10:],)])
    assert same is jc
    assert jc.entropy(0) == fastinfo.entropy(frame["a"])


@pytest.mark.parametrize("empty", [[], (), iter(()), (b for b in [])], ids=repr)
def test_an_empty_stream_changes_nothing(empty):
    jc = fastinfo.JointCounts(2)
    jc.update([1, 2], [3, 4])
    before = jc.copy()
    assert jc.update_batches(empty, progress=False) is jc
    assert jc == before
    assert fastinfo.PairwiseCounts(2).update_batches([]).n == 0
    assert fastinfo.TargetCounts(2).update_batches([]).n == 0


# -- bad batches: the errors of update, and nothing counted ------------------------------------


def error_of(call):
    try:
        call()
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)
    raise AssertionError("no error raised")


def test_bad_batches_raise_what_update_raises_and_change_nothing(frame):
    good = (np.array([1, 2, 3]), np.array([0, 0, 1]))
    bad_batches = {
        "arity": (np.array([1, 2]), np.array([1, 2]), np.array([1, 2])),
        "float": (np.array([1.5, 2.5]), np.array([0, 1])),
        "kind": (np.array(["x", "y"]), np.array([0, 1])),  # strings after integers
        "lengths": (np.array([1, 2, 3]), np.array([0, 1])),
        "missing": (pd.Series([1, None], dtype="Int64"), np.array([0, 1])),
    }
    for what, bad in bad_batches.items():
        jc = fastinfo.JointCounts(2)
        jc.update(np.array([7]), np.array([7]))
        before = jc.copy()
        reference = jc.copy()
        reference.update(*good)
        expected = error_of(lambda: reference.update(*bad))  # noqa: B023
        got = error_of(lambda: jc.update_batches([good, good, bad, good]))  # noqa: B023
        assert got == expected, what
        assert jc == before, what  # the good batches before it are not counted either
        assert jc.n == 1

    pc = fastinfo.PairwiseCounts(2)
    floats = np.array([[0.5, 1.0], [1.0, 2.0]])
    expected = error_of(lambda: fastinfo.PairwiseCounts(2).update(floats))
    assert error_of(lambda: pc.update_batches([np.zeros((3, 2), int), floats])) == expected
    three = np.zeros((2, 3), int)
    expected = error_of(lambda: fastinfo.PairwiseCounts(2).update(three))
    assert error_of(lambda: pc.update_batches([three])) == expected
    assert pc.n == 0

    tc = fastinfo.TargetCounts(1)
    short = (np.zeros((3, 1), int), np.zeros(2, int))
    expected = error_of(lambda: fastinfo.TargetCounts(1).update(*short))
    assert error_of(lambda: tc.update_batches([(np.zeros((2, 1), int), [0, 1]), short])) == (
        expected
    )
    assert tc.n == 0


def test_the_failing_batch_is_named_in_a_note():
    if sys.version_info < (3, 11):
        pytest.skip("exception notes are Python 3.11+")
    with pytest.raises(TypeError) as info:
        fastinfo.JointCounts(1).update_batches([([1],), ([2],), ([0.5],)])
    assert any("batch 2" in note for note in info.value.__notes__)


def test_an_interrupted_stream_changes_nothing():
    jc = fastinfo.JointCounts(1)

    def batches():
        yield ([1, 2],)
        yield ([3],)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        jc.update_batches(batches())
    assert jc.n == 0


def test_bad_streams_and_options(frame):
    jc = fastinfo.JointCounts(2)
    with pytest.raises(TypeError, match=r"iterable of batches.*DataFrame.*update"):
        jc.update_batches(frame)
    with pytest.raises(TypeError, match=r"iterable of batches.*ndarray"):
        jc.update_batches(np.zeros((4, 2), int))
    with pytest.raises(TypeError, match=r"iterable of batches.*int"):
        jc.update_batches(5)
    with pytest.raises(FileNotFoundError, match="no such file"):
        jc.update_batches("/nonexistent/table.parquet")
    with pytest.raises(TypeError, match=r"a tuple of 2 arrays.*got ndarray"):
        jc.update_batches([np.zeros((4, 2), int)])
    with pytest.raises(TypeError, match="columns must be a list"):
        jc.update_batches([frame], columns="a")
    with pytest.raises(ValueError, match="columns is empty"):
        jc.update_batches([frame], columns=[])
    with pytest.raises(ValueError, match="'zz', which a batch lacks"):
        jc.update_batches([frame], columns=["a", "zz"])
    with pytest.raises(TypeError, match="pick columns of tables"):
        jc.update_batches([([1], [2])], columns=["a", "b"])
    with pytest.raises(TypeError, match="progress must be True or False"):
        jc.update_batches([], progress="yes")
    tc = fastinfo.TargetCounts(3)
    with pytest.raises(TypeError, match="target="):
        tc.update_batches([frame])
    with pytest.raises(ValueError, match="target names 'y', which a batch lacks"):
        tc.update_batches([frame], target="y")
    with pytest.raises(TypeError, match="a pair \\(X, y\\)"):
        tc.update_batches([np.zeros((2, 3))])
    with pytest.raises(TypeError, match="pick columns of tables"):
        fastinfo.PairwiseCounts(2).update_batches([np.zeros((2, 2), int)], columns=["a", "b"])
    assert jc.n == tc.n == 0


def test_progress_without_rich_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "rich", None)  # import rich raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'fastinfo\[cli\]'"):
        fastinfo.JointCounts(1).update_batches([([1],)], progress=True)
    # Without progress, rich is not needed.
    assert fastinfo.JointCounts(1).update_batches([([1],)]).n == 1


# -- the progress bar: on a terminal only -----------------------------------------------------

SCRIPT = """
import sys, time, numpy as np, fastinfo
batches = [(np.arange(1000) % 7, np.arange(1000) % 3) for _ in range(40)]
def slow():
    for b in batches:
        time.sleep(0.01)
        yield b
source = batches if sys.argv[1] == "list" else slow()
jc = fastinfo.JointCounts(2).update_batches(source, progress=sys.argv[2] == "1")
print(jc.n)
"""


def run_on_a_terminal(*args: str) -> tuple[int, str, str]:
    pytest.importorskip("rich")
    env = {**os.environ, "FASTINFO_PROGRESS_DELAY": "0", "COLUMNS": "140"}
    main, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, *args],
            stdout=subprocess.PIPE, stderr=follower, env=env, close_fds=True,
        )  # fmt: skip
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
        out = process.stdout.read().decode()
        code = process.wait(timeout=60)
    finally:
        os.close(main)
    return code, out, b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
def test_progress_bar_on_a_terminal():
    code, out, shown = run_on_a_terminal("list", "1")
    assert code == 0, shown
    assert out.strip() == "40000"
    assert "counting" in shown
    assert "batches of 40" in shown  # the length of the list is the total
    assert "rows/s" in shown
    assert "Traceback" not in shown
    code, _, shown = run_on_a_terminal("generator", "1")
    assert code == 0, shown
    assert "counting" in shown
    assert "rows" in shown
    assert " of 40" not in shown  # a generator has no length
    code, _, shown = run_on_a_terminal("list", "0")  # progress=False: nothing
    assert code == 0
    assert "counting" not in shown


def test_no_progress_bar_in_a_pipe():
    pytest.importorskip("rich")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, "list", "1"],
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "FASTINFO_PROGRESS_DELAY": "0"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "40000"
    assert result.stderr == ""


# -- the read-ahead thread --------------------------------------------------------------------


def test_prefetched_hands_over_items_then_the_error_in_the_consumer():
    producer = []

    def items():
        producer.append(threading.current_thread().name)
        yield 1
        yield 2
        raise ValueError("line 7: bad")

    stream = prefetched(items())
    assert next(stream) == 1
    assert next(stream) == 2
    with pytest.raises(ValueError, match="line 7: bad"):
        next(stream)
    assert producer == ["fastinfo-read"]  # produced in the reader thread


def test_prefetched_stops_its_reader_when_the_consumer_stops():
    made = []

    def items():
        for i in range(1_000_000):
            made.append(i)
            yield i

    stream = prefetched(items(), depth=1)
    assert next(stream) == 0
    stream.close()
    time.sleep(0.5)
    count = len(made)
    time.sleep(0.3)
    assert len(made) == count <= 4  # stopped, a batch or two ahead at most
    assert not [t for t in threading.enumerate() if t.name == "fastinfo-read" and t.is_alive()]


def test_a_read_error_in_the_reader_thread_reaches_the_caller(tmp_path):
    path = tmp_path / "late.csv"
    lines = ["x,y"] + [f"{i % 3},{i % 2}" for i in range(1_000_000)] + ["oops,1"]
    path.write_text("\n".join(lines) + "\n")
    jc = fastinfo.JointCounts(2)
    with pytest.raises(pa.ArrowInvalid, match="oops"):
        jc.update_batches(path)
    assert jc.n == 0


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
                                   "uint64"])  # fmt: skip
def test_arrow_integers_view_the_buffer_as_to_numpy_would(dtype):
    from fastinfo._batches import arrow_integers

    whole = pa.array(np.arange(50).astype(dtype))
    for array in (whole, whole.slice(7, 20), whole.slice(49), whole.slice(3, 0)):
        view = arrow_integers(array)
        expected = array.to_numpy()
        assert view.dtype == expected.dtype
        np.testing.assert_array_equal(view, expected)
        assert view.flags.aligned
    for other in (pa.array([1, None]), pa.array(["a"]), pa.array([0.5]), pa.array([True]),
                  pa.array(["a", "b"]).dictionary_encode()):  # fmt: skip
        assert arrow_integers(other) is None


def test_a_failed_stream_stops_its_reader_thread(frame, parquet, monkeypatch):
    # Batches of 100 rows: the reader has many left when the first one fails.
    monkeypatch.setattr("fastinfo._batches.BATCH_ROWS", 100)

    def readers():
        return [t for t in threading.enumerate() if t.name == "fastinfo-read" and t.is_alive()]

    jc = fastinfo.JointCounts(1)
    with pytest.raises(TypeError, match="one array per variable") as info:
        jc.update_batches(parquet, columns=["a", "s"])  # two columns for one variable
    assert info.tb is not None  # the traceback, and the frames it holds, are still alive
    deadline = time.monotonic() + 5
    while readers() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not readers()
    assert jc.n == 0
    del info
