"""Per-call overhead of two or more builds of fastinfo, side by side (e.g. abi3 against cp311).

Each interpreter given must have its own fastinfo installed (one virtual environment per build)::

    python benches/bench_overhead.py /tmp/venv-cp311/bin/python /tmp/venv-abi3/bin/python

The builds take turns: each round runs every interpreter once, in a fresh process, in alternating
order. Small calls (where the Python/Rust boundary is most of the cost) are timed as the best of
5 loops of many calls, in microseconds per call; large calls as the best of 5 calls, in
milliseconds. Both wall time and process CPU time (all threads; steadier on a busy machine) are
kept. The tables give, per case and build, the median over rounds, and the median of the per-round
ratios to the first build (paired, so a busy spell slows both sides of a round).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap

# Run inside each interpreter: prints {case: seconds per call}.
WORKER = textwrap.dedent(
    """
    import json, time
    import numpy as np
    import fastinfo, fastinfo.pmf

    rng = np.random.default_rng(0)
    x10 = rng.integers(0, 3, 10, dtype=np.int64)
    y10 = rng.integers(0, 3, 10, dtype=np.int64)
    p4 = np.array([0.1, 0.2, 0.3, 0.4])
    q4 = np.array([0.25, 0.25, 0.25, 0.25])
    x = rng.integers(0, 64, 10_000_000, dtype=np.int32)
    y = (x + rng.integers(0, 8, 10_000_000, dtype=np.int32)) % 64
    P = rng.dirichlet(np.ones(64), size=300)

    def small(f, calls):
        wall = cpu = float("inf")
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(calls):
                f()
            wall = min(wall, (time.perf_counter() - start) / calls)
            cpu = min(cpu, (time.process_time() - start_cpu) / calls)
        return wall, cpu

    def large(f):
        f()
        wall = cpu = float("inf")
        for _ in range(5):
            start, start_cpu = time.perf_counter(), time.process_time()
            f()
            wall = min(wall, time.perf_counter() - start)
            cpu = min(cpu, time.process_time() - start_cpu)
        return wall, cpu

    cases = {
        "entropy, 10 int64 [us]": lambda: small(lambda: fastinfo.entropy(x10), 20_000),
        "mutual_information, 10 + 10 int64 [us]": lambda: small(
            lambda: fastinfo.mutual_information(x10, y10), 20_000
        ),
        "pmf.kl_divergence, 4-vectors [us]": lambda: small(
            lambda: fastinfo.pmf.kl_divergence(p4, q4), 20_000
        ),
        "pmf.entropy, a list of 2 [us]": lambda: small(
            lambda: fastinfo.pmf.entropy([0.5, 0.5]), 20_000
        ),
        "get_num_threads [us]": lambda: small(fastinfo.get_num_threads, 200_000),
        "mutual_information, 1e7 int32 64 x 64 [ms]": lambda: large(
            lambda: fastinfo.mutual_information(x, y)
        ),
        "entropy, 1e7 int32 [ms]": lambda: large(lambda: fastinfo.entropy(x)),
        "pmf.pairwise js, 300 x 300 x 64 [ms]": lambda: large(
            lambda: fastinfo.pmf.pairwise(P, metric="js")
        ),
    }
    print(json.dumps({case: run() for case, run in cases.items()}))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("python", nargs="+", help="interpreters, each with a fastinfo build")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    times: dict[str, dict[str, list[list[float]]]] = {p: {} for p in args.python}
    for r in range(args.rounds):
        order = args.python if r % 2 == 0 else args.python[::-1]
        for python in order:
            out = subprocess.run(
                [python, "-c", WORKER], capture_output=True, text=True, check=True, env=env, cwd="/"
            ).stdout
            for case, seconds in json.loads(out).items():
                times[python].setdefault(case, []).append(seconds)
        print(
            f"round {r + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.1f}", flush=True
        )

    first = args.python[0]
    for clock, name in enumerate(["wall time", "process CPU time"]):
        print(f"\n{name}: median over {args.rounds} rounds (ratio to {first}: median per round)")
        for case in times[first]:
            scale = 1e6 if case.endswith("[us]") else 1e3
            base = [t[clock] for t in times[first][case]]
            cells = []
            for python in args.python:
                values = [t[clock] for t in times[python][case]]
                ratio = statistics.median(v / b for v, b in zip(values, base))
                cells.append(f"{statistics.median(values) * scale:9.3f} (x{ratio:.3f})")
            print(f"{case:<44}" + "  ".join(cells))
    print("builds: " + ", ".join(args.python))
    sys.exit(0)


if __name__ == "__main__":
    main()
