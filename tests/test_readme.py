"""Every Python example of the README runs when pasted in order, as a new user would paste it.

The README's ```python blocks are executed one after the other in one namespace (each block may
use what the earlier ones defined, nothing else), and the test fails on any exception or warning
other than the ones a block shows on purpose. Python in any other fence would escape the test, so
it is refused.
"""

from __future__ import annotations

import linecache
import pathlib
import re
import warnings

import pytest

import fastinfo

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"

BLOCK = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.S | re.M)
OTHER_PYTHON = re.compile(r"^[ \t]*```[ \t]*(py|python3|pycon|ipython)\b", re.M)


def readme_blocks() -> list[str]:
    return [m["code"] for m in BLOCK.finditer(README.read_text(encoding="utf-8"))]


def test_every_python_block_is_found() -> None:
    text = README.read_text(encoding="utf-8")
    assert not OTHER_PYTHON.search(text), "use ```python for Python code in the README, so it runs"
    # Every fenced block is either a shell command or one of the Python blocks run below.
    fences = re.findall(r"^```(\w*)", text, flags=re.M)
    openings = fences[::2]
    assert set(openings) <= {"python", "sh"}, openings
    assert len(readme_blocks()) == openings.count("python") >= 6


def test_readme_examples_run_in_order() -> None:
    pytest.importorskip("sklearn")
    namespace: dict[str, object] = {"__name__": "readme"}
    threads = fastinfo.get_num_threads()
    try:
        for i, code in enumerate(readme_blocks()):
            name = f"README.md, python block {i + 1}"
            linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                exec(compile(code, name, "exec"), namespace)
    finally:
        fastinfo.set_num_threads(threads)
