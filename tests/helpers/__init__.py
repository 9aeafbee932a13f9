"""Helpers shared by the test files (imported as ``helpers``: pytest puts ``tests/`` on the path).

- :mod:`helpers.contract`: ``call`` / ``expect`` / ``names`` (a bad input raises ValueError,
  TypeError or MemoryError naming the argument, never a panic), ``attempt`` (a call with a
  deadline) and result comparisons (``assert_same``, ``equivalent``).
- :mod:`helpers.bad_inputs`: the samples functions' data arguments and bad ``base`` values.
- :mod:`helpers.labels`: strategies of labels for the samples functions.
- :mod:`helpers.distributions`: strategies of weights for :mod:`fastinfo.pmf`.
- :mod:`helpers.pairwise`: the 50-digit oracle and row strategies of ``pmf.pairwise``.
"""

import pytest

import fastinfo
import fastinfo.pmf
import fastinfo.reference
import fastinfo.reference.pmf

# A public module and its pure-numpy twin, for tests run against both.
IMPLS = [pytest.param(fastinfo, id="fastinfo"), pytest.param(fastinfo.reference, id="reference")]
PMF_IMPLS = [
    pytest.param(fastinfo.pmf, id="fastinfo"),
    pytest.param(fastinfo.reference.pmf, id="reference"),
]
