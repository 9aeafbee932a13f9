"""Pure-numpy twin of fastinfo: the same functions, signatures and semantics, written to be read.

Slow (sorts with ``np.unique`` where fastinfo counts in parallel) and exact: the tests check every
fastinfo function against this module. It is never used as a fallback for the fast path.

Every estimate is a direct transcription of its formula over the observed cells:

- ``H(X) = -sum_x (n_x / n) log(n_x / n)``
- ``H(X | G) = -sum_{x,g} (n_xg / n) log(n_xg / n_g)``
- ``I(X; Y) = sum_{x,y} (n_xy / n) log(n_xy n / (n_x n_y))``
- ``I(X; Y | Z) = sum_{x,y,z} (n_xyz / n) log(n_xyz n_z / (n_xz n_yz))``

Other estimators add, for every entropy ``H(S)`` of the combination (``H(X | G) = H(X, G) - H(G)``,
``I(X; Y | Z) = H(X, Z) + H(Y, Z) - H(X, Y, Z) - H(Z)``), the difference between that estimator
and the plug-in on the table of ``S``; each estimator is written out on the table's counts in
``_samples.estimate_from_counts`` (Miller-Madow adds ``(m_S - 1) / (2n)``, ``m_S`` occupied cells).
Scipy is needed for ``"grassberger"`` and ``"nsb"`` (digamma, quadrature).
"""

from . import gaussian, pmf
from ._agreement import (
    adjusted_mutual_information,
    normalized_mutual_information,
    variation_of_information,
)
from ._binning import differential_entropy, discretize
from ._bootstrap import bootstrap
from ._dataset import mutual_information_matrix, mutual_information_with
from ._knn import kl_divergence_samples, mutual_info_classif, mutual_info_regression
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
from ._renyi import renyi_entropy, tsallis_entropy
from ._samples import (
    conditional_entropy,
    conditional_mutual_information,
    contingency,
    counts,
    entropy,
    joint_entropy,
    mutual_information,
)
from ._significance import g_test, permutation_test
from ._transfer import (
    active_information_storage,
    entropy_rate,
    transfer_entropy,
    transfer_entropy_matrix,
)

__all__ = [
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
    "pmf",
    "renyi_entropy",
    "total_correlation",
    "transfer_entropy",
    "transfer_entropy_matrix",
    "tsallis_entropy",
    "variation_of_information",
]
