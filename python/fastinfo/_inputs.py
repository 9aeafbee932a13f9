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
    """Codes for arbitrary hashable Python objects, in order of first appearance (O(n))."""
    table: dict[object, int] = {}
    codes = np.empty(column.shape[0], dtype=np.int64)
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

    def decode(values: IntArray) -> npt.NDArray[Any]:
        return uniques[values]

    return codes, decode


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
        raise TypeError(
            f"{name} has floating-point dtype {dtype}, but fastinfo counts discrete labels. "
            f"For continuous samples use a k-nearest-neighbour estimator (estimator='ksg' in "
            f"mutual_information and conditional_mutual_information), or discretise them first "
            f"(pass bins=, e.g. bins='fd' or bins=32, to the estimator, or call "
            f"fastinfo.discretize({name})); cast whole-number floats with {name}.astype(np.int64)"
        )
    if kind == "c":
        raise TypeError(
            f"{name} has complex dtype {dtype}; labels must be integers, booleans or strings. "
            f"Use the real part ({name}.real), or pair real and imaginary parts as a 2-D "
            f"variable (np.column_stack([{name}.real, {name}.imag])) after discretising them"
        )
    if kind in "US":
        uniques, codes = np.unique(column, return_inverse=True)
        codes = native(codes.reshape(-1), np.int64)
        return codes, lambda v: uniques[v]
    if kind == "O":
        return _factorize_objects(column, name)
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
    """A pandas nullable array (or a DataFrame of them) as numpy, refusing missing values."""
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


def as_variable(x: Any, name: str) -> Variable:
    """Coerce samples ``x`` (1-D labels, or ``(n, d)`` rows of labels) into a :class:`Variable`."""
    codes = _categorical_codes(x, name)
    if codes is not None:
        categories = np.asarray(getattr(x, "cat", x).categories)

        def decode_category(values: IntArray) -> npt.NDArray[Any]:
            return categories[values]

        column = native(codes)
        return Variable(name, [column], [decode_category], False)
    array = np.asarray(_without_missing(x, name))
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
    return int(axis)
