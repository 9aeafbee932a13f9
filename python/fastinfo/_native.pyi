# Stub of the Rust extension module (src/python/).
# Checked by `python -m mypy.stubtest fastinfo._native`.
# Label arrays are 1-D, C-contiguous, native-endian integer arrays; the public API prepares them.

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "AVERAGES",
    "ESTIMATORS",
    "METRICS",
    "REDUCTIONS",
    "__version__",
    "active_information_storage",
    "adjusted_mutual_information",
    "check_memory",
    "conditional_entropy",
    "conditional_mutual_information",
    "contingency",
    "counts",
    "dual_total_correlation",
    "entropy",
    "entropy_rate",
    "expected_mutual_information",
    "g_test",
    "get_num_threads",
    "interaction_information",
    "joint_entropy",
    "memory_budget",
    "mutual_information",
    "mutual_information_matrix",
    "mutual_information_with",
    "normalized_mutual_information",
    "o_information",
    "permutation_test",
    "pmf_cross_entropy",
    "pmf_entropy",
    "pmf_js_divergence",
    "pmf_kl_divergence",
    "pmf_nearest",
    "pmf_pairwise",
    "pmf_renyi_entropy",
    "pmf_tsallis_entropy",
    "regularized_upper_gamma",
    "renyi_entropy",
    "set_num_threads",
    "total_correlation",
    "transfer_entropy",
    "transfer_entropy_matrix",
    "tsallis_entropy",
    "variation_of_information",
]

__version__: str
ESTIMATORS: tuple[str, ...]
AVERAGES: tuple[str, ...]
METRICS: tuple[str, ...]
REDUCTIONS: tuple[str, ...]

_Labels = npt.NDArray[np.integer[Any]]
_Rows = npt.NDArray[np.float64]
_Int64 = npt.NDArray[np.int64]

def get_num_threads() -> int: ...
def memory_budget() -> int: ...
def check_memory(what: str, n_bytes: int, advice: str) -> None: ...
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
    x: list[_Labels], y: list[_Labels], dense: bool
) -> tuple[list[_Labels], list[_Labels], _Int64, _Int64, _Int64]: ...
def pmf_entropy(p: _Rows, normalize: bool) -> _Rows: ...
def pmf_cross_entropy(p: _Rows, q: _Rows, normalize: bool) -> _Rows: ...
def pmf_kl_divergence(p: _Rows, q: _Rows, normalize: bool) -> _Rows: ...
def pmf_js_divergence(p: _Rows, q: _Rows, normalize: bool) -> _Rows: ...
def pmf_pairwise(p: _Rows, q: _Rows, metric: str, normalize: bool) -> _Rows: ...
def pmf_nearest(
    p: _Rows, q: _Rows, k: int, metric: str, normalize: bool, unit: float
) -> tuple[npt.NDArray[np.int64], _Rows]: ...

# --- dataset (src/python/dataset.rs) ---
# `x` is a C-contiguous 2-D integer array (n, d) or a list of d contiguous 1-D label arrays.

def mutual_information_matrix(
    x: list[_Labels] | _Labels, estimator: str, normalized: str | None
) -> _Rows: ...
def mutual_information_with(
    x: list[_Labels] | _Labels, y: list[_Labels], estimator: str
) -> npt.NDArray[np.float64]: ...

# --- agreement (src/python/agreement.rs) ---

def normalized_mutual_information(x: list[_Labels], y: list[_Labels], average: str) -> float: ...
def adjusted_mutual_information(x: list[_Labels], y: list[_Labels], average: str) -> float: ...
def variation_of_information(x: list[_Labels], y: list[_Labels]) -> float: ...

# Test hook: expected MI (nats) of random labelings with cluster sizes a and b.
def expected_mutual_information(a: _Int64, b: _Int64) -> float: ...

# --- significance (src/python/significance.rs) ---

# Returns (statistic, pvalue, null_distribution); method is "auto", "shuffle" or "table".
def permutation_test(
    x: list[_Labels],
    y: list[_Labels],
    given: list[_Labels],
    n_permutations: int,
    seed: int,
    estimator: str,
    method: str,
) -> tuple[float, float, _Rows]: ...

# Returns (statistic, rows, columns, pvalue).
def g_test(x: list[_Labels], y: list[_Labels]) -> tuple[float, int, int, float]: ...

# Test hook: Q(a, x) element by element.
def regularized_upper_gamma(a: _Rows, x: _Rows) -> _Rows: ...

# --- continuous (src/python/continuous.rs) ---
# `x` is 2-D C-contiguous float32/float64: (n, d), or its transpose (d, n) with column_major=True.
# `names[j]` names variable j in error messages; edges are float64, one array per variable.

__all__ += ["differential_entropy", "discretize", "finite_range"]

_Samples = npt.NDArray[np.floating[Any]]
_Edges = npt.NDArray[np.float64]

def finite_range(
    x: _Samples, column_major: bool, names: list[str]
) -> list[tuple[float, float]]: ...
def discretize(
    x: _Samples, edges: list[_Edges], column_major: bool, names: list[str]
) -> npt.NDArray[np.unsignedinteger[Any]]: ...
def differential_entropy(
    x: _Samples, edges: list[_Edges], column_major: bool, names: list[str]
) -> float: ...

# --- losses (src/python/losses.rs) ---
# Scores are C-contiguous float32/float64 arrays: (n, k) rows for cross_entropy_loss, 1-D for
# binary_cross_entropy. A float comes back for reduction "mean"/"sum", an array for "none".

__all__ += ["binary_cross_entropy", "cross_entropy_loss"]

_Scores = npt.NDArray[np.float32] | npt.NDArray[np.float64]

def cross_entropy_loss(
    logits: _Scores,
    labels: npt.NDArray[np.int64],
    from_logits: bool,
    ignore_index: int | None,
    label_smoothing: float,
    reduction: str,
) -> float | npt.NDArray[np.float64]: ...
def binary_cross_entropy(
    logits_or_probs: _Scores,
    labels: npt.NDArray[np.float64],
    from_logits: bool,
    reduction: str,
) -> float | npt.NDArray[np.float64]: ...

# --- multivariate, time series, generalised entropies (src/python/multivariate.rs) ---

_Batch = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64] | None]

def total_correlation(variables: list[list[_Labels]], estimator: str) -> float: ...
def dual_total_correlation(variables: list[list[_Labels]], estimator: str) -> float: ...
def o_information(variables: list[list[_Labels]], estimator: str) -> float: ...
def interaction_information(variables: list[list[_Labels]], estimator: str) -> float: ...
def transfer_entropy(
    sources: list[list[_Labels]],
    targets: list[list[_Labels]],
    given: list[list[_Labels]],
    history: int,
    source_history: int,
    delay: int,
    estimator: str,
    local: bool,
) -> _Batch: ...
def active_information_storage(
    series: list[list[_Labels]], history: int, estimator: str, local: bool
) -> _Batch: ...
def entropy_rate(
    series: list[list[_Labels]], history: int, estimator: str, local: bool
) -> _Batch: ...
def transfer_entropy_matrix(
    series: list[list[_Labels]], history: int, source_history: int, delay: int, estimator: str
) -> _Rows: ...
def renyi_entropy(x: list[_Labels], alpha: float) -> float: ...
def tsallis_entropy(x: list[_Labels], q: float) -> float: ...
def pmf_renyi_entropy(p: _Rows, alpha: float, normalize: bool) -> _Rows: ...
def pmf_tsallis_entropy(p: _Rows, q: float, normalize: bool) -> _Rows: ...

# --- config (src/python/config.rs) ---

__all__ += ["build_info"]

def build_info() -> dict[str, Any]: ...
