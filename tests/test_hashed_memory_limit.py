"""Hashed tables (labels with a wide range of values) grow within FASTINFO_MEMORY_LIMIT.

Every public route that counts into a hash table or a dictionary of distinct values must, once
the table would outgrow the budget, raise a MemoryError naming the budget: never abort the
interpreter and never succeed beyond it. The budget is read at each call from the environment;
each scenario runs in a fresh interpreter (one per budget) so that a crash shows as a failed
test rather than taking pytest down.

The labels are ~30% distinct values spread over the whole int64 range: too many distinct values
for the budget, yet not "mostly distinct" (which would take the sorted path, budgeted up front),
and too wide for a dense table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

# One budget far below what the hashed tables need (about 90 000 distinct values: a dictionary
# of 512 Ki slots, 2 MiB, and hash tables of 16 bytes a slot), one far above.
TIGHT = "1e6"
AMPLE = "1e9"

SCENARIOS = {
    "entropy": "fi.entropy(x)",
    "joint_entropy": "fi.joint_entropy(x, z)",
    "conditional_entropy": "fi.conditional_entropy(x, y)",
    "mutual_information": "fi.mutual_information(x, y)",
    "mutual_information_wide_pair": "fi.mutual_information(x, z)",
    "conditional_mutual_information": "fi.conditional_mutual_information(x, y, z)",
    "counts": "fi.counts(x)",
    "contingency_sparse": "fi.contingency(x, y, sparse=True)",
    "normalized_mutual_information": "fi.normalized_mutual_information(x, z)",
    "adjusted_mutual_information": "fi.adjusted_mutual_information(x, y)",
    "variation_of_information": "fi.variation_of_information(x, z)",
    "g_test": "fi.g_test(x, y)",
    "total_correlation": "fi.total_correlation(np.column_stack([x, z]))",
    "transfer_entropy": "fi.transfer_entropy(x, y)",
    "JointCounts.update": "j = fi.JointCounts(2); j.update(x, y)",
    "JointCounts.update_strings": "j = fi.JointCounts(1); j.update(s)",
    "entropy_strings": "fi.entropy(s)",
}

RUNNER = r"""
import json, sys
import numpy as np
import fastinfo as fi

rng = np.random.default_rng(11)
n = 300_000
wide = rng.integers(-(2**62), 2**62, n, dtype=np.int64)
x = np.where(rng.random(n) < 0.3, wide, 0).astype(np.int64)
z = np.where(rng.random(n) < 0.3, wide[::-1], 7).astype(np.int64)
y = rng.integers(0, 5, n).astype(np.int64)
s = np.where(rng.random(n) < 0.3, wide.astype(str), "a").astype(object)
results = {}
for name, code in json.loads(sys.argv[1]).items():
    try:
        exec(code)
        results[name] = ["ok", ""]
    except BaseException as e:  # noqa: BLE001 - every outcome is reported
        results[name] = [type(e).__name__, str(e)]
print(json.dumps(results))
"""


def run_all(limit: str) -> dict[str, list[str]]:
    env = dict(os.environ, FASTINFO_MEMORY_LIMIT=limit)
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, json.dumps(SCENARIOS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"the interpreter died ({done.returncode}): {done.stderr[-2000:]}"
    results: dict[str, list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


@pytest.fixture(scope="module")
def tight() -> dict[str, list[str]]:
    return run_all(TIGHT)


@pytest.fixture(scope="module")
def ample() -> dict[str, list[str]]:
    return run_all(AMPLE)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_over_the_budget_is_a_memory_error(tight: dict[str, list[str]], name: str) -> None:
    kind, message = tight[name]
    assert kind == "MemoryError", (kind, message)
    assert "FASTINFO_MEMORY_LIMIT" in message, message
    assert "would need" in message, message


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_within_the_budget_it_succeeds(ample: dict[str, list[str]], name: str) -> None:
    assert ample[name] == ["ok", ""]


def test_the_hashed_growth_itself_is_refused(tight: dict[str, list[str]]) -> None:
    # Not only the up-front estimates: the growth of a hash table or dictionary is checked.
    grown = [n for n, (_, m) in tight.items() if "distinct" in m and "hash table" in m]
    assert {"entropy", "counts", "mutual_information"} <= set(grown), tight
