"""Exact counts accumulated batch by batch, and the estimates the commands need from them.

This is the one place where the command line meets the streaming counts. Two classes:

- :class:`Joint`: the joint counts of ``k`` variables (``mi``, ``entropy``);
- :class:`Pairs`: the counts of every column, of every pair of columns and of every column with
  a target (``profile``).

Both take integer label arrays (see :mod:`fastinfo._cli.source`) and key counts by label value,
so batches with different alphabets merge correctly. Results are in nats.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

import fastinfo
from fastinfo._inputs import native

from .errors import UsageError

IntArray = npt.NDArray[Any]

#: fastinfo, typed loosely: its streaming counts (issue 12) may or may not be there.
_streaming: Any = fastinfo


def backend() -> str:
    """Which counts the commands use.

    ``"JointCounts"``: the streaming counts of the extension (``fastinfo.JointCounts``,
    ``PairwiseCounts``), every estimator. ``"fallback"``: the extension's counts of each batch
    merged here in numpy, the plug-in estimator only; used when fastinfo has no streaming counts,
    or when ``FASTINFO_CLI_COUNTS=fallback`` (for tests and comparisons).
    """
    if os.environ.get("FASTINFO_CLI_COUNTS") == "fallback" or not hasattr(fastinfo, "JointCounts"):
        return "fallback"
    return "JointCounts"


def check_estimator(estimator: str) -> None:
    """Refuse an estimator the accumulated counts cannot give."""
    if estimator not in fastinfo._native.ESTIMATORS:
        raise UsageError(
            f"--estimator must be one of {', '.join(fastinfo._native.ESTIMATORS)}, "
            f"got {estimator!r}"
        )
    if estimator != "plugin" and backend() == "fallback":
        raise UsageError(
            f"--estimator {estimator}: this build's streaming counts give the plug-in "
            "estimator only (the others need fastinfo.JointCounts)"
        )


def joint(k: int) -> Any:
    """Joint counts of ``k`` variables (:class:`Joint` or :class:`StreamingJoint`)."""
    return StreamingJoint(k) if backend() == "JointCounts" else Joint(k)


def table_counts(d: int, *, pairs: bool = True, target: bool = False) -> Any:
    """Counts for ``profile`` (:class:`Pairs` or :class:`StreamingPairs`)."""
    if backend() == "JointCounts":
        return StreamingPairs(d, pairs=pairs, target=target)
    return Pairs(d, pairs=pairs, target=target)


def entropy_of_counts(counts: npt.NDArray[np.int64]) -> float:
    """Plug-in entropy in nats of a histogram: ``log n - sum(c log c) / n``."""
    c = counts[counts > 0].astype(np.float64)
    n = float(c.sum())
    if n == 0.0:
        return 0.0
    return max(0.0, math.log(n) - math.fsum(c * np.log(c)) / n)


def information_of_table(table: npt.NDArray[np.int64]) -> float:
    """Plug-in mutual information in nats of a 2-D contingency table, summed term by term."""
    a = table.sum(axis=1).astype(np.float64)
    b = table.sum(axis=0).astype(np.float64)
    n = float(a.sum())
    rows, cols = np.nonzero(table)
    if n == 0.0 or rows.size == 0:
        return 0.0
    c = table[rows, cols].astype(np.float64)
    terms = c * (np.log(c) + math.log(n) - np.log(a[rows]) - np.log(b[cols]))
    return max(0.0, math.fsum(terms) / n)


#: Integer labels in ``[0, IDENTITY_LIMIT)`` are their own codes (no coding pass); a variable
#: with any other value is coded by a map from its values, the same in every batch.
IDENTITY_LIMIT = 256


def _dtype(bound: int) -> type[np.unsignedinteger[Any]]:
    return np.uint8 if bound <= 256 else np.uint16 if bound <= 65536 else np.uint32


class Codes:
    """Codes ``0 .. bound - 1`` for the label values of one variable, the same in every batch.

    While every value is an integer in ``[0, IDENTITY_LIMIT)``, a value is its own code (codes may
    have gaps: unseen values count 0). The first other value switches the variable to a map whose
    old entries keep their codes.
    """

    def __init__(self) -> None:
        self.identity = True
        self.bound = 0
        self.keys: npt.NDArray[Any] = np.zeros(0, dtype=np.int64)
        self.codes: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def encode(self, labels: IntArray) -> IntArray:
        """The codes of ``labels`` (new values get the next codes)."""
        if labels.dtype == np.bool_:
            labels = labels.view(np.uint8)
        if self.identity and labels.dtype.kind in "iu" and labels.size:
            low, high = int(labels.min()), int(labels.max())
            if low >= 0 and high < IDENTITY_LIMIT:
                self.bound = max(self.bound, high + 1)
                return labels
        if self.identity:
            self.identity = False
            self.keys = np.arange(self.bound, dtype=np.int64)
            self.codes = np.arange(self.bound, dtype=np.int64)
        if labels.dtype == np.uint64:
            # Keys are int64: the same bijection in every batch keeps values apart (a mixed
            # uint64/int64 search would compare through float64).
            labels = labels.view(np.int64)
        values, _ = fastinfo.counts(labels)
        values = values.astype(np.int64)
        new = values[~np.isin(values, self.keys)] if self.keys.size else values
        if new.size:
            keys = np.concatenate([self.keys, new])
            codes = np.concatenate([self.codes, np.arange(self.bound, self.bound + new.size)])
            self.bound += int(new.size)
            order = np.argsort(keys, kind="stable")
            self.keys, self.codes = keys[order], codes[order]
        dtype = _dtype(self.bound)
        low, high = int(values[0]), int(values[-1])
        if high - low < (1 << 20):
            # A small range: a lookup table instead of a binary search per label.
            table = np.zeros(high - low + 1, dtype=dtype)
            table[values - low] = self.codes[np.searchsorted(self.keys, values)]
            shifted = labels if low == 0 else labels.astype(np.int64) - low
            return table[shifted]
        return self.codes[np.searchsorted(self.keys, labels)].astype(dtype)


class Table:
    """A dense 2-D count table indexed by the codes of two variables, grown on demand."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.counts = np.zeros((0, 0), dtype=np.int64)

    def add(self, a: IntArray, b: IntArray, shape: tuple[int, int]) -> None:
        """Count the pairs ``(a[i], b[i])`` of codes; ``shape`` bounds them."""
        self.add_shape(*shape)
        # The extension's sparse table (the non-empty cells, each once): no dense table per batch.
        xv, yv, rows, columns, cells = fastinfo._native.contingency([a], [b], False)
        x, y = xv[0].astype(np.int64), yv[0].astype(np.int64)
        self.counts[x[rows], y[columns]] += cells

    def add_dense(self, table: npt.NDArray[np.int64]) -> None:
        """Add a dense table of counts whose rows and columns are codes from 0."""
        self.add_shape(table.shape[0], table.shape[1])
        self.counts[: table.shape[0], : table.shape[1]] += table

    def add_shape(self, rows: int, columns: int) -> None:
        """Grow the table to at least ``rows x columns`` (within the memory budget)."""
        if rows > self.counts.shape[0] or columns > self.counts.shape[1]:
            shape = (max(rows, self.counts.shape[0]), max(columns, self.counts.shape[1]))
            fastinfo._inputs.check_memory(
                8 * shape[0] * shape[1],
                f"the {shape[0]} x {shape[1]} table of {self.what}",
                "leave columns with very many distinct values out with --columns",
            )
            grown = np.zeros(shape, dtype=np.int64)
            grown[: self.counts.shape[0], : self.counts.shape[1]] = self.counts
            self.counts = grown


class Joint:
    """Joint counts of ``k`` variables, fed batch by batch with ``update``."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.n = 0
        self.codes = [Codes() for _ in range(k)]
        self.cells: dict[tuple[int, ...], int] = {}

    def update(self, *labels: IntArray) -> None:
        """Count one batch (``k`` label arrays of equal length)."""
        coded = [c.encode(x) for c, x in zip(self.codes, labels)]
        stacked = np.column_stack([c.astype(np.int64) for c in coded])
        rows, counts = fastinfo.counts(stacked)
        for row, count in zip(rows.tolist(), counts.tolist()):
            key = tuple(row)
            self.cells[key] = self.cells.get(key, 0) + count
        self.n += int(stacked.shape[0])

    def table(
        self, variables: Sequence[int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The distinct cells of the given variables (codes, one row each) and their counts."""
        if not self.cells:
            return np.zeros((0, len(variables)), dtype=np.int64), np.zeros(0, dtype=np.int64)
        keys = np.array(list(self.cells), dtype=np.int64)[:, list(variables)]
        counts = np.array(list(self.cells.values()), dtype=np.int64)
        cells, inverse = np.unique(keys, axis=0, return_inverse=True)
        return cells, np.bincount(inverse.reshape(-1), weights=counts).astype(np.int64)

    def distinct(self, i: int) -> int:
        """Number of distinct values of variable ``i``."""
        return int(self.table([i])[1].shape[0])

    def entropy(self, *variables: int, estimator: str = "plugin") -> float:
        """Joint entropy of the given variables, nats."""
        _, counts = self.table(variables)
        return entropy_of_counts(counts)

    def mutual_information(
        self, i: int, j: int, given: int | None = None, *, estimator: str = "plugin"
    ) -> float:
        """``I(i; j)``, or ``I(i; j | given)``, nats (plug-in, summed term by term)."""
        if given is None:
            cells, counts = self.table([i, j])
            table = np.zeros((self.codes[i].bound, self.codes[j].bound), dtype=np.int64)
            table[cells[:, 0], cells[:, 1]] = counts
            return information_of_table(table)
        cells, counts = self.table([given, i, j])
        total = 0.0
        n = float(counts.sum())
        for z in np.unique(cells[:, 0]):
            inside = cells[:, 0] == z
            table = np.zeros((self.codes[i].bound, self.codes[j].bound), dtype=np.int64)
            table[cells[inside, 1], cells[inside, 2]] = counts[inside]
            total += float(counts[inside].sum()) / n * information_of_table(table)
        return max(0.0, total)


#: Bits of one packed code: the joint table of a block of variables has at most 2^16 cells.
PACKED_BITS = 16


def cover(bits: Sequence[int], pairs: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Blocks of variables whose packed codes fit in ``PACKED_BITS`` and hold every narrow pair.

    Greedy: each block starts from an uncovered pair and takes the variable that adds the most
    uncovered pairs while it fits. Pairs too wide for a block are left out.
    """
    uncovered = {p for p in pairs if bits[p[0]] + bits[p[1]] <= PACKED_BITS}
    blocks: list[list[int]] = []
    while uncovered:
        i, j = min(uncovered)
        block, used = [i, j], bits[i] + bits[j]
        while True:
            best, gain = -1, 0
            for v in range(len(bits)):
                if v in block or used + bits[v] > PACKED_BITS:
                    continue
                new = sum(1 for u in block if (min(u, v), max(u, v)) in uncovered)
                if new > gain:
                    best, gain = v, new
            if best < 0:
                break
            block.append(best)
            used += bits[best]
        block.sort()
        blocks.append(block)
        uncovered -= {(u, v) for u in block for v in block if u < v}
    return blocks


class Pairs:
    """Counts of ``d`` columns: each alone, every pair (if ``pairs``) and each with a target."""

    def __init__(self, d: int, *, pairs: bool = True, target: bool = False) -> None:
        self.d = d
        self.n = 0
        self.has_target = target
        self.codes = [Codes() for _ in range(d + (1 if target else 0))]
        self.pairs = (
            {(i, j): Table(f"columns {i} and {j}") for i in range(d) for j in range(i + 1, d)}
            if pairs
            else {}
        )
        self.target = {i: Table(f"column {i} and the target") for i in range(d)} if target else {}
        self._blocks: dict[Any, list[list[int]]] = {}
        # A variable in no table keeps its own histogram (one column, no target or no pairs).
        self.alone = {
            v: np.zeros(0, dtype=np.int64)
            for v in range(len(self.codes))
            if not target and not (pairs and d > 1)
        }

    def update(self, columns: Sequence[IntArray], target: IntArray | None = None) -> None:
        """Count one batch: ``d`` label arrays (and the target's) of equal length."""
        variables = list(columns) + ([target] if target is not None else [])
        coded = [c.encode(x) for c, x in zip(self.codes, variables)]
        bounds = [c.bound for c in self.codes]
        for v, histogram in self.alone.items():
            counts = np.bincount(coded[v], minlength=bounds[v])
            counts[: histogram.shape[0]] += histogram
            self.alone[v] = counts
        tables = {**self.pairs, **{(i, self.d): t for i, t in self.target.items()}}
        done = self._packed(coded, bounds, tables)
        for (i, j), table in tables.items():
            if (i, j) not in done:
                table.add(coded[i], coded[j], (bounds[i], bounds[j]))
        self.n += int(coded[0].shape[0]) if coded else 0

    def _packed(
        self, coded: list[IntArray], bounds: list[int], tables: dict[tuple[int, int], Table]
    ) -> set[tuple[int, int]]:
        """Count the pairs of narrow variables by blocks; returns the pairs counted.

        One pass per block over the packed codes of its variables gives the joint table of the
        block, and every pair table in it.
        """
        bits = [max(1, (b - 1).bit_length()) for b in bounds]
        key = (tuple(bits), tuple(tables))
        blocks = self._blocks.get(key)
        if blocks is None:
            blocks = self._blocks[key] = cover(bits, list(tables))
        done: set[tuple[int, int]] = set()
        narrow: dict[int, IntArray] = {}
        for block in blocks:
            wanted = [
                (u, v) for u in block for v in block if (u, v) in tables and (u, v) not in done
            ]
            if not wanted:
                continue
            code = np.zeros(coded[block[0]].shape[0], dtype=np.uint16)
            for v in block:
                if v not in narrow:
                    narrow[v] = coded[v].astype(np.uint16, copy=False)
                code <<= bits[v]
                code |= narrow[v]
            cells = 1 << sum(bits[v] for v in block)
            joint = np.bincount(code, minlength=cells).reshape([1 << bits[v] for v in block])
            for u, v in wanted:
                a, b = block.index(u), block.index(v)
                others = tuple(k for k in range(len(block)) if k not in (a, b))
                table = joint.sum(axis=others) if others else joint
                tables[(u, v)].add_dense(table[: bounds[u], : bounds[v]])
                done.add((u, v))
        return done

    def margin(self, v: int) -> npt.NDArray[np.int64]:
        """The histogram of variable ``v`` (``d`` is the target), from a table that holds it."""
        if v in self.alone:
            return self.alone[v]
        if self.has_target:
            table, axis = (self.target[0], 0) if v == self.d else (self.target[v], 1)
        else:
            other = 1 if v == 0 else 0
            table = self.pairs[(min(v, other), max(v, other))]
            axis = 1 if v < other else 0
        return np.asarray(table.counts.sum(axis=axis), dtype=np.int64)

    def distinct(self, v: int) -> int:
        """Distinct values of column ``v`` (``d`` is the target)."""
        return int(np.count_nonzero(self.margin(v)))

    def entropies(self, estimator: str = "plugin") -> npt.NDArray[np.float64]:
        """Entropy of each column and, last, of the target; nats."""
        return np.array([entropy_of_counts(self.margin(v)) for v in range(len(self.codes))])

    def matrix(self, estimator: str = "plugin") -> npt.NDArray[np.float64]:
        """``M[i, j] = I(X_i; X_j)``, ``M[i, i] = H(X_i)``; nats."""
        out = np.diag(self.entropies(estimator)[: self.d])
        for (i, j), table in self.pairs.items():
            out[i, j] = out[j, i] = information_of_table(table.counts)
        return out

    def with_target(self, estimator: str = "plugin") -> npt.NDArray[np.float64]:
        """``I(X_i; target)`` for each column; nats."""
        return np.array([information_of_table(self.target[i].counts) for i in range(self.d)])


def _native_columns(labels: Sequence[IntArray]) -> list[tuple[str, IntArray, None]]:
    """Label arrays as the extension's streaming counts read them, without a copy.

    The labels are the command line's own (:mod:`fastinfo._cli.source`: integers, one array per
    variable), so the per-column checks of the public ``update`` are skipped.
    """
    return [("int", native(x), None) for x in labels]


class StreamingJoint:
    """:class:`Joint` on ``fastinfo.JointCounts``: every estimator."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.counts = _streaming.JointCounts(k)
        self.names = [f"variables[{i}]" for i in range(k)]

    @property
    def n(self) -> int:
        """Samples counted."""
        return int(self.counts.n)

    def update(self, *labels: IntArray) -> None:
        """Count one batch (``k`` label arrays of equal length)."""
        self.counts._counts.update(_native_columns(labels), self.names)

    def distinct(self, i: int) -> int:
        """Number of distinct values of variable ``i``."""
        return int(self.counts._counts.cardinalities()[i])

    def entropy(self, *variables: int, estimator: str = "plugin") -> float:
        """Joint entropy of the given variables, nats."""
        return float(self.counts.entropy(list(variables), estimator=estimator))

    def mutual_information(
        self, i: int, j: int, given: int | None = None, *, estimator: str = "plugin"
    ) -> float:
        """``I(i; j)``, or ``I(i; j | given)``, nats."""
        if given is None:
            return float(self.counts.mutual_information(i, j, estimator=estimator))
        return float(self.counts.conditional_mutual_information(i, j, given, estimator=estimator))

    def table(
        self, variables: Sequence[int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The distinct cells of the given variables (value ranks, one row each), their counts."""
        values, counts = self.counts._counts.counts(list(variables))
        ranks = [np.unique(np.asarray(v), return_inverse=True)[1].reshape(-1) for v in values]
        cells = np.column_stack(ranks) if ranks else np.zeros((0, 0), dtype=np.int64)
        return cells.astype(np.int64), np.asarray(counts, dtype=np.int64)


class StreamingPairs:
    """:class:`Pairs` on the streaming counts of the extension: every estimator.

    ``fastinfo.PairwiseCounts`` with the target as one more column; without the matrix,
    ``TargetCounts`` and one ``JointCounts`` per variable.
    """

    def __init__(self, d: int, *, pairs: bool = True, target: bool = False) -> None:
        self.d = d
        self.variables = d + (1 if target else 0)
        self.has_target = target
        self.pairs = _streaming.PairwiseCounts(self.variables) if pairs else None
        self.target = _streaming.TargetCounts(d) if target and not pairs else None
        self.alone = [_streaming.JointCounts(1) for _ in range(self.variables)] if not pairs else []
        self.names = [f"X[:, {j}]" for j in range(d)] + (["y"] if target else [])

    @property
    def n(self) -> int:
        """Rows counted."""
        first = self.pairs if self.pairs is not None else self.alone[0]
        return int(first.n)

    def update(self, columns: Sequence[IntArray], target: IntArray | None = None) -> None:
        """Count one batch: ``d`` label arrays (and the target's) of equal length."""
        # Straight to the extension: one column per variable, no (n, d) matrix built per batch.
        variables = list(columns) + ([target] if target is not None else [])
        if self.pairs is not None:
            self.pairs._counts.update(_native_columns(variables), self.names)
        if self.target is not None and target is not None:
            self.target._counts.update(_native_columns(variables), self.names)
        for counts, x in zip(self.alone, variables):
            counts._counts.update(_native_columns([x]), ["x"])

    def distinct(self, v: int) -> int:
        """Distinct values of column ``v`` (``d`` is the target)."""
        if self.pairs is not None:
            return int(self.pairs._counts.cardinalities()[v])
        return int(self.alone[v]._counts.cardinalities()[0])

    def entropies(self, estimator: str = "plugin") -> npt.NDArray[np.float64]:
        """Entropy of each column and, last, of the target; nats."""
        if self.pairs is not None:
            return np.diag(np.asarray(self.pairs.mutual_information_matrix(estimator=estimator)))
        return np.array([c.entropy(0, estimator=estimator) for c in self.alone])

    def matrix(self, estimator: str = "plugin") -> npt.NDArray[np.float64]:
        """``M[i, j] = I(X_i; X_j)``, ``M[i, i] = H(X_i)``; nats."""
        assert self.pairs is not None
        full = np.asarray(self.pairs.mutual_information_matrix(estimator=estimator))
        return full[: self.d, : self.d]

    def with_target(self, estimator: str = "plugin") -> npt.NDArray[np.float64]:
        """``I(X_i; target)`` for each column; nats."""
        if self.pairs is not None:
            full = np.asarray(self.pairs.mutual_information_matrix(estimator=estimator))
            return full[: self.d, self.d]
        assert self.target is not None
        return np.asarray(self.target.mutual_information_with(estimator=estimator))


def normalized(information: float, h_a: float, h_b: float, constant: bool, average: str) -> float:
    """NMI with scikit-learn's conventions: two constant variables give 1, ``I = 0`` gives 0."""
    if constant:
        return 1.0
    if information == 0.0:
        return 0.0
    if average == "min":
        scale = min(h_a, h_b)
    elif average == "geometric":
        scale = math.sqrt(h_a * h_b)
    elif average == "arithmetic":
        scale = (h_a + h_b) / 2
    else:
        scale = max(h_a, h_b)
    return information / scale if scale > 0 else 0.0
