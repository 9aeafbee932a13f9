"""fastinfo: fast, exact information theory for samples and distributions.

- Samples (arrays of discrete labels): :func:`entropy`, :func:`joint_entropy`,
  :func:`conditional_entropy`, :func:`mutual_information`, :func:`conditional_mutual_information`,
  :func:`counts`, :func:`contingency`; tables of variables (:func:`mutual_information_matrix`,
  :func:`mutual_information_with`), clusterings (:func:`normalized_mutual_information`,
  :func:`adjusted_mutual_information`, :func:`variation_of_information`) and significance
  (:func:`permutation_test`, :func:`g_test`) and error bars (:func:`bootstrap`).
- Mergeable counts, batch by batch and across processes: :class:`JointCounts`,
  :class:`PairwiseCounts`, :class:`TargetCounts` (and ``fastinfo.dask``).
- Continuous samples: :func:`discretize`, :func:`differential_entropy`; k-nearest-neighbour
  estimators without bins (``estimator="ksg"``, :func:`kl_divergence_samples`) and drop-ins for
  scikit-learn's feature scores (:func:`mutual_info_regression`, :func:`mutual_info_classif`);
  Gaussian closed forms in :mod:`fastinfo.gaussian`; model losses (:func:`cross_entropy_loss`,
  ...).
- Distributions (probability vectors): :mod:`fastinfo.pmf`.
- Pictures (matplotlib, imported on first use): :mod:`fastinfo.plot`.
- A slow, readable pure-numpy twin of everything: ``import fastinfo.reference``.

Results are in nats unless ``base`` is given (``base=2`` for bits).
"""

from . import gaussian, plot, pmf
from ._agreement import (
    adjusted_mutual_information,
    normalized_mutual_information,
    variation_of_information,
)
from ._binning import differential_entropy, discretize
from ._bootstrap import BootstrapResult, ConfidenceInterval, bootstrap
from ._config import show_config
from ._dataset import mutual_information_matrix, mutual_information_with
from ._knn import kl_divergence_samples
from ._knn_sklearn import mutual_info_classif, mutual_info_regression
from ._losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    bits_per_byte,
    bits_per_token,
    cross_entropy_loss,
    perplexity,
)
from ._multivariate import (
    dual_total_correlation,
    interaction_information,
    o_information,
    total_correlation,
)
from ._native import __version__
from ._renyi import renyi_entropy, tsallis_entropy
from ._samples import (
    conditional_entropy,
    conditional_mutual_information,
    contingency,
    counts,
    entropy,
    get_num_threads,
    joint_entropy,
    mutual_information,
    set_num_threads,
)
from ._significance import GTestResult, PermutationTestResult, g_test, permutation_test
from ._streaming import JointCounts
from ._table_counts import PairwiseCounts, TargetCounts
from ._transfer import (
    active_information_storage,
    entropy_rate,
    transfer_entropy,
    transfer_entropy_matrix,
)

__all__ = [
    "BootstrapResult",
    "ConfidenceInterval",
    "GTestResult",
    "JointCounts",
    "PairwiseCounts",
    "PermutationTestResult",
    "TargetCounts",
    "__version__",
    "active_information_storage",
    "adjusted_mutual_information",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "bits_per_byte",
    "bits_per_token",
    "bootstrap",
    "conditional_entropy",
    "conditional_mutual_information",
    "contingency",
    "counts",
    "cross_entropy_loss",
    "differential_entropy",
    "discretize",
    "dual_total_correlation",
    "entropy",
    "entropy_rate",
    "g_test",
    "gaussian",
    "get_num_threads",
    "interaction_information",
    "joint_entropy",
    "kl_divergence_samples",
    "mutual_info_classif",
    "mutual_info_regression",
    "mutual_information",
    "mutual_information_matrix",
    "mutual_information_with",
    "normalized_mutual_information",
    "o_information",
    "permutation_test",
    "perplexity",
    "plot",
    "pmf",
    "renyi_entropy",
    "set_num_threads",
    "show_config",
    "total_correlation",
    "transfer_entropy",
    "transfer_entropy_matrix",
    "tsallis_entropy",
    "variation_of_information",
]
