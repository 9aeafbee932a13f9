# Stub of the Rust extension module (src/python/).
# Checked by `python -m mypy.stubtest fastinfo._native`.
# Label arrays are 1-D, C-contiguous, native-endian integer arrays; the public API prepares them.

from typing import Any, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "AVERAGES",
    "ESTIMATORS",
    "KSG_ESTIMATORS",
    "METRICS",
    "NORMS",
    "REDUCTIONS",
    "Counts",
    "__version__",
    "active_information_storage",
    "adjusted_mutual_information",
    "arrow_codes",
    "arrow_view_codes",
    "bootstrap",
    "check_memory",
    "conditional_entropy",
    "conditional_mutual_information",
    "contingency",
    "counts",
    "dual_total_correlation",
    "entropy",
    "entropy_rate",
    "estimate_with_options",
    "expected_mutual_information",
    "fixed_codes",
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
    "object_codes",
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
NORMS: tuple[str, ...]
KSG_ESTIMATORS: tuple[str, ...]
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
def estimate_with_options(
    variables: list[list[_Labels]],
    quantity: str,
    estimator: str,
    alphabet_size: list[int] | None,
    sample_weight: _Rows | None,
) -> float: ...

# Returns (estimate, resamples).
def bootstrap(
    variables: list[list[_Labels]],
    quantity: str,
    estimator: str,
    alphabet_size: list[int] | None,
    n_resamples: int,
    seed: int,
) -> tuple[float, _Rows]: ...
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
    sample_weight: npt.NDArray[np.float64] | None,
) -> float | npt.NDArray[np.float64]: ...
def binary_cross_entropy(
    values: _Scores,
    targets: npt.NDArray[np.float64],
    from_logits: bool,
    reduction: str,
    sample_weight: npt.NDArray[np.float64] | None,
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

# --- knn (src/python/knn.rs) ---
# Continuous samples are C-contiguous float64 (n, d) arrays, labels int64 class codes 0..m.
# Values are raw nats (not clipped).

__all__ += [
    "knn_conditional_mutual_information",
    "knn_differential_entropy",
    "knn_kl_divergence",
    "knn_mixed_mutual_information",
    "knn_mixed_scores",
    "knn_mutual_information",
    "knn_neighbourhoods",
    "knn_regression_scores",
]

_Points = npt.NDArray[np.float64]

def knn_differential_entropy(x: _Points, k: int, norm: str) -> float: ...
def knn_mutual_information(x: _Points, y: _Points, k: int, estimator: str) -> float: ...
def knn_mixed_mutual_information(
    labels: _Int64, continuous: _Points, k: int, labels_name: str
) -> float: ...
def knn_conditional_mutual_information(x: _Points, y: _Points, given: _Points, k: int) -> float: ...
def knn_kl_divergence(x: _Points, y: _Points, k: int, norm: str) -> float: ...

# scikit-learn's scores: `columns`/`continuous` are (p, n), one feature per row.
def knn_regression_scores(columns: _Points, y: _Points, k: int) -> npt.NDArray[np.float64]: ...
def knn_mixed_scores(
    continuous: _Points,
    labels: npt.NDArray[np.int64],
    pairs: list[tuple[int, int]],
    k: int,
    target_discrete: bool,
) -> npt.NDArray[np.float64]: ...

# Test hook: (value, sample indices, radii (m, 2), counts (m, 3)).
def knn_neighbourhoods(
    estimator: str,
    variables: list[_Points],
    labels: _Int64 | None,
    k: int,
    norm: str,
) -> tuple[float, _Int64, _Points, _Int64]: ...

# --- config (src/python/config.rs) ---

__all__ += ["build_info"]

def build_info() -> dict[str, Any]: ...

@final
class Counts:
    def __new__(cls, layout: str, size: int) -> Counts: ...
    @staticmethod
    def from_bytes(state: bytes) -> Counts: ...
    def to_bytes(self) -> bytes: ...
    def copy(self) -> Counts: ...
    @property
    def n(self) -> int: ...
    @property
    def layout(self) -> tuple[str, int]: ...
    def kinds(self) -> list[str | None]: ...
    def cardinalities(self) -> list[int]: ...
    def occupied(self) -> list[int]: ...
    def update(
        self, columns: list[tuple[str, _Labels, list[Any] | None]], names: list[str]
    ) -> None: ...
    def update_table(
        self,
        kinds: list[str],
        values: list[Any],
        indices: npt.NDArray[np.uint64],
        counts: npt.NDArray[np.uint64],
    ) -> None: ...
    def merge(self, other: Counts) -> None: ...
    def conditional_entropy(self, x: list[int], given: list[int], estimator: str) -> float: ...
    def information(
        self, x: list[int], y: list[int], given: list[int], estimator: str
    ) -> float: ...
    def counts(self, variables: list[int]) -> tuple[list[Any], _Int64]: ...
    def contingency(
        self, x: list[int], y: list[int]
    ) -> tuple[list[Any], list[Any], _Int64, _Int64, _Int64]: ...
    def information_matrix(self, estimator: str, normalized: str | None) -> _Rows: ...
    def information_with(self, estimator: str) -> _Rows: ...

# String labels (src/python/strings.rs): codes numbered in sorted order.
def object_codes(
    values: list[Any] | tuple[Any, ...] | npt.NDArray[np.object_], name: str
) -> tuple[npt.NDArray[np.uint32] | None, npt.NDArray[np.object_] | None, dict[str, int]]: ...
def arrow_codes(
    chunks: list[tuple[npt.NDArray[np.int32] | npt.NDArray[np.int64], npt.NDArray[np.uint8]]],
    name: str,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
def arrow_view_codes(
    chunks: list[tuple[npt.NDArray[np.uint8], list[npt.NDArray[np.uint8]]]],
    name: str,
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
def fixed_codes(
    data: npt.NDArray[np.uint8], width: int, wide: bool, name: str
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]: ...
