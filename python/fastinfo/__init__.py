"""fastinfo: fast, exact information theory for samples and distributions.

- Samples (arrays of discrete labels): :func:`entropy`, :func:`joint_entropy`,
  :func:`conditional_entropy`, :func:`mutual_information`, :func:`conditional_mutual_information`,
  :func:`counts`, :func:`contingency`.
- Distributions (probability vectors): :mod:`fastinfo.pmf`.
- A slow, readable pure-numpy twin of everything: :mod:`fastinfo.reference`.

Results are in nats unless ``base`` is given (``base=2`` for bits).
"""

from . import (
    _agreement,
    _continuous,
    _dataset,
    _knn,
    _knn_sklearn,
    _losses,
    _significance,
    gaussian,
    pmf,
    reference,
)
from ._agreement import *  # noqa: F403
from ._api import (
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
from ._continuous import *  # noqa: F403
from ._dataset import *  # noqa: F403
from ._knn import *  # noqa: F403
from ._knn_sklearn import *  # noqa: F403
from ._losses import *  # noqa: F403
from ._native import __version__
from ._significance import *  # noqa: F403

__all__ = [
    "__version__",
    "conditional_entropy",
    "conditional_mutual_information",
    "contingency",
    "counts",
    "entropy",
    "gaussian",
    "get_num_threads",
    "joint_entropy",
    "mutual_information",
    "pmf",
    "reference",
    "set_num_threads",
]
__all__ += _agreement.__all__
__all__ += _continuous.__all__
__all__ += _dataset.__all__
__all__ += _knn.__all__
__all__ += _knn_sklearn.__all__
__all__ += _losses.__all__
__all__ += _significance.__all__
