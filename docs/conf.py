"""Sphinx configuration of the fastinfo documentation (see docs/README.md).

Build from the repository root, with fastinfo and the ``docs`` extra installed::

    sphinx-build -W --keep-going -n -b html docs docs/_build/html

Nothing is fetched from the network: no intersphinx, no remote images or fonts.
"""

from __future__ import annotations

import sys
from pathlib import Path

import fastinfo

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "fastinfo"
author = "the fastinfo developers"
copyright = "the fastinfo developers"
release = fastinfo.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax from the package into _static/: formulas render offline
    "fastinfo_api",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", ".DS_Store"]
templates_path: list[str] = []

# Every cross-reference must resolve (``-n``; ``-W`` turns the warnings into errors). Names from
# other projects cannot resolve without intersphinx, which would fetch their inventories from the
# network, so references into these packages are exempt; a broken ``fastinfo.*`` reference fails.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|scipy|sklearn|pandas|polars|torch|mpmath)(\..*)?"),
]

# -- MyST (the Markdown pages) ---------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
# $...$ and $$...$$ are rendered in the browser by MathJax, served from the site's own _static/
# (sphinx-mathjax-offline copies it there), so the pages need no network to show formulas.

# -- autodoc / autosummary / numpydoc --------------------------------------------------------
# The docstrings document every parameter's type in numpydoc's "Parameters" section; the
# annotations (``npt.ArrayLike``, private aliases) would only add unresolvable references.
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
autosummary_generate = False  # fastinfo_api writes the pages itself, from the __all__ lists
numpydoc_show_class_members = False  # result classes document their fields under "Attributes"
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False  # "array_like", "int, optional" are prose, not references
numpydoc_attributes_as_param_list = True
# Checks numpydoc runs on every documented object; with -W a failure breaks the build.
#   GL06, GL07  an unknown section (a misspelt "Parameter" renders as text), sections out of order
#   GL08        the object has no docstring
#   GL10        a reST directive with one colon (".. note:"), silently rendered as a comment
#   PR02        a documented parameter is not in the signature (the docs drifted from the code)
#   PR10        "x: int" where numpydoc needs "x : int" (the type would show as part of the name)
#   RT02        a "Returns" line that names the type only where a name was meant, or vice versa
#   SS01-SS03, SS06  a summary line that is missing, not capitalised, without its final period,
#               or longer than one line (the API tables show the first line only)
# Left out on purpose: SS05 (summaries here are noun phrases, "Entropy H(X) of discrete
# samples.", and its test, "the first word ends in s", flags "Bits per byte" and "All-pairs"),
# PR01 (the result classes document their fields under "Attributes"; set_num_threads its one
# positional argument in the summary), PR03/PR04 (related parameters are documented together:
# "mean0, mean1"; nearest's "metric, base, normalize: as in pairwise"), RT01/RT03 (a one-line
# function may say what it returns in its summary), the SA/EX checks (tests/test_docs.py
# requires an example in every public function), ES01 (an extended summary is optional).
numpydoc_validation_checks = {
    "GL06",
    "GL07",
    "GL08",
    "GL10",
    "PR02",
    "PR10",
    "RT02",
    "SS01",
    "SS02",
    "SS03",
    "SS06",
}

# -- HTML ------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"fastinfo {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["fastinfo.css"]
# Pages without sub-pages get no left sidebar (it would be empty): room for 100-column code.
html_sidebars = {"index": [], "benchmarks": [], "tutorial/*": []}
