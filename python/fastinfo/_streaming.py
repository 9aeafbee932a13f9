"""Mergeable counts: :class:`JointCounts` (and what the three classes share).

Exact joint counts, keyed by label *values*, that accumulate batch by batch and merge across
processes; every estimate is computed from them in a canonical cell order, so it is the same, bit
for bit, whatever the batches and the merge order, and equals the function of the concatenated
samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _batches, _native
from ._inputs import (
    Base,
    as_array,
    check_bool,
    check_estimator,
    check_memory,
    log_base,
)
from ._stream_columns import (
    Variables,
    _column,
    _column_names,
    _decode,
    _indices,
    _not_a_batch,
    _require_columns,
    _size,
    _table_column,
    _table_names,
    _tables_only,
)


class _Counts:
    """What the three classes share: the native counts, merging, pickling, equality."""

    __slots__ = ("_counts",)
    _layout = ""

    _counts: _native.Counts

    def _merge_checked(self, other: object) -> None:
        if type(other) is not type(self):
            raise TypeError(f"other must be a {type(self).__name__}, got {type(other).__name__}")
        theirs = other._counts
        if theirs is self._counts:
            theirs = theirs.copy()
        self._counts.merge(theirs)

    @property
    def n(self) -> int:
        """Number of samples counted."""
        return int(self._counts.n)

    def copy(self) -> Any:
        """An independent copy."""
        new = object.__new__(type(self))
        new._counts = self._counts.copy()
        return new

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_restore, (type(self).__name__, self._counts.to_bytes()))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._counts.to_bytes() == other._counts.to_bytes())

    __hash__ = None  # type: ignore[assignment]

    def __iadd__(self, other: Any) -> Any:
        self._merge_checked(other)
        return self

    def __add__(self, other: Any) -> Any:
        if type(other) is not type(self):
            return NotImplemented
        total = self.copy()
        total._merge_checked(other)
        return total

    def _adopt(self, work: Any) -> None:
        """Take the counts of ``work`` (a copy these counts updated), at the end of a stream."""
        self._counts = work._counts

    def merge(self, other: Any, /) -> Any:
        """Add the counts of ``other`` (the same class and size) in place; return ``self``.

        All or nothing: if ``other`` cannot be merged (another size, other label kinds, over the
        memory budget) an error is raised and these counts are unchanged.
        """
        self._merge_checked(other)
        return self


def _restore(cls: str, state: bytes) -> Any:
    """Unpickle counts: the class name and their canonical bytes."""
    from ._table_counts import PairwiseCounts, TargetCounts

    classes: dict[str, Any] = {
        "JointCounts": JointCounts,
        "PairwiseCounts": PairwiseCounts,
        "TargetCounts": TargetCounts,
    }
    new = object.__new__(classes[cls])
    counts = _native.Counts.from_bytes(state)
    if counts.layout[0] != classes[cls]._layout:
        raise ValueError(f"state holds the counts of another class than {cls}")
    new._counts = counts
    return new


class JointCounts(_Counts):
    """Exact, mergeable joint counts of ``n_variables`` discrete variables.

    Counts accumulate batch by batch (``update``) and merge across processes (``merge``,
    ``+``, ``+=``, ``pickle``); every estimate is a method taking ``base=`` and ``estimator=``
    exactly like the sample functions, and equals that function on the concatenated samples.

    Parameters
    ----------
    n_variables : int
        Number of variables (``0 .. n_variables - 1``), at least 1.

    See Also
    --------
    PairwiseCounts : counts for the mutual information matrix of a table.
    TargetCounts : counts for the information of every column with a target.

    Notes
    -----
    **Keyed by value.** Counts are keyed by the labels' values, not by codes of one batch, so
    batches with different or disjoint alphabets merge correctly. A variable's labels may be
    integers of any dtype (``5`` as ``uint8`` and as ``int64`` is one value), bools, strings,
    bytes, datetimes, pandas categoricals, pyarrow arrays (dictionary arrays keep their codes)
    and polars Series. All batches of one variable must hold one *kind* of label: integers in
    one batch and strings (or bools) in the next raise ``TypeError``. Floats raise
    ``TypeError``: bin them first with fixed edges, ``fastinfo.discretize(x, bins=32,
    range=(lo, hi))``, so that every batch bins alike.

    **Exact and deterministic.** Counts are exact integers. Estimates re-code every value by its
    rank and sum over the cells in ascending order: the result depends only on the multiset of
    samples, bit for bit, whatever the batches, their order and the merge tree, and equals the
    function on the concatenated samples (which counts the same table the same way).

    **Dask.** ``fastinfo.dask.joint_counts`` builds these counts from Dask collections, one
    per partition merged in a tree.

    **All or nothing.** A batch (or a merge) that fails raises and leaves the counts unchanged:
    a wrong input, a kind that differs from earlier batches, more memory than the budget or
    than the allocator gives (``MemoryError``), or counts beyond 2**64 - 1 samples
    (``ValueError``).

    **Threads** may share one object: each call locks the counts (releasing the GIL while it
    waits), so concurrent updates are applied one after the other and a query sees whole
    batches only.

    **Memory** grows with the occupied cells and the distinct values, never with the samples;
    above the budget (``FASTINFO_MEMORY_LIMIT``) a ``MemoryError`` names the size. ``pickle``
    writes a canonical byte string (values sorted, cells as gaps between ranks, varints): a few
    bytes per occupied cell.

    Examples
    --------
    >>> import pickle
    >>> import fastinfo
    >>> jc = fastinfo.JointCounts(2)
    >>> jc.update([0, 0, 1], ["a", "b", "b"])
    >>> other = fastinfo.JointCounts(2)
    >>> other.update([1, 2], ["b", "c"])
    >>> jc += other
    >>> jc.n
    5
    >>> jc.mutual_information(0, 1) == fastinfo.mutual_information(
    ...     [0, 0, 1, 1, 2], ["a", "b", "b", "b", "c"])
    True
    >>> pickle.loads(pickle.dumps(jc)) == jc
    True
    """

    __slots__ = ()
    _layout = "joint"

    def __init__(self, n_variables: int, /) -> None:
        self._counts = _native.Counts("joint", _size(n_variables, "n_variables"))

    @property
    def n_variables(self) -> int:
        """Number of variables."""
        return int(self._counts.layout[1])

    def __repr__(self) -> str:
        return f"JointCounts({self.n_variables}) with n={self.n}"

    @classmethod
    def from_table(
        cls, table: Any, /, values: Sequence[npt.ArrayLike] | None = None
    ) -> JointCounts:
        """Counts from a contingency table the user already has.

        Parameters
        ----------
        table : array_like of non-negative integers, shape (m_0, m_1, ...), or scipy.sparse
            ``table[i, j, ...]`` counts the samples whose variable 0 takes its ``i``-th value,
            variable 1 its ``j``-th, ... (one axis per variable; a 2-D table for two variables,
            as ``fastinfo.contingency`` or ``sklearn.metrics.cluster.contingency_matrix`` give).
        values : sequence of array_like, optional
            The label values along each axis (``len(values[a]) == table.shape[a]``); default
            ``0 .. m_a - 1``. Values of empty rows or columns are dropped, as counting the
            samples would.

        Returns
        -------
        JointCounts
            Counts over ``table.ndim`` variables, equal to counting the samples the table
            describes.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts.from_table([[2, 0], [1, 1]], values=[["a", "b"], [0, 1]])
        >>> jc.n
        4
        >>> jc.mutual_information(0, 1) == fastinfo.mutual_information(
        ...     ["a", "a", "b", "b"], [0, 0, 0, 1])
        True
        """
        if hasattr(table, "tocoo"):  # scipy.sparse
            coo = table.tocoo()
            shape = tuple(int(s) for s in coo.shape)
            coords = [np.asarray(c, dtype=np.int64) for c in (coo.row, coo.col)]
            raw = np.asarray(coo.data)
        else:
            dense = as_array(table, "table")
            if dense.ndim < 1:
                raise ValueError(f"table must have at least one axis, got shape {dense.shape}")
            shape = tuple(int(s) for s in dense.shape)
            nonzero = np.nonzero(dense)
            coords = [np.asarray(c, dtype=np.int64) for c in nonzero]
            raw = dense[nonzero]
        if raw.dtype.kind == "f":
            if not np.all(np.isfinite(raw)) or not np.all(raw == np.round(raw)):
                raise ValueError("table must hold whole counts; it holds non-integer values")
        elif raw.dtype.kind not in "iub" and raw.size:
            raise TypeError(f"table must hold integer counts, got dtype {raw.dtype}")
        if raw.size and raw.min() < 0:
            raise ValueError(f"table holds a negative count ({raw.min()})")
        k = len(shape)
        if values is None:
            values = [np.arange(m) for m in shape]
        if len(values) != k:
            raise ValueError(f"values has {len(values)} axes, but table has {k}")
        kinds: list[str] = []
        native_values: list[Any] = []
        for a, v in enumerate(values):
            kind, labels, texts = _column(v, f"values[{a}]")
            if labels.shape[0] != shape[a]:
                raise ValueError(
                    f"values[{a}] has {labels.shape[0]} values, but table has {shape[a]} along "
                    f"axis {a}"
                )
            kinds.append(kind)
            if texts is None:
                native_values.append(labels.tolist())  # Python ints: any 64-bit value
            else:
                native_values.append([texts[c] for c in labels.tolist()])
        indices = np.ascontiguousarray(np.stack(coords, axis=1).reshape(-1), dtype=np.uint64)
        counts = np.ascontiguousarray(raw, dtype=np.uint64).reshape(-1)
        new = cls(k)
        new._counts.update_table(kinds, native_values, indices, counts)
        return new

    def update(self, *variables: npt.ArrayLike) -> None:
        """Count one batch: one array of labels per variable, all of the same length.

        Parameters
        ----------
        *variables : array_like
            ``n_variables`` 1-D arrays (numpy, pandas, polars, pyarrow, lists) of equal length;
            an empty batch is allowed. See the class notes for the label kinds.

        Raises
        ------
        TypeError
            Float labels, or a variable whose label kind differs from its earlier batches.
        ValueError
            Lengths differ, or missing values. The counts are then unchanged.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(1)
        >>> jc.update([3, 3, 4])
        >>> jc.update([4])
        >>> jc.entropy(0, base=2)
        1.0
        """
        k = self.n_variables
        if len(variables) != k:
            raise TypeError(
                f"update() takes one array per variable: {k} expected, got {len(variables)}"
            )
        names = [f"variables[{i}]" for i in range(k)]
        columns = [_column(x, name) for x, name in zip(variables, names)]
        lengths = {c[1].shape[0] for c in columns}
        if len(lengths) > 1:
            n0 = columns[0][1].shape[0]
            bad = next(i for i, c in enumerate(columns) if c[1].shape[0] != n0)
            raise ValueError(
                f"{names[bad]} has {columns[bad][1].shape[0]} samples but {names[0]} has {n0}: "
                "every variable of a batch needs one label per sample"
            )
        self._counts.update(columns, names)

    def update_batches(
        self, batches: Any, /, *, columns: Sequence[Any] | None = None, progress: bool = False
    ) -> JointCounts:
        """Count a stream of batches, optionally with a progress bar; return ``self``.

        Parameters
        ----------
        batches : iterable of batches, path, or a pyarrow Dataset, ParquetFile, Table or reader
            Each batch is a tuple of ``n_variables`` arrays (what ``update`` takes), or a table
            (a pandas or polars DataFrame, a pyarrow RecordBatch or Table) whose columns (or
            ``columns``) are the variables. A path (``str`` or ``os.PathLike``) to a Parquet file
            (or to a directory or file that ``pyarrow.dataset`` reads), a
            ``pyarrow.dataset.Dataset``, a ``pyarrow.parquet.ParquetFile``, a ``pyarrow.Table``
            or a ``pyarrow.RecordBatchReader`` is read in batches.
        columns : sequence of column names, optional
            The columns of each table that are the variables, in order (also the only columns
            read from a file). Default: all columns.
        progress : bool, default False
            Show a progress bar on stderr (see Notes); needs rich.

        Returns
        -------
        JointCounts
            ``self``, so that ``fastinfo.JointCounts(2).update_batches(...)`` reads well.

        Raises
        ------
        TypeError, ValueError
            A batch that ``update`` refuses (with the same message), or one that is neither a
            tuple nor a table. The counts are then unchanged.
        ImportError
            ``progress=True`` without rich, or a path without pyarrow.

        Notes
        -----
        **Sources.** An iterable is consumed in the calling thread, as it comes. A path or a
        pyarrow source is read in batches of 2**20 rows (only ``columns``, if given) by a
        background thread while the previous batch is counted: both release the GIL, and at
        most two batches wait, so memory stays a few batches. This is the reader of the command
        line (the same thread and Parquet settings).

        **All or nothing.** The batches are counted into a copy that replaces these counts at
        the end (the copy costs the memory of the counts, not of the batches). If a batch fails
        (with the error ``update`` raises, and on Python 3.11+ a note naming the batch) or the
        loop is interrupted (Ctrl-C), the error propagates and these counts are unchanged, the
        batches before it included; call ``update`` batch by batch to keep those.

        **Progress.** With ``progress=True`` a bar on stderr shows the batches and rows
        counted, the rate and, when the total is known (``len(batches)``, or the rows in a
        Parquet or Arrow file's metadata), the time left. As in the command line, it is drawn
        only when stderr is a terminal (or in a Jupyter notebook) and the work lasts longer than
        a second (``FASTINFO_PROGRESS_DELAY`` seconds): nothing is written to a pipe or a log
        file. ``progress=True`` without rich (``pip install 'fastinfo[cli]'``) raises
        ImportError.

        Examples
        --------
        >>> import numpy as np
        >>> import fastinfo
        >>> rng = np.random.default_rng(0)
        >>> x = rng.integers(0, 4, 1000)
        >>> y = (x + rng.integers(0, 2, 1000)) % 4
        >>> batches = [(x[i : i + 300], y[i : i + 300]) for i in range(0, 1000, 300)]
        >>> jc = fastinfo.JointCounts(2).update_batches(batches)
        >>> jc.n
        1000
        >>> jc.mutual_information(0, 1) == fastinfo.mutual_information(x, y)
        True

        Tables give their columns by name (here pandas DataFrames; a Parquet path or a
        ``pyarrow.dataset.Dataset`` works the same way, read ahead in a thread):

        >>> import pandas as pd
        >>> frames = [pd.DataFrame({"x": x[i : i + 500], "y": y[i : i + 500], "z": 0})
        ...           for i in (0, 500)]
        >>> fastinfo.JointCounts(2).update_batches(frames, columns=["x", "y"]) == jc
        True
        """
        k = self.n_variables
        names = _column_names(columns)
        shown = check_bool(progress, "progress")
        work = self.copy()

        def count(batch: Any) -> int:
            before = work.n
            present = _table_names(batch)
            if present is not None:
                chosen = present if names is None else names
                _require_columns(chosen, present)
                work.update(*[_table_column(batch, c) for c in chosen])
            elif isinstance(batch, (tuple, list)):
                if names is not None:
                    raise _tables_only(batch)
                work.update(*batch)
            else:
                raise _not_a_batch(batch, f"a tuple of {k} arrays (one per variable)")
            return int(work.n - before)

        _batches.consume(batches, names, count, progress=shown, description="counting")
        self._adopt(work)
        return self

    def _kind(self, v: int) -> str | None:
        return self._counts.kinds()[v]

    def entropy(self, x: Variables, /, *, base: Base = None, estimator: str = "plugin") -> float:
        """``H(X)``, as :func:`fastinfo.entropy` of the counted samples of ``x``.

        ``x`` is a variable index, or a sequence of them for their joint outcome.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(2)
        >>> jc.update([0, 1, 0, 1], [0, 0, 0, 1])
        >>> jc.entropy(0, base=2)
        1.0
        """
        k = self.n_variables
        xs = _indices(x, "x", k)
        scale = log_base(base)
        return self._counts.conditional_entropy(xs, [], check_estimator(estimator)) / scale

    def joint_entropy(
        self, *variables: Variables, base: Base = None, estimator: str = "plugin"
    ) -> float:
        """``H(X_0, X_1, ...)`` of the given variables, as :func:`fastinfo.joint_entropy`.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(2)
        >>> jc.update([0, 1, 0, 1], [0, 0, 1, 1])
        >>> jc.joint_entropy(0, 1, base=2)
        2.0
        """
        k = self.n_variables
        if not variables:
            raise TypeError("joint_entropy() needs at least one variable")
        xs = [v for i, g in enumerate(variables) for v in _indices(g, f"variables[{i}]", k)]
        scale = log_base(base)
        return self._counts.conditional_entropy(xs, [], check_estimator(estimator)) / scale

    def conditional_entropy(
        self,
        x: Variables,
        given: Variables,
        /,
        *,
        base: Base = None,
        estimator: str = "plugin",
    ) -> float:
        """``H(X | given)``, as :func:`fastinfo.conditional_entropy` (argument order alike).

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(2)
        >>> jc.update([0, 1, 0, 1], [0, 0, 1, 1])
        >>> jc.conditional_entropy(0, 1, base=2)
        1.0
        """
        k = self.n_variables
        xs, gs = _indices(x, "x", k), _indices(given, "given", k)
        scale = log_base(base)
        return self._counts.conditional_entropy(xs, gs, check_estimator(estimator)) / scale

    def mutual_information(
        self, x: Variables, y: Variables, /, *, base: Base = None, estimator: str = "plugin"
    ) -> float:
        """``I(X; Y)``, as :func:`fastinfo.mutual_information`.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(2)
        >>> jc.update([0, 1, 0, 1], [0, 1, 0, 1])
        >>> jc.mutual_information(0, 1, base=2)
        1.0
        """
        k = self.n_variables
        xs, ys = _indices(x, "x", k), _indices(y, "y", k)
        scale = log_base(base)
        return self._counts.information(xs, ys, [], check_estimator(estimator)) / scale

    def conditional_mutual_information(
        self,
        x: Variables,
        y: Variables,
        given: Variables,
        /,
        *,
        base: Base = None,
        estimator: str = "plugin",
    ) -> float:
        """``I(X; Y | given)``, as :func:`fastinfo.conditional_mutual_information`.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(3)
        >>> jc.update([0, 1, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1])
        >>> jc.conditional_mutual_information(0, 1, 2, base=2)
        1.0
        """
        k = self.n_variables
        xs, ys, gs = _indices(x, "x", k), _indices(y, "y", k), _indices(given, "given", k)
        scale = log_base(base)
        return self._counts.information(xs, ys, gs, check_estimator(estimator)) / scale

    def contingency(
        self, x: Variables, y: Variables, /, *, sparse: bool = False
    ) -> tuple[npt.NDArray[Any], npt.NDArray[Any], Any]:
        """The contingency table of ``x`` against ``y``, as :func:`fastinfo.contingency`.

        Examples
        --------
        >>> import fastinfo
        >>> jc = fastinfo.JointCounts(2)
        >>> jc.update([0, 0, 1, 5], ["a", "b", "b", "b"])
        >>> xv, yv, table = jc.contingency(0, 1)
        >>> xv.tolist(), yv.tolist(), table.tolist()
        ([0, 1, 5], ['a', 'b'], [[1, 1], [0, 1], [0, 1]])
        """
        k = self.n_variables
        xs, ys = _indices(x, "x", k), _indices(y, "y", k)
        sparse = check_bool(sparse, "sparse")
        x_values, y_values, rows, columns, cell_counts = self._counts.contingency(xs, ys)
        shape = (
            int(rows.max()) + 1 if rows.size else 0,
            int(columns.max()) + 1 if columns.size else 0,
        )
        if sparse:
            import scipy.sparse

            table: Any = scipy.sparse.coo_array((cell_counts, (rows, columns)), shape=shape)
        else:
            check_memory(
                8 * shape[0] * shape[1],
                f"a dense {shape[0]} x {shape[1]} int64 contingency table",
                "pass sparse=True for the non-empty cells only",
            )
            table = np.zeros(shape, dtype=np.int64)
            table[rows, columns] = cell_counts
        return self._values(xs, x_values), self._values(ys, y_values), table

    def _values(self, variables: list[int], values: list[Any]) -> npt.NDArray[Any]:
        decoded = [_decode(self._kind(v), vals) for v, vals in zip(variables, values)]
        if len(decoded) == 1:
            return decoded[0]
        if len({d.dtype for d in decoded}) == 1:
            return np.column_stack(decoded)
        return np.column_stack([d.astype(object) for d in decoded])
