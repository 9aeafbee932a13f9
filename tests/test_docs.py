"""The examples in every public docstring run and print what they say; the demo and README hold."""

import doctest
import pathlib
import re

import fastinfo
import fastinfo._api
import fastinfo._dataset
import fastinfo.pmf
import pytest
from fastinfo.__main__ import main

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "module", [fastinfo._api, fastinfo.pmf, fastinfo._dataset], ids=lambda m: m.__name__
)
def test_docstring_examples(module):
    before = fastinfo.get_num_threads()
    try:
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        )
    finally:
        fastinfo.set_num_threads(before)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_function_has_an_example():
    names = fastinfo._api.__all__ + [f"pmf.{n}" for n in fastinfo.pmf.__all__]
    names += fastinfo._dataset.__all__
    functions = [eval(f"fastinfo.{name}") for name in names]
    for name, function in zip(names, functions):
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
