"""The shape of the package: public names, the reference twin, option names, import costs.

These tests guard facts that live in one place and are read everywhere else: the ``__all__``
lists of the public modules, the option names exported by the extension, and the promise that
every public function has a pure-numpy twin with the same signature.
"""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import textwrap
from typing import Any, Callable

import numpy as np
import pytest

import fastinfo
import fastinfo._native as native
import fastinfo.gaussian
import fastinfo.plot
import fastinfo.pmf
import fastinfo.reference
import fastinfo.reference.gaussian
import fastinfo.reference.pmf

# Public names that are not computations, so they have no twin in ``fastinfo.reference``.
NO_TWIN = {
    "__version__",
    "get_num_threads",
    "set_num_threads",
    "show_config",
    "GTestResult",
    "PermutationTestResult",
    "BootstrapResult",
    "ConfidenceInterval",
    "METRICS",
    # Accumulators, not computations: every method is tested against the in-memory function and
    # fastinfo.reference on the concatenated samples (tests/test_streaming.py); a twin class
    # would only wrap those same functions.
    "JointCounts",
    "PairwiseCounts",
    "TargetCounts",
}

# Public modules without a twin, and why: no slower route makes sense for them.
NO_TWIN_MODULES = {
    # Pictures (matplotlib): nothing computed to check, except cluster_order, which
    # tests/test_cli_outputs.py checks directly.
    "fastinfo.plot",
}

FACES = [
    (fastinfo, fastinfo.reference),
    (fastinfo.pmf, fastinfo.reference.pmf),
    (fastinfo.gaussian, fastinfo.reference.gaussian),
]


def public_functions(module: Any) -> dict[str, Callable[..., Any]]:
    """The public functions of ``module`` (from its ``__all__``), submodules excluded."""
    return {
        name: getattr(module, name)
        for name in module.__all__
        if inspect.isfunction(getattr(module, name))
    }


TWINS = [
    pytest.param(face, twin, name, id=f"{face.__name__}.{name}")
    for face, twin in FACES
    for name in public_functions(face)
    if name not in NO_TWIN
]


@pytest.mark.parametrize(("face", "twin", "name"), TWINS)
def test_every_public_function_has_a_twin_with_the_same_signature(
    face: Any, twin: Any, name: str
) -> None:
    assert name in twin.__all__, f"fastinfo.reference has no twin of {face.__name__}.{name}"
    fast, slow = getattr(face, name), getattr(twin, name)
    assert inspect.signature(fast) == inspect.signature(slow), name


def test_every_public_module_has_a_twin_or_says_why_not() -> None:
    modules = {
        f"fastinfo.{name}" for name in fastinfo.__all__ if inspect.ismodule(getattr(fastinfo, name))
    }
    assert modules - {face.__name__ for face, _ in FACES} == NO_TWIN_MODULES


@pytest.mark.parametrize(("face", "twin"), FACES, ids=lambda m: m.__name__)
def test_the_twin_has_nothing_the_face_lacks(face: Any, twin: Any) -> None:
    assert set(twin.__all__) <= set(face.__all__)


def test_public_faces_expose_exactly_their_all() -> None:
    """In a fresh interpreter (other tests import submodules, which sets attributes): the public
    modules show their ``__all__`` and nothing else that is not private, and ``import fastinfo``
    neither imports nor exposes the reference twin."""
    script = textwrap.dedent(
        """
        import sys
        import fastinfo, fastinfo.pmf, fastinfo.gaussian, fastinfo.plot

        assert "fastinfo.reference" not in sys.modules, "import fastinfo imports the twin"
        lazy = {"matplotlib", "pyarrow", "rich", "fastinfo._cli"} & set(sys.modules)
        assert not lazy, f"import fastinfo imports {sorted(lazy)}"
        for module in (fastinfo, fastinfo.pmf, fastinfo.gaussian, fastinfo.plot):
            public = {n for n in vars(module) if not n.startswith("_")} | {"__version__"}
            extra = public - set(module.__all__) - {"__version__"}
            assert not extra, (module.__name__, sorted(extra))
            missing = set(module.__all__) - set(vars(module))
            assert not missing, (module.__name__, sorted(missing))
        import fastinfo.reference  # available on request
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_all_lists_are_sorted_and_unique() -> None:
    for module in (fastinfo, fastinfo.pmf, fastinfo.gaussian, fastinfo.plot, fastinfo.reference):
        names = module.__all__
        assert len(set(names)) == len(names), module.__name__
        assert names == sorted(names, key=lambda n: (not n.isupper(), n)) or names == sorted(
            names
        ), module.__name__


# ---------------------------------------------------------------------------------------------
# Option names: the extension declares them; the Python layer and the docstrings follow.

OPTIONS = {
    "estimator": native.ESTIMATORS,
    "average": native.AVERAGES,
    "average_method": native.AVERAGES,
    "normalized": (None, *native.AVERAGES),
    "reduction": native.REDUCTIONS,
    "norm": native.NORMS,
}

# Functions whose ``estimator`` also takes the k-nearest-neighbour estimators (named by the
# extension: ``_native.KSG_ESTIMATORS``), or takes other names altogether.
ESTIMATOR_CHOICES: dict[str, tuple[Any, ...]] = {
    "mutual_information": (*native.ESTIMATORS, *native.KSG_ESTIMATORS),
    "conditional_mutual_information": (*native.ESTIMATORS, "ksg"),
    "differential_entropy": ("kl", "histogram"),
}


def documented_choices(doc: str, parameter: str) -> set[Any] | None:
    """The ``{...}`` set of a numpydoc parameter line ``parameter : {"a", "b"}``, if any."""
    match = re.search(rf"^\s*{parameter} : \{{([^}}]*)\}}", doc, flags=re.M)
    if match is None:
        return None
    return {None if c.strip() == "None" else c.strip().strip("\"'") for c in match[1].split(",")}


DOCUMENTED = [
    pytest.param(function, parameter, id=f"{name}-{parameter}")
    for face, _ in FACES
    for name, function in public_functions(face).items()
    for parameter in OPTIONS
    if parameter in inspect.signature(function).parameters
]


@pytest.mark.parametrize(("function", "parameter"), DOCUMENTED)
def test_docstrings_list_exactly_the_extensions_option_names(
    function: Callable[..., Any], parameter: str
) -> None:
    choices = documented_choices(function.__doc__ or "", parameter)
    assert choices is not None, f"{function.__name__} does not list the values of {parameter}"
    expected = OPTIONS[parameter]
    if parameter == "estimator":
        expected = ESTIMATOR_CHOICES.get(function.__name__, expected)
    assert choices == set(expected), function.__name__


@pytest.mark.parametrize("name", ["pairwise", "nearest"])
def test_pairwise_docstrings_name_every_metric(name: str) -> None:
    doc = getattr(fastinfo.pmf, name).__doc__ or ""
    for metric in native.METRICS:
        assert f'"{metric}"' in doc, (name, metric)
    assert fastinfo.pmf.METRICS == native.METRICS


UNKNOWN_OPTION = [
    pytest.param(impl, name, parameter, id=f"{impl.__name__}.{name}-{parameter}")
    for face, twin in FACES
    for impl in (face, twin)
    for name, function in public_functions(impl).items()
    for parameter in (
        "estimator",
        "average",
        "average_method",
        "normalized",
        "reduction",
        "metric",
        "strategy",
    )
    if parameter in inspect.signature(function).parameters
]


def minimal_call(module: Any, name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Small valid data arguments for the functions that take an option."""
    labels = [0, 1, 1, 0, 1, 0]
    pmf_rows = [[0.5, 0.5], [0.25, 0.75]]
    data: dict[str, tuple[Any, ...]] = {
        "conditional_entropy": (labels, labels),
        "conditional_mutual_information": (labels, labels, labels),
        "mutual_information": (labels, labels),
        "joint_entropy": (labels, labels),
        "normalized_mutual_information": (labels, labels),
        "adjusted_mutual_information": (labels, labels),
        "mutual_information_with": ([[0, 1], [1, 0], [1, 1]], [0, 1, 1]),
        "mutual_information_matrix": ([[0, 1], [1, 0], [1, 1]],),
        "permutation_test": (labels, labels),
        "bootstrap": (fastinfo.mutual_information, labels, labels),
        "cross_entropy_loss": ([[0.0, 1.0], [1.0, 0.0]], [0, 1]),
        "binary_cross_entropy": ([0.2, 0.7], [0.0, 1.0]),
        "binary_cross_entropy_with_logits": ([0.2, -0.7], [0.0, 1.0]),
        "pairwise": (pmf_rows, pmf_rows),
        "nearest": (pmf_rows, pmf_rows, 1),
        "discretize": ([0.1, 0.5, 0.9],),
        "transfer_entropy": (labels, labels),
        "total_correlation": ([[0, 1], [1, 0], [1, 1]],),
        "dual_total_correlation": ([[0, 1], [1, 0], [1, 1]],),
        "o_information": ([[0, 1, 0], [1, 0, 1], [1, 1, 0]],),
        "interaction_information": (labels, labels, labels),
        "transfer_entropy_matrix": (np.array([labels, labels]),),
    }
    keywords: dict[str, dict[str, Any]] = {
        "active_information_storage": {"history": 1},
        "entropy_rate": {"history": 1},
        "bootstrap": {"n_resamples": 10, "seed": 0},
    }
    return data.get(name, (labels,)), keywords.get(name, {})


@pytest.mark.parametrize(("impl", "name", "parameter"), UNKNOWN_OPTION)
def test_an_unknown_option_is_refused_everywhere(impl: Any, name: str, parameter: str) -> None:
    """No silent fallback: an option value nobody knows raises ValueError naming the option, in
    fastinfo and in its twin alike."""
    args, kwargs = minimal_call(impl, name)
    with pytest.raises(ValueError, match=parameter):
        getattr(impl, name)(*args, **kwargs, **{parameter: "no_such_option"})


# ---------------------------------------------------------------------------------------------
# Memory layouts: a misaligned array (e.g. from np.frombuffer with an offset) is contiguous and
# numpy accepts it; so does fastinfo, with the same result as an aligned copy.


def misaligned(values: Any, dtype: Any) -> Any:
    """``values`` as a C-contiguous array of ``dtype`` whose data is not aligned."""
    data = np.asarray(values, dtype=dtype)
    raw = bytearray(data.nbytes + 1)
    raw[1:] = data.tobytes()
    out = np.frombuffer(raw, dtype=dtype, offset=1, count=data.size).reshape(data.shape)
    assert out.flags.c_contiguous
    assert not out.flags.aligned
    return out


def test_misaligned_arrays_are_read_like_aligned_ones() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 1000)
    other = (labels + rng.integers(0, 2, 1000)) % 5
    for dtype in (np.int16, np.int32, np.int64, np.uint32, np.uint64):
        x, y = misaligned(labels, dtype), misaligned(other, dtype)
        assert fastinfo.entropy(x) == fastinfo.entropy(labels)
        assert fastinfo.mutual_information(x, y) == fastinfo.mutual_information(labels, other)
        values, counts = fastinfo.counts(x)
        np.testing.assert_array_equal(values, np.arange(5))
        np.testing.assert_array_equal(counts, np.bincount(labels))
        table = np.column_stack([labels, other])
        np.testing.assert_array_equal(
            fastinfo.mutual_information_matrix(misaligned(table, dtype)),
            fastinfo.mutual_information_matrix(table),
        )
    weights = rng.random((20, 8))
    assert np.array_equal(
        fastinfo.pmf.entropy(misaligned(weights, np.float64)), fastinfo.pmf.entropy(weights)
    )
    assert np.array_equal(
        fastinfo.pmf.pairwise(misaligned(weights, np.float64), metric="js"),
        fastinfo.pmf.pairwise(weights, metric="js"),
    )
    samples = rng.normal(size=(500, 2))
    assert fastinfo.differential_entropy(misaligned(samples, np.float64), bins=8) == (
        fastinfo.differential_entropy(samples, bins=8)
    )
    logits = rng.normal(size=(50, 10)).astype(np.float32)
    targets = rng.integers(0, 10, 50)
    assert fastinfo.cross_entropy_loss(
        misaligned(logits, np.float32), misaligned(targets, np.int64)
    ) == fastinfo.cross_entropy_loss(logits, targets)
