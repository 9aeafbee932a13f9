"""``fastinfo.show_config()`` and ``fastinfo --version`` report what is really there."""

import doctest
import importlib.metadata
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import fastinfo
import fastinfo._config

LEVELS = ("scalar", "avx2", "avx512")


def config_in_subprocess(**environment):
    """``show_config(mode="dicts")`` in a fresh interpreter with ``environment`` set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTINFO_")}
    env.update(environment)
    script = "import json, fastinfo; print(json.dumps(fastinfo.show_config(mode='dicts')))"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_docstring_examples():
    result = doctest.testmod(
        fastinfo._config, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0
    assert result.attempted > 0


def test_versions_match_the_installed_distribution():
    config = fastinfo.show_config(mode="dicts")
    assert config["fastinfo"]["version"] == fastinfo.__version__
    assert fastinfo.__version__ == importlib.metadata.version("fastinfo")
    assert config["numpy"]["version"] == np.__version__
    assert config["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert config["python"]["executable"] == sys.executable


def test_the_build_is_described():
    build = fastinfo.show_config(mode="dicts")["build"]
    # Cargo.toml's profiles: `release` (wheels, `pip install`), `ci` (`maturin develop --profile
    # ci`), `dev` (a debug build).
    assert build["profile"] in ("release", "ci", "dev"), build["profile"]
    assert build["debug_assertions"] is (build["profile"] == "dev")
    assert build["opt_level"] == ("0" if build["profile"] == "dev" else "3")
    assert build["rustc"].startswith("rustc ")
    native = pathlib.Path(fastinfo._native.__file__).name
    assert build["extension"] == native
    assert build["python_abi"] in native
    if build["target"].startswith("x86_64"):
        # A portable wheel: the x86-64 baseline only, wider kernels chosen at run time.
        assert not {"avx", "avx2", "fma", "avx512f"} & set(build["target_features"])
        assert "sse2" in build["target_features"]
    for tag in build["wheel_tags"]:
        abi = tag.split("-")[1]
        if build["python_abi"] == "abi3":
            assert abi == "abi3", tag
        else:
            assert abi.startswith("cp"), tag


def test_one_build_of_the_extension():
    """Python prefers `_native.cpython-311-*.so` to `_native.abi3.so`: a per-version build left in
    the package directory by an older `maturin develop` would be imported instead of a new one."""
    package = pathlib.Path(fastinfo.__file__).parent
    builds = sorted(p.name for p in package.glob("_native*") if p.suffix in (".so", ".pyd"))
    assert builds == [pathlib.Path(fastinfo._native.__file__).name], (
        f"{package} holds {len(builds)} builds of the extension, {builds}; "
        f"{fastinfo._native.__file__} is the one imported: delete the stale ones"
    )


def test_show_config_prints_every_section(capsys):
    assert fastinfo.show_config() is None
    out = capsys.readouterr().out
    config = fastinfo.show_config(mode="dicts")
    for section in config:
        assert f"\n{section}:\n" in f"\n{out}"
    assert f"  version: {fastinfo.__version__}\n" in out
    assert f"  simd_level: {config['runtime']['simd_level']}\n" in out


def test_a_bad_mode_is_refused():
    with pytest.raises(ValueError, match="mode"):
        fastinfo.show_config(mode="yaml")  # type: ignore[call-overload]


def test_simd_level_follows_the_environment():
    default = config_in_subprocess()["runtime"]
    assert default["simd_level"] == default["simd_best_available"]
    assert default["simd_level"] in LEVELS
    assert default["environment"]["FASTINFO_SIMD"] is None
    scalar = config_in_subprocess(FASTINFO_SIMD="scalar")["runtime"]
    assert scalar["simd_level"] == "scalar"
    assert scalar["simd_best_available"] == default["simd_best_available"]
    assert scalar["environment"]["FASTINFO_SIMD"] == "scalar"
    # Never above what the CPU has.
    widest = config_in_subprocess(FASTINFO_SIMD="avx512")["runtime"]
    assert widest["simd_level"] == default["simd_best_available"]


def test_threads_and_memory_follow_the_environment():
    runtime = config_in_subprocess(FASTINFO_NUM_THREADS="3", FASTINFO_MEMORY_LIMIT="1e6")["runtime"]
    assert runtime["num_threads"] == 3
    assert runtime["memory_limit"] == 1_000_000
    assert runtime["environment"]["FASTINFO_NUM_THREADS"] == "3"


def test_bad_settings_are_shown_not_raised():
    runtime = config_in_subprocess(FASTINFO_NUM_THREADS="zero", FASTINFO_MEMORY_LIMIT="-1")[
        "runtime"
    ]
    assert re.match(r"error: ValueError: FASTINFO_NUM_THREADS", runtime["num_threads"])
    assert re.match(
        r"error: FASTINFO_MEMORY_LIMIT: must be a positive number", runtime["memory_limit"]
    )


def version_commands():
    commands = [[sys.executable, "-m", "fastinfo", "--version"]]
    script = shutil.which("fastinfo", path=os.path.dirname(sys.executable))
    if script:  # the console script, where the package was installed with its entry points
        commands.append([script, "--version"])
    return commands


@pytest.mark.parametrize("command", version_commands(), ids=lambda c: pathlib.Path(c[0]).name)
def test_version_on_the_command_line(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"fastinfo {importlib.metadata.version('fastinfo')}\n"
