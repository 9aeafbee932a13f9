"""Mergeable counts of a table: :class:`PairwiseCounts` and :class:`TargetCounts`.

Every pair of columns (the mutual information matrix) and every column with a target, built on
the shared machinery of :mod:`fastinfo._streaming`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy.typing as npt

from . import _batches, _native
from ._dataset import _check_normalized, _labelled
from ._inputs import (
    Base,
    check_bool,
    check_estimator,
    log_base,
)
from ._stream_columns import (
    _Column,
    _column,
    _column_names,
    _not_a_batch,
    _require_columns,
    _size,
    _sub_table,
    _table_column,
    _table_columns,
    _table_names,
    _tables_only,
)
from ._streaming import _Counts, _restore


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
