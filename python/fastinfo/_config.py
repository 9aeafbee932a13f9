"""``fastinfo.show_config()``: the build and the run-time settings, for a bug report."""

from __future__ import annotations

import os
import sys
from typing import Any, Literal, overload

import numpy as np

from . import _native

#: The environment variables fastinfo reads.
ENVIRONMENT = ("FASTINFO_NUM_THREADS", "FASTINFO_MEMORY_LIMIT", "FASTINFO_SIMD")


def _wheel_tags() -> list[str]:
    """The tags of the installed distribution (``cp311-cp311-manylinux_2_17_x86_64``, ...)."""
    import importlib.metadata

    try:
        wheel = importlib.metadata.distribution("fastinfo").read_text("WHEEL")
    except importlib.metadata.PackageNotFoundError:
        return []
    lines = (wheel or "").splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]


def _attempt(f: Any) -> Any:
    """``f()``, or the error it raises as text: a bad environment variable hides nothing else."""
    try:
        return f()
    except Exception as error:
        return f"error: {type(error).__name__}: {error}"


def _collect() -> dict[str, dict[str, Any]]:
    # Imported here, not with fastinfo: importlib.metadata alone adds ~10 ms to `import fastinfo`.
    import pathlib
    import platform

    native = _native.build_info()
    extension = pathlib.Path(_native.__file__ or "").name
    # `_native.abi3.so` (stable ABI) or `_native.cpython-311-x86_64-linux-gnu.so` (one version).
    abi = extension.split(".")[1] if extension.count(".") >= 2 else "unknown"
    threads = _attempt(_native.get_num_threads)
    libc = " ".join(platform.libc_ver()).strip()
    return {
        "fastinfo": {
            "version": native["version"],
            "location": str(pathlib.Path(__file__).resolve().parent),
        },
        "build": {
            "profile": native["profile"],
            "opt_level": native["opt_level"],
            "debug_assertions": native["debug_assertions"],
            "rustc": native["rustc"],
            "target": native["target"],
            "target_features": native["target_features"],
            "extension": extension,
            "python_abi": "abi3" if abi == "abi3" else abi,
            "wheel_tags": _wheel_tags(),
        },
        "runtime": {
            "simd_level": native["simd_level"],
            "simd_best_available": native["simd_best_available"],
            "cpu_features": native["cpu_features"],
            "num_threads": threads,
            "memory_limit": native["memory_budget"],
            "memory_limit_text": native["memory_budget_text"],
            "environment": {name: os.environ.get(name) for name in ENVIRONMENT},
        },
        "numpy": {"version": np.__version__},
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
            "executable": sys.executable,
        },
        "platform": {
            "system": platform.system(),
            "release": platform.release(),
            "machine": platform.machine(),
            "libc": libc or None,
        },
    }


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value)) if value else "(none)"
    if value is None:
        return "(unset)"
    return str(value)


@overload
def show_config(*, mode: Literal["stdout"] = ...) -> None: ...
@overload
def show_config(*, mode: Literal["dicts"]) -> dict[str, dict[str, Any]]: ...
def show_config(*, mode: str = "stdout") -> dict[str, dict[str, Any]] | None:
    """Show how fastinfo was built and how it runs here: what a bug report needs.

    Like :func:`numpy.show_config`: the version, the build (Cargo profile, optimisation level,
    compiler, target, compile-time target features, the extension's Python ABI and the wheel's
    tags), the run-time choices (the SIMD level picked for this CPU, the number of threads, the
    memory budget, and the ``FASTINFO_*`` environment variables they come from), numpy's version,
    the interpreter and the platform.

    Parameters
    ----------
    mode : {"stdout", "dicts"}, default "stdout"
        ``"stdout"`` prints the information; ``"dicts"`` returns it as a dict of dicts instead,
        with the sections ``"fastinfo"``, ``"build"``, ``"runtime"``, ``"numpy"``, ``"python"``
        and ``"platform"``.

    Returns
    -------
    dict or None
        The information (``mode="dicts"``), or None.

    Notes
    -----
    ``build["profile"]`` is the Cargo profile the extension was compiled with: ``release`` for
    wheels and ``pip install`` (fat LTO), ``ci`` for ``maturin develop --profile ci``, ``dev``
    for a debug build (``debug_assertions`` is then true: far too slow for real work).
    ``build["target_features"]`` are the CPU features the whole extension was compiled for (the
    x86-64 baseline for a portable wheel); the wider kernels are chosen at run time,
    ``runtime["simd_level"]``, which ``FASTINFO_SIMD`` can lower. Invalid values of
    ``FASTINFO_NUM_THREADS`` or ``FASTINFO_MEMORY_LIMIT`` are shown as the error they cause.

    Examples
    --------
    >>> import fastinfo
    >>> fastinfo.show_config()
    fastinfo:
      version: ...
    build:
      profile: ...
    runtime:
      simd_level: ...
    numpy:
      version: ...
    python:
      version: ...
    platform:
      system: ...
    >>> config = fastinfo.show_config(mode="dicts")
    >>> config["fastinfo"]["version"] == fastinfo.__version__
    True
    >>> config["runtime"]["num_threads"] == fastinfo.get_num_threads()
    True
    >>> config["runtime"]["simd_level"] in ("scalar", "avx2", "avx512")
    True
    """
    if mode not in ("stdout", "dicts"):
        raise ValueError(f"mode must be 'stdout' or 'dicts', got {mode!r}")
    config = _collect()
    if mode == "dicts":
        return config
    lines = []
    for section, entries in config.items():
        lines.append(f"{section}:")
        for key, value in entries.items():
            if isinstance(value, dict):
                lines.append(f"  {key}:")
                lines += [f"    {k}: {_text(v)}" for k, v in value.items()]
            else:
                lines.append(f"  {key}: {_text(value)}")
    print("\n".join(lines))
    return None
