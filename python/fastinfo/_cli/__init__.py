"""The data commands of the command line: ``fastinfo profile``, ``mi``, ``entropy``, ``pairwise``.

``fastinfo.__main__`` hands any command line whose first word is one of :data:`COMMANDS` to
:func:`main`. Nothing here is imported by ``import fastinfo``; pyarrow, rich and matplotlib (the
``cli`` extra) are imported by the commands that need them.
"""

from __future__ import annotations

#: The subcommands this package runs (``demo`` stays in ``fastinfo.__main__``).
COMMANDS = ("profile", "mi", "entropy", "pairwise")


def main(argv: list[str]) -> int:
    """Run one data command; returns the process exit code (0, 2 for bad input, 130 on Ctrl-C)."""
    from .app import run

    return run(argv)
