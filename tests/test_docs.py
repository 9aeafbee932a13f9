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
import fastinfo.plot
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
        ("plot.", fastinfo.plot),
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


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fastinfo", *args], capture_output=True, text=True, timeout=300
    )


# Sizes and seeds at which the old demo cried wolf (n = 10; 1 seed in 20 at n = 100), and
# independent variables (e1 = 0.5), where the DPI check failed on 1e-5 of noise.
DEMO_RUNS = [
    *[("--n", str(n), "--seed", str(seed)) for n in (1, 2, 10, 100) for seed in range(0, 40, 4)],
    *[("--n", "100", "--seed", str(seed)) for seed in range(20)],
    *[("--n", "3000", "--e1", "0.5", "--seed", str(seed)) for seed in range(5)],
    ("--n", "200000", "--e1", "0.5", "--e2", "0.5"),
    ("--n", "1000", "--e1", "0", "--e2", "1"),
]


def test_the_demo_never_calls_sampling_noise_a_failure():
    """Run the CLI in a subprocess over many seeds and sizes: noise is never "VIOLATED"."""
    script = textwrap.dedent(
        """
        import contextlib, io, sys
        from fastinfo.__main__ import main

        failures = []
        for args in eval(sys.argv[1]):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                code = main(list(args))
            if code != 0 or "VIOLATED" in out.getvalue() or "OFF" in out.getvalue():
                failures.append((args, code, out.getvalue()))
        print(repr(failures))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, repr(DEMO_RUNS)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout[:3000]
    # One run through the real entry point, in its own process.
    single = run_cli("demo", "--n", "10", "--seed", "1")
    assert single.returncode == 0, single.stdout + single.stderr
    assert "within their sampling tolerance" in single.stdout


def test_the_demo_still_catches_a_wrong_estimate(monkeypatch, capsys):
    """The tolerances are not so wide that a real error passes: an entropy off by 1e-3 bits at
    n = 10**6 is reported, with exit code 1."""
    import fastinfo.__main__ as demo

    real = fastinfo.entropy
    monkeypatch.setattr(demo.fastinfo, "entropy", lambda *a, **k: real(*a, **k) + 1e-3)
    assert demo.main(["--n", "1000000", "--seed", "2"]) == 1
    out = capsys.readouterr().out
    assert "OFF" in out
    assert "further from the truth than sampling noise explains" in out


def test_demo_tolerances_shrink_with_n():
    from fastinfo.__main__ import tolerance

    small, large = tolerance(0.1, 0.2, 100), tolerance(0.1, 0.2, 10**6)
    for name in small:
        assert 0 < large[name] < small[name]
    assert large["I(X; Y)"] < 1e-2  # of order 1/sqrt(n)
    assert large["H(X)"] < 1e-4  # a fair bit: no linear term, of order 1/n


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--n", "0"), "argument --n: must be at least 1, got 0"),
        (("--n", "-5"), "argument --n: must be at least 1"),
        (("--e1", "1.5"), "argument --e1: must be a probability in [0, 1], got 1.5"),
        (("--e2", "-0.1"), "argument --e2: must be a probability"),
        (("--e1", "nan"), "argument --e1: must be a probability"),
        (("--seed", "-1"), "argument --seed: must be at least 0"),
        (("--n", "ten"), "argument --n: invalid int value"),
        (
            ("--n", "99999999999999999999"),
            "argument --n: 99,999,999,999,999,999,999 samples do not",
        ),
        (("nonsense",), "argument command: invalid choice"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_bad_demo_arguments_are_one_line_and_exit_code_2(args, message):
    result = run_cli("demo", *args) if args[0] != "nonsense" else run_cli(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("fastinfo: error: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_is_plain_text():
    result = run_cli("--help")
    assert result.returncode == 0
    text = result.stdout
    for word in ("demo", "--e1", "--version", "tolerance"):
        assert word in text, word
    for markup in ("``", ":func:", ":mod:", ".. ", "**"):
        assert markup not in text, markup
    version = run_cli("--version")
    assert version.returncode == 0
    assert version.stdout.strip() == f"fastinfo {fastinfo.__version__}"


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"```sh\n(.*?)\n```", readme, flags=re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command.strip() in ci


def test_fastinfo_and_the_demo_need_only_numpy():
    """`pip install .` installs numpy alone: importing fastinfo (reference and plot included) and
    running the demo must not need scipy, scikit-learn, pandas, polars, mpmath, nor the cli
    extra (pyarrow, rich, matplotlib)."""
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                blocked = {"scipy", "sklearn", "pandas", "polars", "mpmath"}
                # The cli extra: the data commands and fastinfo.plot import them when used.
                blocked |= {"pyarrow", "rich", "matplotlib"}
                if name.split(".")[0] in blocked:
                    raise ImportError(f"{name} is blocked: not a dependency of fastinfo")
                return None

        sys.meta_path.insert(0, Block())
        import fastinfo, fastinfo.plot, fastinfo.reference
        from fastinfo.__main__ import main

        assert "fastinfo._cli" not in sys.modules

        assert main(["--n", "100000", "--seed", "1"]) == 0
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
