"""The examples in every public docstring run and print what they say; the demo and README hold."""

import doctest
import pathlib
import re
import subprocess
import sys
import textwrap

import pytest

import fastinfo
import fastinfo.gaussian
import fastinfo.pmf
from fastinfo.__main__ import main

ROOT = pathlib.Path(__file__).resolve().parents[1]


def public_objects():
    """``{"name": object}`` for every public callable: the top level (classes included),
    ``pmf.*`` and ``gaussian.*``, read from the ``__all__`` lists."""
    objects = {}
    for prefix, module in (
        ("", fastinfo),
        ("pmf.", fastinfo.pmf),
        ("gaussian.", fastinfo.gaussian),
    ):
        for name in module.__all__:
            value = getattr(module, name)
            if callable(value) and not isinstance(value, type(fastinfo)):
                objects[prefix + name] = value
    return objects


# Every module that defines a public function (the public modules re-export them).
MODULES = sorted(
    {sys.modules[f.__module__] for f in public_objects().values()}, key=lambda m: m.__name__
)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    before = fastinfo.get_num_threads()
    try:
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
    finally:
        fastinfo.set_num_threads(before)
    assert result.failed == 0
    assert result.attempted > 0


@pytest.mark.parametrize("name", sorted(public_objects()))
def test_every_public_function_has_an_example(name):
    assert ">>>" in (public_objects()[name].__doc__ or ""), name


def test_demo_reports_truth_on_a_small_chain(capsys):
    assert main(["--n", "200000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "data processing inequality" in out
    assert "holds" in out
    assert "values agree: True" in out


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command.strip() in ci


def test_fastinfo_and_the_demo_need_only_numpy():
    """`pip install .` installs numpy alone: importing fastinfo (reference included) and running
    the demo must not need scipy, scikit-learn, pandas, polars or mpmath."""
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"scipy", "sklearn", "pandas", "polars", "mpmath"}:
                    raise ImportError(f"{name} is blocked: not a dependency of fastinfo")
                return None

        sys.meta_path.insert(0, Block())
        import fastinfo, fastinfo.reference
        from fastinfo.__main__ import main

        assert main(["--n", "100000", "--seed", "1"]) == 0
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
