"""The command line (issue 14): ``fastinfo profile`` of a Parquet file against pyarrow reading the
same columns in batches, with the peak RSS of each, in one run.

    python benches/bench_cli.py                      # n = 10^8 rows (the target; ~2 GB file)
    python benches/bench_cli.py --n 1e6 1e7 3e7      # a curve at smaller n
    python benches/bench_cli.py --quick              # n = 10^6, one repeat

Data: ``d = 16`` int8 columns of 16 values each plus a 16-valued target (the target depends on
the first columns, so the ranking is not flat), written once per n to ``--dir`` as Parquet with
row groups of 10^6 rows (snappy), kept between runs.

Contenders, each a fresh process (so the peak RSS is its own), best of ``--repeats``:

- ``read``: ``pyarrow.parquet.ParquetFile(pre_buffer=False).iter_batches`` (as the CLI reads,
  ``fastinfo._batches.parquet_batches``) over the 17 columns, batches of ``--batch-rows`` rows
  (default the CLI's, 2^20) (the floor: decoding alone);
- ``profile``: ``fastinfo profile FILE --target t --quiet --json --batch-rows N`` (reads the
  same batches in a thread while it counts every column, all 136 pairs of the 16 columns and
  the target).

Both take the same ``--batch-rows``, so the floor is read as the CLI reads. Measured at 10^7
rows (best of 3, load ~1): 2^18-row batches read a little faster (0.35 s against 0.43 s, less
page-fault time) with a third less peak RSS, but ``profile`` was the same (1.32 s against
1.38 s) and at 10^8 slower (8.25 s against 7.32 s, one run each), hence the 2^20 default.

Target: ``profile`` within 1.5x of ``read``, peak RSS under 1.5 GB. Wall-clock times on a shared
machine are noisy: the load average is printed with every row.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from fastinfo._cli.source import DEFAULT_BATCH_ROWS

# Each contender runs in a child that prints its own peak RSS (VmHWM: per address space, reset
# by exec, unlike ru_maxrss, which a child inherits from the parent that forked it).
PEAK = """
import atexit, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write(f"PEAK_KB {line.split()[1]}\\n")
atexit.register(_peak)
"""

READ = (
    PEAK
    + """
import pyarrow.parquet as pq
rows = 0
with pq.ParquetFile(sys.argv[1], pre_buffer=False) as f:
    for batch in f.iter_batches(batch_size=int(sys.argv[2]), use_threads=True):
        rows += batch.num_rows
print(rows)
"""
)

PROFILE = (
    PEAK
    + """
from fastinfo.__main__ import main
sys.exit(main(["profile", sys.argv[1], "--target", "t", "--quiet", "--json",
              "--batch-rows", sys.argv[2]]))
"""
)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def write(path: str, n: int, d: int, seed: int = 0) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    schema = pa.schema([(f"c{j}", pa.int8()) for j in range(d)] + [("t", pa.int8())])
    step = 1_000_000
    temporary = path + ".part"
    with pq.ParquetWriter(temporary, schema, compression="snappy") as writer:
        for start in range(0, n, step):
            m = min(step, n - start)
            cols = rng.integers(0, 16, (d, m), dtype=np.int8)
            t = (cols[0] + cols[1] // 4 + rng.integers(0, 4, m, dtype=np.int8)) % 16
            arrays = [pa.array(c) for c in cols] + [pa.array(t.astype(np.int8))]
            writer.write_batch(pa.record_batch(arrays, schema=schema), row_group_size=step)
    os.replace(temporary, path)


def measure(command: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (GB) of one child process."""
    start = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed: {result.stderr}")
    peak = [line.split()[1] for line in result.stderr.splitlines() if line.startswith("PEAK_KB")]
    if not peak:
        sys.exit(f"{' '.join(command[:2])}: no peak RSS reported; stderr: {result.stderr[-2000:]}")
    return elapsed, int(peak[-1]) / 1e6  # kB -> GB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", nargs="+", type=lambda s: int(float(s)), default=[100_000_000])
    parser.add_argument("--d", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dir", default="/tmp/fastinfo-bench-cli")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--batch-rows",
        type=lambda s: int(float(s)),
        default=DEFAULT_BATCH_ROWS,
        help="rows per batch of both contenders (default: the command line's)",
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeats = [1_000_000], 1
    os.makedirs(args.dir, exist_ok=True)
    print(
        f"d = {args.d} int8 columns of 16 values + target; batches of {args.batch_rows:,} rows; "
        f"best of {args.repeats}"
    )
    print(
        f"{'n':>12} {'read s':>8} {'profile s':>10} {'ratio':>6} {'read GB':>8} "
        f"{'profile GB':>10} {'M rows/s':>9}  load (1 5 15 min)"
    )
    for n in args.n:
        path = os.path.join(args.dir, f"n{n}_d{args.d}.parquet")
        if not os.path.exists(path):
            print(f"writing {path} ...", flush=True)
            write(path, n, args.d)
        read = [sys.executable, "-c", READ, path, str(args.batch_rows)]
        profile = [sys.executable, "-c", PROFILE, path, str(args.batch_rows)]
        measure(read)  # warm the page cache
        times: dict[str, list[tuple[float, float]]] = {"read": [], "profile": []}
        for _ in range(args.repeats):  # interleaved rounds
            times["read"].append(measure(read))
            times["profile"].append(measure(profile))
        t_read, m_read = min(t for t, _ in times["read"]), max(m for _, m in times["read"])
        t_prof, m_prof = min(t for t, _ in times["profile"]), max(m for _, m in times["profile"])
        print(
            f"{n:>12,} {t_read:>8.2f} {t_prof:>10.2f} {t_prof / t_read:>6.2f} {m_read:>8.2f} "
            f"{m_prof:>10.2f} {n / t_prof / 1e6:>9.1f}  {load()}",
            flush=True,
        )


if __name__ == "__main__":
    main()
