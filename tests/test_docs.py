"""The examples in every public docstring run and print what they say; the demo and README hold."""

import doctest
import pathlib
import re

import pytest

import fastinfo
import fastinfo._agreement
import fastinfo._api
import fastinfo._continuous
import fastinfo._dataset
import fastinfo._losses
import fastinfo._significance
import fastinfo.gaussian
import fastinfo.pmf
from fastinfo.__main__ import main

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Every module that defines public functions (``fastinfo.*`` re-exports them).
MODULES = [
    fastinfo._api,
    fastinfo._agreement,
    fastinfo._continuous,
    fastinfo._dataset,
    fastinfo._losses,
    fastinfo._significance,
    fastinfo.gaussian,
    fastinfo.pmf,
]


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
    assert result.attempted > 0 or not module.__all__


def public_functions():
    """Every public callable: the top level (classes included), ``pmf.*`` and ``gaussian.*``."""
    names = [
        n for n in fastinfo.__all__ if n not in ("__version__", "pmf", "gaussian", "reference")
    ]
    names += [f"pmf.{n}" for n in fastinfo.pmf.__all__]
    names += [f"gaussian.{n}" for n in fastinfo.gaussian.__all__]
    return names


@pytest.mark.parametrize("name", public_functions())
def test_every_public_function_has_an_example(name):
    function = eval(f"fastinfo.{name}")
    if callable(function):
        assert ">>>" in (function.__doc__ or ""), name


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
