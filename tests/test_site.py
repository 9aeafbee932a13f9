"""The documentation site covers the public API, is built strictly by CI, and quotes the README.

The reference check reads the inventory (``objects.inv``) of a built site: the one in
``$FASTINFO_DOCS_HTML`` if set (CI builds the site first, then runs this file), else one built
here into a temporary directory when Sphinx is installed (``pip install '.[docs]'``); without
either it is skipped.
"""

import os
import pathlib
import re
import shlex
import subprocess
import sys
import types
import zlib

import pytest

import fastinfo
import fastinfo.reference

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPHINX_BUILD = ["-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html"]


def public_names():
    """Every name the reference must document, from the ``__all__`` lists themselves."""
    names = ["fastinfo.reference"]
    for name in fastinfo.__all__:
        obj = getattr(fastinfo, name)
        names.append(f"fastinfo.{name}")
        if isinstance(obj, types.ModuleType) and name != "reference":
            names += [f"fastinfo.{name}.{member}" for member in obj.__all__]
    return names


def inventory(html: pathlib.Path) -> set[str]:
    """Names of the Python objects in a Sphinx ``objects.inv`` (format version 2)."""
    raw = (html / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # four '#' lines, then a zlib stream
        header_end = raw.index(b"\n", header_end) + 1
    assert raw.startswith(b"# Sphinx inventory version 2")
    names = set()
    for line in zlib.decompress(raw[header_end:]).decode().splitlines():
        match = re.match(r"(.+?)\s+(py:\w+)\s+-?\d+\s", line)
        if match:
            names.add(match[1])
    return names


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    configured = os.environ.get("FASTINFO_DOCS_HTML")
    if configured:
        return pathlib.Path(configured)
    pytest.importorskip("sphinx", reason="the docs extra is not installed: pip install '.[docs]'")
    pytest.importorskip("numpydoc")
    pytest.importorskip("myst_parser")
    out = tmp_path_factory.mktemp("html")
    result = subprocess.run(
        [sys.executable, *SPHINX_BUILD, "-d", str(out / ".doctrees"), "docs", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_every_public_name_is_in_the_built_reference(built_site):
    documented = inventory(built_site)
    missing = [name for name in public_names() if name not in documented]
    assert not missing, f"public but not in the API reference: {missing}"


def test_the_reference_page_lists_every_twin(built_site):
    page = (built_site / "api" / "fastinfo.reference.html").read_text(encoding="utf-8")
    for name in fastinfo.reference.__all__:
        obj = getattr(fastinfo.reference, name)
        members = obj.__all__ if isinstance(obj, types.ModuleType) else [None]
        for member in members:
            short = name + (f".{member}" if member else "")  # the table omits fastinfo.reference.
            assert f">{short}<" in page, short
            assert f"fastinfo.{short}" in page, f"the fast counterpart of {short}"


def test_ci_builds_the_docs_strictly():
    ci = (ROOT / ".ci" / "run").read_text()
    build = next(line for line in ci.splitlines() if "sphinx-build" in line)
    words = shlex.split(build)
    assert {"-W", "-n"} <= set(words), build
    assert "pip install '.[docs]'" in ci
    assert "tests/test_site.py" in ci  # the reference check runs against CI's own build
    assert "sphinx-build -W --keep-going -n -b html docs" in (ROOT / "DEVELOPERS.md").read_text()


def performance_table(text: str) -> list[str]:
    start = text.index("| case (script) |")
    return text[start : text.index("\n\n", start)].splitlines()


def test_benchmarks_page_quotes_the_readme():
    """The page copies the README's measured figures: a new measurement must reach both."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert performance_table(page) == performance_table(readme)
    for marker in ("Peak extra memory", "**Pairwise matrices**"):
        paragraph = readme[readme.index(marker) :].split("\n\n")[0].strip()
        assert paragraph in page, marker
    machine = re.search(r"Measured on (.*?)\. Every contender", readme, re.S)
    assert machine, "the README no longer describes the machine as expected"
    assert " ".join(machine[1].split()) in " ".join(page.split())
