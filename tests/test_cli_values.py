"""The data commands' JSON equals the Python API on the same data, for every file format.

Files are read in batches of 100 rows (``--batch-rows``), smaller than the row groups, and the
integer column ``a`` is sorted, so early batches see only some of its values: the counts must merge
by value across batches.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers.cli import columns, run_inside, run_json, write_all

import fastinfo
import fastinfo.pmf

pytest.importorskip("pyarrow")
pytest.importorskip("rich")

RTOL = 1e-10
MISSING = "\x00missing"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_all(tmp_path_factory.mktemp("cli"))


@pytest.fixture(scope="module")
def data():
    out = columns()
    out["s"] = np.array([MISSING if v is None else v for v in out["s"]], dtype=object)
    return out


@pytest.fixture(
    autouse=True,
    params=["streaming", "fallback"],
    ids=["counts=streaming", "counts=fallback"],
)
def counts(request, monkeypatch):
    """Every test runs on both accumulators: fastinfo's streaming counts and the numpy
    fallback (FASTINFO_CLI_COUNTS=fallback)."""
    if request.param == "fallback":
        monkeypatch.setenv("FASTINFO_CLI_COUNTS", "fallback")
    elif not hasattr(fastinfo, "JointCounts"):
        pytest.skip("this fastinfo has no streaming counts (fastinfo.JointCounts)")
    return request.param


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-14)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather"])
def test_profile_equals_the_python_api(files, data, fmt):
    out = run_json(
        "profile",
        files[fmt],
        "--target",
        "t",
        "--columns",
        "a,b,s,d,w",
        "--base",
        "2",
        "--batch-rows",
        "100",
    )
    names = ["a", "b", "s", "d", "w"]
    assert out["rows"] == len(data["a"])
    assert [c["name"] for c in out["columns"]] == names
    for info in out["columns"]:
        x = data[info["name"]]
        close(info["entropy"], fastinfo.entropy(x, base=2))
        assert info["distinct"] == len(fastinfo.counts(x)[0])
    assert [c["missing"] for c in out["columns"]] == [0, 0, 1, 0, 0]
    close(out["target"]["entropy"], fastinfo.entropy(data["t"], base=2))
    expected = fastinfo.mutual_information_matrix(
        np.column_stack([np.unique(data[n].astype(str), return_inverse=True)[1] for n in names]),
        base=2,
    )
    assert out["matrix"]["quantity"] == "mutual_information"
    close(np.array(out["matrix"]["values"]), expected)
    ranking = {r["column"]: r for r in out["ranking"]}
    for name in names:
        close(
            ranking[name]["mutual_information"],
            fastinfo.mutual_information(data[name], data["t"], base=2),
        )
        close(
            ranking[name]["normalized_mutual_information"],
            fastinfo.normalized_mutual_information(data[name], data["t"], average="arithmetic"),
        )
    scores = [r["mutual_information"] for r in out["ranking"]]
    assert scores == sorted(scores, reverse=True)
    assert [r["rank"] for r in out["ranking"]] == [1, 2, 3, 4, 5]


def test_profile_of_a_parquet_directory_equals_its_single_file(files, tmp_path):
    # A directory goes through pyarrow.dataset (schema, row count, batches); a file through
    # its footer and ParquetFile.
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    ds.write_dataset(
        pq.read_table(files["parquet"]), tmp_path / "parts", format="parquet",
        max_rows_per_file=250, max_rows_per_group=250,
    )  # fmt: skip
    assert len(list((tmp_path / "parts").iterdir())) > 1
    args = ["--target", "t", "--columns", "a,b,s,w", "--batch-rows", "100"]
    single = run_json("profile", files["parquet"], *args)
    parts = run_json("profile", tmp_path / "parts", *args)
    assert parts["rows"] == single["rows"]
    assert parts["columns"] == single["columns"]
    close(np.array(parts["matrix"]["values"]), np.array(single["matrix"]["values"]))
    assert [r["column"] for r in parts["ranking"]] == [r["column"] for r in single["ranking"]]


@pytest.mark.parametrize("target", [True, False], ids=["target", "no target"])
def test_profile_without_the_matrix(files, data, target):
    # --no-matrix counts each column with the target (TargetCounts), or each column alone.
    names = ["a", "b", "s"]
    extra = ["--target", "t"] if target else []
    out = run_json(
        "profile", files["parquet"], "--columns", ",".join(names), "--no-matrix", *extra,
        "--batch-rows", "100",
    )  # fmt: skip
    assert out["matrix"] is None
    assert out["rows"] == len(data["a"])
    for info in out["columns"]:
        close(info["entropy"], fastinfo.entropy(data[info["name"]]))
        assert info["distinct"] == len(fastinfo.counts(data[info["name"]])[0])
    if target:
        close(out["target"]["entropy"], fastinfo.entropy(data["t"]))
        ranking = {r["column"]: r["mutual_information"] for r in out["ranking"]}
        for name in names:
            close(ranking[name], fastinfo.mutual_information(data[name], data["t"]))
    else:
        assert out["target"] is None
        assert out["ranking"] == []


def test_profile_of_wide_and_narrow_columns(files, data):
    # Narrow pairs are counted in packed blocks, wide ones (i, j: 600 values) pair by pair.
    names = ["i", "a", "j", "d", "b"]
    out = run_json("profile", files["parquet"], "--columns", ",".join(names), "--batch-rows", "128")
    expected = fastinfo.mutual_information_matrix(np.column_stack([data[n] for n in names]))
    close(np.array(out["matrix"]["values"]), expected)
    assert [c["distinct"] for c in out["columns"]] == [600, 5, len(np.unique(data["j"])), 2, 7]


def test_profile_of_npy_columns_and_a_normalized_matrix(files, data):
    out = run_json("profile", files["npy"], "--target", "2", "--normalized", "max", "--top", "1")
    X = np.column_stack([data["a"], data["b"]])
    expected = fastinfo.mutual_information_matrix(X, normalized="max")
    assert out["matrix"]["quantity"] == "normalized_mutual_information"
    close(np.array(out["matrix"]["values"]), expected)
    scores = fastinfo.mutual_information_with(X, data["t"])
    assert len(out["ranking"]) == 1
    assert out["ranking"][0]["column"] == str(int(np.argmax(scores)))
    close(out["ranking"][0]["mutual_information"], scores.max())
    assert out["nmi_average"] == "max"


def test_float_columns_are_binned_with_fixed_edges(files, data):
    out = run_json(
        "profile",
        files["parquet"],
        "--columns",
        "f,a",
        "--bins",
        "6",
        "--range",
        "f=-2:5",
        "--batch-rows",
        "128",
    )
    edges = np.linspace(-2, 5, 7)
    labels, _ = fastinfo.discretize(np.clip(data["f"], -2, 5), bins=edges)
    info = out["columns"][0]
    assert info["bins"]["count"] == 6
    assert info["bins"]["clipped"] == int(np.count_nonzero((data["f"] < -2) | (data["f"] > 5)))
    close(info["entropy"], fastinfo.entropy(labels))
    close(out["matrix"]["values"][0][1], fastinfo.mutual_information(labels, data["a"]))


def test_float_ranges_from_a_first_pass(files, data):
    out = run_json("entropy", files["csv"], "--columns", "f", "--bins", "sturges")
    count = int(np.ceil(np.log2(len(data["f"])))) + 1
    info = out["columns"][0]
    assert info["bins"]["count"] == count
    assert info["bins"]["low"] == data["f"].min()
    assert info["bins"]["high"] == data["f"].max()
    expected = fastinfo.entropy(
        fastinfo.discretize(
            data["f"], bins=np.linspace(data["f"].min(), data["f"].max(), count + 1)
        )[0]
    )
    close(info["entropy"], expected)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "feather"])
def test_mi_and_conditional_mi(files, data, fmt):
    out = run_json("mi", files[fmt], "--x", "a", "--y", "t", "--batch-rows", "64")
    close(out["mutual_information"], fastinfo.mutual_information(data["a"], data["t"]))
    assert out["p_value"] is None
    out = run_json("mi", files[fmt], "--x", "s", "--y", "t", "--given", "d", "--base", "2")
    close(
        out["mutual_information"],
        fastinfo.conditional_mutual_information(data["s"], data["t"], data["d"], base=2),
    )


@pytest.mark.parametrize("given", [None, "b"])
def test_mi_p_value_equals_the_permutation_test_on_the_rows(files, data, given):
    # The test runs on samples rebuilt from the merged counts: the random tables depend only on
    # the contingency table, so the p-value is the one of the rows, exactly (d and t are
    # independent, so the p-value is not at its floor).
    extra = [] if given is None else ["--given", given]
    out = run_json(
        "mi", files["parquet"], "--x", "d", "--y", "t", *extra, "--permutations", "200",
        "--seed", "7", "--batch-rows", "100",
    )  # fmt: skip
    test = fastinfo.permutation_test(
        data["d"], data["t"], given=None if given is None else data[given], n_permutations=200,
        seed=7,
    )  # fmt: skip
    close(out["mutual_information"], test.statistic)
    assert out["p_value"] == test.pvalue
    assert test.pvalue > 0.04


def test_entropy_of_several_columns(files, data):
    out = run_json("entropy", files["feather"], "--columns", "a,s,d,w", "--batch-rows", "50")
    for info in out["columns"]:
        close(info["entropy"], fastinfo.entropy(data[info["name"]]))
    close(out["joint_entropy"], fastinfo.joint_entropy(data["a"], data["s"], data["d"], data["w"]))


@pytest.fixture(scope="module")
def distributions(tmp_path_factory):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(5), size=70)
    Q = rng.dirichlet(np.ones(5), size=40)
    directory = tmp_path_factory.mktemp("pmf")
    np.save(directory / "p.npy", P)
    pq.write_table(pa.table({f"p{j}": Q[:, j] for j in range(5)}), directory / "q.parquet")
    return directory, P, Q


def test_pairwise_full_matrix(distributions):
    directory, P, Q = distributions
    out = run_json(
        "pairwise",
        directory / "p.npy",
        directory / "q.parquet",
        "--metric",
        "js",
        "--out",
        directory / "m.npy",
        "--batch-rows",
        "16",
    )
    assert (out["rows_p"], out["rows_q"], out["dimension"]) == (70, 40, 5)
    close(np.load(directory / "m.npy"), fastinfo.pmf.pairwise(P, Q, metric="js"))


@pytest.mark.parametrize("suffix", ["npz", "parquet", "csv"])
def test_pairwise_nearest(distributions, suffix):
    directory, P, _ = distributions
    out_file = directory / f"near.{suffix}"
    run_json(
        "pairwise",
        directory / "p.npy",
        "--metric",
        "js",
        "--nearest",
        "3",
        "--out",
        out_file,
        "--batch-rows",
        "16",
        "--base",
        "2",
    )
    idx, val = fastinfo.pmf.nearest(P, P, 3, metric="js", base=2)
    if suffix == "npz":
        saved = np.load(out_file)
        got_idx, got_val = saved["indices"], saved["values"]
    else:
        import pyarrow.csv as pcsv
        import pyarrow.parquet as pq

        table = pq.read_table(out_file) if suffix == "parquet" else pcsv.read_csv(out_file)
        assert table.column("rank").to_pylist()[:3] == [1, 2, 3]
        assert table.column("row").to_pylist()[:4] == [0, 0, 0, 1]
        got_idx = np.array(table.column("neighbour")).reshape(-1, 3)
        got_val = np.array(table.column("value")).reshape(-1, 3)
    np.testing.assert_array_equal(got_idx, idx)
    np.testing.assert_array_equal(got_val, val)


@pytest.mark.parametrize(
    "bits", [[4] * 17, [1, 2, 3, 4, 5, 6, 7, 8], [8, 8, 9, 1], [16, 1, 2], [3] * 40]
)
def test_packed_blocks_cover_every_narrow_pair(bits):
    from fastinfo._cli.accumulate import PACKED_BITS, cover

    pairs = [(i, j) for i in range(len(bits)) for j in range(i + 1, len(bits))]
    blocks = cover(bits, pairs)
    assert all(sum(bits[v] for v in block) <= PACKED_BITS for block in blocks)
    covered = {(u, v) for block in blocks for u in block for v in block if u < v}
    narrow = {(i, j) for i, j in pairs if bits[i] + bits[j] <= PACKED_BITS}
    assert narrow <= covered
    if bits == [4] * 17:
        assert len(blocks) <= 30  # 136 pairs, 6 per block at best


@pytest.mark.parametrize("estimator", ["miller_madow", "grassberger"])
def test_other_estimators(files, data, counts, estimator):
    args = ["mi", files["parquet"], "--x", "a", "--y", "t", "--estimator", estimator]
    if counts == "fallback":
        code, out, err = run_inside(*args)
        assert code == 2
        assert "plug-in estimator only" in err
        return
    out = run_json(*args, "--batch-rows", "100")
    close(
        out["mutual_information"],
        fastinfo.mutual_information(data["a"], data["t"], estimator=estimator),
    )
    out = run_json(
        "profile", files["parquet"], "--columns", "a,b", "--target", "t", "--estimator", estimator
    )
    X = np.column_stack([data["a"], data["b"]])
    close(
        np.array(out["matrix"]["values"]),
        fastinfo.mutual_information_matrix(X, estimator=estimator),
    )
    close(
        [r["mutual_information"] for r in sorted(out["ranking"], key=lambda r: r["column"])],
        fastinfo.mutual_information_with(X, data["t"], estimator=estimator),
    )


def test_other_estimators_in_entropy_and_conditional_mi(files, data, counts):
    if counts == "fallback":
        pytest.skip("the fallback gives the plug-in estimator only (tested above)")
    out = run_json("entropy", files["csv"], "--columns", "a,s", "--estimator", "jackknife")
    close(out["columns"][0]["entropy"], fastinfo.entropy(data["a"], estimator="jackknife"))
    close(out["joint_entropy"], fastinfo.joint_entropy(data["a"], data["s"], estimator="jackknife"))
    out = run_json(
        "mi", files["csv"], "--x", "a", "--y", "t", "--given", "d", "--estimator", "chao_shen"
    )
    close(
        out["mutual_information"],
        fastinfo.conditional_mutual_information(
            data["a"], data["t"], data["d"], estimator="chao_shen"
        ),
    )
