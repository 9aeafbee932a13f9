"""fastinfo: fast, exact information theory for samples and distributions.

- Samples (arrays of discrete labels): :func:`entropy`, :func:`joint_entropy`,
  :func:`conditional_entropy`, :func:`mutual_information`, :func:`conditional_mutual_information`,
  :func:`counts`, :func:`contingency`.
- Distributions (probability vectors): :mod:`fastinfo.pmf`.
- A slow, readable pure-numpy twin of everything: :mod:`fastinfo.reference`.

Results are in nats unless ``base`` is given (``base=2`` for bits).
"""

from . import pmf, reference
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
from ._native import __version__

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
    "pmf",
    "reference",
    "set_num_threads",
]
