"""Simulate a cluster's reduction on one machine: P partitions counted, pickled, merged in a tree.

    python benches/simulate_merge.py --partitions 1000 --rows 100000 --values 64 --split-every 8

Prints what docs/scaling.md's cost model predicts and what was measured: count time per
partition, pickled bytes per partition's counts, merge time per node, tree depth, and the total.
"""

from __future__ import annotations

import argparse
import math
import os
import pickle
import time

import numpy as np

import fastinfo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--partitions", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--values", type=int, default=64)
    parser.add_argument("--split-every", type=int, default=8)
    args = parser.parse_args()
    p, r, m, s = args.partitions, args.rows, args.values, args.split_every
    rng = np.random.default_rng(0)
    x = rng.integers(0, m, r, dtype=np.int32)
    y = ((x + rng.integers(0, m // 8 or 1, r, dtype=np.int32)) % m).astype(np.int32)
    print(f"P={p} partitions of R={r} rows, {m} x {m} values, split_every={s}; load {load()}")

    t0 = time.perf_counter()
    states = []
    for i in range(p):
        jc = fastinfo.JointCounts(2)
        # Rotating y keeps every partition different but the same size.
        jc.update(x, np.roll(y, i))
        states.append(pickle.dumps(jc))
    t_count = time.perf_counter() - t0
    sizes = [len(b) for b in states]

    t0 = time.perf_counter()
    level = states
    depth = 0
    nodes = 0
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), s):
            group = [pickle.loads(b) for b in level[i : i + s]]
            total = group[0]
            for g in group[1:]:
                total += g
            nxt.append(pickle.dumps(total))
            nodes += 1
        level = nxt
        depth += 1
    t_merge = time.perf_counter() - t0
    final = pickle.loads(level[0])
    assert final.n == p * r

    print(
        f"count+pickle per partition: {t_count / p * 1e3:.2f} ms ({r / (t_count / p):.3g} rows/s)"
    )
    print(f"pickled counts per partition: {np.mean(sizes):.0f} bytes (max {max(sizes)})")
    print(f"tree: depth {depth} (ceil(log_{s} P) = {math.ceil(math.log(p, s))}), {nodes} merges")
    print(f"merge (unpickle + add + pickle) per node: {t_merge / nodes * 1e3:.2f} ms")
    print(f"bytes moved in the tree: {sum(sizes) / 2**20:.2f} MiB for {p * r:.3g} rows")
    print(f"total: count {t_count:.2f} s + merge {t_merge:.2f} s; load {load()}")


def load() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


if __name__ == "__main__":
    main()
