"""Sphinx extension: the API reference pages, written from the public ``__all__`` lists.

At ``builder-inited`` (before Sphinx reads any page) this writes ``docs/api/``:

- ``index.rst``: the top-level namespace, ``fastinfo.__all__``, as tables grouped by topic;
- one page per public submodule listed in ``fastinfo.__all__`` that has its own ``__all__``
  (``fastinfo.pmf``, ``fastinfo.gaussian``, and any added later);
- ``fastinfo.reference.rst``: the pure-numpy twin, one page saying what it mirrors;
- ``generated/<full name>.rst``: one page per public object, rendered by autodoc + numpydoc.

Nothing is listed by hand except the grouping of the top-level names into topics
(:data:`SECTIONS`): a public name that is in no group is still documented, under "Other
functions", so a new function cannot be left out. After the pages are read, every expected name
is looked up among the documented objects; a missing one is a warning (an error with ``-W``).
``docs/api/`` is generated and ignored by git.
"""

from __future__ import annotations

import inspect
import types
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

import fastinfo
import fastinfo.reference

logger = logging.getLogger(__name__)

#: Topics of the top-level namespace: (title, one-line introduction, names), in page order.
SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "Samples: entropy and information",
        "Estimates from arrays of discrete labels (or binned floats with ``bins=``); "
        "see :doc:`/guide/samples-and-distributions` and :doc:`/guide/estimators`.",
        [
            "entropy",
            "joint_entropy",
            "conditional_entropy",
            "mutual_information",
            "conditional_mutual_information",
            "counts",
            "contingency",
        ],
    ),
    (
        "Tables of variables",
        "Every pair of columns, or every column against a target; see :doc:`/guide/tables`.",
        ["mutual_information_matrix", "mutual_information_with"],
    ),
    (
        "Streaming and merging counts",
        "Exact counts that accumulate batch by batch and merge across processes (and "
        "``fastinfo.dask``); see :doc:`/guide/streaming`.",
        ["JointCounts", "PairwiseCounts", "TargetCounts"],
    ),
    (
        "Clustering agreement",
        "Comparing two labelings of the same samples; see :doc:`/guide/clustering`.",
        [
            "normalized_mutual_information",
            "adjusted_mutual_information",
            "variation_of_information",
        ],
    ),
    (
        "Significance",
        "Is a mutual information more than noise; see :doc:`/guide/significance`.",
        ["permutation_test", "g_test", "PermutationTestResult", "GTestResult"],
    ),
    (
        "Error bars",
        "Bootstrap standard errors and confidence intervals; see :doc:`/guide/significance`.",
        ["bootstrap", "BootstrapResult", "ConfidenceInterval"],
    ),
    (
        "Many variables",
        "Information shared by several variables; see :doc:`/guide/multivariate`.",
        [
            "total_correlation",
            "dual_total_correlation",
            "o_information",
            "interaction_information",
        ],
    ),
    (
        "Time series",
        "Information dynamics of discrete time series; see :doc:`/guide/multivariate`.",
        [
            "transfer_entropy",
            "transfer_entropy_matrix",
            "active_information_storage",
            "entropy_rate",
        ],
    ),
    (
        "Generalised entropies",
        "Rényi and Tsallis entropies of samples (of distributions: :mod:`fastinfo.pmf`); see "
        ":doc:`/guide/multivariate`.",
        ["renyi_entropy", "tsallis_entropy"],
    ),
    (
        "Continuous data",
        "Histograms of real samples; see :doc:`/guide/continuous`. Without bins, "
        "``differential_entropy``, ``mutual_information`` and ``conditional_mutual_information`` "
        "take k-nearest-neighbour estimators; see :doc:`/guide/knn`.",
        ["discretize", "differential_entropy"],
    ),
    (
        "Continuous data without bins",
        "k-nearest-neighbour estimates between samples, and drop-ins for scikit-learn's "
        "feature scores; see :doc:`/guide/knn`.",
        ["kl_divergence_samples", "mutual_info_regression", "mutual_info_classif"],
    ),
    (
        "Losses and evaluation units",
        "Model outputs against labels, and the units of a language model's evaluation; "
        "see :doc:`/guide/losses`.",
        [
            "cross_entropy_loss",
            "binary_cross_entropy",
            "binary_cross_entropy_with_logits",
            "perplexity",
            "bits_per_token",
            "bits_per_byte",
        ],
    ),
    (
        "Threads, configuration and version",
        "See :doc:`/guide/runtime`.",
        ["set_num_threads", "get_num_threads", "show_config", "__version__"],
    ),
]

#: Public submodules with a page of their own (in ``fastinfo.__all__``): shown in this order,
#: followed by any other public submodule; the reference twin has its own kind of page.
MODULE_ORDER = ["pmf", "gaussian", "plot"]
REFERENCE = "reference"
VERSION_TEXT = "The version of fastinfo, a string such as ``'1.2.0'``."


def _title(text: str, underline: str = "=") -> str:
    return f"{text}\n{underline * len(text)}\n"


def _kind(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def public_modules() -> dict[str, types.ModuleType]:
    """The public submodules named in ``fastinfo.__all__`` that have a page of their own."""
    found = {
        name: getattr(fastinfo, name)
        for name in fastinfo.__all__
        if name != REFERENCE and isinstance(getattr(fastinfo, name), types.ModuleType)
    }
    order = [n for n in MODULE_ORDER if n in found] + sorted(set(found) - set(MODULE_ORDER))
    return {f"fastinfo.{name}": found[name] for name in order}


def documented_objects() -> dict[str, list[str]]:
    """Full names of the objects that get a page, by the module whose ``__all__`` lists them."""
    top = [
        f"fastinfo.{name}"
        for name in fastinfo.__all__
        if not isinstance(getattr(fastinfo, name), types.ModuleType)
    ]
    pages = {"fastinfo": top}
    for module_name, module in public_modules().items():
        pages[module_name] = [f"{module_name}.{name}" for name in module.__all__]
    return pages


def expected_names() -> list[str]:
    """Every name the built reference must document (objects and modules)."""
    names = [name for names in documented_objects().values() for name in names]
    names += list(public_modules())
    names.append("fastinfo.reference")
    return names


def _object_page(full_name: str) -> str:
    module_name, _, name = full_name.rpartition(".")
    module = fastinfo if module_name == "fastinfo" else public_modules()[module_name]
    obj = getattr(module, name)
    header = _title(full_name) + f"\n.. currentmodule:: {module_name}\n\n"
    if name == "__version__":
        # A plain string from the extension: say what it is instead of showing str's docstring.
        return header + f".. data:: {name}\n\n   {VERSION_TEXT}\n"
    directive = {"class": "autoclass", "function": "autofunction", "data": "autodata"}[_kind(obj)]
    return header + f".. {directive}:: {name}\n"


def _summary_table(full_names: list[str], module_name: str | None) -> str:
    """An autosummary table; names are given relative to ``module_name`` (the current module)."""
    lines = [".. autosummary::", ""]
    for full_name in full_names:
        if full_name == "fastinfo.__version__":
            continue  # a str: autosummary would show str's docstring; listed as text instead
        prefix = f"{module_name}."
        lines.append(f"   {full_name[len(prefix) :] if module_name else full_name}")
    text = "\n".join(lines) + "\n"
    if "fastinfo.__version__" in full_names:
        text += f"\n:data:`fastinfo.__version__`: {VERSION_TEXT}\n"
    return text


def _hidden_toctree(entries: list[str]) -> str:
    lines = [".. toctree::", "   :hidden:", ""]
    lines += [f"   {e}" for e in entries]
    return "\n".join(lines) + "\n"


def _index_page(top: list[str]) -> str:
    placed: set[str] = set()
    parts = [
        ".. This page is generated by docs/_ext/fastinfo_api.py; do not edit.\n",
        _title("API reference"),
        ".. automodule:: fastinfo\n   :no-members:\n",
        "Every name below is listed in ``fastinfo.__all__``, ``fastinfo.pmf.__all__``, "
        "``fastinfo.gaussian.__all__`` or ``fastinfo.plot.__all__``; this reference is generated "
        "from those lists.\n",
    ]
    for title, intro, names in SECTIONS:
        present = [f"fastinfo.{n}" for n in names if f"fastinfo.{n}" in top]
        if not present:
            continue
        placed.update(present)
        parts += [_title(title, "-"), intro + "\n", _summary_table(present, "fastinfo")]
    others = [n for n in top if n not in placed]
    if others:
        parts += [
            _title("Other functions", "-"),
            "Public names not yet placed in a topic (docs/_ext/fastinfo_api.py, ``SECTIONS``).\n",
            _summary_table(others, "fastinfo"),
        ]
    modules = [*public_modules(), "fastinfo.reference"]
    parts += [
        _title("Modules", "-"),
        "Functions of probability distributions, Gaussian closed forms, pictures (matplotlib; "
        "used by the command line, see :doc:`/guide/cli`), and the pure-numpy twin that the "
        "tests check everything against.\n",
        ".. currentmodule:: None\n",
        _summary_table(modules, None),
    ]
    ordered = [n for _, _, names in SECTIONS for n in (f"fastinfo.{m}" for m in names) if n in top]
    ordered += others
    parts.append(_hidden_toctree([f"generated/{n}" for n in ordered] + modules))
    return "\n".join(parts)


def _module_page(module_name: str, names: list[str]) -> str:
    return "\n".join(
        [
            ".. This page is generated by docs/_ext/fastinfo_api.py; do not edit.\n",
            _title(module_name),
            f".. automodule:: {module_name}\n   :no-members:\n",
            _title("Functions and constants", "-"),
            _summary_table(names, module_name),
            _hidden_toctree([f"generated/{n}" for n in names]),
        ]
    )


def _mirror(reference_name: str) -> str:
    """The fast counterpart of ``fastinfo.reference[.sub].name``, as a reference."""
    fast_name = reference_name.replace("fastinfo.reference", "fastinfo", 1)
    module_name, _, name = fast_name.rpartition(".")
    module: Any = fastinfo if module_name == "fastinfo" else public_modules().get(module_name)
    if module is None or name not in getattr(module, "__all__", ()):
        logger.warning(
            "%s has no public counterpart %s", reference_name, fast_name, type="fastinfo_api"
        )
        return f"``{fast_name}``"
    role = {"module": "mod", "class": "class", "function": "func", "data": "data"}
    return f":{role[_kind(getattr(module, name))]}:`{fast_name}`"


def _reference_page() -> str:
    reference = fastinfo.reference
    rows: list[tuple[str, str]] = []
    for name in reference.__all__:
        obj = getattr(reference, name)
        full = f"fastinfo.reference.{name}"
        if isinstance(obj, types.ModuleType):
            rows += [(f"{full}.{n}", _mirror(f"{full}.{n}")) for n in obj.__all__]
        else:
            rows.append((full, _mirror(full)))
    table = [
        ".. list-table::",
        "   :header-rows: 1",
        "",
        "   * - ``fastinfo.reference.``",
        "     - mirrors",
    ]
    for twin, fast in rows:
        table += [f"   * - ``{twin.removeprefix('fastinfo.reference.')}``", f"     - {fast}"]
    submodules = [
        n for n in reference.__all__ if isinstance(getattr(reference, n), types.ModuleType)
    ]
    parts = [
        ".. This page is generated by docs/_ext/fastinfo_api.py; do not edit.\n",
        _title("fastinfo.reference"),
        ".. py:module:: fastinfo.reference\n",
        "A slow, readable, pure-numpy twin of the whole public API: every function below has the "
        "same name, signature, argument checks, conventions and units as its fast counterpart, "
        "whose documentation applies to it. It is written to be read (one obvious formula per "
        "quantity, ``np.unique`` where fastinfo counts in parallel), and the test suite checks "
        "every fastinfo function against it; it is never used as a fallback. Use it to see how a "
        "quantity is defined, or to check a result by an independent route.\n",
        "The twin's permutation test draws other random numbers than fastinfo's (the same law, "
        "other values, for the same seed). A few functions need scipy (the Grassberger and NSB "
        "estimators, the G-test's p-value), imported only when they are called.\n",
        "\n".join(table) + "\n",
        "Import it explicitly: ``import fastinfo.reference`` (``import fastinfo`` does not load "
        "it).\n",
    ]
    for name in submodules:
        parts.append(f".. py:module:: fastinfo.reference.{name}\n")
        parts.append(
            f"``fastinfo.reference.{name}`` mirrors :mod:`fastinfo.{name}` in the same way.\n"
        )
    return "\n".join(parts)


def _write(path: Path, text: str) -> None:
    """Write ``text`` unless the file already holds it (keeps incremental builds incremental)."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate(app: Sphinx) -> None:
    """Write docs/api/ from the ``__all__`` lists (``builder-inited``)."""
    out = Path(app.srcdir) / "api"
    generated = out / "generated"
    generated.mkdir(parents=True, exist_ok=True)
    pages = documented_objects()
    wanted = {"index.rst", "fastinfo.reference.rst"}
    _write(out / "index.rst", _index_page(pages["fastinfo"]))
    for module_name, names in pages.items():
        if module_name != "fastinfo":
            _write(out / f"{module_name}.rst", _module_page(module_name, names))
            wanted.add(f"{module_name}.rst")
    _write(out / "fastinfo.reference.rst", _reference_page())
    objects = {f"{n}.rst" for names in pages.values() for n in names}
    for full_name in sorted(objects):
        _write(generated / full_name, _object_page(full_name[: -len(".rst")]))
    # Pages of names that left the API would otherwise linger as orphans.
    for stale in [p for p in out.glob("*.rst") if p.name not in wanted]:
        stale.unlink()
    for stale in [p for p in generated.glob("*.rst") if p.name not in objects]:
        stale.unlink()


def check(app: Sphinx, env: BuildEnvironment) -> None:
    """Warn about any public name that no page documents (``env-check-consistency``)."""
    documented = set(env.get_domain("py").objects)  # type: ignore[attr-defined]
    for name in expected_names():
        if name not in documented:
            logger.warning(
                "%s is public (in an __all__ list) but not documented", name, type="fastinfo_api"
            )


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the generator and the completeness check."""
    app.connect("builder-inited", generate)
    app.connect("env-check-consistency", check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
