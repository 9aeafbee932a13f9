"""Streaming counts (issue 12): fastinfo.JointCounts against in-memory, DuckDB, polars and Dask.

Data: two int32 columns with 64 x 64 values (y depends on x), n rows, one Parquet file with row
groups of 10^6 (written once, then reused: a warm file).

    python benches/bench_streaming.py                       # n = 10^8, every case
    python benches/bench_streaming.py --n 1e7 --cases memory,parquet
    python benches/bench_streaming.py --scale 1e6,1e7,1e8,1e9

Each case runs in a fresh process (``--case``), best of ``--repeats``, and reports its time and
its peak RSS (VmHWM). Cases:

- ``memory``: ``fastinfo.mutual_information(x, y)`` on the arrays in memory, and
  ``JointCounts.update`` over slices of 10^6 of the same arrays (target: >= 80 % of its
  samples/s);
- ``parquet``: the file read in batches of 10^6 with ``pyarrow.dataset`` (decoding in pyarrow's
  threads, counting in fastinfo's, GIL released by both), then MI; against DuckDB
  (``GROUP BY x, y``), polars (``scan_parquet.group_by.len``, streaming engine), and pyarrow +
  ``np.bincount``, each followed by MI from the table; decoding alone is the ceiling;
- ``dask``: ``LocalCluster(n_workers=2, threads_per_worker=1)``: ``fastinfo.dask`` over
  ``dd.read_parquet`` against dask's ``groupby(["x", "y"]).size()`` and ``da.bincount`` on
  ``x * 64 + y``;
- ``pickle``: pickled bytes of the counts per occupied cell;
- ``--scale``: the streaming path from the file at several n (n above the file's rows reads the
  file several times over).

The machine's load average is printed with every figure: wall-clock times on a shared machine are
only comparable within one run.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROW_GROUP = 1_000_000
BATCH = 1_000_000


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def peak_rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def mi_from_counts(counts: np.ndarray) -> float:
    """Plug-in MI (nats) of a dense 64 x 64 table (the contenders' last step)."""
    p = counts / counts.sum()
    px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] / (px @ py)[nz])))


def columns(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 64, n, dtype=np.int32)
    y = ((x + rng.integers(0, 8, n, dtype=np.int32)) % 64).astype(np.int32)
    return x, y


def write(path: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("x", pa.int32()), ("y", pa.int32())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n, 10 * ROW_GROUP):
            m = min(10 * ROW_GROUP, n - start)
            x, y = columns(m, seed=start)
            writer.write_table(pa.table({"x": x, "y": y}), row_group_size=ROW_GROUP)


def best(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


# --------------------------------------------------------------------------------------------
# Cases, each run in its own process


def case_memory(path: Path, n: int, repeats: int) -> dict:
    import fastinfo

    x, y = columns(n)

    def streaming() -> float:
        jc = fastinfo.JointCounts(2)
        for s in range(0, n, BATCH):
            jc.update(x[s : s + BATCH], y[s : s + BATCH])
        return jc.mutual_information(0, 1)

    t_mem, v_mem = best(lambda: fastinfo.mutual_information(x, y), repeats)
    t_stream, v_stream = best(streaming, repeats)
    assert v_mem == v_stream, (v_mem, v_stream)
    return {
        "in-memory mutual_information": t_mem,
        "JointCounts.update, batches of 1e6": t_stream,
        "streaming / in-memory samples/s": t_mem / t_stream,
    }


def _batches(path: Path, limit: int):
    import pyarrow.dataset as ds

    seen = 0
    while seen < limit:
        for batch in ds.dataset(path, format="parquet").to_batches(
            columns=["x", "y"], batch_size=BATCH, use_threads=True
        ):
            take = min(batch.num_rows, limit - seen)
            if take < batch.num_rows:
                batch = batch.slice(0, take)
            yield batch
            seen += take
            if seen >= limit:
                return


def stream_file(path: Path, n: int) -> float:
    import fastinfo

    jc = fastinfo.JointCounts(2)
    for batch in _batches(path, n):
        jc.update(batch.column(0), batch.column(1))
    return jc.mutual_information(0, 1)


def case_parquet(path: Path, n: int, repeats: int, which: str) -> dict:
    if which == "fastinfo":
        t, v = best(lambda: stream_file(path, n), repeats)
    elif which == "decode":
        t, v = best(lambda: sum(b.num_rows for b in _batches(path, n)), repeats)
    elif which == "bincount":

        def route() -> float:
            counts = np.zeros(64 * 64, dtype=np.int64)
            for b in _batches(path, n):
                code = b.column(0).to_numpy() * 64 + b.column(1).to_numpy()
                counts += np.bincount(code, minlength=64 * 64)
            return mi_from_counts(counts.reshape(64, 64))

        t, v = best(route, repeats)
    elif which == "duckdb":
        import duckdb

        def route() -> float:
            rows = duckdb.sql(
                f"SELECT x, y, count(*) FROM read_parquet('{path}') GROUP BY x, y"
            ).fetchnumpy()
            counts = np.zeros((64, 64))
            counts[rows["x"], rows["y"]] = list(rows.values())[2]
            return mi_from_counts(counts)

        t, v = best(route, repeats)
    elif which == "polars":
        import polars as pl

        def route() -> float:
            table = pl.scan_parquet(path).group_by(["x", "y"]).len().collect(engine="streaming")
            counts = np.zeros((64, 64))
            counts[table["x"].to_numpy(), table["y"].to_numpy()] = table["len"].to_numpy()
            return mi_from_counts(counts)

        t, v = best(route, repeats)
    else:
        raise ValueError(which)
    return {"time": t, "value": v}


def case_dask(path: Path, n: int, repeats: int, which: str) -> dict:
    import dask.array as da
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import fastinfo.dask as fd

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: None)

        def frame() -> dd.DataFrame:
            # A fresh collection per call: recomputing one whose previous result the scheduler
            # still holds can return in milliseconds (seen here: 0.02 s against 2.7 s), which is
            # a cache hit, not a measurement.
            return dd.read_parquet(path, split_row_groups=10)

        if which == "fastinfo":

            def route() -> float:
                ddf = frame()
                return fd.mutual_information(ddf["x"], ddf["y"]).compute()
        elif which == "groupby":

            def route() -> float:
                ddf = frame()
                size = ddf.groupby(["x", "y"]).size().compute()
                counts = np.zeros((64, 64))
                idx = size.index
                counts[idx.get_level_values(0), idx.get_level_values(1)] = size.to_numpy()
                return mi_from_counts(counts)
        else:

            def route() -> float:
                ddf = frame()
                code = (ddf["x"] * 64 + ddf["y"]).to_dask_array(lengths=True)
                return mi_from_counts(da.bincount(code, minlength=4096).compute().reshape(64, 64))

        times, v = [], 0.0
        for _ in range(repeats):
            time.sleep(1.0)  # let the previous run's results be released first
            t = time.perf_counter()
            v = route()
            times.append(time.perf_counter() - t)
    return {"time": min(times), "times": [round(t, 3) for t in times], "value": v}


def case_pickle(path: Path, n: int) -> dict:
    import fastinfo

    jc = fastinfo.JointCounts(2)
    for batch in _batches(path, min(n, 10**7)):
        jc.update(batch.column(0), batch.column(1))
    cells = int(jc._counts.occupied()[0])
    size = len(pickle.dumps(jc))
    return {"bytes": size, "occupied cells": cells, "bytes per cell": size / cells}


def run_case(args: argparse.Namespace) -> None:
    path, n = Path(args.file), int(float(args.n))
    name, _, which = args.case.partition(":")
    if name == "memory":
        out = case_memory(path, n, args.repeats)
    elif name == "parquet":
        out = case_parquet(path, n, args.repeats, which)
    elif name == "dask":
        out = case_dask(path, n, args.repeats, which)
    elif name == "pickle":
        out = case_pickle(path, n)
    elif name == "scale":
        import pyarrow.dataset  # noqa: F401  (imports outside the timed region)

        import fastinfo  # noqa: F401

        t = time.perf_counter()
        stream_file(path, n)
        out = {"time": time.perf_counter() - t}
    else:
        raise ValueError(name)
    out["peak RSS MiB"] = peak_rss_mib()
    print(json.dumps(out))


def spawn(args: argparse.Namespace, case: str, n: int) -> dict:
    cmd = [sys.executable, __file__, "--case", case, "--file", args.file, "--n", str(n)]
    cmd += ["--repeats", str(args.repeats)]
    before = load()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:], "load": before}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["load"] = before
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="1e8")
    parser.add_argument("--file", default="/tmp/fastinfo-bench-streaming.parquet")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default="memory,parquet,dask,pickle")
    parser.add_argument("--scale", default="")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        run_case(args)
        return
    n = int(float(args.n))
    path = Path(args.file)
    rows = 0
    if path.exists():
        import pyarrow.parquet as pq

        rows = pq.ParquetFile(path).metadata.num_rows
    if rows < n:
        print(f"writing {n:.0e} rows to {path} ...", flush=True)
        write(path, n)
    print(f"n = {n:.0e}, file {path} ({path.stat().st_size / 2**20:.0f} MiB); load {load()}")
    cases = args.cases.split(",") if args.cases else []
    if "memory" in cases:
        print("memory:", spawn(args, "memory", n), flush=True)
    if "parquet" in cases:
        times, values = {}, {}
        for which in ("fastinfo", "duckdb", "polars", "bincount", "decode"):
            out = spawn(args, f"parquet:{which}", n)
            times[which] = out.get("time")
            values[which] = out.get("value")
            print(f"parquet {which:9s}", out, flush=True)
        mis = [values[w] for w in ("fastinfo", "duckdb", "polars", "bincount")]
        print("  same MI (1e-9 rel):", bool(np.allclose(mis, mis[0], rtol=1e-9, atol=0)))
        if times["fastinfo"]:
            for other in ("duckdb", "polars", "bincount", "decode"):
                if times[other]:
                    print(f"  {other} / fastinfo = {times[other] / times['fastinfo']:.2f}")
    if "dask" in cases:
        times, values = {}, {}
        for which in ("fastinfo", "groupby", "bincount"):
            out = spawn(args, f"dask:{which}", n)
            times[which] = out.get("time")
            values[which] = out.get("value")
            print(f"dask {which:9s}", out, flush=True)
        mis = list(values.values())
        print("  same MI (1e-9 rel):", bool(np.allclose(mis, mis[0], rtol=1e-9, atol=0)))
        if times["fastinfo"]:
            for other in ("groupby", "bincount"):
                if times[other]:
                    print(f"  {other} / fastinfo = {times[other] / times['fastinfo']:.2f}")
    if "pickle" in cases:
        print("pickle:", spawn(args, "pickle", n), flush=True)
    for m in filter(None, args.scale.split(",")):
        out = spawn(args, "scale", int(float(m)))
        print(f"scale n={float(m):.0e}", out, flush=True)


if __name__ == "__main__":
    main()
