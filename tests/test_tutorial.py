"""Every Python code block of the documentation site runs.

Each page of the tutorial and the user guide (``docs/**/*.md``) is one test: its ```python blocks
are executed in order in one namespace, as a reader would run them, and any exception (a failing
``assert`` inside a block included) fails the test. The blocks check the identities they show, so
the pages document and test at once.
"""

import ast
import linecache
import pathlib
import re
import time

import pytest

import fastinfo

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"

# A fenced block opened by exactly ```python (``` may be indented inside a list item); the
# closing fence has the same indentation.
BLOCK = re.compile(
    r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.S | re.M
)
# Python in any other fence would escape this test: refused, so that every example runs.
PYTHON_NAMES = r"(python3?|py|pycon|ipython)"
UNTESTED = re.compile(
    rf"^[ \t]*(```|:::)[ \t]*(\{{[a-z-]+\}}[ \t]*{PYTHON_NAMES}|py|python3|pycon|ipython)\b", re.M
)

PAGES = sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts and p.name != "README.md")


def code_blocks(page: pathlib.Path) -> list[str]:
    """The ```python blocks of ``page``, in order, dedented to their fence."""
    blocks = []
    for match in BLOCK.finditer(page.read_text(encoding="utf-8")):
        indent = len(match["indent"])
        blocks.append("".join(line[indent:] for line in match["code"].splitlines(keepends=True)))
    return blocks


def run(code: str, name: str, namespace: dict[str, object]) -> None:
    """Execute ``code`` in ``namespace``; a traceback shows its lines (registered as ``name``)."""
    linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
    tree = ast.parse(code, name)
    try:  # pytest's assertion rewriting, so that a failing assert shows its values
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(tree, code.encode(), name)
    except Exception:  # pragma: no cover - a private API; plain asserts still fail the test
        tree = ast.parse(code, name)
    exec(compile(tree, name, "exec"), namespace)


def test_pages_are_found():
    names = {p.relative_to(DOCS).as_posix() for p in PAGES}
    assert "tutorial/foundations.md" in names
    assert {"guide/estimators.md", "guide/pairwise.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_code_blocks_run(page):
    blocks = code_blocks(page)
    text = page.read_text(encoding="utf-8")
    assert not UNTESTED.search(text), f"{page.name}: use ```python for Python code, so it runs"
    if page.parent.name in ("guide", "tutorial") and page.name != "index.md":
        assert blocks, f"{page.name} has no Python example"
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    threads = fastinfo.get_num_threads()
    try:
        for i, code in enumerate(blocks):
            run(code, f"docs/{page.relative_to(DOCS)}, block {i + 1}", namespace)
    finally:
        fastinfo.set_num_threads(threads)


def test_tutorial_is_quick():
    """The tutorial is meant to be run by readers: all of it well under half a minute."""
    page = DOCS / "tutorial" / "foundations.md"
    namespace: dict[str, object] = {"__name__": "docs_timing"}
    start = time.perf_counter()
    for i, code in enumerate(code_blocks(page)):
        run(code, f"docs/tutorial/foundations.md, block {i + 1}", namespace)
    assert time.perf_counter() - start < 20
