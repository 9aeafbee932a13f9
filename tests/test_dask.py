"""fastinfo.dask on a real LocalCluster: two worker processes, counts pickled between them.

Every lazy result must compute to exactly what the in-memory function returns. One cluster for
the module (about 10 s to start); the whole file takes well under a minute.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import fastinfo

pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
import fastinfo.dask as fd  # noqa: E402

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def client():
    import cloudpickle
    from distributed import Client, LocalCluster

    # Functions of this module travel by value: the workers need not import the tests.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={"FASTINFO_NUM_THREADS": "1"},
        ) as cluster,
        Client(cluster) as c,
    ):
        yield c


def test_import_fastinfo_does_not_import_dask() -> None:
    code = "import sys, fastinfo; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unequal_chunks_empty_partitions_and_disjoint_alphabets(client) -> None:
    rng = np.random.default_rng(0)
    x = np.sort(rng.integers(0, 40, 3000))  # partitions see disjoint ranges of values
    y = (x // 3 + rng.integers(0, 2, 3000)).astype(np.int8)
    z = rng.integers(0, 3, 3000).astype(np.uint64)
    dx = da.from_array(x, chunks=((0, 700, 0, 1300, 1000, 0),))
    dy = da.from_array(y, chunks=450)
    dz = da.from_array(z, chunks=1000)
    results = client.compute(
        [
            fd.entropy(dx, base=2),
            fd.mutual_information(dx, dy, estimator="miller_madow"),
            fd.conditional_entropy(dy, dx),
            fd.conditional_mutual_information(dx, dy, dz, split_every=2),
            fd.joint_entropy(dx, dy, dz),
            fd.joint_counts(dx, dy),
        ],
        sync=True,
    )
    assert results[0] == fastinfo.entropy(x, base=2)
    assert results[1] == fastinfo.mutual_information(x, y, estimator="miller_madow")
    assert results[2] == fastinfo.conditional_entropy(y, x)
    assert results[3] == fastinfo.conditional_mutual_information(x, y, z)
    assert results[4] == fastinfo.joint_entropy(x, y, z)
    local = fastinfo.JointCounts(2)
    local.update(x, y)
    assert results[5] == local


def test_data_frames_with_a_string_column(client) -> None:
    rng = np.random.default_rng(1)
    n = 4000
    frame = pd.DataFrame(
        {
            "a": rng.integers(0, 5, n),
            "b": rng.choice(np.array(["red", "green", "blue"]), n),
            "c": rng.integers(0, 2, n).astype(bool),
        }
    )
    frame["d"] = frame["a"] * 2 + frame["c"]
    ddf = dd.from_pandas(frame, npartitions=5)
    mi, matrix, scores = client.compute(
        [
            fd.mutual_information(ddf["b"], ddf["a"]),
            fd.mutual_information_matrix(ddf),
            fd.mutual_information_with(ddf[["a", "c"]], ddf["d"], base=2),
        ],
        sync=True,
    )
    assert mi == fastinfo.mutual_information(frame["b"], frame["a"])
    pd.testing.assert_frame_equal(matrix, fastinfo.mutual_information_matrix(frame))
    pd.testing.assert_series_equal(
        scores, fastinfo.mutual_information_with(frame[["a", "c"]], frame["d"], base=2)
    )


def test_differently_partitioned_series_are_a_clear_error() -> None:
    frame = pd.DataFrame({"a": np.arange(100) % 3, "b": np.arange(100) % 5})
    left = dd.from_pandas(frame["a"], npartitions=4)
    right = dd.from_pandas(frame["b"], npartitions=3)
    with pytest.raises(ValueError, match="partitions"):
        fd.mutual_information(left, right)
    with pytest.raises(ValueError, match="samples"):
        fd.mutual_information(da.arange(10, chunks=3), da.arange(11, chunks=3))


def test_pmf_rows_block_by_block(client) -> None:
    rng = np.random.default_rng(2)
    P = rng.dirichlet(np.ones(6), size=300)
    Q = rng.dirichlet(np.ones(6), size=40)
    dP = da.from_array(P, chunks=(70, 3))
    matrix = client.compute(fd.pmf.pairwise(dP, Q, metric="js"), sync=True)
    blocks = [fastinfo.pmf.pairwise(P[s : s + 70], Q, metric="js") for s in range(0, 300, 70)]
    np.testing.assert_array_equal(matrix, np.vstack(blocks))
    np.testing.assert_allclose(matrix, fastinfo.pmf.pairwise(P, Q, metric="js"), rtol=1e-13)
    indices, values = client.compute(fd.pmf.nearest(dP, Q, 3), sync=True)
    expected = fastinfo.pmf.nearest(P, Q, 3)
    np.testing.assert_array_equal(indices, expected[0])
    np.testing.assert_allclose(values, expected[1], rtol=1e-13)


def _slow(block: np.ndarray) -> np.ndarray:
    time.sleep(0.25)
    return block


def test_a_worker_killed_mid_computation_changes_nothing(client) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 9, 24_000)
    y = (x + rng.integers(0, 3, 24_000)) % 7
    dx = da.from_array(x, chunks=1000).map_blocks(_slow, dtype=x.dtype)
    dy = da.from_array(y, chunks=1000)
    future = client.compute(fd.mutual_information(dx, dy, estimator="grassberger"))
    time.sleep(1.5)
    pids = client.run(os.getpid)
    victim = sorted(pids)[0]
    os.kill(pids[victim], signal.SIGKILL)
    assert future.result(timeout=120) == fastinfo.mutual_information(x, y, estimator="grassberger")
