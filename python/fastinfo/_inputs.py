"""Argument checks and input coercion shared by the public API and the reference twin.

Samples arrive as anything array-like; they leave as a :class:`Variable`: a list of 1-D contiguous,
native-endian integer arrays (one per column) that the extension reads without copying, plus what
is needed to turn counted values back into the user's labels.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Union

import numpy as np
import numpy.typing as npt

from . import _native

#: The entropy estimators, as the extension names them.
ESTIMATORS: tuple[str, ...] = _native.ESTIMATORS

#: A logarithm base: ``None`` for nats, ``2`` for bits.
Base = Union[float, int, None]

IntArray = npt.NDArray[np.integer[Any]]

#: Byte counts above this are passed to the budget check as this (it takes 128-bit integers).
_MAX_BYTES = 2**128 - 1


@dataclass(frozen=True)
class Variable:
    """One random variable's samples: ``columns`` of integer labels, ``n`` samples each.

    ``decode(j, codes)`` maps values counted in column ``j`` back to the user's labels.
    ``two_dimensional`` records whether the input was ``(n, d)`` (its outcomes are rows).
    """

    name: str
    columns: list[IntArray]
    decoders: list[Callable[[IntArray], npt.NDArray[Any]]]
    two_dimensional: bool

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.columns[0].shape[0])

    def decode(self, values: Sequence[IntArray]) -> npt.NDArray[Any]:
        """Turn per-column counted values into labels: 1-D, or ``(m, d)`` for a 2-D variable."""
        decoded = [dec(v) for dec, v in zip(self.decoders, values)]
        if not self.two_dimensional:
            return decoded[0]
        if len({d.dtype for d in decoded}) == 1:
            return np.column_stack(decoded)
        return np.column_stack([d.astype(object) for d in decoded])


def native(array: Any, dtype: Any = None) -> npt.NDArray[Any]:
    """``array`` as the extension reads it: C-contiguous and aligned, of ``dtype`` if given.

    No copy when it already is; any other layout (strided, Fortran-ordered, misaligned as from
    ``np.frombuffer(buf, offset=1)``) is copied, like numpy does for any operation that needs it.
    """
    return np.require(array, dtype=dtype, requirements=("C_CONTIGUOUS", "ALIGNED"))


def is_native(array: npt.NDArray[Any]) -> bool:
    """Whether the extension can read ``array`` in place (C-contiguous and aligned)."""
    return bool(array.flags.c_contiguous and array.flags.aligned)


def _identity(values: IntArray) -> npt.NDArray[Any]:
    return values


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return type(value).__name__ in ("NAType", "NaTType")


def _factorize_objects(
    column: npt.NDArray[Any], name: str
) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[Any]]]:
    """Codes for arbitrary hashable Python objects, in sorted order where possible.

    Numbered as ``np.unique`` sorts the objects when they can be ordered, else in order of first
    appearance.

    The general route for object arrays that are not all ``str`` (those take
    :func:`_native.object_codes`); a Python loop, O(n).
    """
    table: dict[object, int] = {}
    codes: IntArray = np.empty(column.shape[0], dtype=np.int64)
    for i, value in enumerate(column.tolist()):
        if _is_missing(value):
            raise ValueError(
                f"{name} contains a missing value ({value!r}) at index {i}; "
                "drop or fill missing values before estimating"
            )
        try:
            codes[i] = table.setdefault(value, len(table))
        except TypeError:
            raise TypeError(f"{name} contains an unhashable label {value!r} at index {i}") from None
    uniques = np.empty(len(table), dtype=object)
    uniques[:] = list(table)
    codes, ordered = _sorted_codes(codes, uniques)

    def decode(values: IntArray) -> npt.NDArray[Any]:
        return ordered[values]

    return codes, decode


def _sorted_codes(codes: IntArray, uniques: npt.NDArray[Any]) -> tuple[IntArray, npt.NDArray[Any]]:
    """``codes`` renumbered so that ``uniques`` are in ascending order.

    Only the distinct values are sorted; unchanged if they cannot be ordered (mixed types).
    """
    try:
        order = np.argsort(uniques, kind="stable")
    except TypeError:
        return codes, uniques
    if uniques.size == 0 or bool(np.all(order[1:] > order[:-1])):
        return codes, uniques
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size, dtype=order.dtype)
    return native(rank.astype(np.int64)[codes]), uniques[order]


# The kinds of label that numpy would merge into one dtype: mixing them with anything is refused.
_TEXT_KINDS = ("str", "bytes")


def _kind_name(values: Any, kind: str, index: int) -> str:
    return type(values[index]).__name__ if kind == "other" else kind


def _check_kinds(values: Any, kinds: dict[str, int], name: str, mixed: bool = False) -> None:
    """Refuse missing labels and, unless ``mixed``, mixed kinds of labels (``[1, "1"]``).

    ``kinds`` maps each kind of label in ``values`` to its first position (from
    :func:`_native.object_codes`).

    Lists refuse mixed kinds: numpy would turn them into strings. An object array keeps its
    objects as they are (``1`` and ``"1"`` are two labels), so it may mix them.
    """
    missing = [kinds[k] for k in ("missing", "other") if k in kinds]
    missing = [i for i in missing if _is_missing(values[i])]
    if missing:
        i = min(missing)
        raise ValueError(
            f"{name} contains a missing value ({values[i]!r}) at index {i}; "
            "drop or fill missing values before estimating"
        )
    text = [k for k in _TEXT_KINDS if k in kinds]
    if text and len(kinds) > 1 and not mixed:
        first, second = sorted(kinds, key=kinds.__getitem__)[:2]
        i, j = kinds[first], kinds[second]
        raise TypeError(
            f"{name} mixes label kinds: {_kind_name(values, first, i)} ({values[i]!r} at index "
            f"{i}) and {_kind_name(values, second, j)} ({values[j]!r} at index {j}). numpy would "
            f"turn them all into strings, so that 1 and '1' became one label; convert {name} to "
            f"one kind first (e.g. [str(v) for v in {name}])"
        )


def _string_column(
    column: npt.NDArray[Any], name: str
) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[Any]]]:
    """Codes of a 1-D object array: hashed in the extension when every label is a ``str``."""
    column = native(column)
    codes, uniques, kinds = _native.object_codes(column, name)
    if codes is not None and uniques is not None:
        found = uniques

        def decode(values: IntArray) -> npt.NDArray[Any]:
            return found[values]

        return codes, decode
    _check_kinds(column, kinds, name, mixed=True)
    return _factorize_objects(column, name)


def _fixed_strings(
    column: npt.NDArray[Any], name: str
) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[Any]]]:
    """Codes of numpy fixed-width ``U``/``S`` strings, hashed in the extension in place."""
    if not column.dtype.isnative:
        column = column.astype(column.dtype.newbyteorder("="))
    column = native(column)
    if column.dtype.itemsize == 0:  # every string is ""
        codes: IntArray = np.zeros(column.shape[0], dtype=np.uint32)
        firsts: npt.NDArray[np.integer[Any]] = np.zeros(1, dtype=np.uint64)
    else:
        codes, firsts = _native.fixed_codes(
            column.view(np.uint8), column.dtype.itemsize, column.dtype.kind == "U", name
        )
    uniques: npt.NDArray[Any] = column[firsts]

    def decode(values: IntArray) -> npt.NDArray[Any]:
        return uniques[values]

    return codes, decode


def _float_labels_error(column: npt.NDArray[Any], name: str) -> Exception:
    """The error for floating-point labels: missing values (NaN) first, then the advice."""
    missing = np.isnan(column)
    if missing.any():
        where = np.flatnonzero(missing)
        shown = ", ".join(str(int(i)) for i in where[:5]) + (", ..." if where.size > 5 else "")
        # A TypeError like any float input: the missing values are why the dtype is float.
        return TypeError(
            f"{name} contains {where.size} missing value{'s' if where.size > 1 else ''} (NaN) "
            f"at index {shown}; fastinfo does not skip missing samples. Drop those samples from "
            f"every variable (e.g. keep = ~np.isnan({name}), then {name}[keep] and the others' "
            f"[keep]; DataFrame.dropna() for pandas) or fill them (Series.fillna(value)). A "
            f"pandas integer column with gaps arrives as float64 with NaN (read_csv does this): "
            f"read it as the nullable 'Int64' dtype (pd.read_csv(..., dtype={{'column': "
            f"'Int64'}})) and drop the missing rows; do not cast NaN with astype(np.int64)"
        )
    return TypeError(
        f"{name} has floating-point dtype {column.dtype}, but fastinfo counts discrete labels. "
        f"For continuous samples use a k-nearest-neighbour estimator (estimator='ksg' in "
        f"mutual_information and conditional_mutual_information), or discretise them first "
        f"(pass bins=, e.g. bins='fd' or bins=32, where the function takes it, or call "
        f"fastinfo.discretize({name})); cast whole-number floats with {name}.astype(np.int64)"
    )


def _column_labels(
    column: npt.NDArray[Any], name: str
) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[Any]]]:
    """One 1-D column as contiguous native integers, with its decoder."""
    dtype = column.dtype
    kind = dtype.kind
    if kind in "iu":
        if not dtype.isnative:
            column = column.astype(dtype.newbyteorder("="))
        return native(column), _identity
    if kind == "b":
        return native(column).view(np.uint8), lambda v: v.astype(bool)
    if kind in "mM":
        native_dtype = dtype.newbyteorder("=")
        as_int = native(column.astype(native_dtype, copy=False)).view(np.int64)
        missing = as_int == np.iinfo(np.int64).min  # NaT
        if missing.any():
            raise ValueError(
                f"{name} contains a missing value (NaT) at index {int(np.argmax(missing))}; "
                "drop or fill missing values before estimating"
            )
        return as_int, lambda v: v.view(native_dtype)
    if kind == "f":
        raise _float_labels_error(column, name)
    if kind == "c":
        raise TypeError(
            f"{name} has complex dtype {dtype}; labels must be integers, booleans or strings. "
            f"Use the real part ({name}.real), or pair real and imaginary parts as a 2-D "
            f"variable (np.column_stack([{name}.real, {name}.imag])) after discretising them"
        )
    if kind in "US":
        return _fixed_strings(column, name)
    if kind == "O":
        return _string_column(column, name)
    raise TypeError(
        f"{name} has unsupported dtype {dtype}; labels must be integers, booleans or strings. "
        "For a structured array, pass its fields as the columns of a 2-D variable "
        f"(np.column_stack([{name}[f] for f in {name}.dtype.names]))"
    )


def _categorical_codes(x: Any, name: str) -> IntArray | None:
    """The codes of a pandas Categorical / categorical Series, or None for anything else."""
    dtype = getattr(x, "dtype", None)
    if getattr(dtype, "name", None) != "category":
        return None
    values = getattr(x, "cat", x)
    codes = np.asarray(values.codes)
    if codes.size and codes.min() < 0:
        raise ValueError(
            f"{name} contains a missing value at index {int(np.argmin(codes))}; "
            "drop or fill missing values before estimating"
        )
    return codes


def _without_missing(x: Any, name: str) -> Any:
    """A pandas nullable array (or a DataFrame of them) as numpy, refusing missing values.

    Masked arrays with masked entries and polars LazyFrames are refused too
    (:func:`_refuse_unusable`).
    """
    x = _refuse_unusable(x, name)
    if not hasattr(x, "isna"):
        return x
    dtypes = getattr(x, "dtypes", None)
    if dtypes is not None and not hasattr(x, "dtype"):  # a DataFrame
        if all(isinstance(d, np.dtype) for d in dtypes):
            return x
        missing = np.asarray(x.isna())
        if missing.any():
            row, column = np.argwhere(missing)[0]
            raise ValueError(
                f"{name} contains a missing value at row {int(row)}, column {int(column)}; "
                "drop or fill missing values first"
            )
        numpy_dtypes = [getattr(d, "numpy_dtype", d) for d in dtypes]
        try:
            common = np.result_type(*numpy_dtypes)
        except TypeError:
            return x.to_numpy()
        return x.to_numpy(dtype=common)
    dtype = getattr(x, "dtype", None)
    if dtype is None or isinstance(dtype, np.dtype):
        return x
    missing = np.asarray(x.isna())
    if missing.any():
        raise ValueError(
            f"{name} contains a missing value at index {int(np.argmax(missing.reshape(-1)))}; "
            "drop or fill missing values before estimating"
        )
    numpy_dtype = getattr(dtype, "numpy_dtype", None)
    return x.to_numpy(dtype=numpy_dtype) if numpy_dtype is not None else x.to_numpy()


def _refuse_unusable(x: Any, name: str) -> Any:
    """``x`` without a mask that masks nothing; refuse masked arrays and polars LazyFrames."""
    if isinstance(x, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(x)
        if mask.any():
            where = np.argwhere(mask)[0] if mask.ndim > 1 else np.flatnonzero(mask)[:1]
            at = ", ".join(str(int(i)) for i in where)
            raise ValueError(
                f"{name} is a masked array with {int(mask.sum())} masked "
                f"entr{'ies' if mask.sum() > 1 else 'y'} (the first at index {at}); fastinfo "
                f"does not skip masked samples. Pass {name}.compressed() to drop them (and drop "
                f"the same samples from the other variables, e.g. with "
                f"~np.ma.getmaskarray({name})), or {name}.filled(value) to count them as a label"
            )
        return np.ma.getdata(x)
    kind = type(x)
    if kind.__module__.split(".")[0] == "polars" and kind.__name__ == "LazyFrame":
        raise TypeError(
            f"{name} is a polars LazyFrame, a query that has not run yet; call {name}.collect() "
            "first and pass the DataFrame (or one of its columns)"
        )
    return x


def as_array(x: Any, name: str) -> npt.NDArray[Any]:
    """``x`` (numbers) as a numpy array, refusing what numpy would misread, naming ``name``.

    Refused: masked entries, a polars LazyFrame, missing values (see :func:`_without_missing`)
    and a ragged nested list (numpy's own error names no argument).
    """
    x = _without_missing(x, name)
    try:
        return np.asarray(x)
    except ValueError:
        if isinstance(x, (list, tuple)) and len(x) > 0:
            ragged = _ragged_error(x, name)
            if ragged is not None:
                raise ragged from None
        raise


def _arrow_strings(x: Any) -> Any:
    """The pyarrow (chunked) array of strings behind ``x``, or None.

    A pyarrow array or chunked array of strings, a polars string Series (through pyarrow, when
    installed) or a pandas Arrow-backed string column (``string[pyarrow]``, ``ArrowDtype``, and
    pandas 3's ``str`` with pyarrow). pyarrow is imported only when ``x`` comes from these.
    """
    module = type(x).__module__.split(".")[0]
    if module == "polars":
        if str(getattr(x, "dtype", "")) not in ("String", "Utf8"):
            return None
        try:
            array = x.to_arrow()
        except (ImportError, ModuleNotFoundError):
            return None  # no pyarrow: the object array route
    elif module == "pyarrow":
        array = x
    else:
        dtype = getattr(x, "dtype", None)
        if dtype is None or isinstance(dtype, np.dtype):
            return None
        if getattr(dtype, "storage", None) != "pyarrow" and type(dtype).__name__ != "ArrowDtype":
            return None
        values = getattr(x, "array", x)
        array = getattr(values, "_pa_array", None)
        if array is None:
            try:
                import pyarrow as pa
            except ImportError:
                return None
            array = pa.array(values)
    import pyarrow as pa

    if not isinstance(array, (pa.Array, pa.ChunkedArray)):
        return None
    types = pa.types
    kind = array.type
    if not (
        types.is_string_view(kind)
        or types.is_binary_view(kind)
        or types.is_string(kind)
        or types.is_large_string(kind)
        or types.is_binary(kind)
        or types.is_large_binary(kind)
    ):
        return None
    return array


def _arrow_variable(array: Any, name: str) -> Variable:
    """A :class:`Variable` of Arrow strings, hashed in the extension from Arrow's own buffers."""
    import pyarrow as pa

    if len(array) == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed")
    if array.null_count:
        nulls = np.flatnonzero(array.is_null().to_numpy(zero_copy_only=False))
        shown = ", ".join(str(int(i)) for i in nulls[:5]) + (", ..." if nulls.size > 5 else "")
        raise ValueError(
            f"{name} contains {nulls.size} missing value{'s' if nulls.size > 1 else ''} (null) "
            f"at index {shown}; drop or fill missing values before estimating "
            "(drop_nulls()/dropna() from every variable, or fill_null()/fillna())"
        )
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    buffers: list[tuple[Any, npt.NDArray[np.uint8]]] = []
    views: list[tuple[npt.NDArray[np.uint8], list[npt.NDArray[np.uint8]]]] = []
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if pa.types.is_string_view(chunk.type) or pa.types.is_binary_view(chunk.type):
            # 16 bytes per string, then the chunk's data buffers: read in place, no cast.
            _, packed, *data_buffers = chunk.buffers()
            start = 16 * chunk.offset
            views.append(
                (
                    np.frombuffer(packed, dtype=np.uint8)[start : start + 16 * len(chunk)],
                    [
                        np.frombuffer(b, dtype=np.uint8) if b is not None else np.empty(0, np.uint8)
                        for b in data_buffers
                    ],
                )
            )
            continue
        _, offsets, data = chunk.buffers()[:3]
        wide = pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type)
        positions = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)
        positions = positions[chunk.offset : chunk.offset + len(chunk) + 1]
        raw = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
        buffers.append((positions, raw))
    if views:
        codes, firsts = _native.arrow_view_codes(views, name)
    else:
        codes, firsts = _native.arrow_codes(buffers, name)
    found: list[npt.NDArray[Any]] = []

    def decode(values: IntArray) -> npt.NDArray[Any]:
        if not found:  # the distinct strings as Python objects, made only when asked for
            source = array
            if views:  # pyarrow has no take of views: their plain layout (only when asked for)
                source = array.cast(
                    pa.large_string() if pa.types.is_string_view(array.type) else pa.large_binary()
                )
            found.append(np.asarray(source.take(firsts).to_numpy(zero_copy_only=False)))
        return found[0][values]

    return Variable(name, [codes], [decode], False)


def _ragged_error(x: Sequence[Any], name: str) -> ValueError | None:
    """The error for a nested list whose rows differ in length, or None if it is not one."""

    def length(row: object) -> int | None:
        if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
            return None
        return len(row)

    first = length(x[0])
    for i, row in enumerate(x):
        here = length(row)
        if here != first:

            def shown(k: int | None) -> str:
                return "a single value" if k is None else f"{k} value{'s' * (k != 1)}"

            return ValueError(
                f"{name} is a ragged nested list: its rows have different lengths (row 0 has "
                f"{shown(first)}, row {i} has {shown(here)}); a 2-D variable needs one sample "
                "per row, every row with the same number of values"
            )
    return None


def _list_variable(x: list[Any] | tuple[Any, ...], name: str) -> Variable | None:
    """A list or tuple of ``str`` hashed in the extension; None for other lists.

    Other lists are checked first: missing values and mixed kinds of labels are refused before
    numpy would merge them into strings.
    """
    codes, uniques, kinds = _native.object_codes(x, name)
    if codes is not None and uniques is not None:
        found: list[npt.NDArray[Any]] = []

        def decode(values: IntArray) -> npt.NDArray[Any]:
            if not found:  # numpy's dtype for a list of strings, as np.unique gives it, unless
                # that would merge strings (numpy drops trailing NULs: "a\0" would read "a")
                lossy = any(s.endswith("\x00") for s in uniques.tolist())
                found.append(uniques if lossy else uniques.astype(np.str_))
            return found[0][values]

        return Variable(name, [codes], [decode], False)
    _check_kinds(x, kinds, name)
    return None


def as_variable(x: Any, name: str) -> Variable:
    """Coerce samples ``x`` (1-D labels, or ``(n, d)`` rows of labels) into a :class:`Variable`."""
    codes = _categorical_codes(x, name)
    if codes is not None:
        codes, categories = _sorted_codes(codes, np.asarray(getattr(x, "cat", x).categories))

        def decode_category(values: IntArray) -> npt.NDArray[Any]:
            return categories[values]

        column = native(codes)
        return Variable(name, [column], [decode_category], False)
    x = _refuse_unusable(x, name)
    strings = _arrow_strings(x)
    if strings is not None:
        return _arrow_variable(strings, name)
    if isinstance(x, (list, tuple)) and len(x) > 0:
        listed = _list_variable(x, name)
        if listed is not None:
            return listed
        if isinstance(x[0], (list, tuple)):
            # Rows of labels: numpy would turn [[1, "1"], ["1", 1]] into strings, merging kinds.
            flat = [v for row in x if isinstance(row, (list, tuple)) for v in row]
            if flat:
                _, _, kinds = _native.object_codes(flat, name)
                _check_kinds(flat, kinds, name)
    array = as_array(x, name)
    if array.ndim not in (1, 2):
        raise ValueError(
            f"{name} must be 1-D (n,) or 2-D (n, d) with one sample per row, "
            f"got a {array.ndim}-d array of shape {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} is empty: at least one sample is needed")
    if array.ndim == 1:
        column, decoder = _column_labels(array, name)
        return Variable(name, [column], [decoder], False)
    if array.shape[1] == 0:
        raise ValueError(f"{name} has shape {array.shape}: a 2-D variable needs at least 1 column")
    # Rows of x.T are the columns of x; for a Fortran-ordered x this is a free view.
    transposed = native(array.T)
    pairs = [_column_labels(transposed[j], f"{name}[:, {j}]") for j in range(array.shape[1])]
    return Variable(name, [c for c, _ in pairs], [d for _, d in pairs], True)


def check_same_length(first: Variable, *others: Variable) -> None:
    """Raise ValueError naming the first variable whose sample count differs from ``first``."""
    for other in others:
        if other.n != first.n:
            raise ValueError(
                f"{other.name} has {other.n} samples but {first.name} has {first.n}: "
                "all variables must have the same number of samples"
            )


def check_estimator(estimator: object, allowed: Sequence[str] = ESTIMATORS) -> str:
    """Return ``estimator`` if it names a known estimator, else raise."""
    if not isinstance(estimator, str):
        raise TypeError(f"estimator must be a string, got {type(estimator).__name__}")
    if estimator not in allowed:
        raise ValueError(f"estimator must be one of {list(allowed)}, got {estimator!r}")
    return estimator


def log_base(base: object) -> float:
    """``ln(base)`` to divide nats by (1.0 for ``base=None``), after checking ``base``."""
    if base is None:
        return 1.0
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise TypeError(f"base must be a positive real number or None, got {base!r}")
    if isinstance(base, numbers.Integral):
        # An integer base of any size is a unit (math.log takes Python ints beyond float's range).
        whole = int(base)
        if whole <= 1:
            raise ValueError(f"base must be positive, finite and not 1, got {base!r}")
        return math.log(whole)
    value = float(base)
    if not math.isfinite(value) or value <= 0 or value == 1:
        raise ValueError(f"base must be positive, finite and not 1, got {base!r}")
    return math.log(value)


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` if it is a bool (or numpy bool), else raise TypeError."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def memory_budget() -> int:
    """Bytes one output may take: ``FASTINFO_MEMORY_LIMIT`` or half of physical memory.

    The extension owns the budget; this asks it.
    """
    return _native.memory_budget()


def check_memory(n_bytes: int, what: str, advice: str = "") -> None:
    """Raise ``MemoryError`` if ``what`` (``n_bytes``) would exceed the memory budget.

    The one check before every allocation the Python layer makes in proportion to its input or
    output; the message (size, budget, ``advice``) comes from the extension, like the checks the
    Rust core makes itself.
    """
    _native.check_memory(what, min(max(int(n_bytes), 0), _MAX_BYTES), advice)


def check_axis(axis: object) -> int:
    """Return ``axis`` as an int, or raise TypeError naming it."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {axis!r}")
    if not -(2**31) <= axis < 2**31:
        raise ValueError(f"axis {axis} is out of bounds: no array has that many dimensions")
    return int(axis)
