"""Mergeable counts: :class:`JointCounts`, :class:`PairwiseCounts`, :class:`TargetCounts`.

Exact joint counts, keyed by label *values*, that accumulate batch by batch and merge across
processes; every estimate is computed from them in a canonical cell order, so it is the same, bit
for bit, whatever the batches and the merge order, and equals the function of the concatenated
samples.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _batches, _native
from ._dataset import _check_normalized, _labelled
from ._inputs import (
    Base,
    _column_labels,
    _is_missing,
    _without_missing,
    check_bool,
    check_estimator,
    check_memory,
    log_base,
    native,
)

#: A variable of the counts: its index, or several indices (their joint outcome).
Variables = Union[int, Sequence[int]]

#: One column of a batch as the extension reads it: (kind, integer labels, values or None).
_Column = tuple[str, npt.NDArray[Any], Union[list[Any], None]]

_EMPTY: _Column = ("int", np.empty(0, dtype=np.int64), None)


def _texts(uniques: list[Any], name: str) -> tuple[str, list[Any]]:
    """The kind (``"str"`` or ``"bytes"``) of factorised labels, refusing other objects."""
    if all(isinstance(u, str) for u in uniques):
        return "str", uniques
    if all(isinstance(u, bytes) for u in uniques):
        return "bytes", uniques
    kinds = sorted({type(u).__name__ for u in uniques})
    raise TypeError(
        f"{name} mixes labels of kinds {kinds}; counts are keyed by value, so one variable must "
        "hold one kind of label (integers, bools, strings or bytes): convert them first"
    )


def _objects(column: npt.NDArray[Any], name: str) -> _Column:
    """An object column: integers, bools, strings or bytes, one kind throughout."""
    items = column.tolist()
    for i, value in enumerate(items):
        if _is_missing(value):
            raise ValueError(
                f"{name} contains a missing value ({value!r}) at index {i}; "
                "drop or fill missing values before counting"
            )
    if all(isinstance(v, (bool, np.bool_)) for v in items):
        return "bool", np.asarray(items, dtype=bool).view(np.uint8), None
    if all(
        isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, (bool, np.bool_))
        for v in items
    ):
        for dtype in (np.int64, np.uint64):
            try:
                return "int", np.asarray(items, dtype=dtype), None
            except OverflowError:
                continue
        raise TypeError(f"{name} holds integers beyond 64 bits; counts hold 64-bit integers")
    if any(isinstance(v, (float, np.floating)) for v in items):
        raise TypeError(
            f"{name} holds floating-point labels; discretise them first with fixed edges "
            "(fastinfo.discretize(x, bins=..., range=(lo, hi))) so that every batch bins alike"
        )
    table: dict[Any, int] = {}
    try:
        codes = np.fromiter((table.setdefault(v, len(table)) for v in items), np.int64, len(items))
    except TypeError:
        raise TypeError(f"{name} contains an unhashable label") from None
    kind, values = _texts(list(table), name)
    return kind, codes, values


def _arrow(x: Any, name: str) -> _Column | None:
    """A pyarrow Array or ChunkedArray (dictionary arrays keep their codes), else None."""
    if not type(x).__module__.startswith("pyarrow"):
        return None
    pa: Any = sys.modules["pyarrow"]
    if isinstance(x, pa.ChunkedArray):
        x = x.combine_chunks() if x.num_chunks != 1 else x.chunk(0)
    if not isinstance(x, pa.Array):
        return None
    if x.null_count:
        raise ValueError(
            f"{name} contains {x.null_count} missing values; drop or fill them before counting"
        )
    if pa.types.is_dictionary(x.type):
        dictionary = x.dictionary
        codes = native(x.indices.to_numpy(zero_copy_only=False))
        if pa.types.is_string(dictionary.type) or pa.types.is_large_string(dictionary.type):
            return "str", codes, dictionary.to_pylist()
        if pa.types.is_binary(dictionary.type) or pa.types.is_large_binary(dictionary.type):
            return "bytes", codes, dictionary.to_pylist()
        return _column(dictionary.to_numpy(zero_copy_only=False)[codes], name)
    view = _batches.arrow_integers(x)  # no pandas import, unlike to_numpy
    return _column(view if view is not None else x.to_numpy(zero_copy_only=False), name)


def _column(x: Any, name: str) -> _Column:
    """One batch of one variable as (kind, labels, values): see :class:`JointCounts`."""
    arrow = _arrow(x, name)
    if arrow is not None:
        return arrow
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(x, polars.Series):
        x = x.to_numpy()
    dtype = getattr(x, "dtype", None)
    if getattr(dtype, "name", None) == "category":
        categorical = getattr(x, "cat", x)
        codes = np.asarray(categorical.codes)
        if codes.size and codes.min() < 0:
            raise ValueError(
                f"{name} contains a missing value at index {int(np.argmin(codes))}; "
                "drop or fill missing values before counting"
            )
        categories = np.asarray(categorical.categories)
        if categories.dtype.kind in "OUS":
            kind, values = _texts(categories.tolist(), name)
            return kind, native(codes), values
        return _column(categories[codes], name)
    array = np.asarray(_without_missing(x, name))
    if isinstance(x, (list, tuple)) and array.dtype.kind in "US":
        # numpy turns [1, "1"] into two equal strings: keep the Python objects and their kinds.
        array = np.empty(len(x), dtype=object)
        array[:] = list(x)
    if array.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per sample), got shape {array.shape}; pass the "
            "columns of a 2-D variable as separate variables"
        )
    if array.shape[0] == 0:
        return _EMPTY
    kind = array.dtype.kind
    if kind in "iu":
        return "int", _column_labels(array, name)[0], None
    if kind == "b":
        return "bool", native(array).view(np.uint8), None
    if kind in "mM":
        return str(array.dtype.newbyteorder("=")), _column_labels(array, name)[0], None
    if kind in "US":
        uniques, codes = np.unique(array, return_inverse=True)
        return (
            "str" if kind == "U" else "bytes",
            native(codes.reshape(-1), np.int64),
            uniques.tolist(),
        )
    if kind == "O":
        return _objects(array, name)
    _column_labels(array, name)  # raises the usual TypeError (floats, complex, ...)
    raise TypeError(f"{name} has unsupported dtype {array.dtype}")  # pragma: no cover


def _decode(kind: str | None, values: Any) -> npt.NDArray[Any]:
    """Counted values (integers, or a list of bytes) as the labels they stand for."""
    if kind == "str":
        return np.array([v.decode("utf-8") for v in values])
    if kind == "bytes":
        return np.array(values, dtype=object)
    if isinstance(values, list):  # integers beyond 64 bits: none arrive from numpy
        return np.array(values, dtype=object)  # pragma: no cover
    if kind == "bool":
        return np.asarray(values).astype(bool)
    if kind is not None and kind.startswith(("datetime64", "timedelta64")):
        return np.asarray(values).astype(np.int64).view(np.dtype(kind))
    return np.asarray(values)


def _indices(variables: Variables, name: str, k: int) -> list[int]:
    """A variable (or a group of variables) of counts over ``k`` variables, as indices."""
    group = [variables] if isinstance(variables, (int, np.integer)) else variables
    if isinstance(variables, (bool, np.bool_, str, bytes)):
        raise TypeError(f"{name} must be a variable index or a sequence of them, got {variables!r}")
    try:
        items = list(group)
    except TypeError:
        raise TypeError(
            f"{name} must be a variable index or a sequence of them, got {variables!r}"
        ) from None
    if not items:
        raise ValueError(f"{name} is empty: name at least one variable")
    out = []
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must hold variable indices (int), got {v!r}")
        if not 0 <= int(v) < k:
            raise ValueError(
                f"{name} holds variable {int(v)}, but the counts have {k} (0..{k - 1})"
            )
        out.append(int(v))
    return out


def _size(value: object, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive integer, got {value!r}")
    if int(value) < 1:
        raise ValueError(f"{name} must be at least 1, got {value!r}")
    return int(value)


# -- streams of batches (update_batches) -----------------------------------------------------


def _column_names(columns: object) -> list[Any] | None:
    """``columns=`` of ``update_batches``: None, or a non-empty list of column names."""
    if columns is None:
        return None
    if isinstance(columns, (str, bytes)):
        raise TypeError(
            f"columns must be a list of column names, got {columns!r}: write [{columns!r}]"
        )
    try:
        names: list[Any] = list(columns)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"columns must be a list of column names, got {columns!r}") from None
    if not names:
        raise ValueError("columns is empty: name at least one column")
    return names


def _table_names(batch: Any) -> list[Any] | None:
    """The column names of a batch that is a table (pandas, polars, pyarrow), else None."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(batch, pandas.DataFrame):
        return list(batch.columns)
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(batch, polars.DataFrame):
        return list(batch.columns)
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(batch, (pa.RecordBatch, pa.Table)):
        return list(batch.column_names)
    return None


def _require_columns(wanted: Sequence[Any], present: list[Any], option: str = "columns") -> None:
    missing = [c for c in wanted if c not in present]
    if missing:
        raise ValueError(
            f"{option} names {missing[0]!r}, which a batch lacks (its columns: {present})"
        )


def _table_column(batch: Any, name: Any) -> Any:
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(batch, polars.DataFrame):
        return batch.get_column(name)
    if type(batch).__module__.startswith("pyarrow"):
        return batch.column(name)
    return batch[name]


def _sub_table(batch: Any, names: Sequence[Any]) -> Any:
    if type(batch).__module__.startswith(("pyarrow", "polars")):
        return batch.select(list(names))
    return batch[list(names)]


def _not_a_batch(batch: Any, what: str) -> TypeError:
    return TypeError(
        f"a batch must be {what} or a table (a pandas or polars DataFrame, a pyarrow "
        f"RecordBatch or Table), got {type(batch).__name__}"
    )


def _tables_only(batch: Any) -> TypeError:
    return TypeError(
        f"columns= and target= pick columns of tables (DataFrames, pyarrow record batches), "
        f"but a batch is a {type(batch).__name__}"
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

    **All or nothing.** A batch (or a merge) that fails validation raises and leaves the counts
    unchanged.

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
            dense = np.asarray(table)
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


def _table_columns(X: Any, name: str) -> tuple[list[_Column], list[Any] | None]:
    """The columns of a batch of a table (array, pandas or polars DataFrame) and their names."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(X, pandas.DataFrame):
        names = list(X.columns)
        return [_column(X.iloc[:, j], f"{name}[{c!r}]") for j, c in enumerate(names)], names
    polars = sys.modules.get("polars")
    if polars is not None and isinstance(X, polars.DataFrame):
        names = list(X.columns)
        return [_column(X.get_column(c), f"{name}[{c!r}]") for c in names], names
    pa = sys.modules.get("pyarrow")
    if pa is not None and isinstance(X, (pa.Table, pa.RecordBatch)):
        names = list(X.column_names)
        return [_column(X.column(j), f"{name}[{c!r}]") for j, c in enumerate(names)], names
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got a {array.ndim}-d array of shape "
            f"{array.shape}"
        )
    return [_column(array[:, j], f"{name}[:, {j}]") for j in range(array.shape[1])], None


class _TableCounts(_Counts):
    __slots__ = ("_names",)
    _names: list[Any] | None

    def _check_batch(self, columns: list[_Column], names: list[Any] | None, d: int) -> None:
        if len(columns) != d:
            raise ValueError(f"X has {len(columns)} columns, but these counts have {d}")
        if names is not None and self.n and self._names is not None and names != self._names:
            raise ValueError(f"X has columns {names}, but earlier batches had {self._names}")

    def copy(self) -> Any:
        new = super().copy()
        new._names = self._names
        return new

    def _adopt(self, work: Any) -> None:
        super()._adopt(work)
        self._names = work._names

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_restore_table, (type(self).__name__, self._counts.to_bytes(), self._names))

    def _merge_checked(self, other: object) -> None:
        super()._merge_checked(other)
        if self._names is None:
            self._names = other._names  # type: ignore[attr-defined]

    @property
    def n_columns(self) -> int:
        """Number of columns of ``X``."""
        return int(self._counts.layout[1])


def _restore_table(cls: str, state: bytes, names: list[Any] | None) -> Any:
    new = _restore(cls, state)
    new._names = names
    return new


class PairwiseCounts(_TableCounts):
    """Mergeable counts of every pair of columns of a table, for the mutual information matrix.

    Parameters
    ----------
    n_columns : int
        Number of columns of each batch ``X`` (at least 1).

    See Also
    --------
    fastinfo.mutual_information_matrix : the same matrix of a table in memory.
    JointCounts : the counts of a few variables together.

    Notes
    -----
    One table of counts per pair of columns (``d (d - 1) / 2`` of them), keyed by value, with the
    guarantees of :class:`JointCounts`: the result equals
    :func:`fastinfo.mutual_information_matrix` of the concatenated rows, bit for bit whatever the
    batches and the merge order; merge with ``+``, ``+=``, ``merge``; pickle compactly.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> X = np.array([[0, 0, 1], [0, 0, 0], [1, 1, 1], [1, 1, 0]])
    >>> pc = fastinfo.PairwiseCounts(3)
    >>> pc.update(X[:1])
    >>> pc.update(X[1:])
    >>> np.array_equal(pc.mutual_information_matrix(), fastinfo.mutual_information_matrix(X))
    True
    """

    __slots__ = ()
    _layout = "pairs"

    def __init__(self, n_columns: int, /) -> None:
        self._counts = _native.Counts("pairs", _size(n_columns, "n_columns"))
        self._names = None

    def __repr__(self) -> str:
        return f"PairwiseCounts({self.n_columns}) with n={self.n}"

    def update(self, X: Any, /) -> None:
        """Count a batch of rows ``X``: shape (n, d), a pandas/polars DataFrame or a pyarrow Table.

        Examples
        --------
        >>> import fastinfo
        >>> pc = fastinfo.PairwiseCounts(2)
        >>> pc.update([[0, 1], [1, 0]])
        >>> pc.n
        2
        """
        columns, names = _table_columns(X, "X")
        self._check_batch(columns, names, self.n_columns)
        self._counts.update(columns, [f"X[:, {j}]" for j in range(len(columns))])
        if names is not None and self._names is None:
            self._names = names

    def update_batches(
        self, batches: Any, /, *, columns: Sequence[Any] | None = None, progress: bool = False
    ) -> PairwiseCounts:
        """Count a stream of batches of rows, optionally with a progress bar; return ``self``.

        Parameters
        ----------
        batches : iterable of batches, path, or a pyarrow Dataset, ParquetFile, Table or reader
            Each batch is what ``update`` takes: an (n, d) array or a table (pandas or polars
            DataFrame, pyarrow RecordBatch or Table). A path or a pyarrow source is read in
            batches, as :meth:`JointCounts.update_batches` describes.
        columns : sequence of column names, optional
            The columns of each table to count, in order (also the only columns read from a
            file). Default: all columns.
        progress : bool, default False
            Show a progress bar on stderr; needs rich.

        Returns
        -------
        PairwiseCounts
            ``self``.

        Raises
        ------
        TypeError, ValueError
            A batch that ``update`` refuses, with the same message. The counts are then
            unchanged.
        ImportError
            ``progress=True`` without rich, or a path without pyarrow.

        Notes
        -----
        Sources, the all-or-nothing rule and the progress bar are those of
        :meth:`JointCounts.update_batches`. This is how ``fastinfo profile`` reads a file.

        Examples
        --------
        >>> import numpy as np
        >>> import fastinfo
        >>> X = np.random.default_rng(0).integers(0, 3, (1000, 4))
        >>> pc = fastinfo.PairwiseCounts(4).update_batches(np.array_split(X, 3))
        >>> np.array_equal(pc.mutual_information_matrix(), fastinfo.mutual_information_matrix(X))
        True
        """
        names = _column_names(columns)
        shown = check_bool(progress, "progress")
        work = self.copy()

        def count(batch: Any) -> int:
            before = work.n
            if names is not None:
                present = _table_names(batch)
                if present is None:
                    raise _tables_only(batch)
                _require_columns(names, present)
                batch = _sub_table(batch, names)
            work.update(batch)
            return int(work.n - before)

        _batches.consume(batches, names, count, progress=shown, description="counting")
        self._adopt(work)
        return self

    def mutual_information_matrix(
        self, *, base: Base = None, estimator: str = "plugin", normalized: str | None = None
    ) -> Any:
        """The matrix of :func:`fastinfo.mutual_information_matrix` of the counted rows.

        A DataFrame is returned when the batches were DataFrames (indexed by their column names).

        Examples
        --------
        >>> import fastinfo
        >>> pc = fastinfo.PairwiseCounts(2)
        >>> pc.update([[0, 0], [1, 1]])
        >>> pc.mutual_information_matrix(base=2)
        array([[1., 1.],
               [1., 1.]])
        """
        scale = log_base(base)
        e = check_estimator(estimator)
        average = _check_normalized(normalized)
        values = self._counts.information_matrix(e, average)
        if average is None:
            values = values / scale
        return _labelled(values, self._names)


class TargetCounts(_TableCounts):
    """Mergeable counts of every column of a table with a target.

    Parameters
    ----------
    n_columns : int
        Number of columns of each batch ``X`` (at least 1).

    See Also
    --------
    fastinfo.mutual_information_with : the same scores of a table in memory.

    Notes
    -----
    One table per column with the target, keyed by value, with the guarantees of
    :class:`JointCounts`: ``mutual_information_with`` equals
    :func:`fastinfo.mutual_information_with` of the concatenated rows, bit for bit.

    Examples
    --------
    >>> import numpy as np
    >>> import fastinfo
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> tc = fastinfo.TargetCounts(2)
    >>> tc.update(X[:2], [0, 0])
    >>> tc.update(X[2:], [1, 1])
    >>> tc.mutual_information_with(base=2)
    array([1., 0.])
    """

    __slots__ = ()
    _layout = "target"

    def __init__(self, n_columns: int, /) -> None:
        self._counts = _native.Counts("target", _size(n_columns, "n_columns"))
        self._names = None

    def __repr__(self) -> str:
        return f"TargetCounts({self.n_columns}) with n={self.n}"

    def update(self, X: Any, y: npt.ArrayLike, /) -> None:
        """Count a batch: rows ``X`` (as ``PairwiseCounts.update``) and their targets ``y``.

        Examples
        --------
        >>> import fastinfo
        >>> tc = fastinfo.TargetCounts(1)
        >>> tc.update([[0], [1]], ["a", "b"])
        >>> tc.n
        2
        """
        columns, names = _table_columns(X, "X")
        self._check_batch(columns, names, self.n_columns)
        target = _column(y, "y")
        if columns and target[1].shape[0] != columns[0][1].shape[0]:
            raise ValueError(
                f"y has {target[1].shape[0]} samples but X has {columns[0][1].shape[0]}: X and y "
                "must have the same number of samples"
            )
        labels = [f"X[:, {j}]" for j in range(len(columns))] + ["y"]
        self._counts.update([*columns, target], labels)
        if names is not None and self._names is None:
            self._names = names

    def update_batches(
        self,
        batches: Any,
        /,
        *,
        columns: Sequence[Any] | None = None,
        target: Any = None,
        progress: bool = False,
    ) -> TargetCounts:
        """Count a stream of batches, optionally with a progress bar; return ``self``.

        Parameters
        ----------
        batches : iterable of batches, path, or a pyarrow Dataset, ParquetFile, Table or reader
            Each batch is a pair ``(X, y)`` (what ``update`` takes), or a table (pandas or
            polars DataFrame, pyarrow RecordBatch or Table) holding the columns and the target
            column named by ``target``. A path or a pyarrow source is read in batches, as
            :meth:`JointCounts.update_batches` describes.
        columns : sequence of column names, optional
            The columns of each table that are ``X``, in order. Default: every column but the
            target.
        target : column name, optional
            The column of each table that is ``y``; needed when the batches are tables.
        progress : bool, default False
            Show a progress bar on stderr; needs rich.

        Returns
        -------
        TargetCounts
            ``self``.

        Raises
        ------
        TypeError, ValueError
            A batch that ``update`` refuses, with the same message; a table without ``target``.
            The counts are then unchanged.
        ImportError
            ``progress=True`` without rich, or a path without pyarrow.

        Notes
        -----
        Sources, the all-or-nothing rule and the progress bar are those of
        :meth:`JointCounts.update_batches`.

        Examples
        --------
        >>> import numpy as np
        >>> import pandas as pd
        >>> import fastinfo
        >>> rng = np.random.default_rng(0)
        >>> frame = pd.DataFrame({"a": rng.integers(0, 3, 900), "b": rng.integers(0, 3, 900)})
        >>> frame["t"] = frame["a"] % 2
        >>> tc = fastinfo.TargetCounts(2).update_batches(
        ...     [frame[:400], frame[400:]], target="t")
        >>> tc.mutual_information_with().equals(
        ...     fastinfo.mutual_information_with(frame[["a", "b"]], frame["t"]))
        True
        """
        names = _column_names(columns)
        shown = check_bool(progress, "progress")
        work = self.copy()

        def count(batch: Any) -> int:
            before = work.n
            present = _table_names(batch)
            if present is not None:
                if target is None:
                    raise TypeError(
                        "the batches are tables: name their target column with target= "
                        "(or pass (X, y) pairs)"
                    )
                chosen = names if names is not None else [c for c in present if c != target]
                _require_columns([target], present, "target")
                _require_columns(chosen, present)
                work.update(_sub_table(batch, chosen), _table_column(batch, target))
            elif isinstance(batch, (tuple, list)):
                if names is not None or target is not None:
                    raise _tables_only(batch)
                work.update(*batch)
            else:
                raise _not_a_batch(batch, "a pair (X, y)")
            return int(work.n - before)

        read = None if names is None or target is None else [*names, target]
        _batches.consume(batches, read, count, progress=shown, description="counting")
        self._adopt(work)
        return self

    def mutual_information_with(self, *, base: Base = None, estimator: str = "plugin") -> Any:
        """The scores of :func:`fastinfo.mutual_information_with` of the counted rows.

        Examples
        --------
        >>> import fastinfo
        >>> tc = fastinfo.TargetCounts(1)
        >>> tc.update([[0], [1]], [0, 1])
        >>> tc.mutual_information_with(base=2)
        array([1.])
        """
        scale = log_base(base)
        values = self._counts.information_with(check_estimator(estimator)) / scale
        return _labelled(values, self._names)
