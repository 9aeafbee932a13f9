"""Running ``fastinfo`` data commands in a subprocess, and small data files of every format."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pathlib
import subprocess
import sys
from typing import Any

import numpy as np

N = 600


def run(
    *args: Any, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """``python -m fastinfo ARGS`` with captured text output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "fastinfo", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def run_inside(*args: Any) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``fastinfo ARGS`` run in this process (faster than a
    subprocess; the subprocess route is tested in test_cli_outputs and test_cli_errors)."""
    from fastinfo.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def run_json(*args: Any) -> dict[str, Any]:
    """The JSON a successful command prints (run in this process)."""
    code, out, err = run_inside(*args, "--json")
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def columns(seed: int = 0) -> dict[str, np.ndarray]:
    """A small table: sorted int labels (so early batches see few values), a noisy copy, strings
    with a missing value, bools, floats, a target, and sorted labels that pass 255 mid-way."""
    rng = np.random.default_rng(seed)
    a = np.sort(rng.integers(0, 5, N)).astype(np.int64)
    b = (a + (rng.random(N) < 0.3) * rng.integers(0, 3, N)).astype(np.int32)
    t = ((a + rng.integers(0, 2, N)) % 3).astype(np.int64)
    s = np.array(["red", "green", "blue", "grey"], dtype=object)[(a + b) % 4]
    s[7] = None
    d = rng.random(N) < 0.4
    f = rng.normal(size=N) + a
    # Values below 256 in the first batches, above later: the coding of w changes mid-stream.
    w = (a * 100).astype(np.int16)
    # Many distinct values: a pair of them is too wide for a packed block.
    i = np.arange(N, dtype=np.int64) * 3
    j = (N - np.arange(N)) * 7 % 1000
    return {"a": a, "b": b, "s": s, "d": d, "f": f, "t": t, "w": w, "i": i, "j": j}


def write_all(directory: pathlib.Path) -> dict[str, pathlib.Path]:
    """The table as CSV, Parquet, Feather and (integer columns only) NPY files."""
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    data = columns()
    table = pa.table({k: pa.array(list(v) if v.dtype == object else v) for k, v in data.items()})
    paths = {
        "csv": directory / "table.csv",
        "parquet": directory / "table.parquet",
        "feather": directory / "table.feather",
        "npy": directory / "table.npy",
    }
    pcsv.write_csv(table, paths["csv"])
    pq.write_table(table, paths["parquet"], row_group_size=250)
    feather.write_feather(table, paths["feather"], chunksize=250)
    np.save(paths["npy"], np.column_stack([data["a"], data["b"], data["t"]]))
    return paths
