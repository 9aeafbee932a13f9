# Stub of the Rust extension module (src/python.rs).
# Checked by `python -m mypy.stubtest fastinfo._native`.
# Label arrays are 1-D, C-contiguous, native-endian integer arrays; the public API prepares them.

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "__version__",
    "conditional_entropy",
    "conditional_mutual_information",
    "contingency",
    "counts",
    "entropy",
    "get_num_threads",
    "joint_entropy",
    "mutual_information",
    "mutual_information_matrix",
    "mutual_information_with",
    "pmf_cross_entropy",
    "pmf_entropy",
    "pmf_js_divergence",
    "pmf_kl_divergence",
    "pmf_nearest",
    "pmf_pairwise",
    "set_num_threads",
]

__version__: str

_Labels = npt.NDArray[np.integer[Any]]
_Rows = npt.NDArray[np.float64]
_Int64 = npt.NDArray[np.int64]

def get_num_threads() -> int: ...
def set_num_threads(n: int) -> None: ...
def entropy(x: list[_Labels], estimator: str) -> float: ...
def joint_entropy(variables: list[list[_Labels]], estimator: str) -> float: ...
def conditional_entropy(x: list[_Labels], given: list[_Labels], estimator: str) -> float: ...
def mutual_information(x: list[_Labels], y: list[_Labels], estimator: str) -> float: ...
def conditional_mutual_information(
    x: list[_Labels], y: list[_Labels], given: list[_Labels], estimator: str
) -> float: ...
def counts(x: list[_Labels]) -> tuple[list[_Labels], _Int64]: ...
def contingency(
    x: list[_Labels], y: list[_Labels]
) -> tuple[list[_Labels], list[_Labels], _Int64, _Int64, _Int64]: ...
def pmf_entropy(p: _Rows, normalize: bool) -> _Rows: ...
def pmf_cross_entropy(p: _Rows, q: _Rows, normalize: bool) -> _Rows: ...
def pmf_kl_divergence(p: _Rows, q: _Rows, normalize: bool) -> _Rows: ...
def pmf_js_divergence(p: _Rows, q: _Rows, normalize: bool) -> _Rows: ...
def pmf_pairwise(p: _Rows, q: _Rows, metric: str, normalize: bool) -> _Rows: ...
def pmf_nearest(
    p: _Rows, q: _Rows, k: int, metric: str, normalize: bool
) -> tuple[npt.NDArray[np.int64], _Rows]: ...

# --- dataset (src/python/dataset.rs) ---
# `x` is a C-contiguous 2-D integer array (n, d) or a list of d contiguous 1-D label arrays.

def mutual_information_matrix(
    x: list[_Labels] | _Labels, estimator: str, normalized: str | None, memory_limit: int
) -> _Rows: ...
def mutual_information_with(
    x: list[_Labels] | _Labels, y: list[_Labels], estimator: str, memory_limit: int
) -> npt.NDArray[np.float64]: ...

# --- agreement (src/python/agreement.rs) ---

# --- significance (src/python/significance.rs) ---

# --- continuous (src/python/continuous.rs) ---

# --- losses (src/python/losses.rs) ---
