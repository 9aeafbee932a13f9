"""Shared test configuration: hypothesis profiles chosen by HYPOTHESIS_PROFILE (default "ci"),
and the fixtures several test files use. Shared helpers are in ``tests/helpers/``."""

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

import fastinfo

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    print_blob=True,
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def restore_threads():
    """The thread count before the test (restored after it)."""
    saved = fastinfo.get_num_threads()
    yield saved
    fastinfo.set_num_threads(saved)


@pytest.fixture(scope="session", autouse=True)
def _report_worst_pairwise_errors():
    """With ``-s``: the worst errors of ``pmf.pairwise`` seen by the ``test_pairwise_*`` files."""
    yield
    pairwise = sys.modules.get("helpers.pairwise")
    if pairwise is not None:
        pairwise.report_worst_errors()
