"""Time fastinfo on string labels against ``pd.factorize`` + the integer path and ``Counter``.

Run from the repository root after installing the extension (release build)::

    python benches/bench_strings.py              # 212,000 words, the size of issue 11
    python benches/bench_strings.py --n 2000000  # more words (the text is repeated)
    python benches/bench_strings.py --quick      # smoke run: 20,000 words, 3 repeats

The words are the identifiers and words (``\\w+``) of the Python standard library's own sources,
in file order: a real text with a Zipf-like law (tens of thousands of distinct words). The same
words go into every container fastinfo reads: a list, an object array (how pandas object columns
arrive), a numpy ``U`` array, a pandas ``string[pyarrow]`` Series, pyarrow arrays (``string``,
``large_string``, sliced, chunked and ``string_view``) and a polars Series (pyarrow and polars are
optional: their rows are skipped when missing).

Per container, every contender computes the plug-in entropy of the words (nats):

- ``fastinfo``: ``fastinfo.entropy(x)``;
- ``pd.factorize + int``: ``fastinfo.entropy(pd.factorize(x)[0])`` (pandas' hash table, then
  fastinfo's integer path; a list goes in as an object array, polars as ``s.to_numpy()``,
  pyarrow as an ``ArrowDtype`` Series);
- ``Counter``: ``collections.Counter(x)`` and the entropy of its counts (for pyarrow and polars
  after ``to_pylist()``/``to_list()``);
- ``pyarrow dictionary_encode + int`` / ``polars value_counts`` where they apply;
- ``old route``: what fastinfo did before issue 11 (object arrays: a Python dict loop; lists
  and ``U`` arrays: ``np.unique(return_inverse=True)``), then the integer path.

Every contender is first checked to give fastinfo's entropy to 1e-12 relative. Times are medians
of ``--repeats`` interleaved calls after that checking call; ratio = contender / fastinfo (above
1: fastinfo is faster). The load average is printed before and after: wall-clock figures are only
worth comparing from an idle machine.
"""

from __future__ import annotations

import argparse
import collections
import math
import re
import statistics
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import fastinfo

try:
    import pyarrow as pa
    import pyarrow.compute as pc
except ImportError:  # pragma: no cover - optional
    pa = None
try:
    import polars as pl
except ImportError:  # pragma: no cover - optional
    pl = None


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        import os

        return "load average: " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def stdlib_words(n: int) -> list[str]:
    """The first ``n`` words of the standard library's sources (repeated if there are fewer)."""
    words: list[str] = []
    pattern = re.compile(r"\w+")
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(root.glob("*.py")) + sorted(root.glob("*/*.py")):
        try:
            words.extend(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
        if len(words) >= n:
            break
    if not words:
        raise SystemExit(f"no .py sources under {root}")
    while len(words) < n:
        words.extend(words[: n - len(words)])
    return words[:n]


def entropy_of_counts(counts: Any) -> float:
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    return float(math.log(total) - np.dot(c, np.log(c)) / total)


def old_objects(x: np.ndarray) -> float:
    """Before issue 11: object arrays went through a Python dict loop."""
    table: dict[object, int] = {}
    codes = np.empty(x.shape[0], dtype=np.int64)
    for i, value in enumerate(x.tolist()):
        codes[i] = table.setdefault(value, len(table))
    return fastinfo.entropy(codes)


def old_fixed(x: Any) -> float:
    """Before issue 11: lists became numpy U arrays, sorted by np.unique."""
    return fastinfo.entropy(np.unique(np.asarray(x), return_inverse=True)[1].reshape(-1))


def containers(words: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {
        "list": list(words),
        "object array": np.array(words, dtype=object),
        "numpy U": np.array(words, dtype=str),
        "pandas object": pd.Series(words, dtype=object),
    }
    if pa is not None:
        found["pandas string[pyarrow]"] = pd.Series(words, dtype="string[pyarrow]")
        found["pyarrow"] = pa.array(words, pa.string())
        # The other Arrow layouts fastinfo reads in place: 64-bit offsets, a slice at a non-zero
        # offset, many chunks (not concatenated) and views.
        found["pyarrow large_string"] = pa.array(words, pa.large_string())
        found["pyarrow sliced"] = pa.array(["pad", *words], pa.string()).slice(1)
        found["pyarrow chunked"] = pa.chunked_array(
            [words[i : i + 4096] for i in range(0, len(words), 4096)], pa.string()
        )
        if hasattr(pa, "string_view"):
            found["pyarrow string_view"] = pa.array(words, pa.string_view())
    if pl is not None:
        found["polars"] = pl.Series(words, dtype=pl.String)
    return found


def contenders(kind: str, x: Any) -> dict[str, Callable[[], float]]:
    found: dict[str, Callable[[], float]] = {"fastinfo": lambda: fastinfo.entropy(x)}
    if kind == "polars":
        found["pd.factorize + int"] = lambda: fastinfo.entropy(pd.factorize(x.to_numpy())[0])
        found["polars value_counts"] = lambda: entropy_of_counts(
            x.value_counts()["count"].to_numpy()
        )
        found["Counter"] = lambda: entropy_of_counts(
            list(collections.Counter(x.to_list()).values())
        )
    elif kind.startswith("pyarrow"):
        found["pd.factorize + int"] = lambda: fastinfo.entropy(
            pd.factorize(pd.Series(x, dtype=pd.ArrowDtype(x.type)))[0]
        )
        if kind == "pyarrow":
            found["pyarrow dictionary_encode + int"] = lambda: fastinfo.entropy(
                pc.dictionary_encode(x).indices.to_numpy()
            )
            found["Counter"] = lambda: entropy_of_counts(
                list(collections.Counter(x.to_pylist()).values())
            )
    elif kind == "list":  # pandas refuses lists: an object array first
        found["pd.factorize + int"] = lambda: fastinfo.entropy(
            pd.factorize(np.array(x, dtype=object))[0]
        )
        found["Counter"] = lambda: entropy_of_counts(list(collections.Counter(x).values()))
    else:
        found["pd.factorize + int"] = lambda: fastinfo.entropy(pd.factorize(x)[0])
        found["Counter"] = lambda: entropy_of_counts(list(collections.Counter(x).values()))
    if kind in ("object array", "pandas object"):
        found["old route"] = lambda: old_objects(np.asarray(x))
    elif kind in ("list", "numpy U"):
        found["old route"] = lambda: old_fixed(x)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=lambda s: int(float(s)), default=212_000, help="words")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="20,000 words, 3 repeats")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeats = 20_000, 3
    print(f"before: {uptime()}")
    words = stdlib_words(args.n)
    print(
        f"{len(words):,} words of the standard library's sources, {len(set(words)):,} distinct; "
        f"fastinfo {fastinfo.__version__}, {fastinfo.get_num_threads()} threads, "
        f"pandas {pd.__version__}, pyarrow {getattr(pa, '__version__', '-')}, "
        f"polars {getattr(pl, '__version__', '-')}, Python {sys.version.split()[0]}"
    )
    print(f"{'container':24} {'contender':32} {'median ms':>10} {'ratio':>7}")
    for kind, x in containers(words).items():
        routes = contenders(kind, x)
        want = routes["fastinfo"]()
        for name, f in routes.items():
            got = f()
            if not math.isclose(got, want, rel_tol=1e-12):
                raise SystemExit(
                    f"{kind}, {name}: entropy {got!r} differs from fastinfo's {want!r}"
                )
        times: dict[str, list[float]] = {name: [] for name in routes}
        for _ in range(args.repeats):
            for name, f in routes.items():
                start = time.perf_counter()
                f()
                times[name].append(time.perf_counter() - start)
        base = statistics.median(times["fastinfo"])
        for name in routes:
            t = statistics.median(times[name])
            print(f"{kind:24} {name:32} {t * 1e3:10.2f} {t / base:7.2f}")
    print(f"after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
