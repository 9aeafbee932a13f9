"""How a batch's columns reach the mergeable counts.

Each column of a batch (numpy, pandas, polars or pyarrow; integers, bools, strings, other labels)
becomes the triple the extension counts, ``(kind, integer labels, values or None)``; the helpers
below also name a table's columns and pick the columns ``update_batches`` asks for.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Sequence
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _batches
from ._inputs import (
    _column_labels,
    _is_missing,
    _refuse_unusable,
    as_array,
    is_native,
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
    if (
        type(x) is np.ndarray
        and x.ndim == 1
        and x.shape[0]
        and x.dtype.kind in "iu"
        and x.dtype.isnative
        and is_native(x)
    ):
        # The common case, read in place without the general dispatch below (exact ndarray:
        # a masked array or other subclass takes the general path).
        return "int", x, None
    x = _refuse_unusable(x, name)  # masked arrays (masked entries) and polars LazyFrames
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
    array = as_array(x, name)
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
    if int(value) >= 2**63:  # the extension's index type; far beyond any memory budget anyway
        raise ValueError(f"{name} must be below 2**63, got {value!r}")
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
    array = as_array(X, name)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got a {array.ndim}-d array of shape "
            f"{array.shape}"
        )
    return [_column(array[:, j], f"{name}[:, {j}]") for j in range(array.shape[1])], None
